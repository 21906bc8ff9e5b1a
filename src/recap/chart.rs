//! The weekly recap's chart: wins per day of the week, stacked by size of act.
//!
//! Drawn fully in process into an 800×400 RGBA PNG, with a tiny built-in bitmap font, so
//! there are no font files, no plotting crate and nothing to fetch. The chart sits on its own
//! opaque rounded card, so it reads the same on Discord's dark and light themes, and comes
//! with a short plain-text description for screen readers.

use crate::acts::Size;

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

/// Renders the week (index 0 = Monday .. 6 = Sunday). `title` e.g. "Wins this week".
pub fn render_week(days: &[DayCounts; 7], title: &str) -> Chart {
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    draw(&mut canvas, days, title);
    Chart {
        png: canvas.encode(),
        width: WIDTH,
        height: HEIGHT,
        alt_text: alt_text(days, title),
    }
}

// ---------------------------------------------------------------------------------------------
// Look

type Rgb = [u8; 3];

/// The card behind everything: a soft off-white that stands out on Discord's dark theme and,
/// with its border, on the light one.
const CARD: Rgb = [0xF3, 0xF4, 0xEF];
const CARD_BORDER: Rgb = [0xCF, 0xD3, 0xCA];
const TITLE_INK: Rgb = [0x1E, 0x22, 0x26];
const LABEL_INK: Rgb = [0x4D, 0x53, 0x5A];
const MUTED_INK: Rgb = [0x6A, 0x70, 0x77];
const GRID: Rgb = [0xDB, 0xDE, 0xD6];
const BASELINE: Rgb = [0x9C, 0xA1, 0x99];

/// Bar colours, light to dark as the acts grow: a single-hue ramp that differs in lightness,
/// so it stays readable with any colour-vision deficiency (and in greyscale).
fn size_colour(size: Size) -> Rgb {
    match size {
        Size::Smallest => [0xA6, 0xDB, 0xA0],
        Size::Smaller => [0x4F, 0xA8, 0x5A],
        Size::Small => [0x1B, 0x6B, 0x36],
    }
}

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
const EMPTY_MESSAGE: &str = "No wins yet this week";

const PAD: i32 = 28;
const CARD_RADIUS: i32 = 16;
const TITLE_TOP: i32 = 22;
const LEGEND_TOP: i32 = 60;
const PLOT_TOP: i32 = 112;
const PLOT_BOTTOM: i32 = 344;
/// Gap between a tick label and the plot.
const TICK_GAP: i32 = 10;
/// Card-coloured gap between stacked segments at least `PARTED_HEIGHT` tall, and the least
/// ink a non-zero segment shows.
const SEGMENT_GAP: i32 = 2;
const PARTED_HEIGHT: i32 = 8;
const MIN_SEGMENT: i32 = 2;
const BAR_RADIUS: i32 = 5;
/// Scale of the small text (labels, legend, ticks): 5×7 glyphs drawn 2×.
const SMALL: i32 = 2;

// ---------------------------------------------------------------------------------------------
// Layout

/// The y axis: from 0 to `top` in steps of `step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Axis {
    top: u64,
    step: u64,
}

/// A "nice" axis (steps of 1, 2 or 5 × 10ⁿ, at most six of them) that fits `max`; 0..5 for
/// small or empty weeks so a quiet week doesn't look like a full one.
fn nice_axis(max: u64) -> Axis {
    if max <= 5 {
        return Axis { top: 5, step: 1 };
    }
    let mut magnitude = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            let intervals = max.div_ceil(step);
            if intervals <= 6 {
                return Axis {
                    top: intervals * step,
                    step,
                };
            }
        }
        magnitude *= 10;
    }
}

/// Where things go, computed once for drawing (and for the tests to look at).
struct Layout {
    axis: Axis,
    ticks: Vec<(u64, String)>,
    plot_left: i32,
    plot_right: i32,
    /// Left edge and width of each day's bar.
    bars: [(i32, i32); 7],
    slot_width: i32,
}

