//! What a run folder holds, written from the replications: one function for
//! `ccsim run` and one for `ccsim merge`'s rebuilt replications, so the two
//! cannot drift apart; and the smaller folder of a shard (`--shard K/N`).

use super::csv_out::{
    TraceNames, write_chats, write_events, write_intervals, write_replications, write_summary, write_text,
    write_wait_histograms,
};
use super::history_out::write_history;
use super::html::write_report;
use crate::scenario::{Scenario, resolved_toml};
use crate::stats::{self, Replication, Results};
use std::io;
use std::path::Path;

/// Writes everything of a run folder but the trace into `dir`: `summary.csv`,
/// `intervals.csv`, `replications.csv`, `wait_histograms.csv`, `run.toml` and,
/// with `charts`, `charts/` and `report.html`. `reps` are in replication
/// order; `threads` is for the aggregation (0: all cores).
pub fn write_run(
    dir: &Path,
    sc: &Scenario,
    per_day: bool,
    charts: bool,
    reps: &[Replication],
    threads: usize,
) -> io::Result<Results> {
    let results = stats::in_pool(threads, || stats::aggregate_results(sc, per_day, reps));
    let layout = stats::layout(sc, per_day);
    write_summary(&dir.join("summary.csv"), &results.summary)?;
    let (intervals, replications) = stats::in_pool(threads, || {
        rayon::join(
            || write_intervals(&dir.join("intervals.csv"), &layout, &results),
            || write_replications(&dir.join("replications.csv"), &layout, reps, &results),
        )
    });
    intervals?;
    replications?;
    write_wait_histograms(&dir.join("wait_histograms.csv"), &sc.skills, reps)?;
    write_text(&dir.join("run.toml"), &resolved_toml(sc))?;
    if charts {
        write_report(dir, sc, &layout, &results)?;
    }
    Ok(results)
}

/// Writes what `ccsim merge` needs of a shard's replications into `dir`:
/// `run.toml` (the whole run's scenario), and `replications.csv` and
/// `wait_histograms.csv` of `reps` only.
pub fn write_run_shard(
    dir: &Path,
    sc: &Scenario,
    per_day: bool,
    reps: &[Replication],
    threads: usize,
) -> io::Result<()> {
    let results = stats::in_pool(threads, || stats::aggregate_results(sc, per_day, reps));
    let layout = stats::layout(sc, per_day);
    write_replications(&dir.join("replications.csv"), &layout, reps, &results)?;
    write_wait_histograms(&dir.join("wait_histograms.csv"), &sc.skills, reps)?;
    write_text(&dir.join("run.toml"), &resolved_toml(sc))
}

/// Writes `chats.csv` and `events.csv` of the traced replications into
/// `dir`, and `history.csv` and `agents.csv` of the first replication
/// (numbered 1 in the files, index 0).
pub fn write_trace(dir: &Path, sc: &Scenario, reps: &[Replication]) -> io::Result<()> {
    let traces: Vec<(u32, &crate::model::Trace)> =
        reps.iter().filter_map(|r| r.trace.as_ref().map(|t| (r.number(), t))).collect();
    let names = TraceNames {
        reasons: sc.reasons.iter().map(|r| r.name.clone()).collect(),
        skills: sc.skills.clone(),
        groups: sc.groups.iter().map(|g| g.name.clone()).collect(),
    };
    let origin = sc.simulation.origin();
    write_chats(&dir.join("chats.csv"), &traces, origin, &names, sc.retrials())?;
    write_events(&dir.join("events.csv"), &traces, origin)?;
    // The first replication as a center's history (in the shard that holds it).
    match traces.iter().find(|(number, _)| *number == 1) {
        Some((_, trace)) => write_history(dir, sc, trace),
        None => Ok(()),
    }
}
