//! Confidence intervals stay within what a metric can take (issue 18): on a
//! run of retail-weekday, every 95% interval of `summary.csv` and
//! `intervals.csv` is the Student-t interval recomputed from
//! `replications.csv`, clipped to its metric's range (shares [0, 1],
//! counts, hours, times and queue lengths ≥ 0); where the plain interval
//! reaches past a bound, the written value is the bound itself; a sweep
//! writes its intervals the same way; and the summary `ccsim run` prints
//! gives each mean and its interval to the same decimals, per metric.

use crate::common::{RETAIL, ccsim, mean_and_half_width, rows, run_to};
use ccsim::stats::{Metric, MetricKind};
use std::collections::BTreeMap;
use std::path::Path;
use tempfile::TempDir;

/// (day, interval, scope, key, metric) of a row.
type Id = (String, String, String, String, String);

fn id(row: &BTreeMap<String, String>, day: &str, interval: &str) -> Id {
    (day.into(), interval.into(), row["scope"].clone(), row["key"].clone(), row["metric"].clone())
}

fn kind(row: &BTreeMap<String, String>) -> MetricKind {
    row["metric"].parse::<Metric>().expect("a metric of ccsim").kind()
}

/// Every row with an interval is within its metric's range.
fn assert_within_range(path: &Path) -> usize {
    let mut checked = 0;
    for row in rows(path) {
        if row["ci95_low"].is_empty() {
            continue;
        }
        let (least, most) = kind(&row).range();
        let (low, high): (f64, f64) = (row["ci95_low"].parse().unwrap(), row["ci95_high"].parse().unwrap());
        assert!(least <= low && low <= high && high <= most, "{}: {row:?}", path.display());
        checked += 1;
    }
    checked
}

#[test]
fn no_interval_reaches_past_what_its_metric_can_take_and_a_clipped_bound_is_the_bound() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    run_to(RETAIL, &out, &[]);

    let mut values: BTreeMap<Id, Vec<f64>> = BTreeMap::new();
    for row in rows(&out.join("replications.csv")) {
        if let Ok(v) = row["value"].parse::<f64>() {
            values.entry(id(&row, &row["day"], &row["interval"])).or_default().push(v);
        }
    }
    let (mut above_one, mut below_zero, mut plain) = (0, 0, 0);
    for (file, whole) in [("summary.csv", true), ("intervals.csv", false)] {
        for row in rows(&out.join(file)) {
            if row["ci95_low"].is_empty() {
                continue;
            }
            let id = if whole { id(&row, "all", "all") } else { id(&row, &row["day"], &row["interval"]) };
            let (mean, half) = mean_and_half_width(&values[&id], 0.95);
            let (least, most) = kind(&row).range();
            let (low, high): (f64, f64) = (row["ci95_low"].parse().unwrap(), row["ci95_high"].parse().unwrap());
            let what = format!("{file} {id:?}: [{low}, {high}], unclipped {mean} ± {half}");
            assert!(least <= low && low <= high && high <= most, "{what}");
            if mean - half < least - 1e-6 {
                assert_eq!(low, least, "{what}");
                below_zero += 1;
            } else {
                assert!((low - (mean - half)).abs() < 1e-6, "{what}");
            }
            if mean + half > most + 1e-6 {
                assert_eq!(high, most, "{what}");
                above_one += 1;
            } else {
                assert!((high - (mean + half)).abs() < 1e-6, "{what}");
            }
            plain += 1;
        }
    }
    // retail-weekday has both kinds of clipping (before issue 18: 115 share
    // intervals above 1, 416 lower bounds below 0 in intervals.csv)
    assert!(above_one > 50 && below_zero > 100, "{above_one} clipped at 1, {below_zero} at 0 of {plain}");
}

#[test]
fn a_sweep_clips_its_intervals_too() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("sweep");
    let args = ["sweep", RETAIL, "--set", "chat.max_concurrent=1,2", "--replications", "5", "--no-charts"];
    crate::common::ccsim_ok(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    assert!(assert_within_range(&out.join("sweep.csv")) > 100);
}

#[test]
fn the_printed_summary_gives_a_mean_and_its_interval_to_the_same_decimals() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    let output = ccsim().args(["run", RETAIL, "--no-charts", "--out"]).arg(&out).output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let summary = rows(&out.join("summary.csv"));
    let row = |metric: &str| summary.iter().find(|r| r["scope"] == "all" && r["metric"] == metric).unwrap();
    let printed: Vec<&str> = stdout.lines().skip(1).collect();
    let expected = [
        ("offered", "offered", 1),
        ("service level", "service_level", 4),
        ("ASA (s)", "asa", 2),
        ("abandon rate", "abandon_rate", 4),
        ("occupancy", "occupancy", 4),
        ("utilisation", "utilisation", 4),
    ];
    assert_eq!(printed.len(), expected.len(), "{stdout}");
    // `  label  mean  [low, high]`, the means right-aligned in one column
    let mean_end = printed[0].find("  [").unwrap();
    for (line, (label, metric, decimals)) in printed.iter().zip(expected) {
        assert!(line.starts_with(&format!("  {label:<14} ")), "{line}");
        assert_eq!(line.find("  ["), Some(mean_end), "means aligned:\n{stdout}");
        let mean = line[16..mean_end].trim();
        let (low, high) = line[mean_end + 3..].strip_suffix(']').unwrap().split_once(", ").unwrap();
        let r = row(metric);
        for (shown, column) in [(mean, "mean"), (low, "ci95_low"), (high, "ci95_high")] {
            // exactly `decimals` decimals, the value summary.csv gives rounded to them
            // (give or take summary.csv's own rounding to 6 decimals)
            let written: f64 = r[column].parse().unwrap();
            let what = format!("{line}: {column} {written} to {decimals} decimals");
            assert_eq!(shown.split_once('.').map(|(_, d)| d.len()), Some(decimals), "{what}");
            let off = (shown.parse::<f64>().unwrap() - written).abs();
            assert!(off <= 0.5 * 10f64.powi(-(decimals as i32)) + 1e-6, "{what}");
        }
    }
}
