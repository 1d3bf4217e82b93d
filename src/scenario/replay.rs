//! The top-level `arrivals`: chats to replay exactly, given inline as a list
//! of tables or read from a CSV file (`time,reason` and optionally
//! `day,handle,auth,patience`), each checked to fall within opening hours.
//!
//! A time is seconds (or a duration, `"1h15m"`) from the start of its day,
//! a clock time (`"09:15:00"`) on its day, or a date-time
//! (`"2026-03-02 09:15:00"`, with `simulation.first_date`), which carries its
//! own day. The day is the `day` column (from 1), else day 1; without a `day`
//! column, seconds may run past the first day (day d starts d − 1 whole days
//! after the first day's start). The durations (`handle`, `auth`,
//! `patience`) are seconds or durations, as in the TOML.
//!
//! Reason names stay names here ([`Ref`]s); pass 2 (`parse`) numbers them.

use super::duration::{DURATION_HINT, fmt_clock, parse_clock, parse_duration};
use super::fields::{At, Ctx, Result, got, number};
use super::limits::{self, MAX_DURATION_SECS};
use super::parse::Ref;
use super::{ReplayArrival, ScenarioError, Simulation};
use crate::engine::{DAY_SECS, Stamp};
use toml::{Spanned, Value};

/// The columns of `arrivals.csv`, and the keys of an inline arrival.
const ARRIVAL_COLUMNS: [&str; 6] = ["time", "reason", "day", "handle", "auth", "patience"];

/// What a replayed arrival's time may be, for messages.
const TIME_HINT: &str = "seconds from the day's start like 12.5, a duration like \"1h15m\", a clock time like \
     \"09:15:00\" or a date-time like \"2026-03-02 09:15:00\"";

/// A replayed arrival's time as written, before its day is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
enum When {
    /// Seconds from the start (opening) of the row's day.
    Offset(f64),
    /// Seconds after midnight of the row's day.
    Clock(u32),
    /// A date-time: its day of the run (1-based, from `first_date`; may be
    /// out of range) and seconds after its midnight.
    Dated { day: i64, clock: f64 },
}

/// Parses a time cell (see the module docs); the message says what is expected.
fn parse_when(text: &str, sim: &Simulation) -> std::result::Result<When, String> {
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let stamp: Stamp = text.parse()?;
        let Some(first) = sim.first_date else {
            return Err(format!(
                "the date-time {text:?} needs simulation.first_date, the date of day 1; \
                 or give clock times with a day column"
            ));
        };
        return Ok(When::Dated { day: i64::from(stamp.date().0 - first.0) + 1, clock: stamp.clock_secs() });
    }
    if text.contains(':') {
        return parse_clock(text).map(When::Clock).map_err(|m| format!("{m}; {TIME_HINT}"));
    }
    seconds_or_duration(text).map(When::Offset).ok_or_else(|| format!("expected {TIME_HINT}, got {text:?}"))
}

/// A number of seconds ≥ 0 (`12.5`, `1e3`) or a duration (`"7m"`), as the TOML takes it.
fn seconds_or_duration(text: &str) -> Option<f64> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Some(x + 0.0),
        Ok(_) => None,
        Err(_) => parse_duration(text).ok(),
    }
}

/// A duration cell (`handle`, `auth`, `patience`): seconds or a duration,
/// at most the longest duration.
fn parse_duration_cell(text: &str) -> std::result::Result<f64, String> {
    checked_duration(seconds_or_duration(text), &format!("{text:?}"))
}

/// A duration's seconds (`None`: not a duration), at most the longest
/// duration; `shown` is the value as written, for messages.
fn checked_duration(secs: Option<f64>, shown: &str) -> std::result::Result<f64, String> {
    let secs = secs.ok_or_else(|| format!("expected a number of seconds >= 0 or {DURATION_HINT}, got {shown}"))?;
    if secs > MAX_DURATION_SECS {
        return Err(format!("{shown} is too long; expected at most {}", limits::fmt_secs(MAX_DURATION_SECS)));
    }
    Ok(secs)
}

/// A day cell: a whole day number from 1 to the scenario's days.
fn parse_day(text: &str, sim: &Simulation) -> std::result::Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=sim.days).contains(d))
        .ok_or_else(|| format!("expected a day number from 1 to {}, got {text:?}", sim.days))
}

