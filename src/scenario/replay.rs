//! The top-level `arrivals`: chats to replay exactly, given inline as a list
//! of tables or read from a CSV file (`time,reason` and optionally
//! `handle,auth,patience`), each checked to fall within opening hours.
//!
//! Reason names stay names here ([`Ref`]s); pass 2 (`parse`) numbers them.

use super::duration::{fmt_clock, parse_duration};
use super::fields::{At, Ctx, Result, got, number};
use super::limits::{self, MAX_DURATION_SECS};
use super::parse::Ref;
use super::{ReplayArrival, ScenarioError, Simulation};
use crate::engine::DAY_SECS;
use toml::{Spanned, Value};

/// The columns of `arrivals.csv`, and the keys of an inline arrival.
const ARRIVAL_COLUMNS: [&str; 5] = ["time", "reason", "handle", "auth", "patience"];

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
        let seconds = |field: &str| -> Result<Option<f64>> {
            let Some(v) = t.get(field) else {
                return Ok(None);
            };
            let parsed = match v {
                Value::String(s) => parse_duration(s).ok(),
                other => number(other).filter(|x| x.is_finite() && *x >= 0.0).map(|x| x + 0.0),
            };
            let secs =
                parsed.ok_or_else(|| at(field).err(format!("expected a number of seconds >= 0, got {}", got(v))))?;
            if field != "time" && secs > MAX_DURATION_SECS {
                return Err(at(field).err(format!(
                    "{} is too long; expected at most {}",
                    got(v),
                    limits::fmt_secs(MAX_DURATION_SECS)
                )));
            }
            Ok(Some(secs))
        };
        let time =
            seconds("time")?.ok_or_else(|| at("time").err("missing; expected seconds from the first day's start"))?;
        check_open(sim, time).map_err(|m| at("time").err(m))?;
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
            handle: seconds("handle")?,
            auth: seconds("auth")?,
            patience: seconds("patience")?,
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
        let [Some(time_col), Some(reason_col), handle_col, auth_col, patience_col] = columns else {
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
            let seconds =
                |col: usize| -> Result<Option<f64>> {
                    let cell = record.get(col).unwrap_or("");
                    if cell.is_empty() {
                        return Ok(None);
                    }
                    match cell.parse::<f64>() {
                        Ok(x) if x > MAX_DURATION_SECS && col != time_col => Err(at(&header[col], line, col + 1).err(
                            format!("{cell} s is too long; expected at most {}", limits::fmt_secs(MAX_DURATION_SECS)),
                        )),
                        Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x + 0.0)),
                        _ => Err(at(&header[col], line, col + 1)
                            .err(format!("expected a number of seconds >= 0, got {cell:?}"))),
                    }
                };
            let time = seconds(time_col)?.ok_or_else(|| {
                at("time", line, time_col + 1).err("missing; expected seconds from the first day's start")
            })?;
            check_open(sim, time).map_err(|m| at("time", line, time_col + 1).err(m))?;
            let name = record.get(reason_col).unwrap_or("").to_string();
            let optional = |col: Option<usize>| col.map_or(Ok(None), seconds);
            let arrival = ReplayArrival {
                time,
                reason: 0,
                handle: optional(handle_col)?,
                auth: optional(auth_col)?,
                patience: optional(patience_col)?,
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
        "{time} s is outside the opening hours; expected day d (0 to {}) plus 0 to {} s ({} to {})",
        sim.days - 1,
        sim.end - sim.start,
        fmt_clock(sim.start),
        fmt_clock(sim.end)
    ))
}
