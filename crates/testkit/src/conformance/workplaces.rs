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

    // Who is told about the shift: the owner of a site that wants it; nobody of their own shift;
    // an automatic close to both, whatever the site's setting.
    let notice = w
        .app
        .open_close_notice(shift.id, w.site.id, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(notice.shift, shift);
    assert_eq!(
        (notice.site.id, notice.employee.id, notice.owner.id),
        (w.site.id, w.employee.id, w.owner.id)
    );
    assert_eq!((notice.tell_owner, notice.tell_employee), (true, false));
    let told =
        |n: Option<app::workplaces::OpenCloseNotice>| n.map(|n| (n.tell_owner, n.tell_employee));
    assert_eq!(
        told(
            w.app
                .open_close_notice(shift.id, w.site.id, Some(true))
                .await
                .unwrap()
        ),
        Some((true, true))
    );
    assert_eq!(
        w.app
            .open_close_notice(ShiftId(999_999), w.site.id, None)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        w.app
            .open_close_notice(shift.id, other.id, None)
            .await
            .unwrap(),
        None,
        "the shift is not at that site"
    );
    w.app
        .update_site(&w.owner, w.site.id, SitePatch::default(), None, Some(false))
        .await
        .unwrap();
    assert_eq!(
        told(
            w.app
                .open_close_notice(shift.id, w.site.id, Some(false))
                .await
                .unwrap()
        ),
        None
    );
    assert_eq!(
        told(
            w.app
                .open_close_notice(shift.id, w.site.id, Some(true))
                .await
                .unwrap()
        ),
        Some((true, true))
    );
    // The owner working a shift of their own at their site hears of it only when it is closed
    // for them.
    w.app
        .update_site(&w.owner, w.site.id, SitePatch::default(), None, Some(true))
        .await
        .unwrap();
    w.app
        .add_employee(&w.owner, w.site.id, w.owner.telegram_id, None)
        .await
        .unwrap();
    let own = w
        .app
        .open_shift(&w.owner, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(
        told(
            w.app
                .open_close_notice(own.id, w.site.id, None)
                .await
                .unwrap()
        ),
        None
    );
    assert_eq!(
        told(
            w.app
                .open_close_notice(own.id, w.site.id, Some(true))
                .await
                .unwrap()
        ),
        Some((false, true))
    );

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
