//! The dispatcher: finds servers whose daily post is due, decides (catch-up rules) whether to
//! post or skip, claims the slot in the database so it happens exactly once, picks the act,
//! and hands a plain [`Outgoing`] to whatever delivers it. Nothing here knows about Discord.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use futures::StreamExt as _;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::plan::{AwarenessWeek, SizePlan};
use crate::acts::{
    ActFilter, Setting, choose_fresh, current_round, split_tags, stable_seed as seed,
};
use crate::calendar::{CatchUp, Firing, Schedule, catch_up, parse_timezone, resolve_local};
use crate::checkins::{CheckinStyle, Checkins, PulseResult};
use crate::clock::Clock;
use crate::ids::{ChannelId, DmId, GuildId, MemberId, MessageId, PostId, RunId};
use crate::ops::Metrics;
use crate::store::{Claim, DailyConfig, Lease, NewPost, RecapConfig, Store, StoreError, StoredAct};

/// The job name of the daily post in the posts table.
pub const DAILY_JOB: &str = "daily";
pub const KICKOFF_JOB: &str = "awareness-kickoff";
pub const CLOSING_JOB: &str = "awareness-closing";
pub const RECAP_JOB: &str = "recap";
/// The totals of a closed pulse: job "pulse-results", slot the run's id.
pub const PULSE_RESULTS_JOB: &str = "pulse-results";
mod checkins;
mod recovery;
pub use checkins::{BUDDY_ROUND_JOB, CHECKIN_JOB_PREFIX, checkin_job};
pub use recovery::{Confirmation, confirm_delivery};

/// Servers whose daily post is worked out and sent at the same time, in one process.
const SERVERS_IN_FLIGHT: usize = 4;

/// Attempts at delivering one post before giving up.
pub const MAX_ATTEMPTS: i64 = 4;

/// The day's act, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyPost {
    pub post_id: PostId,
    pub guild_id: GuildId,
    pub channel_id: ChannelId,
    pub act: StoredAct,
    pub local_date: NaiveDate,
    /// 0 (Monday) to 6 (Sunday) during Loneliness Awareness Week.
    pub awareness_day: Option<u32>,
}

/// Something the bot should post. Plain data: the Discord side renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Daily(DailyPost),
    /// Monday of Loneliness Awareness Week: what the week is and how to take part.
    AwarenessKickoff {
        post_id: PostId,
        channel_id: ChannelId,
        week: AwarenessWeek,
    },
    /// Sunday of the week: how many acts the team did.
    AwarenessClosing {
        post_id: PostId,
        channel_id: ChannelId,
        week: AwarenessWeek,
        acts_done: i64,
    },
    /// The weekly recap.
    Recap {
        post_id: PostId,
        channel_id: ChannelId,
        server: String,
        recap: Box<crate::recap::Recap>,
    },
    /// A scheduled check-in: a prompt, with a thread and/or the pulse buttons.
    Checkin(CheckinPost),
    /// A closed pulse, added up: posted in the check-in's thread (or channel).
    PulseResults {
        post_id: PostId,
        channel_id: ChannelId,
        /// What it was for: "Monday's 14:00 check-in".
        title: String,
        result: PulseResult,
        min_answers: u32,
    },
    /// A direct message to one member (buddy pairing), sent outside their quiet hours.
    DirectMessage {
        /// Its row in the queue (the nonce).
        dm_id: DmId,
        member_id: MemberId,
        text: String,
    },
    /// The thread a post opens, opened after the fact: the post was confirmed by its own
    /// MESSAGE_CREATE after its REST answer was lost.
    Thread {
        channel_id: ChannelId,
        message_id: MessageId,
        name: String,
    },
    /// A post could not be delivered: tell the server's admins.
    AdminAlert {
        admin_channel_id: Option<ChannelId>,
        owner_id: Option<MemberId>,
        text: String,
    },
}

impl Outgoing {
    /// A nonce unique to this outgoing post: Discord's `enforce_nonce` returns the first
    /// message for a repeated one (for a few minutes), and the bot's own MESSAGE_CREATE
    /// carries it back, which confirms the post was sent even if the REST answer was lost
    /// ([`confirm_delivery`]).
    pub fn nonce(&self) -> Option<String> {
        match self {
            Outgoing::Daily(DailyPost { post_id, .. })
            | Outgoing::Checkin(CheckinPost { post_id, .. })
            | Outgoing::AwarenessKickoff { post_id, .. }
            | Outgoing::AwarenessClosing { post_id, .. }
            | Outgoing::Recap { post_id, .. }
            | Outgoing::PulseResults { post_id, .. } => Some(Confirmation::Post(*post_id).nonce()),
            Outgoing::DirectMessage { dm_id, .. } => {
                Some(Confirmation::DirectMessage(*dm_id).nonce())
            }
            Outgoing::Thread { .. } | Outgoing::AdminAlert { .. } => None,
        }
    }

