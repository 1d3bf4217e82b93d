//! Staffing by simulation: the fewest agents per interval such that every
//! interval meets the service-level goal (and the abandonment cap).
//!
//! The search starts from the analytic estimate of each interval (Erlang A
//! adjusted for concurrency by the exact chat chain, [`crate::analytic::estimate`]) and
//! then settles the (day, interval)s one at a time, in time order, by
//! simulation, with every replication's random numbers unchanged (common
//! random numbers), so two trials differ only by staffing. For each, the
//! count is bracketed (one more while the target is missed, one fewer while
//! it still holds, doubling the step, then halving the bracket) until `n`
//! agents meet it and `n − 1` do not (a count meets it only on clear
//! evidence: see [`Search::enough`]); later intervals keep their estimate
//! meanwhile, earlier ones their settled count, so the backlog carries
//! over. A trial does not re-simulate the scenario: it resumes each
//! replication's run paused at the interval's start, and runs only until
//! the interval's chats have left the queue ([`crate::jobs::trials`]; the
//! same figures, to the bit, as a run from the start). A whole trial then
//! checks every interval; if a later change has tipped some below the
//! target (an interval's last chats wait into the next; days interact
//! through carried-over work), a pass in time order from the first of them
//! tries each again, after the changes before it, and raises those below,
//! for up to three passes.
//!
//! With a confidence `q` (`staff --confidence`), the search then goes on
//! from the mean's answer with another rule: an interval holds when at least
//! `q` of the (replication, day) pairs it covers meet the goal (and the cap)
//! on their own; a pair whose interval had no chat to judge meets it. The
//! same passes raise each interval below `q`, bracketed above the count
//! that missed, so never fewer than the mean's answer: the staffing at a
//! confidence meets the mean rule too, and holds on average *and* on all
//! but a `1 − q` share of days.
//!
//! When the forecast (or a kept group's staffing) differs by day, each day
//! is staffed on its own, in time order; otherwise one staffing serves
//! every day, and each interval's figures pool all days (its trials run
//! from its start on the first day to its chats' end on the last). With several groups staffed together,
//! an interval's total is divided among them in proportion to the work of
//! the skills each serves (D'Hondt, so adding one agent never takes one
//! from a group).

use crate::analytic::erlang_c;
use crate::analytic::estimate::{agents_needed, offered_load, pooled_model};
use crate::analytic::warnings::{distinct_days, scheduled_agents};
use crate::engine::SimTime;
use crate::jobs::run::{self, Replication, RunOptions};
pub use crate::jobs::trials::Mode;
use crate::jobs::trials::Trials;
use crate::scenario::{DayProfiles, Scenario, Staffing};
use crate::stats::summary::summarize;
pub use crate::stats::{Confidence, Frame, SlotPlan, Staffed, slot_figure};
use crate::stats::{Judge, QueueOutcomes};
use rayon::prelude::*;
use std::sync::Arc;

/// What to staff and within which limit.
#[derive(Debug, Clone)]
pub struct StaffOptions {
    /// The one group to staff (the others keep their staffing); `None`: every group.
    pub group: Option<usize>,
    /// The most agents an interval may have (all staffed groups together).
    pub max_agents: u32,
    /// Worker threads for replications (0: all cores).
    pub threads: usize,
    /// The share of (replication, day) pairs each interval must meet the
    /// target in (0.5 to below 1); `None`: the mean over replications.
    pub confidence: Option<f64>,
    /// How trials run: resumed at the interval under trial (the default),
    /// or re-simulated from the start (the same answer, slowly: a check).
    pub trials: Mode,
    /// The most replications a decision between n − 1 and n agents may
    /// take when their confidence intervals straddle the target (batches of
    /// the scenario's replications); the scenario's replications: decide
    /// on those alone.
    pub max_replications: u32,
}

impl Frame {
    /// Days apart when the forecast, or the staffing of a group kept as it is, differs by day.
    fn new(sc: &Scenario, staffed: &[usize]) -> Frame {
        let mut kept = sc.clone();
        for &g in staffed {
            kept.groups[g].staffing = Staffing::Constant(0);
        }
        Frame::with(sc, distinct_days(&kept) > 1)
    }
}

