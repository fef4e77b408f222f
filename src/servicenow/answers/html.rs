//! HTML to readable plain text for `fetch` (knowledge article bodies, HTML fields):
//! paragraphs and headings as blank-line-separated blocks, list items as `- ` or `1. `,
//! table rows as ` | `-separated cells, `pre` kept verbatim; scripts, styles and
//! comments dropped; entities decoded. A linear scan, never a panic on broken markup,
//! and bounded output: list nesting is indented at most [`MAX_INDENT`] levels and
//! tracked at most [`MAX_LIST_DEPTH`] deep, and the writer stops once it holds more
//! than the caller's character budget, so no input costs more than a constant times
//! that budget (deeply nested lists once made the text quadratic in their depth).

/// Nested list levels shown by indentation; deeper items stay at this indent.
pub const MAX_INDENT: usize = 8;
/// Nested lists tracked (numbering, indentation); deeper ones are read as their parent.
pub const MAX_LIST_DEPTH: usize = 32;

/// Tags whose whole content is dropped.
const DROPPED: [&str; 7] = [
    "script", "style", "head", "noscript", "template", "svg", "iframe",
];
/// Tags that start and end a paragraph-like block.
const BLOCKS: [&str; 22] = [
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "nav",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "ul",
    "ol",
    "dl",
    "figure",
    "form",
];

/// Converts an HTML fragment or document to plain text of at most `max_chars`
/// characters and a few more; the flag is false when the conversion stopped there.
pub fn html_to_text(html: &str, max_chars: usize) -> (String, bool) {
    let mut out = Writer {
        budget: max_chars,
        ..Writer::default()
    };
    let mut lists: Vec<Option<u32>> = Vec::new();
    // Lists opened past MAX_LIST_DEPTH, closed before the tracked ones.
    let mut untracked = 0usize;
    let mut pre_depth = 0usize;
    let mut rest = html;
    while !rest.is_empty() && !out.full() {
        let Some(lt) = rest.find('<') else {
            out.text(rest, pre_depth > 0);
            break;
        };
        out.text(&rest[..lt], pre_depth > 0);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let starts_tag = rest[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !starts_tag {
            // A literal `<` in text ("1 < 2").
            out.text("<", pre_depth > 0);
            rest = &rest[1..];
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A tag cut off at the end of the body: dropped.
            break;
        };
        let tag = Tag::parse(&rest[1..gt]);
        rest = &rest[gt + 1..];
        let Some(tag) = tag else {
            continue;
        };
        if !tag.closing && DROPPED.contains(&tag.name.as_str()) {
            rest = skip_past_close(rest, &tag.name);
            continue;
        }
        match (tag.name.as_str(), tag.closing) {
            ("br", _) => out.line_break(),
            ("hr", _) => out.block(),
            ("pre", false) => {
                out.block();
                pre_depth += 1;
            }
            ("pre", true) => {
                pre_depth = pre_depth.saturating_sub(1);
                out.block();
            }
            ("ul" | "ol", false) => {
                // A nested list continues its parent item on the next line.
                if lists.is_empty() {
                    out.block();
                } else {
                    out.line_break();
                }
                if lists.len() < MAX_LIST_DEPTH {
                    lists.push((tag.name == "ol").then_some(0));
                } else {
                    untracked += 1;
                }
            }
            ("ul" | "ol", true) => {
                if untracked > 0 {
                    untracked -= 1;
                } else {
                    lists.pop();
                }
                if lists.is_empty() {
                    out.block();
                } else {
                    out.line_break();
                }
            }
            ("li", false) => {
                out.line_break();
                let depth = lists.len().saturating_sub(1).min(MAX_INDENT);
                let marker = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{n}. ")
                    }
                    _ => "- ".to_string(),
                };
                out.raw(&format!("{}{marker}", "  ".repeat(depth)));
            }
            ("li" | "tr" | "dt" | "dd" | "caption", true) => out.line_break(),
            ("tr", false) => out.line_break(),
            ("td" | "th", false) => out.cell(),
            ("dt" | "dd", false) => out.line_break(),
            (name, _) if BLOCKS.contains(&name) => out.block(),
            _ => {}
        }
    }
    out.finish()
}

/// Cuts `text` to at most `max_chars` characters, saying so in a final note; `whole`
/// is false when the text itself was already stopped short (its length is unknown).
pub fn cut(text: String, max_chars: usize, what: &str, whole: bool) -> String {
    let total = text.chars().count();
    if total <= max_chars && whole {
        return text;
    }
    let kept: String = text.chars().take(max_chars).collect();
    let of = if whole {
        format!("of {total} characters")
    } else {
        "characters of a longer text".to_string()
    };
    format!(
        "{}\n\n[{what} cut at {max_chars} {of}; open the url for the rest.]",
        kept.trim_end()
    )
}

