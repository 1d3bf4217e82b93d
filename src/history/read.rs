//! Reading `history.csv` and `agents.csv` (the formats of the README's
//! "History files"): columns found by name (renamed with `--map`), every row
//! checked, and bad rows either an error naming file, line and column or,
//! with `skip_bad_rows`, counted per reason.

use super::{AgentSpan, Agents, Contact, History, Segment, Skipped};
use crate::engine::calendar::EXPECTED;
use crate::engine::{Date, Stamp};
use crate::model::Outcome;
use crate::scenario::ScenarioError;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The columns of `history.csv`: the required ones first.
pub const HISTORY_COLUMNS: [&str; 8] =
    ["id", "reason", "arrival", "answered", "ended", "agent", "wrapup_end", "outcome"];
const REQUIRED: usize = 5;

/// The columns of `agents.csv`.
pub const AGENT_COLUMNS: [&str; 4] = ["agent", "start", "end", "state"];

/// How to read a history.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// (ccsim's column, the export's header): `--map arrival="Contact Start"`.
    pub map: Vec<(String, String)>,
    /// Count rows that cannot be used instead of failing on the first.
    pub skip_bad_rows: bool,
    /// Keep only contacts whose first segment arrives on or after this date…
    pub from: Option<Date>,
    /// …and on or before this one.
    pub to: Option<Date>,
}

type Result<T> = std::result::Result<T, ScenarioError>;

fn cell_error(file: &Path, column: &str, line: u64, col: usize, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        file: file.to_path_buf(),
        key: column.to_string(),
        message: message.into(),
        location: Some((line as usize, col + 1)),
    }
}

/// Checks `--map`: each renames a column of `history.csv` or `agents.csv`.
pub fn check_map(map: &[(String, String)]) -> std::result::Result<(), String> {
    for (ours, theirs) in map {
        if !HISTORY_COLUMNS.contains(&ours.as_str()) && !AGENT_COLUMNS.contains(&ours.as_str()) {
            return Err(format!(
                "--map {ours}={theirs:?}: {ours:?} is not a column; expected one of {} (history.csv) or {} (agents.csv)",
                HISTORY_COLUMNS.join(", "),
                AGENT_COLUMNS.join(", ")
            ));
        }
    }
    Ok(())
}

/// For each of ccsim's `columns`, the export's header name (`--map`
/// entries for other files' columns do not apply).
fn header_names(columns: &[&'static str], map: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    for (ours, theirs) in map {
        if let Some(i) = columns.iter().position(|c| c == ours) {
            names[i] = theirs.clone();
        }
    }
    names
}

/// Opens a CSV file and finds each of `columns` in its header (by the
/// name `--map` gives it); the first `required` must be there.
fn open(
    path: &Path,
    columns: &[&'static str],
    required: usize,
    map: &[(String, String)],
) -> Result<(csv::Reader<std::fs::File>, Vec<Option<usize>>)> {
    let whole = |message: String| ScenarioError::new(path, "", message);
    check_map(map).map_err(whole)?;
    let names = header_names(columns, map);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_path(path)
        .map_err(|e| whole(format!("cannot read the file: {e}")))?;
    let header = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    if header.is_empty() || header.iter().all(str::is_empty) {
        return Err(whole(format!("the file is empty; expected a header line with {}", columns[..required].join(","))));
    }
    let mut at = Vec::with_capacity(columns.len());
    for (i, name) in names.iter().enumerate() {
        let found: Vec<usize> = header.iter().enumerate().filter(|(_, h)| h == name).map(|(j, _)| j).collect();
        match found[..] {
            [] if i < required => {
                let renamed =
                    if name != columns[i] { format!(" (mapped from {:?})", columns[i]) } else { String::new() };
                return Err(cell_error(
                    path,
                    columns[i],
                    1,
                    0,
                    format!(
                        "missing column {name:?}{renamed}; the header has {:?}; \
                         rename an export's column with --map {}=\"Its Name\"",
                        header.iter().collect::<Vec<_>>().join(","),
                        columns[i]
                    ),
                ));
            }
            [] => at.push(None),
            [j] => at.push(Some(j)),
            [_, j, ..] => return Err(cell_error(path, name, 1, j, "duplicate column")),
        }
    }
    Ok((reader, at))
}

fn csv_error(path: &Path, e: csv::Error) -> ScenarioError {
    let line = e.position().map_or(0, |p| p.line());
    ScenarioError {
        file: path.to_path_buf(),
        key: String::new(),
        message: e.to_string(),
        location: (line > 0).then_some((line as usize, 1)),
    }
}

/// Interns names, numbering them in the order first seen.
#[derive(Default)]
struct Names {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.index.insert(name.to_string(), i);
        self.names.push(name.to_string());
        i
    }
}

