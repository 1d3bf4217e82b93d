//! Hard limits on what a run may ask for: one table (README "Limits"),
//! checked the same way whether a value comes from the scenario file, a
//! file it names or the command line.
//!
//! Simulated time is an `i64` count of microseconds (about 9.2e12 s). The
//! bounds on durations, speeds and days keep every instant a valid run can
//! reach far below that; a run that still gets there (a heavy tail, a queue
//! that never drains) stops at [`MAX_DRAIN_SECS`] after the last day's end
//! with an error, rather than with wrong figures.

use crate::engine::DAY_SECS;

/// Any duration: in the scenario file (a constant, every parameter and the
/// mean of a distribution, timeouts, `commitment.after`, thresholds), in
/// `arrivals.csv`, in an empirical file or on the command line, seconds
/// (10 million, about 115 days).
pub const MAX_DURATION_SECS: f64 = 1e7;
/// The warm-up, seconds: at most the longest horizon ([`MAX_DAYS`] days).
pub const MAX_WARMUP_SECS: f64 = MAX_DAYS as f64 * DAY_SECS as f64;
/// Work speeds (`speed`): from this…
pub const MIN_SPEED: f64 = 0.01;
/// …to this.
pub const MAX_SPEED: f64 = 100.0;
/// Chats an agent may hold at once (`max_concurrent`, `erlang
/// --max-concurrent`), at most: a guard against typos.
pub const MAX_CONCURRENT: u32 = 32;
/// Arrivals of one reason, chats per hour (from `rate`, `volume` or the forecast).
pub const MAX_RATE_PER_HOUR: f64 = 1e6;
/// Coefficient of variation of a forecast-error multiplier (`volume_cv`,
/// `[forecast_error]`): at 1 the multiplier is already exponential, a
/// forecast that says nothing; above it the gamma's mode is 0.
pub const MAX_VOLUME_CV: f64 = 1.0;
/// The highest retry probability (a reason's `retry.p`): a customer then
/// makes 1 / (1 − p) = 100 attempts on average; at 1 one who is never
/// served would try forever.
pub const MAX_RETRY_P: f64 = 0.99;
/// The longest scenario `name` (a plain file name: it names the output folder).
pub const MAX_NAME: usize = 100;

/// Checks a scenario's name, which names its default output folder
/// (`results/<name>`): a plain file name, so that it can never point
/// elsewhere (`..`, `/abs`, `a/b`) or hide (`.x`).
pub fn check_name(s: &str) -> Result<(), String> {
    let plain = s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if s.is_empty() || s.len() > MAX_NAME || !plain || s.starts_with('.') {
        return Err(format!(
            "expected a plain file name of 1 to {MAX_NAME} letters, digits, '-', '_' and '.', not starting \
             with '.' (it names the output folder results/<name>; use --out to write elsewhere), got {s:?}"
        ));
    }
    Ok(())
}
/// Days a run simulates (a century).
pub const MAX_DAYS: u32 = 36_600;
/// Replications of a run (`simulation.replications`, `--replications`).
pub const MAX_REPLICATIONS: u32 = 1_000_000;
/// Agents of one group in one interval or shift (file, staffing CSV), and
/// `staff --max-agents`.
pub const MAX_AGENTS: u32 = 1_000_000;
/// Chats that may wait in one skill's queue (`[queue_cap]`); 0 lets a
/// chat in only when an agent can take it at once.
pub const MAX_QUEUE_CAP: u32 = 1_000_000;
/// Worker threads (`--threads`).
pub const MAX_THREADS: usize = 1024;
/// Points of a sweep grid (the product of the `--set` value counts).
pub const MAX_SWEEP_POINTS: usize = 10_000;
/// How long after the last day's end the center may take to drain, seconds
/// (10 million, about 115 days): a run whose simulated time passes it stops
/// with an error.
pub const MAX_DRAIN_SECS: f64 = 1e7;
/// The grid of `[scheduling]` (shift lengths, starts, steps, breaks and
/// their windows), seconds: a quarter hour.
pub const QUARTER: u32 = 900;
/// Shifts (start × break placement) the templates of `[scheduling]` may
/// offer a group on a day: each is a variable of the covering problem.
pub const MAX_SCHEDULE_COLUMNS: u64 = 200_000;
/// A cost of `[scheduling]` (per hour, per shift, per agent-interval).
pub const MAX_COST: f64 = 1e9;
/// Rounds of `schedule`'s repair loop (`--max-rounds`).
pub const MAX_ROUNDS: u32 = 100;
/// Memory a run may need by its estimate, unless `--max-memory` raises it.
pub const DEFAULT_MAX_MEMORY: u64 = 2 << 30;

