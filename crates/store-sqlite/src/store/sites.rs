//! Sites, managers and access grants (`SiteStore`).

use super::*;

#[async_trait]
impl SiteStore for SqliteStore {
    // ---- sites -------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_site(
        &self,
        owner_id: UserId,
        settings: &SiteSettings,
        join_code: &str,
    ) -> StoreResult<Site> {
        let mut tx = self.write().await?;
        let q = sqlx::query(concat!(
            "INSERT INTO sites (owner_id, name, address, latitude, longitude, geofence_radius_m, \
             opens_at, closes_at, time_zone, hourly_rate_minor, currency, active, notify_owner, \
             join_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?) \
             RETURNING ",
            site_columns!()
        ))
        .bind(owner_id.0);
        let row = match bind_settings(q, settings)
            .bind(join_code.to_owned())
            .bind(now_micros())
            .fetch_one(tx.conn())
            .await
        {
            Ok(row) => row,
            Err(e) => return Err(write_error(tx.conn(), e, &[Ref::User(owner_id)]).await),
        };
        let site = rows::site(&row)?;
        tx.commit().await?;
        Ok(site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn site(&self, id: SiteId) -> StoreResult<Option<Site>> {
        sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::site)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn site_by_join_code(&self, join_code: &str) -> StoreResult<Option<Site>> {
        sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE join_code = ?"
        ))
        .bind(join_code)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::site)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn update_site(
        &self,
        id: SiteId,
        settings: &SiteSettings,
        active: bool,
        notify_owner: bool,
    ) -> StoreResult<Site> {
        let mut tx = self.write().await?;
        let q = sqlx::query(concat!(
            "UPDATE sites SET name = ?, address = ?, latitude = ?, longitude = ?, \
             geofence_radius_m = ?, opens_at = ?, closes_at = ?, time_zone = ?, \
             hourly_rate_minor = ?, currency = ?, active = ?, notify_owner = ? \
             WHERE id = ? RETURNING ",
            site_columns!()
        ));
        let row = bind_settings(q, settings)
            .bind(active)
            .bind(notify_owner)
            .bind(id.0)
            .fetch_optional(tx.conn())
            .await
            .map_err(from_sqlx)?
            .ok_or(StoreError::NotFound("site"))?;
        let site = rows::site(&row)?;
        tx.commit().await?;
        Ok(site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_managed_by(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE owner_id = ?1 \
             OR id IN (SELECT site_id FROM site_managers WHERE user_id = ?1) ORDER BY id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn is_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM site_managers WHERE site_id = ? AND user_id = ?)",
        )
        .bind(site_id.0)
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(from_sqlx)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn grant_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.grant(Grant::Manager, site_id, user_id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool> {
        self.revoke(Grant::Manager, site_id, user_id).await
    }

    // ---- employee access ---------------------------------------------------------------------

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
            "SELECT EXISTS (SELECT 1 FROM site_access WHERE site_id = ? AND user_id = ?)",
        )
        .bind(site_id.0)
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(from_sqlx)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_of_employee(&self, user_id: UserId) -> StoreResult<Vec<Site>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id IN (SELECT site_id FROM site_access WHERE user_id = ?) \
             ORDER BY id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn sites_worked_at(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Site>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE id IN (SELECT DISTINCT site_id FROM shifts \
             WHERE employee_id = ? AND started_at >= ?) ORDER BY id"
        ))
        .bind(user_id.0)
        .bind(micros(since))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::site)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn employees_of(&self, site_ids: &[SiteId]) -> StoreResult<Vec<Employee>> {
        if site_ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = sqlx::query(concat!(
            "SELECT a.site_id AS access_site_id, ",
            user_columns!("u."),
            " FROM site_access AS a JOIN users AS u ON u.id = a.user_id \
             WHERE a.site_id IN (SELECT value FROM json_each(?)) \
             ORDER BY u.name, u.id, a.site_id"
        ))
        .bind(json_ids(site_ids.iter().map(|s| s.0)))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        let mut out: Vec<Employee> = Vec::new();
        for row in &found {
            let site_id: i64 = row
                .try_get("access_site_id")
                .map_err(|e| error::bad_row("site_access", e))?;
            let user = rows::user(row)?;
            match out.last_mut() {
                Some(last) if last.user.id == user.id => last.site_ids.push(SiteId(site_id)),
                _ => out.push(Employee {
                    user,
                    site_ids: vec![SiteId(site_id)],
                }),
            }
        }
        Ok(out)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn managers_of(&self, site_id: SiteId) -> StoreResult<Vec<User>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE id IN (SELECT user_id FROM site_managers WHERE site_id = ?) \
             ORDER BY id"
        ))
        .bind(site_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        found.iter().map(rows::user).collect()
    }
}
