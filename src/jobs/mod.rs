//! The jobs layer: everything the bot does on a clock rather than because someone asked.
//! Each scheduled job (the daily act, the weekly recap, check-ins, pulses, buddy rounds,
//! gone-quiet nudges, direct messages, connection events, recovery, deferred threads, retention) implements one
//! interface, [`Job`], and the [`Dispatcher`] runs them in turn on every pass.
//!
//! Above the domain (`daily`, `recap`, `checkins`, ...) and below the edge (`discord`,
//! `startup`): a job claims its work in the database so it happens exactly once, builds a
//! plain [`Outgoing`], and hands it to whatever [`Deliver`]s it. Nothing here knows about
//! Discord, and nothing here counts metrics: a pass returns a [`TickReport`], and the edge
//! counts from it.

mod buddies;
mod checkins;
mod context;
mod daily;
mod dispatcher;
mod events;
mod outgoing;
mod recap;
mod recovery;
mod report;
mod retention;
mod threads;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

pub use buddies::BUDDY_ROUND_JOB;
pub use checkins::{CHECKIN_JOB_PREFIX, PULSE_RESULTS_JOB, checkin_job};
pub use context::{DispatcherSettings, JobContext, MAX_ATTEMPTS};
pub use dispatcher::Dispatcher;
pub use events::{EVENT_REMINDER_JOB, EVENT_THANKS_JOB};
pub use outgoing::{
    CheckinPost, Confirmation, DailyPost, Deliver, Delivered, DeliveryError, DeliveryFuture,
    Outgoing, checkin_thread_name, confirm_delivery,
};
pub use recap::RECAP_JOB;
pub use report::{Pass, TickReport};

use crate::store::{PostRecord, StoreError};

/// What a job's methods return: boxed, so that jobs can sit side by side as `dyn Job`.
pub type JobFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One scheduled job. A pass calls [`Job::run`] on each job in turn; the rest is for the
/// scheduler's sleep and for recovering the job's posts that were claimed but never settled.
pub trait Job: Send + Sync {
    /// Its name in logs.
    fn name(&self) -> &'static str;

    /// Does whatever of this job is due at `pass.now`, adding what it did to `pass.report`.
    /// One server's failure is logged and does not stop the others; an error here means the
    /// database could not be used, and ends the pass.
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>>;

    /// The earliest time (ms) something of this job is due, if it keeps one: the scheduler
    /// sleeps until the earliest of all jobs (or its longest tick).
    fn next_due<'a>(
        &'a self,
        _ctx: &'a JobContext,
    ) -> JobFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(async { Ok(None) })
    }

    /// Whether a row of the posts table with this `job` column is one of this job's posts.
    fn owns(&self, _post_job: &str) -> bool {
        false
    }

    /// One of its posts that was claimed and never settled (its process stopped, or a retry
    /// is due), rebuilt from the database to send again. `None` when what it needs is gone
    /// (the server's settings, the act, the check-in).
    fn rebuild<'a>(
        &'a self,
        _ctx: &'a JobContext,
        _post: &'a PostRecord,
        _now: DateTime<Utc>,
    ) -> JobFuture<'a, anyhow::Result<Option<Outgoing>>> {
        Box::pin(async { Ok(None) })
    }

    /// Finishes one of its unsettled posts its own way instead of rebuilding a message (a
    /// buddy round has none). `None`: rebuilt and sent again, unless now too late.
    fn finish_own_way<'a>(
        &'a self,
        _ctx: &'a JobContext,
        _post: &'a PostRecord,
        _pass: &'a mut Pass,
    ) -> Option<JobFuture<'a, Result<(), StoreError>>> {
        None
    }
}
