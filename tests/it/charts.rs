//! `ccsim run` writes charts (valid SVG and PNG, 1200×700) and a
//! self-contained `report.html`, byte-identical for the same seed, and
//! neither with `--no-charts`. If chromium is installed, the report renders.
//! Charts need no fonts on the machine: with fontconfig shown an empty
//! configuration, `run`, `staff` and `sweep` write the same charts, byte for
//! byte. `staff --no-charts` and `sweep --no-charts` write every other file.

use crate::common::{RETAIL, STAFF_SMALL, ccsim, files, run_to};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHARTS: [(&str, &str); 7] = [
    ("service_level", "Service level by interval"),
    ("volumes", "Chats offered by interval"),
    ("occupancy", "Occupancy and utilisation by interval"),
    ("concurrency", "Concurrency mix by interval"),
    ("queue", "Queue length by interval"),
    ("waits", "Wait-time distribution by skill"),
    ("outcomes", "Inactivity disconnects and transfers by reason"),
];

/// Runs the retail scenario with 4 replications into `out`.
fn run(out: &Path, extra: &[&str]) {
    run_to(RETAIL, out, &[&["--replications", "4"], extra].concat());
}

/// Decodes a PNG: (width, height, RGBA pixels).
fn decode_png(path: &Path) -> (u32, u32, Vec<[u8; 4]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap_or_else(|e| panic!("{}: not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{}", path.display());
    let pixels = match info.color_type {
        png::ColorType::Rgb => buf[..info.buffer_size()].chunks(3).map(|c| [c[0], c[1], c[2], 255]).collect(),
        png::ColorType::Rgba => buf[..info.buffer_size()].chunks(4).map(|c| [c[0], c[1], c[2], c[3]]).collect(),
        other => panic!("{}: unexpected colour type {other:?}", path.display()),
    };
    (info.width, info.height, pixels)
}

fn non_white_share(pixels: &[[u8; 4]]) -> f64 {
    pixels.iter().filter(|p| p[3] > 0 && p[..3].iter().any(|&c| c < 235)).count() as f64 / pixels.len().max(1) as f64
}

#[test]
fn every_chart_is_a_valid_svg_and_png() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&out, &[]);
    for (file, title) in CHARTS {
        let svg_path = out.join("charts").join(format!("{file}.svg"));
        let svg = std::fs::read_to_string(&svg_path).unwrap_or_else(|e| panic!("{}: {e}", svg_path.display()));
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{file}.svg is not XML: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{file}.svg");
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).map(str::trim).collect();
        assert!(texts.contains(&title), "{file}.svg has no title {title:?}");
        assert!(doc.descendants().filter(|n| n.is_element()).count() > 30, "{file}.svg looks empty");

        let png_path = out.join("charts").join(format!("{file}.png"));
        let bytes = std::fs::read(&png_path).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{file}.png: no PNG signature");
        assert!(bytes.len() > 10_000, "{file}.png: only {} bytes", bytes.len());
        let (w, h, pixels) = decode_png(&png_path);
        assert_eq!((w, h), (1200, 700), "{file}.png");
        // Text and marks are drawn: a fair share of pixels is not white, and some are dark (text).
        assert!(non_white_share(&pixels) > 0.02, "{file}.png is nearly blank");
        let dark = pixels.iter().filter(|p| p[..3].iter().all(|&c| c < 80)).count();
        assert!(dark > 500, "{file}.png: no text rendered ({dark} dark pixels)");
    }
}

#[test]
fn the_report_is_self_contained_and_names_every_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&out, &[]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("retail-weekday"), "scenario name missing");
    assert!(html.contains("Retail support, one weekday"), "scenario description missing");
    assert!(html.contains(concat!("ccsim ", env!("CARGO_PKG_VERSION"))), "version missing");
    assert!(html.contains("Seed 20261128") && html.contains("4 replications"), "seed or replications missing");
    for (_, title) in CHARTS {
        assert!(html.contains(title), "report.html lacks the chart {title:?}");
    }
    assert_eq!(html.matches("<svg").count(), CHARTS.len(), "one inline SVG per chart");
    for metric in ["Service level", "ASA", "Abandon rate", "Occupancy", "Utilisation", "AHT"] {
        assert!(html.contains(metric), "key figure {metric} missing");
    }
    // The key figures are the summary's numbers: the overall row shows summary.csv's means.
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let overall = html.split("<tr class=\"total\">").nth(1).and_then(|r| r.split("</tr>").next()).expect("overall row");
    for metric in ["service_level", "abandon_rate", "occupancy", "utilisation"] {
        let mean: f64 = summary
            .lines()
            .find_map(|l| l.strip_prefix(&format!("all,all,{metric},")))
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_else(|| panic!("{metric} not in summary.csv"))
            .parse()
            .unwrap();
        let shown = format!("<td>{:.1}%", mean * 100.0);
        assert!(overall.contains(&shown), "overall {metric}: {shown} not in {overall}");
    }
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "report.html has a script");
    for attr in ["src=", "href="] {
        for q in ["\"", "'", ""] {
            for scheme in ["http://", "https://", "//"] {
                assert!(!lower.contains(&format!("{attr}{q}{scheme}")), "report.html loads {attr}{q}{scheme}");
            }
        }
    }
    assert!(!lower.contains("<link") && !lower.contains("@import") && !lower.contains("url("), "external asset");
}

