//! `ccsim fit`: a scenario estimated from a center's history.

use ccsim::engine::Date;
use ccsim::error::{Error, Exit, Result, ResultExt};
use ccsim::history::ReadOptions;
use ccsim::jobs::fit::{FitOptions, fit};
use ccsim::report;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

use super::args::*;

#[derive(Args)]
pub struct FitArgs {
    /// The history: history.csv, one row per contact segment (README, "History files").
    history: PathBuf,
    /// Logged-in spans per agent (agent,start,end[,state]); without it staffing is estimated.
    #[arg(long)]
    agents: Option<PathBuf>,
    /// Interval of the fitted forecast and staffing: 15m, 30m or 60m.
    #[arg(long, default_value = "30m", value_parser = interval_flag)]
    interval: u32,
    /// First date of the period to fit (YYYY-MM-DD, by the contact's first arrival).
    #[arg(long, value_parser = Date::parse)]
    from: Option<Date>,
    /// Last date of the period to fit (inclusive).
    #[arg(long, value_parser = Date::parse)]
    to: Option<Date>,
    /// Rename an export's column: --map arrival="Contact Start" (repeatable).
    #[arg(long, value_name = "COLUMN=HEADER", value_parser = map_flag)]
    map: Vec<(String, String)>,
    /// Count unusable rows per reason (printed and in fit.csv) instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// The fitted scenario's name (default: the history file's name with -fit).
    #[arg(long)]
    name: Option<String>,
    /// Output folder (default: results/<name>/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Leave out charts/ and fit.html.
    #[arg(long)]
    no_charts: bool,
    /// Print nothing on success.
    #[arg(long)]
    quiet: bool,
}

/// `15m`, `30m` or `60m` (as `simulation.interval` takes), in seconds.
pub fn interval_flag(text: &str) -> Result<u32, String> {
    match duration_flag(text)? {
        s if [900.0, 1800.0, 3600.0].contains(&s) => Ok(s as u32),
        _ => Err(format!("expected 15m, 30m or 60m, got {text:?}")),
    }
}

/// `COLUMN=HEADER` of `--map`.
pub fn map_flag(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((ours, theirs)) if !ours.is_empty() && !theirs.is_empty() => Ok((ours.to_string(), theirs.to_string())),
        _ => Err(format!("expected COLUMN=HEADER like arrival=\"Contact Start\", got {text:?}")),
    }
}

pub fn run(args: &FitArgs) -> Result<Exit> {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && to < from
    {
        return Err(Error::input(format!("--to {to} is before --from {from}; expected a period from --from to --to")));
    }
    ccsim::history::read::check_map(&args.map).map_err(Error::input)?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => {
            let stem = args.history.file_stem().map_or("history".into(), |s| s.to_string_lossy().into_owned());
            format!("{stem}-fit")
        }
    };
    ccsim::scenario::limits::check_name(&name).map_err(|m| Error::input(format!("--name: {m}")))?;
    let target = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(&name));
    let options = FitOptions {
        read: ReadOptions { map: args.map.clone(), skip_bad_rows: args.skip_bad_rows, from: args.from, to: args.to },
        agents: args.agents.clone(),
        interval: args.interval,
    };
    let folder = output_folder(&target, "fit")?;
    let fitted = fit(&args.history, &options)?;
    let tmp = folder.file("");
    report::write_fit(&tmp, &fitted.calibration, &fitted.history, &name).with_context(|| cannot_write(&target))?;
    if !args.no_charts {
        report::write_fit_report(&tmp, &fitted.calibration, &fitted.history, &name)
            .with_context(|| cannot_write(&target))?;
    }
    // The fit must have written a scenario ccsim runs: check it as `run` would.
    ccsim::scenario::load(&tmp.join("scenario.toml"))
        .context("internal error: the fitted scenario does not load; please report it with the history's header")?;
    let dir = folder.commit()?;
    if args.quiet {
        return Ok(Exit::Success);
    }
    let (h, cal) = (&fitted.history, &fitted.calibration);
    let mut out = std::io::stdout().lock();
    let dates = h.dates();
    writeln!(
        out,
        "{} contacts ({} segments) from {} to {} ({} dates), {} reasons, {} groups",
        h.contacts.len(),
        h.segments.len(),
        dates[0],
        dates[dates.len() - 1],
        dates.len(),
        cal.reasons.len(),
        cal.groups.len()
    )?;
    for (reason, skipped) in &h.skipped {
        writeln!(out, "skipped: {} rows of {reason}", skipped.rows)?;
    }
    for r in &cal.reasons {
        let chosen = |f: &ccsim::analytic::calibrate::DurationFit| {
            f.best().map_or("-".to_string(), |b| format!("{} (mean {:.0}s)", b.family().name(), b.mean.value))
        };
        writeln!(
            out,
            "  {:<12} {:>8} contacts  handle {}  patience {}",
            r.name,
            r.contacts,
            chosen(&r.handle),
            chosen(&r.patience.fit)
        )?;
    }
    for note in &cal.notes {
        writeln!(out, "note: {note}")?;
    }
    writeln!(out, "wrote {} (run it: ccsim run {})", dir.display(), dir.join("scenario.toml").display())?;
    Ok(Exit::Success)
}
