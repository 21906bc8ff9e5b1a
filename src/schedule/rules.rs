//! When a server's act is due: schedules written in the server's local wall time, turned into
//! real instants by explicit daylight-saving rules, and the catch-up policy after downtime.
//!
//! Pure maths: no clock, no I/O. Callers pass `now` and the server's time zone.
//!
//! The daylight-saving rules (users were burned by bots that got these wrong):
//! - a local time that does not exist (spring forward) fires at the first instant after the
//!   gap: Europe/London 01:30 on 2026-03-29 fires at 02:00 BST (01:00 UTC);
//! - a local time that happens twice (fall back) fires once, at its first occurrence:
//!   Europe/London 01:30 on 2026-10-25 fires at 00:30 UTC only;
//! - several local times that land on the same instant fire once.
//!
//! The `cron` crate alone gets both wrong when handed a time zone (it skips the missing time
//! and fires twice at the repeated one), so cron expressions are evaluated on naive local wall
//! times (as if they were UTC) and each local time is mapped to an instant by the rules above.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;

use crate::echo::{mention_free, quote};

/// The zone a server gets until it chooses one.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::London;

/// How late a missed firing may still be posted after downtime.
pub const DEFAULT_GRACE: Duration = Duration::hours(2);

/// The most characters of a parser's reason shown (it can repeat the input).
const REASON_MAX: usize = 120;

/// The example every cron error shows, so people can copy something that works.
const CRON_EXAMPLE: &str = "\"0 9 * * 1-5\" (09:00 on weekdays)";

/// A schedule the user cannot use, with a message fit to show them: what is wrong and an
/// example that works.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum ScheduleError {
    #[error(
        "{} is not a time of day: {}. Use the 24-hour clock as HH:MM, e.g. \"09:00\" or \"17:30\".",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    BadTime { input: String, reason: String },

    #[error(
        "{} is not a set of days: {}. Use \"every day\", \"weekdays\", \"weekends\" or a list of days, e.g. \"mon,wed,fri\".",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    BadDays { input: String, reason: String },

    #[error(
        "{} is not a cron schedule I understand: {}. Use 5 fields (minute hour day-of-month month day-of-week), e.g. {CRON_EXAMPLE}.",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    BadCron { input: String, reason: String },

    #[error(
        "{} fires more often than once an hour ({}); a daily post must not spam the channel. Use one minute per hour, e.g. {CRON_EXAMPLE}.",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    TooFrequent { input: String, reason: String },

    #[error(
        "{} never fires: {}. Use a date that exists, e.g. \"0 9 1 * *\" (09:00 on the 1st of each month) or {CRON_EXAMPLE}.",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    NeverFires { input: String, reason: String },

    #[error("{}", unknown_time_zone_message(.name, .suggestion.as_deref()))]
    UnknownTimeZone {
        name: String,
        suggestion: Option<String>,
    },

    #[error(
        "stored schedule {text:?} is not recognised; expected e.g. \"daily 09:00 every\" or \"cron 0 9 * * 1-5\"."
    )]
    BadStoredSchedule { text: String },
}

