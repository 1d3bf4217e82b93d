//! Staffing by simulation: the fewest agents per interval such that every
//! interval meets the service-level goal (and the abandonment cap).
//!
//! The search starts from the analytic estimate of each interval (Erlang A
//! adjusted for concurrency by the exact chat chain, [`crate::estimate`]) and
//! then settles the intervals one at a time, in time order, by simulation:
//! each trial reruns the scenario with every replication's random numbers
//! unchanged (common random numbers), so two trials differ only by staffing.
//! For interval `i` the count is bracketed (one more while the target is
//! missed, one fewer while it still holds, doubling the step, then halving
//! the bracket) until `n` agents meet it and `n − 1` do not. An interval's
//! target holds when its chats and those of every earlier interval meet it,
//! so the backlog an interval leaves behind is charged to it. Later intervals
//! are settled with the earlier ones fixed.
//!
//! When the inputs differ by day, each day is staffed on its own, all days
//! in the same trials; otherwise one staffing serves every day and each
//! interval's figures pool all days. With several groups staffed together,
//! an interval's total is divided among them in proportion to the load of
//! the skills each serves (D'Hondt, so adding one agent never takes one
//! from a group).

use crate::analytic::erlang_c;
use crate::estimate::{agents_needed, pooled_model};
use crate::run::{self, Results, RunOptions};
use crate::scenario::{DayProfiles, Scenario, Staffing};
use crate::stats::Aggregate;
use crate::warnings::{distinct_days, scheduled_agents};

/// What to staff and within which limit.
#[derive(Debug, Clone)]
pub struct StaffOptions {
    /// The one group to staff (the others keep their staffing); `None`: every group.
    pub group: Option<usize>,
    /// The most agents an interval may have (all staffed groups together).
    pub max_agents: u32,
    /// Worker threads for replications (0: all cores).
    pub threads: usize,
}

/// The staffing found, with the run that proves it.
pub struct Staffed {
    /// The scenario with the staffing found.
    pub scenario: Scenario,
    /// Days staffed apart (else one staffing for every day).
    pub per_day: bool,
    /// The groups staffed (the others kept their own staffing).
    pub staffed: Vec<usize>,
    /// Per planned day (one when not per day), per open interval.
    pub slots: Vec<Vec<SlotPlan>>,
    /// The final run of `scenario`.
    pub results: Results,
    /// Trials simulated (each one run of every replication).
    pub trials: u32,
}

/// One interval's staffing and the figures behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotPlan {
    /// Agents of every group (staffed or kept).
    pub agents: Vec<u32>,
    /// The analytic estimate the search started from (pooled agents), if any.
    pub estimate: Option<u32>,
    /// Plain Erlang C's answer: one chat per agent, no abandonment, pooled work.
    pub erlang_c: Option<u32>,
    /// Chats offered in the interval by the forecast (mean over the planned days).
    pub offered: f64,
    /// Offered load in Erlangs at one chat per agent: chats × (auth + handle + wrap-up) ÷ interval.
    pub load: f64,
    /// The target still missed at the agent limit.
    pub unreachable: bool,
}

/// Where a slot's figures are in a run's results.
struct Lookup {
    service_level: Option<usize>,
    abandon_rate: Option<usize>,
}

impl Lookup {
    fn new(results: &Results) -> Lookup {
        let find = |m: &str| results.labels.iter().position(|l| l.scope == "all" && l.metric == m);
        Lookup { service_level: find("service_level"), abandon_rate: find("abandon_rate") }
    }
}

/// The search's view of a scenario: planned days, intervals and where they land in the results.
struct Frame {
    per_day: bool,
    days: usize,
    intervals: usize,
    /// Result slot of the first open interval of a day.
    first_slot: usize,
    slots_per_day: usize,
}

impl Frame {
    fn new(sc: &Scenario) -> Frame {
        let sim = &sc.simulation;
        let per_day = distinct_days(sc) > 1;
        Frame {
            per_day,
            days: if per_day { sim.days as usize } else { 1 },
            intervals: sim.open_intervals(),
            first_slot: (sim.start / sim.interval) as usize,
            slots_per_day: (86_400 / sim.interval) as usize,
        }
    }

    /// The result slot of planned day `d`, open interval `i`.
    fn slot(&self, d: usize, i: usize) -> usize {
        let day = if self.per_day { d * self.slots_per_day } else { 0 };
        day + self.first_slot + i
    }
}

