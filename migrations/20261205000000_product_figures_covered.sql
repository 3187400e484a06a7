-- The dashboard's best sellers sum a store's product days over the period (about 20 rows a day in
-- a busy store). Those rows lie on as many heap pages as there are rows, since every store's
-- orders interleave; with the figures in the key's index the sum is read from the index alone
-- (an index-only scan: about ten pages instead of six hundred). The cost: an update of a product's
-- day is no longer a heap-only one, so the index gets an entry per update too.
--
-- In a DO block: Citus resends a distributed table's DDL as its statement text (see the
-- foundation migration).
DO $$
BEGIN
    ALTER TABLE product_daily_figures DROP CONSTRAINT product_daily_figures_pkey;
    ALTER TABLE product_daily_figures
        ADD CONSTRAINT product_daily_figures_pkey PRIMARY KEY (tenant_id, day, product_id) INCLUDE (units, revenue_cents);
END
$$;
