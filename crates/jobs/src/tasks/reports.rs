//! Cache refresh: the current month's report of every owner with recent shifts is computed
//! ahead, so the report an owner opens is answered from the cache. The totals' cache keys carry
//! each site's version, so a value found in the cache is never stale; running this about as
//! often as the analytics TTL keeps the month warm.

use std::sync::Arc;

use app::reports::ReportFilter;
use domain::period::Period;

use super::{Context, retry};
use crate::queue::Job;
use crate::worker::Outcome;

/// Owners warmed per run at most (the rest wait for the next).
const OWNERS_PER_RUN: u32 = 10_000;

pub(super) async fn refresh(ctx: Arc<Context>, _job: Job) -> Outcome {
    // A month plus a day back covers the current month in every time zone.
    let since = ctx.app.now() - chrono::Duration::days(32);
    let owners = match ctx.store.owners_active_since(since, OWNERS_PER_RUN).await {
        Ok(o) => o,
        Err(e) => return retry(e),
    };
    let people = match ctx.app.store().users(&owners).await {
        Ok(p) => p,
        Err(e) => return retry(e),
    };
    let mut warmed = 0u32;
    for owner in &people {
        match ctx
            .app
            .summary_for(owner, Period::ThisMonth, ReportFilter::default())
            .await
        {
            Ok(_) => warmed += 1,
            Err(e) => tracing::warn!(owner = owner.id.0, error = %e, "could not warm a report"),
        }
    }
    tracing::info!(owners = warmed, "current month's reports warmed");
    Outcome::Done
}
