//! Absenteeism (a group's `absenteeism = p`): each scheduled agent slot stays
//! away on a day with probability p, so logged-in hours fall by p; off, the
//! run is byte-identical; an absent agent is traced `absent` and never logs
//! in that day; and a run with absenteeism equals one whose staffing was cut
//! by the same agents (common random numbers).

use crate::common::{STAFF_SMALL, Work, day_center, edited, rows, run_text};
use ccsim::jobs::run::{RunOptions, run_all, scope_names};
use ccsim::stats::{Metric, Scope, metric_labels};
use std::collections::BTreeMap;
use std::path::Path;

/// Opening 08:00–20:00, hourly intervals, almost no chats (so logged-in
/// time is the schedule), `staffing` and `extra` in the one group.
fn scenario(seed: u64, days: u32, rate: &str, staffing: &str, extra: &str) -> String {
    day_center("absent", seed, days, rate, "exponential(mean=5m)", &format!("{staffing}\n{extra}"))
}

const SHIFTS: &str =
    r#"shifts = [{ start = "08:00", end = "16:00", agents = 6 }, { start = "12:00", end = "20:00", agents = 4 }]"#;

/// Per-replication `logged_in_hours` of scope all.
fn logged_in(text: &str, replications: u32) -> Vec<f64> {
    let sc = ccsim::scenario::parse_str(text, Path::new("absent.toml")).expect("valid scenario");
    let opts = RunOptions { replications, seed: sc.simulation.seed, threads: 0, trace: false, per_day: false };
    let reps = run_all(&sc, &opts, &|_| {});
    let labels = metric_labels(&ccsim::jobs::run::layout(&sc, false), &scope_names(&sc));
    let i = labels.iter().position(|l| l.scope == Scope::All && l.metric == Metric::LoggedInHours).expect("metric");
    reps.iter().map(|r| r.whole[i].expect("defined")).collect()
}

#[test]
fn logged_in_hours_fall_by_the_absence_probability() {
    let (days, reps, p) = (5u32, 200u32, 0.2);
    let off: f64 = logged_in(&scenario(11, days, "0.1/h", SHIFTS, ""), reps).iter().sum();
    let on: f64 = logged_in(&scenario(11, days, "0.1/h", SHIFTS, &format!("absenteeism = {p}")), reps).iter().sum();
    // Slots 0–3 are scheduled 12 h a day, 4–5 8 h, 6–9 4 h; each slot-day is
    // lost with probability p independently, so the share kept has variance
    // p(1−p) Σh² / (n (Σh)²) over n = days × replications.
    let hours = [12.0, 12.0, 12.0, 12.0, 8.0, 8.0, 4.0, 4.0, 4.0, 4.0];
    let (s1, s2): (f64, f64) = (hours.iter().sum(), hours.iter().map(|h| h * h).sum());
    let n = f64::from(days * reps);
    let sd = (p * (1.0 - p) * s2 / (n * s1 * s1)).sqrt();
    let kept = on / off;
    println!("kept {kept:.4}, expected {} ± {:.4} (4 sd)", 1.0 - p, 4.0 * sd);
    assert!((kept - (1.0 - p)).abs() < 4.0 * sd, "kept {kept}, expected {} (sd {sd})", 1.0 - p);
    // Off, every replication logs in exactly the schedule (nearly no chats to drain).
    assert!((off / f64::from(reps) - s1 * f64::from(days)).abs() < 1.0, "{off}");
}

#[test]
fn off_is_byte_identical() {
    let files = ["summary.csv", "chats.csv", "events.csv", "run.toml"];
    let base = run_text(&scenario(5, 2, "60/h", SHIFTS, ""), &["--replications", "3"]);
    let zero = run_text(&scenario(5, 2, "60/h", SHIFTS, "absenteeism = 0"), &["--replications", "3"]);
    for f in files {
        let (a, b) = (std::fs::read(base.out.join(f)).unwrap(), std::fs::read(zero.out.join(f)).unwrap());
        assert!(a == b, "{f} differs with absenteeism = 0");
    }
}

#[test]
fn an_absent_agent_is_traced_and_never_logs_in_that_day() {
    let run = run_text(&scenario(9, 3, "60/h", SHIFTS, "absenteeism = 0.3"), &["--replications", "10"]);
    let day = |t: f64| (t / 86400.0).floor() as i64;
    let mut absent = 0;
    for e in run.evs.iter().filter(|e| e.event == "absent") {
        absent += 1;
        let agent = e.agent.expect("an absent event names its agent");
        assert!(agent < 10, "{e:?}");
        let logins = run.evs.iter().filter(|l| {
            l.replication == e.replication && l.agent == Some(agent) && l.event == "login" && day(l.time) == day(e.time)
        });
        assert_eq!(logins.count(), 0, "absent agent logged in: {e:?}");
    }
    // 10 slots × 3 days × 10 replications at p = 0.3: 90 expected, sd 7.9.
    assert!((60..=120).contains(&absent), "{absent} absent agent-days");
    // Every agent-day is either absent or logs in: logins = agent-days − absent.
    let logins = run.evs.iter().filter(|e| e.event == "login").count();
    assert_eq!(logins + absent, 10 * 3 * 10, "logins {logins}, absent {absent}");
}

