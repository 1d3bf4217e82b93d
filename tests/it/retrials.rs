//! Retrials (a reason's `retry = { p, after }`): a new chat that abandons or
//! is blocked comes back with probability p, `after` later, as a new chat of
//! the same customer; the share who come back is p and their delays follow
//! `after`; `offered` counts every attempt (conservation holds) and
//! `retries` the attempts that were retries; p = 0 is byte-identical to no
//! key; and with common random numbers the first attempts are the run
//! without retrials' arrivals, so offered − retries is its offered.

use crate::common::{edited, rows, run_text};
use ccsim::jobs::run::{RunOptions, run_all, scope_names};
use ccsim::stats::{Metric, Scope, metric_labels};
use std::collections::BTreeMap;
use std::path::Path;

/// z of a two-sided 99.9% normal interval.
const Z: f64 = 3.29;

/// One day 08:00–20:00, hourly intervals, three agents for 60 chats/h of
/// 5-minute work with 2-minute patience (overloaded: many give up), a
/// queue cap, and `retry` (none when empty).
fn scenario(seed: u64, retry: &str) -> String {
    format!(
        r#"
name = "retrials"
[simulation]
start = "08:00"
end = "20:00"
interval = "60m"
seed = {seed}
[[reasons]]
name = "r"
skill = "s"
rate = "60/h"
handle = "exponential(mean=5m)"
patience = "exponential(mean=2m)"
{retry}
[[groups]]
name = "g"
skills = ["s"]
agents = 3
max_concurrent = 1
[queue_cap]
s = 2
"#
    )
}

/// A row of `chats.csv` with its retry link.
struct Row {
    replication: String,
    chat: String,
    kind: String,
    outcome: String,
    arrival: f64,
    ended: f64,
    counted: bool,
    retry_of: Option<String>,
}

fn chat_rows(dir: &Path) -> Vec<Row> {
    rows(&dir.join("chats.csv"))
        .into_iter()
        .map(|r| Row {
            replication: r["replication"].clone(),
            chat: r["chat"].clone(),
            kind: r["kind"].clone(),
            outcome: r["outcome"].clone(),
            arrival: r["arrival"].parse().unwrap(),
            ended: r["ended"].parse().unwrap(),
            counted: r["counted"] == "1",
            retry_of: Some(r["retry_of"].clone()).filter(|s| !s.is_empty()),
        })
        .collect()
}

