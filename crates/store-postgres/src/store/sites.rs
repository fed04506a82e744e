//! Sites, managers and access grants (`SiteStore`).

use super::*;

#[async_trait]
impl SiteStore for PgStore {
    // ---- sites ---------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_site(
        &self,
        owner_id: UserId,
        settings: &SiteSettings,
        join_code: &str,
    ) -> StoreResult<Site> {
        let query = sqlx::query_as(concat!(
            "INSERT INTO sites (name, address, latitude, longitude, geofence_radius_m, opens_at, \
             closes_at, time_zone, hourly_rate_minor, currency, owner_id, join_code) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
            site_columns!()
        ));
        let row: SiteRow = bind_settings!(query, settings)
            .bind(owner_id.0)
            .bind(join_code)
            .fetch_one(&self.pool)
            .await
            .map_err(map)?;
        row.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn site(&self, id: SiteId) -> StoreResult<Option<Site>> {
        let row: Option<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Site::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn site_by_join_code(&self, join_code: &str) -> StoreResult<Option<Site>> {
        let row: Option<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE join_code = $1"
        ))
        .bind(join_code)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Site::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn update_site(
        &self,
        id: SiteId,
        settings: &SiteSettings,
        active: bool,
        notify_owner: bool,
    ) -> StoreResult<Site> {
        let query = sqlx::query_as(concat!(
            "UPDATE sites SET name = $1, address = $2, latitude = $3, longitude = $4, \
             geofence_radius_m = $5, opens_at = $6, closes_at = $7, time_zone = $8, \
             hourly_rate_minor = $9, currency = $10, active = $11, notify_owner = $12 \
             WHERE id = $13 RETURNING ",
            site_columns!()
        ));
        let row: Option<SiteRow> = bind_settings!(query, settings)
            .bind(active)
            .bind(notify_owner)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map)?;
        row.ok_or(StoreError::NotFound("site"))?.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_managed_by(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE owner_id = $1 \
             OR id IN (SELECT site_id FROM site_managers WHERE user_id = $1) ORDER BY id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn is_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM site_managers WHERE site_id = $1 AND user_id = $2)",
        )
        .bind(site_id.0)
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn grant_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.grant(Grant::Manager, site_id, user_id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.revoke(Grant::Manager, site_id, user_id).await
    }

    // ---- employee access -----------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn grant_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.grant(Grant::Access, site_id, user_id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.revoke(Grant::Access, site_id, user_id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn has_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM site_access WHERE site_id = $1 AND user_id = $2)",
        )
        .bind(site_id.0)
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_of_employee(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id IN (SELECT site_id FROM site_access WHERE user_id = $1) \
             ORDER BY id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_worked_at(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Site>> {
        let rows: Vec<SiteRow> = sqlx::query_as(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id IN (SELECT DISTINCT site_id FROM shifts \
             WHERE employee_id = $1 AND started_at >= $2) ORDER BY id"
        ))
        .bind(user_id.0)
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn employees_of(&self, site_ids: &[SiteId]) -> StoreResult<Vec<Employee>> {
        if site_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Names sort by code point (COLLATE "C"), the order Rust's `str::cmp` and SQLite give,
        // so every backend and the app's own sorting agree.
        let rows: Vec<EmployeeRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", granted.site_ids FROM users JOIN ( \
                 SELECT user_id, array_agg(site_id ORDER BY site_id) AS site_ids \
                 FROM site_access WHERE site_id = ANY($1) GROUP BY user_id \
             ) AS granted ON granted.user_id = users.id \
             ORDER BY name COLLATE \"C\", id"
        ))
        .bind(ids(site_ids, |s| s.0))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        rows.into_iter()
            .map(|r| {
                Ok(Employee {
                    user: r.user.try_into()?,
                    site_ids: r.site_ids.into_iter().map(SiteId).collect(),
                })
            })
            .collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn managers_of(&self, site_id: SiteId) -> StoreResult<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id IN (SELECT user_id FROM site_managers WHERE site_id = $1) \
             ORDER BY id"
        ))
        .bind(site_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }
}
