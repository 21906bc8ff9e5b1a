//! Acts without barriers end to end: a server leaving out acts that need money, and a member
//! leaving out acts for themselves in `/idea`, its buttons and `/privacy`.

use std::collections::HashSet;

use chrono::Duration;
use fake_discord::{Actor, Reply, Sandbox};
use serde_json::{Value, json};
use smallacts::acts::{Act, Catalogue, Need, Setting, Size, Way};
use smallacts::ids::{GuildId, MemberId};

use crate::bot::TestBot;
use crate::daily::{daily_posts, setup, team};
use crate::helpers::{sub, text, utc};

/// The catalogue act with this text.
fn act_by_text(catalogue: &Catalogue, text: &str) -> Act {
    catalogue
        .acts
        .iter()
        .find(|a| a.text == text)
        .cloned()
        .unwrap_or_else(|| panic!("not a catalogue act: {text}"))
}

/// The act an `/idea` answer (or a daily post) shows.
fn act_of(catalogue: &Catalogue, message: &Value) -> Act {
    let text = message["embeds"][0]["description"]
        .as_str()
        .unwrap_or_else(|| panic!("no act in {message}"));
    // In Loneliness Awareness Week the campaign's hashtag follows the act.
    act_by_text(catalogue, text.split("\n\n").next().unwrap_or_default())
}

fn shown(catalogue: &Catalogue, reply: &Reply) -> Act {
    act_of(catalogue, reply.message.as_ref().expect("a message"))
}

/// A subcommand's choice, by the name Discord shows, as the option Discord would send.
fn sub_choice(
    sandbox: &Sandbox,
    command: &str,
    subcommand: &str,
    option: &str,
    name: &str,
) -> Value {
    let commands = sandbox.registered_commands();
    let found = commands
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == command)
        .and_then(|c| {
            c["options"]
                .as_array()?
                .iter()
                .find(|o| o["name"] == subcommand)
                .cloned()
        })
        .and_then(|s| {
            s["options"]
                .as_array()?
                .iter()
                .find(|o| o["name"] == option)
                .cloned()
        })
        .unwrap_or_else(|| panic!("/{command} {subcommand} has no option {option}"));
    let value = found["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no choice {name:?}"))["value"]
        .clone();
    json!({"name": option, "type": found["type"], "value": value})
}

/// Presses the button with this label on an answer.
async fn press(sandbox: &Sandbox, actor: &Actor, reply: &Reply, label: &str) -> Reply {
    let button = reply
        .button(label)
        .unwrap_or_else(|| panic!("no {label:?} button"));
    sandbox
        .click(actor, reply.message.as_ref().unwrap(), &button)
        .await
        .unwrap()
}

