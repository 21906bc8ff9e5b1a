//! A fake Discord for tests, benchmarks and `smallacts demo`: the REST v10 routes the bot
//! uses and Gateway v10 over a real WebSocket, on 127.0.0.1. REST is served twice: over plain
//! HTTP (the proxy path, `discord.api_url`) and over HTTPS as `discord.com` with a certificate
//! made for the run (production's path: serenity's own rate limiter, see [`tls`]).
//!
//! It behaves as Discord documents, not as the bot would like: payloads in Discord's shapes
//! (each builder checked against serenity's own model types), Discord's error bodies for
//! broken limits and unknown channels, Discord's rate-limit headers and 429s ([`ratelimits`]),
//! message content blanked for a bot without the MESSAGE_CONTENT intent, the bot's own
//! messages sent back to it with their nonce, and, when Discord's OpenAPI description is at
//! hand, every JSON body checked against its request schema. Tests can make things go wrong
//! on Discord's side ([`faults`]). It records every request (when, and over which transport)
//! and gateway frame so tests can assert on what the bot really sent.
//!
//! The gateway is sharded as Discord's is ([`shards`]): one session per shard `[id, total]`
//! an IDENTIFY names, each getting READY and GUILD_CREATE for its own guilds only and the
//! events of the guilds `(guild_id >> 22) % total` maps to it (events outside guilds go to
//! shard 0); GET /gateway/bot recommends a shard per 1,000 guilds and reports the session
//! start limit, which IDENTIFYs spend; an IDENTIFY for a shard out of range, a shard of more
//! than 2,500 guilds, past the daily budget or too soon in its rate-limit bucket is refused
//! the way Discord refuses it. Ids are snowflakes in Discord's layout, each guild with a
//! millisecond of its own, so that guilds spread evenly over any number of shards.

mod events;
pub mod faults;
mod gateway;
pub mod limits;
pub mod openapi;
pub mod payloads;
pub mod ratelimits;
mod rest;
pub mod shards;
mod tls;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use axum::extract::ws::Utf8Bytes;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

pub use faults::{LostAnswer, RequestFilter};
pub use payloads::{ChannelKind, FakeChannel, FakeGuild, FakeUser, InteractionContext};
pub use ratelimits::RouteLimit;
pub use shards::{IdentifyOutcome, IdentifyRecord, SessionStartLimit, ShardSession};
pub use tls::DISCORD_HOST;

use self::openapi::OpenApi;
use self::shards::Shard;

/// Permission bits the sandbox understands.
pub mod permissions {
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    /// What an ordinary member has in the sandbox.
    pub const MEMBER: u64 = VIEW_CHANNEL | SEND_MESSAGES | (1 << 16) | (1 << 6);
}

/// The MESSAGE_CONTENT intent bit.
pub const INTENT_MESSAGE_CONTENT: u64 = 1 << 15;
/// The GUILD_MESSAGES intent bit.
pub const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
/// The DIRECT_MESSAGES intent bit.
pub const INTENT_DIRECT_MESSAGES: u64 = 1 << 12;
/// The GUILD_SCHEDULED_EVENTS intent bit.
pub const INTENT_GUILD_SCHEDULED_EVENTS: u64 = events::INTENT_GUILD_SCHEDULED_EVENTS;
/// The token the sandbox accepts.
pub const SANDBOX_TOKEN: &str = "sandbox.bot.token";
/// Discord's epoch, for snowflakes.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// How long to wait for the bot before a helper gives up.
const WAIT: Duration = Duration::from_secs(15);

/// One HTTP request the bot made.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// Path after `/api/v10`, without the query.
    pub path: String,
    pub query: String,
    pub body: Option<Value>,
    /// Names and contents of attached files (multipart requests).
    pub files: Vec<(String, Vec<u8>)>,
    /// The status answered; 0 when the connection was dropped without an answer.
    pub status: u16,
    /// When the request arrived.
    pub received_at: Instant,
    /// When its answer was decided (and sent).
    pub answered_at: Instant,
    /// The server name asked for in the TLS hello (SNI) when the request came over HTTPS (the
    /// production path); `None` over plain HTTP (the proxy path).
    pub tls_server_name: Option<String>,
    /// The Host header.
    pub host: Option<String>,
}

/// One gateway frame, either way.
#[derive(Debug, Clone)]
pub struct RecordedFrame {
    pub from_bot: bool,
    pub op: u64,
    pub event: Option<String>,
    pub payload: Value,
    /// The shard `[id, total]` of the session the frame belongs to: the session a dispatch
    /// went to, or the one on the frame's connection; `None` on a connection with no session
    /// yet (HELLO, an IDENTIFY and its refusal).
    pub shard: Option<[u32; 2]>,
}

/// What the bot answered to an interaction.
#[derive(Debug, Clone)]
pub struct Reply {
    pub interaction_id: u64,
    /// The callback type: 4 message, 5 deferred message, 6 deferred update, 7 update,
    /// 8 autocomplete result, 9 modal.
    pub kind: u64,
    /// The message shown (for 4, 5 after its edit, 6 and 7: the message as it now stands).
    pub message: Option<Value>,
    /// The callback's `data` as sent (a modal's definition, autocomplete choices, ...).
    pub data: Value,
    /// How long from dispatching the interaction to receiving the callback.
    pub round_trip: Duration,
}

impl Reply {
    pub fn ephemeral(&self) -> bool {
        self.message
            .as_ref()
            .and_then(|m| m["flags"].as_u64())
            .is_some_and(|f| f & 64 != 0)
    }

    /// The first embed's description, or the content.
    pub fn text(&self) -> String {
        let Some(m) = &self.message else {
            return String::new();
        };
        let mut text = m["content"].as_str().unwrap_or_default().to_owned();
        for embed in m["embeds"].as_array().into_iter().flatten() {
            for key in ["title", "description"] {
                if let Some(s) = embed[key].as_str() {
                    text.push('\n');
                    text.push_str(s);
                }
            }
            for field in embed["fields"].as_array().into_iter().flatten() {
                text.push_str(&format!(
                    "\n{}: {}",
                    field["name"].as_str().unwrap_or_default(),
                    field["value"].as_str().unwrap_or_default()
                ));
            }
        }
        text
    }

    /// Every button's (custom_id, label) on the message.
    pub fn buttons(&self) -> Vec<(String, String)> {
        buttons_of(self.message.as_ref().unwrap_or(&Value::Null))
    }

    /// The custom id of the button with this label.
    pub fn button(&self, label: &str) -> Option<String> {
        self.buttons()
            .into_iter()
            .find(|(_, l)| l == label)
            .map(|(id, _)| id)
    }
}

