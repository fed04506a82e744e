//! A big report made by its `report.file` job: the person's "Preparing…" message shows the rows
//! done as the timesheet's pages come, the file is sent once under the job's key (a redelivered
//! job finds it sent and does nothing), and the message ends as "The report is ready".

use super::{Once, transient};
use crate::args;
use crate::messenger::SendError;
use crate::report_files::{FileError, Progress, render, send};
use app::AppError;
use app::notices::NoticeError;
use app::reports::ReportFileRequest;

pub(super) async fn make(once: &Once<'_>, request: &ReportFileRequest) -> Result<(), NoticeError> {
    let deps = once.deps;
    let Some(user) = deps
        .app
        .report_file_actor(request)
        .await
        .map_err(transient)?
    else {
        return Ok(());
    };
    let key = format!("{}:to:{}", once.key, user.id.0);
    if !user.reachable || once.effects.effect_done(&key).await.map_err(transient)? {
        return Ok(());
    }
    let lang = user.language;
    let messenger = deps.messenger.background();
    let chat = request.progress.map_or(user.telegram_id, |p| p.chat_id);
    let total = deps
        .app
        .report_shift_count(&user, request.from, request.to, request.scope)
        .await;
    let progress = request.progress.map(|at| Progress {
        messenger: &messenger,
        texts: &deps.texts,
        lang,
        at,
        total: total
            .as_ref()
            .map_or(0, |n| u64::try_from(*n).unwrap_or_default()),
    });
    let says = |id: &str| deps.texts.get(lang, id);
    let result = match total {
        Ok(_) => {
            if let Some(p) = &progress {
                p.show(0).await;
            }
            render(&deps.app, &deps.texts, &user, request, progress.as_ref()).await
        }
        Err(e) => Err(FileError::App(e)),
    };
    let file = match result {
        Ok(file) => file,
        // Their access ended since they asked: tell them, and that is the end of it.
        Err(FileError::App(AppError::NotFound(_) | AppError::BadRequest { .. })) => {
            if let Some(p) = &progress {
                p.edit(&says("report-file-refused")).await;
            }
            return Ok(());
        }
        Err(FileError::App(e)) => return Err(transient(e)),
        Err(e) => {
            tracing::error!(error = %e, "a background report could not be made");
            if let Some(p) = &progress {
                p.edit(&says("report-file-failed")).await;
            }
            return Err(NoticeError::Permanent(e.to_string()));
        }
    };
    let name = file.name.clone();
    match send(&messenger, chat, file).await {
        Ok(_) => {
            if let Err(e) = once.effects.record_effect(&key, deps.app.now()).await {
                tracing::warn!(error = %e, "a report file was sent but could not be recorded");
            }
        }
        Err(SendError::Unreachable) => return Ok(()),
        Err(e) => return Err(transient(e)),
    }
    if let Some(p) = &progress {
        let done = deps.texts.format(
            lang,
            "report-file-done",
            Some(&args!["file" => crate::format::html(&name)]),
        );
        p.edit(&done).await;
    }
    Ok(())
}