/// One row of `history.csv`, checked on its own.
struct Row {
    id: String,
    reason: String,
    segment: Segment,
}

/// A row that cannot be used: which reason it names (if readable) and why.
struct BadRow {
    reason: String,
    error: ScenarioError,
}

/// Reads `history.csv`. Contacts whose first segment falls outside the
/// period are left out; a history with no contact left is an error.
pub fn read_history(path: &Path, options: &ReadOptions) -> Result<History> {
    let (mut reader, at) = open(path, &HISTORY_COLUMNS, REQUIRED, &options.map)?;
    let names = header_names(&HISTORY_COLUMNS, &options.map);
    let mut reasons = Names::default();
    let mut agents = Names::default();
    let mut ids = Names::default();
    let mut segments: Vec<(u32, Segment)> = Vec::new();
    let mut first_line: Vec<u64> = Vec::new();
    let mut skipped: BTreeMap<String, Skipped> = BTreeMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        match parse_row(path, &record, line, &at, &names) {
            Ok(row) => {
                let contact = ids.id(&row.id);
                if contact as usize == first_line.len() {
                    first_line.push(line);
                }
                let mut segment = row.segment;
                segment.reason = reasons.id(&row.reason);
                if let Some(name) = record.get(at[5].unwrap_or(usize::MAX)).filter(|a| !a.is_empty()) {
                    segment.agent = Some(agents.id(name));
                }
                segments.push((contact, segment));
            }
            Err(bad) if options.skip_bad_rows => {
                let entry = skipped.entry(bad.reason).or_default();
                entry.rows += 1;
                if entry.first.is_none() {
                    entry.first = Some(bad.error.to_string());
                }
            }
            Err(bad) => return Err(bad.error),
        }
    }
    if segments.is_empty() && skipped.is_empty() {
        return Err(ScenarioError::new(
            path,
            "",
            "the file has a header but no rows; expected one row per contact segment",
        ));
    }
    // Segments of one contact in arrival order; contacts by first arrival.
    segments.sort_by_key(|(contact, s)| (*contact, s.arrival));
    for pair in segments.windows(2) {
        let ((c0, s0), (c1, s1)) = (&pair[0], &pair[1]);
        if c0 == c1 && s0.arrival == s1.arrival {
            let (l0, l1) = (s0.line.min(s1.line), s0.line.max(s1.line));
            return Err(cell_error(
                path,
                &names[2],
                l1,
                at[2].unwrap_or(0),
                format!(
                    "contact {:?} has two segments arriving at {} (lines {l0} and {l1}); \
                     expected each segment of a contact once",
                    ids.names[*c0 as usize], s0.arrival
                ),
            ));
        }
    }
    let mut contacts = Vec::new();
    let mut kept = Vec::with_capacity(segments.len());
    let mut start = 0;
    while start < segments.len() {
        let id = segments[start].0;
        let end = start + segments[start..].iter().take_while(|(c, _)| *c == id).count();
        let date = segments[start].1.arrival.date();
        if options.from.is_none_or(|f| date >= f) && options.to.is_none_or(|t| date <= t) {
            let first = kept.len();
            kept.extend(segments[start..end].iter().map(|(_, s)| s.clone()));
            contacts.push(Contact { id: ids.names[id as usize].clone(), segments: first..kept.len() });
        }
        start = end;
    }
    if contacts.is_empty() {
        let period = match (options.from, options.to) {
            (None, None) => "no usable row".to_string(),
            (f, t) => format!(
                "no contact in the period {} to {}",
                f.map_or("the start".into(), |d| d.to_string()),
                t.map_or("the end".into(), |d| d.to_string())
            ),
        };
        return Err(ScenarioError::new(path, "", format!("{period}; expected at least one contact to learn from")));
    }
    contacts.sort_by_key(|c| (kept[c.segments.start].arrival, c.segments.start));
    Ok(History {
        file: path.to_path_buf(),
        reasons: reasons.names,
        agents: agents.names,
        contacts,
        segments: kept,
        has_agent: at[5].is_some(),
        has_wrapup: at[6].is_some(),
        has_outcome: at[7].is_some(),
        skipped: skipped.into_iter().collect(),
    })
}

