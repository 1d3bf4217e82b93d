//! TOML → [`Scenario`]: field checks, then cross-references.
//!
//! The file is first read into `Raw*` structs whose leaves are spanned TOML
//! values (serde rejects unknown keys); pass 1 checks and converts every field
//! on its own, pass 2 resolves names (skills, reasons) and checks uniqueness.

use super::dist::{DIST_HINT, parse_dist};
use super::duration::{DURATION_HINT, fmt_clock, fmt_duration, parse_clock, parse_duration, parse_rate_parts};
use super::error::line_col;
use super::*;
use serde::Deserialize;
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::{Spanned, Value};

use crate::scenario::limits::{self, MAX_DURATION_SECS, MAX_SPEED, MAX_WARMUP_SECS, MIN_SPEED};

/// Chats an agent may hold at once, at most (a guard against typos).
const MAX_CONCURRENT: u32 = 32;
/// Agents, replications and other counts, at most (as an `i64`, the type of
/// TOML integers; the table says the same of agents and replications).
const MAX_COUNT: i64 = limits::MAX_AGENTS as i64;
const _: () = assert!(limits::MAX_AGENTS == limits::MAX_REPLICATIONS);

type Result<T> = std::result::Result<T, ScenarioError>;
type Field = Option<Spanned<Value>>;
type Items<T> = Option<Spanned<Vec<Spanned<T>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Field,
    description: Field,
    simulation: Option<Spanned<RawSimulation>>,
    service_level: Option<RawServiceLevel>,
    chat: Option<RawChat>,
    routing: Option<RawRouting>,
    reasons: Items<RawReason>,
    groups: Items<RawGroup>,
    arrivals: Field,
    forecast: Field,
    staffing: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [simulation] table")]
struct RawSimulation {
    start: Field,
    end: Field,
    days: Field,
    interval: Field,
    warmup: Field,
    replications: Field,
    seed: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [service_level] table")]
struct RawServiceLevel {
    threshold: Field,
    goal: Field,
    max_abandon: Field,
    short_abandon: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [chat] table")]
struct RawChat {
    max_concurrent: Field,
    speed: Field,
    accept: Field,
    refuse: Field,
    inactivity_timeout: Field,
    wrapup: Field,
    wrapup_blocks: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [routing] table")]
struct RawRouting {
    agent_select: Field,
    queue_select: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[reasons]] table")]
struct RawReason {
    name: Field,
    skill: Field,
    rate: Field,
    volume: Field,
    handle: Field,
    auth: Field,
    auth_fail: Field,
    patience: Field,
    priority: Field,
    nonresponsive: Option<Spanned<RawNonresponsive>>,
    transfer: Option<Spanned<RawTransfer>>,
    commitment: Option<Spanned<RawCommitment>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table like { p = 0.08, returns = 0.25 }")]
struct RawNonresponsive {
    p: Field,
    returns: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { p = 0.05, to = "tech" }"#)]
struct RawTransfer {
    p: Field,
    to: Field,
    handle: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { p = 0.1, after = "2h", skill = "billing" }"#)]
struct RawCommitment {
    p: Field,
    after: Field,
    skill: Field,
    handle: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[groups]] table")]
struct RawGroup {
    name: Field,
    skills: Field,
    agents: Field,
    shifts: Items<RawShift>,
    max_concurrent: Field,
    speed: Field,
    accept: Field,
    refuse: Field,
    wrapup: Field,
    wrapup_blocks: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { start = "08:00", end = "16:30", agents = 8 }"#)]
struct RawShift {
    start: Field,
    end: Field,
    agents: Field,
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::new(path, "", format!("cannot read the file: {e}")))?;
    parse_str(&text, path)
}

/// Parses scenario text as if read from `path` (relative paths resolve beside it).
pub fn parse_str(text: &str, path: &Path) -> Result<Scenario> {
    // `Path::new("").join("f.csv")` is `f.csv`: messages name files as given.
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let ctx = Ctx { text, file: path, base_dir };
    let raw: RawScenario = toml::from_str(text).map_err(|e| ctx.toml_error(&e))?;

    // Pass 1: every field on its own.
    let name = ctx.file_name("name", ctx.required("name", &raw.name, "a string")?)?;
    let description = ctx.opt(&raw.description, String::new(), |v| ctx.string("description", v))?;
    let simulation = ctx.simulation(raw.simulation.as_ref())?;
    let service_level = ctx.service_level(raw.service_level.as_ref())?;
    let (chat, inactivity_timeout) = ctx.chat(raw.chat.as_ref())?;
    let routing = ctx.routing(raw.routing.as_ref())?;
    let groups = ctx.items("groups", &raw.groups, "[[groups]] tables")?;
    let group_names: Vec<&str> = groups.iter().filter_map(|(_, g)| g.get_ref().name()).collect();
    let staffing =
        raw.staffing.as_ref().map(|v| ctx.interval_table(v, &STAFFING_TABLE, &simulation, &group_names)).transpose()?;
    let groups = groups
        .iter()
        .map(|(key, g)| ctx.group(key, g, &simulation, &chat, staffing.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let replaying = raw.arrivals.is_some();
    if let (Some(v), true) = (&raw.forecast, replaying) {
        return Err(ctx.err("forecast", v, "not allowed with a top-level `arrivals` replay, which gives every chat"));
    }
    let reasons = ctx.items("reasons", &raw.reasons, "[[reasons]] tables")?;
    let reason_names: Vec<&str> = reasons.iter().filter_map(|(_, r)| r.get_ref().name()).collect();
    let forecast = raw
        .forecast
        .as_ref()
        .map(|v| ctx.interval_table(v, &FORECAST_TABLE, &simulation, &reason_names))
        .transpose()?;
    let inputs = ArrivalInputs { replaying, forecast: forecast.as_ref() };
    let reasons =
        reasons.iter().map(|(key, r)| ctx.reason(key, r, &simulation, &inputs)).collect::<Result<Vec<_>>>()?;
    let arrivals = raw.arrivals.as_ref().map(|a| ctx.arrivals(a, &simulation)).transpose()?;

    // Pass 2: names and cross-references.
    unique("group", groups.iter().map(|g| (&g.group.name, &g.name_at)))?;
    unique("reason", reasons.iter().map(|r| (&r.reason.name, &r.name_at)))?;
    let mut skills: Vec<String> = Vec::new();
    for g in &groups {
        for s in &g.skill_names {
            if !skills.contains(s) {
                skills.push(s.clone());
            }
        }
    }
    let skill = |r: &Ref| {
        skills
            .iter()
            .position(|s| *s == r.name)
            .ok_or_else(|| r.at.err(format!("unknown skill {:?}; the groups serve: {}", r.name, skills.join(", "))))
    };
    let groups: Vec<Group> = groups
        .into_iter()
        .map(|mut g| {
            g.group.skills = g.skill_names.iter().filter_map(|n| skills.iter().position(|s| s == n)).collect();
            g.group
        })
        .collect();
    let mut resolved = Vec::with_capacity(reasons.len());
    for mut r in reasons {
        r.reason.skill = skill(&r.skill)?;
        if let (Some(t), Some(to)) = (&mut r.reason.transfer, &r.transfer_to) {
            t.to = skill(to)?;
        }
        if let (Some(c), Some(to)) = (&mut r.reason.commitment, &r.commitment_skill) {
            c.skill = skill(to)?;
        }
        resolved.push(r.reason);
    }
    let reasons = resolved;
    let replay = match arrivals {
        None => None,
        Some(list) => {
            let names: Vec<&str> = reasons.iter().map(|r| r.name.as_str()).collect();
            let mut out = Vec::with_capacity(list.len());
            for (mut a, r) in list {
                a.reason = names.iter().position(|n| *n == r.name).ok_or_else(|| {
                    r.at.err(format!("unknown reason {:?}; the reasons are: {}", r.name, names.join(", ")))
                })?;
                out.push(a);
            }
            out.sort_by(|a, b| a.time.total_cmp(&b.time));
            Some(out)
        }
    };

    Ok(Scenario {
        name,
        description,
        path: path.to_path_buf(),
        simulation,
        service_level,
        inactivity_timeout,
        routing,
        skills,
        reasons,
        groups,
        replay,
    })
}

/// Where a value sits (file, key path, position), to build errors from.
#[derive(Debug, Clone)]
struct At {
    file: PathBuf,
    key: String,
    location: Option<(usize, usize)>,
}

impl At {
    fn err(&self, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.file.clone(),
            key: self.key.clone(),
            message: message.into(),
            location: self.location,
        }
    }
}

/// A name to resolve in pass 2, and where it was written.
struct Ref {
    name: String,
    at: At,
}

/// The `[chat]` rules before a group's overrides.
struct ChatRules {
    max_concurrent: u32,
    /// `None` when not given: all 1.0 for whatever the cap.
    speed: Option<Vec<f64>>,
    accept: Dist,
    refuse: f64,
    wrapup: Dist,
    wrapup_blocks: WrapupBlocks,
}

struct GroupDraft {
    group: Group,
    skill_names: Vec<String>,
    name_at: At,
}

struct ReasonDraft {
    reason: Reason,
    name_at: At,
    skill: Ref,
    transfer_to: Option<Ref>,
    commitment_skill: Option<Ref>,
}

/// What decides a reason's arrivals besides its own `rate` or `volume`.
struct ArrivalInputs<'a> {
    /// A top-level `arrivals` replay gives every chat.
    replaying: bool,
    /// The top-level `forecast` file.
    forecast: Option<&'a CsvProfiles<f64>>,
}

/// A top-level per-interval CSV input: columns `[day,]interval,NAME,VALUE`.
struct TableSpec<T> {
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
const FORECAST_TABLE: TableSpec<f64> = TableSpec {
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
const STAFFING_TABLE: TableSpec<u32> = TableSpec {
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
struct CsvProfiles<T> {
    path: PathBuf,
    by_name: std::collections::HashMap<String, DayProfiles<T>>,
}

/// Fails on the second item that reuses a name.
fn unique<'a>(what: &str, names: impl Iterator<Item = (&'a String, &'a At)>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for (name, at) in names {
        if !seen.insert(name) {
            return Err(at.err(format!("duplicate {what} name {name:?}; names must be unique")));
        }
    }
    Ok(())
}

/// The TOML representation of a value, for "got …" in messages.
fn got(v: &Value) -> String {
    match v {
        Value::Table(_) => "a table".into(),
        // In full, 1e-300 would take 300 digits.
        Value::Float(f) if f.is_finite() && *f != 0.0 && !(1e-4..1e16).contains(&f.abs()) => format!("{f:e}"),
        other => other.to_string(),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a Path,
    base_dir: PathBuf,
}

impl Ctx<'_> {
    fn at(&self, key: &str, span: Option<Range<usize>>) -> At {
        At { file: self.file.to_path_buf(), key: key.to_string(), location: span.map(|s| line_col(self.text, s.start)) }
    }

    /// An error about the value `v` at `key`.
    fn err(&self, key: &str, v: &Spanned<Value>, message: impl Into<String>) -> ScenarioError {
        self.at(key, Some(v.span())).err(message)
    }

    /// A syntax error or a serde error (unknown key, wrong kind of value), keeping the position.
    fn toml_error(&self, e: &toml::de::Error) -> ScenarioError {
        let span = e.span();
        let key = span.as_ref().and_then(|s| key_path_at(self.text, s.start)).unwrap_or_default();
        let mut at = self.at(&key, span);
        if at.location.is_none() {
            at.key.clear();
        }
        at.err(e.message().trim_end())
    }

    fn required<'v>(&self, key: &str, field: &'v Field, expected: &str) -> Result<&'v Spanned<Value>> {
        field.as_ref().ok_or_else(|| self.at(key, None).err(format!("missing; expected {expected}")))
    }

