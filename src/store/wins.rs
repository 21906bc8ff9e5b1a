//! Wins (acts members did), members' privacy choices, and what a member can see, export and
//! erase about themselves.

use serde::Serialize;

use super::ids::StoredId;
use super::tallies::{Value, date_text, local_date};
use super::{PostRecord, Store, StoreError};
use crate::ids::{
    ActId, ChannelId, GuildId, MemberId, MessageId, PostId, RunId, SuggestionId, WinId,
};

/// A win as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct WinRecord {
    pub id: WinId,
    pub guild_id: GuildId,
    pub member_id: MemberId,
    pub post_id: Option<PostId>,
    pub act_id: Option<ActId>,
    pub source: String,
    pub visibility: String,
    pub text: Option<String>,
    pub message_id: Option<MessageId>,
    pub created_at: i64,
    pub updated_at: Option<i64>,
}

const WIN_COLUMNS: &str = "id, guild_id, member_id, post_id, act_id, source, visibility, text, \
     message_id, created_at, updated_at";

/// A new win.
#[derive(Debug, Clone)]
pub struct NewWin<'a> {
    pub guild_id: GuildId,
    pub member_id: MemberId,
    pub post_id: Option<PostId>,
    pub act_id: Option<ActId>,
    pub source: &'a str,
    pub visibility: &'a str,
    pub text: Option<&'a str>,
    pub message_id: Option<MessageId>,
}

/// A member's own choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberPrefs {
    pub collect: bool,
    pub default_visibility: String,
}

impl Default for MemberPrefs {
    fn default() -> Self {
        MemberPrefs {
            collect: true,
            default_visibility: "anonymous".into(),
        }
    }
}

/// Every (table, column) that can hold a member's Discord id. `/privacy export` reads and
/// `/privacy forget` erases along this list; a test checks the schema has no other such column.
pub const MEMBER_COLUMNS: &[(&str, &str)] = &[
    ("wins", "member_id"),
    ("suggestions", "member_id"),
    ("suggestions", "decided_by"),
    ("member_prefs", "member_id"),
    ("servers", "owner_id"),
    ("pulse_answers", "member_id"),
    ("buddies", "member_id"),
    ("buddy_groups", "member_id"),
    ("member_shifts", "member_id"),
    ("dm_queue", "member_id"),
    ("dm_queue", "about_member_id"),
    ("member_weeks", "member_id"),
    ("member_avoids", "member_id"),
];

/// What `/privacy forget` erased.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForgetReport {
    pub wins: u64,
    pub suggestions: u64,
    pub decisions_unlinked: u64,
    pub preferences: u64,
    pub servers_unlinked: u64,
    /// Pulse answers in check-ins still open (closed ones keep no member ids at all).
    pub pulse_answers: u64,
    /// Buddy pairing memberships and past groups.
    pub buddy_rows: u64,
    pub shift_patterns: u64,
    /// Direct messages waiting to go to them, or about them.
    pub queued_messages: u64,
    /// What they asked `/idea` to leave out, one per server.
    pub avoid_choices: u64,
}

impl ForgetReport {
    pub fn total(&self) -> u64 {
        self.wins
            + self.suggestions
            + self.decisions_unlinked
            + self.preferences
            + self.servers_unlinked
            + self.pulse_answers
            + self.buddy_rows
            + self.shift_patterns
            + self.queued_messages
            + self.avoid_choices
    }
}

/// A member's place in one server's buddy pairing, for their export.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BuddyExport {
    pub guild_id: GuildId,
    pub joined_at: i64,
    pub paused_until: Option<i64>,
    pub last_seen_at: Option<i64>,
}

