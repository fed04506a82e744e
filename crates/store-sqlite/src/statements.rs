//! `app::statements::StatementStore` for `SqliteStore`: pay statements, one row per version,
//! never updated; a batch is stored with its sending jobs in one write transaction, each version
//! at most once (the unique index `pay_statements_version_key` decides between racing scans).

use crate::SqliteStore;
use crate::background::write_outbox;
use crate::error::{bad_row, from_sqlx};
use crate::rows::{self, micros, site_columns};
use app::StoreResult;
use app::statements::{StatementStore, jobs_after_storing, lines_from_json, lines_to_json};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::statement::{PayPeriod, PayStatement};
use domain::{Site, SiteId, UserId};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use tracing::instrument;

const T: &str = "pay_statements";

const COLUMNS: &str = "site_id, employee_id, period_from, period_to, version, lines, created_at";

fn date(v: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|e| bad_row(T, format!("{v:?}: {e}")))
}

fn statement(row: &SqliteRow) -> StoreResult<PayStatement> {
    let get_i64 = |c: &str| -> StoreResult<i64> {
        row.try_get(c).map_err(|e| bad_row(T, format!("{c}: {e}")))
    };
    let get_text = |c: &str| -> StoreResult<String> {
        row.try_get(c).map_err(|e| bad_row(T, format!("{c}: {e}")))
    };
    let created = get_i64("created_at")?;
    Ok(PayStatement {
        site_id: SiteId(get_i64("site_id")?),
        employee_id: UserId(get_i64("employee_id")?),
        period: PayPeriod {
            from: date(&get_text("period_from")?)?,
            to: date(&get_text("period_to")?)?,
        },
        version: u32::try_from(get_i64("version")?).map_err(|e| bad_row(T, e))?,
        lines: lines_from_json(&get_text("lines")?).map_err(|e| bad_row(T, e))?,
        created_at: DateTime::from_timestamp_micros(created)
            .ok_or_else(|| bad_row(T, format!("created_at = {created}")))?,
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[async_trait]
impl StatementStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn every_site(&self) -> StoreResult<Vec<Site>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await
        .map_err(from_sqlx)?;
        found.iter().map(rows::site).collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn latest_statements(
        &self,
        site: SiteId,
        period_from: NaiveDate,
    ) -> StoreResult<Vec<PayStatement>> {
        let found = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM pay_statements WHERE site_id = ? AND period_from = ? \
             ORDER BY employee_id, version DESC"
        )))
        .bind(site.0)
        .bind(day(period_from))
        .fetch_all(self.pool())
        .await
        .map_err(from_sqlx)?;
        let mut latest: Vec<PayStatement> = Vec::new();
        for row in &found {
            let s = statement(row)?;
            // Highest version first within each employee.
            if latest.last().is_none_or(|l| l.employee_id != s.employee_id) {
                latest.push(s);
            }
        }
        Ok(latest)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn statement(
        &self,
        site: SiteId,
        employee: UserId,
        period_from: NaiveDate,
        version: u32,
    ) -> StoreResult<Option<PayStatement>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM pay_statements \
             WHERE site_id = ? AND period_from = ? AND employee_id = ? AND version = ?"
        )))
        .bind(site.0)
        .bind(day(period_from))
        .bind(employee.0)
        .bind(i64::from(version))
        .fetch_optional(self.pool())
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(statement)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn add_statements(
        &self,
        statements: &[PayStatement],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<PayStatement>> {
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.write().await?;
        let mut stored = Vec::new();
        for s in statements {
            let done = sqlx::query(
                "INSERT INTO pay_statements (site_id, employee_id, period_from, period_to, \
                 version, lines, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (site_id, period_from, employee_id, version) DO NOTHING",
            )
            .bind(s.site_id.0)
            .bind(s.employee_id.0)
            .bind(day(s.period.from))
            .bind(day(s.period.to))
            .bind(i64::from(s.version))
            .bind(lines_to_json(&s.lines))
            .bind(micros(s.created_at))
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
            if done.rows_affected() > 0 {
                stored.push(s.clone());
            }
        }
        write_outbox(tx.conn(), &jobs_after_storing(&stored), now).await?;
        tx.commit().await?;
        Ok(stored)
    }
}
