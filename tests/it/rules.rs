//! One test per operating rule of the chat procedure (DESIGN.md §2), each on a
//! small hand-built replay whose every time can be worked out by hand, read
//! back from `chats.csv` and `events.csv` of `ccsim run --trace`. Each test
//! also checks that its case really exercised the rule (the cap was reached,
//! a refusal happened, chats were waiting…), so none can pass vacuously.

use crate::common::*;
use std::collections::{BTreeMap, HashMap};

/// A one-hour replay day, 08:00–09:00 (times 0–3600), followed by `body`
/// (the `[chat]`, `[[reasons]]` and `[[groups]]` tables).
fn scenario(body: &str) -> String {
    format!(
        "name = \"case\"\narrivals = \"arrivals.csv\"\n\n[simulation]\nstart = \"08:00\"\nend = \"09:00\"\n\
         replications = 1\n\n{body}"
    )
}

/// The shape most cases share: `[chat]` with the lines `chat`, one reason
/// `a` on skill `s` (its lines after `skill`: `reason`) and one group `g` of
/// `agents` agents serving `s`.
fn one_group(chat: &str, reason: &str, agents: u32) -> String {
    let (chat, reason) = (chat.trim(), reason.trim());
    scenario(&format!(
        r#"
[chat]
{chat}

[[reasons]]
name = "a"
skill = "s"
{reason}

[[groups]]
name = "g"
skills = ["s"]
agents = {agents}
"#
    ))
}

/// `arrivals.csv` with `n` chats of reason `reason` at each of `times`.
fn burst(reason: &str, times: &[f64], n: usize) -> String {
    let mut s = String::from("time,reason\n");
    for t in times {
        for _ in 0..n {
            s += &format!("{t},{reason}\n");
        }
    }
    s
}

// ---- 1. the cap ----

#[test]
fn an_agent_never_holds_more_chats_than_its_cap_offers_included() {
    // Two groups: `pair` uses the center's cap 2, `triple` overrides it to 3.
    // A 20 s accept delay keeps offers pending; refusals and impatient
    // customers exercise every way a slot frees.
    let sc = scenario(
        r#"
[chat]
max_concurrent = 2
speed = [1.0, 0.5]
accept = "20s"
refuse = 0.3
wrapup = "10s"
wrapup_blocks = "slot"

[[reasons]]
name = "a"
skill = "s"
handle = "exponential(mean=100s)"
patience = "exponential(mean=5m)"

[[groups]]
name = "pair"
skills = ["s"]
agents = 2

[[groups]]
name = "triple"
skills = ["s"]
agents = 1
max_concurrent = 3
speed = [1.0, 0.7, 0.5]
wrapup_blocks = "agent"
"#,
    );
    let run = replay(&sc, &burst("a", &[0.0, 600.0, 1200.5], 25));
    let caps = HashMap::from([("pair", 2), ("triple", 3)]);

    // Which group each agent belongs to, from the answered segments.
    let mut group_of: BTreeMap<u32, String> = BTreeMap::new();
    for s in run.segs.iter().filter(|s| s.answered()) {
        let g = s.group.clone().expect("answered segment has a group");
        let old = group_of.insert(s.agent.expect("answered segment has an agent"), g.clone());
        assert!(old.is_none_or(|o| o == g), "agent {:?} in two groups", s.agent);
    }
    assert_eq!(group_of.len(), 3, "all three agents should answer chats: {group_of:?}");

    let busy = busy_slots(&run.evs);
    for ((_, agent), series) in &busy {
        let group = group_of.get(agent).unwrap_or_else(|| panic!("agent {agent} answered nothing"));
        let cap = caps[group.as_str()];
        let max = series.iter().map(|&(_, b)| b).max().unwrap();
        let over: Vec<_> = series.iter().filter(|&&(_, b)| b > cap).collect();
        assert!(over.is_empty(), "agent {agent} ({group}, cap {cap}) exceeded its cap at {over:?}");
        assert_eq!(max, cap, "agent {agent} ({group}) never reached its cap {cap}: the case tests nothing");
        assert_eq!(series.last().unwrap().1, 0, "agent {agent} ends the run with busy slots");
    }
    // The case really has offers pending and refusals and abandons during offers.
    assert!(run.evs.iter().any(|e| e.event == "refuse"), "no refusal happened");
    // At t = 0 each agent's slots are all filled by offers (nothing accepted yet).
    for (agent, group) in &group_of {
        let offers_at_0 = run.evs.iter().filter(|e| e.time == 0.0 && e.event == "offer" && e.agent == Some(*agent));
        assert_eq!(offers_at_0.count() as i64, caps[group.as_str()], "agent {agent}'s slots at t=0\n{}", run.dump());
    }
}

