//! Pass 1 of a `[[groups]]` table: its name, the skills it serves, its
//! staffing (`agents`, `shifts` or its rows of the `staffing` file) and its
//! agent rules, those of `[chat]` unless the group overrides them.
//!
//! Skills stay names here; pass 2 (`parse`) numbers them.

use super::duration::fmt_clock;
use super::fields::{At, Ctx, MAX_COUNT, Result, got};
use super::interval_tables::CsvProfiles;
use super::schema::{Items, RawGroup, RawShift, RawShiftBreak};
use super::settings::ChatRules;
use super::{AgentRules, Group, Shift, ShiftBreak, Simulation, Staffing};
use toml::{Spanned, Value};

/// A group after pass 1, its skills still by name.
pub(super) struct GroupDraft {
    /// The group, with `skills` left empty.
    pub(super) group: Group,
    pub(super) skill_names: Vec<String>,
    pub(super) name_at: At,
}

impl Ctx<'_> {
    pub(super) fn group(
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
        let skill_names = self.group_skills(key, g)?;
        let staffing = self.group_staffing(key, raw, &name, sim, staffing)?;
        let rules = self.group_rules(key, raw, chat)?;
        let absenteeism = self.opt(&g.absenteeism, 0.0, |v| self.absenteeism(&k("absenteeism"), v))?;
        let (breaks, max_on_break, shrinkage) = self.away(key, g)?;
        Ok(GroupDraft {
            group: Group { name, skills: Vec::new(), staffing, rules, absenteeism, breaks, max_on_break, shrinkage },
            skill_names,
            name_at: self.at(&k("name"), Some(name_v.span())),
        })
    }

    /// `skills`: a non-empty list of distinct skill names.
    fn group_skills(&self, key: &str, g: &RawGroup) -> Result<Vec<String>> {
        let key = format!("{key}.skills");
        let skills_v = self.required(&key, &g.skills, "a list of skill names like [\"billing\"]")?;
        let mut skill_names = Vec::new();
        for (i, item) in self.list(&key, skills_v, "skill names")?.iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => {
                    if skill_names.contains(s) {
                        return Err(self.err(&format!("{key}[{i}]"), skills_v, format!("skill {s:?} is listed twice")));
                    }
                    skill_names.push(s.clone());
                }
                other => {
                    return Err(self.err(
                        &format!("{key}[{i}]"),
                        skills_v,
                        format!("expected a skill name, got {}", got(other)),
                    ));
                }
            }
        }
        if skill_names.is_empty() {
            return Err(self.err(&key, skills_v, "empty; expected at least one skill name"));
        }
        Ok(skill_names)
    }

    /// The staffing: exactly one of `agents`, `shifts` or the group's rows of
    /// the top-level `staffing` file.
    fn group_staffing(
        &self,
        key: &str,
        raw: &Spanned<RawGroup>,
        name: &str,
        sim: &Simulation,
        staffing: Option<&CsvProfiles<u32>>,
    ) -> Result<Staffing> {
        let g = raw.get_ref();
        let k = |field: &str| format!("{key}.{field}");
        let from_file = staffing.and_then(|t| t.by_name.get(name).map(|p| (t, p)));
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
        Ok(match (&g.agents, &g.shifts, from_file) {
            (None, None, Some((_, profiles))) => Staffing::PerInterval(profiles.clone()),
            (Some(v), None, _) => self.agents(&k("agents"), v, sim)?,
            (None, Some(shifts), _) => Staffing::Shifts(self.shifts(&k("shifts"), shifts, sim)?),
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
        })
    }

    /// `agents`: a number logged in all day, or a list per open interval (or
    /// one such list per day).
    fn agents(&self, key: &str, v: &Spanned<Value>, sim: &Simulation) -> Result<Staffing> {
        Ok(match v.get_ref() {
            Value::Array(_) => Staffing::PerInterval(self.day_profiles(
                key,
                v,
                sim,
                "a number of agents (an integer from 0 to 1000000)",
                |x| match x {
                    Value::Integer(n) if (0..=MAX_COUNT).contains(n) => Some(*n as u32),
                    _ => None,
                },
            )?),
            _ => Staffing::Constant(self.count(
                key,
                v,
                0,
                "a number of agents (an integer >= 0), a list per interval or a list of such lists per day",
            )?),
        })
    }

    /// `shifts`: each a start, a later end and a number of agents; together
    /// at most [`MAX_COUNT`] agents.
    fn shifts(&self, key: &str, shifts: &Spanned<Vec<Spanned<RawShift>>>, sim: &Simulation) -> Result<Vec<Shift>> {
        let mut out = Vec::with_capacity(shifts.get_ref().len());
        for (i, s) in shifts.get_ref().iter().enumerate() {
            let sk = |field: &str| format!("{key}[{i}].{field}");
            let s = s.get_ref();
            let start =
                self.clock(&sk("start"), self.required(&sk("start"), &s.start, "a clock time like \"08:00\"")?)?;
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
            let days = s.days.as_ref().map(|v| self.shift_days(&sk("days"), v, sim)).transpose()?;
            let breaks = self.shift_breaks(&sk("breaks"), &s.breaks, start, end)?;
            out.push(Shift { start, end, agents, days, breaks });
        }
        let total: u64 = out.iter().map(|s| u64::from(s.agents)).sum();
        if total > MAX_COUNT as u64 {
            return Err(self
                .at(key, Some(shifts.span()))
                .err(format!("the shifts add up to {total} agents; expected at most {MAX_COUNT} in a group")));
        }
        Ok(out)
    }

    /// The agent rules: those of `[chat]`, each of which the group may override.
    fn group_rules(&self, key: &str, raw: &Spanned<RawGroup>, chat: &ChatRules) -> Result<AgentRules> {
        let g = raw.get_ref();
        let k = |field: &str| format!("{key}.{field}");
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
        Ok(AgentRules {
            max_concurrent,
            speed,
            accept: self.opt(&g.accept, chat.accept.clone(), |v| self.dist(&k("accept"), v, false))?,
            refuse: self.opt(&g.refuse, chat.refuse, |v| self.refuse(&k("refuse"), v))?,
            wrapup: self.opt(&g.wrapup, chat.wrapup.clone(), |v| self.dist(&k("wrapup"), v, false))?,
            wrapup_blocks: self
                .opt(&g.wrapup_blocks, chat.wrapup_blocks, |v| self.wrapup_blocks(&k("wrapup_blocks"), v))?,
        })
    }

    /// A shift's `days`: day numbers from 1 to `days`, each once (kept 0-based, ascending).
    fn shift_days(&self, key: &str, v: &Spanned<Value>, sim: &Simulation) -> Result<Vec<u32>> {
        let what = format!("a day number from 1 to {} (simulation.days)", sim.days);
        let mut out = Vec::new();
        for (i, item) in self.list(key, v, "day numbers like [1, 2]")?.iter().enumerate() {
            match item {
                Value::Integer(d) if (1..=i64::from(sim.days)).contains(d) => {
                    let d = *d as u32 - 1;
                    if out.contains(&d) {
                        return Err(self.err(&format!("{key}[{i}]"), v, format!("day {} is listed twice", d + 1)));
                    }
                    out.push(d);
                }
                other => {
                    return Err(self.err(&format!("{key}[{i}]"), v, format!("expected {what}, got {}", got(other))));
                }
            }
        }
        if out.is_empty() {
            return Err(self.err(key, v, format!("empty; expected at least one day number ({what})")));
        }
        out.sort_unstable();
        Ok(out)
    }

    /// A shift's `breaks`: each a clock `start` and a `length`, inside the
    /// shift, not overlapping; in time order.
    fn shift_breaks(&self, key: &str, raw: &Items<RawShiftBreak>, start: u32, end: u32) -> Result<Vec<ShiftBreak>> {
        let Some(list) = raw else { return Ok(Vec::new()) };
        let mut out: Vec<(ShiftBreak, usize)> = Vec::new();
        for (i, b) in list.get_ref().iter().enumerate() {
            let bk = |field: &str| format!("{key}[{i}].{field}");
            let b = b.get_ref();
            let start_v = self.required(&bk("start"), &b.start, "a clock time like \"10:00\"")?;
            let at = self.clock(&bk("start"), start_v)?;
            let length_v = self.required(&bk("length"), &b.length, "a duration like \"15m\"")?;
            let length = self.duration_up_to(&bk("length"), length_v, 86_400.0)?;
            if length <= 0.0 || length.fract() != 0.0 {
                return Err(self.err(
                    &bk("length"),
                    length_v,
                    "expected a whole number of seconds above 0, like \"15m\"",
                ));
            }
            let length = length as u32;
            if at < start || at + length > end {
                return Err(self.err(
                    &bk("start"),
                    start_v,
                    format!(
                        "the break {}–{} is not inside its shift {}–{}; expected a break within the shift",
                        fmt_clock(at),
                        fmt_clock(at + length),
                        fmt_clock(start),
                        fmt_clock(end)
                    ),
                ));
            }
            out.push((ShiftBreak { start: at, length }, i));
        }
        out.sort();
        for w in out.windows(2) {
            let (a, b) = (w[0].0, w[1].0);
            if b.start < a.start + a.length {
                return Err(self.at(&format!("{key}[{}]", w[1].1), Some(list.span())).err(format!(
                    "the break at {} overlaps the break at {}; expected breaks that do not overlap",
                    fmt_clock(b.start),
                    fmt_clock(a.start)
                )));
            }
        }
        Ok(out.into_iter().map(|(b, _)| b).collect())
    }
}
