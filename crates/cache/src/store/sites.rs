//! Sites through the cache: each site by id, and who owns, manages and may work where as lists
//! of ids.

use super::{CachingStore, site_key};
use crate::Kind;
use app::{Employee, PeopleStore, SiteStore, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Site, SiteId, SiteSettings, User, UserId};

pub(crate) fn managed_key(user: UserId) -> (Kind, String) {
    (Kind::Sites, format!("managed:{}", user.0))
}

fn managers_key(site: SiteId) -> (Kind, String) {
    (Kind::Sites, format!("managers:{}", site.0))
}

pub(crate) fn access_key(user: UserId) -> (Kind, String) {
    (Kind::Sites, format!("access:{}", user.0))
}

impl CachingStore {
    async fn manager_ids(&self, site_id: SiteId) -> StoreResult<Vec<i64>> {
        let key = managers_key(site_id);
        self.id_list(key.0, &key.1, || async move {
            Ok(self
                .inner
                .managers_of(site_id)
                .await?
                .iter()
                .map(|u| u.id.0)
                .collect())
        })
        .await
    }

    async fn access_ids(&self, user_id: UserId) -> StoreResult<Vec<i64>> {
        Ok(self
            .sites_of_employee(user_id)
            .await?
            .iter()
            .map(|s| s.id.0)
            .collect())
    }
}

#[async_trait]
impl SiteStore for CachingStore {
    async fn insert_site(
        &self,
        owner_id: UserId,
        settings: &SiteSettings,
        join_code: &str,
    ) -> StoreResult<Site> {
        let result = self.inner.insert_site(owner_id, settings, join_code).await;
        let mut keys = vec![managed_key(owner_id)];
        if let Ok(site) = &result {
            keys.push(site_key(site.id));
        }
        self.drop_keys(keys).await;
        result
    }

    async fn site(&self, id: SiteId) -> StoreResult<Option<Site>> {
        self.site_by_id(id).await
    }

    async fn site_by_join_code(&self, join_code: &str) -> StoreResult<Option<Site>> {
        self.inner.site_by_join_code(join_code).await
    }

    async fn update_site(
        &self,
        id: SiteId,
        settings: &SiteSettings,
        active: bool,
        notify_owner: bool,
    ) -> StoreResult<Site> {
        let result = self
            .inner
            .update_site(id, settings, active, notify_owner)
            .await;
        self.drop_keys(vec![site_key(id)]).await;
        result
    }

    async fn sites_managed_by(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let key = managed_key(user_id);
        self.site_list(&key.1, || self.inner.sites_managed_by(user_id))
            .await
    }

    async fn is_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        Ok(self.manager_ids(site_id).await?.contains(&user_id.0))
    }

    async fn grant_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        let result = self.inner.grant_manager(site_id, user_id).await;
        self.drop_keys(vec![managed_key(user_id), managers_key(site_id)])
            .await;
        result
    }

    async fn revoke_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        let result = self.inner.revoke_manager(site_id, user_id).await;
        self.drop_keys(vec![managed_key(user_id), managers_key(site_id)])
            .await;
        result
    }

    async fn grant_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        let result = self.inner.grant_access(site_id, user_id).await;
        self.drop_keys(vec![access_key(user_id)]).await;
        result
    }

    async fn revoke_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        let result = self.inner.revoke_access(site_id, user_id).await;
        self.drop_keys(vec![access_key(user_id)]).await;
        result
    }

    async fn has_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        Ok(self.access_ids(user_id).await?.contains(&site_id.0))
    }

    async fn sites_of_employee(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let key = access_key(user_id);
        self.site_list(&key.1, || self.inner.sites_of_employee(user_id))
            .await
    }

    async fn sites_worked_at(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Site>> {
        self.inner.sites_worked_at(user_id, since).await
    }

    async fn employees_of(&self, site_ids: &[SiteId]) -> StoreResult<Vec<Employee>> {
        self.inner.employees_of(site_ids).await
    }

    async fn managers_of(&self, site_id: SiteId) -> StoreResult<Vec<User>> {
        let ids: Vec<UserId> = self
            .manager_ids(site_id)
            .await?
            .into_iter()
            .map(UserId)
            .collect();
        // `users` answers by id, as `managers_of` does.
        self.users(&ids).await
    }
}
