//! The impact figures (`recap::impact`, what the impact page and the CSV export show) for a
//! server with 1,000,000 wins over two years, on SQLite and on PostgreSQL: the whole two years,
//! the last 12 weeks, and a past quarter ending mid-week, 50 timed runs each (after 3
//! untimed), with p50, p99 and max. The
//! page must render in 50 ms at p99, templating and charts included, so these should be well
//! under that.
//!
//!     cargo bench --bench impact_figures
//!
//! The server: Europe/London; 1,500 members over the two years, about 700 of them at any time
//! (people join and leave), 1,370 wins a day, most for the day's act, some for another act of
//! the built-in catalogue and some without an act; two check-ins a day with a pulse, one in
//! eight with too few answers to break down. Wins are stored 50,000 to a transaction of
//! multi-row inserts and tallied in one grouped statement per transaction
//! (`Store::insert_wins_for_bench`). For comparison it also times, a few times, how the export
//! counted before the tallies (every win of the range read, a query per week for check-ins),
//! and checks both give the same figures.
//!
//! Then the whole page, as a reader gets it: an HTTP GET of `/impact/{token}` (the link checked,
//! the figures read, both charts drawn as SVG, the template rendered) from the bot's own web
//! server (`web::router`) on a loopback socket, for the default 12 weeks and for the two years,
//! 50 timed runs each after 3 untimed. Target: ≤ 50 ms at p99.
//!
//! `SMALLACTS_BENCH_ONLY=sqlite` (or `postgres`) runs one backend;
//! `SMALLACTS_BENCH_SQLITE_FILE=path` keeps the SQLite database (a new file) there.
//!
//! PostgreSQL: `SMALLACTS_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test);
//! a database is created for the run and dropped after. Figures only, no assertions but that
//! the two ways of counting agree.

#[path = "common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use smallacts::acts::{Catalogue, Size, Way};
use smallacts::ids::{ActId, ChannelId, GuildId, MemberId, MessageId};
use smallacts::recap::{Impact, ImpactWeek};
use smallacts::store::{Claim, Lease, NewCheckin, NewPost, NewRun, Store};

const TOTAL: i64 = 1_000_000;
const DAYS: i64 = 730;
const MEMBERS: u64 = 1_500;
/// Members taking part at any one time.
const AT_ONCE: u64 = 700;
const RUNS: usize = 50;
const WARM_UP: usize = 3;
const BEFORE_RUNS: usize = 3;
const GUILD: GuildId = GuildId(1_234_567_890);
const TZ: Tz = chrono_tz::Europe::London;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let only = std::env::var("SMALLACTS_BENCH_ONLY").unwrap_or_default();
    if only != "postgres" {
        let dir = tempfile::tempdir()?;
        // SMALLACTS_BENCH_SQLITE_FILE keeps the database there, to look into afterwards.
        let file = std::env::var("SMALLACTS_BENCH_SQLITE_FILE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| dir.path().join("impact.db"));
        run("SQLite", &format!("sqlite://{}", file.display())).await?;
    }
    if only != "sqlite" {
        let postgres = common::TempPostgres::create("smallacts_impact").await?;
        let outcome = run("PostgreSQL", &postgres.url).await;
        postgres.drop_database().await?;
        outcome?;
    }
    Ok(())
}

/// A small deterministic generator (the same data on both backends).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn midnight(date: NaiveDate) -> i64 {
    smallacts::calendar::resolve_local(TZ, date.and_time(chrono::NaiveTime::MIN)).timestamp_millis()
}

