//! What a pass of the jobs did: for logs, tests, and the metrics the edge counts from it.

use chrono::{DateTime, Utc};

/// What one tick did, for logs, metrics and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    pub posted: usize,
    pub skipped_late: usize,
    /// Daily posts and check-ins not posted because of a bank holiday the server skips.
    pub skipped_holiday: usize,
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
    /// Claimed posts of any kind that Discord accepted, and attempts it did not.
    pub delivered: usize,
    pub delivery_failures: usize,
    /// Failed attempts that turned out to be out after all: their own MESSAGE_CREATE came
    /// first.
    pub lost_answers_confirmed: usize,
    /// Connection events reminded and thanked.
    pub event_reminders: usize,
    pub event_thanks: usize,
}

impl TickReport {
    /// Adds what another part of the pass did.
    pub fn absorb(&mut self, other: TickReport) {
        self.posted += other.posted;
        self.skipped_late += other.skipped_late;
        self.skipped_holiday += other.skipped_holiday;
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
        self.delivered += other.delivered;
        self.delivery_failures += other.delivery_failures;
        self.lost_answers_confirmed += other.lost_answers_confirmed;
        self.event_reminders += other.event_reminders;
        self.event_thanks += other.event_thanks;
    }
}

/// One pass through the jobs, as it goes: when it is, and what has been done so far.
#[derive(Debug)]
pub struct Pass {
    pub now: DateTime<Utc>,
    pub report: TickReport,
    /// The day's posts did not all fit in this pass: the threads they open wait, so every
    /// team's act lands as early as the request budget allows.
    pub more_posts_due: bool,
}

impl Pass {
    pub fn at(now: DateTime<Utc>) -> Pass {
        Pass {
            now,
            report: TickReport::default(),
            more_posts_due: false,
        }
    }
}