/// The default cap of a decision's replications: four batches of the scenario's.
pub fn default_max_replications(sc: &Scenario) -> u32 {
    sc.simulation.replications.saturating_mul(4)
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

    /// A bracket over a count `n` known to miss: its next try is `n + 1`,
    /// and it never goes back to `n` or below.
    fn above(n: u32) -> Bracket {
        Bracket { meets: None, misses: Some(n), step: 2, done: false }
    }

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
/// (day, interval)s settled so far (of [`units`], twice that with a
/// confidence: the second phase counts on from the first).
pub fn staff(sc: &Scenario, opts: &StaffOptions, trial_done: &(dyn Fn(usize) + Sync)) -> Staffed {
    run::in_pool(opts.threads, || search(sc, opts, trial_done))
}

fn search(sc: &Scenario, opts: &StaffOptions, trial_done: &(dyn Fn(usize) + Sync)) -> Staffed {
    let mut search = Search::new(sc, opts, trial_done);
    let slots = search.first_plans();
    let mut totals = search.analytic_start(&slots);
    let mut at_limit = vec![vec![false; search.frame.intervals]; search.frame.days];
    search.settle_in_time_order(&mut totals, &mut at_limit);
    let latest = search.settle_missed_again(&mut totals, &mut at_limit);
    let unreachable = search.unreachable(&latest, &at_limit);
    let Some(level) = opts.confidence else {
        return search.finish(&totals, slots, &unreachable, None);
    };
    let mean = totals.clone();
    search.rule = Rule::Share(level);
    search.settled_before = search.frame.days * search.frame.intervals;
    let latest = search.raise_below_confidence(&mut totals, &mut at_limit);
    let unreachable = search.unreachable(&latest, &at_limit);
    search.finish(&totals, slots, &unreachable, Some((level, mean, latest)))
}

/// The fewest (replication, day) pairs behind a planned interval's share at
/// a confidence: replications × the days the interval covers (all of them
/// when one staffing serves every day), those after the warm-up.
pub fn confidence_pairs(sc: &Scenario, opts: &StaffOptions) -> u32 {
    let frame = Frame::new(sc, &staffed_groups(sc, opts));
    (0..frame.days)
        .flat_map(|d| (0..frame.intervals).map(move |i| (d, i)))
        .map(|(d, i)| pair_days(sc, &frame, d, i).count() as u32 * sc.simulation.replications)
        .min()
        .unwrap_or(0)
}

/// The calendar days (0-based) whose interval `i` planned day `d` covers:
/// the day itself when days are planned apart, else every day; those whose
/// interval ends after the warm-up (earlier ones are not counted).
fn pair_days<'a>(sc: &'a Scenario, frame: &Frame, d: usize, i: usize) -> impl Iterator<Item = usize> + use<'a> {
    let sim = &sc.simulation;
    let days = if frame.per_day { d..d + 1 } else { 0..sim.days as usize };
    let warmup = sim.warmup_end();
    days.filter(move |&k| SimTime::of_day(k as u32, sim.interval_start(i) + sim.interval) > warmup)
}

/// The groups a search staffs: the one asked for, else every group.
fn staffed_groups(sc: &Scenario, opts: &StaffOptions) -> Vec<usize> {
    match opts.group {
        Some(g) => vec![g],
        None => (0..sc.groups.len()).collect(),
    }
}

/// Each staffed group's weight in day `d`'s interval `i`: the work its
/// skills receive (new chats, transfers in and follow-ups), shared equally
/// among the groups serving each skill.
fn group_weights(sc: &Scenario, staffed: &[usize], d: usize, i: usize) -> Vec<f64> {
    let mut work = vec![0.0; sc.skills.len()];
    for r in &sc.reasons {
        let volume = r.volume.day(d as u32)[i];
        work[r.skill] += volume * (r.auth.mean() + r.handle.mean());
        if let Some(t) = &r.transfer {
            work[t.to] += volume * t.p * t.handle.as_ref().unwrap_or(&r.handle).mean();
        }
        if let Some(c) = &r.commitment {
            work[c.skill] += volume * c.p * c.handle.as_ref().unwrap_or(&r.handle).mean();
        }
    }
    staffed
        .iter()
        .map(|&g| {
            let skills = &sc.groups[g].skills;
            skills
                .iter()
                .map(|&s| work[s] / sc.groups.iter().filter(|h| h.skills.contains(&s)).count().max(1) as f64)
                .sum()
        })
        .collect()
}

