//! `ccsim schedule`: the covering problem's optimum equals a brute-force
//! enumeration's on small instances; every break lies in its window and
//! coverage meets the requirement in every quarter hour; a requirement no
//! roster can cover exits 1 naming the intervals; bad shift rules exit 2
//! naming the key; `schedule.toml` repeats the final simulation; the repair
//! loop raises the requirement where the service level is missed; and a
//! hand-written roster (shifts with days and breaks) is read, written back
//! and simulated as count dips.

use crate::common::{Work, edited, rows, run_text};
use ccsim::analytic::roster::{Limits, solve};
use ccsim::scenario::{Scenario, parse_str, resolved_toml};
use std::path::Path;
use std::time::Duration;

/// One day 08:00–12:00 in 30-minute intervals, one group of one-chat agents,
/// `rate` chats an hour, and `rules` as the `[scheduling]` table.
fn scenario(rate: &str, rules: &str) -> String {
    format!(
        r#"
name = "sched"
[simulation]
start = "08:00"
end = "12:00"
interval = "30m"
replications = 4
seed = 5
[service_level]
threshold = "60s"
goal = 0.8
[[reasons]]
name = "r"
skill = "s"
rate = "{rate}"
handle = "exponential(mean=5m)"
patience = "exponential(mean=4m)"
[[groups]]
name = "g"
skills = ["s"]
agents = 3
max_concurrent = 1
{rules}
"#
    )
}

/// A 4-hour template starting 08:00 with a 30-minute break inside [1h, 3h],
/// and a 2-hour part-time template starting any half hour 08:00–10:00.
const RULES: &str = r#"
[scheduling]
[[scheduling.templates]]
name = "full"
length = "4h"
earliest = "08:00"
cost_per_hour = 1.0
breaks = [{ length = "30m", within = ["1h", "3h"] }]
[[scheduling.templates]]
name = "part"
length = "2h"
earliest = "08:00"
latest = "10:00"
step = "30m"
cost_per_hour = 1.3
part_time = true
"#;

fn parse(text: &str) -> Scenario {
    parse_str(text, Path::new("sched.toml")).expect("valid scenario")
}

/// The shifts the rules allow (start, end, break) and their costs, written out by hand.
fn candidates() -> Vec<(u32, u32, Option<u32>, f64)> {
    let h = |x: f64| (x * 3600.0) as u32;
    let mut out = Vec::new();
    // full: its 30-minute break starts 09:00, 09:15, …, 10:30 (ends by 11:00).
    for b in (h(9.0)..=h(10.5)).step_by(900) {
        out.push((h(8.0), h(12.0), Some(b), 4.0));
    }
    for s in [h(8.0), h(8.5), h(9.0), h(9.5), h(10.0)] {
        out.push((s, s + h(2.0), None, 2.6));
    }
    out
}

/// The least cost of covering `req` (per 30-minute interval, agents working
/// in each quarter hour), by trying every count of every candidate up to
/// the largest requirement.
fn brute_force(req: &[u32]) -> f64 {
    let cands = candidates();
    let top = *req.iter().max().unwrap();
    let quarters: Vec<u32> = (0..16).map(|q| 8 * 3600 + q * 900).collect();
    let mut counts = vec![0u32; cands.len()];
    let mut best = f64::INFINITY;
    loop {
        let cost: f64 = counts.iter().zip(&cands).map(|(&n, c)| f64::from(n) * c.3).sum();
        if cost < best {
            let ok = quarters.iter().enumerate().all(|(qi, &q)| {
                let working: u32 = counts
                    .iter()
                    .zip(&cands)
                    .filter(|(_, c)| c.0 <= q && q < c.1 && c.2.is_none_or(|b| !(b <= q && q < b + 1800)))
                    .map(|(&n, _)| n)
                    .sum();
                working >= req[qi / 2]
            });
            if ok {
                best = cost;
            }
        }
        // The next count vector (odometer).
        let mut k = 0;
        while k < counts.len() && counts[k] == top {
            counts[k] = 0;
            k += 1;
        }
        if k == counts.len() {
            return best;
        }
        counts[k] += 1;
    }
}

