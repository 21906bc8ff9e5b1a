//! The real application against the fake Discord (the `fake-discord` crate), set up in one
//! place for `smallacts demo`, the end-to-end tests and the benchmarks: the settings that point
//! the bot at the fake on either of its HTTP paths, and [`BotAgainstFake`], the running bot
//! with a clock its owner moves and a scheduler its owner ticks.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use fake_discord::{DISCORD_HOST, Sandbox};

use crate::clock::ManualClock;
use crate::jobs::TickReport;
use crate::settings::{DatabaseUrl, Settings};
use crate::startup::{Application, Running, StopReport};

/// Which of the bot's two HTTP paths to Discord to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpPath {
    /// Production's: no `discord.api_url`, serenity's own rate limiter on, HTTPS to
    /// `discord.com`, which `discord.resolve` and `discord.extra_root_ca` point at the fake.
    #[default]
    Production,
    /// An operator's shared rate-limit proxy: `discord.api_url` set, serenity's limiter off,
    /// plain HTTP to the fake.
    Proxy,
}

/// Points the bot's settings at `fake` on `path` (and gives it the fake's token).
pub fn point_at(fake: &Sandbox, settings: &mut Settings, path: HttpPath) {
    settings.token = Some(secrecy::SecretString::from(fake.token()));
    match path {
        HttpPath::Production => {
            settings.discord.api_url = String::new();
            settings.discord.resolve = format!("{DISCORD_HOST}={}", fake.discord_addr());
            settings.discord.extra_root_ca = fake.ca_pem_path().display().to_string();
        }
        HttpPath::Proxy => {
            settings.discord.api_url = fake.api_url();
            settings.discord.resolve = String::new();
            settings.discord.extra_root_ca = String::new();
        }
    }
}

/// The `discord.*` settings that point the bot at `fake` on `path`, as (key, value) pairs of
/// environment variables (for a bot in another process).
pub fn bot_env(fake: &Sandbox, path: HttpPath) -> Vec<(String, String)> {
    match path {
        HttpPath::Production => vec![
            (
                "SMALLACTS__DISCORD__RESOLVE".into(),
                format!("{DISCORD_HOST}={}", fake.discord_addr()),
            ),
            (
                "SMALLACTS__DISCORD__EXTRA_ROOT_CA".into(),
                fake.ca_pem_path().display().to_string(),
            ),
        ],
        HttpPath::Proxy => vec![("DISCORD_API_URL".into(), fake.api_url())],
    }
}

/// The defaults, pointed at `fake` on `path`, with the database at `database_url`, no operator
/// endpoint, and a scheduler that does not run by itself (`schedule.tick_seconds = 0`): the
/// owner of the bot ticks it with its own clock.
pub fn settings(fake: &Sandbox, path: HttpPath, database_url: String) -> Settings {
    let mut settings = Settings::defaults();
    settings.database.url = DatabaseUrl::new(database_url);
    point_at(fake, &mut settings, path);
    settings.http.listen = String::new();
    settings.web.listen = String::new();
    settings.schedule.tick_seconds = 0;
    settings
}

/// The real application, started by the real start-up code, connected to a fake Discord.
pub struct BotAgainstFake {
    pub sandbox: Sandbox,
    /// The bot's clock: its owner moves it and runs the scheduler by hand.
    pub clock: Arc<ManualClock>,
    /// The operator endpoint's address, when `http.listen` asked for one.
    pub ops_addr: Option<SocketAddr>,
    /// The impact page's address, when `web.listen` asked for one.
    pub web_addr: Option<SocketAddr>,
    settings: Settings,
    running: Option<Running>,
}

impl BotAgainstFake {
    /// Builds and starts the application with `settings` (see [`settings`]) and `clock`, and
    /// waits until it is connected to `sandbox` and has registered its commands.
    pub async fn start(
        sandbox: Sandbox,
        settings: Settings,
        clock: Arc<ManualClock>,
    ) -> anyhow::Result<BotAgainstFake> {
        // Discord's "now" (a scheduled event may not start in the past) is the bot's.
        let fake_now = clock.clone();
        sandbox.follow_clock(move || crate::clock::Clock::now(fake_now.as_ref()));
        let mut bot = BotAgainstFake {
            sandbox,
            clock,
            ops_addr: None,
            web_addr: None,
            settings,
            running: None,
        };
        bot.launch().await?;
        Ok(bot)
    }

    async fn launch(&mut self) -> anyhow::Result<()> {
        let app = Application::build(self.settings.clone(), self.clock.clone())
            .await
            .context("building the application")?;
        self.ops_addr = app.ops_addr();
        self.web_addr = app.web_addr();
        self.running = Some(app.start().await.context("starting the bot")?);
        self.sandbox
            .wait_until_ready()
            .await
            .context("waiting for the bot to be ready")?;
        Ok(())
    }

    /// Stops the bot (gracefully) and starts it again on the same database and fake Discord;
    /// says what the stop did.
    pub async fn restart(&mut self) -> anyhow::Result<StopReport> {
        let report = self.stop().await;
        self.launch().await?;
        Ok(report)
    }

    /// Stops the bot, if it runs; says what the stop did.
    pub async fn stop(&mut self) -> StopReport {
        match self.running.take() {
            Some(running) => running.stop().await,
            None => StopReport::default(),
        }
    }

    /// The running bot.
    pub fn running(&self) -> anyhow::Result<&Running> {
        self.running.as_ref().context("the bot is not running")
    }

    /// One scheduler pass at the clock's time.
    pub async fn tick(&self) -> anyhow::Result<TickReport> {
        Ok(self.running()?.tick().await?)
    }

    /// Moves the clock to `at` and runs a scheduler pass.
    pub async fn tick_at(&self, at: DateTime<Utc>) -> anyhow::Result<TickReport> {
        self.clock.set(at);
        self.tick().await
    }
}
