//! A future-event list ordered by (time, scheduling order), with exact
//! cancellation: a cancelled event leaves the list at once.
//!
//! Most events of a contact center fall within the next half hour, so the
//! list is a calendar: a ring of buckets, each 2^19 µs (about half a
//! second) wide, covering the next 36 minutes, and an ordered map for the
//! events further away. Entries hold their events inline. A bitmap of the
//! occupied buckets lets the cursor skip the empty ones. A bucket is an
//! unordered list until its turn comes; then it is sorted once, latest
//! first, and consumed from its end, and events scheduled into it after
//! that are inserted in order.
//!
//! An event's key is its time and sequence number, which also tell where
//! it waits: the bucket from the time, the entry within the bucket from
//! the sequence number. Cancelling searches that one bucket, so events
//! that are never cancelled pay nothing for cancellation.

use std::collections::BTreeMap;

use super::SimTime;

/// Identifies one scheduled event, for cancellation: its time and
/// sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKey {
    at: i64,
    seq: u64,
}

/// A scheduled event and its place in the order, (time, sequence).
#[derive(Clone)]
struct Entry<E> {
    at: i64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// (time, sequence) as one number, for quick comparison.
    fn order(&self) -> u128 {
        order(self.at, self.seq)
    }
}

/// (time, sequence) as one number; queued times are never negative (they
/// are never before now, which starts at zero).
fn order(at: i64, seq: u64) -> u128 {
    (at as u128) << 64 | seq as u128
}

/// A bucket is 2^BUCKET_BITS µs wide: narrow enough that a busy center's
/// buckets hold few events to sort, wide enough that a quiet one's
/// cursor does not often step from one event to the next.
const BUCKET_BITS: u32 = 19;
/// Buckets in the ring (a power of two).
const RING: usize = 4096;
/// Words of the ring's occupancy bitmap.
const WORDS: usize = RING / 64;

/// The bucket of instant `at` (µs).
fn bucket_of(at: i64) -> i64 {
    at >> BUCKET_BITS
}

/// The ring slot of bucket `b`.
fn slot_of(b: i64) -> usize {
    b as usize & (RING - 1)
}

/// The event queue and the clock. Events at the same instant pop in the
/// order they were scheduled (first in, first out).
///
/// An event of bucket `b` waits in the cursor's slot when `b <= cursor`
/// (sorted, the current bucket), in slot `b % RING` when
/// `cursor < b < cursor + RING` (unordered), and in `far` otherwise.
///
/// A clone is a snapshot: it pops the same events in the same order as
/// the original would (staff's trials resume from one).
pub struct EventQueue<E> {
    /// The bucket being consumed.
    cursor: i64,
    /// The buckets from the cursor on, by bucket modulo `RING`.
    ring: Box<[Vec<Entry<E>>; RING]>,
    /// Bit `s` set when slot `s` holds events, except the cursor's slot,
    /// whose bit is always clear.
    occupied: [u64; WORDS],
    /// Events beyond the ring.
    far: BTreeMap<(i64, u64), E>,
    /// No event in `far` has an earlier bucket (`i64::MAX` when none).
    far_bucket: i64,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E: Clone> Clone for EventQueue<E> {
    /// Bucket by bucket on the heap (the ring is too large for the stack).
    fn clone(&self) -> Self {
        let ring: Box<[Vec<Entry<E>>]> = self.ring.iter().cloned().collect();
        let Ok(ring) = ring.try_into() else { unreachable!("RING slots") };
        EventQueue {
            cursor: self.cursor,
            ring,
            occupied: self.occupied,
            far: self.far.clone(),
            far_bucket: self.far_bucket,
            next_seq: self.next_seq,
            now: self.now,
            popped: self.popped,
        }
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        let ring: Box<[Vec<Entry<E>>]> = (0..RING).map(|_| Vec::new()).collect();
        let Ok(ring) = ring.try_into() else { unreachable!("RING slots") };
        EventQueue {
            cursor: 0,
            ring,
            occupied: [0; WORDS],
            far: BTreeMap::new(),
            far_bucket: i64::MAX,
            next_seq: 0,
            now: SimTime::ZERO,
            popped: 0,
        }
    }

    /// The current simulated time: the time of the last event popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of events handed out so far.
    pub fn events_popped(&self) -> u64 {
        self.popped
    }

    /// Events queued (cancelled ones are gone). Counts every bucket, so
    /// not for hot paths.
    pub fn len(&self) -> usize {
        self.ring.iter().map(Vec::len).sum::<usize>() + self.far.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.current().is_empty() && self.occupied == [0; WORDS] && self.far.is_empty()
    }

    /// The current bucket's events, sorted latest first.
    fn current(&self) -> &Vec<Entry<E>> {
        &self.ring[slot_of(self.cursor)]
    }

    fn current_mut(&mut self) -> &mut Vec<Entry<E>> {
        &mut self.ring[slot_of(self.cursor)]
    }

    /// Schedules `event` at `at` (never before now).
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: E) -> EventKey {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let at = at.0.max(self.now.0);
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry { at, seq, event };
        let bucket = bucket_of(at);
        let ahead = bucket - self.cursor;
        if ahead > 0 && ahead < RING as i64 {
            self.push_to_ring(bucket, entry);
        } else {
            self.schedule_outside_ring(bucket, entry);
        }
        EventKey { at, seq }
    }

