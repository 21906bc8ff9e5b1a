//! The REST side of the fake Discord: `/api/v10/...`. One handler records, authenticates,
//! checks and rate-limits every request, then routes it by method and path.

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::faults::{LostAnswer, server_error_body};
use super::limits::{self, DiscordError};
use super::ratelimits::{BucketHeaders, Route, Verdict};
use super::tls::TlsConnection;
use super::{ChannelKind, RecordedRequest, Shared, StoredMessage, World, now_iso, payloads};

type Answer = Result<(u16, Option<Value>), DiscordError>;
/// A request body: its JSON (or multipart `payload_json`) and any files, by name and size.
type ParsedBody = (Option<Value>, Vec<(String, Vec<u8>)>);

/// What the fake decided to answer, before it becomes an HTTP response.
enum Answered {
    /// Discord's API answered (success or a Discord error), with the route's rate-limit
    /// headers.
    Api(Answer, Option<BucketHeaders>),
    /// 429: a bucket or the global limit is exhausted.
    RateLimited(f64, bool, Option<BucketHeaders>),
    /// A 5xx from a fault window: nothing was done.
    ServerError(u16),
    /// A ghost create: the message was made, but this is all the bot hears.
    Lost(LostAnswer),
}

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    connection: Option<Extension<TlsConnection>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received_at = Instant::now();
    let path = uri.path().trim_start_matches("/api/v10").to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    let arrival = Arrival {
        received_at,
        tls_server_name: connection.and_then(|Extension(c)| c.server_name),
        host: headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned),
    };
    let (json_body, files) = match parse_body(&headers, &body) {
        Ok(parsed) => parsed,
        Err(why) => {
            return finish(
                &shared,
                arrival,
                &method,
                &path,
                &query,
                None,
                vec![],
                Answered::Api(Err(DiscordError::coded(400, 50109, &why)), None),
            );
        }
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let is_interaction_route =
        matches!(segments.first(), Some(&"interactions") | Some(&"webhooks"));

    let answered = (|| {
        // Interaction callbacks and webhook follow-ups are authorised by their token.
        if !is_interaction_route {
            let expected = format!("Bot {}", shared.token);
            if headers.get("authorization").and_then(|h| h.to_str().ok()) != Some(expected.as_str())
            {
                return Answered::Api(Err(DiscordError::unauthorized()), None);
            }
        }
        if let (Some(spec), Some(body)) = (&shared.openapi, &json_body) {
            let check_path = path.clone();
            if let Err(problems) = spec.check(method.as_str(), &check_path, body) {
                let listed: Vec<(String, &'static str, String)> = problems
                    .into_iter()
                    .map(|p| ("body".to_owned(), "OPENAPI_SCHEMA", p))
                    .collect();
                return Answered::Api(Err(DiscordError::invalid_form_body(&listed)), None);
            }
        }
        let mut world = shared.world();
        // An edge that is having a bad day answers before Discord's API sees anything.
        if let Some(status) = world.faults.take_window(method.as_str(), &path) {
            return Answered::ServerError(status);
        }
        let route = Route::of(method.as_str(), &segments);
        let now = Instant::now();
        let verdict = match world.faults.take_forced(method.as_str(), &path) {
            Some((retry_after, global)) => world.limits.force(&route, retry_after, global, now),
            None => world.limits.check(&route, now),
        };
        let headers = match verdict {
            Verdict::Pass(headers) => headers,
            Verdict::Limited {
                retry_after,
                global,
                headers,
            } => return Answered::RateLimited(retry_after, global, headers),
        };
        let creates_message = method == Method::POST
            && matches!(
                segments.as_slice(),
                ["channels", _, "messages"] | ["webhooks", _, _]
            );
        let answer = route_request(&mut world, &method, &segments, &query, json_body.as_ref());
        if creates_message
            && answer.is_ok()
            && let Some(lost) = world.faults.take_ghost(method.as_str(), &path)
        {
            return Answered::Lost(lost);
        }
        Answered::Api(answer, headers)
    })();
    finish(
        &shared, arrival, &method, &path, &query, json_body, files, answered,
    )
}

/// When and how a request arrived.
struct Arrival {
    received_at: Instant,
    tls_server_name: Option<String>,
    host: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn finish(
    shared: &Shared,
    arrival: Arrival,
    method: &Method,
    path: &str,
    query: &str,
    body: Option<Value>,
    files: Vec<(String, Vec<u8>)>,
    answered: Answered,
) -> Response {
    let dropped = matches!(answered, Answered::Lost(LostAnswer::DropConnection));
    let response = match answered {
        Answered::Api(answer, headers) => {
            let (status, response_body) = match answer {
                Ok((status, body)) => (status, body),
                Err(error) => {
                    if error.status == 400 {
                        let mut world = shared.world();
                        world.violations.push(format!(
                            "{method} {path}: Discord would refuse this: {}",
                            error.body
                        ));
                    }
                    (error.status, Some(error.body))
                }
            };
            let status_code =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = match response_body {
                Some(body) => (status_code, axum::Json(body)).into_response(),
                None => status_code.into_response(),
            };
            add_bucket_headers(&mut response, headers.as_ref());
            response
        }
        Answered::RateLimited(retry_after, global, headers) => {
            let body = DiscordError::rate_limited(retry_after, global).body;
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            add_bucket_headers(&mut response, headers.as_ref());
            let out = response.headers_mut();
            // Whole seconds, rounded up, as in Discord's examples (retry_after 64.57 -> 65).
            let whole = retry_after.ceil().max(0.0) as u64;
            out.insert("retry-after", HeaderValue::from(whole));
            if global {
                out.insert("x-ratelimit-global", HeaderValue::from_static("true"));
                out.insert("x-ratelimit-scope", HeaderValue::from_static("global"));
            } else {
                out.insert("x-ratelimit-scope", HeaderValue::from_static("user"));
            }
            response
        }
        Answered::ServerError(status) | Answered::Lost(LostAnswer::Status(status)) => {
            let (content_type, body) = server_error_body(status);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, [(CONTENT_TYPE, content_type)], body).into_response()
        }
        Answered::Lost(LostAnswer::DropConnection) => {
            // A body that fails at once: the server closes the connection without an answer.
            let failing = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped"))
            });
            axum::body::Body::from_stream(failing).into_response()
        }
    };
    {
        let mut world = shared.world();
        world.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.to_owned(),
            query: query.to_owned(),
            body,
            files,
            status: if dropped {
                0
            } else {
                response.status().as_u16()
            },
            received_at: arrival.received_at,
            answered_at: Instant::now(),
            tls_server_name: arrival.tls_server_name,
            host: arrival.host,
        });
    }
    shared.touch();
    response
}

