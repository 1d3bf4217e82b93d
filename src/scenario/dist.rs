//! Duration distributions of the scenario format (`const(45s)`, `lognormal(mean=7m, sd=4m)`, …).

use super::duration::{fmt_duration, parse_duration};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Weibull};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// What a distribution looks like, for error messages.
pub const DIST_HINT: &str = r#"a duration like "45s" or a distribution like "lognormal(mean=7m, sd=4m)""#;

/// A distribution of durations in seconds. `Never` is an infinite duration (patience only).
///
/// Build one with [`parse_dist`] or the constructors ([`Dist::exponential`], …),
/// which check the parameters and pre-build the samplers. Equality compares
/// the parameters; [`Display`](fmt::Display) prints the canonical form that
/// [`parse_dist`] reads back to an equal `Dist`.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Always the same value.
    Const(f64),
    Exponential {
        mean: f64,
        inner: Exp<f64>,
    },
    /// `mean` and `sd` of the duration itself.
    LogNormal {
        mean: f64,
        sd: f64,
        inner: LogNormal<f64>,
    },
    Gamma {
        mean: f64,
        sd: f64,
        inner: Gamma<f64>,
    },
    Weibull {
        shape: f64,
        scale: f64,
        inner: Weibull<f64>,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    /// Resamples one of the observed values uniformly (never empty).
    Empirical(Arc<[f64]>),
    /// Infinite (patience only).
    Never,
}

impl Dist {
    /// A constant duration, `value >= 0`.
    pub fn constant(value: f64) -> Result<Dist, String> {
        check_duration("value", value)?;
        Ok(Dist::Const(value + 0.0))
    }

    /// Exponential with the given mean, `mean > 0`.
    pub fn exponential(mean: f64) -> Result<Dist, String> {
        check_positive("mean", mean)?;
        let inner = Exp::new(1.0 / mean).map_err(|e| format!("mean={}: {e}", fmt_duration(mean)))?;
        Ok(Dist::Exponential { mean, inner })
    }

    /// Lognormal with the given mean and standard deviation of the duration
    /// itself; `sd = 0` gives a constant.
    pub fn lognormal(mean: f64, sd: f64) -> Result<Dist, String> {
        check_duration("sd", sd)?;
        if sd == 0.0 {
            return Dist::constant(mean);
        }
        check_positive("mean", mean)?;
        let sigma2 = (sd / mean).powi(2).ln_1p();
        let inner = LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt())
            .map_err(|_| "sd is too large relative to mean".to_string())?;
        Ok(Dist::LogNormal { mean, sd, inner })
    }

    /// Gamma with the given mean and standard deviation; `sd = 0` gives a constant.
    pub fn gamma(mean: f64, sd: f64) -> Result<Dist, String> {
        check_duration("sd", sd)?;
        if sd == 0.0 {
            return Dist::constant(mean);
        }
        check_positive("mean", mean)?;
        let inner = Gamma::new((mean / sd).powi(2), sd * (sd / mean))
            .map_err(|_| "sd is too large or too small relative to mean".to_string())?;
        Ok(Dist::Gamma { mean, sd, inner })
    }

    /// Weibull with a dimensionless `shape > 0` and a duration `scale > 0`.
    pub fn weibull(shape: f64, scale: f64) -> Result<Dist, String> {
        check_positive("shape", shape)?;
        check_positive("scale", scale)?;
        let inner = Weibull::new(scale, shape).map_err(|e| e.to_string())?;
        check_mean(Dist::Weibull { shape, scale, inner })
    }

    /// Uniform on `[min, max)`, `0 <= min <= max`.
    pub fn uniform(min: f64, max: f64) -> Result<Dist, String> {
        check_duration("min", min)?;
        check_duration("max", max)?;
        if min > max {
            return Err(format!("min ({}) is above max ({})", fmt_duration(min), fmt_duration(max)));
        }
        Ok(Dist::Uniform { min: min + 0.0, max: max + 0.0 })
    }

    /// Resamples the given observed durations (non-empty, each `>= 0`).
    pub fn empirical(values: impl Into<Arc<[f64]>>) -> Result<Dist, String> {
        let values: Arc<[f64]> = values.into();
        if values.is_empty() {
            return Err("no values".into());
        }
        for &v in values.iter() {
            check_duration("value", v)?;
        }
        Ok(Dist::Empirical(values))
    }

    /// One draw, in seconds (`f64::INFINITY` for `never`).
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Const(v) => *v,
            Dist::Exponential { inner, .. } => inner.sample(rng),
            Dist::LogNormal { inner, .. } => inner.sample(rng),
            Dist::Gamma { inner, .. } => inner.sample(rng),
            Dist::Weibull { inner, .. } => inner.sample(rng),
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Dist::Empirical(values) if values.is_empty() => 0.0,
            Dist::Empirical(values) => values[rng.random_range(0..values.len())],
            Dist::Never => f64::INFINITY,
        }
    }

    /// The mean, in seconds (`f64::INFINITY` for `never`).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Const(v) => *v,
            Dist::Exponential { mean, .. } | Dist::LogNormal { mean, .. } | Dist::Gamma { mean, .. } => *mean,
            Dist::Weibull { shape, scale, .. } => scale * statrs::function::gamma::ln_gamma(1.0 + 1.0 / shape).exp(),
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Empirical(values) => values.iter().sum::<f64>() / values.len().max(1) as f64,
            Dist::Never => f64::INFINITY,
        }
    }

    /// The value of a distribution that draws no random numbers (a
    /// constant, `never`): what [`Dist::sample`] returns without touching
    /// its stream. A stream only such distributions sample is never observed.
    #[inline]
    pub fn fixed(&self) -> Option<f64> {
        match self {
            Dist::Const(_) | Dist::Never => Some(self.mean()),
            Dist::Empirical(values) if values.is_empty() => Some(0.0),
            _ => None,
        }
    }

    /// True for `never` (an infinite duration).
    pub fn is_never(&self) -> bool {
        matches!(self, Dist::Never)
    }
}

