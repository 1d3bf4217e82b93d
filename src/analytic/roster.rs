//! Rosters: the shift covering problem of `ccsim schedule` as a mixed-integer
//! program, solved with the pure-Rust `microlp` branch and bound.
//!
//! For each scheduled group and day, every shift a template allows — a
//! start on its grid and a placement of each break on the quarter-hour grid
//! inside its window — is an integer variable (how many agents work it).
//! Each open quarter hour must have at least the requirement of its interval
//! *working* (on duty and not on a break); the cost is the shifts' cost, plus
//! `over_cost` per agent-interval beyond the requirement and, when given,
//! `under_cost` per agent-interval short of it (else coverage is a hard
//! constraint). Template `min`/`max` per day, `max_part_time` (a share of the
//! day's shifts) and `max_agents` (on duty at once, breaks included) are rows
//! of the same problem. Days and groups share no row, so each (group, day)
//! is solved on its own; identical ones (same templates, same requirement)
//! once.

use crate::scenario::limits::QUARTER;
use crate::scenario::{Scenario, Scheduling, Shift, ShiftBreak, Template};
use crate::stats::{Frame, Results};
use microlp::{
    ComparisonOp, Error as LpError, OptimizationDirection, Problem, SolveOptions, SolveOutcome, TerminationReason,
};
use std::time::{Duration, Instant};

/// How the search of one (group, day) stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal.
    Optimal,
    /// Within the gap asked for.
    Gap,
    /// Stopped at the time limit with a roster (gap possibly wider).
    TimeLimit,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Gap => "gap",
            Status::TimeLimit => "time_limit",
        }
    }
}

/// A shift of the roster: a template at a start with its breaks (clock
/// times), worked by `count` agents.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterShift {
    pub template: usize,
    pub start: u32,
    pub end: u32,
    pub breaks: Vec<ShiftBreak>,
    pub count: u32,
}

impl RosterShift {
    fn working_at(&self, t: u32) -> bool {
        self.start <= t && t < self.end && !self.breaks.iter().any(|b| b.start <= t && t < b.start + b.length)
    }
    fn on_duty_at(&self, t: u32) -> bool {
        self.start <= t && t < self.end
    }
}

/// The roster of one group on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRoster {
    pub shifts: Vec<RosterShift>,
    /// The objective: shift costs plus over- and under-staffing costs.
    pub cost: f64,
    /// The proven lower bound on it.
    pub bound: f64,
    pub status: Status,
}

/// A roster of every scheduled group and day.
#[derive(Debug, Clone, PartialEq)]
pub struct Roster {
    /// The groups scheduled (those some template serves), by index.
    pub groups: Vec<usize>,
    /// Per scheduled group (as in `groups`), per day.
    pub days: Vec<Vec<DayRoster>>,
    /// How the search stopped: optimal when every day is proven optimal,
    /// else `Gap` when the whole roster's gap is within the target, else `TimeLimit`.
    pub status: Status,
}

impl Roster {
    pub fn cost(&self) -> f64 {
        self.days.iter().flatten().map(|d| d.cost).sum()
    }
    pub fn bound(&self) -> f64 {
        self.days.iter().flatten().map(|d| d.bound).sum()
    }
    /// (cost − bound) ÷ cost, 0 for a cost of 0.
    pub fn gap(&self) -> f64 {
        let cost = self.cost();
        if cost > 0.0 { ((cost - self.bound()) / cost).max(0.0) } else { 0.0 }
    }
    pub fn status(&self) -> Status {
        self.status
    }
    /// Paid agent-hours over all days.
    pub fn paid_hours(&self) -> f64 {
        self.days
            .iter()
            .flatten()
            .flat_map(|d| &d.shifts)
            .map(|s| f64::from(s.count * (s.end - s.start)) / 3600.0)
            .sum()
    }
    /// Group `k`'s (of `groups`) roster as scenario shifts: one per pattern,
    /// with the days it is worked (`None`: every day).
    pub fn shifts(&self, k: usize) -> Vec<Shift> {
        let days = self.days[k].len() as u32;
        let mut out: Vec<Shift> = Vec::new();
        for (d, day) in self.days[k].iter().enumerate() {
            for s in &day.shifts {
                match out
                    .iter_mut()
                    .find(|o| o.start == s.start && o.end == s.end && o.agents == s.count && o.breaks == s.breaks)
                {
                    Some(o) => o.days.get_or_insert_with(Vec::new).push(d as u32),
                    None => out.push(Shift {
                        start: s.start,
                        end: s.end,
                        agents: s.count,
                        days: Some(vec![d as u32]),
                        breaks: s.breaks.clone(),
                    }),
                }
            }
        }
        for s in &mut out {
            if s.days.as_ref().is_some_and(|d| d.len() as u32 == days) {
                s.days = None;
            }
        }
        out
    }
    /// Per open interval of group `k`'s day `d`: agents on duty and agents
    /// working (not on a break), each the mean over the interval's quarter hours.
    pub fn coverage(&self, sc: &Scenario, k: usize, d: usize) -> Vec<(f64, f64)> {
        let sim = &sc.simulation;
        let per = (sim.interval / QUARTER) as usize;
        (0..sim.open_intervals())
            .map(|i| {
                let (mut duty, mut work) = (0u64, 0u64);
                for q in 0..per {
                    let t = sim.interval_start(i) + q as u32 * QUARTER;
                    for s in &self.days[k][d].shifts {
                        duty += u64::from(s.count) * u64::from(s.on_duty_at(t));
                        work += u64::from(s.count) * u64::from(s.working_at(t));
                    }
                }
                (duty as f64 / per as f64, work as f64 / per as f64)
            })
            .collect()
    }
}