fn add_bucket_headers(response: &mut Response, headers: Option<&BucketHeaders>) {
    let Some(headers) = headers else {
        return;
    };
    for (name, value) in headers.pairs() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
}

/// JSON bodies, and multipart bodies (files plus `payload_json`) as Discord accepts them.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<ParsedBody, String> {
    if body.is_empty() {
        return Ok((None, vec![]));
    }
    let content_type = headers
        .get("content-type")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        return parse_multipart(body, boundary.trim_matches('"'));
    }
    serde_json::from_slice(body)
        .map(|v| (Some(v), vec![]))
        .map_err(|e| format!("Invalid JSON: {e}"))
}

fn parse_multipart(body: &[u8], boundary: &str) -> Result<ParsedBody, String> {
    let delimiter = format!("--{boundary}");
    let text = body;
    let mut payload = None;
    let mut files = Vec::new();
    let mut parts = split_bytes(text, delimiter.as_bytes());
    parts.retain(|p| !p.is_empty() && !p.starts_with(b"--"));
    for part in parts {
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]).to_string();
        let mut content = &part[split + 4..];
        content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = attribute(&head, "name").unwrap_or_default();
        if name == "payload_json" {
            payload = Some(
                serde_json::from_slice(content)
                    .map_err(|e| format!("Invalid payload_json: {e}"))?,
            );
        } else {
            let filename = attribute(&head, "filename").unwrap_or(name);
            files.push((filename, content.to_vec()));
        }
    }
    Ok((payload, files))
}