/// Checks one row: times parse and are in order, the outcome is known and
/// agrees with whether the segment was answered.
fn parse_row(
    path: &Path,
    record: &csv::StringRecord,
    line: u64,
    at: &[Option<usize>],
    names: &[String],
) -> std::result::Result<Row, BadRow> {
    let reason = at[1].and_then(|c| record.get(c)).unwrap_or("").to_string();
    let bad = |i: usize, message: String| BadRow {
        reason: if reason.is_empty() { "(no reason)".to_string() } else { reason.clone() },
        error: cell_error(path, &names[i], line, at[i].unwrap_or(0), message),
    };
    let cell = |i: usize| at[i].and_then(|c| record.get(c)).unwrap_or("");
    let stamp = |i: usize| -> std::result::Result<Option<Stamp>, BadRow> {
        match cell(i) {
            "" => Ok(None),
            text => text.parse::<Stamp>().map(Some).map_err(|e| bad(i, e)),
        }
    };
    let required = |i: usize, what: &str| -> std::result::Result<Stamp, BadRow> {
        stamp(i)?.ok_or_else(|| bad(i, format!("missing; expected {what}: {EXPECTED}")))
    };
    let id = cell(0);
    if id.is_empty() {
        return Err(bad(0, "missing; expected the contact's id".into()));
    }
    if reason.is_empty() {
        return Err(bad(1, "missing; expected the reason the customer chose".into()));
    }
    let arrival = required(2, "when the segment entered the queue")?;
    let answered = stamp(3)?;
    let ended = required(4, "when the conversation ended or the customer left the queue")?;
    if ended < arrival {
        return Err(bad(4, format!("{ended} is before the arrival {arrival}; expected ended >= arrival")));
    }
    if let Some(a) = answered
        && !(arrival..=ended).contains(&a)
    {
        return Err(bad(
            3,
            format!("{a} is outside [arrival {arrival}, ended {ended}]; expected an answer in between"),
        ));
    }
    let wrapup_end = stamp(6)?;
    if let Some(w) = wrapup_end {
        if answered.is_none() {
            return Err(bad(6, format!("{w} for a segment never answered; expected it empty")));
        }
        if w < ended {
            return Err(bad(6, format!("{w} is before the end {ended}; expected wrapup_end >= ended")));
        }
    }
    let outcome = match cell(7) {
        "" if answered.is_some() => Outcome::Resolved,
        "" => Outcome::Abandoned,
        text => Outcome::parse(text).ok_or_else(|| {
            bad(
                7,
                format!(
                    "unknown outcome {text:?}; expected one of resolved, abandoned, transferred, \
                     inactive_disconnect, auth_failed, unserved, blocked"
                ),
            )
        })?,
    };
    if outcome.answered() != answered.is_some() {
        let message = if answered.is_some() {
            format!(
                "{:?} for an answered segment; expected resolved, transferred, inactive_disconnect or auth_failed",
                outcome.as_str()
            )
        } else {
            format!(
                "{:?} for a segment never answered; expected abandoned, unserved or blocked (or fill in answered)",
                outcome.as_str()
            )
        };
        return Err(bad(7, message));
    }
    Ok(Row {
        id: id.to_string(),
        reason: reason.clone(),
        segment: Segment { line, reason: 0, arrival, answered, ended, agent: None, wrapup_end, outcome },
    })
}

