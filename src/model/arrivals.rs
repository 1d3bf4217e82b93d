//! Poisson arrivals with a piecewise-constant rate per open interval,
//! generated one at a time by inverting the cumulative intensity: each gap
//! is an Exp(1) draw spent against the rate of successive intervals. The
//! draws come from the reason's own stream, so a reason's arrival times
//! depend on nothing but (seed, replication, reason), its volumes and its
//! forecast error.
//!
//! Forecast error (docs/design.md §2.10) multiplies each day's rates by the
//! product of gamma multipliers with mean 1: the reason's own (`volume_cv`),
//! the one every reason shares (`[forecast_error] cv`) and, per open
//! interval, an independent one (`per_interval_cv`). Each comes from its own
//! stream keyed by day (and reason, and interval by position), never from
//! the arrival stream, so changing one CV leaves every other draw alone.

use super::draws;
use crate::engine::{KeyPrefix, SimDuration, SimTime, Stream, stream};
use crate::scenario::{DayProfiles, Scenario, Simulation};
use rand_distr::{Distribution, Exp1, Gamma};

/// The arrival process of one reason over the whole run.
#[derive(Clone)]
pub struct ArrivalProcess {
    /// Rate per microsecond in each open interval, per day profile.
    /// (Shared: a snapshot of the run copies no rates.)
    rates: std::sync::Arc<[Vec<f64>]>,
    intervals: usize,
    /// The daily opening, from midnight.
    opening: SimDuration,
    interval_length: SimDuration,
    days: i64,
    rng: Stream,
    /// The forecast-error multipliers; `None` when every CV is 0 (then the
    /// rates are used as given, not multiplied by 1).
    noise: Option<VolumeNoise>,
    /// Position: day, interval, and instant within the day's timeline.
    day: i64,
    interval: usize,
    at: SimTime,
}

impl ArrivalProcess {
    pub fn new(volume: &DayProfiles<f64>, sim: &Simulation, rng: Stream) -> Self {
        let interval_length = sim.interval_length();
        let micros = interval_length.micros() as f64;
        ArrivalProcess {
            rates: volume.profiles().iter().map(|p| p.iter().map(|v| v / micros).collect()).collect(),
            intervals: sim.open_intervals(),
            opening: SimDuration::from_whole_secs(sim.start.into()),
            interval_length,
            days: sim.days as i64,
            rng,
            noise: None,
            day: 0,
            interval: 0,
            at: sim.origin(),
        }
    }

    /// The arrivals of reason `reason` in replication `replication` of `sc`
    /// run with `seed`, with the reason's forecast error.
    pub fn for_reason(sc: &Scenario, reason: usize, seed: u64, replication: u32) -> Self {
        let rng = stream(&[seed, replication as u64, draws::ARRIVALS, reason as u64]);
        let mut p = ArrivalProcess::new(&sc.reasons[reason].volume, &sc.simulation, rng);
        p.noise = VolumeNoise::new(sc, reason, seed, replication);
        if let Some(noise) = &mut p.noise {
            noise.begin_day(0);
        }
        p
    }

    /// The start of open interval `i` of the current day.
    fn interval_start(&self, i: usize) -> SimTime {
        SimTime::ZERO + SimDuration::DAY * self.day + self.opening + self.interval_length * i as i64
    }

    /// The next arrival instant, or `None` after the last day's end.
    pub fn next_arrival(&mut self) -> Option<SimTime> {
        if self.rates.iter().flatten().all(|&r| r <= 0.0) {
            return None;
        }
        let mut need: f64 = Exp1.sample(&mut self.rng);
        while self.day < self.days {
            let mut rate = self.rates[self.day as usize % self.rates.len()][self.interval];
            if let Some(noise) = &self.noise {
                rate *= noise.factors[self.interval];
            }
            let interval_end = self.interval_start(self.interval + 1);
            let room = (interval_end - self.at).micros() as f64;
            if rate > 0.0 && need <= rate * room {
                let gap = SimDuration::from_micros_rounded(need / rate);
                self.at = (self.at + gap).min(interval_end - SimDuration::MICROSECOND);
                return Some(self.at);
            }
            need -= rate * room;
            self.interval += 1;
            if self.interval == self.intervals {
                self.interval = 0;
                self.day += 1;
                if let (Some(noise), true) = (&mut self.noise, self.day < self.days) {
                    noise.begin_day(self.day as u64);
                }
            }
            self.at = self.interval_start(self.interval);
        }
        None
    }
}

