//! The daily act of connection, without Discord: which size it is (`plan`), which act a day
//! gets (`choice`), and the admin operations behind `/daily` and `/recap setup`. When it fires
//! is `calendar`'s business; posting it is the daily job's (`jobs`).

mod choice;
pub mod holidays;
pub mod plan;

use std::sync::Arc;

use chrono::NaiveDate;

pub use choice::{
    CLOSING_JOB, DAILY_JOB, KICKOFF_JOB, awareness_week, choose_for_day, filter_shortfall,
    latest_awareness_week, server_allows, week_bounds_ms, wins_thread_name,
};
pub use holidays::{HolidayDay, OnBankHoliday, day_settings, holiday_config, holiday_day};
pub use plan::{AwarenessWeek, CAMPAIGN_HASHTAG, SizePlan};

use crate::calendar::{
    Firing, Nation, Schedule, ScheduleError, UK_TIME_ZONE, parse_timezone, resolve_local,
};
use crate::clock::Clock;
use crate::ids::{ChannelId, GuildId};
use crate::store::{DailyChange, DailyConfig, Store, StoreError, StoredAct};

/// Why an admin's change could not be made; each says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Schedule(#[from] ScheduleError),
    #[error(
        "The daily post isn't set up yet. Start with `/daily setup`, choosing a channel and a time."
    )]
    NotSetUp,
    #[error("{} is not a date I can use. Write it as YYYY-MM-DD, e.g. 2026-06-08.", crate::echo::quote(.0))]
    BadDate(String),
    #[error(
        "{} is not a date in the future. Choose a later day, e.g. one next month, or leave it empty to pause until you resume.",
        crate::echo::quote(.0)
    )]
    PastDate(String),
    #[error("{0}")]
    BadPlan(String),
    #[error(
        "UK bank holidays are days in UK time, and this server's time zone is {}. Set it to {UK_TIME_ZONE} first with `/daily setup timezone:{UK_TIME_ZONE}`, or leave the nation as \"not in the UK\".",
        crate::echo::quote(.0)
    )]
    NotUkTime(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A server's daily post as an admin sees it.
#[derive(Debug, Clone)]
pub struct DailySummary {
    pub config: DailyConfig,
    pub schedule: Option<Schedule>,
    pub next: Option<Firing>,
}

/// One day of `/daily preview`: when, the act (none on a skipped day or when no act fits the
/// filters), and the bank holiday that day, if the server keeps one.
#[derive(Debug, Clone)]
pub struct PreviewDay {
    pub firing: Firing,
    pub act: Option<StoredAct>,
    pub holiday: Option<HolidayDay>,
}

/// The admin operations behind `/daily` and `/settings`.
pub struct DailyAdmin {
    store: Store,
    clock: Arc<dyn Clock>,
    default_timezone: String,
}

impl DailyAdmin {
    pub fn new(store: Store, clock: Arc<dyn Clock>, default_timezone: String) -> DailyAdmin {
        DailyAdmin {
            store,
            clock,
            default_timezone,
        }
    }

    /// Where and when the daily act is posted.
    pub async fn setup(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        time: &str,
        timezone: Option<&str>,
        days: Option<&str>,
    ) -> Result<DailySummary, AdminError> {
        let schedule = Schedule::daily(time, days.unwrap_or("every"))?;
        let current = self.config(guild_id).await?;
        let zone = match timezone {
            Some(name) => parse_timezone(name)?.name().to_owned(),
            None => current
                .map(|c| c.timezone)
                .unwrap_or_else(|| self.default_timezone.clone()),
        };
        self.save_schedule(guild_id, Some(channel_id), schedule, Some(zone))
            .await
    }

    /// A cron expression instead of a daily time (the channel must be set up already).
    pub async fn set_cron(
        &self,
        guild_id: GuildId,
        expression: &str,
    ) -> Result<DailySummary, AdminError> {
        let schedule = Schedule::cron(expression)?;
        let config = self.config(guild_id).await?.ok_or(AdminError::NotSetUp)?;
        if config.channel_id.is_none() {
            return Err(AdminError::NotSetUp);
        }
        self.save_schedule(guild_id, None, schedule, None).await
    }

    /// Gives the weekly recap its first due time once the server has a channel.
    async fn ensure_recap_scheduled(&self, guild_id: GuildId) -> Result<(), AdminError> {
        let Some(recap) = self.store.recap_config(guild_id).await? else {
            return Ok(());
        };
        if recap.enabled && recap.next_at.is_none() {
            self.set_recap(guild_id, None, None, None).await?;
        }
        Ok(())
    }

    /// Turns the weekly recap on with a day, a time and a channel (each optional: by default
    /// Friday, 16:00 and the daily channel), and works out when it is next due.
    pub async fn set_recap(
        &self,
        guild_id: GuildId,
        channel_id: Option<ChannelId>,
        day: Option<&str>,
        time: Option<&str>,
    ) -> Result<Schedule, AdminError> {
        let current = self
            .store
            .recap_config(guild_id)
            .await?
            .ok_or(AdminError::NotSetUp)?;
        let existing = Schedule::from_storage(&current.schedule).ok();
        let schedule = match (day, time, existing) {
            (None, None, Some(existing)) => existing,
            (day, time, _) => Schedule::daily(time.unwrap_or("16:00"), day.unwrap_or("fri"))?,
        };
        let tz = parse_timezone(&current.timezone)?;
        let next = schedule
            .next_after(tz, self.clock.now())
            .map(|f| f.at.timestamp_millis());
        let change = crate::store::RecapChange {
            enabled: Some(true),
            schedule: Some(schedule.to_storage()),
            channel_id: channel_id.map(Some),
            next_at: Some(next),
        };
        self.store.change_recap(guild_id, &change).await?;
        Ok(schedule)
    }

    /// Turns the weekly recap off.
    pub async fn recap_off(&self, guild_id: GuildId) -> Result<(), AdminError> {
        let change = crate::store::RecapChange {
            enabled: Some(false),
            next_at: Some(None),
            ..Default::default()
        };
        self.store.change_recap(guild_id, &change).await?;
        Ok(())
    }

    async fn save_schedule(
        &self,
        guild_id: GuildId,
        channel_id: Option<ChannelId>,
        schedule: Schedule,
        timezone: Option<String>,
    ) -> Result<DailySummary, AdminError> {
        let zone_name = match &timezone {
            Some(zone) => zone.clone(),
            None => self
                .config(guild_id)
                .await?
                .map(|c| c.timezone)
                .unwrap_or_else(|| self.default_timezone.clone()),
        };
        let tz = parse_timezone(&zone_name)?;
        let next = schedule.next_after(tz, self.clock.now());
        let changed_zone = timezone.is_some();
        let change = DailyChange {
            channel_id,
            schedule: Some(schedule.to_storage()),
            timezone,
            next_at: Some(next.as_ref().map(|f| f.at.timestamp_millis())),
            ..Default::default()
        };
        let summary = self.apply(guild_id, &change).await?;
        self.ensure_recap_scheduled(guild_id).await?;
        if changed_zone {
            self.reschedule_checkins(guild_id, tz).await?;
        }
        Ok(summary)
    }

    /// The server's check-ins are in its time zone: when it changes, each one's next time is
    /// worked out again, so none fires at the old zone's wall time.
    async fn reschedule_checkins(
        &self,
        guild_id: GuildId,
        tz: chrono_tz::Tz,
    ) -> Result<(), AdminError> {
        for checkin in self.store.checkins_for(guild_id).await? {
            if let Ok(schedule) = Schedule::from_storage(&checkin.schedule) {
                let next = schedule
                    .next_after(tz, self.clock.now())
                    .map(|f| f.at.timestamp_millis());
                self.store.set_checkin_next_at(checkin.id, next).await?;
            }
        }
        Ok(())
    }

    /// Pauses until a local date (`YYYY-MM-DD`), or until resumed.
    pub async fn pause(
        &self,
        guild_id: GuildId,
        until: Option<&str>,
    ) -> Result<DailySummary, AdminError> {
        let config = self.config(guild_id).await?.ok_or(AdminError::NotSetUp)?;
        let tz = parse_timezone(&config.timezone)?;
        let until_ms = match until.map(str::trim).filter(|s| !s.is_empty()) {
            None => i64::MAX,
            Some(text) => {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| AdminError::BadDate(text.to_owned()))?;
                let start = resolve_local(tz, date.and_time(chrono::NaiveTime::MIN));
                if start <= self.clock.now() {
                    return Err(AdminError::PastDate(text.to_owned()));
                }
                start.timestamp_millis()
            }
        };
        let change = DailyChange {
            paused_until: Some(Some(until_ms)),
            ..Default::default()
        };
        self.apply(guild_id, &change).await
    }

    /// Ends a pause; the next post is the next firing from now (nothing missed is replayed).
    pub async fn resume(&self, guild_id: GuildId) -> Result<DailySummary, AdminError> {
        let (_, schedule, tz) = self.parsed(guild_id).await?;
        let next = schedule
            .and_then(|s| s.next_after(tz, self.clock.now()))
            .map(|f| f.at.timestamp_millis());
        let change = DailyChange {
            paused_until: Some(None),
            next_at: Some(next),
            ..Default::default()
        };
        self.apply(guild_id, &change).await
    }

    /// Size plan, setting filter, barriers left out, campaign week and admin channel.
    pub async fn set_options(
        &self,
        guild_id: GuildId,
        mut change: DailyChange,
    ) -> Result<DailySummary, AdminError> {
        if let Some(plan) = &change.size_plan {
            change.size_plan = Some(SizePlan::parse(plan).map_err(AdminError::BadPlan)?.as_str());
        }
        if let Some(Some(region)) = &change.bank_holiday_region {
            let Some(nation) = Nation::parse(region) else {
                return Err(AdminError::BadPlan(format!(
                    "unknown nation {}; choose England and Wales, Scotland or Northern Ireland",
                    crate::echo::quote(region)
                )));
            };
            let timezone = match &change.timezone {
                Some(zone) => zone.clone(),
                None => {
                    self.config(guild_id)
                        .await?
                        .ok_or(AdminError::NotSetUp)?
                        .timezone
                }
            };
            if Nation::for_server(Some(nation.as_str()), &timezone).is_none() {
                return Err(AdminError::NotUkTime(timezone));
            }
        }
        if let Some(policy) = &change.bank_holidays {
            change.bank_holidays = Some(OnBankHoliday::parse(policy).as_str().to_owned());
        }
        if let Some(avoid) = &change.avoid_needs {
            change.avoid_needs = Some(
                crate::acts::Avoid::parse(avoid)
                    .map_err(AdminError::BadPlan)?
                    .to_storage(),
            );
        }
        if let Some(Some(start)) = &change.awareness_start {
            let date = NaiveDate::parse_from_str(start, "%Y-%m-%d")
                .map_err(|_| AdminError::BadDate(start.clone()))?;
            AwarenessWeek::starting(date).map_err(AdminError::BadPlan)?;
        }
        self.apply(guild_id, &change).await
    }

    /// Saves a change and answers with the settings as they now stand.
    async fn apply(
        &self,
        guild_id: GuildId,
        change: &DailyChange,
    ) -> Result<DailySummary, AdminError> {
        self.store
            .change_daily(guild_id, change, self.clock.now_ms())
            .await?;
        self.summary(guild_id).await
    }

    pub async fn config(&self, guild_id: GuildId) -> Result<Option<DailyConfig>, StoreError> {
        self.store.daily_config(guild_id).await
    }

    /// The settings, with the schedule and the zone parsed.
    async fn parsed(
        &self,
        guild_id: GuildId,
    ) -> Result<(DailyConfig, Option<Schedule>, chrono_tz::Tz), AdminError> {
        let config = self.config(guild_id).await?.ok_or(AdminError::NotSetUp)?;
        let schedule = config
            .schedule
            .as_deref()
            .map(Schedule::from_storage)
            .transpose()?;
        let tz = parse_timezone(&config.timezone)?;
        Ok((config, schedule, tz))
    }

    /// The settings with the schedule parsed and the next firing worked out.
    pub async fn summary(&self, guild_id: GuildId) -> Result<DailySummary, AdminError> {
        let (config, schedule, tz) = self.parsed(guild_id).await?;
        let paused_until = config
            .paused_until
            .and_then(chrono::DateTime::from_timestamp_millis);
        let from = match paused_until {
            Some(until) if until > self.clock.now() => until - chrono::Duration::milliseconds(1),
            _ => self.clock.now(),
        };
        let next = schedule.as_ref().and_then(|s| {
            if config.paused_until == Some(i64::MAX) {
                None
            } else {
                s.next_after(tz, from)
            }
        });
        Ok(DailySummary {
            config,
            schedule,
            next,
        })
    }

    /// Why the server's filters leave too few acts for its days, if they do (for `/daily
    /// preview`, `/doctor` and the answer to `/daily options`).
    pub async fn shortfall(
        &self,
        guild_id: GuildId,
    ) -> Result<Option<crate::acts::Shortfall>, StoreError> {
        let Some(config) = self.config(guild_id).await? else {
            return Ok(None);
        };
        let acts = self.store.active_acts(Some(guild_id)).await?;
        Ok(filter_shortfall(&acts, &config))
    }

    /// The next `n` posts as they will go out: the same seeded choice the dispatcher makes,
    /// and what a bank holiday does to a day.
    pub async fn preview(
        &self,
        guild_id: GuildId,
        n: usize,
    ) -> Result<Vec<PreviewDay>, AdminError> {
        let summary = self.summary(guild_id).await?;
        let (Some(schedule), Some(first)) = (summary.schedule, summary.next) else {
            return Ok(vec![]);
        };
        let config = summary.config;
        let tz = parse_timezone(&config.timezone)?;
        let acts = self.store.active_acts(Some(guild_id)).await?;
        let mut history = self.store.posted_act_slugs(guild_id, DAILY_JOB).await?;
        let mut firings = vec![first.clone()];
        firings.extend(schedule.upcoming(tz, first.at, n.saturating_sub(1)));
        let mut out = Vec::with_capacity(n);
        for firing in firings {
            let date = firing.local.date();
            let holiday = holiday_day(&config, date);
            let (week, holiday_settings) = day_settings(&config, date, holiday);
            let act = match holiday.map(|h| h.policy) {
                Some(OnBankHoliday::Skip) => None,
                _ => choose_for_day(
                    &acts,
                    holiday_settings.as_ref().unwrap_or(&config),
                    date,
                    week,
                    &firing.slot,
                    &history,
                ),
            };
            if let Some(act) = &act {
                history.push(act.act.slug.clone());
            }
            out.push(PreviewDay {
                firing,
                act,
                holiday,
            });
        }
        Ok(out)
    }
}
