//! Escaping of names and values, one function per output format. Names
//! and values come from configs and from the live directory, where anyone
//! with a web login can type them: a group named
//! `x<img src=x onerror=alert(1)>` must not put live HTML in a comment, and
//! one named `g\e]0;pwned\a` must not set a terminal's title. Every
//! renderer passes what it did not write itself through these.
//!
//! JSON needs no function here: serde writes every control character as
//! `\u00XX` and a JSON string cannot hold markup.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` would do something at a terminal instead of being shown:
/// C0 and C1 controls, DEL, and the bidirectional overrides that reorder
/// what a reader sees.
fn is_active(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text for a terminal or a log: control characters and escape sequences
/// shown as `\e`, `\a`, `\n`, `\x7f`, `\u{202e}`, never written raw. A
/// backslash stays a backslash; what is shown is for reading, not parsing.
pub fn text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_active) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\x1b' => out.push_str("\\e"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x100 && is_active(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_active(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text for a terminal whose lines are the renderer's own: like [`text`],
/// but a line break stays a line break.
pub fn text_lines(lines: &str) -> String {
    lines
        .split('\n')
        .map(|line| text(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text for HTML, in element content and in quoted attributes alike;
/// control characters are shown as [`text`] shows them.
pub fn html(text: &str) -> String {
    let visible = self::text(text);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for Markdown outside code and outside HTML blocks: `<`, `>` and
/// `&` as character references (no HTML, no entity), and every character
/// that could start other markup (emphasis, links and images, tables,
/// code, strike-through, math, a closing `#`) behind a backslash.
pub fn markdown(text: &str) -> String {
    let visible = self::text(text);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A name as Markdown inline code: a code span shows its content as is,
/// so only the backticks around it must outnumber any inside it.
pub fn markdown_code(text: &str) -> String {
    let visible = self::text(text);
    let mut longest = 0;
    let mut run = 0;
    for c in visible.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if visible.starts_with('`') || visible.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{visible}{pad}{fence}")
}

/// A sentence of roster's own whose names are in backticks
/// (``cannot delete user `bob` ``), for Markdown: the names stay code
/// spans, everything around them is escaped by [`markdown`]. A name that
/// holds a backtick itself only moves where code starts; nothing becomes
/// markup either way.
pub fn markdown_prose(sentence: &str) -> String {
    let mut out = String::with_capacity(sentence.len());
    let parts: Vec<&str> = sentence.split('`').collect();
    let closed = parts.len() % 2 == 1;
    for (i, part) in parts.iter().enumerate() {
        // An unpaired last backtick opens no code span.
        let is_code = i % 2 == 1 && (closed || i + 1 < parts.len());
        if is_code {
            out.push('`');
            out.push_str(&text(part));
            out.push('`');
        } else {
            if i % 2 == 1 {
                out.push_str("\\`");
            }
            out.push_str(&markdown(part));
        }
    }
    out
}

/// A line inside a fenced code block: shown as is, except that control
/// characters are made visible, and a line can never close the fence.
pub fn markdown_fenced(line: &str) -> String {
    let visible = text(line);
    if visible.trim_start().starts_with("```") || visible.trim_start().starts_with("~~~") {
        format!(" {visible}")
    } else {
        visible.into_owned()
    }
}

/// Text for a Slack message: `&`, `<` and `>` as Slack's own entities (a
/// `<!channel>` in a name must not notify a channel), control characters
/// made visible.
pub fn slack(text: &str) -> String {
    self::text(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The message of a GitHub workflow command (`::error ...::MESSAGE`):
/// control characters made visible, line breaks and `%` encoded as the
/// runner reads them.
pub fn workflow_data(message: &str) -> String {
    text_lines(&message.replace('\r', ""))
        .replace('%', "%25")
        .replace('\n', "%0A")
}

/// A property of a GitHub workflow command (`file=`, `title=`): as
/// [`workflow_data`], and `:` and `,` encoded too.
pub fn workflow_property(value: &str) -> String {
    workflow_data(value).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_shows_controls_instead_of_sending_them() {
        assert_eq!(text("g\x1b]0;pwned\x07"), "g\\e]0;pwned\\a");
        assert_eq!(text("a\u{202e}b\x7f\u{85}"), "a\\u{202e}b\\x7f\\x85");
        assert_eq!(text("plain é"), "plain é");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
        assert_eq!(text_lines("a\x1b\nb"), "a\\e\nb");
    }

    #[test]
    fn html_is_never_markup() {
        assert_eq!(
            html("x<img src=x onerror=alert(1)>\"'&\x1b"),
            "x&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;\\e"
        );
    }

    #[test]
    fn markdown_is_never_markup() {
        assert_eq!(
            markdown("x<img src=x> *a* _b_ [c](d) | `e` ![f] ~~g~~ #h \\ &lt;"),
            "x&lt;img src=x&gt; \\*a\\* \\_b\\_ \\[c\\](d) \\| \\`e\\` !\\[f\\] \\~\\~g\\~\\~ \\#h \\\\ &amp;lt;"
        );
        assert_eq!(markdown_code("x<img>"), "`x<img>`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`a"), "`` `a ``");
        assert_eq!(
            markdown_prose("group `x<b>` is *new*"),
            "group `x<b>` is \\*new\\*"
        );
        assert_eq!(markdown_prose("odd ` tick <i>"), "odd \\` tick &lt;i&gt;");
        assert_eq!(markdown_fenced("```\x1b"), " ```\\e");
    }

    #[test]
    fn slack_text_notifies_nobody() {
        assert_eq!(slack("<!channel> & co\x1b"), "&lt;!channel&gt; &amp; co\\e");
    }

    #[test]
    fn workflow_commands_cannot_be_ended_early() {
        assert_eq!(workflow_data("a%\r\nb\x1b"), "a%25%0Ab\\e");
        assert_eq!(workflow_property("a:b,c"), "a%3Ab%2Cc");
    }
}
