//! Pass 1 of the single tables: `[simulation]`, `[service_level]`, `[chat]`
//! and `[routing]`, each field checked and its default applied.
//!
//! The converters of the agent rules (`max_concurrent`, `speed`, `refuse`,
//! `wrapup_blocks`) live here too: `[chat]` gives them for every group and a
//! `[[groups]]` table may override them (see `groups`).

use super::duration::{fmt_clock, fmt_duration};
use super::fields::{Ctx, Result, got};
use super::limits::{self, MAX_CONCURRENT, MAX_SPEED, MAX_WARMUP_SECS, MIN_SPEED};
use super::schema::{RawChat, RawForecastError, RawRouting, RawServiceLevel, RawSimulation};
use super::{AgentSelect, Dist, ForecastError, QueueSelect, Routing, ServiceLevel, Simulation, WrapupBlocks};
use toml::{Spanned, Value};

/// The `[chat]` rules before a group's overrides.
pub(super) struct ChatRules {
    pub(super) max_concurrent: u32,
    /// `None` when not given: all 1.0 for whatever the cap.
    pub(super) speed: Option<Vec<f64>>,
    pub(super) accept: Dist,
    pub(super) refuse: f64,
    pub(super) wrapup: Dist,
    pub(super) wrapup_blocks: WrapupBlocks,
}

