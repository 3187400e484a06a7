//! The storefront server: configuration, startup, the routes outside Leptos, and the commands
//! of the `storefront` binary.

pub mod assets;
pub mod auth;
pub mod browser_policy;
pub mod cli;
pub mod config;
pub mod csrf;
pub mod database;
pub mod export;
pub mod health;
pub mod hydra;
pub mod identity_provider;
pub mod metrics;
pub mod products;
pub mod refusals;
pub mod session_store;
pub mod shutdown;
pub mod startup;
pub mod stripe_webhook;
pub mod submissions;
pub mod telemetry;
pub mod webhook_signature;
