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

use crate::analytic::chat::{ChatCenter, agents_needed as chain_agents_needed};
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
    let goal = sc.service_level.goal;
    let max_abandon = sc.service_level.max_abandon;
    let k = model.slots;
    let full_speed = model.speed[k as usize - 1];
    let slot_work = model.work_mean_secs / full_speed;
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
        && let Some((agents, _)) = chain_agents_needed(&model, goal, max_abandon, EXACT_AGENTS)
    {
        return Some(Estimate { agents, exact: true });
    }
    Some(Estimate { agents: rough, exact: false })
}
