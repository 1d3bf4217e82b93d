//! Streaming collectors: the model's reports become totals per clock
//! interval and scope, in memory that does not grow with the horizon
//! (unless results are kept per day).

use super::hist::WaitHistogram;
use crate::engine::SimTime;
use crate::model::{AgentLevel, Observer, Outcome, SegmentKind, SegmentRecord};

const DAY_US: i64 = 86_400_000_000;

/// Dimensions and rules a collector needs from the scenario.
#[derive(Debug, Clone)]
pub struct Layout {
    pub reasons: usize,
    pub skills: usize,
    /// `max_concurrent` of each group.
    pub caps: Vec<u32>,
    /// Interval length, microseconds (divides a day).
    pub interval_us: i64,
    /// Keep each day's intervals apart (else interval of the day over all days).
    pub per_day: bool,
    /// Nothing before this instant is counted (time-weighted metrics).
    pub warmup_at: SimTime,
    /// Service-level threshold, seconds.
    pub threshold: f64,
    /// Abandons with a shorter wait are short abandons, seconds.
    pub short_abandon: f64,
}

impl Layout {
    pub fn groups(&self) -> usize {
        self.caps.len()
    }
    /// Scopes: all, each reason, each skill, each group (in that order).
    pub fn scopes(&self) -> usize {
        1 + self.reasons + self.skills + self.groups()
    }
    pub fn reason_scope(&self, r: usize) -> usize {
        1 + r
    }
    pub fn skill_scope(&self, s: usize) -> usize {
        1 + self.reasons + s
    }
    pub fn group_scope(&self, g: usize) -> usize {
        1 + self.reasons + self.skills + g
    }
    /// Intervals in a day (24 h).
    pub fn intervals_per_day(&self) -> usize {
        (DAY_US / self.interval_us) as usize
    }
    /// The (day, interval) labels of a slot: `all` or the 1-based day, and `HH:MM`.
    pub fn slot_label(&self, slot: usize) -> (String, String) {
        let ipd = self.intervals_per_day();
        let secs = (slot % ipd) as i64 * self.interval_us / 1_000_000;
        let clock = format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60);
        let day = if self.per_day { (slot / ipd + 1).to_string() } else { "all".to_string() };
        (day, clock)
    }
    /// The slot labelled (day, interval), the inverse of [`Layout::slot_label`];
    /// `None` for labels this layout does not write.
    pub fn slot_of(&self, day: &str, interval: &str) -> Option<usize> {
        let (h, m) = interval.split_once(':')?;
        let valid = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
        if !valid(h) || !valid(m) {
            return None;
        }
        let secs = h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60;
        let interval_secs = self.interval_us / 1_000_000;
        if secs >= 86_400 || secs % interval_secs != 0 {
            return None;
        }
        let iod = (secs / interval_secs) as usize;
        match (self.per_day, day) {
            (false, "all") => Some(iod),
            (true, d) if valid_day(d) => Some((d.parse::<usize>().ok()? - 1) * self.intervals_per_day() + iod),
            _ => None,
        }
    }
}

/// A 1-based day number as written: digits, no leading zero.
fn valid_day(d: &str) -> bool {
    !d.is_empty() && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit())
}

/// Counts and waits of one kind of segment (new, transfer-in or follow-up).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KindTotals {
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    pub unserved: u64,
    /// Answered with wait ≤ threshold.
    pub within_threshold: u64,
    /// Sum of waits of answered segments, seconds.
    pub wait_sum: f64,
    pub wait_max: f64,
    /// Sum of waits of abandoned segments, seconds.
    pub abandon_wait_sum: f64,
    /// Waits of answered segments (new arrivals only).
    pub hist: Option<Box<WaitHistogram>>,
}

impl KindTotals {
    fn merge(&mut self, o: &KindTotals) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.abandoned += o.abandoned;
        self.short_abandoned += o.short_abandoned;
        self.unserved += o.unserved;
        self.within_threshold += o.within_threshold;
        self.wait_sum += o.wait_sum;
        self.wait_max = self.wait_max.max(o.wait_max);
        self.abandon_wait_sum += o.abandon_wait_sum;
        if let Some(h) = &o.hist {
            self.hist.get_or_insert_with(Default::default).merge(h);
        }
    }
}

/// Handling of answered segments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HandlingTotals {
    pub handled: u64,
    pub chat_time_sum: f64,
    pub wrapup_sum: f64,
}

