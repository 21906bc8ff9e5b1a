//! The [`ShareCard`]: 1200×630, made to be posted on social media after Loneliness Awareness
//! Week. The team's count of acts large on the left, the mix of Ways to Wellbeing as bars on
//! the right, the campaign's hashtag at the foot. The server's name only when given; never a
//! member's.

use super::text::{self, Weight};
use super::{
    ACCENT, CAMPAIGN_HASHTAG, CARD, CARD_HEIGHT, CARD_WIDTH, GRID, INK, LABEL_INK, Label,
    MUTED_INK, ShareCard, Svg, series_colour,
};

const LEFT: f32 = 80.0;
const LEFT_WIDTH: f32 = 520.0;
const RIGHT: f32 = 660.0;
const RIGHT_WIDTH: f32 = 460.0;
const WAYS_HEADING: &str = "The mix of Ways to Wellbeing";

fn acts_words(acts: u64) -> &'static str {
    if acts == 1 {
        "small act of connection"
    } else {
        "small acts of connection"
    }
}

pub(super) fn svg(card: &ShareCard) -> String {
    let (width, height) = (CARD_WIDTH, CARD_HEIGHT);
    let title = format!(
        "{}: {} {}",
        text::one_line(&card.week_label),
        text::grouped(card.acts),
        acts_words(card.acts)
    );
    let id = super::element_id("card", &[&title, &alt_text(card)]);
    let mut svg = Svg::open(width, height, &id, &title, &alt_text(card));
    svg.rect(0.0, 0.0, width as f32, height as f32, 0.0, CARD);
    svg.rect(0.0, 0.0, width as f32, 14.0, 0.0, ACCENT);

    // Left: the week, the server (if chosen), and the count.
    let week = text::fit(
        &text::drawable(&card.week_label),
        width as f32 - 2.0 * LEFT,
        34.0,
        Weight::Bold,
    );
    svg.text(Label {
        x: LEFT,
        y: 112.0,
        size: 34.0,
        weight: Weight::Bold,
        colour: ACCENT,
        anchor: "start",
        text: &week,
    });
    let server = card
        .server_name
        .as_deref()
        .map(|name| text::fit(&text::drawable(name), LEFT_WIDTH, 28.0, Weight::Regular))
        .unwrap_or_default();
    svg.text(Label {
        x: LEFT,
        y: 160.0,
        size: 28.0,
        weight: Weight::Regular,
        colour: LABEL_INK,
        anchor: "start",
        text: &server,
    });
    let count = text::grouped(card.acts);
    let mut size = 160.0;
    while size > 40.0 && text::width(&count, size, Weight::Bold) > LEFT_WIDTH {
        size -= 10.0;
    }
    svg.text(Label {
        x: LEFT,
        y: 350.0,
        size,
        weight: Weight::Bold,
        colour: INK,
        anchor: "start",
        text: &count,
    });
    svg.text(Label {
        x: LEFT,
        y: 410.0,
        size: 36.0,
        weight: Weight::Regular,
        colour: INK,
        anchor: "start",
        text: acts_words(card.acts),
    });
    svg.text(Label {
        x: LEFT,
        y: 452.0,
        size: 26.0,
        weight: Weight::Regular,
        colour: LABEL_INK,
        anchor: "start",
        text: "done by the team, together",
    });

    // Right: each Way as a bar of its share.
    svg.text(Label {
        x: RIGHT,
        y: 206.0,
        size: 24.0,
        weight: Weight::Bold,
        colour: INK,
        anchor: "start",
        text: WAYS_HEADING,
    });
    let most = card.ways.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let rows = card.ways.len().min(6);
    let row_height = if rows > 5 { 52.0 } else { 60.0 };
    // With no acts at all, the Ways' rows would be all zeros: a line of encouragement instead.
    let rows = if most == 0 { 0 } else { rows };
    for (i, (way, n)) in card.ways.iter().take(rows).enumerate() {
        let baseline = 252.0 + row_height * i as f32;
        let figure = text::grouped(*n);
        let figure_width = text::width(&figure, 22.0, Weight::Bold);
        let name = text::fit(
            &text::drawable(way),
            RIGHT_WIDTH - figure_width - 16.0,
            22.0,
            Weight::Regular,
        );
        svg.text(Label {
            x: RIGHT,
            y: baseline,
            size: 22.0,
            weight: Weight::Regular,
            colour: LABEL_INK,
            anchor: "start",
            text: &name,
        });
        svg.text(Label {
            x: RIGHT + RIGHT_WIDTH,
            y: baseline,
            size: 22.0,
            weight: Weight::Bold,
            colour: INK,
            anchor: "end",
            text: &figure,
        });
        let track_y = baseline + 10.0;
        svg.rect(RIGHT, track_y, RIGHT_WIDTH, 14.0, 7.0, GRID);
        if *n > 0 && most > 0 {
            let share = (*n as f64 / most as f64) as f32;
            svg.rect(
                RIGHT,
                track_y,
                (RIGHT_WIDTH * share).max(14.0),
                14.0,
                7.0,
                series_colour(i),
            );
        }
    }
    if most == 0 {
        svg.text(Label {
            x: RIGHT,
            y: 252.0,
            size: 22.0,
            weight: Weight::Regular,
            colour: MUTED_INK,
            anchor: "start",
            text: "Every act counts, in every Way.",
        });
    }

    // Foot: the hashtag.
    svg.text(Label {
        x: LEFT,
        y: 566.0,
        size: 40.0,
        weight: Weight::Bold,
        colour: ACCENT,
        anchor: "start",
        text: CAMPAIGN_HASHTAG,
    });
    svg.close()
}

