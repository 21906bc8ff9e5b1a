//! The JSON the fake Discord ("sandbox") sends to the bot: REST answers, gateway frames and
//! gateway event bodies, built in the shapes Discord documents for API v10.
//!
//! Why a module of its own: serenity drops what it cannot deserialize (a guild channel with a
//! missing field is skipped with a log line, an event that fails to parse never reaches poise),
//! so a payload that is "nearly right" makes the bot silently do nothing. Every builder here is
//! therefore checked in the tests below against serenity 0.12.5's own model types, and, when
//! Discord's OpenAPI description is at hand (`$SMALLACTS_DISCORD_OPENAPI`, or
//! `shared/discord/openapi.json` beside the workspace), against the fields it requires and
//! their JSON types.
//!
//! Conventions, as Discord does them: snowflakes are JSON strings, permissions are decimal
//! strings, timestamps are ISO 8601 with microseconds (`2024-01-01T00:00:00.000000+00:00`),
//! users have the new-style discriminator `"0"`.

use serde_json::{Map, Value, json};

use super::shards::SessionStartLimit;

/// A user account of the fake Discord (a person or the bot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUser {
    pub id: u64,
    pub username: String,
    pub global_name: Option<String>,
    pub bot: bool,
}

/// The channel types the sandbox knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// GUILD_TEXT, type 0.
    Text,
    /// DM, type 1.
    Dm,
    /// PUBLIC_THREAD, type 11.
    PublicThread,
    /// GUILD_VOICE, type 2.
    Voice,
    /// GUILD_STAGE_VOICE, type 13.
    Stage,
}

impl ChannelKind {
    /// Discord's numeric channel type.
    pub fn code(self) -> u8 {
        match self {
            ChannelKind::Text => 0,
            ChannelKind::Dm => 1,
            ChannelKind::PublicThread => 11,
            ChannelKind::Voice => 2,
            ChannelKind::Stage => 13,
        }
    }
}

/// A channel of the fake Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeChannel {
    pub id: u64,
    pub name: String,
    pub kind: ChannelKind,
    pub guild_id: Option<u64>,
    pub parent_id: Option<u64>,
    /// DM recipient for Dm channels
    pub recipient: Option<FakeUser>,
}

/// A guild (server) of the fake Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeGuild {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    pub channels: Vec<FakeChannel>,
    pub members: Vec<FakeUser>,
}

/// Who is interacting and where.
#[derive(Debug, Clone)]
pub struct InteractionContext {
    pub id: u64,
    pub application_id: u64,
    pub token: String,
    pub user: FakeUser,
    pub guild_id: Option<u64>,
    pub channel: FakeChannel,
    /// the member's permissions in the channel, a bitfield Discord sends as a decimal string
    /// (8, sent as "8", for admin); only used in guilds
    pub member_permissions: u64,
    pub locale: String,
}

// Permission bits, from Discord's "Bitwise Permission Flags" table.
const CREATE_INSTANT_INVITE: u64 = 1 << 0;
const ADD_REACTIONS: u64 = 1 << 6;
const STREAM: u64 = 1 << 9;
const VIEW_CHANNEL: u64 = 1 << 10;
const SEND_MESSAGES: u64 = 1 << 11;
const EMBED_LINKS: u64 = 1 << 14;
const ATTACH_FILES: u64 = 1 << 15;
const READ_MESSAGE_HISTORY: u64 = 1 << 16;
const USE_EXTERNAL_EMOJIS: u64 = 1 << 18;
const CONNECT: u64 = 1 << 20;
const SPEAK: u64 = 1 << 21;
const USE_VAD: u64 = 1 << 25;
const CHANGE_NICKNAME: u64 = 1 << 26;
const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
const MANAGE_THREADS: u64 = 1 << 34;
const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
const CREATE_PRIVATE_THREADS: u64 = 1 << 36;
const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;

/// Permissions of the @everyone role of a new guild.
pub const EVERYONE_PERMISSIONS: u64 = CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | STREAM
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | USE_VAD
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS;

/// Permissions of the bot's managed role (what the invite link asked for).
pub const BOT_ROLE_PERMISSIONS: u64 = crate::events::CREATE_EVENTS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | CREATE_PUBLIC_THREADS
    | MANAGE_THREADS
    | EMBED_LINKS
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS;

/// The bot's permissions, sent as `app_permissions` with every interaction.
pub const APP_PERMISSIONS: u64 = EVERYONE_PERMISSIONS | BOT_ROLE_PERMISSIONS;

/// Application flags sent in READY and by GET /oauth2/applications/@me: only
/// APPLICATION_COMMAND_BADGE (1 << 23); no privileged intent is approved.
pub const APPLICATION_FLAGS: u64 = 1 << 23;

/// `joined_at` of interaction members (the sandbox does not track when people joined).
pub const DEFAULT_JOINED_AT: &str = "2024-01-01T00:00:00.000000+00:00";

/// Largest upload of a guild without boosts, sent as `attachment_size_limit` (10 MiB).
const ATTACHMENT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

const LOCALE: &str = "en-US";

fn sf(id: u64) -> Value {
    Value::String(id.to_string())
}

fn opt_sf(id: Option<u64>) -> Value {
    id.map_or(Value::Null, sf)
}

fn perms(bits: u64) -> Value {
    Value::String(bits.to_string())
}

/// `value` if it is an array, else `[]` (so callers may pass `Value::Null` for "none").
fn array_or_empty(value: Value) -> Value {
    if value.is_array() { value } else { json!([]) }
}

/// Id of the managed role Discord gives the bot when it joins `guild_id` (guild id + 1).
pub fn bot_role_id(guild_id: u64) -> u64 {
    guild_id + 1
}

/// A user object, as embedded in messages, members and interactions.
pub fn user(u: &FakeUser) -> Value {
    let mut v = json!({
        "id": sf(u.id),
        "username": u.username,
        "global_name": u.global_name,
        "discriminator": "0",
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
        "collectibles": null,
        "primary_guild": null,
    });
    if u.bot {
        v["bot"] = json!(true);
    }
    v
}

/// The current user, as GET /users/@me answers a bot token.
pub fn current_user(u: &FakeUser) -> Value {
    let mut v = user(u);
    v["mfa_enabled"] = json!(false);
    v["locale"] = json!(LOCALE);
    v["premium_type"] = json!(0);
    v["email"] = Value::Null;
    v["verified"] = json!(true);
    v
}

