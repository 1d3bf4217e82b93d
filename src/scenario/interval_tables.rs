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
use csv::StringRecord;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
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
    value_hint: "a number of agents (an integer from 0 to 1000000)", // limits::MAX_AGENTS
    value: |cell| cell.parse::<u32>().ok().filter(|n| i64::from(*n) <= MAX_COUNT),
    limit: |_, _| Ok(()),
    extra_columns: true,
};

/// Day profiles read from a forecast or staffing CSV, by reason or group name.
pub(super) struct CsvProfiles<T> {
    pub(super) path: PathBuf,
    pub(super) by_name: HashMap<String, DayProfiles<T>>,
}

/// Where the columns of an interval table are, 0-based.
struct Columns {
    day: Option<usize>,
    interval: usize,
    name: usize,
    value: usize,
}

/// One row of an interval table, its cells checked.
struct Row<'r, 'n, T> {
    line: u64,
    /// `None`: every day (a day cell of `all`, as `staff` writes).
    day: Option<usize>,
    /// The index of the open interval.
    interval: usize,
    /// The interval cell as written, for messages.
    interval_text: &'r str,
    name: &'n str,
    value: T,
}

/// The rows read so far: values by name (in order of first appearance), day
/// and interval, and the line that gave each (day, interval, name).
struct Found<'n, T> {
    /// Days of values per name: `simulation.days` with a `day` column, else 1.
    days: usize,
    per_day: usize,
    by_name: Vec<(&'n str, Vec<Vec<T>>)>,
    lines: HashMap<(usize, usize, &'n str), u64>,
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
        let csv_err = |e: csv::Error| {
            let line = e.position().map_or(1, |p| p.line().max(1));
            At::cell(&path, "", line, 1).err(e.to_string())
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_path(&path)
            .map_err(|e| self.err(key, v, format!("cannot read {}: {e}", path.display())))?;
        let header = reader.headers().map_err(csv_err)?.clone();
        let columns = spec.columns(&path, &header)?;
        let days = if columns.day.is_some() { sim.days as usize } else { 1 };
        let mut found = Found { days, per_day: sim.open_intervals(), by_name: Vec::new(), lines: HashMap::new() };
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let row = spec.row(&path, &record, &columns, sim, names)?;
            found.add(spec, &path, &columns, row)?;
        }
        found.into_profiles(spec, path)
    }
}

impl<T: Copy> TableSpec<T> {
    /// What the header line should be, for messages.
    fn header_hint(&self) -> String {
        format!(
            "a header line day,interval,{},{} (the leading day column is optional{})",
            self.name_column,
            self.value_column,
            if self.extra_columns { "; further columns are ignored" } else { "" }
        )
    }

