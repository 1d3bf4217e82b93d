//! [`Scenario`] → TOML: the resolved scenario that `run.toml` records.

use super::duration::{fmt_clock, fmt_duration};
use super::*;
use std::fmt::Write as _;

/// The resolved scenario as a scenario file: every default written out, file
/// inputs inlined (replayed arrivals, empirical distributions, `forecast` and
/// `staffing` files), volumes and per-interval agents as lists (one list per
/// day where they differ by day). [`parse_str`] reads it back to an equal
/// [`Scenario`].
///
/// `[chat]` holds the first group's rules; each other group lists only the
/// rules that differ from them.
pub fn resolved_toml(s: &Scenario) -> String {
    let mut out = format!("# ccsim {} resolved scenario\n", env!("CARGO_PKG_VERSION"));
    let w = &mut out;
    line(w, "name", &quote(&s.name));
    line(w, "description", &quote(&s.description));
    if let Some(replay) = &s.replay {
        w.push_str("arrivals = [\n");
        for a in replay {
            let mut fields =
                vec![format!("time = {}", float(a.time)), format!("reason = {}", quote(&reason_name(s, a.reason)))];
            for (key, v) in [("handle", a.handle), ("auth", a.auth), ("patience", a.patience)] {
                if let Some(v) = v {
                    fields.push(format!("{key} = {}", float(v)));
                }
            }
            let _ = writeln!(w, "  {{ {} }},", fields.join(", "));
        }
        w.push_str("]\n");
    }

    let sim = &s.simulation;
    w.push_str("\n[simulation]\n");
    line(w, "start", &quote(&fmt_clock(sim.start)));
    line(w, "end", &quote(&fmt_clock(sim.end)));
    line(w, "days", &sim.days.to_string());
    line(w, "interval", &duration(sim.interval.into()));
    line(w, "warmup", &duration(sim.warmup));
    line(w, "replications", &sim.replications.to_string());
    // TOML integers stop at i64::MAX; the parser also takes a string of digits.
    let seed = if i64::try_from(sim.seed).is_ok() { sim.seed.to_string() } else { quote(&sim.seed.to_string()) };
    line(w, "seed", &seed);
    if let Some(date) = sim.first_date {
        line(w, "first_date", &quote(&date.to_string()));
    }

    let fe = &s.forecast_error;
    if fe.cv > 0.0 || fe.per_interval_cv > 0.0 {
        w.push_str("\n[forecast_error]\n");
        if fe.cv > 0.0 {
            line(w, "cv", &float(fe.cv));
        }
        if fe.per_interval_cv > 0.0 {
            line(w, "per_interval_cv", &float(fe.per_interval_cv));
        }
    }

    let sl = &s.service_level;
    w.push_str("\n[service_level]\n");
    line(w, "threshold", &duration(sl.threshold));
    line(w, "goal", &float(sl.goal));
    if let Some(m) = sl.max_abandon {
        line(w, "max_abandon", &float(m));
    }
    line(w, "short_abandon", &duration(sl.short_abandon));
    let goals: Vec<String> = s
        .skills
        .iter()
        .zip(&sl.skill_goals)
        .filter_map(|(name, g)| g.map(|g| format!("{} = {}", quote(name), float(g))))
        .collect();
    if !goals.is_empty() {
        line(w, "goals", &format!("{{ {} }}", goals.join(", ")));
    }

    let default_rules = AgentRules {
        max_concurrent: 2,
        speed: vec![1.0; 2],
        accept: Dist::Const(0.0),
        refuse: 0.0,
        wrapup: Dist::Const(0.0),
        wrapup_blocks: WrapupBlocks::Agent,
    };
    let chat = s.groups.first().map_or(&default_rules, |g| &g.rules);
    w.push_str("\n[chat]\n");
    rules(w, chat, None);
    line(w, "inactivity_timeout", &duration(s.inactivity_timeout));

    w.push_str("\n[routing]\n");
    let agent_select = match s.routing.agent_select {
        AgentSelect::LeastBusy => "least_busy",
        AgentSelect::LongestIdle => "longest_idle",
        AgentSelect::FillFirst => "fill_first",
    };
    let queue_select = match s.routing.queue_select {
        QueueSelect::Priority => "priority",
        QueueSelect::Oldest => "oldest",
        QueueSelect::SkillOrder => "skill_order",
    };
    line(w, "agent_select", &quote(agent_select));
    line(w, "queue_select", &quote(queue_select));

    if s.blocking() {
        w.push_str("\n[queue_cap]\n");
        for (skill, cap) in s.skills.iter().zip(&s.queue_cap) {
            if let Some(cap) = cap {
                line(w, &quote(skill), &cap.to_string());
            }
        }
    }

    for r in &s.reasons {
        w.push_str("\n[[reasons]]\n");
        line(w, "name", &quote(&r.name));
        line(w, "skill", &quote(&skill_name(s, r.skill)));
        if s.replay.is_none() {
            line(w, "volume", &profiles(&r.volume, |v| number(*v)));
        }
        if r.volume_cv > 0.0 {
            line(w, "volume_cv", &float(r.volume_cv));
        }
        line(w, "handle", &dist(&r.handle));
        line(w, "auth", &dist(&r.auth));
        line(w, "auth_fail", &float(r.auth_fail));
        line(w, "patience", &dist(&r.patience));
        line(w, "priority", &r.priority.to_string());
        if let Some(n) = &r.nonresponsive {
            line(w, "nonresponsive", &format!("{{ p = {}, returns = {} }}", float(n.p), float(n.returns)));
        }
        if let Some(t) = &r.transfer {
            let handle = t.handle.as_ref().map_or(String::new(), |h| format!(", handle = {}", dist(h)));
            let to = quote(&skill_name(s, t.to));
            line(w, "transfer", &format!("{{ p = {}, to = {to}{handle} }}", float(t.p)));
        }
        if let Some(c) = &r.commitment {
            let handle = c.handle.as_ref().map_or(String::new(), |h| format!(", handle = {}", dist(h)));
            let skill = quote(&skill_name(s, c.skill));
            let after = duration(c.after);
            line(w, "commitment", &format!("{{ p = {}, after = {after}, skill = {skill}{handle} }}", float(c.p)));
        }
        if let Some(m) = &r.misroute {
            let to = quote(&reason_name(s, m.to));
            line(w, "misroute", &format!("{{ p = {}, to = {to}, triage = {} }}", float(m.p), dist(&m.triage)));
        }
        if let Some(t) = &r.retry {
            line(w, "retry", &format!("{{ p = {}, after = {} }}", float(t.p), dist(&t.after)));
        }
    }

    for g in &s.groups {
        w.push_str("\n[[groups]]\n");
        line(w, "name", &quote(&g.name));
        line(w, "skills", &list(g.skills.iter().map(|i| quote(&skill_name(s, *i)))));
        match &g.staffing {
            Staffing::Constant(n) => line(w, "agents", &n.to_string()),
            Staffing::PerInterval(counts) => line(w, "agents", &profiles(counts, u32::to_string)),
            Staffing::Shifts(shifts) => {
                let items = shifts.iter().map(|sh| {
                    let mut item = format!(
                        "{{ start = {}, end = {}, agents = {}",
                        quote(&fmt_clock(sh.start)),
                        quote(&fmt_clock(sh.end)),
                        sh.agents
                    );
                    if let Some(days) = &sh.days {
                        let _ = write!(item, ", days = {}", list(days.iter().map(|d| (d + 1).to_string())));
                    }
                    if !sh.breaks.is_empty() {
                        let breaks = sh.breaks.iter().map(|b| {
                            format!(
                                "{{ start = {}, length = {} }}",
                                quote(&fmt_clock(b.start)),
                                duration(b.length.into())
                            )
                        });
                        let _ = write!(item, ", breaks = {}", list(breaks));
                    }
                    item + " }"
                });
                if shifts.iter().any(|s| s.days.is_some() || !s.breaks.is_empty()) {
                    // One shift a line: a schedule's roster has hundreds.
                    w.push_str("shifts = [\n");
                    for item in items {
                        let _ = writeln!(w, "  {item},");
                    }
                    w.push_str("]\n");
                } else {
                    line(w, "shifts", &list(items));
                }
            }
        }
        if g.absenteeism > 0.0 {
            line(w, "absenteeism", &float(g.absenteeism));
        }
        if !g.breaks.is_empty() {
            line(w, "breaks", &list(g.breaks.iter().map(|b| super::away::break_item(b, quote, duration))));
        }
        if g.max_on_break != 1.0 {
            line(w, "max_on_break", &float(g.max_on_break));
        }
        if let Some(sh) = &g.shrinkage {
            line(w, "shrinkage", &format!("{{ share = {}, spell = {} }}", float(sh.share), duration(sh.spell)));
        }
        rules(w, &g.rules, Some(chat));
    }
    if let Some(sch) = &s.scheduling {
        scheduling(w, s, sch);
    }
    out
}