/// A gamma distribution with mean 1 and coefficient of variation `cv`
/// (shape 1/cv², scale cv²); `None` for 0, which means exactly 1.
fn mean_one_gamma(cv: f64) -> Option<Gamma<f64>> {
    let v = cv * cv;
    // A CV whose square underflows varies nothing.
    if v > 0.0 { Gamma::new(1.0 / v, v).ok() } else { None }
}

/// One draw of `g` from a stream of its own, or 1 without a distribution.
fn multiplier(g: &Option<Gamma<f64>>, key: KeyPrefix) -> f64 {
    g.as_ref().map_or(1.0, |g| g.sample(&mut key.stream()))
}

/// One reason's forecast-error multipliers, drawn at the start of each day.
#[derive(Clone)]
struct VolumeNoise {
    /// The reason's daily multiplier, from (seed, replication, `forecast_reason`, reason, day).
    reason: Option<Gamma<f64>>,
    reason_key: KeyPrefix,
    /// The shared daily multiplier, from (seed, replication, `forecast_shared`, day):
    /// the same draw for every reason.
    shared: Option<Gamma<f64>>,
    shared_key: KeyPrefix,
    /// Each open interval's multiplier, the interval's draw in order from
    /// (seed, replication, `forecast_interval`, reason, day).
    interval: Option<Gamma<f64>>,
    interval_key: KeyPrefix,
    /// The current day's multiplier of each open interval (the product).
    factors: Vec<f64>,
}

impl VolumeNoise {
    /// `None` when every multiplier of the reason is exactly 1.
    fn new(sc: &Scenario, reason: usize, seed: u64, replication: u32) -> Option<Self> {
        let fe = &sc.forecast_error;
        let (own, shared, interval) =
            (mean_one_gamma(sc.reasons[reason].volume_cv), mean_one_gamma(fe.cv), mean_one_gamma(fe.per_interval_cv));
        if own.is_none() && shared.is_none() && interval.is_none() {
            return None;
        }
        let key = |purpose: u64| KeyPrefix::of(&[seed, replication as u64, purpose]);
        Some(VolumeNoise {
            reason: own,
            reason_key: key(draws::FORECAST_REASON).then(reason as u64),
            shared,
            shared_key: key(draws::FORECAST_SHARED),
            interval,
            interval_key: key(draws::FORECAST_INTERVAL).then(reason as u64),
            factors: vec![1.0; sc.simulation.open_intervals()],
        })
    }

