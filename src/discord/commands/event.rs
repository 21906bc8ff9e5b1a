//! `/event`: connection events. `create` makes a Discord scheduled event (in a voice or stage
//! channel, or at a place outside Discord) and announces it in the daily channel; members
//! mark themselves interested in Discord itself. Admins may host, and so may the role an
//! admin chooses with `role`.
//!
//! The top-level command carries no `default_member_permissions`: Discord applies that to
//! every subcommand, and the hosts' role must see `create`. `role` is checked at run time
//! (`required_permissions`), as every admin command is.

use poise::serenity_prelude as serenity;

use super::{ensure_server, guild, private};
use crate::discord::{Context, Error, render};
use crate::events::{EventError, EventRequest, Events, event_url};
use crate::ids::{EventId, RoleId};

/// Plan a get-together as a Discord event: members mark themselves interested.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("create", "role"),
    subcommand_required
)]
pub async fn event(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Create an event, announced in the daily channel (admins and the hosts' role).
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
async fn create(
    ctx: Context<'_>,
    #[description = "What it is, e.g. Tea break in the garden"]
    #[max_length = 100]
    title: String,
    #[description = "When, in server time, e.g. tomorrow 18:00, fri 12:30, 2026-06-12 18:00"]
    #[max_length = 40]
    when: String,
    #[description = "How long, e.g. 45m, 1h (default), 1h30m"]
    #[max_length = 20]
    duration: Option<String>,
    #[description = "A place outside Discord, e.g. the kitchen, Zoom (or choose a channel)"]
    #[max_length = 100]
    place: Option<String>,
    #[description = "A voice or stage channel to meet in (instead of a place)"]
    #[channel_types("Voice", "Stage")]
    channel: Option<serenity::ChannelId>,
    #[description = "A few words about it, e.g. Bring a mug"]
    #[max_length = 1000]
    description: Option<String>,
) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let guild_id = guild(ctx)?;
    let data = ctx.data();
    let events = Events::new(data.store.clone());
    let (admin, roles) = match ctx {
        poise::Context::Application(app) => app
            .interaction
            .member
            .as_ref()
            .map(|m| {
                (
                    m.permissions.is_some_and(|p| p.manage_guild()),
                    m.roles.iter().map(|r| RoleId::from(*r)).collect::<Vec<_>>(),
                )
            })
            .unwrap_or_default(),
        poise::Context::Prefix(_) => (false, Vec::new()),
    };
    if !events.may_host(guild_id, admin, &roles).await? {
        return private(
            ctx,
            "Creating events is for server admins and the role they choose for hosts (`/event role`). Ask an admin to add you to it, or to create the event for you.",
        )
        .await;
    }
    let now = data.clock.now();
    let request = EventRequest {
        title: &title,
        when: &when,
        duration: duration.as_deref(),
        place: place.as_deref(),
        in_channel: channel.is_some(),
        description: description.as_deref(),
    };
    let planned = match events.plan(guild_id, &request, now).await {
        Ok(planned) => planned,
        Err(EventError::Store(e)) => return Err(e.into()),
        Err(user_error) => return private(ctx, user_error.to_string()).await,
    };
    let http = ctx.http();
    let serenity_guild = serenity::GuildId::from(guild_id);
    let mut builder = serenity::CreateScheduledEvent::new(
        serenity::ScheduledEventType::External,
        planned.title.clone(),
        serenity::Timestamp::from(planned.starts_at),
    )
    .end_time(serenity::Timestamp::from(planned.ends_at));
    let where_ = match channel {
        Some(channel) => {
            let kind = match channel.to_channel(http).await {
                Ok(serenity::Channel::Guild(c)) if c.kind == serenity::ChannelType::Stage => {
                    serenity::ScheduledEventType::StageInstance
                }
                Ok(serenity::Channel::Guild(c)) if c.kind == serenity::ChannelType::Voice => {
                    serenity::ScheduledEventType::Voice
                }
                Ok(_) => {
                    return private(
                        ctx,
                        "Choose a voice or stage channel, or write a place instead.",
                    )
                    .await;
                }
                Err(error) => {
                    tracing::warn!(%error, "could not look the event's channel up");
                    return private(ctx, "I couldn't see that channel. Check I can view it (`/doctor`), or write a place instead.").await;
                }
            };
            builder = builder.kind(kind).channel_id(channel);
            format!("in <#{channel}>")
        }
        None => {
            let place = planned.place.clone().unwrap_or_default();
            builder = builder.location(place.clone());
            format!("at {}", render::safe_user_text(&place, 100))
        }
    };
    if let Some(description) = &planned.description {
        builder = builder.description(description.clone());
    }
    let made = match http
        .create_scheduled_event(serenity_guild, &builder, None)
        .await
    {
        Ok(made) => made,
        Err(error) => return private(ctx, creation_refused(&error)).await,
    };
    let event_id = EventId::from(made.id);
    events.record(&planned, event_id, now).await?;
    let url = event_url(guild_id, event_id);
    let (starts, ends) = (planned.starts_at.timestamp(), planned.ends_at.timestamp());
    let announcement = render::event_announcement(
        &planned.title,
        planned.description.as_deref(),
        &where_,
        &url,
        starts,
        ends,
    );
    let announced = serenity::ChannelId::from(planned.channel_id)
        .send_message(http, announcement)
        .await;
    let note = match announced {
        Ok(_) => format!(
            "I've announced it in <#{}>, and I'll remind everyone there an hour before and say thank you afterwards.",
            planned.channel_id
        ),
        Err(error) => {
            tracing::warn!(%error, "could not announce an event");
            format!(
                "I couldn't announce it in <#{}> (run `/doctor`), but the event is in Discord and I'll still remind and thank the channel.",
                planned.channel_id
            )
        }
    };
    private(
        ctx,
        format!(
            "Done: **{}** <t:{starts}:F>. {note}\n{url}",
            render::safe_user_text(&planned.title, 100)
        ),
    )
    .await
}

/// What to tell the host when Discord would not make the event.
fn creation_refused(error: &serenity::Error) -> String {
    if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) = error {
        match response.error.code {
            50013 | 50001 => {
                return "I can't create events here: my role needs the Create Events permission (Server Settings > Roles). Then try again; `/doctor` checks everything I need.".to_owned();
            }
            50035 => {
                return format!(
                    "Discord refused that event: {}. Check the time is still to come and the title and place are not too long.",
                    crate::echo::mention_free(&response.error.message, 200)
                );
            }
            _ => {}
        }
    }
    tracing::warn!(%error, "Discord did not create an event");
    "Discord didn't create the event just now. Please try again in a minute.".to_owned()
}

/// Choose the role whose members may create events (admins always can). Leave empty to clear.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn role(
    ctx: Context<'_>,
    #[description = "The hosts' role (leave empty so only admins create events)"] role: Option<
        serenity::RoleId,
    >,
) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let guild_id = guild(ctx)?;
    ctx.data()
        .store
        .set_event_host_role(guild_id, role.map(RoleId::from))
        .await?;
    let text = match role {
        Some(role) => format!(
            "Done: members with <@&{role}> can create events with `/event create`, as admins can."
        ),
        None => "Done: only admins can create events now.".to_owned(),
    };
    private(ctx, text).await
}
