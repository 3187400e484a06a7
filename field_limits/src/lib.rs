//! How much each field people type may hold. The forms state it (`maxlength`, and a hint on
//! names) and the domain enforces it, both from these constants, so the two cannot drift apart.
//! Lengths count characters, except [`EMAIL`], which counts bytes as mail systems do.

/// An email address (RFC 5321's path limit).
pub const EMAIL: usize = 254;
/// A password; long passphrases are welcome, unbounded ones are not hashed.
pub const PASSWORD: usize = 128;
pub const STORE_NAME: usize = 100;
/// A store's address (one DNS label).
pub const STORE_ADDRESS: usize = 63;
pub const PRODUCT_NAME: usize = 200;
pub const SKU: usize = 64;
/// A price as typed, separators and all.
pub const PRICE: usize = 24;
pub const CUSTOMER_NAME: usize = 200;
/// Why staff act on a store or open a support session.
pub const REASON: usize = 500;
/// What a search box sends.
pub const SEARCH: usize = 200;

/// The hint a form shows for a field of at most `max` characters.
pub fn hint(max: usize) -> String {
    format!("Up to {max} characters.")
}
