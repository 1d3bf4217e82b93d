//! Bad input is refused before anything runs (DESIGN §1.1, §4): exit code 2,
//! a message naming the file at fault and the key path (or, for TOML syntax
//! errors, the line), no panic, and no output folder — finished or
//! temporary — left behind.
//!
//! Each case starts from a valid minimal scenario and breaks one thing. The
//! valid scenario itself is run first (`the_valid_minimal_scenario_runs`), so a
//! failure here is about the broken thing, not the harness.

use crate::common::{ccsim_in, edited, entries};
use assert_cmd::Command;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A valid scenario; every case edits it. Line numbers matter for the syntax
/// error case (`rate` is on line 13, `handle` on line 14).
const VALID: &str = r#"name = "case"
[simulation]
start = "08:00"
end = "10:00"
interval = "30m"
replications = 2
[chat]
max_concurrent = 2
speed = [1.0, 0.8]
[[reasons]]
name = "billing"
skill = "billing"
rate = "60/h"
handle = "lognormal(mean=5m, sd=2m)"
patience = "exponential(mean=3m)"
[[groups]]
name = "tier1"
skills = ["billing"]
shifts = [{ start = "08:00", end = "09:00", agents = 3 }, { start = "09:00", end = "10:00", agents = 2 }]
"#;

const SCENARIO: &str = "scenario.toml";
const OUT: &str = "out";

/// `ccsim` run inside `dir` (so a stray default `results/` would be caught
/// by the folder listing), with address space capped at 4 GB (on Unix), for inputs that
/// might otherwise make the program allocate without bound.
fn ccsim_capped(dir: &Path) -> Command {
    if !cfg!(unix) {
        return ccsim_in(dir);
    }
    let bin = assert_cmd::cargo::cargo_bin("ccsim");
    let mut sh = std::process::Command::new("sh");
    sh.args(["-c", "ulimit -v 4000000 && exec \"$0\" \"$@\""]).arg(bin).current_dir(dir);
    Command::from(sh)
}

/// Which file the message must name.
#[derive(Clone, Copy)]
enum AtFault {
    /// The scenario file itself.
    Scenario,
    /// A file beside it, at a 1-based line.
    Data(&'static str, usize),
}

/// One malformed input.
struct Case {
    /// Shown in every assertion message.
    name: &'static str,
    /// `(from, to)`: each `from` must occur in the scenario exactly once and is replaced by `to`.
    edits: &'static [(&'static str, &'static str)],
    /// Files written beside the scenario.
    files: &'static [(&'static str, &'static str)],
    /// Extra arguments for `run` (a case with any is not tried with `check`).
    args: &'static [&'static str],
    at_fault: AtFault,
    /// Key path the message must name; alternatives separated by `|`; empty for none.
    key: &'static str,
    /// For syntax errors: the line that `file:LINE:COL` must give.
    line: Option<usize>,
    /// Fragments that must appear after the key (the bad value, what is expected).
    /// A fragment of digits must appear as a whole number.
    says: &'static [&'static str],
    /// Run the scenario from a path that does not exist.
    no_scenario: bool,
    /// Run under [`ccsim_capped`].
    capped: bool,
}

const CASE: Case = Case {
    name: "",
    edits: &[],
    files: &[],
    args: &[],
    at_fault: AtFault::Scenario,
    key: "",
    line: None,
    says: &[],
    no_scenario: false,
    capped: false,
};

/// Writes the case's scenario and files into `dir`; returns the scenario path.
fn prepare(case: &Case, dir: &Path) -> PathBuf {
    let text = edited(VALID, case.edits);
    let path = dir.join(SCENARIO);
    if case.no_scenario {
        return dir.join("missing.toml");
    }
    fs::write(&path, text).unwrap();
    for (name, contents) in case.files {
        fs::write(dir.join(name), contents).unwrap();
    }
    path
}

/// True when `text` mentions `fragment`; digits-only fragments must stand as a whole number.
fn mentions(text: &str, fragment: &str) -> bool {
    if fragment.is_empty() || !fragment.bytes().all(|b| b.is_ascii_digit()) {
        return text.contains(fragment);
    }
    text.match_indices(fragment).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let mut after = text[i + fragment.len()..].chars();
        let (next, then) = (after.next(), after.next());
        let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        let glued_before = digit(before) || before == Some('.');
        let glued_after = digit(next) || (next == Some('.') && digit(then));
        !glued_before && !glued_after
    })
}