/// GET /oauth2/applications/@me: the application, its bot user and its owner (poise reads the
/// owner at start-up).
pub fn application(application_id: u64, bot: &FakeUser, owner: &FakeUser) -> Value {
    let name = bot
        .global_name
        .clone()
        .unwrap_or_else(|| bot.username.clone());
    let install_params = json!({
        "scopes": ["bot", "applications.commands"],
        "permissions": perms(BOT_ROLE_PERMISSIONS),
    });
    json!({
        "id": sf(application_id),
        "name": name,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "bot": user(bot),
        "rpc_origins": [],
        "bot_public": true,
        "bot_require_code_grant": false,
        "install_params": install_params,
        "integration_types_config": {"0": {"oauth2_install_params": install_params}},
        "verify_key": format!("{application_id:064x}"),
        "flags": APPLICATION_FLAGS,
        "flags_new": APPLICATION_FLAGS.to_string(),
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "owner": user(owner),
        "team": null,
        "approximate_guild_count": 0,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": ["bot", "applications.commands"],
        "is_monetized": false,
        "is_verified": false,
        "is_discoverable": false,
        "hook": true,
    })
}

/// GET /gateway.
pub fn gateway(url: &str) -> Value {
    json!({ "url": url })
}

/// GET /gateway/bot: one shard, a fresh session start limit.
pub fn gateway_bot(url: &str, shards: u32, limit: &SessionStartLimit) -> Value {
    json!({
        "url": url,
        "shards": shards,
        "session_start_limit": {
            "total": limit.total,
            "remaining": limit.remaining,
            "reset_after": limit.reset_after_ms,
            "max_concurrency": limit.max_concurrency,
        },
    })
}

fn frame(op: u8, d: Value) -> Value {
    json!({ "op": op, "d": d, "s": null, "t": null })
}

/// Op 10 Hello, the first frame on a new gateway connection.
pub fn hello(heartbeat_interval_ms: u64) -> Value {
    frame(10, json!({ "heartbeat_interval": heartbeat_interval_ms }))
}

/// Op 0 Dispatch of `event` (e.g. "READY") with sequence number `seq` and body `d`.
pub fn dispatch(event: &str, seq: u64, d: Value) -> Value {
    json!({ "op": 0, "d": d, "s": seq, "t": event })
}

/// Op 11 Heartbeat ACK.
pub fn heartbeat_ack() -> Value {
    frame(11, Value::Null)
}

/// Op 9 Invalid Session; `d` says whether the session may be resumed.
pub fn invalid_session(resumable: bool) -> Value {
    frame(9, json!(resumable))
}

/// Op 7 Reconnect.
pub fn reconnect() -> Value {
    frame(7, Value::Null)
}

/// The `d` of READY: the bot user, the guilds of its shard (all unavailable until their
/// GUILD_CREATE), the session to resume and the shard `[id, total]`.
pub fn ready(
    bot: &FakeUser,
    application_id: u64,
    session_id: &str,
    resume_gateway_url: &str,
    guild_ids: &[u64],
    shard: [u32; 2],
) -> Value {
    let guilds: Vec<Value> = guild_ids
        .iter()
        .map(|&id| json!({ "id": sf(id), "unavailable": true }))
        .collect();
    json!({
        "v": 10,
        "user_settings": {},
        "user": current_user(bot),
        "guilds": guilds,
        "session_type": "normal",
        "session_id": session_id,
        "resume_gateway_url": resume_gateway_url,
        "shard": shard,
        "application": { "id": sf(application_id), "flags": APPLICATION_FLAGS },
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "auth": {},
    })
}

pub(crate) fn role(
    id: u64,
    name: &str,
    permissions: u64,
    position: u16,
    bot_id: Option<u64>,
) -> Value {
    let mut v = json!({
        "id": sf(id),
        "name": name,
        "permissions": perms(permissions),
        "position": position,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "managed": bot_id.is_some(),
        "mentionable": false,
        "icon": null,
        "unicode_emoji": null,
        "flags": 0,
    });
    if let Some(bot_id) = bot_id {
        v["tags"] = json!({ "bot_id": sf(bot_id) });
    }
    v
}

fn member(u: &FakeUser, roles: &[u64], joined_at: &str) -> Value {
    json!({
        "user": user(u),
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": roles.iter().map(|&r| sf(r)).collect::<Vec<_>>(),
        "joined_at": joined_at,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
        "unusual_dm_activity_until": null,
    })
}

/// A channel object with `position` (guild channels only) and a thread's `owner_id`.
fn channel_object(c: &FakeChannel, position: u16, thread_owner: Option<u64>) -> Value {
    match c.kind {
        ChannelKind::Dm => json!({
            "id": sf(c.id),
            "type": 1,
            "last_message_id": null,
            "flags": 0,
            "recipients": c.recipient.iter().map(user).collect::<Vec<_>>(),
        }),
        ChannelKind::Text => json!({
            "id": sf(c.id),
            "type": 0,
            "guild_id": opt_sf(c.guild_id),
            "name": c.name,
            "position": position,
            "permission_overwrites": [],
            "parent_id": opt_sf(c.parent_id),
            "topic": null,
            "nsfw": false,
            "last_message_id": null,
            "last_pin_timestamp": null,
            "rate_limit_per_user": 0,
            "flags": 0,
        }),
        ChannelKind::Voice | ChannelKind::Stage => json!({
            "id": sf(c.id),
            "type": c.kind.code(),
            "guild_id": opt_sf(c.guild_id),
            "name": c.name,
            "position": position,
            "permission_overwrites": [],
            "parent_id": opt_sf(c.parent_id),
            "nsfw": false,
            "last_message_id": null,
            "rate_limit_per_user": 0,
            "bitrate": 64000,
            "user_limit": 0,
            "rtc_region": null,
            "flags": 0,
        }),
        ChannelKind::PublicThread => {
            let mut v = json!({
                "id": sf(c.id),
                "type": 11,
                "guild_id": opt_sf(c.guild_id),
                "name": c.name,
                "parent_id": opt_sf(c.parent_id),
                "last_message_id": null,
                "rate_limit_per_user": 0,
                "flags": 0,
                "message_count": 0,
                "member_count": 1,
                "total_message_sent": 0,
                "thread_metadata": {
                    "archived": false,
                    "archive_timestamp": DEFAULT_JOINED_AT,
                    "auto_archive_duration": 1440,
                    "locked": false,
                    "create_timestamp": DEFAULT_JOINED_AT,
                },
            });
            if let Some(owner) = thread_owner {
                v["owner_id"] = sf(owner);
            }
            v
        }
    }
}

/// GET /channels/{id}, and the DM channel POST /users/@me/channels answers with. A thread's
/// `owner_id` is not known here and is left out; a DM channel needs its `recipient`.
pub fn channel(c: &FakeChannel) -> Value {
    channel_object(c, 0, None)
}

/// A member of a server as GET /guilds/{id}/members/{user} gives it: the bot holds its
/// managed role ([`bot_role_id`]), everyone else only @everyone.
pub fn guild_member(guild: &FakeGuild, u: &FakeUser, bot: &FakeUser, joined_at: &str) -> Value {
    if u.id == bot.id {
        member(u, &[bot_role_id(guild.id)], joined_at)
    } else {
        member(u, &[], joined_at)
    }
}