/// One staffing search: what it staffs, how it runs a trial, and what the
/// trials so far have cost. Staffing counts are `totals[day][interval]`:
/// the agents of all staffed groups together.
struct Search<'a> {
    sc: &'a Scenario,
    opts: &'a StaffOptions,
    trial_done: &'a (dyn Fn(usize) + Sync),
    staffed: Vec<usize>,
    frame: Frame,
    /// By day and interval, each staffed group's weight ([`group_weights`]).
    weights: Vec<Vec<Vec<f64>>>,
    /// By day and interval, the last total divided among the staffed groups, and its division.
    divided: Vec<Vec<(u32, Vec<u32>)>>,
    run: RunOptions,
    /// What a trial judges an interval by: the mean, then with a confidence the share.
    rule: Rule,
    /// The figures each interval is held to.
    targets: Vec<Target>,
    /// (Day, interval)s counted as settled before this phase (by `trial_done`).
    settled_before: usize,
    trials: Trials<'a>,
    /// The staffing of the latest whole trial and its replications.
    last_whole: Option<(Vec<Vec<u32>>, Vec<Replication>)>,
    /// By day and interval, the replications its decision took and
    /// whether it stopped at `max_replications` with the evidence unclear.
    decisions: Vec<Vec<(u32, bool)>>,
}

impl<'a> Search<'a> {
    fn new(sc: &'a Scenario, opts: &'a StaffOptions, trial_done: &'a (dyn Fn(usize) + Sync)) -> Self {
        let staffed = staffed_groups(sc, opts);
        let frame = Frame::new(sc, &staffed);
        let weights = (0..frame.days)
            .map(|d| (0..frame.intervals).map(|i| group_weights(sc, &staffed, d, i)).collect())
            .collect();
        let divided = vec![vec![(0, Vec::new()); frame.intervals]; frame.days];
        let (frame_days, frame_intervals) = (frame.days, frame.intervals);
        let run = RunOptions { per_day: frame.per_day, ..RunOptions::of(sc, opts.threads) };
        Search {
            sc,
            opts,
            trial_done,
            staffed,
            frame,
            divided,
            weights,
            run,
            rule: Rule::Mean,
            targets: Target::of(sc),
            settled_before: 0,
            trials: Trials::new(sc, opts.trials),
            last_whole: None,
            decisions: vec![vec![(sc.simulation.replications, false); frame_intervals]; frame_days],
        }
    }

    /// Every (day, interval)'s plan before the search: figures and estimates.
    fn first_plans(&self) -> Vec<Vec<SlotPlan>> {
        let (sc, intervals) = (self.sc, self.frame.intervals);
        (0..self.frame.days)
            .into_par_iter()
            .map(|d| (0..intervals).into_par_iter().map(|i| first_plan(sc, d, i)).collect())
            .collect()
    }

    /// The start: the analytic estimate, less the agents of groups kept as they are.
    fn analytic_start(&self, slots: &[Vec<SlotPlan>]) -> Vec<Vec<u32>> {
        let (sc, max) = (self.sc, self.opts.max_agents);
        slots
            .iter()
            .enumerate()
            .map(|(d, day)| {
                day.iter()
                    .enumerate()
                    .map(|(i, p)| match p.estimate {
                        Some(e) => {
                            let kept: u32 = (0..sc.groups.len())
                                .filter(|g| !self.staffed.contains(g))
                                .map(|g| scheduled_agents(sc, d as u32, i)[g])
                                .sum();
                            e.saturating_sub(kept).min(max)
                        }
                        None if p.offered > 0.0 => self.staffed.iter().map(|&g| p.agents[g]).sum::<u32>().min(max),
                        None => 0,
                    })
                    .collect()
            })
            .collect()
    }

    /// The scenario with `totals` divided among the staffed groups.
    fn scenario(&self, totals: &[Vec<u32>]) -> Scenario {
        let mut s = self.sc.clone();
        for (k, &g) in self.staffed.iter().enumerate() {
            s.groups[g].staffing = self.group_staffing(totals, k);
        }
        s
    }

