//! A future-event list ordered by (time, scheduling order), with O(1)
//! cancellation by lazy deletion: a cancelled entry stays in the heap and
//! is skipped when it reaches the top.
//!
//! Each scheduled event holds a ticket in a slab; its key is the ticket's
//! index and generation. Cancelling marks the ticket; popping frees it.

use super::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Identifies one scheduled event, for cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKey {
    ticket: u32,
    generation: u32,
}

struct Entry<E> {
    at: SimTime,
    seq: u64,
    ticket: u32,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that the max-heap pops the earliest time, then the lowest sequence.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Clone, Copy)]
struct Ticket {
    generation: u32,
    cancelled: bool,
}

/// The event queue and the clock. Events at the same instant pop in the
/// order they were scheduled (first in, first out).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    tickets: Vec<Ticket>,
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
            heap: BinaryHeap::new(),
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
            Some(t) => t,
            None => {
                self.tickets.push(Ticket { generation: 0, cancelled: false });
                (self.tickets.len() - 1) as u32
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at: at.max(self.now), seq, ticket, event });
        EventKey { ticket, generation: self.tickets[ticket as usize].generation }
    }

    /// Cancels a scheduled event; it will never be popped. Cancelling an
    /// event that already fired does nothing.
    pub fn cancel(&mut self, key: EventKey) {
        let t = &mut self.tickets[key.ticket as usize];
        if t.generation == key.generation {
            t.cancelled = true;
        }
    }

    /// Removes and returns the next live event, advancing the clock to it.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        while let Some(entry) = self.heap.pop() {
            let t = &mut self.tickets[entry.ticket as usize];
            let cancelled = t.cancelled;
            t.generation = t.generation.wrapping_add(1);
            t.cancelled = false;
            self.free.push(entry.ticket);
            if cancelled {
                continue;
            }
            self.now = entry.at;
            self.popped += 1;
            return Some((entry.at, entry.event));
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
