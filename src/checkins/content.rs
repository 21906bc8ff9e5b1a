//! Words for informal team check-ins: the prompt bank and the support list.
//!
//! Two TOML files hold everything the check-in feature says, so that it can be reviewed and
//! changed without touching code:
//!
//! - `config/checkin_prompts.toml`: `[[prompt]]` entries, warm, no-agenda questions posted to
//!   a team thread at shift handover or mid-week, and `[[starter]]` entries, easy conversation
//!   starters sent by DM to newly paired buddies ([`PromptBank`]).
//! - `config/support/<country>.toml`: a kind opening line and the support services shown
//!   privately to anyone who says they are struggling or runs `/support` ([`SupportList`]),
//!   one list per country and an international one (see [`super::signposting`]).
//!
//! Both are compiled into the binary ([`PromptBank::builtin`],
//! [`super::signposting::SupportLists::builtin`]) and can be replaced by an operator's own
//! files ([`PromptBank::load`], [`SupportList::load`]).
//! Every file is validated when loaded, and a [`ContentError`] names the file, the entry and
//! what to change. This module knows nothing about Discord.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use serde::Deserialize;

/// The prompt bank compiled into the binary.
const BUILTIN_PROMPTS: &str = include_str!("../../config/checkin_prompts.toml");

const BUILTIN_PROMPTS_NAME: &str = "built-in config/checkin_prompts.toml";
/// What a prompt file is called in errors when it was given as text, not read from a path.
const PROMPTS_TEXT_NAME: &str = "check-in prompt file";
/// What a support file is called in errors when it was given as text, not read from a path.
const SUPPORT_TEXT_NAME: &str = "support file";

/// Most characters in a prompt or starter id.
const MAX_ID: usize = 48;
/// Most characters in a prompt's or starter's text.
const MAX_TEXT: usize = 200;
/// Most characters in the support list's opening line.
const MAX_INTRO: usize = 300;
/// Most characters in a support resource's name.
const MAX_NAME: usize = 80;
/// Most characters in a support resource's contact line.
const MAX_CONTACT: usize = 80;
/// Most characters in a support resource's details.
const MAX_DETAILS: usize = 200;
/// Most characters in a web address (a resource's `url` or `source`).
const MAX_URL: usize = 300;

/// A question posted to a team's check-in thread.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    /// Stable, unique, lowercase kebab-case id.
    pub id: String,
    /// What is posted, trimmed.
    pub text: String,
}

/// A conversation starter sent by DM to newly paired buddies.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Starter {
    /// Stable, unique, lowercase kebab-case id.
    pub id: String,
    /// What is sent, trimmed.
    pub text: String,
}

/// A validated set of check-in prompts and buddy conversation starters, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptBank {
    pub prompts: Vec<Prompt>,
    pub starters: Vec<Starter>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    #[serde(default)]
    prompt: Vec<Prompt>,
    #[serde(default)]
    starter: Vec<Starter>,
}

static BUILTIN_BANK: LazyLock<PromptBank> = LazyLock::new(|| {
    PromptBank::parse_named(BUILTIN_PROMPTS, BUILTIN_PROMPTS_NAME)
        .unwrap_or_else(|e| panic!("the built-in prompt bank is broken: {e}"))
});

impl PromptBank {
    /// Fewest prompts a bank may have, so that a team does not see repeats for weeks.
    pub const MIN_PROMPTS: usize = 40;

    /// The prompt bank compiled into the binary.
    ///
    /// # Panics
    /// Only if the built-in file is invalid, which a unit test rules out.
    pub fn builtin() -> PromptBank {
        BUILTIN_BANK.clone()
    }

    /// Parses and validates a prompt file's text, reporting every problem at once.
    pub fn parse(text: &str) -> Result<PromptBank, ContentError> {
        Self::parse_named(text, PROMPTS_TEXT_NAME)
    }

    /// Reads and validates a prompt file; errors name the file.
    pub fn load(path: &Path) -> Result<PromptBank, ContentError> {
        let (text, name) = read(path)?;
        Self::parse_named(&text, &name)
    }

