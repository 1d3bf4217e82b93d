//! The four families: their log-likelihoods on a grouped, censored sample,
//! their distribution functions, and their conversion to the scenario's
//! distributions.
//!
//! The log-likelihood of right-censored data with observed values below the
//! resolution `r` interval-censored in `[0, r]` is (Lawless, *Statistical
//! Models and Methods for Lifetime Data*, 2nd ed., 2003, ch. 2: each value
//! contributes the probability of what was seen of it)
//!
//! `ℓ = Σ_exact ln f(tᵢ) + n_below · ln F(r) + Σ_censored ln S(cⱼ)`,
//!
//! summed over distinct values with their counts. For each family the
//! uncensored part is a closed form in the sums of `t`, `ln t` and
//! `(ln t − mean)²` ([`Sums`]), so only the censored part (and the Weibull's
//! `Σ tᵏ`) costs a pass over the distinct values.

use super::sample::{Pt, Sample};
use crate::scenario::dist::Dist;
use statrs::function::erf::erfc;
use statrs::function::gamma::{checked_gamma_lr, checked_gamma_ur, ln_gamma};

/// A family of duration distributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Exponential,
    LogNormal,
    Gamma,
    Weibull,
}

impl Family {
    pub const ALL: [Family; 4] = [Family::Exponential, Family::LogNormal, Family::Gamma, Family::Weibull];

    /// The name in scenario files: `exponential`, `lognormal`, `gamma`, `weibull`.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::LogNormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Weibull => "weibull",
        }
    }

    /// The names of the natural parameters, in the order of [`Fit::params`](super::Fit::params).
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            Family::Exponential => &["mean"],
            Family::LogNormal => &["mu", "sigma"],
            Family::Gamma | Family::Weibull => &["shape", "scale"],
        }
    }

    /// Number of free parameters (what AIC charges).
    pub fn n_params(self) -> usize {
        self.param_names().len()
    }

    /// The optimiser's box on the working parameters: log scales in seconds
    /// within `[1e-6 s, 1e12 s]`, log shapes within bounds no real duration
    /// reaches (a gamma shape of 1e5 is a coefficient of variation of 0.3%).
    /// An estimate running into the edge is a failed fit, not a result.
    pub(super) fn bounds(self) -> (Vec<f64>, Vec<f64>) {
        let (lo, hi) = (1e-6f64.ln(), 1e12f64.ln());
        match self {
            Family::Exponential => (vec![lo], vec![hi]),
            Family::LogNormal => (vec![lo, 1e-4f64.ln()], vec![hi, 100f64.ln()]),
            Family::Gamma => (vec![1e-4f64.ln(), lo], vec![1e5f64.ln(), hi]),
            Family::Weibull => (vec![1e-3f64.ln(), lo], vec![1e3f64.ln(), hi]),
        }
    }

    /// Working parameters to start from: method-of-moments-like estimates on
    /// the observed values, with the scale raised by the censoring factor of
    /// [`Sample::start_moments`].
    pub(super) fn start(self, sample: &Sample) -> Vec<f64> {
        let m = sample.start_moments();
        match self {
            Family::Exponential => vec![m.mean.ln()],
            Family::LogNormal => vec![m.ln_mean + m.inflate.ln(), 0.5 * m.ln_var.ln()],
            Family::Gamma => {
                // Minka's approximation to the shape's likelihood equation
                // ln k − ψ(k) = ln mean − mean ln (Minka 2002, "Estimating a Gamma distribution").
                let s = (m.mean.ln() - m.ln_mean).max(1e-6);
                let shape = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
                vec![shape.ln(), (m.mean * m.inflate / shape).ln()]
            }
            Family::Weibull => {
                // Var(ln T) = π²/(6k²) and E(ln T) = ln λ − γ/k for a Weibull.
                let shape = std::f64::consts::PI / (6.0 * m.ln_var).sqrt();
                vec![shape.ln(), m.ln_mean + 0.577_215_664_901_532_9 / shape + m.inflate.ln()]
            }
        }
    }

    /// The maximum-likelihood working parameters in closed form, where one
    /// exists: the exponential without values below the resolution (mean =
    /// total time over events, Lawless ch. 4), the lognormal without any
    /// censoring (mean and divisor-n variance of ln t).
    pub(super) fn closed_form(self, sample: &Sample) -> Option<Vec<f64>> {
        let s = &sample.sums;
        match self {
            Family::Exponential if sample.below == 0.0 => Some(vec![((s.t + s.cens_t) / s.events).ln()]),
            Family::LogNormal if sample.below == 0.0 && sample.censored.is_empty() => {
                Some(vec![s.ln_mean, 0.5 * (s.ln_ss / s.events).ln()])
            }
            _ => None,
        }
    }
}

/// A fitted distribution with its natural parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// Exponential with this mean (seconds).
    Exponential { mean: f64 },
    /// ln T is normal with mean `mu` and standard deviation `sigma` (T in seconds).
    LogNormal { mu: f64, sigma: f64 },
    /// Density `t^(shape−1) e^(−t/scale) / (Γ(shape) scale^shape)`.
    Gamma { shape: f64, scale: f64 },
    /// Survival `exp(−(t/scale)^shape)`.
    Weibull { shape: f64, scale: f64 },
}

