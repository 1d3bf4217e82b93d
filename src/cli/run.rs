//! `ccsim run`: simulate a scenario and write its run folder.

use ccsim::error::{Exit, Result, ResultExt};
use ccsim::jobs::run::{self, RunOptions};
use ccsim::jobs::shard::{Manifest, RunOutput};
use ccsim::report::{self};
use ccsim::stats::{Metric, Scope, SegmentKind::New};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

use super::args::*;
use super::progress;

#[derive(Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Output folder (default: results/<name>/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    reps: ReplicationArgs,
    #[command(flatten)]
    part: ShardArgs,
    /// Also write chats.csv and events.csv (every segment and event).
    #[arg(long)]
    trace: bool,
    /// Write intervals.csv per day (else each interval of the day over all days).
    #[arg(long)]
    per_day: bool,
    /// Do not write charts/ and report.html.
    #[arg(long)]
    no_charts: bool,
    /// No progress bar and no summary on stdout.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: &RunArgs) -> Result<Exit> {
    let mut sc = load(&args.scenario)?;
    args.reps.apply(&mut sc, &args.scenario)?;
    for w in ccsim::analytic::warnings::warnings(&sc, sc.simulation.replications) {
        eprintln!("warning: {w}");
    }
    let opts = RunOptions {
        replications: sc.simulation.replications,
        seed: sc.simulation.seed,
        threads: args.reps.threads,
        trace: args.trace,
        per_day: args.per_day,
    };
    let range = args.part.share(opts.replications);
    let plan = ccsim::jobs::memory::Plan {
        replications: range.len() as u32,
        per_day: args.per_day,
        trace: args.trace,
        ..ccsim::jobs::memory::Plan::run(range.len() as u32, opts.threads)
    };
    check_memory(&sc, &plan, &args.reps)?;
    let target = args.out.clone().unwrap_or_else(|| args.part.default_out(&sc.name));
    let folder = output_folder(&target, "run")?;

    let started = std::time::Instant::now();
    let days = range.len() as u64 * sc.simulation.days as u64;
    let bar = progress::bar(days, "simulated days", args.quiet);
    let finished = std::sync::atomic::AtomicU32::new(0);
    let reps = run::run_range_reporting(
        &sc,
        &opts,
        range.clone(),
        &|_| {
            let n = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.set_message(format!("{n}/{} replications done", range.len()));
        },
        &|| bar.inc(1),
    );
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    run::check_finished(&sc, &reps)?;

    let tmp = folder.file("");
    let write = || -> Result<_> {
        let results = match args.part.shard {
            Some(shard) => {
                report::write_run_shard(&tmp, &sc, opts.per_day, &reps, opts.threads)?;
                let output = RunOutput { per_day: args.per_day, trace: args.trace, charts: !args.no_charts };
                Manifest::run(shard, opts.replications, output).write(&folder.file(ccsim::jobs::shard::MANIFEST))?;
                None
            }
            None => Some(report::write_run(&tmp, &sc, opts.per_day, !args.no_charts, &reps, opts.threads)?),
        };
        if args.trace {
            report::write_trace(&tmp, &sc, &reps)?;
        }
        Ok(results)
    };
    let results = write().with_context(|| cannot_write(&target))?;
    let dir = folder.commit()?;

    if args.quiet {
        return Ok(Exit::Success);
    }
    let mut out = std::io::stdout().lock();
    let chats: u64 = reps.iter().map(|r| r.counts.chats).sum();
    let secs = elapsed.as_secs_f64();
    let Some(results) = results else {
        let shard = args.part.shard.map(|s| s.to_string()).unwrap_or_default();
        let share = share_text(&range, opts.replications, "replications", 0);
        writeln!(
            out,
            "{}: shard {shard}, {share}: {chats} chats simulated in {secs:.2} s → {}",
            sc.name,
            dir.display()
        )?;
        writeln!(out, "  combine the folders of all shards with `ccsim merge`")?;
        return Ok(Exit::Success);
    };
    writeln!(
        out,
        "{}: {} replications, {chats} chats simulated in {secs:.2} s → {}",
        sc.name,
        reps.len(),
        dir.display()
    )?;
    let get = |m: Metric| results.summary.iter().find(|a| a.scope == Scope::All && a.metric == m);
    for (m, label) in [
        (Metric::Offered(New), "offered"),
        (Metric::ServiceLevel(New), "service level"),
        (Metric::Asa(New), "ASA (s)"),
        (Metric::AbandonRate(New), "abandon rate"),
        (Metric::Occupancy, "occupancy"),
        (Metric::Utilisation, "utilisation"),
    ] {
        if let Some(a) = get(m) {
            let ci = a.ci95.map(|(l, h)| format!("  [{}, {}]", report::fmt_num(Some(l)), report::fmt_num(Some(h))));
            writeln!(out, "  {label:<14} {}{}", report::fmt_num(a.mean), ci.unwrap_or_default())?;
        }
    }
    Ok(Exit::Success)
}