    /// The `k`-th staffed group's share of `totals`.
    fn group_staffing(&self, totals: &[Vec<u32>], k: usize) -> Staffing {
        let profiles: Vec<Vec<u32>> = totals
            .iter()
            .enumerate()
            .map(|(d, day)| day.iter().enumerate().map(|(i, &n)| split(n, &self.weights[d][i])[k]).collect())
            .collect();
        Staffing::PerInterval(if self.frame.per_day {
            DayProfiles::per_day(profiles)
        } else {
            DayProfiles::every_day(profiles.into_iter().next().unwrap_or_default())
        })
    }

    /// Every group's staffing with `totals`: the staffed groups' share, the
    /// others' own. Each (day, interval)'s division is kept from the last
    /// call, as most counts have not changed since.
    fn staffing(&mut self, totals: &[Vec<u32>]) -> Arc<[Staffing]> {
        let mut profiles = vec![vec![Vec::with_capacity(self.frame.intervals); totals.len()]; self.staffed.len()];
        for (d, day) in totals.iter().enumerate() {
            for (i, &n) in day.iter().enumerate() {
                let kept = &mut self.divided[d][i];
                if kept.0 != n || kept.1.is_empty() {
                    *kept = (n, split(n, &self.weights[d][i]));
                }
                for (k, &a) in kept.1.iter().enumerate() {
                    profiles[k][d].push(a);
                }
            }
        }
        let mut profiles = profiles.into_iter();
        (0..self.sc.groups.len())
            .map(|g| match self.staffed.contains(&g) {
                true => {
                    let p = profiles.next().expect("a profile per staffed group");
                    Staffing::PerInterval(if self.frame.per_day {
                        DayProfiles::per_day(p)
                    } else {
                        DayProfiles::every_day(p.into_iter().next().unwrap_or_default())
                    })
                }
                false => self.sc.groups[g].staffing.clone(),
            })
            .collect()
    }

    /// The calendar days whose interval planned day `d` stands for: `d`
    /// itself when days are planned apart, else every day.
    fn days(&self, d: usize) -> Vec<u32> {
        if self.frame.per_day { vec![d as u32] } else { (0..self.sc.simulation.days).collect() }
    }

    /// Day `d`'s interval `i` judged with `n` agents (the other counts as
    /// in `totals`) on replications 0 to `reps` − 1: those `tried` has, and
    /// trials of the rest (common random numbers: replication r is the
    /// same customers whatever the count).
    fn judged(&mut self, totals: &mut [Vec<u32>], d: usize, i: usize, n: u32, reps: u32, tried: &mut Tried) {
        let have = tried.get(&n).map_or(0, |j| j.len() as u32);
        if have >= reps {
            return;
        }
        let was = std::mem::replace(&mut totals[d][i], n);
        let unit = Trials::unit(self.sc, &self.staffed, &self.days(d), i);
        let staffing = self.staffing(totals);
        totals[d][i] = was;
        let more = self.trials.judge(&staffing, &unit, have..reps);
        tried.entry(n).or_default().extend(more);
    }

    /// One trial of the staffing `totals`, run whole: every interval
    /// judged, and the replications' results kept (the last whole trial is
    /// often of the staffing found: then it is the final run).
    fn whole(&mut self, totals: &[Vec<u32>]) -> Figures {
        self.trials.count += 1;
        let scenario = self.scenario(totals);
        let (sc, run) = (self.sc, &self.run);
        let done: Vec<(Replication, Judge)> = (0..run.replications)
            .into_par_iter()
            .map(|r| {
                let mut judge = Judge::of(sc);
                (run::run_one_with(&scenario, run, r, &mut judge), judge)
            })
            .collect();
        let (reps, judges): (Vec<Replication>, Vec<Judge>) = done.into_iter().unzip();
        self.trials.overran |= reps.iter().any(|r| r.counts.overran);
        self.last_whole = Some((totals.to_vec(), reps));
        Figures(judges)
    }

    /// Day `d`'s interval `i` meets the target in trial `m`, by the search's rule.
    fn meets(&self, m: &[Judge], d: usize, i: usize) -> bool {
        self.meets_by(&self.rule, m, d, i)
    }

