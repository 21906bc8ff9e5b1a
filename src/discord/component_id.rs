//! Every button and form the bot puts on a message, as one type, and the custom id each
//! carries. A custom id holds all the state a click needs, so a button keeps working after a
//! restart (nothing waits in memory for it), and the strings never change: messages posted
//! long ago still carry them. `render` writes one, `parse` reads it back, and anything else
//! (another bot's, or a damaged one) parses as nothing and is ignored.

use crate::acts::ActFilter;
use crate::checkins::Feeling;
use crate::ids::{ActId, MemberId, PostId, RunId, SuggestionId, WinId};
use crate::wins::Visibility;

/// A button, or a form, by what pressing or sending it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentId {
    // On an `/idea` answer.
    /// "Another idea" with the same filters.
    IdeaAnother { current: ActId, filter: ActFilter },
    /// "Make it smaller": same Way, one size down.
    IdeaSmaller { current: ActId },
    /// "Share with the channel".
    IdeaShare { act: ActId },

    // On the daily post. Its answers are new private messages: the post itself is shared.
    /// "I did it": opens the [`ComponentId::DidItForm`].
    DailyDone { post: PostId },
    /// "Give me a smaller one".
    DailySmaller { act: ActId },
    /// "Another idea".
    DailyIdea,

    /// The form "I did it" opens: a few words about how it went.
    DidItForm { post: PostId },

    /// Approve or Decline on `/acts review` (admins).
    Review {
        suggestion: SuggestionId,
        approve: bool,
    },

    /// Who may see a win, chosen after it was counted.
    WinVisibility { win: WinId, visibility: Visibility },
    /// Delete one of `/wins mine`.
    WinDelete { win: WinId },

    /// `/privacy forget`'s confirmation: only the member named may confirm it.
    PrivacyForget { member: MemberId },
    /// `/privacy forget`, thought better of.
    PrivacyKeep,

    /// A check-in's pulse: one answer in one run.
    Pulse { run: RunId, feeling: Feeling },
    /// "Let my buddy know I could use a chat", offered to someone struggling.
    TellBuddy,
}

impl ComponentId {
    /// The custom id, as Discord keeps it on the message (at most 100 characters).
    pub fn render(&self) -> String {
        match self {
            ComponentId::IdeaAnother { current, filter } => format!(
                "idea:more:{current}:{}.{}.{}",
                word(filter.size),
                word(filter.way),
                word(filter.setting)
            ),
            ComponentId::IdeaSmaller { current } => format!("idea:smaller:{current}"),
            ComponentId::IdeaShare { act } => format!("idea:share:{act}"),
            ComponentId::DailyDone { post } => format!("daily:done:{post}"),
            ComponentId::DailySmaller { act } => format!("daily:smaller:{act}"),
            ComponentId::DailyIdea => "daily:idea".to_owned(),
            ComponentId::DidItForm { post } => format!("win:modal:{post}"),
            ComponentId::Review {
                suggestion,
                approve,
            } => {
                let verdict = if *approve { "approve" } else { "decline" };
                format!("review:{verdict}:{suggestion}")
            }
            ComponentId::WinVisibility { win, visibility } => {
                format!("win:vis:{win}:{}", visibility.as_str())
            }
            ComponentId::WinDelete { win } => format!("win:delete:{win}"),
            ComponentId::PrivacyForget { member } => format!("privacy:forget:{member}"),
            ComponentId::PrivacyKeep => "privacy:keep".to_owned(),
            ComponentId::Pulse { run, feeling } => format!("pulse:{run}:{}", feeling.score()),
            ComponentId::TellBuddy => "buddy:tell".to_owned(),
        }
    }

