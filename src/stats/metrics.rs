//! The metrics of docs/design.md §3, computed from one replication's totals.
//! Within a replication a ratio is a ratio of totals; an undefined value
//! (zero denominator) is `None`.

use super::collect::{AgentTotals, HandlingTotals, KindTotals, Layout, QueueTotals, SegTotals, SlotTotals};
use crate::engine::SimTime;

/// What a metric value is: its scope, key and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// `all`, `reason`, `skill` or `group`.
    pub scope: &'static str,
    /// The reason, skill or group name; `all` for the whole center.
    pub key: String,
    pub metric: String,
}

/// What kind of number a metric is: the values it can take, and whether it
/// can be undefined (an empty cell). Readers of ccsim's own files (merge,
/// compare) check every value against its metric's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A number of chats or commitments: a whole number ≥ 0, always defined.
    Count,
    /// A ratio of totals, between 0 and 1; undefined when its denominator is 0.
    Share,
    /// Seconds (a wait, a handle time): ≥ 0 and within the simulated clock's
    /// range; undefined without anything to measure.
    Time,
    /// Agent hours summed over agents: ≥ 0, always defined.
    Hours,
    /// A queue length (time-average or maximum): ≥ 0; undefined when nothing was observed.
    QueueLength,
}

/// The largest count or amount a file can hold: 2^53, beyond which an `f64`
/// no longer holds every whole number.
const MAX_AMOUNT: f64 = 9_007_199_254_740_992.0;

/// A share is a ratio of floating-point sums (of times): it may lie a few
/// units in the last place above 1.
const SHARE_SLACK: f64 = 1e-9;

impl MetricKind {
    /// The kind of the metric named `metric` (as in the `metric` column of
    /// the output), or `None` for a name ccsim does not write. The one place
    /// that says what each metric is: a metric added above without a kind
    /// here fails the test `every_metric_has_a_kind`.
    pub fn of(metric: &str) -> Option<MetricKind> {
        use MetricKind::*;
        let base = metric.strip_prefix("transfer_in_").or_else(|| metric.strip_prefix("followup_")).unwrap_or(metric);
        Some(match base {
            "offered"
            | "answered"
            | "abandoned"
            | "short_abandoned"
            | "unserved"
            | "handled"
            | "commitments"
            | "commitments_unserved" => Count,
            "service_level"
            | "abandon_rate"
            | "inactive_disconnect_rate"
            | "transfer_rate"
            | "auth_fail_rate"
            | "occupancy"
            | "utilisation" => Share,
            "asa" | "wait_p50" | "wait_p80" | "wait_p90" | "wait_p95" | "wait_p99" | "wait_max"
            | "abandon_wait_mean" | "chat_time" | "wrapup_time" | "aht" | "auth_time" => Time,
            "logged_in_hours" | "overtime" => Hours,
            "queue_len_mean" | "queue_len_max" => QueueLength,
            _ => match base.strip_prefix("concurrency_") {
                Some(level) if !level.is_empty() && level.bytes().all(|b| b.is_ascii_digit()) => Share,
                _ => return None,
            },
        })
    }

    /// Whether every replication defines the metric, so that its cell in
    /// `replications.csv` is never empty.
    pub fn always_defined(self) -> bool {
        matches!(self, MetricKind::Count | MetricKind::Hours)
    }

    fn max(self) -> f64 {
        match self {
            MetricKind::Share => 1.0 + SHARE_SLACK,
            MetricKind::Time => SimTime::NEVER.secs(),
            _ => MAX_AMOUNT,
        }
    }

    /// Whether `v` can be one replication's value of a metric of this kind.
    pub fn admits(self, v: f64) -> bool {
        self.admits_mean(v) && (self != MetricKind::Count || v.fract() == 0.0)
    }

    /// Whether `v` can be a mean across replications of such values (a
    /// mean of counts need not be whole).
    pub fn admits_mean(self, v: f64) -> bool {
        v.is_finite() && v >= 0.0 && v <= self.max()
    }

    /// What a value (or, with `mean`, a mean) of this kind must be, for messages.
    pub fn expected(self, mean: bool) -> &'static str {
        match (self, mean) {
            (MetricKind::Count, false) => "a count: a whole number from 0 to 2^53",
            (MetricKind::Count, true) => "a mean count: a number from 0 to 2^53",
            (MetricKind::Share, _) => "a share: a number from 0 to 1",
            (MetricKind::Time, _) => "seconds: a number from 0 to 9.2e12",
            (MetricKind::Hours, _) => "hours: a number from 0 to 2^53",
            (MetricKind::QueueLength, _) => "a queue length: a number from 0 to 2^53",
        }
    }
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

