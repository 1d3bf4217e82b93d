//! `staff` decides each interval's count only on clear evidence: the 95%
//! confidence interval of the service level at the count lies at or above
//! the goal, adding batches of replications while it holds the goal, up to
//! `--max-replications`; at the cap it takes the safer count and
//! `comparison.csv` says so (`decision = cap`).

use crate::common::{ccsim, root, rows};
use std::path::Path;

/// `staff` on `scenario` into `out` with `extra` flags; its comparison rows.
fn staff(scenario: &Path, out: &Path, extra: &[&str]) -> Vec<std::collections::BTreeMap<String, String>> {
    ccsim()
        .arg("staff")
        .arg(scenario)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
    rows(&out.join("comparison.csv"))
}

#[test]
fn statistically_identical_intervals_get_the_same_count_unless_the_decision_hit_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let flat = root("tests/data/flat.toml");
    let rows = staff(&flat, &dir.path().join("flat"), &[]);
    assert_eq!(rows.len(), 48);
    assert!(rows.iter().all(|r| r["target_met"] == "true"));
    // The first half hour starts from an empty queue and the last one's
    // chats wait into the drain: the others are alike.
    let alike = &rows[2..46];
    let clear: Vec<&str> = alike.iter().filter(|r| r["decision"] == "clear").map(|r| r["agents"].as_str()).collect();
    assert!(clear.len() >= 3, "too few clear decisions to tell: {clear:?}");
    assert!(clear.iter().all(|a| *a == clear[0]), "clear decisions differ: {clear:?}");
    let n: u32 = clear[0].parse().unwrap();
    for r in alike.iter().filter(|r| r["decision"] == "cap") {
        let a: u32 = r["agents"].parse().unwrap();
        assert!(a >= n, "{}: a capped decision took {a}, below the clear {n}", r["interval"]);
        assert_eq!(r["decision_replications"], "40", "{}", r["interval"]);
    }
    // Each decision took whole batches of the scenario's 10 replications, at most 40.
    for r in alike {
        let reps: u32 = r["decision_replications"].parse().unwrap();
        assert!((10..=40).contains(&reps) && reps.is_multiple_of(10), "{}: {reps}", r["interval"]);
    }
}

#[test]
fn decisions_on_the_scenarios_replications_alone_take_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let rows = staff(&root("tests/data/flat.toml"), &dir.path().join("ten"), &["--max-replications", "10"]);
    assert!(rows.iter().all(|r| r["decision_replications"] == "10"));
    assert!(rows.iter().all(|r| r["target_met"] == "true"));
}

#[test]
fn a_cap_below_the_replications_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x");
    let assert = ccsim()
        .args(["staff"])
        .arg(root("tests/data/flat.toml"))
        .args(["--quiet", "--max-replications", "5", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("--max-replications") && err.contains("got 5") && err.contains("(10)"), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_skill_with_its_own_goal_meets_it_in_every_interval() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root("scenarios/retail-weekday.toml")).unwrap();
    let goals = crate::common::edited(
        &text,
        &[("short_abandon = \"5s\"\n", "short_abandon = \"5s\"\ngoals = { tech = 0.95 }\n")],
    );
    let path = dir.path().join("goals.toml");
    std::fs::write(&path, goals).unwrap();
    let extra = ["--replications", "5"];
    let with = staff(&path, &dir.path().join("with"), &extra);
    let without = staff(&root("scenarios/retail-weekday.toml"), &dir.path().join("without"), &extra);
    assert!(with.iter().all(|r| r["target_met"] == "true"));
    let agents = |rows: &[std::collections::BTreeMap<String, String>]| -> u32 {
        rows.iter().map(|r| r["agents"].parse::<u32>().unwrap()).sum()
    };
    assert!(agents(&with) > agents(&without), "{} agents with the goal, {} without", agents(&with), agents(&without));
    // The final run's tech service level, averaged over the intervals, meets 0.95 and is
    // above what the overall goal alone gives (5 replications each: a single interval's
    // mean of 5 is too rough to hold to the goal on its own).
    let tech = |folder: &str| -> f64 {
        let v: Vec<f64> = rows(&dir.path().join(folder).join("intervals.csv"))
            .into_iter()
            .filter(|r| r["scope"] == "skill" && r["key"] == "tech" && r["metric"] == "service_level")
            .filter_map(|r| r["mean"].parse().ok())
            .collect();
        assert!(v.len() >= 20, "{folder}: {v:?}");
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(tech("with") >= 0.95 && tech("with") > tech("without"), "{} vs {}", tech("with"), tech("without"));
    // run.toml keeps the goal, and reads back.
    let toml = std::fs::read_to_string(dir.path().join("with").join("run.toml")).unwrap();
    assert!(toml.contains("goals = { \"tech\" = 0.95 }"), "{toml}");
    // A goal for a skill nobody serves is refused, naming it.
    let bad = crate::common::edited(
        &text,
        &[("short_abandon = \"5s\"\n", "short_abandon = \"5s\"\ngoals = { tehc = 0.9 }\n")],
    );
    std::fs::write(&path, bad).unwrap();
    let out =
        ccsim().args(["staff"]).arg(&path).args(["--quiet", "--out"]).arg(dir.path().join("bad")).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("service_level.goals.tehc") && err.contains("unknown skill"), "{err}");
}
