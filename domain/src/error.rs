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
    /// Form input with problems in named fields; each message is fit for the user.
    #[error("{}", .0.summary())]
    Fields(FieldErrors),
    /// A field's value is already used by another row (a duplicate SKU, a taken address, an
    /// email with an account): told in the field like any field problem, but a conflict with
    /// what is stored rather than input that is wrong in itself.
    #[error("{}", .0.summary())]
    Taken(FieldErrors),
    /// A conflict with existing data (a duplicate, a stale state); the message is fit for the user.
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Writing an output (an export) failed, usually because its reader went away.
    #[error("could not write: {0}")]
    Io(String),
    /// The store is read-only while a payment is overdue.
    #[error("the store is read-only until its overdue payment is settled")]
    ReadOnly,
    /// The store is closed (canceled, unpaid, suspended or awaiting its first payment): only
    /// billing opens.
    #[error("the store is closed until its subscription is in order")]
    Suspended,
    /// The platform's staff suspended the store: only billing opens until they reactivate it.
    #[error("the store is suspended by the platform")]
    SuspendedByPlatform,
    /// The store's plan allows no more of something; the message is fit for the user.
    #[error("{0}")]
    LimitReached(String),
    /// Text the database cannot store (a NUL byte) reached a statement: a field's own check
    /// should have refused it first.
    #[error("text with characters that cannot be stored")]
    UnstorableText,
    /// Too many of something in a short time (`rate_limits::LimitedAction`); the message is fit
    /// for the user and says when to try again.
    #[error("{message}")]
    TooMany { message: String, wait: std::time::Duration },
    /// The server is at capacity for this kind of work (password hashing): try again shortly.
    #[error("the server is busy")]
    Busy,
    /// The store's transactions hold their whole share of the pool
    /// ([`crate::bulkhead::Bulkhead`]): try again shortly.
    #[error("the store's share of the database is in use")]
    StoreBusy,
    /// An outside service (the payment or identity provider) did not make a change that had
    /// to happen with this one, so nothing was changed; the message is fit for the user.
    #[error("{0}")]
    Provider(String),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        // The database's own wall behind the store's read-only state says so in its words.
        let code = match &error {
            sqlx::Error::Database(e) => e.code(),
            _ => None,
        };
        match code.as_deref() {
            Some(sqlstate::READ_ONLY_SQL_TRANSACTION) => Error::ReadOnly,
            Some(sqlstate::CHARACTER_NOT_IN_REPERTOIRE | sqlstate::UNTRANSLATABLE_CHARACTER) => {
                tracing::warn!(%error, "text the database cannot store got past the checks");
                Error::UnstorableText
            }
            _ => Error::Database(error),
        }
    }
}

impl Error {
    /// Whether a database error is the database being out of reach or overloaded for a moment
    /// (worth a retry), rather than a statement's fault (a bug).
    pub fn is_outage(error: &sqlx::Error) -> bool {
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(e) => e.code().is_some_and(|code| {
                // 08: connection; 53: out of resources; 57: operator intervention (shutdown,
                // a cancelled statement); 40001/40P01: a serialisation failure or deadlock.
                code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57")
                    || code == "40001"
                    || code == "40P01"
                    || code == sqlstate::LOCK_NOT_AVAILABLE
            }),
            _ => false,
        }
    }

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
    /// A write in a transaction opened read-only (a store whose payment is overdue).
    pub const READ_ONLY_SQL_TRANSACTION: &str = "25006";
    /// A NUL byte in text (PostgreSQL cannot store it).
    pub const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
    pub const UNTRANSLATABLE_CHARACTER: &str = "22P05";
    /// `lock_timeout` ran out.
    pub const LOCK_NOT_AVAILABLE: &str = "55P03";
}

/// Problems with the fields of a form, by field name, in the order of the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// Records the problem of a field's parse, and gives back the value if it parsed.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &'static str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(field, message)| (*field, message.as_str()))
    }

    /// `Ok(())` when there is no problem, else the problems as an [`Error`].
    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Fields(self))
        }
    }

    /// One field's problem as an [`Error`].
    pub fn single(field: &'static str, message: impl Into<String>) -> Error {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Error::Fields(errors)
    }

    /// `field`'s value is already used by another row: [`Error::Taken`].
    pub fn taken(field: &'static str, message: impl Into<String>) -> Error {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Error::Taken(errors)
    }

    fn summary(&self) -> String {
        match self.0.as_slice() {
            [(_, message)] => message.clone(),
            _ => "Some fields need your attention.".into(),
        }
    }
}
