//! Acts of connection: what one is, the catalogue they come from, and how the next one is
//! chosen. Plain data and pure functions: nothing here knows about Discord or SQL.

mod barriers;
mod catalogue;
mod choose;

pub use barriers::{Avoid, Coverage, FEWEST_ACTS_LEFT, Shortfall};

pub use catalogue::{
    BUILT_IN_CATALOGUE, Catalogue, CatalogueError, CatalogueSummary, MAX_ACT_TEXT, MIN_ACT_TEXT,
    Target,
};
pub use choose::{ActFilter, Pick, choose_fresh, current_round, stable_seed};

/// Declares a closed set of tags that are written as fixed lowercase words in the catalogue,
/// in commands and in the database, with a human label for messages.
macro_rules! tag_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $word:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the order people read them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// What kind of tag this is, for error messages.
            pub const WHAT: &'static str = $what;

            /// The word used in files, commands and the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// The word for people ("Be active").
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The accepted words joined for an error message: "a, b or c".
            pub fn expected() -> String {
                let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                match words.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {}", rest.join(", "), last),
                    _ => words.join(""),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(word: &str) -> Result<Self, String> {
                match word.trim().to_ascii_lowercase().as_str() {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!("unknown {} {:?}; use {}", $what, other, Self::expected())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

tag_enum!(
    /// How much an act asks of someone: start where you are.
    Size, "size" {
        Smallest => "smallest", "Smallest";
        Smaller => "smaller", "Smaller";
        Small => "small", "Small";
    }
);

tag_enum!(
    /// The Five Ways to Wellbeing.
    Way, "way" {
        Connect => "connect", "Connect";
        BeActive => "be-active", "Be active";
        TakeNotice => "take-notice", "Take notice";
        KeepLearning => "keep-learning", "Keep learning";
        Give => "give", "Give";
    }
);

tag_enum!(
    /// Where an act can be done.
    Setting, "setting" {
        Anywhere => "anywhere", "Anywhere";
        Workplace => "workplace", "At work";
        Care => "care", "In care";
        Online => "online", "Online";
        Community => "community", "In the community";
    }
);

tag_enum!(
    /// What an act asks that not everyone has; acts are inclusive unless tagged.
    Need, "need" {
        Money => "money", "Costs a little";
        Alcohol => "alcohol", "Involves alcohol";
        Car => "car", "Needs a car";
        Mobility => "mobility", "Needs getting about";
        Outgoing => "outgoing", "Suits the outgoing";
    }
);

impl Size {
    /// One size down, or `None` at the smallest.
    pub fn smaller(self) -> Option<Size> {
        match self {
            Size::Small => Some(Size::Smaller),
            Size::Smaller => Some(Size::Smallest),
            Size::Smallest => None,
        }
    }
}

/// One act of connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Act {
    /// Stable id: never reused, so history stays meaningful when a text changes.
    pub slug: String,
    pub text: String,
    pub size: Size,
    pub way: Way,
    pub settings: Vec<Setting>,
    pub needs: Vec<Need>,
}

impl Act {
    /// Whether the act can be done in `setting`. "anywhere" acts fit every in-person setting,
    /// but not `online`, which only acts written for a screen fit.
    pub fn fits(&self, setting: Setting) -> bool {
        self.settings.contains(&setting)
            || (setting != Setting::Online && self.settings.contains(&Setting::Anywhere))
    }
}

/// Joins tags for storage ("care,online").
pub fn join_tags<T: Copy + std::fmt::Display>(tags: &[T]) -> String {
    tags.iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Splits stored tags back; unknown words (from a newer version) are dropped.
pub fn split_tags<T: std::str::FromStr>(stored: &str) -> Vec<T> {
    stored
        .split(',')
        .filter(|w| !w.is_empty())
        .filter_map(|w| w.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_explain_mistakes() {
        for way in Way::ALL {
            assert_eq!(way.as_str().parse::<Way>().unwrap(), *way);
        }
        assert_eq!(" Be-Active ".parse::<Way>().unwrap(), Way::BeActive);
        let err = "tiny".parse::<Size>().unwrap_err();
        assert_eq!(err, "unknown size \"tiny\"; use smallest, smaller or small");
        let stored = join_tags(&[Setting::Care, Setting::Online]);
        assert_eq!(stored, "care,online");
        assert_eq!(
            split_tags::<Setting>(&stored),
            vec![Setting::Care, Setting::Online]
        );
    }

    #[test]
    fn sizes_step_down_and_stop_at_smallest() {
        assert_eq!(Size::Small.smaller(), Some(Size::Smaller));
        assert_eq!(Size::Smaller.smaller(), Some(Size::Smallest));
        assert_eq!(Size::Smallest.smaller(), None);
    }

    #[test]
    fn anywhere_fits_in_person_settings_but_not_online() {
        let act = Act {
            slug: "smile".into(),
            text: "Smile at someone.".into(),
            size: Size::Smallest,
            way: Way::Connect,
            settings: vec![Setting::Anywhere],
            needs: vec![],
        };
        assert!(act.fits(Setting::Care));
        assert!(act.fits(Setting::Workplace));
        assert!(!act.fits(Setting::Online));
    }
}
