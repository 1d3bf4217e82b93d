//! `ccsim backtest`: replay a period of history through a scenario and
//! compare, interval by interval, with what happened and with Erlang A.

use ccsim::engine::Date;
use ccsim::error::{Error, Exit, Result, ResultExt};
use ccsim::history::ReadOptions;
use ccsim::jobs::backtest::{BacktestOptions, backtest};
use ccsim::report::{self, BacktestLine, BacktestReport, BacktestSummaryLine};
use ccsim::stats::Scope;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

use super::args::*;
use super::fit::{interval_flag, map_flag};

#[derive(Args)]
pub struct BacktestArgs {
    /// The scenario to test (TOML), e.g. one `ccsim fit` wrote from an earlier period.
    scenario: PathBuf,
    /// The history of the period to replay (history.csv; README, "History files").
    history: PathBuf,
    /// Logged-in spans per agent (agent,start,end[,state]); without it staffing is estimated.
    #[arg(long)]
    agents: Option<PathBuf>,
    /// First date of the period (YYYY-MM-DD, by the contact's first arrival).
    #[arg(long, value_parser = Date::parse)]
    from: Option<Date>,
    /// Last date of the period (inclusive).
    #[arg(long, value_parser = Date::parse)]
    to: Option<Date>,
    /// Interval compared: 15m, 30m or 60m.
    #[arg(long, default_value = "60m", value_parser = interval_flag)]
    interval: u32,
    /// Rename an export's column: --map arrival="Contact Start" (repeatable).
    #[arg(long, value_name = "COLUMN=HEADER", value_parser = map_flag)]
    map: Vec<(String, String)>,
    /// Count unusable rows per reason instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Replications: the 90% band is their 5th to 95th percentile.
    #[arg(long, default_value_t = 20)]
    replications: u32,
    /// Random seed (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads for replications (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// The day the report draws interval by interval (YYYY-MM-DD; default: the busiest date by contacts offered).
    #[arg(long, value_parser = Date::parse)]
    day: Option<Date>,
    /// Leave out charts/ and backtest.html.
    #[arg(long)]
    no_charts: bool,
    /// Output folder (default: results/<name>-backtest/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print nothing on success.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: &BacktestArgs) -> Result<Exit> {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && to < from
    {
        return Err(Error::input(format!("--to {to} is before --from {from}; expected a period from --from to --to")));
    }
    if let Some(day) = args.day
        && (args.from.is_some_and(|from| day < from) || args.to.is_some_and(|to| day > to))
    {
        return Err(Error::input(format!(
            "--day {day} is outside the period --from and --to give; expected a date in it"
        )));
    }
    ccsim::history::read::check_map(&args.map).map_err(Error::input)?;
    let replications = ccsim::scenario::limits::check_replications(args.replications.into())
        .map_err(|m| Error::input(format!("--replications: {m}")))?;
    if args.threads > ccsim::scenario::limits::MAX_THREADS {
        return Err(Error::input(format!(
            "--threads: expected at most {}, got {}",
            ccsim::scenario::limits::MAX_THREADS,
            args.threads
        )));
    }
    let sc = load(&args.scenario)?;
    let target = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(format!("{}-backtest", sc.name)));
    let folder = output_folder(&target, "backtest")?;
    let options = BacktestOptions {
        read: ReadOptions { map: args.map.clone(), skip_bad_rows: args.skip_bad_rows, from: args.from, to: args.to },
        agents: args.agents.clone(),
        interval: args.interval,
        replications,
        seed: args.seed.unwrap_or(sc.simulation.seed),
        threads: args.threads,
    };
    let done = backtest(&sc, &args.history, &options)?;
    let lines: Vec<BacktestLine> = done
        .rows
        .iter()
        .map(|r| BacktestLine {
            date: r.date,
            interval: r.interval,
            scope: r.scope,
            key: &r.key,
            metric: r.metric,
            actual: r.actual,
            sim: r.sim.map(|b| (b.mean, b.p05, b.p95)),
            inside: r.inside(),
            erlang_a: r.erlang_a,
        })
        .collect();
    let summary: Vec<BacktestSummaryLine> = done
        .summary
        .iter()
        .map(|s| BacktestSummaryLine {
            metric: s.metric,
            scope: s.scope,
            key: &s.key,
            intervals: s.intervals,
            coverage: s.coverage,
            mae: s.mae,
            bias: s.bias,
            mae_erlang_a: s.mae_erlang_a,
        })
        .collect();
    let day = report::backtest_day(&lines, args.day)
        .map_err(|m| Error::input(format!("--day {}: {m}", args.day.map_or(String::new(), |d| d.to_string()))))?;
    let tmp = folder.file("");
    let write = || -> std::io::Result<()> {
        report::write_backtest(&tmp.join("backtest.csv"), lines.iter().copied())?;
        report::write_backtest_summary(&tmp.join("backtest_summary.csv"), summary.iter().copied())?;
        if args.no_charts {
            return Ok(());
        }
        report::write_backtest_report(
            &tmp,
            &BacktestReport {
                scenario: &sc.name,
                history: &args.history,
                first: done.first,
                last: done.first.plus(done.days as i32 - 1),
                contacts: done.history.contacts.len(),
                replications,
                seed: options.seed,
                interval: args.interval,
                threshold: sc.service_level.threshold,
                staffing: done.staffing_source,
                notes: &done.notes,
                lines: &lines,
                summary: &summary,
                day,
                day_given: args.day.is_some(),
            },
        )
    };
    write().with_context(|| cannot_write(&target))?;
    let dir = folder.commit()?;
    if args.quiet {
        return Ok(Exit::Success);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: {} contacts over {} days from {}, {} replications; staffing from {}",
        sc.name,
        done.history.contacts.len(),
        done.days,
        done.first,
        replications,
        done.staffing_source.describe()
    )?;
    writeln!(
        out,
        "  {:<14} {:>9} {:>9} {:>11} {:>11} {:>13}",
        "metric", "intervals", "coverage", "mae", "bias", "mae_erlang_a"
    )?;
    for s in done.summary.iter().filter(|s| s.scope == Scope::All) {
        writeln!(
            out,
            "  {:<14} {:>9} {:>8.1}% {:>11.4} {:>11.4} {:>13}",
            s.metric.to_string(),
            s.intervals,
            100.0 * s.coverage,
            s.mae,
            s.bias,
            s.mae_erlang_a.map_or("-".to_string(), |v| format!("{v:.4}"))
        )?;
    }
    for (reason, skipped) in &done.history.skipped {
        writeln!(out, "skipped: {} rows of {reason}", skipped.rows)?;
    }
    for note in &done.notes {
        writeln!(out, "note: {note}")?;
    }
    writeln!(out, "wrote {}", dir.display())?;
    Ok(Exit::Success)
}
