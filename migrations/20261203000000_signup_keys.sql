-- Idempotent signup (domain::signup): the signup form's key, claimed in the transaction that
-- creates the account and its store, and what that made. Control-plane: not a store's data, and
-- a signup has no store until it is made. Nothing points at it and it points at nothing (an
-- abandoned signup removes its row with the store): on Citus it stays a plain table on the
-- coordinator.
CREATE TABLE signup_keys (
    key         uuid PRIMARY KEY,
    account_id  bigint,
    tenant_id   bigint,
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE signup_keys IS 'control-plane';
CREATE INDEX signup_keys_age_idx ON signup_keys (created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON signup_keys TO storefront_app;
