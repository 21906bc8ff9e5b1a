//! Which size of act a server gets on a given local date: the server's size plan, and
//! Loneliness Awareness Week, when the campaign's sizes climb through the week.
//!
//! Pure calendar maths on local dates; the caller works out the server's local date.

use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::acts::Size;

/// The campaign's hashtag, added to posts during Loneliness Awareness Week (and drawn on
/// its share card, hence kept with the charts).
pub use crate::charts::CAMPAIGN_HASHTAG;

/// How a server's daily sizes are planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SizePlan {
    /// The default: starts smallest on Monday and reaches small by Friday (Mon smallest, Tue
    /// smallest, Wed smaller, Thu smaller, Fri small, weekend smallest). People warm up over
    /// the working week; rest days stay gentle.
    #[default]
    GentleWeek,
    /// Always this size, for servers that know what suits them.
    Always(Size),
    /// Any size.
    Mixed,
}

const PLAN_WORDS: &str = "gentle-week, always-smallest, always-smaller, always-small or mixed";

impl SizePlan {
    /// Reads "gentle-week", "always-smallest" (or just "smallest"), "always-smaller",
    /// "always-small", "mixed"; case, spaces and underscores are forgiven.
    pub fn parse(text: &str) -> Result<SizePlan, String> {
        let word = text
            .trim()
            .to_lowercase()
            .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        match word.as_str() {
            "gentle-week" | "gentle" | "gentleweek" => return Ok(SizePlan::GentleWeek),
            "mixed" | "mix" | "any" | "any-size" => return Ok(SizePlan::Mixed),
            _ => {}
        }
        let size = word.strip_prefix("always-").unwrap_or(&word);
        Size::from_str(size)
            .map(SizePlan::Always)
            .map_err(|_| format!("unknown size plan {:?}; use {PLAN_WORDS}", text.trim()))
    }

    /// The stable word for commands and the database, read back by [`SizePlan::parse`].
    pub fn as_str(&self) -> String {
        match self {
            SizePlan::GentleWeek => "gentle-week".to_string(),
            SizePlan::Always(size) => format!("always-{}", size.as_str()),
            SizePlan::Mixed => "mixed".to_string(),
        }
    }

    /// For people.
    pub fn describe(&self) -> String {
        match self {
            SizePlan::GentleWeek => "a gentle week: the smallest acts on Monday and Tuesday, \
                 smaller on Wednesday and Thursday, small on Friday, and the smallest again at \
                 the weekend"
                .to_string(),
            SizePlan::Always(size) => format!("always {} acts", size.as_str()),
            SizePlan::Mixed => "acts of any size".to_string(),
        }
    }

    /// The sizes its days ask for; none in particular when any size will do.
    pub fn sizes(&self) -> Vec<Size> {
        match self {
            SizePlan::GentleWeek => Size::ALL.to_vec(),
            SizePlan::Always(size) => vec![*size],
            SizePlan::Mixed => Vec::new(),
        }
    }

    /// The size for a local date, or `None` when any size will do.
    pub fn size_for(&self, date: NaiveDate) -> Option<Size> {
        match self {
            SizePlan::GentleWeek => Some(match date.weekday() {
                Weekday::Mon | Weekday::Tue => Size::Smallest,
                Weekday::Wed | Weekday::Thu => Size::Smaller,
                Weekday::Fri => Size::Small,
                Weekday::Sat | Weekday::Sun => Size::Smallest,
            }),
            SizePlan::Always(size) => Some(*size),
            SizePlan::Mixed => None,
        }
    }
}

/// Loneliness Awareness Week: Monday to Sunday from the second Monday of June (10-16 June
/// 2024, 9-15 June 2025, 8-14 June 2026), unless configured dates override it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwarenessWeek {
    pub monday: NaiveDate,
}

impl AwarenessWeek {
    /// The usual week: from the second Monday of June.
    pub fn for_year(year: i32) -> AwarenessWeek {
        let first_of_june = NaiveDate::from_ymd_opt(year, 6, 1).unwrap_or(NaiveDate::MIN);
        let to_monday = (7 - first_of_june.weekday().num_days_from_monday()) % 7;
        AwarenessWeek {
            monday: first_of_june + Duration::days(i64::from(to_monday) + 7),
        }
    }

    /// A configured override, when the campaign moves the week. Must start on a Monday, so a
    /// typo in the config is caught rather than shifting every day's size.
    pub fn starting(monday: NaiveDate) -> Result<AwarenessWeek, String> {
        if monday.weekday() == Weekday::Mon {
            Ok(AwarenessWeek { monday })
        } else {
            Err(format!(
                "Loneliness Awareness Week must start on a Monday, but {monday} is a {}; e.g. 2026-06-08",
                weekday_name(monday.weekday())
            ))
        }
    }

