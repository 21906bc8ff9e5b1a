//! Layered configuration: the built-in `config/default.toml`, then an optional file, then
//! `SMALLACTS__SECTION__KEY` environment variables, then the conventional `DATABASE_URL` and
//! `DISCORD_API_URL`. The bot token is read from `DISCORD_TOKEN` only, and it and the database
//! password never appear in Debug output, logs or errors.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The defaults, compiled in so the binary runs from any directory and in a bare container.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Fewer pulse answers than this are never shown, whatever the configuration says: with two,
/// each person could work out the other's answer.
pub const MIN_PULSE_ANSWERS: u32 = 3;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub discord: DiscordSettings,
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub web: WebSettings,
    pub log: LogSettings,
    pub catalogue: CatalogueSettings,
    pub schedule: ScheduleSettings,
    pub privacy: PrivacySettings,
    pub checkins: CheckinSettings,
    pub fleet: FleetSettings,
    /// From `DISCORD_TOKEN`; `None` when unset or empty.
    #[serde(skip)]
    pub token: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordSettings {
    pub api_url: String,
    /// `host=ip:port[,host=ip:port...]`: connect to these addresses for these hosts instead of
    /// asking DNS (tests, or an operator's private route to Discord).
    pub resolve: String,
    /// A PEM file of certificate authorities to trust besides the usual ones.
    pub extra_root_ca: String,
    pub message_content_intent: bool,
    pub requests_per_second: u32,
    /// A command or button not answered after this long is acknowledged ("thinking...").
    pub defer_after_ms: u64,
    /// A command or button still unfinished after this long is answered with what went wrong.
    pub give_up_after_ms: u64,
    /// "auto" (Discord's recommendation) or a fixed number of gateway shards.
    #[serde(deserialize_with = "number_or_text")]
    pub shards: String,
    /// The shards this process runs, "first-last"; empty for all of them.
    #[serde(deserialize_with = "number_or_text")]
    pub shard_range: String,
}

/// A setting written either way: `shards = 4` in a file, `SMALLACTS__DISCORD__SHARDS=4` in the
/// environment (which figment reads as a number) or `shards = "auto"`.
fn number_or_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(u64),
        Text(String),
    }
    Ok(match NumberOrText::deserialize(deserializer)? {
        NumberOrText::Number(n) => n.to_string(),
        NumberOrText::Text(text) => text,
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    pub busy_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub listen: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    pub listen: String,
    pub public_url: String,
    pub requests_per_minute: u32,
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueSettings {
    pub path: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    pub default_timezone: String,
    pub grace_minutes: u32,
    pub tick_seconds: u64,
    pub batch: u32,
    pub lease_seconds: u32,
    pub stop_timeout_seconds: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    pub wins_retention_days: u32,
    pub left_server_retention_days: u32,
    pub max_wins_per_hour: u32,
    pub acknowledge_emoji: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckinSettings {
    pub prompts_path: String,
    pub support_path: String,
    pub pulse_min_answers: u32,
    pub pulse_open_hours: u32,
    pub quiet_hours: String,
    pub buddy_every_weeks: u32,
    pub buddy_round_time: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetSettings {
    /// How often a process tells the others sharing its database that it is alive (and
    /// recounts them). One silent for three heartbeats is taken for dead.
    pub heartbeat_seconds: u32,
}

impl FleetSettings {
    pub fn heartbeat(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.heartbeat_seconds))
    }
}

/// A database URL that may carry a password: Debug and Display show it with the password
/// replaced, so it is safe to log.
#[derive(Clone, Deserialize)]
#[serde(from = "String")]
pub struct DatabaseUrl(SecretString);

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        DatabaseUrl(SecretString::from(url))
    }
}

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl::from(url.into())
    }

    /// The full URL, password included: only for opening the connection.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match url::Url::parse(self.expose()) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            Ok(url) => url.to_string(),
            // Not a URL we can parse: show only the scheme-ish prefix, never the rest.
            Err(_) => format!("{}…", self.expose().split(':').next().unwrap_or("")),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Why the configuration could not be used. Each message names the key, where its value came
