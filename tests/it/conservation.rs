//! Conservation laws that hold for any scenario: every segment that enters a
//! queue leaves it exactly once (answered, abandoned or unserved), every
//! answered segment ends once and is wrapped up once, and the summary's
//! counts and shares agree. Checked on every bundled scenario and on a few
//! small random cases with every rule switched on.

use crate::common::*;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

const KINDS: [&str; 3] = ["new", "transfer_in", "followup"];
const ANSWERED: [&str; 4] = ["resolved", "auth_failed", "inactive_disconnect", "transferred"];

/// The per-kind counts of chats.csv rows.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Counts {
    offered: usize,
    answered: usize,
    abandoned: usize,
    unserved: usize,
}

fn check_trace(name: &str, run: &Run) {
    assert!(!run.segs.is_empty(), "{name}: no chats at all");

    // Per kind: offered = answered + abandoned + unserved, with the answered
    // ones (and only those) carrying an acceptance, an agent and a group.
    let mut by_kind: BTreeMap<&str, Counts> = BTreeMap::new();
    for s in &run.segs {
        assert!(KINDS.contains(&s.kind.as_str()), "{name}: unknown kind {s:?}");
        let c = by_kind.entry(KINDS.iter().find(|k| **k == s.kind).unwrap()).or_default();
        c.offered += 1;
        match s.outcome.as_str() {
            o if ANSWERED.contains(&o) => {
                c.answered += 1;
                assert!(s.accepted.is_some() && s.agent.is_some() && s.group.is_some(), "{name}: {s:?}");
                let accepted = s.accepted.unwrap();
                assert!(accepted >= s.arrival - EPS && s.ended >= accepted - EPS, "{name}: times out of order {s:?}");
                assert!((s.wait - (accepted - s.arrival)).abs() <= EPS, "{name}: wait {s:?}");
                assert!((s.chat_time - (s.ended - accepted)).abs() <= EPS, "{name}: chat_time {s:?}");
            }
            "abandoned" | "unserved" => {
                if s.outcome == "abandoned" {
                    c.abandoned += 1;
                } else {
                    c.unserved += 1;
                }
                assert!(s.accepted.is_none() && s.agent.is_none() && s.group.is_none(), "{name}: {s:?}");
                assert!((s.wait - (s.ended - s.arrival)).abs() <= EPS, "{name}: wait {s:?}");
            }
            o => panic!("{name}: unknown outcome {o}"),
        }
        if s.kind == "followup" {
            assert_ne!(s.outcome, "abandoned", "{name}: a follow-up abandoned {s:?}");
        }
    }
    for (kind, c) in &by_kind {
        assert_eq!(c.offered, c.answered + c.abandoned + c.unserved, "{name}: {kind} {c:?}");
        let accepted = run.segs.iter().filter(|s| s.kind == *kind && s.accepted.is_some()).count();
        assert_eq!(accepted, c.answered, "{name}: {kind} answered rows vs accepted");
    }

    // The trace: per segment, one queue event, and then one way out.
    let mut evs: HashMap<(u32, u64, u8), Vec<&Ev>> = HashMap::new();
    for e in &run.evs {
        if let (Some(chat), Some(seg)) = (e.chat, e.segment) {
            evs.entry((e.replication, chat, seg)).or_default().push(e);
        }
    }
    assert_eq!(evs.len(), run.segs.len(), "{name}: segments in events.csv vs rows in chats.csv");
    let mut rows = HashMap::new();
    for s in &run.segs {
        assert!(rows.insert(s.key(), s).is_none(), "{name}: two rows for {:?}", s.key());
        let list = evs.get(&s.key()).unwrap_or_else(|| panic!("{name}: no events for {s:?}"));
        let count = |n: &str| list.iter().filter(|e| e.event == n).count();
        assert_eq!(count("queue"), 1, "{name}: queue events of {s:?}");
        let queue = list.iter().find(|e| e.event == "queue").unwrap();
        // A misrouted chat's transfer to its right skill queues when triage
        // ends, but its arrival (and wait) runs from the first arrival.
        let misrouted = (s.segment > 0)
            .then(|| evs.get(&(s.replication, s.chat, s.segment - 1)))
            .flatten()
            .and_then(|before| before.iter().find(|e| e.event == "misrouted"));
        match misrouted {
            Some(triaged) => {
                let first = run.segs.iter().find(|f| (f.replication, f.chat, f.segment) == (s.replication, s.chat, 0));
                assert!((first.unwrap().arrival - s.arrival).abs() <= EPS, "{name}: misrouted arrival {s:?}");
                assert!((queue.time - triaged.time).abs() <= EPS, "{name}: misrouted queue event {s:?}");
            }
            None => assert!((queue.time - s.arrival).abs() <= EPS, "{name}: queue event vs arrival {s:?}"),
        }
        let ends: Vec<_> = list.iter().filter(|e| SEGMENT_ENDS.contains(&e.event.as_str())).collect();
        if s.answered() {
            assert_eq!(ends.len(), 1, "{name}: segment-end events of {s:?}: {list:?}");
            assert_eq!(ends[0].event, s.outcome, "{name}: end event vs outcome");
            assert!((ends[0].time - s.ended).abs() <= EPS, "{name}: end event time {s:?}");
            assert_eq!(ends[0].agent, s.agent, "{name}: end event agent {s:?}");
            let wraps: Vec<_> = list.iter().filter(|e| e.event == "wrapup_end").collect();
            assert_eq!(wraps.len(), 1, "{name}: wrapup_end events of {s:?}: {list:?}");
            assert_eq!(wraps[0].agent, s.agent);
            assert!((wraps[0].time - (s.ended + s.wrapup)).abs() <= EPS, "{name}: wrap-up end {s:?} {:?}", wraps[0]);
            assert_eq!(count("accept"), 1, "{name}: accept events of {s:?}");
            assert_eq!(count("abandon") + count("unserved"), 0, "{name}: {s:?} {list:?}");
        } else {
            assert!(ends.is_empty() && count("wrapup_end") == 0 && count("accept") == 0, "{name}: {list:?}");
            assert_eq!(count(&s.outcome.replace("abandoned", "abandon")), 1, "{name}: way out of {s:?}");
            assert_eq!(count("abandon") + count("unserved"), 1, "{name}: {s:?} {list:?}");
        }
    }

    // Every slot taken is given back; logins and logouts pair up.
    for ((rep, agent), series) in busy_slots(&run.evs) {
        assert_eq!(series.last().unwrap().1, 0, "{name}: agent {agent} (replication {rep}) ends busy");
    }
    let mut logged: HashMap<(u32, u32), i32> = HashMap::new();
    for e in &run.evs {
        let d = match e.event.as_str() {
            "login" => 1,
            "logout" => -1,
            _ => continue,
        };
        let l = logged.entry((e.replication, e.agent.expect("login/logout names an agent"))).or_default();
        *l += d;
        assert!((0..=1).contains(l), "{name}: login/logout out of order at {e:?}");
    }
    assert!(logged.values().all(|&l| l == 0), "{name}: an agent never logged out");
}

