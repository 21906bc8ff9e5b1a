//! The weekly recap and the impact export, without Discord: what the team did together this
//! week (never a ranking of people), and weekly figures that name no one.

mod card;
pub mod chart;
mod impact;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use crate::acts::{Size, Way};
use crate::calendar::{local_wall_time, resolve_local};
use crate::ids::{GuildId, MemberId};
use crate::store::{RangeWin, Store, StoreError};

pub use card::{Tally, awareness_tally, share_card};
pub use chart::{Chart, DayCounts};
pub use impact::{IMPACT_HEADER, Impact, ImpactWeek, impact, impact_csv, impact_to_csv};

/// Quotes at most in a recap.
const MAX_QUOTES: usize = 5;
/// How far back streaks are counted.
const MAX_STREAK_DAYS: u32 = 60;
const MAX_STREAK_WEEKS: u32 = 52;

/// A quoted win: the words, and the member only if they chose to be named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub member_id: Option<MemberId>,
    pub text: String,
}

/// A week's recap, as numbers and words ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recap {
    /// Monday of the week, in the server's time zone.
    pub week_start: NaiveDate,
    pub wins: usize,
    pub wins_last_week: usize,
    pub members: usize,
    pub active_days: Vec<Weekday>,
    /// Consecutive days with a win, up to today (or yesterday, if today has none yet).
    pub day_streak: u32,
    /// Consecutive weeks with a win, up to this one.
    pub week_streak: u32,
    /// The acts done most often this week, with their counts (most first, at most three).
    pub top_acts: Vec<(String, usize)>,
    pub by_size: BTreeMap<Size, usize>,
    pub by_way: BTreeMap<Way, usize>,
    pub quotes: Vec<Quote>,
    /// Wins per day (Monday first) by size, for the chart.
    pub days: [DayCounts; 7],
    pub closing: &'static str,
}

impl Recap {
    pub fn is_empty(&self) -> bool {
        self.wins == 0
    }

    /// The chart to attach.
    pub fn chart(&self) -> Chart {
        chart::render_week(&self.days, "Wins this week, by size of act")
    }
}

const CLOSINGS: &[&str] = &[
    "Small acts, done together, add up. Thank you, everyone.",
    "Every hello, every cuppa, every kind word counts. See you next week.",
    "Connection is built a little at a time, and this team is building it.",
    "Thank you for looking out for each other this week.",
];

/// The local week (Monday 00:00 to the next Monday 00:00) that contains `at`, as instants.
pub fn week_bounds(tz: Tz, at: DateTime<Utc>) -> (NaiveDate, DateTime<Utc>, DateTime<Utc>) {
    let local = local_wall_time(tz, at).date();
    let monday = local - Days::new(u64::from(local.weekday().num_days_from_monday()));
    (
        monday,
        local_midnight(tz, monday),
        local_midnight(tz, monday + Days::new(7)),
    )
}

fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    resolve_local(tz, date.and_time(chrono::NaiveTime::MIN))
}

/// Builds the recap from this week's wins and the numbers around them. Pure.
pub fn summarise(
    tz: Tz,
    week_start: NaiveDate,
    wins: &[RangeWin],
    wins_last_week: usize,
    day_streak: u32,
    week_streak: u32,
) -> Recap {
    let mut days = [DayCounts::default(); 7];
    let mut active = HashSet::new();
    let mut members = HashSet::new();
    let mut acts: HashMap<String, usize> = HashMap::new();
    let mut by_size = BTreeMap::new();
    let mut by_way = BTreeMap::new();
    for win in wins {
        members.insert(win.member_id);
        let at = DateTime::from_timestamp_millis(win.created_at).unwrap_or_default();
        let day = local_wall_time(tz, at).date().weekday();
        active.insert(day);
        let size = win.size.as_deref().and_then(|s| s.parse::<Size>().ok());
        if let Some(size) = size {
            *by_size.entry(size).or_default() += 1;
            let counts = &mut days[day.num_days_from_monday() as usize];
            match size {
                Size::Smallest => counts.smallest += 1,
                Size::Smaller => counts.smaller += 1,
                Size::Small => counts.small += 1,
            }
        }
        if let Some(way) = win.way.as_deref().and_then(|w| w.parse::<Way>().ok()) {
            *by_way.entry(way).or_default() += 1;
        }
        if let Some(text) = &win.act_text {
            *acts.entry(text.clone()).or_default() += 1;
        }
    }
    let mut top_acts: Vec<(String, usize)> = acts.into_iter().filter(|(_, n)| *n > 1).collect();
    top_acts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top_acts.truncate(3);
    let mut active_days: Vec<Weekday> = active.into_iter().collect();
    active_days.sort_by_key(|d| d.num_days_from_monday());
    // The newest words their authors chose to share; "just count it" is never quoted.
    let quotes = wins
        .iter()
        .rev()
        .filter(|w| w.visibility == "named" || w.visibility == "anonymous")
        .filter_map(|w| {
            let text = w.text.as_deref()?.trim();
            (!text.is_empty()).then(|| Quote {
                member_id: (w.visibility == "named").then_some(w.member_id),
                text: text.to_owned(),
            })
        })
        .take(MAX_QUOTES)
        .collect();
    Recap {
        week_start,
        wins: wins.len(),
        wins_last_week,
        members: members.len(),
        active_days,
        day_streak,
        week_streak,
        top_acts,
        by_size,
        by_way,
        quotes,
        days,
        closing: CLOSINGS[(week_start.iso_week().week() as usize) % CLOSINGS.len()],
    }
}