    /// Day `d`'s interval `i`'s figure of target `t` in each replication
    /// of trial `m` (those where it is defined).
    fn figures(&self, m: &[Judge], d: usize, i: usize, t: &Target) -> Vec<f64> {
        let slots: Vec<usize> = self.days(d).iter().map(|&k| self.frame.day_slot(k as usize, i)).collect();
        m.iter()
            .filter_map(|j| (t.figure)(&j.outcomes_of(slots.iter().copied(), t.skill)).filter(|v| v.is_finite()))
            .collect()
    }

    /// Day `d`'s interval `i` meets the target in trial `m`, by `rule`: the
    /// mean over replications of the figure of the days it stands for
    /// together, or the share of its (replication, day) pairs.
    fn meets_by(&self, rule: &Rule, m: &[Judge], d: usize, i: usize) -> bool {
        match rule {
            Rule::Mean => self.targets.iter().all(|t| {
                let values = self.figures(m, d, i, t);
                values.is_empty() || t.holds(values.iter().sum::<f64>() / values.len() as f64)
            }),
            Rule::Share(level) => {
                let (met, pairs) = self.pairs_met(m, d, i);
                Confidence::holds(*level, met, pairs)
            }
        }
    }

    /// The (replication, day) pairs of day `d`'s interval `i` meeting the
    /// target on their own, and all of them: a pair without a chat to judge meets it.
    fn pairs_met(&self, m: &[Judge], d: usize, i: usize) -> (u32, u32) {
        let (mut met, mut pairs) = (0, 0);
        for k in pair_days(self.sc, &self.frame, d, i) {
            let slot = self.frame.day_slot(k, i);
            for j in m {
                let ok = self.targets.iter().all(|t| {
                    (t.figure)(&j.outcomes_of([slot], t.skill)).filter(|v| v.is_finite()).is_none_or(|v| t.holds(v))
                });
                pairs += 1;
                met += u32::from(ok);
            }
        }
        (met, pairs)
    }

    /// The share of day `d`'s interval `i`'s pairs meeting the target (none without pairs).
    fn share(&self, m: &[Judge], d: usize, i: usize) -> Option<f64> {
        let (met, pairs) = self.pairs_met(m, d, i);
        (pairs > 0).then(|| f64::from(met) / f64::from(pairs))
    }

    /// Settles day `d`'s interval `i` by trials from `bracket` (`tried`:
    /// counts judged already), marking it in `at_limit` if still missed at
    /// the limit. By the mean, a count holds only when the evidence is clear
    /// ([`Search::enough`]); the decision is then recorded: the replications
    /// it took at `n` and `n − 1`, and whether `n − 1` was left unclear at
    /// the cap (so `n` is the safer of the two).
    fn settle(
        &mut self,
        totals: &mut [Vec<u32>],
        d: usize,
        i: usize,
        mut bracket: Bracket,
        at_limit: &mut [Vec<bool>],
        mut tried: Tried,
    ) {
        let max = self.opts.max_agents;
        let mut unclear = std::collections::BTreeSet::new();
        while !bracket.done {
            let n = totals[d][i];
            let ok = match self.rule {
                Rule::Mean => {
                    let (ok, clear) = self.enough(totals, d, i, n, &mut tried);
                    if !clear {
                        unclear.insert(n);
                    }
                    ok
                }
                Rule::Share(_) => {
                    let reps = self.sc.simulation.replications;
                    self.judged(totals, d, i, n, reps, &mut tried);
                    self.meets(&tried[&n][..reps as usize], d, i)
                }
            };
            totals[d][i] = bracket.next(n, ok, max);
            at_limit[d][i] = bracket.done && !ok && n >= max;
            (self.trial_done)(self.settled_before + d * self.frame.intervals + i);
        }
        if let Rule::Mean = self.rule {
            let n = totals[d][i];
            let used = |k: u32| tried.get(&k).map_or(0, |j| j.len() as u32);
            let reps = used(n).max(n.checked_sub(1).map_or(0, used)).max(self.sc.simulation.replications);
            self.decisions[d][i] = (reps, n > 0 && unclear.contains(&(n - 1)));
        }
    }

