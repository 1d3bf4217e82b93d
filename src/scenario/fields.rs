//! Pass 1's field converters: one TOML value in, one checked value out.
//!
//! [`Ctx`] knows the text and the file being read, so that each converter can
//! name the key path, the position, the bad value and what is expected. The
//! converters here know no section of the scenario: durations, distributions,
//! probabilities, counts, names, clock times, lists and per-interval lists.
//! The sections are converted with them in `settings`, `groups`, `reasons`,
//! `replay` and `interval_tables`.

use super::dist::{DIST_HINT, parse_dist};
use super::duration::{DURATION_HINT, fmt_clock, fmt_duration, parse_clock, parse_duration};
use super::error::line_col;
use super::key_path::{item_key, key_path_at};
use super::limits::{self, MAX_DURATION_SECS};
use super::schema::{Field, HasName, Items};
use super::{DayProfiles, Dist, ScenarioError, Simulation};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::{Spanned, Value};

/// Agents, replications and other counts, at most (as an `i64`, the type of
/// TOML integers; the table says the same of agents and replications).
pub(super) const MAX_COUNT: i64 = limits::MAX_AGENTS as i64;
const _: () = assert!(limits::MAX_AGENTS == limits::MAX_REPLICATIONS);

pub(super) type Result<T> = std::result::Result<T, ScenarioError>;

/// Where a value sits (file, key path, position), to build errors from.
#[derive(Debug, Clone)]
pub(super) struct At {
    pub(super) file: PathBuf,
    pub(super) key: String,
    pub(super) location: Option<(usize, usize)>,
}

impl At {
    /// A cell of a CSV input: its column name and 1-based line and column.
    pub(super) fn cell(file: &Path, key: &str, line: u64, column: usize) -> At {
        At { file: file.to_path_buf(), key: key.to_string(), location: Some((line as usize, column)) }
    }

    pub(super) fn err(&self, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.file.clone(),
            key: self.key.clone(),
            message: message.into(),
            location: self.location,
        }
    }
}

/// The TOML representation of a value, for "got …" in messages.
pub(super) fn got(v: &Value) -> String {
    match v {
        Value::Table(_) => "a table".into(),
        // In full, 1e-300 would take 300 digits.
        Value::Float(f) if f.is_finite() && *f != 0.0 && !(1e-4..1e16).contains(&f.abs()) => format!("{f:e}"),
        other => other.to_string(),
    }
}

/// A TOML integer or float as a number.
pub(super) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// The scenario being read: what every converter needs to place an error.
pub(super) struct Ctx<'a> {
    /// The scenario's text, to turn spans into lines and columns.
    pub(super) text: &'a str,
    pub(super) file: &'a Path,
    /// The scenario's folder, against which the files it names are read.
    pub(super) base_dir: PathBuf,
}

