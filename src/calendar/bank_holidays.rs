//! UK bank holidays for each nation (England and Wales, Scotland, Northern Ireland), worked
//! out by rule for any year, plus a table of the one-off days proclaimed for a single year.
//!
//! Why rules written here rather than a library's list: the `govuk-bank-holidays` crate
//! carries GOV.UK's published list, which stops at 2028 and (at its last release) lacks
//! Scotland's one-off 15 June 2026; a bot that posts every day for years needs the days after
//! the published list ends too. Easter, the one hard part, comes from the `computus` crate.
//! The rules are the ones GOV.UK's list follows, checked against that list (hand-typed into
//! `tests/fixtures/bank-holidays-govuk.txt`) in the tests below:
//! - a holiday on a Saturday or Sunday gets a substitute day: the next weekday that is not a
//!   holiday already (Christmas on a Saturday: Monday 27th for Christmas, Tuesday 28th for
//!   Boxing Day);
//! - the movable days: Good Friday; Easter Monday (not in Scotland); early May (the first
//!   Monday in May); spring (the last Monday in May); summer (the last Monday in August, but
//!   the first in Scotland);
//! - each nation's own: Scotland's 2 January and St Andrew's Day (30 November), Northern
//!   Ireland's St Patrick's Day (17 March) and Battle of the Boyne (12 July).
//!
//! One-offs change with royal events and moved days; [`ONE_OFFS`] holds those proclaimed so
//! far, and a new one is a line added there.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// A nation with its own bank holidays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nation {
    EnglandAndWales,
    Scotland,
    NorthernIreland,
}

/// The time zone a server must keep for its nation's bank holidays to apply: UK holidays
/// are days in UK time.
pub const UK_TIME_ZONE: &str = "Europe/London";

impl Nation {
    pub const ALL: [Nation; 3] = [
        Nation::EnglandAndWales,
        Nation::Scotland,
        Nation::NorthernIreland,
    ];

    /// The stable word for the database, read back by [`Nation::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            Nation::EnglandAndWales => "england-and-wales",
            Nation::Scotland => "scotland",
            Nation::NorthernIreland => "northern-ireland",
        }
    }

    pub fn parse(text: &str) -> Option<Nation> {
        Nation::ALL.into_iter().find(|n| n.as_str() == text)
    }

    /// "England and Wales", as people say it.
    pub fn name(self) -> &'static str {
        match self {
            Nation::EnglandAndWales => "England and Wales",
            Nation::Scotland => "Scotland",
            Nation::NorthernIreland => "Northern Ireland",
        }
    }

    /// The nation whose bank holidays a server keeps: the one it chose, while its time zone
    /// is the UK's (a server elsewhere is not in the UK, whatever was chosen before).
    pub fn for_server(chosen: Option<&str>, timezone: &str) -> Option<Nation> {
        chosen
            .and_then(Nation::parse)
            .filter(|_| timezone == UK_TIME_ZONE)
    }
}

/// A bank holiday: the day off, and its name ("Summer bank holiday", "Christmas Day").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankHoliday {
    pub date: NaiveDate,
    pub name: &'static str,
    /// It stands in for a holiday that fell on a weekend.
    pub substitute: bool,
}

impl BankHoliday {
    /// "bank holiday in Scotland (St Andrew's Day, substitute day)".
    pub fn describe(&self, nation: Nation) -> String {
        let substitute = if self.substitute {
            ", substitute day"
        } else {
            ""
        };
        format!(
            "bank holiday in {} ({}{substitute})",
            nation.name(),
            self.name
        )
    }
}

/// The bank holiday a server keeps on a local date, with its nation: `chosen` is the nation
/// it chose (`Nation::as_str`), `timezone` its IANA zone.
pub fn server_holiday(
    chosen: Option<&str>,
    timezone: &str,
    date: NaiveDate,
) -> Option<(Nation, BankHoliday)> {
    let nation = Nation::for_server(chosen, timezone)?;
    bank_holiday(nation, date).map(|holiday| (nation, holiday))
}

