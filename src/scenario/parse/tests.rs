//! The unit tests of scenario parsing: every section, message and input file, through [`parse_str`] and [`load`].

use super::*;
use crate::scenario::*;

const MINIMAL: &str = r#"
name = "mini"

[simulation]
start = "08:00"
end = "10:00"

[[reasons]]
name = "billing"
skill = "billing"
rate = "120/h"
handle = "5m"

[[groups]]
name = "tier1"
skills = ["billing"]
agents = 3
"#;

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(file)
}

fn parse(text: &str) -> Result<Scenario> {
    parse_str(text, Path::new("scenarios/x.toml"))
}

/// MINIMAL with `from` replaced by `to`, expected to fail.
fn fails(from: &str, to: &str) -> ScenarioError {
    assert!(MINIMAL.contains(from), "{from}");
    match parse(&MINIMAL.replacen(from, to, 1)) {
        Ok(_) => panic!("{to:?} should fail"),
        Err(e) => e,
    }
}

#[test]
fn defaults() {
    let s = parse(MINIMAL).unwrap();
    assert_eq!(s.name, "mini");
    assert_eq!(s.description, "");
    let sim = &s.simulation;
    assert_eq!((sim.start, sim.end, sim.days, sim.interval), (8 * 3600, 10 * 3600, 1, 1800));
    assert_eq!((sim.warmup, sim.replications, sim.seed), (0.0, 10, 1));
    assert_eq!(sim.open_intervals(), 4);
    let sl = &s.service_level;
    assert_eq!((sl.threshold, sl.goal, sl.max_abandon, sl.short_abandon), (60.0, 0.8, None, 0.0));
    assert_eq!(s.inactivity_timeout, 120.0);
    assert_eq!(s.routing.agent_select, AgentSelect::LeastBusy);
    assert_eq!(s.routing.queue_select, QueueSelect::Priority);
    assert_eq!(s.skills, ["billing"]);
    let r = &s.reasons[0];
    assert_eq!(r.volume.day(0), [60.0; 4]);
    assert_eq!(
        (r.handle.clone(), r.auth.clone(), r.patience.clone()),
        (Dist::Const(300.0), Dist::Const(0.0), Dist::Never)
    );
    assert_eq!((r.auth_fail, r.priority), (0.0, 1));
    assert!(r.nonresponsive.is_none() && r.transfer.is_none() && r.commitment.is_none());
    let g = &s.groups[0];
    assert_eq!(g.skills, [0]);
    assert_eq!(g.staffing, Staffing::Constant(3));
    let rules = &g.rules;
    assert_eq!((rules.max_concurrent, rules.speed.clone(), rules.refuse), (2, vec![1.0, 1.0], 0.0));
    assert_eq!((rules.accept.clone(), rules.wrapup.clone()), (Dist::Const(0.0), Dist::Const(0.0)));
    assert_eq!(rules.wrapup_blocks, WrapupBlocks::Agent);
    assert!(s.replay.is_none());
}

#[test]
fn full_example() {
    let s = load(&data("retail.toml")).unwrap();
    assert_eq!(s.skills, ["billing", "orders", "tech"]);
    assert_eq!(s.simulation.seed, 20261128);
    assert_eq!(s.service_level.max_abandon, Some(0.05));
    let [billing, orders, tech] = &s.reasons[..] else { panic!() };
    assert_eq!(billing.volume.day(0).len(), 24);
    assert_eq!(billing.transfer.as_ref().map(|t| t.to), Some(2));
    assert_eq!(billing.commitment.as_ref().map(|c| (c.skill, c.after)), Some((0, 7200.0)));
    assert_eq!(billing.nonresponsive.as_ref().map(|n| (n.p, n.returns)), Some((0.08, 0.25)));
    assert_eq!(orders.volume.day(0), [8.75; 24]);
    assert_eq!(tech.volume.day(0), [12.0; 24]);
    assert_eq!(tech.handle, Dist::empirical(vec![30.0, 45.5, 60.0, 120.0]).unwrap());
    assert_eq!(tech.transfer.as_ref().map(|t| t.to), Some(0));
    let [tier1, techg, night] = &s.groups[..] else { panic!() };
    assert_eq!(tier1.rules.speed, [1.0, 0.8]);
    assert_eq!(tier1.rules.accept, Dist::Const(5.0));
    assert_eq!(techg.skills, [2, 0]);
    assert_eq!(techg.rules.max_concurrent, 3);
    assert_eq!(techg.rules.wrapup_blocks, WrapupBlocks::Slot);
    assert_eq!(techg.rules.refuse, 0.05);
    assert_eq!(techg.rules.wrapup, tier1.rules.wrapup);
    assert!(matches!(&techg.staffing, Staffing::Shifts(v) if v.len() == 2 && v[1].start == 41400 && v[1].end == 72000));
    assert_eq!(night.rules.max_concurrent, 1);
    assert_eq!(night.rules.speed, [1.0, 0.8]);
    assert!(matches!(&night.staffing, Staffing::PerInterval(v) if v.day(0).len() == 24));
}

#[test]
fn replay_from_csv() {
    let s = load(&data("replay.toml")).unwrap();
    let replay = s.replay.as_ref().unwrap();
    let got: Vec<_> = replay.iter().map(|a| (a.time, a.reason, a.handle, a.patience)).collect();
    assert_eq!(
        got,
        [
            (12.5, 0, Some(300.0), None),
            (12.5, 1, None, None),
            (90.0, 1, None, None),
            (7199.5, 0, None, Some(30.0)),
            (86400.0, 1, Some(600.0), None),
        ]
    );
    assert!(s.reasons.iter().all(|r| r.volume.day(0) == [0.0, 0.0]));
}

#[test]
fn resolved_toml_round_trips() {
    let with_seed = MINIMAL.replace("end = \"10:00\"", "end = \"10:00\"\nseed = \"18446744073709551615\"");
    let scenarios = [
        load(&data("retail.toml")).unwrap(),
        load(&data("replay.toml")).unwrap(),
        parse(MINIMAL).unwrap(),
        parse(&with_seed).unwrap(),
    ];
    for s in scenarios {
        let text = resolved_toml(&s);
        assert!(text.starts_with(&format!("# ccsim {} resolved scenario\n", env!("CARGO_PKG_VERSION"))));
        // Read back from elsewhere: nothing may depend on files beside the original.
        let back = parse_str(&text, &s.path).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, s, "{text}");
        let elsewhere = parse_str(&text, Path::new("/nonexistent/run.toml")).unwrap();
        assert_eq!(resolved_toml(&elsewhere), text);
    }
}

