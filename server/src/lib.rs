//! The storefront server: configuration, startup, the routes outside Leptos, and the commands
//! of the `storefront` binary.

pub mod auth;
pub mod cli;
pub mod config;
pub mod database;
pub mod health;
pub mod startup;
pub mod telemetry;