    /// Finds the columns in the header line: each at most once, `day` optional.
    fn columns(&self, path: &Path, header: &StringRecord) -> Result<Columns> {
        let at = |key: &str, line: u64, column: usize| At::cell(path, key, line, column);
        let header_hint = self.header_hint();
        if header.iter().all(str::is_empty) {
            return Err(at("", 1, 1).err(format!("empty file; expected {header_hint}, then one row per interval")));
        }
        let wanted = ["day", "interval", self.name_column, self.value_column];
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
                None if self.extra_columns => {}
                None => return Err(at(name, 1, i + 1).err(format!("unknown column; expected {header_hint}"))),
            }
        }
        let [day, Some(interval), Some(name), Some(value)] = columns else {
            let missing = wanted[1..].iter().zip(&columns[1..]).find(|(_, c)| c.is_none()).map_or("", |(n, _)| n);
            return Err(at(missing, 1, 1).err(format!(
                "missing column; expected {header_hint}, got {:?}",
                header.iter().collect::<Vec<_>>().join(",")
            )));
        };
        Ok(Columns { day, interval, name, value })
    }

    /// Reads one row: its day (or all days), interval, name and value.
    fn row<'r, 'n>(
        &self,
        path: &Path,
        record: &'r StringRecord,
        columns: &Columns,
        sim: &Simulation,
        names: &[&'n str],
    ) -> Result<Row<'r, 'n, T>> {
        let at = |key: &str, line: u64, column: usize| At::cell(path, key, line, column);
        let line = record.position().map_or(0, |p| p.line());
        let cell = |col: usize| record.get(col).unwrap_or("");
        let day = match columns.day {
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
        let interval_col = columns.interval;
        let interval_text = cell(interval_col);
        let interval = parse_clock(interval_text)
            .ok()
            .filter(|t| (sim.start..sim.end).contains(t) && (t - sim.start).is_multiple_of(sim.interval))
            .map(|t| ((t - sim.start) / sim.interval) as usize)
            .ok_or_else(|| {
                at("interval", line, interval_col + 1)
                    .err(format!("expected {} (HH:MM), got {interval_text:?}", interval_starts(sim)))
            })?;
        let name_col = columns.name;
        let name = cell(name_col);
        let Some(&name) = names.iter().find(|n| **n == name) else {
            return Err(at(self.name_column, line, name_col + 1).err(format!(
                "unknown {} {name:?}; the {} are: {}",
                self.name_column,
                self.names,
                names.join(", ")
            )));
        };
        let value_col = columns.value;
        let text = cell(value_col);
        let value = (self.value)(text).ok_or_else(|| {
            at(self.value_column, line, value_col + 1).err(format!("expected {}, got {text:?}", self.value_hint))
        })?;
        (self.limit)(value, sim).map_err(|m| at(self.value_column, line, value_col + 1).err(m))?;
        Ok(Row { line, day, interval, interval_text, name, value })
    }
}

impl<'n, T: Copy + Default + PartialEq> Found<'n, T> {
    /// Puts a row's value in place; a second row for the same day, interval
    /// and name is an error.
    fn add(&mut self, spec: &TableSpec<T>, path: &Path, columns: &Columns, row: Row<'_, 'n, T>) -> Result<()> {
        let Row { line, day, interval, interval_text, name, value } = row;
        let slot = match self.by_name.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                self.by_name.push((name, vec![vec![T::default(); self.per_day]; self.days]));
                self.by_name.len() - 1
            }
        };
        for day in day.map_or(0..self.days, |d| d..d + 1) {
            if let Some(earlier) = self.lines.insert((day, interval, name), line) {
                let day = if columns.day.is_some() { format!("day {}, ", day + 1) } else { String::new() };
                return Err(At::cell(path, spec.name_column, line, columns.name + 1).err(format!(
                    "duplicate row for {day}{interval_text} and {} {name:?}; line {earlier} already gives it",
                    spec.name_column
                )));
            }
            self.by_name[slot].1[day][interval] = value;
        }
        Ok(())
    }

    /// The profiles by name; one for every day where all days are the same.
    fn into_profiles(self, spec: &TableSpec<T>, path: PathBuf) -> Result<CsvProfiles<T>> {
        if self.by_name.is_empty() {
            return Err(At::cell(&path, "", 1, 1)
                .err(format!("no rows after the header; expected one row per interval and {}", spec.name_column)));
        }
        let by_name = self
            .by_name
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

/// A staffing CSV read on its own (`schedule --requirement`, the file
/// `staff` writes): per group of `sc` (all of them, 0 where the file has no
/// row), per day, per open interval, the agents. Errors name the file, line
/// and column as for the scenario's own `staffing` file.
pub fn read_requirement(path: &std::path::Path, sc: &super::Scenario) -> Result<Vec<Vec<Vec<u32>>>> {
    let text = format!("staffing = {:?}\n", path.display().to_string());
    let ctx = Ctx { text: &text, file: path, base_dir: std::path::PathBuf::new() };
    let v = Spanned::new(11..text.len() - 1, Value::String(path.display().to_string()));
    let names: Vec<&str> = sc.groups.iter().map(|g| g.name.as_str()).collect();
    let table = ctx.interval_table(&v, &STAFFING_TABLE, &sc.simulation, &names)?;
    Ok(sc
        .groups
        .iter()
        .map(|g| {
            (0..sc.simulation.days)
                .map(|d| match table.by_name.get(&g.name) {
                    Some(p) => p.day(d).to_vec(),
                    None => vec![0; sc.simulation.open_intervals()],
                })
                .collect()
        })
        .collect())
}