    /// Whether `n` agents are clearly enough for day `d`'s interval `i`,
    /// and whether the evidence was clear. The 95% confidence interval of
    /// its service level (over the replications where it is defined) must
    /// lie at or above the goal, and with a cap that of its abandonment
    /// rate at or below the cap; while an interval holds its target, another
    /// batch of replications (the scenario's number) is added, up to
    /// `max_replications` (common random numbers: the same replications
    /// for every count). Unclear at the cap counts as not enough: the safer
    /// answer. Fewer than two replications with a figure: its mean decides.
    fn enough(&mut self, totals: &mut [Vec<u32>], d: usize, i: usize, n: u32, tried: &mut Tried) -> (bool, bool) {
        let batch = self.sc.simulation.replications;
        let cap = self.opts.max_replications.max(batch);
        let mut reps = batch;
        loop {
            self.judged(totals, d, i, n, reps, tried);
            let m = &tried[&n][..reps as usize];
            match self.verdict(m, d, i) {
                Some(ok) => return (ok, true),
                None if reps >= cap => return (false, false),
                None => reps = (reps + batch).min(cap),
            }
        }
    }

    /// Trial `m`'s verdict on day `d`'s interval `i`: `Some(true)` when
    /// the 95% intervals of its service level (and abandonment rate) lie
    /// on the target's side, `Some(false)` when one lies wholly beyond it,
    /// `None` when one holds it.
    fn verdict(&self, m: &[Judge], d: usize, i: usize) -> Option<bool> {
        let (mut met, mut missed) = (true, false);
        for t in &self.targets {
            // The lowest and highest the figure's mean may be: its interval,
            // or the mean itself with fewer than two values.
            let Some(s) = summarize(&self.figures(m, d, i, t), 0.95) else { continue };
            let (lo, hi) = if s.n >= 2 { (s.ci_low, s.ci_high) } else { (s.mean, s.mean) };
            met &= t.holds(lo) && t.holds(hi);
            missed |= !t.holds(lo) && !t.holds(hi);
        }
        if missed {
            Some(false)
        } else if met {
            Some(true)
        } else {
            None
        }
    }

    /// First every (day, interval) in time order, each starting from its
    /// estimate corrected by the previous interval's error.
    fn settle_in_time_order(&mut self, totals: &mut [Vec<u32>], at_limit: &mut [Vec<bool>]) {
        let start = totals.to_vec();
        for d in 0..self.frame.days {
            for i in 0..self.frame.intervals {
                if i > 0 {
                    self.correct_by_previous_error(totals, &start, d, i);
                }
                self.settle(totals, d, i, Bracket::NEW, at_limit, Tried::new());
            }
        }
    }

    /// Moves day `d`'s interval `i`'s start by what the search changed in
    /// interval `i − 1`: the analytic model's bias changes slowly, so the
    /// bracket often needs just two trials (n meets, n − 1 does not).
    fn correct_by_previous_error(&self, totals: &mut [Vec<u32>], start: &[Vec<u32>], d: usize, i: usize) {
        let (was, now) = (i64::from(start[d][i - 1]), i64::from(totals[d][i - 1]));
        if was > 0 && start[d][i] > 0 {
            let corrected = i64::from(start[d][i]) + now - was;
            totals[d][i] = corrected.clamp(1, i64::from(self.opts.max_agents)) as u32;
        }
    }

    /// Then a whole trial, and if it shows some (day, interval) missed, a
    /// pass in time order from the first of them: each is tried again
    /// (upstream changes of this pass included) and, if missed, raised
    /// ([`Search::raise_in_time_order`]); for up to three passes, each
    /// checked by a whole trial. Returns the latest whole trial.
    fn settle_missed_again(&mut self, totals: &mut [Vec<u32>], at_limit: &mut [Vec<bool>]) -> Figures {
        self.raise_in_time_order(totals, at_limit)
    }

    /// The confidence phase: from the mean's answer, the passes of
    /// [`Search::settle_missed_again`] by the share rule. Counts only
    /// rise, so the staffing at a confidence is never below the mean's.
    fn raise_below_confidence(&mut self, totals: &mut [Vec<u32>], at_limit: &mut [Vec<bool>]) -> Figures {
        self.raise_in_time_order(totals, at_limit)
    }

