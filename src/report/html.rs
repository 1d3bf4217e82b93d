//! `report.html`: one self-contained page (inline CSS and SVG, no scripts,
//! nothing fetched) with the key figures and every chart. No timestamp: the
//! same run gives the same bytes.

use super::charts::{Chart, ChartData, write_charts};
use crate::scenario::Scenario;
use crate::stats::Results;
use crate::stats::{Aggregate, Layout, Metric, Scope, SegmentKind::New, Work};
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Writes `charts/` and `report.html` into the run folder `dir`.
pub fn write_report(dir: &Path, sc: &Scenario, layout: &Layout, results: &Results) -> io::Result<()> {
    let data = ChartData::new(sc, layout, results);
    let charts = write_charts(&dir.join("charts"), &data)?;
    std::fs::write(dir.join("report.html"), page(sc, &data, &charts))
}

/// Escapes text for HTML content and attribute values.
pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Clone, Copy)]
enum Unit {
    Percent,
    Seconds,
}

const FIGURES: [(Metric, &str, Unit); 8] = [
    (Metric::ServiceLevel(New), "Service level", Unit::Percent),
    (Metric::Asa(New), "ASA", Unit::Seconds),
    (Metric::AbandonRate(New), "Abandon rate", Unit::Percent),
    (Metric::Occupancy, "Occupancy", Unit::Percent),
    (Metric::Utilisation, "Utilisation", Unit::Percent),
    (Metric::Aht(Work::Chats), "AHT", Unit::Seconds),
    (Metric::InactiveDisconnectRate, "Inactive disconnects", Unit::Percent),
    (Metric::TransferRate, "Transfers", Unit::Percent),
];

fn fmt(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{:.1}%", v * 100.0),
        Unit::Seconds => format!("{v:.1} s"),
    }
}

/// A table cell: the mean and, below it, the 95% CI.
fn cell(a: Option<&Aggregate>, unit: Unit) -> String {
    match a.and_then(|a| a.mean.map(|m| (m, a.ci95))) {
        None => "<td class=\"na\">—</td>".into(),
        Some((m, None)) => format!("<td>{}</td>", fmt(m, unit)),
        Some((m, Some((lo, hi)))) => {
            format!("<td>{}<span class=\"ci\">{} – {}</span></td>", fmt(m, unit), fmt(lo, unit), fmt(hi, unit))
        }
    }
}

fn page(sc: &Scenario, data: &ChartData, charts: &[(Chart, String)]) -> String {
    let sim = &sc.simulation;
    let mut h = String::new();
    let title = esc(&sc.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — ccsim report</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>{title}</h1>\n"
    );
    if !sc.description.is_empty() {
        let _ = writeln!(h, "<p class=\"lead\">{}</p>", esc(&sc.description));
    }
    let _ = writeln!(
        h,
        "<p class=\"meta\">Seed {} · {} replications · service level = answered within {} s, goal {:.0}% · \
         ccsim {}</p>",
        sim.seed,
        sim.replications,
        sc.service_level.threshold,
        sc.service_level.goal * 100.0,
        env!("CARGO_PKG_VERSION")
    );
    h.push_str(
        "<h2>Key figures</h2>\n<p class=\"note\">Mean over replications; below it, the 95% confidence \
                interval. A dash marks a figure that does not apply to the scope (queue figures are per skill, agent \
                figures per group).</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>Scope</th>",
    );
    for (_, label, _) in FIGURES {
        let _ = write!(h, "<th>{label}</th>");
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let scopes = std::iter::once((Scope::All, "all".to_string(), "Overall".to_string()))
        .chain(sc.skills.iter().map(|s| (Scope::Skill, s.clone(), format!("skill {s}"))))
        .chain(sc.groups.iter().map(|g| (Scope::Group, g.name.clone(), format!("group {}", g.name))));
    for (scope, key, name) in scopes {
        let class = if scope == Scope::All { " class=\"total\"" } else { "" };
        let _ = write!(h, "<tr{class}><th>{}</th>", esc(&name));
        for (metric, _, unit) in FIGURES {
            h.push_str(&cell(data.whole(scope, &key, metric), unit));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n<h2>Charts</h2>\n");
    for (chart, svg) in charts {
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption>{} — charts/{}.svg, charts/{}.png</figcaption>\n</figure>",
            chart.file(),
            svg.trim(),
            esc(chart.title()),
            chart.file(),
            chart.file()
        );
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

pub(super) const CSS: &str = "\
body { margin: 0; background: #f4f5f7; color: #212529; font: 15px/1.5 \"DejaVu Sans\", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { margin: 0 0 4px; font-size: 30px; }
h2 { margin: 32px 0 8px; font-size: 21px; }
.lead { margin: 0 0 4px; font-size: 17px; }
.meta, .note, figcaption { color: #646a73; font-size: 13px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; width: 100%; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
th, td { padding: 8px 10px; border-bottom: 1px solid #e2e5e9; text-align: right; white-space: nowrap; }
thead th { background: #0072b2; color: #fff; font-weight: 600; }
tbody th { text-align: left; font-weight: 600; }
tr.total { background: #eef5fb; }
td.na { color: #a0a4aa; }
.ci { display: block; color: #646a73; font-size: 12px; }
figure { margin: 20px 0; background: #fff; padding: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
figure svg { display: block; width: 100%; height: auto; }
figcaption { padding: 4px 8px 0; }
";
