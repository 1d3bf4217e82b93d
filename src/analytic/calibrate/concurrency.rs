//! How many contacts each agent held at once, and how fast each went.
//!
//! **Speed estimator.** The model works each of an agent's k chats at speed
//! s_k (s_1 = 1): a segment with work W (at speed 1) that spends T_k seconds
//! while its agent holds k conversations lasts until T_1 + s_2·T_2 + … = W.
//! W is drawn independently of the agent's state, so the mean of
//! T_1 + Σ s_k·T_k is the same mean work μ among segments accepted when the
//! agent held nothing else as among those accepted while holding one, two, …
//! others. Grouping segments by the level right after their acceptance
//! (j = 1…K) gives K linear equations
//! `μ − Σ_{k≥2} s_k · mean_j(T_k) = mean_j(T_1)` in the K unknowns
//! (μ, s_2…s_K): exactly identified, and unbiased in expectation whatever
//! the distribution of W. Reasons differ in their mean work and in how
//! often they meet a busy agent (a queue served by a group of its own), so
//! each reason, and within it first, transferred and follow-up segments,
//! has its own μ and the speeds are shared: the equations of all of them
//! are solved together by weighted least squares. The round trip of `tests/it/fit.rs` checks it on
//! simulated histories. Levels accepted fewer than [`MIN_SEGMENTS`] times
//! cannot be estimated; they keep speed 1 and the fit says so.

use crate::history::{History, Stamp};
use crate::model::Outcome;

/// The silence before an inactivity disconnect: the procedure's 2 minutes
/// (ccsim's default `inactivity_timeout`). The work speed of the others is
/// that of the chats worked, and a silent chat is not worked.
pub const SILENT_BEFORE_DISCONNECT_SECS: f64 = 120.0;

/// Segments needed at a starting level to estimate its speed.
pub const MIN_SEGMENTS: usize = 30;

/// The cap is the highest level at which agents spent at least this share
/// of their busy time. Briefer overlaps are clock noise of the log (a call
/// logged as answered a second before the previous one ended), not a
/// second contact held.
pub const MIN_CAP_SHARE: f64 = 0.02;

/// The concurrency seen in a history with an `agent` column.
#[derive(Debug, Clone, PartialEq)]
pub struct Concurrency {
    /// The most conversations agents held at once for at least
    /// [`MIN_CAP_SHARE`] of their busy time.
    pub cap: usize,
    /// The most they were ever seen holding.
    pub max_seen: usize,
    /// Share of agents' busy time (holding at least one) spent holding
    /// 1, 2, … conversations.
    pub time_share: Vec<f64>,
    /// Segments accepted at each level (1 = the agent held nothing else).
    pub accepted_at: Vec<usize>,
    /// Estimated speed per level, `speed[0] = 1`; `None` where not estimable.
    pub speed: Vec<Option<f64>>,
    /// Per answered segment (indexed like `History::segments`, `None`
    /// otherwise): the work at speed 1 the estimated speeds imply.
    pub work: Vec<Option<f64>>,
}

/// Levels beyond this are folded into it (a history claiming an agent held
/// hundreds of chats at once is more likely a data problem than a cap).
const MAX_LEVEL: usize = 16;

/// The concurrency of every agent's conversations (answer to end).
pub fn concurrency(history: &History) -> Concurrency {
    let n = history.segments.len();
    let mut per_agent: Vec<Vec<usize>> = vec![Vec::new(); history.agents.len()];
    for (i, s) in history.segments.iter().enumerate() {
        if let (Some(a), Some(_)) = (s.agent, s.answered) {
            per_agent[a as usize].push(i);
        }
    }
    // time[i][k-1]: seconds segment i spent while its agent held k.
    let mut time: Vec<[f64; MAX_LEVEL]> = vec![[0.0; MAX_LEVEL]; n];
    let mut start_level = vec![0usize; n];
    let mut busy = [0.0f64; MAX_LEVEL];
    let mut cap = 0;
    for segments in &per_agent {
        // Events: (time, is_start, segment); ends sort before starts at the same instant.
        let mut events: Vec<(Stamp, bool, usize)> = Vec::with_capacity(2 * segments.len());
        for &i in segments {
            let s = &history.segments[i];
            if s.talk() == Some(0.0) {
                continue; // holds nothing, for no time
            }
            let answered = s.answered.expect("answered");
            // A disconnected customer was silent for the procedure's timeout
            // before the end: held, but not worked.
            let held_until = match s.outcome {
                Outcome::InactiveDisconnect => s.ended.after_secs(-SILENT_BEFORE_DISCONNECT_SECS).max(answered),
                _ => s.ended,
            };
            if held_until == answered {
                continue;
            }
            events.push((answered, true, i));
            events.push((held_until, false, i));
        }
        events.sort_by_key(|e| (e.0, e.1, e.2));
        let mut active: Vec<usize> = Vec::new();
        let mut at = 0;
        while at < events.len() {
            let t = events[at].0;
            let mut started = Vec::new();
            while at < events.len() && events[at].0 == t {
                let (_, is_start, i) = events[at];
                if is_start {
                    active.push(i);
                    started.push(i);
                } else {
                    active.retain(|&j| j != i);
                }
                at += 1;
            }
            let level = active.len().min(MAX_LEVEL);
            cap = cap.max(active.len());
            for i in started {
                start_level[i] = level;
            }
            if let (Some(next), true) = (events.get(at), level > 0) {
                let dt = next.0.secs_since(t);
                busy[level - 1] += dt;
                for &j in &active {
                    time[j][level - 1] += dt;
                }
            }
        }
    }
    let max_seen = cap;
    let total: f64 = busy.iter().sum();
    let time_share: Vec<f64> =
        busy[..max_seen.clamp(1, MAX_LEVEL)].iter().map(|b| if total > 0.0 { b / total } else { 0.0 }).collect();
    let levels = (1..=time_share.len()).rev().find(|&k| time_share[k - 1] >= MIN_CAP_SHARE).unwrap_or(1);
    let mut accepted_at = vec![0usize; levels];
    for per in &per_agent {
        for &i in per {
            accepted_at[start_level[i].clamp(1, levels) - 1] += 1;
        }
    }
    let speed =
        estimate_speeds(&per_agent, &time, &start_level, &accepted_at, &strata(history), 3 * history.reasons.len());
    let mut work = vec![None; n];
    for &i in per_agent.iter().flatten() {
        // Time above the cap (clock noise) counts at the cap's speed.
        work[i] = Some((0..MAX_LEVEL).map(|k| speed[k.min(levels - 1)].unwrap_or(1.0) * time[i][k]).sum());
    }
    Concurrency { cap: levels, max_seen, time_share, accepted_at, speed, work }
}

