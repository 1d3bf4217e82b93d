//! Fitting duration distributions to a real center's history (issue 14):
//! maximum likelihood for the exponential, lognormal, gamma and Weibull on
//! right-censored samples, their ranking by AIC, a goodness-of-fit distance,
//! the Kaplan–Meier curve, and the scenario's distribution strings.
//!
//! A pure library: durations in, numbers out. The fit job reads the history,
//! builds a [`Sample`] per reason and quantity (a patience sample has the
//! waits of abandoned contacts as observed values and those of answered ones
//! as censored values), calls [`fit_all`] and writes what it returns.
//!
//! ```ignore
//! let sample = Sample::new(&abandoned_waits, &answered_waits)?;
//! let ranking = fit_all(&sample);
//! let patience = ranking.best_dist().map(|(fit, dist)| dist.to_string()); // "lognormal(mean=…, sd=…)"
//! ```
//!
//! **Estimates** maximise the log-likelihood (see [`model`](Model) for its
//! form): in closed form for the exponential without values below the
//! resolution and the lognormal without censoring, otherwise by Newton's
//! method on log-scale parameters from moment estimates (`optim`).
//!
//! **Standard errors** come from the observed information: the negated
//! Hessian of the log-likelihood at the optimum, by central differences, on
//! the working parameters (log mean; μ and ln σ; ln shape and ln scale). Its
//! inverse is their covariance, carried by the delta method (a numerical
//! Jacobian) to every reported figure: the natural parameters, the mean and
//! the sd (Lawless, *Statistical Models and Methods for Lifetime Data*, 2nd
//! ed., 2003, appendix C on large-sample likelihood theory). They assume
//! independent values and a large sample; the tests check them against the
//! spread of repeated fits at 400 values.
//!
//! **Goodness of fit** is the Kolmogorov–Smirnov distance between the
//! fitted distribution function and the Kaplan–Meier estimate (the
//! empirical distribution function when nothing is censored), over
//! `[resolution, last observed value]`: where the data say nothing more
//! precise. It is a descriptive distance, not a test: with estimated
//! parameters and censoring the usual KS p-values do not apply, and a
//! history recorded in whole seconds adds up to about half a second's
//! probability mass of distance through its ties.

mod km;
mod model;
mod optim;
mod sample;
#[cfg(test)]
mod tests;

pub use km::{KaplanMeier, KmStep, kaplan_meier};
pub use model::{DIST_DIGITS, Family, Model};
pub use sample::{DEFAULT_RESOLUTION_SECS, Sample};

use crate::scenario::dist::Dist;
use optim::{Failure, maximise};

/// The fewest observed (uncensored) values a fit accepts.
pub const MIN_OBSERVED: usize = 3;

