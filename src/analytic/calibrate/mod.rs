//! Calibration: a model of a center estimated from its history (`ccsim
//! fit`), every number with where it came from.
//!
//! - [`profile`]: the interval grid, opening hours, weekly volumes and
//!   staffing per weekday × interval;
//! - [`groups`]: agent groups from who served what;
//! - [`rates`]: transfer, disconnect, authentication-failure and follow-up
//!   rates per reason;
//! - [`concurrency`]: contacts held at once and the speed at each level;
//! - durations per reason (here): conversation work, wrap-up and patience,
//!   each the best of four families by AIC (`stats::fit`).

pub mod actual;
pub mod concurrency;
pub mod groups;
pub mod profile;
pub mod rates;

use crate::history::{Agents, History};
use crate::model::Outcome;
use crate::stats::fit::{Family, Fit, FitError, KaplanMeier, Ranking, Sample, fit, fit_all, kaplan_meier};
use concurrency::Concurrency;
use groups::Group;
use profile::{Profile, StaffingSource};
use rates::Rates;
use std::collections::BTreeMap;

/// A reason needs this many observed values of a duration for a fit of its
/// own; with fewer it inherits the fit of all reasons pooled, and says so.
pub const MIN_OWN_FIT: usize = 50;

/// The empirical curve of a duration is kept with about this many steps
/// ([`KaplanMeier::thinned`]): within 1/400 of the full curve, small enough
/// for a chart.
pub const CURVE_POINTS: usize = 400;

/// A duration fitted for one reason.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationFit {
    /// Every family tried, best (lowest AIC) first, and those that failed.
    pub ranking: Ranking,
    /// Whether the fit is of all reasons pooled (too few values of its own).
    pub inherited: bool,
    /// The values it is fitted on: observed, and right-censored.
    pub observed: usize,
    pub censored: usize,
    /// The data's own curve, for charts: the Kaplan–Meier survival curve of
    /// the values fitted (1 − the empirical distribution function when none
    /// is censored), thinned to about [`CURVE_POINTS`] steps; empty when
    /// there were no values to fit.
    pub empirical: KaplanMeier,
}

impl DurationFit {
    /// The chosen fit: the lowest AIC.
    pub fn best(&self) -> Option<&Fit> {
        self.ranking.best()
    }
}

/// Patience: the chosen fit, the exponential fit (what Erlang A takes),
/// and the Kaplan–Meier curve of the waits.
#[derive(Debug, Clone, PartialEq)]
pub struct PatienceFit {
    pub fit: DurationFit,
    pub exponential: Option<Fit>,
    pub kaplan_meier: Option<KaplanMeier>,
}

/// What the history says about one reason.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonFit {
    pub name: String,
    /// Contacts whose first segment is of this reason.
    pub contacts: u64,
    /// Answered segments.
    pub answered: u64,
    /// Conversation work at speed 1 (answer to end, times the speed while
    /// the agent held others) of resolved first segments.
    pub handle: DurationFit,
    /// Work of the segments its transfers started, when there are enough
    /// to fit (else the model draws the reason's handle).
    pub transfer_handle: Option<DurationFit>,
    /// Work of its follow-ups, likewise.
    pub followup_handle: Option<DurationFit>,
    /// End to disposition, with a `wrapup_end` column.
    pub wrapup: Option<DurationFit>,
    /// Queue waits: abandoned ones observed, answered ones censored.
    pub patience: PatienceFit,
    pub rates: Rates,
}

/// A center estimated from its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub profile: Profile,
    pub groups: Vec<Group>,
    /// Mean agents per (weekday, interval from `profile.start`, group).
    pub staffing: BTreeMap<(u32, u32, u32), f64>,
    pub staffing_source: StaffingSource,
    /// With an `agent` column.
    pub concurrency: Option<Concurrency>,
    pub reasons: Vec<ReasonFit>,
    /// Wrap-up of all reasons pooled (the scenario's one `[chat] wrapup`),
    /// with a `wrapup_end` column.
    pub wrapup: Option<DurationFit>,
    /// What the reader of the fit should know (inherited fits, estimates).
    pub notes: Vec<String>,
}

