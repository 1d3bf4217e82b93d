//! `ccsim fit`: the round trip (a known scenario's traced history fitted
//! back to its parameters), the real bank's log, and bad histories.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// The known center: 16 weeks, 2 reasons, 2 groups, concurrency 2 at speed 0.8.
const ROUNDTRIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fit-roundtrip.toml");

/// One row of `fit.csv`, the columns the tests read.
#[derive(Debug, serde::Deserialize)]
struct FitRow {
    reason: String,
    quantity: String,
    distribution: String,
    chosen: String,
    parameter: String,
    estimate: Option<f64>,
    std_error: Option<f64>,
    n: Option<u64>,
    censored_share: Option<f64>,
}

fn fit_rows(dir: &Path) -> Vec<FitRow> {
    read_csv(&dir.join("fit.csv"))
}

/// The estimate (and its standard error) of one fitted number.
#[track_caller]
fn estimate(rows: &[FitRow], reason: &str, quantity: &str, distribution: &str, parameter: &str) -> (f64, f64) {
    let row = rows
        .iter()
        .find(|r| {
            r.reason == reason && r.quantity == quantity && r.distribution == distribution && r.parameter == parameter
        })
        .unwrap_or_else(|| panic!("fit.csv has no {reason},{quantity},{distribution},{parameter}"));
    (row.estimate.unwrap(), row.std_error.unwrap_or(0.0))
}

/// Runs the known scenario traced and fits its history; returns (run folder, fit folder).
fn fitted_roundtrip(work: &Work) -> (std::path::PathBuf, std::path::PathBuf) {
    let run = work.path("run");
    run_to(ROUNDTRIP, &run, &["--trace", "--no-charts"]);
    let fit = work.path("fit");
    work.ok(&[
        "fit",
        run.join("history.csv").to_str().unwrap(),
        "--agents",
        run.join("agents.csv").to_str().unwrap(),
        "--interval",
        "60m",
        "--out",
        fit.to_str().unwrap(),
        "--quiet",
    ]);
    (run, fit)
}