    /// Adds `entry` to the slot of `bucket`, a later bucket within the ring.
    #[inline]
    fn push_to_ring(&mut self, bucket: i64, entry: Entry<E>) {
        let slot = slot_of(bucket);
        self.ring[slot].push(entry);
        self.occupied[slot / 64] |= 1 << (slot % 64);
    }

    /// Adds `entry`, the latest scheduled, to the current bucket or `far`.
    #[inline(never)]
    fn schedule_outside_ring(&mut self, bucket: i64, entry: Entry<E>) {
        if bucket <= self.cursor {
            // In front of (popped after) every event at the same time or
            // later: those were all scheduled before it.
            let current = self.current_mut();
            let i = current.partition_point(|e| e.at > entry.at);
            current.insert(i, entry);
        } else {
            self.schedule_far(bucket, entry);
        }
    }

    /// Adds `entry` of a bucket beyond the ring to `far`.
    #[inline(never)]
    fn schedule_far(&mut self, bucket: i64, entry: Entry<E>) {
        self.far.insert((entry.at, entry.seq), entry.event);
        self.far_bucket = self.far_bucket.min(bucket);
    }

    /// Cancels a scheduled event; it will never be popped. Cancelling an
    /// event that already fired, or was cancelled, does nothing.
    #[inline]
    pub fn cancel(&mut self, key: EventKey) {
        let bucket = bucket_of(key.at);
        let ahead = bucket - self.cursor;
        if ahead > 0 && ahead < RING as i64 {
            let slot = slot_of(bucket);
            let entries = &mut self.ring[slot];
            if let Some(i) = entries.iter().position(|e| e.seq == key.seq) {
                entries.swap_remove(i);
                if entries.is_empty() {
                    self.occupied[slot / 64] &= !(1 << (slot % 64));
                }
            }
        } else {
            self.cancel_outside_ring(ahead, key);
        }
    }

    /// Cancels the event of `key`, `ahead` buckets from the cursor, in the
    /// current bucket or `far`, if it is still there.
    #[inline(never)]
    fn cancel_outside_ring(&mut self, ahead: i64, key: EventKey) {
        if ahead <= 0 {
            // Sorted latest first: compare the other way round.
            let current = self.current_mut();
            if let Ok(i) = current.binary_search_by(|e| order(key.at, key.seq).cmp(&e.order())) {
                current.remove(i);
            }
        } else {
            self.far.remove(&(key.at, key.seq));
        }
    }

