//! `p_wait` and `wait_mean_all` (docs/design.md §3): the share of offered
//! new chats that waited at all (Erlang C's P(wait)), and the mean wait of
//! answered and abandoned new chats (the ASA of Erlang calculators), checked
//! on replays worked out by hand and, on a run with every rule, against the
//! metrics they relate to.

use crate::common::*;
use std::collections::BTreeMap;

/// One agent holding one chat at a time, no accept delay, no wrap-up: a
/// chat's wait is exactly the time until the agent is free.
const ONE_AGENT: &str = r#"
name = "waits"
arrivals = "arrivals.csv"

[simulation]
start = "08:00"
end = "09:00"
replications = 1

[chat]
max_concurrent = 1

[[reasons]]
name = "a"
skill = "s"
handle = "const(100s)"

[[groups]]
name = "g"
skills = ["s"]
agents = 1
"#;

#[test]
fn a_queue_worked_out_by_hand_gives_p_wait_and_the_mean_wait_of_all() {
    // At 0 the agent takes chat 1 at once (wait 0) until 100; chat 2 (at 10)
    // waits 90 s for it; chat 3 (at 20, patience 50 s) abandons at 70.
    let run = replay(ONE_AGENT, "time,reason,patience\n0,a,\n10,a,\n20,a,50\n");
    let mut segs: Vec<_> = run.segs.iter().map(|s| (s.chat, s.wait)).collect();
    segs.sort_by_key(|s| s.0);
    let waits: Vec<f64> = segs.into_iter().map(|s| s.1).collect();
    assert_eq!(waits, [0.0, 90.0, 50.0], "{}", run.dump());
    let got = |m: &str| run.summary_all(m).unwrap_or_else(|| panic!("{m} undefined"));
    assert_eq!((got("answered"), got("abandoned")), (2.0, 1.0));
    // Two of three waited at all; answered only: (0 + 90) / 2; all: (0 + 90 + 50) / 3.
    assert_close(got("p_wait"), 2.0 / 3.0, "p_wait");
    assert_close(got("asa"), 45.0, "asa");
    assert_close(got("wait_mean_all"), 140.0 / 3.0, "wait_mean_all");
    assert_close(got("abandon_wait_mean"), 50.0, "abandon_wait_mean");
}

#[test]
fn chats_that_find_the_agent_free_never_wait() {
    let run = replay(ONE_AGENT, "time,reason\n0,a\n100,a\n250,a\n");
    assert!(run.segs.iter().all(|s| s.wait == 0.0 && s.answered()), "{}", run.dump());
    assert_eq!(run.summary_all("p_wait"), Some(0.0));
    assert_eq!(run.summary_all("wait_mean_all"), Some(0.0));
}

#[test]
fn every_chat_that_arrives_while_the_agent_is_busy_waits() {
    // Four chats at once: the first is answered at once, the others wait 100, 200 and 300 s.
    let run = replay(ONE_AGENT, "time,reason\n5,a\n5,a\n5,a\n5,a\n");
    assert_close(run.summary_all("p_wait").unwrap(), 0.75, "p_wait");
    assert_close(run.summary_all("wait_mean_all").unwrap(), 150.0, "wait_mean_all");
    assert_close(run.summary_all("asa").unwrap(), 150.0, "asa (nobody abandons: the same)");
}

/// Within 1e-9 relative (the values are ratios of sums of the same waits).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn wait_mean_all_is_the_answered_and_abandoned_means_weighted_by_their_counts() {
    // Every rule of the procedure, abandonment, retrials and misrouting: each
    // replication's value of each interval and scope, at full precision.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_to(root("scenarios/retail-weekday-realistic.toml"), &out, &["--replications", "3"]);
    let mut cells: BTreeMap<[String; 5], BTreeMap<String, Option<f64>>> = BTreeMap::new();
    for row in rows(&out.join("replications.csv")) {
        let key = ["replication", "day", "interval", "scope", "key"].map(|c| row[c].clone());
        cells.entry(key).or_default().insert(row["metric"].clone(), row["value"].parse().ok());
    }
    let (mut checked, mut with_abandons, mut waited_some) = (0, 0, 0);
    for (key, m) in &cells {
        let Some(&Some(offered)) = m.get("offered") else { continue };
        let v = |name: &str| m[name];
        let (answered, abandoned) = (v("answered").unwrap(), v("abandoned").unwrap());
        // Defined exactly when something is offered, answered or abandoned.
        assert_eq!(v("p_wait").is_some(), offered > 0.0, "{key:?}");
        assert_eq!(v("wait_mean_all").is_some(), answered + abandoned > 0.0, "{key:?}");
        if let Some(p) = v("p_wait") {
            // A count of chats over offered.
            let waited = p * offered;
            assert!((waited - waited.round()).abs() < 1e-6 && (0.0..=1.0).contains(&p), "{key:?}: {p}");
            // Every abandoned chat here waited (patience is never 0).
            assert!(waited.round() >= abandoned, "{key:?}: {waited} waited, {abandoned} abandoned");
            waited_some += (p > 0.0) as u32;
        }
        let Some(all) = v("wait_mean_all") else { continue };
        let answered_part = v("asa").map_or(0.0, |asa| asa * answered);
        let abandoned_part = v("abandon_wait_mean").map_or(0.0, |w| w * abandoned);
        assert!(
            same(all * (answered + abandoned), answered_part + abandoned_part),
            "{key:?}: wait_mean_all {all} × {} ≠ asa × {answered} + abandon_wait_mean × {abandoned}",
            answered + abandoned
        );
        checked += 1;
        with_abandons += (abandoned > 0.0 && answered > 0.0) as u32;
    }
    assert!(checked > 100 && with_abandons > 50 && waited_some > 50, "{checked} {with_abandons} {waited_some}");
}

#[test]
fn a_chat_offered_at_once_did_not_wait_though_its_accept_delay_counts_in_its_wait() {
    // The agent is free at 10, 200 and 400: each chat is offered at once and
    // accepted 5 s later, a wait of 5 s spent on the offer, not in the queue.
    let text = edited(ONE_AGENT, &[("max_concurrent = 1\n", "max_concurrent = 1\naccept = \"const(5s)\"\n")]);
    let run = replay(&text, "time,reason\n10,a\n200,a\n400,a\n");
    assert!(run.segs.iter().all(|s| (s.wait - 5.0).abs() < 1e-9 && s.answered()), "{}", run.dump());
    assert_eq!(run.summary_all("p_wait"), Some(0.0));
    assert_close(run.summary_all("wait_mean_all").unwrap(), 5.0, "wait_mean_all");
}