#[test]
fn a_known_centers_history_fits_back_to_its_parameters() {
    let work = Work::new();
    let (run, fit) = fitted_roundtrip(&work);
    let rows = fit_rows(&fit);

    // Conversation work (handle at speed 1) within 3% of the scenario's means.
    for (reason, truth) in [("billing", 360.0), ("tech", 540.0)] {
        let (mean, _) = rows
            .iter()
            .find(|r| r.reason == reason && r.quantity == "handle" && r.chosen == "1" && r.parameter == "mean")
            .map(|r| (r.estimate.unwrap(), 0.0))
            .unwrap();
        assert!((mean / truth - 1.0).abs() < 0.03, "{reason} handle mean {mean} vs {truth}");
    }
    // Exponential patience within 10%, fitted on censored data (answered waits).
    for (reason, truth) in [("billing", 180.0), ("tech", 240.0)] {
        let row = rows
            .iter()
            .find(|r| r.reason == reason && r.quantity == "patience" && r.distribution == "exponential")
            .unwrap();
        let mean = row.estimate.unwrap();
        assert!(row.censored_share.unwrap() >= 0.4, "{reason}: {:?} censored", row.censored_share);
        assert!((mean / truth - 1.0).abs() < 0.10, "{reason} patience mean {mean} vs {truth}");
    }
    // Rates within 0.02.
    for (reason, quantity, truth) in [
        ("billing", "transfer_rate", 0.08),
        ("billing", "inactive_disconnect_rate", 0.06),
        ("tech", "inactive_disconnect_rate", 0.04),
        ("tech", "transfer_rate", 0.0),
    ] {
        let (p, _) = estimate(&rows, reason, quantity, "binomial", "p");
        assert!((p - truth).abs() < 0.02, "{reason} {quantity} {p} vs {truth}");
    }
    let transfer_to = rows.iter().find(|r| r.reason == "billing" && r.quantity == "transfer_to" && r.chosen == "1");
    assert_eq!(transfer_to.map(|r| r.parameter.as_str()), Some("tech"));
    // Speed at two chats within 0.05; wrap-up mean within its sampling error.
    let (speed, _) = estimate(&rows, "all", "speed", "moments", "2");
    assert!((speed - 0.8).abs() < 0.05, "speed at 2 chats {speed}");
    let (wrapup, se) = rows
        .iter()
        .find(|r| r.reason == "billing" && r.quantity == "wrapup" && r.chosen == "1" && r.parameter == "mean")
        .map(|r| (r.estimate.unwrap(), r.std_error.unwrap()))
        .unwrap();
    assert!((wrapup - 40.0).abs() < 4.0 * se, "wrap-up mean {wrapup} ± {se}");

    // The scenario: concurrency 2, the two groups the scenario has, by what they serve.
    let scenario = std::fs::read_to_string(fit.join("scenario.toml")).unwrap();
    assert!(scenario.contains("max_concurrent = 2"), "{scenario}");
    assert!(scenario.contains("name = \"billing+tech\"\nskills = [\"billing\", \"tech\"]"), "{scenario}");
    assert!(scenario.contains("name = \"tech\"\nskills = [\"tech\"]"), "{scenario}");

    // Staffing from agents.csv is the scenario's, interval by interval.
    let tier1 = [6, 7, 9, 10, 9, 8, 9, 10, 8, 6];
    let staffing = rows_of(&fit.join("staffing.csv"));
    assert_eq!(staffing.len(), 7 * 10 * 2);
    for row in &staffing {
        let hour: usize = row["interval"][..2].parse().unwrap();
        let expected = if row["group"] == "tech" { 2 } else { tier1[hour - 8] };
        assert_eq!(row["agents"], expected.to_string(), "{row:?}");
    }

    // Volumes: 16 dates per weekday, so 16 × the fitted mean is a Poisson
    // count of mean 16 λ in each of 140 cells; their chi-square statistic
    // stays below the 99.9% quantile of χ²(140).
    let lambda = |reason: &str, hour: usize| {
        let billing = [60, 80, 100, 110, 100, 90, 100, 110, 90, 70];
        let tech = [30, 40, 50, 50, 45, 40, 45, 50, 40, 30];
        f64::from(if reason == "billing" { billing[hour - 8] } else { tech[hour - 8] })
    };
    let mut chi2 = 0.0;
    let forecast = rows_of(&fit.join("forecast.csv"));
    assert_eq!(forecast.len(), 140);
    for row in &forecast {
        let expected = 16.0 * lambda(&row["reason"], row["interval"][..2].parse().unwrap());
        let count = 16.0 * row["volume"].parse::<f64>().unwrap();
        assert!((count - count.round()).abs() < 1e-3, "16 × a mean of 16 counts is whole: {row:?}");
        chi2 += (count - expected).powi(2) / expected;
    }
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let limit = ChiSquared::new(140.0).unwrap().inverse_cdf(0.999);
    assert!(chi2 < limit, "volumes: chi-square {chi2} above {limit}");

    // The fitted scenario runs as it is.
    run_to(fit.join("scenario.toml"), &work.path("again"), &["--replications", "2", "--no-charts"]);
    assert!(run.join("history.csv").exists());
}

fn rows_of(path: &Path) -> Vec<BTreeMap<String, String>> {
    rows(path)
}

