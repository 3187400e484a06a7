//! Pages of a list, and the search pattern lists share.

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, FromRow, PgConnection};

use crate::Error;

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
    // Control characters are dropped: nothing stored holds them, and PostgreSQL refuses a NUL.
    for c in needle.trim().chars().filter(|c| !c.is_control()) {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Which rows a list shows and in what order: `SELECT {columns} FROM {rows} ORDER BY {order_by}`,
/// with values bound to the placeholders in `rows` (`$1`, `$2`, …) in order.
pub(crate) struct ListQuery<'a> {
    columns: &'a str,
    /// The tables and the `WHERE` clause.
    rows: &'a str,
    order_by: &'a str,
    arguments: PgArguments,
    /// A value that could not be encoded, reported when the query runs.
    unencodable: Option<sqlx::error::BoxDynError>,
}

impl<'a> ListQuery<'a> {
    pub(crate) fn new(columns: &'a str, rows: &'a str, order_by: &'a str) -> ListQuery<'a> {
        ListQuery { columns, rows, order_by, arguments: PgArguments::default(), unencodable: None }
    }

    /// The value of the next placeholder.
    pub(crate) fn bind<T>(mut self, value: T) -> Self
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
    {
        if let Err(error) = Arguments::add(&mut self.arguments, value) {
            self.unencodable.get_or_insert(error);
        }
        self
    }

    /// Counts the rows, then reads page `page` of them, in the caller's transaction so the count
    /// and the page see the same rows.
    pub(crate) async fn page<T>(
        self,
        conn: &mut PgConnection,
        page: i64,
        page_size: i64,
    ) -> Result<(Vec<T>, Paging), Error>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        if let Some(error) = self.unencodable {
            return Err(sqlx::Error::Encode(error).into());
        }
        let count = format!("SELECT count(*) FROM {}", self.rows);
        let matching: i64 =
            sqlx::query_scalar_with(&count, self.arguments.clone()).fetch_one(&mut *conn).await?;
        let paging = Paging::new(matching, page, page_size);
        let mut arguments = self.arguments;
        let (limit, offset) = (arguments.len() + 1, arguments.len() + 2);
        Arguments::add(&mut arguments, page_size).map_err(sqlx::Error::Encode)?;
        Arguments::add(&mut arguments, paging.offset()).map_err(sqlx::Error::Encode)?;
        let select = format!(
            "SELECT {} FROM {} ORDER BY {} LIMIT ${limit} OFFSET ${offset}",
            self.columns, self.rows, self.order_by
        );
        let rows = sqlx::query_as_with(&select, arguments).fetch_all(conn).await?;
        Ok((rows, paging))
    }
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
