//! Amounts of money as integer minor units (cents), in the currencies stores may choose.
//!
//! Amounts never pass through floating point: what people type is parsed digit by digit, and
//! display formats the integer. The browser and the server share this crate, so both show the
//! same text.

use std::fmt;

/// A currency a store may sell in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency {
    /// ISO 4217 code, e.g. `USD`.
    pub code: &'static str,
    pub name: &'static str,
    /// Written before the amount; `None` writes the code after it.
    pub symbol: Option<&'static str>,
    /// Digits after the decimal point (0 for yen).
    pub decimals: u32,
}

pub const CURRENCIES: &[Currency] = &[
    Currency { code: "USD", name: "US dollar", symbol: Some("$"), decimals: 2 },
    Currency { code: "EUR", name: "Euro", symbol: Some("€"), decimals: 2 },
    Currency { code: "GBP", name: "Pound sterling", symbol: Some("£"), decimals: 2 },
    Currency { code: "JPY", name: "Japanese yen", symbol: Some("¥"), decimals: 0 },
    Currency { code: "CAD", name: "Canadian dollar", symbol: Some("CA$"), decimals: 2 },
    Currency { code: "AUD", name: "Australian dollar", symbol: Some("A$"), decimals: 2 },
    Currency { code: "NZD", name: "New Zealand dollar", symbol: Some("NZ$"), decimals: 2 },
    Currency { code: "CHF", name: "Swiss franc", symbol: None, decimals: 2 },
    Currency { code: "SEK", name: "Swedish krona", symbol: None, decimals: 2 },
    Currency { code: "NOK", name: "Norwegian krone", symbol: None, decimals: 2 },
    Currency { code: "DKK", name: "Danish krone", symbol: None, decimals: 2 },
    Currency { code: "PLN", name: "Polish złoty", symbol: None, decimals: 2 },
    Currency { code: "INR", name: "Indian rupee", symbol: Some("₹"), decimals: 2 },
    Currency { code: "BRL", name: "Brazilian real", symbol: Some("R$"), decimals: 2 },
    Currency { code: "MXN", name: "Mexican peso", symbol: Some("MX$"), decimals: 2 },
    Currency { code: "ZAR", name: "South African rand", symbol: None, decimals: 2 },
    Currency { code: "SGD", name: "Singapore dollar", symbol: Some("S$"), decimals: 2 },
];

/// The largest amount a price or total may have, in minor units (ten billion of the major
/// unit): far beyond any real order, and far from overflowing when quantities multiply it.
pub const MAX_MINOR_UNITS: i64 = 1_000_000_000_000;

impl Currency {
    /// The currency with this code, if stores may use it.
    pub fn find(code: &str) -> Option<Currency> {
        CURRENCIES.iter().copied().find(|c| c.code == code)
    }

    /// For codes a store cannot choose but old data may hold: two decimals, the code as symbol.
    fn or_generic(code: &str) -> Currency {
        Currency::find(code).unwrap_or(Currency { code: "", name: "", symbol: None, decimals: 2 })
    }
}

/// Why typed text is not an amount. The messages are written for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    NotANumber,
    Negative,
    TooManyDecimals { decimals: u32 },
    TooLarge,
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::Empty => f.write_str("Enter an amount."),
            AmountError::NotANumber => f.write_str("Enter an amount like 12.50."),
            AmountError::Negative => f.write_str("The amount cannot be negative."),
            AmountError::TooManyDecimals { decimals: 0 } => {
                f.write_str("This currency has no decimals: enter a whole amount.")
            }
            AmountError::TooManyDecimals { decimals } => {
                write!(f, "Use at most {decimals} digits after the decimal point.")
            }
            AmountError::TooLarge => f.write_str("That amount is too large."),
        }
    }
}

impl std::error::Error for AmountError {}

/// Parses an amount as people type it (`12`, `12.5`, `1,234.50`, `$12.50`) into minor units
/// of `currency`. Commas are thousands separators; the only decimal mark is `.`.
pub fn parse(input: &str, currency: &str) -> Result<i64, AmountError> {
    let currency = Currency::or_generic(currency);
    let mut text = input.trim();
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    if text.starts_with('-') {
        return Err(AmountError::Negative);
    }
    if let Some(symbol) = currency.symbol {
        text = text.strip_prefix(symbol).unwrap_or(text).trim_start();
    }
    if !currency.code.is_empty() {
        text = text.strip_suffix(currency.code).unwrap_or(text).trim_end();
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let whole: String = whole.chars().filter(|c| *c != ',').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(&whole) || (text.contains('.') && !digits(fraction)) || !valid_grouping(text) {
        return Err(AmountError::NotANumber);
    }
    if fraction.len() > currency.decimals as usize {
        return Err(AmountError::TooManyDecimals { decimals: currency.decimals });
    }
    let scale = 10i64.pow(currency.decimals);
    let whole: i64 = whole.parse().map_err(|_| AmountError::TooLarge)?;
    let fraction_value: i64 = if fraction.is_empty() {
        0
    } else {
        let padded = format!("{fraction:0<width$}", width = currency.decimals as usize);
        padded.parse().map_err(|_| AmountError::NotANumber)?
    };
    let minor =
        whole.checked_mul(scale).and_then(|w| w.checked_add(fraction_value)).ok_or(AmountError::TooLarge)?;
    if minor > MAX_MINOR_UNITS {
        return Err(AmountError::TooLarge);
    }
    Ok(minor)
}

/// Commas, if any, must sit between groups of three digits: `1,234` but not `12,34`.
fn valid_grouping(text: &str) -> bool {
    let whole = text.split('.').next().unwrap_or_default();
    if !whole.contains(',') {
        return true;
    }
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3)
}

