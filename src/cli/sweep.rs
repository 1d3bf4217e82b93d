//! `ccsim sweep`: the scenario run for every combination of --set values.

use ccsim::error::{Error, Exit, Result, ResultExt};
use ccsim::jobs::shard::Manifest;
use ccsim::report::{self};
use ccsim::scenario::{self};
use ccsim::stats::{Metric, Scope, SegmentKind::New};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

use super::args::*;
use super::progress;

#[derive(Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A key and its values, e.g. chat.max_concurrent=1,2 or groups.tier1.agents=10,12,14 (repeatable).
    #[arg(long = "set", required = true)]
    sets: Vec<String>,
    /// Output folder (default: results/<name>-sweep/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    reps: ReplicationArgs,
    #[command(flatten)]
    part: ShardArgs,
    /// Do not write charts/ (a shard writes none; its merge then draws none either).
    #[arg(long)]
    no_charts: bool,
    /// No table on stdout.
    #[arg(long)]
    quiet: bool,
}

pub fn sweep(args: &SweepArgs) -> Result<Exit> {
    use ccsim::jobs::sweep::{Setting, run_points};
    let mut base = load(&args.scenario)?;
    args.reps.apply(&mut base, &args.scenario)?;
    let text = std::fs::read_to_string(&args.scenario)?;
    let doc: toml::Table =
        toml::from_str(&text).map_err(|e| Error::input(format!("{}: {e}", args.scenario.display())))?;
    let settings: Vec<Setting> = args.sets.iter().map(|s| Setting::parse(s)).collect::<Result<_, _>>()?;
    let points = ccsim::jobs::sweep::points(&doc, &args.scenario, &base, &settings)?;
    let range = args.part.share(points.len() as u32);
    for point in &points[range.start as usize..range.end as usize] {
        let sc = &point.scenario;
        let plan = ccsim::jobs::memory::Plan {
            runs: range.len(),
            ..ccsim::jobs::memory::Plan::run(sc.simulation.replications, args.reps.threads)
        };
        check_memory(sc, &plan, &args.reps)?;
    }
    let target = args.out.clone().unwrap_or_else(|| args.part.default_out(&format!("{}-sweep", base.name)));
    let folder = output_folder(&target, "sweep")?;
    let share = &points[range.start as usize..range.end as usize];
    let bar = progress::bar(share.len() as u64, "points", args.quiet);
    let rows = run_points(share, args.reps.threads, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let keys: Vec<&str> = settings.iter().map(|s| s.key.as_str()).collect();
    let write = || -> Result<()> {
        report::write_sweep(&folder.file("sweep.csv"), &keys, range.start as usize + 1, &rows)?;
        match args.part.shard {
            Some(shard) => {
                report::write_text(&folder.file("run.toml"), &scenario::resolved_toml(&base))?;
                let manifest = Manifest::sweep(shard, points.len() as u32, &settings, !args.no_charts);
                manifest.write(&folder.file(ccsim::jobs::shard::MANIFEST))?;
            }
            None if args.no_charts => {}
            None => report::write_sweep_charts(&folder.file("charts"), &keys, &rows, base.service_level.goal)?,
        }
        Ok(())
    };
    write().with_context(|| cannot_write(&target))?;
    let dir = folder.commit()?;
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        match args.part.shard {
            Some(shard) => writeln!(
                out,
                "{}: shard {shard}, {} → {} (combine the folders of all shards with `ccsim merge`)",
                base.name,
                share_text(&range, points.len() as u32, "points", 1),
                dir.display()
            )?,
            None => writeln!(out, "{}: {} points → {}", base.name, rows.len(), dir.display())?,
        }
        let shown = [
            Metric::ServiceLevel(New),
            Metric::Asa(New),
            Metric::AbandonRate(New),
            Metric::Occupancy,
            Metric::Utilisation,
        ];
        let names: Vec<String> = shown.iter().map(Metric::to_string).collect();
        writeln!(out, "  {:<40} {}", keys.join(", "), names.join("  "))?;
        for (values, summary) in &rows {
            let figures: Vec<String> = shown
                .iter()
                .map(|m| {
                    let a = summary.iter().find(|a| a.scope == Scope::All && a.metric == *m);
                    report::fmt_num(a.and_then(|a| a.mean).map(|v| (v * 1e4).round() / 1e4))
                })
                .collect();
            writeln!(out, "  {:<40} {}", values.join(", "), figures.join("  "))?;
        }
    }
    Ok(Exit::Success)
}
