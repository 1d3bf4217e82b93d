//! The routing index: each group's available agents in `agent_select`
//! order, the first of which gets the next offer.
//!
//! An agent's key is (policy term, idle since, agent index), and the policy
//! term takes only a few values (a function of the busy slots, 0..cap). So
//! the index keeps, per group and per term, a 4-ary min-heap of
//! (idle since, agent) with each agent's position in it: the first agent is
//! the top of the lowest non-empty level, and an agent comes or goes in
//! O(log n) with a handful of comparisons. An agent freed now has the
//! latest idle time of its level, so its insertion usually stops at once.

use crate::engine::SimTime;
use std::ops::RangeInclusive;

type AgentIdx = usize;

/// Order of available agents under `agent_select`: the first is chosen.
/// (policy-dependent busy term, idle-since, agent index).
pub type RoutingKey = (i64, SimTime, AgentIdx);

/// Available agents of every group, in `agent_select` order.
#[derive(Clone)]
pub struct RoutingIndex {
    /// By group, then level (policy term minus `lowest`): `levels` heaps a group.
    heaps: Vec<LevelHeap>,
    /// The lowest policy term.
    lowest: i64,
    /// Policy terms (levels) a group.
    levels: usize,
    /// Each indexed agent's position in its level's heap.
    pos: Vec<u32>,
}

impl RoutingIndex {
    /// An empty index of `groups` groups and `agents` agents, whose policy
    /// terms are in `terms`.
    pub fn new(groups: usize, agents: usize, terms: RangeInclusive<i64>) -> Self {
        let levels = (terms.end() - terms.start() + 1).max(1) as usize;
        let heaps = (0..groups * levels).map(|_| LevelHeap::default()).collect();
        RoutingIndex { heaps, lowest: *terms.start(), levels, pos: vec![0; agents] }
    }

    /// The heap of `term` in `group`.
    fn heap(&self, group: usize, term: i64) -> usize {
        debug_assert!((0..self.levels as i64).contains(&(term - self.lowest)), "policy term out of range");
        group * self.levels + (term - self.lowest) as usize
    }

    /// The heaps of `group`, lowest term first.
    fn group(&self, group: usize) -> &[LevelHeap] {
        &self.heaps[group * self.levels..(group + 1) * self.levels]
    }

    /// Adds an agent (not already indexed) to `group` under `key`.
    pub fn insert(&mut self, group: usize, key: RoutingKey) {
        let h = self.heap(group, key.0);
        self.heaps[h].push(Entry::new(key.1, key.2), &mut self.pos);
    }

    /// Removes the agent indexed in `group` under `key`.
    pub fn remove(&mut self, group: usize, key: RoutingKey) {
        let h = self.heap(group, key.0);
        let at = self.pos[key.2] as usize;
        debug_assert!(self.heaps[h].0[at] == Entry::new(key.1, key.2), "removing a key not indexed");
        self.heaps[h].remove_at(at, &mut self.pos);
    }

    /// The first available agent of `group`.
    #[inline]
    pub fn first(&self, group: usize) -> Option<RoutingKey> {
        self.group(group).iter().enumerate().find_map(|(level, heap)| heap.0.first().map(|e| self.key(level, *e)))
    }

    /// The first available agent of `group` that `keep` accepts (a scan:
    /// for the rare chat that some agents refused).
    #[cold]
    pub fn first_where(&self, group: usize, keep: impl Fn(AgentIdx) -> bool) -> Option<RoutingKey> {
        self.group(group)
            .iter()
            .enumerate()
            .find_map(|(level, heap)| heap.0.iter().filter(|e| keep(e.agent())).min().map(|e| self.key(level, *e)))
    }

    fn key(&self, level: usize, entry: Entry) -> RoutingKey {
        (level as i64 + self.lowest, entry.idle(), entry.agent())
    }
}

/// (idle since, agent), the order within a level, packed in one integer
/// that compares in that order: the idle time (sign bit flipped, so that
/// it orders as unsigned) above the agent index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry(u128);