// ---- 2. inactivity ----

/// Four agents of one slot, 100 s of work; every customer falls silent once
/// and comes back with probability `returns`; a silence of 2 min
/// disconnects. Four chats at 0 and four at 1000.
fn silence_case(returns: f64) -> Run {
    let sc = one_group(
        r#"
max_concurrent = 1
inactivity_timeout = "2m"
wrapup = "5s"
"#,
        &format!("handle = \"100s\"\nnonresponsive = {{ p = 1.0, returns = {returns:?} }}"),
        4,
    );
    replay(&sc, &burst("a", &[0.0, 1000.0], 4))
}

#[test]
fn an_inactivity_disconnect_comes_exactly_the_timeout_after_the_silence_began() {
    let run = silence_case(0.0);
    assert_eq!(run.segs.len(), 8);
    assert!(run.events_named("resolved").is_empty(), "a silent customer that never returns cannot be resolved");
    for s in &run.segs {
        assert_eq!(s.outcome, "inactive_disconnect", "{s:?}");
        let accepted = s.accepted.unwrap();
        let silence = run.event(s.chat, 0, "silence").time;
        let disconnect = run.event(s.chat, 0, "inactive_disconnect");
        assert_eq!(disconnect.agent, s.agent);
        assert!(
            silence >= accepted - EPS && silence <= accepted + 100.0 + EPS,
            "silence at {silence} outside the work"
        );
        assert_close(disconnect.time - silence, 120.0, "disconnect − silence");
        assert_close(s.ended, disconnect.time, "segment end");
        assert_close(s.chat_time, s.ended - accepted, "chat_time");
    }
}

#[test]
fn a_customer_who_answers_the_prompt_resumes_the_work_where_it_stopped() {
    let run = silence_case(1.0);
    assert_eq!(run.segs.len(), 8);
    assert!(run.events_named("inactive_disconnect").is_empty(), "a returning customer was disconnected");
    for s in &run.segs {
        assert_eq!(s.outcome, "resolved", "{s:?}");
        let accepted = s.accepted.unwrap();
        let silence = run.event(s.chat, 0, "silence").time;
        let back = run.event(s.chat, 0, "return").time;
        let resolved = run.event(s.chat, 0, "resolved").time;
        assert!(silence >= accepted - EPS && silence <= accepted + 100.0 + EPS, "silence outside the work: {s:?}");
        assert!(
            back > silence && back - silence <= 120.0 + EPS,
            "return at {back} not within the timeout of {silence}"
        );
        assert!(resolved > back, "resolved at {resolved} before the return at {back}");
        // The work stopped during the silence and resumed where it was.
        assert_close(s.chat_time, 100.0 + (back - silence), "chat_time = handle + silent time");
        assert_close(resolved - back, 100.0 - (silence - accepted), "work left after the return");
        assert_close(s.ended, resolved, "segment end");
    }
}

// ---- 3. wrap-up ----

/// Chat 0 (50 s) ends at 50 and is wrapped up until 80; chats 1 and 2 arrive
/// at 60 while the agent has a free slot and a pending disposition.
fn wrapup_case(blocks: &str) -> Run {
    let sc = scenario(&format!(
        r#"
[chat]
max_concurrent = 2
wrapup = "30s"
wrapup_blocks = "{blocks}"

[[reasons]]
name = "a"
skill = "s"
handle = "50s"

[[groups]]
name = "g"
skills = ["s"]
agents = 1
"#
    ));
    replay(&sc, "time,reason\n0,a\n60,a\n60,a\n")
}

