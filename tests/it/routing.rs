//! Routing (DESIGN.md §2.2–2.3): one test per `agent_select` and
//! `queue_select` policy, each on a small replayed case whose assignments are
//! worked out by hand, read back from `events.csv` (offers, logins) and
//! `chats.csv` (agent, group). Every test also runs the other policies of the
//! same kind on the same case and checks they assign differently, so a policy
//! that silently fell back to another could not pass.
//!
//! All cases use `accept = 0s`, no refusals, no wrap-up, no auth and speed 1
//! at every concurrency, so a chat's slot is busy exactly from its arrival
//! (or the moment its agent frees) for its replayed `handle` seconds.

use crate::common::*;

/// A one-hour replay day, 08:00–09:00 (times 0–3600), with the given routing
/// policies, followed by `body` (`[[reasons]]` and `[[groups]]` tables).
fn scenario(agent_select: &str, queue_select: &str, max_concurrent: u32, body: &str) -> String {
    format!(
        "name = \"routing\"\narrivals = \"arrivals.csv\"\n\n[simulation]\nstart = \"08:00\"\nend = \"09:00\"\n\
         replications = 1\n\n[chat]\nmax_concurrent = {max_concurrent}\nspeed = [1.0, 1.0]\n\n\
         [routing]\nagent_select = \"{agent_select}\"\nqueue_select = \"{queue_select}\"\n\n{body}"
    )
}

/// `(chat, segment, agent)` of every `offer`, in event order.
fn offers(run: &Run) -> Vec<(u64, u8, u32)> {
    run.events_named("offer")
        .into_iter()
        .map(|e| {
            (
                e.chat.expect("offer names a chat"),
                e.segment.expect("offer names a segment"),
                e.agent.expect("offer names an agent"),
            )
        })
        .collect()
}

/// `(time, agent)` of every `login`, in event order.
fn logins(run: &Run) -> Vec<(f64, u32)> {
    run.events_named("login").into_iter().map(|e| (e.time, e.agent.expect("login names an agent"))).collect()
}

/// Checks that with no refusals every offer was accepted by its agent, and
/// that `chats.csv` agrees with `events.csv` on who took each segment.
fn check_offers_were_taken(run: &Run) {
    assert!(run.events_named("refuse").is_empty(), "no refusals expected\n{}", run.dump());
    for (chat, segment, agent) in offers(run) {
        let s = run.seg(chat, segment);
        assert_eq!(s.agent, Some(agent), "chats.csv agent of chat {chat}/{segment}\n{}", run.dump());
        assert_eq!(run.event(chat, segment, "accept").agent, Some(agent), "accept of chat {chat}/{segment}");
    }
}

// ---- agent_select ----

const AGENT_POLICIES: [&str; 3] = ["least_busy", "longest_idle", "fill_first"];

/// The "pool" case: one group of three agents (0, 1, 2, all logged in at 0),
/// cap 2, and four chats (ids in arrival order):
///
/// | chat | arrives | handle |
/// |------|---------|--------|
/// | 0    | 10      | 100    |
/// | 1    | 20      | 10     |
/// | 2    | 40      | 1000   |
/// | 3    | 50      | 1000   |
///
/// Each chat is offered on arrival (somebody always has a free slot). The
/// agent of chat 1 frees its slot at 30, so its idle-since becomes 30.
fn pool_case(agent_select: &str) -> Run {
    let sc = scenario(
        agent_select,
        "priority",
        2,
        r#"
[[reasons]]
name = "a"
skill = "s"
handle = "1000s"

[[groups]]
name = "pool"
skills = ["s"]
agents = 3
"#,
    );
    let run = replay(&sc, "time,reason,handle\n10,a,100\n20,a,10\n40,a,1000\n50,a,1000\n");
    assert_eq!(logins(&run), vec![(0.0, 0), (0.0, 1), (0.0, 2)], "agents 0, 1, 2 log in at the start\n{}", run.dump());
    check_offers_were_taken(&run);
    for s in &run.segs {
        assert_eq!(s.group.as_deref(), Some("pool"));
    }
    run
}