    /// Draws day `day`'s multipliers.
    fn begin_day(&mut self, day: u64) {
        let daily =
            multiplier(&self.reason, self.reason_key.then(day)) * multiplier(&self.shared, self.shared_key.then(day));
        match &self.interval {
            None => self.factors.fill(daily),
            Some(g) => {
                let mut rng = self.interval_key.then(day).stream();
                for f in &mut self.factors {
                    *f = daily * g.sample(&mut rng);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    #[test]
    fn counts_follow_the_volumes_and_stay_in_opening_hours() {
        // 2 intervals of 1 h from 08:00: 100 then 300 expected chats, over 50 days.
        let sim = Simulation {
            start: 8 * 3600,
            end: 10 * 3600,
            days: 50,
            interval: 3600,
            warmup: 0.0,
            replications: 1,
            seed: 1,
            first_date: None,
        };
        let mut p = ArrivalProcess::new(&DayProfiles::every_day(vec![100.0, 300.0]), &sim, stream(&[7]));
        let (mut first, mut second) = (0, 0);
        while let Some(t) = p.next_arrival() {
            let tod = t.time_of_day().whole_secs();
            assert!((8 * 3600..10 * 3600).contains(&tod), "{tod}");
            if tod < 9 * 3600 { first += 1 } else { second += 1 }
        }
        // Poisson totals: 5000 ± 3·71 and 15000 ± 3·122.
        assert!((first as f64 - 5000.0).abs() < 213.0, "{first}");
        assert!((second as f64 - 15000.0).abs() < 367.0, "{second}");
    }
}

/// Forecast error against theory: a day's count N of a reason with expected
/// λ and a daily gamma multiplier M (mean 1, CV c) is Poisson(λM), so
/// Var N = λ + c²λ²; two reasons sharing M have Cov = c²λ₁λ₂.
///
/// Each check compares a sample moment over n (replication, day) pairs with
/// its theoretical value within 4 standard errors, the standard error from
/// the moment's asymptotic normal law with the sample's own higher moments:
/// Var(s²) ≈ (m₄ − s⁴)/n, Var(s_xy) ≈ (E[(x−x̄)²(y−ȳ)²] − s_xy²)/n (a false
/// alarm about once in 16,000). Each also checks that the interval excludes
/// the value without forecast error, so it could fail.
#[cfg(test)]
mod forecast_error {
    use super::*;
    use crate::scenario::parse_str;
    use std::path::Path;

    /// Two reasons over two 1-hour intervals: billing 60 + 140 = 200 a day,
    /// tech 30 + 70 = 100 a day.
    fn scenario(billing: &str, extra: &str) -> Scenario {
        let text = format!(
            r#"
name = "fe"
[simulation]
start = "08:00"
end = "10:00"
interval = "60m"
days = 8
{extra}
[[reasons]]
name = "billing"
skill = "s"
volume = [60, 140]
handle = "1m"
{billing}
[[reasons]]
name = "tech"
skill = "s"
volume = [30, 70]
handle = "1m"
[[groups]]
name = "g"
skills = ["s"]
agents = 1
"#
        );
        parse_str(&text, Path::new("fe.toml")).unwrap()
    }

    /// Per reason, the arrivals of every (replication, day) pair, and their instants.
    fn counts(sc: &Scenario, replications: u32) -> Vec<Vec<[f64; 2]>> {
        let days = sc.simulation.days as usize;
        (0..sc.reasons.len())
            .map(|r| {
                let mut out = Vec::new();
                for rep in 0..replications {
                    let mut per_day = vec![[0.0; 2]; days];
                    let mut p = ArrivalProcess::for_reason(sc, r, 42, rep);
                    while let Some(t) = p.next_arrival() {
                        let i = usize::from(t.time_of_day().whole_secs() >= 9 * 3600);
                        per_day[t.day() as usize][i] += 1.0;
                    }
                    out.extend(per_day);
                }
                out
            })
            .collect()
    }

    fn day_totals(c: &[[f64; 2]]) -> Vec<f64> {
        c.iter().map(|d| d[0] + d[1]).collect()
    }

    /// The sample covariance of x and y and its standard error.
    fn covariance(x: &[f64], y: &[f64]) -> (f64, f64) {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let d: Vec<(f64, f64)> = x.iter().zip(y).map(|(a, b)| (a - mx, b - my)).collect();
        let s = d.iter().map(|(a, b)| a * b).sum::<f64>() / (n - 1.0);
        let m22 = d.iter().map(|(a, b)| a * a * b * b).sum::<f64>() / n;
        (s, ((m22 - s * s) / n).sqrt())
    }

    #[track_caller]
    fn agrees(what: &str, (estimate, se): (f64, f64), expected: f64, without: f64) {
        assert!((estimate - expected).abs() <= 4.0 * se, "{what}: {estimate} ± {se}, expected {expected}");
        assert!((without - expected).abs() > 8.0 * se, "{what}: the test cannot tell {expected} from {without}");
    }

    #[test]
    fn a_reasons_daily_count_has_variance_lambda_plus_c2_lambda2() {
        let c = 0.25;
        let sc = scenario(&format!("volume_cv = {c}"), "");
        let n = counts(&sc, 500);
        let billing = day_totals(&n[0]);
        let mean = billing.iter().sum::<f64>() / billing.len() as f64;
        assert!((mean - 200.0).abs() < 4.0 * (2700.0f64 / 4000.0).sqrt(), "mean {mean}");
        agrees("billing", covariance(&billing, &billing), 200.0 + c * c * 200.0 * 200.0, 200.0);
        // tech has no forecast error: Poisson, and independent of billing.
        let tech = day_totals(&n[1]);
        let v = covariance(&tech, &tech);
        assert!((v.0 - 100.0).abs() <= 4.0 * v.1, "tech {v:?}");
        let cov = covariance(&billing, &tech);
        assert!(cov.0.abs() <= 4.0 * cov.1, "independent reasons covary: {cov:?}");
    }

    #[test]
    fn a_shared_multiplier_makes_reasons_covary_by_c2_lambda1_lambda2() {
        let c = 0.2;
        let sc = scenario("", &format!("[forecast_error]\ncv = {c}"));
        let n = counts(&sc, 500);
        let (billing, tech) = (day_totals(&n[0]), day_totals(&n[1]));
        agrees("billing and tech", covariance(&billing, &tech), c * c * 200.0 * 100.0, 0.0);
        agrees("tech", covariance(&tech, &tech), 100.0 + c * c * 100.0 * 100.0, 100.0);
    }

    #[test]
    fn the_reasons_and_the_shared_multiplier_compound() {
        let (a, b) = (0.2, 0.15);
        let sc = scenario(&format!("volume_cv = {a}"), &format!("[forecast_error]\ncv = {b}"));
        let c2 = a * a + b * b + a * a * b * b;
        assert!((sc.forecast_error.day_cv(a).powi(2) - c2).abs() < 1e-12);
        let n = counts(&sc, 500);
        let billing = day_totals(&n[0]);
        agrees("billing", covariance(&billing, &billing), 200.0 + c2 * 200.0 * 200.0, 200.0 + b * b * 200.0 * 200.0);
    }

    #[test]
    fn per_interval_error_adds_p2_times_the_sum_of_squared_interval_volumes() {
        let p = 0.4;
        let sc = scenario("", &format!("[forecast_error]\nper_interval_cv = {p}"));
        let n = counts(&sc, 500);
        let billing = day_totals(&n[0]);
        let expected = sc.forecast_error.day_count_variance(0.0, &[60.0, 140.0]);
        assert_eq!(expected, 200.0 + p * p * (60.0 * 60.0 + 140.0 * 140.0));
        agrees("billing", covariance(&billing, &billing), expected, 200.0 + p * p * 200.0 * 200.0);
        // Independent across intervals and reasons.
        let (first, second): (Vec<f64>, Vec<f64>) = n[0].iter().map(|d| (d[0], d[1])).unzip();
        let cov = covariance(&first, &second);
        assert!(cov.0.abs() <= 4.0 * cov.1, "intervals covary: {cov:?}");
        let cov = covariance(&billing, &day_totals(&n[1]));
        assert!(cov.0.abs() <= 4.0 * cov.1, "reasons covary: {cov:?}");
    }

    #[test]
    fn changing_one_reasons_cv_leaves_the_other_reasons_arrivals_alone() {
        let arrivals = |sc: &Scenario, r: usize| {
            let mut p = ArrivalProcess::for_reason(sc, r, 7, 3);
            std::iter::from_fn(|| p.next_arrival()).collect::<Vec<_>>()
        };
        let off = scenario("", "");
        let on = scenario("volume_cv = 0.3", "");
        let zero = scenario("volume_cv = 0", "[forecast_error]\ncv = 0\nper_interval_cv = 0");
        assert_eq!(arrivals(&off, 1), arrivals(&on, 1), "tech moved when billing's CV changed");
        assert_ne!(arrivals(&off, 0), arrivals(&on, 0), "billing's CV changed nothing");
        assert_eq!(arrivals(&off, 0), arrivals(&zero, 0), "CV 0 is not the same as no key");
        // A shared multiplier moves both, and the same way on the same day.
        let shared = scenario("volume_cv = 0.3", "[forecast_error]\ncv = 0.2");
        let more = scenario("volume_cv = 0.5", "[forecast_error]\ncv = 0.2");
        assert_ne!(arrivals(&off, 1), arrivals(&shared, 1));
        assert_eq!(arrivals(&shared, 1), arrivals(&more, 1), "tech moved when billing's own CV changed");
    }
}