impl HandlingTotals {
    fn add(&mut self, rec: &SegmentRecord) {
        self.handled += 1;
        self.chat_time_sum += rec.chat_time;
        self.wrapup_sum += rec.wrapup;
    }
    fn merge(&mut self, o: &HandlingTotals) {
        self.handled += o.handled;
        self.chat_time_sum += o.chat_time_sum;
        self.wrapup_sum += o.wrapup_sum;
    }
}

/// Per-chat totals of one scope in one slot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegTotals {
    pub new: KindTotals,
    pub transfer_in: KindTotals,
    pub followup: KindTotals,
    /// Answered new and transfer-in segments.
    pub handling: HandlingTotals,
    pub followup_handling: HandlingTotals,
    /// Answered new segments and their authentication time.
    pub auth_count: u64,
    pub auth_sum: f64,
    pub inactive_disconnects: u64,
    pub transfers: u64,
    pub auth_failures: u64,
    pub commitments: u64,
    pub commitments_unserved: u64,
}

impl SegTotals {
    fn merge(&mut self, o: &SegTotals) {
        self.new.merge(&o.new);
        self.transfer_in.merge(&o.transfer_in);
        self.followup.merge(&o.followup);
        self.handling.merge(&o.handling);
        self.followup_handling.merge(&o.followup_handling);
        self.auth_count += o.auth_count;
        self.auth_sum += o.auth_sum;
        self.inactive_disconnects += o.inactive_disconnects;
        self.transfers += o.transfers;
        self.auth_failures += o.auth_failures;
        self.commitments += o.commitments;
        self.commitments_unserved += o.commitments_unserved;
    }
}

/// Time-weighted agent totals of one group in one slot (agent-seconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentTotals {
    pub logged_in: f64,
    /// Logged in with at least one busy slot.
    pub occupied: f64,
    /// Busy slot-seconds.
    pub busy_slots: f64,
    /// Logged-in agent-seconds × cap.
    pub capacity: f64,
    /// Logged-in seconds with exactly `i` busy slots.
    pub concurrency: Vec<f64>,
    pub overtime: f64,
}

impl AgentTotals {
    fn merge(&mut self, o: &AgentTotals) {
        self.logged_in += o.logged_in;
        self.occupied += o.occupied;
        self.busy_slots += o.busy_slots;
        self.capacity += o.capacity;
        if self.concurrency.len() < o.concurrency.len() {
            self.concurrency.resize(o.concurrency.len(), 0.0);
        }
        for (a, b) in self.concurrency.iter_mut().zip(&o.concurrency) {
            *a += b;
        }
        self.overtime += o.overtime;
    }
}

/// Time-weighted queue length of one scope in one slot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueTotals {
    /// Chat-seconds waiting.
    pub area: f64,
    pub max: u32,
}

/// Everything collected for one slot (an interval, of one day or of all days).
#[derive(Debug, Clone, PartialEq)]
pub struct SlotTotals {
    /// Per scope (see [`Layout::scopes`]).
    pub seg: Vec<SegTotals>,
    /// Per group.
    pub agents: Vec<AgentTotals>,
    /// Per queue scope: all, each reason, each skill.
    pub queue: Vec<QueueTotals>,
    /// Seconds observed: open, or anyone logged in.
    pub observed: f64,
}

impl SlotTotals {
    pub fn new(layout: &Layout) -> Self {
        SlotTotals {
            seg: vec![SegTotals::default(); layout.scopes()],
            agents: layout
                .caps
                .iter()
                .map(|&c| AgentTotals { concurrency: vec![0.0; c as usize + 1], ..Default::default() })
                .collect(),
            queue: vec![QueueTotals::default(); 1 + layout.reasons + layout.skills],
            observed: 0.0,
        }
    }

    /// Adds `o` into `self`.
    pub fn merge(&mut self, o: &SlotTotals) {
        for (a, b) in self.seg.iter_mut().zip(&o.seg) {
            a.merge(b);
        }
        for (a, b) in self.agents.iter_mut().zip(&o.agents) {
            a.merge(b);
        }
        for (a, b) in self.queue.iter_mut().zip(&o.queue) {
            a.area += b.area;
            a.max = a.max.max(b.max);
        }
        self.observed += o.observed;
    }
}

#[derive(Debug, Clone)]
struct GroupLevel {
    logged_in: u32,
    busy_slots: u32,
    occupied: u32,
    overtime: u32,
    by_busy: Vec<u32>,
    since: SimTime,
}