/// A server's text channel as GET /guilds/{id}/channels, GET /channels/{id} and
/// CHANNEL_UPDATE give it, with an overwrite denying the bot `denied_to_bot` when a test has
/// taken permissions away.
pub fn guild_channel(c: &FakeChannel, position: u16, bot_id: u64, denied_to_bot: u64) -> Value {
    let mut channel = channel_object(c, position, None);
    if denied_to_bot != 0 {
        channel["permission_overwrites"] = json!([{
            "id": sf(bot_id), "type": 1, "allow": "0", "deny": perms(denied_to_bot),
        }]);
    }
    channel
}

/// The guild object of GET /guilds/{id}: its identity and settings with its @everyone role
/// (id == guild id) and the bot's managed role ([`bot_role_id`]).
pub fn guild(guild: &FakeGuild, bot: &FakeUser) -> Value {
    let bot_role = bot_role_id(guild.id);
    let roles = vec![
        role(guild.id, "@everyone", EVERYONE_PERMISSIONS, 0, None),
        role(
            bot_role,
            &bot.username,
            BOT_ROLE_PERMISSIONS,
            1,
            Some(bot.id),
        ),
    ];

    let system_channel = guild
        .channels
        .iter()
        .find(|c| c.kind == ChannelKind::Text)
        .map(|c| c.id);
    // Several `json!`s: one would exceed the macro's recursion limit.
    let identity = json!({
        "id": sf(guild.id),
        "name": guild.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "banner": null,
        "description": null,
        "home_header": null,
        "owner_id": sf(guild.owner_id),
        "application_id": null,
        "region": "deprecated",
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
    });
    let settings = json!({
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": opt_sf(system_channel),
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "public_updates_channel_id": null,
        "safety_alerts_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "vanity_url_code": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": false,
        "preferred_locale": LOCALE,
        "nsfw": false,
        "nsfw_level": 0,
        "incidents_data": null,
        "latest_onboarding_question_id": null,
        "inventory_settings": null,
    });
    merge([identity, settings])
}

/// The `d` of GUILD_CREATE: the whole guild ([`guild`]), its text channels under `channels`
/// and its threads (owned by the guild owner) under `threads`, and every member including
/// the bot.
pub fn guild_create(guild: &FakeGuild, bot: &FakeUser, joined_at: &str) -> Value {
    let mut channels = Vec::new();
    let mut threads = Vec::new();
    for (position, c) in guild.channels.iter().enumerate() {
        let c = FakeChannel {
            guild_id: Some(guild.id),
            ..c.clone()
        };
        let position = u16::try_from(position).unwrap_or(u16::MAX);
        match c.kind {
            ChannelKind::Text | ChannelKind::Voice | ChannelKind::Stage => {
                channels.push(channel_object(&c, position, None));
            }
            ChannelKind::PublicThread => {
                threads.push(channel_object(&c, position, Some(guild.owner_id)));
            }
            ChannelKind::Dm => {}
        }
    }
    let mut members: Vec<Value> = guild
        .members
        .iter()
        .filter(|m| m.id != bot.id)
        .map(|m| guild_member(guild, m, bot, joined_at))
        .collect();
    members.push(guild_member(guild, bot, bot, joined_at));
    let member_count = members.len();

    // GUILD_CREATE's extra fields
    let extra = json!({
        "joined_at": joined_at,
        "large": member_count > 250,
        "unavailable": false,
        "member_count": member_count,
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": threads,
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
        "activity_instances": [],
        "application_command_counts": {},
        "lazy": true,
    });
    merge([self::guild(guild, bot), extra])
}

/// The fields of several JSON objects in one.
fn merge<const N: usize>(parts: [Value; N]) -> Value {
    let mut all = Map::new();
    for part in parts {
        if let Value::Object(fields) = part {
            all.extend(fields);
        }
    }
    Value::Object(all)
}

/// A message, as POST /channels/{id}/messages answers and MESSAGE_CREATE carries (without the
/// gateway's `member`). `guild_id` is set for guild channels. `embeds` and `components` are the
/// JSON arrays the bot sent (`Value::Null` for none); embeds get Discord's `"type": "rich"`,
/// components their numeric `id`s.
/// With `interaction_user`, the message answers that user's slash command: type 20, an
/// `interaction_metadata` (whose id, unknown here, is the message id) and the bot's
/// application id (taken to equal its user id) as `application_id` and `webhook_id`.
#[allow(clippy::too_many_arguments)]
pub fn message(
    id: u64,
    channel: &FakeChannel,
    author: &FakeUser,
    content: &str,
    embeds: Value,
    components: Value,
    timestamp: &str,
    interaction_user: Option<&FakeUser>,
) -> Value {
    let mut embeds = array_or_empty(embeds);
    if let Some(list) = embeds.as_array_mut() {
        for embed in list.iter_mut().filter_map(Value::as_object_mut) {
            embed
                .entry("type")
                .or_insert_with(|| Value::String("rich".into()));
        }
    }
    let mut v = json!({
        "id": sf(id),
        "channel_id": sf(channel.id),
        "type": if interaction_user.is_some() { 20 } else { 0 },
        "author": user(author),
        "content": content,
        "timestamp": timestamp,
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds,
        "components": as_echoed(components),
        "pinned": false,
        "flags": 0,
    });
    if let Some(guild_id) = channel.guild_id {
        v["guild_id"] = sf(guild_id);
    }
    if let Some(by) = interaction_user {
        v["interaction_metadata"] = json!({
            "id": sf(id),
            "type": 2,
            "user": user(by),
            "authorizing_integration_owners": { "0": sf(channel.guild_id.unwrap_or(0)) },
        });
        if author.bot {
            v["application_id"] = sf(author.id);
            v["webhook_id"] = sf(author.id);
        }
    }
    v
}

/// Message components as Discord echoes them: each numbered with an `id` (depth first, from 1)
/// unless the bot chose one, select menus with their default `min_values`/`max_values` of 1.
fn as_echoed(components: Value) -> Value {
    fn walk(component: &mut Value, next_id: &mut u64) {
        let Some(fields) = component.as_object_mut() else {
            return;
        };
        if !fields.contains_key("id") {
            fields.insert("id".into(), json!(*next_id));
        }
        *next_id += 1;
        if matches!(fields.get("type").and_then(Value::as_u64), Some(3 | 5..=8)) {
            fields.entry("min_values").or_insert(json!(1));
            fields.entry("max_values").or_insert(json!(1));
        }
        if let Some(children) = fields.get_mut("components").and_then(Value::as_array_mut) {
            children.iter_mut().for_each(|child| walk(child, next_id));
        }
    }
    let mut components = array_or_empty(components);
    let mut next_id = 1;
    if let Some(rows) = components.as_array_mut() {
        rows.iter_mut().for_each(|row| walk(row, &mut next_id));
    }
    components
}