impl PartialEq for Dist {
    fn eq(&self, other: &Self) -> bool {
        use Dist::*;
        match (self, other) {
            (Const(a), Const(b)) => a == b,
            (Exponential { mean: a, .. }, Exponential { mean: b, .. }) => a == b,
            (LogNormal { mean: a, sd: s, .. }, LogNormal { mean: b, sd: t, .. })
            | (Gamma { mean: a, sd: s, .. }, Gamma { mean: b, sd: t, .. }) => a == b && s == t,
            (Weibull { shape: a, scale: s, .. }, Weibull { shape: b, scale: t, .. }) => a == b && s == t,
            (Uniform { min: a, max: s }, Uniform { min: b, max: t }) => a == b && s == t,
            (Empirical(a), Empirical(b)) => a == b,
            (Never, Never) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |v: &f64| fmt_duration(*v);
        match self {
            Dist::Const(v) => write!(f, "{}", d(v)),
            Dist::Exponential { mean, .. } => write!(f, "exponential(mean={})", d(mean)),
            Dist::LogNormal { mean, sd, .. } => {
                write!(f, "lognormal(mean={}, sd={})", d(mean), d(sd))
            }
            Dist::Gamma { mean, sd, .. } => write!(f, "gamma(mean={}, sd={})", d(mean), d(sd)),
            Dist::Weibull { shape, scale, .. } => {
                write!(f, "weibull(shape={shape}, scale={})", d(scale))
            }
            Dist::Uniform { min, max } => write!(f, "uniform(min={}, max={})", d(min), d(max)),
            Dist::Empirical(values) => {
                let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                write!(f, "empirical([{}])", items.join(", "))
            }
            Dist::Never => f.write_str("never"),
        }
    }
}

/// A duration parameter: finite, `>= 0` and within [`crate::scenario::limits::MAX_DURATION_SECS`].
fn check_duration(what: &str, v: f64) -> Result<(), String> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(format!("{what} must be a finite number >= 0, got {v}"));
    }
    crate::scenario::limits::check_duration(what, v)
}

/// A duration parameter `> 0` (within the limit), or `shape` (no limit).
fn check_positive(what: &str, v: f64) -> Result<(), String> {
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("{what} must be > 0"));
    }
    if what == "shape" { Ok(()) } else { crate::scenario::limits::check_duration(what, v) }
}

/// The mean of a distribution, within the limit on durations (a heavy
/// tail can have a huge mean with modest parameters).
fn check_mean(d: Dist) -> Result<Dist, String> {
    let mean = d.mean();
    if mean.is_finite() {
        crate::scenario::limits::check_duration("the mean", mean)?;
        return Ok(d);
    }
    Err(format!(
        "the mean is infinite or too large to compute; expected at most {}",
        crate::scenario::limits::fmt_secs(crate::scenario::limits::MAX_DURATION_SECS)
    ))
}

