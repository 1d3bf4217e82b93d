//! A future-event list ordered by (time, scheduling order), with O(1)
//! cancellation by lazy deletion: a cancelled entry stays in the heap and
//! is skipped when it reaches the top.
//!
//! The heap holds only small keys — (time, sequence, ticket) — in a 4-ary
//! layout (shallower than binary, and a node's children share a cache
//! line); each event's payload waits in a slab of tickets, whose
//! generations make stale keys harmless.

use super::SimTime;

/// Identifies one scheduled event, for cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKey {
    ticket: u32,
    generation: u32,
}

/// A heap entry, ordered by (time, sequence).
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
}

struct Ticket<E> {
    generation: u32,
    /// `None` once cancelled.
    event: Option<E>,
}

const ARITY: usize = 4;

/// The event queue and the clock. Events at the same instant pop in the
/// order they were scheduled (first in, first out).
pub struct EventQueue<E> {
    heap: Vec<Key>,
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
            heap: Vec::new(),
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
        self.push(Key { at: at.max(self.now).0, seq, ticket });
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

    /// Entries in the heap, live or cancelled.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    fn push(&mut self, key: Key) {
        let mut i = self.heap.len();
        self.heap.push(key);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if !key.before(&self.heap[parent]) {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = key;
    }

    fn pop_key(&mut self) -> Option<Key> {
        let last = self.heap.pop()?;
        if self.heap.is_empty() {
            return Some(last);
        }
        let top = self.heap[0];
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let mut best = first;
            for c in first + 1..(first + ARITY).min(n) {
                if self.heap[c].before(&self.heap[best]) {
                    best = c;
                }
            }
            if !self.heap[best].before(&last) {
                break;
            }
            self.heap[i] = self.heap[best];
            i = best;
        }
        self.heap[i] = last;
        Some(top)
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
}
