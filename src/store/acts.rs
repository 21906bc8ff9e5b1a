//! The acts catalogue as stored: built-in acts (kept in step with the catalogue file at
//! start) and acts a server added.

use std::collections::HashMap;

use super::{Store, StoreError};
use crate::acts::{Act, join_tags, split_tags};
use crate::ids::{ActId, GuildId};

/// An act with its database identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAct {
    pub id: ActId,
    /// `None` for the built-in catalogue.
    pub guild_id: Option<GuildId>,
    pub act: Act,
}

/// What a catalogue sync changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
    pub retired: usize,
    pub unchanged: usize,
}

#[derive(sqlx::FromRow)]
struct ActRow {
    id: ActId,
    guild_id: Option<GuildId>,
    slug: String,
    text: String,
    size: String,
    way: String,
    settings: String,
    needs: String,
    retired_at: Option<i64>,
}

impl ActRow {
    /// `None` if a stored tag is no longer known (a downgrade): such an act is not offered.
    fn into_stored(self) -> Option<StoredAct> {
        Some(StoredAct {
            id: self.id,
            guild_id: self.guild_id,
            act: Act {
                slug: self.slug,
                text: self.text,
                size: self.size.parse().ok()?,
                way: self.way.parse().ok()?,
                settings: split_tags(&self.settings),
                needs: split_tags(&self.needs),
            },
        })
    }

    fn same_as(&self, act: &Act) -> bool {
        self.retired_at.is_none()
            && self.text == act.text
            && self.size == act.size.as_str()
            && self.way == act.way.as_str()
            && self.settings == join_tags(&act.settings)
            && self.needs == join_tags(&act.needs)
    }
}

const ACT_COLUMNS: &str = "id, guild_id, slug, text, size, way, settings, needs, retired_at";

impl Store {
    /// Brings the stored built-in acts in line with the catalogue: new acts are added,
    /// changed ones updated (keeping their row, so history still points at them), and acts
    /// no longer in the catalogue retired rather than deleted. One transaction.
    ///
    /// Several processes may start at once on one database, each syncing the same catalogue.
    /// Every write is idempotent, so a process whose read came before another's rows were
    /// committed writes the same values over them instead of failing on the catalogue's
    /// unique slug: new and changed acts are upserted on that slug, and retiring skips rows
    /// already retired. Rows are written in one order (the catalogue's, then by id), so two
    /// such transactions wait on each other at most, never in a cycle (a deadlock). The
    /// report says what this process found to do.
    pub async fn sync_catalogue(
        &self,
        acts: &[Act],
        now_ms: i64,
    ) -> Result<SyncReport, StoreError> {
        let mut tx = self.begin_write().await?;
        let existing: Vec<ActRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ACT_COLUMNS} FROM acts WHERE guild_id IS NULL"
        )))
        .fetch_all(&mut *tx)
        .await?;
        let mut existing: HashMap<String, ActRow> =
            existing.into_iter().map(|r| (r.slug.clone(), r)).collect();
        // Acts whose size or Way changes take their past wins with them in the tallies (the
        // impact figures read an act's tags as they are now, as the wins themselves do).
        let mut retagged: Vec<ActId> = acts
            .iter()
            .filter_map(|act| existing.get(&act.slug).map(|row| (act, row)))
            .filter(|(act, row)| row.size != act.size.as_str() || row.way != act.way.as_str())
            .map(|(_, row)| row.id)
            .collect();
        retagged.sort_unstable();
        retagged.dedup();
        self.retag_tallies(&mut tx, &retagged, true).await?;

        let mut report = SyncReport::default();
        for act in acts {
            match existing.remove(&act.slug) {
                Some(row) if row.same_as(act) => {
                    report.unchanged += 1;
                    continue;
                }
                Some(_) => report.updated += 1,
                None => report.added += 1,
            }
            sqlx::query(
                "INSERT INTO acts (slug, text, size, way, settings, needs, origin, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'catalogue', $7, $7) \
                 ON CONFLICT (slug) WHERE guild_id IS NULL DO UPDATE SET text = excluded.text, \
                 size = excluded.size, way = excluded.way, settings = excluded.settings, \
                 needs = excluded.needs, updated_at = excluded.updated_at, retired_at = NULL",
            )
            .bind(&act.slug)
            .bind(&act.text)
            .bind(act.size.as_str())
            .bind(act.way.as_str())
            .bind(join_tags(&act.settings))
            .bind(join_tags(&act.needs))
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        self.retag_tallies(&mut tx, &retagged, false).await?;
        let mut retiring: Vec<ActId> = existing
            .into_values()
            .filter(|r| r.retired_at.is_none())
            .map(|r| r.id)
            .collect();
        retiring.sort_unstable();
        for id in retiring {
            let done = sqlx::query(
                "UPDATE acts SET retired_at = $1, updated_at = $1 \
                 WHERE id = $2 AND retired_at IS NULL",
            )
            .bind(now_ms)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            report.retired += done.rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Adds an act of a server's own. Its slug must be unique within the server.
    pub async fn add_server_act(
        &self,
        guild_id: GuildId,
        act: &Act,
        origin: &str,
        now_ms: i64,
    ) -> Result<ActId, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = insert_act(&mut tx, Some(guild_id), act, origin, now_ms).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The acts a server can be offered: the built-in catalogue plus its own, none retired.
    /// With `guild_id` = `None`, only the built-in catalogue (e.g. in DMs).
    pub async fn active_acts(
        &self,
        guild_id: Option<GuildId>,
    ) -> Result<Vec<StoredAct>, StoreError> {
        let rows: Vec<ActRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ACT_COLUMNS} FROM acts \
             WHERE retired_at IS NULL AND (guild_id IS NULL OR guild_id = $1) ORDER BY id"
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().filter_map(ActRow::into_stored).collect())
    }

    /// A server's own acts, none retired (the built-in catalogue is read once, at start).
    pub async fn server_acts(&self, guild_id: GuildId) -> Result<Vec<StoredAct>, StoreError> {
        let rows: Vec<ActRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ACT_COLUMNS} FROM acts WHERE retired_at IS NULL AND guild_id = $1 ORDER BY id"
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().filter_map(ActRow::into_stored).collect())
    }

    /// One act by id, retired or not (history still needs to show it).
    pub async fn act_by_id(&self, id: ActId) -> Result<Option<StoredAct>, StoreError> {
        let row: Option<ActRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ACT_COLUMNS} FROM acts WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(ActRow::into_stored))
    }

    /// How many built-in acts are retired (for `check` and tests).
    pub async fn retired_catalogue_count(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM acts WHERE guild_id IS NULL AND retired_at IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }
}

pub(super) async fn insert_act(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    guild_id: Option<GuildId>,
    act: &Act,
    origin: &str,
    now_ms: i64,
) -> Result<ActId, StoreError> {
    let (id,): (ActId,) = sqlx::query_as(
        "INSERT INTO acts (slug, guild_id, text, size, way, settings, needs, origin, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&act.slug)
    .bind(guild_id)
    .bind(&act.text)
    .bind(act.size.as_str())
    .bind(act.way.as_str())
    .bind(join_tags(&act.settings))
    .bind(join_tags(&act.needs))
    .bind(origin)
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