#[test]
fn the_share_who_come_back_is_p_and_their_delays_follow_after() {
    let p = 0.3;
    let run = run_text(
        &scenario(3, &format!(r#"retry = {{ p = {p}, after = "exponential(mean=10m)" }}"#)),
        &["--replications", "20"],
    );
    let chats = chat_rows(&run.out);
    let by_id: BTreeMap<(&str, &str), &Row> = chats.iter().map(|r| ((&*r.replication, &*r.chat), r)).collect();
    // Customers who gave up at least 2 h before the 20:00 end (a 10-minute
    // mean delay falls past it with probability e^-12), and those of them who
    // came back.
    let gave_up = |r: &Row| r.kind == "new" && (r.outcome == "abandoned" || r.outcome == "blocked");
    let eligible: Vec<&Row> = chats.iter().filter(|r| gave_up(r) && r.ended < 10.0 * 3600.0).collect();
    let mut back = 0usize;
    let mut delays = Vec::new();
    let mut chains = 0;
    for r in chats.iter().filter(|r| r.retry_of.is_some()) {
        let prev = by_id[&(&*r.replication, r.retry_of.as_deref().unwrap())];
        assert!(gave_up(prev), "a retry of a chat that did not give up: {}", prev.outcome);
        assert_eq!(r.kind, "new");
        delays.push(r.arrival - prev.ended);
        back += (prev.ended < 10.0 * 3600.0) as usize;
        chains += prev.retry_of.is_some() as usize;
    }
    let n = eligible.len() as f64;
    let share = back as f64 / n;
    let half = Z * (p * (1.0 - p) / n).sqrt();
    println!("{back} of {n} came back: {share:.4}, p = {p} ± {half:.4}; {chains} retries of retries");
    assert!((share - p).abs() < half, "share {share}, expected {p} ± {half}");
    assert!(chains > 50, "retries of retries come back too: {chains}");
    // Exponential delays of mean 600 s: sd 600 s; and half fall below the median 600 ln 2.
    let m = delays.len() as f64;
    let mean = delays.iter().sum::<f64>() / m;
    let half = Z * 600.0 / m.sqrt();
    println!("{m} delays, mean {mean:.1} s, expected 600 ± {half:.1}");
    assert!((mean - 600.0).abs() < half, "mean delay {mean}");
    let below = delays.iter().filter(|&&d| d < 600.0 * 2f64.ln()).count() as f64 / m;
    assert!((below - 0.5).abs() < Z * (0.25 / m).sqrt(), "share below the median {below}");
    // Each retry is traced `retry` at its arrival, its first event.
    for r in chats.iter().filter(|r| r.retry_of.is_some()).take(200) {
        let first = run
            .evs
            .iter()
            .find(|e| {
                e.replication.to_string() == r.replication && e.chat.map(|c| c.to_string()) == Some(r.chat.clone())
            })
            .unwrap();
        assert_eq!((first.event.as_str(), first.time), ("retry", r.arrival));
    }
}

#[test]
fn offered_counts_every_attempt_and_retries_the_retries() {
    let run =
        run_text(&scenario(5, r#"retry = { p = 0.5, after = "uniform(min=1m, max=20m)" }"#), &["--replications", "3"]);
    let chats = chat_rows(&run.out);
    // Summed over the 3 replications (means are written to 6 decimals).
    let total = |m: &str| (run.summary_all(m).unwrap() * 3.0).round();
    let new: Vec<&Row> = chats.iter().filter(|r| r.kind == "new" && r.counted).collect();
    assert_eq!(total("offered"), new.len() as f64);
    let retries = new.iter().filter(|r| r.retry_of.is_some()).count() as f64;
    assert!(retries > 300.0, "{retries}");
    assert_eq!(total("retries"), retries);
    assert_eq!(total("offered"), total("answered") + total("abandoned") + total("unserved") + total("blocked"));
    // No retry arrives after the day's end.
    assert!(chats.iter().all(|r| r.retry_of.is_none() || r.arrival < 12.0 * 3600.0));
}

#[test]
fn p_zero_is_byte_identical_to_no_key() {
    let base = run_text(&scenario(5, ""), &["--replications", "2"]);
    let zero = run_text(&scenario(5, r#"retry = { p = 0, after = "10m" }"#), &["--replications", "2"]);
    for f in ["summary.csv", "intervals.csv", "replications.csv", "chats.csv", "events.csv", "run.toml"] {
        let (a, b) = (std::fs::read(base.out.join(f)).unwrap(), std::fs::read(zero.out.join(f)).unwrap());
        assert!(a == b, "{f} differs with retry.p = 0");
    }
    assert!(base.summary().iter().all(|r| r.metric != "retries"));
}

/// Per-replication values of `metric` in scope all.
fn values(text: &str, replications: u32, metric: Metric) -> Vec<f64> {
    let sc = ccsim::scenario::parse_str(text, Path::new("retrials.toml")).expect("valid scenario");
    let opts = RunOptions { replications, seed: sc.simulation.seed, threads: 0, trace: false, per_day: false };
    let reps = run_all(&sc, &opts, &|_| {});
    let labels = metric_labels(&ccsim::jobs::run::layout(&sc, false), &scope_names(&sc));
    let i = labels.iter().position(|l| l.scope == Scope::All && l.metric == metric).expect("metric");
    reps.iter().map(|r| r.whole[i].expect("defined")).collect()
}

#[test]
fn with_erlang_b_retrials_raise_blocking_and_keep_the_first_attempts() {
    // The blocking tests' M/M/5/5 center at 4 erlangs: Erlang B is 0.199.
    let plain = crate::validation::scenario(61, 5, 48.0, 300.0, 5, 1, &[1.0], None, 60.0) + "[queue_cap]\ns = 0\n";
    let retrying = edited(
        &plain,
        &[("patience = \"never\"\n", "patience = \"never\"\nretry = { p = 0.6, after = \"exponential(mean=5m)\" }\n")],
    );
    let reps = 10;
    let off = values(&plain, reps, Metric::Offered(ccsim::model::SegmentKind::New));
    let on = values(&retrying, reps, Metric::Offered(ccsim::model::SegmentKind::New));
    let retries = values(&retrying, reps, Metric::Retries);
    // Common random numbers: the first attempts are the same arrivals.
    for i in 0..reps as usize {
        assert_eq!(on[i] - retries[i], off[i], "replication {i}");
    }
    let (b_off, b_on) = (values(&plain, reps, Metric::BlockRate), values(&retrying, reps, Metric::BlockRate));
    let diff: Vec<f64> = b_on.iter().zip(&b_off).map(|(a, b)| a - b).collect();
    let (mean, half) = crate::common::mean_and_half_width(&diff, 0.999);
    println!("block rate {:.4} without retrials, +{mean:.4} ± {half:.4} with", b_off.iter().sum::<f64>() / 10.0);
    assert!(mean - half > 0.0, "retrials should raise blocking: +{mean} ± {half}");
}
