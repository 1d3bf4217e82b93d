//! `ccsim staff`: the staffing it returns meets the goal in every interval,
//! and is the fewest: one agent fewer where the load peaks misses it.

use crate::common::{RETAIL, STAFF_SMALL as SMALL, ccsim, rows, run_to};
use std::collections::BTreeMap;
use std::path::Path;

const GOAL: f64 = 0.80;

/// The overall service level per interval of a run folder: (mean, ci95_high);
/// intervals without arrivals (the drain after closing) have none.
fn service_levels(run: &Path) -> BTreeMap<String, (f64, f64)> {
    rows(&run.join("intervals.csv"))
        .into_iter()
        .filter(|r| r["scope"] == "all" && r["metric"] == "service_level" && !r["mean"].is_empty())
        .map(|r| (r["interval"].clone(), (r["mean"].parse().unwrap(), r["ci95_high"].parse().unwrap())))
        .collect()
}

/// Runs `scenario` (a file) with `seed` into `out`.
fn run(scenario: &Path, seed: &str, out: &Path) {
    run_to(scenario, out, &["--no-charts", "--seed", seed]);
}

/// The small scenario with the agents per interval given.
fn with_agents(dir: &Path, name: &str, agents: &[u32]) -> std::path::PathBuf {
    let text = std::fs::read_to_string(SMALL).unwrap();
    let list: Vec<String> = agents.iter().map(u32::to_string).collect();
    let text = text.replace("agents = 10", &format!("agents = [{}]", list.join(", ")));
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn staffing_meets_the_goal_with_another_seed_and_is_the_fewest_at_the_peak() {
    let dir = tempfile::tempdir().unwrap();
    let staffed = dir.path().join("staff");
    ccsim().args(["staff", SMALL, "--quiet", "--out"]).arg(&staffed).assert().success();

    let plan = rows(&staffed.join("staffing.csv"));
    assert_eq!(plan.len(), 8, "a row per interval of the one group");
    assert!(plan.iter().all(|r| r["day"] == "all" && r["group"] == "team"));
    let agents: Vec<u32> = plan.iter().map(|r| r["agents"].parse().unwrap()).collect();
    for r in &plan {
        let sl: f64 = r["service_level"].parse().unwrap();
        assert!(sl >= GOAL, "{r:?}");
        let (lo, hi): (f64, f64) = (r["ci95_low"].parse().unwrap(), r["ci95_high"].parse().unwrap());
        assert!(lo <= sl && sl <= hi, "{r:?}");
    }

    // The same staffing, run with the search's own seed, gives the search's figures.
    let same = dir.path().join("same");
    run(&with_agents(dir.path(), "same.toml", &agents), "7", &same);
    for (r, (interval, (mean, _))) in plan.iter().zip(service_levels(&same)) {
        assert_eq!(r["interval"], interval);
        assert!((mean - r["service_level"].parse::<f64>().unwrap()).abs() < 1e-6, "{interval}");
    }

    // Another seed: every interval's upper confidence limit is at or above the goal.
    let other = dir.path().join("other");
    run(&staffed.join("run.toml"), "424242", &other);
    let levels = service_levels(&other);
    assert_eq!(levels.len(), 8);
    for (interval, (mean, high)) in &levels {
        assert!(*high >= GOAL, "{interval}: service level {mean}, ci95_high {high} below {GOAL}");
    }

    // One agent fewer in the busiest interval (10:30, 120 chats) puts its mean below the goal.
    let busiest = 3;
    let mut fewer = agents.clone();
    fewer[busiest] -= 1;
    let out = dir.path().join("fewer");
    run(&with_agents(dir.path(), "fewer.toml", &fewer), "7", &out);
    let (mean, _) = service_levels(&out)["10:30"];
    assert!(mean < GOAL, "one fewer at 10:30 ({} agents) still gives {mean}", fewer[busiest]);

    // Simulation needs far fewer agents than plain Erlang C, which ignores concurrency.
    let comparison = rows(&staffed.join("comparison.csv"));
    let total = |c: &str| comparison.iter().map(|r| r[c].parse::<u32>().unwrap()).sum::<u32>();
    assert_eq!(total("agents"), agents.iter().sum::<u32>());
    assert!(total("agents") * 3 < total("erlang_c_agents") * 2, "{} vs {}", total("agents"), total("erlang_c_agents"));

    // The chart of agents required.
    let svg = std::fs::read_to_string(staffed.join("charts/agents_required.svg")).unwrap();
    assert!(svg.contains("Agents required by interval") && svg.contains("Plain Erlang C"));
    assert!(staffed.join("charts/agents_required.png").is_file());
}

#[test]
fn staffing_csv_feeds_back_as_the_scenario_staffing() {
    let dir = tempfile::tempdir().unwrap();
    let staffed = dir.path().join("staff");
    ccsim().args(["staff", SMALL, "--quiet", "--threads", "1", "--out"]).arg(&staffed).assert().success();
    // The search is deterministic whatever the threads.
    let again = dir.path().join("again");
    ccsim().args(["staff", SMALL, "--quiet", "--threads", "2", "--out"]).arg(&again).assert().success();
    for f in ["staffing.csv", "comparison.csv", "summary.csv", "intervals.csv", "run.toml"] {
        assert_eq!(std::fs::read(staffed.join(f)).unwrap(), std::fs::read(again.join(f)).unwrap(), "{f}");
    }

    std::fs::copy(staffed.join("staffing.csv"), dir.path().join("staffing.csv")).unwrap();
    let text = std::fs::read_to_string(SMALL).unwrap().replace("agents = 10\n", "");
    let text = text.replace("name = \"staff-small\"", "name = \"staff-small\"\nstaffing = \"staffing.csv\"");
    let fed = dir.path().join("fed.toml");
    std::fs::write(&fed, text).unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&fed, "7", &a);
    run(&staffed.join("run.toml"), "7", &b);
    assert_eq!(std::fs::read(a.join("summary.csv")).unwrap(), std::fs::read(b.join("summary.csv")).unwrap());
    assert_eq!(std::fs::read(a.join("summary.csv")).unwrap(), std::fs::read(staffed.join("summary.csv")).unwrap());
}

