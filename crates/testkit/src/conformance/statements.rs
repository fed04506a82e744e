//! Conformance cases of `app::statements::StatementStore`: every version stored once (a second
//! store of the same version is skipped, with no second job), never edited, the latest version
//! per employee, one version by its key, and the sending jobs written with the statements.

use super::background::WholeStore;
use super::*;
use app::statements::jobs_after_storing;
use domain::statement::{PayPeriod, PayStatement, StatementLine};

fn line(currency: Currency, shifts: i64, minor: i64) -> StatementLine {
    StatementLine {
        currency,
        shifts,
        worked_minutes: shifts * 480,
        pay_minor: minor,
    }
}

fn stated(
    site: SiteId,
    employee: UserId,
    period: PayPeriod,
    version: u32,
    lines: Vec<StatementLine>,
) -> PayStatement {
    PayStatement {
        site_id: site,
        employee_id: employee,
        period,
        version,
        lines,
        created_at: utc("2026-12-01 00:30") + Duration::microseconds(i64::from(version) * 7),
    }
}

pub async fn statements_are_stored_once_per_version_and_never_edited(store: Arc<dyn WholeStore>) {
    let plain: Arc<dyn Store> = store.clone();
    let b = base(&plain).await;
    let now = utc("2026-12-01 00:30");
    let sites: Vec<SiteId> = store
        .every_site()
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(sites, [b.s1.id, b.s2.id, b.s3.id]);

    let nov = PayPeriod::month_of(date("2026-11-15"));
    let oct = nov.previous();
    let rub = Currency::RUB;
    let usd = Currency::parse("USD").unwrap();
    let first = vec![
        stated(b.s1.id, b.e1.id, nov, 1, vec![line(rub, 3, 840_000)]),
        stated(b.s1.id, b.e2.id, nov, 1, vec![line(rub, 1, 280_000)]),
        stated(b.s2.id, b.e1.id, nov, 1, vec![line(rub, 2, 560_000)]),
    ];
    let stored = store.add_statements(&first, now).await.unwrap();
    assert_eq!(stored, first);
    let jobs = jobs_after_storing(&stored);
    assert_eq!(
        jobs.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        [
            format!("statement:{}:{}:2026-11:v1", b.s1.id.0, b.e1.id.0),
            format!("statement:{}:{}:2026-11:v1", b.s1.id.0, b.e2.id.0),
            format!("statement:{}:{}:2026-11:v1", b.s2.id.0, b.e1.id.0),
            format!("payroll:{}:2026-11:{}:v1", b.s1.id.0, b.e1.id.0),
            format!("payroll:{}:2026-11:{}:v1", b.s2.id.0, b.e1.id.0),
        ]
    );
    let entries = store
        .claim_outbox(100, now, now + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        entries.iter().map(|e| e.job.clone()).collect::<Vec<_>>(),
        jobs,
        "the sending jobs are written with the statements"
    );
    assert!(entries.iter().all(|e| e.created_at == now));

    // The same versions again (a second scan, a race): nothing stored, no second job.
    assert!(store.add_statements(&first, now).await.unwrap().is_empty());
    assert!(store.add_statements(&[], now).await.unwrap().is_empty());
    assert_eq!(store.outbox_len().await.unwrap(), 5);

    // A correction is a new version beside the old one; the old is never edited.
    let corrected = stated(
        b.s1.id,
        b.e1.id,
        nov,
        2,
        vec![line(rub, 3, 900_000), line(usd, 1, 12_000)],
    );
    let again = store
        .add_statements(&[first[0].clone(), corrected.clone()], now)
        .await
        .unwrap();
    assert_eq!(again, std::slice::from_ref(&corrected));
    assert_eq!(
        store.outbox_len().await.unwrap(),
        7,
        "a correction is sent, and the owner's payroll again"
    );
    let corrections = jobs_after_storing(&again);
    assert_eq!(
        corrections
            .last()
            .map(|j| (j.id.clone(), j.payload["correction"].clone())),
        Some((
            format!("payroll:{}:2026-11:{}:v2", b.s1.id.0, b.e1.id.0),
            serde_json::json!(true)
        ))
    );
    assert_eq!(
        store
            .statement(b.s1.id, b.e1.id, nov.from, 1)
            .await
            .unwrap(),
        Some(first[0].clone())
    );
    assert_eq!(
        store
            .statement(b.s1.id, b.e1.id, nov.from, 2)
            .await
            .unwrap(),
        Some(corrected.clone())
    );
    assert_eq!(
        store
            .statement(b.s1.id, b.e1.id, nov.from, 3)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.latest_statements(b.s1.id, nov.from).await.unwrap(),
        [corrected, first[1].clone()]
    );
    assert_eq!(
        store.latest_statements(b.s2.id, nov.from).await.unwrap(),
        [first[2].clone()]
    );
    assert!(
        store
            .latest_statements(b.s1.id, oct.from)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .latest_statements(b.s3.id, nov.from)
            .await
            .unwrap()
            .is_empty()
    );
}
