//! Gateway events other than commands: servers joining and leaving, connection state, and
//! button clicks.

use std::sync::atomic::Ordering;

use poise::serenity_prelude as serenity;

use super::answer::Answer;
use super::{Data, Error, components};
use crate::store::ServerChange;
use crate::wins::{Recorded, Reply};

pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let data = framework.user_data;
    let ctx = framework.serenity_context;
    match event {
        serenity::FullEvent::GuildCreate { guild, .. } => {
            data.servers.record(ServerChange::Joined {
                guild_id: guild.id.into(),
                name: guild.name.clone(),
                owner_id: Some(guild.owner_id.into()),
            });
        }
        serenity::FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            data.servers.record(ServerChange::Left {
                guild_id: incomplete.id.into(),
            });
        }
        serenity::FullEvent::Resume { .. } => {
            data.metrics
                .gateway_connected
                .store(true, Ordering::Relaxed);
            tracing::info!("gateway session resumed");
        }
        serenity::FullEvent::Ready { .. } => {
            data.metrics
                .gateway_connected
                .store(true, Ordering::Relaxed);
        }
        serenity::FullEvent::ShardStageUpdate { event } => {
            let connected = event.new == serenity::ConnectionStage::Connected;
            data.metrics
                .gateway_connected
                .store(connected, Ordering::Relaxed);
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(component),
        } => {
            if let Err(error) = components::route_button(ctx, data, component).await {
                // Only the button's kind: a pulse button's id carries the answer.
                let kind = component
                    .data
                    .custom_id
                    .split(':')
                    .next()
                    .unwrap_or_default();
                tracing::error!(button = kind, error = format!("{error:#}"), "button failed");
                let sentence = super::commands::user_message(&error, None);
                if let Err(error) = Answer::for_button(component)
                    .say(&ctx.http, &sentence)
                    .await
                {
                    tracing::error!(%error, "could not tell a member their button failed");
                }
            }
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(modal),
        } => {
            if let Err(error) = components::route_form(ctx, data, modal).await {
                tracing::error!(custom_id = %modal.data.custom_id, error = format!("{error:#}"), "form failed");
                let typed = super::answer::typed_in_form(modal);
                let sentence = super::commands::user_message(&error, typed.as_deref());
                if let Err(error) = Answer::for_form(modal).say(&ctx.http, &sentence).await {
                    tracing::error!(%error, "could not tell a member their form failed");
                }
            }
        }
        serenity::FullEvent::Message { new_message }
            if new_message.author.id == ctx.cache.current_user().id =>
        {
            confirm_own_message(data, new_message).await;
            seen(data, Ok(()))?
        }
        serenity::FullEvent::Message { new_message } => {
            if let Some(guild_id) = new_message.guild_id
                && !new_message.author.bot
            {
                // For the gone-quiet nudge: only updates members in buddy pairing. A failure
                // here must not stop the reply being collected as a win.
                if let Err(error) = data
                    .checkins
                    .seen(guild_id.into(), new_message.author.id.into())
                    .await
                {
                    tracing::warn!(error = %error, "could not note a buddy as seen");
                }
            }
            seen(data, collect_reply(ctx, data, new_message).await)?
        }
        serenity::FullEvent::MessageUpdate { event, .. } => {
            // Without the MESSAGE_CONTENT intent an edit arrives without its words: keep the win.
            let edited = match &event.content {
                Some(content) if data.settings.discord.message_content_intent => data
                    .wins
                    .edited(event.id.into(), Some(content))
                    .await
                    .map(|_| ()),
                _ => Ok(()),
            };
            seen(data, edited.map_err(Error::from))?;
        }
        serenity::FullEvent::GuildScheduledEventUserAdd { subscribed } => {
            refresh_interest(
                ctx,
                data,
                subscribed.guild_id,
                subscribed.scheduled_event_id,
            )
            .await;
        }
        serenity::FullEvent::GuildScheduledEventUserRemove { unsubscribed } => {
            refresh_interest(
                ctx,
                data,
                unsubscribed.guild_id,
                unsubscribed.scheduled_event_id,
            )
            .await;
        }
        serenity::FullEvent::GuildScheduledEventUpdate { event } => {
            let cancelled = event.status == serenity::ScheduledEventStatus::Canceled;
            follow_event_edit(data, event, cancelled).await;
        }
        serenity::FullEvent::GuildScheduledEventDelete { event } => {
            follow_event_edit(data, event, true).await;
        }
        serenity::FullEvent::MessageDelete {
            deleted_message_id, ..
        } => {
            let deleted = data
                .wins
                .deleted((*deleted_message_id).into())
                .await
                .map(|_| ());
            seen(data, deleted.map_err(Error::from))?;
        }
        _ => {}
    }
    Ok(())
}

