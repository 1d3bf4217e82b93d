//! Sequential precision (`ccsim run --precision`): the 95% confidence
//! interval of one whole-run metric after each batch of replications, as
//! `summary.csv` would report it with that many, and what it decides.

use super::aggregate::aggregate;
use super::metrics::Label;
use super::names::Metric;
use super::results::Replication;
use super::summary::half_width;

/// What a check decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrecisionOutcome {
    /// The half-width is above the target (or there is no interval yet): another batch follows.
    More,
    /// The half-width is at most the target: the run stops here.
    Reached,
    /// Still above the target, at the most replications allowed: the run stops here.
    Cap,
}

impl PrecisionOutcome {
    /// The name in the `outcome` column of `precision.csv`.
    pub fn name(self) -> &'static str {
        match self {
            PrecisionOutcome::More => "more",
            PrecisionOutcome::Reached => "reached",
            PrecisionOutcome::Cap => "cap",
        }
    }
}

/// One check: the metric's interval over the first `replications` replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionCheck {
    pub metric: Metric,
    /// Replications run so far (indices 0 to `replications` − 1; numbered from 1 in files).
    pub replications: u32,
    /// Replications among them that define the metric (the CI is over these).
    pub defined: usize,
    pub mean: Option<f64>,
    /// `None` while fewer than 2 replications define the metric; clipped
    /// to the metric's range, as `summary.csv`'s.
    pub ci95: Option<(f64, f64)>,
    /// The interval's half-width before clipping, `t · stdev / √n`: what
    /// the check decides by (a bound does not make an estimate more precise).
    pub half_width: Option<f64>,
    /// The half-width asked for, in the metric's unit.
    pub target: f64,
    pub outcome: PrecisionOutcome,
}

/// Checks the metric labelled `label` (`index` in the label order of the
/// replications' whole-run values) over `reps`: the interval is exactly the
/// one `summary.csv` would report for these replications. The outcome is
/// `Reached` when its half-width (before clipping) is at most `target`, else
/// `Cap` when `cap` says no more replications may run, else `More`.
pub fn precision_check(label: &Label, index: usize, reps: &[Replication], target: f64, cap: bool) -> PrecisionCheck {
    let values: Vec<&[Option<f64>]> = reps.iter().map(|r| &r.whole[index..=index]).collect();
    let row = aggregate(std::slice::from_ref(label), &values).remove(0);
    let half = row.stdev.filter(|_| row.ci95.is_some()).map(|sd| half_width(sd, row.replications, 0.95));
    let outcome = match half {
        Some(h) if h <= target => PrecisionOutcome::Reached,
        _ if cap => PrecisionOutcome::Cap,
        _ => PrecisionOutcome::More,
    };
    PrecisionCheck {
        metric: label.metric,
        replications: reps.len() as u32,
        defined: row.replications,
        mean: row.mean,
        ci95: row.ci95,
        half_width: half,
        target,
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunCounts;
    use crate::stats::{Scope, SegmentKind};

    fn reps(values: &[Option<f64>]) -> Vec<Replication> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Replication {
                index: i as u32,
                whole: vec![Some(1.0), *v],
                slots: Vec::new(),
                counts: RunCounts::default(),
                trace: None,
                wait_hists: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn a_check_is_the_summary_interval_and_decides_by_its_half_width() {
        let label = Label { scope: Scope::All, key: "all".into(), metric: Metric::ServiceLevel(SegmentKind::New) };
        let r = reps(&[Some(0.8), Some(0.9), None, Some(0.85)]);
        let c = precision_check(&label, 1, &r, 0.01, false);
        assert_eq!((c.replications, c.defined), (4, 3));
        // mean 0.85, sd 0.05, t(0.975, 2) = 4.302653: half-width 0.124207
        let half = c.half_width.unwrap();
        assert!((half - 4.302652729911275 * 0.05 / 3f64.sqrt()).abs() < 1e-9, "{half}");
        assert_eq!(c.outcome, PrecisionOutcome::More);
        assert_eq!(precision_check(&label, 1, &r, 0.2, false).outcome, PrecisionOutcome::Reached);
        assert_eq!(precision_check(&label, 1, &r, 0.2, true).outcome, PrecisionOutcome::Reached);
        assert_eq!(precision_check(&label, 1, &r, 0.01, true).outcome, PrecisionOutcome::Cap);
        // no interval with one defined value: never reached
        let one = precision_check(&label, 1, &reps(&[Some(0.8), None]), 1.0, false);
        assert_eq!((one.half_width, one.outcome), (None, PrecisionOutcome::More));
    }

    #[test]
    fn a_clipped_interval_keeps_its_half_width() {
        let label = Label { scope: Scope::All, key: "all".into(), metric: Metric::ServiceLevel(SegmentKind::New) };
        let c = precision_check(&label, 1, &reps(&[Some(1.0), Some(1.0), Some(0.97)]), 0.01, false);
        let (low, high) = c.ci95.unwrap();
        assert_eq!(high, 1.0);
        // mean 0.99, sd 0.017321: ± 0.043027, of which the clipped interval shows less
        let half = c.half_width.unwrap();
        assert!((half - 4.302652729911275 * 0.03 / 3f64).abs() < 1e-9, "{half}");
        assert!(half > (high - low) / 2.0);
        assert_eq!(c.outcome, PrecisionOutcome::More);
    }
}