fn check_summary(name: &str, run: &Run, replications: u32) {
    let summary = run.summary();
    assert!(!summary.is_empty());
    for r in &summary {
        let m = r.metric.as_str();
        let share = m.ends_with("_rate")
            || m.ends_with("service_level")
            || m.ends_with("occupancy")
            || m.ends_with("utilisation")
            || m.starts_with("concurrency_");
        if let (true, Some(v)) = (share, r.mean) {
            assert!((0.0..=1.0).contains(&v), "{name}: {} {} {m} = {v} outside [0, 1]", r.scope, r.key);
        }
        if let (Some(lo), Some(hi), Some(v)) = (r.ci95_low, r.ci95_high, r.mean) {
            assert!(lo <= v + 1e-9 && v <= hi + 1e-9, "{name}: {r:?}");
        }
        assert!(r.replications <= replications, "{name}: {r:?}");
    }
    let get = |scope: &str, key: &str, metric: &str| {
        summary.iter().find(|r| r.scope == scope && r.key == key && r.metric == metric).and_then(|r| r.mean)
    };
    // offered = answered + abandoned + unserved in every scope with queue counts.
    let mut checked = 0;
    for r in summary.iter().filter(|r| r.metric == "offered") {
        for prefix in ["", "transfer_in_", "followup_"] {
            let m = |what: &str| {
                get(&r.scope, &r.key, &format!("{prefix}{what}"))
                    .unwrap_or_else(|| panic!("{name}: no {prefix}{what} in {} {}", r.scope, r.key))
            };
            let (o, a, ab, u) = (m("offered"), m("answered"), m("abandoned"), m("unserved"));
            assert!(
                (o - (a + ab + u)).abs() <= 1e-6 * o.max(1.0),
                "{name}: {} {}: {prefix}offered {o} != answered {a} + abandoned {ab} + unserved {u}",
                r.scope,
                r.key
            );
            checked += 1;
        }
    }
    assert!(checked >= 3, "{name}: scope all lacks offered");

    // The summary counts the trace's counted rows, averaged over replications.
    for (prefix, kind) in [("", "new"), ("transfer_in_", "transfer_in"), ("followup_", "followup")] {
        let rows = run.segs.iter().filter(|s| s.kind == kind && s.counted == 1);
        let n = rows.clone().count() as f64 / replications as f64;
        let answered = rows.filter(|s| s.answered()).count() as f64 / replications as f64;
        let offered = get("all", "all", &format!("{prefix}offered")).unwrap();
        assert!((offered - n).abs() <= 1e-6, "{name}: summary {prefix}offered {offered} vs chats.csv {n}");
        let ans = get("all", "all", &format!("{prefix}answered")).unwrap();
        assert!((ans - answered).abs() <= 1e-6, "{name}: summary {prefix}answered {ans} vs chats.csv {answered}");
    }
}

