//! `backtest`: replay a period of a center's history through a scenario —
//! the actual arrivals (time and reason) of every day, the actual or
//! estimated staffing of every interval, everything else drawn from the
//! scenario — and compare, interval by interval, with what happened and
//! with Erlang A's prediction from the same inputs.

use crate::analytic::calibrate::actual::{Scoped, Totals, actual_occupancy, actual_totals};
use crate::analytic::calibrate::groups;
use crate::analytic::calibrate::profile::{self, StaffingSource};
use crate::analytic::erlang_a;
use crate::history::{self, Date, History, ReadOptions, Stamp};
use crate::jobs::run::{self, RunOptions};
use crate::scenario::{DayProfiles, ReplayArrival, Scenario, ScenarioError, Staffing, limits};
use crate::stats::{Metric, Scope, SegmentKind::New, layout, metric_labels, scope_names};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What `backtest` reads and how it runs.
#[derive(Debug, Clone)]
pub struct BacktestOptions {
    pub read: ReadOptions,
    pub agents: Option<PathBuf>,
    /// Interval length, seconds (900, 1800 or 3600).
    pub interval: u32,
    pub replications: u32,
    pub seed: u64,
    pub threads: usize,
}

/// The simulation's spread in one interval: mean and the 90% prediction
/// band (the replications' 5th and 95th percentiles, see [`band`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub mean: f64,
    pub p05: f64,
    pub p95: f64,
}

/// One row of `backtest.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub date: Date,
    /// Start of the interval, seconds after midnight.
    pub interval: u32,
    pub scope: Scope,
    pub key: String,
    pub metric: Metric,
    pub actual: Option<f64>,
    pub sim: Option<Band>,
    pub erlang_a: Option<f64>,
}

impl Row {
    /// Whether the actual lies inside the band (to a relative 1e-9).
    pub fn inside(&self) -> Option<bool> {
        let (a, b) = (self.actual?, self.sim?);
        let eps = 1e-9 * a.abs().max(1.0);
        Some(a >= b.p05 - eps && a <= b.p95 + eps)
    }
}

/// One row of `backtest_summary.csv`: a metric and scope over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub metric: Metric,
    pub scope: Scope,
    pub key: String,
    /// Intervals with both an actual value and a simulated band.
    pub intervals: usize,
    /// Share of them whose actual lies inside the band.
    pub coverage: f64,
    /// Mean absolute error of the simulation's mean.
    pub mae: f64,
    /// Mean of (simulated mean − actual).
    pub bias: f64,
    /// Erlang A's mean absolute error over the same intervals, where it predicts.
    pub mae_erlang_a: Option<f64>,
}

/// A finished backtest.
pub struct Backtest {
    pub history: History,
    pub first: Date,
    pub days: u32,
    pub staffing_source: StaffingSource,
    pub rows: Vec<Row>,
    pub summary: Vec<SummaryRow>,
    pub notes: Vec<String>,
}

/// The metrics compared in every scope (occupancy too, for the whole
/// center, when logged-in time is known).
pub const METRICS: [Metric; 5] = [
    Metric::Offered(New),
    Metric::Answered(New),
    Metric::AbandonRate(New),
    Metric::ServiceLevel(New),
    Metric::Asa(New),
];

fn actual_value(t: &Totals, metric: Metric) -> Option<f64> {
    match metric {
        Metric::Offered(New) => Some(t.offered as f64),
        Metric::Answered(New) => Some(t.answered as f64),
        Metric::AbandonRate(New) => t.abandon_rate(),
        Metric::ServiceLevel(New) => t.service_level(),
        Metric::Asa(New) => t.asa(),
        _ => None,
    }
}

