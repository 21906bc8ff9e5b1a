//! The processes sharing this database, and short named locks between them.
//!
//! Every time here is the caller's (Unix ms): processes compare heartbeats written by each
//! other's clocks, as they already do with leases, so the hosts' clocks must agree (NTP).

use super::{Store, StoreError};

/// A process as it last reported itself.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProcessRow {
    /// `host:pid:random`, as the process signs its leases.
    pub owner: String,
    pub started_at: i64,
    pub heartbeat_at: i64,
    /// The gateway shards it runs (`0-1/4`), if any.
    pub shards: Option<String>,
}

impl Store {
    /// Records that a process has started (again, if it had a row: the row is renewed).
    pub async fn register_process(&self, owner: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO processes (owner, started_at, heartbeat_at) VALUES ($1, $2, $2) \
             ON CONFLICT (owner) DO UPDATE SET started_at = excluded.started_at, \
             heartbeat_at = excluded.heartbeat_at, shards = NULL",
        )
        .bind(owner)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A process is still alive, running `shards` (`None` for no gateway shards). An upsert:
    /// a process whose row was cleaned up while it could not reach the database (or that
    /// another process took for dead) re-appears with its next heartbeat.
    pub async fn heartbeat(
        &self,
        owner: &str,
        now_ms: i64,
        shards: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO processes (owner, started_at, heartbeat_at, shards) \
             VALUES ($1, $2, $2, $3) \
             ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, \
             shards = excluded.shards",
        )
        .bind(owner)
        .bind(now_ms)
        .bind(shards)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The processes heard from within `quiet_after_ms` of `now_ms`, oldest first.
    pub async fn live_processes(
        &self,
        now_ms: i64,
        quiet_after_ms: i64,
    ) -> Result<Vec<ProcessRow>, StoreError> {
        let rows = sqlx::query_as(
            "SELECT owner, started_at, heartbeat_at, shards FROM processes \
             WHERE heartbeat_at >= $1 ORDER BY started_at, owner",
        )
        .bind(now_ms - quiet_after_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// A process is stopping: its row goes at once, so the others need not wait for it to
    /// fall quiet.
    pub async fn forget_process(&self, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM processes WHERE owner = $1")
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes the rows of processes not heard from since `before_ms` (ones that died without
    /// a graceful stop); returns how many.
    pub async fn forget_quiet_processes(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM processes WHERE heartbeat_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Takes the lock `name` for `owner` until `until_ms`, if it is free, expired (at
    /// `now_ms`) or already `owner`'s (then it is extended); `false` if another holds it.
    ///
    /// One statement, so it is decided by the database: on PostgreSQL a racing insert of the
    /// same name waits for the first to commit and then evaluates the `WHERE` against that
    /// row, so of any number of processes trying at once exactly one gets a row written.
    pub async fn try_fleet_lock(
        &self,
        name: &str,
        owner: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO fleet_locks (name, owner, until_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms \
             WHERE fleet_locks.until_ms <= $4 OR fleet_locks.owner = excluded.owner",
        )
        .bind(name)
        .bind(owner)
        .bind(until_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives up the lock `name` if `owner` holds it (another's is left alone).
    pub async fn release_fleet_lock(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM fleet_locks WHERE name = $1 AND owner = $2")
            .bind(name)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