#[test]
fn absenteeism_equals_the_staffing_cut_by_the_same_agents() {
    let agents = 8;
    let days = 2;
    let on = run_text(
        &scenario(21, days, "90/h", &format!("agents = {agents}"), "absenteeism = 0.25"),
        &["--replications", "1"],
    );
    let mut cut = Vec::new();
    for d in 0..days {
        let away = on.evs.iter().filter(|e| e.event == "absent" && (e.time / 86400.0).floor() as u32 == d).count();
        cut.push(format!("[{}]", vec![(agents - away).to_string(); 12].join(", ")));
    }
    assert!(cut.iter().any(|c| !c.starts_with(&format!("[{agents},"))), "nobody was absent: {cut:?}");
    let off =
        run_text(&scenario(21, days, "90/h", &format!("agents = [{}]", cut.join(", ")), ""), &["--replications", "1"]);
    // The same figures, less the hours metrics that only absenteeism writes.
    let hours =
        ["scheduled_hours", "absent_hours", "break_hours", "shrinkage_hours", "productive_hours", "shrinkage_share"];
    let summary = |dir: &Path| -> Vec<BTreeMap<String, String>> {
        rows(&dir.join("summary.csv")).into_iter().filter(|r| !hours.contains(&r["metric"].as_str())).collect()
    };
    assert_eq!(summary(&on.out), summary(&off.out), "summary.csv differs");
    // The same chats, the same outcomes at the same times (agents are
    // numbered differently: the absent ones keep their numbers).
    let strip = |dir: &Path| -> Vec<BTreeMap<String, String>> {
        rows(&dir.join("chats.csv"))
            .into_iter()
            .map(|mut r| {
                r.remove("agent");
                r
            })
            .collect()
    };
    assert_eq!(strip(&on.out), strip(&off.out));
}

#[test]
fn check_prints_the_agents_expected_to_come_in() {
    let text = std::fs::read_to_string(STAFF_SMALL).unwrap();
    let work = Work::new().with("s.toml", &edited(&text, &[("agents = 10\n", "agents = 10\nabsenteeism = 0.1\n")]));
    let out = work.command().args(["check", "s.toml"]).output().unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("up to 10 agents × 2 slots; absenteeism 0.1"), "{said}");
    let header = said.lines().find(|l| l.contains("needed")).unwrap();
    assert!(header.trim_end().ends_with("present"), "{header}");
    // 10 scheduled, 10% absent: 9 expected in every interval.
    let is_interval = |l: &&str| l.trim_start().as_bytes().get(2) == Some(&b':');
    let rows: Vec<&str> = said.lines().filter(is_interval).collect();
    assert_eq!(rows.len(), 8, "{said}");
    assert!(rows.iter().all(|r| r.trim_end().ends_with("9.0")), "{said}");
    // Without absenteeism there is no such column.
    let plain = Work::new().with("s.toml", &text);
    let said =
        String::from_utf8_lossy(&plain.command().args(["check", "s.toml"]).output().unwrap().stdout).into_owned();
    assert!(!said.contains("present"), "{said}");
}

#[test]
fn staff_says_its_agents_are_scheduled_agents_when_some_stay_away() {
    let text = std::fs::read_to_string(STAFF_SMALL).unwrap();
    let away = "agents = 10\nabsenteeism = 0.1\nbreaks = [{ length = \"15m\", within = [\"1h\", \"3h\"] }]\n\
                shrinkage = { share = 0.05, spell = \"5m\" }\n";
    let work = Work::new().with("s.toml", &edited(&text, &[("agents = 10\n", away)]));
    let out =
        work.command().args(["staff", "s.toml", "--no-charts", "--replications", "4", "--out", "st"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(
            "with absenteeism, breaks or shrinkage (team: absenteeism 0.1, 1 break(s), shrinkage 0.05), \
             the simulation's agents are scheduled agents"
        ),
        "{said}"
    );
    let plain = Work::new().with("s.toml", &text);
    let out = plain
        .command()
        .args(["staff", "s.toml", "--no-charts", "--replications", "4", "--out", "st"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("absenteeism"));
}
