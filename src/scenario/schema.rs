//! The raw schema: the scenario file as serde reads it, before any check.
//!
//! Every leaf is a spanned TOML value, so that pass 1 can name the key and
//! the position of a bad value; serde itself rejects only unknown keys and a
//! value where a table belongs (the `expecting` texts are its messages).

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::{Spanned, Value};

/// A key's value when given, with where it was written.
pub(super) type Field = Option<Spanned<Value>>;
/// A list of tables (`[[reasons]]`, `shifts`) when given, each with its span.
pub(super) type Items<T> = Option<Spanned<Vec<Spanned<T>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub(super) name: Field,
    pub(super) description: Field,
    pub(super) simulation: Option<Spanned<RawSimulation>>,
    pub(super) service_level: Option<RawServiceLevel>,
    pub(super) chat: Option<RawChat>,
    pub(super) routing: Option<RawRouting>,
    pub(super) reasons: Items<RawReason>,
    pub(super) groups: Items<RawGroup>,
    pub(super) arrivals: Field,
    pub(super) forecast: Field,
    pub(super) staffing: Field,
    pub(super) forecast_error: Option<Spanned<RawForecastError>>,
    /// `[queue_cap]`: skill name → chats that may wait in its queue.
    pub(super) queue_cap: Option<BTreeMap<String, Spanned<Value>>>,
    /// `[scheduling]`: the shift rules of `ccsim schedule`.
    pub(super) scheduling: Option<Spanned<RawScheduling>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [scheduling] table")]
pub(super) struct RawScheduling {
    pub(super) templates: Items<RawTemplate>,
    pub(super) max_part_time: Field,
    pub(super) max_agents: Field,
    pub(super) over_cost: Field,
    pub(super) under_cost: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[scheduling.templates]] table")]
pub(super) struct RawTemplate {
    pub(super) name: Field,
    pub(super) length: Field,
    pub(super) earliest: Field,
    pub(super) latest: Field,
    pub(super) step: Field,
    pub(super) days: Field,
    pub(super) cost_per_hour: Field,
    pub(super) cost_per_shift: Field,
    pub(super) min: Field,
    pub(super) max: Field,
    pub(super) part_time: Field,
    pub(super) groups: Field,
    pub(super) breaks: Items<RawTemplateBreak>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { length = "15m", within = ["2h", "3h"] }"#)]
pub(super) struct RawTemplateBreak {
    pub(super) length: Field,
    pub(super) within: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [forecast_error] table")]
pub(super) struct RawForecastError {
    pub(super) cv: Field,
    pub(super) per_interval_cv: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [simulation] table")]
pub(super) struct RawSimulation {
    pub(super) start: Field,
    pub(super) end: Field,
    pub(super) days: Field,
    pub(super) interval: Field,
    pub(super) warmup: Field,
    pub(super) replications: Field,
    pub(super) seed: Field,
    pub(super) first_date: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [service_level] table")]
pub(super) struct RawServiceLevel {
    pub(super) threshold: Field,
    pub(super) goal: Field,
    pub(super) max_abandon: Field,
    pub(super) short_abandon: Field,
    /// Skill name → its own service-level goal (for `staff`).
    pub(super) goals: Option<BTreeMap<String, Spanned<Value>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [chat] table")]
pub(super) struct RawChat {
    pub(super) max_concurrent: Field,
    pub(super) speed: Field,
    pub(super) accept: Field,
    pub(super) refuse: Field,
    pub(super) inactivity_timeout: Field,
    pub(super) wrapup: Field,
    pub(super) wrapup_blocks: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [routing] table")]
pub(super) struct RawRouting {
    pub(super) agent_select: Field,
    pub(super) queue_select: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[reasons]] table")]
pub(super) struct RawReason {
    pub(super) name: Field,
    pub(super) skill: Field,
    pub(super) rate: Field,
    pub(super) volume: Field,
    pub(super) volume_cv: Field,
    pub(super) handle: Field,
    pub(super) auth: Field,
    pub(super) auth_fail: Field,
    pub(super) patience: Field,
    pub(super) priority: Field,
    pub(super) nonresponsive: Option<Spanned<RawNonresponsive>>,
    pub(super) transfer: Option<Spanned<RawTransfer>>,
    pub(super) commitment: Option<Spanned<RawCommitment>>,
    pub(super) retry: Option<Spanned<RawRetry>>,
    pub(super) misroute: Option<Spanned<RawMisroute>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table like { p = 0.08, returns = 0.25 }")]
pub(super) struct RawNonresponsive {
    pub(super) p: Field,
    pub(super) returns: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { p = 0.05, to = "tech" }"#)]
pub(super) struct RawTransfer {
    pub(super) p: Field,
    pub(super) to: Field,
    pub(super) handle: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { p = 0.1, after = "2h", skill = "billing" }"#)]
pub(super) struct RawCommitment {
    pub(super) p: Field,
    pub(super) after: Field,
    pub(super) skill: Field,
    pub(super) handle: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { p = 0.3, after = "exponential(mean=10m)" }"#)]
pub(super) struct RawRetry {
    pub(super) p: Field,
    pub(super) after: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { p = 0.05, to = "orders", triage = "const(1m)" }"#)]
pub(super) struct RawMisroute {
    pub(super) p: Field,
    pub(super) to: Field,
    pub(super) triage: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[groups]] table")]
pub(super) struct RawGroup {
    pub(super) name: Field,
    pub(super) skills: Field,
    pub(super) agents: Field,
    pub(super) shifts: Items<RawShift>,
    pub(super) max_concurrent: Field,
    pub(super) speed: Field,
    pub(super) accept: Field,
    pub(super) refuse: Field,
    pub(super) wrapup: Field,
    pub(super) wrapup_blocks: Field,
    pub(super) absenteeism: Field,
    pub(super) breaks: Items<RawBreak>,
    pub(super) max_on_break: Field,
    pub(super) shrinkage: Option<Spanned<RawShrinkage>>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = r#"a table like { start = "12:00", length = "30m" } or { length = "15m", within = ["2h", "3h"] }"#
)]
pub(super) struct RawBreak {
    pub(super) start: Field,
    pub(super) length: Field,
    pub(super) within: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { start = "08:00", end = "16:30", agents = 8 }"#)]
pub(super) struct RawShift {
    pub(super) start: Field,
    pub(super) end: Field,
    pub(super) agents: Field,
    pub(super) days: Field,
    pub(super) breaks: Items<RawShiftBreak>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { start = "10:00", length = "15m" }"#)]
pub(super) struct RawShiftBreak {
    pub(super) start: Field,
    pub(super) length: Field,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"a table like { share = 0.05, spell = "10m" }"#)]
pub(super) struct RawShrinkage {
    pub(super) share: Field,
    pub(super) spell: Field,
}

/// List items with a `name` (reasons, groups).
pub(super) trait HasName {
    fn name(&self) -> Option<&str>;
}

impl HasName for RawReason {
    fn name(&self) -> Option<&str> {
        self.name.as_ref().and_then(|v| v.get_ref().as_str())
    }
}

impl HasName for RawTemplate {
    fn name(&self) -> Option<&str> {
        self.name.as_ref().and_then(|v| v.get_ref().as_str())
    }
}

impl HasName for RawGroup {
    fn name(&self) -> Option<&str> {
        self.name.as_ref().and_then(|v| v.get_ref().as_str())
    }
}
