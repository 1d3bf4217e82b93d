//! The one set of helpers of the integration tests: start `ccsim` as a user
//! would ([`ccsim`], [`Work`]), write a scenario into a temp folder and run it
//! with the trace on ([`replay`], [`run_text`]), read CSV output back into rows
//! by header name ([`read_csv`], [`rows`]), never by comparing text, read a
//! whole folder ([`files`]) and compare two ([`assert_same_files`]), and the
//! Student-t half-width of a mean ([`mean_and_half_width`]).

#![allow(dead_code)]

use assert_cmd::Command;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use tempfile::TempDir;

/// The package root: `scenarios/`, `tests/data/`, `tests/baselines/`.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The bundled retail scenario most end-to-end tests run.
pub const RETAIL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/retail-weekday.toml");
/// A small scenario for `staff`: one group, eight intervals.
pub const STAFF_SMALL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/staff-small.toml");

/// A path under the package root.
pub fn root(rel: &str) -> PathBuf {
    Path::new(ROOT).join(rel)
}

/// Times in the output have at most 6 decimals and come from integer
/// microseconds rounded up: compare them to this tolerance.
pub const EPS: f64 = 1e-5;

/// One row of `chats.csv`: a chat segment.
#[derive(Debug, Clone, Deserialize)]
pub struct Seg {
    pub replication: u32,
    pub chat: u64,
    pub segment: u8,
    pub kind: String,
    pub reason: String,
    pub skill: String,
    pub arrival: f64,
    pub accepted: Option<f64>,
    pub ended: f64,
    pub agent: Option<u32>,
    pub group: Option<String>,
    pub outcome: String,
    pub wait: f64,
    pub auth: f64,
    pub chat_time: f64,
    pub wrapup: f64,
    pub commitment: u8,
    pub counted: u8,
}

impl Seg {
    /// The (replication, chat, segment) key shared with `events.csv`.
    pub fn key(&self) -> (u32, u64, u8) {
        (self.replication, self.chat, self.segment)
    }
    pub fn answered(&self) -> bool {
        self.accepted.is_some()
    }
}

/// One row of `events.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct Ev {
    pub replication: u32,
    pub time: f64,
    pub agent: Option<u32>,
    pub chat: Option<u64>,
    pub segment: Option<u8>,
    pub event: String,
}

impl Ev {
    pub fn is(&self, chat: u64, segment: u8) -> bool {
        self.chat == Some(chat) && self.segment == Some(segment)
    }
}

/// One row of `summary.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct SummaryRow {
    pub scope: String,
    pub key: String,
    pub metric: String,
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub stdev: Option<f64>,
    pub replications: u32,
}

/// The event names that end an answered segment (wrap-up starts).
pub const SEGMENT_ENDS: [&str; 4] = ["resolved", "auth_failed", "inactive_disconnect", "transferred"];

/// Reads any CSV file with a header into rows of `T`, by header name.
pub fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Vec<T> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    r.deserialize().map(|row| row.unwrap_or_else(|e| panic!("bad row in {}: {e}", path.display()))).collect()
}

/// Reads any CSV file with a header into rows of cells by column name.
pub fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    read_csv(path)
}

// ---- starting the program ----

/// The one way the tests start the program: the `ccsim` binary cargo built,
/// run from the package root (as `cargo test` runs the tests).
pub fn ccsim() -> Command {
    Command::cargo_bin("ccsim").expect("the ccsim binary is built")
}

/// The same, run inside `dir`.
pub fn ccsim_in(dir: &Path) -> Command {
    let mut cmd = ccsim();
    cmd.current_dir(dir);
    cmd
}

