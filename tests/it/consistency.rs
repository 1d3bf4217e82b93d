//! The output files agree with each other (DESIGN.md §3, §5): interval counts
//! add up to the whole run, per-day rows add up to the all-days rows,
//! `summary.csv` and `intervals.csv` are exactly what `replications.csv`
//! aggregates to, and `run.toml` repeats its run byte for byte.

use crate::common::*;
use ccsim::report::fmt_num;
use ccsim::stats::summary::summarize;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

const REPLAY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/replay.toml");

/// One row of `intervals.csv`.
#[derive(Debug, Clone, Deserialize)]
struct IntervalRow {
    day: String,
    interval: String,
    scope: String,
    key: String,
    metric: String,
    mean: Option<f64>,
    replications: u32,
}

/// Every record of a CSV file, header included, as strings.
fn records(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    r.records()
        .map(|rec| rec.unwrap_or_else(|e| panic!("bad record in {}: {e}", path.display())))
        .map(|rec| rec.iter().map(str::to_owned).collect())
        .collect()
}

/// `|a − b| <= 1e-6 · max(|a|, |b|)`, plus what rounding the written means
/// to 6 decimals can add over `terms` summed values.
#[track_caller]
fn assert_rel_close(a: f64, b: f64, terms: usize, what: &str) {
    let tol = 1e-6 * a.abs().max(b.abs()) + terms as f64 * 5e-7;
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b} (tolerance {tol})");
}

// ---- interval counts add up to the whole run ----

#[test]
fn offered_summed_over_the_intervals_equals_offered_in_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_to(Path::new(RETAIL), &out, &["--replications", "4"]);

    let total = read_csv::<SummaryRow>(&out.join("summary.csv"))
        .into_iter()
        .find(|r| r.scope == "all" && r.metric == "offered")
        .expect("offered in summary.csv");
    assert_eq!(total.replications, 4);
    let total = total.mean.expect("offered has a mean");

    let rows: Vec<IntervalRow> = read_csv(&out.join("intervals.csv"));
    let offered: Vec<&IntervalRow> = rows.iter().filter(|r| r.scope == "all" && r.metric == "offered").collect();
    // 08:00–20:00 in 30-minute intervals (the drain may add some after 20:00).
    assert!(offered.len() >= 24, "expected at least 24 intervals, got {}", offered.len());
    for r in &offered {
        assert_eq!((r.day.as_str(), r.replications), ("all", 4), "{r:?}");
    }
    let sum: f64 = offered.iter().map(|r| r.mean.unwrap_or(0.0)).sum();
    assert!(total > 1000.0, "retail-weekday should offer over a thousand chats, got {total}");
    assert_rel_close(sum, total, offered.len(), "offered: intervals summed vs summary");
}

// ---- per-day rows add up to the all-days rows ----

/// Three short days, two reasons (one by volume, one by rate), 30-minute
/// intervals, staffing that varies by interval and impatient customers.
const THREE_DAYS: &str = r#"
name = "three-days"
description = "Three short days, two reasons, impatient customers"

[simulation]
start = "09:00"
end = "12:00"
days = 3
interval = "30m"
replications = 4
seed = 42

[chat]
max_concurrent = 2
speed = [1.0, 0.8]
accept = "3s"
wrapup = "exponential(mean=30s)"

[[reasons]]
name = "orders"
skill = "orders"
volume = [20, 30, 40, 40, 30, 20]
handle = "lognormal(mean=5m, sd=2m)"
patience = "exponential(mean=2m)"

[[reasons]]
name = "billing"
skill = "billing"
rate = "50/h"
handle = "exponential(mean=6m)"
patience = "exponential(mean=3m)"
priority = 2

[[groups]]
name = "team"
skills = ["orders", "billing"]
agents = [6, 7, 8, 8, 7, 6]
"#;

/// The three-day scenario run with `--per-day` into `per_day` and without into
/// `all_days`, same seed.
struct ThreeDays {
    _tmp: tempfile::TempDir,
    per_day: PathBuf,
    all_days: PathBuf,
}

