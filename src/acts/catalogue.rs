//! The catalogue file (`config/acts.toml`): parsing, validation and a summary by tag.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::{Act, Need, Setting, Size, Way};

/// The catalogue that ships with the bot, compiled in.
pub const BUILT_IN_CATALOGUE: &str = include_str!("../../config/acts.toml");

/// Fewest characters an act may have: anything shorter is a mistake, not an act.
pub const MIN_ACT_TEXT: usize = 10;
/// Most characters an act may have. An embed description holds 4096, but the act shares the
/// daily post with its size, Way and a line about replies, and should read at a glance.
pub const MAX_ACT_TEXT: usize = 300;
/// Most characters of a stable id.
const MAX_ID: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    act: Vec<RawAct>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAct {
    id: String,
    text: String,
    size: String,
    way: String,
    settings: Vec<String>,
    #[serde(default)]
    needs: Vec<String>,
}

/// Every problem found in a catalogue file, each naming the act and saying what to change.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {} problem(s):\n  - {}", .problems.len(), .problems.join("\n  - "))]
pub struct CatalogueError {
    pub source_name: String,
    pub problems: Vec<String>,
}

/// A validated list of acts, in file order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub acts: Vec<Act>,
}

impl Catalogue {
    /// The catalogue compiled into the binary.
    pub fn built_in() -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(BUILT_IN_CATALOGUE, "built-in catalogue (config/acts.toml)")
    }

    /// Parses and validates a catalogue, reporting every problem at once.
    pub fn parse(toml_text: &str, source_name: &str) -> Result<Catalogue, CatalogueError> {
        let fail = |problems: Vec<String>| CatalogueError {
            source_name: source_name.to_owned(),
            problems,
        };
        let raw: RawCatalogue = toml::from_str(toml_text).map_err(|e| fail(vec![e.to_string()]))?;
        if raw.act.is_empty() {
            return Err(fail(vec![
                "no acts: add [[act]] tables with id, text, size, way and settings".into(),
            ]));
        }

        let mut problems = Vec::new();
        let mut acts = Vec::with_capacity(raw.act.len());
        let mut seen_ids: HashMap<String, usize> = HashMap::new();
        let mut seen_texts: HashMap<String, usize> = HashMap::new();
        for (index, raw_act) in raw.act.into_iter().enumerate() {
            let number = index + 1;
            let mut report = |why: String| {
                problems.push(format!("act #{number} (id {:?}): {why}", raw_act.id));
            };
            if let Some(first) = seen_ids.insert(raw_act.id.clone(), number) {
                report(format!("duplicate id, first used by act #{first}"));
            }
            let text_key = normalise_text(&raw_act.text);
            if let Some(first) = seen_texts.insert(text_key, number) {
                report(format!("same text as act #{first}"));
            }
            if let Some(why) = id_problem(&raw_act.id) {
                report(why);
            }
            let text = raw_act.text.trim().to_owned();
            let chars = text.chars().count();
            if chars < MIN_ACT_TEXT {
                report(format!(
                    "text is {chars} characters; write at least {MIN_ACT_TEXT}"
                ));
            } else if chars > MAX_ACT_TEXT {
                report(format!(
                    "text is {chars} characters; shorten it to {MAX_ACT_TEXT} or fewer"
                ));
            }
            let size = raw_act.size.parse::<Size>().map_err(&mut report).ok();
            let way = raw_act.way.parse::<Way>().map_err(&mut report).ok();
            let settings = parse_tags::<Setting>(&raw_act.settings, &mut report);
            let needs = parse_tags::<Need>(&raw_act.needs, &mut report);
            if raw_act.settings.is_empty() {
                report(format!(
                    "no settings; list at least one of {}",
                    Setting::expected()
                ));
            }
            if let (Some(size), Some(way), Some(settings), Some(needs)) =
                (size, way, settings, needs)
            {
                acts.push(Act {
                    slug: raw_act.id,
                    text,
                    size,
                    way,
                    settings,
                    needs,
                });
            }
        }
        if problems.is_empty() {
            Ok(Catalogue { acts })
        } else {
            Err(fail(problems))
        }
    }

    /// Counts by size, Way and setting.
    pub fn summary(&self) -> CatalogueSummary {
        let mut summary = CatalogueSummary {
            total: self.acts.len(),
            ..Default::default()
        };
        for act in &self.acts {
            *summary.by_size.entry(act.size).or_default() += 1;
            *summary.by_way.entry(act.way).or_default() += 1;
            for setting in &act.settings {
                *summary.by_setting.entry(*setting).or_default() += 1;
            }
            if !act.needs.is_empty() {
                summary.with_needs += 1;
            }
        }
        summary
    }
}

