//! [`StackedBars`] drawn: title, legend and total, a y axis with nice ticks, the bars stacked
//! bottom first, x labels thinned when they would crowd, and a friendly line when there is
//! nothing to show.

use super::text::{self, Weight};
use super::{
    BASELINE, CARD, CARD_BORDER, GRID, INK, LABEL_INK, Label, MUTED_INK, StackedBars, Svg,
    series_colour,
};

/// What an empty chart says.
pub const EMPTY_MESSAGE: &str = "No wins yet";

const PAD: f32 = 24.0;
const CARD_RADIUS: f32 = 16.0;
const TITLE_SIZE: f32 = 22.0;
const TITLE_BASELINE: f32 = PAD + 20.0;
const SMALL: f32 = 14.0;
const TICK: f32 = 13.0;
const LEGEND_BASELINE: f32 = TITLE_BASELINE + 32.0;
const LEGEND_ROW: f32 = 24.0;
const SWATCH: f32 = 14.0;
/// Room above the tallest bar for its total.
const HEADROOM: f32 = 34.0;
/// Room under the plot for the x labels.
const FOOT: f32 = 28.0;
const TICK_GAP: f32 = 8.0;
/// The least ink a non-zero segment shows, and the card-coloured gap between two segments
/// tall enough to spare it.
const MIN_SEGMENT: f32 = 2.0;
const SEGMENT_GAP: f32 = 1.5;
const PARTED_HEIGHT: f32 = 6.0;
const BAR_RADIUS: f32 = 4.0;
const MAX_BAR: f32 = 64.0;
/// The widest an x label may be before it is cut short.
const MAX_X_LABEL: f32 = 120.0;

/// The y axis: from 0 to `top` in steps of `step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Axis {
    pub top: u64,
    pub step: u64,
}

/// A "nice" axis (steps of 1, 2 or 5 × 10ⁿ, at most six of them) that fits `max`; 0..5 for
/// small or empty charts so a quiet week doesn't look like a full one.
pub(super) fn nice_axis(max: u64) -> Axis {
    if max <= 5 {
        return Axis { top: 5, step: 1 };
    }
    let mut magnitude = 1u128;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            let intervals = u128::from(max).div_ceil(step);
            if intervals <= 6 {
                let top = intervals * step;
                return match (u64::try_from(top), u64::try_from(step)) {
                    (Ok(top), Ok(step)) => Axis { top, step },
                    // Past u64: the largest whole steps that still fit.
                    _ => Axis {
                        top: max,
                        step: max / 5,
                    },
                };
            }
        }
        magnitude *= 10;
    }
}

/// Each category's values, one per series (missing values are 0), and its total.
fn stacks(chart: &StackedBars) -> Vec<(Vec<u64>, u64)> {
    (0..chart.categories.len())
        .map(|i| {
            let values: Vec<u64> = chart
                .series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0))
                .collect();
            let total = values.iter().fold(0u64, |sum, v| sum.saturating_add(*v));
            (values, total)
        })
        .collect()
}

/// Where things go.
struct Layout {
    width: f32,
    legend_rows: Vec<Vec<(usize, f32, String)>>,
    total_text: String,
    axis: Axis,
    ticks: Vec<(u64, String)>,
    plot_left: f32,
    plot_right: f32,
    plot_top: f32,
    plot_bottom: f32,
    slot: f32,
    bar_width: f32,
    /// Show every `label_step`th x label.
    label_step: usize,
    x_labels: Vec<String>,
}