/// Runs `ccsim ARGS` and asserts it succeeds; returns stderr.
pub fn ccsim_ok(args: &[&str]) -> String {
    let out = ccsim().args(args).output().expect("ccsim runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "ccsim {} failed with {:?}\nstderr:\n{stderr}\nstdout:\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// Runs `ccsim run SCENARIO --out OUT --quiet EXTRA…` and asserts it succeeds;
/// returns stderr.
pub fn run_to(scenario: impl AsRef<Path>, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", scenario.as_ref().to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    ccsim_ok(&args)
}

/// `text` with each `(from, to)` replaced; each `from` must occur exactly once.
#[track_caller]
/// A one-queue center open 08:00–20:00 over `days` days in hourly
/// intervals: reason `r` (chats at `rate`, work `handle`) to skill `s`,
/// served by group `g`, whose body (staffing, realism keys, and any table
/// after it) is `group`. The realism tests (absenteeism, breaks, shrinkage)
/// start from it.
pub fn day_center(name: &str, seed: u64, days: u32, rate: &str, handle: &str, group: &str) -> String {
    format!(
        r#"
name = "{name}"
[simulation]
start = "08:00"
end = "20:00"
days = {days}
interval = "60m"
seed = {seed}
[[reasons]]
name = "r"
skill = "s"
rate = "{rate}"
handle = "{handle}"
[[groups]]
name = "g"
skills = ["s"]
{group}
"#
    )
}

pub fn edited(text: &str, edits: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "the edit target {from:?} must occur exactly once");
        text = text.replacen(from, to, 1);
    }
    text
}

/// A temporary working folder where `ccsim` runs as a user would run it:
/// write files into it, run commands inside it, and check that a refused
/// command changed nothing.
pub struct Work {
    dir: TempDir,
    timeout: Option<Duration>,
}

impl Default for Work {
    fn default() -> Self {
        Work::new()
    }
}

impl Work {
    /// An empty folder.
    pub fn new() -> Work {
        Work { dir: tempfile::tempdir().expect("temp dir"), timeout: None }
    }

    /// The folder with `name` (which may hold `/`) written into it.
    pub fn with(self, name: &str, text: &str) -> Work {
        self.write(name, text);
        self
    }

    /// Kills every command after `limit` (it then fails).
    pub fn timeout(mut self, limit: Duration) -> Work {
        self.timeout = Some(limit);
        self
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The path of `name` inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `text` as `name`, making the folders on the way.
    pub fn write(&self, name: &str, text: &str) {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Every file under the folder, with its bytes.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        files(self.root())
    }

    /// Names of the entries directly inside the folder.
    pub fn entries(&self) -> BTreeSet<String> {
        entries(self.root())
    }

    /// `ccsim` to be run inside the folder (under the timeout, if any).
    pub fn command(&self) -> Command {
        let mut cmd = ccsim_in(self.root());
        if let Some(limit) = self.timeout {
            cmd.timeout(limit);
        }
        cmd
    }

    /// Runs `ccsim ARGS` inside the folder.
    pub fn ccsim(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Runs `ccsim ARGS` and asserts it succeeds; returns stderr.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.ccsim(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "ccsim {} failed with {:?}:\n{stderr}", args.join(" "), out.status);
        stderr
    }

    /// Runs `ccsim ARGS` and asserts it fails with `code` without a panic,
    /// that stderr holds every fragment, and that no file under the folder
    /// changed, appeared or vanished; returns stderr.
    #[track_caller]
    pub fn refused(&self, args: &[&str], code: i32, fragments: &[&str]) -> String {
        self.refused_naming(args, code, "", fragments)
    }

    /// As [`Work::refused`], with every fragment found after the first
    /// mention of `key` (a file, a key path, a flag).
    #[track_caller]
    pub fn refused_naming(&self, args: &[&str], code: i32, key: &str, says: &[&str]) -> String {
        let before = self.snapshot();
        let out = self.ccsim(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let shown = format!("ccsim {}\n--- stderr ---\n{stderr}", args.join(" "));
        assert!(!stderr.contains("panicked"), "{shown}\npanicked instead of refusing");
        assert_eq!(out.status.code(), Some(code), "{shown}\nexpected exit code {code}");
        let at = stderr.find(key).unwrap_or_else(|| panic!("{shown}\nthe message does not name {key:?}"));
        for s in says {
            assert!(stderr[at..].contains(s), "{shown}\nthe message lacks {s:?} (after {key:?})");
        }
        let after = self.snapshot();
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "{shown}\nthe files of the folder changed"
        );
        assert!(before == after, "{shown}\na file of the folder changed");
        stderr
    }
}

/// The traced output of one run.
pub struct Run {
    /// Keeps the temp folder alive while the run is inspected.
    _dir: Option<TempDir>,
    pub out: PathBuf,
    pub stderr: String,
    pub segs: Vec<Seg>,
    pub evs: Vec<Ev>,
}

/// Writes `scenario` as `s.toml` and `arrivals` as `arrivals.csv` into a
/// fresh temp folder and runs it once with the trace on.
pub fn replay(scenario: &str, arrivals: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("arrivals.csv"), arrivals).unwrap();
    let mut run = run_traced(&dir.path().join("s.toml"), dir.path(), &["--replications", "1"]);
    run._dir = Some(dir);
    run
}

