//! The caching `Store`: wraps any `Store` and answers the reads people make on every request
//! from the cache, so use-cases, API and bot do not change. Reads that are not worth caching
//! (rare, or written more often than read) pass through unchanged.
//!
//! What is cached, by key (each key's kind gives its TTL and codec):
//!
//! | key | kind | value | dropped by |
//! |---|---|---|---|
//! | `user:{id}` | people | the person | upsert, owner flag, language, reachability |
//! | `tg:{telegram id}` | people | person id | upsert (a new person replaces a cached "not found") |
//! | `token:{sha-256}` | people | holder's id | issuing that token, revoking the holder's tokens |
//! | `site:{id}` | sites | the site | insert, update (settings, deactivation, notifications) |
//! | `managed:{user}` | sites | ids of sites owned or managed | new site, manager grant/revoke |
//! | `managers:{site}` | sites | ids of the site's managers | manager grant/revoke |
//! | `access:{user}` | sites | ids of sites the person may work at | access grant/revoke, approved join |
//! | `active:{employee}` | active shifts | the running shift, or none | open, close, revision |
//! | `onshift:{site}` | active shifts | the site's running shifts | open, close, revision |
//! | `ver:{site}` | analytics | a random version of the site's finished shifts | close, revision, import |
//! | `totals:{hash}` | analytics | one `shift_totals` answer; the hash covers the ranges and each site's version | (a new version makes a new key) |
//!
//! Lists hold ids, not copies: a site's change drops one key, and every list shows it at once.
//! Authorisation is still decided by the use-cases on every request from these data; the cache
//! never holds an "allowed" answer keyed by something a caller sends.

mod people;
mod rest;
mod shifts;
mod sites;

use crate::records::{SiteRecord, UserRecord};
use crate::{Cache, Cacheable, Kind};
use app::{StoreError, StoreResult};
use domain::{Site, SiteId, User, UserId};
use std::future::Future;
use std::sync::{Arc, Mutex};

/// A `Store` that reads through `Cache` and drops what each write changes.
#[derive(Clone)]
pub struct CachingStore {
    inner: Arc<dyn app::Store>,
    cache: Cache,
}

impl CachingStore {
    pub fn new(inner: Arc<dyn app::Store>, cache: Cache) -> Self {
        Self { inner, cache }
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Read-through of one value: `load` asks the wrapped store, `back` turns the cached record
    /// into the domain value. A record the domain refuses now (a rule tightened since it was
    /// cached) is dropped and read again from the store.
    async fn read<T, R, F, Fut>(
        &self,
        kind: Kind,
        key: &str,
        load: F,
        back: fn(&R) -> Option<T>,
    ) -> StoreResult<Option<T>>
    where
        R: Cacheable + for<'a> From<&'a T>,
        F: Fn() -> Fut,
        Fut: Future<Output = StoreResult<Option<T>>>,
    {
        let got = self
            .cache
            .get_or_load(kind, key, || async {
                Ok::<_, StoreError>(load().await?.as_ref().map(R::from))
            })
            .await?;
        match got.as_ref().map(back) {
            None => Ok(None),
            Some(Some(value)) => Ok(Some(value)),
            Some(None) => {
                self.cache.invalidate(&[(kind, key.to_owned())]).await;
                load().await
            }
        }
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        self.read(
            Kind::People,
            &format!("user:{}", id.0),
            || self.inner.user(id),
            UserRecord::to_user,
        )
        .await
    }

    async fn site_by_id(&self, id: SiteId) -> StoreResult<Option<Site>> {
        self.read(
            Kind::Sites,
            &format!("site:{}", id.0),
            || self.inner.site(id),
            SiteRecord::to_site,
        )
        .await
    }

    /// A list of sites kept as ids under `key`. On a miss the wrapped store's answer is returned
    /// as read (and its ids cached); on a hit each site comes from its own key.
    async fn site_list<F, Fut>(&self, key: &str, load: F) -> StoreResult<Vec<Site>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = StoreResult<Vec<Site>>>,
    {
        let fresh: Mutex<Option<Vec<Site>>> = Mutex::new(None);
        let ids = self
            .cache
            .get_or_load(Kind::Sites, key, || async {
                let sites = load().await?;
                let ids: Vec<i64> = sites.iter().map(|s| s.id.0).collect();
                if let Ok(mut slot) = fresh.lock() {
                    *slot = Some(sites);
                }
                Ok::<_, StoreError>(Some(ids))
            })
            .await?
            .unwrap_or_default();
        if let Some(sites) = fresh.lock().ok().and_then(|mut s| s.take()) {
            return Ok(sites);
        }
        let mut sites = Vec::with_capacity(ids.len());
        for id in ids {
            match self.site_by_id(SiteId(id)).await? {
                Some(site) => sites.push(site),
                // Sites are never deleted; a vanished one means the list is stale.
                None => {
                    self.cache
                        .invalidate(&[(Kind::Sites, key.to_owned())])
                        .await;
                    return load().await;
                }
            }
        }
        Ok(sites)
    }

    /// Ids cached under `key` (people or sites), loaded by `load` on a miss.
    async fn id_list<F, Fut>(&self, kind: Kind, key: &str, load: F) -> StoreResult<Vec<i64>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = StoreResult<Vec<i64>>>,
    {
        Ok(self
            .cache
            .get_or_load(kind, key, || async {
                Ok::<_, StoreError>(Some(load().await?))
            })
            .await?
            .unwrap_or_default())
    }

    async fn drop_keys(&self, keys: Vec<(Kind, String)>) {
        if !keys.is_empty() {
            self.cache.invalidate(&keys).await;
        }
    }
}

pub(crate) fn user_key(id: UserId) -> (Kind, String) {
    (Kind::People, format!("user:{}", id.0))
}

pub(crate) fn site_key(id: SiteId) -> (Kind, String) {
    (Kind::Sites, format!("site:{}", id.0))
}