#[test]
fn inline_arrivals() {
    let text = MINIMAL.replace(
            "name = \"mini\"",
            "name = \"mini\"\narrivals = [{ time = 30, reason = \"billing\", auth = \"10s\" }, { time = 0.5, reason = \"billing\" }]",
        );
    let err = parse(&text).unwrap_err();
    assert_eq!(err.key, "reasons.billing.rate", "{err}");
    let s = parse(&text.replace("rate = \"120/h\"", "")).unwrap();
    let replay = s.replay.unwrap();
    assert_eq!(replay.iter().map(|a| (a.time, a.auth)).collect::<Vec<_>>(), [(0.5, None), (30.0, Some(10.0))]);
}

#[test]
fn errors_name_the_key() {
    let cases: Vec<(ScenarioError, &str, &str)> = vec![
        (fails("handle = \"5m\"", ""), "reasons.billing.handle", "missing; expected a duration or distribution"),
        (fails("\"5m\"", "\"lognormal(mean=7m)\""), "reasons.billing.handle", "missing sd"),
        (fails("\"5m\"", "\"never\""), "reasons.billing.handle", "only allowed for patience"),
        (fails("\"5m\"", "-5"), "reasons.billing.handle", "expected a duration"),
        (fails("handle = ", "handel = "), "reasons.billing.handel", "unknown field"),
        (fails("[simulation]", "[simulation]\nspeed = 2"), "simulation.speed", "unknown field"),
        (
            fails("rate = \"120/h\"", "volume = [1, 2, 3]"),
            "reasons.billing.volume",
            "has 3 entries, expected 4 (one per 30m interval from 08:00 to 10:00)",
        ),
        (fails("rate = \"120/h\"", "volume = [1, 2, -3, 4]"), "reasons.billing.volume[2]", "got -3"),
        (fails("rate = \"120/h\"", "rate = \"120/d\""), "reasons.billing.rate", "expected a rate"),
        (fails("rate = \"120/h\"", "rate = \"1/h\"\nvolume = [1, 2, 3, 4]"), "reasons.billing.rate", "got both"),
        (fails("rate = \"120/h\"", ""), "reasons.billing", "missing arrivals"),
        (fails("skill = \"billing\"", "skill = \"biling\""), "reasons.billing.skill", "the groups serve: billing"),
        (
            fails("handle = \"5m\"", "handle = \"5m\"\ntransfer = { p = 0.1, to = \"tech\" }"),
            "reasons.billing.transfer.to",
            "unknown skill \"tech\"",
        ),
        (
            fails("handle = \"5m\"", "handle = \"5m\"\ncommitment = { p = 0.1, after = \"1h\", skill = \"x\" }"),
            "reasons.billing.commitment.skill",
            "unknown skill \"x\"",
        ),
        (
            fails("handle = \"5m\"", "handle = \"5m\"\ntransfer = { to = \"billing\" }"),
            "reasons.billing.transfer.p",
            "missing",
        ),
        (fails("handle = \"5m\"", "handle = \"5m\"\nauth_fail = 1.5"), "reasons.billing.auth_fail", "between 0 and 1"),
        (
            fails("handle = \"5m\"", "handle = \"5m\"\nnonresponsive = 0.1"),
            "reasons.billing.nonresponsive",
            "expected a table",
        ),
        (
            fails(
                "[[groups]]",
                "[[reasons]]\nname = \"billing\"\nskill = \"billing\"\nrate = \"1/h\"\nhandle = \"1m\"\n\n[[groups]]",
            ),
            "reasons.billing.name",
            "duplicate reason name",
        ),
        (
            fails("agents = 3", "agents = 3\n\n[[groups]]\nname = \"tier1\"\nskills = [\"billing\"]\nagents = 1"),
            "groups.tier1.name",
            "duplicate group name",
        ),
        (
            fails("agents = 3", "agents = 3\nmax_concurrent = 3\n[chat]\nspeed = [1.0, 0.8]"),
            "groups.tier1.speed",
            "[chat].speed has 2 entries but groups.tier1.max_concurrent is 3",
        ),
        (
            fails("[simulation]", "[chat]\nmax_concurrent = 3\nspeed = [1.0, 0.8]\n[simulation]"),
            "chat.speed",
            "has 2 entries but max_concurrent is 3",
        ),
        (fails("[simulation]", "[chat]\nrefuse = 1\n[simulation]"), "chat.refuse", "below 1"),
        (
            fails("[simulation]", "[chat]\nwrapup_blocks = \"group\"\n[simulation]"),
            "chat.wrapup_blocks",
            "expected one of \"agent\", \"slot\"",
        ),
        (fails("[simulation]", "[service_level]\ngoal = nan\n[simulation]"), "service_level.goal", "got nan"),
        (
            fails("[simulation]", "[routing]\nagent_select = \"random\"\n[simulation]"),
            "routing.agent_select",
            "least_busy",
        ),
        (fails("end = \"10:00\"", "end = \"08:00\""), "simulation.end", "must be after start"),
        (fails("end = \"10:00\"", "end = \"10:10\""), "simulation.end", "not on the 30m interval grid"),
        (fails("end = \"10:00\"", ""), "simulation.end", "missing"),
        (fails("end = \"10:00\"", "end = \"24:30\""), "simulation.end", "expected a clock time"),
        (
            fails("end = \"10:00\"", "end = \"10:00\"\ninterval = \"20m\""),
            "simulation.interval",
            "expected 15m, 30m or 60m",
        ),
        (fails("end = \"10:00\"", "end = \"10:00\"\ndays = 0"), "simulation.days", "an integer from 1 to 36600"),
        (
            fails("end = \"10:00\"", "end = \"10:00\"\nreplications = 0"),
            "simulation.replications",
            "expected an integer from 1 to 1000000, got 0",
        ),
        (fails("end = \"10:00\"", "end = \"10:00\"\nwarmup = -1.0"), "simulation.warmup", "got -1.0"),
        (fails("name = \"mini\"", ""), "name", "missing"),
        (fails("agents = 3", "agents = [1, 2]"), "groups.tier1.agents", "has 2 entries, expected 4"),
        (fails("agents = 3", "agents = 3\nshifts = []"), "groups.tier1.agents", "got both"),
        (fails("agents = 3", ""), "groups.tier1", "missing staffing"),
        (fails("skills = [\"billing\"]", "skills = []"), "groups.tier1.skills", "empty"),
        (
            fails(
                "agents = 3",
                "shifts = [{ start = \"08:00\", end = \"10:00\", agents = 1 }, { start = \"09:00\", end = \"08:30\", agents = 1 }]",
            ),
            "groups.tier1.shifts[1].end",
            "must be after start",
        ),
        (
            fails("agents = 3", "shifts = [{ start = \"08:00\", end = \"10:00\", agent = 1 }]"),
            "groups.tier1.shifts[0].agent",
            "unknown field",
        ),
        (fails("[[groups]]", "[[groupz]]"), "groupz", "unknown field"),
        (fails("name = \"mini\"", "name = \"mini\"\nforecat = \"f.csv\""), "forecat", "unknown field"),
        (
            fails("name = \"mini\"", "name = \"mini\"\nforecast = \"nonexistent/f.csv\""),
            "forecast",
            "cannot read scenarios/nonexistent/f.csv",
        ),
        (
            fails("name = \"mini\"", "name = \"mini\"\nstaffing = 3"),
            "staffing",
            "expected a CSV file name like \"staffing.csv\", got 3",
        ),
    ];
    for (err, key, text) in cases {
        let shown = err.to_string();
        assert_eq!(err.key, key, "{shown}");
        assert!(shown.starts_with("scenarios/x.toml"), "{shown}");
        assert!(shown.contains(&format!(": {key}: ")), "{shown}");
        assert!(err.message.contains(text), "{shown} lacks {text:?}");
    }
}

