//! Builds the application from settings (database, migrations, catalogue, operator
//! endpoints) and runs it until it is told to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;

use crate::acts::Catalogue;
use crate::checkins::Checkins;
use crate::clock::Clock;
use crate::daily::DailyAdmin;
use crate::discord::delivery::{DiscordDelivery, Pacer};
use crate::discord::{Bot, BotState};
use crate::fleet::{self, Fleet};
use crate::ideas::Ideas;
use crate::jobs::{Dispatcher, DispatcherSettings, TickReport};
use crate::ops::{self, Metrics};
use crate::server_roll::ServerRoll;
use crate::settings::Settings;
use crate::store::{Store, SyncReport};
use crate::wins::Wins;

/// The catalogue named in the settings, or the built-in one.
pub fn load_catalogue(settings: &Settings) -> anyhow::Result<Catalogue> {
    match settings.catalogue_path() {
        None => Ok(Catalogue::built_in()?),
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "cannot read the catalogue file {} (catalogue.path); fix the path or set it to \"\" for the built-in catalogue",
                    path.display()
                )
            })?;
            Ok(Catalogue::parse(&text, &path.display().to_string())?)
        }
    }
}

/// Opens the database and applies migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(&settings.database).await?;
    store
        .migrate()
        .await
        .with_context(|| format!("migrating {}", settings.database.url))?;
    Ok(store)
}

/// Everything the running bot shares.
pub struct Application {
    pub settings: Settings,
    pub store: Store,
    pub catalogue: Catalogue,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Clock>,
    pub sync: SyncReport,
    pub checkins: Arc<Checkins>,
    ops_listener: Option<tokio::net::TcpListener>,
    web_listener: Option<tokio::net::TcpListener>,
}

impl Application {
    /// Connects and prepares everything that can fail at start-up, so failures are reported
    /// before the bot goes online.
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        let catalogue = load_catalogue(&settings)?;
        let store = open_store(&settings).await?;
        let sync = store
            .sync_catalogue(&catalogue.acts, clock.now_ms())
            .await?;
        tracing::info!(
            database = %settings.database.url,
            acts = catalogue.acts.len(),
            added = sync.added,
            updated = sync.updated,
            retired = sync.retired,
            "catalogue loaded"
        );
        let checkins = Arc::new(
            Checkins::from_settings(store.clone(), clock.clone(), &settings)
                .context("loading the check-in prompts and support list")?,
        );
        let metrics = Arc::new(Metrics::default());
        metrics.catalogue_acts.store(
            catalogue.acts.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        let ops_listener = match settings.http_listen() {
            Some(addr) => Some(ops::bind(addr).await.with_context(|| {
                format!("cannot listen on {addr} (http.listen) for /healthz and /metrics; choose a free port or set it to \"\"")
            })?),
            None => None,
        };
        let web_listener = match settings.web_listen() {
            Some(addr) => Some(ops::bind(addr).await.with_context(|| {
                format!("cannot listen on {addr} (web.listen) for the impact page; choose a free port or set it to \"\"")
            })?),
            None => None,
        };
        Ok(Application {
            settings,
            store,
            catalogue,
            metrics,
            clock,
            sync,
            checkins,
            ops_listener,
            web_listener,
        })
    }

