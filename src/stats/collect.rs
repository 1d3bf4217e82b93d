//! Streaming collectors: the model's reports become totals per clock
//! interval and scope, in memory that does not grow with the horizon
//! (unless results are kept per day).

use super::hist::WaitHistogram;
use crate::engine::{DAY_SECS, SimDuration, SimTime};
use crate::model::{AgentLevel, Away, Observer, Outcome, SegmentKind, SegmentRecord};

/// Dimensions and rules a collector needs from the scenario.
#[derive(Debug, Clone)]
pub struct Layout {
    pub reasons: usize,
    pub skills: usize,
    /// `max_concurrent` of each group.
    pub caps: Vec<u32>,
    /// Interval length (divides a day).
    pub interval: SimDuration,
    /// Keep each day's intervals apart (else interval of the day over all days).
    pub per_day: bool,
    /// Nothing before this instant is counted (time-weighted metrics).
    pub warmup_at: SimTime,
    /// Service-level threshold, seconds.
    pub threshold: f64,
    /// Abandons with a shorter wait are short abandons, seconds.
    pub short_abandon: f64,
    /// Some skill's queue has a cap: `blocked` and `block_rate` are written.
    pub blocking: bool,
    /// Some reason's customers retry: `retries` is written.
    pub retrials: bool,
    /// Some reason's customers misroute: `misrouted` is written.
    pub misrouting: bool,
    /// Some group has breaks, absenteeism or shrinkage: the hours metrics
    /// (`scheduled_hours` … `shrinkage_share`) are written.
    pub shrinks: bool,
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
    /// The queue scopes (see [`SlotTotals::queue`]) a chat of `reason` and
    /// `skill` is counted in besides all: its reason's and its skill's, but
    /// not those that mirror all (see [`Layout::mirrors_of_all`]).
    fn queue_scopes_apart(&self, reason: usize, skill: usize) -> impl Iterator<Item = usize> + use<> {
        let reason = (self.reasons > 1).then(|| self.reason_scope(reason));
        let skill = (self.skills > 1).then(|| self.skill_scope(skill));
        reason.into_iter().chain(skill)
    }
    /// The queue scopes that see just what scope all sees (the only
    /// reason's, the only skill's): a collector copies them from all.
    fn mirrors_of_all(&self) -> impl Iterator<Item = usize> + use<> {
        let reason = (self.reasons == 1).then(|| self.reason_scope(0));
        let skill = (self.skills == 1).then(|| self.skill_scope(0));
        reason.into_iter().chain(skill)
    }
    /// Intervals in a day (24 h).
    pub fn intervals_per_day(&self) -> usize {
        (SimDuration::DAY / self.interval) as usize
    }
    /// The (day, interval) labels of a slot: `all` or the 1-based day, and `HH:MM`.
    pub fn slot_label(&self, slot: usize) -> (String, String) {
        let ipd = self.intervals_per_day();
        let secs = (self.interval * (slot % ipd) as i64).whole_secs();
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
        let interval_secs = self.interval.whole_secs();
        if secs >= DAY_SECS.into() || secs % interval_secs != 0 {
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
    /// Turned away by a full queue (new chats only).
    pub blocked: u64,
    /// Segments of retries of customers who gave up (written for new chats only).
    pub retries: u64,
    /// Misrouted new chats (in the queue of the wrong reason).
    pub misrouted: u64,
    /// Answered with wait ≤ threshold.
    pub within_threshold: u64,
    /// Left the queue after a wait above 0 (answered, abandoned or unserved;
    /// a blocked chat never waits).
    pub waited: u64,
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
        self.blocked += o.blocked;
        self.retries += o.retries;
        self.misrouted += o.misrouted;
        self.within_threshold += o.within_threshold;
        self.waited += o.waited;
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
    /// Scheduled agent-seconds (the count timeline, to the day's `end`).
    pub scheduled: f64,
    /// Scheduled agent-seconds of absent slots.
    pub absent: f64,
    /// Logged-in seconds away on a break.
    pub on_break: f64,
    /// Logged-in seconds in a shrinkage spell, not on a break.
    pub shrinkage: f64,
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
        self.scheduled += o.scheduled;
        self.absent += o.absent;
        self.on_break += o.on_break;
        self.shrinkage += o.shrinkage;
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

/// One group's logged-in agents now: the agent counts its time-weighted
/// totals grow by per second. Each total takes `count as f64 * secs` per
/// change, in the order the changes come (the outputs depend on it).
#[derive(Debug, Clone)]
struct GroupLevel {
    logged_in: i64,
    occupied: i64,
    busy_slots: i64,
    /// `logged_in` × `cap`.
    capacity: i64,
    overtime: i64,
    /// Agents away on a break, and in a shrinkage spell.
    on_break: i64,
    in_spell: i64,
    /// Agents with exactly `i` busy slots (the last: `cap` or more).
    by_busy: Vec<i64>,
    cap: i64,
    since: SimTime,
}

impl GroupLevel {
    fn new(cap: u32) -> Self {
        GroupLevel {
            logged_in: 0,
            occupied: 0,
            busy_slots: 0,
            capacity: 0,
            overtime: 0,
            on_break: 0,
            in_spell: 0,
            by_busy: vec![0; cap as usize + 1],
            cap: cap as i64,
            since: SimTime::ZERO,
        }
    }

    /// Adds these levels from their last change up to `at` to group `g`'s totals.
    #[inline(always)]
    fn advance(&mut self, g: usize, at: SimTime, slots: &mut Slots, layout: &Layout) {
        if !self.advance_within(g, at, slots) {
            slots.each(layout, self.since, at, |t, secs| self.add_to(&mut t.agents[g], secs));
            self.since = at;
        }
    }

    /// [`GroupLevel::advance`] when all the time to add lies in the last
    /// interval located, whose totals exist (the common case); else false,
    /// with nothing done.
    #[inline(always)]
    fn advance_within(&mut self, g: usize, at: SimTime, slots: &mut Slots) -> bool {
        if at > self.since && self.logged_in > 0 {
            let Some((t, secs)) = slots.within(self.since, at) else {
                return false;
            };
            self.add_to(&mut t.agents[g], secs);
        }
        self.since = self.since.max(at);
        true
    }

    /// Adds `secs` seconds at these levels to `a`.
    #[inline(always)]
    fn add_to(&self, a: &mut AgentTotals, secs: f64) {
        a.logged_in += self.logged_in as f64 * secs;
        a.occupied += self.occupied as f64 * secs;
        a.busy_slots += self.busy_slots as f64 * secs;
        a.capacity += self.capacity as f64 * secs;
        // Mostly nobody is in overtime, and adding 0 would change nothing.
        if self.overtime != 0 {
            a.overtime += self.overtime as f64 * secs;
        }
        if self.on_break != 0 {
            a.on_break += self.on_break as f64 * secs;
        }
        if self.in_spell != 0 {
            a.shrinkage += self.in_spell as f64 * secs;
        }
        let concurrency = &mut a.concurrency[..self.by_busy.len()];
        for (c, &n) in concurrency.iter_mut().zip(&self.by_busy) {
            *c += n as f64 * secs;
        }
    }

    /// Counts in (`n` = 1) or out (`n` = -1) a logged-in agent at level `l`.
    fn count(&mut self, l: AgentLevel, n: i64) {
        self.logged_in += n;
        self.capacity += n * self.cap;
        self.busy_slots += n * l.busy as i64;
        self.occupied += n * (l.busy > 0) as i64;
        self.overtime += n * l.overtime as i64;
        self.on_break += n * (l.away == Away::Break) as i64;
        self.in_spell += n * (l.away == Away::Shrinkage) as i64;
        *self.with_busy(l.busy) += n;
    }

    /// Moves a logged-in agent from level `from` to level `to` (counts it
    /// out and in at once).
    #[inline(always)]
    fn shift(&mut self, from: AgentLevel, to: AgentLevel) {
        self.busy_slots += to.busy as i64 - from.busy as i64;
        self.occupied += (to.busy > 0) as i64 - (from.busy > 0) as i64;
        self.overtime += to.overtime as i64 - from.overtime as i64;
        if from.away != to.away {
            self.on_break += (to.away == Away::Break) as i64 - (from.away == Away::Break) as i64;
            self.in_spell += (to.away == Away::Shrinkage) as i64 - (from.away == Away::Shrinkage) as i64;
        }
        *self.with_busy(from.busy) -= 1;
        *self.with_busy(to.busy) += 1;
    }

    /// The count of agents with `busy` busy slots.
    fn with_busy(&mut self, busy: u32) -> &mut i64 {
        let last = self.by_busy.len() - 1;
        &mut self.by_busy[(busy as usize).min(last)]
    }
}

/// One group's roster now: scheduled agents and the absent among them.
#[derive(Debug, Clone, Default)]
struct RosterLevel {
    scheduled: u32,
    absent: u32,
    since: SimTime,
}

impl RosterLevel {
    /// Adds this roster from its last change up to `at` to group `g`'s totals.
    fn advance(&mut self, g: usize, at: SimTime, slots: &mut Slots, layout: &Layout) {
        if at > self.since && self.scheduled > 0 {
            let (n, absent) = (f64::from(self.scheduled), f64::from(self.absent));
            slots.each(layout, self.since, at, |t, secs| {
                t.agents[g].scheduled += n * secs;
                t.agents[g].absent += absent * secs;
            });
        }
        self.since = self.since.max(at);
    }
}

#[derive(Debug, Clone)]
struct QueueLevel {
    len: u32,
    since: SimTime,
}

impl QueueLevel {
    /// Adds this length from its last change up to `at` to queue scope `q`'s totals.
    #[inline(always)]
    fn advance(&mut self, q: usize, at: SimTime, slots: &mut Slots, layout: &Layout) {
        if at > self.since && self.len > 0 {
            match slots.within(self.since, at) {
                Some((t, secs)) => self.add_to(&mut t.queue[q], secs),
                None => slots.each(layout, self.since, at, |t, secs| self.add_to(&mut t.queue[q], secs)),
            }
        }
        self.since = at;
    }

    /// Adds `secs` seconds at this length to `t`.
    #[inline(always)]
    fn add_to(&self, t: &mut QueueTotals, secs: f64) {
        t.area += self.len as f64 * secs;
        t.max = t.max.max(self.len);
    }
}

/// The statistics of one replication.
pub struct Collector {
    layout: Layout,
    slots: Slots,
    groups: Vec<GroupLevel>,
    rosters: Vec<RosterLevel>,
    queues: Vec<QueueLevel>,
    open: bool,
    logged_in: u32,
    observed_since: SimTime,
}

impl Collector {
    pub fn new(layout: Layout) -> Self {
        let groups = layout.caps.iter().map(|&c| GroupLevel::new(c)).collect();
        let queues = vec![QueueLevel { len: 0, since: SimTime::ZERO }; 1 + layout.reasons + layout.skills];
        let slots = Slots { totals: Vec::new(), clock: Clock::new(layout.interval, layout.per_day, layout.warmup_at) };
        let rosters = vec![RosterLevel::default(); layout.groups()];
        Collector { layout, slots, groups, rosters, queues, open: false, logged_in: 0, observed_since: SimTime::ZERO }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The slots collected so far, by slot index (`None` where nothing
    /// happened); complete once the run is finished.
    pub fn slots(&self) -> &[Option<Box<SlotTotals>>] {
        &self.slots.totals
    }

    /// All slots added together: the whole run (once finished).
    pub fn total(&self) -> SlotTotals {
        let mut total = SlotTotals::new(&self.layout);
        for s in self.slots.totals.iter().flatten() {
            total.merge(s);
        }
        total
    }

    /// [`Observer::agent_level`] where its fast path does not do: as an
    /// agent logs in or out, or at a new interval or slot.
    #[inline(never)]
    fn agent_level_rare(&mut self, at: SimTime, g: usize, from: AgentLevel, to: AgentLevel) {
        self.slots.clock.locate(at);
        let Collector { layout, slots, groups, .. } = self;
        groups[g].advance(g, at, slots, layout);
        if from.logged_in != to.logged_in {
            self.advance_observed(at);
        }
        let lv = &mut self.groups[g];
        match (from.logged_in, to.logged_in) {
            (true, true) => lv.shift(from, to),
            (false, false) => {}
            (false, true) => {
                lv.count(to, 1);
                self.logged_in += 1;
            }
            (true, false) => {
                lv.count(from, -1);
                self.logged_in -= 1;
            }
        }
    }

    fn advance_observed(&mut self, at: SimTime) {
        if (self.open || self.logged_in > 0) && at > self.observed_since {
            self.slots.each(&self.layout, self.observed_since, at, |t, secs| t.observed += secs);
        }
        self.observed_since = at;
    }
}

/// A segment record as each scope it counts in takes it, worked out once.
struct Counted<'a> {
    rec: &'a SegmentRecord,
    answered: bool,
    /// Answered within the threshold (1) or not (0).
    within_threshold: u64,
    /// Abandoned after less than the short-abandon time (1) or not (0).
    short_abandoned: u64,
    /// The wait's histogram bin, for answered new segments.
    bin: Option<usize>,
}

impl<'a> Counted<'a> {
    fn new(rec: &'a SegmentRecord, layout: &Layout) -> Self {
        let answered = rec.outcome.answered();
        Counted {
            rec,
            answered,
            within_threshold: (rec.wait <= layout.threshold) as u64,
            short_abandoned: (rec.wait < layout.short_abandon) as u64,
            bin: (answered && rec.kind == SegmentKind::New).then(|| WaitHistogram::bin(rec.wait)),
        }
    }

    /// Counts the segment into queue scope totals `s`: its queue outcome,
    /// and if answered its handling.
    #[inline(always)]
    fn queued(&self, s: &mut SegTotals) {
        self.kind(s);
        if self.answered {
            self.handling(s);
        }
    }

    /// Counts the segment's queue outcome into `s`.
    #[inline(always)]
    fn kind(&self, s: &mut SegTotals) {
        let rec = self.rec;
        let k = match rec.kind {
            SegmentKind::New => &mut s.new,
            SegmentKind::TransferIn => &mut s.transfer_in,
            SegmentKind::Followup => &mut s.followup,
        };
        k.offered += 1;
        k.retries += rec.retry_of.is_some() as u64;
        k.misrouted += rec.misrouted as u64;
        k.waited += (rec.wait > 0.0 && (rec.queued || rec.outcome == Outcome::Abandoned)) as u64;
        match rec.outcome {
            Outcome::Abandoned => {
                k.abandoned += 1;
                k.abandon_wait_sum += rec.wait;
                k.short_abandoned += self.short_abandoned;
            }
            Outcome::Unserved => k.unserved += 1,
            Outcome::Blocked => k.blocked += 1,
            _ => {
                k.answered += 1;
                k.wait_sum += rec.wait;
                // Waits are never NaN (nor -0): this is `max`, in one instruction.
                k.wait_max = if rec.wait > k.wait_max { rec.wait } else { k.wait_max };
                k.within_threshold += self.within_threshold;
                if let Some(bin) = self.bin {
                    k.hist.get_or_insert_with(Default::default).add_in(bin);
                }
            }
        }
    }

    /// Counts an answered segment's handling and outcome into `s`.
    #[inline(always)]
    fn handling(&self, s: &mut SegTotals) {
        let rec = self.rec;
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
}

/// The totals of each slot, and the clock that places instants in them.
struct Slots {
    /// By slot index; `None` until something is counted in it.
    totals: Vec<Option<Box<SlotTotals>>>,
    clock: Clock,
}

impl Slots {
    /// The totals of the slot of instant `t`.
    #[inline(always)]
    fn at(&mut self, layout: &Layout, t: SimTime) -> &mut SlotTotals {
        let slot = self.clock.slot_of(t);
        self.get(layout, slot)
    }

    /// The totals of slot `slot`, created empty if new.
    #[inline(always)]
    fn get(&mut self, layout: &Layout, slot: usize) -> &mut SlotTotals {
        let entry = if slot < self.totals.len() { &mut self.totals[slot] } else { self.grow(slot) };
        entry.get_or_insert_with(|| new_slot(layout))
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, slot: usize) -> &mut Option<Box<SlotTotals>> {
        self.totals.resize_with(slot + 1, || None);
        &mut self.totals[slot]
    }

    /// The totals of the slot all of [from, to) falls in after the warm-up,
    /// and its seconds, if that is the last interval located and its totals
    /// exist (the common case; else see [`Slots::each`]).
    #[inline(always)]
    fn within(&mut self, from: SimTime, to: SimTime) -> Option<(&mut SlotTotals, f64)> {
        if !self.clock.holds(from, to) {
            return None;
        }
        let totals = self.totals.get_mut(self.clock.slot)?.as_deref_mut()?;
        Some((totals, to.secs_since(from)))
    }

    /// Hands `add` the totals of each slot that [from, to) falls in after
    /// the warm-up, and the seconds it spends there.
    #[inline(never)]
    fn each(&mut self, layout: &Layout, from: SimTime, to: SimTime, mut add: impl FnMut(&mut SlotTotals, f64)) {
        for (slot, secs) in self.clock.pieces(from, to) {
            add(self.get(layout, slot), secs);
        }
    }
}

#[cold]
#[inline(never)]
fn new_slot(layout: &Layout) -> Box<SlotTotals> {
    Box::new(SlotTotals::new(layout))
}

/// The slot grid, remembering the last interval it placed an instant in:
/// simulated time moves forward, so most instants fall in the same one.
#[derive(Debug, Clone, Copy)]
struct Clock {
    interval: SimDuration,
    per_day: bool,
    warmup_at: SimTime,
    /// The last interval located: [start, end) and its slot.
    start: SimTime,
    end: SimTime,
    slot: usize,
    /// The later of `start` and the warm-up's end.
    counted_from: SimTime,
}

impl Clock {
    fn new(interval: SimDuration, per_day: bool, warmup_at: SimTime) -> Clock {
        let zero = SimTime::ZERO;
        Clock { interval, per_day, warmup_at, start: zero, end: zero, slot: 0, counted_from: warmup_at.max(zero) }
    }

    /// Whether `t` lies in the last interval located.
    #[inline(always)]
    fn contains(&self, t: SimTime) -> bool {
        (self.start..self.end).contains(&t)
    }

    /// The slot of `t`, and the end of its interval; `t` becomes the last located.
    #[inline(always)]
    fn locate(&mut self, t: SimTime) -> (usize, SimTime) {
        if !self.contains(t) {
            self.move_to(t);
        }
        (self.slot, self.end)
    }

    #[inline(never)]
    fn move_to(&mut self, t: SimTime) {
        self.slot = self.compute_slot(t);
        self.start = t.floor(self.interval);
        self.end = self.start + self.interval;
        self.counted_from = self.start.max(self.warmup_at);
    }

    /// The slot of `t`: its interval of the day, and with `per_day` its day.
    #[inline(always)]
    fn slot_of(&self, t: SimTime) -> usize {
        if self.contains(t) { self.slot } else { self.compute_slot(t) }
    }

    #[inline(never)]
    fn compute_slot(&self, t: SimTime) -> usize {
        let intervals_per_day = (SimDuration::DAY / self.interval) as usize;
        let iod = (t.time_of_day() / self.interval) as usize;
        if self.per_day { t.day().max(0) as usize * intervals_per_day + iod } else { iod }
    }

    /// Whether [from, to) lies in the last interval located, after the
    /// warm-up: then it all goes to `self.slot`.
    #[inline(always)]
    fn holds(&self, from: SimTime, to: SimTime) -> bool {
        from >= self.counted_from && to <= self.end
    }

    /// Splits [from, to) at slot boundaries, after the warm-up: (slot, seconds) pieces.
    fn pieces(&self, from: SimTime, to: SimTime) -> Pieces {
        Pieces { clock: *self, cur: from.max(self.warmup_at), to }
    }
}

/// [from, to) cut at slot boundaries: (slot, seconds) pieces.
struct Pieces {
    clock: Clock,
    cur: SimTime,
    to: SimTime,
}

impl Iterator for Pieces {
    type Item = (usize, f64);
    fn next(&mut self) -> Option<(usize, f64)> {
        if self.cur >= self.to {
            return None;
        }
        let (slot, boundary) = self.clock.locate(self.cur);
        let end = self.to.min(boundary);
        let piece = (slot, end.secs_since(self.cur));
        self.cur = end;
        Some(piece)
    }
}

impl Observer for Collector {
    fn segment(&mut self, rec: &SegmentRecord) {
        if !rec.counted {
            return;
        }
        let Collector { layout, slots, .. } = self;
        let counted = Counted::new(rec, layout);
        let totals = slots.at(layout, rec.arrival);
        counted.queued(&mut totals.seg[0]);
        for scope in layout.queue_scopes_apart(rec.reason, rec.skill) {
            counted.queued(&mut totals.seg[scope]);
        }
        if let (true, Some(g)) = (counted.answered, rec.group) {
            counted.handling(&mut totals.seg[layout.group_scope(g)]);
        }
    }

    fn agent_level(&mut self, at: SimTime, g: usize, from: AgentLevel, to: AgentLevel) {
        // The common case, kept free of calls: a logged-in agent's busy
        // slots change, with all the time to add in the last interval located.
        if from.logged_in && to.logged_in && self.slots.clock.contains(at) {
            let lv = &mut self.groups[g];
            if lv.advance_within(g, at, &mut self.slots) {
                return lv.shift(from, to);
            }
        }
        self.agent_level_rare(at, g, from, to);
    }

    fn queue_len(&mut self, at: SimTime, skill: usize, reason: usize, delta: i32) {
        let Collector { layout, slots, queues, .. } = self;
        slots.clock.locate(at);
        let counted = at >= layout.warmup_at;
        for q in std::iter::once(0).chain(layout.queue_scopes_apart(reason, skill)) {
            let lv = &mut queues[q];
            lv.advance(q, at, slots, layout);
            lv.len = lv.len.wrapping_add_signed(delta);
            if delta > 0 && counted {
                let slot = slots.clock.slot;
                let t = &mut slots.get(layout, slot).queue[q];
                t.max = t.max.max(lv.len);
            }
        }
    }

    fn open(&mut self, at: SimTime, open: bool) {
        self.advance_observed(at);
        self.open = open;
    }

    fn roster(&mut self, at: SimTime, g: usize, scheduled: u32, absent: u32) {
        let Collector { layout, slots, rosters, .. } = self;
        let r = &mut rosters[g];
        r.advance(g, at, slots, layout);
        (r.scheduled, r.absent) = (scheduled, absent);
    }

    fn finish(&mut self, at: SimTime) {
        let Collector { layout, slots, groups, rosters, queues, .. } = self;
        for (g, lv) in groups.iter_mut().enumerate() {
            lv.advance(g, at, slots, layout);
        }
        for (g, r) in rosters.iter_mut().enumerate() {
            r.advance(g, at, slots, layout);
        }
        for (q, lv) in queues.iter_mut().enumerate() {
            lv.advance(q, at, slots, layout);
        }
        self.advance_observed(at);
        let mirrors: Vec<usize> = self.layout.mirrors_of_all().collect();
        for t in self.slots.totals.iter_mut().flatten() {
            for &m in &mirrors {
                t.seg[m] = t.seg[0].clone();
                t.queue[m] = t.queue[0].clone();
            }
        }
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
            interval: SimDuration::from_whole_secs(900),
            per_day,
            warmup_at: SimTime::PAST,
            threshold: 60.0,
            short_abandon: 0.0,
            blocking: false,
            retrials: false,
            misrouting: false,
            shrinks: false,
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

    fn record(arrival: SimTime, outcome: Outcome, wait: f64) -> SegmentRecord {
        let answered = outcome.answered();
        SegmentRecord {
            queued: wait > 0.0,
            chat: 1,
            segment: 0,
            kind: SegmentKind::New,
            reason: 0,
            skill: 0,
            arrival,
            accepted: None,
            ended: arrival,
            agent: answered.then_some(0),
            group: answered.then_some(0),
            outcome,
            wait,
            auth: 0.0,
            chat_time: 300.0,
            wrapup: 30.0,
            handle: 300.0,
            patience: f64::INFINITY,
            commitment: false,
            commitment_unserved: false,
            counted: true,
            retry_of: None,
            misrouted: false,
        }
    }

    /// The same chats and agents, told to collectors of `layouts`.
    fn collect(layouts: &[Layout]) -> Vec<Collector> {
        let at = |secs: f64| SimTime::from_secs(secs);
        let busy = |busy| AgentLevel { logged_in: true, busy, ..Default::default() };
        layouts
            .iter()
            .map(|l| {
                let mut c = Collector::new(l.clone());
                c.open(at(0.0), true);
                c.agent_level(at(10.0), 0, AgentLevel::default(), busy(0));
                for (i, t) in [100.0, 890.0, 1000.0, 2500.0].into_iter().enumerate() {
                    c.queue_len(at(t), 0, 0, 1);
                    c.queue_len(at(t + 20.0 * i as f64), 0, 0, -1);
                    c.agent_level(at(t + 20.0 * i as f64), 0, busy(0), busy(1));
                    c.agent_level(at(t + 400.0), 0, busy(1), busy(0));
                    let outcome = if i == 2 { Outcome::Abandoned } else { Outcome::Resolved };
                    c.segment(&record(at(t), outcome, 20.0 * i as f64));
                }
                c.finish(at(4000.0));
                c
            })
            .collect()
    }

    #[test]
    fn scopes_that_mirror_all_equal_those_counted_apart() {
        let one = layout(false);
        let two = Layout { reasons: 2, skills: 2, ..one.clone() };
        let [one, two] = <[Collector; 2]>::try_from(collect(&[one, two])).ok().unwrap();
        assert_eq!(one.slots().len(), two.slots().len());
        let mut counted = 0;
        for (a, b) in one.slots().iter().zip(two.slots()) {
            let (Some(a), Some(b)) = (a, b) else {
                assert!(a.is_none() && b.is_none());
                continue;
            };
            for (sa, sb) in [(0, 0), (one.layout().reason_scope(0), two.layout().reason_scope(0))] {
                assert_eq!(a.seg[sa], b.seg[sb]);
                assert_eq!(a.queue[sa], b.queue[sb]);
            }
            let (sa, sb) = (one.layout().skill_scope(0), two.layout().skill_scope(0));
            assert_eq!(a.seg[sa], b.seg[sb]);
            assert_eq!(a.queue[sa], b.queue[sb]);
            assert_eq!(a.agents, b.agents);
            assert_eq!(a.observed, b.observed);
            counted += a.seg[0].new.offered;
        }
        assert_eq!(counted, 4);
    }
}