/// Seconds from the first day's start of a time on its day (`day`: the
/// row's day column, if any), checked to fall within the opening hours;
/// `shown` is the time as written, for messages.
fn resolve(when: When, shown: &str, day: Option<u32>, sim: &Simulation) -> std::result::Result<f64, String> {
    let day_secs = f64::from(DAY_SECS);
    let open = f64::from(sim.end - sim.start);
    let hours = format!("{} to {}", fmt_clock(sim.start), fmt_clock(sim.end));
    let (d, into_day) = match when {
        When::Offset(x) => match day {
            None => {
                check_open(sim, x)?;
                return Ok(x);
            }
            Some(d) if x < open => (d, x),
            Some(d) => {
                return Err(format!(
                    "{x} s after day {d}'s start is outside the opening hours; expected 0 to below {open} s \
                     ({hours}), or a clock time"
                ));
            }
        },
        When::Clock(c) => {
            let d = day.unwrap_or(1);
            if c < sim.start || c >= sim.end {
                let on = if day.is_some() { format!(" of day {d}") } else { " (of day 1: no day column)".into() };
                return Err(format!("{shown}{on} is outside the opening hours; expected {hours}"));
            }
            (d, f64::from(c - sim.start))
        }
        When::Dated { day: dated, clock } => {
            let first = sim.first_date.map(|d| d.to_string()).unwrap_or_default();
            if !(1..=i64::from(sim.days)).contains(&dated) {
                return Err(format!(
                    "{shown} is day {dated} of the run (day 1 is simulation.first_date {first}); expected days 1 to {}",
                    sim.days
                ));
            }
            let dated = dated as u32;
            if let Some(d) = day.filter(|&d| d != dated) {
                return Err(format!("{shown} is day {dated} of the run, but the day column says {d}"));
            }
            if clock < f64::from(sim.start) || clock >= f64::from(sim.end) {
                return Err(format!("{shown} is outside the opening hours; expected {hours}"));
            }
            (dated, clock - f64::from(sim.start))
        }
    };
    Ok(f64::from(d - 1) * day_secs + into_day)
}

