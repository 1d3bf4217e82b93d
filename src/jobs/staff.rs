//! Staffing by simulation: the fewest agents per interval such that every
//! interval meets the service-level goal (and the abandonment cap).
//!
//! The search starts from the analytic estimate of each interval (Erlang A
//! adjusted for concurrency by the exact chat chain, [`crate::analytic::estimate`]) and
//! then settles the intervals one at a time, in time order, by simulation:
//! each trial reruns the scenario with every replication's random numbers
//! unchanged (common random numbers), so two trials differ only by staffing.
//! For interval `i` the count is bracketed (one more while the target is
//! missed, one fewer while it still holds, doubling the step, then halving
//! the bracket) until `n` agents meet it and `n − 1` do not; later intervals
//! are settled with the earlier ones fixed, so the backlog carries over. A
//! last trial checks every interval, and those a later change has tipped
//! below the target (an interval's last chats wait into the next; days
//! interact through carried-over work) are settled again, each on its own,
//! in time order, for up to three passes.
//!
//! With a confidence `q` (`staff --confidence`), the search then goes on
//! from the mean's answer with another rule: an interval holds when at least
//! `q` of the (replication, day) pairs it covers meet the goal (and the cap)
//! on their own; a pair whose interval had no chat to judge meets it. Each
//! trial of this phase keeps results per day, so the pairs can be told
//! apart (the mean phase runs as before). In time order, each interval the
//! latest trial shows below `q` gets more agents, on its own, bracketed
//! above the count that missed, so never fewer than the mean's answer: the
//! staffing at a confidence meets the mean rule too, and holds on average
//! *and* on all but a `1 − q` share of days. Then a trial of the whole
//! staffing, and again those below `q`, for up to three passes.
//!
//! When the forecast (or a kept group's staffing) differs by day, each day
//! is staffed on its own, all days in the same trials; otherwise one
//! staffing serves every day and each interval's figures pool all days. With several groups staffed together,
//! an interval's total is divided among them in proportion to the work of
//! the skills each serves (D'Hondt, so adding one agent never takes one
//! from a group).

use crate::analytic::erlang_c;
use crate::analytic::estimate::{agents_needed, offered_load, pooled_model};
use crate::analytic::warnings::{distinct_days, scheduled_agents};
use crate::engine::SimTime;
use crate::jobs::run::{self, Replication, RunOptions};
use crate::model::SegmentKind;
use crate::scenario::{DayProfiles, Scenario, Staffing};
pub use crate::stats::{Confidence, Frame, SlotPlan, Staffed, slot_figure};
use crate::stats::{Layout, Metric, Scope, metric_labels};

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
}

/// Where the overall service level and abandonment rate are among a replication's values.
struct Lookup {
    service_level: Option<usize>,
    abandon_rate: Option<usize>,
}

impl Lookup {
    /// A pair's values meet the goal and the cap: values not defined (no chat
    /// offered in the interval, or no values at all) meet them, as no customer missed.
    fn meets(&self, sc: &Scenario, values: Option<&[Option<f64>]>) -> bool {
        let get = |label: Option<usize>| values.zip(label).and_then(|(v, l)| v[l]).filter(|v| v.is_finite());
        let sl = &sc.service_level;
        get(self.service_level).is_none_or(|v| v >= sl.goal)
            && sl.max_abandon.is_none_or(|cap| get(self.abandon_rate).is_none_or(|v| v <= cap))
    }

    fn new(layout: &Layout, sc: &Scenario) -> Lookup {
        let labels = metric_labels(layout, &run::scope_names(sc));
        let find = |m: Metric| labels.iter().position(|l| l.scope == Scope::All && l.metric == m);
        Lookup {
            service_level: find(Metric::ServiceLevel(SegmentKind::New)),
            abandon_rate: find(Metric::AbandonRate(SegmentKind::New)),
        }
    }
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
/// intervals settled so far (of [`intervals`], twice that with a confidence:
/// the second phase counts on from the first).
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
    search.rule = Rule::share(sc, &search.frame, level);
    search.settled_before = search.frame.intervals;
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
    run: RunOptions,
    at: Lookup,
    /// What a trial judges an interval by: the mean, then with a confidence the share.
    rule: Rule,
    /// Intervals counted as settled before this phase (by `trial_done`).
    settled_before: usize,
    trials: u32,
    /// Some trial's run stopped at its time limit.
    overran: bool,
}

