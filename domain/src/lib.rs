//! Data access and business rules of the storefront.
//!
//! Everything that touches a store's rows goes through [`tenancy::TenantScope`], which can only
//! be made from a checked membership, and [`Db::begin_tenant`], which opens a transaction that
//! row-level security confines to that store. Platform work (accounts, sign-in, seeding) uses
//! the control-plane tables through explicit functions of its own.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod billing;
pub mod bulkhead;
pub mod cluster;
pub mod customers;
pub mod db;
pub mod embedded;
pub mod error;
pub mod export;
pub mod figures;
pub mod idempotency;
pub mod metrics;
pub mod orders;
pub mod paging;
pub mod password;
pub mod platform_audit;
pub mod products;
pub mod provider_sessions;
pub mod rate_limits;
pub mod seed;
pub mod settings;
pub mod signup;
pub mod staff;
pub mod support;
pub mod team;
pub mod tenancy;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;

pub use db::{Bounds, Db, DbLimits, Plans};
pub use error::{Error, FieldErrors};
pub use tenancy::{AccountId, Permission, ReadTx, Role, TenantId, TenantScope, TenantTx};

/// Server functions and axum handlers need `Send` futures. Some sqlx futures make a caller's
/// future unprovably `Send` (a rustc limitation), so the domain's entry points are pinned here
/// at compile time.
#[cfg(test)]
#[allow(dead_code)]
mod futures_are_send {
    use super::*;

    fn assert_send<F: Send>(_: F) {}

    fn entry_points(
        db: &Db,
        scope: &TenantScope,
        email: &accounts::Email,
        invitation: &team::OpenInvitation,
    ) {
        assert_send(db.begin_tenant(scope));
        assert_send(TenantScope::for_member(db, scope.account_id(), scope.tenant_id()));
        assert_send(figures::store_overview(db, scope, figures::Period::Last7Days));
        assert_send(orders::list(db, scope, &orders::OrderFilter::default(), 1));
        assert_send(orders::detail(db, scope, 1));
        assert_send(orders::change_status(db, scope, 1, orders::OrderStatus::Paid));
        let product = products::ProductDraft::parse(&products::ProductInput::default(), "USD");
        if let Ok(product) = product {
            assert_send(products::create(db, scope, &product, None));
            assert_send(products::update(db, scope, 1, &product));
        }
        assert_send(products::list(db, scope, &products::ProductFilter::default(), 1));
        assert_send(products::get(db, scope, 1));
        assert_send(products::set_archived(db, scope, 1, true));
        assert_send(products::import_csv(db, scope, ""));
        assert_send(products::export_csv(db, scope));
        assert_send(customers::list(db, scope, None, customers::CustomerSort::Name, 1));
        assert_send(customers::get(db, scope, 1));
        assert_send(customers::choices(db, scope, None, 1));
        assert_send(orders::create(db, scope, 1, &[], None));
        assert_send(settings::labels(db, scope));
        assert_send(settings::get(db, scope));
        assert_send(settings::update(db, scope, &settings::SettingsInput::default()));
        assert_send(team::members(db, scope));
        assert_send(team::pending_invitations(db, scope));
        assert_send(team::invite(db, scope, "", Role::Member));
        assert_send(team::revoke(db, scope, 1));
        assert_send(team::change_role(db, scope, scope.account_id(), Role::Member));
        assert_send(team::remove(db, scope, scope.account_id()));
        assert_send(team::open_invitation(db, ""));
        assert_send(team::accept(db, invitation, team::Joiner::Existing(scope.account_id())));
        assert_send(export::begin(db, scope));
        assert_send(settings::delete_store(db, scope, ""));
        assert_send(export::write_zip(db, scope, tokio::io::sink()));
        assert_send(audit::list(db, scope, &audit::AuditFilter::default(), 1));
        assert_send(accounts::authenticate(db, email, ""));
        assert_send(accounts::memberships(db, scope.account_id()));
        let action = rate_limits::LimitedAction::FailedSignInPerAccount;
        assert_send(rate_limits::wait_time(db, action, ""));
        assert_send(rate_limits::record(db, action, ""));
        assert_send(rate_limits::reset(db, action, ""));
    }
}
