-- One dashboard request of the storefront as it is now, statement for statement as it reaches PostgreSQL (captured
-- with log_statement=all on the application role), for `scripts/bench`'s "own statements" figure. Variables as in
-- ../shared/bench/baseline/dashboard.sql. The app opens its transaction with one simple query (BEGIN and three
-- SET LOCAL); pgbench cannot prepare a compound command, so here BEGIN goes alone and the settings ride on the first
-- SELECT: the same round trips, the same work. The helper lookup is not part of the request.
\set i random(1, :nsessions)
SELECT tenant_id AS tid, account_id AS aid, session_key AS skey FROM bench_sessions WHERE i = :i \gset
select data from "public"."sessions" where id = :skey and expiry_date > :now::timestamptz;
SELECT m.role, a.email, t.status, t.billing_status FROM memberships m JOIN accounts a ON a.id = m.account_id JOIN tenants t ON t.id = m.tenant_id WHERE m.tenant_id = :tid AND m.account_id = :aid AND (a.sessions_valid_from IS NULL OR a.sessions_valid_from <= :now::timestamptz);
BEGIN;
SELECT set_config('app.current_tenant', :tid::text, true), set_config('lock_timeout', '2000ms', true), set_config('statement_timeout', '5000ms', true), t.name, t.currency, t.time_zone, (now() AT TIME ZONE t.time_zone)::date AS today, coalesce(c.active_products, 0) AS active_products, coalesce(c.customers, 0) AS customers FROM tenants t LEFT JOIN store_counters c ON c.tenant_id = t.id WHERE t.id = :tid;
SELECT day, orders, revenue_cents FROM store_daily_figures WHERE tenant_id = :tid AND day >= :since::date AND day <= (:now::timestamptz AT TIME ZONE 'UTC')::date ORDER BY day;
SELECT p.id AS product_id, p.name, f.units, f.revenue_cents FROM (SELECT product_id, sum(units)::bigint AS units, sum(revenue_cents)::bigint AS revenue_cents FROM product_daily_figures WHERE tenant_id = :tid AND day >= :since::date GROUP BY product_id HAVING sum(units) > 0 ORDER BY revenue_cents DESC, product_id LIMIT 5) f JOIN products p ON p.tenant_id = :tid AND p.id = f.product_id ORDER BY f.revenue_cents DESC, p.id;
SELECT o.id, o.number, c.name AS customer_name, o.status, o.total_cents, o.created_at FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = :tid ORDER BY o.created_at DESC, o.id DESC LIMIT 10;
COMMIT;
