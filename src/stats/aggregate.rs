//! Across replications: mean, standard deviation and a 95% Student-t
//! confidence interval of each metric, over the replications where it is defined.

use super::metrics::MetricValue;
use super::student_t::summarize;

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

/// Aggregates replications whose rows are index-aligned (same scope, key
/// and metric at each position, as [`super::metric_values`] guarantees).
pub fn aggregate(reps: &[Vec<MetricValue>]) -> Vec<Aggregate> {
    let Some(first) = reps.first() else { return Vec::new() };
    let mut values = Vec::with_capacity(reps.len());
    first
        .iter()
        .enumerate()
        .map(|(i, row)| {
            values.clear();
            values.extend(reps.iter().filter_map(|r| r[i].value));
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
