//! The search box's syntax, and its translation to each engine's.
//!
//! Syntax: words (all must match), `"exact phrases"`, `-excluded` words or phrases, `a OR b`
//! (either), `prefix*`. Nothing is an error: a quote left open closes at the end, a lone `-`, `*`
//! or `OR` is ignored, and punctuation inside a word splits it into a phrase (`covid-19` is the
//! phrase "covid 19"). A search with no word to look for (empty, or only exclusions) is no filter.

use std::collections::BTreeSet;

use super::{Analyzer, fold, words};

/// Most clauses (words, phrases, OR groups) a search keeps; the rest are dropped.
const MAX_CLAUSES: usize = 16;

/// Longest term kept, in characters: InnoDB indexes words of up to 84.
pub const MAX_TERM_CHARS: usize = 60;

/// One way a clause can match: a term, a prefix of a term, or terms in a row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Term(String),
    Prefix(String),
    Phrase(Vec<String>),
}

/// A parsed, analysed search: every clause must match (a clause matches if any of its parts
/// does) and no excluded part may.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    pub all: Vec<Vec<Part>>,
    pub none: Vec<Part>,
}

/// What the searcher typed, before analysis.
#[derive(Debug, PartialEq, Eq)]
enum Item {
    Word { word: String, prefix: bool },
    Phrase(Vec<String>),
}

impl SearchQuery {
    /// Parses `text` and analyses each word with every analyser in `analyzers` (and unstemmed,
    /// for names); `None` when there is nothing to look for.
    pub fn parse(text: &str, analyzers: &[Analyzer]) -> Option<Self> {
        let (all, none) = items(text);
        let analyse = |item: &Item| parts(item, analyzers);
        let all: Vec<Vec<Part>> = all
            .iter()
            .map(|group| {
                let set: BTreeSet<Part> = group.iter().flat_map(analyse).collect();
                set.into_iter().collect::<Vec<_>>()
            })
            .filter(|parts| !parts.is_empty())
            .take(MAX_CLAUSES)
            .collect();
        if all.is_empty() {
            return None;
        }
        let none: BTreeSet<Part> = none.iter().take(MAX_CLAUSES).flat_map(analyse).collect();
        Some(Self { all, none: none.into_iter().collect() })
    }

    /// Clause `index` alone, without exclusions: what ranking asks of each field.
    pub fn clause(&self, index: usize) -> Self {
        Self { all: vec![self.all[index].clone()], none: Vec::new() }
    }

    /// Every positive part, for highlighting.
    pub fn positive_parts(&self) -> impl Iterator<Item = &Part> {
        self.all.iter().flatten()
    }

    /// As a PostgreSQL `tsquery`, bound as text and cast with `CAST(… AS tsquery)`.
    pub fn tsquery(&self) -> String {
        let lexeme =
            |term: &str, prefix: bool| format!("'{}'{}", term.replace('\'', "''"), if prefix { ":*" } else { "" });
        let part = |part: &Part| match part {
            Part::Term(term) => lexeme(term, false),
            Part::Prefix(term) => lexeme(term, true),
            Part::Phrase(terms) => {
                format!("({})", terms.iter().map(|t| lexeme(t, false)).collect::<Vec<_>>().join(" <-> "))
            }
        };
        let mut out: Vec<String> = self
            .all
            .iter()
            .map(|parts| format!("({})", parts.iter().map(part).collect::<Vec<_>>().join(" | ")))
            .collect();
        out.extend(self.none.iter().map(|excluded| format!("!{}", part(excluded))));
        out.join(" & ")
    }

    /// As an SQLite FTS5 query.
    pub fn fts5(&self) -> String {
        let quoted = |term: &str| format!("\"{}\"", term.replace('"', "\"\""));
        let part = |part: &Part| match part {
            Part::Term(term) => quoted(term),
            Part::Prefix(term) => format!("{} *", quoted(term)),
            Part::Phrase(terms) => quoted(&terms.join(" ")),
        };
        let mut out = self
            .all
            .iter()
            .map(|parts| format!("({})", parts.iter().map(part).collect::<Vec<_>>().join(" OR ")))
            .collect::<Vec<_>>()
            .join(" AND ");
        for excluded in &self.none {
            out = format!("({out}) NOT {}", part(excluded));
        }
        out
    }

    /// As a MariaDB/MySQL boolean-mode query over terms written with `prefix` (see
    /// `service::search`).
    pub fn boolean_mode(&self, prefix: &str) -> String {
        let part = |part: &Part| match part {
            Part::Term(term) => format!("{prefix}{term}"),
            Part::Prefix(term) => format!("{prefix}{term}*"),
            Part::Phrase(terms) => {
                format!("\"{}\"", terms.iter().map(|t| format!("{prefix}{t}")).collect::<Vec<_>>().join(" "))
            }
        };
        let mut out: Vec<String> = self
            .all
            .iter()
            .map(|parts| format!("+({})", parts.iter().map(part).collect::<Vec<_>>().join(" ")))
            .collect();
        out.extend(self.none.iter().map(|excluded| format!("-{}", part(excluded))));
        out.join(" ")
    }
}