    /// What it is, for an admin alert: "today's act of connection".
    fn what(&self) -> &'static str {
        match self {
            Outgoing::Recap { .. } => "the weekly recap",
            Outgoing::Checkin(_) => "a check-in",
            _ => "today's act of connection",
        }
    }

    /// The command that sets its channel again.
    fn setup_command(&self) -> &'static str {
        match self {
            Outgoing::Recap { .. } => "/recap setup",
            Outgoing::Checkin(_) => "/checkin add",
            _ => "/daily setup",
        }
    }

    fn channel_id(&self) -> Option<ChannelId> {
        match self {
            Outgoing::Daily(p) => Some(p.channel_id),
            Outgoing::Checkin(c) => Some(c.channel_id),
            Outgoing::AwarenessKickoff { channel_id, .. }
            | Outgoing::AwarenessClosing { channel_id, .. }
            | Outgoing::Recap { channel_id, .. }
            | Outgoing::PulseResults { channel_id, .. }
            | Outgoing::Thread { channel_id, .. } => Some(*channel_id),
            Outgoing::DirectMessage { .. } | Outgoing::AdminAlert { .. } => None,
        }
    }
}

/// The name of the thread for a day's wins: "Wins — Mon 8 June".
pub fn wins_thread_name(date: NaiveDate) -> String {
    format!("Wins \u{2014} {}", date.format("%a %-d %B"))
}

/// The name of a check-in's thread, within Discord's 100 characters.
pub fn checkin_thread_name(title: &str) -> String {
    crate::echo::cut(&format!("{title} · how's everyone?"), 100)
}

/// A check-in, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinPost {
    pub post_id: PostId,
    pub run_id: RunId,
    pub channel_id: ChannelId,
    pub prompt: String,
    pub style: CheckinStyle,
    /// "Monday 14:00 check-in".
    pub title: String,
    /// When the pulse closes, local "HH:MM" (with the day if not today).
    pub closes: String,
    pub min_answers: u32,
}

/// Why a delivery failed, in terms the dispatcher can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the channel no longer exists (it was deleted, or the bot can't see it)")]
    ChannelGone,
    #[error("the bot is missing a permission: {0}")]
    MissingPermission(String),
    #[error("Discord is busy or unreachable: {0}")]
    Transient(String),
    #[error("Discord refused it: {0}")]
    Refused(String),
}

impl DeliveryError {
    /// Retrying only helps when nothing about the server has to change first.
    pub fn retryable(&self) -> bool {
        matches!(self, DeliveryError::Transient(_))
    }
}

/// What a delivery produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub message_id: MessageId,
    pub thread_id: Option<ChannelId>,
}

pub type DeliveryFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Delivered, DeliveryError>> + Send + 'a>>;

/// Delivers outgoing posts (implemented by the Discord side, and by fakes in unit tests).
pub trait Deliver: Send + Sync + 'static {
    fn deliver<'a>(&'a self, outgoing: &'a Outgoing) -> DeliveryFuture<'a>;
}

/// What one tick did, for logs, metrics and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    pub posted: usize,
    pub skipped_late: usize,
    pub failed: usize,
    pub already_claimed: usize,
    pub retried: usize,
    /// Weekly recaps posted.
    pub recaps: usize,
    /// Rows deleted by the retention job, when it ran in this tick.
    pub expired_wins: u64,
    pub expired_servers: u64,
    /// Buddy round memberships older than pairing looks back (a year).
    pub expired_buddy_rows: u64,
    /// Check-ins posted, pulses closed, buddy rounds run, direct messages sent.
    pub checkins: usize,
    pub pulses_closed: usize,
    pub buddy_rounds: usize,
    pub dms_sent: usize,
    /// Claims taken over from a process that stopped before settling them.
    pub taken_over: usize,
    /// Threads opened for posts sent earlier (they wait behind the day's messages).
    pub threads: usize,
}

