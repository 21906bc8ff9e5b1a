//! Drawing charts: the weekly recap's chart (800×400: its SVG built and rasterised, as
//! `Recap::chart` does), the Week's share card (1200×630) and a 104-week stacked bar chart
//! (960×360, two years by Way to Wellbeing, as the impact page shows), each built as SVG and
//! rasterised to PNG with resvg and the shipped fonts. Prints p50, p99 and max over repeated
//! runs, after the first (which also loads the fonts) is timed on its own.
//!
//!     cargo bench --bench chart_render
//!
//! Target: ≤ 20 ms for a chart's raster. Figures only, no assertions.

use std::hint::black_box;
use std::time::{Duration, Instant};

use smallacts::charts::{self, samples};
use smallacts::recap::DayCounts;
use smallacts::recap::chart::render_week;

const RUNS: usize = 300;

fn main() {
    let days = week();
    let card = charts::ShareCard {
        server_name: Some("Rosewood Care Home".into()),
        ..samples::share_card()
    };
    let two_years = samples::two_years();

    let started = Instant::now();
    black_box(render_week(&days, "Wins this week, by size of act"));
    println!(
        "first chart (loads the fonts): {:.1} ms",
        ms(started.elapsed())
    );
    println!("{RUNS} runs each, one thread:");
    measure("weekly chart   SVG + PNG 800×400 ", || {
        render_week(&days, "Wins this week, by size of act")
            .png
            .len()
    });
    measure("share card     SVG + PNG 1200×630", || {
        charts::png(&card.svg()).unwrap().len()
    });
    measure("104 weeks      SVG + PNG 960×360 ", || {
        charts::png(&two_years.svg(960, 360)).unwrap().len()
    });
    measure("104 weeks      SVG only          ", || {
        two_years.svg(960, 360).len()
    });
}

/// Runs `draw` RUNS times and prints the percentiles and the size of what it made.
fn measure(name: &str, mut draw: impl FnMut() -> usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        bytes = black_box(draw());
        times.push(started.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((RUNS as f64 * q).ceil() as usize).clamp(1, RUNS) - 1];
    println!(
        "  {name}  p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   {:>7} bytes",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(times[RUNS - 1]),
        bytes
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A busy week for one team.
fn week() -> [DayCounts; 7] {
    let day = |smallest, smaller, small| DayCounts {
        smallest,
        smaller,
        small,
    };
    [
        day(4, 6, 1),
        day(3, 2, 2),
        day(7, 3, 1),
        day(2, 8, 4),
        day(5, 5, 6),
        day(1, 0, 3),
        day(2, 1, 0),
    ]
}