#[test]
fn positions() {
    let e = fails("\"5m\"", "\"lognormal(mean=7m)\"");
    assert_eq!(e.location, Some((12, 10)), "{e}");
    assert!(e.to_string().starts_with("scenarios/x.toml:12:10: reasons.billing.handle: expected"), "{e}");
    let e = fails("handle = ", "handel = ");
    assert_eq!(e.location, Some((12, 1)), "{e}");
    let e = fails("rate = \"120/h\"", "rate = \"120/h");
    assert!(e.location.is_some() && e.key.is_empty(), "{e}");
    assert!(e.to_string().starts_with("scenarios/x.toml:11:"), "{e}");
}

#[test]
fn arrival_errors_name_the_csv() {
    let dir = std::env::temp_dir().join(format!("ccsim-scenario-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("s.toml");
    let text =
        MINIMAL.replace("name = \"mini\"", "name = \"mini\"\narrivals = \"a.csv\"").replace("rate = \"120/h\"", "");
    let cases = [
        ("time,reason\n1,billing\n2,tech\n", (3, 2), "reason", "unknown reason \"tech\""),
        ("time,reason\n1,billing\n-2,billing\n", (3, 1), "time", "expected seconds from the day's start"),
        ("time,reason\n7200,billing\n", (2, 1), "time", "outside the opening hours"),
        ("time,reason,handel\n1,billing,3\n", (1, 3), "handel", "unknown column"),
        ("reason,time\n1,billing,3\n", (2, 1), "", "found record with 3 fields"),
    ];
    for (csv, location, key, message) in cases {
        std::fs::write(dir.join("a.csv"), csv).unwrap();
        let e = parse_str(&text, &scenario).unwrap_err();
        assert_eq!(e.file, dir.join("a.csv"), "{e}");
        assert_eq!((e.location, e.key.as_str()), (Some(location), key), "{e}");
        assert!(e.message.contains(message), "{e}");
    }
    std::fs::write(dir.join("a.csv"), "reason,time,auth\nbilling,1.5,\nbilling,0,2\n").unwrap();
    let s = parse_str(&text, &scenario).unwrap();
    let replay = s.replay.unwrap();
    assert_eq!(replay.iter().map(|a| (a.time, a.auth)).collect::<Vec<_>>(), [(0.0, Some(2.0)), (1.5, None)]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inline_per_day_lists() {
    let two_days = MINIMAL.replace("end = \"10:00\"", "end = \"10:00\"\ndays = 2");
    let text = two_days
        .replace("rate = \"120/h\"", "volume = [[1, 2, 3, 4], [5, 6, 7, 8.5]]")
        .replace("agents = 3", "agents = [[1, 1, 1, 1], [2, 2, 0, 0]]");
    let s = parse(&text).unwrap();
    assert_eq!(s.reasons[0].volume, DayProfiles::per_day(vec![vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0, 7.0, 8.5]]));
    assert_eq!(s.groups[0].staffing, Staffing::PerInterval(DayProfiles::per_day(vec![vec![1; 4], vec![2, 2, 0, 0]])));
    // One day: a list holding one list is the plain list.
    let one = parse(&MINIMAL.replace("rate = \"120/h\"", "volume = [[1, 2, 3, 4]]")).unwrap();
    assert_eq!(one.reasons[0].volume, DayProfiles::every_day(vec![1.0, 2.0, 3.0, 4.0]));

    let fails2 = |from: &str, to: &str| {
        assert!(two_days.contains(from), "{from}");
        parse(&two_days.replacen(from, to, 1)).map(|_| ()).unwrap_err()
    };
    let cases = [
        (
            fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4]]"),
            "reasons.billing.volume",
            "has 1 day lists, expected 2 (simulation.days)",
        ),
        (
            fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]"),
            "reasons.billing.volume",
            "has 3 day lists, expected 2",
        ),
        (
            fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4], [1, 2, 3]]"),
            "reasons.billing.volume[1]",
            "has 3 entries, expected 4 (one per 30m interval from 08:00 to 10:00)",
        ),
        (
            fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4], [1, -2, 3, 4]]"),
            "reasons.billing.volume[1][1]",
            "expected a number of chats >= 0, got -2",
        ),
        (
            fails2("rate = \"120/h\"", "volume = [[1, 2, 3, 4], 5]"),
            "reasons.billing.volume[1]",
            "expected day 2's list",
        ),
        (fails2("rate = \"120/h\"", "volume = \"many\""), "reasons.billing.volume", "expected a list per interval"),
        (
            fails2("agents = 3", "agents = [[1, 1, 1, 1], [1, 1, 1]]"),
            "groups.tier1.agents[1]",
            "has 3 entries, expected 4",
        ),
        (fails2("agents = 3", "agents = [[1, 1, 1, 1], [1, 1, 1.5, 1]]"), "groups.tier1.agents[1][2]", "got 1.5"),
        (fails2("agents = 3", "agents = [[1, 1, 1, 1]]"), "groups.tier1.agents", "has 1 day lists, expected 2"),
    ];
    for (err, key, text) in cases {
        assert_eq!(err.key, key, "{err}");
        assert!(err.message.contains(text), "{err} lacks {text:?}");
        assert!(err.location.is_some(), "{err}");
    }
}

