//! `smallacts demo`: the real bot, started by the real start-up code, against the fake Discord
//! and a temporary SQLite database. No token, no network. It plays a short scene and prints a
//! transcript.
//!
//! The scene is [`scene`], in one place: each feature adds its part there.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context as _;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::clock::SystemClock;
use crate::sandbox::{Actor, FakeGuild, FakeUser, Reply, Sandbox, SandboxOptions, buttons_of};
use crate::settings::{DatabaseUrl, Settings};
use crate::startup::{Application, Running};

/// Width of the transcript's text.
const WIDTH: usize = 76;

/// Runs the demo, writing the transcript to `out`.
pub async fn run(out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating a temporary folder for the demo database")?;
    let sandbox = Sandbox::start(SandboxOptions { openapi: true }).await?;
    let mut settings = Settings::defaults();
    settings.database.url =
        DatabaseUrl::new(format!("sqlite://{}", dir.path().join("demo.db").display()));
    settings.discord.api_url = sandbox.api_url();
    settings.http.listen = String::new();
    settings.token = Some(SecretString::from(sandbox.token()));

    writeln!(
        out,
        "smallacts demo: the real bot against a fake Discord on this machine."
    )?;
    writeln!(
        out,
        "Nothing leaves this computer; the database is a temporary file.\n"
    )?;
    let app = Application::build(settings, Arc::new(SystemClock)).await?;
    let running = app.start().await?;
    sandbox.wait_until_ready().await?;
    let mut stage = Stage {
        sandbox,
        out,
        running: Some(running),
    };
    let outcome = scene(&mut stage).await;
    stage.stop().await;
    outcome?;
    let violations = stage.sandbox.violations();
    if !violations.is_empty() {
        anyhow::bail!(
            "the bot sent what Discord would refuse:\n{}",
            violations.join("\n")
        );
    }
    writeln!(
        stage.out,
        "\nThat's the demo. To run it for real: `smallacts run` tells you how to connect it to Discord."
    )?;
    Ok(())
}

/// The scene, in order. Each feature adds its part here.
async fn scene(stage: &mut Stage<'_>) -> anyhow::Result<()> {
    stage.bot_is_ready()?;
    let (guild, people) = stage.server_joins("Rosewood Care Home", &["Asha", "Ben", "Cara"])?;
    ideas(stage, &guild, &people).await?;
    Ok(())
}

/// Members ask for ideas and use the buttons.
async fn ideas(
    stage: &mut Stage<'_>,
    guild: &FakeGuild,
    people: &[FakeUser],
) -> anyhow::Result<()> {
    let asha = stage.sandbox.member(guild, &people[0]);
    let ben = stage.sandbox.member(guild, &people[1]);

    stage.heading("Asha is on an early shift and asks for something small")?;
    let size = stage
        .sandbox
        .choice("idea", "size", "Smaller: a minute or two")?;
    let reply = stage
        .command(&asha, "/idea size: Smaller", "idea", json!([size]))
        .await?;
    let message = reply.message.clone().context("the idea message")?;
    stage.click(&asha, &message, "Make it smaller").await?;
    stage.click(&asha, &message, "Make it smaller").await?;
    stage
        .click(&asha, &message, "Share with the channel")
        .await?;

    stage.heading("Ben works nights and wants something for the care setting")?;
    let setting =
        stage
            .sandbox
            .choice("idea", "setting", "In care (shifts, residents, handovers)")?;
    let way = stage.sandbox.choice("idea", "way", "Give")?;
    let reply = stage
        .command(
            &ben,
            "/idea setting: In care  way: Give",
            "idea",
            json!([setting, way]),
        )
        .await?;
    let message = reply.message.clone().context("the idea message")?;
    stage.click(&ben, &message, "Another idea").await?;

    stage.heading("Cara asks the bot what it can do, in a direct message")?;
    let cara = stage.sandbox.dm(&people[2]);
    stage.command(&cara, "/help", "help", json!([])).await?;
    Ok(())
}

/// The demo's state, and how things are written to the transcript.
struct Stage<'a> {
    sandbox: Sandbox,
    out: &'a mut (dyn Write + Send),
    running: Option<Running>,
}

