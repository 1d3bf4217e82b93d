//! Running a scenario's replications, in parallel, with a deterministic result.
//!
//! Replication `r` owns every random stream it uses (keyed by the seed and
//! `r`), and results are gathered in replication order, so the output is the
//! same whatever the number of threads.

use crate::engine::SimTime;
use crate::model::{Both, RunCounts, simulate};
use crate::report::Trace;
use crate::scenario::Scenario;
use crate::stats::{Collector, Layout, MetricValue, ScopeNames, metric_values};
use rayon::prelude::*;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub replications: u32,
    pub seed: u64,
    /// Worker threads; 0 means all cores.
    pub threads: usize,
    pub trace: bool,
}

/// What one replication produced.
pub struct Replication {
    pub index: u32,
    /// Whole-run metrics, in [`metric_values`] order.
    pub values: Vec<MetricValue>,
    pub counts: RunCounts,
    pub trace: Option<Trace>,
}

/// The statistics layout of a scenario.
pub fn layout(sc: &Scenario) -> Layout {
    let sim = &sc.simulation;
    let origin = SimTime(sim.start as i64 * 1_000_000);
    Layout {
        reasons: sc.reasons.len(),
        skills: sc.skills.len(),
        caps: sc.groups.iter().map(|g| g.rules.max_concurrent).collect(),
        interval_us: sim.interval as i64 * 1_000_000,
        per_day: false,
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
pub fn run_one(sc: &Scenario, seed: u64, index: u32, trace: bool) -> Replication {
    let mut stats = Collector::new(layout(sc));
    let (counts, trace) = if trace {
        let mut t = Trace::default();
        let counts = simulate(sc, seed, index, &mut Both(&mut stats, &mut t));
        (counts, Some(t))
    } else {
        (simulate(sc, seed, index, &mut stats), None)
    };
    let values = metric_values(stats.layout(), &scope_names(sc), &stats.total());
    Replication { index, values, counts, trace }
}

/// Runs every replication; `done` is called after each (from any thread).
pub fn run_all(sc: &Scenario, opts: &RunOptions, done: &(dyn Fn(&Replication) + Sync)) -> Vec<Replication> {
    let work = |r: u32| {
        let rep = run_one(sc, opts.seed, r, opts.trace);
        done(&rep);
        rep
    };
    let threads = if opts.threads == 0 { rayon::current_num_threads() } else { opts.threads };
    if threads <= 1 {
        return (0..opts.replications).map(work).collect();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(|| (0..opts.replications).into_par_iter().map(work).collect()),
        Err(_) => (0..opts.replications).map(work).collect(),
    }
}
