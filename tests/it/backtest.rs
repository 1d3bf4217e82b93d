//! `ccsim backtest`: a scenario's own history is covered by its 90% band
//! about 90% of the time; the real bank's February replayed through a fit
//! of its January; histories that do not belong to the scenario.

use crate::common::*;
use std::collections::BTreeMap;

const ROUNDTRIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fit-roundtrip.toml");

fn summary(dir: &std::path::Path) -> BTreeMap<(String, String, String), BTreeMap<String, String>> {
    rows(&dir.join("backtest_summary.csv"))
        .into_iter()
        .map(|r| ((r["metric"].clone(), r["scope"].clone(), r["key"].clone()), r))
        .collect()
}

fn get(s: &BTreeMap<(String, String, String), BTreeMap<String, String>>, metric: &str, column: &str) -> f64 {
    s[&(metric.to_string(), "all".to_string(), "all".to_string())][column].parse().unwrap()
}

#[test]
fn a_scenarios_own_history_falls_inside_its_90_percent_band_about_90_percent_of_the_time() {
    // Four weeks of the round-trip center, another seed than the backtest's.
    let text = std::fs::read_to_string(ROUNDTRIP).unwrap();
    let work = Work::new().with("c.toml", &edited(&text, &[("days = 112", "days = 28")]));
    work.ok(&["run", "c.toml", "--trace", "--no-charts", "--quiet", "--seed", "99", "--out", "history"]);
    work.ok(&["backtest", "c.toml", "history/history.csv", "--agents", "history/agents.csv", "--out", "bt", "--quiet"]);
    let s = summary(&work.path("bt"));
    // Replayed arrivals: offered is exact.
    assert_eq!((get(&s, "offered", "coverage"), get(&s, "offered", "mae")), (1.0, 0.0));
    // 280 hours; the band is a 90% prediction band, so each metric's
    // coverage is about 0.9 (binomial sd 0.018 if the hours were
    // independent; they are not quite, so 4 sd and some).
    for metric in ["answered", "abandon_rate", "service_level", "asa", "occupancy"] {
        let (n, coverage) = (get(&s, metric, "intervals"), get(&s, metric, "coverage"));
        assert_eq!(n, 280.0, "{metric}");
        assert!((0.82..=0.98).contains(&coverage), "{metric}: coverage {coverage}");
        // The simulation knows the center; Erlang A does not know chat concurrency.
        assert!(get(&s, metric, "mae") < get(&s, metric, "mae_erlang_a"), "{metric}: {:?}", s);
    }
    let lines = rows(&work.path("bt/backtest.csv"));
    let first = &lines[0];
    assert_eq!(
        first.keys().cloned().collect::<std::collections::BTreeSet<_>>(),
        [
            "date", "interval", "scope", "key", "metric", "actual", "sim_mean", "sim_p05", "sim_p95", "inside",
            "erlang_a"
        ]
        .iter()
        .map(|c| c.to_string())
        .collect()
    );
    assert_eq!((first["date"].as_str(), first["interval"].as_str()), ("2026-03-02", "08:00"));
    // The same inputs give the same bytes.
    work.ok(&[
        "backtest",
        "c.toml",
        "history/history.csv",
        "--agents",
        "history/agents.csv",
        "--out",
        "bt2",
        "--quiet",
        "--threads",
        "1",
    ]);
    assert_same_files(&work.path("bt"), &work.path("bt2"), "backtest with 1 thread and with all");
}

#[test]
fn the_banks_february_replayed_through_a_fit_of_its_january() {
    let work = Work::new();
    let (january, february) = (bank_month(&work, "01_January.txt.gz"), bank_month(&work, "02_February.txt.gz"));
    work.ok(&["fit", january.to_str().unwrap(), "--interval", "60m", "--out", "fit", "--quiet"]);
    work.ok(&["backtest", "fit/scenario.toml", february.to_str().unwrap(), "--out", "bt", "--quiet"]);
    let s = summary(&work.path("bt"));
    assert_eq!(get(&s, "offered", "mae"), 0.0);
    for metric in ["answered", "abandon_rate", "service_level", "asa"] {
        assert!(get(&s, metric, "intervals") > 400.0, "{metric}: February has over 400 open hours");
        let coverage = get(&s, metric, "coverage");
        assert!((0.0..=1.0).contains(&coverage));
    }
    // What the README reports: out of sample, the simulation's hourly
    // abandonment error is below Erlang A's.
    assert!(get(&s, "abandon_rate", "mae") < get(&s, "abandon_rate", "mae_erlang_a"), "{s:?}");
}

#[test]
fn a_history_that_does_not_fit_the_scenario_exits_2() {
    let header = "id,reason,arrival,answered,ended,agent\n";
    let work = Work::new()
        .with("h.csv", &format!("{header}1,refunds,2026-03-02T09:00:00,2026-03-02T09:00:10,2026-03-02T09:05:00,ann\n"))
        .with(
            "n.csv",
            "id,reason,arrival,answered,ended\n1,billing,2026-03-02T09:00:00,2026-03-02T09:00:10,2026-03-02T09:05:00\n",
        );
    work.refused_naming(
        &["backtest", ROUNDTRIP, "h.csv", "--out", "bt"],
        2,
        "h.csv",
        &["reason", "\"refunds\" is not a reason", "billing, tech"],
    );
    work.refused_naming(
        &["backtest", ROUNDTRIP, "n.csv", "--out", "bt"],
        2,
        "n.csv",
        &["agent", "which of the 2 groups"],
    );
    work.refused_naming(&["backtest", ROUNDTRIP, "h.csv", "--replications", "0"], 2, "--replications", &[]);
}
