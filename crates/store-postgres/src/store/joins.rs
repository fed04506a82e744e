//! Join codes and join requests (`JoinStore`).

use super::*;

#[async_trait]
impl JoinStore for PgStore {
    // ---- joining sites -------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_join_request(
        &self,
        site_id: SiteId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        // The partial unique index `join_requests_one_pending` refuses a second waiting request
        // for the pair, also when two arrive at once.
        let row: JoinRequestRow = sqlx::query_as(concat!(
            "INSERT INTO join_requests (site_id, user_id, status, created_at) \
             VALUES ($1, $2, 'pending', $3) RETURNING ",
            join_request_columns!()
        ))
        .bind(site_id.0)
        .bind(user_id.0)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(map)?;
        row.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn join_request(&self, id: JoinRequestId) -> StoreResult<Option<JoinRequest>> {
        let row: Option<JoinRequestRow> = sqlx::query_as(concat!(
            "SELECT ",
            join_request_columns!(),
            " FROM join_requests WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(JoinRequest::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn decide_join_request(
        &self,
        id: JoinRequestId,
        approve: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest> {
        // One statement, so deciding and granting commit together. The update only takes a
        // request still pending: a concurrent second decision waits for the first one's row lock,
        // then finds it decided and returns nothing.
        let row: Option<JoinRequestRow> = sqlx::query_as(concat!(
            "WITH decided AS ( \
                 UPDATE join_requests SET status = $2, decided_at = $3 \
                 WHERE id = $1 AND status = 'pending' RETURNING ",
            join_request_columns!(),
            " ), granted AS ( \
                 INSERT INTO site_access (site_id, user_id) \
                 SELECT site_id, user_id FROM decided WHERE status = 'approved' \
                 ON CONFLICT DO NOTHING \
             ) SELECT ",
            join_request_columns!(),
            " FROM decided"
        ))
        .bind(id.0)
        .bind(if approve { "approved" } else { "declined" })
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.ok_or(StoreError::NotFound("join request"))?.try_into()
    }
}
