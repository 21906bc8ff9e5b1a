//! Charts for Discord and for the web: SVG first (with a title and a description for screen
//! readers), rasterised to PNG with `resvg` and the Noto Sans fonts shipped in
//! `assets/fonts/` (built into the binary: nothing is read from the system, so a chart looks
//! the same on every machine).
//!
//! Pure: plain values in, text or bytes out. Each chart draws its own light card, so it reads
//! the same on Discord's dark and light themes, and every colour on it meets WCAG AA against
//! that card (3:1 for bars and swatches, 4.5:1 for text).
//!
//! - [`StackedBars`]: bars of counts, one per category, stacked by series (the weekly
//!   recap's wins per day by size; the impact page's wins per week).
//! - [`ShareCard`]: the 1200×630 card a team can share after Loneliness Awareness Week.
//! - [`png`]: any of their SVGs as PNG bytes.

mod bars;
mod card;
pub mod samples;
mod text;

pub use text::{grouped, one_line};

/// The campaign's hashtag, on the share card and in the campaign's posts.
pub const CAMPAIGN_HASHTAG: &str = "#RandomActsofConnection";

/// The share card's size: the 1.91:1 that social networks show in full.
pub const CARD_WIDTH: u32 = 1200;
pub const CARD_HEIGHT: u32 = 630;

/// The largest picture [`png`] draws (in pixels), so a mistaken size can't take the memory.
const MAX_PIXELS: u64 = 4096 * 4096;

/// One stacked series: its name (for the legend) and one value per category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub values: Vec<u64>,
}

/// A stacked bar chart: one bar per category, each stacked from its series' values, bottom
/// first. Colours come from [`PALETTE`] in order (a sixth series and beyond reuse them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackedBars {
    /// Shown at the top of the chart and as its `<title>`.
    pub title: String,
    /// The `<desc>`, for screen readers.
    pub description: String,
    /// The x-axis labels, e.g. "8 Jun" or "Mon".
    pub categories: Vec<String>,
    /// Stacked, bottom first.
    pub series: Vec<Series>,
}

impl StackedBars {
    /// A standalone `<svg>` of `width`×`height` pixels.
    pub fn svg(&self, width: u32, height: u32) -> String {
        bars::svg(self, width, height)
    }

    /// A plain-text description with the totals, for an attachment's description or an
    /// `alt`: under 1,000 characters (Discord allows 1,024).
    pub fn alt_text(&self) -> String {
        bars::alt_text(self)
    }
}

/// The card to share after Loneliness Awareness Week: the team's count of acts, the mix of
/// Ways to Wellbeing, the campaign's hashtag, and the server's name only if an admin chose to
/// show it. No member is ever named on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareCard {
    pub acts: u64,
    /// Each Way to Wellbeing with its count, in the order to show them.
    pub ways: Vec<(String, u64)>,
    pub server_name: Option<String>,
    /// e.g. "Loneliness Awareness Week 2026".
    pub week_label: String,
}

impl ShareCard {
    /// A standalone `<svg>` of [`CARD_WIDTH`]×[`CARD_HEIGHT`].
    pub fn svg(&self) -> String {
        card::svg(self)
    }

    /// What the card says, as plain text (under 1,000 characters).
    pub fn alt_text(&self) -> String {
        card::alt_text(self)
    }
}

/// Why an SVG could not be made into a PNG.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the SVG could not be read: {0}")]
    Svg(String),
    #[error("a {0}×{1} picture is empty or too large to draw")]
    Size(u32, u32),
    #[error("the PNG could not be encoded: {0}")]
    Encode(String),
}

/// Rasterises an SVG (one of this module's, or any other) to an RGBA PNG of the SVG's own
/// size, with the shipped fonts only. Images the SVG links to are never loaded.
pub fn png(svg: &str) -> Result<Vec<u8>, ChartError> {
    use resvg::{tiny_skia, usvg};
    let options = usvg::Options {
        font_family: text::FAMILY.to_owned(),
        fontdb: text::database(),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| ChartError::Svg(e.to_string()))?;
    let size = tree.size().to_int_size();
    let (width, height) = (size.width(), size.height());
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ChartError::Size(width, height));
    }
    let mut pixmap =
        tiny_skia::Pixmap::new(width, height).ok_or(ChartError::Size(width, height))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    encode_fast(width, height, pixmap.take_demultiplied())
        .map_err(|e| ChartError::Encode(e.to_string()))
}

/// Encodes RGBA pixels as a PNG with the `png` crate's fast deflate (fdeflate, tuned for
/// PNG). tiny-skia's own `encode_png` uses the default, balanced level, which spent about
/// two thirds of a chart's time compressing flat colours; the fast level is about three
/// times quicker for files only slightly larger (see BENCHMARKS.md, "Charts").
fn encode_fast(width: u32, height: u32, rgba: Vec<u8>) -> Result<Vec<u8>, png::EncodingError> {
    let mut data = Vec::new();
    let mut encoder = png::Encoder::new(&mut data, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgba)?;
    writer.finish()?;
    Ok(data)
}

// ---------------------------------------------------------------------------------------------
// The look, shared by every chart

