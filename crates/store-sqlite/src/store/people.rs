//! People, API tokens and the bot-facing person lookups (`PeopleStore`).

use super::*;

#[async_trait]
impl PeopleStore for SqliteStore {
    // ---- people ------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn upsert_user(&self, user: &NewUser) -> StoreResult<User> {
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO users (telegram_id, name, language, is_owner, created_at) \
             VALUES (?, ?, ?, 0, ?) \
             ON CONFLICT (telegram_id) DO UPDATE SET name = excluded.name, \
             language = excluded.language RETURNING ",
            user_columns!("")
        ))
        .bind(user.telegram_id)
        .bind(user.name.as_str())
        .bind(user.language.as_str())
        .bind(now_micros())
        .fetch_one(tx.conn())
        .await
        .map_err(from_sqlx)?;
        let user = rows::user(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::user)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn users(&self, ids: &[UserId]) -> StoreResult<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
        ))
        .bind(json_ids(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::user)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user_by_telegram_id(&self, telegram_id: i64) -> StoreResult<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE telegram_id = ?"
        ))
        .bind(telegram_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::user)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_owner(&self, id: UserId, is_owner: bool) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET is_owner = ? WHERE id = ?")
            .bind(is_owner)
            .bind(id.0)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_user_language(&self, id: UserId, language: Language) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET language = ? WHERE id = ?")
            .bind(language.as_str())
            .bind(id.0)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_user_reachable(&self, id: UserId, reachable: bool) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET reachable = ? WHERE id = ?")
            .bind(reachable)
            .bind(id.0)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        tx.commit().await
    }

    // ---- API tokens --------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_api_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<i64> {
        let mut tx = self.write().await?;
        let id: Result<i64, _> = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at) \
             VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(user_id.0)
        .bind(token_hash)
        .bind(label)
        .bind(now_micros())
        .fetch_one(tx.conn())
        .await;
        let id = match id {
            Ok(id) => id,
            Err(e) => return Err(write_error(tx.conn(), e, &[Ref::User(user_id)]).await),
        };
        tx.commit().await?;
        Ok(id)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(""),
            " FROM users WHERE id = (SELECT user_id FROM api_tokens \
             WHERE token_hash = ? AND revoked_at IS NULL)"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::user)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revoke_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<String>> {
        let mut tx = self.write().await?;
        let revoked: Vec<String> = sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL \
             RETURNING token_hash",
        )
        .bind(now_micros())
        .bind(user_id.0)
        .fetch_all(tx.conn())
        .await
        .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(revoked)
    }
}
