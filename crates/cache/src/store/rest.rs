//! What the cache passes through: the health check and plans (written about as often as read),
//! and join requests, whose approval grants access (so it drops the person's list of sites).

use super::CachingStore;
use super::sites::access_key;
use app::{JoinStore, NewPlannedShift, PlanFilter, PlanStore, StoreHealth, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::join::{JoinRequest, JoinRequestId};
use domain::{PlanStatus, PlannedShift, PlannedShiftId, SiteId, UserId};

#[async_trait]
impl StoreHealth for CachingStore {
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
}

#[async_trait]
impl PlanStore for CachingStore {
    async fn insert_planned_shift(&self, plan: &NewPlannedShift) -> StoreResult<PlannedShift> {
        self.inner.insert_planned_shift(plan).await
    }

    async fn planned_shift(&self, id: PlannedShiftId) -> StoreResult<Option<PlannedShift>> {
        self.inner.planned_shift(id).await
    }

    async fn set_plan_status(
        &self,
        id: PlannedShiftId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> StoreResult<PlannedShift> {
        self.inner.set_plan_status(id, from, to).await
    }

    async fn list_planned(&self, filter: &PlanFilter) -> StoreResult<Vec<PlannedShift>> {
        self.inner.list_planned(filter).await
    }

    async fn mark_missed_plans(&self, before: DateTime<Utc>) -> StoreResult<Vec<PlannedShift>> {
        self.inner.mark_missed_plans(before).await
    }
}

#[async_trait]
impl JoinStore for CachingStore {
    async fn insert_join_request(
        &self,
        site_id: SiteId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        self.inner.insert_join_request(site_id, user_id, now).await
    }

    async fn join_request(&self, id: JoinRequestId) -> StoreResult<Option<JoinRequest>> {
        self.inner.join_request(id).await
    }

    async fn decide_join_request(
        &self,
        id: JoinRequestId,
        approve: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        let decided = self.inner.decide_join_request(id, approve, now).await?;
        self.drop_keys(vec![access_key(decided.user_id)]).await;
        Ok(decided)
    }
}