/// Formats minor units of `currency` for display, e.g. `123456, "USD"` as `$1,234.56`.
pub fn format(minor_units: i64, currency: &str) -> String {
    let known = Currency::or_generic(currency);
    let sign = if minor_units < 0 { "-" } else { "" };
    let abs = minor_units.unsigned_abs();
    let scale = 10u64.pow(known.decimals);
    let whole = grouped(abs / scale);
    let amount = if known.decimals == 0 {
        whole
    } else {
        format!("{whole}.{:0width$}", abs % scale, width = known.decimals as usize)
    };
    match known.symbol {
        Some(symbol) => format!("{sign}{symbol}{amount}"),
        None => format!("{sign}{amount} {currency}"),
    }
}

/// Minor units written back as people type them, without symbol or separators (`1234.50`),
/// for a form field that edits an amount.
pub fn to_input(minor_units: i64, currency: &str) -> String {
    let decimals = Currency::or_generic(currency).decimals;
    let scale = 10i64.pow(decimals);
    if decimals == 0 {
        minor_units.to_string()
    } else {
        format!("{}.{:0width$}", minor_units / scale, (minor_units % scale).abs(), width = decimals as usize)
    }
}

/// Formats a count with thousands separators.
pub fn count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", grouped(n.unsigned_abs()))
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_as_people_type_them() {
        assert_eq!(parse("12", "USD"), Ok(1200));
        assert_eq!(parse(" 12.5 ", "USD"), Ok(1250));
        assert_eq!(parse("12.05", "USD"), Ok(1205));
        assert_eq!(parse("0.99", "USD"), Ok(99));
        assert_eq!(parse("$1,234.56", "USD"), Ok(123_456));
        assert_eq!(parse("€ 3.10", "EUR"), Ok(310));
        assert_eq!(parse("1500", "JPY"), Ok(1500));
        assert_eq!(parse("10.50 SEK", "SEK"), Ok(1050));
        assert_eq!(parse("0", "USD"), Ok(0));
    }

    #[test]
    fn what_is_not_an_amount_is_refused_with_a_reason() {
        assert_eq!(parse("", "USD"), Err(AmountError::Empty));
        assert_eq!(parse("  ", "USD"), Err(AmountError::Empty));
        assert_eq!(parse("-1", "USD"), Err(AmountError::Negative));
        assert_eq!(parse("12.345", "USD"), Err(AmountError::TooManyDecimals { decimals: 2 }));
        assert_eq!(parse("12.5", "JPY"), Err(AmountError::TooManyDecimals { decimals: 0 }));
        for nonsense in ["abc", "1.2.3", "12,34", "1e5", ".50", "12.", "0x10", "1 000", "12,50"] {
            assert_eq!(parse(nonsense, "USD"), Err(AmountError::NotANumber), "{nonsense}");
        }
        assert_eq!(parse("99999999999999999999", "USD"), Err(AmountError::TooLarge));
        assert_eq!(parse("10000000001", "USD"), Err(AmountError::TooLarge));
        assert_eq!(parse("10000000000", "USD"), Ok(MAX_MINOR_UNITS));
    }

    #[test]
    fn amounts_display_grouped_with_their_symbol() {
        assert_eq!(format(0, "USD"), "$0.00");
        assert_eq!(format(5, "USD"), "$0.05");
        assert_eq!(format(123_456, "USD"), "$1,234.56");
        assert_eq!(format(-99_999_999, "EUR"), "-€999,999.99");
        assert_eq!(format(1500, "JPY"), "¥1,500");
        assert_eq!(format(1050, "SEK"), "10.50 SEK");
        assert_eq!(format(1050, "XYZ"), "10.50 XYZ");
    }

    #[test]
    fn an_amount_written_for_a_form_reads_back_the_same() {
        for (minor, currency) in
            [(0, "USD"), (5, "USD"), (123_456, "EUR"), (1500, "JPY"), (MAX_MINOR_UNITS, "GBP")]
        {
            assert_eq!(parse(&to_input(minor, currency), currency), Ok(minor), "{minor} {currency}");
        }
        assert_eq!(to_input(1205, "USD"), "12.05");
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(-1_234_567), "-1,234,567");
    }
}
