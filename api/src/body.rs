//! Release bodies come as Markdown or as HTML (archives hold HTML). Whatever leaves the API as
//! HTML is sanitised, so that a body can never carry script into a partner's page; and every body
//! has a plain-text form, for summaries and search.

use std::cell::RefCell;

use entity::release::BodyFormat;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};

/// The body as HTML that is safe to put in any page: Markdown rendered, HTML kept as given (never
/// read as Markdown, which turns indented HTML into code blocks), then sanitised either way.
/// Lists, tables, headings, links and images by URL stay; scripts, styles, event handlers and
/// `data:` or `javascript:` URLs go.
pub fn to_safe_html(body: &str, format: BodyFormat) -> String {
    match format {
        BodyFormat::Html => ammonia::clean(body),
        BodyFormat::Markdown => ammonia::clean(&markdown_html(body)),
    }
}

/// Markdown (CommonMark, with tables) as HTML, unsanitised.
fn markdown_html(body: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(body, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::with_capacity(body.len() * 5 / 4);
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

/// The body's text, without markup: each block (paragraph, heading, list item, table row) on a
/// line of its own, empty ones left out, and entities decoded.
pub fn to_text(body: &str, format: BodyFormat) -> String {
    tidy(&characters(&to_safe_html(body, format)))
}

/// The words of `to_text`, for the search index, at a fraction of its cost (an import indexes
/// every body): the HTML is not sanitised first, and the script and style content the sanitiser
/// would drop is skipped instead. Lines and spaces are left as they come.
pub fn to_search_text(body: &str, format: BodyFormat) -> String {
    match format {
        BodyFormat::Html => characters(body),
        BodyFormat::Markdown => characters(&markdown_html(body)),
    }
}

/// The characters of `html` outside tags, entities decoded.
fn characters(html: &str) -> String {
    let tokenizer = Tokenizer::new(TextSink::default(), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(html.into());
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    tokenizer.sink.text.take()
}

/// Collects the characters of an HTML document, with a line break where a block starts or ends.
#[derive(Default)]
struct TextSink {
    text: RefCell<String>,
    /// Inside a `script` or `style` element, whose content is not text.
    skipping: std::cell::Cell<bool>,
}

/// Elements whose start or end is a line break in text.
const BLOCKS: [&str; 24] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "p",
    "pre",
    "table",
    "tr",
];

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut text = self.text.borrow_mut();
        match token {
            Token::TagToken(tag) if matches!(&*tag.name, "script" | "style") => {
                self.skipping.set(tag.kind == TagKind::StartTag);
            }
            Token::CharacterTokens(_) if self.skipping.get() => {}
            Token::CharacterTokens(characters) => text.push_str(&characters),
            Token::TagToken(tag) if BLOCKS.contains(&&*tag.name) => text.push('\n'),
            // Cells of a row stay apart.
            Token::TagToken(tag) if tag.kind == TagKind::EndTag && matches!(&*tag.name, "td" | "th") => text.push('\t'),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Each line's runs of white space as one space, lines trimmed, empty ones left out.
fn tidy(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use entity::release::BodyFormat::{Html, Markdown};

    use super::{to_safe_html, to_search_text, to_text};

    #[test]
    fn scripts_are_removed_and_markup_kept() {
        let html = to_safe_html("**Quito** <script>alert(1)</script>", Markdown);
        assert!(html.contains("<strong>Quito</strong>"));
        assert!(!html.contains("script"));
    }

    #[test]
    fn html_bodies_are_kept_as_html_not_read_as_markdown() {
        // Indented HTML after a blank line is a code block in Markdown: the bug real archives met.
        let body = "<p>Intro</p>\n\n    <ul>\n      <li>One &amp; two</li>\n    </ul>\n<img src=\"https://example.org/a.png\" onerror=\"x()\"><img src=\"data:image/png;base64,AAAA\"><table><tr><td>a</td><td>b</td></tr></table>";
        let html = to_safe_html(body, Html);
        assert!(html.contains("<ul>") && html.contains("<li>One &amp; two</li>"), "{html}");
        assert!(!html.contains("<pre>") && !html.contains("&lt;ul"), "{html}");
        assert!(html.contains("src=\"https://example.org/a.png\"") && !html.contains("onerror"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("<td>a</td>"), "{html}");
    }

    #[test]
    fn text_keeps_the_words_and_the_blocks() {
        let text =
            to_text("<h2>Title</h2><p>One &amp;  <b>two</b></p><ul><li>a</li><li>b</li></ul><p></p><p>End</p>", Html);
        assert_eq!(text, "Title\nOne & two\na\nb\nEnd");
        let text = to_text("# Heading\n\nA *fine* [link](https://example.org).\n\n- x\n- y", Markdown);
        assert_eq!(text, "Heading\nA fine link.\nx\ny");
    }

    #[test]
    fn search_text_has_the_words_of_the_text() {
        let body = "<h2>Title</h2><script>var hidden = 1;</script><style>p { x: y }</style><p>One &amp; <b>two</b></p>";
        let words = |text: &str| text.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(words(&to_search_text(body, Html)), words(&to_text(body, Html)));
        assert_eq!(words(&to_search_text("# Heading\n\nA *fine* word.", Markdown)), ["Heading", "A", "fine", "word."]);
    }
}
