//! Figures printed for people (the summary after `ccsim run`, the table of
//! `ccsim compare`): a mean and its 95% interval with the same number of
//! decimals, chosen by the metric's kind ([`MetricKind::decimals`]). Files
//! keep their full precision ([`super::fmt_num`]).

use crate::stats::MetricKind;

/// `x` to the decimals of its kind: `0.9728`, `7.24`, `3384.7`.
pub fn fmt_figure(kind: MetricKind, x: f64) -> String {
    let s = format!("{x:.*}", kind.decimals());
    // a value rounding to zero from below prints as 0
    if s.starts_with('-') && s[1..].bytes().all(|b| b == b'0' || b == b'.') { s[1..].to_string() } else { s }
}

/// An interval to the decimals of its kind: `[0.9697, 0.9759]`.
pub fn fmt_interval(kind: MetricKind, (low, high): (f64, f64)) -> String {
    format!("[{}, {}]", fmt_figure(kind, low), fmt_figure(kind, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_and_its_interval_have_the_decimals_of_their_kind() {
        use MetricKind::*;
        assert_eq!(fmt_figure(Count, 3384.65), "3384.7");
        assert_eq!(fmt_interval(Count, (3350.923801, 3418.376199)), "[3350.9, 3418.4]");
        assert_eq!(fmt_interval(Share, (0.969683, 0.97588)), "[0.9697, 0.9759]");
        assert_eq!(fmt_interval(Share, (0.994357, 1.0)), "[0.9944, 1.0000]");
        assert_eq!(fmt_interval(Time, (6.97071, 7.514759)), "[6.97, 7.51]");
        assert_eq!(fmt_figure(Hours, 0.0), "0.0");
        assert_eq!(fmt_figure(QueueLength, -0.001), "0.00");
    }
}
