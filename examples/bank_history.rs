//! Converts the Anonymous Bank call log (tests/data/anonymous-bank/, see its
//! README) into ccsim's history format (the README's "History files"):
//!
//! ```text
//! cargo run --release --example bank_history -- tests/data/anonymous-bank/01_January.txt.gz > january.csv
//! ```
//!
//! One row per call that reached the queue or an agent:
//! - `id` is `vru+line` and `call_id` joined by `-` (`call_id` alone repeats
//!   across lines); `reason` is the call's `type`, trimmed.
//! - A call that queued arrives at `q_start`; one served at once (`q_start`
//!   0:00:00) arrives when its service starts, having waited 0 s.
//! - `AGENT` calls are `resolved`: answered at `ser_start` (never before the
//!   arrival: the log's clocks differ by a second here and there), ended at
//!   `ser_exit`; `HANG` calls that queued are `abandoned` at `q_exit`.
//! - A time of day earlier than the one before it in the same row has passed
//!   midnight and is moved to the next date.
//!
//! Left out, and counted on stderr: calls that hung up in the voice-response
//! unit without queueing (never offered to an agent), `PHANTOM` calls (the
//! log does not know what happened), `AGENT` calls with `NO_SERVER` (a few
//! seconds with no agent: not agent work), and rows of an unknown type
//! (`AA`). `priority` is not used.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};

const TYPES: [&str; 6] = ["PS", "PE", "IN", "NE", "NW", "TT"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = &args[..] else {
        eprintln!("usage: bank_history FILE.txt[.gz] > history.csv");
        std::process::exit(2);
    };
    let file = std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("error: {path}: {e}");
        std::process::exit(2);
    });
    let input: Box<dyn Read> =
        if path.ends_with(".gz") { Box::new(flate2::read::GzDecoder::new(file)) } else { Box::new(file) };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match convert(BufReader::new(input), &mut out) {
        Ok(left_out) => {
            for (why, n) in left_out {
                eprintln!("left out: {n} {why}");
            }
        }
        Err(e) => {
            eprintln!("error: {path}: {e}");
            std::process::exit(2);
        }
    }
}

/// Writes the history of the log read from `input`; returns what was left
/// out and how often.
pub fn convert(input: impl BufRead, out: &mut impl Write) -> Result<BTreeMap<&'static str, u64>, String> {
    let mut left_out = BTreeMap::new();
    writeln!(out, "id,reason,arrival,answered,ended,agent,outcome").map_err(|e| e.to_string())?;
    for (n, line) in input.lines().enumerate().skip(1) {
        let line = line.map_err(|e| format!("line {}: {e}", n + 1))?;
        let f: Vec<&str> = line.split('\t').map(str::trim).collect();
        if f.len() != 17 {
            return Err(format!("line {}: expected 17 tab-separated fields, got {}", n + 1, f.len()));
        }
        let why = match row(&f) {
            Ok(Some(row)) => {
                writeln!(out, "{row}").map_err(|e| e.to_string())?;
                continue;
            }
            Ok(None) => continue,
            Err(Skip(why)) => why,
        };
        *left_out.entry(why).or_insert(0) += 1;
    }
    Ok(left_out)
}

struct Skip(&'static str);

/// The history row of one call, if it reached the queue or an agent.
fn row(f: &[&str]) -> Result<Option<String>, Skip> {
    let (ty, date, q_start, q_exit, outcome, ser_start, ser_exit, server) =
        (f[4], f[5], f[9], f[10], f[12], f[13], f[14], f[16]);
    if !TYPES.contains(&ty) {
        return Err(Skip("rows of an unknown type"));
    }
    let day = date_of(date).ok_or(Skip("rows with a bad date"))?;
    let clock = |t: &str| secs_of(t).ok_or(Skip("rows with a bad time"));
    let queued = q_start != "0:00:00";
    let fmt = |secs: u32| {
        let (extra, s) = (secs / 86_400, secs % 86_400);
        let (y, m, d) = plus_days(day, extra);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    };
    // A later time of the row that reads earlier has passed midnight.
    let after = |earlier: u32, t: u32| {
        if t < earlier % 86_400 { earlier - earlier % 86_400 + 86_400 + t } else { t.max(earlier) }
    };
    match outcome {
        "AGENT" if server == "NO_SERVER" => Err(Skip("AGENT calls without a server")),
        "AGENT" => {
            let start = clock(ser_start)?;
            let arrival = if queued { clock(q_start)?.min(start) } else { start };
            let end = after(start, clock(ser_exit)?);
            let id = format!("{}-{}", f[0], f[1]);
            Ok(Some(format!("{id},{ty},{},{},{},{server},resolved", fmt(arrival), fmt(start), fmt(end))))
        }
        "HANG" if queued => {
            let arrival = clock(q_start)?;
            let left = after(arrival, clock(q_exit)?);
            let id = format!("{}-{}", f[0], f[1]);
            Ok(Some(format!("{id},{ty},{},,{},,abandoned", fmt(arrival), fmt(left))))
        }
        "HANG" => Err(Skip("calls that hung up before queueing")),
        "PHANTOM" => Err(Skip("PHANTOM calls")),
        _ => Err(Skip("rows of an unknown outcome")),
    }
}

/// `YYMMDD` of the 1990s (the log's only decade).
fn date_of(text: &str) -> Option<(u32, u32, u32)> {
    let n: u32 = text.parse().ok().filter(|_| text.len() == 6)?;
    let (y, m, d) = (1900 + n / 10_000, n / 100 % 100, n % 100);
    ((1..=12).contains(&m) && (1..=days_in(y, m)).contains(&d)).then_some((y, m, d))
}

fn days_in(y: u32, m: u32) -> u32 {
    match m {
        2 if y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn plus_days((mut y, mut m, mut d): (u32, u32, u32), days: u32) -> (u32, u32, u32) {
    for _ in 0..days {
        d += 1;
        if d > days_in(y, m) {
            (d, m) = (1, m + 1);
            if m > 12 {
                (m, y) = (1, y + 1);
            }
        }
    }
    (y, m, d)
}

/// `H:MM:SS` as seconds of the day.
fn secs_of(text: &str) -> Option<u32> {
    let mut parts = text.split(':').map(|p| p.parse::<u32>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    (parts.next().is_none() && h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}
