//! `ccsim backtest`: a scenario's own history is covered by its 90% band
//! about 90% of the time; the real bank's February replayed through a fit
//! of its January; histories that do not belong to the scenario.

use crate::common::*;
use std::collections::BTreeMap;

const ROUNDTRIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fit-roundtrip.toml");

fn summary(dir: &std::path::Path) -> BTreeMap<(String, String, String), BTreeMap<String, String>> {
    rows(&dir.join("backtest_summary.csv"))
        .into_iter()
        .map(|r| ((r["metric"].clone(), r["scope"].clone(), r["key"].clone()), r))
        .collect()
}

fn get(s: &BTreeMap<(String, String, String), BTreeMap<String, String>>, metric: &str, column: &str) -> f64 {
    s[&(metric.to_string(), "all".to_string(), "all".to_string())][column].parse().unwrap()
}

#[test]
fn a_scenarios_own_history_falls_inside_its_90_percent_band_about_90_percent_of_the_time() {
    // Four weeks of the round-trip center, another seed than the backtest's.
    let text = std::fs::read_to_string(ROUNDTRIP).unwrap();
    let work = Work::new().with("c.toml", &edited(&text, &[("days = 112", "days = 28")]));
    work.ok(&["run", "c.toml", "--trace", "--no-charts", "--quiet", "--seed", "99", "--out", "history"]);
    work.ok(&["backtest", "c.toml", "history/history.csv", "--agents", "history/agents.csv", "--out", "bt", "--quiet"]);
    let s = summary(&work.path("bt"));
    // Replayed arrivals: offered is exact.
    assert_eq!((get(&s, "offered", "coverage"), get(&s, "offered", "mae")), (1.0, 0.0));
    // 280 hours; the band is a 90% prediction band, so each metric's
    // coverage is about 0.9 (binomial sd 0.018 if the hours were
    // independent; they are not quite, so 4 sd and some).
    for metric in ["answered", "abandon_rate", "service_level", "asa", "occupancy"] {
        let (n, coverage) = (get(&s, metric, "intervals"), get(&s, metric, "coverage"));
        assert_eq!(n, 280.0, "{metric}");
        assert!((0.82..=0.98).contains(&coverage), "{metric}: coverage {coverage}");
        // The simulation knows the center; Erlang A does not know chat concurrency.
        assert!(get(&s, metric, "mae") < get(&s, metric, "mae_erlang_a"), "{metric}: {:?}", s);
    }
    let lines = rows(&work.path("bt/backtest.csv"));
    let first = &lines[0];
    assert_eq!(
        first.keys().cloned().collect::<std::collections::BTreeSet<_>>(),
        [
            "date", "interval", "scope", "key", "metric", "actual", "sim_mean", "sim_p05", "sim_p95", "inside",
            "erlang_a"
        ]
        .iter()
        .map(|c| c.to_string())
        .collect()
    );
    assert_eq!((first["date"].as_str(), first["interval"].as_str()), ("2026-03-02", "08:00"));
    // The same inputs give the same bytes.
    work.ok(&[
        "backtest",
        "c.toml",
        "history/history.csv",
        "--agents",
        "history/agents.csv",
        "--out",
        "bt2",
        "--quiet",
        "--threads",
        "1",
    ]);
    assert_same_files(&work.path("bt"), &work.path("bt2"), "backtest with 1 thread and with all");
}

#[test]
fn the_banks_february_replayed_through_a_fit_of_its_january() {
    let work = Work::new();
    let (january, february) = (bank_month(&work, "01_January.txt.gz"), bank_month(&work, "02_February.txt.gz"));
    work.ok(&["fit", january.to_str().unwrap(), "--interval", "60m", "--out", "fit", "--quiet"]);
    work.ok(&["backtest", "fit/scenario.toml", february.to_str().unwrap(), "--out", "bt", "--quiet"]);
    let s = summary(&work.path("bt"));
    assert_eq!(get(&s, "offered", "mae"), 0.0);
    for metric in ["answered", "abandon_rate", "service_level", "asa"] {
        assert!(get(&s, metric, "intervals") > 400.0, "{metric}: February has over 400 open hours");
        let coverage = get(&s, metric, "coverage");
        assert!((0.0..=1.0).contains(&coverage));
    }
    // What the README reports: out of sample, the simulation's hourly
    // abandonment error is below Erlang A's.
    assert!(get(&s, "abandon_rate", "mae") < get(&s, "abandon_rate", "mae_erlang_a"), "{s:?}");
}

