//! The new-site dialogue: name → address → location → radius → opening hours → time zone →
//! hourly rate → summary and Create. Each answer is checked as it arrives and the step asked
//! again with the reason; nothing is stored until Create (`StaffPro::create_site`).

use super::fields::{self, Field, Value};
use super::questions;
use super::{OwnerCb, OwnerState, sites};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx, HandlerResult, Input};
use crate::format::html;
use crate::keyboards::{cancel_row, inline};
use crate::state::{Dialogue, State};
use app::AppError;
use domain::SitePatch;
use serde::{Deserialize, Serialize};
use teloxide::types::MessageId;

/// Where the dialogue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// Waiting for the answer to this field.
    Ask(Field),
    /// Everything answered; waiting for Create.
    Confirm,
}

/// The answers so far (each already checked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub step: Step,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    #[serde(default)]
    pub radius_m: Option<i64>,
    #[serde(default)]
    pub opens_at: Option<String>,
    #[serde(default)]
    pub closes_at: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub rate_minor: Option<i64>,
}

impl Default for Draft {
    fn default() -> Self {
        Self {
            step: Step::Ask(Field::Name),
            name: None,
            address: None,
            latitude: None,
            longitude: None,
            radius_m: None,
            opens_at: None,
            closes_at: None,
            time_zone: None,
            rate_minor: None,
        }
    }
}

impl Draft {
    fn set(&mut self, value: Value) {
        match value {
            Value::Name(v) => self.name = Some(v),
            Value::Address(v) => self.address = Some(v),
            Value::Location {
                latitude,
                longitude,
            } => {
                self.latitude = Some(latitude);
                self.longitude = Some(longitude);
            }
            Value::Radius(v) => self.radius_m = Some(v),
            Value::Hours { opens, closes } => {
                self.opens_at = Some(opens);
                self.closes_at = Some(closes);
            }
            Value::Zone(v) => self.time_zone = Some(v),
            Value::Rate(v) => self.rate_minor = Some(v),
        }
    }

    /// The first field not answered yet, or the summary.
    fn next_step(&self) -> Step {
        let missing = |f: &Field| match f {
            Field::Name => self.name.is_none(),
            Field::Address => self.address.is_none(),
            Field::Location => self.latitude.is_none() || self.longitude.is_none(),
            Field::Radius => self.radius_m.is_none(),
            Field::Hours => self.opens_at.is_none() || self.closes_at.is_none(),
            Field::Zone => self.time_zone.is_none(),
            Field::Rate => self.rate_minor.is_none(),
        };
        Field::ALL
            .into_iter()
            .find(missing)
            .map_or(Step::Confirm, Step::Ask)
    }

    pub fn patch(&self) -> SitePatch {
        SitePatch {
            name: self.name.clone(),
            address: self.address.clone(),
            latitude: self.latitude,
            longitude: self.longitude,
            geofence_radius_m: self.radius_m,
            opens_at: self.opens_at.clone(),
            closes_at: self.closes_at.clone(),
            time_zone: self.time_zone.clone(),
            hourly_rate_minor: self.rate_minor,
            currency: None,
        }
    }
}

/// "➕ New site": owners only.
pub async fn start(ctx: &Ctx<'_>) -> HandlerResult {
    if !ctx.user.is_owner {
        ctx.send_with_menu(&ctx.t("site-owners-only")).await?;
        return Ok(State::Idle);
    }
    let draft = Draft::default();
    ask(ctx, &draft, None).await?;
    Ok(State::Owner(OwnerState::NewSite(draft)))
}

pub async fn on_input(ctx: &Ctx<'_>, draft: Draft, input: &Input) -> HandlerResult {
    let field = match draft.step {
        Step::Ask(field) => field,
        Step::Confirm => {
            if matches!(
                input,
                Input::Location {
                    live_update: true,
                    ..
                }
            ) {
                return Ok(State::Owner(OwnerState::NewSite(draft)));
            }
            ask(ctx, &draft, Some(ctx.t("new-site-press-create"))).await?;
            return Ok(State::Owner(OwnerState::NewSite(draft)));
        }
    };
    match fields::parse(field, input, &ctx.deps.texts) {
        Ok(Some(value)) => advance(ctx, draft, value).await,
        Ok(None) => Ok(State::Owner(OwnerState::NewSite(draft))),
        Err(invalid) => {
            ask(ctx, &draft, Some(invalid.text(ctx))).await?;
            Ok(State::Owner(OwnerState::NewSite(draft)))
        }
    }
}

pub async fn on_button(
    ctx: &Ctx<'_>,
    draft: Draft,
    cb: OwnerCb,
    message: Option<MessageId>,
) -> HandlerResult {
    match (draft.step, cb) {
        (Step::Confirm, OwnerCb::Create) => create(ctx, draft, message).await,
        (Step::Ask(field), cb) => match fields::button_value(field, cb) {
            Some(value) => {
                if let Some(m) = message {
                    let echo = questions::answered(ctx, field, &value);
                    super::best_effort(ctx.edit(m, &echo, None).await, "echo an answer");
                }
                advance(ctx, draft, value).await
            }
            None => {
                ctx.notice(ctx.t("button-expired"), true);
                Ok(State::Owner(OwnerState::NewSite(draft)))
            }
        },
        (Step::Confirm, _) => {
            ctx.notice(ctx.t("button-expired"), true);
            Ok(State::Owner(OwnerState::NewSite(draft)))
        }
    }
}

