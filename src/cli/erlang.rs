//! `ccsim erlang`: Erlang C figures (Erlang A with --patience, the exact
//! chat-concurrency chain with --max-concurrent or --speed) for a number of
//! agents, and with --goal the fewest agents meeting a service-level goal,
//! with the figures around them.

use ccsim::analytic::ChatCenter;
use ccsim::analytic::estimate::{self, EXACT_AGENTS};
use ccsim::error::{Error, Exit, Result};
use ccsim::scenario::limits::{MAX_CONCURRENT, MAX_SPEED, MIN_SPEED};
use clap::Args;
use std::io::Write;

use super::args::*;

#[derive(Args)]
pub struct ErlangArgs {
    /// Arrival rate, e.g. "120/h".
    #[arg(long)]
    rate: String,
    /// Average handle time including wrap-up, of a chat worked alone (speed 1), e.g. "6m".
    #[arg(long)]
    aht: String,
    /// Agents: the figures for this many (give --agents, --goal or both).
    #[arg(long)]
    agents: Option<u32>,
    /// Mean patience (exponential): Erlang A instead of Erlang C.
    #[arg(long)]
    patience: Option<String>,
    /// Service-level threshold.
    #[arg(long, default_value = "60s")]
    threshold: String,
    /// Service-level goal (a share, e.g. 0.8): print the fewest agents meeting it, and the figures around them.
    #[arg(long)]
    goal: Option<f64>,
    /// With --goal: abandonment at most this share too (needs --patience to mean anything).
    #[arg(long)]
    max_abandon: Option<f64>,
    /// Chats an agent holds at once: the exact chat-concurrency chain of `ccsim check` (default 1, or the number of --speed values).
    #[arg(long)]
    max_concurrent: Option<u32>,
    /// Work speed of each chat while an agent works 1, 2, … chats, e.g. "1,0.8" (default: 1 for all, no slowdown).
    #[arg(long, value_delimiter = ',')]
    speed: Option<Vec<f64>>,
}

pub fn erlang(args: &ErlangArgs) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    use ccsim::scenario::duration::parse_rate_parts;
    let rate = flag("rate", &args.rate, |t| {
        let (count, unit) = parse_rate_parts(t)?;
        ccsim::scenario::limits::check_rate(count, unit)?;
        Ok(count / unit)
    })?;
    let aht = flag("aht", &args.aht, duration_flag)?;
    let threshold = flag("threshold", &args.threshold, duration_flag)?;
    let patience = args.patience.as_deref().map(|p| flag("patience", p, duration_flag)).transpose()?;
    if aht <= 0.0 || rate <= 0.0 || args.agents == Some(0) {
        return Err(Error::input("--rate, --aht and --agents must be above zero"));
    }
    if patience == Some(0.0) {
        return Err(Error::input("--patience: expected a mean patience above zero, got 0"));
    }
    if let Some(agents) = args.agents
        && agents > ccsim::scenario::limits::MAX_AGENTS
    {
        let max = ccsim::scenario::limits::MAX_AGENTS;
        return Err(Error::input(format!("--agents: expected at most {max}, got {agents}")));
    }
    if args.agents.is_none() && args.goal.is_none() {
        return Err(Error::input(
            "give --agents N for the figures of N agents, or --goal G (e.g. 0.8) for the agents needed, or both",
        ));
    }
    if let Some(goal) = args.goal
        && !(goal > 0.0 && goal <= 1.0)
    {
        return Err(Error::input(format!("--goal: expected a share above 0 and at most 1, got {goal}")));
    }
    if let Some(m) = args.max_abandon {
        if args.goal.is_none() {
            return Err(Error::input("--max-abandon: a target for the agents needed; give --goal too"));
        }
        if !(0.0..=1.0).contains(&m) {
            return Err(Error::input(format!("--max-abandon: expected a share from 0 to 1, got {m}")));
        }
    }
    let (slots, speed) = concurrency(args)?;
    let model = ChatCenter {
        agents: 1,
        slots,
        speed,
        rate_per_sec: rate,
        work_mean_secs: aht,
        patience_mean_secs: patience.unwrap_or(f64::INFINITY),
        threshold_secs: threshold,
    };
    let load = rate * aht;
    match args.agents {
        Some(agents) => writeln!(
            out,
            "offered load {load:.3} Erlangs on {agents} agents{} ({:.1}% of capacity)",
            if slots > 1 { format!(" × {slots} slots") } else { String::new() },
            100.0 * load / (f64::from(agents) * f64::from(slots))
        )?,
        None => writeln!(out, "offered load {load:.3} Erlangs")?,
    }
    if let Some(agents) = args.agents {
        if slots == 1 && model.speed[0] == 1.0 {
            erlang_figures(&mut out, rate, aht, agents, patience, threshold)?;
        } else {
            chain_figures(&mut out, &model, agents)?;
        }
    }
    if let Some(goal) = args.goal {
        if args.agents.is_some() {
            writeln!(out)?;
        }
        agents_needed(&mut out, &model, goal, args.max_abandon)?;
    }
    Ok(Exit::Success)
}

