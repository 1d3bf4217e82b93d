//! What staff's trials judge an interval by, known as soon as it is decided.
//!
//! A [`Collector`](super::Collector) counts a chat when its segment's record
//! comes, at the segment's end: for an answered chat, many minutes after its
//! wait. A staffing trial needs only the new chats' queue outcomes (the
//! service level and abandonment rate of scope `all`), which are decided at
//! acceptance, abandonment, blocking or closing. The judge counts those as
//! they happen, exactly as the collector will (same counts, same formulas,
//! so the same figures to the last bit), and knows how many of each
//! interval's chats are still waiting, so a trial resumed at an interval's
//! start can stop as soon as that interval's chats have all left the queue.

use super::metrics::ratio;
use crate::engine::{SimDuration, SimTime};
use crate::model::{AgentLevel, Observer, Outcome, SegmentKind, SegmentRecord};
use crate::scenario::Scenario;

/// The queue outcomes of the counted new chats of one interval of one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueOutcomes {
    pub offered: u64,
    pub within_threshold: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
}

impl QueueOutcomes {
    fn add(&mut self, o: &QueueOutcomes) {
        self.offered += o.offered;
        self.within_threshold += o.within_threshold;
        self.abandoned += o.abandoned;
        self.short_abandoned += o.short_abandoned;
    }

    /// The service level, as the metric `service_level` is computed.
    pub fn service_level(&self) -> Option<f64> {
        ratio(self.within_threshold as f64, (self.offered - self.short_abandoned) as f64)
    }

    /// The abandonment rate, as the metric `abandon_rate` is computed.
    pub fn abandon_rate(&self) -> Option<f64> {
        let base = (self.offered - self.short_abandoned) as f64;
        ratio((self.abandoned - self.short_abandoned) as f64, base)
    }
}

/// Per interval of each day (the slots of a run kept per day): the queue
/// outcomes of its new chats, of all skills and (for per-skill goals) of
/// each skill, and how many of them are still undecided.
#[derive(Debug, Clone)]
pub struct Judge {
    interval: SimDuration,
    slots_per_day: usize,
    threshold: f64,
    short_abandon: f64,
    /// Skills counted apart (0: only all of them).
    skills: usize,
    /// By slot, all skills then each skill counted apart.
    outcomes: Vec<QueueOutcomes>,
    /// Arrived and not yet accepted, abandoned, blocked or closed (counted or not).
    waiting: Vec<u32>,
}

impl Judge {
    /// A judge of `days` days of `interval`-long slots, with the service
    /// level's threshold and the short-abandon time (seconds), counting
    /// `skills` skills apart besides all of them.
    pub fn new(interval: SimDuration, days: u32, threshold: f64, short_abandon: f64, skills: usize) -> Judge {
        let slots_per_day = (SimDuration::DAY / interval) as usize;
        let slots = slots_per_day * days as usize;
        Judge {
            interval,
            slots_per_day,
            threshold,
            short_abandon,
            skills,
            outcomes: vec![QueueOutcomes::default(); slots * (1 + skills)],
            waiting: vec![0; slots],
        }
    }

    /// The judge of a run of `sc`: its days, interval, threshold and
    /// short-abandon time, and its skills apart when some has its own goal.
    pub fn of(sc: &Scenario) -> Judge {
        let (sim, sl) = (&sc.simulation, &sc.service_level);
        let skills = if sl.skill_goals.iter().any(Option::is_some) { sc.skills.len() } else { 0 };
        Judge::new(sim.interval_length(), sim.days, sl.threshold, sl.short_abandon, skills)
    }

    /// The slot of instant `t`: day × slots a day + interval of the day.
    #[inline]
    fn slot(&mut self, t: SimTime) -> usize {
        let slot = t.day().max(0) as usize * self.slots_per_day + (t.time_of_day() / self.interval) as usize;
        if slot >= self.waiting.len() {
            // After the last day (a drain past midnight): never judged, kept all the same.
            self.waiting.resize(slot + 1, 0);
            self.outcomes.resize((slot + 1) * (1 + self.skills), QueueOutcomes::default());
        }
        slot
    }

    /// Counts an outcome of slot `slot`, skill `skill`, by `count`.
    #[inline]
    fn count(&mut self, slot: usize, skill: usize, count: impl Fn(&mut QueueOutcomes)) {
        let at = slot * (1 + self.skills);
        count(&mut self.outcomes[at]);
        if skill < self.skills {
            count(&mut self.outcomes[at + 1 + skill]);
        }
    }

    /// Chats of day slot `slot` still waiting.
    pub fn waiting(&self, slot: usize) -> u32 {
        self.waiting.get(slot).copied().unwrap_or(0)
    }

    /// The queue outcomes of day slots `slots` together, of all skills.
    pub fn outcomes(&self, slots: impl IntoIterator<Item = usize>) -> QueueOutcomes {
        self.outcomes_of(slots, None)
    }

    /// The queue outcomes of day slots `slots` together, of skill `skill`
    /// (counted apart only when the judge was made for it) or of all skills.
    pub fn outcomes_of(&self, slots: impl IntoIterator<Item = usize>, skill: Option<usize>) -> QueueOutcomes {
        let k = skill.map_or(0, |s| 1 + s);
        let mut sum = QueueOutcomes::default();
        for s in slots {
            if let Some(o) = self.outcomes.get(s * (1 + self.skills) + k) {
                sum.add(o);
            }
        }
        sum
    }
}

impl Observer for Judge {
    fn segment(&mut self, rec: &SegmentRecord) {
        if rec.kind != SegmentKind::New || rec.outcome.answered() {
            return;
        }
        let slot = self.slot(rec.arrival);
        self.waiting[slot] -= 1;
        if rec.counted {
            let (abandoned, short) = (rec.outcome == Outcome::Abandoned, rec.wait < self.short_abandon);
            self.count(slot, rec.skill, |o| {
                o.offered += 1;
                if abandoned {
                    o.abandoned += 1;
                    o.short_abandoned += short as u64;
                }
            });
        }
    }

    fn arrived(&mut self, at: SimTime) {
        let slot = self.slot(at);
        self.waiting[slot] += 1;
    }

    fn accepted(&mut self, kind: SegmentKind, skill: usize, arrival: SimTime, wait: f64, counted: bool) {
        if kind != SegmentKind::New {
            return;
        }
        let slot = self.slot(arrival);
        self.waiting[slot] -= 1;
        if counted {
            let within = (wait <= self.threshold) as u64;
            self.count(slot, skill, |o| {
                o.offered += 1;
                o.within_threshold += within;
            });
        }
    }

    fn agent_level(&mut self, _: SimTime, _: usize, _: AgentLevel, _: AgentLevel) {}
    fn queue_len(&mut self, _: SimTime, _: usize, _: usize, _: i32) {}
    fn open(&mut self, _: SimTime, _: bool) {}
    fn finish(&mut self, _: SimTime) {}
}