impl Ctx<'_> {
    /// The top-level `arrivals`: a CSV file name or an inline array of tables.
    /// Reasons are resolved in pass 2 (`reason` is left 0).
    pub(super) fn arrivals(&self, v: &Spanned<Value>, sim: &Simulation) -> Result<Vec<(ReplayArrival, Ref)>> {
        match v.get_ref() {
            Value::String(file) => self.arrivals_csv(v, file, sim),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.inline_arrival(&format!("arrivals[{i}]"), v, item, sim))
                .collect(),
            other => Err(self.err(
                "arrivals",
                v,
                format!(
                    "expected a CSV file name like \"arrivals.csv\" or a list like [{{ time = 12.5, reason = \"billing\" }}], got {}",
                    got(other)
                ),
            )),
        }
    }

    fn inline_arrival(
        &self,
        key: &str,
        list: &Spanned<Value>,
        item: &Value,
        sim: &Simulation,
    ) -> Result<(ReplayArrival, Ref)> {
        let at = |field: &str| self.at(&format!("{key}.{field}"), Some(list.span()));
        let Value::Table(t) = item else {
            return Err(self
                .at(key, Some(list.span()))
                .err(format!("expected a table like {{ time = 12.5, reason = \"billing\" }}, got {}", got(item))));
        };
        if let Some(unknown) = t.keys().find(|k| !ARRIVAL_COLUMNS.contains(&k.as_str())) {
            return Err(at(unknown).err(format!("unknown key; expected {}", ARRIVAL_COLUMNS.join(", "))));
        }
        let duration = |field: &str| -> Result<Option<f64>> {
            let Some(v) = t.get(field) else {
                return Ok(None);
            };
            let secs = match v {
                Value::String(s) => seconds_or_duration(s),
                other => number(other).filter(|x| x.is_finite() && *x >= 0.0).map(|x| x + 0.0),
            };
            checked_duration(secs, &got(v)).map(Some).map_err(|m| at(field).err(m))
        };
        let day = match t.get("day") {
            None => None,
            Some(Value::Integer(d)) => Some(parse_day(&d.to_string(), sim).map_err(|m| at("day").err(m))?),
            Some(other) => {
                return Err(at("day").err(format!("expected a day number from 1 to {}, got {}", sim.days, got(other))));
            }
        };
        let when = match t.get("time") {
            None => return Err(at("time").err(format!("missing; expected {TIME_HINT}"))),
            Some(v @ Value::Integer(_) | v @ Value::Float(_)) => number(v)
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(|x| When::Offset(x + 0.0))
                .ok_or_else(|| at("time").err(format!("expected {TIME_HINT}, got {}", got(v))))?,
            // A TOML date-time or local time (`time = 09:15:00`) reads as its text.
            Some(Value::String(s)) => parse_when(s, sim).map_err(|m| at("time").err(m))?,
            Some(Value::Datetime(d)) => parse_when(&d.to_string(), sim).map_err(|m| at("time").err(m))?,
            Some(other) => return Err(at("time").err(format!("expected {TIME_HINT}, got {}", got(other)))),
        };
        let shown = t.get("time").map(got).unwrap_or_default();
        let time = resolve(when, &shown, day, sim).map_err(|m| at("time").err(m))?;
        let reason = match t.get("reason") {
            Some(Value::String(s)) => Ref { name: s.clone(), at: at("reason") },
            Some(other) => {
                return Err(at("reason").err(format!("expected a reason name, got {}", got(other))));
            }
            None => return Err(at("reason").err("missing; expected a reason name")),
        };
        let arrival = ReplayArrival {
            time,
            reason: 0,
            handle: duration("handle")?,
            auth: duration("auth")?,
            patience: duration("patience")?,
        };
        Ok((arrival, reason))
    }

    fn arrivals_csv(&self, v: &Spanned<Value>, file: &str, sim: &Simulation) -> Result<Vec<(ReplayArrival, Ref)>> {
        let path = self.base_dir.join(file);
        let at = |key: &str, line: u64, column: usize| At::cell(&path, key, line, column);
        let csv_err = |e: csv::Error| {
            let line = e.position().map_or(0, |p| p.line());
            ScenarioError {
                file: path.clone(),
                key: String::new(),
                message: e.to_string(),
                location: (line > 0).then_some((line as usize, 1)),
            }
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(&path)
            .map_err(|e| self.err("arrivals", v, format!("cannot read {}: {e}", path.display())))?;
        let header = reader.headers().map_err(csv_err)?.clone();
        let mut columns = [None; ARRIVAL_COLUMNS.len()];
        for (i, name) in header.iter().enumerate() {
            match ARRIVAL_COLUMNS.iter().position(|c| *c == name) {
                Some(c) if columns[c].is_none() => columns[c] = Some(i),
                Some(_) => return Err(at(name, 1, i + 1).err("duplicate column")),
                None => {
                    return Err(at(name, 1, i + 1).err(format!(
                        "unknown column; expected a header line with time,reason and optionally {}",
                        ARRIVAL_COLUMNS[2..].join(",")
                    )));
                }
            }
        }
        let [Some(time_col), Some(reason_col), day_col, handle_col, auth_col, patience_col] = columns else {
            return Err(at("", 1, 1).err(format!(
                "expected a header line with columns time,reason and optionally {}, got {:?}",
                ARRIVAL_COLUMNS[2..].join(","),
                header.iter().collect::<Vec<_>>().join(",")
            )));
        };
        let mut out = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = |col: usize| record.get(col).unwrap_or("");
            let cell_at = |col: usize| at(&header[col], line, col + 1);
            let duration = |col: Option<usize>| -> Result<Option<f64>> {
                match col {
                    Some(col) if !cell(col).is_empty() => {
                        parse_duration_cell(cell(col)).map(Some).map_err(|m| cell_at(col).err(m))
                    }
                    _ => Ok(None),
                }
            };
            let day = match day_col {
                Some(col) if !cell(col).is_empty() => Some(parse_day(cell(col), sim).map_err(|m| cell_at(col).err(m))?),
                _ => None,
            };
            let text = cell(time_col);
            if text.is_empty() {
                return Err(cell_at(time_col).err(format!("missing; expected {TIME_HINT}")));
            }
            let time = parse_when(text, sim)
                .and_then(|when| resolve(when, &format!("{text:?}"), day, sim))
                .map_err(|m| cell_at(time_col).err(m))?;
            let name = cell(reason_col).to_string();
            let arrival = ReplayArrival {
                time,
                reason: 0,
                handle: duration(handle_col)?,
                auth: duration(auth_col)?,
                patience: duration(patience_col)?,
            };
            out.push((arrival, Ref { name, at: at("reason", line, reason_col + 1) }));
        }
        Ok(out)
    }
}

