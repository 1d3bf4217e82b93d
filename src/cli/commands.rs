//! The commands behind `main`: thin layers over the library.

use anyhow::{Context, Result};
use ccsim::jobs::run::{self, RunOptions};
use ccsim::jobs::shard::{Manifest, RunOutput, Shard};
use ccsim::model::peak;
use ccsim::report::{self, OutputDir};
use ccsim::scenario::{self, Scenario};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::progress;

#[derive(Args)]
pub struct ReplicationArgs {
    /// Replications (default: the scenario's, else 10).
    #[arg(long)]
    replications: Option<u32>,
    /// Random seed, the same for every point of a sweep (default: the scenario's, else 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads for replications (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Refuse to start when the run's estimated memory is above this (e.g. 8GiB, 512MiB).
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = ccsim::scenario::limits::parse_bytes)]
    max_memory: u64,
}

impl ReplicationArgs {
    /// Applies `--replications` and `--seed` to a scenario read from `path`.
    fn apply(&self, sc: &mut Scenario, path: &Path) -> Result<()> {
        if self.threads > ccsim::scenario::limits::MAX_THREADS {
            let max = ccsim::scenario::limits::MAX_THREADS;
            return Err(UsageError(format!("--threads: expected at most {max}, got {}", self.threads)).into());
        }
        if let Some(r) = self.replications {
            let r = ccsim::scenario::limits::check_replications(r.into()).map_err(|m| {
                UsageError(format!("--replications: {m} (for simulation.replications of {})", path.display()))
            })?;
            sc.simulation.replications = r;
        }
        if let Some(s) = self.seed {
            sc.simulation.seed = s;
        }
        Ok(())
    }
}

/// `--shard K/N` of `run` and `sweep`.
#[derive(Args)]
pub struct ShardArgs {
    /// Run only share K of N: a contiguous block of the replications (run) or
    /// grid points (sweep), into a shard folder for `ccsim merge`.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    shard: Option<Shard>,
}

impl ShardArgs {
    /// The items this run takes: its share of `items`, or all of them.
    fn share(&self, items: u32) -> std::ops::Range<u32> {
        self.shard.map_or(0..items, |s| s.share(items))
    }

    /// The default output folder: `results/<name>`, or `results/<name>-shard-K-of-N`.
    fn default_out(&self, name: &str) -> PathBuf {
        let folder = match self.shard {
            Some(s) => format!("{name}-shard-{}-of-{}", s.k, s.n),
            None => name.to_string(),
        };
        PathBuf::from("results").join(folder)
    }
}

/// The message of a failure to write the output folder `target` (its cause,
/// a disk full or a permission, follows it).
fn cannot_write(target: &Path) -> String {
    format!("cannot write the output folder {} (nothing was written)", target.display())
}

/// The output folder `--out` names (or the default), written atomically;
/// refused unless ccsim may replace it.
fn output_folder(target: &Path, command: &str) -> Result<OutputDir> {
    Ok(OutputDir::create(target, command)?)
}

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

/// A command line that cannot work (exit code 2, like a bad scenario).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Loads and validates a scenario (errors exit with code 2).
fn load(path: &Path) -> Result<Scenario> {
    Ok(scenario::load(path)?)
}

/// Refuses a run whose memory estimate is above `--max-memory`.
fn check_memory(sc: &Scenario, plan: &ccsim::jobs::memory::Plan, reps: &ReplicationArgs) -> Result<()> {
    let estimate = ccsim::jobs::memory::estimate(sc, plan);
    estimate.check(reps.max_memory).map_err(|m| UsageError(format!("{}: {m}", sc.path.display())).into())
}

