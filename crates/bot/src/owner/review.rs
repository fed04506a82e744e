//! Forgotten shifts, owner and manager side: closing a running shift from "On shift now" (when
//! did they leave: "now" or a typed time of the site → confirm), reviewing an end an employee
//! reported (approve, or type the right time → confirm), and the list of shifts waiting for
//! review. The rules and checks are the use-cases' (`app::review`); the employee is told by the
//! notifier.

use super::{OwnerCb, OwnerState, show};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx, Deps, HandlerResult, Input};
use crate::employee::{out_of_range, read_time};
use crate::format::{duration, html, local_date_time, local_time, money};
use crate::keyboards::{cancel_row, inline};
use crate::state::{Dialogue, State};
use app::review::{EndPreview, ManualCloseError, ReviewDecision, ShiftRecord, StatedEnd};
use chrono::{DateTime, Utc};
use domain::{Language, Money, ReviewReason, Shift, ShiftId, Site, User};
use fluent_bundle::FluentArgs;
use teloxide::types::{InlineKeyboardMarkup, MessageId};

/// Review requests shown at most by one tap on the review list.
const MAX_SHOWN: usize = 10;

/// Which question a typed time answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Close,
    Review,
}

impl Purpose {
    fn dialogue(self) -> Dialogue {
        match self {
            Purpose::Close => Dialogue::CloseFor,
            Purpose::Review => Dialogue::Review,
        }
    }
}

fn waiting(purpose: Purpose, shift: ShiftId) -> State {
    State::Owner(match purpose {
        Purpose::Close => OwnerState::CloseTime { shift },
        Purpose::Review => OwnerState::ReviewTime { shift },
    })
}

/// A shift's end as a text shows it: whose, where, when, worked time and pay.
struct EndView<'a> {
    employee: &'a User,
    site: &'a Site,
    shift: &'a Shift,
    ended_at: DateTime<Utc>,
    worked_minutes: i64,
    pay_minor: i64,
}

impl<'a> EndView<'a> {
    fn of_preview(p: &'a EndPreview) -> Self {
        Self {
            employee: &p.employee,
            site: &p.site,
            shift: &p.shift,
            ended_at: p.ended_at,
            worked_minutes: p.worked_minutes,
            pay_minor: p.pay_minor,
        }
    }

    /// The end as stored (a finished shift).
    fn of_shift(employee: &'a User, site: &'a Site, shift: &'a Shift) -> Self {
        Self {
            employee,
            site,
            shift,
            ended_at: shift.ended_at.unwrap_or(shift.started_at),
            worked_minutes: shift.worked_minutes.unwrap_or(0),
            pay_minor: shift.pay_minor.unwrap_or(0),
        }
    }

    fn of_record(r: &'a ShiftRecord) -> Self {
        Self::of_shift(&r.employee, &r.site, &r.shift)
    }

    /// The arguments every text about a shift's end takes.
    fn args(&self, deps: &Deps, lang: Language) -> FluentArgs<'static> {
        let tz = self.site.settings.time_zone;
        let started = local_date_time(lang, &tz, self.shift.started_at);
        args![
            "employee" => html(self.employee.name.as_str()),
            "site" => html(self.site.settings.name.as_str()),
            "started" => started.clone(),
            "since" => started,
            "ended" => local_time(&tz, self.ended_at),
            "worked" => duration(&deps.texts, lang, self.worked_minutes),
            "pay" => money(lang, Money::new(self.pay_minor, self.shift.hourly_rate.currency)),
            "zone" => tz.name(),
        ]
    }
}

