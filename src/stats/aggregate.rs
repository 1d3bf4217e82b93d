//! Across replications: mean, standard deviation and a 95% Student-t
//! confidence interval of each metric, over the replications where it is
//! defined, the interval clipped to the values the metric can take.

use super::metrics::Label;
use super::names::{Metric, MetricKind, Scope};
use super::summary::summarize;

/// One aggregated metric row (a line of `summary.csv` or `intervals.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub scope: Scope,
    pub key: String,
    pub metric: Metric,
    /// `None` when no replication defines the metric.
    pub mean: Option<f64>,
    /// `None` with fewer than 2 replications; clipped to the metric's
    /// [`MetricKind::range`] (a share's to [0, 1], anything else's to ≥ 0).
    pub ci95: Option<(f64, f64)>,
    pub stdev: Option<f64>,
    /// Replications whose denominator was > 0.
    pub replications: usize,
}

/// Aggregates the replications' values of each labelled metric; each
/// replication's values are in label order (as [`super::metric_values`] gives them).
/// Each interval is clipped to the range of its metric's kind ([`MetricKind::clip`]).
pub fn aggregate(labels: &[Label], reps: &[&[Option<f64>]]) -> Vec<Aggregate> {
    let mut values = Vec::with_capacity(reps.len());
    labels
        .iter()
        .enumerate()
        .map(|(i, row)| {
            values.clear();
            values.extend(reps.iter().filter_map(|r| r[i]));
            let s = summarize(&values, 0.95);
            let two = values.len() >= 2;
            Aggregate {
                scope: row.scope,
                key: row.key.clone(),
                metric: row.metric,
                mean: s.as_ref().map(|s| s.mean),
                ci95: s.as_ref().filter(|_| two).map(|s| row.metric.kind().clip((s.ci_low, s.ci_high), s.mean)),
                stdev: s.as_ref().filter(|_| two).map(|s| s.stdev),
                replications: values.len(),
            }
        })
        .collect()
}

/// Values in `summary.csv`, `intervals.csv` and `sweep.csv` are written to 6
/// decimals: a mean and its interval read back agree to this much.
const ROUNDING: f64 = 1e-6;

/// A number for a message: as written, but huge or tiny ones in scientific notation.
fn show(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e15).contains(&x.abs()) { format!("{x:e}") } else { format!("{x}") }
}

/// The columns of an aggregated row after its labels, as [`AggregateValues::read`] takes them.
pub const AGGREGATE_VALUE_COLUMNS: [&str; 5] = ["mean", "ci95_low", "ci95_high", "stdev", "replications"];
const MEAN: usize = 0;
const CI95_LOW: usize = 1;
const STDEV: usize = 3;
const REPLICATIONS: usize = 4;

/// What is wrong with an aggregated row read back: the column at fault (an
/// index into [`AGGREGATE_VALUE_COLUMNS`]; for a row that contradicts
/// itself, the first column involved) and a message that starts with that
/// column's name, gives the value and says what is expected.
#[derive(Debug, Clone, PartialEq)]
pub struct BadAggregate {
    pub column: usize,
    pub message: String,
}

fn bad(column: usize, message: String) -> Result<(), BadAggregate> {
    Err(BadAggregate { column, message })
}

/// The numbers of an aggregated row read back from a file (a row of
/// `summary.csv` or `sweep.csv`), checked to be what [`aggregate`] can give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AggregateValues {
    pub mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
    pub stdev: Option<f64>,
    pub replications: u64,
}

impl AggregateValues {
    /// Parses the cells of [`AGGREGATE_VALUE_COLUMNS`] and checks them with
    /// [`AggregateValues::check`] for a metric of `kind`; an interval reaching
    /// past the metric's range (as files of ccsim before issue 18 hold) is
    /// accepted and clipped, as [`aggregate`] clips it.
    pub fn read(cells: [&str; 5], kind: MetricKind) -> Result<AggregateValues, BadAggregate> {
        let num = |i: usize| -> Result<Option<f64>, BadAggregate> {
            match cells[i] {
                "" => Ok(None),
                s => s.parse::<f64>().ok().filter(|x| x.is_finite()).map(Some).ok_or_else(|| BadAggregate {
                    column: i,
                    message: format!("{} {s:?}: expected a number", AGGREGATE_VALUE_COLUMNS[i]),
                }),
            }
        };
        let ci95 = match (num(1)?, num(2)?) {
            (Some(l), Some(h)) => Some((l, h)),
            (None, None) => None,
            _ => {
                let message = "ci95_low and ci95_high must be both empty or both numbers".into();
                return Err(BadAggregate { column: CI95_LOW, message });
            }
        };
        let replications = cells[REPLICATIONS].parse::<u64>().map_err(|_| BadAggregate {
            column: REPLICATIONS,
            message: format!("replications {:?}: expected a count", cells[REPLICATIONS]),
        })?;
        let mut values = AggregateValues { mean: num(0)?, ci95, stdev: num(3)?, replications };
        values.check(kind)?;
        // ccsim before issue 18 wrote the interval unclipped: read it as
        // ccsim writes it now (clipping is monotone, so whether two
        // intervals overlap does not change).
        if let (Some(m), Some(c)) = (values.mean, values.ci95) {
            values.ci95 = Some(kind.clip(c, m));
        }
        Ok(values)
    }

