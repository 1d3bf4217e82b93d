//! A future-event list ordered by (time, scheduling order), with O(1)
//! cancellation by lazy deletion: a cancelled entry stays queued and is
//! skipped when it comes up.
//!
//! Most events of a contact center fall within the next hour, so the list
//! is a calendar: a ring of buckets one 2^20 µs (about a second) wide
//! covering the next 71 minutes, and a heap for events further away. Later
//! buckets are plain lists; when a bucket's turn comes it is sorted once
//! and consumed from its end, and the few events scheduled into it after
//! that wait in a small heap beside it. Entries are small keys — (time,
//! sequence, ticket) — and each event's payload waits in a slab of
//! tickets, whose generations make stale keys harmless.

use super::SimTime;

/// Identifies one scheduled event, for cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKey {
    ticket: u32,
    generation: u32,
}

/// A queue entry, ordered by (time, sequence).
#[derive(Clone, Copy)]
struct Key {
    at: i64,
    seq: u64,
    ticket: u32,
}

impl Key {
    fn before(&self, other: &Key) -> bool {
        (self.at, self.seq) < (other.at, other.seq)
    }
    fn order(&self, other: &Key) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
    fn bucket(&self) -> i64 {
        self.at >> BUCKET_BITS
    }
}

/// A 4-ary min-heap of keys (shallower than binary; siblings share a cache line).
#[derive(Default)]
struct Heap(Vec<Key>);

const ARITY: usize = 4;

impl Heap {
    fn push(&mut self, key: Key) {
        let heap = &mut self.0;
        let mut i = heap.len();
        heap.push(key);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if !key.before(&heap[parent]) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = key;
    }

    fn pop(&mut self) -> Option<Key> {
        let heap = &mut self.0;
        let last = heap.pop()?;
        if heap.is_empty() {
            return Some(last);
        }
        let top = heap[0];
        let n = heap.len();
        let mut i = 0;
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let mut best = first;
            for c in first + 1..(first + ARITY).min(n) {
                if heap[c].before(&heap[best]) {
                    best = c;
                }
            }
            if !heap[best].before(&last) {
                break;
            }
            heap[i] = heap[best];
            i = best;
        }
        heap[i] = last;
        Some(top)
    }

    fn peek(&self) -> Option<&Key> {
        self.0.first()
    }
}

const BUCKET_BITS: u32 = 20;
const RING: usize = 4096;

struct Ticket<E> {
    generation: u32,
    /// `None` once cancelled.
    event: Option<E>,
}

/// The event queue and the clock. Events at the same instant pop in the
/// order they were scheduled (first in, first out).
pub struct EventQueue<E> {
    /// Events of the bucket being consumed, sorted latest first (the next
    /// is the last), as they were when its turn came.
    current: Vec<Key>,
    /// Events scheduled into the bucket being consumed (or, at the start,
    /// before it) after it was sorted.
    late: Heap,
    /// The bucket being consumed.
    cursor: i64,
    /// Events of the next `RING - 1` buckets, by bucket modulo `RING`.
    ring: Vec<Vec<Key>>,
    /// Entries in the ring.
    in_ring: usize,
    /// Events beyond the ring.
    far: Heap,
    tickets: Vec<Ticket<E>>,
    free: Vec<u32>,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            current: Vec::new(),
            late: Heap::default(),
            cursor: 0,
            ring: (0..RING).map(|_| Vec::new()).collect(),
            in_ring: 0,
            far: Heap::default(),
            tickets: Vec::new(),
            free: Vec::new(),
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

    /// Schedules `event` at `at` (never before now).
    pub fn schedule(&mut self, at: SimTime, event: E) -> EventKey {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let ticket = match self.free.pop() {
            Some(t) => {
                self.tickets[t as usize].event = Some(event);
                t
            }
            None => {
                self.tickets.push(Ticket { generation: 0, event: Some(event) });
                (self.tickets.len() - 1) as u32
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert(Key { at: at.max(self.now).0, seq, ticket });
        EventKey { ticket, generation: self.tickets[ticket as usize].generation }
    }

    /// Cancels a scheduled event; it will never be popped. Cancelling an
    /// event that already fired does nothing.
    pub fn cancel(&mut self, key: EventKey) {
        let t = &mut self.tickets[key.ticket as usize];
        if t.generation == key.generation {
            t.event = None;
        }
    }

    /// Removes and returns the next live event, advancing the clock to it.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        while let Some(key) = self.pop_key() {
            let t = &mut self.tickets[key.ticket as usize];
            t.generation = t.generation.wrapping_add(1);
            let event = t.event.take();
            self.free.push(key.ticket);
            if let Some(event) = event {
                self.now = SimTime(key.at);
                self.popped += 1;
                return Some((self.now, event));
            }
        }
        None
    }