/// Where `key` is named as a whole key path (not a prefix of a longer one);
/// returns the text after it.
fn after_key<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.match_indices(key).find_map(|(i, _)| {
        let rest = &text[i + key.len()..];
        let continues = rest.chars().next().is_some_and(|c| c.is_alphanumeric() || "_.[".contains(c));
        let before = text[..i].chars().next_back();
        let glued = before.is_some_and(|c| c.is_alphanumeric() || "_.".contains(c));
        (!continues && !glued).then_some(rest)
    })
}

/// Runs `args`, then checks everything a refusal must satisfy.
fn assert_refused(case: &Case, dir: &Path, scenario: &Path, args: &[&str], inputs: &BTreeSet<String>) {
    let what = format!("[{}] ccsim {}", case.name, args.join(" "));
    let mut cmd = if case.capped { ccsim_capped(dir) } else { ccsim_in(dir) };
    let output = cmd.args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let shown = format!("{what}\n--- stderr ---\n{stderr}--- stdout ---\n{stdout}");

    assert!(!stderr.contains("panicked"), "{shown}\npanicked instead of reporting bad input");
    assert_eq!(output.status.code(), Some(2), "{shown}\nexpected exit code 2 (bad input)");

    let file = match case.at_fault {
        AtFault::Scenario => scenario.to_path_buf(),
        AtFault::Data(name, _) => dir.join(name),
    };
    let file = file.display().to_string();
    assert!(stderr.contains(&file), "{shown}\nthe message does not name the file at fault, {file}");
    if let AtFault::Data(_, line) = case.at_fault {
        let at = format!("{file}:{line}");
        assert!(after_key(&stderr, &at).is_some(), "{shown}\nthe message does not give the line: expected {at}");
    }
    if let Some(line) = case.line {
        let at = format!("{file}:{line}:");
        assert!(stderr.contains(&at), "{shown}\nthe message does not give the line and column: expected {at}COL");
    }

    let mut message: &str = &stderr;
    if !case.key.is_empty() {
        let found = case.key.split('|').find_map(|k| after_key(&stderr, k));
        match found {
            Some(rest) => message = rest,
            None => panic!("{shown}\nthe message does not name the key path {}", case.key.replace('|', " or ")),
        }
    }
    for fragment in case.says {
        assert!(mentions(message, fragment), "{shown}\nthe message (after the key) lacks {fragment:?}");
    }

    assert!(!dir.join(OUT).exists(), "{shown}\nthe output folder {OUT} was created");
    let left: Vec<String> = entries(dir).difference(inputs).cloned().collect();
    assert!(left.is_empty(), "{shown}\nleft behind in the working folder: {left:?}");
}

/// The whole check for one case: `run` (with `--out`), then `check`.
fn refused(case: Case) {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let scenario = prepare(&case, dir);
    let inputs = entries(dir);
    let scenario_arg = scenario.to_str().unwrap();
    let out = dir.join(OUT);
    let mut run = vec!["run", scenario_arg, "--out", out.to_str().unwrap(), "--quiet"];
    run.extend(case.args);
    assert_refused(&case, dir, &scenario, &run, &inputs);
    if case.args.is_empty() {
        assert_refused(&case, dir, &scenario, &["check", scenario_arg], &inputs);
    }
}