impl Entry {
    fn new(idle: SimTime, agent: AgentIdx) -> Entry {
        Entry(((idle.0 as u64 ^ SIGN) as u128) << 64 | agent as u128)
    }
    fn idle(self) -> SimTime {
        SimTime(((self.0 >> 64) as u64 ^ SIGN) as i64)
    }
    fn agent(self) -> AgentIdx {
        self.0 as u64 as AgentIdx
    }
}

const SIGN: u64 = 1 << 63;

const ARITY: usize = 4;

/// A 4-ary min-heap of entries that records each agent's position in `pos`.
#[derive(Default, Clone)]
struct LevelHeap(Vec<Entry>);

impl LevelHeap {
    fn push(&mut self, entry: Entry, pos: &mut [u32]) {
        self.0.push(entry);
        self.sift_up(self.0.len() - 1, entry, pos);
    }

    /// Removes the entry at `at`; the last entry fills the hole.
    fn remove_at(&mut self, at: usize, pos: &mut [u32]) {
        let last = self.0.pop().expect("a non-empty heap");
        if at == self.0.len() {
            return;
        }
        if at > 0 && last < self.0[(at - 1) / ARITY] {
            self.sift_up(at, last, pos);
        } else {
            self.sift_down(at, last, pos);
        }
    }

    /// Places `entry` at hole `i` or above it.
    fn sift_up(&mut self, mut i: usize, entry: Entry, pos: &mut [u32]) {
        let heap = &mut self.0;
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if entry >= heap[parent] {
                break;
            }
            heap[i] = heap[parent];
            pos[heap[i].agent()] = i as u32;
            i = parent;
        }
        heap[i] = entry;
        pos[entry.agent()] = i as u32;
    }

    /// Places `entry` at hole `i` or below it.
    fn sift_down(&mut self, mut i: usize, entry: Entry, pos: &mut [u32]) {
        let heap = &mut self.0;
        let n = heap.len();
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let mut best = first;
            if first + ARITY <= n {
                // All four children: a branch-free minimum (which child is
                // least is data, and would mispredict as a branch).
                for c in first + 1..first + ARITY {
                    best += (heap[c] < heap[best]) as usize * (c - best);
                }
            } else {
                for c in first + 1..n {
                    best += (heap[c] < heap[best]) as usize * (c - best);
                }
            }
            if heap[best] >= entry {
                break;
            }
            heap[i] = heap[best];
            pos[heap[i].agent()] = i as u32;
            i = best;
        }
        heap[i] = entry;
        pos[entry.agent()] = i as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn keeps_the_order_of_a_sorted_set() {
        // Reference: a sorted set of keys; random inserts and removals of
        // agents over several levels and groups, with many equal idle times.
        let (groups, agents, lowest) = (3, 60, -2);
        let mut index = RoutingIndex::new(groups, agents, lowest..=lowest + 4);
        let mut reference: Vec<BTreeSet<RoutingKey>> = vec![BTreeSet::new(); groups];
        let mut keys: Vec<Option<(usize, RoutingKey)>> = vec![None; agents];
        let mut rng = 7u64;
        let mut next = |m: u64| {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (rng >> 33) % m
        };
        for round in 0..50_000 {
            let a = next(agents as u64) as usize;
            match keys[a].take() {
                Some((g, key)) => {
                    index.remove(g, key);
                    assert!(reference[g].remove(&key));
                }
                None => {
                    let g = a % groups;
                    let key = (next(5) as i64 + lowest, SimTime(next(50) as i64 - 25), a);
                    index.insert(g, key);
                    reference[g].insert(key);
                    keys[a] = Some((g, key));
                }
            }
            for (g, set) in reference.iter().enumerate() {
                assert_eq!(index.first(g), set.first().copied(), "round {round}");
                let odd = |a: AgentIdx| a % 2 == 1;
                let expected = set.iter().find(|k| odd(k.2)).copied();
                assert_eq!(index.first_where(g, odd), expected, "round {round}");
            }
        }
    }
}
