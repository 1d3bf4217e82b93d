//! The top-level per-interval CSV inputs, `forecast` (chats per reason) and
//! `staffing` (agents per group): one reader for both, driven by a
//! [`TableSpec`], whose errors name the file, line, column and bad cell.
//!
//! Each file becomes day profiles by name ([`CsvProfiles`]), which the
//! reasons and groups take their volumes and staffing from in pass 1.

use super::duration::{fmt_clock, fmt_duration, parse_clock};
use super::fields::{At, Ctx, MAX_COUNT, Result, got};
use super::limits;
use super::{DayProfiles, Simulation};
use std::collections::HashMap;
use std::path::PathBuf;
use toml::{Spanned, Value};

/// A top-level per-interval CSV input: columns `[day,]interval,NAME,VALUE`.
pub(super) struct TableSpec<T> {
    /// The top-level key naming the file (and the file name in examples).
    key: &'static str,
    /// The column naming a reason or a group.
    name_column: &'static str,
    /// What the names are, plural, for messages.
    names: &'static str,
    /// The column of values.
    value_column: &'static str,
    /// What a value looks like, for messages.
    value_hint: &'static str,
    value: fn(&str) -> Option<T>,
    /// Checks a value against the limits of the run.
    limit: fn(T, &Simulation) -> std::result::Result<(), String>,
    /// True when further columns are ignored; else they are errors.
    extra_columns: bool,
}

/// `forecast = "forecast.csv"`: `[day,]interval,reason,volume`.
pub(super) const FORECAST_TABLE: TableSpec<f64> = TableSpec {
    key: "forecast",
    name_column: "reason",
    names: "reasons",
    value_column: "volume",
    value_hint: "a number of chats >= 0",
    value: |cell| cell.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0).map(|x| x + 0.0),
    limit: |v, sim| {
        let max = limits::max_volume(sim.interval);
        if v <= max {
            return Ok(());
        }
        Err(format!(
            "expected at most {max} chats in a {} interval ({} chats/h per reason), got {v}",
            fmt_duration(sim.interval.into()),
            limits::MAX_RATE_PER_HOUR
        ))
    },
    extra_columns: false,
};

/// `staffing = "staffing.csv"`: `[day,]interval,group,agents`, further columns
/// ignored (so `staff`'s output can be fed back).
pub(super) const STAFFING_TABLE: TableSpec<u32> = TableSpec {
    key: "staffing",
    name_column: "group",
    names: "groups",
    value_column: "agents",
    value_hint: "a number of agents (an integer from 0 to 1000000)",
    value: |cell| cell.parse::<u32>().ok().filter(|n| i64::from(*n) <= MAX_COUNT),
    limit: |_, _| Ok(()),
    extra_columns: true,
};

// The counts above are those of the table of limits.

/// Day profiles read from a forecast or staffing CSV, by reason or group name.
pub(super) struct CsvProfiles<T> {
    pub(super) path: PathBuf,
    pub(super) by_name: HashMap<String, DayProfiles<T>>,
}