/// A number for messages: in full, or with an exponent when it would take
/// more than 16 digits (1e300 in full takes 301).
pub fn fmt_num(x: f64) -> String {
    if x.abs() >= 1e16 { format!("{x:e}") } else { format!("{x}") }
}

/// `secs` in words for messages: "10000000 s (about 115 days)".
pub fn fmt_secs(secs: f64) -> String {
    let days = secs / f64::from(DAY_SECS);
    if days >= 2.0 { format!("{secs} s (about {days:.0} days)") } else { format!("{secs} s") }
}

/// Checks a duration in seconds (finite and >= 0 already): at most [`MAX_DURATION_SECS`].
pub fn check_duration(what: &str, secs: f64) -> Result<(), String> {
    if secs <= MAX_DURATION_SECS {
        return Ok(());
    }
    Err(format!("{what} of {} s is too long; expected at most {}", fmt_num(secs), fmt_secs(MAX_DURATION_SECS)))
}

/// Checks replications (the file's and `--replications`): 1 to [`MAX_REPLICATIONS`].
pub fn check_replications(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(r) if (1..=MAX_REPLICATIONS).contains(&r) => Ok(r),
        _ => Err(format!("expected an integer from 1 to {MAX_REPLICATIONS}, got {n}")),
    }
}

/// Checks a number of days (the file's and `bench --days`): 1 to [`MAX_DAYS`].
pub fn check_days(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(d) if (1..=MAX_DAYS).contains(&d) => Ok(d),
        _ => Err(format!("expected an integer from 1 to {MAX_DAYS}, got {n}")),
    }
}

/// Checks a rate of `count` chats per `unit_secs` (1, 60 or 3600): at most [`MAX_RATE_PER_HOUR`].
pub fn check_rate(count: f64, unit_secs: f64) -> Result<(), String> {
    let per_hour = count * (3600.0 / unit_secs);
    if per_hour <= MAX_RATE_PER_HOUR {
        return Ok(());
    }
    Err(format!("{} chats/h is too many; expected at most {MAX_RATE_PER_HOUR} chats/h per reason", fmt_num(per_hour)))
}

/// Checks a group's `absenteeism`: a probability from 0 to below 1 (at 1
/// nobody would ever come in, a staffing that says nothing).
pub fn check_absenteeism(p: f64) -> Result<(), String> {
    if (0.0..1.0).contains(&p) {
        return Ok(());
    }
    Err(format!(
        "expected a probability from 0 to below 1 (0.1: a scheduled agent misses 1 day in 10), got {}",
        fmt_num(p)
    ))
}

/// Checks a reason's `retry.p`: a probability from 0 to [`MAX_RETRY_P`].
pub fn check_retry_p(p: f64) -> Result<(), String> {
    if (0.0..=MAX_RETRY_P).contains(&p) {
        return Ok(());
    }
    Err(format!(
        "expected a probability from 0 to {MAX_RETRY_P} (0.3: 3 in 10 customers who give up try again; \
         at 1 a customer never served would try forever), got {}",
        fmt_num(p)
    ))
}

/// Checks a reason's `misroute.p`: a probability from 0 to below 1 (at 1
/// every customer would pick the other reason: that reason is then the
/// one they come for).
pub fn check_misroute_p(p: f64) -> Result<(), String> {
    if (0.0..1.0).contains(&p) {
        return Ok(());
    }
    Err(format!(
        "expected a probability from 0 to below 1 (0.05: 1 customer in 20 picks the wrong reason), got {}",
        fmt_num(p)
    ))
}

/// The shortest mean shrinkage spell, seconds: shorter spells would only
/// multiply events (a second already models a glitch).
pub const MIN_SPELL_SECS: f64 = 1.0;

/// Breaks of one group (`breaks`): an agent remembers which it took today.
pub const MAX_BREAKS: usize = 16;

/// Checks a break's `length`: above 0 and below a day.
pub fn check_break_length(secs: f64) -> Result<(), String> {
    if secs > 0.0 && secs < f64::from(DAY_SECS) {
        return Ok(());
    }
    Err(format!("expected a break length above 0 and below a day (24h), got {} s", fmt_num(secs)))
}

