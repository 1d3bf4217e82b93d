//! Forecast error (`volume_cv`, `[forecast_error]`), as users run it: off it
//! changes no byte, on it spreads the daily offered count as theory says,
//! and it keeps common random numbers: one reason's CV moves no other
//! reason's customers. (The moments against theory in detail, with every
//! factor, are the unit tests of `model::arrivals`.)

use crate::common::{Work, files, rows};
use std::collections::BTreeMap;

/// Two reasons, one 8-hour day: billing 200 chats, tech 100; plenty of agents.
fn scenario(billing_extra: &str, extra: &str) -> String {
    format!(
        r#"name = "fe"
{extra}
[simulation]
start = "08:00"
end = "16:00"
interval = "60m"
replications = 4

[[reasons]]
name = "billing"
skill = "billing"
volume = [10, 20, 30, 40, 40, 30, 20, 10]
handle = "exponential(mean=4m)"
patience = "exponential(mean=3m)"
{billing_extra}

[[reasons]]
name = "tech"
skill = "tech"
rate = "12.5/h"
handle = "exponential(mean=6m)"

[[groups]]
name = "all"
skills = ["billing", "tech"]
agents = 6
"#
    )
}

/// `[forecast_error]` has to come before the first table; `extra` goes there.
fn shared(cv: f64) -> String {
    format!("[forecast_error]\ncv = {cv}\n")
}

#[test]
fn a_cv_of_zero_changes_no_byte_of_the_output() {
    let (plain, zero) = (Work::new(), Work::new());
    plain.write("s.toml", &scenario("", ""));
    zero.write("s.toml", &scenario("volume_cv = 0", "[forecast_error]\ncv = 0\nper_interval_cv = 0.0\n"));
    for w in [&plain, &zero] {
        w.ok(&["run", "s.toml", "--out", "out", "--trace", "--quiet"]);
    }
    let (a, b) = (files(&plain.path("out")), files(&zero.path("out")));
    assert!(a.len() > 5, "{:?}", a.keys());
    assert!(a == b, "a CV of 0 changed the output");
}

/// Per reason, the offered count of each replication.
fn offered(w: &Work, out: &str) -> BTreeMap<String, Vec<f64>> {
    let mut by_reason = BTreeMap::<String, Vec<f64>>::new();
    for r in rows(&w.path(out).join("replications.csv")) {
        if r["scope"] == "reason" && r["metric"] == "offered" && r["day"] == "all" && r["interval"] == "all" {
            by_reason.entry(r["key"].clone()).or_default().push(r["value"].parse().unwrap());
        }
    }
    by_reason
}

/// The sample variance and its standard error, (m₄ − s⁴)/n under the square root.
fn variance(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let s2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    (s2, ((m4 - s2 * s2) / n).sqrt())
}

#[test]
fn the_daily_offered_count_varies_as_lambda_plus_c2_lambda2_over_replications() {
    // One day per replication, 600 replications: λ = 200 and c = 0.3 give
    // 200 + 3600 = 3800; the estimate's standard error is about 5% of it,
    // so 4 of them (a false alarm once in 16,000) still exclude Poisson's 200.
    let c = 0.3;
    let w = Work::new().with("s.toml", &scenario(&format!("volume_cv = {c}"), ""));
    w.ok(&["run", "s.toml", "--out", "out", "--replications", "600", "--no-charts", "--quiet"]);
    let counts = offered(&w, "out");
    let (v, se) = variance(&counts["billing"]);
    let expected = 200.0 + c * c * 200.0 * 200.0;
    assert!((v - expected).abs() <= 4.0 * se, "billing: {v} ± {se}, expected {expected}");
    assert!(expected - 200.0 > 8.0 * se, "cannot tell forecast error from none: se {se}");
    // tech has none: Poisson, variance 100.
    let (v, se) = variance(&counts["tech"]);
    assert!((v - 100.0).abs() <= 4.0 * se, "tech: {v} ± {se}, expected 100");
}

/// Per replication, reason `reason`'s customers: (arrival, handle, patience) in arrival order.
fn customers(w: &Work, out: &str, reason: &str) -> Vec<(String, String, String, String)> {
    let mut list: Vec<_> = rows(&w.path(out).join("chats.csv"))
        .into_iter()
        .filter(|r| r["kind"] == "new" && r["reason"] == reason)
        .map(|r| (r["replication"].clone(), r["arrival"].clone(), r["handle"].clone(), r["patience"].clone()))
        .collect();
    list.sort_by(|a, b| {
        (a.0.parse::<u32>().unwrap(), a.1.parse::<f64>().unwrap())
            .partial_cmp(&(b.0.parse().unwrap(), b.1.parse().unwrap()))
            .unwrap()
    });
    list
}

