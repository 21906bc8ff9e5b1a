//! Showing members their own words again, in an answer, safely.
//!
//! A sentence like `"9am" is not a time` repeats what someone typed, and what someone typed can
//! be 6,000 characters long, a right-to-left override that turns the rest of our sentence
//! backwards, "zalgo" text piled high with combining marks, `@everyone`, or markdown that
//! swallows the message into a code block. Every echo of input goes through this module, so
//! an answer stays the length Discord accepts and reads as we wrote it, whatever was typed.
//! It lives below both the domain (whose error messages quote input) and the Discord side.

/// The most characters of someone's input quoted inside a sentence.
pub const QUOTE_MAX: usize = 60;
/// The most characters given back for copying when something couldn't be saved.
pub const COPY_MAX: usize = 1_500;
/// Combining marks kept on one character: enough for any written language, not for zalgo.
const MARKS_PER_CHARACTER: usize = 3;

/// Input quoted inside a sentence: `"9am"`. Cut to [`QUOTE_MAX`] characters with an ellipsis,
/// on one line, markdown shown as typed, mentions shown as text, and direction overrides and
/// other invisible controls removed.
pub fn quote(input: &str) -> String {
    quote_up_to(input, QUOTE_MAX)
}

/// [`quote`], for text that may be longer (an act being confirmed, say): up to `max`
/// characters.
pub fn quote_up_to(input: &str, max: usize) -> String {
    let one_line = clean(input)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    format!("\"{}\"", escape(&cut(&one_line, max)))
}

/// A short piece of text that may contain input (a parser's reason, say), made as harmless
/// as [`quote`] but without the quotation marks.
pub fn mention_free(text: &str, max: usize) -> String {
    let one_line = clean(text).split_whitespace().collect::<Vec<_>>().join(" ");
    escape(&cut(&one_line, max))
}

/// What a member typed, given back in a code block so they can copy it and try again later.
/// Code blocks show text exactly (no markdown, no mentions); the only way out of one is three
/// backticks, which are spaced apart here. Cut to [`COPY_MAX`] characters.
pub fn for_copying(input: &str) -> String {
    let text = cut(clean(input).trim(), COPY_MAX).replace("```", "`\u{200B}`\u{200B}`");
    format!("```\n{text}\n```")
}

/// Cuts text to `max` characters, ending with an ellipsis when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Escapes Discord markdown so member-written text shows as written: it can't turn a whole
/// message bold, hide itself in a spoiler, or open a code block; and anything that looks like
/// a mention (`@everyone`, `<@id>`) is shown as text. (Messages also parse no mentions, so
/// nothing could ping even without this.)
pub fn escape(text: &str) -> String {
    escape_markdown(text)
        .replace("@everyone", "@\u{200B}everyone")
        .replace("@here", "@\u{200B}here")
        .replace("<@", "<@\u{200B}")
}

/// Escapes Discord markdown only (headings, quotes and lists only mean something at the start
/// of a line).
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut line_start = true;
    for c in text.chars() {
        let inline = matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']');
        let block = line_start && matches!(c, '#' | '>' | '-');
        if inline || block {
            out.push('\\');
        }
        out.push(c);
        line_start = c == '\n' || (line_start && c == ' ');
    }
    out
}

/// Removes what would change how the rest of our sentence reads: bidirectional overrides,
/// embeddings and isolates, other format and control characters (newlines and tabs are kept),
/// and combining marks past a few per character.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(COPY_MAX * 4));
    let mut marks = 0;
    for c in text.chars() {
        if is_invisible_control(c) {
            continue;
        }
        if is_combining_mark(c) {
            marks += 1;
            if marks > MARKS_PER_CHARACTER {
                continue;
            }
        } else {
            marks = 0;
        }
        out.push(c);
    }
    out
}

fn is_invisible_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c,
            '\u{200E}' | '\u{200F}' | '\u{061C}'   // direction marks
            | '\u{202A}'..='\u{202E}'              // embeddings and overrides
            | '\u{2066}'..='\u{2069}'              // isolates
            | '\u{206A}'..='\u{206F}'              // deprecated format characters
            | '\u{FFF9}'..='\u{FFFB}'              // interlinear annotations
        )
}

/// The combining blocks zalgo text is made from.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0483}'..='\u{0489}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_input_is_quoted_as_typed() {
        assert_eq!(quote("9am"), "\"9am\"");
        assert_eq!(quote("  Europe/Lndon "), "\"Europe/Lndon\"");
    }

    #[test]
    fn long_input_is_cut_with_an_ellipsis() {
        let quoted = quote(&"x".repeat(6_000));
        assert_eq!(quoted.chars().count(), QUOTE_MAX + 2);
        assert!(quoted.ends_with("…\""));
        let copy = for_copying(&"y".repeat(6_000));
        assert!(copy.chars().count() <= COPY_MAX + 8, "{}", copy.len());
    }

    #[test]
    fn direction_overrides_and_controls_are_removed() {
        assert_eq!(quote("\u{202E}00:90\u{202C}"), "\"00:90\"");
        assert_eq!(quote("a\u{2067}b\u{200F}c\u{0007}"), "\"abc\"");
        assert_eq!(quote("two\nlines"), "\"two lines\"");
    }

    #[test]
    fn zalgo_keeps_a_few_marks_per_letter() {
        let zalgo: String = "he"
            .chars()
            .flat_map(|c| std::iter::once(c).chain(std::iter::repeat_n('\u{0336}', 40)))
            .collect();
        let cleaned = clean(&zalgo);
        assert_eq!(cleaned.chars().count(), 2 + 2 * MARKS_PER_CHARACTER);
        // Accented letters written with combining marks survive.
        assert_eq!(clean("e\u{0301}te\u{0301}"), "e\u{0301}te\u{0301}");
    }

    #[test]
    fn markdown_and_mentions_are_shown_not_applied() {
        assert_eq!(
            quote("**hi** @everyone"),
            "\"\\*\\*hi\\*\\* @\u{200B}everyone\""
        );
        assert_eq!(
            escape("<@123> <@&4> @here `x`"),
            "<@\u{200B}123> <@\u{200B}&4> @\u{200B}here \\`x\\`"
        );
        assert_eq!(quote("@daily"), "\"@daily\"");
        assert_eq!(
            escape_markdown("# big\n> quote\n- item"),
            "\\# big\n\\> quote\n\\- item"
        );
    }

    #[test]
    fn copies_cannot_break_out_of_their_code_block() {
        let copy = for_copying("before ``` after ```");
        assert_eq!(copy.matches("```").count(), 2, "{copy}");
        assert!(copy.starts_with("```\n") && copy.ends_with("\n```"));
    }
}