/// The requirement cannot be covered under the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasible {
    pub group: usize,
    pub day: usize,
    /// Open intervals (indices) that no roster can cover; empty when only
    /// the rules together (min, max, max_part_time) cannot be met.
    pub intervals: Vec<usize>,
    /// The solver failed rather than proving infeasibility (its message).
    pub solver_error: Option<String>,
}

/// The node budget of a (group, day)'s first search: about half a second
/// on this machine's core for the week of the README's speed case; each
/// further search of it doubles its budget.
const FIRST_NODES: u64 = 5_000;

/// Solve limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Relative gap at which a search may stop.
    pub gap: f64,
    /// Wall-clock budget for the whole roster.
    pub time_limit: Duration,
}

/// A candidate shift: template, start and break placement.
struct Column {
    template: usize,
    start: u32,
    breaks: Vec<ShiftBreak>,
    cost: f64,
}

/// The candidate shifts of group `g` on a day of weekday `weekday`.
fn columns(sch: &Scheduling, g: usize, weekday: u32) -> Vec<Column> {
    let mut out = Vec::new();
    for (ti, t) in sch.templates.iter().enumerate() {
        if !t.groups.contains(&g) || !t.weekdays.contains(&weekday) {
            continue;
        }
        for start in t.starts() {
            for breaks in placements(t, start) {
                out.push(Column { template: ti, start, breaks, cost: t.cost() });
            }
        }
    }
    out
}

/// Every placement of a template's breaks for a shift starting at `start`:
/// each break on the quarter-hour grid inside its window, none overlapping.
fn placements(t: &Template, start: u32) -> Vec<Vec<ShiftBreak>> {
    let mut out: Vec<Vec<ShiftBreak>> = vec![Vec::new()];
    for b in &t.breaks {
        let mut next = Vec::new();
        for partial in &out {
            for at in (start + b.from..=start + b.to - b.length).step_by(QUARTER as usize) {
                let new = ShiftBreak { start: at, length: b.length };
                if partial.iter().all(|p| at + b.length <= p.start || p.start + p.length <= at) {
                    let mut v = partial.clone();
                    v.push(new);
                    next.push(v);
                }
            }
        }
        out = next;
    }
    for v in &mut out {
        v.sort();
    }
    out.sort();
    out.dedup();
    out
}

/// The groups some template may staff: those a roster schedules.
pub fn scheduled_groups(sc: &Scenario, sch: &Scheduling) -> Vec<usize> {
    (0..sc.groups.len()).filter(|g| sch.templates.iter().any(|t| t.groups.contains(g))).collect()
}

