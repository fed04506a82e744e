//! Shift jobs: closing forgotten shifts (their notices follow through the outbox, written with
//! each close).

use std::sync::Arc;

use super::{Context, retry};
use crate::queue::Job;
use crate::worker::Outcome;

pub(super) async fn auto_close(ctx: Arc<Context>, _job: Job) -> Outcome {
    match ctx.app.auto_close_due().await {
        Ok(closed) => {
            if !closed.is_empty() {
                tracing::info!(
                    count = closed.len(),
                    "forgotten shifts closed automatically"
                );
            }
            Outcome::Done
        }
        Err(e) => retry(e),
    }
}
