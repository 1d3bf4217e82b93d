//! `[scheduling]`: the shift rules `ccsim schedule` builds a roster from
//! (templates, their starts, days, costs and breaks; the limits and the
//! objective's costs). Read after the groups, whose names its templates use.

use super::duration::{fmt_clock, fmt_duration};
use super::fields::{Ctx, Result, got, number};
use super::limits::{self, QUARTER};
use super::schema::{RawScheduling, RawTemplate, RawTemplateBreak};
use super::{Group, Scheduling, Simulation, Template, TemplateBreak};
use toml::{Spanned, Value};

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Ctx<'_> {
    pub(super) fn scheduling(
        &self,
        raw: &Spanned<RawScheduling>,
        groups: &[Group],
        sim: &Simulation,
    ) -> Result<Scheduling> {
        let r = raw.get_ref();
        let items = self.items("scheduling.templates", &r.templates, "[[scheduling.templates]] tables")?;
        let mut templates = Vec::with_capacity(items.len());
        for (key, t) in &items {
            let template = self.template(key, t.get_ref(), groups)?;
            if templates.iter().any(|o: &Template| o.name == template.name) {
                return Err(self
                    .at(&format!("{key}.name"), Some(t.span()))
                    .err(format!("template {:?} is named twice; expected unique names", template.name)));
            }
            templates.push(template);
        }
        let columns: u64 = templates.iter().map(columns_bound).sum();
        if columns > limits::MAX_SCHEDULE_COLUMNS {
            return Err(self.at("scheduling.templates", Some(raw.span())).err(format!(
                "the templates allow up to {columns} shifts (starts × break placements) a day; expected at most {}: \
                 use a larger `step` or narrower break windows",
                limits::MAX_SCHEDULE_COLUMNS
            )));
        }
        let max_part_time = self.opt(&r.max_part_time, 1.0, |v| match number(v.get_ref()) {
            Some(x) if (0.0..=1.0).contains(&x) => Ok(x + 0.0),
            _ => Err(self.err(
                "scheduling.max_part_time",
                v,
                format!("expected a share from 0 to 1, got {}", got(v.get_ref())),
            )),
        })?;
        let max_agents = r
            .max_agents
            .as_ref()
            .map(|v| self.count("scheduling.max_agents", v, 1, "a number of agents (an integer >= 1)"))
            .transpose()?;
        let over_cost = self.opt(&r.over_cost, 0.0, |v| self.cost("scheduling.over_cost", v))?;
        let under_cost = r.under_cost.as_ref().map(|v| self.cost("scheduling.under_cost", v)).transpose()?;
        let sch = Scheduling { templates, max_part_time, max_agents, over_cost, under_cost };
        self.coverable(&sch, groups, sim, raw)?;
        Ok(sch)
    }

    fn template(&self, key: &str, t: &RawTemplate, groups: &[Group]) -> Result<Template> {
        let k = |field: &str| format!("{key}.{field}");
        let name = self.name(&k("name"), self.required(&k("name"), &t.name, "a string")?)?;
        let length_v = self.required(&k("length"), &t.length, "a duration like \"8h\"")?;
        let length = self.quarters(&k("length"), length_v, 86_400)?;
        if length == 0 {
            return Err(self.err(&k("length"), length_v, "expected a shift length above 0, like \"8h\""));
        }
        let earliest_v = self.required(&k("earliest"), &t.earliest, "a clock time like \"07:00\"")?;
        let earliest = self.quarter_clock(&k("earliest"), earliest_v)?;
        let latest = match &t.latest {
            Some(v) => {
                let latest = self.quarter_clock(&k("latest"), v)?;
                if latest < earliest {
                    return Err(self.err(
                        &k("latest"),
                        v,
                        format!("{} is before earliest ({})", fmt_clock(latest), fmt_clock(earliest)),
                    ));
                }
                if latest + length > 86_400 {
                    return Err(self.err(
                        &k("latest"),
                        v,
                        format!(
                            "a shift starting at {} would end after 24:00; expected a latest start by {}",
                            fmt_clock(latest),
                            fmt_clock(86_400 - length)
                        ),
                    ));
                }
                latest
            }
            None => earliest,
        };
        if earliest + length > 86_400 {
            return Err(self.err(
                &k("earliest"),
                earliest_v,
                format!("a shift starting at {} would end after 24:00", fmt_clock(earliest)),
            ));
        }
        let step = self.opt(&t.step, 2 * QUARTER, |v| {
            let step = self.quarters(&k("step"), v, 86_400)?;
            if step == 0 { Err(self.err(&k("step"), v, "expected a step above 0, like \"15m\"")) } else { Ok(step) }
        })?;
        let weekdays = self.opt(&t.days, (0..7).collect(), |v| self.weekdays(&k("days"), v))?;
        let cost_per_hour = self.opt(&t.cost_per_hour, 1.0, |v| self.cost(&k("cost_per_hour"), v))?;
        let cost_per_shift = self.opt(&t.cost_per_shift, 0.0, |v| self.cost(&k("cost_per_shift"), v))?;
        let min = self.opt(&t.min, 0, |v| self.count(&k("min"), v, 0, "a number of shifts (an integer >= 0)"))?;
        let max =
            t.max.as_ref().map(|v| self.count(&k("max"), v, 0, "a number of shifts (an integer >= 0)")).transpose()?;
        if let (Some(max), Some(v)) = (max, &t.max)
            && max < min
        {
            return Err(self.err(&k("max"), v, format!("{max} is below min ({min})")));
        }
        let part_time = self.opt(&t.part_time, false, |v| match v.get_ref() {
            Value::Boolean(b) => Ok(*b),
            other => Err(self.err(&k("part_time"), v, format!("expected true or false, got {}", got(other)))),
        })?;
        let groups =
            self.opt(&t.groups, (0..groups.len()).collect(), |v| self.template_groups(&k("groups"), v, groups))?;
        let mut breaks = Vec::new();
        for (i, b) in t.breaks.iter().flat_map(|l| l.get_ref().iter()).enumerate() {
            breaks.push(self.template_break(&format!("{}[{i}]", k("breaks")), b.get_ref(), length)?);
        }
        Ok(Template {
            name,
            length,
            earliest,
            latest,
            step,
            weekdays,
            cost_per_hour,
            cost_per_shift,
            min,
            max,
            part_time,
            groups,
            breaks,
        })
    }

    fn template_break(&self, key: &str, b: &RawTemplateBreak, shift: u32) -> Result<TemplateBreak> {
        let k = |field: &str| format!("{key}.{field}");
        let length_v = self.required(&k("length"), &b.length, "a duration like \"15m\"")?;
        let length = self.quarters(&k("length"), length_v, 86_400)?;
        if length == 0 {
            return Err(self.err(&k("length"), length_v, "expected a break length above 0, like \"15m\""));
        }
        if length >= shift {
            return Err(self.err(
                &k("length"),
                length_v,
                format!(
                    "the break ({}) is not shorter than its shift ({}); expected a break shorter than the shift",
                    fmt_duration(length.into()),
                    fmt_duration(shift.into())
                ),
            ));
        }
        let within_v =
            self.required(&k("within"), &b.within, "a window like [\"2h\", \"3h\"] from the shift's start")?;
        let bounds = self.list(&k("within"), within_v, "two durations like [\"2h\", \"3h\"]")?;
        if bounds.len() != 2 {
            return Err(self.err(
                &k("within"),
                within_v,
                format!("has {} entries; expected two durations like [\"2h\", \"3h\"]", bounds.len()),
            ));
        }
        let mut ends = [0u32; 2];
        for (i, item) in bounds.iter().enumerate() {
            let item = Spanned::new(within_v.span(), item.clone());
            ends[i] = self.quarters(&format!("{}[{i}]", k("within")), &item, 86_400)?;
        }
        let [from, to] = ends;
        if to > shift || from >= to {
            return Err(self.err(
                &k("within"),
                within_v,
                format!(
                    "the window {}–{} after the start is not inside the shift (0–{}); expected 0 <= from < to <= the length",
                    fmt_duration(from.into()),
                    fmt_duration(to.into()),
                    fmt_duration(shift.into())
                ),
            ));
        }
        if to - from < length {
            return Err(self.err(
                &k("within"),
                within_v,
                format!(
                    "the window ({}) is shorter than the break ({})",
                    fmt_duration((to - from).into()),
                    fmt_duration(length.into())
                ),
            ));
        }
        Ok(TemplateBreak { length, from, to })
    }

    /// A duration of whole quarter hours, at most `max` seconds.
    fn quarters(&self, key: &str, v: &Spanned<Value>, max: u32) -> Result<u32> {
        let secs = self.duration_up_to(key, v, f64::from(max))?;
        if secs % f64::from(QUARTER) != 0.0 {
            return Err(self.err(
                key,
                v,
                format!("expected whole quarter hours (15m, 30m, 1h15m, …), got {}", got(v.get_ref())),
            ));
        }
        Ok(secs as u32)
    }

    /// A clock time on the quarter hour.
    fn quarter_clock(&self, key: &str, v: &Spanned<Value>) -> Result<u32> {
        let t = self.clock(key, v)?;
        if t % QUARTER != 0 {
            return Err(self.err(key, v, format!("expected a time on the quarter hour, got {}", got(v.get_ref()))));
        }
        Ok(t)
    }

    /// A cost: a number >= 0.
    fn cost(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        match number(v.get_ref()) {
            Some(x) if x.is_finite() && (0.0..=limits::MAX_COST).contains(&x) => Ok(x + 0.0),
            _ => Err(self.err(
                key,
                v,
                format!("expected a cost from 0 to {:e}, got {}", limits::MAX_COST, got(v.get_ref())),
            )),
        }
    }

    /// `days`: weekday names, each once.
    fn weekdays(&self, key: &str, v: &Spanned<Value>) -> Result<Vec<u32>> {
        let what = "weekday names like [\"mon\", \"tue\"] (mon, tue, wed, thu, fri, sat, sun)";
        let mut out = Vec::new();
        for (i, item) in self.list(key, v, what)?.iter().enumerate() {
            let d = match item {
                Value::String(s) => WEEKDAYS.iter().position(|w| w.eq_ignore_ascii_case(s.trim())),
                _ => None,
            };
            match d {
                Some(d) if !out.contains(&(d as u32)) => out.push(d as u32),
                Some(_) => return Err(self.err(&format!("{key}[{i}]"), v, format!("{} is listed twice", got(item)))),
                None => return Err(self.err(&format!("{key}[{i}]"), v, format!("expected {what}, got {}", got(item)))),
            }
        }
        if out.is_empty() {
            return Err(self.err(key, v, format!("empty; expected {what}")));
        }
        out.sort_unstable();
        Ok(out)
    }

    /// `groups`: names of groups of the file.
    fn template_groups(&self, key: &str, v: &Spanned<Value>, groups: &[Group]) -> Result<Vec<usize>> {
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        let mut out = Vec::new();
        for (i, item) in self.list(key, v, "group names")?.iter().enumerate() {
            let g = match item {
                Value::String(s) => names.iter().position(|n| n == s),
                _ => None,
            };
            match g {
                Some(g) if !out.contains(&g) => out.push(g),
                Some(_) => return Err(self.err(&format!("{key}[{i}]"), v, format!("{} is listed twice", got(item)))),
                None => {
                    return Err(self.err(
                        &format!("{key}[{i}]"),
                        v,
                        format!("unknown group {}; the groups are: {}", got(item), names.join(", ")),
                    ));
                }
            }
        }
        if out.is_empty() {
            return Err(self.err(key, v, "empty; expected at least one group name"));
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Every open quarter hour of every day can be worked by some template
    /// of each group that has templates.
    fn coverable(
        &self,
        sch: &Scheduling,
        groups: &[Group],
        sim: &Simulation,
        raw: &Spanned<RawScheduling>,
    ) -> Result<()> {
        for (g, group) in groups.iter().enumerate() {
            let mine: Vec<&Template> = sch.templates.iter().filter(|t| t.groups.contains(&g)).collect();
            if mine.is_empty() {
                continue;
            }
            for day in 0..sim.days.min(7) {
                let weekday = sim.weekday(day);
                let open = (sim.start..sim.end).step_by(QUARTER as usize);
                for q in open {
                    let covered = mine.iter().filter(|t| t.weekdays.contains(&weekday)).any(|t| {
                        let first = q.saturating_sub(t.length - QUARTER).max(t.earliest);
                        t.starts().any(|s| s >= first && s <= q && q < s + t.length)
                    });
                    if !covered {
                        return Err(self.at("scheduling.templates", Some(raw.span())).err(format!(
                            "no template can work {} on day {} ({}) for group {:?}; expected templates whose \
                             shifts cover every open interval ({}–{}) of every day",
                            fmt_clock(q),
                            day + 1,
                            WEEKDAYS[weekday as usize],
                            group.name,
                            fmt_clock(sim.start),
                            fmt_clock(sim.end)
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// At most how many shifts (start × break placement) a template offers a day.
fn columns_bound(t: &Template) -> u64 {
    let starts = u64::from((t.latest - t.earliest) / t.step + 1);
    t.breaks.iter().fold(starts, |n, b| n.saturating_mul(u64::from((b.to - b.from - b.length) / QUARTER + 1)))
}
