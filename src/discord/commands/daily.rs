//! `/daily` and `/settings`: where and when the daily act is posted (admins).

use poise::serenity_prelude as serenity;

use super::{ensure_server, guild, private, private_embed};
use crate::calendar::timezone_suggestions;
use crate::daily::{AdminError, DailySummary, SizePlan};
use crate::discord::{Context, Error};
use crate::store::DailyChange;

/// Answers with the outcome of an admin change: what will happen next, or what to fix.
async fn answer(
    ctx: Context<'_>,
    done: &str,
    outcome: Result<DailySummary, AdminError>,
) -> Result<(), Error> {
    match outcome {
        Ok(summary) => private(ctx, format!("{done}\n{}", describe(&summary))).await,
        Err(AdminError::Store(e)) => Err(e.into()),
        Err(user_error) => private(ctx, user_error.to_string()).await,
    }
}

/// A few lines saying what is set up and what happens next.
fn describe(summary: &DailySummary) -> String {
    let config = &summary.config;
    let mut lines = Vec::new();
    match (&summary.schedule, config.channel_id) {
        (Some(schedule), Some(channel)) => lines.push(format!(
            "Daily act: {} ({}) in <#{channel}>.",
            schedule.describe(),
            config.timezone
        )),
        _ => lines.push("Daily act: not set up yet (`/daily setup`).".to_owned()),
    }
    if let Some(until) = config.paused_until {
        if until == i64::MAX {
            lines.push("Paused until you run `/daily resume`.".to_owned());
        } else {
            lines.push(format!("Paused until <t:{}:D>.", until / 1000));
        }
    }
    if let Some(next) = &summary.next {
        lines.push(format!(
            "Next post: <t:{}:F> (<t:{}:R>).",
            next.at.timestamp(),
            next.at.timestamp()
        ));
    }
    lines.join("\n")
}

/// Suggests time zones as you type.
async fn autocomplete_timezone(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    crate::discord::fit::choices(
        timezone_suggestions(partial, 25)
            .into_iter()
            .map(|zone| crate::discord::fit::choice(zone, zone)),
    )
}

/// Set up the daily act of connection (admins).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("setup", "schedule", "pause", "resume", "preview", "options"),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn daily(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Choose the channel and the local time for the daily act.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn setup(
    ctx: Context<'_>,
    #[description = "The channel to post in"]
    #[channel_types("Text")]
    channel: serenity::ChannelId,
    #[description = "Local time, 24-hour HH:MM, e.g. 09:00"]
    #[max_length = 20]
    time: String,
    #[description = "Time zone, e.g. Europe/London (default: the server's)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 64]
    timezone: Option<String>,
    #[description = "every day (default), weekdays, weekends, or days, e.g. mon,wed,fri"]
    #[max_length = 100]
    days: Option<String>,
) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let outcome = ctx
        .data()
        .daily
        .setup(
            guild(ctx)?,
            channel.into(),
            &time,
            timezone.as_deref(),
            days.as_deref(),
        )
        .await;
    answer(ctx, "Done: the daily act is set up.", outcome).await
}

/// Post on a cron schedule instead, e.g. "0 9 * * 1-5" for 09:00 on weekdays.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn schedule(
    ctx: Context<'_>,
    #[description = "minute hour day month weekday, e.g. 0 9 * * 1-5"]
    #[max_length = 100]
    cron: String,
) -> Result<(), Error> {
    let outcome = ctx.data().daily.set_cron(guild(ctx)?, &cron).await;
    answer(
        ctx,
        "Done: the daily act follows that schedule now.",
        outcome,
    )
    .await
}

/// Pause the daily act, until a date or until you resume it.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn pause(
    ctx: Context<'_>,
    #[description = "Resume on this local date, YYYY-MM-DD, e.g. 2026-06-08 (default: until /daily resume)"]
    #[max_length = 30]
    until: Option<String>,
) -> Result<(), Error> {
    let outcome = ctx.data().daily.pause(guild(ctx)?, until.as_deref()).await;
    answer(ctx, "Paused.", outcome).await
}

/// Resume the daily act after a pause.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn resume(ctx: Context<'_>) -> Result<(), Error> {
    let outcome = ctx.data().daily.resume(guild(ctx)?).await;
    answer(ctx, "Resumed.", outcome).await
}

/// See the next seven posts, with their local times and acts.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn preview(ctx: Context<'_>) -> Result<(), Error> {
    let upcoming = match ctx.data().daily.preview(guild(ctx)?, 7).await {
        Ok(upcoming) => upcoming,
        Err(AdminError::Store(e)) => return Err(e.into()),
        Err(user_error) => return private(ctx, user_error.to_string()).await,
    };
    if upcoming.is_empty() {
        return private(ctx, AdminError::NotSetUp.to_string()).await;
    }
    let mut embed = serenity::CreateEmbed::new().title("The next seven daily acts");
    if let Some(shortfall) = ctx.data().daily.shortfall(guild(ctx)?).await? {
        embed = embed.description(too_few(&shortfall));
    }
    for (firing, act) in upcoming {
        let name = format!(
            "{} (<t:{}:R>)",
            firing.local.format("%a %-d %b, %H:%M"),
            firing.at.timestamp()
        );
        let value = match act {
            Some(act) => format!(
                "{} · {} · {}",
                act.act.text,
                act.act.size.label(),
                act.act.way.label()
            ),
            None => "No act fits the filters: widen them with `/daily options`.".to_owned(),
        };
        embed = embed.field(name, crate::discord::render::truncate(&value, 1024), false);
    }
    private_embed(ctx, embed).await
}

