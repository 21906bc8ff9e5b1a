//! Serenity's ids and the bot's typed ids (`crate::ids`): the only place one becomes the
//! other, so the domain never sees a serenity type and Discord never sees a bare number.
//!
//! Both carry the snowflake as it is, so the conversions are exact. Serenity's ids are never
//! zero; Discord never sends one, and an id the bot stored came from Discord.

use poise::serenity_prelude as serenity;

use crate::ids::{ChannelId, EventId, GuildId, MemberId, MessageId, RoleId};

macro_rules! both_ways {
    ($($ours:ident <=> $theirs:ident),+) => {$(
        impl From<serenity::$theirs> for $ours {
            fn from(id: serenity::$theirs) -> $ours {
                $ours(id.get())
            }
        }

        impl From<$ours> for serenity::$theirs {
            fn from(id: $ours) -> serenity::$theirs {
                serenity::$theirs::new(id.get())
            }
        }
    )+};
}

both_ways!(
    GuildId <=> GuildId,
    ChannelId <=> ChannelId,
    MemberId <=> UserId,
    MessageId <=> MessageId,
    EventId <=> ScheduledEventId,
    RoleId <=> RoleId
);
