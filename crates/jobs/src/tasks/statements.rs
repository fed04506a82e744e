//! Pay statements: the daily scan stores a statement version for every employee and site whose
//! statement of a period that ended is new or changed (its sending jobs are written with it), and
//! the jobs that send a statement to its employee and a site's payroll to its owner.

use std::sync::Arc;

use app::statements::StatementStore;
use chrono::NaiveDate;
use domain::{SiteId, UserId};
use serde::Deserialize;

use super::{Context, notice_outcome, payload, retry};
use crate::queue::Job;
use crate::worker::Outcome;

/// Stores what changed in the periods that ended (the latest `statement_months`).
pub(super) async fn scan(ctx: Arc<Context>, _job: Job) -> Outcome {
    let statements: &dyn StatementStore = ctx.store.as_ref();
    match ctx
        .app
        .scan_pay_statements(statements, ctx.settings.statement_months)
        .await
    {
        Ok(_) => Outcome::Done,
        Err(e) => retry(e),
    }
}

#[derive(Deserialize)]
struct StatementJob {
    site_id: i64,
    employee_id: i64,
    period_from: NaiveDate,
    version: u32,
}

pub(super) async fn send_statement(ctx: Arc<Context>, job: Job) -> Outcome {
    let p: StatementJob = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(notices) = &ctx.notices else {
        return Outcome::Done;
    };
    let statements: &dyn StatementStore = ctx.store.as_ref();
    let notice = match ctx
        .app
        .statement_notice(
            statements,
            SiteId(p.site_id),
            UserId(p.employee_id),
            p.period_from,
            p.version,
        )
        .await
    {
        Ok(Some(n)) => n,
        Ok(None) => return Outcome::Done,
        Err(e) => return retry(e),
    };
    notice_outcome(notices.pay_statement(&job.id, &notice).await)
}

#[derive(Deserialize)]
struct PayrollJob {
    site_id: i64,
    period_from: NaiveDate,
    #[serde(default)]
    correction: bool,
}

pub(super) async fn send_payroll(ctx: Arc<Context>, job: Job) -> Outcome {
    let p: PayrollJob = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(notices) = &ctx.notices else {
        return Outcome::Done;
    };
    let statements: &dyn StatementStore = ctx.store.as_ref();
    let notice = match ctx
        .app
        .payroll_notice(statements, SiteId(p.site_id), p.period_from, p.correction)
        .await
    {
        Ok(Some(n)) => n,
        Ok(None) => return Outcome::Done,
        Err(e) => return retry(e),
    };
    notice_outcome(notices.payroll(&job.id, &notice).await)
}
