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

/// Chats an agent may hold at once, at most (a guard against typos).
const MAX_CONCURRENT: u32 = 32;
/// Agents, replications and other counts, at most.
const MAX_COUNT: i64 = 1_000_000;
/// Days a run may simulate, at most (a century).
const MAX_DAYS: u32 = 36_600;

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
    let base_dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let ctx = Ctx { text, file: path, base_dir };
    let raw: RawScenario = toml::from_str(text).map_err(|e| ctx.toml_error(&e))?;

    // Pass 1: every field on its own.
    let name = ctx.name("name", ctx.required("name", &raw.name, "a string")?)?;
    let description = ctx.opt(&raw.description, String::new(), |v| ctx.string("description", v))?;
    let simulation = ctx.simulation(raw.simulation.as_ref())?;
    let service_level = ctx.service_level(raw.service_level.as_ref())?;
    let (chat, inactivity_timeout) = ctx.chat(raw.chat.as_ref())?;
    let routing = ctx.routing(raw.routing.as_ref())?;
    let groups = ctx.items("groups", &raw.groups, "[[groups]] tables")?;
    let groups = groups.iter().map(|(key, g)| ctx.group(key, g, &simulation, &chat)).collect::<Result<Vec<_>>>()?;
    let replaying = raw.arrivals.is_some();
    let reasons = ctx.items("reasons", &raw.reasons, "[[reasons]] tables")?;
    let reasons =
        reasons.iter().map(|(key, r)| ctx.reason(key, r, &simulation, replaying)).collect::<Result<Vec<_>>>()?;
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

    fn duration(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        match v.get_ref() {
            Value::String(s) => parse_duration(s).map_err(|m| self.err(key, v, m)),
            other => match number(other) {
                Some(x) if x.is_finite() && x >= 0.0 => Ok(x + 0.0),
                _ => Err(self.err(
                    key,
                    v,
                    format!("expected {DURATION_HINT} or a number of seconds >= 0, got {}", got(other)),
                )),
            },
        }
    }

    /// A distribution; `never` only where `never_ok` (patience).
    fn dist(&self, key: &str, v: &Spanned<Value>, never_ok: bool) -> Result<Dist> {
        let d = match v.get_ref() {
            Value::String(s) => parse_dist(s, &self.base_dir).map_err(|m| self.err(key, v, m))?,
            other => match number(other).map(Dist::constant) {
                Some(Ok(d)) => d,
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
        Err(self.err(
            key,
            v,
            format!(
                "has {len} entries but the day has {want} open intervals ({} to {} by {}); expected {want}",
                fmt_clock(sim.start),
                fmt_clock(sim.end),
                fmt_duration(sim.interval.into())
            ),
        ))
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
                self.integer("simulation.days", v, 1, MAX_DAYS.into(), "an integer from 1 to 36600").map(|i| i as u32)
            })?,
            interval,
            warmup: self.opt(&raw.warmup, 0.0, |v| self.duration("simulation.warmup", v))?,
            replications: self
                .opt(&raw.replications, 10, |v| self.count("simulation.replications", v, 1, "an integer >= 1"))?,
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
        self.numbers(key, v, "a speed > 0", |x| x.is_finite() && x > 0.0)
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

    fn group(&self, key: &str, raw: &Spanned<RawGroup>, sim: &Simulation, chat: &ChatRules) -> Result<GroupDraft> {
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

        let staffing = match (&g.agents, &g.shifts) {
            (Some(v), None) => match v.get_ref() {
                Value::Array(items) => {
                    let mut counts = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        match item {
                            Value::Integer(n) if (0..=u32::MAX.into()).contains(n) => counts.push(*n as u32),
                            other => {
                                return Err(self.err(
                                    &format!("{}[{i}]", k("agents")),
                                    v,
                                    format!("expected a number of agents (an integer >= 0), got {}", got(other)),
                                ));
                            }
                        }
                    }
                    self.intervals_len(&k("agents"), v, counts.len(), sim)?;
                    Staffing::PerInterval(DayProfiles::every_day(counts))
                }
                _ => Staffing::Constant(self.count(
                    &k("agents"),
                    v,
                    0,
                    "a number of agents (an integer >= 0) or a list per interval",
                )?),
            },
            (None, Some(shifts)) => {
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
                Staffing::Shifts(out)
            }
            (Some(v), Some(_)) => {
                return Err(self.err(&k("agents"), v, "expected exactly one of `agents` or `shifts`, got both"));
            }
            (None, None) => {
                return Err(self
                    .at(key, Some(raw.span()))
                    .err("missing staffing; expected `agents` (a number or a list per interval) or `shifts`"));
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

    fn reason(&self, key: &str, raw: &Spanned<RawReason>, sim: &Simulation, replaying: bool) -> Result<ReasonDraft> {
        let r = raw.get_ref();
        let k = |field: &str| format!("{key}.{field}");
        let name_v = self.required(&k("name"), &r.name, "a string")?;
        let name = self.name(&k("name"), name_v)?;
        let skill = self.skill_ref(&k("skill"), self.required(&k("skill"), &r.skill, "a skill name")?)?;

        let volume = match (&r.rate, &r.volume) {
            (Some(v), _) | (None, Some(v)) if replaying => {
                let field = if r.rate.is_some() { "rate" } else { "volume" };
                return Err(self.err(
                    &k(field),
                    v,
                    "not allowed with a top-level `arrivals` replay, which gives every chat",
                ));
            }
            (None, None) if replaying => DayProfiles::every_day(vec![0.0; sim.open_intervals()]),
            (Some(v), None) => {
                let (count, unit) = match v.get_ref() {
                    Value::String(s) => parse_rate_parts(s).map_err(|m| self.err(&k("rate"), v, m))?,
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
                let volume = self.numbers(&k("volume"), v, "a number of chats >= 0", |x| x.is_finite() && x >= 0.0)?;
                self.intervals_len(&k("volume"), v, volume.len(), sim)?;
                DayProfiles::every_day(volume)
            }
            (Some(v), Some(_)) => {
                return Err(self.err(&k("rate"), v, "expected exactly one of `rate` or `volume`, got both"));
            }
            (None, None) => {
                return Err(self.at(key, Some(raw.span())).err(
                    "missing arrivals; expected `rate` (like \"120/h\") or `volume` (a list per interval), or a top-level `arrivals` file",
                ));
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
            parsed.map(Some).ok_or_else(|| at(field).err(format!("expected a number of seconds >= 0, got {}", got(v))))
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
                "has 3 entries but the day has 4",
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
                "an integer >= 1",
            ),
            (fails("end = \"10:00\"", "end = \"10:00\"\nwarmup = -1.0"), "simulation.warmup", "got -1.0"),
            (fails("name = \"mini\"", ""), "name", "missing"),
            (fails("agents = 3", "agents = [1, 2]"), "groups.tier1.agents", "has 2 entries but the day has 4"),
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
            (fails("name = \"mini\"", "name = \"mini\"\nforecast = \"f.csv\""), "forecast", "unknown field"),
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
}