/// The bot's own message came back over the gateway: if it carries a scheduled post's nonce,
/// that post went out, whatever its REST answer said (a 5xx "ghost" is recorded as sent and
/// never sent again). Nothing else is done with the bot's own messages.
async fn confirm_own_message(data: &Data, message: &serenity::Message) {
    let Some(serenity::Nonce::String(nonce)) = &message.nonce else {
        return;
    };
    match crate::jobs::confirm_delivery(&data.store, nonce, message.id.into(), data.clock.now_ms())
        .await
    {
        Ok(true) => {
            crate::ops::Metrics::incr(&data.metrics.lost_answers_confirmed);
            tracing::info!(
                nonce = %nonce,
                message = message.id.get(),
                "a post's REST answer was lost; its own MESSAGE_CREATE confirmed it was sent"
            );
        }
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(error = %error, "could not record a delivery seen on the gateway")
        }
    }
}

/// Counts a handled message event (created, edited or deleted) whatever the outcome, so
/// operators and tests can tell the bot has dealt with it.
fn seen(data: &Data, outcome: Result<(), Error>) -> Result<(), Error> {
    crate::ops::Metrics::incr(&data.metrics.messages_seen);
    outcome
}

/// A member's reply in the day's thread, or to the day's post, becomes a win (if they
/// collect). The bot acknowledges it with a reaction; without the MESSAGE_CONTENT intent it
/// says instead that words can be added through the button.
async fn collect_reply(
    ctx: &serenity::Context,
    data: &Data,
    message: &serenity::Message,
) -> Result<(), Error> {
    let Some(guild_id) = message.guild_id else {
        return Ok(());
    };
    if message.author.bot || message.author.system {
        return Ok(());
    }

    let referenced = message
        .message_reference
        .as_ref()
        .and_then(|r| r.message_id)
        .map(crate::ids::MessageId::from);
    let text = Some(message.content.as_str()).filter(|t| !t.trim().is_empty());
    let recorded = data
        .wins
        .from_reply(Reply {
            guild_id: guild_id.into(),
            member_id: message.author.id.into(),
            channel_id: message.channel_id.into(),
            message_id: message.id.into(),
            replying_to: referenced,
            text,
        })
        .await?;
    if let Some(recorded) = &recorded {
        data.metrics.count_win(recorded);
    }
    if !matches!(recorded, Some(Recorded::Stored(_))) {
        return Ok(());
    }
    if text.is_none() && !data.settings.discord.message_content_intent {
        let reply = serenity::CreateMessage::new()
            .content(super::render::COUNTED_WITHOUT_WORDS)
            .reference_message(message)
            .allowed_mentions(super::no_mentions().replied_user(false));
        message.channel_id.send_message(&ctx.http, reply).await?;
    } else if let Some(emoji) =
        Some(data.settings.privacy.acknowledge_emoji.as_str()).filter(|e| !e.is_empty())
    {
        message
            .react(&ctx.http, serenity::ReactionType::Unicode(emoji.to_owned()))
            .await?;
    }
    Ok(())
}

/// Someone marked themselves interested in an event, or stopped: the count is asked of
/// Discord (`with_user_count`) rather than added up here, so a change missed while the bot was
/// away is put right by the next one. Who it was is never kept.
async fn refresh_interest(
    ctx: &serenity::Context,
    data: &Data,
    guild_id: serenity::GuildId,
    event_id: serenity::ScheduledEventId,
) {
    let ours = crate::ids::EventId::from(event_id);
    match data.store.event(ours).await {
        Ok(Some(_)) => {}
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(error = %error, "could not look an event up");
            return;
        }
    }
    // Serenity handles events concurrently: one at a time here, so the last count written is
    // from the last question asked, which saw every change that led to a question.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    let count = match ctx.http.get_scheduled_event(guild_id, event_id, true).await {
        Ok(event) => event.user_count.unwrap_or(0),
        Err(error) => {
            tracing::warn!(error = %error, "could not ask Discord how many are interested");
            return;
        }
    };
    if let Err(error) = data
        .store
        .set_event_interest(ours, i64::try_from(count).unwrap_or(i64::MAX))
        .await
    {
        tracing::warn!(error = %error, "could not record how many are interested");
    }
}

/// An admin edited or cancelled an event in Discord: the reminder and thank-you follow.
async fn follow_event_edit(data: &Data, event: &serenity::ScheduledEvent, deleted: bool) {
    let ours = crate::ids::EventId::from(event.id);
    let start = event.start_time.unix_timestamp() * 1000;
    let end = event
        .end_time
        .map_or(start + crate::events::DEFAULT_MINUTES * 60_000, |t| {
            t.unix_timestamp() * 1000
        });
    let change = crate::store::EventChange {
        title: &event.name,
        starts_at: start,
        ends_at: end,
        cancelled: deleted,
    };
    if let Err(error) = data
        .store
        .change_event(ours, &change, data.clock.now_ms())
        .await
    {
        tracing::warn!(error = %error, "could not follow an edited event");
    }
}