/// Meets the goal and the cap? Slots without figures meet them (nothing happened).
fn meets(sc: &Scenario, results: &Results, at: &Lookup, slot: usize) -> bool {
    let Ok(k) = results.intervals.binary_search_by_key(&slot, |s| s.0) else {
        return true;
    };
    let rows = &results.intervals[k].1;
    let mean = |i: Option<usize>| i.and_then(|i| rows[i].mean);
    let sl = &sc.service_level;
    mean(at.service_level).is_none_or(|v| v >= sl.goal)
        && sl.max_abandon.is_none_or(|cap| mean(at.abandon_rate).is_none_or(|v| v <= cap))
}

/// The figures of a slot for a metric of scope `all`, or of a group.
pub fn slot_figure<'a>(
    results: &'a Results,
    slot: usize,
    scope: &str,
    key: &str,
    metric: &str,
) -> Option<&'a Aggregate> {
    let k = results.intervals.binary_search_by_key(&slot, |s| s.0).ok()?;
    let i = results.labels.iter().position(|l| l.scope == scope && l.key == key && l.metric == metric)?;
    Some(&results.intervals[k].1[i])
}

/// Divides `total` agents among groups by weight (D'Hondt: one at a time to
/// the largest `weight ÷ (agents + 1)`, ties to the first), so a larger
/// total never gives a group fewer.
pub fn split(total: u32, weights: &[f64]) -> Vec<u32> {
    let mut agents = vec![0u32; weights.len()];
    if weights.is_empty() {
        return agents;
    }
    let all_zero = weights.iter().all(|w| *w <= 0.0);
    for _ in 0..total {
        let mut best = 0;
        let mut best_q = f64::NEG_INFINITY;
        for (g, w) in weights.iter().enumerate() {
            let w = if all_zero { 1.0 } else { *w };
            let q = w / f64::from(agents[g] + 1);
            if q > best_q {
                best = g;
                best_q = q;
            }
        }
        agents[best] += 1;
    }
    agents
}

/// Plain Erlang C's agents for the pooled model: the fewest meeting the goal.
fn erlang_c_agents(rate: f64, work: f64, threshold: f64, goal: f64) -> Option<u32> {
    let start = (rate * work).floor() as u32 + 1;
    (start..=start.saturating_add(100_000))
        .find(|&c| erlang_c(rate, work, c, threshold).is_some_and(|e| e.service_level >= goal))
}

/// The state of one interval's search on one day: the counts known to meet
/// the target (lowest) and to miss it (highest), and the next step.
#[derive(Debug, Clone, Copy)]
struct Bracket {
    meets: Option<u32>,
    misses: Option<u32>,
    step: u32,
    done: bool,
}

impl Bracket {
    const NEW: Bracket = Bracket { meets: None, misses: None, step: 1, done: false };

    /// Records the trial of `n` agents and returns the next count to try
    /// (the final count once done).
    fn next(&mut self, n: u32, ok: bool, max: u32) -> u32 {
        if ok {
            self.meets = Some(n);
        } else {
            self.misses = Some(n);
        }
        match (self.misses, self.meets) {
            (Some(lo), Some(hi)) if hi <= lo + 1 => {
                self.done = true;
                hi
            }
            (Some(lo), Some(hi)) => lo + (hi - lo) / 2,
            (None, Some(0)) => {
                self.done = true;
                0
            }
            (None, Some(hi)) => {
                let next = hi.saturating_sub(self.step);
                self.step = self.step.saturating_mul(2);
                next
            }
            (Some(lo), None) if lo >= max => {
                self.done = true;
                max
            }
            (Some(lo), None) => {
                let next = lo.saturating_add(self.step).min(max);
                self.step = self.step.saturating_mul(2);
                next
            }
            (None, None) => n,
        }
    }
}

