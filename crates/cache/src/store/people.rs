//! People through the cache: by id, by Telegram id and by API token hash.

use super::{CachingStore, user_key};
use crate::Kind;
use crate::records::UserRecord;
use app::{NewUser, PeopleStore, StoreResult};
use async_trait::async_trait;
use domain::{Language, User, UserId};
use std::collections::HashMap;
use std::sync::Mutex;

fn telegram_key(telegram_id: i64) -> (Kind, String) {
    (Kind::People, format!("tg:{telegram_id}"))
}

fn token_key(token_hash: &str) -> (Kind, String) {
    (Kind::People, format!("token:{token_hash}"))
}

impl CachingStore {
    /// A person id cached under `key` (a Telegram id or a token hash), then the person by id.
    async fn person_via<F, Fut>(&self, key: (Kind, String), load: F) -> StoreResult<Option<User>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = StoreResult<Option<User>>>,
    {
        let id = self
            .cache
            .get_or_load(key.0, &key.1, || async {
                Ok::<_, app::StoreError>(load().await?.map(|u| u.id.0))
            })
            .await?;
        match id {
            None => Ok(None),
            Some(id) => self.user_by_id(UserId(id)).await,
        }
    }
}

#[async_trait]
impl PeopleStore for CachingStore {
    async fn upsert_user(&self, user: &NewUser) -> StoreResult<User> {
        let result = self.inner.upsert_user(user).await;
        let mut keys = vec![telegram_key(user.telegram_id)];
        if let Ok(stored) = &result {
            keys.push(user_key(stored.id));
        }
        self.drop_keys(keys).await;
        result
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.user_by_id(id).await
    }

    async fn users(&self, ids: &[UserId]) -> StoreResult<Vec<User>> {
        // The wrapped store answers in its own order (by id, without duplicates or unknown ids).
        let mut wanted: Vec<UserId> = ids.to_vec();
        wanted.sort();
        wanted.dedup();
        // The first miss reads every wanted person in one query; the other misses take theirs
        // from that answer (read microseconds earlier, within this call).
        let batch: Mutex<Option<HashMap<UserId, User>>> = Mutex::new(None);
        let batch = &batch;
        let wanted_ref = &wanted;
        let load_one = move |id: UserId| async move {
            let loaded = batch
                .lock()
                .ok()
                .and_then(|b| b.as_ref().map(|m| m.get(&id).cloned()));
            if let Some(user) = loaded {
                return Ok(user);
            }
            let all: HashMap<UserId, User> = self
                .inner
                .users(wanted_ref)
                .await?
                .into_iter()
                .map(|u| (u.id, u))
                .collect();
            let user = all.get(&id).cloned();
            if let Ok(mut b) = batch.lock() {
                *b = Some(all);
            }
            Ok::<_, app::StoreError>(user)
        };
        let mut users = Vec::with_capacity(wanted.len());
        for &id in &wanted {
            let key = user_key(id);
            if let Some(user) = self
                .read(key.0, &key.1, || load_one(id), UserRecord::to_user)
                .await?
            {
                users.push(user);
            }
        }
        Ok(users)
    }

    async fn user_by_telegram_id(&self, telegram_id: i64) -> StoreResult<Option<User>> {
        self.person_via(telegram_key(telegram_id), || {
            self.inner.user_by_telegram_id(telegram_id)
        })
        .await
    }

    async fn set_owner(&self, id: UserId, is_owner: bool) -> StoreResult<()> {
        let result = self.inner.set_owner(id, is_owner).await;
        self.drop_keys(vec![user_key(id)]).await;
        result
    }

    async fn set_user_language(&self, id: UserId, language: Language) -> StoreResult<()> {
        let result = self.inner.set_user_language(id, language).await;
        self.drop_keys(vec![user_key(id)]).await;
        result
    }

    async fn set_user_reachable(&self, id: UserId, reachable: bool) -> StoreResult<()> {
        let result = self.inner.set_user_reachable(id, reachable).await;
        self.drop_keys(vec![user_key(id)]).await;
        result
    }

    async fn insert_api_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<i64> {
        let result = self
            .inner
            .insert_api_token(user_id, token_hash, label)
            .await;
        // A lookup of this hash before it existed may have been remembered as "not found".
        self.drop_keys(vec![token_key(token_hash)]).await;
        result
    }

    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        self.person_via(token_key(token_hash), || {
            self.inner.user_by_token_hash(token_hash)
        })
        .await
    }

    async fn revoke_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<String>> {
        let revoked = self.inner.revoke_api_tokens(user_id).await?;
        self.drop_keys(revoked.iter().map(|h| token_key(h)).collect())
            .await;
        Ok(revoked)
    }
}