impl<'a> Search<'a> {
    fn new(sc: &'a Scenario, opts: &'a StaffOptions, trial_done: &'a (dyn Fn(usize) + Sync)) -> Self {
        let staffed = staffed_groups(sc, opts);
        let frame = Frame::new(sc, &staffed);
        let weights = (0..frame.days)
            .map(|d| (0..frame.intervals).map(|i| group_weights(sc, &staffed, d, i)).collect())
            .collect();
        let run = RunOptions {
            replications: sc.simulation.replications,
            seed: sc.simulation.seed,
            threads: opts.threads,
            trace: false,
            per_day: frame.per_day,
        };
        let at = Lookup::new(&run::layout(sc, frame.per_day), sc);
        Search {
            sc,
            opts,
            trial_done,
            staffed,
            frame,
            weights,
            run,
            at,
            rule: Rule::Mean,
            settled_before: 0,
            trials: 0,
            overran: false,
        }
    }

    /// Every (day, interval)'s plan before the search: figures and estimates.
    fn first_plans(&self) -> Vec<Vec<SlotPlan>> {
        (0..self.frame.days).map(|d| (0..self.frame.intervals).map(|i| first_plan(self.sc, d, i)).collect()).collect()
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
            let profiles: Vec<Vec<u32>> = totals
                .iter()
                .enumerate()
                .map(|(d, day)| day.iter().enumerate().map(|(i, &n)| split(n, &self.weights[d][i])[k]).collect())
                .collect();
            s.groups[g].staffing = Staffing::PerInterval(if self.frame.per_day {
                DayProfiles::per_day(profiles)
            } else {
                DayProfiles::every_day(profiles.into_iter().next().unwrap_or_default())
            });
        }
        s
    }

    /// Runs every replication of `scenario` (results per day or not), noting whether one overran.
    fn run_all(&mut self, scenario: &Scenario, per_day: bool) -> Vec<Replication> {
        let opts = RunOptions { per_day, ..self.run.clone() };
        let reps = run::run_all(scenario, &opts, &|_| {});
        self.overran = self.overran || reps.iter().any(|r| r.counts.overran);
        reps
    }

    /// One trial: the staffing `totals` simulated, each slot's figures as the rule reads them.
    fn trial(&mut self, totals: &[Vec<u32>]) -> Figures {
        self.trials += 1;
        let scenario = self.scenario(totals);
        let per_day = match &self.rule {
            Rule::Mean => self.frame.per_day,
            Rule::Share { per_day, .. } => *per_day,
        };
        let reps = self.run_all(&scenario, per_day);
        match &self.rule {
            Rule::Mean => Figures::Means(Means::of(&reps, &self.at)),
            Rule::Share { level, at, .. } => Figures::Shares(Shares::of(self.sc, &self.frame, &reps, at, *level)),
        }
    }

    /// Day `d`'s interval `i` meets the target in trial `m`.
    fn meets(&self, m: &Figures, d: usize, i: usize) -> bool {
        match m {
            Figures::Means(m) => m.meets(self.sc, self.frame.slot(d, i)),
            Figures::Shares(s) => s.holds(d, i),
        }
    }

    /// Settles interval `i` of `days` by trials, all days in the same
    /// trials, marking in `at_limit` those still missed at the limit;
    /// returns the last trial.
    fn settle(&mut self, totals: &mut [Vec<u32>], i: usize, days: &[usize], at_limit: &mut [Vec<bool>]) -> Figures {
        let brackets = vec![Bracket::NEW; days.len()];
        self.settle_from(totals, i, days, brackets, at_limit)
    }

    /// [`Search::settle`] with the brackets given.
    fn settle_from(
        &mut self,
        totals: &mut [Vec<u32>],
        i: usize,
        days: &[usize],
        mut brackets: Vec<Bracket>,
        at_limit: &mut [Vec<bool>],
    ) -> Figures {
        let max = self.opts.max_agents;
        loop {
            let m = self.trial(totals);
            for (b, &d) in brackets.iter_mut().zip(days).filter(|(b, _)| !b.done) {
                let ok = self.meets(&m, d, i);
                let n = totals[d][i];
                totals[d][i] = b.next(n, ok, max);
                at_limit[d][i] = b.done && !ok && n >= max;
            }
            (self.trial_done)(self.settled_before + i);
            if brackets.iter().all(|b| b.done) {
                return m;
            }
        }
    }

    /// First every interval in time order, the days side by side, each
    /// starting from its estimate corrected by the previous interval's error.
    fn settle_in_time_order(&mut self, totals: &mut [Vec<u32>], at_limit: &mut [Vec<bool>]) {
        let all_days: Vec<usize> = (0..self.frame.days).collect();
        let start = totals.to_vec();
        for i in 0..self.frame.intervals {
            if i > 0 {
                self.correct_by_previous_error(totals, &start, i);
            }
            self.settle(totals, i, &all_days, at_limit);
        }
    }

    /// Moves interval `i`'s start by what the search changed in interval
    /// `i − 1`: the analytic model's bias changes slowly, so the bracket
    /// often needs just two trials (n meets, n − 1 does not).
    fn correct_by_previous_error(&self, totals: &mut [Vec<u32>], start: &[Vec<u32>], i: usize) {
        for d in 0..self.frame.days {
            let (was, now) = (i64::from(start[d][i - 1]), i64::from(totals[d][i - 1]));
            if was > 0 && start[d][i] > 0 {
                let corrected = i64::from(start[d][i]) + now - was;
                totals[d][i] = corrected.clamp(1, i64::from(self.opts.max_agents)) as u32;
            }
        }
    }

    /// Then, in time order, each (day, interval) the latest trial shows
    /// missed, on its own, for up to three passes: a change moves only what
    /// comes after it (and, by its backlog, the interval before), so one pass
    /// mostly settles everything. Returns the latest trial.
    fn settle_missed_again(&mut self, totals: &mut [Vec<u32>], at_limit: &mut [Vec<bool>]) -> Figures {
        let mut latest = self.trial(totals);
        for _pass in 0..3 {
            let mut changed = false;
            for d in 0..self.frame.days {
                for i in 0..self.frame.intervals {
                    if !at_limit[d][i] && !self.meets(&latest, d, i) {
                        latest = self.settle(totals, i, &[d], at_limit);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
            latest = self.trial(totals);
        }
        latest
    }

    /// The confidence phase: from the mean's answer, in time order, each
    /// (day, interval) the latest trial shows below the confidence gets more
    /// agents, bracketed above the count that missed (so never fewer than
    /// the mean's answer), on its own; for up to three passes, each after a
    /// trial of the whole staffing. Counts only rise. Returns the latest trial.
    fn raise_below_confidence(&mut self, totals: &mut [Vec<u32>], at_limit: &mut [Vec<bool>]) -> Figures {
        let max = self.opts.max_agents;
        let mut latest = self.trial(totals);
        for _pass in 0..3 {
            let mut changed = false;
            for d in 0..self.frame.days {
                for i in 0..self.frame.intervals {
                    if at_limit[d][i] || self.meets(&latest, d, i) {
                        continue;
                    }
                    let n = totals[d][i];
                    if n >= max {
                        at_limit[d][i] = true;
                        continue;
                    }
                    totals[d][i] = n + 1;
                    latest = self.settle_from(totals, i, &[d], vec![Bracket::above(n)], at_limit);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
            latest = self.trial(totals);
        }
        latest
    }

    /// The (day, interval)s not met: missed at the limit, or still missed
    /// after three passes.
    fn unreachable(&self, latest: &Figures, at_limit: &[Vec<bool>]) -> Vec<Vec<bool>> {
        (0..self.frame.days)
            .map(|d| (0..self.frame.intervals).map(|i| at_limit[d][i] || !self.meets(latest, d, i)).collect())
            .collect()
    }

    /// The final run of the staffing found, and the plan of each slot. With
    /// a confidence (its level, the mean's answer and the latest trial), an
    /// interval the final run shows below the mean target is marked too.
    fn finish(
        mut self,
        totals: &[Vec<u32>],
        slots: Vec<Vec<SlotPlan>>,
        unreachable: &[Vec<bool>],
        at_confidence: Option<(f64, Vec<Vec<u32>>, Figures)>,
    ) -> Staffed {
        let scenario = self.scenario(totals);
        let reps = self.run_all(&scenario, self.frame.per_day);
        let results = run::aggregate_results(&scenario, self.frame.per_day, &reps);
        let means = at_confidence.as_ref().map(|_| Figures::Means(Means::of(&reps, &self.at)));
        let missed = |d: usize, i: usize| means.as_ref().is_some_and(|m| !self.meets(m, d, i));
        let mean_agents = |d: usize, i: usize| at_confidence.as_ref().map(|(_, mean, _)| mean[d][i]);
        let met_share = |d: usize, i: usize| match &at_confidence {
            Some((_, _, Figures::Shares(s))) => s.share(d, i),
            _ => None,
        };
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
            trials: self.trials + 1,
            overran: self.overran,
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
    /// At least `level` of the (replication, day) pairs meet the target; the
    /// trials keep results per day (`per_day`) when there are several days,
    /// and `at` finds the figures in them.
    Share { level: f64, per_day: bool, at: Lookup },
}

impl Rule {
    /// The share rule at `level` for a scenario planned in `frame`.
    fn share(sc: &Scenario, frame: &Frame, level: f64) -> Rule {
        let per_day = frame.per_day || sc.simulation.days > 1;
        Rule::Share { level, per_day, at: Lookup::new(&run::layout(sc, per_day), sc) }
    }
}

/// A trial's figures, as its rule reads them.
enum Figures {
    Means(Means),
    Shares(Shares),
}

/// Per planned (day, interval): the (replication, day) pairs it covers and
/// those meeting the target, and the confidence they are held to.
struct Shares {
    level: f64,
    intervals: usize,
    met: Vec<u32>,
    pairs: Vec<u32>,
}

impl Shares {
    /// The pairs of a trial whose results are kept per day (see [`Rule::share`]).
    fn of(sc: &Scenario, frame: &Frame, reps: &[Replication], at: &Lookup, level: f64) -> Shares {
        let (mut met, mut pairs) = (Vec::new(), Vec::new());
        for d in 0..frame.days {
            for i in 0..frame.intervals {
                let (mut m, mut n) = (0, 0);
                for k in pair_days(sc, frame, d, i) {
                    let slot = frame.day_slot(k, i);
                    for r in reps {
                        let values = r.slots.binary_search_by_key(&slot, |s| s.0).ok().map(|x| r.slots[x].1.as_slice());
                        n += 1;
                        m += u32::from(at.meets(sc, values));
                    }
                }
                met.push(m);
                pairs.push(n);
            }
        }
        Shares { level, intervals: frame.intervals, met, pairs }
    }

    /// The share of day `d`'s interval `i` (none without pairs).
    fn share(&self, d: usize, i: usize) -> Option<f64> {
        let k = d * self.intervals + i;
        (self.pairs[k] > 0).then(|| f64::from(self.met[k]) / f64::from(self.pairs[k]))
    }

    /// Day `d`'s interval `i` meets the target in at least `level` of its pairs.
    fn holds(&self, d: usize, i: usize) -> bool {
        let k = d * self.intervals + i;
        Confidence::holds(self.level, self.met[k], self.pairs[k])
    }
}

/// Each slot's mean service level and abandonment rate over the replications
/// (those where it is defined), as `aggregate` computes them.
struct Means {
    service_level: Vec<Option<f64>>,
    abandon_rate: Vec<Option<f64>>,
}

impl Means {
    fn of(reps: &[Replication], at: &Lookup) -> Means {
        let slots = reps.iter().flat_map(|r| r.slots.iter().map(|s| s.0 + 1)).max().unwrap_or(0);
        let mean = |label: Option<usize>| -> Vec<Option<f64>> {
            let Some(label) = label else { return vec![None; slots] };
            let mut sums = vec![(0.0, 0u32); slots];
            for r in reps {
                for (slot, values) in &r.slots {
                    if let Some(v) = values[label].filter(|v| v.is_finite()) {
                        sums[*slot].0 += v;
                        sums[*slot].1 += 1;
                    }
                }
            }
            sums.iter().map(|&(sum, n)| (n > 0).then(|| sum / f64::from(n))).collect()
        };
        Means { service_level: mean(at.service_level), abandon_rate: mean(at.abandon_rate) }
    }

    /// Meets the goal and the cap? Slots without figures meet them (nothing happened).
    fn meets(&self, sc: &Scenario, slot: usize) -> bool {
        let get = |v: &[Option<f64>]| v.get(slot).copied().flatten();
        let sl = &sc.service_level;
        get(&self.service_level).is_none_or(|v| v >= sl.goal)
            && sl.max_abandon.is_none_or(|cap| get(&self.abandon_rate).is_none_or(|v| v <= cap))
    }
}

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
    }
}

/// Open intervals of a scenario (what `trial_done` counts).
pub fn intervals(sc: &Scenario) -> usize {
    sc.simulation.open_intervals()
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
