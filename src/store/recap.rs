//! What the weekly recap and the impact export read: a server's recap settings and its wins
//! over a time range, with each win's act.

use super::{Store, StoreError};
use crate::ids::{ActId, ChannelId, GuildId, MemberId};

/// A server's weekly recap settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecapConfig {
    pub guild_id: GuildId,
    pub name: String,
    pub timezone: String,
    pub enabled: bool,
    /// `schedule::Schedule` in its storage form.
    pub schedule: String,
    /// The recap's own channel, else the daily one.
    pub channel_id: Option<ChannelId>,
    pub next_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct RecapRow {
    guild_id: GuildId,
    name: String,
    timezone: String,
    recap_enabled: i64,
    recap_schedule: String,
    channel_id: Option<ChannelId>,
    recap_next_at: Option<i64>,
}

impl From<RecapRow> for RecapConfig {
    fn from(row: RecapRow) -> RecapConfig {
        RecapConfig {
            guild_id: row.guild_id,
            name: row.name,
            timezone: row.timezone,
            enabled: row.recap_enabled != 0,
            schedule: row.recap_schedule,
            channel_id: row.channel_id,
            next_at: row.recap_next_at,
        }
    }
}

const RECAP_SELECT: &str = "SELECT c.guild_id, s.name, c.timezone, c.recap_enabled, c.recap_schedule, \
     COALESCE(c.recap_channel_id, c.daily_channel_id) AS channel_id, c.recap_next_at \
     FROM server_settings c JOIN servers s ON s.guild_id = c.guild_id";

/// One win as the recap needs it: when, by whom, shared how, and its act's tags.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RangeWin {
    pub member_id: MemberId,
    pub created_at: i64,
    pub visibility: String,
    pub text: Option<String>,
    pub act_id: Option<ActId>,
    pub act_text: Option<String>,
    pub size: Option<String>,
    pub way: Option<String>,
}

/// A change to the recap settings; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct RecapChange {
    pub enabled: Option<bool>,
    pub schedule: Option<String>,
    /// `Some(None)` goes back to the daily channel.
    pub channel_id: Option<Option<ChannelId>>,
    pub next_at: Option<Option<i64>>,
}

impl Store {
    pub async fn recap_config(&self, guild_id: GuildId) -> Result<Option<RecapConfig>, StoreError> {
        let row: Option<RecapRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{RECAP_SELECT} WHERE c.guild_id = $1"
        )))
        .bind(guild_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(RecapConfig::from))
    }

    /// Servers (still joined, recap on, with a channel) whose recap is due.
    pub async fn due_recaps(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<RecapConfig>, StoreError> {
        let rows: Vec<RecapRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{RECAP_SELECT} WHERE s.left_at IS NULL AND c.recap_enabled = 1 \
             AND COALESCE(c.recap_channel_id, c.daily_channel_id) IS NOT NULL \
             AND c.recap_next_at <= $1 ORDER BY c.recap_next_at LIMIT $2"
        )))
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(RecapConfig::from).collect())
    }

    pub async fn change_recap(
        &self,
        guild_id: GuildId,
        change: &RecapChange,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        macro_rules! update {
            ($field:expr, $sql:literal) => {
                if let Some(value) = $field {
                    sqlx::query($sql)
                        .bind(value)
                        .bind(guild_id)
                        .execute(&mut *tx)
                        .await?;
                }
            };
        }
        update!(
            change.enabled.map(i64::from),
            "UPDATE server_settings SET recap_enabled = $1 WHERE guild_id = $2"
        );
        update!(
            change.schedule.clone(),
            "UPDATE server_settings SET recap_schedule = $1 WHERE guild_id = $2"
        );
        update!(
            change.channel_id,
            "UPDATE server_settings SET recap_channel_id = $1 WHERE guild_id = $2"
        );
        update!(
            change.next_at,
            "UPDATE server_settings SET recap_next_at = $1 WHERE guild_id = $2"
        );
        tx.commit().await?;
        Ok(())
    }

    /// A server's wins in [from, to) with their acts, oldest first.
    pub async fn wins_between(
        &self,
        guild_id: GuildId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<RangeWin>, StoreError> {
        let rows = sqlx::query_as(
            "SELECT w.member_id, w.created_at, w.visibility, w.text, w.act_id, a.text AS act_text, \
             a.size, a.way FROM wins w LEFT JOIN acts a ON a.id = w.act_id \
             WHERE w.guild_id = $1 AND w.created_at >= $2 AND w.created_at < $3 ORDER BY w.created_at, w.id",
        )
        .bind(guild_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Whether a server has any win in [from, to) (an index probe, for streaks).
    pub async fn any_win_between(
        &self,
        guild_id: GuildId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM wins WHERE guild_id = $1 AND created_at >= $2 AND created_at < $3 LIMIT 1",
        )
        .bind(guild_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
}
