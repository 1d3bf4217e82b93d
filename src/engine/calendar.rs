//! Real dates and local date-times: of a history (`history.csv`), and of
//! the first simulated day when a scenario names it.
//!
//! A [`Stamp`] counts microseconds from 1970-01-01T00:00 of the clock the
//! export was written in. A UTC offset, when given, is checked and then
//! ignored: the rule is that intervals are by the local clock time as
//! written, and a center's day runs on its own clock. The calendar is the
//! proleptic Gregorian one, converted with the `days_from_civil` algorithm of
//! H. Hinnant ("chrono-compatible low-level date algorithms").

use std::fmt;

use super::time::{DAY_US as DAY, SEC_US as SEC};

/// A local date-time in microseconds from 1970-01-01T00:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(pub i64);

/// A calendar date as a day number from 1970-01-01 (day 0, a Thursday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

impl Stamp {
    /// The date the stamp falls on.
    pub fn date(self) -> Date {
        Date(self.0.div_euclid(DAY) as i32)
    }

    /// Seconds since the date's midnight, 0 ≤ s < 86,400.
    pub fn clock_secs(self) -> f64 {
        self.0.rem_euclid(DAY) as f64 / SEC as f64
    }

    /// Seconds from `earlier` to `self` (negative when `self` is earlier).
    pub fn secs_since(self, earlier: Stamp) -> f64 {
        (self.0 - earlier.0) as f64 / SEC as f64
    }

    /// The stamp `secs` seconds later, rounded to the microsecond.
    pub fn after_secs(self, secs: f64) -> Stamp {
        Stamp(self.0 + (secs * SEC as f64).round() as i64)
    }

    /// Midnight at the start of `date`.
    pub fn midnight(date: Date) -> Stamp {
        Stamp(date.0 as i64 * DAY)
    }
}

impl Date {
    /// The weekday, 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // Day 0 (1970-01-01) was a Thursday, weekday 3.
        (self.0 as i64 + 3).rem_euclid(7) as u32
    }

    /// The date `days` later.
    pub fn plus(self, days: i32) -> Date {
        Date(self.0 + days)
    }

    /// The date of a year, month (1–12) and day (1–31), or `None` when there
    /// is no such day (30 February).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // Hinnant's days_from_civil: years start in March, so the leap day is last.
        let y = if month <= 2 { year - 1 } else { year } as i64;
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month as i64 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date((era * 146_097 + doe - 719_468) as i32))
    }

    /// The year, month and day.
    pub fn ymd(self) -> (i32, u32, u32) {
        // Hinnant's civil_from_days.
        let z = self.0 as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        (year, month, day)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Date, String> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(format!("expected a date like 2026-03-02, got {text:?}"));
        }
        let year = digits(&b[0..4]).ok_or_else(|| format!("expected a date like 2026-03-02, got {text:?}"))?;
        let month = digits(&b[5..7]).ok_or_else(|| format!("expected a date like 2026-03-02, got {text:?}"))?;
        let day = digits(&b[8..10]).ok_or_else(|| format!("expected a date like 2026-03-02, got {text:?}"))?;
        Date::from_ymd(year as i32, month, day).ok_or_else(|| format!("there is no such date as {text:?}"))
    }
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The value of ASCII digits, or `None` if any byte is not a digit.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// What a date-time must look like, for messages.
pub const EXPECTED: &str = "expected an ISO 8601 date-time like 2026-03-02T09:14:05 \
     (a space may replace T; optional fractions of a second and UTC offset)";

impl std::str::FromStr for Stamp {
    type Err = String;

