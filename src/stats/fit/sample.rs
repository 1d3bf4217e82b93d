//! A sample of durations prepared for fitting: validated, sorted and grouped
//! into distinct values with counts.
//!
//! Grouping is exact, not an approximation: the log-likelihood is a sum over
//! values, so `n` equal values contribute `n` times one term. Real histories
//! are recorded in whole seconds, so a million durations hold only a few
//! thousand distinct values, and every likelihood evaluation (the censored
//! gamma's incomplete gamma function above all) costs that few thousand terms.

use super::FitError;

/// The resolution of recorded durations unless told otherwise: whole seconds.
pub const DEFAULT_RESOLUTION_SECS: f64 = 1.0;

/// One distinct value with its count and its logarithm (computed once; the
/// lognormal, gamma and Weibull likelihoods all need it).
#[derive(Debug, Clone, Copy)]
pub(super) struct Pt {
    pub t: f64,
    pub ln_t: f64,
    pub n: f64,
}

/// One distinct value with the number of events (observed) and of
/// right-censored values there, ascending: the input of Kaplan–Meier.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub t: f64,
    pub events: f64,
    pub censored: f64,
}

/// Sums over the exact observations (those at or above the resolution) that
/// make the uncensored part of each log-likelihood a closed form.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sums {
    /// Number of exact observations.
    pub events: f64,
    /// Σ t over exact observations.
    pub t: f64,
    /// Σ ln t over exact observations.
    pub ln_t: f64,
    /// Mean of ln t over exact observations (0 without any).
    pub ln_mean: f64,
    /// Σ (ln t − ln_mean)² over exact observations (centred: no cancellation).
    pub ln_ss: f64,
    /// Σ t over right-censored values.
    pub cens_t: f64,
}

/// Durations in seconds ready to fit: the observed values (exact) and the
/// right-censored ones (the true value is at least this), grouped into
/// distinct values.
///
/// An observed value below the resolution is *interval-censored* in
/// `[0, resolution]` rather than exact: a history recorded in whole seconds
/// says "0" for anything under a second, and the log-density of the
/// lognormal, of the Weibull with shape > 1 and of the gamma with shape > 1
/// is −∞ at 0 (and +∞ for shapes below 1), so an exact zero would make the
/// likelihood useless; `ln F(resolution)` is what such a record really says.
/// A right-censored value of 0 says only "at least 0": it contributes
/// `ln S(0) = 0` to the likelihood and is left out (of Kaplan–Meier too),
/// though it still counts in [`Sample::n_censored`].
#[derive(Debug, Clone)]
pub struct Sample {
    resolution: f64,
    n_observed: usize,
    n_censored: usize,
    /// Distinct observed values at or above the resolution, ascending.
    pub(super) exact: Vec<Pt>,
    /// Distinct right-censored values above 0, ascending.
    pub(super) censored: Vec<Pt>,
    /// Number of observed values below the resolution.
    pub(super) below: f64,
    /// Every distinct value (observed, or censored above 0), ascending.
    pub(super) steps: Vec<Step>,
    pub(super) sums: Sums,
}

impl Sample {
    /// A sample recorded at the [default resolution](DEFAULT_RESOLUTION_SECS)
    /// of one second. Values must be finite and `>= 0`.
    pub fn new(observed: &[f64], censored: &[f64]) -> Result<Sample, FitError> {
        Sample::with_resolution(observed, censored, DEFAULT_RESOLUTION_SECS)
    }

