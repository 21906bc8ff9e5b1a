//! The impact page end to end: an admin makes a private link with `/export link`, the bot's own
//! web server shows the page to anyone holding it (over real HTTP, and in a real headless
//! Chromium driven through chromium-driver), and a revoked, expired or made-up link shows the
//! same "not valid" page. Figures come from wins stored in the database; the page must show
//! them and never a member's name or words.

use std::net::SocketAddr;

use smallacts::acts::Size;
use smallacts::ids::{GuildId, MemberId};
use smallacts::store::NewWin;

use crate::bot::TestBot;
use crate::helpers::utc;

/// A Friday afternoon in London.
const NOW: &str = "2026-11-27T14:00:00Z";

/// A team with an admin and two members, wins over four weeks, and what the page should say.
struct Seeded {
    guild: GuildId,
    admin: fake_discord::Actor,
    member: fake_discord::Actor,
    /// Words members wrote and their names: never on the page.
    secrets: Vec<String>,
    /// Wins in each week, oldest first (weeks of 2 Nov, 9 Nov, 16 Nov, 23 Nov).
    per_week: [u64; 4],
    /// Wins of each size over the four weeks.
    sizes: [u64; 3],
}

async fn seeded(bot: &TestBot) -> Seeded {
    let (guild, admin, members) = crate::helpers::server_with(
        bot,
        "Rosewood House",
        &["Priya Admin", "Tomasz Nightshift", "Joy Carer"],
    )
    .await;
    let guild_id = GuildId(guild.id);
    let store = &bot.db.store;
    let acts = store.active_acts(None).await.unwrap();
    let act_of = |size: Size| acts.iter().find(|a| a.act.size == size).unwrap();
    // (when, member, size, words)
    let wins = [
        (
            "2026-11-03T10:00:00Z",
            1,
            Size::Smallest,
            "I made Tomasz a tea",
        ),
        (
            "2026-11-04T10:00:00Z",
            2,
            Size::Smaller,
            "asked Joy about her weekend",
        ),
        (
            "2026-11-10T10:00:00Z",
            1,
            Size::Smallest,
            "secret words one",
        ),
        ("2026-11-17T10:00:00Z", 1, Size::Small, "secret words two"),
        ("2026-11-18T10:00:00Z", 2, Size::Small, "secret words three"),
        (
            "2026-11-19T10:00:00Z",
            2,
            Size::Smallest,
            "secret words four",
        ),
        // 23:30 on Sunday 22 November in London: still the week of 16 November.
        (
            "2026-11-22T23:30:00Z",
            1,
            Size::Smaller,
            "secret words five",
        ),
        (
            "2026-11-24T10:00:00Z",
            2,
            Size::Smallest,
            "secret words six",
        ),
    ];
    let mut sizes = [0; 3];
    for (at, member, size, words) in wins {
        let act = act_of(size);
        store
            .insert_win(
                &NewWin {
                    guild_id,
                    member_id: MemberId(members[member].user.id),
                    post_id: None,
                    act_id: Some(act.id),
                    source: "command",
                    visibility: "named",
                    text: Some(words),
                    message_id: None,
                },
                utc(at).timestamp_millis(),
            )
            .await
            .unwrap();
        sizes[Size::ALL.iter().position(|s| *s == size).unwrap()] += 1;
    }
    let mut secrets: Vec<String> = wins.iter().map(|w| w.3.to_owned()).collect();
    for person in &members {
        secrets.push(person.user.username.clone());
        secrets.push(person.user.id.to_string());
    }
    Seeded {
        guild: guild_id,
        admin,
        member: members[1].clone(),
        secrets,
        per_week: [2, 1, 4, 1],
        sizes,
    }
}

/// The link from an admin's `/export link`, with the reply's text.
async fn make_link(
    bot: &TestBot,
    admin: &fake_discord::Actor,
    days: Option<u32>,
) -> (String, String) {
    let options = match days {
        Some(days) => {
            serde_json::json!([{"name": "link", "type": 1, "options": [{"name": "days", "type": 4, "value": days}]}])
        }
        None => serde_json::json!([{"name": "link", "type": 1, "options": []}]),
    };
    let reply = bot.sandbox.slash(admin, "export", options).await.unwrap();
    assert!(reply.ephemeral(), "the link is for the admin's eyes only");
    let text = reply.text();
    let url = text
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no link in {text:?}"))
        .to_owned();
    (url, text)
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::Client::new().get(url).send().await.unwrap()
}

