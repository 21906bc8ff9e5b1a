//! Guild scheduled events, as Discord documents them ("Guild Scheduled Event" resource):
//! create, list, get, modify and delete, and who is interested. Members mark themselves
//! interested in Discord's own client; here a test does it ([`crate::Sandbox::mark_interested`]),
//! which sends the bot GUILD_SCHEDULED_EVENT_USER_ADD, as Discord does with the
//! GUILD_SCHEDULED_EVENTS intent.
//!
//! What Discord checks and the fake checks too:
//! - the bot needs CREATE_EVENTS (1 << 44) in the server to create one, and to edit or delete
//!   those it created (MANAGE_EVENTS, 1 << 33, for others'): otherwise 403/50013;
//! - `name` 1-100 characters, `description` at most 1000, `privacy_level` 2 (GUILD_ONLY);
//! - `entity_type` 1 (stage) and 2 (voice) need a `channel_id` of a stage or voice channel of
//!   the server; 3 (external) needs `entity_metadata.location` (1-100 characters) and a
//!   `scheduled_end_time`, and no channel;
//! - the start is in the future, and the end, if any, after the start.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::limits::DiscordError;
use super::{ChannelKind, World, payloads};

/// CREATE_EVENTS, from Discord's "Bitwise Permission Flags".
pub const CREATE_EVENTS: u64 = 1 << 44;
/// The GUILD_SCHEDULED_EVENTS intent bit.
pub const INTENT_GUILD_SCHEDULED_EVENTS: u64 = 1 << 16;

type Answer = Result<(u16, Option<Value>), DiscordError>;

/// A scheduled event the fake holds: its payload (without `user_count`) and who is
/// interested.
#[derive(Debug, Clone)]
pub(crate) struct FakeEvent {
    pub json: Value,
    pub guild_id: u64,
    pub interested: BTreeSet<u64>,
}

impl FakeEvent {
    fn with_count(&self, with_user_count: bool) -> Value {
        let mut json = self.json.clone();
        if with_user_count {
            json["user_count"] = json!(self.interested.len());
        }
        json
    }
}