fn three_days() -> ThreeDays {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("three-days.toml");
    std::fs::write(&scenario, THREE_DAYS).unwrap();
    let (per_day, all_days) = (tmp.path().join("per-day"), tmp.path().join("all-days"));
    run_to(&scenario, &per_day, &["--per-day"]);
    run_to(&scenario, &all_days, &[]);
    ThreeDays { _tmp: tmp, per_day, all_days }
}

#[test]
fn per_day_counts_summed_over_the_days_equal_the_all_days_rows_and_the_summary_is_unchanged() {
    let run = three_days();
    let per_day: Vec<IntervalRow> = read_csv(&run.per_day.join("intervals.csv"));
    let all_days: Vec<IntervalRow> = read_csv(&run.all_days.join("intervals.csv"));
    let counts = ["offered", "answered", "abandoned"];

    // (interval, scope, key, metric) → the per-day means, by day.
    let mut by_day: BTreeMap<(String, String, String, String), BTreeMap<u32, f64>> = BTreeMap::new();
    for r in per_day.iter().filter(|r| counts.contains(&r.metric.as_str())) {
        let day: u32 = r.day.parse().unwrap_or_else(|_| panic!("--per-day rows have a numeric day: {r:?}"));
        assert!((1..=3).contains(&day), "day {day} outside 1..=3: {r:?}");
        let key = (r.interval.clone(), r.scope.clone(), r.key.clone(), r.metric.clone());
        let old = by_day.entry(key).or_default().insert(day, r.mean.unwrap_or(0.0));
        assert!(old.is_none(), "duplicate per-day row {r:?}");
    }
    let days_seen: std::collections::BTreeSet<u32> = by_day.values().flat_map(|m| m.keys().copied()).collect();
    assert_eq!(days_seen.into_iter().collect::<Vec<_>>(), vec![1, 2, 3], "every day has rows");

    let mut checked = 0;
    let mut all_keys = std::collections::BTreeSet::new();
    for r in all_days.iter().filter(|r| counts.contains(&r.metric.as_str())) {
        assert_eq!(r.day, "all", "without --per-day, day is `all`: {r:?}");
        let key = (r.interval.clone(), r.scope.clone(), r.key.clone(), r.metric.clone());
        let days = by_day.get(&key).cloned().unwrap_or_default();
        let sum: f64 = days.values().sum();
        let all = r.mean.unwrap_or(0.0);
        assert_rel_close(sum, all, days.len(), &format!("{key:?}: per-day {days:?} summed vs all days"));
        all_keys.insert(key);
        checked += 1;
    }
    // Every per-day row belongs to an all-days row (or counts nothing).
    for (key, days) in &by_day {
        if !all_keys.contains(key) {
            assert!(days.values().all(|v| *v == 0.0), "{key:?} has per-day rows {days:?} but no all-days row");
        }
    }
    // All five scopes (all, 2 reasons, 2 skills) and the group for the queue
    // counts of every opening interval.
    assert!(checked >= 6 * 5 * 3, "only {checked} rows checked");
    let sum_offered: f64 =
        all_days.iter().filter(|r| r.scope == "all" && r.metric == "offered").filter_map(|r| r.mean).sum();
    assert!(sum_offered > 500.0, "the case should offer hundreds of chats, got {sum_offered}");

    let (a, b) = (run.per_day.join("summary.csv"), run.all_days.join("summary.csv"));
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "summary.csv differs with --per-day");
}

// ---- summary.csv and intervals.csv from replications.csv alone ----