impl Ctx<'_> {
    pub(super) fn at(&self, key: &str, span: Option<Range<usize>>) -> At {
        At { file: self.file.to_path_buf(), key: key.to_string(), location: span.map(|s| line_col(self.text, s.start)) }
    }

    /// An error about the value `v` at `key`.
    pub(super) fn err(&self, key: &str, v: &Spanned<Value>, message: impl Into<String>) -> ScenarioError {
        self.at(key, Some(v.span())).err(message)
    }

    /// A syntax error or a serde error (unknown key, wrong kind of value), keeping the position.
    pub(super) fn toml_error(&self, e: &toml::de::Error) -> ScenarioError {
        let span = e.span();
        let key = span.as_ref().and_then(|s| key_path_at(self.text, s.start)).unwrap_or_default();
        let mut at = self.at(&key, span);
        if at.location.is_none() {
            at.key.clear();
        }
        at.err(e.message().trim_end())
    }

    pub(super) fn required<'v>(&self, key: &str, field: &'v Field, expected: &str) -> Result<&'v Spanned<Value>> {
        field.as_ref().ok_or_else(|| self.at(key, None).err(format!("missing; expected {expected}")))
    }

    /// `f(value)` when the key is given, else `default`.
    pub(super) fn opt<T>(&self, field: &Field, default: T, f: impl FnOnce(&Spanned<Value>) -> Result<T>) -> Result<T> {
        field.as_ref().map_or(Ok(default), f)
    }

    /// List items with their key paths (`reasons.billing` by name, else `reasons[0]`).
    pub(super) fn items<'r, T>(
        &self,
        key: &str,
        items: &'r Items<T>,
        expected: &str,
    ) -> Result<Vec<(String, &'r Spanned<T>)>>
    where
        T: HasName,
    {
        let Some(list) = items else {
            return Err(self.at(key, None).err(format!("missing; expected one or more {expected}")));
        };
        if list.get_ref().is_empty() {
            return Err(self.at(key, Some(list.span())).err(format!("empty; expected one or more {expected}")));
        }
        Ok(list.get_ref().iter().enumerate().map(|(i, item)| (item_key(key, item.get_ref().name(), i), item)).collect())
    }

    pub(super) fn string(&self, key: &str, v: &Spanned<Value>) -> Result<String> {
        match v.get_ref() {
            Value::String(s) => Ok(s.clone()),
            other => Err(self.err(key, v, format!("expected a string, got {}", got(other)))),
        }
    }

    pub(super) fn name(&self, key: &str, v: &Spanned<Value>) -> Result<String> {
        let s = self.string(key, v)?;
        if s.trim().is_empty() {
            return Err(self.err(key, v, "expected a non-empty name"));
        }
        Ok(s)
    }

    /// The scenario's name, which names its default output folder
    /// (`results/<name>`): a plain file name, so that it can never point
    /// elsewhere (`..`, `/abs`, `a/b`) or hide (`.x`).
    pub(super) fn file_name(&self, key: &str, v: &Spanned<Value>) -> Result<String> {
        let s = self.string(key, v)?;
        limits::check_name(&s).map_err(|m| self.err(key, v, m))?;
        Ok(s)
    }

    /// A group's `absenteeism`: a probability from 0 to below 1 (at 1 nobody
    /// would ever come in).
    pub(super) fn absenteeism(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        let p = number(v.get_ref()).filter(|x| !x.is_nan()).ok_or_else(|| {
            self.err(
                key,
                v,
                format!("expected a probability from 0 to below 1 (a number like 0.1), got {}", got(v.get_ref())),
            )
        })?;
        limits::check_absenteeism(p).map_err(|m| self.err(key, v, m))?;
        Ok(p + 0.0)
    }

    pub(super) fn probability(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        match number(v.get_ref()) {
            Some(x) if (0.0..=1.0).contains(&x) => Ok(x + 0.0),
            _ => Err(self.err(key, v, format!("expected a probability between 0 and 1, got {}", got(v.get_ref())))),
        }
    }

    /// A forecast-error coefficient of variation, within [`limits::MAX_VOLUME_CV`].
    pub(super) fn volume_cv(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        let cv = number(v.get_ref()).filter(|x| !x.is_nan()).ok_or_else(|| {
            self.err(
                key,
                v,
                format!("expected a coefficient of variation (a number like 0.15), got {}", got(v.get_ref())),
            )
        })?;
        limits::check_volume_cv(cv).map_err(|m| self.err(key, v, m))?;
        Ok(cv + 0.0)
    }

    pub(super) fn integer(&self, key: &str, v: &Spanned<Value>, min: i64, max: i64, what: &str) -> Result<i64> {
        match v.get_ref() {
            Value::Integer(i) if (min..=max).contains(i) => Ok(*i),
            other => Err(self.err(key, v, format!("expected {what}, got {}", got(other)))),
        }
    }

    /// A count (agents, replications, shift sizes): at least `min`, at most a million.
    pub(super) fn count(&self, key: &str, v: &Spanned<Value>, min: u32, what: &str) -> Result<u32> {
        match v.get_ref() {
            Value::Integer(i) if *i > MAX_COUNT => {
                Err(self.err(key, v, format!("expected {what}, at most {MAX_COUNT}, got {i}")))
            }
            _ => self.integer(key, v, min.into(), MAX_COUNT, what).map(|i| i as u32),
        }
    }

    /// A duration, at most [`MAX_DURATION_SECS`].
    pub(super) fn duration(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        self.duration_up_to(key, v, MAX_DURATION_SECS)
    }

    /// A duration, at most `max` seconds.
    pub(super) fn duration_up_to(&self, key: &str, v: &Spanned<Value>, max: f64) -> Result<f64> {
        let secs = match v.get_ref() {
            Value::String(s) => parse_duration(s).map_err(|m| self.err(key, v, m))?,
            other => match number(other) {
                Some(x) if x.is_finite() && x >= 0.0 => x + 0.0,
                _ => {
                    return Err(self.err(
                        key,
                        v,
                        format!("expected {DURATION_HINT} or a number of seconds >= 0, got {}", got(other)),
                    ));
                }
            },
        };
        if secs > max {
            return Err(self.err(
                key,
                v,
                format!("{} is too long; expected at most {}", got(v.get_ref()), limits::fmt_secs(max)),
            ));
        }
        Ok(secs)
    }

    /// A distribution; `never` only where `never_ok` (patience).
    pub(super) fn dist(&self, key: &str, v: &Spanned<Value>, never_ok: bool) -> Result<Dist> {
        let d = match v.get_ref() {
            Value::String(s) => parse_dist(s, &self.base_dir).map_err(|m| self.err(key, v, m))?,
            other => match number(other).map(Dist::constant) {
                Some(Ok(d)) => d,
                Some(Err(m)) if number(other).is_some_and(f64::is_finite) => {
                    return Err(self.err(key, v, format!("expected {DIST_HINT}, got {}: {m}", got(other))));
                }
                _ => {
                    return Err(self.err(key, v, format!("expected {DIST_HINT}, got {}", got(other))));
                }
            },
        };
        if d.is_never() && !never_ok {
            return Err(self.err(key, v, format!("\"never\" is only allowed for patience; expected {DIST_HINT}")));
        }
        Ok(d)
    }

    pub(super) fn clock(&self, key: &str, v: &Spanned<Value>) -> Result<u32> {
        match v.get_ref() {
            Value::String(s) => parse_clock(s).map_err(|m| self.err(key, v, m)),
            other => Err(self.err(key, v, format!("expected a clock time like \"08:00\", got {}", got(other)))),
        }
    }

    pub(super) fn list<'v>(&self, key: &str, v: &'v Spanned<Value>, what: &str) -> Result<&'v [Value]> {
        match v.get_ref() {
            Value::Array(items) => Ok(items),
            other => Err(self.err(key, v, format!("expected a list of {what}, got {}", got(other)))),
        }
    }

    /// A list of numbers, each accepted by `ok`.
    pub(super) fn numbers(
        &self,
        key: &str,
        v: &Spanned<Value>,
        what: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<Vec<f64>> {
        self.list(key, v, "numbers")?
            .iter()
            .enumerate()
            .map(|(i, item)| match number(item) {
                Some(x) if ok(x) => Ok(x + 0.0),
                _ => Err(self.err(&format!("{key}[{i}]"), v, format!("expected {what}, got {}", got(item)))),
            })
            .collect()
    }

    pub(super) fn choice<T: Copy>(&self, key: &str, v: &Spanned<Value>, options: &[(&str, T)]) -> Result<T> {
        let names: Vec<String> = options.iter().map(|(n, _)| format!("{n:?}")).collect();
        let found = match v.get_ref() {
            Value::String(s) => options.iter().find(|(n, _)| n == s).map(|(_, t)| *t),
            _ => None,
        };
        found.ok_or_else(|| self.err(key, v, format!("expected one of {}, got {}", names.join(", "), got(v.get_ref()))))
    }

    /// Checks a per-interval list's length.
    pub(super) fn intervals_len(&self, key: &str, v: &Spanned<Value>, len: usize, sim: &Simulation) -> Result<()> {
        let want = sim.open_intervals();
        if len == want {
            return Ok(());
        }
        Err(self.err(key, v, format!("has {len} entries, expected {want} ({})", per_interval(sim))))
    }

    /// A list per open interval (the same every day), or a list of such lists,
    /// one per day (`simulation.days` of them). `item` converts one entry.
    pub(super) fn day_profiles<T>(
        &self,
        key: &str,
        v: &Spanned<Value>,
        sim: &Simulation,
        what: &str,
        item: impl Fn(&Value) -> Option<T>,
    ) -> Result<DayProfiles<T>> {
        let Value::Array(items) = v.get_ref() else {
            return Err(self.err(
                key,
                v,
                format!("expected a list per interval, or a list of such lists per day, got {}", got(v.get_ref())),
            ));
        };
        if !items.iter().any(|i| matches!(i, Value::Array(_))) {
            return Ok(DayProfiles::every_day(self.profile(key, v, items, sim, what, &item)?));
        }
        let days = sim.days as usize;
        if items.len() != days {
            return Err(self.err(
                key,
                v,
                format!("has {} day lists, expected {days} (simulation.days), each {}", items.len(), per_interval(sim)),
            ));
        }
        let mut out = Vec::with_capacity(days);
        for (d, day) in items.iter().enumerate() {
            let day_key = format!("{key}[{d}]");
            let Value::Array(day_items) = day else {
                return Err(self.err(
                    &day_key,
                    v,
                    format!(
                        "expected day {}'s list of {what} (a list of lists has one list per day), got {}",
                        d + 1,
                        got(day)
                    ),
                ));
            };
            out.push(self.profile(&day_key, v, day_items, sim, what, &item)?);
        }
        Ok(DayProfiles::per_day(out))
    }

    /// One day's list per open interval.
    fn profile<T>(
        &self,
        key: &str,
        v: &Spanned<Value>,
        items: &[Value],
        sim: &Simulation,
        what: &str,
        item: &impl Fn(&Value) -> Option<T>,
    ) -> Result<Vec<T>> {
        let out = items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                item(x).ok_or_else(|| self.err(&format!("{key}[{i}]"), v, format!("expected {what}, got {}", got(x))))
            })
            .collect::<Result<Vec<T>>>()?;
        self.intervals_len(key, v, out.len(), sim)?;
        Ok(out)
    }
}

/// "one per 30m interval from 08:00 to 20:00", for list length messages.
fn per_interval(sim: &Simulation) -> String {
    format!(
        "one per {} interval from {} to {}",
        fmt_duration(sim.interval.into()),
        fmt_clock(sim.start),
        fmt_clock(sim.end)
    )
}