/// Why a sample cannot be fitted, or a family not fitted to it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("a {} duration must be a finite number of seconds >= 0, got {value}", if *censored { "censored" } else { "observed" })]
    BadValue { value: f64, censored: bool },
    #[error("the resolution must be a finite number of seconds > 0, got {0}")]
    BadResolution(f64),
    #[error("no observed values ({censored} censored): nothing to fit")]
    NoObserved { censored: usize },
    #[error("{observed} observed values; a fit needs at least {MIN_OBSERVED}")]
    TooFew { observed: usize },
    #[error("all observed values are below the resolution ({resolution}s): nothing tells their spread")]
    AllBelowResolution { resolution: f64 },
    #[error("all observed values are equal ({value}s): a constant, not a {family}")]
    AllEqual { value: f64, family: &'static str },
    #[error("the {family}'s {parameter} runs off towards 0 or infinity: the sample does not fit this family")]
    Diverged { family: &'static str, parameter: &'static str },
    #[error("the {family} fit did not converge in {iterations} iterations")]
    NoConvergence { family: &'static str, iterations: usize },
    #[error("the {family}'s likelihood is flat or not finite at the estimate: no standard errors")]
    Singular { family: &'static str },
    #[error("the fitted {family} has an infinite mean or standard deviation")]
    InfiniteMoments { family: &'static str },
}

/// An estimate with its standard error (both in the estimate's unit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub name: &'static str,
    pub value: f64,
    pub se: f64,
}

/// A family fitted to a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The fitted distribution.
    pub model: Model,
    /// The natural parameters with standard errors, named as in
    /// [`Family::param_names`] (`mean` in seconds; `mu` and `sigma` of ln t;
    /// `shape`, and `scale` in seconds).
    pub params: Vec<Estimate>,
    /// The fitted distribution's mean, seconds, with its standard error.
    pub mean: Estimate,
    /// The fitted distribution's standard deviation, seconds, with its standard error.
    pub sd: Estimate,
    /// The maximised log-likelihood (densities per second).
    pub log_likelihood: f64,
    /// Akaike's information criterion, `2p − 2ℓ`: lower is better.
    pub aic: f64,
    pub n_observed: usize,
    pub n_censored: usize,
    /// Kolmogorov–Smirnov distance to the Kaplan–Meier estimate (module documentation).
    pub ks: f64,
    /// Newton iterations taken (0 for a closed form).
    pub iterations: usize,
}

impl Fit {
    pub fn family(&self) -> Family {
        self.model.family()
    }
}

/// The families fitted to one sample: the fits in increasing AIC (the best
/// first), and the families that could not be fitted, with the reason.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ranking {
    pub fits: Vec<Fit>,
    pub failed: Vec<(Family, FitError)>,
}

impl Ranking {
    /// The fit with the lowest AIC, if any family could be fitted.
    pub fn best(&self) -> Option<&Fit> {
        self.fits.first()
    }

    /// The fit with the lowest AIC whose distribution the scenario accepts
    /// (see [`Model::to_dist`]; a fit of a heavy tail can have a mean beyond
    /// the scenario's longest duration), with that distribution.
    pub fn best_dist(&self) -> Option<(&Fit, Dist)> {
        self.fits.iter().find_map(|f| f.model.to_dist().ok().map(|d| (f, d)))
    }
}

/// Fits all four families and orders them by AIC.
pub fn fit_all(sample: &Sample) -> Ranking {
    let mut ranking = Ranking::default();
    for family in Family::ALL {
        match fit(family, sample) {
            Ok(f) => ranking.fits.push(f),
            Err(e) => ranking.failed.push((family, e)),
        }
    }
    ranking.fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    ranking
}

/// Fits one family by maximum likelihood (closed form where there is one).
pub fn fit(family: Family, sample: &Sample) -> Result<Fit, FitError> {
    let start = family.closed_form(sample);
    fit_from(family, sample, start)
}

/// Fits by the optimiser from the closed form, if given, or from moment estimates.
fn fit_from(family: Family, sample: &Sample, closed_form: Option<Vec<f64>>) -> Result<Fit, FitError> {
    check(family, sample)?;
    let start = closed_form.unwrap_or_else(|| family.start(sample));
    let (lower, upper) = family.bounds();
    let name = family.name();
    let loglik = |w: &[f64]| Model::from_working(family, w).log_likelihood(sample);
    let (working, log_likelihood, cov, iterations) = match family.n_params() {
        1 => {
            let o = maximise(|w: &[f64; 1]| loglik(w), [start[0]], [lower[0]], [upper[0]])
                .map_err(|f| failure(family, f))?;
            (o.x.to_vec(), o.value, vec![vec![o.cov[0][0]]], o.iterations)
        }
        _ => {
            let o =
                maximise(|w: &[f64; 2]| loglik(w), [start[0], start[1]], [lower[0], lower[1]], [upper[0], upper[1]])
                    .map_err(|f| failure(family, f))?;
            (o.x.to_vec(), o.value, o.cov.iter().map(|r| r.to_vec()).collect(), o.iterations)
        }
    };
    let model = Model::from_working(family, &working);
    let se = |g: &dyn Fn(&Model) -> f64| delta_se(family, &working, &cov, g);
    let params = family
        .param_names()
        .iter()
        .enumerate()
        .map(|(i, &name)| Estimate { name, value: model.params()[i], se: se(&|m: &Model| m.params()[i]) })
        .collect();
    let mean = Estimate { name: "mean", value: model.mean(), se: se(&Model::mean) };
    let sd = Estimate { name: "sd", value: model.sd(), se: se(&Model::sd) };
    let figures = [mean.value, mean.se, sd.value, sd.se];
    if !figures.iter().all(|v| v.is_finite()) {
        return Err(FitError::InfiniteMoments { family: name });
    }
    Ok(Fit {
        model,
        params,
        mean,
        sd,
        log_likelihood,
        aic: 2.0 * family.n_params() as f64 - 2.0 * log_likelihood,
        n_observed: sample.n_observed(),
        n_censored: sample.n_censored(),
        ks: ks_distance(&model, sample),
        iterations,
    })
}