/// Recomputes `(summary.csv, intervals.csv)` records from `replications.csv`:
/// rows grouped by (day, interval, scope, key, metric) in file order, each
/// group summarized over its non-empty values, its interval clipped to the
/// metric's range, formatted with `fmt_num`.
fn recompute(path: &Path) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let recs = records(path);
    assert_eq!(
        recs[0],
        ["replication", "day", "interval", "scope", "key", "metric", "value"],
        "replications.csv header"
    );
    type Key = (String, String, String, String, String);
    let mut order: Vec<Key> = Vec::new();
    let mut groups: HashMap<Key, (Vec<u32>, Vec<f64>)> = HashMap::new();
    let mut reps = Vec::new();
    for rec in &recs[1..] {
        let rep: u32 = rec[0].parse().unwrap_or_else(|_| panic!("bad replication in {rec:?}"));
        if reps.last() != Some(&rep) {
            assert!(!reps.contains(&rep), "replication {rep} is not contiguous");
            reps.push(rep);
        }
        let key = (rec[1].clone(), rec[2].clone(), rec[3].clone(), rec[4].clone(), rec[5].clone());
        let g = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            (Vec::new(), Vec::new())
        });
        g.0.push(rep);
        if !rec[6].is_empty() {
            g.1.push(rec[6].parse().unwrap_or_else(|_| panic!("bad value in {rec:?}")));
        }
    }
    assert_eq!(reps, (1..=reps.len() as u32).collect::<Vec<_>>(), "replications in order, numbered from 1");

    let mut summary = vec![
        ["scope", "key", "metric", "mean", "ci95_low", "ci95_high", "stdev", "replications"].map(String::from).to_vec(),
    ];
    let mut intervals = vec![
        ["day", "interval", "scope", "key", "metric", "mean", "ci95_low", "ci95_high", "stdev", "replications"]
            .map(String::from)
            .to_vec(),
    ];
    for key in order {
        let (seen, values) = &groups[&key];
        assert_eq!(seen, &reps, "{key:?} should have one row per replication");
        let s = summarize(values, 0.95);
        let two = values.len() >= 2;
        // the interval clipped to what the metric can take (issue 18)
        let kind = key.4.parse::<ccsim::stats::Metric>().unwrap_or_else(|_| panic!("{key:?}")).kind();
        let ci = s.as_ref().filter(|_| two).map(|s| kind.clip((s.ci_low, s.ci_high), s.mean));
        let stats = [
            fmt_num(s.as_ref().map(|s| s.mean)),
            fmt_num(ci.map(|c| c.0)),
            fmt_num(ci.map(|c| c.1)),
            fmt_num(s.as_ref().filter(|_| two).map(|s| s.stdev)),
            values.len().to_string(),
        ];
        let (day, interval, scope, k, metric) = key;
        if day == "all" && interval == "all" {
            summary.push([scope, k, metric].into_iter().chain(stats).collect());
        } else {
            intervals.push([day, interval, scope, k, metric].into_iter().chain(stats).collect());
        }
    }
    (summary, intervals)
}

/// Asserts two record lists are equal, naming the first difference.
#[track_caller]
fn assert_same_records(written: &[Vec<String>], recomputed: &[Vec<String>], file: &str) {
    if let Some(i) = (0..written.len().min(recomputed.len())).find(|&i| written[i] != recomputed[i]) {
        panic!("{file} record {i} differs:\n  written    {:?}\n  recomputed {:?}", written[i], recomputed[i]);
    }
    assert_eq!(written.len(), recomputed.len(), "{file}: number of records written vs recomputed");
}

fn check_recomputed(out: &Path) {
    let (summary, intervals) = recompute(&out.join("replications.csv"));
    assert!(summary.len() > 1 && intervals.len() > 1, "nothing recomputed from {}", out.display());
    assert_same_records(&records(&out.join("summary.csv")), &summary, "summary.csv");
    assert_same_records(&records(&out.join("intervals.csv")), &intervals, "intervals.csv");
}

#[test]
fn summary_and_intervals_of_retail_weekday_are_what_replications_csv_aggregates_to() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_to(Path::new(RETAIL), &out, &["--replications", "5"]);
    check_recomputed(&out);
}