fn attribute(head: &str, key: &str) -> Option<String> {
    let needle = format!("{key}=\"");
    let start = head.find(&needle)? + needle.len();
    let end = head[start..].find('"')? + start;
    Some(head[start..end].to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut haystack: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(at) = find(haystack, delimiter) {
        out.push(&haystack[..at]);
        haystack = &haystack[at + delimiter.len()..];
    }
    out.push(haystack);
    out
}

fn id(segment: &str) -> Result<u64, DiscordError> {
    segment
        .parse()
        .map_err(|_| DiscordError::coded(400, 50035, "Value is not snowflake."))
}

fn route_request(
    world: &mut World,
    method: &Method,
    seg: &[&str],
    query: &str,
    body: Option<&Value>,
) -> Answer {
    let empty = json!({});
    let body = body.unwrap_or(&empty);
    match (method.as_str(), seg) {
        ("GET", ["gateway"]) => Ok((200, Some(payloads::gateway(&world.ws_url)))),
        ("GET", ["gateway", "bot"]) => {
            let shards = super::shards::recommended_shards(world.guilds.len());
            let limit = world.identifies.session_start_limit(Instant::now());
            Ok((
                200,
                Some(payloads::gateway_bot(&world.ws_url, shards, &limit)),
            ))
        }
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => Ok((
            200,
            Some(payloads::application(
                world.application_id,
                &world.bot,
                &world.owner,
            )),
        )),
        ("GET", ["users", "@me"]) => Ok((200, Some(payloads::current_user(&world.bot)))),
        ("PUT", ["applications", app, "commands"]) => {
            if id(app)? != world.application_id {
                return Err(DiscordError::coded(403, 50001, "Missing Access"));
            }
            // One id per command.
            let count = body.as_array().map_or(1, |commands| commands.len().max(1));
            let first = world.ids.run(count as u64);
            world.commands = payloads::registered_commands(world.application_id, first, body);
            Ok((200, Some(world.commands.clone())))
        }
        ("GET", ["applications", _, "commands"]) => Ok((200, Some(world.commands.clone()))),
        ("PUT", ["applications", _, "guilds", _, "commands"]) => Ok((200, Some(json!([])))),
        ("GET", ["channels", channel]) => {
            let channel = world
                .channel_payload(id(channel)?, 0)
                .ok_or_else(DiscordError::unknown_channel)?;
            Ok((200, Some(channel)))
        }
        ("GET", ["guilds", guild]) => {
            let guild = world
                .guilds
                .get(&id(guild)?)
                .ok_or_else(DiscordError::unknown_guild)?;
            let mut payload = payloads::guild(guild, &world.bot);
            if world.events_denied.contains(&guild.id) {
                // The bot's managed role, without the permission a test took away.
                let role = &mut payload["roles"][1]["permissions"];
                let bits = role
                    .as_str()
                    .and_then(|b| b.parse::<u64>().ok())
                    .unwrap_or(0);
                *role = json!((bits & !super::events::CREATE_EVENTS).to_string());
            }
            Ok((200, Some(payload)))
        }
        ("POST", ["guilds", guild, "scheduled-events"]) => {
            super::events::create(world, id(guild)?, body)
        }
        ("GET", ["guilds", guild, "scheduled-events"]) => {
            super::events::list(world, id(guild)?, query)
        }
        ("GET", ["guilds", guild, "scheduled-events", event]) => {
            super::events::get(world, id(guild)?, id(event)?, query)
        }
        ("PATCH", ["guilds", guild, "scheduled-events", event]) => {
            super::events::modify(world, id(guild)?, id(event)?, body)
        }
        ("DELETE", ["guilds", guild, "scheduled-events", event]) => {
            super::events::delete(world, id(guild)?, id(event)?)
        }
        ("GET", ["guilds", guild, "scheduled-events", event, "users"]) => {
            super::events::users(world, id(guild)?, id(event)?, query)
        }
        ("GET", ["guilds", guild, "channels"]) => {
            let guild = world
                .guilds
                .get(&id(guild)?)
                .ok_or_else(DiscordError::unknown_guild)?;
            // Threads are not listed here, as on Discord.
            let channels: Vec<Value> = guild
                .channels
                .iter()
                .filter(|c| c.kind == ChannelKind::Text)
                .enumerate()
                .filter_map(|(position, c)| {
                    world.channel_payload(c.id, u16::try_from(position).unwrap_or(u16::MAX))
                })
                .collect();
            Ok((200, Some(Value::Array(channels))))
        }
        ("GET", ["guilds", guild, "members", user]) => {
            let guild = world
                .guilds
                .get(&id(guild)?)
                .ok_or_else(DiscordError::unknown_guild)?;
            let user_id = id(user)?;
            let user = if user_id == world.bot.id {
                &world.bot
            } else {
                guild
                    .members
                    .iter()
                    .find(|m| m.id == user_id)
                    .ok_or_else(DiscordError::unknown_member)?
            };
            Ok((
                200,
                Some(payloads::guild_member(
                    guild,
                    user,
                    &world.bot,
                    payloads::DEFAULT_JOINED_AT,
                )),
            ))
        }
        ("POST", ["channels", channel, "messages"]) => {
            create_channel_message(world, id(channel)?, body)
        }
        ("GET", ["channels", channel, "messages"]) => {
            list_channel_messages(world, id(channel)?, query)
        }
        ("PATCH", ["channels", channel, "messages", message]) => {
            let (channel, message) = (id(channel)?, id(message)?);
            world
                .channel(channel)
                .ok_or_else(DiscordError::unknown_channel)?;
            limits::check_message(body)?;
            edit_message(world, message, body)
        }
        ("DELETE", ["channels", channel, "messages", message]) => {
            world
                .channel(id(channel)?)
                .ok_or_else(DiscordError::unknown_channel)?;
            world
                .messages
                .remove(&id(message)?)
                .ok_or_else(DiscordError::unknown_message)?;
            Ok((204, None))
        }
        ("POST", ["channels", channel, "messages", message, "threads"]) => {
            start_thread(world, id(channel)?, id(message)?, body)
        }
        (
            "PUT",
            [
                "channels",
                channel,
                "messages",
                message,
                "reactions",
                _emoji,
                "@me",
            ],
        ) => {
            world
                .channel(id(channel)?)
                .ok_or_else(DiscordError::unknown_channel)?;
            world
                .messages
                .get(&id(message)?)
                .ok_or_else(DiscordError::unknown_message)?;
            Ok((204, None))
        }
        ("POST", ["users", "@me", "channels"]) => {
            let recipient: u64 = body["recipient_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| body["recipient_id"].as_u64())
                .ok_or_else(|| {
                    DiscordError::invalid_form_body(&[(
                        "recipient_id".into(),
                        "BASE_TYPE_REQUIRED",
                        "This field is required".into(),
                    )])
                })?;
            let existing = world
                .channels
                .values()
                .find(|c| {
                    c.channel.kind == ChannelKind::Dm
                        && c.channel
                            .recipient
                            .as_ref()
                            .is_some_and(|u| u.id == recipient)
                })
                .map(|c| c.channel.clone());
            let channel = match existing {
                Some(c) => c,
                None => {
                    let user = world
                        .guilds
                        .values()
                        .flat_map(|g| g.members.iter())
                        .find(|m| m.id == recipient)
                        .cloned()
                        .ok_or_else(|| DiscordError::coded(400, 50033, "Invalid Recipient(s)"))?;
                    let channel = super::FakeChannel {
                        id: world.snowflake(),
                        name: String::new(),
                        kind: ChannelKind::Dm,
                        guild_id: None,
                        parent_id: None,
                        recipient: Some(user),
                    };
                    world.insert_channel(channel.clone());
                    channel
                }
            };
            Ok((200, Some(payloads::channel(&channel))))
        }
        ("POST", ["interactions", interaction, token, "callback"]) => {
            interaction_callback(world, id(interaction)?, token, body)
        }
        ("GET", ["webhooks", _, token, "messages", "@original"]) => {
            let mid = original_message(world, token)?;
            Ok((200, world.messages.get(&mid).map(|m| m.json.clone())))
        }
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            limits::check_message(body)?;
            let mid = original_message(world, token)?;
            if let Some(state) = world.interactions.get_mut(*token) {
                state.edited = true;
            }
            edit_message(world, mid, body)
        }
        ("DELETE", ["webhooks", _, token, "messages", "@original"]) => {
            let mid = original_message(world, token)?;
            world.messages.remove(&mid);
            Ok((204, None))
        }
        ("POST", ["webhooks", _, token]) => {
            limits::check_message(body)?;
            let (channel, ephemeral) = {
                let state = world
                    .interactions
                    .get(*token)
                    .ok_or_else(DiscordError::unknown_interaction)?;
                if state.callback.is_none() {
                    return Err(DiscordError::coded(
                        400,
                        40060,
                        "Interaction has not been acknowledged.",
                    ));
                }
                (state.channel.clone(), state.ephemeral_default)
            };
            let mut message = body.clone();
            if ephemeral && message["flags"].is_null() {
                message["flags"] = json!(64);
            }
            let created = store_bot_message(world, &channel, &message);
            // After a deferred update, a follow-up is the answer the member sees.
            if let Some(state) = world.interactions.get_mut(*token)
                && matches!(state.callback, Some((6, _, _)))
                && !state.edited
            {
                state.message_id = created["id"].as_str().and_then(|s| s.parse().ok());
                state.edited = true;
            }
            let _ = query;
            Ok((200, Some(created)))
        }
        ("PATCH", ["webhooks", _, token, "messages", message]) => {
            world
                .interactions
                .get(*token)
                .ok_or_else(DiscordError::unknown_interaction)?;
            limits::check_message(body)?;
            edit_message(world, id(message)?, body)
        }
        _ => {
            world.violations.push(format!(
                "{method} /{}: the fake Discord does not implement this route",
                seg.join("/")
            ));
            Err(DiscordError::not_found())
        }
    }
}

/// POST /channels/{id}/messages/{id}/threads: a public thread from a message, which takes
/// the message's id, as on Discord.
fn start_thread(world: &mut World, channel_id: u64, message_id: u64, body: &Value) -> Answer {
    let parent = world
        .channels
        .get(&channel_id)
        .ok_or_else(DiscordError::unknown_channel)?;
    if !parent.bot_can_send {
        return Err(DiscordError::missing_permissions());
    }
    let guild_id = parent.channel.guild_id;
    world
        .messages
        .get(&message_id)
        .ok_or_else(DiscordError::unknown_message)?;
    let name = body["name"].as_str().unwrap_or_default();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DiscordError::invalid_form_body(&[(
            "name".into(),
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.".into(),
        )]));
    }
    let thread = super::FakeChannel {
        id: message_id,
        name: name.to_owned(),
        kind: ChannelKind::PublicThread,
        guild_id,
        parent_id: Some(channel_id),
        recipient: None,
    };
    world.insert_channel(thread.clone());
    let mut answer = payloads::channel(&thread);
    answer["owner_id"] = json!(world.bot.id.to_string());
    let _ = world.dispatch("THREAD_CREATE", answer.clone());
    Ok((201, Some(answer)))
}

