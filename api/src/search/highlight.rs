//! Highlights: a release's title and a snippet of its text with the words a search matched
//! wrapped in `<mark>`, everything else HTML-escaped. Made here rather than by each engine
//! (`ts_headline`, FTS5's `snippet`) so that the marks are the same on every engine, and so that
//! the snippet is cut from the text a reader sees (`bodyText`), not from the index's terms.

use std::collections::HashSet;

use super::{
    Analyzer, fold,
    query::{Part, SearchQuery},
    words,
};

/// Words a snippet shows.
const SNIPPET_WORDS: usize = 30;
/// Words shown before the first match.
const LEAD_WORDS: usize = 8;

/// Which words of a text a search matched.
pub struct Matcher {
    terms: HashSet<String>,
    prefixes: Vec<String>,
}

impl Matcher {
    pub fn new(query: &SearchQuery) -> Self {
        let mut matcher = Self { terms: HashSet::new(), prefixes: Vec::new() };
        for part in query.positive_parts() {
            match part {
                Part::Term(term) => {
                    matcher.terms.insert(term.clone());
                }
                Part::Prefix(prefix) => matcher.prefixes.push(prefix.clone()),
                Part::Phrase(terms) => matcher.terms.extend(terms.iter().cloned()),
            }
        }
        matcher
    }

    /// Whether `word` (of a text in `analyzer`'s language) matched, stemmed or as it is.
    fn matches(&self, analyzer: &Analyzer, word: &str) -> bool {
        let (term, folded) = (analyzer.term(word), fold(word));
        [term, folded].iter().any(|form| {
            self.terms.contains(form) || self.prefixes.iter().any(|prefix| form.starts_with(prefix.as_str()))
        })
    }

    /// `text`, escaped, with every matched word marked.
    pub fn mark(&self, analyzer: &Analyzer, text: &str) -> String {
        let spans: Vec<(usize, &str)> = words(text).collect();
        self.render(analyzer, text, &spans, 0, text.len())
    }

    /// Up to 30 words of `text` around its first match, escaped and marked, with `…` where it
    /// was cut; `None` if nothing in `text` matched.
    pub fn snippet(&self, analyzer: &Analyzer, text: &str) -> Option<String> {
        let spans: Vec<(usize, &str)> = words(text).collect();
        let first = spans.iter().position(|(_, word)| self.matches(analyzer, word))?;
        Some(self.window(analyzer, text, &spans, first.saturating_sub(LEAD_WORDS)))
    }

    /// The first 30 words of `text`, escaped and marked: the snippet when only the title matched.
    pub fn opening(&self, analyzer: &Analyzer, text: &str) -> String {
        let spans: Vec<(usize, &str)> = words(text).collect();
        self.window(analyzer, text, &spans, 0)
    }

    fn window(&self, analyzer: &Analyzer, text: &str, spans: &[(usize, &str)], start: usize) -> String {
        if spans.is_empty() {
            return String::new();
        }
        let end = (start + SNIPPET_WORDS).min(spans.len());
        let from = if start == 0 { 0 } else { spans[start].0 };
        let to = if end == spans.len() { text.len() } else { spans[end - 1].0 + spans[end - 1].1.len() };
        let mut out = String::new();
        if start > 0 {
            out.push_str("… ");
        }
        out.push_str(self.render(analyzer, text, &spans[start..end], from, to).trim());
        if end < spans.len() {
            out.push_str(" …");
        }
        out
    }

    /// `text[from..to]` escaped, with the words of `spans` that matched marked.
    fn render(&self, analyzer: &Analyzer, text: &str, spans: &[(usize, &str)], from: usize, to: usize) -> String {
        let mut out = String::with_capacity(to - from + 16);
        let mut at = from;
        for &(offset, word) in spans {
            if !self.matches(analyzer, word) {
                continue;
            }
            escape_into(&mut out, &text[at..offset]);
            out.push_str("<mark>");
            escape_into(&mut out, word);
            out.push_str("</mark>");
            at = offset + word.len();
        }
        escape_into(&mut out, &text[at..to]);
        out
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(text: &str, language: &str) -> (Matcher, Analyzer) {
        let query = SearchQuery::parse(text, &[Analyzer::for_language(language)]).unwrap();
        (Matcher::new(&query), Analyzer::for_language(language))
    }

    #[test]
    fn titles_are_escaped_and_marked_by_stem_and_accent() {
        let (m, en) = matcher("trafficking <b>", "en");
        assert_eq!(
            m.mark(&en, "Traffickers & <b>trafficked</b>"),
            "<mark>Traffickers</mark> &amp; &lt;<mark>b</mark>&gt;<mark>trafficked</mark>&lt;/<mark>b</mark>&gt;"
        );
        let (m, fr) = matcher("securite", "fr");
        assert_eq!(m.mark(&fr, "La sécurité d'abord"), "La <mark>sécurité</mark> d&#39;abord");
    }

    #[test]
    fn snippets_cut_around_the_first_match() {
        let (m, en) = matcher("quito", "en");
        let text = (1..=50).map(|n| format!("w{n}")).collect::<Vec<_>>().join(" ")
            + " Quito, Ecuador. More words follow here.";
        let snippet = m.snippet(&en, &text).unwrap();
        assert!(snippet.starts_with("… w43 "), "{snippet}");
        assert!(snippet.contains("<mark>Quito</mark>, Ecuador."), "{snippet}");
        assert!(!snippet.ends_with('…'), "{snippet}");
        assert_eq!(m.snippet(&en, "nothing here"), None);
        assert_eq!(m.opening(&en, "Short text."), "Short text.");
        assert_eq!(m.mark(&en, "prefix* words"), "prefix* words");
    }
}