/// Computes a server's recap for the week containing `now`.
pub async fn compute(
    store: &Store,
    guild_id: GuildId,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Recap, StoreError> {
    let (monday, from, to) = week_bounds(tz, now);
    let wins = store
        .wins_between(guild_id, from.timestamp_millis(), to.timestamp_millis())
        .await?;
    let last_from = local_midnight(tz, monday - Days::new(7));
    let wins_last_week = store
        .count_done_between(
            guild_id,
            last_from.timestamp_millis(),
            from.timestamp_millis(),
        )
        .await?;
    // Streaks: probe day by day (and week by week) backwards, each an index lookup.
    let today = local_wall_time(tz, now).date();
    let mut day = today;
    if !store
        .any_win_between(
            guild_id,
            local_midnight(tz, day).timestamp_millis(),
            now.timestamp_millis(),
        )
        .await?
    {
        day = day - Days::new(1);
    }
    let mut day_streak = 0;
    while day_streak < MAX_STREAK_DAYS {
        let (start, end) = (
            local_midnight(tz, day),
            local_midnight(tz, day + Days::new(1)),
        );
        if !store
            .any_win_between(guild_id, start.timestamp_millis(), end.timestamp_millis())
            .await?
        {
            break;
        }
        day_streak += 1;
        day = day - Days::new(1);
    }
    let mut week_streak = 0;
    let mut week = monday;
    while week_streak < MAX_STREAK_WEEKS {
        let (start, end) = (
            local_midnight(tz, week),
            local_midnight(tz, week + Days::new(7)),
        );
        if !store
            .any_win_between(guild_id, start.timestamp_millis(), end.timestamp_millis())
            .await?
        {
            break;
        }
        week_streak += 1;
        week = week - Days::new(7);
    }
    Ok(summarise(
        tz,
        monday,
        &wins,
        wins_last_week as usize,
        day_streak,
        week_streak,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(at: &str, member: u64, visibility: &str, text: Option<&str>, size: &str) -> RangeWin {
        RangeWin {
            member_id: MemberId(member),
            created_at: DateTime::parse_from_rfc3339(at).unwrap().timestamp_millis(),
            visibility: visibility.into(),
            text: text.map(str::to_owned),
            act_id: Some(crate::ids::ActId(1)),
            act_text: Some(format!("act {size}")),
            size: Some(size.into()),
            way: Some("connect".into()),
        }
    }

    #[test]
    fn a_win_at_half_past_eleven_on_sunday_night_belongs_to_that_week() {
        let tz = chrono_tz::Europe::London;
        // Sunday 7 June 2026, 23:30 BST = 22:30 UTC: still the week of Monday 1 June.
        let at = DateTime::parse_from_rfc3339("2026-06-07T22:30:00Z")
            .unwrap()
            .to_utc();
        let (monday, from, to) = week_bounds(tz, at);
        assert_eq!(monday, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        assert!(from <= at && at < to);
        // Far from UTC, the same instant is already Monday 8 June in Auckland.
        let (monday, _, _) = week_bounds(chrono_tz::Pacific::Auckland, at);
        assert_eq!(monday, NaiveDate::from_ymd_opt(2026, 6, 8).unwrap());
        let recap = summarise(
            tz,
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            &[win("2026-06-07T22:30:00Z", 1, "count", None, "small")],
            0,
            1,
            1,
        );
        assert_eq!(recap.active_days, vec![Weekday::Sun]);
        assert_eq!(recap.days[6].small, 1);
    }

    #[test]
    fn figures_quotes_and_visibility() {
        let tz = chrono_tz::Europe::London;
        let wins = vec![
            win(
                "2026-06-01T09:00:00Z",
                1,
                "named",
                Some("Asked about her garden"),
                "smallest",
            ),
            win(
                "2026-06-01T10:00:00Z",
                2,
                "anonymous",
                Some("Shared a cuppa"),
                "smallest",
            ),
            win(
                "2026-06-02T10:00:00Z",
                3,
                "count",
                Some("Private words"),
                "smaller",
            ),
            win("2026-06-03T10:00:00Z", 1, "named", None, "small"),
        ];
        let recap = summarise(
            tz,
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            &wins,
            2,
            3,
            2,
        );
        assert_eq!((recap.wins, recap.wins_last_week, recap.members), (4, 2, 3));
        assert_eq!(
            recap.active_days,
            vec![Weekday::Mon, Weekday::Tue, Weekday::Wed]
        );
        assert_eq!(recap.by_size[&Size::Smallest], 2);
        assert_eq!(recap.top_acts, vec![("act smallest".to_owned(), 2)]);
        assert_eq!(
            recap.quotes.len(),
            2,
            "counted-only and wordless wins are not quoted"
        );
        assert_eq!(
            recap.quotes[0],
            Quote {
                member_id: None,
                text: "Shared a cuppa".into()
            }
        );
        assert_eq!(
            recap.quotes[1],
            Quote {
                member_id: Some(MemberId(1)),
                text: "Asked about her garden".into()
            }
        );
        assert_eq!(recap.days[0].smallest, 2);
        assert_eq!(recap.days[1].smaller, 1);
    }

    #[test]
    fn an_empty_week_is_a_recap_too() {
        let recap = summarise(
            chrono_tz::UTC,
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            &[],
            0,
            0,
            0,
        );
        assert!(recap.is_empty());
        assert!(recap.quotes.is_empty() && recap.active_days.is_empty());
        assert!(!recap.closing.is_empty());
    }
}
