//! Discord's limits on what a bot sends, applied to every answer on its way out, so that no
//! answer is ever refused for its size, whatever a member typed and whatever the database
//! holds. Text over a limit is cut with an ellipsis: content 2,000 characters; an embed's title
//! 256, description 4,096, field names 256 and values 1,024, footer 2,048 and author 256, at
//! most 25 fields and 10 embeds, and all embeds' text together 6,000; autocomplete offers at
//! most 25 choices, each name and value at most 100. Our own words already fit, so a cut is
//! logged: it points at input that should have been refused or shortened earlier.

use poise::serenity_prelude as serenity;
use serde_json::Value;

use crate::echo::cut;

pub const CONTENT_MAX: usize = 2_000;
const EMBEDS_MAX: usize = 10;
const EMBED_TOTAL_MAX: usize = 6_000;
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 4_096;
const FIELDS_MAX: usize = 25;
const FIELD_NAME_MAX: usize = 256;
const FIELD_VALUE_MAX: usize = 1_024;
const FOOTER_MAX: usize = 2_048;
const AUTHOR_MAX: usize = 256;
const CHOICES_MAX: usize = 25;
const CHOICE_MAX: usize = 100;

/// Fits a message body (`content`, `embeds`) to Discord's limits, in place. Returns whether
/// anything had to be cut.
pub fn message(body: &mut Value) -> bool {
    let mut cut_any = fit_text(body, &["content"], CONTENT_MAX);
    if let Some(embeds) = body.get_mut("embeds").and_then(Value::as_array_mut) {
        if embeds.len() > EMBEDS_MAX {
            embeds.truncate(EMBEDS_MAX);
            cut_any = true;
        }
        for embed in embeds.iter_mut() {
            cut_any |= fit_embed(embed);
        }
        cut_any |= fit_embed_total(embeds);
    }
    if cut_any {
        tracing::warn!("an answer was over Discord's limits and was cut to fit");
    }
    cut_any
}

fn fit_embed(embed: &mut Value) -> bool {
    let mut cut_any = fit_text(embed, &["title"], TITLE_MAX);
    cut_any |= fit_text(embed, &["description"], DESCRIPTION_MAX);
    cut_any |= fit_text(embed, &["footer", "text"], FOOTER_MAX);
    cut_any |= fit_text(embed, &["author", "name"], AUTHOR_MAX);
    if let Some(fields) = embed.get_mut("fields").and_then(Value::as_array_mut) {
        if fields.len() > FIELDS_MAX {
            fields.truncate(FIELDS_MAX);
            cut_any = true;
        }
        for field in fields.iter_mut() {
            cut_any |= fit_text(field, &["name"], FIELD_NAME_MAX);
            cut_any |= fit_text(field, &["value"], FIELD_VALUE_MAX);
        }
    }
    cut_any
}

/// All embeds of a message share 6,000 characters: fields go first, from the last, then the
/// longest description is shortened, and as a last resort (ten full embeds) the last embed.
fn fit_embed_total(embeds: &mut Vec<Value>) -> bool {
    let mut cut_any = false;
    loop {
        let total: usize = embeds.iter().map(embed_chars).sum();
        if total <= EMBED_TOTAL_MAX {
            return cut_any;
        }
        cut_any = true;
        let excess = total - EMBED_TOTAL_MAX;
        let last_fields = embeds.iter_mut().rev().find_map(|e| {
            e.get_mut("fields")
                .and_then(Value::as_array_mut)
                .filter(|f| !f.is_empty())
        });
        if let Some(fields) = last_fields {
            fields.pop();
            continue;
        }
        let longest = embeds
            .iter_mut()
            .max_by_key(|e| chars(&e["description"]))
            .filter(|e| chars(&e["description"]) > 1);
        match longest {
            Some(embed) => {
                let keep = chars(&embed["description"]).saturating_sub(excess).max(1);
                fit_text(embed, &["description"], keep);
            }
            None => {
                embeds.pop();
            }
        }
    }
}

