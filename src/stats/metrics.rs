//! The metrics of docs/design.md §3, computed from one replication's totals.
//! Within a replication a ratio is a ratio of totals; an undefined value
//! (zero denominator) is `None`.

use super::collect::{AgentTotals, HandlingTotals, KindTotals, Layout, QueueTotals, SegTotals, SlotTotals};
use super::names::{Metric, Scope, Work};
#[cfg(test)]
use crate::engine::SimTime;
use crate::model::SegmentKind;

/// What a metric value is: its scope, key and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub scope: Scope,
    /// The reason, skill or group name; `all` for the whole center.
    pub key: String,
    pub metric: Metric,
}

/// Names of reasons, skills and groups, for labelling scopes.
#[derive(Debug, Clone)]
pub struct ScopeNames {
    pub reasons: Vec<String>,
    pub skills: Vec<String>,
    pub groups: Vec<String>,
}

pub(super) fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Where metrics go: always their values; their labels only when asked for.
struct Out<'a> {
    scope: Scope,
    key: &'a str,
    values: &'a mut Vec<Option<f64>>,
    labels: Option<&'a mut Vec<Label>>,
}

impl Out<'_> {
    fn put(&mut self, metric: Metric, value: Option<f64>) {
        self.values.push(value);
        if let Some(labels) = self.labels.as_deref_mut() {
            labels.push(Label { scope: self.scope, key: self.key.to_string(), metric });
        }
    }
}

/// The queue metrics of one kind of segment; `new_chats` (the layout) for
/// the new chats' own: wait percentiles, with a queue cap `blocked` and
/// `block_rate`, with retrials `retries`, with misrouting `misrouted`.
fn queue_metrics(out: &mut Out, kind: SegmentKind, k: &KindTotals, new_chats: Option<&Layout>) {
    let blocking = new_chats.is_some_and(|l| l.blocking);
    let retrials = new_chats.is_some_and(|l| l.retrials);
    let misrouting = new_chats.is_some_and(|l| l.misrouting);
    use Metric::*;
    let n = |x: u64| Some(x as f64);
    out.put(Offered(kind), n(k.offered));
    out.put(Answered(kind), n(k.answered));
    out.put(Abandoned(kind), n(k.abandoned));
    out.put(ShortAbandoned(kind), n(k.short_abandoned));
    out.put(Unserved(kind), n(k.unserved));
    if blocking {
        out.put(Blocked, n(k.blocked));
    }
    if retrials {
        out.put(Retries, n(k.retries));
    }
    if misrouting {
        out.put(Misrouted, n(k.misrouted));
    }
    let base = (k.offered - k.short_abandoned) as f64;
    out.put(ServiceLevel(kind), ratio(k.within_threshold as f64, base));
    out.put(AbandonRate(kind), ratio((k.abandoned - k.short_abandoned) as f64, base));
    if blocking {
        out.put(BlockRate, ratio(k.blocked as f64, k.offered as f64));
    }
    if new_chats.is_some() {
        out.put(PWait, ratio(k.waited as f64, k.offered as f64));
    }
    out.put(Asa(kind), ratio(k.wait_sum, k.answered as f64));
    if new_chats.is_some() {
        let left = (k.answered + k.abandoned) as f64;
        out.put(WaitMeanAll, ratio(k.wait_sum + k.abandon_wait_sum, left));
        for (metric, q) in [(WaitP50, 0.5), (WaitP80, 0.8), (WaitP90, 0.9), (WaitP95, 0.95), (WaitP99, 0.99)] {
            out.put(metric, k.hist.as_ref().and_then(|h| h.quantile(q)));
        }
    }
    out.put(WaitMax(kind), (k.answered > 0).then_some(k.wait_max));
    out.put(AbandonWaitMean(kind), ratio(k.abandon_wait_sum, k.abandoned as f64));
}

fn handling_metrics(out: &mut Out, work: Work, h: &HandlingTotals) {
    let n = h.handled as f64;
    out.put(Metric::Handled(work), Some(n));
    out.put(Metric::ChatTime(work), ratio(h.chat_time_sum, n));
    out.put(Metric::WrapupTime(work), ratio(h.wrapup_sum, n));
    out.put(Metric::Aht(work), ratio(h.chat_time_sum + h.wrapup_sum, n));
}

fn outcome_metrics(out: &mut Out, s: &SegTotals) {
    use Metric::*;
    handling_metrics(out, Work::Chats, &s.handling);
    out.put(AuthTime, ratio(s.auth_sum, s.auth_count as f64));
    let n = s.handling.handled as f64;
    out.put(InactiveDisconnectRate, ratio(s.inactive_disconnects as f64, n));
    out.put(TransferRate, ratio(s.transfers as f64, n));
    out.put(AuthFailRate, ratio(s.auth_failures as f64, n));
    out.put(Commitments, Some(s.commitments as f64));
    out.put(CommitmentsUnserved, Some(s.commitments_unserved as f64));
    handling_metrics(out, Work::Followups, &s.followup_handling);
}

