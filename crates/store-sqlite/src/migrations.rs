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
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial schema",
    include_str!("../migrations/0001_initial_schema.sql"),
)];

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
