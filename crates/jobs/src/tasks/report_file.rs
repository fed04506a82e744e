//! `report.file`: a report too big to make while its owner waited (`StaffPro::plan_report_file`)
//! is made here and sent to them. The rendering is the notices sender's (the bot renders the
//! file, edits the progress message and sends the document); this crate knows no file format.
//! A redelivered job is done once: the worker skips a key already done, and the sender records
//! what it sent under the job's key.

use std::sync::Arc;

use app::reports::ReportFileRequest;

use super::{Context, notice_outcome, payload};
use crate::queue::Job;
use crate::worker::Outcome;

pub(super) async fn make(ctx: Arc<Context>, job: Job) -> Outcome {
    let request: ReportFileRequest = match payload(&job) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(notices) = &ctx.notices else {
        return Outcome::Fail("no Telegram bot is configured to send report files".into());
    };
    notice_outcome(notices.report_file(&job.id, &request).await)
}
