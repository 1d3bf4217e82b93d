//! Warnings about a scenario that runs but may not say what the planner
//! expects. Printed on stderr; the run goes on.

use crate::model::day_timeline;
use crate::scenario::duration::fmt_clock as clock;
use crate::scenario::{Scenario, Staffing};
use std::fmt;

/// Something worth a planner's attention.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// Expected chats in an interval exceed what the scheduled agents can handle.
    OverCapacity { interval: String, offered_per_hour: f64, capacity_per_hour: f64 },
    /// A skill receives chats in an interval where nobody serving it is scheduled.
    Unstaffed { interval: String, skill: String, reasons: Vec<String> },
    /// Too few replications for a confidence interval.
    FewReplications(u32),
    /// Staggered breaks that no start in their window could keep under
    /// `max_on_break`: placed where the fewest were away.
    CrowdedBreaks { group: String, day: Option<u32>, count: usize, first: String },
    /// A staggered break whose window fits in none of the day's shifts: nobody takes it.
    BreakFitsNoShift { group: String, rule: usize },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::OverCapacity { interval, offered_per_hour, capacity_per_hour } => write!(
                f,
                "{interval}: offered load {offered_per_hour:.0} chats/h is above the scheduled capacity of about \
                 {capacity_per_hour:.0} chats/h; the queue builds up, or customers abandon (add agents or check the volumes)"
            ),
            Warning::Unstaffed { interval, skill, reasons } => write!(
                f,
                "{interval}: skill {skill} receives chats ({}) but nobody serving it is scheduled; they will wait \
                 or abandon",
                reasons.join(", ")
            ),
            Warning::FewReplications(n) => write!(
                f,
                "{n} replication(s) give no confidence interval; use at least 2 (10 or more for useful intervals)"
            ),
            Warning::CrowdedBreaks { group, day, count, first } => write!(
                f,
                "group {group}{}: {count} staggered break(s) find no start in their window with room under \
                 max_on_break and go where the fewest are away (first: {first}); widen the windows, raise \
                 max_on_break or add agents",
                day.map(|d| format!(" day {}", d + 1)).unwrap_or_default()
            ),
            Warning::BreakFitsNoShift { group, rule } => write!(
                f,
                "group {group}: breaks[{rule}]'s window fits in none of the day's shifts, so nobody takes it \
                 (a window counts from a shift's start and must end by the shift's end)"
            ),
        }
    }
}

/// Agents of each group scheduled on day `day` during open interval `i` (at its start).
pub fn scheduled_agents(sc: &Scenario, day: u32, i: usize) -> Vec<u32> {
    let at = sc.simulation.interval_start(i);
    sc.groups
        .iter()
        .map(|g| day_timeline(&g.staffing, &sc.simulation, day).iter().rev().find(|p| p.0 <= at).map_or(0, |p| p.1))
        .collect()
}

/// Days whose inputs differ: all of them when any volume or staffing is given per day, else just the first.
pub fn distinct_days(sc: &Scenario) -> u32 {
    let per_day = sc.reasons.iter().any(|r| !r.volume.is_every_day())
        || sc.groups.iter().any(|g| match &g.staffing {
            Staffing::PerInterval(p) => !p.is_every_day(),
            Staffing::Shifts(shifts) => shifts.iter().any(|s| s.days.is_some()),
            Staffing::Constant(_) => false,
        });
    if per_day { sc.simulation.days } else { 1 }
}

/// Chats per hour one agent of group `g` can finish at full concurrency:
/// cap × speed at cap ÷ mean work, with each slot also held for accept and wrap-up.
fn agent_capacity_per_hour(sc: &Scenario, g: usize, work_secs: f64) -> f64 {
    let rules = &sc.groups[g].rules;
    let k = rules.max_concurrent as usize;
    let slot_time = work_secs / rules.speed[k - 1] + rules.wrapup.mean() + rules.accept.mean();
    if slot_time > 0.0 { 3600.0 * k as f64 / slot_time } else { f64::INFINITY }
}

/// The warnings about a scenario and a replication count.
pub fn warnings(sc: &Scenario, replications: u32) -> Vec<Warning> {
    let mut out = Vec::new();
    let sim = &sc.simulation;
    let hours = sim.interval as f64 / 3600.0;
    let days = distinct_days(sc);
    for (day, i) in (0..days).flat_map(|d| (0..sim.open_intervals()).map(move |i| (d, i))) {
        let clock = clock(sim.interval_start(i));
        let interval = if days > 1 { format!("day {} {clock}", day + 1) } else { clock };
        let agents = scheduled_agents(sc, day, i);
        let volume = |r: &crate::scenario::Reason| r.volume.day(day)[i];
        let offered: f64 = sc.reasons.iter().map(volume).sum();
        if let Some(work) = crate::analytic::estimate::mean_chat_work(sc, day, i) {
            let capacity: f64 =
                agents.iter().enumerate().map(|(g, &n)| n as f64 * agent_capacity_per_hour(sc, g, work)).sum();
            if offered / hours > capacity {
                out.push(Warning::OverCapacity {
                    interval: interval.clone(),
                    offered_per_hour: offered / hours,
                    capacity_per_hour: capacity,
                });
            }
        }
        for (s, skill) in sc.skills.iter().enumerate() {
            let reasons: Vec<String> =
                sc.reasons.iter().filter(|r| r.skill == s && volume(r) > 0.0).map(|r| r.name.clone()).collect();
            let served = sc.groups.iter().zip(&agents).any(|(g, &n)| n > 0 && g.skills.contains(&s));
            if !reasons.is_empty() && !served {
                out.push(Warning::Unstaffed { interval: interval.clone(), skill: skill.clone(), reasons });
            }
        }
    }
    out.extend(break_warnings(sc, days));
    if replications < 2 {
        out.push(Warning::FewReplications(replications));
    }
    out
}

/// Staggered breaks placed above the cap, and break windows no shift holds.
fn break_warnings(sc: &Scenario, days: u32) -> Vec<Warning> {
    let mut out = Vec::new();
    for g in sc.groups.iter().filter(|g| !g.breaks.is_empty()) {
        let plans: Vec<_> = (0..days).map(|d| crate::model::plan_breaks(g, &sc.simulation, d)).collect();
        for (d, plan) in plans.iter().enumerate() {
            if let Some(c) = plan.crowded.first() {
                out.push(Warning::CrowdedBreaks {
                    group: g.name.clone(),
                    day: (days > 1).then_some(d as u32),
                    count: plan.crowded.len(),
                    first: format!(
                        "breaks[{}] of the shift from {} at {}, {} away with room for {}",
                        c.rule,
                        clock(c.shift_start),
                        clock(c.start as u32),
                        c.away,
                        c.cap
                    ),
                });
            }
        }
        for (rule, b) in g.breaks.iter().enumerate() {
            let staggered = matches!(b.at, crate::scenario::BreakAt::Within { .. });
            if staggered && plans.iter().all(|p| p.breaks.iter().all(|x| x.rule != rule)) {
                out.push(Warning::BreakFitsNoShift { group: g.name.clone(), rule });
            }
        }
    }
    out
}
