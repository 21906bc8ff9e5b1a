//! Starts the real application against the fake Discord, one of each per test.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use smallacts::clock::ManualClock;
use smallacts::jobs::TickReport;
use smallacts::sandbox::{HttpPath, Sandbox, SandboxOptions};
use smallacts::settings::{DatabaseUrl, Settings};
use smallacts::startup::{Application, Running};

use crate::helpers::TestDb;

pub struct TestBot {
    pub sandbox: Sandbox,
    pub db: TestDb,
    pub ops_addr: Option<SocketAddr>,
    /// Where the impact page listens.
    pub web_addr: Option<SocketAddr>,
    /// The bot's clock: tests move it and run the scheduler by hand.
    pub clock: Arc<ManualClock>,
    settings: Settings,
    running: Option<Running>,
}

impl TestBot {
    pub async fn start() -> TestBot {
        TestBot::start_with(|_| {}).await
    }

    /// Starts with settings adjusted by `configure` (after the test defaults are set).
    pub async fn start_with(configure: impl FnOnce(&mut Settings)) -> TestBot {
        TestBot::start_at(Utc::now(), configure).await
    }

    /// Starts with the bot's clock at `now`. The scheduler does not run by itself: call
    /// [`TestBot::tick`]. The bot runs production's HTTP path: serenity's own rate limiter,
    /// HTTPS to discord.com, which the fake answers.
    pub async fn start_at(now: DateTime<Utc>, configure: impl FnOnce(&mut Settings)) -> TestBot {
        TestBot::start_on(HttpPath::Production, now, configure).await
    }

    /// Starts on the given HTTP path: [`HttpPath::Proxy`] is the path of operators with a
    /// shared rate-limit proxy (`discord.api_url`, serenity's limiter off).
    pub async fn start_on(
        path: HttpPath,
        now: DateTime<Utc>,
        configure: impl FnOnce(&mut Settings),
    ) -> TestBot {
        let sandbox = Sandbox::start(SandboxOptions { openapi: true })
            .await
            .expect("sandbox");
        let db = TestDb::sqlite().await;
        let mut settings = Settings::defaults();
        settings.database.url = DatabaseUrl::new(db.url.clone());
        sandbox.configure(&mut settings, path);
        settings.http.listen = "127.0.0.1:0".into();
        settings.web.listen = "127.0.0.1:0".into();
        settings.schedule.tick_seconds = 0;
        configure(&mut settings);
        if let Ok(filter) = std::env::var("SMALLACTS_TEST_LOG") {
            smallacts::telemetry::init(smallacts::settings::LogFormat::Pretty, &filter);
        }
        let clock = Arc::new(ManualClock::new(now));
        let mut bot = TestBot {
            sandbox,
            db,
            ops_addr: None,
            web_addr: None,
            clock,
            settings,
            running: None,
        };
        bot.launch().await;
        bot
    }

    async fn launch(&mut self) {
        let app = Application::build(self.settings.clone(), self.clock.clone())
            .await
            .expect("build app");
        self.ops_addr = app.ops_addr();
        self.web_addr = app.web_addr();
        self.running = Some(app.start().await.expect("start bot"));
        self.sandbox.wait_until_ready().await.expect("bot ready");
    }

    /// Stops the bot (gracefully) and starts it again on the same database and fake Discord;
    /// says what the stop did.
    pub async fn restart(&mut self) -> smallacts::startup::StopReport {
        let report = match self.running.take() {
            Some(running) => running.stop().await,
            None => Default::default(),
        };
        self.launch().await;
        report
    }

    /// The running bot's scheduled jobs.
    pub fn dispatcher(&self) -> &smallacts::jobs::Dispatcher {
        &self.running.as_ref().expect("running").dispatcher
    }

    /// One scheduler pass at the clock's time.
    pub async fn tick(&self) -> TickReport {
        self.running
            .as_ref()
            .expect("running")
            .tick()
            .await
            .expect("tick")
    }

    /// The posts recorded for a server, oldest first.
    pub async fn posts_of(&self, guild: u64) -> Vec<smallacts::store::PostRecord> {
        self.db
            .store
            .posts_for(smallacts::ids::GuildId(guild))
            .await
            .unwrap()
    }

    /// Moves the clock to `at` and runs a scheduler pass.
    pub async fn tick_at(&self, at: DateTime<Utc>) -> TickReport {
        self.clock.set(at);
        self.tick().await
    }

    /// Stops the bot and checks what it sent over the whole test: nothing Discord would
    /// refuse or that breaks Discord's OpenAPI description, and no message that could ping.
    pub async fn finish(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        let violations = self.sandbox.violations();
        assert!(
            violations.is_empty(),
            "the bot sent what Discord would refuse:\n{}",
            violations.join("\n")
        );
        for message in self.sandbox.bot_messages() {
            assert_eq!(
                message["allowed_mentions"]["parse"],
                serde_json::json!([]),
                "a bot message that could ping: {message}"
            );
        }
    }
}
