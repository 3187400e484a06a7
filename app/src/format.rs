//! Display of figures, shared by the server and the browser so both render the same text.

pub use money::count;

/// Formats an amount in minor units, e.g. `123456, "USD"` as `$1,234.56`.
pub fn money(minor_units: i64, currency: &str) -> String {
    money::format(minor_units, currency)
}
