//! Pass 1 of a `[[reasons]]` table: its name and skill, its arrivals (`rate`,
//! `volume`, its rows of the `forecast` file, or none under a replay) and the
//! customer's behaviour (handle, auth, patience, non-response, transfer,
//! commitment).
//!
//! Skills stay names here ([`Ref`]s); pass 2 (`parse`) numbers them.

use super::dist::DIST_HINT;
use super::duration::{fmt_duration, parse_rate_parts};
use super::fields::{At, Ctx, Result, got, number};
use super::interval_tables::CsvProfiles;
use super::limits;
use super::parse::Ref;
use super::schema::{RawCommitment, RawMisroute, RawNonresponsive, RawReason, RawRetry, RawTransfer};
use super::{Commitment, DayProfiles, Dist, Misroute, Nonresponsive, Reason, Retry, Simulation, Transfer};
use toml::{Spanned, Value};

/// A reason after pass 1, its skills still by name.
pub(super) struct ReasonDraft {
    /// The reason, with every skill index left 0.
    pub(super) reason: Reason,
    pub(super) name_at: At,
    pub(super) skill: Ref,
    pub(super) transfer_to: Option<Ref>,
    pub(super) commitment_skill: Option<Ref>,
    /// The reason `misroute.to` names (resolved in pass 2).
    pub(super) misroute_to: Option<Ref>,
}

/// What decides a reason's arrivals besides its own `rate` or `volume`.
pub(super) struct ArrivalInputs<'a> {
    /// A top-level `arrivals` replay gives every chat.
    pub(super) replaying: bool,
    /// The top-level `forecast` file.
    pub(super) forecast: Option<&'a CsvProfiles<f64>>,
}

