//! Regression check between two run folders (`ccsim compare`).
//!
//! [`compare`] reads `summary.csv` and `run.toml` of a baseline and a current
//! run, checks that they are comparable (same scenario `name`, same set of
//! (scope, key) pairs, every compared metric in both) and judges the key
//! metrics with [`judge`]: a **regression** is a move in the bad direction
//! whose two 95% confidence intervals do not overlap and whose change
//! exceeds the tolerance — for a share (service level, abandonment,
//! occupancy), its absolute change in points against `--tolerance-points`;
//! for anything else, its relative change against `--tolerance`. A move
//! with separate intervals within the tolerance is `worse` or `better`, not
//! `ok`. Every row read must be self-consistent
//! ([`crate::stats::AggregateValues`]): a damaged or edited summary is refused, never judged.

use crate::report::schema::{self, ReadError};
use crate::report::{fmt_figure, fmt_interval};
pub use crate::stats::Direction;
use crate::stats::{Aggregate, Metric, MetricKind, Scope, SegmentKind::New, Work};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

/// Metrics compared by default, in table order.
pub const DEFAULT_METRICS: [Metric; 6] = [
    Metric::ServiceLevel(New),
    Metric::Asa(New),
    Metric::AbandonRate(New),
    Metric::Occupancy,
    Metric::InactiveDisconnectRate,
    Metric::Aht(Work::Chats),
];

/// A comparison that cannot be made (exit code 2, like a bad scenario).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    /// A folder or file that cannot be read.
    #[error("{}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    /// A file whose content is not what `ccsim run` writes.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Malformed { path: PathBuf, line: Option<u64>, message: String },
    /// A `summary.csv` whose content is not what `ccsim run` writes.
    #[error(transparent)]
    Summary(#[from] ReadError),
    /// The two runs are not of the same scenario.
    #[error("runs are not comparable: {0}")]
    NotComparable(String),
    /// A compared metric has no row in one run's summary (or in either).
    #[error(
        "{}: no row for the compared metric{} {}: every compared metric must be in both runs' summary.csv",
        path.display(),
        if metrics.len() > 1 { "s" } else { "" },
        describe_missing(metrics, rows)
    )]
    Missing {
        /// The `summary.csv` that lacks them.
        path: PathBuf,
        /// The metrics, in table order.
        metrics: Vec<Metric>,
        /// The rows missing, as `scope,key,metric`.
        rows: Vec<String>,
    },
    /// A bad option (`--metrics`, `--tolerance`, `--tolerance-points`).
    #[error("{0}")]
    Usage(String),
    /// A folder ccsim did not write, or a file changed since it did.
    #[error("{0}")]
    Untrusted(String),
}

/// A comparison that cannot be made is bad input (exit code 2).
impl From<CompareError> for crate::error::Error {
    fn from(e: CompareError) -> Self {
        crate::error::Error::new(crate::error::Kind::Input, e)
    }
}

/// The judgement of one metric. A move is *significant* when the two 95%
/// intervals do not overlap; it is *beyond the tolerance* when its change
/// exceeds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No significant move.
    Ok,
    /// Significant move in the bad direction, beyond the tolerance: the one
    /// verdict that fails the check.
    Regression,
    /// Significant move in the bad direction, within the tolerance.
    Worse,
    /// Significant move in the good direction, within the tolerance.
    Better,
    /// Significant move in the good direction, beyond the tolerance.
    Improved,
    /// Significant move of a metric without a good direction, beyond the tolerance.
    Changed,
    /// Significant move of a metric without a good direction, within the tolerance.
    Moved,
    /// No significant move of a metric without a good direction.
    Same,
    /// A side has fewer than 2 replications: no confidence interval to judge by.
    NoCi,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Ok => "ok",
            Verdict::Regression => "REGRESSION",
            Verdict::Worse => "worse",
            Verdict::Better => "better",
            Verdict::Improved => "improved",
            Verdict::Changed => "changed",
            Verdict::Moved => "moved",
            Verdict::Same => "same",
            Verdict::NoCi => "no CI",
        })
    }
}

