-- Rate limits: a token bucket per limited action and key (an email, a client address).
-- Control-plane: not a store's data. Nothing points at it: on Citus it stays on the coordinator.
CREATE TABLE rate_limit_buckets (
    action          text NOT NULL,
    key             text NOT NULL,
    tokens          double precision NOT NULL,
    refilled_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action, key)
);
COMMENT ON TABLE rate_limit_buckets IS 'control-plane';
CREATE INDEX rate_limit_buckets_refilled_idx ON rate_limit_buckets (refilled_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_buckets TO storefront_app;
