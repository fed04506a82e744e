//! Employee flows: open and close a shift by location, status, planning shifts and the list of
//! plans, earnings, joining a site. Handlers parse what the person sent, call the use-cases and
//! render the answer; the rules live in `app` and `domain`.

mod buttons;
mod earnings;
mod forgot;
mod plan;
mod plan_steps;
mod plans;
mod shift;
mod status;

pub use buttons::{EarningsChoice, EmployeeCb};
pub(crate) use forgot::out_of_range;
pub(crate) use plan_steps::read_time;
pub use shift::{join, on_idle_location};

use crate::common;
use crate::ctx::{BotError, Ctx, HandlerResult, Input, MenuAction};
use crate::messenger::SendError;
use crate::state::{Dialogue, State};
use app::reports::ReportScope;
use chrono::{NaiveDate, NaiveTime};
use domain::SiteId;
use serde::{Deserialize, Serialize};
use teloxide::types::{InlineKeyboardMarkup, MessageId};

/// Where an employee dialogue stands. Saved as JSON between updates (and across restarts), so
/// variants and field names are part of the stored format: add, don't rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EmployeeState {
    /// Waiting for the site to open a shift at (buttons; a location picks the nearest).
    OpenPickSite,
    /// Waiting for the location that opens a shift at this site.
    OpenAwaitLocation { site: SiteId },
    /// Waiting for the location that closes the active shift.
    CloseAwaitLocation,
    /// Waiting for the site of a new plan (buttons).
    PlanSite,
    /// Waiting for a day in the calendar (or a typed date).
    PlanDate { site: SiteId },
    /// Waiting for the start time (button or typed HH:MM).
    PlanStart { site: SiteId, date: NaiveDate },
    /// Waiting for the end time (button or typed HH:MM).
    PlanEnd {
        site: SiteId,
        date: NaiveDate,
        start: NaiveTime,
    },
    /// The summary is shown; waiting for Confirm or Cancel.
    PlanConfirm {
        site: SiteId,
        date: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
    },
    /// Waiting for a typed period of dates for the earnings.
    EarningsPeriod,
    /// "I forgot to close the shift": waiting for the time they left (typed, or "now").
    ForgotTime,
}

impl EmployeeState {
    pub fn dialogue(&self) -> Dialogue {
        match self {
            EmployeeState::OpenPickSite | EmployeeState::OpenAwaitLocation { .. } => {
                Dialogue::OpenShift
            }
            EmployeeState::CloseAwaitLocation => Dialogue::CloseShift,
            EmployeeState::EarningsPeriod => Dialogue::Earnings,
            EmployeeState::ForgotTime => Dialogue::ForgotClose,
            EmployeeState::PlanSite
            | EmployeeState::PlanDate { .. }
            | EmployeeState::PlanStart { .. }
            | EmployeeState::PlanEnd { .. }
            | EmployeeState::PlanConfirm { .. } => Dialogue::Plan,
        }
    }

    fn is_plan(&self) -> bool {
        matches!(
            self,
            EmployeeState::PlanSite
                | EmployeeState::PlanDate { .. }
                | EmployeeState::PlanStart { .. }
                | EmployeeState::PlanEnd { .. }
                | EmployeeState::PlanConfirm { .. }
        )
    }
}

pub async fn on_menu(ctx: &Ctx<'_>, action: MenuAction) -> HandlerResult {
    match action {
        MenuAction::OpenShift => shift::start_open(ctx, None).await,
        MenuAction::CloseShift => shift::start_close(ctx).await,
        MenuAction::Status => status::show(ctx).await,
        MenuAction::Plan => plan::start(ctx).await,
        MenuAction::MyPlans => plans::show(ctx).await,
        MenuAction::Earnings => earnings::start(ctx).await,
        _ => common::unknown(ctx).await,
    }
}

