//! Slash commands, one file per group, and the one error handler they share.

pub mod acts;
mod checkin;
mod daily;
mod doctor;
mod event;
mod help;
mod idea;
mod privacy;
mod recap;
mod wins;

use poise::serenity_prelude as serenity;

use super::answer::{self, Answer};
use super::{Context, Data, Error, no_mentions};
use crate::ids::{GuildId, MemberId};
use crate::ops::Metrics;

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
        event::event(),
    ]
}

/// A server command used in direct messages. `guild_only` commands never get this far, so
/// it is a safety net, answered with its sentence (never a panic, never "something went
/// wrong").
#[derive(Debug, thiserror::Error)]
#[error("This command works in a server, not in direct messages.")]
pub struct NotInServer;

/// The server a command was used in, or [`NotInServer`] in direct messages. Every command
/// that needs its server gets it here.
pub(super) fn guild(ctx: Context<'_>) -> Result<GuildId, NotInServer> {
    ctx.guild_id().map(GuildId::from).ok_or(NotInServer)
}

/// Suggests what to leave out (`avoid:` on `/idea` and `/daily options`) as you type: slash
/// commands have no multiple choice, so a combination is built up a need at a time
/// ("money, car").
pub(super) async fn autocomplete_avoid(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    crate::discord::fit::choices(
        crate::acts::Avoid::suggestions(partial)
            .iter()
            .map(|(name, value)| crate::discord::fit::choice(name, value.as_str())),
    )
}

/// The member who used a command.
pub(super) fn member(ctx: Context<'_>) -> MemberId {
    ctx.author().id.into()
}

/// Makes sure the server is recorded before its settings change: a command can in principle
/// arrive before the bot has finished handling the server's GUILD_CREATE.
pub(super) async fn ensure_server(ctx: Context<'_>) -> Result<(), Error> {
    let guild_id = guild(ctx)?;
    if ctx.data().store.server(guild_id).await?.is_none() {
        // Rare (the server's GUILD_CREATE is normally recorded first), so asked of Discord;
        // the GUILD_CREATE will fill the name in if this fails.
        let (name, owner) = ctx
            .partial_guild()
            .await
            .map(|g| (g.name, Some(MemberId::from(g.owner_id))))
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
    reply(ctx, poise::CreateReply::default().content(text)).await
}

/// Answers privately with an embed.
pub(super) async fn private_embed(
    ctx: Context<'_>,
    embed: serenity::CreateEmbed,
) -> Result<(), Error> {
    reply(ctx, poise::CreateReply::default().embed(embed)).await
}

/// Answers privately, in time and within Discord's limits (see [`Answer`]). Every command's
/// answer goes through here: every answer about a member is for their eyes only.
pub(super) async fn reply(ctx: Context<'_>, reply: poise::CreateReply) -> Result<(), Error> {
    send(ctx, reply, None).await
}

/// Answers privately with a file attached.
pub(super) async fn reply_with_file(
    ctx: Context<'_>,
    reply: poise::CreateReply,
    file: serenity::CreateAttachment,
) -> Result<(), Error> {
    send(ctx, reply, Some(file)).await
}

/// Answers for everyone in the channel, with a file attached. Call [`will_answer_publicly`]
/// first, once the command knows its answer will be public.
pub(super) async fn public_with_file(
    ctx: Context<'_>,
    reply: poise::CreateReply,
    file: serenity::CreateAttachment,
) -> Result<(), Error> {
    send_as(ctx, reply, Some(file), true).await
}

/// Tells the answer keeper that this command's answer will be public (see
/// [`Answer::will_be_public`]).
pub(super) fn will_answer_publicly(ctx: Context<'_>) {
    if let poise::Context::Application(app) = ctx {
        Answer::for_command(app.interaction).will_be_public();
    }
}

async fn send(
    ctx: Context<'_>,
    reply: poise::CreateReply,
    file: Option<serenity::CreateAttachment>,
) -> Result<(), Error> {
    send_as(ctx, reply, file, false).await
}

async fn send_as(
    ctx: Context<'_>,
    reply: poise::CreateReply,
    file: Option<serenity::CreateAttachment>,
    public: bool,
) -> Result<(), Error> {
    let reply = reply.ephemeral(!public).allowed_mentions(no_mentions());
    match ctx {
        poise::Context::Application(app) => {
            Answer::for_command(app.interaction)
                .send(ctx.http(), reply, file)
                .await?
        }
        poise::Context::Prefix(_) => {
            ctx.send(file.into_iter().fold(reply, |r, f| r.attachment(f)))
                .await?;
        }
    }
    Ok(())
}

/// A text option longer than the command allows: refused before the command runs, so no
/// command has to cope with 6,000 characters where it expects "09:00". The limit is the one
/// registered with Discord (whose own app enforces it too); this catches older or hand-made
/// clients.
#[derive(Debug, thiserror::Error)]
#[error(
    "That `{option}` is {length} characters long, but it takes at most {max}, so I haven't \
     done anything with it. What it takes: {takes}"
)]
pub struct InputTooLong {
    option: String,
    length: usize,
    max: usize,
    takes: String,
}

