//! `ccsim check`: validate a scenario and print what it resolves to.

use ccsim::error::{Exit, Result};
use ccsim::model::peak;
use std::io::Write;
use std::path::Path;

use super::args::*;

pub fn check(path: &Path) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    let sc = load(path)?;
    let sim = &sc.simulation;
    writeln!(out, "{} — {}", sc.name, if sc.description.is_empty() { "(no description)" } else { &sc.description })?;
    writeln!(
        out,
        "  open {}–{}, {} day(s){}, {}-minute intervals, warm-up {} s, {} replications, seed {}",
        clock(sim.start),
        clock(sim.end),
        sim.days,
        if sim.back_to_back() { " back to back" } else { "" },
        sim.interval / 60,
        sim.warmup,
        sim.replications,
        sim.seed
    )?;
    writeln!(out, "  skills: {}", sc.skills.join(", "))?;
    let memory = ccsim::jobs::memory::estimate(&sc, &ccsim::jobs::memory::Plan::run(sim.replications, 0));
    writeln!(
        out,
        "  memory: about {} for a run on all cores (estimate; the limit is {}, see --max-memory)",
        ccsim::scenario::limits::fmt_bytes(memory.total()),
        ccsim::scenario::limits::fmt_bytes(ccsim::scenario::limits::DEFAULT_MAX_MEMORY)
    )?;
    for r in &sc.reasons {
        writeln!(
            out,
            "  reason {:<12} → {:<10} {:>8.1} chats/day, handle mean {:.0} s",
            r.name,
            sc.skills[r.skill],
            (0..sim.open_intervals()).map(|i| r.volume.mean_at(i)).sum::<f64>(),
            r.handle.mean()
        )?;
    }
    for g in &sc.groups {
        let skills: Vec<&str> = g.skills.iter().map(|&s| sc.skills[s].as_str()).collect();
        writeln!(
            out,
            "  group  {:<12} serves {}; up to {} agents × {} slots{}",
            g.name,
            skills.join(", "),
            peak(&g.staffing, sim),
            g.rules.max_concurrent,
            if g.absenteeism > 0.0 { format!("; absenteeism {}", g.absenteeism) } else { String::new() }
        )?;
        if !g.breaks.is_empty() || g.shrinkage.is_some() {
            let breaks: Vec<String> = g
                .breaks
                .iter()
                .map(|b| match b.at {
                    ccsim::scenario::BreakAt::Clock(t) => format!("{} at {}", secs(b.length), clock(t)),
                    ccsim::scenario::BreakAt::Within { from, to } => {
                        format!("{} within {}–{} of the shift", secs(b.length), secs(from), secs(to))
                    }
                })
                .collect();
            let mut parts = Vec::new();
            if !breaks.is_empty() {
                parts.push(format!("breaks {} (max_on_break {})", breaks.join(", "), g.max_on_break));
            }
            if let Some(s) = &g.shrinkage {
                parts.push(format!("shrinkage {} in spells of {} on average", s.share, secs(s.spell)));
            }
            writeln!(out, "         {:<12} {}", "", parts.join("; "))?;
        }
    }
    let fe = &sc.forecast_error;
    if !fe.is_off(&sc.reasons) {
        let own: Vec<String> =
            sc.reasons.iter().filter(|r| r.volume_cv > 0.0).map(|r| format!("{} {}", r.name, r.volume_cv)).collect();
        let mut parts = Vec::new();
        if !own.is_empty() {
            parts.push(format!("daily per reason CV {}", own.join(", ")));
        }
        if fe.cv > 0.0 {
            parts.push(format!("daily shared by every reason CV {}", fe.cv));
        }
        if fe.per_interval_cv > 0.0 {
            parts.push(format!("per interval CV {}", fe.per_interval_cv));
        }
        writeln!(out, "  forecast error (gamma multipliers of the volumes, mean 1): {}", parts.join("; "))?;
        for r in &sc.reasons {
            let profile: Vec<f64> = (0..sim.open_intervals()).map(|i| r.volume.mean_at(i)).collect();
            let mean: f64 = profile.iter().sum();
            writeln!(
                out,
                "    {:<12} a day's chats {:.1} ± {:.1} (standard deviation; Poisson alone ± {:.1})",
                r.name,
                mean,
                fe.day_count_variance(r.volume_cv, &profile).sqrt(),
                mean.sqrt()
            )?;
        }
    }
    for r in &sc.reasons {
        let mut parts = Vec::new();
        if let Some(t) = &r.retry {
            parts.push(format!("{} of those who give up try again after {}", t.p, t.after));
        }
        if let Some(m) = &r.misroute {
            parts.push(format!("{} pick {} instead (triage {})", m.p, sc.reasons[m.to].name, m.triage));
        }
        if !parts.is_empty() {
            // Not in the figures below: `chats` and `needed` count first attempts at their own skill.
            writeln!(out, "  reason {:<12} {}", r.name, parts.join("; "))?;
        }
    }
    if let Some(rules) = &sc.scheduling {
        // What `ccsim schedule` may roster (a run ignores it).
        let cap = if rules.max_part_time < 1.0 {
            format!(", part-time at most {}", rules.max_part_time)
        } else {
            String::new()
        };
        writeln!(out, "  scheduling: {} template(s) for `ccsim schedule`{cap}", rules.templates.len())?;
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        for t in &rules.templates {
            let days = if t.weekdays.len() == 7 {
                "every day".to_string()
            } else {
                t.weekdays.iter().map(|&d| DAYS[d as usize]).collect::<Vec<_>>().join(",")
            };
            let breaks: Vec<String> = t
                .breaks
                .iter()
                .map(|b| {
                    format!(
                        "{} within {}–{}",
                        secs(f64::from(b.length)),
                        secs(f64::from(b.from)),
                        secs(f64::from(b.to))
                    )
                })
                .collect();
            writeln!(
                out,
                "    {:<12} {} starting {}–{} every {}, {}; costs {} a shift{}{}",
                t.name,
                secs(f64::from(t.length)),
                clock(t.earliest),
                clock(t.latest),
                secs(f64::from(t.step)),
                days,
                t.cost(),
                if t.part_time { "; part-time" } else { "" },
                if breaks.is_empty() { String::new() } else { format!("; breaks {}", breaks.join(", ")) },
            )?;
        }
    }
    if let Some(replay) = &sc.replay {
        writeln!(out, "  replays {} chats from arrivals.csv", replay.len())?;
    }
    let days = ccsim::analytic::warnings::distinct_days(&sc);
    for day in 0..days {
        writeln!(out)?;
        if days > 1 {
            writeln!(out, "  day {}", day + 1)?;
        }
        // With absenteeism, the agents expected to come in: scheduled × (1 − p) per group.
        let absent = sc.groups.iter().any(|g| g.absenteeism > 0.0);
        // With breaks or shrinkage, the agents expected free for chats.
        let away = sc.groups.iter().any(|g| g.takes_breaks() || g.shrinkage.is_some());
        let on_break: Vec<Vec<f64>> = sc
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                ccsim::model::expected_on_break(group, sim, day, |i| {
                    f64::from(ccsim::analytic::warnings::scheduled_agents(&sc, day, i)[g])
                })
            })
            .collect();
        writeln!(
            out,
            "  {:>5}  {:>8}  {:>10}  {:>7}  {:>6}  {:>7}{}{}",
            "time",
            "chats",
            "load (E)",
            "agents",
            "slots",
            "needed",
            if absent { format!("  {:>7}", "present") } else { String::new() },
            if away { format!("  {:>9}", "effective") } else { String::new() }
        )?;
        for i in 0..sim.open_intervals() {
            let at = sim.interval_start(i);
            let volume = |r: &ccsim::scenario::Reason| r.volume.day(day)[i];
            let chats: f64 = sc.reasons.iter().map(volume).sum();
            let load = ccsim::analytic::estimate::offered_load(&sc, day, i);
            let agents = ccsim::analytic::warnings::scheduled_agents(&sc, day, i);
            let slots: u32 = agents.iter().zip(&sc.groups).map(|(n, g)| n * g.rules.max_concurrent).sum();
            let present: f64 = agents.iter().zip(&sc.groups).map(|(&n, g)| f64::from(n) * (1.0 - g.absenteeism)).sum();
            let effective: f64 = agents
                .iter()
                .zip(&sc.groups)
                .zip(&on_break)
                .map(|((&n, g), b)| {
                    let on_duty = f64::from(n) * (1.0 - g.absenteeism) - b[i];
                    on_duty.max(0.0) * (1.0 - g.shrinkage.map_or(0.0, |s| s.share))
                })
                .sum();
            let agents: u32 = agents.iter().sum();
            let needed = match ccsim::analytic::estimate::agents_needed(&sc, day, i) {
                Some(e) => format!("{}{}", if e.exact { "" } else { "~" }, e.agents),
                None => "-".to_string(),
            };
            writeln!(
                out,
                "  {:>5}  {:>8.1}  {:>10.2}  {:>7}  {:>6}  {:>7}{}{}",
                clock(at),
                chats,
                load,
                agents,
                slots,
                needed,
                if absent { format!("  {present:>7.1}") } else { String::new() },
                if away { format!("  {effective:>9.1}") } else { String::new() }
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "  load (E) = chats × (auth + handle + wrap-up) ÷ interval: slot-Erlangs at speed 1")?;
    if sc.groups.iter().any(|g| g.absenteeism > 0.0) {
        writeln!(
            out,
            "  present = the agents expected to come in: scheduled × (1 − absenteeism), per group; agents and \
             slots count scheduled agents, needed the agents who must be on duty"
        )?;
    }
    if sc.groups.iter().any(|g| g.takes_breaks() || g.shrinkage.is_some()) {
        writeln!(
            out,
            "  effective = the agents expected free for chats: per group, (present − expected on break) × \
             (1 − shrinkage share); on break = the staggered breaks planned and the fixed breaks of those on \
             duty, averaged over the interval (the time agents first spend finishing their chats is not counted)"
        )?;
    }
    writeln!(
        out,
        "  needed = agents meeting the service-level goal {} within {} s{} by the exact chat-concurrency chain \
         (Erlang A with one chat per agent), all reasons pooled; ~ marks Erlang A on slots for large teams",
        sc.service_level.goal,
        sc.service_level.threshold,
        sc.service_level.max_abandon.map(|m| format!(" and abandonment at most {m}")).unwrap_or_default()
    )?;
    writeln!(
        out,
        "  `ccsim staff {}` finds the agents by simulation, with every rule of the procedure",
        path.display()
    )?;
    let warnings = ccsim::analytic::warnings::warnings(&sc, sc.simulation.replications);
    if !warnings.is_empty() {
        writeln!(out)?;
        for w in warnings {
            writeln!(out, "  warning: {w}")?;
        }
    }
    Ok(Exit::Success)
}

/// Seconds in words: "30m", "1h30m", "45s".
fn secs(x: f64) -> String {
    ccsim::scenario::duration::fmt_duration(x)
}
