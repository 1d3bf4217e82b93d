//! `ccsim sweep`: every point of the grid runs with the same seed, so the
//! point that repeats the scenario as written gives exactly its results.

use crate::common::{RETAIL, ccsim, rows, run_to};

#[test]
fn a_sweep_point_equal_to_the_scenario_repeats_its_run() {
    let dir = tempfile::tempdir().unwrap();
    let (sweep, run) = (dir.path().join("sweep"), dir.path().join("run"));
    ccsim()
        .args(["sweep", RETAIL, "--set", "chat.max_concurrent=1,2", "--replications", "4", "--quiet", "--out"])
        .arg(&sweep)
        .assert()
        .success();
    run_to(RETAIL, &run, &["--replications", "4", "--no-charts"]);

    let points = rows(&sweep.join("sweep.csv"));
    let summary = rows(&run.join("summary.csv"));
    let at = |cap: &str| -> Vec<Vec<String>> {
        points
            .iter()
            .filter(|r| r["chat.max_concurrent"] == cap)
            .map(|r| ["scope", "key", "metric", "mean", "ci95_low", "ci95_high"].map(|c| r[c].clone()).to_vec())
            .collect()
    };
    let expected: Vec<Vec<String>> = summary
        .iter()
        .map(|r| ["scope", "key", "metric", "mean", "ci95_low", "ci95_high"].map(|c| r[c].clone()).to_vec())
        .collect();
    assert_eq!(at("2"), expected, "the max_concurrent = 2 point is the scenario as written");

    // One chat at a time answers fewer chats in time.
    let sl = |cap: &str| -> f64 {
        let r = points
            .iter()
            .find(|r| r["chat.max_concurrent"] == cap && r["scope"] == "all" && r["metric"] == "service_level")
            .unwrap();
        r["mean"].parse().unwrap()
    };
    assert!(sl("1") < sl("2") - 0.05, "service level {} vs {}", sl("1"), sl("2"));

    // A chart per swept key, as SVG (with its title) and PNG.
    let svg = std::fs::read_to_string(sweep.join("charts/sweep_chat_max_concurrent.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Service level by chat.max_concurrent"));
    let png = std::fs::read(sweep.join("charts/sweep_chat_max_concurrent.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
}

#[test]
fn an_unknown_key_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let assert =
        ccsim().args(["sweep", RETAIL, "--set", "groups.tier9.agents=1,2", "--out"]).arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains(r#"no item named "tier9" in groups; expected one of "tier1", "tech""#),
        "the names that exist are listed: {stderr}"
    );
    assert!(!out.exists());
    // A value the scenario rejects names the point and the key.
    let assert = ccsim().args(["sweep", RETAIL, "--set", "chat.refuse=0.1,2", "--out"]).arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("chat.refuse = 2") && stderr.contains("chat.refuse:"), "{stderr}");
    assert!(!out.exists());
}