impl TickReport {
    /// Adds what another part of the pass did.
    fn absorb(&mut self, other: TickReport) {
        self.posted += other.posted;
        self.skipped_late += other.skipped_late;
        self.failed += other.failed;
        self.already_claimed += other.already_claimed;
        self.retried += other.retried;
        self.recaps += other.recaps;
        self.expired_wins += other.expired_wins;
        self.expired_servers += other.expired_servers;
        self.expired_buddy_rows += other.expired_buddy_rows;
        self.checkins += other.checkins;
        self.pulses_closed += other.pulses_closed;
        self.buddy_rounds += other.buddy_rounds;
        self.dms_sent += other.dms_sent;
        self.taken_over += other.taken_over;
        self.threads += other.threads;
    }
}

/// Settings the dispatcher needs from configuration.
#[derive(Debug, Clone)]
pub struct DispatcherSettings {
    pub grace: chrono::Duration,
    /// Servers handled per tick at most (the rest wait for the next tick).
    pub batch: i64,
    /// Wins older than this are deleted (the daily retention job).
    pub wins_retention: chrono::Duration,
    /// A server's data is deleted this long after the bot left it.
    pub left_server_retention: chrono::Duration,
    /// How long a claim is held before another process may take it over: longer than any
    /// one send takes, short enough that a takeover falls inside the few minutes Discord
    /// checks a nonce for.
    pub lease: chrono::Duration,
}