impl Model {
    pub fn family(&self) -> Family {
        match self {
            Model::Exponential { .. } => Family::Exponential,
            Model::LogNormal { .. } => Family::LogNormal,
            Model::Gamma { .. } => Family::Gamma,
            Model::Weibull { .. } => Family::Weibull,
        }
    }

    /// From the optimiser's working parameters: log mean; (μ, ln σ); (ln shape, ln scale).
    pub(super) fn from_working(family: Family, w: &[f64]) -> Model {
        match family {
            Family::Exponential => Model::Exponential { mean: w[0].exp() },
            Family::LogNormal => Model::LogNormal { mu: w[0], sigma: w[1].exp() },
            Family::Gamma => Model::Gamma { shape: w[0].exp(), scale: w[1].exp() },
            Family::Weibull => Model::Weibull { shape: w[0].exp(), scale: w[1].exp() },
        }
    }

    /// The natural parameters, in the order of [`Family::param_names`].
    pub fn params(&self) -> Vec<f64> {
        match *self {
            Model::Exponential { mean } => vec![mean],
            Model::LogNormal { mu, sigma } => vec![mu, sigma],
            Model::Gamma { shape, scale } | Model::Weibull { shape, scale } => vec![shape, scale],
        }
    }

    /// The mean in seconds (infinite if it overflows).
    pub fn mean(&self) -> f64 {
        match *self {
            Model::Exponential { mean } => mean,
            Model::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Model::Gamma { shape, scale } => shape * scale,
            Model::Weibull { shape, scale } => scale * ln_gamma(1.0 + 1.0 / shape).exp(),
        }
    }

    /// The standard deviation in seconds (infinite if it overflows).
    pub fn sd(&self) -> f64 {
        match *self {
            Model::Exponential { mean } => mean,
            Model::LogNormal { sigma, .. } => self.mean() * (sigma * sigma).exp_m1().sqrt(),
            Model::Gamma { shape, scale } => shape.sqrt() * scale,
            Model::Weibull { shape, scale } => {
                let (g1, g2) = (ln_gamma(1.0 + 1.0 / shape), ln_gamma(1.0 + 2.0 / shape));
                // Γ(1+2/k) − Γ(1+1/k)² = Γ(1+2/k)·(1 − e^(2 lnΓ(1+1/k) − lnΓ(1+2/k))), without cancellation.
                scale * (g2.exp() * -(2.0 * g1 - g2).exp_m1()).sqrt()
            }
        }
    }

    /// The distribution function `P(T <= t)`.
    pub fn cdf(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        if t == f64::INFINITY {
            return 1.0;
        }
        match *self {
            Model::Exponential { mean } => -(-t / mean).exp_m1(),
            Model::LogNormal { mu, sigma } => 0.5 * erfc(-(t.ln() - mu) / (sigma * std::f64::consts::SQRT_2)),
            Model::Gamma { shape, scale } => ln_gamma_p(shape, t / scale).exp(),
            Model::Weibull { shape, scale } => -(-(t / scale).powf(shape)).exp_m1(),
        }
    }

