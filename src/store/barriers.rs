//! What each member asked `/idea` to leave out, per server (acts needing money, a car, ...).
//! Stored as `acts::Avoid`'s stored form; the store does not read it.

use serde::Serialize;

use super::{Store, StoreError};
use crate::ids::{GuildId, MemberId};

/// What a member leaves out in one server, for `/privacy show` and their export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AvoidExport {
    pub guild_id: GuildId,
    /// Comma-separated needs, e.g. "money,car".
    pub needs: String,
    pub updated_at: i64,
}

impl Store {
    /// Sets what a member leaves out in a server; "" erases the row (nothing left out, and
    /// nothing kept about them).
    pub async fn set_member_avoid(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        needs: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if needs.is_empty() {
            sqlx::query("DELETE FROM member_avoids WHERE guild_id = $1 AND member_id = $2")
                .bind(guild_id)
                .bind(member_id)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO member_avoids (guild_id, member_id, needs, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id, member_id) DO UPDATE SET \
             needs = excluded.needs, updated_at = excluded.updated_at",
        )
        .bind(guild_id)
        .bind(member_id)
        .bind(needs)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// What a member leaves out in every server where they set it, by server.
    pub async fn member_avoids(&self, member_id: MemberId) -> Result<Vec<AvoidExport>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT guild_id, needs, updated_at FROM member_avoids WHERE member_id = $1 \
             ORDER BY guild_id",
        )
        .bind(member_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