/// `[scheduling]` and its templates, every default written out.
fn scheduling(w: &mut String, s: &Scenario, sch: &Scheduling) {
    w.push_str("\n[scheduling]\n");
    line(w, "max_part_time", &float(sch.max_part_time));
    if let Some(n) = sch.max_agents {
        line(w, "max_agents", &n.to_string());
    }
    line(w, "over_cost", &float(sch.over_cost));
    if let Some(c) = sch.under_cost {
        line(w, "under_cost", &float(c));
    }
    const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    for t in &sch.templates {
        w.push_str("\n[[scheduling.templates]]\n");
        line(w, "name", &quote(&t.name));
        line(w, "length", &duration(t.length.into()));
        line(w, "earliest", &quote(&fmt_clock(t.earliest)));
        line(w, "latest", &quote(&fmt_clock(t.latest)));
        line(w, "step", &duration(t.step.into()));
        line(w, "days", &list(t.weekdays.iter().map(|&d| quote(WEEKDAYS[d as usize]))));
        line(w, "cost_per_hour", &float(t.cost_per_hour));
        line(w, "cost_per_shift", &float(t.cost_per_shift));
        line(w, "min", &t.min.to_string());
        if let Some(n) = t.max {
            line(w, "max", &n.to_string());
        }
        line(w, "part_time", &t.part_time.to_string());
        line(w, "groups", &list(t.groups.iter().map(|&g| quote(&s.groups[g].name))));
        if !t.breaks.is_empty() {
            let breaks = t.breaks.iter().map(|b| {
                format!(
                    "{{ length = {}, within = [{}, {}] }}",
                    duration(b.length.into()),
                    duration(b.from.into()),
                    duration(b.to.into())
                )
            });
            line(w, "breaks", &list(breaks));
        }
    }
}

