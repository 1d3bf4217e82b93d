//! `fit.html`: one self-contained page (inline CSS and SVG, no scripts,
//! nothing fetched, no timestamp) with what `ccsim fit` estimated and its
//! charts, which it writes to `charts/` beside it.

use super::fit::WEEKDAYS;
use super::fit_charts::{FitChart, fit_charts, write_fit_charts};
use super::html::{CSS, esc};
use crate::analytic::calibrate::profile::StaffingSource;
use crate::analytic::calibrate::{Calibration, DurationFit, why_not};
use crate::history::History;
use crate::scenario::duration::{fmt_clock, fmt_duration};
use crate::stats::fit::Family;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Writes `charts/` and `fit.html` into the fit folder `dir`.
pub fn write_fit_report(dir: &Path, cal: &Calibration, history: &History, name: &str) -> io::Result<()> {
    let charts = fit_charts(cal);
    let svgs = write_fit_charts(&dir.join("charts"), cal, &charts)?;
    std::fs::write(dir.join("fit.html"), page(cal, history, name, &charts, &svgs))
}

/// Seconds with one decimal.
fn secs(v: f64) -> String {
    format!("{v:.1} s")
}

fn share(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn figure(h: &mut String, chart: &FitChart, svg: &str) {
    let _ = writeln!(
        h,
        "<figure id=\"{f}\">\n{}\n<figcaption>{} — charts/{f}.svg, charts/{f}.png</figcaption>\n</figure>",
        svg.trim(),
        esc(&chart.title),
        f = chart.file,
    );
}

fn page(cal: &Calibration, history: &History, name: &str, charts: &[FitChart], svgs: &[String]) -> String {
    let mut h = String::new();
    let title = esc(name);
    let file =
        history.file.file_name().map_or_else(|| history.file.display().to_string(), |f| f.to_string_lossy().into());
    let dates = history.dates();
    let (first, last) = (dates[0], dates[dates.len() - 1]);
    let p = &cal.profile;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — ccsim fit</title>\n<style>\n{CSS}{EXTRA_CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>{title}</h1>\n"
    );
    let _ = writeln!(
        h,
        "<p class=\"lead\">Fitted from {}: {} contacts ({} segments) from {first} to {last} ({} dates), {} reasons, \
         {} groups.</p>",
        esc(&file),
        history.contacts.len(),
        history.segments.len(),
        dates.len(),
        cal.reasons.len(),
        cal.groups.len()
    );
    let weekdays: Vec<&str> = p.weekdays().map(|d| WEEKDAYS[d as usize]).collect();
    let _ = writeln!(
        h,
        "<p class=\"meta\">Opening hours {}–{} in {} intervals · weekdays {} · staffing from {} · ccsim {}. \
         The scenario is scenario.toml; every number here, with more digits, is in fit.csv.</p>",
        fmt_clock(p.start),
        fmt_clock(p.end),
        fmt_duration(f64::from(p.interval)),
        weekdays.join(", "),
        esc(cal.staffing_source.describe()),
        env!("CARGO_PKG_VERSION")
    );
    if !cal.notes.is_empty() {
        h.push_str("<h2>Notes</h2>\n<ul class=\"notes\">\n");
        for note in &cal.notes {
            let _ = writeln!(h, "<li>{}</li>", esc(note));
        }
        h.push_str("</ul>\n");
    }
    if !history.skipped.is_empty() {
        let total: u64 = history.skipped.iter().map(|(_, s)| s.rows).sum();
        let _ = writeln!(
            h,
            "<h2>Skipped rows</h2>\n<p class=\"note\">{total} rows could not be used (--skip-bad-rows) and were \
             left out; by reason, with the first such row's error.</p>\n<div class=\"scroll\"><table>\n\
             <thead><tr><th>Reason</th><th>Rows</th><th class=\"text\">First error</th></tr></thead>\n<tbody>"
        );
        for (reason, skipped) in &history.skipped {
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td>{}</td><td class=\"text\">{}</td></tr>",
                esc(reason),
                skipped.rows,
                esc(skipped.first.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }

    h.push_str("<h2>The week</h2>\n");
    if cal.staffing_source != StaffingSource::AgentsFile {
        let _ = writeln!(
            h,
            "<p class=\"note\">Staffing is an <strong>estimate</strong>: {} (README, “What the fit estimates”).</p>",
            esc(cal.staffing_source.describe())
        );
    }
    for (chart, svg) in charts.iter().zip(svgs).filter(|(c, _)| c.reason.is_none()) {
        figure(&mut h, chart, svg);
    }
    groups(&mut h, cal);
    concurrency(&mut h, cal);
    rates(&mut h, cal);

    h.push_str(
        "<h2>Durations</h2>\n<p class=\"note\">Per reason, each duration fitted by maximum likelihood as an \
         exponential, lognormal, gamma and Weibull; the lowest AIC is chosen (in bold). Mean and sd of \
         the chosen fit ± standard error; n values, of which a share censored (patience: an answered wait is a \
         lower bound); KS: Kolmogorov–Smirnov distance to the empirical (Kaplan–Meier) curve. Patience's \
         exponential fit is what Erlang A takes.</p>\n",
    );
    if let Some(all) = &cal.wrapup {
        h.push_str("<h3>All reasons</h3>\n");
        duration_table(&mut h, &[("wrap-up (the scenario's one)", all)]);
    }
    for (r, reason) in cal.reasons.iter().enumerate() {
        let _ = writeln!(h, "<h3 id=\"reason-{}\">{}</h3>", r + 1, esc(&reason.name));
        let mut rows: Vec<(&str, &DurationFit)> = vec![("handle", &reason.handle)];
        if let Some(w) = &reason.wrapup {
            rows.push(("wrap-up", w));
        }
        rows.push(("patience", &reason.patience.fit));
        if let Some(t) = &reason.transfer_handle {
            rows.push(("transfer handle", t));
        }
        if let Some(f) = &reason.followup_handle {
            rows.push(("follow-up handle", f));
        }
        duration_table(&mut h, &rows);
        for (chart, svg) in charts.iter().zip(svgs).filter(|(c, _)| c.reason == Some(r)) {
            figure(&mut h, chart, svg);
        }
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn duration_table(h: &mut String, rows: &[(&str, &DurationFit)]) {
    h.push_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Quantity</th><th>Chosen</th><th>Mean</th><th>Sd</th>\
         <th>n</th><th>Censored</th><th>KS</th>",
    );
    for f in Family::ALL {
        let _ = write!(h, "<th>AIC {}</th>", f.name());
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (quantity, fit) in rows {
        let n = fit.observed + fit.censored;
        let censored = if n == 0 { 0.0 } else { fit.censored as f64 / n as f64 };
        let _ = write!(h, "<tr><th>{}</th>", esc(quantity));
        match fit.best() {
            Some(b) => {
                let _ = write!(
                    h,
                    "<td>{}{}</td><td>{}<span class=\"ci\">± {}</span></td><td>{}<span class=\"ci\">± {}</span></td>",
                    b.family().name(),
                    if fit.inherited { "<span class=\"ci\">all reasons pooled</span>" } else { "" },
                    secs(b.mean.value),
                    secs(b.mean.se),
                    secs(b.sd.value),
                    secs(b.sd.se)
                );
            }
            None => {
                let _ = write!(h, "<td class=\"na\" colspan=\"3\">no fit: {}</td>", esc(&why_not(fit)));
            }
        }
        let _ = write!(
            h,
            "<td>{n}</td><td>{}</td><td>{}</td>",
            share(censored),
            fit.best().map_or("—".into(), |b| format!("{:.3}", b.ks))
        );
        for family in Family::ALL {
            let best = fit.best().map(|b| b.family());
            match fit.ranking.fits.iter().find(|f| f.family() == family) {
                Some(f) if best == Some(family) => {
                    let _ = write!(h, "<td class=\"chosen\">{:.1}</td>", f.aic);
                }
                Some(f) => {
                    let _ = write!(h, "<td>{:.1}</td>", f.aic);
                }
                None => {
                    let why = fit.ranking.failed.iter().find(|(f, _)| *f == family).map(|(_, e)| e.to_string());
                    let _ = write!(h, "<td class=\"na\" title=\"{}\">failed</td>", esc(&why.unwrap_or_default()));
                }
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n");
}

fn groups(h: &mut String, cal: &Calibration) {
    h.push_str(
        "<h2>Groups</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>Group</th><th class=\"text\">Reasons \
         served</th><th>Agents seen</th></tr></thead>\n<tbody>\n",
    );
    for g in &cal.groups {
        let reasons: Vec<&str> = g.reasons.iter().map(|&r| cal.reasons[r as usize].name.as_str()).collect();
        let _ = writeln!(
            h,
            "<tr><th>{}</th><td class=\"text\">{}</td><td>{}</td></tr>",
            esc(&g.name),
            esc(&reasons.join(", ")),
            g.agents.len()
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
}

fn concurrency(h: &mut String, cal: &Calibration) {
    h.push_str("<h2>Concurrency</h2>\n");
    let Some(c) = &cal.concurrency else {
        h.push_str("<p class=\"note\">No agent column: one contact per agent is assumed (max_concurrent = 1).</p>\n");
        return;
    };
    let _ = writeln!(
        h,
        "<p class=\"note\">max_concurrent = {}: the most contacts an agent held at once for at least 2% of busy \
         time (the most ever seen: {}). Speed: the work done per second at each level, by the method-of-moments \
         estimator of the README.</p>",
        c.cap, c.max_seen
    );
    h.push_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Contacts held</th><th>Share of busy time</th>\
         <th>Segments accepted at this level</th><th>Speed</th></tr></thead>\n<tbody>\n",
    );
    for (k, t) in c.time_share.iter().enumerate() {
        let speed = match c.speed.get(k) {
            Some(Some(s)) => format!("{s:.3}"),
            Some(None) => "— (too few; 1 assumed)".into(),
            None => "—".into(),
        };
        let _ = writeln!(
            h,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{speed}</td></tr>",
            k + 1,
            share(*t),
            c.accepted_at.get(k).map_or("—".into(), |n| n.to_string())
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
}

fn rates(h: &mut String, cal: &Calibration) {
    h.push_str(
        "<h2>Rates</h2>\n<p class=\"note\">Per reason, over answered segments, ± the binomial standard error. \
         Follow-ups: contacts coming back after a resolved segment, after the mean delay shown.</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th>Reason</th><th>Contacts</th><th>Answered</th>\
         <th>Transfer</th><th class=\"text\">to</th><th>Inactivity disconnect</th><th>Authentication \
         failure</th><th>Follow-up</th><th>after</th></tr></thead>\n<tbody>\n",
    );
    let rate = |r: crate::analytic::calibrate::rates::Rate| {
        format!("<td>{}<span class=\"ci\">± {}</span></td>", share(r.p()), share(r.std_error()))
    };
    let to =
        |targets: &[(u32, u64)]| targets.first().map_or("—".into(), |&(to, _)| esc(&cal.reasons[to as usize].name));
    for reason in &cal.reasons {
        let r = &reason.rates;
        let _ = writeln!(
            h,
            "<tr><th>{}</th><td>{}</td><td>{}</td>{}<td class=\"text\">{}</td>{}{}{}<td>{}</td></tr>",
            esc(&reason.name),
            reason.contacts,
            reason.answered,
            rate(r.transfer),
            to(&r.transfer_to),
            rate(r.inactive_disconnect),
            rate(r.auth_fail),
            rate(r.followup),
            r.followup_after.map_or("—".into(), secs)
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
}

const EXTRA_CSS: &str = "\
h3 { margin: 24px 0 8px; font-size: 18px; }
.notes { margin: 0; padding-left: 20px; font-size: 14px; }
td.text, th.text { text-align: left; white-space: normal; }
td.chosen { font-weight: 700; }
";
