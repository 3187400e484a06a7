-- A foreign key that cost every creation more than it guarded: idempotency_keys → tenants. A key
-- is claimed, then given its result in the same transaction, and PostgreSQL checks a foreign key
-- again on any update of a row its own transaction inserted. Deleting a store now deletes its
-- keys itself (domain::settings::delete_store), and keys are forgotten after a day anyway.
DO $$
BEGIN
    ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_tenant_fk;
END
$$;

-- Only the store's own keys: row-level security confines the deletion like any other.
GRANT DELETE ON idempotency_keys TO storefront_app;