/// Parses the string form of a distribution: `const(D)` or a bare duration `D`,
/// `exponential(mean=D)`, `lognormal(mean=D, sd=D)`, `gamma(mean=D, sd=D)`,
/// `weibull(shape=X, scale=D)`, `uniform(min=D, max=D)`, `empirical("file.csv")`
/// (path relative to `base_dir`), `empirical([1.5, 2, 30])`, or `never`.
pub fn parse_dist(value: &str, base_dir: &Path) -> Result<Dist, String> {
    parse_inner(value.trim(), base_dir).map_err(|why| {
        let why = if why.is_empty() { why } else { format!(": {why}") };
        format!("expected {DIST_HINT}, got {value:?}{why}")
    })
}

fn parse_inner(s: &str, base_dir: &Path) -> Result<Dist, String> {
    if s == "never" {
        return Ok(Dist::Never);
    }
    let Some((name, rest)) = s.split_once('(') else {
        return parse_duration(s).map_err(|_| String::new()).and_then(Dist::constant);
    };
    let Some(inner) = rest.trim_end().strip_suffix(')') else {
        return Err("missing the closing parenthesis".into());
    };
    let inner = inner.trim();
    let duration = |key: &str, v: &str| parse_duration(v).map_err(|_| format!("{key}={v} is not a duration"));
    match name.trim() {
        "const" => Dist::constant(duration("value", inner)?),
        "empirical" => empirical(inner, base_dir),
        "exponential" => {
            let [mean] = params(inner, ["mean"])?;
            Dist::exponential(duration("mean", mean)?)
        }
        "lognormal" => {
            let [mean, sd] = params(inner, ["mean", "sd"])?;
            Dist::lognormal(duration("mean", mean)?, duration("sd", sd)?)
        }
        "gamma" => {
            let [mean, sd] = params(inner, ["mean", "sd"])?;
            Dist::gamma(duration("mean", mean)?, duration("sd", sd)?)
        }
        "weibull" => {
            let [shape, scale] = params(inner, ["shape", "scale"])?;
            let shape_value = shape.parse::<f64>().map_err(|_| format!("shape={shape} is not a number"))?;
            Dist::weibull(shape_value, duration("scale", scale)?)
        }
        "uniform" => {
            let [min, max] = params(inner, ["min", "max"])?;
            Dist::uniform(duration("min", min)?, duration("max", max)?)
        }
        other => Err(format!(
            "unknown distribution {other:?}; expected const, exponential, lognormal, gamma, weibull, uniform, empirical or never"
        )),
    }
}

/// Splits `key=value, key=value` into the values of exactly the `names`, in that order.
fn params<'a, const N: usize>(inner: &'a str, names: [&str; N]) -> Result<[&'a str; N], String> {
    let mut found: [Option<&str>; N] = [None; N];
    let expected = names.join(" and ");
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(format!("expected key=value parameters ({expected}), got {part:?}"));
        };
        let key = key.trim();
        let Some(i) = names.iter().position(|n| *n == key) else {
            return Err(format!("unknown parameter {key:?}; expected {expected}"));
        };
        if found[i].replace(value.trim()).is_some() {
            return Err(format!("{key} is given twice"));
        }
    }
    let mut out = [""; N];
    for (i, slot) in found.iter().enumerate() {
        out[i] = slot.ok_or_else(|| format!("missing {}", names[i]))?;
    }
    Ok(out)
}

/// `empirical([1.5, 2, 30])` or `empirical("file.csv")`.
fn empirical(inner: &str, base_dir: &Path) -> Result<Dist, String> {
    if let Some(list) = inner.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
        let values = list
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| parse_duration(v).map_err(|_| format!("{v:?} is not a duration")))
            .collect::<Result<Vec<f64>, String>>()?;
        return Dist::empirical(values);
    }
    let unquoted = ['"', '\''].iter().find_map(|q| inner.strip_prefix(*q).and_then(|s| s.strip_suffix(*q)));
    let file = base_dir.join(unquoted.unwrap_or(inner));
    let values = read_first_column(&file)?;
    Dist::empirical(values).map_err(|e| format!("{}: {e}", file.display()))
}