async fn advance(ctx: &Ctx<'_>, mut draft: Draft, value: Value) -> HandlerResult {
    if let Value::Location { .. } = value {
        // Takes the location keyboard away and confirms the point before the next question.
        ctx.send_with_menu(&questions::answered(ctx, Field::Location, &value))
            .await?;
    }
    draft.set(value);
    draft.step = draft.next_step();
    ask(ctx, &draft, None).await?;
    Ok(State::Owner(OwnerState::NewSite(draft)))
}

/// Asks the current step (with the reason the last answer was refused).
async fn ask(ctx: &Ctx<'_>, draft: &Draft, reason: Option<String>) -> Result<(), BotError> {
    match draft.step {
        Step::Ask(field) => {
            let step = Field::ALL.iter().position(|f| *f == field).unwrap_or(0) + 1;
            let header = ctx.tf(
                "new-site-step",
                args!["step" => step, "of" => Field::ALL.len()],
            );
            questions::ask(
                ctx,
                Dialogue::NewSite,
                field,
                &header,
                None,
                draft.longitude,
                reason,
            )
            .await
        }
        Step::Confirm => {
            let settings = match draft.patch().create() {
                Ok(s) => s,
                // Only reachable with a state saved by another version: ask the field again.
                Err(e) => {
                    let field = Field::of_error(&e);
                    let draft = Draft {
                        step: Step::Ask(field),
                        ..draft.clone()
                    };
                    let reason = super::value_error_text(ctx, &e);
                    return Box::pin(ask(ctx, &draft, Some(reason))).await;
                }
            };
            let mut text = String::new();
            if let Some(r) = reason {
                text.push_str(&r);
                text.push_str("\n\n");
            }
            text.push_str(&ctx.tf(
                "new-site-summary",
                args!["card" => questions::settings_text(ctx, &settings)],
            ));
            let rows = vec![
                vec![button(ctx.t("site-button-create"), OwnerCb::Create)],
                cancel_row(ctx, Dialogue::NewSite),
            ];
            ctx.send_inline(&text, inline(rows)).await?;
            Ok(())
        }
    }
}

async fn create(ctx: &Ctx<'_>, draft: Draft, message: Option<MessageId>) -> HandlerResult {
    match ctx.app().create_site(&ctx.user, draft.patch()).await {
        Ok(site) => {
            // The site is stored: whatever happens to the messages, the dialogue is over, so a
            // second tap cannot create it twice.
            super::best_effort(announce(ctx, &site, message).await, "announce a new site");
            Ok(State::Idle)
        }
        Err(AppError::Invalid(e)) => {
            let field = Field::of_error(&e);
            let draft = Draft {
                step: Step::Ask(field),
                ..draft
            };
            ask(ctx, &draft, Some(super::value_error_text(ctx, &e))).await?;
            Ok(State::Owner(OwnerState::NewSite(draft)))
        }
        Err(AppError::NotOwner(_)) => {
            ctx.send_with_menu(&ctx.t("site-owners-only")).await?;
            Ok(State::Idle)
        }
        Err(e) => Err(e.into()),
    }
}

async fn announce(
    ctx: &Ctx<'_>,
    site: &domain::Site,
    message: Option<MessageId>,
) -> Result<(), BotError> {
    let name = html(site.settings.name.as_str());
    if let Some(m) = message {
        let done = ctx.tf("new-site-done", args!["name" => name.as_str()]);
        super::best_effort(ctx.edit(m, &done, None).await, "mark the summary done");
    }
    // The menu may just have gained the owner's buttons.
    ctx.send_with_menu(&ctx.tf("new-site-created", args!["name" => name]))
        .await?;
    sites::send_card(ctx, site).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_follow_the_answers() {
        let mut d = Draft::default();
        assert_eq!(d.step, Step::Ask(Field::Name));
        let answers = [
            Value::Name("Кофейня".into()),
            Value::Address(String::new()),
            Value::Location {
                latitude: 43.1155,
                longitude: 131.8855,
            },
            Value::Radius(200),
            Value::Hours {
                opens: "20:00".into(),
                closes: "06:00".into(),
            },
            Value::Zone("Asia/Vladivostok".into()),
        ];
        for (i, v) in answers.into_iter().enumerate() {
            d.set(v);
            assert_eq!(d.next_step(), Step::Ask(Field::ALL[i + 1]));
        }
        d.set(Value::Rate(35_050));
        assert_eq!(d.next_step(), Step::Confirm);
        let s = d.patch().create().unwrap();
        assert!(s.hours.is_overnight());
        assert_eq!(s.time_zone.name(), "Asia/Vladivostok");
        assert_eq!(s.hourly_rate.minor, 35_050);
        assert_eq!(s.radius.metres(), 200);
    }
}
