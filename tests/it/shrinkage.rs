//! Unplanned shrinkage (a group's `shrinkage = { share, spell }`): each
//! agent slot's spells come from its own stream, so the share of logged-in
//! time in spells matches `share`, the same seed gives the same spells
//! whatever the chats (common random numbers), no offer reaches an agent in
//! a spell, a break wins over a spell, and off the run is byte-identical.

use crate::common::{Ev, day_center, run_text};
use std::collections::BTreeMap;

/// Opening 08:00–20:00 over `days` days, hourly intervals, `agents` agents
/// all day taking chats of `rate`, and `extra` in the group.
fn scenario(seed: u64, days: u32, rate: &str, agents: u32, extra: &str) -> String {
    day_center("shrinkage", seed, days, rate, "exponential(mean=6m)", &format!("agents = {agents}\n{extra}"))
}

/// Each (replication, agent)'s spells while on duty: (start, end), in order.
fn spells(evs: &[Ev]) -> BTreeMap<(u32, u32), Vec<(f64, f64)>> {
    let mut open: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    let mut out: BTreeMap<(u32, u32), Vec<(f64, f64)>> = BTreeMap::new();
    for e in evs {
        let Some(agent) = e.agent else { continue };
        let k = (e.replication, agent);
        match e.event.as_str() {
            "shrinkage_start" => assert!(open.insert(k, e.time).is_none(), "a spell starts in a spell: {e:?}"),
            "shrinkage_end" => {
                let start = open.remove(&k).expect("a spell ends that started");
                out.entry(k).or_default().push((start, e.time));
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "spells never ended: {open:?}");
    out
}

#[test]
fn the_share_of_logged_in_time_in_spells_is_the_share() {
    let (share, spell, agents, days, reps) = (0.1, 600.0, 8u32, 3u32, 10u32);
    let text = scenario(13, days, "0.1/h", agents, r#"shrinkage = { share = 0.1, spell = "10m" }"#);
    let run = run_text(&text, &["--replications", &reps.to_string()]);
    let in_spells: f64 = spells(&run.evs).values().flatten().map(|(s, e)| e - s).sum();
    let rows = crate::common::rows(&run.out.join("summary.csv"));
    let row = rows.iter().find(|r| r["scope"] == "all" && r["metric"] == "logged_in_hours").unwrap();
    let logged_in = row["mean"].parse::<f64>().unwrap() * 3600.0 * f64::from(reps);
    // An on-off Markov process with stationary share p and correlation time
    // τ = spell × (1 − p): the share of a long time T in spells has variance
    // 2p(1 − p)τ / T (agents are independent, so T adds up over them).
    let tau = spell * (1.0 - share);
    let sd = (2.0 * share * (1.0 - share) * tau / logged_in).sqrt();
    let measured = in_spells / logged_in;
    println!("measured {measured:.4}, expected {share} ± {:.4} (4 sd)", 4.0 * sd);
    assert!((measured - share).abs() < 4.0 * sd, "measured {measured}, expected {share} (sd {sd})");
    assert!((logged_in / f64::from(reps * days * agents) / 3600.0 - 12.0).abs() < 0.05, "{logged_in}");
}

#[test]
fn no_offer_reaches_an_agent_in_a_spell_and_a_break_wins_over_a_spell() {
    let extra = r#"shrinkage = { share = 0.2, spell = "5m" }
breaks = [{ start = "12:00", length = "30m" }, { length = "15m", within = ["1h", "4h"] }]"#;
    let run = run_text(&scenario(4, 1, "120/h", 8, extra), &["--replications", "5"]);
    let mut state: BTreeMap<(u32, u32), (bool, bool)> = BTreeMap::new();
    let mut offers = 0;
    for e in &run.evs {
        let Some(agent) = e.agent else { continue };
        let (spell, on_break) = state.entry((e.replication, agent)).or_default();
        match e.event.as_str() {
            "shrinkage_start" => {
                assert!(!*on_break, "a spell shows during a break: {e:?}");
                *spell = true;
            }
            "shrinkage_end" => *spell = false,
            "break_start" => {
                assert!(!*spell, "a break starts while a spell shows: {e:?}");
                *on_break = true;
            }
            "break_end" => *on_break = false,
            "offer" => {
                assert!(!*spell && !*on_break, "an offer to an agent away: {e:?}");
                offers += 1;
            }
            _ => {}
        }
    }
    assert!(offers > 1000, "{offers} offers");
    let n: usize = spells(&run.evs).values().map(Vec::len).sum();
    assert!(n > 100, "{n} spells");
}

#[test]
fn the_same_seed_gives_the_same_spells_whatever_the_chats() {
    let extra = r#"shrinkage = { share = 0.15, spell = "8m" }"#;
    let quiet = run_text(&scenario(21, 2, "10/h", 6, extra), &["--replications", "3"]);
    let busy = run_text(&scenario(21, 2, "150/h", 6, extra), &["--replications", "3"]);
    // Up to each day's end everyone is on duty in both runs (after it, the
    // drain lasts as long as the chats do).
    let day_end = |t: f64| t.rem_euclid(86400.0) < 12.0 * 3600.0;
    let within = |m: BTreeMap<(u32, u32), Vec<(f64, f64)>>| -> BTreeMap<(u32, u32), Vec<(f64, f64)>> {
        m.into_iter().map(|(k, v)| (k, v.into_iter().filter(|s| day_end(s.1) && s.1 > s.0).collect())).collect()
    };
    let (a, b) = (within(spells(&quiet.evs)), within(spells(&busy.evs)));
    assert_eq!(a, b);
    assert!(a.values().map(Vec::len).sum::<usize>() > 50);
}

#[test]
fn without_shrinkage_the_run_is_byte_identical() {
    let base = run_text(&scenario(5, 1, "60/h", 6, ""), &["--replications", "3"]);
    let zero =
        run_text(&scenario(5, 1, "60/h", 6, r#"shrinkage = { share = 0, spell = "10m" }"#), &["--replications", "3"]);
    for f in ["summary.csv", "intervals.csv", "chats.csv", "events.csv", "run.toml"] {
        let (a, b) = (std::fs::read(base.out.join(f)).unwrap(), std::fs::read(zero.out.join(f)).unwrap());
        assert!(a == b, "{f} differs with a share of 0");
    }
}

/// Scope all's whole-run value of `metric` in a one-replication run.
fn whole(run: &crate::common::Run, metric: &str) -> f64 {
    let rows = crate::common::rows(&run.out.join("summary.csv"));
    let row = rows.iter().find(|r| r["scope"] == "all" && r["metric"] == metric).unwrap_or_else(|| panic!("{metric}"));
    row["mean"].parse().unwrap()
}

#[test]
fn the_hours_metrics_add_up_and_agree_with_the_trace() {
    let extra = r#"absenteeism = 0.2
shrinkage = { share = 0.1, spell = "10m" }
breaks = [{ start = "12:00", length = "30m" }, { length = "15m", within = ["1h", "4h"] }]"#;
    let run = run_text(&scenario(8, 2, "0.1/h", 10, extra), &["--replications", "1"]);
    let (scheduled, absent, logged_in, overtime) = (
        whole(&run, "scheduled_hours"),
        whole(&run, "absent_hours"),
        whole(&run, "logged_in_hours"),
        whole(&run, "overtime"),
    );
    let (on_break, shrinkage) = (whole(&run, "break_hours"), whole(&run, "shrinkage_hours"));
    assert_eq!(scheduled, 240.0, "10 agents × 12 h × 2 days");
    let absent_days = run.evs.iter().filter(|e| e.event == "absent").count() as f64;
    assert!((absent - 12.0 * absent_days).abs() < 1e-6, "{absent} vs {absent_days} absent agent-days");
    assert!((logged_in - overtime - (scheduled - absent)).abs() < 1e-6, "{logged_in} {overtime} {scheduled} {absent}");
    let traced = |from: &str, to: &str| -> f64 {
        let mut open = BTreeMap::new();
        let mut total = 0.0;
        for e in &run.evs {
            if e.event == from {
                open.insert(e.agent, e.time);
            } else if e.event == to {
                total += e.time - open.remove(&e.agent).unwrap();
            }
        }
        total / 3600.0
    };
    assert!((on_break - traced("break_start", "break_end")).abs() < 1e-6, "{on_break}");
    assert!((shrinkage - traced("shrinkage_start", "shrinkage_end")).abs() < 1e-6, "{shrinkage}");
    assert!((whole(&run, "productive_hours") - (logged_in - on_break - shrinkage)).abs() < 1e-5);
    let share = (absent + on_break + shrinkage) / scheduled;
    assert!((whole(&run, "shrinkage_share") - share).abs() < 1e-6, "{share}");
    // The group's rows say the same as all's (one group), and an interval's too.
    let rows = crate::common::rows(&run.out.join("intervals.csv"));
    let noon =
        rows.iter().find(|r| r["interval"] == "12:00" && r["scope"] == "all" && r["metric"] == "break_hours").unwrap();
    assert!(noon["mean"].parse::<f64>().unwrap() > 0.0);
}

#[test]
fn without_breaks_absence_or_shrinkage_there_are_no_hours_metrics() {
    let run = run_text(&scenario(5, 1, "60/h", 6, ""), &["--replications", "2"]);
    let summary = std::fs::read_to_string(run.out.join("summary.csv")).unwrap();
    for m in
        ["scheduled_hours", "absent_hours", "break_hours", "shrinkage_hours", "productive_hours", "shrinkage_share"]
    {
        assert!(!summary.contains(m), "{m}");
    }
}

#[test]
fn check_prints_the_effective_staffing_after_breaks_and_shrinkage() {
    let text = scenario(
        1,
        1,
        "60/h",
        8,
        r#"breaks = [{ start = "09:00", length = "30m" }]
shrinkage = { share = 0.1, spell = "10m" }"#,
    )
    .replace("end = \"20:00\"", "end = \"12:00\"");
    let work = crate::common::Work::new().with("s.toml", &text);
    let out = work.command().args(["check", "s.toml"]).output().unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    let header = said.lines().find(|l| l.contains("needed")).unwrap();
    assert!(header.trim_end().ends_with("effective"), "{header}");
    // 8 on duty less 10% in spells: 7.2; at 09:00 half the hour at the meeting: 4 × 0.9.
    let effective: Vec<&str> = said
        .lines()
        .filter(|l| l.trim_start().as_bytes().get(2) == Some(&b':'))
        .map(|l| l.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(effective, ["7.2", "3.6", "7.2", "7.2"], "{said}");
    assert!(said.contains("effective = the agents expected free for chats"), "{said}");
}