/// Estimates a center from `history` (and its agents' logged-in spans, if
/// known) on a grid of `interval` seconds.
pub fn calibrate(history: &History, agents: Option<&Agents>, interval: u32) -> Calibration {
    let profile = profile::profile(history, interval);
    let (groups, group_of) = groups::infer(history);
    let mut notes = Vec::new();
    let concurrency = history.has_agent.then(|| concurrency::concurrency(history));
    match &concurrency {
        None => notes.push(
            "no agent column: one group serves every reason, max_concurrent = 1, and staffing is estimated from \
             the most conversations at once"
                .to_string(),
        ),
        Some(c) if c.cap <= 1 => notes.push(format!(
            "agents held one contact at a time (calls; overlaps in {:.2}% of busy time are taken as clock noise): \
             max_concurrent = 1",
            100.0 * (1.0 - c.time_share[0])
        )),
        Some(c) => {
            for (k, s) in c.speed.iter().enumerate().skip(1) {
                if s.is_none() {
                    notes.push(format!(
                        "speed at {} contacts at once: fewer than {} accepted at that level to estimate it; 1.0 assumed",
                        k + 1,
                        concurrency::MIN_SEGMENTS
                    ));
                }
            }
        }
    }
    let (staffing, staffing_source) = staffing(history, agents, &profile, &group_of, &mut notes);
    let rates = rates::rates(history);
    let samples = samples(history, concurrency.as_ref());
    let pooled = |pick: fn(&Samples) -> (&[f64], &[f64])| {
        let (mut observed, mut censored) = (Vec::new(), Vec::new());
        for s in &samples {
            let (o, c) = pick(s);
            observed.extend_from_slice(o);
            censored.extend_from_slice(c);
        }
        (observed, censored)
    };
    let all_handle = pooled(|s| (&s.handle, &[]));
    let all_wrapup = pooled(|s| (&s.wrapup, &[]));
    let all_patience = pooled(|s| (&s.abandoned, &s.waited));
    let mut answered = vec![0u64; history.reasons.len()];
    for s in history.segments.iter().filter(|s| s.answered.is_some()) {
        answered[s.reason as usize] += 1;
    }
    let mut contacts = vec![0u64; history.reasons.len()];
    for c in &history.contacts {
        contacts[history.segments[c.segments.start].reason as usize] += 1;
    }
    let mut reasons = Vec::new();
    for (r, (s, rates)) in samples.iter().zip(rates).enumerate() {
        let name = history.reasons[r].clone();
        let mut note = |what: &str, fit: &DurationFit, own: usize| {
            if fit.inherited {
                notes.push(format!(
                    "{name}: {what} fitted on all reasons pooled (only {own} observed values of its own; {MIN_OWN_FIT} needed)"
                ));
            }
        };
        let handle = duration(&s.handle, &[], &all_handle);
        note("handle", &handle, s.handle.len());
        let own =
            |values: &[f64]| (values.len() >= MIN_OWN_FIT).then(|| duration(values, &[], &(Vec::new(), Vec::new())));
        let (transfer_handle, followup_handle) = (own(&s.transfer_handle), own(&s.followup_handle));
        let wrapup = history.has_wrapup.then(|| duration(&s.wrapup, &[], &all_wrapup));
        if let Some(w) = &wrapup {
            note("wrapup", w, s.wrapup.len());
        }
        let patience_fit = duration(&s.abandoned, &s.waited, &all_patience);
        note("patience", &patience_fit, s.abandoned.len());
        let (observed, censored) = if patience_fit.inherited {
            (&all_patience.0[..], &all_patience.1[..])
        } else {
            (&s.abandoned[..], &s.waited[..])
        };
        let exponential = Sample::new(observed, censored).ok().and_then(|x| fit(Family::Exponential, &x).ok());
        let patience =
            PatienceFit { fit: patience_fit, exponential, kaplan_meier: kaplan_meier(observed, censored).ok() };
        reasons.push(ReasonFit {
            name,
            contacts: contacts[r],
            answered: answered[r],
            handle,
            transfer_handle,
            followup_handle,
            wrapup,
            patience,
            rates,
        });
    }
    let wrapup = history.has_wrapup.then(|| duration(&all_wrapup.0, &[], &all_wrapup));
    Calibration { profile, groups, staffing, staffing_source, concurrency, reasons, wrapup, notes }
}

/// The durations of one reason's segments.
#[derive(Debug, Default)]
struct Samples {
    /// Conversation work of resolved first segments (a transfer or a
    /// disconnect cuts the work short; the model draws it in full).
    handle: Vec<f64>,
    /// Work of resolved segments that a transfer from this reason started.
    transfer_handle: Vec<f64>,
    /// Work of resolved follow-ups of this reason's segments.
    followup_handle: Vec<f64>,
    wrapup: Vec<f64>,
    /// Waits of segments that left the queue unanswered (patience observed).
    abandoned: Vec<f64>,
    /// Waits of answered or unserved segments (patience at least this long).
    waited: Vec<f64>,
}