/// The staffing search. `trial_done` is called after each trial with the
/// intervals settled so far (of [`intervals`]).
pub fn staff(sc: &Scenario, opts: &StaffOptions, trial_done: &(dyn Fn(usize) + Sync)) -> Staffed {
    let frame = Frame::new(sc);
    let staffed: Vec<usize> = match opts.group {
        Some(g) => vec![g],
        None => (0..sc.groups.len()).collect(),
    };
    let weights = |d: usize, i: usize| -> Vec<f64> {
        staffed
            .iter()
            .map(|&g| {
                sc.groups[g]
                    .skills
                    .iter()
                    .map(|&s| {
                        let servers = sc.groups.iter().filter(|h| h.skills.contains(&s)).count().max(1);
                        let load: f64 = sc
                            .reasons
                            .iter()
                            .filter(|r| r.skill == s)
                            .map(|r| r.volume.day(d as u32)[i] * (r.auth.mean() + r.handle.mean()))
                            .sum();
                        load / servers as f64
                    })
                    .sum()
            })
            .collect()
    };
    let weights: Vec<Vec<Vec<f64>>> =
        (0..frame.days).map(|d| (0..frame.intervals).map(|i| weights(d, i)).collect()).collect();

    // The start: the analytic estimate, less the agents of groups kept as they are.
    let slots: Vec<Vec<SlotPlan>> =
        (0..frame.days).map(|d| (0..frame.intervals).map(|i| first_plan(sc, d, i)).collect()).collect();
    let mut totals: Vec<Vec<u32>> = slots
        .iter()
        .enumerate()
        .map(|(d, day)| {
            day.iter()
                .enumerate()
                .map(|(i, p)| match p.estimate {
                    Some(e) => {
                        let kept: u32 = (0..sc.groups.len())
                            .filter(|g| !staffed.contains(g))
                            .map(|g| scheduled_agents(sc, d as u32, i)[g])
                            .sum();
                        e.saturating_sub(kept).min(opts.max_agents)
                    }
                    None if p.offered > 0.0 => staffed.iter().map(|&g| p.agents[g]).sum::<u32>().min(opts.max_agents),
                    None => 0,
                })
                .collect()
        })
        .collect();

    let build = |totals: &[Vec<u32>]| -> Scenario {
        let mut s = sc.clone();
        for (k, &g) in staffed.iter().enumerate() {
            let profiles: Vec<Vec<u32>> = totals
                .iter()
                .enumerate()
                .map(|(d, day)| day.iter().enumerate().map(|(i, &n)| split(n, &weights[d][i])[k]).collect())
                .collect();
            s.groups[g].staffing = Staffing::PerInterval(if frame.per_day {
                DayProfiles::per_day(profiles)
            } else {
                DayProfiles::every_day(profiles.into_iter().next().unwrap_or_default())
            });
        }
        s
    };
    let opts_run = RunOptions {
        replications: sc.simulation.replications,
        seed: sc.simulation.seed,
        threads: opts.threads,
        trace: false,
        per_day: frame.per_day,
    };
    let mut trials = 0u32;
    let mut simulate = |totals: &[Vec<u32>]| -> (Scenario, Results) {
        let s = build(totals);
        let reps = run::run_all(&s, &opts_run, &|_| {});
        let results = run::in_pool(opts.threads, || run::aggregate_results(&s, frame.per_day, &reps));
        trials += 1;
        (s, results)
    };
    // Day d meets the target up to interval i (intervals missed at the limit aside)?
    let holds = |results: &Results, at: &Lookup, unreachable: &[Vec<bool>], d: usize, i: usize| {
        (0..=i).all(|j| unreachable[d][j] || meets(sc, results, at, frame.slot(d, j)))
    };

    let mut unreachable = vec![vec![false; frame.intervals]; frame.days];
    let mut from = 0;
    // Up to three sweeps: a later sweep starts at the first interval the
    // final trial shows missed (days interact through carried-over work).
    for _ in 0..3 {
        for i in from..frame.intervals {
            let mut brackets = vec![Bracket::NEW; frame.days];
            loop {
                let (_, results) = simulate(&totals);
                let at = Lookup::new(&results);
                for d in 0..frame.days {
                    let b = &mut brackets[d];
                    if b.done {
                        continue;
                    }
                    let ok = holds(&results, &at, &unreachable, d, i);
                    let n = totals[d][i];
                    totals[d][i] = b.next(n, ok, opts.max_agents);
                    if b.done && !ok && n >= opts.max_agents {
                        unreachable[d][i] = true;
                    }
                }
                trial_done(i);
                if brackets.iter().all(|b| b.done) {
                    break;
                }
            }
        }
        let last = simulate(&totals);
        let at = Lookup::new(&last.1);
        let missed = (0..frame.intervals).find(|&i| (0..frame.days).any(|d| !holds(&last.1, &at, &unreachable, d, i)));
        match missed {
            Some(i) => from = i,
            None => {
                return finish(&frame, staffed, slots, &unreachable, last, trials);
            }
        }
    }
    let last = simulate(&totals);
    // Still missed after three sweeps: reported as not met.
    let at = Lookup::new(&last.1);
    for (d, day) in unreachable.iter_mut().enumerate() {
        for (i, missed) in day.iter_mut().enumerate() {
            *missed = *missed || !meets(sc, &last.1, &at, frame.slot(d, i));
        }
    }
    finish(&frame, staffed, slots, &unreachable, last, trials)
}