/// A day proclaimed for one year: an extra holiday, or a usual one moved to another date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneOff {
    pub nations: &'static [Nation],
    pub date: (i32, u32, u32),
    pub name: &'static str,
    /// The usual holiday's date it replaces, when it moves one.
    pub replaces: Option<(i32, u32, u32)>,
}

const UK: &[Nation] = &Nation::ALL;

/// Proclaimed days, by date. Sources: the proclamations as listed on GOV.UK.
pub const ONE_OFFS: &[OneOff] = &[
    OneOff {
        nations: UK,
        date: (2011, 4, 29),
        name: "Royal wedding",
        replaces: None,
    },
    OneOff {
        nations: UK,
        date: (2012, 6, 4),
        name: "Spring bank holiday",
        replaces: Some((2012, 5, 28)),
    },
    OneOff {
        nations: UK,
        date: (2012, 6, 5),
        name: "Queen\u{2019}s Diamond Jubilee",
        replaces: None,
    },
    OneOff {
        nations: UK,
        date: (2020, 5, 8),
        name: "Early May bank holiday (VE day)",
        replaces: Some((2020, 5, 4)),
    },
    OneOff {
        nations: UK,
        date: (2022, 6, 2),
        name: "Spring bank holiday",
        replaces: Some((2022, 5, 30)),
    },
    OneOff {
        nations: UK,
        date: (2022, 6, 3),
        name: "Platinum Jubilee bank holiday",
        replaces: None,
    },
    OneOff {
        nations: UK,
        date: (2022, 9, 19),
        name: "Bank Holiday for the State Funeral of Queen Elizabeth II",
        replaces: None,
    },
    OneOff {
        nations: UK,
        date: (2023, 5, 8),
        name: "Bank holiday for the coronation of King Charles III",
        replaces: None,
    },
    OneOff {
        nations: &[Nation::Scotland],
        date: (2026, 6, 15),
        name: "World Cup bank holiday",
        replaces: None,
    },
];

/// The bank holiday on `date` in `nation`, if it is one.
pub fn bank_holiday(nation: Nation, date: NaiveDate) -> Option<BankHoliday> {
    bank_holidays(nation, date.year())
        .into_iter()
        .find(|h| h.date == date)
}

