//! The `ccsim` command line: argument parsing and wiring; the work is in the library.

mod cmd_compare;
mod commands;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Discrete-event simulation of chat contact centers.
#[derive(Parser)]
#[command(name = "ccsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario and write results (summary.csv, replications.csv, run.toml).
    Run(commands::RunArgs),
    /// Validate a scenario and print what it resolves to, without simulating.
    Check {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Staffing by simulation: the fewest agents per interval meeting the service-level goal (staffing.csv).
    Staff(commands::StaffArgs),
    /// What-if grid: run the scenario for every combination of --set values (same seed) and write sweep.csv.
    Sweep(commands::SweepArgs),
    /// Combine the folders of every shard of a `run` or `sweep` (--shard K/N) into the output of the whole job.
    Merge(commands::MergeArgs),
    /// Benchmark: one replication, one thread, for 1 and 7 days: chats and events per second, peak memory.
    Bench(commands::BenchArgs),
    /// Erlang C figures (Erlang A with --patience) for comparison with a simulation.
    Erlang(commands::ErlangArgs),
    /// Regression check: compare a run folder with a baseline run folder (exit 1 on a regression).
    Compare(cmd_compare::CompareArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run(&args),
        Command::Check { scenario } => commands::check(&scenario),
        Command::Erlang(args) => commands::erlang(&args),
        Command::Bench(args) => commands::bench(&args),
        Command::Staff(args) => commands::staff(&args),
        Command::Sweep(args) => commands::sweep(&args),
        Command::Merge(args) => commands::merge(&args),
        Command::Compare(args) => cmd_compare::compare(&args),
    };
    match result {
        Ok(code) => code,
        Err(err)
            if err.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS // the reader of our output went away (e.g. `| head`)
        }
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if err.downcast_ref::<ccsim::scenario::ScenarioError>().is_some()
                || err.downcast_ref::<commands::UsageError>().is_some()
                || err.downcast_ref::<ccsim::sweep::SweepError>().is_some()
                || err.downcast_ref::<ccsim::compare::CompareError>().is_some()
                || err.downcast_ref::<ccsim::shard::ShardError>().is_some_and(|e| e.is_bad_input())
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
