//! Cron expressions as people write them (Vixie cron: 5 fields, or 6 with seconds first),
//! translated for the `cron` crate, which then does all the matching and searching.
//!
//! Why this file still parses cron itself instead of handing the text to `cron::Schedule`
//! (the crate is used, and stays used, for every match and search; what is written here is
//! the reading of the text):
//! - the crate wants 6 or 7 fields (seconds first, an optional year last); people write 5,
//!   and a 7th field here is a mistake to report, not a year;
//! - the crate numbers days of the week 1 (Sunday) to 7 (Saturday), Vixie cron 0 or 7
//!   (Sunday) and 1 (Monday) to 6: "0 9 * * 1-5" handed over with only a seconds field put
//!   in front would fire Sunday to Thursday, and "0 9 * * 0" would be refused; "SAT-SUN" is
//!   a backwards range in its numbering;
//! - when both day fields are restricted, cron fires on days matching EITHER ("0 9 1 * MON":
//!   the 1st and every Monday); the crate requires BOTH, so such an expression becomes two
//!   crate schedules;
//! - the crate reads fewer names ("thur", "weds", "sept", "mondays" are refused) and accepts
//!   forms this bot refuses on purpose ("?", "@daily" shortcuts, a year field);
//! - its errors are its parser's: a caret under the expression, at best with a terse line
//!   ("Hours must be less than 23. ('24' specified.)", though 23 is allowed; nothing at all
//!   for a 5-field expression) and never an example; people get messages naming the field,
//!   the value and a fix ("hour 24 is out of range (0-23)", "split it, e.g. \"17-23,0-9\""),
//!   which the tests pin.
//!
//! Another library would not remove this reading either: the messages are this bot's own,
//! and the daylight-saving rules (see `calendar`) mean any library is only ever asked to
//! match naive local wall times, which the `cron` crate already does. The exact text the
//! crate receives is pinned by `cron_translation_to_the_cron_crate`.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};

use super::ScheduleError;
use super::days::weekday_from_name;

/// One field of a cron expression as people write it (Vixie cron rules).
#[derive(Clone, Copy)]
struct CronField {
    name: &'static str,
    min: u32,
    max: u32,
    /// The top of `*` and of `N/step`. Only differs from `max` for day-of-week, where 7 is a
    /// second spelling of Sunday and must not make `*/2` pick Sunday twice.
    star_max: u32,
    names: Option<fn(&str) -> Option<u32>>,
}

const SECOND: CronField = CronField {
    name: "second",
    min: 0,
    max: 59,
    star_max: 59,
    names: None,
};
const MINUTE: CronField = CronField {
    name: "minute",
    min: 0,
    max: 59,
    star_max: 59,
    names: None,
};
const HOUR: CronField = CronField {
    name: "hour",
    min: 0,
    max: 23,
    star_max: 23,
    names: None,
};
const DAY_OF_MONTH: CronField = CronField {
    name: "day-of-month",
    min: 1,
    max: 31,
    star_max: 31,
    names: None,
};
const MONTH: CronField = CronField {
    name: "month",
    min: 1,
    max: 12,
    star_max: 12,
    names: Some(month_from_name),
};
/// 0 and 7 are Sunday, 1 is Monday (the usual cron numbering, not the `cron` crate's).
const DAY_OF_WEEK: CronField = CronField {
    name: "day-of-week",
    min: 0,
    max: 7,
    star_max: 6,
    names: Some(day_of_week_from_name),
};

/// "jan" or "january" is 1.
fn month_from_name(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let position = MONTHS
        .iter()
        .position(|month| name == *month || (name.len() == 3 && month.starts_with(name)))
        .or((name == "sept").then_some(8))?;
    Some(position as u32 + 1)
}

/// "sun" or "sunday" is 0, "mon" is 1.
fn day_of_week_from_name(name: &str) -> Option<u32> {
    weekday_from_name(name).map(|day| day.num_days_from_sunday())
}

