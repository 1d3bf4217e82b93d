//! Staffing as a timeline of logged-in counts per group over a day.
//!
//! Every staffing form becomes the same thing: the instants of the day at
//! which a group's scheduled count changes. Shifts are summed (agents are
//! interchangeable; when a count drops, the agents holding the fewest chats
//! leave first), and end at the day's `end`, when the center drains.

use crate::scenario::{Simulation, Staffing};

/// Day `day`'s (seconds after midnight, scheduled agents from then on), in time order.
pub fn day_timeline(staffing: &Staffing, sim: &Simulation, day: u32) -> Vec<(u32, u32)> {
    points(staffing, sim, day, true)
}

/// [`day_timeline`] with a point at every instant a count is set, even to
/// the count before (each interval's start for a list per interval): the
/// center schedules one staffing event a point, so a resumed trial can set
/// any interval's count after the day began (a point whose count equals
/// the one before changes nothing).
pub fn day_points(staffing: &Staffing, sim: &Simulation, day: u32) -> Vec<(u32, u32)> {
    points(staffing, sim, day, false)
}

fn points(staffing: &Staffing, sim: &Simulation, day: u32, changes_only: bool) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    let mut push = |t: u32, n: u32| match out.last_mut() {
        Some(last) if last.0 == t => last.1 = n,
        Some(last) if changes_only && last.1 == n => {}
        _ => out.push((t, n)),
    };
    match staffing {
        Staffing::Constant(n) => push(sim.start, *n),
        Staffing::PerInterval(counts) => {
            for (i, &n) in counts.day(day).iter().enumerate() {
                push(sim.interval_start(i), n);
            }
        }
        Staffing::Shifts(shifts) => {
            // A shift worked on other days counts nowhere; its agents stay
            // on duty through its breaks, which the center gives them as
            // breaks (docs/design.md §2 item 9).
            let today: Vec<_> = shifts.iter().filter(|s| s.on_day(day)).collect();
            let mut points: Vec<u32> = today.iter().flat_map(|s| [s.start, s.end]).filter(|&t| t < sim.end).collect();
            points.sort_unstable();
            points.dedup();
            for t in points {
                let n = today.iter().filter(|s| s.start <= t && t < s.end).map(|s| s.agents).sum();
                push(t, n);
            }
        }
    }
    out
}

/// The most agents a staffing ever schedules, on any day.
pub fn peak(staffing: &Staffing, sim: &Simulation) -> u32 {
    let days = match staffing {
        Staffing::PerInterval(p) => p.profiles().len() as u32,
        Staffing::Shifts(shifts) if shifts.iter().any(|s| s.days.is_some()) => sim.days,
        _ => 1,
    };
    (0..days).flat_map(|d| day_timeline(staffing, sim, d)).map(|(_, n)| n).max().unwrap_or(0)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::scenario::{DayProfiles, Shift, ShiftBreak};

    fn shift(start: u32, end: u32, agents: u32) -> Shift {
        Shift { start, end, agents, days: None, breaks: Vec::new() }
    }

    #[test]
    fn a_shifts_agents_stay_on_duty_through_its_breaks_and_days_pick_the_shifts_of_a_day() {
        let h = |x: f64| (x * 3600.0) as u32;
        let mut a = shift(h(8.0), h(16.0), 3);
        a.breaks = vec![ShiftBreak { start: h(12.0), length: 1800 }];
        let mut b = shift(h(10.0), h(14.0), 2);
        b.days = Some(vec![1]);
        let staffing = Staffing::Shifts(vec![a, b]);
        let sim = Simulation { days: 2, ..sim() };
        assert_eq!(day_timeline(&staffing, &sim, 0), vec![(h(8.0), 3), (h(16.0), 0)]);
        assert_eq!(day_timeline(&staffing, &sim, 1), vec![(h(8.0), 3), (h(10.0), 5), (h(14.0), 3), (h(16.0), 0)]);
        assert_eq!(peak(&staffing, &sim), 5);
    }

    /// One day open 08:00–20:00 in 30-minute intervals (the breaks tests use it too).
    pub(in crate::model) fn sim() -> Simulation {
        Simulation {
            start: 8 * 3600,
            end: 20 * 3600,
            days: 1,
            interval: 1800,
            warmup: 0.0,
            replications: 1,
            seed: 1,
            first_date: None,
        }
    }

    #[test]
    fn overlapping_shifts_add_up() {
        let h = |x: f64| (x * 3600.0) as u32;
        let shifts = vec![shift(h(7.5), h(16.5), 8), shift(h(11.5), h(20.0), 6)];
        let staffing = Staffing::Shifts(shifts);
        let t = day_timeline(&staffing, &sim(), 0);
        assert_eq!(t, vec![(h(7.5), 8), (h(11.5), 14), (h(16.5), 6)]);
        assert_eq!(peak(&staffing, &sim()), 14);
    }

    #[test]
    fn interval_lists_change_only_where_the_count_changes() {
        let t = day_timeline(&Staffing::PerInterval(DayProfiles::every_day(vec![2, 2, 3, 1])), &sim(), 0);
        assert_eq!(t, vec![(8 * 3600, 2), (9 * 3600, 3), (9 * 3600 + 1800, 1)]);
        let per_day = Staffing::PerInterval(DayProfiles::per_day(vec![vec![1, 1, 1, 1], vec![4, 4, 0, 0]]));
        assert_eq!(day_timeline(&per_day, &sim(), 1), vec![(8 * 3600, 4), (9 * 3600, 0)]);
        assert_eq!(peak(&per_day, &sim()), 4);
    }
}
