//! What the model tells its observers: segment records, trace events and
//! changes of the time-weighted state (agents' busy slots, queue lengths).

use crate::engine::SimTime;

/// Which segment of a chat: the first, a transfer's, or a commitment's follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SegmentKind {
    New,
    TransferIn,
    Followup,
}

impl SegmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::New => "new",
            SegmentKind::TransferIn => "transfer_in",
            SegmentKind::Followup => "followup",
        }
    }
}

/// How a segment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Resolved,
    AuthFailed,
    InactiveDisconnect,
    Transferred,
    Abandoned,
    Unserved,
    /// Turned away on arrival: its skill's queue was full (`[queue_cap]`).
    Blocked,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::AuthFailed => "auth_failed",
            Outcome::InactiveDisconnect => "inactive_disconnect",
            Outcome::Transferred => "transferred",
            Outcome::Abandoned => "abandoned",
            Outcome::Unserved => "unserved",
            Outcome::Blocked => "blocked",
        }
    }
    /// The outcome named `name` (as [`Outcome::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Outcome> {
        use Outcome::*;
        [Resolved, AuthFailed, InactiveDisconnect, Transferred, Abandoned, Unserved, Blocked]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
    /// True for the outcomes of an answered segment.
    pub fn answered(self) -> bool {
        !matches!(self, Outcome::Abandoned | Outcome::Unserved | Outcome::Blocked)
    }
}

/// One finished segment. Times are simulation instants; durations seconds.
#[derive(Debug, Clone)]
pub struct SegmentRecord {
    pub chat: u64,
    /// 0 for the first segment, then 1, 2 in the order they happen.
    pub segment: u8,
    pub kind: SegmentKind,
    pub reason: usize,
    pub skill: usize,
    /// Queue entry of this segment.
    pub arrival: SimTime,
    pub accepted: Option<SimTime>,
    /// Segment end (before wrap-up); abandonment or close time otherwise.
    pub ended: SimTime,
    pub agent: Option<u32>,
    pub group: Option<usize>,
    pub outcome: Outcome,
    /// Queue entry → acceptance (or → abandonment / close), seconds.
    pub wait: f64,
    /// Elapsed authentication time, seconds (0 when none).
    pub auth: f64,
    /// Acceptance → segment end, seconds.
    pub chat_time: f64,
    pub wrapup: f64,
    /// The customer's sampled conversation work for this segment, at speed 1, seconds.
    pub handle: f64,
    /// The customer's sampled patience for this segment, seconds (infinite: never abandons).
    pub patience: f64,
    /// A resolved segment that left a commitment.
    pub commitment: bool,
    /// …whose follow-up falls after the last day's end and is never worked.
    pub commitment_unserved: bool,
    /// False for chats that first arrived before the warm-up ended.
    pub counted: bool,
    /// It waited in its skill's queue: not offered at once on arrival (or
    /// refused and back in the queue). Erlang's "waited at all".
    pub queued: bool,
    /// For a retry (retrials), the chat number of the customer's previous attempt.
    pub retry_of: Option<u64>,
    /// The first segment of a misrouted chat: in the queue of the reason
    /// the customer picked by mistake (`skill` is that reason's).
    pub misrouted: bool,
}

/// Something that happened, for the trace (`events.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceEvent {
    Queue,
    Offer,
    Refuse,
    Accept,
    Abandon,
    Silence,
    Return,
    End(Outcome),
    WrapupEnd,
    Unserved,
    /// A new chat turned away by its skill's full queue: it never queues.
    Blocked,
    /// A scheduled agent who does not come in today (absenteeism).
    Absent,
    /// A customer who gave up tries again: the retry's arrival, before it queues.
    Retry,
    /// The agent sees a misrouted chat is for another skill (end of triage).
    Misrouted,
    /// An agent goes away on its break (its chats finished).
    BreakStart,
    /// An agent's break is over (or cut short by its shift's end).
    BreakEnd,
    /// An agent on duty (and not on a break) enters a shrinkage spell.
    ShrinkageStart,
    /// …and leaves it (or logs out, or goes on a break).
    ShrinkageEnd,
    Login,
    Leave,
    Drain,
    Logout,
}

impl TraceEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            TraceEvent::Queue => "queue",
            TraceEvent::Offer => "offer",
            TraceEvent::Refuse => "refuse",
            TraceEvent::Accept => "accept",
            TraceEvent::Abandon => "abandon",
            TraceEvent::Silence => "silence",
            TraceEvent::Return => "return",
            TraceEvent::End(o) => o.as_str(),
            TraceEvent::WrapupEnd => "wrapup_end",
            TraceEvent::Unserved => "unserved",
            TraceEvent::Blocked => "blocked",
            TraceEvent::Absent => "absent",
            TraceEvent::Retry => "retry",
            TraceEvent::Misrouted => "misrouted",
            TraceEvent::BreakStart => "break_start",
            TraceEvent::BreakEnd => "break_end",
            TraceEvent::ShrinkageStart => "shrinkage_start",
            TraceEvent::ShrinkageEnd => "shrinkage_end",
            TraceEvent::Login => "login",
            TraceEvent::Leave => "leave",
            TraceEvent::Drain => "drain",
            TraceEvent::Logout => "logout",
        }
    }
}