/// For each wrap-up of agent 0: (offers to agent 0, queue events) strictly
/// between the segment end and its `wrapup_end`, in event order.
fn offers_during_wrapups(run: &Run) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, end) in run.evs.iter().enumerate().filter(|(_, e)| SEGMENT_ENDS.contains(&e.event.as_str())) {
        let (chat, seg) = (end.chat.unwrap(), end.segment.unwrap());
        let j = run
            .evs
            .iter()
            .position(|e| e.event == "wrapup_end" && e.is(chat, seg))
            .unwrap_or_else(|| panic!("no wrapup_end for chat {chat} segment {seg}"));
        assert!(j > i && run.evs[j].agent == end.agent);
        let window = &run.evs[i + 1..j];
        let offers = window.iter().filter(|e| e.event == "offer" && e.agent == end.agent).count();
        let queued = window.iter().filter(|e| e.event == "queue").count();
        out.push((offers, queued));
    }
    out
}

#[test]
fn with_wrapup_blocking_the_agent_no_offer_arrives_while_a_disposition_is_pending() {
    let run = wrapup_case("agent");
    let windows = offers_during_wrapups(&run);
    assert!(windows.iter().any(|&(_, queued)| queued > 0), "no chat waited during a wrap-up\n{}", run.dump());
    assert!(windows.iter().all(|&(offers, _)| offers == 0), "offer during a pending wrap-up\n{}", run.dump());
    assert_close(run.event(0, 0, "wrapup_end").time, 80.0, "wrap-up end of chat 0");
    for chat in [1, 2] {
        let s = run.seg(chat, 0);
        assert_close(s.accepted.unwrap(), 80.0, "acceptance after the disposition");
        assert_close(s.wait, 20.0, "wait");
    }
}

#[test]
fn with_wrapup_blocking_only_the_slot_the_free_slot_takes_an_offer_during_the_wrapup() {
    let run = wrapup_case("slot");
    let windows = offers_during_wrapups(&run);
    assert!(windows.iter().any(|&(offers, _)| offers > 0), "no offer during a pending wrap-up\n{}", run.dump());
    assert_close(run.seg(1, 0).accepted.unwrap(), 60.0, "chat 1 takes the free slot at once");
    assert_close(run.seg(2, 0).accepted.unwrap(), 80.0, "chat 2 waits for the wrapped-up slot");
    assert!(busy_slots(&run.evs).values().flatten().all(|&(_, b)| b <= 2));
}

// ---- 4. refusals ----

#[test]
fn a_refused_chat_is_never_offered_again_to_the_agent_that_refused_it() {
    let sc = one_group(
        r#"
max_concurrent = 2
accept = "5s"
refuse = 0.5
wrapup = "5s"
"#,
        r#"handle = "60s""#,
        3,
    );
    let times: Vec<f64> = (0..40).map(|i| i as f64 * 30.0).collect();
    let run = replay(&sc, &burst("a", &times, 2));

    let mut offered: BTreeMap<(u64, u8), Vec<u32>> = BTreeMap::new();
    let mut open_offer: HashMap<(u64, u8), (u32, f64)> = HashMap::new();
    let mut refusals = 0;
    for e in &run.evs {
        let Some(chat) = e.chat else { continue };
        let key = (chat, e.segment.unwrap());
        match e.event.as_str() {
            "offer" => {
                let a = e.agent.unwrap();
                let list = offered.entry(key).or_default();
                assert!(!list.contains(&a), "chat {key:?} offered again to agent {a}, who refused it\n{}", run.dump());
                list.push(a);
                assert!(open_offer.insert(key, (a, e.time)).is_none(), "two offers at once for {key:?}");
            }
            "refuse" => {
                refusals += 1;
                let (a, at) = open_offer.remove(&key).expect("refusal without an offer");
                assert_eq!(e.agent, Some(a), "refused by another agent than the one offered");
                assert_close(e.time - at, 5.0, "refusal revealed when the accept delay ends");
            }
            "accept" => {
                let (a, at) = open_offer.remove(&key).expect("acceptance without an offer");
                assert_eq!(e.agent, Some(a));
                assert_close(e.time - at, 5.0, "accept delay");
            }
            _ => {}
        }
    }
    assert!(refusals >= 10, "only {refusals} refusals: the case tests nothing");
    let reoffered = offered.values().filter(|agents| agents.len() >= 2).count();
    assert!(reoffered >= 5, "only {reoffered} chats went to a second agent");
    // A chat refused by all three agents cannot be answered; the others are.
    for s in &run.segs {
        let n = offered.get(&(s.chat, s.segment)).map_or(0, |v| v.len());
        if s.answered() {
            assert_eq!(s.agent, offered[&(s.chat, s.segment)].last().copied(), "answered by its last offer: {s:?}");
        } else {
            assert_eq!(s.outcome, "unserved", "{s:?}");
            assert_eq!(n, 3, "an unanswered chat that some agent never refused: {s:?}");
        }
    }
}

