//! `ccsim erlang`: Erlang C (Erlang A with --patience) figures.

use ccsim::error::{Error, Exit, Result};
use clap::Args;
use std::io::Write;

use super::args::*;

#[derive(Args)]
pub struct ErlangArgs {
    /// Arrival rate, e.g. "120/h".
    #[arg(long)]
    rate: String,
    /// Average handle time including wrap-up, e.g. "6m".
    #[arg(long)]
    aht: String,
    /// Agents (one chat at a time each).
    #[arg(long)]
    agents: u32,
    /// Mean patience (exponential): Erlang A instead of Erlang C.
    #[arg(long)]
    patience: Option<String>,
    /// Service-level threshold.
    #[arg(long, default_value = "60s")]
    threshold: String,
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
    if aht <= 0.0 || rate <= 0.0 || args.agents == 0 {
        return Err(Error::input("--rate, --aht and --agents must be above zero"));
    }
    if args.agents > ccsim::scenario::limits::MAX_AGENTS {
        let max = ccsim::scenario::limits::MAX_AGENTS;
        return Err(Error::input(format!("--agents: expected at most {max}, got {}", args.agents)));
    }
    let load = rate * aht;
    writeln!(
        out,
        "offered load {load:.3} Erlangs on {} agents ({:.1}% of capacity)",
        args.agents,
        100.0 * load / args.agents as f64
    )?;
    match &args.patience {
        None => match ccsim::analytic::erlang_c(rate, aht, args.agents, threshold) {
            Some(c) => {
                writeln!(out, "Erlang C (M/M/c, no abandonment)")?;
                writeln!(out, "  probability of waiting  {:.4}", c.p_wait)?;
                writeln!(out, "  service level ({} s)    {:.4}", threshold, c.service_level)?;
                writeln!(out, "  ASA                     {:.2} s", c.asa)?;
                writeln!(out, "  occupancy               {:.4}", c.occupancy)?;
            }
            None => writeln!(out, "Erlang C: unstable (load at or above the agents); queues grow without bound")?,
        },
        Some(p) => {
            let patience = flag("patience", p, duration_flag)?;
            let a = ccsim::analytic::erlang_a(rate, aht, args.agents, patience, threshold);
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
    Ok(Exit::Success)
}
