//! `ccsim erlang --goal`: the agents needed, checked against a published
//! Erlang C example and an independent Erlang C formula, and, with chat
//! concurrency (`--max-concurrent`, `--speed`), against `ccsim check`'s
//! `needed` column for the same load.

use crate::common::*;

/// Erlang C's service level from its textbook sum, computed here
/// independently of the library: P(wait) = (aᶜ/c! · c/(c − a)) ÷ (Σ_{k<c} aᵏ/k! + aᶜ/c! · c/(c − a)).
fn erlang_c_service_level(a: f64, c: u32, aht: f64, t: f64) -> f64 {
    let (mut term, mut sum) = (1.0, 0.0);
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * f64::from(c) / (f64::from(c) - a);
    let p_wait = top / (sum + top);
    1.0 - p_wait * (-(f64::from(c) - a) * t / aht).exp()
}

/// Runs `ccsim ARGS`, asserts it succeeds and returns its stdout.
#[track_caller]
fn stdout_of(args: &[&str]) -> String {
    let out = ccsim().args(args).output().expect("ccsim runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ccsim {} failed: {}\n{stdout}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The rows of the agents-needed table: agents → the row's numbers, and the marked row's agents.
fn table(stdout: &str) -> (std::collections::BTreeMap<u32, Vec<f64>>, u32) {
    let mut rows = std::collections::BTreeMap::new();
    let mut marked = None;
    for line in stdout.lines() {
        let (mark, rest) = line.split_at(line.char_indices().nth(1).map_or(line.len(), |(i, _)| i));
        let cells: Vec<&str> = rest.split_whitespace().collect();
        let Some(agents) = cells.first().and_then(|c| c.parse::<u32>().ok()) else { continue };
        if mark == "→" {
            marked = Some(agents);
        }
        rows.insert(agents, cells[1..].iter().map(|c| c.parse::<f64>().unwrap_or(f64::NAN)).collect());
    }
    (rows, marked.expect("a row marked →"))
}

#[test]
fn the_classic_erlang_c_example_needs_14_agents() {
    // 100 calls in 30 minutes, 3-minute handle (10 Erlangs), 80% answered in 20 s:
    // the published answer is 14 agents (P(wait) 17.4%, service level 88.8%,
    // ASA 7.8 s); 13 agents reach only 79.6%.
    let stdout = stdout_of(&["erlang", "--rate", "200/h", "--aht", "3m", "--threshold", "20s", "--goal", "0.8"]);
    assert!(stdout.contains("agents needed: 14 for service level 0.8 within 20 s, by Erlang C"), "{stdout}");
    let (rows, marked) = table(&stdout);
    assert_eq!(marked, 14, "{stdout}");
    assert_eq!(rows.keys().copied().collect::<Vec<_>>(), [11, 12, 13, 14, 15, 16], "{stdout}");
    // occupancy, P(wait), service level, ASA
    assert_eq!(rows[&14], [0.7143, 0.1741, 0.8884, 7.84], "{stdout}");
    assert_eq!(rows[&13][2], 0.7956, "{stdout}");
    for (&agents, row) in &rows {
        let sl = erlang_c_service_level(10.0, agents, 180.0, 20.0);
        assert!((row[2] - sl).abs() < 5e-5, "{agents} agents: {} against {sl}", row[2]);
        assert_eq!(sl >= 0.8, agents >= 14, "{agents} agents: {sl}");
    }
    // The README prints this very output.
    let readme = std::fs::read_to_string(root("README.md")).unwrap();
    let printed = readme.split("$ ccsim erlang --rate 200/h --aht 3m --threshold 20s --goal 0.8\n").nth(1).unwrap();
    let printed = printed.split("```").next().unwrap();
    assert!(stdout.starts_with(printed), "README:\n{printed}\nccsim:\n{stdout}");
    // With --agents too, the figures for that many come first, as before.
    let both = stdout_of(&[
        "erlang",
        "--rate",
        "200/h",
        "--aht",
        "3m",
        "--threshold",
        "20s",
        "--agents",
        "14",
        "--goal",
        "0.8",
    ]);
    assert!(both.starts_with("offered load 10.000 Erlangs on 14 agents"), "{both}");
    assert!(both.contains("probability of waiting  0.1741") && both.contains("agents needed: 14"), "{both}");
}

#[test]
fn with_patience_and_an_abandonment_cap_the_answer_meets_both() {
    let stdout = stdout_of(&[
        "erlang",
        "--rate",
        "200/h",
        "--aht",
        "3m",
        "--threshold",
        "20s",
        "--patience",
        "1m",
        "--goal",
        "0.5",
        "--max-abandon",
        "0.02",
    ]);
    let (rows, n) = table(&stdout);
    // occupancy, P(wait), abandon, service level, ASA
    assert!(rows[&n][3] >= 0.5 && rows[&n][2] <= 0.02, "{stdout}");
    assert!(rows[&(n - 1)][3] < 0.5 || rows[&(n - 1)][2] > 0.02, "{stdout}");
    assert!(stdout.contains("by Erlang A"), "{stdout}");
}

/// A one-reason scenario whose 30-minute intervals offer `volumes` chats.
fn concurrency_scenario(volumes: &str) -> String {
    format!(
        r#"name = "chain"

[simulation]
start = "08:00"
end = "10:00"

[service_level]
threshold = "45s"
goal = 0.85
max_abandon = 0.03

[chat]
max_concurrent = 3
speed = [1.0, 0.8, 0.65]
wrapup = "30s"

[[reasons]]
name = "billing"
skill = "billing"
volume = [{volumes}]
auth = "20s"
handle = "exponential(mean=4m10s)"
patience = "exponential(mean=3m)"

[[groups]]
name = "team"
skills = ["billing"]
agents = 10
"#
    )
}

#[test]
fn with_concurrency_it_answers_what_check_says_is_needed() {
    let volumes = [5, 60, 240, 900];
    let w = Work::new().with("s.toml", &concurrency_scenario(&volumes.map(|v| v.to_string()).join(", ")));
    let out = w.command().args(["check", "s.toml"]).output().unwrap();
    let check = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{check}");
    // time, chats, load, agents, slots, needed
    let needed: Vec<String> = check
        .lines()
        .filter(|l| l.trim_start().starts_with("08:") || l.trim_start().starts_with("09:"))
        .map(|l| l.split_whitespace().nth(5).unwrap().to_string())
        .collect();
    assert_eq!(needed.len(), 4, "{check}");
    for (volume, needed) in volumes.iter().zip(&needed) {
        // Work = auth + handle + wrap-up = 20 + 250 + 30 = 300 s; the interval is 30 minutes.
        let rate = format!("{}/h", volume * 2);
        let stdout = stdout_of(&[
            "erlang",
            "--rate",
            &rate,
            "--aht",
            "5m",
            "--patience",
            "3m",
            "--threshold",
            "45s",
            "--goal",
            "0.85",
            "--max-abandon",
            "0.03",
            "--max-concurrent",
            "3",
            "--speed",
            "1,0.8,0.65",
        ]);
        assert!(
            stdout.contains(&format!("agents needed: {needed} for")),
            "{volume} chats: check says {needed}\n{stdout}"
        );
        assert!(
            stdout.contains("the exact chat-concurrency chain (3 chats per agent at speeds 1, 0.8, 0.65"),
            "{stdout}"
        );
        let (rows, n) = table(&stdout);
        assert_eq!(n.to_string(), *needed);
        // occupancy, utilisation, P(wait), abandon, service level, ASA
        assert!(rows[&n][4] >= 0.85 && rows[&n][3] <= 0.03, "{stdout}");
        if let Some(fewer) = rows.get(&(n - 1)) {
            assert!(fewer[4] < 0.85 || fewer[3] > 0.03, "{stdout}");
        }
    }
    // --speed alone sets the chats per agent; the figures for a given team come from the same chain.
    let stdout = stdout_of(&["erlang", "--rate", "120/h", "--aht", "5m", "--speed", "1,0.8,0.65", "--agents", "9"]);
    assert!(stdout.contains("on 9 agents × 3 slots") && stdout.contains("utilisation"), "{stdout}");
}

#[test]
fn bad_erlang_flags_exit_2_naming_the_flag() {
    let w = Work::new();
    let base = ["erlang", "--rate", "200/h", "--aht", "3m"];
    let with = |extra: &[&'static str]| [&base[..], extra].concat();
    w.refused_naming(&with(&[]), 2, "--agents", &["--goal"]);
    w.refused_naming(&with(&["--goal", "1.5"]), 2, "--goal", &["1.5", "at most 1"]);
    w.refused_naming(&with(&["--agents", "5", "--max-abandon", "0.1"]), 2, "--max-abandon", &["--goal"]);
    w.refused_naming(&with(&["--goal", "0.8", "--max-abandon", "2"]), 2, "--max-abandon", &["from 0 to 1"]);
    w.refused_naming(&with(&["--goal", "0.8", "--max-concurrent", "33"]), 2, "--max-concurrent", &["1 to 32", "33"]);
    w.refused_naming(
        &with(&["--goal", "0.8", "--max-concurrent", "3", "--speed", "1,0.9"]),
        2,
        "--speed",
        &["2 values", "3"],
    );
    w.refused_naming(&with(&["--goal", "0.8", "--speed", "1,0"]), 2, "--speed", &["0.01 to 100", "got 0"]);
    w.refused_naming(&with(&["--goal", "0.8", "--patience", "0s"]), 2, "--patience", &["above zero"]);
}
