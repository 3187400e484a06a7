-- The application role, in a migration of its own: Citus propagates a CREATE ROLE run inside
-- a DO block to the worker nodes by resending the whole query text, and the workers refuse a
-- text holding several statements. Alone here, that text is just this block.
-- The role the application runs as: it owns nothing and cannot bypass row-level security.
-- Login roles are granted membership of it (the embedded cluster gives it LOGIN itself).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'storefront_app') THEN
        CREATE ROLE storefront_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
