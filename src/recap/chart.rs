//! The weekly recap's chart: wins per day of the week, stacked by size of act, drawn by
//! [`crate::charts`] (SVG, rasterised to an 800×400 PNG with the shipped fonts) on its own
//! card, so it reads the same on Discord's dark and light themes, with a short plain-text
//! description for screen readers.

use crate::acts::Size;
use crate::charts::{self, Series, StackedBars};

/// Wins for one day of the week (Monday first), split by size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub smallest: u32,
    pub smaller: u32,
    pub small: u32,
}

impl DayCounts {
    /// Wins of one size.
    pub fn get(self, size: Size) -> u32 {
        match size {
            Size::Smallest => self.smallest,
            Size::Smaller => self.smaller,
            Size::Small => self.small,
        }
    }

    /// All wins of the day (cannot overflow).
    pub fn total(self) -> u64 {
        u64::from(self.smallest) + u64::from(self.smaller) + u64::from(self.small)
    }
}

/// A rendered chart: PNG bytes, its size, and a text description for screen readers.
pub struct Chart {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub alt_text: String,
}

pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 400;

const DAY_SHORT: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAY_LONG: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The week as a chart: a bar a day, Monday first, stacked smallest, smaller, small.
pub fn week_bars(days: &[DayCounts; 7], title: &str) -> StackedBars {
    StackedBars {
        title: title.to_owned(),
        description: alt_text(days, title),
        categories: DAY_SHORT.map(String::from).to_vec(),
        series: Size::ALL
            .iter()
            .map(|&size| Series {
                name: size.label().to_owned(),
                values: days.iter().map(|d| u64::from(d.get(size))).collect(),
            })
            .collect(),
    }
}

/// Renders the week (index 0 = Monday .. 6 = Sunday). `title` e.g. "Wins this week".
pub fn render_week(days: &[DayCounts; 7], title: &str) -> Chart {
    let bars = week_bars(days, title);
    // Only a bug could fail here (the SVG and the fonts are the bot's own): say so, and send
    // the recap without a usable picture rather than not at all.
    let png = charts::png(&bars.svg(WIDTH, HEIGHT)).unwrap_or_else(|error| {
        tracing::error!(%error, "the recap's chart could not be drawn");
        Vec::new()
    });
    Chart {
        png,
        width: WIDTH,
        height: HEIGHT,
        alt_text: bars.description,
    }
}