impl CronField {
    /// The set of values a field text selects: lists, ranges, steps and names.
    fn parse(&self, text: &str) -> Result<BTreeSet<u32>, String> {
        let mut values = BTreeSet::new();
        for item in text.split(',') {
            if item.is_empty() {
                return Err(format!(
                    "the {} field {text:?} has an empty list entry",
                    self.name
                ));
            }
            let (base, step) = match item.split_once('/') {
                Some((base, step)) => {
                    if step.is_empty() || !step.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format!(
                            "the step in {item:?} ({} field) must be a whole number",
                            self.name
                        ));
                    }
                    match step.parse::<u32>() {
                        Ok(0) => {
                            return Err(format!(
                                "the step in {item:?} ({} field) cannot be 0",
                                self.name
                            ));
                        }
                        Ok(step) => (base, Some(step)),
                        Err(_) => {
                            return Err(format!(
                                "the step in {item:?} ({} field) is too big",
                                self.name
                            ));
                        }
                    }
                }
                None => (item, None),
            };
            let (low, high) = if base == "*" {
                (self.min, self.star_max)
            } else if let Some((low, high)) = base.split_once('-') {
                let low = self.value(low, item, false)?;
                let high = self.value(high, item, true)?;
                if low > high {
                    return Err(format!(
                        "the range {item:?} ({} field) goes backwards; ranges cannot wrap \
                         around, so split it, e.g. \"{low}-{top},{min}-{high}\"",
                        self.name,
                        top = self.star_max.max(low),
                        min = self.min,
                    ));
                }
                (low, high)
            } else {
                let value = self.value(base, item, false)?;
                match step {
                    // "5/15" means "from 5 to the top, every 15", as in Vixie cron.
                    Some(_) => (value, self.star_max.max(value)),
                    None => (value, value),
                }
            };
            values.extend((low..=high).step_by(step.unwrap_or(1) as usize));
        }
        Ok(values)
    }

    fn value(&self, token: &str, item: &str, range_end: bool) -> Result<u32, String> {
        if token.is_empty() {
            return Err(format!(
                "{item:?} in the {} field is missing a number",
                self.name
            ));
        }
        if token.bytes().all(|b| b.is_ascii_digit()) {
            let value = token.parse::<u32>().unwrap_or(u32::MAX);
            if value < self.min || value > self.max {
                return Err(format!(
                    "{} {token} is out of range ({}-{})",
                    self.name, self.min, self.max
                ));
            }
            return Ok(value);
        }
        let lower = token.to_lowercase();
        match self.names.and_then(|from_name| from_name(&lower)) {
            // "SAT-SUN" and "FRI-SUN" mean up to Sunday, which is 7 at the end of a range.
            Some(0) if range_end && self.name == DAY_OF_WEEK.name => Ok(7),
            Some(value) => Ok(value),
            None => Err(format!("{token:?} is not a valid {} value", self.name)),
        }
    }

    /// The `cron` crate's spelling of a set: `*` when it is everything, else a plain list.
    fn crate_text(&self, values: &BTreeSet<u32>) -> String {
        if values.len() as u32 == self.star_max - self.min + 1 {
            "*".to_string()
        } else {
            join_numbers(values)
        }
    }
}

fn join_numbers(values: &BTreeSet<u32>) -> String {
    values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A cron expression translated for the `cron` crate and ready to evaluate on naive local
/// wall times.
///
/// Usually one `cron::Schedule`; two when both day-of-month and day-of-week are restricted,
/// because cron then fires on days matching EITHER ("0 9 1 * MON": the 1st and every Monday)
/// while the `cron` crate requires BOTH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledCron {
    schedules: Vec<cron::Schedule>,
}