/// Each segment's stratum: its reason and whether it is a contact's first
/// segment, a transfer's or a follow-up's. Segments a transfer starts draw
/// the work of the reason the customer chose, not the queue's: mixed with
/// the queue's own segments they would give one queue two means.
fn strata(history: &History) -> Vec<u32> {
    let mut out = vec![0; history.segments.len()];
    for contact in &history.contacts {
        let mut previous: Option<Outcome> = None;
        for i in contact.segments.clone() {
            let kind = match previous {
                None => 0,
                Some(Outcome::Transferred) => 1,
                Some(_) => 2,
            };
            out[i] = 3 * history.segments[i].reason + kind;
            previous = Some(history.segments[i].outcome);
        }
    }
    out
}

/// Solves the module's equations, one per (reason, starting level) with at
/// least [`MIN_SEGMENTS`] segments, for the reasons' mean works and the
/// speeds of the levels with enough segments, by least squares weighted by
/// the segments behind each equation (reasons differ in work and in how
/// often they meet a busy agent, so each has its own mean).
fn estimate_speeds(
    per_agent: &[Vec<usize>],
    time: &[[f64; MAX_LEVEL]],
    start_level: &[usize],
    accepted_at: &[usize],
    stratum_of: &[u32],
    reasons: usize,
) -> Vec<Option<f64>> {
    let levels = accepted_at.len();
    let mut speed = vec![None; levels];
    speed[0] = Some(1.0);
    // Sums of T_k and counts per (reason, starting level).
    let mut sums = vec![vec![[0.0f64; MAX_LEVEL]; levels]; reasons];
    let mut counts = vec![vec![0usize; levels]; reasons];
    for &i in per_agent.iter().flatten() {
        let (r, j) = (stratum_of[i] as usize, start_level[i].clamp(1, levels) - 1);
        counts[r][j] += 1;
        for k in 0..MAX_LEVEL {
            sums[r][j][k.min(levels - 1)] += time[i][k];
        }
    }
    let enough = |r: usize, j: usize| counts[r][j] >= MIN_SEGMENTS;
    // A level's speed is estimable when some reason has enough segments
    // both there and at level 1 (to pin that reason's mean).
    let known: Vec<usize> = (1..levels).filter(|&k| (0..reasons).any(|r| enough(r, 0) && enough(r, k))).collect();
    if known.is_empty() {
        return speed;
    }
    let used: Vec<usize> = (0..reasons).filter(|&r| enough(r, 0) && known.iter().any(|&k| enough(r, k))).collect();
    // Unknowns: μ_r for r in `used`, then s_k for k in `known`.
    let size = used.len() + known.len();
    let mut normal = vec![vec![0.0; size + 1]; size];
    for (u, &r) in used.iter().enumerate() {
        for j in (0..levels).filter(|&j| enough(r, j)) {
            let n = counts[r][j] as f64;
            let mean = |k: usize| sums[r][j][k] / n;
            // μ_r − Σ_known s_k·mean(T_k) = mean(T_1) + Σ_other 1·mean(T_k)
            let mut row = vec![0.0; size];
            row[u] = 1.0;
            for (c, &k) in known.iter().enumerate() {
                row[used.len() + c] = -mean(k);
            }
            let rhs = mean(0) + (1..levels).filter(|k| !known.contains(k)).map(mean).sum::<f64>();
            for a in 0..size {
                for b in 0..size {
                    normal[a][b] += n * row[a] * row[b];
                }
                normal[a][size] += n * row[a] * rhs;
            }
        }
    }
    if let Some(x) = solve(normal) {
        for (c, &k) in known.iter().enumerate() {
            let v = x[used.len() + c];
            if v.is_finite() && v > 0.0 {
                speed[k] = Some(v);
            }
        }
    }
    speed
}

/// Gaussian elimination with partial pivoting on an augmented matrix;
/// `None` when it is singular.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let n = a.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for row in a.iter_mut().enumerate().filter(|(r, _)| *r != col).map(|(_, row)| row) {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
        }
    }
    Some((0..n).map(|i| a[i][n] / a[i][i]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_system() {
        // x + y = 3, x − y = 1
        let x = solve(vec![vec![1.0, 1.0, 3.0], vec![1.0, -1.0, 1.0]]).unwrap();
        assert!((x[0] - 2.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
        assert!(solve(vec![vec![1.0, 1.0, 3.0], vec![2.0, 2.0, 6.0]]).is_none());
    }
}