/// from, and what would be accepted.
#[derive(Debug, thiserror::Error)]
#[error("configuration error:\n  - {}", .problems.join("\n  - "))]
pub struct SettingsError {
    pub problems: Vec<String>,
}

impl SettingsError {
    fn one(problem: impl Into<String>) -> Self {
        SettingsError {
            problems: vec![problem.into()],
        }
    }
}

impl Settings {
    /// Loads the layers from the real process environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, SettingsError> {
        let figment = Self::figment(config_file)?;
        let mut settings = Self::extract(&figment)?;
        settings.token = std::env::var("DISCORD_TOKEN")
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(SecretString::from);
        Ok(settings)
    }

    /// The built-in defaults alone, ignoring files and the environment: for the demo and
    /// tests, which must not pick up a real token or database.
    pub fn defaults() -> Settings {
        Self::extract(&Figment::from(Toml::string(DEFAULT_TOML)))
            .expect("the built-in config/default.toml is valid (a unit test checks it)")
    }

    fn figment(config_file: Option<&Path>) -> Result<Figment, SettingsError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = config_file {
            if !path.is_file() {
                return Err(SettingsError::one(format!(
                    "--config {}: no such file (give the path of a TOML file like config/default.toml)",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let conventional = |name: &'static str, key: &'static str| {
            Env::raw().only(&[name]).map(move |_| key.into())
        };
        figment = figment
            .merge(Env::prefixed("SMALLACTS__").split("__"))
            .merge(conventional("DATABASE_URL", "database.url"))
            .merge(conventional("DISCORD_API_URL", "discord.api_url"));
        Ok(figment)
    }

    fn extract(figment: &Figment) -> Result<Settings, SettingsError> {
        if figment.find_value("discord.token").is_ok() {
            return Err(SettingsError::one(format!(
                "discord.token{}: the bot token is never read from configuration; \
                 set the DISCORD_TOKEN environment variable instead and remove this key",
                origin(figment, "discord.token")
            )));
        }
        let settings: Settings = figment.extract().map_err(|error| SettingsError {
            problems: error.into_iter().map(|e| e.to_string()).collect(),
        })?;
        settings.validate(figment)?;
        Ok(settings)
    }

    /// Checks the values serde cannot: ranges, URLs, addresses and time zones.
    fn validate(&self, figment: &Figment) -> Result<(), SettingsError> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, why: String| {
            problems.push(format!("{key}{}: {why}", origin(figment, key)));
        };
        let url = self.database.url.expose();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            problem(
                "database.url",
                format!(
                    "{} is not a database URL this bot knows; use sqlite://data/smallacts.db \
                     or postgres://user:password@host/database",
                    self.database.url.redacted()
                ),
            );
        }
        if self.database.max_connections == 0 {
            problem("database.max_connections", "must be at least 1".into());
        }
        if !self.http.listen.is_empty() && self.http.listen.parse::<SocketAddr>().is_err() {
            problem(
                "http.listen",
                format!(
                    "{:?} is not an address; use IP:PORT such as 127.0.0.1:8080, or \"\" to turn the endpoints off",
                    self.http.listen
                ),
            );
        }
        if !self.web.listen.is_empty() && self.web.listen.parse::<SocketAddr>().is_err() {
            problem(
                "web.listen",
                format!(
                    "{:?} is not an address; use IP:PORT such as 127.0.0.1:8081, or \"\" to turn the impact page off",
                    self.web.listen
                ),
            );
        }
        if !self.web.public_url.is_empty()
            && !url::Url::parse(&self.web.public_url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        {
            problem(
                "web.public_url",
                format!(
                    "{:?} is not a web address; use one such as https://impact.example.org, or \"\" for http:// and web.listen",
                    self.web.public_url
                ),
            );
        }
        if self.web.requests_per_minute == 0 {
            problem("web.requests_per_minute", "must be at least 1".into());
        }
        if self
            .schedule
            .default_timezone
            .parse::<chrono_tz::Tz>()
            .is_err()
        {
            problem(
                "schedule.default_timezone",
                format!(
                    "{:?} is not an IANA time zone; use a name such as Europe/London or America/New_York",
                    self.schedule.default_timezone
                ),
            );
        }
        if self.privacy.wins_retention_days == 0 {
            problem(
                "privacy.wins_retention_days",
                "must be at least 1 day".into(),
            );
        }
        if self.schedule.batch == 0 {
            problem("schedule.batch", "must be at least 1".into());
        }
        if !(1..=600).contains(&self.schedule.lease_seconds) {
            problem(
                "schedule.lease_seconds",
                format!(
                    "{} is outside 1 to 600; 60 keeps a takeover inside the few minutes Discord checks a nonce for",
                    self.schedule.lease_seconds
                ),
            );
        }
        if !(1..=300).contains(&self.schedule.stop_timeout_seconds) {
            problem(
                "schedule.stop_timeout_seconds",
                format!(
                    "{} is outside 1 to 300; docker stop waits 10 s by default before it kills",
                    self.schedule.stop_timeout_seconds
                ),
            );
        }
        if let Err(why) = crate::shards::ShardCount::parse(&self.discord.shards) {
            problem("discord.shards", why);
        }
        if let Err(why) = crate::shards::parse_range(&self.discord.shard_range) {
            problem("discord.shard_range", why);
        }
        if !(1..=50).contains(&self.discord.requests_per_second) {
            problem(
                "discord.requests_per_second",
                format!(
                    "{} is outside 1 to 50 (Discord allows 50 per second per bot)",
                    self.discord.requests_per_second
                ),
            );
        }
        if !(1..=60).contains(&self.fleet.heartbeat_seconds) {
            problem(
                "fleet.heartbeat_seconds",
                format!(
                    "{} is outside 1 to 60 seconds; a dead process is noticed after three \
                     heartbeats, so 5 (the default) shares its budget out within 15 s",
                    self.fleet.heartbeat_seconds
                ),
            );
        }
        if !(100..=2_500).contains(&self.discord.defer_after_ms) {
            problem(
                "discord.defer_after_ms",
                format!(
                    "{} is outside 100 to 2500: Discord allows 3 seconds for the first answer, and \
                     acknowledging takes a moment itself",
                    self.discord.defer_after_ms
                ),
            );
        }
        if self.discord.give_up_after_ms <= self.discord.defer_after_ms
            || self.discord.give_up_after_ms > 600_000
        {
            problem(
                "discord.give_up_after_ms",
                format!(
                    "{} must be more than discord.defer_after_ms ({}) and at most 600000 \
                     (Discord keeps an interaction open for 15 minutes)",
                    self.discord.give_up_after_ms, self.discord.defer_after_ms
                ),
            );
        }
        if !self.discord.api_url.is_empty() {
            match url::Url::parse(&self.discord.api_url) {
                Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
                _ => problem(
                    "discord.api_url",
                    format!(
                        "{:?} is not an http(s) URL; use e.g. http://127.0.0.1:3000 or leave it empty for Discord itself",
                        self.discord.api_url
                    ),
                ),
            }
        }
        if let Err(why) = resolve_entries(&self.discord.resolve) {
            problem("discord.resolve", why);
        }
        if !self.discord.extra_root_ca.is_empty()
            && !Path::new(&self.discord.extra_root_ca).is_file()
        {
            problem(
                "discord.extra_root_ca",
                format!(
                    "{}: no such file; give the path of a PEM file of certificate authorities, or leave it empty",
                    self.discord.extra_root_ca
                ),
            );
        }
        if self.checkins.pulse_min_answers < MIN_PULSE_ANSWERS {
            problem(
                "checkins.pulse_min_answers",
                format!(
                    "{} is below {}: with fewer answers people could work out who said what; use 3 or more",
                    self.checkins.pulse_min_answers, MIN_PULSE_ANSWERS
                ),
            );
        }
        if !(1..=72).contains(&self.checkins.pulse_open_hours) {
            problem("checkins.pulse_open_hours", "must be 1 to 72 hours".into());
        }
        if let Err(error) = crate::calendar::QuietHours::parse(&self.checkins.quiet_hours) {
            problem("checkins.quiet_hours", error.to_string());
        }
        if !(1..=12).contains(&self.checkins.buddy_every_weeks) {
            problem("checkins.buddy_every_weeks", "must be 1 to 12 weeks".into());
        }
        if let Err(error) = crate::calendar::weekly_round(&self.checkins.buddy_round_time) {
            problem("checkins.buddy_round_time", error.to_string());
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            problem(
                "log.level",
                format!(
                    "{:?} is not a log filter; use info, debug, or e.g. smallacts=debug,sqlx=warn",
                    self.log.level
                ),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SettingsError { problems })
        }
    }

    /// The HTTP address for /healthz and /metrics, if turned on.
    pub fn http_listen(&self) -> Option<SocketAddr> {
        self.http.listen.parse().ok()
    }

    /// The impact page's address, if turned on.
    pub fn web_listen(&self) -> Option<SocketAddr> {
        self.web.listen.parse().ok()
    }

    /// Where impact links begin, without a trailing slash: `web.public_url`, else http:// and
    /// the address the page listens on (`listening`, which may differ from `web.listen` when
    /// that asked for port 0).
    pub fn web_base_url(&self, listening: Option<SocketAddr>) -> Option<String> {
        if !self.web.public_url.is_empty() {
            return Some(self.web.public_url.trim_end_matches('/').to_owned());
        }
        listening
            .or(self.web_listen())
            .map(|addr| format!("http://{addr}"))
    }

    /// The check-in prompt bank, if one replaces the built-in one.
    pub fn prompts_path(&self) -> Option<PathBuf> {
        (!self.checkins.prompts_path.is_empty()).then(|| PathBuf::from(&self.checkins.prompts_path))
    }

    /// The support list, if one replaces the built-in UK list.
    pub fn support_path(&self) -> Option<PathBuf> {
        (!self.checkins.support_path.is_empty()).then(|| PathBuf::from(&self.checkins.support_path))
    }

    /// The catalogue file, if one replaces the built-in catalogue.
    pub fn catalogue_path(&self) -> Option<PathBuf> {
        (!self.catalogue.path.is_empty()).then(|| PathBuf::from(&self.catalogue.path))
    }
}

/// The `discord.resolve` entries: `host=ip:port`, comma separated; empty for none.
pub fn resolve_entries(value: &str) -> Result<Vec<(String, SocketAddr)>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let (host, addr) = entry.split_once('=').ok_or_else(|| {
                format!("{entry:?} is not host=ip:port; use e.g. discord.com=127.0.0.1:8443")
            })?;
            let addr = addr.trim().parse::<SocketAddr>().map_err(|_| {
                format!(
                    "{:?} in {entry:?} is not ip:port; use e.g. discord.com=127.0.0.1:8443",
                    addr.trim()
                )
            })?;
            let host = host.trim();
            if host.is_empty() {
                return Err(format!(
                    "{entry:?} names no host; use e.g. discord.com=127.0.0.1:8443"
                ));
            }
            Ok((host.to_owned(), addr))
        })
        .collect()
}

