//! Simulated time as an integer count of microseconds, so that results are
//! identical across machines and event order never depends on float rounding.
//! [`SimTime`] is an instant, [`SimDuration`] the span between two; every
//! conversion between them and seconds, and every rounding of seconds to
//! microseconds, is here.

use std::fmt;
use std::ops::{Add, Div, Mul, Sub};

/// An instant of simulated time, in microseconds from the simulation origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub i64);

/// A span of simulated time, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(i64);

const MICROS: f64 = 1e6;
/// Microseconds in a second.
pub(super) const SEC_US: i64 = 1_000_000;
/// Seconds in a day.
pub const DAY_SECS: u32 = 86_400;
/// Microseconds in a day.
pub(super) const DAY_US: i64 = DAY_SECS as i64 * SEC_US;

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    /// The resolution of simulated time.
    pub const MICROSECOND: SimDuration = SimDuration(1);
    pub const DAY: SimDuration = SimDuration(DAY_US);
    /// The longest span: from the origin to [`SimTime::NEVER`].
    pub const MAX: SimDuration = SimDuration(i64::MAX);

    pub const fn from_micros(micros: i64) -> SimDuration {
        SimDuration(micros)
    }

    /// `secs` whole seconds (exact).
    pub const fn from_whole_secs(secs: i64) -> SimDuration {
        SimDuration(secs * SEC_US)
    }

    /// `secs` seconds rounded to the nearest microsecond (halves away from
    /// zero); [`SimDuration::MAX`] from the largest that fits on.
    pub fn from_secs(secs: f64) -> SimDuration {
        if secs >= (i64::MAX as f64) / MICROS { SimDuration::MAX } else { SimDuration(round_to_i64(secs * MICROS)) }
    }

    /// `micros` microseconds rounded to the nearest (halves away from zero),
    /// for processes that count in microseconds (a rate per microsecond).
    pub fn from_micros_rounded(micros: f64) -> SimDuration {
        SimDuration(round_to_i64(micros))
    }

    /// `secs` seconds rounded up to the microsecond: an event due after
    /// this much work never comes before the work is done.
    pub fn from_secs_ceil(secs: f64) -> SimDuration {
        SimDuration(ceil_to_i64(secs * MICROS))
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    /// In seconds.
    pub fn secs(self) -> f64 {
        self.0 as f64 / MICROS
    }

    /// Whole seconds, the fraction dropped (toward zero).
    pub const fn whole_secs(self) -> i64 {
        self.0 / SEC_US
    }
}

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    /// The far future: a timer at `NEVER` is never scheduled.
    pub const NEVER: SimTime = SimTime(i64::MAX);
    /// Before every instant (the end of a warm-up there is none of).
    pub const PAST: SimTime = SimTime(i64::MIN);

    /// The instant `secs` seconds after the origin, rounded to the microsecond.
    pub fn from_secs(secs: f64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    /// The instant `secs` whole seconds after the origin (exact).
    pub const fn from_whole_secs(secs: i64) -> SimTime {
        SimTime(secs * SEC_US)
    }

    /// The instant `secs` seconds into day `day` (both from the origin's midnight).
    pub const fn of_day(day: u32, secs: u32) -> SimTime {
        SimTime(day as i64 * DAY_US + secs as i64 * SEC_US)
    }

    /// Seconds since the origin.
    pub fn secs(self) -> f64 {
        self.0 as f64 / MICROS
    }

    /// This instant plus `d` (saturating at [`SimTime::NEVER`]).
    pub fn after(self, d: SimDuration) -> SimTime {
        if self == SimTime::NEVER {
            return SimTime::NEVER;
        }
        SimTime(self.0.saturating_add(d.0))
    }

    /// This instant plus a duration in seconds (saturating at [`SimTime::NEVER`]).
    pub fn after_secs(self, secs: f64) -> SimTime {
        if !secs.is_finite() {
            return SimTime::NEVER;
        }
        self.after(SimDuration::from_secs(secs))
    }

    /// Seconds from `earlier` to `self`.
    pub fn secs_since(self, earlier: SimTime) -> f64 {
        (self - earlier).secs()
    }

    /// The day this instant falls in, counted from the origin's midnight
    /// (negative before it).
    pub const fn day(self) -> i64 {
        self.0.div_euclid(DAY_US)
    }

    /// The time since midnight of [`SimTime::day`].
    pub const fn time_of_day(self) -> SimDuration {
        SimDuration(self.0.rem_euclid(DAY_US))
    }

    /// The start of the `step`-long interval holding this instant, on the
    /// grid of `step`s from the origin's midnight.
    pub const fn floor(self, step: SimDuration) -> SimTime {
        SimTime(self.0.div_euclid(step.0) * step.0)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0 + d.0)
    }
}

impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    fn sub(self, d: SimDuration) -> SimTime {
        SimTime(self.0 - d.0)
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0 - earlier.0)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0 + d.0)
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0 - d.0)
    }
}

impl Mul<i64> for SimDuration {
    type Output = SimDuration;
    fn mul(self, n: i64) -> SimDuration {
        SimDuration(self.0 * n)
    }
}

/// How many whole `d`s fit in this span (toward zero).
impl Div for SimDuration {
    type Output = i64;
    fn div(self, d: SimDuration) -> i64 {
        self.0 / d.0
    }
}

/// Beyond this magnitude every `f64` is an integer.
const INTEGRAL: f64 = 4_503_599_627_370_496.0; // 2^52

/// `x.round() as i64`, exactly, for every `x` (rounding half away from
/// zero; NaN gives 0, out of range saturates). Baseline x86-64 has no
/// rounding instruction, and the library `round` costs several times this.
fn round_to_i64(x: f64) -> i64 {
    if x.abs() < INTEGRAL {
        let t = x as i64; // toward zero
        let frac = x - t as f64; // exact below 2^52
        if frac >= 0.5 {
            t + 1
        } else if frac <= -0.5 {
            t - 1
        } else {
            t
        }
    } else {
        x as i64 // already integral
    }
}

/// `x.ceil() as i64`, exactly, for every `x` (see [`round_to_i64`]).
fn ceil_to_i64(x: f64) -> i64 {
    if x.abs() < INTEGRAL {
        let t = x as i64; // toward zero
        if (t as f64) < x { t + 1 } else { t }
    } else {
        x as i64 // already integral
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip_to_the_microsecond() {
        let t = SimTime::from_secs(12.345_678_9);
        assert_eq!(t.0, 12_345_679);
        assert_eq!(SimTime::from_secs(3.5).after_secs(1.25).secs(), 4.75);
        assert_eq!(SimTime::ZERO.after_secs(f64::INFINITY), SimTime::NEVER);
        assert_eq!(SimTime::from_secs(10.0).secs_since(SimTime::from_secs(4.0)), 6.0);
        assert_eq!(SimTime::from_secs(1e300), SimTime::NEVER);
        assert_eq!(SimDuration::from_secs(-2.5e-6).micros(), -3);
        assert_eq!(SimDuration::from_secs_ceil(1.000_000_1).micros(), 1_000_001);
    }

    #[test]
    fn days_intervals_and_spans() {
        let t = SimTime::of_day(2, 9 * 3600 + 1799);
        assert_eq!((t.day(), t.time_of_day().whole_secs()), (2, 9 * 3600 + 1799));
        let half_hour = SimDuration::from_whole_secs(1800);
        assert_eq!(t.floor(half_hour), SimTime::of_day(2, 9 * 3600));
        assert_eq!(SimDuration::DAY / half_hour, 48);
        assert_eq!(t - t.floor(half_hour), half_hour - SimDuration::from_whole_secs(1));
        let before = SimTime(-1);
        assert_eq!((before.day(), before.time_of_day()), (-1, SimDuration::DAY - SimDuration::MICROSECOND));
        assert_eq!(SimTime::NEVER.after(SimDuration::from_micros(-5)), SimTime::NEVER);
        assert_eq!(SimTime(i64::MAX - 1).after(half_hour), SimTime::NEVER);
    }

    #[test]
    fn integer_rounding_matches_the_library() {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_497.0,
            9.3e18,
            -9.3e18,
            1e300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut rng = 3u64;
        for _ in 0..100_000 {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let bits = rng >> 1;
            values.push(f64::from_bits(bits)); // any magnitude
            values.push((rng >> 11) as f64 / 1024.0 - 4e12); // many halves and fractions
        }
        for x in values {
            assert_eq!(round_to_i64(x), x.round() as i64, "round {x}");
            assert_eq!(ceil_to_i64(x), x.ceil() as i64, "ceil {x}");
            assert_eq!(round_to_i64(-x), (-x).round() as i64, "round {}", -x);
            assert_eq!(ceil_to_i64(-x), (-x).ceil() as i64, "ceil {}", -x);
        }
    }
}
