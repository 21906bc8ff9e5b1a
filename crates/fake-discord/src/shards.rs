//! Sharding as Discord documents it (<https://discord.com/developers/docs/events/gateway#sharding>):
//!
//! - a guild's events go to shard `(guild_id >> 22) % num_shards`; events outside guilds (DMs,
//!   interactions in DMs) go to shard 0;
//! - GET /gateway/bot recommends a shard per 1,000 guilds and reports the session start limit:
//!   how many IDENTIFYs are left of the daily budget, when it resets, and `max_concurrency`;
//! - an IDENTIFY names its shard as `shard: [id, total]` (absent: `[0, 1]`) and is refused
//!   with close code 4010 for a shard that does not exist, 4011 for a shard that would hold
//!   more than 2,500 guilds, and with op 9 INVALID_SESSION `false` when it comes less than 5 s
//!   after the previous accepted IDENTIFY of its rate-limit bucket (`id % max_concurrency`).
//!   Past the daily budget Discord ends the bot's sessions and resets its token; the fake
//!   refuses the IDENTIFY with 4004 (Authentication failed), as the bot would then see it.
//!
//! This module holds the rules and their bookkeeping; `gateway.rs` applies them to
//! connections and `mod.rs` routes dispatches to the sessions of the shards that own them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Discord recommends one shard per this many guilds.
pub const GUILDS_PER_RECOMMENDED_SHARD: usize = 1_000;
/// A shard that would hold more guilds than this is refused with 4011 (Sharding required).
pub const MAX_GUILDS_PER_SHARD: usize = 2_500;
/// Each rate-limit bucket may identify once per this long.
pub const IDENTIFY_INTERVAL: Duration = Duration::from_secs(5);
/// The daily session start budget is whole again this long after its first use.
pub const SESSION_START_PERIOD: Duration = Duration::from_secs(24 * 60 * 60);
/// Discord's usual daily session start budget.
pub const SESSION_START_TOTAL: u32 = 1_000;

/// The shard that receives a guild's events among `total` shards (`total` > 0).
pub fn shard_of(guild_id: u64, total: u32) -> u32 {
    // The remainder is below `total`, so it fits.
    ((guild_id >> 22) % u64::from(total)) as u32
}

/// The shard count GET /gateway/bot recommends for a bot in `guilds` guilds.
pub fn recommended_shards(guilds: usize) -> u32 {
    u32::try_from(guilds.div_ceil(GUILDS_PER_RECOMMENDED_SHARD).max(1)).unwrap_or(u32::MAX)
}

/// One shard of a bot's gateway connections: `[id, total]` in an IDENTIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Shard {
    pub id: u32,
    pub total: u32,
}

impl Shard {
    /// The shard an IDENTIFY's `shard` field names: `[0, 1]` when absent. Anything that is
    /// not two numbers becomes a shard of total 0, which is refused as invalid.
    pub fn from_identify(field: &Value) -> Shard {
        if field.is_null() {
            return Shard { id: 0, total: 1 };
        }
        let number = |i: usize| field.get(i)?.as_u64().and_then(|n| u32::try_from(n).ok());
        match (field.as_array().map(Vec::len), number(0), number(1)) {
            (Some(2), Some(id), Some(total)) => Shard { id, total },
            _ => Shard { id: 0, total: 0 },
        }
    }

    /// Discord's answer to an out-of-range shard is 4010 (Invalid shard).
    pub fn is_valid(self) -> bool {
        self.total > 0 && self.id < self.total
    }

    /// Whether this shard receives the events of `guild` (`None`: an event outside guilds).
    pub fn owns(self, guild: Option<u64>) -> bool {
        match guild {
            Some(guild_id) => self.is_valid() && shard_of(guild_id, self.total) == self.id,
            None => self.id == 0,
        }
    }

    /// `[id, total]`, as Discord writes a shard.
    pub fn pair(self) -> [u32; 2] {
        [self.id, self.total]
    }
}

/// What became of an IDENTIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifyOutcome {
    /// A session was started: READY and the shard's GUILD_CREATEs followed.
    Accepted,
    /// It came less than the identify interval (5 s) after the previous accepted IDENTIFY of
    /// its rate-limit bucket: answered with op 9 INVALID_SESSION `false`, no session started.
    InvalidSessionTooEarly,
    /// The daily session start budget was spent: closed with 4004 (Authentication failed).
    SessionStartLimitReached,
    /// Closed with this code for another reason: 4004 a wrong token, 4005 a second IDENTIFY
    /// on a connection that has a session, 4010 an invalid shard, 4011 a shard with too many
    /// guilds (Sharding required), 4013 no intents.
    Closed(u16),
}

