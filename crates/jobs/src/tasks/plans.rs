//! Planned shifts: the reminder scan (every planned shift is reminded once, before its start)
//! and the no-show scan (the owner and managers hear once of a plan nobody started; plans whose
//! end passed are marked missed). A scan only enqueues one job per plan; that job sends.

use std::sync::Arc;

use app::Area;
use app::background::OutboxJob;
use domain::PlannedShiftId;
use serde::Deserialize;

use super::{Context, kinds, notice_outcome, payload, retry};
use crate::queue::Job;
use crate::worker::Outcome;

#[derive(Deserialize)]
struct PlanJob {
    plan_id: i64,
}

/// Plans starting within the lead time and not reminded yet each get a reminder job.
pub(super) async fn scan_reminders(ctx: Arc<Context>, _job: Job) -> Outcome {
    if ctx.notices.is_none() {
        return Outcome::Done;
    }
    let now = ctx.app.now();
    let lead = ctx.settings.reminder_lead;
    let plans = match ctx
        .store
        .plans_to_remind(now, now + lead, ctx.settings.scan_limit)
        .await
    {
        Ok(p) => p,
        Err(e) => return retry(e),
    };
    let jobs: Vec<OutboxJob> = plans
        .iter()
        .map(|p| OutboxJob {
            id: format!("reminder:plan:{}:lead-{}", p.id.0, lead.num_minutes()),
            area: Area::Notifications,
            kind: kinds::REMINDER.into(),
            payload: serde_json::json!({ "plan_id": p.id.0 }),
        })
        .collect();
    enqueue(&ctx, &jobs).await
}

/// Sends one plan's reminder, unless it is no longer due (cancelled, started, opened).
pub(super) async fn remind(ctx: Arc<Context>, job: Job) -> Outcome {
    let p: PlanJob = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(notices) = &ctx.notices else {
        return Outcome::Done;
    };
    let plan_id = PlannedShiftId(p.plan_id);
    let notice = match ctx.app.reminder_notice(plan_id).await {
        Ok(Some(n)) => n,
        Ok(None) => return Outcome::Done,
        Err(e) => return retry(e),
    };
    let sent = notice_outcome(notices.plan_reminder(&job.id, &notice).await);
    if sent != Outcome::Done {
        return sent;
    }
    match ctx.store.mark_plan_reminded(plan_id, ctx.app.now()).await {
        Ok(_) => Outcome::Done,
        Err(e) => retry(e),
    }
}

/// Plans that ended without a shift are marked missed; plans whose start passed the grace
/// without a shift each get a no-show job.
pub(super) async fn scan_no_shows(ctx: Arc<Context>, _job: Job) -> Outcome {
    if let Err(e) = ctx.app.mark_missed_plans().await {
        return retry(e);
    }
    if ctx.notices.is_none() {
        return Outcome::Done;
    }
    let started_by = ctx.app.now() - ctx.settings.no_show_grace;
    let plans = match ctx
        .store
        .plans_not_started(started_by, ctx.settings.scan_limit)
        .await
    {
        Ok(p) => p,
        Err(e) => return retry(e),
    };
    let jobs: Vec<OutboxJob> = plans
        .iter()
        .map(|p| OutboxJob {
            id: format!("no-show:plan:{}", p.id.0),
            area: Area::Notifications,
            kind: kinds::NO_SHOW.into(),
            payload: serde_json::json!({ "plan_id": p.id.0 }),
        })
        .collect();
    enqueue(&ctx, &jobs).await
}

/// Tells the owner and managers that nobody started the plan, unless a shift opened since.
pub(super) async fn no_show(ctx: Arc<Context>, job: Job) -> Outcome {
    let p: PlanJob = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(notices) = &ctx.notices else {
        return Outcome::Done;
    };
    let plan_id = PlannedShiftId(p.plan_id);
    let notice = match ctx
        .app
        .no_show_notice(plan_id, ctx.settings.no_show_grace)
        .await
    {
        Ok(Some(n)) => n,
        Ok(None) => return Outcome::Done,
        Err(e) => return retry(e),
    };
    let sent = notice_outcome(notices.no_show(&job.id, &notice).await);
    if sent != Outcome::Done {
        return sent;
    }
    match ctx
        .store
        .mark_no_show_reported(plan_id, ctx.app.now())
        .await
    {
        Ok(_) => Outcome::Done,
        Err(e) => retry(e),
    }
}

async fn enqueue(ctx: &Context, jobs: &[OutboxJob]) -> Outcome {
    if jobs.is_empty() {
        return Outcome::Done;
    }
    match ctx.store.add_to_outbox(jobs, ctx.app.now()).await {
        Ok(()) => Outcome::Done,
        Err(e) => retry(e),
    }
}