#[test]
fn the_solver_finds_the_brute_force_optimum_on_small_instances() {
    let sc = parse(&scenario("10/h", RULES));
    let sch = sc.scheduling.clone().unwrap();
    let limits = Limits { gap: 0.0, time_limit: Duration::from_secs(30) };
    let cases: [[u32; 8]; 5] = [
        [1, 1, 1, 1, 1, 1, 1, 1],
        [2, 2, 1, 1, 1, 1, 2, 2],
        [1, 2, 2, 2, 2, 2, 2, 1],
        [0, 0, 2, 2, 2, 1, 0, 0],
        [2, 1, 2, 0, 2, 1, 1, 2],
    ];
    for req in cases {
        let roster = solve(&sc, &sch, &[vec![req.to_vec()]], limits).expect("coverable");
        let best = brute_force(&req);
        let cost = roster.cost();
        assert!((cost - best).abs() < 1e-6, "requirement {req:?}: solver {cost}, brute force {best}");
        assert_eq!(roster.status().name(), "optimal", "requirement {req:?}");
        assert!((roster.bound() - best).abs() < 1e-6, "requirement {req:?}: bound {}", roster.bound());
    }
}

/// Runs `schedule` with `requirement` (per interval) as the requirement file.
fn schedule(work: &Work, text: &str, requirement: &[u32], extra: &[&str]) -> std::process::Output {
    work.write("sched.toml", text);
    let mut csv = String::from("interval,group,agents\n");
    for (i, n) in requirement.iter().enumerate() {
        let t = 8 * 60 + 30 * i as u32;
        csv.push_str(&format!("{:02}:{:02},g,{n}\n", t / 60, t % 60));
    }
    work.write("req.csv", &csv);
    let mut args = vec!["schedule", "sched.toml", "--requirement", "req.csv", "--out", "out", "--quiet"];
    args.extend_from_slice(extra);
    work.ccsim(&args)
}

fn clock(text: &str) -> u32 {
    ccsim::scenario::duration::parse_clock(text).unwrap()
}

