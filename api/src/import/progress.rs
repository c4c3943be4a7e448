//! How far an import has got, for whoever watches it: both passes report, at most every
//! `INTERVAL` and once when each ends, so a long write is never silent.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde::Serialize;

/// Which pass an import is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading and checking the file.
    Reading,
    /// Writing the good records.
    Writing,
}

/// One progress report.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Progress {
    pub phase: Phase,
    /// Records read (reading) or written (writing) so far.
    pub records: u64,
    /// What `records` will reach: the good records, once writing; unknown while reading.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_records: Option<u64>,
    /// Bytes read so far, and the files' size (reading only).
    #[serde(skip_serializing_if = "is_zero")]
    pub bytes: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub total_bytes: u64,
    /// Records per second since the phase began.
    pub rate: f64,
    /// Seconds left in this phase, when they can be told (from bytes read, or records written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_seconds: Option<f64>,
    /// Whether the phase is over.
    pub done: bool,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// Receives progress reports.
pub type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

/// How often a phase reports while it runs.
const INTERVAL: Duration = Duration::from_millis(500);

/// Reports one phase: throttled while it runs, and once at its end.
pub struct Reporter {
    sink: Option<OnProgress>,
    phase: Phase,
    started: Instant,
    last: Mutex<Instant>,
}

impl Reporter {
    pub fn new(sink: Option<OnProgress>, phase: Phase) -> Self {
        let now = Instant::now();
        Self { sink, phase, started: now, last: Mutex::new(now) }
    }

    /// Reports `records` (of `total_records`), `bytes` of `total_bytes`, if `INTERVAL` has passed.
    pub fn tick(&self, records: u64, total_records: Option<u64>, bytes: u64, total_bytes: u64) {
        let Some(sink) = &self.sink else { return };
        {
            let mut last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if last.elapsed() < INTERVAL {
                return;
            }
            *last = Instant::now();
        }
        sink(self.progress(records, total_records, bytes, total_bytes, false));
    }

    /// Reports the end of the phase.
    pub fn done(&self, records: u64, total_records: Option<u64>, bytes: u64, total_bytes: u64) {
        if let Some(sink) = &self.sink {
            sink(self.progress(records, total_records, bytes, total_bytes, true));
        }
    }

    fn progress(&self, records: u64, total_records: Option<u64>, bytes: u64, total_bytes: u64, done: bool) -> Progress {
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        let left =
            |done: u64, total: u64| (done > 0).then(|| total.saturating_sub(done) as f64 * seconds / done as f64);
        let eta_seconds = match (self.phase, total_records) {
            _ if done => Some(0.0),
            (Phase::Writing, Some(total)) => left(records, total),
            _ => left(bytes, total_bytes),
        };
        Progress {
            phase: self.phase,
            records,
            total_records,
            bytes,
            total_bytes,
            rate: records as f64 / seconds,
            eta_seconds,
            done,
        }
    }
}