/// The agent that took each chat of the pool case, by chat id.
fn pool_assignment(agent_select: &str) -> Vec<u32> {
    let run = pool_case(agent_select);
    let offers = offers(&run);
    assert_eq!(offers.len(), 4, "one offer per chat\n{}", run.dump());
    for (i, (chat, segment, _)) in offers.iter().enumerate() {
        assert_eq!((*chat, *segment), (i as u64, 0), "chats are offered in arrival order, on arrival\n{}", run.dump());
        assert_close(run.event(*chat, 0, "offer").time, run.seg(*chat, 0).arrival, "offer on arrival");
    }
    offers.into_iter().map(|o| o.2).collect()
}

/// The "shifts" case: three groups serving the same skill, in file order
/// `late` (agent 0, logs in at 300), `early` (agent 1, logs in at 0) and
/// `third` (agent 2, logs in at 300); cap 2; chat 0 arrives at 600, chat 1 at
/// 610, each with 100 s of work.
fn shifts_assignment(agent_select: &str) -> Vec<u32> {
    let sc = scenario(
        agent_select,
        "priority",
        2,
        r#"
[[reasons]]
name = "a"
skill = "s"
handle = "100s"

[[groups]]
name = "late"
skills = ["s"]
shifts = [{ start = "08:05", end = "09:00", agents = 1 }]

[[groups]]
name = "early"
skills = ["s"]
agents = 1

[[groups]]
name = "third"
skills = ["s"]
shifts = [{ start = "08:05", end = "09:00", agents = 1 }]
"#,
    );
    let run = replay(&sc, "time,reason\n600,a\n610,a\n");
    assert_eq!(
        logins(&run),
        vec![(0.0, 1), (300.0, 0), (300.0, 2)],
        "agents are numbered in group order (late = 0, early = 1, third = 2)\n{}",
        run.dump()
    );
    check_offers_were_taken(&run);
    let groups = ["late", "early", "third"];
    for s in &run.segs {
        assert_eq!(s.group.as_deref(), Some(groups[s.agent.unwrap() as usize]), "group of agent {:?}", s.agent);
    }
    let offers = offers(&run);
    assert_eq!(offers.iter().map(|o| (o.0, o.1)).collect::<Vec<_>>(), vec![(0, 0), (1, 0)], "{}", run.dump());
    offers.into_iter().map(|o| o.2).collect()
}

/// Asserts `policy` gives `expected` and every other agent policy gives
/// something else on the same case.
#[track_caller]
fn assert_only_policy(case: &str, assignment: fn(&str) -> Vec<u32>, policy: &str, expected: &[u32]) {
    let got = assignment(policy);
    assert_eq!(got, expected, "{case} case: agents of chats 0, 1, … under {policy}");
    for other in AGENT_POLICIES.iter().filter(|p| **p != policy) {
        let theirs = assignment(other);
        assert_ne!(theirs, got, "{case} case: {other} should assign differently from {policy}");
    }
}

#[test]
fn least_busy_offers_to_the_agent_with_fewest_busy_slots_then_longest_idle_then_group_order() {
    // Pool case:
    // - chat 0 at 10: all three idle since login at 0 → lowest index, agent 0.
    // - chat 1 at 20: agents 1 and 2 hold 0 chats (agent 0 holds 1), both idle
    //   since 0 → agent 1. It frees at 30: agent 1 idle since 30.
    // - chat 2 at 40: agents 1 and 2 hold 0; agent 2 has been idle longer
    //   (since 0, agent 1 since 30) → agent 2, despite its higher index.
    // - chat 3 at 50: agent 1 is the only one with 0 chats → agent 1.
    assert_only_policy("pool", pool_assignment, "least_busy", &[0, 1, 2, 1]);
    // Shifts case:
    // - chat 0 at 600: all hold 0; `early` (agent 1) logged in first (0 < 300)
    //   → agent 1, though group `late` comes first in the file.
    // - chat 1 at 610: agents 0 and 2 hold 0 and are idle since 300 → the group
    //   first in the file, `late`: agent 0.
    assert_only_policy("shifts", shifts_assignment, "least_busy", &[1, 0]);
}