impl Ctx<'_> {
    pub(super) fn simulation(&self, raw: Option<&Spanned<RawSimulation>>) -> Result<Simulation> {
        let Some(raw) = raw else {
            return Err(self.at("simulation.end", None).err("missing; expected a clock time like \"20:00\""));
        };
        let raw = raw.get_ref();
        let interval = self.opt(&raw.interval, 1800, |v| {
            let secs = self.duration("simulation.interval", v)?;
            match secs {
                900.0 | 1800.0 | 3600.0 => Ok(secs as u32),
                _ => Err(self.err(
                    "simulation.interval",
                    v,
                    format!("expected 15m, 30m or 60m, got {}", got(v.get_ref())),
                )),
            }
        })?;
        let on_grid = |key: &str, v: &Spanned<Value>| {
            let t = self.clock(key, v)?;
            if t % interval != 0 {
                return Err(self.err(
                    key,
                    v,
                    format!(
                        "{} is not on the {} interval grid (counted from 00:00)",
                        fmt_clock(t),
                        fmt_duration(interval.into())
                    ),
                ));
            }
            Ok(t)
        };
        let start = self.opt(&raw.start, 0, |v| on_grid("simulation.start", v))?;
        let end_v = self.required("simulation.end", &raw.end, "a clock time like \"20:00\"")?;
        let end = on_grid("simulation.end", end_v)?;
        if end <= start {
            return Err(self.err(
                "simulation.end",
                end_v,
                format!("end ({}) must be after start ({})", fmt_clock(end), fmt_clock(start)),
            ));
        }
        let seed = self.opt(&raw.seed, 1, |v| match v.get_ref() {
            Value::Integer(i) if *i >= 0 => Ok(*i as u64),
            Value::String(s) if s.parse::<u64>().is_ok() => Ok(s.parse().unwrap_or_default()),
            other => Err(self.err("simulation.seed", v, format!("expected an integer >= 0, got {}", got(other)))),
        })?;
        Ok(Simulation {
            start,
            end,
            days: self.opt(&raw.days, 1, |v| {
                self.integer(
                    "simulation.days",
                    v,
                    1,
                    limits::MAX_DAYS.into(),
                    &format!("an integer from 1 to {}", limits::MAX_DAYS),
                )
                .map(|i| i as u32)
            })?,
            interval,
            warmup: self.opt(&raw.warmup, 0.0, |v| self.duration_up_to("simulation.warmup", v, MAX_WARMUP_SECS))?,
            replications: self.opt(&raw.replications, 10, |v| match v.get_ref() {
                Value::Integer(i) => {
                    limits::check_replications(*i).map_err(|m| self.err("simulation.replications", v, m))
                }
                other => Err(self.err(
                    "simulation.replications",
                    v,
                    format!("expected an integer from 1 to {}, got {}", limits::MAX_REPLICATIONS, got(other)),
                )),
            })?,
            seed,
            first_date: self.opt(&raw.first_date, None, |v| match v.get_ref() {
                Value::String(s) => {
                    crate::engine::Date::parse(s).map(Some).map_err(|m| self.err("simulation.first_date", v, m))
                }
                other => Err(self.err(
                    "simulation.first_date",
                    v,
                    format!("expected a date like \"2026-03-02\", got {}", got(other)),
                )),
            })?,
        })
    }

    pub(super) fn service_level(&self, raw: Option<&RawServiceLevel>) -> Result<ServiceLevel> {
        let none = RawServiceLevel { threshold: None, goal: None, max_abandon: None, short_abandon: None, goals: None };
        let raw = raw.unwrap_or(&none);
        Ok(ServiceLevel {
            threshold: self.opt(&raw.threshold, 60.0, |v| self.duration("service_level.threshold", v))?,
            goal: self.opt(&raw.goal, 0.8, |v| self.probability("service_level.goal", v))?,
            max_abandon: self
                .opt(&raw.max_abandon, None, |v| self.probability("service_level.max_abandon", v).map(Some))?,
            short_abandon: self.opt(&raw.short_abandon, 0.0, |v| self.duration("service_level.short_abandon", v))?,
            skill_goals: Vec::new(),
        })
    }

    /// `[forecast_error]`: both multipliers off unless given; refused under a
    /// replay, whose chats are given, not drawn.
    pub(super) fn forecast_error(
        &self,
        raw: Option<&Spanned<RawForecastError>>,
        replaying: bool,
    ) -> Result<ForecastError> {
        let Some(raw) = raw else { return Ok(ForecastError::default()) };
        let r = raw.get_ref();
        let fe = ForecastError {
            cv: self.opt(&r.cv, 0.0, |v| self.volume_cv("forecast_error.cv", v))?,
            per_interval_cv: self
                .opt(&r.per_interval_cv, 0.0, |v| self.volume_cv("forecast_error.per_interval_cv", v))?,
        };
        if replaying {
            for (key, field, cv) in [("cv", &r.cv, fe.cv), ("per_interval_cv", &r.per_interval_cv, fe.per_interval_cv)]
            {
                if let (Some(v), true) = (field, cv > 0.0) {
                    return Err(self.err(
                        &format!("forecast_error.{key}"),
                        v,
                        "not allowed with a top-level `arrivals` replay, which gives every chat; remove it or set it to 0",
                    ));
                }
            }
        }
        Ok(fe)
    }

    pub(super) fn refuse(&self, key: &str, v: &Spanned<Value>) -> Result<f64> {
        let p = self.probability(key, v)?;
        if p >= 1.0 {
            return Err(self.err(key, v, "expected a probability below 1 (every offer would be refused), got 1"));
        }
        Ok(p)
    }

    pub(super) fn speed(&self, key: &str, v: &Spanned<Value>) -> Result<Vec<f64>> {
        self.numbers(key, v, &format!("a speed from {MIN_SPEED} to {MAX_SPEED}"), |x| {
            (MIN_SPEED..=MAX_SPEED).contains(&x)
        })
    }

    pub(super) fn wrapup_blocks(&self, key: &str, v: &Spanned<Value>) -> Result<WrapupBlocks> {
        self.choice(key, v, &[("agent", WrapupBlocks::Agent), ("slot", WrapupBlocks::Slot)])
    }

    pub(super) fn max_concurrent(&self, key: &str, v: &Spanned<Value>) -> Result<u32> {
        self.integer(key, v, 1, MAX_CONCURRENT.into(), "an integer from 1 to 32").map(|i| i as u32)
    }

    pub(super) fn chat(&self, raw: Option<&RawChat>) -> Result<(ChatRules, f64)> {
        let none = RawChat {
            max_concurrent: None,
            speed: None,
            accept: None,
            refuse: None,
            inactivity_timeout: None,
            wrapup: None,
            wrapup_blocks: None,
        };
        let raw = raw.unwrap_or(&none);
        let max_concurrent = self.opt(&raw.max_concurrent, 2, |v| self.max_concurrent("chat.max_concurrent", v))?;
        let speed = self.opt(&raw.speed, None, |v| {
            let speed = self.speed("chat.speed", v)?;
            if speed.len() < max_concurrent as usize {
                return Err(self.err(
                    "chat.speed",
                    v,
                    format!(
                        "has {} entries but max_concurrent is {max_concurrent}; expected at least {max_concurrent}",
                        speed.len()
                    ),
                ));
            }
            Ok(Some(speed))
        })?;
        let rules = ChatRules {
            max_concurrent,
            speed,
            accept: self.opt(&raw.accept, Dist::Const(0.0), |v| self.dist("chat.accept", v, false))?,
            refuse: self.opt(&raw.refuse, 0.0, |v| self.refuse("chat.refuse", v))?,
            wrapup: self.opt(&raw.wrapup, Dist::Const(0.0), |v| self.dist("chat.wrapup", v, false))?,
            wrapup_blocks: self
                .opt(&raw.wrapup_blocks, WrapupBlocks::Agent, |v| self.wrapup_blocks("chat.wrapup_blocks", v))?,
        };
        let timeout = self.opt(&raw.inactivity_timeout, 120.0, |v| self.duration("chat.inactivity_timeout", v))?;
        Ok((rules, timeout))
    }

    pub(super) fn routing(&self, raw: Option<&RawRouting>) -> Result<Routing> {
        use AgentSelect::*;
        use QueueSelect::*;
        let none = RawRouting { agent_select: None, queue_select: None };
        let raw = raw.unwrap_or(&none);
        Ok(Routing {
            agent_select: self.opt(&raw.agent_select, LeastBusy, |v| {
                self.choice(
                    "routing.agent_select",
                    v,
                    &[("least_busy", LeastBusy), ("longest_idle", LongestIdle), ("fill_first", FillFirst)],
                )
            })?,
            queue_select: self.opt(&raw.queue_select, Priority, |v| {
                self.choice(
                    "routing.queue_select",
                    v,
                    &[("priority", Priority), ("oldest", Oldest), ("skill_order", SkillOrder)],
                )
            })?,
        })
    }
}