    /// `f(value)` when the key is given, else `default`.
    fn opt<T>(&self, field: &Field, default: T, f: impl FnOnce(&Spanned<Value>) -> Result<T>) -> Result<T> {
        field.as_ref().map_or(Ok(default), f)
    }

    /// List items with their key paths (`reasons.billing` by name, else `reasons[0]`).
    fn items<'r, T>(&self, key: &str, items: &'r Items<T>, expected: &str) -> Result<Vec<(String, &'r Spanned<T>)>>
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

    fn string(&self, key: &str, v: &Spanned<Value>) -> Result<String> {
        match v.get_ref() {
            Value::String(s) => Ok(s.clone()),
            other => Err(self.err(key, v, format!("expected a string, got {}", got(other)))),
        }
    }

    fn name(&self, key: &str, v: &Spanned<Value>) -> Result<String> {
        let s = self.string(key, v)?;
        if s.trim().is_empty() {
            return Err(self.err(key, v, "expected a non-empty name"));
        }
        Ok(s)
    }

    /// The scenario's name, which names its default output folder
    /// (`results/<name>`): a plain file name, so that it can never point
    /// elsewhere (`..`, `/abs`, `a/b`) or hide (`.x`).
    fn file_name(&self, key: &str, v: &Spanned<Value>) -> Result<String> {
        let s = self.string(key, v)?;
        let plain = s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if s.is_empty() || s.len() > limits::MAX_NAME || !plain || s.starts_with('.') {
            return Err(self.err(
                key,
                v,
                format!(
                    "expected a plain file name of 1 to {} letters, digits, '-', '_' and '.', not starting \
                     with '.' (it names the output folder results/<name>; use --out to write elsewhere), got {s:?}",
                    limits::MAX_NAME
                ),
            ));
        }
        Ok(s)
    }

    fn probability(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        match number(v.get_ref()) {
            Some(x) if (0.0..=1.0).contains(&x) => Ok(x + 0.0),
            _ => Err(self.err(key, v, format!("expected a probability between 0 and 1, got {}", got(v.get_ref())))),
        }
    }

    fn integer(&self, key: &str, v: &Spanned<Value>, min: i64, max: i64, what: &str) -> Result<i64> {
        match v.get_ref() {
            Value::Integer(i) if (min..=max).contains(i) => Ok(*i),
            other => Err(self.err(key, v, format!("expected {what}, got {}", got(other)))),
        }
    }

    /// A count (agents, replications, shift sizes): at least `min`, at most a million.
    fn count(&self, key: &str, v: &Spanned<Value>, min: u32, what: &str) -> Result<u32> {
        match v.get_ref() {
            Value::Integer(i) if *i > MAX_COUNT => {
                Err(self.err(key, v, format!("expected {what}, at most {MAX_COUNT}, got {i}")))
            }
            _ => self.integer(key, v, min.into(), MAX_COUNT, what).map(|i| i as u32),
        }
    }

    /// A duration, at most [`MAX_DURATION_SECS`].
    fn duration(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        self.duration_up_to(key, v, MAX_DURATION_SECS)
    }

    /// A duration, at most `max` seconds.
    fn duration_up_to(&self, key: &str, v: &Spanned<Value>, max: f64) -> Result<f64> {
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
    fn dist(&self, key: &str, v: &Spanned<Value>, never_ok: bool) -> Result<Dist> {
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

    fn clock(&self, key: &str, v: &Spanned<Value>) -> Result<u32> {
        match v.get_ref() {
            Value::String(s) => parse_clock(s).map_err(|m| self.err(key, v, m)),
            other => Err(self.err(key, v, format!("expected a clock time like \"08:00\", got {}", got(other)))),
        }
    }

    fn list<'v>(&self, key: &str, v: &'v Spanned<Value>, what: &str) -> Result<&'v [Value]> {
        match v.get_ref() {
            Value::Array(items) => Ok(items),
            other => Err(self.err(key, v, format!("expected a list of {what}, got {}", got(other)))),
        }
    }

    /// A list of numbers, each accepted by `ok`.
    fn numbers(&self, key: &str, v: &Spanned<Value>, what: &str, ok: impl Fn(f64) -> bool) -> Result<Vec<f64>> {
        self.list(key, v, "numbers")?
            .iter()
            .enumerate()
            .map(|(i, item)| match number(item) {
                Some(x) if ok(x) => Ok(x + 0.0),
                _ => Err(self.err(&format!("{key}[{i}]"), v, format!("expected {what}, got {}", got(item)))),
            })
            .collect()
    }

    fn choice<T: Copy>(&self, key: &str, v: &Spanned<Value>, options: &[(&str, T)]) -> Result<T> {
        let names: Vec<String> = options.iter().map(|(n, _)| format!("{n:?}")).collect();
        let found = match v.get_ref() {
            Value::String(s) => options.iter().find(|(n, _)| n == s).map(|(_, t)| *t),
            _ => None,
        };
        found.ok_or_else(|| self.err(key, v, format!("expected one of {}, got {}", names.join(", "), got(v.get_ref()))))
    }

    /// Checks a per-interval list's length.
    fn intervals_len(&self, key: &str, v: &Spanned<Value>, len: usize, sim: &Simulation) -> Result<()> {
        let want = sim.open_intervals();
        if len == want {
            return Ok(());
        }
        Err(self.err(key, v, format!("has {len} entries, expected {want} ({})", per_interval(sim))))
    }

    /// A list per open interval (the same every day), or a list of such lists,
    /// one per day (`simulation.days` of them). `item` converts one entry.
    fn day_profiles<T>(
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

    fn simulation(&self, raw: Option<&Spanned<RawSimulation>>) -> Result<Simulation> {
        let Some(raw) = raw else {
            return Err(self.at("simulation.end", None).err("missing; expected a clock time like \"20:00\""));
        };
        let raw = raw.get_ref();
        let interval = self.opt(&raw.interval, 1800, |v| {
            let secs = self.duration("simulation.interval", v)?;
            match secs {
                900.0 | 1800.0 | 3600.0 => Ok(secs as u32),
                _ => Err(self.err(
                    "simulation.interval",
                    v,
                    format!("expected 15m, 30m or 60m, got {}", got(v.get_ref())),
                )),
            }
        })?;
        let on_grid = |key: &str, v: &Spanned<Value>| {
            let t = self.clock(key, v)?;
            if t % interval != 0 {
                return Err(self.err(
                    key,
                    v,
                    format!(
                        "{} is not on the {} interval grid (counted from 00:00)",
                        fmt_clock(t),
                        fmt_duration(interval.into())
                    ),
                ));
            }
            Ok(t)
        };
        let start = self.opt(&raw.start, 0, |v| on_grid("simulation.start", v))?;
        let end_v = self.required("simulation.end", &raw.end, "a clock time like \"20:00\"")?;
        let end = on_grid("simulation.end", end_v)?;
        if end <= start {
            return Err(self.err(
                "simulation.end",
                end_v,
                format!("end ({}) must be after start ({})", fmt_clock(end), fmt_clock(start)),
            ));
        }
        let seed = self.opt(&raw.seed, 1, |v| match v.get_ref() {
            Value::Integer(i) if *i >= 0 => Ok(*i as u64),
            Value::String(s) if s.parse::<u64>().is_ok() => Ok(s.parse().unwrap_or_default()),
            other => Err(self.err("simulation.seed", v, format!("expected an integer >= 0, got {}", got(other)))),
        })?;
        Ok(Simulation {
            start,
            end,
            days: self.opt(&raw.days, 1, |v| {
                self.integer(
                    "simulation.days",
                    v,
                    1,
                    limits::MAX_DAYS.into(),
                    &format!("an integer from 1 to {}", limits::MAX_DAYS),
                )
                .map(|i| i as u32)
            })?,
            interval,
            warmup: self.opt(&raw.warmup, 0.0, |v| self.duration_up_to("simulation.warmup", v, MAX_WARMUP_SECS))?,
            replications: self.opt(&raw.replications, 10, |v| match v.get_ref() {
                Value::Integer(i) => {
                    limits::check_replications(*i).map_err(|m| self.err("simulation.replications", v, m))
                }
                other => Err(self.err(
                    "simulation.replications",
                    v,
                    format!("expected an integer from 1 to {}, got {}", limits::MAX_REPLICATIONS, got(other)),
                )),
            })?,
            seed,
        })
    }

    fn service_level(&self, raw: Option<&RawServiceLevel>) -> Result<ServiceLevel> {
        let none = RawServiceLevel { threshold: None, goal: None, max_abandon: None, short_abandon: None };
        let raw = raw.unwrap_or(&none);
        Ok(ServiceLevel {
            threshold: self.opt(&raw.threshold, 60.0, |v| self.duration("service_level.threshold", v))?,
            goal: self.opt(&raw.goal, 0.8, |v| self.probability("service_level.goal", v))?,
            max_abandon: self
                .opt(&raw.max_abandon, None, |v| self.probability("service_level.max_abandon", v).map(Some))?,
            short_abandon: self.opt(&raw.short_abandon, 0.0, |v| self.duration("service_level.short_abandon", v))?,
        })
    }

    fn refuse(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        let p = self.probability(key, v)?;
        if p >= 1.0 {
            return Err(self.err(key, v, "expected a probability below 1 (every offer would be refused), got 1"));
        }
        Ok(p)
    }

    fn speed(&self, key: &str, v: &Spanned<Value>) -> Result<Vec<f64>> {
        self.numbers(key, v, &format!("a speed from {MIN_SPEED} to {MAX_SPEED}"), |x| {
            (MIN_SPEED..=MAX_SPEED).contains(&x)
        })
    }

    fn wrapup_blocks(&self, key: &str, v: &Spanned<Value>) -> Result<WrapupBlocks> {
        self.choice(key, v, &[("agent", WrapupBlocks::Agent), ("slot", WrapupBlocks::Slot)])
    }

    fn max_concurrent(&self, key: &str, v: &Spanned<Value>) -> Result<u32> {
        self.integer(key, v, 1, MAX_CONCURRENT.into(), "an integer from 1 to 32").map(|i| i as u32)
    }

    fn chat(&self, raw: Option<&RawChat>) -> Result<(ChatRules, f64)> {
        let none = RawChat {
            max_concurrent: None,
            speed: None,
            accept: None,
            refuse: None,
            inactivity_timeout: None,
            wrapup: None,
            wrapup_blocks: None,
        };
        let raw = raw.unwrap_or(&none);
        let max_concurrent = self.opt(&raw.max_concurrent, 2, |v| self.max_concurrent("chat.max_concurrent", v))?;
        let speed = self.opt(&raw.speed, None, |v| {
            let speed = self.speed("chat.speed", v)?;
            if speed.len() < max_concurrent as usize {
                return Err(self.err(
                    "chat.speed",
                    v,
                    format!(
                        "has {} entries but max_concurrent is {max_concurrent}; expected at least {max_concurrent}",
                        speed.len()
                    ),
                ));
            }
            Ok(Some(speed))
        })?;
        let rules = ChatRules {
            max_concurrent,
            speed,
            accept: self.opt(&raw.accept, Dist::Const(0.0), |v| self.dist("chat.accept", v, false))?,
            refuse: self.opt(&raw.refuse, 0.0, |v| self.refuse("chat.refuse", v))?,
            wrapup: self.opt(&raw.wrapup, Dist::Const(0.0), |v| self.dist("chat.wrapup", v, false))?,
            wrapup_blocks: self
                .opt(&raw.wrapup_blocks, WrapupBlocks::Agent, |v| self.wrapup_blocks("chat.wrapup_blocks", v))?,
        };
        let timeout = self.opt(&raw.inactivity_timeout, 120.0, |v| self.duration("chat.inactivity_timeout", v))?;
        Ok((rules, timeout))
    }

    fn routing(&self, raw: Option<&RawRouting>) -> Result<Routing> {
        use AgentSelect::*;
        use QueueSelect::*;
        let none = RawRouting { agent_select: None, queue_select: None };
        let raw = raw.unwrap_or(&none);
        Ok(Routing {
            agent_select: self.opt(&raw.agent_select, LeastBusy, |v| {
                self.choice(
                    "routing.agent_select",
                    v,
                    &[("least_busy", LeastBusy), ("longest_idle", LongestIdle), ("fill_first", FillFirst)],
                )
            })?,
            queue_select: self.opt(&raw.queue_select, Priority, |v| {
                self.choice(
                    "routing.queue_select",
                    v,
                    &[("priority", Priority), ("oldest", Oldest), ("skill_order", SkillOrder)],
                )
            })?,
        })
    }

    fn group(
        &self,
        key: &str,
        raw: &Spanned<RawGroup>,
        sim: &Simulation,
        chat: &ChatRules,
        staffing: Option<&CsvProfiles<u32>>,
    ) -> Result<GroupDraft> {
        let g = raw.get_ref();
        let k = |field: &str| format!("{key}.{field}");
        let name_v = self.required(&k("name"), &g.name, "a string")?;
        let name = self.name(&k("name"), name_v)?;
        let skills_v = self.required(&k("skills"), &g.skills, "a list of skill names like [\"billing\"]")?;
        let mut skill_names = Vec::new();
        for (i, item) in self.list(&k("skills"), skills_v, "skill names")?.iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => {
                    if skill_names.contains(s) {
                        return Err(self.err(
                            &format!("{}[{i}]", k("skills")),
                            skills_v,
                            format!("skill {s:?} is listed twice"),
                        ));
                    }
                    skill_names.push(s.clone());
                }
                other => {
                    return Err(self.err(
                        &format!("{}[{i}]", k("skills")),
                        skills_v,
                        format!("expected a skill name, got {}", got(other)),
                    ));
                }
            }
        }
        if skill_names.is_empty() {
            return Err(self.err(&k("skills"), skills_v, "empty; expected at least one skill name"));
        }

        let from_file = staffing.and_then(|t| t.by_name.get(&name).map(|p| (t, p)));
        if let Some((table, _)) = from_file {
            let given =
                [("agents", g.agents.as_ref().map(|v| v.span())), ("shifts", g.shifts.as_ref().map(|v| v.span()))];
            if let Some((field, span)) = given.into_iter().find_map(|(f, span)| span.map(|s| (f, s))) {
                return Err(self.at(&k(field), Some(span)).err(format!(
                    "not allowed: {} gives the staffing of group {name:?}; remove `{field}` here or the group's rows there",
                    table.path.display()
                )));
            }
        }
        let staffing = match (&g.agents, &g.shifts, from_file) {
            (None, None, Some((_, profiles))) => Staffing::PerInterval(profiles.clone()),
            (Some(v), None, _) => match v.get_ref() {
                Value::Array(_) => Staffing::PerInterval(self.day_profiles(
                    &k("agents"),
                    v,
                    sim,
                    "a number of agents (an integer from 0 to 1000000)",
                    |x| match x {
                        Value::Integer(n) if (0..=MAX_COUNT).contains(n) => Some(*n as u32),
                        _ => None,
                    },
                )?),
                _ => Staffing::Constant(self.count(
                    &k("agents"),
                    v,
                    0,
                    "a number of agents (an integer >= 0), a list per interval or a list of such lists per day",
                )?),
            },
            (None, Some(shifts), _) => {
                let mut out = Vec::with_capacity(shifts.get_ref().len());
                for (i, s) in shifts.get_ref().iter().enumerate() {
                    let sk = |field: &str| format!("{}[{i}].{field}", k("shifts"));
                    let s = s.get_ref();
                    let start = self
                        .clock(&sk("start"), self.required(&sk("start"), &s.start, "a clock time like \"08:00\"")?)?;
                    let end_v = self.required(&sk("end"), &s.end, "a clock time like \"16:30\"")?;
                    let end = self.clock(&sk("end"), end_v)?;
                    if end <= start {
                        return Err(self.err(
                            &sk("end"),
                            end_v,
                            format!("end ({}) must be after start ({})", fmt_clock(end), fmt_clock(start)),
                        ));
                    }
                    let agents_v = self.required(&sk("agents"), &s.agents, "a number of agents")?;
                    let agents = self.count(&sk("agents"), agents_v, 0, "a number of agents (an integer >= 0)")?;
                    out.push(Shift { start, end, agents });
                }
                let total: u64 = out.iter().map(|s| u64::from(s.agents)).sum();
                if total > MAX_COUNT as u64 {
                    return Err(self
                        .at(&k("shifts"), Some(shifts.span()))
                        .err(format!("the shifts add up to {total} agents; expected at most {MAX_COUNT} in a group")));
                }
                Staffing::Shifts(out)
            }
            (Some(v), Some(_), _) => {
                return Err(self.err(&k("agents"), v, "expected exactly one of `agents` or `shifts`, got both"));
            }
            (None, None, None) => {
                let file = staffing.map_or("a top-level `staffing` file".to_string(), |t| {
                    format!("rows for {name:?} in {}", t.path.display())
                });
                return Err(self.at(key, Some(raw.span())).err(format!(
                    "missing staffing; expected `agents` (a number or a list per interval) or `shifts`, or {file}"
                )));
            }
        };

        let max_concurrent =
            self.opt(&g.max_concurrent, chat.max_concurrent, |v| self.max_concurrent(&k("max_concurrent"), v))?;
        let cap = max_concurrent as usize;
        let speed = match (&g.speed, &chat.speed) {
            (Some(v), _) => {
                let speed = self.speed(&k("speed"), v)?;
                if speed.len() < cap {
                    return Err(self.err(
                        &k("speed"),
                        v,
                        format!("has {} entries but max_concurrent is {cap}; expected at least {cap}", speed.len()),
                    ));
                }
                speed
            }
            (None, Some(speed)) if speed.len() < cap => {
                return Err(self.at(&k("speed"), Some(raw.span())).err(format!(
                    "missing; [chat].speed has {} entries but {} is {cap}; expected a speed list of at least {cap} entries",
                    speed.len(),
                    k("max_concurrent")
                )));
            }
            (None, Some(speed)) => speed.clone(),
            (None, None) => vec![1.0; cap],
        };
        let rules = AgentRules {
            max_concurrent,
            speed,
            accept: self.opt(&g.accept, chat.accept.clone(), |v| self.dist(&k("accept"), v, false))?,
            refuse: self.opt(&g.refuse, chat.refuse, |v| self.refuse(&k("refuse"), v))?,
            wrapup: self.opt(&g.wrapup, chat.wrapup.clone(), |v| self.dist(&k("wrapup"), v, false))?,
            wrapup_blocks: self
                .opt(&g.wrapup_blocks, chat.wrapup_blocks, |v| self.wrapup_blocks(&k("wrapup_blocks"), v))?,
        };
        Ok(GroupDraft {
            group: Group { name, skills: Vec::new(), staffing, rules },
            skill_names,
            name_at: self.at(&k("name"), Some(name_v.span())),
        })
    }

