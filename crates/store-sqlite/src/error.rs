//! How SQLite and sqlx failures become `StoreError`s: lock contention and I/O are "unavailable"
//! (worth a retry later), unique violations name what already exists, the rest is "other".

use app::StoreError;
use sqlx::error::DatabaseError;

// Primary result codes (https://www.sqlite.org/rescode.html); sqlx reports the extended code,
// whose low byte is the primary one.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_PROTOCOL: i32 = 15;

/// The general mapping, used wherever no more specific meaning applies.
pub(crate) fn from_sqlx(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(db) => from_database(db.as_ref()),
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        other => StoreError::Other(other.to_string()),
    }
}

fn from_database(db: &dyn DatabaseError) -> StoreError {
    let primary = db
        .code()
        .and_then(|c| c.parse::<i32>().ok())
        .map_or(0, |c| c & 0xff);
    match primary {
        SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_FULL | SQLITE_CANTOPEN
        | SQLITE_PROTOCOL => StoreError::Unavailable(db.message().to_owned()),
        _ if db.is_unique_violation() => unique_violation(db.message()),
        _ => StoreError::Other(db.message().to_owned()),
    }
}

/// SQLite names the columns of the violated index: "UNIQUE constraint failed: table.column".
fn unique_violation(message: &str) -> StoreError {
    let target = message
        .rsplit_once(": ")
        .map_or(message, |(_, cols)| cols)
        .trim();
    match target {
        // Only the partial index "one active shift per employee" is unique on this column.
        "shifts.employee_id" => StoreError::ActiveShiftExists,
        "users.telegram_id" => StoreError::Duplicate("user with this Telegram id"),
        "api_tokens.token_hash" => StoreError::Duplicate("api token"),
        "site_managers.site_id, site_managers.user_id" => StoreError::Duplicate("manager grant"),
        "site_access.site_id, site_access.user_id" => StoreError::Duplicate("access grant"),
        "sites.join_code" => StoreError::Duplicate("join code"),
        // Only the partial index "one pending request per site and person" is unique here.
        "join_requests.site_id, join_requests.user_id" => StoreError::Duplicate("join request"),
        _ => StoreError::Duplicate("record"),
    }
}

/// A row that cannot become a domain value.
pub(crate) fn bad_row(table: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("unreadable row in {table}: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_messages_name_what_exists() {
        assert_eq!(
            unique_violation("UNIQUE constraint failed: shifts.employee_id"),
            StoreError::ActiveShiftExists
        );
        assert_eq!(
            unique_violation("UNIQUE constraint failed: api_tokens.token_hash"),
            StoreError::Duplicate("api token")
        );
        assert_eq!(
            unique_violation("UNIQUE constraint failed: sites.join_code"),
            StoreError::Duplicate("join code")
        );
        assert_eq!(
            unique_violation(
                "UNIQUE constraint failed: join_requests.site_id, join_requests.user_id"
            ),
            StoreError::Duplicate("join request")
        );
        assert_eq!(
            unique_violation("UNIQUE constraint failed: sites.name"),
            StoreError::Duplicate("record")
        );
    }

    #[test]
    fn pool_trouble_is_unavailable() {
        assert!(matches!(
            from_sqlx(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            from_sqlx(sqlx::Error::RowNotFound),
            StoreError::Other(_)
        ));
    }
}
