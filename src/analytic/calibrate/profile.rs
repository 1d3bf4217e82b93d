//! The week as the history saw it: the interval grid and opening hours, the
//! mean volume of new contacts per weekday × interval × reason, and the
//! agents present per weekday × interval × group.

use crate::history::{Agents, Date, History, Stamp};
use std::collections::{BTreeMap, BTreeSet};

/// Gaps between an agent's contacts shorter than this count as present
/// (idle between contacts); longer ones as away (a break, the end of a shift).
pub const PRESENCE_GAP_SECS: f64 = 30.0 * 60.0;

/// The weekly profile of a history.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Interval length, seconds.
    pub interval: u32,
    /// The opening hours: from the first interval with an arrival on any day
    /// to the end of the last, seconds after midnight.
    pub start: u32,
    pub end: u32,
    /// Dates with data, per weekday (0 = Monday).
    pub dates: [Vec<Date>; 7],
    /// Mean new contacts per (weekday, interval from `start`, reason).
    pub volume: BTreeMap<(u32, u32, u32), f64>,
}

impl Profile {
    /// The weekdays present in the data.
    pub fn weekdays(&self) -> impl Iterator<Item = u32> + '_ {
        (0..7).filter(|&w| !self.dates[w as usize].is_empty())
    }

    /// Open intervals per day.
    pub fn intervals(&self) -> u32 {
        (self.end - self.start) / self.interval
    }

    /// The (weekday, interval from `start`) of an instant, if within opening hours.
    pub fn slot_of(&self, t: Stamp) -> Option<(u32, u32)> {
        let clock = t.clock_secs();
        let slot = ((clock - f64::from(self.start)) / f64::from(self.interval)).floor();
        (clock >= f64::from(self.start) && slot < f64::from(self.intervals()))
            .then(|| (t.date().weekday(), slot as u32))
    }
}

/// The grid, opening hours and mean volumes of new contacts (each
/// contact's first segment), averaged over the dates of each weekday that
/// have data (a date with no contact at all, such as a missing day of the
/// log, does not count).
pub fn profile(history: &History, interval: u32) -> Profile {
    assert!(interval > 0 && 86_400 % interval == 0, "the interval divides the day");
    let mut dates: [BTreeSet<Date>; 7] = Default::default();
    let mut counts: BTreeMap<(u32, u32, u32), u64> = BTreeMap::new();
    let (mut first, mut last) = (u32::MAX, 0);
    for contact in &history.contacts {
        let s = &history.segments[contact.segments.start];
        let date = s.arrival.date();
        dates[date.weekday() as usize].insert(date);
        let slot = (s.arrival.clock_secs() / f64::from(interval)) as u32;
        first = first.min(slot);
        last = last.max(slot);
        *counts.entry((date.weekday(), slot, s.reason)).or_insert(0) += 1;
    }
    let dates = dates.map(|d| d.into_iter().collect::<Vec<_>>());
    let volume = counts
        .into_iter()
        .map(|((w, slot, r), n)| ((w, slot - first, r), n as f64 / dates[w as usize].len() as f64))
        .collect();
    Profile { interval, start: first * interval, end: (last + 1) * interval, dates, volume }
}

/// Where the staffing figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffingSource {
    /// Logged-in, available spans of `agents.csv`.
    AgentsFile,
    /// Estimated from the agents seen working in the history: each agent is
    /// present from the start of a conversation to the end of its wrap-up,
    /// and between two such spans less than [`PRESENCE_GAP_SECS`] apart.
    AgentsSeen,
    /// Without an `agent` column: the most conversations in progress at once
    /// in the interval, as if each took one agent.
    PeakConversations,
}

impl StaffingSource {
    /// How the figures were obtained, for the `source` column and the report.
    pub fn describe(self) -> &'static str {
        match self {
            StaffingSource::AgentsFile => "agents.csv (available logged-in time)",
            StaffingSource::AgentsSeen => "estimate: agents seen working (gaps under 30 min count as present)",
            StaffingSource::PeakConversations => "estimate: most conversations at once (no agent column)",
        }
    }
}

/// Mean agents present per (weekday, interval from `start`, group): each
/// agent's present seconds in the interval over the interval's length,
/// summed over the group's agents, averaged over the weekday's dates.
/// `group_of` maps an agent (by name) to its group; agents it does not
/// know are left out.
pub fn staffing(profile: &Profile, presence: &[(u32, Vec<(Stamp, Stamp)>)]) -> BTreeMap<(u32, u32, u32), f64> {
    let mut sums: BTreeMap<(u32, u32, u32), f64> = BTreeMap::new();
    let len = f64::from(profile.interval);
    for (group, spans) in presence {
        for &(from, to) in spans {
            // Walk the span interval by interval.
            let mut t = from;
            while t < to {
                let midnight = Stamp::midnight(t.date());
                let slot_start = midnight.after_secs(((t.clock_secs() / len).floor()) * len);
                let slot_end = slot_start.after_secs(len).min(to);
                if let Some((weekday, slot)) = profile.slot_of(t)
                    && !profile.dates[weekday as usize].is_empty()
                {
                    *sums.entry((weekday, slot, *group)).or_insert(0.0) += slot_end.secs_since(t) / len;
                }
                t = slot_end;
            }
        }
    }
    for ((weekday, _, _), v) in sums.iter_mut() {
        *v /= profile.dates[*weekday as usize].len() as f64;
    }
    sums
}