    fn skill_ref(&self, key: &str, v: &Spanned<Value>) -> Result<Ref> {
        Ok(Ref { name: self.name(key, v)?, at: self.at(key, Some(v.span())) })
    }

    fn reason(
        &self,
        key: &str,
        raw: &Spanned<RawReason>,
        sim: &Simulation,
        inputs: &ArrivalInputs,
    ) -> Result<ReasonDraft> {
        let r = raw.get_ref();
        let k = |field: &str| format!("{key}.{field}");
        let name_v = self.required(&k("name"), &r.name, "a string")?;
        let name = self.name(&k("name"), name_v)?;
        let skill = self.skill_ref(&k("skill"), self.required(&k("skill"), &r.skill, "a skill name")?)?;

        let given =
            [("rate", &r.rate), ("volume", &r.volume)].into_iter().find_map(|(f, v)| v.as_ref().map(|v| (f, v)));
        let from_forecast = inputs.forecast.and_then(|t| t.by_name.get(&name).map(|p| (t, p)));
        if let (Some((field, v)), true) = (given, inputs.replaying) {
            return Err(self.err(
                &k(field),
                v,
                "not allowed with a top-level `arrivals` replay, which gives every chat",
            ));
        }
        if let (Some((field, v)), Some((table, _))) = (given, from_forecast) {
            return Err(self.err(
                &k(field),
                v,
                format!(
                    "not allowed: {} gives the volumes of reason {name:?}; remove `{field}` here or the reason's rows there",
                    table.path.display()
                ),
            ));
        }
        let volume = match (&r.rate, &r.volume) {
            (None, None) if inputs.replaying => DayProfiles::every_day(vec![0.0; sim.open_intervals()]),
            (None, None) if let Some((_, profiles)) = from_forecast => profiles.clone(),
            (Some(v), None) => {
                let (count, unit) = match v.get_ref() {
                    Value::String(s) => {
                        let (count, unit) = parse_rate_parts(s).map_err(|m| self.err(&k("rate"), v, m))?;
                        limits::check_rate(count, unit).map_err(|m| self.err(&k("rate"), v, format!("{s:?}: {m}")))?;
                        (count, unit)
                    }
                    other => {
                        return Err(self.err(
                            &k("rate"),
                            v,
                            format!("expected a rate like \"120/h\", got {}", got(other)),
                        ));
                    }
                };
                DayProfiles::every_day(vec![count * f64::from(sim.interval) / unit; sim.open_intervals()])
            }
            (None, Some(v)) => {
                let profiles = self.day_profiles(&k("volume"), v, sim, "a number of chats >= 0", |x| {
                    number(x).filter(|x| x.is_finite() && *x >= 0.0).map(|x| x + 0.0)
                })?;
                let max = limits::max_volume(sim.interval);
                for (d, day) in profiles.profiles().iter().enumerate() {
                    if let Some(i) = day.iter().position(|&x| x > max) {
                        let at = if profiles.is_every_day() { format!("[{i}]") } else { format!("[{d}][{i}]") };
                        return Err(self.err(
                            &format!("{}{at}", k("volume")),
                            v,
                            format!(
                                "expected at most {max} chats in a {} interval ({} chats/h per reason), got {}",
                                fmt_duration(sim.interval.into()),
                                limits::MAX_RATE_PER_HOUR,
                                day[i]
                            ),
                        ));
                    }
                }
                profiles
            }
            (Some(v), Some(_)) => {
                return Err(self.err(&k("rate"), v, "expected exactly one of `rate` or `volume`, got both"));
            }
            (None, None) => {
                let file = inputs.forecast.map_or("a top-level `forecast` or `arrivals` file".to_string(), |t| {
                    format!("rows for {name:?} in {}", t.path.display())
                });
                return Err(self.at(key, Some(raw.span())).err(format!(
                    "missing arrivals; expected `rate` (like \"120/h\") or `volume` (a list per interval), or {file}"
                )));
            }
        };

        let handle_v = self.required(&k("handle"), &r.handle, "a duration or distribution")?;
        let handle = self.dist(&k("handle"), handle_v, false)?;
        let mut reason = Reason {
            name,
            skill: 0,
            volume,
            handle,
            auth: self.opt(&r.auth, Dist::Const(0.0), |v| self.dist(&k("auth"), v, false))?,
            auth_fail: self.opt(&r.auth_fail, 0.0, |v| self.probability(&k("auth_fail"), v))?,
            patience: self.opt(&r.patience, Dist::Never, |v| self.dist(&k("patience"), v, true))?,
            priority: self.opt(&r.priority, 1, |v| {
                self.integer(&k("priority"), v, i32::MIN.into(), i32::MAX.into(), "an integer").map(|p| p as i32)
            })?,
            nonresponsive: None,
            transfer: None,
            commitment: None,
        };
        if let Some(n) = &r.nonresponsive {
            let (n, nk) = (n.get_ref(), |f: &str| format!("{key}.nonresponsive.{f}"));
            reason.nonresponsive = Some(Nonresponsive {
                p: self.probability(&nk("p"), self.required(&nk("p"), &n.p, "a probability")?)?,
                returns: self.opt(&n.returns, 0.0, |v| self.probability(&nk("returns"), v))?,
            });
        }
        let mut transfer_to = None;
        if let Some(t) = &r.transfer {
            let (t, tk) = (t.get_ref(), |f: &str| format!("{key}.transfer.{f}"));
            let p = self.probability(&tk("p"), self.required(&tk("p"), &t.p, "a probability")?)?;
            transfer_to = Some(self.skill_ref(&tk("to"), self.required(&tk("to"), &t.to, "a skill name")?)?);
            let handle = self.opt(&t.handle, None, |v| self.dist(&tk("handle"), v, false).map(Some))?;
            reason.transfer = Some(Transfer { p, to: 0, handle });
        }
        let mut commitment_skill = None;
        if let Some(c) = &r.commitment {
            let (c, ck) = (c.get_ref(), |f: &str| format!("{key}.commitment.{f}"));
            let p = self.probability(&ck("p"), self.required(&ck("p"), &c.p, "a probability")?)?;
            let after =
                self.duration(&ck("after"), self.required(&ck("after"), &c.after, "a duration like \"2h\"")?)?;
            commitment_skill =
                Some(self.skill_ref(&ck("skill"), self.required(&ck("skill"), &c.skill, "a skill name")?)?);
            let handle = self.opt(&c.handle, None, |v| self.dist(&ck("handle"), v, false).map(Some))?;
            reason.commitment = Some(Commitment { p, after, skill: 0, handle });
        }
        Ok(ReasonDraft {
            reason,
            name_at: self.at(&k("name"), Some(name_v.span())),
            skill,
            transfer_to,
            commitment_skill,
        })
    }

