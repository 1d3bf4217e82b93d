//! The Kaplan–Meier estimate of the survival function from right-censored
//! data, with Greenwood's standard errors.
//!
//! At each distinct time `tⱼ` with `dⱼ` events among the `nⱼ` still at risk
//! (values `>= tⱼ`; a value censored at `tⱼ` is at risk at `tⱼ`: events come
//! first at ties), `Ŝ(t) = Π_{tⱼ <= t} (1 − dⱼ/nⱼ)` and
//! `Var Ŝ(t) = Ŝ(t)² Σ_{tⱼ <= t} dⱼ / (nⱼ (nⱼ − dⱼ))` (the
//! product-limit estimate and Greenwood's formula: Lawless, *Statistical
//! Models and Methods for Lifetime Data*, 2nd ed., 2003, ch. 3).

use super::FitError;
use super::sample::{Sample, Step};

/// One distinct time of the sample and the curve just after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmStep {
    /// The time, seconds.
    pub time: f64,
    /// Values at or above `time` (at risk just before it).
    pub at_risk: usize,
    /// Observed values equal to `time`.
    pub events: usize,
    /// Right-censored values equal to `time`.
    pub censored: usize,
    /// `Ŝ(time)`, the estimated probability of lasting longer than `time`.
    pub survival: f64,
    /// Greenwood's standard error of `survival`; 0 once `survival` is 0
    /// (where the formula divides by zero: nothing is left at risk).
    pub se: f64,
}

/// The Kaplan–Meier curve: a right-continuous step function, 1 before the
/// first step, with a step at every distinct time (censored-only times
/// leave the value unchanged and are kept for tick marks on a chart).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KaplanMeier {
    pub steps: Vec<KmStep>,
}

impl KaplanMeier {
    /// `Ŝ(t)`: 1 before the first step, the last value after the last.
    pub fn survival_at(&self, t: f64) -> f64 {
        self.step_at(t).map_or(1.0, |s| s.survival)
    }

    /// Greenwood's standard error of `Ŝ(t)` (0 before the first step).
    pub fn se_at(&self, t: f64) -> f64 {
        self.step_at(t).map_or(0.0, |s| s.se)
    }

    /// The curve with at most about `points` steps, for charts: a step is
    /// kept when the survival has fallen by at least `1 / points` since the
    /// last one kept, or, on a flat stretch (censored values only), when
    /// `1 / points` of the time range has passed; the first and last steps
    /// are always kept. Drawn as a step function, the thinned curve is never
    /// more than `1 / points` above the full one, and each kept step keeps
    /// its own time, survival, standard error and counts.
    pub fn thinned(&self, points: usize) -> KaplanMeier {
        let (Some(first), Some(last)) = (self.steps.first(), self.steps.last()) else { return self.clone() };
        let gap = 1.0 / points.max(1) as f64;
        let span = (last.time - first.time) * gap;
        let mut steps: Vec<KmStep> = vec![*first];
        for (i, s) in self.steps.iter().enumerate().skip(1) {
            let kept = steps[steps.len() - 1];
            if kept.survival - s.survival >= gap || s.time - kept.time >= span || i == self.steps.len() - 1 {
                steps.push(*s);
            }
        }
        KaplanMeier { steps }
    }

    fn step_at(&self, t: f64) -> Option<&KmStep> {
        let after = self.steps.partition_point(|s| s.time <= t);
        after.checked_sub(1).map(|i| &self.steps[i])
    }
}

/// The Kaplan–Meier curve of observed (exact) and right-censored durations;
/// censored zeros are left out (see [`Sample`]).
pub fn kaplan_meier(observed: &[f64], censored: &[f64]) -> Result<KaplanMeier, FitError> {
    Ok(Sample::new(observed, censored)?.kaplan_meier())
}

impl Sample {
    /// The Kaplan–Meier curve of this sample. Observed values below the
    /// resolution are events at their recorded time.
    pub fn kaplan_meier(&self) -> KaplanMeier {
        KaplanMeier { steps: km_steps(&self.steps) }
    }
}

pub(super) fn km_steps(steps: &[Step]) -> Vec<KmStep> {
    let mut at_risk: f64 = steps.iter().map(|s| s.events + s.censored).sum();
    let (mut survival, mut greenwood) = (1.0, 0.0);
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        if s.events > 0.0 {
            survival *= 1.0 - s.events / at_risk;
            if at_risk > s.events {
                greenwood += s.events / (at_risk * (at_risk - s.events));
            }
        }
        let se = if survival > 0.0 { survival * greenwood.sqrt() } else { 0.0 };
        out.push(KmStep {
            time: s.t,
            at_risk: at_risk as usize,
            events: s.events as usize,
            censored: s.censored as usize,
            survival,
            se,
        });
        at_risk -= s.events + s.censored;
    }
    out
}