/// Writes the rules that differ from `base` (all of them without a base).
fn rules(w: &mut String, r: &AgentRules, base: Option<&AgentRules>) {
    let base = base.map(rule_fields);
    for (i, (key, value)) in rule_fields(r).into_iter().enumerate() {
        if base.as_ref().is_none_or(|b| b[i].1 != value) {
            line(w, key, &value);
        }
    }
}

/// The `[chat]` keys and their TOML values.
fn rule_fields(r: &AgentRules) -> [(&'static str, String); 6] {
    let blocks = match r.wrapup_blocks {
        WrapupBlocks::Agent => "agent",
        WrapupBlocks::Slot => "slot",
    };
    [
        ("max_concurrent", r.max_concurrent.to_string()),
        ("speed", list(r.speed.iter().map(|v| float(*v)))),
        ("accept", dist(&r.accept)),
        ("refuse", float(r.refuse)),
        ("wrapup", dist(&r.wrapup)),
        ("wrapup_blocks", quote(blocks)),
    ]
}

fn line(w: &mut String, key: &str, value: &str) {
    let _ = writeln!(w, "{key} = {value}");
}

fn list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// A TOML basic string, escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML float that reads back exactly (`0.8`, `12.0`, `1e-7`).
fn float(v: f64) -> String {
    format!("{v:?}")
}

/// A number, as an integer when it is one (volumes read better as `40`).
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { float(v) }
}

fn duration(secs: f64) -> String {
    quote(&fmt_duration(secs))
}

fn dist(d: &Dist) -> String {
    quote(&d.to_string())
}

fn skill_name(s: &Scenario, i: usize) -> String {
    s.skills.get(i).cloned().unwrap_or_default()
}

fn reason_name(s: &Scenario, i: usize) -> String {
    s.reasons.get(i).map(|r| r.name.clone()).unwrap_or_default()
}

/// A day profile as a list, or one list per day.
fn profiles<T>(p: &DayProfiles<T>, item: impl Fn(&T) -> String) -> String {
    if p.is_every_day() {
        list(p.day(0).iter().map(&item))
    } else {
        list(p.profiles().iter().map(|day| list(day.iter().map(&item))))
    }
}
