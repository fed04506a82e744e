//! People, API tokens and the bot-facing person lookups (`PeopleStore`).

use super::*;

#[async_trait]
impl PeopleStore for PgStore {
    // ---- people --------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn upsert_user(&self, u: &NewUser) -> StoreResult<User> {
        let row: UserRow = sqlx::query_as(concat!(
            "INSERT INTO users (telegram_id, name, language) VALUES ($1, $2, $3) \
             ON CONFLICT (telegram_id) DO UPDATE \
             SET name = excluded.name, language = excluded.language \
             RETURNING ",
            user_columns!()
        ))
        .bind(u.telegram_id)
        .bind(u.name.as_str())
        .bind(u.language.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(map)?;
        row.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        user(row)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn users(&self, user_ids: &[UserId]) -> StoreResult<Vec<User>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = ANY($1) ORDER BY id"
        ))
        .bind(ids(user_ids, |u| u.0))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user_by_telegram_id(&self, telegram_id: i64) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE telegram_id = $1"
        ))
        .bind(telegram_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        user(row)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_owner(&self, id: UserId, is_owner: bool) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET is_owner = $2 WHERE id = $1")
            .bind(id.0)
            .bind(is_owner)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_user_language(&self, id: UserId, language: Language) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET language = $2 WHERE id = $1")
            .bind(id.0)
            .bind(language.as_str())
            .execute(&self.pool)
            .await
            .map_err(map)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_user_reachable(&self, id: UserId, reachable: bool) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET reachable = $2 WHERE id = $1")
            .bind(id.0)
            .bind(reachable)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    // ---- API tokens ----------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_api_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(user_id.0)
        .bind(token_hash)
        .bind(label)
        .fetch_one(&self.pool)
        .await
        .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = \
             (SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL)"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        user(row)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL \
             RETURNING token_hash",
        )
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)
    }
}