    /// Reads a custom id back; `None` for anything the bot did not render.
    pub fn parse(custom_id: &str) -> Option<ComponentId> {
        let parts: Vec<&str> = custom_id.split(':').collect();
        Some(match parts.as_slice() {
            ["idea", "more", current, tags] => {
                let mut tags = tags.split('.');
                let filter = ActFilter {
                    size: tag(tags.next()?)?,
                    way: tag(tags.next()?)?,
                    setting: tag(tags.next()?)?,
                };
                ComponentId::IdeaAnother {
                    current: current.parse().ok()?,
                    filter,
                }
            }
            ["idea", "smaller", current] => ComponentId::IdeaSmaller {
                current: current.parse().ok()?,
            },
            ["idea", "share", act] => ComponentId::IdeaShare {
                act: act.parse().ok()?,
            },
            ["daily", "done", post] => ComponentId::DailyDone {
                post: post.parse().ok()?,
            },
            ["daily", "smaller", act] => ComponentId::DailySmaller {
                act: act.parse().ok()?,
            },
            ["daily", "idea"] => ComponentId::DailyIdea,
            ["win", "modal", post] => ComponentId::DidItForm {
                post: post.parse().ok()?,
            },
            ["review", verdict @ ("approve" | "decline"), suggestion] => ComponentId::Review {
                suggestion: suggestion.parse().ok()?,
                approve: *verdict == "approve",
            },
            ["win", "vis", win, visibility] => ComponentId::WinVisibility {
                win: win.parse().ok()?,
                visibility: Visibility::parse(visibility)?,
            },
            ["win", "delete", win] => ComponentId::WinDelete {
                win: win.parse().ok()?,
            },
            ["privacy", "forget", member] => ComponentId::PrivacyForget {
                member: member.parse().ok()?,
            },
            ["privacy", "keep"] => ComponentId::PrivacyKeep,
            ["pulse", run, score] => ComponentId::Pulse {
                run: run.parse().ok()?,
                feeling: Feeling::from_score(score.parse().ok()?)?,
            },
            ["buddy", "tell"] => ComponentId::TellBuddy,
            _ => return None,
        })
    }

    /// Whether it is a form (sent back as a modal submission) rather than a button.
    pub fn is_form(&self) -> bool {
        matches!(self, ComponentId::DidItForm { .. })
    }
}