fn unknown_time_zone_message(name: &str, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(suggestion) => format!(
            "Unknown time zone {}. Did you mean {suggestion:?}? Time zones are IANA names, written Region/City, e.g. \"Europe/London\".",
            quote(name)
        ),
        None => format!(
            "Unknown time zone {}. Use an IANA name, e.g. \"Europe/London\" or \"America/New_York\" (start typing a city to see suggestions).",
            quote(name)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Days
// ---------------------------------------------------------------------------------------------

/// Which days a daily time applies to.
///
/// Always normalised by [`Days::parse`]: a list that is exactly Mon-Fri becomes `Weekdays`, so
/// two spellings of the same days compare equal and store the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Days {
    Every,
    Weekdays,
    Weekends,
    /// Monday first, no repeats.
    Only(Vec<Weekday>),
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

impl Days {
    /// Reads what people type: "every day" / "daily" / "every", "weekdays", "weekends",
    /// "mon,wed,fri", "Mon Wed Fri", "monday, tuesday", "mon-fri", "fri-mon" (wraps).
    pub fn parse(text: &str) -> Result<Days, ScheduleError> {
        let bad = |reason: String| ScheduleError::BadDays {
            input: text.to_string(),
            reason,
        };
        let lower = text.trim().to_lowercase();
        let collapsed = lower.split_whitespace().collect::<Vec<_>>().join(" ");
        match collapsed.as_str() {
            "" => return Err(bad("no days given".to_string())),
            "every" | "every day" | "everyday" | "every-day" | "daily" | "all" | "all days"
            | "*" => return Ok(Days::Every),
            _ => {}
        }
        let mut chosen = BTreeSet::new();
        for token in collapsed
            .split(|c: char| c == ',' || c == ';' || c == '/' || c == '&' || c.is_whitespace())
            .filter(|token| !token.is_empty() && *token != "and")
        {
            match token {
                "weekdays" | "weekday" => chosen.extend(0..5),
                "weekends" | "weekend" => chosen.extend(5..7),
                _ => match token.split_once('-') {
                    Some((first, last)) => {
                        let first = weekday_from_name(first).ok_or_else(|| {
                            bad(format!("{first:?} in {token:?} is not a day of the week"))
                        })?;
                        let last = weekday_from_name(last).ok_or_else(|| {
                            bad(format!("{last:?} in {token:?} is not a day of the week"))
                        })?;
                        let mut day = first;
                        loop {
                            chosen.insert(day.num_days_from_monday());
                            if day == last {
                                break;
                            }
                            day = day.succ();
                        }
                    }
                    None => {
                        let day = weekday_from_name(token)
                            .ok_or_else(|| bad(format!("{token:?} is not a day of the week")))?;
                        chosen.insert(day.num_days_from_monday());
                    }
                },
            }
        }
        if chosen.is_empty() {
            return Err(bad("no days given".to_string()));
        }
        Ok(Days::from_days(
            chosen.into_iter().map(|i| WEEK[i as usize]),
        ))
    }

    /// The normal form of a set of days (see the type's doc).
    pub fn from_days(days: impl IntoIterator<Item = Weekday>) -> Days {
        let set: BTreeSet<u32> = days.into_iter().map(|d| d.num_days_from_monday()).collect();
        match set.len() {
            7 => Days::Every,
            5 if set.iter().all(|&i| i < 5) => Days::Weekdays,
            2 if set.iter().all(|&i| i >= 5) => Days::Weekends,
            _ => Days::Only(set.into_iter().map(|i| WEEK[i as usize]).collect()),
        }
    }

    pub fn includes(&self, day: Weekday) -> bool {
        match self {
            Days::Every => true,
            Days::Weekdays => day.num_days_from_monday() < 5,
            Days::Weekends => day.num_days_from_monday() >= 5,
            Days::Only(days) => days.contains(&day),
        }
    }

    /// For people: "every day", "weekdays", "weekends", "Mon, Wed and Fri".
    pub fn describe(&self) -> String {
        match self {
            Days::Every => "every day".to_string(),
            Days::Weekdays => "weekdays".to_string(),
            Days::Weekends => "weekends".to_string(),
            Days::Only(_) => {
                let names: Vec<String> = self.listed().iter().map(|d| d.to_string()).collect();
                match names.split_last() {
                    None => "no days".to_string(),
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} and {}", rest.join(", "), last),
                }
            }
        }
    }

    /// Stable words for the database, read back by [`Days::parse`]: "every", "weekdays",
    /// "weekends", "mon,wed,fri".
    pub fn to_storage(&self) -> String {
        match self {
            Days::Every => "every".to_string(),
            Days::Weekdays => "weekdays".to_string(),
            Days::Weekends => "weekends".to_string(),
            Days::Only(_) => self
                .listed()
                .iter()
                .map(|d| d.to_string().to_lowercase())
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// The days in week order (Monday first), whatever order an `Only` was built in.
    fn listed(&self) -> Vec<Weekday> {
        WEEK.into_iter().filter(|d| self.includes(*d)).collect()
    }
}

fn weekday_from_name(name: &str) -> Option<Weekday> {
    let name = name.trim().to_lowercase();
    // "mondays" reads as "monday".
    let name = name
        .strip_suffix("days")
        .map(|stem| format!("{stem}day"))
        .unwrap_or(name);
    Some(match name.as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "weds" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Times of day
// ---------------------------------------------------------------------------------------------

/// A 24-hour "HH:MM" (or "H:MM") local time. Anything else is refused with an example rather
/// than guessed at: a post at the wrong hour is worse than a clear error.
pub fn parse_time(text: &str) -> Result<NaiveTime, ScheduleError> {
    let bad = |reason: &str| ScheduleError::BadTime {
        input: text.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(bad("no time given"));
    }
    let lower = trimmed.to_lowercase();
    if lower.ends_with("am") || lower.ends_with("pm") {
        return Err(bad(&twelve_hour_hint(&lower)));
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((hour, minute)) = trimmed.split_once(':') else {
        return Err(bad("expected hours and minutes separated by a colon"));
    };
    if !digits(hour) || hour.len() > 2 || !digits(minute) || minute.len() != 2 {
        return Err(bad(
            "expected one or two digits for the hour and two for the minutes",
        ));
    }
    let (hour, minute): (u32, u32) = (hour.parse().unwrap_or(99), minute.parse().unwrap_or(99));
    if hour > 23 {
        return Err(bad("the hour must be 00 to 23"));
    }
    if minute > 59 {
        return Err(bad("the minutes must be 00 to 59"));
    }
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(|| bad("not a time of day"))
}

/// Says what a 12-hour time is on the 24-hour clock: "2pm" is "14:00".
fn twelve_hour_hint(lower: &str) -> String {
    let (number, pm) = (&lower[..lower.len() - 2], lower.ends_with("pm"));
    let (hour, minute) = number
        .trim()
        .split_once(':')
        .unwrap_or((number.trim(), "00"));
    match (hour.parse::<u32>(), minute.parse::<u32>()) {
        (Ok(hour @ 1..=12), Ok(minute @ 0..=59)) => {
            let hour = hour % 12 + if pm { 12 } else { 0 };
            format!("12-hour times are not accepted: {lower:?} is \"{hour:02}:{minute:02}\"")
        }
        _ => "12-hour times are not accepted (\"9am\" is \"09:00\", \"5pm\" is \"17:00\")".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Cron
// ---------------------------------------------------------------------------------------------

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
    fn compile(input: &str) -> Result<CompiledCron, ScheduleError> {
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
    fn next_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        let t = t.and_utc();
        self.schedules
            .iter()
            .filter_map(|s| s.after(&t).next())
            .min()
            .map(|d| d.naive_utc())
    }

    /// The last matching local wall time at or before `t`.
    fn at_or_before(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
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

// ---------------------------------------------------------------------------------------------
// Schedules and firings
// ---------------------------------------------------------------------------------------------

/// When a job fires, in a server's local wall time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Daily {
        time: NaiveTime,
        days: Days,
    },
    Cron {
        /// As the user wrote it (whitespace tidied); shown back to them and stored.
        expression: String,
        compiled: CompiledCron,
    },
    /// Several times of day on some days ("07:30 and 19:30 every day"): a check-in at each
    /// shift handover. Sorted, no repeats, at least two (one time is `Daily`).
    Times {
        times: Vec<NaiveTime>,
        days: Days,
    },
}

/// One firing: the real instant, the nominal local wall time it stands for, and the slot key
/// that makes it exactly-once.
///
/// `slot` is "YYYY-MM-DD" for daily schedules (one post per local date) and
/// "YYYY-MM-DDTHH:MM" for cron and several times a day. It comes from the NOMINAL local time, so a firing moved by a
/// daylight-saving gap keeps its own date (Sydney 02:30 on 2026-10-04 fires at 16:00 UTC on
/// the 3rd but is still the slot "2026-10-04").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub slot: String,
}

/// How far back (in local time) a search starts, so that every local time which could map to
/// an instant after the one asked about is seen, even across a day-long gap (Samoa, 2011).
const SEARCH_MARGIN: Duration = Duration::days(2);
/// A guard against runaway loops; an hourly schedule needs about 100 steps at most.
const MAX_STEPS: usize = 10_000;

impl Schedule {
    /// A time of day ("09:00", "9:05") on some days ("every day", "weekdays", "mon,wed,fri").
    pub fn daily(time: &str, days: &str) -> Result<Schedule, ScheduleError> {
        Ok(Schedule::Daily {
            time: parse_time(time)?,
            days: Days::parse(days)?,
        })
    }

    /// A cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 with
    /// seconds first; day-of-week 0 or 7 is Sunday, names like MON-FRI work. At most one
    /// firing an hour.
    pub fn cron(expression: &str) -> Result<Schedule, ScheduleError> {
        let expression = expression.split_whitespace().collect::<Vec<_>>().join(" ");
        let compiled = CompiledCron::compile(&expression)?;
        Ok(Schedule::Cron {
            expression,
            compiled,
        })
    }

    /// Stable text form for the database: "daily 09:00 weekdays", "cron 0 9 * * 1-5".
    pub fn to_storage(&self) -> String {
        match self {
            Schedule::Daily { time, days } => {
                format!("daily {} {}", time.format("%H:%M"), days.to_storage())
            }
            Schedule::Cron { expression, .. } => format!("cron {expression}"),
            Schedule::Times { times, days } => {
                format!("times {} {}", join_times(times, ","), days.to_storage())
            }
        }
    }

    /// Reads [`Schedule::to_storage`] back.
    pub fn from_storage(text: &str) -> Result<Schedule, ScheduleError> {
        let unrecognised = || ScheduleError::BadStoredSchedule {
            text: text.to_string(),
        };
        let (kind, rest) = text.trim().split_once(' ').ok_or_else(unrecognised)?;
        match kind {
            "daily" => {
                let (time, days) = rest.trim().split_once(' ').ok_or_else(unrecognised)?;
                Schedule::daily(time, days)
            }
            "cron" => Schedule::cron(rest),
            "times" => {
                let (times, days) = rest.trim().split_once(' ').ok_or_else(unrecognised)?;
                Schedule::when(&format!("{days} {times}"))
            }
            _ => Err(unrecognised()),
        }
    }

    /// For people: "09:00 every day", "07:30 on weekdays", "cron 0 9 * * 1-5".
    pub fn describe(&self) -> String {
        match self {
            Schedule::Daily { time, days } => {
                let time = time.format("%H:%M");
                match days {
                    Days::Every => format!("{time} every day"),
                    _ => format!("{time} on {}", days.describe()),
                }
            }
            Schedule::Cron { expression, .. } => format!("cron {expression}"),
            Schedule::Times { times, days } => {
                let times = join_times(times, " and ");
                match days {
                    Days::Every => format!("{times} every day"),
                    _ => format!("{times} on {}", days.describe()),
                }
            }
        }
    }

    /// What people type for a check-in: days then one or more times ("Mon,Thu 14:00",
    /// "daily 07:30,19:30", "weekdays 08:00 and 20:00", "19:30" for every day), or a cron
    /// expression ("0 7,19 * * *").
    pub fn when(text: &str) -> Result<Schedule, ScheduleError> {
        let text = text.trim();
        if looks_like_cron(text) {
            return Schedule::cron(text);
        }
        let mut times = BTreeSet::new();
        let mut days = Vec::new();
        for token in text
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            let lower = token.to_lowercase();
            if token.contains(':') || lower.ends_with("am") || lower.ends_with("pm") {
                times.insert(parse_time(token)?);
            } else if !matches!(lower.as_str(), "at" | "and" | "on" | "&") {
                days.push(token);
            }
        }
        let days = if days.is_empty() {
            Days::Every
        } else {
            Days::parse(&days.join(","))?
        };
        let times: Vec<NaiveTime> = times.into_iter().collect();
        match times.as_slice() {
            [] => Err(ScheduleError::BadTime {
                input: text.to_string(),
                reason: "no time of day given".into(),
            }),
            [time] => Ok(Schedule::Daily { time: *time, days }),
            _ => Ok(Schedule::Times { times, days }),
        }
    }

    /// The first firing strictly after `after`.
    pub fn next_after(&self, tz: Tz, after: DateTime<Utc>) -> Option<Firing> {
        let mut cursor = local_wall_time(tz, after) - SEARCH_MARGIN;
        for _ in 0..MAX_STEPS {
            let nominal = self.nominal_after(cursor)?;
            let at = resolve_local(tz, nominal);
            // Local times map to instants in order, so the first one past `after` is the
            // earliest of any group sharing its instant: the group fires once, as that one.
            if at > after {
                return Some(self.firing(nominal, at));
            }
            cursor = nominal;
        }
        None
    }

    /// The next `n` firings strictly after `after`, each at a distinct instant.
    pub fn upcoming(&self, tz: Tz, after: DateTime<Utc>, n: usize) -> Vec<Firing> {
        let mut firings = Vec::with_capacity(n.min(64));
        let mut cursor = after;
        while firings.len() < n {
            let Some(firing) = self.next_after(tz, cursor) else {
                break;
            };
            cursor = firing.at;
            firings.push(firing);
        }
        firings
    }

    /// Firings strictly after `after` and at or before `until`, oldest first, at most `limit`.
    /// For logging what downtime skipped.
    pub fn firings_between(
        &self,
        tz: Tz,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Vec<Firing> {
        let mut firings = Vec::new();
        let mut cursor = after;
        while firings.len() < limit {
            match self.next_after(tz, cursor) {
                Some(firing) if firing.at <= until => {
                    cursor = firing.at;
                    firings.push(firing);
                }
                _ => break,
            }
        }
        firings
    }

    /// The latest firing at or before `now`.
    pub fn latest_at_or_before(&self, tz: Tz, now: DateTime<Utc>) -> Option<Firing> {
        let mut cursor = local_wall_time(tz, now) + SEARCH_MARGIN;
        for _ in 0..MAX_STEPS {
            let nominal = self.nominal_at_or_before(cursor)?;
            let at = resolve_local(tz, nominal);
            if at <= now {
                // Report the group sharing this instant as its earliest local time, the same
                // firing (and slot) that `next_after` gives.
                let mut first = nominal;
                while let Some(earlier) = self.nominal_at_or_before(first - Duration::seconds(1)) {
                    if resolve_local(tz, earlier) != at {
                        break;
                    }
                    first = earlier;
                }
                return Some(self.firing(first, at));
            }
            cursor = nominal - Duration::seconds(1);
        }
        None
    }

    fn firing(&self, local: NaiveDateTime, at: DateTime<Utc>) -> Firing {
        let slot = match self {
            Schedule::Daily { .. } => local.format("%Y-%m-%d").to_string(),
            Schedule::Cron { .. } | Schedule::Times { .. } => {
                local.format("%Y-%m-%dT%H:%M").to_string()
            }
        };
        Firing { at, local, slot }
    }

    /// The first nominal local wall time strictly after `t`.
    fn nominal_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        match self {
            Schedule::Daily { time, days } => {
                let mut date = if t.time() < *time {
                    t.date()
                } else {
                    t.date().succ_opt()?
                };
                for _ in 0..7 {
                    if days.includes(date.weekday()) {
                        return Some(date.and_time(*time));
                    }
                    date = date.succ_opt()?;
                }
                None
            }
            Schedule::Cron { compiled, .. } => compiled.next_after(t),
            Schedule::Times { times, days } => {
                let mut date = t.date();
                for _ in 0..8 {
                    if days.includes(date.weekday()) {
                        let later = times.iter().map(|time| date.and_time(*time));
                        if let Some(next) = later.into_iter().find(|at| *at > t) {
                            return Some(next);
                        }
                    }
                    date = date.succ_opt()?;
                }
                None
            }
        }
    }

    /// The last nominal local wall time at or before `t`.
    fn nominal_at_or_before(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        match self {
            Schedule::Daily { time, days } => {
                let mut date = if t.time() >= *time {
                    t.date()
                } else {
                    t.date().pred_opt()?
                };
                for _ in 0..7 {
                    if days.includes(date.weekday()) {
                        return Some(date.and_time(*time));
                    }
                    date = date.pred_opt()?;
                }
                None
            }
            Schedule::Cron { compiled, .. } => compiled.at_or_before(t),
            Schedule::Times { times, days } => {
                let mut date = t.date();
                for _ in 0..8 {
                    if days.includes(date.weekday()) {
                        let earlier = times.iter().rev().map(|time| date.and_time(*time));
                        if let Some(latest) = earlier.into_iter().find(|at| *at <= t) {
                            return Some(latest);
                        }
                    }
                    date = date.pred_opt()?;
                }
                None
            }
        }
    }
}

fn join_times(times: &[NaiveTime], separator: &str) -> String {
    times
        .iter()
        .map(|t| t.format("%H:%M").to_string())
        .collect::<Vec<_>>()
        .join(separator)
}

/// Five or six fields of cron characters and no "HH:MM": what a cron expression looks like,
/// as opposed to "Mon,Thu 14:00".
fn looks_like_cron(text: &str) -> bool {
    let fields: Vec<&str> = text.split_whitespace().collect();
    (5..=6).contains(&fields.len())
        && !text.contains(':')
        && fields[0]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | ',' | '-' | '/'))
}

/// The local wall time in `tz` at an instant.
pub fn local_wall_time(tz: Tz, at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

/// The instant a local wall time fires at, by this bot's rules: a time in a spring-forward gap
/// fires at the first instant after the gap; a time repeated by a fall-back fires at its first
/// occurrence.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local).earliest() {
        Some(at) => at.with_timezone(&Utc),
        None => end_of_gap(tz, local),
    }
}

/// The first instant whose local time is at or after `local`, which sits in a gap.
///
/// chrono-tz has no "next transition" query, so this bisects on whole seconds. UTC offsets
/// lie within -12h..+14h, so 26 hours either side of `local` read as UTC brackets the answer;
/// in a gap the local time can only jump over `local` forwards, so the boundary found is the
/// end of the gap that contains it.
fn end_of_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let reaches = |seconds: i64| {
        DateTime::from_timestamp(seconds, 0)
            .map(|at| local_wall_time(tz, at) >= local)
            .unwrap_or(true)
    };
    let guess = local.and_utc().timestamp();
    let (mut before, mut after) = (guess - 26 * 3600, guess + 26 * 3600);
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if reaches(middle) {
            after = middle;
        } else {
            before = middle;
        }
    }
    DateTime::from_timestamp(after, 0).unwrap_or_else(|| local.and_utc())
}