/// Replays the history's period through `sc` and compares.
pub fn backtest(sc: &Scenario, history_path: &Path, opts: &BacktestOptions) -> Result<Backtest, ScenarioError> {
    let history = history::read_history(history_path, &opts.read)?;
    let agents = opts.agents.as_deref().map(|a| history::read_agents(a, &opts.read.map)).transpose()?;
    let dates = history.dates();
    let (first, last) = (dates[0], dates[dates.len() - 1]);
    let days = (last.0 - first.0 + 1) as u32;
    if days > limits::MAX_DAYS {
        return Err(ScenarioError::new(
            history_path,
            "arrival",
            format!("the period runs {days} days; expected at most {} (use --from and --to)", limits::MAX_DAYS),
        ));
    }
    // The history's reasons are the scenario's, by name.
    let reason_of: Vec<usize> = history
        .reasons
        .iter()
        .map(|name| {
            sc.reasons.iter().position(|r| &r.name == name).ok_or_else(|| {
                ScenarioError::new(
                    history_path,
                    "reason",
                    format!(
                        "{name:?} is not a reason of {}; expected one of {}",
                        sc.path.display(),
                        sc.reasons.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let mut notes = Vec::new();
    let (staffing, staffing_source) = staffing(sc, &history, agents.as_ref(), opts.interval, history_path, &mut notes)?;
    let replay = replay_scenario(sc, &history, &reason_of, first, days, opts, &staffing);
    let run_opts = RunOptions {
        replications: opts.replications,
        seed: opts.seed,
        threads: opts.threads,
        trace: false,
        per_day: true,
    };
    let reps = run::run_all(&replay, &run_opts, &|_| {});
    run::check_finished(&replay, &reps)?;

    // Actuals, by the scenario's threshold, measured as the simulation measures.
    let skill_of: Vec<String> = reason_of.iter().map(|&r| sc.skills[sc.reasons[r].skill].clone()).collect();
    let sl = &sc.service_level;
    let totals = actual_totals(&history, opts.interval, &skill_of, sl.threshold, sl.short_abandon);
    let occupancy = agents.as_ref().map(|a| {
        let spans = profile::presence_logged(a);
        let named: Vec<(String, Vec<(Stamp, Stamp)>)> = a.names.iter().cloned().zip(spans).collect();
        actual_occupancy(&history, &named, opts.interval)
    });

    let lay = layout(&replay, true);
    let labels = metric_labels(&lay, &scope_names(&replay));
    let index: HashMap<(Scope, &str, Metric), usize> =
        labels.iter().enumerate().map(|(i, l)| ((l.scope, l.key.as_str(), l.metric), i)).collect();
    let per_day = lay.intervals_per_day();
    let sim_values = |slot: usize, label: usize| -> Vec<f64> {
        reps.iter()
            .filter_map(|r| match r.slots.binary_search_by_key(&slot, |s| s.0) {
                Ok(k) => r.slots[k].1[label],
                // A replication that saw nothing in the slot: counts are 0, the rest undefined.
                Err(_) => labels[label].metric.kind().always_defined().then_some(0.0),
            })
            .collect()
    };
    let erlang = ErlangInputs::of(sc, &history, &reason_of);
    let mut rows = Vec::new();
    for (&(date, slot, ref scoped), t) in &totals {
        let (scope, key) = match scoped {
            Scoped::All => (Scope::All, "all"),
            Scoped::Reason(r) => (Scope::Reason, r.as_str()),
            Scoped::Skill(s) => (Scope::Skill, s.as_str()),
        };
        let sim_slot = (date.0 - first.0) as usize * per_day + slot as usize;
        let agents_here: Option<u32> = (scope == Scope::All).then(|| {
            staffing
                .iter()
                .zip(&sc.groups)
                .map(|(g, group)| g[(date.0 - first.0) as usize][slot as usize] * group.rules.max_concurrent)
                .sum()
        });
        let predicted = agents_here.map(|slots| erlang.predict(t.offered, slots, opts.interval, sl.threshold));
        let mut metrics: Vec<Metric> = METRICS.to_vec();
        if occupancy.is_some() && scope == Scope::All {
            metrics.push(Metric::Occupancy);
        }
        for metric in metrics {
            let actual = match metric {
                Metric::Occupancy => occupancy.as_ref().and_then(|o| o.get(&(date, slot)).copied()),
                m => actual_value(t, m),
            };
            let sim = index.get(&(scope, key, metric)).and_then(|&l| band(&sim_values(sim_slot, l)));
            let erlang_a = predicted.as_ref().and_then(|p| p.get(metric, t.offered));
            rows.push(Row {
                date,
                interval: slot * opts.interval,
                scope,
                key: key.to_string(),
                metric,
                actual,
                sim,
                erlang_a,
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.date, a.interval, a.scope, &a.key, a.metric.to_string()).cmp(&(
            b.date,
            b.interval,
            b.scope,
            &b.key,
            b.metric.to_string(),
        ))
    });
    let summary = summarize(&rows);
    Ok(Backtest { history, first, days, staffing_source, rows, summary, notes })
}

/// The mean and the 5th and 95th percentiles of the replications' values,
/// a 90% prediction band. Percentiles are taken at rank p·(n+1) between
/// order statistics (Hyndman and Fan's type 6): a new draw falls between
/// the k-th and (n+1−k)-th of n values with probability (n+1−2k)/(n+1), so
/// this band covers 90% whatever n. (The more common rank p·(n−1) covers
/// only about 81% with 20 replications.)
fn band(values: &[f64]) -> Option<Band> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let q = |p: f64| {
        let h = (p * (n + 1) as f64).clamp(1.0, n as f64); // 1-based rank
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        v[lo - 1] + (h - lo as f64) * (v[hi - 1] - v[lo - 1])
    };
    Some(Band { mean: v.iter().sum::<f64>() / v.len() as f64, p05: q(0.05), p95: q(0.95) })
}

fn summarize(rows: &[Row]) -> Vec<SummaryRow> {
    let mut groups: BTreeMap<(String, Scope, String), Vec<&Row>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.actual.is_some() && r.sim.is_some()) {
        groups.entry((r.metric.to_string(), r.scope, r.key.clone())).or_default().push(r);
    }
    let mut out: Vec<SummaryRow> = groups
        .into_values()
        .map(|rs| {
            let n = rs.len() as f64;
            let err = |r: &&Row| r.sim.unwrap().mean - r.actual.unwrap();
            let erlang: Vec<f64> = rs.iter().filter_map(|r| Some((r.erlang_a? - r.actual?).abs())).collect();
            SummaryRow {
                metric: rs[0].metric,
                scope: rs[0].scope,
                key: rs[0].key.clone(),
                intervals: rs.len(),
                coverage: rs.iter().filter(|r| r.inside() == Some(true)).count() as f64 / n,
                mae: rs.iter().map(|r| err(r).abs()).sum::<f64>() / n,
                bias: rs.iter().map(err).sum::<f64>() / n,
                mae_erlang_a: (!erlang.is_empty()).then(|| erlang.iter().sum::<f64>() / erlang.len() as f64),
            }
        })
        .collect();
    let order = |m: Metric| METRICS.iter().position(|x| *x == m).unwrap_or(METRICS.len());
    out.sort_by(|a, b| (order(a.metric), a.scope, &a.key).cmp(&(order(b.metric), b.scope, &b.key)));
    out
}

/// Per scenario group, per day of the period, per interval of the day: agents.
type GroupStaffing = Vec<Vec<Vec<u32>>>;

/// The agents of every interval, per scenario group: from `agents.csv`, or
/// estimated from the agents seen working (as `fit` does), each history
/// group going to the scenario group serving the same skills (else the one
/// sharing most of them).
fn staffing(
    sc: &Scenario,
    history: &History,
    agents: Option<&history::Agents>,
    interval: u32,
    path: &Path,
    notes: &mut Vec<String>,
) -> Result<(GroupStaffing, StaffingSource), ScenarioError> {
    let dates = history.dates();
    let first = dates[0];
    let days = (dates[dates.len() - 1].0 - first.0 + 1) as usize;
    let per_day = (86_400 / interval) as usize;
    let mut out = vec![vec![vec![0.0f64; per_day]; days]; sc.groups.len()];
    let mut add = |group: usize, presence: BTreeMap<(Date, u32), f64>| {
        for ((date, slot), v) in presence {
            let d = date.0 - first.0;
            if d >= 0 && (d as usize) < days {
                out[group][d as usize][slot as usize] += v;
            }
        }
    };
    let source = if !history.has_agent || history.agents.is_empty() {
        if sc.groups.len() != 1 {
            return Err(ScenarioError::new(
                path,
                "agent",
                format!(
                    "without an agent column (or --agents) the history cannot say which of the {} groups of {} was staffed; \
                     expected an agent column or an agents.csv",
                    sc.groups.len(),
                    sc.path.display()
                ),
            ));
        }
        add(0, profile::peak_by_date(history, interval).into_iter().map(|(k, p)| (k, f64::from(p))).collect());
        StaffingSource::PeakConversations
    } else {
        let (hist_groups, group_of) = groups::infer(history);
        let to_scenario: Vec<usize> = hist_groups
            .iter()
            .map(|g| {
                let skills: Vec<usize> = g
                    .reasons
                    .iter()
                    .filter_map(|&r| sc.reasons.iter().find(|x| x.name == history.reasons[r as usize]).map(|x| x.skill))
                    .collect();
                let overlap = |sg: &crate::scenario::Group| {
                    let shared = skills.iter().filter(|s| sg.skills.contains(s)).count();
                    let exact = shared == skills.len() && shared == sg.skills.len();
                    (exact, shared)
                };
                (0..sc.groups.len()).max_by_key(|&i| (overlap(&sc.groups[i]), std::cmp::Reverse(i))).unwrap_or(0)
            })
            .collect();
        for (g, sg) in hist_groups.iter().zip(&to_scenario) {
            if g.reasons.len() != sc.groups[*sg].skills.len() {
                notes.push(format!("agents serving {} are counted as group {}", g.name, sc.groups[*sg].name));
            }
        }
        let (spans, names): (Vec<Vec<(Stamp, Stamp)>>, Vec<String>) = match agents {
            Some(a) => (profile::presence_logged(a), a.names.clone()),
            None => (profile::presence_seen(history), history.agents.clone()),
        };
        let by_name: HashMap<&str, usize> = history.agents.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        for (name, spans) in names.iter().zip(spans) {
            let Some(g) = by_name.get(name.as_str()).and_then(|&i| group_of[i]) else { continue };
            add(to_scenario[g], profile::presence_by_date(interval, &spans));
        }
        if agents.is_some() { StaffingSource::AgentsFile } else { StaffingSource::AgentsSeen }
    };
    let rounded = out
        .into_iter()
        .map(|g| g.into_iter().map(|d| d.into_iter().map(|v| v.round() as u32).collect()).collect())
        .collect();
    Ok((rounded, source))
}

/// The scenario with the history's arrivals replayed and its staffing, day
/// by day, around the clock (00:00 to 24:00, days back to back).
fn replay_scenario(
    sc: &Scenario,
    history: &History,
    reason_of: &[usize],
    first: Date,
    days: u32,
    opts: &BacktestOptions,
    staffing: &GroupStaffing,
) -> Scenario {
    let mut replay = sc.clone();
    let sim = &mut replay.simulation;
    sim.start = 0;
    sim.end = 86_400;
    sim.days = days;
    sim.interval = opts.interval;
    sim.warmup = 0.0;
    sim.replications = opts.replications;
    sim.seed = opts.seed;
    sim.first_date = Some(first);
    let per_day = (86_400 / opts.interval) as usize;
    let origin = Stamp::midnight(first);
    let mut arrivals: Vec<ReplayArrival> = history
        .contacts
        .iter()
        .map(|c| {
            let s = &history.segments[c.segments.start];
            ReplayArrival {
                time: s.arrival.secs_since(origin),
                reason: reason_of[s.reason as usize],
                handle: None,
                auth: None,
                patience: None,
            }
        })
        .collect();
    arrivals.sort_by(|a, b| a.time.total_cmp(&b.time));
    replay.replay = Some(arrivals);
    // The history's own arrivals are replayed: no volume is drawn, so no forecast error.
    replay.forecast_error = Default::default();
    for r in &mut replay.reasons {
        r.volume = DayProfiles::every_day(vec![0.0; per_day]);
        r.volume_cv = 0.0;
    }
    for (g, group) in replay.groups.iter_mut().enumerate() {
        group.staffing = Staffing::PerInterval(DayProfiles::per_day(staffing[g].clone()));
    }
    replay
}

/// Erlang A's inputs from the scenario: the mean work (handle, auth and
/// wrap-up) and the mean patience, each weighted by the period's mix of reasons.
struct ErlangInputs {
    aht: f64,
    patience: f64,
}

impl ErlangInputs {
    fn of(sc: &Scenario, history: &History, reason_of: &[usize]) -> ErlangInputs {
        let mut counts = vec![0.0; sc.reasons.len()];
        for c in &history.contacts {
            counts[reason_of[history.segments[c.segments.start].reason as usize]] += 1.0;
        }
        let total: f64 = counts.iter().sum();
        let wrapup = sc.groups.first().map_or(0.0, |g| g.rules.wrapup.mean());
        let weighted = |f: &dyn Fn(&crate::scenario::Reason) -> f64| {
            sc.reasons.iter().zip(&counts).map(|(r, n)| n / total * f(r)).sum::<f64>()
        };
        ErlangInputs {
            aht: weighted(&|r| r.handle.mean() + r.auth.mean()) + wrapup,
            // Customers who never abandon: a patience far beyond any wait.
            patience: weighted(&|r| r.patience.mean().min(1e9)),
        }
    }

    fn predict(&self, offered: u64, slots: u32, interval: u32, threshold: f64) -> Prediction {
        Prediction(erlang_a(offered as f64 / f64::from(interval), self.aht, slots, self.patience, threshold))
    }
}

struct Prediction(crate::analytic::ErlangA);

impl Prediction {
    /// Erlang A's value of a metric, for `offered` arrivals.
    fn get(&self, metric: Metric, offered: u64) -> Option<f64> {
        let e = &self.0;
        let v = match metric {
            Metric::Offered(New) => offered as f64,
            Metric::Answered(New) => offered as f64 * (1.0 - e.p_abandon),
            Metric::AbandonRate(New) => e.p_abandon,
            Metric::ServiceLevel(New) => e.service_level,
            Metric::Asa(New) => e.asa,
            Metric::Occupancy => e.occupancy,
            _ => return None,
        };
        (v.is_finite() && offered > 0).then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_band_takes_percentiles_at_rank_p_times_n_plus_1() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        // n = 20: ranks 1.05 and 19.95.
        let b = band(&v).unwrap();
        assert!((b.p05 - 1.05).abs() < 1e-12 && (b.p95 - 19.95).abs() < 1e-12 && b.mean == 10.5, "{b:?}");
        // n = 39: exactly the 2nd and 38th values.
        let v: Vec<f64> = (1..=39).map(f64::from).collect();
        let b = band(&v).unwrap();
        assert_eq!((b.p05, b.p95), (2.0, 38.0));
        // n = 3: clamped to the extremes.
        assert_eq!(band(&[5.0, 1.0, 3.0]).map(|b| (b.p05, b.p95)), Some((1.0, 5.0)));
        assert!(band(&[]).is_none());
    }

    #[test]
    fn the_band_covers_a_new_draw_90_percent_of_the_time() {
        // Uniform draws: the chance that a 21st falls inside the band of 20.
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let trials = 20_000;
        let inside = (0..trials)
            .filter(|_| {
                let v: Vec<f64> = (0..20).map(|_| rng.random::<f64>()).collect();
                let b = band(&v).unwrap();
                (b.p05..=b.p95).contains(&rng.random::<f64>())
            })
            .count();
        // Expected (21 − 2·1.05)/21 = 0.9; binomial sd √(0.09/20000) ≈ 0.0021.
        let share = inside as f64 / trials as f64;
        assert!((share - 0.9).abs() < 4.0 * 0.0021, "{share}");
    }
}
