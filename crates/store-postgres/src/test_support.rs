//! Fresh PostgreSQL databases for tests (this crate's and other crates'): each test gets its own
//! database, cloned in milliseconds with `CREATE DATABASE … TEMPLATE` from a template that has
//! the migrations applied. cargo-nextest runs every test in its own process, so the template is
//! built under an advisory lock by whichever process gets there first, and its name carries a
//! fingerprint of the migrations so a schema change builds a new one.

use crate::error::map;
use crate::{PgStore, migrations};
use app::StoreError;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The server tests use when `TEST_DATABASE_URL` is not set (local PostgreSQL, trust auth).
pub const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Test databases and superseded templates older than this are dropped, so repeated runs do
/// not fill the disk; an hour is far beyond any test's time limit.
const MAX_AGE: Duration = Duration::from_secs(60 * 60);

/// Advisory lock keys (arbitrary constants, unlikely to collide with anything else). Cloning
/// holds the template lock shared; building or dropping a template holds it exclusively.
const TEMPLATE_LOCK: i64 = 0x5350_425f_5450_4c31;
const CLEANUP_LOCK: i64 = 0x5350_425f_434c_4e31;

const TEST_PREFIX: &str = "spb_test_";
const TEMPLATE_PREFIX: &str = "spb_tpl_";

/// SQLSTATE `object_in_use`: a database still has sessions (a closed pool's backends may take a
/// moment to exit).
const OBJECT_IN_USE: &str = "55006";

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// The server URL tests use: `TEST_DATABASE_URL`, or [`DEFAULT_SERVER_URL`].
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned())
}

/// Creates a brand-new, migrated, empty database and returns its URL.
pub async fn fresh_database() -> Result<String, StoreError> {
    let server = server_url();
    let mut admin = PgConnection::connect(&server).await.map_err(map)?;
    let template = template_name();
    let name = new_test_name();
    loop {
        lock(&mut admin, "SELECT pg_advisory_lock_shared($1)").await?;
        let cloned = if database_exists(&mut admin, &template).await? {
            execute(
                &mut admin,
                format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
            )
            .await
            .map(|()| true)
        } else {
            Ok(false)
        };
        lock(&mut admin, "SELECT pg_advisory_unlock_shared($1)").await?;
        if cloned? {
            break;
        }
        build_template(&mut admin, &server, &template).await?;
    }
    drop_stale_test_databases(&mut admin).await?;
    // Closing politely is a courtesy; the database is made either way.
    let _ = admin.close().await;
    Ok(with_database(&server, &name))
}

/// Creates a brand-new database without any schema (for tests of migrating from scratch) and
/// returns its URL. It is named and cleaned up like the databases of [`fresh_database`].
pub async fn empty_database() -> Result<String, StoreError> {
    let server = server_url();
    let mut admin = PgConnection::connect(&server).await.map_err(map)?;
    let name = new_test_name();
    execute(&mut admin, format!("CREATE DATABASE \"{name}\"")).await?;
    drop_stale_test_databases(&mut admin).await?;
    let _ = admin.close().await;
    Ok(with_database(&server, &name))
}

/// Creates a database whose schema stops at migration `version` (an older binary's schema, for
/// tests of what a newer one does with it) and returns its URL.
pub async fn database_at_migration(version: i64) -> Result<String, StoreError> {
    let url = empty_database().await?;
    let store = PgStore::connect_with(
        &url,
        crate::PoolSettings {
            max_connections: 1,
            ..Default::default()
        },
    )
    .await?;
    let migrated = migrations::migrator()
        .run_to(version, store.pool())
        .await
        .map_err(crate::error::map_migrate);
    store.pool().close().await;
    migrated.map(|()| url)
}

