//! Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each
//! `v1` an HMAC-SHA256 of `"<t>.<raw body>"` under the endpoint's secret.
//!
//! Checked here rather than by the Stripe crate's parser, which keeps only the last `v1`:
//! while a secret is being rolled Stripe signs with the old and the new one, and either must do.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How old a signature may be (Stripe's own default), against replays.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// No `t=` or no `v1=`, or parts that do not parse.
    Malformed,
    /// The timestamp is further than the tolerance from now.
    Stale,
    /// No `v1` matches the body under the secret.
    NoMatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureError::Malformed => "the signature header is malformed",
            SignatureError::Stale => "the signature's timestamp is outside the tolerance",
            SignatureError::NoMatch => "no signature matches the body",
        })
    }
}

/// Checks `header` against the raw `body` at `now` (unix seconds).
pub fn verify(body: &[u8], header: &str, secret: &str, now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => {
                timestamp = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?)
            }
            Some(("v1", value)) => signatures.push(from_hex(value).ok_or(SignatureError::Malformed)?),
            // Other schemes (`v0`, test-mode extras) are not ours to check.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    let mac = signed_payload_mac(secret, timestamp, body);
    // `verify_slice` compares in constant time.
    if signatures.iter().any(|signature| mac.clone().verify_slice(signature).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

/// The header Stripe would send for `body` at `timestamp` under `secret` (for tests and the
/// local stand-in).
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let signature = signed_payload_mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", to_hex(&signature))
}

fn signed_payload_mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;
    const NOW: i64 = 1_795_000_000;

    #[test]
    fn a_signature_of_the_body_passes() {
        assert_eq!(verify(BODY, &sign(BODY, SECRET, NOW), SECRET, NOW), Ok(()));
        assert_eq!(verify(BODY, &sign(BODY, SECRET, NOW - 299), SECRET, NOW), Ok(()));
    }

    #[test]
    fn any_of_several_v1_signatures_may_match_while_a_secret_rolls() {
        let old = sign(BODY, "whsec_old", NOW);
        let new = sign(BODY, SECRET, NOW);
        let new_v1 = new.split_once(",v1=").unwrap().1;
        let old_v1 = old.split_once(",v1=").unwrap().1;
        // The matching signature first, then another: a parser keeping only the last one fails.
        let header = format!("t={NOW},v1={new_v1},v1={old_v1}");
        assert_eq!(verify(BODY, &header, SECRET, NOW), Ok(()));
        let header = format!("t={NOW},v1={old_v1},v0=abcd,v1={new_v1}");
        assert_eq!(verify(BODY, &header, SECRET, NOW), Ok(()));
    }

    #[test]
    fn forged_changed_and_stale_signatures_are_refused() {
        let header = sign(BODY, SECRET, NOW);
        assert_eq!(verify(br#"{"id":"evt_2"}"#, &header, SECRET, NOW), Err(SignatureError::NoMatch));
        assert_eq!(verify(BODY, &header, "whsec_other", NOW), Err(SignatureError::NoMatch));
        assert_eq!(verify(BODY, &sign(BODY, SECRET, NOW - 301), SECRET, NOW), Err(SignatureError::Stale));
        assert_eq!(verify(BODY, &sign(BODY, SECRET, NOW + 301), SECRET, NOW), Err(SignatureError::Stale));
        for malformed in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=0g", "t=1,v1=abc"] {
            assert_eq!(verify(BODY, malformed, SECRET, NOW), Err(SignatureError::Malformed), "{malformed}");
        }
    }
}