impl GroupLevel {
    /// Counts in (`add`) or out a logged-in agent at level `l`.
    fn count(&mut self, l: AgentLevel, add: bool) {
        let apply = |x: &mut u32, n: u32| *x = if add { *x + n } else { *x - n };
        apply(&mut self.logged_in, 1);
        apply(&mut self.busy_slots, l.busy);
        apply(&mut self.occupied, (l.busy > 0) as u32);
        apply(&mut self.overtime, l.overtime as u32);
        let i = (l.busy as usize).min(self.by_busy.len() - 1);
        apply(&mut self.by_busy[i], 1);
    }
}

#[derive(Debug, Clone)]
struct QueueLevel {
    len: u32,
    since: SimTime,
}

/// The statistics of one replication.
pub struct Collector {
    layout: Layout,
    slots: Vec<Option<Box<SlotTotals>>>,
    groups: Vec<GroupLevel>,
    queues: Vec<QueueLevel>,
    open: bool,
    logged_in: u32,
    observed_since: SimTime,
    /// Where the last instant placed fell.
    clock: Clock,
}

impl Collector {
    pub fn new(layout: Layout) -> Self {
        let groups = layout
            .caps
            .iter()
            .map(|&c| GroupLevel {
                logged_in: 0,
                busy_slots: 0,
                occupied: 0,
                overtime: 0,
                by_busy: vec![0; c as usize + 1],
                since: SimTime::ZERO,
            })
            .collect();
        let queues = vec![QueueLevel { len: 0, since: SimTime::ZERO }; 1 + layout.reasons + layout.skills];
        let clock = Clock::new(layout.interval_us, layout.per_day);
        Collector {
            layout,
            slots: Vec::new(),
            groups,
            queues,
            open: false,
            logged_in: 0,
            observed_since: SimTime::ZERO,
            clock,
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The slots collected so far, by slot index (`None` where nothing happened).
    pub fn slots(&self) -> &[Option<Box<SlotTotals>>] {
        &self.slots
    }

    /// All slots added together: the whole run.
    pub fn total(&self) -> SlotTotals {
        let mut total = SlotTotals::new(&self.layout);
        for s in self.slots.iter().flatten() {
            total.merge(s);
        }
        total
    }

    /// The slot of instant `t`: its interval of the day, and with `per_day` its day.
    fn slot(&mut self, t: SimTime) -> usize {
        self.clock.locate(t).0
    }

    /// The slot that holds all of [from, to), if one does and it is past
    /// the warm-up (the common case: both in the interval last located).
    fn within_one_slot(&self, from: SimTime, to: SimTime) -> Option<usize> {
        let c = &self.clock;
        (from.0 >= c.start && to.0 <= c.end && from >= self.layout.warmup_at).then_some(c.slot)
    }

    fn slot_mut(&mut self, slot: usize) -> &mut SlotTotals {
        slot_in(&mut self.slots, &self.layout, slot)
    }

    /// Splits [from, to) at slot boundaries, after the warm-up: (slot, seconds) pieces.
    fn pieces(&self, from: SimTime, to: SimTime) -> Pieces {
        Pieces { layout: self.clock, cur: from.max(self.layout.warmup_at), to }
    }

    fn advance_group(&mut self, g: usize, at: SimTime) {
        let since = self.groups[g].since;
        if at <= since || self.groups[g].logged_in == 0 {
            self.groups[g].since = at.max(since);
            return;
        }
        let cap = self.layout.caps[g] as f64;
        if let Some(slot) = self.within_one_slot(since, at) {
            let Collector { layout, slots, groups, .. } = self;
            add_levels(&mut slot_in(slots, layout, slot).agents[g], &groups[g], cap, (at.0 - since.0) as f64 / 1e6);
        } else {
            let pieces = self.pieces(since, at);
            let Collector { layout, slots, groups, .. } = self;
            for (slot, secs) in pieces {
                add_levels(&mut slot_in(slots, layout, slot).agents[g], &groups[g], cap, secs);
            }
        }
        self.groups[g].since = at;
    }

    fn advance_queue(&mut self, q: usize, at: SimTime) {
        let QueueLevel { len, since } = self.queues[q];
        if at > since && len > 0 {
            if let Some(slot) = self.within_one_slot(since, at) {
                let t = &mut self.slot_mut(slot).queue[q];
                t.area += len as f64 * ((at.0 - since.0) as f64 / 1e6);
                t.max = t.max.max(len);
                self.queues[q].since = at;
                return;
            }
            for (slot, secs) in self.pieces(since, at) {
                let t = &mut self.slot_mut(slot).queue[q];
                t.area += len as f64 * secs;
                t.max = t.max.max(len);
            }
        }
        self.queues[q].since = at;
    }

    fn advance_observed(&mut self, at: SimTime) {
        if (self.open || self.logged_in > 0) && at > self.observed_since {
            for (slot, secs) in self.pieces(self.observed_since, at) {
                self.slot_mut(slot).observed += secs;
            }
        }
        self.observed_since = at;
    }
}

/// Adds `secs` seconds of a group's levels to its agent totals.
fn add_levels(a: &mut AgentTotals, lv: &GroupLevel, cap: f64, secs: f64) {
    a.logged_in += lv.logged_in as f64 * secs;
    a.occupied += lv.occupied as f64 * secs;
    a.busy_slots += lv.busy_slots as f64 * secs;
    a.capacity += lv.logged_in as f64 * cap * secs;
    a.overtime += lv.overtime as f64 * secs;
    for (c, &n) in a.concurrency.iter_mut().zip(&lv.by_busy) {
        *c += n as f64 * secs;
    }
}

/// Counts a segment's queue outcome into `s`.
fn record_kind(s: &mut SegTotals, rec: &SegmentRecord, threshold: f64, short: f64) {
    let k = match rec.kind {
        SegmentKind::New => &mut s.new,
        SegmentKind::TransferIn => &mut s.transfer_in,
        SegmentKind::Followup => &mut s.followup,
    };
    k.offered += 1;
    match rec.outcome {
        Outcome::Abandoned => {
            k.abandoned += 1;
            k.abandon_wait_sum += rec.wait;
            if rec.wait < short {
                k.short_abandoned += 1;
            }
        }
        Outcome::Unserved => k.unserved += 1,
        _ => {
            k.answered += 1;
            k.wait_sum += rec.wait;
            k.wait_max = k.wait_max.max(rec.wait);
            if rec.wait <= threshold {
                k.within_threshold += 1;
            }
            if rec.kind == SegmentKind::New {
                k.hist.get_or_insert_with(Default::default).add(rec.wait);
            }
        }
    }
}

/// Counts an answered segment's handling and outcome into `s`.
fn record_handling(s: &mut SegTotals, rec: &SegmentRecord) {
    if rec.kind == SegmentKind::Followup {
        s.followup_handling.add(rec);
        return;
    }
    s.handling.add(rec);
    if rec.kind == SegmentKind::New {
        s.auth_count += 1;
        s.auth_sum += rec.auth;
    }
    match rec.outcome {
        Outcome::InactiveDisconnect => s.inactive_disconnects += 1,
        Outcome::Transferred => s.transfers += 1,
        Outcome::AuthFailed => s.auth_failures += 1,
        _ => {}
    }
    s.commitments += rec.commitment as u64;
    s.commitments_unserved += rec.commitment_unserved as u64;
}

/// The slot `slot` of `slots`, created empty if new.
fn slot_in<'a>(slots: &'a mut Vec<Option<Box<SlotTotals>>>, layout: &Layout, slot: usize) -> &'a mut SlotTotals {
    if slot >= slots.len() {
        slots.resize_with(slot + 1, || None);
    }
    slots[slot].get_or_insert_with(|| Box::new(SlotTotals::new(layout)))
}

