//! Pages of a list, and the search pattern lists share.

use serde::{Deserialize, Serialize};

/// Where a page sits in a list of `matching` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    /// Rows matching the filter, on all pages.
    pub matching: i64,
    /// 1-based, within `1..=pages`.
    pub page: i64,
    /// At least 1, even for an empty list.
    pub pages: i64,
    pub page_size: i64,
}

impl Paging {
    /// Page `requested` of `matching` rows; a page past either end gives the nearest one.
    pub fn new(matching: i64, requested: i64, page_size: i64) -> Paging {
        let pages = ((matching + page_size - 1) / page_size).max(1);
        Paging { matching, page: requested.clamp(1, pages), pages, page_size }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.page_size
    }
}

/// An `ILIKE` pattern matching text that contains `needle` as typed: `%`, `_` and `\` in it
/// match themselves.
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The search text of a list's query, or `None` when there is nothing to search for.
pub fn search_text(q: Option<&str>) -> Option<&str> {
    q.map(str::trim).filter(|q| !q.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_past_either_end_give_the_nearest() {
        assert_eq!(Paging::new(0, 1, 25).pages, 1);
        assert_eq!(Paging::new(25, 1, 25).pages, 1);
        assert_eq!(Paging::new(26, 1, 25).pages, 2);
        assert_eq!(Paging::new(26, 9, 25).page, 2);
        assert_eq!(Paging::new(26, -3, 25).page, 1);
        assert_eq!(Paging::new(60, 3, 25).offset(), 50);
    }

    #[test]
    fn search_patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern(" tote "), "%tote%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
