//! The share card for Loneliness Awareness Week: the team's acts of connection that week and
//! their mix of Ways to Wellbeing, ready for [`crate::charts::ShareCard`]. Counts only: no
//! member and no words.

use chrono::Datelike;
use chrono_tz::Tz;

use crate::acts::Way;
use crate::charts::ShareCard;
use crate::daily::{AwarenessWeek, week_bounds_ms};
use crate::ids::GuildId;
use crate::store::{RangeWin, Store, StoreError};

/// A span's acts of connection (wins) and how many were for an act of each Way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    pub acts: u64,
    /// Every Way, in the order people read them, with its count (0 included).
    pub ways: Vec<(Way, u64)>,
}

impl Tally {
    /// Counts wins. Wins for no act, or an act of no known Way, count only in `acts`.
    pub fn of(wins: &[RangeWin]) -> Tally {
        let mut ways: Vec<(Way, u64)> = Way::ALL.iter().map(|&w| (w, 0)).collect();
        for win in wins {
            if let Some(way) = win.way.as_deref().and_then(|w| w.parse::<Way>().ok())
                && let Some(entry) = ways.iter_mut().find(|(w, _)| *w == way)
            {
                entry.1 += 1;
            }
        }
        Tally {
            acts: wins.len() as u64,
            ways,
        }
    }
}

/// The server's tally for a campaign week, Monday 00:00 to the next Monday 00:00 in its zone
/// (up to now, while the week is still going on).
pub async fn awareness_tally(
    store: &Store,
    guild_id: GuildId,
    tz: Tz,
    week: AwarenessWeek,
) -> Result<Tally, StoreError> {
    let (from, to) = week_bounds_ms(week, tz);
    Ok(Tally::of(&store.wins_between(guild_id, from, to).await?))
}

/// The card for a week: the server's name only when an admin chose to show it.
pub fn share_card(week: AwarenessWeek, tally: &Tally, server_name: Option<&str>) -> ShareCard {
    ShareCard {
        acts: tally.acts,
        ways: tally
            .ways
            .iter()
            .map(|(way, n)| (way.label().to_owned(), *n))
            .collect(),
        server_name: server_name.map(str::to_owned),
        week_label: format!("Loneliness Awareness Week {}", week.monday.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MemberId;

    fn win(way: Option<&str>) -> RangeWin {
        RangeWin {
            member_id: MemberId(1),
            created_at: 0,
            visibility: "named".into(),
            text: Some("Words that never reach a card".into()),
            act_id: None,
            act_text: None,
            size: None,
            way: way.map(str::to_owned),
        }
    }

    #[test]
    fn the_tally_counts_every_win_and_each_way() {
        let tally = Tally::of(&[
            win(Some("connect")),
            win(Some("give")),
            win(Some("connect")),
            win(None),
            win(Some("nonsense")),
        ]);
        assert_eq!(tally.acts, 5);
        assert_eq!(
            tally.ways,
            vec![
                (Way::Connect, 2),
                (Way::BeActive, 0),
                (Way::TakeNotice, 0),
                (Way::KeepLearning, 0),
                (Way::Give, 1)
            ]
        );
        assert_eq!(Tally::of(&[]).acts, 0);
    }

    #[test]
    fn the_card_names_the_week_and_the_server_only_if_asked() {
        let week = AwarenessWeek::for_year(2026);
        let tally = Tally::of(&[win(Some("connect"))]);
        let card = share_card(week, &tally, None);
        assert_eq!(card.week_label, "Loneliness Awareness Week 2026");
        assert_eq!(card.server_name, None);
        assert_eq!(card.ways[0], ("Connect".to_owned(), 1));
        assert_eq!(card.ways.len(), 5);
        assert!(!card.alt_text().contains("Words that never"));
        let named = share_card(week, &tally, Some("Oak Lodge Care"));
        assert_eq!(named.server_name.as_deref(), Some("Oak Lodge Care"));
    }
}
