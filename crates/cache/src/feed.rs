//! The invalidation feed on the database (`app::InvalidationLog`), for processes without Redis.
//!
//! PostgreSQL hands out ids when rows are inserted, not when they commit, so an entry may become
//! visible after one with a higher id was already read. Each read therefore looks back over
//! the last `LOOK_BACK` ids too and returns those it has not returned before. Entries older
//! than an hour are forgotten now and then by whoever appends.

use crate::{BoxError, InvalidationFeed};
use app::{Clock, InvalidationLog};
use async_trait::async_trait;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How far back each read looks for entries that committed late.
const LOOK_BACK: i64 = 256;
/// Every this many appends, entries older than `KEEP` are forgotten.
const PRUNE_EVERY: u64 = 1_000;
const KEEP: chrono::Duration = chrono::Duration::hours(1);

pub struct StoreFeed {
    log: Arc<dyn InvalidationLog>,
    /// Stamps entries and decides which are old enough to forget.
    clock: Arc<dyn Clock>,
    /// Ids already returned, within the look-back window of the newest.
    returned: Mutex<BTreeSet<i64>>,
    appends: AtomicU64,
}

impl StoreFeed {
    pub fn new(log: Arc<dyn InvalidationLog>, clock: Arc<dyn Clock>) -> Self {
        Self {
            log,
            clock,
            returned: Mutex::new(BTreeSet::new()),
            appends: AtomicU64::new(0),
        }
    }
}

#[async_trait]
impl InvalidationFeed for StoreFeed {
    async fn append(&self, keys: &[String]) -> Result<(), BoxError> {
        self.log
            .append_invalidations(&[keys.to_vec()], self.clock.now())
            .await?;
        if self.appends.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.log
                .forget_invalidations_before(self.clock.now() - KEEP)
                .await?;
        }
        Ok(())
    }

    async fn read_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, Vec<String>)>, BoxError> {
        let from = after.saturating_sub(LOOK_BACK).max(0);
        let window = limit.saturating_add(LOOK_BACK as u32);
        let entries = self.log.invalidations_after(from, window).await?;
        let mut returned = self
            .returned
            .lock()
            .map_err(|_| BoxError::from("the feed's bookkeeping was poisoned"))?;
        let fresh: Vec<(i64, Vec<String>)> = entries
            .into_iter()
            .filter(|(id, _)| !returned.contains(id))
            .take(limit as usize)
            .collect();
        returned.extend(fresh.iter().map(|(id, _)| *id));
        if let Some(&newest) = returned.iter().next_back() {
            let keep_from = newest.saturating_sub(2 * LOOK_BACK);
            *returned = returned.split_off(&keep_from);
        }
        Ok(fresh)
    }

    async fn last_id(&self) -> Result<i64, BoxError> {
        let last = self.log.last_invalidation().await?;
        // Entries up to it are history for a new reader: never returned as news.
        if let Ok(mut returned) = self.returned.lock() {
            returned.extend(last.saturating_sub(LOOK_BACK).max(1)..=last);
        }
        Ok(last)
    }
}