    /// Parses `YYYY-MM-DDTHH:MM:SS`, with a space instead of `T`, optional
    /// fractions of a second (up to microseconds; more digits are cut) and an
    /// optional offset `Z`, `±HH:MM` or `±HHMM` (checked, then ignored).
    fn from_str(text: &str) -> Result<Stamp, String> {
        let bad = || format!("{EXPECTED}, got {text:?}");
        let b = text.as_bytes();
        if b.len() < 19 || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let date = Date::parse(&text[..10]).map_err(|e| if e.starts_with("there is") { e } else { bad() })?;
        let (hour, minute, second) = (
            digits(&b[11..13]).ok_or_else(bad)?,
            digits(&b[14..16]).ok_or_else(bad)?,
            digits(&b[17..19]).ok_or_else(bad)?,
        );
        if hour > 23 || minute > 59 || second > 59 {
            return Err(format!("there is no such time of day as {:?} in {text:?}", &text[11..19]));
        }
        let mut rest = &b[19..];
        let mut micros = 0i64;
        if let Some((b'.', frac)) = rest.split_first() {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(bad());
            }
            for (i, &c) in frac[..n].iter().enumerate().take(6) {
                micros += i64::from(c - b'0') * 10i64.pow(5 - i as u32);
            }
            rest = &frac[n..];
        }
        match rest {
            [] | [b'Z'] => {}
            [b'+' | b'-', h1, h2, b':', m1, m2] | [b'+' | b'-', h1, h2, m1, m2] => {
                let (h, m) = (digits(&[*h1, *h2]).ok_or_else(bad)?, digits(&[*m1, *m2]).ok_or_else(bad)?);
                if h > 23 || m > 59 {
                    return Err(bad());
                }
            }
            _ => return Err(bad()),
        }
        let secs = i64::from(hour * 3600 + minute * 60 + second);
        Ok(Stamp(date.0 as i64 * DAY + secs * SEC + micros))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Display for Stamp {
    /// `YYYY-MM-DDTHH:MM:SS`, with `.ffffff` only when there are fractions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let within = self.0.rem_euclid(DAY);
        let secs = within / SEC;
        write!(f, "{}T{:02}:{:02}:{:02}", self.date(), secs / 3600, secs / 60 % 60, secs % 60)?;
        match within % SEC {
            0 => Ok(()),
            micros => write!(f, ".{micros:06}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(s: &str) -> Stamp {
        s.parse().unwrap()
    }

    #[test]
    fn known_dates_and_weekdays() {
        assert_eq!(Date::from_ymd(1970, 1, 1), Some(Date(0)));
        assert_eq!(Date(0).weekday(), 3); // a Thursday
        let d = Date::from_ymd(1999, 1, 1).unwrap();
        assert_eq!(d.weekday(), 4); // a Friday
        assert_eq!(d.0, 10_592);
        assert_eq!(Date::from_ymd(2026, 12, 4).unwrap().weekday(), 4); // today, a Friday
        assert_eq!(Date::from_ymd(1969, 12, 31), Some(Date(-1)));
        assert_eq!(Date(-1).weekday(), 2);
        assert!(Date::from_ymd(2000, 2, 29).is_some());
        assert!(Date::from_ymd(1900, 2, 29).is_none());
        assert!(Date::from_ymd(2026, 4, 31).is_none());
        assert!(Date::from_ymd(2026, 13, 1).is_none());
    }

    #[test]
    fn ymd_round_trips_over_four_centuries() {
        let (start, end) = (Date::from_ymd(1890, 1, 1).unwrap(), Date::from_ymd(2300, 1, 1).unwrap());
        let mut expected = (1890, 1, 1);
        for n in start.0..end.0 {
            let d = Date(n);
            assert_eq!(d.ymd(), expected);
            assert_eq!(Date::from_ymd(expected.0, expected.1, expected.2), Some(d));
            expected = if expected.2 < days_in_month(expected.0, expected.1) {
                (expected.0, expected.1, expected.2 + 1)
            } else if expected.1 < 12 {
                (expected.0, expected.1 + 1, 1)
            } else {
                (expected.0 + 1, 1, 1)
            };
        }
    }

    #[test]
    fn parses_the_forms_the_format_allows() {
        let t = stamp("2026-03-02T09:14:05");
        assert_eq!(t.to_string(), "2026-03-02T09:14:05");
        assert_eq!(t.date().weekday(), 0); // a Monday
        assert_eq!(t.clock_secs(), 9.0 * 3600.0 + 14.0 * 60.0 + 5.0);
        assert_eq!(stamp("2026-03-02 09:14:05"), t);
        assert_eq!(stamp("2026-03-02T09:14:05Z"), t);
        assert_eq!(stamp("2026-03-02T09:14:05+02:00"), t, "offsets are ignored: local clock as written");
        assert_eq!(stamp("2026-03-02T09:14:05-0530"), t);
        assert_eq!(stamp("2026-03-02T09:14:05.25").secs_since(t), 0.25);
        assert_eq!(stamp("2026-03-02T09:14:05.1234567").0 - t.0, 123_456);
        assert_eq!(stamp("2026-03-02T09:14:05.5+01:00").to_string(), "2026-03-02T09:14:05.500000");
    }

    #[test]
    fn rejects_what_is_not_a_date_time() {
        for bad in [
            "",
            "2026-03-02",
            "2026-03-02T9:14:05",
            "02/03/2026 09:14:05",
            "2026-03-02T09:14:05.",
            "2026-03-02T09:14:05 ",
            "2026-03-02T09:14:05+2",
            "2026-03-02X09:14:05",
            "2026-02-30T09:14:05",
            "2026-03-02T24:00:00",
            "2026-03-02T09:60:00",
            "2026-03-02T09:14:05+25:00",
        ] {
            assert!(bad.parse::<Stamp>().is_err(), "{bad:?} was accepted");
        }
        assert!("2026-02-30T09:14:05".parse::<Stamp>().unwrap_err().contains("no such date"));
    }
}
