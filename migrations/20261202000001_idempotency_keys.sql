-- Idempotent creation (domain::idempotency): a form's key, claimed in the same transaction as
-- what it creates, and what that was. A store's row like any other, under row-level security.

-- Citus: the table is distributed and the cleanup function created in one transaction, which
-- Citus allows over one connection per node only (see the foundation migration).
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
CREATE TABLE idempotency_keys (
    tenant_id   bigint NOT NULL,
    key         uuid NOT NULL,
    creation    text NOT NULL CHECK (creation IN ('order', 'product', 'customer', 'invitation')),
    result      jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);
COMMENT ON TABLE idempotency_keys IS 'tenant';
SELECT enable_tenant_isolation('idempotency_keys');

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        PERFORM create_distributed_table('idempotency_keys', 'tenant_id', colocate_with => 'tenants');
    END IF;
END
$$;

-- In a DO block: Citus resends a distributed table's DDL as its statement text (see the
-- foundation migration).
DO $$
BEGIN
    ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_tenant_fk
        FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE;
    CREATE INDEX idempotency_keys_age_idx ON idempotency_keys (created_at);
END
$$;

GRANT SELECT, INSERT, UPDATE ON idempotency_keys TO storefront_app;

-- Keys older than a day, of every store: housekeeping the application may ask for without
-- seeing any store's rows (it runs as the schema's owner).
CREATE FUNCTION forget_old_idempotency_keys() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH gone AS (DELETE FROM idempotency_keys WHERE created_at < now() - interval '1 day' RETURNING 1)
    SELECT count(*) FROM gone
$$;
REVOKE EXECUTE ON FUNCTION forget_old_idempotency_keys() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION forget_old_idempotency_keys() TO storefront_app;