/// " (from FILE)" or " (from VARIABLE)" for a key, so a user knows where to fix it.
fn origin(figment: &Figment, key: &str) -> String {
    let Some(meta) = figment.find_metadata(key) else {
        return String::new();
    };
    if let Some(source) = &meta.source {
        return format!(" (from {source})");
    }
    if meta.name.contains("SMALLACTS__") {
        return format!(
            " (from SMALLACTS__{})",
            key.replace('.', "__").to_uppercase()
        );
    }
    match key {
        "database.url" => " (from DATABASE_URL)".into(),
        "discord.api_url" => " (from DISCORD_API_URL)".into(),
        _ => format!(" (from {})", meta.name),
    }
}

#[cfg(test)]
// figment's Jail closures return figment::Error, which is large; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn load_in(jail: &Jail, file: Option<&str>) -> Result<Settings, SettingsError> {
        Settings::load(file.map(|f| jail.directory().join(f)).as_deref())
    }

    #[test]
    fn defaults_load_and_are_valid() {
        Jail::expect_with(|jail| {
            let s = load_in(jail, None).expect("defaults load");
            assert_eq!(s.database.url.expose(), "sqlite://data/smallacts.db");
            assert_eq!(s.log.format, LogFormat::Pretty);
            assert_eq!(s.schedule.default_timezone, "Europe/London");
            assert!(s.token.is_none());
            Ok(())
        });
    }

    #[test]
    fn resolve_and_extra_root_ca_are_checked() {
        Jail::expect_with(|jail| {
            jail.create_file("ca.pem", "-----BEGIN CERTIFICATE-----\n")?;
            jail.set_env(
                "SMALLACTS__DISCORD__RESOLVE",
                "discord.com=127.0.0.1:8443, cdn.example=[::1]:9",
            );
            jail.set_env("SMALLACTS__DISCORD__EXTRA_ROOT_CA", "ca.pem");
            let s = load_in(jail, None).expect("valid");
            let entries = resolve_entries(&s.discord.resolve).unwrap();
            assert_eq!(entries[0].0, "discord.com");
            assert_eq!(entries[0].1, "127.0.0.1:8443".parse().unwrap());
            assert_eq!(entries.len(), 2);
            jail.set_env("SMALLACTS__DISCORD__RESOLVE", "discord.com:8443");
            jail.set_env("SMALLACTS__DISCORD__EXTRA_ROOT_CA", "missing.pem");
            let err = load_in(jail, None).unwrap_err().to_string();
            assert!(
                err.contains("discord.resolve (from SMALLACTS__DISCORD__RESOLVE)"),
                "{err}"
            );
            assert!(err.contains("discord.extra_root_ca"), "{err}");
            assert!(err.contains("missing.pem: no such file"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn defaults_ignore_the_environment() {
        Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://elsewhere/db");
            jail.set_env("DISCORD_TOKEN", "real-token");
            let s = Settings::defaults();
            assert_eq!(s.database.url.expose(), "sqlite://data/smallacts.db");
            assert!(s.token.is_none());
            Ok(())
        });
    }

    #[test]
    fn file_then_env_then_conventional_vars_win_in_order() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "over.toml",
                "[log]\nformat = \"json\"\nlevel = \"debug\"\n[database]\nmax_connections = 9\n",
            )?;
            jail.set_env("SMALLACTS__LOG__LEVEL", "warn");
            jail.set_env(
                "DATABASE_URL",
                "postgres://app:hunter2@db.internal/smallacts",
            );
            jail.set_env("DISCORD_API_URL", "http://127.0.0.1:4000");
            jail.set_env("DISCORD_TOKEN", "  abc.def  ");
            let s = load_in(jail, Some("over.toml")).expect("layers load");
            assert_eq!(s.log.format, LogFormat::Json, "file overrides default");
            assert_eq!(s.log.level, "warn", "env overrides file");
            assert_eq!(s.database.max_connections, 9);
            assert_eq!(s.discord.api_url, "http://127.0.0.1:4000");
            assert_eq!(s.token.as_ref().unwrap().expose_secret(), "abc.def");
            assert!(s.database.url.expose().contains("hunter2"));
            Ok(())
        });
    }

    #[test]
    fn secrets_never_show_in_debug() {
        Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://app:hunter2@db/smallacts");
            jail.set_env("DISCORD_TOKEN", "MTIz.very-secret-token");
            let s = load_in(jail, None).unwrap();
            let debug = format!("{s:?}");
            assert!(!debug.contains("hunter2"), "{debug}");
            assert!(!debug.contains("very-secret-token"), "{debug}");
            assert!(debug.contains("postgres://app:***@db/smallacts"), "{debug}");
            Ok(())
        });
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "[log]\nfromat = \"json\"\n")?;
            let err = load_in(jail, Some("bad.toml")).unwrap_err().to_string();
            assert!(err.contains("fromat"), "{err}");
            assert!(err.contains("bad.toml"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn wrong_type_names_key_and_reason() {
        Jail::expect_with(|jail| {
            jail.set_env("SMALLACTS__DATABASE__MAX_CONNECTIONS", "lots");
            let err = load_in(jail, None).unwrap_err().to_string();
            assert!(err.to_lowercase().contains("max_connections"), "{err}");
            assert!(err.contains("lots"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unparseable_file_is_reported_with_its_name() {
        Jail::expect_with(|jail| {
            jail.create_file("broken.toml", "[log\nformat = json")?;
            let err = load_in(jail, Some("broken.toml")).unwrap_err().to_string();
            assert!(err.contains("broken.toml"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn missing_config_file_is_an_error_not_silence() {
        Jail::expect_with(|jail| {
            let err = load_in(jail, Some("nope.toml")).unwrap_err().to_string();
            assert!(
                err.contains("nope.toml") && err.contains("no such file"),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn token_in_a_file_is_refused() {
        Jail::expect_with(|jail| {
            jail.create_file("t.toml", "[discord]\ntoken = \"abc\"\n")?;
            let err = load_in(jail, Some("t.toml")).unwrap_err().to_string();
            assert!(err.contains("DISCORD_TOKEN"), "{err}");
            assert!(!err.contains("abc"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_all_reported_with_examples() {
        Jail::expect_with(|jail| {
            jail.set_env("SMALLACTS__SCHEDULE__DEFAULT_TIMEZONE", "Europe/Lndon");
            jail.set_env("SMALLACTS__HTTP__LISTEN", "localhost");
            jail.set_env("DATABASE_URL", "mysql://x@y/z");
            let err = load_in(jail, None).unwrap_err();
            assert_eq!(err.problems.len(), 3, "{err}");
            let text = err.to_string();
            assert!(
                text.contains("Europe/Lndon") && text.contains("Europe/London"),
                "{text}"
            );
            assert!(text.contains("127.0.0.1:8080"), "{text}");
            assert!(text.contains("sqlite://"), "{text}");
            assert!(text.contains("(from DATABASE_URL)"), "{text}");
            assert!(
                text.contains("SMALLACTS__SCHEDULE__DEFAULT_TIMEZONE"),
                "{text}"
            );
            Ok(())
        });
    }

    #[test]
    fn the_fleet_heartbeat_is_one_to_sixty_seconds() {
        Jail::expect_with(|jail| {
            assert_eq!(load_in(jail, None).unwrap().fleet.heartbeat_seconds, 5);
            for bad in ["0", "61"] {
                jail.set_env("SMALLACTS__FLEET__HEARTBEAT_SECONDS", bad);
                let err = load_in(jail, None).unwrap_err().to_string();
                assert!(
                    err.contains(&format!(
                        "fleet.heartbeat_seconds (from SMALLACTS__FLEET__HEARTBEAT_SECONDS): \
                         {bad} is outside 1 to 60 seconds"
                    )),
                    "{err}"
                );
            }
            jail.set_env("SMALLACTS__FLEET__HEARTBEAT_SECONDS", "60");
            assert_eq!(load_in(jail, None).unwrap().fleet.heartbeat_seconds, 60);
            Ok(())
        });
    }

    #[test]
    fn redaction_handles_urls_without_passwords_and_garbage() {
        assert_eq!(
            DatabaseUrl::new("sqlite://data/x.db").redacted(),
            "sqlite://data/x.db"
        );
        assert!(
            !DatabaseUrl::new("not a url:secret")
                .redacted()
                .contains("secret")
        );
    }
}
