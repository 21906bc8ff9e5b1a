//! Discord's documented limits on what a bot may send, and the error bodies Discord answers
//! with when they are broken. Some of these are not in the OpenAPI description (a bot's
//! `content` is 2000 characters, not 4000; all embeds of a message share 6000 characters).

use serde_json::{Value, json};

/// An error Discord would answer with: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscordError {
    pub status: u16,
    pub body: Value,
}

impl DiscordError {
    /// 50035 Invalid Form Body, with one error per offending field, as Discord nests them.
    pub fn invalid_form_body(problems: &[(String, &'static str, String)]) -> DiscordError {
        let mut errors = serde_json::Map::new();
        for (path, code, message) in problems {
            insert_nested(
                &mut errors,
                path,
                json!({"_errors": [{"code": code, "message": message}]}),
            );
        }
        DiscordError {
            status: 400,
            body: json!({"code": 50035, "errors": errors, "message": "Invalid Form Body"}),
        }
    }

    pub fn unknown_channel() -> DiscordError {
        DiscordError::coded(404, 10003, "Unknown Channel")
    }

    pub fn unknown_guild() -> DiscordError {
        DiscordError::coded(404, 10004, "Unknown Guild")
    }

    pub fn unknown_member() -> DiscordError {
        DiscordError::coded(404, 10007, "Unknown Member")
    }

    pub fn unknown_message() -> DiscordError {
        DiscordError::coded(404, 10008, "Unknown Message")
    }

    pub fn unknown_interaction() -> DiscordError {
        DiscordError::coded(404, 10062, "Unknown interaction")
    }

    pub fn already_acknowledged() -> DiscordError {
        DiscordError::coded(400, 40060, "Interaction has already been acknowledged.")
    }

    pub fn missing_access() -> DiscordError {
        DiscordError::coded(403, 50001, "Missing Access")
    }

    pub fn missing_permissions() -> DiscordError {
        DiscordError::coded(403, 50013, "Missing Permissions")
    }

    pub fn cannot_dm() -> DiscordError {
        DiscordError::coded(403, 50007, "Cannot send messages to this user")
    }

    pub fn unauthorized() -> DiscordError {
        DiscordError::coded(401, 0, "401: Unauthorized")
    }

    pub fn not_found() -> DiscordError {
        DiscordError::coded(404, 0, "404: Not Found")
    }

    pub fn coded(status: u16, code: u32, message: &str) -> DiscordError {
        DiscordError {
            status,
            body: json!({"code": code, "message": message}),
        }
    }

    /// 429 with `retry_after` in seconds, as Discord sends for the global limit.
    pub fn rate_limited(retry_after_seconds: f64, global: bool) -> DiscordError {
        DiscordError {
            status: 429,
            body: json!({
                "message": "You are being rate limited.",
                "retry_after": retry_after_seconds,
                "global": global,
            }),
        }
    }
}

/// "embeds.0.title" -> {"embeds": {"0": {"title": value}}}
fn insert_nested(map: &mut serde_json::Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut current = map;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_owned(), value);
            return;
        }
        current = current
            .entry(part.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("nested error objects");
    }
}

const CONTENT_MAX: usize = 2000;
const EMBEDS_MAX: usize = 10;
const EMBED_TOTAL_MAX: usize = 6000;
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 4096;
const FIELDS_MAX: usize = 25;
const FIELD_NAME_MAX: usize = 256;
const FIELD_VALUE_MAX: usize = 1024;
const FOOTER_MAX: usize = 2048;
const AUTHOR_MAX: usize = 256;
const ROWS_MAX: usize = 5;
const ROW_ITEMS_MAX: usize = 5;
const CUSTOM_ID_MAX: usize = 100;
const BUTTON_LABEL_MAX: usize = 80;

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

