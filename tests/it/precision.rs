//! `ccsim run --precision` (README "Runs to a precision", DESIGN.md §4): it
//! adds batches of replications until the 95% half-width of the metric
//! (scope all) is at most the target, stopping at the first check that
//! reaches it; its folder is that of a plain run of as many replications,
//! plus precision.csv, whatever the threads; the cap stops it with exit 1
//! and the results written; bad flags exit 2 naming the flag and value.

use crate::common::*;
use std::path::Path;

/// A short day with a queue that varies from one replication to the next.
const SMALL: &str = r#"
name = "small"

[simulation]
start = "09:00"
end = "11:00"
interval = "30m"
replications = 5
seed = 7

[[reasons]]
name = "orders"
skill = "orders"
rate = "60/h"
handle = "exponential(mean=6m)"
patience = "exponential(mean=3m)"

[[groups]]
name = "front"
skills = ["orders"]
agents = 3
"#;

/// The first batch (the scenario's 5) and every later batch (10).
const FIRST: u32 = 5;
const BATCH: u32 = 10;

fn small() -> Work {
    Work::new().with("small.toml", SMALL)
}

/// `summary.csv`'s row of `metric` for scope all in `dir`.
fn summary_row(dir: &Path, metric: &str) -> SummaryRow {
    read_csv::<SummaryRow>(&dir.join("summary.csv"))
        .into_iter()
        .find(|r| r.scope == "all" && r.metric == metric)
        .unwrap_or_else(|| panic!("no {metric} in {}", dir.display()))
}

/// The half-width of `metric`'s 95% interval as `summary.csv` in `dir` gives it.
fn half_width(dir: &Path, metric: &str) -> f64 {
    let row = summary_row(dir, metric);
    (row.ci95_high.unwrap() - row.ci95_low.unwrap()) / 2.0
}

/// A plain run of `replications` into `out`.
fn plain(work: &Work, replications: u32, out: &str) {
    work.ok(&["run", "small.toml", "--quiet", "--replications", &replications.to_string(), "--out", out]);
}

/// Asserts the folders hold the same files, byte for byte, but for
/// `precision.csv` in `precise` and the marker's line for it.
fn assert_same_but_precision(precise: &Path, plain: &Path) {
    let (mut a, b) = (files(precise), files(plain));
    assert!(a.remove(Path::new("precision.csv")).is_some(), "no precision.csv in {}", precise.display());
    let marker = String::from_utf8(a.remove(Path::new(".ccsim")).unwrap()).unwrap();
    let without: String =
        marker.lines().filter(|l| !l.starts_with("\"precision.csv\"")).map(|l| format!("{l}\n")).collect();
    assert_eq!(without.as_bytes(), b[Path::new(".ccsim")].as_slice(), "the markers differ beyond precision.csv");
    let names = |f: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>| f.keys().cloned().collect::<Vec<_>>();
    let mut b_rest = b.clone();
    b_rest.remove(Path::new(".ccsim"));
    assert_eq!(names(&a), names(&b_rest), "the folders hold different files");
    for (name, bytes) in &a {
        assert!(bytes == &b_rest[name], "{} differs from the plain run's", name.display());
    }
}

#[test]
fn it_stops_at_the_first_check_within_the_target_and_is_a_plain_run_of_that_many() {
    let work = small();
    // A target the first batch misses: 0.4 of its half-width needs about six times the replications.
    plain(&work, FIRST, "first");
    let target = 0.4 * half_width(&work.path("first"), "service_level");
    let target = format!("{target:.4}");
    work.ok(&["run", "small.toml", "--quiet", "--precision", &target, "--max-replications", "500", "--out", "p"]);
    let target: f64 = target.parse().unwrap();

    let checks = rows(&work.path("p/precision.csv"));
    let counts: Vec<u32> = checks.iter().map(|c| c["replications"].parse().unwrap()).collect();
    let expected: Vec<u32> = (0..counts.len() as u32).map(|k| FIRST + k * BATCH).collect();
    assert_eq!(counts, expected, "checks after the first batch, then every {BATCH}");
    let r = *counts.last().unwrap();
    assert!(r > FIRST, "stopped at the first batch: pick a smaller target");
    let outcomes: Vec<&str> = checks.iter().map(|c| c["outcome"].as_str()).collect();
    assert_eq!(outcomes.last(), Some(&"reached"));
    assert!(outcomes[..outcomes.len() - 1].iter().all(|o| *o == "more"), "{outcomes:?}");

    // summary.csv: within the target (to its 6-decimal rounding) with r replications ...
    let p = work.path("p");
    assert!(half_width(&p, "service_level") <= target + 1e-6);
    assert_eq!(summary_row(&p, "service_level").replications, r);
    // ... and above it with one batch fewer.
    plain(&work, r - BATCH, "fewer");
    assert!(half_width(&work.path("fewer"), "service_level") > target - 1e-6, "it should have stopped earlier");
    // Each row of precision.csv is summary.csv's with that many replications.
    let last = checks.last().unwrap();
    let row = summary_row(&p, "service_level");
    assert_eq!(last["mean"].parse::<f64>().unwrap(), row.mean.unwrap());
    assert_eq!(last["ci95_low"].parse::<f64>().unwrap(), row.ci95_low.unwrap());
    assert_eq!(last["target"], target.to_string());
    let before = &checks[checks.len() - 2];
    assert_eq!(
        before["ci95_high"].parse::<f64>().unwrap(),
        summary_row(&work.path("fewer"), "service_level").ci95_high.unwrap()
    );

    // The folder is a plain run's of r replications (run.toml says r), plus precision.csv.
    plain(&work, r, "plain");
    assert_same_but_precision(&p, &work.path("plain"));
    let run_toml = std::fs::read_to_string(p.join("run.toml")).unwrap();
    assert!(run_toml.contains(&format!("replications = {r}\n")), "{run_toml}");
}

