//! `/help` and `/about`.

use poise::serenity_prelude as serenity;

use super::private_embed;
use crate::discord::{Context, Error};

/// See every command and what it does.
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let mut lines = Vec::new();
    for command in &ctx.framework().options().commands {
        push_command(&mut lines, command, "");
    }
    let embed = serenity::CreateEmbed::new()
        .title("smallacts: small acts of connection")
        .description(lines.join("\n"))
        .field(
            "Acts without barriers",
            "Some acts need money, alcohol, a car, getting about (mobility) or an outgoing \
             manner. `/idea avoid:` leaves them out of your ideas and their buttons in this \
             server (kept until you change it; `/privacy show` lists it); admins use \
             `/daily options avoid:` for the daily post and Loneliness Awareness Week. Type \
             several separated by commas, e.g. `money, car`, or pick from the list as you \
             type; `none` offers every act again.",
            false,
        )
        .footer(serenity::CreateEmbedFooter::new(
            "Start with /idea. Nothing you do here pings anyone.",
        ));
    private_embed(ctx, embed).await
}

fn push_command(
    lines: &mut Vec<String>,
    command: &poise::Command<crate::discord::Data, Error>,
    prefix: &str,
) {
    let name = format!("{prefix}{}", command.name);
    if command.subcommands.is_empty() {
        let admin = if command.required_permissions.is_empty() {
            ""
        } else {
            " (admins)"
        };
        lines.push(format!(
            "`/{name}`{admin}: {}",
            command.description.as_deref().unwrap_or("")
        ));
    } else {
        for sub in &command.subcommands {
            push_command(lines, sub, &format!("{name} "));
        }
    }
}

/// What this bot is, its version, and where its privacy notice lives.
#[poise::command(slash_command)]
pub async fn about(ctx: Context<'_>) -> Result<(), Error> {
    let embed = serenity::CreateEmbed::new()
        .title(format!("smallacts {}", env!("CARGO_PKG_VERSION")))
        .description(
            "A bot for small acts of connection: one small, kind, doable act a day, \
             graded smallest, smaller and small so anyone can start where they are. \
             Made for care teams, workplaces and community groups, and for \
             Loneliness Awareness Week every June (#RandomActsofConnection).",
        )
        .field(
            "Privacy",
            "What the bot keeps, why and for how long is in PRIVACY.md, published with the bot. \
             `/privacy` shows, exports or erases what it keeps about you. \
             It never needs to read your messages to work.",
            false,
        )
        .field(
            "Get started",
            "`/idea` for an act to try, `/help` for every command.",
            false,
        );
    private_embed(ctx, embed).await
}