// ---- 5. transfers ----

#[test]
fn a_transferred_chat_reenters_the_queue_of_the_target_skill_when_its_segment_ends() {
    let sc = scenario(
        r#"
[chat]
max_concurrent = 1
wrapup = "10s"

[[reasons]]
name = "a"
skill = "s"
handle = "100s"
transfer = { p = 1.0, to = "tech" }

[[groups]]
name = "front"
skills = ["s"]
agents = 2

[[groups]]
name = "back"
skills = ["tech"]
agents = 2
"#,
    );
    let run = replay(&sc, "time,reason\n0,a\n0,a\n500,a\n");
    assert_eq!(run.segs.len(), 6, "{}", run.dump());
    for chat in 0..3 {
        let first = run.seg(chat, 0);
        let second = run.seg(chat, 1);
        assert_eq!((first.kind.as_str(), first.skill.as_str()), ("new", "s"));
        assert_eq!(first.outcome, "transferred");
        assert_eq!(first.group.as_deref(), Some("front"));
        assert!(first.chat_time <= 100.0 + EPS, "transfer point beyond the handle: {first:?}");
        assert_close(run.event(chat, 0, "transferred").time, first.ended, "transferred event");

        assert_eq!((second.kind.as_str(), second.skill.as_str()), ("transfer_in", "tech"));
        assert_close(second.arrival, first.ended, "transfer_in queue entry");
        assert_close(run.event(chat, 1, "queue").time, first.ended, "queue event of the transfer");
        assert_eq!(second.group.as_deref(), Some("back"));
        // At most one transfer per chat; a fresh handle, no authentication.
        assert_eq!(second.outcome, "resolved", "{second:?}");
        assert_close(second.auth, 0.0, "auth of a transfer");
        assert_close(second.chat_time, 100.0, "transfer segment work");
    }
}

// ---- 6. commitments ----

#[test]
fn a_commitment_comes_back_as_a_followup_after_its_delay_unless_due_after_the_last_end() {
    let sc = one_group(
        r#"
max_concurrent = 1
"#,
        r#"
handle = "100s"
commitment = { p = 1.0, after = "10m", skill = "s" }
"#,
        1,
    );
    let run = replay(&sc, "time,reason\n0,a\n3000,a\n");
    // Chat 0 resolves at 100; its follow-up is due at 700.
    let first = run.seg(0, 0);
    assert_eq!((first.outcome.as_str(), first.commitment), ("resolved", 1));
    assert_close(first.ended, 100.0, "chat 0 end");
    let follow = run.seg(0, 1);
    assert_eq!((follow.kind.as_str(), follow.skill.as_str()), ("followup", "s"));
    assert_close(follow.arrival, first.ended + 600.0, "follow-up due `after` the resolution");
    assert_close(run.event(0, 1, "queue").time, 700.0, "follow-up queue event");
    assert_eq!((follow.outcome.as_str(), follow.commitment), ("resolved", 0), "no commitment from a follow-up");
    assert_eq!(run.chat_segs(0).len(), 2);

    // Chat 1 resolves at 3100: due at 3700, after the last end (3600).
    let late = run.seg(1, 0);
    assert_eq!((late.outcome.as_str(), late.commitment), ("resolved", 1));
    assert_close(late.ended, 3100.0, "chat 1 end");
    assert_eq!(run.chat_segs(1).len(), 1, "a follow-up due after the last end was worked: {:?}", run.chat_segs(1));
    assert!(run.events_of(1, 1).is_empty(), "events for an unworked follow-up");
    assert_eq!(run.summary_all("commitments"), Some(2.0));
    assert_eq!(run.summary_all("commitments_unserved"), Some(1.0));
    assert_eq!(run.summary_all("followup_offered"), Some(1.0));
}

// ---- 7. authentication ----