fn problem(field: &str, code: &'static str, message: &str) -> DiscordError {
    DiscordError::invalid_form_body(&[(field.to_owned(), code, message.to_owned())])
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

fn time(body: &Value, field: &str) -> Result<Option<DateTime<Utc>>, DiscordError> {
    match &body[field] {
        Value::Null => Ok(None),
        Value::String(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| problem(field, "DATE_TIME_TYPE_PARSE", "Could not parse date-time.")),
        _ => Err(problem(
            field,
            "DATE_TIME_TYPE_PARSE",
            "Could not parse date-time.",
        )),
    }
}

fn query_flag(query: &str, key: &str) -> bool {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .any(|(k, v)| k == key && (v == "true" || v == "1"))
}

fn guild_exists(world: &World, guild_id: u64) -> Result<(), DiscordError> {
    world
        .guilds
        .get(&guild_id)
        .map(|_| ())
        .ok_or_else(DiscordError::unknown_guild)
}

fn may_create_events(world: &World, guild_id: u64) -> Result<(), DiscordError> {
    if world.events_denied.contains(&guild_id) {
        return Err(DiscordError::missing_permissions());
    }
    Ok(())
}

fn unknown_event() -> DiscordError {
    DiscordError::coded(404, 10070, "Unknown Guild Scheduled Event")
}

/// The whole event after a create or an edit: every rule above, on the merged fields.
fn check(world: &World, guild_id: u64, event: &Value) -> Result<(), DiscordError> {
    let name = chars(&event["name"]);
    if !(1..=100).contains(&name) {
        return Err(problem(
            "name",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        ));
    }
    if chars(&event["description"]) > 1000 {
        return Err(problem(
            "description",
            "BASE_TYPE_BAD_LENGTH",
            "Must be 1000 or fewer in length.",
        ));
    }
    if event["privacy_level"] != 2 {
        return Err(problem(
            "privacy_level",
            "BASE_TYPE_CHOICES",
            "Value must be one of (2,).",
        ));
    }
    let start = time(event, "scheduled_start_time")?.ok_or_else(|| {
        problem(
            "scheduled_start_time",
            "BASE_TYPE_REQUIRED",
            "This field is required",
        )
    })?;
    let end = time(event, "scheduled_end_time")?;
    match event["entity_type"].as_u64() {
        Some(kind @ (1 | 2)) => {
            let wanted = if kind == 1 {
                ChannelKind::Stage
            } else {
                ChannelKind::Voice
            };
            let channel = event["channel_id"]
                .as_str()
                .and_then(|id| id.parse::<u64>().ok())
                .and_then(|id| world.channel(id))
                .filter(|c| c.guild_id == Some(guild_id) && c.kind == wanted);
            if channel.is_none() {
                return Err(problem(
                    "channel_id",
                    "GUILD_SCHEDULED_EVENT_CHANNEL_INVALID",
                    "A stage event needs a stage channel and a voice event a voice channel of this server.",
                ));
            }
        }
        Some(3) => {
            let location = chars(&event["entity_metadata"]["location"]);
            if !(1..=100).contains(&location) {
                return Err(problem(
                    "entity_metadata.location",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                ));
            }
            if end.is_none() {
                return Err(problem(
                    "scheduled_end_time",
                    "GUILD_SCHEDULED_EVENT_END_TIME_REQUIRED",
                    "An external event needs an end time.",
                ));
            }
            if !event["channel_id"].is_null() {
                return Err(problem(
                    "channel_id",
                    "GUILD_SCHEDULED_EVENT_CHANNEL_INVALID",
                    "An external event has no channel.",
                ));
            }
        }
        _ => {
            return Err(problem(
                "entity_type",
                "BASE_TYPE_CHOICES",
                "Value must be one of (1, 2, 3).",
            ));
        }
    }
    if end.is_some_and(|end| end <= start) {
        return Err(problem(
            "scheduled_end_time",
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "The end time must be after the start time.",
        ));
    }
    Ok(())
}

/// POST /guilds/{id}/scheduled-events
pub(crate) fn create(world: &mut World, guild_id: u64, body: &Value) -> Answer {
    guild_exists(world, guild_id)?;
    may_create_events(world, guild_id)?;
    check(world, guild_id, body)?;
    if time(body, "scheduled_start_time")?.is_some_and(|start| start <= world.now()) {
        return Err(problem(
            "scheduled_start_time",
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
            "Cannot schedule event in the past.",
        ));
    }
    let id = world.snowflake();
    let external = body["entity_type"] == 3;
    let json = json!({
        "id": id.to_string(),
        "guild_id": guild_id.to_string(),
        "channel_id": if external { Value::Null } else { body["channel_id"].clone() },
        "creator_id": world.bot.id.to_string(),
        "creator": payloads::user(&world.bot),
        "name": body["name"],
        "description": body.get("description").cloned().unwrap_or(Value::Null),
        "scheduled_start_time": body["scheduled_start_time"],
        "scheduled_end_time": body.get("scheduled_end_time").cloned().unwrap_or(Value::Null),
        "privacy_level": 2,
        "status": 1,
        "entity_type": body["entity_type"],
        "entity_id": if external { Value::Null } else { body["channel_id"].clone() },
        "entity_metadata": if external {
            json!({"location": body["entity_metadata"]["location"]})
        } else {
            Value::Null
        },
        "image": null,
        "recurrence_rule": null,
        "guild_scheduled_event_exceptions": [],
    });
    world.scheduled_events.insert(
        id,
        FakeEvent {
            json: json.clone(),
            guild_id,
            interested: BTreeSet::new(),
        },
    );
    dispatch(world, "GUILD_SCHEDULED_EVENT_CREATE", json.clone());
    Ok((200, Some(json)))
}

fn event_of(world: &World, guild_id: u64, event_id: u64) -> Result<&FakeEvent, DiscordError> {
    guild_exists(world, guild_id)?;
    world
        .scheduled_events
        .get(&event_id)
        .filter(|e| e.guild_id == guild_id)
        .ok_or_else(unknown_event)
}

/// GET /guilds/{id}/scheduled-events[?with_user_count=true]
pub(crate) fn list(world: &World, guild_id: u64, query: &str) -> Answer {
    guild_exists(world, guild_id)?;
    let with_count = query_flag(query, "with_user_count");
    let events: Vec<Value> = world
        .scheduled_events
        .values()
        .filter(|e| e.guild_id == guild_id)
        .map(|e| e.with_count(with_count))
        .collect();
    Ok((200, Some(Value::Array(events))))
}

/// GET /guilds/{id}/scheduled-events/{id}[?with_user_count=true]
pub(crate) fn get(world: &World, guild_id: u64, event_id: u64, query: &str) -> Answer {
    let event = event_of(world, guild_id, event_id)?;
    Ok((
        200,
        Some(event.with_count(query_flag(query, "with_user_count"))),
    ))
}

/// PATCH /guilds/{id}/scheduled-events/{id}: the fields given replace the event's.
pub(crate) fn modify(world: &mut World, guild_id: u64, event_id: u64, body: &Value) -> Answer {
    event_of(world, guild_id, event_id)?;
    may_create_events(world, guild_id)?;
    let mut merged = world.scheduled_events[&event_id].json.clone();
    for key in [
        "name",
        "description",
        "scheduled_start_time",
        "scheduled_end_time",
        "entity_type",
        "channel_id",
        "entity_metadata",
        "privacy_level",
        "status",
    ] {
        if let Some(value) = body.get(key) {
            merged[key] = value.clone();
        }
    }
    check(world, guild_id, &merged)?;
    let event = world
        .scheduled_events
        .get_mut(&event_id)
        .expect("checked above");
    event.json = merged.clone();
    dispatch(world, "GUILD_SCHEDULED_EVENT_UPDATE", merged.clone());
    Ok((200, Some(merged)))
}

/// DELETE /guilds/{id}/scheduled-events/{id}
pub(crate) fn delete(world: &mut World, guild_id: u64, event_id: u64) -> Answer {
    event_of(world, guild_id, event_id)?;
    may_create_events(world, guild_id)?;
    let event = world
        .scheduled_events
        .remove(&event_id)
        .expect("checked above");
    dispatch(world, "GUILD_SCHEDULED_EVENT_DELETE", event.json);
    Ok((204, None))
}

/// GET /guilds/{id}/scheduled-events/{id}/users?limit=..: who is interested (`limit` 1-100,
/// default 100), as `{guild_scheduled_event_id, user}`.
pub(crate) fn users(world: &World, guild_id: u64, event_id: u64, query: &str) -> Answer {
    let event = event_of(world, guild_id, event_id)?;
    let limit = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "limit")
        .map(|(_, v)| v.parse::<usize>().unwrap_or(0))
        .unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return Err(problem(
            "limit",
            "NUMBER_TYPE_MAX",
            "Int value should be between 1 and 100.",
        ));
    }
    let guild = &world.guilds[&guild_id];
    let users: Vec<Value> = event
        .interested
        .iter()
        .take(limit)
        .filter_map(|id| guild.members.iter().find(|m| m.id == *id))
        .map(|user| {
            json!({
                "guild_scheduled_event_id": event_id.to_string(),
                "user": payloads::user(user),
            })
        })
        .collect();
    Ok((200, Some(Value::Array(users))))
}