/// A nation's bank holidays in a year, in date order.
pub fn bank_holidays(nation: Nation, year: i32) -> Vec<BankHoliday> {
    let date = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day);
    let (Some(new_year), Some(christmas)) = (date(1, 1), date(12, 25)) else {
        return vec![];
    };
    let Ok(easter) = computus::gregorian(year) else {
        // Outside the Gregorian years computus knows (1583 to 9999): no holidays to offer.
        return vec![];
    };
    let Some(easter) = date(easter.month, easter.day) else {
        return vec![];
    };
    // Days that move to a weekday when they fall on a weekend, in date order.
    let mut fixed: Vec<(NaiveDate, &'static str)> = vec![(new_year, "New Year\u{2019}s Day")];
    if nation == Nation::Scotland {
        fixed.push((new_year + Duration::days(1), "2nd January"));
    }
    if nation == Nation::NorthernIreland {
        fixed.extend(date(3, 17).map(|d| (d, "St Patrick\u{2019}s Day")));
        fixed.extend(date(7, 12).map(|d| (d, "Battle of the Boyne (Orangemen\u{2019}s Day)")));
    }
    if nation == Nation::Scotland {
        fixed.extend(date(11, 30).map(|d| (d, "St Andrew\u{2019}s Day")));
    }
    fixed.push((christmas, "Christmas Day"));
    fixed.push((christmas + Duration::days(1), "Boxing Day"));

    // Days that are always weekdays.
    let mut holidays: Vec<BankHoliday> = Vec::new();
    let mut add = |date: NaiveDate, name: &'static str| {
        holidays.push(BankHoliday {
            date,
            name,
            substitute: false,
        })
    };
    add(easter - Duration::days(2), "Good Friday");
    if nation != Nation::Scotland {
        add(easter + Duration::days(1), "Easter Monday");
    }
    add(nth_monday(year, 5, 1), "Early May bank holiday");
    add(last_monday(year, 5), "Spring bank holiday");
    let summer = match nation {
        Nation::Scotland => nth_monday(year, 8, 1),
        _ => last_monday(year, 8),
    };
    add(summer, "Summer bank holiday");

    // One-offs: moved days leave their usual date, extra days are added.
    for one_off in ONE_OFFS.iter().filter(|o| o.nations.contains(&nation)) {
        let Some(on) = ymd(one_off.date).filter(|d| d.year() == year) else {
            continue;
        };
        if let Some(replaced) = one_off.replaces.and_then(ymd) {
            holidays.retain(|h| h.date != replaced);
        }
        holidays.push(BankHoliday {
            date: on,
            name: one_off.name,
            substitute: false,
        });
    }

    // Fixed days on weekdays stay; then each one on a weekend, in date order, takes the next
    // weekday that is not a holiday already.
    let weekend = |d: NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    for (on, name) in fixed.iter().filter(|(d, _)| !weekend(*d)) {
        holidays.push(BankHoliday {
            date: *on,
            name,
            substitute: false,
        });
    }
    for (on, name) in fixed.iter().filter(|(d, _)| weekend(*d)) {
        let mut substitute = *on;
        while weekend(substitute) || holidays.iter().any(|h| h.date == substitute) {
            substitute += Duration::days(1);
        }
        holidays.push(BankHoliday {
            date: substitute,
            name,
            substitute: true,
        });
    }
    holidays.sort_by_key(|h| h.date);
    holidays
}

fn ymd((year, month, day): (i32, u32, u32)) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The `n`th Monday (1-based) of a month.
fn nth_monday(year: i32, month: u32, n: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n as u8)
        .expect("every month has a first Monday")
}

