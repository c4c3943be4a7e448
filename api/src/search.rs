//! Full-text search, the half that does not depend on the engine: how text becomes terms, how a
//! search box's text becomes a query, and how matches are highlighted.
//!
//! newsroom analyses text itself rather than through each engine's dictionaries: PostgreSQL would
//! need the `unaccent` extension to fold accents, MariaDB has no stemming and skips short words,
//! and SQLite's FTS5 stems English only. One analyser gives the same terms, and so the same hits,
//! on every engine; each engine then indexes, matches and pages them with its own machinery
//! (`service::search`).

pub mod highlight;
pub mod query;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// How one language's words become terms: folded (lower case, accents dropped), then stemmed
/// where Snowball has a stemmer for the language.
pub struct Analyzer {
    stemmer: Option<Stemmer>,
}

/// Longest search accepted, in characters: a search box, not a document.
pub const MAX_CHARS: usize = 500;

/// The languages the search box is analysed in when the searcher names none: the UN's official
/// languages that have a stemmer (Chinese has none, and is matched by words).
pub const DEFAULT_LANGUAGES: [&str; 5] = ["en", "fr", "es", "ru", "ar"];

impl Analyzer {
    /// The analyser of a BCP 47 language tag (by its primary subtag: `es-EC` is Spanish).
    pub fn for_language(tag: &str) -> Self {
        let primary = tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Self { stemmer: algorithm(&primary).map(Stemmer::create) }
    }

    /// No stemming: names, which are not inflected.
    pub fn plain() -> Self {
        Self { stemmer: None }
    }

    /// The term of one word (as `words` returns them).
    pub fn term(&self, word: &str) -> String {
        let folded = fold(word);
        let mut term = match &self.stemmer {
            Some(stemmer) => stemmer.stem(&folded).into_owned(),
            None => folded,
        };
        if let Some((cut, _)) = term.char_indices().nth(query::MAX_TERM_CHARS) {
            term.truncate(cut);
        }
        term
    }
}

/// An analyser that remembers the term of each word it has seen: words repeat across a batch of
/// releases, and a lookup costs less than folding and stemming again (what an import's index
/// spends its time on).
pub struct Memo {
    analyzer: Analyzer,
    seen: std::collections::HashMap<String, String>,
}

/// Most words a `Memo` remembers.
const MEMO_WORDS: usize = 200_000;

impl Memo {
    pub fn new(analyzer: Analyzer) -> Self {
        Self { analyzer, seen: std::collections::HashMap::new() }
    }

    /// The terms of `text`, space-separated: what the index holds.
    pub fn terms(&mut self, text: &str) -> String {
        let mut terms = String::with_capacity(text.len());
        for (_, word) in words(text) {
            if !terms.is_empty() {
                terms.push(' ');
            }
            match self.seen.get(word) {
                Some(term) => terms.push_str(term),
                None => {
                    let term = self.analyzer.term(word);
                    terms.push_str(&term);
                    if self.seen.len() < MEMO_WORDS {
                        self.seen.insert(word.to_owned(), term);
                    }
                }
            }
        }
        terms
    }
}

/// Snowball's stemmers by ISO 639-1 code.
fn algorithm(primary: &str) -> Option<Algorithm> {
    Some(match primary {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "en" => Algorithm::English,
        "es" => Algorithm::Spanish,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "nl" => Algorithm::Dutch,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

/// The words of `text` with their byte offsets: runs of letters, digits and the marks that go
/// with them. Everything else (spaces, punctuation, apostrophes, hyphens) separates words, as
/// every engine's tokenizer does with the terms newsroom hands it.
pub fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = rest.find(|(_, c)| is_word_char(*c))?;
        let mut end = text.len();
        while let Some(&(index, c)) = rest.peek() {
            if !is_word_char(c) {
                end = index;
                break;
            }
            rest.next();
        }
        Some((start, &text[start..end]))
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || (is_combining_mark(c) && !c.is_ascii())
}

/// Lower case without accents: `Médecins` → `medecins`, `Straße` → `strasse`. Only the combining
/// accents of Latin, Greek and Cyrillic (U+0300–U+036F) are dropped: the vowel signs of Arabic or
/// Devanagari are part of the word.
pub fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(word.len());
    for c in word.nfd().flat_map(char::to_lowercase) {
        match c {
            '\u{0300}'..='\u{036F}' => {}
            'ß' => folded.push_str("ss"),
            'æ' => folded.push_str("ae"),
            'œ' => folded.push_str("oe"),
            'ø' => folded.push('o'),
            'đ' => folded.push('d'),
            'ł' => folded.push('l'),
            'ı' => folded.push('i'),
            c => folded.push(c),
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_everything_but_letters_and_digits() {
        let found: Vec<_> = words("Côte d'Ivoire: COVID-19, 2 000 cas.").map(|(_, w)| w).collect();
        assert_eq!(found, ["Côte", "d", "Ivoire", "COVID", "19", "2", "000", "cas"]);
        assert_eq!(words("  ").count(), 0);
        let (offset, word) = words("¿Qué?").next().unwrap();
        assert_eq!((offset, word), (2, "Qué"));
    }

    #[test]
    fn folding_drops_case_and_accents_but_not_other_scripts_signs() {
        assert_eq!(fold("Médecins"), "medecins");
        assert_eq!(fold("SÉCURITÉ"), "securite");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Œuvre"), "oeuvre");
        assert_eq!(fold("Ñandú"), "nandu");
        // Arabic vowel signs (U+064E) stay.
        assert_eq!(fold("\u{0643}\u{064E}"), "\u{0643}\u{064E}");
    }

    #[test]
    fn each_language_stems_its_own_words() {
        let en = Analyzer::for_language("en");
        assert_eq!(en.term("Trafficking"), en.term("trafficked"));
        let fr = Analyzer::for_language("fr-CA");
        assert_eq!(fr.term("sécurité"), fr.term("securite"));
        assert_eq!(fr.term("migrations"), fr.term("migration"));
        let es = Analyzer::for_language("es");
        assert_eq!(es.term("Migrantes"), es.term("migrante"));
        let zh = Analyzer::for_language("zh");
        assert_eq!(zh.term("Trafficking"), "trafficking");
        assert_eq!(Memo::new(en).terms("Human-trafficking: IOM"), "human traffick iom");
    }
}
