//! `ccsim schedule`: from head counts to a roster. The requirement (agents
//! per interval: `staff`'s answer, or a staffing file) is covered by shifts
//! at least cost ([`crate::analytic::roster`]); the roster is simulated with
//! every replication (common random numbers); where an interval misses the
//! service-level goal (or the abandonment cap), its requirement rises by one
//! for each scheduled group that works there and the roster is solved again.
//! The loop stops when every interval meets the target, when a round is not
//! better than the one before (fewer intervals short), or at `max_rounds`.
//! The roster kept is the best round's: fewest intervals short, then the
//! cheapest.

use crate::analytic::roster::scheduled_groups;
pub use crate::analytic::roster::{Infeasible, Limits, Roster, Round, Scheduled, solve};
use crate::jobs::run::{self, RunOptions};
use crate::jobs::staff::{Mode, StaffOptions, default_max_replications, staff};
use crate::model::SegmentKind;
use crate::scenario::{Scenario, Staffing};
use crate::stats::{Frame, Metric, Results, Scope, slot_figure};

/// What to schedule from, and within which limits.
#[derive(Debug, Clone)]
pub struct ScheduleOptions {
    /// Agents per group, day and open interval; `None`: run `staff` first.
    pub requirement: Option<Vec<Vec<Vec<u32>>>>,
    pub limits: Limits,
    pub max_rounds: u32,
    pub threads: usize,
}

/// Why there is no roster.
#[derive(Debug)]
pub enum ScheduleError {
    /// The rules cannot cover the requirement.
    Infeasible(Infeasible),
    /// A replication did not finish within the limit of simulated time.
    Overran,
}

/// The loop: requirement, solve, simulate, repair.
pub fn schedule(sc: &Scenario, opts: &ScheduleOptions) -> Result<Scheduled, ScheduleError> {
    let Some(sch) = sc.scheduling.clone() else {
        return Err(ScheduleError::Infeasible(Infeasible {
            group: 0,
            day: 0,
            intervals: Vec::new(),
            solver_error: Some("no [scheduling] table".into()),
        }));
    };
    let sim = &sc.simulation;
    let (requirement, staff_trials) = match &opts.requirement {
        Some(r) => (r.clone(), 0),
        None => {
            // Working agents are what the roster covers, its own breaks apart:
            // staffed without the scheduled groups' `breaks` (see `with_roster`).
            let found = staff(
                &without_group_breaks(sc, &scheduled_groups(sc, &sch)),
                &StaffOptions {
                    group: None,
                    max_agents: 1000,
                    threads: opts.threads,
                    confidence: None,
                    trials: Mode::Resume,
                    max_replications: default_max_replications(sc),
                },
                &|_| {},
            );
            if found.overran {
                return Err(ScheduleError::Overran);
            }
            let req = (0..sc.groups.len())
                .map(|g| {
                    (0..sim.days as usize)
                        .map(|d| {
                            let day = if found.per_day { d } else { 0 };
                            found.slots[day].iter().map(|p| p.agents[g]).collect()
                        })
                        .collect()
                })
                .collect();
            (req, found.trials)
        }
    };
    let per_day = sim.days > 1;
    let run_opts = RunOptions { per_day, ..RunOptions::of(sc, opts.threads) };
    let mut covered = requirement.clone();
    let mut rounds: Vec<Round> = Vec::new();
    let mut best: Option<Best> = None;
    for round in 0..opts.max_rounds.max(1) {
        let solving = std::time::Instant::now();
        let roster = solve(sc, &sch, &covered, opts.limits).map_err(ScheduleError::Infeasible)?;
        let solve_secs = solving.elapsed().as_secs_f64();
        let rostered = with_roster(sc, &roster);
        let reps = run::in_pool(opts.threads, || run::run_all(&rostered, &run_opts, &|_| {}));
        if reps.iter().any(|r| r.counts.overran) {
            return Err(ScheduleError::Overran);
        }
        let results = run::aggregate_results(&rostered, per_day, &reps);
        let frame = Frame::with(&rostered, per_day);
        let (short, shortfall) = short_intervals(&rostered, &frame, &results);
        rounds.push(Round {
            cost: roster.cost(),
            bound: roster.bound(),
            gap: roster.gap(),
            status: roster.status().name(),
            paid_hours: roster.paid_hours(),
            solve_secs,
            short: short.clone(),
            shortfall,
        });
        let better = best.as_ref().is_none_or(|(k, ..)| {
            let b = &rounds[*k];
            (short.len(), shortfall, roster.cost()) < (b.short.len(), b.shortfall, b.cost)
        });
        // Nothing improves: no fewer intervals short, and no smaller shortfall.
        let stuck = rounds.len().checked_sub(2).is_some_and(|k| {
            let p = &rounds[k];
            short.len() >= p.short.len() && shortfall >= p.shortfall - 1e-12
        });
        if better {
            best = Some((round as usize, rostered, roster.clone(), covered.clone(), results));
        }
        if short.is_empty() || stuck {
            break;
        }
        // Repair: one more agent working in each interval short, for every
        // scheduled group that has a requirement there (else every scheduled group).
        for &(d, i) in &short {
            let days: Vec<usize> = if per_day { vec![d] } else { (0..sim.days as usize).collect() };
            for d in days {
                let with_need: Vec<usize> = roster.groups.iter().copied().filter(|&g| covered[g][d][i] > 0).collect();
                let raise = if with_need.is_empty() { roster.groups.clone() } else { with_need };
                for g in raise {
                    covered[g][d][i] += 1;
                }
            }
        }
    }
    let Some((kept, scenario, roster, covered, results)) = best else {
        return Err(ScheduleError::Overran);
    };
    Ok(Scheduled {
        scenario,
        roster,
        requirement,
        covered,
        per_day,
        results,
        rounds,
        kept,
        staff_trials,
        overran: false,
    })
}