/// One IDENTIFY the fake received, with the shard it named and what became of it.
#[derive(Debug, Clone)]
pub struct IdentifyRecord {
    /// The shard id sent (0 when the IDENTIFY named none).
    pub shard: u32,
    /// The shard count sent (1 when the IDENTIFY named none, 0 when it was malformed).
    pub total: u32,
    pub outcome: IdentifyOutcome,
    /// When it arrived.
    pub at: Instant,
}

/// A gateway session of one shard, as the fake sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardSession {
    pub shard: u32,
    pub total: u32,
    /// Whether a connection is attached to the session (else its events wait for a RESUME).
    pub connected: bool,
    /// How many guilds the shard holds now.
    pub guilds: usize,
    pub session_id: String,
}

/// The `session_start_limit` object of GET /gateway/bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStartLimit {
    pub total: u32,
    pub remaining: u32,
    /// Milliseconds until `remaining` is back to `total` (0 when nothing has been used).
    pub reset_after_ms: u64,
    pub max_concurrency: u32,
}

/// Discord's limits on starting sessions, and what became of every IDENTIFY.
pub(crate) struct Identifies {
    total: u32,
    remaining: u32,
    max_concurrency: u32,
    /// When the current budget period began (its first accepted IDENTIFY); `None` while the
    /// budget is untouched.
    period_started: Option<Instant>,
    /// How long a bucket waits between IDENTIFYs.
    pub interval: Duration,
    pub max_guilds_per_shard: usize,
    /// The latest accepted IDENTIFY of each rate-limit bucket.
    last_in_bucket: HashMap<u32, Instant>,
    pub log: Vec<IdentifyRecord>,
}

impl Default for Identifies {
    fn default() -> Identifies {
        Identifies {
            total: SESSION_START_TOTAL,
            remaining: SESSION_START_TOTAL,
            max_concurrency: 1,
            period_started: None,
            interval: IDENTIFY_INTERVAL,
            max_guilds_per_shard: MAX_GUILDS_PER_SHARD,
            last_in_bucket: HashMap::new(),
            log: Vec::new(),
        }
    }
}

impl Identifies {
    /// A fresh budget of `total` session starts, `max_concurrency` buckets (at least one).
    pub fn set_limit(&mut self, total: u32, max_concurrency: u32) {
        self.total = total;
        self.remaining = total;
        self.max_concurrency = max_concurrency.max(1);
        self.period_started = None;
    }

    /// The limit as GET /gateway/bot reports it at `now`.
    pub fn session_start_limit(&mut self, now: Instant) -> SessionStartLimit {
        self.renew(now);
        let reset_after = self.period_started.map_or(Duration::ZERO, |started| {
            SESSION_START_PERIOD.saturating_sub(now.duration_since(started))
        });
        SessionStartLimit {
            total: self.total,
            remaining: self.remaining,
            reset_after_ms: u64::try_from(reset_after.as_millis()).unwrap_or(u64::MAX),
            max_concurrency: self.max_concurrency,
        }
    }

    /// A budget period that has run its course starts over.
    fn renew(&mut self, now: Instant) {
        if self
            .period_started
            .is_some_and(|started| now.duration_since(started) >= SESSION_START_PERIOD)
        {
            self.remaining = self.total;
            self.period_started = None;
        }
    }

    /// Decides a well-formed IDENTIFY (right token, intents given) for `shard`, which would
    /// hold `guilds_on(shard)` guilds, and records it. Checks in order: the shard exists, it
    /// is not too big, the budget is not spent, its bucket is not too early; only an accepted
    /// IDENTIFY uses the budget and its bucket's turn.
    pub fn decide(
        &mut self,
        shard: Shard,
        guilds_on: impl FnOnce(Shard) -> usize,
        now: Instant,
    ) -> IdentifyOutcome {
        self.renew(now);
        let bucket = shard.id % self.max_concurrency;
        let outcome = if !shard.is_valid() {
            IdentifyOutcome::Closed(4010)
        } else if guilds_on(shard) > self.max_guilds_per_shard {
            IdentifyOutcome::Closed(4011)
        } else if self.remaining == 0 {
            IdentifyOutcome::SessionStartLimitReached
        } else if self
            .last_in_bucket
            .get(&bucket)
            .is_some_and(|last| now.duration_since(*last) < self.interval)
        {
            IdentifyOutcome::InvalidSessionTooEarly
        } else {
            self.remaining -= 1;
            self.period_started.get_or_insert(now);
            self.last_in_bucket.insert(bucket, now);
            IdentifyOutcome::Accepted
        };
        self.record(shard, outcome, now);
        outcome
    }

    pub fn record(&mut self, shard: Shard, outcome: IdentifyOutcome, at: Instant) {
        self.log.push(IdentifyRecord {
            shard: shard.id,
            total: shard.total,
            outcome,
            at,
        });
    }