fn web_addr(bot: &TestBot) -> SocketAddr {
    bot.web_addr.expect("the impact page listens")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_link_opens_the_page_with_the_figures_and_nothing_that_names_a_member() {
    let bot = TestBot::start_at(utc(NOW), |_| {}).await;
    let team = seeded(&bot).await;
    let (url, text) = make_link(&bot, &team.admin, None).await;
    assert!(text.contains("<t:"), "says when it expires: {text}");
    assert!(
        url.starts_with(&format!("http://{}/impact/", web_addr(&bot))),
        "{url}"
    );
    let token = url.rsplit('/').next().unwrap().to_owned();
    assert_eq!(token.len(), 64, "256 random bits as hex: {token}");
    assert!(
        !url.contains(&team.guild.0.to_string()),
        "the link never carries the server's id"
    );
    // Only the token's hash is stored.
    let links = bot
        .db
        .store
        .valid_impact_links(team.guild, utc(NOW).timestamp_millis())
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    assert_ne!(links[0].token_hash, token);
    assert_eq!(
        links[0].token_hash,
        smallacts::impact::links::token_hash(&token)
    );

    let response = get(&url).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "no scripts are allowed: {csp}");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = response.text().await.unwrap();
    let total: u64 = team.per_week.iter().sum();
    assert!(
        html.contains(&format!(
            "2 people at Rosewood House did {total} small acts of connection"
        )),
        "{html}"
    );
    assert!(!html.contains("<script"), "the page needs no JavaScript");
    for secret in &team.secrets {
        assert!(!html.contains(secret.as_str()), "the page shows {secret:?}");
    }
    // The CSV has the same figures, weekly.
    let csv = get(&format!("{url}/impact.csv")).await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let csv = csv.text().await.unwrap();
    let weekly: Vec<u64> = csv
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(1)?.parse().ok())
        .filter(|wins| *wins > 0)
        .collect();
    assert_eq!(weekly, team.per_week, "{csv}");
    for secret in &team.secrets {
        assert!(!csv.contains(secret.as_str()), "the CSV shows {secret:?}");
    }
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_expired_and_made_up_links_all_show_the_same_not_valid_page() {
    let bot = TestBot::start_at(utc(NOW), |_| {}).await;
    let team = seeded(&bot).await;
    // A member without Manage Server cannot make one.
    let refused = bot
        .sandbox
        .slash(
            &team.member,
            "export",
            serde_json::json!([{"name": "link", "type": 1, "options": []}]),
        )
        .await
        .unwrap();
    assert!(!refused.text().contains("http://"), "{}", refused.text());
    let made_up = format!("http://{}/impact/{}", web_addr(&bot), "ab".repeat(32));
    let not_valid = get(&made_up).await;
    assert_eq!(not_valid.status(), 404);
    let not_valid = not_valid.text().await.unwrap();
    assert!(not_valid.contains("This link is not valid"));
    for odd in [
        "/impact/short",
        "/impact/../../etc/passwd",
        "/somewhere-else",
    ] {
        let response = get(&format!("http://{}{odd}", web_addr(&bot))).await;
        assert_eq!(response.status(), 404, "{odd}");
        assert_eq!(response.text().await.unwrap(), not_valid, "{odd}");
    }

    // Revoked: the link stops working at once, with the same page.
    let (revoked, _) = make_link(&bot, &team.admin, None).await;
    assert_eq!(get(&revoked).await.status(), 200);
    let reply = bot
        .sandbox
        .slash(
            &team.admin,
            "export",
            serde_json::json!([{"name": "revoke", "type": 1, "options": []}]),
        )
        .await
        .unwrap();
    assert!(reply.text().contains("Withdrawn"), "{}", reply.text());
    let response = get(&revoked).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.unwrap(), not_valid);
    assert_eq!(get(&format!("{revoked}/impact.csv")).await.status(), 404);

    // Expired: a 7-day link works on day 6 and not on day 8.
    let (week_long, _) = make_link(&bot, &team.admin, Some(7)).await;
    bot.clock.set(utc(NOW) + chrono::Duration::days(6));
    assert_eq!(get(&week_long).await.status(), 200);
    bot.clock.set(utc(NOW) + chrono::Duration::days(8));
    let response = get(&week_long).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.unwrap(), not_valid);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_asking_too_often_is_told_to_wait() {
    let bot = TestBot::start_at(utc(NOW), |settings| {
        // A burst of one, then one every 15 seconds.
        settings.web.requests_per_minute = 4;
    })
    .await;
    let url = format!("http://{}/impact/{}", web_addr(&bot), "cd".repeat(32));
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = get(&url).await;
        if response.status() == 429 {
            assert_eq!(response.headers()["retry-after"], "60");
            assert!(response.headers().contains_key("content-security-policy"));
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses[0], 404, "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    bot.finish().await;
}

/// chromium-driver on a free port, for one test; stopped when dropped.
struct Chromedriver {
    child: std::process::Child,
    url: String,
}

impl Chromedriver {
    async fn start() -> Chromedriver {
        let path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect(
                "chromium-driver is not installed: `apt-get install chromium chromium-driver` \
                 (bash .ci/run installs them)",
            );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start chromedriver");
        // Owned at once, so that it is stopped whatever happens next.
        let driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if let Ok(response) = reqwest::get(format!("{}/status", driver.url)).await
                && response.status() == 200
            {
                return driver;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not start");
    }

    async fn browser(&self, downloads: &std::path::Path) -> fantoccini::Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2000"],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false
                }
            }),
        );
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a headless Chromium session")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chrome's DevTools `Emulation.setEmulatedMedia`, through chromedriver's `goog/cdp/execute`:
/// lays the page out as it prints.
#[derive(Debug)]
struct EmulateMedia(&'static str);

impl fantoccini::wd::WebDriverCompatibleCommand for EmulateMedia {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(
                serde_json::json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": self.0}})
                    .to_string(),
            ),
        )
    }
}