#[test]
fn the_valid_minimal_scenario_runs() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let scenario = prepare(&CASE, dir);
    let out = dir.join(OUT);
    let output = ccsim_in(dir)
        .args(["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(out.join("summary.csv").is_file(), "no summary.csv; stderr:\n{stderr}");
    let tmp_left: Vec<String> = entries(dir).into_iter().filter(|e| e.starts_with(".out.tmp-")).collect();
    assert!(tmp_left.is_empty(), "temporary folders left: {tmp_left:?}");

    let output = ccsim_in(dir).args(["check", scenario.to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "check stderr:\n{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_refused_scenario_leaves_an_existing_output_folder_untouched() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let scenario =
        prepare(&Case { name: "existing output", edits: &[("interval = \"30m\"", "interval = \"7m\"")], ..CASE }, dir);
    let out = dir.join(OUT);
    fs::create_dir(&out).unwrap();
    fs::write(out.join("summary.csv"), "earlier run\n").unwrap();
    let inputs = entries(dir);
    let output = ccsim_in(dir)
        .args(["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert_eq!(fs::read_to_string(out.join("summary.csv")).unwrap(), "earlier run\n", "stderr:\n{stderr}");
    assert_eq!(entries(&out), BTreeSet::from(["summary.csv".to_string()]));
    assert_eq!(entries(dir), inputs, "stderr:\n{stderr}");
}

#[test]
fn a_toml_syntax_error_gives_the_line() {
    refused(Case { name: "syntax error", edits: &[("rate = \"60/h\"", "rate = \"60/h")], line: Some(13), ..CASE });
}

#[test]
fn an_unknown_key_is_named() {
    refused(Case {
        name: "unknown key handel",
        edits: &[("handle = ", "handel = ")],
        key: "reasons.billing.handel",
        ..CASE
    });
}

#[test]
fn an_unknown_top_level_key_is_named() {
    refused(Case {
        name: "unknown key forecats",
        edits: &[("name = \"case\"", "name = \"case\"\nforecats = \"forecast.csv\"")],
        key: "forecats",
        ..CASE
    });
}

#[test]
fn an_unknown_skill_in_a_reason_lists_the_served_skills() {
    refused(Case {
        name: "unknown skill in reason",
        edits: &[
            ("skill = \"billing\"", "skill = \"biling\""),
            ("skills = [\"billing\"]", "skills = [\"billing\", \"orders\"]"),
        ],
        key: "reasons.billing.skill",
        says: &["biling", "billing", "orders"],
        ..CASE
    });
}

#[test]
fn an_unknown_skill_in_a_transfer_is_named() {
    refused(Case {
        name: "unknown skill in transfer.to",
        edits: &[("patience = ", "transfer = { p = 0.05, to = \"tech\" }\npatience = ")],
        key: "reasons.billing.transfer.to",
        says: &["tech", "billing"],
        ..CASE
    });
}

#[test]
fn an_unknown_skill_in_a_commitment_is_named() {
    refused(Case {
        name: "unknown skill in commitment.skill",
        edits: &[("patience = ", "commitment = { p = 0.1, after = \"2h\", skill = \"sales\" }\npatience = ")],
        key: "reasons.billing.commitment.skill",
        says: &["sales", "billing"],
        ..CASE
    });
}

#[test]
fn a_duplicate_reason_name_is_refused() {
    refused(Case {
        name: "duplicate reason name",
        edits: &[(
            "[[groups]]",
            "[[reasons]]\nname = \"billing\"\nskill = \"billing\"\nrate = \"10/h\"\nhandle = \"4m\"\n[[groups]]",
        )],
        key: "reasons.billing.name|reasons.billing",
        says: &["duplicate"],
        ..CASE
    });
}

#[test]
fn a_volume_of_the_wrong_length_names_both_numbers() {
    refused(Case {
        name: "volume length 3 for 4 intervals",
        edits: &[("rate = \"60/h\"", "volume = [10, 20, 30]")],
        key: "reasons.billing.volume",
        says: &["3", "4"],
        ..CASE
    });
}

#[test]
fn a_negative_duration_is_refused() {
    refused(Case {
        name: "negative handle",
        edits: &[("handle = \"lognormal(mean=5m, sd=2m)\"", "handle = \"-5m\"")],
        key: "reasons.billing.handle",
        says: &["-5m"],
        ..CASE
    });
}

#[test]
fn a_negative_number_of_seconds_is_refused() {
    refused(Case {
        name: "negative inactivity_timeout",
        edits: &[("speed = [1.0, 0.8]", "speed = [1.0, 0.8]\ninactivity_timeout = -120")],
        key: "chat.inactivity_timeout",
        says: &["-120"],
        ..CASE
    });
}

#[test]
fn a_negative_distribution_parameter_is_refused() {
    refused(Case {
        name: "negative lognormal mean",
        edits: &[("mean=5m", "mean=-5m")],
        key: "reasons.billing.handle",
        says: &["-5m"],
        ..CASE
    });
}

#[test]
fn a_probability_of_two_is_refused() {
    refused(Case {
        name: "auth_fail = 2.0",
        edits: &[("patience = ", "auth_fail = 2.0\npatience = ")],
        key: "reasons.billing.auth_fail",
        says: &["2.0"],
        ..CASE
    });
}

#[test]
fn a_probability_of_two_in_a_nested_table_is_refused() {
    refused(Case {
        name: "transfer.p = 2.0",
        edits: &[("patience = ", "transfer = { p = 2.0, to = \"billing\" }\npatience = ")],
        key: "reasons.billing.transfer.p",
        says: &["2.0"],
        ..CASE
    });
}

#[test]
fn a_lognormal_without_sd_is_refused() {
    refused(Case {
        name: "lognormal(mean=7m)",
        edits: &[("\"lognormal(mean=5m, sd=2m)\"", "\"lognormal(mean=7m)\"")],
        key: "reasons.billing.handle",
        says: &["sd"],
        ..CASE
    });
}

#[test]
fn a_misspelt_distribution_is_refused() {
    refused(Case {
        name: "gausian(3)",
        edits: &[("\"exponential(mean=3m)\"", "\"gausian(3)\"")],
        key: "reasons.billing.patience",
        says: &["gausian"],
        ..CASE
    });
}

#[test]
fn a_reason_without_arrivals_is_refused() {
    refused(Case {
        name: "neither rate nor volume",
        edits: &[("rate = \"60/h\"\n", "")],
        key: "reasons.billing",
        says: &["rate", "volume"],
        ..CASE
    });
}

#[test]
fn a_speed_list_shorter_than_the_cap_is_refused() {
    refused(Case {
        name: "speed shorter than max_concurrent",
        edits: &[("max_concurrent = 2", "max_concurrent = 3")],
        key: "chat.speed",
        says: &["2", "3"],
        ..CASE
    });
}

#[test]
fn an_end_before_the_start_is_refused() {
    refused(Case {
        name: "end before start",
        edits: &[("end = \"10:00\"\ninterval", "end = \"07:00\"\ninterval")],
        key: "simulation.end",
        says: &["07:00", "08:00"],
        ..CASE
    });
}

#[test]
fn a_shift_ending_before_it_starts_is_refused() {
    refused(Case {
        name: "shift end before start",
        edits: &[("{ start = \"09:00\", end = \"10:00\"", "{ start = \"09:00\", end = \"08:30\"")],
        key: "groups.tier1.shifts[1].end",
        says: &["08:30", "09:00"],
        ..CASE
    });
}

#[test]
fn a_missing_arrivals_file_is_named() {
    refused(Case {
        name: "arrivals.csv missing",
        edits: &[("name = \"case\"", "name = \"case\"\narrivals = \"arrivals.csv\""), ("rate = \"60/h\"\n", "")],
        key: "arrivals",
        says: &["arrivals.csv"],
        ..CASE
    });
}

#[test]
fn an_unknown_reason_in_arrivals_csv_names_the_csv_and_line() {
    refused(Case {
        name: "arrivals.csv unknown reason",
        edits: &[("name = \"case\"", "name = \"case\"\narrivals = \"arrivals.csv\""), ("rate = \"60/h\"\n", "")],
        files: &[("arrivals.csv", "time,reason\n60,billing\n120,refunds\n")],
        at_fault: AtFault::Data("arrivals.csv", 3),
        says: &["refunds", "billing"],
        ..CASE
    });
}

#[test]
fn a_missing_scenario_name_is_refused() {
    refused(Case { name: "missing top-level name", edits: &[("name = \"case\"\n", "")], key: "name", ..CASE });
}

#[test]
fn a_reason_without_a_name_is_refused() {
    refused(Case {
        name: "missing reason name",
        edits: &[("name = \"billing\"\n", "")],
        key: "reasons[0].name",
        says: &["missing"],
        ..CASE
    });
}

#[test]
fn an_interval_of_seven_minutes_is_refused() {
    refused(Case {
        name: "interval 7m",
        edits: &[("interval = \"30m\"", "interval = \"7m\"")],
        key: "simulation.interval",
        says: &["7m", "30m"],
        ..CASE
    });
}

#[test]
fn a_refusal_probability_of_one_is_refused() {
    refused(Case {
        name: "chat.refuse = 1.0",
        edits: &[("speed = [1.0, 0.8]", "speed = [1.0, 0.8]\nrefuse = 1.0")],
        key: "chat.refuse",
        says: &["1"],
        ..CASE
    });
}

#[test]
fn a_group_refusal_probability_of_one_is_refused() {
    refused(Case {
        name: "groups.tier1.refuse = 1.0",
        edits: &[("skills = [\"billing\"]", "skills = [\"billing\"]\nrefuse = 1.0")],
        key: "groups.tier1.refuse",
        says: &["1"],
        ..CASE
    });
}

#[test]
fn a_group_with_both_agents_and_shifts_is_refused() {
    refused(Case {
        name: "agents and shifts",
        edits: &[("skills = [\"billing\"]", "skills = [\"billing\"]\nagents = 3")],
        key: "groups.tier1.agents|groups.tier1.shifts",
        says: &["agents", "shifts"],
        ..CASE
    });
}

#[test]
fn zero_replications_on_the_command_line_are_refused() {
    refused(Case {
        name: "--replications 0",
        args: &["--replications", "0"],
        key: "--replications",
        says: &["0"],
        ..CASE
    });
}

#[test]
fn a_scenario_path_that_does_not_exist_is_named() {
    refused(Case { name: "scenario file missing", no_scenario: true, ..CASE });
}

#[test]
fn a_negative_first_value_in_an_empirical_file_is_refused() {
    // A non-numeric first line is a header; "-5" is a number, and negative.
    refused(Case {
        name: "empirical file starting with -5",
        edits: &[("\"lognormal(mean=5m, sd=2m)\"", "\"empirical(\\\"handle.csv\\\")\"")],
        files: &[("handle.csv", "-5\n10\n20\n")],
        key: "reasons.billing.handle",
        says: &["handle.csv", "-5"],
        ..CASE
    });
}

#[test]
fn an_absurd_max_concurrent_is_refused_rather_than_crashing() {
    refused(Case {
        name: "max_concurrent = 4000000000 without speed",
        edits: &[("max_concurrent = 2\nspeed = [1.0, 0.8]", "max_concurrent = 4000000000")],
        key: "chat.max_concurrent|groups.tier1.max_concurrent",
        says: &["4000000000"],
        capped: true,
        ..CASE
    });
}

#[test]
fn impossible_breaks_and_shrinkage_are_refused_naming_the_key() {
    let cases: [(&str, &str, &[&str]); 6] = [
        (r#"breaks = [{ length = "2h", within = ["1h", "2h"] }]"#, "groups.tier1.breaks[0].length", &["7200", "3600"]),
        (r#"breaks = [{ length = "5m", within = ["2h", "1h"] }]"#, "groups.tier1.breaks[0].within", &["3600", "7200"]),
        (r#"breaks = [{ start = "23:45", length = "30m" }]"#, "groups.tier1.breaks[0].start", &["23:45", "24:00"]),
        ("max_on_break = 0", "groups.tier1.max_on_break", &["0", "at most 1"]),
        (r#"shrinkage = { share = 1.0, spell = "10m" }"#, "groups.tier1.shrinkage.share", &["1", "below 1"]),
        (r#"shrinkage = { share = 0.1, spell = 0 }"#, "groups.tier1.shrinkage.spell", &["0", "1 s"]),
    ];
    for (line, key, says) in cases {
        let edits = [("skills = [\"billing\"]", format!("skills = [\"billing\"]\n{line}"))];
        let edits: Vec<(&str, &str)> = edits.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(SCENARIO), edited(VALID, &edits)).unwrap();
        let out = ccsim_in(dir.path()).args(["run", SCENARIO, "--out", OUT]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{line}: {stderr}");
        let rest = after_key(&stderr, key).unwrap_or_else(|| panic!("{line}: does not name {key}: {stderr}"));
        for s in says {
            assert!(mentions(rest, s), "{line}: lacks {s:?}: {stderr}");
        }
        assert!(!dir.path().join(OUT).exists());
    }
}