/// The plan of day `d`'s interval `i` before the search: figures and estimates.
fn first_plan(sc: &Scenario, d: usize, i: usize) -> SlotPlan {
    let day = d as u32;
    let model = pooled_model(sc, day, i);
    let offered: f64 = sc.reasons.iter().map(|r| r.volume.day(day)[i]).sum();
    let load = model.as_ref().map_or(0.0, |m| m.rate_per_sec * m.work_mean_secs);
    let erlang_c = model
        .as_ref()
        .and_then(|m| erlang_c_agents(m.rate_per_sec, m.work_mean_secs, m.threshold_secs, sc.service_level.goal));
    SlotPlan {
        agents: scheduled_agents(sc, day, i),
        estimate: agents_needed(sc, day, i).map(|e| e.agents),
        erlang_c,
        offered,
        load,
        unreachable: false,
    }
}

/// The staffing found: every interval's agents from the final scenario.
fn finish(
    frame: &Frame,
    staffed: Vec<usize>,
    mut slots: Vec<Vec<SlotPlan>>,
    unreachable: &[Vec<bool>],
    (scenario, results): (Scenario, Results),
    trials: u32,
) -> Staffed {
    for (d, day) in slots.iter_mut().enumerate() {
        for (i, plan) in day.iter_mut().enumerate() {
            plan.agents = scheduled_agents(&scenario, d as u32, i);
            plan.unreachable = unreachable[d][i];
        }
    }
    Staffed { scenario, per_day: frame.per_day, staffed, slots, results, trials }
}

/// Open intervals of a scenario (what `trial_done` counts).
pub fn intervals(sc: &Scenario) -> usize {
    sc.simulation.open_intervals()
}

impl Staffed {
    /// The result slot of planned day `d` (0 when not per day), open interval `i`.
    pub fn slot(&self, d: usize, i: usize) -> usize {
        Frame::new(&self.scenario).slot(d, i)
    }

    /// Agents of the staffed groups in an interval.
    pub fn staffed_agents(&self, plan: &SlotPlan) -> u32 {
        self.staffed.iter().map(|&g| plan.agents[g]).sum()
    }

    /// Intervals whose target was missed at the agent limit: (planned day, interval).
    pub fn unreachable(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (d, day) in self.slots.iter().enumerate() {
            for (i, p) in day.iter().enumerate() {
                if p.unreachable {
                    out.push((d, i));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_proportional_and_never_takes_away() {
        assert_eq!(split(10, &[3.0, 1.0]), vec![8, 2]);
        assert_eq!(split(3, &[0.0, 0.0, 0.0]), vec![1, 1, 1]);
        assert_eq!(split(0, &[1.0]), vec![0]);
        let w = [5.0, 3.0, 1.5, 0.0];
        let mut prev = split(0, &w);
        for n in 1..200 {
            let now = split(n, &w);
            assert_eq!(now.iter().sum::<u32>(), n);
            assert!(now.iter().zip(&prev).all(|(a, b)| a >= b), "{n}: {now:?} after {prev:?}");
            assert_eq!(now[3], 0);
            prev = now;
        }
    }

    /// Runs the bracket against a threshold: the target holds from `need` agents.
    fn settle(start: u32, need: u32, max: u32) -> (u32, u32) {
        let mut b = Bracket::NEW;
        let (mut n, mut trials) = (start, 0);
        while !b.done {
            trials += 1;
            n = b.next(n, n >= need, max);
            assert!(trials < 100);
        }
        (n, trials)
    }

    #[test]
    fn bracket_finds_the_fewest_that_meet() {
        for start in 0..40 {
            for need in 0..40 {
                let (n, trials) = settle(start, need, 50);
                assert_eq!(n, need, "start {start}, need {need}");
                assert!(trials <= 2 + 2 * (start.abs_diff(need) + 1).ilog2() + 2, "{start} {need}: {trials}");
            }
        }
        assert_eq!(settle(5, 0, 50).0, 0);
        assert_eq!(settle(5, 60, 50).0, 50, "the limit when never met");
    }
}
