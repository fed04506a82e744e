//! The schema migrations, embedded in the binary with `include_str!` and run by sqlx's
//! `Migrator` (its `_sqlx_migrations` table, checksums and lock), without sqlx's macros.

use crate::error::{self, UNDEFINED_TABLE};
use app::StoreError;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{PgPool, SqlSafeStr};
use std::collections::HashMap;

/// (version, description, SQL) of every migration, oldest first. The file names follow sqlx-cli's
/// `<version>_<description>.sql`, so `sqlx migrate` can be pointed at the same folder.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        20261125000001,
        "initial",
        include_str!("../migrations/20261125000001_initial.sql"),
    ),
    (
        20261126000001,
        "bot support",
        include_str!("../migrations/20261126000001_bot_support.sql"),
    ),
    (
        20261126000002,
        "unlogged bot state",
        include_str!("../migrations/20261126000002_unlogged_bot_state.sql"),
    ),
    (
        20261201000001,
        "update claims",
        include_str!("../migrations/20261201000001_update_claims.sql"),
    ),
    (
        20261201000002,
        "shift history",
        include_str!("../migrations/20261201000002_shift_history.sql"),
    ),
    (
        20261201000003,
        "totals by currency",
        include_str!("../migrations/20261201000003_totals_by_currency.sql"),
    ),
    (
        20261201000004,
        "cache invalidations",
        include_str!("../migrations/20261201000004_cache_invalidations.sql"),
    ),
    (
        20261202000001,
        "job queue",
        include_str!("../migrations/20261202000001_job_queue.sql"),
    ),
    (
        20261202000002,
        "background",
        include_str!("../migrations/20261202000002_background.sql"),
    ),
    (
        20261202000003,
        "broadcasts",
        include_str!("../migrations/20261202000003_broadcasts.sql"),
    ),
    (
        20261202000004,
        "pay statements",
        include_str!("../migrations/20261202000004_pay_statements.sql"),
    ),
    (
        20261202000005,
        "shift audit",
        include_str!("../migrations/20261202000005_shift_audit.sql"),
    ),
];

/// A migrator holding every embedded migration.
pub fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Whether every embedded migration is applied successfully with the same checksum. A database
/// without sqlx's table has no schema at all.
pub(crate) async fn schema_current(pool: &PgPool) -> Result<bool, StoreError> {
    let rows: Vec<(i64, bool, Vec<u8>)> =
        match sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations")
            .fetch_all(pool)
            .await
        {
            Ok(rows) => rows,
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some(UNDEFINED_TABLE) => {
                return Ok(false);
            }
            Err(e) => return Err(error::map(e)),
        };
    let applied: HashMap<i64, (bool, Vec<u8>)> = rows
        .into_iter()
        .map(|(version, success, checksum)| (version, (success, checksum)))
        .collect();
    Ok(migrator().iter().all(|m| {
        applied
            .get(&m.version)
            .is_some_and(|(success, checksum)| *success && checksum[..] == m.checksum[..])
    }))
}

/// A short fingerprint of the whole migration set (versions and checksums), used to name the
/// test template database so a schema change gets a fresh template. FNV-1a: this only has to
/// tell sets apart, not resist tampering.
#[cfg(any(test, feature = "test-support"))]
pub(crate) fn fingerprint() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for m in migrator().iter() {
        feed(&m.version.to_le_bytes());
        feed(&m.checksum);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A file added to `migrations/` but not to `MIGRATIONS` would never run.
    #[test]
    fn every_file_in_the_folder_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded: Vec<String> = MIGRATIONS
            .iter()
            .map(|(version, description, _)| {
                format!("{version}_{}.sql", description.replace(' ', "_"))
            })
            .collect();
        assert_eq!(files, embedded);
    }
}
