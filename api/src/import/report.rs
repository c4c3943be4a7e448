//! What an import did (or would do): counts per type, and each failure with its line, key, field
//! and code. Serialised as JSON for scripts and the HTTP API, printed as text for people.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Failure, Mode, record::Kind};

/// Created, updated, unchanged and failed records of one type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
}

/// The report of one import.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub mode: Mode,
    pub dry_run: bool,
    /// Whether the writes were kept (false for a dry run, and for an atomic import with failures).
    pub committed: bool,
    /// Records read from the file.
    pub records: u64,
    pub counts: BTreeMap<Kind, Counts>,
    /// At most `MAX_FAILURES` failures are listed; `failed` counts all of them.
    pub failures: Vec<Failure>,
    pub failed: u64,
}

/// Failures listed in full in one report.
pub const MAX_FAILURES: usize = 1000;

impl Report {
    pub fn new(mode: Mode, dry_run: bool) -> Self {
        Self { mode, dry_run, committed: false, records: 0, counts: BTreeMap::new(), failures: Vec::new(), failed: 0 }
    }

    pub fn counts(&mut self, kind: Kind) -> &mut Counts {
        self.counts.entry(kind).or_default()
    }

    /// Records a failure (counted against its type, if it has one).
    pub fn fail(&mut self, failure: Failure) {
        if let Some(kind) = failure.kind {
            self.counts(kind).failed += 1;
        }
        self.failed += 1;
        if self.failures.len() < MAX_FAILURES {
            self.failures.push(failure);
        }
    }

    /// The report for people.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let verb = match (self.dry_run, self.committed) {
            (true, _) => "dry run: nothing was written",
            (false, true) => "imported",
            (false, false) => "nothing was written",
        };
        out.push_str(&format!("{} records read, {} failed ({verb})\n", self.records, self.failed));
        for (kind, counts) in &self.counts {
            out.push_str(&format!(
                "  {:<13} {:>7} created {:>7} updated {:>7} unchanged {:>7} failed\n",
                kind.name(),
                counts.created,
                counts.updated,
                counts.unchanged,
                counts.failed
            ));
        }
        for failure in &self.failures {
            let mut at = String::new();
            if let Some(line) = failure.line {
                at.push_str(&format!("line {line}"));
            }
            if let Some(kind) = failure.kind {
                at.push_str(&format!(" {}", kind.name()));
            }
            if let Some(key) = &failure.key {
                at.push_str(&format!(" `{key}`"));
            }
            if let Some(field) = &failure.field {
                at.push_str(&format!(" {field}"));
            }
            out.push_str(&format!("  {}: {} {}\n", at.trim(), failure.code, failure.message));
        }
        if self.failures.len() < self.failed as usize {
            out.push_str(&format!("  … and {} more\n", self.failed as usize - self.failures.len()));
        }
        out
    }
}
