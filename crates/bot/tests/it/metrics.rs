//! The bot's metric families appear with the catalog's names and labels after the matching
//! update through the fake Telegram: a command (known, and one nobody knows), a button tap, a
//! location, a flow that fails; and every request to the Bot API counted by method and
//! outcome, with a 429 from the fake counted as such and its retry.
//!
//! Values are compared before and after each action: the recorder is the test process's own
//! (nextest runs each test in a process of its own).

use crate::support::{Backend, Harness};
use bot::measures::{
    BOT_COMMANDS, BOT_HANDLER_DURATION, BOT_HANDLER_ERRORS, BOT_UPDATES, TELEGRAM_REQUESTS,
    TELEGRAM_RETRIES, TELEGRAM_RETRY_AFTER,
};
use testkit::metrics::{Scrape, recorder, scrape};
use testkit::telegram::{FakeUser, Fault};

fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape.value(name, labels).unwrap_or(0.0)
}

/// How much each series grew between two scrapes.
struct Growth {
    before: Scrape,
    after: Scrape,
}

impl Growth {
    fn of(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        value(&self.after, name, labels) - value(&self.before, name, labels)
    }

    fn updates(&self, kind: &str) -> f64 {
        self.of(BOT_UPDATES, &[("kind", kind)])
    }

    fn requests(&self, method: &str, outcome: &str) -> f64 {
        self.of(
            TELEGRAM_REQUESTS,
            &[("method", method), ("outcome", outcome)],
        )
    }

    fn handled(&self, kind: &str) -> f64 {
        self.of(&format!("{BOT_HANDLER_DURATION}_count"), &[("kind", kind)])
    }
}

async fn growth<F: std::future::Future>(action: F) -> Growth {
    let before = scrape();
    action.await;
    Growth {
        before,
        after: scrape(),
    }
}

#[tokio::test]
async fn updates_commands_and_telegram_requests_are_counted() {
    recorder();
    let h = Harness::start(Backend::Sqlite).await;
    // Start-up: the token checked, the command lists set (the first poll is still held open).
    let started = scrape();
    assert!(
        value(
            &started,
            TELEGRAM_REQUESTS,
            &[("method", "getMe"), ("outcome", "ok")]
        ) >= 1.0
    );
    assert!(
        value(
            &started,
            TELEGRAM_REQUESTS,
            &[("method", "setMyCommands"), ("outcome", "ok")]
        ) >= 2.0
    );

    let owner = h.owner(&FakeUser::ru(9600), "Анна").await;
    let site = h.site(&owner, "Кофейня").await;
    let ivan = FakeUser::ru(9601);
    let ivan_user = h.employee(&ivan, "Иван", &owner, &site).await;

    // A command.
    let g = growth(h.command(&ivan, "start", None)).await;
    assert_eq!(g.updates("command"), 1.0);
    assert_eq!(g.of(BOT_COMMANDS, &[("command", "start")]), 1.0);
    assert_eq!(g.handled("command"), 1.0);
    assert_eq!(g.of(BOT_HANDLER_ERRORS, &[("kind", "command")]), 0.0);
    assert_eq!(g.requests("sendMessage", "ok"), 1.0);

    // A command the bot does not have: labelled "other", never by what was typed.
    let g = growth(h.command(&ivan, "drop_everything", None)).await;
    assert_eq!(g.of(BOT_COMMANDS, &[("command", "other")]), 1.0);
    assert_eq!(g.of(BOT_COMMANDS, &[("command", "drop_everything")]), 0.0);

    // A location: the shift opens.
    let g = growth(h.location(&ivan, 10.0, 10.0)).await;
    assert_eq!(g.updates("location"), 1.0);
    assert_eq!(g.handled("location"), 1.0);
    assert!(g.requests("sendMessage", "ok") >= 1.0);
    // The owner's notice about the opening goes out in the background: let it finish before
    // counting the sends of the steps below.
    let shift = h.store.active_shift(ivan_user.id).await.unwrap().unwrap();
    h.job_done(&format!("shift:{}:opened", shift.id.0)).await;

    // A tap on a button that no longer means anything: answered with a notice.
    let message = h.tg.last_message(ivan.id).unwrap();
    let g = growth(async {
        let id = h.tg.send_callback(&ivan, message.message_id, "v0:stale");
        h.processed(id).await;
    })
    .await;
    assert_eq!(g.updates("callback"), 1.0);
    assert_eq!(g.handled("callback"), 1.0);
    assert_eq!(g.requests("answerCallbackQuery", "ok"), 1.0);

    // Plain text.
    let g = growth(h.text(&ivan, "привет")).await;
    assert_eq!(g.updates("message"), 1.0);

    // Telegram says slow down once: counted as a 429, and the send retried, then delivered.
    h.tg.fail_next_in_chat("sendMessage", ivan.id, Fault::RetryAfter(1));
    let g = growth(h.command(&ivan, "help", None)).await;
    assert_eq!(g.requests("sendMessage", "retry_after"), 1.0);
    assert_eq!(g.requests("sendMessage", "ok"), 1.0);
    assert_eq!(g.of(TELEGRAM_RETRY_AFTER, &[]), 1.0);
    assert_eq!(g.of(TELEGRAM_RETRIES, &[]), 1.0);
    assert_eq!(g.of(BOT_HANDLER_ERRORS, &[("kind", "command")]), 0.0);

    // A flow whose answer Telegram refuses: a handler error, and the request an "error".
    h.tg.fail_next_in_chat(
        "sendMessage",
        ivan.id,
        Fault::BadRequest("Bad Request: message is too long".into()),
    );
    let g = growth(h.command(&ivan, "help", None)).await;
    assert_eq!(g.of(BOT_HANDLER_ERRORS, &[("kind", "command")]), 1.0);
    assert_eq!(g.requests("sendMessage", "error"), 1.0);

    // A person who blocked the bot.
    h.tg.block_bot(ivan.id);
    let g = growth(h.command(&ivan, "menu", None)).await;
    // (The failed flow's apology is refused too.)
    assert!(g.requests("sendMessage", "blocked") >= 1.0);
    assert_eq!(g.requests("sendMessage", "ok"), 0.0);
    h.tg.unblock_bot(ivan.id);

    let last = scrape();
    // Each update came with a poll that returned.
    assert!(
        value(
            &last,
            TELEGRAM_REQUESTS,
            &[("method", "getUpdates"), ("outcome", "ok")]
        ) >= 1.0
    );
    for (family, kind, labels) in [
        (BOT_UPDATES, "counter", vec!["kind"]),
        (BOT_COMMANDS, "counter", vec!["command"]),
        (BOT_HANDLER_ERRORS, "counter", vec!["kind"]),
        (TELEGRAM_REQUESTS, "counter", vec!["method", "outcome"]),
        (TELEGRAM_RETRY_AFTER, "counter", vec![]),
        (TELEGRAM_RETRIES, "counter", vec![]),
    ] {
        assert_eq!(last.kind(family), Some(kind), "{family}: {}", last.text);
        assert_eq!(last.label_names(family), [labels], "{family}");
    }
    assert_eq!(last.kind(BOT_HANDLER_DURATION), Some("histogram"));
    let kinds: std::collections::BTreeSet<&str> = last
        .matching(BOT_UPDATES, &[])
        .filter_map(|s| s.labels.get("kind").map(String::as_str))
        .collect();
    assert!(
        kinds.is_subset(&["message", "command", "callback", "location", "other"].into()),
        "{kinds:?}"
    );
    h.shutdown().await;
}
