//! `ccsim compare`: the command-line glue over [`ccsim::jobs::compare`].

use ccsim::error::{Exit, Result};
use ccsim::jobs::compare::{self, CompareOptions, Tolerance};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct CompareArgs {
    /// The baseline run folder (summary.csv and run.toml from `ccsim run`).
    baseline: PathBuf,
    /// The run folder to check against the baseline.
    current: PathBuf,
    /// Metrics to compare, comma-separated
    /// (default: service_level,asa,abandon_rate,occupancy,inactive_disconnect_rate,aht).
    #[arg(long, value_delimiter = ',')]
    metrics: Option<Vec<String>>,
    /// Smallest relative change of a time or count (asa, aht) that can be a regression (0.05 = 5%).
    #[arg(long, default_value_t = 0.05)]
    tolerance: f64,
    /// Smallest change of a share (service_level, abandon_rate, occupancy…)
    /// that can be a regression, in points (1 = 0.01).
    #[arg(long, default_value_t = 1.0)]
    tolerance_points: f64,
    /// Print only the regressions and the final line.
    #[arg(long)]
    quiet: bool,
}

/// Exit code 0 without a regression, 1 with any; comparison errors exit 2 (see main).
pub fn compare(args: &CompareArgs) -> Result<Exit> {
    let tolerance = Tolerance { relative: args.tolerance, points: args.tolerance_points };
    let opts = CompareOptions { metrics: args.metrics.clone(), tolerance };
    let comparison = compare::compare(&args.baseline, &args.current, &opts)?;
    let mut out = std::io::stdout().lock();
    if !args.quiet {
        writeln!(
            out,
            "{}: {} against baseline {} (tolerance {}%, shares {} point{})",
            comparison.name,
            args.current.display(),
            args.baseline.display(),
            comparison.tolerance.relative * 100.0,
            comparison.tolerance.points,
            if comparison.tolerance.points == 1.0 { "" } else { "s" }
        )?;
    }
    out.write_all(comparison.render(args.quiet).as_bytes())?;
    out.flush()?;
    Ok(if comparison.regressions().is_empty() { Exit::Success } else { Exit::Finding })
}
