//! The day's plan of a group's staggered breaks (docs/design.md §2 item 9).
//!
//! Agents have no identity across a day (staffing is a timeline of counts),
//! so breaks are planned on the day's *shifts*: a group's declared `shifts`
//! when it has them (cut at the day's `end`), else the spans of its agent
//! slots (slot i is scheduled while the count exceeds i; each maximal span is
//! a shift). Each shift that holds a staggered break's window gets one such
//! break, placed greedily in shift-start order (then slot or shift order) at
//! the earliest start on a one-minute grid inside the window where the
//! breaks already planned leave room under the cap: at most
//! ⌊`max_on_break` × scheduled count⌋ (at least 1) away at every minute the
//! break touches. When no start has room, the least crowded start takes it
//! (the earliest on a tie) and the plan says so. No random draw is made, so
//! common random numbers are untouched.

use super::staffing::day_timeline;
use crate::scenario::{BreakAt, Group, Simulation, Staffing};

const MINUTES: usize = 24 * 60;

/// One break of the day's plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlannedBreak {
    /// Seconds after midnight.
    pub start: f64,
    /// Seconds.
    pub length: f64,
    /// The index of its rule in the group's `breaks`.
    pub rule: usize,
}

/// A break the plan could place only above the cap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crowded {
    /// The shift's start, seconds after midnight.
    pub shift_start: u32,
    pub rule: usize,
    /// Its start in the plan, seconds after midnight.
    pub start: f64,
    /// The most agents away at once during it (itself included), and the cap there.
    pub away: u32,
    pub cap: u32,
}

/// A group's staggered breaks on one day, in start order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BreakPlan {
    pub breaks: Vec<PlannedBreak>,
    pub crowded: Vec<Crowded>,
}

