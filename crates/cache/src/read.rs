//! The read path after an L1 miss: share a load under way, else Redis, else the loader, and
//! fill the tiers unless an invalidation came meanwhile.

use crate::codec::{self, Cacheable, Decoded};
use crate::config::Kind;
use crate::engine::Inner;
use crate::l1::{Join, Slot};
use crate::l2::RedisTier;
use crate::stats::Tier;
use std::future::Future;
use std::time::Instant;

impl Inner {
    /// The read path after an L1 miss: wait for a load of the same key under way, or load it
    /// (from Redis, else from `load`) and fill both tiers.
    pub(crate) async fn miss<T, E, F, Fut>(
        &self,
        kind: Kind,
        key: &str,
        load: F,
    ) -> Result<Option<T>, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        let tier = self.l1(kind);
        let _guard = match tier.join(key) {
            Join::Lead(guard) => Some(guard),
            Join::Wait(mut done) => {
                let _ = done.changed().await;
                if let Some(value) = tier.get(key).await.and_then(|s| s.read::<T>()) {
                    return Ok(value);
                }
                // The loader failed, or its result was refused by an invalidation: load alone
                // (not one waiter after another, which would queue their latencies).
                None
            }
        };
        self.fill(kind, key, load).await
    }

    async fn fill<T, E, F, Fut>(&self, kind: Kind, key: &str, load: F) -> Result<Option<T>, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        let tier = self.l1(kind);
        let generation = tier.generation(key);
        let config = *self.config.kind(kind);
        // Some(replacing) when the load's result goes to Redis: None = SET NX, Some(old) =
        // over the unreadable `old`.
        let mut write_back: Option<Option<Vec<u8>>> = None;
        if let Some(redis) = &self.redis {
            if !self.channel_up() {
                // Without the channel, Redis may hold values others already invalidated.
                self.counters.error(kind, Tier::L2);
            } else {
                match redis.get(kind, key).await {
                    Ok(Some(bytes)) => match codec::decode::<T>(config.codec, &bytes) {
                        Ok(Decoded::Value(value)) => {
                            self.counters.hit(kind, Tier::L2);
                            let slot = Slot::new(Some(value.clone()), self.l1_ttl(config.ttl));
                            tier.insert_checked(key, slot, &generation).await;
                            return Ok(Some(value));
                        }
                        Ok(Decoded::Absent) => {
                            self.counters.hit(kind, Tier::L2);
                            let ttl = self.l1_ttl(self.config.negative_ttl);
                            tier.insert_checked(key, Slot::new(None::<T>, ttl), &generation)
                                .await;
                            return Ok(None);
                        }
                        // Just invalidated: load, and leave the tombstone in place.
                        Ok(Decoded::Tombstone) => self.counters.miss(kind, Tier::L2),
                        Err(e) => {
                            self.counters.miss(kind, Tier::L2);
                            self.counters.stale(kind);
                            tracing::debug!(%kind, key, error = %e, "cache: unreadable value in Redis");
                            write_back = Some(Some(bytes));
                        }
                    },
                    Ok(None) => {
                        self.counters.miss(kind, Tier::L2);
                        write_back = Some(None);
                    }
                    Err(e) => {
                        self.counters.error(kind, Tier::L2);
                        self.warn("Redis read failed, the database answers instead", &e);
                    }
                }
            }
        }

        let started = Instant::now();
        let loaded = load().await;
        self.counters
            .loaded(kind, started.elapsed(), loaded.is_ok());
        let value = loaded?;

        if let (Some(redis), Some(replacing)) = (&self.redis, write_back) {
            // An invalidation heard since the start means the load may be older than it.
            if tier.is_current(&generation) {
                self.write_back(redis, kind, key, value.as_ref(), replacing.as_deref())
                    .await;
            }
        }
        let ttl = if value.is_some() {
            config.ttl
        } else {
            self.config.negative_ttl
        };
        let slot = Slot::new(value.clone(), self.l1_ttl(ttl));
        tier.insert_checked(key, slot, &generation).await;
        Ok(value)
    }

    async fn write_back<T: Cacheable>(
        &self,
        redis: &RedisTier,
        kind: Kind,
        key: &str,
        value: Option<&T>,
        replacing: Option<&[u8]>,
    ) {
        let codec = self.config.kind(kind).codec;
        let (bytes, ttl) = match value {
            Some(v) => match codec::encode_value(codec, v) {
                Ok(bytes) => (bytes, self.config.kind(kind).ttl),
                Err(e) => {
                    self.counters.error(kind, Tier::L2);
                    self.warn("a value cannot be encoded for Redis", &e);
                    return;
                }
            },
            None => (codec::encode_absent::<T>(codec), self.config.negative_ttl),
        };
        if let Err(e) = redis.fill(kind, key, &bytes, ttl, replacing).await {
            self.counters.error(kind, Tier::L2);
            self.warn(
                "Redis write failed, the value stays in this process only",
                &e,
            );
        }
    }
}
