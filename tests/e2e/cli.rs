//! The `smallacts` binary as a newcomer meets it, and the operator endpoints.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs the binary with a clean environment (no token, no database URL) in `dir`.
pub fn smallacts(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smallacts"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DISCORD_TOKEN")
        .env_remove("DATABASE_URL")
        .env_remove("DISCORD_API_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn smallacts");
    // A hang guard, not a timing assertion: a command that never returns fails the test.
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    panic!("smallacts {args:?} did not finish within a minute");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_without_a_token_explains_what_to_do_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(dir.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    for needle in [
        "DISCORD_TOKEN is not set",
        "smallacts demo",
        "discord.com/developers/applications",
        "bot and applications.commands",
        "permissions=17901423807552",
        "Message Content",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in:\n{stderr}");
    }
    assert!(
        !dir.path().join("data").exists(),
        "no database is created before the token check"
    );
}

#[test]
fn help_describes_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(dir.path(), &["--help"], &[]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["run", "migrate", "check", "preview"] {
        assert!(help.contains(&format!("  {command} ")), "{help}");
    }
}

#[test]
fn check_prints_the_catalogue_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(dir.path(), &["check"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("Configuration: OK"), "{stdout}");
    assert!(stdout.contains("by size   smallest"), "{stdout}");
    assert!(stdout.contains("every target met"), "{stdout}");
    assert!(stdout.contains("token NOT set"), "{stdout}");
}

#[test]
fn check_never_prints_the_token_or_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(
        dir.path(),
        &["check"],
        &[
            ("DISCORD_TOKEN", "MTIz.secret-token-value"),
            (
                "DATABASE_URL",
                "postgres://app:hunter2@db.example/smallacts",
            ),
        ],
    );
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("token set"), "{all}");
    assert!(
        !all.contains("secret-token-value") && !all.contains("hunter2"),
        "{all}"
    );
}

#[test]
fn check_reports_how_many_acts_each_barrier_leaves_and_warns_when_too_few() {
    use smallacts::acts::{Avoid, Catalogue, Need};
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(dir.path(), &["check"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let acts = Catalogue::built_in().unwrap().acts;
    let left = |avoid: Avoid| acts.iter().filter(|a| avoid.allows(a)).count();
    for need in Need::ALL {
        let with_it = acts.iter().filter(|a| a.needs.contains(need)).count();
        let expected = format!("{} {}", need.as_str(), acts.len() - with_it);
        assert!(
            stdout.contains(&expected),
            "missing {expected:?} in {stdout}"
        );
    }
    let all = format!("all of them {}", left(Avoid::everything()));
    assert!(stdout.contains(&all), "missing {all:?} in {stdout}");
    assert!(!stdout.contains("warning   leaving out"), "{stdout}");

    // A catalogue whose only small act needs money: leaving money out leaves no small act.
    std::fs::write(
        dir.path().join("acts.toml"),
        "[[act]]\nid='a'\ntext='Say hello to someone.'\nsize='smallest'\nway='connect'\nsettings=['anywhere']\n\
         [[act]]\nid='b'\ntext='Ask someone about their day.'\nsize='smaller'\nway='connect'\nsettings=['anywhere']\n\
         [[act]]\nid='c'\ntext='Buy a colleague a coffee.'\nsize='small'\nway='give'\nsettings=['anywhere']\nneeds=['money']\n",
    )
    .unwrap();
    let out = smallacts(
        dir.path(),
        &["check"],
        &[("SMALLACTS__CATALOGUE__PATH", "acts.toml")],
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("warning   leaving out money: only 2 act(s) are left"),
        "{stdout}"
    );
    assert!(stdout.contains("no small act is left"), "{stdout}");
}

#[test]
fn a_bad_config_file_stops_with_file_key_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        "[schedule]\ngrace_minutes = \"soon\"\n",
    )
    .unwrap();
    let out = smallacts(dir.path(), &["--config", "mine.toml", "check"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("mine.toml"), "{stderr}");
    assert!(stderr.contains("grace_minutes"), "{stderr}");
    assert!(stderr.contains("soon"), "{stderr}");
}

#[test]
fn a_bad_catalogue_file_is_rejected_with_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acts.toml"),
        "[[act]]\nid='x'\ntext='Say hello to someone.'\nsize='huge'\nway='connect'\nsettings=['anywhere']\n\
         [[act]]\nid='x'\ntext='Say hello to someone.'\nsize='small'\nway='connect'\nsettings=['anywhere']\n",
    )
    .unwrap();
    let out = smallacts(
        dir.path(),
        &["check"],
        &[("SMALLACTS__CATALOGUE__PATH", "acts.toml")],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown size \"huge\""), "{stderr}");
    assert!(stderr.contains("duplicate id"), "{stderr}");
}