#[test]
fn one_reasons_cv_moves_no_other_reasons_customers() {
    let w = Work::new()
        .with("off.toml", &scenario("", ""))
        .with("on.toml", &scenario("volume_cv = 0.4", ""))
        .with("shared.toml", &scenario("volume_cv = 0.4", &shared(0.2)))
        .with("shared_more.toml", &scenario("volume_cv = 0.8", &shared(0.2)));
    for name in ["off", "on", "shared", "shared_more"] {
        w.ok(&["run", &format!("{name}.toml"), "--out", name, "--trace", "--no-charts", "--quiet"]);
    }
    assert_eq!(customers(&w, "off", "tech"), customers(&w, "on", "tech"), "tech moved with billing's CV");
    assert_ne!(customers(&w, "off", "billing"), customers(&w, "on", "billing"), "billing's CV changed nothing");
    assert_eq!(
        customers(&w, "shared", "tech"),
        customers(&w, "shared_more", "tech"),
        "tech moved with billing's own CV under a shared one"
    );
    assert_ne!(customers(&w, "off", "tech"), customers(&w, "shared", "tech"), "the shared CV changed nothing");
}

#[test]
fn check_prints_the_forecast_error_and_a_days_spread() {
    let w = Work::new().with("s.toml", &scenario("volume_cv = 0.15", &shared(0.1)));
    let out = w.command().args(["check", "s.toml"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("forecast error"), "{text}");
    assert!(text.contains("billing 0.15") && text.contains("shared by every reason CV 0.1"), "{text}");
    // billing: λ = 200, daily CV² = 0.0225 + 0.01 + 0.000225: sd √(200 + 1309) = 38.8.
    assert!(text.contains("200.0 ± 38.8"), "{text}");
    let plain = Work::new().with("s.toml", &scenario("", ""));
    let out = plain.command().args(["check", "s.toml"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("forecast error"));
}

#[test]
fn sweeps_set_the_cvs_and_run_toml_keeps_them() {
    let w = Work::new().with("s.toml", &scenario("", ""));
    w.ok(&[
        "sweep",
        "s.toml",
        "--set",
        "reasons.billing.volume_cv=0,0.3",
        "--set",
        "forecast_error.cv=0,0.1",
        "--out",
        "sweep",
        "--no-charts",
        "--quiet",
    ]);
    // Points (volume_cv, cv): 1 (0, 0), 2 (0, 0.1), 3 (0.3, 0), 4 (0.3, 0.1).
    let offered = |reason: &str| -> Vec<String> {
        let sweep = rows(&w.path("sweep").join("sweep.csv"));
        let of = sweep.iter().filter(|r| r["scope"] == "reason" && r["key"] == reason && r["metric"] == "offered");
        of.map(|r| r["mean"].clone()).collect()
    };
    let (billing, tech) = (offered("billing"), offered("tech"));
    assert_eq!(billing.len(), 4);
    assert_ne!(billing[0], billing[2], "reasons.billing.volume_cv changed nothing");
    assert_ne!(tech[0], tech[1], "forecast_error.cv changed nothing");
    assert_eq!((&tech[0], &tech[1]), (&tech[2], &tech[3]), "billing's CV moved tech");
    w.ok(&["run", "s.toml", "--out", "run", "--no-charts", "--quiet"]);
    let text = std::fs::read_to_string(w.path("run/run.toml")).unwrap();
    assert!(!text.contains("volume_cv") && !text.contains("forecast_error"), "{text}");
    w.write("on.toml", &scenario("volume_cv = 0.3", "[forecast_error]\ncv = 0.1\nper_interval_cv = 0.05\n"));
    w.ok(&["run", "on.toml", "--out", "on", "--no-charts", "--quiet"]);
    let text = std::fs::read_to_string(w.path("on/run.toml")).unwrap();
    assert!(text.contains("volume_cv = 0.3") && text.contains("per_interval_cv = 0.05"), "{text}");
    // The run folder repeats itself from its run.toml.
    w.ok(&["run", "on/run.toml", "--out", "again", "--no-charts", "--quiet"]);
    let read = |d: &str| std::fs::read(w.path(d).join("replications.csv")).unwrap();
    assert_eq!(read("on"), read("again"));
}

#[test]
fn a_cv_out_of_range_is_refused_naming_the_key() {
    let w = Work::new().with("s.toml", &scenario("volume_cv = 1.5", ""));
    w.refused_naming(&["run", "s.toml", "--out", "out"], 2, "reasons.billing.volume_cv", &["from 0 to 1", "1.5"]);
    let w = Work::new().with("s.toml", &scenario("", ""));
    w.refused_naming(
        &["sweep", "s.toml", "--set", "forecast_error.cv=0,-0.2", "--out", "out"],
        2,
        "forecast_error.cv",
        &["from 0 to 1", "-0.2"],
    );
}