impl Ctx<'_> {
    fn skill_ref(&self, key: &str, v: &Spanned<Value>) -> Result<Ref> {
        Ok(Ref { name: self.name(key, v)?, at: self.at(key, Some(v.span())) })
    }

    pub(super) fn reason(
        &self,
        key: &str,
        raw: &Spanned<RawReason>,
        sim: &Simulation,
        inputs: &ArrivalInputs,
    ) -> Result<ReasonDraft> {
        let r = raw.get_ref();
        let k = |field: &str| format!("{key}.{field}");
        let name_v = self.required(&k("name"), &r.name, "a string")?;
        let name = self.name(&k("name"), name_v)?;
        let skill = self.skill_ref(&k("skill"), self.required(&k("skill"), &r.skill, "a skill name")?)?;
        let volume = self.reason_volume(key, raw, &name, sim, inputs)?;
        let volume_cv = self.opt(&r.volume_cv, 0.0, |v| self.volume_cv(&k("volume_cv"), v))?;
        if let (Some(v), true) = (&r.volume_cv, inputs.replaying && volume_cv > 0.0) {
            return Err(self.err(
                &k("volume_cv"),
                v,
                "not allowed with a top-level `arrivals` replay, which gives every chat; remove it or set it to 0",
            ));
        }

        let handle_v = self.required(&k("handle"), &r.handle, "a duration or distribution")?;
        let handle = self.dist(&k("handle"), handle_v, false)?;
        let auth = self.opt(&r.auth, Dist::Const(0.0), |v| self.dist(&k("auth"), v, false))?;
        let auth_fail = self.opt(&r.auth_fail, 0.0, |v| self.probability(&k("auth_fail"), v))?;
        let patience = self.opt(&r.patience, Dist::Never, |v| self.dist(&k("patience"), v, true))?;
        let priority = self.opt(&r.priority, 1, |v| {
            self.integer(&k("priority"), v, i32::MIN.into(), i32::MAX.into(), "an integer").map(|p| p as i32)
        })?;
        let nonresponsive = r.nonresponsive.as_ref().map(|n| self.nonresponsive(key, n.get_ref())).transpose()?;
        let (transfer, transfer_to) = r.transfer.as_ref().map(|t| self.transfer(key, t.get_ref())).transpose()?.unzip();
        let (commitment, commitment_skill) =
            r.commitment.as_ref().map(|c| self.commitment(key, c.get_ref())).transpose()?.unzip();
        let retry = r.retry.as_ref().map(|t| self.retry(key, t.get_ref())).transpose()?.flatten();
        let (misroute, misroute_to) = r.misroute.as_ref().map(|m| self.misroute(key, m.get_ref())).transpose()?.unzip();
        Ok(ReasonDraft {
            reason: Reason {
                name,
                skill: 0,
                volume,
                volume_cv,
                handle,
                auth,
                auth_fail,
                patience,
                priority,
                nonresponsive,
                transfer,
                commitment,
                retry,
                misroute,
            },
            name_at: self.at(&k("name"), Some(name_v.span())),
            skill,
            transfer_to,
            commitment_skill,
            misroute_to,
        })
    }

    /// Expected chats per open interval: from exactly one of `rate`, `volume`
    /// or the reason's rows of the `forecast` file; all 0 under a replay.
    fn reason_volume(
        &self,
        key: &str,
        raw: &Spanned<RawReason>,
        name: &str,
        sim: &Simulation,
        inputs: &ArrivalInputs,
    ) -> Result<DayProfiles<f64>> {
        let r = raw.get_ref();
        let k = |field: &str| format!("{key}.{field}");
        let given =
            [("rate", &r.rate), ("volume", &r.volume)].into_iter().find_map(|(f, v)| v.as_ref().map(|v| (f, v)));
        let from_forecast = inputs.forecast.and_then(|t| t.by_name.get(name).map(|p| (t, p)));
        if let (Some((field, v)), true) = (given, inputs.replaying) {
            return Err(self.err(
                &k(field),
                v,
                "not allowed with a top-level `arrivals` replay, which gives every chat",
            ));
        }
        if let (Some((field, v)), Some((table, _))) = (given, from_forecast) {
            return Err(self.err(
                &k(field),
                v,
                format!(
                    "not allowed: {} gives the volumes of reason {name:?}; remove `{field}` here or the reason's rows there",
                    table.path.display()
                ),
            ));
        }
        Ok(match (&r.rate, &r.volume) {
            (None, None) if inputs.replaying => DayProfiles::every_day(vec![0.0; sim.open_intervals()]),
            (None, None) if let Some((_, profiles)) = from_forecast => profiles.clone(),
            (Some(v), None) => self.rate(&k("rate"), v, sim)?,
            (None, Some(v)) => self.volume(&k("volume"), v, sim)?,
            (Some(v), Some(_)) => {
                return Err(self.err(&k("rate"), v, "expected exactly one of `rate` or `volume`, got both"));
            }
            (None, None) => {
                let file = inputs.forecast.map_or("a top-level `forecast` or `arrivals` file".to_string(), |t| {
                    format!("rows for {name:?} in {}", t.path.display())
                });
                return Err(self.at(key, Some(raw.span())).err(format!(
                    "missing arrivals; expected `rate` (like \"120/h\") or `volume` (a list per interval), or {file}"
                )));
            }
        })
    }

    /// `rate`: a constant rate like "120/h", as the same volume every interval.
    fn rate(&self, key: &str, v: &Spanned<Value>, sim: &Simulation) -> Result<DayProfiles<f64>> {
        let (count, unit) = match v.get_ref() {
            Value::String(s) => {
                let (count, unit) = parse_rate_parts(s).map_err(|m| self.err(key, v, m))?;
                limits::check_rate(count, unit).map_err(|m| self.err(key, v, format!("{s:?}: {m}")))?;
                (count, unit)
            }
            other => {
                return Err(self.err(key, v, format!("expected a rate like \"120/h\", got {}", got(other))));
            }
        };
        Ok(DayProfiles::every_day(vec![count * f64::from(sim.interval) / unit; sim.open_intervals()]))
    }

    /// `volume`: chats per open interval (or one such list per day), each
    /// within the limit on rates.
    fn volume(&self, key: &str, v: &Spanned<Value>, sim: &Simulation) -> Result<DayProfiles<f64>> {
        let profiles = self.day_profiles(key, v, sim, "a number of chats >= 0", |x| {
            number(x).filter(|x| x.is_finite() && *x >= 0.0).map(|x| x + 0.0)
        })?;
        let max = limits::max_volume(sim.interval);
        for (d, day) in profiles.profiles().iter().enumerate() {
            if let Some(i) = day.iter().position(|&x| x > max) {
                let at = if profiles.is_every_day() { format!("[{i}]") } else { format!("[{d}][{i}]") };
                return Err(self.err(
                    &format!("{key}{at}"),
                    v,
                    format!(
                        "expected at most {max} chats in a {} interval ({} chats/h per reason), got {}",
                        fmt_duration(sim.interval.into()),
                        limits::MAX_RATE_PER_HOUR,
                        day[i]
                    ),
                ));
            }
        }
        Ok(profiles)
    }

    fn nonresponsive(&self, key: &str, n: &RawNonresponsive) -> Result<Nonresponsive> {
        let nk = |f: &str| format!("{key}.nonresponsive.{f}");
        Ok(Nonresponsive {
            p: self.probability(&nk("p"), self.required(&nk("p"), &n.p, "a probability")?)?,
            returns: self.opt(&n.returns, 0.0, |v| self.probability(&nk("returns"), v))?,
        })
    }

    /// `transfer`, and the skill it goes to (resolved in pass 2).
    fn transfer(&self, key: &str, t: &RawTransfer) -> Result<(Transfer, Ref)> {
        let tk = |f: &str| format!("{key}.transfer.{f}");
        let p = self.probability(&tk("p"), self.required(&tk("p"), &t.p, "a probability")?)?;
        let to = self.skill_ref(&tk("to"), self.required(&tk("to"), &t.to, "a skill name")?)?;
        let handle = self.opt(&t.handle, None, |v| self.dist(&tk("handle"), v, false).map(Some))?;
        Ok((Transfer { p, to: 0, handle }, to))
    }

    /// `retry`: `None` when `p` is 0 (off, as if absent).
    fn retry(&self, key: &str, t: &RawRetry) -> Result<Option<Retry>> {
        let rk = |f: &str| format!("{key}.retry.{f}");
        let p_v = self.required(&rk("p"), &t.p, "a probability")?;
        let p = number(p_v.get_ref()).filter(|x| !x.is_nan()).ok_or_else(|| {
            self.err(&rk("p"), p_v, format!("expected a probability (a number like 0.3), got {}", got(p_v.get_ref())))
        })?;
        limits::check_retry_p(p).map_err(|m| self.err(&rk("p"), p_v, m))?;
        let after = self.dist(&rk("after"), self.required(&rk("after"), &t.after, DIST_HINT)?, false)?;
        Ok((p > 0.0).then_some(Retry { p: p + 0.0, after }))
    }

    /// `misroute`, and the reason it names (resolved, and refused when it is
    /// this reason or unknown, in pass 2, which also turns p = 0 into off).
    fn misroute(&self, key: &str, m: &RawMisroute) -> Result<(Misroute, Ref)> {
        let mk = |f: &str| format!("{key}.misroute.{f}");
        let p_v = self.required(&mk("p"), &m.p, "a probability")?;
        let p = number(p_v.get_ref()).filter(|x| !x.is_nan()).ok_or_else(|| {
            self.err(&mk("p"), p_v, format!("expected a probability (a number like 0.05), got {}", got(p_v.get_ref())))
        })?;
        limits::check_misroute_p(p).map_err(|m| self.err(&mk("p"), p_v, m))?;
        let to_v = self.required(&mk("to"), &m.to, "the name of the reason picked instead")?;
        let to = Ref { name: self.name(&mk("to"), to_v)?, at: self.at(&mk("to"), Some(to_v.span())) };
        let triage = self.dist(&mk("triage"), self.required(&mk("triage"), &m.triage, DIST_HINT)?, false)?;
        Ok((Misroute { p: p + 0.0, to: 0, triage }, to))
    }

    /// `commitment`, and the skill of its follow-up (resolved in pass 2).
    fn commitment(&self, key: &str, c: &RawCommitment) -> Result<(Commitment, Ref)> {
        let ck = |f: &str| format!("{key}.commitment.{f}");
        let p = self.probability(&ck("p"), self.required(&ck("p"), &c.p, "a probability")?)?;
        let after = self.duration(&ck("after"), self.required(&ck("after"), &c.after, "a duration like \"2h\"")?)?;
        let skill = self.skill_ref(&ck("skill"), self.required(&ck("skill"), &c.skill, "a skill name")?)?;
        let handle = self.opt(&c.handle, None, |v| self.dist(&ck("handle"), v, false).map(Some))?;
        Ok((Commitment { p, after, skill: 0, handle }, skill))
    }
}
