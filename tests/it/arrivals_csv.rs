//! `arrivals.csv`, the replay input: its times as seconds, durations, clock
//! times with a day column, or date-times from `simulation.first_date`, and
//! its durations as the TOML writes them, all replay the same chats; a value
//! that cannot be is refused naming file, line, column, value and what is
//! expected, with nothing written.

use crate::common::*;

/// Two days open 08:00–10:00, one agent: `first_date` only when `dated`.
fn scenario(dated: bool) -> String {
    let date = if dated { "first_date = \"2026-03-02\"\n" } else { "" };
    format!(
        r#"name = "replayed"
arrivals = "arrivals.csv"

[simulation]
start = "08:00"
end = "10:00"
days = 2
replications = 2
{date}
[[reasons]]
name = "billing"
skill = "billing"
handle = "exponential(mean=5m)"
patience = "exponential(mean=2m)"

[[groups]]
name = "team"
skills = ["billing"]
agents = 1
"#
    )
}

/// The same five chats, each file writing their times and durations its own way.
const FORMS: [(&str, bool, &str); 4] = [
    (
        "seconds",
        false,
        "time,reason,handle,patience\n0,billing,420,\n90.5,billing,,600\n4500,billing,30,\n\
         86400,billing,5400,\n93599,billing,,45\n",
    ),
    (
        "durations",
        false,
        "time,reason,handle,patience\n0s,billing,7m,\n1m30.5s,billing,,10m\n1h15m,billing,30s,\n\
         24h,billing,1h30m,\n25h59m59s,billing,,45s\n",
    ),
    (
        "clock times and days",
        false,
        "day,time,reason,handle,patience\n1,08:00,billing,7m,\n1,90.5,billing,,10m\n,09:15,billing,30,\n\
         2,08:00:00,billing,1h30m,\n2,09:59:59,billing,,45s\n",
    ),
    (
        "date-times",
        true,
        "time,reason,handle,patience\n2026-03-02 08:00:00,billing,7m,\n2026-03-02T08:01:30.5,billing,,600\n\
         2026-03-02 09:15:00,billing,30s,\n2026-03-03 08:00:00,billing,1h30m,\n2026-03-03T09:59:59Z,billing,,45s\n",
    ),
];

#[test]
fn seconds_durations_clock_times_and_date_times_replay_the_same_chats() {
    // (A clock time holds no fraction of a second: that file gives its second row in seconds.)
    let mut first: Option<(String, String)> = None;
    for (form, dated, csv) in FORMS {
        let w = Work::new().with("s.toml", &scenario(dated)).with("arrivals.csv", csv);
        w.ok(&["run", "s.toml", "--quiet", "--no-charts", "--trace", "--out", "out"]);
        let chats = std::fs::read_to_string(w.path("out/chats.csv")).unwrap();
        let run_toml = std::fs::read_to_string(w.path("out/run.toml")).unwrap();
        // run.toml inlines the arrivals resolved to seconds from the first day's start.
        let arrivals = run_toml.split("arrivals = [").nth(1).unwrap().split(']').next().unwrap().to_string();
        assert!(arrivals.contains("time = 86400.0"), "{form}: {arrivals}");
        match &first {
            None => first = Some((chats, arrivals)),
            Some((c, a)) => {
                assert_eq!(&arrivals, a, "{form}: the resolved arrivals differ");
                assert_eq!(&chats, c, "{form}: the chats differ");
            }
        }
    }
}

#[test]
fn a_bad_time_day_or_duration_is_refused_naming_file_line_column_and_value() {
    // (csv, dated, where, what the message says)
    let cases: [(&str, bool, &str, &[&str]); 9] = [
        (
            "time,reason\n0,billing\nsoon,billing\n",
            false,
            "arrivals.csv:3:1: time",
            &["\"soon\"", "expected seconds from the day's start", "a clock time like \"09:15:00\""],
        ),
        ("time,reason\n0,billing\n10:30,billing\n", false, "arrivals.csv:3:1: time", &["10:30", "08:00 to 10:00"]),
        ("time,reason\n0,billing\n7201,billing\n", false, "arrivals.csv:3:1: time", &["7201 s", "opening hours"]),
        (
            "day,time,reason\n1,0,billing\n3,08:30,billing\n",
            false,
            "arrivals.csv:3:1: day",
            &["\"3\"", "expected a day number from 1 to 2"],
        ),
        (
            "time,reason\n2026-03-02 08:30:00,billing\n",
            false,
            "arrivals.csv:2:1: time",
            &["needs simulation.first_date"],
        ),
        (
            "time,reason\n2026-03-04 08:30:00,billing\n",
            true,
            "arrivals.csv:2:1: time",
            &["\"2026-03-04 08:30:00\" is day 3 of the run", "expected days 1 to 2"],
        ),
        (
            "time,reason,handle\n0,billing,7m\n60,billing,7 min\n",
            false,
            "arrivals.csv:3:3: handle",
            &["\"7 min\"", "expected a number of seconds >= 0 or a duration like"],
        ),
        (
            "time,reason,patience\n0,billing,-5s\n",
            false,
            "arrivals.csv:2:3: patience",
            &["\"-5s\"", "expected a number of seconds >= 0"],
        ),
        (
            "time,reason,auth\n0,billing,200000h\n",
            false,
            "arrivals.csv:2:3: auth",
            &["\"200000h\" is too long", "at most 10000000 s"],
        ),
    ];
    for (csv, dated, at, says) in cases {
        let w = Work::new().with("s.toml", &scenario(dated)).with("arrivals.csv", csv);
        w.refused_naming(&["run", "s.toml", "--quiet", "--out", "out"], 2, at, says);
        w.refused_naming(&["check", "s.toml"], 2, at, says);
    }
}

#[test]
fn inline_arrivals_take_the_same_forms() {
    let inline = scenario(true).replace(
        "arrivals = \"arrivals.csv\"",
        "arrivals = [{ time = \"1h15m\", reason = \"billing\", handle = \"7m\" }, \
         { time = \"09:15\", day = 2, reason = \"billing\" }, { time = 2026-03-03T08:30:00, reason = \"billing\" }, \
         { time = \"2026-03-02 08:10:00\", reason = \"billing\", patience = \"45s\" }]",
    );
    let w = Work::new().with("s.toml", &inline);
    w.ok(&["run", "s.toml", "--quiet", "--no-charts", "--out", "out"]);
    let run_toml = std::fs::read_to_string(w.path("out/run.toml")).unwrap();
    for want in [
        "{ time = 600.0, reason = \"billing\", patience = 45.0 }",
        "{ time = 4500.0, reason = \"billing\", handle = 420.0 }",
        "{ time = 88200.0, reason = \"billing\" }",
        "{ time = 90900.0, reason = \"billing\" }",
    ] {
        assert!(run_toml.contains(want), "{want} not in\n{run_toml}");
    }
    let bad = inline.replace("day = 2", "day = 0");
    let w = Work::new().with("s.toml", &bad);
    w.refused_naming(&["check", "s.toml"], 2, "arrivals[1].day", &["expected a day number from 1 to 2"]);
}