/// An sRGB colour, written as `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub [u8; 3]);

impl Colour {
    pub fn hex(self) -> String {
        let [r, g, b] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// Relative luminance, as WCAG defines it.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// The WCAG contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// The card every chart sits on: a warm near-white that stands out on Discord's dark theme
/// and, with its border, on the light one.
pub const CARD: Colour = Colour([0xFA, 0xFA, 0xF7]);
pub const CARD_BORDER: Colour = Colour([0xD5, 0xD8, 0xCF]);
/// Titles and figures.
pub const INK: Colour = Colour([0x1E, 0x22, 0x26]);
/// Labels, ticks and the legend.
pub const LABEL_INK: Colour = Colour([0x4D, 0x53, 0x5A]);
/// Quieter text (the empty chart's message).
pub const MUTED_INK: Colour = Colour([0x5F, 0x65, 0x6C]);
/// Gridlines (decoration: the ticks carry the values) and the baseline.
pub const GRID: Colour = Colour([0xE1, 0xE3, 0xDC]);
pub const BASELINE: Colour = Colour([0x8A, 0x90, 0x88]);
/// The campaign's green, for the card's accents and hashtag (text-safe on the card).
pub const ACCENT: Colour = Colour([0x1F, 0x6F, 0x45]);

/// Series colours, in order: distinct in hue and lightness (after Okabe and Ito's palette
/// for colour-blind readers, darkened until each has at least 3:1 against [`CARD`]).
pub const PALETTE: [Colour; 5] = [
    Colour([0x2E, 0x8B, 0x57]), // sea green, the bot's own
    Colour([0x00, 0x72, 0xB2]), // blue
    Colour([0xD5, 0x5E, 0x00]), // vermilion
    Colour([0xA8, 0x50, 0x7F]), // reddish purple
    Colour([0x8A, 0x6D, 0x00]), // ochre
];

/// The colour of the `index`th series.
pub fn series_colour(index: usize) -> Colour {
    PALETTE[index % PALETTE.len()]
}

/// A number for an SVG attribute: at most two decimals, no trailing zeros.
fn num(value: f32) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded == rounded.trunc() {
        format!("{}", rounded as i64)
    } else {
        let text = format!("{rounded:.2}");
        text.trim_end_matches('0').to_owned()
    }
}

/// A short id for the chart's `<title>` and `<desc>`, from what it shows: unique enough for
/// several charts on one page, and the same for the same chart every time.
fn element_id(prefix: &str, parts: &[&str]) -> String {
    // FNV-1a.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{prefix}-{:08x}", hash as u32)
}

/// Text drawn on a chart: where, how, and what.
struct Label<'a> {
    x: f32,
    /// The baseline.
    y: f32,
    size: f32,
    weight: text::Weight,
    colour: Colour,
    /// "start", "middle" or "end".
    anchor: &'static str,
    text: &'a str,
}

/// An SVG being written.
struct Svg {
    out: String,
}

