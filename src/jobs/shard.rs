//! Distribution beyond one machine: `--shard K/N` runs a contiguous share of
//! a job's items (a run's replications, a sweep's grid points) into a shard
//! folder, and [`merge`] combines the folders of every shard into exactly
//! the files of the job run whole.
//!
//! A run shard holds `run.toml` (the whole run's scenario), its replications'
//! rows of `replications.csv` and `wait_histograms.csv` (and of `chats.csv`
//! and `events.csv` with `--trace`); a sweep shard holds `run.toml` (the base
//! scenario) and its points' rows of `sweep.csv`. Both hold `shard.toml`, a
//! [`Manifest`] of what the shard is. A merge reads the values back (numbers
//! are written so that they parse to the same `f64`) and writes the output
//! with the very writers of an unsharded run, so the files are byte-identical.
//!
//! Every value read is checked before anything is written: each metric's
//! value against its [`crate::stats::MetricKind`] (finite; counts whole and ≥ 0; shares
//! in [0, 1]; times ≥ 0 and bounded; empty only where the metric can be
//! undefined), histogram counts against `answered`, and each `sweep.csv` row
//! as an aggregated row ([`crate::stats::AggregateValues`]); the files are
//! read through their schema ([`crate::report::schema`]), so a bad value is
//! an error naming the file, line, column, metric and value.

use crate::jobs::run::{self, Replication};
use crate::jobs::sweep::Setting;
use crate::model::RunCounts;
use crate::report::schema::{self, CsvFile, ReadError, ReplicationRow, WaitHistogramRow};
use crate::report::{self, Marker, OutputDir};
use crate::scenario::{self, Scenario};
use crate::stats::{Aggregate, Label, Layout, Metric, Scope, SegmentKind, WaitHistogram};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Share `k` of `n` (1 ≤ k ≤ n), as `--shard K/N` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

impl Shard {
    /// Parses `K/N` (whole numbers, 1 ≤ K ≤ N); the error says what is expected.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let expected = || format!("expected K/N with whole numbers 1 ≤ K ≤ N (e.g. --shard 2/5), got {text:?}");
        let (k, n) = text.trim().split_once('/').ok_or_else(expected)?;
        let number = |s: &str| s.trim().parse::<u32>().ok().filter(|_| s.trim().bytes().all(|b| b.is_ascii_digit()));
        match (number(k), number(n)) {
            (Some(k), Some(n)) if 1 <= k && k <= n => Ok(Shard { k, n }),
            _ => Err(expected()),
        }
    }

    /// This shard's share of `items` items, as 0-based indices: the
    /// contiguous block [⌊(k−1)·items/n⌋, ⌊k·items/n⌋), which files number
    /// ⌊(k−1)·items/n⌋ + 1 to ⌊k·items/n⌋ (items are numbered from 1). The
    /// shards 1..=n cover every item exactly once, in order; shares differ
    /// in size by at most one.
    pub fn share(self, items: u32) -> Range<u32> {
        let at = |k: u32| (k as u64 * items as u64 / self.n as u64) as u32;
        at(self.k - 1)..at(self.k)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// The kind of job a shard is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `ccsim run --shard`: the items are replications.
    Run,
    /// `ccsim sweep --shard`: the items are grid points, in grid order.
    Sweep,
}

/// The options of `ccsim run` that change its output files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOutput {
    pub per_day: bool,
    pub trace: bool,
    pub charts: bool,
}

/// One `--set` of a sweep: the key and its values as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetValues {
    pub key: String,
    pub values: Vec<String>,
}

/// `shard.toml`: what a shard folder is. Never part of a merged output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub kind: Kind,
    /// K of `--shard K/N`.
    pub shard: u32,
    /// N of `--shard K/N`.
    pub of: u32,
    /// Items of the whole job: replications (run) or grid points (sweep).
    pub items: u32,
    /// The items before this shard's: it covers the items numbered `from` + 1
    /// to `to` (numbered from 1, as `replications.csv` and `sweep.csv` do;
    /// as 0-based indices, `from` up to `to` excluded).
    pub from: u32,
    /// The number of this shard's last item.
    pub to: u32,
    /// A run's output options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunOutput>,
    /// A sweep's grid.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<SetValues>,
    /// A sweep run with `--no-charts`: its merge draws no charts either.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_charts: bool,
}

/// The name of the manifest file in a shard folder.
pub const MANIFEST: &str = "shard.toml";

