//! What the impact page says, worked out from a server's weekly figures: a plain-language
//! summary, the charts' data, and the tables beside them. The same privacy rules as the CSV:
//! counts only, no names and no words of members, and pulse totals only from check-ins where
//! enough people answered.

use chrono::{Datelike, Days, NaiveDate};

use crate::acts::{Size, Way};
use crate::recap::{Impact, ImpactWeek};

/// Weeks shown when the reader has not chosen.
pub const DEFAULT_WEEKS: u64 = 12;
/// The longest range the page (like the CSV) covers.
const MAX_DAYS: i64 = 366 * 3;

/// The dates the reader asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A range the page cannot show, with what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RangeError(pub String);

impl PageRange {
    /// The last [`DEFAULT_WEEKS`] weeks up to `today`, this week included: from a Monday, so
    /// that it is exactly that many weekly rows.
    pub fn default_for(today: NaiveDate) -> PageRange {
        let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
        PageRange {
            from: monday - Days::new(7 * (DEFAULT_WEEKS - 1)),
            to: today,
        }
    }

    /// The range from the page's form (`YYYY-MM-DD`, either may be empty).
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<PageRange, RangeError> {
        let default = PageRange::default_for(today);
        let date = |text: Option<&str>, fallback: NaiveDate| match text.map(str::trim) {
            None | Some("") => Ok(fallback),
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                RangeError(format!(
                    "\"{}\" is not a date. Write dates as YYYY-MM-DD, e.g. 2026-06-08.",
                    text.chars().take(30).collect::<String>()
                ))
            }),
        };
        let range = PageRange {
            from: date(from, default.from)?,
            to: date(to, default.to)?,
        };
        if range.from > range.to {
            return Err(RangeError(
                "The first day is after the last. Choose a first day before the last one.".into(),
            ));
        }
        if (range.to - range.from).num_days() > MAX_DAYS {
            return Err(RangeError(
                "That is more than three years. Choose a shorter range, e.g. the last 12 months."
                    .into(),
            ));
        }
        Ok(range)
    }
}

/// A stacked bar chart's data: one bar per category, one stacked piece per series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartData {
    pub title: String,
    pub description: String,
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<u64>)>,
}

/// One row of the weekly table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekRow {
    /// "7 Sep 2026"
    pub week: String,
    pub figures: ImpactWeek,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactPage {
    pub server: String,
    pub range: PageRange,
    /// The plain-language summary, one sentence each.
    pub summary: Vec<String>,
    pub total_wins: u64,
    pub members_taking_part: u64,
    pub active_week_run: u32,
    pub longest_active_run: u32,
    pub checkins_held: u64,
    pub events_held: u64,
    pub people_interested: u64,
    pub pulse_answers: u64,
    /// Struggling .. great, over the check-ins where enough people answered.
    pub pulse: [u64; 5],
    pub min_answers: u32,
    pub by_size: ChartData,
    pub by_way: ChartData,
    pub weeks: Vec<WeekRow>,
}

/// The pulse's answers, worst first, as the page names them.
pub const PULSE_NAMES: [&str; 5] = ["Struggling", "Not great", "Okay", "Good", "Great"];

impl ImpactPage {
    pub fn build(server: &str, impact: &Impact, range: PageRange, min_answers: u32) -> ImpactPage {
        let categories: Vec<String> = impact
            .weeks
            .iter()
            .map(|w| short_date(w.week_start))
            .collect();
        let column = |pick: &dyn Fn(&ImpactWeek) -> u64| -> Vec<u64> {
            impact.weeks.iter().map(pick).collect()
        };
        let by_size = ChartData {
            title: "Acts of connection each week, by size".into(),
            description: "Stacked bars: for each week, the acts shared, split into smallest, smaller and small acts.".into(),
            categories: categories.clone(),
            series: Size::ALL
                .iter()
                .enumerate()
                .map(|(i, size)| (size.label().to_owned(), column(&|w| w.sizes[i])))
                .collect(),
        };
        let by_way = ChartData {
            title: "Acts of connection each week, by Way to Wellbeing".into(),
            description:
                "Stacked bars: for each week, the acts shared, split by the Five Ways to Wellbeing."
                    .into(),
            categories,
            series: Way::ALL
                .iter()
                .enumerate()
                .map(|(i, way)| (way.label().to_owned(), column(&|w| w.ways[i])))
                .collect(),
        };
        let pulse_answers = impact.weeks.iter().map(|w| w.pulse_answers).sum();
        let mut pulse = [0u64; 5];
        for week in &impact.weeks {
            for (total, count) in pulse.iter_mut().zip(week.pulse) {
                *total += count;
            }
        }
        ImpactPage {
            server: server.to_owned(),
            range,
            summary: summary(server, impact, range),
            total_wins: impact.total_wins,
            members_taking_part: impact.members_taking_part,
            active_week_run: impact.active_week_run,
            longest_active_run: impact.longest_active_run,
            checkins_held: impact.checkins_held,
            events_held: impact.events_held,
            people_interested: impact.people_interested,
            pulse_answers,
            pulse,
            min_answers,
            by_size,
            by_way,
            weeks: impact
                .weeks
                .iter()
                .map(|w| WeekRow {
                    week: long_date(w.week_start),
                    figures: w.clone(),
                })
                .collect(),
        }
    }

