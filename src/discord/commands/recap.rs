//! `/recap` (admins): the weekly recap's day, time and channel, a preview, posting it now, or
//! Loneliness Awareness Week's share card; `/export impact`: weekly figures for funders,
//! naming no one; and `/export link` and `/export revoke`: a private, read-only link to the
//! impact page for people not on Discord.

use chrono::{Datelike, Days, NaiveDate};
use poise::serenity_prelude as serenity;

use super::{guild, private};
use crate::calendar::parse_timezone;
use crate::daily::AdminError;
use crate::discord::{Context, Error, render};
use crate::recap;

/// The server's name and time zone, or what to do first.
async fn server(ctx: Context<'_>) -> Result<Result<(String, chrono_tz::Tz), String>, Error> {
    let Some(config) = ctx.data().store.recap_config(guild(ctx)?).await? else {
        return Ok(Err(AdminError::NotSetUp.to_string()));
    };
    Ok(parse_timezone(&config.timezone)
        .map(|tz| (config.name, tz))
        .map_err(|e| e.to_string()))
}

/// The weekly recap: what the team did together (admins).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("setup", "off", "preview", "now", "card"),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn recap(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Turn the weekly recap on, with its day, time and channel.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn setup(
    ctx: Context<'_>,
    #[description = "The channel (default: the daily act's)"]
    #[channel_types("Text")]
    channel: Option<serenity::ChannelId>,
    #[description = "Day of the week, e.g. fri (default: Friday)"]
    #[max_length = 20]
    day: Option<String>,
    #[description = "Local time, HH:MM, e.g. 16:00 (the default)"]
    #[max_length = 20]
    time: Option<String>,
) -> Result<(), Error> {
    let outcome = ctx
        .data()
        .daily
        .set_recap(
            guild(ctx)?,
            channel.map(Into::into),
            day.as_deref(),
            time.as_deref(),
        )
        .await;
    match outcome {
        Ok(schedule) => {
            private(
                ctx,
                format!("The weekly recap is on: {}.", schedule.describe()),
            )
            .await
        }
        Err(AdminError::Store(e)) => Err(e.into()),
        Err(user_error) => private(ctx, user_error.to_string()).await,
    }
}

/// Turn the weekly recap off.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn off(ctx: Context<'_>) -> Result<(), Error> {
    match ctx.data().daily.recap_off(guild(ctx)?).await {
        Ok(()) => {
            private(
                ctx,
                "The weekly recap is off. `/recap setup` turns it back on.",
            )
            .await
        }
        Err(AdminError::Store(e)) => Err(e.into()),
        Err(user_error) => private(ctx, user_error.to_string()).await,
    }
}

/// See this week's recap as it stands (only you see it).
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn preview(ctx: Context<'_>) -> Result<(), Error> {
    let (name, tz) = match server(ctx).await? {
        Ok(server) => server,
        Err(why) => return private(ctx, why).await,
    };
    let recap = recap::compute(&ctx.data().store, guild(ctx)?, tz, ctx.data().clock.now()).await?;
    let reply = poise::CreateReply::default().embed(render::recap_embed(&recap, &name));
    if recap.is_empty() {
        return super::reply(ctx, reply).await;
    }
    let chart = recap.chart();
    let chart = serenity::CreateAttachment::bytes(chart.png, render::RECAP_CHART)
        .description(render::truncate(&chart.alt_text, 1000));
    super::reply_with_file(ctx, reply, chart).await
}

/// Post this week's recap in the recap channel now.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn now(ctx: Context<'_>) -> Result<(), Error> {
    let (name, tz) = match server(ctx).await? {
        Ok(server) => server,
        Err(why) => return private(ctx, why).await,
    };
    let Some(channel) = ctx
        .data()
        .store
        .recap_config(guild(ctx)?)
        .await?
        .and_then(|c| c.channel_id)
    else {
        return private(ctx, "There's no channel for the recap yet: choose one with `/recap setup` or `/daily setup`.").await;
    };
    let recap = recap::compute(&ctx.data().store, guild(ctx)?, tz, ctx.data().clock.now()).await?;
    let channel = serenity::ChannelId::from(channel);
    match channel
        .send_message(ctx.http(), render::recap_message(&recap, &name, None))
        .await
    {
        Ok(_) => private(ctx, format!("Posted in <#{channel}>.")).await,
        Err(error) => {
            tracing::warn!(error = %error, "could not post the recap on request");
            private(
                ctx,
                format!(
                    "I couldn't post in <#{channel}>: run `/doctor` to see what I'm missing there."
                ),
            )
            .await
        }
    }
}

