//! Our sessions by the identity provider's login session they began from (the `sid` claim), so
//! a back-channel logout (OpenID Connect Back-Channel Logout 1.0) ends exactly those.

use crate::{Db, Error};

/// Notes that session `session_id` began from the provider's login session `sid`. The row goes
/// when the session does.
pub async fn index(db: &Db, session_id: &str, sid: &str) -> Result<(), Error> {
    sqlx::query("INSERT INTO provider_sessions (session_id, sid) VALUES ($1, $2)")
        .bind(session_id)
        .bind(sid)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends every session that began from the provider's login session `sid`; how many there were.
pub async fn end(db: &Db, sid: &str) -> Result<u64, Error> {
    let ended = sqlx::query(
        "DELETE FROM sessions WHERE id IN (SELECT session_id FROM provider_sessions WHERE sid = $1)",
    )
    .bind(sid)
    .execute(db.pool())
    .await?;
    Ok(ended.rows_affected())
}