pub fn run(args: &RunArgs) -> Result<ExitCode> {
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
        return Ok(ExitCode::SUCCESS);
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
        return Ok(ExitCode::SUCCESS);
    };
    writeln!(
        out,
        "{}: {} replications, {chats} chats simulated in {secs:.2} s → {}",
        sc.name,
        reps.len(),
        dir.display()
    )?;
    let get = |m: &str| results.summary.iter().find(|a| a.scope == "all" && a.metric == m);
    for (m, label) in [
        ("offered", "offered"),
        ("service_level", "service level"),
        ("asa", "ASA (s)"),
        ("abandon_rate", "abandon rate"),
        ("occupancy", "occupancy"),
        ("utilisation", "utilisation"),
    ] {
        if let Some(a) = get(m) {
            let ci = a.ci95.map(|(l, h)| format!("  [{}, {}]", report::fmt_num(Some(l)), report::fmt_num(Some(h))));
            writeln!(out, "  {label:<14} {}{}", report::fmt_num(a.mean), ci.unwrap_or_default())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A shard's share in words: "2 of 10 replications (numbers 4–5)"; items
/// are numbered from `first`.
fn share_text(range: &std::ops::Range<u32>, total: u32, items: &str, first: u32) -> String {
    match range.len() {
        0 => format!("none of the {total} {items}"),
        n => format!("{n} of {total} {items} (numbers {}–{})", range.start + first, range.end - 1 + first),
    }
}

fn clock(secs: u32) -> String {
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

pub fn check(path: &Path) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let sc = load(path)?;
    let sim = &sc.simulation;
    writeln!(out, "{} — {}", sc.name, if sc.description.is_empty() { "(no description)" } else { &sc.description })?;
    writeln!(
        out,
        "  open {}–{}, {} day(s){}, {}-minute intervals, warm-up {} s, {} replications, seed {}",
        clock(sim.start),
        clock(sim.end),
        sim.days,
        if sim.back_to_back() { " back to back" } else { "" },
        sim.interval / 60,
        sim.warmup,
        sim.replications,
        sim.seed
    )?;
    writeln!(out, "  skills: {}", sc.skills.join(", "))?;
    let memory = ccsim::jobs::memory::estimate(&sc, &ccsim::jobs::memory::Plan::run(sim.replications, 0));
    writeln!(
        out,
        "  memory: about {} for a run on all cores (estimate; the limit is {}, see --max-memory)",
        ccsim::scenario::limits::fmt_bytes(memory.total()),
        ccsim::scenario::limits::fmt_bytes(ccsim::scenario::limits::DEFAULT_MAX_MEMORY)
    )?;
    for r in &sc.reasons {
        writeln!(
            out,
            "  reason {:<12} → {:<10} {:>8.1} chats/day, handle mean {:.0} s",
            r.name,
            sc.skills[r.skill],
            (0..sim.open_intervals()).map(|i| r.volume.mean_at(i)).sum::<f64>(),
            r.handle.mean()
        )?;
    }
    for g in &sc.groups {
        let skills: Vec<&str> = g.skills.iter().map(|&s| sc.skills[s].as_str()).collect();
        writeln!(
            out,
            "  group  {:<12} serves {}; up to {} agents × {} slots",
            g.name,
            skills.join(", "),
            peak(&g.staffing, sim),
            g.rules.max_concurrent
        )?;
    }
    if let Some(replay) = &sc.replay {
        writeln!(out, "  replays {} chats from arrivals.csv", replay.len())?;
    }
    let interval = sim.interval as f64;
    let days = ccsim::analytic::warnings::distinct_days(&sc);
    for day in 0..days {
        writeln!(out)?;
        if days > 1 {
            writeln!(out, "  day {}", day + 1)?;
        }
        writeln!(
            out,
            "  {:>5}  {:>8}  {:>10}  {:>7}  {:>6}  {:>7}",
            "time", "chats", "load (E)", "agents", "slots", "needed"
        )?;
        for i in 0..sim.open_intervals() {
            let at = sim.start + i as u32 * sim.interval;
            let volume = |r: &ccsim::scenario::Reason| r.volume.day(day)[i];
            let chats: f64 = sc.reasons.iter().map(volume).sum();
            let load: f64 = sc
                .reasons
                .iter()
                .map(|r| volume(r) / interval * (r.handle.mean() + r.auth.mean() + default_wrapup(&sc)))
                .sum();
            let agents = ccsim::analytic::warnings::scheduled_agents(&sc, day, i);
            let slots: u32 = agents.iter().zip(&sc.groups).map(|(n, g)| n * g.rules.max_concurrent).sum();
            let agents: u32 = agents.iter().sum();
            let needed = match ccsim::analytic::estimate::agents_needed(&sc, day, i) {
                Some(e) => format!("{}{}", if e.exact { "" } else { "~" }, e.agents),
                None => "-".to_string(),
            };
            writeln!(
                out,
                "  {:>5}  {:>8.1}  {:>10.2}  {:>7}  {:>6}  {:>7}",
                clock(at),
                chats,
                load,
                agents,
                slots,
                needed
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "  load (E) = chats × (auth + handle + wrap-up) ÷ interval: slot-Erlangs at speed 1")?;
    writeln!(
        out,
        "  needed = agents meeting the service-level goal {} within {} s{} by the exact chat-concurrency chain \
         (Erlang A with one chat per agent), all reasons pooled; ~ marks Erlang A on slots for large teams",
        sc.service_level.goal,
        sc.service_level.threshold,
        sc.service_level.max_abandon.map(|m| format!(" and abandonment at most {m}")).unwrap_or_default()
    )?;
    writeln!(
        out,
        "  `ccsim staff {}` finds the agents by simulation, with every rule of the procedure",
        path.display()
    )?;
    let warnings = ccsim::analytic::warnings::warnings(&sc, sc.simulation.replications);
    if !warnings.is_empty() {
        writeln!(out)?;
        for w in warnings {
            writeln!(out, "  warning: {w}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn default_wrapup(sc: &Scenario) -> f64 {
    sc.groups.first().map_or(0.0, |g| g.rules.wrapup.mean())
}

#[derive(Args)]
pub struct ErlangArgs {
    /// Arrival rate, e.g. "120/h".
    #[arg(long)]
    rate: String,
    /// Average handle time including wrap-up, e.g. "6m".
    #[arg(long)]
    aht: String,
    /// Agents (one chat at a time each).
    #[arg(long)]
    agents: u32,
    /// Mean patience (exponential): Erlang A instead of Erlang C.
    #[arg(long)]
    patience: Option<String>,
    /// Service-level threshold.
    #[arg(long, default_value = "60s")]
    threshold: String,
}

fn flag<T>(name: &str, value: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<T> {
    parse(value).map_err(|m| UsageError(format!("--{name}: {m}")).into())
}

/// A duration on the command line, within the same limit as in a scenario file.
fn duration_flag(text: &str) -> Result<f64, String> {
    let secs = ccsim::scenario::duration::parse_duration(text)?;
    ccsim::scenario::limits::check_duration("a duration", secs)?;
    Ok(secs)
}

pub fn erlang(args: &ErlangArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    use ccsim::scenario::duration::parse_rate_parts;
    let rate = flag("rate", &args.rate, |t| {
        let (count, unit) = parse_rate_parts(t)?;
        ccsim::scenario::limits::check_rate(count, unit)?;
        Ok(count / unit)
    })?;
    let aht = flag("aht", &args.aht, duration_flag)?;
    let threshold = flag("threshold", &args.threshold, duration_flag)?;
    if aht <= 0.0 || rate <= 0.0 || args.agents == 0 {
        return Err(UsageError("--rate, --aht and --agents must be above zero".into()).into());
    }
    if args.agents > ccsim::scenario::limits::MAX_AGENTS {
        let max = ccsim::scenario::limits::MAX_AGENTS;
        return Err(UsageError(format!("--agents: expected at most {max}, got {}", args.agents)).into());
    }
    let load = rate * aht;
    writeln!(
        out,
        "offered load {load:.3} Erlangs on {} agents ({:.1}% of capacity)",
        args.agents,
        100.0 * load / args.agents as f64
    )?;
    match &args.patience {
        None => match ccsim::analytic::erlang_c(rate, aht, args.agents, threshold) {
            Some(c) => {
                writeln!(out, "Erlang C (M/M/c, no abandonment)")?;
                writeln!(out, "  probability of waiting  {:.4}", c.p_wait)?;
                writeln!(out, "  service level ({} s)    {:.4}", threshold, c.service_level)?;
                writeln!(out, "  ASA                     {:.2} s", c.asa)?;
                writeln!(out, "  occupancy               {:.4}", c.occupancy)?;
            }
            None => writeln!(out, "Erlang C: unstable (load at or above the agents); queues grow without bound")?,
        },
        Some(p) => {
            let patience = flag("patience", p, duration_flag)?;
            let a = ccsim::analytic::erlang_a(rate, aht, args.agents, patience, threshold);
            writeln!(out, "Erlang A (M/M/c+M, exponential patience of mean {patience} s)")?;
            writeln!(out, "  probability of waiting  {:.4}", a.p_wait)?;
            writeln!(out, "  abandonment             {:.4}", a.p_abandon)?;
            writeln!(
                out,
                "  service level ({} s)    {:.4}  (answered within the threshold, over all arrivals)",
                threshold, a.service_level
            )?;
            writeln!(out, "  ASA                     {:.2} s  (answered chats)", a.asa)?;
            writeln!(out, "  occupancy               {:.4}", a.occupancy)?;
            writeln!(out, "  mean queue              {:.3}", a.mean_queue)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct BenchArgs {
    /// The scenario to run.
    #[arg(long, default_value = "scenarios/bench-large.toml")]
    scenario: PathBuf,
    /// Horizons to measure, in days, each in a fresh process (so peak memory is its own).
    #[arg(long, value_delimiter = ',', default_value = "1,7")]
    days: Vec<u32>,
    /// Print one JSON line per horizon instead of a table.
    #[arg(long)]
    json: bool,
    /// Runs per horizon, each in a fresh process; the fastest counts (timings on shared machines are noisy).
    #[arg(long, default_value_t = 3)]
    repeat: u32,
}

pub fn bench(args: &BenchArgs) -> Result<ExitCode> {
    let sc = load(&args.scenario)?;
    for &d in &args.days {
        ccsim::scenario::limits::check_days(d.into()).map_err(|m| UsageError(format!("--days: {m}")))?;
    }
    let mut out = std::io::stdout().lock();
    if let [days] = args.days[..]
        && args.json
    {
        writeln!(out, "{}", ccsim::jobs::bench::measure(&sc, days).to_json())?;
        return Ok(ExitCode::SUCCESS);
    }
    // One child process per horizon, so that each peak memory is its own.
    let exe = std::env::current_exe().context("cannot find the ccsim executable")?;
    let mut results = Vec::new();
    for &days in &args.days {
        let child = std::process::Command::new(&exe)
            .arg("bench")
            .arg("--scenario")
            .arg(&args.scenario)
            .args(["--days", &days.to_string(), "--json"])
            .output()
            .context("cannot run the benchmark")?;
        let line = String::from_utf8_lossy(&child.stdout);
        let m = ccsim::jobs::bench::Measurement::from_json(line.trim()).with_context(|| {
            format!("benchmark of {days} day(s) failed: {}", String::from_utf8_lossy(&child.stderr))
        })?;
        if args.json {
            writeln!(out, "{}", m.to_json())?;
        }
        results.push(m);
    }
    if args.json {
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{}: one replication, one thread, statistics on, no trace; fastest of {} runs each",
        sc.name,
        args.repeat.max(1)
    )?;
    writeln!(
        out,
        "  {:>5}  {:>11}  {:>12}  {:>9}  {:>12}  {:>13}  {:>9}",
        "days", "chats", "events", "wall (s)", "chats/s", "events/s", "peak MiB"
    )?;
    for m in &results {
        writeln!(
            out,
            "  {:>5}  {:>11}  {:>12}  {:>9.3}  {:>12.0}  {:>13.0}  {:>9}",
            m.days,
            m.chats,
            m.events,
            m.seconds,
            m.chats_per_sec(),
            m.events_per_sec(),
            m.peak_mib.map_or("-".to_string(), |p| format!("{p:.1}"))
        )?;
    }
    if let (Some(first), Some(last)) = (results.first(), results.last())
        && last.days > first.days
    {
        let days = last.days as f64 / first.days as f64;
        writeln!(
            out,
            "  time {} days ÷ {} day(s): {:.2} (linear: {:.1})",
            last.days,
            first.days,
            last.seconds / first.seconds,
            days
        )?;
        if let (Some(a), Some(b)) = (first.peak_mib, last.peak_mib) {
            writeln!(out, "  peak memory {} days ÷ {} day(s): {:.2}", last.days, first.days, b / a)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A key and its values, e.g. chat.max_concurrent=1,2 or groups.tier1.agents=10,12,14 (repeatable).
    #[arg(long = "set", required = true)]
    sets: Vec<String>,
    /// Output folder (default: results/<name>-sweep/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    reps: ReplicationArgs,
    #[command(flatten)]
    part: ShardArgs,
    /// Do not write charts/ (a shard writes none anyway).
    #[arg(long)]
    no_charts: bool,
    /// No table on stdout.
    #[arg(long)]
    quiet: bool,
}

pub fn sweep(args: &SweepArgs) -> Result<ExitCode> {
    use ccsim::jobs::sweep::{Setting, apply, grid};
    let mut base = load(&args.scenario)?;
    args.reps.apply(&mut base, &args.scenario)?;
    let text = std::fs::read_to_string(&args.scenario)?;
    let doc: toml::Table =
        toml::from_str(&text).map_err(|e| UsageError(format!("{}: {e}", args.scenario.display())))?;
    let settings: Vec<Setting> = args.sets.iter().map(|s| Setting::parse(s)).collect::<Result<_, _>>()?;
    let count = settings.iter().try_fold(1usize, |n, s| n.checked_mul(s.values.len())).unwrap_or(usize::MAX);
    if count > ccsim::scenario::limits::MAX_SWEEP_POINTS {
        let max = ccsim::scenario::limits::MAX_SWEEP_POINTS;
        return Err(UsageError(format!("--set: the grid has {count} points; expected at most {max}")).into());
    }
    // Every point is checked before the first is run.
    let mut points = Vec::new();
    for values in grid(&settings) {
        let mut d = doc.clone();
        for (s, v) in settings.iter().zip(&values) {
            apply(&mut d, &s.key, v)?;
        }
        let point: Vec<String> = settings.iter().zip(&values).map(|(s, v)| format!("{} = {v}", s.key)).collect();
        let mut sc = scenario::parse_str(&toml::to_string(&d)?, &args.scenario)
            .map_err(|mut e| {
                e.location = None; // a position in the rewritten text would mislead
                e
            })
            .with_context(|| format!("in the sweep point {}", point.join(", ")))?;
        sc.simulation.replications = base.simulation.replications;
        sc.simulation.seed = base.simulation.seed;
        points.push((values, sc));
    }
    let range = args.part.share(points.len() as u32);
    for (_, sc) in &points[range.start as usize..range.end as usize] {
        let plan = ccsim::jobs::memory::Plan {
            runs: range.len(),
            ..ccsim::jobs::memory::Plan::run(sc.simulation.replications, args.reps.threads)
        };
        check_memory(sc, &plan, &args.reps)?;
    }
    let target = args.out.clone().unwrap_or_else(|| args.part.default_out(&format!("{}-sweep", base.name)));
    let folder = output_folder(&target, "sweep")?;
    let share = &points[range.start as usize..range.end as usize];
    let bar = progress::bar(share.len() as u64, "points", args.quiet);
    let mut rows = Vec::new();
    for (values, sc) in share {
        let opts = RunOptions {
            replications: sc.simulation.replications,
            seed: sc.simulation.seed,
            threads: args.reps.threads,
            trace: false,
            per_day: false,
        };
        let reps = run::run_all(sc, &opts, &|_| {});
        run::check_finished(sc, &reps)?;
        let results = run::in_pool(args.reps.threads, || run::aggregate_results(sc, false, &reps));
        rows.push((values.clone(), results.summary));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let keys: Vec<&str> = settings.iter().map(|s| s.key.as_str()).collect();
    let sweep_csv = folder.file("sweep.csv");
    let write = || -> Result<()> {
        report::write_sweep(&sweep_csv, &keys, range.start as usize + 1, &rows)?;
        match args.part.shard {
            Some(shard) => {
                report::write_text(&folder.file("run.toml"), &scenario::resolved_toml(&base))?;
                let manifest = Manifest::sweep(shard, points.len() as u32, &settings);
                manifest.write(&folder.file(ccsim::jobs::shard::MANIFEST))?;
            }
            None if args.no_charts => {}
            None => report::write_sweep_charts(&folder.file("charts"), &sweep_csv, &keys, base.service_level.goal)?,
        }
        Ok(())
    };
    write().with_context(|| cannot_write(&target))?;
    let dir = folder.commit()?;
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        match args.part.shard {
            Some(shard) => writeln!(
                out,
                "{}: shard {shard}, {} → {} (combine the folders of all shards with `ccsim merge`)",
                base.name,
                share_text(&range, points.len() as u32, "points", 1),
                dir.display()
            )?,
            None => writeln!(out, "{}: {} points → {}", base.name, rows.len(), dir.display())?,
        }
        let shown = ["service_level", "asa", "abandon_rate", "occupancy", "utilisation"];
        writeln!(out, "  {:<40} {}", keys.join(", "), shown.join("  "))?;
        for (values, summary) in &rows {
            let figures: Vec<String> = shown
                .iter()
                .map(|m| {
                    let a = summary.iter().find(|a| a.scope == "all" && a.metric == *m);
                    report::fmt_num(a.and_then(|a| a.mean).map(|v| (v * 1e4).round() / 1e4))
                })
                .collect();
            writeln!(out, "  {:<40} {}", values.join(", "), figures.join("  "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct StaffArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Service-level goal: the share of chats answered within the threshold (default: the scenario's).
    #[arg(long)]
    goal: Option<f64>,
    /// Service-level threshold, e.g. 60s (default: the scenario's).
    #[arg(long)]
    threshold: Option<String>,
    /// Highest abandonment rate allowed in any interval (default: the scenario's, if any).
    #[arg(long)]
    max_abandon: Option<f64>,
    /// Staff only this group; the others keep their staffing (default: every group).
    #[arg(long)]
    group: Option<String>,
    /// Most agents an interval may have (staffed groups together); beyond it the target is unreachable.
    #[arg(long, default_value_t = 1000)]
    max_agents: u32,
    /// Output folder (default: results/<name>-staff/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    reps: ReplicationArgs,
    /// Do not write charts/.
    #[arg(long)]
    no_charts: bool,
    /// No progress bar and no table on stdout.
    #[arg(long)]
    quiet: bool,
}

pub fn staff(args: &StaffArgs) -> Result<ExitCode> {
    use ccsim::jobs::staff::{StaffOptions, intervals, staff};
    let mut sc = load(&args.scenario)?;
    args.reps.apply(&mut sc, &args.scenario)?;
    if let Some(goal) = args.goal {
        if !(goal > 0.0 && goal <= 1.0) {
            return Err(UsageError(format!("--goal: expected a share above 0 and at most 1, got {goal}")).into());
        }
        sc.service_level.goal = goal;
    }
    if let Some(t) = &args.threshold {
        sc.service_level.threshold = flag("threshold", t, duration_flag)?;
    }
    if let Some(m) = args.max_abandon {
        if !(0.0..=1.0).contains(&m) {
            return Err(UsageError(format!("--max-abandon: expected a share from 0 to 1, got {m}")).into());
        }
        sc.service_level.max_abandon = Some(m);
    }
    let group = match &args.group {
        None => None,
        Some(name) => Some(sc.groups.iter().position(|g| &g.name == name).ok_or_else(|| {
            let names: Vec<&str> = sc.groups.iter().map(|g| g.name.as_str()).collect();
            UsageError(format!("--group: unknown group {name:?}; the groups are: {}", names.join(", ")))
        })?),
    };
    if !(1..=ccsim::scenario::limits::MAX_AGENTS).contains(&args.max_agents) {
        let max = ccsim::scenario::limits::MAX_AGENTS;
        return Err(
            UsageError(format!("--max-agents: expected an integer from 1 to {max}, got {}", args.max_agents)).into()
        );
    }
    let plan = ccsim::jobs::memory::Plan {
        per_day: ccsim::analytic::warnings::distinct_days(&sc) > 1,
        agents: args.max_agents,
        ..ccsim::jobs::memory::Plan::run(sc.simulation.replications, args.reps.threads)
    };
    check_memory(&sc, &plan, &args.reps)?;
    let target = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(format!("{}-staff", sc.name)));
    let folder = output_folder(&target, "staff")?;

    let started = std::time::Instant::now();
    let bar = progress::bar(intervals(&sc) as u64, "intervals settled", args.quiet);
    let opts = StaffOptions { group, max_agents: args.max_agents, threads: args.reps.threads };
    let found = staff(&sc, &opts, &|i| bar.set_position(i as u64));
    bar.finish_and_clear();
    if found.overran {
        return Err(run::time_limit_error(&sc, "a trial").into());
    }
    let elapsed = started.elapsed();

    let layout = run::layout(&found.scenario, found.per_day);
    let write = || -> Result<()> {
        report::write_staffing(&folder.file("staffing.csv"), &found)?;
        report::write_comparison(&folder.file("comparison.csv"), &found)?;
        report::write_summary(&folder.file("summary.csv"), &found.results.summary)?;
        report::write_intervals(&folder.file("intervals.csv"), &layout, &found.results)?;
        report::write_text(&folder.file("run.toml"), &scenario::resolved_toml(&found.scenario))?;
        if !args.no_charts {
            report::write_staff_chart(&folder.file("charts"), &found)?;
        }
        Ok(())
    };
    write().with_context(|| cannot_write(&target))?;
    let dir = folder.commit()?;

    let sim = &found.scenario.simulation;
    let hours = f64::from(sim.interval) / 3600.0;
    let day_label = |d: usize| if found.per_day { format!("day {} ", d + 1) } else { String::new() };
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        let sl = &found.scenario.service_level;
        writeln!(
            out,
            "{}: fewest agents with service level ≥ {} within {} s{} per interval ({} replications, {} trials, {:.1} s) → {}",
            found.scenario.name,
            sl.goal,
            report::fmt_num(Some(sl.threshold)),
            sl.max_abandon.map(|m| format!(" and abandonment ≤ {m}")).unwrap_or_default(),
            sim.replications,
            found.trials,
            elapsed.as_secs_f64(),
            dir.display()
        )?;
        writeln!(
            out,
            "  {:>9}  {:>7}  {:>8}  {:>6}  {:>8}  {:>8}  {:>24}  {:>8}",
            "interval", "offered", "load (E)", "agents", "estimate", "Erlang C", "service level [95% CI]", "abandon"
        )?;
        for (d, day) in found.slots.iter().enumerate() {
            for (i, plan) in day.iter().enumerate() {
                let slot = found.slot(d, i);
                let sl = ccsim::jobs::staff::slot_figure(&found.results, slot, "all", "all", "service_level");
                let ab = ccsim::jobs::staff::slot_figure(&found.results, slot, "all", "all", "abandon_rate");
                let figure = |a: Option<&ccsim::stats::Aggregate>| {
                    a.and_then(|a| a.mean).map_or("-".into(), |m| format!("{m:.3}"))
                };
                let ci = sl.and_then(|a| a.ci95).map_or(String::new(), |(l, h)| format!(" [{l:.3}, {h:.3}]"));
                writeln!(
                    out,
                    "  {:>9}  {:>7.1}  {:>8.2}  {:>6}{} {:>8}  {:>8}  {:>24}  {:>8}",
                    format!("{}{}", day_label(d), clock(sim.start + i as u32 * sim.interval)),
                    plan.offered,
                    plan.load,
                    found.staffed_agents(plan),
                    if plan.unreachable { "!" } else { " " },
                    plan.estimate.map_or("-".into(), |e| e.to_string()),
                    plan.erlang_c.map_or("-".into(), |e| e.to_string()),
                    format!("{}{ci}", figure(sl)),
                    figure(ab),
                )?;
            }
        }
        let sum = |f: &dyn Fn(&ccsim::jobs::staff::SlotPlan) -> u32| -> f64 {
            found.slots.iter().flatten().map(|p| f64::from(f(p))).sum::<f64>() * hours
        };
        let per = if found.per_day { "over all days".to_string() } else { "a day".to_string() };
        writeln!(
            out,
            "  agent-hours {per}: simulation {:.1}, plain Erlang C {:.1}, analytic estimate {:.1}",
            sum(&|p| found.staffed_agents(p)),
            sum(&|p| p.erlang_c.unwrap_or(0)),
            sum(&|p| p.estimate.unwrap_or(0)),
        )?;
    }
    let unreachable = found.unreachable();
    if !unreachable.is_empty() {
        let list: Vec<String> = unreachable
            .iter()
            .map(|&(d, i)| format!("{}{}", day_label(d), clock(sim.start + i as u32 * sim.interval)))
            .collect();
        eprintln!(
            "error: the target is not met within {} agents in {} interval(s): {}",
            args.max_agents,
            list.len(),
            list.join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct MergeArgs {
    /// The shard folders, in any order: every shard of one `run` or `sweep`, each once.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Output folder (default: results/<name>/, or results/<name>-sweep/ for a sweep).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Nothing on stdout.
    #[arg(long)]
    quiet: bool,
}

pub fn merge(args: &MergeArgs) -> Result<ExitCode> {
    let merged = ccsim::jobs::shard::merge(&args.dirs, args.out.as_deref())?;
    if !args.quiet {
        let items = match merged.kind {
            ccsim::jobs::shard::Kind::Run => "replications",
            ccsim::jobs::shard::Kind::Sweep => "points",
        };
        println!(
            "{}: {} shards merged, {} {items} → {}",
            merged.name,
            merged.shards,
            merged.items,
            merged.dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
