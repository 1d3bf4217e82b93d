//! A run's replications and their results aggregated over them: what a job
//! produces and the report layer writes.

use super::{Aggregate, Label, Layout, ScopeNames, SlotTotals, WaitHistogram, aggregate, metric_labels, metric_values};
use crate::model::{RunCounts, Trace};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// What one replication produced.
pub struct Replication {
    /// 0-based: what its random streams are keyed by. Files and messages
    /// number replications from 1, as days are ([`Replication::number`]).
    pub index: u32,
    /// Whole-run metric values, in label order.
    pub whole: Vec<Option<f64>>,
    /// Metric values of each slot that saw anything, by slot index.
    pub slots: Vec<(usize, Vec<Option<f64>>)>,
    pub counts: RunCounts,
    pub trace: Option<Trace>,
    /// Waits of answered new chats over the whole run: all, then each skill.
    pub wait_hists: Vec<WaitHistogram>,
}

impl Replication {
    /// The replication's number in files and messages: `index` + 1
    /// (replications are numbered from 1, as days are).
    pub fn number(&self) -> u32 {
        self.index + 1
    }
}

/// The statistics layout of a scenario.
pub fn layout(sc: &Scenario, per_day: bool) -> Layout {
    let sim = &sc.simulation;
    Layout {
        reasons: sc.reasons.len(),
        skills: sc.skills.len(),
        caps: sc.groups.iter().map(|g| g.rules.max_concurrent).collect(),
        interval: sim.interval_length(),
        per_day,
        warmup_at: sim.warmup_end(),
        threshold: sc.service_level.threshold,
        short_abandon: sc.service_level.short_abandon,
        blocking: sc.blocking(),
        retrials: sc.retrials(),
        misrouting: sc.misrouting(),
        shrinks: sc.shrinks(),
    }
}

/// The names that label scopes in the output.
pub fn scope_names(sc: &Scenario) -> ScopeNames {
    ScopeNames {
        reasons: sc.reasons.iter().map(|r| r.name.clone()).collect(),
        skills: sc.skills.clone(),
        groups: sc.groups.iter().map(|g| g.name.clone()).collect(),
    }
}

/// Runs `f` with `threads` worker threads for its parallel parts (0: all cores).
/// Parallel results are always gathered in order, so they never depend on it.
/// Called from within a pool (a search running many trials), it uses that pool.
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    if rayon::current_thread_index().is_some() {
        return f();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

/// A run's results, aggregated over its replications.
pub struct Results {
    pub labels: Vec<Label>,
    pub summary: Vec<Aggregate>,
    /// Per slot (in slot order): its index and its aggregated metrics.
    pub intervals: Vec<(usize, Vec<Aggregate>)>,
    /// Per replication, per slot of `intervals`: the values (empty slots filled in).
    pub slot_values: Vec<Vec<Vec<Option<f64>>>>,
    /// Waits of answered new chats, all replications together: all, then each skill.
    pub wait_hists: Vec<WaitHistogram>,
}

/// Aggregates replications: the whole run, and every slot any replication saw.
pub fn aggregate_results(sc: &Scenario, per_day: bool, reps: &[Replication]) -> Results {
    let layout = layout(sc, per_day);
    let names = scope_names(sc);
    let labels = metric_labels(&layout, &names);
    let wholes: Vec<&[Option<f64>]> = reps.iter().map(|r| r.whole.as_slice()).collect();
    let summary = aggregate(&labels, &wholes);
    let slots: BTreeSet<usize> = reps.iter().flat_map(|r| r.slots.iter().map(|s| s.0)).collect();
    let empty = metric_values(&layout, &names, &SlotTotals::new(&layout));
    let slot_values: Vec<Vec<Vec<Option<f64>>>> = reps
        .iter()
        .map(|r| {
            slots
                .iter()
                .map(|&i| match r.slots.binary_search_by_key(&i, |s| s.0) {
                    Ok(k) => r.slots[k].1.clone(),
                    Err(_) => empty.clone(),
                })
                .collect()
        })
        .collect();
    let slots: Vec<usize> = slots.into_iter().collect();
    let intervals = slots
        .par_iter()
        .enumerate()
        .map(|(k, &i)| {
            let per_rep: Vec<&[Option<f64>]> = slot_values.iter().map(|v| v[k].as_slice()).collect();
            (i, aggregate(&labels, &per_rep))
        })
        .collect();
    let mut wait_hists = vec![WaitHistogram::default(); 1 + sc.skills.len()];
    for rep in reps {
        for (all, one) in wait_hists.iter_mut().zip(&rep.wait_hists) {
            all.merge(one);
        }
    }
    Results { labels, summary, intervals, slot_values, wait_hists }
}