#[test]
fn a_failed_authentication_ends_the_chat_right_after_the_authentication() {
    // Silence and transfer are certain too: the failure pre-empts both.
    let sc = one_group(
        r#"
max_concurrent = 2
speed = [1.0, 0.5]
wrapup = "10s"
"#,
        r#"
handle = "100s"
auth = "30s"
auth_fail = 1.0
nonresponsive = { p = 1.0, returns = 0.0 }
transfer = { p = 1.0, to = "s" }
"#,
        1,
    );
    let run = replay(&sc, "time,reason\n0,a\n");
    assert_eq!(run.segs.len(), 1, "{}", run.dump());
    let s = run.seg(0, 0);
    assert_eq!(s.outcome, "auth_failed");
    assert_close(s.accepted.unwrap(), 0.0, "accepted");
    assert_close(s.chat_time, 30.0, "chat_time");
    assert_close(s.auth, 30.0, "auth");
    assert_close(s.ended, 30.0, "ended");
    assert_close(run.event(0, 0, "auth_failed").time, 30.0, "auth_failed event");
    assert_close(run.event(0, 0, "wrapup_end").time, 40.0, "wrapup_end");
    assert!(run.events_named("silence").is_empty() && run.events_named("transferred").is_empty());
}

// ---- 8. concurrency and speed ----

#[test]
fn concurrent_chats_share_the_agent_at_the_speed_of_their_number() {
    // speed = [1.0, 0.5]: two chats together take twice as long as one alone,
    // and a chat's end moves whenever the number worked changes.
    let sc = one_group(
        r#"
max_concurrent = 2
speed = [1.0, 0.5]
wrapup = "0s"
"#,
        r#"handle = "100s""#,
        1,
    );
    let run = replay(&sc, "time,reason\n0,a\n0,a\n1000,a\n2000,a\n2050,a\n");
    let ends: Vec<f64> = (0..5).map(|c| run.seg(c, 0).ended).collect();
    // Two together: 100 s of work at half speed.
    assert_close(ends[0], 200.0, "chat 0 (with chat 1)");
    assert_close(ends[1], 200.0, "chat 1 (with chat 0)");
    // Alone: 100 s.
    assert_close(ends[2], 1100.0, "chat 2 alone");
    // Chat 3 alone for 50 s (50 done), then both at 0.5: 50 left takes 100 s.
    assert_close(ends[3], 2150.0, "chat 3");
    // Chat 4: 50 done by 2150 at 0.5, then alone: 50 s more.
    assert_close(ends[4], 2200.0, "chat 4");
    for c in 0..5 {
        assert_eq!(run.seg(c, 0).outcome, "resolved");
        assert_eq!(run.seg(c, 0).agent, Some(0));
    }
}

#[test]
fn without_an_accept_delay_a_chat_is_accepted_the_instant_it_is_offered() {
    // Two chats arrive together for one agent with two slots and no accept
    // delay: each offer is accepted at once, before the next chat is even
    // queued; a customer with no patience at all still gives up on the offer.
    let sc = scenario(
        r#"
[chat]
max_concurrent = 2
wrapup = "0s"

[[reasons]]
name = "a"
skill = "s"
handle = "100s"

[[reasons]]
name = "z"
skill = "s"
handle = "100s"
patience = "0s"

[[groups]]
name = "g"
skills = ["s"]
agents = 1
"#,
    );
    let run = replay(&sc, "time,reason\n0,a\n0,a\n500,z\n");
    let at_zero: Vec<(Option<u64>, &str)> =
        run.evs.iter().filter(|e| e.time == 0.0 && e.chat.is_some()).map(|e| (e.chat, e.event.as_str())).collect();
    let expected = [(0, "queue"), (0, "offer"), (0, "accept"), (1, "queue"), (1, "offer"), (1, "accept")];
    assert_eq!(at_zero, expected.map(|(c, e)| (Some(c), e)).to_vec(), "{}", run.dump());
    for c in 0..2 {
        assert_eq!(run.seg(c, 0).wait, 0.0);
        assert_eq!(run.seg(c, 0).outcome, "resolved");
    }
    assert_eq!(run.seg(2, 0).outcome, "abandoned", "{}", run.dump());
}

// ---- 9. patience ----