/// Solves every scheduled group's days. `req[g][d][i]`: agents required
/// working in open interval `i` of day `d` for group `g` (all groups).
pub fn solve(sc: &Scenario, sch: &Scheduling, req: &[Vec<Vec<u32>>], limits: Limits) -> Result<Roster, Infeasible> {
    let sim = &sc.simulation;
    let groups = scheduled_groups(sc, sch);
    let days = sim.days as usize;
    // The distinct problems: (group, weekday, requirement).
    let mut keys: Vec<(usize, u32, &[u32])> = Vec::new();
    let mut which: Vec<Vec<usize>> = Vec::new();
    for &g in &groups {
        let mut row = Vec::with_capacity(days);
        for (d, day) in req[g].iter().enumerate().take(days) {
            let key = (g, sim.weekday(d as u32), day.as_slice());
            let k = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                keys.push(key);
                keys.len() - 1
            });
            row.push(k);
        }
        which.push(row);
    }
    // Budgets are branch-and-bound nodes, so that a roster reached within
    // the gap is the same on any machine; the time limit is only a safety
    // stop (then the status says `time_limit`).
    let started = Instant::now();
    let deadline = started + limits.time_limit;
    // Phase 1: each distinct problem, with a first node budget.
    let mut states: Vec<DayState> = Vec::with_capacity(keys.len());
    for (k, &(g, weekday, r)) in keys.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        let day = which[groups.iter().position(|x| *x == g).unwrap_or(0)].iter().position(|x| *x == k).unwrap_or(0);
        let state = solve_day(sc, sch, g, weekday, r, limits.gap, left)
            .map_err(|(intervals, solver_error)| Infeasible { group: g, day, intervals, solver_error })?;
        states.push(state);
    }
    // Phase 2: while the whole roster's gap is above the target, give the
    // problem with the widest absolute gap twice the nodes it had last.
    let weight: Vec<f64> =
        (0..keys.len()).map(|k| which.iter().flatten().filter(|&&x| x == k).count() as f64).collect();
    let total = |states: &[DayState], f: &dyn Fn(&DayState) -> f64| -> f64 {
        states.iter().zip(&weight).map(|(s, w)| f(s) * w).sum()
    };
    let gap_of = |states: &[DayState]| {
        let cost = total(states, &|s| s.cost);
        if cost > 0.0 { (cost - total(states, &|s| s.bound)) / cost } else { 0.0 }
    };
    loop {
        if gap_of(&states) <= limits.gap + 1e-12 {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let open = (0..states.len()).filter(|&k| !states[k].settled(limits.gap)).max_by(|&a, &b| {
            let w = |k: usize| (states[k].cost - states[k].bound) * weight[k];
            w(a).total_cmp(&w(b)).then(b.cmp(&a))
        });
        let Some(k) = open else { break };
        states[k].nodes = states[k].nodes.saturating_mul(2);
        states[k].resume(left);
    }
    let all_optimal = states.iter().all(|s| s.status == Status::Optimal);
    let status = if all_optimal {
        Status::Optimal
    } else if gap_of(&states) <= limits.gap + 1e-12 {
        Status::Gap
    } else {
        Status::TimeLimit
    };
    let rosters: Vec<DayRoster> = states.iter().map(|s| s.roster(sch)).collect();
    let days = which.iter().map(|row| row.iter().map(|&k| rosters[k].clone()).collect()).collect();
    Ok(Roster { groups, days, status })
}

/// The search of one (group, day): its shifts, their variables, and the best roster so far.
struct DayState {
    cols: Vec<Column>,
    x: Vec<microlp::Variable>,
    sol: Option<microlp::Solution>,
    /// The node budget of its latest search.
    nodes: u64,
    cost: f64,
    bound: f64,
    status: Status,
}

impl DayState {
    /// Proven optimal, or within the gap asked for.
    fn settled(&self, gap: f64) -> bool {
        self.status != Status::TimeLimit || self.cost <= 0.0 || (self.cost - self.bound) / self.cost <= gap
    }

    fn take(&mut self, sol: microlp::Solution) {
        self.cost = sol.objective();
        self.bound = sol.stats().best_bound.unwrap_or(self.cost).min(self.cost);
        self.status = match sol.termination_reason() {
            TerminationReason::ProvenOptimal => Status::Optimal,
            TerminationReason::MipGap => Status::Gap,
            _ if self.bound >= self.cost - 1e-9 => Status::Optimal,
            _ => Status::TimeLimit,
        };
        self.sol = Some(sol);
    }

    /// Searches on for `nodes` more nodes, stopping at `left` at the latest.
    fn resume(&mut self, left: Duration) {
        let Some(sol) = self.sol.clone() else { return };
        let mut more = sol.last_resume_options();
        more.node_limit = Some(self.nodes);
        more.time_limit = Some(left);
        if let Ok(SolveOutcome::Solution(better)) = SolveOutcome::Solution(sol).resume_with(more) {
            self.take(better);
        }
    }

    fn roster(&self, sch: &Scheduling) -> DayRoster {
        let mut shifts = Vec::new();
        if let Some(sol) = &self.sol {
            for (c, v) in self.cols.iter().zip(&self.x) {
                let count = sol.var_value(*v).round().max(0.0) as u32;
                if count > 0 {
                    let t = &sch.templates[c.template];
                    shifts.push(RosterShift {
                        template: c.template,
                        start: c.start,
                        end: c.start + t.length,
                        breaks: c.breaks.clone(),
                        count,
                    });
                }
            }
        }
        shifts.sort_by(|a, b| (a.start, a.template, &a.breaks).cmp(&(b.start, b.template, &b.breaks)));
        DayRoster { shifts, cost: self.cost, bound: self.bound, status: self.status }
    }
}