// ---------------------------------------------------------------------------------------------
// Catch-up after downtime
// ---------------------------------------------------------------------------------------------

/// What to do about the time since the last check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatchUp {
    /// Post this one now.
    Post(Firing),
    /// Nothing was due.
    Nothing,
    /// The latest due firing is too late (past the grace window or on an earlier local date):
    /// skip it. Never replay a backlog: yesterday's act posted today reads as a bug.
    TooLate(Firing),
}

/// Decides what a restarted (or regularly ticking) scheduler should do.
///
/// `done_through`: the instant up to which firings were already handled (claimed); firings at
/// or before it are not due again. `None` means nothing was ever handled, so the latest firing
/// counts as due; to avoid an immediate post when a server first sets a schedule, store the
/// setup time as `done_through`.
///
/// Only the latest firing at or before `now` is considered. It is posted if it is at most
/// `grace` late AND falls on the same local date as `now`; otherwise it is `TooLate`. Older
/// missed firings are never posted; [`Schedule::firings_between`] lists them for the log.
pub fn catch_up(
    schedule: &Schedule,
    tz: Tz,
    done_through: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    grace: Duration,
) -> CatchUp {
    let Some(latest) = schedule.latest_at_or_before(tz, now) else {
        return CatchUp::Nothing;
    };
    if done_through.is_some_and(|done| latest.at <= done) {
        return CatchUp::Nothing;
    }
    let late = now - latest.at;
    let same_local_date = local_wall_time(tz, latest.at).date() == local_wall_time(tz, now).date();
    if late <= grace && same_local_date {
        CatchUp::Post(latest)
    } else {
        CatchUp::TooLate(latest)
    }
}

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