#[test]
fn an_unreachable_target_exits_1_and_names_the_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("staff");
    let assert = ccsim().args(["staff", SMALL, "--quiet", "--max-agents", "12", "--out"]).arg(&out).assert().code(1);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("not met within 12 agents") && err.contains("10:30") && err.contains("11:00"), "{err}");
    assert!(!err.contains("09:00"), "{err}");
    // The files are written, with the intervals marked.
    let comparison = rows(&out.join("comparison.csv"));
    let missed: Vec<&str> =
        comparison.iter().filter(|r| r["target_met"] == "false").map(|r| r["interval"].as_str()).collect();
    assert!(missed.contains(&"10:30") && !missed.contains(&"09:00"), "{missed:?}");
    assert!(comparison.iter().filter(|r| r["target_met"] == "false").all(|r| r["agents"] == "12"));
}

#[test]
fn one_group_is_staffed_with_the_others_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("staff");
    ccsim()
        .args(["staff", RETAIL, "--quiet", "--replications", "4", "--group", "tech", "--max-abandon", "0.08", "--out"])
        .arg(&out)
        .assert()
        .success();
    let plan = rows(&out.join("staffing.csv"));
    assert_eq!(plan.len(), 48, "24 intervals × 2 groups");
    // tier1 keeps its shifts (12 agents from 08:00, 8 more from 10:00 to 18:00, ...): check one interval.
    let tier1_0800 = plan.iter().find(|r| r["group"] == "tier1" && r["interval"] == "08:00").unwrap();
    let run_toml = std::fs::read_to_string(out.join("run.toml")).unwrap();
    assert!(run_toml.contains("[[groups]]\nname = \"tier1\""), "{run_toml}");
    assert!(run_toml.contains("shifts = "), "tier1 keeps its shifts");
    assert!(tier1_0800["agents"].parse::<u32>().unwrap() > 0);
    for r in plan.iter().filter(|r| r["group"] == "tech") {
        let sl: f64 = r["service_level"].parse().unwrap();
        let ab: f64 = r["abandon_rate"].parse().unwrap();
        assert!(sl >= GOAL && ab <= 0.08, "{r:?}");
    }
}