    /// The address the impact page listens on, if on.
    pub fn web_addr(&self) -> Option<SocketAddr> {
        self.web_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The address the operator endpoints listen on, if on.
    pub fn ops_addr(&self) -> Option<SocketAddr> {
        self.ops_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Starts the operator endpoints and connects to Discord. Returns once the bot is
    /// connecting; a bad gateway URL is reported here, not wandered past.
    pub async fn start(mut self) -> anyhow::Result<Running> {
        // Counted in before anything is sent, so the first requests already keep to this
        // process's share of the bot's budget.
        let fleet = Arc::new(Fleet::new(
            self.store.clone(),
            self.clock.clone(),
            fleet::process_name(),
            self.settings.discord.requests_per_second,
            self.settings.fleet.heartbeat(),
        ));
        let share = fleet
            .join()
            .await
            .context("registering this process in the database's fleet table")?;
        tracing::info!(
            process = fleet.owner(),
            processes = share.processes,
            share_per_second = share.per_second,
            "joined the fleet"
        );
        let ops_task = self.ops_listener.take().map(|listener| {
            if let Ok(addr) = listener.local_addr() {
                tracing::info!(%addr, "serving /healthz and /metrics");
            }
            tokio::spawn(ops::serve(
                listener,
                self.store.clone(),
                self.metrics.clone(),
                fleet.clone(),
            ))
        });
        let web_base = self.settings.web_base_url(self.web_addr());
        let web_task = self.web_listener.take().map(|listener| {
            if let Ok(addr) = listener.local_addr() {
                tracing::info!(%addr, "serving the impact page");
            }
            tokio::spawn(crate::web::serve(
                listener,
                crate::web::WebState::new(
                    self.store.clone(),
                    self.clock.clone(),
                    self.checkins.config.min_answers,
                    &self.settings.web,
                ),
            ))
        });
        let settings = Arc::new(self.settings);
        // Its writer ends when the bot's state is dropped, after the last queued change.
        let (servers, _servers_writer) = ServerRoll::start(
            self.store.clone(),
            self.clock.clone(),
            settings.schedule.default_timezone.clone(),
            {
                let metrics = self.metrics.clone();
                move |count| {
                    metrics
                        .servers
                        .store(count, std::sync::atomic::Ordering::Relaxed)
                }
            },
        );
        let state = Arc::new(BotState {
            store: self.store.clone(),
            ideas: Ideas::load(self.store.clone()).await?,
            wins: Wins::new(
                self.store.clone(),
                self.clock.clone(),
                settings.privacy.max_wins_per_hour,
            ),
            daily: DailyAdmin::new(
                self.store.clone(),
                self.clock.clone(),
                settings.schedule.default_timezone.clone(),
            ),
            checkins: self.checkins.clone(),
            impact_links: crate::impact::ImpactLinks::new(self.store.clone(), self.clock.clone()),
            web_base,
            servers,
            metrics: self.metrics.clone(),
            clock: self.clock.clone(),
            settings: settings.clone(),
        });
        let bot = match Bot::build(state).await {
            Ok(bot) => bot,
            Err(error) => {
                if let Some(task) = ops_task {
                    task.abort();
                }
                if let Some(task) = web_task {
                    task.abort();
                }
                if let Err(leaving) = fleet.leave().await {
                    tracing::warn!(error = %leaving, "could not leave the fleet; the row falls quiet by itself");
                }
                return Err(error);
            }
        };
        let shard_manager = bot.shard_manager();
        // Scheduled posts keep to the share; answers to commands do not go through the pacer
        // (Discord gives them 3 seconds, and they are few).
        let pacer = Arc::new(Pacer::new(share.per_second));
        let delivery = DiscordDelivery::new(bot.http(), pacer.clone(), self.metrics.clone())
            .with_rate_limit_holds(bot.rate_limit_holds());
        let dispatcher = Arc::new(
            Dispatcher::new(
                self.store.clone(),
                self.clock.clone(),
                Arc::new(delivery),
                DispatcherSettings {
                    grace: chrono::Duration::minutes(i64::from(settings.schedule.grace_minutes)),
                    batch: i64::from(settings.schedule.batch),
                    wins_retention: chrono::Duration::days(i64::from(
                        settings.privacy.wins_retention_days,
                    )),
                    left_server_retention: chrono::Duration::days(i64::from(
                        settings.privacy.left_server_retention_days,
                    )),
                    lease: chrono::Duration::seconds(i64::from(settings.schedule.lease_seconds)),
                },
            )
            .with_checkins(self.checkins.clone())
            .with_fleet(fleet.clone()),
        );
        let shards_task = tokio::spawn(watch_shards(shard_manager.clone(), self.metrics.clone()));
        fleet.set_shards(Some(bot.shard_plan().to_string()));
        let turn = IdentifyTurn {
            fleet: fleet.clone(),
            plan: bot.shard_plan(),
            metrics: self.metrics.clone(),
        };
        let bot_task = tokio::spawn(async move {
            turn.wait().await;
            let started = bot.run();
            tokio::pin!(started);
            tokio::select! {
                ended = &mut started => ended,
                () = turn.hand_on() => started.await,
            }
        });
        let (stop_scheduler, stop_requested) = tokio::sync::watch::channel(false);
        let scheduler_task = (settings.schedule.tick_seconds > 0).then(|| {
            tokio::spawn(run_scheduler(
                dispatcher.clone(),
                self.metrics.clone(),
                self.clock.clone(),
                std::time::Duration::from_secs(settings.schedule.tick_seconds),
                {
                    let (settings, pacer) = (settings.clone(), pacer.clone());
                    move || pass_deadline(&settings, pacer.rate())
                },
                stop_requested,
            ))
        });
        let heartbeat_task = tokio::spawn({
            let fleet = fleet.clone();
            let stop = stop_scheduler.subscribe();
            async move {
                fleet
                    .run(stop, |share| pacer.set_rate(share.per_second))
                    .await
            }
        });
        Ok(Running {
            store: self.store,
            metrics: self.metrics,
            dispatcher,
            shard_manager,
            bot_task,
            ops_task,
            web_task,
            shards_task,
            scheduler_task,
            fleet,
            heartbeat_task,
            stop_scheduler,
            stop_timeout: std::time::Duration::from_secs(u64::from(
                settings.schedule.stop_timeout_seconds,
            )),
        })
    }

    /// Runs until Ctrl-C or SIGTERM, or until the Discord connection ends for good.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let mut running = self.start().await?;
        let outcome = tokio::select! {
            _ = shutdown_signal() => {
                tracing::info!("stopping");
                Ok(())
            }
            ended = &mut running.bot_task => match ended {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(error),
                Err(join) => Err(anyhow::anyhow!("the bot task failed: {join}")),
            },
        };
        running.stop().await;
        outcome
    }
}

/// A started application.
pub struct Running {
    pub store: Store,
    pub metrics: Arc<Metrics>,
    /// The scheduled jobs; tests run a pass with [`Running::tick`] and a driven clock.
    pub dispatcher: Arc<Dispatcher>,
    scheduler_task: Option<tokio::task::JoinHandle<()>>,
    shard_manager: Arc<poise::serenity_prelude::ShardManager>,
    bot_task: tokio::task::JoinHandle<anyhow::Result<()>>,
    ops_task: Option<tokio::task::JoinHandle<()>>,
    /// The impact page's server.
    web_task: Option<tokio::task::JoinHandle<()>>,
    /// Keeps [`Metrics::shards`] current.
    shards_task: tokio::task::JoinHandle<()>,
    /// This process in the fleet, and the heartbeat that keeps its share up to date.
    pub fleet: Arc<Fleet>,
    heartbeat_task: tokio::task::JoinHandle<()>,
    stop_scheduler: tokio::sync::watch::Sender<bool>,
    /// How long a graceful stop lets the scheduler finish what it is sending.
    stop_timeout: std::time::Duration,
}

/// What a graceful stop did, for the log and for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StopReport {
    /// The scheduler's pass under way finished within the stop timeout.
    pub finished_in_time: bool,
    /// Claims (posts, direct messages) handed back unsent, for any process to take over.
    pub released: u64,
}

