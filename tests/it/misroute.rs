//! Misrouted chats (a reason's `misroute = { p, to, triage }`): a share p of
//! the reason's customers pick reason `to` instead; such a chat queues for
//! the wrong skill, is recognised after authentication and `triage` of work
//! (traced `misrouted`), and is transferred once to its right skill with the
//! customer's own handle, its wait counted from its first arrival; one that
//! gives up in the wrong queue is never triaged; p = 0 is byte-identical to
//! no key; a misroute to itself or to an unknown reason is refused.

use crate::common::{EPS, Seg, Work, run_text};
use std::collections::BTreeMap;

/// z of a two-sided 99.9% normal interval.
const Z: f64 = 3.29;

/// 08:00–12:00: billing (60/h, 20 s of authentication) misroutes to orders
/// (30/h) with `misroute`; one chat per agent at speed 1; `patience` for both.
fn scenario(seed: u64, misroute: &str, patience: &str, orders_agents: u32) -> String {
    format!(
        r#"
name = "misroute"
[simulation]
start = "08:00"
end = "12:00"
interval = "60m"
seed = {seed}
[[reasons]]
name = "billing"
skill = "billing"
rate = "60/h"
handle = "exponential(mean=5m)"
auth = "const(20s)"
patience = "{patience}"
{misroute}
[[reasons]]
name = "orders"
skill = "orders"
rate = "30/h"
handle = "exponential(mean=5m)"
patience = "{patience}"
[[groups]]
name = "b"
skills = ["billing"]
agents = 8
max_concurrent = 1
[[groups]]
name = "o"
skills = ["orders"]
agents = {orders_agents}
max_concurrent = 1
"#
    )
}

const MISROUTE: &str = r#"misroute = { p = 0.2, to = "orders", triage = "const(1m)" }"#;

#[test]
fn a_share_p_misroutes_and_each_is_triaged_then_transferred_once_to_its_skill() {
    let reps = 20;
    let run = run_text(&scenario(3, MISROUTE, "never", 8), &["--replications", &reps.to_string()]);
    let mut chats: BTreeMap<(u32, u64), Vec<&Seg>> = BTreeMap::new();
    for s in &run.segs {
        chats.entry((s.replication, s.chat)).or_default().push(s);
    }
    let billing: Vec<&Vec<&Seg>> = chats.values().filter(|c| c[0].reason == "billing").collect();
    let misrouted: Vec<&&Vec<&Seg>> = billing.iter().filter(|c| c[0].skill == "orders").collect();
    let (n, p) = (billing.len() as f64, 0.2);
    let share = misrouted.len() as f64 / n;
    let half = Z * (p * (1.0 - p) / n).sqrt();
    println!("{} of {n} billing customers misrouted: {share:.4}, p = {p} ± {half:.4}", misrouted.len());
    assert!((share - p).abs() < half, "share {share}");
    let events = |s: &Seg| -> Vec<crate::common::Ev> {
        run.evs.iter().filter(|e| e.replication == s.replication && e.is(s.chat, s.segment)).cloned().collect()
    };
    for c in &misrouted {
        assert_eq!(c.len(), 2, "{c:?}");
        let (wrong, right) = (c[0], c[1]);
        assert_eq!(
            (wrong.kind.as_str(), wrong.outcome.as_str(), wrong.group.as_deref()),
            ("new", "transferred", Some("o"))
        );
        assert_eq!(
            (right.kind.as_str(), right.reason.as_str(), right.skill.as_str()),
            ("transfer_in", "billing", "billing")
        );
        // Recognised after authentication (20 s) and triage (60 s) of work at speed 1.
        let accepted = wrong.accepted.unwrap();
        let seen: Vec<f64> = events(wrong).into_iter().filter(|e| e.event == "misrouted").map(|e| e.time).collect();
        assert_eq!(seen.len(), 1, "{c:?}");
        assert!((seen[0] - accepted - 80.0).abs() < EPS, "triaged {} s after acceptance", seen[0] - accepted);
        assert!((wrong.ended - seen[0]).abs() < EPS && (wrong.auth - 20.0).abs() < EPS);
        // The right segment queues then, and its wait runs from the first arrival.
        let queued = events(right).into_iter().find(|e| e.event == "queue").unwrap().time;
        assert!((queued - seen[0]).abs() < EPS, "{c:?}");
        assert_eq!(right.arrival, wrong.arrival);
        assert!((right.wait - (right.accepted.unwrap() - wrong.arrival)).abs() < EPS, "{c:?}");
        assert_eq!(right.auth, 0.0);
    }
    // Everyone else has one segment; the transfer count is the misrouted count.
    assert!(chats.values().filter(|c| c[0].skill == c[0].reason).all(|c| c.len() == 1));
    let total = |m: &str| (run.summary_all(m).unwrap() * reps as f64).round();
    assert_eq!(total("misrouted"), misrouted.iter().filter(|c| c[0].counted == 1).count() as f64);
    assert_eq!(total("transfer_in_offered"), total("misrouted"));
    assert_eq!(run.events_named("misrouted").len(), misrouted.len());
}