/// How far a metric moved from the baseline, in the terms it is judged by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// `(current − baseline) ÷ |baseline|` (times, counts, hours, queue
    /// lengths); infinite when the baseline is 0 and the current value is not.
    Relative(f64),
    /// `current − baseline` of a share, in points (0.9927 → 0.9458 is −4.69).
    Points(f64),
}

impl Change {
    /// The change of a metric of `kind` from `baseline` to `current`:
    /// points for a share, relative otherwise.
    pub fn of(kind: MetricKind, baseline: f64, current: f64) -> Change {
        match kind {
            MetricKind::Share => Change::Points((current - baseline) * 100.0),
            _ => Change::Relative(relative_change(baseline, current)),
        }
    }

    /// Whether the change is beyond its tolerance: |points| above
    /// `points`, or |relative change| above `relative`.
    pub fn beyond(self, tolerance: &Tolerance) -> bool {
        match self {
            // means are written to 6 decimals: 0.95 → 0.94 is 1 point, not 1.0000000000000009
            Change::Points(p) => p.abs() > tolerance.points + 1e-9,
            Change::Relative(r) => r.abs() > tolerance.relative,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Change::Relative(c) if c.is_infinite() => write!(f, "{}inf%", if c > 0.0 { "+" } else { "-" }),
            Change::Relative(c) => write!(f, "{:+.1}%", c * 100.0),
            Change::Points(p) => write!(f, "{p:+.2} pts"),
        }
    }
}

/// The smallest changes that can be a regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// |Relative change| of a time, count, hours or queue length (0.05 = 5%).
    pub relative: f64,
    /// |Change| of a share, in points (1 = 0.01).
    pub points: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { relative: 0.05, points: 1.0 }
    }
}

/// One `summary.csv` value: mean and 95% interval across replications.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    /// Empty when no replication defines the metric.
    pub mean: Option<f64>,
    /// Empty with fewer than 2 replications.
    pub ci95: Option<(f64, f64)>,
    pub replications: u64,
}

impl Estimate {
    pub fn new(mean: f64, low: f64, high: f64, replications: u64) -> Self {
        Estimate { mean: Some(mean), ci95: Some((low, high)), replications }
    }
}

/// Relative change `(current − baseline) ÷ |baseline|`; infinite when the
/// baseline is 0 and the current value is not.
pub fn relative_change(baseline: f64, current: f64) -> f64 {
    if baseline == current {
        0.0
    } else if baseline == 0.0 {
        f64::INFINITY.copysign(current)
    } else {
        (current - baseline) / baseline.abs()
    }
}

/// Judges one metric: returns the change (when both means exist; in
/// points for a share, relative otherwise) and the verdict. A move is
/// significant when the two 95% intervals do not overlap, and beyond the
/// tolerance when its change is ([`Change::beyond`]); it is a regression
/// when it is both, in the bad `direction`, and `worse` when only
/// significant.
pub fn judge(
    metric: Metric,
    baseline: &Estimate,
    current: &Estimate,
    tolerance: &Tolerance,
) -> (Option<Change>, Verdict) {
    let (Some(b), Some(c)) = (baseline.mean, current.mean) else {
        return (None, Verdict::NoCi);
    };
    let change = Change::of(metric.kind(), b, c);
    let (Some((bl, bh)), Some((cl, ch))) = (baseline.ci95, current.ci95) else {
        return (Some(change), Verdict::NoCi);
    };
    if bl <= ch && cl <= bh {
        let same = if metric.direction() == Direction::Neutral { Verdict::Same } else { Verdict::Ok };
        return (Some(change), same);
    }
    let beyond = change.beyond(tolerance);
    let worse = match metric.direction() {
        Direction::HigherIsBetter => c < b,
        Direction::LowerIsBetter => c > b,
        Direction::Neutral => return (Some(change), if beyond { Verdict::Changed } else { Verdict::Moved }),
    };
    let verdict = match (worse, beyond) {
        (true, true) => Verdict::Regression,
        (true, false) => Verdict::Worse,
        (false, true) => Verdict::Improved,
        (false, false) => Verdict::Better,
    };
    (Some(change), verdict)
}