/// Each group's cap and whether wrap-ups block the whole agent, read from the
/// scenario text (DESIGN.md §1.1 defaults: cap 2, "agent").
fn group_rules(scenario: &str) -> HashMap<String, (i64, bool)> {
    let doc: toml::Table = toml::from_str(scenario).expect("scenario parses");
    let chat = doc.get("chat").and_then(|c| c.as_table());
    let cap = |t: Option<&toml::Table>| t.and_then(|t| t.get("max_concurrent")).and_then(|v| v.as_integer());
    let blocks =
        |t: Option<&toml::Table>| t.and_then(|t| t.get("wrapup_blocks")).and_then(|v| v.as_str()).map(|s| s == "agent");
    let mut out = HashMap::new();
    for g in doc["groups"].as_array().expect("[[groups]]") {
        let g = g.as_table();
        let name = g.unwrap()["name"].as_str().unwrap().to_string();
        let c = cap(g).or(cap(chat)).unwrap_or(2);
        let b = blocks(g).or(blocks(chat)).unwrap_or(true);
        out.insert(name, (c, b));
    }
    out
}

/// No agent exceeds its group's cap (offers, work, silence and wrap-ups all
/// hold a slot), and with `wrapup_blocks = "agent"` no offer reaches an agent
/// between a segment end and that segment's wrap-up end.
fn check_agents(name: &str, run: &Run, rules: &HashMap<String, (i64, bool)>) {
    let mut group_of: HashMap<(u32, u32), &str> = HashMap::new();
    for s in run.segs.iter().filter(|s| s.answered()) {
        group_of.insert((s.replication, s.agent.unwrap()), s.group.as_deref().unwrap());
    }
    let mut reached = 0;
    for (key, series) in busy_slots(&run.evs) {
        let Some(group) = group_of.get(&key) else { continue };
        let (cap, _) = rules[*group];
        let max = series.iter().map(|&(_, b)| b).max().unwrap();
        assert!(max <= cap, "{name}: agent {key:?} of {group} held {max} slots, cap {cap}");
        reached += (max == cap) as usize;
    }
    assert!(reached > 0, "{name}: no agent ever reached its cap");

    let mut pending: HashMap<(u32, u32), usize> = HashMap::new();
    for e in &run.evs {
        let Some(a) = e.agent else { continue };
        let key = (e.replication, a);
        let blocks = group_of.get(&key).is_some_and(|g| rules[*g].1);
        match e.event.as_str() {
            ev if SEGMENT_ENDS.contains(&ev) => *pending.entry(key).or_default() += 1,
            "wrapup_end" => *pending.get_mut(&key).expect("wrap-up without a segment end") -= 1,
            "offer" if blocks => {
                let p = pending.get(&key).copied().unwrap_or(0);
                assert_eq!(p, 0, "{name}: offer to agent {key:?} with {p} dispositions pending at {e:?}");
            }
            _ => {}
        }
    }
}