#[test]
fn no_charts_writes_neither_charts_nor_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&out, &["--no-charts"]);
    assert!(out.join("summary.csv").exists());
    assert!(!out.join("charts").exists(), "charts/ written with --no-charts");
    assert!(!out.join("report.html").exists(), "report.html written with --no-charts");
}

/// The charts and the report of a run folder, by path relative to it.
fn chart_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found: Vec<_> = files(dir).into_iter().filter(|(p, _)| p.starts_with("charts")).collect();
    found.push(("report.html".into(), std::fs::read(dir.join("report.html")).unwrap()));
    found
}

#[test]
fn charts_and_report_are_byte_identical_for_the_same_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, &["--threads", "1"]);
    run(&b, &["--threads", "3"]);
    let (fa, fb) = (chart_files(&a), chart_files(&b));
    assert_eq!(fa.len(), 2 * CHARTS.len() + 1);
    for ((name, x), (_, y)) in fa.iter().zip(&fb) {
        assert!(x == y, "{} differs between two runs with the same seed", name.display());
    }
}

/// Runs a command, killing it after `limit`; true when it exited successfully.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> bool {
    let Ok(mut child) = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn() else { return false };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

#[test]
fn the_report_renders_in_a_headless_browser() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().map(Path::new).find(|p| p.exists());
    let Some(chromium) = chromium else {
        eprintln!("note: chromium not installed; the headless-browser check of report.html is skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&out, &[]);
    let shot = tmp.path().join("shot.png");
    let ok = run_with_timeout(
        Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", tmp.path().join("profile").display()))
            .arg(format!("--screenshot={}", shot.display()))
            .arg("--window-size=1200,2000")
            .arg(format!("file://{}", out.join("report.html").display())),
        Duration::from_secs(90),
    );
    assert!(ok && shot.exists(), "chromium did not write a screenshot of report.html");
    let (w, h, pixels) = decode_png(&shot);
    assert!(w >= 1000 && h >= 1000, "screenshot is {w}×{h}");
    let share = non_white_share(&pixels);
    assert!(share > 0.02, "the rendered report is blank ({:.2}% non-white pixels)", share * 100.0);
}

/// The three commands that draw charts, each writing into the folder given last.
fn chart_commands() -> [(&'static str, Vec<&'static str>); 3] {
    [
        ("run", vec!["run", RETAIL, "--quiet", "--replications", "4", "--out"]),
        ("staff", vec!["staff", STAFF_SMALL, "--quiet", "--out"]),
        ("sweep", vec!["sweep", RETAIL, "--set", "chat.max_concurrent=1,2", "--replications", "2", "--quiet", "--out"]),
    ]
}

/// Hides every font from fontconfig: an empty configuration, and a home
/// folder without fonts (as in most container images).
fn without_fonts(cmd: &mut assert_cmd::Command, dir: &Path) {
    std::fs::create_dir_all(dir.join("home")).unwrap();
    let config = dir.join("fonts.conf");
    std::fs::write(
        &config,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig></fontconfig>\n",
    )
    .unwrap();
    cmd.env("FONTCONFIG_FILE", &config)
        .env("FONTCONFIG_PATH", dir)
        .env("HOME", dir.join("home"))
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_DATA_DIRS");
}

#[test]
fn charts_need_no_fonts_on_the_machine_and_are_the_same_bytes_without_them() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in chart_commands() {
        let (normal, hidden) = (tmp.path().join(format!("{name}-normal")), tmp.path().join(format!("{name}-hidden")));
        ccsim().args(&args).arg(&normal).assert().success();
        let mut cmd = ccsim();
        without_fonts(&mut cmd, &tmp.path().join(format!("{name}-fontconfig")));
        let out = cmd.args(&args).arg(&hidden).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name} without fonts failed: {stderr}");
        assert!(!stderr.to_lowercase().contains("font"), "{name} without fonts: {stderr}");
        let (a, b) = (files(&normal), files(&hidden));
        let charts: Vec<&PathBuf> = a.keys().filter(|p| p.starts_with("charts")).collect();
        assert!(charts.iter().any(|p| p.extension().is_some_and(|e| e == "png")), "{name}: no PNG chart");
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{name}: other files without fonts");
        for (path, bytes) in &a {
            assert!(bytes == &b[path], "{name}: {} differs without fonts", path.display());
        }
    }
}

#[test]
fn staff_and_sweep_with_no_charts_write_every_file_but_the_charts() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in chart_commands().into_iter().filter(|(name, _)| *name != "run") {
        let (with, without) = (tmp.path().join(format!("{name}-charts")), tmp.path().join(format!("{name}-no-charts")));
        ccsim().args(&args).arg(&with).assert().success();
        ccsim().args(&args).arg(&without).arg("--no-charts").assert().success();
        assert!(with.join("charts").is_dir(), "{name} wrote no charts/");
        assert!(!without.join("charts").exists(), "{name} --no-charts wrote charts/");
        // The marker .ccsim lists every file written, charts included: it differs.
        let mut expected = files(&with);
        expected.retain(|p, _| !p.starts_with("charts") && !p.starts_with(".ccsim"));
        assert!(expected.keys().any(|p| p.extension().is_some_and(|e| e == "csv")), "{name}: no CSV");
        let mut written = files(&without);
        written.retain(|p, _| !p.starts_with(".ccsim"));
        assert_eq!(written.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "{name} --no-charts");
        for (path, bytes) in &expected {
            assert!(bytes == &written[path], "{name} --no-charts: {} differs", path.display());
        }
    }
}
