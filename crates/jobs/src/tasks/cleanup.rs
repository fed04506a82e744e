//! Daily clean-up: Telegram update ids past their de-duplication window, records of finished
//! jobs (done keys, fired ticks), dialogues nobody touched for long, and the exact points of
//! shifts past the location retention (coarsened to about 1 km; the distance to the site stays).

use std::sync::Arc;

use super::{Context, retry};
use crate::queue::Job;
use crate::worker::Outcome;

pub(super) async fn clean_up(ctx: Arc<Context>, _job: Job) -> Outcome {
    let now = ctx.app.now();
    let s = ctx.settings;
    let updates = ctx
        .bot_state
        .forget_updates_before(now - s.keep_update_ids)
        .await;
    let effects = ctx
        .store
        .forget_effects_before(now - s.keep_job_records)
        .await;
    let ticks = ctx
        .store
        .forget_ticks_before(now - s.keep_job_records)
        .await;
    let dialogues = ctx
        .store
        .forget_idle_dialogues(now - s.keep_idle_dialogues)
        .await;
    let locations = ctx
        .store
        .coarsen_locations_before(now - ctx.app.policy().location_retention)
        .await;
    let counts = [updates, effects, ticks, dialogues, locations];
    if let Some(Err(e)) = counts.iter().find(|r| r.is_err()) {
        return retry(e);
    }
    let [updates, effects, ticks, dialogues, locations] = counts.map(|r| r.unwrap_or(0));
    tracing::info!(
        updates,
        effects,
        ticks,
        dialogues,
        locations,
        "clean-up done"
    );
    Outcome::Done
}
