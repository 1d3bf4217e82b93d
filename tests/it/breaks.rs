//! Breaks (a group's `breaks` and `max_on_break`), checked from the trace:
//! no offer reaches an agent on break; each break lasts its length; staggered
//! breaks keep the number away at once under the cap; a fixed break takes
//! everyone on duty; breaks leave logged-in hours as they were and take
//! their own hours from the time agents can take chats; off, the run is
//! byte-identical.

use crate::common::{Ev, day_center, run_text};
use std::collections::BTreeMap;

/// Opening 08:00–20:00, hourly intervals, `agents` agents all day taking
/// chats of `rate`, and `extra` in the group.
fn scenario(seed: u64, rate: &str, agents: u32, extra: &str) -> String {
    let group = format!("agents = {agents}\n{extra}\n[chat]\nwrapup = \"30s\"");
    day_center("breaks", seed, 1, rate, "exponential(mean=6m)", &group)
}

/// A staggered 15-minute break in [1h, 3h] and a 30-minute meeting at 14:00.
const BOTH: &str = r#"breaks = [{ length = "15m", within = ["1h", "3h"] }, { start = "14:00", length = "30m" }]
max_on_break = 0.25"#;

/// Each replication's breaks: (agent, start, end) in trace order.
fn breaks(evs: &[Ev]) -> BTreeMap<u32, Vec<(u32, f64, f64)>> {
    let mut open: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    let mut out: BTreeMap<u32, Vec<(u32, f64, f64)>> = BTreeMap::new();
    for e in evs {
        match e.event.as_str() {
            "break_start" => {
                let before = open.insert((e.replication, e.agent.unwrap()), e.time);
                assert!(before.is_none(), "a break starts during a break: {e:?}");
            }
            "break_end" => {
                let start = open.remove(&(e.replication, e.agent.unwrap())).expect("a break ends that started");
                out.entry(e.replication).or_default().push((e.agent.unwrap(), start, e.time));
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "breaks never ended: {open:?}");
    out
}

#[test]
fn no_offer_reaches_an_agent_on_break_and_each_break_lasts_its_length() {
    let run = run_text(&scenario(7, "100/h", 8, BOTH), &["--replications", "5"]);
    let mut away: BTreeMap<(u32, u32), bool> = BTreeMap::new();
    let mut offers = 0;
    for e in &run.evs {
        let Some(agent) = e.agent else { continue };
        let on_break = away.entry((e.replication, agent)).or_default();
        match e.event.as_str() {
            "break_start" => *on_break = true,
            "break_end" => *on_break = false,
            "offer" => {
                assert!(!*on_break, "an offer to an agent on break: {e:?}");
                offers += 1;
            }
            _ => {}
        }
    }
    assert!(offers > 1000, "{offers} offers");
    let meeting = 6.0 * 3600.0; // 14:00, in seconds from the 08:00 start
    for (rep, list) in breaks(&run.evs) {
        let mut staggered = BTreeMap::<u32, u32>::new();
        let mut at_meeting = BTreeMap::<u32, u32>::new();
        for &(agent, start, end) in &list {
            let length = end - start;
            if start >= meeting {
                assert!((length - 1800.0).abs() < 1e-5, "replication {rep}: a meeting of {length} s");
                *at_meeting.entry(agent).or_default() += 1;
            } else {
                assert!((length - 900.0).abs() < 1e-5, "replication {rep}: a break of {length} s");
                *staggered.entry(agent).or_default() += 1;
            }
        }
        // One staggered break each (the fewest breaks first), and everyone at the meeting.
        assert_eq!(staggered.len(), 8, "replication {rep}: {list:?}");
        assert!(staggered.values().all(|&n| n == 1), "replication {rep}: {staggered:?}");
        assert_eq!(at_meeting.len(), 8, "replication {rep}: {at_meeting:?}");
        assert!(at_meeting.values().all(|&n| n == 1), "replication {rep}: {at_meeting:?}");
    }
}

#[test]
fn staggered_breaks_keep_the_number_away_under_the_cap() {
    // 10 agents, at most 0.3 of them away (3); twenty 10-minute breaks in a
    // one-hour window leave no slack, so breaks wait for room.
    let rules = r#"breaks = [{ length = "10m", within = ["1h", "2h"] }, { length = "10m", within = ["1h", "2h"] }]
max_on_break = 0.3"#;
    let run = run_text(&scenario(3, "150/h", 10, rules), &["--replications", "6"]);
    let mut away: BTreeMap<u32, i32> = BTreeMap::new();
    let mut most = 0;
    for e in &run.evs {
        let n = away.entry(e.replication).or_default();
        match e.event.as_str() {
            "break_start" => *n += 1,
            "break_end" => *n -= 1,
            _ => continue,
        }
        assert!(*n <= 3, "{n} away at once: {e:?}");
        most = most.max(*n);
    }
    assert_eq!(most, 3, "the cap was never reached");
    for (rep, list) in breaks(&run.evs) {
        assert_eq!(list.len(), 20, "replication {rep}: every break is taken");
        let mut per_agent = BTreeMap::<u32, u32>::new();
        for &(agent, _, _) in &list {
            *per_agent.entry(agent).or_default() += 1;
        }
        assert!(per_agent.values().all(|&n| n == 2), "replication {rep}: {per_agent:?}");
    }
}

#[test]
fn a_break_cut_by_the_shift_end_ends_with_it() {
    // The count drops from 4 to 1 at 10:00 while everyone is at a meeting:
    // the agents leaving end their meeting then; the one who stays finishes it.
    let text = scenario(5, "0.1/h", 4, r#"breaks = [{ start = "09:50", length = "30m" }]"#)
        .replace("agents = 4", "agents = [4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]");
    let run = run_text(&text, &["--replications", "1"]);
    let list = &breaks(&run.evs)[&1];
    assert_eq!(list.len(), 4, "{list:?}");
    let cut: Vec<_> = list.iter().filter(|b| (b.2 - 7200.0).abs() < 1e-6).collect();
    assert_eq!(cut.len(), 3, "{list:?}");
    assert_eq!(list.iter().filter(|b| (b.2 - b.1 - 1800.0).abs() < 1e-6).count(), 1, "{list:?}");
    for b in cut {
        let logout = run.evs.iter().find(|e| e.agent == Some(b.0) && e.event == "logout").expect("logs out");
        assert!((logout.time - 7200.0).abs() < 1e-6, "{logout:?}");
    }
}

#[test]
fn breaks_keep_logged_in_hours_and_take_their_own_from_the_time_agents_can_chat() {
    // Almost no chats: logged-in time is the schedule, and breaks start on time.
    let reps = ["--replications", "3"];
    let off = run_text(&scenario(11, "0.1/h", 8, ""), &reps);
    let on = run_text(&scenario(11, "0.1/h", 8, BOTH), &reps);
    let logged_in = |run: &crate::common::Run| -> f64 {
        let rows = crate::common::rows(&run.out.join("summary.csv"));
        let row = rows.iter().find(|r| r["scope"] == "all" && r["metric"] == "logged_in_hours").expect("metric");
        row["mean"].parse().unwrap()
    };
    assert!((logged_in(&off) - 96.0).abs() < 0.01, "{}", logged_in(&off));
    assert!((logged_in(&on) - logged_in(&off)).abs() < 1e-9, "{} vs {}", logged_in(&on), logged_in(&off));
    // 8 agents × (15 + 30) minutes away each replication.
    for (rep, list) in breaks(&on.evs) {
        let hours: f64 = list.iter().map(|b| (b.2 - b.1) / 3600.0).sum();
        assert!((hours - 6.0).abs() < 1e-6, "replication {rep}: {hours} break hours");
    }
}

#[test]
fn without_breaks_the_run_is_byte_identical() {
    let base = run_text(&scenario(5, "60/h", 6, ""), &["--replications", "3"]);
    let empty = run_text(&scenario(5, "60/h", 6, "breaks = []\nmax_on_break = 1"), &["--replications", "3"]);
    for f in ["summary.csv", "intervals.csv", "chats.csv", "events.csv", "run.toml"] {
        let (a, b) = (std::fs::read(base.out.join(f)).unwrap(), std::fs::read(empty.out.join(f)).unwrap());
        assert!(a == b, "{f} differs with an empty breaks list");
    }
}

#[test]
fn check_warns_of_breaks_that_cannot_be_kept_under_the_cap() {
    let text = scenario(
        1,
        "60/h",
        8,
        r#"breaks = [{ length = "30m", within = ["2h", "2h30m"] }, { length = "15m", within = ["13h", "14h"] }]
max_on_break = 0.25"#,
    );
    let work = crate::common::Work::new().with("s.toml", &text);
    let out = work.command().args(["check", "s.toml"]).output().unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("group g: 6 staggered break(s) find no start"), "{said}");
    assert!(said.contains("breaks[1]'s window fits in none of the day's shifts"), "{said}");
}