/// Checks that a replayed arrival falls within the opening hours of one of the days.
fn check_open(sim: &Simulation, time: f64) -> std::result::Result<(), String> {
    let day_secs = f64::from(DAY_SECS);
    let day = (time / day_secs).floor();
    let into_day = time - day * day_secs;
    if day < f64::from(sim.days) && into_day < f64::from(sim.end - sim.start) {
        return Ok(());
    }
    Err(format!(
        "{time} s is outside the opening hours; expected (d − 1) × 86400 plus 0 to below {} s ({} to {}) for a \
         day d from 1 to {}: seconds count from the first day's start without a day column",
        sim.end - sim.start,
        fmt_clock(sim.start),
        fmt_clock(sim.end),
        sim.days
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Date;

    /// Two days open 08:00–20:00, day 1 on Monday 2026-03-02 (or no date).
    fn sim(first_date: Option<&str>) -> Simulation {
        Simulation {
            start: 8 * 3600,
            end: 20 * 3600,
            days: 2,
            interval: 1800,
            warmup: 0.0,
            replications: 1,
            seed: 1,
            first_date: first_date.map(|d| Date::parse(d).unwrap()),
        }
    }

    /// The time cell `text` on day `day`, resolved.
    fn time(text: &str, day: Option<u32>, sim: &Simulation) -> std::result::Result<f64, String> {
        parse_when(text, sim).and_then(|w| resolve(w, text, day, sim))
    }

    #[test]
    fn every_form_of_a_time_gives_seconds_from_the_first_days_start() {
        let dated = sim(Some("2026-03-02"));
        let next_day = 86400.0;
        for (text, day, want) in [
            ("4500", None, 4500.0),
            ("4500.25", None, 4500.25),
            ("1h15m", None, 4500.0),
            ("1h15m", Some(2), next_day + 4500.0),
            ("4500", Some(1), 4500.0),
            ("09:15", None, 4500.0),
            ("09:15:00", None, 4500.0),
            ("9:15:30", Some(2), next_day + 4530.0),
            ("2026-03-02 09:15:00", None, 4500.0),
            ("2026-03-03T09:15:00.5", None, next_day + 4500.5),
            ("2026-03-03 09:15:00", Some(2), next_day + 4500.0),
            ("2026-03-02T08:00:00+01:00", None, 0.0),
            // Without a day column, seconds count on from the first day's start.
            ("90000", None, 90000.0),
        ] {
            assert_eq!(time(text, day, &dated), Ok(want), "{text} on day {day:?}");
        }
    }

    #[test]
    fn times_that_cannot_be_are_refused_saying_why() {
        let dated = sim(Some("2026-03-02"));
        for (text, day, says) in [
            ("-2", None, "expected seconds from the day's start like 12.5, a duration like \"1h15m\", a clock time"),
            ("7x", None, "got \"7x\""),
            ("nan", None, "expected seconds"),
            ("07:59", None, "07:59 (of day 1: no day column) is outside the opening hours; expected 08:00 to 20:00"),
            ("20:00", Some(2), "20:00 of day 2 is outside the opening hours"),
            ("25:00", None, "expected a clock time like \"08:00\""),
            ("50000", Some(1), "50000 s after day 1's start is outside the opening hours; expected 0 to below 43200 s"),
            ("50000", None, "50000 s is outside the opening hours"),
            ("2026-03-04 09:00:00", None, "is day 3 of the run (day 1 is simulation.first_date 2026-03-02)"),
            ("2026-03-01 09:00:00", None, "is day 0 of the run"),
            ("2026-03-03 09:00:00", Some(1), "is day 2 of the run, but the day column says 1"),
            ("2026-03-02 21:00:00", None, "2026-03-02 21:00:00 is outside the opening hours"),
            ("2026-02-30 09:00:00", None, "no such date"),
            ("2026-03-02 9:00", None, "expected an ISO 8601 date-time"),
        ] {
            let e = time(text, day, &dated).unwrap_err();
            assert!(e.contains(says), "{text} on day {day:?}: {e}");
        }
        let e = time("2026-03-02 09:00:00", None, &sim(None)).unwrap_err();
        assert!(e.contains("needs simulation.first_date"), "{e}");
    }

    #[test]
    fn durations_are_seconds_or_durations_as_in_the_toml() {
        for (text, want) in [("420", 420.0), ("7m", 420.0), ("1h30m", 5400.0), ("12.5s", 12.5), ("1e3", 1000.0)] {
            assert_eq!(parse_duration_cell(text), Ok(want), "{text}");
        }
        for (text, says) in [
            ("7 minutes", "expected a number of seconds >= 0 or a duration like \"45s\""),
            ("-7m", "got \"-7m\""),
            ("1e300", "\"1e300\" is too long; expected at most 10000000 s"),
            ("200000h", "is too long"),
        ] {
            let e = parse_duration_cell(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
        assert_eq!(parse_day("2", &sim(None)), Ok(2));
        for bad in ["0", "3", "1.5", "x", "-1"] {
            assert!(parse_day(bad, &sim(None)).unwrap_err().contains("expected a day number from 1 to 2"), "{bad}");
        }
    }
}