/// Checks a group's `max_on_break`: a share above 0 and at most 1.
pub fn check_max_on_break(x: f64) -> Result<(), String> {
    if x > 0.0 && x <= 1.0 {
        return Ok(());
    }
    Err(format!(
        "expected a share above 0 and at most 1 (0.25: at most a quarter of the group's agents on duty away at once), got {}",
        fmt_num(x)
    ))
}

/// Checks `shrinkage.share`: from 0 to below 1 (at 1 nobody would ever be available).
pub fn check_shrinkage_share(p: f64) -> Result<(), String> {
    if (0.0..1.0).contains(&p) {
        return Ok(());
    }
    Err(format!("expected a share from 0 to below 1 (0.05: 5% of logged-in time lost in spells), got {}", fmt_num(p)))
}

/// Checks `shrinkage.spell`, the mean spell length: from [`MIN_SPELL_SECS`] to a day.
pub fn check_spell(secs: f64) -> Result<(), String> {
    if (MIN_SPELL_SECS..=f64::from(DAY_SECS)).contains(&secs) {
        return Ok(());
    }
    Err(format!("expected a mean spell length from 1 s to a day (24h), got {} s", fmt_num(secs)))
}

/// Checks a forecast-error coefficient of variation: a number from 0 to [`MAX_VOLUME_CV`].
pub fn check_volume_cv(cv: f64) -> Result<(), String> {
    if (0.0..=MAX_VOLUME_CV).contains(&cv) {
        return Ok(());
    }
    Err(format!(
        "expected a coefficient of variation from 0 to {MAX_VOLUME_CV} (0.15: a day's volume is typically 15% off the forecast), got {}",
        fmt_num(cv)
    ))
}

/// The most chats an interval of `interval_secs` may expect ([`MAX_RATE_PER_HOUR`] over it).
pub fn max_volume(interval_secs: u32) -> f64 {
    MAX_RATE_PER_HOUR * f64::from(interval_secs) / 3600.0
}

/// Parses a memory size: `2GiB`, `512MiB`, `1.5GB`, `4096` (bytes); units
/// B, KiB, MiB, GiB, TiB (powers of 1024) and kB, MB, GB, TB (of 1000).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let fail = || format!("expected a size like \"2GiB\", \"512MiB\" or \"8GB\", got {text:?}");
    let s = text.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kib" | "k" => 1024.0,
        "mib" | "m" => 1024.0 * 1024.0,
        "gib" | "g" => 1024.0 * 1024.0 * 1024.0,
        "tib" | "t" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return Err(fail()),
    };
    let n: f64 = num.parse().map_err(|_| fail())?;
    let bytes = n * factor;
    if !(1.0..1.8e19).contains(&bytes) {
        return Err(fail());
    }
    Ok(bytes as u64)
}

/// Bytes in words: "1.5 GiB", "300.0 MiB", "12 KiB".
pub fn fmt_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    const K: f64 = 1024.0;
    if b >= K * K * K {
        format!("{:.1} GiB", b / (K * K * K))
    } else if b >= K * K {
        format!("{:.1} MiB", b / (K * K))
    } else {
        format!("{:.0} KiB", (b / K).ceil())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("2GiB"), Ok(2 << 30));
        assert_eq!(parse_bytes("8 GiB"), Ok(8 << 30));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert_eq!(parse_bytes("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_bytes("4096"), Ok(4096));
        for bad in ["", "GiB", "-1GiB", "2XB", "0", "1e30", "nan"] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
        assert_eq!(fmt_bytes(2 << 30), "2.0 GiB");
        assert_eq!(fmt_bytes(300 << 20), "300.0 MiB");
    }

    #[test]
    fn counts() {
        assert_eq!(check_replications(1), Ok(1));
        assert_eq!(check_replications(1_000_000), Ok(1_000_000));
        assert!(check_replications(0).is_err());
        assert!(check_replications(1_000_001).unwrap_err().contains("1000000"));
        assert_eq!(check_days(36_600), Ok(36_600));
        assert!(check_days(36_601).is_err());
        assert!(check_rate(1e6, 3600.0).is_ok());
        assert!(check_rate(16_666.67, 60.0).is_err());
        assert!(check_rate(278.0, 1.0).is_err());
        assert_eq!(max_volume(1800), 500_000.0);
    }
}