impl Running {
    /// One scheduler pass at the clock's time, counted in the metrics as the scheduler's own
    /// passes are (the demo and tests drive the clock and call this).
    pub async fn tick(&self) -> Result<TickReport, crate::store::StoreError> {
        scheduler_pass(&self.dispatcher, &self.metrics).await
    }

    /// Stops gracefully: claims nothing new, lets the pass under way finish what it claimed
    /// (at most `schedule.stop_timeout_seconds`), hands back whatever is still unsent so any
    /// process takes it over at once, closes the gateway normally (close code 1000), stops
    /// the endpoints and closes the database.
    pub async fn stop(self) -> StopReport {
        let mut report = StopReport {
            finished_in_time: true,
            released: 0,
        };
        self.dispatcher.stop_claiming();
        let _ = self.stop_scheduler.send(true);
        if let Some(mut task) = self.scheduler_task
            && tokio::time::timeout(self.stop_timeout, &mut task)
                .await
                .is_err()
        {
            report.finished_in_time = false;
            task.abort();
            let _ = task.await;
        }
        // Anything still claimed by this process is unsent: hand it back. A database that
        // does not answer in time leaves the leases to run out instead.
        match tokio::time::timeout(
            std::time::Duration::from_secs(2),
            self.dispatcher.release_leases(),
        )
        .await
        {
            Ok(Ok(released)) => report.released = released,
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "could not hand back claims; they expire with their leases")
            }
            Err(_) => tracing::warn!(
                "the database did not answer while handing back claims; they expire with their leases"
            ),
        }
        leave_fleet(&self.fleet, self.heartbeat_task).await;
        self.shard_manager.shutdown_all().await;
        let mut bot_task = self.bot_task;
        // Already finished when the gateway ended for good (and then already awaited).
        if !bot_task.is_finished()
            && tokio::time::timeout(std::time::Duration::from_secs(2), &mut bot_task)
                .await
                .is_err()
        {
            bot_task.abort();
        }
        if let Some(task) = self.ops_task {
            task.abort();
        }
        if let Some(task) = self.web_task {
            task.abort();
        }
        self.shards_task.abort();
        self.store.close().await;
        tracing::info!(
            finished_in_time = report.finished_in_time,
            released = report.released,
            "stopped"
        );
        report
    }
}

