//! Acts without barriers: leaving out acts that assume what not everyone has (the catalogue's
//! `needs`: money, alcohol, a car, getting about, an outgoing manner), for a server's daily
//! post or for one member's `/idea`, and saying when what is left is too little to go round.

use std::collections::BTreeMap;

use super::{Act, Need, Size};

/// Fewest acts a server's filters may leave before admins are warned: fewer than a week's
/// worth, and the same acts come round within days.
pub const FEWEST_ACTS_LEFT: usize = 7;

/// The needs whose acts are left out. Empty (the default) leaves nothing out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Avoid(u8);

impl Avoid {
    /// Leaves nothing out.
    pub const NOTHING: Avoid = Avoid(0);

    fn bit(need: Need) -> u8 {
        1 << (need as u8)
    }

    /// Leaves out every act with any barrier.
    pub fn everything() -> Avoid {
        Avoid::of(Need::ALL)
    }

    pub fn of(needs: &[Need]) -> Avoid {
        Avoid(needs.iter().fold(0, |bits, need| bits | Avoid::bit(*need)))
    }

    pub fn contains(self, need: Need) -> bool {
        self.0 & Avoid::bit(need) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The needs left out, in the catalogue's order.
    pub fn needs(self) -> Vec<Need> {
        Need::ALL
            .iter()
            .copied()
            .filter(|n| self.contains(*n))
            .collect()
    }

    /// Both sets left out.
    pub fn union(self, other: Avoid) -> Avoid {
        Avoid(self.0 | other.0)
    }

    /// Whether an act may be offered: it needs nothing that is left out.
    pub fn allows(self, act: &Act) -> bool {
        !act.needs.iter().any(|need| self.contains(*need))
    }

    /// Reads what people type: needs separated by commas, spaces, "+" or "and"
    /// ("money, car"), or "none" (nothing left out), or "all". Case is forgiven.
    pub fn parse(text: &str) -> Result<Avoid, String> {
        let lower = text.trim().to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| c == ',' || c == '+' || c == '&' || c == ';' || c.is_whitespace())
            .filter(|w| !w.is_empty() && *w != "and")
            .collect();
        match words.as_slice() {
            [] | ["none"] | ["nothing"] => return Ok(Avoid::NOTHING),
            ["all"] | ["everything"] => return Ok(Avoid::everything()),
            _ => {}
        }
        let mut needs = Vec::new();
        for word in words {
            match word.parse::<Need>() {
                Ok(need) => needs.push(need),
                Err(_) => {
                    return Err(format!(
                        "{} is not something I can leave out. Use {} (several separated by \
                         commas, e.g. `money, car`), `none` to leave nothing out, or `all`.",
                        crate::echo::quote(word),
                        Need::expected()
                    ));
                }
            }
        }
        Ok(Avoid::of(&needs))
    }

    /// The stored form, read back by [`Avoid::from_storage`]: "money,car", "" for nothing.
    pub fn to_storage(self) -> String {
        super::join_tags(&self.needs())
    }

    /// Reads the stored form; words from a newer version are ignored.
    pub fn from_storage(stored: &str) -> Avoid {
        Avoid::of(&super::split_tags::<Need>(stored))
    }