impl Layout {
    fn new(chart: &StackedBars, stacks: &[(Vec<u64>, u64)], width: u32, height: u32) -> Layout {
        let (width, height) = (width as f32, height as f32);
        let grand: u64 = stacks.iter().fold(0, |s, (_, t)| s.saturating_add(*t));
        let total_text = format!("Total: {}", text::grouped(grand));
        let total_width = text::width(&total_text, SMALL, Weight::Regular);

        // The legend, in stacking order, wrapped onto more rows if it must.
        let mut legend_rows: Vec<Vec<(usize, f32, String)>> = vec![Vec::new()];
        let mut x = PAD;
        for (i, series) in chart.series.iter().enumerate() {
            let name = text::fit(
                &text::drawable(&series.name),
                (width - 2.0 * PAD - SWATCH - 6.0).min(220.0),
                SMALL,
                Weight::Regular,
            );
            let item = SWATCH + 6.0 + text::width(&name, SMALL, Weight::Regular);
            let right = if legend_rows.len() == 1 {
                width - PAD - total_width - 16.0
            } else {
                width - PAD
            };
            if x + item > right && x > PAD {
                legend_rows.push(Vec::new());
                x = PAD;
            }
            legend_rows.last_mut().expect("a row").push((i, x, name));
            x += item + 20.0;
        }
        let legend_bottom = LEGEND_BASELINE + LEGEND_ROW * (legend_rows.len() - 1) as f32;

        let max = stacks.iter().map(|(_, t)| *t).max().unwrap_or(0);
        let axis = nice_axis(max);
        let ticks: Vec<(u64, String)> = (0..=axis.top / axis.step)
            .map(|i| {
                let value = i * axis.step;
                (value, text::tick_label(value, axis.step))
            })
            .collect();
        let tick_width = ticks
            .iter()
            .map(|(_, l)| text::width(l, TICK, Weight::Regular))
            .fold(0.0, f32::max);
        let plot_left = PAD + tick_width + TICK_GAP;
        let plot_right = (width - PAD).max(plot_left + 1.0);
        let plot_top = legend_bottom + HEADROOM;
        let plot_bottom = (height - PAD - FOOT).max(plot_top + 1.0);

        let n = chart.categories.len().max(1);
        let slot = (plot_right - plot_left) / n as f32;
        let bar_width = if slot >= 4.0 {
            (slot * 0.62).min(MAX_BAR)
        } else {
            slot
        };
        let x_labels: Vec<String> = chart
            .categories
            .iter()
            .map(|c| text::fit(&text::drawable(c), MAX_X_LABEL, TICK, Weight::Regular))
            .collect();
        let widest = x_labels
            .iter()
            .map(|l| text::width(l, TICK, Weight::Regular))
            .fold(0.0, f32::max);
        let label_step = ((widest + 10.0) / slot).ceil().max(1.0) as usize;
        Layout {
            width,
            legend_rows,
            total_text,
            axis,
            ticks,
            plot_left,
            plot_right,
            plot_top,
            plot_bottom,
            slot,
            bar_width,
            label_step,
            x_labels,
        }
    }

    fn y_of(&self, value: u64) -> f32 {
        let fraction = (value as f64 / self.axis.top as f64) as f32;
        self.plot_bottom - fraction * (self.plot_bottom - self.plot_top)
    }

    fn centre(&self, index: usize) -> f32 {
        self.plot_left + self.slot * (index as f32 + 0.5)
    }

    /// Each non-empty segment of a bar, bottom first: series, top, bottom. Every value shows
    /// at least a sliver, and segments tall enough are parted by a card-coloured gap.
    fn segments(&self, values: &[u64]) -> Vec<(usize, f32, f32)> {
        let mut out: Vec<(usize, f32, f32)> = Vec::new();
        let mut cumulative = 0u64;
        let mut below = self.plot_bottom;
        let mut below_height = 0.0;
        for (series, &value) in values.iter().enumerate() {
            if value == 0 {
                continue;
            }
            let height = self.y_of(cumulative) - self.y_of(cumulative.saturating_add(value));
            cumulative = cumulative.saturating_add(value);
            let parted =
                !out.is_empty() && height >= PARTED_HEIGHT && below_height >= PARTED_HEIGHT;
            let bottom = below - if parted { SEGMENT_GAP } else { 0.0 };
            let top = self.y_of(cumulative).min(bottom - MIN_SEGMENT);
            out.push((series, top, bottom));
            below = top;
            below_height = height;
        }
        out
    }
}

