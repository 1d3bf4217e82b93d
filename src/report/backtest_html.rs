//! `backtest.html`: one self-contained page (inline CSS and SVG, no
//! scripts, nothing fetched, no timestamp) with what `ccsim backtest`
//! compared, its summary against Erlang A and its charts, which it writes
//! to `charts/` beside it.

use super::backtest::{BacktestReport, BacktestSummaryLine};
use super::backtest_charts::{
    BacktestChart, Span, backtest_charts, fmt_error, label, weekday_date, write_backtest_charts,
};
use super::html::{CSS, esc};
use crate::analytic::calibrate::profile::StaffingSource;
use crate::scenario::duration::fmt_duration;
use crate::stats::Scope;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Writes `charts/` and `backtest.html` into the backtest folder `dir`.
pub fn write_backtest_report(dir: &Path, r: &BacktestReport) -> io::Result<()> {
    let charts = backtest_charts(r);
    let svgs = write_backtest_charts(&dir.join("charts"), r, &charts)?;
    std::fs::write(dir.join("backtest.html"), page(r, &charts, &svgs))
}

fn figure(h: &mut String, chart: &BacktestChart, svg: &str) {
    let _ = writeln!(
        h,
        "<figure id=\"{f}\">\n{}\n<figcaption>{} — charts/{f}.svg, charts/{f}.png</figcaption>\n</figure>",
        svg.trim(),
        esc(&chart.title),
        f = chart.file,
    );
}

fn page(r: &BacktestReport, charts: &[BacktestChart], svgs: &[String]) -> String {
    let mut h = String::new();
    let title = esc(r.scenario);
    let file = r.history.file_name().map_or_else(|| r.history.display().to_string(), |f| f.to_string_lossy().into());
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — ccsim backtest</title>\n<style>\n{CSS}{EXTRA_CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>{title}: backtest</h1>\n"
    );
    let _ = writeln!(
        h,
        "<p class=\"lead\">{} replayed through the scenario: {} contacts from {} to {} ({} days), {} replications, \
         compared interval by interval with what happened and with Erlang A.</p>",
        esc(&file),
        r.contacts,
        r.first,
        r.last,
        r.last.0 - r.first.0 + 1,
        r.replications
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">Intervals of {} · seed {} · service level = answered within {} s · staffing from {} · \
         ccsim {}. Every number here, with more digits, is in backtest.csv and backtest_summary.csv.</p>",
        fmt_duration(f64::from(r.interval)),
        r.seed,
        r.threshold,
        esc(r.staffing.describe()),
        env!("CARGO_PKG_VERSION")
    );
    if r.staffing != StaffingSource::AgentsFile {
        let _ = writeln!(
            h,
            "<p class=\"note\">Staffing is an <strong>estimate</strong>: {} (README, “Backtesting”).</p>",
            esc(r.staffing.describe())
        );
    }
    if !r.notes.is_empty() {
        h.push_str("<h2>Notes</h2>\n<ul class=\"notes\">\n");
        for note in r.notes {
            let _ = writeln!(h, "<li>{}</li>", esc(note));
        }
        h.push_str("</ul>\n");
    }
    summary(&mut h, r.summary);

    let _ = writeln!(
        h,
        "<h2>The period</h2>\n<p class=\"note\">The whole center, every interval with arrivals from {} to {}, date \
         by date: the actual value (dots), the simulation's mean (line) and its 90% prediction band (shaded), and \
         Erlang A's prediction (dashed).</p>",
        r.first, r.last
    );
    for (chart, svg) in charts.iter().zip(svgs).filter(|(c, _)| c.span == Span::Period) {
        figure(&mut h, chart, svg);
    }
    let why = if r.day_given {
        "chosen with --day".to_string()
    } else {
        "the busiest date of the period by contacts offered (the earliest on a tie); choose another with --day".into()
    };
    let _ = writeln!(
        h,
        "<h2 id=\"day\">{}</h2>\n<p class=\"note\">One day interval by interval: {why}.</p>",
        weekday_date(r.day)
    );
    for (chart, svg) in charts.iter().zip(svgs).filter(|(c, _)| c.span != Span::Period) {
        figure(&mut h, chart, svg);
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// The summary's rows for the whole center, then per skill, with the
/// simulation's error beside Erlang A's (the smaller marked).
fn summary(h: &mut String, lines: &[BacktestSummaryLine]) {
    h.push_str(
        "<h2>Summary</h2>\n<p class=\"note\">Per metric over the intervals with both an actual value and a \
         simulated band (intervals without arrivals have no rates or ASA). Coverage: the share of those intervals \
         whose actual lies inside the simulation's 90% prediction band — about 90% when the scenario is right. \
         MAE: mean absolute error of the simulation's mean; bias: simulated − actual, on average; shares in \
         percentage points (pp). Erlang A predicts the whole center only; where the simulation's error is the \
         smaller, it is <strong>in bold</strong> and marked ✓.</p>\n<div class=\"scroll\"><table>\n\
         <thead><tr><th>Scope</th><th>Metric</th><th>Intervals</th><th>Coverage</th><th>MAE (simulation)</th>\
         <th>Bias</th><th>MAE (Erlang A)</th></tr></thead>\n<tbody>\n",
    );
    let mut skills: Vec<&str> = Vec::new();
    for l in lines.iter().filter(|l| l.scope == Scope::Skill) {
        if !skills.contains(&l.key) {
            skills.push(l.key);
        }
    }
    let all = lines.iter().filter(|l| l.scope == Scope::All);
    let per_skill = skills.iter().flat_map(|&k| lines.iter().filter(move |l| l.scope == Scope::Skill && l.key == k));
    for l in all.chain(per_skill) {
        let (class, scope) = match l.scope {
            Scope::All => (" class=\"total\"", "all".to_string()),
            _ => ("", format!("skill {}", l.key)),
        };
        let better = l.mae_erlang_a.is_some_and(|e| l.mae < e);
        let mae = fmt_error(l.metric, l.mae, false);
        let _ = writeln!(
            h,
            "<tr{class}><th>{}</th><th>{}</th><td>{}</td><td>{:.1}%</td>{}<td>{}</td>{}</tr>",
            esc(&scope),
            label(l.metric),
            l.intervals,
            l.coverage * 100.0,
            if better { format!("<td class=\"better\">✓ {mae}</td>") } else { format!("<td>{mae}</td>") },
            fmt_error(l.metric, l.bias, true),
            l.mae_erlang_a
                .map_or("<td class=\"na\">—</td>".into(), |e| format!("<td>{}</td>", fmt_error(l.metric, e, false)))
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
}

const EXTRA_CSS: &str = "\
.notes { margin: 0; padding-left: 20px; font-size: 14px; }
td.better { font-weight: 700; color: #00734f; }
";