pub struct Dispatcher {
    store: Store,
    clock: Arc<dyn Clock>,
    deliver: Arc<dyn Deliver>,
    metrics: Arc<Metrics>,
    settings: DispatcherSettings,
    /// When the retention job last ran (it runs once a day).
    last_retention: std::sync::Mutex<Option<DateTime<Utc>>>,
    /// Check-ins, the pulse, buddy rounds and direct messages, when the bot has them.
    checkins: Option<Arc<Checkins>>,
    /// When the gone-quiet nudges were last looked for (hourly).
    last_quiet_check: std::sync::Mutex<Option<DateTime<Utc>>>,
    /// This process, as it signs its leases: `host:pid:random`.
    owner: String,
    /// Set by a graceful stop: claim nothing new.
    stopping: std::sync::atomic::AtomicBool,
    /// The fleet this process belongs to (its share of the request budget), when running.
    fleet: Option<Arc<crate::fleet::Fleet>>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        deliver: Arc<dyn Deliver>,
        metrics: Arc<Metrics>,
        settings: DispatcherSettings,
    ) -> Dispatcher {
        Dispatcher {
            store,
            clock,
            deliver,
            metrics,
            settings,
            last_retention: std::sync::Mutex::new(None),
            checkins: None,
            last_quiet_check: std::sync::Mutex::new(None),
            owner: crate::fleet::process_name(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            fleet: None,
        }
    }

    /// A graceful stop begins: the pass under way finishes what it has claimed, and nothing
    /// new is claimed after it.
    pub fn stop_claiming(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A lease for a claim made now.
    fn lease(&self, now: DateTime<Utc>) -> Lease {
        Lease {
            owner: self.owner.clone(),
            until_ms: (now + self.settings.lease).timestamp_millis(),
        }
    }

    /// Hands back whatever this process still holds unsent (a stop that could not finish in
    /// time), so any process takes it over at once.
    pub async fn release_leases(&self) -> Result<u64, StoreError> {
        self.store
            .release_leases(&self.owner, self.clock.now_ms())
            .await
    }

    /// Runs as a member of `fleet`: signs leases with its name, and takes no more servers
    /// at a time than its share of the request budget sends well within a lease.
    pub fn with_fleet(mut self, fleet: Arc<crate::fleet::Fleet>) -> Dispatcher {
        self.owner = fleet.owner().to_owned();
        self.fleet = Some(fleet);
        self
    }

    /// Servers taken for their daily post in one pass: `schedule.batch`, or fewer if this
    /// process's share of the budget could not send them in half a lease (what it holds must
    /// not lapse into another process's hands while it is still sending).
    fn servers_per_pass(&self) -> i64 {
        let Some(fleet) = &self.fleet else {
            return self.settings.batch;
        };
        let per_second = i64::from(fleet.current().per_second);
        let within_half_a_lease = per_second * self.settings.lease.num_seconds() / 2;
        self.settings.batch.min(within_half_a_lease.max(1))
    }

    /// Runs the check-in jobs too.
    pub fn with_checkins(mut self, checkins: Arc<Checkins>) -> Dispatcher {
        self.checkins = Some(checkins);
        self
    }

    /// Handles every server whose daily post is due now, retries failed posts whose backoff
    /// has passed, and (once a day) deletes data past its retention.
    pub async fn tick(&self) -> Result<TickReport, StoreError> {
        let now = self.clock.now();
        let mut report = TickReport::default();
        if self.stopping() {
            return Ok(report);
        }
        // The day's messages first: servers are taken a batch at a time (each by one process
        // of a fleet), and the threads those posts open wait until no more posts are due, so
        // every team's act lands as early as the request budget allows.
        let servers = self.servers_per_pass();
        let due = self
            .store
            .take_due_daily(now.timestamp_millis(), &self.lease(now), servers)
            .await?;
        let more_posts_due = due.len() as i64 >= servers;
        // A few servers at a time, so that one server's database work overlaps another's
        // request: the pace is the delivery's, and this keeps it from waiting on the database.
        let handled: Vec<TickReport> = futures::stream::iter(due)
            .map(|config| async move {
                let mut handled = TickReport::default();
                if !self.stopping()
                    && let Err(error) = self.handle_server(&config, now, &mut handled).await
                {
                    tracing::error!(guild = config.guild_id.get(), error = %error, "daily post failed");
                }
                handled
            })
            .buffer_unordered(SERVERS_IN_FLIGHT)
            .collect()
            .await;
        for handled in handled {
            report.absorb(handled);
        }
        if self.stopping() {
            return Ok(report);
        }
        for config in self
            .store
            .due_recaps(now.timestamp_millis(), self.settings.batch)
            .await?
        {
            if self.stopping() {
                return Ok(report);
            }
            if let Err(error) = self.handle_recap(&config, now, &mut report).await {
                tracing::error!(guild = config.guild_id.get(), error = %error, "weekly recap failed");
            }
        }
        if let Some(checkins) = self.checkins.clone() {
            self.checkin_jobs(&checkins, now, &mut report).await?;
        }
        self.recover(now, &mut report).await?;
        if !more_posts_due {
            self.open_deferred_threads(now, &mut report).await?;
        }
        self.apply_retention(now, &mut report).await?;
        Ok(report)
    }

    /// The weekly recap: same catch-up and exactly-once rules as the daily post.
    async fn handle_recap(
        &self,
        config: &RecapConfig,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> anyhow::Result<()> {
        let Some(channel_id) = config.channel_id else {
            return Ok(());
        };
        let schedule = Schedule::from_storage(&config.schedule)?;
        let tz = parse_timezone(&config.timezone)?;
        let done_through = config
            .next_at
            .map(|ms| DateTime::from_timestamp_millis(ms - 1).unwrap_or(now));
        let next = schedule
            .next_after(tz, now)
            .map(|f| f.at.timestamp_millis());
        match catch_up(&schedule, tz, done_through, now, self.settings.grace) {
            CatchUp::Nothing => {}
            CatchUp::TooLate(firing) => {
                self.skip_late(config.guild_id, RECAP_JOB, &firing, channel_id, now, report)
                    .await?
            }
            CatchUp::Post(firing) => {
                let claim = self
                    .claim(
                        firing_post(config.guild_id, RECAP_JOB, &firing, channel_id),
                        now,
                    )
                    .await?;
                if let Claim::Won(post_id) = claim {
                    let outgoing = self
                        .recap_outgoing(config, post_id, channel_id, now)
                        .await?;
                    let daily = self.store.daily_config(config.guild_id).await?;
                    let sent = match &daily {
                        Some(daily) => self.send(daily, post_id, &outgoing).await?,
                        None => false,
                    };
                    if sent {
                        report.recaps += 1;
                    }
                } else {
                    report.already_claimed += 1;
                }
            }
        }
        self.store
            .change_recap(
                config.guild_id,
                &crate::store::RecapChange {
                    next_at: Some(next),
                    ..Default::default()
                },
            )
            .await?;
        Ok(())
    }

    /// The recap as it stands now, ready to post as `post_id`.
    async fn recap_outgoing(
        &self,
        config: &RecapConfig,
        post_id: PostId,
        channel_id: ChannelId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Outgoing> {
        let tz = parse_timezone(&config.timezone)?;
        let recap = crate::recap::compute(&self.store, config.guild_id, tz, now).await?;
        Ok(Outgoing::Recap {
            post_id,
            channel_id,
            server: config.name.clone(),
            recap: Box::new(recap),
        })
    }

    /// Claims a post under this process's lease.
    async fn claim(&self, post: NewPost<'_>, now: DateTime<Utc>) -> Result<Claim, StoreError> {
        self.store
            .claim_post(&post, &self.lease(now), now.timestamp_millis())
            .await
    }

    /// Records a firing that came too late after downtime as skipped (once), and logs it: it
    /// is never posted late.
    async fn skip_late(
        &self,
        guild_id: GuildId,
        job: &str,
        firing: &Firing,
        channel_id: ChannelId,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let claim = self
            .claim(firing_post(guild_id, job, firing, channel_id), now)
            .await?;
        if let Claim::Won(post_id) = claim {
            let reason = format!(
                "skipped: due at {} but the bot was down until {} (more than the grace window, or a new day)",
                firing.at, now
            );
            self.store.mark_post_skipped(post_id, &reason).await?;
            tracing::warn!(guild = guild_id.get(), job, slot = %firing.slot, "{reason}");
            report.skipped_late += 1;
        }
        Ok(())
    }

    /// Once a day: deletes wins past their retention, and the data of servers the bot left
    /// long enough ago (everything of theirs goes with them).
    async fn apply_retention(
        &self,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        {
            let mut last = self.last_retention.lock().expect("retention clock");
            if last.is_some_and(|at| now - at < chrono::Duration::days(1)) {
                return Ok(());
            }
            *last = Some(now);
        }
        // One process of a fleet runs it each day: the others find the day's turn taken.
        let day_ms = chrono::Duration::days(1).num_milliseconds();
        if !self
            .store
            .try_fleet_lock(
                "retention",
                &self.owner,
                now.timestamp_millis(),
                now.timestamp_millis() + day_ms - 60_000,
            )
            .await?
        {
            return Ok(());
        }
        report.expired_wins = self
            .store
            .delete_wins_before((now - self.settings.wins_retention).timestamp_millis())
            .await?;
        report.expired_servers = self
            .store
            .delete_servers_left_before(
                (now - self.settings.left_server_retention).timestamp_millis(),
            )
            .await?;
        let stray = self.store.delete_answers_of_closed_runs().await?;
        if stray > 0 {
            tracing::warn!(
                answers = stray,
                "deleted pulse answers left under closed check-ins"
            );
        }
        report.expired_buddy_rows = self
            .store
            .delete_buddy_rounds_before((now - crate::checkins::PAIRING_MEMORY).timestamp_millis())
            .await?;
        if report.expired_wins + report.expired_servers + report.expired_buddy_rows > 0 {
            tracing::info!(
                wins = report.expired_wins,
                servers = report.expired_servers,
                buddy_rows = report.expired_buddy_rows,
                "retention: deleted expired data"
            );
        }
        Ok(())
    }

    /// When the next tick should happen: the earliest due time, or `None` if nothing is set.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let daily = self.store.earliest_daily_due().await?;
        let threads = self.store.earliest_thread_due().await?;
        let checkins = match self.checkins {
            Some(_) => self.store.earliest_checkin_due().await?,
            None => None,
        };
        Ok(daily
            .into_iter()
            .chain(threads)
            .chain(checkins)
            .min()
            .and_then(DateTime::from_timestamp_millis))
    }

    async fn handle_server(
        &self,
        config: &DailyConfig,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> anyhow::Result<()> {
        let (Some(schedule_text), Some(channel_id)) = (&config.schedule, config.channel_id) else {
            return Ok(());
        };
        let schedule = Schedule::from_storage(schedule_text)?;
        let tz = parse_timezone(&config.timezone)?;
        let done_through = config
            .next_at
            .map(|ms| DateTime::from_timestamp_millis(ms - 1).unwrap_or(now));
        // Work out the next due time first, so the server is not looked at again this minute
        // whatever happens below.
        let next = schedule
            .next_after(tz, now)
            .map(|f| f.at.timestamp_millis());
        let paused = config
            .paused_until
            .is_some_and(|until| until > now.timestamp_millis());
        match catch_up(&schedule, tz, done_through, now, self.settings.grace) {
            CatchUp::Nothing => {}
            _ if paused => tracing::info!(guild = config.guild_id.get(), "daily post paused"),
            CatchUp::TooLate(firing) => {
                self.skip_late(config.guild_id, DAILY_JOB, &firing, channel_id, now, report)
                    .await?
            }
            CatchUp::Post(firing) => {
                self.post_daily(config, tz, channel_id, &firing, now, report)
                    .await?
            }
        }
        self.store.set_daily_next_at(config.guild_id, next).await?;
        Ok(())
    }

    async fn post_daily(
        &self,
        config: &DailyConfig,
        tz: Tz,
        channel_id: ChannelId,
        firing: &Firing,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> anyhow::Result<()> {
        let date = firing.local.date();
        let week = awareness_week(config, date);
        let acts = self.store.active_acts(Some(config.guild_id)).await?;
        let history = self
            .store
            .posted_act_slugs(config.guild_id, DAILY_JOB)
            .await?;
        let Some(act) = choose_for_day(&acts, config, date, week, &firing.slot, &history) else {
            tracing::warn!(
                guild = config.guild_id.get(),
                "no act fits this server's filters"
            );
            return Ok(());
        };
        let claim = self
            .claim(
                NewPost {
                    guild_id: config.guild_id,
                    job: DAILY_JOB,
                    slot: &firing.slot,
                    act_id: Some(act.id),
                    channel_id: Some(channel_id),
                    scheduled_for: firing.at.timestamp_millis(),
                    thread_name: Some(&wins_thread_name(date)),
                },
                now,
            )
            .await?;
        let Claim::Won(post_id) = claim else {
            report.already_claimed += 1;
            return Ok(());
        };
        if let Some(week) = week
            && week.day_index(date) == Some(0)
        {
            self.announce(
                config,
                KICKOFF_JOB,
                &firing.slot,
                channel_id,
                now,
                |post_id| Outgoing::AwarenessKickoff {
                    post_id,
                    channel_id,
                    week,
                },
            )
            .await?;
        }
        let outgoing = Outgoing::Daily(DailyPost {
            post_id,
            guild_id: config.guild_id,
            channel_id,
            act,
            local_date: date,
            awareness_day: week.and_then(|w| w.day_index(date)),
        });
        if self.send(config, post_id, &outgoing).await? {
            report.posted += 1;
        } else {
            report.failed += 1;
        }
        if let Some(week) = week
            && week.day_index(date) == Some(6)
        {
            let (from, to) = week_bounds_ms(week, tz);
            let acts_done = self
                .store
                .count_done_between(config.guild_id, from, to)
                .await?;
            self.announce(
                config,
                CLOSING_JOB,
                &firing.slot,
                channel_id,
                now,
                |post_id| Outgoing::AwarenessClosing {
                    post_id,
                    channel_id,
                    week,
                    acts_done,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Claims and sends a campaign post that goes with the day's post.
    async fn announce(
        &self,
        config: &DailyConfig,
        job: &str,
        slot: &str,
        channel_id: ChannelId,
        now: DateTime<Utc>,
        build: impl FnOnce(PostId) -> Outgoing,
    ) -> anyhow::Result<()> {
        if let Claim::Won(post_id) = self
            .claim(
                NewPost {
                    guild_id: config.guild_id,
                    job,
                    slot,
                    act_id: None,
                    channel_id: Some(channel_id),
                    scheduled_for: now.timestamp_millis(),
                    thread_name: None,
                },
                now,
            )
            .await?
        {
            self.send(config, post_id, &build(post_id)).await?;
        }
        Ok(())
    }

    /// Delivers a claimed post and records the outcome; tells the server's admins when
    /// retrying cannot help. Returns whether it went out.
    async fn send(
        &self,
        config: &DailyConfig,
        post_id: PostId,
        outgoing: &Outgoing,
    ) -> anyhow::Result<bool> {
        match self.settle(post_id, 0, outgoing).await? {
            Ok(()) => Ok(true),
            Err(error) => {
                if !error.retryable() {
                    self.alert_admins(config, outgoing, &error).await;
                }
                Ok(false)
            }
        }
    }

    /// Tells the server's admins, in their admin channel if set, else the owner by DM.
    async fn alert_admins(&self, config: &DailyConfig, failed: &Outgoing, error: &DeliveryError) {
        let channel = failed
            .channel_id()
            .map(|c| format!("<#{c}>"))
            .unwrap_or_else(|| "its channel".into());
        let fix = match error {
            DeliveryError::ChannelGone => {
                format!("Choose a channel again with `{}`.", failed.setup_command())
            }
            DeliveryError::MissingPermission(what) => {
                format!(
                    "Give the bot {what} there (Server Settings > Roles, or the channel's permissions), then run `/doctor` to check."
                )
            }
            DeliveryError::Transient(_) | DeliveryError::Refused(_) => String::new(),
        };
        let alert = Outgoing::AdminAlert {
            admin_channel_id: config.admin_channel_id,
            owner_id: config.owner_id,
            text: format!(
                "I couldn't post {} in {channel}: {error}. {fix}",
                failed.what()
            ),
        };
        if let Err(e) = self.deliver.deliver(&alert).await {
            tracing::warn!(guild = config.guild_id.get(), error = %e, "could not alert the server's admins either");
        }
    }
}

/// The act for a server's day: the size from the plan (or the campaign's climb), the
/// server's setting filter, and no repeat until every eligible act has been posted. The choice
/// is seeded by (server, slot), so `/daily preview` shows what will really be posted.
pub fn choose_for_day(
    acts: &[StoredAct],
    config: &DailyConfig,
    date: NaiveDate,
    week: Option<AwarenessWeek>,
    slot: &str,
    history: &[String],
) -> Option<StoredAct> {
    let plan = SizePlan::parse(&config.size_plan).unwrap_or(SizePlan::GentleWeek);
    let size = match week {
        Some(week) => week.size_for(date),
        None => plan.size_for(date),
    };
    let settings: Vec<Setting> = split_tags(&config.setting_filter);
    let fits = |act: &StoredAct| {
        size.is_none_or(|s| act.act.size == s)
            && (settings.is_empty() || settings.iter().any(|s| act.act.fits(*s)))
    };
    let eligible: Vec<crate::acts::Act> = acts
        .iter()
        .filter(|a| fits(a))
        .map(|a| a.act.clone())
        .collect();
    let eligible_slugs: HashSet<&str> = eligible.iter().map(|a| a.slug.as_str()).collect();
    let history: Vec<&str> = history.iter().map(String::as_str).collect();
    let used = current_round(&history, &eligible_slugs);
    let mut rng = StdRng::seed_from_u64(seed(config.guild_id, slot));
    let pick = choose_fresh(&eligible, &ActFilter::default(), &used, &mut rng)?;
    acts.iter().find(|a| a.act.slug == pick.act.slug).cloned()
}

/// The campaign week a server takes part in on `date`, if any.
pub fn awareness_week(config: &DailyConfig, date: NaiveDate) -> Option<AwarenessWeek> {
    if !config.awareness_week {
        return None;
    }
    let overrides: Vec<AwarenessWeek> = config
        .awareness_start
        .as_deref()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .and_then(|d| AwarenessWeek::starting(d).ok())
        .into_iter()
        .collect();
    AwarenessWeek::containing(date, &overrides)
}

/// The week's first and last instants in the server's zone, in milliseconds.
fn week_bounds_ms(week: AwarenessWeek, tz: Tz) -> (i64, i64) {
    let midnight = |date: NaiveDate| {
        resolve_local(tz, date.and_time(chrono::NaiveTime::MIN)).timestamp_millis()
    };
    (
        midnight(week.monday),
        midnight(week.sunday() + chrono::Days::new(1)),
    )
}

/// The post a firing claims for a job without an act or thread of its own (a recap, a
/// skipped slot).
fn firing_post<'a>(
    guild_id: GuildId,
    job: &'a str,
    firing: &'a Firing,
    channel_id: ChannelId,
) -> NewPost<'a> {
    NewPost {
        guild_id,
        job,
        slot: &firing.slot,
        act_id: None,
        channel_id: Some(channel_id),
        scheduled_for: firing.at.timestamp_millis(),
        thread_name: None,
    }
}

/// 1, 4, 16 minutes...
fn backoff_ms(attempts: i64) -> i64 {
    let minutes = 4_i64.saturating_pow(attempts.saturating_sub(1).clamp(0, 5) as u32);
    Duration::from_secs(60).as_millis() as i64 * minutes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 240_000);
        assert_eq!(backoff_ms(3), 960_000);
    }

    #[test]
    fn seeds_are_stable_and_differ_by_slot() {
        let (one, two) = (GuildId(1), GuildId(2));
        assert_eq!(seed(one, "2026-06-08"), seed(one, "2026-06-08"));
        assert_ne!(seed(one, "2026-06-08"), seed(one, "2026-06-09"));
        assert_ne!(seed(one, "2026-06-08"), seed(two, "2026-06-08"));
    }
}