/// Writes `scenario` (with no replay file) into a fresh temp folder and runs it
/// with the trace on and `extra` arguments.
pub fn run_text(scenario: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    let mut run = run_traced(&dir.path().join("s.toml"), dir.path(), extra);
    run._dir = Some(dir);
    run
}

/// Runs `scenario` with `--trace --quiet` into `work/out`, plus `extra` arguments.
pub fn run_traced(scenario: &Path, work: &Path, extra: &[&str]) -> Run {
    let out = work.join("out");
    let mut args = vec!["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--trace", "--quiet"];
    args.extend_from_slice(extra);
    let stderr = ccsim_ok(&args);
    let segs = read_csv(&out.join("chats.csv"));
    let evs = read_csv(&out.join("events.csv"));
    Run { _dir: None, out, stderr, segs, evs }
}

impl Run {
    pub fn summary(&self) -> Vec<SummaryRow> {
        read_csv(&self.out.join("summary.csv"))
    }

    /// The mean of `metric` in scope `all`.
    pub fn summary_all(&self, metric: &str) -> Option<f64> {
        self.summary()
            .into_iter()
            .find(|r| r.scope == "all" && r.metric == metric)
            .unwrap_or_else(|| panic!("no metric {metric} in summary.csv"))
            .mean
    }

    /// The row of segment `segment` of chat `chat` (of the one replication traced).
    pub fn seg(&self, chat: u64, segment: u8) -> &Seg {
        let rows: Vec<_> = self.segs.iter().filter(|s| s.chat == chat && s.segment == segment).collect();
        assert_eq!(rows.len(), 1, "expected one row for chat {chat} segment {segment}, got {rows:?}");
        rows[0]
    }

    /// All rows of chat `chat`.
    pub fn chat_segs(&self, chat: u64) -> Vec<&Seg> {
        self.segs.iter().filter(|s| s.chat == chat).collect()
    }

    /// Events of one chat segment, in file (= simulation) order.
    pub fn events_of(&self, chat: u64, segment: u8) -> Vec<&Ev> {
        self.evs.iter().filter(|e| e.is(chat, segment)).collect()
    }

    /// The single event `name` of a chat segment.
    pub fn event(&self, chat: u64, segment: u8, name: &str) -> &Ev {
        let found: Vec<_> = self.events_of(chat, segment).into_iter().filter(|e| e.event == name).collect();
        assert_eq!(found.len(), 1, "expected one `{name}` event for chat {chat} segment {segment}, got {found:?}");
        found[0]
    }

    /// Events named `name`, in order.
    pub fn events_named(&self, name: &str) -> Vec<&Ev> {
        self.evs.iter().filter(|e| e.event == name).collect()
    }

    /// Events of agent `agent` (of the one replication traced), with their index in the file.
    pub fn agent_events(&self, agent: u32) -> Vec<(usize, &Ev)> {
        self.evs.iter().enumerate().filter(|(_, e)| e.agent == Some(agent)).collect()
    }

    /// Renders the events for failure messages.
    pub fn dump(&self) -> String {
        let mut s = String::from("events:\n");
        for e in &self.evs {
            s += &format!(
                "  {:>10} agent={:<4} chat={:<5} seg={:<3} {}\n",
                e.time,
                e.agent.map(|a| a.to_string()).unwrap_or_default(),
                e.chat.map(|a| a.to_string()).unwrap_or_default(),
                e.segment.map(|a| a.to_string()).unwrap_or_default(),
                e.event
            );
        }
        s += "chats:\n";
        for g in &self.segs {
            s += &format!("  {g:?}\n");
        }
        s
    }
}

