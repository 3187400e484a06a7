//! The data layer against a real database: one test binary, one module per area.

mod admin;
mod billing;
mod catalog;
mod cluster;
mod customers;
mod export;
mod figures;
mod idempotency;
mod orders;
mod products;
mod rate_limits;
mod seed;
mod signup;
mod team;
mod tenancy;