/// Leaves the fleet once nothing more is sent, so the others take the whole budget at their
/// next heartbeat. The heartbeat (told to stop with the scheduler) ends first: a late beat
/// would write the row back.
async fn leave_fleet(fleet: &Fleet, mut heartbeat_task: tokio::task::JoinHandle<()>) {
    let wait = std::time::Duration::from_secs(2);
    if tokio::time::timeout(wait, &mut heartbeat_task)
        .await
        .is_err()
    {
        heartbeat_task.abort();
        let _ = heartbeat_task.await;
    }
    // A process stopped while its shards were starting hands the identify turn on too.
    let leave = async {
        fleet.release(IdentifyTurn::LOCK).await?;
        fleet.leave().await
    };
    match tokio::time::timeout(wait, leave).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(
            error = %error,
            "could not leave the fleet; the others notice within three heartbeats"
        ),
        Err(_) => tracing::warn!(
            "the database did not answer while leaving the fleet; the others notice within three heartbeats"
        ),
    }
}

/// How long one scheduler pass may take before it is abandoned: a lease, plus a batch of
/// posts (two requests each) at this process's pace now (its share of the fleet's budget). A
/// pass stuck on a database that stopped answering (a black-holed connection never errors by
/// itself) is dropped; whatever it had claimed is taken over when the lease runs out, and the
/// next pass starts afresh.
fn pass_deadline(settings: &Settings, requests_per_second: u32) -> std::time::Duration {
    let sending = 2.0 * f64::from(settings.schedule.batch) / f64::from(requests_per_second.max(1));
    std::time::Duration::from_secs(u64::from(settings.schedule.lease_seconds))
        + std::time::Duration::from_secs_f64(sending)
}

/// One pass of the scheduled jobs, counted in the metrics from what it reports (the jobs
/// count nothing themselves). The scheduler and [`Running::tick`] both go through here.
async fn scheduler_pass(
    dispatcher: &Dispatcher,
    metrics: &Metrics,
) -> Result<TickReport, crate::store::StoreError> {
    let report = dispatcher.tick().await?;
    metrics.count_pass(&report);
    Ok(report)
}