    /// The time of the next event, without taking it (the clock stays).
    /// Moving to the next occupied bucket here changes nothing of the
    /// order in which events pop: that is always (time, sequence).
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        if self.current().is_empty() && !self.advance() {
            return None;
        }
        self.current().last().map(|e| SimTime(e.at))
    }

    /// Removes and returns the next event, advancing the clock to it.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.current().is_empty() && !self.advance() {
            return None;
        }
        let entry = self.current_mut().pop()?;
        self.now = SimTime(entry.at);
        self.popped += 1;
        Some((self.now, entry.event))
    }

    /// Moves the cursor to the next bucket with events and sorts it; false
    /// when there are none. The current bucket must be empty.
    #[inline(never)]
    fn advance(&mut self) -> bool {
        // Ring events all come before far ones.
        self.cursor = match self.next_occupied() {
            Some(b) => b,
            None => match self.far.first_key_value() {
                Some((&(at, _), _)) => bucket_of(at),
                None => return false,
            },
        };
        let slot = slot_of(self.cursor);
        self.occupied[slot / 64] &= !(1 << (slot % 64));
        if self.far_bucket - self.cursor < RING as i64 {
            self.take_from_far();
        }
        let current = &mut self.ring[slot];
        if current.len() > 1 {
            current.sort_unstable_by_key(|e| std::cmp::Reverse(e.order()));
        }
        true
    }

    /// The first occupied bucket after the cursor, if any.
    fn next_occupied(&self) -> Option<i64> {
        let from = slot_of(self.cursor);
        let start = (from + 1) % RING;
        let mut w = start / 64;
        let mut word = self.occupied[w] & (!0 << (start % 64));
        // One turn of the ring; the last look takes the first word whole
        // (its bits from `start` on are known clear by then).
        for _ in 0..=WORDS {
            if word != 0 {
                let slot = w * 64 + word.trailing_zeros() as usize;
                return Some(self.cursor + ((slot + RING - from) % RING) as i64);
            }
            w = (w + 1) % WORDS;
            word = self.occupied[w];
        }
        None
    }

    /// Brings in the far events that the ring now reaches (the cursor's
    /// bucket is sorted afterwards by the caller).
    #[inline(never)]
    fn take_from_far(&mut self) {
        while let Some(first) = self.far.first_entry() {
            let bucket = bucket_of(first.key().0);
            if bucket - self.cursor >= RING as i64 {
                self.far_bucket = bucket;
                return;
            }
            let ((at, seq), event) = first.remove_entry();
            let entry = Entry { at, seq, event };
            if bucket <= self.cursor {
                self.current_mut().push(entry);
            } else {
                self.push_to_ring(bucket, entry);
            }
        }
        self.far_bucket = i64::MAX;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_first_in_first_out() {
        let mut q = EventQueue::new();
        let t = SimTime::from_secs(5.0);
        for i in 0..10 {
            q.schedule(t, i);
        }
        q.schedule(SimTime::from_secs(1.0), 99);
        let order: Vec<i32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec![99, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn cancelled_events_are_skipped() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime::from_secs(1.0), "a");
        q.schedule(SimTime::from_secs(2.0), "b");
        q.cancel(a);
        assert_eq!(q.pop(), Some((SimTime::from_secs(2.0), "b")));
        assert_eq!(q.now(), SimTime::from_secs(2.0));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn many_events_pop_in_time_then_scheduling_order() {
        let mut q = EventQueue::new();
        let mut rng = 12345u64;
        let mut expected = Vec::new();
        for i in 0..5000u64 {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let at = (rng >> 33) % 100; // many equal times
            let key = q.schedule(SimTime(at as i64), i);
            if i % 7 == 0 {
                q.cancel(key);
            } else {
                expected.push((at, i));
            }
        }
        expected.sort();
        let got: Vec<(u64, u64)> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.0 as u64, e))).collect();
        assert_eq!(got, expected);
        assert!(q.is_empty());
    }

    #[test]
    fn a_stale_key_cancels_nothing() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime::from_secs(1.0), "a");
        assert_eq!(q.pop().map(|e| e.1), Some("a"));
        // The ticket is reused by the next event; the old key must not cancel it.
        q.schedule(SimTime::from_secs(2.0), "b");
        q.cancel(a);
        assert_eq!(q.pop().map(|e| e.1), Some("b"));
    }

    /// A tiny random generator for the tests (a 64-bit LCG's high bits).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, m: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % m
        }
    }

    #[test]
    fn random_schedules_cancels_and_pops_match_a_binary_heap() {
        // Reference: a binary heap of (time, sequence, id) with lazy
        // deletion. Offsets reach every part of the queue: the current
        // bucket (same instant, same bucket), the ring, the far map, and
        // the never-firing end of time; keys are cancelled live, already
        // fired, or twice. Now and then the queue is drained, so that the
        // ring empties and the cursor jumps to the far map.
        use std::cmp::Reverse;
        use std::collections::{BinaryHeap, HashSet};
        for seed in 1..=4u64 {
            let mut rng = Lcg(seed);
            let mut q = EventQueue::new();
            let mut heap = BinaryHeap::new();
            let mut cancelled = HashSet::new();
            let mut keys: Vec<(EventKey, u64)> = Vec::new();
            let mut live = 0usize;
            let bucket = 1i64 << BUCKET_BITS;
            let ring_span = bucket * RING as i64;
            for id in 0..30_000u64 {
                let now = q.now().0;
                let at = match rng.below(16) {
                    0..=2 => now,
                    3..=5 => now + rng.below(bucket as u64) as i64,
                    6..=10 => now + rng.below(4 * bucket as u64) as i64,
                    11..=13 => now + rng.below(ring_span as u64 + 2 * bucket as u64) as i64,
                    14 => now + ring_span + rng.below(3 * ring_span as u64) as i64,
                    _ if rng.below(8) == 0 => SimTime::NEVER.0,
                    _ => now + rng.below(2 * bucket as u64) as i64 + bucket * rng.below(3) as i64,
                };
                let key = q.schedule(SimTime(at), id);
                heap.push(Reverse((at, id, id)));
                keys.push((key, id));
                live += 1;
                if rng.below(3) == 0 {
                    let (key, victim) = keys[rng.below(keys.len() as u64) as usize];
                    let fired = victim != id && !heap.iter().any(|Reverse((_, _, v))| *v == victim);
                    if !fired && cancelled.insert(victim) {
                        live -= 1;
                    }
                    q.cancel(key);
                }
                // Now and then drain the queue (but for the never-firing).
                let pops = if rng.below(2_000) == 0 { usize::MAX } else { rng.below(3) as usize };
                for _ in 0..pops {
                    while let Some(Reverse((_, _, v))) = heap.peek() {
                        if !cancelled.remove(v) {
                            break;
                        }
                        heap.pop();
                    }
                    let expected = match heap.peek() {
                        // Kept for the end, so that the clock never gets there.
                        Some(&Reverse((t, _, _))) if t == SimTime::NEVER.0 => break,
                        Some(_) => heap.pop().map(|Reverse((t, _, v))| (t, v)),
                        None => None,
                    };
                    let got = q.pop().map(|(t, e)| (t.0, e));
                    assert_eq!(got, expected, "seed {seed}, event {id}");
                    match got {
                        Some(_) => live -= 1,
                        None => break,
                    }
                }
                if id % 1_000 == 0 {
                    assert_eq!(q.len(), live, "seed {seed}, event {id}");
                }
            }
            while let Some(Reverse((t, _, v))) = heap.pop() {
                if !cancelled.remove(&v) {
                    assert_eq!(q.pop().map(|(t, e)| (t.0, e)), Some((t, v)));
                }
            }
            assert_eq!(q.pop(), None);
            assert!(q.is_empty());
        }
    }

    #[test]
    fn far_events_arrive_in_order_across_an_empty_ring() {
        let mut q = EventQueue::new();
        let day = 86_400_000_000i64;
        let mut keys = Vec::new();
        for i in 0..40i64 {
            // Days apart, several at each instant, in scrambled order.
            let at = (i * 7 % 10) * day + (i % 3) * 1_000;
            keys.push((q.schedule(SimTime(at), i), at, i));
        }
        q.cancel(keys[5].0);
        q.cancel(keys[5].0);
        let mut expected: Vec<(i64, i64)> = keys.iter().filter(|k| k.2 != 5).map(|k| (k.1, k.2)).collect();
        expected.sort();
        let got: Vec<(i64, i64)> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.0, e))).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn the_current_bucket_takes_late_events_and_cancellations_in_order() {
        let mut q = EventQueue::new();
        let t = |us: i64| SimTime(10_000_000 + us);
        let a = q.schedule(t(0), "a");
        let b = q.schedule(t(5), "b");
        q.schedule(t(5), "c");
        q.schedule(t(9), "d");
        assert_eq!(q.pop().map(|e| e.1), Some("a"));
        // Now in the bucket: late events before, between and after the rest,
        // and at the same instant as queued ones (after them).
        q.schedule(t(0), "e");
        q.schedule(t(5), "f");
        q.schedule(t(7), "g");
        q.schedule(t(20), "h");
        q.cancel(b);
        q.cancel(a); // fired: nothing happens
        let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["e", "c", "f", "g", "d", "h"]);
    }
}