/// The best round so far: its number, scenario, roster, requirement covered and results.
type Best = (usize, Scenario, Roster, Vec<Vec<Vec<u32>>>, Results);

/// The scenario whose scheduled groups are staffed by the roster's shifts;
/// their breaks are the roster's (the templates'), in place of the group's
/// own `breaks`, which would otherwise be taken on top of them.
pub fn with_roster(sc: &Scenario, roster: &Roster) -> Scenario {
    let mut out = without_group_breaks(sc, &roster.groups);
    for (k, &g) in roster.groups.iter().enumerate() {
        out.groups[g].staffing = Staffing::Shifts(roster.shifts(k));
    }
    out
}

/// `sc` with no `breaks` of its own in `groups`.
fn without_group_breaks(sc: &Scenario, groups: &[usize]) -> Scenario {
    let mut out = sc.clone();
    for &g in groups {
        out.groups[g].breaks.clear();
    }
    out
}

/// The (day, open interval) pairs whose mean service level is below the
/// goal, or whose abandonment rate is above the cap.
fn short_intervals(sc: &Scenario, frame: &Frame, results: &Results) -> (Vec<(usize, usize)>, f64) {
    let sl = &sc.service_level;
    let mut out = Vec::new();
    let mut shortfall = 0.0;
    for d in 0..frame.days {
        for i in 0..frame.intervals {
            let slot = frame.slot(d, i);
            let mean = |m| slot_figure(results, slot, Scope::All, "all", m).and_then(|a| a.mean);
            let low = mean(Metric::ServiceLevel(SegmentKind::New)).map_or(0.0, |v| (sl.goal - v).max(0.0));
            let over = sl
                .max_abandon
                .and_then(|cap| mean(Metric::AbandonRate(SegmentKind::New)).map(|v| (v - cap).max(0.0)))
                .unwrap_or(0.0);
            if low > 0.0 || over > 0.0 {
                out.push((d, i));
                shortfall += low + over;
            }
        }
    }
    (out, shortfall)
}
