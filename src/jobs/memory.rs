//! What a run will need in memory, estimated before it starts, so that a
//! run that cannot fit is refused with the estimate in the message rather
//! than aborted by the allocator halfway through (README "Limits").
//!
//! The estimate adds up the main allocations:
//! - per replication running at once (one per thread): its statistics
//!   (one set of totals per slot: each interval of the day, or of each day
//!   with `--per-day`), its agents, and the chats in the center at once —
//!   by Little's law, twice the peak arrival rate × the time a chat stays
//!   (accept, work at the slowest speed, silence, wrap-up, and the wait,
//!   taken as the mean patience but at most a day's opening hours), plus
//!   those waiting for a follow-up;
//! - per replication of the run, held until all are aggregated: its values
//!   (one per metric and slot) and its wait histograms, and the copy that
//!   aggregation makes;
//! - with `--trace`, every segment and event of every replication;
//! - the aggregates themselves, the rows of a sweep, and the program.

use crate::jobs::run::{layout, scope_names};
use crate::model::EventRow;
use crate::model::{CHAT_BYTES, SegmentRecord, agent_bytes, peak};
use crate::scenario::Scenario;
use crate::scenario::limits::fmt_bytes;
use crate::stats::{AgentTotals, Aggregate, QueueTotals, SegTotals, SlotTotals, WaitHistogram, metric_labels};
use std::mem::size_of;

/// What is run, besides the scenario.
#[derive(Debug, Clone)]
pub struct Plan {
    pub replications: u32,
    /// Worker threads (0: all cores).
    pub threads: usize,
    pub per_day: bool,
    pub trace: bool,
    /// The most agents a group may get (`staff --max-agents`), if more than scheduled.
    pub agents: u32,
    /// Summary rows kept for this many runs (the points of a sweep).
    pub runs: usize,
}

impl Plan {
    /// A plain run of `replications`.
    pub fn run(replications: u32, threads: usize) -> Plan {
        Plan { replications, threads, per_day: false, trace: false, agents: 0, runs: 1 }
    }
}

/// The estimate, by part (what, bytes), largest first.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub parts: Vec<(String, u64)>,
}

/// Bytes of the program itself: code, libraries, thread stacks in use.
const PROGRAM_BYTES: u64 = 8 << 20;
/// Allocator bookkeeping per allocation.
const OVERHEAD: usize = 16;
/// Events written per traced segment (offer, accept, end, wrap-up end and some).
const EVENTS_PER_SEGMENT: f64 = 6.0;

impl Estimate {
    pub fn total(&self) -> u64 {
        self.parts.iter().map(|p| p.1).sum()
    }

    /// Refuses the run when the estimate is above `budget` bytes.
    pub fn check(&self, budget: u64) -> Result<(), String> {
        let total = self.total();
        if total <= budget {
            return Ok(());
        }
        let parts: Vec<String> =
            self.parts.iter().take(3).map(|(what, b)| format!("{what} {}", fmt_bytes(*b))).collect();
        Err(format!(
            "the run needs about {} of memory by its estimate, above the limit of {} ({}); use fewer \
             replications, days or agents, leave out --per-day or --trace, or raise the limit with --max-memory {}",
            fmt_bytes(total),
            fmt_bytes(budget),
            parts.join(", "),
            suggest(total)
        ))
    }
}

/// A `--max-memory` value above `bytes`: whole GiB.
fn suggest(bytes: u64) -> String {
    format!("{}GiB", bytes.div_ceil(1 << 30))
}

