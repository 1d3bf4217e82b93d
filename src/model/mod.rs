//! The contact center model: the chat life of docs/design.md §2 on top of the
//! engine. It reports what happens to an [`Observer`] and knows nothing of
//! files or formats.

mod arrivals;
mod breaks;
mod center;
mod draws;
mod records;
mod routing;
mod staffing;
mod trace;

pub use breaks::{BreakPlan, Crowded, PlannedBreak, expected_on_break, plan_breaks, plans_breaks};
pub use center::{CHAT_BYTES, Center, RunCounts, agent_bytes};
pub use records::{AgentLevel, Away, Observer, Outcome, SegmentKind, SegmentRecord, TraceEvent};
pub use staffing::{day_points, day_timeline, peak};
pub use trace::{EventRow, Trace};

use crate::engine::SimTime;
use crate::scenario::Scenario;

/// Runs replication `replication` of `sc` with `seed`, reporting to `obs`.
pub fn simulate<O: Observer>(sc: &Scenario, seed: u64, replication: u32, obs: &mut O) -> RunCounts {
    Center::new(sc, seed, replication, obs).run()
}

/// Two observers fed the same reports (e.g. statistics and a trace).
pub struct Both<'a, A, B>(pub &'a mut A, pub &'a mut B);

impl<A: Observer, B: Observer> Observer for Both<'_, A, B> {
    const TRACES: bool = A::TRACES || B::TRACES;
    fn segment(&mut self, rec: &SegmentRecord) {
        self.0.segment(rec);
        self.1.segment(rec);
    }
    fn agent_level(&mut self, at: SimTime, group: usize, from: AgentLevel, to: AgentLevel) {
        self.0.agent_level(at, group, from, to);
        self.1.agent_level(at, group, from, to);
    }
    fn queue_len(&mut self, at: SimTime, skill: usize, reason: usize, delta: i32) {
        self.0.queue_len(at, skill, reason, delta);
        self.1.queue_len(at, skill, reason, delta);
    }
    fn open(&mut self, at: SimTime, open: bool) {
        self.0.open(at, open);
        self.1.open(at, open);
    }
    fn trace(&mut self, at: SimTime, agent: Option<u32>, chat: Option<(u64, u8)>, ev: TraceEvent) {
        self.0.trace(at, agent, chat, ev);
        self.1.trace(at, agent, chat, ev);
    }
    fn roster(&mut self, at: SimTime, group: usize, scheduled: u32, absent: u32) {
        self.0.roster(at, group, scheduled, absent);
        self.1.roster(at, group, scheduled, absent);
    }
    fn day(&mut self, day: u32) {
        self.0.day(day);
        self.1.day(day);
    }
    fn arrived(&mut self, at: SimTime) {
        self.0.arrived(at);
        self.1.arrived(at);
    }
    fn accepted(&mut self, kind: SegmentKind, skill: usize, arrival: SimTime, wait: f64, counted: bool) {
        self.0.accepted(kind, skill, arrival, wait, counted);
        self.1.accepted(kind, skill, arrival, wait, counted);
    }
    fn finish(&mut self, at: SimTime) {
        self.0.finish(at);
        self.1.finish(at);
    }
}