/// A member marks themselves interested (or no longer): the bot hears USER_ADD or
/// USER_REMOVE, once per change. Fails for an unknown event or someone not in the server.
pub(crate) fn set_interest(
    world: &mut World,
    event_id: u64,
    user_id: u64,
    interested: bool,
) -> anyhow::Result<()> {
    let event = world
        .scheduled_events
        .get_mut(&event_id)
        .ok_or_else(|| anyhow::anyhow!("no scheduled event {event_id}"))?;
    let guild_id = event.guild_id;
    if !world.guilds[&guild_id]
        .members
        .iter()
        .any(|m| m.id == user_id)
    {
        anyhow::bail!("user {user_id} is not a member of guild {guild_id}");
    }
    let changed = if interested {
        event.interested.insert(user_id)
    } else {
        event.interested.remove(&user_id)
    };
    if changed {
        let name = if interested {
            "GUILD_SCHEDULED_EVENT_USER_ADD"
        } else {
            "GUILD_SCHEDULED_EVENT_USER_REMOVE"
        };
        dispatch(
            world,
            name,
            json!({
                "guild_scheduled_event_id": event_id.to_string(),
                "user_id": user_id.to_string(),
                "guild_id": guild_id.to_string(),
            }),
        );
    }
    Ok(())
}

/// Sends a scheduled-event dispatch if the bot asked for the intent.
fn dispatch(world: &mut World, event: &str, d: Value) {
    if world.has_intent(INTENT_GUILD_SCHEDULED_EVENTS) {
        let _ = world.dispatch(event, d);
    }
}

#[cfg(test)]
mod tests {
    use serenity::model::guild::ScheduledEvent;

    use super::*;

    #[test]
    fn an_event_payload_deserializes_as_serenitys_scheduled_event() {
        let event = FakeEvent {
            json: json!({
                "id": "10", "guild_id": "2", "channel_id": null, "creator_id": "3",
                "creator": {"id": "3", "username": "bot", "global_name": null, "discriminator": "0",
                            "avatar": null, "bot": true},
                "name": "Tea", "description": null,
                "scheduled_start_time": "2030-01-01T18:00:00.000Z",
                "scheduled_end_time": "2030-01-01T19:00:00.000Z",
                "privacy_level": 2, "status": 1, "entity_type": 3, "entity_id": null,
                "entity_metadata": {"location": "The kitchen"}, "image": null,
                "recurrence_rule": null, "guild_scheduled_event_exceptions": [],
            }),
            guild_id: 2,
            interested: [5, 6].into_iter().collect(),
        };
        let parsed: ScheduledEvent = serde_json::from_value(event.with_count(true)).unwrap();
        assert_eq!(parsed.user_count, Some(2));
        assert_eq!(
            parsed.metadata.unwrap().location.as_deref(),
            Some("The kitchen")
        );
        let parsed: ScheduledEvent = serde_json::from_value(event.with_count(false)).unwrap();
        assert_eq!(parsed.user_count, None);
    }
}