/// Two reasons and two groups over two days of four 30-minute intervals;
/// `billing` and `tier1` are left to `forecast.csv` and `staffing.csv`.
const FILES: &str = r#"
name = "files"
forecast = "forecast.csv"
staffing = "staffing.csv"

[simulation]
start = "08:00"
end = "10:00"
days = 2

[[reasons]]
name = "billing"
skill = "billing"
handle = "5m"

[[reasons]]
name = "orders"
skill = "billing"
rate = "10/h"
handle = "5m"

[[groups]]
name = "tier1"
skills = ["billing"]

[[groups]]
name = "tier2"
skills = ["billing"]
agents = 1
"#;

const FORECAST: &str = "interval,reason,volume\n08:00,billing,10\n09:30,billing,2.5\n08:30,billing,0\n";
const STAFFING: &str = "interval,group,agents\n08:00,tier1,3\n08:30,tier1,4\n";

/// Parses `text` as `s.toml` in a fresh folder holding `files`.
fn parse_with_files(text: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Scenario>) {
    let dir = tempfile::TempDir::new().unwrap();
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, text).unwrap();
    let result = load(&scenario);
    (dir, result)
}

#[test]
fn forecast_and_staffing_from_csv() {
    let (_dir, s) = parse_with_files(FILES, &[("forecast.csv", FORECAST), ("staffing.csv", STAFFING)]);
    let s = s.unwrap();
    // Without a day column: one profile for every day; missing rows are 0.
    assert_eq!(s.reasons[0].volume, DayProfiles::every_day(vec![10.0, 0.0, 0.0, 2.5]));
    assert_eq!(s.reasons[1].volume, DayProfiles::every_day(vec![5.0; 4]));
    assert_eq!(s.groups[0].staffing, Staffing::PerInterval(DayProfiles::every_day(vec![3, 4, 0, 0])));
    assert_eq!(s.groups[1].staffing, Staffing::Constant(1));

    // With a day column (anywhere), per day; a day without rows is all 0.
    // Further staffing columns, as `staff` writes them, are ignored.
    let forecast = "interval,day,reason,volume\n 08:00 , 1 , billing , 4 \n09:00,1,billing,1e1\n";
    let staffing = "day,interval,group,agents,service_level,ci95_low,ci95_high,abandon_rate,occupancy\n\
                        1,08:00,tier1,3,0.81,0.78,0.84,0.02,0.7\n2,09:30,tier1,5,,,,,\n2,08:00,tier1,2\n\n";
    let (_dir, s) = parse_with_files(FILES, &[("forecast.csv", forecast), ("staffing.csv", staffing)]);
    let s = s.unwrap();
    assert_eq!(s.reasons[0].volume, DayProfiles::per_day(vec![vec![4.0, 0.0, 10.0, 0.0], vec![0.0; 4]]));
    assert_eq!(
        s.groups[0].staffing,
        Staffing::PerInterval(DayProfiles::per_day(vec![vec![3, 0, 0, 0], vec![2, 0, 0, 5]]))
    );

    // A day of `all` (as `staff` writes for a staffing that serves every day) sets every day.
    let staffing = "day,interval,group,agents\nall,08:00,tier1,3\nall,09:30,tier1,1\n";
    let (_dir, s) = parse_with_files(FILES, &[("forecast.csv", forecast), ("staffing.csv", staffing)]);
    let s = s.unwrap();
    assert_eq!(s.groups[0].staffing, Staffing::PerInterval(DayProfiles::every_day(vec![3, 0, 0, 1])));
    let staffing = "day,interval,group,agents\nall,08:00,tier1,3\n2,09:30,tier1,1\n1,08:00,tier1,4\n";
    let (_dir, s) = parse_with_files(FILES, &[("forecast.csv", forecast), ("staffing.csv", staffing)]);
    let e = s.unwrap_err();
    assert!(e.message.contains("duplicate row for day 1, 08:00") && e.message.contains("line 2"), "{e}");

    // Both files may name every reason and group, and only the forecast may be given.
    let forecast = "interval,reason,volume\n08:00,billing,1\n08:00,orders,2\n";
    let text = FILES.replace("rate = \"10/h\"\n", "").replace("staffing = \"staffing.csv\"\n", "");
    let text = text.replace("skills = [\"billing\"]\n\n", "skills = [\"billing\"]\nagents = 2\n\n");
    let (_dir, s) = parse_with_files(&text, &[("forecast.csv", forecast)]);
    let s = s.unwrap();
    assert_eq!(s.reasons[1].volume, DayProfiles::every_day(vec![2.0, 0.0, 0.0, 0.0]));
    assert_eq!(s.groups[0].staffing, Staffing::Constant(2));
}

