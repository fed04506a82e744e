//! A broadcast's messages: the text to each recipient (headed by the author's name, in the
//! recipient's language), once per recipient under the job's key, at the background pace; and
//! the author's progress message, edited as it goes and finally turned into the summary.

use super::{Once, transient};
use crate::args;
use crate::format::{count, html};
use crate::messenger::SendError;
use app::broadcasts::{Broadcast, BroadcastStatus, Outcome};
use app::notices::NoticeError;
use domain::{Language, User};
use teloxide::RequestError;
use teloxide::types::MessageId;

/// Sends the broadcast to `to`; a recipient already reached under this key counts as sent.
pub(super) async fn send(
    once: &Once<'_>,
    broadcast: &Broadcast,
    author: &User,
    to: &User,
) -> Result<Outcome, NoticeError> {
    let deps = once.deps;
    let key = format!("{}:to:{}", once.key, to.id.0);
    if once.effects.effect_done(&key).await.map_err(transient)? {
        return Ok(Outcome::Sent);
    }
    let heading = deps.texts.format(
        to.language,
        "broadcast-heading",
        Some(&args!["author" => html(author.name.as_str())]),
    );
    let text = format!("{heading}\n\n{}", html(&broadcast.text));
    match deps
        .messenger
        .background()
        .send(to.telegram_id, &text, None)
        .await
    {
        Ok(_) => {
            if let Err(e) = once.effects.record_effect(&key, deps.app.now()).await {
                tracing::warn!(error = %e, "a broadcast message was sent but could not be recorded");
            }
            Ok(Outcome::Sent)
        }
        Err(SendError::Unreachable) => Ok(Outcome::Unreachable),
        // Telegram refused this message for good (chat not found, …): another try cannot help.
        Err(SendError::Telegram(RequestError::Api(e))) => {
            tracing::info!(to = to.telegram_id, error = %e, "broadcast message refused");
            Ok(Outcome::Failed)
        }
        Err(e) => Err(transient(e)),
    }
}

/// The progress line ("sent 340 of 1,000"), or the summary once the broadcast is done.
pub fn progress_text(texts: &crate::texts::Texts, lang: Language, b: &Broadcast) -> String {
    let args = args![
        "sent" => count(lang, b.sent.into()),
        "total" => count(lang, b.total.into()),
        "unreachable" => count(lang, b.unreachable.into()),
        "failed" => count(lang, b.failed.into()),
    ];
    match b.status {
        BroadcastStatus::Sending => texts.format(lang, "broadcast-progress", Some(&args)),
        BroadcastStatus::Done => {
            let mut text = texts.format(lang, "broadcast-done", Some(&args));
            if b.unreachable + b.failed > 0 {
                text.push('\n');
                text.push_str(&texts.format(lang, "broadcast-done-missed", Some(&args)));
            }
            text
        }
    }
}

/// Edits the author's progress message (when the broadcast has one).
pub(super) async fn progress(
    once: &Once<'_>,
    broadcast: &Broadcast,
    author: &User,
) -> Result<(), NoticeError> {
    let Some(p) = broadcast.progress else {
        return Ok(());
    };
    let deps = once.deps;
    let text = progress_text(&deps.texts, author.language, broadcast);
    deps.messenger
        .edit(p.chat_id, MessageId(p.message_id), &text, None)
        .await
        .map_err(transient)
}
