//! Analytic staffing estimates: the agents an interval needs, from queueing
//! theory rather than simulation (for `check`, and as a search's start).
//!
//! The interval's reasons are pooled into one queue: Poisson arrivals at the
//! interval's total rate; exponential work with the volume-weighted mean of
//! authentication + handle, plus the wrap-up (which holds a slot; treating it
//! as work is the approximation); exponential patience with the volume-weighted
//! mean of the reasons that have one; the first group's concurrency and speeds.
//! Up to [`EXACT_AGENTS`] agents the exact chat-concurrency chain answers
//! (Erlang A when one chat per agent); above, Erlang A on slots working at the
//! full-concurrency speed, divided among agents.

use crate::analytic::chat::{ChatCenter, agents_needed as chain_agents_needed, solve_chat_center};
use crate::analytic::erlang_a;
use crate::scenario::Scenario;

/// Largest team solved with the exact chain (its states grow as agents^slots).
pub const EXACT_AGENTS: u32 = 150;
const MAX_AGENTS: u32 = 100_000;
/// Largest offered load, in slot-Erlangs, the search takes on: beyond it
/// each Erlang A solution costs as much as the load, and the search would
/// take minutes (no such interval is estimated).
pub const MAX_LOAD: f64 = 10_000.0;

/// Agents an interval needs to meet the scenario's service-level goal (and abandonment cap).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub agents: u32,
    /// From the exact chain; else from Erlang A on slots.
    pub exact: bool,
}

/// The mean work of a new chat in day `day`'s open interval `i`
/// (authentication + handle at speed 1, weighted by the reasons' volumes),
/// or `None` without arrivals.
pub fn mean_chat_work(sc: &Scenario, day: u32, i: usize) -> Option<f64> {
    let volume: f64 = sc.reasons.iter().map(|r| r.volume.day(day)[i]).sum();
    (volume > 0.0).then(|| {
        sc.reasons.iter().map(|r| r.volume.day(day)[i] * (r.auth.mean() + r.handle.mean())).sum::<f64>() / volume
    })
}

/// The offered load of day `day`'s open interval `i` in Erlangs at one chat
/// per agent and speed 1: chats × (auth + handle + the first group's
/// wrap-up) ÷ interval, the load of the pooled model (0 without arrivals).
/// `check`, `staff` and the estimates all use this one formula.
pub fn offered_load(sc: &Scenario, day: u32, i: usize) -> f64 {
    pooled_model(sc, day, i).map_or(0.0, |m| m.rate_per_sec * m.work_mean_secs)
}

/// The pooled model of day `day`'s open interval `i`, or `None` without arrivals.
pub fn pooled_model(sc: &Scenario, day: u32, i: usize) -> Option<ChatCenter> {
    let volume: f64 = sc.reasons.iter().map(|r| r.volume.day(day)[i]).sum();
    let rules = &sc.groups.first()?.rules;
    let work = mean_chat_work(sc, day, i)? + rules.wrapup.mean();
    let patient: f64 = sc.reasons.iter().filter(|r| r.patience.mean().is_finite()).map(|r| r.volume.day(day)[i]).sum();
    let patience = if patient > 0.0 {
        sc.reasons
            .iter()
            .filter(|r| r.patience.mean().is_finite())
            .map(|r| r.volume.day(day)[i] * r.patience.mean())
            .sum::<f64>()
            / patient
    } else {
        f64::INFINITY
    };
    let k = rules.max_concurrent as usize;
    Some(ChatCenter {
        agents: 1,
        slots: k as u32,
        speed: rules.speed[..k].to_vec(),
        rate_per_sec: volume / sc.simulation.interval as f64,
        work_mean_secs: work,
        patience_mean_secs: patience,
        threshold_secs: sc.service_level.threshold,
    })
}

/// The agents day `day`'s open interval `i` needs; `None` without arrivals,
/// when no staffing up to a hundred thousand agents meets the goal, or when
/// the load is above [`MAX_LOAD`].
pub fn agents_needed(sc: &Scenario, day: u32, i: usize) -> Option<Estimate> {
    let model = pooled_model(sc, day, i)?;
    agents_needed_for(&model, sc.service_level.goal, sc.service_level.max_abandon)
}

/// The fewest agents with which `model` (its `agents` ignored) meets the
/// service-level `goal` at its threshold and, if given, abandonment at most
/// `max_abandon`: by the exact chain when the answer is at most
/// [`EXACT_AGENTS`], else by Erlang A on slots working at the
/// full-concurrency speed (`exact` false). `None` when no staffing up to a
/// hundred thousand agents meets the targets, or when the slot load is above
/// [`MAX_LOAD`]. `check`'s `needed` column and `ccsim erlang --goal` use it.
pub fn agents_needed_for(model: &ChatCenter, goal: f64, max_abandon: Option<f64>) -> Option<Estimate> {
    let k = model.slots;
    let slot_work = slot_work(model);
    // Erlang A on slots: a quick answer, and the size that decides the method.
    // Fewer slots than `load × need` cannot answer enough chats (c slots
    // answer at most c ÷ slot_work a second), so the search starts there.
    let load = model.rate_per_sec * slot_work;
    if load.is_nan() || load > MAX_LOAD {
        return None;
    }
    let need = goal.max(1.0 - max_abandon.unwrap_or(1.0)).max(0.0);
    let lower = ((load * need * (1.0 - 1e-12)).ceil() as u32).max(1);
    let slots_needed = (lower..=MAX_AGENTS * k).find(|&c| {
        let a = erlang_a(model.rate_per_sec, slot_work, c, model.patience_mean_secs, model.threshold_secs);
        a.service_level >= goal && max_abandon.is_none_or(|m| a.p_abandon <= m)
    })?;
    let rough = slots_needed.div_ceil(k);
    if rough <= EXACT_AGENTS
        && let Some((agents, _)) = chain_agents_needed(model, goal, max_abandon, EXACT_AGENTS)
    {
        return Some(Estimate { agents, exact: true });
    }
    Some(Estimate { agents: rough, exact: false })
}

