//! TOML → [`Scenario`]: field checks, then cross-references.
//!
//! The file is first read into the `Raw*` structs of `schema`, whose leaves
//! are spanned TOML values (serde rejects unknown keys); pass 1 checks and
//! converts every field on its own (`fields`, and per section `settings`,
//! `groups`, `reasons`, `replay`, `interval_tables`), pass 2, here, resolves
//! names (skills, reasons) and checks uniqueness.

use super::fields::{At, Ctx, Result};
use super::interval_tables::{FORECAST_TABLE, STAFFING_TABLE};
use super::reasons::ArrivalInputs;
use super::schema::{HasName, RawScenario};
use super::{Group, Scenario, ScenarioError, limits};
use std::path::Path;

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
    let mut service_level = ctx.service_level(raw.service_level.as_ref())?;
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
    let forecast_error = ctx.forecast_error(raw.forecast_error.as_ref(), replaying)?;

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
        if let (Some(m), Some(to)) = (&mut r.reason.misroute, &r.misroute_to) {
            m.to = misroute_target(&r.reason.name, to, &reason_names)?;
        }
        if r.reason.misroute.as_ref().is_some_and(|m| m.p == 0.0) {
            r.reason.misroute = None;
        }
        resolved.push(r.reason);
    }
    let reasons = resolved;
    let scheduling = raw.scheduling.as_ref().map(|r| ctx.scheduling(r, &groups, &simulation)).transpose()?;
    let mut queue_cap = vec![None; skills.len()];
    for (name, v) in raw.queue_cap.iter().flatten() {
        let key = format!("queue_cap.{name}");
        let max = limits::MAX_QUEUE_CAP;
        let what = format!("a whole number of waiting chats from 0 to {max}");
        let cap = ctx.integer(&key, v, 0, max.into(), &what)? as u32;
        let s = skills.iter().position(|s| s == name).ok_or_else(|| {
            ctx.err(&key, v, format!("unknown skill {name:?}; the groups serve: {}", skills.join(", ")))
        })?;
        queue_cap[s] = Some(cap);
    }
    if let Some(goals) = raw.service_level.as_ref().and_then(|s| s.goals.as_ref()) {
        service_level.skill_goals = vec![None; skills.len()];
        for (name, v) in goals {
            let key = format!("service_level.goals.{name}");
            let goal = ctx.probability(&key, v)?;
            let s = skills.iter().position(|s| s == name).ok_or_else(|| {
                ctx.err(&key, v, format!("unknown skill {name:?}; the groups serve: {}", skills.join(", ")))
            })?;
            service_level.skill_goals[s] = Some(goal);
        }
    }
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
        forecast_error,
        queue_cap,
        scheduling,
    })
}

/// A name to resolve in pass 2, and where it was written.
pub(super) struct Ref {
    pub(super) name: String,
    pub(super) at: At,
}

/// The index of the reason a misroute of reason `name` picks instead:
/// another reason of the file.
fn misroute_target(name: &str, to: &Ref, reasons: &[&str]) -> Result<usize> {
    let others: Vec<&str> = reasons.iter().copied().filter(|r| *r != name).collect();
    let listed =
        if others.is_empty() { "none (add the reason it is mistaken for)".to_string() } else { others.join(", ") };
    if to.name == name {
        return Err(to.at.err(format!(
            "{:?} is this reason itself; expected another reason customers pick by mistake: {listed}",
            to.name
        )));
    }
    reasons
        .iter()
        .position(|r| *r == to.name)
        .ok_or_else(|| to.at.err(format!("unknown reason {:?}; expected another reason: {listed}", to.name)))
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

#[cfg(test)]
mod tests;