/// One (group, day): its columns, rows and solve. Err: the intervals that
/// cannot be covered (see [`Infeasible`]).
fn solve_day(
    sc: &Scenario,
    sch: &Scheduling,
    g: usize,
    weekday: u32,
    req: &[u32],
    gap: f64,
    left: Duration,
) -> Result<DayState, (Vec<usize>, Option<String>)> {
    let nodes = FIRST_NODES;
    let sim = &sc.simulation;
    let per = sim.interval / QUARTER;
    let quarters: Vec<u32> = (sim.start..sim.end).step_by(QUARTER as usize).collect();
    let need = |qi: usize| req[qi / per as usize];
    let all = columns(sch, g, weekday);
    // A shift that works no quarter with a requirement is of no use unless a `min` asks for it.
    let cols: Vec<Column> = all
        .into_iter()
        .filter(|c| {
            let t = &sch.templates[c.template];
            t.min > 0 || quarters.iter().enumerate().any(|(qi, &q)| need(qi) > 0 && working(c, t, q))
        })
        .collect();
    if req.iter().all(|&r| r == 0)
        && sch.templates.iter().all(|t| t.min == 0 || !t.groups.contains(&g) || !t.weekdays.contains(&weekday))
    {
        return Ok(DayState {
            cols: Vec::new(),
            x: Vec::new(),
            sol: None,
            nodes,
            cost: 0.0,
            bound: 0.0,
            status: Status::Optimal,
        });
    }
    let top = req.iter().copied().max().unwrap_or(0);
    let ub = |t: &Template| t.max.unwrap_or(top.max(t.min).max(1)) as i32;
    let mut p = Problem::new(OptimizationDirection::Minimize);
    let x: Vec<_> = cols.iter().map(|c| p.add_integer_var(c.cost, (0, ub(&sch.templates[c.template])))).collect();
    let per_interval = f64::from(QUARTER) / f64::from(sim.interval);
    for (qi, &q) in quarters.iter().enumerate() {
        let r = f64::from(need(qi));
        let terms: Vec<_> = cols
            .iter()
            .zip(&x)
            .filter(|(c, _)| working(c, &sch.templates[c.template], q))
            .map(|(_, v)| (*v, 1.0))
            .collect();
        if r > 0.0 {
            let mut row = terms.clone();
            if let Some(u) = sch.under_cost {
                row.push((p.add_var(u * per_interval, (0.0, r)), 1.0));
            }
            p.add_constraint(row.as_slice(), ComparisonOp::Ge, r);
        }
        if sch.over_cost > 0.0 && !terms.is_empty() {
            let mut row = terms;
            row.push((p.add_var(sch.over_cost * per_interval, (0.0, f64::INFINITY)), -1.0));
            p.add_constraint(row.as_slice(), ComparisonOp::Le, r);
        }
    }
    for (ti, t) in sch.templates.iter().enumerate() {
        let mine: Vec<_> = cols.iter().zip(&x).filter(|(c, _)| c.template == ti).map(|(_, v)| (*v, 1.0)).collect();
        if t.min > 0 && t.groups.contains(&g) && t.weekdays.contains(&weekday) {
            p.add_constraint(mine.as_slice(), ComparisonOp::Ge, f64::from(t.min));
        }
        if let Some(max) = t.max
            && !mine.is_empty()
        {
            p.add_constraint(mine.as_slice(), ComparisonOp::Le, f64::from(max));
        }
    }
    if sch.max_part_time < 1.0 && cols.iter().any(|c| sch.templates[c.template].part_time) {
        let share = sch.max_part_time;
        let row: Vec<_> = cols
            .iter()
            .zip(&x)
            .map(|(c, v)| (*v, if sch.templates[c.template].part_time { 1.0 - share } else { -share }))
            .collect();
        p.add_constraint(row.as_slice(), ComparisonOp::Le, 0.0);
    }
    if let Some(max) = sch.max_agents {
        for q in (0..86_400).step_by(QUARTER as usize) {
            let row: Vec<_> = cols
                .iter()
                .zip(&x)
                .filter(|(c, _)| c.start <= q && q < c.start + sch.templates[c.template].length)
                .map(|(_, v)| (*v, 1.0))
                .collect();
            if !row.is_empty() {
                p.add_constraint(row.as_slice(), ComparisonOp::Le, f64::from(max));
            }
        }
    }
    let mut opts = SolveOptions::default();
    opts.mip_gap = gap;
    opts.node_limit = Some(nodes);
    opts.time_limit = Some(left.max(Duration::from_millis(50)));
    let infeasible = || (uncoverable(sch, &cols, &quarters, &need, per), None);
    let failed = |e: LpError| (Vec::new(), Some(e.to_string()));
    let mut outcome = match p.solve_with(opts) {
        Ok(o) => o,
        Err(LpError::Infeasible) => return Err(infeasible()),
        Err(e) => return Err(failed(e)),
    };
    // No roster within the budget yet: keep searching until the first one.
    let mut timed_out = false;
    while let SolveOutcome::Interrupted(_) = outcome {
        timed_out = true;
        let mut more = outcome.last_resume_options();
        more.node_limit = Some(nodes);
        more.time_limit = None;
        outcome = match outcome.resume_with(more) {
            Ok(o) => o,
            Err(e) => return Err(failed(e)),
        };
    }
    let SolveOutcome::Solution(sol) = outcome else { return Err(infeasible()) };
    let mut state = DayState { cols, x, sol: None, nodes, cost: 0.0, bound: 0.0, status: Status::Optimal };
    state.take(sol);
    if timed_out && state.status == Status::Gap {
        state.status = Status::TimeLimit;
    }
    Ok(state)
}