/// The framework's check before every command: text options within their registered length.
pub async fn input_fits(ctx: Context<'_>) -> Result<bool, Error> {
    let poise::Context::Application(app) = ctx else {
        return Ok(true);
    };
    for option in app.args {
        // Autocomplete's partial input is cut by the suggestions themselves.
        let serenity::ResolvedValue::String(value) = option.value else {
            continue;
        };
        let Some(parameter) = app
            .command()
            .parameters
            .iter()
            .find(|p| p.name == option.name)
        else {
            continue;
        };
        let (length, max) = (value.chars().count(), registered_max_length(parameter));
        if length > max {
            return Err(InputTooLong {
                option: option.name.to_owned(),
                length,
                max,
                takes: parameter.description.as_deref().unwrap_or("").to_owned(),
            }
            .into());
        }
    }
    Ok(true)
}

/// Discord's own ceiling for a text option.
const TEXT_OPTION_MAX: usize = 6_000;

/// The `max_length` a parameter is registered with (poise keeps it only in the builder).
pub fn registered_max_length(parameter: &poise::CommandParameter<Data, Error>) -> usize {
    parameter
        .create_as_slash_command_option()
        .and_then(|option| serde_json::to_value(option).ok())
        .and_then(|option| option["max_length"].as_u64())
        .map_or(TEXT_OPTION_MAX, |max| max as usize)
}

/// Tells the member, privately, what went wrong and what to do; logs the whole cause chain.
/// Only failures on the operator's side say "something went wrong on my side".
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    let Some(ctx) = error.ctx() else {
        // Set-up, event handler and message errors: nothing to answer, only to log. An
        // unknown command or subcommand is answered by `InTime`, which sees it unanswered.
        if let Err(e) = poise::builtins::on_error(error).await {
            tracing::error!(error = %e, "while handling an error");
        }
        return;
    };
    if let poise::Context::Application(app) = ctx
        && app.interaction_type == poise::CommandInteractionType::Autocomplete
    {
        // A suggestion list can't carry a sentence: offer none.
        tracing::warn!(command = %ctx.command().qualified_name, error = %error, "autocomplete refused");
        let none = serenity::CreateInteractionResponse::Autocomplete(
            serenity::CreateAutocompleteResponse::new(),
        );
        let _ = app.interaction.create_response(ctx.http(), none).await;
        return;
    }
    let command = ctx.command().qualified_name.to_string();
    let message = match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command, error = format!("{error:#}"), "command failed");
            let typed = match ctx {
                poise::Context::Application(app) => answer::typed_in_command(app.interaction),
                poise::Context::Prefix(_) => None,
            };
            user_message(&error, typed.as_deref())
        }
        poise::FrameworkError::ArgumentParse { error, input, .. } => {
            let shown = input
                .map(|i| format!(" {}", crate::echo::quote(&i)))
                .unwrap_or_default();
            format!(
                "I couldn't read that{shown}: {}. Pick from what Discord offers as you type, \
                 e.g. `/idea size: Smallest`; `/help` shows what each option takes.",
                crate::echo::mention_free(&error.to_string(), 200)
            )
        }
        poise::FrameworkError::CommandStructureMismatch { description, .. } => {
            // Usually a client showing an older version of the command's options.
            tracing::warn!(
                command,
                description,
                "command did not match its registration"
            );
            "I didn't recognise one of those options: your Discord app may be showing an older \
             version of this command. Pick from the list it offers (restart Discord if the list \
             looks out of date). `/help` shows what each option takes."
                .to_owned()
        }
        poise::FrameworkError::SubcommandRequired { .. } => answer::COMMAND_CHANGED.to_owned(),
        poise::FrameworkError::CommandCheckFailed {
            error: Some(error), ..
        } => match error.downcast_ref::<InputTooLong>() {
            Some(too_long) => too_long.to_string(),
            None => {
                tracing::error!(
                    command,
                    error = format!("{error:#}"),
                    "command check failed"
                );
                user_message(&error, None)
            }
        },
        poise::FrameworkError::MissingUserPermissions {
            missing_permissions,
            ..
        } => {
            let needs = missing_permissions
                .map(|p| p.get_permission_names().join(", "))
                .unwrap_or_else(|| "a permission".into());
            format!(
                "`/{command}` is for server admins: it needs {needs}. Ask someone with it to run it."
            )
        }
        poise::FrameworkError::MissingBotPermissions {
            missing_permissions,
            ..
        } => format!(
            "I can't do that here: I'm missing {}. An admin can give my role that in the \
             channel's settings; `/doctor` checks everything I need.",
            missing_permissions.get_permission_names().join(", ")
        ),
        poise::FrameworkError::GuildOnly { .. } => {
            format!("`/{command}` works in a server, not in direct messages.")
        }
        poise::FrameworkError::CooldownHit {
            remaining_cooldown, ..
        } => format!(
            "Easy does it: try again in {} seconds.",
            remaining_cooldown.as_secs().max(1)
        ),
        poise::FrameworkError::CommandPanic { payload, .. } => {
            tracing::error!(command, payload, "command panicked");
            user_message(&anyhow::anyhow!("panic"), None)
        }
        poise::FrameworkError::PermissionFetchFailed { .. } => {
            "I couldn't check your permissions with Discord just now. Please try again in a minute."
                .to_owned()
        }
        other => {
            tracing::error!(command, error = %other, "command refused");
            format!("`/{command}` can't be used here.")
        }
    };
    Metrics::incr(&ctx.data().metrics.command_errors);
    if let Err(e) = reply(ctx, poise::CreateReply::default().content(message)).await {
        tracing::error!(error = %e, "could not tell the user about an error");
    }
}

