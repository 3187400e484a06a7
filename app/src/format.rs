//! Display of figures, shared by the server and the browser so both render the same text.

/// Formats an amount in minor units, e.g. `123456, "USD"` as `$1,234.56`.
pub fn money(minor_units: i64, currency: &str) -> String {
    let (symbol, decimals) = match currency {
        "USD" => ("$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        "JPY" => ("¥", 0),
        _ => ("", 2),
    };
    let sign = if minor_units < 0 { "-" } else { "" };
    let abs = minor_units.unsigned_abs();
    let scale = 10u64.pow(decimals);
    let whole = grouped(abs / scale);
    let amount = if decimals == 0 {
        whole
    } else {
        format!("{whole}.{:0width$}", abs % scale, width = decimals as usize)
    };
    if symbol.is_empty() {
        format!("{sign}{amount} {currency}")
    } else {
        format!("{sign}{symbol}{amount}")
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
    fn money_is_grouped_with_its_symbol() {
        assert_eq!(money(0, "USD"), "$0.00");
        assert_eq!(money(5, "USD"), "$0.05");
        assert_eq!(money(123_456, "USD"), "$1,234.56");
        assert_eq!(money(-99_999_999, "EUR"), "-€999,999.99");
        assert_eq!(money(1500, "JPY"), "¥1,500");
        assert_eq!(money(1050, "SEK"), "10.50 SEK");
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }
}
