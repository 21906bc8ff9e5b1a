//! Slash commands, one file per group, and the one error handler they share.

pub mod acts;
mod checkin;
mod daily;
mod doctor;
mod help;
mod idea;
mod privacy;
mod recap;
mod wins;

use poise::serenity_prelude as serenity;

use super::{Context, Data, Error, no_mentions};
use crate::ops::Metrics;
use crate::store::snowflake_to_db;

/// Every command the bot registers.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        idea::idea(),
        acts::suggest(),
        wins::win(),
        wins::wins(),
        privacy::privacy(),
        help::help(),
        help::about(),
        daily::daily(),
        daily::settings(),
        acts::acts(),
        recap::recap(),
        recap::export(),
        checkin::checkin(),
        checkin::support(),
        checkin::buddy(),
        checkin::shift(),
        doctor::doctor(),
    ]
}

/// Makes sure the server is recorded before its settings change: a command can in principle
/// arrive before the bot has finished handling the server's GUILD_CREATE.
pub(super) async fn ensure_server(ctx: Context<'_>) -> Result<(), Error> {
    let guild_id = ctx
        .guild_id()
        .map(|g| snowflake_to_db(g.get()))
        .ok_or_else(|| anyhow::anyhow!("a server command ran outside a server"))?;
    if ctx.data().store.server(guild_id).await?.is_none() {
        let (name, owner) = ctx
            .guild()
            .map(|g| (g.name.clone(), Some(snowflake_to_db(g.owner_id.get()))))
            .unwrap_or_default();
        let data = ctx.data();
        data.store
            .upsert_server(
                guild_id,
                &name,
                owner,
                &data.settings.schedule.default_timezone,
                data.clock.now_ms(),
            )
            .await?;
    }
    Ok(())
}

/// Answers privately (ephemerally) with text.
pub(super) async fn private(ctx: Context<'_>, text: impl Into<String>) -> Result<(), Error> {
    send_private(ctx, poise::CreateReply::default().content(text)).await
}

/// Answers privately with an embed.
pub(super) async fn private_embed(
    ctx: Context<'_>,
    embed: serenity::CreateEmbed,
) -> Result<(), Error> {
    send_private(ctx, poise::CreateReply::default().embed(embed)).await
}

async fn send_private(ctx: Context<'_>, reply: poise::CreateReply) -> Result<(), Error> {
    ctx.send(reply.ephemeral(true).allowed_mentions(no_mentions()))
        .await?;
    Ok(())
}

/// Tells the user, privately, what went wrong and what to do; logs the whole cause chain.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    let (ctx, message) = match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, error = format!("{error:#}"), "command failed");
            (ctx, user_message(&error))
        }
        poise::FrameworkError::ArgumentParse {
            error, input, ctx, ..
        } => {
            let shown = input
                .map(|i| format!(" `{}`", super::render::truncate(&i, 100)))
                .unwrap_or_default();
            (
                ctx,
                format!(
                    "I couldn't read that{shown}: {error}. `/help` shows what each option takes."
                ),
            )
        }
        poise::FrameworkError::CommandStructureMismatch {
            description, ctx, ..
        } => {
            // Usually a client showing an older version of the command's options.
            tracing::warn!(command = %ctx.command().qualified_name, description, "command did not match its registration");
            (
                poise::Context::Application(ctx),
                "I didn't recognise one of those options: your Discord app may be showing an older \
                 version of this command. Pick from the list it offers (restart Discord if the list \
                 looks out of date). `/help` shows what each option takes."
                    .to_owned(),
            )
        }
        poise::FrameworkError::MissingUserPermissions {
            missing_permissions,
            ctx,
            ..
        } => {
            let needs = missing_permissions
                .map(|p| p.get_permission_names().join(", "))
                .unwrap_or_else(|| "a permission".into());
            (
                ctx,
                format!(
                    "`/{}` is for server admins: it needs {needs}. Ask someone with it to run it.",
                    ctx.command().qualified_name
                ),
            )
        }
        poise::FrameworkError::GuildOnly { ctx, .. } => (
            ctx,
            format!(
                "`/{}` works in a server, not in direct messages.",
                ctx.command().qualified_name
            ),
        ),
        poise::FrameworkError::CooldownHit {
            remaining_cooldown,
            ctx,
            ..
        } => (
            ctx,
            format!(
                "Easy does it: try again in {} seconds.",
                remaining_cooldown.as_secs().max(1)
            ),
        ),
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = %e, "while handling an error");
            }
            return;
        }
    };
    Metrics::incr(&ctx.data().metrics.command_errors);
    let reply = poise::CreateReply::default()
        .content(message)
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    if let Err(e) = ctx.send(reply).await {
        tracing::error!(error = %e, "could not tell the user about an error");
    }
}

/// The sentence a user sees for an unexpected error: never internals, always a next step.
fn user_message(error: &Error) -> String {
    if let Some(crate::store::StoreError::Busy(_)) = error.downcast_ref() {
        return "The bot's database is busy right now. Please try again in a few seconds.".into();
    }
    if let Some(serenity::Error::Http(_)) = error.downcast_ref() {
        return "Discord didn't accept my answer just now. Please try again in a moment.".into();
    }
    "Sorry, something went wrong on my side. Please try again in a minute; if it keeps happening, \
     let a server admin know (the details are in the bot's log)."
        .into()
}
