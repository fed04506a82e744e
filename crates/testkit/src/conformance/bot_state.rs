//! Conformance cases of the bot state port (`app::BotStateStore`): dialogue states and update
//! claims (at-least-once handling with a lease, see `app::UPDATE_CLAIM_LEASE`).

// A test suite: a failed expectation is meant to panic with the value that broke it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::utc;
use app::{BotStateStore, UPDATE_CLAIM_LEASE};
use chrono::Duration;
use std::sync::Arc;

pub async fn dialogues_save_load_delete(store: Arc<dyn BotStateStore>) {
    assert_eq!(store.load_dialogue(42).await.unwrap(), None);
    let state = r#"{"PlanDate":{"site_id":7,"note":"«Склад» \"№1\"\n\t😀"}}"#;
    store.save_dialogue(42, state).await.unwrap();
    assert_eq!(
        store.load_dialogue(42).await.unwrap().as_deref(),
        Some(state)
    );
    // Saving again replaces the state.
    store.save_dialogue(42, r#""Start""#).await.unwrap();
    assert_eq!(
        store.load_dialogue(42).await.unwrap().as_deref(),
        Some(r#""Start""#)
    );

    // Chats are independent; group chats have negative ids; ids use all 64 bits; the text is
    // opaque, empty or long.
    let group = -1_001_234_567_890_i64;
    let long = "x".repeat(100_000);
    store.save_dialogue(group, "group").await.unwrap();
    store.save_dialogue(i64::MAX, &long).await.unwrap();
    store.save_dialogue(7, "").await.unwrap();
    assert_eq!(
        store.load_dialogue(group).await.unwrap().as_deref(),
        Some("group")
    );
    assert_eq!(store.load_dialogue(i64::MAX).await.unwrap(), Some(long));
    assert_eq!(store.load_dialogue(7).await.unwrap().as_deref(), Some(""));
    assert_eq!(
        store.load_dialogue(42).await.unwrap().as_deref(),
        Some(r#""Start""#)
    );

    store.delete_dialogue(42).await.unwrap();
    assert_eq!(store.load_dialogue(42).await.unwrap(), None);
    assert_eq!(
        store.load_dialogue(group).await.unwrap().as_deref(),
        Some("group")
    );
    // Deleting what is not there is no error.
    store.delete_dialogue(42).await.unwrap();
    store.delete_dialogue(999).await.unwrap();
    // A chat starts over after a delete.
    store.save_dialogue(42, "again").await.unwrap();
    assert_eq!(
        store.load_dialogue(42).await.unwrap().as_deref(),
        Some("again")
    );
}

/// A new id is claimed once; while the claim is fresh and unfinished, redeliveries are refused;
/// concurrent claims of one id give one winner.
pub async fn claim_update_only_once(store: Arc<dyn BotStateStore>) {
    let t = utc("2026-12-01 09:00");
    assert!(store.claim_update(1000, t).await.unwrap());
    assert!(!store.claim_update(1000, t).await.unwrap(), "a redelivery");
    assert!(
        !store
            .claim_update(1000, t + Duration::seconds(59))
            .await
            .unwrap(),
        "a redelivery while the first is (most likely) still being handled"
    );
    assert!(store.claim_update(1001, t).await.unwrap());
    assert!(store.claim_update(0, t).await.unwrap());
    assert!(store.claim_update(i64::MAX, t).await.unwrap());

    // Ten workers get the same update at once: exactly one takes it.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let store = store.clone();
        tasks.spawn(async move { store.claim_update(5000, t).await });
    }
    let results = tasks.join_all().await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(
        results.iter().filter(|r| r == &&Ok(true)).count(),
        1,
        "{results:?}"
    );
    // Ten different updates at once are each taken.
    let mut tasks = tokio::task::JoinSet::new();
    for id in 6000..6010 {
        let store = store.clone();
        tasks.spawn(async move { store.claim_update(id, t).await });
    }
    assert!(
        tasks.join_all().await.iter().all(|r| r == &Ok(true)),
        "distinct ids"
    );
}

/// A finished update is never taken again, however late the redelivery.
pub async fn a_finished_claim_is_never_taken_again(store: Arc<dyn BotStateStore>) {
    let t = utc("2026-12-01 09:00");
    assert!(store.claim_update(7, t).await.unwrap());
    store
        .finish_update(7, t + Duration::seconds(2))
        .await
        .unwrap();
    for later in [
        Duration::zero(),
        Duration::seconds(59),
        Duration::seconds(61),
        Duration::hours(1),
        Duration::hours(47),
    ] {
        assert!(
            !store.claim_update(7, t + later).await.unwrap(),
            "redelivered {later} after the claim"
        );
    }
    // Finishing again (a second handler that raced past a failed claim) changes nothing.
    store
        .finish_update(7, t + Duration::hours(2))
        .await
        .unwrap();
    assert!(!store.claim_update(7, t + Duration::hours(3)).await.unwrap());

    // An update handled while its claim could not be recorded is finished all the same.
    store.finish_update(8, t).await.unwrap();
    assert!(!store.claim_update(8, t + Duration::hours(1)).await.unwrap());
}

/// The bot finishes handled updates in batches: every id of a batch is finished (claimed or
/// not, repeated or not), ids outside it are untouched, and an empty batch does nothing.
pub async fn several_claims_are_finished_in_one_step(store: Arc<dyn BotStateStore>) {
    let t = utc("2026-12-01 09:00");
    for id in [31, 32, 34] {
        assert!(store.claim_update(id, t).await.unwrap());
    }
    store.finish_updates(&[], t).await.unwrap();
    store
        .finish_updates(&[31, 32, 33, 32], t + Duration::seconds(1))
        .await
        .unwrap();
    let later = t + Duration::hours(1);
    for id in [31, 32, 33] {
        assert!(
            !store.claim_update(id, later).await.unwrap(),
            "{id} finished"
        );
    }
    // 34 was claimed but not in the batch: unfinished, so taken again once the lease is over.
    assert!(store.claim_update(34, later).await.unwrap());
}

/// An unfinished claim younger than the lease is refused, up to the last microsecond of it.
pub async fn an_unfinished_fresh_claim_is_refused(store: Arc<dyn BotStateStore>) {
    let t = utc("2026-12-01 09:00");
    assert_eq!(UPDATE_CLAIM_LEASE, Duration::seconds(60));
    assert!(store.claim_update(11, t).await.unwrap());
    for later in [
        Duration::zero(),
        Duration::seconds(1),
        Duration::seconds(30),
        Duration::seconds(60) - Duration::microseconds(1),
    ] {
        assert!(
            !store.claim_update(11, t + later).await.unwrap(),
            "redelivered {later} after the claim"
        );
    }
    // Other ids are not held up by it.
    assert!(store.claim_update(12, t).await.unwrap());
}

/// A claim that was never finished (the handler died mid-update) is taken again once the lease
/// is over, then holds for a new lease from the new claim; concurrent retakes give one winner.
pub async fn an_unfinished_claim_older_than_the_lease_is_taken_again(
    store: Arc<dyn BotStateStore>,
) {
    let t = utc("2026-12-01 09:00");
    assert!(store.claim_update(21, t).await.unwrap());
    let retake = t + Duration::seconds(60);
    assert!(
        store.claim_update(21, retake).await.unwrap(),
        "the lease is over"
    );
    // The new claim has its own lease.
    assert!(
        !store
            .claim_update(21, retake + Duration::seconds(30))
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_update(21, retake + Duration::seconds(61))
            .await
            .unwrap()
    );
    store
        .finish_update(21, retake + Duration::seconds(62))
        .await
        .unwrap();
    assert!(
        !store
            .claim_update(21, retake + Duration::hours(1))
            .await
            .unwrap()
    );

    // Ten workers get a redelivery of an abandoned update at once: exactly one takes it.
    assert!(store.claim_update(22, t).await.unwrap());
    let late = t + Duration::minutes(5);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let store = store.clone();
        tasks.spawn(async move { store.claim_update(22, late).await });
    }
    let results = tasks.join_all().await;
    assert_eq!(
        results.iter().filter(|r| r == &&Ok(true)).count(),
        1,
        "{results:?}"
    );
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
}

/// Forgetting drops ids claimed before the cut-off, finished or not; a forgotten id is new.
pub async fn forget_updates_before_frees_old_ids(store: Arc<dyn BotStateStore>) {
    let t0 = utc("2026-12-01 09:00");
    let min = Duration::minutes;
    assert_eq!(store.forget_updates_before(t0).await.unwrap(), 0);
    assert!(store.claim_update(1, t0).await.unwrap());
    assert!(store.claim_update(2, t0 + min(1)).await.unwrap());
    assert!(store.claim_update(3, t0 + min(2)).await.unwrap());
    for id in 1..=3 {
        store.finish_update(id, t0 + min(3)).await.unwrap();
    }
    // Strictly before: the id claimed at the cut-off stays.
    assert_eq!(store.forget_updates_before(t0 + min(1)).await.unwrap(), 1);
    assert!(
        store.claim_update(1, t0 + min(5)).await.unwrap(),
        "a forgotten id is new again"
    );
    assert!(!store.claim_update(2, t0 + min(5)).await.unwrap());
    assert!(!store.claim_update(3, t0 + min(5)).await.unwrap());
    assert_eq!(store.forget_updates_before(t0).await.unwrap(), 0);
    // Id 1 counts from when it was claimed again; unfinished claims are forgotten too.
    assert_eq!(store.forget_updates_before(t0 + min(5)).await.unwrap(), 2);
    assert!(!store.claim_update(1, t0 + min(5)).await.unwrap());
    assert_eq!(store.forget_updates_before(t0 + min(10)).await.unwrap(), 1);
    for id in 1..=3 {
        assert!(store.claim_update(id, t0 + min(11)).await.unwrap());
    }
}
