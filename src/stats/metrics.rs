//! The metrics of DESIGN.md §3, computed from one replication's totals.
//! Within a replication a ratio is a ratio of totals; an undefined value
//! (zero denominator) is `None`.

use super::collect::{AgentTotals, HandlingTotals, KindTotals, Layout, QueueTotals, SegTotals, SlotTotals};

/// One metric value of one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    /// `all`, `reason`, `skill` or `group`.
    pub scope: &'static str,
    /// The reason, skill or group name; `all` for the whole center.
    pub key: String,
    pub metric: String,
    pub value: Option<f64>,
}

/// Names of reasons, skills and groups, for labelling scopes.
#[derive(Debug, Clone)]
pub struct ScopeNames {
    pub reasons: Vec<String>,
    pub skills: Vec<String>,
    pub groups: Vec<String>,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

struct Out<'a> {
    scope: &'static str,
    key: &'a str,
    rows: &'a mut Vec<MetricValue>,
}

impl Out<'_> {
    fn put(&mut self, metric: impl Into<String>, value: Option<f64>) {
        self.rows.push(MetricValue { scope: self.scope, key: self.key.to_string(), metric: metric.into(), value });
    }
}

fn queue_metrics(out: &mut Out, prefix: &str, k: &KindTotals, percentiles: bool) {
    let n = |x: u64| Some(x as f64);
    out.put(format!("{prefix}offered"), n(k.offered));
    out.put(format!("{prefix}answered"), n(k.answered));
    out.put(format!("{prefix}abandoned"), n(k.abandoned));
    out.put(format!("{prefix}short_abandoned"), n(k.short_abandoned));
    out.put(format!("{prefix}unserved"), n(k.unserved));
    let base = (k.offered - k.short_abandoned) as f64;
    out.put(format!("{prefix}service_level"), ratio(k.within_threshold as f64, base));
    out.put(format!("{prefix}abandon_rate"), ratio((k.abandoned - k.short_abandoned) as f64, base));
    out.put(format!("{prefix}asa"), ratio(k.wait_sum, k.answered as f64));
    if percentiles {
        for (name, q) in [("p50", 0.5), ("p80", 0.8), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)] {
            out.put(format!("{prefix}wait_{name}"), k.hist.as_ref().and_then(|h| h.quantile(q)));
        }
    }
    out.put(format!("{prefix}wait_max"), (k.answered > 0).then_some(k.wait_max));
    out.put(format!("{prefix}abandon_wait_mean"), ratio(k.abandon_wait_sum, k.abandoned as f64));
}

fn handling_metrics(out: &mut Out, prefix: &str, h: &HandlingTotals) {
    let n = h.handled as f64;
    out.put(format!("{prefix}handled"), Some(n));
    out.put(format!("{prefix}chat_time"), ratio(h.chat_time_sum, n));
    out.put(format!("{prefix}wrapup_time"), ratio(h.wrapup_sum, n));
    out.put(format!("{prefix}aht"), ratio(h.chat_time_sum + h.wrapup_sum, n));
}

fn outcome_metrics(out: &mut Out, s: &SegTotals) {
    handling_metrics(out, "", &s.handling);
    out.put("auth_time", ratio(s.auth_sum, s.auth_count as f64));
    let n = s.handling.handled as f64;
    out.put("inactive_disconnect_rate", ratio(s.inactive_disconnects as f64, n));
    out.put("transfer_rate", ratio(s.transfers as f64, n));
    out.put("auth_fail_rate", ratio(s.auth_failures as f64, n));
    out.put("commitments", Some(s.commitments as f64));
    out.put("commitments_unserved", Some(s.commitments_unserved as f64));
    handling_metrics(out, "followup_", &s.followup_handling);
}

fn queue_scope(out: &mut Out, s: &SegTotals, q: &QueueTotals, observed: f64) {
    queue_metrics(out, "", &s.new, true);
    queue_metrics(out, "transfer_in_", &s.transfer_in, false);
    queue_metrics(out, "followup_", &s.followup, false);
    out.put("queue_len_mean", ratio(q.area, observed));
    out.put("queue_len_max", (observed > 0.0).then_some(q.max as f64));
}

fn agent_metrics(out: &mut Out, a: &AgentTotals, levels: usize) {
    out.put("logged_in_hours", Some(a.logged_in / 3600.0));
    out.put("occupancy", ratio(a.occupied, a.logged_in));
    out.put("utilisation", ratio(a.busy_slots, a.capacity));
    for i in 0..levels {
        out.put(format!("concurrency_{i}"), ratio(a.concurrency.get(i).copied().unwrap_or(0.0), a.logged_in));
    }
    out.put("overtime_hours", Some(a.overtime / 3600.0));
}

/// Every metric of every scope for one slot (or the whole run), in a fixed order.
pub fn metric_values(layout: &Layout, names: &ScopeNames, t: &SlotTotals) -> Vec<MetricValue> {
    let mut rows = Vec::new();
    let levels = layout.caps.iter().copied().max().unwrap_or(1) as usize + 1;
    let mut all_agents = AgentTotals { concurrency: vec![0.0; levels], ..Default::default() };
    for a in &t.agents {
        all_agents.logged_in += a.logged_in;
        all_agents.occupied += a.occupied;
        all_agents.busy_slots += a.busy_slots;
        all_agents.capacity += a.capacity;
        all_agents.overtime += a.overtime;
        for (x, y) in all_agents.concurrency.iter_mut().zip(&a.concurrency) {
            *x += y;
        }
    }
    {
        let mut out = Out { scope: "all", key: "all", rows: &mut rows };
        queue_scope(&mut out, &t.seg[0], &t.queue[0], t.observed);
        outcome_metrics(&mut out, &t.seg[0]);
        agent_metrics(&mut out, &all_agents, levels);
    }
    for (r, name) in names.reasons.iter().enumerate() {
        let mut out = Out { scope: "reason", key: name, rows: &mut rows };
        queue_scope(&mut out, &t.seg[layout.reason_scope(r)], &t.queue[1 + r], t.observed);
        outcome_metrics(&mut out, &t.seg[layout.reason_scope(r)]);
    }
    for (s, name) in names.skills.iter().enumerate() {
        let mut out = Out { scope: "skill", key: name, rows: &mut rows };
        let q = &t.queue[1 + layout.reasons + s];
        queue_scope(&mut out, &t.seg[layout.skill_scope(s)], q, t.observed);
        outcome_metrics(&mut out, &t.seg[layout.skill_scope(s)]);
    }
    for (g, name) in names.groups.iter().enumerate() {
        let mut out = Out { scope: "group", key: name, rows: &mut rows };
        outcome_metrics(&mut out, &t.seg[layout.group_scope(g)]);
        agent_metrics(&mut out, &t.agents[g], layout.caps[g] as usize + 1);
    }
    rows
}