#[test]
fn longest_idle_offers_to_the_agent_whose_busy_count_fell_or_who_logged_in_earliest() {
    // Pool case (a busy agent below its cap keeps its idle-since: only a
    // falling count, or the login, sets it):
    // - chat 0 at 10: all idle since 0 → agent 0.
    // - chat 1 at 20: still all idle since 0 (agent 0's count rose, it did not
    //   fall) → agent 0 again (1 < cap 2). It frees at 30: agent 0 idle since 30.
    // - chat 2 at 40: agents 1 and 2 idle since 0 → agent 1 (index).
    // - chat 3 at 50: agents 1 and 2 still idle since 0 (agent 1's count only
    //   rose) → agent 1, its second chat.
    assert_only_policy("pool", pool_assignment, "longest_idle", &[0, 0, 1, 1]);
    // Shifts case:
    // - chat 0 at 600: agent 1 logged in at 0, the others at 300 → agent 1.
    // - chat 1 at 610: agent 1 is still idle since its login (0) → agent 1.
    let got = shifts_assignment("longest_idle");
    assert_eq!(got, [1, 1], "shifts case under longest_idle");
    assert_ne!(got, shifts_assignment("least_busy"), "least_busy spreads the second chat");
}

#[test]
fn fill_first_offers_to_the_agent_with_most_busy_slots_below_the_cap_then_longest_idle() {
    // Pool case:
    // - chat 0 at 10: all hold 0 and are idle since 0 → agent 0.
    // - chat 1 at 20: agent 0 holds 1 (most, below cap 2) → agent 0; frees at 30.
    // - chat 2 at 40: agent 0 holds 1 (chat 0) → agent 0, now at its cap.
    // - chat 3 at 50: agent 0 is full; agents 1 and 2 hold 0, idle since 0
    //   → agent 1.
    assert_only_policy("pool", pool_assignment, "fill_first", &[0, 0, 0, 1]);
    // Shifts case:
    // - chat 0 at 600: all hold 0; agent 1 has been idle longest (login at 0)
    //   → agent 1, not the first group's agent 0.
    // - chat 1 at 610: agent 1 holds 1 (most, below the cap) → agent 1.
    let got = shifts_assignment("fill_first");
    assert_eq!(got, [1, 1], "shifts case under fill_first");
    assert_ne!(got, shifts_assignment("least_busy"), "least_busy spreads the second chat");
}

// ---- queue_select ----

const QUEUE_POLICIES: [&str; 3] = ["priority", "oldest", "skill_order"];

/// The "queues" case: one agent (cap 1) serving, in this order, skills
/// `sales`, `returns`, `billing`. Chat 0 (`setup`, 100 s) arrives at 10 and
/// keeps the agent busy until 110; meanwhile, 10 s each:
///
/// | chat | reason / skill | priority | arrives |
/// |------|----------------|----------|---------|
/// | 1    | returns        | 2        | 20      |
/// | 2    | billing        | 1        | 30      |
/// | 3    | sales          | 1        | 40      |
///
/// The agent then frees at 110, 120 and 130 and picks one each time.
/// Returns the chat ids in the order they were offered.
fn queues_order(queue_select: &str) -> Vec<u64> {
    let sc = scenario(
        "least_busy",
        queue_select,
        1,
        r#"
[[reasons]]
name = "setup"
skill = "sales"
handle = "100s"

[[reasons]]
name = "returns"
skill = "returns"
handle = "10s"
priority = 2

[[reasons]]
name = "billing"
skill = "billing"
handle = "10s"
priority = 1

[[reasons]]
name = "sales"
skill = "sales"
handle = "10s"
priority = 1

[[groups]]
name = "desk"
skills = ["sales", "returns", "billing"]
agents = 1
"#,
    );
    let run = replay(&sc, "time,reason\n10,setup\n20,returns\n30,billing\n40,sales\n");
    assert_eq!(logins(&run), vec![(0.0, 0)], "{}", run.dump());
    check_offers_were_taken(&run);
    for (chat, reason) in [(0, "setup"), (1, "returns"), (2, "billing"), (3, "sales")] {
        assert_eq!(run.seg(chat, 0).reason, reason, "chat ids follow arrival order");
    }
    let offers = offers(&run);
    assert!(offers.iter().all(|o| o.1 == 0 && o.2 == 0), "{}", run.dump());
    // The picks happen when the agent frees: at 10 (on arrival), 110, 120, 130.
    for (k, t) in [10.0, 110.0, 120.0, 130.0].into_iter().enumerate() {
        assert_close(run.event(offers[k].0, 0, "offer").time, t, "time of the pick");
    }
    offers.into_iter().map(|o| o.0).collect()
}