/// Where metrics go: always their values; their labels only when asked for.
struct Out<'a> {
    scope: &'static str,
    key: &'a str,
    values: &'a mut Vec<Option<f64>>,
    labels: Option<&'a mut Vec<Label>>,
}

impl Out<'_> {
    fn put(&mut self, prefix: &str, metric: &str, value: Option<f64>) {
        self.values.push(value);
        if let Some(labels) = self.labels.as_deref_mut() {
            labels.push(Label { scope: self.scope, key: self.key.to_string(), metric: format!("{prefix}{metric}") });
        }
    }
}

fn queue_metrics(out: &mut Out, prefix: &str, k: &KindTotals, percentiles: bool) {
    let n = |x: u64| Some(x as f64);
    out.put(prefix, "offered", n(k.offered));
    out.put(prefix, "answered", n(k.answered));
    out.put(prefix, "abandoned", n(k.abandoned));
    out.put(prefix, "short_abandoned", n(k.short_abandoned));
    out.put(prefix, "unserved", n(k.unserved));
    let base = (k.offered - k.short_abandoned) as f64;
    out.put(prefix, "service_level", ratio(k.within_threshold as f64, base));
    out.put(prefix, "abandon_rate", ratio((k.abandoned - k.short_abandoned) as f64, base));
    out.put(prefix, "asa", ratio(k.wait_sum, k.answered as f64));
    if percentiles {
        for (name, q) in
            [("wait_p50", 0.5), ("wait_p80", 0.8), ("wait_p90", 0.9), ("wait_p95", 0.95), ("wait_p99", 0.99)]
        {
            out.put(prefix, name, k.hist.as_ref().and_then(|h| h.quantile(q)));
        }
    }
    out.put(prefix, "wait_max", (k.answered > 0).then_some(k.wait_max));
    out.put(prefix, "abandon_wait_mean", ratio(k.abandon_wait_sum, k.abandoned as f64));
}

fn handling_metrics(out: &mut Out, prefix: &str, h: &HandlingTotals) {
    let n = h.handled as f64;
    out.put(prefix, "handled", Some(n));
    out.put(prefix, "chat_time", ratio(h.chat_time_sum, n));
    out.put(prefix, "wrapup_time", ratio(h.wrapup_sum, n));
    out.put(prefix, "aht", ratio(h.chat_time_sum + h.wrapup_sum, n));
}

fn outcome_metrics(out: &mut Out, s: &SegTotals) {
    handling_metrics(out, "", &s.handling);
    out.put("", "auth_time", ratio(s.auth_sum, s.auth_count as f64));
    let n = s.handling.handled as f64;
    out.put("", "inactive_disconnect_rate", ratio(s.inactive_disconnects as f64, n));
    out.put("", "transfer_rate", ratio(s.transfers as f64, n));
    out.put("", "auth_fail_rate", ratio(s.auth_failures as f64, n));
    out.put("", "commitments", Some(s.commitments as f64));
    out.put("", "commitments_unserved", Some(s.commitments_unserved as f64));
    handling_metrics(out, "followup_", &s.followup_handling);
}

fn queue_scope(out: &mut Out, s: &SegTotals, q: &QueueTotals, observed: f64) {
    queue_metrics(out, "", &s.new, true);
    queue_metrics(out, "transfer_in_", &s.transfer_in, false);
    queue_metrics(out, "followup_", &s.followup, false);
    out.put("", "queue_len_mean", ratio(q.area, observed));
    out.put("", "queue_len_max", (observed > 0.0).then_some(q.max as f64));
}

fn agent_metrics(out: &mut Out, a: &AgentTotals, levels: usize) {
    out.put("", "logged_in_hours", Some(a.logged_in / 3600.0));
    out.put("", "occupancy", ratio(a.occupied, a.logged_in));
    out.put("", "utilisation", ratio(a.busy_slots, a.capacity));
    for i in 0..levels {
        out.put("", &format!("concurrency_{i}"), ratio(a.concurrency.get(i).copied().unwrap_or(0.0), a.logged_in));
    }
    out.put("", "overtime", Some(a.overtime / 3600.0));
}