#[test]
fn threads_change_neither_where_it_stops_nor_a_byte() {
    let work = small();
    let run = |threads: &str, out: &str| {
        work.ok(&[
            "run",
            "small.toml",
            "--quiet",
            "--precision",
            "3",
            "--metric",
            "asa",
            "--threads",
            threads,
            "--out",
            out,
        ])
    };
    run("1", "one");
    run("2", "two");
    assert_same_files(&work.path("one"), &work.path("two"), "--threads 1 and 2");
    // several batches, each spread over the threads
    assert!(rows(&work.path("one/precision.csv")).len() >= 3);
}

#[test]
fn the_cap_stops_it_with_exit_1_and_the_results_written() {
    let work = small();
    let out = work.ccsim(&["run", "small.toml", "--precision", "1e-9", "--max-replications", "12", "--out", "p"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not reached"), "{stderr}");
    assert!(stderr.contains("after 12 replications"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("not reached"), "{stdout}");
    let checks = rows(&work.path("p/precision.csv"));
    let got: Vec<(&str, &str)> = checks.iter().map(|c| (c["replications"].as_str(), c["outcome"].as_str())).collect();
    assert_eq!(got, [("5", "more"), ("12", "cap")]);
    assert_eq!(summary_row(&work.path("p"), "service_level").replications, 12);
    plain(&work, 12, "plain");
    assert_same_but_precision(&work.path("p"), &work.path("plain"));
}

#[test]
fn bad_flags_exit_2_naming_the_flag_and_value() {
    let work = small();
    let refused = |extra: &[&str], flag: &str, says: &[&str]| {
        let args: Vec<&str> = ["run", "small.toml", "--out", "p"].iter().chain(extra).copied().collect();
        work.refused_naming(&args, 2, flag, says);
    };
    refused(&["--precision", "0"], "--precision", &["above 0", "got 0"]);
    refused(&["--precision=-0.01"], "--precision", &["above 0", "got -0.01"]);
    refused(&["--precision", "nan"], "--precision", &["got NaN"]);
    refused(&["--precision", "abc"], "'abc'", &["--precision"]);
    refused(&["--precision", "0.01", "--metric", "nonsense"], "--metric", &["\"nonsense\"", "service_level", "asa"]);
    // a name of ccsim that this scenario does not write (no [queue_cap])
    refused(&["--precision", "0.01", "--metric", "blocked"], "--metric", &["\"blocked\"", "expected one of"]);
    refused(&["--precision", "0.01", "--max-replications", "0"], "--max-replications", &["got 0"]);
    refused(&["--precision", "0.01", "--max-replications", "3"], "--max-replications", &["first batch, 5", "got 3"]);
    refused(&["--precision", "0.01", "--replications", "20"], "--precision", &["--replications (20)"]);
    refused(&["--precision", "0.01", "--shard", "1/2"], "--precision", &["--shard (1/2)"]);
    refused(&["--metric", "asa"], "--precision", &[]);
    refused(&["--max-replications", "50"], "--precision", &[]);
    // a metric nothing in the run measures: no transfers, so no transferred chat is answered
    refused(
        &["--precision", "0.01", "--metric", "transfer_in_service_level"],
        "--metric transfer_in_service_level",
        &["undefined in every replication of the first batch (5)"],
    );
    assert!(!work.path("p").exists());
}

#[test]
fn the_readme_example_stops_where_the_readme_says() {
    // README "Runs to a precision": retail-weekday to ± 0.002 checks after 20, 30, 40 and 50 replications.
    let work = Work::new();
    work.ok(&["run", RETAIL, "--quiet", "--no-charts", "--precision", "0.002", "--out", "p"]);
    let checks = rows(&work.path("p/precision.csv"));
    let got: Vec<(&str, &str, &str)> =
        checks.iter().map(|c| (c["replications"].as_str(), c["half_width"].as_str(), c["outcome"].as_str())).collect();
    assert_eq!(
        got,
        [
            ("20", "0.003099", "more"),
            ("30", "0.002589", "more"),
            ("40", "0.002239", "more"),
            ("50", "0.001965", "reached")
        ]
    );
    let readme = std::fs::read_to_string(root("README.md")).unwrap();
    assert!(readme.contains("service_level ± 0.001965 after 50 replications: target 0.002 reached (4 checks)"));
}