#[test]
fn csv_errors_name_file_line_and_column() {
    const F: &str = "forecast.csv";
    const S: &str = "staffing.csv";
    /// (file, contents, (line, column), key, message)
    type Case = (&'static str, &'static str, (usize, usize), &'static str, &'static str);
    let cases: &[Case] = &[
        (F, "", (1, 1), "", "empty file; expected a header line day,interval,reason,volume"),
        (F, "interval,reason\n08:00,billing\n", (1, 1), "volume", "missing column"),
        (F, "volume,reason\n1,billing\n", (1, 1), "interval", "missing column"),
        (F, "interval,reason,volume,aht\n08:00,billing,1,300\n", (1, 4), "aht", "unknown column"),
        (F, "interval,reason,volume,reason\n", (1, 4), "reason", "duplicate column; column 2"),
        (F, "interval,reason,volume\n", (1, 1), "", "no rows after the header"),
        (
            F,
            "interval,reason,volume\n08:00,billing,1\n08:30,tech,2\n",
            (3, 2),
            "reason",
            "unknown reason \"tech\"; the reasons are: billing, orders",
        ),
        (
            F,
            "interval,reason,volume\n08:00,billing,-1\n",
            (2, 3),
            "volume",
            "expected a number of chats >= 0, got \"-1\"",
        ),
        (F, "interval,reason,volume\n08:00,billing,many\n", (2, 3), "volume", "got \"many\""),
        (F, "interval,reason,volume\n08:00,billing,NaN\n", (2, 3), "volume", "got \"NaN\""),
        (F, "interval,reason,volume\n08:00,billing\n", (2, 3), "volume", "got \"\""),
        (
            F,
            "interval,reason,volume\n08:10,billing,1\n",
            (2, 1),
            "interval",
            "expected an interval start from 08:00 to 09:30 every 30 minutes (HH:MM), got \"08:10\"",
        ),
        (F, "interval,reason,volume\n10:00,billing,1\n", (2, 1), "interval", "got \"10:00\""),
        (F, "interval,reason,volume\n07:30,billing,1\n", (2, 1), "interval", "got \"07:30\""),
        (F, "interval,reason,volume\n8am,billing,1\n", (2, 1), "interval", "got \"8am\""),
        (
            F,
            "day,interval,reason,volume\n3,08:00,billing,1\n",
            (2, 1),
            "day",
            "expected a day number from 1 to 2 (simulation.days) or all, got \"3\"",
        ),
        (F, "interval,day,reason,volume\n08:00,0,billing,1\n", (2, 2), "day", "got \"0\""),
        (
            F,
            "interval,reason,volume\n08:00,billing,1\n08:30,billing,1\n08:00,billing,2\n",
            (4, 2),
            "reason",
            "duplicate row for 08:00 and reason \"billing\"; line 2 already gives it",
        ),
        (
            F,
            "day,interval,reason,volume\n1,08:00,billing,1\n2,08:00,billing,1\n2,08:00,billing,3\n",
            (4, 3),
            "reason",
            "duplicate row for day 2, 08:00 and reason \"billing\"; line 3 already gives it",
        ),
        // An unterminated quote runs to the end of the file.
        (F, "interval,reason,volume\n\"08:00,billing,1\n", (2, 1), "interval", "got \"08:00,billing,1"),
        (S, "interval,group\n08:00,tier1\n", (1, 1), "agents", "missing column"),
        (
            S,
            "interval,group,agents\n08:00,tier3,1\n",
            (2, 2),
            "group",
            "unknown group \"tier3\"; the groups are: tier1, tier2",
        ),
        (
            S,
            "interval,group,agents\n08:00,tier1,-1\n",
            (2, 3),
            "agents",
            "expected a number of agents (an integer from 0 to 1000000), got \"-1\"",
        ),
        (S, "interval,group,agents\n08:00,tier1,1.5\n", (2, 3), "agents", "got \"1.5\""),
        (S, "interval,group,agents\n08:00,tier1,2000000\n", (2, 3), "agents", "got \"2000000\""),
        (S, "interval,group,agents\n08:00,tier1,1\n09:45,tier1,1\n", (3, 1), "interval", "got \"09:45\""),
        (
            S,
            "interval,group,agents,notes\n08:00,tier1,1,a\n08:00,tier1,2,b\n",
            (3, 2),
            "group",
            "duplicate row for 08:00 and group \"tier1\"; line 2 already gives it",
        ),
    ];
    for (file, csv, location, key, message) in cases {
        let files = if *file == F { [(F, *csv), (S, STAFFING)] } else { [(F, FORECAST), (S, *csv)] };
        let (dir, result) = parse_with_files(FILES, &files);
        let e = result.map(|_| ()).unwrap_err();
        assert_eq!(e.file, dir.path().join(file), "{csv:?}: {e}");
        assert_eq!((e.location, e.key.as_str()), (Some(*location), *key), "{csv:?}: {e}");
        assert!(e.message.contains(message), "{csv:?}: {e} lacks {message:?}");
        let shown = e.to_string();
        let at = format!("{file}:{}:{}: ", location.0, location.1);
        assert!(shown.contains(&at), "{shown} lacks {at}");
        if !key.is_empty() {
            assert!(shown.contains(&format!("{at}{key}: ")), "{shown}");
        }
    }
}

#[test]
fn file_inputs_and_toml_keys_conflict() {
    let files = [("forecast.csv", FORECAST), ("staffing.csv", STAFFING)];
    let fails = |from: &str, to: &str, files: &[(&str, &str)]| {
        assert!(FILES.contains(from), "{from}");
        let (dir, result) = parse_with_files(&FILES.replacen(from, to, 1), files);
        (dir.path().to_path_buf(), result.map(|_| ()).unwrap_err())
    };
    let billing = "name = \"billing\"\nskill = \"billing\"\n";
    let tier1 = "name = \"tier1\"\nskills = [\"billing\"]\n";
    let cases = [
        (fails(billing, &format!("{billing}rate = \"1/h\"\n"), &files), "reasons.billing.rate", "forecast.csv"),
        (
            fails(billing, &format!("{billing}volume = [1, 2, 3, 4]\n"), &files),
            "reasons.billing.volume",
            "forecast.csv",
        ),
        (fails("rate = \"10/h\"\n", "", &files), "reasons.orders", "forecast.csv"),
        (fails(tier1, &format!("{tier1}agents = 2\n"), &files), "groups.tier1.agents", "staffing.csv"),
        (
            fails(tier1, &format!("{tier1}shifts = [{{ start = \"08:00\", end = \"10:00\", agents = 1 }}]\n"), &files),
            "groups.tier1.shifts",
            "staffing.csv",
        ),
        (fails("agents = 1\n", "", &files), "groups.tier2", "staffing.csv"),
        (
            fails("name = \"files\"\n", "name = \"files\"\narrivals = \"forecast.csv\"\n", &files),
            "forecast",
            "`arrivals`",
        ),
        (fails("", "", &files[1..]), "forecast", "cannot read"),
        (fails("", "", &files[..1]), "staffing", "cannot read"),
    ];
    for ((dir, e), key, says) in cases {
        assert_eq!(e.key, key, "{e}");
        assert!(e.location.is_some(), "{e}");
        assert_eq!(e.file, dir.join("s.toml"), "{e}");
        let says = if says.ends_with(".csv") { dir.join(says).display().to_string() } else { says.to_string() };
        assert!(e.message.contains(&says), "{e} lacks {says:?}");
    }
    let (_, e) = fails("rate = \"10/h\"\n", "", &files);
    assert!(e.message.contains("missing arrivals") && e.message.contains("rows for \"orders\""), "{e}");
    let (_, e) = fails("agents = 1\n", "", &files);
    assert!(e.message.contains("missing staffing") && e.message.contains("rows for \"tier2\""), "{e}");
    let (dir, e) = fails("", "", &files[1..]);
    assert!(e.message.contains(&dir.join("forecast.csv").display().to_string()), "{e}");
    // Beside a scenario given without a folder, files are named as written.
    let e = parse_str(FILES, Path::new("x.toml")).unwrap_err();
    assert!(e.to_string().starts_with("x.toml:4:12: staffing: cannot read staffing.csv: "), "{e}");
}

