//! Simulated time as an integer count of microseconds, so that results are
//! identical across machines and event order never depends on float rounding.

use std::fmt;

/// An instant of simulated time, in microseconds from the simulation origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub i64);

const MICROS: f64 = 1e6;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    /// The far future: a timer at `NEVER` is never scheduled.
    pub const NEVER: SimTime = SimTime(i64::MAX);

    /// The instant `secs` seconds after the origin, rounded to the microsecond.
    pub fn from_secs(secs: f64) -> SimTime {
        if secs >= (i64::MAX as f64) / MICROS { SimTime::NEVER } else { SimTime((secs * MICROS).round() as i64) }
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
}