async fn run(backend: &str, url: &str) -> anyhow::Result<()> {
    let store = Store::connect_url(url).await?;
    store.migrate().await?;
    // Friday 12 June 2026, 16:00 in London.
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-06-12T15:00:00Z")?.to_utc();
    let today = smallacts::calendar::local_wall_time(TZ, now).date();
    let first_day = today - Days::new(DAYS as u64 - 1);
    store
        .upsert_server(GUILD, "Benchmark Care Group", None, "Europe/London", 0)
        .await?;
    store
        .sync_catalogue(&Catalogue::built_in()?.acts, 0)
        .await?;
    let acts: Vec<ActId> = store
        .active_acts(None)
        .await?
        .iter()
        .map(|a| a.id)
        .collect();

    let loading = Instant::now();
    let (start_ms, end_ms) = (midnight(first_day), now.timestamp_millis());
    let span = end_ms - start_ms;
    let mut rng = Lcg(2026);
    let mut batch = Vec::with_capacity(50_000);
    for n in 0..TOTAL {
        // Evenly over the two years, jittered within the slot.
        let at = start_ms + (n * span) / TOTAL + (rng.next() as i64 % (span / TOTAL).max(1));
        let progress = (at - start_ms) as f64 / span as f64;
        let base = (progress * (MEMBERS - AT_ONCE) as f64) as u64;
        let member = MemberId(1 + base + rng.next() % AT_ONCE);
        let day = (at - start_ms) / 86_400_000;
        let act = match rng.next() % 20 {
            0..=11 => Some(acts[(day as usize * 7) % acts.len()]),
            12..=16 => Some(acts[rng.next() as usize % acts.len()]),
            _ => None,
        };
        batch.push((member, at, act));
        if batch.len() == 50_000 {
            store.insert_wins_for_bench(GUILD, &batch).await?;
            batch.clear();
        }
    }
    store.insert_wins_for_bench(GUILD, &batch).await?;
    let wins_s = loading.elapsed().as_secs_f64();

    let loading = Instant::now();
    let checkin = store
        .insert_checkin(
            &NewCheckin {
                guild_id: GUILD,
                channel_id: ChannelId(1),
                schedule: "daily 07:30 every",
                style: "pulse",
                next_at: None,
            },
            0,
        )
        .await?;
    let mut held = 0;
    for day in first_day.iter_days().take_while(|d| *d <= today) {
        for (slot, hour) in [("07:30", 7), ("19:30", 19)] {
            let at = midnight(day) + hour * 3_600_000 + 1_800_000;
            if at > end_ms {
                continue;
            }
            let slot = format!("{day}T{slot}");
            let post = NewPost {
                guild_id: GUILD,
                job: "checkin:1",
                slot: &slot,
                act_id: None,
                channel_id: Some(ChannelId(1)),
                scheduled_for: at,
                thread_name: None,
            };
            let lease = Lease {
                owner: "bench".into(),
                until_ms: at + 60_000,
            };
            let Claim::Won(post) = store.claim_post(&post, &lease, at).await? else {
                anyhow::bail!("slot {slot} taken");
            };
            store
                .mark_post_sent(post, MessageId(held + 1), None, at)
                .await?;
            let run = store
                .insert_run(&NewRun {
                    guild_id: GUILD,
                    checkin_id: checkin,
                    post_id: post,
                    prompt_id: "p",
                    style: "pulse",
                    opened_at: at,
                    closes_at: at + 3_600_000,
                })
                .await?;
            let answers = 2 + rng.next() % 10;
            let counts = (answers >= 3).then(|| {
                let mut counts = [0_i64; 5];
                for _ in 0..answers {
                    counts[(rng.next() % 5) as usize] += 1;
                }
                counts
            });
            store
                .close_run(run, at + 3_600_000, |_| (answers as i64, counts))
                .await?;
            held += 1;
        }
    }
    let checkins_s = loading.elapsed().as_secs_f64();
    // A server grows to a million wins over two years, with PostgreSQL's autovacuum keeping
    // statistics as it goes; loaded in one go here, it gets them once before timing.
    store.settle_for_bench().await?;
    let tallies = store.tallies(GUILD).await?;
    println!(
        "impact_figures on {backend}: {TOTAL} wins over {DAYS} days stored and tallied in {wins_s:.1} s, \
         {held} check-ins in {checkins_s:.1} s; tallies: {} win_days rows, {} member_weeks rows",
        tallies.days.len(),
        tallies.member_weeks.len()
    );
    drop(tallies);

    let twelve_weeks = today - Days::new(7 * 12 - 1);
    // A past quarter that ends on a Wednesday: its last week is cut short with wins after
    // it, so that week's members are counted from its wins.
    let past_wednesday = today - Days::new(7 * 20 + 2);
    for (label, from, to) in [
        ("two years", first_day, today),
        ("last 12 weeks", twelve_weeks, today),
        (
            "past quarter",
            past_wednesday - Days::new(7 * 13 - 1),
            past_wednesday,
        ),
    ] {
        let mut times = Vec::with_capacity(RUNS);
        let mut figures = None;
        for run in 0..WARM_UP + RUNS {
            let started = Instant::now();
            let impact = smallacts::recap::impact(&store, GUILD, TZ, from, to).await?;
            if run >= WARM_UP {
                times.push(started.elapsed());
            }
            figures = Some(impact);
        }
        let figures = figures.expect("ran");
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        // Nearest rank: with 50 runs the 99th percentile is the slowest run.
        let p99 = times[(RUNS * 99).div_ceil(100) - 1];
        println!(
            "  impact, {label:<13} p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   \
             ({} weeks, {} wins, {} members, {} check-ins, active run {} weeks)",
            ms(times[RUNS / 2]),
            ms(p99),
            ms(times[RUNS - 1]),
            figures.weeks.len(),
            figures.total_wins,
            figures.members_taking_part,
            figures.checkins_held,
            figures.active_week_run
        );
        let mut before = Vec::new();
        let mut counted = Vec::new();
        for _ in 0..BEFORE_RUNS {
            let started = Instant::now();
            counted = counted_from_wins(&store, from, to).await?;
            before.push(started.elapsed());
        }
        before.sort();
        println!(
            "    before the tallies (every win read, a query per week): median {:.0} ms over {BEFORE_RUNS} runs",
            ms(before[BEFORE_RUNS / 2])
        );
        check_same(&figures, &counted)?;
    }
    page_over_http(&store, now, first_day, today).await?;
    store.close().await;
    Ok(())
}

