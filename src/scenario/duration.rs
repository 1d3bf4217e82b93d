//! Durations (`"45s"`, `"2m"`, `"1h30m"`, or seconds), clock times (`"08:00"`)
//! and rates (`"120/h"`).

/// What a duration looks like, for error messages.
pub const DURATION_HINT: &str = r#"a duration like "45s", "2m" or "1h30m""#;

/// Parses a duration in seconds: components `<number><unit>` with units `h`, `m`,
/// `s` and `ms` in that order (`"1h30m"`, `"1.5s"`, `"500ms"`), or a bare number
/// of seconds (`"45"`). Negative, infinite and NaN values are refused.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let fail = |why: &str| {
        let why = if why.is_empty() { String::new() } else { format!(": {why}") };
        Err(format!("expected {DURATION_HINT}, got {text:?}{why}"))
    };
    let s = text.trim();
    if s.is_empty() {
        return fail("empty");
    }
    if s.starts_with('-') {
        return fail("negative");
    }
    if let Some(v) = parse_decimal(s, 1, 0) {
        return Ok(v);
    }
    // Units in the order they must appear: (suffix, seconds numerator, power of ten divisor).
    const UNITS: [(&str, u64, u32); 4] = [("h", 3600, 0), ("ms", 1, 3), ("m", 60, 0), ("s", 1, 0)];
    const RANK: [usize; 4] = [0, 3, 1, 2];
    let mut rest = s;
    let mut total = 0.0;
    let mut last_rank = None;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        let Some(i) = UNITS.iter().position(|(u, ..)| after.starts_with(u)) else {
            return fail(if num_len == rest.len() { "missing unit" } else { "unknown unit" });
        };
        let (unit, factor, pow10) = UNITS[i];
        if last_rank.is_some_and(|r| r >= RANK[i]) {
            return fail("units must come in the order h, m, s, ms, each at most once");
        }
        last_rank = Some(RANK[i]);
        let Some(v) = parse_decimal(num, factor, pow10) else {
            return fail("bad number");
        };
        total += v;
        rest = after[unit.len()..].trim_start();
    }
    if total.is_finite() { Ok(total) } else { fail("too large") }
}

/// Parses an unsigned decimal (`"12"`, `"1.5"`, `".5"`) times `factor / 10^pow10`,
/// correctly rounded when the digits allow it.
fn parse_decimal(s: &str, factor: u64, pow10: u32) -> Option<f64> {
    if s.is_empty() || s == "." || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.contains('.') {
        return None;
    }
    let digits = format!("{int}{frac}");
    let exp = frac.len() as u32 + pow10;
    // Exact integer times an exact power of ten: one correctly rounded division.
    if let Ok(n) = digits.parse::<u64>()
        && let Some(m) = n.checked_mul(factor)
        && m < (1 << 53)
        && exp <= 22
    {
        return Some(m as f64 / 10f64.powi(exp as i32));
    }
    let v: f64 = format!("{digits}e-{exp}").parse().ok()?;
    let v = v * factor as f64;
    v.is_finite().then_some(v)
}

/// Formats seconds as the canonical duration string that [`parse_duration`]
/// reads back exactly: `"45s"`, `"7m"`, `"1h30m"`, `"12.5s"`.
pub fn fmt_duration(secs: f64) -> String {
    let secs = if secs == 0.0 { 0.0 } else { secs };
    if secs.fract() != 0.0 || !(0.0..1e15).contains(&secs) {
        return format!("{secs}s");
    }
    let total = secs as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 || out.is_empty() {
        out += &format!("{s}s");
    }
    out
}