/// Every button's (custom_id, label) on a message.
pub fn buttons_of(message: &Value) -> Vec<(String, String)> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["type"] == 2)
        .map(|c| {
            (
                c["custom_id"].as_str().unwrap_or_default().to_owned(),
                c["label"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Someone acting in the sandbox: who, where, with which permissions.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: FakeUser,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub permissions: u64,
}

struct ChannelState {
    channel: FakeChannel,
    /// The bot may view / send here (a test can take it away).
    bot_can_view: bool,
    bot_can_send: bool,
}

struct StoredMessage {
    json: Value,
    channel_id: Option<u64>,
}

struct InteractionState {
    id: u64,
    dispatched: Instant,
    callback: Option<(u64, Value, Duration)>,
    /// The message the callback created or updated.
    message_id: Option<u64>,
    /// The message a component was on.
    source_message_id: Option<u64>,
    /// True once a deferred response has been edited into its final message.
    edited: bool,
    channel: FakeChannel,
    ephemeral_default: bool,
}

pub(crate) enum WsOut {
    /// A frame's text.
    Frame(Utf8Bytes),
    /// A close frame with this code and Discord's reason for it.
    Close(u16),
}

/// Discord's reason for each close code the fake sends.
fn close_reason(code: u16) -> &'static str {
    match code {
        4000 => "Unknown error",
        4001 => "Unknown opcode",
        4002 => "Decode error",
        4004 => "Authentication failed.",
        4005 => "Already authenticated.",
        4010 => "Invalid shard.",
        4011 => "Sharding required.",
        4013 => "Invalid intent(s).",
        _ => "",
    }
}

/// A gateway connection: its id and the way to its writer.
type Conn = (u64, mpsc::UnboundedSender<WsOut>);

/// The gateway session of one shard.
struct Session {
    id: String,
    shard: Shard,
    seq: u64,
    intents: u64,
    /// Every dispatch of the session with its sequence number, for RESUME.
    buffer: Vec<(u64, Utf8Bytes)>,
    conn: Option<Conn>,
}

/// A gateway frame as recorded. Frames are kept as the text on the wire, one copy shared
/// with the connection and the RESUME buffer, and parsed when a test asks: a server's
/// GUILD_CREATE is about 3 KB of text but some 27 KB as a `Value`, which adds up for a bot
/// in 20,000 servers.
struct FrameRecord {
    from_bot: bool,
    op: u64,
    event: Option<String>,
    text: Utf8Bytes,
    shard: Option<[u32; 2]>,
}

impl FrameRecord {
    fn payload(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn parsed(&self) -> RecordedFrame {
        RecordedFrame {
            from_bot: self.from_bot,
            op: self.op,
            event: self.event.clone(),
            payload: self.payload(),
            shard: self.shard,
        }
    }
}

/// How many of `guilds` `shard` holds.
fn guilds_on(guilds: &BTreeMap<u64, FakeGuild>, shard: Shard) -> usize {
    guilds.keys().filter(|&&id| shard.owns(Some(id))).count()
}

/// The guild an event is about, which decides the shard it goes to: a guild event's own id,
/// anything else's `guild_id` (none for DMs and interactions in DMs).
fn event_guild(event: &str, d: &Value) -> Option<u64> {
    let field = if event.starts_with("GUILD_") && !d["guild_id"].is_string() {
        &d["id"]
    } else {
        &d["guild_id"]
    };
    field.as_str().and_then(|id| id.parse().ok())
}

/// Ids in Discord's snowflake layout: milliseconds since Discord's epoch above bit 22, then
/// worker and process ids (0 here) and a 12-bit increment within the millisecond. The
/// fake's clock starts at the sandbox's start and moves on whenever a millisecond's
/// increments run out, and every guild gets a new millisecond of its own: so ids keep
/// increasing, and guilds' timestamps are consecutive, which spreads them evenly over any
/// number of shards (Discord routes by `(guild_id >> 22) % num_shards`).
struct Snowflakes {
    ms: u64,
    increment: u64,
}

/// Ids a millisecond holds.
const INCREMENTS_PER_MS: u64 = 1 << 12;

impl Snowflakes {
    fn starting_at(ms_since_discord_epoch: u64) -> Snowflakes {
        Snowflakes {
            ms: ms_since_discord_epoch,
            increment: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.run(1)
    }

    /// `count` consecutive ids (`first`, `first + 1`, ...); returns the first.
    fn run(&mut self, count: u64) -> u64 {
        if self.increment + count > INCREMENTS_PER_MS {
            self.ms += 1;
            self.increment = 0;
        }
        let first = (self.ms << 22) | self.increment;
        self.increment += count;
        // An overlong run stays below the next millisecond's ids; carry on from there.
        if self.increment > INCREMENTS_PER_MS {
            self.ms += 1;
            self.increment = 0;
        }
        first
    }

    /// A guild's id: the first of a new millisecond, with `id + 1` kept for the bot's managed
    /// role ([`payloads::bot_role_id`]).
    fn guild(&mut self) -> u64 {
        self.ms += 1;
        self.increment = 0;
        self.run(2)
    }
}

/// Everything the fake Discord knows. Held under a std Mutex, never across an await.
struct World {
    application_id: u64,
    bot: FakeUser,
    owner: FakeUser,
    ids: Snowflakes,
    guilds: BTreeMap<u64, FakeGuild>,
    channels: HashMap<u64, ChannelState>,
    messages: BTreeMap<u64, StoredMessage>,
    interactions: HashMap<String, InteractionState>,
    commands: Value,
    requests: Vec<RecordedRequest>,
    frames: Vec<FrameRecord>,
    violations: Vec<String>,
    /// One session per shard, oldest first (a new IDENTIFY of a shard replaces its session).
    sessions: Vec<Session>,
    /// Every IDENTIFY and the limits they are held to.
    identifies: shards::Identifies,
    resumes: u32,
    /// The close codes the bot sent when it closed a gateway connection (1005: none given).
    client_closes: Vec<u16>,
    /// The close codes the fake sent when it closed a gateway connection.
    closes_sent: Vec<u16>,
    limits: ratelimits::RateLimits,
    faults: faults::Faults,
    /// The heartbeat interval sent in the next HELLO.
    heartbeat_interval_ms: u64,
    ws_url: String,
    /// Where "now" comes from for rules about time (an event may not start in the past): the
    /// system clock unless a test's driven clock is followed.
    clock: Option<Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>>,
    /// Guild scheduled events, by id.
    scheduled_events: BTreeMap<u64, events::FakeEvent>,
    /// Servers where a test took CREATE_EVENTS away from the bot.
    events_denied: HashSet<u64>,
    /// Roles a test made (id -> name), and who holds them, by (guild, user).
    roles: HashMap<u64, String>,
    member_roles: HashMap<(u64, u64), Vec<u64>>,
}

impl World {
    fn snowflake(&mut self) -> u64 {
        self.ids.next()
    }

    /// "Now" for Discord's rules about time.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock
            .as_ref()
            .map_or_else(chrono::Utc::now, |now| now())
    }

    /// Sends a dispatch to the session of every shard that owns it (its guild's shard, or
    /// shard 0 for an event outside guilds), connected or not: a session without a connection
    /// keeps it for RESUME. Fails when no session owns it.
    fn dispatch(&mut self, event: &str, d: Value) -> anyhow::Result<()> {
        let guild = event_guild(event, &d);
        let owners: Vec<usize> = (0..self.sessions.len())
            .filter(|&i| self.sessions[i].shard.owns(guild))
            .collect();
        if owners.is_empty() {
            match guild {
                Some(guild_id) => bail!("the bot has no gateway session for guild {guild_id}"),
                None => bail!("the bot has no gateway session on shard 0"),
            }
        }
        for i in owners {
            self.dispatch_to(i, event, d.clone());
        }
        Ok(())
    }

    /// Sends a dispatch on one session (the `sessions` index), kept for RESUME.
    fn dispatch_to(&mut self, session: usize, event: &str, d: Value) {
        let session = &mut self.sessions[session];
        session.seq += 1;
        let text = Utf8Bytes::from(payloads::dispatch(event, session.seq, d).to_string());
        session.buffer.push((session.seq, text.clone()));
        if let Some((_, conn)) = &session.conn {
            let _ = conn.send(WsOut::Frame(text.clone()));
        }
        let shard = Some(session.shard.pair());
        self.frames.push(FrameRecord {
            from_bot: false,
            op: 0,
            event: Some(event.to_owned()),
            text,
            shard,
        });
    }

    /// The session a connection is attached to.
    fn session_of(&self, conn_id: u64) -> Option<&Session> {
        self.sessions
            .iter()
            .find(|s| s.conn.as_ref().is_some_and(|(id, _)| *id == conn_id))
    }

    /// Records a gateway frame on connection `conn_id`, either way: `frame` parsed from (or
    /// written as) `text`.
    fn record_frame(&mut self, conn_id: u64, from_bot: bool, frame: &Value, text: Utf8Bytes) {
        let shard = self.session_of(conn_id).map(|s| s.shard.pair());
        self.frames.push(FrameRecord {
            from_bot,
            op: frame["op"].as_u64().unwrap_or(u64::MAX),
            event: frame["t"].as_str().map(str::to_owned),
            text,
            shard,
        });
    }

    /// Sends a frame that is not a dispatch (HELLO, HEARTBEAT_ACK, INVALID_SESSION) on a
    /// connection, and records it.
    fn send(&mut self, (conn_id, tx): &Conn, frame: Value) {
        let text = Utf8Bytes::from(frame.to_string());
        self.record_frame(*conn_id, false, &frame, text.clone());
        let _ = tx.send(WsOut::Frame(text));
    }

    /// Closes a gateway connection with `code` (and Discord's reason), and records it.
    fn close(&mut self, tx: &mpsc::UnboundedSender<WsOut>, code: u16) {
        self.closes_sent.push(code);
        let _ = tx.send(WsOut::Close(code));
    }

    /// The newest session: the one whose intents and connection "the bot's" mean.
    fn newest_session(&self) -> Option<&Session> {
        self.sessions.last()
    }

    /// Whether every shard of the bot's current sharding (the latest accepted IDENTIFY's
    /// total) has a session with a connection.
    fn all_shards_connected(&self) -> bool {
        self.identifies
            .latest_total()
            .is_some_and(|total| self.shards_connected(total))
    }

    /// Whether each of shards `0..total` has a session with a connection.
    fn shards_connected(&self, total: u32) -> bool {
        (0..total).all(|id| {
            self.sessions
                .iter()
                .any(|s| s.shard == Shard { id, total } && s.conn.is_some())
        })
    }

    /// Adds a channel the bot can see and post in.
    fn insert_channel(&mut self, channel: FakeChannel) {
        self.channels.insert(
            channel.id,
            ChannelState {
                channel,
                bot_can_view: true,
                bot_can_send: true,
            },
        );
    }

    /// Whether the bot identified with this intent (all of a bot's shards identify with the
    /// same intents; the newest session's are taken).
    fn has_intent(&self, bit: u64) -> bool {
        self.newest_session().is_some_and(|s| s.intents & bit != 0)
    }

    fn channel(&self, id: u64) -> Option<&FakeChannel> {
        self.channels.get(&id).map(|c| &c.channel)
    }

    /// A channel as Discord shows it to the bot: a server channel carries an overwrite for
    /// whatever a test has taken away from the bot there.
    fn channel_payload(&self, id: u64, position: u16) -> Option<Value> {
        let state = self.channels.get(&id)?;
        if state.channel.guild_id.is_none() || state.channel.kind != ChannelKind::Text {
            return Some(payloads::channel(&state.channel));
        }
        let mut denied = 0;
        if !state.bot_can_view {
            denied |= permissions::VIEW_CHANNEL;
        }
        if !state.bot_can_send {
            denied |= permissions::SEND_MESSAGES;
        }
        Some(payloads::guild_channel(
            &state.channel,
            position,
            self.bot.id,
            denied,
        ))
    }

    /// Whether some session would receive the events of `guild` (`None`: outside guilds).
    fn has_session_for(&self, guild: Option<u64>) -> bool {
        self.sessions.iter().any(|s| s.shard.owns(guild))
    }

    /// Adds a guild with a text channel, #general; the shard that owns it receives
    /// GUILD_CREATE if it has a session.
    fn add_guild(&mut self, name: String, members: Vec<FakeUser>) -> FakeGuild {
        let guild_id = self.ids.guild();
        let channel_id = self.snowflake();
        let owner_id = members.first().map_or(self.owner.id, |m| m.id);
        let general = FakeChannel {
            id: channel_id,
            name: "general".into(),
            kind: ChannelKind::Text,
            guild_id: Some(guild_id),
            parent_id: None,
            recipient: None,
        };
        let guild = FakeGuild {
            id: guild_id,
            name,
            owner_id,
            channels: vec![general.clone()],
            members,
        };
        self.insert_channel(general);
        self.guilds.insert(guild_id, guild.clone());
        if self.has_session_for(Some(guild_id)) {
            let d = payloads::guild_create(&guild, &self.bot, &now_iso());
            let _ = self.dispatch("GUILD_CREATE", d);
        }
        guild
    }
}

pub(crate) struct Shared {
    world: Mutex<World>,
    changed: Notify,
    openapi: Option<OpenApi>,
    token: String,
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().expect("sandbox state")
    }

    /// Wakes everyone waiting for the world to change.
    fn touch(&self) {
        self.changed.notify_waiters();
    }
}

/// Options for a sandbox.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Whether, and against which file, JSON bodies are checked against Discord's OpenAPI
    /// description.
    pub openapi: OpenApiCheck,
}

/// Whether JSON bodies are checked against Discord's OpenAPI description, and where it is.
/// Where to look is decided when the sandbox starts, never when it is built: no path of the
/// machine that compiled it is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OpenApiCheck {
    /// Not checked.
    #[default]
    Off,
    /// Checked when the description is found by [`OpenApi::locate`]: the file named by
    /// `$SMALLACTS_DISCORD_OPENAPI`, else `shared/discord/openapi.json` in or beside the
    /// current directory. Not checked when there is none (see [`Sandbox::checks_openapi`]).
    WhenFound,
    /// Checked against this file, which must exist.
    File(std::path::PathBuf),
}

