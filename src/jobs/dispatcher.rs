//! The dispatcher: lines the jobs up once, and runs them in that order on every pass. The
//! order is the policy: the day's acts first (they are what teams wait for), then the recap
//! and the check-ins, then recovery of anything unsettled, the threads that waited behind the
//! day's messages, and retention last.

use std::sync::Arc;

use super::Job;
use super::buddies::{BuddyRoundJob, DirectMessagesJob, GoneQuietJob};
use super::checkins::{CheckinJob, PulseCloseJob};
use super::context::{DispatcherSettings, JobContext};
use super::daily::DailyJob;
use super::events::EventsJob;
use super::outgoing::Deliver;
use super::recap::RecapJob;
use super::recovery::Recovery;
use super::report::{Pass, TickReport};
use super::retention::RetentionJob;
use super::threads::DeferredThreads;
use crate::checkins::Checkins;
use crate::clock::Clock;
use crate::store::{Store, StoreError};

pub struct Dispatcher {
    ctx: JobContext,
    jobs: Vec<Arc<dyn Job>>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        deliver: Arc<dyn Deliver>,
        settings: DispatcherSettings,
    ) -> Dispatcher {
        Dispatcher {
            ctx: JobContext::new(store, clock, deliver, settings),
            jobs: line_up(None),
        }
    }

    /// Runs the check-in jobs too.
    pub fn with_checkins(mut self, checkins: Arc<Checkins>) -> Dispatcher {
        self.jobs = line_up(Some(checkins));
        self
    }

    /// Runs as a member of `fleet`: signs leases with its name, and takes no more servers
    /// at a time than its share of the request budget sends well within a lease.
    pub fn with_fleet(mut self, fleet: Arc<crate::fleet::Fleet>) -> Dispatcher {
        self.ctx.owner = fleet.owner().to_owned();
        self.ctx.fleet = Some(fleet);
        self
    }

    /// The jobs, in the order a pass runs them (their names).
    pub fn job_names(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|job| job.name()).collect()
    }

    /// The jobs that claim posts whose `job` column is `post_job` (recovery hands each such
    /// post to its owner; exactly one should own every kind).
    pub fn owners_of(&self, post_job: &str) -> Vec<&'static str> {
        self.jobs
            .iter()
            .filter(|job| job.owns(post_job))
            .map(|job| job.name())
            .collect()
    }

    /// A graceful stop begins: the pass under way finishes what it has claimed, and nothing
    /// new is claimed after it.
    pub fn stop_claiming(&self) {
        self.ctx.stop_claiming();
    }

    /// Hands back whatever this process still holds unsent (a stop that could not finish in
    /// time), so any process takes it over at once.
    pub async fn release_leases(&self) -> Result<u64, StoreError> {
        self.ctx
            .store
            .release_leases(&self.ctx.owner, self.ctx.clock.now_ms())
            .await
    }

    /// One pass: every job in turn, each doing what is due now.
    pub async fn tick(&self) -> Result<TickReport, StoreError> {
        let mut pass = Pass::at(self.ctx.clock.now());
        for job in &self.jobs {
            if self.ctx.stopping() {
                break;
            }
            job.run(&self.ctx, &mut pass).await?;
        }
        Ok(pass.report)
    }

    /// When the next tick should happen: the earliest due time any job keeps, or `None` if
    /// none keeps one.
    pub async fn next_due(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
        let mut earliest: Option<i64> = None;
        for job in &self.jobs {
            if let Some(at) = job.next_due(&self.ctx).await? {
                earliest = Some(earliest.map_or(at, |e| e.min(at)));
            }
        }
        Ok(earliest.and_then(chrono::DateTime::from_timestamp_millis))
    }
}

/// Every job, in the order a pass runs them. Recovery finishes the posts of the jobs that
/// post, so it is given them.
fn line_up(checkins: Option<Arc<Checkins>>) -> Vec<Arc<dyn Job>> {
    let mut posting: Vec<Arc<dyn Job>> =
        vec![Arc::new(DailyJob), Arc::new(RecapJob), Arc::new(EventsJob)];
    if let Some(checkins) = checkins {
        posting.push(Arc::new(CheckinJob(checkins.clone())));
        posting.push(Arc::new(PulseCloseJob(checkins.clone())));
        posting.push(Arc::new(BuddyRoundJob(checkins.clone())));
        posting.push(Arc::new(GoneQuietJob::new(checkins.clone())));
        posting.push(Arc::new(DirectMessagesJob(checkins)));
    }
    let mut jobs = posting.clone();
    jobs.push(Arc::new(Recovery::new(posting)));
    jobs.push(Arc::new(DeferredThreads));
    jobs.push(Arc::new(RetentionJob::default()));
    jobs
}