/// Each agent's presence in the history: spans from an answer to the end of
/// its wrap-up (or of the conversation), merged across gaps under
/// [`PRESENCE_GAP_SECS`]. Returns (agent, spans) for every agent.
pub fn presence_seen(history: &History) -> Vec<Vec<(Stamp, Stamp)>> {
    let mut busy: Vec<Vec<(Stamp, Stamp)>> = vec![Vec::new(); history.agents.len()];
    for s in &history.segments {
        if let (Some(agent), Some(answered)) = (s.agent, s.answered) {
            busy[agent as usize].push((answered, s.wrapup_end.unwrap_or(s.ended)));
        }
    }
    busy.into_iter().map(|spans| merge(spans, PRESENCE_GAP_SECS)).collect()
}

/// Presence from `agents.csv`: the available spans of each agent, merged
/// where they overlap; indexed like `agents.names`.
pub fn presence_logged(agents: &Agents) -> Vec<Vec<(Stamp, Stamp)>> {
    let mut spans: Vec<Vec<(Stamp, Stamp)>> = vec![Vec::new(); agents.names.len()];
    for s in agents.spans.iter().filter(|s| s.available) {
        spans[s.agent as usize].push((s.start, s.end));
    }
    spans.into_iter().map(|s| merge(s, 0.0)).collect()
}

/// Sorts spans and merges those that overlap or lie less than `gap` apart.
fn merge(mut spans: Vec<(Stamp, Stamp)>, gap: f64) -> Vec<(Stamp, Stamp)> {
    spans.sort();
    let mut out: Vec<(Stamp, Stamp)> = Vec::with_capacity(spans.len());
    for (from, to) in spans {
        match out.last_mut() {
            Some(last) if from.secs_since(last.1) < gap || from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

/// Without agents: per (weekday, interval from `start`), the mean over the
/// weekday's dates of the most conversations (answer to end of wrap-up) in
/// progress at once during the interval.
pub fn peak_conversations(history: &History, profile: &Profile) -> BTreeMap<(u32, u32, u32), f64> {
    let mut sums: BTreeMap<(u32, u32, u32), f64> = BTreeMap::new();
    for ((date, slot_of_day), peak) in peak_by_date(history, profile.interval) {
        let at = Stamp::midnight(date).after_secs(f64::from(slot_of_day * profile.interval));
        if let Some((weekday, slot)) = profile.slot_of(at) {
            *sums.entry((weekday, slot, 0)).or_insert(0.0) +=
                f64::from(peak) / profile.dates[weekday as usize].len() as f64;
        }
    }
    sums
}

/// The most conversations (answer to end of wrap-up) in progress at once
/// per (date, interval of the day from midnight).
pub fn peak_by_date(history: &History, interval: u32) -> BTreeMap<(Date, u32), i32> {
    let mut events: Vec<(Stamp, i32)> = Vec::new();
    for s in &history.segments {
        if let Some(a) = s.answered {
            events.push((a, 1));
            events.push((s.wrapup_end.unwrap_or(s.ended), -1));
        }
    }
    events.sort(); // ends (−1) before starts (+1) at the same instant
    let len = f64::from(interval);
    let mut peaks: BTreeMap<(Date, u32), i32> = BTreeMap::new();
    let mut level = 0;
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        while i < events.len() && events[i].0 == t {
            level += events[i].1;
            i += 1;
        }
        // The level holds from t to the next event: it counts in every
        // interval that stretch touches.
        let until = events.get(i).map_or(t, |e| e.0);
        let mut u = t;
        loop {
            let slot = (u.clock_secs() / len) as u32;
            let peak = peaks.entry((u.date(), slot)).or_insert(0);
            *peak = (*peak).max(level);
            let next = Stamp::midnight(u.date()).after_secs(f64::from(slot + 1) * len);
            if next >= until {
                break;
            }
            u = next;
        }
    }
    peaks
}

/// Agents present per (date, interval of the day from midnight), summed
/// over `spans`: each span's seconds in the interval over its length.
pub fn presence_by_date(interval: u32, spans: &[(Stamp, Stamp)]) -> BTreeMap<(Date, u32), f64> {
    let len = f64::from(interval);
    let mut out: BTreeMap<(Date, u32), f64> = BTreeMap::new();
    for &(from, to) in spans {
        let mut t = from;
        while t < to {
            let slot = (t.clock_secs() / len).floor();
            let slot_end = Stamp::midnight(t.date()).after_secs((slot + 1.0) * len).min(to);
            *out.entry((t.date(), slot as u32)).or_insert(0.0) += slot_end.secs_since(t) / len;
            t = slot_end;
        }
    }
    out
}