impl CompiledCron {
    pub(super) fn compile(input: &str) -> Result<CompiledCron, ScheduleError> {
        let bad = |reason: String| ScheduleError::BadCron {
            input: input.to_string(),
            reason,
        };
        let fields: Vec<&str> = input.split_whitespace().collect();
        if fields.is_empty() {
            return Err(bad("it is empty".to_string()));
        }
        if fields[0].starts_with('@') {
            return Err(bad(format!(
                "shortcuts like {:?} are not supported; write the fields out",
                fields[0]
            )));
        }
        let (second, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 => (fields[0], &fields[1..]),
            n => {
                return Err(bad(format!(
                    "it has {n} field{}, not 5 (or 6 with seconds first)",
                    if n == 1 { "" } else { "s" }
                )));
            }
        };
        let seconds = SECOND.parse(second).map_err(bad)?;
        let minutes = MINUTE.parse(rest[0]).map_err(bad)?;
        let hours = HOUR.parse(rest[1]).map_err(bad)?;
        let days_of_month = DAY_OF_MONTH.parse(rest[2]).map_err(bad)?;
        let months = MONTH.parse(rest[3]).map_err(bad)?;
        let days_of_week = DAY_OF_WEEK.parse(rest[4]).map_err(bad)?;

        // One second and one minute means at most one firing per clock hour, and consecutive
        // firings at least an hour apart; anything more is a spammer.
        if seconds.len() > 1 || minutes.len() > 1 {
            let reason = if seconds.len() > 1 {
                format!(
                    "it fires at {} different seconds of a minute",
                    seconds.len()
                )
            } else if minutes.len() == 60 {
                "it fires every minute".to_string()
            } else {
                format!(
                    "it fires {} times an hour, at minutes {}",
                    minutes.len(),
                    join_numbers(&minutes)
                )
            };
            return Err(ScheduleError::TooFrequent {
                input: input.to_string(),
                reason,
            });
        }

        // The cron crate numbers days of the week 1 (Sunday) to 7 (Saturday).
        let crate_days_of_week: BTreeSet<u32> = days_of_week
            .iter()
            .map(|&d| if d == 7 { 1 } else { d + 1 })
            .collect();
        let time = format!(
            "{} {} {}",
            join_numbers(&seconds),
            join_numbers(&minutes),
            HOUR.crate_text(&hours)
        );
        let month_text = MONTH.crate_text(&months);
        let dom_text = DAY_OF_MONTH.crate_text(&days_of_month);
        let dow_text = if crate_days_of_week.len() == 7 {
            "*".to_string()
        } else {
            join_numbers(&crate_days_of_week)
        };
        // Vixie cron: a day field "counts" as restricted unless it starts with '*'.
        let either_day = !rest[2].starts_with('*') && !rest[4].starts_with('*');
        let forms = if either_day {
            vec![
                format!("{time} {dom_text} {month_text} *"),
                format!("{time} * {month_text} {dow_text}"),
            ]
        } else {
            vec![format!("{time} {dom_text} {month_text} {dow_text}")]
        };
        let schedules = forms
            .iter()
            .map(|form| {
                cron::Schedule::from_str(form)
                    .map_err(|e| bad(format!("the cron library refused {form:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let compiled = CompiledCron { schedules };

        // The cron crate searches up to 2100, so this also catches "only on 31 February".
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        if compiled.next_after(epoch).is_none() {
            // 2024 is a leap year, so February counts with its 29th.
            let longest_month = months
                .iter()
                .map(|&m| days_in_month(2024, m))
                .max()
                .unwrap_or(31);
            let first_day = days_of_month.first().copied().unwrap_or(1);
            let reason = if first_day > longest_month {
                format!("none of its months has a day {first_day}")
            } else {
                "no date matches all of its fields".to_string()
            };
            return Err(ScheduleError::NeverFires {
                input: input.to_string(),
                reason,
            });
        }
        Ok(compiled)
    }

    /// The first matching local wall time strictly after `t`.
    pub(super) fn next_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        let t = t.and_utc();
        self.schedules
            .iter()
            .filter_map(|s| s.after(&t).next())
            .min()
            .map(|d| d.naive_utc())
    }

    /// The last matching local wall time at or before `t`.
    pub(super) fn at_or_before(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        // The crate looks strictly before whole seconds; matches are whole seconds.
        let bound = (floor_to_second(t) + Duration::seconds(1)).and_utc();
        self.schedules
            .iter()
            .filter_map(|s| s.after(&bound).next_back())
            .max()
            .map(|d| d.naive_utc())
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match (first, next) {
        (Some(first), Some(next)) => (next - first).num_days() as u32,
        _ => 31,
    }
}

fn floor_to_second(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, Weekday};

    use crate::calendar::testing::{LONDON, cron, instants, utc, weekdays_of};
    use crate::calendar::{Schedule, ScheduleError};

    #[test]
    fn cron_weekday_spellings_all_mean_monday_to_friday() {
        let after = utc("2026-06-05 12:00"); // a Friday
        let reference = cron("0 9 * * 1-5").upcoming(LONDON, after, 10);
        assert_eq!(
            weekdays_of(&reference[..5]),
            [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri
            ]
        );
        assert_eq!(reference[0].at, utc("2026-06-08 08:00"));
        assert_eq!(reference[0].slot, "2026-06-08T09:00");
        for spelling in [
            "0 9 * * MON-FRI",
            "0 9 * * mon-fri",
            "0 9 * * 1,2,3,4,5",
            "0 9 * * Mon,Tue,Wed,Thu,Fri",
            "0 9 * * 1-3,4-5",
            "0 0 9 * * 1-5",
            "0 0 9 * * MON-FRI",
            "0   9  *  * 1-5",
        ] {
            assert_eq!(
                cron(spelling).upcoming(LONDON, after, 10),
                reference,
                "{spelling}"
            );
        }
    }

    #[test]
    fn cron_sunday_is_zero_or_seven() {
        let after = utc("2026-06-01 00:00");
        let reference = cron("0 9 * * 0").upcoming(LONDON, after, 3);
        assert_eq!(weekdays_of(&reference), [Weekday::Sun; 3]);
        assert_eq!(reference[0].at, utc("2026-06-07 08:00"));
        for spelling in [
            "0 9 * * 7",
            "0 9 * * SUN",
            "0 9 * * sunday",
            "0 0 9 * * 0",
            "0 0 9 * * 7",
        ] {
            assert_eq!(
                cron(spelling).upcoming(LONDON, after, 3),
                reference,
                "{spelling}"
            );
        }
        let weekend = [Weekday::Sat, Weekday::Sun, Weekday::Sat, Weekday::Sun];
        for spelling in [
            "0 9 * * 6-7",
            "0 9 * * 6,0",
            "0 9 * * SAT-SUN",
            "0 9 * * sat,sun",
        ] {
            let firings = cron(spelling).upcoming(LONDON, after, 4);
            assert_eq!(weekdays_of(&firings), weekend, "{spelling}");
        }
        let fri_to_sun = cron("0 9 * * 5-7").upcoming(LONDON, after, 3);
        assert_eq!(
            weekdays_of(&fri_to_sun),
            [Weekday::Fri, Weekday::Sat, Weekday::Sun]
        );
        let every_other = cron("0 9 * * */2").upcoming(LONDON, after, 4);
        assert_eq!(
            weekdays_of(&every_other),
            [Weekday::Tue, Weekday::Thu, Weekday::Sat, Weekday::Sun]
        );
    }

    #[test]
    fn cron_translation_to_the_cron_crate() {
        let forms = |expression: &str| match cron(expression) {
            Schedule::Cron { compiled, .. } => compiled
                .schedules
                .iter()
                .map(|s| s.source().to_string())
                .collect::<Vec<_>>(),
            other => unreachable!("{other:?}"),
        };
        assert_eq!(forms("0 9 * * 1-5"), ["0 0 9 * * 2,3,4,5,6"]);
        assert_eq!(forms("0 9 * * 0,7"), ["0 0 9 * * 1"]);
        assert_eq!(forms("30 0 9 * jan-mar *"), ["30 0 9 * 1,2,3 *"]);
        assert_eq!(forms("0 9 1 * MON"), ["0 0 9 1 * *", "0 0 9 * * 2"]);
        assert_eq!(
            forms("15 */6 */2 * 0-6"),
            ["0 15 0,6,12,18 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * *"]
        );
    }

    #[test]
    fn cron_day_of_month_and_day_of_week_either_matches() {
        // Standard cron: "the 1st, and every Monday". 2026-06-01 is a Monday.
        let s = cron("0 9 1,15 * MON");
        let firings = s.upcoming(LONDON, utc("2026-06-01 12:00"), 4);
        let slots: Vec<_> = firings.iter().map(|f| f.slot.as_str()).collect();
        assert_eq!(
            slots,
            [
                "2026-06-08T09:00",
                "2026-06-15T09:00",
                "2026-06-22T09:00",
                "2026-06-29T09:00"
            ]
        );
        let later: Vec<_> = s
            .upcoming(LONDON, utc("2026-06-29 12:00"), 2)
            .into_iter()
            .map(|f| f.slot)
            .collect();
        assert_eq!(later, ["2026-07-01T09:00", "2026-07-06T09:00"]);
        // With a '*' in either day field both must match: Mondays that are odd dates.
        let both = cron("0 9 */2 * MON").upcoming(LONDON, utc("2026-06-01 12:00"), 2);
        let slots: Vec<_> = both.iter().map(|f| f.slot.as_str()).collect();
        assert_eq!(slots, ["2026-06-15T09:00", "2026-06-29T09:00"]);
    }

    #[test]
    fn cron_hourly_is_allowed() {
        let s = cron("0 * * * *");
        assert_eq!(
            instants(&s.upcoming(LONDON, utc("2026-01-01 10:30"), 2)),
            [utc("2026-01-01 11:00"), utc("2026-01-01 12:00")]
        );
        cron("0 0 1,2 * * *");
        cron("5 9-17 * * mon-fri");
    }

    #[test]
    fn cron_errors_explain_and_give_an_example() {
        let cases: &[(&str, &str)] = &[
            ("", "it is empty"),
            ("   ", "it is empty"),
            ("0 9", "it has 2 fields"),
            ("0 9 * *", "it has 4 fields"),
            ("0 0 9 * * * 2026", "it has 7 fields"),
            ("hello", "it has 1 field,"),
            (
                "hello world how are you",
                "\"hello\" is not a valid minute value",
            ),
            ("@daily", "shortcuts like \"@daily\""),
            ("60 9 * * *", "minute 60 is out of range (0-59)"),
            ("0 24 * * *", "hour 24 is out of range (0-23)"),
            ("0 9 32 * *", "day-of-month 32 is out of range (1-31)"),
            ("0 9 0 * *", "day-of-month 0 is out of range (1-31)"),
            ("0 9 * 13 *", "month 13 is out of range (1-12)"),
            ("0 9 * * 8", "day-of-week 8 is out of range (0-7)"),
            ("60 0 9 * * *", "second 60 is out of range (0-59)"),
            (
                "0 9 * * 5-1",
                "the range \"5-1\" (day-of-week field) goes backwards",
            ),
            ("0 17-9 * * *", "split it, e.g. \"17-23,0-9\""),
            ("0 9 * * fri-mon", "split it, e.g. \"5-6,0-1\""),
            ("0 9-x * * *", "\"x\" is not a valid hour value"),
            (
                "0 9 * * 1-",
                "\"1-\" in the day-of-week field is missing a number",
            ),
            ("0 -1 * * *", "missing a number"),
            ("0 9 * * 1,,2", "empty list entry"),
            ("0 */0 * * *", "cannot be 0"),
            ("0 */x * * *", "must be a whole number"),
            ("0 9 * * ?", "\"?\" is not a valid day-of-week value"),
            ("0 9 L * *", "\"L\" is not a valid day-of-month value"),
            ("0 9 * * MON#2", "is not a valid day-of-week value"),
            (
                "0 9 * * funday",
                "\"funday\" is not a valid day-of-week value",
            ),
            ("0 nine * * *", "\"nine\" is not a valid hour value"),
            ("0 9 99999999999 * *", "out of range"),
        ];
        for (text, reason) in cases {
            let error = Schedule::cron(text).unwrap_err();
            assert!(
                matches!(error, ScheduleError::BadCron { .. }),
                "{text:?}: {error:?}"
            );
            let message = error.to_string();
            assert!(message.contains(reason), "{text:?}: {message}");
            assert!(
                message.contains("\"0 9 * * 1-5\" (09:00 on weekdays)"),
                "{message}"
            );
        }
    }

    #[test]
    fn cron_more_often_than_hourly_is_refused() {
        let cases = [
            ("* * * * *", "it fires every minute"),
            ("*/30 * * * *", "2 times an hour, at minutes 0,30"),
            ("0,30 9 * * *", "2 times an hour"),
            ("*/15 1 * * *", "4 times an hour"),
            ("0-1 9 * * *", "2 times an hour"),
            ("*/10 0 9 * * *", "6 different seconds"),
            ("* * * * * *", "60 different seconds"),
        ];
        for (text, reason) in cases {
            let error = Schedule::cron(text).unwrap_err();
            assert!(
                matches!(error, ScheduleError::TooFrequent { .. }),
                "{text:?}: {error:?}"
            );
            let message = error.to_string();
            assert!(
                message.contains("more often than once an hour"),
                "{message}"
            );
            assert!(message.contains(reason), "{text:?}: {message}");
            assert!(
                message.contains("\"0 9 * * 1-5\" (09:00 on weekdays)"),
                "{message}"
            );
        }
    }

    #[test]
    fn cron_that_never_fires_is_refused() {
        for (text, reason) in [
            ("0 9 31 2 *", "none of its months has a day 31"),
            ("0 9 30,31 2 *", "none of its months has a day 30"),
            ("0 9 31 4,6,9,11 *", "day 31"),
        ] {
            let error = Schedule::cron(text).unwrap_err();
            assert!(
                matches!(error, ScheduleError::NeverFires { .. }),
                "{text:?}: {error:?}"
            );
            let message = error.to_string();
            assert!(message.contains(reason), "{message}");
            assert!(message.contains("\"0 9 1 * *\""), "{message}");
        }
        // Either-day matching means a day of the week rescues an impossible date.
        cron("0 9 31 2 MON");
    }

    #[test]
    fn leap_day_cron_fires_in_leap_years_only() {
        assert!(NaiveDate::from_ymd_opt(2028, 2, 29).is_some());
        let s = cron("0 9 29 2 *");
        let first = s.next_after(LONDON, utc("2026-01-01 00:00")).unwrap();
        assert_eq!(first.at, utc("2028-02-29 09:00"));
        assert_eq!(first.slot, "2028-02-29T09:00");
        let second = s.next_after(LONDON, first.at).unwrap();
        assert_eq!(second.at, utc("2032-02-29 09:00"));
    }
}