/// A chat's mean work on a slot of an agent holding every slot: the work
/// at speed 1 ÷ the full-concurrency speed.
fn slot_work(model: &ChatCenter) -> f64 {
    model.work_mean_secs / model.speed[model.slots as usize - 1]
}

/// Steady-state figures of a center with a given number of agents, by the
/// method [`agents_needed_for`] would use for that many.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// From the exact chain; else from Erlang A on the agents' slots.
    pub exact: bool,
    /// Probability that a chat waits (finds every slot busy).
    pub p_wait: f64,
    pub p_abandon: f64,
    /// Answered within the threshold ÷ all chats.
    pub service_level: f64,
    /// Mean wait of answered chats, seconds.
    pub asa: f64,
    /// Share of agent-time holding at least one chat (NaN from Erlang A on slots, which knows no agents).
    pub occupancy: f64,
    /// Busy slots ÷ slots.
    pub utilisation: f64,
    pub mean_queue: f64,
}

/// The figures of `model` with `agents` agents: with `exact`, by the exact
/// chain up to [`EXACT_AGENTS`] agents (when it can be solved); else by
/// Erlang A on `agents × slots` slots at the full-concurrency speed (as
/// [`agents_needed_for`] does when its answer is not exact). `None` when
/// Erlang A has no answer either (infinite patience at or above capacity).
pub fn figures(model: &ChatCenter, agents: u32, exact: bool) -> Option<Figures> {
    if exact && agents <= EXACT_AGENTS {
        let params = ChatCenter { agents, ..model.clone() };
        if let Ok(r) = solve_chat_center(&params) {
            return Some(Figures {
                exact: true,
                p_wait: r.p_wait,
                p_abandon: r.p_abandon,
                service_level: r.service_level,
                asa: r.asa,
                occupancy: r.agent_occupancy,
                utilisation: r.slot_occupancy,
                mean_queue: r.mean_queue,
            });
        }
    }
    let slots = agents.checked_mul(model.slots)?;
    let a = erlang_a(model.rate_per_sec, slot_work(model), slots, model.patience_mean_secs, model.threshold_secs);
    (!a.p_wait.is_nan()).then_some(Figures {
        exact: false,
        p_wait: a.p_wait,
        p_abandon: a.p_abandon,
        service_level: a.service_level,
        asa: a.asa,
        occupancy: f64::NAN,
        utilisation: a.occupancy,
        mean_queue: a.mean_queue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::erlang_c;

    fn center(slots: u32, speed: &[f64], rate: f64, work: f64, patience: f64, threshold: f64) -> ChatCenter {
        ChatCenter {
            agents: 1,
            slots,
            speed: speed.to_vec(),
            rate_per_sec: rate,
            work_mean_secs: work,
            patience_mean_secs: patience,
            threshold_secs: threshold,
        }
    }

    #[test]
    fn with_one_chat_per_agent_the_answer_and_figures_are_erlang_cs() {
        // 10 Erlangs, 80% within 20 s: 14 agents (13 reach 79.6%).
        let m = center(1, &[1.0], 200.0 / 3600.0, 180.0, f64::INFINITY, 20.0);
        assert_eq!(agents_needed_for(&m, 0.8, None), Some(Estimate { agents: 14, exact: true }));
        for n in 11..=16 {
            let c = erlang_c(m.rate_per_sec, 180.0, n, 20.0).unwrap();
            for (f, exact) in [(figures(&m, n, true).unwrap(), true), (figures(&m, n, false).unwrap(), false)] {
                assert_eq!(f.exact, exact);
                assert!((f.service_level - c.service_level).abs() < 1e-9, "{n}: {f:?} {c:?}");
                assert!((f.p_wait - c.p_wait).abs() < 1e-9 && (f.asa - c.asa).abs() < 1e-6, "{n}: {f:?}");
                assert!((f.utilisation - c.occupancy).abs() < 1e-9, "{n}: {f:?}");
            }
        }
        // At the load itself the queue never settles.
        assert!(figures(&m, 10, true).is_none() && figures(&m, 10, false).is_none());
    }

    #[test]
    fn teams_above_the_chains_reach_are_answered_by_erlang_a_on_slots() {
        // 600 Erlangs at speed 1, three chats at speed 0.65: about 300 agents.
        let m = center(3, &[1.0, 0.8, 0.65], 2.0, 300.0, 180.0, 45.0);
        let e = agents_needed_for(&m, 0.85, Some(0.03)).unwrap();
        assert!(!e.exact && e.agents > EXACT_AGENTS, "{e:?}");
        let f = figures(&m, e.agents, true).unwrap();
        assert!(!f.exact && f.occupancy.is_nan(), "{f:?}");
        assert!(f.service_level >= 0.85 && f.p_abandon <= 0.03, "{f:?}");
        let fewer = figures(&m, e.agents - 1, false).unwrap();
        assert!(fewer.service_level < 0.85 || fewer.p_abandon > 0.03, "{fewer:?}");
        // Small teams with concurrency come from the exact chain.
        let small = center(3, &[1.0, 0.8, 0.65], 0.05, 300.0, 180.0, 45.0);
        let e = agents_needed_for(&small, 0.85, Some(0.03)).unwrap();
        assert!(e.exact && figures(&small, e.agents, true).unwrap().exact, "{e:?}");
    }
}