pub(super) fn svg(chart: &StackedBars, width: u32, height: u32) -> String {
    let stacks = stacks(chart);
    let layout = Layout::new(chart, &stacks, width, height);
    let id = super::element_id(
        "chart",
        &[
            &chart.title,
            &chart.categories.join("\u{1f}"),
            &format!("{width}x{height}"),
        ],
    );
    let mut svg = Svg::open(width, height, &id, &chart.title, &chart.description);
    svg.card(width, height, CARD_RADIUS);

    let title = text::fit(
        &text::drawable(&chart.title),
        layout.width - 2.0 * PAD,
        TITLE_SIZE,
        Weight::Bold,
    );
    svg.text(Label {
        x: PAD,
        y: TITLE_BASELINE,
        size: TITLE_SIZE,
        weight: Weight::Bold,
        colour: INK,
        anchor: "start",
        text: &title,
    });

    for (row, items) in layout.legend_rows.iter().enumerate() {
        let baseline = LEGEND_BASELINE + LEGEND_ROW * row as f32;
        for (series, x, name) in items {
            svg.rect(
                *x,
                baseline - 11.5,
                SWATCH,
                SWATCH,
                3.0,
                series_colour(*series),
            );
            svg.text(Label {
                x: x + SWATCH + 6.0,
                y: baseline,
                size: SMALL,
                weight: Weight::Regular,
                colour: LABEL_INK,
                anchor: "start",
                text: name,
            });
        }
    }
    svg.text(Label {
        x: layout.width - PAD,
        y: LEGEND_BASELINE,
        size: SMALL,
        weight: Weight::Regular,
        colour: LABEL_INK,
        anchor: "end",
        text: &layout.total_text,
    });

    // Gridlines and ticks.
    for (value, label) in &layout.ticks {
        let y = layout.y_of(*value);
        if *value == 0 {
            svg.line(layout.plot_left, y, layout.plot_right, 1.5, BASELINE);
        } else {
            svg.line(layout.plot_left, y, layout.plot_right, 1.0, GRID);
        }
        svg.text(Label {
            x: layout.plot_left - TICK_GAP,
            y: y + 4.5,
            size: TICK,
            weight: Weight::Regular,
            colour: LABEL_INK,
            anchor: "end",
            text: label,
        });
    }

    // The bars, their totals where there is room, and the x labels.
    for (i, (values, total)) in stacks.iter().enumerate() {
        let centre = layout.centre(i);
        let left = centre - layout.bar_width / 2.0;
        let segments = layout.segments(values);
        let last = segments.len().saturating_sub(1);
        for (n, &(series, top, bottom)) in segments.iter().enumerate() {
            let colour = series_colour(series);
            if n == last && layout.bar_width >= 8.0 {
                svg.top_rounded(
                    left,
                    top,
                    layout.bar_width,
                    bottom - top,
                    BAR_RADIUS,
                    colour,
                );
            } else {
                svg.rect(left, top, layout.bar_width, bottom - top, 0.0, colour);
            }
        }
        if let Some(&(_, top, _)) = segments.last() {
            let label = text::short_number(*total, layout.slot - 4.0, TICK);
            if text::width(&label, TICK, Weight::Bold) <= layout.slot - 2.0 {
                svg.text(Label {
                    x: centre,
                    y: top - 6.0,
                    size: TICK,
                    weight: Weight::Bold,
                    colour: INK,
                    anchor: "middle",
                    text: &label,
                });
            }
        }
        if i % layout.label_step == 0 {
            svg.text(Label {
                x: centre,
                y: layout.plot_bottom + 20.0,
                size: TICK,
                weight: Weight::Regular,
                colour: LABEL_INK,
                anchor: "middle",
                text: &layout.x_labels[i],
            });
        }
    }

    if stacks.iter().all(|(_, total)| *total == 0) {
        let size = 18.0;
        let text_width = text::width(EMPTY_MESSAGE, size, Weight::Regular);
        let centre_x = (layout.plot_left + layout.plot_right) / 2.0;
        let centre_y = (layout.plot_top + layout.plot_bottom) / 2.0;
        svg.out.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"12\" fill=\"{}\" stroke=\"{}\"/>",
            super::num(centre_x - text_width / 2.0 - 20.0),
            super::num(centre_y - 22.0),
            super::num(text_width + 40.0),
            super::num(44.0),
            CARD.hex(),
            CARD_BORDER.hex()
        ));
        svg.text(Label {
            x: centre_x,
            y: centre_y + 6.5,
            size,
            weight: Weight::Regular,
            colour: MUTED_INK,
            anchor: "middle",
            text: EMPTY_MESSAGE,
        });
    }
    svg.close()
}

