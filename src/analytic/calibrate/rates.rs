//! Rates per reason from the outcomes of answered segments, and where
//! transfers and follow-ups go.

use crate::history::History;
use crate::model::Outcome;
use std::collections::BTreeMap;

/// A proportion: `events` out of `trials`, with its binomial standard error.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rate {
    pub events: u64,
    pub trials: u64,
}

impl Rate {
    /// The estimate, 0 with no trials.
    pub fn p(self) -> f64 {
        if self.trials == 0 { 0.0 } else { self.events as f64 / self.trials as f64 }
    }

    /// sqrt(p(1−p)/n), the binomial standard error; 0 with no trials.
    pub fn std_error(self) -> f64 {
        if self.trials == 0 { 0.0 } else { (self.p() * (1.0 - self.p()) / self.trials as f64).sqrt() }
    }
}

/// What the outcomes say about one reason.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rates {
    /// Answered segments ending `transferred`.
    pub transfer: Rate,
    /// Where transfers went: the next segment's reason, with counts, most first.
    pub transfer_to: Vec<(u32, u64)>,
    pub inactive_disconnect: Rate,
    pub auth_fail: Rate,
    /// Resolved segments followed by another segment of the same contact
    /// (a follow-up: the contact came back).
    pub followup: Rate,
    /// The follow-ups' reasons, most first.
    pub followup_to: Vec<(u32, u64)>,
    /// Mean seconds from a segment's end to its follow-up's arrival.
    pub followup_after: Option<f64>,
}

/// Rates per reason, indexed like [`History::reasons`].
pub fn rates(history: &History) -> Vec<Rates> {
    let mut out = vec![Rates::default(); history.reasons.len()];
    let mut transfer_to = vec![BTreeMap::<u32, u64>::new(); history.reasons.len()];
    let mut followup_to = vec![BTreeMap::<u32, u64>::new(); history.reasons.len()];
    let mut after_sum = vec![0.0; history.reasons.len()];
    for contact in &history.contacts {
        let segments = history.of(contact);
        for (i, s) in segments.iter().enumerate() {
            if s.answered.is_none() {
                continue;
            }
            let r = &mut out[s.reason as usize];
            let next = segments.get(i + 1);
            let count = |rate: &mut Rate, hit: bool| {
                rate.trials += 1;
                rate.events += u64::from(hit);
            };
            count(&mut r.transfer, s.outcome == Outcome::Transferred);
            count(&mut r.inactive_disconnect, s.outcome == Outcome::InactiveDisconnect);
            count(&mut r.auth_fail, s.outcome == Outcome::AuthFailed);
            if s.outcome == Outcome::Transferred {
                if let Some(n) = next {
                    *transfer_to[s.reason as usize].entry(n.reason).or_insert(0) += 1;
                }
            } else if s.outcome == Outcome::Resolved {
                count(&mut r.followup, next.is_some());
                if let Some(n) = next {
                    *followup_to[s.reason as usize].entry(n.reason).or_insert(0) += 1;
                    after_sum[s.reason as usize] += n.arrival.secs_since(s.ended).max(0.0);
                }
            }
        }
    }
    let ranked = |m: BTreeMap<u32, u64>| {
        let mut v: Vec<(u32, u64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    for (r, rates) in out.iter_mut().enumerate() {
        rates.transfer_to = ranked(std::mem::take(&mut transfer_to[r]));
        rates.followup_to = ranked(std::mem::take(&mut followup_to[r]));
        rates.followup_after = (rates.followup.events > 0).then(|| after_sum[r] / rates.followup.events as f64);
    }
    out
}