fn queue_scope(out: &mut Out, s: &SegTotals, q: &QueueTotals, observed: f64, layout: &Layout) {
    queue_metrics(out, SegmentKind::New, &s.new, Some(layout));
    queue_metrics(out, SegmentKind::TransferIn, &s.transfer_in, None);
    queue_metrics(out, SegmentKind::Followup, &s.followup, None);
    out.put(Metric::QueueLenMean, ratio(q.area, observed));
    out.put(Metric::QueueLenMax, (observed > 0.0).then_some(q.max as f64));
}

fn agent_metrics(out: &mut Out, a: &AgentTotals, levels: usize, shrinks: bool) {
    out.put(Metric::LoggedInHours, Some(a.logged_in / 3600.0));
    out.put(Metric::Occupancy, ratio(a.occupied, a.logged_in));
    out.put(Metric::Utilisation, ratio(a.busy_slots, a.capacity));
    for i in 0..levels {
        out.put(Metric::Concurrency(i as u32), ratio(a.concurrency.get(i).copied().unwrap_or(0.0), a.logged_in));
    }
    out.put(Metric::Overtime, Some(a.overtime / 3600.0));
    if shrinks {
        let away = a.on_break + a.shrinkage;
        out.put(Metric::ScheduledHours, Some(a.scheduled / 3600.0));
        out.put(Metric::AbsentHours, Some(a.absent / 3600.0));
        out.put(Metric::BreakHours, Some(a.on_break / 3600.0));
        out.put(Metric::ShrinkageHours, Some(a.shrinkage / 3600.0));
        out.put(Metric::ProductiveHours, Some((a.logged_in - away).max(0.0) / 3600.0));
        out.put(Metric::ShrinkageShare, ratio(a.absent + away, a.scheduled).map(|x| x.min(1.0)));
    }
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
        all_agents.scheduled += a.scheduled;
        all_agents.absent += a.absent;
        all_agents.on_break += a.on_break;
        all_agents.shrinkage += a.shrinkage;
        for (x, y) in all_agents.concurrency.iter_mut().zip(&a.concurrency) {
            *x += y;
        }
    }
    let mut out = |scope: Scope, key: &str, f: &mut dyn FnMut(&mut Out)| {
        let mut o = Out { scope, key, values: &mut *values, labels: labels.as_deref_mut() };
        f(&mut o);
    };
    out(Scope::All, "all", &mut |o| {
        queue_scope(o, &t.seg[0], &t.queue[0], t.observed, layout);
        outcome_metrics(o, &t.seg[0]);
        agent_metrics(o, &all_agents, levels, layout.shrinks);
    });
    for (r, name) in names.reasons.iter().enumerate() {
        out(Scope::Reason, name, &mut |o| {
            queue_scope(o, &t.seg[layout.reason_scope(r)], &t.queue[1 + r], t.observed, layout);
            outcome_metrics(o, &t.seg[layout.reason_scope(r)]);
        });
    }
    for (s, name) in names.skills.iter().enumerate() {
        out(Scope::Skill, name, &mut |o| {
            queue_scope(o, &t.seg[layout.skill_scope(s)], &t.queue[1 + layout.reasons + s], t.observed, layout);
            outcome_metrics(o, &t.seg[layout.skill_scope(s)]);
        });
    }
    for (g, name) in names.groups.iter().enumerate() {
        out(Scope::Group, name, &mut |o| {
            outcome_metrics(o, &t.seg[layout.group_scope(g)]);
            agent_metrics(o, &t.agents[g], layout.caps[g] as usize + 1, layout.shrinks);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_reads_back_by_its_name_and_has_a_value_of_its_kind() {
        let layout = Layout {
            reasons: 1,
            skills: 1,
            caps: vec![1, 4],
            interval: crate::engine::SimDuration::from_whole_secs(1800),
            per_day: false,
            warmup_at: SimTime::ZERO,
            threshold: 60.0,
            short_abandon: 5.0,
            blocking: true,
            retrials: true,
            misrouting: true,
            shrinks: true,
        };
        let names =
            ScopeNames { reasons: vec!["r".into()], skills: vec!["s".into()], groups: vec!["a".into(), "b".into()] };
        let labels = metric_labels(&layout, &names);
        assert!(labels.len() > 100);
        for l in &labels {
            assert_eq!(l.metric.to_string().parse::<Metric>(), Ok(l.metric), "{}", l.metric);
            assert_eq!(l.scope.to_string().parse::<Scope>(), Ok(l.scope));
        }
        // undefined values are written only where the kind allows them
        let values = metric_values(&layout, &names, &SlotTotals::new(&layout));
        for (l, v) in labels.iter().zip(&values) {
            let kind = l.metric.kind();
            match v {
                None => assert!(!kind.always_defined(), "{} is undefined with no data", l.metric),
                Some(v) => assert!(kind.admits(*v), "{} = {v}", l.metric),
            }
        }
        // agent metrics are written for scope all and groups only
        for l in &labels {
            if l.metric.describes_agents() {
                assert!(matches!(l.scope, Scope::All | Scope::Group), "{},{}", l.scope, l.metric);
            }
        }
    }
}
