//! A traced run's first replication as a center's history: `history.csv`
//! and `agents.csv` in the format `fit` and `backtest` read, with real
//! dates (day 1 is `simulation.first_date`, 2024-01-01 by default), so a
//! known scenario's history can be fitted and compared with what made it.
//! A history names queues, so a transfer's or follow-up's segment is
//! under the skill it went to: a scenario whose reasons and skills share
//! names reads back as it was.

use super::csv_out::csv_writer;
use crate::engine::{Date, SimTime, Stamp};
use crate::model::{SegmentKind, Trace, TraceEvent};
use crate::scenario::Scenario;
use std::io;
use std::path::Path;

/// Day 1's date when the scenario names none: a Monday, as day 1 of a
/// fitted week is.
pub const DEFAULT_FIRST_DATE: Date = Date(19_723); // 2024-01-01

/// Writes `history.csv` and `agents.csv` of one replication's trace.
pub fn write_history(dir: &Path, sc: &Scenario, trace: &Trace) -> io::Result<()> {
    let day1 = Stamp::midnight(sc.simulation.first_date.unwrap_or(DEFAULT_FIRST_DATE));
    // SimTime 0 is day 1's midnight.
    let at = |t: SimTime| Stamp(day1.0 + t.0).to_string();
    let mut segments: Vec<_> = trace.segments.iter().collect();
    segments.sort_by_key(|s| (s.chat, s.arrival, s.segment));
    let mut w = csv_writer(&dir.join("history.csv"))?;
    w.write_record(["id", "reason", "arrival", "answered", "ended", "agent", "wrapup_end", "outcome"])
        .map_err(io::Error::other)?;
    for s in segments {
        let wrapup_end = s.accepted.map(|_| at(s.ended.after_secs(s.wrapup)));
        w.write_record([
            s.chat.to_string(),
            // The queue the segment joined: the reason the customer chose,
            // then the skill a transfer or a follow-up went to.
            match s.kind {
                SegmentKind::New => sc.reasons[s.reason].name.clone(),
                _ => sc.skills[s.skill].clone(),
            },
            at(s.arrival),
            s.accepted.map(at).unwrap_or_default(),
            at(s.ended),
            s.agent.map(agent_name).unwrap_or_default(),
            wrapup_end.unwrap_or_default(),
            s.outcome.as_str().to_string(),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()?;
    // Spans: available from login until the agent starts leaving, then
    // `leaving` until logout (it finishes its chats but takes no offers).
    let mut w = csv_writer(&dir.join("agents.csv"))?;
    w.write_record(["agent", "start", "end", "state"]).map_err(io::Error::other)?;
    let mut open: std::collections::BTreeMap<u32, (SimTime, &str)> = Default::default();
    for e in &trace.events {
        let Some(agent) = e.agent else { continue };
        let state = match e.event {
            TraceEvent::Login => "",
            TraceEvent::Leave => "leaving",
            TraceEvent::Logout => {
                if let Some((from, state)) = open.remove(&agent)
                    && e.at > from
                {
                    w.write_record([agent_name(agent), at(from), at(e.at), state.to_string()])
                        .map_err(io::Error::other)?;
                }
                continue;
            }
            _ => continue,
        };
        if let Some((from, was)) = open.insert(agent, (e.at, state))
            && e.at > from
        {
            w.write_record([agent_name(agent), at(from), at(e.at), was.to_string()]).map_err(io::Error::other)?;
        }
    }
    w.flush()
}

fn agent_name(a: u32) -> String {
    format!("agent{a}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_first_date_is_a_monday() {
        let d = super::DEFAULT_FIRST_DATE;
        assert_eq!((d.to_string().as_str(), d.weekday()), ("2024-01-01", 0));
    }
}