fn working(c: &Column, t: &Template, q: u32) -> bool {
    c.start <= q && q < c.start + t.length && !c.breaks.iter().any(|b| b.start <= q && q < b.start + b.length)
}

/// The open intervals whose requirement exceeds what any roster can put to
/// work there: templates with a `max` count at most that many, the others
/// without limit, all under `max_agents`.
fn uncoverable(
    sch: &Scheduling,
    cols: &[Column],
    quarters: &[u32],
    need: &dyn Fn(usize) -> u32,
    per: u32,
) -> Vec<usize> {
    let mut out = Vec::new();
    for (qi, &q) in quarters.iter().enumerate() {
        let r = u64::from(need(qi));
        if r == 0 {
            continue;
        }
        let mut most: u64 = 0;
        for (ti, t) in sch.templates.iter().enumerate() {
            if cols.iter().any(|c| c.template == ti && working(c, t, q)) {
                most = most.saturating_add(t.max.map_or(u64::MAX / 4, u64::from));
            }
        }
        if let Some(m) = sch.max_agents {
            most = most.min(u64::from(m));
        }
        let i = qi / per as usize;
        if most < r && !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// One round of the loop.
#[derive(Debug, Clone)]
pub struct Round {
    pub cost: f64,
    pub bound: f64,
    pub gap: f64,
    pub status: &'static str,
    pub paid_hours: f64,
    /// Wall-clock seconds the solve took (not written to files: it varies).
    pub solve_secs: f64,
    /// (day, open interval) missing the target in the simulation.
    pub short: Vec<(usize, usize)>,
    /// How far they miss it: the sum over them of the service level's
    /// shortfall below the goal and the abandonment rate's excess over the cap.
    pub shortfall: f64,
}

/// What `schedule` found: the roster, with the simulation that checks it
/// (made by `jobs::schedule`, written by `report`).
pub struct Scheduled {
    /// The scenario with the roster as its scheduled groups' staffing.
    pub scenario: Scenario,
    pub roster: Roster,
    /// The requirement first given, per group, day and open interval.
    pub requirement: Vec<Vec<Vec<u32>>>,
    /// The requirement the kept roster covers (raised by the repairs).
    pub covered: Vec<Vec<Vec<u32>>>,
    /// Per-day results when there are several days.
    pub per_day: bool,
    pub results: Results,
    pub rounds: Vec<Round>,
    /// The kept round (0-based).
    pub kept: usize,
    /// Trials of `staff` run for the requirement (0 with a file).
    pub staff_trials: u32,
    /// A replication stopped at the time limit of simulated time.
    pub overran: bool,
}

impl Scheduled {
    /// The result slot of day `d`, open interval `i`.
    pub fn slot(&self, d: usize, i: usize) -> usize {
        Frame::with(&self.scenario, self.per_day).slot(if self.per_day { d } else { 0 }, i)
    }
    /// Agent-hours of the requirement first given (the staff-then-round-up baseline's paid hours).
    pub fn requirement_hours(&self) -> f64 {
        let hours = f64::from(self.scenario.simulation.interval) / 3600.0;
        self.roster
            .groups
            .iter()
            .flat_map(|&g| self.requirement[g].iter().flatten())
            .map(|&n| f64::from(n))
            .sum::<f64>()
            * hours
    }
}
