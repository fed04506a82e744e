//! Conformance cases of what an employee may see of their sites through `app::StaffPro`: every
//! site they have access to, the running shift with its site, where they may plan, the site of
//! a plan, who a shift concerns, and marking a person unreachable.

// A test suite: a failed expectation is meant to panic with the value that broke it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{MSK, World, local, site_patch};
use app::status::RunningShift;
use app::{AppError, PlanShiftError, Store};
use chrono::Duration;
use domain::{Language, ShiftId, Site, SiteId, SitePatch};
use std::sync::Arc;

pub async fn employee_views_through_staffpro(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let ids = |sites: Vec<Site>| sites.into_iter().map(|s| s.id).collect::<Vec<_>>();

    // Every site with access, a deactivated one too.
    let other = w
        .app
        .create_site(&w.owner, site_patch("Склад №2", MSK, "09:00", "21:00"))
        .await
        .unwrap();
    w.app
        .add_employee(&w.owner, other.id, w.employee.telegram_id, None)
        .await
        .unwrap();
    w.app
        .update_site(&w.owner, other.id, SitePatch::default(), Some(false), None)
        .await
        .unwrap();
    assert_eq!(
        ids(w.app.employee_sites(&w.employee).await.unwrap()),
        vec![w.site.id, other.id]
    );
    let stranger = w
        .app
        .register_user(3001, "Чужой", Language::Ru)
        .await
        .unwrap();
    assert!(w.app.employee_sites(&stranger).await.unwrap().is_empty());

    // Where the employee may plan: an active site with access; nothing about others' sites.
    assert_eq!(
        w.app.plannable_site(&w.employee, w.site.id).await.unwrap(),
        w.site
    );
    assert!(matches!(
        w.app.plannable_site(&w.employee, other.id).await,
        Err(PlanShiftError::SiteInactive)
    ));
    assert!(matches!(
        w.app.plannable_site(&stranger, w.site.id).await,
        Err(PlanShiftError::SiteNotFound)
    ));
    assert!(matches!(
        w.app.plannable_site(&w.employee, SiteId(999_999)).await,
        Err(PlanShiftError::SiteNotFound)
    ));

    // The running shift with its site, settled to whole minutes now.
    assert_eq!(w.app.running_shift(&w.employee).await.unwrap(), None);
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    w.set(local(MSK, "2026-12-01 11:30") + Duration::seconds(40));
    assert_eq!(
        w.app.running_shift(&w.employee).await.unwrap(),
        Some(RunningShift {
            shift: shift.clone(),
            site: w.site.clone(),
            worked_minutes: 90,
            earned_minor: 52_500,
        })
    );

    // Who the shift concerns.
    let parties = w.app.shift_parties(shift.id).await.unwrap().unwrap();
    assert_eq!(parties.shift, shift);
    assert_eq!(
        (parties.site.id, parties.employee.id, parties.owner.id),
        (w.site.id, w.employee.id, w.owner.id)
    );
    assert_eq!(w.app.shift_parties(ShiftId(999_999)).await.unwrap(), None);

    // The site of a plan: for its employee and the site's owner, not for anyone else.
    let plan = w
        .app
        .plan_shift(&w.employee, w.plan("2026-12-02", (10, 0), (14, 0)))
        .await
        .unwrap();
    assert_eq!(
        w.app.site_of_plan(&w.employee, &plan).await.unwrap().id,
        w.site.id
    );
    assert_eq!(
        w.app.site_of_plan(&w.owner, &plan).await.unwrap().id,
        w.site.id
    );
    assert!(matches!(
        w.app.site_of_plan(&stranger, &plan).await,
        Err(AppError::NotFound("site"))
    ));

    // Marking a person who blocked the bot: once, and nobody for an unknown id.
    assert!(
        w.app
            .mark_unreachable(w.employee.telegram_id)
            .await
            .unwrap()
    );
    assert!(
        !w.app
            .mark_unreachable(w.employee.telegram_id)
            .await
            .unwrap()
    );
    assert!(!w.app.mark_unreachable(424_242).await.unwrap());
    assert!(
        !w.store
            .user(w.employee.id)
            .await
            .unwrap()
            .unwrap()
            .reachable
    );
}