/// Options of [`compare`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompareOptions {
    /// Metrics to compare, by name as given (default [`DEFAULT_METRICS`]).
    pub metrics: Option<Vec<String>>,
    /// Smallest changes that can be a regression: relative (5%) and, for shares, in points (1).
    pub tolerance: Tolerance,
}

/// One compared metric in one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub scope: Scope,
    pub key: String,
    pub metric: Metric,
    pub baseline: Estimate,
    pub current: Estimate,
    /// The change, when both means exist: in points for a share, relative otherwise.
    pub change: Option<Change>,
    pub verdict: Verdict,
}

/// The result of [`compare`].
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The scenario name shared by both runs.
    pub name: String,
    pub tolerance: Tolerance,
    pub rows: Vec<Row>,
}

impl Comparison {
    /// The rows judged a regression.
    pub fn regressions(&self) -> Vec<&Row> {
        self.rows.iter().filter(|r| r.verdict == Verdict::Regression).collect()
    }

    /// The table (every row, or only the regressions with `only_regressions`)
    /// and the final line: `N regressions` or `no regression`.
    pub fn render(&self, only_regressions: bool) -> String {
        let header = ["scope", "key", "metric", "baseline mean [95% CI]", "current mean [95% CI]", "change", "verdict"];
        let rows: Vec<[String; 7]> = self
            .rows
            .iter()
            .filter(|r| !only_regressions || r.verdict == Verdict::Regression)
            .map(|r| {
                [
                    r.scope.to_string(),
                    r.key.clone(),
                    r.metric.to_string(),
                    fmt_estimate(r.metric.kind(), &r.baseline),
                    fmt_estimate(r.metric.kind(), &r.current),
                    r.change.map_or_else(|| "-".into(), |c| c.to_string()),
                    r.verdict.to_string(),
                ]
            })
            .collect();
        let mut out = String::new();
        if !rows.is_empty() {
            let mut widths = header.map(str::len);
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let mut line = |cells: &[&str]| {
                let mut s = String::new();
                for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                    let pad = w - cell.chars().count();
                    // numbers right-aligned, names left-aligned
                    if (3..=5).contains(&i) {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(cell);
                    } else {
                        s.push_str(cell);
                        s.push_str(&" ".repeat(pad));
                    }
                    s.push_str("  ");
                }
                let _ = writeln!(out, "{}", s.trim_end());
            };
            line(&header);
            for row in &rows {
                line(&row.each_ref().map(String::as_str));
            }
        }
        match self.regressions().len() {
            0 => out.push_str("no regression\n"),
            1 => out.push_str("1 regression\n"),
            n => {
                let _ = writeln!(out, "{n} regressions");
            }
        }
        out
    }
}

/// A mean and its interval, to the decimals of the metric's kind.
fn fmt_estimate(kind: MetricKind, e: &Estimate) -> String {
    match (e.mean, e.ci95) {
        (None, _) => "-".into(),
        (Some(m), None) => format!("{} [-]", fmt_figure(kind, m)),
        (Some(m), Some(ci)) => format!("{} {}", fmt_figure(kind, m), fmt_interval(kind, ci)),
    }
}

/// A row's identity: scope, key and metric.
type Id = (Scope, String, Metric);

/// `summary.csv` read back: (scope, key, metric) → estimate, in file order.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub rows: Vec<(Id, Estimate)>,
}

impl Summary {
    /// The set of (scope, key) pairs.
    pub fn scopes(&self) -> BTreeSet<(Scope, String)> {
        self.rows.iter().map(|((s, k, _), _)| (*s, k.clone())).collect()
    }
}

/// Reads a `summary.csv` through its schema: errors name the file and, for
/// bad rows, the line and column.
pub fn read_summary(path: &Path) -> Result<Summary, CompareError> {
    let rows = schema::read_summary(path)?;
    let estimate = |a: &Aggregate| Estimate { mean: a.mean, ci95: a.ci95, replications: a.replications as u64 };
    Ok(Summary { rows: rows.iter().map(|a| ((a.scope, a.key.clone(), a.metric), estimate(a))).collect() })
}

