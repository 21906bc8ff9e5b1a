//! The `smallacts` command line. Thin: each command calls into the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use rand::SeedableRng;
use smallacts::acts::{ActFilter, Avoid, Coverage, Need, Setting, Size, Way, choose_fresh};
use smallacts::clock::SystemClock;
use smallacts::demo::DemoOptions;
use smallacts::settings::Settings;
use smallacts::startup::{self, Application};
use smallacts::{invite, telemetry};

/// smallacts: a Discord bot that posts one small, kind act of connection a day and turns
/// what people do into shared wins.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// A TOML file layered over the built-in defaults (see config/default.toml for every key).
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Connect to Discord and run the bot (the default). Needs DISCORD_TOKEN.
    Run,
    /// Watch the real bot at work offline: a fake Discord, a temporary database, a short scene
    /// and a simulated week of daily posts. Needs no token and no network.
    Demo {
        /// Simulate Loneliness Awareness Week (8-14 June 2026) instead of an ordinary week.
        #[arg(long)]
        awareness_week: bool,
        /// Discord's OpenAPI description (openapi.json from discord/discord-api-spec), to
        /// check what the bot sends against it. Without it, the demo takes the file named by
        /// SMALLACTS_DISCORD_OPENAPI, else looks for shared/discord/openapi.json in and beside
        /// the current folder, and says when it found none.
        #[arg(long, value_name = "PATH")]
        openapi: Option<PathBuf>,
        /// After the scene, keep serving the week's impact page (from the demo's fake world)
        /// until Ctrl-C, to open it in a browser.
        #[arg(long)]
        serve: bool,
    },
    /// Create or update the database schema, then exit.
    Migrate,
    /// Check the configuration, the acts catalogue and the support lists and print a summary;
    /// exits non-zero on any problem.
    Check,
    /// Print acts as the bot would offer them, for people writing the catalogue.
    Preview {
        /// Only acts of this size: smallest, smaller or small.
        #[arg(long)]
        size: Option<Size>,
        /// Only acts of this Way to Wellbeing: connect, be-active, take-notice, keep-learning or give.
        #[arg(long)]
        way: Option<Way>,
        /// Only acts that fit this setting: anywhere, workplace, care, online or community.
        #[arg(long)]
        setting: Option<Setting>,
        /// Leave out acts with these barriers, e.g. "money, car" (money, alcohol, car,
        /// mobility, outgoing, or all).
        #[arg(long, value_parser = Avoid::parse)]
        avoid: Option<Avoid>,
        /// How many acts to show, in the order they would be offered (no repeats until all
        /// matching acts were shown).
        #[arg(long, short = 'n', default_value_t = 7)]
        count: usize,
        /// Seed for the random order, to get the same sequence again.
        #[arg(long)]
        seed: Option<u64>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Run);
    let result = match command {
        Command::Run => {
            if settings.token.is_none() {
                eprint!("{}", invite::missing_token_guidance());
                return ExitCode::from(2);
            }
            block_on(run(settings))
        }
        Command::Demo {
            awareness_week,
            openapi,
            serve,
        } => block_on(demo(
            settings,
            DemoOptions {
                awareness_week,
                openapi,
                serve,
            },
        )),
        Command::Migrate => block_on(migrate(settings)),
        Command::Check => block_on(check(settings)),
        Command::Preview {
            size,
            way,
            setting,
            avoid,
            count,
            seed,
        } => preview(
            &settings,
            ActFilter { size, way, setting },
            avoid.unwrap_or_default(),
            count,
            seed,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<()>>>(future: F) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(future);
    // Whatever is left (a shard that never finished closing, say) must not keep the process
    // from exiting with its answer.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    telemetry::init(settings.log.format, &settings.log.level);
    let app = Application::build(settings, Arc::new(SystemClock)).await?;
    app.run_until_stopped().await
}

async fn demo(settings: Settings, options: DemoOptions) -> anyhow::Result<()> {
    // Only warnings: the transcript is the point. The demo ignores the configured database and
    // token on purpose, so it can never touch a real server or a real Discord.
    telemetry::init(settings.log.format, "warn");
    let mut stdout = std::io::stdout();
    smallacts::demo::run(&mut stdout, options).await
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let store = startup::open_store(&settings).await?;
    let tables = store.table_names().await?;
    println!(
        "{} database {} is up to date ({} tables: {}).",
        store.backend().name(),
        settings.database.url,
        tables.len(),
        tables.join(", ")
    );
    store.close().await;
    Ok(())
}

async fn check(settings: Settings) -> anyhow::Result<()> {
    println!("Configuration: OK");
    println!("  database   {}", settings.database.url);
    println!(
        "  discord    {}; token {}; message content intent {}",
        if !settings.discord.api_url.is_empty() {
            format!("API at {} (a proxy)", settings.discord.api_url)
        } else if !settings.discord.resolve.is_empty() {
            format!("Discord, reached as {}", settings.discord.resolve)
        } else {
            "Discord itself".to_owned()
        },
        if settings.token.is_some() {
            "set"
        } else {
            "NOT set (needed by `run`)"
        },
        if settings.discord.message_content_intent {
            "on"
        } else {
            "off"
        },
    );
    println!(
        "  schedule   default time zone {}, grace {} min",
        settings.schedule.default_timezone, settings.schedule.grace_minutes
    );
    println!(
        "  endpoints  {}",
        if settings.http.listen.is_empty() {
            "off".to_owned()
        } else {
            format!("http://{}/healthz and /metrics", settings.http.listen)
        }
    );
    let catalogue = startup::load_catalogue(&settings)?;
    let summary = catalogue.summary();
    println!(
        "Catalogue: OK ({})",
        settings
            .catalogue_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built-in".into())
    );
    print!("{summary}");
    let shortfalls = summary.shortfalls();
    if shortfalls.is_empty() {
        println!(
            "  coverage  every target met (150 acts; 40 per size; 20 per Way; 30 care; 20 online)"
        );
    } else {
        for target in shortfalls {
            println!(
                "  warning   {} {} (aim for at least {}, so every filter has enough to offer)",
                target.have, target.what, target.want
            );
        }
    }
    print_barriers(&catalogue.acts);
    check_support(&settings)
}

/// Validates every support list (loading fails on any broken entry) and warns about entries
/// that don't say where and when they were checked.
fn check_support(settings: &Settings) -> anyhow::Result<()> {
    use smallacts::checkins::SupportLists;
    let lists = match settings.support_path() {
        Some(path) => SupportLists::load(&path)?,
        None => SupportLists::builtin(),
    };
    println!(
        "Support lists: OK ({})",
        settings
            .support_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built-in".into())
    );
    for (name, list) in lists.all() {
        println!("  {name:<26} {} entries", list.resources.len());
        for resource in &list.resources {
            if let Some(missing) = resource.unchecked() {
                println!(
                    "  warning   {name}: \"{}\" has {missing}; add the page it was checked against (source) and the day (checked_on)",
                    resource.name
                );
            }
        }
    }
    Ok(())
}

/// How many acts each barrier left out leaves (`/daily options avoid:`, `/idea avoid:`), and
/// a warning where that is too few for a server's days.
fn print_barriers(acts: &[smallacts::acts::Act]) {
    let left = |avoid: Avoid| Coverage::of(acts.iter().filter(|a| avoid.allows(a)));
    let singles: Vec<Avoid> = Need::ALL.iter().map(|n| Avoid::of(&[*n])).collect();
    let counts: Vec<String> = singles
        .iter()
        .map(|avoid| format!("{} {}", avoid.words(), left(*avoid).total))
        .collect();
    println!(
        "  {:<9} acts left when leaving out {}",
        "barriers",
        counts.join(", ")
    );
    let all = left(Avoid::everything());
    println!(
        "  {:<9} acts left when leaving out all of them {} (smallest {}, smaller {}, small {})",
        "",
        all.total,
        all.of_size(Size::Smallest),
        all.of_size(Size::Smaller),
        all.of_size(Size::Small)
    );
    for avoid in singles.into_iter().chain([Avoid::everything()]) {
        if let Some(shortfall) = left(avoid).shortfall(Size::ALL) {
            println!("  warning   leaving out {}: {shortfall}", avoid.words());
        }
    }
}

fn preview(
    settings: &Settings,
    filter: ActFilter,
    avoid: Avoid,
    count: usize,
    seed: Option<u64>,
) -> anyhow::Result<()> {
    let mut catalogue = startup::load_catalogue(settings)?;
    catalogue.acts.retain(|a| avoid.allows(a));
    let seed = seed.unwrap_or_else(rand::random);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let matching = catalogue.acts.iter().filter(|a| filter.matches(a)).count();
    if matching == 0 {
        anyhow::bail!(
            "no act matches those filters; try fewer of --size, --way, --setting and --avoid"
        );
    }
    println!("{matching} act(s) match; the next {count} as they would be offered (seed {seed}):\n");
    let mut used = std::collections::HashSet::new();
    for n in 1..=count {
        let Some(pick) = choose_fresh(&catalogue.acts, &filter, &used, &mut rng) else {
            break;
        };
        if pick.new_round {
            println!("   (every matching act has been offered: a new round begins)\n");
            used.clear();
        }
        used.insert(pick.act.slug.as_str());
        let act = pick.act;
        let settings: Vec<&str> = act.settings.iter().map(|s| s.as_str()).collect();
        println!(
            "{n:>3}. {}\n     {} · {} · {}  [{}]{}\n",
            act.text,
            act.size.label(),
            act.way.label(),
            settings.join(", "),
            act.slug,
            if act.needs.is_empty() {
                String::new()
            } else {
                format!(" · needs {}", smallacts::acts::join_tags(&act.needs))
            }
        );
    }
    Ok(())
}