fn check(name: &str, scenario: &str, run: &Run, replications: u32) {
    check_trace(name, run);
    check_agents(name, run, &group_rules(scenario));
    check_summary(name, run, replications);
}

#[test]
fn every_bundled_scenario_conserves_its_chats() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    for file in &files {
        let work = tempfile::tempdir().unwrap();
        let run = run_traced(file, work.path(), &["--replications", "2"]);
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(
            run.segs.iter().any(|s| s.replication == 2),
            "{name}: replication 2, the second, missing from the trace"
        );
        check(&name, &std::fs::read_to_string(file).unwrap(), &run, 2);
    }
}

/// A small center with every rule on, under some pressure: two groups on
/// shifts that do not cover the whole day, refusals, impatient customers,
/// silences, transfers, commitments, failed authentications.
fn random_case(rate: &str, cap: u32, blocks: &str, days: u32) -> String {
    format!(
        r#"
name = "random"

[simulation]
start = "08:00"
end = "11:00"
days = {days}
interval = "30m"
replications = 3

[chat]
max_concurrent = {cap}
speed = [1.0, 0.8, 0.6]
accept = "uniform(min=1s, max=10s)"
refuse = 0.15
inactivity_timeout = "90s"
wrapup = "exponential(mean=30s)"
wrapup_blocks = "{blocks}"

[[reasons]]
name = "billing"
skill = "billing"
rate = "{rate}"
handle = "lognormal(mean=4m, sd=2m)"
auth = "uniform(min=10s, max=40s)"
auth_fail = 0.05
patience = "exponential(mean=3m)"
nonresponsive = {{ p = 0.2, returns = 0.5 }}
transfer = {{ p = 0.2, to = "tech" }}
commitment = {{ p = 0.3, after = "40m", skill = "billing" }}

[[reasons]]
name = "tech"
skill = "tech"
rate = "10/h"
handle = "exponential(mean=6m)"
patience = "never"
commitment = {{ p = 0.2, after = "2h", skill = "tech", handle = "2m" }}

[[groups]]
name = "front"
skills = ["billing"]
shifts = [{{ start = "08:00", end = "10:00", agents = 2 }}, {{ start = "09:00", end = "11:00", agents = 2 }}]

[[groups]]
name = "back"
skills = ["tech", "billing"]
max_concurrent = 1
refuse = 0.3
shifts = [{{ start = "08:30", end = "10:30", agents = 1 }}]
"#
    )
}

#[test]
fn small_random_centers_conserve_their_chats() {
    let cases = [
        ("40/h", 2, "agent", 1, "1"),
        ("80/h", 3, "slot", 1, "2"),
        ("25/h", 1, "agent", 2, "3"),
        ("60/h", 2, "slot", 2, "4"),
    ];
    for (rate, cap, blocks, days, seed) in cases {
        let scenario = random_case(rate, cap, blocks, days);
        let run = run_text(&scenario, &["--seed", seed]);
        let name = format!("random(rate {rate}, cap {cap}, {blocks}, {days} days, seed {seed})");
        let kinds = |k: &str| run.segs.iter().filter(|s| s.kind == k).count();
        assert!(kinds("transfer_in") > 0 && kinds("followup") > 0, "{name}: a kind never happened");
        let outcomes = |o: &str| run.segs.iter().filter(|s| s.outcome == o).count();
        for o in ["abandoned", "unserved", "inactive_disconnect", "auth_failed", "transferred"] {
            assert!(outcomes(o) > 0, "{name}: no {o} segment: the case is too tame");
        }
        check(&name, &scenario, &run, 3);
    }
}