/// "a, b and c".
fn listed(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

pub(super) fn alt_text(chart: &StackedBars) -> String {
    let stacks = stacks(chart);
    let mut out = String::new();
    let title: String = text::one_line(&chart.title).chars().take(200).collect();
    if !title.is_empty() {
        out.push_str(&title);
        if !title.ends_with(['.', '!', '?', ':']) {
            out.push('.');
        }
        out.push(' ');
    }
    let names: Vec<String> = chart
        .series
        .iter()
        .map(|s| text::one_line(&s.name).chars().take(40).collect())
        .collect();
    let grand: u64 = stacks.iter().fold(0, |s, (_, t)| s.saturating_add(*t));
    let categories: Vec<String> = chart
        .categories
        .iter()
        .map(|c| text::one_line(c).chars().take(40).collect())
        .collect();
    match (categories.first(), categories.last()) {
        (Some(first), Some(last)) if categories.len() > 1 => out.push_str(&format!(
            "Stacked bar chart, {} bars from {first} to {last}",
            categories.len()
        )),
        (Some(only), _) => out.push_str(&format!("Stacked bar chart, one bar for {only}")),
        _ => out.push_str("Stacked bar chart with no bars"),
    }
    if !names.is_empty() {
        out.push_str(&format!(", stacked by {}", listed(&names)));
    }
    out.push_str(". ");
    if grand == 0 {
        out.push_str(&format!("{EMPTY_MESSAGE}: every bar is 0. Total 0."));
        return cap(out);
    }
    let totals: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let sum = stacks
                .iter()
                .fold(0u64, |s, (values, _)| s.saturating_add(values[i]));
            format!("{name} {sum}")
        })
        .collect();
    out.push_str(&format!("Totals: {}; {grand} in all. ", totals.join(", ")));
    let bars: Vec<String> = stacks
        .iter()
        .zip(&categories)
        .map(|((values, total), category)| {
            if *total == 0 || names.len() < 2 {
                return format!("{category} {total}");
            }
            let parts: Vec<String> = values
                .iter()
                .zip(&names)
                .filter(|(v, _)| **v > 0)
                .map(|(v, name)| format!("{v} {}", name.to_lowercase()))
                .collect();
            format!("{category} {total} ({})", parts.join(", "))
        })
        .collect();
    let detail = format!("{}.", bars.join(", "));
    if out.chars().count() + detail.chars().count() <= 1000 {
        out.push_str(&detail);
    } else if let Some((i, (_, top))) = stacks.iter().enumerate().max_by_key(|(_, (_, t))| *t) {
        out.push_str(&format!("The highest bar is {} with {top}.", categories[i]));
    }
    cap(out)
}