/// Asserts `policy` picks the queues case in `expected` order and every other
/// queue policy picks differently.
#[track_caller]
fn assert_only_queue_policy(policy: &str, expected: &[u64]) {
    let got = queues_order(policy);
    assert_eq!(got, expected, "order of offers under {policy}");
    for other in QUEUE_POLICIES.iter().filter(|p| **p != policy) {
        assert_ne!(queues_order(other), got, "{other} should pick differently from {policy}");
    }
}

#[test]
fn priority_takes_the_lowest_priority_value_then_the_earliest_arrival() {
    // At 110: billing (chat 2) and sales (chat 3) both have priority 1;
    // billing arrived first (30 < 40) → chat 2, although `sales` comes first in
    // the agent's skills. At 120: sales (priority 1) beats returns (priority 2,
    // though it has waited longest) → chat 3. At 130: returns, chat 1.
    assert_only_queue_policy("priority", &[0, 2, 3, 1]);
}

#[test]
fn oldest_takes_the_earliest_arrival_whatever_its_priority() {
    // At 110: returns (chat 1, arrived 20) is the oldest, though its priority
    // is the worst → chat 1; then billing (30), then sales (40).
    assert_only_queue_policy("oldest", &[0, 1, 2, 3]);
}

#[test]
fn skill_order_takes_the_first_non_empty_queue_in_the_groups_skills_order() {
    // Skills in order sales, returns, billing: at 110 sales is non-empty
    // (chat 3, the newest) → chat 3; at 120 returns (chat 1); at 130 billing
    // (chat 2).
    assert_only_queue_policy("skill_order", &[0, 3, 1, 2]);
}

/// The "transfer" case: one agent (cap 1, skills `a` then `b`). Chat 0
/// (reason `t`, skill `a`) arrives at 10 with 1000 s of work and is always
/// transferred to `b` (priority 0, 10 s) at a uniform point of that work;
/// chat 1 (reason `w`, skill `a`, priority 0, 10 s) arrives at 20 and waits.
/// Returns the run and the (chat, segment) of the picks after the transfer.
fn transfer_picks(queue_select: &str) -> (Run, Vec<(u64, u8)>) {
    let sc = scenario(
        "least_busy",
        queue_select,
        1,
        r#"
[[reasons]]
name = "t"
skill = "a"
handle = "1000s"
transfer = { p = 1.0, to = "b", handle = "10s" }

[[reasons]]
name = "w"
skill = "a"
handle = "10s"
priority = 0

[[groups]]
name = "desk"
skills = ["a", "b"]
agents = 1
"#,
    );
    let run = replay(&sc, "time,reason\n10,t\n20,w\n");
    check_offers_were_taken(&run);
    let first = run.seg(0, 0);
    assert_eq!(first.outcome, "transferred", "{}", run.dump());
    // The case only tells original arrival from queue entry if the transfer
    // re-queues chat 0 after chat 1 arrived.
    assert!(first.ended > 20.0, "transfer at {} should come after chat 1 arrives (20)", first.ended);
    assert_close(run.seg(0, 1).arrival, first.ended, "the transfer-in segment queues when the first ends");
    let picks = offers(&run).into_iter().skip(1).map(|o| (o.0, o.1)).collect();
    (run, picks)
}

#[test]
fn a_transferred_chat_keeps_its_original_arrival_under_priority_and_oldest() {
    // When the agent frees at the transfer, two chats wait: chat 0's
    // transfer-in segment in `b` (priority 0, queued just now, but first
    // arrived at 10) and chat 1 in `a` (priority 0, arrived at 20). Priority
    // ties, so both `priority` and `oldest` go by the original arrival: chat 0
    // first. `skill_order` takes `a` first: chat 1.
    for policy in ["priority", "oldest"] {
        let (run, picks) = transfer_picks(policy);
        assert_eq!(picks, vec![(0, 1), (1, 0)], "{policy}\n{}", run.dump());
    }
    let (run, picks) = transfer_picks("skill_order");
    assert_eq!(picks, vec![(1, 0), (0, 1)], "skill_order\n{}", run.dump());
}