impl Svg {
    /// Opens an `<svg>` with its title and description for screen readers.
    fn open(width: u32, height: u32, id: &str, title: &str, description: &str) -> Svg {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" role=\"img\" \
             aria-labelledby=\"{id}-title {id}-desc\" font-family=\"{}\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            text::xml(text::FONT_STACK),
            text::xml(&one_line(title)),
            text::xml(&one_line(description)),
        ));
        Svg { out }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, radius: f32, fill: Colour) {
        self.out.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{} fill=\"{}\"/>",
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            if radius > 0.0 {
                format!(" rx=\"{}\"", num(radius))
            } else {
                String::new()
            },
            fill.hex()
        ));
    }

    /// The card: a rounded rectangle with a hairline border, inset by half the border.
    fn card(&mut self, width: u32, height: u32, radius: f32) {
        self.out.push_str(&format!(
            "<rect x=\"0.5\" y=\"0.5\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{}\" \
             stroke=\"{}\"/>",
            num(width as f32 - 1.0),
            num(height as f32 - 1.0),
            num(radius),
            CARD.hex(),
            CARD_BORDER.hex()
        ));
    }

    /// A rectangle with only its top corners rounded (the top of a bar).
    fn top_rounded(&mut self, x: f32, y: f32, w: f32, h: f32, radius: f32, fill: Colour) {
        let r = radius.min(w / 2.0).min(h);
        if r < 0.5 {
            return self.rect(x, y, w, h, 0.0, fill);
        }
        self.out.push_str(&format!(
            "<path d=\"M{} {}V{}Q{} {} {} {}H{}Q{} {} {} {}V{}Z\" fill=\"{}\"/>",
            num(x),
            num(y + h),
            num(y + r),
            num(x),
            num(y),
            num(x + r),
            num(y),
            num(x + w - r),
            num(x + w),
            num(y),
            num(x + w),
            num(y + r),
            num(y + h),
            fill.hex()
        ));
    }

    fn line(&mut self, x1: f32, y: f32, x2: f32, thickness: f32, colour: Colour) {
        self.rect(x1, y - thickness / 2.0, x2 - x1, thickness, 0.0, colour);
    }

    fn text(&mut self, label: Label<'_>) {
        if label.text.is_empty() {
            return;
        }
        self.out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" font-weight=\"{}\" fill=\"{}\"{}>{}</text>",
            num(label.x),
            num(label.y),
            num(label.size),
            label.weight.css(),
            label.colour.hex(),
            match label.anchor {
                "start" => String::new(),
                anchor => format!(" text-anchor=\"{anchor}\""),
            },
            text::xml(label.text)
        ));
    }

    fn close(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Decoding PNGs for the charts' tests (and the recap's).

    /// An RGBA picture.
    pub struct Pixels {
        pub width: u32,
        pub height: u32,
        pub rgba: Vec<u8>,
    }

    impl Pixels {
        pub fn decode(png: &[u8]) -> Pixels {
            let decoder = png::Decoder::new(std::io::Cursor::new(png));
            let mut reader = decoder.read_info().expect("a valid PNG");
            let mut rgba = vec![0; reader.output_buffer_size().expect("a sane size")];
            let info = reader.next_frame(&mut rgba).expect("decodable pixels");
            assert_eq!(info.color_type, png::ColorType::Rgba);
            assert_eq!(info.bit_depth, png::BitDepth::Eight);
            rgba.truncate(info.buffer_size());
            Pixels {
                width: info.width,
                height: info.height,
                rgba,
            }
        }

        pub fn at(&self, x: u32, y: u32) -> [u8; 4] {
            let i = (y as usize * self.width as usize + x as usize) * 4;
            [
                self.rgba[i],
                self.rgba[i + 1],
                self.rgba[i + 2],
                self.rgba[i + 3],
            ]
        }

        /// Pixels in [x0, x1) × [y0, y1) at least this dark (sum of RGB below `limit`),
        /// opaque: where text or bars are.
        pub fn dark_in(&self, (x0, y0, x1, y1): (u32, u32, u32, u32), limit: u32) -> usize {
            let mut n = 0;
            for y in y0..y1.min(self.height) {
                for x in x0..x1.min(self.width) {
                    let [r, g, b, a] = self.at(x, y);
                    n += usize::from(a > 200 && u32::from(r) + u32::from(g) + u32::from(b) < limit);
                }
            }
            n
        }

        /// Pixels in the region of exactly this colour (opaque).
        pub fn count(&self, (x0, y0, x1, y1): (u32, u32, u32, u32), colour: [u8; 3]) -> usize {
            let mut n = 0;
            for y in y0..y1.min(self.height) {
                for x in x0..x1.min(self.width) {
                    let [r, g, b, a] = self.at(x, y);
                    n += usize::from(a == 255 && [r, g, b] == colour);
                }
            }
            n
        }

        /// A fingerprint of a region, to tell two renderings apart.
        pub fn region(&self, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> Vec<[u8; 4]> {
            let mut out = Vec::new();
            for y in y0..y1.min(self.height) {
                for x in x0..x1.min(self.width) {
                    out.push(self.at(x, y));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_colour_meets_wcag_aa_on_the_card() {
        for (i, colour) in PALETTE.iter().enumerate() {
            assert!(
                colour.contrast(CARD) >= 3.0,
                "series {i} {} is {:.2}:1",
                colour.hex(),
                colour.contrast(CARD)
            );
        }
        for ink in [INK, LABEL_INK, MUTED_INK, ACCENT] {
            assert!(
                ink.contrast(CARD) >= 4.5,
                "text {} is {:.2}:1",
                ink.hex(),
                ink.contrast(CARD)
            );
        }
        // The card itself stands out on Discord's dark themes, and its border on the light.
        for dark in [Colour([0x31, 0x33, 0x38]), Colour([0x1E, 0x1F, 0x22])] {
            assert!(CARD.contrast(dark) >= 3.0);
        }
        // Five distinct colours.
        for (i, a) in PALETTE.iter().enumerate() {
            for b in &PALETTE[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(series_colour(5), PALETTE[0]);
        assert_eq!(CARD.hex(), "#fafaf7");
        assert!((Colour([0, 0, 0]).contrast(Colour([255, 255, 255])) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn svg_numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(3.456), "3.46");
        assert_eq!(num(-0.5), "-0.5");
        assert_eq!(num(12.10), "12.1");
    }

    #[test]
    fn png_refuses_what_it_cannot_draw() {
        assert!(matches!(png("not svg"), Err(ChartError::Svg(_))));
        let huge = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100000\" height=\"100000\"/>";
        assert!(matches!(png(huge), Err(ChartError::Size(..))));
        // A linked image is never fetched, and the rest still draws.
        let linked = "<svg xmlns=\"http://www.w3.org/2000/svg\" \
             xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10\" height=\"10\">\
             <image href=\"/etc/passwd\" width=\"10\" height=\"10\"/>\
             <rect width=\"10\" height=\"10\" fill=\"#000\"/></svg>";
        let pixels = testing::Pixels::decode(&png(linked).unwrap());
        assert_eq!((pixels.width, pixels.height), (10, 10));
        assert_eq!(pixels.at(5, 5), [0, 0, 0, 255]);
    }
}
