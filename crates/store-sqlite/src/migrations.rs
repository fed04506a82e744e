//! The schema migrations, embedded in the binary with `include_str!` and applied with sqlx's
//! `Migrator` (same `_sqlx_migrations` bookkeeping and checksums as `sqlx::migrate!`, without
//! enabling sqlx's proc-macro feature for the whole workspace).

use crate::error;
use app::StoreError;
use sqlx::SqlSafeStr;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::sqlite::SqlitePool;

/// Every migration as (version, description, SQL); a new file in `migrations/` must be added
/// here (a unit test checks the folder and this list agree).
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema",
        include_str!("../migrations/0001_initial_schema.sql"),
    ),
    (
        2,
        "bot support",
        include_str!("../migrations/0002_bot_support.sql"),
    ),
    (
        3,
        "update claims",
        include_str!("../migrations/0003_update_claims.sql"),
    ),
    (
        4,
        "shift history",
        include_str!("../migrations/0004_shift_history.sql"),
    ),
    (
        5,
        "totals by currency",
        include_str!("../migrations/0005_totals_by_currency.sql"),
    ),
    (
        6,
        "cache invalidations",
        include_str!("../migrations/0006_cache_invalidations.sql"),
    ),
    (
        7,
        "job queue",
        include_str!("../migrations/0007_job_queue.sql"),
    ),
    (
        8,
        "background",
        include_str!("../migrations/0008_background.sql"),
    ),
    (
        9,
        "broadcasts",
        include_str!("../migrations/0009_broadcasts.sql"),
    ),
    (
        10,
        "pay statements",
        include_str!("../migrations/0010_pay_statements.sql"),
    ),
    (
        11,
        "shift audit",
        include_str!("../migrations/0011_shift_audit.sql"),
    ),
];

fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    description.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

pub(crate) async fn run(pool: &SqlitePool) -> Result<(), StoreError> {
    migrator().run(pool).await.map_err(|e| match e {
        MigrateError::Execute(inner) | MigrateError::ExecuteMigration(inner, _) => {
            error::from_sqlx(inner)
        }
        other => StoreError::Other(format!("migrations: {other}")),
    })?;
    tracing::debug!(migrations = MIGRATIONS.len(), "SQLite schema is up to date");
    Ok(())
}