/// The scenario `name` from a run's `run.toml`.
pub fn read_run_name(path: &Path) -> Result<String, CompareError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CompareError::Read { path: path.to_path_buf(), message: e.to_string() })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| CompareError::Malformed {
        path: path.to_path_buf(),
        line: None,
        message: e.to_string().trim_end().to_string(),
    })?;
    match table.get("name") {
        Some(toml::Value::String(s)) => Ok(s.clone()),
        _ => Err(CompareError::Malformed { path: path.to_path_buf(), line: None, message: "no `name` string".into() }),
    }
}

/// Checks that `dir` is a folder ccsim wrote and that the files compare
/// reads are as ccsim wrote them (its marker's SHA-256 sums).
fn check_folder(dir: &Path) -> Result<(), CompareError> {
    if !dir.is_dir() {
        return Err(CompareError::Read { path: dir.to_path_buf(), message: "no such folder".into() });
    }
    crate::report::Marker::verify(dir, &["summary.csv", "run.toml"])
        .map_err(|e| CompareError::Untrusted(e.to_string()))?;
    Ok(())
}

/// The metrics missing and the first rows of them.
fn describe_missing(metrics: &[Metric], rows: &[String]) -> String {
    let first: Vec<&str> = rows.iter().take(3).map(String::as_str).collect();
    let more = if rows.len() > 3 { format!(" and {} more", rows.len() - 3) } else { String::new() };
    let metrics: Vec<String> = metrics.iter().map(Metric::to_string).collect();
    format!("{} (rows {}{more})", metrics.join(", "), first.join("; "))
}

fn describe_scopes(scopes: &BTreeSet<&(Scope, String)>) -> String {
    let list: Vec<String> = scopes.iter().take(5).map(|(s, k)| format!("{s} {k}")).collect();
    let more = if scopes.len() > 5 { format!(" and {} more", scopes.len() - 5) } else { String::new() };
    format!("{}{more}", list.join(", "))
}