#[test]
fn resolved_toml_inlines_csv_inputs() {
    let per_day = [
        ("forecast.csv", "day,interval,reason,volume\n1,08:00,billing,4\n2,09:30,billing,1.25\n"),
        ("staffing.csv", "day,interval,group,agents\n1,08:00,tier1,3\n2,08:30,tier1,2\n"),
    ];
    let every_day = [("forecast.csv", FORECAST), ("staffing.csv", STAFFING)];
    for files in [&per_day, &every_day] {
        let (_dir, s) = parse_with_files(FILES, files);
        let s = s.unwrap();
        let text = resolved_toml(&s);
        assert!(!text.contains("forecast") && !text.contains("staffing"), "{text}");
        let back = parse_str(&text, &s.path).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, s, "{text}");
        let elsewhere = parse_str(&text, Path::new("/nonexistent/run.toml")).unwrap();
        assert_eq!(resolved_toml(&elsewhere), text);
        if files[0].1.starts_with("day,") {
            assert!(text.contains("volume = [[4, 0, 0, 0], [0, 0, 0, 1.25]]"), "{text}");
            assert!(text.contains("agents = [[3, 0, 0, 0], [0, 2, 0, 0]]"), "{text}");
        } else {
            assert!(text.contains("volume = [10, 0, 0, 2.5]"), "{text}");
            assert!(text.contains("agents = [3, 4, 0, 0]"), "{text}");
        }
    }
}

#[test]
fn forecast_error_is_off_by_default_and_read_when_given() {
    let s = parse(MINIMAL).unwrap();
    assert_eq!(s.forecast_error, ForecastError::default());
    assert_eq!(s.reasons[0].volume_cv, 0.0);
    assert!(s.forecast_error.is_off(&s.reasons));
    let text = MINIMAL.replace("handle = \"5m\"", "handle = \"5m\"\nvolume_cv = 0.15")
        + "\n[forecast_error]\ncv = 0.1\nper_interval_cv = 0.05\n";
    let s = parse(&text).unwrap();
    assert_eq!(s.reasons[0].volume_cv, 0.15);
    assert_eq!(s.forecast_error, ForecastError { cv: 0.1, per_interval_cv: 0.05 });
    assert!(!s.forecast_error.is_off(&s.reasons));
    // CV² of a product of independent mean-1 factors: a² + b² + a²b².
    let c2 = s.forecast_error.day_cv(0.15).powi(2);
    assert!((c2 - (0.0225 + 0.01 + 0.0225 * 0.01)).abs() < 1e-12, "{c2}");
    // Written back only when on, and read back equal.
    let written = resolved_toml(&s);
    assert!(written.contains("volume_cv = 0.15") && written.contains("[forecast_error]\ncv = 0.1\n"), "{written}");
    assert_eq!(parse_str(&written, &s.path).unwrap(), s);
    let off = resolved_toml(&parse(&MINIMAL.replace("handle = \"5m\"", "handle = \"5m\"\nvolume_cv = 0")).unwrap());
    assert!(!off.contains("volume_cv") && !off.contains("forecast_error"), "{off}");
}

#[test]
fn forecast_error_errors_name_the_key() {
    let with = |extra: &str| fails("handle = \"5m\"", &format!("handle = \"5m\"\n{extra}"));
    let table = |extra: &str| match parse(&format!("{MINIMAL}\n[forecast_error]\n{extra}\n")) {
        Ok(_) => panic!("{extra:?} should fail"),
        Err(e) => e,
    };
    let cases = [
        (with("volume_cv = 1.5"), "reasons.billing.volume_cv", "from 0 to 1", "got 1.5"),
        (with("volume_cv = -0.1"), "reasons.billing.volume_cv", "from 0 to 1", "got -0.1"),
        (with("volume_cv = \"15%\""), "reasons.billing.volume_cv", "a number like 0.15", "got \"15%\""),
        (with("volume_cv = nan"), "reasons.billing.volume_cv", "a number like 0.15", "got nan"),
        (table("cv = 2"), "forecast_error.cv", "from 0 to 1", "got 2"),
        (table("per_interval_cv = -1"), "forecast_error.per_interval_cv", "from 0 to 1", "got -1"),
        (table("shared = 0.1"), "forecast_error.shared", "unknown field", "cv"),
    ];
    for (e, key, says, value) in cases {
        assert_eq!(e.key, key, "{e}");
        let text = e.to_string();
        assert!(text.contains(says) && text.contains(value), "{text}");
        assert!(text.contains("x.toml"), "{text}");
    }
}

