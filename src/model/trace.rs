//! The trace of a run (`--trace`): every segment and every event, kept in
//! memory for `chats.csv` and `events.csv`.

use crate::engine::SimTime;
use crate::model::{AgentLevel, Observer, SegmentRecord, TraceEvent};

/// One line of `events.csv`.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub at: SimTime,
    pub agent: Option<u32>,
    pub chat: Option<(u64, u8)>,
    pub event: TraceEvent,
}

/// Records segments and events of one replication.
#[derive(Debug, Default)]
pub struct Trace {
    pub segments: Vec<SegmentRecord>,
    pub events: Vec<EventRow>,
}

impl Observer for Trace {
    fn segment(&mut self, rec: &SegmentRecord) {
        self.segments.push(rec.clone());
    }
    fn agent_level(&mut self, _: SimTime, _: usize, _: AgentLevel, _: AgentLevel) {}
    fn queue_len(&mut self, _: SimTime, _: usize, _: usize, _: i32) {}
    fn open(&mut self, _: SimTime, _: bool) {}
    const TRACES: bool = true;
    fn trace(&mut self, at: SimTime, agent: Option<u32>, chat: Option<(u64, u8)>, event: TraceEvent) {
        self.events.push(EventRow { at, agent, chat, event });
    }
    fn finish(&mut self, _: SimTime) {}
}
