//! Every job StaffProBot writes or schedules has a handler: a kind without one would go
//! straight to the dead letters in production.

use std::sync::Arc;

use app::{EventBus, Policy, SetClock, StaffPro};
use chrono::DateTime;
use jobs::tasks::{self, Context, Schedule, Settings};

#[tokio::test]
async fn every_kind_written_or_scheduled_has_a_handler() {
    let store = Arc::new(crate::embedded_sqlite::sqlite_store().await);
    let clock = Arc::new(SetClock::new(DateTime::UNIX_EPOCH));
    let app = StaffPro::new(
        store.clone(),
        clock,
        Arc::new(EventBus::new()),
        Policy::default(),
    );
    let handlers = tasks::handlers(Context {
        app,
        store: store.clone(),
        bot_state: store,
        notices: None,
        settings: Settings::default(),
    });
    let scheduled: Vec<&str> = Schedule::default()
        .entries()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(scheduled.len() >= 6, "{scheduled:?}");
    let written = [
        app::background::kinds::SHIFT_NEWS,
        app::background::kinds::STATED_END,
        app::background::kinds::SHIFT_AUDIT,
        app::statements::kinds::SEND_STATEMENT,
        app::statements::kinds::SEND_PAYROLL,
        app::broadcasts::SEND_KIND,
        app::reports::REPORT_FILE_KIND,
        tasks::kinds::REMINDER,
        tasks::kinds::NO_SHOW,
    ];
    for kind in scheduled.iter().chain(written.iter()) {
        assert!(handlers.get(kind).is_some(), "no handler for {kind}");
    }
    assert!(handlers.get("no.such.kind").is_none());
}