/// The shifts of `timeline` (from, to) in seconds after midnight: for slot
/// i, each maximal span where the count exceeds i, cut at `end`; in order
/// of start, then slot.
fn slot_spans(timeline: &[(u32, u32)], end: u32) -> Vec<(u32, u32)> {
    let peak = timeline.iter().map(|p| p.1).max().unwrap_or(0);
    let mut out = Vec::new();
    for slot in 0..peak {
        let mut since: Option<u32> = None;
        for &(t, n) in timeline {
            if t >= end {
                break;
            }
            match (since, n > slot) {
                (None, true) => since = Some(t),
                (Some(s), false) => {
                    out.push((s, t));
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(s) = since {
            out.push((s, end));
        }
    }
    out.sort_by_key(|&(s, _)| s);
    out
}

/// Day `day`'s shifts: the declared ones worked that day (one per agent, cut at `end`), else the slot spans.
fn shifts(staffing: &Staffing, timeline: &[(u32, u32)], sim: &Simulation, day: u32) -> Vec<(u32, u32)> {
    match staffing {
        Staffing::Shifts(shifts) => {
            let mut out: Vec<(u32, u32)> = shifts
                .iter()
                .filter(|s| s.start < sim.end && s.on_day(day))
                .flat_map(|s| std::iter::repeat_n((s.start, s.end.min(sim.end)), s.agents as usize))
                .collect();
            out.sort_by_key(|&(s, _)| s);
            out
        }
        _ => slot_spans(timeline, sim.end),
    }
}

/// The scheduled count at the least of each minute of the day (0 before the
/// first change and from `end` on).
fn minute_counts(timeline: &[(u32, u32)], end: u32) -> Vec<u32> {
    let mut counts = vec![0u32; MINUTES];
    for (m, c) in counts.iter_mut().enumerate() {
        let (from, to) = ((m * 60) as u32, (m * 60 + 60) as u32);
        let at = |x: u32| if x >= end { 0 } else { timeline.iter().rev().find(|p| p.0 <= x).map_or(0, |p| p.1) };
        let inside = timeline.iter().filter(|p| p.0 > from && p.0 < to).map(|p| p.1);
        let at_end = (end > from && end < to).then_some(0);
        *c = inside.chain(at_end).fold(at(from), u32::min);
    }
    counts
}

/// Whether group `group` has staggered breaks, planned each day from the
/// day's whole staffing (so a change of staffing moves them all day).
pub fn plans_breaks(group: &Group) -> bool {
    group.breaks.iter().any(|b| matches!(b.at, BreakAt::Within { .. }))
}

/// Group `group`'s staggered breaks on day `day`.
pub fn plan_breaks(group: &Group, sim: &Simulation, day: u32) -> BreakPlan {
    plan_breaks_staffed(group, &group.staffing, sim, day)
}

/// [`plan_breaks`] with the group staffed by `staffing` (a staffing trial's).
pub fn plan_breaks_staffed(group: &Group, staffing: &Staffing, sim: &Simulation, day: u32) -> BreakPlan {
    let mut plan = BreakPlan::default();
    if !plans_breaks(group) {
        return plan;
    }
    let timeline = day_timeline(staffing, sim, day);
    let counts = minute_counts(&timeline, sim.end);
    let cap: Vec<u32> =
        counts.iter().map(|&n| ((group.max_on_break * f64::from(n) + 1e-9).floor() as u32).max(1)).collect();
    let mut away = vec![0u32; MINUTES];
    for (shift_start, shift_end) in shifts(staffing, &timeline, sim, day) {
        for (rule, b) in group.breaks.iter().enumerate() {
            let BreakAt::Within { from, to } = b.at else { continue };
            let (s, e) = (f64::from(shift_start), f64::from(shift_end));
            if s + to > e {
                continue;
            }
            let minutes =
                |t: f64| (t / 60.0).floor() as usize..((t + b.length) / 60.0).ceil().min(MINUTES as f64) as usize;
            // The most over the cap this start would be (≤ 0: it fits).
            let excess = |t: f64| minutes(t).map(|m| i64::from(away[m]) + 1 - i64::from(cap[m])).max().unwrap_or(0);
            let mut best: Option<(i64, f64)> = None;
            let mut t = s + from;
            while t + b.length <= s + to + 1e-9 {
                let x = excess(t);
                if best.is_none_or(|(bx, _)| x < bx) {
                    best = Some((x, t));
                }
                if x <= 0 {
                    break;
                }
                t += 60.0;
            }
            let Some((x, start)) = best else { continue };
            for m in minutes(start) {
                away[m] += 1;
            }
            if x > 0 {
                let (most, cap_there) = minutes(start)
                    .map(|m| (away[m], cap[m]))
                    .max_by_key(|&(a, c)| i64::from(a) - i64::from(c))
                    .unwrap_or((0, 0));
                plan.crowded.push(Crowded { shift_start, rule, start, away: most, cap: cap_there });
            }
            plan.breaks.push(PlannedBreak { start, length: b.length, rule });
        }
    }
    plan.breaks.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.rule.cmp(&b.rule)));
    plan
}

/// The agents expected away on group `group`'s planned breaks on day `day`,
/// averaged over each open interval: staggered breaks from the plan, fixed
/// breaks for the `scheduled(i)` agents of interval i, a roster shift's
/// breaks for its agents, all times the share
/// of agents expected to come in (1 − absenteeism). Pausing (an agent first
/// finishes its chats) and waiting for room are not counted.
pub fn expected_on_break(group: &Group, sim: &Simulation, day: u32, scheduled: impl Fn(usize) -> f64) -> Vec<f64> {
    let plan = plan_breaks(group, sim, day);
    (0..sim.open_intervals())
        .map(|i| {
            let from = f64::from(sim.interval_start(i));
            let to = from + f64::from(sim.interval);
            let overlap = |s: f64, l: f64| ((s + l).min(to) - s.max(from)).max(0.0) / f64::from(sim.interval);
            let staggered: f64 = plan.breaks.iter().map(|b| overlap(b.start, b.length)).sum();
            let fixed: f64 = group
                .breaks
                .iter()
                .filter_map(|b| match b.at {
                    BreakAt::Clock(t) => Some(overlap(f64::from(t), b.length)),
                    BreakAt::Within { .. } => None,
                })
                .sum();
            let roster: f64 = group
                .shift_breaks()
                .filter(|(_, s, _)| s.on_day(day))
                .map(|(_, s, b)| overlap(f64::from(b.start), f64::from(b.length)) * f64::from(s.agents))
                .sum();
            (staggered + fixed * scheduled(i) + roster) * (1.0 - group.absenteeism)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::staffing::tests::sim;
    use crate::scenario::{AgentRules, Break, Dist, Shift, WrapupBlocks};

    fn group(staffing: Staffing, breaks: Vec<Break>, max_on_break: f64) -> Group {
        Group {
            name: "g".into(),
            skills: vec![0],
            staffing,
            rules: AgentRules {
                max_concurrent: 1,
                speed: vec![1.0],
                accept: Dist::constant(0.0).unwrap(),
                refuse: 0.0,
                wrapup: Dist::constant(0.0).unwrap(),
                wrapup_blocks: WrapupBlocks::Agent,
            },
            absenteeism: 0.0,
            breaks,
            max_on_break,
            shrinkage: None,
        }
    }

    fn within(length: f64, from: f64, to: f64) -> Break {
        Break { at: BreakAt::Within { from: from * 3600.0, to: to * 3600.0 }, length: length * 60.0 }
    }

    #[test]
    fn slot_spans_are_the_shifts_of_a_count_timeline() {
        let h = |x: u32| x * 3600;
        assert_eq!(slot_spans(&[(h(8), 2)], h(20)), vec![(h(8), h(20)), (h(8), h(20))]);
        let spans = slot_spans(&[(h(8), 1), (h(10), 2), (h(12), 1), (h(14), 0), (h(15), 1)], h(20));
        assert_eq!(spans, vec![(h(8), h(14)), (h(10), h(12)), (h(15), h(20))]);
    }

    #[test]
    fn staggered_breaks_keep_under_the_cap_and_each_shift_gets_one() {
        // 8 agents all day, a quarter away at most: 2 at once, 30-minute
        // breaks in [2h, 4h]: 4 starts of room for 2 each fit all 8.
        let g = group(Staffing::Constant(8), vec![within(30.0, 2.0, 4.0)], 0.25);
        let plan = plan_breaks(&g, &sim(), 0);
        assert_eq!(plan.breaks.len(), 8);
        assert!(plan.crowded.is_empty(), "{:?}", plan.crowded);
        let starts: Vec<f64> = plan.breaks.iter().map(|b| b.start / 3600.0).collect();
        assert_eq!(starts, vec![10.0, 10.0, 10.5, 10.5, 11.0, 11.0, 11.5, 11.5]);
        // A tighter window cannot hold them: the rest go where it is least crowded.
        let g = group(Staffing::Constant(8), vec![within(30.0, 2.0, 3.0)], 0.25);
        let plan = plan_breaks(&g, &sim(), 0);
        assert_eq!(plan.breaks.len(), 8);
        assert!(!plan.crowded.is_empty());
    }

    #[test]
    fn declared_shifts_are_the_shifts_and_a_window_past_a_shift_is_skipped() {
        let h = |x: u32| x * 3600;
        let shifts = vec![
            Shift { start: h(8), end: h(16), agents: 3, days: None, breaks: Vec::new() },
            Shift { start: h(12), end: h(20), agents: 2, days: None, breaks: Vec::new() },
        ];
        let g = group(Staffing::Shifts(shifts), vec![within(60.0, 3.0, 5.0), within(15.0, 7.0, 9.0)], 1.0);
        let plan = plan_breaks(&g, &sim(), 0);
        // Every agent gets its lunch; the 7h–9h break fits no 8-hour shift.
        assert_eq!(plan.breaks.len(), 5);
        assert!(plan.breaks.iter().all(|b| b.rule == 0));
        assert_eq!(plan.breaks.iter().filter(|b| b.start == f64::from(h(11))).count(), 3);
        assert_eq!(plan.breaks.iter().filter(|b| b.start == f64::from(h(15))).count(), 2);
    }
}
