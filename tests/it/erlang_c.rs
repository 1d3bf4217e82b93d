//! The engine against queueing theory: `scenarios/erlang-c.toml` is an
//! M/M/c queue, so the probability of waiting (`p_wait`), ASA, service level
//! and occupancy must agree with the Erlang C formula. The seed is fixed and
//! was never tuned.
//!
//! Each of the m = 4 checks uses a Student-t interval at level 1 − 0.05/m
//! over the replications (Bonferroni), so a correct engine passes with at
//! least 95% probability; each half-width must also be within 2% of the
//! value, so that the check has the power to catch a real discrepancy.

use crate::common::{mean_and_half_width, root, rows, run_to};
use std::collections::BTreeMap;

/// Erlang C figures computed here, independently of the library:
/// (P(wait), ASA, service level at `threshold`, occupancy).
fn erlang_c(rate_per_sec: f64, aht: f64, agents: u32, threshold: f64) -> (f64, f64, f64, f64) {
    let a = rate_per_sec * aht;
    let c = agents as f64;
    let mut erlang_b = 1.0;
    for k in 1..=agents {
        erlang_b = a * erlang_b / (k as f64 + a * erlang_b);
    }
    let rho = a / c;
    let p_wait = erlang_b / (1.0 - rho * (1.0 - erlang_b));
    let asa = p_wait * aht / (c - a);
    let service_level = 1.0 - p_wait * (-(c - a) * threshold / aht).exp();
    (p_wait, asa, service_level, rho)
}

#[test]
fn the_erlang_c_scenario_matches_the_erlang_c_formula() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_to(root("scenarios/erlang-c.toml"), &out, &[]);

    // The scenario: 240 chats/h, exponential handle of 5 min, 24 agents, threshold 20 s.
    let (p_wait, asa, service_level, occupancy) = erlang_c(240.0 / 3600.0, 300.0, 24, 20.0);

    let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for row in rows(&out.join("replications.csv")) {
        if row["scope"] == "all" && row["interval"] == "all" && !row["value"].is_empty() {
            values.entry(row["metric"].clone()).or_default().push(row["value"].parse().unwrap());
        }
    }

    let checks = [("p_wait", p_wait), ("asa", asa), ("service_level", service_level), ("occupancy", occupancy)];
    let level = 1.0 - 0.05 / checks.len() as f64;
    let mut failures = Vec::new();
    for (metric, expected) in checks {
        let v = &values[metric];
        let (mean, half) = mean_and_half_width(v, level);
        println!(
            "{metric:<14} Erlang C {expected:.5}  simulated {mean:.5} ± {half:.5} ({:.2}% of the value, {} replications)",
            100.0 * half / expected,
            v.len()
        );
        if half > 0.02 * expected {
            failures.push(format!("{metric}: half-width {half} above 2% of {expected}"));
        }
        if (mean - expected).abs() > half {
            failures.push(format!("{metric}: {expected} outside {mean} ± {half}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Nobody abandons: the mean wait of all is the mean wait of the answered.
    for (all, answered) in values["wait_mean_all"].iter().zip(&values["asa"]) {
        assert!((all - answered).abs() <= 1e-9 * answered, "wait_mean_all {all} ≠ asa {answered}");
    }
}