/// One or two sentences for the attachment's description, naming each day in full (kept
/// under 1,000 characters; Discord allows 1,024).
fn alt_text(days: &[DayCounts; 7], title: &str) -> String {
    let mut out = String::new();
    let title: String = charts::one_line(title).chars().take(200).collect();
    if !title.is_empty() {
        out.push_str(&title);
        if !title.ends_with(['.', '!', '?', ':']) {
            out.push('.');
        }
        out.push(' ');
    }
    out.push_str("Bar chart of wins per day, stacked by size. ");
    let total: u64 = days.iter().map(|d| d.total()).sum();
    if total == 0 {
        out.push_str("No wins yet this week: every day from Monday to Sunday is 0. Total 0 wins.");
    } else {
        let parts: Vec<String> = days
            .iter()
            .zip(DAY_LONG)
            .map(|(day, name)| {
                if day.total() == 0 {
                    return format!("{name} 0");
                }
                let sizes: Vec<String> = Size::ALL
                    .iter()
                    .filter(|&&s| day.get(s) > 0)
                    .map(|&s| format!("{} {}", day.get(s), s.label().to_lowercase()))
                    .collect();
                format!("{name} {} ({})", day.total(), sizes.join(", "))
            })
            .collect();
        out.push_str(&parts.join(", "));
        let wins = if total == 1 { "win" } else { "wins" };
        out.push_str(&format!(". Total {total} {wins}."));
    }
    if out.chars().count() > 1000 {
        out = out.chars().take(997).collect::<String>() + "...";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::Pixels;

    const TITLE: &str = "Wins this week, by size of act";

    fn day(smallest: u32, smaller: u32, small: u32) -> DayCounts {
        DayCounts {
            smallest,
            smaller,
            small,
        }
    }

    fn sample_week() -> [DayCounts; 7] {
        [
            day(1, 2, 0),
            day(0, 0, 0),
            day(3, 1, 1),
            day(0, 4, 2),
            day(2, 2, 3),
            day(0, 0, 1),
            day(1, 0, 0),
        ]
    }

    /// Decodes a chart's PNG, checking its size on the way.
    fn decode(chart: &Chart) -> Pixels {
        let pixels = Pixels::decode(&chart.png);
        assert_eq!((pixels.width, pixels.height), (WIDTH, HEIGHT));
        assert_eq!((chart.width, chart.height), (WIDTH, HEIGHT));
        pixels
    }

    #[test]
    fn png_decodes_at_the_promised_size() {
        let chart = render_week(&sample_week(), TITLE);
        let pixels = decode(&chart);
        assert_eq!(pixels.rgba.len(), (WIDTH * HEIGHT * 4) as usize);
        // An opaque card inside, rounded (transparent) at the very corner.
        assert_eq!(pixels.at(400, 4), [0xFA, 0xFA, 0xF7, 255]);
        assert_eq!(pixels.at(0, 0)[3], 0);
        // Bars in each size's colour, and the title drawn as text.
        for i in 0..3 {
            let colour = charts::series_colour(i).0;
            assert!(pixels.count((60, 100, 780, 350), colour) > 50, "size {i}");
        }
        assert!(pixels.dark_in((20, 20, 420, 50), 200) > 200);
    }

    #[test]
    fn the_chart_is_the_week_as_stacked_bars() {
        let bars = week_bars(&sample_week(), TITLE);
        assert_eq!(bars.categories, DAY_SHORT.map(String::from).to_vec());
        let names: Vec<&str> = bars.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Smallest", "Smaller", "Small"]);
        assert_eq!(bars.series[1].values, vec![2, 0, 1, 4, 2, 0, 0]);
        assert_eq!(bars.description, alt_text(&sample_week(), TITLE));
    }

    #[test]
    fn alt_text_names_each_day_and_the_total() {
        let chart = render_week(&sample_week(), TITLE);
        let alt = &chart.alt_text;
        assert!(
            alt.starts_with("Wins this week, by size of act. Bar chart"),
            "{alt}"
        );
        for name in DAY_LONG {
            assert!(alt.contains(name), "{name} missing from {alt}");
        }
        assert!(alt.contains("Monday 3 (1 smallest, 2 smaller)"), "{alt}");
        assert!(alt.contains("Tuesday 0,"), "{alt}");
        assert!(
            alt.contains("Friday 7 (2 smallest, 2 smaller, 3 small)"),
            "{alt}"
        );
        assert!(alt.ends_with("Total 23 wins."), "{alt}");
        assert!(alt.len() < 1000);
    }

    #[test]
    fn an_empty_week_renders_and_says_so() {
        let empty = [DayCounts::default(); 7];
        let chart = render_week(&empty, TITLE);
        let pixels = decode(&chart);
        assert!(
            chart.alt_text.contains("No wins yet this week"),
            "{}",
            chart.alt_text
        );
        assert!(chart.alt_text.contains("Monday to Sunday"));
        assert!(chart.alt_text.ends_with("Total 0 wins."));
        // No bar is drawn, and the friendly line is.
        for i in 0..5 {
            let colour = charts::series_colour(i).0;
            assert_eq!(pixels.count((60, 100, 780, 350), colour), 0, "a bar");
        }
        assert!(pixels.dark_in((300, 180, 500, 260), 400) > 100);
    }

    #[test]
    fn a_huge_week_still_fits() {
        let huge = [day(u32::MAX, u32::MAX, u32::MAX); 7];
        let chart = render_week(&huge, TITLE);
        decode(&chart);
        assert!(chart.alt_text.len() < 1000);
        assert!(
            chart.alt_text.contains("Total 90194313195 wins."),
            "{}",
            chart.alt_text
        );
    }

    #[test]
    fn output_depends_only_on_the_input() {
        let a = render_week(&sample_week(), TITLE);
        let b = render_week(&sample_week(), TITLE);
        assert_eq!(a.png, b.png);
        assert_eq!(a.alt_text, b.alt_text);

        let mut other = sample_week();
        other[1].smaller = 1;
        let c = render_week(&other, TITLE);
        assert_ne!(a.png, c.png);
        assert_ne!(a.alt_text, c.alt_text);
        assert_ne!(a.png, render_week(&sample_week(), "Another title").png);
    }

    #[test]
    fn long_or_odd_titles_stay_on_the_card() {
        let title = "A very long title (with punctuation: commas, dots - and more!) ".repeat(80)
            + "\u{1F389}";
        let chart = render_week(&sample_week(), &title);
        let pixels = decode(&chart);
        assert_eq!(pixels.dark_in((WIDTH - 20, 0, WIDTH, HEIGHT), 200), 0);
        assert!(chart.alt_text.chars().count() <= 1000);
        assert!(chart.alt_text.contains("Sunday 1 (1 smallest)"));
        // Control characters and emoji neither panic nor reach the description raw.
        let odd = render_week(
            &sample_week(),
            "Tabs\tand\nnew lines \u{2014} \u{201C}quotes\u{201D} \u{1F389}",
        );
        assert!(
            odd.alt_text.starts_with("Tabs and new lines"),
            "{}",
            odd.alt_text
        );
        decode(&odd);
        assert!(!render_week(&sample_week(), "").alt_text.starts_with('.'));
    }

    /// Leaves a sample and an empty chart in the temp folder, to look at.
    #[test]
    fn writes_samples_to_look_at() {
        let dir = std::env::temp_dir();
        let sample = render_week(&sample_week(), TITLE);
        std::fs::write(dir.join("chart-sample.png"), sample.png).expect("temp dir is writable");
        let empty = render_week(&[DayCounts::default(); 7], TITLE);
        std::fs::write(dir.join("chart-empty.png"), empty.png).expect("temp dir is writable");
    }
}
