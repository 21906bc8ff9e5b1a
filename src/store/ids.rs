//! How typed ids are kept: each in a 64-bit integer column. The only place ids turn into the
//! database's integers and back, so queries bind and read `GuildId`, `PostId`, ... directly.
//!
//! A Discord snowflake (`u64`) is kept as the `i64` with the same 64 bits. Snowflakes stay
//! below 2^63 until the year 2084, so the stored number is the snowflake itself in practice,
//! and the round trip is exact for every value. The bot's own row ids are `i64` already.

use sqlx::any::{Any, AnyTypeInfo};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::ids::{
    ActId, ChannelId, CheckinId, DmId, EventId, GuildId, MemberId, MessageId, PostId, RoleId,
    RunId, SuggestionId, WinId,
};

/// Converts a Discord snowflake (u64) for storage: the same 64 bits, so the conversion is
/// lossless whatever the value.
pub(super) fn snowflake_to_db(id: u64) -> i64 {
    id as i64
}

pub(super) fn snowflake_from_db(id: i64) -> u64 {
    id as u64
}

/// An id kept as a 64-bit integer.
pub(super) trait StoredId: Copy {
    fn to_db(self) -> i64;
    fn from_db(stored: i64) -> Self;
}

macro_rules! stored {
    ($to:expr, $from:expr => $($name:ident),+) => {$(
        impl StoredId for $name {
            fn to_db(self) -> i64 {
                $to(self.0)
            }

            fn from_db(stored: i64) -> Self {
                $name($from(stored))
            }
        }

        impl Type<Any> for $name {
            fn type_info() -> AnyTypeInfo {
                <i64 as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <i64 as Type<Any>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                <i64 as Encode<'q, Any>>::encode_by_ref(&self.to_db(), buf)
            }
        }

        impl<'r> Decode<'r, Any> for $name {
            fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                <i64 as Decode<'r, Any>>::decode(value).map($name::from_db)
            }
        }
    )+};
}

stored!(snowflake_to_db, snowflake_from_db => GuildId, ChannelId, MemberId, MessageId, EventId, RoleId);
stored!(std::convert::identity, std::convert::identity =>
    ActId, PostId, WinId, SuggestionId, CheckinId, RunId, DmId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_keep_all_64_bits() {
        for id in [0, 1, 1 << 62, (1 << 63) - 1, 1 << 63, u64::MAX] {
            let stored = GuildId(id).to_db();
            assert_eq!(GuildId::from_db(stored), GuildId(id));
        }
        assert_eq!(MemberId(1_234_567_890_123).to_db(), 1_234_567_890_123);
        assert_eq!(PostId::from_db(-1), PostId(-1));
    }
}