    /// The top-level `arrivals`: a CSV file name or an inline array of tables.
    /// Reasons are resolved in pass 2 (`reason` is left 0).
    fn arrivals(&self, v: &Spanned<Value>, sim: &Simulation) -> Result<Vec<(ReplayArrival, Ref)>> {
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
        let at = |key: &str, line: u64, column: usize| At {
            file: path.clone(),
            key: key.to_string(),
            location: Some((line as usize, column)),
        };
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

    /// A top-level per-interval CSV input (`forecast`, `staffing`): columns
    /// `interval,NAME,VALUE` with an optional `day` column (1-based).
    ///
    /// Without `day` each name gets one profile for every day; with it, one per
    /// day. An interval (or a day) without a row for a name counts as 0 (no
    /// chats, no agents). Names must be in `names` (the reasons or groups).
    fn interval_table<T: Copy + Default + PartialEq>(
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
        let mut seen = std::collections::HashMap::new();
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

const ARRIVAL_COLUMNS: [&str; 5] = ["time", "reason", "handle", "auth", "patience"];

/// Checks that a replayed arrival falls within the opening hours of one of the days.
fn check_open(sim: &Simulation, time: f64) -> std::result::Result<(), String> {
    let day = (time / 86_400.0).floor();
    let into_day = time - day * 86_400.0;
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

/// "one per 30m interval from 08:00 to 20:00", for list length messages.
fn per_interval(sim: &Simulation) -> String {
    format!(
        "one per {} interval from {} to {}",
        fmt_duration(sim.interval.into()),
        fmt_clock(sim.start),
        fmt_clock(sim.end)
    )
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

/// List items with a `name` (reasons, groups).
trait HasName {
    fn name(&self) -> Option<&str>;
}

impl HasName for RawReason {
    fn name(&self) -> Option<&str> {
        self.name.as_ref().and_then(|v| v.get_ref().as_str())
    }
}

impl HasName for RawGroup {
    fn name(&self) -> Option<&str> {
        self.name.as_ref().and_then(|v| v.get_ref().as_str())
    }
}

/// `reasons.billing` for a named item, else `reasons[0]`.
fn item_key(list: &str, name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => format!("{list}.{n}"),
        _ => format!("{list}[{index}]"),
    }
}

/// The key path of the innermost key or value spanning `offset` (for serde errors).
fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    find_in_table(doc.get_ref(), offset, "")
}

fn find_in_table(table: &DeTable<'_>, offset: usize, prefix: &str) -> Option<String> {
    for (k, v) in table.iter() {
        let path = if prefix.is_empty() { k.get_ref().to_string() } else { format!("{prefix}.{}", k.get_ref()) };
        if k.span().contains(&offset) {
            return Some(path);
        }
        if let Some(p) = find_in_value(v.get_ref(), offset, &path) {
            return Some(p);
        }
        if v.span().contains(&offset) {
            return Some(path);
        }
    }
    None
}

fn find_in_value(value: &DeValue<'_>, offset: usize, path: &str) -> Option<String> {
    match value {
        DeValue::Table(t) => find_in_table(t, offset, path),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let name = item.get_ref().as_table().and_then(|t| t.get("name")).and_then(|n| n.get_ref().as_str());
            let key = item_key(path, name, i);
            find_in_value(item.get_ref(), offset, &key).or_else(|| item.span().contains(&offset).then_some(key))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "mini"

[simulation]
start = "08:00"
end = "10:00"

[[reasons]]
name = "billing"
skill = "billing"
rate = "120/h"
handle = "5m"

[[groups]]
name = "tier1"
skills = ["billing"]
agents = 3
"#;

    fn data(file: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(file)
    }

    fn parse(text: &str) -> Result<Scenario> {
        parse_str(text, Path::new("scenarios/x.toml"))
    }

    /// MINIMAL with `from` replaced by `to`, expected to fail.
    fn fails(from: &str, to: &str) -> ScenarioError {
        assert!(MINIMAL.contains(from), "{from}");
        match parse(&MINIMAL.replacen(from, to, 1)) {
            Ok(_) => panic!("{to:?} should fail"),
            Err(e) => e,
        }
    }

    #[test]
    fn defaults() {
        let s = parse(MINIMAL).unwrap();
        assert_eq!(s.name, "mini");
        assert_eq!(s.description, "");
        let sim = &s.simulation;
        assert_eq!((sim.start, sim.end, sim.days, sim.interval), (8 * 3600, 10 * 3600, 1, 1800));
        assert_eq!((sim.warmup, sim.replications, sim.seed), (0.0, 10, 1));
        assert_eq!(sim.open_intervals(), 4);
        let sl = &s.service_level;
        assert_eq!((sl.threshold, sl.goal, sl.max_abandon, sl.short_abandon), (60.0, 0.8, None, 0.0));
        assert_eq!(s.inactivity_timeout, 120.0);
        assert_eq!(s.routing.agent_select, AgentSelect::LeastBusy);
        assert_eq!(s.routing.queue_select, QueueSelect::Priority);
        assert_eq!(s.skills, ["billing"]);
        let r = &s.reasons[0];
        assert_eq!(r.volume.day(0), [60.0; 4]);
        assert_eq!(
            (r.handle.clone(), r.auth.clone(), r.patience.clone()),
            (Dist::Const(300.0), Dist::Const(0.0), Dist::Never)
        );
        assert_eq!((r.auth_fail, r.priority), (0.0, 1));
        assert!(r.nonresponsive.is_none() && r.transfer.is_none() && r.commitment.is_none());
        let g = &s.groups[0];
        assert_eq!(g.skills, [0]);
        assert_eq!(g.staffing, Staffing::Constant(3));
        let rules = &g.rules;
        assert_eq!((rules.max_concurrent, rules.speed.clone(), rules.refuse), (2, vec![1.0, 1.0], 0.0));
        assert_eq!((rules.accept.clone(), rules.wrapup.clone()), (Dist::Const(0.0), Dist::Const(0.0)));
        assert_eq!(rules.wrapup_blocks, WrapupBlocks::Agent);
        assert!(s.replay.is_none());
    }

    #[test]
    fn full_example() {
        let s = load(&data("retail.toml")).unwrap();
        assert_eq!(s.skills, ["billing", "orders", "tech"]);
        assert_eq!(s.simulation.seed, 20261128);
        assert_eq!(s.service_level.max_abandon, Some(0.05));
        let [billing, orders, tech] = &s.reasons[..] else { panic!() };
        assert_eq!(billing.volume.day(0).len(), 24);
        assert_eq!(billing.transfer.as_ref().map(|t| t.to), Some(2));
        assert_eq!(billing.commitment.as_ref().map(|c| (c.skill, c.after)), Some((0, 7200.0)));
        assert_eq!(billing.nonresponsive.as_ref().map(|n| (n.p, n.returns)), Some((0.08, 0.25)));
        assert_eq!(orders.volume.day(0), [8.75; 24]);
        assert_eq!(tech.volume.day(0), [12.0; 24]);
        assert_eq!(tech.handle, Dist::empirical(vec![30.0, 45.5, 60.0, 120.0]).unwrap());
        assert_eq!(tech.transfer.as_ref().map(|t| t.to), Some(0));
        let [tier1, techg, night] = &s.groups[..] else { panic!() };
        assert_eq!(tier1.rules.speed, [1.0, 0.8]);
        assert_eq!(tier1.rules.accept, Dist::Const(5.0));
        assert_eq!(techg.skills, [2, 0]);
        assert_eq!(techg.rules.max_concurrent, 3);
        assert_eq!(techg.rules.wrapup_blocks, WrapupBlocks::Slot);
        assert_eq!(techg.rules.refuse, 0.05);
        assert_eq!(techg.rules.wrapup, tier1.rules.wrapup);
        assert!(
            matches!(&techg.staffing, Staffing::Shifts(v) if v.len() == 2 && v[1].start == 41400 && v[1].end == 72000)
        );
        assert_eq!(night.rules.max_concurrent, 1);
        assert_eq!(night.rules.speed, [1.0, 0.8]);
        assert!(matches!(&night.staffing, Staffing::PerInterval(v) if v.day(0).len() == 24));
    }

    #[test]
    fn replay_from_csv() {
        let s = load(&data("replay.toml")).unwrap();
        let replay = s.replay.as_ref().unwrap();
        let got: Vec<_> = replay.iter().map(|a| (a.time, a.reason, a.handle, a.patience)).collect();
        assert_eq!(
            got,
            [
                (12.5, 0, Some(300.0), None),
                (12.5, 1, None, None),
                (90.0, 1, None, None),
                (7199.5, 0, None, Some(30.0)),
                (86400.0, 1, Some(600.0), None),
            ]
        );
        assert!(s.reasons.iter().all(|r| r.volume.day(0) == [0.0, 0.0]));
    }

    #[test]
    fn resolved_toml_round_trips() {
        let with_seed = MINIMAL.replace("end = \"10:00\"", "end = \"10:00\"\nseed = \"18446744073709551615\"");
        let scenarios = [
            load(&data("retail.toml")).unwrap(),
            load(&data("replay.toml")).unwrap(),
            parse(MINIMAL).unwrap(),
            parse(&with_seed).unwrap(),
        ];
        for s in scenarios {
            let text = resolved_toml(&s);
            assert!(text.starts_with(&format!("# ccsim {} resolved scenario\n", env!("CARGO_PKG_VERSION"))));
            // Read back from elsewhere: nothing may depend on files beside the original.
            let back = parse_str(&text, &s.path).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back, s, "{text}");
            let elsewhere = parse_str(&text, Path::new("/nonexistent/run.toml")).unwrap();
            assert_eq!(resolved_toml(&elsewhere), text);
        }
    }

    #[test]
    fn inline_arrivals() {
        let text = MINIMAL.replace(
            "name = \"mini\"",
            "name = \"mini\"\narrivals = [{ time = 30, reason = \"billing\", auth = \"10s\" }, { time = 0.5, reason = \"billing\" }]",
        );
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key, "reasons.billing.rate", "{err}");
        let s = parse(&text.replace("rate = \"120/h\"", "")).unwrap();
        let replay = s.replay.unwrap();
        assert_eq!(replay.iter().map(|a| (a.time, a.auth)).collect::<Vec<_>>(), [(0.5, None), (30.0, Some(10.0))]);
    }

    #[test]
    fn errors_name_the_key() {
        let cases: Vec<(ScenarioError, &str, &str)> = vec![
            (fails("handle = \"5m\"", ""), "reasons.billing.handle", "missing; expected a duration or distribution"),
            (fails("\"5m\"", "\"lognormal(mean=7m)\""), "reasons.billing.handle", "missing sd"),
            (fails("\"5m\"", "\"never\""), "reasons.billing.handle", "only allowed for patience"),
            (fails("\"5m\"", "-5"), "reasons.billing.handle", "expected a duration"),
            (fails("handle = ", "handel = "), "reasons.billing.handel", "unknown field"),
            (fails("[simulation]", "[simulation]\nspeed = 2"), "simulation.speed", "unknown field"),
            (
                fails("rate = \"120/h\"", "volume = [1, 2, 3]"),
                "reasons.billing.volume",
                "has 3 entries, expected 4 (one per 30m interval from 08:00 to 10:00)",
            ),
            (fails("rate = \"120/h\"", "volume = [1, 2, -3, 4]"), "reasons.billing.volume[2]", "got -3"),
            (fails("rate = \"120/h\"", "rate = \"120/d\""), "reasons.billing.rate", "expected a rate"),
            (fails("rate = \"120/h\"", "rate = \"1/h\"\nvolume = [1, 2, 3, 4]"), "reasons.billing.rate", "got both"),
            (fails("rate = \"120/h\"", ""), "reasons.billing", "missing arrivals"),
            (fails("skill = \"billing\"", "skill = \"biling\""), "reasons.billing.skill", "the groups serve: billing"),
            (
                fails("handle = \"5m\"", "handle = \"5m\"\ntransfer = { p = 0.1, to = \"tech\" }"),
                "reasons.billing.transfer.to",
                "unknown skill \"tech\"",
            ),
            (
                fails("handle = \"5m\"", "handle = \"5m\"\ncommitment = { p = 0.1, after = \"1h\", skill = \"x\" }"),
                "reasons.billing.commitment.skill",
                "unknown skill \"x\"",
            ),
            (
                fails("handle = \"5m\"", "handle = \"5m\"\ntransfer = { to = \"billing\" }"),
                "reasons.billing.transfer.p",
                "missing",
            ),
            (
                fails("handle = \"5m\"", "handle = \"5m\"\nauth_fail = 1.5"),
                "reasons.billing.auth_fail",
                "between 0 and 1",
            ),
            (
                fails("handle = \"5m\"", "handle = \"5m\"\nnonresponsive = 0.1"),
                "reasons.billing.nonresponsive",
                "expected a table",
            ),
            (
                fails(
                    "[[groups]]",
                    "[[reasons]]\nname = \"billing\"\nskill = \"billing\"\nrate = \"1/h\"\nhandle = \"1m\"\n\n[[groups]]",
                ),
                "reasons.billing.name",
                "duplicate reason name",
            ),
            (
                fails("agents = 3", "agents = 3\n\n[[groups]]\nname = \"tier1\"\nskills = [\"billing\"]\nagents = 1"),
                "groups.tier1.name",
                "duplicate group name",
            ),
            (
                fails("agents = 3", "agents = 3\nmax_concurrent = 3\n[chat]\nspeed = [1.0, 0.8]"),
                "groups.tier1.speed",
                "[chat].speed has 2 entries but groups.tier1.max_concurrent is 3",
            ),
            (
                fails("[simulation]", "[chat]\nmax_concurrent = 3\nspeed = [1.0, 0.8]\n[simulation]"),
                "chat.speed",
                "has 2 entries but max_concurrent is 3",
            ),
            (fails("[simulation]", "[chat]\nrefuse = 1\n[simulation]"), "chat.refuse", "below 1"),
            (
                fails("[simulation]", "[chat]\nwrapup_blocks = \"group\"\n[simulation]"),
                "chat.wrapup_blocks",
                "expected one of \"agent\", \"slot\"",
            ),
            (fails("[simulation]", "[service_level]\ngoal = nan\n[simulation]"), "service_level.goal", "got nan"),
            (
                fails("[simulation]", "[routing]\nagent_select = \"random\"\n[simulation]"),
                "routing.agent_select",
                "least_busy",
            ),
            (fails("end = \"10:00\"", "end = \"08:00\""), "simulation.end", "must be after start"),
            (fails("end = \"10:00\"", "end = \"10:10\""), "simulation.end", "not on the 30m interval grid"),
            (fails("end = \"10:00\"", ""), "simulation.end", "missing"),
            (fails("end = \"10:00\"", "end = \"24:30\""), "simulation.end", "expected a clock time"),
            (
                fails("end = \"10:00\"", "end = \"10:00\"\ninterval = \"20m\""),
                "simulation.interval",
                "expected 15m, 30m or 60m",
            ),
            (fails("end = \"10:00\"", "end = \"10:00\"\ndays = 0"), "simulation.days", "an integer from 1 to 36600"),
            (
                fails("end = \"10:00\"", "end = \"10:00\"\nreplications = 0"),
                "simulation.replications",
                "expected an integer from 1 to 1000000, got 0",
            ),
            (fails("end = \"10:00\"", "end = \"10:00\"\nwarmup = -1.0"), "simulation.warmup", "got -1.0"),
            (fails("name = \"mini\"", ""), "name", "missing"),
            (fails("agents = 3", "agents = [1, 2]"), "groups.tier1.agents", "has 2 entries, expected 4"),
            (fails("agents = 3", "agents = 3\nshifts = []"), "groups.tier1.agents", "got both"),
            (fails("agents = 3", ""), "groups.tier1", "missing staffing"),
            (fails("skills = [\"billing\"]", "skills = []"), "groups.tier1.skills", "empty"),
            (
                fails(
                    "agents = 3",
                    "shifts = [{ start = \"08:00\", end = \"10:00\", agents = 1 }, { start = \"09:00\", end = \"08:30\", agents = 1 }]",
                ),
                "groups.tier1.shifts[1].end",
                "must be after start",
            ),
            (
                fails("agents = 3", "shifts = [{ start = \"08:00\", end = \"10:00\", agent = 1 }]"),
                "groups.tier1.shifts[0].agent",
                "unknown field",
            ),
            (fails("[[groups]]", "[[groupz]]"), "groupz", "unknown field"),
            (fails("name = \"mini\"", "name = \"mini\"\nforecat = \"f.csv\""), "forecat", "unknown field"),
            (
                fails("name = \"mini\"", "name = \"mini\"\nforecast = \"nonexistent/f.csv\""),
                "forecast",
                "cannot read scenarios/nonexistent/f.csv",
            ),
            (
                fails("name = \"mini\"", "name = \"mini\"\nstaffing = 3"),
                "staffing",
                "expected a CSV file name like \"staffing.csv\", got 3",
            ),
        ];
        for (err, key, text) in cases {
            let shown = err.to_string();
            assert_eq!(err.key, key, "{shown}");
            assert!(shown.starts_with("scenarios/x.toml"), "{shown}");
            assert!(shown.contains(&format!(": {key}: ")), "{shown}");
            assert!(err.message.contains(text), "{shown} lacks {text:?}");
        }
    }

    #[test]
    fn positions() {
        let e = fails("\"5m\"", "\"lognormal(mean=7m)\"");
        assert_eq!(e.location, Some((12, 10)), "{e}");
        assert!(e.to_string().starts_with("scenarios/x.toml:12:10: reasons.billing.handle: expected"), "{e}");
        let e = fails("handle = ", "handel = ");
        assert_eq!(e.location, Some((12, 1)), "{e}");
        let e = fails("rate = \"120/h\"", "rate = \"120/h");
        assert!(e.location.is_some() && e.key.is_empty(), "{e}");
        assert!(e.to_string().starts_with("scenarios/x.toml:11:"), "{e}");
    }

    #[test]
    fn arrival_errors_name_the_csv() {
        let dir = std::env::temp_dir().join(format!("ccsim-scenario-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = dir.join("s.toml");
        let text =
            MINIMAL.replace("name = \"mini\"", "name = \"mini\"\narrivals = \"a.csv\"").replace("rate = \"120/h\"", "");
        let cases = [
            ("time,reason\n1,billing\n2,tech\n", (3, 2), "reason", "unknown reason \"tech\""),
            ("time,reason\n1,billing\n-2,billing\n", (3, 1), "time", "expected a number of seconds"),
            ("time,reason\n7200,billing\n", (2, 1), "time", "outside the opening hours"),
            ("time,reason,handel\n1,billing,3\n", (1, 3), "handel", "unknown column"),
            ("reason,time\n1,billing,3\n", (2, 1), "", "found record with 3 fields"),
        ];
        for (csv, location, key, message) in cases {
            std::fs::write(dir.join("a.csv"), csv).unwrap();
            let e = parse_str(&text, &scenario).unwrap_err();
            assert_eq!(e.file, dir.join("a.csv"), "{e}");
            assert_eq!((e.location, e.key.as_str()), (Some(location), key), "{e}");
            assert!(e.message.contains(message), "{e}");
        }
        std::fs::write(dir.join("a.csv"), "reason,time,auth\nbilling,1.5,\nbilling,0,2\n").unwrap();
        let s = parse_str(&text, &scenario).unwrap();
        let replay = s.replay.unwrap();
        assert_eq!(replay.iter().map(|a| (a.time, a.auth)).collect::<Vec<_>>(), [(0.0, Some(2.0)), (1.5, None)]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn inline_per_day_lists() {
        let two_days = MINIMAL.replace("end = \"10:00\"", "end = \"10:00\"\ndays = 2");
        let text = two_days
            .replace("rate = \"120/h\"", "volume = [[1, 2, 3, 4], [5, 6, 7, 8.5]]")
            .replace("agents = 3", "agents = [[1, 1, 1, 1], [2, 2, 0, 0]]");
        let s = parse(&text).unwrap();
        assert_eq!(s.reasons[0].volume, DayProfiles::per_day(vec![vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0, 7.0, 8.5]]));
        assert_eq!(
            s.groups[0].staffing,
            Staffing::PerInterval(DayProfiles::per_day(vec![vec![1; 4], vec![2, 2, 0, 0]]))
        );
        // One day: a list holding one list is the plain list.
        let one = parse(&MINIMAL.replace("rate = \"120/h\"", "volume = [[1, 2, 3, 4]]")).unwrap();
        assert_eq!(one.reasons[0].volume, DayProfiles::every_day(vec![1.0, 2.0, 3.0, 4.0]));

        let fails2 = |from: &str, to: &str| {
            assert!(two_days.contains(from), "{from}");
            parse(&two_days.replacen(from, to, 1)).map(|_| ()).unwrap_err()
        };
        let cases = [
            (
                fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4]]"),
                "reasons.billing.volume",
                "has 1 day lists, expected 2 (simulation.days)",
            ),
            (
                fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]"),
                "reasons.billing.volume",
                "has 3 day lists, expected 2",
            ),
            (
                fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4], [1, 2, 3]]"),
                "reasons.billing.volume[1]",
                "has 3 entries, expected 4 (one per 30m interval from 08:00 to 10:00)",
            ),
            (
                fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4], [1, -2, 3, 4]]"),
                "reasons.billing.volume[1][1]",
                "expected a number of chats >= 0, got -2",
            ),
            (
                fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4], 5]"),
                "reasons.billing.volume[1]",
                "expected day 2's list",
            ),
            (fails2("rate = \"120/h\"", "volume = \"many\""), "reasons.billing.volume", "expected a list per interval"),
            (
                fails2("agents = 3", "agents = [[1, 1, 1, 1], [1, 1, 1]]"),
                "groups.tier1.agents[1]",
                "has 3 entries, expected 4",
            ),
            (fails2("agents = 3", "agents = [[1, 1, 1, 1], [1, 1, 1.5, 1]]"), "groups.tier1.agents[1][2]", "got 1.5"),
            (fails2("agents = 3", "agents = [[1, 1, 1, 1]]"), "groups.tier1.agents", "has 1 day lists, expected 2"),
        ];
        for (err, key, text) in cases {
            assert_eq!(err.key, key, "{err}");
            assert!(err.message.contains(text), "{err} lacks {text:?}");
            assert!(err.location.is_some(), "{err}");
        }
    }

