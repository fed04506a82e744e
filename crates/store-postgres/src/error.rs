//! Turning sqlx errors into `StoreError`: constraint violations become the domain answers
//! (active shift exists, plan overlap, duplicate, not found) and connection trouble becomes
//! `Unavailable`, so callers can tell "try later" from "this is wrong".

use app::StoreError;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::migrate::MigrateError;

/// The partial unique index that allows one active shift per employee.
pub(crate) const ONE_ACTIVE_SHIFT: &str = "shifts_one_active_per_employee";
/// The exclusion constraint against overlapping plans of one employee.
pub(crate) const NO_PLAN_OVERLAP: &str = "planned_shifts_no_overlap";

/// Maps any sqlx error.
pub(crate) fn map(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(db) => map_database(db.as_ref()),
        sqlx::Error::Io(e) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::Tls(e) => StoreError::Unavailable(format!("TLS: {e}")),
        sqlx::Error::PoolTimedOut => {
            StoreError::Unavailable("timed out waiting for a database connection".into())
        }
        sqlx::Error::PoolClosed => StoreError::Unavailable("the connection pool is closed".into()),
        sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable("the database connection worker crashed".into())
        }
        sqlx::Error::Protocol(m) => StoreError::Unavailable(format!("protocol error: {m}")),
        sqlx::Error::Migrate(m) => map_migrate(*m),
        other => StoreError::Other(other.to_string()),
    }
}

fn map_database(db: &dyn DatabaseError) -> StoreError {
    let constraint = db.constraint().unwrap_or_default();
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    match db.kind() {
        ErrorKind::UniqueViolation if constraint == ONE_ACTIVE_SHIFT => {
            StoreError::ActiveShiftExists
        }
        ErrorKind::UniqueViolation => StoreError::Duplicate(thing_of(constraint)),
        ErrorKind::ExclusionViolation if constraint == NO_PLAN_OVERLAP => StoreError::PlanOverlap,
        // A row points at something that does not exist (a site, a person, a plan).
        ErrorKind::ForeignKeyViolation => StoreError::NotFound(thing_of(constraint)),
        _ if unavailable_code(&code) => StoreError::Unavailable(db.message().to_owned()),
        _ if code.is_empty() => StoreError::Other(db.message().to_owned()),
        _ => StoreError::Other(format!("{} (SQLSTATE {code})", db.message())),
    }
}

/// SQLSTATE `undefined_table`.
pub(crate) const UNDEFINED_TABLE: &str = "42P01";

/// SQLSTATEs that mean "the database is not there or cannot serve now" rather than "the request
/// is wrong", answered as `Unavailable` (503, try again) instead of an internal error:
/// - classes 08 (connection exceptions), 53 (insufficient resources: too many connections, disk
///   full), 57 (operator intervention: admin shutdown 57P01, cannot connect now 57P03, a
///   statement cancelled by `statement_timeout` 57014) and 58 (system errors);
/// - 3D000 the database does not exist (dropped, or a wrong DATABASE_URL);
/// - 42P01 / 42703 a table or column the queries need is missing: the schema is behind this
///   binary (a failed or not yet run migration), which `staffprobot migrate` fixes;
/// - 25006 a read-only transaction: the server is a standby (mid-failover).
fn unavailable_code(code: &str) -> bool {
    ["08", "53", "57", "58"].iter().any(|c| code.starts_with(c))
        || matches!(code, "3D000" | UNDEFINED_TABLE | "42703" | "25006")
}

/// What a constraint is about, in the words `StoreError` uses.
fn thing_of(constraint: &str) -> &'static str {
    match constraint {
        "users_telegram_id_key" => "user with this Telegram id",
        "api_tokens_token_hash_key" => "api token",
        "site_managers_pkey" => "manager grant",
        "site_access_pkey" => "access grant",
        "sites_join_code_key" => "join code",
        "join_requests_one_pending" => "join request",
        c if c.ends_with("employee_id_fkey") || c.ends_with("user_id_fkey") => "user",
        "sites_owner_id_fkey" => "user",
        c if c.ends_with("site_id_fkey") => "site",
        "shifts_planned_shift_id_fkey" => "planned shift",
        "planned_shifts_shift_id_fkey" => "shift",
        _ => "record",
    }
}

pub(crate) fn map_migrate(e: MigrateError) -> StoreError {
    match e {
        MigrateError::Execute(inner) => map(inner),
        MigrateError::ExecuteMigration(inner, version) => match map(inner) {
            StoreError::Unavailable(m) => StoreError::Unavailable(m),
            other => StoreError::Other(format!("migration {version} failed: {other}")),
        },
        other => StoreError::Other(format!("migration failed: {other}")),
    }
}

/// A stored value that does not make a valid domain value.
pub(crate) fn bad_row(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("invalid {what} in the database: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_meaning_the_database_is_not_there_are_unavailable() {
        for code in [
            "08000", "08001", "08006", "08P01", "3D000", "42P01", "42703", "53300", "57P01",
            "57P03", "57014", "58030", "25006",
        ] {
            assert!(unavailable_code(code), "{code}");
        }
        // Wrong requests and bugs stay what they are.
        for code in ["23505", "23503", "22001", "42601", "42883", "40001", ""] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