    /// The survival function `P(T > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        if t == f64::INFINITY {
            return 0.0;
        }
        match *self {
            Model::Exponential { mean } => (-t / mean).exp(),
            Model::LogNormal { mu, sigma } => 0.5 * erfc((t.ln() - mu) / (sigma * std::f64::consts::SQRT_2)),
            Model::Gamma { shape, scale } => ln_gamma_q(shape, t / scale).exp(),
            Model::Weibull { shape, scale } => (-(t / scale).powf(shape)).exp(),
        }
    }

    /// The density at `t > 0` (0 at and below 0, and at infinity), for charts.
    pub fn pdf(&self, t: f64) -> f64 {
        if t <= 0.0 || t == f64::INFINITY {
            return 0.0;
        }
        let ln_t = t.ln();
        let ln_f = match *self {
            Model::Exponential { mean } => -mean.ln() - t / mean,
            Model::LogNormal { mu, sigma } => {
                let z = (ln_t - mu) / sigma;
                -ln_t - sigma.ln() - 0.5 * (std::f64::consts::TAU.ln() + z * z)
            }
            Model::Gamma { shape, scale } => -ln_gamma(shape) - shape * scale.ln() + (shape - 1.0) * ln_t - t / scale,
            Model::Weibull { shape, scale } => {
                shape.ln() - shape * scale.ln() + (shape - 1.0) * ln_t - (t / scale).powf(shape)
            }
        };
        ln_f.exp()
    }

    /// The log-likelihood of `sample` (see the module documentation).
    pub(super) fn log_likelihood(&self, sample: &Sample) -> f64 {
        let s = &sample.sums;
        let ln_r = sample.resolution().ln();
        let censored = |ln_sf: &dyn Fn(&Pt) -> f64| sample.censored.iter().map(|p| p.n * ln_sf(p)).sum::<f64>();
        let below = |ln_cdf_r: f64| if sample.below > 0.0 { sample.below * ln_cdf_r } else { 0.0 };
        match *self {
            Model::Exponential { mean } => {
                -s.events * mean.ln() - (s.t + s.cens_t) / mean + below(ln_one_minus_exp(sample.resolution() / mean))
            }
            Model::LogNormal { mu, sigma } => {
                let d = s.ln_mean - mu;
                -s.ln_t
                    - s.events * (sigma.ln() + 0.5 * std::f64::consts::TAU.ln())
                    - (s.ln_ss + s.events * d * d) / (2.0 * sigma * sigma)
                    + below(ln_normal_sf(-(ln_r - mu) / sigma))
                    + censored(&|p| ln_normal_sf((p.ln_t - mu) / sigma))
            }
            Model::Gamma { shape, scale } => {
                s.events * (-ln_gamma(shape) - shape * scale.ln()) + (shape - 1.0) * s.ln_t - s.t / scale
                    + below(ln_gamma_p(shape, sample.resolution() / scale))
                    + censored(&|p| ln_gamma_q(shape, p.t / scale))
            }
            Model::Weibull { shape, scale } => {
                let ln_scale = scale.ln();
                let power = |pts: &[Pt]| pts.iter().map(|p| p.n * (shape * (p.ln_t - ln_scale)).exp()).sum::<f64>();
                s.events * (shape.ln() - shape * ln_scale) + (shape - 1.0) * s.ln_t
                    - power(&sample.exact)
                    - power(&sample.censored)
                    + below(ln_one_minus_exp((shape * (ln_r - ln_scale)).exp()))
            }
        }
    }

    /// The scenario distribution, its parameters rounded to
    /// [`DIST_DIGITS`] significant digits (a relative change of at most
    /// 5e-4; compare with the standard errors of the fit): `exponential(mean=…)`, `lognormal(mean=…, sd=…)`,
    /// `gamma(mean=…, sd=…)`, `weibull(shape=…, scale=…)`. Its
    /// [`Display`](std::fmt::Display) is the string for a scenario file,
    /// which the scenario's parser reads back to an equal `Dist`. Fails when
    /// the scenario's limits refuse the values (a mean above the longest duration).
    pub fn to_dist(&self) -> Result<Dist, String> {
        let r = round_significant;
        match *self {
            Model::Exponential { mean } => Dist::exponential(r(mean)),
            Model::LogNormal { .. } => Dist::lognormal(r(self.mean()), r(self.sd())),
            Model::Gamma { .. } => Dist::gamma(r(self.mean()), r(self.sd())),
            Model::Weibull { shape, scale } => Dist::weibull(r(shape), r(scale)),
        }
    }
}

/// Significant digits of the parameters written into scenario files.
pub const DIST_DIGITS: i32 = 4;

/// `v` rounded to [`DIST_DIGITS`] significant digits (through the decimal
/// string, so the result prints as those digits).
fn round_significant(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let text = format!("{:.*e}", (DIST_DIGITS - 1) as usize, v);
    text.parse().unwrap_or(v)
}

/// `ln(1 − e^(−x))` for `x > 0`, accurate for small and large `x`.
fn ln_one_minus_exp(x: f64) -> f64 {
    if x > std::f64::consts::LN_2 { (-(-x).exp()).ln_1p() } else { (-(-x).exp_m1()).ln() }
}

/// `ln P(Z > z)` for a standard normal `Z`; beyond the underflow of `erfc`,
/// the leading term of its asymptotic series, `ln φ(z) − ln z`.
fn ln_normal_sf(z: f64) -> f64 {
    let q = 0.5 * erfc(z / std::f64::consts::SQRT_2);
    if q > 0.0 { q.ln() } else { -0.5 * z * z - (z * (std::f64::consts::TAU).sqrt()).ln() }
}

/// `ln P(a, x)`, the log of the regularised lower incomplete gamma function;
/// where it underflows (`x` far below `a`), the leading term of its series,
/// `a ln x − x − ln Γ(a + 1)`.
fn ln_gamma_p(a: f64, x: f64) -> f64 {
    match checked_gamma_lr(a, x) {
        Ok(p) if p > 0.0 => p.ln(),
        Ok(_) => a * x.ln() - x - ln_gamma(a + 1.0),
        // x = 0 (an underflow) or ∞ (an overflow): statrs refuses both.
        Err(_) => {
            if x > 0.0 {
                0.0
            } else {
                f64::NEG_INFINITY
            }
        }
    }
}

/// `ln Q(a, x)`, the log of the regularised upper incomplete gamma function;
/// where it underflows (`x` far above `a`), the leading term of its
/// asymptotic series, `(a − 1) ln x − x − ln Γ(a)`.
fn ln_gamma_q(a: f64, x: f64) -> f64 {
    match checked_gamma_ur(a, x) {
        Ok(q) if q > 0.0 => q.ln(),
        Ok(_) => (a - 1.0) * x.ln() - x - ln_gamma(a),
        Err(_) => {
            if x > 0.0 {
                f64::NEG_INFINITY
            } else {
                0.0
            }
        }
    }
}