#[test]
fn a_history_that_does_not_fit_the_scenario_exits_2() {
    let header = "id,reason,arrival,answered,ended,agent\n";
    let work = Work::new()
        .with("h.csv", &format!("{header}1,refunds,2026-03-02T09:00:00,2026-03-02T09:00:10,2026-03-02T09:05:00,ann\n"))
        .with(
            "n.csv",
            "id,reason,arrival,answered,ended\n1,billing,2026-03-02T09:00:00,2026-03-02T09:00:10,2026-03-02T09:05:00\n",
        );
    work.refused_naming(
        &["backtest", ROUNDTRIP, "h.csv", "--out", "bt"],
        2,
        "h.csv",
        &["reason", "\"refunds\" is not a reason", "billing, tech"],
    );
    work.refused_naming(
        &["backtest", ROUNDTRIP, "n.csv", "--out", "bt"],
        2,
        "n.csv",
        &["agent", "which of the 2 groups"],
    );
    work.refused_naming(&["backtest", ROUNDTRIP, "h.csv", "--replications", "0"], 2, "--replications", &[]);
}

/// A week of the round-trip center, traced with another seed than the
/// backtest's, into `work/history`; the scenario is `work/c.toml`.
fn week_history(work: &Work) {
    let text = std::fs::read_to_string(ROUNDTRIP).unwrap();
    work.write("c.toml", &edited(&text, &[("days = 112", "days = 7")]));
    work.ok(&["run", "c.toml", "--trace", "--no-charts", "--quiet", "--seed", "99", "--out", "history"]);
}

/// `ccsim backtest` of the week into `work/<out>`, with `extra` flags.
fn backtest_week(work: &Work, out: &str, extra: &[&str]) -> std::path::PathBuf {
    let mut args =
        vec!["backtest", "c.toml", "history/history.csv", "--agents", "history/agents.csv", "--out", out, "--quiet"];
    args.extend_from_slice(extra);
    work.ok(&args);
    work.path(out)
}

/// The charts of a backtest with an agents file: each metric over the period, then on the day.
const BACKTEST_CHARTS: [&str; 5] = ["service_level", "abandon_rate", "asa", "answered", "occupancy"];

/// How many elements of `tag` draw in `color` (as `attr`), and the most points one polyline has.
fn drawn(doc: &roxmltree::Document, tag: &str, attr: &str, color: &str) -> (usize, usize) {
    let nodes: Vec<_> = doc.descendants().filter(|n| n.has_tag_name(tag) && n.attribute(attr) == Some(color)).collect();
    let longest = nodes.iter().map(|n| n.attribute("points").unwrap_or("").split_whitespace().count()).max();
    (nodes.len(), longest.unwrap_or(0))
}