#[test]
fn bad_options_exit_2_without_output() {
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (&["--group", "nobody"][..], "unknown group \"nobody\"; the groups are: team"),
        (&["--goal", "1.5"][..], "--goal: expected a share above 0 and at most 1"),
        (&["--max-abandon=-0.1"][..], "--max-abandon: expected a share from 0 to 1"),
        (&["--threshold", "soon"][..], "--threshold"),
        (&["--max-agents", "0"][..], "--max-agents: expected an integer from 1 to 1000000, got 0"),
        (&["--shard", "1/2"][..], "unexpected argument '--shard'"),
    ] {
        let out = dir.path().join("staff");
        let assert = ccsim().arg("staff").arg(SMALL).args(args).arg("--out").arg(&out).assert().code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} left output behind");
    }
}

#[test]
fn where_erlang_c_is_exact_staff_agrees_with_it() {
    // M/M/c, one chat per agent, no abandonment: 240 chats/h of 5 minutes (20 E),
    // 80% within 20 s takes 25 agents (24 give 77.2%, 25 give 84.6%).
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/erlang-c.toml")).unwrap();
    let text = text.replace("days = 80", "days = 8").replace("replications = 40", "replications = 4");
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("erlang-c.toml");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.path().join("staff");
    ccsim().args(["staff", "--quiet", "--out"]).arg(&out).arg(&scenario).assert().success();
    let comparison = rows(&out.join("comparison.csv"));
    assert_eq!(comparison.len(), 24);
    let agents: Vec<f64> = comparison.iter().map(|r| r["agents"].parse().unwrap()).collect();
    assert!(comparison.iter().all(|r| r["erlang_c_agents"] == "25" && r["analytic_estimate"] == "25"));
    // Each interval pools 32 interval-days, so the search sees noise of about ±0.04 in service level:
    // it may settle one agent either side, but not further, and not on average.
    assert!(agents.iter().all(|a| (24.0..=26.0).contains(a)), "{agents:?}");
    let mean = agents.iter().sum::<f64>() / agents.len() as f64;
    assert!((24.5..=25.5).contains(&mean), "mean {mean}: {agents:?}");
}

#[test]
fn days_are_staffed_apart_only_when_the_forecast_differs_by_day() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(SMALL)
        .unwrap()
        .replace("days = 1", "days = 2")
        .replace("replications = 12", "replications = 4");
    // The same forecast every day, staffing given per day: one staffing for both days.
    let same = base.replace("agents = 10", "agents = [[10, 10, 10, 10, 10, 10, 10, 10], [5, 5, 5, 5, 5, 5, 5, 5]]");
    // A forecast per day: each day its own.
    let apart = base.replace(
        "volume = [40, 60, 90, 120, 110, 80, 60, 50]",
        "volume = [[40, 60, 90, 120, 110, 80, 60, 50], [20, 30, 45, 60, 55, 40, 30, 25]]",
    );
    for (name, text, days) in [("same", same, vec!["all"]), ("apart", apart, vec!["1", "2"])] {
        let scenario = dir.path().join(format!("{name}.toml"));
        std::fs::write(&scenario, text).unwrap();
        let out = dir.path().join(name);
        ccsim().args(["staff", "--quiet", "--out"]).arg(&out).arg(&scenario).assert().success();
        let plan = rows(&out.join("staffing.csv"));
        let mut seen: Vec<&str> = plan.iter().map(|r| r["day"].as_str()).collect();
        seen.dedup();
        assert_eq!(seen, days, "{name}");
        if name == "apart" {
            // Half the chats on day 2 need fewer agents at the peak.
            let peak = |day: &str| -> u32 {
                plan.iter().find(|r| r["day"] == day && r["interval"] == "10:30").unwrap()["agents"].parse().unwrap()
            };
            assert!(peak("2") < peak("1"), "{} vs {}", peak("2"), peak("1"));
        }
    }
}
