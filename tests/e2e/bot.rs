//! Starts the real application against the fake Discord, one of each per test.

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::SecretString;
use smallacts::clock::SystemClock;
use smallacts::sandbox::{Sandbox, SandboxOptions};
use smallacts::settings::{DatabaseUrl, Settings};
use smallacts::startup::{Application, Running};

use crate::helpers::TestDb;

pub struct TestBot {
    pub sandbox: Sandbox,
    pub db: TestDb,
    pub ops_addr: Option<SocketAddr>,
    running: Option<Running>,
}

impl TestBot {
    pub async fn start() -> TestBot {
        TestBot::start_with(|_| {}).await
    }

    /// Starts with settings adjusted by `configure` (after the test defaults are set).
    pub async fn start_with(configure: impl FnOnce(&mut Settings)) -> TestBot {
        let sandbox = Sandbox::start(SandboxOptions { openapi: true })
            .await
            .expect("sandbox");
        let db = TestDb::sqlite().await;
        let mut settings = Settings::defaults();
        settings.database.url = DatabaseUrl::new(db.url.clone());
        settings.discord.api_url = sandbox.api_url();
        settings.http.listen = "127.0.0.1:0".into();
        settings.token = Some(SecretString::from(sandbox.token()));
        configure(&mut settings);
        let app = Application::build(settings, Arc::new(SystemClock))
            .await
            .expect("build app");
        let ops_addr = app.ops_addr();
        let running = app.start().await.expect("start bot");
        sandbox.wait_until_ready().await.expect("bot ready");
        TestBot {
            sandbox,
            db,
            ops_addr,
            running: Some(running),
        }
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
