//! Choosing the next act: filters, and "no repeat until the catalogue has come round".

use std::collections::HashSet;

use rand::Rng;
use rand::seq::IndexedRandom;

use super::{Act, Setting, Size, Way};
use crate::ids::GuildId;

/// What someone asked for; `None` means any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActFilter {
    pub size: Option<Size>,
    pub way: Option<Way>,
    pub setting: Option<Setting>,
}

impl ActFilter {
    pub fn matches(&self, act: &Act) -> bool {
        self.size.is_none_or(|s| act.size == s)
            && self.way.is_none_or(|w| act.way == w)
            && self.setting.is_none_or(|s| act.fits(s))
    }
}

/// The outcome of a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick<'a> {
    pub act: &'a Act,
    /// True when every eligible act had already been used, so a new round began.
    pub new_round: bool,
}

/// Picks at random among the acts that match `filter` and are not in `used`; when every
/// matching act has been used, starts a new round over all of them. `None` only when nothing
/// matches the filter at all.
pub fn choose_fresh<'a, R: Rng + ?Sized>(
    acts: &'a [Act],
    filter: &ActFilter,
    used: &HashSet<&str>,
    rng: &mut R,
) -> Option<Pick<'a>> {
    let eligible: Vec<&Act> = acts.iter().filter(|a| filter.matches(a)).collect();
    let fresh: Vec<&Act> = eligible
        .iter()
        .copied()
        .filter(|a| !used.contains(a.slug.as_str()))
        .collect();
    if let Some(act) = fresh.choose(rng) {
        return Some(Pick {
            act,
            new_round: false,
        });
    }
    eligible.choose(rng).map(|act| Pick {
        act,
        new_round: true,
    })
}

/// The acts already used in the current round: walking the history oldest first, a round
/// ends (and the set empties) each time every eligible act has been used. Acts no longer
/// eligible are ignored, so a changed filter or catalogue still never repeats too soon.
pub fn current_round<'a>(history: &[&'a str], eligible: &HashSet<&str>) -> HashSet<&'a str> {
    let mut used = HashSet::new();
    for slug in history.iter().copied().filter(|s| eligible.contains(s)) {
        used.insert(slug);
        if used.len() == eligible.len() {
            used.clear();
        }
    }
    used
}

/// A stable seed from a server and a slot (FNV-1a: the same on every platform and version),
/// so a scheduled choice (an act, a prompt, a pairing) is the same when retried or previewed.
pub fn stable_seed(guild_id: GuildId, slot: &str) -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in guild_id.get().to_le_bytes().iter().chain(slot.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acts::Catalogue;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn no_act_repeats_until_every_eligible_act_was_used() {
        let catalogue = Catalogue::built_in().unwrap();
        let filter = ActFilter {
            size: Some(Size::Smallest),
            ..Default::default()
        };
        let eligible = catalogue.acts.iter().filter(|a| filter.matches(a)).count();
        let mut rng = StdRng::seed_from_u64(7);
        let mut used: HashSet<&str> = HashSet::new();
        for _ in 0..eligible {
            let pick = choose_fresh(&catalogue.acts, &filter, &used, &mut rng).unwrap();
            assert!(!pick.new_round);
            assert_eq!(pick.act.size, Size::Smallest);
            assert!(
                used.insert(pick.act.slug.as_str()),
                "repeated {}",
                pick.act.slug
            );
        }
        let next = choose_fresh(&catalogue.acts, &filter, &used, &mut rng).unwrap();
        assert!(next.new_round, "a new round starts once all were used");
    }

    #[test]
    fn rounds_reset_only_once_everything_was_used() {
        let eligible: HashSet<&str> = ["a", "b", "c"].into_iter().collect();
        assert_eq!(
            current_round(&["a", "b"], &eligible),
            ["a", "b"].into_iter().collect()
        );
        assert!(
            current_round(&["a", "b", "c"], &eligible).is_empty(),
            "a full round starts afresh"
        );
        assert_eq!(
            current_round(&["a", "b", "c", "b"], &eligible),
            ["b"].into_iter().collect()
        );
        assert_eq!(
            current_round(&["x", "a", "y"], &eligible),
            ["a"].into_iter().collect(),
            "ineligible acts are ignored"
        );
    }

    #[test]
    fn filters_combine_and_nothing_matching_gives_none() {
        let catalogue = Catalogue::built_in().unwrap();
        let filter = ActFilter {
            size: Some(Size::Small),
            way: Some(Way::Give),
            setting: Some(Setting::Care),
        };
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..50 {
            let pick = choose_fresh(&catalogue.acts, &filter, &HashSet::new(), &mut rng).unwrap();
            assert!(filter.matches(pick.act));
            assert!(pick.act.fits(Setting::Care));
        }
        let none: Vec<Act> = Vec::new();
        assert!(choose_fresh(&none, &filter, &HashSet::new(), &mut rng).is_none());
    }
}
