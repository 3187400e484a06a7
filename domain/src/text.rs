//! Text people type, checked where it enters: trimmed, within a stated length, and free of
//! control characters. PostgreSQL cannot store NUL at all, and the other control characters
//! have no business in a name; refusing them here gives the person a message on the field
//! instead of a database error.

/// What a field says when its text holds characters it cannot keep.
pub const UNSTORABLE: &str = "Remove the control characters (such as NUL) from what you typed.";

/// Whether a field may hold several lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// A name, an address: no control character at all.
    One,
    /// A reason, a note: newlines and tabs are kept, other control characters refused.
    Many,
}

/// A field's text, trimmed: refused when it is empty (with `empty`, the field's own request),
/// longer than `max_chars` characters, or holds a control character.
pub fn required(input: &str, lines: Lines, max_chars: usize, empty: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(empty.to_owned());
    }
    check(text, lines, max_chars)?;
    Ok(text.to_owned())
}

/// Checks text that may be empty, without changing it.
pub fn check(text: &str, lines: Lines, max_chars: usize) -> Result<(), String> {
    let allowed = |c: char| lines == Lines::Many && matches!(c, '\n' | '\t' | '\r');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(UNSTORABLE.to_owned());
    }
    if text.chars().count() > max_chars {
        return Err(format!("Use at most {max_chars} characters."));
    }
    Ok(())
}

/// A cell of a CSV file made for spreadsheets. A cell that begins with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is a formula to Excel and LibreOffice (`=HYPERLINK(…)` in a product's
/// name would run in the owner's spreadsheet), so it is written after a `'`, which spreadsheets
/// show as text (OWASP's rule). A cell that begins with `'` gets one too, so that
/// [`from_csv_cell`] gives back exactly what was stored.
pub fn to_csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(CSV_ESCAPED) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// What a cell written by [`to_csv_cell`] holds.
pub fn from_csv_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(CSV_ESCAPED) => rest,
        _ => cell,
    }
}

/// The first characters [`to_csv_cell`] escapes.
pub const CSV_ESCAPED: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// [`to_csv_cell`] as SQL, for files the database writes with `COPY`: `column` as a cell, under
/// its own name.
pub fn sql_csv_cell(column: &str) -> String {
    let name = column.rsplit('.').next().unwrap_or(column);
    format!(
        r"CASE WHEN left({column}::text, 1) IN ('=', '+', '-', '@', E'\t', E'\r', '''') THEN '''' || {column}::text ELSE {column}::text END AS {name}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_written_as_text_and_read_back_unchanged() {
        for formula in ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'=x", "'plain"] {
            let cell = to_csv_cell(formula);
            assert!(cell.starts_with('\''), "{formula:?} was not neutralised");
            assert_eq!(from_csv_cell(&cell), formula);
        }
        assert_eq!(to_csv_cell("Green tea"), "Green tea");
        assert_eq!(from_csv_cell("Green tea"), "Green tea");
        assert_eq!(from_csv_cell("'quoted"), "'quoted", "a lone quote typed by hand stays");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(required("  Tea  ", Lines::One, 10, "Enter a name."), Ok("Tea".to_owned()));
        assert_eq!(required("   ", Lines::One, 10, "Enter a name."), Err("Enter a name.".to_owned()));
        assert_eq!(
            required(&"x".repeat(11), Lines::One, 10, "-"),
            Err("Use at most 10 characters.".to_owned())
        );
        // Characters, not bytes.
        assert!(required(&"é".repeat(10), Lines::One, 10, "-").is_ok());
    }

    #[test]
    fn control_characters_are_refused_but_lines_may_break_where_allowed() {
        for hostile in ["a\0b", "a\u{7}b", "a\u{1b}[31mb", "a\u{85}b"] {
            assert_eq!(required(hostile, Lines::Many, 50, "-"), Err(UNSTORABLE.to_owned()), "{hostile:?}");
        }
        assert_eq!(required("a\nb", Lines::One, 50, "-"), Err(UNSTORABLE.to_owned()));
        assert_eq!(required("a\n\tb", Lines::Many, 50, "-"), Ok("a\n\tb".to_owned()));
        // Markup is text like any other: it is escaped where it is shown, not refused here.
        assert!(required("</title><script>", Lines::One, 50, "-").is_ok());
    }
}