/// A running fake Discord. Dropping it stops the server.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls_addr: SocketAddr,
    ca_pem: String,
    /// Holds `ca.pem` for the bot to read.
    ca_dir: tempfile::TempDir,
    /// The OpenAPI description bodies are checked against, if any.
    openapi_file: Option<std::path::PathBuf>,
    server: tokio::task::JoinHandle<()>,
    tls_server: tokio::task::JoinHandle<()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.abort();
        self.tls_server.abort();
    }
}

impl Sandbox {
    /// Starts the fake Discord on a free port of 127.0.0.1.
    pub async fn start(options: SandboxOptions) -> anyhow::Result<Sandbox> {
        let openapi_file = match options.openapi {
            OpenApiCheck::Off => None,
            OpenApiCheck::WhenFound => OpenApi::locate(None)?,
            OpenApiCheck::File(path) => OpenApi::locate(Some(&path))?,
        };
        let openapi = match &openapi_file {
            Some(path) => {
                Some(OpenApi::load(path).context("loading Discord's OpenAPI description")?)
            }
            None => None,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let tls_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let tls_addr = tls_listener.local_addr()?;
        let authority = tls::Authority::generate().context("making a certificate for the run")?;
        let ca_dir = tempfile::tempdir().context("a folder for the fake Discord's certificate")?;
        std::fs::write(ca_dir.path().join("ca.pem"), &authority.ca_pem)?;
        let now_ms = chrono::Utc::now().timestamp_millis() as u64;
        let bot = FakeUser {
            id: 1_000_000_000_000_000_001,
            username: "smallacts".into(),
            global_name: Some("smallacts".into()),
            bot: true,
        };
        let owner = FakeUser {
            id: 1_000_000_000_000_000_002,
            username: "owner".into(),
            global_name: Some("Bot Owner".into()),
            bot: false,
        };
        let world = World {
            application_id: bot.id,
            bot,
            owner,
            ids: Snowflakes::starting_at(now_ms - DISCORD_EPOCH_MS),
            guilds: BTreeMap::new(),
            channels: HashMap::new(),
            messages: BTreeMap::new(),
            interactions: HashMap::new(),
            commands: json!([]),
            requests: Vec::new(),
            frames: Vec::new(),
            violations: Vec::new(),
            sessions: Vec::new(),
            identifies: shards::Identifies::default(),
            resumes: 0,
            client_closes: Vec::new(),
            closes_sent: Vec::new(),
            limits: ratelimits::RateLimits::default(),
            faults: faults::Faults::default(),
            heartbeat_interval_ms: gateway::HEARTBEAT_INTERVAL_MS,
            ws_url: format!("ws://{addr}/gateway"),
            clock: None,
            scheduled_events: BTreeMap::new(),
            events_denied: HashSet::new(),
            roles: HashMap::new(),
            member_roles: HashMap::new(),
        };
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            changed: Notify::new(),
            openapi,
            token: SANDBOX_TOKEN.to_owned(),
        });
        let app = axum::Router::new()
            .route("/gateway", axum::routing::get(gateway::upgrade))
            .route("/api/v10/{*path}", axum::routing::any(rest::handle))
            .with_state(shared.clone());
        let ca_pem = authority.ca_pem.clone();
        let tls_app = app.clone();
        let tls_server = tokio::spawn(async move {
            tls::serve(tls_listener, &authority, tls_app).await;
        });
        let server = tokio::spawn(async move {
            // Like Discord's edge, send small gateway frames at once (no Nagle delay).
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|stream| {
                let _ = stream.set_nodelay(true);
            });
            let _ = axum::serve(listener, app).await;
        });
        Ok(Sandbox {
            shared,
            addr,
            tls_addr,
            ca_pem,
            ca_dir,
            openapi_file,
            server,
            tls_server,
        })
    }

    /// The base URL to give the bot as DISCORD_API_URL (the proxy path): plain HTTP.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where the fake answers HTTPS as `discord.com` (the production path).
    pub fn discord_addr(&self) -> SocketAddr {
        self.tls_addr
    }

    /// The certificate authority made for this run, PEM, that signed the fake's `discord.com`
    /// certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A file holding [`Sandbox::ca_pem`], for `discord.extra_root_ca`.
    pub fn ca_pem_path(&self) -> std::path::PathBuf {
        self.ca_dir.path().join("ca.pem")
    }

    /// The close codes the bot sent when it closed its gateway connections, oldest first
    /// (1000 is a normal close; 1005 a close frame without a code).
    pub fn client_close_codes(&self) -> Vec<u16> {
        self.shared.world().client_closes.clone()
    }

    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// Whether request bodies are checked against Discord's OpenAPI description.
    pub fn checks_openapi(&self) -> bool {
        self.shared.openapi.is_some()
    }

    /// The file of Discord's OpenAPI description bodies are checked against, if any.
    pub fn openapi_file(&self) -> Option<&std::path::Path> {
        self.openapi_file.as_deref()
    }

    pub fn bot_user(&self) -> FakeUser {
        self.shared.world().bot.clone()
    }

    pub fn application_id(&self) -> u64 {
        self.shared.world().application_id
    }

    /// A new unique id.
    pub fn new_id(&self) -> u64 {
        self.shared.world().snowflake()
    }

    /// Adds a server with a text channel; if the bot has a session on the server's shard, it
    /// receives GUILD_CREATE there. The first member (else the bot's owner) owns it.
    pub fn add_guild(&self, name: &str, members: Vec<FakeUser>) -> FakeGuild {
        let guild = self.shared.world().add_guild(name.into(), members);
        self.shared.touch();
        guild
    }

    /// Adds `count` servers at once, named "`name_prefix` 1", "`name_prefix` 2", ..., each
    /// with #general and the bot's owner as owner and only member (besides the bot), as
    /// [`Sandbox::add_guild`] does. Cheap enough for tens of thousands (20,000 take about a
    /// tenth of a second): each server costs a few map insertions and nothing that looks at
    /// the others, and GUILD_CREATE goes out only to shards with a session.
    pub fn add_guilds(&self, count: usize, name_prefix: &str) -> Vec<FakeGuild> {
        let mut world = self.shared.world();
        let owner = world.owner.clone();
        let guilds = (1..=count)
            .map(|n| world.add_guild(format!("{name_prefix} {n}"), vec![owner.clone()]))
            .collect();
        drop(world);
        self.shared.touch();
        guilds
    }

    /// Adds a text channel to a server.
    pub fn add_channel(&self, guild_id: u64, name: &str) -> FakeChannel {
        self.add_channel_of(guild_id, name, ChannelKind::Text)
    }

    /// Adds a channel of `kind` to a server; the bot hears CHANNEL_CREATE.
    fn add_channel_of(&self, guild_id: u64, name: &str, kind: ChannelKind) -> FakeChannel {
        let mut world = self.shared.world();
        let id = world.snowflake();
        let channel = FakeChannel {
            id,
            name: name.into(),
            kind,
            guild_id: Some(guild_id),
            parent_id: None,
            recipient: None,
        };
        world.insert_channel(channel.clone());
        if let Some(guild) = world.guilds.get_mut(&guild_id) {
            guild.channels.push(channel.clone());
        }
        if world.has_session_for(Some(guild_id)) {
            let _ = world.dispatch("CHANNEL_CREATE", payloads::channel(&channel));
        }
        drop(world);
        self.shared.touch();
        channel
    }

    /// Takes "now", for Discord's rules about time (a scheduled event may not start in the
    /// past), from a driven clock instead of the system's.
    pub fn follow_clock(
        &self,
        now: impl Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync + 'static,
    ) {
        self.shared.world().clock = Some(Arc::new(now));
    }

    /// Adds a voice channel (or, with `stage`, a stage channel) to a server.
    pub fn add_voice_channel(&self, guild_id: u64, name: &str, stage: bool) -> FakeChannel {
        let kind = if stage {
            ChannelKind::Stage
        } else {
            ChannelKind::Voice
        };
        self.add_channel_of(guild_id, name, kind)
    }

    /// Takes away (or gives back) the bot's Create Events permission in a server: its
    /// scheduled-event requests get 403/50013 and its role shows without the bit.
    pub fn set_bot_can_create_events(&self, guild_id: u64, can: bool) {
        let mut world = self.shared.world();
        if can {
            world.events_denied.remove(&guild_id);
        } else {
            world.events_denied.insert(guild_id);
        }
    }

    /// The scheduled events of a server, as Discord holds them (with `user_count`).
    pub fn scheduled_events(&self, guild_id: u64) -> Vec<Value> {
        let world = self.shared.world();
        world
            .scheduled_events
            .values()
            .filter(|e| e.guild_id == guild_id)
            .map(|e| {
                let mut json = e.json.clone();
                json["user_count"] = json!(e.interested.len());
                json
            })
            .collect()
    }

    /// A member clicks "Interested" on a scheduled event in Discord (or, with `false`, takes
    /// it back): the bot hears GUILD_SCHEDULED_EVENT_USER_ADD (or _REMOVE) if it asked for
    /// the GUILD_SCHEDULED_EVENTS intent.
    pub fn mark_interested(
        &self,
        event_id: u64,
        user_id: u64,
        interested: bool,
    ) -> anyhow::Result<()> {
        let result = events::set_interest(&mut self.shared.world(), event_id, user_id, interested);
        self.shared.touch();
        result
    }

    /// Deletes a channel: later requests for it get 404 Unknown Channel.
    pub fn delete_channel(&self, channel_id: u64) {
        let mut world = self.shared.world();
        world.channels.remove(&channel_id);
        for guild in world.guilds.values_mut() {
            guild.channels.retain(|c| c.id != channel_id);
        }
    }

    /// Takes away (or gives back) the bot's Send Messages permission in a channel: later
    /// posts there get 403/50013, and the bot receives CHANNEL_UPDATE with a permission
    /// overwrite denying it, as when an admin edits the channel.
    pub fn set_bot_can_send(&self, channel_id: u64, can_send: bool) {
        let mut world = self.shared.world();
        let Some(state) = world.channels.get_mut(&channel_id) else {
            return;
        };
        state.bot_can_send = can_send;
        let in_guild = state.channel.guild_id.is_some();
        if let Some(channel) = world.channel_payload(channel_id, 0)
            && in_guild
        {
            let _ = world.dispatch("CHANNEL_UPDATE", channel);
        }
    }

    /// Threads the bot started, as (parent channel, thread).
    pub fn threads(&self) -> Vec<(u64, FakeChannel)> {
        self.shared
            .world()
            .channels
            .values()
            .filter(|c| c.channel.kind == ChannelKind::PublicThread)
            .map(|c| (c.channel.parent_id.unwrap_or_default(), c.channel.clone()))
            .collect()
    }

    /// Waits until the bot has sent at least `count` direct messages to a user (they are
    /// sent after the interaction that caused them has been answered).
    pub async fn wait_for_dms(&self, user_id: u64, count: usize) -> anyhow::Result<Vec<Value>> {
        self.wait_for("direct messages from the bot", |w| {
            let dms = dms_in(w, user_id);
            (dms.len() >= count).then_some(dms)
        })
        .await
    }

    /// Messages the bot sent in direct messages to `user`.
    pub fn dms_to(&self, user_id: u64) -> Vec<Value> {
        dms_in(&self.shared.world(), user_id)
    }
}