fn preview_args(ctx: &Ctx<'_>, p: &EndPreview) -> FluentArgs<'static> {
    EndView::of_preview(p).args(ctx.deps, ctx.lang())
}

fn record_args(ctx: &Ctx<'_>, r: &ShiftRecord) -> FluentArgs<'static> {
    EndView::of_record(r).args(ctx.deps, ctx.lang())
}

/// A refusal of the use-cases as a toast (button taps) or a message (typed input).
async fn refused(
    ctx: &Ctx<'_>,
    e: ManualCloseError,
    typed: bool,
    purpose: Purpose,
    shift: ShiftId,
) -> HandlerResult {
    let text = match e {
        ManualCloseError::NotFound => ctx.t("no-access-site"),
        ManualCloseError::AlreadyClosed => ctx.t("close-for-already-closed"),
        ManualCloseError::NotUnderReview => ctx.t("review-already-done"),
        ManualCloseError::BadTime(bad) => {
            // Nothing changed: the shift's site gives the zone the bounds are shown in.
            let tz = match ctx.app().shift_record(&ctx.user, shift).await {
                Ok(r) => r.site.settings.time_zone,
                Err(_) => Default::default(),
            };
            let text = out_of_range(ctx, bad, &tz);
            ctx.send_inline(&text, inline(vec![cancel_row(ctx, purpose.dialogue())]))
                .await?;
            return Ok(waiting(purpose, shift));
        }
        other => return Err(BotError::Other(other.to_string())),
    };
    if typed {
        ctx.send_with_menu(&text).await?;
    } else {
        ctx.notice(text, true);
    }
    Ok(State::Idle)
}

// ---- closing a running shift -----------------------------------------------------------------

/// "Close: <employee>" on "On shift now": ask when they left.
pub(super) async fn ask_close_time(ctx: &Ctx<'_>, shift: ShiftId, state: State) -> HandlerResult {
    let preview = match ctx
        .app()
        .preview_close_for(&ctx.user, shift, StatedEnd::Now)
        .await
    {
        Ok(p) => p,
        Err(e) => {
            refused(ctx, e, false, Purpose::Close, shift).await?;
            return Ok(state);
        }
    };
    let rows = vec![
        vec![button(
            ctx.t("close-for-button-now"),
            OwnerCb::CloseNow(shift),
        )],
        cancel_row(ctx, Dialogue::CloseFor),
    ];
    ctx.send_inline(
        &ctx.tf("close-for-ask", preview_args(ctx, &preview)),
        inline(rows),
    )
    .await?;
    Ok(waiting(Purpose::Close, shift))
}

/// "Now": confirm closing at this moment.
pub(super) async fn close_now(
    ctx: &Ctx<'_>,
    shift: ShiftId,
    message: Option<MessageId>,
) -> HandlerResult {
    match ctx
        .app()
        .preview_close_for(&ctx.user, shift, StatedEnd::Now)
        .await
    {
        Ok(p) => confirm(ctx, Purpose::Close, &p, message).await,
        Err(e) => refused(ctx, e, false, Purpose::Close, shift).await,
    }
}

/// A typed time for closing or for a reviewed end.
pub(super) async fn on_time(ctx: &Ctx<'_>, state: OwnerState, input: &Input) -> HandlerResult {
    let (purpose, shift) = match state {
        OwnerState::CloseTime { shift } => (Purpose::Close, shift),
        OwnerState::ReviewTime { shift } => (Purpose::Review, shift),
        other => return Ok(State::Owner(other)),
    };
    let typed = match input {
        Input::Text(t) => t.trim(),
        Input::Location {
            live_update: true, ..
        } => return Ok(waiting(purpose, shift)),
        _ => "",
    };
    let Some(time) = read_time(typed) else {
        let shown: String = typed.chars().take(20).collect();
        ctx.send_inline(
            &ctx.tf("stated-bad-time", args!["input" => html(&shown)]),
            inline(vec![cancel_row(ctx, purpose.dialogue())]),
        )
        .await?;
        return Ok(waiting(purpose, shift));
    };
    let end = StatedEnd::LocalTime(time);
    let preview = match purpose {
        Purpose::Close => ctx.app().preview_close_for(&ctx.user, shift, end).await,
        Purpose::Review => ctx.app().preview_review_change(&ctx.user, shift, end).await,
    };
    match preview {
        Ok(p) => confirm(ctx, purpose, &p, None).await,
        Err(e) => refused(ctx, e, true, purpose, shift).await,
    }
}

/// Shows what the change gives, with a button carrying the exact end to apply.
async fn confirm(
    ctx: &Ctx<'_>,
    purpose: Purpose,
    p: &EndPreview,
    message: Option<MessageId>,
) -> HandlerResult {
    let at = p.ended_at.timestamp();
    let (text_id, button_id, cb) = match purpose {
        Purpose::Close => (
            "close-for-confirm",
            "close-for-button-confirm",
            OwnerCb::CloseConfirm {
                shift: p.shift.id,
                at,
            },
        ),
        Purpose::Review => (
            "review-change-confirm",
            "review-button-confirm",
            OwnerCb::ReviewConfirm {
                shift: p.shift.id,
                at,
            },
        ),
    };
    let rows = vec![
        vec![button(ctx.t(button_id), cb)],
        cancel_row(ctx, purpose.dialogue()),
    ];
    show(
        ctx,
        message,
        &ctx.tf(text_id, preview_args(ctx, p)),
        inline(rows),
    )
    .await?;
    // The button carries the whole choice; until it is tapped the dialogue goes on, so its
    // Cancel cancels it and another typed time is read as a new answer.
    Ok(waiting(purpose, p.shift.id))
}

fn instant(at: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(at, 0)
}

/// "Close the shift" confirmed.
pub(super) async fn close_confirmed(
    ctx: &Ctx<'_>,
    shift: ShiftId,
    at: i64,
    message: Option<MessageId>,
) -> HandlerResult {
    let Some(at) = instant(at) else {
        ctx.notice(ctx.t("button-expired"), true);
        return Ok(State::Idle);
    };
    match ctx
        .app()
        .close_shift_for(&ctx.user, shift, StatedEnd::At(at))
        .await
    {
        Ok(record) => {
            let args = record_args(ctx, &record);
            done(ctx, message, &ctx.tf("close-for-done", args)).await?;
            Ok(State::Idle)
        }
        Err(e) => refused(ctx, e, false, Purpose::Close, shift).await,
    }
}

/// Replaces the confirmation (or sends anew) with the outcome, without buttons.
async fn done(ctx: &Ctx<'_>, message: Option<MessageId>, text: &str) -> Result<(), BotError> {
    match message {
        Some(m) => match ctx.edit(m, text, None).await {
            Ok(()) => Ok(()),
            Err(_) => ctx.send_with_menu(text).await.map(|_| ()),
        },
        None => ctx.send_with_menu(text).await.map(|_| ()),
    }
}

// ---- reviewing a reported end ----------------------------------------------------------------

/// The review request about a shift: its text and Approve / Change time buttons, in `lang`.
pub(crate) fn review_request(
    deps: &Deps,
    lang: Language,
    employee: &User,
    site: &Site,
    shift: &Shift,
) -> (String, InlineKeyboardMarkup) {
    let text_id = match shift.review_reason {
        Some(ReviewReason::AutoClosed) => "review-auto-closed",
        Some(ReviewReason::OutsideGeofence) => "review-audit-outside",
        Some(ReviewReason::RepeatedLocation) => "review-audit-repeated",
        Some(ReviewReason::ImpossibleTravel) => "review-audit-travel",
        Some(ReviewReason::ForgottenClose) | None => "review-ask",
    };
    let args = EndView::of_shift(employee, site, shift).args(deps, lang);
    let text = deps.texts.format(lang, text_id, Some(&args));
    let markup = inline(vec![vec![
        button(
            deps.texts.get(lang, "review-button-approve"),
            OwnerCb::ReviewApprove(shift.id),
        ),
        button(
            deps.texts.get(lang, "review-button-change"),
            OwnerCb::ReviewChange(shift.id),
        ),
    ]]);
    (text, markup)
}

/// "Approve".
pub(super) async fn approve(
    ctx: &Ctx<'_>,
    shift: ShiftId,
    message: Option<MessageId>,
    state: State,
) -> HandlerResult {
    match ctx
        .app()
        .review_shift(&ctx.user, shift, ReviewDecision::Approve)
        .await
    {
        Ok(record) => {
            let args = record_args(ctx, &record);
            done(ctx, message, &ctx.tf("review-approved", args)).await?;
            Ok(state)
        }
        Err(e) => {
            refused(ctx, e, false, Purpose::Review, shift).await?;
            Ok(state)
        }
    }
}

/// "Change time": ask for the right one.
pub(super) async fn ask_review_time(ctx: &Ctx<'_>, shift: ShiftId, state: State) -> HandlerResult {
    // The preview checks the shift still waits for review and gives what to show.
    let preview = match ctx
        .app()
        .preview_review_change(&ctx.user, shift, StatedEnd::Now)
        .await
    {
        Ok(p) => p,
        Err(e) => {
            refused(ctx, e, false, Purpose::Review, shift).await?;
            return Ok(state);
        }
    };
    // What they said, not the preview of "now".
    let args = EndView::of_shift(&preview.employee, &preview.site, &preview.shift)
        .args(ctx.deps, ctx.lang());
    ctx.send_inline(
        &ctx.tf("review-change-ask", args),
        inline(vec![cancel_row(ctx, Dialogue::Review)]),
    )
    .await?;
    Ok(waiting(Purpose::Review, shift))
}

/// "Set this time" confirmed.
pub(super) async fn change_confirmed(
    ctx: &Ctx<'_>,
    shift: ShiftId,
    at: i64,
    message: Option<MessageId>,
) -> HandlerResult {
    let Some(at) = instant(at) else {
        ctx.notice(ctx.t("button-expired"), true);
        return Ok(State::Idle);
    };
    match ctx
        .app()
        .review_shift(
            &ctx.user,
            shift,
            ReviewDecision::ChangeEnd(StatedEnd::At(at)),
        )
        .await
    {
        Ok(record) => {
            let args = record_args(ctx, &record);
            done(ctx, message, &ctx.tf("review-changed", args)).await?;
            Ok(State::Idle)
        }
        Err(e) => refused(ctx, e, false, Purpose::Review, shift).await,
    }
}

/// How many shifts wait for the person's review (0 when they manage nothing).
pub(crate) async fn pending_count(ctx: &Ctx<'_>) -> Result<usize, BotError> {
    Ok(ctx.app().shifts_to_review(&ctx.user).await?.len())
}

/// "To review": each waiting shift as a review request (the oldest first).
pub(super) async fn list(ctx: &Ctx<'_>) -> Result<(), BotError> {
    let pending = ctx.app().shifts_to_review(&ctx.user).await?;
    if pending.is_empty() {
        ctx.send_with_menu(&ctx.t("review-list-empty")).await?;
        return Ok(());
    }
    for p in pending.iter().take(MAX_SHOWN) {
        let (text, markup) = review_request(ctx.deps, ctx.lang(), &p.employee, &p.site, &p.shift);
        ctx.send_inline(&text, markup).await?;
    }
    if pending.len() > MAX_SHOWN {
        ctx.send_with_menu(&ctx.tf("owner-list-cut", args!["n" => MAX_SHOWN]))
            .await?;
    }
    Ok(())
}
