//! The notices that follow a change to a shift (written to the outbox with the change).

use std::sync::Arc;

use domain::{ShiftChangeKind, ShiftId, SiteId, UserId};
use serde::Deserialize;

use super::{Context, notice_outcome, payload};
use crate::queue::Job;
use crate::worker::Outcome;

#[derive(Deserialize)]
struct ShiftNews {
    shift_id: i64,
    site_id: i64,
    closed: Option<bool>,
}

pub(super) async fn shift_news(ctx: Arc<Context>, job: Job) -> Outcome {
    let news: ShiftNews = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(notices) = &ctx.notices else {
        return Outcome::Done;
    };
    notice_outcome(
        notices
            .shift_news(
                &job.id,
                ShiftId(news.shift_id),
                SiteId(news.site_id),
                news.closed,
            )
            .await,
    )
}

#[derive(Deserialize)]
struct Stated {
    shift_id: i64,
    change: String,
    by: i64,
}

pub(super) async fn stated_end(ctx: Arc<Context>, job: Job) -> Outcome {
    let stated: Stated = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(change) = ShiftChangeKind::parse(&stated.change) else {
        return Outcome::Fail(format!("unknown change {}", stated.change));
    };
    let Some(notices) = &ctx.notices else {
        return Outcome::Done;
    };
    notice_outcome(
        notices
            .stated_end(&job.id, ShiftId(stated.shift_id), change, UserId(stated.by))
            .await,
    )
}
