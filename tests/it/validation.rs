//! The simulator against queueing theory, where theory has an answer.
//!
//! Each case is a steady-state center (days back to back after a warm-up)
//! whose analytic value comes from `ccsim::analytic`: Erlang C (M/M/c),
//! Erlang A (M/M/c+M) and the exact chat-concurrency chain. For every
//! check, the Student-t interval over the replications, at level
//! 1 − 0.05/m for the m checks of the whole suite (Bonferroni), must
//! contain the analytic value — so a correct engine passes with at least
//! 95% probability — and must be narrow enough to mean something: a
//! half-width within 2% of the value, or within 0.01 for probabilities.
//! Seeds are fixed and were never tuned.

// Each case reads best as one call with its parameters in a row.
#![allow(clippy::too_many_arguments)]

use crate::common::mean_and_half_width;
use ccsim::analytic::chat::{ChatCenter, solve_chat_center};
use ccsim::analytic::{erlang_a, erlang_c};
use ccsim::jobs::run::{RunOptions, run_all, run_one, scope_names};
use ccsim::stats::metric_labels;
use std::path::Path;

/// How precise a check must be.
#[derive(Clone, Copy)]
enum Tolerance {
    /// Half-width at most 0.01 (probabilities and shares).
    Probability,
    /// Half-width at most 2% of the analytic value.
    Relative,
}

struct Check {
    metric: &'static str,
    analytic: f64,
    tolerance: Tolerance,
}

struct Case {
    name: String,
    scenario: String,
    replications: u32,
    checks: Vec<Check>,
}

fn prob(metric: &'static str, analytic: f64) -> Check {
    Check { metric, analytic, tolerance: Tolerance::Probability }
}

fn rel(metric: &'static str, analytic: f64) -> Check {
    Check { metric, analytic, tolerance: Tolerance::Relative }
}

/// A single-skill, back-to-back scenario: Poisson arrivals at `rate_per_hour`,
/// exponential work of mean `work_secs`, `agents` agents of `slots` slots
/// at `speed`, exponential patience (or none), threshold in seconds.
pub(crate) fn scenario(
    seed: u64,
    days: u32,
    rate_per_hour: f64,
    work_secs: f64,
    agents: u32,
    slots: u32,
    speed: &[f64],
    patience_secs: Option<f64>,
    threshold_secs: f64,
) -> String {
    let patience = patience_secs.map_or("never".to_string(), |p| format!("exponential(mean={p}s)"));
    let speed: Vec<String> = speed.iter().map(|s| format!("{s:?}")).collect();
    format!(
        r#"
name = "validation"
[simulation]
start = "00:00"
end = "24:00"
days = {days}
interval = "60m"
warmup = "4h"
seed = {seed}
[service_level]
threshold = {threshold_secs}
[chat]
max_concurrent = {slots}
speed = [{speed}]
[[reasons]]
name = "r"
skill = "s"
rate = "{rate_per_hour}/h"
handle = "exponential(mean={work_secs}s)"
patience = "{patience}"
[[groups]]
name = "g"
skills = ["s"]
agents = {agents}
"#,
        speed = speed.join(", ")
    )
}

fn erlang_c_case(
    seed: u64,
    days: u32,
    reps: u32,
    rate_h: f64,
    aht: f64,
    agents: u32,
    threshold: f64,
    asa: bool,
) -> Case {
    let c = erlang_c(rate_h / 3600.0, aht, agents, threshold).expect("stable");
    let mut checks = vec![prob("service_level", c.service_level), prob("occupancy", c.occupancy)];
    if asa {
        checks.push(rel("asa", c.asa));
    }
    Case {
        name: format!("Erlang C: {agents} agents, load {:.0}%", 100.0 * c.occupancy),
        scenario: scenario(seed, days, rate_h, aht, agents, 1, &[1.0], None, threshold),
        replications: reps,
        checks,
    }
}

fn erlang_a_case(
    seed: u64,
    days: u32,
    reps: u32,
    rate_h: f64,
    aht: f64,
    agents: u32,
    patience: f64,
    threshold: f64,
    queue: bool,
) -> Case {
    let a = erlang_a(rate_h / 3600.0, aht, agents, patience, threshold);
    let mut checks =
        vec![prob("service_level", a.service_level), prob("abandon_rate", a.p_abandon), prob("occupancy", a.occupancy)];
    if queue {
        checks.push(rel("queue_len_mean", a.mean_queue));
    }
    Case {
        name: format!(
            "Erlang A: {agents} agents, offered {:.0}% of capacity",
            100.0 * rate_h / 3600.0 * aht / agents as f64
        ),
        scenario: scenario(seed, days, rate_h, aht, agents, 1, &[1.0], Some(patience), threshold),
        replications: reps,
        checks,
    }
}