    /// Reads a configured override, "YYYY-MM-DD" of a Monday.
    pub fn parse(text: &str) -> Result<AwarenessWeek, String> {
        let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            format!(
                "{} is not a date; write the week's Monday as YYYY-MM-DD, e.g. 2026-06-08",
                crate::echo::quote(text)
            )
        })?;
        AwarenessWeek::starting(date)
    }

    pub fn sunday(&self) -> NaiveDate {
        self.monday + Duration::days(6)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.monday <= date && date <= self.sunday()
    }

    /// 0 = Monday .. 6 = Sunday, or `None` outside the week.
    pub fn day_index(&self, date: NaiveDate) -> Option<u32> {
        self.contains(date)
            .then(|| (date - self.monday).num_days() as u32)
    }

    /// During the week the sizes climb from smallest to small over the seven days: Mon, Tue
    /// smallest; Wed, Thu, Fri smaller; Sat, Sun small. The campaign builds to a weekend of
    /// bigger gestures.
    pub fn size_for(&self, date: NaiveDate) -> Option<Size> {
        self.day_index(date).map(|day| match day {
            0 | 1 => Size::Smallest,
            2..=4 => Size::Smaller,
            _ => Size::Small,
        })
    }

    /// The week that contains the date, if any: a configured override containing it, else
    /// the usual week of the date's year, unless an override moved that year's week.
    pub fn containing(date: NaiveDate, overrides: &[AwarenessWeek]) -> Option<AwarenessWeek> {
        if let Some(week) = overrides.iter().find(|week| week.contains(date)) {
            return Some(*week);
        }
        if overrides
            .iter()
            .any(|week| week.monday.year() == date.year())
        {
            return None;
        }
        let usual = AwarenessWeek::for_year(date.year());
        usual.contains(date).then_some(usual)
    }

    /// The week that contains the date or, if none does, the last one before it: this year's
    /// (a configured override for the year, else the usual one) once its Monday has come,
    /// else last year's.
    pub fn latest(date: NaiveDate, overrides: &[AwarenessWeek]) -> AwarenessWeek {
        let of_year = |year: i32| {
            overrides
                .iter()
                .find(|week| week.monday.year() == year)
                .copied()
                .unwrap_or_else(|| AwarenessWeek::for_year(year))
        };
        let this_year = of_year(date.year());
        if this_year.monday <= date {
            this_year
        } else {
            of_year(date.year() - 1)
        }
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn awareness_week_is_from_the_second_monday_of_june() {
        assert_eq!(AwarenessWeek::for_year(2024).monday, date("2024-06-10"));
        assert_eq!(AwarenessWeek::for_year(2025).monday, date("2025-06-09"));
        assert_eq!(AwarenessWeek::for_year(2026).monday, date("2026-06-08"));
        assert_eq!(AwarenessWeek::for_year(2022).monday, date("2022-06-13"));
        // June 2027 starts on a Tuesday: first Monday the 7th, second the 14th.
        assert_eq!(AwarenessWeek::for_year(2027).monday, date("2027-06-14"));
        assert_eq!(AwarenessWeek::for_year(2024).sunday(), date("2024-06-16"));
        assert_eq!(AwarenessWeek::for_year(2025).sunday(), date("2025-06-15"));
        assert_eq!(AwarenessWeek::for_year(2026).sunday(), date("2026-06-14"));
        for year in 2000..2100 {
            let monday = AwarenessWeek::for_year(year).monday;
            assert_eq!(monday.weekday(), Weekday::Mon, "{year}");
            assert_eq!(monday.month(), 6, "{year}");
            assert!((8..=14).contains(&monday.day()), "{year}");
        }
    }

    #[test]
    fn the_latest_week_is_this_one_or_the_one_before() {
        let latest = |d: &str| AwarenessWeek::latest(date(d), &[]).monday;
        assert_eq!(latest("2026-06-10"), date("2026-06-08"), "during the week");
        assert_eq!(latest("2026-06-08"), date("2026-06-08"), "its Monday");
        assert_eq!(
            latest("2026-06-07"),
            date("2025-06-09"),
            "the day before: last year's"
        );
        assert_eq!(latest("2026-12-31"), date("2026-06-08"));
        assert_eq!(latest("2026-01-01"), date("2025-06-09"));
        let moved = [AwarenessWeek::starting(date("2026-06-15")).unwrap()];
        let latest = |d: &str| AwarenessWeek::latest(date(d), &moved).monday;
        assert_eq!(
            latest("2026-06-10"),
            date("2025-06-09"),
            "the moved week hasn't come"
        );
        assert_eq!(latest("2026-06-16"), date("2026-06-15"));
        assert_eq!(
            latest("2027-07-01"),
            date("2027-06-14"),
            "other years are as usual"
        );
    }

    #[test]
    fn awareness_week_contains_and_day_index() {
        let week = AwarenessWeek::for_year(2026);
        assert!(!week.contains(date("2026-06-07")));
        assert!(week.contains(date("2026-06-08")));
        assert!(week.contains(date("2026-06-14")));
        assert!(!week.contains(date("2026-06-15")));
        assert_eq!(week.day_index(date("2026-06-07")), None);
        assert_eq!(week.day_index(date("2026-06-08")), Some(0));
        assert_eq!(week.day_index(date("2026-06-11")), Some(3));
        assert_eq!(week.day_index(date("2026-06-14")), Some(6));
        assert_eq!(week.day_index(date("2026-06-15")), None);
    }

    #[test]
    fn awareness_week_sizes_climb() {
        let week = AwarenessWeek::for_year(2025);
        let sizes: Vec<_> = (0..9)
            .map(|i| week.size_for(date("2025-06-08") + Duration::days(i)))
            .collect();
        assert_eq!(
            sizes,
            [
                None, // Sunday before
                Some(Size::Smallest),
                Some(Size::Smallest),
                Some(Size::Smaller),
                Some(Size::Smaller),
                Some(Size::Smaller),
                Some(Size::Small),
                Some(Size::Small),
                None, // Monday after
            ]
        );
    }

    #[test]
    fn awareness_week_overrides() {
        let moved = AwarenessWeek::starting(date("2026-06-15")).unwrap();
        assert_eq!(moved.sunday(), date("2026-06-21"));
        let error = AwarenessWeek::starting(date("2026-06-16")).unwrap_err();
        assert!(error.contains("2026-06-16 is a Tuesday"), "{error}");
        assert!(error.contains("2026-06-08"), "{error}");
        assert_eq!(AwarenessWeek::parse(" 2026-06-15 ").unwrap(), moved);
        assert!(AwarenessWeek::parse("2026-06-16").is_err());
        let error = AwarenessWeek::parse("15/06/2026").unwrap_err();
        assert!(error.contains("YYYY-MM-DD"), "{error}");

        // No overrides: the usual week.
        assert_eq!(
            AwarenessWeek::containing(date("2026-06-10"), &[]),
            Some(AwarenessWeek::for_year(2026))
        );
        assert_eq!(AwarenessWeek::containing(date("2026-06-20"), &[]), None);
        assert_eq!(AwarenessWeek::containing(date("2026-01-10"), &[]), None);
        // An override for 2026 replaces 2026's usual week but not 2025's.
        let overrides = [moved];
        assert_eq!(
            AwarenessWeek::containing(date("2026-06-20"), &overrides),
            Some(moved)
        );
        assert_eq!(
            AwarenessWeek::containing(date("2026-06-10"), &overrides),
            None
        );
        assert_eq!(
            AwarenessWeek::containing(date("2025-06-10"), &overrides),
            Some(AwarenessWeek::for_year(2025))
        );
        assert_eq!(moved.size_for(date("2026-06-20")), Some(Size::Small));
    }

    #[test]
    fn gentle_week_sizes_by_weekday() {
        let plan = SizePlan::GentleWeek;
        // 2026-06-01 is a Monday.
        let sizes: Vec<_> = (0..7)
            .map(|i| plan.size_for(date("2026-06-01") + Duration::days(i)))
            .collect();
        assert_eq!(
            sizes,
            [
                Some(Size::Smallest),
                Some(Size::Smallest),
                Some(Size::Smaller),
                Some(Size::Smaller),
                Some(Size::Small),
                Some(Size::Smallest),
                Some(Size::Smallest),
            ]
        );
        assert_eq!(SizePlan::default(), SizePlan::GentleWeek);
        assert_eq!(
            SizePlan::Always(Size::Smaller).size_for(date("2026-06-05")),
            Some(Size::Smaller)
        );
        assert_eq!(SizePlan::Mixed.size_for(date("2026-06-05")), None);
    }

    #[test]
    fn size_plan_words_round_trip() {
        let plans = [
            SizePlan::GentleWeek,
            SizePlan::Always(Size::Smallest),
            SizePlan::Always(Size::Smaller),
            SizePlan::Always(Size::Small),
            SizePlan::Mixed,
        ];
        let words: Vec<_> = plans.iter().map(SizePlan::as_str).collect();
        assert_eq!(
            words,
            [
                "gentle-week",
                "always-smallest",
                "always-smaller",
                "always-small",
                "mixed"
            ]
        );
        for plan in plans {
            assert_eq!(SizePlan::parse(&plan.as_str()), Ok(plan));
        }
        assert_eq!(
            SizePlan::parse("smallest"),
            Ok(SizePlan::Always(Size::Smallest))
        );
        assert_eq!(
            SizePlan::parse("Always Small"),
            Ok(SizePlan::Always(Size::Small))
        );
        assert_eq!(SizePlan::parse(" Gentle_Week "), Ok(SizePlan::GentleWeek));
        assert_eq!(SizePlan::parse("MIXED"), Ok(SizePlan::Mixed));
        for bad in ["", "huge", "always-huge", "always", "gentle-month"] {
            let error = SizePlan::parse(bad).unwrap_err();
            assert!(
                error.contains("gentle-week, always-smallest"),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn size_plan_descriptions() {
        assert!(SizePlan::GentleWeek.describe().starts_with("a gentle week"));
        assert_eq!(
            SizePlan::Always(Size::Smallest).describe(),
            "always smallest acts"
        );
        assert_eq!(SizePlan::Mixed.describe(), "acts of any size");
        assert_eq!(CAMPAIGN_HASHTAG, "#RandomActsofConnection");
    }
}
