//! What the commands share: replication, shard and memory options, loading a
//! scenario, the output folder, flag parsing and small formatters.

use ccsim::error::{Error, Result};
use ccsim::jobs::shard::Shard;
use ccsim::report::OutputDir;
use ccsim::scenario::{self, Scenario};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ReplicationArgs {
    /// Replications (default: the scenario's, else 10).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Random seed, the same for every point of a sweep (default: the scenario's, else 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads for replications (default: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Refuse to start when the run's estimated memory is above this (e.g. 8GiB, 512MiB).
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = ccsim::scenario::limits::parse_bytes)]
    pub max_memory: u64,
}

impl ReplicationArgs {
    /// Applies `--replications` and `--seed` to a scenario read from `path`.
    pub fn apply(&self, sc: &mut Scenario, path: &Path) -> Result<()> {
        if self.threads > ccsim::scenario::limits::MAX_THREADS {
            let max = ccsim::scenario::limits::MAX_THREADS;
            return Err(Error::input(format!("--threads: expected at most {max}, got {}", self.threads)));
        }
        if let Some(r) = self.replications {
            let r = ccsim::scenario::limits::check_replications(r.into()).map_err(|m| {
                Error::input(format!("--replications: {m} (for simulation.replications of {})", path.display()))
            })?;
            sc.simulation.replications = r;
        }
        if let Some(s) = self.seed {
            sc.simulation.seed = s;
        }
        Ok(())
    }
}

/// `--shard K/N` of `run` and `sweep`.
#[derive(Args)]
pub struct ShardArgs {
    /// Run only share K of N: a contiguous block of the replications (run) or
    /// grid points (sweep), into a shard folder for `ccsim merge`.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
}

impl ShardArgs {
    /// The items this run takes: its share of `items`, or all of them.
    pub fn share(&self, items: u32) -> std::ops::Range<u32> {
        self.shard.map_or(0..items, |s| s.share(items))
    }

    /// The default output folder: `results/<name>`, or `results/<name>-shard-K-of-N`.
    pub fn default_out(&self, name: &str) -> PathBuf {
        let folder = match self.shard {
            Some(s) => format!("{name}-shard-{}-of-{}", s.k, s.n),
            None => name.to_string(),
        };
        PathBuf::from("results").join(folder)
    }
}

/// The message of a failure to write the output folder `target` (its cause,
/// a disk full or a permission, follows it).
pub fn cannot_write(target: &Path) -> String {
    format!("cannot write the output folder {} (nothing was written)", target.display())
}

/// The output folder `--out` names (or the default), written atomically;
/// refused unless ccsim may replace it.
pub fn output_folder(target: &Path, command: &str) -> Result<OutputDir> {
    Ok(OutputDir::create(target, command)?)
}

/// Loads and validates a scenario (errors exit with code 2).
pub fn load(path: &Path) -> Result<Scenario> {
    Ok(scenario::load(path)?)
}

/// Refuses a run whose memory estimate is above `--max-memory`.
pub fn check_memory(sc: &Scenario, plan: &ccsim::jobs::memory::Plan, reps: &ReplicationArgs) -> Result<()> {
    let estimate = ccsim::jobs::memory::estimate(sc, plan);
    estimate.check(reps.max_memory).map_err(|m| Error::input(format!("{}: {m}", sc.path.display())))
}

/// A shard's share in words: "2 of 10 replications (numbers 4–5)"; items
/// are numbered from `first`.
pub fn share_text(range: &std::ops::Range<u32>, total: u32, items: &str, first: u32) -> String {
    match range.len() {
        0 => format!("none of the {total} {items}"),
        n => format!("{n} of {total} {items} (numbers {}–{})", range.start + first, range.end - 1 + first),
    }
}

pub use ccsim::scenario::duration::fmt_clock as clock;

pub fn flag<T>(name: &str, value: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<T> {
    parse(value).map_err(|m| Error::input(format!("--{name}: {m}")))
}

/// A duration on the command line, within the same limit as in a scenario file.
pub fn duration_flag(text: &str) -> Result<f64, String> {
    let secs = ccsim::scenario::duration::parse_duration(text)?;
    ccsim::scenario::limits::check_duration("a duration", secs)?;
    Ok(secs)
}