fn chat_case(
    seed: u64,
    days: u32,
    reps: u32,
    rate_h: f64,
    work: f64,
    agents: u32,
    speed: &[f64],
    patience: Option<f64>,
) -> Case {
    let slots = speed.len() as u32;
    let model = ChatCenter {
        agents,
        slots,
        speed: speed.to_vec(),
        rate_per_sec: rate_h / 3600.0,
        work_mean_secs: work,
        patience_mean_secs: patience.unwrap_or(f64::INFINITY),
        threshold_secs: 0.0,
    };
    let r = solve_chat_center(&model).expect("solvable");
    let mut checks = vec![
        // With threshold 0, service level is the share answered without waiting.
        prob("service_level", 1.0 - r.p_wait),
        prob("utilisation", r.slot_occupancy),
        prob("occupancy", r.agent_occupancy),
    ];
    if patience.is_some() {
        checks.push(prob("abandon_rate", r.p_abandon));
    }
    for (k, &share) in r.concurrency.iter().enumerate().skip(1) {
        checks.push(prob(["concurrency_0", "concurrency_1", "concurrency_2", "concurrency_3"][k], share));
    }
    Case {
        name: format!(
            "chat chain: {agents} agents × {slots} slots at {speed:?}, utilisation {:.0}%",
            100.0 * r.slot_occupancy
        ),
        scenario: scenario(seed, days, rate_h, work, agents, slots, speed, patience, 0.0),
        replications: reps,
        checks,
    }
}

fn cases() -> Vec<Case> {
    vec![
        // Erlang C: small to large teams, occupancy 0.5 to 0.95.
        erlang_c_case(11, 560, 20, 12.0, 300.0, 2, 20.0, true),
        erlang_c_case(12, 270, 20, 240.0, 300.0, 24, 20.0, true),
        erlang_c_case(13, 10, 20, 2160.0, 300.0, 200, 20.0, false),
        erlang_c_case(14, 200, 20, 58.2, 300.0, 6, 60.0, false),
        // Erlang A: moderate, near capacity, and overloaded.
        erlang_a_case(21, 60, 20, 108.0, 300.0, 10, 180.0, 30.0, true),
        erlang_a_case(22, 10, 20, 1164.0, 300.0, 100, 300.0, 20.0, false),
        erlang_a_case(23, 20, 20, 660.0, 300.0, 50, 120.0, 20.0, true),
        erlang_a_case(24, 100, 20, 36.0, 600.0, 3, 240.0, 60.0, true),
        // The exact chat chain: concurrency 1, 2 and 3, speeds below 1.
        chat_case(31, 60, 20, 100.0, 300.0, 10, &[1.0], Some(180.0)),
        chat_case(32, 40, 20, 190.0, 300.0, 10, &[1.0, 0.8], Some(180.0)),
        chat_case(33, 60, 20, 100.0, 300.0, 5, &[1.0, 0.8, 0.6], Some(240.0)),
        chat_case(34, 50, 20, 220.0, 300.0, 20, &[1.0, 0.5], None),
        chat_case(35, 15, 20, 520.0, 300.0, 30, &[1.0, 0.85], Some(120.0)),
    ]
}

/// Per-replication values of `metric` in scope `all`.
fn values(reps: &[ccsim::jobs::run::Replication], labels: &[ccsim::stats::Label], metric: &str) -> Vec<f64> {
    let metric: ccsim::stats::Metric = metric.parse().unwrap_or_else(|_| panic!("{metric} is not a metric"));
    let all = ccsim::stats::Scope::All;
    let i = labels.iter().position(|l| l.scope == all && l.metric == metric).unwrap_or_else(|| panic!("{metric}"));
    reps.iter().filter_map(|r| r.whole[i]).collect()
}

#[test]
fn the_simulator_agrees_with_queueing_theory() {
    let cases = cases();
    let m: usize = cases.iter().map(|c| c.checks.len()).sum();
    let level = 1.0 - 0.05 / m as f64;
    println!("{} cases, {m} checks, each at confidence level 1 - 0.05/{m} = {level:.5}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let sc = ccsim::scenario::parse_str(&case.scenario, Path::new("validation.toml")).expect("valid scenario");
        let opts = RunOptions {
            replications: case.replications,
            seed: sc.simulation.seed,
            threads: 0,
            trace: false,
            per_day: false,
        };
        let reps = run_all(&sc, &opts, &|_| {});
        let labels = metric_labels(&ccsim::jobs::run::layout(&sc, false), &scope_names(&sc));
        println!("\n{}", case.name);
        for check in &case.checks {
            let v = values(&reps, &labels, check.metric);
            let (mean, half) = mean_and_half_width(&v, level);
            let allowed = match check.tolerance {
                Tolerance::Probability => 0.01,
                Tolerance::Relative => 0.02 * check.analytic,
            };
            let verdict = if (mean - check.analytic).abs() > half {
                "OUTSIDE"
            } else if half > allowed {
                "TOO WIDE"
            } else {
                "ok"
            };
            println!(
                "  {:<16} analytic {:>10.5}   simulated {:>10.5} ± {:.5} (allowed ± {:.5})  {verdict}",
                check.metric, check.analytic, mean, half, allowed
            );
            if verdict != "ok" {
                failures.push(format!("{}: {} {verdict}", case.name, check.metric));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn one_replication_is_the_same_whatever_runs_beside_it() {
    // Replications own their streams: replication 3 alone equals replication 3 of a parallel run.
    let text = scenario(5, 2, 120.0, 300.0, 12, 2, &[1.0, 0.8], Some(180.0), 20.0);
    let sc = ccsim::scenario::parse_str(&text, Path::new("validation.toml")).unwrap();
    let opts = RunOptions { replications: 6, seed: 5, threads: 2, trace: false, per_day: false };
    let all = run_all(&sc, &opts, &|_| {});
    let alone = run_one(&sc, &opts, 3);
    assert_eq!(all[3].whole, alone.whole);
    assert_ne!(all[2].whole, alone.whole);
}
