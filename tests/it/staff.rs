//! `ccsim staff`: the staffing it returns meets the goal in every interval,
//! and is the fewest: one agent fewer where the load peaks misses it.

use crate::common::{RETAIL, STAFF_SMALL as SMALL, ccsim, edited, rows, run_to};
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
        (&["--confidence", "0.4"][..], "--confidence: expected a share from 0.5 to below 1"),
        (&["--confidence", "1"][..], "--confidence: expected a share from 0.5 to below 1"),
        (&["--confidence", "1.5"][..], "--confidence: expected a share from 0.5 to below 1"),
        (&["--confidence=-0.9"][..], "--confidence: expected a share from 0.5 to below 1"),
        (
            &["--confidence", "NaN"][..],
            "--confidence: expected a share from 0.5 to below 1 (0.9: the target holds in 90% of days), got NaN",
        ),
        (&["--confidence", "most"][..], "--confidence"),
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

// ---- staffing at a confidence ----

/// The small scenario over `days` days with `replications`, and the agents
/// per interval given (else its 10 all day).
fn small(days: u32, replications: u32, agents: Option<&[u32]>) -> String {
    let text = std::fs::read_to_string(SMALL).unwrap();
    let days = format!("days = {days}");
    let reps = format!("replications = {replications}");
    let list = agents.map_or("agents = 10".to_string(), |a| {
        format!("agents = [{}]", a.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))
    });
    edited(&text, &[("days = 1", &days), ("replications = 12", &reps), ("agents = 10", &list)])
}

/// Per open interval of a `run --per-day` folder: the (replication, day)
/// pairs whose service level meets `GOAL` (a pair without one meets it: no
/// chat was offered), and all pairs.
fn met_pairs(run: &Path) -> BTreeMap<String, (u32, u32)> {
    let mut out: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for r in rows(&run.join("replications.csv")) {
        if r["day"] == "all" || r["interval"] == "all" || r["scope"] != "all" || r["metric"] != "service_level" {
            continue;
        }
        let met = r["value"].is_empty() || r["value"].parse::<f64>().unwrap() >= GOAL;
        let e = out.entry(r["interval"].clone()).or_default();
        e.0 += u32::from(met);
        e.1 += 1;
    }
    out
}

/// `staff --confidence Q` on `scenario` into `out`: comparison.csv's rows, and the printed summary.
fn staff_at(scenario: &Path, q: &str, out: &Path) -> (Vec<BTreeMap<String, String>>, String) {
    let assert = ccsim()
        .arg("staff")
        .arg(scenario)
        .args(["--no-charts", "--confidence", q, "--out"])
        .arg(out)
        .assert()
        .success();
    (rows(&out.join("comparison.csv")), String::from_utf8_lossy(&assert.get_output().stdout).into_owned())
}

#[test]
fn at_confidence_each_interval_meets_the_goal_in_that_share_of_days_with_the_fewest_agents() {
    // Two days × 10 replications: 20 (replication, day) pairs per interval, one staffing for both days.
    const Q: f64 = 0.9;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, small(2, 10, None)).unwrap();
    let mean_out = dir.path().join("mean");
    ccsim().arg("staff").arg(&scenario).args(["--quiet", "--no-charts", "--out"]).arg(&mean_out).assert().success();
    let at_mean = rows(&mean_out.join("comparison.csv"));
    let (plan, said) = staff_at(&scenario, "0.9", &dir.path().join("q"));
    assert_eq!(plan.len(), 8);
    let num = |r: &BTreeMap<String, String>, c: &str| r[c].parse::<f64>().unwrap_or_else(|_| panic!("{c}: {r:?}"));

    // The first phase is the mean's search: its answer is the plain `staff` answer.
    for (q, m) in plan.iter().zip(&at_mean) {
        assert_eq!(q["agents_at_mean"], m["agents"], "{}", q["interval"]);
        assert!(num(q, "agents") >= num(q, "agents_at_mean"), "{q:?}");
        assert_eq!(q["target_met"], "true", "{q:?}");
        // Agent-hours per 30-minute interval, and the cost of robustness.
        assert_eq!(num(q, "agent_hours"), num(q, "agents") / 2.0);
        assert_eq!(num(q, "agent_hours_at_mean"), num(q, "agents_at_mean") / 2.0);
        assert_eq!(num(q, "extra_agent_hours"), num(q, "agent_hours") - num(q, "agent_hours_at_mean"));
    }
    let total = |c: &str| plan.iter().map(|r| num(r, c)).sum::<f64>();
    let (hours, hours_mean) = (total("agent_hours"), total("agent_hours_at_mean"));
    assert!(hours > hours_mean, "robustness costs something here: {hours} vs {hours_mean}");
    let line = format!(
        "robustness: agent-hours a day at the mean {hours_mean:.1}, at confidence 0.9 {hours:.1}: +{:.1} (+{:.1}%)",
        hours - hours_mean,
        100.0 * (hours - hours_mean) / hours_mean
    );
    assert!(said.contains(&line), "{line}\n{said}");
    assert!(said.contains("in ≥ 90% of its (replication, day) pairs (at least 20 per interval)"), "{said}");

    // The staffing found, run per day with the same seed and replications: every
    // interval meets the goal in at least 90% of its pairs, as comparison.csv says.
    let agents: Vec<u32> = plan.iter().map(|r| r["agents"].parse().unwrap()).collect();
    let shares_of = |agents: &[u32], name: &str| {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, small(2, 10, Some(agents))).unwrap();
        let out = dir.path().join(name);
        run_to(&path, &out, &["--no-charts", "--per-day"]);
        met_pairs(&out)
    };
    let found = shares_of(&agents, "found");
    for r in &plan {
        let (met, pairs) = found[&r["interval"]];
        assert_eq!(pairs, 20, "{}", r["interval"]);
        let share = f64::from(met) / f64::from(pairs);
        assert!(share >= Q - 1e-12, "{}: {met} of {pairs}", r["interval"]);
        assert!((share - num(r, "met_share")).abs() < 1e-6, "{}: {share} vs {r:?}", r["interval"]);
    }

    // The fewest: one agent fewer in an interval above the mean's answer (the
    // floor) puts its share below 90%.
    let mut above = 0;
    for (i, r) in plan.iter().enumerate().filter(|(_, r)| r["agents"] != r["agents_at_mean"]) {
        let mut fewer = agents.clone();
        fewer[i] -= 1;
        let (met, pairs) = shares_of(&fewer, &format!("fewer-{i}"))[&r["interval"]];
        assert!(f64::from(met) / f64::from(pairs) < Q, "{} with {} agents: {met} of {pairs}", r["interval"], fewer[i]);
        above += 1;
    }
    assert!(above >= 3, "most intervals need more than the mean's answer at 90%: {above}");
}