/// The slot grid, remembering the last interval it placed an instant in:
/// simulated time moves forward, so most instants fall in the same one.
#[derive(Debug, Clone, Copy)]
struct Clock {
    interval_us: i64,
    per_day: bool,
    /// The last interval located: [start, end) and its slot.
    start: i64,
    end: i64,
    slot: usize,
}

impl Clock {
    fn new(interval_us: i64, per_day: bool) -> Clock {
        Clock { interval_us, per_day, start: 0, end: 0, slot: 0 }
    }

    /// The slot of `t`, and the end of its interval.
    fn locate(&mut self, t: SimTime) -> (usize, i64) {
        if !(self.start..self.end).contains(&t.0) {
            let intervals_per_day = (DAY_US / self.interval_us) as usize;
            let iod = (t.0.rem_euclid(DAY_US) / self.interval_us) as usize;
            self.slot =
                if self.per_day { t.0.div_euclid(DAY_US).max(0) as usize * intervals_per_day + iod } else { iod };
            self.start = t.0.div_euclid(self.interval_us) * self.interval_us;
            self.end = self.start + self.interval_us;
        }
        (self.slot, self.end)
    }
}

/// [from, to) cut at slot boundaries: (slot, seconds) pieces.
struct Pieces {
    layout: Clock,
    cur: SimTime,
    to: SimTime,
}

