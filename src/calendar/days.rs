//! Days of the week a time applies to ("weekdays", "mon,wed,fri", "fri-mon"), as people type
//! them and as they are stored.

use std::collections::BTreeSet;

use chrono::Weekday;

use super::ScheduleError;

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

/// "mon", "Monday" or "mondays"; also read by the cron day-of-week field.
pub(super) fn weekday_from_name(name: &str) -> Option<Weekday> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