/// Compares the run in `current` with the one in `baseline` (folders written by `ccsim run`).
pub fn compare(baseline: &Path, current: &Path, opts: &CompareOptions) -> Result<Comparison, CompareError> {
    let Tolerance { relative, points } = opts.tolerance;
    if !(relative.is_finite() && relative >= 0.0) {
        return Err(CompareError::Usage(format!(
            "--tolerance: expected a relative change ≥ 0 (0.05 = 5%), got {relative}"
        )));
    }
    if !(points.is_finite() && (0.0..=100.0).contains(&points)) {
        return Err(CompareError::Usage(format!(
            "--tolerance-points: expected points of a share from 0 to 100 (1 = 0.01), got {points}"
        )));
    }
    check_folder(baseline)?;
    check_folder(current)?;
    let base_name = read_run_name(&baseline.join("run.toml"))?;
    let cur_name = read_run_name(&current.join("run.toml"))?;
    let base = read_summary(&baseline.join("summary.csv"))?;
    let cur = read_summary(&current.join("summary.csv"))?;

    let mut differences = Vec::new();
    if base_name != cur_name {
        differences.push(format!("scenario name differs: baseline `{base_name}`, current `{cur_name}`"));
    }
    let (bs, cs) = (base.scopes(), cur.scopes());
    if bs != cs {
        let only_base: BTreeSet<_> = bs.difference(&cs).collect();
        let only_cur: BTreeSet<_> = cs.difference(&bs).collect();
        let mut s = String::from("scopes differ:");
        if !only_base.is_empty() {
            let _ = write!(s, " only in baseline: {};", describe_scopes(&only_base));
        }
        if !only_cur.is_empty() {
            let _ = write!(s, " only in current: {};", describe_scopes(&only_cur));
        }
        differences.push(s.trim_end_matches(';').to_string());
    }
    if !differences.is_empty() {
        return Err(CompareError::NotComparable(differences.join("; ")));
    }

    let metrics: Vec<Metric> = match &opts.metrics {
        None => DEFAULT_METRICS.to_vec(),
        Some(list) => {
            let known: Vec<Metric> = base.rows.iter().chain(&cur.rows).map(|((_, _, m), _)| *m).collect();
            let mut out: Vec<Metric> = Vec::new();
            for name in list.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
                let metric = name.parse::<Metric>().ok().filter(|m| known.contains(m)).ok_or_else(|| {
                    CompareError::Usage(format!(
                        "--metrics: unknown metric `{name}` (not in {})",
                        baseline.join("summary.csv").display()
                    ))
                })?;
                if !out.contains(&metric) {
                    out.push(metric);
                }
            }
            if out.is_empty() {
                return Err(CompareError::Usage("--metrics: expected at least one metric".into()));
            }
            out
        }
    };

    let base_map: BTreeMap<_, _> = base.rows.iter().map(|(id, e)| (id, e)).collect();
    let cur_map: BTreeMap<_, _> = cur.rows.iter().map(|(id, e)| (id, e)).collect();
    let mut ids: Vec<&Id> = base.rows.iter().map(|(id, _)| id).collect();
    ids.extend(cur.rows.iter().map(|(id, _)| id).filter(|id| !base_map.contains_key(id)));

    // Agent metrics are compared for scope `all` and each group (they have
    // no skill scope); every other metric for `all` and each skill.
    let wanted = |scope: Scope, metric: Metric| match scope {
        Scope::All => true,
        Scope::Skill => !metric.describes_agents(),
        Scope::Group => metric.describes_agents(),
        Scope::Reason => false,
    };
    // Every compared metric in both runs, in every scope it is compared in
    // (each scope has every metric of its kind; a group has the
    // concurrency levels of its own max_concurrent only).
    for (summary, dir) in [(&base_map, baseline), (&cur_map, current)] {
        let (mut missing, mut rows): (Vec<Metric>, Vec<String>) = (Vec::new(), Vec::new());
        for &metric in &metrics {
            for (scope, key) in bs.iter().filter(|(scope, _)| wanted(*scope, metric)) {
                let id = (*scope, key.clone(), metric);
                let optional = *scope == Scope::Group && matches!(metric, Metric::Concurrency(_));
                let elsewhere = base_map.contains_key(&id) || cur_map.contains_key(&id);
                if !summary.contains_key(&id) && (!optional || elsewhere) {
                    if !missing.contains(&metric) {
                        missing.push(metric);
                    }
                    rows.push(format!("{scope},{key},{metric}"));
                }
            }
        }
        if !missing.is_empty() {
            return Err(CompareError::Missing { path: dir.join("summary.csv"), metrics: missing, rows });
        }
    }

    let mut rows = Vec::new();
    for &metric in &metrics {
        for id in ids.iter().filter(|id| id.2 == metric && wanted(id.0, metric)) {
            // checked above: every compared row is in both summaries
            let (b, c) = (base_map[id], cur_map[id]);
            let (change, verdict) = judge(metric, b, c, &opts.tolerance);
            rows.push(Row { scope: id.0, key: id.1.clone(), metric, baseline: *b, current: *c, change, verdict });
        }
    }
    // scope `all` first, then skills, then groups (the order of `Scope`);
    // metric order within a scope and key
    let first_seen: BTreeMap<(Scope, String), usize> =
        ids.iter().enumerate().rev().map(|(i, id)| ((id.0, id.1.clone()), i)).collect();
    rows.sort_by_key(|r| {
        (
            r.scope,
            first_seen[&(r.scope, r.key.clone())],
            metrics.iter().position(|m| *m == r.metric).unwrap_or(usize::MAX),
        )
    });
    Ok(Comparison { name: base_name, tolerance: opts.tolerance, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(mean: f64, half: f64) -> Estimate {
        Estimate::new(mean, mean - half, mean + half, 10)
    }

    fn verdict(metric: Metric, baseline: Estimate, current: Estimate) -> Verdict {
        judge(metric, &baseline, &current, &Tolerance::default()).1
    }

    const SL: Metric = Metric::ServiceLevel(New);
    const ASA: Metric = Metric::Asa(New);

    #[test]
    fn shares_are_judged_by_points() {
        // issue 18: overall service level 0.9927 → 0.9458, intervals apart:
        // −4.7% relative was `ok` under a 5% tolerance; it is −4.69 points
        let (c, v) = judge(SL, &est(0.9927, 0.0012), &est(0.9458, 0.0050), &Tolerance::default());
        assert_eq!(v, Verdict::Regression);
        assert_eq!(c.unwrap().to_string(), "-4.69 pts");
        // and occupancy 0.9279 → 0.9551 (+2.9%, `same`) has changed
        let (c, v) = judge(Metric::Occupancy, &est(0.9279, 0.002), &est(0.9551, 0.002), &Tolerance::default());
        assert_eq!(v, Verdict::Changed);
        assert_eq!(c.unwrap().to_string(), "+2.72 pts");
        // abandonment up 2 points from 1%: a regression (+200% relative)
        assert_eq!(verdict(Metric::AbandonRate(New), est(0.01, 0.002), est(0.03, 0.003)), Verdict::Regression);
        // the tolerance in points
        let wide = Tolerance { points: 5.0, ..Tolerance::default() };
        assert_eq!(judge(SL, &est(0.9927, 0.0012), &est(0.9458, 0.0050), &wide).1, Verdict::Worse);
    }

    #[test]
    fn a_significant_move_within_the_tolerance_is_worse_or_better_not_ok() {
        // 0.5 points down, intervals apart
        assert_eq!(verdict(SL, est(0.95, 0.001), est(0.945, 0.001)), Verdict::Worse);
        assert_eq!(verdict(SL, est(0.945, 0.001), est(0.95, 0.001)), Verdict::Better);
        // 4% slower answer, intervals apart
        assert_eq!(verdict(ASA, est(100.0, 0.5), est(104.0, 0.5)), Verdict::Worse);
        assert_eq!(verdict(ASA, est(104.0, 0.5), est(100.0, 0.5)), Verdict::Better);
        // without a direction
        assert_eq!(verdict(Metric::Occupancy, est(0.90, 0.001), est(0.905, 0.001)), Verdict::Moved);
        // beyond the tolerance: exactly at it is not above it
        assert_eq!(verdict(SL, est(0.95, 0.001), est(0.94, 0.001)), Verdict::Worse);
        assert_eq!(verdict(SL, est(0.95, 0.001), est(0.9399, 0.001)), Verdict::Regression);
    }

    #[test]
    fn service_level_drop_with_separate_intervals_is_a_regression() {
        let (c, v) = judge(SL, &est(0.90, 0.01), &est(0.80, 0.01), &Tolerance::default());
        assert_eq!(v, Verdict::Regression);
        assert!(matches!(c, Some(Change::Points(p)) if (p + 10.0).abs() < 1e-9), "{c:?}");
        // the same move upwards is an improvement
        assert_eq!(verdict(SL, est(0.80, 0.01), est(0.90, 0.01)), Verdict::Improved);
    }

    #[test]
    fn waits_and_rates_rising_are_regressions() {
        for m in [Metric::Asa(New), Metric::Aht(Work::Chats)] {
            assert_eq!(m.direction(), Direction::LowerIsBetter, "{m}");
            assert_eq!(verdict(m, est(10.0, 0.5), est(12.0, 0.5)), Verdict::Regression, "{m}");
            assert_eq!(verdict(m, est(12.0, 0.5), est(10.0, 0.5)), Verdict::Improved, "{m}");
        }
        for m in [Metric::AbandonRate(New), Metric::InactiveDisconnectRate] {
            assert_eq!(m.direction(), Direction::LowerIsBetter, "{m}");
            assert_eq!(verdict(m, est(0.10, 0.005), est(0.12, 0.005)), Verdict::Regression, "{m}");
            assert_eq!(verdict(m, est(0.12, 0.005), est(0.10, 0.005)), Verdict::Improved, "{m}");
        }
    }

    #[test]
    fn overlapping_intervals_are_not_a_regression() {
        // 20% worse but the intervals overlap (touching counts as overlap)
        assert_eq!(verdict(ASA, est(10.0, 1.0), est(12.0, 1.0)), Verdict::Ok);
        assert_eq!(verdict(ASA, est(10.0, 1.0), est(12.0, 1.5)), Verdict::Ok);
        assert_eq!(verdict(ASA, est(10.0, 1.0), est(12.1, 1.0)), Verdict::Regression);
        assert_eq!(verdict(SL, est(0.90, 0.05), est(0.82, 0.04)), Verdict::Ok);
    }

    #[test]
    fn relative_changes_within_the_tolerance_are_not_a_regression() {
        let tight = Tolerance { relative: 0.03, ..Tolerance::default() };
        assert_eq!(judge(ASA, &est(100.0, 0.5), &est(104.0, 0.5), &tight).1, Verdict::Regression);
        // exactly at the tolerance is not above it
        assert_eq!(verdict(ASA, est(100.0, 0.5), est(105.0, 0.5)), Verdict::Worse);
        // a share's relative tolerance does not apply: 2 points is 2.1% relative
        assert_eq!(verdict(SL, est(0.95, 0.002), est(0.93, 0.002)), Verdict::Regression);
    }

    #[test]
    fn occupancy_is_changed_or_same_never_a_regression() {
        assert_eq!(Metric::Occupancy.direction(), Direction::Neutral);
        assert_eq!(verdict(Metric::Occupancy, est(0.9, 0.01), est(0.7, 0.01)), Verdict::Changed);
        assert_eq!(verdict(Metric::Occupancy, est(0.7, 0.01), est(0.9, 0.01)), Verdict::Changed);
        assert_eq!(verdict(Metric::Occupancy, est(0.9, 0.01), est(0.91, 0.01)), Verdict::Same);
    }

    #[test]
    fn without_intervals_there_is_no_verdict() {
        let single = Estimate { mean: Some(0.5), ci95: None, replications: 1 };
        let (c, v) = judge(SL, &est(0.9, 0.01), &single, &Tolerance::default());
        assert_eq!(v, Verdict::NoCi);
        assert!(c.is_some());
        assert_eq!(verdict(SL, single, est(0.1, 0.01)), Verdict::NoCi);
        assert_eq!(judge(SL, &Estimate::default(), &est(0.1, 0.01), &Tolerance::default()), (None, Verdict::NoCi));
    }

    #[test]
    fn relative_change_from_zero() {
        assert_eq!(relative_change(0.0, 0.0), 0.0);
        assert_eq!(relative_change(0.0, 0.1), f64::INFINITY);
        assert_eq!(relative_change(-2.0, -1.0), 0.5);
        // from a zero baseline any significant rise is a regression
        let zero = Estimate::new(0.0, 0.0, 0.0, 10);
        assert_eq!(verdict(ASA, zero, est(0.02, 0.01)), Verdict::Regression);
    }

    #[test]
    fn formatting() {
        let e = Estimate::new(0.972782, 0.969683, 0.97588, 20);
        assert_eq!(fmt_estimate(MetricKind::Share, &e), "0.9728 [0.9697, 0.9759]");
        let e = Estimate::new(508.155123, 505.47, 510.84, 20);
        assert_eq!(fmt_estimate(MetricKind::Time, &e), "508.16 [505.47, 510.84]");
        let single = Estimate { mean: Some(12345.6), ci95: None, replications: 1 };
        assert_eq!(fmt_estimate(MetricKind::Count, &single), "12345.6 [-]");
        assert_eq!(fmt_estimate(MetricKind::Count, &Estimate::default()), "-");
        assert_eq!(Change::Relative(-0.1234).to_string(), "-12.3%");
        assert_eq!(Change::Relative(f64::INFINITY).to_string(), "+inf%");
        assert_eq!(Change::Points(0.5).to_string(), "+0.50 pts");
    }
}