/// Estimates the memory of running `sc` as `plan` says.
pub fn estimate(sc: &Scenario, plan: &Plan) -> Estimate {
    let sim = &sc.simulation;
    let lay = layout(sc, plan.per_day);
    let labels = metric_labels(&lay, &scope_names(sc)).len() as f64;
    let ipd = lay.intervals_per_day() as f64;
    let slots = if plan.per_day { (f64::from(sim.days) + 1.0) * ipd } else { ipd };
    let reps = f64::from(plan.replications.max(1));
    let threads = match plan.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let at_once = (threads as f64).min(reps);

    // One slot's totals.
    let hists = 1 + sc.reasons.len() + sc.skills.len();
    let slot = size_of::<SlotTotals>()
        + size_of::<Option<Box<SlotTotals>>>()
        + lay.scopes() * size_of::<SegTotals>()
        + hists * (size_of::<WaitHistogram>() + OVERHEAD)
        + sc.groups.iter().map(|g| size_of::<AgentTotals>() + (g.rules.max_concurrent as usize + 1) * 8).sum::<usize>()
        + hists * size_of::<QueueTotals>()
        + 5 * OVERHEAD;
    let statistics = slots * slot as f64;
    let agents: f64 = sc
        .groups
        .iter()
        .map(|g| f64::from(peak(&g.staffing, sim).max(plan.agents)) * agent_bytes(g.rules.max_concurrent) as f64)
        .sum();
    let chats = chats_at_once(sc) * CHAT_BYTES as f64;
    let running = at_once * (statistics + agents + chats);

    // Values kept per replication, and aggregation's copy of the slots' values.
    let value = size_of::<Option<f64>>() as f64;
    let per_rep = (1.0 + 2.0 * slots) * (labels * value + 32.0)
        + (1 + sc.skills.len()) as f64 * size_of::<WaitHistogram>() as f64;
    let results = reps * per_rep;
    let aggregates = (1.0 + slots) * labels * (size_of::<Aggregate>() + 48) as f64;
    let rows = plan.runs.saturating_sub(1) as f64 * labels * (size_of::<Aggregate>() + 48) as f64;

    let mut parts = vec![
        ("results of each replication".to_string(), results),
        (format!("{at_once} replication(s) running at once"), running),
        ("aggregates".to_string(), aggregates + rows),
        ("the program".to_string(), PROGRAM_BYTES as f64),
    ];
    if plan.trace {
        let segments = chats_per_run(sc) * segments_per_chat(sc);
        let trace =
            reps * segments * (size_of::<SegmentRecord>() as f64 + EVENTS_PER_SEGMENT * size_of::<EventRow>() as f64);
        parts.push(("the trace (--trace)".to_string(), trace));
    }
    let mut parts: Vec<(String, u64)> = parts.into_iter().map(|(w, b)| (w, b.min(1.8e19) as u64)).collect();
    parts.sort_by_key(|p| std::cmp::Reverse(p.1));
    Estimate { parts }
}

/// Chats in the center at once, by Little's law with a margin of 2.
fn chats_at_once(sc: &Scenario) -> f64 {
    let sim = &sc.simulation;
    if let Some(replay) = &sc.replay {
        return replay.len() as f64;
    }
    let open = f64::from(sim.end - sim.start);
    let interval = f64::from(sim.interval);
    let slowest = sc.groups.iter().flat_map(|g| g.rules.speed.iter()).fold(f64::INFINITY, |a, &b| a.min(b)).max(1e-9);
    let held = sc.groups.iter().map(|g| g.rules.accept.mean() + g.rules.wrapup.mean()).fold(0.0, f64::max);
    sc.reasons
        .iter()
        .map(|r| {
            let peak = r.volume.profiles().iter().flatten().fold(0.0, |a: f64, &b| a.max(b)) / interval;
            let silent = r.nonresponsive.as_ref().map_or(0.0, |n| n.p * sc.inactivity_timeout);
            let work = (r.auth.mean() + r.handle.mean()) / slowest;
            let wait = r.patience.mean().min(open);
            let followup = r.commitment.as_ref().map_or(0.0, |c| c.p * c.after);
            peak * 2.0 * (held + work + silent + wait + followup)
        })
        .sum()
}

/// Expected chats of one replication (for the trace).
fn chats_per_run(sc: &Scenario) -> f64 {
    if let Some(replay) = &sc.replay {
        return replay.len() as f64;
    }
    let days = f64::from(sc.simulation.days);
    sc.reasons
        .iter()
        .map(|r| {
            let profiles = r.volume.profiles();
            let total: f64 = profiles.iter().flatten().sum();
            total * days / profiles.len() as f64
        })
        .sum()
}

/// Segments per chat, on average over reasons (the first, a transfer's, a follow-up's).
fn segments_per_chat(sc: &Scenario) -> f64 {
    let extra = sc
        .reasons
        .iter()
        .map(|r| r.transfer.as_ref().map_or(0.0, |t| t.p) + r.commitment.as_ref().map_or(0.0, |c| c.p))
        .fold(0.0, f64::max);
    1.0 + extra
}