#[test]
fn forecast_error_is_refused_with_a_replay_unless_zero() {
    let replay = std::fs::read_to_string(data("replay.toml")).unwrap();
    let at = |text: &str| parse_str(text, &data("replay.toml"));
    let own = replay.replacen("handle = \"5m\"", "handle = \"5m\"\nvolume_cv = 0.2", 1);
    let e = at(&own).unwrap_err();
    assert_eq!(e.key, "reasons.billing.volume_cv");
    assert!(e.to_string().contains("not allowed with a top-level `arrivals` replay"), "{e}");
    let e = at(&format!("{replay}\n[forecast_error]\ncv = 0.1\n")).unwrap_err();
    assert_eq!(e.key, "forecast_error.cv");
    assert!(e.to_string().contains("not allowed with a top-level `arrivals` replay"), "{e}");
    let zero = replay.replacen("handle = \"5m\"", "handle = \"5m\"\nvolume_cv = 0", 1) + "\n[forecast_error]\ncv = 0\n";
    assert_eq!(at(&zero).unwrap(), at(&replay).unwrap());
}

#[test]
fn queue_cap_by_skill_round_trips_and_refuses_unknown_skills_and_bad_caps() {
    assert_eq!(parse(MINIMAL).unwrap().queue_cap, [None]);
    assert!(!resolved_toml(&parse(MINIMAL).unwrap()).contains("queue_cap"));
    let text = format!("{MINIMAL}\n[queue_cap]\nbilling = 0\n");
    let s = parse(&text).unwrap();
    assert_eq!(s.queue_cap, [Some(0)]);
    assert!(s.blocking());
    let written = resolved_toml(&s);
    assert!(written.contains("\n[queue_cap]\n\"billing\" = 0\n"), "{written}");
    assert_eq!(parse_str(&written, &s.path).unwrap(), s);
    for (cap, key, message) in [
        ("biling = 3", "queue_cap.biling", "unknown skill \"biling\"; the groups serve: billing"),
        ("billing = -1", "queue_cap.billing", "expected a whole number of waiting chats from 0 to 1000000, got -1"),
        ("billing = 1000001", "queue_cap.billing", "from 0 to 1000000, got 1000001"),
        ("billing = 2.5", "queue_cap.billing", "got 2.5"),
    ] {
        let err = parse(&format!("{MINIMAL}\n[queue_cap]\n{cap}\n")).unwrap_err();
        assert_eq!(err.key, key, "{err}");
        assert!(err.to_string().contains(message), "{err}");
    }
}

#[test]
fn absenteeism_is_off_by_default_round_trips_and_refuses_one_and_above() {
    assert_eq!(parse(MINIMAL).unwrap().groups[0].absenteeism, 0.0);
    let s = parse(&MINIMAL.replace("agents = 3", "agents = 3\nabsenteeism = 0.1")).unwrap();
    assert_eq!(s.groups[0].absenteeism, 0.1);
    let written = resolved_toml(&s);
    assert!(written.contains("absenteeism = 0.1"), "{written}");
    assert_eq!(parse_str(&written, &s.path).unwrap(), s);
    let off = resolved_toml(&parse(&MINIMAL.replace("agents = 3", "agents = 3\nabsenteeism = 0")).unwrap());
    assert!(!off.contains("absenteeism"), "{off}");
    for bad in ["1", "1.5", "-0.1", "\"10%\"", "nan"] {
        let e = fails("agents = 3", &format!("agents = 3\nabsenteeism = {bad}"));
        assert_eq!(e.key, "groups.tier1.absenteeism", "{e}");
        assert!(e.to_string().contains("from 0 to below 1"), "{e}");
    }
}