/// A minimum the catalogue should meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub what: String,
    pub have: usize,
    pub want: usize,
}

#[derive(Debug, Clone, Default)]
pub struct CatalogueSummary {
    pub total: usize,
    pub by_size: BTreeMap<Size, usize>,
    pub by_way: BTreeMap<Way, usize>,
    pub by_setting: BTreeMap<Setting, usize>,
    /// Acts tagged with something not everyone has (money, a car, ...).
    pub with_needs: usize,
}

impl CatalogueSummary {
    /// The coverage a catalogue needs so that every filter and every day has enough to offer:
    /// 150 acts, 40 of each size, 20 of each Way, 30 for care settings, 20 online.
    pub fn targets(&self) -> Vec<Target> {
        let mut targets = vec![Target {
            what: "acts in all".into(),
            have: self.total,
            want: 150,
        }];
        for size in Size::ALL {
            targets.push(Target {
                what: format!("{} acts", size.as_str()),
                have: self.by_size.get(size).copied().unwrap_or(0),
                want: 40,
            });
        }
        for way in Way::ALL {
            targets.push(Target {
                what: format!("\"{}\" acts", way.label()),
                have: self.by_way.get(way).copied().unwrap_or(0),
                want: 20,
            });
        }
        for (setting, want) in [(Setting::Care, 30), (Setting::Online, 20)] {
            targets.push(Target {
                what: format!("acts for {}", setting.as_str()),
                have: self.by_setting.get(&setting).copied().unwrap_or(0),
                want,
            });
        }
        targets
    }

    /// The targets not met.
    pub fn shortfalls(&self) -> Vec<Target> {
        self.targets()
            .into_iter()
            .filter(|t| t.have < t.want)
            .collect()
    }
}

impl std::fmt::Display for CatalogueSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn row<T: Copy + Ord>(
            f: &mut std::fmt::Formatter<'_>,
            heading: &str,
            all: &[T],
            counts: &BTreeMap<T, usize>,
            word: impl Fn(T) -> &'static str,
        ) -> std::fmt::Result {
            write!(f, "  {heading:<9}")?;
            for tag in all {
                write!(
                    f,
                    " {} {}",
                    word(*tag),
                    counts.get(tag).copied().unwrap_or(0)
                )?;
                if Some(tag) != all.last() {
                    write!(f, ",")?;
                }
            }
            writeln!(f)
        }
        writeln!(f, "  {:<9} {}", "acts", self.total)?;
        row(f, "by size", Size::ALL, &self.by_size, Size::as_str)?;
        row(f, "by Way", Way::ALL, &self.by_way, Way::as_str)?;
        row(
            f,
            "by place",
            Setting::ALL,
            &self.by_setting,
            Setting::as_str,
        )?;
        writeln!(
            f,
            "  {:<9} {} act(s) need money, alcohol, a car, mobility or an outgoing manner (tagged)",
            "needs", self.with_needs
        )
    }
}

fn normalise_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn id_problem(id: &str) -> Option<String> {
    let well_formed = !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    (!well_formed).then(|| {
        format!("id must be 1 to {MAX_ID} lowercase letters, digits and inner hyphens, like \"learn-a-neighbours-name\"")
    })
}

