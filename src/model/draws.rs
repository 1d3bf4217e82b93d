//! A segment's random draws, taken in one fixed order from the chat's own
//! streams (docs/design.md §2.1), whatever the probabilities: a yes/no decision
//! always consumes exactly one uniform draw. This is what keeps customers
//! identical across runs that differ in staffing, routing or probabilities.

use crate::engine::{KeyPrefix, Stream};
use crate::scenario::{Dist, Misroute, Reason, ReplayArrival};
use rand::RngExt;

/// Stream purposes, part of each stream's key.
pub const ARRIVALS: u64 = 1;
pub const CUSTOMER: u64 = 2;
pub const OFFERS: u64 = 3;
pub const WRAPUPS: u64 = 4;
pub const TRANSFER: u64 = 5;
pub const FOLLOWUP: u64 = 6;
/// Forecast error (not a chat's): a reason's daily multiplier, the daily
/// multiplier every reason shares, a reason's per-interval multipliers.
pub const FORECAST_REASON: u64 = 7;
pub const FORECAST_SHARED: u64 = 8;
pub const FORECAST_INTERVAL: u64 = 9;
/// Absenteeism (not a chat's): whether agent slot i of a group comes in on a
/// day, keyed (seed, replication, `ABSENCE`, group, day, i).
pub const ABSENCE: u64 = 10;
/// Retrials: whether a customer who gave up tries again, and after how long,
/// keyed (seed, replication, `RETRY`, reason, arrival index, attempt).
pub const RETRY: u64 = 12;
/// Misrouting: whether a new chat picks the wrong reason, its triage work
/// and the patience of its transfer to the right skill, keyed (seed,
/// replication, `MISROUTE`, reason, arrival index) and for a retry its attempt.
pub const MISROUTE: u64 = 13;
/// Unplanned shrinkage (not a chat's): agent slot i's spells, keyed (seed,
/// replication, `SHRINKAGE`, group, i).
pub const SHRINKAGE: u64 = 11;

/// The streams of every chat of one replication: keyed by (seed,
/// replication, purpose, reason, arrival index), and for a retry also its
/// attempt number (from 1), with the shared part of each key folded once.
#[derive(Clone)]
pub struct ChatStreams {
    /// By purpose (index `purpose - CUSTOMER`), then reason.
    prefixes: Vec<Vec<KeyPrefix>>,
}

impl ChatStreams {
    pub fn new(seed: u64, replication: u32, reasons: usize) -> Self {
        let prefixes = (CUSTOMER..=FOLLOWUP)
            .map(|purpose| {
                let p = KeyPrefix::of(&[seed, replication as u64, purpose]);
                (0..reasons as u64).map(|r| p.then(r)).collect()
            })
            .collect();
        ChatStreams { prefixes }
    }

    /// The `purpose` stream of attempt `attempt` (0: the first) of arrival
    /// `index` of reason `reason`.
    #[inline]
    pub fn get(&self, reason: usize, index: u64, attempt: u32, purpose: u64) -> Stream {
        let key = self.prefixes[(purpose - CUSTOMER) as usize][reason].then(index);
        if attempt == 0 { key.stream() } else { key.then(attempt.into()).stream() }
    }
}

/// What the customer will do in one segment.
#[derive(Debug, Clone, Default)]
pub struct SegmentDraws {
    /// Conversation work at speed 1, seconds.
    pub handle: f64,
    /// Authentication work at speed 1, seconds (new segments only).
    pub auth: f64,
    pub auth_fails: bool,
    /// Seconds in queue before abandoning (infinite: never).
    pub patience: f64,
    /// Silence point as a fraction of the handle work.
    pub silence_at: Option<f64>,
    /// Transfer point as a fraction of the handle work.
    pub transfer_at: Option<f64>,
    /// When silent: answers a prompt after this fraction of the timeout.
    pub returns_after: Option<f64>,
    /// Leaves a commitment if resolved.
    pub commitment: bool,
}

fn decide(rng: &mut Stream, p: f64) -> bool {
    let u: f64 = rng.random();
    u < p
}

/// Silence, return and commitment decisions, in their fixed order.
fn behaviour(rng: &mut Stream, reason: &Reason, d: &mut SegmentDraws, may_transfer: bool) {
    let (silent_p, returns_p) = reason.nonresponsive.as_ref().map_or((0.0, 0.0), |n| (n.p, n.returns));
    let silent = decide(rng, silent_p);
    let silence_point: f64 = rng.random();
    if may_transfer {
        let transfer_p = reason.transfer.as_ref().map_or(0.0, |t| t.p);
        let transfers = decide(rng, transfer_p);
        let transfer_point: f64 = rng.random();
        d.transfer_at = transfers.then_some(transfer_point);
    }
    let returns = decide(rng, returns_p);
    let return_point: f64 = rng.random();
    let commits = decide(rng, reason.commitment.as_ref().map_or(0.0, |c| c.p));
    d.silence_at = silent.then_some(silence_point);
    d.returns_after = returns.then_some(return_point);
    d.commitment = commits;
}

/// The first segment's draws, from the `customer` stream; a replayed
/// chat's given values replace the draws (which are still consumed).
pub fn new_segment(rng: &mut Stream, reason: &Reason, replay: Option<&ReplayArrival>) -> SegmentDraws {
    let mut d = SegmentDraws {
        handle: reason.handle.sample(rng),
        auth: reason.auth.sample(rng),
        auth_fails: decide(rng, reason.auth_fail),
        patience: reason.patience.sample(rng),
        ..Default::default()
    };
    behaviour(rng, reason, &mut d, true);
    if let Some(r) = replay {
        d.handle = r.handle.unwrap_or(d.handle);
        d.auth = r.auth.unwrap_or(d.auth);
        d.patience = r.patience.unwrap_or(d.patience);
    }
    d
}

/// A transfer's segment, from the `transfer` stream: fresh handle and
/// patience, no authentication, may go silent but not transfer again.
pub fn transfer_segment(rng: &mut Stream, reason: &Reason) -> SegmentDraws {
    let handle_dist: &Dist = reason.transfer.as_ref().and_then(|t| t.handle.as_ref()).unwrap_or(&reason.handle);
    let mut d =
        SegmentDraws { handle: handle_dist.sample(rng), patience: reason.patience.sample(rng), ..Default::default() };
    behaviour(rng, reason, &mut d, false);
    d
}

/// A misrouting decision, from the `misroute` stream of the chat: one
/// uniform (it misroutes when below `p`), the triage work, the patience of
/// its transfer to the right skill, drawn whatever `p`.
pub fn misroute(rng: &mut Stream, reason: &Reason, m: &Misroute) -> Option<(f64, f64)> {
    let misrouted = decide(rng, m.p);
    let triage = m.triage.sample(rng);
    let patience = reason.patience.sample(rng);
    misrouted.then_some((triage, patience))
}

/// A follow-up's segment, from the `followup` stream: work only.
pub fn followup_segment(rng: &mut Stream, reason: &Reason) -> SegmentDraws {
    let handle_dist = reason.commitment.as_ref().and_then(|c| c.handle.as_ref()).unwrap_or(&reason.handle);
    SegmentDraws { handle: handle_dist.sample(rng), patience: f64::INFINITY, ..Default::default() }
}