    /// Two reasons and two groups over two days of four 30-minute intervals;
    /// `billing` and `tier1` are left to `forecast.csv` and `staffing.csv`.
    const FILES: &str = r#"
name = "files"
forecast = "forecast.csv"
staffing = "staffing.csv"

[simulation]
start = "08:00"
end = "10:00"
days = 2

[[reasons]]
name = "billing"
skill = "billing"
handle = "5m"

[[reasons]]
name = "orders"
skill = "billing"
rate = "10/h"
handle = "5m"

[[groups]]
name = "tier1"
skills = ["billing"]

[[groups]]
name = "tier2"
skills = ["billing"]
agents = 1
"#;

    const FORECAST: &str = "interval,reason,volume\n08:00,billing,10\n09:30,billing,2.5\n08:30,billing,0\n";
    const STAFFING: &str = "interval,group,agents\n08:00,tier1,3\n08:30,tier1,4\n";

    /// Parses `text` as `s.toml` in a fresh folder holding `files`.
    fn parse_with_files(text: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Scenario>) {
        let dir = tempfile::TempDir::new().unwrap();
        for (name, contents) in files {
            std::fs::write(dir.path().join(name), contents).unwrap();
        }
        let scenario = dir.path().join("s.toml");
        std::fs::write(&scenario, text).unwrap();
        let result = load(&scenario);
        (dir, result)
    }

