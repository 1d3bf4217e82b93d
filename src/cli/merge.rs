//! `ccsim merge`: the shards of a run or sweep combined into the whole job's files.

use ccsim::error::{Exit, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct MergeArgs {
    /// The shard folders, in any order: every shard of one `run` or `sweep`, each once.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Output folder (default: results/<name>/, or results/<name>-sweep/ for a sweep).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Nothing on stdout.
    #[arg(long)]
    quiet: bool,
}

pub fn merge(args: &MergeArgs) -> Result<Exit> {
    let merged = ccsim::jobs::shard::merge(&args.dirs, args.out.as_deref())?;
    if !args.quiet {
        let items = match merged.kind {
            ccsim::jobs::shard::Kind::Run => "replications",
            ccsim::jobs::shard::Kind::Sweep => "points",
        };
        println!(
            "{}: {} shards merged, {} {items} → {}",
            merged.name,
            merged.shards,
            merged.items,
            merged.dir.display()
        );
    }
    Ok(Exit::Success)
}