#[test]
fn at_confidence_one_half_the_answer_is_the_means_as_the_median_day_beats_the_mean() {
    // The service level of a day is bounded by 1 and skewed to the left (bad
    // days drag the mean down), so at least half the pairs meet the goal
    // wherever the mean does: the rule at 0.5 adds nothing to the mean's.
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, small(2, 10, None)).unwrap();
    let (plan, said) = staff_at(&scenario, "0.5", &dir.path().join("half"));
    for r in &plan {
        let (n, at_mean): (u32, u32) = (r["agents"].parse().unwrap(), r["agents_at_mean"].parse().unwrap());
        assert!(n == at_mean || n == at_mean + 1, "{r:?}");
        assert!(r["met_share"].parse::<f64>().unwrap() >= 0.5, "{r:?}");
    }
    let extra: f64 = plan.iter().map(|r| r["extra_agent_hours"].parse::<f64>().unwrap()).sum();
    let at_mean: f64 = plan.iter().map(|r| r["agent_hours_at_mean"].parse::<f64>().unwrap()).sum();
    assert!(extra <= 0.05 * at_mean, "{extra} of {at_mean}\n{said}");
}

#[test]
fn a_confidence_the_pairs_cannot_resolve_is_warned_about() {
    // 12 replications × 1 day: at 0.99 no pair may miss; at 0.9 one may, without a warning.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q99");
    let assert =
        ccsim().args(["staff", SMALL, "--quiet", "--no-charts", "--confidence", "0.99", "--out"]).arg(&out).assert();
    let err = String::from_utf8_lossy(&assert.success().get_output().stderr).to_string();
    assert!(
        err.contains("warning: --confidence 0.99 with 12 (replication, day) pair(s) per interval")
            && err.contains("steps of 1/12")
            && err.contains("needs every pair to meet the target")
            && err.contains("with 100 replications or more"),
        "{err}"
    );
    let plan = rows(&out.join("comparison.csv"));
    assert!(plan.iter().all(|r| r["met_share"] == "1"), "{plan:?}");
    let out = dir.path().join("q90");
    let assert = ccsim().args(["staff", SMALL, "--quiet", "--confidence", "0.9", "--out"]).arg(&out).assert();
    let err = String::from_utf8_lossy(&assert.success().get_output().stderr).to_string();
    assert!(!err.contains("--confidence"), "{err}");
    // The chart draws the mean's answer beside the agents at the confidence.
    let svg = std::fs::read_to_string(out.join("charts/agents_required.svg")).unwrap();
    assert!(svg.contains("Agents at the mean") && svg.contains("in ≥ 90% of 12 (replication, day) pairs"), "{svg}");
}

#[test]
fn at_confidence_with_absenteeism_the_agents_are_scheduled_ones_and_robustness_costs_more() {
    // Absence makes days differ more (a day short of two agents is a bad day),
    // so holding on 90% of days takes more beyond the mean than without it.
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, small(2, 10, None)).unwrap();
    let absent = dir.path().join("absent.toml");
    std::fs::write(&absent, small(2, 10, None).replace("agents = 10", "agents = 10\nabsenteeism = 0.1")).unwrap();
    let extra = |plan: &[BTreeMap<String, String>]| -> (f64, f64) {
        let sum = |c: &str| plan.iter().map(|r| r[c].parse::<f64>().unwrap()).sum::<f64>();
        (sum("extra_agent_hours"), sum("agent_hours_at_mean"))
    };
    let (plan, _) = staff_at(&plain, "0.9", &dir.path().join("plain"));
    let (more_plain, base_plain) = extra(&plan);
    let (plan, said) = staff_at(&absent, "0.9", &dir.path().join("absent"));
    let (more_absent, base_absent) = extra(&plan);
    assert!(said.contains("with absenteeism, breaks or shrinkage (team: absenteeism 0.1), the simulation's agents are scheduled agents"), "{said}");
    assert!(said.contains("robustness: agent-hours a day at the mean"), "{said}");
    assert!(base_absent > base_plain, "{base_absent} vs {base_plain}");
    assert!(
        more_absent / base_absent > more_plain / base_plain,
        "with absence +{more_absent} of {base_absent}, without +{more_plain} of {base_plain}"
    );
}
