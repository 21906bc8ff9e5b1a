//! `/doctor`: checks the bot's permissions in every configured channel and names exactly what
//! is missing, and warns when the server's filters leave too few acts.

use poise::serenity_prelude as serenity;

use super::{guild, private};
use crate::discord::{Context, Error};
use crate::ids::ChannelId;
use crate::invite::NEEDED_PERMISSIONS;

/// Check the bot can post where it is configured to, and say what to fix.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn doctor(ctx: Context<'_>) -> Result<(), Error> {
    let guild_id = guild(ctx)?;
    let country = country_line(ctx, guild_id).await?;
    let config = ctx.data().store.daily_config(guild_id).await?;
    let shortfall = ctx.data().daily.shortfall(guild_id).await?;
    let mut channels: Vec<(&str, ChannelId)> = Vec::new();
    if let Some(config) = &config {
        if let Some(c) = config.channel_id {
            channels.push(("daily act", c));
        }
        if let Some(c) = config.admin_channel_id {
            channels.push(("problem reports", c));
        }
    }
    if channels.is_empty() {
        return private(ctx, format!("No channel is configured yet. Set one up with `/daily setup`, then run `/doctor` again.\n{country}")).await;
    }
    let bot_id = ctx.framework().bot_id();
    // Asked of Discord rather than a cache: the bot keeps no copy of its servers (a copy of
    // 10,000 servers would be most of its memory), and this way the answer is current.
    let http = ctx.http();
    let guild_id = serenity::GuildId::from(guild_id);
    let asked = tokio::try_join!(
        guild_id.to_partial_guild(http),
        guild_id.channels(http),
        guild_id.member(http, bot_id),
    );
    let Ok((guild, guild_channels, me)) = asked else {
        return private(
            ctx,
            "I couldn't ask Discord about this server's channels just now. Try again in a minute.",
        )
        .await;
    };
    let mut lines: Vec<String> = channels
        .iter()
        .map(|(purpose, channel_id)| {
            let channel = guild_channels.get(&serenity::ChannelId::from(*channel_id));
            check_channel(&guild, &me, channel, *channel_id, purpose)
        })
        .collect();
    lines.push(country);
    lines.extend(shortfall.as_ref().map(super::daily::too_few));
    private(ctx, lines.join("\n")).await
}

/// Which helplines members are shown, and a nudge when no country is known.
async fn country_line(ctx: Context<'_>, guild_id: crate::ids::GuildId) -> Result<String, Error> {
    let checkins = &ctx.data().checkins;
    let signposting = match checkins.signposting(guild_id).await {
        Ok(signposting) => signposting,
        Err(crate::checkins::CheckinError::Store(e)) => return Err(e.into()),
        Err(other) => return Ok(format!("\u{2139}\u{fe0f} Country: {other}")),
    };
    let mark = if signposting.country().is_some() {
        "\u{2705}"
    } else {
        "\u{2139}\u{fe0f}"
    };
    Ok(format!(
        "{mark} Country for `/support`: {}.",
        signposting.describe(checkins.support_lists())
    ))
}

/// One line per channel: all good, gone, or the permissions missing.
fn check_channel(
    guild: &serenity::PartialGuild,
    me: &serenity::Member,
    channel: Option<&serenity::GuildChannel>,
    channel_id: ChannelId,
    purpose: &str,
) -> String {
    let Some(channel) = channel else {
        return format!(
            "\u{274c} The {purpose} channel (id {channel_id}) no longer exists or I can't see it. Choose another with `/daily setup`."
        );
    };
    let have = guild.user_permissions_in(channel, me);
    let missing: Vec<&str> = NEEDED_PERMISSIONS
        .iter()
        .filter(|p| !have.contains(serenity::Permissions::from_bits_truncate(p.bit)))
        .map(|p| p.name)
        .collect();
    if missing.is_empty() {
        format!("\u{2705} <#{channel_id}> ({purpose}): I have everything I need.")
    } else {
        format!(
            "\u{274c} <#{channel_id}> ({purpose}): I'm missing {}. Give my role these in the channel's settings (Edit Channel > Permissions).",
            missing.join(", ")
        )
    }
}
