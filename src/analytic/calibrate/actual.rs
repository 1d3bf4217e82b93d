//! What happened, measured as ccsim measures a simulation (docs/design.md
//! §3): per date and interval, the queue metrics of new contacts by the
//! interval they arrived in, for the whole center, each reason and each skill.

use crate::history::{Date, History};
use crate::model::Outcome;
use std::collections::BTreeMap;

/// The totals of new contacts in one (date, interval, scope, key).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    /// Answered within the service-level threshold.
    pub in_threshold: u64,
    /// Sum of the waits of answered contacts, seconds.
    pub wait_sum: f64,
}

impl Totals {
    /// Answered within the threshold ÷ (offered − short abandoned).
    pub fn service_level(&self) -> Option<f64> {
        let d = self.offered - self.short_abandoned;
        (d > 0).then(|| self.in_threshold as f64 / d as f64)
    }

    /// (Abandoned − short abandoned) ÷ (offered − short abandoned).
    pub fn abandon_rate(&self) -> Option<f64> {
        let d = self.offered - self.short_abandoned;
        (d > 0).then(|| (self.abandoned - self.short_abandoned) as f64 / d as f64)
    }

    /// Mean wait of answered contacts, seconds.
    pub fn asa(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.wait_sum / self.answered as f64)
    }
}

/// Where a total belongs: date, interval of the day (from midnight), and
/// the scope's key: `None` for the whole center, else a reason or skill.
pub type Key = (Date, u32, Scoped);

/// The whole center, a reason (its index in the history) or a skill (by name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scoped {
    All,
    Reason(String),
    Skill(String),
}

/// Totals of every contact's first segment by the interval it arrived in.
/// `skill_of` names the skill serving each reason (by the history's reason
/// index); `threshold` and `short_abandon` are the scenario's, seconds.
pub fn actual_totals(
    history: &History,
    interval: u32,
    skill_of: &[String],
    threshold: f64,
    short_abandon: f64,
) -> BTreeMap<Key, Totals> {
    let mut out: BTreeMap<Key, Totals> = BTreeMap::new();
    for contact in &history.contacts {
        let s = &history.segments[contact.segments.start];
        let (date, slot) = (s.arrival.date(), (s.arrival.clock_secs() / f64::from(interval)) as u32);
        let wait = s.wait();
        let reason = history.reasons[s.reason as usize].clone();
        for scoped in [Scoped::All, Scoped::Reason(reason), Scoped::Skill(skill_of[s.reason as usize].clone())] {
            let t = out.entry((date, slot, scoped)).or_default();
            t.offered += 1;
            match (s.answered, s.outcome) {
                (Some(_), _) => {
                    t.answered += 1;
                    t.wait_sum += wait;
                    t.in_threshold += u64::from(wait <= threshold);
                }
                (None, Outcome::Abandoned) => {
                    t.abandoned += 1;
                    t.short_abandoned += u64::from(wait < short_abandon);
                }
                (None, _) => {}
            }
        }
    }
    out
}

/// Occupancy per (date, interval): time with at least one contact in
/// progress (answer to end of wrap-up) over available logged-in time, the
/// whole center. Agents are matched by name to the logged-in spans.
pub fn actual_occupancy(
    history: &History,
    presence: &[(String, Vec<(crate::history::Stamp, crate::history::Stamp)>)],
    interval: u32,
) -> BTreeMap<(Date, u32), f64> {
    use super::profile::presence_by_date;
    let mut busy: BTreeMap<String, Vec<(crate::history::Stamp, crate::history::Stamp)>> = BTreeMap::new();
    for s in &history.segments {
        if let (Some(a), Some(answered)) = (s.agent, s.answered) {
            busy.entry(history.agents[a as usize].clone())
                .or_default()
                .push((answered, s.wrapup_end.unwrap_or(s.ended)));
        }
    }
    let mut logged: BTreeMap<(Date, u32), f64> = BTreeMap::new();
    let mut occupied: BTreeMap<(Date, u32), f64> = BTreeMap::new();
    for (name, spans) in presence {
        for (k, v) in presence_by_date(interval, spans) {
            *logged.entry(k).or_insert(0.0) += v;
        }
        // Busy time counts only within the agent's logged-in spans.
        let mut mine = busy.remove(name).unwrap_or_default();
        mine.sort();
        let mut merged: Vec<(crate::history::Stamp, crate::history::Stamp)> = Vec::new();
        for (a, b) in mine {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let clipped: Vec<_> = merged
            .iter()
            .flat_map(|&(a, b)| spans.iter().map(move |&(s, e)| (a.max(s), b.min(e))).filter(|(from, to)| from < to))
            .collect();
        for (k, v) in presence_by_date(interval, &clipped) {
            *occupied.entry(k).or_insert(0.0) += v;
        }
    }
    logged
        .into_iter()
        .filter(|(_, l)| *l > 0.0)
        .map(|(k, l)| (k, occupied.get(&k).copied().unwrap_or(0.0) / l))
        .collect()
}
