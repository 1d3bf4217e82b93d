//! The `ccsim` command line: argument parsing and wiring; the work is in the library.

mod cli;

use ccsim::error::Exit;
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
    Run(cli::run::RunArgs),
    /// Validate a scenario and print what it resolves to, without simulating.
    Check {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Staffing by simulation: the fewest agents per interval meeting the service-level goal (staffing.csv).
    Staff(cli::staff::StaffArgs),
    /// Rosters: shifts with breaks at least cost covering the staffing requirement, checked and repaired by simulation.
    Schedule(cli::schedule::ScheduleArgs),
    /// What-if grid: run the scenario for every combination of --set values (same seed) and write sweep.csv.
    Sweep(cli::sweep::SweepArgs),
    /// Combine the folders of every shard of a `run` or `sweep` (--shard K/N) into the output of the whole job.
    Merge(cli::merge::MergeArgs),
    /// Benchmark: one replication, one thread, for 1 and 7 days: chats and events per second, peak memory.
    Bench(cli::bench::BenchArgs),
    /// Erlang C figures (Erlang A with --patience, the chat chain with --max-concurrent), or the agents --goal needs.
    Erlang(cli::erlang::ErlangArgs),
    /// Regression check: compare a run folder with a baseline run folder (exit 1 on a regression).
    Compare(cli::compare::CompareArgs),
    /// Fit a scenario to a center's history (history.csv): forecast, staffing, groups, distributions, rates.
    Fit(cli::fit::FitArgs),
    /// Replay a period of history through a scenario; compare interval by interval with what happened and Erlang A.
    Backtest(cli::backtest::BacktestArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    on_interrupt_remove_temporaries();
    let result = match cli.command {
        Command::Run(args) => cli::run::run(&args),
        Command::Check { scenario } => cli::check::check(&scenario),
        Command::Erlang(args) => cli::erlang::erlang(&args),
        Command::Bench(args) => cli::bench::bench(&args),
        Command::Staff(args) => cli::staff::staff(&args),
        Command::Schedule(args) => cli::schedule::run(&args),
        Command::Sweep(args) => cli::sweep::sweep(&args),
        Command::Merge(args) => cli::merge::merge(&args),
        Command::Compare(args) => cli::compare::compare(&args),
        Command::Fit(args) => cli::fit::run(&args),
        Command::Backtest(args) => cli::backtest::run(&args),
    };
    let exit = result.unwrap_or_else(|err| {
        let exit = err.exit();
        if exit != Exit::Success {
            // (a broken pipe is success: the reader of our output went away, e.g. `| head`)
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
        }
        exit
    });
    ExitCode::from(exit.code() as u8)
}

/// On SIGINT or SIGTERM: remove the output folders being written (so an
/// interrupted run leaves nothing behind) and exit with
/// [`Exit::Interrupted`] (130, 143), as a shell reports a process killed by it.
fn on_interrupt_remove_temporaries() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // then the signals keep their default: the next run removes what is left
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _held = ccsim::report::remove_temporaries();
            eprintln!("interrupted: the output being written was removed");
            std::process::exit(Exit::Interrupted(signal).code());
        }
    });
}