/// The sample can be fitted: enough observed values, not all equal.
fn check(family: Family, sample: &Sample) -> Result<(), FitError> {
    match sample.n_observed() {
        0 => return Err(FitError::NoObserved { censored: sample.n_censored() }),
        n if n < MIN_OBSERVED => return Err(FitError::TooFew { observed: n }),
        _ => {}
    }
    if sample.exact.is_empty() {
        return Err(FitError::AllBelowResolution { resolution: sample.resolution() });
    }
    if sample.n_distinct_observed() < 2 {
        let value = sample.exact.first().map_or(0.0, |p| p.t);
        return Err(FitError::AllEqual { value, family: family.name() });
    }
    Ok(())
}

fn failure(family: Family, f: Failure) -> FitError {
    let name = family.name();
    match f {
        Failure::Edge(i) => FitError::Diverged { family: name, parameter: family.param_names()[i] },
        Failure::NoConvergence(iterations) => FitError::NoConvergence { family: name, iterations },
        Failure::NotFinite | Failure::Singular => FitError::Singular { family: name },
    }
}

/// The delta-method standard error of `g(model)`: `√(∇gᵀ Σ ∇g)` with the
/// gradient over the working parameters by central differences.
fn delta_se(family: Family, working: &[f64], cov: &[Vec<f64>], g: &dyn Fn(&Model) -> f64) -> f64 {
    const STEP: f64 = 1e-6;
    let grad: Vec<f64> = (0..working.len())
        .map(|i| {
            let at = |by: f64| {
                let mut w = working.to_vec();
                w[i] += by;
                g(&Model::from_working(family, &w))
            };
            (at(STEP) - at(-STEP)) / (2.0 * STEP)
        })
        .collect();
    let var: f64 = (0..grad.len())
        .flat_map(|i| (0..grad.len()).map(move |j| (i, j)))
        .map(|(i, j)| grad[i] * cov[i][j] * grad[j])
        .sum();
    var.max(0.0).sqrt()
}

/// The Kolmogorov–Smirnov distance `sup |F(t) − F̂(t)|` over `t` from the
/// resolution to the last observed value, `F̂ = 1 − Ŝ` the Kaplan–Meier
/// estimate. `F̂` is a step function and `F` increases, so the supremum is
/// at a jump: compared there with `F̂` before and after it, and at the
/// resolution itself.
fn ks_distance(model: &Model, sample: &Sample) -> f64 {
    let r = sample.resolution();
    let Some(last) = sample.steps.iter().rev().find(|s| s.events > 0.0).map(|s| s.t) else { return 0.0 };
    let km = km::km_steps(&sample.steps);
    let (mut distance, mut before, mut f_hat_r) = (0.0f64, 0.0, 0.0);
    for (step, k) in sample.steps.iter().zip(&km).take_while(|(s, _)| s.t <= last) {
        let after = 1.0 - k.survival;
        if step.t <= r {
            f_hat_r = after;
        }
        if step.t >= r && step.events > 0.0 {
            let f = model.cdf(step.t);
            distance = distance.max((after - f).abs()).max((before - f).abs());
        }
        before = after;
    }
    distance.max((f_hat_r - model.cdf(r)).abs())
}
