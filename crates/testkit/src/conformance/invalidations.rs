//! Conformance cases of the `InvalidationLog` port: cache invalidations shared through the
//! database for processes without Redis.

use super::utc;
use app::InvalidationLog;
use std::sync::Arc;

fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|k| (*k).to_owned()).collect()
}

pub async fn invalidations_are_read_back_in_order_after_an_id(store: Arc<dyn InvalidationLog>) {
    assert_eq!(store.last_invalidation().await.unwrap(), 0);
    assert!(store.invalidations_after(0, 10).await.unwrap().is_empty());
    let at = utc("2026-11-18 07:00");
    store
        .append_invalidations(
            &[
                keys(&["people:user:1", "people:tg:77"]),
                keys(&["sites:site:5"]),
            ],
            at,
        )
        .await
        .unwrap();
    // An empty list is no entry.
    store
        .append_invalidations(&[keys(&[]), keys(&["active_shifts:active:1"])], at)
        .await
        .unwrap();
    let all = store.invalidations_after(0, 10).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(
        all.windows(2).all(|w| w[0].0 < w[1].0),
        "ids ascend: {all:?}"
    );
    assert_eq!(all[0].1, keys(&["people:user:1", "people:tg:77"]));
    assert_eq!(all[1].1, keys(&["sites:site:5"]));
    assert_eq!(all[2].1, keys(&["active_shifts:active:1"]));
    assert_eq!(store.last_invalidation().await.unwrap(), all[2].0);
    let rest = store.invalidations_after(all[0].0, 10).await.unwrap();
    assert_eq!(rest, all[1..].to_vec());
    let first = store.invalidations_after(0, 1).await.unwrap();
    assert_eq!(first, all[..1].to_vec());
    assert!(
        store
            .invalidations_after(all[2].0, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn old_invalidations_are_forgotten(store: Arc<dyn InvalidationLog>) {
    store
        .append_invalidations(&[keys(&["sites:site:1"])], utc("2026-11-18 07:00"))
        .await
        .unwrap();
    store
        .append_invalidations(&[keys(&["sites:site:2"])], utc("2026-11-18 08:00"))
        .await
        .unwrap();
    assert_eq!(
        store
            .forget_invalidations_before(utc("2026-11-18 07:30"))
            .await
            .unwrap(),
        1
    );
    let left = store.invalidations_after(0, 10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].1, keys(&["sites:site:2"]));
    // The last id stays: readers that saw it are not sent back.
    assert_eq!(store.last_invalidation().await.unwrap(), left[0].0);
}
