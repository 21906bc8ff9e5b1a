//! Logging: pretty for people at a terminal, JSON for log collectors.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::settings::LogFormat;

/// Installs the global subscriber. `RUST_LOG`, when set, wins over the configured level so an
/// operator can turn up detail for one run without editing files.
pub fn init(format: LogFormat, level: &str) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(level));
    let output = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let output = match format {
        LogFormat::Pretty => output.compact().boxed(),
        LogFormat::Json => output.json().flatten_event(true).boxed(),
    };
    // A second init (tests, the demo) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .with(crate::discord::gateway::RefusalWatch)
        .try_init();
}
