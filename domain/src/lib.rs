//! Data access and business rules of the storefront.
//!
//! Everything that touches a store's rows goes through [`tenancy::TenantScope`], which can only
//! be made from a checked membership, and [`Db::begin_tenant`], which opens a transaction that
//! row-level security confines to that store. Platform work (accounts, sign-in, seeding) uses
//! the control-plane tables through explicit functions of its own.

pub mod accounts;
pub mod db;
pub mod embedded;
pub mod error;
pub mod figures;
pub mod password;
pub mod seed;
pub mod tenancy;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::Db;
pub use error::Error;
pub use tenancy::{AccountId, Role, TenantId, TenantScope, TenantTx};
