//! What `ccsim fit` writes: a scenario that runs as it is (`scenario.toml`
//! with `forecast.csv` and `staffing.csv`), and `fit.csv`, every fitted
//! number with its standard error, sample size and how it was chosen.

use super::csv_out::{csv_writer, fmt_num};
use crate::analytic::calibrate::{Calibration, DurationFit, why_not};
use crate::history::History;
use crate::scenario::duration::{fmt_clock, fmt_duration};
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Weekday names, day 1 = Monday as in a fitted scenario.
pub const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Writes `scenario.toml`, `forecast.csv`, `staffing.csv` and `fit.csv` into `dir`.
pub fn write_fit(dir: &Path, cal: &Calibration, history: &History, name: &str) -> io::Result<()> {
    std::fs::write(dir.join("scenario.toml"), scenario_toml(cal, history, name))?;
    write_forecast(&dir.join("forecast.csv"), cal)?;
    write_staffing(&dir.join("staffing.csv"), cal)?;
    write_fit_csv(&dir.join("fit.csv"), cal, history)
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The chosen distribution of a fit as a scenario string, with a comment
/// saying where it came from.
fn dist_line(key: &str, fit: &DurationFit, fallback: &str) -> String {
    match fit.best().map(|f| (f, f.model.to_dist())) {
        Some((f, Ok(dist))) => format!(
            "{key} = {}  # {} by AIC over {} values ({} censored), KS {:.3}{}\n",
            quote(&dist.to_string()),
            f.family().name(),
            fit.observed + fit.censored,
            fit.censored,
            f.ks,
            if fit.inherited { "; all reasons pooled: too few of its own" } else { "" }
        ),
        Some((_, Err(e))) => format!("{key} = {}  # the fit cannot be used: {e}\n", quote(fallback)),
        None => format!("{key} = {}  # no fit: {}\n", quote(fallback), why_not(fit)),
    }
}

fn scenario_toml(cal: &Calibration, history: &History, name: &str) -> String {
    let p = &cal.profile;
    let dates = history.dates();
    let (first, last) = (dates[0], dates[dates.len() - 1]);
    let skipped: u64 = history.skipped.iter().map(|(_, s)| s.rows).sum();
    let mut w = String::new();
    let file =
        history.file.file_name().map_or_else(|| history.file.display().to_string(), |f| f.to_string_lossy().into());
    let _ = writeln!(w, "# Fitted by `ccsim fit` from {file}: {} contacts, {first} to {last}.", history.contacts.len());
    if skipped > 0 {
        let _ = writeln!(w, "# {skipped} rows could not be used and were skipped (fit.csv lists them by reason).");
    }
    w.push_str(
        "# Days 1-7 are Monday-Sunday: forecast.csv and staffing.csv hold the mean of each\n\
         # weekday's dates. Every fitted number, with its standard error, is in fit.csv.\n",
    );
    for note in &cal.notes {
        let _ = writeln!(w, "# Note: {note}.");
    }
    let _ = writeln!(w, "name = {}", quote(name));
    let _ = writeln!(w, "description = {}", quote(&format!("Fitted from {file}, {first} to {last}")));
    w.push_str("forecast = \"forecast.csv\"\nstaffing = \"staffing.csv\"\n\n[simulation]\n");
    let _ = writeln!(w, "start = {}", quote(&fmt_clock(p.start)));
    let _ = writeln!(w, "end = {}", quote(&fmt_clock(p.end)));
    w.push_str("days = 7\n");
    let _ = writeln!(w, "interval = {}", quote(&fmt_duration(f64::from(p.interval))));
    w.push_str("replications = 10\nseed = 1\n\n");
    w.push_str("[service_level]  # not in a history: ccsim's defaults, set your own\nthreshold = \"60s\"\ngoal = 0.8\n\n[chat]\n");
    let (cap, speed) = match &cal.concurrency {
        Some(c) if c.cap > 1 => (c.cap, c.speed.iter().map(|s| s.unwrap_or(1.0)).collect::<Vec<_>>()),
        _ => (1, vec![1.0]),
    };
    let _ = writeln!(w, "max_concurrent = {cap}  # the most contacts an agent was seen holding at once");
    let speeds: Vec<String> = speed.iter().map(|s| format!("{:?}", round4(*s))).collect();
    let _ = writeln!(w, "speed = [{}]", speeds.join(", "));
    // One wrap-up for every chat, as the scenario has: all reasons pooled
    // (each reason's own fit is in fit.csv).
    if let Some(all) = &cal.wrapup {
        w.push_str(&dist_line("wrapup", all, "0s"));
    }
    for reason in &cal.reasons {
        let _ = writeln!(w, "\n[[reasons]]  # {} contacts, {} segments answered", reason.contacts, reason.answered);
        let _ = writeln!(w, "name = {}", quote(&reason.name));
        let _ = writeln!(w, "skill = {}", quote(&reason.name));
        w.push_str(&dist_line("handle", &reason.handle, "0s"));
        w.push_str(&dist_line("patience", &reason.patience.fit, "never"));
        let rates = &reason.rates;
        if rates.auth_fail.events > 0 {
            let _ = writeln!(w, "auth_fail = {:?}", round4(rates.auth_fail.p()));
        }
        if rates.inactive_disconnect.events > 0 {
            let _ = writeln!(w, "nonresponsive = {{ p = {:?}, returns = 0.0 }}", round4(rates.inactive_disconnect.p()));
        }
        let handle = |fit: &Option<DurationFit>| match fit.as_ref().and_then(|f| f.best()).map(|b| b.model.to_dist()) {
            Some(Ok(dist)) => format!(", handle = {}", quote(&dist.to_string())),
            _ => String::new(),
        };
        if let (true, Some(&(to, _))) = (rates.transfer.events > 0, rates.transfer_to.first()) {
            let _ = writeln!(
                w,
                "transfer = {{ p = {:?}, to = {}{} }}",
                round4(rates.transfer.p()),
                quote(&cal.reasons[to as usize].name),
                handle(&reason.transfer_handle)
            );
        }
        if let (Some(after), Some(&(to, _))) = (rates.followup_after, rates.followup_to.first()) {
            let _ = writeln!(
                w,
                "commitment = {{ p = {:?}, after = {}, skill = {}{} }}",
                round4(rates.followup.p()),
                quote(&fmt_duration(after.round())),
                quote(&cal.reasons[to as usize].name),
                handle(&reason.followup_handle)
            );
        }
    }
    for g in &cal.groups {
        let _ = writeln!(w, "\n[[groups]]  # {} agents seen", g.agents.len());
        let _ = writeln!(w, "name = {}", quote(&g.name));
        let skills: Vec<String> = g.reasons.iter().map(|&r| quote(&cal.reasons[r as usize].name)).collect();
        let _ = writeln!(w, "skills = [{}]", skills.join(", "));
    }
    w
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

fn write_forecast(path: &Path, cal: &Calibration) -> io::Result<()> {
    let p = &cal.profile;
    let mut w = csv_writer(path)?;
    w.write_record(["day", "interval", "reason", "volume"]).map_err(io::Error::other)?;
    let mut named = vec![false; cal.reasons.len()];
    for (&(weekday, slot, reason), &volume) in &p.volume {
        named[reason as usize] = true;
        let clock = fmt_clock(p.start + slot * p.interval);
        w.write_record([
            (weekday + 1).to_string(),
            clock,
            cal.reasons[reason as usize].name.clone(),
            fmt_num(Some(volume)),
        ])
        .map_err(io::Error::other)?;
    }
    // A reason reached only by transfers still needs a row to be named.
    for (r, _) in named.iter().enumerate().filter(|(_, n)| !**n) {
        w.write_record(["all".to_string(), fmt_clock(p.start), cal.reasons[r].name.clone(), "0".to_string()])
            .map_err(io::Error::other)?;
    }
    w.flush()
}

fn write_staffing(path: &Path, cal: &Calibration) -> io::Result<()> {
    let p = &cal.profile;
    let mut w = csv_writer(path)?;
    w.write_record(["day", "interval", "group", "agents", "mean", "source"]).map_err(io::Error::other)?;
    let source = cal.staffing_source.describe();
    let mut named = vec![false; cal.groups.len()];
    for (&(weekday, slot, group), &mean) in &cal.staffing {
        named[group as usize] = true;
        w.write_record([
            (weekday + 1).to_string(),
            fmt_clock(p.start + slot * p.interval),
            cal.groups[group as usize].name.clone(),
            format!("{}", mean.round() as u64),
            fmt_num(Some(mean)),
            source.to_string(),
        ])
        .map_err(io::Error::other)?;
    }
    for (g, _) in named.iter().enumerate().filter(|(_, n)| !**n) {
        w.write_record(["all", &fmt_clock(p.start), &cal.groups[g].name, "0", "0", source])
            .map_err(io::Error::other)?;
    }
    w.flush()
}

/// `fit.csv`: one row per parameter of every candidate family, rate and
/// speed, and one per family that could not be fitted (with why).
pub const FIT_COLUMNS: [&str; 12] = [
    "reason",
    "quantity",
    "distribution",
    "chosen",
    "parameter",
    "estimate",
    "std_error",
    "n",
    "censored_share",
    "aic",
    "ks",
    "note",
];

fn write_fit_csv(path: &Path, cal: &Calibration, history: &History) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(FIT_COLUMNS).map_err(io::Error::other)?;
    let mut row = |fields: [String; 12]| w.write_record(fields).map_err(io::Error::other);
    let s = |v: &str| v.to_string();
    for reason in &cal.reasons {
        let mut durations = vec![("handle", &reason.handle), ("patience", &reason.patience.fit)];
        if let Some(t) = &reason.transfer_handle {
            durations.push(("transfer_handle", t));
        }
        if let Some(f) = &reason.followup_handle {
            durations.push(("followup_handle", f));
        }
        if let Some(wr) = &reason.wrapup {
            durations.push(("wrapup", wr));
        }
        for (quantity, fit) in durations {
            let n = fit.observed + fit.censored;
            let share = if n == 0 { 0.0 } else { fit.censored as f64 / n as f64 };
            let note = if fit.inherited { s("all reasons pooled") } else { String::new() };
            for (i, f) in fit.ranking.fits.iter().enumerate() {
                for e in f.params.iter().chain([&f.mean, &f.sd]) {
                    row([
                        reason.name.clone(),
                        s(quantity),
                        s(f.family().name()),
                        s(if i == 0 { "1" } else { "0" }),
                        s(e.name),
                        fmt_num(Some(e.value)),
                        fmt_num(Some(e.se)),
                        n.to_string(),
                        fmt_num(Some(share)),
                        fmt_num(Some(f.aic)),
                        fmt_num(Some(f.ks)),
                        note.clone(),
                    ])?;
                }
            }
            for (family, e) in &fit.ranking.failed {
                let mut fields: [String; 12] = Default::default();
                fields[..5].clone_from_slice(&[
                    reason.name.clone(),
                    s(quantity),
                    s(family.name()),
                    s("0"),
                    String::new(),
                ]);
                fields[7] = n.to_string();
                fields[11] = e.to_string();
                row(fields)?;
            }
        }
        let r = &reason.rates;
        for (quantity, rate) in [
            ("transfer_rate", r.transfer),
            ("inactive_disconnect_rate", r.inactive_disconnect),
            ("auth_fail_rate", r.auth_fail),
            ("followup_rate", r.followup),
        ] {
            let mut fields: [String; 12] = Default::default();
            fields[..8].clone_from_slice(&[
                reason.name.clone(),
                s(quantity),
                s("binomial"),
                s("1"),
                s("p"),
                fmt_num(Some(rate.p())),
                fmt_num(Some(rate.std_error())),
                rate.trials.to_string(),
            ]);
            row(fields)?;
        }
        for (quantity, targets, total) in
            [("transfer_to", &r.transfer_to, r.transfer.events), ("followup_to", &r.followup_to, r.followup.events)]
        {
            for &(to, count) in targets {
                let mut fields: [String; 12] = Default::default();
                fields[..8].clone_from_slice(&[
                    reason.name.clone(),
                    s(quantity),
                    s("share"),
                    s(if Some(&(to, count)) == targets.first() { "1" } else { "0" }),
                    cal.reasons[to as usize].name.clone(),
                    fmt_num(Some(count as f64 / total.max(1) as f64)),
                    String::new(),
                    total.to_string(),
                ]);
                row(fields)?;
            }
        }
        if let Some(after) = r.followup_after {
            let mut fields: [String; 12] = Default::default();
            fields[..8].clone_from_slice(&[
                reason.name.clone(),
                s("followup_after"),
                s("mean"),
                s("1"),
                s("seconds"),
                fmt_num(Some(after)),
                String::new(),
                r.followup.events.to_string(),
            ]);
            row(fields)?;
        }
    }
    if let Some(c) = &cal.concurrency {
        for (k, speed) in c.speed.iter().enumerate() {
            let mut fields: [String; 12] = Default::default();
            fields[..8].clone_from_slice(&[
                s("all"),
                s("speed"),
                s("moments"),
                s("1"),
                (k + 1).to_string(),
                speed.map_or(String::new(), |v| fmt_num(Some(v))),
                String::new(),
                c.accepted_at[k].to_string(),
            ]);
            fields[11] = format!("share of busy time at this level {}", fmt_num(Some(c.time_share[k])));
            row(fields)?;
        }
    }
    for (reason, skipped) in &history.skipped {
        let mut fields: [String; 12] = Default::default();
        fields[..8].clone_from_slice(&[
            reason.clone(),
            s("skipped_rows"),
            String::new(),
            String::new(),
            String::new(),
            skipped.rows.to_string(),
            String::new(),
            skipped.rows.to_string(),
        ]);
        fields[11] = skipped.first.clone().map(|e| format!("first: {e}")).unwrap_or_default();
        row(fields)?;
    }
    w.flush()
}