#[test]
fn summary_and_intervals_of_a_per_day_run_are_what_replications_csv_aggregates_to() {
    let run = three_days();
    let rows: Vec<IntervalRow> = read_csv(&run.per_day.join("intervals.csv"));
    assert!(rows.iter().any(|r| r.day == "3"), "the per-day run has rows for day 3");
    check_recomputed(&run.per_day);
    check_recomputed(&run.all_days);
}

// ---- run.toml repeats the run ----

/// Runs `scenario` into `A`, then `A/run.toml` into `B`, both with `extra`,
/// and asserts the two folders hold the same files, byte for byte.
fn assert_run_toml_repeats(scenario: &Path, extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("A"), tmp.path().join("B"));
    run_to(scenario, &a, extra);
    run_to(a.join("run.toml"), &b, extra);
    let fa = files(&a);
    let names = |f: &BTreeMap<PathBuf, Vec<u8>>| f.keys().map(|p| p.display().to_string()).collect::<Vec<_>>();
    for name in ["summary.csv", "intervals.csv", "replications.csv", "run.toml"] {
        assert!(fa.contains_key(Path::new(name)), "{name} missing from {:?}", names(&fa));
    }
    if extra.contains(&"--trace") {
        assert!(fa.contains_key(Path::new("chats.csv")) && fa.contains_key(Path::new("events.csv")));
    }
    assert_same_files(&a, &b, &format!("{} {extra:?}", scenario.display()));
}

#[test]
fn run_toml_repeats_retail_weekday_byte_for_byte() {
    assert_run_toml_repeats(Path::new(RETAIL), &[]);
    assert_run_toml_repeats(Path::new(RETAIL), &["--trace", "--replications", "4"]);
}

#[test]
fn run_toml_repeats_a_replayed_arrivals_scenario_byte_for_byte() {
    assert_run_toml_repeats(Path::new(REPLAY), &[]);
    assert_run_toml_repeats(Path::new(REPLAY), &["--trace"]);
}

/// Handle, patience, accept and wrap-up resampled from observed seconds (files
/// with and without a header, extra columns, awkward decimals), two days, a
/// warm-up and rates that do not divide evenly into the 15-minute intervals.
const EMPIRICAL: &str = r#"
name = "empirical"
description = "handle, patience and wrap-up resampled from observed seconds"

[simulation]
start = "09:00"
end = "12:00"
days = 2
interval = "15m"
warmup = "10m"
replications = 3
seed = 7

[service_level]
threshold = "45s"
short_abandon = "2.5s"

[chat]
max_concurrent = 3
speed = [1.0, 0.85, 0.7]
accept = "empirical([1.5, 2, 3.25])"
wrapup = "empirical(\"wrapup.csv\")"

[routing]
agent_select = "fill_first"
queue_select = "oldest"

[[reasons]]
name = "questions"
skill = "general"
rate = "17.5/h"
handle = "empirical(\"handle.csv\")"
patience = "empirical(\"patience.csv\")"

[[reasons]]
name = "claims"
skill = "general"
rate = "0.13/m"
handle = "gamma(mean=6.5m, sd=2m)"
auth = "uniform(min=10s, max=33.3s)"
patience = "exponential(mean=3.7m)"

[[groups]]
name = "team"
skills = ["general"]
agents = 2
"#;

#[test]
fn run_toml_repeats_an_empirical_distribution_scenario_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("handle.csv"),
        "seconds,agent\n30,a\n45.5,b\n60.123456789,a\n120,c\n0.1,d\n333.3333333333,e\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("patience.csv"), "5\n90.25\n240\n600.5\n").unwrap();
    std::fs::write(tmp.path().join("wrapup.csv"), "secs\n12\n20.75\n0.3\n").unwrap();
    let scenario = tmp.path().join("empirical.toml");
    std::fs::write(&scenario, EMPIRICAL).unwrap();
    assert_run_toml_repeats(&scenario, &[]);
    assert_run_toml_repeats(&scenario, &["--trace"]);
    // A seed above i64::MAX is written as a string in run.toml.
    assert_run_toml_repeats(&scenario, &["--trace", "--seed", "18446744073709551615"]);
}
