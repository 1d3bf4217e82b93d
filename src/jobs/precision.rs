//! `ccsim run --precision`: replications added in fixed batches until the
//! 95% confidence interval of one whole-run metric (scope `all`, as
//! `summary.csv` reports it) is at most a half-width, or a cap is reached.
//!
//! Replication `r` depends on the seed and `r` alone, so the batches are the
//! replications of one plain run: stopping after `R` gives exactly the
//! replications, and files, of `ccsim run --replications R`. The batches
//! (the first, [`first_batch`], then [`BATCH`] more each time) do not depend
//! on the number of threads, so neither does where the run stops.

use super::run::{RunOptions, check_finished, layout, run_range_reporting, scope_names};
use crate::error::{Error, Kind};
use crate::scenario::Scenario;
use crate::scenario::limits::check_replications;
use crate::stats::{
    Label, Metric, PrecisionCheck, PrecisionOutcome, Replication, Scope, metric_labels, precision_check,
};
use std::ops::Range;

/// The fewest replications before the first check: below it the sample
/// standard deviation is too rough to trust a stop.
pub const MIN_FIRST_BATCH: u32 = 5;
/// Replications added after each check that is above the target.
pub const BATCH: u32 = 10;
/// The most replications by default (`--max-replications`).
pub const DEFAULT_MAX_REPLICATIONS: u32 = 1000;
/// The metric by default (`--metric`).
pub const DEFAULT_METRIC: Metric = Metric::ServiceLevel(crate::stats::SegmentKind::New);

/// Replications before the first check: the scenario's `replications`, at least [`MIN_FIRST_BATCH`].
pub fn first_batch(sc: &Scenario) -> u32 {
    sc.simulation.replications.max(MIN_FIRST_BATCH)
}

/// A flag of `--precision` that cannot be, or a metric the run does not define.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrecisionError {
    #[error("--precision: expected a half-width above 0, in the metric's unit (e.g. 0.005 for service_level), got {0}")]
    Target(f64),
    #[error("--metric: {name:?} is not a metric of scope all in this scenario's summary.csv; expected one of: {valid}")]
    UnknownMetric { name: String, valid: String },
    #[error("--max-replications: {0}")]
    Max(String),
    #[error(
        "--metric {metric}: undefined in every replication of the first batch ({replications}): nothing it measures \
         happened (a share or time with nothing to divide by, e.g. no chat of its kind); choose a metric the run defines"
    )]
    Undefined { metric: Metric, replications: u32 },
}

impl From<PrecisionError> for Error {
    fn from(e: PrecisionError) -> Self {
        Error::new(Kind::Input, e)
    }
}

/// What `--precision` asks, checked against the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Precision {
    pub metric: Metric,
    /// The largest half-width accepted, in the metric's unit.
    pub target: f64,
    /// Replications before the first check ([`first_batch`]).
    pub first: u32,
    pub max_replications: u32,
}

impl Precision {
    /// Checks the flags: `target` finite and above 0; `metric` (default
    /// [`DEFAULT_METRIC`]) a name of `summary.csv` that the scenario writes
    /// for scope `all`; `max` (default [`DEFAULT_MAX_REPLICATIONS`]) a valid
    /// count of replications, at least the first batch.
    pub fn new(
        sc: &Scenario,
        target: f64,
        metric: Option<&str>,
        max: Option<u32>,
    ) -> Result<Precision, PrecisionError> {
        if !(target.is_finite() && target > 0.0) {
            return Err(PrecisionError::Target(target));
        }
        let labels = whole_labels(sc, false);
        let metric = match metric {
            None => DEFAULT_METRIC,
            Some(name) => {
                let known = name.parse::<Metric>().ok().filter(|m| labels.iter().any(|l| l.metric == *m));
                known.ok_or_else(|| PrecisionError::UnknownMetric {
                    name: name.to_string(),
                    valid: labels.iter().map(|l| l.metric.to_string()).collect::<Vec<_>>().join(", "),
                })?
            }
        };
        let first = first_batch(sc);
        let max_replications = match max {
            None => DEFAULT_MAX_REPLICATIONS.max(first),
            Some(n) => {
                let n = check_replications(n.into()).map_err(PrecisionError::Max)?;
                if n < first {
                    return Err(PrecisionError::Max(format!(
                        "expected at least the first batch, {first} replications (the scenario's \
                         simulation.replications, at least {MIN_FIRST_BATCH}), got {n}"
                    )));
                }
                n
            }
        };
        Ok(Precision { metric, target, first, max_replications })
    }

