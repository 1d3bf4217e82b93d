//! Running a scenario's replications, in parallel, with a deterministic result.
//!
//! Replication `r` owns every random stream it uses (keyed by the seed and
//! `r`), and results are gathered in replication order, so the output is the
//! same whatever the number of threads.

use crate::engine::SimTime;
use crate::model::{AgentLevel, Both, Observer, RunCounts, SegmentRecord, TraceEvent, simulate};
use crate::report::Trace;
use crate::scenario::{Scenario, ScenarioError};
use crate::stats::{
    Aggregate, Collector, Label, Layout, ScopeNames, SlotTotals, WaitHistogram, aggregate, metric_labels, metric_values,
};
use rayon::prelude::*;
use std::collections::BTreeSet;
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

/// What one replication produced.
pub struct Replication {
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

/// The statistics layout of a scenario.
pub fn layout(sc: &Scenario, per_day: bool) -> Layout {
    let sim = &sc.simulation;
    let origin = SimTime(sim.start as i64 * 1_000_000);
    Layout {
        reasons: sc.reasons.len(),
        skills: sc.skills.len(),
        caps: sc.groups.iter().map(|g| g.rules.max_concurrent).collect(),
        interval_us: sim.interval as i64 * 1_000_000,
        per_day,
        warmup_at: if sim.warmup > 0.0 { origin.after_secs(sim.warmup) } else { SimTime(i64::MIN) },
        threshold: sc.service_level.threshold,
        short_abandon: sc.service_level.short_abandon,
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
        Some(rep) => Err(time_limit_error(sc, &format!("replication {}", rep.index))),
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
            crate::limits::fmt_secs(crate::limits::MAX_DRAIN_SECS)
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
