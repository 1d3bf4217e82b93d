//! Pass 1 of a group's planned and unplanned time away: its `breaks`, its
//! `max_on_break` and its `shrinkage` (docs/design.md §1.1, §2 item 9).

use super::duration::fmt_clock;
use super::fields::{Ctx, Result, got, number};
use super::limits;
use super::schema::{RawBreak, RawGroup, RawShrinkage};
use crate::engine::DAY_SECS;
use toml::Spanned;

/// A break every agent of a group takes each day.
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    pub at: BreakAt,
    /// How long the agent is away, seconds (above 0, below a day).
    pub length: f64,
}

/// When a break starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BreakAt {
    /// A clock time (seconds after midnight): everyone on duty then goes
    /// (a team meeting); `max_on_break` does not apply.
    Clock(u32),
    /// Staggered: starting at or after `from` and ending by `to`, both
    /// seconds from the agent's shift start, placed by ccsim so that at most
    /// `max_on_break` of the group is away at once.
    Within { from: f64, to: f64 },
}

/// Unplanned shrinkage: a share of logged-in time lost in short random spells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shrinkage {
    /// The expected share of on-duty time in spells (above 0, below 1).
    pub share: f64,
    /// The mean length of a spell, seconds (exponential).
    pub spell: f64,
}

impl Shrinkage {
    /// The mean gap between spells, seconds: spell × (1 − share) ÷ share.
    pub fn gap(&self) -> f64 {
        self.spell * (1.0 - self.share) / self.share
    }
}

impl Ctx<'_> {
    /// `breaks`, `max_on_break` and `shrinkage` of the group at `key`.
    pub(super) fn away(&self, key: &str, g: &RawGroup) -> Result<(Vec<Break>, f64, Option<Shrinkage>)> {
        let k = |field: &str| format!("{key}.{field}");
        let breaks = match &g.breaks {
            None => Vec::new(),
            Some(list) if list.get_ref().len() > limits::MAX_BREAKS => {
                return Err(self.at(&k("breaks"), Some(list.span())).err(format!(
                    "has {} breaks; expected at most {}",
                    list.get_ref().len(),
                    limits::MAX_BREAKS
                )));
            }
            Some(list) => list
                .get_ref()
                .iter()
                .enumerate()
                .map(|(i, b)| self.one_break(&format!("{key}.breaks[{i}]"), b))
                .collect::<Result<_>>()?,
        };
        let max_on_break = self.opt(&g.max_on_break, 1.0, |v| {
            let x = number(v.get_ref()).filter(|x| !x.is_nan()).ok_or_else(|| {
                self.err(
                    &k("max_on_break"),
                    v,
                    format!("expected a share above 0 and at most 1, got {}", got(v.get_ref())),
                )
            })?;
            limits::check_max_on_break(x).map_err(|m| self.err(&k("max_on_break"), v, m))?;
            Ok(x + 0.0)
        })?;
        let shrinkage = match &g.shrinkage {
            None => None,
            Some(s) => self.shrinkage(&k("shrinkage"), s.get_ref())?,
        };
        Ok((breaks, max_on_break, shrinkage))
    }

    fn one_break(&self, key: &str, raw: &Spanned<RawBreak>) -> Result<Break> {
        let b = raw.get_ref();
        let k = |field: &str| format!("{key}.{field}");
        let length_v = self.required(&k("length"), &b.length, r#"a duration like "15m""#)?;
        let length = self.duration(&k("length"), length_v)?;
        limits::check_break_length(length).map_err(|m| self.err(&k("length"), length_v, m))?;
        let at = match (&b.start, &b.within) {
            (Some(start_v), None) => {
                let start = self.clock(&k("start"), start_v)?;
                if f64::from(start) + length > f64::from(DAY_SECS) {
                    return Err(self.err(
                        &k("start"),
                        start_v,
                        format!(
                            "a break of {} s from {} ends after 24:00, outside the day; expected a start and length \
                             within one day",
                            limits::fmt_num(length),
                            fmt_clock(start)
                        ),
                    ));
                }
                BreakAt::Clock(start)
            }
            (None, Some(within_v)) => {
                let expected = r#"a window [from, to] of two durations from the shift start, like ["2h", "3h"]"#;
                let items = self.list(&k("within"), within_v, "two durations")?;
                if items.len() != 2 {
                    return Err(self.err(
                        &k("within"),
                        within_v,
                        format!("has {} items; expected {expected}", items.len()),
                    ));
                }
                let mut ends = [0.0; 2];
                for (i, item) in items.iter().enumerate() {
                    let v = Spanned::new(within_v.span(), item.clone());
                    ends[i] = self.duration_up_to(&format!("{}[{i}]", k("within")), &v, f64::from(DAY_SECS))?;
                }
                let [from, to] = ends;
                if to <= from {
                    return Err(self.err(
                        &k("within"),
                        within_v,
                        format!(
                            "the window ends ({} s) at or before it starts ({} s); expected {expected} with to after from",
                            limits::fmt_num(to),
                            limits::fmt_num(from)
                        ),
                    ));
                }
                if length > to - from {
                    return Err(self.err(
                        &k("length"),
                        length_v,
                        format!(
                            "a break of {} s does not fit its window of {} s ({} s to {} s from the shift start); \
                             expected a length at most the window's",
                            limits::fmt_num(length),
                            limits::fmt_num(to - from),
                            limits::fmt_num(from),
                            limits::fmt_num(to)
                        ),
                    ));
                }
                BreakAt::Within { from, to }
            }
            (Some(v), Some(_)) => {
                return Err(self.err(
                    &k("start"),
                    v,
                    "expected exactly one of `start` (a clock time) or `within` (a window from the shift start), got both",
                ));
            }
            (None, None) => {
                return Err(self.at(key, Some(raw.span())).err(
                    "missing `start` or `within`; expected a clock time like start = \"12:00\" or a window like \
                     within = [\"2h\", \"3h\"]",
                ));
            }
        };
        Ok(Break { at, length })
    }

    /// `shrinkage = { share, spell }`; a share of 0 turns it off (`None`).
    fn shrinkage(&self, key: &str, s: &RawShrinkage) -> Result<Option<Shrinkage>> {
        let k = |field: &str| format!("{key}.{field}");
        let share_v = self.required(&k("share"), &s.share, "a share from 0 to below 1, like 0.05")?;
        let share = number(share_v.get_ref()).filter(|x| !x.is_nan()).ok_or_else(|| {
            self.err(
                &k("share"),
                share_v,
                format!("expected a share from 0 to below 1 (a number like 0.05), got {}", got(share_v.get_ref())),
            )
        })?;
        limits::check_shrinkage_share(share).map_err(|m| self.err(&k("share"), share_v, m))?;
        let spell_v = self.required(&k("spell"), &s.spell, r#"the mean length of a spell, like "10m""#)?;
        let spell = self.duration(&k("spell"), spell_v)?;
        limits::check_spell(spell).map_err(|m| self.err(&k("spell"), spell_v, m))?;
        Ok((share > 0.0).then_some(Shrinkage { share: share + 0.0, spell }))
    }
}

/// A TOML value for `run.toml`'s `breaks` list.
pub(super) fn break_item(b: &Break, quote: impl Fn(&str) -> String, duration: impl Fn(f64) -> String) -> String {
    match b.at {
        BreakAt::Clock(t) => format!("{{ start = {}, length = {} }}", quote(&fmt_clock(t)), duration(b.length)),
        BreakAt::Within { from, to } => {
            format!("{{ length = {}, within = [{}, {}] }}", duration(b.length), duration(from), duration(to))
        }
    }
}