    /// The replications run at the check after `done` of them: the first
    /// batch, then [`BATCH`] more each time, never more than the cap.
    pub fn next_check(&self, done: u32) -> u32 {
        if done == 0 { self.first } else { done.saturating_add(BATCH).min(self.max_replications) }
    }
}

/// The whole-run labels of scope `all`, with their index among all labels.
fn whole_labels(sc: &Scenario, per_day: bool) -> Vec<Label> {
    metric_labels(&layout(sc, per_day), &scope_names(sc)).into_iter().filter(|l| l.scope == Scope::All).collect()
}

/// What a run to a precision did.
pub struct Sequential {
    /// The replications run, indices 0 to `reps.len()` − 1 (numbered from 1 in files).
    pub reps: Vec<Replication>,
    /// Each check, in order; the last one's outcome is `Reached` or `Cap`.
    pub checks: Vec<PrecisionCheck>,
}

impl Sequential {
    /// The last check.
    pub fn last(&self) -> &PrecisionCheck {
        self.checks.last().expect("a sequential run checks at least once")
    }

    /// Whether the target was reached (else the cap stopped it).
    pub fn reached(&self) -> bool {
        self.last().outcome == PrecisionOutcome::Reached
    }
}

/// What a run to a precision reports as it goes.
pub struct Hooks<'a> {
    /// Before each batch: the replications it runs.
    pub batch: &'a dyn Fn(Range<u32>),
    /// After each batch: its check.
    pub checked: &'a dyn Fn(&PrecisionCheck),
    /// Each finished replication (from any thread).
    pub done: &'a (dyn Fn(&Replication) + Sync),
    /// Each simulated day (from any thread).
    pub day_done: &'a (dyn Fn() + Sync),
}

/// Runs batches of replications until the metric's half-width is at most
/// the target or the cap is reached. Refuses, as bad input, a metric
/// undefined in every replication of the first batch, and, as a plain run
/// does, replications that did not finish within the time limit.
pub fn run_to_precision(sc: &Scenario, opts: &RunOptions, p: &Precision, hooks: &Hooks) -> Result<Sequential, Error> {
    let labels = metric_labels(&layout(sc, opts.per_day), &scope_names(sc));
    let index = labels.iter().position(|l| l.scope == Scope::All && l.metric == p.metric).ok_or_else(|| {
        let valid = whole_labels(sc, opts.per_day).iter().map(|l| l.metric.to_string()).collect::<Vec<_>>();
        PrecisionError::UnknownMetric { name: p.metric.to_string(), valid: valid.join(", ") }
    })?;
    let mut reps: Vec<Replication> = Vec::new();
    let mut checks = Vec::new();
    loop {
        let done = reps.len() as u32;
        let upto = p.next_check(done);
        (hooks.batch)(done..upto);
        let batch = run_range_reporting(sc, opts, done..upto, hooks.done, hooks.day_done);
        check_finished(sc, &batch)?;
        reps.extend(batch);
        let check = precision_check(&labels[index], index, &reps, p.target, upto >= p.max_replications);
        if check.defined == 0 && checks.is_empty() {
            return Err(PrecisionError::Undefined { metric: p.metric, replications: upto }.into());
        }
        (hooks.checked)(&check);
        checks.push(check);
        if check.outcome != PrecisionOutcome::More {
            return Ok(Sequential { reps, checks });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn precision(first: u32, max: u32) -> Precision {
        Precision { metric: DEFAULT_METRIC, target: 0.01, first, max_replications: max }
    }

    #[test]
    fn checks_come_after_the_first_batch_then_every_batch_up_to_the_cap() {
        let p = precision(20, 55);
        let mut at = vec![];
        let mut done = 0;
        while done < p.max_replications {
            done = p.next_check(done);
            at.push(done);
        }
        assert_eq!(at, [20, 30, 40, 50, 55]);
        assert_eq!(precision(5, 5).next_check(0), 5);
    }
}