/// Reads the first column of a CSV file as seconds; a non-numeric first line is a header.
fn read_first_column(file: &Path) -> Result<Vec<f64>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut values = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let line = record.position().map_or(i as u64 + 1, |p| p.line());
        let cell = record.get(0).unwrap_or("");
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => values.push(v + 0.0),
            Err(_) if i == 0 => {} // a header: the first line, not a number at all
            _ => {
                return Err(format!(
                    "{}:{line}: expected a number of seconds >= 0 in the first column, got {cell:?}",
                    file.display()
                ));
            }
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn parse(s: &str) -> Result<Dist, String> {
        parse_dist(s, Path::new(env!("CARGO_MANIFEST_DIR")))
    }

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(20261128);
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match() {
        let cases = [
            ("45s", 45.0),
            ("const(45s)", 45.0),
            ("exponential(mean=4m)", 240.0),
            ("lognormal(mean=7m, sd=4m)", 420.0),
            ("gamma(mean=7m, sd=4m)", 420.0),
            ("gamma(mean=30s, sd=60s)", 30.0),
            ("weibull(shape=1.5, scale=2m)", 120.0 * 0.902_745_292_950_933_6),
            ("weibull(shape=1, scale=2m)", 120.0),
            ("uniform(min=10s, max=50s)", 30.0),
            ("empirical([10, 20, 60])", 30.0),
        ];
        for (text, want) in cases {
            let d = parse(text).unwrap();
            assert!((d.mean() - want).abs() < 1e-9 * want, "{text}: mean() {} vs {want}", d.mean());
            let got = sample_mean(&d, 100_000);
            assert!((got - want).abs() < 0.01 * want, "{text}: sample mean {got} vs {want}");
        }
    }

    #[test]
    fn lognormal_and_gamma_sd() {
        for text in ["lognormal(mean=7m, sd=4m)", "gamma(mean=7m, sd=4m)"] {
            let d = parse(text).unwrap();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
            let xs: Vec<f64> = (0..100_000).map(|_| d.sample(&mut rng)).collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt();
            assert!((sd - 240.0).abs() < 0.03 * 240.0, "{text}: sd {sd}");
        }
    }

    #[test]
    fn sampling_is_deterministic() {
        let d = parse("gamma(mean=7m, sd=4m)").unwrap();
        let mut a = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut b = Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..1000 {
            assert_eq!(d.sample(&mut a), d.sample(&mut b));
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "45s",
            "1h30m",
            "12.5s",
            "exponential(mean=4m)",
            "lognormal(mean=7m, sd=4m)",
            "gamma(mean=7m, sd=0.1s)",
            "weibull(shape=1.5, scale=2m)",
            "weibull(shape=0.3333333333333333, scale=0.001s)",
            "uniform(min=0s, max=1m)",
            "empirical([1.5, 2, 30])",
            "never",
        ] {
            let d = parse(text).unwrap();
            assert_eq!(d.to_string(), text);
            assert_eq!(parse(&d.to_string()).unwrap(), d);
        }
        let d = Dist::lognormal(1.0 / 3.0, 0.1).unwrap();
        assert_eq!(parse(&d.to_string()).unwrap(), d);
        assert_eq!(parse("const( 45s )").unwrap(), Dist::Const(45.0));
        assert_eq!(parse("lognormal(sd=4m,mean=7m)").unwrap(), parse("lognormal(mean=7m, sd=4m)").unwrap());
        assert_eq!(parse("lognormal(mean=7m, sd=0s)").unwrap(), Dist::Const(420.0));
        assert!(parse("never").unwrap().is_never());
    }

    #[test]
    fn empirical_file() {
        let d = parse(r#"empirical("tests/data/empirical_handle.csv")"#).unwrap();
        assert_eq!(d, Dist::empirical(vec![30.0, 45.5, 60.0, 120.0]).unwrap());
        let d = parse("empirical(tests/data/empirical_noheader.csv)").unwrap();
        assert_eq!(d, Dist::empirical(vec![10.0, 20.0]).unwrap());
        let err = parse(r#"empirical("tests/data/missing.csv")"#).unwrap_err();
        assert!(err.contains("cannot read"), "{err}");
    }

    #[test]
    fn errors_say_what_is_expected() {
        let err = parse("lognormal(mean=7m)").unwrap_err();
        assert_eq!(
            err,
            r#"expected a duration like "45s" or a distribution like "lognormal(mean=7m, sd=4m)", got "lognormal(mean=7m)": missing sd"#
        );
        for (text, why) in [
            ("4x5", "got \"4x5\""),
            ("exponential(mean=0s)", "mean must be > 0"),
            ("exponential(avg=3m)", "unknown parameter"),
            ("exponential(mean=3m, mean=4m)", "twice"),
            ("lognormal(mean=0s, sd=1s)", "mean must be > 0"),
            ("weibull(shape=-1, scale=1m)", "shape must be > 0"),
            ("weibull(shape=x, scale=1m)", "not a number"),
            ("uniform(min=2m, max=1m)", "above max"),
            ("empirical([])", "no values"),
            ("empirical([1, -2])", "not a duration"),
            ("poisson(mean=3m)", "unknown distribution"),
            ("lognormal(mean=7m, sd=4m", "closing parenthesis"),
            ("const(-1s)", "not a duration"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.starts_with("expected a duration"), "{text}: {err}");
            assert!(err.contains(why), "{text}: {err}");
        }
    }
}