#[test]
fn retry_round_trips_is_off_at_zero_and_refuses_bad_values() {
    let with = |retry: &str| MINIMAL.replacen("handle = \"5m\"", &format!("handle = \"5m\"\nretry = {retry}"), 1);
    let s = parse(&with(r#"{ p = 0.3, after = "exponential(mean=10m)" }"#)).unwrap();
    let retry = s.reasons[0].retry.as_ref().unwrap();
    assert_eq!((retry.p, retry.after.to_string()), (0.3, "exponential(mean=10m)".to_string()));
    assert!(s.retrials());
    let written = resolved_toml(&s);
    assert!(written.contains("retry = { p = 0.3, after = \"exponential(mean=10m)\" }\n"), "{written}");
    assert_eq!(parse_str(&written, &s.path).unwrap(), s);
    // p = 0 is off: nothing kept, nothing written.
    let off = parse(&with(r#"{ p = 0, after = "10m" }"#)).unwrap();
    assert!(off.reasons[0].retry.is_none() && !off.retrials());
    assert_eq!(resolved_toml(&off), resolved_toml(&parse(MINIMAL).unwrap()));
    for (retry, key, message) in [
        (r#"{ p = 1, after = "10m" }"#, "reasons.billing.retry.p", "expected a probability from 0 to 0.99"),
        (r#"{ p = -0.1, after = "10m" }"#, "reasons.billing.retry.p", "got -0.1"),
        (r#"{ p = "x", after = "10m" }"#, "reasons.billing.retry.p", "expected a probability"),
        (r#"{ p = 0.3 }"#, "reasons.billing.retry.after", "missing; expected a duration"),
        (r#"{ p = 0.3, after = "never" }"#, "reasons.billing.retry.after", "never"),
        (r#"{ after = "10m" }"#, "reasons.billing.retry.p", "missing"),
    ] {
        let err = parse(&with(retry)).unwrap_err();
        assert_eq!(err.key, key, "{err}");
        assert!(err.to_string().contains(message), "{retry}: {err}");
    }
    let err = parse(&with(r#"{ p = 0.3, after = "10m", when = 2 }"#)).unwrap_err();
    assert!(err.to_string().contains("unknown field `when`"), "{err}");
}

#[test]
fn misroute_names_another_reason_round_trips_and_is_off_at_zero() {
    let two =
        format!("{MINIMAL}\n[[reasons]]\nname = \"orders\"\nskill = \"billing\"\nrate = \"10/h\"\nhandle = \"5m\"\n");
    let with = |m: &str| two.replacen("handle = \"5m\"", &format!("handle = \"5m\"\nmisroute = {m}"), 1);
    let s = parse(&with(r#"{ p = 0.05, to = "orders", triage = "const(1m)" }"#)).unwrap();
    let m = s.reasons[0].misroute.as_ref().unwrap();
    assert_eq!((m.p, m.to, m.triage.to_string()), (0.05, 1, "1m".to_string()));
    assert!(s.misrouting() && s.reasons[1].misroute.is_none());
    let written = resolved_toml(&s);
    assert!(written.contains("misroute = { p = 0.05, to = \"orders\", triage = \"1m\" }\n"), "{written}");
    assert_eq!(parse_str(&written, &s.path).unwrap(), s);
    let off = parse(&with(r#"{ p = 0, to = "orders", triage = "1m" }"#)).unwrap();
    assert!(!off.misrouting());
    assert_eq!(resolved_toml(&off), resolved_toml(&parse(&two).unwrap()));
    for (m, key, message) in [
        (r#"{ p = 0.1, to = "billing", triage = "1m" }"#, "reasons.billing.misroute.to", "is this reason itself"),
        (r#"{ p = 0, to = "nope", triage = "1m" }"#, "reasons.billing.misroute.to", "unknown reason \"nope\""),
        (r#"{ p = 1, to = "orders", triage = "1m" }"#, "reasons.billing.misroute.p", "from 0 to below 1"),
        (r#"{ p = 0.1, to = "orders" }"#, "reasons.billing.misroute.triage", "missing"),
        (r#"{ p = 0.1, triage = "1m" }"#, "reasons.billing.misroute.to", "missing"),
    ] {
        let err = parse(&with(m)).unwrap_err();
        assert_eq!(err.key, key, "{err}");
        assert!(err.to_string().contains(message), "{m}: {err}");
    }
}

#[test]
fn breaks_are_off_by_default_round_trip_and_refuse_what_cannot_be() {
    let s = parse(MINIMAL).unwrap();
    assert!(s.groups[0].breaks.is_empty());
    assert_eq!(s.groups[0].max_on_break, 1.0);
    let text = MINIMAL.replace(
        "agents = 3",
        "agents = 3\nbreaks = [{ start = \"09:00\", length = \"30m\" }, { length = \"15m\", within = [\"1h\", \"90m\"] }]\nmax_on_break = 0.5",
    );
    let s = parse(&text).unwrap();
    let g = &s.groups[0];
    assert_eq!(g.breaks[0], Break { at: BreakAt::Clock(9 * 3600), length: 1800.0 });
    assert_eq!(g.breaks[1], Break { at: BreakAt::Within { from: 3600.0, to: 5400.0 }, length: 900.0 });
    assert_eq!(g.max_on_break, 0.5);
    let written = resolved_toml(&s);
    assert!(
        written.contains(
            r#"breaks = [{ start = "09:00", length = "30m" }, { length = "15m", within = ["1h", "1h30m"] }]"#
        ),
        "{written}"
    );
    assert_eq!(parse_str(&written, &s.path).unwrap(), s);
    assert!(!resolved_toml(&parse(MINIMAL).unwrap()).contains("break"));
    let bad = [
        ("{ length = \"2h\", within = [\"1h\", \"2h\"] }", "groups.tier1.breaks[0].length", "does not fit its window"),
        ("{ length = \"10m\", within = [\"2h\", \"2h\"] }", "groups.tier1.breaks[0].within", "at or before it starts"),
        ("{ length = \"10m\", within = [\"2h\"] }", "groups.tier1.breaks[0].within", "has 1 items"),
        ("{ start = \"23:50\", length = \"30m\" }", "groups.tier1.breaks[0].start", "outside the day"),
        ("{ start = \"12:00\", length = \"0s\" }", "groups.tier1.breaks[0].length", "above 0 and below a day"),
        ("{ start = \"00:00\", length = \"24h\" }", "groups.tier1.breaks[0].length", "above 0 and below a day"),
        (
            "{ start = \"12:00\", length = \"5m\", within = [\"1h\", \"2h\"] }",
            "groups.tier1.breaks[0].start",
            "got both",
        ),
        ("{ length = \"5m\" }", "groups.tier1.breaks[0]", "missing `start` or `within`"),
    ];
    for (item, key, message) in bad {
        let e = fails("agents = 3", &format!("agents = 3\nbreaks = [{item}]"));
        assert_eq!(e.key, key, "{e}");
        assert!(e.to_string().contains(message), "{e}");
    }
    for bad in ["0", "1.5", "-0.1", "\"25%\""] {
        let e = fails("agents = 3", &format!("agents = 3\nmax_on_break = {bad}"));
        assert_eq!(e.key, "groups.tier1.max_on_break", "{e}");
        assert!(e.to_string().contains("above 0 and at most 1"), "{e}");
    }
}

#[test]
fn shrinkage_is_off_by_default_round_trips_and_refuses_what_cannot_be() {
    assert_eq!(parse(MINIMAL).unwrap().groups[0].shrinkage, None);
    let s = parse(&MINIMAL.replace("agents = 3", "agents = 3\nshrinkage = { share = 0.05, spell = \"10m\" }")).unwrap();
    assert_eq!(s.groups[0].shrinkage, Some(Shrinkage { share: 0.05, spell: 600.0 }));
    let written = resolved_toml(&s);
    assert!(written.contains(r#"shrinkage = { share = 0.05, spell = "10m" }"#), "{written}");
    assert_eq!(parse_str(&written, &s.path).unwrap(), s);
    let off = parse(&MINIMAL.replace("agents = 3", "agents = 3\nshrinkage = { share = 0, spell = \"10m\" }")).unwrap();
    assert_eq!(off.groups[0].shrinkage, None);
    let bad = [
        ("{ share = 1, spell = \"10m\" }", "groups.tier1.shrinkage.share", "from 0 to below 1"),
        ("{ share = -0.1, spell = \"10m\" }", "groups.tier1.shrinkage.share", "from 0 to below 1"),
        ("{ share = 0.1, spell = \"0s\" }", "groups.tier1.shrinkage.spell", "from 1 s to a day"),
        ("{ share = 0.1, spell = \"25h\" }", "groups.tier1.shrinkage.spell", "from 1 s to a day"),
        ("{ share = 0.1 }", "groups.tier1.shrinkage.spell", "missing"),
    ];
    for (item, key, message) in bad {
        let e = fails("agents = 3", &format!("agents = 3\nshrinkage = {item}"));
        assert_eq!(e.key, key, "{e}");
        assert!(e.to_string().contains(message), "{e}");
    }
}
