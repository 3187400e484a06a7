//! The server through HTTP, black-box: one test binary (linking one per file cost minutes and
//! gigabytes), one module per area.

mod admin;
mod api;
mod back_office;
mod billing;
mod budgets;
mod common;
mod csrf;
mod faults;
mod hostile;
mod idempotency;
mod isolation;
mod mail;
mod metrics;
mod refusals;
mod roles;
mod sign_in;
mod signup;
mod submissions;
mod team;
