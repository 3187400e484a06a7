-- One orders-page request (page :pg of 1..20, 25 a page, no filter) as it is now, statement for statement as it reaches
-- PostgreSQL (log_statement=all on the application role). Variables as in ../shared/bench/baseline/orders.sql; the
-- transaction's settings ride on the page's statement, as in dashboard.sql here, in its condition on the store's row
-- (evaluated once, where the select list would set them again for each of the page's rows). The app sends the page
-- it was asked for and the statement settles on the last one when that is past the end.
\set i random(1, :nsessions)
\set pg random(1, 20)
SELECT tenant_id AS tid, account_id AS aid, session_key AS skey FROM bench_sessions WHERE i = :i \gset
select data from "public"."sessions" where id = :skey and expiry_date > :now::timestamptz;
SELECT m.role, a.email, t.status, t.billing_status FROM memberships m JOIN accounts a ON a.id = m.account_id JOIN tenants t ON t.id = m.tenant_id WHERE m.tenant_id = :tid AND m.account_id = :aid AND (a.sessions_valid_from IS NULL OR a.sessions_valid_from <= :now::timestamptz);
BEGIN;
SELECT t.name AS store_name, t.currency, m.matching, p.page, o.id, o.number, o.customer_name, o.status, o.total_cents, o.created_at FROM tenants t LEFT JOIN store_counters c ON c.tenant_id = t.id CROSS JOIN LATERAL (SELECT CASE WHEN true THEN coalesce(c.orders, 0)::bigint ELSE (SELECT count(*) FROM orders WHERE tenant_id = :tid AND (NULL::text IS NULL OR status = NULL::text) AND (NULL::timestamptz IS NULL OR created_at >= NULL::timestamptz) AND (NULL::timestamptz IS NULL OR created_at < NULL::timestamptz)) END AS matching) m CROSS JOIN LATERAL (SELECT greatest(1, least(:pg, (m.matching + 25 - 1) / 25)) AS page) p LEFT JOIN LATERAL (SELECT l.id, l.number, cu.name AS customer_name, l.status, l.total_cents, l.created_at FROM (SELECT id, number, customer_id, status, total_cents, created_at FROM orders WHERE tenant_id = :tid AND (NULL::text IS NULL OR status = NULL::text) AND (NULL::timestamptz IS NULL OR created_at >= NULL::timestamptz) AND (NULL::timestamptz IS NULL OR created_at < NULL::timestamptz) ORDER BY created_at DESC, id DESC LIMIT 25 OFFSET (p.page - 1) * 25) l JOIN customers cu ON cu.tenant_id = :tid AND cu.id = l.customer_id) o ON true WHERE t.id = :tid AND concat(set_config('app.current_tenant', :tid::text, true), set_config('lock_timeout', '2000ms', true), set_config('statement_timeout', '5000ms', true)) IS NOT NULL ORDER BY o.created_at DESC, o.id DESC;
COMMIT;