/// The last Monday of a month.
fn last_monday(year: i32, month: u32) -> NaiveDate {
    let fifth = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 5);
    fifth.unwrap_or_else(|| nth_monday(year, month, 4))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// GOV.UK's published lists, hand-typed: nation -> dates, by year.
    fn fixture() -> BTreeMap<(Nation, i32), Vec<NaiveDate>> {
        let text = include_str!("../../tests/fixtures/bank-holidays-govuk.txt");
        let mut out: BTreeMap<(Nation, i32), Vec<NaiveDate>> = BTreeMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap().trim();
            if line.is_empty() {
                continue;
            }
            let (nation, date) = line.split_once(char::is_whitespace).unwrap();
            let nation = Nation::parse(nation).unwrap_or_else(|| panic!("nation in {line:?}"));
            let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
                .unwrap_or_else(|e| panic!("date in {line:?}: {e}"));
            out.entry((nation, date.year())).or_default().push(date);
        }
        out
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_rules_give_the_days_govuk_publishes_for_every_nation_and_year_in_the_fixture() {
        let fixture = fixture();
        // Every nation for each of 2024 to 2028 at least, so a gap in the fixture is noticed.
        for nation in Nation::ALL {
            for year in 2024..=2028 {
                assert!(fixture.contains_key(&(nation, year)), "{nation:?} {year}");
            }
        }
        for ((nation, year), expected) in &fixture {
            let computed: Vec<NaiveDate> = bank_holidays(*nation, *year)
                .iter()
                .map(|h| h.date)
                .collect();
            assert_eq!(&computed, expected, "{} {year}", nation.name());
        }
    }

    #[test]
    fn a_weekend_holiday_takes_the_next_free_weekday_and_says_it_is_a_substitute() {
        // 2027: Christmas on a Saturday, Boxing Day on a Sunday.
        let christmas = bank_holiday(Nation::EnglandAndWales, date("2027-12-27")).unwrap();
        assert_eq!(
            (christmas.name, christmas.substitute),
            ("Christmas Day", true)
        );
        let boxing = bank_holiday(Nation::EnglandAndWales, date("2027-12-28")).unwrap();
        assert_eq!((boxing.name, boxing.substitute), ("Boxing Day", true));
        assert_eq!(
            bank_holiday(Nation::EnglandAndWales, date("2027-12-25")),
            None
        );
        // 2022: Christmas on a Sunday: Boxing Day keeps its Monday, Christmas moves to Tuesday.
        let boxing = bank_holiday(Nation::Scotland, date("2022-12-26")).unwrap();
        assert_eq!((boxing.name, boxing.substitute), ("Boxing Day", false));
        let christmas = bank_holiday(Nation::Scotland, date("2022-12-27")).unwrap();
        assert_eq!(christmas.name, "Christmas Day");
        // St Andrew's Day on a Sunday (2025) and the Boyne on a Saturday (2025).
        assert_eq!(
            bank_holiday(Nation::Scotland, date("2025-12-01")).map(|h| h.name),
            Some("St Andrew\u{2019}s Day")
        );
        assert_eq!(
            bank_holiday(Nation::NorthernIreland, date("2025-07-14")).map(|h| h.substitute),
            Some(true)
        );
    }

    #[test]
    fn each_nation_keeps_only_its_own_days() {
        let on = |nation, d: &str| bank_holiday(nation, date(d)).is_some();
        // 2026: Scotland's first Monday of August and its one-off in June; England and
        // Wales's last Monday of August.
        assert!(on(Nation::Scotland, "2026-08-03"));
        assert!(!on(Nation::EnglandAndWales, "2026-08-03"));
        assert!(on(Nation::Scotland, "2026-06-15"));
        assert!(!on(Nation::EnglandAndWales, "2026-06-15"));
        assert!(!on(Nation::NorthernIreland, "2026-06-15"));
        assert!(on(Nation::EnglandAndWales, "2026-08-31"));
        assert!(on(Nation::NorthernIreland, "2026-08-31"));
        assert!(!on(Nation::Scotland, "2026-08-31"));
        // Easter Monday is not a Scottish bank holiday.
        assert!(on(Nation::EnglandAndWales, "2026-04-06"));
        assert!(!on(Nation::Scotland, "2026-04-06"));
        assert!(on(Nation::NorthernIreland, "2026-03-17"));
        assert!(!on(Nation::EnglandAndWales, "2026-03-17"));
    }

    #[test]
    fn years_after_the_published_lists_still_have_their_holidays() {
        for nation in Nation::ALL {
            for year in 2029..2100 {
                let days = bank_holidays(nation, year);
                let expected = match nation {
                    Nation::EnglandAndWales => 8,
                    Nation::Scotland => 9,
                    Nation::NorthernIreland => 10,
                };
                assert_eq!(days.len(), expected, "{nation:?} {year}");
                for day in &days {
                    assert!(
                        !matches!(day.date.weekday(), Weekday::Sat | Weekday::Sun),
                        "{nation:?} {day:?}"
                    );
                    assert_eq!(day.date.year(), year, "{nation:?} {day:?}");
                }
                let mut dates: Vec<_> = days.iter().map(|d| d.date).collect();
                dates.dedup();
                assert_eq!(
                    dates.len(),
                    expected,
                    "no two on one day: {nation:?} {year}"
                );
            }
        }
    }

    #[test]
    fn a_nation_applies_only_where_the_server_keeps_uk_time() {
        assert_eq!(
            Nation::for_server(Some("scotland"), "Europe/London"),
            Some(Nation::Scotland)
        );
        assert_eq!(Nation::for_server(Some("scotland"), "Europe/Paris"), None);
        assert_eq!(Nation::for_server(None, "Europe/London"), None);
        for nation in Nation::ALL {
            assert_eq!(Nation::parse(nation.as_str()), Some(nation));
        }
    }
}