/// A channel the bot can see: 404/10003 if there is none, 403/50001 if it may not view it.
fn visible_channel(world: &World, channel_id: u64) -> Result<&super::ChannelState, DiscordError> {
    let state = world
        .channels
        .get(&channel_id)
        .ok_or_else(DiscordError::unknown_channel)?;
    if !state.bot_can_view {
        return Err(DiscordError::missing_access());
    }
    Ok(state)
}

fn create_channel_message(world: &mut World, channel_id: u64, body: &Value) -> Answer {
    let state = visible_channel(world, channel_id)?;
    if !state.bot_can_send {
        return Err(DiscordError::missing_permissions());
    }
    let channel = state.channel.clone();
    if body["content"].as_str().unwrap_or_default().is_empty()
        && body["embeds"].as_array().is_none_or(|e| e.is_empty())
        && body["sticker_ids"].is_null()
        && body["components"].as_array().is_none_or(|c| c.is_empty())
    {
        return Err(DiscordError::coded(
            400,
            50006,
            "Cannot send an empty message",
        ));
    }
    limits::check_message(body)?;
    // Discord's nonce guard: with enforce_nonce, a repeated nonce returns the first message.
    if body["enforce_nonce"] == true
        && let Some(nonce) = body["nonce"].as_str()
        && let Some(existing) = world
            .messages
            .values()
            .find(|m| m.channel_id == Some(channel_id) && m.json["nonce"] == nonce)
    {
        return Ok((200, Some(existing.json.clone())));
    }
    let created = store_bot_message(world, &channel, body);
    dispatch_own_message(world, &channel, &created);
    Ok((200, Some(created)))
}