#[test]
fn a_traced_runs_history_reads_back_as_the_trace() {
    let work = Work::new();
    let run = work.path("run");
    run_to(root("scenarios/retail-weekday.toml"), &run, &["--trace", "--no-charts", "--replications", "2"]);
    let segs: Vec<Seg> = read_csv(&run.join("chats.csv"));
    let first: Vec<&Seg> = segs.iter().filter(|s| s.replication == 1).collect();
    let history = rows_of(&run.join("history.csv"));
    assert_eq!(history.len(), first.len(), "one history row per segment of replication 1, the first");
    // Day 1 is 2024-01-01 by default; trace times are seconds from the day's start (08:00).
    let by_key: BTreeMap<(String, String), &BTreeMap<String, String>> =
        history.iter().map(|r| ((r["id"].clone(), r["arrival"].clone()), r)).collect();
    for s in first.iter().take(500) {
        let secs = 8.0 * 3600.0 + s.arrival;
        let whole = secs.floor() as u64;
        let micros = ((secs - whole as f64) * 1e6).round() as u64;
        let mut stamp = format!("2024-01-01T{:02}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60);
        if micros > 0 {
            stamp += &format!(".{micros:06}");
        }
        let row =
            by_key.get(&(s.chat.to_string(), stamp.clone())).unwrap_or_else(|| panic!("no row for {s:?} at {stamp}"));
        assert_eq!(row["outcome"], s.outcome);
        assert_eq!(row["answered"].is_empty(), s.accepted.is_none());
    }
    let agents = rows_of(&run.join("agents.csv"));
    assert!(!agents.is_empty() && agents.iter().all(|a| a["start"] < a["end"]));
}

#[test]
fn the_real_banks_january_fits_into_a_scenario_that_runs() {
    let work = Work::new();
    let january = bank_month(&work, "01_January.txt.gz");
    let stdout =
        work.command().args(["fit", january.to_str().unwrap(), "--interval", "60m", "--out", "fit"]).output().unwrap();
    assert!(stdout.status.success(), "{}", String::from_utf8_lossy(&stdout.stderr));
    let said = String::from_utf8_lossy(&stdout.stdout);
    assert!(said.contains("1999-01-01 to 1999-01-31 (29 dates)"), "{said}");
    assert!(said.contains("max_concurrent = 1"), "calls: one at a time\n{said}");
    let scenario = std::fs::read_to_string(work.path("fit/scenario.toml")).unwrap();
    assert!(scenario.contains("max_concurrent = 1") && scenario.contains("days = 7"), "{scenario}");
    let rows = fit_rows(&work.path("fit"));
    // PS, the regular calls: service took 186 s on average in February
    // (README of the data); January's fitted mean is of that order.
    let (ps, _) = rows
        .iter()
        .find(|r| r.reason == "PS" && r.quantity == "handle" && r.chosen == "1" && r.parameter == "mean")
        .map(|r| (r.estimate.unwrap(), 0.0))
        .unwrap();
    assert!((150.0..250.0).contains(&ps), "PS handle mean {ps}");
    assert!(rows.iter().all(|r| r.n.is_some()));
    run_to(work.path("fit/scenario.toml"), &work.path("sim"), &["--replications", "2", "--no-charts"]);
}

const HEADER: &str = "id,reason,arrival,answered,ended,outcome\n";

#[test]
fn bad_histories_exit_2_naming_file_line_and_column_and_write_nothing() {
    let cases: [(&str, &str, &[&str]); 8] = [
        (
            "id,reason,arrival,ended\n1,b,2026-03-02T09:00:00,2026-03-02T09:01:00\n",
            "h.csv:1:1: answered",
            &["missing column \"answered\"", "--map answered="],
        ),
        ("", "h.csv", &["the file is empty"]),
        (HEADER, "h.csv", &["no rows"]),
        ("1,b,2026-03-02 9:00,,2026-03-02T09:01:00,\n", "h.csv:2:3: arrival", &["expected an ISO 8601 date-time"]),
        (
            "1,b,2026-03-02T09:00:00,,2026-03-02T08:00:00,\n",
            "h.csv:2:5: ended",
            &["before the arrival", "expected ended >= arrival"],
        ),
        (
            "1,b,2026-03-02T09:00:00,,2026-03-02T09:01:00,\n1,b,2026-03-02T09:00:00,,2026-03-02T09:02:00,\n",
            "h.csv:3:3: arrival",
            &["two segments", "lines 2 and 3"],
        ),
        ("1,b,2026-03-02T09:00:00,,2026-03-02T09:01:00,left\n", "h.csv:2:6: outcome", &["unknown outcome \"left\""]),
        ("1,b,2026-03-02T09:00:00,,2026-03-02T09:01:00,\n", "h.csv", &["no segment in the period was answered"]),
    ];
    for (body, key, says) in cases {
        let text =
            if body.starts_with("id,") || body.is_empty() { body.to_string() } else { format!("{HEADER}{body}") };
        let work = Work::new().with("h.csv", &text);
        work.refused_naming(&["fit", "h.csv", "--out", "out"], 2, key, says);
    }
    let work = Work::new()
        .with("h.csv", &format!("{HEADER}1,b,2026-03-02T09:00:00,2026-03-02T09:00:10,2026-03-02T09:01:00,\n"));
    work.refused_naming(
        &["fit", "h.csv", "--from", "2026-04-01", "--out", "out"],
        2,
        "h.csv",
        &["no contact in the period 2026-04-01"],
    );
    work.refused_naming(&["fit", "h.csv", "--from", "2026-04-01", "--to", "2026-03-01"], 2, "--to", &["before --from"]);
    work.refused_naming(&["fit", "h.csv", "--map", "begin=Begin"], 2, "--map", &["\"begin\" is not a column"]);
    work.refused_naming(&["fit", "h.csv", "--interval", "20m"], 2, "--interval", &["expected 15m, 30m or 60m"]);
    work.refused_naming(&["fit", "h.csv", "--name", "../x"], 2, "--name", &["plain file name"]);
    work.refused_naming(&["fit", "h.csv", "--from", "2026-02-30"], 2, "--from", &["no such date"]);
    // and it works when nothing is wrong
    work.ok(&["fit", "h.csv", "--out", "out", "--quiet"]);
}

/// The known center over one week (a fast history), run traced into `work/run`.
fn week_history(work: &Work) -> std::path::PathBuf {
    let text = std::fs::read_to_string(ROUNDTRIP).unwrap();
    work.write("week.toml", &edited(&text, &[("days = 112", "days = 7")]));
    let run = work.path("run");
    run_to(work.path("week.toml"), &run, &["--trace", "--no-charts"]);
    run
}

/// `ccsim fit` of the week's history into `work/<out>`, with `extra` flags.
fn fit_week(work: &Work, run: &Path, out: &str, extra: &[&str]) -> std::path::PathBuf {
    let history = run.join("history.csv");
    let mut args = vec!["fit", history.to_str().unwrap(), "--interval", "60m", "--out", out, "--quiet"];
    args.extend_from_slice(extra);
    work.ok(&args);
    work.path(out)
}

/// The charts a fit of the known center draws: the week's, then per reason.
const FIT_CHARTS: [(&str, &str); 8] = [
    ("volume", "New contacts by interval across the week"),
    ("staffing", "Agents present by interval across the week"),
    ("billing_handle", "billing: handle time"),
    ("billing_wrapup", "billing: wrap-up time"),
    ("billing_patience", "billing: patience"),
    ("tech_handle", "tech: handle time"),
    ("tech_wrapup", "tech: wrap-up time"),
    ("tech_patience", "tech: patience"),
];

#[test]
fn fit_html_shows_every_reason_and_embeds_every_chart_and_loads_nothing() {
    let work = Work::new();
    let run = week_history(&work);
    let agents = run.join("agents.csv");
    let fit = fit_week(&work, &run, "fit", &["--agents", agents.to_str().unwrap()]);

    let mut written: Vec<String> = std::fs::read_dir(fit.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> =
        FIT_CHARTS.iter().flat_map(|(f, _)| [format!("{f}.png"), format!("{f}.svg")]).collect();
    expected.sort();
    assert_eq!(written, expected);
    for (file, title) in FIT_CHARTS {
        let svg = std::fs::read_to_string(fit.join("charts").join(format!("{file}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{file}.svg is not XML: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{file}.svg");
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).map(str::trim).collect();
        assert!(texts.contains(&title), "{file}.svg has no title {title:?}");
        // A curve, a step line or a profile: at least one long polyline.
        let longest = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .map(|n| n.attribute("points").unwrap_or("").split_whitespace().count())
            .max();
        assert!(longest.unwrap_or(0) >= 10, "{file}.svg draws no line");
        assert!(svg.len() < 200_000, "{file}.svg is {} bytes: the curves are not thinned", svg.len());
        let png = std::fs::read(fit.join("charts").join(format!("{file}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{file}.png: no PNG signature");
        let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        assert_eq!((size(16), size(20)), (1200, 700), "{file}.png");
        assert!(png.len() > 10_000, "{file}.png: only {} bytes", png.len());
    }
    // The legend names each family with its goodness of fit; patience shows the Kaplan–Meier curve and its band.
    let handle = std::fs::read_to_string(fit.join("charts/billing_handle.svg")).unwrap();
    assert!(handle.contains("lognormal, chosen by AIC: KS") && handle.contains("exponential: KS"), "{handle}");
    let patience = std::fs::read_to_string(fit.join("charts/billing_patience.svg")).unwrap();
    assert!(patience.contains("Kaplan–Meier") && patience.contains("Greenwood"), "patience chart");

    let html = std::fs::read_to_string(fit.join("fit.html")).unwrap();
    assert!(html.contains("history.csv") && html.contains("2026-03-02 to 2026-03-08 (7 dates)"), "header");
    for reason in ["billing", "tech"] {
        assert!(html.contains(&format!(">{reason}</h3>")), "fit.html has no section for {reason}");
    }
    for (file, title) in FIT_CHARTS {
        assert!(html.contains(&format!("<figure id=\"{file}\">")), "fit.html lacks the chart {file}");
        assert!(html.contains(&format!("charts/{file}.svg")) && html.contains(title), "fit.html: {file}");
    }
    assert_eq!(html.matches("<svg").count(), FIT_CHARTS.len(), "one inline SVG per chart");
    for figure in ["AIC exponential", "AIC weibull", "Speed", "Share of busy time", "Transfer", "wrap-up", "patience"] {
        assert!(html.contains(figure), "fit.html lacks {figure:?}");
    }
    // The chosen handle's mean, as fit.csv has it.
    let rows = fit_rows(&fit);
    let mean = rows
        .iter()
        .find(|r| r.reason == "billing" && r.quantity == "handle" && r.chosen == "1" && r.parameter == "mean")
        .and_then(|r| r.estimate)
        .unwrap();
    assert!(html.contains(&format!("<td>{mean:.1} s<span")), "billing handle mean {mean:.1} not in fit.html");
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "fit.html has a script");
    for attr in ["src=", "href="] {
        for q in ["\"", "'", ""] {
            for scheme in ["http://", "https://", "//"] {
                assert!(!lower.contains(&format!("{attr}{q}{scheme}")), "fit.html loads {attr}{q}{scheme}");
            }
        }
    }
    assert!(!lower.contains("<link") && !lower.contains("@import") && !lower.contains("url("), "external asset");
}

#[test]
fn two_fits_of_one_history_are_the_same_bytes_and_no_charts_leaves_out_charts_and_page() {
    let work = Work::new();
    let run = week_history(&work);
    // Without agents.csv: staffing is an estimate, and says so.
    let (a, b) = (fit_week(&work, &run, "a", &[]), fit_week(&work, &run, "b", &[]));
    assert!(a.join("fit.html").exists() && a.join("charts/staffing.png").exists());
    assert_same_files(&a, &b, "two fits of one history");
    let html = std::fs::read_to_string(a.join("fit.html")).unwrap();
    assert!(html.contains("Staffing is an <strong>estimate</strong>"), "fit.html does not say staffing is estimated");
    let staffing = std::fs::read_to_string(a.join("charts/staffing.svg")).unwrap();
    assert!(staffing.contains("across the week (estimate)") && staffing.contains("Agents present (estimate)"));

    let without = fit_week(&work, &run, "c", &["--no-charts"]);
    assert!(!without.join("charts").exists(), "charts/ written with --no-charts");
    assert!(!without.join("fit.html").exists(), "fit.html written with --no-charts");
    let mut expected = files(&a);
    expected.retain(|p, _| !p.starts_with("charts") && !p.starts_with("fit.html") && !p.starts_with(".ccsim"));
    let mut written = files(&without);
    written.retain(|p, _| !p.starts_with(".ccsim"));
    assert_eq!(written.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "--no-charts");
    for (path, bytes) in &expected {
        assert!(bytes == &written[path], "--no-charts: {} differs", path.display());
    }
}