pub async fn on_callback(
    ctx: &Ctx<'_>,
    cb: EmployeeCb,
    state: State,
    message: Option<MessageId>,
) -> HandlerResult {
    match cb {
        EmployeeCb::OpenAt { site } => shift::on_open_at(ctx, site, state, message).await,
        EmployeeCb::PlanAt { .. }
        | EmployeeCb::PlanMonth { .. }
        | EmployeeCb::PlanDay { .. }
        | EmployeeCb::PlanStart { .. }
        | EmployeeCb::PlanEnd { .. }
        | EmployeeCb::PlanConfirm { .. } => plan::on_callback(ctx, cb, state, message).await,
        EmployeeCb::CancelPlan { plan } => plans::cancel(ctx, plan, state, message).await,
        EmployeeCb::Earnings(choice) => earnings::on_choice(ctx, choice, state, message).await,
        EmployeeCb::Forgot => forgot::start(ctx).await,
        EmployeeCb::ForgotNow => forgot::now(ctx).await,
        EmployeeCb::Late { plan } => crate::notices::late(ctx, plan).await,
        EmployeeCb::OwnFile { from, to, format } => {
            crate::report_files::on_request(ctx, ReportScope::Own, from, to, format)
                .await
                .map(|()| state)
        }
    }
}

pub async fn on_input(ctx: &Ctx<'_>, state: EmployeeState, input: &Input) -> HandlerResult {
    match (&state, input) {
        (
            EmployeeState::OpenPickSite
            | EmployeeState::OpenAwaitLocation { .. }
            | EmployeeState::CloseAwaitLocation,
            _,
        ) => shift::on_input(ctx, state, input).await,
        // A live location keeps updating: nothing new is asked.
        (
            _,
            Input::Location {
                live_update: true, ..
            },
        ) => Ok(State::Employee(state)),
        // A location means a shift to open or close: that wins over a planning or earnings
        // question, which is cheap to ask again (the person is told it was cancelled).
        (
            _,
            Input::Location {
                fix,
                live_update: false,
            },
        ) => {
            common::leave(ctx, &State::Employee(state)).await?;
            on_idle_location(ctx, *fix).await
        }
        (EmployeeState::EarningsPeriod, _) => earnings::on_input(ctx, input).await,
        (EmployeeState::ForgotTime, _) => forgot::on_input(ctx, input).await,
        (_, _) => plan::on_input(ctx, state, input).await,
    }
}

/// The state after a step of one dialogue: a finished plan dialogue leaves the plan state, any
/// other dialogue the person is in stays as it was.
fn leave_if(state: State, pred: impl Fn(&EmployeeState) -> bool) -> State {
    match state {
        State::Employee(s) if pred(&s) => State::Idle,
        other => other,
    }
}

/// Shows a step of a dialogue: edits the message whose button was tapped, or sends a new one
/// (typed input, a message Telegram no longer lets us edit, or an inaccessible one).
async fn show(
    ctx: &Ctx<'_>,
    message: Option<MessageId>,
    text: &str,
    markup: Option<InlineKeyboardMarkup>,
) -> Result<(), BotError> {
    if let Some(m) = message {
        match ctx.edit(m, text, markup.clone()).await {
            Ok(()) => return Ok(()),
            Err(BotError::Send(SendError::Telegram(e))) => {
                tracing::info!(chat = ctx.chat, error = %e, "could not edit; sending anew");
            }
            Err(e) => return Err(e),
        }
    }
    match markup {
        Some(m) => ctx.send_inline(text, m).await?,
        None => ctx.send_with_menu(text).await?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Every state survives the trip through the database (JSON), as across a restart.
    #[test]
    fn states_round_trip_through_json() {
        let (date, start, end) = (
            d("2026-12-01"),
            NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(6, 0, 0).unwrap(),
        );
        let site = SiteId(7);
        for s in [
            EmployeeState::OpenPickSite,
            EmployeeState::OpenAwaitLocation { site },
            EmployeeState::CloseAwaitLocation,
            EmployeeState::PlanSite,
            EmployeeState::PlanDate { site },
            EmployeeState::PlanStart { site, date },
            EmployeeState::PlanEnd { site, date, start },
            EmployeeState::PlanConfirm {
                site,
                date,
                start,
                end,
            },
            EmployeeState::EarningsPeriod,
            EmployeeState::ForgotTime,
        ] {
            let state = State::Employee(s);
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(
                serde_json::from_str::<State>(&json).unwrap(),
                state,
                "{json}"
            );
        }
    }

    /// States saved before the site id became typed still load.
    #[test]
    fn earlier_saved_states_still_load() {
        let saved = r#"{"area":"Employee","state":{"OpenAwaitLocation":{"site":5}}}"#;
        assert_eq!(
            serde_json::from_str::<State>(saved).unwrap(),
            State::Employee(EmployeeState::OpenAwaitLocation { site: SiteId(5) })
        );
    }
}