/// What `smallacts migrate` reports on either backend.
const ALL_TABLES: &str = "25 tables: acts, buddies, buddy_groups, buddy_settings, checkin_runs, \
     checkins, dm_queue, event_hosts, events, fleet_locks, impact_links, member_avoids, \
     member_prefs, member_shifts, member_weeks, posts, \
     processes, pulse_answers, server_settings, servers, suggestions, support_resources, \
     win_days, win_weeks, wins";

#[test]
fn migrate_creates_a_working_sqlite_file_under_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(dir.path(), &["migrate"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(ALL_TABLES), "{stdout}");
    let file = dir.path().join("data/smallacts.db");
    assert!(file.is_file());
    // The file is a real database the library can use.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = smallacts::store::Store::connect_url(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        store
            .upsert_server(smallacts::ids::GuildId(1), "x", None, "Europe/London", 0)
            .await
            .unwrap();
        assert_eq!(store.active_server_count().await.unwrap(), 1);
    });
}

#[test]
fn preview_offers_matching_acts_without_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(
        dir.path(),
        &[
            "preview", "--size", "smallest", "--way", "give", "--count", "40", "--seed", "3",
        ],
        &[],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("Smallest · Give"))
        .collect();
    assert_eq!(lines.len(), 40, "{stdout}");
    let matching: usize = stdout.split(' ').next().unwrap().parse().unwrap();
    let before_new_round = stdout.split("a new round begins").next().unwrap();
    let slugs: Vec<&str> = before_new_round
        .lines()
        .filter_map(|l| l.rsplit_once('[').map(|(_, s)| s))
        .collect();
    let unique: std::collections::HashSet<_> = slugs.iter().collect();
    assert_eq!(unique.len(), slugs.len(), "no repeats within a round");
    assert_eq!(slugs.len(), matching.min(40));

    let bad = smallacts(dir.path(), &["preview", "--size", "tiny"], &[]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("use smallest, smaller or small"));
}

mod postgres {
    use super::*;
    use crate::helpers::{postgres_admin_url, with_database};

    #[test]
    fn migrate_creates_the_same_schema_on_postgres() {
        let admin = postgres_admin_url();
        let name = format!("smallacts_cli_{}", rand::random::<u32>());
        let rt = tokio::runtime::Runtime::new().unwrap();
        let mut conn = rt.block_on(async {
            use sqlx::{Connection, Executor};
            let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
            c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .unwrap();
            c
        });
        let url = with_database(&admin, &name);
        let dir = tempfile::tempdir().unwrap();
        let out = smallacts(dir.path(), &["migrate"], &[("DATABASE_URL", &url)]);
        rt.block_on(async {
            use sqlx::Executor;
            conn.execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .await
            .unwrap();
        });
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        assert!(stdout.starts_with("PostgreSQL database"), "{stdout}");
        assert!(stdout.contains(super::ALL_TABLES), "{stdout}");
    }
}

/// Discord's OpenAPI description beside this checkout, if it is there (found from the test's
/// own source folder; the demo binary looks for it only at run time, from its current folder).
fn openapi_beside_the_checkout() -> Option<String> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/discord/openapi.json");
    path.is_file().then(|| path.display().to_string())
}

