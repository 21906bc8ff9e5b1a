//! Typed ids: what a number names, so a server can't be passed where a member is meant.
//!
//! Discord's ids (snowflakes) are `u64`, as Discord hands them out; the rows the bot numbers
//! itself (acts, posts, wins, ...) are `i64`, as the database hands them out. This module is a
//! leaf: it knows neither the database nor Discord. Ids become database integers only inside
//! `store` (which stores a snowflake's 64 bits in a signed column), and become serenity's ids
//! only inside `discord`.
//!
//! Each renders (and parses back) as its plain number, which is what Discord's mentions
//! (`<@id>`, `<#id>`), the buttons' custom ids and the exports have always shown.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl $name {
            /// The plain number.
            pub const fn get(self) -> $inner {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map($name)
            }
        }
    };
}

// Discord's own ids.
id!(
    /// A Discord server (a "guild" in Discord's API).
    GuildId(u64)
);
id!(
    /// A channel, or a thread (threads are channels in Discord).
    ChannelId(u64)
);
id!(
    /// A Discord user as a member of a server: who did a win, answered a pulse, owns a server.
    MemberId(u64)
);
id!(
    /// A message in a channel.
    MessageId(u64)
);
id!(
    /// A server's scheduled event (a get-together members mark themselves interested in).
    EventId(u64)
);
id!(
    /// A role of a server (the role allowed to host events).
    RoleId(u64)
);

// The bot's own rows.
id!(
    /// An act in the catalogue, built-in or a server's own.
    ActId(i64)
);
id!(
    /// A post the bot claimed (the daily act, a recap, a check-in, a buddy round, ...).
    PostId(i64)
);
id!(
    /// A member's win.
    WinId(i64)
);
id!(
    /// A member's suggestion for the catalogue.
    SuggestionId(i64)
);
id!(
    /// A scheduled check-in (what `/checkin list` numbers).
    CheckinId(i64)
);
id!(
    /// One posted check-in, where its pulse is counted.
    RunId(i64)
);
id!(
    /// A direct message waiting in the queue.
    DmId(i64)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_show_and_read_back_as_their_plain_numbers() {
        let guild = GuildId(u64::MAX);
        assert_eq!(guild.to_string(), u64::MAX.to_string());
        assert_eq!(guild.to_string().parse(), Ok(guild));
        assert_eq!("-7".parse(), Ok(PostId(-7)));
        assert!("-7".parse::<MemberId>().is_err());
        assert!("7x".parse::<ActId>().is_err());
        assert_eq!(serde_json::to_string(&MemberId(42)).unwrap(), "42");
    }
}
