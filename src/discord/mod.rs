//! The Discord side: serenity + poise. Discord types stop here; everything else takes ids and
//! plain structs.

pub mod answer;
mod checkins;
mod commands;
mod components;
pub mod delivery;
mod events;
pub mod fit;
pub mod render;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::{Context as _, bail};
use poise::serenity_prelude as serenity;
use secrecy::ExposeSecret;

use crate::clock::Clock;
use crate::ideas::Ideas;
use crate::ops::Metrics;
use crate::schedule::DailyAdmin;
use crate::settings::Settings;
use crate::store::Store;
use crate::wins::Wins;

/// What every command and event handler shares.
pub struct BotState {
    pub store: Store,
    pub ideas: Ideas,
    pub wins: Wins,
    pub daily: DailyAdmin,
    pub checkins: Arc<crate::checkins::Checkins>,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
}

pub type Data = Arc<BotState>;
pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// The gateway intents: the non-privileged ones the bot uses, plus MESSAGE_CONTENT only when
/// configuration asks for it.
pub fn intents(message_content: bool) -> serenity::GatewayIntents {
    let base = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::GUILD_MESSAGE_REACTIONS
        | serenity::GatewayIntents::DIRECT_MESSAGES;
    if message_content {
        base | serenity::GatewayIntents::MESSAGE_CONTENT
    } else {
        base
    }
}

/// Mentions that parse nothing: user text never pings anyone.
pub fn no_mentions() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
}

/// A connected-but-not-started client and a handle to stop it.
pub struct Bot {
    client: serenity::Client,
}

impl Bot {
    /// Builds the client. When `discord.api_url` is set, REST goes there and the gateway URL
    /// is fetched from it first: serenity would otherwise fall back to Discord's real gateway
    /// on failure, so that failure is fatal here.
    pub async fn build(state: Data) -> anyhow::Result<Bot> {
        let settings = state.settings.clone();
        let token = settings
            .token
            .as_ref()
            .context("DISCORD_TOKEN is not set")?
            .expose_secret()
            .to_owned();
        let mut http = serenity::HttpBuilder::new(&token).default_allowed_mentions(no_mentions());
        if !settings.discord.api_url.is_empty() {
            // serenity ignores the proxy while its own rate limiter is on; pacing and 429s are
            // handled by the outbound queue instead.
            http = http
                .proxy(settings.discord.api_url.trim_end_matches('/'))
                .ratelimiter_disabled(true);
        }
        let http = http.build();
        if !settings.discord.api_url.is_empty() {
            match http.get_gateway().await {
                Ok(gateway) => tracing::info!(url = %gateway.url, "gateway found"),
                Err(error) => bail!(
                    "cannot get the gateway URL from {} (discord.api_url): {error}; check that \
                     the address is right and the service is running",
                    settings.discord.api_url
                ),
            }
        }
        let store = state.store.clone();
        let framework = poise::Framework::builder()
            .options(poise::FrameworkOptions {
                commands: commands::all(),
                on_error: |error| Box::pin(commands::on_error(error)),
                command_check: Some(|ctx| Box::pin(commands::input_fits(ctx))),
                pre_command: |ctx| {
                    Box::pin(async move {
                        Metrics::incr(&ctx.data().metrics.commands);
                    })
                },
                event_handler: |framework, event| Box::pin(events::handle(framework, event)),
                allowed_mentions: Some(no_mentions()),
                ..Default::default()
            })
            .setup(move |ctx, ready, framework| {
                Box::pin(async move {
                    tracing::info!(bot = %ready.user.name, servers = ready.guilds.len(), "connected to Discord");
                    poise::builtins::register_globally(ctx, &framework.options().commands)
                        .await
                        .context("registering slash commands")?;
                    tracing::info!(commands = framework.options().commands.len(), "slash commands registered");
                    state.metrics.gateway_connected.store(true, Ordering::Relaxed);
                    Ok(state)
                })
            })
            .build();
        let client = serenity::ClientBuilder::new_with_http(
            http,
            intents(settings.discord.message_content_intent),
        )
        .framework(answer::InTime::new(framework, store, &settings.discord))
        .await
        .context("building the Discord client")?;
        Ok(Bot { client })
    }

    /// The REST client, shared with the scheduled-post delivery.
    pub fn http(&self) -> Arc<serenity::Http> {
        self.client.http.clone()
    }

    /// A handle that stops the bot from elsewhere.
    pub fn shard_manager(&self) -> Arc<serenity::ShardManager> {
        self.client.shard_manager.clone()
    }

    /// Connects and runs until the shards stop.
    pub async fn run(mut self) -> anyhow::Result<()> {
        self.client.start().await.context("Discord gateway")
    }
}