    /// The words to type it again ("money, car", or "none").
    pub fn words(self) -> String {
        if self.is_empty() {
            return "none".to_owned();
        }
        self.needs()
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// For people: "acts that need money or a car", or "nothing" when empty.
    pub fn describe(self) -> String {
        let phrases: Vec<&str> = self.needs().into_iter().map(phrase).collect();
        match phrases.split_last() {
            None => "nothing".to_owned(),
            Some((last, [])) => format!("acts that need {last}"),
            Some((last, rest)) => format!("acts that need {} or {last}", rest.join(", ")),
        }
    }

    /// Completions for what someone has typed so far, as (what Discord shows, the value):
    /// the needs already typed, each with one more that matches the word being typed; at
    /// the start, "none", each need on its own and "all". Slash commands have no multiple
    /// choice, so a combination is built up a word at a time.
    pub fn suggestions(partial: &str) -> Vec<(String, String)> {
        let lower = partial.to_lowercase();
        let mut parts: Vec<&str> = lower.split(',').map(str::trim).collect();
        let typing = parts.pop().unwrap_or_default();
        let chosen = Avoid::of(
            &parts
                .iter()
                .filter_map(|w| w.parse::<Need>().ok())
                .collect::<Vec<_>>(),
        );
        let named = |avoid: Avoid| {
            let words = avoid.words();
            let described = format!("{words}: leave out {}", avoid.describe());
            let name = if avoid.is_empty() {
                "none: offer every act".to_owned()
            } else if avoid == Avoid::everything() {
                "all: leave out every act with a barrier".to_owned()
            } else if described.chars().count() <= 100 {
                described
            } else {
                format!("{words}: leave these out")
            };
            (name, words)
        };
        let mut out = Vec::new();
        if chosen.is_empty() {
            for (word, avoid) in [("none", Avoid::NOTHING), ("all", Avoid::everything())] {
                if word.starts_with(typing) {
                    out.push(named(avoid));
                }
            }
        } else if typing.is_empty() {
            out.push(named(chosen));
        }
        for need in Need::ALL {
            if !chosen.contains(*need) && need.as_str().starts_with(typing) {
                out.push(named(chosen.union(Avoid::of(&[*need]))));
            }
        }
        // "all" goes last at the start, after the needs one at a time.
        if let Some(at) = out
            .iter()
            .position(|(_, v)| v == &Avoid::everything().words())
            && chosen.is_empty()
        {
            let all = out.remove(at);
            out.push(all);
        }
        out
    }
}

/// A need as it reads after "acts that need".
fn phrase(need: Need) -> &'static str {
    match need {
        Need::Money => "money",
        Need::Alcohol => "alcohol",
        Need::Car => "a car",
        Need::Mobility => "getting about",
        Need::Outgoing => "an outgoing manner",
    }
}

/// How many acts are left after filtering, in all and by size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub total: usize,
    pub by_size: BTreeMap<Size, usize>,
}

impl Coverage {
    pub fn of<'a>(acts: impl IntoIterator<Item = &'a Act>) -> Coverage {
        let mut coverage = Coverage::default();
        for act in acts {
            coverage.total += 1;
            *coverage.by_size.entry(act.size).or_default() += 1;
        }
        coverage
    }

    pub fn of_size(&self, size: Size) -> usize {
        self.by_size.get(&size).copied().unwrap_or(0)
    }

    /// Whether this is too little for days that ask for `sizes`: fewer than
    /// [`FEWEST_ACTS_LEFT`] in all, or none of a size a day asks for.
    pub fn shortfall(&self, sizes: &[Size]) -> Option<Shortfall> {
        let missing: Vec<Size> = sizes
            .iter()
            .copied()
            .filter(|s| self.of_size(*s) == 0)
            .collect();
        (self.total < FEWEST_ACTS_LEFT || !missing.is_empty()).then_some(Shortfall {
            left: self.total,
            missing,
        })
    }
}

