//! `ccsim run`: simulate a scenario and write its run folder.

use ccsim::error::{Error, Exit, Result, ResultExt};
use ccsim::jobs::precision::{self, BATCH, Hooks, MIN_FIRST_BATCH, Precision};
use ccsim::jobs::run::{self, RunOptions};
use ccsim::jobs::shard::{Manifest, RunOutput};
use ccsim::report::{self};
use ccsim::scenario::Scenario;
use ccsim::stats::{Aggregate, Metric, PrecisionCheck, Scope, SegmentKind::New};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

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
    /// Add replications in batches until the 95% interval of --metric (scope all) has at most this
    /// half-width, in the metric's unit (e.g. 0.005 for service_level); replaces --replications.
    #[arg(long, value_name = "HALF_WIDTH")]
    precision: Option<f64>,
    /// The metric --precision is about, as summary.csv names it (default: service_level).
    #[arg(long, value_name = "NAME", requires = "precision")]
    metric: Option<String>,
    /// The most replications --precision may run (default: 1000).
    #[arg(long, value_name = "N", requires = "precision")]
    max_replications: Option<u32>,
}

pub fn run(args: &RunArgs) -> Result<Exit> {
    let mut sc = load(&args.scenario)?;
    args.reps.apply(&mut sc, &args.scenario)?;
    if let Some(target) = args.precision {
        return run_to_precision(args, sc, target);
    }
    for w in ccsim::analytic::warnings::warnings(&sc, sc.simulation.replications) {
        eprintln!("warning: {w}");
    }
    let opts = RunOptions { trace: args.trace, per_day: args.per_day, ..RunOptions::of(&sc, args.reps.threads) };
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
    let finished = AtomicU32::new(0);
    let reps = run::run_range_reporting(
        &sc,
        &opts,
        range.clone(),
        &|_| {
            let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
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
    print_summary(&mut out, &results.summary)?;
    Ok(Exit::Success)
}

/// The key figures of a run's `summary.csv` (scope `all`), with their 95%
/// intervals: mean and bounds to the same decimals, chosen per metric
/// (shares 4, seconds 2, counts 1), the means aligned.
fn print_summary(out: &mut impl Write, summary: &[Aggregate]) -> Result<()> {
    let get = |m: Metric| summary.iter().find(|a| a.scope == Scope::All && a.metric == m);
    let lines: Vec<(&str, String, String)> = [
        (Metric::Offered(New), "offered"),
        (Metric::ServiceLevel(New), "service level"),
        (Metric::Asa(New), "ASA (s)"),
        (Metric::AbandonRate(New), "abandon rate"),
        (Metric::Occupancy, "occupancy"),
        (Metric::Utilisation, "utilisation"),
    ]
    .into_iter()
    .filter_map(|(m, label)| {
        let a = get(m)?;
        let kind = m.kind();
        let mean = a.mean.map_or("-".to_string(), |x| report::fmt_figure(kind, x));
        let ci = a.ci95.map_or(String::new(), |c| format!("  {}", report::fmt_interval(kind, c)));
        Some((label, mean, ci))
    })
    .collect();
    let width = lines.iter().map(|(_, mean, _)| mean.len()).max().unwrap_or(0);
    for (label, mean, ci) in lines {
        writeln!(out, "  {label:<14} {mean:>width$}{ci}")?;
    }
    Ok(())
}

/// A check in words: "service_level ± 0.0048 after 40 replications".
fn check_text(c: &PrecisionCheck) -> String {
    let half = c.half_width.map_or("no interval yet".to_string(), |h| format!("± {}", report::fmt_num(Some(h))));
    format!("{} {half} after {} replications", c.metric, c.replications)
}

/// `ccsim run --precision`: batches of replications until the metric's
/// 95% half-width is at most `target` (or `--max-replications`); the folder
/// is that of a plain run of as many replications, plus `precision.csv`.
/// Exit 1 when the cap stopped it first (the files are written).
fn run_to_precision(args: &RunArgs, mut sc: Scenario, target: f64) -> Result<Exit> {
    if let Some(r) = args.reps.replications {
        return Err(Error::input(format!(
            "--precision: cannot be used with --replications ({r}): --precision finds how many replications \
             to run; its first batch is the scenario's simulation.replications (at least {MIN_FIRST_BATCH})"
        )));
    }
    if let Some(shard) = args.part.shard {
        return Err(Error::input(format!(
            "--precision: cannot be used with --shard ({shard}): shards split a fixed number of replications; \
             run with --precision once, then shard with --replications set to the count it found"
        )));
    }
    let p = Precision::new(&sc, target, args.metric.as_deref(), args.max_replications)?;
    for w in ccsim::analytic::warnings::warnings(&sc, p.first) {
        eprintln!("warning: {w}");
    }
    let opts = RunOptions {
        replications: p.first,
        seed: sc.simulation.seed,
        threads: args.reps.threads,
        trace: args.trace,
        per_day: args.per_day,
    };
    let plan = ccsim::jobs::memory::Plan {
        per_day: args.per_day,
        trace: args.trace,
        ..ccsim::jobs::memory::Plan::run(p.max_replications, opts.threads)
    };
    check_memory(&sc, &plan, &args.reps).map_err(|e| {
        e.context(format!(
            "--max-replications {}: the memory estimate is for the most replications --precision may run",
            p.max_replications
        ))
    })?;
    let target_dir = args.out.clone().unwrap_or_else(|| args.part.default_out(&sc.name));
    let folder = output_folder(&target_dir, "run")?;

    let started = std::time::Instant::now();
    let days = u64::from(sc.simulation.days);
    let bar = progress::growing("simulated days", args.quiet);
    let finished = AtomicU32::new(0);
    let last = Mutex::new(format!("first batch of {}, then {} more until {} ± {target}", p.first, BATCH, p.metric));
    bar.set_message(last.lock().map(|l| l.clone()).unwrap_or_default());
    let show = |n: u32| {
        let last = last.lock().map(|l| l.clone()).unwrap_or_default();
        bar.set_message(format!("{n} replications done · {last}"));
    };
    let hooks = Hooks {
        batch: &|range| bar.inc_length(range.len() as u64 * days),
        checked: &|c| {
            if let Ok(mut l) = last.lock() {
                *l = format!("{} (target {})", check_text(c), c.target);
            }
            show(c.replications);
        },
        done: &|_| show(finished.fetch_add(1, Ordering::Relaxed) + 1),
        day_done: &|| bar.inc(1),
    };
    let seq = precision::run_to_precision(&sc, &opts, &p, &hooks)?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    // run.toml records the replications run: `ccsim run run.toml` repeats the run.
    sc.simulation.replications = seq.reps.len() as u32;

    let tmp = folder.file("");
    let write = || -> Result<_> {
        let results = report::write_run(&tmp, &sc, opts.per_day, !args.no_charts, &seq.reps, opts.threads)?;
        report::write_precision(&tmp.join("precision.csv"), &seq.checks)?;
        if args.trace {
            report::write_trace(&tmp, &sc, &seq.reps)?;
        }
        Ok(results)
    };
    let results = write().with_context(|| cannot_write(&target_dir))?;
    let dir = folder.commit()?;

    let last = seq.last();
    let exit = if seq.reached() {
        Exit::Success
    } else {
        eprintln!(
            "warning: --precision {target} not reached: {}, the most --max-replications allows; the results \
             are written, with each check in precision.csv",
            check_text(last)
        );
        Exit::Finding
    };
    if args.quiet {
        return Ok(exit);
    }
    let mut out = std::io::stdout().lock();
    let chats: u64 = seq.reps.iter().map(|r| r.counts.chats).sum();
    writeln!(
        out,
        "{}: {} replications, {chats} chats simulated in {:.2} s → {}",
        sc.name,
        seq.reps.len(),
        elapsed.as_secs_f64(),
        dir.display()
    )?;
    let verdict = if seq.reached() { "reached" } else { "not reached" };
    let checks = match seq.checks.len() {
        1 => "1 check".to_string(),
        n => format!("{n} checks"),
    };
    writeln!(out, "  precision      {}: target {target} {verdict} ({checks})", check_text(last))?;
    print_summary(&mut out, &results.summary)?;
    Ok(exit)
}