/// Runs the dispatcher: a pass now, then again when the next post is due or after `longest`,
/// whichever comes first (settings changed by admins are picked up by the next pass). Each
/// pass gets `deadline()` as it starts.
async fn run_scheduler(
    dispatcher: Arc<Dispatcher>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    longest: std::time::Duration,
    deadline: impl Fn() -> std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        let deadline = deadline();
        match tokio::time::timeout(deadline, scheduler_pass(&dispatcher, &metrics)).await {
            Ok(Ok(report)) if report != Default::default() => {
                tracing::info!(?report, "scheduler pass")
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                tracing::error!(error = %error, "scheduler pass failed; trying again shortly")
            }
            Err(_) => tracing::error!(
                seconds = deadline.as_secs(),
                "a scheduler pass took too long (is the database answering?); abandoned it, and \
                 what it had claimed is taken over when its lease runs out"
            ),
        }
        let next_due = tokio::time::timeout(longest, dispatcher.next_due()).await;
        let until_next = match next_due {
            Ok(Ok(Some(at))) => (at - clock.now()).to_std().unwrap_or_default(),
            _ => longest,
        };
        let pause = until_next
            .min(longest)
            .max(std::time::Duration::from_millis(200));
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return,
        }
    }
}

/// The fleet's turn to identify on the gateway. Discord allows one IDENTIFY per 5 seconds
/// (per `max_concurrency` bucket) for the whole bot, and serenity spaces only its own
/// process's shards: processes starting together take turns through a lock in the database,
/// each holding it until its shards are connected and 5 seconds more.
struct IdentifyTurn {
    fleet: Arc<Fleet>,
    plan: crate::shards::ShardPlan,
    metrics: Arc<Metrics>,
}

impl IdentifyTurn {
    const LOCK: &'static str = "gateway-identify";

    /// Long enough for this process's shards to identify, and a margin.
    fn hold(&self) -> std::time::Duration {
        self.plan.identify_time() + std::time::Duration::from_secs(10)
    }

    /// Waits until this process has the turn. A database that cannot be asked does not keep
    /// the bot off the gateway: at worst Discord answers a clashing IDENTIFY with
    /// INVALID_SESSION and serenity identifies again 5 seconds later.
    async fn wait(&self) {
        let mut waited = false;
        loop {
            match self.fleet.try_lock(Self::LOCK, self.hold()).await {
                Ok(true) => break,
                Ok(false) => {
                    if !waited {
                        tracing::info!(
                            shards = %self.plan,
                            "another process is identifying on the gateway; waiting for its turn to end"
                        );
                        waited = true;
                    }
                }
                Err(error) => {
                    tracing::warn!(error = %error, "could not take the gateway's identify turn; identifying anyway");
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// Hands the turn on once this process's shards are all connected and Discord's 5
    /// seconds since the last of them have passed; never resolves (the bot runs on).
    async fn hand_on(&self) {
        let started = tokio::time::Instant::now();
        while started.elapsed() < self.hold() {
            let connected = self
                .metrics
                .shards
                .lock()
                .expect("shard statuses")
                .iter()
                .filter(|s| s.connected)
                .count();
            if connected as u32 >= self.plan.count() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        tokio::time::sleep(std::time::Duration::from_secs(
            crate::shards::IDENTIFY_INTERVAL_SECONDS,
        ))
        .await;
        if let Err(error) = self.fleet.release(Self::LOCK).await {
            tracing::warn!(error = %error, "could not hand on the identify turn; it lapses by itself");
        }
        std::future::pending::<()>().await
    }
}

/// Copies each shard's stage and latency into the metrics every couple of seconds, for
/// `/healthz` and `/metrics` (serenity keeps them behind an async lock the endpoints should
/// not wait on).
async fn watch_shards(manager: Arc<poise::serenity_prelude::ShardManager>, metrics: Arc<Metrics>) {
    loop {
        let statuses = crate::discord::gateway::shard_statuses(&manager).await;
        *metrics.shards.lock().expect("shard statuses") = statuses;
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (what `docker stop` sends).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