#[test]
fn an_impatient_customer_abandons_when_its_patience_runs_out_in_the_queue() {
    // The agent (cap 1) is busy for 600 s with chat 0; chat 1 has the reason's
    // 10 s patience, chat 2 a 15 s patience from arrivals.csv.
    let sc = scenario(
        r#"
[chat]
max_concurrent = 1

[[reasons]]
name = "a"
skill = "s"
handle = "600s"

[[reasons]]
name = "b"
skill = "s"
handle = "600s"
patience = "10s"

[[groups]]
name = "g"
skills = ["s"]
agents = 1
"#,
    );
    let run = replay(&sc, "time,reason,handle,auth,patience\n0,a,,,\n10,b,,,\n20,a,,,15\n");
    assert_eq!(run.seg(0, 0).outcome, "resolved");
    for (chat, arrival, patience) in [(1, 10.0, 10.0), (2, 20.0, 15.0)] {
        let s = run.seg(chat, 0);
        assert_eq!(s.outcome, "abandoned", "{s:?}");
        assert_close(s.wait, patience, "wait of an abandoned chat");
        assert_close(s.ended, arrival + patience, "abandon time");
        assert!(s.accepted.is_none() && s.agent.is_none() && s.group.is_none(), "{s:?}");
        let ev = run.event(chat, 0, "abandon");
        assert_close(ev.time, arrival + patience, "abandon event");
        assert_eq!(ev.agent, None, "a chat abandoning from the queue has no agent");
    }
}

#[test]
fn a_chat_abandoning_during_its_offer_frees_the_agents_slot() {
    // Chat 0 (patience 10 s) is offered at 0 with a 20 s accept delay and
    // abandons at 10; chat 1, waiting since 5, gets the freed slot at 10.
    let sc = scenario(
        r#"
[chat]
max_concurrent = 1
accept = "20s"

[[reasons]]
name = "a"
skill = "s"
handle = "100s"

[[reasons]]
name = "b"
skill = "s"
handle = "100s"
patience = "10s"

[[groups]]
name = "g"
skills = ["s"]
agents = 1
"#,
    );
    let run = replay(&sc, "time,reason\n0,b\n5,a\n");
    assert_close(run.event(0, 0, "offer").time, 0.0, "offer of chat 0");
    let ab = run.event(0, 0, "abandon");
    assert_close(ab.time, 10.0, "abandon during the offer");
    assert_eq!(ab.agent, Some(0), "the abandon names the agent whose offer it cancels");
    assert!(run.events_of(0, 0).iter().all(|e| e.event != "accept"), "an abandoned offer was accepted");
    let s0 = run.seg(0, 0);
    assert_eq!(s0.outcome, "abandoned");
    assert_close(s0.wait, 10.0, "wait");
    assert!(s0.accepted.is_none() && s0.agent.is_none());

    let offer1 = run.event(1, 0, "offer");
    assert_eq!(offer1.agent, Some(0));
    assert_close(offer1.time, 10.0, "the freed slot is offered at once");
    assert_close(run.seg(1, 0).accepted.unwrap(), 30.0, "chat 1 accepted after its accept delay");
    let busy = busy_slots(&run.evs);
    assert!(busy[&(1, 0)].iter().all(|&(_, b)| b <= 1), "{busy:?}");
}

// ---- 10. shift ends ----

#[test]
fn at_its_shift_end_an_agent_takes_no_new_offer_but_finishes_its_chats() {
    // `early` (agent 0) works 08:00–08:30, `late` (agent 1) 08:30–09:00.
    // Chat 0 is accepted at 08:25 with 600 s of work: it ends at 2100, after
    // the shift; chats 1 and 2 arrive while agent 0 still has a free slot.
    let sc = scenario(
        r#"
[chat]
max_concurrent = 2
wrapup = "10s"

[[reasons]]
name = "a"
skill = "s"
handle = "600s"

[[groups]]
name = "early"
skills = ["s"]
shifts = [{ start = "08:00", end = "08:30", agents = 1 }]

[[groups]]
name = "late"
skills = ["s"]
shifts = [{ start = "08:30", end = "09:00", agents = 1 }]
"#,
    );
    let run = replay(&sc, "time,reason\n1500,a\n1900,a\n2000,a\n");
    let s0 = run.seg(0, 0);
    assert_eq!((s0.agent, s0.group.as_deref(), s0.outcome.as_str()), (Some(0), Some("early"), "resolved"));
    assert_close(s0.accepted.unwrap(), 1500.0, "chat 0 accepted at 08:25");
    assert_close(s0.ended, 2100.0, "chat 0 finished after the shift end");

    let agent0 = run.agent_events(0);
    let (leave_at, leave) = agent0.iter().find(|(_, e)| e.event == "leave").copied().expect("agent 0 leaves");
    assert_close(leave.time, 1800.0, "leave at the shift end");
    let late_offers: Vec<_> = agent0.iter().filter(|(i, e)| *i > leave_at && e.event == "offer").collect();
    assert!(late_offers.is_empty(), "offers to a leaving agent: {late_offers:?}\n{}", run.dump());
    for chat in [1, 2] {
        let s = run.seg(chat, 0);
        assert_eq!(s.group.as_deref(), Some("late"), "chat {chat} must go to the late shift: {s:?}");
        assert_close(s.wait, 0.0, "the late agent is free");
    }
    // Logs out when its wrap-up ends, not before.
    let (wrap_at, wrap) = agent0.iter().find(|(_, e)| e.event == "wrapup_end").copied().expect("wrap-up");
    let (logout_at, logout) = agent0.iter().find(|(_, e)| e.event == "logout").copied().expect("logout");
    assert_close(wrap.time, 2110.0, "wrap-up end");
    assert_close(logout.time, 2110.0, "logout when the last wrap-up ends");
    assert!(logout_at > wrap_at);
    assert_eq!(agent0.iter().filter(|(_, e)| e.event == "logout").count(), 1);
}

