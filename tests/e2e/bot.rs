//! Starts the real application against the fake Discord, one of each per test.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use fake_discord::{OpenApiCheck, Sandbox, SandboxOptions};
use smallacts::against_fake::{self, BotAgainstFake, HttpPath};
use smallacts::clock::ManualClock;
use smallacts::jobs::TickReport;
use smallacts::settings::Settings;

use crate::helpers::TestDb;

/// The bot against the fake Discord ([`BotAgainstFake`]: `sandbox`, `clock`, `ops_addr`), on
/// a test database.
pub struct TestBot {
    pub app: BotAgainstFake,
    pub db: TestDb,
}

impl std::ops::Deref for TestBot {
    type Target = BotAgainstFake;

    fn deref(&self) -> &BotAgainstFake {
        &self.app
    }
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
        let sandbox = Sandbox::start(SandboxOptions {
            openapi: OpenApiCheck::WhenFound,
        })
        .await
        .expect("sandbox");
        let db = TestDb::sqlite().await;
        let mut settings = against_fake::settings(&sandbox, path, db.url.clone());
        settings.http.listen = "127.0.0.1:0".into();
        settings.web.listen = "127.0.0.1:0".into();
        configure(&mut settings);
        if let Ok(filter) = std::env::var("SMALLACTS_TEST_LOG") {
            smallacts::telemetry::init(smallacts::settings::LogFormat::Pretty, &filter);
        }
        let clock = Arc::new(ManualClock::new(now));
        let app = BotAgainstFake::start(sandbox, settings, clock)
            .await
            .expect("bot ready");
        TestBot { app, db }
    }

    /// Stops the bot (gracefully) and starts it again on the same database and fake Discord;
    /// says what the stop did.
    pub async fn restart(&mut self) -> smallacts::startup::StopReport {
        self.app.restart().await.expect("restart bot")
    }

    /// The running bot's scheduled jobs.
    pub fn dispatcher(&self) -> &smallacts::jobs::Dispatcher {
        &self.app.running().expect("running").dispatcher
    }

    /// One scheduler pass at the clock's time.
    pub async fn tick(&self) -> TickReport {
        self.app.tick().await.expect("tick")
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
        self.app.tick_at(at).await.expect("tick")
    }

    /// Stops the bot and checks what it sent over the whole test: nothing Discord would
    /// refuse or that breaks Discord's OpenAPI description, and no message that could ping.
    pub async fn finish(mut self) {
        self.app.stop().await;
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