/// The labels of [`metric_values`], in the same order.
pub fn metric_labels(layout: &Layout, names: &ScopeNames) -> Vec<Label> {
    let mut labels = Vec::new();
    write_metrics(layout, names, &SlotTotals::new(layout), &mut Vec::new(), Some(&mut labels));
    labels
}

/// Every metric of every scope for one slot (or the whole run), in a fixed order.
pub fn metric_values(layout: &Layout, names: &ScopeNames, t: &SlotTotals) -> Vec<Option<f64>> {
    let mut values = Vec::new();
    write_metrics(layout, names, t, &mut values, None);
    values
}

fn write_metrics(
    layout: &Layout,
    names: &ScopeNames,
    t: &SlotTotals,
    values: &mut Vec<Option<f64>>,
    mut labels: Option<&mut Vec<Label>>,
) {
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
    let mut out = |scope: &'static str, key: &str, f: &mut dyn FnMut(&mut Out)| {
        let mut o = Out { scope, key, values: &mut *values, labels: labels.as_deref_mut() };
        f(&mut o);
    };
    out("all", "all", &mut |o| {
        queue_scope(o, &t.seg[0], &t.queue[0], t.observed);
        outcome_metrics(o, &t.seg[0]);
        agent_metrics(o, &all_agents, levels);
    });
    for (r, name) in names.reasons.iter().enumerate() {
        out("reason", name, &mut |o| {
            queue_scope(o, &t.seg[layout.reason_scope(r)], &t.queue[1 + r], t.observed);
            outcome_metrics(o, &t.seg[layout.reason_scope(r)]);
        });
    }
    for (s, name) in names.skills.iter().enumerate() {
        out("skill", name, &mut |o| {
            queue_scope(o, &t.seg[layout.skill_scope(s)], &t.queue[1 + layout.reasons + s], t.observed);
            outcome_metrics(o, &t.seg[layout.skill_scope(s)]);
        });
    }
    for (g, name) in names.groups.iter().enumerate() {
        out("group", name, &mut |o| {
            outcome_metrics(o, &t.seg[layout.group_scope(g)]);
            agent_metrics(o, &t.agents[g], layout.caps[g] as usize + 1);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_a_kind() {
        let layout = Layout {
            reasons: 1,
            skills: 1,
            caps: vec![1, 4],
            interval: crate::engine::SimDuration::from_whole_secs(1800),
            per_day: false,
            warmup_at: SimTime::ZERO,
            threshold: 60.0,
            short_abandon: 5.0,
        };
        let names =
            ScopeNames { reasons: vec!["r".into()], skills: vec!["s".into()], groups: vec!["a".into(), "b".into()] };
        let labels = metric_labels(&layout, &names);
        assert!(labels.len() > 100);
        for l in &labels {
            assert!(MetricKind::of(&l.metric).is_some(), "{} has no kind: add it to MetricKind::of", l.metric);
        }
        // undefined values are written only where the kind allows them
        let values = metric_values(&layout, &names, &SlotTotals::new(&layout));
        for (l, v) in labels.iter().zip(&values) {
            let kind = MetricKind::of(&l.metric).unwrap();
            match v {
                None => assert!(!kind.always_defined(), "{} is undefined with no data", l.metric),
                Some(v) => assert!(kind.admits(*v), "{} = {v}", l.metric),
            }
        }
    }

    #[test]
    fn kinds_admit_what_ccsim_writes_and_nothing_else() {
        use MetricKind::*;
        assert_eq!(MetricKind::of("followup_handled"), Some(Count));
        assert_eq!(MetricKind::of("transfer_in_service_level"), Some(Share));
        assert_eq!(MetricKind::of("concurrency_12"), Some(Share));
        assert_eq!(MetricKind::of("concurrency_"), None);
        assert_eq!(MetricKind::of("nonsense"), None);
        assert!(Count.admits(0.0) && Count.admits(7.0) && !Count.admits(-7.0) && !Count.admits(1.5));
        assert!(Count.admits_mean(1.5) && !Count.admits(1e308));
        assert!(Share.admits(1.0) && !Share.admits(5.0) && !Share.admits(-0.1));
        assert!(Time.admits(1e9) && !Time.admits(1e13) && !Time.admits(-1.0));
        for k in [Count, Share, Time, Hours, QueueLength] {
            assert!(!k.admits(f64::NAN) && !k.admits(f64::INFINITY) && !k.admits_mean(f64::NAN), "{k:?}");
        }
    }
}
