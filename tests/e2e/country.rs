//! Signposting by country end to end: a server's country (set with `/settings country:`, or
//! suggested from its time zone) chooses which helplines a member who is struggling sees, and
//! no server is shown another country's numbers.

use fake_discord::Actor;
use serde_json::{Value, json};

use crate::bot::TestBot;
use crate::checkins::{Team, add_checkin, care_team, checkin_posts, pulse_button};
use crate::helpers::{sub, text, utc};

/// Monday 23 November 2026, 06:00 UTC.
const MONDAY_6AM: &str = "2026-11-23T06:00:00Z";

/// What only the UK list says: its emergency number and its helplines.
const UK_ONLY: &[&str] = &["999", "116 123", "Samaritans", "Shout", "85258"];
/// Every national number the built-in lists give, none of which the international list may show.
const NATIONAL: &[&str] = &[
    "999", "911", "112", "000", "111", "116 123", "988", "13 11 14", "1737", "741741",
];

/// The reply as a member reads it: the embed's text and its footer.
fn read(reply: &fake_discord::Reply) -> String {
    let footer = reply
        .message
        .as_ref()
        .and_then(|m| m["embeds"][0]["footer"]["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    format!("{}\n{footer}", reply.text())
}

/// A member answers "Struggling" to the check-in posted at `at`; what they are shown.
async fn struggling(bot: &TestBot, team: &Team, member: &Actor, at: &str) -> String {
    bot.tick_at(utc(at)).await;
    let post = checkin_posts(bot, team).pop().expect("a check-in post");
    let reply = bot
        .sandbox
        .click(member, &post, &pulse_button(&post, "Struggling"))
        .await
        .unwrap();
    assert!(reply.ephemeral(), "signposting is private");
    read(&reply)
}

async fn support(bot: &TestBot, member: &Actor) -> String {
    let reply = bot
        .sandbox
        .slash(member, "support", json!([]))
        .await
        .unwrap();
    assert!(reply.ephemeral());
    read(&reply)
}

/// An admin's command that answers privately (`/settings`, `/doctor`); what it says.
async fn settings_command(bot: &TestBot, admin: &Actor, name: &str, options: Value) -> String {
    let reply = bot.sandbox.slash(admin, name, options).await.unwrap();
    assert!(reply.ephemeral());
    reply.text()
}

async fn settings(bot: &TestBot, admin: &Actor, options: Value) -> String {
    settings_command(bot, admin, "settings", options).await
}

async fn set_time_zone(bot: &TestBot, team: &Team, zone: &str) {
    let setup = json!([
        {"name": "channel", "type": 7, "value": team.channel.to_string()},
        text("time", "09:00"),
        text("timezone", zone),
    ]);
    let reply = bot
        .sandbox
        .slash(&team.admin, "daily", sub("setup", setup))
        .await
        .unwrap();
    assert!(reply.text().contains(zone), "{}", reply.text());
}

fn assert_none_of(shown: &str, numbers: &[&str], why: &str) {
    for number in numbers {
        assert!(!shown.contains(number), "{why}: {number} shown in {shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_us_server_set_by_its_admin_shows_988_and_no_uk_number() {
    let bot = TestBot::start_at(utc(MONDAY_6AM), |_| {}).await;
    let team = care_team(&bot, &["Avery", "Blake"]).await;
    // The server's time zone is still London's: the admin's choice is what counts.
    let saved = settings(&bot, &team.admin, json!([text("country", "US")])).await;
    assert!(
        saved.contains("Saved: the country is United States (US)"),
        "{saved}"
    );
    assert!(
        saved.contains("members see the helplines for United States (US)"),
        "{saved}"
    );
    let shown = settings(&bot, &team.admin, json!([])).await;
    assert!(
        shown.contains("Country (for /support): United States (US)"),
        "{shown}"
    );
    let doctor = settings_command(&bot, &team.admin, "doctor", json!([])).await;
    assert!(
        doctor.contains("Country for `/support`: United States (US)"),
        "{doctor}"
    );

    add_checkin(&bot, &team, "daily 11:00", "Anonymous pulse only").await;
    let blake = &team.members[1];
    let answer = struggling(&bot, &team, blake, "2026-11-23T11:00:00Z").await;
    for (list, text) in [
        ("Struggling", answer),
        ("/support", support(&bot, blake).await),
    ] {
        assert!(text.contains("988"), "{list}: {text}");
        assert!(text.contains("911"), "{list}: {text}");
        assert!(
            text.contains("Helplines for the United States"),
            "{list}: {text}"
        );
        assert_none_of(&text, UK_ONLY, list);
    }
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_zone_suggests_the_country_until_an_admin_sets_one() {
    let bot = TestBot::start_at(utc(MONDAY_6AM), |_| {}).await;
    let team = care_team(&bot, &["Avery", "Blake"]).await;
    let blake = &team.members[1];
    // A new server in London's time zone is in the UK, as before there were countries.
    let uk = support(&bot, blake).await;
    assert!(uk.contains("116 123") && uk.contains("999"), "{uk}");

    set_time_zone(&bot, &team, "America/Chicago").await;
    let shown = settings(&bot, &team.admin, json!([])).await;
    assert!(
        shown.contains("not set; United States (US) suggested by the time zone"),
        "{shown}"
    );
    let us = support(&bot, blake).await;
    assert!(us.contains("988"), "{us}");
    assert_none_of(&us, UK_ONLY, "a Chicago server");

    set_time_zone(&bot, &team, "Australia/Melbourne").await;
    let au = support(&bot, blake).await;
    assert!(au.contains("13 11 14") && au.contains("000"), "{au}");
    assert_none_of(&au, &["988", "116 123", "999"], "an Australian server");

    // The admin's choice wins over the zone, and `auto` gives the zone its say back.
    settings(&bot, &team.admin, json!([text("country", "New Zealand")])).await;
    let nz = support(&bot, blake).await;
    assert!(nz.contains("1737") && nz.contains("Need to talk?"), "{nz}");
    assert_none_of(&nz, &["13 11 14", "988", "116 123"], "a New Zealand server");
    let back = settings(&bot, &team.admin, json!([text("country", "auto")])).await;
    assert!(
        back.contains("Australia (AU) suggested by the time zone"),
        "{back}"
    );
    assert!(support(&bot, blake).await.contains("13 11 14"));

    let wrong = settings(&bot, &team.admin, json!([text("country", "Narnia")])).await;
    assert!(wrong.contains("two-letter code"), "{wrong}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_in_a_country_without_a_list_sees_the_international_directory_only() {
    let bot = TestBot::start_at(utc(MONDAY_6AM), |_| {}).await;
    let team = care_team(&bot, &["Avery", "Blake"]).await;
    let blake = &team.members[1];
    add_checkin(&bot, &team, "daily 11:00", "Anonymous pulse only").await;

    // No country set, and a time zone that suggests none of the listed countries: not the UK's
    // numbers, the international directory.
    set_time_zone(&bot, &team, "Europe/Paris").await;
    let shown = settings(&bot, &team.admin, json!([])).await;
    assert!(shown.contains("the time zone suggests none"), "{shown}");
    assert!(shown.contains("international helplines"), "{shown}");
    let answer = struggling(&bot, &team, blake, "2026-11-23T10:00:00Z").await;
    for (list, text) in [
        ("Struggling", answer),
        ("/support", support(&bot, blake).await),
    ] {
        assert!(text.contains("https://findahelpline.com"), "{list}: {text}");
        assert!(text.contains("local emergency number"), "{list}: {text}");
        assert!(text.contains("International helplines"), "{list}: {text}");
        assert_none_of(&text, NATIONAL, list);
    }

    // An admin who says the server is in another country (France) gets the same, whatever the
    // time zone, and the server's own contacts still follow.
    set_time_zone(&bot, &team, "Europe/London").await;
    let saved = settings(&bot, &team.admin, json!([text("country", "FR")])).await;
    assert!(saved.contains("Saved: the country is FR"), "{saved}");
    let added = bot
        .sandbox
        .slash(
            &team.admin,
            "checkin",
            sub(
                "resource-add",
                json!([
                    text("name", "Employee Assistance Programme"),
                    text("details", "Free, confidential counselling for staff, 24/7."),
                ]),
            ),
        )
        .await
        .unwrap();
    assert!(added.text().contains("Added"), "{}", added.text());
    let text = support(&bot, blake).await;
    assert!(text.contains("findahelpline.com"), "{text}");
    assert!(
        text.contains("Employee Assistance Programme (from this server)"),
        "{text}"
    );
    assert_none_of(&text, NATIONAL, "a French server");
    let doctor = settings_command(&bot, &team.admin, "doctor", json!([])).await;
    assert!(
        doctor.contains("FR: members see the international helplines"),
        "{doctor}"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn country_autocomplete_offers_the_listed_countries_another_and_the_time_zone() {
    let bot = TestBot::start_at(utc(MONDAY_6AM), |_| {}).await;
    let team = care_team(&bot, &["Avery"]).await;
    let ask = |typed: &str| {
        bot.sandbox.autocomplete(
            &team.admin,
            "settings",
            json!([{"name": "country", "type": 3, "value": typed, "focused": true}]),
        )
    };
    let all = ask("").await.unwrap();
    for code in ["GB", "IE", "US", "CA", "AU", "NZ", "other", "auto"] {
        assert!(all.iter().any(|c| c["value"] == code), "{code}: {all:?}");
    }
    let zealand = ask("zeal").await.unwrap();
    assert_eq!(zealand.len(), 1, "{zealand:?}");
    assert_eq!(zealand[0]["value"], "NZ");
    let uk = ask("uk").await.unwrap();
    assert_eq!(uk[0]["value"], "GB", "{uk:?}");
    let france = ask("fr").await.unwrap();
    assert!(france.iter().any(|c| c["value"] == "FR"), "{france:?}");
    bot.finish().await;
}

#[test]
fn check_validates_every_support_list_and_warns_about_unchecked_entries() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::cli::smallacts(dir.path(), &["check"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("Support lists: OK (built-in)"), "{stdout}");
    for list in ["United States (US)", "New Zealand (NZ)", "international"] {
        assert!(stdout.contains(list), "{list} in {stdout}");
    }
    assert!(!stdout.contains("warning"), "{stdout}");

    // An operator's folder: a list without sources is warned about, a broken one stops.
    let lists = dir.path().join("lists");
    std::fs::create_dir(&lists).unwrap();
    std::fs::write(
        lists.join("fr.toml"),
        "intro = \"Parler aide.\"\n\n[[resource]]\nname = \"SOS Amitié\"\ndetails = \"Une écoute.\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        "[checkins]\nsupport_path = \"lists\"\n",
    )
    .unwrap();
    let out = crate::cli::smallacts(dir.path(), &["--config", "mine.toml", "check"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("warning   FR: \"SOS Amitié\" has no source and no checked_on date"),
        "{stdout}"
    );
    std::fs::write(
        lists.join("fr.toml"),
        "intro = \"Parler aide.\"\n\n[[resource]]\nname = \"SOS Amitié\"\ndetails = \"Une écoute.\"\nchecked_on = \"last week\"\n",
    )
    .unwrap();
    let out = crate::cli::smallacts(dir.path(), &["--config", "mine.toml", "check"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success());
    assert!(stderr.contains("fr.toml"), "{stderr}");
    assert!(
        stderr.contains("checked_on \"last week\" is not a date"),
        "{stderr}"
    );
}