/// The fields every interaction shares: who (guild `member`, or DM `user`), where (`channel`,
/// `guild`, `context`), and the token, locale, permissions and limits serenity requires.
fn interaction_base(ctx: &InteractionContext, kind: u8, data: Value) -> Value {
    let mut channel = channel(&ctx.channel);
    let mut v = json!({
        "id": sf(ctx.id),
        "application_id": sf(ctx.application_id),
        "type": kind,
        "data": data,
        "channel_id": sf(ctx.channel.id),
        "token": ctx.token,
        "version": 1,
        "locale": ctx.locale,
        "app_permissions": perms(APP_PERMISSIONS),
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    });
    match ctx.guild_id {
        Some(guild_id) => {
            channel["permissions"] = perms(ctx.member_permissions);
            let mut m = member(&ctx.user, &[], DEFAULT_JOINED_AT);
            m["permissions"] = perms(ctx.member_permissions);
            v["member"] = m;
            v["guild_id"] = sf(guild_id);
            v["guild"] = json!({ "id": sf(guild_id), "locale": LOCALE, "features": [] });
            v["guild_locale"] = json!(LOCALE);
            v["context"] = json!(0);
            v["authorizing_integration_owners"] = json!({ "0": sf(guild_id) });
        }
        None => {
            v["user"] = user(&ctx.user);
            v["context"] = json!(1);
            // a guild-installed app used in its bot's DM: the guild "id" is "0"
            v["authorizing_integration_owners"] = json!({ "0": "0" });
        }
    }
    v["channel"] = channel;
    v
}

/// A slash command's `data`; Discord leaves `options` out when there are none.
fn command_data(command_id: u64, name: &str, options: Value) -> Value {
    let mut data = json!({ "id": sf(command_id), "name": name, "type": 1 });
    if options.as_array().is_some_and(|o| !o.is_empty()) {
        data["options"] = options;
    }
    data
}

/// The `d` of INTERACTION_CREATE for a slash command (type 2); `options` is the JSON array of
/// `{name, type, value}` (or `Value::Null` for none).
pub fn command_interaction(
    ctx: &InteractionContext,
    command_id: u64,
    name: &str,
    options: Value,
) -> Value {
    interaction_base(ctx, 2, command_data(command_id, name, options))
}

/// The `d` of INTERACTION_CREATE for autocomplete (type 4); one option in `options` carries
/// `"focused": true` and a string value (what the user has typed so far).
pub fn autocomplete_interaction(
    ctx: &InteractionContext,
    command_id: u64,
    name: &str,
    options: Value,
) -> Value {
    interaction_base(ctx, 4, command_data(command_id, name, options))
}

/// The `d` of INTERACTION_CREATE for a message component (type 3): a click on the component
/// `custom_id` of type `component_type` (2 for a button) on `message`. A select menu
/// (types 3, 5-8) arrives with no values chosen; see [`select_interaction`].
pub fn component_interaction(
    ctx: &InteractionContext,
    custom_id: &str,
    component_type: u8,
    message: Value,
) -> Value {
    let values = matches!(component_type, 3 | 5..=8).then(Vec::new);
    component(ctx, custom_id, component_type, values, message)
}

/// The `d` of INTERACTION_CREATE for a select menu (type 3) with the chosen `values`.
pub fn select_interaction(
    ctx: &InteractionContext,
    custom_id: &str,
    component_type: u8,
    values: &[&str],
    message: Value,
) -> Value {
    let values = values.iter().map(|s| s.to_string()).collect();
    component(ctx, custom_id, component_type, Some(values), message)
}

fn component(
    ctx: &InteractionContext,
    custom_id: &str,
    component_type: u8,
    values: Option<Vec<String>>,
    message: Value,
) -> Value {
    let mut data = json!({ "custom_id": custom_id, "component_type": component_type });
    if let Some(values) = values {
        data["values"] = json!(values);
    }
    let mut v = interaction_base(ctx, 3, data);
    v["message"] = message;
    v
}

/// The `d` of INTERACTION_CREATE for a submitted modal (type 5); `components` is the JSON array
/// of action rows, each holding one text input `{type: 4, custom_id, value}`.
pub fn modal_submit_interaction(
    ctx: &InteractionContext,
    custom_id: &str,
    components: Value,
) -> Value {
    let data = json!({ "custom_id": custom_id, "components": array_or_empty(components) });
    interaction_base(ctx, 5, data)
}

/// Discord's answer to PUT /applications/{id}/commands: the commands of `bulk_body`, each with
/// an id (`first_id`, `first_id + 1`, ...), the application id, a version and Discord's
/// defaults for what the bot left out.
pub fn registered_commands(application_id: u64, first_id: u64, bulk_body: &Value) -> Value {
    commands(application_id, None, first_id, bulk_body)
}

/// Discord's answer to PUT /applications/{id}/guilds/{guild_id}/commands (as
/// [`registered_commands`], with `guild_id` and without `dm_permission`).
pub fn registered_guild_commands(
    application_id: u64,
    guild_id: u64,
    first_id: u64,
    bulk_body: &Value,
) -> Value {
    commands(application_id, Some(guild_id), first_id, bulk_body)
}

fn commands(application_id: u64, guild_id: Option<u64>, first_id: u64, body: &Value) -> Value {
    let sent = body.as_array().map(Vec::as_slice).unwrap_or_default();
    let answered = sent.iter().zip(first_id..).map(|(command, id)| {
        let sent = command.as_object().cloned().unwrap_or_default();
        let field = |key: &str| sent.get(key).filter(|v| !v.is_null()).cloned();
        let localizations = |key: &str| {
            field(key)
                .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
                .unwrap_or(Value::Null)
        };
        let mut v = json!({
            "id": sf(id),
            "application_id": sf(application_id),
            "version": sf(id),
            "type": field("type").unwrap_or(json!(1)),
            "name": field("name").unwrap_or(json!("")),
            "name_localizations": localizations("name_localizations"),
            "description": field("description").unwrap_or(json!("")),
            "description_localizations": localizations("description_localizations"),
            "default_member_permissions": field("default_member_permissions").unwrap_or(Value::Null),
            "contexts": field("contexts").unwrap_or(Value::Null),
            "integration_types": field("integration_types").unwrap_or(json!([0])),
            "nsfw": field("nsfw").unwrap_or(json!(false)),
        });
        match guild_id {
            Some(guild_id) => v["guild_id"] = sf(guild_id),
            None => v["dm_permission"] = field("dm_permission").unwrap_or(json!(true)),
        }
        if let Some(options) = field("options").filter(|o| o.as_array().is_some_and(|a| !a.is_empty())) {
            v["options"] = tidy_options(options);
        }
        v
    });
    Value::Array(answered.collect())
}