    /// Entries queued, live or cancelled.
    pub fn len(&self) -> usize {
        self.current.len() + self.late.0.len() + self.in_ring + self.far.0.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert(&mut self, key: Key) {
        let bucket = key.bucket();
        if bucket <= self.cursor {
            self.late.push(key);
        } else if bucket < self.cursor + RING as i64 {
            self.ring[bucket as usize % RING].push(key);
            self.in_ring += 1;
        } else {
            self.far.push(key);
        }
    }

    /// True when the far heap holds an event the ring now reaches.
    fn far_due(&self) -> bool {
        self.far.peek().is_some_and(|k| k.bucket() < self.cursor + RING as i64)
    }

    /// The next key of the bucket being consumed, if any.
    fn pop_current(&mut self) -> Option<Key> {
        match (self.current.last(), self.late.peek()) {
            (Some(sorted), Some(late)) if late.before(sorted) => self.late.pop(),
            (Some(_), _) => self.current.pop(),
            (None, _) => self.late.pop(),
        }
    }

    fn pop_key(&mut self) -> Option<Key> {
        loop {
            if let Some(key) = self.pop_current() {
                return Some(key);
            }
            // The current bucket is spent: move to the next one with entries.
            if self.in_ring > 0 {
                self.cursor += 1;
                while self.ring[self.cursor as usize % RING].is_empty() && !self.far_due() {
                    self.cursor += 1;
                }
            } else {
                self.cursor = self.far.peek()?.bucket();
            }
            let slot = self.cursor as usize % RING;
            if !self.ring[slot].is_empty() {
                // The spent bucket's storage goes back to the ring, capacity kept.
                std::mem::swap(&mut self.current, &mut self.ring[slot]);
                self.in_ring -= self.current.len();
                self.current.sort_unstable_by(|a, b| b.order(a));
            }
            // Far events that the ring now reaches come in.
            while let Some(&key) = self.far.peek() {
                if key.bucket() >= self.cursor + RING as i64 {
                    break;
                }
                self.far.pop();
                self.insert(key);
            }
        }
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
    fn interleaved_events_near_and_far_pop_like_a_sorted_list() {
        // Reference: a sorted set of (time, sequence). Times spread from the
        // same microsecond to days ahead, so that the current bucket, the
        // ring and the far heap all take part, with cancellations between.
        use std::collections::BTreeMap;
        let mut q = EventQueue::new();
        let mut reference: BTreeMap<(i64, u64), u64> = BTreeMap::new();
        let mut keys = Vec::new();
        let mut rng = 99u64;
        let mut next = |m: u64| {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (rng >> 33) % m
        };
        let mut seq = 0u64;
        for round in 0..20_000u64 {
            let now = q.now().0;
            for _ in 0..next(3) + 1 {
                let ahead = match next(4) {
                    0 => 0,
                    1 => next(2_000_000) as i64,
                    2 => next(600_000_000) as i64,
                    _ => next(200_000_000_000) as i64,
                };
                let key = q.schedule(SimTime(now + ahead), round);
                reference.insert((now + ahead, seq), round);
                keys.push((key, (now + ahead, seq)));
                seq += 1;
            }
            if next(5) == 0 && !keys.is_empty() {
                let (key, id) = keys.swap_remove(next(keys.len() as u64) as usize);
                if reference.remove(&id).is_some() {
                    q.cancel(key);
                }
            }
            let expected = reference.pop_first();
            let got = q.pop();
            assert_eq!(got.map(|(t, e)| (t.0, e)), expected.map(|((t, _), e)| (t, e)), "round {round}");
        }
        while let Some(((t, _), e)) = reference.pop_first() {
            assert_eq!(q.pop().map(|(t, e)| (t.0, e)), Some((t, e)));
        }
        assert_eq!(q.pop(), None);
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
}
