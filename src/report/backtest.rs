//! What `ccsim backtest` writes: `backtest.csv`, interval by interval, and
//! `backtest_summary.csv`, per metric and scope over the period; the page
//! and its charts are in `backtest_html` and `backtest_charts`.

use super::csv_out::{csv_writer, fmt_num};
use crate::analytic::calibrate::profile::StaffingSource;
use crate::engine::Date;
use crate::scenario::duration::fmt_clock;
use crate::stats::{Metric, Scope, SegmentKind::New};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// The columns of `backtest.csv`.
pub const BACKTEST_COLUMNS: [&str; 11] =
    ["date", "interval", "scope", "key", "metric", "actual", "sim_mean", "sim_p05", "sim_p95", "inside", "erlang_a"];

/// The columns of `backtest_summary.csv`.
pub const BACKTEST_SUMMARY_COLUMNS: [&str; 8] =
    ["metric", "scope", "key", "intervals", "coverage", "mae", "bias", "mae_erlang_a"];

/// One interval's comparison, as the job computed it.
#[derive(Debug, Clone, Copy)]
pub struct BacktestLine<'a> {
    pub date: Date,
    pub interval: u32,
    pub scope: Scope,
    pub key: &'a str,
    pub metric: Metric,
    pub actual: Option<f64>,
    /// (mean, 5th, 95th percentile) over the replications.
    pub sim: Option<(f64, f64, f64)>,
    pub inside: Option<bool>,
    pub erlang_a: Option<f64>,
}

/// One metric and scope over the period.
#[derive(Debug, Clone, Copy)]
pub struct BacktestSummaryLine<'a> {
    pub metric: Metric,
    pub scope: Scope,
    pub key: &'a str,
    pub intervals: usize,
    pub coverage: f64,
    pub mae: f64,
    pub bias: f64,
    pub mae_erlang_a: Option<f64>,
}

/// Writes `backtest.csv`.
pub fn write_backtest<'a>(path: &Path, lines: impl Iterator<Item = BacktestLine<'a>>) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(BACKTEST_COLUMNS).map_err(io::Error::other)?;
    for l in lines {
        w.write_record([
            l.date.to_string(),
            fmt_clock(l.interval),
            l.scope.to_string(),
            l.key.to_string(),
            l.metric.to_string(),
            fmt_num(l.actual),
            fmt_num(l.sim.map(|s| s.0)),
            fmt_num(l.sim.map(|s| s.1)),
            fmt_num(l.sim.map(|s| s.2)),
            l.inside.map_or(String::new(), |i| u8::from(i).to_string()),
            fmt_num(l.erlang_a),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()
}

/// Writes `backtest_summary.csv`.
pub fn write_backtest_summary<'a>(path: &Path, lines: impl Iterator<Item = BacktestSummaryLine<'a>>) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(BACKTEST_SUMMARY_COLUMNS).map_err(io::Error::other)?;
    for l in lines {
        w.write_record([
            l.metric.to_string(),
            l.scope.to_string(),
            l.key.to_string(),
            l.intervals.to_string(),
            fmt_num(Some(l.coverage)),
            fmt_num(Some(l.mae)),
            fmt_num(Some(l.bias)),
            fmt_num(l.mae_erlang_a),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()
}

/// What `backtest.html` and its charts show: the backtest's inputs and
/// every number the job computed (the charts never read the CSVs back).
pub struct BacktestReport<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The history replayed (only its file name is shown).
    pub history: &'a Path,
    pub first: Date,
    pub last: Date,
    /// Contacts (first segments) in the period.
    pub contacts: usize,
    pub replications: u32,
    pub seed: u64,
    /// Interval length, seconds.
    pub interval: u32,
    /// The service level's threshold, seconds.
    pub threshold: f64,
    pub staffing: StaffingSource,
    pub notes: &'a [String],
    pub lines: &'a [BacktestLine<'a>],
    pub summary: &'a [BacktestSummaryLine<'a>],
    /// The day drawn interval by interval (see [`backtest_day`]).
    pub day: Date,
    /// Whether `--day` chose it (else it is the busiest date).
    pub day_given: bool,
}

/// The day whose intervals the report draws: `wanted` if it is a date of
/// the period with contacts, else, without `wanted`, the busiest date (the
/// most contacts offered, the earliest on a tie). The error says why
/// `wanted` cannot be drawn.
pub fn backtest_day(lines: &[BacktestLine], wanted: Option<Date>) -> Result<Date, String> {
    let mut offered: BTreeMap<Date, f64> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.scope == Scope::All && l.metric == Metric::Offered(New)) {
        *offered.entry(l.date).or_default() += l.actual.unwrap_or(0.0);
    }
    let (Some((&first, _)), Some((&last, _))) = (offered.first_key_value(), offered.last_key_value()) else {
        return Err("the period has no contacts".into());
    };
    match wanted {
        Some(day) if day < first || day > last => {
            Err(format!("{day} is outside the period, {first} to {last}; expected a date in it"))
        }
        Some(day) if !offered.contains_key(&day) => {
            Err(format!("{day} has no contacts; expected a date of the period ({first} to {last}) with contacts"))
        }
        Some(day) => Ok(day),
        None => Ok(offered.iter().fold((first, f64::MIN), |best, (&d, &n)| if n > best.1 { (d, n) } else { best }).0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(date: Date, interval: u32, n: f64) -> BacktestLine<'static> {
        BacktestLine {
            date,
            interval,
            scope: Scope::All,
            key: "all",
            metric: Metric::Offered(New),
            actual: Some(n),
            sim: Some((n, n, n)),
            inside: Some(true),
            erlang_a: Some(n),
        }
    }

    #[test]
    fn the_day_drawn_is_the_busiest_the_earliest_on_a_tie_or_the_one_asked_for_with_contacts() {
        let (mon, tue, thu) = (Date(20_000), Date(20_001), Date(20_003));
        let lines = [offered(mon, 0, 5.0), offered(mon, 3600, 5.0), offered(tue, 0, 7.0), offered(thu, 0, 10.0)];
        // Monday and Thursday both offered 10: the earlier.
        assert_eq!(backtest_day(&lines, None), Ok(mon));
        assert_eq!(backtest_day(&lines[1..], None), Ok(thu));
        assert_eq!(backtest_day(&lines, Some(tue)), Ok(tue));
        let gap = backtest_day(&lines, Some(Date(20_002))).unwrap_err();
        assert!(gap.contains("has no contacts"), "{gap}");
        let outside = backtest_day(&lines, Some(Date(20_004))).unwrap_err();
        assert!(outside.contains("outside the period"), "{outside}");
        assert!(backtest_day(&[], None).is_err());
    }
}