/// The chats per agent and their speeds, from --max-concurrent and --speed.
fn concurrency(args: &ErlangArgs) -> Result<(u32, Vec<f64>)> {
    let given = args.speed.as_deref().unwrap_or_default();
    if let Some(bad) = given.iter().find(|s| !(MIN_SPEED..=MAX_SPEED).contains(*s)) {
        return Err(Error::input(format!("--speed: expected speeds from {MIN_SPEED} to {MAX_SPEED}, got {bad}")));
    }
    let slots = match args.max_concurrent {
        Some(k) if !(1..=MAX_CONCURRENT).contains(&k) => {
            return Err(Error::input(format!(
                "--max-concurrent: expected an integer from 1 to {MAX_CONCURRENT}, got {k}"
            )));
        }
        Some(k) => k,
        None if !given.is_empty() && given.len() <= MAX_CONCURRENT as usize => given.len() as u32,
        None if !given.is_empty() => {
            return Err(Error::input(format!(
                "--speed: {} values, one per chat held at once; expected at most {MAX_CONCURRENT}",
                given.len()
            )));
        }
        None => 1,
    };
    if !given.is_empty() && given.len() < slots as usize {
        return Err(Error::input(format!(
            "--speed: {} values but --max-concurrent is {slots}; expected one per chat held at once, {slots} or more",
            given.len()
        )));
    }
    let speed = if given.is_empty() { vec![1.0; slots as usize] } else { given.to_vec() };
    Ok((slots, speed))
}

/// Erlang C (Erlang A with a patience) for `agents` agents, one chat each.
fn erlang_figures(
    out: &mut impl Write,
    rate: f64,
    aht: f64,
    agents: u32,
    patience: Option<f64>,
    threshold: f64,
) -> Result<()> {
    match patience {
        None => match ccsim::analytic::erlang_c(rate, aht, agents, threshold) {
            Some(c) => {
                writeln!(out, "Erlang C (M/M/c, no abandonment)")?;
                writeln!(out, "  probability of waiting  {:.4}", c.p_wait)?;
                writeln!(out, "  service level ({} s)    {:.4}", threshold, c.service_level)?;
                writeln!(out, "  ASA                     {:.2} s", c.asa)?;
                writeln!(out, "  occupancy               {:.4}", c.occupancy)?;
            }
            None => writeln!(out, "Erlang C: unstable (load at or above the agents); queues grow without bound")?,
        },
        Some(patience) => {
            let a = ccsim::analytic::erlang_a(rate, aht, agents, patience, threshold);
            writeln!(out, "Erlang A (M/M/c+M, exponential patience of mean {patience} s)")?;
            writeln!(out, "  probability of waiting  {:.4}", a.p_wait)?;
            writeln!(out, "  abandonment             {:.4}", a.p_abandon)?;
            writeln!(
                out,
                "  service level ({} s)    {:.4}  (answered within the threshold, over all arrivals)",
                threshold, a.service_level
            )?;
            writeln!(out, "  ASA                     {:.2} s  (answered chats)", a.asa)?;
            writeln!(out, "  occupancy               {:.4}", a.occupancy)?;
            writeln!(out, "  mean queue              {:.3}", a.mean_queue)?;
        }
    }
    Ok(())
}

/// The model in words: "the exact chat-concurrency chain (2 chats per agent at speeds 1, 0.8, …)".
fn method(model: &ChatCenter) -> String {
    let patience = if model.patience_mean_secs.is_finite() {
        format!("exponential patience of mean {} s", model.patience_mean_secs)
    } else {
        "no abandonment".to_string()
    };
    if model.slots == 1 && model.speed[0] == 1.0 {
        return if model.patience_mean_secs.is_finite() {
            format!("Erlang A (M/M/c+M, {patience})")
        } else {
            format!("Erlang C (M/M/c, {patience})")
        };
    }
    let speeds: Vec<String> = model.speed[..model.slots as usize].iter().map(|s| s.to_string()).collect();
    format!(
        "the exact chat-concurrency chain ({} chats per agent at speeds {}, exponential work, {patience})",
        model.slots,
        speeds.join(", ")
    )
}