#[test]
fn backtest_html_embeds_every_chart_of_band_mean_actual_and_erlang_a_and_loads_nothing() {
    let work = Work::new();
    week_history(&work);
    let bt = backtest_week(&work, "bt", &[]);
    let files: Vec<String> = BACKTEST_CHARTS.iter().flat_map(|m| [format!("period_{m}"), format!("day_{m}")]).collect();
    let mut written: Vec<String> = std::fs::read_dir(bt.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> = files.iter().flat_map(|f| [format!("{f}.png"), format!("{f}.svg")]).collect();
    expected.sort();
    assert_eq!(written, expected);
    // The busiest date of the week by contacts offered, from backtest.csv.
    let mut offered: BTreeMap<String, f64> = BTreeMap::new();
    for r in rows(&bt.join("backtest.csv")).iter().filter(|r| r["scope"] == "all" && r["metric"] == "offered") {
        *offered.entry(r["date"].clone()).or_default() += r["actual"].parse::<f64>().unwrap();
    }
    let busiest = offered.iter().fold(("", 0.0), |b, (d, &n)| if n > b.1 { (d.as_str(), n) } else { b }).0;
    for file in &files {
        let svg = std::fs::read_to_string(bt.join("charts").join(format!("{file}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{file}.svg is not XML: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{file}.svg");
        let title = doc.descendants().filter_map(|n| n.text()).map(str::trim).find(|t| t.contains("actual against"));
        let title = title.unwrap_or_else(|| panic!("{file}.svg has no title"));
        if file.starts_with("day_") {
            assert!(title.contains(busiest), "{file}.svg: {title:?} is not the busiest date {busiest}");
        } else {
            assert!(title.contains("2026-03-02 to 2026-03-08"), "{file}.svg: {title:?}");
        }
        // The band (shaded, blue), the simulation's mean (a blue line
        // through the intervals), Erlang A (orange dashes) and the actual values (dots).
        let (bands, _) = drawn(&doc, "polygon", "fill", "#0072B2");
        assert!(bands >= 1, "{file}.svg draws no band");
        let (_, mean) = drawn(&doc, "polyline", "stroke", "#0072B2");
        assert!(mean >= 10, "{file}.svg draws no simulated line ({mean} points)");
        let (dashes, _) = drawn(&doc, "polyline", "stroke", "#D55E00");
        assert!(dashes >= 10, "{file}.svg draws no dashed Erlang A line ({dashes} dashes)");
        let (dots, _) = drawn(&doc, "circle", "fill", "#212529");
        assert!(dots > 10, "{file}.svg draws {dots} actual values");
        for legend in
            ["Actual: inside the band in", "Simulation: mean of 20 replications", "90% prediction band", "Erlang A"]
        {
            assert!(svg.contains(legend), "{file}.svg: no legend {legend:?}");
        }
        let png = std::fs::read(bt.join("charts").join(format!("{file}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{file}.png: no PNG signature");
        let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        assert_eq!((size(16), size(20)), (1200, 700), "{file}.png");
        assert!(png.len() > 10_000, "{file}.png: only {} bytes", png.len());
    }

    let html = std::fs::read_to_string(bt.join("backtest.html")).unwrap();
    assert!(html.contains("history.csv") && html.contains("from 2026-03-02 to 2026-03-08 (7 days), 20 replications"));
    assert!(html.contains("staffing from agents.csv") && !html.contains("<strong>estimate</strong>"), "header");
    for file in &files {
        assert!(html.contains(&format!("<figure id=\"{file}\">")), "backtest.html lacks the chart {file}");
        assert!(html.contains(&format!("charts/{file}.svg")), "backtest.html: {file}");
    }
    assert_eq!(html.matches("<svg").count(), files.len(), "one inline SVG per chart");
    assert!(html.contains("the busiest date of the period"), "the page says how the day was chosen");
    // The summary: the whole center, then each skill, the simulation's error
    // beside Erlang A's, marked where it is the smaller (here, every metric).
    let s = summary(&bt);
    for (metric, label) in [("service_level", "Service level"), ("asa", "ASA")] {
        let coverage = get(&s, metric, "coverage");
        let row =
            format!("<tr class=\"total\"><th>all</th><th>{label}</th><td>70</td><td>{:.1}%</td>", coverage * 100.0);
        let at = html.find(&row).unwrap_or_else(|| panic!("backtest.html has no row {row:?}"));
        assert!(
            html[at..].starts_with(&row) && html[at + row.len()..].starts_with("<td class=\"better\">✓"),
            "{metric}"
        );
    }
    let (all, skill) = (html.find("<th>all</th>").unwrap(), html.find("<th>skill billing</th>").unwrap());
    assert!(all < skill && html.contains("<th>skill tech</th>"), "the whole center first, then each skill");
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "backtest.html has a script");
    for attr in ["src=", "href="] {
        for q in ["\"", "'", ""] {
            for scheme in ["http://", "https://", "//"] {
                assert!(!lower.contains(&format!("{attr}{q}{scheme}")), "backtest.html loads {attr}{q}{scheme}");
            }
        }
    }
    assert!(!lower.contains("<link") && !lower.contains("@import") && !lower.contains("url("), "external asset");
}

#[test]
fn two_backtests_are_the_same_bytes_and_no_charts_leaves_out_charts_and_page() {
    let work = Work::new();
    week_history(&work);
    let (a, b) = (backtest_week(&work, "a", &[]), backtest_week(&work, "b", &["--threads", "1"]));
    assert!(a.join("backtest.html").exists() && a.join("charts/period_asa.png").exists());
    assert_same_files(&a, &b, "two backtests of one history");

    let without = backtest_week(&work, "c", &["--no-charts"]);
    assert!(!without.join("charts").exists(), "charts/ written with --no-charts");
    assert!(!without.join("backtest.html").exists(), "backtest.html written with --no-charts");
    let mut expected = files(&a);
    expected.retain(|p, _| !p.starts_with("charts") && !p.starts_with("backtest.html") && !p.starts_with(".ccsim"));
    let mut written = files(&without);
    written.retain(|p, _| !p.starts_with(".ccsim"));
    assert_eq!(written.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "--no-charts");
    for (path, bytes) in &expected {
        assert!(bytes == &written[path], "--no-charts: {} differs", path.display());
    }
}

#[test]
fn day_picks_the_day_drawn_and_a_day_outside_the_period_exits_2_writing_nothing() {
    let work = Work::new();
    week_history(&work);
    let bt = backtest_week(&work, "bt", &["--day", "2026-03-07"]);
    let day = std::fs::read_to_string(bt.join("charts/day_service_level.svg")).unwrap();
    assert!(day.contains("Service level on Saturday 2026-03-07"), "the day's chart is not of --day");
    let html = std::fs::read_to_string(bt.join("backtest.html")).unwrap();
    assert!(html.contains("chosen with --day") && html.contains(">Saturday 2026-03-07</h2>"), "the page's day");

    let args = |day: &'static str| {
        ["backtest", "c.toml", "history/history.csv", "--agents", "history/agents.csv", "--out", "bt2", "--day", day]
    };
    work.refused_naming(&args("2026-04-01"), 2, "--day", &["outside the period", "2026-03-02 to 2026-03-08"]);
    work.refused_naming(&args("2026-03-01"), 2, "--day", &["outside the period"]);
    work.refused_naming(&args("2026-02-30"), 2, "--day", &["no such date"]);
    work.refused_naming(&args("tomorrow"), 2, "--day", &[]);
    // Outside --from and --to: refused before the history is read.
    let mut within = args("2026-03-09").to_vec();
    within.extend(["--from", "2026-03-02", "--to", "2026-03-08"]);
    work.refused_naming(&within, 2, "--day", &["outside the period"]);
    assert!(!work.path("bt2").exists());
}