// ---- 11. closing ----

#[test]
fn at_the_end_agents_drain_the_queue_and_unstaffed_skills_close_unserved() {
    // `main` (agent 0, cap 1) serves s until the end; skill x is served only
    // by `early` (agent 1), whose shift ended at 08:30. Chats for s queue
    // behind each other across the end (3600).
    let sc = scenario(
        r#"
[chat]
max_concurrent = 1
wrapup = "10s"

[[reasons]]
name = "a"
skill = "s"
handle = "100s"

[[reasons]]
name = "b"
skill = "x"
handle = "100s"

[[groups]]
name = "main"
skills = ["s"]
agents = 1

[[groups]]
name = "early"
skills = ["x"]
shifts = [{ start = "08:00", end = "08:30", agents = 1 }]
"#,
    );
    let run = replay(&sc, "time,reason\n2000,b\n3500,a\n3550,a\n3590,a\n");
    let drains: Vec<_> = run.events_named("drain");
    assert!(drains.iter().any(|e| e.agent == Some(0) && e.time == 3600.0), "no drain at the end\n{}", run.dump());
    // Worked one after the other: 3500–3600, 3610–3710, 3720–3820.
    for (chat, accepted) in [(1, 3500.0), (2, 3610.0), (3, 3720.0)] {
        let s = run.seg(chat, 0);
        assert_eq!((s.outcome.as_str(), s.agent), ("resolved", Some(0)), "{s:?}");
        assert_close(s.accepted.unwrap(), accepted, "acceptance while draining");
        assert_close(s.ended, accepted + 100.0, "end");
    }
    assert!(run.seg(3, 0).accepted.unwrap() > 3600.0);
    let logout = run.agent_events(0).into_iter().find(|(_, e)| e.event == "logout").expect("agent 0 logs out").1;
    assert_close(logout.time, 3830.0, "logout once the queue is empty and the wrap-up done");

    // Skill x waited through opening hours, then closed unserved at the end.
    let x = run.seg(0, 0);
    assert_eq!(x.outcome, "unserved", "{x:?}");
    assert!(x.accepted.is_none() && x.agent.is_none());
    assert_close(x.ended, 3600.0, "unserved at the end");
    assert_close(x.wait, 1600.0, "wait until the end");
    assert_close(run.event(0, 0, "unserved").time, 3600.0, "unserved event");
    assert!(run.events_of(0, 0).iter().all(|e| e.event != "offer"));
}

// ---- further checks of the same rules ----

#[test]
fn authentication_time_is_elapsed_time_at_the_shared_speed() {
    // Two chats accepted together at speed 0.5: 30 s of authentication takes
    // 60 s, and the 130 s of work ends at 260.
    let sc = one_group(
        r#"
max_concurrent = 2
speed = [1.0, 0.5]
"#,
        r#"
handle = "100s"
auth = "30s"
"#,
        1,
    );
    let run = replay(&sc, "time,reason\n0,a\n0,a\n");
    for c in 0..2 {
        let s = run.seg(c, 0);
        assert_eq!(s.outcome, "resolved");
        assert_close(s.auth, 60.0, "elapsed authentication");
        assert_close(s.chat_time, 260.0, "chat_time");
    }
}