/// The time-weighted state of one agent, as the statistics see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgentLevel {
    pub logged_in: bool,
    /// Busy slots: offers, work, silence and wrap-up.
    pub busy: u32,
    /// Logged in after its scheduled end.
    pub overtime: bool,
    /// Away from offers on a break or in a shrinkage spell (a break wins).
    pub away: Away,
}

/// Why a logged-in agent is away (takes no offers): neither, a break (gone,
/// its chats finished), or a shrinkage spell (it keeps working its chats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Away {
    #[default]
    None,
    Break,
    Shrinkage,
}

/// Receives everything the model reports. The model calls these in time order.
pub trait Observer {
    /// A segment finished (ended, abandoned or closed unserved).
    fn segment(&mut self, rec: &SegmentRecord);
    /// An agent's time-weighted state changed at `at`.
    fn agent_level(&mut self, at: SimTime, group: usize, from: AgentLevel, to: AgentLevel);
    /// The number of chats waiting for `skill` (of `reason`) changed by `delta` at `at`.
    fn queue_len(&mut self, at: SimTime, skill: usize, reason: usize, delta: i32);
    /// The center opened (`true`) or closed (`false`) at `at`.
    fn open(&mut self, at: SimTime, open: bool);
    /// Whether this observer takes trace events (else the model skips them).
    const TRACES: bool = false;
    /// A trace event; ignored unless tracing.
    fn trace(&mut self, _at: SimTime, _agent: Option<u32>, _chat: Option<(u64, u8)>, _ev: TraceEvent) {}
    /// Group `group`'s scheduled agents from `at` on, and how many of them
    /// are absent (only when some group has breaks, absenteeism or
    /// shrinkage; 0 scheduled from the drain on).
    fn roster(&mut self, _at: SimTime, _group: usize, _scheduled: u32, _absent: u32) {}
    /// Day `day` (0-based) begins; for progress reports.
    fn day(&mut self, _day: u32) {}
    /// A new chat (a first attempt or a retry) arrives at `at`, before it queues.
    fn arrived(&mut self, _at: SimTime) {}
    /// A segment of `kind` that joined `skill`'s queue at `arrival` is accepted
    /// after `wait` seconds; `counted`: after the warm-up. Its record comes
    /// at its end, often many minutes later; with [`Observer::arrived`] and
    /// the records of segments never answered (which come at once), an
    /// observer knows each new chat's queue outcome as soon as it is
    /// decided: what staff's resumed trials judge an interval by.
    fn accepted(&mut self, _kind: SegmentKind, _skill: usize, _arrival: SimTime, _wait: f64, _counted: bool) {}
    /// The run ended at `at`: close all time-weighted accounting.
    fn finish(&mut self, at: SimTime);
}

/// An observer lent to a run.
impl<T: Observer> Observer for &mut T {
    const TRACES: bool = T::TRACES;
    #[inline(always)]
    fn segment(&mut self, rec: &SegmentRecord) {
        (**self).segment(rec);
    }
    #[inline(always)]
    fn agent_level(&mut self, at: SimTime, group: usize, from: AgentLevel, to: AgentLevel) {
        (**self).agent_level(at, group, from, to);
    }
    #[inline(always)]
    fn queue_len(&mut self, at: SimTime, skill: usize, reason: usize, delta: i32) {
        (**self).queue_len(at, skill, reason, delta);
    }
    #[inline(always)]
    fn open(&mut self, at: SimTime, open: bool) {
        (**self).open(at, open);
    }
    #[inline(always)]
    fn trace(&mut self, at: SimTime, agent: Option<u32>, chat: Option<(u64, u8)>, ev: TraceEvent) {
        (**self).trace(at, agent, chat, ev);
    }
    #[inline(always)]
    fn roster(&mut self, at: SimTime, group: usize, scheduled: u32, absent: u32) {
        (**self).roster(at, group, scheduled, absent);
    }
    #[inline(always)]
    fn day(&mut self, day: u32) {
        (**self).day(day);
    }
    #[inline(always)]
    fn arrived(&mut self, at: SimTime) {
        (**self).arrived(at);
    }
    #[inline(always)]
    fn accepted(&mut self, kind: SegmentKind, skill: usize, arrival: SimTime, wait: f64, counted: bool) {
        (**self).accepted(kind, skill, arrival, wait, counted);
    }
    #[inline(always)]
    fn finish(&mut self, at: SimTime) {
        (**self).finish(at);
    }
}