    /// Whether any pulse totals can be shown.
    pub fn has_pulse(&self) -> bool {
        self.pulse.iter().any(|c| *c > 0)
    }
}

/// The summary at the top: what the team did, in words a trustee reads in ten seconds.
fn summary(server: &str, impact: &Impact, range: PageRange) -> Vec<String> {
    let weeks = impact.weeks.len();
    let span = format!(
        "In the {} from {} to {}",
        plural(weeks as u64, "week", "weeks"),
        long_date(range.from),
        long_date(range.to)
    );
    let mut sentences = Vec::new();
    if impact.total_wins == 0 {
        sentences.push(format!(
            "{span}, no acts of connection were shared at {server} yet."
        ));
    } else {
        sentences.push(format!(
            "{span}, {} at {server} did {} of connection.",
            plural(impact.members_taking_part, "person", "people"),
            plural(impact.total_wins, "small act", "small acts"),
        ));
        let ways: Vec<u64> = (0..5)
            .map(|i| impact.weeks.iter().map(|w| w.ways[i]).sum())
            .collect();
        let with_way: u64 = ways.iter().sum();
        if let Some((top, count)) = ways.iter().enumerate().max_by_key(|(_, c)| **c)
            && *count > 0
        {
            sentences.push(format!(
                "The most common Way to Wellbeing was \u{201c}{}\u{201d} ({}% of acts with a Way).",
                Way::ALL[top].label(),
                count * 100 / with_way.max(1)
            ));
        }
    }
    if impact.active_week_run >= 2 {
        sentences.push(format!(
            "The team has shared acts {} in a row.",
            plural(u64::from(impact.active_week_run), "week", "weeks")
        ));
    }
    if impact.checkins_held > 0 {
        sentences.push(format!(
            "{} held.",
            plural(impact.checkins_held, "check-in was", "check-ins were")
        ));
    }
    if impact.events_held > 0 {
        sentences.push(format!(
            "The team held {}, with {} interested.",
            plural(impact.events_held, "get-together", "get-togethers"),
            plural(impact.people_interested, "person", "people"),
        ));
    }
    sentences
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

/// 12,345
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "7 Sep"
fn short_date(date: NaiveDate) -> String {
    date.format("%-d %b").to_string()
}

/// "7 Sep 2026"
fn long_date(date: NaiveDate) -> String {
    format!("{} {}", short_date(date), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges_default_to_twelve_weeks_and_bad_ones_say_what_to_do() {
        let today = date("2026-11-27");
        assert_eq!(
            PageRange::parse(None, Some(""), today).unwrap(),
            PageRange {
                from: date("2026-09-07"),
                to: today
            }
        );
        assert!(
            PageRange::parse(Some("27/11/2026"), None, today)
                .unwrap_err()
                .0
                .contains("YYYY-MM-DD")
        );
        assert!(
            PageRange::parse(Some("2026-11-28"), None, today)
                .unwrap_err()
                .0
                .contains("after")
        );
        assert!(
            PageRange::parse(Some("2020-01-01"), None, today)
                .unwrap_err()
                .0
                .contains("three years")
        );
    }

    #[test]
    fn the_summary_counts_people_and_acts_in_plain_words() {
        let week = |start: &str, wins: u64| ImpactWeek {
            week_start: date(start),
            wins,
            members_taking_part: 2,
            sizes: [wins, 0, 0],
            ways: [wins, 0, 0, 0, 1],
            ..Default::default()
        };
        let impact = Impact {
            from: date("2026-11-09"),
            to: date("2026-11-27"),
            weeks: vec![
                week("2026-11-09", 3),
                week("2026-11-16", 1_200),
                week("2026-11-23", 1),
            ],
            members_taking_part: 23,
            active_week_run: 3,
            longest_active_run: 3,
            total_wins: 1_204,
            checkins_held: 1,
            events_held: 2,
            people_interested: 9,
        };
        let range = PageRange {
            from: date("2026-11-09"),
            to: date("2026-11-27"),
        };
        let page = ImpactPage::build("Rosewood", &impact, range, 3);
        assert_eq!(
            page.summary[0],
            "In the 3 weeks from 9 Nov 2026 to 27 Nov 2026, 23 people at Rosewood did 1,204 small acts of connection."
        );
        assert!(page.summary[1].contains("Connect"), "{:?}", page.summary);
        assert!(
            page.summary
                .iter()
                .any(|s| s == "The team has shared acts 3 weeks in a row.")
        );
        assert!(page.summary.iter().any(|s| s == "1 check-in was held."));
        assert!(
            page.summary
                .iter()
                .any(|s| s == "The team held 2 get-togethers, with 9 people interested."),
            "{:?}",
            page.summary
        );
        assert_eq!(page.by_size.categories, ["9 Nov", "16 Nov", "23 Nov"]);
        assert_eq!(page.by_size.series[0].1, [3, 1_200, 1]);
        assert_eq!(page.by_way.series[4].1, [1, 1, 1]);
    }
}