fn needs_any(act: &Act, needs: &[Need]) -> bool {
    act.needs.iter().any(|n| needs.contains(n))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_avoiding_money_gets_no_money_act_in_a_quarter_and_still_goes_round_the_rest() {
    let catalogue = Catalogue::built_in().unwrap();
    // Small acts for care: the money ones among them are what a broken filter would post,
    // since the rotation posts every eligible act before any comes round again.
    let care_small = |a: &Act| a.size == Size::Small && a.fits(Setting::Care);
    let left: HashSet<String> = catalogue
        .acts
        .iter()
        .filter(|a| care_small(a) && !a.needs.contains(&Need::Money))
        .map(|a| a.slug.clone())
        .collect();
    let money_here = catalogue
        .acts
        .iter()
        .filter(|a| care_small(a) && a.needs.contains(&Need::Money))
        .count();
    assert!(
        money_here > 0,
        "the test needs small care acts that cost money"
    );
    let days = 91;
    assert!(
        days - 5 >= 2 * left.len(),
        "two full rounds fit in the quarter"
    );

    let bot = TestBot::start_at(utc("2026-04-19T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "08:00", vec![]).await;
    let sandbox = &bot.sandbox;
    let typed = sandbox
        .autocomplete(
            &team.admin,
            "daily",
            json!([{"name": "options", "type": 1, "options": [{"name": "avoid", "type": 3, "value": "money, c", "focused": true}]}]),
        )
        .await
        .unwrap();
    assert!(
        typed.iter().any(|c| c["value"] == "money, car"),
        "a combination is built up a need at a time: {typed:?}"
    );
    let saved = sandbox
        .slash(
            &team.admin,
            "daily",
            sub(
                "options",
                json!([
                    sub_choice(sandbox, "daily", "options", "size_plan", "Always small"),
                    sub_choice(
                        sandbox,
                        "daily",
                        "options",
                        "only",
                        "Acts for care settings"
                    ),
                    text("avoid", "money"),
                ]),
            ),
        )
        .await
        .unwrap();
    assert!(saved.ephemeral());
    assert!(saved.text().starts_with("Saved."), "{}", saved.text());
    assert!(
        !saved.text().contains("Widen"),
        "plenty is left: {}",
        saved.text()
    );
    let bad = sandbox
        .slash(
            &team.admin,
            "daily",
            sub("options", json!([text("avoid", "money, stairs")])),
        )
        .await
        .unwrap();
    assert!(bad.text().contains("\"stairs\""), "{}", bad.text());
    let settings = sandbox
        .slash(&team.admin, "settings", json!([]))
        .await
        .unwrap();
    assert!(
        settings
            .text()
            .contains("Left out: acts that need money (money)"),
        "{}",
        settings.text()
    );

    // A quarter of days at 08:00 London (07:00 UTC in summer time), Loneliness Awareness
    // Week (8-14 June) among them.
    let first = utc("2026-04-20T07:00:00Z");
    for day in 0..days {
        let report = bot.tick_at(first + Duration::days(day as i64)).await;
        assert_eq!(report.posted, 1, "day {day}");
    }
    let posts = daily_posts(sandbox, team.daily);
    assert_eq!(posts.len(), days);
    let week = (utc("2026-06-08T00:00:00Z"), utc("2026-06-15T00:00:00Z"));
    let mut small_days = Vec::new();
    for (day, post) in posts.iter().enumerate() {
        let act = act_of(&catalogue, post);
        assert!(
            !act.needs.contains(&Need::Money),
            "day {day} posted {} which needs money",
            act.slug
        );
        assert!(act.fits(Setting::Care), "{}", act.slug);
        let at = first + Duration::days(day as i64);
        if at < week.0 || at >= week.1 {
            assert_eq!(act.size, Size::Small, "{}", act.slug);
        }
        // The week's weekend is small too, and takes its turn in the same rotation.
        if act.size == Size::Small {
            small_days.push(act.slug);
        }
    }
    // The campaign week climbed through the sizes, within the filters too.
    let in_week: HashSet<Size> = posts[49..56]
        .iter()
        .map(|p| act_of(&catalogue, p).size)
        .collect();
    assert_eq!(in_week.len(), 3, "the week's sizes climb");
    // No act came round again until every act left had been posted, twice over.
    for round in small_days.chunks(left.len()).take(2) {
        let seen: HashSet<String> = round.iter().cloned().collect();
        assert_eq!(seen, left, "a round is every act left, once");
    }
    bot.finish().await;
}

/// Every act `/idea` offers for a size and Way while the member avoids `needs`: the first
/// `n` of them, asked for by "Another idea" on one answer.
async fn another_ideas(
    sandbox: &Sandbox,
    catalogue: &Catalogue,
    actor: &Actor,
    options: Value,
    n: usize,
) -> Vec<Act> {
    let first = sandbox.slash(actor, "idea", options).await.unwrap();
    assert!(first.ephemeral());
    let message = first.message.clone().unwrap();
    let mut acts = vec![shown(catalogue, &first)];
    let mut last = first;
    while acts.len() < n {
        // The button names the act shown, so it changes with each answer.
        let next = sandbox
            .click(actor, &message, &last.button("Another idea").unwrap())
            .await
            .unwrap();
        acts.push(shown(catalogue, &next));
        last = next;
    }
    acts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_avoids_money_and_mobility_is_never_offered_them_until_they_forget_it() {
    let catalogue = Catalogue::built_in().unwrap();
    let avoided = [Need::Money, Need::Mobility];
    let of = |size: Size, way: Way| -> Vec<&Act> {
        catalogue
            .acts
            .iter()
            .filter(|a| a.size == size && a.way == way)
            .collect()
    };
    let allowed = |acts: &[&Act]| -> HashSet<String> {
        acts.iter()
            .filter(|a| !needs_any(a, &avoided))
            .map(|a| a.slug.clone())
            .collect()
    };
    // Small, smaller and smallest "Be active" acts each include some that need getting
    // about or money, and few enough that offers go round all of them.
    for size in Size::ALL {
        let acts = of(*size, Way::BeActive);
        assert!(acts.iter().any(|a| needs_any(a, &avoided)), "{size}");
        assert!(acts.len() <= 12, "{size}");
    }

    let bot = TestBot::start().await;
    let sandbox = &bot.sandbox;
    let (guild, _admin, members) =
        crate::helpers::server_with(&bot, "Riverside Hub", &["Noor", "Sam"]).await;
    let sam = members[1].clone();
    let member_id = MemberId(sam.user.id);
    let size = |name: &str| sandbox.choice("idea", "size", name).unwrap();
    let active = || sandbox.choice("idea", "way", "Be active").unwrap();

    let set = sandbox
        .slash(
            &sam,
            "idea",
            json!([
                size("Small: a few minutes or more"),
                active(),
                text("avoid", "money, mobility")
            ]),
        )
        .await
        .unwrap();
    assert!(set.ephemeral());
    assert!(
        set.text()
            .contains("leave out acts that need money or getting about"),
        "{}",
        set.text()
    );
    let first_idea = shown(&catalogue, &set);
    assert!(!needs_any(&first_idea, &avoided));

    // `/idea` and "Another idea": the acts left, all of them, and never an avoided one (a
    // broken filter would go round every small "Be active" act in as many offers).
    let small = of(Size::Small, Way::BeActive);
    let offered = another_ideas(
        sandbox,
        &catalogue,
        &sam,
        json!([size("Small: a few minutes or more"), active()]),
        small.len(),
    )
    .await;
    for act in &offered {
        assert!(!needs_any(act, &avoided), "offered {}", act.slug);
    }
    let left = allowed(&small);
    let mut first_round: HashSet<String> = offered[..left.len() - 1]
        .iter()
        .map(|a| a.slug.clone())
        .collect();
    first_round.insert(first_idea.slug.clone());
    assert_eq!(
        first_round, left,
        "the first idea and the next ones go round"
    );

    // "Make it smaller", one size down from small and from smaller: as many times as there
    // are acts one size down, so a broken filter would offer every one of them.
    for (from, down) in [
        ("Small: a few minutes or more", Size::Smaller),
        ("Smaller: a minute or two", Size::Smallest),
    ] {
        let candidates = of(down, Way::BeActive);
        let mut seen = HashSet::new();
        for _ in 0..candidates.len() {
            let idea = sandbox
                .slash(&sam, "idea", json!([size(from), active()]))
                .await
                .unwrap();
            let smaller = press(sandbox, &sam, &idea, "Make it smaller").await;
            let act = shown(&catalogue, &smaller);
            assert_eq!((act.size, act.way), (down, Way::BeActive));
            assert!(!needs_any(&act, &avoided), "made smaller into {}", act.slug);
            seen.insert(act.slug);
        }
        assert_eq!(
            seen,
            allowed(&candidates),
            "every {down} act left came round"
        );
    }

    // In direct messages: what they avoid in any server, and it can't be set there.
    let dm = sandbox.dm(&sam.user);
    let refused = sandbox
        .slash(&dm, "idea", json!([text("avoid", "car")]))
        .await
        .unwrap();
    assert!(
        refused.text().contains("from one of your servers"),
        "{}",
        refused.text()
    );
    for act in another_ideas(
        sandbox,
        &catalogue,
        &dm,
        json!([size("Small: a few minutes or more"), active()]),
        left.len(),
    )
    .await
    {
        assert!(!needs_any(&act, &avoided), "offered {} in DMs", act.slug);
    }

    // `/privacy show` lists it, the export has it, and `/privacy forget` erases it.
    let show = sandbox
        .slash(&sam, "privacy", sub("show", json!([])))
        .await
        .unwrap();
    assert!(show.ephemeral());
    assert!(
        show.text()
            .contains("in this server, acts that need money or getting about (`money, mobility`)"),
        "{}",
        show.text()
    );
    let export = bot.db.store.export_member(member_id).await.unwrap();
    assert_eq!(export.avoid_choices.len(), 1);
    assert_eq!(export.avoid_choices[0].guild_id, GuildId(guild.id));
    assert_eq!(export.avoid_choices[0].needs, "money,mobility");
    let forget = sandbox
        .slash(&sam, "privacy", sub("forget", json!([])))
        .await
        .unwrap();
    let erased = press(sandbox, &sam, &forget, "Erase everything").await;
    assert!(erased.text().starts_with("Done."), "{}", erased.text());
    assert!(
        bot.db
            .store
            .member_avoids(member_id)
            .await
            .unwrap()
            .is_empty()
    );
    let show = sandbox
        .slash(&sam, "privacy", sub("show", json!([])))
        .await
        .unwrap();
    assert!(
        show.text()
            .contains("What `/idea` leaves out for you: nothing"),
        "{}",
        show.text()
    );
    // Forgotten, every small "Be active" act is offered again.
    let again = another_ideas(
        sandbox,
        &catalogue,
        &sam,
        json!([size("Small: a few minutes or more"), active()]),
        small.len(),
    )
    .await;
    assert!(again.iter().any(|a| needs_any(a, &avoided)));
    bot.finish().await;
}

const THIN_CATALOGUE: &str = r#"
[[act]]
id = "smile-one"
text = "Smile at the first person you see today."
size = "smallest"
way = "connect"
settings = ["anywhere"]

[[act]]
id = "thank-one"
text = "Thank someone by name for something small they did."
size = "smallest"
way = "give"
settings = ["anywhere"]

[[act]]
id = "notice-one"
text = "Notice one thing a colleague did well and tell them."
size = "smallest"
way = "take-notice"
settings = ["anywhere"]

[[act]]
id = "ask-one"
text = "Ask someone how their weekend really was, and listen."
size = "smaller"
way = "connect"
settings = ["anywhere"]

[[act]]
id = "message-one"
text = "Send a short message to someone you haven't spoken to in a while."
size = "smaller"
way = "connect"
settings = ["anywhere"]

[[act]]
id = "learn-one"
text = "Learn one thing about a colleague's job you didn't know."
size = "smaller"
way = "keep-learning"
settings = ["anywhere"]

[[act]]
id = "cake-one"
text = "Bring in something sweet to share at the next break."
size = "small"
way = "give"
settings = ["anywhere"]
needs = ["money"]

[[act]]
id = "lunch-one"
text = "Buy lunch for someone who has had a hard week."
size = "small"
way = "give"
settings = ["anywhere"]
needs = ["money"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_are_told_in_preview_doctor_and_options_when_a_filter_leaves_too_few_acts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acts.toml");
    std::fs::write(&path, THIN_CATALOGUE).unwrap();
    let bot = TestBot::start_at(utc("2026-09-06T12:00:00Z"), |s| {
        s.catalogue.path = path.display().to_string();
    })
    .await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    let sandbox = &bot.sandbox;
    let preview = |admin: Actor| async move {
        sandbox
            .slash(&admin, "daily", sub("preview", json!([])))
            .await
            .unwrap()
            .text()
    };
    assert!(!preview(team.admin.clone()).await.contains("Widen"));
    let saved = sandbox
        .slash(
            &team.admin,
            "daily",
            sub("options", json!([text("avoid", "money")])),
        )
        .await
        .unwrap()
        .text();
    for text in [saved, preview(team.admin.clone()).await] {
        assert!(text.contains("only 6 act(s) are left"), "{text}");
        assert!(text.contains("no small act is left"), "{text}");
        assert!(text.contains("`/daily options avoid:`"), "{text}");
    }
    let doctor = sandbox
        .slash(&team.admin, "doctor", json!([]))
        .await
        .unwrap()
        .text();
    assert!(doctor.contains("no small act is left"), "{doctor}");
    // Fridays ask for a small act: none is posted rather than one with a barrier.
    let mut at = utc("2026-09-07T08:00:00Z");
    for _ in 0..7 {
        bot.tick_at(at).await;
        at += Duration::days(1);
    }
    let catalogue = Catalogue::parse(THIN_CATALOGUE, "thin").unwrap();
    let posts = daily_posts(sandbox, team.daily);
    assert_eq!(posts.len(), 6, "no post on the Friday");
    for post in &posts {
        assert!(act_of(&catalogue, post).needs.is_empty());
    }
    sandbox
        .slash(
            &team.admin,
            "daily",
            sub("options", json!([text("avoid", "none")])),
        )
        .await
        .unwrap();
    assert!(!preview(team.admin.clone()).await.contains("Widen"));
    bot.finish().await;
}