/// Times the impact page as a browser asks for it: over HTTP from the bot's own web server.
async fn page_over_http(
    store: &Store,
    now: DateTime<Utc>,
    first_day: NaiveDate,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let clock: std::sync::Arc<dyn smallacts::clock::Clock> =
        std::sync::Arc::new(smallacts::clock::ManualClock::new(now));
    let settings = smallacts::settings::WebSettings {
        listen: "127.0.0.1:0".into(),
        public_url: String::new(),
        // One client asks for every page here; the per-client limit is not what is timed.
        requests_per_minute: 1_000_000,
        trust_forwarded_for: false,
    };
    let state = smallacts::web::WebState::new(store.clone(), clock, 3, &settings);
    let link = state.links.create(GUILD, 90).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(smallacts::web::serve(listener, state));
    let client = reqwest::Client::new();
    let page = format!("http://{address}/impact/{}", link.token);
    for (label, url) in [
        ("12 weeks", page.clone()),
        ("two years", format!("{page}?from={first_day}&to={today}")),
    ] {
        let mut times = Vec::with_capacity(RUNS);
        let mut bytes = 0;
        for run in 0..WARM_UP + RUNS {
            let started = Instant::now();
            let response = client.get(&url).send().await?;
            let status = response.status();
            let body = response.text().await?;
            if run >= WARM_UP {
                times.push(started.elapsed());
            }
            if !status.is_success() || !body.contains("<svg") {
                anyhow::bail!("the page did not render: {status}");
            }
            bytes = body.len();
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p99 = times[(RUNS * 99).div_ceil(100) - 1];
        println!(
            "  page over HTTP, {label:<9} p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   ({bytes} bytes of HTML)",
            ms(times[RUNS / 2]),
            ms(p99),
            ms(times[RUNS - 1]),
        );
    }
    server.abort();
    Ok(())
}

/// The figures as the export counted them before the tallies.
async fn counted_from_wins(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
) -> anyhow::Result<Vec<ImpactWeek>> {
    let first = from - Days::new(u64::from(from.weekday().num_days_from_monday()));
    let end = midnight(to + Days::new(1));
    let wins = store.wins_between(GUILD, midnight(first), end).await?;
    let mut weeks = Vec::new();
    let mut index = 0;
    let mut monday = first;
    while monday <= to {
        let stop = midnight(monday + Days::new(7));
        let mut week = ImpactWeek {
            week_start: monday,
            ..ImpactWeek::default()
        };
        let mut members = HashSet::new();
        while index < wins.len() && wins[index].created_at < stop {
            let win = &wins[index];
            index += 1;
            week.wins += 1;
            members.insert(win.member_id);
            match win.size.as_deref().and_then(|s| s.parse::<Size>().ok()) {
                Some(size) => week.sizes[Size::ALL.iter().position(|s| *s == size).unwrap()] += 1,
                None => week.wins_without_act += 1,
            }
            if let Some(way) = win.way.as_deref().and_then(|w| w.parse::<Way>().ok()) {
                week.ways[Way::ALL.iter().position(|w| *w == way).unwrap()] += 1;
            }
        }
        week.members_taking_part = members.len() as u64;
        let totals = store
            .checkin_totals_between(GUILD, midnight(monday), stop)
            .await?;
        week.checkins_held = totals.held as u64;
        week.pulse_answers = totals.pulse_answers as u64;
        week.pulse = totals.counts.map(|n| n as u64);
        weeks.push(week);
        monday = monday + Days::new(7);
    }
    Ok(weeks)
}

fn check_same(figures: &Impact, counted: &[ImpactWeek]) -> anyhow::Result<()> {
    if figures.weeks != counted {
        let first = figures
            .weeks
            .iter()
            .zip(counted)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("{a:?}\n  counted: {b:?}"));
        anyhow::bail!("the tallies disagree with the wins: {first:?}");
    }
    Ok(())
}
