//! What the bot asks of Discord when a server adds it: scopes, permissions and intents, in
//! one place so the guidance, the README and `/doctor` agree.

/// A channel permission the bot needs, with Discord's bit and why we need it.
#[derive(Debug, Clone, Copy)]
pub struct NeededPermission {
    pub name: &'static str,
    pub bit: u64,
    pub why: &'static str,
}

/// Every permission the bot asks for when invited.
pub const NEEDED_PERMISSIONS: &[NeededPermission] = &[
    NeededPermission {
        name: "Add Reactions",
        bit: 1 << 6,
        why: "acknowledge a shared win with a reaction",
    },
    NeededPermission {
        name: "View Channels",
        bit: 1 << 10,
        why: "see the channels it posts in",
    },
    NeededPermission {
        name: "Send Messages",
        bit: 1 << 11,
        why: "post the daily act, check-ins and recaps",
    },
    NeededPermission {
        name: "Embed Links",
        bit: 1 << 14,
        why: "show acts as embeds",
    },
    NeededPermission {
        name: "Attach Files",
        bit: 1 << 15,
        why: "attach the weekly chart",
    },
    NeededPermission {
        name: "Read Message History",
        bit: 1 << 16,
        why: "collect replies to the day's post",
    },
    NeededPermission {
        name: "Create Public Threads",
        bit: 1 << 35,
        why: "open a thread for each day's wins",
    },
    NeededPermission {
        name: "Send Messages in Threads",
        bit: 1 << 38,
        why: "post in those threads",
    },
    NeededPermission {
        name: "Create Events",
        bit: 1 << 44,
        why: "make the get-togethers of /event create",
    },
];

/// The OAuth2 scopes the invite link asks for.
pub const SCOPES: &str = "bot applications.commands";

/// The permissions integer for the invite link.
pub fn permissions_integer() -> u64 {
    NEEDED_PERMISSIONS.iter().fold(0, |acc, p| acc | p.bit)
}

/// The invite link for an application id (or a placeholder).
pub fn invite_url(application_id: &str) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application_id}&scope={}&permissions={}",
        SCOPES.replace(' ', "+"),
        permissions_integer()
    )
}

/// What `smallacts run` says when DISCORD_TOKEN is missing.
pub fn missing_token_guidance() -> String {
    let permissions: Vec<String> = NEEDED_PERMISSIONS
        .iter()
        .map(|p| format!("       - {:<25} to {}", p.name, p.why))
        .collect();
    format!(
        "smallacts needs a Discord bot token, and DISCORD_TOKEN is not set.

To try the bot first without Discord, run the offline demo:
    smallacts demo

To connect it to your Discord server (about five minutes):
  1. Open https://discord.com/developers/applications and choose \"New Application\".
     Name it (e.g. \"smallacts\").
  2. On the \"Bot\" page choose \"Reset Token\", copy the token and keep it secret.
     Leave the privileged intents off: smallacts works without them. (Turn on Message Content
     Intent only if you want replies' words collected, and then also set
     SMALLACTS__DISCORD__MESSAGE_CONTENT_INTENT=true.)
  3. On \"OAuth2\" > \"URL Generator\" tick the scopes bot and applications.commands, and the
     permissions below (permissions integer {perm}), then open the link and add the bot to
     your server. Or use this link with your Application ID from the \"General Information\" page:
     {url}
     The bot asks for:
{permissions}
  4. Start it with the token in the environment, never in a file:
    DISCORD_TOKEN=your-token-here smallacts run

Intents: smallacts uses only non-privileged ones (servers, server messages, reactions, direct
messages, scheduled events) so it works in any server. Slash commands, buttons and forms need no intent at all.
",
        perm = permissions_integer(),
        url = invite_url("YOUR_APPLICATION_ID"),
        permissions = permissions.join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_integer_is_the_documented_bits() {
        // 64 + 1024 + 2048 + 16384 + 32768 + 65536 + 2^35 + 2^38 + 2^44
        assert_eq!(permissions_integer(), 17_901_423_807_552);
        assert!(
            invite_url("123")
                .ends_with("scope=bot+applications.commands&permissions=17901423807552")
        );
    }

    #[test]
    fn guidance_points_at_the_demo_and_the_portal() {
        let text = missing_token_guidance();
        assert!(text.contains("smallacts demo"));
        assert!(text.contains("DISCORD_TOKEN="));
        assert!(text.contains("17901423807552"));
        assert!(text.contains("applications.commands"));
    }
}