/// Parses every tag, reporting each unknown one; `None` if any was unknown.
fn parse_tags<T: std::str::FromStr<Err = String>>(
    words: &[String],
    report: &mut impl FnMut(String),
) -> Option<Vec<T>> {
    let mut tags = Vec::with_capacity(words.len());
    let mut ok = true;
    for word in words {
        match word.parse() {
            Ok(tag) => tags.push(tag),
            Err(why) => {
                report(why);
                ok = false;
            }
        }
    }
    ok.then_some(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_catalogue_is_valid_and_meets_every_target() {
        let catalogue = Catalogue::built_in().unwrap_or_else(|e| panic!("{e}"));
        let summary = catalogue.summary();
        assert!(
            summary.shortfalls().is_empty(),
            "{:?}",
            summary.shortfalls()
        );
        assert!(summary.total >= 150);
    }

    #[test]
    fn built_in_acts_avoid_markup_and_mentions() {
        for act in Catalogue::built_in().unwrap().acts {
            assert!(
                !act.text.contains(['@', '*', '_', '`', '<', '|', '~']),
                "{}: {}",
                act.slug,
                act.text
            );
        }
    }

    #[test]
    fn every_problem_is_reported_with_the_act_and_a_fix() {
        let long = "x".repeat(MAX_ACT_TEXT + 1);
        let text = format!(
            r#"
[[act]]
id = "ok-one"
text = "Say good morning to someone new."
size = "smallest"
way = "connect"
settings = ["anywhere"]

[[act]]
id = "ok-one"
text = "say good  MORNING to someone new."
size = "tiny"
way = "chat"
settings = ["moon"]
needs = ["yacht"]

[[act]]
id = "Bad Id"
text = "{long}"
size = "small"
way = "give"
settings = []

[[act]]
id = "short"
text = "  "
size = "small"
way = "give"
settings = ["care"]
"#
        );
        let err = Catalogue::parse(&text, "test.toml").unwrap_err();
        let all = err.to_string();
        for expected in [
            "act #2 (id \"ok-one\"): duplicate id, first used by act #1",
            "act #2 (id \"ok-one\"): same text as act #1",
            "unknown size \"tiny\"; use smallest, smaller or small",
            "unknown way \"chat\"",
            "unknown setting \"moon\"",
            "unknown need \"yacht\"",
            "act #3 (id \"Bad Id\"): id must be",
            "shorten it to 300 or fewer",
            "act #3 (id \"Bad Id\"): no settings",
            "act #4 (id \"short\"): text is 0 characters",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
        }
        assert!(all.starts_with("test.toml: 10 problem(s)"), "{all}");
    }

    #[test]
    fn unknown_fields_and_bad_toml_are_refused() {
        let err = Catalogue::parse(
            "[[act]]\nid='a-b'\ntext='Wave at a neighbour.'\nsize='small'\nway='give'\nsettings=['care']\ncolour='red'\n",
            "x.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        assert!(Catalogue::parse("[[act]\n", "x.toml").is_err());
        assert!(
            Catalogue::parse("", "x.toml")
                .unwrap_err()
                .to_string()
                .contains("no acts")
        );
    }

    #[test]
    fn summary_counts_by_tag() {
        let cat = Catalogue::parse(
            "[[act]]\nid='a'\ntext='Wave at a neighbour.'\nsize='small'\nway='give'\nsettings=['care','online']\nneeds=['money']\n\
             [[act]]\nid='b'\ntext='Smile at a colleague.'\nsize='smallest'\nway='give'\nsettings=['care']\n",
            "x.toml",
        )
        .unwrap();
        let s = cat.summary();
        assert_eq!(s.total, 2);
        assert_eq!(s.by_way[&Way::Give], 2);
        assert_eq!(s.by_setting[&Setting::Care], 2);
        assert_eq!(s.by_setting[&Setting::Online], 1);
        assert_eq!(s.with_needs, 1);
        assert_eq!(s.by_size.get(&Size::Smaller), None);
        assert!(
            s.shortfalls()
                .iter()
                .any(|t| t.what == "smaller acts" && t.have == 0)
        );
    }
}