struct Tag {
    name: String,
    closing: bool,
}

impl Tag {
    /// The name of `<...>` contents; None for doctypes, processing instructions, junk.
    fn parse(inner: &str) -> Option<Tag> {
        let (closing, body) = match inner.strip_prefix('/') {
            Some(b) => (true, b),
            None => (false, inner),
        };
        let name: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        (!name.is_empty() && body.starts_with(|c: char| c.is_ascii_alphabetic()))
            .then_some(Tag { name, closing })
    }
}

/// The text after `</name>` (case-insensitive), or "" when it never closes.
fn skip_past_close<'a>(rest: &'a str, name: &str) -> &'a str {
    let needle = format!("</{name}");
    let bytes = rest.as_bytes();
    let n = needle.len();
    let mut i = 0;
    while i + n <= bytes.len() {
        if bytes[i..i + n].eq_ignore_ascii_case(needle.as_bytes()) {
            return match rest[i..].find('>') {
                Some(gt) => &rest[i + gt + 1..],
                None => "",
            };
        }
        i += 1;
    }
    ""
}

/// Accumulates text with collapsed whitespace and at most one blank line between blocks.
#[derive(Default)]
struct Writer {
    out: String,
    /// A space is owed before the next word.
    space: bool,
    /// Newlines owed before the next word (1 = line break, 2 = blank line).
    newlines: usize,
    /// The next text is the first of a table cell after another one in the row.
    cell_sep: bool,
    /// Characters written so far, and how many may be (past it, nothing more is).
    chars: usize,
    budget: usize,
}

impl Writer {
    fn full(&self) -> bool {
        self.chars > self.budget
    }

    fn push(&mut self, text: &str) {
        if !self.full() {
            self.chars += text.chars().count();
            self.out.push_str(text);
        }
    }

    fn text(&mut self, raw: &str, verbatim: bool) {
        let decoded = decode_entities(raw);
        if verbatim {
            if !decoded.is_empty() {
                self.flush_breaks();
                self.push(&decoded);
            }
            return;
        }
        if decoded.starts_with(char::is_whitespace) {
            self.space = true;
        }
        for (i, word) in decoded.split_whitespace().enumerate() {
            if i > 0 {
                self.space = true;
            }
            self.word(word);
        }
        if decoded.ends_with(char::is_whitespace) {
            self.space = true;
        }
    }

    fn word(&mut self, word: &str) {
        if self.newlines > 0 {
            self.flush_breaks();
        } else if self.cell_sep {
            self.push(" | ");
        } else if self.space && !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
            self.push(" ");
        }
        self.cell_sep = false;
        self.space = false;
        self.push(word);
    }

    fn flush_breaks(&mut self) {
        if !self.out.is_empty() {
            let trimmed = self.out.trim_end_matches(' ').len();
            self.out.truncate(trimmed);
            let have = self.out.len() - self.out.trim_end_matches('\n').len();
            for _ in have..self.newlines {
                self.push("\n");
            }
        }
        self.newlines = 0;
        self.cell_sep = false;
        self.space = false;
    }

    /// Text written as is (list markers), after pending breaks.
    fn raw(&mut self, text: &str) {
        self.flush_breaks();
        self.push(text);
    }

    fn line_break(&mut self) {
        self.newlines = self.newlines.max(1);
    }

    fn block(&mut self) {
        self.newlines = 2;
    }

    fn cell(&mut self) {
        // The first cell of a row follows a line break; later ones get a separator.
        if self.newlines == 0 && !self.out.is_empty() && !self.out.ends_with('\n') {
            self.cell_sep = true;
        }
    }

    fn finish(self) -> (String, bool) {
        let whole = !self.full();
        (self.out.trim().to_string(), whole)
    }
}