impl Manifest {
    /// The manifest of shard `shard` of a run of `replications` replications.
    pub fn run(shard: Shard, replications: u32, output: RunOutput) -> Manifest {
        Manifest::new(Kind::Run, shard, replications, Some(output), Vec::new())
    }

    /// The manifest of shard `shard` of a sweep over `settings` with `points`
    /// grid points, with charts or not.
    pub fn sweep(shard: Shard, points: u32, settings: &[Setting], charts: bool) -> Manifest {
        let set = settings.iter().map(|s| SetValues { key: s.key.clone(), values: s.values.clone() }).collect();
        Manifest { no_charts: !charts, ..Manifest::new(Kind::Sweep, shard, points, None, set) }
    }

    fn new(kind: Kind, shard: Shard, items: u32, run: Option<RunOutput>, set: Vec<SetValues>) -> Manifest {
        let share = shard.share(items);
        Manifest {
            kind,
            shard: shard.k,
            of: shard.n,
            items,
            from: share.start,
            to: share.end,
            run,
            set,
            no_charts: false,
        }
    }

    /// Writes the manifest to `path`, with a comment saying what it is.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let body = toml::to_string(self).map_err(io::Error::other)?;
        let text = format!(
            "# A shard of a ccsim {} (--shard {}/{}): combine the folders of every shard with `ccsim merge`.\n\
             # items: replications (run) or grid points (sweep), numbered from 1; this shard covers items `from` + 1 to `to`.\n\
             {body}",
            match self.kind {
                Kind::Run => "run",
                Kind::Sweep => "sweep",
            },
            self.shard,
            self.of
        );
        std::fs::write(path, text)
    }

    /// Reads and checks the manifest of the shard folder `dir`.
    pub fn read(dir: &Path) -> Result<Manifest, ShardError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                bad(format!("{}: no {MANIFEST}: not a shard folder (written by --shard K/N)", dir.display()))
            } else {
                bad(format!("cannot read {}: {e}", path.display()))
            }
        })?;
        let m: Manifest = toml::from_str(&text).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        let wrong = |what: String| Err(bad(format!("{}: {what}", path.display())));
        if m.shard < 1 || m.shard > m.of {
            return wrong(format!("shard = {} and of = {}: expected 1 ≤ shard ≤ of", m.shard, m.of));
        }
        let share = Shard { k: m.shard, n: m.of }.share(m.items);
        if (m.from, m.to) != (share.start, share.end) {
            return wrong(format!(
                "from = {}, to = {} (items {}): but shard {}/{} of {} items covers {} (from = {}, to = {})",
                m.from,
                m.to,
                items_text(m.from..m.to),
                m.shard,
                m.of,
                m.items,
                items_text(share.clone()),
                share.start,
                share.end
            ));
        }
        match m.kind {
            Kind::Run if m.run.is_none() => wrong("a run shard needs its [run] table".into()),
            Kind::Sweep if m.set.is_empty() => wrong("a sweep shard needs its [[set]] tables".into()),
            _ => Ok(m),
        }
    }

    /// The 0-based indices of this shard's items.
    fn share(&self) -> Range<u32> {
        self.from..self.to
    }
}

/// The items at 0-based `indices` as files number them (from 1): "4 to 6",
/// "4", or "none".
fn items_text(indices: Range<u32>) -> String {
    match indices.len() {
        0 => "none".into(),
        1 => format!("{}", indices.start + 1),
        _ => format!("{} to {}", indices.start + 1, indices.end),
    }
}

/// Why shard folders could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// The folders given are not a complete, consistent set of shards, or a
    /// file in them is malformed (bad input: exit code 2).
    #[error("{0}")]
    Input(String),
    /// The output folder is not ccsim's to replace, or could not be written.
    #[error(transparent)]
    Output(#[from] crate::report::OutputError),
    /// Writing the merged folder failed.
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Shards that do not belong together, a malformed file in them or an
/// output folder ccsim may not replace are bad input (exit code 2); a
/// failure to write is the environment's (exit code 3).
impl From<ShardError> for crate::error::Error {
    fn from(e: ShardError) -> Self {
        use crate::error::{Error, Kind};
        match e {
            ShardError::Output(e) => e.into(),
            ShardError::Input(_) => Error::new(Kind::Input, e),
            ShardError::Write { .. } => Error::new(Kind::Environment, e),
        }
    }
}

fn bad(message: String) -> ShardError {
    ShardError::Input(message)
}

/// A shard's file that does not read back as ccsim wrote it: bad input.
impl From<ReadError> for ShardError {
    fn from(e: ReadError) -> ShardError {
        ShardError::Input(e.to_string())
    }
}

fn write_err(path: &Path) -> impl Fn(io::Error) -> ShardError + '_ {
    move |source| ShardError::Write { path: path.to_path_buf(), source }
}

