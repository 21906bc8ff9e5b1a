//! Which act a server's day gets, and the campaign week around it: pure rules, shared by the
//! daily job (which posts it) and `/daily preview` (which shows what will be posted).

use std::collections::HashSet;

use chrono::NaiveDate;
use chrono_tz::Tz;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::plan::{AwarenessWeek, SizePlan};
use crate::acts::{
    Act, ActFilter, Avoid, Coverage, Setting, Shortfall, Size, choose_fresh, current_round,
    split_tags, stable_seed as seed,
};
use crate::calendar::resolve_local;
use crate::store::{DailyConfig, StoredAct};

/// The daily post's job name in the posts table.
pub const DAILY_JOB: &str = "daily";
/// Monday of Loneliness Awareness Week: the campaign's kick-off post.
pub const KICKOFF_JOB: &str = "awareness-kickoff";
/// Sunday of the week: the campaign's closing post.
pub const CLOSING_JOB: &str = "awareness-closing";

/// The name of the thread for a day's wins: "Wins — Mon 8 June".
pub fn wins_thread_name(date: NaiveDate) -> String {
    format!("Wins \u{2014} {}", date.format("%a %-d %B"))
}

/// Whether a server's filters let an act through, whatever the day: its setting filter, and
/// no act with a barrier the server leaves out (`/daily options avoid:`).
pub fn server_allows(config: &DailyConfig) -> impl Fn(&Act) -> bool + use<> {
    let settings: Vec<Setting> = split_tags(&config.setting_filter);
    let avoid = Avoid::from_storage(&config.avoid_needs);
    move |act: &Act| {
        avoid.allows(act) && (settings.is_empty() || settings.iter().any(|s| act.fits(*s)))
    }
}

/// Whether a server's filters leave too few acts for its days (see [`Coverage::shortfall`]):
/// the sizes its plan asks for, and every size when it takes part in the campaign week.
pub fn filter_shortfall(acts: &[StoredAct], config: &DailyConfig) -> Option<Shortfall> {
    let allows = server_allows(config);
    let plan = SizePlan::parse(&config.size_plan).unwrap_or(SizePlan::GentleWeek);
    let sizes: Vec<Size> = if config.awareness_week {
        Size::ALL.to_vec()
    } else {
        plan.sizes()
    };
    Coverage::of(acts.iter().map(|a| &a.act).filter(|a| allows(a))).shortfall(&sizes)
}

/// The act for a server's day: the size from the plan (or the campaign's climb), the
/// server's filters ([`server_allows`]), and no repeat until every eligible act has been
/// posted, counted within what the filters let through. The choice is seeded by (server,
/// slot), so `/daily preview` shows what will really be posted.
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
    let allows = server_allows(config);
    let fits = |act: &StoredAct| size.is_none_or(|s| act.act.size == s) && allows(&act.act);
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
    AwarenessWeek::containing(date, &overrides(config))
}

/// The campaign week going on at `date`, or the last one before it, by the server's dates
/// (whether or not it takes part: for the share card, which an admin asks for).
pub fn latest_awareness_week(config: &DailyConfig, date: NaiveDate) -> AwarenessWeek {
    AwarenessWeek::latest(date, &overrides(config))
}

/// The week a server moved the campaign to, if it did.
fn overrides(config: &DailyConfig) -> Vec<AwarenessWeek> {
    config
        .awareness_start
        .as_deref()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .and_then(|d| AwarenessWeek::starting(d).ok())
        .into_iter()
        .collect()
}

/// The week's first and last instants in the server's zone, in milliseconds.
pub fn week_bounds_ms(week: AwarenessWeek, tz: Tz) -> (i64, i64) {
    let midnight = |date: NaiveDate| {
        resolve_local(tz, date.and_time(chrono::NaiveTime::MIN)).timestamp_millis()
    };
    (
        midnight(week.monday),
        midnight(week.sunday() + chrono::Days::new(1)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GuildId;

    #[test]
    fn seeds_are_stable_and_differ_by_slot() {
        let (one, two) = (GuildId(1), GuildId(2));
        assert_eq!(seed(one, "2026-06-08"), seed(one, "2026-06-08"));
        assert_ne!(seed(one, "2026-06-08"), seed(one, "2026-06-09"));
        assert_ne!(seed(one, "2026-06-08"), seed(two, "2026-06-08"));
    }
}