/// The sentence a member sees for an unexpected error: never internals, always a next step.
/// When the database couldn't be reached, what they typed is given back to copy.
pub fn user_message(error: &Error, typed: Option<&str>) -> String {
    if let Some(not_in_server) = error.downcast_ref::<NotInServer>() {
        return not_in_server.to_string();
    }
    if answer::is_database_trouble(error) {
        return answer::database_down(typed);
    }
    if let Some(serenity::Error::Http(_)) = error.downcast_ref() {
        return "Discord didn't accept my answer just now. Please try again in a moment.".into();
    }
    "Sorry, something went wrong on my side. Please try again in a minute; if it keeps happening, \
     let a server admin know (the details are in the bot's log)."
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text option is registered with a length Discord's app enforces and this bot checks
    /// again, and describes what it takes with an example: the sentence `InputTooLong` shows.
    #[test]
    fn every_text_option_has_a_limit_and_an_example() {
        fn visit(
            command: &poise::Command<Data, Error>,
            path: &str,
            problems: &mut Vec<String>,
            checked: &mut usize,
        ) {
            let path = format!("{path} {}", command.name);
            for sub in &command.subcommands {
                visit(sub, &path, problems, checked);
            }
            for parameter in &command.parameters {
                let option = parameter
                    .create_as_slash_command_option()
                    .map(|o| serde_json::to_value(o).unwrap());
                let Some(option) = option.filter(|o| o["type"] == 3) else {
                    continue;
                };
                *checked += 1;
                let description = parameter.description.as_deref().unwrap_or("");
                if description.chars().count() > 100 {
                    problems.push(format!("{path} {}: description over 100", parameter.name));
                }
                if !description.contains("e.g.") {
                    problems.push(format!("{path} {}: no example", parameter.name));
                }
                // A member's own words (a win) may use all Discord allows.
                let free = path.ends_with(" win") && parameter.name == "text";
                if option["max_length"].is_null() && !free {
                    problems.push(format!("{path} {}: no max_length", parameter.name));
                }
            }
        }
        let (mut problems, mut checked) = (Vec::new(), 0);
        for command in all() {
            visit(&command, "", &mut problems, &mut checked);
        }
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(checked >= 20, "only {checked} text options found");
    }

    #[test]
    fn only_failures_on_our_side_say_so() {
        let database = anyhow::Error::from(crate::store::StoreError::NoConnection(
            sqlx::Error::PoolTimedOut,
        ));
        let said = user_message(&database, Some("Made tea for the night shift"));
        assert!(said.contains("nothing was saved"), "{said}");
        assert!(said.contains("Made tea for the night shift"), "{said}");
        assert!(!said.contains("on my side"), "{said}");
        let bug = anyhow::anyhow!("index out of range");
        assert!(user_message(&bug, None).contains("on my side"));
    }

    #[test]
    fn a_server_command_in_direct_messages_says_so() {
        let error = anyhow::Error::from(NotInServer);
        assert_eq!(
            user_message(&error, None),
            "This command works in a server, not in direct messages."
        );
    }
}
