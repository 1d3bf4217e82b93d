//! Bad input never panics: thousands of mutated scenarios (a value replaced
//! by a wrong one, a line dropped or repeated, the text cut short) either load
//! or give a scenario error naming the file. Those that load are also checked,
//! estimated and simulated for a day, as `check`, `staff` and `run` would.

use ccsim::engine::stream;
use ccsim::scenario::parse_str;
use rand::RngExt;

const SCENARIOS: [&str; 5] = [
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/retail-weekday.toml")),
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/erlang-c.toml")),
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/peer-chat.toml")),
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/staff-small.toml")),
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/retail.toml")),
];

/// Values that a careless or hostile file might hold.
const WRONG: [&str; 24] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "\"\"",
    "\"abc\"",
    "[]",
    "[[]]",
    "{}",
    "true",
    "0.0000001",
    "4294967296",
    "\"0s\"",
    "\"-5m\"",
    "\"25:00\"",
    "\"const(-1s)\"",
    "\"lognormal(mean=0s, sd=1s)\"",
    "\"exponential(mean=)\"",
    "\"uniform(min=5s, max=1s)\"",
    "\"empirical(nothing.csv)\"",
    "\"gamma(mean=1e300s, sd=1e300s)\"",
    "[1, -1]",
];

/// One random change to a scenario's text.
fn mutate(text: &str, rng: &mut impl RngExt) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let at = rng.random_range(0..lines.len());
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match rng.random_range(0..5) {
        // A value replaced by a wrong one.
        0 | 1 => {
            if let Some((key, _)) = lines[at].split_once(" = ") {
                out[at] = format!("{key} = {}", WRONG[rng.random_range(0..WRONG.len())]);
            }
        }
        // A line dropped.
        2 => {
            out.remove(at);
        }
        // A line repeated.
        3 => out.insert(at, lines[at].to_string()),
        // The text cut short.
        _ => {
            let cut = rng.random_range(0..text.len());
            let cut = (0..=cut).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(0);
            return text[..cut].to_string();
        }
    }
    out.join("\n")
}

#[test]
fn mutated_scenarios_load_or_fail_cleanly_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mutated.toml");
    let mut rng = stream(&[20261128]);
    let (mut loaded, mut refused) = (0, 0);
    for round in 0..3000 {
        let base = SCENARIOS[round % SCENARIOS.len()];
        let mut text = base.to_string();
        for _ in 0..rng.random_range(1..4) {
            text = mutate(&text, &mut rng);
        }
        let outcome = std::panic::catch_unwind(|| match parse_str(&text, &file) {
            Ok(mut sc) => {
                let _ = ccsim::analytic::warnings::warnings(&sc, 2);
                for i in 0..sc.simulation.open_intervals().min(4) {
                    let _ = ccsim::analytic::estimate::agents_needed(&sc, 0, i);
                }
                // A day of one replication, if it is small enough to run here.
                let load: f64 = sc.reasons.iter().map(|r| r.volume.day(0).iter().sum::<f64>()).sum();
                let agents: u32 = sc.groups.iter().map(|g| ccsim::model::peak(&g.staffing, &sc.simulation)).sum();
                if load < 20_000.0 && agents < 2_000 && sc.replay.is_none() {
                    sc.simulation.days = 1;
                    sc.simulation.warmup = 0.0;
                    let mut stats = ccsim::stats::Collector::new(ccsim::jobs::run::layout(&sc, false));
                    ccsim::model::simulate(&sc, 1, 0, &mut stats);
                }
                true
            }
            Err(e) => {
                let message = e.to_string();
                assert!(message.starts_with(&file.display().to_string()), "{message}");
                false
            }
        });
        match outcome {
            Ok(true) => loaded += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!("round {round}: a panic on this scenario:\n{text}"),
        }
    }
    eprintln!("{loaded} mutated scenarios loaded (and ran), {refused} refused with a scenario error");
    // Both kinds happened: the mutations reach past the parser.
    assert!(loaded > 200 && refused > 1000, "loaded {loaded}, refused {refused}");
}