/// The warning admins see when the server's filters leave too few acts.
pub(super) fn too_few(shortfall: &crate::acts::Shortfall) -> String {
    format!(
        "\u{26a0}\u{fe0f} With this server's filters, {shortfall}. Widen them with \
         `/daily options avoid:` (fewer barriers left out) or `only:` (any setting)."
    )
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum PlanChoice {
    #[name = "Gentle week: smallest on Monday, small by Friday"]
    GentleWeek,
    #[name = "Always smallest"]
    Smallest,
    #[name = "Always smaller"]
    Smaller,
    #[name = "Always small"]
    Small,
    #[name = "Mixed sizes"]
    Mixed,
}

impl PlanChoice {
    fn word(self) -> &'static str {
        match self {
            PlanChoice::GentleWeek => "gentle-week",
            PlanChoice::Smallest => "always-smallest",
            PlanChoice::Smaller => "always-smaller",
            PlanChoice::Small => "always-small",
            PlanChoice::Mixed => "mixed",
        }
    }
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum OnlyChoice {
    #[name = "Any act"]
    Any,
    #[name = "Acts for care settings"]
    Care,
    #[name = "Acts for workplaces"]
    Workplace,
    #[name = "Acts that work online"]
    Online,
    #[name = "Acts for community groups"]
    Community,
}

/// Sizes, which acts, barriers left out, Loneliness Awareness Week, and where problems go.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn options(
    ctx: Context<'_>,
    #[description = "How the size of each day's act is chosen"] size_plan: Option<PlanChoice>,
    #[description = "Only acts that fit this setting"] only: Option<OnlyChoice>,
    #[description = "Take part in Loneliness Awareness Week in June (on by default)"]
    awareness_week: Option<bool>,
    #[description = "Monday the week starts, YYYY-MM-DD, e.g. 2026-06-08 (default: 2nd Monday of June)"]
    #[max_length = 30]
    awareness_start: Option<String>,
    #[description = "Where to report problems (default: a DM to the server owner)"]
    #[channel_types("Text")]
    admin_channel: Option<serenity::ChannelId>,
    #[description = "Leave out acts needing money, alcohol, car, mobility or outgoing, e.g. money, car; none: every act"]
    #[autocomplete = "super::autocomplete_avoid"]
    #[max_length = 100]
    avoid: Option<String>,
) -> Result<(), Error> {
    let change = DailyChange {
        size_plan: size_plan.map(|p| p.word().to_owned()),
        setting_filter: only.map(|o| {
            match o {
                OnlyChoice::Any => "",
                OnlyChoice::Care => "care",
                OnlyChoice::Workplace => "workplace",
                OnlyChoice::Online => "online",
                OnlyChoice::Community => "community",
            }
            .to_owned()
        }),
        awareness_week,
        awareness_start: awareness_start
            .map(|s| Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        admin_channel_id: admin_channel.map(|c| Some(c.into())),
        avoid_needs: avoid,
        ..Default::default()
    };
    let guild_id = guild(ctx)?;
    let outcome = ctx.data().daily.set_options(guild_id, change).await;
    let done = match (&outcome, ctx.data().daily.shortfall(guild_id).await?) {
        (Ok(_), Some(shortfall)) => format!("Saved.\n{}", too_few(&shortfall)),
        _ => "Saved.".to_owned(),
    };
    answer(ctx, &done, outcome).await
}

/// Everything configured for this server (admins).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn settings(ctx: Context<'_>) -> Result<(), Error> {
    let summary = match ctx.data().daily.summary(guild(ctx)?).await {
        Ok(summary) => summary,
        Err(AdminError::Store(e)) => return Err(e.into()),
        Err(user_error) => return private(ctx, user_error.to_string()).await,
    };
    let config = &summary.config;
    let plan = SizePlan::parse(&config.size_plan)
        .map(|p| p.describe())
        .unwrap_or_else(|_| config.size_plan.clone());
    let only = if config.setting_filter.is_empty() {
        "any act".to_owned()
    } else {
        format!("acts for {}", config.setting_filter)
    };
    let avoid = crate::acts::Avoid::from_storage(&config.avoid_needs);
    let left_out = if avoid.is_empty() {
        "nothing".to_owned()
    } else {
        format!("{} ({})", avoid.describe(), avoid.words())
    };
    let week = if !config.awareness_week {
        "off".to_owned()
    } else if let Some(start) = &config.awareness_start {
        format!("on, from {start}")
    } else {
        "on (second Monday of June)".to_owned()
    };
    let admin = config
        .admin_channel_id
        .map(|c| format!("<#{c}>"))
        .unwrap_or_else(|| "a DM to the server owner".into());
    let embed = serenity::CreateEmbed::new()
        .title("smallacts settings")
        .description(describe(&summary))
        .field("Time zone", &config.timezone, true)
        .field("Sizes", plan, true)
        .field("Acts", only, true)
        .field("Left out", left_out, true)
        .field("Loneliness Awareness Week", week, true)
        .field("Problems reported to", admin, true)
        .footer(serenity::CreateEmbedFooter::new(
            "Change these with /daily setup, /daily schedule and /daily options.",
        ));
    private_embed(ctx, embed).await
}
