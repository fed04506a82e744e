//! `app::statements::StatementStore` for `PgStore`: pay statements, one row per version, never
//! updated; a batch is stored with its sending jobs in one transaction, each version at most
//! once (`ON CONFLICT DO NOTHING` on the unique index `pay_statements_version_key`, so racing
//! scans store it once and only the winner writes its jobs).

use crate::PgStore;
use crate::background::write_outbox;
use crate::error::map;
use crate::rows::{SiteRow, convert, site_columns};
use app::statements::{StatementStore, jobs_after_storing, lines_from_json, lines_to_json};
use app::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::statement::{PayPeriod, PayStatement};
use domain::{Site, SiteId, UserId};
use tracing::instrument;

#[derive(Debug, sqlx::FromRow)]
struct StatementRow {
    site_id: i64,
    employee_id: i64,
    period_from: NaiveDate,
    period_to: NaiveDate,
    version: i32,
    lines: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<StatementRow> for PayStatement {
    type Error = StoreError;

    fn try_from(r: StatementRow) -> Result<Self, StoreError> {
        let bad =
            |what: String| StoreError::Other(format!("unreadable row in pay_statements: {what}"));
        Ok(PayStatement {
            site_id: SiteId(r.site_id),
            employee_id: UserId(r.employee_id),
            period: PayPeriod {
                from: r.period_from,
                to: r.period_to,
            },
            version: u32::try_from(r.version).map_err(|e| bad(e.to_string()))?,
            lines: lines_from_json(&r.lines).map_err(bad)?,
            created_at: r.created_at,
        })
    }
}

const COLUMNS: &str = "site_id, employee_id, period_from, period_to, version, lines, created_at";

#[async_trait]
impl StatementStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn every_site(&self) -> StoreResult<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn latest_statements(
        &self,
        site: SiteId,
        period_from: NaiveDate,
    ) -> StoreResult<Vec<PayStatement>> {
        let rows: Vec<StatementRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT ON (employee_id) {COLUMNS} FROM pay_statements \
             WHERE site_id = $1 AND period_from = $2 ORDER BY employee_id, version DESC"
        )))
        .bind(site.0)
        .bind(period_from)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        rows.into_iter().map(PayStatement::try_from).collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn statement(
        &self,
        site: SiteId,
        employee: UserId,
        period_from: NaiveDate,
        version: u32,
    ) -> StoreResult<Option<PayStatement>> {
        let row: Option<StatementRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM pay_statements \
             WHERE site_id = $1 AND period_from = $2 AND employee_id = $3 AND version = $4"
        )))
        .bind(site.0)
        .bind(period_from)
        .bind(employee.0)
        .bind(i32::try_from(version).unwrap_or(i32::MAX))
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(PayStatement::try_from).transpose()
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
        let mut tx = self.pool.begin().await.map_err(map)?;
        let mut stored = Vec::new();
        for s in statements {
            let done = sqlx::query(
                "INSERT INTO pay_statements (site_id, employee_id, period_from, period_to, \
                 version, lines, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (site_id, period_from, employee_id, version) DO NOTHING",
            )
            .bind(s.site_id.0)
            .bind(s.employee_id.0)
            .bind(s.period.from)
            .bind(s.period.to)
            .bind(i32::try_from(s.version).unwrap_or(i32::MAX))
            .bind(lines_to_json(&s.lines))
            .bind(s.created_at)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            if done.rows_affected() > 0 {
                stored.push(s.clone());
            }
        }
        write_outbox(&mut tx, &jobs_after_storing(&stored), now).await?;
        tx.commit().await.map_err(map)?;
        Ok(stored)
    }
}