/// At most 1,000 characters.
fn cap(text: String) -> String {
    if text.chars().count() > 1000 {
        text.chars().take(997).collect::<String>() + "..."
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::samples::two_years;
    use super::super::testing::Pixels;
    use super::super::{PALETTE, Series, png};
    use super::*;

    fn week() -> StackedBars {
        StackedBars {
            title: "Wins this week, by size of act".into(),
            description: "Wins per day".into(),
            categories: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .map(String::from)
                .to_vec(),
            series: vec![
                Series {
                    name: "Smallest".into(),
                    values: vec![1, 0, 3, 0, 2, 0, 1],
                },
                Series {
                    name: "Smaller".into(),
                    values: vec![2, 0, 1, 4, 2, 0, 0],
                },
                Series {
                    name: "Small".into(),
                    values: vec![0, 0, 1, 2, 3, 1, 0],
                },
            ],
        }
    }

    /// The plot's region in pixels, roughly (for a chart with one legend row).
    fn plot(width: u32, height: u32) -> (u32, u32, u32, u32) {
        (
            70,
            (LEGEND_BASELINE + HEADROOM) as u32,
            width - PAD as u32,
            height - (PAD + FOOT) as u32,
        )
    }

    #[test]
    fn a_week_draws_at_its_size_with_bars_and_text() {
        let chart = week();
        let svg = chart.svg(800, 400);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\""));
        assert!(svg.contains("role=\"img\""));
        let id = super::super::element_id(
            "chart",
            &[&chart.title, &chart.categories.join("\u{1f}"), "800x400"],
        );
        assert!(
            svg.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")),
            "{svg}"
        );
        assert!(svg.contains(&format!(
            "<title id=\"{id}-title\">Wins this week, by size of act</title>"
        )));
        assert!(svg.contains(&format!("<desc id=\"{id}-desc\">Wins per day</desc>")));
        for label in ["Mon", "Sun", "Smallest", "Smaller", "Small", "Total: 23"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label} missing");
        }
        let pixels = Pixels::decode(&png(&svg).unwrap());
        assert_eq!((pixels.width, pixels.height), (800, 400));
        // The card is opaque inside and rounded (transparent) at the very corner.
        assert_eq!(pixels.at(400, 4), [0xFA, 0xFA, 0xF7, 255]);
        assert_eq!(pixels.at(0, 0)[3], 0);
        // Every series colour shows in the plot; title text is dark ink at the top left.
        for colour in &PALETTE[..3] {
            assert!(
                pixels.count(plot(800, 400), colour.0) > 50,
                "{}",
                colour.hex()
            );
        }
        assert!(pixels.dark_in((PAD as u32, 20, 400, 50), 200) > 200);
        // Tuesday's slot (no wins) has no bar colour in it.
        let slot = (800.0 - PAD - 60.0) / 7.0;
        let tuesday = (60 + (slot * 1.3) as u32, 140, 60 + (slot * 1.7) as u32, 340);
        for colour in &PALETTE[..3] {
            assert_eq!(pixels.count(tuesday, colour.0), 0);
        }
    }

    #[test]
    fn the_title_is_drawn_as_text() {
        let a = png(&week().svg(800, 400)).unwrap();
        let mut other = week();
        other.title = "Another title entirely".into();
        let b = png(&other.svg(800, 400)).unwrap();
        let (a, b) = (Pixels::decode(&a), Pixels::decode(&b));
        let title_area = (0, 0, 800, 56);
        assert_ne!(a.region(title_area), b.region(title_area));
        // ... and only the title changed.
        assert_eq!(a.region((0, 70, 800, 400)), b.region((0, 70, 800, 400)));
        // The same chart is the same picture every time.
        assert_eq!(
            png(&week().svg(800, 400)).unwrap(),
            png(&week().svg(800, 400)).unwrap()
        );
    }

    #[test]
    fn an_empty_chart_says_no_wins_yet() {
        let mut chart = week();
        for series in &mut chart.series {
            series.values = vec![0; 7];
        }
        let svg = chart.svg(800, 400);
        assert!(svg.contains(&format!(">{EMPTY_MESSAGE}</text>")));
        let pixels = Pixels::decode(&png(&svg).unwrap());
        for colour in &PALETTE {
            assert_eq!(
                pixels.count(plot(800, 400), colour.0),
                0,
                "a bar in an empty chart"
            );
        }
        // The message is drawn in the middle of the plot.
        assert!(pixels.dark_in((300, 180, 500, 260), 400) > 100);
        assert!(
            chart.alt_text().contains("No wins yet"),
            "{}",
            chart.alt_text()
        );
        assert!(chart.alt_text().ends_with("Total 0."));
        // No categories and no series at all draw too.
        let bare = StackedBars {
            title: String::new(),
            description: String::new(),
            categories: vec![],
            series: vec![],
        };
        let pixels = Pixels::decode(&png(&bare.svg(640, 320)).unwrap());
        assert_eq!((pixels.width, pixels.height), (640, 320));
        assert!(
            bare.alt_text()
                .starts_with("Stacked bar chart with no bars")
        );
    }

    #[test]
    fn a_hundred_and_four_weeks_fit_with_thinned_labels() {
        let chart = two_years();
        let svg = chart.svg(960, 360);
        let pixels = Pixels::decode(&png(&svg).unwrap());
        assert_eq!((pixels.width, pixels.height), (960, 360));
        // Every series shows, and bars reach across the plot.
        for colour in &PALETTE {
            assert!(
                pixels.count(plot(960, 360), colour.0) > 100,
                "{}",
                colour.hex()
            );
        }
        let first_quarter = (70, 100, 270, 320);
        let last_quarter = (736, 100, 936, 320);
        assert!(pixels.dark_in(first_quarter, 500) > 200);
        assert!(pixels.dark_in(last_quarter, 500) > 200);
        // Labels are thinned: some weeks are labelled, far from all.
        let labelled = chart
            .categories
            .iter()
            .filter(|c| svg.contains(&format!(">{c}</text>")))
            .count();
        assert!((8..=30).contains(&labelled), "{labelled} of 104 labelled");
        assert!(svg.contains(">3 Jun</text>"), "the first week is labelled");
        // Labels don't overlap: each shown one is at least its width from the next.
        let layout = Layout::new(&chart, &stacks(&chart), 960, 360);
        let widest = layout
            .x_labels
            .iter()
            .map(|l| text::width(l, TICK, Weight::Regular))
            .fold(0.0, f32::max);
        assert!(layout.slot * layout.label_step as f32 >= widest + 4.0);
        // No bar totals: there is no room for them.
        assert!(!svg.contains("font-weight=\"700\" fill=\"#1e2226\" text-anchor=\"middle\""));
        let alt = chart.alt_text();
        assert!(alt.contains("104 bars from 3 Jun to"), "{alt}");
        assert!(alt.chars().count() <= 1000);
        assert!(alt.contains("in all."), "{alt}");
    }

    #[test]
    fn hostile_text_is_escaped() {
        let mut chart = week();
        chart.title = "<script>alert(1)</script> & \"quotes\" 'too'".into();
        chart.description = "</desc><script>x</script>".into();
        chart.categories[0] = "<b>Mon</b>".into();
        chart.series[0].name = "]]><!--".into();
        let svg = chart.svg(800, 400);
        assert!(!svg.contains("<script>") && !svg.contains("<b>") && !svg.contains("<!--"));
        assert!(svg.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;"
        ));
        assert!(svg.contains("&lt;/desc&gt;&lt;script&gt;x&lt;/script&gt;"));
        // It is still a picture.
        let pixels = Pixels::decode(&png(&svg).unwrap());
        assert_eq!((pixels.width, pixels.height), (800, 400));
    }

    #[test]
    fn long_or_odd_text_stays_on_the_card() {
        let mut chart = week();
        chart.title = "A very long title (with punctuation: commas, dots - and more!) ".repeat(80)
            + "\u{1F389}";
        chart.series[0].name = "An extremely long series name that goes on and on ".repeat(5);
        let svg = chart.svg(800, 400);
        let pixels = Pixels::decode(&png(&svg).unwrap());
        // Nothing dark in the right margin: the title was cut short.
        assert_eq!(pixels.dark_in((800 - PAD as u32 + 4, 0, 800, 400), 200), 0);
        assert!(svg.contains('\u{2026}'));
        let (described, drawn) = svg.split_once("</desc>").unwrap();
        assert!(described.contains('\u{1F389}'), "the title keeps it");
        assert!(
            !drawn.contains('\u{1F389}'),
            "emoji are left out of what is drawn"
        );
        let alt = chart.alt_text();
        assert!(alt.chars().count() <= 1000);
        let odd = StackedBars {
            title: "Tabs\tand\nnew lines \u{2014} \u{201C}quotes\u{201D} \u{1F389}".into(),
            ..week()
        };
        assert!(
            odd.alt_text().starts_with("Tabs and new lines"),
            "{}",
            odd.alt_text()
        );
        Pixels::decode(&png(&odd.svg(800, 400)).unwrap());
    }

    #[test]
    fn huge_numbers_fit() {
        let mut chart = week();
        for series in &mut chart.series {
            series.values = vec![u64::from(u32::MAX); 7];
        }
        let wide = chart.svg(800, 400);
        assert!(
            wide.contains(">12,884,901,885</text>"),
            "in full where it fits"
        );
        let narrow = chart.svg(480, 300);
        assert!(narrow.contains(">12.9B</text>"), "bar totals are shortened");
        assert!(narrow.contains(">15B</text>"), "and so are ticks");
        Pixels::decode(&png(&narrow).unwrap());
        assert!(
            chart.alt_text().contains("90194313195 in all"),
            "{}",
            chart.alt_text()
        );
        // Even u64::MAX in every cell neither overflows nor panics.
        for series in &mut chart.series {
            series.values = vec![u64::MAX; 7];
        }
        Pixels::decode(&png(&chart.svg(800, 400)).unwrap());
        // One win among thousands still shows a sliver.
        let mut busy = week();
        busy.series[0].values = vec![4000, 1, 0, 0, 0, 0, 0];
        let layout = Layout::new(&busy, &stacks(&busy), 800, 400);
        let segments = layout.segments(&[1, 0, 0]);
        assert!(segments[0].2 - segments[0].1 >= MIN_SEGMENT);
    }

    #[test]
    fn alt_text_gives_the_totals_and_each_bar() {
        let alt = week().alt_text();
        assert!(alt.starts_with("Wins this week, by size of act. Stacked bar chart, 7 bars from Mon to Sun, stacked by Smallest, Smaller and Small."), "{alt}");
        assert!(
            alt.contains("Totals: Smallest 7, Smaller 9, Small 7; 23 in all."),
            "{alt}"
        );
        assert!(alt.contains("Mon 3 (1 smallest, 2 smaller)"), "{alt}");
        assert!(alt.contains("Tue 0,"), "{alt}");
        assert!(alt.ends_with("Sun 1 (1 smallest)."), "{alt}");
    }

    #[test]
    fn axes_are_nice_and_fit_the_tallest_bar() {
        let cases = [
            (0, 5, 1),
            (3, 5, 1),
            (5, 5, 1),
            (6, 6, 1),
            (7, 8, 2),
            (12, 12, 2),
            (13, 15, 5),
            (31, 40, 10),
            (99, 100, 20),
            (10_000, 10_000, 2_000),
            (10_001, 12_000, 2_000),
        ];
        for (max, top, step) in cases {
            assert_eq!(nice_axis(max), Axis { top, step }, "max {max}");
        }
        for max in (0..5_000).chain([u64::from(u32::MAX) * 3]) {
            let axis = nice_axis(max);
            assert!(
                axis.top >= max && axis.top.is_multiple_of(axis.step) && axis.top / axis.step <= 6
            );
            let mantissa = axis.step / 10u64.pow(axis.step.ilog10());
            assert!([1, 2, 5].contains(&mantissa), "step {}", axis.step);
        }
        let axis = nice_axis(u64::MAX);
        assert!(axis.top >= u64::MAX / 2 && axis.step > 0);
    }

    /// Leaves samples in the temp folder, to look at.
    #[test]
    fn writes_samples_to_look_at() {
        let dir = std::env::temp_dir();
        for (name, svg) in [
            ("chart-week.png", week().svg(800, 400)),
            ("chart-104-weeks.png", two_years().svg(960, 360)),
        ] {
            std::fs::write(dir.join(name), png(&svg).unwrap()).expect("temp dir is writable");
        }
    }
}
