//! Staffing trials that resume instead of restarting (docs/design.md §5.2).
//!
//! Staff settles intervals in time order, so when it tries counts for one
//! interval, everything before that interval's start is already fixed. Each
//! replication's run is kept paused there (the *base*, a whole
//! [`Center`], events, agents, chats, random streams and observer); a trial
//! clones it, sets the staffing under trial, and runs only until the
//! interval's new chats have all left the queue (answered, abandoned,
//! blocked or closed), which the [`Judge`] tells as it happens. When the
//! interval is settled, the bases run on to the next interval's start. A
//! trial resumed so gives the figures a run from the start would give, to
//! the last bit: a clone pops the same events in the same order, and the
//! staffing events read their counts when they come ([`Mode::Restart`]
//! runs from the start, to prove it; tests/it/staff.rs compares the two).

use crate::engine::SimTime;
use crate::model::{Center, RunCounts, peak, plans_breaks};
use crate::scenario::{Scenario, Staffing};
use crate::stats::Judge;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Arc;

/// How a trial is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// From the paused runs at the interval's start (the default).
    Resume,
    /// From the start, to the end: slow, and the reference.
    Restart,
}

/// The intervals one trial judges and the stretch of time it must cover.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The day slots judged (one interval of every day when one staffing serves them all).
    pub slots: Vec<usize>,
    /// A trial may resume from here: the first interval's start, or its
    /// day's midnight when a staffed group plans its day's breaks from
    /// the day's staffing.
    pub from: SimTime,
    /// The last interval's end: a trial runs to here at least, then until
    /// its intervals' chats have all left the queue.
    pub until: SimTime,
}

/// The runs of a staffing search, one per replication.
pub struct Trials<'a> {
    sc: &'a Scenario,
    mode: Mode,
    /// Agents in each group's pool (grown when a staffing needs more).
    pools: Vec<u32>,
    /// Replication r's run, paused before the instant beside it (`None`:
    /// not started); replications beyond the scenario's are added when a
    /// decision needs them.
    bases: Vec<Option<(Center<'a, Judge>, SimTime)>>,
    /// Some run stopped at its time limit.
    pub overran: bool,
    /// Trials run so far (whole runs included).
    pub count: u32,
}

impl<'a> Trials<'a> {
    pub fn new(sc: &'a Scenario, mode: Mode) -> Trials<'a> {
        Trials { sc, mode, pools: vec![0; sc.groups.len()], bases: Vec::new(), overran: false, count: 0 }
    }

    /// Where a trial judging `slots` (day slots, the interval `i` of the
    /// days `days`) resumes and how far it runs.
    pub fn unit(sc: &Scenario, staffed: &[usize], days: &[u32], i: usize) -> Unit {
        let sim = &sc.simulation;
        let spd = sim.intervals_per_day();
        let first = (sim.start / sim.interval) as usize;
        let (d0, dn) = (days[0], days[days.len() - 1]);
        let plans = staffed.iter().any(|&g| plans_breaks(&sc.groups[g]));
        Unit {
            slots: days.iter().map(|&d| d as usize * spd + first + i).collect(),
            from: if plans { SimTime::of_day(d0, 0) } else { SimTime::of_day(d0, sim.interval_start(i)) },
            until: SimTime::of_day(dn, sim.interval_start(i) + sim.interval),
        }
    }

    /// Grows the pools to fit `staffing` (and some room); false when they had to grow.
    fn fit(&mut self, staffing: &[Staffing]) -> bool {
        let sim = &self.sc.simulation;
        let mut fits = true;
        for (pool, s) in self.pools.iter_mut().zip(staffing) {
            let need = peak(s, sim);
            if need > *pool {
                // Room to grow, so that a search rarely starts over.
                *pool = need.max(pool.saturating_mul(2)).saturating_add(2);
                fits = false;
            }
        }
        fits
    }

    /// Replication `r`'s run with `staffing`, started.
    fn fresh(sc: &'a Scenario, pools: &[u32], staffing: &Arc<[Staffing]>, r: u32) -> Center<'a, Judge> {
        let mut c = Center::with_staffing(sc, Arc::clone(staffing), pools, sc.simulation.seed, r, Judge::of(sc));
        c.start();
        c
    }

    fn note(&mut self, counts: Option<RunCounts>) {
        self.overran |= counts.is_some_and(|c| c.overran);
    }

    /// Replications `reps` run whole with `staffing`: each one's judge at the end.
    pub fn whole(&mut self, staffing: &Arc<[Staffing]>, reps: Range<u32>) -> Vec<Judge> {
        self.count += 1;
        self.fit(staffing);
        let (sc, pools) = (self.sc, &self.pools);
        let done: Vec<(Judge, Option<RunCounts>)> = reps
            .into_par_iter()
            .map(|r| {
                let mut c = Self::fresh(sc, pools, staffing, r);
                let counts = c.run_while(|_, _| true);
                (c.observer().clone(), counts)
            })
            .collect();
        done.into_iter()
            .map(|(j, counts)| {
                self.note(counts);
                j
            })
            .collect()
    }

    /// Replications `reps` with `staffing`, judged on `unit`: each one's
    /// judge once the unit's chats have all left the queue. `staffing` must
    /// agree with every staffing tried since the last [`Trials::rewind`] on
    /// all before `unit.from` (the search's settled intervals).
    pub fn judge(&mut self, staffing: &Arc<[Staffing]>, unit: &Unit, reps: Range<u32>) -> Vec<Judge> {
        if self.mode == Mode::Restart {
            return self.whole(staffing, reps);
        }
        self.count += 1;
        if !self.fit(staffing) {
            self.bases.clear();
        }
        if self.bases.len() < reps.end as usize {
            self.bases.resize_with(reps.end as usize, || None);
        }
        let (sc, pools, from) = (self.sc, &self.pools, unit.from);
        let (slots, until) = (&unit.slots, unit.until);
        let start = reps.start;
        let tried: Vec<(Judge, Option<RunCounts>)> = self.bases[reps.start as usize..reps.end as usize]
            .par_iter_mut()
            .enumerate()
            .map(|(k, base)| {
                let r = start + k as u32;
                if base.as_ref().is_none_or(|(_, at)| *at > from) {
                    *base = Some((Self::fresh(sc, pools, staffing, r), SimTime::ZERO));
                }
                let (b, at) = base.as_mut().expect("a base");
                b.set_staffing(Arc::clone(staffing));
                let ended = b.run_while(|_, t| t < from);
                *at = from;
                if ended.is_some() {
                    // Over before the unit began: nothing to run.
                    return (b.observer().clone(), ended);
                }
                let mut t = b.clone();
                t.set_staffing(Arc::clone(staffing));
                let counts = t.run_while(|j, t| t < until || slots.iter().any(|&s| j.waiting(s) > 0));
                (t.observer().clone(), counts)
            })
            .collect();
        tried
            .into_iter()
            .map(|(j, counts)| {
                self.note(counts);
                j
            })
            .collect()
    }

    /// The next trial starts over (a new pass of the search, in time order again).
    pub fn rewind(&mut self) {
        self.bases.clear();
    }
}