/// Discord sends a bot its own messages too: MESSAGE_CREATE with the `nonce` it sent, in
/// servers with the GUILD_MESSAGES intent and in DMs with DIRECT_MESSAGES. The content is
/// never blanked (a bot always sees its own words).
fn dispatch_own_message(world: &mut World, channel: &super::FakeChannel, created: &Value) {
    let intent = if channel.guild_id.is_some() {
        super::INTENT_GUILD_MESSAGES
    } else {
        super::INTENT_DIRECT_MESSAGES
    };
    if !world.has_intent(intent) {
        return;
    }
    let mut event = created.clone();
    if let Some(object) = event.as_object_mut() {
        // Request-only fields are not part of a message.
        object.remove("allowed_mentions");
        object.remove("enforce_nonce");
    }
    let _ = world.dispatch("MESSAGE_CREATE", event);
}

/// GET /channels/{id}/messages: `limit` (1-100, default 50) messages, newest first, before,
/// after or around a message id. As Discord documents, the `nonce` is only ever echoed on
/// create, so it is not in these; without the MESSAGE_CONTENT intent others' words are blank.
fn list_channel_messages(world: &mut World, channel_id: u64, query: &str) -> Answer {
    let state = visible_channel(world, channel_id)?;
    let mut limit = 50;
    let (mut before, mut after, mut around) = (None, None, None);
    for (key, value) in query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
    {
        let number = || {
            value.parse::<u64>().map_err(|_| {
                DiscordError::invalid_form_body(&[(
                    key.to_owned(),
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{value}\" is not int."),
                )])
            })
        };
        match key {
            "limit" => limit = number()?,
            "before" => before = Some(number()?),
            "after" => after = Some(number()?),
            "around" => around = Some(number()?),
            _ => {}
        }
    }
    if !(1..=100).contains(&limit) {
        return Err(DiscordError::invalid_form_body(&[(
            "limit".into(),
            "NUMBER_TYPE_MAX",
            "Int value should be less than or equal to 100.".into(),
        )]));
    }
    let limit = limit as usize;
    let in_channel: Vec<(u64, &Value)> = world
        .messages
        .iter()
        .filter(|(_, m)| m.channel_id == Some(channel_id))
        .map(|(id, m)| (*id, &m.json))
        .collect();
    // Oldest first here; the answer is newest first.
    let mut picked: Vec<(u64, &Value)> = if let Some(around) = around {
        let older: Vec<_> = in_channel.iter().filter(|(id, _)| *id <= around).collect();
        let newer: Vec<_> = in_channel.iter().filter(|(id, _)| *id > around).collect();
        let take_newer = (limit / 2).min(newer.len());
        let take_older = (limit - take_newer).min(older.len());
        older[older.len() - take_older..]
            .iter()
            .chain(newer[..take_newer].iter())
            .map(|m| **m)
            .collect()
    } else if let Some(after) = after {
        in_channel
            .iter()
            .filter(|(id, _)| *id > after)
            .take(limit)
            .copied()
            .collect()
    } else {
        let older: Vec<_> = in_channel
            .iter()
            .filter(|(id, _)| before.is_none_or(|b| *id < b))
            .copied()
            .collect();
        older[older.len().saturating_sub(limit)..].to_vec()
    };
    picked.reverse();
    let bot_id = world.bot.id.to_string();
    let content_intent = world.has_intent(super::INTENT_MESSAGE_CONTENT);
    let guild_channel = state.channel.guild_id.is_some();
    let listed: Vec<Value> = picked
        .into_iter()
        .map(|(_, json)| {
            let mut message = json.clone();
            if let Some(object) = message.as_object_mut() {
                object.remove("nonce");
                object.remove("allowed_mentions");
                object.remove("enforce_nonce");
            }
            let own = message["author"]["id"] == bot_id.as_str();
            let mentions_bot = message["content"]
                .as_str()
                .is_some_and(|c| c.contains(&format!("<@{bot_id}>")));
            if guild_channel && !own && !mentions_bot && !content_intent {
                message["content"] = json!("");
                message["embeds"] = json!([]);
                message["attachments"] = json!([]);
                message["components"] = json!([]);
            }
            message
        })
        .collect();
    Ok((200, Some(Value::Array(listed))))
}

