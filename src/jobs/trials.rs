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
    /// Each replication's run, paused before `at` (empty: not started).
    bases: Vec<Center<'a, Judge>>,
    at: SimTime,
    /// Some run stopped at its time limit.
    pub overran: bool,
    /// Trials run so far (whole runs included).
    pub count: u32,
}

impl<'a> Trials<'a> {
    pub fn new(sc: &'a Scenario, mode: Mode) -> Trials<'a> {
        Trials {
            sc,
            mode,
            pools: vec![0; sc.groups.len()],
            bases: Vec::new(),
            at: SimTime::ZERO,
            overran: false,
            count: 0,
        }
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

    /// A started run of every replication with `staffing`.
    fn fresh(&mut self, staffing: &Arc<[Staffing]>) -> Vec<Center<'a, Judge>> {
        let (sc, sim) = (self.sc, &self.sc.simulation);
        for (pool, s) in self.pools.iter_mut().zip(staffing.iter()) {
            let need = peak(s, sim);
            if need > *pool {
                // Room to grow, so that a search rarely starts over.
                *pool = need.max(pool.saturating_mul(2)).saturating_add(2);
            }
        }
        let pools = &self.pools;
        let seed = sim.seed;
        (0..sim.replications)
            .into_par_iter()
            .map(|r| {
                let mut c = Center::with_staffing(sc, Arc::clone(staffing), pools, seed, r, Judge::of(sc));
                c.start();
                c
            })
            .collect()
    }

    fn note(&mut self, counts: Option<RunCounts>) {
        self.overran |= counts.is_some_and(|c| c.overran);
    }

    /// Every replication run whole with `staffing`: its judge at the end.
    pub fn whole(&mut self, staffing: &Arc<[Staffing]>) -> Vec<Judge> {
        self.count += 1;
        let runs = self.fresh(staffing);
        let done: Vec<(Judge, Option<RunCounts>)> = runs
            .into_par_iter()
            .map(|mut c| {
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

    /// Every replication with `staffing`, judged on `unit`: each one's
    /// judge once the unit's chats have all left the queue. `staffing` must
    /// agree with every staffing tried since the last [`Trials::rewind`] on
    /// all before `unit.from` (the search's settled intervals).
    pub fn judge(&mut self, staffing: &Arc<[Staffing]>, unit: &Unit) -> Vec<Judge> {
        if self.mode == Mode::Restart {
            return self.whole(staffing);
        }
        self.count += 1;
        let fits = self.bases.first().is_some_and(|b| b.fits(staffing));
        if !fits || self.at > unit.from {
            self.bases = self.fresh(staffing);
            self.at = SimTime::ZERO;
        }
        let from = unit.from;
        let ended: Vec<Option<RunCounts>> = self
            .bases
            .par_iter_mut()
            .map(|b| {
                b.set_staffing(Arc::clone(staffing));
                b.run_while(|_, at| at < from)
            })
            .collect();
        self.at = from;
        let (slots, until) = (&unit.slots, unit.until);
        let tried: Vec<(Judge, Option<RunCounts>)> = self
            .bases
            .par_iter()
            .zip(ended.par_iter())
            .map(|(b, ended)| {
                if ended.is_some() {
                    // Over before the unit began: nothing to run.
                    return (b.observer().clone(), None);
                }
                let mut t = b.clone();
                t.set_staffing(Arc::clone(staffing));
                let counts = t.run_while(|j, at| at < until || slots.iter().any(|&s| j.waiting(s) > 0));
                (t.observer().clone(), counts)
            })
            .collect();
        for e in ended {
            self.note(e);
        }
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
        self.at = SimTime::ZERO;
    }
}