/// Reads `agents.csv`: spans when each agent was logged in. A span whose
/// `state` is empty or `available` can take contacts; any other state (a
/// break, training) is logged in but not available.
pub fn read_agents(path: &Path, map: &[(String, String)]) -> Result<Agents> {
    let (mut reader, at) = open(path, &AGENT_COLUMNS, 3, map)?;
    let names = header_names(&AGENT_COLUMNS, map);
    let mut agents = Names::default();
    let mut spans = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| csv_error(path, e))? {
        let line = record.position().map_or(0, |p| p.line());
        let err = |i: usize, message: String| cell_error(path, &names[i], line, at[i].unwrap_or(0), message);
        let cell = |i: usize| at[i].and_then(|c| record.get(c)).unwrap_or("");
        let agent = cell(0);
        if agent.is_empty() {
            return Err(err(0, "missing; expected the agent's name".into()));
        }
        let stamp = |i: usize| cell(i).parse::<Stamp>().map_err(|e| err(i, e));
        let (start, end) = (stamp(1)?, stamp(2)?);
        if end <= start {
            return Err(err(2, format!("{end} is not after the start {start}; expected end > start")));
        }
        let available = matches!(cell(3), "" | "available");
        spans.push(AgentSpan { agent: agents.id(agent), start, end, available });
    }
    if spans.is_empty() {
        return Err(ScenarioError::new(path, "", "no rows; expected one row per span an agent was logged in"));
    }
    Ok(Agents { file: path.to_path_buf(), names: agents.names, spans })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn read(text: &str) -> Result<History> {
        let (_dir, path) = write(text);
        read_history(&path, &ReadOptions::default())
    }

    fn error(text: &str) -> String {
        read(text).unwrap_err().to_string()
    }

    const GOOD: &str = "\
id,reason,arrival,answered,ended,agent,wrapup_end,outcome
7,billing,2026-03-02T09:00:00,2026-03-02T09:00:30,2026-03-02T09:05:00,ann,2026-03-02T09:05:40,transferred
8,tech,2026-03-02 09:01:00,,2026-03-02 09:03:00,,,abandoned
7,tech,2026-03-02T09:05:10,2026-03-02T09:06:00,2026-03-02T09:10:00,bob,2026-03-02T09:10:20,resolved
9,billing,2026-03-03T10:00:00.5,2026-03-03T10:00:00.5,2026-03-03T10:02:00,ann,,
";

    #[test]
    fn reads_contacts_in_arrival_order_with_their_segments() {
        let h = read(GOOD).unwrap();
        assert_eq!(h.reasons, ["billing", "tech"]);
        assert_eq!(h.agents, ["ann", "bob"]);
        assert!(h.has_agent && h.has_wrapup && h.has_outcome);
        let ids: Vec<&str> = h.contacts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["7", "8", "9"]);
        let seven = h.of(&h.contacts[0]);
        assert_eq!(seven.len(), 2);
        assert_eq!(seven[0].outcome, Outcome::Transferred);
        assert_eq!((seven[0].wait(), seven[0].talk(), seven[0].wrapup()), (30.0, Some(270.0), Some(40.0)));
        assert_eq!((seven[1].reason, seven[1].agent, seven[1].line), (1, Some(1), 4));
        let eight = &h.of(&h.contacts[1])[0];
        assert_eq!((eight.outcome, eight.wait(), eight.agent), (Outcome::Abandoned, 120.0, None));
        let nine = &h.of(&h.contacts[2])[0];
        assert_eq!((nine.outcome, nine.wait(), nine.wrapup()), (Outcome::Resolved, 0.0, None));
        assert_eq!(h.dates().len(), 2);
    }

    #[test]
    fn optional_columns_may_be_absent_and_columns_in_any_order() {
        let h = read("ended,arrival,reason,id,answered\n2026-03-02T09:05:00,2026-03-02T09:00:00,billing,1,\n").unwrap();
        assert!(!h.has_agent && !h.has_wrapup && !h.has_outcome);
        assert_eq!(h.segments[0].outcome, Outcome::Abandoned);
    }

    #[test]
    fn map_renames_an_exports_columns() {
        let (_dir, path) = write(
            "Contact ID,Queue,Contact Start,Answered,End,Extra\n1,billing,2026-03-02T09:00:00,,2026-03-02T09:01:00,x\n",
        );
        let map =
            |pairs: &[(&str, &str)]| pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        let options = ReadOptions {
            map: map(&[
                ("id", "Contact ID"),
                ("reason", "Queue"),
                ("arrival", "Contact Start"),
                ("answered", "Answered"),
                ("ended", "End"),
            ]),
            ..Default::default()
        };
        assert_eq!(read_history(&path, &options).unwrap().segments.len(), 1);
        let wrong = ReadOptions { map: map(&[("begin", "Contact Start")]), ..Default::default() };
        let e = read_history(&path, &wrong).unwrap_err().to_string();
        assert!(e.contains("\"begin\" is not a column"), "{e}");
        let partial = ReadOptions { map: map(&[("id", "Contact ID")]), ..Default::default() };
        let e = read_history(&path, &partial).unwrap_err().to_string();
        assert!(e.contains(":1:1: reason: missing column \"reason\"") && e.contains("--map reason="), "{e}");
    }

    #[test]
    fn every_bad_row_names_line_column_and_what_is_expected() {
        let header = "id,reason,arrival,answered,ended,outcome\n";
        let cases = [
            ("1,b,2026-03-02T09:00:00,,2026-03-02T08:59:00,", ":2:5: ended:", "expected ended >= arrival"),
            ("1,b,2026-03-02T09:00:00,2026-03-02T09:02:00,2026-03-02T09:01:00,", ":2:4: answered:", "outside [arrival"),
            ("1,b,2026-03-02T09:00:00,2026-03-02T08:00:00,2026-03-02T09:01:00,", ":2:4: answered:", "outside [arrival"),
            ("1,b,2026-03-02 9:00,,2026-03-02T09:01:00,", ":2:3: arrival:", "expected an ISO 8601 date-time"),
            ("1,b,2026-02-30T09:00:00,,2026-03-02T09:01:00,", ":2:3: arrival:", "no such date"),
            ("1,b,,,2026-03-02T09:01:00,", ":2:3: arrival: missing", "expected when the segment entered"),
            (",b,2026-03-02T09:00:00,,2026-03-02T09:01:00,", ":2:1: id: missing", "contact's id"),
            ("1,,2026-03-02T09:00:00,,2026-03-02T09:01:00,", ":2:2: reason: missing", "reason the customer chose"),
            ("1,b,2026-03-02T09:00:00,,2026-03-02T09:01:00,hung_up", ":2:6: outcome:", "unknown outcome \"hung_up\""),
            ("1,b,2026-03-02T09:00:00,,2026-03-02T09:01:00,resolved", ":2:6: outcome:", "never answered"),
            (
                "1,b,2026-03-02T09:00:00,2026-03-02T09:00:00,2026-03-02T09:01:00,abandoned",
                ":2:6: outcome:",
                "answered segment",
            ),
            ("1,b,2026-03-02T09:00:00,,2026-03-02T09:01:00", ":2:1:", "found record with 5 fields"),
        ];
        for (row, place, expected) in cases {
            let e = error(&format!("{header}{row}\n"));
            assert!(e.contains("history.csv") && e.contains(place) && e.contains(expected), "{row}\n  gave: {e}");
        }
    }

    #[test]
    fn whole_file_errors() {
        assert!(error("").contains("the file is empty"));
        assert!(error("id,reason,arrival,answered,ended\n").contains("no rows"));
        let e = error("id,reason,arrival,ended\n");
        assert!(e.contains(":1:1: answered: missing column \"answered\""), "{e}");
        let e = error("id,reason,arrival,answered,ended,id\n");
        assert!(e.contains(":1:6: id: duplicate column"), "{e}");
        let twice = "id,reason,arrival,answered,ended\n\
                     1,b,2026-03-02T09:00:00,,2026-03-02T09:01:00\n\
                     2,b,2026-03-02T09:00:00,,2026-03-02T09:01:00\n\
                     1,b,2026-03-02T09:00:00,,2026-03-02T09:02:00\n";
        let e = error(twice);
        assert!(e.contains(":4:3: arrival: contact \"1\" has two segments") && e.contains("lines 2 and 4"), "{e}");
    }

    #[test]
    fn the_period_keeps_whole_contacts_by_their_first_arrival() {
        let (_dir, path) = write(GOOD);
        let day = |s: &str| Some(Date::parse(s).unwrap());
        let march2 = ReadOptions { from: day("2026-03-02"), to: day("2026-03-02"), ..Default::default() };
        let h = read_history(&path, &march2).unwrap();
        assert_eq!((h.contacts.len(), h.segments.len()), (2, 3));
        let march3 = ReadOptions { from: day("2026-03-03"), ..Default::default() };
        assert_eq!(read_history(&path, &march3).unwrap().contacts.len(), 1);
        let none = ReadOptions { from: day("2026-04-01"), ..Default::default() };
        let e = read_history(&path, &none).unwrap_err().to_string();
        assert!(e.contains("no contact in the period 2026-04-01 to the end"), "{e}");
    }

    #[test]
    fn skip_bad_rows_counts_them_per_reason() {
        let text = format!(
            "{GOOD}10,tech,2026-03-02T09:00:00,,2026-03-02T08:00:00,,,abandoned\n\
             11,tech,yesterday,,2026-03-02T08:00:00,,,abandoned\n12,,2026-03-02T09:00:00,,2026-03-02T09:01:00,,,\n"
        );
        let (_dir, path) = write(&text);
        assert!(read_history(&path, &ReadOptions::default()).is_err());
        let h = read_history(&path, &ReadOptions { skip_bad_rows: true, ..Default::default() }).unwrap();
        assert_eq!(h.contacts.len(), 3);
        let counts: Vec<(&str, u64)> = h.skipped.iter().map(|(r, s)| (r.as_str(), s.rows)).collect();
        assert_eq!(counts, [("(no reason)", 1), ("tech", 2)]);
        assert!(h.skipped[1].1.first.as_ref().unwrap().contains(":6:5: ended:"));
    }

    #[test]
    fn agents_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agents.csv");
        std::fs::write(&path, "agent,start,end,state\nann,2026-03-02T08:00:00,2026-03-02T12:00:00,\nann,2026-03-02T10:00:00,2026-03-02T10:15:00,break\n").unwrap();
        let a = read_agents(&path, &[]).unwrap();
        assert_eq!(a.names, ["ann"]);
        assert_eq!(a.spans.iter().map(|s| s.available).collect::<Vec<_>>(), [true, false]);
        std::fs::write(&path, "agent,start,end\nann,2026-03-02T08:00:00,2026-03-02T08:00:00\n").unwrap();
        let e = read_agents(&path, &[]).unwrap_err().to_string();
        assert!(e.contains(":2:3: end:") && e.contains("expected end > start"), "{e}");
    }
}