/// One shard folder, read.
struct ShardDir {
    dir: PathBuf,
    manifest: Manifest,
    /// The text of its `run.toml`.
    run_toml: String,
}

/// What [`merge`] wrote.
#[derive(Debug, Clone)]
pub struct Merged {
    pub kind: Kind,
    /// The scenario's name.
    pub name: String,
    /// Shards merged.
    pub shards: u32,
    /// Replications (run) or grid points (sweep).
    pub items: u32,
    /// The output folder.
    pub dir: PathBuf,
}

/// Merges the shard folders `dirs` (in any order) into `out` (default
/// `results/<name>` for a run, `results/<name>-sweep` for a sweep): the same
/// files, byte for byte, as the job run whole. Every shard of the job must be
/// given exactly once, all from the same scenario and options; otherwise
/// nothing is written.
pub fn merge(dirs: &[PathBuf], out: Option<&Path>) -> Result<Merged, ShardError> {
    let shards = read_shards(dirs)?;
    let first = &shards[0];
    let run_toml = first.dir.join("run.toml");
    let sc = scenario::load(&run_toml).map_err(|e| bad(e.to_string()))?;
    let kind = first.manifest.kind;
    let target = match out {
        Some(out) => out.to_path_buf(),
        None if kind == Kind::Run => PathBuf::from("results").join(&sc.name),
        None => PathBuf::from("results").join(format!("{}-sweep", sc.name)),
    };
    let dir = match kind {
        Kind::Run => merge_run(&shards, &sc, &target)?,
        Kind::Sweep => merge_sweep(&shards, &sc, &target)?,
    };
    Ok(Merged { kind, name: sc.name.clone(), shards: first.manifest.of, items: first.manifest.items, dir })
}

/// Reads every folder's manifest and `run.toml`, checks they are the shards
/// of one job, each exactly once, and returns them in shard order.
fn read_shards(dirs: &[PathBuf]) -> Result<Vec<ShardDir>, ShardError> {
    let mut shards = Vec::new();
    for dir in dirs {
        let manifest = Manifest::read(dir)?;
        verify_files(dir, &manifest)?;
        let path = dir.join("run.toml");
        let run_toml =
            std::fs::read_to_string(&path).map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
        shards.push(ShardDir { dir: dir.clone(), manifest, run_toml });
    }
    let Some(first) = shards.first() else {
        return Err(bad("no shard folders given".into()));
    };
    let (a, m) = (first.dir.display(), &first.manifest);
    for s in &shards[1..] {
        let (b, n) = (s.dir.display(), &s.manifest);
        let differ = |what: &str| Err(bad(format!("{a} and {b} are shards of different jobs: {what}")));
        if n.kind != m.kind {
            return differ(&format!("a {:?} and a {:?}", m.kind, n.kind).to_lowercase());
        }
        if n.of != m.of {
            return differ(&format!("split into {} and into {} shards", m.of, n.of));
        }
        if n.items != m.items {
            return differ(&format!("{} and {} items (replications or grid points)", m.items, n.items));
        }
        if n.run != m.run || n.no_charts != m.no_charts {
            return differ("different --per-day, --trace or --no-charts");
        }
        if n.set != m.set {
            return differ("different --set keys or values");
        }
        if s.run_toml != first.run_toml {
            return Err(bad(format!("{a} and {b} come from different scenarios: their run.toml differ")));
        }
    }
    let n = m.of;
    let mut by_shard: Vec<Option<&ShardDir>> = vec![None; n as usize];
    for s in &shards {
        let slot = &mut by_shard[s.manifest.shard as usize - 1];
        if let Some(other) = slot {
            return Err(bad(format!(
                "shard {}/{n} is given twice: {} and {}",
                s.manifest.shard,
                other.dir.display(),
                s.dir.display()
            )));
        }
        *slot = Some(s);
    }
    let missing: Vec<String> =
        by_shard.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(k, _)| format!("{}/{n}", k + 1)).collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "shard{} {} missing: give the folders of all {n} shards",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    shards.sort_by_key(|s| s.manifest.shard);
    Ok(shards)
}