#[test]
fn chats_equal_in_priority_and_arrival_go_by_the_groups_skill_order() {
    // DESIGN §2.2: "Remaining ties go by skill order." One agent (cap 1,
    // skills `b` then `a`) is busy with chat 0 until 110; chat 1 (skill `a`)
    // and chat 2 (skill `b`) both arrive at 20 with priority 1. At 110 every
    // policy must take chat 2, from `b`, the group's first skill — the order
    // of the rows in arrivals.csv (the chat id) is not a routing rule.
    let body = r#"
[[reasons]]
name = "setup"
skill = "a"
handle = "100s"

[[reasons]]
name = "ra"
skill = "a"
handle = "10s"

[[reasons]]
name = "rb"
skill = "b"
handle = "10s"

[[groups]]
name = "desk"
skills = ["b", "a"]
agents = 1
"#;
    let mut wrong = Vec::new();
    for policy in QUEUE_POLICIES {
        let run = replay(&scenario("least_busy", policy, 1, body), "time,reason\n10,setup\n20,ra\n20,rb\n");
        check_offers_were_taken(&run);
        assert_eq!(run.seg(1, 0).skill, "a");
        assert_eq!(run.seg(2, 0).skill, "b");
        let order: Vec<u64> = offers(&run).into_iter().map(|o| o.0).collect();
        if order != [0, 2, 1] {
            wrong.push(format!("{policy}: offered chats in order {order:?}, expected [0, 2, 1]"));
        }
    }
    assert!(wrong.is_empty(), "skill order must break the remaining tie:\n{}", wrong.join("\n"));
}

/// The "shift start" case: chats 0, 1, 2 (100 s each) arrive at 10, 20, 30
/// while nobody is logged in; the group's three agents (cap 2) all log in
/// together at 08:05 (300) and the waiting chats are offered at once.
fn shift_start_assignment(agent_select: &str) -> (Run, Vec<u32>) {
    let sc = scenario(
        agent_select,
        "priority",
        2,
        r#"
[[reasons]]
name = "a"
skill = "s"
handle = "100s"

[[groups]]
name = "g"
skills = ["s"]
shifts = [{ start = "08:05", end = "09:00", agents = 3 }]
"#,
    );
    let run = replay(&sc, "time,reason\n10,a\n20,a\n30,a\n");
    assert_eq!(logins(&run), vec![(300.0, 0), (300.0, 1), (300.0, 2)], "{}", run.dump());
    check_offers_were_taken(&run);
    let offers = offers(&run);
    assert_eq!(offers.iter().map(|o| o.0).collect::<Vec<_>>(), vec![0, 1, 2], "{}", run.dump());
    for (chat, _, _) in &offers {
        assert_close(run.event(*chat, 0, "offer").time, 300.0, "offered at the shift start");
    }
    let agents = offers.into_iter().map(|o| o.2).collect();
    (run, agents)
}

#[test]
fn agents_logging_in_together_share_the_waiting_chats_by_the_agent_policy() {
    // At 300 all three agents are logged in, idle since 300, with 0 chats,
    // and three chats wait. The policy, not the order in which logins are
    // processed, decides who takes each:
    // - least_busy: chat 0 → agent 0; chat 1 → agent 1 or 2 hold 0, agent 0
    //   holds 1 → agent 1; chat 2 → agent 2.
    // - longest_idle: all idle since 300 (a rising count keeps it) → agent 0,
    //   agent 0 again (1 < cap 2), then agent 1 (agent 0 is full).
    // - fill_first: agent 0 until its cap, then agent 1.
    for (policy, expected) in [("least_busy", [0, 1, 2]), ("longest_idle", [0, 0, 1]), ("fill_first", [0, 0, 1])] {
        let (run, got) = shift_start_assignment(policy);
        assert_eq!(got, expected, "{policy}: agents of chats 0, 1, 2\n{}", run.dump());
    }
}
