//! The impact figures, for the people who decide whether a team keeps doing this: wins per
//! week by size and Way to Wellbeing, members taking part, the team's run of active weeks,
//! check-ins held and pulse totals, over a range of local dates. No names and no words.
//!
//! They are read from the store's tallies (wins per local day, members per local week), so a
//! server with a million wins over two years takes a handful of queries over a few thousand
//! rows, not a read of every win. A win counts on its local date: the day in the server's
//! time zone when it was stored.

use std::fmt::Write as _;

use chrono::{Datelike, Days, NaiveDate};
use chrono_tz::Tz;

use super::local_midnight;
use crate::acts::{Size, Way};
use crate::ids::GuildId;
use crate::store::{DaySpan, Store, StoreError};

/// The impact export's columns, in order.
pub const IMPACT_HEADER: &str = "week_start,wins,members_taking_part,smallest,smaller,small,\
     connect,be_active,take_notice,keep_learning,give,wins_without_act,\
     checkins_held,pulse_answers,pulse_struggling,pulse_not_great,pulse_okay,pulse_good,pulse_great,\
     events_held,people_interested";

/// One local week (Monday to Sunday) of the impact figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpactWeek {
    pub week_start: NaiveDate,
    pub wins: u64,
    /// Different members with a win this week.
    pub members_taking_part: u64,
    /// Wins by their act's size, in [`Size::ALL`] order.
    pub sizes: [u64; 3],
    /// Wins by their act's Way to Wellbeing, in [`Way::ALL`] order.
    pub ways: [u64; 5],
    pub wins_without_act: u64,
    pub checkins_held: u64,
    pub pulse_answers: u64,
    /// Pulse answers from struggling to great, only from check-ins where at least the
    /// minimum number answered (`checkins.pulse_min_answers`).
    pub pulse: [u64; 5],
    /// Connection events that ended this week (not cancelled), and how many were interested
    /// in them, added up (a count from Discord, never who).
    pub events_held: u64,
    pub people_interested: u64,
}

impl ImpactWeek {
    fn empty(week_start: NaiveDate) -> ImpactWeek {
        ImpactWeek {
            week_start,
            ..ImpactWeek::default()
        }
    }
}

/// The impact figures for a range of local dates, in whole weeks from the Monday on or before
/// its first day. The last week stops at `to`: wins after it are not counted (check-ins are
/// counted for the whole week, as the export always has).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impact {
    /// The Monday on or before the first day asked for.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub weeks: Vec<ImpactWeek>,
    /// Different members with a win anywhere in the range.
    pub members_taking_part: u64,
    /// Consecutive weeks with at least one win, ending at the range's last week (or the one
    /// before it, if the last week has none yet).
    pub active_week_run: u32,
    /// The longest run of consecutive weeks with at least one win within the range.
    pub longest_active_run: u32,
    pub total_wins: u64,
    pub checkins_held: u64,
    pub events_held: u64,
    pub people_interested: u64,
}

/// The Monday on or before a date.
fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

fn position<T: PartialEq>(all: &[T], value: &T) -> Option<usize> {
    all.iter().position(|v| v == value)
}

