//! Telling people about a stated end (`DomainEvent::ShiftEndStated`): the employee when an owner
//! or manager closed their shift or reviewed the end they reported, and the site's owner and
//! managers (with Approve / Change time buttons) when an employee reported a forgotten close.
//! Each in the reader's own language; the employee's notice ends with the shift's pay receipt.

use super::{Once, transient};
use crate::args;
use crate::ctx::Deps;
use crate::format::{duration, html, local_time, money};
use app::notices::NoticeError;
use app::review::ShiftNotice;
use domain::{Money, ShiftChangeKind, ShiftId, UserId};
use teloxide::types::ReplyMarkup;

pub(super) async fn notify(
    once: &Once<'_>,
    shift_id: ShiftId,
    change: ShiftChangeKind,
    by: UserId,
) -> Result<(), NoticeError> {
    let deps = once.deps;
    let Some(notice) = deps.app.shift_notice(shift_id).await.map_err(transient)? else {
        return Ok(());
    };
    let record = &notice.record;
    if change == ShiftChangeKind::ForgottenReported {
        for reviewer in &notice.reviewers {
            let (text, markup) = crate::owner::review_request(
                deps,
                reviewer.language,
                &record.employee,
                &record.site,
                &record.shift,
            );
            once.send(reviewer, &text, Some(ReplyMarkup::InlineKeyboard(markup)))
                .await?;
        }
        return Ok(());
    }
    let employee = &record.employee;
    if employee.id == by {
        return Ok(());
    }
    let text_id = match change {
        ShiftChangeKind::ClosedByManager => "notify-closed-for-employee",
        ShiftChangeKind::Approved => "notify-review-approved",
        ShiftChangeKind::EndChanged => "notify-review-changed",
        ShiftChangeKind::ForgottenReported => return Ok(()),
    };
    let text = employee_text(deps, &notice, text_id, by);
    let text = super::with_receipt(deps, employee, &record.shift, text).await?;
    once.send(employee, &text, None).await
}

/// The employee's message, in their language; `old` is the end before the last change.
fn employee_text(deps: &Deps, notice: &ShiftNotice, text_id: &str, by: UserId) -> String {
    let record = &notice.record;
    let (shift, site, lang) = (&record.shift, &record.site, record.employee.language);
    let tz = site.settings.time_zone;
    let by_name = notice
        .reviewers
        .iter()
        .find(|u| u.id == by)
        .map(|u| html(u.name.as_str()))
        .unwrap_or_default();
    let old = record
        .history
        .last()
        .and_then(|c| c.old_ended_at)
        .map(|t| local_time(&tz, t))
        .unwrap_or_default();
    let pay = Money::new(shift.pay_minor.unwrap_or(0), shift.hourly_rate.currency);
    deps.texts.format(
        lang,
        text_id,
        Some(&args![
            "by" => by_name,
            "site" => html(site.settings.name.as_str()),
            "ended" => shift.ended_at.map(|t| local_time(&tz, t)).unwrap_or_default(),
            "old" => old,
            "worked" => duration(&deps.texts, lang, shift.worked_minutes.unwrap_or(0)),
            "pay" => money(lang, pay),
        ]),
    )
}
