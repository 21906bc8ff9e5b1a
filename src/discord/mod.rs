//! The Discord side: serenity + poise. Discord types stop here; everything else takes ids and
//! plain structs.

pub mod answer;
mod checkins;
mod commands;
pub mod component_id;
mod components;
pub mod delivery;
mod events;
pub mod fit;
pub mod gateway;
mod ids;
pub mod relay;
pub mod render;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::{Context as _, bail};
use poise::serenity_prelude as serenity;
use secrecy::ExposeSecret;

use crate::clock::Clock;
use crate::daily::DailyAdmin;
use crate::ideas::Ideas;
use crate::ops::Metrics;
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
    /// Private links to the impact page.
    pub impact_links: crate::impact::ImpactLinks,
    /// Where impact links begin (`None`: the page is turned off).
    pub web_base: Option<String>,
    /// Servers joined and left, written in batches.
    pub servers: crate::server_roll::ServerRoll,
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
        | serenity::GatewayIntents::DIRECT_MESSAGES
        | serenity::GatewayIntents::GUILD_SCHEDULED_EVENTS;
    if message_content {
        base | serenity::GatewayIntents::MESSAGE_CONTENT
    } else {
        base
    }
}

/// serenity's cache keeps nothing but the bot's own user. A copy of every server (channels,
/// roles, members) cost about 20 KB per server, most of a process's memory at 10,000 servers;
/// the bot records what it needs of a server in its database and asks Discord for the rest.
pub fn cache_settings() -> ::serenity::cache::Settings {
    let mut settings = ::serenity::cache::Settings::default();
    settings.cache_guilds = false;
    settings.cache_channels = false;
    settings.cache_users = false;
    settings.max_messages = 0;
    settings
}

/// Mentions that parse nothing: user text never pings anyone.
pub fn no_mentions() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
}

/// A connected-but-not-started client and a handle to stop it.
pub struct Bot {
    client: serenity::Client,
    /// The proxy path's relay (see [`relay`]); `None` on the production path.
    relay: Option<relay::Relay>,
    /// Where 429s are held: recorded by the relay on the proxy path, and from serenity's
    /// rate-limit events (global ones) on the production path.
    holds: Arc<relay::RateLimitHolds>,
    /// The gateway shards this process runs.
    plan: crate::shards::ShardPlan,
}

/// On the production path serenity waits out a global 429 only for the request that met it
/// (0.12.5 takes its global lock and lets go at once); this tells the outbound queue's pacer,
/// so the scheduled posts behind it wait too.
struct GlobalRateLimits(Arc<relay::RateLimitHolds>);

#[serenity::async_trait]
impl serenity::EventHandler for GlobalRateLimits {
    async fn ratelimit(&self, info: serenity::RatelimitInfo) {
        if info.global {
            self.0.hold("", info.timeout, true);
        }
    }
}

/// The HTTP client serenity uses: rustls as serenity's own, plus `discord.resolve` and
/// `discord.extra_root_ca` (how tests point the production path at the fake Discord).
fn http_client(settings: &crate::settings::DiscordSettings) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().use_rustls_tls();
    for (host, addr) in
        crate::settings::resolve_entries(&settings.resolve).map_err(anyhow::Error::msg)?
    {
        builder = builder.resolve(&host, addr);
    }
    if !settings.extra_root_ca.is_empty() {
        let pem = std::fs::read(&settings.extra_root_ca).with_context(|| {
            format!("reading discord.extra_root_ca ({})", settings.extra_root_ca)
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).with_context(|| {
            format!(
                "discord.extra_root_ca ({}) holds no PEM certificate",
                settings.extra_root_ca
            )
        })?;
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().context("building the HTTP client")
}

impl Bot {
    /// Builds the client. Production's path: serenity's own rate limiter, HTTPS to
    /// discord.com. With `discord.api_url` set (a shared rate-limit proxy), serenity's limiter
    /// is off and REST goes through the [`relay`], which honours 429s for it. Whenever the bot
    /// is pointed somewhere other than Discord itself (`api_url` or `resolve`), the gateway URL
    /// is fetched first: serenity would otherwise fall back to Discord's real gateway on
    /// failure, so that failure is fatal here.
    pub async fn build(state: Data) -> anyhow::Result<Bot> {
        let settings = state.settings.clone();
        let token = settings
            .token
            .as_ref()
            .context("DISCORD_TOKEN is not set")?
            .expose_secret()
            .to_owned();
        let client = http_client(&settings.discord)?;
        let mut http = serenity::HttpBuilder::new(&token)
            .default_allowed_mentions(no_mentions())
            .client(client.clone());
        let mut relay = None;
        let holds = Arc::new(relay::RateLimitHolds::default());
        if !settings.discord.api_url.is_empty() {
            // serenity ignores the proxy while its own rate limiter is on; the relay reads
            // the 429s that serenity would drop, and pacing is the outbound queue's.
            let started =
                relay::Relay::start(&settings.discord.api_url, client, holds.clone()).await?;
            http = http.proxy(started.url()).ratelimiter_disabled(true);
            relay = Some(started);
        }
        let http = http.build();
        let elsewhere = if !settings.discord.api_url.is_empty() {
            Some(format!("{} (discord.api_url)", settings.discord.api_url))
        } else if !settings.discord.resolve.is_empty() {
            Some(format!(
                "https://discord.com as discord.resolve has it ({})",
                settings.discord.resolve
            ))
        } else {
            None
        };
        // Also how the bot learns its shards: a failure here is fatal rather than left to
        // serenity, which would fall back to Discord's real gateway.
        let plan = match gateway::plan(&http, &settings.discord).await {
            Ok(plan) => plan,
            Err(error) => match elsewhere {
                Some(elsewhere) => bail!(
                    "cannot get the gateway URL from {elsewhere}: {}; check that the address \
                     is right and the service is running",
                    error.root_cause()
                ),
                None => return Err(error),
            },
        };
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
        .cache_settings(cache_settings())
        .framework(answer::InTime::new(framework, store, &settings.discord))
        .event_handler(GlobalRateLimits(holds.clone()))
        .await
        .context("building the Discord client")?;
        Ok(Bot {
            client,
            relay,
            holds,
            plan,
        })
    }

    /// Where requests are held after a 429, for the outbound queue's pacing.
    pub fn rate_limit_holds(&self) -> Arc<relay::RateLimitHolds> {
        self.holds.clone()
    }

    /// The REST client, shared with the scheduled-post delivery.
    pub fn http(&self) -> Arc<serenity::Http> {
        self.client.http.clone()
    }

    /// A handle that stops the bot from elsewhere.
    pub fn shard_manager(&self) -> Arc<serenity::ShardManager> {
        self.client.shard_manager.clone()
    }

    /// The gateway shards this process runs.
    pub fn shard_plan(&self) -> crate::shards::ShardPlan {
        self.plan
    }

    /// Connects this process's shards and runs until they stop, or until Discord refuses a
    /// shard as overloaded (4011), which no reconnecting can fix.
    pub async fn run(mut self) -> anyhow::Result<()> {
        // The relay lives as long as the client.
        let _relay = self.relay.take();
        let plan = self.plan;
        let manager = self.client.shard_manager.clone();
        // serenity's range is first..last with last *included* (it starts last - first + 1).
        let shards = self
            .client
            .start_shard_range(plan.first..plan.last, plan.total);
        tokio::select! {
            ended = shards => ended.context("Discord gateway"),
            () = gateway::sharding_required() => {
                manager.shutdown_all().await;
                bail!(crate::shards::sharding_required_advice(&plan))
            }
        }
    }
}