impl Sandbox {
    /// Answers REST requests beyond `per_second` in any one second with 429 (interaction
    /// callbacks excepted, as on Discord). `None` turns the limit off.
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        self.shared.world().limits.set_global(per_second);
    }

    /// Changes a route's bucket, e.g. `("POST /channels/{channel.id}/messages", RouteLimit {
    /// limit: 2, per: Duration::from_secs(1) })`. Templates are those of
    /// [`ratelimits::Route`]; the defaults are in [`ratelimits`].
    pub fn set_route_limit(&self, template: &str, limit: RouteLimit) {
        self.shared.world().limits.set_route_limit(template, limit);
    }

    /// How many 429s the sandbox has answered.
    pub fn rate_limited_count(&self) -> u64 {
        self.shared.world().limits.limited
    }
}

/// Fault injection: what goes wrong on Discord's side, on request.
impl Sandbox {
    /// The next `count` requests matching `filter` get a 5xx and are not acted on: 500 or 503
    /// with a JSON body, 502 with the HTML page an edge proxy sends.
    pub fn fail_next(&self, count: u32, status: u16, filter: RequestFilter) {
        assert!(
            matches!(status, 500 | 502 | 503),
            "a server error, not {status}"
        );
        self.shared.world().faults.add_window(count, status, filter);
    }