    /// The prompt with this id, if there is one.
    pub fn prompt(&self, id: &str) -> Option<&Prompt> {
        self.prompts.iter().find(|prompt| prompt.id == id)
    }

    fn parse_named(text: &str, file: &str) -> Result<PromptBank, ContentError> {
        let raw: RawBank = toml::from_str(text).map_err(|e| syntax(file, &e))?;
        let mut problems = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut check = |kind: &str, number: usize, id: &str, text: &str| {
            let entry = format!("{kind} #{number} (id \"{id}\")");
            if let Some(first) = seen.insert(id.to_owned(), format!("{kind} #{number}")) {
                problems.push(format!(
                    "{entry}: duplicate id \"{id}\", already used by {first}; give each entry its own id"
                ));
            }
            if let Some(why) = id_problem(id) {
                problems.push(format!("{entry}: {why}"));
            }
            if let Some(why) = text_problem("text", text, MAX_TEXT) {
                problems.push(format!("{entry}: {why}"));
            }
        };
        for (index, prompt) in raw.prompt.iter().enumerate() {
            check("prompt", index + 1, &prompt.id, &prompt.text);
        }
        for (index, starter) in raw.starter.iter().enumerate() {
            check("starter", index + 1, &starter.id, &starter.text);
        }
        if raw.prompt.len() < Self::MIN_PROMPTS {
            problems.push(format!(
                "only {} [[prompt]] entries; add at least {} more (a bank needs {} or more so teams don't see repeats too often)",
                raw.prompt.len(),
                Self::MIN_PROMPTS - raw.prompt.len(),
                Self::MIN_PROMPTS
            ));
        }
        if raw.starter.is_empty() {
            problems.push(
                "no [[starter]] entries; add at least one, with an id and a text, for buddies' first DM"
                    .to_owned(),
            );
        }
        if !problems.is_empty() {
            return Err(invalid(file, problems));
        }
        Ok(PromptBank {
            prompts: raw
                .prompt
                .into_iter()
                .map(|p| Prompt {
                    text: p.text.trim().to_owned(),
                    id: p.id,
                })
                .collect(),
            starters: raw
                .starter
                .into_iter()
                .map(|s| Starter {
                    text: s.text.trim().to_owned(),
                    id: s.id,
                })
                .collect(),
        })
    }
}

/// One place to turn to for support.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportResource {
    /// The service's name.
    pub name: String,
    /// How to reach it, such as "Call 116 123".
    #[serde(default)]
    pub contact: Option<String>,
    /// Who it is for and when it is open.
    pub details: String,
    /// Its website, always `https://`.
    #[serde(default)]
    pub url: Option<String>,
    /// The page the entry was checked against, always `https://`. Every built-in entry has
    /// one; an operator's own file may leave it out (`smallacts check` warns).
    #[serde(default)]
    pub source: Option<String>,
    /// The day the entry was last checked against `source`, `YYYY-MM-DD`.
    #[serde(default)]
    pub checked_on: Option<String>,
}

impl SupportResource {
    /// What an entry lacks to be trusted: its source page and the day it was checked there.
    pub fn unchecked(&self) -> Option<&'static str> {
        match (&self.source, &self.checked_on) {
            (Some(_), Some(_)) => None,
            (None, Some(_)) => Some("no source"),
            (Some(_), None) => Some("no checked_on date"),
            (None, None) => Some("no source and no checked_on date"),
        }
    }
}

/// A validated support list: an opening line and the resources, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportList {
    pub intro: String,
    pub resources: Vec<SupportResource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSupport {
    intro: String,
    #[serde(default)]
    resource: Vec<SupportResource>,
}

impl SupportList {
    /// Parses and validates a support file's text, reporting every problem at once.
    pub fn parse(text: &str) -> Result<SupportList, ContentError> {
        Self::parse_named(text, SUPPORT_TEXT_NAME)
    }