/// Post the share card for Loneliness Awareness Week: the team's acts and mix of Ways.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn card(
    ctx: Context<'_>,
    #[description = "Show this server's name on the card (default: no)"] show_server_name: Option<
        bool,
    >,
) -> Result<(), Error> {
    let (name, tz) = match server(ctx).await? {
        Ok(server) => server,
        Err(why) => return private(ctx, why).await,
    };
    let guild_id = guild(ctx)?;
    let data = ctx.data();
    let today = crate::calendar::local_wall_time(tz, data.clock.now()).date();
    let Some(config) = data.store.daily_config(guild_id).await? else {
        return private(ctx, AdminError::NotSetUp.to_string()).await;
    };
    let week = crate::daily::latest_awareness_week(&config, today);
    let tally = recap::awareness_tally(&data.store, guild_id, tz, week).await?;
    let shown_name = show_server_name.unwrap_or(false).then_some(name.as_str());
    let card = recap::share_card(week, &tally, shown_name);
    super::will_answer_publicly(ctx);
    let Some(file) = render::share_card_file(&card) else {
        return private(
            ctx,
            "Sorry, I couldn't draw the card just now. Please try again in a minute.",
        )
        .await;
    };
    let so_far = if week.contains(today) { " so far" } else { "" };
    let acts = match tally.acts {
        1 => "1 small act of connection".to_owned(),
        n => format!("{} small acts of connection", crate::charts::grouped(n)),
    };
    let content = format!(
        "{}, {} to {}: {acts}{so_far}. {}",
        card.week_label,
        week.monday.format("%-d %B"),
        week.sunday().format("%-d %B"),
        crate::daily::CAMPAIGN_HASHTAG
    );
    super::public_with_file(ctx, poise::CreateReply::default().content(content), file).await
}

/// Download files for reporting (admins).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("impact", "link", "revoke"),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn export(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Weekly figures as a CSV file for funders: no names, no words.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn impact(
    ctx: Context<'_>,
    #[description = "First day, YYYY-MM-DD, e.g. 2026-01-05 (default: 12 weeks ago)"]
    #[max_length = 30]
    from: Option<String>,
    #[description = "Last day, YYYY-MM-DD, e.g. 2026-03-29 (default: today)"]
    #[max_length = 30]
    to: Option<String>,
) -> Result<(), Error> {
    let (_, tz) = match server(ctx).await? {
        Ok(server) => server,
        Err(why) => return private(ctx, why).await,
    };
    let today = crate::calendar::local_wall_time(tz, ctx.data().clock.now()).date();
    let parse = |text: Option<String>, default: NaiveDate| match text {
        None => Ok(default),
        Some(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| AdminError::BadDate(text)),
    };
    let dates =
        parse(from, today - Days::new(7 * 12 - 1)).and_then(|from| Ok((from, parse(to, today)?)));
    let (from, to) = match dates {
        Ok(dates) => dates,
        Err(why) => return private(ctx, why.to_string()).await,
    };
    if from > to || (to - from).num_days() > 366 * 3 {
        return private(ctx, "Choose a `from` before `to`, at most three years apart, e.g. from 2026-01-05 to 2026-03-29.").await;
    }
    let csv = recap::impact_csv(&ctx.data().store, guild(ctx)?, tz, from, to).await?;
    let name = format!("smallacts-impact-{from}-to-{to}.csv");
    super::reply_with_file(
        ctx,
        poise::CreateReply::default().content(format!(
            "Weekly figures from the week of {} to {to}. No names and no words: see the README for what each column means.",
            from - Days::new(u64::from(from.weekday().num_days_from_monday()))
        )),
        serenity::CreateAttachment::bytes(csv.into_bytes(), name),
    )
    .await
}

/// A private, read-only link to the impact page, for people not on Discord (admins).
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn link(
    ctx: Context<'_>,
    #[description = "How many days the link works (default 90, at most 366)"]
    #[min = 1]
    #[max = 366]
    days: Option<u32>,
) -> Result<(), Error> {
    let Some(base) = ctx.data().web_base.clone() else {
        return private(
            ctx,
            "The impact page is turned off on this bot (web.listen is empty). Ask whoever runs the bot to turn it on; `/export impact` gives the same figures as a CSV file meanwhile.",
        )
        .await;
    };
    if let Err(why) = server(ctx).await? {
        return private(ctx, why).await;
    }
    let days = days.unwrap_or(crate::impact::links::DEFAULT_DAYS);
    let made = match ctx.data().impact_links.create(guild(ctx)?, days).await {
        Ok(made) => made,
        Err(crate::impact::LinkError::Store(error)) => return Err(error.into()),
        Err(why) => return private(ctx, why.to_string()).await,
    };
    private(
        ctx,
        format!(
            "Here is a private, read-only link to your team's impact page, for people who are not on Discord (a manager, trustees, a funder):\n{base}/impact/{}\n\nIt works until <t:{}:D>. It shows counts only, never names or anyone's words. Anyone with the link can read the page, so share it with care; `/export revoke` withdraws every link at once.",
            made.token,
            made.expires_at.timestamp()
        ),
    )
    .await
}

/// Withdraws every impact page link of this server (admins).
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn revoke(ctx: Context<'_>) -> Result<(), Error> {
    let revoked = ctx.data().impact_links.revoke(guild(ctx)?).await?;
    let text = match revoked {
        0 => "There were no working impact page links to withdraw.".to_owned(),
        1 => "Withdrawn: the impact page link no longer works. Make a new one with `/export link`."
            .to_owned(),
        n => format!(
            "Withdrawn: {n} impact page links no longer work. Make a new one with `/export link`."
        ),
    };
    private(ctx, text).await
}