    #[test]
    fn forecast_and_staffing_from_csv() {
        let (_dir, s) = parse_with_files(FILES, &[("forecast.csv", FORECAST), ("staffing.csv", STAFFING)]);
        let s = s.unwrap();
        // Without a day column: one profile for every day; missing rows are 0.
        assert_eq!(s.reasons[0].volume, DayProfiles::every_day(vec![10.0, 0.0, 0.0, 2.5]));
        assert_eq!(s.reasons[1].volume, DayProfiles::every_day(vec![5.0; 4]));
        assert_eq!(s.groups[0].staffing, Staffing::PerInterval(DayProfiles::every_day(vec![3, 4, 0, 0])));
        assert_eq!(s.groups[1].staffing, Staffing::Constant(1));

        // With a day column (anywhere), per day; a day without rows is all 0.
        // Further staffing columns, as `staff` writes them, are ignored.
        let forecast = "interval,day,reason,volume\n 08:00 , 1 , billing , 4 \n09:00,1,billing,1e1\n";
        let staffing = "day,interval,group,agents,service_level,ci95_low,ci95_high,abandon_rate,occupancy\n\
                        1,08:00,tier1,3,0.81,0.78,0.84,0.02,0.7\n2,09:30,tier1,5,,,,,\n2,08:00,tier1,2\n\n";
        let (_dir, s) = parse_with_files(FILES, &[("forecast.csv", forecast), ("staffing.csv", staffing)]);
        let s = s.unwrap();
        assert_eq!(s.reasons[0].volume, DayProfiles::per_day(vec![vec![4.0, 0.0, 10.0, 0.0], vec![0.0; 4]]));
        assert_eq!(
            s.groups[0].staffing,
            Staffing::PerInterval(DayProfiles::per_day(vec![vec![3, 0, 0, 0], vec![2, 0, 0, 5]]))
        );

        // A day of `all` (as `staff` writes for a staffing that serves every day) sets every day.
        let staffing = "day,interval,group,agents\nall,08:00,tier1,3\nall,09:30,tier1,1\n";
        let (_dir, s) = parse_with_files(FILES, &[("forecast.csv", forecast), ("staffing.csv", staffing)]);
        let s = s.unwrap();
        assert_eq!(s.groups[0].staffing, Staffing::PerInterval(DayProfiles::every_day(vec![3, 0, 0, 1])));
        let staffing = "day,interval,group,agents\nall,08:00,tier1,3\n2,09:30,tier1,1\n1,08:00,tier1,4\n";
        let (_dir, s) = parse_with_files(FILES, &[("forecast.csv", forecast), ("staffing.csv", staffing)]);
        let e = s.unwrap_err();
        assert!(e.message.contains("duplicate row for day 1, 08:00") && e.message.contains("line 2"), "{e}");

        // Both files may name every reason and group, and only the forecast may be given.
        let forecast = "interval,reason,volume\n08:00,billing,1\n08:00,orders,2\n";
        let text = FILES.replace("rate = \"10/h\"\n", "").replace("staffing = \"staffing.csv\"\n", "");
        let text = text.replace("skills = [\"billing\"]\n\n", "skills = [\"billing\"]\nagents = 2\n\n");
        let (_dir, s) = parse_with_files(&text, &[("forecast.csv", forecast)]);
        let s = s.unwrap();
        assert_eq!(s.reasons[1].volume, DayProfiles::every_day(vec![2.0, 0.0, 0.0, 0.0]));
        assert_eq!(s.groups[0].staffing, Staffing::Constant(2));
    }

