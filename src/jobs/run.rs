//! Running a scenario's replications, in parallel, with a deterministic result.
//!
//! Replication `r` owns every random stream it uses (keyed by the seed and
//! `r`), and results are gathered in replication order, so the output is the
//! same whatever the number of threads.

use crate::engine::SimTime;
use crate::model::{AgentLevel, Both, Observer, RunCounts, SegmentRecord, Trace, TraceEvent, simulate};
use crate::scenario::{Scenario, ScenarioError};
use crate::stats::{Collector, metric_values};
// What a run produces, defined in `stats` so that `report` can write it
// without importing a job; here too, beside the functions that make it.
pub use crate::stats::{Replication, Results, aggregate_results, in_pool, layout, scope_names};
use rayon::prelude::*;
use std::ops::Range;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub replications: u32,
    pub seed: u64,
    /// Worker threads; 0 means all cores.
    pub threads: usize,
    pub trace: bool,
    /// Results per interval of each day, instead of per interval of the day over all days.
    pub per_day: bool,
}

impl RunOptions {
    /// The scenario's replications and seed on `threads` threads, no trace,
    /// results per interval of the day (not per day).
    pub fn of(sc: &Scenario, threads: usize) -> RunOptions {
        let sim = &sc.simulation;
        RunOptions { replications: sim.replications, seed: sim.seed, threads, trace: false, per_day: false }
    }
}

/// Runs one replication.
pub fn run_one(sc: &Scenario, opts: &RunOptions, index: u32) -> Replication {
    run_one_reporting(sc, opts, index, &|| {})
}

/// Runs one replication, calling `day_done` as each simulated day completes.
pub fn run_one_reporting(sc: &Scenario, opts: &RunOptions, index: u32, day_done: &(dyn Fn() + Sync)) -> Replication {
    let mut stats = Collector::new(layout(sc, opts.per_day));
    let (counts, trace) = if opts.trace {
        let mut t = Trace::default();
        let mut both = Both(&mut stats, &mut t);
        let counts = simulate(sc, opts.seed, index, &mut DayCounter { inner: &mut both, day_done });
        (counts, Some(t))
    } else {
        (simulate(sc, opts.seed, index, &mut DayCounter { inner: &mut stats, day_done }), None)
    };
    replication(sc, index, &stats, counts, trace)
}

/// Runs one replication (without a trace) with observer `also` beside its
/// collector: staff judges its whole trials and keeps the last one's
/// results, so the staffing found need not be run again.
pub fn run_one_with<O: Observer>(sc: &Scenario, opts: &RunOptions, index: u32, also: &mut O) -> Replication {
    let mut stats = Collector::new(layout(sc, opts.per_day));
    let counts = simulate(sc, opts.seed, index, &mut Both(&mut stats, also));
    replication(sc, index, &stats, counts, None)
}

/// Replication `index`'s record from its collector.
fn replication(sc: &Scenario, index: u32, stats: &Collector, counts: RunCounts, trace: Option<Trace>) -> Replication {
    let names = scope_names(sc);
    let total = stats.total();
    let whole = metric_values(stats.layout(), &names, &total);
    let wait_hists = std::iter::once(0)
        .chain((0..sc.skills.len()).map(|s| stats.layout().skill_scope(s)))
        .map(|scope| total.seg[scope].new.hist.as_deref().cloned().unwrap_or_default())
        .collect();
    let slots = stats
        .slots()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().map(|s| (i, metric_values(stats.layout(), &names, s))))
        .collect();
    Replication { index, whole, slots, counts, trace, wait_hists }
}

/// Refuses a run whose replications did not all finish within the time
/// limit (see [`RunCounts::overran`]): their figures would be incomplete.
pub fn check_finished(sc: &Scenario, reps: &[Replication]) -> Result<(), ScenarioError> {
    match reps.iter().find(|r| r.counts.overran) {
        Some(rep) => Err(time_limit_error(sc, &format!("replication {}", rep.number()))),
        None => Ok(()),
    }
}

/// The error of a run (`what`: "replication 3") stopped at its time limit.
pub fn time_limit_error(sc: &Scenario, what: &str) -> ScenarioError {
    ScenarioError::new(
        &sc.path,
        "",
        format!(
            "{what} did not finish: the center still had work {} after the last day's end, the limit of \
             simulated time; look for a duration with a very heavy tail (an sd far above the mean, a weibull \
             shape far below 1), very slow speeds, or a queue that cannot drain",
            crate::scenario::limits::fmt_secs(crate::scenario::limits::MAX_DRAIN_SECS)
        ),
    )
}

/// Runs every replication; `done` is called after each (from any thread).
pub fn run_all(sc: &Scenario, opts: &RunOptions, done: &(dyn Fn(&Replication) + Sync)) -> Vec<Replication> {
    run_all_reporting(sc, opts, done, &|| {})
}

/// Runs every replication, reporting each finished replication and each simulated day.
pub fn run_all_reporting(
    sc: &Scenario,
    opts: &RunOptions,
    done: &(dyn Fn(&Replication) + Sync),
    day_done: &(dyn Fn() + Sync),
) -> Vec<Replication> {
    run_range_reporting(sc, opts, 0..opts.replications, done, day_done)
}

/// Runs the replications numbered `range` (a shard's share), reporting each
/// finished replication and each simulated day. Replication `r` is the same
/// as in a run of all of them: its random streams depend on `r` alone.
pub fn run_range_reporting(
    sc: &Scenario,
    opts: &RunOptions,
    range: Range<u32>,
    done: &(dyn Fn(&Replication) + Sync),
    day_done: &(dyn Fn() + Sync),
) -> Vec<Replication> {
    let work = |r: u32| {
        let rep = run_one_reporting(sc, opts, r, day_done);
        done(&rep);
        rep
    };
    in_pool(opts.threads, || range.into_par_iter().map(work).collect())
}

/// Passes everything on, and tells when a simulated day is over.
struct DayCounter<'a, O> {
    inner: &'a mut O,
    day_done: &'a (dyn Fn() + Sync),
}

impl<O: Observer> Observer for DayCounter<'_, O> {
    const TRACES: bool = O::TRACES;
    fn segment(&mut self, rec: &SegmentRecord) {
        self.inner.segment(rec);
    }
    fn agent_level(&mut self, at: SimTime, group: usize, from: AgentLevel, to: AgentLevel) {
        self.inner.agent_level(at, group, from, to);
    }
    fn queue_len(&mut self, at: SimTime, skill: usize, reason: usize, delta: i32) {
        self.inner.queue_len(at, skill, reason, delta);
    }
    fn open(&mut self, at: SimTime, open: bool) {
        self.inner.open(at, open);
    }
    fn trace(&mut self, at: SimTime, agent: Option<u32>, chat: Option<(u64, u8)>, ev: TraceEvent) {
        self.inner.trace(at, agent, chat, ev);
    }
    fn roster(&mut self, at: SimTime, group: usize, scheduled: u32, absent: u32) {
        self.inner.roster(at, group, scheduled, absent);
    }
    fn arrived(&mut self, at: SimTime) {
        self.inner.arrived(at);
    }
    fn accepted(&mut self, kind: crate::model::SegmentKind, skill: usize, arrival: SimTime, wait: f64, counted: bool) {
        self.inner.accepted(kind, skill, arrival, wait, counted);
    }
    fn day(&mut self, day: u32) {
        if day > 0 {
            (self.day_done)();
        }
        self.inner.day(day);
    }
    fn finish(&mut self, at: SimTime) {
        self.inner.finish(at);
        (self.day_done)();
    }
}