/// The figures for a server from `from` to `to` (local dates, both included; `tz` is the
/// server's time zone, which bounds the weeks of check-ins).
pub async fn impact(
    store: &Store,
    guild_id: GuildId,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Impact, StoreError> {
    let first = monday_of(from);
    let mut weeks: Vec<ImpactWeek> = first
        .iter_weeks()
        .take_while(|monday| *monday <= to)
        .map(ImpactWeek::empty)
        .collect();
    let Some(last) = weeks.last().map(|w| w.week_start) else {
        return Ok(summarise(first, to, weeks, 0));
    };
    let count = weeks.len();
    let index = |monday: NaiveDate| -> Option<usize> {
        let days = (monday - first).num_days();
        (days >= 0 && days % 7 == 0)
            .then_some((days / 7) as usize)
            .filter(|i| *i < count)
    };

    // A last week cut short by `to` counts its members from its wins, unless it has none
    // after `to` (the usual case: `to` is today), when its week in the tallies is exact.
    let sunday = last + Days::new(6);
    let cut_short = if to < sunday
        && store
            .any_win_dated(guild_id, to + Days::new(1), sunday)
            .await?
    {
        Some(DaySpan::new(last, to))
    } else {
        None
    };
    let whole_weeks = match cut_short {
        Some(_) => (last > first).then(|| (first, last - Days::new(7))),
        None => Some((first, last)),
    };
    let periods: Vec<(i64, i64)> = weeks
        .iter()
        .map(|w| {
            (
                local_midnight(tz, w.week_start).timestamp_millis(),
                local_midnight(tz, w.week_start + Days::new(7)).timestamp_millis(),
            )
        })
        .collect();
    // Three at a time, each on a connection of its own.
    let (tallies, (by_week, last_week), (members, checkins)) = tokio::try_join!(
        async {
            let mut tallies = match whole_weeks {
                Some((a, b)) => store.wins_by_week(guild_id, a, b).await?,
                None => Vec::new(),
            };
            if let Some(span) = cut_short {
                tallies.extend(
                    store
                        .wins_by_week_on_days(guild_id, span.from, span.to)
                        .await?,
                );
            }
            Ok::<_, StoreError>(tallies)
        },
        async {
            let by_week = match whole_weeks {
                Some((a, b)) => store.members_by_week(guild_id, a, b).await?,
                None => Vec::new(),
            };
            let last_week = match cut_short {
                Some(span) => Some(
                    store
                        .members_taking_part(guild_id, None, Some(span))
                        .await?,
                ),
                None => None,
            };
            Ok::<_, StoreError>((by_week, last_week))
        },
        async {
            let members = store
                .members_taking_part(guild_id, whole_weeks, cut_short)
                .await?;
            let checkins = store.checkin_totals_by_period(guild_id, &periods).await?;
            Ok::<_, StoreError>((members, checkins))
        },
    )?;

    for (monday, row) in tallies {
        let Some(i) = index(monday) else { continue };
        let week = &mut weeks[i];
        let n = row.wins.max(0) as u64;
        week.wins += n;
        match row.size.parse::<Size>() {
            Ok(size) => week.sizes[position(Size::ALL, &size).unwrap_or(0)] += n,
            Err(_) => week.wins_without_act += n,
        }
        if let Ok(way) = row.way.parse::<Way>() {
            week.ways[position(Way::ALL, &way).unwrap_or(0)] += n;
        }
    }
    for (monday, members) in by_week {
        if let Some(i) = index(monday) {
            weeks[i].members_taking_part = members;
        }
    }
    if let (Some(members), Some(week)) = (last_week, weeks.last_mut()) {
        week.members_taking_part = members;
    }
    // Events are few (a handful a month): read whole, bucketed here by the week they ended in.
    if let (Some(first_period), Some(last_period)) = (periods.first(), periods.last()) {
        for (ended, interested) in store
            .events_held_between(guild_id, first_period.0, last_period.1)
            .await?
        {
            if let Some(i) = periods.iter().position(|(a, b)| (*a..*b).contains(&ended)) {
                weeks[i].events_held += 1;
                weeks[i].people_interested += interested.max(0) as u64;
            }
        }
    }
    for (week, totals) in weeks.iter_mut().zip(checkins) {
        let n = |v: i64| v.max(0) as u64;
        week.checkins_held = n(totals.held);
        week.pulse_answers = n(totals.pulse_answers);
        week.pulse = totals.counts.map(n);
    }
    Ok(summarise(first, to, weeks, members))
}

/// The totals and runs of active weeks, from the weeks.
fn summarise(from: NaiveDate, to: NaiveDate, weeks: Vec<ImpactWeek>, members: u64) -> Impact {
    let active: Vec<bool> = weeks.iter().map(|w| w.wins > 0).collect();
    // A last week without a win yet does not break the run.
    let upto = match active.last() {
        Some(false) => active.len() - 1,
        _ => active.len(),
    };
    let active_week_run = active[..upto].iter().rev().take_while(|a| **a).count() as u32;
    let mut longest_active_run = 0;
    let mut run = 0;
    for a in &active {
        run = if *a { run + 1 } else { 0 };
        longest_active_run = longest_active_run.max(run);
    }
    Impact {
        from,
        to,
        members_taking_part: members,
        active_week_run,
        longest_active_run,
        total_wins: weeks.iter().map(|w| w.wins).sum(),
        checkins_held: weeks.iter().map(|w| w.checkins_held).sum(),
        events_held: weeks.iter().map(|w| w.events_held).sum(),
        people_interested: weeks.iter().map(|w| w.people_interested).sum(),
        weeks,
    }
}

/// The figures as the impact export's CSV: [`IMPACT_HEADER`], then a row per week.
pub fn impact_to_csv(impact: &Impact) -> String {
    let mut csv = String::from(IMPACT_HEADER);
    csv.push('\n');
    for week in &impact.weeks {
        let _ = write!(
            csv,
            "{},{},{}",
            week.week_start, week.wins, week.members_taking_part
        );
        for n in week.sizes.iter().chain(&week.ways) {
            let _ = write!(csv, ",{n}");
        }
        let _ = write!(
            csv,
            ",{},{},{}",
            week.wins_without_act, week.checkins_held, week.pulse_answers
        );
        for n in &week.pulse {
            let _ = write!(csv, ",{n}");
        }
        let _ = write!(csv, ",{},{}", week.events_held, week.people_interested);
        csv.push('\n');
    }
    csv
}

/// Weekly figures from `from` to `to` (local dates, whole weeks from the Monday on or before
/// `from`) as CSV: no names and no words.
pub async fn impact_csv(
    store: &Store,
    guild_id: GuildId,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<String, StoreError> {
    Ok(impact_to_csv(&impact(store, guild_id, tz, from, to).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn weeks(first: &str, wins: &[u64]) -> Vec<ImpactWeek> {
        wins.iter()
            .enumerate()
            .map(|(i, n)| ImpactWeek {
                wins: *n,
                checkins_held: 1,
                ..ImpactWeek::empty(date(first) + Days::new(7 * i as u64))
            })
            .collect()
    }

    #[test]
    fn runs_of_active_weeks_end_at_the_last_week_or_the_one_before() {
        let impact = summarise(
            date("2026-01-05"),
            date("2026-03-01"),
            weeks("2026-01-05", &[1, 2, 3, 0, 4, 5, 0, 2]),
            3,
        );
        assert_eq!((impact.active_week_run, impact.longest_active_run), (1, 3));
        assert_eq!((impact.total_wins, impact.checkins_held), (17, 8));
        // This week has nothing yet: the run up to last week still stands.
        let impact = summarise(
            date("2026-01-05"),
            date("2026-02-11"),
            weeks("2026-01-05", &[1, 0, 3, 4, 5, 0]),
            3,
        );
        assert_eq!((impact.active_week_run, impact.longest_active_run), (3, 3));
        // Two weeks without: the run is over.
        let impact = summarise(
            date("2026-01-05"),
            date("2026-02-18"),
            weeks("2026-01-05", &[1, 0, 3, 4, 5, 0, 0]),
            3,
        );
        assert_eq!((impact.active_week_run, impact.longest_active_run), (0, 3));
        let empty = summarise(date("2026-01-05"), date("2026-01-04"), Vec::new(), 0);
        assert_eq!((empty.active_week_run, empty.longest_active_run), (0, 0));
    }

    #[test]
    fn the_csv_has_the_header_and_a_row_per_week_in_column_order() {
        let mut week = ImpactWeek::empty(date("2026-06-01"));
        week.wins = 7;
        week.members_taking_part = 3;
        week.sizes = [1, 2, 3];
        week.ways = [4, 0, 0, 1, 1];
        week.wins_without_act = 1;
        week.checkins_held = 2;
        week.pulse_answers = 5;
        week.pulse = [0, 1, 0, 2, 0];
        week.events_held = 1;
        week.people_interested = 4;
        let impact = summarise(date("2026-06-01"), date("2026-06-07"), vec![week], 3);
        assert_eq!(
            impact_to_csv(&impact),
            format!("{IMPACT_HEADER}\n2026-06-01,7,3,1,2,3,4,0,0,1,1,1,2,5,0,1,0,2,0,1,4\n")
        );
    }
}