    /// The next `count` message creates matching `filter` (POST /channels/{id}/messages or a
    /// webhook follow-up) are carried out (the message is stored and MESSAGE_CREATE sent)
    /// but their answer is lost: a 5xx, or the connection closed with no answer.
    pub fn ghost_next_creates(&self, count: u32, lost: LostAnswer, filter: RequestFilter) {
        self.shared.world().faults.add_ghost(count, lost, filter);
    }

    /// The next request matching `filter` gets 429 with `retry_after` seconds, global or for
    /// its route; the bucket (or, if global, every route but interactions) stays shut that
    /// long, as Discord's would.
    pub fn force_rate_limit(&self, retry_after: f64, global: bool, filter: RequestFilter) {
        self.shared
            .world()
            .faults
            .add_forced(retry_after, global, filter);
    }

    /// Faults asked for and not yet met.
    pub fn pending_faults(&self) -> usize {
        self.shared.world().faults.pending()
    }

    /// The gateway goes silent: the current connection gets no more HEARTBEAT_ACKs (it stays
    /// open). A healthy client notices, drops it and reconnects; the new connection is
    /// answered normally.
    pub fn silence_gateway(&self) {
        let mut world = self.shared.world();
        let live: Vec<u64> = world
            .sessions
            .iter()
            .filter_map(|s| s.conn.as_ref().map(|(id, _)| *id))
            .collect();
        world.faults.silent_connections.extend(live);
    }

    /// The heartbeat interval sent in later HELLOs (Discord's is about 41 s).
    pub fn set_heartbeat_interval(&self, interval: Duration) {
        self.shared.world().heartbeat_interval_ms = interval.as_millis().max(1) as u64;
    }

    /// Requests that arrived over HTTPS for `discord.com` (the production path), and all.
    pub fn tls_request_counts(&self) -> (usize, usize) {
        let world = self.shared.world();
        let tls = world
            .requests
            .iter()
            .filter(|r| r.tls_server_name.as_deref() == Some(DISCORD_HOST))
            .count();
        (tls, world.requests.len())
    }

    /// A member of nobody's in particular: a fresh user.
    pub fn new_user(&self, name: &str) -> FakeUser {
        FakeUser {
            id: self.new_id(),
            username: name.to_lowercase().replace(' ', "_"),
            global_name: Some(name.into()),
            bot: false,
        }
    }

    /// An actor for `user` in a guild's first channel, with ordinary member permissions.
    pub fn member(&self, guild: &FakeGuild, user: &FakeUser) -> Actor {
        Actor {
            user: user.clone(),
            guild_id: Some(guild.id),
            channel_id: guild.channels[0].id,
            permissions: permissions::MEMBER,
        }
    }

    /// An actor for `user` in a direct message with the bot.
    pub fn dm(&self, user: &FakeUser) -> Actor {
        let channel_id = self.dm_channel(user).id;
        Actor {
            user: user.clone(),
            guild_id: None,
            channel_id,
            permissions: 0,
        }
    }

    fn dm_channel(&self, user: &FakeUser) -> FakeChannel {
        let mut world = self.shared.world();
        if let Some(existing) = world.channels.values().find(|c| {
            c.channel.kind == ChannelKind::Dm && c.channel.recipient.as_ref() == Some(user)
        }) {
            return existing.channel.clone();
        }
        let id = world.snowflake();
        let channel = FakeChannel {
            id,
            name: String::new(),
            kind: ChannelKind::Dm,
            guild_id: None,
            parent_id: None,
            recipient: Some(user.clone()),
        };
        world.insert_channel(channel.clone());
        channel
    }

    /// Waits until the bot has identified (or resumed) on every shard of its current sharding
    /// and registered its commands.
    pub async fn wait_until_ready(&self) -> anyhow::Result<()> {
        self.wait_for("the bot to connect and register its commands", |w| {
            let live = w.all_shards_connected();
            // Registered once the bulk overwrite has been answered (and recorded).
            let registered = w
                .requests
                .iter()
                .any(|r| r.method == "PUT" && r.path.ends_with("/commands") && r.status == 200);
            (live && registered).then_some(())
        })
        .await
    }