#[test]
fn demo_plays_the_scene_offline_with_the_real_bot() {
    let dir = tempfile::tempdir().unwrap();
    // A token or database in the environment must not be used by the demo.
    let mut env = vec![
        ("DISCORD_TOKEN", "real-looking-token".to_owned()),
        (
            "DATABASE_URL",
            "postgres://nobody@127.0.0.1:1/none".to_owned(),
        ),
    ];
    env.extend(openapi_beside_the_checkout().map(|spec| ("SMALLACTS_DISCORD_OPENAPI", spec)));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = smallacts(dir.path(), &["demo"], &env);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for needle in [
        "registered /idea, /suggest, /win, /wins, /privacy, /help, /about, /daily, /settings, /acts, /recap, /export, /checkin, /support, /buddy, /shift, /doctor",
        "Rosewood Care Home adds the bot",
        "Asha types /idea size: Smaller",
        "only Asha can see this",
        "[Another idea] [Make it smaller] [Share with the channel]",
        "already as small as they come",
        "Asha shared an idea",
        "posted in the channel",
        "Cara types /help",
        "Asha (an admin) sets up the daily act",
        "Next post: Monday 23 November 2026 09:00.",
        "Monday 23 November 09:00, in #daily-act:",
        "Sunday 29 November 09:00, in #daily-act:",
        "Today's small act of connection",
        "Ben clicks [I did it]",
        "Who may see your words?",
        "Ben clicks [Share with my name]",
        "Cara replies in the day's thread",
        "Counted as a win for the team",
        "@Ben: Asked Mrs Patel about her garden",
        "Friday 27 November 16:00, in #daily-act: the weekly recap",
        "2 small acts of connection this week (last week: 0), by 2 people.",
        "told me all about her roses.\u{201d} \u{2014} @Ben",
        "smallacts-demo-chart.png",
        "(7 this week)",
        "Check-in added: #1 · 07:30 and 19:30 every day in #team-room",
        "For the next 2 weeks you're paired with @Asha and @Cara.",
        "Cara works nights: her message waits until 17:00",
        "🫖 Monday 19:30 check-in",
        "Samaritans: Call 116 123",
        "Dana types /settings country: Canada",
        "9-8-8: Suicide Crisis Helpline: Call or text 988",
        "said they could use a chat",
        "3 people answered.",
        "Asha types /export link",
        "Asha types /recap card",
        "smallacts-demo-card.png",
        "/impact/",
        "In the 12 weeks from 14 Sep 2026 to 1 Dec 2026, 2 people at Rosewood",
        "Asha types /event create title: Early cuppa before handover",
        "A get-together: Early cuppa before handover",
        "https://discord.com/events/",
        "starts at 05:00",
        "2 people were interested",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    assert!(
        !stderr.contains("WARN") && !stderr.contains("ERROR"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "the demo uses a temporary database"
    );
}

#[test]
fn demo_with_a_missing_openapi_file_says_so_and_plays_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(
        dir.path(),
        &["demo", "--openapi", "no-such/openapi.json"],
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no Discord OpenAPI spec at no-such/openapi.json"),
        "{stderr}"
    );
    assert!(!text(&out.stdout).contains("adds the bot"));
}

#[test]
fn demo_without_the_openapi_description_says_it_checks_nothing_against_it() {
    // An empty folder, nothing beside it, and no file named: nothing to find.
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(dir.path(), &["demo"], &[("SMALLACTS_DISCORD_OPENAPI", "")]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "Discord's OpenAPI description was not found: what the bot sends is NOT checked"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("--openapi PATH"), "{stdout}");
    assert!(stdout.contains("That's the demo."), "{stdout}");
}

#[test]
fn demo_with_the_awareness_week_flag_plays_the_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let out = smallacts(dir.path(), &["demo", "--awareness-week"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    for needle in [
        "Loneliness Awareness Week starts today",
        "Loneliness Awareness Week, day 1 of 7",
        "Loneliness Awareness Week, day 7 of 7",
        "#RandomActsofConnection",
        "That's Loneliness Awareness Week",
        "This week the team did 2 acts of connection",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
}
