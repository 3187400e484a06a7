/// What a domain operation can fail with. Callers map these to user-facing messages; the
/// database variant is logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist *for this caller*: rows of another store are reported the
    /// same way as rows that do not exist, so ids of other stores cannot be probed.
    #[error("not found")]
    NotFound,
    /// The caller is known but their role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// Input that does not parse; the message is fit for the user.
    #[error("{0}")]
    Invalid(String),
    /// A conflict with existing data (a duplicate, a stale state); the message is fit for the user.
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl Error {
    /// The SQLSTATE of a database error. Constraint names are not reliable (Citus reports them
    /// with shard suffixes), so errors are told apart by code.
    pub fn sqlstate(&self) -> Option<String> {
        match self {
            Error::Database(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
            _ => None,
        }
    }
}

/// SQLSTATE codes the domain reacts to.
pub mod sqlstate {
    pub const UNIQUE_VIOLATION: &str = "23505";
    pub const FOREIGN_KEY_VIOLATION: &str = "23503";
    pub const CHECK_VIOLATION: &str = "23514";
    /// Raised by row-level security when a write's WITH CHECK fails.
    pub const INSUFFICIENT_PRIVILEGE: &str = "42501";
}