    /// Reads and validates a support file; errors name the file.
    pub fn load(path: &Path) -> Result<SupportList, ContentError> {
        let (text, name) = read(path)?;
        Self::parse_named(&text, &name)
    }

    pub(crate) fn parse_named(text: &str, file: &str) -> Result<SupportList, ContentError> {
        let raw: RawSupport = toml::from_str(text).map_err(|e| syntax(file, &e))?;
        let mut problems = Vec::new();
        if let Some(why) = text_problem("intro", &raw.intro, MAX_INTRO) {
            problems.push(why);
        }
        if raw.resource.is_empty() {
            problems.push(
                "no [[resource]] entries; add at least one, with a name and details".to_owned(),
            );
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (index, resource) in raw.resource.iter().enumerate() {
            let number = index + 1;
            let entry = format!("resource #{number} (\"{}\")", resource.name.trim());
            let mut report = |why: String| problems.push(format!("{entry}: {why}"));
            if let Some(why) = text_problem("name", &resource.name, MAX_NAME) {
                report(why);
            } else if let Some(first) = seen.insert(resource.name.trim().to_lowercase(), number) {
                report(format!(
                    "same name as resource #{first}; merge the two or name them apart"
                ));
            }
            if let Some(contact) = &resource.contact
                && let Some(why) = text_problem("contact", contact, MAX_CONTACT)
            {
                report(why);
            }
            if let Some(why) = text_problem("details", &resource.details, MAX_DETAILS) {
                report(why);
            }
            if let Some(url) = &resource.url
                && let Some(why) = url_problem(url)
            {
                report(why);
            }
            if let Some(source) = &resource.source
                && let Some(why) = url_problem(source)
            {
                report(why.replacen("url", "source", 1));
            }
            if let Some(day) = &resource.checked_on
                && chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").is_err()
            {
                report(format!(
                    "checked_on \"{}\" is not a date; write the day the entry was checked as YYYY-MM-DD, e.g. 2026-11-27",
                    day.trim()
                ));
            }
        }
        if !problems.is_empty() {
            return Err(invalid(file, problems));
        }
        let tidy = |s: Option<String>| s.map(|s| s.trim().to_owned());
        Ok(SupportList {
            intro: raw.intro.trim().to_owned(),
            resources: raw
                .resource
                .into_iter()
                .map(|r| SupportResource {
                    name: r.name.trim().to_owned(),
                    contact: tidy(r.contact),
                    details: r.details.trim().to_owned(),
                    url: tidy(r.url),
                    source: tidy(r.source),
                    checked_on: tidy(r.checked_on),
                })
                .collect(),
        })
    }
}

/// Why a prompt or support file could not be used, worded so that whoever edits the file
/// can fix it: which file, which entry, what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// The file could not be read at all.
    #[error("could not read {file}: {source}; check the path is right and the bot may read it")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has a missing, misspelt or unexpected field.
    #[error(
        "{file} could not be read as TOML; fix it at the place shown (check field names and that every text is in quotes):\n{message}"
    )]
    Syntax { file: String, message: String },
    /// The file parsed, but some entries break the rules; every problem is listed.
    #[error("{file} has {} problem(s) to fix:\n  - {}", .problems.len(), .problems.join("\n  - "))]
    Invalid { file: String, problems: Vec<String> },
}

fn read(path: &Path) -> Result<(String, String), ContentError> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((text, name)),
        Err(source) => Err(ContentError::Read { file: name, source }),
    }
}

fn syntax(file: &str, error: &toml::de::Error) -> ContentError {
    ContentError::Syntax {
        file: file.to_owned(),
        message: error.to_string().trim_end().to_owned(),
    }
}

fn invalid(file: &str, problems: Vec<String>) -> ContentError {
    ContentError::Invalid {
        file: file.to_owned(),
        problems,
    }
}

