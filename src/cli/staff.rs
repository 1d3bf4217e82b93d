//! `ccsim staff`: the fewest agents per interval meeting the targets, by simulation.

use ccsim::error::{Error, Exit, Result, ResultExt};
use ccsim::jobs::run::{self};
use ccsim::report::{self};
use ccsim::scenario::{self};
use ccsim::stats::{Metric, Scope, SegmentKind::New};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

use super::args::*;
use super::progress;

/// How `staff` runs its trials (see `Mode`).
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TrialMode {
    Resume,
    Restart,
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
    /// Staff for a bad day: each interval must meet the target in at least this share of its
    /// (replication, day) pairs, as well as on average; from 0.5 to below 1 (default: on average only).
    #[arg(long)]
    confidence: Option<f64>,
    /// How each trial runs: `resume` from the runs paused at the interval under trial, or `restart`
    /// from the start (slow; the same answer byte for byte: a check).
    #[arg(long, value_enum, default_value_t = TrialMode::Resume)]
    trials: TrialMode,
    /// The most replications one decision may take: where the 95% interval of the service level at
    /// n − 1 or n agents holds the goal, more are added in batches of the scenario's replications,
    /// up to this (default: 4 × replications; the replications themselves: decide on those alone).
    #[arg(long)]
    max_replications: Option<u32>,
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

pub fn staff(args: &StaffArgs) -> Result<Exit> {
    use ccsim::jobs::staff::{
        Confidence, Mode, StaffOptions, confidence_pairs, default_max_replications, staff, units,
    };
    let mut sc = load(&args.scenario)?;
    args.reps.apply(&mut sc, &args.scenario)?;
    if let Some(goal) = args.goal {
        if !(goal > 0.0 && goal <= 1.0) {
            return Err(Error::input(format!("--goal: expected a share above 0 and at most 1, got {goal}")));
        }
        sc.service_level.goal = goal;
    }
    if let Some(t) = &args.threshold {
        sc.service_level.threshold = flag("threshold", t, duration_flag)?;
    }
    if let Some(m) = args.max_abandon {
        if !(0.0..=1.0).contains(&m) {
            return Err(Error::input(format!("--max-abandon: expected a share from 0 to 1, got {m}")));
        }
        sc.service_level.max_abandon = Some(m);
    }
    let group = match &args.group {
        None => None,
        Some(name) => Some(sc.groups.iter().position(|g| &g.name == name).ok_or_else(|| {
            let names: Vec<&str> = sc.groups.iter().map(|g| g.name.as_str()).collect();
            Error::input(format!("--group: unknown group {name:?}; the groups are: {}", names.join(", ")))
        })?),
    };
    if let Some(q) = args.confidence
        && !(0.5..1.0).contains(&q)
    {
        return Err(Error::input(format!(
            "--confidence: expected a share from 0.5 to below 1 (0.9: the target holds in 90% of days), got {q}"
        )));
    }
    if !(1..=ccsim::scenario::limits::MAX_AGENTS).contains(&args.max_agents) {
        let max = ccsim::scenario::limits::MAX_AGENTS;
        return Err(Error::input(format!(
            "--max-agents: expected an integer from 1 to {max}, got {}",
            args.max_agents
        )));
    }
    let reps = sc.simulation.replications;
    let max_replications = args.max_replications.unwrap_or_else(|| default_max_replications(&sc));
    let limit = ccsim::scenario::limits::MAX_REPLICATIONS;
    if max_replications < reps || max_replications > limit {
        return Err(Error::input(format!(
            "--max-replications: expected an integer from the replications ({reps}) to {limit}, got {max_replications}"
        )));
    }
    // Each replication a decision may take keeps its run paused in memory.
    let plan = ccsim::jobs::memory::Plan {
        per_day: ccsim::analytic::warnings::distinct_days(&sc) > 1
            || args.confidence.is_some() && sc.simulation.days > 1,
        agents: args.max_agents,
        ..ccsim::jobs::memory::Plan::run(max_replications, args.reps.threads)
    };
    check_memory(&sc, &plan, &args.reps)?;
    let target = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(format!("{}-staff", sc.name)));
    let folder = output_folder(&target, "staff")?;

    let trials = match args.trials {
        TrialMode::Resume => Mode::Resume,
        TrialMode::Restart => Mode::Restart,
    };
    let opts = StaffOptions {
        group,
        max_agents: args.max_agents,
        threads: args.reps.threads,
        confidence: args.confidence,
        trials,
        max_replications,
    };
    if let Some(q) = args.confidence {
        let pairs = confidence_pairs(&sc, &opts);
        if pairs > 0 && Confidence::misses_allowed(q, pairs) == 0 {
            eprintln!("warning: {}", unresolved_confidence(q, pairs, sc.simulation.replications));
        }
    }

    let started = std::time::Instant::now();
    let phases = if args.confidence.is_some() { 2 } else { 1 };
    let bar = progress::bar((phases * units(&sc, &opts)) as u64, "intervals settled", args.quiet);
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
        let rule = match found.confidence {
            None => " per interval".to_string(),
            Some(c) => format!(
                " per interval, on average and in ≥ {}% of its (replication, day) pairs (at least {} per interval)",
                report::fmt_num(Some(c.level * 100.0)),
                c.pairs
            ),
        };
        writeln!(
            out,
            "{}: fewest agents with service level ≥ {} within {} s{}{rule} ({} replications, {} trials, {:.1} s) → {}",
            found.scenario.name,
            sl.goal,
            report::fmt_num(Some(sl.threshold)),
            sl.max_abandon.map(|m| format!(" and abandonment ≤ {m}")).unwrap_or_default(),
            sim.replications,
            found.trials,
            elapsed.as_secs_f64(),
            dir.display()
        )?;
        let at_confidence = |mean: &str, share: &str| match found.confidence {
            Some(_) => format!("  {mean:>7}  {share:>9}"),
            None => String::new(),
        };
        writeln!(
            out,
            "  {:>9}  {:>7}  {:>8}  {:>6}  {:>8}  {:>8}  {:>24}  {:>8}{}",
            "interval",
            "offered",
            "load (E)",
            "agents",
            "estimate",
            "Erlang C",
            "service level [95% CI]",
            "abandon",
            at_confidence("at mean", "met share")
        )?;
        for (d, day) in found.slots.iter().enumerate() {
            for (i, plan) in day.iter().enumerate() {
                let slot = found.slot(d, i);
                let figure_of = |m| ccsim::jobs::staff::slot_figure(&found.results, slot, Scope::All, "all", m);
                let (sl, ab) = (figure_of(Metric::ServiceLevel(New)), figure_of(Metric::AbandonRate(New)));
                let figure = |a: Option<&ccsim::stats::Aggregate>| {
                    a.and_then(|a| a.mean).map_or("-".into(), |m| format!("{m:.3}"))
                };
                let ci = sl.and_then(|a| a.ci95).map_or(String::new(), |(l, h)| format!(" [{l:.3}, {h:.3}]"));
                writeln!(
                    out,
                    "  {:>9}  {:>7.1}  {:>8.2}  {:>6}{} {:>8}  {:>8}  {:>24}  {:>8}{}",
                    format!("{}{}", day_label(d), clock(sim.interval_start(i))),
                    plan.offered,
                    plan.load,
                    found.staffed_agents(plan),
                    if plan.unreachable { "!" } else { " " },
                    plan.estimate.map_or("-".into(), |e| e.to_string()),
                    plan.erlang_c.map_or("-".into(), |e| e.to_string()),
                    format!("{}{ci}", figure(sl)),
                    figure(ab),
                    at_confidence(
                        &plan.mean_agents.map_or("-".into(), |n| n.to_string()),
                        &plan.met_share.map_or("-".into(), |s| format!("{s:.3}"))
                    ),
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
        if let Some(c) = found.confidence {
            let (at_q, at_mean) = (sum(&|p| found.staffed_agents(p)), sum(&|p| p.mean_agents.unwrap_or(0)));
            let pct =
                if at_mean > 0.0 { format!(" ({:+.1}%)", 100.0 * (at_q - at_mean) / at_mean) } else { String::new() };
            writeln!(
                out,
                "  robustness: agent-hours {per} at the mean {at_mean:.1}, at confidence {} {at_q:.1}: {:+.1}{pct}",
                c.level,
                at_q - at_mean
            )?;
        }
        // What keeps rostered agents from chats: then the agents found are
        // scheduled agents, more than those on duty and free.
        let away: Vec<String> = sc
            .groups
            .iter()
            .filter_map(|g| {
                let mut what = Vec::new();
                if g.absenteeism > 0.0 {
                    what.push(format!("absenteeism {}", g.absenteeism));
                }
                if g.takes_breaks() {
                    what.push(format!("{} break(s)", g.breaks.len() + g.shift_breaks().count()));
                }
                if let Some(s) = &g.shrinkage {
                    what.push(format!("shrinkage {}", s.share));
                }
                (!what.is_empty()).then(|| format!("{}: {}", g.name, what.join(", ")))
            })
            .collect();
        if !away.is_empty() {
            writeln!(
                out,
                "  with absenteeism, breaks or shrinkage ({}), the simulation's agents are scheduled agents, \
                 those to roster: some do not come in, and those who do are not always free for chats \
                 (the analytic and Erlang C figures count agents on duty and free)",
                away.join("; ")
            )?;
        }
    }
    let unreachable = found.unreachable();
    if !unreachable.is_empty() {
        let list: Vec<String> =
            unreachable.iter().map(|&(d, i)| format!("{}{}", day_label(d), clock(sim.interval_start(i)))).collect();
        eprintln!(
            "error: the target is not met within {} agents in {} interval(s): {}",
            args.max_agents,
            list.len(),
            list.join(", ")
        );
        return Ok(Exit::Finding);
    }
    Ok(Exit::Success)
}

/// The warning for a confidence `q` that `pairs` (replication, day) pairs
/// per interval cannot resolve: the share moves in steps of 1 ÷ pairs, and
/// the rule allows no pair to miss, so the worst day drawn sets the answer.
fn unresolved_confidence(q: f64, pairs: u32, replications: u32) -> String {
    use ccsim::jobs::staff::Confidence;
    let days = (pairs / replications.max(1)).max(1);
    let mut needed = ((1.0 / (1.0 - q)).ceil() as u64).clamp(1, u64::from(u32::MAX)) as u32;
    while needed > 1 && Confidence::misses_allowed(q, needed - 1) >= 1 {
        needed -= 1;
    }
    while Confidence::misses_allowed(q, needed) == 0 && needed < u32::MAX {
        needed += 1;
    }
    format!(
        "--confidence {q} with {pairs} (replication, day) pair(s) per interval: a share moves in steps of 1/{pairs} \
         = {}, so the rule needs every pair to meet the target, and the answer is set by the worst day drawn \
         (it grows with the replications); with {} replications or more it tolerates the misses {q} allows",
        report::fmt_num(Some(1.0 / f64::from(pairs))),
        needed.div_ceil(days)
    )
}