    #[test]
    fn csv_errors_name_file_line_and_column() {
        const F: &str = "forecast.csv";
        const S: &str = "staffing.csv";
        /// (file, contents, (line, column), key, message)
        type Case = (&'static str, &'static str, (usize, usize), &'static str, &'static str);
        let cases: &[Case] = &[
            (F, "", (1, 1), "", "empty file; expected a header line day,interval,reason,volume"),
            (F, "interval,reason\n08:00,billing\n", (1, 1), "volume", "missing column"),
            (F, "volume,reason\n1,billing\n", (1, 1), "interval", "missing column"),
            (F, "interval,reason,volume,aht\n08:00,billing,1,300\n", (1, 4), "aht", "unknown column"),
            (F, "interval,reason,volume,reason\n", (1, 4), "reason", "duplicate column; column 2"),
            (F, "interval,reason,volume\n", (1, 1), "", "no rows after the header"),
            (
                F,
                "interval,reason,volume\n08:00,billing,1\n08:30,tech,2\n",
                (3, 2),
                "reason",
                "unknown reason \"tech\"; the reasons are: billing, orders",
            ),
            (
                F,
                "interval,reason,volume\n08:00,billing,-1\n",
                (2, 3),
                "volume",
                "expected a number of chats >= 0, got \"-1\"",
            ),
            (F, "interval,reason,volume\n08:00,billing,many\n", (2, 3), "volume", "got \"many\""),
            (F, "interval,reason,volume\n08:00,billing,NaN\n", (2, 3), "volume", "got \"NaN\""),
            (F, "interval,reason,volume\n08:00,billing\n", (2, 3), "volume", "got \"\""),
            (
                F,
                "interval,reason,volume\n08:10,billing,1\n",
                (2, 1),
                "interval",
                "expected an interval start from 08:00 to 09:30 every 30 minutes (HH:MM), got \"08:10\"",
            ),
            (F, "interval,reason,volume\n10:00,billing,1\n", (2, 1), "interval", "got \"10:00\""),
            (F, "interval,reason,volume\n07:30,billing,1\n", (2, 1), "interval", "got \"07:30\""),
            (F, "interval,reason,volume\n8am,billing,1\n", (2, 1), "interval", "got \"8am\""),
            (
                F,
                "day,interval,reason,volume\n3,08:00,billing,1\n",
                (2, 1),
                "day",
                "expected a day number from 1 to 2 (simulation.days) or all, got \"3\"",
            ),
            (F, "interval,day,reason,volume\n08:00,0,billing,1\n", (2, 2), "day", "got \"0\""),
            (
                F,
                "interval,reason,volume\n08:00,billing,1\n08:30,billing,1\n08:00,billing,2\n",
                (4, 2),
                "reason",
                "duplicate row for 08:00 and reason \"billing\"; line 2 already gives it",
            ),
            (
                F,
                "day,interval,reason,volume\n1,08:00,billing,1\n2,08:00,billing,1\n2,08:00,billing,3\n",
                (4, 3),
                "reason",
                "duplicate row for day 2, 08:00 and reason \"billing\"; line 3 already gives it",
            ),
            // An unterminated quote runs to the end of the file.
            (F, "interval,reason,volume\n\"08:00,billing,1\n", (2, 1), "interval", "got \"08:00,billing,1"),
            (S, "interval,group\n08:00,tier1\n", (1, 1), "agents", "missing column"),
            (
                S,
                "interval,group,agents\n08:00,tier3,1\n",
                (2, 2),
                "group",
                "unknown group \"tier3\"; the groups are: tier1, tier2",
            ),
            (
                S,
                "interval,group,agents\n08:00,tier1,-1\n",
                (2, 3),
                "agents",
                "expected a number of agents (an integer from 0 to 1000000), got \"-1\"",
            ),
            (S, "interval,group,agents\n08:00,tier1,1.5\n", (2, 3), "agents", "got \"1.5\""),
            (S, "interval,group,agents\n08:00,tier1,2000000\n", (2, 3), "agents", "got \"2000000\""),
            (S, "interval,group,agents\n08:00,tier1,1\n09:45,tier1,1\n", (3, 1), "interval", "got \"09:45\""),
            (
                S,
                "interval,group,agents,notes\n08:00,tier1,1,a\n08:00,tier1,2,b\n",
                (3, 2),
                "group",
                "duplicate row for 08:00 and group \"tier1\"; line 2 already gives it",
            ),
        ];
        for (file, csv, location, key, message) in cases {
            let files = if *file == F { [(F, *csv), (S, STAFFING)] } else { [(F, FORECAST), (S, *csv)] };
            let (dir, result) = parse_with_files(FILES, &files);
            let e = result.map(|_| ()).unwrap_err();
            assert_eq!(e.file, dir.path().join(file), "{csv:?}: {e}");
            assert_eq!((e.location, e.key.as_str()), (Some(*location), *key), "{csv:?}: {e}");
            assert!(e.message.contains(message), "{csv:?}: {e} lacks {message:?}");
            let shown = e.to_string();
            let at = format!("{file}:{}:{}: ", location.0, location.1);
            assert!(shown.contains(&at), "{shown} lacks {at}");
            if !key.is_empty() {
                assert!(shown.contains(&format!("{at}{key}: ")), "{shown}");
            }
        }
    }

