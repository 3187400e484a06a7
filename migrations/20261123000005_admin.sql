-- Citus: DDL on the distributed tenants table over one connection per node, as in the
-- foundation migration (plain PostgreSQL keeps this as an unused custom setting).
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';

-- The admin panel: the platform's staff, the platform audit log, support sessions, revoking a
-- person's sessions, and the indexes the tenants list searches and sorts with.

-- Trigram indexes let "contains" searches (ILIKE '%…%') use an index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The platform's own people. Separate from store membership: a staff account belongs to no
-- store, and its role here grants nothing inside a store.
CREATE TABLE staff (
    account_id      bigint PRIMARY KEY,
    role            text NOT NULL CHECK (role IN ('support', 'admin')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE staff IS 'control-plane';

-- What staff did, to which store and why. Kept when a store is deleted (no foreign key).
CREATE TABLE platform_audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor_account_id bigint NOT NULL,
    actor           text NOT NULL,
    action          text NOT NULL,
    tenant_id       bigint,
    reason          text NOT NULL,
    details         jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE platform_audit_events IS 'control-plane';
CREATE INDEX platform_audit_events_tenant_idx
    ON platform_audit_events (tenant_id, occurred_at DESC, id DESC);
CREATE INDEX platform_audit_events_recent_idx ON platform_audit_events (occurred_at DESC, id DESC);

-- A member of staff reading one store's data, for a reason, for a limited time.
CREATE TABLE support_sessions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_account_id bigint NOT NULL,
    tenant_id       bigint NOT NULL,
    reason          text NOT NULL CHECK (btrim(reason) <> ''),
    started_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz
);
COMMENT ON TABLE support_sessions IS 'control-plane';
CREATE INDEX support_sessions_tenant_idx ON support_sessions (tenant_id, started_at DESC);

-- Sessions that began before this moment are no longer accepted (staff revoked them), and
-- contains-search on owners' addresses. In a DO block: accounts is a reference table on Citus,
-- whose DDL must reach the workers as one statement (see the foundation migration).
DO $$
BEGIN
    ALTER TABLE accounts ADD COLUMN sessions_valid_from timestamptz;
    CREATE INDEX accounts_email_trgm_idx ON accounts USING gin (email gin_trgm_ops);
END
$$;

-- The tenants list: contains-search on name and slug, sorted by age or name, filtered by
-- state or plan with a sort (rare states are found through the state index, then sorted).
DO $$
BEGIN
    CREATE INDEX tenants_name_trgm_idx ON tenants USING gin (name gin_trgm_ops);
    CREATE INDEX tenants_slug_trgm_idx ON tenants USING gin (slug gin_trgm_ops);
    CREATE INDEX tenants_created_idx ON tenants (created_at, id);
    CREATE INDEX tenants_name_idx ON tenants (lower(name), id);
    CREATE INDEX tenants_state_idx ON tenants (status, billing_status);
    CREATE INDEX tenants_payment_failed_idx ON tenants (payment_failed_at)
        WHERE payment_failed_at IS NOT NULL;
END
$$;

GRANT SELECT ON staff TO storefront_app;
GRANT SELECT, INSERT ON platform_audit_events TO storefront_app;
GRANT SELECT, INSERT, UPDATE ON support_sessions TO storefront_app;
