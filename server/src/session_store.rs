//! Where sessions are kept: tower-sessions' PostgreSQL store, with each session that began from
//! a login at the identity provider indexed by that login's `sid`, so a back-channel logout can
//! end exactly those sessions.

use async_trait::async_trait;
use domain::Db;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;

/// The session key holding the provider's `sid` for the sign-in the session began from.
pub const PROVIDER_SESSION: &str = "provider_session";

#[derive(Clone, Debug)]
pub struct IndexedSessionStore {
    store: PostgresStore,
    db: Db,
}

impl IndexedSessionStore {
    pub fn new(db: Db) -> IndexedSessionStore {
        let store = PostgresStore::new(db.pool().clone())
            .with_schema_name("public")
            .and_then(|s| s.with_table_name("sessions"))
            .expect("valid session table name");
        IndexedSessionStore { store, db }
    }
}

#[async_trait]
impl SessionStore for IndexedSessionStore {
    /// Every new session id passes here (a sign-in, a store switch), so the index follows the
    /// session through its ids; the old id's row went with the old session.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.store.create(record).await?;
        if let Some(sid) = record.data.get(PROVIDER_SESSION).and_then(|sid| sid.as_str()) {
            domain::provider_sessions::index(&self.db, &record.id.to_string(), sid)
                .await
                .map_err(|error| session_store::Error::Backend(error.to_string()))?;
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store.save(record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.store.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete(id).await
    }
}

#[async_trait]
impl ExpiredDeletion for IndexedSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.store.delete_expired().await
    }
}