fn samples(history: &History, concurrency: Option<&Concurrency>) -> Vec<Samples> {
    let mut out: Vec<Samples> = (0..history.reasons.len()).map(|_| Samples::default()).collect();
    for contact in &history.contacts {
        let mut previous: Option<(Outcome, u32)> = None;
        for i in contact.segments.clone() {
            let seg = &history.segments[i];
            if let (Some(talk), Outcome::Resolved) = (seg.talk(), seg.outcome) {
                let work = concurrency.and_then(|c| c.work[i]).unwrap_or(talk);
                match previous {
                    None => out[seg.reason as usize].handle.push(work),
                    Some((Outcome::Transferred, from)) => out[from as usize].transfer_handle.push(work),
                    Some((_, from)) => out[from as usize].followup_handle.push(work),
                }
            }
            let s = &mut out[seg.reason as usize];
            if let Some(w) = seg.wrapup() {
                s.wrapup.push(w);
            }
            // Follow-ups (a segment after a finished one) never abandon in
            // the model: their waits say nothing of patience.
            if previous.is_none_or(|(p, _)| p == Outcome::Transferred) {
                match seg.outcome {
                    Outcome::Abandoned => s.abandoned.push(seg.wait()),
                    // Turned away by a full queue: it never waited, so
                    // says nothing of patience.
                    Outcome::Blocked => {}
                    _ => s.waited.push(seg.wait()),
                }
            }
            previous = Some((seg.outcome, seg.reason));
        }
    }
    out
}

/// Fits a reason's durations, or all reasons' when it has too few.
fn duration(observed: &[f64], censored: &[f64], pooled: &(Vec<f64>, Vec<f64>)) -> DurationFit {
    let own = observed.len() >= MIN_OWN_FIT;
    let (o, c) = if own { (observed, censored) } else { (&pooled.0[..], &pooled.1[..]) };
    let (ranking, empirical) = match Sample::new(o, c) {
        Ok(sample) => (fit_all(&sample), sample.kaplan_meier().thinned(CURVE_POINTS)),
        Err(e) => (
            Ranking { fits: Vec::new(), failed: Family::ALL.iter().map(|&f| (f, e.clone())).collect() },
            KaplanMeier::default(),
        ),
    };
    DurationFit { ranking, inherited: !own, observed: o.len(), censored: c.len(), empirical }
}

/// Staffing per weekday × interval × group, from `agents.csv` or estimated.
fn staffing(
    history: &History,
    agents: Option<&Agents>,
    profile: &Profile,
    group_of: &[Option<usize>],
    notes: &mut Vec<String>,
) -> (BTreeMap<(u32, u32, u32), f64>, StaffingSource) {
    if !history.has_agent || history.agents.is_empty() {
        return (profile::peak_conversations(history, profile), StaffingSource::PeakConversations);
    }
    let by_group = |spans: Vec<Vec<(crate::history::Stamp, crate::history::Stamp)>>, names: &[String]| {
        let index: std::collections::HashMap<&str, usize> =
            history.agents.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        let mut unknown = 0;
        let mut presence = Vec::new();
        for (a, s) in spans.into_iter().enumerate() {
            match index.get(names[a].as_str()).and_then(|&i| group_of[i]) {
                Some(g) => presence.push((g as u32, s)),
                None => unknown += 1,
            }
        }
        (presence, unknown)
    };
    match agents {
        Some(agents) => {
            let (presence, unknown) = by_group(profile::presence_logged(agents), &agents.names);
            if unknown > 0 {
                notes.push(format!(
                    "{unknown} agents of {} answered nothing in the history: their group is unknown, so they are left out of staffing",
                    agents.file.display()
                ));
            }
            (profile::staffing(profile, &presence), StaffingSource::AgentsFile)
        }
        None => {
            let (presence, _) = by_group(profile::presence_seen(history), &history.agents);
            notes.push(format!("staffing is an {}", StaffingSource::AgentsSeen.describe()));
            (profile::staffing(profile, &presence), StaffingSource::AgentsSeen)
        }
    }
}

/// Why a duration could not be fitted at all, for messages.
pub fn why_not(fit: &DurationFit) -> String {
    fit.ranking.failed.first().map_or_else(|| "no values".to_string(), |(_, e): &(Family, FitError)| e.to_string())
}