/// A member's shift pattern in one server, for their export.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ShiftExport {
    pub guild_id: GuildId,
    pub pattern: String,
    pub quiet_start: String,
    pub quiet_end: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SuggestionExport {
    pub id: SuggestionId,
    pub guild_id: GuildId,
    pub text: String,
    pub size: String,
    pub way: String,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

/// Everything stored about one member.
#[derive(Debug, Clone, Serialize)]
pub struct MemberExport {
    pub member_id: String,
    pub preferences: Option<MemberPrefs>,
    pub wins: Vec<WinRecord>,
    pub suggestions: Vec<SuggestionExport>,
    /// Suggestions this member decided on as an admin (ids only).
    pub suggestions_decided: Vec<SuggestionId>,
    /// Servers this member owns (ids), kept so problems can be reported to them.
    pub servers_owned: Vec<String>,
    /// Their answers in pulses that are still open, as (check-in run, answer 1-5). Closed
    /// pulses keep only totals, with nothing that ties an answer to anyone.
    pub open_pulse_answers: Vec<(RunId, i64)>,
    pub buddy_pairing: Vec<BuddyExport>,
    /// The buddy rounds they were in, as (round, group number).
    pub buddy_rounds: Vec<(PostId, i64)>,
    pub shift_patterns: Vec<ShiftExport>,
    /// Direct messages waiting to be sent to them.
    pub queued_messages: Vec<String>,
    /// What they asked `/idea` to leave out, by server.
    pub avoid_choices: Vec<super::AvoidExport>,
}

impl Store {
    /// Stores a win, dated in the server's time zone, and counts it in the tallies.
    pub async fn insert_win(&self, win: &NewWin<'_>, now_ms: i64) -> Result<WinId, StoreError> {
        let mut tx = self.begin_write().await?;
        let local_date = self.local_date_of(&mut tx, win.guild_id, now_ms).await?;
        let (id,): (WinId,) = sqlx::query_as(
            "INSERT INTO wins (guild_id, member_id, post_id, act_id, source, visibility, text, \
             message_id, created_at, local_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             RETURNING id",
        )
        .bind(win.guild_id)
        .bind(win.member_id)
        .bind(win.post_id)
        .bind(win.act_id)
        .bind(win.source)
        .bind(win.visibility)
        .bind(win.text)
        .bind(win.message_id)
        .bind(now_ms)
        .bind(date_text(local_date))
        .fetch_one(&mut *tx)
        .await?;
        self.tally_wins(&mut tx, "id = $1", &[Value::Int(id.0)])
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes the wins matching a condition with the tallies kept in step, in a transaction
    /// of its own.
    async fn delete_wins(&self, condition: &str, binds: &[Value]) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let deleted = self.delete_wins_tallied(&mut tx, condition, binds).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// The member's "I did it" win on a post, if any.
    pub async fn button_win(
        &self,
        post_id: PostId,
        member_id: MemberId,
    ) -> Result<Option<WinRecord>, StoreError> {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WIN_COLUMNS} FROM wins WHERE post_id = $1 AND member_id = $2 AND source = 'button'"
        )))
        .bind(post_id)
        .bind(member_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    pub async fn win_by_id(&self, win_id: WinId) -> Result<Option<WinRecord>, StoreError> {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WIN_COLUMNS} FROM wins WHERE id = $1"
        )))
        .bind(win_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// Changes a member's own win: text (`Some(None)` clears it) and/or visibility.
    /// `false` if it is not theirs or is gone.
    pub async fn update_member_win(
        &self,
        win_id: WinId,
        member_id: MemberId,
        text: Option<Option<&str>>,
        visibility: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        // One statement: the text only when asked (it may be cleared), the visibility only
        // when given.
        let result = sqlx::query(
            "UPDATE wins SET text = CASE WHEN $1 = 1 THEN $2 ELSE text END, \
             visibility = COALESCE($3, visibility), updated_at = $4 \
             WHERE id = $5 AND member_id = $6",
        )
        .bind(i64::from(text.is_some()))
        .bind(text.flatten())
        .bind(visibility)
        .bind(now_ms)
        .bind(win_id)
        .bind(member_id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }

    /// Follows an edit of a collected message. `false` if no win came from it.
    pub async fn update_win_from_message(
        &self,
        message_id: MessageId,
        text: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let result =
            sqlx::query("UPDATE wins SET text = $1, updated_at = $2 WHERE message_id = $3")
                .bind(text)
                .bind(now_ms)
                .bind(message_id)
                .execute(&self.pool)
                .await?;
        Ok(result.rows_affected() > 0)
    }

    /// Follows a deletion of a collected message.
    pub async fn delete_win_from_message(&self, message_id: MessageId) -> Result<bool, StoreError> {
        let deleted = self
            .delete_wins("message_id = $1", &[Value::Int(message_id.to_db())])
            .await?;
        Ok(deleted > 0)
    }

    pub async fn win_from_message(
        &self,
        message_id: MessageId,
    ) -> Result<Option<WinRecord>, StoreError> {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WIN_COLUMNS} FROM wins WHERE message_id = $1"
        )))
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// Deletes one of a member's own wins.
    pub async fn delete_member_win(
        &self,
        win_id: WinId,
        member_id: MemberId,
    ) -> Result<bool, StoreError> {
        let deleted = self
            .delete_wins(
                "id = $1 AND member_id = $2",
                &[Value::Int(win_id.0), Value::Int(member_id.to_db())],
            )
            .await?;
        Ok(deleted > 0)
    }

    /// Wins a member recorded since an instant (for the hourly limit).
    pub async fn member_wins_since(
        &self,
        member_id: MemberId,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM wins WHERE member_id = $1 AND created_at >= $2")
                .bind(member_id)
                .bind(since_ms)
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// A server's most recent wins that their authors chose to share (named or anonymous)
    /// and that have words.
    pub async fn shared_wins(
        &self,
        guild_id: GuildId,
        limit: i64,
    ) -> Result<Vec<WinRecord>, StoreError> {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WIN_COLUMNS} FROM wins WHERE guild_id = $1 AND visibility IN ('named', 'anonymous') \
             AND text IS NOT NULL AND text <> '' ORDER BY created_at DESC, id DESC LIMIT $2"
        )))
        .bind(guild_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// A member's own wins in a server, newest first.
    pub async fn member_wins(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        limit: i64,
    ) -> Result<Vec<WinRecord>, StoreError> {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WIN_COLUMNS} FROM wins WHERE guild_id = $1 AND member_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        )))
        .bind(guild_id)
        .bind(member_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// The daily post a message replies to: in the post's thread, or a reply to the post.
    pub async fn post_for_reply(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        referenced_message_id: Option<MessageId>,
    ) -> Result<Option<PostRecord>, StoreError> {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM posts WHERE guild_id = $1 AND job = 'daily' AND status = 'sent' \
             AND (thread_id = $2 OR message_id = $3) ORDER BY id DESC LIMIT 1",
            super::posts::POST_COLUMNS
        )))
        .bind(guild_id)
        .bind(channel_id)
        // No message has the id -1: a message that replies to nothing matches no post.
        .bind(referenced_message_id.map_or(-1, MessageId::to_db))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    pub async fn member_prefs(&self, member_id: MemberId) -> Result<MemberPrefs, StoreError> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT collect, default_visibility FROM member_prefs WHERE member_id = $1",
        )
        .bind(member_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|(collect, default_visibility)| MemberPrefs {
                collect: collect != 0,
                default_visibility,
            })
            .unwrap_or_default())
    }

    pub async fn set_member_prefs(
        &self,
        member_id: MemberId,
        prefs: &MemberPrefs,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO member_prefs (member_id, collect, default_visibility, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (member_id) DO UPDATE SET collect = excluded.collect, \
             default_visibility = excluded.default_visibility, updated_at = excluded.updated_at",
        )
        .bind(member_id)
        .bind(i64::from(prefs.collect))
        .bind(&prefs.default_visibility)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Everything stored about a member, for `/privacy export`.
    pub async fn export_member(&self, member_id: MemberId) -> Result<MemberExport, StoreError> {
        let id = member_id;
        let has_prefs: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM member_prefs WHERE member_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let preferences = match has_prefs {
            Some(_) => Some(self.member_prefs(member_id).await?),
            None => None,
        };
        let wins = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {WIN_COLUMNS} FROM wins WHERE member_id = $1 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let suggestions = sqlx::query_as(
            "SELECT id, guild_id, text, size, way, status, created_at, decided_at FROM suggestions \
             WHERE member_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let decided: Vec<(SuggestionId,)> =
            sqlx::query_as("SELECT id FROM suggestions WHERE decided_by = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        let owned: Vec<(GuildId,)> =
            sqlx::query_as("SELECT guild_id FROM servers WHERE owner_id = $1 ORDER BY guild_id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        Ok(MemberExport {
            member_id: member_id.to_string(),
            preferences,
            wins,
            suggestions,
            suggestions_decided: decided.into_iter().map(|(i,)| i).collect(),
            servers_owned: owned
                .into_iter()
                .map(|(g,)| g.to_string())
                .collect(),
            open_pulse_answers: sqlx::query_as(
                "SELECT run_id, answer FROM pulse_answers WHERE member_id = $1 ORDER BY run_id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?,
            buddy_pairing: sqlx::query_as(
                "SELECT guild_id, joined_at, paused_until, last_seen_at FROM buddies \
                 WHERE member_id = $1 ORDER BY guild_id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?,
            buddy_rounds: sqlx::query_as(
                "SELECT round_id, group_no FROM buddy_groups WHERE member_id = $1 ORDER BY round_id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?,
            shift_patterns: sqlx::query_as(
                "SELECT guild_id, pattern, quiet_start, quiet_end FROM member_shifts \
                 WHERE member_id = $1 ORDER BY guild_id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?,
            queued_messages: sqlx::query_as::<_, (String,)>(
                "SELECT body FROM dm_queue WHERE member_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(body,)| body)
            .collect(),
            avoid_choices: self.member_avoids(member_id).await?,
        })
    }

    /// Erases every row about a member in one transaction: their wins, suggestions and
    /// preferences are deleted; where their id only marks who decided or owns something, it
    /// is removed.
    pub async fn forget_member(&self, member_id: MemberId) -> Result<ForgetReport, StoreError> {
        let id = member_id;
        let mut tx = self.begin_write().await?;
        // Their wins, off the tallies with them; then any week of theirs left in the tallies
        // (none, when the tallies are right).
        let wins = self
            .delete_wins_tallied(&mut tx, "member_id = $1", &[Value::Int(id.to_db())])
            .await?;
        let mut run = async |sql: &'static str| -> Result<u64, StoreError> {
            Ok(sqlx::query(sql)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected())
        };
        run("DELETE FROM member_weeks WHERE member_id = $1").await?;
        let report = ForgetReport {
            wins,
            suggestions: run("DELETE FROM suggestions WHERE member_id = $1").await?,
            decisions_unlinked: run(
                "UPDATE suggestions SET decided_by = NULL WHERE decided_by = $1",
            )
            .await?,
            preferences: run("DELETE FROM member_prefs WHERE member_id = $1").await?,
            servers_unlinked: run("UPDATE servers SET owner_id = NULL WHERE owner_id = $1").await?,
            pulse_answers: run("DELETE FROM pulse_answers WHERE member_id = $1").await?,
            buddy_rows: run("DELETE FROM buddies WHERE member_id = $1").await?
                + run("DELETE FROM buddy_groups WHERE member_id = $1").await?,
            shift_patterns: run("DELETE FROM member_shifts WHERE member_id = $1").await?,
            // Also messages whose text names them (a buddy round's "you're paired with ...").
            queued_messages: run(
                "DELETE FROM dm_queue WHERE member_id = $1 OR about_member_id = $1 \
                 OR body LIKE '%<@' || CAST($1 AS TEXT) || '>%'",
            )
            .await?,
            avoid_choices: run("DELETE FROM member_avoids WHERE member_id = $1").await?,
        };
        tx.commit().await?;
        Ok(report)
    }

    /// How many rows name a member, per (table, column) of [`MEMBER_COLUMNS`].
    pub async fn rows_naming_member(
        &self,
        member_id: MemberId,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut out = Vec::new();
        for (table, column) in MEMBER_COLUMNS {
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} = $1"
            )))
            .bind(member_id)
            .fetch_one(&self.pool)
            .await?;
            out.push((format!("{table}.{column}"), n));
        }
        Ok(out)
    }

    /// For benchmarks: stores many wins at once, (member, created_at, act) each, in one
    /// transaction of multi-row inserts, dated in the server's time zone and then tallied in
    /// one grouped statement. (It tallies the server's wins with ids above those stored before
    /// it: no other process may store wins for the server meanwhile.)
    pub async fn insert_wins_for_bench(
        &self,
        guild_id: GuildId,
        wins: &[(MemberId, i64, Option<ActId>)],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (last_id,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM wins")
            .fetch_one(&mut *tx)
            .await?;
        let tz = self.zone_of(&mut tx, guild_id).await?;
        for chunk in wins.chunks(400) {
            let mut sql = String::from(
                "INSERT INTO wins (guild_id, member_id, act_id, source, visibility, text, created_at, \
                 local_date) VALUES ",
            );
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                let b = i * 5;
                sql.push_str(&format!(
                    "(${}, ${}, ${}, 'command', 'anonymous', 'a small act', ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                ));
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (member, at, act) in chunk {
                query = query
                    .bind(guild_id)
                    .bind(*member)
                    .bind(*act)
                    .bind(*at)
                    .bind(date_text(local_date(tz, *at)));
            }
            query.execute(&mut *tx).await?;
        }
        self.tally_wins(
            &mut tx,
            "guild_id = $1 AND id > $2",
            &[Value::Int(guild_id.to_db()), Value::Int(last_id)],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// For the ingest benchmark: how many wins a server has.
    pub async fn member_wins_count_for_bench(&self, guild_id: GuildId) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM wins WHERE guild_id = $1")
            .bind(guild_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// For the ingest benchmark: (message id, stored at) of every collected reply.
    pub async fn win_store_times_for_bench(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(MessageId, i64)>, StoreError> {
        let rows = sqlx::query_as(
            "SELECT message_id, created_at FROM wins WHERE guild_id = $1 AND message_id IS NOT NULL",
        )
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Retention: deletes wins created before `cutoff_ms`, and takes them off the tallies
    /// (a few grouped statements, however many wins go).
    pub async fn delete_wins_before(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        self.delete_wins("created_at < $1", &[Value::Int(cutoff_ms)])
            .await
    }

    /// Retention: deletes every server (and, by cascade, all its data) the bot left before
    /// `cutoff_ms`.
    /// Their tallies go by the same cascade.
    pub async fn delete_servers_left_before(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let (leaving,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM servers WHERE left_at IS NOT NULL AND left_at < $1",
        )
        .bind(cutoff_ms)
        .fetch_one(&mut *tx)
        .await?;
        if leaving == 0 {
            return Ok(0);
        }
        self.untag_wins_of_departing_acts(&mut tx, cutoff_ms)
            .await?;
        let result = sqlx::query("DELETE FROM servers WHERE left_at IS NOT NULL AND left_at < $1")
            .bind(cutoff_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(result.rows_affected())
    }
}