#[test]
fn only_chats_being_worked_share_the_speed_not_offers_or_wrapups() {
    // Cap 2, speed [1.0, 0.5], 20 s accept delay, 50 s wrap-up on its slot.
    // Chat 0 (40 s) is accepted at 20 and works alone while chat 1 is on
    // offer (30–50): 30 done at 50, then 10 left at 0.5 → ends at 70.
    // Chat 1 (100 s) works 50–70 at 0.5 (10 done), then alone while chat 0
    // is wrapped up: 90 left at speed 1 → ends at 160.
    let sc = one_group(
        r#"
max_concurrent = 2
speed = [1.0, 0.5]
accept = "20s"
wrapup = "50s"
wrapup_blocks = "slot"
"#,
        r#"handle = "100s""#,
        1,
    );
    let run = replay(&sc, "time,reason,handle\n0,a,40\n30,a,100\n");
    assert_close(run.seg(0, 0).accepted.unwrap(), 20.0, "chat 0 accepted");
    assert_close(run.seg(1, 0).accepted.unwrap(), 50.0, "chat 1 accepted");
    assert_close(run.seg(0, 0).ended, 70.0, "chat 0 end (an offer is not worked)");
    assert_close(run.seg(1, 0).ended, 160.0, "chat 1 end (a wrap-up is not worked)");
}

#[test]
fn a_commitment_due_while_the_center_is_closed_comes_back_at_the_next_opening() {
    // Two days 08:00–09:00. Chat 0 resolves at 3400 (08:56:40); its follow-up
    // is due at 4000, after the day's end: it queues at the next opening,
    // 86400 s after the first day's start.
    let sc = format!(
        "name = \"case\"\narrivals = \"arrivals.csv\"\n\n[simulation]\nstart = \"08:00\"\nend = \"09:00\"\ndays = 2\n\
         replications = 1\n{}",
        r#"
[chat]
max_concurrent = 1

[[reasons]]
name = "a"
skill = "s"
handle = "100s"
commitment = { p = 1.0, after = "10m", skill = "s" }

[[groups]]
name = "g"
skills = ["s"]
agents = 1
"#
    );
    let run = replay(&sc, "time,reason\n3300,a\n");
    let first = run.seg(0, 0);
    assert_eq!((first.outcome.as_str(), first.commitment), ("resolved", 1));
    assert_close(first.ended, 3400.0, "first segment end");
    let follow = run.seg(0, 1);
    assert_eq!(follow.kind, "followup");
    assert_close(follow.arrival, 86400.0, "follow-up at the next opening");
    assert_eq!(follow.outcome, "resolved");
    assert_close(follow.ended, 86500.0, "follow-up end");
    assert_eq!(run.summary_all("commitments_unserved"), Some(0.0));
}

#[test]
fn when_the_staffed_count_drops_the_agent_holding_the_fewest_chats_leaves() {
    // 2 agents until 08:30, then 1. At 1800 agent 0 is free and agent 1 holds
    // a chat: agent 0 leaves (and logs out at once), although agent 1 has the
    // higher index.
    let sc = format!(
        "name = \"case\"\narrivals = \"arrivals.csv\"\n\n[simulation]\nstart = \"08:00\"\nend = \"09:00\"\n\
         interval = \"30m\"\nreplications = 1\n{}",
        r#"
[chat]
max_concurrent = 2

[[reasons]]
name = "a"
skill = "s"
handle = "600s"

[[groups]]
name = "g"
skills = ["s"]
agents = [2, 1]
"#
    );
    let run = replay(&sc, "time,reason,handle\n1600,a,100\n1650,a,600\n");
    assert_eq!(run.seg(0, 0).agent, Some(0), "chat 0 goes to agent 0 (tie: lower index)");
    assert_eq!(run.seg(1, 0).agent, Some(1), "chat 1 goes to the least busy agent 1");
    let leaves = run.events_named("leave");
    assert_eq!(leaves.len(), 1, "{}", run.dump());
    assert_eq!(leaves[0].agent, Some(0), "the agent holding fewer chats must leave");
    assert_close(leaves[0].time, 1800.0, "leave time");
    let logout = run.agent_events(0).into_iter().find(|(_, e)| e.event == "logout").expect("agent 0 logs out").1;
    assert_close(logout.time, 1800.0, "a free leaving agent logs out at once");
}