/// Busy-slot count of each agent after every event that changes it, from
/// events.csv: +1 at `offer`; −1 at `refuse`, at `abandon` with an agent and
/// at `wrapup_end`. Keyed by (replication, agent); values (time, busy) in
/// event order. Panics if a count would go negative (an unmatched release).
pub fn busy_slots(evs: &[Ev]) -> BTreeMap<(u32, u32), Vec<(f64, i64)>> {
    let mut level: BTreeMap<(u32, u32), i64> = BTreeMap::new();
    let mut out: BTreeMap<(u32, u32), Vec<(f64, i64)>> = BTreeMap::new();
    for e in evs {
        let Some(a) = e.agent else { continue };
        let delta = match e.event.as_str() {
            "offer" => 1,
            "refuse" | "abandon" | "wrapup_end" => -1,
            _ => continue,
        };
        let key = (e.replication, a);
        let l = level.entry(key).or_insert(0);
        *l += delta;
        assert!(*l >= 0, "agent {a} (replication {}) has {l} busy slots after {e:?}", e.replication);
        out.entry(key).or_default().push((e.time, *l));
    }
    out
}

/// Asserts `actual` is within [`EPS`] of `expected`.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!((actual - expected).abs() <= EPS, "{what}: expected {expected}, got {actual}");
}

/// Every file under `dir` (recursively), by path relative to `dir`.
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Names of the entries directly inside `dir`.
pub fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

/// Asserts the folders `a` and `b` hold the same files, byte for byte,
/// naming the first file and line that differ; `what` starts each message.
#[track_caller]
pub fn assert_same_files(a: &Path, b: &Path, what: &str) {
    let (fa, fb) = (files(a), files(b));
    let names = |f: &BTreeMap<PathBuf, Vec<u8>>| f.keys().map(|p| p.display().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&fa), names(&fb), "{what}: {} and {} hold different files", a.display(), b.display());
    for (name, bytes) in &fa {
        let other = &fb[name];
        if bytes != other {
            let (ta, tb) = (String::from_utf8_lossy(bytes), String::from_utf8_lossy(other));
            let line = ta
                .lines()
                .zip(tb.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(ta.lines().count().min(tb.lines().count()));
            panic!(
                "{what}: {} differs at line {}:\n  {}: {:?}\n  {}: {:?}",
                name.display(),
                line + 1,
                a.display(),
                ta.lines().nth(line),
                b.display(),
                tb.lines().nth(line)
            );
        }
    }
}

/// The mean of `values` and the half-width of its Student-t interval at
/// confidence `level` (two-sided): `t(1 − (1 − level)/2, n − 1) · sd / √n`.
pub fn mean_and_half_width(values: &[f64], level: f64) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half = ccsim::stats::summary::t_quantile(1.0 - (1.0 - level) / 2.0, n - 1.0) * sd / n.sqrt();
    (mean, half)
}

/// Rewrites the SHA-256 sums in the `.ccsim` marker of `dir` to match its
/// files as they are now (those still there): a test that edits a file on purpose uses it to
/// reach the checks of the values behind the checksum.
pub fn reseal(dir: &Path) {
    use sha2::{Digest, Sha256};
    let path = dir.join(".ccsim");
    let mut marker: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let sums = marker["sha256"].as_table_mut().unwrap();
    for (file, sum) in sums.iter_mut() {
        let Ok(bytes) = std::fs::read(dir.join(file)) else { continue }; // a file not copied along
        let digest = Sha256::digest(bytes);
        *sum = toml::Value::String(digest.iter().map(|b| format!("{b:02x}")).collect());
    }
    std::fs::write(&path, toml::to_string(&marker).unwrap()).unwrap();
}

// ---- the real bank's log ----

/// The converter of `examples/bank_history.rs`, compiled in: the tests
/// convert the log as the README's example does.
#[path = "../../../examples/bank_history.rs"]
#[allow(dead_code)]
mod bank_history;

/// Converts one month of `tests/data/anonymous-bank/` (`01_January.txt.gz`)
/// into a history in `work`; returns its path.
pub fn bank_month(work: &Work, file: &str) -> PathBuf {
    let raw = std::fs::File::open(root(&format!("tests/data/anonymous-bank/{file}"))).unwrap();
    let mut out = Vec::new();
    let left_out = bank_history::convert(std::io::BufReader::new(flate2::read::GzDecoder::new(raw)), &mut out).unwrap();
    assert!(left_out.values().sum::<u64>() < 3_000, "{left_out:?}");
    let path = work.path(&file.replace(".txt.gz", ".csv"));
    std::fs::write(&path, out).unwrap();
    path
}