/// Stores a message the bot sent and returns it as Discord would.
fn store_bot_message(world: &mut World, channel: &super::FakeChannel, body: &Value) -> Value {
    let id = world.snowflake();
    let bot = world.bot.clone();
    let mut message = payloads::message(
        id,
        channel,
        &bot,
        body["content"].as_str().unwrap_or_default(),
        body["embeds"].clone(),
        body["components"].clone(),
        &now_iso(),
        None,
    );
    for key in ["flags", "nonce", "allowed_mentions", "message_reference"] {
        if !body[key].is_null() {
            message[key] = body[key].clone();
        }
    }
    if message["embeds"].is_null() {
        message["embeds"] = json!([]);
    }
    if message["components"].is_null() {
        message["components"] = json!([]);
    }
    let ephemeral = message["flags"].as_u64().is_some_and(|f| f & 64 != 0);
    world.messages.insert(
        id,
        StoredMessage {
            json: message.clone(),
            channel_id: (!ephemeral).then_some(channel.id),
        },
    );
    message
}

fn edit_message(world: &mut World, message_id: u64, body: &Value) -> Answer {
    let stored = world
        .messages
        .get_mut(&message_id)
        .ok_or_else(DiscordError::unknown_message)?;
    for key in [
        "content",
        "embeds",
        "components",
        "allowed_mentions",
        "flags",
    ] {
        if let Some(value) = body.get(key)
            && !value.is_null()
        {
            stored.json[key] = value.clone();
        }
    }
    stored.json["edited_timestamp"] = json!(now_iso());
    Ok((200, Some(stored.json.clone())))
}