/// Too few acts left for the days ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub left: usize,
    /// Sizes some days ask for that no act left has.
    pub missing: Vec<Size>,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.left < FEWEST_ACTS_LEFT {
            write!(
                f,
                "only {} act(s) are left, so the same ones come round every few days",
                self.left
            )?;
        }
        if !self.missing.is_empty() {
            let sizes: Vec<&str> = self.missing.iter().map(|s| s.as_str()).collect();
            if self.left < FEWEST_ACTS_LEFT {
                write!(f, "; and ")?;
            }
            write!(
                f,
                "no {} act is left, so days that ask for one get no post",
                sizes.join(" or ")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acts::{Setting, Way};

    fn act(slug: &str, size: Size, needs: &[Need]) -> Act {
        Act {
            slug: slug.into(),
            text: "Do something kind.".into(),
            size,
            way: Way::Give,
            settings: vec![Setting::Anywhere],
            needs: needs.to_vec(),
        }
    }

    #[test]
    fn an_act_is_left_out_when_it_needs_anything_avoided() {
        let treat = act("treat", Size::Small, &[Need::Money]);
        let drive = act("drive", Size::Small, &[Need::Car, Need::Mobility]);
        let smile = act("smile", Size::Smallest, &[]);
        let money = Avoid::of(&[Need::Money]);
        assert!(!money.allows(&treat));
        assert!(money.allows(&drive));
        assert!(money.allows(&smile));
        let mobility = Avoid::of(&[Need::Mobility]);
        assert!(!mobility.allows(&drive), "any one of its needs is enough");
        assert!(Avoid::NOTHING.allows(&treat));
        for a in [&treat, &drive] {
            assert!(!Avoid::everything().allows(a));
        }
        assert!(Avoid::everything().allows(&smile));
    }

    #[test]
    fn what_people_type_is_read_stored_and_explained() {
        let avoid = Avoid::parse(" Money and CAR ").unwrap();
        assert_eq!(avoid.needs(), vec![Need::Money, Need::Car]);
        assert_eq!(Avoid::parse("car,money").unwrap(), avoid);
        assert_eq!(avoid.to_storage(), "money,car");
        assert_eq!(Avoid::from_storage("money,car,yachts"), avoid);
        assert_eq!(avoid.words(), "money, car");
        assert_eq!(Avoid::parse(&avoid.words()).unwrap(), avoid);
        assert_eq!(avoid.describe(), "acts that need money or a car");
        assert_eq!(Avoid::parse("none").unwrap(), Avoid::NOTHING);
        assert_eq!(Avoid::parse("").unwrap(), Avoid::NOTHING);
        assert_eq!(Avoid::NOTHING.words(), "none");
        assert_eq!(Avoid::NOTHING.to_storage(), "");
        assert_eq!(Avoid::parse("all").unwrap().needs(), Need::ALL.to_vec());
        let error = Avoid::parse("money, stairs").unwrap_err();
        assert!(error.contains("\"stairs\""), "{error}");
        assert!(
            error.contains("money, alcohol, car, mobility or outgoing"),
            "{error}"
        );
        assert!(error.contains("`none`"), "{error}");
    }

    #[test]
    fn suggestions_build_a_combination_a_word_at_a_time() {
        let values = |typed: &str| -> Vec<String> {
            Avoid::suggestions(typed)
                .into_iter()
                .map(|(_, value)| value)
                .collect()
        };
        assert_eq!(
            values(""),
            [
                "none",
                "money",
                "alcohol",
                "car",
                "mobility",
                "outgoing",
                "money, alcohol, car, mobility, outgoing"
            ]
        );
        assert_eq!(values("c"), ["car"]);
        assert_eq!(values("money, c"), ["money, car"]);
        assert_eq!(
            values("money, "),
            [
                "money",
                "money, alcohol",
                "money, car",
                "money, mobility",
                "money, outgoing"
            ]
        );
        for (name, value) in Avoid::suggestions("")
            .into_iter()
            .chain(Avoid::suggestions("money, "))
            .chain(Avoid::suggestions("alcohol, car, mobility, "))
        {
            assert!(name.chars().count() <= 100, "{name}");
            assert!(Avoid::parse(&value).is_ok(), "{value}");
        }
        assert!(values("zzz").is_empty());
    }

    #[test]
    fn too_few_acts_or_a_missing_size_is_a_shortfall() {
        let acts: Vec<Act> = (0..FEWEST_ACTS_LEFT)
            .map(|i| act(&format!("a{i}"), Size::Smallest, &[]))
            .chain([act("b", Size::Small, &[Need::Money])])
            .collect();
        let all = Coverage::of(&acts);
        assert_eq!(all.total, FEWEST_ACTS_LEFT + 1);
        assert_eq!(all.shortfall(&[Size::Smallest, Size::Small]), None);
        let kept = Avoid::of(&[Need::Money]);
        let left = Coverage::of(acts.iter().filter(|a| kept.allows(a)));
        let short = left.shortfall(&[Size::Smallest, Size::Small]).unwrap();
        assert_eq!(short.missing, vec![Size::Small]);
        assert!(
            short.to_string().contains("no small act is left"),
            "{short}"
        );
        assert_eq!(
            left.shortfall(&[Size::Smallest]),
            None,
            "no day asks for small"
        );
        let few = Coverage::of(&acts[..3]);
        let short = few.shortfall(&[]).unwrap();
        assert!(
            short.to_string().starts_with("only 3 act(s) are left"),
            "{short}"
        );
    }
}