fn embed_chars(embed: &Value) -> usize {
    let fields: usize = embed["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| chars(&f["name"]) + chars(&f["value"]))
        .sum();
    chars(&embed["title"])
        + chars(&embed["description"])
        + chars(&embed["footer"]["text"])
        + chars(&embed["author"]["name"])
        + fields
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

/// Cuts the text at `path` to `max` characters; leaves anything else (or nothing) alone.
fn fit_text(value: &mut Value, path: &[&str], max: usize) -> bool {
    let Some(text) = path.iter().try_fold(value, |v, key| v.get_mut(*key)) else {
        return false;
    };
    match text.as_str() {
        Some(current) if current.chars().count() > max => {
            *text = Value::String(cut(current, max));
            true
        }
        _ => false,
    }
}

/// One autocomplete choice, its name and (text) value cut to Discord's 100 characters.
pub fn choice(name: &str, value: impl Into<Value>) -> serenity::AutocompleteChoice {
    let value = match value.into() {
        Value::String(text) => Value::String(cut(&text, CHOICE_MAX)),
        other => other,
    };
    serenity::AutocompleteChoice::new(cut(name, CHOICE_MAX), value)
}

/// Autocomplete choices, at most Discord's 25.
pub fn choices(
    choices: impl IntoIterator<Item = serenity::AutocompleteChoice>,
) -> serenity::CreateAutocompleteResponse {
    serenity::CreateAutocompleteResponse::new()
        .set_choices(choices.into_iter().take(CHOICES_MAX).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn total(body: &Value) -> usize {
        body["embeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(embed_chars)
            .sum()
    }

    #[test]
    fn content_and_embed_texts_are_cut_to_their_limits() {
        let long = "x".repeat(9_000);
        let mut body = json!({
            "content": long,
            "embeds": [{"title": long, "description": long, "footer": {"text": long},
                        "fields": [{"name": long, "value": long, "inline": false}]}],
        });
        assert!(message(&mut body));
        assert_eq!(chars(&body["content"]), CONTENT_MAX);
        let embed = &body["embeds"][0];
        assert!(chars(&embed["title"]) <= TITLE_MAX);
        assert!(chars(&embed["description"]) <= DESCRIPTION_MAX);
        assert!(total(&body) <= EMBED_TOTAL_MAX, "{}", total(&body));
        assert!(body["content"].as_str().unwrap().ends_with('…'));
    }

    #[test]
    fn many_fields_are_dropped_from_the_end_to_fit_the_total() {
        let fields: Vec<Value> = (0..40)
            .map(|i| json!({"name": format!("field {i}"), "value": "v".repeat(1_000)}))
            .collect();
        let mut body = json!({"embeds": [{"description": "d", "fields": fields}]});
        assert!(message(&mut body));
        let kept = body["embeds"][0]["fields"].as_array().unwrap();
        assert!(kept.len() <= 5, "{}", kept.len());
        assert_eq!(kept[0]["name"], "field 0");
        assert!(total(&body) <= EMBED_TOTAL_MAX);
    }

    #[test]
    fn what_fits_is_left_alone() {
        let mut body = json!({"content": "hello", "embeds": [{"description": "fine"}]});
        let before = body.clone();
        assert!(!message(&mut body));
        assert_eq!(body, before);
    }

    #[test]
    fn autocomplete_choices_fit() {
        let long = "é".repeat(300);
        let many = (0..40).map(|_| choice(&long, long.clone()));
        let response = serde_json::to_value(choices(many)).unwrap();
        let list = response["choices"].as_array().unwrap();
        assert_eq!(list.len(), CHOICES_MAX);
        assert_eq!(chars(&list[0]["name"]), CHOICE_MAX);
        assert_eq!(chars(&list[0]["value"]), CHOICE_MAX);
    }
}
