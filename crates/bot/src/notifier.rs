//! Tells people about things that happened elsewhere: the owner when an employee opens or closes
//! a shift (if the site wants it), both sides when a forgotten shift was closed automatically.
//! Runs off the use-case's path: sending never delays or fails the change itself.

use crate::args;
use crate::ctx::Deps;
use crate::format::{duration, html, local_time, money};
use app::{DomainEvent, EventSink};
use async_trait::async_trait;
use domain::{Money, ShiftId, SiteId, User};
use std::sync::Arc;

pub struct Notifier {
    deps: Arc<Deps>,
}

impl Notifier {
    pub fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }
}

#[async_trait]
impl EventSink for Notifier {
    async fn publish(&self, event: DomainEvent) {
        let (shift_id, site_id, automatically) = match event {
            DomainEvent::ShiftOpened {
                shift_id, site_id, ..
            } => (shift_id, site_id, None),
            DomainEvent::ShiftClosed {
                shift_id,
                site_id,
                automatically,
                ..
            } => (shift_id, site_id, Some(automatically)),
            _ => return,
        };
        let deps = self.deps.clone();
        tokio::spawn(async move {
            if let Err(e) = notify(&deps, shift_id, site_id, automatically).await {
                tracing::warn!(shift = shift_id.0, error = %e, "could not notify about a shift");
            }
        });
    }
}

async fn notify(
    deps: &Deps,
    shift_id: ShiftId,
    site_id: SiteId,
    closed: Option<bool>,
) -> Result<(), crate::ctx::BotError> {
    // Who is told is the use-case's rule; this only writes the messages.
    let Some(notice) = deps.app.shift_notice(shift_id, site_id, closed).await? else {
        return Ok(());
    };
    let app::workplaces::ShiftNotice {
        shift,
        site,
        employee,
        owner,
        tell_owner,
        tell_employee,
    } = notice;
    let tz = site.settings.time_zone;
    let site_name = html(site.settings.name.as_str());
    let employee_name = html(employee.name.as_str());
    let text_for = |to: &User, id: &str| {
        let lang = to.language;
        let minutes = shift.worked_minutes.unwrap_or(0);
        let pay = Money::new(shift.pay_minor.unwrap_or(0), shift.hourly_rate.currency);
        deps.texts.format(
            lang,
            id,
            Some(&args![
                "employee" => employee_name.as_str(),
                "site" => site_name.as_str(),
                "started" => local_time(&tz, shift.started_at),
                "ended" => shift.ended_at.map(|t| local_time(&tz, t)).unwrap_or_default(),
                "worked" => duration(&deps.texts, lang, minutes),
                "pay" => money(lang, pay),
            ]),
        )
    };
    let (to_owner, to_employee) = match closed {
        None => ("notify-shift-opened", None),
        Some(false) => ("notify-shift-closed", None),
        Some(true) => (
            "notify-auto-closed-owner",
            Some("notify-auto-closed-employee"),
        ),
    };
    let mut messages: Vec<(&User, String)> = Vec::new();
    if let (true, Some(id)) = (tell_employee, to_employee) {
        messages.push((&employee, text_for(&employee, id)));
    }
    if tell_owner {
        messages.push((&owner, text_for(&owner, to_owner)));
    }
    for (to, text) in messages {
        if !to.reachable {
            continue;
        }
        match deps.messenger.send(to.telegram_id, &text, None).await {
            Ok(_) | Err(crate::messenger::SendError::Unreachable) => {}
            Err(e) => tracing::warn!(to = to.telegram_id, error = %e, "notification not sent"),
        }
    }
    Ok(())
}
