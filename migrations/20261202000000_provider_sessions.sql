-- Which of our sessions began from which login session at the identity provider (the `sid`
-- of Hydra's ID token), so a back-channel logout ends exactly those. A row goes with its
-- session: a sign-out, a new session id on a store switch, and expiry all delete it. On Citus
-- both stay plain tables on the coordinator, like the sessions themselves.
CREATE TABLE provider_sessions (
    session_id      text PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    sid             text NOT NULL
);
COMMENT ON TABLE provider_sessions IS 'control-plane';
CREATE INDEX provider_sessions_sid_idx ON provider_sessions (sid);
GRANT SELECT, INSERT, DELETE ON provider_sessions TO storefront_app;