impl Ctx<'_> {
    /// A top-level per-interval CSV input (`forecast`, `staffing`): columns
    /// `interval,NAME,VALUE` with an optional `day` column (1-based).
    ///
    /// Without `day` each name gets one profile for every day; with it, one per
    /// day. An interval (or a day) without a row for a name counts as 0 (no
    /// chats, no agents). Names must be in `names` (the reasons or groups).
    pub(super) fn interval_table<T: Copy + Default + PartialEq>(
        &self,
        v: &Spanned<Value>,
        spec: &TableSpec<T>,
        sim: &Simulation,
        names: &[&str],
    ) -> Result<CsvProfiles<T>> {
        let key = spec.key;
        let file = match v.get_ref() {
            Value::String(file) if !file.trim().is_empty() => file,
            other => {
                return Err(self.err(
                    key,
                    v,
                    format!("expected a CSV file name like \"{key}.csv\", got {}", got(other)),
                ));
            }
        };
        let path = self.base_dir.join(file);
        let at = |key: &str, line: u64, column: usize| At {
            file: path.clone(),
            key: key.to_string(),
            location: Some((line as usize, column)),
        };
        let csv_err = |e: csv::Error| {
            let line = e.position().map_or(1, |p| p.line().max(1));
            at("", line, 1).err(e.to_string())
        };
        let header_hint = format!(
            "a header line day,interval,{},{} (the leading day column is optional{})",
            spec.name_column,
            spec.value_column,
            if spec.extra_columns { "; further columns are ignored" } else { "" }
        );
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_path(&path)
            .map_err(|e| self.err(key, v, format!("cannot read {}: {e}", path.display())))?;
        let header = reader.headers().map_err(csv_err)?.clone();
        if header.iter().all(str::is_empty) {
            return Err(at("", 1, 1).err(format!("empty file; expected {header_hint}, then one row per interval")));
        }
        let wanted = ["day", "interval", spec.name_column, spec.value_column];
        let mut columns = [None; 4];
        for (i, name) in header.iter().enumerate() {
            match wanted.iter().position(|c| *c == name) {
                Some(c) if columns[c].is_none() => columns[c] = Some(i),
                Some(c) => {
                    return Err(at(name, 1, i + 1).err(format!(
                        "duplicate column; column {} is already {name:?}",
                        columns[c].unwrap_or_default() + 1
                    )));
                }
                None if spec.extra_columns => {}
                None => return Err(at(name, 1, i + 1).err(format!("unknown column; expected {header_hint}"))),
            }
        }
        let [day_col, Some(interval_col), Some(name_col), Some(value_col)] = columns else {
            let missing = wanted[1..].iter().zip(&columns[1..]).find(|(_, c)| c.is_none()).map_or("", |(n, _)| n);
            return Err(at(missing, 1, 1).err(format!(
                "missing column; expected {header_hint}, got {:?}",
                header.iter().collect::<Vec<_>>().join(",")
            )));
        };

        let per_day = sim.open_intervals();
        let days = if day_col.is_some() { sim.days as usize } else { 1 };
        // Values by name (in order of first appearance), day and interval, and
        // the line that gave each (day, interval, name).
        let mut found: Vec<(&str, Vec<Vec<T>>)> = Vec::new();
        let mut seen = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = |col: usize| record.get(col).unwrap_or("");
            // `None`: every day (a day cell of `all`, as `staff` writes).
            let day = match day_col {
                None => Some(0),
                Some(col) if cell(col) == "all" => None,
                Some(col) => match cell(col).parse::<u32>() {
                    Ok(d) if (1..=sim.days).contains(&d) => Some((d - 1) as usize),
                    _ => {
                        return Err(at("day", line, col + 1).err(format!(
                            "expected a day number from 1 to {} (simulation.days) or all, got {:?}",
                            sim.days,
                            cell(col)
                        )));
                    }
                },
            };
            let text = cell(interval_col);
            let interval = parse_clock(text)
                .ok()
                .filter(|t| (sim.start..sim.end).contains(t) && (t - sim.start).is_multiple_of(sim.interval))
                .map(|t| ((t - sim.start) / sim.interval) as usize)
                .ok_or_else(|| {
                    at("interval", line, interval_col + 1)
                        .err(format!("expected {} (HH:MM), got {text:?}", interval_starts(sim)))
                })?;
            let name = cell(name_col);
            let Some(&name) = names.iter().find(|n| **n == name) else {
                return Err(at(spec.name_column, line, name_col + 1).err(format!(
                    "unknown {} {name:?}; the {} are: {}",
                    spec.name_column,
                    spec.names,
                    names.join(", ")
                )));
            };
            let text = cell(value_col);
            let value = (spec.value)(text).ok_or_else(|| {
                at(spec.value_column, line, value_col + 1).err(format!("expected {}, got {text:?}", spec.value_hint))
            })?;
            (spec.limit)(value, sim).map_err(|m| at(spec.value_column, line, value_col + 1).err(m))?;
            let slot = match found.iter().position(|(n, _)| *n == name) {
                Some(i) => i,
                None => {
                    found.push((name, vec![vec![T::default(); per_day]; days]));
                    found.len() - 1
                }
            };
            for day in day.map_or(0..days, |d| d..d + 1) {
                if let Some(earlier) = seen.insert((day, interval, name), line) {
                    let day = if day_col.is_some() { format!("day {}, ", day + 1) } else { String::new() };
                    return Err(at(spec.name_column, line, name_col + 1).err(format!(
                        "duplicate row for {day}{} and {} {name:?}; line {earlier} already gives it",
                        cell(interval_col),
                        spec.name_column
                    )));
                }
                found[slot].1[day][interval] = value;
            }
        }
        if found.is_empty() {
            return Err(at("", 1, 1)
                .err(format!("no rows after the header; expected one row per interval and {}", spec.name_column)));
        }
        let by_name = found
            .into_iter()
            .map(|(name, mut profiles)| {
                // The same profile every day (no day column, or days of `all`) is one profile.
                let profiles = if profiles.iter().all(|p| *p == profiles[0]) {
                    DayProfiles::every_day(profiles.remove(0))
                } else {
                    DayProfiles::per_day(profiles)
                };
                (name.to_string(), profiles)
            })
            .collect();
        Ok(CsvProfiles { path, by_name })
    }
}

/// "an interval start from 08:00 to 19:45 every 15 minutes", for CSV messages.
fn interval_starts(sim: &Simulation) -> String {
    format!(
        "an interval start from {} to {} every {} minutes",
        fmt_clock(sim.start),
        fmt_clock(sim.end - sim.interval),
        sim.interval / 60
    )
}
