//! Conformance cases for money: each shift keeps the currency it was opened in, and every total
//! (the store's, the report's, an employee's earnings) is kept apart per currency.

use super::*;

/// 350.00 RUB per hour (the `World` site's rate) and, after the switch, 1 500 JPY per hour.
fn rub(minor: i64) -> Money {
    Money::new(minor, Currency::RUB)
}

fn jpy(minor: i64) -> Money {
    Money::new(minor, Currency::parse("JPY").unwrap())
}

/// A site switched from RUB to JPY while a shift was running: that shift and earlier ones stay
/// in RUB, later ones are in JPY, and the two are never added together.
pub async fn pay_is_totalled_in_the_currency_it_was_earned_in(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let first = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(first.hourly_rate, rub(35_000));

    // The owner switches the site to yen while the shift runs.
    w.set(local(MSK, "2026-12-01 12:00"));
    let switched = w
        .app
        .update_site(
            &w.owner,
            w.site.id,
            SitePatch {
                hourly_rate_minor: Some(1_500),
                currency: Some("JPY".into()),
                ..SitePatch::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(switched.settings.hourly_rate, jpy(1_500));

    // The running shift is paid as it was opened: 8 h at 350.00 RUB.
    w.set(local(MSK, "2026-12-01 18:00"));
    let first = w.app.close_shift(&w.employee, w.near()).await.unwrap();
    assert_eq!(first.hourly_rate, rub(35_000));
    assert_eq!(first.pay_minor, Some(280_000));

    // A shift opened after the switch: 4 h at 1 500 JPY.
    w.set(local(MSK, "2026-12-02 10:00"));
    let second = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(second.hourly_rate, jpy(1_500));
    w.set(local(MSK, "2026-12-02 14:00"));
    let second = w.app.close_shift(&w.employee, w.near()).await.unwrap();
    assert_eq!(second.pay_minor, Some(6_000));

    // The store: one row per currency, by currency code.
    let range = SiteRange {
        site_id: w.site.id,
        from: utc("2026-11-30 00:00"),
        to: utc("2026-12-03 00:00"),
    };
    let row = |currency: Money, minutes: i64| ShiftTotals {
        site_id: w.site.id,
        employee_id: w.employee.id,
        currency: currency.currency,
        shifts: 1,
        worked_minutes: minutes,
        pay_minor: currency.minor,
    };
    let expected = vec![row(jpy(6_000), 240), row(rub(280_000), 480)];
    assert_eq!(
        w.store.shift_totals(&[range], None).await.unwrap(),
        expected
    );
    assert_eq!(
        w.store
            .shift_totals(&[range], Some(w.employee.id))
            .await
            .unwrap(),
        expected
    );

    // The report: per site, per employee and overall, two amounts.
    let s = w
        .app
        .summary(&w.owner, date("2026-12-01"), date("2026-12-31"), None)
        .await
        .unwrap();
    let both = vec![jpy(6_000), rub(280_000)];
    assert_eq!(s.sites.len(), 1);
    assert_eq!(
        (s.sites[0].shifts, s.sites[0].worked_minutes),
        (2, 720),
        "{s:?}"
    );
    assert_eq!(s.sites[0].pay, both);
    assert_eq!(s.employees.len(), 1);
    assert_eq!(s.employees[0].pay, both);
    assert_eq!((s.shifts, s.worked_minutes), (2, 720));
    assert_eq!(s.pay, both);
    // A period with only the yen shift has only yen.
    let s = w
        .app
        .summary(&w.owner, date("2026-12-02"), date("2026-12-02"), None)
        .await
        .unwrap();
    assert_eq!(s.pay, vec![jpy(6_000)]);
    assert_eq!(s.sites[0].pay, vec![jpy(6_000)]);

    // The employee's earnings this month.
    let e = w
        .app
        .earnings(&w.employee, Period::ThisMonth)
        .await
        .unwrap();
    assert_eq!(e.per_site.len(), 1);
    assert_eq!(e.per_site[0].pay, both);
    assert_eq!((e.shifts, e.worked_minutes), (2, 720));
    assert_eq!(e.totals, both);
}