    /// A sample whose observed values below `resolution` (seconds, `> 0`)
    /// are interval-censored in `[0, resolution]`. For continuous data, a
    /// tiny resolution (say 1e-9) makes every positive value exact.
    pub fn with_resolution(observed: &[f64], censored: &[f64], resolution: f64) -> Result<Sample, FitError> {
        if !(resolution.is_finite() && resolution > 0.0) {
            return Err(FitError::BadResolution(resolution));
        }
        let mut all: Vec<(f64, bool)> = Vec::with_capacity(observed.len() + censored.len());
        for (values, is_censored) in [(observed, false), (censored, true)] {
            for &v in values {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(FitError::BadValue { value: v, censored: is_censored });
                }
                if v > 0.0 || !is_censored {
                    all.push((v + 0.0, is_censored));
                }
            }
        }
        all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));

        let mut sample = Sample {
            resolution,
            n_observed: observed.len(),
            n_censored: censored.len(),
            exact: Vec::new(),
            censored: Vec::new(),
            below: 0.0,
            steps: Vec::new(),
            sums: Sums::default(),
        };
        let mut i = 0;
        while i < all.len() {
            let t = all[i].0;
            let (mut events, mut cens) = (0.0, 0.0);
            while i < all.len() && all[i].0 == t {
                if all[i].1 {
                    cens += 1.0
                } else {
                    events += 1.0
                }
                i += 1;
            }
            sample.steps.push(Step { t, events, censored: cens });
            if events > 0.0 {
                if t >= resolution {
                    sample.exact.push(Pt { t, ln_t: t.ln(), n: events });
                } else {
                    sample.below += events;
                }
            }
            if cens > 0.0 {
                sample.censored.push(Pt { t, ln_t: t.ln(), n: cens });
            }
        }

        let s = &mut sample.sums;
        for p in &sample.exact {
            s.events += p.n;
            s.t += p.n * p.t;
            s.ln_t += p.n * p.ln_t;
        }
        s.ln_mean = if s.events > 0.0 { s.ln_t / s.events } else { 0.0 };
        s.ln_ss = sample.exact.iter().map(|p| p.n * (p.ln_t - s.ln_mean).powi(2)).sum();
        s.cens_t = sample.censored.iter().map(|p| p.n * p.t).sum();
        Ok(sample)
    }

    /// The resolution in seconds: observed values below it are interval-censored.
    pub fn resolution(&self) -> f64 {
        self.resolution
    }

    /// Number of observed values (exact or below the resolution).
    pub fn n_observed(&self) -> usize {
        self.n_observed
    }

    /// Number of right-censored values, zeros included.
    pub fn n_censored(&self) -> usize {
        self.n_censored
    }

    /// Number of observed values below the resolution (interval-censored).
    pub fn n_below_resolution(&self) -> usize {
        self.below as usize
    }

    /// Number of distinct values (observed, or censored above 0): what one
    /// likelihood evaluation costs.
    pub fn n_distinct(&self) -> usize {
        self.steps.len()
    }

    /// Distinct observed values, counting all those below the resolution as one.
    pub(super) fn n_distinct_observed(&self) -> usize {
        self.exact.len() + usize::from(self.below > 0.0)
    }

    /// Starting values for the optimiser from the observed values alone (those
    /// below the resolution taken at half of it): the mean, the mean and
    /// variance of the logarithm, and the factor by which censoring makes the
    /// observed mean too small, estimated as the exponential's closed form
    /// (total time over events) divided by the observed mean (at least 1).
    pub(super) fn start_moments(&self) -> StartMoments {
        let s = &self.sums;
        let half = self.resolution / 2.0;
        let n = s.events + self.below;
        let mean = (s.t + self.below * half) / n;
        let ln_mean = (s.ln_t + self.below * half.ln()) / n;
        let ln_var =
            (s.ln_ss + s.events * (s.ln_mean - ln_mean).powi(2) + self.below * (half.ln() - ln_mean).powi(2)) / n;
        let exposure_mean = (s.t + self.below * half + s.cens_t) / n;
        StartMoments { mean, ln_mean, ln_var: ln_var.max(1e-8), inflate: (exposure_mean / mean).max(1.0) }
    }
}

/// See [`Sample::start_moments`].
#[derive(Debug, Clone, Copy)]
pub(super) struct StartMoments {
    pub mean: f64,
    pub ln_mean: f64,
    pub ln_var: f64,
    pub inflate: f64,
}
