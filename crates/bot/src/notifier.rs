//! Tells people about things that happened elsewhere: the owner when an employee opens or closes
//! a shift (if the site wants it), both sides when a forgotten shift was closed automatically, and
//! about stated ends (`stated`: a shift closed for its employee, a reported forgotten close and
//! its review).
//! Runs off the use-case's path: sending never delays or fails the change itself.

use crate::args;
use crate::ctx::Deps;
use crate::format::{duration_short, html, local_time, money};
use app::{DomainEvent, EventSink};
use async_trait::async_trait;
use domain::{Money, ShiftId, SiteId, User};
use std::sync::Arc;

mod stated;

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
        if let DomainEvent::ShiftEndStated {
            shift_id,
            change,
            by,
            ..
        } = event
        {
            let deps = self.deps.clone();
            tokio::spawn(async move {
                if let Err(e) = stated::notify(&deps, shift_id, change, by).await {
                    tracing::warn!(shift = shift_id.0, error = %e, "could not tell about a stated end");
                }
            });
            return;
        }
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
    let store = deps.app.store();
    let Some(site) = store.site(site_id).await? else {
        return Ok(());
    };
    // Most sites leave owner notifications on, but when they are off a manual open or close
    // needs nothing more: skip the lookups.
    if closed != Some(true) && !site.notify_owner {
        return Ok(());
    }
    let Some(shift) = store.shift(shift_id).await? else {
        return Ok(());
    };
    let Some(employee) = store.user(shift.employee_id).await? else {
        return Ok(());
    };
    let Some(owner) = store.user(site.owner_id).await? else {
        return Ok(());
    };
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
                "worked" => duration_short(&deps.texts, lang, minutes),
                "pay" => money(lang, pay),
            ]),
        )
    };
    let mut messages: Vec<(&User, String)> = Vec::new();
    match closed {
        None if site.notify_owner && owner.id != employee.id => {
            messages.push((&owner, text_for(&owner, "notify-shift-opened")));
        }
        Some(false) if site.notify_owner && owner.id != employee.id => {
            messages.push((&owner, text_for(&owner, "notify-shift-closed")));
        }
        Some(true) => {
            messages.push((
                &employee,
                text_for(&employee, "notify-auto-closed-employee"),
            ));
            if owner.id != employee.id {
                messages.push((&owner, text_for(&owner, "notify-auto-closed-owner")));
            }
        }
        _ => {}
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
