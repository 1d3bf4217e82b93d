//! `ccsim bench`: one replication on one thread per horizon, each in a fresh process.

use ccsim::error::{Error, Exit, Result, ResultExt};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

use super::args::*;

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
    /// Also time `staff` on this scenario against one run of it (same replications and threads),
    /// fastest of --repeat each (default: scenarios/retail-week.toml, in the table only).
    #[arg(long)]
    staff: Option<PathBuf>,
    /// Do not time `staff`.
    #[arg(long, conflicts_with = "staff")]
    no_staff: bool,
    /// Worker threads for the staffing ratio (0: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Measure once in this process and print its JSON line (what each fresh process runs).
    #[arg(long, hide = true)]
    once: bool,
}

pub fn bench(args: &BenchArgs) -> Result<Exit> {
    let sc = load(&args.scenario)?;
    for &d in &args.days {
        ccsim::scenario::limits::check_days(d.into()).map_err(|m| Error::input(format!("--days: {m}")))?;
    }
    let mut out = std::io::stdout().lock();
    if let ([days], true) = (&args.days[..], args.once) {
        writeln!(out, "{}", ccsim::jobs::bench::measure(&sc, *days)?.to_json())?;
        return Ok(Exit::Success);
    }
    // Fresh child processes per horizon, so that each peak memory is its own.
    let exe = std::env::current_exe().context("cannot find the ccsim executable")?;
    let mut results = Vec::new();
    for &days in &args.days {
        let mut fastest: Option<ccsim::jobs::bench::Measurement> = None;
        for _ in 0..args.repeat.max(1) {
            let child = std::process::Command::new(&exe)
                .arg("bench")
                .arg("--scenario")
                .arg(&args.scenario)
                .args(["--days", &days.to_string(), "--once", "--no-staff"])
                .output()
                .context("cannot run the benchmark")?;
            if child.status.code() == Some(2) {
                // Bad input found by the child (a run past its time limit): its message, its code.
                std::io::stderr().write_all(&child.stderr)?;
                return Ok(Exit::Input);
            }
            let line = String::from_utf8_lossy(&child.stdout);
            let m = ccsim::jobs::bench::Measurement::from_json(line.trim()).ok_or_else(|| {
                Error::environment(format!(
                    "benchmark of {days} day(s) failed: {}",
                    String::from_utf8_lossy(&child.stderr)
                ))
            })?;
            if fastest.as_ref().is_none_or(|f| m.seconds < f.seconds) {
                fastest = Some(m);
            }
        }
        let m = fastest.expect("at least one run");
        if args.json {
            writeln!(out, "{}", m.to_json())?;
        }
        results.push(m);
    }
    // The staffing ratio: in the table by default, in JSON only when asked for.
    let staff = match (&args.staff, args.no_staff, args.json) {
        (Some(path), false, _) => Some(path.clone()),
        (None, false, false) => Some(PathBuf::from("scenarios/retail-week.toml")),
        _ => None,
    };
    let staffing = match staff {
        Some(path) => {
            let sc = load(&path)?;
            Some(ccsim::jobs::bench::measure_staff(&sc, args.threads, args.repeat.max(1))?)
        }
        None => None,
    };
    if args.json {
        if let Some(r) = &staffing {
            writeln!(out, "{}", r.to_json())?;
        }
        return Ok(Exit::Success);
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
    if let Some(r) = staffing {
        writeln!(
            out,
            "{}: staff {:.3} s ({} trials) ÷ one run {:.3} s ({} replications, {} thread(s)) = {:.1}",
            r.scenario,
            r.staff_seconds,
            r.trials,
            r.run_seconds,
            r.replications,
            r.threads,
            r.ratio()
        )?;
    }
    Ok(Exit::Success)
}