/// The problems found in one body, as (field path, Discord error code, message).
#[derive(Default)]
struct Problems(Vec<(String, &'static str, String)>);

impl Problems {
    fn push(&mut self, path: String, code: &'static str, message: String) {
        self.0.push((path, code, message));
    }

    fn too_long(&mut self, path: String, max: usize) {
        self.push(
            path,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {max} or fewer in length."),
        );
    }

    /// Counts a text field towards the embed total and checks its own limit.
    fn embed_text(&mut self, path: String, value: &Value, max: usize, total: &mut usize) {
        let n = chars(value);
        *total += n;
        if n > max {
            self.too_long(path, max);
        }
    }

    fn layout(&mut self, path: String, message: &str) {
        self.push(path, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", message.to_owned());
    }
}

/// Checks a message body (a channel message, an interaction response's `data`, a webhook
/// follow-up or edit) against Discord's documented limits.
pub fn check_message(body: &Value) -> Result<(), DiscordError> {
    let mut problems = Problems::default();
    if chars(&body["content"]) > CONTENT_MAX {
        problems.too_long("content".into(), CONTENT_MAX);
    }
    if let Some(embeds) = body["embeds"].as_array() {
        if embeds.len() > EMBEDS_MAX {
            problems.too_long("embeds".into(), EMBEDS_MAX);
        }
        let mut total = 0;
        for (i, embed) in embeds.iter().enumerate() {
            let at = |name: &str| format!("embeds.{i}.{name}");
            problems.embed_text(at("title"), &embed["title"], TITLE_MAX, &mut total);
            problems.embed_text(
                at("description"),
                &embed["description"],
                DESCRIPTION_MAX,
                &mut total,
            );
            problems.embed_text(
                at("footer.text"),
                &embed["footer"]["text"],
                FOOTER_MAX,
                &mut total,
            );
            problems.embed_text(
                at("author.name"),
                &embed["author"]["name"],
                AUTHOR_MAX,
                &mut total,
            );
            if let Some(fields) = embed["fields"].as_array() {
                if fields.len() > FIELDS_MAX {
                    problems.too_long(at("fields"), FIELDS_MAX);
                }
                for (j, f) in fields.iter().enumerate() {
                    problems.embed_text(
                        at(&format!("fields.{j}.name")),
                        &f["name"],
                        FIELD_NAME_MAX,
                        &mut total,
                    );
                    problems.embed_text(
                        at(&format!("fields.{j}.value")),
                        &f["value"],
                        FIELD_VALUE_MAX,
                        &mut total,
                    );
                }
            }
        }
        if total > EMBED_TOTAL_MAX {
            problems.push(
                "embeds".into(),
                "BASE_TYPE_MAX_LENGTH",
                format!("Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"),
            );
        }
    }
    if let Some(rows) = body["components"].as_array() {
        check_components(rows, &mut problems);
    }
    if problems.0.is_empty() {
        Ok(())
    } else {
        Err(DiscordError::invalid_form_body(&problems.0))
    }
}

/// Classic (non-"v2") layout: up to 5 action rows; a row holds up to 5 buttons or exactly one
/// select menu; custom ids up to 100 characters, unique within the message.
fn check_components(rows: &[Value], problems: &mut Problems) {
    if rows.len() > ROWS_MAX {
        problems.layout("components".into(), "Must be 5 or fewer in length.");
    }
    let mut seen_ids = std::collections::HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        if row["type"] != 1 {
            problems.layout(
                format!("components.{i}.type"),
                "Top-level components must be action rows (type 1).",
            );
            continue;
        }
        let items = row["components"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if items.is_empty() || items.len() > ROW_ITEMS_MAX {
            problems.layout(
                format!("components.{i}.components"),
                "An action row holds 1 to 5 components.",
            );
        }
        let selects = items
            .iter()
            .filter(|c| c["type"].as_u64().is_some_and(|t| t >= 3 && t != 4))
            .count();
        if selects > 0 && items.len() > 1 {
            problems.layout(
                format!("components.{i}.components"),
                "A select menu must be alone in its action row.",
            );
        }
        for (j, item) in items.iter().enumerate() {
            let path = format!("components.{i}.components.{j}");
            let is_link = item["type"] == 2 && item["style"] == 5;
            match item["custom_id"].as_str() {
                Some(id) if id.chars().count() > CUSTOM_ID_MAX => {
                    problems.too_long(format!("{path}.custom_id"), CUSTOM_ID_MAX);
                }
                Some(id) if !seen_ids.insert(id.to_owned()) => problems.push(
                    format!("{path}.custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated".into(),
                ),
                None if !is_link && item["type"] != 4 => problems.push(
                    format!("{path}.custom_id"),
                    "BASE_TYPE_REQUIRED",
                    "This field is required".into(),
                ),
                _ => {}
            }
            if item["type"] == 2 && chars(&item["label"]) > BUTTON_LABEL_MAX {
                problems.too_long(format!("{path}.label"), BUTTON_LABEL_MAX);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_over_2000_is_refused_with_discords_body() {
        let err = check_message(&json!({"content": "x".repeat(2001)})).unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(err.body["code"], 50035);
        assert_eq!(
            err.body["errors"]["content"]["_errors"][0]["code"],
            "BASE_TYPE_MAX_LENGTH"
        );
        assert!(
            check_message(&json!({"content": "é".repeat(2000)})).is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn embed_limits_each_and_in_total() {
        let big = json!({"embeds": [{"title": "t".repeat(257)}]});
        let err = check_message(&big).unwrap_err();
        assert!(
            err.body["errors"]["embeds"]["0"]["title"].is_object(),
            "{}",
            err.body
        );
        let total = json!({"embeds": [
            {"description": "d".repeat(4000)}, {"description": "d".repeat(2001)}
        ]});
        assert!(
            check_message(&total).is_err(),
            "6001 characters across embeds"
        );
        let fields: Vec<Value> = (0..26)
            .map(|i| json!({"name": i.to_string(), "value": "v"}))
            .collect();
        assert!(check_message(&json!({"embeds": [{"fields": fields}]})).is_err());
        assert!(
            check_message(&json!({"embeds": [{"title": "ok", "description": "fine"}]})).is_ok()
        );
    }

    #[test]
    fn component_layout_rules() {
        let button = |id: &str| json!({"type": 2, "style": 1, "label": "b", "custom_id": id});
        let ok = json!({"components": [{"type": 1, "components": [button("a"), button("b")]}]});
        assert!(check_message(&ok).is_ok());
        let six: Vec<Value> = (0..6).map(|i| button(&i.to_string())).collect();
        assert!(check_message(&json!({"components": [{"type": 1, "components": six}]})).is_err());
        let bare = json!({"components": [button("a")]});
        assert!(check_message(&bare).is_err(), "buttons must sit in a row");
        let dup = json!({"components": [{"type": 1, "components": [button("a"), button("a")]}]});
        assert!(check_message(&dup).is_err());
        let long = json!({"components": [{"type": 1, "components": [button(&"x".repeat(101))]}]});
        assert!(check_message(&long).is_err());
    }
}