impl Iterator for Pieces {
    type Item = (usize, f64);
    fn next(&mut self) -> Option<(usize, f64)> {
        if self.cur >= self.to {
            return None;
        }
        let (slot, boundary) = self.layout.locate(self.cur);
        let end = self.to.0.min(boundary);
        let piece = (slot, (end - self.cur.0) as f64 / 1e6);
        self.cur = SimTime(end);
        Some(piece)
    }
}

impl Observer for Collector {
    fn segment(&mut self, rec: &SegmentRecord) {
        if !rec.counted {
            return;
        }
        let queue_scopes = [0, self.layout.reason_scope(rec.reason), self.layout.skill_scope(rec.skill)];
        let group_scope = rec.group.map(|g| self.layout.group_scope(g));
        let (threshold, short) = (self.layout.threshold, self.layout.short_abandon);
        let slot = self.slot(rec.arrival);
        let totals = self.slot_mut(slot);
        for scope in queue_scopes {
            record_kind(&mut totals.seg[scope], rec, threshold, short);
        }
        if rec.outcome.answered() {
            for scope in queue_scopes.into_iter().chain(group_scope) {
                record_handling(&mut totals.seg[scope], rec);
            }
        }
    }

    fn agent_level(&mut self, at: SimTime, g: usize, from: AgentLevel, to: AgentLevel) {
        self.clock.locate(at);
        self.advance_group(g, at);
        if from.logged_in != to.logged_in {
            self.advance_observed(at);
            if to.logged_in {
                self.logged_in += 1;
            } else {
                self.logged_in -= 1;
            }
        }
        let lv = &mut self.groups[g];
        if from.logged_in {
            lv.count(from, false);
        }
        if to.logged_in {
            lv.count(to, true);
        }
    }

    fn queue_len(&mut self, at: SimTime, skill: usize, reason: usize, delta: i32) {
        let reasons = self.layout.reasons;
        let scopes = [0, 1 + reason, 1 + reasons + skill];
        self.clock.locate(at);
        for q in scopes {
            self.advance_queue(q, at);
            let len = &mut self.queues[q].len;
            *len = (*len as i64 + delta as i64) as u32;
        }
        if delta > 0 && at >= self.layout.warmup_at {
            let slot = self.slot(at);
            let Collector { layout, slots, queues, .. } = self;
            let totals = slot_in(slots, layout, slot);
            for q in scopes {
                totals.queue[q].max = totals.queue[q].max.max(queues[q].len);
            }
        }
    }

    fn open(&mut self, at: SimTime, open: bool) {
        self.advance_observed(at);
        self.open = open;
    }

    fn finish(&mut self, at: SimTime) {
        for g in 0..self.groups.len() {
            self.advance_group(g, at);
        }
        for q in 0..self.queues.len() {
            self.advance_queue(q, at);
        }
        self.advance_observed(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(per_day: bool) -> Layout {
        Layout {
            reasons: 1,
            skills: 1,
            caps: vec![2],
            interval_us: 900_000_000,
            per_day,
            warmup_at: SimTime(i64::MIN),
            threshold: 60.0,
            short_abandon: 0.0,
        }
    }

    #[test]
    fn slot_labels_read_back_to_their_slots() {
        for per_day in [false, true] {
            let l = layout(per_day);
            let slots = if per_day { 3 * l.intervals_per_day() } else { l.intervals_per_day() };
            for slot in 0..slots {
                let (day, interval) = l.slot_label(slot);
                assert_eq!(l.slot_of(&day, &interval), Some(slot), "{day} {interval}");
            }
        }
        let (all, per_day) = (layout(false), layout(true));
        assert_eq!(all.slot_of("1", "08:00"), None);
        assert_eq!(per_day.slot_of("all", "08:00"), None);
        assert_eq!(per_day.slot_of("0", "08:00"), None);
        assert_eq!(all.slot_of("all", "08:10"), None);
        assert_eq!(all.slot_of("all", "24:00"), None);
        assert_eq!(all.slot_of("all", "8:00"), None);
    }
}
