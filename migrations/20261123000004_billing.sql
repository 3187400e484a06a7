-- Citus: DDL on the distributed tenants table over one connection per node, as in the
-- foundation migration (plain PostgreSQL keeps this as an unused custom setting).
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';

-- Billing: each store's subscription as the payment provider (Stripe) last reported it, and the
-- provider's events already applied, so that a redelivered event changes nothing.

-- A store's subscription travels with the store (tenants: control-plane, distributed by id on
-- Citus). `billing_status` is the subscription's status as the provider names it; NULL for a
-- store that pays nothing (the free plan, or an installation without a payment provider).
-- In a DO block: Citus resends a distributed table's DDL as its statement text, which must
-- hold one statement (see the foundation migration).
DO $$
BEGIN
    ALTER TABLE tenants ADD COLUMN billing_status text;
    ALTER TABLE tenants ADD COLUMN stripe_customer_id text;
    ALTER TABLE tenants ADD COLUMN stripe_subscription_id text;
    ALTER TABLE tenants ADD COLUMN current_period_end timestamptz;
    ALTER TABLE tenants ADD COLUMN cancel_at_period_end boolean NOT NULL DEFAULT false;
    ALTER TABLE tenants ADD COLUMN trial_ends_at timestamptz;
    -- The provider's time of the subscription event last applied: events arrive in any order,
    -- and one older than this is a stale view of the subscription.
    ALTER TABLE tenants ADD COLUMN subscription_seen_at timestamptz;
    -- The last failed payment, cleared by the next paid invoice; invoice events keep their own
    -- clock for the same reason as subscription events.
    ALTER TABLE tenants ADD COLUMN payment_failed_at timestamptz;
    ALTER TABLE tenants ADD COLUMN invoice_seen_at timestamptz;
    -- Apart and named: Citus adds no unnamed constraint together with a column.
    ALTER TABLE tenants ADD CONSTRAINT tenants_billing_status_check CHECK (billing_status IN (
        'incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'));

    -- Events that name no store of ours by id are matched by the provider's ids.
    CREATE INDEX tenants_stripe_subscription_idx ON tenants (stripe_subscription_id)
        WHERE stripe_subscription_id IS NOT NULL;
    CREATE INDEX tenants_stripe_customer_idx ON tenants (stripe_customer_id)
        WHERE stripe_customer_id IS NOT NULL;
END
$$;

-- Events of the payment provider already applied. Its id is stored in the same transaction as
-- the event's effect. Nothing points at it: on Citus it stays a plain table on the coordinator.
CREATE TABLE stripe_events (
    id              text PRIMARY KEY,
    type            text NOT NULL,
    -- When the provider made the event (its `created`), not when it reached us.
    created_at      timestamptz NOT NULL,
    tenant_id       bigint,
    received_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE stripe_events IS 'control-plane';

GRANT SELECT, INSERT ON stripe_events TO storefront_app;