/// Offered when the autocomplete box is empty, and preferred when ranking matches.
pub const COMMON_TIME_ZONES: &[&str] = &[
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Africa/Johannesburg",
    "UTC",
];

/// Region prefixes of current IANA names; others ("US/Eastern", "GB", "Etc/GMT+5") are legacy
/// aliases that still work but are not worth suggesting first.
const REGIONS: &[&str] = &[
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

/// Lower is better: common zones in their listed order, then current names, then legacy.
fn preference(name: &str) -> usize {
    if let Some(position) = COMMON_TIME_ZONES.iter().position(|common| *common == name) {
        position
    } else if REGIONS.iter().any(|region| name.starts_with(region)) {
        COMMON_TIME_ZONES.len()
    } else {
        COMMON_TIME_ZONES.len() + 1
    }
}

/// Lower case with spaces as underscores, so "new york" matches "America/New_York".
fn normalise_zone(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .to_lowercase()
}

fn city_part(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// An IANA time zone name, matched case-insensitively ("europe/london" works, and spaces may
/// stand for underscores). Unknown names get the closest real name as a suggestion.
pub fn parse_timezone(name: &str) -> Result<Tz, ScheduleError> {
    let wanted = normalise_zone(name);
    if !wanted.is_empty()
        && let Some(tz) = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(&wanted))
    {
        return Ok(*tz);
    }
    Err(ScheduleError::UnknownTimeZone {
        name: name.trim().to_string(),
        suggestion: closest_time_zone(&wanted).map(str::to_string),
    })
}

/// The real name someone probably meant: same city ("london"), the start of a name
/// ("Europe/Lon"), a typo (edit distance), or any name containing the text.
fn closest_time_zone(wanted: &str) -> Option<&'static str> {
    // No zone name is much over 30 characters: longer input is no typo of one, and measuring
    // its distance to every zone would take seconds for 6,000 characters.
    const LONGEST_WORTH_MATCHING: usize = 64;
    if wanted.is_empty() || wanted.len() > LONGEST_WORTH_MATCHING {
        return None;
    }
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let wanted_city = city_part(wanted);
    if let Some(name) = names()
        .filter(|name| city_part(name).eq_ignore_ascii_case(wanted_city))
        .min_by_key(|name| (preference(name), *name))
    {
        return Some(name);
    }
    let best_match = timezone_suggestions(wanted, 1).first().copied();
    if let Some(name) = best_match {
        let lower = name.to_lowercase();
        if city_part(&lower).starts_with(wanted_city) || lower.starts_with(wanted) {
            return Some(name);
        }
    }
    let allowed = |len: usize| (len / 4).clamp(1, 3);
    let typo = names()
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let whole = edit_distance(&lower, wanted);
            let city = edit_distance(city_part(&lower), wanted_city);
            let distance = if whole <= allowed(wanted.len()) {
                whole
            } else if city <= allowed(wanted_city.len()) {
                city
            } else {
                return None;
            };
            Some((distance, preference(name), name))
        })
        .min();
    typo.map(|(_, _, name)| name).or(best_match)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// For autocomplete: names containing the text (case-insensitive), best first: the city
