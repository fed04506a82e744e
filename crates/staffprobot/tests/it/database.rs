//! PostgreSQL that is not there or not ready: requests answer 503 (try again) rather than 500,
//! and `/ready` says 503 while the schema is behind this binary's migrations.

use crate::{fresh_postgres, get, issue_token, ok, staffprobot, start};
use sqlx::Connection;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn execute(url: &str, sql: &'static str) {
    block_on(async {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        let _ = conn.close().await;
    });
}

/// A database with an owner, and that owner's API token.
fn owner_with_token(dir: &std::path::Path, url: &str) -> String {
    ok(staffprobot(dir, &[("DATABASE_URL", url)])
        .args(["owner", "add", "--telegram-id", "555", "--name", "Анна"])
        .output()
        .unwrap());
    issue_token(dir, &[("DATABASE_URL", url)], "555")
}

fn assert_unavailable((status, body): (u16, String)) {
    assert_eq!(status, 503, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(json.to_string().contains("unavailable"), "{body}");
}

// These two measure the database path, so the cache is off: with it, a read made before is
// answered from memory (see `a_cached_read_is_answered_while_the_database_is_gone`).

#[test]
fn a_dropped_table_answers_503() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_postgres();
    let token = owner_with_token(dir.path(), &url);
    let api = start(
        dir.path(),
        &["api"],
        &[("DATABASE_URL", &url), ("CACHE_ENABLED", "false")],
    );
    let sites = format!("{}/api/v1/sites", api.base);
    assert_eq!(get(&sites, Some(&token)).0, 200);
    execute(&url, "DROP TABLE sites CASCADE");
    assert_unavailable(get(&sites, Some(&token)));
    let log = api.stop();
    assert!(!log.contains("internal"), "{log}");
}

#[test]
fn a_database_that_is_not_there_answers_503() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_postgres();
    let token = owner_with_token(dir.path(), &url);
    let api = start(
        dir.path(),
        &["api"],
        &[("DATABASE_URL", &url), ("CACHE_ENABLED", "false")],
    );
    let sites = format!("{}/api/v1/sites", api.base);
    assert_eq!(get(&sites, Some(&token)).0, 200);
    block_on(store_postgres::test_support::hide_database(&url)).unwrap();
    assert_unavailable(get(&sites, Some(&token)));
    assert_unavailable(get(&format!("{}/ready", api.base), None));
    assert_eq!(get(&format!("{}/health", api.base), None).0, 200);
    api.stop();
}

/// With the cache (the default), a read made before the database went away is still answered
/// from memory; what needs the database answers 503, and `/ready` says the process is not ready.
#[test]
fn a_cached_read_is_answered_while_the_database_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_postgres();
    let token = owner_with_token(dir.path(), &url);
    let api = start(dir.path(), &["api"], &[("DATABASE_URL", &url)]);
    let sites = format!("{}/api/v1/sites", api.base);
    assert_eq!(get(&sites, Some(&token)).0, 200);
    block_on(store_postgres::test_support::hide_database(&url)).unwrap();
    assert_eq!(get(&sites, Some(&token)).0, 200);
    // A site never read before needs the database.
    assert_unavailable(get(&format!("{}/api/v1/sites/999", api.base), Some(&token)));
    assert_unavailable(get(&format!("{}/ready", api.base), None));
    api.stop();
}

/// A new `api` replica started before `staffprobot migrate` is alive but not ready; once the
/// migrations are applied it is ready, without a restart.
#[test]
fn ready_is_503_while_the_schema_is_behind() {
    let dir = tempfile::tempdir().unwrap();
    let first = store_postgres::migrator().iter().next().unwrap().version;
    let url = block_on(store_postgres::test_support::database_at_migration(first)).unwrap();
    let env = [("DATABASE_URL", url.as_str())];
    let api = start(dir.path(), &["api"], &env);
    let ready = format!("{}/ready", api.base);
    assert_unavailable(get(&ready, None));
    assert_eq!(get(&format!("{}/health", api.base), None).0, 200);
    ok(staffprobot(dir.path(), &env)
        .arg("migrate")
        .output()
        .unwrap());
    assert_eq!(get(&ready, None).0, 200);
    let log = api.stop();
    assert!(
        log.contains("staffprobot migrate"),
        "the log says what to do:\n{log}"
    );
}