/// Command options as Discord echoes them: without nulls, empty lists or `autocomplete: false`.
fn tidy_options(options: Value) -> Value {
    match options {
        Value::Array(list) => Value::Array(list.into_iter().map(tidy_options).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, value)| match value {
                    Value::Null => false,
                    Value::Array(a) => !(a.is_empty() && key != "value"),
                    Value::Bool(false) => key != "autocomplete",
                    _ => true,
                })
                .map(|(key, value)| {
                    let value = if key == "options" {
                        tidy_options(value)
                    } else {
                        value
                    };
                    (key, value)
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::{
        ActionRowComponent, BotGateway, Channel, ChannelType, Command, CommandDataOptionValue,
        CommandOptionType, CommandType, ComponentInteractionDataKind, CreateActionRow,
        CreateButton, CreateCommand, CreateCommandOption, CreateEmbed, CurrentApplicationInfo,
        CurrentUser, Gateway, Guild, Interaction, Message, Permissions, User,
    };
    use serenity::model::event::{Event, GatewayEvent, GuildCreateEvent};

    const GUILD: u64 = 1_100_000_000_000_000_000;
    const TEXT: u64 = 1_100_000_000_000_000_010;
    const THREAD: u64 = 1_100_000_000_000_000_011;
    const DM: u64 = 1_100_000_000_000_000_020;
    const APP: u64 = 1_200_000_000_000_000_000;
    const NOW: &str = "2025-03-04T05:06:07.123000+00:00";
    const LIMIT: SessionStartLimit = SessionStartLimit {
        total: 1000,
        remaining: 998,
        reset_after_ms: 86_000_000,
        max_concurrency: 2,
    };

    /// `v` as serenity's `T`, read both from the text on the wire (as the bot reads it) and
    /// from the `Value`.
    fn de<T: serde::de::DeserializeOwned>(v: &Value) -> T {
        let name = std::any::type_name::<T>();
        if let Err(e) = serde_json::from_str::<T>(&v.to_string()) {
            panic!("{name} rejected the payload text: {e}\n{v:#}");
        }
        match serde_json::from_value(v.clone()) {
            Ok(t) => t,
            Err(e) => panic!("{name} rejected the payload: {e}\n{v:#}"),
        }
    }

    fn bot() -> FakeUser {
        FakeUser {
            id: APP,
            username: "smallacts".into(),
            global_name: Some("Small Acts".into()),
            bot: true,
        }
    }

    fn alice() -> FakeUser {
        FakeUser {
            id: 1_300_000_000_000_000_001,
            username: "alice".into(),
            global_name: None,
            bot: false,
        }
    }

    fn text() -> FakeChannel {
        FakeChannel {
            id: TEXT,
            name: "general".into(),
            kind: ChannelKind::Text,
            guild_id: Some(GUILD),
            parent_id: None,
            recipient: None,
        }
    }

    fn thread() -> FakeChannel {
        FakeChannel {
            id: THREAD,
            name: "acts of the week".into(),
            kind: ChannelKind::PublicThread,
            guild_id: Some(GUILD),
            parent_id: Some(TEXT),
            recipient: None,
        }
    }

    fn dm() -> FakeChannel {
        FakeChannel {
            id: DM,
            name: String::new(),
            kind: ChannelKind::Dm,
            guild_id: None,
            parent_id: None,
            recipient: Some(alice()),
        }
    }

    fn guild() -> FakeGuild {
        FakeGuild {
            id: GUILD,
            name: "Team".into(),
            owner_id: alice().id,
            channels: vec![text(), thread()],
            members: vec![alice()],
        }
    }

    fn in_guild() -> InteractionContext {
        InteractionContext {
            id: 1_400_000_000_000_000_001,
            application_id: APP,
            token: "interaction-token".into(),
            user: alice(),
            guild_id: Some(GUILD),
            channel: text(),
            member_permissions: 8,
            locale: "en-GB".into(),
        }
    }

    fn in_dm() -> InteractionContext {
        InteractionContext {
            guild_id: None,
            channel: dm(),
            ..in_guild()
        }
    }

    fn buttons() -> Value {
        let row = CreateActionRow::Buttons(vec![
            CreateButton::new("act:done:7").label("Done"),
            CreateButton::new_link("https://example.com").label("About"),
        ]);
        serde_json::to_value(vec![row]).unwrap()
    }

    fn a_message(interaction_user: Option<&FakeUser>) -> Value {
        let embeds = serde_json::to_value(vec![CreateEmbed::new().title("Today's act").field(
            "Act",
            "Thank someone",
            false,
        )])
        .unwrap();
        message(
            1_500_000_000_000_000_001,
            &text(),
            &bot(),
            "Here is a small act",
            embeds,
            buttons(),
            NOW,
            interaction_user,
        )
    }

    #[test]
    fn users_deserialize() {
        let u: User = de(&user(&alice()));
        assert_eq!(u.id.get(), alice().id);
        assert_eq!(u.name, "alice");
        assert!(!u.bot);
        assert_eq!(u.discriminator, None);
        assert!(user(&alice()).get("bot").is_none());

        let me: CurrentUser = de(&current_user(&bot()));
        assert_eq!(me.id.get(), APP);
        assert!(me.bot);
        assert_eq!(me.global_name.as_deref(), Some("Small Acts"));
    }

    #[test]
    fn application_deserializes_as_current_application_info() {
        let info: CurrentApplicationInfo = de(&application(APP, &bot(), &alice()));
        assert_eq!(info.id.get(), APP);
        assert_eq!(info.name, "Small Acts");
        assert_eq!(info.owner.map(|o| o.id.get()), Some(alice().id));
        assert!(info.team.is_none());
        assert_eq!(info.integration_types_config.len(), 1);
        assert!(info.install_params.is_some());
    }

    #[test]
    fn gateway_answers_deserialize() {
        let g: Gateway = de(&gateway("ws://127.0.0.1:9/gw"));
        assert_eq!(g.url, "ws://127.0.0.1:9/gw");
        let g: BotGateway = de(&gateway_bot("ws://127.0.0.1:9/gw", 3, &LIMIT));
        assert_eq!((g.url.as_str(), g.shards), ("ws://127.0.0.1:9/gw", 3));
        let limit = g.session_start_limit;
        assert_eq!(
            (
                limit.total,
                limit.remaining,
                limit.reset_after,
                limit.max_concurrency
            ),
            (1000, 998, 86_000_000, 2)
        );
    }

    #[test]
    fn control_frames_deserialize_as_gateway_events() {
        assert!(matches!(de(&hello(41_250)), GatewayEvent::Hello(41_250)));
        assert!(matches!(de(&heartbeat_ack()), GatewayEvent::HeartbeatAck));
        assert!(matches!(de(&reconnect()), GatewayEvent::Reconnect));
        assert!(matches!(
            de(&invalid_session(true)),
            GatewayEvent::InvalidateSession(true)
        ));
        assert!(matches!(
            de(&invalid_session(false)),
            GatewayEvent::InvalidateSession(false)
        ));
    }

    #[test]
    fn ready_dispatch_deserializes() {
        let d = ready(
            &bot(),
            APP,
            "session-1",
            "ws://127.0.0.1:9/resume",
            &[GUILD],
            [2, 3],
        );
        let GatewayEvent::Dispatch(seq, Event::Ready(ev)) = de(&dispatch("READY", 1, d)) else {
            panic!("not a READY dispatch")
        };
        assert_eq!(seq, 1);
        let ready = ev.ready;
        assert_eq!(ready.version, 10);
        assert_eq!(ready.user.id.get(), APP);
        assert!(ready.user.bot);
        assert_eq!(ready.session_id, "session-1");
        assert_eq!(ready.resume_gateway_url, "ws://127.0.0.1:9/resume");
        assert_eq!(ready.application.id.get(), APP);
        assert_eq!(ready.guilds.len(), 1);
        assert_eq!(ready.guilds[0].id.get(), GUILD);
        assert!(ready.guilds[0].unavailable);
        let shard = ready.shard.expect("shard");
        assert_eq!((shard.id.0, shard.total), (2, 3));
    }

    #[test]
    fn the_guild_its_channels_and_the_bots_membership_read_by_rest_give_the_bots_permissions() {
        use serenity::all::{GuildChannel, Member, PartialGuild};
        let g = guild();
        let partial: PartialGuild = de(&super::guild(&g, &bot()));
        assert_eq!(partial.id.get(), GUILD);
        assert_eq!(partial.roles.len(), 2);
        let me: Member = de(&guild_member(&g, &bot(), &bot(), NOW));
        assert_eq!(me.roles, [bot_role_id(GUILD)]);
        let text = g.channels.iter().find(|c| c.id == TEXT).unwrap();
        let open: GuildChannel = de(&guild_channel(text, 0, APP, 0));
        let can = partial.user_permissions_in(&open, &me);
        assert!(can.contains(Permissions::SEND_MESSAGES | Permissions::VIEW_CHANNEL));
        let shut: GuildChannel = de(&guild_channel(
            text,
            0,
            APP,
            crate::permissions::SEND_MESSAGES,
        ));
        let can = partial.user_permissions_in(&shut, &me);
        assert!(!can.contains(Permissions::SEND_MESSAGES));
        assert!(can.contains(Permissions::VIEW_CHANNEL));
        let alice: Member = de(&guild_member(&g, &alice(), &bot(), NOW));
        assert!(alice.roles.is_empty());
    }

    #[test]
    fn guild_create_deserializes_with_channels_threads_members_and_roles() {
        let d = guild_create(&guild(), &bot(), NOW);
        let g = de::<GuildCreateEvent>(&d).guild;
        assert_eq!(g.id.get(), GUILD);
        assert_eq!(g.name, "Team");
        assert_eq!(g.owner_id.get(), alice().id);

        let general = g.channels.get(&TEXT.into()).expect("text channel kept");
        assert_eq!(general.name, "general");
        assert_eq!(general.kind, ChannelType::Text);
        assert_eq!(general.guild_id.get(), GUILD);
        assert_eq!(g.channels.len(), 1);
        assert_eq!(g.threads.len(), 1);
        assert_eq!(g.threads[0].id.get(), THREAD);
        assert_eq!(g.threads[0].kind, ChannelType::PublicThread);
        assert_eq!(g.threads[0].parent_id.map(|p| p.get()), Some(TEXT));

        let everyone = g.roles.get(&GUILD.into()).expect("@everyone role");
        assert_eq!(everyone.name, "@everyone");
        assert!(everyone.permissions.contains(Permissions::SEND_MESSAGES));
        let bot_role = g.roles.get(&bot_role_id(GUILD).into()).expect("bot role");
        assert!(bot_role.managed);
        assert_eq!(bot_role.tags.bot_id.map(|b| b.get()), Some(APP));

        assert_eq!(g.member_count, 2);
        assert_eq!(g.members.len(), 2);
        assert!(g.members.contains_key(&alice().id.into()));
        let me = g.members.get(&APP.into()).expect("bot is a member");
        assert_eq!(me.roles, [bot_role_id(GUILD)]);
        assert!(g.joined_at.to_string().starts_with("2025-03-04T05:06:07"));

        let plain: Guild = de(&d);
        assert_eq!(plain.channels.len(), 1);

        let frame = dispatch("GUILD_CREATE", 2, d);
        let GatewayEvent::Dispatch(2, Event::GuildCreate(ev)) = de(&frame) else {
            panic!("not a GUILD_CREATE dispatch")
        };
        assert_eq!(ev.guild.channels.len(), 1);
    }

    #[test]
    fn bot_already_listed_as_member_is_not_doubled() {
        let mut g = guild();
        g.members.push(bot());
        let g = de::<GuildCreateEvent>(&guild_create(&g, &bot(), NOW)).guild;
        assert_eq!((g.member_count, g.members.len()), (2, 2));
    }

    #[test]
    fn channels_deserialize() {
        let Channel::Guild(c) = de(&channel(&text())) else {
            panic!("text channel is not a guild channel")
        };
        assert_eq!(
            (c.id.get(), c.kind, c.guild_id.get()),
            (TEXT, ChannelType::Text, GUILD)
        );

        let Channel::Guild(t) = de(&channel(&thread())) else {
            panic!("thread is not a guild channel")
        };
        assert_eq!(t.kind, ChannelType::PublicThread);
        assert!(!t.thread_metadata.expect("thread_metadata").archived);

        let Channel::Private(p) = de(&channel(&dm())) else {
            panic!("dm is not a private channel")
        };
        assert_eq!(p.id.get(), DM);
        assert_eq!(p.recipient.id.get(), alice().id);
    }

    #[test]
    fn messages_deserialize() {
        let m: Message = de(&a_message(None));
        assert_eq!(m.content, "Here is a small act");
        assert_eq!(m.author.id.get(), APP);
        assert_eq!(m.channel_id.get(), TEXT);
        assert_eq!(m.guild_id.map(|g| g.get()), Some(GUILD));
        assert_eq!(m.embeds[0].title.as_deref(), Some("Today's act"));
        assert_eq!(m.embeds[0].kind.as_deref(), Some("rich"));
        assert_eq!(m.components.len(), 1);
        let ActionRowComponent::Button(b) = &m.components[0].components[0] else {
            panic!("not a button")
        };
        assert_eq!(b.label.as_deref(), Some("Done"));
        assert!(m.interaction_metadata.is_none());

        let m: Message = de(&a_message(Some(&alice())));
        let Some(meta) = m.interaction_metadata.as_deref() else {
            panic!("no interaction_metadata")
        };
        let serenity::all::MessageInteractionMetadata::Command(meta) = meta else {
            panic!("not a command's metadata")
        };
        assert_eq!(meta.user.id.get(), alice().id);
        assert_eq!(m.application_id.map(|a| a.get()), Some(APP));

        let in_dm = message(
            9,
            &dm(),
            &alice(),
            "hi",
            Value::Null,
            Value::Null,
            NOW,
            None,
        );
        let m: Message = de(&in_dm);
        assert!(m.guild_id.is_none());
        assert!(m.embeds.is_empty() && m.components.is_empty());

        let frame = dispatch("MESSAGE_CREATE", 3, a_message(None));
        let GatewayEvent::Dispatch(3, Event::MessageCreate(ev)) = de(&frame) else {
            panic!("not a MESSAGE_CREATE dispatch")
        };
        assert_eq!(ev.message.content, "Here is a small act");

        // The bot's own message comes back with the nonce it sent, as Discord echoes it.
        let mut own = a_message(None);
        own["nonce"] = json!("daily-42");
        let frame = dispatch("MESSAGE_CREATE", 4, own);
        let GatewayEvent::Dispatch(4, Event::MessageCreate(ev)) = de(&frame) else {
            panic!("not a MESSAGE_CREATE dispatch")
        };
        assert!(ev.message.author.bot);
        assert!(matches!(
            ev.message.nonce,
            Some(serenity::model::channel::Nonce::String(ref n)) if n == "daily-42"
        ));
    }

    fn act_options() -> Value {
        json!([
            {"name": "kind", "type": 3, "value": "gratitude"},
            {"name": "count", "type": 4, "value": 3},
        ])
    }

    #[test]
    fn guild_command_interaction_deserializes() {
        let d = command_interaction(&in_guild(), 77, "act", act_options());
        assert!(
            d.get("user").is_none(),
            "guild interactions carry member, not user"
        );
        assert_eq!(d["member"]["permissions"], "8");

        let Interaction::Command(ci) = de(&d) else {
            panic!("not a command interaction")
        };
        assert_eq!(ci.id.get(), in_guild().id);
        assert_eq!(ci.token, "interaction-token");
        assert_eq!(ci.data.id.get(), 77);
        assert_eq!(ci.data.name, "act");
        assert_eq!(ci.data.kind, CommandType::ChatInput);
        assert_eq!(ci.data.options.len(), 2);
        assert_eq!(ci.data.options[0].name, "kind");
        assert_eq!(
            ci.data.options[0].value,
            CommandDataOptionValue::String("gratitude".into())
        );
        assert_eq!(ci.data.options[1].value, CommandDataOptionValue::Integer(3));
        assert_eq!(ci.guild_id.map(|g| g.get()), Some(GUILD));
        assert_eq!(ci.channel_id.get(), TEXT);
        assert_eq!(ci.channel.as_ref().map(|c| c.id.get()), Some(TEXT));
        assert_eq!(ci.user.id.get(), alice().id, "serenity copies member.user");
        let member = ci.member.as_deref().expect("member");
        assert_eq!(member.permissions, Some(Permissions::ADMINISTRATOR));
        assert_eq!(ci.locale, "en-GB");
        assert_eq!(ci.guild_locale.as_deref(), Some("en-US"));
        assert!(
            ci.app_permissions
                .expect("app_permissions")
                .contains(Permissions::SEND_MESSAGES)
        );
        assert_eq!(ci.authorizing_integration_owners.0.len(), 1);

        let GatewayEvent::Dispatch(4, Event::InteractionCreate(ev)) =
            de(&dispatch("INTERACTION_CREATE", 4, d))
        else {
            panic!("not an INTERACTION_CREATE dispatch")
        };
        assert!(matches!(ev.interaction, Interaction::Command(_)));
    }

    #[test]
    fn dm_command_interaction_deserializes() {
        let d = command_interaction(&in_dm(), 77, "act", Value::Null);
        assert!(d.get("member").is_none() && d.get("guild_id").is_none());
        let Interaction::Command(ci) = de(&d) else {
            panic!("not a command interaction")
        };
        assert!(ci.member.is_none() && ci.guild_id.is_none());
        assert_eq!(ci.user.id.get(), alice().id);
        assert_eq!(ci.channel_id.get(), DM);
        assert!(ci.data.options.is_empty());
    }

    #[test]
    fn autocomplete_interaction_deserializes() {
        let options = json!([{"name": "kind", "type": 3, "value": "gra", "focused": true}]);
        let Interaction::Autocomplete(ai) =
            de(&autocomplete_interaction(&in_guild(), 77, "act", options))
        else {
            panic!("not an autocomplete interaction")
        };
        let focused = ai.data.autocomplete().expect("focused option");
        assert_eq!((focused.name, focused.value), ("kind", "gra"));
        assert_eq!(focused.kind, CommandOptionType::String);
    }

    #[test]
    fn component_interactions_deserialize() {
        for ctx in [in_guild(), in_dm()] {
            let d = component_interaction(&ctx, "act:done:7", 2, a_message(None));
            let Interaction::Component(ci) = de(&d) else {
                panic!("not a component interaction")
            };
            assert_eq!(ci.data.custom_id, "act:done:7");
            assert!(matches!(ci.data.kind, ComponentInteractionDataKind::Button));
            assert_eq!(ci.message.content, "Here is a small act");
            assert_eq!(ci.user.id.get(), alice().id);
            assert_eq!(ci.guild_id.is_some(), ctx.guild_id.is_some());
        }

        let d = select_interaction(&in_guild(), "pick", 3, &["a", "b"], a_message(None));
        let Interaction::Component(ci) = de(&d) else {
            panic!("not a component interaction")
        };
        let ComponentInteractionDataKind::StringSelect { values } = ci.data.kind else {
            panic!("not a string select")
        };
        assert_eq!(values, ["a", "b"]);

        let d = component_interaction(&in_guild(), "pick", 3, a_message(None));
        assert!(matches!(de(&d), Interaction::Component(_)));
    }

    #[test]
    fn modal_submit_interaction_deserializes() {
        let rows = json!([{"type": 1, "components": [
            {"type": 4, "custom_id": "note", "value": "Brought cake"}
        ]}]);
        for ctx in [in_guild(), in_dm()] {
            let Interaction::Modal(mi) =
                de(&modal_submit_interaction(&ctx, "act:note:7", rows.clone()))
            else {
                panic!("not a modal interaction")
            };
            assert_eq!(mi.data.custom_id, "act:note:7");
            let ActionRowComponent::InputText(input) = &mi.data.components[0].components[0] else {
                panic!("not a text input")
            };
            assert_eq!(input.custom_id, "note");
            assert_eq!(input.value.as_deref(), Some("Brought cake"));
            assert_eq!(mi.user.id.get(), alice().id);
        }
    }

    fn bulk_body() -> Value {
        let commands = vec![
            CreateCommand::new("act")
                .description("Get a small act")
                .add_option(
                    CreateCommandOption::new(CommandOptionType::String, "kind", "Which kind")
                        .required(true)
                        .set_autocomplete(true),
                )
                .add_option(
                    CreateCommandOption::new(CommandOptionType::Integer, "count", "How many")
                        .min_int_value(1)
                        .max_int_value(5),
                ),
            CreateCommand::new("setup")
                .description("Configure")
                .default_member_permissions(Permissions::MANAGE_GUILD)
                .contexts(vec![serenity::all::InteractionContext::Guild]),
        ];
        serde_json::to_value(commands).unwrap()
    }

    #[test]
    fn registered_commands_deserialize_as_commands() {
        let answer = registered_commands(APP, 500, &bulk_body());
        let commands: Vec<Command> = de(&answer);
        assert_eq!(commands.len(), 2);
        let act = &commands[0];
        assert_eq!((act.id.get(), act.application_id.get()), (500, APP));
        assert_eq!(act.name, "act");
        assert_eq!(act.kind, CommandType::ChatInput);
        assert!(act.guild_id.is_none());
        assert!(act.default_member_permissions.is_none());
        assert_eq!(act.options.len(), 2);
        assert!(act.options[0].required && act.options[0].autocomplete);
        assert_eq!(act.options[1].max_value, Some(5.into()));

        let setup = &commands[1];
        assert_eq!(setup.id.get(), 501);
        assert_eq!(
            setup.default_member_permissions,
            Some(Permissions::MANAGE_GUILD)
        );
        assert_eq!(
            setup.contexts,
            Some(vec![serenity::all::InteractionContext::Guild])
        );
        assert!(answer[1].get("options").is_none());

        let answer = registered_guild_commands(APP, GUILD, 600, &bulk_body());
        let commands: Vec<Command> = de(&answer);
        assert_eq!(commands[0].guild_id.map(|g| g.get()), Some(GUILD));
        assert_eq!(
            de::<Vec<Command>>(&registered_commands(APP, 1, &json!([]))).len(),
            0
        );
    }

    // --- Against Discord's OpenAPI description, when it is at hand -------------------------

    /// Discord's OpenAPI description ([`crate::openapi::spec_path_for_tests`]). Tests using it
    /// pass without it.
    fn openapi() -> Option<&'static Value> {
        static SPEC: std::sync::OnceLock<Option<Value>> = std::sync::OnceLock::new();
        SPEC.get_or_init(|| {
            let path = crate::openapi::spec_path_for_tests()?;
            let text = std::fs::read_to_string(path).ok()?;
            serde_json::from_str(&text).ok()
        })
        .as_ref()
    }

    /// Problems of `value` against `schema`: missing required fields and wrong JSON types
    /// (formats and most constraints are not checked).
    fn problems(spec: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
        if out.len() > 50 || path.matches('.').count() > 12 {
            return;
        }
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            let name = target.trim_start_matches("#/components/schemas/");
            return problems(spec, &spec["components"]["schemas"][name], value, path, out);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = schema.get(key).and_then(Value::as_array) {
                let fits = variants.iter().any(|variant| {
                    let mut found = Vec::new();
                    problems(spec, variant, value, path, &mut found);
                    found.is_empty()
                });
                if !fits {
                    out.push(format!("{path}: fits none of {key} ({value})"));
                }
            }
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            problems(spec, part, value, path, out);
        }
        if let Some(types) = schema.get("type") {
            let actual = match value {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_f64() => "number",
                Value::Number(_) => "integer",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            let allowed: Vec<&str> = match types {
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect(),
            };
            let fits = allowed
                .iter()
                .any(|&t| t == actual || (t == "number" && actual == "integer"));
            if !fits {
                out.push(format!("{path}: is {actual}, schema says {types}"));
                return;
            }
        }
        if schema.get("format").and_then(Value::as_str) == Some("snowflake") {
            let digits = value
                .as_str()
                .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()));
            if !digits {
                out.push(format!("{path}: {value} is not a snowflake string"));
            }
        }
        if let Value::Object(map) = value {
            for key in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let key = key.as_str().unwrap_or_default();
                if !map.contains_key(key) {
                    out.push(format!("{path}.{key}: required, missing"));
                }
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (key, sub) in props {
                    if let Some(v) = map.get(key) {
                        problems(spec, sub, v, &format!("{path}.{key}"), out);
                    }
                }
            }
        }
        if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
            for (i, item) in items.iter().enumerate() {
                problems(spec, item_schema, item, &format!("{path}[{i}]"), out);
            }
        }
    }

    fn assert_fits(schema_name: &str, value: &Value) {
        let Some(spec) = openapi() else { return };
        let schema = &spec["components"]["schemas"][schema_name];
        assert!(
            !schema.is_null(),
            "no schema {schema_name} in the OpenAPI description"
        );
        let mut out = Vec::new();
        problems(spec, schema, value, schema_name, &mut out);
        assert!(
            out.is_empty(),
            "{schema_name}:\n{}\n{value:#}",
            out.join("\n")
        );
    }

    #[test]
    fn rest_answers_fit_discords_openapi_description() {
        assert_fits("UserResponse", &user(&alice()));
        assert_fits("UserPIIResponse", &current_user(&bot()));
        assert_fits(
            "PrivateApplicationResponse",
            &application(APP, &bot(), &alice()),
        );
        assert_fits("GatewayResponse", &gateway("ws://x"));
        assert_fits("GatewayBotResponse", &gateway_bot("ws://x", 3, &LIMIT));
        assert_fits("GuildChannelResponse", &channel(&text()));
        assert_fits("PrivateChannelResponse", &channel(&dm()));
        assert_fits("MessageResponse", &a_message(None));
        assert_fits("MessageResponse", &a_message(Some(&alice())));
        for command in registered_commands(APP, 500, &bulk_body())
            .as_array()
            .unwrap()
        {
            assert_fits("ApplicationCommandResponse", command);
        }

        // GUILD_CREATE is a gateway event; its parts are REST shapes.
        let g = guild_create(&guild(), &bot(), NOW);
        assert_fits("GuildResponse", &g);
        for role in g["roles"].as_array().unwrap() {
            assert_fits("GuildRoleResponse", role);
        }
        for member in g["members"].as_array().unwrap() {
            assert_fits("GuildMemberResponse", member);
        }
        for c in g["channels"].as_array().unwrap() {
            assert_fits("GuildChannelResponse", c);
        }
        for t in g["threads"].as_array().unwrap() {
            assert_fits("ThreadResponse", t);
        }
    }

    #[test]
    fn openapi_check_finds_a_missing_field_and_a_numeric_snowflake() {
        let Some(spec) = openapi() else { return };
        let mut broken = user(&alice());
        broken.as_object_mut().unwrap().remove("username");
        broken["id"] = json!(alice().id);
        let mut out = Vec::new();
        let schema = &spec["components"]["schemas"]["UserResponse"];
        problems(spec, schema, &broken, "UserResponse", &mut out);
        assert!(
            out.iter().any(|p| p.contains(".username: required")),
            "{out:?}"
        );
        assert!(out.iter().any(|p| p.contains(".id: ")), "{out:?}");
    }
}