/// starting with it, then the whole name starting with it, then the city or name containing
/// it; common and current names before legacy aliases. Common zones when the text is empty.
pub fn timezone_suggestions(partial: &str, limit: usize) -> Vec<&'static str> {
    let wanted = normalise_zone(partial);
    if wanted.is_empty() {
        return COMMON_TIME_ZONES.iter().copied().take(limit).collect();
    }
    let mut matches: Vec<(u8, usize, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let city = city_part(&lower);
            let rank = if city.starts_with(&wanted) {
                0
            } else if lower.starts_with(&wanted) {
                1
            } else if city.contains(&wanted) {
                2
            } else if lower.contains(&wanted) {
                3
            } else {
                return None;
            };
            Some((rank, preference(name), name))
        })
        .collect();
    matches.sort();
    matches
        .into_iter()
        .map(|(_, _, name)| name)
        .take(limit)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{Australia, Europe};

    const LONDON: Tz = Europe::London;
    const SYDNEY: Tz = Australia::Sydney;

    /// "2026-03-29 01:00" as a UTC instant.
    fn utc(text: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
            .unwrap_or_else(|e| panic!("bad test instant {text:?}: {e}"))
            .and_utc()
    }

    /// "2026-03-29 01:30" as a naive local wall time.
    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
            .unwrap_or_else(|e| panic!("bad test local time {text:?}: {e}"))
    }

    fn daily(time: &str, days: &str) -> Schedule {
        Schedule::daily(time, days).unwrap()
    }

    fn cron(expression: &str) -> Schedule {
        Schedule::cron(expression).unwrap()
    }

    fn instants(firings: &[Firing]) -> Vec<DateTime<Utc>> {
        firings.iter().map(|f| f.at).collect()
    }

    fn weekdays_of(firings: &[Firing]) -> Vec<Weekday> {
        firings.iter().map(|f| f.local.weekday()).collect()
    }

    // --- London daylight saving -------------------------------------------------------------

    #[test]
    fn spring_forward_missing_time_fires_at_end_of_gap() {
        let s = daily("01:30", "every day");
        let first = s.next_after(LONDON, utc("2026-03-28 12:00")).unwrap();
        assert_eq!(first.at, utc("2026-03-29 01:00"));
        assert_eq!(first.local, local("2026-03-29 01:30"));
        assert_eq!(first.slot, "2026-03-29");
        let second = s.next_after(LONDON, first.at).unwrap();
        assert_eq!(second.at, utc("2026-03-30 00:30"));
        assert_eq!(second.slot, "2026-03-30");
    }

    #[test]
    fn fall_back_repeated_time_fires_once_at_first_occurrence() {
        let s = daily("01:30", "every");
        let first = s.next_after(LONDON, utc("2026-10-24 12:00")).unwrap();
        assert_eq!(first.at, utc("2026-10-25 00:30"));
        assert_eq!(first.slot, "2026-10-25");
        // Not again at the second 01:30 (01:30 UTC): next is the following day.
        let second = s.next_after(LONDON, first.at).unwrap();
        assert_eq!(second.at, utc("2026-10-26 01:30"));
        assert_eq!(second.slot, "2026-10-26");
        // Looking back from during the repeated hour finds the first occurrence, even when
        // the local clock (01:10 GMT) now reads earlier than the firing's own 01:30.
        let back = s
            .latest_at_or_before(LONDON, utc("2026-10-25 01:10"))
            .unwrap();
        assert_eq!(back.at, utc("2026-10-25 00:30"));
        assert_eq!(back.slot, "2026-10-25");
        let back = s
            .latest_at_or_before(LONDON, utc("2026-10-25 01:45"))
            .unwrap();
        assert_eq!(back.at, utc("2026-10-25 00:30"));
    }

    #[test]
    fn nine_am_is_eight_utc_in_summer_and_nine_in_winter() {
        let s = daily("09:00", "daily");
        assert_eq!(
            s.next_after(LONDON, utc("2026-07-01 00:00")).unwrap().at,
            utc("2026-07-01 08:00")
        );
        assert_eq!(
            s.next_after(LONDON, utc("2026-12-01 00:00")).unwrap().at,
            utc("2026-12-01 09:00")
        );
    }

    #[test]
    fn fortnight_across_spring_forward() {
        let start = utc("2026-03-22 00:00");
        let nine = daily("09:00", "every day");
        let expected: Vec<_> = (22..=28)
            .map(|d| utc(&format!("2026-03-{d} 09:00")))
            .chain((29..=31).map(|d| utc(&format!("2026-03-{d} 08:00"))))
            .chain((1..=4).map(|d| utc(&format!("2026-04-0{d} 08:00"))))
            .collect();
        assert_eq!(instants(&nine.upcoming(LONDON, start, 14)), expected);
        let window = nine.firings_between(LONDON, start, utc("2026-04-05 00:00"), 100);
        assert_eq!(instants(&window), expected);

        let early = daily("01:30", "every day");
        let expected: Vec<_> = (22..=28)
            .map(|d| utc(&format!("2026-03-{d} 01:30")))
            .chain([utc("2026-03-29 01:00")])
            .chain((30..=31).map(|d| utc(&format!("2026-03-{d} 00:30"))))
            .chain((1..=4).map(|d| utc(&format!("2026-04-0{d} 00:30"))))
            .collect();
        let window = early.firings_between(LONDON, start, utc("2026-04-05 00:00"), 100);
        assert_eq!(window.len(), 14);
        assert_eq!(instants(&window), expected);
        let slots: Vec<_> = window.iter().map(|f| f.slot.as_str()).collect();
        assert_eq!(slots[7], "2026-03-29");
    }

    #[test]
    fn fortnight_across_fall_back() {
        let start = utc("2026-10-17 23:00"); // local midnight starting 18 October (BST)
        let end = utc("2026-11-01 00:00"); // local midnight ending 31 October (GMT)
        let nine = daily("09:00", "every day");
        let expected: Vec<_> = (18..=24)
            .map(|d| utc(&format!("2026-10-{d} 08:00")))
            .chain((25..=31).map(|d| utc(&format!("2026-10-{d} 09:00"))))
            .collect();
        assert_eq!(
            instants(&nine.firings_between(LONDON, start, end, 100)),
            expected
        );
        assert_eq!(instants(&nine.upcoming(LONDON, start, 14)), expected);

        let early = daily("01:30", "every day");
        let expected: Vec<_> = (18..=25)
            .map(|d| utc(&format!("2026-10-{d} 00:30")))
            .chain((26..=31).map(|d| utc(&format!("2026-10-{d} 01:30"))))
            .collect();
        let window = early.firings_between(LONDON, start, end, 100);
        assert_eq!(window.len(), 14);
        assert_eq!(instants(&window), expected);
        let dates: Vec<_> = window.iter().map(|f| f.local.day()).collect();
        assert_eq!(dates, (18..=31).collect::<Vec<_>>());
    }

    // --- Southern hemisphere ----------------------------------------------------------------

    #[test]
    fn sydney_gap_in_october_fires_at_end_of_gap_but_keeps_its_date() {
        // 2026-10-04 02:00 AEST jumps to 03:00 AEDT (= 16:00 UTC on the 3rd).
        let s = daily("02:30", "every day");
        let firing = s.next_after(SYDNEY, utc("2026-10-03 00:00")).unwrap();
        assert_eq!(firing.at, utc("2026-10-03 16:00"));
        assert_eq!(firing.local, local("2026-10-04 02:30"));
        assert_eq!(firing.slot, "2026-10-04");
        // The day before is AEST (+10), the day after AEDT (+11).
        let before = s.next_after(SYDNEY, utc("2026-10-02 00:00")).unwrap();
        assert_eq!(before.at, utc("2026-10-02 16:30"));
        let after = s.next_after(SYDNEY, firing.at).unwrap();
        assert_eq!(after.at, utc("2026-10-04 15:30"));
    }

    #[test]
    fn sydney_overlap_in_april_fires_once_at_first_occurrence() {
        // 2026-04-05 03:00 AEDT falls back to 02:00 AEST: 02:30 happens at 15:30 and 16:30 UTC.
        for s in [daily("02:30", "every day"), cron("30 2 * * *")] {
            let firing = s.next_after(SYDNEY, utc("2026-04-04 00:00")).unwrap();
            assert_eq!(firing.at, utc("2026-04-04 15:30"));
            assert_eq!(firing.local, local("2026-04-05 02:30"));
            let next = s.next_after(SYDNEY, firing.at).unwrap();
            assert_eq!(next.at, utc("2026-04-05 16:30"));
            assert_eq!(next.local, local("2026-04-06 02:30"));
        }
        let gap = cron("30 2 * * *")
            .next_after(SYDNEY, utc("2026-10-03 00:00"))
            .unwrap();
        assert_eq!(gap.at, utc("2026-10-03 16:00"));
        assert_eq!(gap.slot, "2026-10-04T02:30");
    }

    #[test]
    fn half_hour_gap_resolves_to_its_end() {
        // Lord Howe Island moves 02:00 -> 02:30 (+10:30 -> +11) on 2026-10-04.
        let at = resolve_local(Australia::Lord_Howe, local("2026-10-04 02:15"));
        assert_eq!(at, utc("2026-10-03 15:30"));
        assert_eq!(
            resolve_local(LONDON, local("2026-03-29 01:00")),
            utc("2026-03-29 01:00")
        );
        assert_eq!(
            resolve_local(LONDON, local("2026-03-29 01:59")),
            utc("2026-03-29 01:00")
        );
        assert_eq!(
            resolve_local(LONDON, local("2026-03-29 02:00")),
            utc("2026-03-29 01:00")
        );
        assert_eq!(
            resolve_local(LONDON, local("2026-10-25 01:00")),
            utc("2026-10-25 00:00")
        );
    }

    // --- Leap years -------------------------------------------------------------------------

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

    #[test]
    fn daily_lists_leap_day() {
        let s = daily("09:00", "every day");
        let slots: Vec<_> = s
            .upcoming(LONDON, utc("2028-02-28 00:00"), 3)
            .into_iter()
            .map(|f| f.slot)
            .collect();
        assert_eq!(slots, ["2028-02-28", "2028-02-29", "2028-03-01"]);
        let slots: Vec<_> = s
            .upcoming(LONDON, utc("2027-02-28 00:00"), 2)
            .into_iter()
            .map(|f| f.slot)
            .collect();
        assert_eq!(slots, ["2027-02-28", "2027-03-01"]);
    }

    // --- Days -------------------------------------------------------------------------------

    #[test]
    fn days_parse_variants() {
        for every in [
            "every",
            "daily",
            "every day",
            "Every Day",
            " everyday ",
            "mon-sun",
        ] {
            assert_eq!(Days::parse(every).unwrap(), Days::Every, "{every}");
        }
        for weekdays in ["weekdays", "Weekdays", "mon-fri", "mon,tue,wed,thu,fri"] {
            assert_eq!(Days::parse(weekdays).unwrap(), Days::Weekdays, "{weekdays}");
        }
        for weekends in ["weekends", "weekend", "sat,sun", "Saturday and Sunday"] {
            assert_eq!(Days::parse(weekends).unwrap(), Days::Weekends, "{weekends}");
        }
        let mwf = Days::Only(vec![Weekday::Mon, Weekday::Wed, Weekday::Fri]);
        for text in [
            "mon,wed,fri",
            "Mon Wed Fri",
            "monday, wednesday and friday",
            "FRI, MON, wed, mon",
            "Mondays, Wednesdays & Fridays",
        ] {
            assert_eq!(Days::parse(text).unwrap(), mwf, "{text}");
        }
        assert_eq!(
            Days::parse("monday, tuesday").unwrap(),
            Days::Only(vec![Weekday::Mon, Weekday::Tue])
        );
        assert_eq!(
            Days::parse("fri-mon").unwrap(),
            Days::Only(vec![Weekday::Mon, Weekday::Fri, Weekday::Sat, Weekday::Sun])
        );
        assert_eq!(
            Days::parse("weekends, wed").unwrap(),
            Days::Only(vec![Weekday::Wed, Weekday::Sat, Weekday::Sun])
        );
    }

    #[test]
    fn days_parse_errors_explain_and_give_an_example() {
        for text in ["", "   ", "someday", "mon,funday", "mon-xyz", ",", "and"] {
            let error = Days::parse(text).unwrap_err();
            assert!(
                matches!(error, ScheduleError::BadDays { .. }),
                "{text:?}: {error:?}"
            );
            let message = error.to_string();
            assert!(message.contains("\"weekdays\""), "{message}");
            assert!(message.contains("\"mon,wed,fri\""), "{message}");
        }
        assert!(
            Days::parse("mon,funday")
                .unwrap_err()
                .to_string()
                .contains("\"funday\" is not a day of the week")
        );
    }

    #[test]
    fn days_include_and_describe() {
        assert!(Days::Weekdays.includes(Weekday::Fri));
        assert!(!Days::Weekdays.includes(Weekday::Sat));
        assert!(Days::Weekends.includes(Weekday::Sun));
        assert!(!Days::Weekends.includes(Weekday::Mon));
        assert!(Days::Every.includes(Weekday::Wed));
        let mwf = Days::parse("fri wed mon").unwrap();
        assert!(mwf.includes(Weekday::Wed));
        assert!(!mwf.includes(Weekday::Tue));
        assert_eq!(mwf.describe(), "Mon, Wed and Fri");
        assert_eq!(Days::parse("tue,thu").unwrap().describe(), "Tue and Thu");
        assert_eq!(Days::parse("sun").unwrap().describe(), "Sun");
        assert_eq!(Days::Every.describe(), "every day");
        assert_eq!(Days::Weekdays.describe(), "weekdays");
        assert_eq!(Days::Weekends.describe(), "weekends");
    }

    #[test]
    fn daily_schedules_skip_days_not_chosen() {
        // 2026-06-05 is a Friday.
        let after = utc("2026-06-05 12:00");
        let weekdays = daily("09:00", "weekdays").upcoming(LONDON, after, 3);
        assert_eq!(
            weekdays_of(&weekdays),
            [Weekday::Mon, Weekday::Tue, Weekday::Wed]
        );
        assert_eq!(weekdays[0].at, utc("2026-06-08 08:00"));
        let weekends = daily("09:00", "weekends").upcoming(LONDON, after, 3);
        assert_eq!(
            weekdays_of(&weekends),
            [Weekday::Sat, Weekday::Sun, Weekday::Sat]
        );
        let mwf = daily("09:00", "mon,wed,fri").upcoming(LONDON, after, 4);
        assert_eq!(
            weekdays_of(&mwf),
            [Weekday::Mon, Weekday::Wed, Weekday::Fri, Weekday::Mon]
        );
        assert_eq!(mwf[2].slot, "2026-06-12");
    }

    // --- Times ------------------------------------------------------------------------------

    #[test]
    fn times_parse() {
        assert_eq!(
            parse_time("09:00").unwrap(),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("9:05").unwrap(),
            NaiveTime::from_hms_opt(9, 5, 0).unwrap()
        );
        assert_eq!(
            parse_time(" 23:59 ").unwrap(),
            NaiveTime::from_hms_opt(23, 59, 0).unwrap()
        );
        assert_eq!(parse_time("00:00").unwrap(), NaiveTime::MIN);
    }

    #[test]
    fn bad_times_explain_and_give_an_example() {
        let cases = [
            ("25:00", "the hour must be 00 to 23"),
            ("24:00", "the hour must be 00 to 23"),
            ("12:60", "the minutes must be 00 to 59"),
            ("9am", "12-hour times are not accepted"),
            ("9:30 PM", "12-hour times are not accepted"),
            ("", "no time given"),
            ("   ", "no time given"),
            ("9", "colon"),
            ("0900", "colon"),
            ("9:5", "two for the minutes"),
            ("09:00:00", "two for the minutes"),
            ("-1:00", "digits"),
            ("nine:00", "digits"),
        ];
        for (text, reason) in cases {
            let error = Schedule::daily(text, "every day").unwrap_err();
            assert!(
                matches!(error, ScheduleError::BadTime { .. }),
                "{text:?}: {error:?}"
            );
            let message = error.to_string();
            assert!(message.contains(reason), "{text:?}: {message}");
            assert!(message.contains("\"09:00\""), "{message}");
        }
    }

    // --- Cron -------------------------------------------------------------------------------

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
    fn cron_across_london_changes() {
        let s = cron("30 1 * * *");
        let spring = s.upcoming(LONDON, utc("2026-03-28 12:00"), 2);
        assert_eq!(
            instants(&spring),
            [utc("2026-03-29 01:00"), utc("2026-03-30 00:30")]
        );
        assert_eq!(spring[0].slot, "2026-03-29T01:30");
        let fall = s.upcoming(LONDON, utc("2026-10-24 12:00"), 2);
        assert_eq!(
            instants(&fall),
            [utc("2026-10-25 00:30"), utc("2026-10-26 01:30")]
        );
        // Six-field form with seconds behaves the same.
        let fall6 = cron("0 30 1 * * *").upcoming(LONDON, utc("2026-10-24 12:00"), 2);
        assert_eq!(instants(&fall6), instants(&fall));
    }

    #[test]
    fn cron_times_inside_a_gap_collapse_to_one_firing() {
        let s = cron("0 1,2 * * *");
        // 01:00 local is in the gap and 02:00 BST is the instant after it: both are 01:00 UTC.
        let spring = s.upcoming(LONDON, utc("2026-03-28 12:00"), 4);
        assert_eq!(
            instants(&spring),
            [
                utc("2026-03-29 01:00"),
                utc("2026-03-30 00:00"),
                utc("2026-03-30 01:00"),
                utc("2026-03-31 00:00"),
            ]
        );
        assert_eq!(spring[0].slot, "2026-03-29T01:00");
        // Looking back reports the same firing (same slot), not the 02:00 twin.
        let back = s
            .latest_at_or_before(LONDON, utc("2026-03-29 01:30"))
            .unwrap();
        assert_eq!(back, spring[0]);
        // Fall back: 01:00 happens twice (first at 00:00 UTC), 02:00 GMT is 02:00 UTC.
        let fall = s.upcoming(LONDON, utc("2026-10-24 12:00"), 2);
        assert_eq!(
            instants(&fall),
            [utc("2026-10-25 00:00"), utc("2026-10-25 02:00")]
        );
    }

    #[test]
    fn hourly_cron_never_doubles_across_changes() {
        let s = cron("0 * * * *");
        let spring = s.firings_between(
            LONDON,
            utc("2026-03-28 23:30"),
            utc("2026-03-29 03:30"),
            100,
        );
        assert_eq!(
            instants(&spring),
            [
                utc("2026-03-29 00:00"),
                utc("2026-03-29 01:00"),
                utc("2026-03-29 02:00"),
                utc("2026-03-29 03:00"),
            ]
        );
        let fall = s.firings_between(
            LONDON,
            utc("2026-10-24 22:30"),
            utc("2026-10-25 03:30"),
            100,
        );
        assert_eq!(
            instants(&fall),
            [
                utc("2026-10-24 23:00"),
                utc("2026-10-25 00:00"),
                utc("2026-10-25 02:00"),
                utc("2026-10-25 03:00"),
            ]
        );
    }

    // --- Searching --------------------------------------------------------------------------

    #[test]
    fn next_after_is_strictly_after_and_latest_includes_now() {
        for s in [daily("09:00", "every day"), cron("0 9 * * *")] {
            let at = utc("2026-01-10 09:00");
            let next = s.next_after(LONDON, at).unwrap();
            assert_eq!(next.at, utc("2026-01-11 09:00"));
            let just_before = s.next_after(LONDON, at - Duration::seconds(1)).unwrap();
            assert_eq!(just_before.at, at);
            let latest = s.latest_at_or_before(LONDON, at).unwrap();
            assert_eq!(latest.at, at);
            assert_eq!(latest.local, local("2026-01-10 09:00"));
            let earlier = s
                .latest_at_or_before(LONDON, at - Duration::seconds(1))
                .unwrap();
            assert_eq!(earlier.at, utc("2026-01-09 09:00"));
            let three = s.upcoming(LONDON, at, 3);
            assert_eq!(
                instants(&three),
                [
                    utc("2026-01-11 09:00"),
                    utc("2026-01-12 09:00"),
                    utc("2026-01-13 09:00")
                ]
            );
            assert!(s.upcoming(LONDON, at, 0).is_empty());
        }
    }

    #[test]
    fn searches_handle_sub_second_instants() {
        let s = cron("0 9 * * *");
        let at = utc("2026-01-10 09:00") + Duration::milliseconds(500);
        assert_eq!(
            s.next_after(LONDON, at).unwrap().at,
            utc("2026-01-11 09:00")
        );
        assert_eq!(
            s.latest_at_or_before(LONDON, at).unwrap().at,
            utc("2026-01-10 09:00")
        );
    }

    #[test]
    fn latest_skips_days_not_chosen() {
        // 2026-06-07 is a Sunday; the last weekday 09:00 was Friday the 5th.
        let s = daily("09:00", "weekdays");
        let latest = s
            .latest_at_or_before(LONDON, utc("2026-06-07 12:00"))
            .unwrap();
        assert_eq!(latest.at, utc("2026-06-05 08:00"));
        assert_eq!(latest.slot, "2026-06-05");
    }

    // --- Catch-up ---------------------------------------------------------------------------

    #[test]
    fn catch_up_nothing_due() {
        let s = daily("09:00", "every day");
        let done = Some(utc("2026-01-10 09:00"));
        assert_eq!(
            catch_up(&s, LONDON, done, utc("2026-01-10 20:00"), DEFAULT_GRACE),
            CatchUp::Nothing
        );
        // Done exactly through the latest firing, or beyond it.
        assert_eq!(
            catch_up(&s, LONDON, done, utc("2026-01-10 09:30"), DEFAULT_GRACE),
            CatchUp::Nothing
        );
        assert_eq!(
            catch_up(
                &s,
                LONDON,
                Some(utc("2026-01-10 09:10")),
                utc("2026-01-10 09:30"),
                DEFAULT_GRACE
            ),
            CatchUp::Nothing
        );
    }

    #[test]
    fn catch_up_posts_within_grace() {
        let s = daily("09:00", "every day");
        let done = Some(utc("2026-01-09 09:00"));
        let now = utc("2026-01-10 10:30");
        let CatchUp::Post(firing) = catch_up(&s, LONDON, done, now, DEFAULT_GRACE) else {
            panic!("expected a post");
        };
        assert_eq!(firing.at, utc("2026-01-10 09:00"));
        assert_eq!(firing.slot, "2026-01-10");
        // Exactly at the edge of the window still posts; on time posts too.
        assert!(matches!(
            catch_up(&s, LONDON, done, utc("2026-01-10 11:00"), DEFAULT_GRACE),
            CatchUp::Post(_)
        ));
        assert!(matches!(
            catch_up(&s, LONDON, done, utc("2026-01-10 09:00"), DEFAULT_GRACE),
            CatchUp::Post(_)
        ));
        // Never handled anything: the latest firing counts as due.
        assert!(matches!(
            catch_up(&s, LONDON, None, now, DEFAULT_GRACE),
            CatchUp::Post(_)
        ));
    }

    #[test]
    fn catch_up_three_hours_late_is_too_late() {
        let s = daily("09:00", "every day");
        let result = catch_up(
            &s,
            LONDON,
            Some(utc("2026-01-09 09:00")),
            utc("2026-01-10 12:00"),
            DEFAULT_GRACE,
        );
        let CatchUp::TooLate(firing) = result else {
            panic!("expected too late, got {result:?}");
        };
        assert_eq!(firing.at, utc("2026-01-10 09:00"));
        // A wider grace window would have posted it.
        assert!(matches!(
            catch_up(
                &s,
                LONDON,
                Some(utc("2026-01-09 09:00")),
                utc("2026-01-10 12:00"),
                Duration::hours(4)
            ),
            CatchUp::Post(_)
        ));
    }

    #[test]
    fn catch_up_across_local_midnight_is_too_late() {
        // 23:30 London firing, noticed 00:30 next day: within 2 h but a new local date.
        let s = daily("23:30", "every day");
        let result = catch_up(
            &s,
            LONDON,
            Some(utc("2026-01-09 23:30")),
            utc("2026-01-11 00:30"),
            DEFAULT_GRACE,
        );
        assert_eq!(
            result,
            CatchUp::TooLate(Firing {
                at: utc("2026-01-10 23:30"),
                local: local("2026-01-10 23:30"),
                slot: "2026-01-10".to_string(),
            })
        );
        // The local date matters, not the UTC date: in summer 23:30 BST is 22:30 UTC, and
        // 23:45 UTC is already tomorrow in London.
        let summer = catch_up(
            &s,
            LONDON,
            Some(utc("2026-07-09 22:30")),
            utc("2026-07-10 23:15"),
            DEFAULT_GRACE,
        );
        assert!(matches!(summer, CatchUp::TooLate(_)), "{summer:?}");
        let summer_same_day = catch_up(
            &s,
            LONDON,
            Some(utc("2026-07-09 22:30")),
            utc("2026-07-10 22:50"),
            DEFAULT_GRACE,
        );
        assert!(
            matches!(summer_same_day, CatchUp::Post(_)),
            "{summer_same_day:?}"
        );
    }

    #[test]
    fn catch_up_considers_only_the_latest_missed_firing() {
        // Down for three days: only today's firing is considered, and it is in time.
        let s = daily("09:00", "every day");
        let done = utc("2026-01-07 09:00");
        let now = utc("2026-01-10 09:45");
        assert_eq!(
            catch_up(&s, LONDON, Some(done), now, DEFAULT_GRACE),
            CatchUp::Post(Firing {
                at: utc("2026-01-10 09:00"),
                local: local("2026-01-10 09:00"),
                slot: "2026-01-10".to_string(),
            })
        );
        // The skipped ones are listable for the log.
        let skipped: Vec<_> = s
            .firings_between(
                LONDON,
                done,
                utc("2026-01-10 09:00") - Duration::seconds(1),
                10,
            )
            .into_iter()
            .map(|f| f.slot)
            .collect();
        assert_eq!(skipped, ["2026-01-08", "2026-01-09"]);
        // Several firings a day, two missed: only the later one, posted.
        let hourly = cron("0 9,10,11 * * *");
        let result = catch_up(
            &hourly,
            LONDON,
            Some(utc("2026-01-10 08:00")),
            utc("2026-01-10 11:20"),
            DEFAULT_GRACE,
        );
        let CatchUp::Post(firing) = result else {
            panic!("expected a post, got {result:?}");
        };
        assert_eq!(firing.slot, "2026-01-10T11:00");
    }

    #[test]
    fn catch_up_on_a_gap_day_posts_the_shifted_firing() {
        let s = daily("01:30", "every day");
        let result = catch_up(
            &s,
            LONDON,
            Some(utc("2026-03-28 01:30")),
            utc("2026-03-29 02:00"),
            DEFAULT_GRACE,
        );
        let CatchUp::Post(firing) = result else {
            panic!("expected a post, got {result:?}");
        };
        assert_eq!(firing.at, utc("2026-03-29 01:00"));
        assert_eq!(firing.slot, "2026-03-29");
    }

    // --- Storage and descriptions -----------------------------------------------------------

    #[test]
    fn storage_round_trips() {
        let cases = [
            (daily("09:00", "every day"), "daily 09:00 every"),
            (daily("7:30", "Mon-Fri"), "daily 07:30 weekdays"),
            (daily("10:15", "weekends"), "daily 10:15 weekends"),
            (daily("18:00", "Fri Mon Wed"), "daily 18:00 mon,wed,fri"),
            (cron("0 9 * * 1-5"), "cron 0 9 * * 1-5"),
            (cron("  0  0 9 * * MON-FRI "), "cron 0 0 9 * * MON-FRI"),
        ];
        for (schedule, stored) in cases {
            assert_eq!(schedule.to_storage(), stored);
            assert_eq!(
                Schedule::from_storage(stored).unwrap(),
                schedule,
                "{stored}"
            );
        }
        for bad in ["", "daily", "weekly 09:00", "daily 09:00", "cron"] {
            assert!(
                matches!(
                    Schedule::from_storage(bad),
                    Err(ScheduleError::BadStoredSchedule { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Schedule::from_storage("daily 25:00 every"),
            Err(ScheduleError::BadTime { .. })
        ));
        assert!(matches!(
            Schedule::from_storage("cron * * * * *"),
            Err(ScheduleError::TooFrequent { .. })
        ));
    }

    #[test]
    fn descriptions() {
        assert_eq!(daily("09:00", "every").describe(), "09:00 every day");
        assert_eq!(daily("7:30", "weekdays").describe(), "07:30 on weekdays");
        assert_eq!(daily("10:00", "weekends").describe(), "10:00 on weekends");
        assert_eq!(
            daily("12:05", "mon,wed,fri").describe(),
            "12:05 on Mon, Wed and Fri"
        );
        assert_eq!(cron("0 9 * * 1-5").describe(), "cron 0 9 * * 1-5");
    }

    // --- Time zones -------------------------------------------------------------------------

    #[test]
    fn time_zones_parse_exactly_and_case_insensitively() {
        assert_eq!(parse_timezone("Europe/London").unwrap(), LONDON);
        assert_eq!(parse_timezone("europe/london").unwrap(), LONDON);
        assert_eq!(parse_timezone(" EUROPE/LONDON ").unwrap(), LONDON);
        assert_eq!(parse_timezone("Australia/Sydney").unwrap(), SYDNEY);
        assert_eq!(
            parse_timezone("america/new york").unwrap(),
            chrono_tz::America::New_York
        );
        assert_eq!(parse_timezone("UTC").unwrap(), chrono_tz::UTC);
        assert_eq!(DEFAULT_TIME_ZONE, LONDON);
    }

    #[test]
    fn unknown_time_zones_suggest_the_closest() {
        let suggestion = |name: &str| match parse_timezone(name) {
            Err(ScheduleError::UnknownTimeZone { suggestion, .. }) => suggestion,
            other => panic!("{name:?} should be unknown, got {other:?}"),
        };
        assert_eq!(suggestion("Europe/Lndon").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("london").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("London").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("Europe/Londn").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("new york").as_deref(), Some("America/New_York"));
        assert_eq!(suggestion("Sydny").as_deref(), Some("Australia/Sydney"));
        assert_eq!(suggestion("Europe/Lon").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("qqqqqqqqqqqq"), None);
        assert_eq!(suggestion(""), None);

        let message = parse_timezone("Europe/Lndon").unwrap_err().to_string();
        assert!(message.contains("\"Europe/Lndon\""), "{message}");
        assert!(
            message.contains("Did you mean \"Europe/London\"?"),
            "{message}"
        );
        let message = parse_timezone("Mars/Olympus_Mons").unwrap_err().to_string();
        assert!(message.contains("Unknown time zone"), "{message}");
        assert!(message.contains("\"Europe/London\""), "{message}");
    }

    #[test]
    fn time_zone_suggestions_for_autocomplete() {
        let lon = timezone_suggestions("lon", 10);
        assert_eq!(lon.first(), Some(&"Europe/London"));
        assert!(lon.contains(&"Arctic/Longyearbyen"));
        assert!(lon.iter().all(|name| name.to_lowercase().contains("lon")));
        assert_eq!(timezone_suggestions("LON", 1), ["Europe/London"]);
        assert_eq!(timezone_suggestions("syd", 1), ["Australia/Sydney"]);
        assert_eq!(timezone_suggestions("new yo", 1), ["America/New_York"]);
        assert_eq!(timezone_suggestions("europe/", 1), ["Europe/London"]);
        assert!(timezone_suggestions("zzzzzz", 10).is_empty());
        let empty = timezone_suggestions("", 5);
        assert_eq!(empty.len(), 5);
        assert_eq!(empty[0], "Europe/London");
        assert_eq!(
            timezone_suggestions("  ", 25).len(),
            COMMON_TIME_ZONES.len().min(25)
        );
        assert!(timezone_suggestions("a", 25).len() <= 25);
        for name in COMMON_TIME_ZONES {
            assert!(parse_timezone(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn check_in_times_read_the_friendly_forms_and_cron() {
        let handovers = Schedule::when("daily 07:30,19:30").unwrap();
        assert_eq!(handovers.describe(), "07:30 and 19:30 every day");
        assert_eq!(handovers.to_storage(), "times 07:30,19:30 every");
        assert_eq!(
            Schedule::from_storage(&handovers.to_storage()).unwrap(),
            handovers
        );
        let twice_weekly = Schedule::when("Mon,Thu 14:00").unwrap();
        assert_eq!(twice_weekly, Schedule::daily("14:00", "mon,thu").unwrap());
        assert_eq!(
            Schedule::when("weekdays at 08:00 and 20:00").unwrap(),
            Schedule::Times {
                times: vec![
                    NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                    NaiveTime::from_hms_opt(20, 0, 0).unwrap()
                ],
                days: Days::Weekdays,
            }
        );
        assert_eq!(
            Schedule::when("19:30").unwrap(),
            Schedule::daily("19:30", "every day").unwrap()
        );
        assert!(matches!(
            Schedule::when("0 7,19 * * *").unwrap(),
            Schedule::Cron { .. }
        ));
        let no_time = Schedule::when("mon,thu").unwrap_err().to_string();
        assert!(no_time.contains("no time of day given"), "{no_time}");
        let twelve_hour = Schedule::when("daily 7pm").unwrap_err().to_string();
        assert!(
            twelve_hour.contains("\"7pm\" is \"19:00\""),
            "{twelve_hour}"
        );
        let bad_day = Schedule::when("Mun 14:00").unwrap_err().to_string();
        assert!(bad_day.contains("not a day of the week"), "{bad_day}");
    }

    #[test]
    fn several_times_a_day_fire_once_each_with_their_own_slot() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let handovers = Schedule::when("daily 07:30,19:30").unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        let firings = handovers.upcoming(tz, start, 4);
        let slots: Vec<&str> = firings.iter().map(|f| f.slot.as_str()).collect();
        assert_eq!(
            slots,
            [
                "2026-11-23T07:30",
                "2026-11-23T19:30",
                "2026-11-24T07:30",
                "2026-11-24T19:30"
            ]
        );
        let evening = Utc.with_ymd_and_hms(2026, 11, 23, 21, 0, 0).unwrap();
        assert_eq!(
            handovers.latest_at_or_before(tz, evening).unwrap().slot,
            "2026-11-23T19:30"
        );
        // Only on the days asked for: Thursday's 14:00 follows Monday's.
        let weekly = Schedule::when("Mon,Thu 09:00, 14:00").unwrap();
        let monday_after = Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap();
        assert_eq!(
            weekly.next_after(tz, monday_after).unwrap().slot,
            "2026-11-26T09:00"
        );
        // A handover inside the spring-forward gap fires at the end of the gap, once.
        let night = Schedule::when("daily 01:30,13:30").unwrap();
        let before_gap = Utc.with_ymd_and_hms(2026, 3, 28, 14, 0, 0).unwrap();
        let firing = night.next_after(tz, before_gap).unwrap();
        assert_eq!(firing.slot, "2026-03-29T01:30");
        assert_eq!(
            firing.at,
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap()
        );
    }
}