pub(super) fn alt_text(card: &ShareCard) -> String {
    let week: String = text::one_line(&card.week_label).chars().take(100).collect();
    let mut out = format!("Share card for {week}");
    if let Some(name) = card.server_name.as_deref() {
        let name: String = text::one_line(name).chars().take(100).collect();
        if !name.is_empty() {
            out.push_str(&format!(" at {name}"));
        }
    }
    out.push_str(&format!(
        ": {} {} done by the team.",
        text::grouped(card.acts),
        acts_words(card.acts)
    ));
    if !card.ways.is_empty() {
        let ways: Vec<String> = card
            .ways
            .iter()
            .map(|(way, n)| {
                let way: String = text::one_line(way).chars().take(40).collect();
                format!("{way} {}", text::grouped(*n))
            })
            .collect();
        out.push_str(&format!(" Ways to Wellbeing: {}.", ways.join(", ")));
    }
    out.push(' ');
    out.push_str(CAMPAIGN_HASHTAG);
    if out.chars().count() > 1000 {
        out = out.chars().take(997).collect::<String>() + "...";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::samples::share_card as card;
    use super::super::testing::Pixels;
    use super::super::{CARD_HEIGHT, CARD_WIDTH, PALETTE, png};
    use super::*;

    #[test]
    fn the_card_is_1200_by_630_with_its_figures_drawn() {
        let svg = card().svg();
        assert!(svg.contains("width=\"1200\" height=\"630\""));
        assert!(svg.contains("role=\"img\""));
        for text in [
            ">412</text>",
            ">#RandomActsofConnection</text>",
            ">Connect</text>",
            ">200</text>",
            ">Loneliness Awareness Week 2026</text>",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        let pixels = Pixels::decode(&png(&svg).unwrap());
        assert_eq!((pixels.width, pixels.height), (CARD_WIDTH, CARD_HEIGHT));
        // Opaque everywhere (social networks show no transparency), the accent strip on top.
        assert!(pixels.rgba.chunks(4).all(|p| p[3] == 255));
        assert_eq!(pixels.at(600, 5), [0x1F, 0x6F, 0x45, 255]);
        // The count, big and dark, on the left; a bar in each Way's colour on the right.
        assert!(pixels.dark_in((80, 200, 600, 360), 200) > 5_000);
        for colour in &PALETTE {
            assert!(
                pixels.count((660, 220, 1120, 560), colour.0) > 100,
                "{}",
                colour.hex()
            );
        }
        // The hashtag, at the foot.
        assert!(pixels.count((80, 530, 700, 580), [0x1F, 0x6F, 0x45]) > 300);
    }

    #[test]
    fn the_count_changes_the_picture_where_it_is_drawn() {
        let a = Pixels::decode(&png(&card().svg()).unwrap());
        let b = Pixels::decode(&png(&ShareCard { acts: 7, ..card() }.svg()).unwrap());
        assert_ne!(a.region((80, 200, 600, 360)), b.region((80, 200, 600, 360)));
        // A huge count still fits the left column.
        let huge = ShareCard {
            acts: u64::MAX,
            ..card()
        };
        let pixels = Pixels::decode(&png(&huge.svg()).unwrap());
        assert_eq!(
            pixels.dark_in((610, 220, 650, 360), 200),
            0,
            "the count ran into the Ways"
        );
    }

    #[test]
    fn the_server_name_shows_only_when_given_and_is_escaped() {
        let plain = card();
        assert!(!plain.alt_text().contains(" at "));
        let named = ShareCard {
            server_name: Some("<script>&\"Rosewood\"".into()),
            ..card()
        };
        let svg = named.svg();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;&amp;&quot;Rosewood&quot;"));
        assert!(
            named.alt_text().contains("at <script>&\"Rosewood\""),
            "alt text is plain text"
        );
        let a = Pixels::decode(&png(&plain.svg()).unwrap());
        let b = Pixels::decode(&png(&svg).unwrap());
        assert_eq!(a.dark_in((80, 130, 600, 170), 400), 0, "no name, no ink");
        assert!(
            b.dark_in((80, 130, 600, 170), 400) > 100,
            "the name is drawn"
        );
    }

    #[test]
    fn alt_text_says_what_the_card_shows() {
        let alt = ShareCard {
            server_name: Some("Oak Lodge Care".into()),
            ..card()
        }
        .alt_text();
        assert_eq!(
            alt,
            "Share card for Loneliness Awareness Week 2026 at Oak Lodge Care: 412 small acts of \
             connection done by the team. Ways to Wellbeing: Connect 200, Be active 22, Take \
             notice 50, Keep learning 40, Give 100. #RandomActsofConnection"
        );
        let one = ShareCard {
            acts: 1,
            ways: vec![],
            ..card()
        };
        assert!(one.alt_text().contains(": 1 small act of connection done"));
        let long = ShareCard {
            week_label: "x".repeat(5000),
            ways: vec![("y".repeat(5000), 1); 50],
            ..card()
        };
        assert!(long.alt_text().chars().count() <= 1000);
    }

    #[test]
    fn a_week_without_wins_still_makes_a_card() {
        let empty = ShareCard {
            acts: 0,
            ways: vec![],
            server_name: None,
            week_label: "Loneliness Awareness Week 2026".into(),
        };
        let pixels = Pixels::decode(&png(&empty.svg()).unwrap());
        assert_eq!((pixels.width, pixels.height), (CARD_WIDTH, CARD_HEIGHT));
        assert!(empty.svg().contains("Every act counts"));
        // Five Ways all at zero read as the same empty week, without rows under the line.
        let zeros = ShareCard {
            ways: ["Connect", "Give"]
                .iter()
                .map(|w| (w.to_string(), 0))
                .collect(),
            ..empty
        };
        assert!(zeros.svg().contains("Every act counts"));
        assert!(!zeros.svg().contains(">Connect<"), "{}", zeros.svg());
    }

    /// Leaves a sample in the temp folder, to look at.
    #[test]
    fn writes_a_sample_to_look_at() {
        let sample = ShareCard {
            server_name: Some("Oak Lodge Care".into()),
            ..card()
        };
        std::fs::write(
            std::env::temp_dir().join("share-card.png"),
            png(&sample.svg()).unwrap(),
        )
        .expect("temp dir is writable");
    }
}
