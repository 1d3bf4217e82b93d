//! Across replications: mean, standard deviation and a 95% Student-t
//! confidence interval of each metric, over the replications where it is defined.

use super::metrics::Label;
use super::summary::summarize;

/// One aggregated metric row (a line of `summary.csv` or `intervals.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub scope: &'static str,
    pub key: String,
    pub metric: String,
    /// `None` when no replication defines the metric.
    pub mean: Option<f64>,
    /// `None` with fewer than 2 replications.
    pub ci95: Option<(f64, f64)>,
    pub stdev: Option<f64>,
    /// Replications whose denominator was > 0.
    pub replications: usize,
}

/// Aggregates the replications' values of each labelled metric; each
/// replication's values are in label order (as [`super::metric_values`] gives them).
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
                metric: row.metric.clone(),
                mean: s.as_ref().map(|s| s.mean),
                ci95: s.as_ref().filter(|_| two).map(|s| (s.ci_low, s.ci_high)),
                stdev: s.as_ref().filter(|_| two).map(|s| s.stdev),
                replications: values.len(),
            }
        })
        .collect()
}