#[test]
fn the_right_segment_is_the_customers_own_conversation() {
    // Common random numbers: the customer's draws are those of the run
    // without misrouting; its handle goes to the right segment.
    let plain = run_text(&scenario(4, "", "never", 8), &["--replications", "1"]);
    let run = run_text(&scenario(4, MISROUTE, "never", 8), &["--replications", "1"]);
    let mut checked = 0;
    for s in run.segs.iter().filter(|s| s.kind == "transfer_in") {
        let own = plain.seg(s.chat, 0);
        let handle = |path: &std::path::Path, chat: u64, segment: u8| -> String {
            crate::common::rows(&path.join("chats.csv"))
                .into_iter()
                .find(|r| r["chat"] == chat.to_string() && r["segment"] == segment.to_string())
                .unwrap()["handle"]
                .clone()
        };
        assert_eq!(handle(&run.out, s.chat, 1), handle(&plain.out, own.chat, 0));
        checked += 1;
    }
    assert!(checked > 5, "{checked}");
}

#[test]
fn a_misrouted_chat_that_gives_up_in_the_wrong_queue_is_abandoned_untriaged() {
    let run = run_text(&scenario(5, MISROUTE, "exponential(mean=1m)", 1), &["--replications", "2"]);
    let abandoned: Vec<&Seg> =
        run.segs.iter().filter(|s| s.reason == "billing" && s.skill == "orders" && s.outcome == "abandoned").collect();
    assert!(abandoned.len() > 5, "{}", abandoned.len());
    for s in abandoned {
        let later = run.segs.iter().filter(|o| o.replication == s.replication && o.chat == s.chat).count();
        assert_eq!(later, 1, "{s:?}");
        assert!(
            !run.evs.iter().any(|e| e.replication == s.replication && e.chat == Some(s.chat) && e.event == "misrouted")
        );
    }
}

#[test]
fn p_zero_is_byte_identical_to_no_key() {
    let base = run_text(&scenario(6, "", "exponential(mean=3m)", 3), &["--replications", "2"]);
    let zero = run_text(
        &scenario(6, r#"misroute = { p = 0, to = "orders", triage = "1m" }"#, "exponential(mean=3m)", 3),
        &["--replications", "2"],
    );
    for f in ["summary.csv", "intervals.csv", "replications.csv", "chats.csv", "events.csv", "run.toml"] {
        let (a, b) = (std::fs::read(base.out.join(f)).unwrap(), std::fs::read(zero.out.join(f)).unwrap());
        assert!(a == b, "{f} differs with misroute.p = 0");
    }
    assert!(base.summary().iter().all(|r| r.metric != "misrouted"));
}

#[test]
fn a_misroute_to_itself_or_to_an_unknown_reason_is_refused() {
    for (to, says) in [
        ("billing", &["\"billing\" is this reason itself", "orders"][..]),
        ("order", &["unknown reason \"order\"", "expected another reason: orders"][..]),
    ] {
        let text = scenario(1, &format!(r#"misroute = {{ p = 0.1, to = "{to}", triage = "1m" }}"#), "never", 2);
        let work = Work::new().with("s.toml", &text);
        work.refused_naming(&["run", "s.toml"], 2, "reasons.billing.misroute.to", says);
    }
    let text = scenario(1, r#"misroute = { p = 1, to = "orders", triage = "1m" }"#, "never", 2);
    let work = Work::new().with("s.toml", &text);
    work.refused_naming(&["run", "s.toml"], 2, "reasons.billing.misroute.p", &["from 0 to below 1", "got 1"]);
}

#[test]
fn check_names_each_reasons_misrouting_and_retrials() {
    let text = scenario(1, MISROUTE, "never", 2).replacen(
        MISROUTE,
        &format!("{MISROUTE}\nretry = {{ p = 0.3, after = \"exponential(mean=10m)\" }}"),
        1,
    );
    let work = Work::new().with("s.toml", &text);
    let out = work.command().args(["check", "s.toml"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(
            "reason billing      0.3 of those who give up try again after exponential(mean=10m); \
             0.2 pick orders instead (triage 1m)"
        ),
        "{said}"
    );
    let plain = Work::new().with("s.toml", &scenario(1, "", "never", 2));
    let said =
        String::from_utf8_lossy(&plain.command().args(["check", "s.toml"]).output().unwrap().stdout).into_owned();
    assert!(!said.contains("try again") && !said.contains("instead"), "{said}");
}
