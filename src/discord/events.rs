//! Gateway events other than commands: servers joining and leaving, connection state, and
//! button clicks.

use std::sync::atomic::Ordering;

use poise::serenity_prelude as serenity;

use super::{Data, Error, components};
use crate::store::snowflake_to_db;

pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let data = framework.user_data;
    let ctx = framework.serenity_context;
    match event {
        serenity::FullEvent::GuildCreate { guild, .. } => {
            let now = data.clock.now_ms();
            data.store
                .upsert_server(
                    snowflake_to_db(guild.id.get()),
                    &guild.name,
                    Some(snowflake_to_db(guild.owner_id.get())),
                    &data.settings.schedule.default_timezone,
                    now,
                )
                .await?;
            refresh_server_count(data).await;
            tracing::info!(guild = %guild.id, name = %guild.name, "in server");
        }
        serenity::FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            data.store
                .mark_server_left(snowflake_to_db(incomplete.id.get()), data.clock.now_ms())
                .await?;
            refresh_server_count(data).await;
            tracing::info!(guild = %incomplete.id, "left server");
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
            let handled = match super::commands::acts::handle_review(ctx, data, component).await {
                Ok(true) => Ok(()),
                Ok(false) => components::handle(ctx, data, component).await,
                Err(error) => Err(error),
            };
            if let Err(error) = handled {
                tracing::error!(custom_id = %component.data.custom_id, error = format!("{error:#}"), "button failed");
                let reply = serenity::CreateInteractionResponse::Message(super::render::notice(
                    "Sorry, that button didn't work just now. Please try again, or run the command again.",
                ));
                let _ = component.create_response(&ctx.http, reply).await;
            }
        }
        _ => {}
    }
    Ok(())
}

async fn refresh_server_count(data: &Data) {
    if let Ok(count) = data.store.active_server_count().await {
        data.metrics.servers.store(count as u64, Ordering::Relaxed);
    }
}
