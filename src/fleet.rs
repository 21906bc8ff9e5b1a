//! The processes of one bot that share a database. Each keeps a row alive with a heartbeat;
//! the live ones split the bot's global request budget between them, because Discord counts
//! that budget per bot token, not per process: three processes each sending at the full
//! `discord.requests_per_second` would together run into 429s.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::store::{Store, StoreError};

/// A process that has not written its heartbeat for this many heartbeats is taken for dead
/// (killed, or cut off from the database), and the others share its part of the budget.
pub const QUIET_AFTER_HEARTBEATS: u32 = 3;

/// Rows of processes quiet for this long are removed when a process starts.
const FORGET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// How this process signs its leases and its fleet row: host, process id and a random part
/// (a restarted process with a recycled pid is still someone else).
pub fn process_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// This process's part of a budget of `total_per_second` shared evenly by `processes` live
/// processes: rounded down, so the fleet together stays within the total, but never nothing
/// (a process with no budget could not send at all).
pub fn request_share(total_per_second: u32, processes: usize) -> u32 {
    let processes = u32::try_from(processes.max(1)).unwrap_or(u32::MAX);
    (total_per_second / processes).max(1)
}

/// What the last heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// Live processes, this one included.
    pub processes: usize,
    /// Requests per second this process allows itself.
    pub per_second: u32,
}

/// This process's membership of the fleet.
pub struct Fleet {
    store: Store,
    clock: Arc<dyn Clock>,
    owner: String,
    total_per_second: u32,
    heartbeat: Duration,
    /// The gateway shards this process runs, reported with each heartbeat.
    shards: Mutex<Option<String>>,
    current: Mutex<Share>,
}

impl Fleet {
    /// `owner` is the name the process signs its leases with; `total_per_second` the bot's
    /// whole budget (`discord.requests_per_second`). Until [`Fleet::join`] counts the others,
    /// the process assumes it is alone.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        owner: String,
        total_per_second: u32,
        heartbeat: Duration,
    ) -> Fleet {
        Fleet {
            store,
            clock,
            owner,
            total_per_second,
            heartbeat,
            shards: Mutex::new(None),
            current: Mutex::new(Share {
                processes: 1,
                per_second: request_share(total_per_second, 1),
            }),
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The bot's whole budget, shared by the fleet.
    pub fn total_per_second(&self) -> u32 {
        self.total_per_second
    }

    /// The share as of the last heartbeat (or join).
    pub fn current(&self) -> Share {
        *self.current.lock().expect("fleet share lock")
    }

    /// The gateway shards this process now runs (`0-1/4`), shown in its row from the next
    /// heartbeat on; `None` when it runs none.
    pub fn set_shards(&self, shards: Option<String>) {
        *self.shards.lock().expect("fleet shards lock") = shards;
    }

    /// Registers this process, tidies away rows of processes long dead, and counts the live
    /// ones: the share to start with.
    pub async fn join(&self) -> Result<Share, StoreError> {
        let now = self.clock.now_ms();
        self.store.register_process(&self.owner, now).await?;
        let forgotten = self
            .store
            .forget_quiet_processes(now - FORGET_AFTER_MS)
            .await?;
        if forgotten > 0 {
            tracing::info!(forgotten, "removed the rows of processes quiet for a day");
        }
        self.count(now).await
    }

    /// One heartbeat: this process's row refreshed, the live processes counted, and its
    /// share worked out again.
    pub async fn beat(&self) -> Result<Share, StoreError> {
        let now = self.clock.now_ms();
        let shards = self.shards.lock().expect("fleet shards lock").clone();
        self.store
            .heartbeat(&self.owner, now, shards.as_deref())
            .await?;
        self.count(now).await
    }

    async fn count(&self, now_ms: i64) -> Result<Share, StoreError> {
        let quiet_after = self.heartbeat * QUIET_AFTER_HEARTBEATS;
        let live = self
            .store
            .live_processes(now_ms, quiet_after.as_millis() as i64)
            .await?;
        // This process has just written its row, so it is among them; max(1) all the same.
        let share = Share {
            processes: live.len().max(1),
            per_second: request_share(self.total_per_second, live.len()),
        };
        let before = std::mem::replace(&mut *self.current.lock().expect("fleet share lock"), share);
        if before != share {
            tracing::info!(
                processes = share.processes,
                share_per_second = share.per_second,
                total_per_second = self.total_per_second,
                "fleet changed: this process's share of the request budget"
            );
        }
        Ok(share)
    }

    /// A graceful stop: the row goes at once, so the others take the whole budget at their
    /// next heartbeat instead of waiting for this one to fall quiet.
    pub async fn leave(&self) -> Result<(), StoreError> {
        self.store.forget_process(&self.owner).await
    }

    /// Takes the fleet-wide lock `name` for `hold` from now, as this process: `false` while
    /// another process holds it (see [`Store::try_fleet_lock`]).
    pub async fn try_lock(&self, name: &str, hold: Duration) -> Result<bool, StoreError> {
        let now = self.clock.now_ms();
        self.store
            .try_fleet_lock(name, &self.owner, now, now + hold.as_millis() as i64)
            .await
    }

    /// Gives the lock `name` up at once, if this process holds it.
    pub async fn release(&self, name: &str) -> Result<(), StoreError> {
        self.store.release_fleet_lock(name, &self.owner).await
    }

    /// Beats every `fleet.heartbeat_seconds` until `stop` turns true (or its sender goes),
    /// handing each new share to `follow`. A beat that fails or does not answer within one
    /// heartbeat keeps the last share: an unreachable database says nothing about how many
    /// processes are sending, and the next beat tries again.
    pub async fn run(&self, mut stop: watch::Receiver<bool>, follow: impl Fn(Share)) {
        let mut ticker = tokio::time::interval(self.heartbeat);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is at once, and `join` has just counted.
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            match self.store.within(self.heartbeat, self.beat()).await {
                Ok(share) => follow(share),
                Err(error) => tracing::warn!(
                    %error,
                    share_per_second = self.current().per_second,
                    "fleet heartbeat failed; keeping the current share of the request budget"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_split_evenly_rounded_down_and_never_to_nothing() {
        assert_eq!(request_share(45, 1), 45);
        assert_eq!(request_share(45, 2), 22);
        assert_eq!(request_share(45, 3), 15);
        assert_eq!(request_share(45, 4), 11);
        assert_eq!(request_share(50, 7), 7);
        // More processes than requests per second: each still sends, one a second.
        assert_eq!(request_share(45, 46), 1);
        assert_eq!(request_share(1, 3), 1);
        // No rows at all (this process's own write not yet visible) counts as alone.
        assert_eq!(request_share(45, 0), 45);
        assert_eq!(request_share(45, usize::MAX), 1);
    }

    #[test]
    fn the_fleet_together_stays_within_the_total() {
        for total in 1..=50 {
            for processes in 1..=total as usize {
                let share = request_share(total, processes);
                assert!(
                    share as usize * processes <= total as usize,
                    "{total} {processes}"
                );
                // And wastes less than one request per second per process.
                assert!((share as usize + 1) * processes > total as usize);
            }
        }
    }

    #[test]
    fn process_names_differ_between_starts() {
        let (a, b) = (process_name(), process_name());
        assert_ne!(a, b);
        assert!(a.contains(&format!(":{}:", std::process::id())), "{a}");
    }
}