/// Makes a test database vanish for its clients, as if it had been dropped: no new connection,
/// its sessions ended, and its name gone (connecting by it answers "database does not exist").
/// Quicker than [`drop_database`], whose checkpoint can take minutes on a busy server; the
/// renamed database is dropped by the hourly clean-up.
pub async fn hide_database(url: &str) -> Result<(), StoreError> {
    let name = test_database_name(url)?;
    let mut admin = PgConnection::connect(&server_url()).await.map_err(map)?;
    execute(
        &mut admin,
        format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"),
    )
    .await?;
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&mut admin)
        .await
        .map_err(map)?;
    rename_when_free(&mut admin, &name, &format!("{name}_gone")).await?;
    let _ = admin.close().await;
    Ok(())
}

/// Drops a database made here ([`fresh_database`], [`empty_database`], …) at once (tests that load
/// a lot of data free the disk instead of waiting for the hourly clean-up). Only test databases
/// can be dropped this way.
pub async fn drop_database(url: &str) -> Result<(), StoreError> {
    let name = test_database_name(url)?;
    let mut admin = PgConnection::connect(&server_url()).await.map_err(map)?;
    execute(
        &mut admin,
        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    )
    .await?;
    let _ = admin.close().await;
    Ok(())
}

/// The database name in `url`, if it is one of the test databases made here.
fn test_database_name(url: &str) -> Result<String, StoreError> {
    url.split('?')
        .next()
        .and_then(|base| base.rsplit('/').next())
        .filter(|name| created_at_of(name).is_some())
        .map(str::to_owned)
        .ok_or_else(|| StoreError::Other(format!("{url} is not a test database")))
}

/// `spb_tpl_<fingerprint of the migrations>`.
fn template_name() -> String {
    format!("{TEMPLATE_PREFIX}{}", migrations::fingerprint())
}

/// `spb_test_<unix seconds>_<nanoseconds>_<pid>_<sequence>`: unique across processes and
/// calls, and its age can be read back from the name.
fn new_test_name() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{TEST_PREFIX}{}_{:09}_{}_{}",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Takes or releases the template lock; `sql` is one of the `pg_advisory_*` calls on `$1`.
async fn lock(admin: &mut PgConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::query(sql)
        .bind(TEMPLATE_LOCK)
        .execute(&mut *admin)
        .await
        .map_err(map)?;
    Ok(())
}

async fn database_exists(admin: &mut PgConnection, name: &str) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut *admin)
        .await
        .map_err(map)
}

/// Runs a utility statement (CREATE/DROP/ALTER DATABASE) over the simple query protocol; the
/// names in it are generated here, never taken from input.
async fn execute(admin: &mut PgConnection, sql: String) -> Result<(), StoreError> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut *admin)
        .await
        .map_err(map)?;
    Ok(())
}

/// Builds the template under the exclusive lock, unless another process did meanwhile. The
/// schema is migrated in a scratch database renamed into place only when complete, so a crash
/// halfway never leaves a broken template behind.
async fn build_template(
    admin: &mut PgConnection,
    server: &str,
    template: &str,
) -> Result<(), StoreError> {
    lock(admin, "SELECT pg_advisory_lock($1)").await?;
    let built = build_template_locked(admin, server, template).await;
    let unlocked = lock(admin, "SELECT pg_advisory_unlock($1)").await;
    built.and(unlocked)
}

async fn build_template_locked(
    admin: &mut PgConnection,
    server: &str,
    template: &str,
) -> Result<(), StoreError> {
    if database_exists(admin, template).await? {
        return Ok(());
    }
    let scratch = format!("{template}_build");
    execute(
        admin,
        format!("DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)"),
    )
    .await?;
    execute(admin, format!("CREATE DATABASE \"{scratch}\"")).await?;
    let store = PgStore::connect_with(
        &with_database(server, &scratch),
        crate::PoolSettings {
            max_connections: 1,
            ..Default::default()
        },
    )
    .await?;
    let migrated = store.migrate().await;
    store.pool().close().await;
    migrated?;
    rename_when_free(admin, &scratch, template).await?;
    execute(
        admin,
        format!("ALTER DATABASE \"{template}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"),
    )
    .await?;
    execute(
        admin,
        format!(
            "COMMENT ON DATABASE \"{template}\" IS 'StaffProBot test template, created {}'",
            unix_now()
        ),
    )
    .await?;
    drop_superseded_templates(admin, template).await
}