/// Why `id` is not a usable id, if it is not.
fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("id is empty; give it a short kebab-case id such as \"tiny-win\"".to_owned());
    }
    let length = id.chars().count();
    if length > MAX_ID {
        return Some(format!(
            "id is {length} characters; shorten it to {MAX_ID} or fewer"
        ));
    }
    let allowed = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !allowed || id.starts_with('-') || id.ends_with('-') || id.contains("--") {
        return Some(format!(
            "id \"{id}\" is not lowercase kebab-case; use only a-z, 0-9 and single hyphens between words, such as \"{}\"",
            suggest_id(id)
        ));
    }
    None
}

/// A kebab-case version of `id`, to suggest in an error.
fn suggest_id(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "my-entry".to_owned()
    } else {
        out.chars()
            .take(MAX_ID)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned()
    }
}

/// Why the text in `field` is unusable, if it is: empty, or longer than `max` characters.
fn text_problem(field: &str, text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return Some(format!(
            "{field} is empty; write something or remove the entry"
        ));
    }
    let length = text.chars().count();
    (length > max).then(|| {
        format!(
            "{field} is {length} characters; shorten it to {max} or fewer (cut {} or more)",
            length - max
        )
    })
}

/// Why `url` is not a usable link, if it is not.
fn url_problem(url: &str) -> Option<String> {
    let url = url.trim();
    let Some(rest) = url.strip_prefix("https://") else {
        return Some(format!(
            "url \"{url}\" must start with https:// (links open from a private message, so only secure links are allowed); use the https address or remove the url line"
        ));
    };
    if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
        return Some(format!(
            "url \"{url}\" is not a web address; write it like https://www.example.org"
        ));
    }
    let length = url.chars().count();
    (length > MAX_URL).then(|| {
        format!("url is {length} characters; shorten it to {MAX_URL} or fewer (a shorter page on the same site will do)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A prompt file with `prompts` numbered prompts (ids `prompt-1`...) and one starter.
    fn bank_text(prompts: usize) -> String {
        let mut text = String::new();
        for n in 1..=prompts {
            text.push_str(&format!(
                "[[prompt]]\nid = \"prompt-{n}\"\ntext = \"How is day {n} going?\"\n\n"
            ));
        }
        text.push_str("[[starter]]\nid = \"first-starter\"\ntext = \"Tea or coffee?\"\n");
        text
    }

    fn valid_support() -> String {
        "intro = \"Talking helps.\"\n\n[[resource]]\nname = \"Helpline\"\ncontact = \"Call 0800 000 000\"\ndetails = \"Free, any time.\"\nurl = \"https://example.org\"\n".to_owned()
    }

    #[test]
    fn builtin_bank_parses_with_enough_entries_and_unique_ids() {
        let bank = PromptBank::parse_named(BUILTIN_PROMPTS, BUILTIN_PROMPTS_NAME)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(bank.prompts.len() >= PromptBank::MIN_PROMPTS);
        assert!(
            bank.prompts.len() >= 48,
            "only {} prompts",
            bank.prompts.len()
        );
        assert!(
            bank.starters.len() >= 30,
            "only {} starters",
            bank.starters.len()
        );
        let mut ids = HashSet::new();
        for id in bank
            .prompts
            .iter()
            .map(|p| &p.id)
            .chain(bank.starters.iter().map(|s| &s.id))
        {
            assert!(ids.insert(id.as_str()), "id {id} appears twice");
        }
        assert_eq!(PromptBank::builtin(), bank);
    }

    #[test]
    fn builtin_prompts_are_not_clinical_or_pressuring() {
        const BANNED: &[&str] = &[
            "symptom",
            "diagnos",
            "patient",
            "assessment",
            "mood score",
            "rate your",
            "mental health check",
            "must",
            "agenda",
        ];
        let bank = PromptBank::builtin();
        let texts = bank
            .prompts
            .iter()
            .map(|p| (&p.id, &p.text))
            .chain(bank.starters.iter().map(|s| (&s.id, &s.text)));
        for (id, text) in texts {
            let lower = text.to_lowercase();
            for word in BANNED {
                assert!(!lower.contains(word), "{id} contains {word:?}: {text}");
            }
        }
    }

    #[test]
    fn lookup_by_id() {
        let bank = PromptBank::builtin();
        let first = &bank.prompts[0];
        assert_eq!(bank.prompt(&first.id), Some(first));
        assert_eq!(bank.prompt("no-such-prompt"), None);
    }

    #[test]
    fn minimal_bank_parses_and_trims() {
        let text = bank_text(PromptBank::MIN_PROMPTS).replace("\"Tea or coffee?\"", "\"  Tea?  \"");
        let bank = PromptBank::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bank.prompts.len(), PromptBank::MIN_PROMPTS);
        assert_eq!(bank.starters[0].text, "Tea?");
    }

    #[test]
    fn duplicate_id_is_rejected_naming_it() {
        let text = bank_text(PromptBank::MIN_PROMPTS).replace("\"first-starter\"", "\"prompt-7\"");
        let message = PromptBank::parse(&text).unwrap_err().to_string();
        assert!(message.contains("duplicate id \"prompt-7\""), "{message}");
        assert!(message.contains("prompt #7"), "{message}");
    }

    #[test]
    fn overlong_text_is_rejected_naming_the_id() {
        let long = "a".repeat(MAX_TEXT + 1);
        let text = bank_text(PromptBank::MIN_PROMPTS)
            .replace("\"How is day 3 going?\"", &format!("\"{long}\""));
        let message = PromptBank::parse(&text).unwrap_err().to_string();
        assert!(message.contains("\"prompt-3\""), "{message}");
        assert!(message.contains("201 characters"), "{message}");
        // Exactly the limit is fine.
        let text = bank_text(PromptBank::MIN_PROMPTS).replace(
            "\"How is day 3 going?\"",
            &format!("\"{}\"", "a".repeat(MAX_TEXT)),
        );
        assert!(PromptBank::parse(&text).is_ok());
    }

    #[test]
    fn empty_text_and_bad_ids_are_rejected() {
        let text = bank_text(PromptBank::MIN_PROMPTS)
            .replace("\"How is day 2 going?\"", "\"   \"")
            .replace("\"prompt-5\"", "\"Prompt Five\"")
            .replace("\"prompt-6\"", &format!("\"{}\"", "a".repeat(MAX_ID + 1)));
        let message = PromptBank::parse(&text).unwrap_err().to_string();
        assert!(
            message.contains("(id \"prompt-2\"): text is empty"),
            "{message}"
        );
        assert!(
            message.contains("\"Prompt Five\" is not lowercase kebab-case"),
            "{message}"
        );
        assert!(message.contains("such as \"prompt-five\""), "{message}");
        assert!(message.contains("id is 49 characters"), "{message}");
        assert!(message.contains("3 problem(s)"), "{message}");
    }

    #[test]
    fn too_few_prompts_are_rejected() {
        let message = PromptBank::parse(&bank_text(PromptBank::MIN_PROMPTS - 1))
            .unwrap_err()
            .to_string();
        assert!(message.contains("only 39 [[prompt]] entries"), "{message}");
        assert!(message.contains("add at least 1 more"), "{message}");
    }

    #[test]
    fn missing_starters_are_rejected() {
        let text = bank_text(PromptBank::MIN_PROMPTS);
        let text = &text[..text.find("[[starter]]").unwrap()];
        let message = PromptBank::parse(text).unwrap_err().to_string();
        assert!(message.contains("no [[starter]] entries"), "{message}");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let text = bank_text(PromptBank::MIN_PROMPTS).replace(
            "id = \"prompt-4\"\n",
            "id = \"prompt-4\"\ntxet = \"typo\"\n",
        );
        let err = PromptBank::parse(&text).unwrap_err();
        assert!(matches!(err, ContentError::Syntax { .. }), "{err}");
        let message = err.to_string();
        assert!(message.contains("txet"), "{message}");
        assert!(message.contains(PROMPTS_TEXT_NAME), "{message}");

        let text = format!("[[prompts]]\nid = \"x\"\ntext = \"y\"\n{}", bank_text(40));
        let message = PromptBank::parse(&text).unwrap_err().to_string();
        assert!(message.contains("prompts"), "{message}");

        let support = valid_support().replace("details =", "phone = \"1\"\ndetails =");
        let message = SupportList::parse(&support).unwrap_err().to_string();
        assert!(message.contains("phone"), "{message}");
    }

    #[test]
    fn load_names_the_file() {
        let dir = std::env::temp_dir().join(format!("smallacts-content-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.toml");
        let message = PromptBank::load(&missing).unwrap_err().to_string();
        assert!(message.contains("could not read"), "{message}");
        assert!(message.contains("missing.toml"), "{message}");

        let short = dir.join("short_prompts.toml");
        std::fs::write(&short, bank_text(3)).unwrap();
        let message = PromptBank::load(&short).unwrap_err().to_string();
        assert!(message.contains("short_prompts.toml"), "{message}");

        let good = dir.join("support.toml");
        std::fs::write(&good, valid_support()).unwrap();
        assert_eq!(SupportList::load(&good).unwrap().resources.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn builtin_support_list_has_the_core_services() {
        let list = SupportList::parse(include_str!("../../config/support/gb.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            list.intro.contains("999"),
            "intro should give the emergency number"
        );
        let find = |name: &str| {
            list.resources
                .iter()
                .find(|r| r.name.contains(name))
                .unwrap_or_else(|| panic!("no {name} in the built-in support list"))
        };
        let samaritans = find("Samaritans");
        assert!(
            samaritans
                .contact
                .as_deref()
                .unwrap_or("")
                .contains("116 123")
        );
        find("Mind");
        find("Marmalade Trust");
        let silver = find("Silver Line");
        assert!(
            silver
                .contact
                .as_deref()
                .unwrap_or("")
                .contains("0800 4 70 80 90")
        );
        let shout = find("Shout");
        assert!(shout.contact.as_deref().unwrap_or("").contains("85258"));
        for resource in &list.resources {
            if let Some(url) = &resource.url {
                assert!(url.starts_with("https://"), "{}: {url}", resource.name);
            }
        }
        assert!(list.resources.iter().all(|r| r.url.is_some()));
    }

    #[test]
    fn bad_url_is_rejected() {
        let text = valid_support().replace("https://example.org", "http://example.org");
        let message = SupportList::parse(&text).unwrap_err().to_string();
        assert!(message.contains("resource #1 (\"Helpline\")"), "{message}");
        assert!(message.contains("must start with https://"), "{message}");
        let text = valid_support().replace("https://example.org", "https://");
        let message = SupportList::parse(&text).unwrap_err().to_string();
        assert!(message.contains("not a web address"), "{message}");
    }

    #[test]
    fn support_limits_are_enforced() {
        assert!(SupportList::parse(&valid_support()).is_ok());
        let text = valid_support()
            .replace("Talking helps.", &"i".repeat(MAX_INTRO + 1))
            .replace("\"Helpline\"", &format!("\"{}\"", "n".repeat(MAX_NAME + 1)))
            .replace("Call 0800 000 000", &"c".repeat(MAX_CONTACT + 1))
            .replace("Free, any time.", &"d".repeat(MAX_DETAILS + 1));
        let message = SupportList::parse(&text).unwrap_err().to_string();
        for expected in [
            "intro is 301 characters",
            "name is 81 characters",
            "contact is 81 characters",
            "details is 201 characters",
        ] {
            assert!(
                message.contains(expected),
                "missing {expected:?} in {message}"
            );
        }
        let empty = "intro = \"Hello\"\n";
        let message = SupportList::parse(empty).unwrap_err().to_string();
        assert!(message.contains("no [[resource]] entries"), "{message}");
        let twice = format!(
            "{}\n{}",
            valid_support(),
            valid_support().replace("intro = \"Talking helps.\"\n", "")
        );
        let message = SupportList::parse(&twice).unwrap_err().to_string();
        assert!(message.contains("same name as resource #1"), "{message}");
    }
}
