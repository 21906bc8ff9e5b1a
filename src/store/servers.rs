//! Servers the bot is in, and their settings.

use super::{Store, StoreError};
use crate::ids::{GuildId, MemberId};

/// A server as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServerRecord {
    pub guild_id: GuildId,
    pub name: String,
    pub joined_at: i64,
    pub left_at: Option<i64>,
    pub timezone: String,
}

/// What chooses a server's support list: the country an admin set, and the time zone that
/// suggests one until then.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CountrySetting {
    pub country: Option<String>,
    pub timezone: String,
}

const MARK_LEFT: &str = "UPDATE servers SET left_at = $1 WHERE guild_id = $2 AND left_at IS NULL";

/// A server the bot joined (or saw again on connecting) or left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerChange {
    Joined {
        guild_id: GuildId,
        name: String,
        owner_id: Option<MemberId>,
    },
    Left {
        guild_id: GuildId,
    },
}

impl Store {
    /// Records that the bot is in a server (joining, or seen again at start-up), creating its
    /// settings row with defaults the first time. A server that had been left is active again.
    pub async fn upsert_server(
        &self,
        guild_id: GuildId,
        name: &str,
        owner_id: Option<MemberId>,
        default_timezone: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let change = ServerChange::Joined {
            guild_id,
            name: name.to_owned(),
            owner_id,
        };
        self.record_server_changes(std::slice::from_ref(&change), default_timezone, now_ms)
            .await
    }

    /// Records servers joined and left, in order, in one transaction: a bot connecting to
    /// thousands of servers at once writes them a batch at a time rather than one
    /// transaction (and one waiting task) each.
    pub async fn record_server_changes(
        &self,
        changes: &[ServerChange],
        default_timezone: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for change in changes {
            match change {
                ServerChange::Joined {
                    guild_id,
                    name,
                    owner_id,
                } => {
                    sqlx::query(
                        "INSERT INTO servers (guild_id, name, owner_id, joined_at) \
                         VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name, \
                         owner_id = excluded.owner_id, left_at = NULL",
                    )
                    .bind(guild_id)
                    .bind(name)
                    .bind(owner_id)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO server_settings (guild_id, timezone, updated_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (guild_id) DO NOTHING",
                    )
                    .bind(guild_id)
                    .bind(default_timezone)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                ServerChange::Left { guild_id } => {
                    sqlx::query(MARK_LEFT)
                        .bind(now_ms)
                        .bind(guild_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that the bot left a server; its data is kept until the retention job runs.
    pub async fn mark_server_left(&self, guild_id: GuildId, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(MARK_LEFT)
            .bind(now_ms)
            .bind(guild_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn server(&self, guild_id: GuildId) -> Result<Option<ServerRecord>, StoreError> {
        let row = sqlx::query_as(
            "SELECT s.guild_id, s.name, s.joined_at, s.left_at, c.timezone \
             FROM servers s JOIN server_settings c ON c.guild_id = s.guild_id \
             WHERE s.guild_id = $1",
        )
        .bind(guild_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// How many servers the bot is in now.
    pub async fn active_server_count(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM servers WHERE left_at IS NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// The server's country and time zone, if the server is known.
    pub async fn country_setting(
        &self,
        guild_id: GuildId,
    ) -> Result<Option<CountrySetting>, StoreError> {
        let row =
            sqlx::query_as("SELECT country, timezone FROM server_settings WHERE guild_id = $1")
                .bind(guild_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row)
    }

    /// Sets (or, with `None`, clears) the server's country; false if the server is unknown.
    pub async fn set_country(
        &self,
        guild_id: GuildId,
        country: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE server_settings SET country = $1, updated_at = $2 WHERE guild_id = $3",
        )
        .bind(country)
        .bind(now_ms)
        .bind(guild_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
