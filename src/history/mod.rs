//! A real center's history: the contact segments of `history.csv` and the
//! logged-in spans of `agents.csv` (formats in the README's "History
//! files"), read and checked, for `fit` and `backtest`.
//!
//! The history is data, not a scenario: times are local date-times
//! (`engine::Stamp`), names stay names. It uses the model only for the outcome
//! vocabulary it shares with the trace, so that a traced run's
//! `history.csv` reads back as it was written.

pub mod read;

pub use crate::engine::{Date, Stamp};
pub use read::{ReadOptions, read_agents, read_history};

use crate::model::Outcome;
use std::ops::Range;
use std::path::PathBuf;

/// One contact segment: a row of `history.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The row's line in the file, for messages.
    pub line: u64,
    /// Index into [`History::reasons`].
    pub reason: u32,
    pub arrival: Stamp,
    pub answered: Option<Stamp>,
    pub ended: Stamp,
    /// Index into [`History::agents`].
    pub agent: Option<u32>,
    pub wrapup_end: Option<Stamp>,
    pub outcome: Outcome,
}

impl Segment {
    /// Seconds in queue: to the answer, or to leaving the queue unanswered.
    pub fn wait(&self) -> f64 {
        self.answered.unwrap_or(self.ended).secs_since(self.arrival)
    }

    /// Seconds from the answer to the end of the conversation.
    pub fn talk(&self) -> Option<f64> {
        self.answered.map(|a| self.ended.secs_since(a))
    }

    /// Seconds from the end of the conversation to the disposition.
    pub fn wrapup(&self) -> Option<f64> {
        self.wrapup_end.map(|w| w.secs_since(self.ended))
    }
}

/// The segments of one contact (rows sharing an `id`), in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: String,
    /// Indices into [`History::segments`].
    pub segments: Range<usize>,
}

/// Rows left out by `--skip-bad-rows`, for one reason.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Skipped {
    pub rows: u64,
    /// The first such row's error, as an example.
    pub first: Option<String>,
}

/// A history read from `history.csv`.
#[derive(Debug, Clone)]
pub struct History {
    pub file: PathBuf,
    /// Reason names in the order first seen.
    pub reasons: Vec<String>,
    /// Agent names in the order first seen (empty without an `agent` column).
    pub agents: Vec<String>,
    /// Contacts by the arrival of their first segment.
    pub contacts: Vec<Contact>,
    /// All segments, each contact's together and in arrival order.
    pub segments: Vec<Segment>,
    pub has_agent: bool,
    pub has_wrapup: bool,
    pub has_outcome: bool,
    /// Rows skipped by `--skip-bad-rows`, by the reason they name.
    pub skipped: Vec<(String, Skipped)>,
}

impl History {
    /// The segments of a contact.
    pub fn of(&self, contact: &Contact) -> &[Segment] {
        &self.segments[contact.segments.clone()]
    }

    /// The dates with at least one contact arriving, in order.
    pub fn dates(&self) -> Vec<Date> {
        let mut dates: Vec<Date> =
            self.contacts.iter().map(|c| self.segments[c.segments.start].arrival.date()).collect();
        dates.dedup();
        dates
    }
}

/// A span an agent was logged in: a row of `agents.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSpan {
    /// Index into [`Agents::names`].
    pub agent: u32,
    pub start: Stamp,
    pub end: Stamp,
    /// False for a span not available for contacts (a break, a meeting).
    pub available: bool,
}

/// The logged-in spans of `agents.csv`.
#[derive(Debug, Clone)]
pub struct Agents {
    pub file: PathBuf,
    pub names: Vec<String>,
    pub spans: Vec<AgentSpan>,
}