#[test]
fn every_break_lies_in_its_window_and_every_quarter_hour_is_covered() {
    let work = Work::new();
    let req = [2, 3, 3, 2, 2, 3, 3, 2];
    let out = schedule(&work, &scenario("10/h", RULES), &req, &["--max-rounds", "1"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let roster = rows(&work.path("out/roster.csv"));
    assert!(!roster.is_empty());
    let mut working = [0u32; 16];
    for row in &roster {
        let (start, end) = (clock(&row["start"]), clock(&row["end"]));
        let breaks: Vec<(u32, u32)> = row["breaks"]
            .split(';')
            .filter(|b| !b.is_empty())
            .map(|b| {
                let (a, z) = b.split_once('-').unwrap();
                (clock(a), clock(z))
            })
            .collect();
        if row["template"] == "full" {
            assert_eq!(breaks.len(), 1, "{row:?}");
            let (a, z) = breaks[0];
            assert_eq!(z - a, 1800, "{row:?}");
            assert!(a >= start + 3600 && z <= start + 3 * 3600, "break outside its window: {row:?}");
        } else {
            assert!(breaks.is_empty(), "{row:?}");
        }
        for (q, w) in working.iter_mut().enumerate() {
            let t = 8 * 3600 + q as u32 * 900;
            if start <= t && t < end && !breaks.iter().any(|&(a, z)| a <= t && t < z) {
                *w += 1;
            }
        }
    }
    for (q, w) in working.iter().enumerate() {
        assert!(*w >= req[q / 2], "quarter {q}: {w} working, {} required", req[q / 2]);
    }
    for row in rows(&work.path("out/coverage.csv")) {
        let (working, repaired): (f64, f64) = (row["working"].parse().unwrap(), row["repaired"].parse().unwrap());
        assert!(working >= repaired, "{row:?}");
        assert_eq!(row["under"], "0", "{row:?}");
    }
    // The shifts add up to the roster, and the costs to the first round's.
    let shifts = rows(&work.path("out/shifts.csv"));
    let count: u32 = shifts.iter().map(|r| r["count"].parse::<u32>().unwrap()).sum();
    assert_eq!(count as usize, roster.len());
    let cost: f64 = shifts.iter().map(|r| r["cost"].parse::<f64>().unwrap()).sum();
    let rounds = rows(&work.path("out/rounds.csv"));
    assert!((rounds[0]["cost"].parse::<f64>().unwrap() - cost).abs() < 1e-6);
    assert!((brute_force(&req) - cost).abs() < 1e-6, "not the optimum: {cost}");
    for chart in ["coverage", "shifts"] {
        for ext in ["svg", "png"] {
            assert!(work.path(&format!("out/charts/{chart}.{ext}")).exists(), "no {chart}.{ext}");
        }
    }
}

#[test]
fn a_requirement_no_roster_can_cover_exits_1_naming_the_intervals() {
    let work = Work::new();
    let capped = edited(RULES, &[("cost_per_hour = 1.3", "cost_per_hour = 1.3\nmax = 1")]);
    let capped = capped.replace("cost_per_hour = 1.0", "cost_per_hour = 1.0\nmax = 1");
    let out = schedule(&work, &scenario("10/h", &capped), &[1, 1, 1, 1, 1, 1, 3, 3], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("11:00, 11:30"), "{stderr}");
    assert!(!work.path("out").exists(), "nothing is written");
}

#[test]
fn bad_shift_rules_exit_2_naming_the_key() {
    let cases: [(&str, &str, &str, &str); 5] = [
        (
            r#"length = "30m", within"#,
            r#"length = "5h", within"#,
            "scheduling.templates.full.breaks[0].length",
            "shorter than the shift",
        ),
        (
            r#"within = ["1h", "3h"]"#,
            r#"within = ["1h", "5h"]"#,
            "scheduling.templates.full.breaks[0].within",
            "not inside the shift",
        ),
        ("cost_per_hour = 1.3", "cost_per_hour = -1", "scheduling.templates.part.cost_per_hour", "expected a cost"),
        (r#"latest = "10:00""#, r#"latest = "08:00""#, "scheduling.templates", "no template can work 11:00"),
        (r#"step = "30m""#, r#"step = "20m""#, "scheduling.templates.part.step", "quarter hours"),
    ];
    for (from, to, key, says) in cases {
        let rules = edited(RULES, &[(from, to)]);
        let rules = if from.starts_with("latest") {
            // The full template too must leave 11:00 uncovered.
            rules.replace(r#"length = "4h""#, r#"length = "3h""#).replace(r#"["1h", "3h"]"#, r#"["1h", "2h"]"#)
        } else {
            rules
        };
        let work = Work::new().with("sched.toml", &scenario("10/h", &rules));
        work.refused_naming(&["schedule", "sched.toml", "--out", "out"], 2, key, &[says]);
        // `run` reads the same table, so refuses it too.
        work.refused_naming(&["run", "sched.toml", "--out", "out"], 2, key, &[says]);
    }
}

#[test]
fn schedule_toml_repeats_the_final_simulation() {
    let work = Work::new();
    let out = schedule(&work, &scenario("30/h", RULES), &[3, 3, 3, 3, 3, 3, 3, 3], &["--max-rounds", "1"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    work.ok(&["run", "out/schedule.toml", "--out", "run", "--quiet", "--no-charts"]);
    let coverage = rows(&work.path("out/coverage.csv"));
    let intervals = rows(&work.path("run/intervals.csv"));
    for row in coverage {
        let sim = intervals
            .iter()
            .find(|r| r["interval"] == row["interval"] && r["scope"] == "all" && r["metric"] == "service_level")
            .unwrap();
        assert_eq!(sim["mean"], row["service_level"], "{row:?}");
    }
}

#[test]
fn the_repair_loop_raises_the_requirement_where_the_goal_is_missed() {
    let work = Work::new();
    // One agent per interval cannot serve 30 chats an hour of 5 minutes each.
    let out = schedule(&work, &scenario("30/h", RULES), &[1; 8], &["--max-rounds", "8"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{stderr}");
    let rounds = rows(&work.path("out/rounds.csv"));
    assert!(rounds.len() >= 2, "{rounds:?}");
    let short = |r: &std::collections::BTreeMap<String, String>| r["intervals_short"].parse::<u32>().unwrap();
    let kept = rounds.iter().find(|r| r["kept"] == "true").unwrap();
    assert!(short(kept) < short(&rounds[0]), "{rounds:?}");
    let coverage = rows(&work.path("out/coverage.csv"));
    assert!(coverage.iter().any(|r| r["repaired"].parse::<u32>().unwrap() > 1), "nothing repaired");
}

#[test]
fn a_hand_written_roster_with_days_and_breaks_reads_back_and_its_agents_take_their_breaks() {
    let text = r#"
name = "roster"
[simulation]
start = "08:00"
end = "12:00"
days = 2
[[reasons]]
name = "r"
skill = "s"
rate = "1/h"
handle = "1m"
[[groups]]
name = "g"
skills = ["s"]
shifts = [
  { start = "08:00", end = "12:00", agents = 2, breaks = [{ start = "10:00", length = "15m" }] },
  { start = "09:00", end = "11:00", agents = 1, days = [2] },
]
"#;
    let sc = parse(text);
    assert_eq!(parse(&resolved_toml(&sc)), sc, "run.toml reads back the same roster");
    let g = &sc.groups[0].staffing;
    let h = |x: f64| (x * 3600.0) as u32;
    let day1 = ccsim::model::day_timeline(g, &sc.simulation, 0);
    // On duty through the breaks (the day's end, 12:00, is where everyone
    // drains: not a change of count).
    assert_eq!(day1, vec![(h(8.0), 2)]);
    let day2 = ccsim::model::day_timeline(g, &sc.simulation, 1);
    assert_eq!(day2, vec![(h(8.0), 2), (h(9.0), 3), (h(11.0), 2)]);
    // The shift's two agents go on its break at 10:00 each day, each once it
    // has finished the chat it holds (a chat takes 1 minute), for the full
    // 15 minutes; only they: on day 2 the 09:00 shift's agent keeps working.
    let run = run_text(&text.replace(r#"rate = "1/h""#, r#"rate = "6/h""#), &["--replications", "2"]);
    let mut open = std::collections::BTreeMap::new();
    let mut breaks = Vec::new();
    for e in run.evs.iter().filter(|e| e.event.starts_with("break_")) {
        let key = (e.replication, e.agent.expect("a break names its agent"));
        if e.event == "break_start" {
            assert!(open.insert(key, e.time).is_none(), "{key:?} starts a break twice");
        } else {
            let start = open.remove(&key).expect("a break ends after it starts");
            breaks.push((e.replication, start, e.time - start));
        }
    }
    assert!(open.is_empty(), "{open:?}");
    for day in [0.0, 86400.0] {
        for rep in 1..=2 {
            let due = day + 7200.0;
            let taken: Vec<_> = breaks.iter().filter(|b| b.0 == rep && b.1 >= due && b.1 <= due + 60.0).collect();
            assert_eq!(taken.len(), 2, "replication {rep}, day at {day}: {breaks:?}");
            assert!(taken.iter().all(|b| (b.2 - 900.0).abs() < 1e-6), "{taken:?}");
        }
    }
    assert_eq!(breaks.len(), 8, "only the shift's agents, only at 10:00: {breaks:?}");
    // A break outside its shift, and overlapping breaks, are refused.
    let work = Work::new().with("a.toml", &text.replace(r#"start = "10:00""#, r#"start = "11:50""#));
    work.refused_naming(&["check", "a.toml"], 2, "groups.g.shifts[0].breaks[0].start", &["not inside its shift"]);
    let two = text.replace(
        r#"[{ start = "10:00", length = "15m" }]"#,
        r#"[{ start = "10:00", length = "15m" }, { start = "10:10", length = "15m" }]"#,
    );
    let work = Work::new().with("b.toml", &two);
    work.refused_naming(&["check", "b.toml"], 2, "groups.g.shifts[0].breaks[1]", &["overlaps"]);
}

#[test]
fn the_bundled_shift_rules_and_the_readme_example_are_valid() {
    let week = ccsim::scenario::load(&crate::common::root("scenarios/retail-week.toml")).unwrap();
    let rules = ccsim::scenario::load(&crate::common::root("scenarios/retail-week/schedule.toml")).unwrap();
    assert_eq!(rules.scheduling.as_ref().map(|s| s.templates.len()), Some(3));
    // The same center as retail-week.toml, with shift rules added.
    let same = Scenario { name: week.name.clone(), path: week.path.clone(), scheduling: None, ..rules };
    assert_eq!(same, week);
    // The README's [scheduling] example, under a scenario open 08:00–12:00 every day.
    let readme = std::fs::read_to_string(crate::common::root("README.md")).unwrap();
    let section = readme.split("## Rosters by schedule").nth(1).unwrap();
    let example = section.split("```text\n").nth(1).unwrap().split("```").next().unwrap();
    let example = example.replace(r#"days = ["mon", "tue", "wed", "thu", "fri"]"#, "");
    let sc = parse(&scenario("10/h", &example));
    assert_eq!(sc.scheduling.unwrap().templates[0].breaks.len(), 1);
}

#[test]
fn a_bad_requirement_file_exits_2_naming_the_file_line_and_value() {
    let work = Work::new()
        .with("sched.toml", &scenario("10/h", RULES))
        .with("req.csv", "interval,group,agents\n08:00,g,2\n08:30,nobody,3\n");
    let args = ["schedule", "sched.toml", "--requirement", "req.csv", "--out", "out"];
    work.refused_naming(&args, 2, "req.csv:3", &["unknown group \"nobody\"", "the groups are: g"]);
    work.write("req.csv", "interval,group,agents\n08:00,g,-1\n");
    work.refused_naming(&args, 2, "req.csv:2", &["expected a number of agents"]);
    let missing = ["schedule", "sched.toml", "--requirement", "none.csv", "--out", "out"];
    work.refused_naming(&missing, 2, "--requirement", &["none.csv"]);
    // No [scheduling] table: nothing to schedule from.
    work.write("plain.toml", &scenario("10/h", ""));
    work.refused_naming(&["schedule", "plain.toml", "--out", "out"], 2, "scheduling", &["missing"]);
    work.refused_naming(&["schedule", "sched.toml", "--gap", "1.5", "--out", "out"], 2, "--gap", &["1.5"]);
}

#[test]
fn check_shows_the_shift_rules() {
    let check = |file: &str| {
        let out =
            crate::common::ccsim().args(["check", &crate::common::root(file).to_string_lossy()]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = check("scenarios/retail-week/schedule.toml");
    assert!(out.contains("scheduling: 3 template(s) for `ccsim schedule`, part-time at most 0.3"), "{out}");
    assert!(
        out.contains(
            "long10       10h starting 08:00–10:00 every 15m, sat,sun; costs 10.5 a shift; breaks 30m within 4h–6h"
        ),
        "{out}"
    );
    assert!(!check("scenarios/retail-week.toml").contains("scheduling:"));
}

#[test]
fn effective_coverage_counts_absence_and_shrinkage() {
    let work = Work::new();
    let rules = format!("absenteeism = 0.1\nshrinkage = {{ share = 0.2, spell = \"5m\" }}\n{RULES}");
    let out = schedule(&work, &scenario("10/h", &rules), &[2, 3, 3, 2, 2, 3, 3, 2], &["--max-rounds", "1"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let coverage = rows(&work.path("out/coverage.csv"));
    assert!(!coverage.is_empty());
    for row in coverage {
        let (working, effective): (f64, f64) = (row["working"].parse().unwrap(), row["effective"].parse().unwrap());
        assert!((effective - working * 0.9 * 0.8).abs() < 1e-5, "{row:?}");
    }
}

#[test]
fn the_rosters_breaks_replace_the_scheduled_groups_own() {
    let work = Work::new();
    let rules = format!("breaks = [{{ start = \"09:00\", length = \"30m\" }}]\n{RULES}");
    let out = schedule(&work, &scenario("10/h", &rules), &[2, 3, 3, 2, 2, 3, 3, 2], &["--max-rounds", "1"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let roster = ccsim::scenario::load(&work.path("out/schedule.toml")).unwrap();
    let g = &roster.groups[0];
    assert!(g.breaks.is_empty(), "the group's own meeting is gone: {:?}", g.breaks);
    assert!(g.takes_breaks(), "its shifts' breaks remain");
}

/// The solver's budgets are branch-and-bound nodes, not seconds: a roster
/// reached within the gap is the same whatever the threads or the load (the
/// week of the README's speed case, which needs more than the first budget).
#[test]
fn a_roster_within_the_gap_is_the_same_whatever_the_threads() {
    let work = Work::new();
    let run = |threads: &str, out: &str| {
        let args = [
            "schedule",
            &crate::common::root("scenarios/retail-week/schedule.toml").to_string_lossy(),
            "--requirement",
            &crate::common::root("scenarios/retail-week/staffing.csv").to_string_lossy(),
            "--max-rounds",
            "1",
            "--replications",
            "1",
            "--no-charts",
            "--quiet",
            "--threads",
            threads,
            "--out",
            out,
        ]
        .map(|s| s.to_string());
        let o = crate::common::ccsim_in(work.root()).args(&args).output().unwrap();
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run("1", "a");
    run("2", "b");
    let rounds = rows(&work.path("a/rounds.csv"));
    assert_eq!(rounds[0]["status"], "gap", "{rounds:?}");
    crate::common::assert_same_files(&work.path("a"), &work.path("b"), "--threads 1 and 2");
}