impl Layout {
    fn new(days: &[DayCounts; 7]) -> Layout {
        let max = days.iter().map(|d| d.total()).max().unwrap_or(0);
        let axis = nice_axis(max);
        let ticks: Vec<(u64, String)> = (0..=axis.top / axis.step)
            .map(|i| {
                let value = i * axis.step;
                (value, tick_label(value, axis.step))
            })
            .collect();
        let label_width = ticks
            .iter()
            .map(|(_, label)| text_width(label, SMALL))
            .max()
            .unwrap_or(0);
        let plot_left = PAD + label_width + TICK_GAP;
        let plot_right = WIDTH as i32 - PAD;
        let slot = f64::from(plot_right - plot_left) / 7.0;
        let bar_width = (slot * 0.56).round().min(60.0) as i32;
        let mut bars = [(0, 0); 7];
        for (i, bar) in bars.iter_mut().enumerate() {
            let centre = f64::from(plot_left) + slot * (i as f64 + 0.5);
            *bar = (
                (centre - f64::from(bar_width) / 2.0).round() as i32,
                bar_width,
            );
        }
        Layout {
            axis,
            ticks,
            plot_left,
            plot_right,
            bars,
            slot_width: slot.floor() as i32,
        }
    }

    /// The pixel row of a value on the y axis.
    fn y_of(&self, value: u64) -> i32 {
        let fraction = value as f64 / self.axis.top as f64;
        PLOT_BOTTOM - (fraction * f64::from(PLOT_BOTTOM - PLOT_TOP)).round() as i32
    }

