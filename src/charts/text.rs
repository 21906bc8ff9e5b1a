//! The fonts the charts are drawn with (Noto Sans, shipped in `assets/fonts/` with its
//! licence and built into the binary), how wide a line of text is in them, and text made safe
//! to show: one line, characters the fonts can draw, XML-escaped.

use std::sync::{Arc, OnceLock};

use resvg::usvg::fontdb;
use skrifa::{FontRef, MetadataProvider, charmap::Charmap, metrics::GlyphMetrics};

/// The family every chart names (and the only one the rasteriser knows).
pub const FAMILY: &str = "Noto Sans";
/// What an SVG asks for: the shipped font, else a browser's own sans-serif.
pub const FONT_STACK: &str = "'Noto Sans', sans-serif";

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");

/// The font database for rasterising: the two shipped faces and nothing from the system, so
/// a chart looks the same on every machine.
pub(super) fn database() -> Arc<fontdb::Database> {
    static DATABASE: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DATABASE
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            for face in [REGULAR, BOLD] {
                db.load_font_source(fontdb::Source::Binary(Arc::new(face)));
            }
            db.set_sans_serif_family(FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    /// The SVG `font-weight`.
    pub fn css(self) -> &'static str {
        match self {
            Weight::Regular => "400",
            Weight::Bold => "700",
        }
    }
}

/// One face's character map and advance widths, in font units.
struct Face {
    charmap: Charmap<'static>,
    glyphs: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        let font = FontRef::new(data).ok()?;
        let size = skrifa::instance::Size::unscaled();
        let location = skrifa::instance::LocationRef::default();
        Some(Face {
            charmap: font.charmap(),
            glyphs: font.glyph_metrics(size, location),
            units_per_em: f32::from(font.metrics(size, location).units_per_em),
        })
    }
}

fn face(weight: Weight) -> Option<&'static Face> {
    static FACES: OnceLock<[Option<Face>; 2]> = OnceLock::new();
    let faces = FACES.get_or_init(|| [Face::load(REGULAR), Face::load(BOLD)]);
    faces[match weight {
        Weight::Regular => 0,
        Weight::Bold => 1,
    }]
    .as_ref()
}

/// Whether the shipped fonts can draw `c` (an emoji, say, they can't: it would show as an
/// empty box, so it is left out of what is drawn).
pub fn can_draw(c: char) -> bool {
    face(Weight::Regular).is_some_and(|f| f.charmap.map(c).is_some())
}

/// How wide `text` is drawn at `size` pixels: the sum of its characters' advances (kerning
/// left out, which only ever narrows a line by a pixel or two).
pub fn width(text: &str, size: f32, weight: Weight) -> f32 {
    let Some(face) = face(weight) else {
        // Unreachable with the shipped fonts; an average advance keeps layout sane.
        return text.chars().count() as f32 * size * 0.55;
    };
    let units: f32 = text
        .chars()
        .map(|c| {
            face.charmap
                .map(c)
                .and_then(|glyph| face.glyphs.advance_width(glyph))
                .unwrap_or(0.0)
        })
        .sum();
    units * size / face.units_per_em
}

/// One line of text as people should read it: invisible controls and zalgo removed (see
/// [`crate::echo::clean`]), whitespace runs made one space, ends trimmed.
pub fn one_line(text: &str) -> String {
    crate::echo::clean(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`one_line`], keeping only what the shipped fonts can draw: what a chart shows.
pub fn drawable(text: &str) -> String {
    let kept: String = one_line(text)
        .chars()
        .filter(|&c| c == ' ' || can_draw(c))
        .collect();
    one_line(&kept)
}

/// `text` cut (with an ellipsis) to fit `room` pixels; all of it if it fits.
pub fn fit(text: &str, room: f32, size: f32, weight: Weight) -> String {
    if width(text, size, weight) <= room {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let short = format!("{}\u{2026}", chars.iter().collect::<String>().trim_end());
        if width(&short, size, weight) <= room {
            return short;
        }
    }
    String::new()
}

/// Escapes text for XML content and attribute values, dropping what XML can't hold.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(' '),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// "12,345".
pub fn grouped(n: u64) -> String {
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
pub(super) fn tick_label(value: u64, step: u64) -> String {
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

/// A number in at most four significant characters: "7", "1,234" in full if it fits `room`
/// pixels at `size`, else "12.9B", "1.2M", "2k".
pub(super) fn short_number(n: u64, room: f32, size: f32) -> String {
    let full = grouped(n);
    if width(&full, size, Weight::Bold) <= room {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_fonts_load_and_measure() {
        assert_eq!(database().faces().count(), 2);
        let families: Vec<String> = database()
            .faces()
            .flat_map(|f| f.families.iter().map(|(name, _)| name.clone()))
            .collect();
        assert!(families.iter().all(|f| f == FAMILY), "{families:?}");
        assert!(can_draw('a') && can_draw('\u{e9}') && can_draw('\u{2014}'));
        assert!(!can_draw('\u{1F389}'), "no emoji in Noto Sans");
        let narrow = width("iiii", 20.0, Weight::Regular);
        let wide = width("WWWW", 20.0, Weight::Regular);
        assert!(narrow > 5.0 && wide > 2.0 * narrow, "{narrow} {wide}");
        assert!(width("Mon", 20.0, Weight::Bold) > width("Mon", 20.0, Weight::Regular));
        assert_eq!(width("", 20.0, Weight::Regular), 0.0);
        assert!(
            (width("88", 20.0, Weight::Regular) - 2.0 * width("8", 20.0, Weight::Regular)).abs()
                < 0.01
        );
    }

    #[test]
    fn text_is_made_safe_to_show() {
        assert_eq!(xml("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
        assert_eq!(xml("a\u{0}b\u{FFFF}c\u{7}"), "abc");
        assert_eq!(one_line("  Tabs\tand\nnew   lines "), "Tabs and new lines");
        assert_eq!(one_line("\u{202E}evil"), "evil");
        assert_eq!(drawable("\u{1F33B} Rosewood \u{1F389}"), "Rosewood");
        let cut = fit(&"Long title ".repeat(40), 200.0, 20.0, Weight::Bold);
        assert!(cut.ends_with('\u{2026}') && width(&cut, 20.0, Weight::Bold) <= 200.0);
        assert_eq!(fit("Short", 200.0, 20.0, Weight::Bold), "Short");
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
        assert_eq!(short_number(7, 10.0, 13.0), "7");
        assert_eq!(short_number(1_234_567, 30.0, 13.0), "1.2M");
        assert_eq!(short_number(999_960, 30.0, 13.0), "1M");
        assert_eq!(short_number(2_000, 10.0, 13.0), "2k");
        assert_eq!(short_number(3 * u64::from(u32::MAX), 40.0, 13.0), "12.9B");
        assert_eq!(short_number(10_000, 80.0, 13.0), "10,000");
    }
}
