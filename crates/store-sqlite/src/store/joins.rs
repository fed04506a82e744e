//! Join codes and join requests (`JoinStore`).

use super::*;

#[async_trait]
impl JoinStore for SqliteStore {
    // ---- joining sites -----------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_join_request(
        &self,
        site_id: SiteId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        // The partial unique index `join_requests_one_pending` refuses a second waiting request
        // for the pair (`Duplicate("join request")`).
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO join_requests (site_id, user_id, status, created_at) \
             VALUES (?, ?, 'pending', ?) RETURNING ",
            join_request_columns!()
        ))
        .bind(site_id.0)
        .bind(user_id.0)
        .bind(micros(now))
        .fetch_one(tx.conn())
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let refs = [Ref::Site(site_id), Ref::User(user_id)];
                return Err(write_error(tx.conn(), e, &refs).await);
            }
        };
        let request = rows::join_request(&row)?;
        tx.commit().await?;
        Ok(request)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn join_request(&self, id: JoinRequestId) -> StoreResult<Option<JoinRequest>> {
        sqlx::query(concat!(
            "SELECT ",
            join_request_columns!(),
            " FROM join_requests WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::join_request)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn decide_join_request(
        &self,
        id: JoinRequestId,
        approve: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        // Deciding and granting in one write transaction: both are stored or neither. Only a
        // request still pending is taken, so a second decision finds nothing.
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "UPDATE join_requests SET status = ?, decided_at = ? \
             WHERE id = ? AND status = 'pending' RETURNING ",
            join_request_columns!()
        ))
        .bind(if approve { "approved" } else { "declined" })
        .bind(micros(now))
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await
        .map_err(from_sqlx)?
        .ok_or(StoreError::NotFound("join request"))?;
        let request = rows::join_request(&row)?;
        if approve {
            sqlx::query(
                "INSERT INTO site_access (site_id, user_id, created_at) VALUES (?, ?, ?) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(request.site_id.0)
            .bind(request.user_id.0)
            .bind(now_micros())
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        }
        tx.commit().await?;
        Ok(request)
    }
}
