//! Gateway shards, as plain numbers: how many there are and which of them this process runs.
//! Discord refuses a shard holding more than 2,500 servers (close code 4011) and recommends one
//! shard per 1,000; a fleet splits the shards between processes with `discord.shard_range`.
//! Nothing here knows about serenity.

use std::fmt;
use std::ops::RangeInclusive;

/// Discord closes a shard that would hold more servers than this (4011, "sharding required").
pub const MAX_SERVERS_PER_SHARD: u64 = 2_500;

/// Discord allows one IDENTIFY per `max_concurrency` bucket every 5 seconds.
pub const IDENTIFY_INTERVAL_SECONDS: u64 = 5;

/// `discord.shards`: Discord's recommendation, or a fixed total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardCount {
    Auto,
    Fixed(u32),
}

impl ShardCount {
    /// "auto" or a whole number from 1.
    pub fn parse(text: &str) -> Result<ShardCount, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(ShardCount::Auto);
        }
        match text.parse::<u32>() {
            Ok(count) if count >= 1 => Ok(ShardCount::Fixed(count)),
            _ => Err(format!(
                "{text:?} is neither \"auto\" nor a number of shards from 1 (\"auto\" asks \
                 Discord how many this bot needs)"
            )),
        }
    }
}

/// `discord.shard_range`: the shards this process runs, "first-last" inclusive, or all.
pub fn parse_range(text: &str) -> Result<Option<RangeInclusive<u32>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let wrong = || {
        format!(
            "{text:?} is not a range of shards: write first-last, e.g. \"0-3\" (both included), \
             or leave it empty for every shard"
        )
    };
    let (first, last) = match text.split_once('-') {
        Some((first, last)) => (first.trim(), last.trim()),
        None => (text, text),
    };
    let first: u32 = first.parse().map_err(|_| wrong())?;
    let last: u32 = last.parse().map_err(|_| wrong())?;
    if first > last {
        return Err(wrong());
    }
    Ok(Some(first..=last))
}

/// What this process runs: shards `first..=last` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardPlan {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

impl ShardPlan {
    /// Decides the plan from the settings and what Discord recommends (`GET /gateway/bot`).
    pub fn decide(
        count: ShardCount,
        range: Option<RangeInclusive<u32>>,
        recommended: u32,
    ) -> Result<ShardPlan, String> {
        let total = match (count, &range) {
            (ShardCount::Fixed(total), _) => total,
            // Two processes asking Discord at different moments could be told different
            // totals and route servers to different shards: a fleet agrees on a number.
            (ShardCount::Auto, Some(_)) => {
                return Err(format!(
                    "discord.shard_range needs discord.shards to be a number, the same in every \
                     process (Discord recommends {} now; allow for growth, e.g. {})",
                    recommended.max(1),
                    recommended.max(1) * 2
                ));
            }
            (ShardCount::Auto, None) => recommended.max(1),
        };
        let (first, last) = match range {
            Some(range) => (*range.start(), *range.end()),
            None => (0, total - 1),
        };
        if last >= total {
            return Err(format!(
                "discord.shard_range {first}-{last} goes past the last shard: with \
                 discord.shards = {total} the shards are 0-{}",
                total - 1
            ));
        }
        Ok(ShardPlan { first, last, total })
    }

    /// How many shards this process runs.
    pub fn count(&self) -> u32 {
        self.last - self.first + 1
    }

    pub fn runs(&self, shard: u32) -> bool {
        (self.first..=self.last).contains(&shard)
    }

    /// Whether Discord's daily budget of gateway starts covers this process's shards.
    pub fn check_start_budget(&self, remaining: u32, reset_after_ms: u64) -> Result<(), String> {
        if remaining >= self.count() {
            return Ok(());
        }
        Err(format!(
            "Discord allows this bot {remaining} more gateway start(s) today and this process \
             needs {}; they come back in {} minutes. Wait, or run fewer shards here with \
             discord.shard_range (each crash loop uses starts: look at why the bot restarted)",
            self.count(),
            reset_after_ms.div_ceil(60_000)
        ))
    }

    /// How long the shards of this process take to identify one after another, which is how
    /// long this process keeps the fleet's identify turn.
    pub fn identify_time(&self) -> std::time::Duration {
        std::time::Duration::from_secs(IDENTIFY_INTERVAL_SECONDS * u64::from(self.count()))
    }
}

impl fmt::Display for ShardPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}/{}", self.first, self.last, self.total)
    }
}

/// What to tell an operator whose shard Discord closed with 4011.
pub fn sharding_required_advice(plan: &ShardPlan) -> String {
    format!(
        "Discord closed a gateway shard with 4011 (sharding required): with {} shard(s) one of \
         them would hold more than {MAX_SERVERS_PER_SHARD} servers. Set discord.shards = \"auto\" \
         (Discord's recommendation, for a single process) or a larger number in every process \
         (SMALLACTS__DISCORD__SHARDS), then start again.",
        plan.total
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_auto_or_a_number() {
        assert_eq!(ShardCount::parse("auto"), Ok(ShardCount::Auto));
        assert_eq!(ShardCount::parse(" AUTO "), Ok(ShardCount::Auto));
        assert_eq!(ShardCount::parse("8"), Ok(ShardCount::Fixed(8)));
        assert!(ShardCount::parse("0").unwrap_err().contains("auto"));
        assert!(ShardCount::parse("lots").is_err());
    }

    #[test]
    fn ranges_are_inclusive_and_checked() {
        assert_eq!(parse_range(""), Ok(None));
        assert_eq!(parse_range("0-3"), Ok(Some(0..=3)));
        assert_eq!(parse_range("2"), Ok(Some(2..=2)));
        assert!(parse_range("3-1").unwrap_err().contains("first-last"));
        assert!(parse_range("a-b").is_err());
    }

    #[test]
    fn auto_takes_discords_recommendation() {
        let plan = ShardPlan::decide(ShardCount::Auto, None, 6).unwrap();
        assert_eq!(
            (plan.first, plan.last, plan.total, plan.count()),
            (0, 5, 6, 6)
        );
        assert_eq!(plan.to_string(), "0-5/6");
        // Discord says 0 for a bot in no servers yet; one shard still runs.
        assert_eq!(
            ShardPlan::decide(ShardCount::Auto, None, 0).unwrap().total,
            1
        );
    }

    #[test]
    fn a_fleet_needs_a_fixed_total_and_a_range_inside_it() {
        let err = ShardPlan::decide(ShardCount::Auto, Some(0..=1), 4).unwrap_err();
        assert!(err.contains("discord.shards to be a number"), "{err}");
        let plan = ShardPlan::decide(ShardCount::Fixed(4), Some(2..=3), 1).unwrap();
        assert_eq!((plan.first, plan.last, plan.total), (2, 3, 4));
        assert!(plan.runs(2) && plan.runs(3) && !plan.runs(1));
        let err = ShardPlan::decide(ShardCount::Fixed(4), Some(2..=4), 1).unwrap_err();
        assert!(err.contains("0-3"), "{err}");
    }

    #[test]
    fn the_start_budget_must_cover_the_shards() {
        let plan = ShardPlan::decide(ShardCount::Fixed(8), Some(0..=3), 1).unwrap();
        assert!(plan.check_start_budget(4, 0).is_ok());
        let err = plan.check_start_budget(3, 90_000).unwrap_err();
        assert!(err.contains("3 more") && err.contains("2 minutes"), "{err}");
    }
}
