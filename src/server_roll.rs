//! The roll of servers the bot is in, as the gateway announces them: joined, seen again on
//! connecting, or left.
//!
//! A bot connecting to 10,000 servers hears 10,000 GUILD_CREATEs within seconds. Written one
//! transaction each, every one became a task holding its server's payload while it waited for a
//! database connection, and the burst set the process's memory for the rest of its life. Here
//! an announcement is a few bytes on a queue, and one task writes them in order, a batch per
//! transaction. A write that fails is retried with the same batch, so a database outage loses
//! no announcement (and a process that stops hears every server again when it reconnects).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::store::{ServerChange, Store};

/// At most this many changes go into one transaction.
const BATCH: usize = 500;
/// The longest wait between retries while the database is unavailable.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// Where the gateway's announcements are queued. Cheap to clone.
#[derive(Clone)]
pub struct ServerRoll {
    changes: mpsc::UnboundedSender<ServerChange>,
}

impl ServerRoll {
    /// Starts the writer. It runs until every `ServerRoll` is dropped and the queue is written.
    pub fn start(
        store: Store,
        clock: Arc<dyn Clock>,
        default_timezone: String,
        server_count: impl Fn(u64) + Send + Sync + 'static,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (changes, queue) = mpsc::unbounded_channel();
        let writer = Writer {
            store,
            clock,
            default_timezone,
            server_count: Box::new(server_count),
        };
        (Self { changes }, tokio::spawn(writer.run(queue)))
    }

    /// Queues a change; it is written within a moment (or when the database is back).
    pub fn record(&self, change: ServerChange) {
        if self.changes.send(change).is_err() {
            // Only after the writer has stopped, at shutdown: the next start hears it again.
            tracing::debug!("server change dropped at shutdown");
        }
    }
}

struct Writer {
    store: Store,
    clock: Arc<dyn Clock>,
    default_timezone: String,
    /// Told how many servers the bot is in after each batch (the edge keeps the gauge).
    server_count: Box<dyn Fn(u64) + Send + Sync>,
}

impl Writer {
    async fn run(self, mut queue: mpsc::UnboundedReceiver<ServerChange>) {
        let mut batch = Vec::with_capacity(BATCH);
        while queue.recv_many(&mut batch, BATCH).await > 0 {
            self.write(&batch).await;
            batch.clear();
            // The queue's buffer keeps its largest size; after a burst, give it back.
            batch.shrink_to(BATCH);
        }
    }

    /// Writes one batch, retrying until the database takes it.
    async fn write(&self, batch: &[ServerChange]) {
        let mut wait = Duration::from_millis(250);
        loop {
            match self
                .store
                .record_server_changes(batch, &self.default_timezone, self.clock.now_ms())
                .await
            {
                Ok(()) => break,
                Err(error) => {
                    tracing::warn!(
                        error = %error,
                        changes = batch.len(),
                        retry_in_ms = wait.as_millis() as u64,
                        "could not record servers joined or left; will retry"
                    );
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_RETRY_WAIT);
                }
            }
        }
        for change in batch {
            match change {
                ServerChange::Joined { guild_id, name, .. } => {
                    tracing::info!(guild = guild_id.get(), name = %name, "in server");
                }
                ServerChange::Left { guild_id } => {
                    tracing::info!(guild = guild_id.get(), "left server")
                }
            }
        }
        if let Ok(count) = self.store.active_server_count().await {
            (self.server_count)(count as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::ids::{GuildId, MemberId};
    use std::sync::atomic::{AtomicU64, Ordering};

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("roll.db").display());
        let store = Store::connect(&crate::settings::DatabaseSettings {
            url: crate::settings::DatabaseUrl::new(&url),
            max_connections: 2,
            busy_timeout_ms: 100,
        })
        .await
        .unwrap();
        store.migrate().await.unwrap();
        (dir, store)
    }

    fn joined(guild_id: u64, name: &str) -> ServerChange {
        ServerChange::Joined {
            guild_id: GuildId(guild_id),
            name: name.into(),
            owner_id: Some(MemberId(7)),
        }
    }

    #[tokio::test]
    async fn a_burst_of_servers_is_all_recorded_in_order_with_leaves_applied_after_joins() {
        let (_dir, store) = store().await;
        let counted = Arc::new(AtomicU64::new(0));
        let (roll, writer) = ServerRoll::start(
            store.clone(),
            Arc::new(SystemClock),
            "Europe/London".into(),
            {
                let counted = counted.clone();
                move |count| counted.store(count, Ordering::Relaxed)
            },
        );
        for id in 1..=1_200 {
            roll.record(joined(id, &format!("Team {id}")));
        }
        roll.record(ServerChange::Left {
            guild_id: GuildId(5),
        });
        roll.record(joined(6, "Renamed"));
        drop(roll);
        writer.await.unwrap();
        assert_eq!(store.active_server_count().await.unwrap(), 1_199);
        assert!(
            store
                .server(GuildId(5))
                .await
                .unwrap()
                .unwrap()
                .left_at
                .is_some()
        );
        assert_eq!(
            store.server(GuildId(6)).await.unwrap().unwrap().name,
            "Renamed"
        );
        assert_eq!(
            store
                .server(GuildId(1_200))
                .await
                .unwrap()
                .unwrap()
                .timezone,
            "Europe/London"
        );
        assert_eq!(counted.load(Ordering::Relaxed), 1_199);
    }

    #[tokio::test]
    async fn servers_announced_while_the_database_is_locked_are_recorded_once_it_is_free() {
        use sqlx::{Connection, Executor};
        let (dir, store) = store().await;
        let url = format!("sqlite://{}", dir.path().join("roll.db").display());
        let mut locker = sqlx::SqliteConnection::connect(&url).await.unwrap();
        locker.execute("BEGIN EXCLUSIVE").await.unwrap();
        let (roll, writer) =
            ServerRoll::start(store.clone(), Arc::new(SystemClock), "UTC".into(), |_| {});
        roll.record(joined(1, "Rosewood"));
        drop(roll);
        // Long enough for several refused writes (each waits out the 100 ms busy timeout).
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert!(
            !writer.is_finished(),
            "the writer gave up on a busy database"
        );
        locker.execute("COMMIT").await.unwrap();
        writer.await.unwrap();
        assert_eq!(
            store.server(GuildId(1)).await.unwrap().unwrap().name,
            "Rosewood"
        );
    }
}
