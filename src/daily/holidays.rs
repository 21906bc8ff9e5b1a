//! What a server's daily post does on a bank holiday of its nation: post as usual, skip the
//! day, or post a smallest act with a holiday greeting. Shared by the daily job and
//! `/daily preview`, so the preview shows what will happen.

use chrono::NaiveDate;

use super::choice::awareness_week;
use super::plan::AwarenessWeek;
use crate::acts::Size;
use crate::calendar::{BankHoliday, Nation, server_holiday};
use crate::store::DailyConfig;

/// The daily post on a bank holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnBankHoliday {
    /// As on any other day (the default).
    #[default]
    Post,
    /// Nothing that day.
    Skip,
    /// A smallest act, with a greeting for the day off.
    Greeting,
}

impl OnBankHoliday {
    pub const ALL: [OnBankHoliday; 3] = [
        OnBankHoliday::Post,
        OnBankHoliday::Skip,
        OnBankHoliday::Greeting,
    ];

    /// The stable word for the database, read back by [`OnBankHoliday::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            OnBankHoliday::Post => "post",
            OnBankHoliday::Skip => "skip",
            OnBankHoliday::Greeting => "greeting",
        }
    }

    /// An unknown word reads as "post": a day is never lost to a value this version does
    /// not know.
    pub fn parse(text: &str) -> OnBankHoliday {
        OnBankHoliday::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
            .unwrap_or_default()
    }

    pub fn describe(self) -> &'static str {
        match self {
            OnBankHoliday::Post => "posted as usual",
            OnBankHoliday::Skip => "skipped",
            OnBankHoliday::Greeting => "a smallest act with a holiday greeting",
        }
    }
}

/// A bank holiday the server keeps, and what its daily post does on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolidayDay {
    pub nation: Nation,
    pub holiday: BankHoliday,
    pub policy: OnBankHoliday,
}

impl HolidayDay {
    /// "bank holiday in England and Wales (Summer bank holiday), skipped".
    pub fn describe(&self) -> String {
        format!(
            "{}, {}",
            self.holiday.describe(self.nation),
            self.policy.describe()
        )
    }

    /// The size the day's act must be, when the holiday decides it.
    pub fn size(&self) -> Option<Size> {
        (self.policy == OnBankHoliday::Greeting).then_some(Size::Smallest)
    }
}

/// The bank holiday a server keeps on a local date, if any, with what its post does.
pub fn holiday_day(config: &DailyConfig, date: NaiveDate) -> Option<HolidayDay> {
    let (nation, holiday) = server_holiday(
        config.bank_holiday_region.as_deref(),
        &config.timezone,
        date,
    )?;
    Some(HolidayDay {
        nation,
        holiday,
        policy: OnBankHoliday::parse(&config.bank_holidays),
    })
}

/// The campaign week a day's post belongs to, and the settings its act is chosen with when a
/// holiday changes them: on a holiday with a greeting, a smallest act and no campaign (the
/// greeting takes its place).
pub fn day_settings(
    config: &DailyConfig,
    date: NaiveDate,
    holiday: Option<HolidayDay>,
) -> (Option<AwarenessWeek>, Option<DailyConfig>) {
    match holiday.map(|h| h.policy) {
        Some(OnBankHoliday::Greeting) => (None, Some(holiday_config(config))),
        _ => (awareness_week(config, date), None),
    }
}

/// The settings an act is chosen with on a holiday that gets a smallest act: always smallest,
/// whatever the plan says.
pub fn holiday_config(config: &DailyConfig) -> DailyConfig {
    DailyConfig {
        size_plan: crate::daily::SizePlan::Always(Size::Smallest).as_str(),
        ..config.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GuildId;

    fn config(region: Option<&str>, timezone: &str, policy: &str) -> DailyConfig {
        DailyConfig {
            guild_id: GuildId(1),
            timezone: timezone.to_owned(),
            channel_id: None,
            schedule: None,
            next_at: None,
            paused_until: None,
            size_plan: "gentle-week".into(),
            setting_filter: String::new(),
            admin_channel_id: None,
            awareness_week: true,
            awareness_start: None,
            owner_id: None,
            bank_holiday_region: region.map(str::to_owned),
            bank_holidays: policy.to_owned(),
            avoid_needs: String::new(),
        }
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_server_keeps_its_own_nations_holidays_only_in_uk_time() {
        let scottish = config(Some("scotland"), "Europe/London", "skip");
        let day = holiday_day(&scottish, date("2026-08-03")).unwrap();
        assert_eq!(day.policy, OnBankHoliday::Skip);
        assert_eq!(
            day.describe(),
            "bank holiday in Scotland (Summer bank holiday), skipped"
        );
        assert_eq!(holiday_day(&scottish, date("2026-08-31")), None);
        let abroad = config(Some("scotland"), "America/Toronto", "skip");
        assert_eq!(holiday_day(&abroad, date("2026-08-03")), None);
        let unset = config(None, "Europe/London", "skip");
        assert_eq!(holiday_day(&unset, date("2026-08-31")), None);
    }

    #[test]
    fn a_greeting_day_wants_the_smallest_act() {
        let english = config(Some("england-and-wales"), "Europe/London", "greeting");
        let day = holiday_day(&english, date("2026-08-31")).unwrap();
        assert_eq!(day.size(), Some(Size::Smallest));
        assert_eq!(holiday_config(&english).size_plan, "always-smallest");
        let posting = config(Some("england-and-wales"), "Europe/London", "post");
        assert_eq!(
            holiday_day(&posting, date("2026-08-31")).unwrap().size(),
            None
        );
        for policy in OnBankHoliday::ALL {
            assert_eq!(OnBankHoliday::parse(policy.as_str()), policy);
        }
        assert_eq!(OnBankHoliday::parse("later"), OnBankHoliday::Post);
    }
}