impl Stage<'_> {
    async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    fn heading(&mut self, text: &str) -> anyhow::Result<()> {
        writeln!(
            self.out,
            "\n── {text} {}",
            "─".repeat(WIDTH.saturating_sub(text.chars().count() + 4))
        )?;
        Ok(())
    }

    fn bot_is_ready(&mut self) -> anyhow::Result<()> {
        let names: Vec<String> = self
            .sandbox
            .registered_commands()
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(|n| format!("/{n}")))
            .collect();
        self.heading("The bot starts")?;
        writeln!(
            self.out,
            "  smallacts connected to the gateway and registered {}.",
            names.join(", ")
        )?;
        Ok(())
    }

    fn server_joins(
        &mut self,
        name: &str,
        people: &[&str],
    ) -> anyhow::Result<(FakeGuild, Vec<FakeUser>)> {
        let users: Vec<FakeUser> = people.iter().map(|p| self.sandbox.new_user(p)).collect();
        let guild = self.sandbox.add_guild(name, users.clone());
        self.heading(&format!("{name} adds the bot"))?;
        writeln!(
            self.out,
            "  Members: {}. The bot posts nowhere until an admin sets it up.",
            people.join(", ")
        )?;
        Ok((guild, users))
    }

    async fn command(
        &mut self,
        actor: &Actor,
        typed: &str,
        name: &str,
        options: Value,
    ) -> anyhow::Result<Reply> {
        writeln!(self.out, "\n  {} types {typed}", display(&actor.user))?;
        let reply = self.sandbox.slash(actor, name, options).await?;
        self.show(&reply, &actor.user)?;
        Ok(reply)
    }

    async fn click(
        &mut self,
        actor: &Actor,
        message: &Value,
        label: &str,
    ) -> anyhow::Result<Reply> {
        let current = self
            .sandbox
            .bot_messages()
            .into_iter()
            .find(|m| m["id"] == message["id"])
            .unwrap_or_else(|| message.clone());
        let custom_id = buttons_of(&current)
            .into_iter()
            .find(|(_, l)| l == label)
            .map(|(id, _)| id)
            .with_context(|| format!("no {label:?} button"))?;
        writeln!(self.out, "\n  {} clicks [{label}]", display(&actor.user))?;
        let reply = self.sandbox.click(actor, &current, &custom_id).await?;
        self.show(&reply, &actor.user)?;
        Ok(reply)
    }

    /// Writes a bot message as a person would see it.
    fn show(&mut self, reply: &Reply, viewer: &FakeUser) -> anyhow::Result<()> {
        let Some(message) = &reply.message else {
            return Ok(());
        };
        let audience = if reply.ephemeral() {
            format!("only {} can see this", display(viewer))
        } else {
            "posted in the channel".to_owned()
        };
        writeln!(self.out, "  smallacts ({audience}):")?;
        if let Some(content) = message["content"].as_str().filter(|c| !c.is_empty()) {
            for line in wrap(content, WIDTH - 6) {
                writeln!(self.out, "    {line}")?;
            }
        }
        for embed in message["embeds"].as_array().into_iter().flatten() {
            if let Some(author) = embed["author"]["name"].as_str() {
                writeln!(self.out, "    │ {author}")?;
            }
            if let Some(title) = embed["title"].as_str() {
                writeln!(self.out, "    │ {title}")?;
            }
            for line in embed["description"]
                .as_str()
                .map(|d| wrap(d, WIDTH - 8))
                .unwrap_or_default()
            {
                writeln!(self.out, "    │   {line}")?;
            }
            let fields: Vec<String> = embed["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    format!(
                        "{}: {}",
                        f["name"].as_str().unwrap_or(""),
                        f["value"].as_str().unwrap_or("")
                    )
                })
                .collect();
            if !fields.is_empty() {
                writeln!(self.out, "    │ {}", fields.join(" · "))?;
            }
        }
        let buttons: Vec<String> = buttons_of(message)
            .into_iter()
            .map(|(_, l)| format!("[{l}]"))
            .collect();
        if !buttons.is_empty() {
            writeln!(self.out, "    {}", buttons.join(" "))?;
        }
        Ok(())
    }
}

fn display(user: &FakeUser) -> String {
    user.global_name
        .clone()
        .unwrap_or_else(|| user.username.clone())
}

/// Wraps text at word boundaries, keeping its own line breaks.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_whole() {
        let lines = wrap("one two three four five six", 9);
        assert_eq!(lines, ["one two", "three", "four five", "six"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
    }
}
