//! The anonymous pulse: five answers from "struggling" to "great", added up only when enough
//! people answered that no one's answer can be picked out.

/// The answers, worst first. The number is what is stored while a check-in is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feeling {
    Struggling = 1,
    NotGreat = 2,
    Okay = 3,
    Good = 4,
    Great = 5,
}

impl Feeling {
    pub const ALL: [Feeling; 5] = [
        Feeling::Struggling,
        Feeling::NotGreat,
        Feeling::Okay,
        Feeling::Good,
        Feeling::Great,
    ];

    pub fn score(self) -> i64 {
        self as i64
    }

    pub fn from_score(score: i64) -> Option<Feeling> {
        Feeling::ALL.into_iter().find(|f| f.score() == score)
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            Feeling::Struggling => "Struggling",
            Feeling::NotGreat => "Not great",
            Feeling::Okay => "Okay",
            Feeling::Good => "Good",
            Feeling::Great => "Great",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Feeling::Struggling => "🌧️",
            Feeling::NotGreat => "🌥️",
            Feeling::Okay => "⛅",
            Feeling::Good => "🌤️",
            Feeling::Great => "☀️",
        }
    }
}

/// A closed pulse: how many answered and, only when at least the minimum did, how many chose
/// each answer (worst first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PulseResult {
    pub answers: i64,
    pub counts: Option<[i64; 5]>,
}

impl PulseResult {
    /// Whether the answers may be shown: `counts` is only ever filled when they may.
    pub fn shown(&self) -> bool {
        self.counts.is_some()
    }
}

/// Adds up the answers (scores 1 to 5; anything else is ignored). With fewer than
/// `min_answers` the counts are not even computed: the result says only how many answered.
pub fn add_up(scores: impl IntoIterator<Item = i64>, min_answers: u32) -> PulseResult {
    let mut counts = [0_i64; 5];
    let mut answers = 0;
    for feeling in scores.into_iter().filter_map(Feeling::from_score) {
        counts[(feeling.score() - 1) as usize] += 1;
        answers += 1;
    }
    PulseResult {
        answers,
        counts: (answers >= i64::from(min_answers.max(super::MIN_PULSE_ANSWERS))).then_some(counts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fewer_than_the_minimum_shows_nothing_but_the_count() {
        let two = add_up([1, 5], 3);
        assert_eq!(two.answers, 2);
        assert_eq!(two.counts, None);
        let three = add_up([1, 5, 5], 3);
        assert_eq!(three.counts, Some([1, 0, 0, 0, 2]));
    }

    #[test]
    fn the_minimum_is_never_below_three_whatever_is_asked() {
        assert_eq!(add_up([2, 4], 1).counts, None);
        assert_eq!(add_up([2, 4, 4, 3], 5).counts, None);
        assert!(add_up([2, 4, 4, 3, 1], 5).shown());
    }

    #[test]
    fn scores_map_to_feelings_and_back() {
        for feeling in Feeling::ALL {
            assert_eq!(Feeling::from_score(feeling.score()), Some(feeling));
        }
        assert_eq!(Feeling::from_score(0), None);
        assert_eq!(add_up([0, 6, 3], 3).answers, 1);
    }
}