    /// Each non-empty segment of a day's bar, bottom (smallest) first: size, top row, bottom
    /// row (exclusive). Every size present shows at least a sliver, and segments tall enough
    /// to spare it are parted by a card-coloured gap.
    fn segments(&self, day: DayCounts) -> Vec<(Size, i32, i32)> {
        let mut out: Vec<(Size, i32, i32)> = Vec::new();
        let mut cumulative = 0u64;
        let mut below = PLOT_BOTTOM;
        let mut below_height = 0;
        for &size in Size::ALL {
            let count = u64::from(day.get(size));
            if count == 0 {
                continue;
            }
            let height = self.y_of(cumulative) - self.y_of(cumulative + count);
            cumulative += count;
            let parted =
                !out.is_empty() && height >= PARTED_HEIGHT && below_height >= PARTED_HEIGHT;
            let bottom = below - if parted { SEGMENT_GAP } else { 0 };
            let top = self.y_of(cumulative).min(bottom - MIN_SEGMENT);
            out.push((size, top, bottom));
            below = top;
            below_height = height;
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing

fn draw(canvas: &mut Canvas, days: &[DayCounts; 7], title: &str) {
    let card = Rect {
        left: 0,
        top: 0,
        right: WIDTH as i32,
        bottom: HEIGHT as i32,
    };
    canvas.bordered(card, CARD_RADIUS, CARD_BORDER, CARD);

    draw_title(canvas, title);

    // Legend, under the title, in stacking order.
    let mut x = PAD;
    for &size in Size::ALL {
        let swatch = Rect {
            left: x,
            top: LEGEND_TOP,
            right: x + 14,
            bottom: LEGEND_TOP + 14,
        };
        canvas.fill_rounded(swatch, 3, Corners::ALL, size_colour(size));
        x += 14 + 7;
        x += canvas.text(x, LEGEND_TOP, size.label(), SMALL, LABEL_INK) + 22;
    }

    // The week's total, right-aligned on the legend's row.
    let total: u64 = days.iter().map(|d| d.total()).sum();
    let total_text = format!("Total: {}", grouped(total));
    let total_x = WIDTH as i32 - PAD - text_width(&total_text, SMALL);
    canvas.text(total_x, LEGEND_TOP, &total_text, SMALL, LABEL_INK);

    let layout = Layout::new(days);

    // Gridlines and tick labels.
    for (value, label) in &layout.ticks {
        let y = layout.y_of(*value);
        if *value == 0 {
            canvas.fill_rect(layout.plot_left, y - 1, layout.plot_right, y + 1, BASELINE);
        } else {
            canvas.fill_rect(layout.plot_left, y, layout.plot_right, y + 1, GRID);
        }
        let label_x = layout.plot_left - TICK_GAP - text_width(label, SMALL);
        canvas.text(label_x, y - 7, label, SMALL, LABEL_INK);
    }

    // Bars, their totals, and the day names.
    for (i, day) in days.iter().enumerate() {
        let (bar_x, bar_w) = layout.bars[i];
        let segments = layout.segments(*day);
        let last = segments.len().saturating_sub(1);
        for (n, &(size, top, bottom)) in segments.iter().enumerate() {
            let corners = if n == last {
                Corners::TOP
            } else {
                Corners::NONE
            };
            let radius = BAR_RADIUS.min((bottom - top) / 2);
            let segment = Rect {
                left: bar_x,
                top,
                right: bar_x + bar_w,
                bottom,
            };
            canvas.fill_rounded(segment, radius, corners, size_colour(size));
        }
        let centre = bar_x + bar_w / 2;
        if let Some(&(_, top, _)) = segments.last() {
            let label = bar_label(day.total(), layout.slot_width - 4);
            let label_w = text_width(&label, SMALL);
            canvas.text(centre - label_w / 2, top - 20, &label, SMALL, TITLE_INK);
        }
        let name_w = text_width(DAY_SHORT[i], SMALL);
        canvas.text(
            centre - name_w / 2,
            PLOT_BOTTOM + 12,
            DAY_SHORT[i],
            SMALL,
            LABEL_INK,
        );
    }

    if days.iter().all(|d| d.total() == 0) {
        let scale = 3;
        let text_w = text_width(EMPTY_MESSAGE, scale);
        let centre_x = (layout.plot_left + layout.plot_right) / 2;
        let centre_y = (PLOT_TOP + PLOT_BOTTOM) / 2;
        let (x0, y0) = (centre_x - text_w / 2, centre_y - 7 * scale / 2);
        let pill = Rect {
            left: x0 - 18,
            top: y0 - 14,
            right: x0 + text_w + 18,
            bottom: y0 + 7 * scale + 14,
        };
        canvas.bordered(pill, 12, CARD_BORDER, CARD);
        canvas.text(x0, y0, EMPTY_MESSAGE, scale, MUTED_INK);
    }
}

/// The title, 3× if it fits, else 2×, else cut short with "...".
fn draw_title(canvas: &mut Canvas, title: &str) {
    let title = clean(title);
    let room = WIDTH as i32 - 2 * PAD;
    if text_width(&title, 3) <= room {
        canvas.text(PAD, TITLE_TOP, &title, 3, TITLE_INK);
        return;
    }
    if text_width(&title, 2) <= room {
        canvas.text(PAD, TITLE_TOP + 4, &title, 2, TITLE_INK);
        return;
    }
    // Every glyph advances at least two columns, so no more characters than this can show.
    let mut short: String = title.chars().take((room / 4) as usize).collect();
    while !short.is_empty() && text_width(&format!("{short}..."), 2) > room {
        short.pop();
    }
    let short = format!("{}...", short.trim_end());
    canvas.text(PAD, TITLE_TOP + 4, &short, 2, TITLE_INK);
}

/// One line of printable text: whitespace and control characters become spaces, runs of
/// spaces collapse, and the ends are trimmed.
fn clean(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// "12,345".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A tick label: "5", "10,000", or "200k" / "4M" / "2B" once it would be long.
fn tick_label(value: u64, step: u64) -> String {
    let full = grouped(value);
    if full.len() <= 6 {
        return full;
    }
    for (unit, suffix) in [(1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")] {
        if step.is_multiple_of(unit) {
            return format!("{}{suffix}", grouped(value / unit));
        }
    }
    full
}

/// A bar's total: in full if it fits in `room` pixels, else one decimal ("12.9B").
fn bar_label(n: u64, room: i32) -> String {
    let full = grouped(n);
    if text_width(&full, SMALL) <= room {
        return full;
    }
    let units = [(1_000u64, "k"), (1_000_000, "M"), (1_000_000_000, "B")];
    let mut chosen = 0;
    for (i, (unit, _)) in units.iter().enumerate() {
        if n >= *unit {
            chosen = i;
        }
    }
    loop {
        let (unit, suffix) = units[chosen];
        let tenths = (u128::from(n) * 10 + u128::from(unit) / 2) / u128::from(unit);
        if tenths >= 10_000 && chosen + 1 < units.len() {
            chosen += 1;
            continue;
        }
        return if tenths.is_multiple_of(10) {
            format!("{}{suffix}", tenths / 10)
        } else {
            format!("{}.{}{suffix}", tenths / 10, tenths % 10)
        };
    }
}

// ---------------------------------------------------------------------------------------------
// Words for screen readers

/// One or two sentences for the attachment's description (kept under 1,000 characters;
/// Discord allows 1,024).
fn alt_text(days: &[DayCounts; 7], title: &str) -> String {
    let mut out = String::new();
    let title: String = clean(title).chars().take(200).collect();
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

// ---------------------------------------------------------------------------------------------
// Canvas

/// The pixels [left, right) × [top, bottom).
#[derive(Clone, Copy)]
struct Rect {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

/// Which corners of a rectangle are rounded.
#[derive(Clone, Copy)]
struct Corners {
    top: bool,
    bottom: bool,
}

impl Corners {
    const ALL: Corners = Corners {
        top: true,
        bottom: true,
    };
    const TOP: Corners = Corners {
        top: true,
        bottom: false,
    };
    const NONE: Corners = Corners {
        top: false,
        bottom: false,
    };
}

/// RGBA pixels, straight (not premultiplied) alpha, starting fully transparent.
struct Canvas {
    width: i32,
    height: i32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            width: width as i32,
            height: height as i32,
            pixels: vec![0; width as usize * height as usize * 4],
        }
    }

    /// Paints `colour` over one pixel with `coverage` in 0..=1 (clipped to the canvas).
    fn blend(&mut self, x: i32, y: i32, colour: Rgb, coverage: f32) {
        if x < 0 || y < 0 || x >= self.width || y >= self.height || coverage <= 0.0 {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let px = &mut self.pixels[i..i + 4];
        if coverage >= 1.0 {
            px.copy_from_slice(&[colour[0], colour[1], colour[2], 255]);
            return;
        }
        let below = f32::from(px[3]) / 255.0;
        let alpha = coverage + below * (1.0 - coverage);
        for k in 0..3 {
            let mixed = (f32::from(colour[k]) * coverage
                + f32::from(px[k]) * below * (1.0 - coverage))
                / alpha;
            px[k] = mixed.round() as u8;
        }
        px[3] = (alpha * 255.0).round() as u8;
    }

    /// Fills the rectangle [x0, x1) × [y0, y1).
    fn fill_rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, colour: Rgb) {
        for y in y0.max(0)..y1.min(self.height) {
            for x in x0.max(0)..x1.min(self.width) {
                self.blend(x, y, colour, 1.0);
            }
        }
    }

    /// Fills a rectangle with the chosen corners rounded to `radius`, anti-aliased by sampling
    /// 4×4 points in each corner pixel.
    fn fill_rounded(&mut self, rect: Rect, radius: i32, corners: Corners, colour: Rgb) {
        let Rect {
            left: x0,
            top: y0,
            right: x1,
            bottom: y1,
        } = rect;
        let r = radius.max(0).min((x1 - x0) / 2).min((y1 - y0) / 2);
        for y in y0.max(0)..y1.min(self.height) {
            let corner_row = (corners.top && y < y0 + r) || (corners.bottom && y >= y1 - r);
            for x in x0.max(0)..x1.min(self.width) {
                let in_corner = corner_row && (x < x0 + r || x >= x1 - r);
                if !in_corner {
                    self.blend(x, y, colour, 1.0);
                    continue;
                }
                let cx = if x < x0 + r { x0 + r } else { x1 - r } as f32;
                let cy = if y < y0 + r { y0 + r } else { y1 - r } as f32;
                let mut inside = 0;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let dx = x as f32 + (sx as f32 + 0.5) / 4.0 - cx;
                        let dy = y as f32 + (sy as f32 + 0.5) / 4.0 - cy;
                        if dx * dx + dy * dy <= (r * r) as f32 {
                            inside += 1;
                        }
                    }
                }
                self.blend(x, y, colour, inside as f32 / 16.0);
            }
        }
    }

    /// A rounded rectangle with a one-pixel border.
    fn bordered(&mut self, rect: Rect, radius: i32, border: Rgb, fill: Rgb) {
        self.fill_rounded(rect, radius, Corners::ALL, border);
        let inner = Rect {
            left: rect.left + 1,
            top: rect.top + 1,
            right: rect.right - 1,
            bottom: rect.bottom - 1,
        };
        self.fill_rounded(inner, radius - 1, Corners::ALL, fill);
    }

    /// Draws one line of text with its cap height's top at `y`; returns its width.
    fn text(&mut self, x: i32, y: i32, text: &str, scale: i32, colour: Rgb) -> i32 {
        let mut pen = x;
        for c in text.chars() {
            let (glyph, left, width) = glyph(c);
            for (row, bits) in glyph.iter().enumerate() {
                for col in left..left + width {
                    if bits & (0b10000 >> col) != 0 {
                        let px = pen + (col - left) * scale;
                        let py = y + row as i32 * scale;
                        self.fill_rect(px, py, px + scale, py + scale, colour);
                    }
                }
            }
            pen += (width + 1) * scale;
        }
        (pen - x - scale).max(0)
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 * 1024);
        let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        // Writing a well-formed image into memory cannot fail.
        let mut writer = encoder.write_header().expect("PNG header");
        writer.write_image_data(&self.pixels).expect("PNG data");
        writer.finish().expect("PNG end");
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Font: 5×7 glyphs (plus two rows for descenders), printable ASCII

/// Rows top to bottom: seven down to the baseline, then up to two descender rows.
type Glyph = [u8; 9];

/// Printable ASCII from ' ' to '~', in order: rows of 5 columns, '#' ink and '.' blank,
/// separated by '|'. Checked when compiling.
#[rustfmt::skip]
const GLYPH_ART: [&str; 95] = [
    /*   */ ".....|.....|.....|.....|.....|.....|.....",
    /* ! */ "..#..|..#..|..#..|..#..|..#..|.....|..#..",
    /* " */ ".#.#.|.#.#.|.....|.....|.....|.....|.....",
    /* # */ ".#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.",
    /* $ */ "..#..|.####|#.#..|.###.|..#.#|####.|..#..",
    /* % */ "##...|##..#|...#.|..#..|.#...|#..##|...##",
    /* & */ ".##..|#..#.|#.#..|.#...|#.#.#|#..#.|.##.#",
    /* ' */ "..#..|..#..|.....|.....|.....|.....|.....",
    /* ( */ "...#.|..#..|.#...|.#...|.#...|..#..|...#.",
    /* ) */ ".#...|..#..|...#.|...#.|...#.|..#..|.#...",
    /* * */ ".....|..#..|#.#.#|.###.|#.#.#|..#..|.....",
    /* + */ ".....|..#..|..#..|#####|..#..|..#..|.....",
    /* , */ ".....|.....|.....|.....|.....|.##..|..#..|.#...|.....",
    /* - */ ".....|.....|.....|.###.|.....|.....|.....",
    /* . */ ".....|.....|.....|.....|.....|.##..|.##..",
    /* / */ ".....|....#|...#.|..#..|.#...|#....|.....",
    /* 0 */ ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",
    /* 1 */ "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
    /* 2 */ ".###.|#...#|....#|...#.|..#..|.#...|#####",
    /* 3 */ "#####|...#.|..#..|...#.|....#|#...#|.###.",
    /* 4 */ "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",
    /* 5 */ "#####|#....|####.|....#|....#|#...#|.###.",
    /* 6 */ "..##.|.#...|#....|####.|#...#|#...#|.###.",
    /* 7 */ "#####|....#|...#.|..#..|.#...|.#...|.#...",
    /* 8 */ ".###.|#...#|#...#|.###.|#...#|#...#|.###.",
    /* 9 */ ".###.|#...#|#...#|.####|....#|...#.|.##..",
    /* : */ ".....|.##..|.##..|.....|.##..|.##..|.....",
    /* ; */ ".....|.##..|.##..|.....|.##..|.##..|..#..|.#...|.....",
    /* < */ "...#.|..#..|.#...|#....|.#...|..#..|...#.",
    /* = */ ".....|.....|#####|.....|#####|.....|.....",
    /* > */ ".#...|..#..|...#.|....#|...#.|..#..|.#...",
    /* ? */ ".###.|#...#|....#|...#.|..#..|.....|..#..",
    /* @ */ ".###.|#...#|....#|.##.#|#.#.#|#.#.#|.###.",
    /* A */ ".###.|#...#|#...#|#####|#...#|#...#|#...#",
    /* B */ "####.|#...#|#...#|####.|#...#|#...#|####.",
    /* C */ ".###.|#...#|#....|#....|#....|#...#|.###.",
    /* D */ "####.|#...#|#...#|#...#|#...#|#...#|####.",
    /* E */ "#####|#....|#....|####.|#....|#....|#####",
    /* F */ "#####|#....|#....|####.|#....|#....|#....",
    /* G */ ".###.|#...#|#....|#.###|#...#|#...#|.####",
    /* H */ "#...#|#...#|#...#|#####|#...#|#...#|#...#",
    /* I */ ".###.|..#..|..#..|..#..|..#..|..#..|.###.",
    /* J */ "..###|...#.|...#.|...#.|...#.|#..#.|.##..",
    /* K */ "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",
    /* L */ "#....|#....|#....|#....|#....|#....|#####",
    /* M */ "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",
    /* N */ "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#",
    /* O */ ".###.|#...#|#...#|#...#|#...#|#...#|.###.",
    /* P */ "####.|#...#|#...#|####.|#....|#....|#....",
    /* Q */ ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",
    /* R */ "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
    /* S */ ".###.|#...#|#....|.###.|....#|#...#|.###.",
    /* T */ "#####|..#..|..#..|..#..|..#..|..#..|..#..",
    /* U */ "#...#|#...#|#...#|#...#|#...#|#...#|.###.",
    /* V */ "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",
    /* W */ "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",
    /* X */ "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",
    /* Y */ "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..",
    /* Z */ "#####|....#|...#.|..#..|.#...|#....|#####",
    /* [ */ ".###.|.#...|.#...|.#...|.#...|.#...|.###.",
    /* \ */ ".....|#....|.#...|..#..|...#.|....#|.....",
    /* ] */ ".###.|...#.|...#.|...#.|...#.|...#.|.###.",
    /* ^ */ "..#..|.#.#.|#...#|.....|.....|.....|.....",
    /* _ */ ".....|.....|.....|.....|.....|.....|#####",
    /* ` */ ".#...|..#..|.....|.....|.....|.....|.....",
    /* a */ ".....|.....|.###.|....#|.####|#...#|.####",
    /* b */ "#....|#....|#.##.|##..#|#...#|#...#|####.",
    /* c */ ".....|.....|.###.|#....|#....|#...#|.###.",
    /* d */ "....#|....#|.##.#|#..##|#...#|#...#|.####",
    /* e */ ".....|.....|.###.|#...#|#####|#....|.###.",
    /* f */ "..##.|.#..#|.#...|###..|.#...|.#...|.#...",
    /* g */ ".....|.....|.####|#...#|#...#|#...#|.####|....#|.###.",
    /* h */ "#....|#....|#.##.|##..#|#...#|#...#|#...#",
    /* i */ "..#..|.....|.##..|..#..|..#..|..#..|.###.",
    /* j */ "...#.|.....|..##.|...#.|...#.|...#.|...#.|#..#.|.##..",
    /* k */ "#....|#....|#..#.|#.#..|##...|#.#..|#..#.",
    /* l */ ".##..|..#..|..#..|..#..|..#..|..#..|.###.",
    /* m */ ".....|.....|##.#.|#.#.#|#.#.#|#.#.#|#.#.#",
    /* n */ ".....|.....|#.##.|##..#|#...#|#...#|#...#",
    /* o */ ".....|.....|.###.|#...#|#...#|#...#|.###.",
    /* p */ ".....|.....|####.|#...#|#...#|#...#|####.|#....|#....",
    /* q */ ".....|.....|.####|#...#|#...#|#...#|.####|....#|....#",
    /* r */ ".....|.....|#.##.|##..#|#....|#....|#....",
    /* s */ ".....|.....|.###.|#....|.###.|....#|####.",
    /* t */ ".#...|.#...|###..|.#...|.#...|.#..#|..##.",
    /* u */ ".....|.....|#...#|#...#|#...#|#..##|.##.#",
    /* v */ ".....|.....|#...#|#...#|#...#|.#.#.|..#..",
    /* w */ ".....|.....|#...#|#...#|#.#.#|#.#.#|.#.#.",
    /* x */ ".....|.....|#...#|.#.#.|..#..|.#.#.|#...#",
    /* y */ ".....|.....|#...#|#...#|#...#|#...#|.####|....#|.###.",
    /* z */ ".....|.....|#####|...#.|..#..|.#...|#####",
    /* { */ "...#.|..#..|..#..|.#...|..#..|..#..|...#.",
    /* | */ "..#..|..#..|..#..|..#..|..#..|..#..|..#..",
    /* } */ ".#...|..#..|..#..|...#.|..#..|..#..|.#...",
    /* ~ */ ".....|.....|.#...|#.#.#|...#.|.....|.....",
];

/// Drawn for characters the font lacks.
const UNKNOWN_ART: &str = ".....|####.|#..#.|#..#.|#..#.|#..#.|####.";

const fn parse_glyph(art: &str) -> Glyph {
    let bytes = art.as_bytes();
    let mut glyph = [0u8; 9];
    let (mut row, mut col, mut i) = (0, 0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'|' => {
                assert!(col == 5, "glyph rows are 5 wide");
                row += 1;
                col = 0;
            }
            b'#' => {
                glyph[row] |= 0b10000 >> col;
                col += 1;
            }
            b'.' => col += 1,
            _ => panic!("glyph art uses only '#', '.' and '|'"),
        }
        i += 1;
    }
    assert!(
        col == 5 && (row == 6 || row == 8),
        "glyphs have 7 or 9 rows"
    );
    glyph
}

const FONT: [Glyph; 95] = {
    let mut font = [[0u8; 9]; 95];
    let mut i = 0;
    while i < 95 {
        font[i] = parse_glyph(GLYPH_ART[i]);
        i += 1;
    }
    font
};
const UNKNOWN: Glyph = parse_glyph(UNKNOWN_ART);

/// A character's glyph with the columns it spans (first, count): letters and punctuation are
/// trimmed to their ink, digits keep all five so numbers line up, a space is three wide.
fn glyph(c: char) -> (&'static Glyph, i32, i32) {
    let c = match c {
        '\u{2018}' | '\u{2019}' => '\'',
        '\u{201C}' | '\u{201D}' => '"',
        '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        c if c.is_whitespace() => ' ',
        c => c,
    };
    let glyph = match c {
        ' '..='~' => &FONT[c as usize - ' ' as usize],
        _ => &UNKNOWN,
    };
    if c == ' ' {
        return (glyph, 0, 3);
    }
    if c.is_ascii_digit() {
        return (glyph, 0, 5);
    }
    let ink = glyph.iter().fold(0u8, |acc, row| acc | row);
    let first = (0..5).find(|col| ink & (0b10000 >> col) != 0).unwrap_or(0);
    let last = (0..5)
        .rev()
        .find(|col| ink & (0b10000 >> col) != 0)
        .unwrap_or(4);
    (glyph, first, last - first + 1)
}

/// Width in pixels of one line of text at `scale`.
fn text_width(text: &str, scale: i32) -> i32 {
    let columns: i32 = text.chars().map(|c| glyph(c).2 + 1).sum();
    ((columns - 1) * scale).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Decodes a chart's PNG into RGBA bytes, checking its header on the way.
    fn decode(chart: &Chart) -> Vec<u8> {
        let decoder = png::Decoder::new(std::io::Cursor::new(&chart.png));
        let mut reader = decoder.read_info().expect("a valid PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut pixels).expect("decodable pixels");
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert_eq!((chart.width, chart.height), (WIDTH, HEIGHT));
        assert_eq!(info.color_type, png::ColorType::Rgba);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        pixels.truncate(info.buffer_size());
        pixels
    }

    fn pixel(pixels: &[u8], x: i32, y: i32) -> [u8; 4] {
        let i = (y as usize * WIDTH as usize + x as usize) * 4;
        [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]]
    }

    fn opaque(colour: Rgb) -> [u8; 4] {
        [colour[0], colour[1], colour[2], 255]
    }

    /// The colours seen down the middle of a day's bar, from just above the plot to its floor.
    fn bar_column(pixels: &[u8], layout: &Layout, index: usize) -> Vec<[u8; 4]> {
        let (x, width) = layout.bars[index];
        (PLOT_TOP - 10..PLOT_BOTTOM)
            .map(|y| pixel(pixels, x + width / 2, y))
            .collect()
    }

    #[test]
    fn png_decodes_at_the_promised_size() {
        let chart = render_week(&sample_week(), TITLE);
        let pixels = decode(&chart);
        assert_eq!(pixels.len(), (WIDTH * HEIGHT * 4) as usize);
        // An opaque card inside, rounded (transparent) at the very corner.
        assert_eq!(pixel(&pixels, 400, 2), opaque(CARD));
        assert_eq!(pixel(&pixels, 0, 0)[3], 0);
        assert_eq!(pixel(&pixels, 0, 200), opaque(CARD_BORDER));
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

        let layout = Layout::new(&empty);
        assert_eq!(layout.axis, Axis { top: 5, step: 1 });
        let labels: Vec<&str> = layout.ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["0", "1", "2", "3", "4", "5"]);

        // The friendly line is drawn in the plot, and no bar is.
        let mut message_ink = 0;
        for y in PLOT_TOP..PLOT_BOTTOM {
            for x in layout.plot_left..layout.plot_right {
                let p = pixel(&pixels, x, y);
                assert!(
                    Size::ALL.iter().all(|&s| p != opaque(size_colour(s))),
                    "bar at {x},{y}"
                );
                message_ink += usize::from(p == opaque(MUTED_INK));
            }
        }
        assert!(message_ink > 500, "{message_ink} pixels of message");
    }

    #[test]
    fn a_huge_week_still_fits() {
        let huge = [day(u32::MAX, u32::MAX, u32::MAX); 7];
        let chart = render_week(&huge, TITLE);
        decode(&chart);
        let layout = Layout::new(&huge);
        let max = 3 * u64::from(u32::MAX);
        assert!(layout.axis.top >= max);
        assert!(layout.axis.top / layout.axis.step <= 6);
        assert!(
            layout.plot_left < 100,
            "tick labels too wide: {}",
            layout.plot_left
        );
        let label = bar_label(max, layout.slot_width - 4);
        assert_eq!(label, "12.9B");
        assert!(text_width(&label, SMALL) <= layout.slot_width - 4);
        assert!(chart.alt_text.len() < 1000);
        assert!(
            chart.alt_text.contains("Total 90194313195 wins."),
            "{}",
            chart.alt_text
        );

        // Ten thousand in one day: ticks in thousands, every bar label in full.
        let busy = [
            day(4000, 3000, 3000),
            day(1, 0, 0),
            day(0, 0, 0),
            day(0, 0, 0),
            day(0, 0, 0),
            day(0, 0, 0),
            day(0, 0, 9),
        ];
        let layout = Layout::new(&busy);
        assert_eq!(
            layout.axis,
            Axis {
                top: 10_000,
                step: 2_000
            }
        );
        assert_eq!(layout.ticks.last().map(|(_, l)| l.as_str()), Some("10,000"));
        assert_eq!(bar_label(10_000, layout.slot_width - 4), "10,000");
        // Even one win among thousands leaves a visible sliver.
        let pixels = decode(&render_week(&busy, TITLE));
        let column = bar_column(&pixels, &layout, 1);
        assert!(column.contains(&opaque(size_colour(Size::Smallest))));
    }

    #[test]
    fn bars_show_each_size_only_where_it_was_won() {
        let week = sample_week();
        let pixels = decode(&render_week(&week, TITLE));
        let layout = Layout::new(&week);
        for (i, counts) in week.iter().enumerate() {
            let column = bar_column(&pixels, &layout, i);
            for &size in Size::ALL {
                let seen = column.contains(&opaque(size_colour(size)));
                assert_eq!(seen, counts.get(size) > 0, "{} {:?}", DAY_SHORT[i], size);
            }
        }
        // Taller totals make taller bars.
        let top = |i| layout.segments(week[i]).last().map(|s| s.1);
        assert!(top(4) < top(3) && top(3) < top(2) && top(2) < top(0));
        assert_eq!(top(1), None);
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
        for y in TITLE_TOP..LEGEND_TOP {
            for x in WIDTH as i32 - PAD..WIDTH as i32 {
                assert_ne!(
                    pixel(&pixels, x, y),
                    opaque(TITLE_INK),
                    "title ink at {x},{y}"
                );
            }
        }
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
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(12_884_901_885), "12,884,901,885");
        assert_eq!(tick_label(10_000, 2_000), "10,000");
        assert_eq!(tick_label(200_000, 50_000), "200k");
        assert_eq!(tick_label(4_000_000, 1_000_000), "4M");
        assert_eq!(tick_label(15_000_000_000, 5_000_000_000), "15B");
        assert_eq!(bar_label(7, 10), "7");
        assert_eq!(bar_label(1_234_567, 30), "1.2M");
        assert_eq!(bar_label(999_960, 30), "1M");
        assert_eq!(bar_label(2_000, 10), "2k");
    }

    #[test]
    fn the_font_covers_printable_ascii() {
        for c in '!'..='~' {
            let (glyph, _, width) = super::glyph(c);
            assert!(glyph.iter().any(|&row| row != 0), "{c:?} has no ink");
            assert!((1..=5).contains(&width), "{c:?} is {width} wide");
        }
        assert_eq!(super::glyph('\u{1F389}').0, &UNKNOWN);
        assert_eq!(text_width("", 2), 0);
        assert_eq!(text_width("8", 2), 10);
        assert_eq!(text_width("88", 2), 22);
        assert_eq!(
            text_width("Mon", 2),
            text_width("M", 2) + 2 + text_width("on", 2)
        );
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