fn original_message(world: &World, token: &str) -> Result<u64, DiscordError> {
    let state = world
        .interactions
        .get(token)
        .ok_or_else(DiscordError::unknown_interaction)?;
    state.message_id.ok_or_else(DiscordError::unknown_message)
}

/// POST /interactions/{id}/{token}/callback. Answers 204 as Discord does without
/// `with_response`.
fn interaction_callback(
    world: &mut World,
    interaction_id: u64,
    token: &str,
    body: &Value,
) -> Answer {
    let (channel, source, dispatched) = {
        let state = world
            .interactions
            .get(token)
            .ok_or_else(DiscordError::unknown_interaction)?;
        if state.id != interaction_id {
            return Err(DiscordError::unknown_interaction());
        }
        if state.callback.is_some() {
            return Err(DiscordError::already_acknowledged());
        }
        // Discord gives a bot three seconds to answer.
        if state.dispatched.elapsed().as_secs_f64() > 3.0 {
            return Err(DiscordError::unknown_interaction());
        }
        (
            state.channel.clone(),
            state.source_message_id,
            state.dispatched,
        )
    };
    let kind = body["type"].as_u64().unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    if matches!(kind, 4 | 7) {
        limits::check_message(&data)?;
    }
    let mut message_id = None;
    let mut ephemeral_default = false;
    match kind {
        4 => {
            let created = store_bot_message(world, &channel, &data);
            message_id = created["id"].as_str().and_then(|s| s.parse().ok());
        }
        5 => {
            ephemeral_default = data["flags"].as_u64().is_some_and(|f| f & 64 != 0);
            let placeholder =
                json!({"content": "", "flags": data["flags"].as_u64().unwrap_or(0) | 128});
            let created = store_bot_message(world, &channel, &placeholder);
            message_id = created["id"].as_str().and_then(|s| s.parse().ok());
        }
        // A deferred update's original response is the message the button was on.
        6 => message_id = source,
        7 => {
            let source = source.ok_or_else(|| {
                DiscordError::coded(
                    400,
                    40004,
                    "An update response needs a component interaction",
                )
            })?;
            edit_message(world, source, &data)?;
        }
        8 | 9 => {}
        other => {
            return Err(DiscordError::invalid_form_body(&[(
                "type".into(),
                "BASE_TYPE_CHOICES",
                format!("Value must be one of (1, 4, 5, 6, 7, 8, 9, 10, 12); got {other}."),
            )]));
        }
    }
    let state = world.interactions.get_mut(token).expect("checked above");
    state.callback = Some((kind, data, dispatched.elapsed()));
    state.message_id = message_id;
    state.ephemeral_default = ephemeral_default;
    Ok((204, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_yield_payload_json_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"chart.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNGdata\r\n--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"hi\"}\r\n--XyZ--\r\n";
        let (payload, files) = parse_multipart(body, "XyZ").unwrap();
        assert_eq!(payload.unwrap()["content"], "hi");
        assert_eq!(
            files,
            vec![("chart.png".to_owned(), b"\x89PNGdata".to_vec())]
        );
    }
}