/// Checks that the files of the shard folder `dir` that a merge reads are
/// the ones ccsim wrote there (its marker's SHA-256 sums).
fn verify_files(dir: &Path, manifest: &Manifest) -> Result<(), ShardError> {
    let mut files = vec![MANIFEST, "run.toml"];
    match manifest.kind {
        Kind::Run => {
            files.extend(["replications.csv", "wait_histograms.csv"]);
            if manifest.run.is_some_and(|r| r.trace) {
                files.extend(["chats.csv", "events.csv"]);
                if manifest.share().contains(&0) {
                    files.extend(HISTORY_FILES);
                }
            }
        }
        Kind::Sweep => files.push("sweep.csv"),
    }
    Marker::verify(dir, &files).map_err(|e| bad(e.to_string()))?;
    Ok(())
}

/// What a traced run writes of its first replication (index 0), as a center's history.
const HISTORY_FILES: [&str; 2] = ["history.csv", "agents.csv"];

fn merge_run(shards: &[ShardDir], sc: &Scenario, target: &Path) -> Result<PathBuf, ShardError> {
    let output = shards[0].manifest.run.unwrap_or(RunOutput { per_day: false, trace: false, charts: true });
    let layout = run::layout(sc, output.per_day);
    let labels = crate::stats::metric_labels(&layout, &run::scope_names(sc));
    let mut reps = Vec::new();
    for s in shards {
        let mut share = read_replications(&s.dir, s.manifest.share(), &layout, &labels)?;
        read_wait_histograms(&s.dir, s.manifest.share(), &sc.skills, &mut share)?;
        check_histograms_count_answered(&s.dir, &sc.skills, &labels, &share)?;
        reps.append(&mut share);
    }
    let folder = OutputDir::create(target, "run")?;
    let tmp = folder.file("");
    report::write_run(&tmp, sc, output.per_day, output.charts, &reps, 0).map_err(write_err(target))?;
    if output.trace {
        let chat_columns = schema::chat_columns(sc.retrials());
        for (name, columns) in [("chats.csv", &chat_columns[..]), ("events.csv", &schema::EVENT_COLUMNS)] {
            let parts: Vec<_> = shards.iter().map(|s| (s.dir.join(name), s.manifest.share())).collect();
            concat_csv(&folder.file(name), &parts, columns)?;
        }
        // The first replication's history, from the shard that ran it.
        if let Some(first) = shards.iter().find(|s| s.manifest.share().contains(&0)) {
            for name in HISTORY_FILES {
                std::fs::copy(first.dir.join(name), folder.file(name)).map_err(write_err(target))?;
            }
        }
    }
    Ok(folder.commit()?)
}

fn merge_sweep(shards: &[ShardDir], sc: &Scenario, target: &Path) -> Result<PathBuf, ShardError> {
    let keys: Vec<&str> = shards[0].manifest.set.iter().map(|s| s.key.as_str()).collect();
    let mut points = Vec::new();
    for s in shards {
        let path = s.dir.join("sweep.csv");
        let mut share = schema::read_sweep(&path, &keys)?;
        // Points are numbered from 1 in sweep.csv.
        let numbers: Vec<u32> = share.iter().map(|p| p.point).collect();
        if !numbers.iter().copied().eq(s.manifest.from + 1..s.manifest.to + 1) {
            return Err(bad(format!(
                "{}: holds the points {}, but this shard covers the points {} to {}",
                path.display(),
                numbers.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
                s.manifest.from + 1,
                s.manifest.to
            )));
        }
        points.append(&mut share);
    }
    let points: Vec<(Vec<String>, Vec<Aggregate>)> = points.into_iter().map(|p| (p.values, p.rows)).collect();
    let folder = OutputDir::create(target, "sweep")?;
    report::write_sweep(&folder.file("sweep.csv"), &keys, 1, &points).map_err(write_err(target))?;
    if !shards[0].manifest.no_charts {
        report::write_sweep_charts(&folder.file("charts"), &keys, &points, sc.service_level.goal)
            .map_err(write_err(target))?;
    }
    Ok(folder.commit()?)
}