    /// Waits for a condition on the world, woken by every change. It gives up [`WAIT`] after
    /// the later of the call and the latest accepted IDENTIFY: a bot with many shards starts
    /// one rate-limit bucket every 5 s, and is waited for as long as it keeps doing so.
    async fn wait_for<T>(
        &self,
        what: &str,
        check: impl Fn(&World) -> Option<T>,
    ) -> anyhow::Result<T> {
        let called = Instant::now();
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let deadline = {
                let world = self.shared.world();
                if let Some(value) = check(&world) {
                    return Ok(value);
                }
                let progress = world.identifies.latest_accepted_at();
                progress.map_or(called, |at| at.max(called)) + WAIT
            };
            if tokio::time::timeout_at(deadline.into(), notified)
                .await
                .is_err()
            {
                bail!("timed out after {WAIT:?} waiting for {what}");
            }
        }
    }

    /// The commands the bot registered (the sandbox's answer to its bulk overwrite).
    pub fn registered_commands(&self) -> Value {
        self.shared.world().commands.clone()
    }

    /// The value Discord would send for a choice, found by its displayed name in the commands
    /// the bot registered, as an option ready for `slash`.
    pub fn choice(&self, command: &str, option: &str, choice_name: &str) -> anyhow::Result<Value> {
        let world = self.shared.world();
        let found = world
            .commands
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == command)
            .and_then(|c| {
                c["options"]
                    .as_array()?
                    .iter()
                    .find(|o| o["name"] == option)
                    .cloned()
            })
            .ok_or_else(|| anyhow!("/{command} has no option {option:?}"))?;
        let value = found["choices"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == choice_name)
            .map(|c| c["value"].clone())
            .ok_or_else(|| anyhow!("/{command} {option} has no choice {choice_name:?}"))?;
        Ok(json!({"name": option, "type": found["type"], "value": value}))
    }

    /// Runs a slash command as `actor` and waits for the bot's answer.
    pub async fn slash(&self, actor: &Actor, name: &str, options: Value) -> anyhow::Result<Reply> {
        let command_id = self.command_id(name)?;
        let resolved = self.resolve_channels(&options);
        let resolved_roles = self.resolve_roles(&options);
        let held: Vec<Value> = actor
            .guild_id
            .and_then(|g| {
                self.shared
                    .world()
                    .member_roles
                    .get(&(g, actor.user.id))
                    .cloned()
            })
            .unwrap_or_default()
            .into_iter()
            .map(|r| json!(r.to_string()))
            .collect();
        self.interact(actor, None, move |ctx| {
            let mut payload = payloads::command_interaction(ctx, command_id, name, options);
            if !resolved.is_empty() {
                payload["data"]["resolved"]["channels"] = Value::Object(resolved);
            }
            if !resolved_roles.is_empty() {
                payload["data"]["resolved"]["roles"] = Value::Object(resolved_roles);
            }
            if payload["member"].is_object() {
                payload["member"]["roles"] = Value::Array(held);
            }
            payload
        })
        .await
    }

    /// Adds a role to a server (no permissions of its own) and returns its id.
    pub fn add_role(&self, _guild_id: u64, name: &str) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        world.roles.insert(id, name.to_owned());
        id
    }

    /// Gives a member a role: their interactions carry it in `member.roles`.
    pub fn give_role(&self, guild_id: u64, user_id: u64, role_id: u64) {
        self.shared
            .world()
            .member_roles
            .entry((guild_id, user_id))
            .or_default()
            .push(role_id);
    }

    /// Discord sends the roles named by role options in `data.resolved`.
    fn resolve_roles(&self, options: &Value) -> serde_json::Map<String, Value> {
        let mut resolved = serde_json::Map::new();
        let world = self.shared.world();
        let mut stack: Vec<&Value> = options.as_array().into_iter().flatten().collect();
        while let Some(option) = stack.pop() {
            stack.extend(option["options"].as_array().into_iter().flatten());
            if option["type"] == 8
                && let Some(id) = option["value"].as_str()
                && let Some((role_id, name)) = id
                    .parse::<u64>()
                    .ok()
                    .and_then(|r| world.roles.get(&r).map(|n| (r, n)))
            {
                resolved.insert(id.to_owned(), payloads::role(role_id, name, 0, 1, None));
            }
        }
        resolved
    }

    /// Discord sends the channels named by channel options in `data.resolved`.
    fn resolve_channels(&self, options: &Value) -> serde_json::Map<String, Value> {
        let mut resolved = serde_json::Map::new();
        let world = self.shared.world();
        let mut stack: Vec<&Value> = options.as_array().into_iter().flatten().collect();
        while let Some(option) = stack.pop() {
            stack.extend(option["options"].as_array().into_iter().flatten());
            if option["type"] == 7
                && let Some(id) = option["value"].as_str()
                && let Some(channel) = id.parse().ok().and_then(|id| world.channel(id))
            {
                resolved.insert(
                    id.to_owned(),
                    json!({
                        "id": id,
                        "name": channel.name,
                        "type": channel.kind.code(),
                        "permissions": permissions::MEMBER.to_string(),
                    }),
                );
            }
        }
        resolved
    }

    /// Runs a slash command the bot has not registered (any more), as a member whose Discord
    /// still shows an older list of commands would, and waits for the bot's answer.
    pub async fn slash_unregistered(
        &self,
        actor: &Actor,
        name: &str,
        options: Value,
    ) -> anyhow::Result<Reply> {
        let command_id = self.new_id();
        self.interact(actor, None, move |ctx| {
            payloads::command_interaction(ctx, command_id, name, options)
        })
        .await
    }

    /// Asks for autocomplete suggestions; returns the choices.
    pub async fn autocomplete(
        &self,
        actor: &Actor,
        name: &str,
        options: Value,
    ) -> anyhow::Result<Vec<Value>> {
        let command_id = self.command_id(name)?;
        let reply = self
            .interact(actor, None, move |ctx| {
                payloads::autocomplete_interaction(ctx, command_id, name, options)
            })
            .await?;
        Ok(reply.data["choices"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// Clicks a button on a message the bot sent, and waits for the answer.
    pub async fn click(
        &self,
        actor: &Actor,
        message: &Value,
        custom_id: &str,
    ) -> anyhow::Result<Reply> {
        let message_id: u64 = message["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("the message has no id"))?;
        // The button is on the message as it stands now (it may have been updated).
        let current = self
            .shared
            .world()
            .messages
            .get(&message_id)
            .map(|m| m.json.clone())
            .unwrap_or_else(|| message.clone());
        if !buttons_of(&current).iter().any(|(id, _)| id == custom_id) {
            bail!("no button {custom_id:?} on that message");
        }
        self.interact(actor, Some(message_id), move |ctx| {
            payloads::component_interaction(ctx, custom_id, 2, current)
        })
        .await
    }

    /// Submits a modal the bot showed, with (field custom_id, value) pairs.
    pub async fn submit_modal(
        &self,
        actor: &Actor,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<Reply> {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
            .collect();
        self.interact(actor, None, move |ctx| {
            payloads::modal_submit_interaction(ctx, custom_id, Value::Array(rows))
        })
        .await
    }

    fn command_id(&self, name: &str) -> anyhow::Result<u64> {
        let world = self.shared.world();
        world
            .commands
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == name)
            .and_then(|c| c["id"].as_str()?.parse().ok())
            .ok_or_else(|| anyhow!("the bot registered no /{name} command"))
    }

    async fn interact(
        &self,
        actor: &Actor,
        source_message_id: Option<u64>,
        build: impl FnOnce(&InteractionContext) -> Value,
    ) -> anyhow::Result<Reply> {
        let token = format!("sandbox-interaction-{}", self.new_id());
        let (id, application_id, channel) = {
            let mut world = self.shared.world();
            let channel = world
                .channel(actor.channel_id)
                .cloned()
                .ok_or_else(|| anyhow!("no channel {}", actor.channel_id))?;
            (world.snowflake(), world.application_id, channel)
        };
        let ctx = InteractionContext {
            id,
            application_id,
            token: token.clone(),
            user: actor.user.clone(),
            guild_id: actor.guild_id,
            channel: channel.clone(),
            member_permissions: actor.permissions,
            locale: "en-GB".into(),
        };
        let payload = build(&ctx);
        {
            let mut world = self.shared.world();
            world.interactions.insert(
                token.clone(),
                InteractionState {
                    id,
                    dispatched: Instant::now(),
                    callback: None,
                    message_id: None,
                    source_message_id,
                    edited: false,
                    channel,
                    ephemeral_default: false,
                },
            );
            world.dispatch("INTERACTION_CREATE", payload)?;
        }
        self.wait_for("the bot to answer the interaction", |w| {
            let state = w.interactions.get(&token)?;
            let (kind, data, round_trip) = state.callback.clone()?;
            // A deferred message or update is only an answer once it has been edited (or,
            // for an update, followed up).
            if matches!(kind, 5 | 6) && !state.edited {
                return None;
            }
            let message = state
                .message_id
                .or(state.source_message_id.filter(|_| kind == 6 || kind == 7))
                .and_then(|mid| w.messages.get(&mid))
                .map(|m| m.json.clone());
            Some(Reply {
                interaction_id: state.id,
                kind,
                message,
                data,
                round_trip,
            })
        })
        .await
    }

    /// A member posts a message in a channel (the bot receives MESSAGE_CREATE, with the
    /// content blanked if it lacks the MESSAGE_CONTENT intent, as on Discord).
    pub fn post_message(
        &self,
        actor: &Actor,
        content: &str,
        reply_to: Option<u64>,
    ) -> anyhow::Result<Value> {
        let mut world = self.shared.world();
        let channel = world
            .channel(actor.channel_id)
            .cloned()
            .ok_or_else(|| anyhow!("no channel {}", actor.channel_id))?;
        let id = world.snowflake();
        let mut message = payloads::message(
            id,
            &channel,
            &actor.user,
            content,
            json!([]),
            json!([]),
            &now_iso(),
            None,
        );
        if let Some(parent) = reply_to {
            message["message_reference"] =
                json!({"message_id": parent.to_string(), "channel_id": channel.id.to_string()});
            message["type"] = json!(19);
        }
        world.messages.insert(
            id,
            StoredMessage {
                json: message.clone(),
                channel_id: Some(channel.id),
            },
        );
        let mentions_bot = content.contains(&format!("<@{}>", world.bot.id));
        let mut delivered = message.clone();
        if channel.guild_id.is_some() && !mentions_bot && !world.has_intent(INTENT_MESSAGE_CONTENT)
        {
            delivered["content"] = json!("");
            delivered["embeds"] = json!([]);
            delivered["attachments"] = json!([]);
            delivered["components"] = json!([]);
        }
        world.dispatch("MESSAGE_CREATE", delivered)?;
        Ok(message)
    }

    /// A member edits their message (the bot receives MESSAGE_UPDATE, blanked without the
    /// MESSAGE_CONTENT intent as on Discord).
    pub fn edit_message(
        &self,
        actor: &Actor,
        message_id: u64,
        content: &str,
    ) -> anyhow::Result<()> {
        let mut world = self.shared.world();
        let stored = world
            .messages
            .get_mut(&message_id)
            .ok_or_else(|| anyhow!("no message {message_id}"))?;
        if stored.json["author"]["id"] != actor.user.id.to_string().as_str() {
            bail!("{} did not write message {message_id}", actor.user.username);
        }
        stored.json["content"] = json!(content);
        stored.json["edited_timestamp"] = json!(now_iso());
        let mut delivered = stored.json.clone();
        if delivered["guild_id"].is_string() && !world.has_intent(INTENT_MESSAGE_CONTENT) {
            delivered["content"] = json!("");
        }
        world.dispatch("MESSAGE_UPDATE", delivered)
    }

    /// A member deletes their message (the bot receives MESSAGE_DELETE).
    pub fn delete_message(&self, actor: &Actor, message_id: u64) -> anyhow::Result<()> {
        let mut world = self.shared.world();
        let stored = world
            .messages
            .remove(&message_id)
            .ok_or_else(|| anyhow!("no message {message_id}"))?;
        let mut d = json!({"id": message_id.to_string(), "channel_id": stored.json["channel_id"]});
        if let Some(guild) = actor.guild_id {
            d["guild_id"] = json!(guild.to_string());
        }
        world.dispatch("MESSAGE_DELETE", d)
    }

    /// Waits until a channel holds at least `count` messages.
    pub async fn wait_for_channel_messages(
        &self,
        channel_id: u64,
        count: usize,
    ) -> anyhow::Result<Vec<Value>> {
        self.wait_for("messages in the channel", |w| {
            let messages: Vec<Value> = w
                .messages
                .values()
                .filter(|m| m.channel_id == Some(channel_id))
                .map(|m| m.json.clone())
                .collect();
            (messages.len() >= count).then_some(messages)
        })
        .await
    }

    /// Messages in a channel (not ephemeral ones), oldest first.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.shared
            .world()
            .messages
            .values()
            .filter(|m| m.channel_id == Some(channel_id))
            .map(|m| m.json.clone())
            .collect()
    }

    /// How many messages the bot has posted (and not deleted), without copying them: for
    /// watching a large run, where copying 20,000 messages a few times a second would hold
    /// the fake's lock long enough to slow the run it watches.
    pub fn bot_message_count(&self) -> usize {
        bot_authored(&self.shared.world()).count()
    }

    /// How many threads the bot has started, without copying them.
    pub fn thread_count(&self) -> usize {
        self.shared
            .world()
            .channels
            .values()
            .filter(|c| c.channel.kind == ChannelKind::PublicThread)
            .count()
    }

    /// Messages the bot sent (channel posts, DMs and interaction responses), oldest first.
    pub fn bot_messages(&self) -> Vec<Value> {
        bot_authored(&self.shared.world())
            .map(|m| m.json.clone())
            .collect()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.world().requests.clone()
    }

    /// The last file the bot uploaded whose name `matches`: its name and bytes.
    pub fn last_file(&self, matches: impl Fn(&str) -> bool) -> Option<(String, Vec<u8>)> {
        self.shared
            .world()
            .requests
            .iter()
            .rev()
            .flat_map(|r| r.files.iter())
            .find(|(name, _)| matches(name))
            .cloned()
    }

    pub fn frames(&self) -> Vec<RecordedFrame> {
        self.shared
            .world()
            .frames
            .iter()
            .map(FrameRecord::parsed)
            .collect()
    }

    /// Everything the bot sent that Discord would have refused or that broke the OpenAPI
    /// description, plus routes the sandbox does not know. Tests assert this is empty.
    pub fn violations(&self) -> Vec<String> {
        self.shared.world().violations.clone()
    }

    /// The intents the bot identified with (its newest session's).
    pub fn intents(&self) -> Option<u64> {
        self.shared.world().newest_session().map(|s| s.intents)
    }

    /// How many times the bot identified (IDENTIFYs that started a session, on any shard) and
    /// resumed.
    pub fn identify_and_resume_counts(&self) -> (u32, u32) {
        let world = self.shared.world();
        (world.identifies.accepted_count(), world.resumes)
    }

    /// Drops the bot's gateway connections, every shard's, the way Discord does when
    /// something goes wrong on its side (close code 4000); the sessions stay resumable.
    pub fn drop_connection(&self) {
        self.drop_connections(None);
    }

    /// Drops the connection of shard `shard` alone (close code 4000), resumable.
    pub fn drop_shard_connection(&self, shard: u32) {
        self.drop_connections(Some(shard));
    }

    fn drop_connections(&self, shard: Option<u32>) {
        let mut world = self.shared.world();
        let mut dropped = Vec::new();
        for session in &mut world.sessions {
            if shard.is_none_or(|id| session.shard.id == id)
                && let Some((_, tx)) = session.conn.take()
            {
                dropped.push(tx);
            }
        }
        for tx in dropped {
            world.close(&tx, 4000);
        }
    }

    /// Ends every session outright (INVALID_SESSION, not resumable): the bot must identify
    /// anew.
    pub fn invalidate_session(&self) {
        self.invalidate_sessions(None);
    }

    /// Ends shard `shard`'s session outright (INVALID_SESSION, not resumable).
    pub fn invalidate_shard_session(&self, shard: u32) {
        self.invalidate_sessions(Some(shard));
    }

    fn invalidate_sessions(&self, shard: Option<u32>) {
        let mut world = self.shared.world();
        let ends = |s: &Session| shard.is_none_or(|id| s.shard.id == id);
        let conns: Vec<Conn> = world
            .sessions
            .iter()
            .filter(|s| ends(s))
            .filter_map(|s| s.conn.clone())
            .collect();
        for conn in &conns {
            world.send(conn, payloads::invalid_session(false));
        }
        world.sessions.retain(|s| !ends(s));
    }

    /// Waits until the bot has identified or resumed more often than `since` (counts from
    /// [`Sandbox::identify_and_resume_counts`]) and every shard is connected: a new
    /// connection.
    pub async fn wait_for_new_connection(&self, since: (u32, u32)) -> anyhow::Result<(u32, u32)> {
        self.wait_for("the bot to connect anew", |w| {
            let counts = (w.identifies.accepted_count(), w.resumes);
            (w.all_shards_connected() && counts.0 + counts.1 > since.0 + since.1).then_some(counts)
        })
        .await
    }

    /// Waits until every shard of the bot is connected again after a drop.
    pub async fn wait_until_connected(&self) -> anyhow::Result<()> {
        self.wait_for("the bot to reconnect", |w| {
            w.all_shards_connected().then_some(())
        })
        .await
    }

    /// Waits until each of shards `0..total` (of `total`) has a session with a connection.
    pub async fn wait_until_shards_ready(&self, total: u32) -> anyhow::Result<()> {
        self.wait_for(&format!("{total} shards to connect"), |w| {
            w.shards_connected(total).then_some(())
        })
        .await
    }
}

/// Sharding: Discord's limits on sessions, and what the bot did with them.
impl Sandbox {
    /// The session start limit GET /gateway/bot reports and IDENTIFY is held to: a fresh
    /// daily budget of `total` session starts, and `max_concurrency` rate-limit buckets (a
    /// shard's bucket is `shard % max_concurrency`). Discord's usual: 1000 and 1.
    pub fn set_session_start_limit(&self, total: u32, max_concurrency: u32) {
        self.shared
            .world()
            .identifies
            .set_limit(total, max_concurrency);
    }

    /// How long a rate-limit bucket must wait after an accepted IDENTIFY before the next one
    /// (Discord's 5 s by default); an earlier one gets INVALID_SESSION `false`.
    pub fn set_identify_interval(&self, interval: Duration) {
        self.shared.world().identifies.interval = interval;
    }

    /// The most guilds a shard may hold before IDENTIFY is refused with 4011 (Sharding
    /// required); Discord's is 2,500.
    pub fn set_max_guilds_per_shard(&self, guilds: usize) {
        self.shared.world().identifies.max_guilds_per_shard = guilds;
    }

    /// The session start limit as GET /gateway/bot would report it now.
    pub fn session_start_limit(&self) -> SessionStartLimit {
        self.shared
            .world()
            .identifies
            .session_start_limit(Instant::now())
    }

    /// The sessions the bot holds, one per shard it identified (sessions of an earlier shard
    /// count stay until that shard identifies again), ordered by total and shard.
    pub fn shard_sessions(&self) -> Vec<ShardSession> {
        let world = self.shared.world();
        let mut sessions: Vec<ShardSession> = world
            .sessions
            .iter()
            .map(|s| ShardSession {
                shard: s.shard.id,
                total: s.shard.total,
                connected: s.conn.is_some(),
                guilds: guilds_on(&world.guilds, s.shard),
                session_id: s.id.clone(),
            })
            .collect();
        sessions.sort_by_key(|s| (s.total, s.shard));
        sessions
    }

    /// Every IDENTIFY the fake received, oldest first, with what became of it.
    pub fn identify_log(&self) -> Vec<IdentifyRecord> {
        self.shared.world().identifies.log.clone()
    }

    /// The close codes the fake sent when it closed gateway connections, oldest first (4000
    /// a dropped connection, 4004 a wrong token or a spent session budget, 4010 an invalid
    /// shard, 4011 sharding required, ...).
    pub fn gateway_close_codes_sent(&self) -> Vec<u16> {
        self.shared.world().closes_sent.clone()
    }

    /// For each shard `[id, total]`, the (event, guild id) of every dispatch it was sent that
    /// concerned a guild, in order; READY counts once for each guild it lists. A test can
    /// check each shard got only its own guilds' events.
    pub fn guild_events_per_shard(&self) -> BTreeMap<[u32; 2], Vec<(String, u64)>> {
        let world = self.shared.world();
        let mut per_shard: BTreeMap<[u32; 2], Vec<(String, u64)>> = BTreeMap::new();
        for frame in world.frames.iter().filter(|f| !f.from_bot && f.op == 0) {
            let (Some(shard), Some(event)) = (frame.shard, frame.event.as_deref()) else {
                continue;
            };
            let payload = frame.payload();
            let d = &payload["d"];
            let guilds: Vec<u64> = if event == "READY" {
                d["guilds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g["id"].as_str()?.parse().ok())
                    .collect()
            } else {
                event_guild(event, d).into_iter().collect()
            };
            let events = per_shard.entry(shard).or_default();
            events.extend(guilds.into_iter().map(|g| (event.to_owned(), g)));
        }
        per_shard
    }
}

/// The messages the bot wrote, oldest first.
fn bot_authored(world: &World) -> impl Iterator<Item = &StoredMessage> {
    let bot_id = world.bot.id.to_string();
    world
        .messages
        .values()
        .filter(move |m| m.json["author"]["id"] == bot_id.as_str())
}

/// Messages the bot sent in direct messages to a user.
fn dms_in(world: &World, user_id: u64) -> Vec<Value> {
    let dm_ids: Vec<u64> = world
        .channels
        .values()
        .filter(|c| {
            c.channel.kind == ChannelKind::Dm
                && c.channel
                    .recipient
                    .as_ref()
                    .is_some_and(|u| u.id == user_id)
        })
        .map(|c| c.channel.id)
        .collect();
    world
        .messages
        .values()
        .filter(|m| m.channel_id.is_some_and(|c| dm_ids.contains(&c)))
        .map(|m| m.json.clone())
        .collect()
}

fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
