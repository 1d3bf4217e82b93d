//! Queue capacity (`[queue_cap]`): with Poisson arrivals, exponential work,
//! one chat per agent and no abandonment, the share of new chats blocked is
//! Erlang B with no room to wait (cap 0) and the M/M/c/K blocking
//! probability with room for `cap` (K = c + cap); a blocked chat never
//! queues; without a cap nothing changes.

use crate::common::{mean_and_half_width, run_text};
use ccsim::analytic::{erlang_b, mmck_blocking};
use ccsim::jobs::run::{RunOptions, run_all, scope_names};
use ccsim::stats::{Metric, Scope, metric_labels};
use std::path::Path;

/// A single-skill M/M/c center (the validation suite's: days back to back
/// after a warm-up, no patience), with room for `cap` waiting chats.
fn scenario(seed: u64, days: u32, rate_h: f64, work_secs: f64, agents: u32, cap: Option<u32>) -> String {
    let center = crate::validation::scenario(seed, days, rate_h, work_secs, agents, 1, &[1.0], None, 60.0);
    center + &cap.map_or(String::new(), |k| format!("[queue_cap]\ns = {k}\n"))
}

/// Per-replication `block_rate` of scope all.
fn block_rates(text: &str, replications: u32) -> Vec<f64> {
    let sc = ccsim::scenario::parse_str(text, Path::new("blocking.toml")).expect("valid scenario");
    let opts = RunOptions { replications, seed: sc.simulation.seed, threads: 0, trace: false, per_day: false };
    let reps = run_all(&sc, &opts, &|_| {});
    let labels = metric_labels(&ccsim::jobs::run::layout(&sc, false), &scope_names(&sc));
    let i = labels.iter().position(|l| l.scope == Scope::All && l.metric == Metric::BlockRate).expect("block_rate");
    reps.iter().map(|r| r.whole[i].expect("defined")).collect()
}

#[test]
fn the_block_rate_agrees_with_erlang_b_and_mm_c_k() {
    // (seed, days, agents, load in erlangs, cap); work has mean 300 s.
    let cases = [(41, 20, 5, 4.0, 0), (42, 10, 20, 18.0, 0), (43, 20, 5, 4.0, 3), (44, 10, 20, 19.0, 5)];
    let level = 1.0 - 0.05 / cases.len() as f64;
    let mut failures = Vec::new();
    for (seed, days, agents, load, cap) in cases {
        let analytic = if cap == 0 { erlang_b(load, agents) } else { mmck_blocking(load, agents, cap) };
        let rate_h = load / 300.0 * 3600.0;
        let v = block_rates(&scenario(seed, days, rate_h, 300.0, agents, Some(cap)), 20);
        let (mean, half) = mean_and_half_width(&v, level);
        println!("{agents} agents, {load} erlangs, cap {cap}: analytic {analytic:.5}, simulated {mean:.5} ± {half:.5}");
        if (mean - analytic).abs() > half || half > 0.01 {
            failures.push(format!("cap {cap}, {agents} agents: {mean} ± {half} vs {analytic}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_blocked_chat_never_queues_and_is_counted_as_offered() {
    let run = run_text(&scenario(7, 1, 60.0, 300.0, 3, Some(1)), &["--replications", "2"]);
    let blocked: Vec<_> = run.segs.iter().filter(|s| s.outcome == "blocked").collect();
    assert!(blocked.len() > 20, "{}", blocked.len());
    for s in &blocked {
        let evs: Vec<_> =
            run.evs.iter().filter(|e| e.replication == s.replication && e.is(s.chat, s.segment)).collect();
        assert_eq!(evs.len(), 1, "{s:?} {evs:?}");
        assert_eq!((evs[0].event.as_str(), evs[0].time), ("blocked", s.arrival), "{s:?}");
        assert_eq!((s.accepted, s.agent, s.wait, s.ended), (None, None, 0.0, s.arrival), "{s:?}");
    }
    // At most one chat waits (the cap): replay the queue from the events. A
    // chat offered at once is traced `queue` then `offer` at the same
    // instant, so the count is checked at every event but a `queue`.
    for rep in 0..2 {
        let mut waiting = 0i64;
        let mut queued = std::collections::HashSet::new();
        for e in run.evs.iter().filter(|e| e.replication == rep) {
            let key = (e.chat, e.segment);
            match e.event.as_str() {
                "queue" if e.agent.is_none() => {
                    queued.insert(key);
                    waiting += 1;
                }
                "offer" | "unserved" | "abandon" if queued.contains(&key) => {
                    queued.remove(&key);
                    waiting -= 1;
                }
                _ => {}
            }
            if e.event != "queue" {
                assert!(waiting <= 1, "replication {rep}: {waiting} waiting at {}", e.time);
            }
        }
    }
    let summary = |m: &str| run.summary_all(m).unwrap();
    // The warm-up's chats are traced but not counted.
    let per_rep = blocked.iter().filter(|s| s.counted == 1).count() as f64 / 2.0;
    assert_eq!(summary("blocked"), per_rep);
    assert_eq!(summary("offered"), summary("answered") + summary("abandoned") + summary("unserved") + per_rep);
    // block_rate: each replication's blocked ÷ offered, averaged.
    let rate = |rep: u32| {
        let new: Vec<_> =
            run.segs.iter().filter(|s| s.replication == rep && s.counted == 1 && s.kind == "new").collect();
        new.iter().filter(|s| s.outcome == "blocked").count() as f64 / new.len() as f64
    };
    // (replications are numbered from 1)
    assert!((summary("block_rate") - (rate(1) + rate(2)) / 2.0).abs() < 1e-6);
}

#[test]
fn without_a_cap_no_block_metrics_are_written() {
    let run = run_text(&scenario(7, 1, 60.0, 300.0, 3, None), &["--replications", "2"]);
    assert!(run.summary().iter().all(|r| r.metric != "blocked" && r.metric != "block_rate"));
    assert!(!std::fs::read_to_string(run.out.join("run.toml")).unwrap().contains("queue_cap"));
}
