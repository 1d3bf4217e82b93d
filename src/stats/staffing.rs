//! A staffing plan and the run that proves it: what `staff` finds and the
//! report layer writes (staffing.csv, comparison.csv, the chart).

use super::{Aggregate, Metric, Results, Scope};
use crate::scenario::Scenario;

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
    /// Some trial's replication stopped at the time limit (see
    /// [`crate::model::RunCounts::overran`]): the staffing is not to be trusted.
    pub overran: bool,
    /// Staffed at a confidence (`staff --confidence`), else at the mean.
    pub confidence: Option<Confidence>,
}

/// How a staffing at a confidence was judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Confidence {
    /// The share of (replication, day) pairs that must meet the target in each interval.
    pub level: f64,
    /// The fewest pairs behind a planned interval's share (replications × the
    /// days it covers, those after the warm-up): the share moves in steps of 1 ÷ pairs.
    pub pairs: u32,
}

impl Confidence {
    /// The pairs of `pairs` that may miss the target: ⌊(1 − level) × pairs⌋.
    pub fn misses_allowed(level: f64, pairs: u32) -> u32 {
        ((1.0 - level) * f64::from(pairs) + 1e-9).floor() as u32
    }

    /// `met` of `pairs` meet the rule: at most [`Confidence::misses_allowed`] missed.
    pub fn holds(level: f64, met: u32, pairs: u32) -> bool {
        pairs - met.min(pairs) <= Confidence::misses_allowed(level, pairs)
    }
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
    /// With a confidence: the agents of the staffed groups the mean rule needs.
    pub mean_agents: Option<u32>,
    /// With a confidence: the share of (replication, day) pairs meeting the
    /// target at the staffing found.
    pub met_share: Option<f64>,
    /// The replications the decision between n − 1 and n agents took (more
    /// than the scenario's when their confidence intervals held the target).
    pub decision_replications: u32,
    /// The decision stopped at `--max-replications` with the evidence still
    /// unclear, and took the safer n.
    pub decided_at_cap: bool,
}

/// The search's view of a scenario: planned days, intervals and where they land in the results.
pub struct Frame {
    pub per_day: bool,
    pub days: usize,
    pub intervals: usize,
    /// Result slot of the first open interval of a day.
    first_slot: usize,
    slots_per_day: usize,
}

impl Frame {
    /// The frame of `sc`, its days planned apart or not (`jobs::staff`
    /// decides which, from the forecast and the kept staffing).
    pub fn with(sc: &Scenario, per_day: bool) -> Frame {
        let sim = &sc.simulation;
        Frame {
            per_day,
            days: if per_day { sim.days as usize } else { 1 },
            intervals: sim.open_intervals(),
            first_slot: (sim.start / sim.interval) as usize,
            slots_per_day: sim.intervals_per_day(),
        }
    }

    /// The result slot of planned day `d`, open interval `i`.
    pub fn slot(&self, d: usize, i: usize) -> usize {
        let day = if self.per_day { d * self.slots_per_day } else { 0 };
        day + self.first_slot + i
    }

    /// The slot of calendar day `day` (0-based), open interval `i`, in
    /// results kept per day (`--per-day`, or any run of one day).
    pub fn day_slot(&self, day: usize, i: usize) -> usize {
        day * self.slots_per_day + self.first_slot + i
    }
}

/// The figures of a slot for a metric of scope `all` (key `all`), or of a group.
pub fn slot_figure<'a>(
    results: &'a Results,
    slot: usize,
    scope: Scope,
    key: &str,
    metric: Metric,
) -> Option<&'a Aggregate> {
    let k = results.intervals.binary_search_by_key(&slot, |s| s.0).ok()?;
    let i = results.labels.iter().position(|l| l.scope == scope && l.key == key && l.metric == metric)?;
    Some(&results.intervals[k].1[i])
}

impl Staffed {
    /// The result slot of planned day `d` (0 when not per day), open interval `i`.
    pub fn slot(&self, d: usize, i: usize) -> usize {
        Frame::with(&self.scenario, self.per_day).slot(d, i)
    }

    /// Agents of the staffed groups in an interval.
    pub fn staffed_agents(&self, plan: &SlotPlan) -> u32 {
        self.staffed.iter().map(|&g| plan.agents[g]).sum()
    }

    /// Intervals whose target is missed (at the agent limit, or still after
    /// the search's last pass): (planned day, interval).
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
    use super::Confidence;

    #[test]
    fn the_share_rule_allows_the_floor_of_one_minus_q_times_the_pairs_to_miss() {
        for (q, pairs, allowed) in
            [(0.9, 10, 1), (0.9, 20, 2), (0.9, 9, 0), (0.99, 10, 0), (0.99, 100, 1), (0.5, 3, 1), (0.7, 10, 3)]
        {
            assert_eq!(Confidence::misses_allowed(q, pairs), allowed, "{q} of {pairs}");
            for met in 0..=pairs {
                let share = f64::from(met) / f64::from(pairs);
                assert_eq!(Confidence::holds(q, met, pairs), share >= q - 1e-12, "{q}: {met} of {pairs}");
            }
        }
        assert!(Confidence::holds(0.9, 0, 0), "no pairs, nothing missed");
    }
}