    #[test]
    fn file_inputs_and_toml_keys_conflict() {
        let files = [("forecast.csv", FORECAST), ("staffing.csv", STAFFING)];
        let fails = |from: &str, to: &str, files: &[(&str, &str)]| {
            assert!(FILES.contains(from), "{from}");
            let (dir, result) = parse_with_files(&FILES.replacen(from, to, 1), files);
            (dir.path().to_path_buf(), result.map(|_| ()).unwrap_err())
        };
        let billing = "name = \"billing\"\nskill = \"billing\"\n";
        let tier1 = "name = \"tier1\"\nskills = [\"billing\"]\n";
        let cases = [
            (fails(billing, &format!("{billing}rate = \"1/h\"\n"), &files), "reasons.billing.rate", "forecast.csv"),
            (
                fails(billing, &format!("{billing}volume = [1, 2, 3, 4]\n"), &files),
                "reasons.billing.volume",
                "forecast.csv",
            ),
            (fails("rate = \"10/h\"\n", "", &files), "reasons.orders", "forecast.csv"),
            (fails(tier1, &format!("{tier1}agents = 2\n"), &files), "groups.tier1.agents", "staffing.csv"),
            (
                fails(
                    tier1,
                    &format!("{tier1}shifts = [{{ start = \"08:00\", end = \"10:00\", agents = 1 }}]\n"),
                    &files,
                ),
                "groups.tier1.shifts",
                "staffing.csv",
            ),
            (fails("agents = 1\n", "", &files), "groups.tier2", "staffing.csv"),
            (
                fails("name = \"files\"\n", "name = \"files\"\narrivals = \"forecast.csv\"\n", &files),
                "forecast",
                "`arrivals`",
            ),
            (fails("", "", &files[1..]), "forecast", "cannot read"),
            (fails("", "", &files[..1]), "staffing", "cannot read"),
        ];
        for ((dir, e), key, says) in cases {
            assert_eq!(e.key, key, "{e}");
            assert!(e.location.is_some(), "{e}");
            assert_eq!(e.file, dir.join("s.toml"), "{e}");
            let says = if says.ends_with(".csv") { dir.join(says).display().to_string() } else { says.to_string() };
            assert!(e.message.contains(&says), "{e} lacks {says:?}");
        }
        let (_, e) = fails("rate = \"10/h\"\n", "", &files);
        assert!(e.message.contains("missing arrivals") && e.message.contains("rows for \"orders\""), "{e}");
        let (_, e) = fails("agents = 1\n", "", &files);
        assert!(e.message.contains("missing staffing") && e.message.contains("rows for \"tier2\""), "{e}");
        let (dir, e) = fails("", "", &files[1..]);
        assert!(e.message.contains(&dir.join("forecast.csv").display().to_string()), "{e}");
        // Beside a scenario given without a folder, files are named as written.
        let e = parse_str(FILES, Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().starts_with("x.toml:4:12: staffing: cannot read staffing.csv: "), "{e}");
    }

    #[test]
    fn resolved_toml_inlines_csv_inputs() {
        let per_day = [
            ("forecast.csv", "day,interval,reason,volume\n1,08:00,billing,4\n2,09:30,billing,1.25\n"),
            ("staffing.csv", "day,interval,group,agents\n1,08:00,tier1,3\n2,08:30,tier1,2\n"),
        ];
        let every_day = [("forecast.csv", FORECAST), ("staffing.csv", STAFFING)];
        for files in [&per_day, &every_day] {
            let (_dir, s) = parse_with_files(FILES, files);
            let s = s.unwrap();
            let text = resolved_toml(&s);
            assert!(!text.contains("forecast") && !text.contains("staffing"), "{text}");
            let back = parse_str(&text, &s.path).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back, s, "{text}");
            let elsewhere = parse_str(&text, Path::new("/nonexistent/run.toml")).unwrap();
            assert_eq!(resolved_toml(&elsewhere), text);
            if files[0].1.starts_with("day,") {
                assert!(text.contains("volume = [[4, 0, 0, 0], [0, 0, 0, 1.25]]"), "{text}");
                assert!(text.contains("agents = [[3, 0, 0, 0], [0, 2, 0, 0]]"), "{text}");
            } else {
                assert!(text.contains("volume = [10, 0, 0, 2.5]"), "{text}");
                assert!(text.contains("agents = [3, 4, 0, 0]"), "{text}");
            }
        }
    }
}
