//! Simulated time as an integer count of microseconds, so that results are
//! identical across machines and event order never depends on float rounding.

use std::fmt;

/// An instant of simulated time, in microseconds from the simulation origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub i64);

const MICROS: f64 = 1e6;
/// Microseconds in a second.
pub const SEC_US: i64 = 1_000_000;
/// Microseconds in a day.
pub const DAY_US: i64 = 86_400 * SEC_US;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    /// The far future: a timer at `NEVER` is never scheduled.
    pub const NEVER: SimTime = SimTime(i64::MAX);

    /// The instant `secs` seconds after the origin, rounded to the microsecond.
    pub fn from_secs(secs: f64) -> SimTime {
        if secs >= (i64::MAX as f64) / MICROS { SimTime::NEVER } else { SimTime(round_to_i64(secs * MICROS)) }
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

    /// This instant plus a duration in seconds (saturating at [`SimTime::NEVER`]).
    pub fn after_secs(self, secs: f64) -> SimTime {
        if !secs.is_finite() || self == SimTime::NEVER {
            return SimTime::NEVER;
        }
        SimTime(self.0.saturating_add(SimTime::from_secs(secs).0))
    }

    /// Seconds from `earlier` to `self`.
    pub fn secs_since(self, earlier: SimTime) -> f64 {
        (self.0 - earlier.0) as f64 / MICROS
    }
}

/// Beyond this magnitude every `f64` is an integer.
const INTEGRAL: f64 = 4_503_599_627_370_496.0; // 2^52

/// `x.round() as i64`, exactly, for every `x` (rounding half away from
/// zero; NaN gives 0, out of range saturates). Baseline x86-64 has no
/// rounding instruction, and the library `round` costs several times this.
pub fn round_to_i64(x: f64) -> i64 {
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
pub fn ceil_to_i64(x: f64) -> i64 {
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
