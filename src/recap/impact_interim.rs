//! INTERIM (branch webpage only): the `recap::impact` API that the impact branch delivers with
//! pre-aggregated tallies. Replaced by that branch's version at merge.

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::ids::GuildId;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpactWeek {
    pub week_start: NaiveDate,
    pub wins: u64,
    pub members_taking_part: u64,
    pub sizes: [u64; 3],
    pub ways: [u64; 5],
    pub wins_without_act: u64,
    pub checkins_held: u64,
    pub pulse_answers: u64,
    pub pulse: [u64; 5],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impact {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub weeks: Vec<ImpactWeek>,
    pub members_taking_part: u64,
    pub active_week_run: u32,
    pub longest_active_run: u32,
    pub total_wins: u64,
    pub checkins_held: u64,
}

pub async fn impact(
    store: &Store,
    guild_id: GuildId,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Impact, StoreError> {
    let csv = super::impact_csv(store, guild_id, tz, from, to).await?;
    let mut weeks = Vec::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let n = |i: usize| f[i].parse::<u64>().unwrap_or(0);
        weeks.push(ImpactWeek {
            week_start: NaiveDate::parse_from_str(f[0], "%Y-%m-%d").unwrap_or(from),
            wins: n(1),
            members_taking_part: n(2),
            sizes: [n(3), n(4), n(5)],
            ways: [n(6), n(7), n(8), n(9), n(10)],
            wins_without_act: n(11),
            checkins_held: n(12),
            pulse_answers: n(13),
            pulse: [n(14), n(15), n(16), n(17), n(18)],
        });
    }
    let mut run = 0;
    let mut longest = 0;
    for week in &weeks {
        run = if week.wins > 0 { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    Ok(Impact {
        from: weeks.first().map_or(from, |w| w.week_start),
        to,
        members_taking_part: weeks
            .iter()
            .map(|w| w.members_taking_part)
            .max()
            .unwrap_or(0),
        active_week_run: run,
        longest_active_run: longest,
        total_wins: weeks.iter().map(|w| w.wins).sum(),
        checkins_held: weeks.iter().map(|w| w.checkins_held).sum(),
        weeks,
    })
}