    /// Checks the row is self-consistent: the mean is empty exactly when no
    /// replication defines the metric, the interval and stdev exactly when
    /// fewer than 2 do; every number is finite, the mean is a value of its
    /// metric's `kind`, low ≤ mean ≤ high (to the rounding of 6 decimals)
    /// and stdev ≥ 0.
    pub fn check(&self, kind: MetricKind) -> Result<(), BadAggregate> {
        let AggregateValues { mean, ci95, stdev, replications } = *self;
        let finite = |column: usize, v: Option<f64>| match v {
            Some(x) if !x.is_finite() => {
                bad(column, format!("{} {}: expected a finite number", AGGREGATE_VALUE_COLUMNS[column], show(x)))
            }
            _ => Ok(()),
        };
        finite(MEAN, mean)?;
        finite(CI95_LOW, ci95.map(|c| c.0))?;
        finite(CI95_LOW + 1, ci95.map(|c| c.1))?;
        finite(STDEV, stdev)?;
        match (mean, replications) {
            (None, 0) | (Some(_), 1..) => {}
            (None, n) => return bad(MEAN, format!("mean is empty, but {n} replications define the metric")),
            (Some(m), 0) => return bad(MEAN, format!("mean {} with 0 replications: expected an empty mean", show(m))),
        }
        if ci95.is_some() != (replications >= 2) || stdev.is_some() != (replications >= 2) {
            return bad(
                CI95_LOW,
                format!(
                    "ci95_low, ci95_high and stdev must be {} with {replications} replications",
                    if replications >= 2 { "numbers" } else { "empty" }
                ),
            );
        }
        if let Some(m) = mean
            && !kind.admits_mean(m)
        {
            return bad(MEAN, format!("mean {}: expected {}", show(m), kind.expected(true)));
        }
        if let Some(s) = stdev
            && s < 0.0
        {
            return bad(STDEV, format!("stdev {}: expected a number ≥ 0", show(s)));
        }
        if let (Some(m), Some((low, high))) = (mean, ci95) {
            if low > high {
                let message = format!("ci95_low {} is above ci95_high {}: expected low ≤ high", show(low), show(high));
                return bad(CI95_LOW, message);
            }
            let slack = ROUNDING * (1.0 + m.abs() * 1e-9);
            if m < low - slack || m > high + slack {
                return bad(
                    MEAN,
                    format!("mean {} is outside its 95% interval [{}, {}]", show(m), show(low), show(high)),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        kind: MetricKind,
        mean: Option<f64>,
        ci95: Option<(f64, f64)>,
        stdev: Option<f64>,
        replications: u64,
    ) -> Result<(), String> {
        AggregateValues { mean, ci95, stdev, replications }.check(kind).map_err(|e| e.message)
    }

    #[test]
    fn aggregated_rows_must_be_self_consistent() {
        let share = MetricKind::Share;
        assert_eq!(check(share, Some(0.9), Some((0.85, 0.95)), Some(0.05), 10), Ok(()));
        assert_eq!(check(share, None, None, None, 0), Ok(()));
        assert_eq!(check(share, Some(0.9), None, None, 1), Ok(()));
        // rounding to 6 decimals may put the mean a hair outside its interval
        assert_eq!(check(share, Some(0.9), Some((0.9000005, 0.95)), Some(0.0), 10), Ok(()));
        // an interval of a share may reach past 1 (as ccsim wrote before issue 18); its mean may not
        assert_eq!(check(share, Some(0.99), Some((0.97, 1.01)), Some(0.01), 3), Ok(()));
        let e = |k, m, c, s, n| check(k, m, c, s, n).unwrap_err();
        assert!(e(share, Some(5.0), Some((4.0, 6.0)), Some(1.0), 10).contains("mean 5: expected a share"));
        assert!(e(share, Some(0.5), Some((0.6, 0.7)), Some(0.1), 10).contains("outside"));
        assert!(e(share, Some(0.5), Some((0.6, 0.4)), Some(0.1), 10).contains("above ci95_high"));
        assert!(e(share, Some(0.5), Some((0.4, 0.6)), Some(-0.1), 10).contains("stdev -0.1"));
        assert!(e(share, None, None, None, 3).contains("mean is empty"));
        assert!(e(share, Some(0.5), None, None, 0).contains("0 replications"));
        assert!(e(share, Some(0.5), None, None, 4).contains("must be numbers"));
        assert!(e(share, Some(0.5), Some((0.4, 0.6)), None, 4).contains("must be numbers"));
        assert!(e(share, Some(0.5), Some((0.4, 0.6)), Some(0.1), 1).contains("must be empty"));
        assert!(e(share, Some(f64::NAN), None, None, 1).contains("finite"));
        assert!(e(MetricKind::Count, Some(-7.0), None, None, 1).contains("mean count"));
    }

    #[test]
    fn aggregated_cells_parse_or_say_which_column_is_wrong() {
        let kind = MetricKind::Time;
        let read = |cells| AggregateValues::read(cells, kind).map_err(|e| (e.column, e.message));
        assert_eq!(
            read(["12.5", "10", "15", "2", "5"]),
            Ok(AggregateValues { mean: Some(12.5), ci95: Some((10.0, 15.0)), stdev: Some(2.0), replications: 5 })
        );
        assert_eq!(read(["", "", "", "", "0"]).unwrap().mean, None);
        let e = |cells| read(cells).unwrap_err();
        assert_eq!(e(["x1", "", "", "", "1"]), (0, "mean \"x1\": expected a number".into()));
        assert_eq!(e(["NaN", "", "", "", "1"]), (0, "mean \"NaN\": expected a number".into()));
        assert_eq!(e(["1", "1e400", "2", "0", "2"]).0, 1);
        assert!(e(["1", "1", "", "0", "2"]).1.contains("both empty or both numbers"));
        assert_eq!(e(["1", "", "", "", "-1"]), (4, "replications \"-1\": expected a count".into()));
        assert_eq!(e(["-3", "", "", "", "1"]).1, "mean -3: expected seconds: a number from 0 to 9.2e12");
        assert!(e(["1e308", "", "", "", "1"]).1.contains("mean 1e308: expected seconds"));
        assert_eq!(e(["1", "0", "2", "-1", "3"]), (3, "stdev -1: expected a number ≥ 0".into()));
        // an interval reaching past the range, as ccsim wrote before issue 18, is read clipped
        assert_eq!(read(["2", "-1.5", "5.5", "3", "4"]).unwrap().ci95, Some((0.0, 5.5)));
        let share = AggregateValues::read(["0.997516", "0.994357", "1.000675", "0.002", "20"], MetricKind::Share);
        assert_eq!(share.unwrap().ci95, Some((0.994357, 1.0)));
    }

    #[test]
    fn intervals_are_clipped_to_the_metric_range() {
        use crate::model::SegmentKind::New;
        let label = |metric| Label { scope: Scope::All, key: "all".into(), metric };
        let labels = [label(Metric::ServiceLevel(New)), label(Metric::Abandoned(New)), label(Metric::Occupancy)];
        let reps: [&[Option<f64>]; 3] = [
            &[Some(1.0), Some(0.0), Some(0.5)],
            &[Some(1.0), Some(0.0), Some(0.6)],
            &[Some(0.99), Some(3.0), Some(0.7)],
        ];
        let rows = aggregate(&labels, &reps);
        let (low, high) = rows[0].ci95.unwrap();
        assert!(low < 0.99 && high == 1.0, "{low} {high}");
        let (low, high) = rows[1].ci95.unwrap();
        assert!(low == 0.0 && high > 3.0, "{low} {high}");
        // far from the bounds: the plain Student-t interval, 0.6 ± 4.302653 × 0.1 / √3
        let (low, high) = rows[2].ci95.unwrap();
        assert!((high - low - 2.0 * 4.302652729911275 * 0.1 / 3f64.sqrt()).abs() < 1e-9);
    }
}