/// Reads a shard's `replications.csv` back into its replications `share`
/// (0-based indices; numbered from 1 in the file): per replication, a
/// block of whole-run rows (`all`, `all`), then a block per interval, each
/// block every metric in label order.
fn read_replications(
    dir: &Path,
    share: Range<u32>,
    layout: &Layout,
    labels: &[Label],
) -> Result<Vec<Replication>, ShardError> {
    let path = dir.join("replications.csv");
    let mut file = CsvFile::open(&path, &schema::REPLICATION_COLUMNS)?;
    let mut reps: Vec<Replication> = Vec::new();
    let mut block: Option<(u32, Option<usize>)> = None;
    let mut values = Vec::with_capacity(labels.len());
    while let Some(row) = file.next_row()? {
        let r = ReplicationRow::read(&row)?;
        let slot = match (r.day, r.interval) {
            ("all", "all") => None,
            (day, interval) => Some(layout.slot_of(day, interval).ok_or_else(|| {
                row.error(
                    ReplicationRow::DAY,
                    format!("day {day:?}, interval {interval:?}: expected an interval of this run"),
                )
            })?),
        };
        let here = *block.get_or_insert((r.replication, slot));
        let label = &labels[values.len()];
        if here != (r.replication, slot)
            || (r.scope, r.key, r.metric) != (label.scope, label.key.as_str(), label.metric)
        {
            return Err(row
                .error(
                    ReplicationRow::SCOPE,
                    format!(
                        "expected the metric {},{},{} of replication {} next, found {},{},{} of replication {}",
                        label.scope, label.key, label.metric, here.0, r.scope, r.key, r.metric, r.replication
                    ),
                )
                .into());
        }
        values.push(r.value);
        if values.len() < labels.len() {
            continue;
        }
        block = None;
        let values = std::mem::replace(&mut values, Vec::with_capacity(labels.len()));
        let rep = r.replication;
        match slot {
            None => {
                // numbered from 1
                let next = share.start + reps.len() as u32 + 1;
                if rep != next {
                    return Err(row.error(0, format!("replication {rep}: expected replication {next} next")).into());
                }
                reps.push(Replication {
                    index: rep - 1,
                    whole: values,
                    slots: Vec::new(),
                    counts: RunCounts::default(),
                    trace: None,
                    wait_hists: Vec::new(),
                });
            }
            Some(slot) => match reps.last_mut() {
                Some(r) if r.number() == rep && r.slots.last().is_none_or(|s| s.0 < slot) => {
                    r.slots.push((slot, values))
                }
                _ => {
                    let message = format!("interval rows of replication {rep} out of order");
                    return Err(row.error(ReplicationRow::DAY, message).into());
                }
            },
        }
    }
    if !values.is_empty() {
        return Err(bad(format!("{}: the last replication's rows are incomplete", path.display())));
    }
    if reps.len() != share.len() {
        return Err(bad(format!(
            "{}: holds {} replications, but this shard covers the {} replications {}",
            path.display(),
            reps.len(),
            share.len(),
            items_text(share)
        )));
    }
    Ok(reps)
}

/// Checks that each replication's wait histogram (scope `all` and each
/// skill) counts as many waits as the replication answered new chats
/// (`answered` of the same scope in `replications.csv`).
fn check_histograms_count_answered(
    dir: &Path,
    skills: &[String],
    labels: &[Label],
    reps: &[Replication],
) -> Result<(), ShardError> {
    let answered = labels.iter().enumerate().filter(|(_, l)| l.metric == Metric::Answered(SegmentKind::New));
    let scopes = answered.filter_map(|(i, l)| match (l.scope, l.key.as_str()) {
        (Scope::All, _) => Some((0, i, l)),
        (Scope::Skill, key) => skills.iter().position(|s| s == key).map(|s| (1 + s, i, l)),
        _ => None,
    });
    for (scope, i, label) in scopes {
        for rep in reps {
            let counted = rep.wait_hists[scope].total();
            if rep.whole[i] != Some(counted as f64) {
                return Err(bad(format!(
                    "{}: the counts of replication {}, scope {},{} add up to {counted}, but {} gives {} answered \
                     new chats: they must be equal",
                    dir.join("wait_histograms.csv").display(),
                    rep.number(),
                    label.scope,
                    label.key,
                    dir.join("replications.csv").display(),
                    rep.whole[i].map_or(String::new(), |a| a.to_string()),
                )));
            }
        }
    }
    Ok(())
}