/// The chain's figures for `agents` agents.
fn chain_figures(out: &mut impl Write, model: &ChatCenter, agents: u32) -> Result<()> {
    let Some(f) = estimate::figures(model, agents, true) else {
        writeln!(out, "unstable: the load is at or above what the slots can work; queues grow without bound")?;
        return Ok(());
    };
    if f.exact {
        writeln!(out, "{}", method(model))?;
    } else {
        writeln!(
            out,
            "Erlang A on {} slots at the full-concurrency speed {} (an approximation: the exact chain is solved \
             up to {EXACT_AGENTS} agents)",
            agents * model.slots,
            model.speed[model.slots as usize - 1]
        )?;
    }
    writeln!(out, "  probability of waiting  {:.4}  (every slot busy)", f.p_wait)?;
    if model.patience_mean_secs.is_finite() {
        writeln!(out, "  abandonment             {:.4}", f.p_abandon)?;
    }
    writeln!(
        out,
        "  service level ({} s)    {:.4}  (answered within the threshold, over all arrivals)",
        model.threshold_secs, f.service_level
    )?;
    writeln!(out, "  ASA                     {:.2} s  (answered chats)", f.asa)?;
    if f.exact {
        writeln!(out, "  occupancy               {:.4}  (agents holding a chat)", f.occupancy)?;
    }
    writeln!(out, "  utilisation             {:.4}  (slots busy)", f.utilisation)?;
    writeln!(out, "  mean queue              {:.3}", f.mean_queue)?;
    Ok(())
}

/// The fewest agents meeting the goal (and the abandonment cap), with the
/// figures of a few staffings around it.
fn agents_needed(out: &mut impl Write, model: &ChatCenter, goal: f64, max_abandon: Option<f64>) -> Result<()> {
    let target = format!(
        "service level {goal} within {} s{}",
        model.threshold_secs,
        max_abandon.map(|m| format!(" and abandonment at most {m}")).unwrap_or_default()
    );
    let Some(answer) = estimate::agents_needed_for(model, goal, max_abandon) else {
        let slot_load = model.rate_per_sec * model.work_mean_secs / model.speed[model.slots as usize - 1];
        if slot_load > estimate::MAX_LOAD {
            writeln!(
                out,
                "agents needed: not estimated: {slot_load:.0} Erlangs of slot load is above {}, the most the search \
                 takes on",
                estimate::MAX_LOAD
            )?;
        } else {
            writeln!(out, "agents needed: no staffing up to 100000 agents meets {target}")?;
        }
        return Ok(());
    };
    let n = answer.agents;
    // With one chat per agent at speed 1, Erlang A on slots is Erlang A (C) itself.
    let chain = model.slots > 1 || model.speed[0] != 1.0;
    let exact = answer.exact || !chain;
    writeln!(
        out,
        "agents needed: {}{n} for {target}, by {}",
        if exact { "" } else { "~" },
        if exact {
            method(model)
        } else {
            format!(
                "Erlang A on slots at the full-concurrency speed (an approximation: the exact chain is solved up to \
                 {EXACT_AGENTS} agents)"
            )
        }
    )?;
    let abandon = model.patience_mean_secs.is_finite();
    let mut header = format!("  {:>8}", "agents");
    if chain {
        header += &format!("  {:>9}  {:>11}", "occupancy", "utilisation");
    } else {
        header += &format!("  {:>9}", "occupancy");
    }
    header += &format!("  {:>7}", "P(wait)");
    if abandon {
        header += &format!("  {:>7}", "abandon");
    }
    header += &format!("  {:>13}  {:>8}", "service level", "ASA (s)");
    writeln!(out, "{header}")?;
    for agents in n.saturating_sub(3).max(1)..=n.saturating_add(2) {
        let mark = if agents == n { "→" } else { " " };
        let Some(f) = estimate::figures(model, agents, answer.exact) else {
            writeln!(out, "{mark} {agents:>8}  unstable: the load is at or above what they can work")?;
            continue;
        };
        let mut row = format!("{mark} {agents:>8}");
        if chain {
            let occupancy = if f.occupancy.is_nan() { "-".to_string() } else { format!("{:.4}", f.occupancy) };
            row += &format!("  {occupancy:>9}  {:>11.4}", f.utilisation);
        } else {
            row += &format!("  {:>9.4}", f.utilisation);
        }
        row += &format!("  {:>7.4}", f.p_wait);
        if abandon {
            row += &format!("  {:>7.4}", f.p_abandon);
        }
        row += &format!("  {:>13.4}  {:>8.2}", f.service_level, f.asa);
        writeln!(out, "{row}")?;
    }
    writeln!(
        out,
        "  service level and P(wait) over all arrivals; ASA over answered chats (Erlang C: all are answered); \
         occupancy {}",
        if chain { "= agents holding a chat, utilisation = slots busy" } else { "= the agents' busy share" }
    )?;
    Ok(())
}