    fn accepted(&self) -> impl Iterator<Item = &IdentifyRecord> {
        self.log
            .iter()
            .filter(|r| r.outcome == IdentifyOutcome::Accepted)
    }

    /// How many IDENTIFYs started a session.
    pub fn accepted_count(&self) -> u32 {
        u32::try_from(self.accepted().count()).unwrap_or(u32::MAX)
    }

    /// The shard count of the latest accepted IDENTIFY: the bot's current sharding.
    pub fn latest_total(&self) -> Option<u32> {
        self.accepted().last().map(|r| r.total)
    }

    /// When the latest IDENTIFY was accepted.
    pub fn latest_accepted_at(&self) -> Option<Instant> {
        self.accepted().last().map(|r| r.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shard(id: u32, total: u32) -> Shard {
        Shard { id, total }
    }

    #[test]
    fn guilds_route_by_the_timestamp_bits_and_dms_to_shard_zero() {
        let guild = (7u64 << 22) | 12345;
        assert_eq!(shard_of(guild, 1), 0);
        assert_eq!(shard_of(guild, 2), 1);
        assert_eq!(shard_of(guild, 5), 2);
        assert!(shard(2, 5).owns(Some(guild)));
        assert!(!shard(0, 5).owns(Some(guild)));
        assert!(shard(0, 5).owns(None));
        assert!(!shard(1, 5).owns(None));
    }

    #[test]
    fn one_shard_is_recommended_per_thousand_guilds() {
        assert_eq!(recommended_shards(0), 1);
        assert_eq!(recommended_shards(1_000), 1);
        assert_eq!(recommended_shards(1_001), 2);
        assert_eq!(recommended_shards(2_500), 3);
        assert_eq!(recommended_shards(20_000), 20);
    }

    #[test]
    fn the_identify_shard_field_is_read_as_discord_writes_it() {
        assert_eq!(Shard::from_identify(&Value::Null), shard(0, 1));
        assert_eq!(Shard::from_identify(&json!([3, 4])), shard(3, 4));
        assert!(!Shard::from_identify(&json!([4, 4])).is_valid());
        assert!(!Shard::from_identify(&json!([0, 0])).is_valid());
        assert!(!Shard::from_identify(&json!("0,1")).is_valid());
        assert!(!Shard::from_identify(&json!([0, 1, 2])).is_valid());
    }

    #[test]
    fn the_budget_is_spent_by_accepted_identifies_only_and_renews_after_a_day() {
        let mut identifies = Identifies::default();
        identifies.set_limit(1, 1);
        let start = Instant::now();
        assert_eq!(
            identifies.decide(shard(0, 0), |_| 0, start),
            IdentifyOutcome::Closed(4010)
        );
        assert_eq!(
            identifies.decide(shard(0, 1), |_| 0, start),
            IdentifyOutcome::Accepted
        );
        let later = start + Duration::from_secs(60);
        assert_eq!(
            identifies.decide(shard(0, 1), |_| 0, later),
            IdentifyOutcome::SessionStartLimitReached
        );
        let limit = identifies.session_start_limit(later);
        assert_eq!((limit.total, limit.remaining), (1, 0));
        assert_eq!(
            limit.reset_after_ms,
            (SESSION_START_PERIOD - Duration::from_secs(60)).as_millis() as u64
        );
        let next_day = start + SESSION_START_PERIOD;
        assert_eq!(
            identifies.decide(shard(0, 1), |_| 0, next_day),
            IdentifyOutcome::Accepted
        );
        assert_eq!(identifies.accepted_count(), 2);
        assert_eq!(identifies.log.len(), 4);
    }

    #[test]
    fn each_bucket_identifies_once_per_interval() {
        let mut identifies = Identifies::default();
        identifies.set_limit(100, 2);
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        assert_eq!(
            identifies.decide(shard(0, 4), |_| 0, at(0)),
            IdentifyOutcome::Accepted
        );
        assert_eq!(
            identifies.decide(shard(1, 4), |_| 0, at(0)),
            IdentifyOutcome::Accepted
        );
        // Shard 2 shares shard 0's bucket (2 % 2 == 0).
        assert_eq!(
            identifies.decide(shard(2, 4), |_| 0, at(4)),
            IdentifyOutcome::InvalidSessionTooEarly
        );
        assert_eq!(
            identifies.decide(shard(2, 4), |_| 0, at(5)),
            IdentifyOutcome::Accepted
        );
        assert_eq!(identifies.latest_total(), Some(4));
    }

    #[test]
    fn a_shard_over_the_guild_limit_is_refused() {
        let mut identifies = Identifies::default();
        let outcome = identifies.decide(shard(0, 1), |_| MAX_GUILDS_PER_SHARD + 1, Instant::now());
        assert_eq!(outcome, IdentifyOutcome::Closed(4011));
        assert_eq!(identifies.accepted_count(), 0);
    }
}
