//! Poisson arrivals with a piecewise-constant rate per open interval,
//! generated one at a time by inverting the cumulative intensity: each gap
//! is an Exp(1) draw spent against the rate of successive intervals. The
//! draws come from the reason's own stream, so a reason's arrival times
//! depend on nothing but (seed, replication, reason) and its volumes.

use crate::engine::{SimDuration, SimTime, Stream};
use crate::scenario::{DayProfiles, Simulation};
use rand_distr::{Distribution, Exp1};

/// The arrival process of one reason over the whole run.
pub struct ArrivalProcess {
    /// Rate per microsecond in each open interval, per day profile.
    rates: Vec<Vec<f64>>,
    intervals: usize,
    /// The daily opening, from midnight.
    opening: SimDuration,
    interval_length: SimDuration,
    days: i64,
    rng: Stream,
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
            day: 0,
            interval: 0,
            at: sim.origin(),
        }
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
            let rate = self.rates[self.day as usize % self.rates.len()][self.interval];
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
            }
            self.at = self.interval_start(self.interval);
        }
        None
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
