//! `ccsim schedule`: a roster of shifts with breaks at least cost, checked by simulation.

use ccsim::error::{Error, Exit, Result, ResultExt};
use ccsim::jobs::schedule::{Limits, ScheduleError, ScheduleOptions, schedule};
use ccsim::report;
use ccsim::scenario::{self, limits};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use super::args::*;
use super::progress;

#[derive(Args)]
pub struct ScheduleArgs {
    /// The scenario file (TOML), with a [scheduling] table.
    scenario: PathBuf,
    /// Agents required per interval and group (the staffing.csv `staff` writes); default: run `staff` first.
    #[arg(long)]
    requirement: Option<PathBuf>,
    /// Wall-clock budget of each round's solve, e.g. 60s.
    #[arg(long, default_value = "60s")]
    time_limit: String,
    /// Relative gap between the roster's cost and the proven bound at which a solve may stop.
    #[arg(long, default_value_t = 0.01)]
    gap: f64,
    /// Most solve-and-simulate rounds of the repair loop.
    #[arg(long, default_value_t = 10)]
    max_rounds: u32,
    /// Output folder (default: results/<name>-schedule/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    reps: ReplicationArgs,
    /// Do not write charts/ (coverage and shifts).
    #[arg(long)]
    no_charts: bool,
    /// No progress and no table on stdout.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: &ScheduleArgs) -> Result<Exit> {
    let mut sc = load(&args.scenario)?;
    args.reps.apply(&mut sc, &args.scenario)?;
    if sc.scheduling.is_none() {
        return Err(Error::input(format!(
            "{}: scheduling: missing; expected a [scheduling] table with [[scheduling.templates]] (see the README's \
             Rosters by schedule)",
            args.scenario.display()
        )));
    }
    if !(args.gap >= 0.0 && args.gap < 1.0) {
        return Err(Error::input(format!("--gap: expected a share from 0 to below 1, got {}", args.gap)));
    }
    let time_limit = flag("time-limit", &args.time_limit, duration_flag)?;
    if time_limit <= 0.0 {
        return Err(Error::input(format!("--time-limit: expected a duration above 0, got {}", args.time_limit)));
    }
    if !(1..=limits::MAX_ROUNDS).contains(&args.max_rounds) {
        return Err(Error::input(format!(
            "--max-rounds: expected an integer from 1 to {}, got {}",
            limits::MAX_ROUNDS,
            args.max_rounds
        )));
    }
    let requirement = match &args.requirement {
        Some(path) => {
            if let Err(e) = std::fs::metadata(path) {
                return Err(Error::input(format!("--requirement: cannot read {}: {e}", path.display())));
            }
            Some(scenario::read_requirement(path, &sc)?)
        }
        None => None,
    };
    let plan = ccsim::jobs::memory::Plan {
        per_day: sc.simulation.days > 1,
        ..ccsim::jobs::memory::Plan::run(sc.simulation.replications, args.reps.threads)
    };
    check_memory(&sc, &plan, &args.reps)?;
    let target = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(format!("{}-schedule", sc.name)));
    let folder = output_folder(&target, "schedule")?;

    let started = std::time::Instant::now();
    let bar = progress::bar(0, "scheduling", args.quiet);
    let opts = ScheduleOptions {
        requirement,
        limits: Limits { gap: args.gap, time_limit: Duration::from_secs_f64(time_limit) },
        max_rounds: args.max_rounds,
        threads: args.reps.threads,
    };
    let found = schedule(&sc, &opts);
    bar.finish_and_clear();
    let found = match found {
        Ok(f) => f,
        Err(ScheduleError::Overran) => {
            return Err(ccsim::jobs::run::time_limit_error(&sc, "a replication").into());
        }
        Err(ScheduleError::Infeasible(inf)) => {
            let sim = &sc.simulation;
            let list: Vec<String> = inf.intervals.iter().map(|&i| clock(sim.interval_start(i))).collect();
            let which = if let Some(e) = &inf.solver_error {
                format!("the solver failed ({e}); try a larger --time-limit or --gap")
            } else if list.is_empty() {
                "the rules together (template min and max, max_part_time, max_agents) cannot be met".to_string()
            } else {
                format!("these intervals cannot be covered: {}", list.join(", "))
            };
            eprintln!(
                "error: no roster covers the requirement of group {:?} on day {}: {which}",
                sc.groups[inf.group].name,
                inf.day + 1
            );
            return Ok(Exit::Finding);
        }
    };
    let elapsed = started.elapsed();

    let write = || -> Result<()> {
        report::write_shifts(&folder.file("shifts.csv"), &found)?;
        report::write_roster(&folder.file("roster.csv"), &found)?;
        report::write_coverage(&folder.file("coverage.csv"), &found)?;
        report::write_rounds(&folder.file("rounds.csv"), &found)?;
        report::write_text(&folder.file("schedule.toml"), &scenario::resolved_toml(&found.scenario))?;
        if !args.no_charts {
            report::write_schedule_charts(&folder.file("charts"), &found)?;
        }
        Ok(())
    };
    write().with_context(|| cannot_write(&target))?;
    let dir = folder.commit()?;

    let kept = &found.rounds[found.kept];
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}: roster in {} round(s){} ({} replications, {:.1} s) → {}",
            found.scenario.name,
            found.rounds.len(),
            if found.staff_trials > 0 {
                format!(" after staff ({} trials)", found.staff_trials)
            } else {
                String::new()
            },
            found.scenario.simulation.replications,
            elapsed.as_secs_f64(),
            dir.display()
        )?;
        writeln!(
            out,
            "  {:>5}  {:>12}  {:>12}  {:>7}  {:>10}  {:>8}  {:>10}  {:>6}",
            "round", "cost", "bound", "gap", "status", "solve", "paid hours", "short"
        )?;
        for (r, round) in found.rounds.iter().enumerate() {
            writeln!(
                out,
                "  {:>5}  {:>12.2}  {:>12.2}  {:>6.2}%  {:>10}  {:>7.1}s  {:>10.2}  {:>6}{}",
                r + 1,
                round.cost,
                round.bound,
                100.0 * round.gap,
                round.status,
                round.solve_secs,
                round.paid_hours,
                round.short.len(),
                if r == found.kept { "  ← kept" } else { "" }
            )?;
        }
        writeln!(
            out,
            "  requirement {:.2} agent-hours (each interval's agents paid for that interval only); roster {:.2} paid agent-hours ({:+.1}%)",
            found.requirement_hours(),
            kept.paid_hours,
            100.0 * (kept.paid_hours / found.requirement_hours().max(1e-9) - 1.0)
        )?;
    }
    if !kept.short.is_empty() {
        let sim = &found.scenario.simulation;
        let list: Vec<String> = kept
            .short
            .iter()
            .map(|&(d, i)| {
                let day = if found.per_day { format!("day {} ", d + 1) } else { String::new() };
                format!("{day}{}", clock(sim.interval_start(i)))
            })
            .collect();
        eprintln!(
            "error: the roster misses the target in {} interval(s) after {} round(s): {}",
            list.len(),
            found.rounds.len(),
            list.join(", ")
        );
        return Ok(Exit::Finding);
    }
    Ok(Exit::Success)
}
