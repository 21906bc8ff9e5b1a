//! Private links to a server's impact page: kept as the SHA-256 of their token, with when
//! they expire and whether an admin revoked them.

use super::{Store, StoreError};
use crate::ids::GuildId;

/// A link as stored: whose page it opens, and until when.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ImpactLink {
    pub token_hash: String,
    pub guild_id: GuildId,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// Records a new link (its token's hash only).
    pub async fn insert_impact_link(
        &self,
        guild_id: GuildId,
        token_hash: &str,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO impact_links (token_hash, guild_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(guild_id)
        .bind(created_at)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The link with this token hash, whatever its state (the caller checks expiry and
    /// revocation, so that every invalid link is answered the same way).
    pub async fn impact_link(&self, token_hash: &str) -> Result<Option<ImpactLink>, StoreError> {
        Ok(sqlx::query_as::<_, ImpactLink>(
            "SELECT token_hash, guild_id, created_at, expires_at, revoked_at \
             FROM impact_links WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Revokes every link of a server still valid at `now_ms`; returns how many.
    pub async fn revoke_impact_links(
        &self,
        guild_id: GuildId,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "UPDATE impact_links SET revoked_at = $1 \
             WHERE guild_id = $2 AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now_ms)
        .bind(guild_id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Links of a server still valid at `now_ms`, newest first.
    pub async fn valid_impact_links(
        &self,
        guild_id: GuildId,
        now_ms: i64,
    ) -> Result<Vec<ImpactLink>, StoreError> {
        Ok(sqlx::query_as::<_, ImpactLink>(
            "SELECT token_hash, guild_id, created_at, expires_at, revoked_at FROM impact_links \
             WHERE guild_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC",
        )
        .bind(guild_id)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?)
    }
}