/// Whether every embedded migration is applied successfully with the same checksum (newer ones
/// from a newer binary are fine). A database without sqlx's table has no schema at all.
pub(crate) async fn schema_current(pool: &SqlitePool) -> Result<bool, StoreError> {
    let has_table: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await
    .map_err(error::from_sqlx)?;
    if !has_table {
        return Ok(false);
    }
    let rows: Vec<(i64, bool, Vec<u8>)> =
        sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations")
            .fetch_all(pool)
            .await
            .map_err(error::from_sqlx)?;
    Ok(migrator().iter().all(|m| {
        rows.iter().any(|(version, success, checksum)| {
            *version == m.version && *success && checksum[..] == m.checksum[..]
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[tokio::test]
    async fn the_schema_is_current_only_with_every_migration_applied() {
        let store = crate::SqliteStore::connect("sqlite::memory:")
            .await
            .unwrap();
        let pool = store.pool().clone();
        assert!(!schema_current(&pool).await.unwrap(), "no schema at all");
        migrator().run_to(1, &pool).await.unwrap();
        assert!(
            !schema_current(&pool).await.unwrap(),
            "one migration behind"
        );
        run(&pool).await.unwrap();
        assert!(schema_current(&pool).await.unwrap());
        sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")
            .execute(&pool)
            .await
            .unwrap();
        assert!(
            !schema_current(&pool).await.unwrap(),
            "a migration changed after it was applied"
        );
    }

    #[test]
    fn every_file_in_the_folder_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), MIGRATIONS.len(), "{files:?}");
        for (file, (version, _, _)) in files.iter().zip(MIGRATIONS) {
            let prefix: i64 = file.split('_').next().unwrap().parse().unwrap();
            assert_eq!(prefix, *version, "{file}");
        }
    }

    /// Sites made before join codes existed each get a distinct code of the join-code alphabet,
    /// people made before the reachable flag count as reachable, and afterwards a site without
    /// a proper code is refused.
    #[tokio::test]
    async fn the_bot_migration_gives_existing_sites_join_codes() {
        // One connection, so every statement sees the same in-memory database.
        let store = crate::SqliteStore::connect("sqlite::memory:")
            .await
            .unwrap();
        let pool = store.pool().clone();
        migrator().run_to(1, &pool).await.unwrap();
        sqlx::query(
            "INSERT INTO users (id, telegram_id, name, language) VALUES (1, 1, 'Ольга', 'ru')",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) \
             INSERT INTO sites (owner_id, name, latitude, longitude, geofence_radius_m, \
             opens_at, closes_at, time_zone, hourly_rate_minor, currency) \
             SELECT 1, 'Объект ' || i, 55.75, 37.62, 100, '09:00', '21:00', 'Europe/Moscow', \
                    35000, 'RUB' FROM n",
        )
        .execute(&pool)
        .await
        .unwrap();
        run(&pool).await.unwrap();

        let codes: Vec<String> = sqlx::query_scalar("SELECT join_code FROM sites")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(codes.len(), 500);
        assert_eq!(
            codes.iter().collect::<BTreeSet<_>>().len(),
            500,
            "codes repeat"
        );
        for code in &codes {
            assert!(
                domain::join::JoinCode::parse(code).is_some(),
                "{code:?} is not a join code"
            );
        }
        let reachable: bool = sqlx::query_scalar("SELECT reachable FROM users WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(reachable);

        let insert = |code: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query(
                    "INSERT INTO sites (owner_id, name, latitude, longitude, geofence_radius_m, \
                     opens_at, closes_at, time_zone, hourly_rate_minor, currency, join_code) \
                     VALUES (1, 'Новый', 55.75, 37.62, 100, '09:00', '21:00', 'Europe/Moscow', \
                     35000, 'RUB', ?)",
                )
                .bind(code)
                .execute(&pool)
                .await
            }
        };
        let without_code = sqlx::query(
            "INSERT INTO sites (owner_id, name, latitude, longitude, geofence_radius_m, \
             opens_at, closes_at, time_zone, hourly_rate_minor, currency) \
             VALUES (1, 'Новый', 55.75, 37.62, 100, '09:00', '21:00', 'Europe/Moscow', 35000, \
             'RUB')",
        )
        .execute(&pool)
        .await;
        assert!(without_code.is_err(), "a site needs a code");
        for bad in ["abcdefghj0", "ABCDEFGHJK", "abcdefghjkm", "abcdefghj"] {
            assert!(insert(bad).await.is_err(), "{bad} was taken");
        }
        insert("abcdefghj_").await.unwrap();
        assert!(
            sqlx::query("UPDATE sites SET join_code = 'short' WHERE id = 1")
                .execute(&pool)
                .await
                .is_err()
        );
    }

    /// Update ids recorded before claims could be finished were handled under the old rule: the
    /// migration marks them finished, so a late redelivery is not handled again.
    #[tokio::test]
    async fn the_claims_migration_counts_recorded_updates_as_finished() {
        use app::BotStateStore;
        let store = crate::SqliteStore::connect("sqlite::memory:")
            .await
            .unwrap();
        let pool = store.pool().clone();
        migrator().run_to(2, &pool).await.unwrap();
        sqlx::query("INSERT INTO processed_updates (update_id, seen_at) VALUES (5, 0)")
            .execute(&pool)
            .await
            .unwrap();
        run(&pool).await.unwrap();
        let later = chrono::DateTime::from_timestamp(3600, 0).unwrap();
        assert!(!store.claim_update(5, later).await.unwrap());
        assert!(store.claim_update(6, later).await.unwrap());
    }
}
