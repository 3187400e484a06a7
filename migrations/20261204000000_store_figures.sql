-- Figures kept as business happens (domain::figures), so that the dashboard reads a month in a
-- few rows instead of re-reading every order of it:
--   store_counters         a store's running counts, and the number its next order gets;
--   store_daily_figures    orders placed and revenue per day of the store's own calendar;
--   product_daily_figures  units sold and revenue per product per day.
-- Revenue leaves out cancelled and refunded orders; the day count of orders keeps them (an
-- order was placed that day whatever became of it). All three are store rows like any other:
-- row-level security, and on Citus colocated with the store.
--
-- Orders also get their number in the store (#1001, #1002, …): the platform-wide id told every
-- store the platform's volume.

-- Citus: tables are distributed and then changed in one transaction, which Citus allows over
-- one connection per node only (see the foundation migration).
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';

CREATE TABLE store_counters (
    tenant_id           bigint NOT NULL PRIMARY KEY,
    orders              bigint NOT NULL DEFAULT 0 CHECK (orders >= 0),
    active_products     bigint NOT NULL DEFAULT 0 CHECK (active_products >= 0),
    customers           bigint NOT NULL DEFAULT 0 CHECK (customers >= 0),
    -- The number of the store's latest order; its first order is #1001.
    last_order_number   bigint NOT NULL DEFAULT 1000,
    -- The zone the store's daily figures are counted in: the store's, copied here so that an
    -- order's writes name one table (on Citus a statement joining two is planned for every
    -- shard once it is prepared).
    time_zone           text NOT NULL DEFAULT 'UTC'
);
COMMENT ON TABLE store_counters IS 'tenant';

CREATE TABLE store_daily_figures (
    tenant_id       bigint NOT NULL,
    day             date NOT NULL,
    orders          bigint NOT NULL CHECK (orders >= 0),
    revenue_cents   bigint NOT NULL CHECK (revenue_cents >= 0),
    PRIMARY KEY (tenant_id, day)
);
COMMENT ON TABLE store_daily_figures IS 'tenant';

CREATE TABLE product_daily_figures (
    tenant_id       bigint NOT NULL,
    day             date NOT NULL,
    product_id      bigint NOT NULL,
    units           bigint NOT NULL CHECK (units >= 0),
    revenue_cents   bigint NOT NULL CHECK (revenue_cents >= 0),
    PRIMARY KEY (tenant_id, day, product_id)
);
COMMENT ON TABLE product_daily_figures IS 'tenant';

SELECT enable_tenant_isolation('store_counters');
SELECT enable_tenant_isolation('store_daily_figures');
SELECT enable_tenant_isolation('product_daily_figures');

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        PERFORM create_distributed_table('store_counters', 'tenant_id', colocate_with => 'tenants');
        PERFORM create_distributed_table('store_daily_figures', 'tenant_id', colocate_with => 'tenants');
        PERFORM create_distributed_table('product_daily_figures', 'tenant_id', colocate_with => 'tenants');
    END IF;
END
$$;

-- In a DO block: Citus resends a distributed table's DDL as its statement text (see the
-- foundation migration).
DO $$
BEGIN
    ALTER TABLE store_counters ADD CONSTRAINT store_counters_tenant_fk
        FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE;
    ALTER TABLE store_daily_figures ADD CONSTRAINT store_daily_figures_tenant_fk
        FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE;
    ALTER TABLE product_daily_figures ADD CONSTRAINT product_daily_figures_product_fk
        FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE;
    ALTER TABLE orders ADD COLUMN number bigint;
END
$$;

-- Existing orders are numbered in the order they were placed.
UPDATE orders o SET number = 1000 + n.position
FROM (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS position
      FROM orders) n
WHERE o.tenant_id = n.tenant_id AND o.id = n.id;

-- The back-fill, as domain::figures::rebuild computes it.
INSERT INTO store_counters (tenant_id, orders, active_products, customers, last_order_number, time_zone)
SELECT t.id, coalesce(o.orders, 0), coalesce(p.active, 0), coalesce(c.customers, 0),
       greatest(1000, coalesce(o.last_number, 1000)), t.time_zone
FROM tenants t
LEFT JOIN (SELECT tenant_id, count(*) AS orders, max(number) AS last_number FROM orders GROUP BY tenant_id) o
       ON o.tenant_id = t.id
LEFT JOIN (SELECT tenant_id, count(*) AS active FROM products WHERE archived_at IS NULL GROUP BY tenant_id) p
       ON p.tenant_id = t.id
LEFT JOIN (SELECT tenant_id, count(*) AS customers FROM customers GROUP BY tenant_id) c
       ON c.tenant_id = t.id;

INSERT INTO store_daily_figures (tenant_id, day, orders, revenue_cents)
SELECT o.tenant_id, (o.created_at AT TIME ZONE t.time_zone)::date, count(*),
       coalesce(sum(o.total_cents) FILTER (WHERE o.status NOT IN ('cancelled', 'refunded')), 0)
FROM orders o JOIN tenants t ON t.id = o.tenant_id
GROUP BY o.tenant_id, 2;

INSERT INTO product_daily_figures (tenant_id, day, product_id, units, revenue_cents)
SELECT i.tenant_id, (o.created_at AT TIME ZONE t.time_zone)::date, i.product_id, sum(i.quantity),
       sum(i.quantity * i.unit_price_cents)
FROM order_items i
JOIN orders o ON o.tenant_id = i.tenant_id AND o.id = i.order_id
JOIN tenants t ON t.id = i.tenant_id
WHERE o.status NOT IN ('cancelled', 'refunded')
GROUP BY i.tenant_id, 2, i.product_id;

-- The orders list pages through this index alone (an index-only scan skips deep pages without
-- visiting the table); it replaces the one on the same sort.
DO $$
BEGIN
    ALTER TABLE orders ALTER COLUMN number SET NOT NULL;
    ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE (tenant_id, number);
    CREATE INDEX orders_list_idx ON orders (tenant_id, created_at DESC, id DESC)
        INCLUDE (number, customer_id, status, total_cents);
    DROP INDEX orders_recent_idx;
END
$$;

GRANT SELECT, INSERT, UPDATE ON store_counters TO storefront_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON store_daily_figures TO storefront_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON product_daily_figures TO storefront_app;
