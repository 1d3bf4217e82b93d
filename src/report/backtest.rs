//! What `ccsim backtest` writes: `backtest.csv`, interval by interval, and
//! `backtest_summary.csv`, per metric and scope over the period.

use super::csv_out::{csv_writer, fmt_num};
use crate::engine::Date;
use crate::scenario::duration::fmt_clock;
use crate::stats::{Metric, Scope};
use std::io;
use std::path::Path;

/// The columns of `backtest.csv`.
pub const BACKTEST_COLUMNS: [&str; 11] =
    ["date", "interval", "scope", "key", "metric", "actual", "sim_mean", "sim_p05", "sim_p95", "inside", "erlang_a"];

/// The columns of `backtest_summary.csv`.
pub const BACKTEST_SUMMARY_COLUMNS: [&str; 8] =
    ["metric", "scope", "key", "intervals", "coverage", "mae", "bias", "mae_erlang_a"];

/// One interval's comparison, as the job computed it.
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
