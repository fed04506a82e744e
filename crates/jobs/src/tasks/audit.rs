//! The geolocation audit of a shift closed from the site (`shift.audit`, written to the outbox
//! with the close): `StaffPro::audit_shift` flags what it finds, and the owner and managers are
//! asked to review the shift once. Done again after a crash, it flags nothing twice and the
//! notice's key keeps anyone from hearing of it twice.

use std::sync::Arc;

use app::audit::AuditStore;
use domain::ShiftId;
use serde::Deserialize;

use super::{Context, notice_outcome, payload, retry};
use crate::queue::Job;
use crate::worker::Outcome;

#[derive(Deserialize)]
struct AuditJob {
    shift_id: i64,
}

pub(super) async fn audit(ctx: Arc<Context>, job: Job) -> Outcome {
    let p: AuditJob = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let audits: &dyn AuditStore = ctx.store.as_ref();
    let notice = match ctx
        .app
        .audit_shift(audits, &ctx.settings.audit, ShiftId(p.shift_id))
        .await
    {
        Ok(Some(n)) => n,
        Ok(None) => return Outcome::Done,
        Err(e) => return retry(e),
    };
    let Some(notices) = &ctx.notices else {
        return Outcome::Done;
    };
    notice_outcome(notices.shift_audit(&job.id, &notice).await)
}
