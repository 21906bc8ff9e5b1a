//! Charts with made-up figures, to test, time and look at what this module draws.

use super::{Series, ShareCard, StackedBars};

/// The Week's card for a team that did 412 acts, without the server's name.
pub fn share_card() -> ShareCard {
    ShareCard {
        acts: 412,
        ways: [
            ("Connect", 200),
            ("Be active", 22),
            ("Take notice", 50),
            ("Keep learning", 40),
            ("Give", 100),
        ]
        .map(|(way, n)| (way.to_owned(), n))
        .to_vec(),
        server_name: None,
        week_label: "Loneliness Awareness Week 2026".into(),
    }
}

/// Two years of weekly wins by Way to Wellbeing, from the week of 3 June 2024 (104 bars,
/// about a million wins): what the impact page shows for a busy server.
pub fn two_years() -> StackedBars {
    let first = chrono::NaiveDate::from_ymd_opt(2024, 6, 3).unwrap_or_default();
    let categories = (0..104)
        .map(|i| {
            (first + chrono::Days::new(7 * i))
                .format("%-d %b")
                .to_string()
        })
        .collect();
    let series = [
        "Connect",
        "Be active",
        "Take notice",
        "Keep learning",
        "Give",
    ]
    .iter()
    .zip(0u64..)
    .map(|(name, s)| Series {
        name: (*name).into(),
        values: (0..104u64)
            .map(|w| 1_500 + (w * 37 + s * 101) % 1_000)
            .collect(),
    })
    .collect();
    StackedBars {
        title: "Wins per week, by Way to Wellbeing".into(),
        description: "Two years of weekly wins, stacked by Way to Wellbeing.".into(),
        categories,
        series,
    }
}