/// The positive clauses (each a group of alternatives joined by `OR`) and the excluded items.
fn items(text: &str) -> (Vec<Vec<Item>>, Vec<Item>) {
    let (mut all, mut none): (Vec<Vec<Item>>, Vec<Item>) = (Vec::new(), Vec::new());
    let mut join_next = false;
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut excluded = false;
        if c == '-' || c == '+' {
            chars.next();
            excluded = c == '-';
            if chars.peek().is_none_or(|c| c.is_whitespace()) {
                continue;
            }
        }
        let item = if chars.peek() == Some(&'"') {
            chars.next();
            let phrase: String = chars.by_ref().take_while(|c| *c != '"').collect();
            phrase_item(&phrase, false)
        } else {
            let mut token = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                token.push(c);
                chars.next();
            }
            if token == "OR" && !excluded {
                join_next = !all.is_empty();
                continue;
            }
            let prefix = token.ends_with('*');
            phrase_item(token.trim_end_matches('*'), prefix)
        };
        let Some(item) = item else { continue };
        if excluded {
            none.push(item);
        } else if join_next && let Some(last) = all.last_mut() {
            last.push(item);
        } else {
            all.push(vec![item]);
        }
        join_next = false;
    }
    (all, none)
}

/// One word (a prefix if `prefix`), or a phrase when `text` holds several.
fn phrase_item(text: &str, prefix: bool) -> Option<Item> {
    let found: Vec<String> = words(text).map(|(_, word)| word.to_owned()).collect();
    match found.len() {
        0 => None,
        1 => Some(Item::Word { word: found.into_iter().next().unwrap_or_default(), prefix }),
        _ => Some(Item::Phrase(found)),
    }
}

/// The analysed alternatives of one item: its term in each analyser's language and unstemmed.
fn parts(item: &Item, analyzers: &[Analyzer]) -> Vec<Part> {
    let plain = Analyzer::plain();
    let every = analyzers.iter().chain(std::iter::once(&plain));
    let mut parts: Vec<Part> = match item {
        Item::Word { word, prefix: false } => every.map(|a| Part::Term(a.term(word))).collect(),
        Item::Word { word, prefix: true } => every
            .map(|a| {
                // A stem can end differently from the word ("happy" is "happi"): keep what the
                // two share, so the prefix still reaches the stored stem.
                let (folded, stem) = (fold(word), a.term(word));
                let shared = folded.chars().zip(stem.chars()).take_while(|(x, y)| x == y).count();
                Part::Prefix(folded.chars().take(shared.max(1)).collect())
            })
            .collect(),
        Item::Phrase(words) => every.map(|a| Part::Phrase(words.iter().map(|w| a.term(w)).collect())).collect(),
    };
    parts.retain(|part| match part {
        Part::Term(term) | Part::Prefix(term) => !term.is_empty(),
        Part::Phrase(terms) => !terms.is_empty(),
    });
    parts.sort();
    parts.dedup();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english(text: &str) -> Option<SearchQuery> {
        SearchQuery::parse(text, &[Analyzer::for_language("en")])
    }

    fn term(t: &str) -> Part {
        Part::Term(t.into())
    }

    #[test]
    fn words_phrases_exclusions_alternatives_and_prefixes() {
        let query = english(r#"Trafficking "national plan" -Colombia ecuador OR peru traff*"#).unwrap();
        assert_eq!(
            query.all,
            vec![
                vec![term("traffick"), term("trafficking")],
                vec![
                    Part::Phrase(vec!["nation".into(), "plan".into()]),
                    Part::Phrase(vec!["national".into(), "plan".into()])
                ],
                vec![term("ecuador"), term("peru")],
                vec![Part::Prefix("traff".into())],
            ]
        );
        assert_eq!(query.none, vec![term("colombia")]);
    }

    #[test]
    fn malformed_input_degrades_to_words() {
        let query = english(r#"OR "human trafficking - * OR"#).unwrap();
        assert_eq!(query.all.len(), 1, "{query:?}");
        assert!(matches!(&query.all[0][0], Part::Phrase(words) if words.len() == 3));
        assert_eq!(english("covid-19").unwrap().all[0], vec![Part::Phrase(vec!["covid".into(), "19".into()])]);
        assert_eq!(english(""), None);
        assert_eq!(english("   -excluded \"\" * -"), None);
        assert!(english("\"\"\"\"").is_none());
    }

    #[test]
    fn each_engine_gets_its_own_syntax() {
        let query = english(r#"migrant "la paz" -war traf*"#).unwrap();
        assert_eq!(query.tsquery(), "('migrant') & (('la' <-> 'paz')) & ('traf':*) & !'war'");
        assert_eq!(query.clause(0).tsquery(), "('migrant')");
        assert_eq!(query.fts5(), r#"(("migrant") AND ("la paz") AND ("traf" *)) NOT "war""#);
        assert_eq!(query.clause(0).fts5(), r#"("migrant")"#);
        assert_eq!(query.boolean_mode("w_"), r#"+(w_migrant) +("w_la w_paz") +(w_traf*) -w_war"#);
    }
}