/// Decodes the named entities articles use and every numeric one.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        "bull" => '•',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "deg" => '°',
        "times" => '×',
        "rarr" => '→',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_readable_text() {
        let cases: &[(&str, &str, &str)] = &[
            ("plain text", "Reset the token", "Reset the token"),
            (
                "paragraphs",
                "<p>First   para.</p><p>Second\npara.</p>",
                "First para.\n\nSecond para.",
            ),
            ("inline tags join words", "<p>Use <b>Settings</b>&gt;<i>Reset</i> now</p>", "Use Settings>Reset now"),
            ("br", "line one<br>line two<br/>three", "line one\nline two\nthree"),
            (
                "unordered list",
                "<p>Steps:</p><ul><li>Quit</li><li>Start</li></ul><p>Done</p>",
                "Steps:\n\n- Quit\n- Start\n\nDone",
            ),
            (
                "ordered list",
                "<ol><li>One</li><li>Two <code>cmd</code></li></ol>",
                "1. One\n2. Two cmd",
            ),
            (
                "nested list",
                "<ul><li>a<ul><li>b</li></ul></li></ul>",
                "- a\n  - b",
            ),
            (
                "table",
                "<table><tr><th>Code</th><th>Meaning</th></tr><tr><td>E1</td><td>Paper jam</td></tr></table>",
                "Code | Meaning\nE1 | Paper jam",
            ),
            (
                "scripts and styles dropped",
                "<style>p{color:red}</style><p>Visible</p><script>alert('x<p>')</script><SCRIPT>y</SCRIPT>",
                "Visible",
            ),
            ("comments dropped", "a<!-- hidden <p> -->b", "ab"),
            ("entities", "&lt;b&gt; &amp; &#8364; &#x41; &nbsp;x &unknown; &", "<b> & € A x &unknown; &"),
            ("headings", "<h2>Cause</h2>Heap full<h2>Fix</h2>Restart", "Cause\n\nHeap full\n\nFix\n\nRestart"),
            ("pre keeps layout", "<pre>a  b\n  c</pre>", "a  b\n  c"),
            ("broken markup", "<p>unclosed <b attr=\"x", "unclosed"),
            ("angle brackets in text", "1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
            ("lone lt", "1 < 2 and 3", "1 < 2 and 3"),
            ("unclosed script drops the rest", "ok<script>never closed", "ok"),
            ("doctype", "<!DOCTYPE html><html><head><title>T</title></head><body>Body</body></html>", "Body"),
        ];
        for (name, html, want) in cases {
            assert_eq!(
                html_to_text(html, 10_000),
                (want.to_string(), true),
                "{name}"
            );
        }
    }

    #[test]
    fn no_tag_survives_a_real_article() {
        let html = "<h1>VPN</h1><p>If the client says <code>&lt;timeout&gt;</code>:</p><ol><li>Quit</li></ol><table><tbody><tr><td>a</td></tr></tbody></table>";
        let (text, _) = html_to_text(html, 10_000);
        assert!(!text.contains("<ol") && !text.contains("</"), "{text}");
        assert!(text.contains("<timeout>"));
    }

    #[test]
    fn long_text_is_cut_with_a_note() {
        let text = "é".repeat(50);
        let cut_text = cut(text.clone(), 10, "Article", true);
        assert!(cut_text.starts_with(&"é".repeat(10)));
        assert!(
            cut_text.contains("cut at 10 of 50 characters"),
            "{cut_text}"
        );
        assert_eq!(cut(text.clone(), 50, "Article", true), text);
        let stopped = cut(text.clone(), 50, "Article", false);
        assert!(
            stopped.contains("cut at 50 characters of a longer text"),
            "{stopped}"
        );
    }

    #[test]
    fn multi_megabyte_bodies_convert_in_one_pass_up_to_the_budget() {
        let html = "<p>word &amp; more</p>".repeat(200_000);
        let (text, whole) = html_to_text(&html, 1_500_000);
        assert!(!whole);
        assert!(text.len() > 1_000_000 && text.chars().count() <= 1_500_100);
        assert!(!text.contains('<'));
        let (small, whole) = html_to_text(&"<p>word &amp; more</p>".repeat(10), 1_000);
        assert!(whole && small.len() < 1_000);
    }

    #[test]
    fn deep_list_nesting_costs_a_bounded_output() {
        // 100 KB of `<ul><li>`: the indentation once grew with the depth (over 70 MB of
        // text from 50 KB); now it stops at MAX_INDENT and the output at the budget.
        let html = "<ul><li>x".repeat(100_000 / 9);
        let (text, whole) = html_to_text(&html, 100_000);
        assert!(!whole);
        assert!(text.len() <= 100_100, "{} bytes", text.len());
        let widest = text.lines().map(|l| l.len()).max().unwrap_or(0);
        assert!(widest <= 2 * MAX_INDENT + 3, "{widest}");
        // Without a budget in reach, the whole nesting converts linearly.
        let (text, whole) = html_to_text(&html, usize::MAX - 1);
        assert!(whole);
        assert!(text.len() < 25 * 100_000 / 9, "{} bytes", text.len());
        // Closing more lists than were tracked never underflows.
        let closes = format!("{}{}", "<ol><li>a".repeat(40), "</li></ol>".repeat(80));
        assert!(html_to_text(&closes, 10_000).1);
    }
}