async fn text_of(browser: &fantoccini::Client, css: &str) -> String {
    browser
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The numbers in a table's body, row by row.
async fn table(browser: &fantoccini::Client, id: &str) -> Vec<Vec<u64>> {
    let mut rows = Vec::new();
    for row in browser
        .find_all(fantoccini::Locator::Css(&format!("#{id} tbody tr")))
        .await
        .unwrap()
    {
        let mut numbers = Vec::new();
        for cell in row.find_all(fantoccini::Locator::Css("td")).await.unwrap() {
            numbers.push(cell.text().await.unwrap().replace(',', "").parse().unwrap());
        }
        rows.push(numbers);
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_impact_page_in_a_real_browser_shows_the_figures_follows_the_dates_downloads_and_prints()
 {
    let bot = TestBot::start_at(utc(NOW), |_| {}).await;
    let team = seeded(&bot).await;
    let (url, _) = make_link(&bot, &team.admin, None).await;
    let downloads = tempfile::tempdir().unwrap();
    let driver = Chromedriver::start().await;
    let browser = driver.browser(downloads.path()).await;
    browser.goto(&url).await.unwrap();

    // The summary and the figures are what the database holds.
    let total: u64 = team.per_week.iter().sum();
    assert!(
        text_of(&browser, ".summary")
            .await
            .contains(&format!("did {total} small acts"))
    );
    assert_eq!(text_of(&browser, "#total-acts").await, total.to_string());
    assert_eq!(text_of(&browser, "#people").await, "2");
    // Twelve weeks; the last four hold the wins.
    let by_size = table(&browser, "table-by-size").await;
    assert_eq!(by_size.len(), 12);
    let weekly: Vec<u64> = by_size[8..].iter().map(|row| row[4]).collect();
    assert_eq!(weekly, team.per_week);
    let sizes: Vec<u64> = (0..3)
        .map(|i| by_size.iter().map(|row| row[i]).sum())
        .collect();
    assert_eq!(sizes, team.sizes);
    let by_way = table(&browser, "table-by-way").await;
    assert_eq!(
        by_way.iter().flatten().sum::<u64>(),
        total,
        "each act has one Way"
    );
    // The charts are there for screen readers too.
    for chart in ["#chart-by-size svg", "#chart-by-way svg"] {
        let svg = browser.find(fantoccini::Locator::Css(chart)).await.unwrap();
        assert!(svg.is_displayed().await.unwrap(), "{chart}");
        assert_eq!(
            svg.attr("role").await.unwrap().as_deref(),
            Some("img"),
            "{chart}"
        );
    }
    let source = browser.source().await.unwrap();
    for secret in &team.secrets {
        assert!(
            !source.contains(secret.as_str()),
            "the page shows {secret:?}"
        );
    }
    let artifacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("impact-page.png");
    std::fs::write(&artifacts, browser.screenshot().await.unwrap()).unwrap();

    // The date range changes the figures: the last two weeks only.
    let form = browser
        .form(fantoccini::Locator::Css(".range-form"))
        .await
        .unwrap();
    form.set_by_name("from", "2026-11-16").await.unwrap();
    form.set_by_name("to", "2026-11-27").await.unwrap();
    form.submit().await.unwrap();
    // Submitting starts a navigation and returns: wait until the browser is on the new page
    // (its address carries the range) before reading it, or the read can land in between.
    for _ in 0..200 {
        let url = browser.current_url().await.unwrap();
        if url.query().is_some_and(|q| q.contains("from=2026-11-16")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser
        .wait()
        .for_element(fantoccini::Locator::Css("#total-acts"))
        .await
        .unwrap();
    let expected = team.per_week[2] + team.per_week[3];
    assert_eq!(text_of(&browser, "#total-acts").await, expected.to_string());
    assert_eq!(table(&browser, "table-by-size").await.len(), 2);
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .query()
            .unwrap()
            .contains("from=2026-11-16")
    );

    // The CSV downloads, with the chosen weeks.
    browser
        .find(fantoccini::Locator::Css("a.download"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut csv = None;
    for _ in 0..200 {
        if let Some(file) = std::fs::read_dir(downloads.path())
            .unwrap()
            .filter_map(Result::ok)
            .find(|f| f.file_name().to_string_lossy().ends_with(".csv"))
        {
            csv = Some(std::fs::read_to_string(file.path()).unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let csv = csv.expect("the CSV downloaded");
    assert_eq!(csv.lines().count(), 3, "a header and two weeks: {csv}");

    // Printed: no navigation, and a report of two pages.
    let nav = browser
        .find(fantoccini::Locator::Css("nav.controls"))
        .await
        .unwrap();
    assert!(nav.is_displayed().await.unwrap());
    browser.issue_cmd(EmulateMedia("print")).await.unwrap();
    assert!(
        !nav.is_displayed().await.unwrap(),
        "navigation is hidden in print"
    );
    browser.issue_cmd(EmulateMedia("")).await.unwrap();
    browser.goto(&url).await.unwrap();
    let pdf = browser
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("impact-page.pdf"),
        &pdf,
    )
    .unwrap();
    let pages = count_pdf_pages(&pdf);
    assert_eq!(pages, 2, "a two-page report");

    // Revoked, the same browser gets the not-valid page.
    bot.sandbox
        .slash(
            &team.admin,
            "export",
            serde_json::json!([{"name": "revoke", "type": 1, "options": []}]),
        )
        .await
        .unwrap();
    browser.goto(&url).await.unwrap();
    assert_eq!(text_of(&browser, "h1").await, "This link is not valid");
    browser.close().await.unwrap();
    bot.finish().await;
}

/// Pages in a PDF, counted from its page objects (`/Type /Page`, not `/Pages`).
fn count_pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .chain(text.match_indices("/Type/Page"))
        .filter(|(at, found)| !text[at + found.len()..].starts_with('s'))
        .count()
}
