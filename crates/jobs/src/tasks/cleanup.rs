//! Daily clean-up: Telegram update ids past their de-duplication window, records of finished
//! jobs (done keys, fired ticks) and dialogues nobody touched for long.

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
    match (updates, effects, ticks, dialogues) {
        (Ok(updates), Ok(effects), Ok(ticks), Ok(dialogues)) => {
            tracing::info!(updates, effects, ticks, dialogues, "clean-up done");
            Outcome::Done
        }
        (Err(e), ..) | (_, Err(e), ..) | (.., Err(e), _) | (.., Err(e)) => retry(e),
    }
}