    /// Up to three passes, each after a whole trial that shows some
    /// (day, interval) below the target: in time order from the first of
    /// them, each (day, interval) is tried at its count and, if below,
    /// raised by a bracket above that count. A change moves what comes
    /// after it, so each is judged afresh, after the changes before it;
    /// those before the first one the whole trial shows below are
    /// unchanged. Returns the latest whole trial.
    fn raise_in_time_order(&mut self, totals: &mut [Vec<u32>], at_limit: &mut [Vec<bool>]) -> Figures {
        let max = self.opts.max_agents;
        let mut latest = self.whole(totals);
        for _pass in 0..3 {
            let Some(first) = self.units().position(|(d, i)| self.missed(&latest, d, i, at_limit)) else {
                break;
            };
            self.trials.rewind();
            for (d, i) in self.units().skip(first) {
                if at_limit[d][i] {
                    continue;
                }
                let n = totals[d][i];
                let mut tried = Tried::new();
                let ok = match self.rule {
                    Rule::Mean => self.enough(totals, d, i, n, &mut tried).0,
                    Rule::Share(_) => {
                        let reps = self.sc.simulation.replications;
                        self.judged(totals, d, i, n, reps, &mut tried);
                        self.meets(&tried[&n], d, i)
                    }
                };
                if ok {
                    continue;
                }
                if n >= max {
                    at_limit[d][i] = true;
                    continue;
                }
                totals[d][i] = n + 1;
                self.settle(totals, d, i, Bracket::above(n), at_limit, tried);
            }
            latest = self.whole(totals);
        }
        latest
    }

    /// Every planned (day, interval), in time order.
    fn units(&self) -> impl Iterator<Item = (usize, usize)> + use<> {
        let intervals = self.frame.intervals;
        (0..self.frame.days).flat_map(move |d| (0..intervals).map(move |i| (d, i)))
    }

    /// The replications day `d`'s interval `i` is judged on: its
    /// decision's by the mean, the scenario's by a share.
    fn reps(&self, d: usize, i: usize) -> u32 {
        match self.rule {
            Rule::Mean => self.decisions[d][i].0,
            Rule::Share(_) => self.sc.simulation.replications,
        }
    }

    /// Day `d`'s interval `i` is below the target in the whole trial
    /// `latest` (of the scenario's replications), unless at the limit or
    /// decided on more replications than those (then its own trials judge it).
    fn missed(&self, latest: &Figures, d: usize, i: usize, at_limit: &[Vec<bool>]) -> bool {
        !at_limit[d][i] && self.reps(d, i) <= self.sc.simulation.replications && !self.meets(&latest.0, d, i)
    }

    /// The (day, interval)s not met: missed at the limit, or still missed
    /// after three passes.
    fn unreachable(&self, latest: &Figures, at_limit: &[Vec<bool>]) -> Vec<Vec<bool>> {
        (0..self.frame.days)
            .map(|d| (0..self.frame.intervals).map(|i| at_limit[d][i] || self.missed(latest, d, i, at_limit)).collect())
            .collect()
    }

    /// The final run of the staffing found, and the plan of each slot. With
    /// a confidence (its level, the mean's answer and the latest trial), an
    /// interval the final staffing shows below the mean target is marked too.
    fn finish(
        mut self,
        totals: &[Vec<u32>],
        slots: Vec<Vec<SlotPlan>>,
        unreachable: &[Vec<bool>],
        at_confidence: Option<(f64, Vec<Vec<u32>>, Figures)>,
    ) -> Staffed {
        let means = at_confidence.as_ref().map(|_| self.whole(totals));
        let scenario = self.scenario(totals);
        let reps = match self.last_whole.take() {
            Some((tried, reps)) if tried == totals => reps,
            _ => {
                self.trials.count += 1;
                run::run_all(&scenario, &self.run, &|_| {})
            }
        };
        let overran = self.trials.overran || reps.iter().any(|r| r.counts.overran);
        let results = run::aggregate_results(&scenario, self.frame.per_day, &reps);
        let missed = |d: usize, i: usize| {
            means.as_ref().is_some_and(|m| {
                self.decisions[d][i].0 <= self.sc.simulation.replications && !self.meets_by(&Rule::Mean, &m.0, d, i)
            })
        };
        let mean_agents = |d: usize, i: usize| at_confidence.as_ref().map(|(_, mean, _)| mean[d][i]);
        let met_share =
            |d: usize, i: usize| at_confidence.as_ref().and_then(|(_, _, latest)| self.share(&latest.0, d, i));
        let slots = slots
            .into_iter()
            .enumerate()
            .map(|(d, day)| {
                day.into_iter()
                    .enumerate()
                    .map(|(i, plan)| SlotPlan {
                        agents: scheduled_agents(&scenario, d as u32, i),
                        unreachable: unreachable[d][i] || missed(d, i),
                        mean_agents: mean_agents(d, i),
                        met_share: met_share(d, i),
                        decision_replications: self.decisions[d][i].0,
                        decided_at_cap: self.decisions[d][i].1,
                        ..plan
                    })
                    .collect()
            })
            .collect();
        Staffed {
            scenario,
            per_day: self.frame.per_day,
            staffed: self.staffed,
            slots,
            results,
            trials: self.trials.count,
            overran,
            confidence: at_confidence
                .map(|(level, _, _)| Confidence { level, pairs: confidence_pairs(self.sc, self.opts) }),
        }
    }
}

