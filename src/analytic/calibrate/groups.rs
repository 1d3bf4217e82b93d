//! Agent groups inferred from who served what: agents serving the same set
//! of reasons form a group.
//!
//! The rule for small overlaps: a reason makes up part of an agent's set
//! only if it is at least [`MIN_SHARE`] of the segments that agent
//! answered (an occasional contact of another queue, typically an overflow
//! or a transfer, does not make a new group). A reason that is then in no
//! set goes to the group whose agents answered most of it (the largest
//! group if nobody answered it), so that every reason is served.

use crate::history::History;
use std::collections::BTreeMap;

/// The least share of an agent's answered segments a reason needs to be
/// part of the agent's set.
pub const MIN_SHARE: f64 = 0.05;

/// An inferred group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The reasons joined by `+`, e.g. `NW+PS`, so the name says what it serves.
    pub name: String,
    /// Reason indices, in the order of [`History::reasons`].
    pub reasons: Vec<u32>,
    /// Agent indices into [`History::agents`].
    pub agents: Vec<u32>,
}

/// The groups, and each agent's group (`None` for an agent with no answered
/// segment). Without an `agent` column: one group serving every reason.
pub fn infer(history: &History) -> (Vec<Group>, Vec<Option<usize>>) {
    let all_reasons = || (0..history.reasons.len() as u32).collect::<Vec<_>>();
    if !history.has_agent || history.agents.is_empty() {
        let group = Group { name: "agents".into(), reasons: all_reasons(), agents: Vec::new() };
        return (vec![group], vec![None; history.agents.len()]);
    }
    let n_reasons = history.reasons.len();
    let mut served = vec![vec![0u64; n_reasons]; history.agents.len()];
    for s in history.segments.iter().filter(|s| s.answered.is_some()) {
        if let Some(a) = s.agent {
            served[a as usize][s.reason as usize] += 1;
        }
    }
    let mut sets: BTreeMap<Vec<u32>, Vec<u32>> = BTreeMap::new();
    let mut set_of = vec![None; history.agents.len()];
    for (agent, counts) in served.iter().enumerate() {
        let total: u64 = counts.iter().sum();
        if total == 0 {
            continue;
        }
        let set: Vec<u32> =
            (0..n_reasons as u32).filter(|&r| counts[r as usize] as f64 >= MIN_SHARE * total as f64).collect();
        set_of[agent] = Some(set.clone());
        sets.entry(set).or_default().push(agent as u32);
    }
    // Every reason served: one in no set joins the set whose agents answered most of it.
    for r in 0..n_reasons as u32 {
        if sets.keys().any(|s| s.contains(&r)) {
            continue;
        }
        let best = sets
            .iter()
            .map(|(set, agents)| {
                let n = agents.iter().map(|&a| served[a as usize][r as usize]).sum::<u64>();
                ((n, agents.len()), set.clone())
            })
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
        if let Some((_, set)) = best {
            let agents = sets.remove(&set).expect("a key of sets");
            let mut wider = set.clone();
            wider.push(r);
            wider.sort();
            for &a in &agents {
                set_of[a as usize] = Some(wider.clone());
            }
            sets.entry(wider).or_default().extend(agents);
        }
    }
    let mut groups: Vec<Group> = sets
        .into_iter()
        .map(|(reasons, mut agents)| {
            agents.sort();
            let name = reasons.iter().map(|&r| history.reasons[r as usize].as_str()).collect::<Vec<_>>().join("+");
            Group { name, reasons, agents }
        })
        .collect();
    // Largest groups first; names break ties so the order is the same on every machine.
    groups.sort_by(|a, b| b.agents.len().cmp(&a.agents.len()).then_with(|| a.name.cmp(&b.name)));
    let mut group_of = vec![None; history.agents.len()];
    for (g, group) in groups.iter().enumerate() {
        for &a in &group.agents {
            group_of[a as usize] = Some(g);
        }
    }
    debug_assert!(set_of.iter().zip(&group_of).all(|(s, g)| s.is_some() == g.is_some()));
    (groups, group_of)
}