/// Renames the scratch database, waiting briefly for the migration pool's sessions to end.
async fn rename_when_free(
    admin: &mut PgConnection,
    from: &str,
    to: &str,
) -> Result<(), StoreError> {
    let mut attempts = 0;
    loop {
        let renamed = sqlx::raw_sql(AssertSqlSafe(format!(
            "ALTER DATABASE \"{from}\" RENAME TO \"{to}\""
        )))
        .execute(&mut *admin)
        .await;
        match renamed {
            Ok(_) => return Ok(()),
            Err(sqlx::Error::Database(db))
                if db.code().as_deref() == Some(OBJECT_IN_USE) && attempts < 50 =>
            {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(map(e)),
        }
    }
}

/// Drops templates of other migration sets built more than [`MAX_AGE`] ago (younger ones may
/// still serve a checkout being tested right now). Called with the template lock held, so no
/// clone from them is in progress.
async fn drop_superseded_templates(
    admin: &mut PgConnection,
    current: &str,
) -> Result<(), StoreError> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT datname::text, shobj_description(oid, 'pg_database') FROM pg_database \
         WHERE starts_with(datname, $1) AND datname <> $2",
    )
    .bind(TEMPLATE_PREFIX)
    .bind(current)
    .fetch_all(&mut *admin)
    .await
    .map_err(map)?;
    for (name, comment) in rows {
        let created = comment
            .as_deref()
            .and_then(|c| c.rsplit(' ').next())
            .and_then(|secs| secs.parse::<u64>().ok())
            .unwrap_or(0);
        if unix_now().saturating_sub(created) < MAX_AGE.as_secs() {
            continue;
        }
        execute(
            admin,
            format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false"),
        )
        .await?;
        execute(
            admin,
            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        )
        .await?;
    }
    Ok(())
}

/// Drops test databases created more than [`MAX_AGE`] ago. One process at a time does it (the
/// others skip rather than wait).
async fn drop_stale_test_databases(admin: &mut PgConnection) -> Result<(), StoreError> {
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(CLEANUP_LOCK)
        .fetch_one(&mut *admin)
        .await
        .map_err(map)?;
    if !got {
        return Ok(());
    }
    let dropped = drop_stale_locked(admin).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(CLEANUP_LOCK)
        .execute(&mut *admin)
        .await
        .map_err(map);
    dropped.and(unlocked.map(|_| ()))
}

async fn drop_stale_locked(admin: &mut PgConnection) -> Result<(), StoreError> {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)")
            .bind(TEST_PREFIX)
            .fetch_all(&mut *admin)
            .await
            .map_err(map)?;
    let now = unix_now();
    for name in names {
        let Some(created) = created_at_of(&name) else {
            continue;
        };
        if now.saturating_sub(created) > MAX_AGE.as_secs() {
            execute(
                admin,
                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            )
            .await?;
        }
    }
    Ok(())
}

/// The creation time (unix seconds) a test database's name carries.
fn created_at_of(name: &str) -> Option<u64> {
    name.strip_prefix(TEST_PREFIX)?
        .split('_')
        .next()?
        .parse()
        .ok()
}

/// The server URL with its database replaced by `database` (query parameters kept).
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| i + authority_start);
    let mut out = format!("{}/{database}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@db:5432/app?sslmode=disable", "x"),
            "postgres://u:p@db:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@localhost", "x"),
            "postgres://u@localhost/x"
        );
    }

    #[test]
    fn test_names_carry_their_age() {
        let name = new_test_name();
        assert!(name.len() <= 63, "{name}");
        let created = created_at_of(&name);
        assert!(
            created.is_some_and(|c| c.abs_diff(unix_now()) < 5),
            "{name}"
        );
        assert_ne!(new_test_name(), new_test_name());
        assert_eq!(created_at_of("spb_tpl_abc"), None);
        assert_eq!(created_at_of("spb_test_x_1"), None);
    }
}