fn word<T: std::fmt::Display>(tag: Option<T>) -> String {
    tag.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

/// "-" is "any"; an unknown word makes the whole id invalid.
fn tag<T: std::str::FromStr>(word: &str) -> Option<Option<T>> {
    if word == "-" {
        Some(None)
    } else {
        word.parse().ok().map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acts::{Setting, Size, Way};

    /// One of each, with the largest numbers each can carry.
    fn every_kind() -> Vec<ComponentId> {
        let mut all = vec![
            ComponentId::IdeaAnother {
                current: ActId(i64::MAX),
                filter: ActFilter {
                    size: Some(Size::Smallest),
                    way: Some(Way::KeepLearning),
                    setting: Some(Setting::Community),
                },
            },
            ComponentId::IdeaAnother {
                current: ActId(3),
                filter: ActFilter::default(),
            },
            ComponentId::IdeaSmaller { current: ActId(9) },
            ComponentId::IdeaShare { act: ActId(12) },
            ComponentId::DailyDone {
                post: PostId(i64::MAX),
            },
            ComponentId::DailySmaller { act: ActId(9) },
            ComponentId::DailyIdea,
            ComponentId::DidItForm {
                post: PostId(i64::MAX),
            },
            ComponentId::Review {
                suggestion: SuggestionId(i64::MAX),
                approve: true,
            },
            ComponentId::Review {
                suggestion: SuggestionId(4),
                approve: false,
            },
            ComponentId::WinDelete {
                win: WinId(i64::MAX),
            },
            ComponentId::PrivacyForget {
                member: MemberId(u64::MAX),
            },
            ComponentId::PrivacyKeep,
            ComponentId::TellBuddy,
        ];
        for visibility in Visibility::ALL {
            all.push(ComponentId::WinVisibility {
                win: WinId(i64::MAX),
                visibility,
            });
        }
        for feeling in Feeling::ALL {
            all.push(ComponentId::Pulse {
                run: RunId(i64::MAX),
                feeling,
            });
        }
        all
    }

    #[test]
    fn every_kind_round_trips_and_fits_discords_limit() {
        let all = every_kind();
        for id in &all {
            let text = id.render();
            assert!(text.len() <= 100, "{text}");
            assert_eq!(ComponentId::parse(&text), Some(*id), "{text}");
        }
        // Every kind is covered above (a new one must be added there to compile this).
        for id in &all {
            match id {
                ComponentId::IdeaAnother { .. }
                | ComponentId::IdeaSmaller { .. }
                | ComponentId::IdeaShare { .. }
                | ComponentId::DailyDone { .. }
                | ComponentId::DailySmaller { .. }
                | ComponentId::DailyIdea
                | ComponentId::DidItForm { .. }
                | ComponentId::Review { .. }
                | ComponentId::WinVisibility { .. }
                | ComponentId::WinDelete { .. }
                | ComponentId::PrivacyForget { .. }
                | ComponentId::PrivacyKeep
                | ComponentId::Pulse { .. }
                | ComponentId::TellBuddy => {}
            }
        }
        assert_eq!(all.iter().filter(|id| id.is_form()).count(), 1);
    }

    /// Each kind of custom id the bot has ever put on a message (they are unchanged since
    /// each was introduced) still reads as what it did then.
    #[test]
    fn every_custom_id_ever_rendered_still_parses() {
        let any = ActFilter::default();
        let rendered = [
            (
                "idea:more:41:-.-.-",
                ComponentId::IdeaAnother {
                    current: ActId(41),
                    filter: any,
                },
            ),
            (
                "idea:more:41:smallest.connect.online",
                ComponentId::IdeaAnother {
                    current: ActId(41),
                    filter: ActFilter {
                        size: Some(Size::Smallest),
                        way: Some(Way::Connect),
                        setting: Some(Setting::Online),
                    },
                },
            ),
            (
                "idea:smaller:41",
                ComponentId::IdeaSmaller { current: ActId(41) },
            ),
            ("idea:share:41", ComponentId::IdeaShare { act: ActId(41) }),
            ("daily:done:7", ComponentId::DailyDone { post: PostId(7) }),
            (
                "daily:smaller:41",
                ComponentId::DailySmaller { act: ActId(41) },
            ),
            ("daily:idea", ComponentId::DailyIdea),
            ("win:modal:7", ComponentId::DidItForm { post: PostId(7) }),
            (
                "review:approve:3",
                ComponentId::Review {
                    suggestion: SuggestionId(3),
                    approve: true,
                },
            ),
            (
                "review:decline:3",
                ComponentId::Review {
                    suggestion: SuggestionId(3),
                    approve: false,
                },
            ),
            (
                "win:vis:12:named",
                ComponentId::WinVisibility {
                    win: WinId(12),
                    visibility: Visibility::Named,
                },
            ),
            (
                "win:vis:12:anonymous",
                ComponentId::WinVisibility {
                    win: WinId(12),
                    visibility: Visibility::Anonymous,
                },
            ),
            (
                "win:vis:12:count",
                ComponentId::WinVisibility {
                    win: WinId(12),
                    visibility: Visibility::Count,
                },
            ),
            ("win:delete:12", ComponentId::WinDelete { win: WinId(12) }),
            (
                "privacy:forget:1150000000000000000",
                ComponentId::PrivacyForget {
                    member: MemberId(1_150_000_000_000_000_000),
                },
            ),
            ("privacy:keep", ComponentId::PrivacyKeep),
            (
                "pulse:5:1",
                ComponentId::Pulse {
                    run: RunId(5),
                    feeling: Feeling::Struggling,
                },
            ),
            (
                "pulse:5:2",
                ComponentId::Pulse {
                    run: RunId(5),
                    feeling: Feeling::NotGreat,
                },
            ),
            (
                "pulse:5:3",
                ComponentId::Pulse {
                    run: RunId(5),
                    feeling: Feeling::Okay,
                },
            ),
            (
                "pulse:5:4",
                ComponentId::Pulse {
                    run: RunId(5),
                    feeling: Feeling::Good,
                },
            ),
            (
                "pulse:5:5",
                ComponentId::Pulse {
                    run: RunId(5),
                    feeling: Feeling::Great,
                },
            ),
            ("buddy:tell", ComponentId::TellBuddy),
        ];
        for (text, id) in rendered {
            assert_eq!(ComponentId::parse(text), Some(id), "{text}");
            assert_eq!(id.render(), text);
        }
    }

    #[test]
    fn daily_buttons_round_trip() {
        for button in [
            ComponentId::DailyDone { post: PostId(7) },
            ComponentId::DailySmaller { act: ActId(9) },
            ComponentId::DailyIdea,
        ] {
            assert_eq!(ComponentId::parse(&button.render()), Some(button));
        }
        for id in ["daily", "daily:done", "daily:done:x", "daily:idea:1"] {
            assert_eq!(ComponentId::parse(id), None, "{id}");
        }
        // An idea button is not a daily one.
        assert!(matches!(
            ComponentId::parse("idea:more:1:-.-.-"),
            Some(ComponentId::IdeaAnother { .. })
        ));
    }

    #[test]
    fn foreign_or_broken_ids_are_ignored() {
        for id in [
            "",
            "idea",
            "idea:more:1",
            "idea:more:x:-.-.-",
            "idea:more:1:huge.-.-",
            "other:share:1",
            "idea:zap:1",
            "review:maybe:1",
            "review:approve:x",
            "win:vis:1:loud",
            "win:delete",
            "privacy:forget:-1",
            "pulse:1:6",
            "pulse:x:1",
            "buddy:ask",
            "act:done:7",
        ] {
            assert_eq!(ComponentId::parse(id), None, "{id}");
        }
    }
}