/// What a trial judges an interval by.
enum Rule {
    /// The mean over the replications (each replication's figure pools the
    /// days when one staffing serves every day).
    Mean,
    /// At least this share of the (replication, day) pairs meet the target.
    Share(f64),
}

/// A trial's figures: each replication's judge.
struct Figures(Vec<Judge>);

/// One figure an interval is held to: the service level of all skills
/// (at least the goal), their abandonment rate (at most the cap), or a
/// skill's service level (at least its own goal).
struct Target {
    skill: Option<usize>,
    figure: fn(&QueueOutcomes) -> Option<f64>,
    line: f64,
    /// At most `line` (else at least).
    at_most: bool,
}

impl Target {
    /// Every figure `sc`'s intervals are held to.
    fn of(sc: &Scenario) -> Vec<Target> {
        let sl = &sc.service_level;
        let service = |skill, line| Target { skill, figure: QueueOutcomes::service_level, line, at_most: false };
        let mut targets = vec![service(None, sl.goal)];
        if let Some(cap) = sl.max_abandon {
            targets.push(Target { skill: None, figure: QueueOutcomes::abandon_rate, line: cap, at_most: true });
        }
        for (s, goal) in sl.skill_goals.iter().enumerate() {
            if let Some(goal) = goal {
                targets.push(service(Some(s), *goal));
            }
        }
        targets
    }

    /// `value` is on the target's side of the line.
    fn holds(&self, value: f64) -> bool {
        if self.at_most { value <= self.line } else { value >= self.line }
    }
}

/// The counts tried for one (day, interval): each one's judges, replication by replication.
type Tried = std::collections::BTreeMap<u32, Vec<Judge>>;

/// The plan of day `d`'s interval `i` before the search: figures and estimates.
fn first_plan(sc: &Scenario, d: usize, i: usize) -> SlotPlan {
    let day = d as u32;
    let model = pooled_model(sc, day, i);
    let offered: f64 = sc.reasons.iter().map(|r| r.volume.day(day)[i]).sum();
    let load = offered_load(sc, day, i);
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
        mean_agents: None,
        met_share: None,
        decision_replications: sc.simulation.replications,
        decided_at_cap: false,
    }
}

/// The (day, interval)s a search settles: what `trial_done` counts.
pub fn units(sc: &Scenario, opts: &StaffOptions) -> usize {
    let frame = Frame::new(sc, &staffed_groups(sc, opts));
    frame.days * frame.intervals
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

    #[test]
    fn a_bracket_above_a_miss_rises_to_the_fewest_that_meet_and_never_below() {
        for missed in 0..20 {
            for need in missed + 1..45 {
                let mut b = Bracket::above(missed);
                let (mut n, mut trials) = (missed + 1, 0);
                while !b.done {
                    assert!(n > missed, "{missed} {need}: tried {n}");
                    trials += 1;
                    n = b.next(n, n >= need, 50);
                    assert!(trials < 100);
                }
                assert_eq!(n, need.min(50), "missed {missed}, need {need}");
                assert!(trials <= 1 + 2 * (need - missed).ilog2() + 1, "{missed} {need}: {trials}");
            }
        }
    }
}