/// Parses a clock time `"HH:MM"` (or `"HH:MM:SS"`) into seconds after midnight,
/// from `"00:00"` to `"24:00"`.
pub fn parse_clock(text: &str) -> Result<u32, String> {
    let fail = || Err(format!(r#"expected a clock time like "08:00" (00:00 to 24:00), got {text:?}"#));
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return fail();
    }
    let mut nums = [0u32; 3];
    for (i, p) in parts.iter().enumerate() {
        if p.len() != 2 && !(i == 0 && p.len() == 1) || !p.bytes().all(|b| b.is_ascii_digit()) {
            return fail();
        }
        nums[i] = p.parse().unwrap_or(u32::MAX);
    }
    let [h, m, s] = nums;
    if h > 24 || m > 59 || s > 59 || (h == 24 && (m > 0 || s > 0)) {
        return fail();
    }
    Ok(h * 3600 + m * 60 + s)
}

/// Formats seconds after midnight as `"HH:MM"` (`"HH:MM:SS"` when not on a minute).
pub fn fmt_clock(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 { format!("{h:02}:{m:02}") } else { format!("{h:02}:{m:02}:{s:02}") }
}

/// Parses a rate `"<count>/<unit>"` (`"120/h"`, `"17.5/h"`, `"0.4/m"`, `"2/s"`)
/// into (count, seconds per unit).
pub fn parse_rate_parts(text: &str) -> Result<(f64, f64), String> {
    let fail = |why: &str| Err(format!(r#"expected a rate like "120/h", "0.4/m" or "2/s", got {text:?}{why}"#));
    let Some((num, unit)) = text.trim().split_once('/') else {
        return fail("");
    };
    let unit_secs = match unit.trim() {
        "h" => 3600.0,
        "m" | "min" => 60.0,
        "s" => 1.0,
        _ => return fail(": the unit must be h, m or s"),
    };
    let num = num.trim();
    if num.starts_with('-') {
        return fail(": negative");
    }
    match parse_decimal(num, 1, 0) {
        Some(count) => Ok((count, unit_secs)),
        None => fail(""),
    }
}

/// Parses a rate (`"120/h"`, `"17.5/h"`, `"0.4/m"`, `"2/s"`) into events per second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    parse_rate_parts(text).map(|(count, unit)| count / unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases = [
            ("45s", 45.0),
            ("2m", 120.0),
            ("1h30m", 5400.0),
            ("1h 30m 15s", 5415.0),
            ("1.5s", 1.5),
            ("500ms", 0.5),
            ("1m30.25s", 90.25),
            ("0.1h", 360.0),
            ("45", 45.0),
            ("0s", 0.0),
            (".5s", 0.5),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in ["", "-5s", "5x", "s", "1m1h", "1m1m", "nan", "inf", "1..2s", "1e3s", "5 s s"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("expected a duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn durations_round_trip() {
        for v in [0.0, 1.0, 45.0, 60.0, 420.0, 5400.0, 3601.0, 12.5, 0.1, 1e-7, 86400.0, 1e20, 123456.789, 1.0 / 3.0] {
            let s = fmt_duration(v);
            assert_eq!(parse_duration(&s), Ok(v), "{v} -> {s}");
        }
        assert_eq!(fmt_duration(45.0), "45s");
        assert_eq!(fmt_duration(420.0), "7m");
        assert_eq!(fmt_duration(5400.0), "1h30m");
        assert_eq!(fmt_duration(12.5), "12.5s");
        assert_eq!(fmt_duration(0.0), "0s");
        assert_eq!(fmt_duration(-0.0), "0s");
    }

    #[test]
    fn clocks() {
        assert_eq!(parse_clock("08:00"), Ok(8 * 3600));
        assert_eq!(parse_clock("24:00"), Ok(86400));
        assert_eq!(parse_clock("8:30"), Ok(8 * 3600 + 1800));
        assert_eq!(parse_clock("00:00:30"), Ok(30));
        for bad in ["24:01", "25:00", "08:60", "0800", "", "08:0", "-1:00", "a:00"] {
            assert!(parse_clock(bad).is_err(), "{bad}");
        }
        for v in [0, 30, 8 * 3600, 86400, 3600 + 61] {
            assert_eq!(parse_clock(&fmt_clock(v)), Ok(v));
        }
        assert_eq!(fmt_clock(8 * 3600 + 1800), "08:30");
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("120/h"), Ok(120.0 / 3600.0));
        assert_eq!(parse_rate("17.5/h"), Ok(17.5 / 3600.0));
        assert_eq!(parse_rate("0.4/m"), Ok(0.4 / 60.0));
        assert_eq!(parse_rate("2/s"), Ok(2.0));
        for bad in ["120", "-1/h", "1/d", "x/h", "nan/h"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}