/// Reads a shard's `wait_histograms.csv` into its replications `reps`
/// (0-based indices `share`; numbered from 1 in the file).
fn read_wait_histograms(
    dir: &Path,
    share: Range<u32>,
    skills: &[String],
    reps: &mut [Replication],
) -> Result<(), ShardError> {
    let path = dir.join("wait_histograms.csv");
    let mut file = CsvFile::open(&path, &schema::WAIT_HISTOGRAM_COLUMNS)?;
    for rep in reps.iter_mut() {
        rep.wait_hists = vec![WaitHistogram::default(); 1 + skills.len()];
    }
    while let Some(row) = file.next_row()? {
        let r = WaitHistogramRow::read(&row)?;
        // numbered from 1: replication n is index n − 1
        let index = r.replication - 1;
        if !share.contains(&index) {
            let message = format!(
                "replication {}: expected one of this shard's replications ({})",
                r.replication,
                items_text(share.clone())
            );
            return Err(row.error(0, message).into());
        }
        let scope = match (r.scope, r.key) {
            (Scope::All, "all") => Some(0),
            (Scope::Skill, key) => skills.iter().position(|s| s == key).map(|s| 1 + s),
            _ => None,
        }
        .ok_or_else(|| row.error(1, format!("{},{}: expected scope all,all or a skill of this run", r.scope, r.key)))?;
        if !reps[(index - share.start) as usize].wait_hists[scope].add_to_bin(r.bin, r.count) {
            return Err(row.error(3, format!("bin {}: no such histogram bin, or its count overflows", r.bin)).into());
        }
    }
    Ok(())
}

/// Writes `out` with the header `columns`, then every record of the parts
/// in order, each part's first column (a replication number, from 1)
/// checked to be one of its range's (0-based indices). The records pass
/// through the writer every CSV file is written with, so they keep their bytes.
fn concat_csv(out: &Path, parts: &[(PathBuf, Range<u32>)], columns: &[&str]) -> Result<(), ShardError> {
    let mut writer = report::csv_writer(out).map_err(write_err(out))?;
    writer.write_record(columns).map_err(|e| write_err(out)(e.into()))?;
    for (path, range) in parts {
        let mut file = CsvFile::open(path, columns)?;
        while let Some(row) = file.next_row()? {
            let number = row.replication(0)?;
            if !range.contains(&(number - 1)) {
                let message = format!(
                    "{} {number}: expected one of this shard's replications ({})",
                    columns[0],
                    items_text(range.clone())
                );
                return Err(row.error(0, message).into());
            }
            writer.write_record(row.record()).map_err(|e| write_err(out)(e.into()))?;
        }
    }
    writer.flush().map_err(write_err(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_item_exactly_once_in_order() {
        for n in 1..=24 {
            for items in 0..=100 {
                let mut next = 0;
                let (mut least, mut most) = (u32::MAX, 0);
                for k in 1..=n {
                    let share = Shard { k, n }.share(items);
                    assert_eq!(share.start, next, "shard {k}/{n} of {items} starts where {}/{n} ended", k - 1);
                    assert!(share.start <= share.end);
                    least = least.min(share.len() as u32);
                    most = most.max(share.len() as u32);
                    next = share.end;
                }
                assert_eq!(next, items, "the {n} shards of {items} items end at the last");
                assert!(most - least <= 1, "{n} shards of {items}: sizes {least}..={most}");
            }
        }
        assert_eq!(Shard { k: 3, n: 3 }.share(u32::MAX).end, u32::MAX);
    }

    #[test]
    fn shard_forms_parse_or_say_what_is_expected() {
        assert_eq!(Shard::parse("2/5"), Ok(Shard { k: 2, n: 5 }));
        assert_eq!(Shard::parse("1/1"), Ok(Shard { k: 1, n: 1 }));
        for text in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", "+1/3", "1/3/4", "", "1.5/3"] {
            let e = Shard::parse(text).unwrap_err();
            assert!(e.contains("K/N"), "{text}: {e}");
        }
    }

    #[test]
    fn a_manifest_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let m = Manifest::run(Shard { k: 2, n: 3 }, 10, RunOutput { per_day: true, trace: false, charts: true });
        assert_eq!((m.from, m.to), (3, 6));
        m.write(&dir.path().join(MANIFEST)).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), m);
        let set = [Setting::parse("chat.max_concurrent=1,2").unwrap()];
        let m = Manifest::sweep(Shard { k: 1, n: 2 }, 2, &set, false);
        m.write(&dir.path().join(MANIFEST)).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), m);
    }
}
