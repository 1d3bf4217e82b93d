//! A fixed histogram of waiting times, for percentiles.
//!
//! Bins: one for exactly zero, then 1-second bins up to 300 s, then bins
//! growing by 2% each up to about 8 days; longer waits go to the last bin.
//! A percentile interpolates linearly inside its bin, so it is exact to
//! within 1 s below five minutes and within 2% above.

const LINEAR_SECS: usize = 300;
const GROWTH: f64 = 1.02;
const GEOMETRIC_BINS: usize = 380; // 300 × 1.02^380 ≈ 5.7e5 s
const BINS: usize = 1 + LINEAR_SECS + GEOMETRIC_BINS;

/// Counts of waits per bin.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitHistogram {
    /// In place, not behind a pointer: one load less per wait added.
    counts: [u32; BINS],
    total: u64,
}

impl Default for WaitHistogram {
    fn default() -> Self {
        WaitHistogram { counts: [0; BINS], total: 0 }
    }
}

/// Lower and upper edge of bin `i`, seconds.
fn bin_edges(i: usize) -> (f64, f64) {
    if i == 0 {
        (0.0, 0.0)
    } else if i <= LINEAR_SECS {
        ((i - 1) as f64, i as f64)
    } else {
        let k = (i - LINEAR_SECS - 1) as i32;
        let lo = LINEAR_SECS as f64 * GROWTH.powi(k);
        (lo, lo * GROWTH)
    }
}

fn bin_of(secs: f64) -> usize {
    if secs <= 0.0 {
        0
    } else if secs < LINEAR_SECS as f64 {
        1 + secs as usize
    } else {
        let k = ((secs / LINEAR_SECS as f64).ln() / GROWTH.ln()) as usize;
        (LINEAR_SECS + 1 + k).min(LINEAR_SECS + GEOMETRIC_BINS)
    }
}

impl WaitHistogram {
    pub fn add(&mut self, secs: f64) {
        self.add_in(bin_of(secs));
    }

    /// The bin of a wait of `secs` seconds, for [`WaitHistogram::add_in`]
    /// (to add one wait to several histograms).
    pub fn bin(secs: f64) -> usize {
        bin_of(secs)
    }

    /// Adds a wait whose bin [`WaitHistogram::bin`] gave.
    pub fn add_in(&mut self, bin: usize) {
        self.counts[bin] += 1;
        self.total += 1;
    }

    pub fn merge(&mut self, other: &WaitHistogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Waits of exactly zero (answered at once).
    pub fn zeros(&self) -> u64 {
        self.counts[0] as u64
    }

    /// Every bin after the zero bin: (lower edge, upper edge, count), seconds.
    pub fn bins(&self) -> impl Iterator<Item = (f64, f64, u64)> + '_ {
        self.counts.iter().enumerate().skip(1).map(|(i, &c)| {
            let (lo, hi) = bin_edges(i);
            (lo, hi, c as u64)
        })
    }

    /// Every non-empty bin: (index, lower edge, upper edge, count), seconds;
    /// the zero bin (index 0, edges 0 and 0) first.
    pub fn counts(&self) -> impl Iterator<Item = (usize, f64, f64, u32)> + '_ {
        self.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, &c)| {
            let (lo, hi) = bin_edges(i);
            (i, lo, hi, c)
        })
    }

    /// Adds `count` waits to bin `index`, as [`WaitHistogram::counts`] gave
    /// it (reading a histogram back from a file); false if there is no such
    /// bin or its count would overflow.
    pub fn add_to_bin(&mut self, index: usize, count: u32) -> bool {
        match self.counts.get_mut(index).and_then(|c| c.checked_add(count).map(|sum| (c, sum))) {
            Some((c, sum)) => {
                *c = sum;
                self.total += count as u64;
                true
            }
            None => false,
        }
    }

    /// The `q`-quantile (0 < q ≤ 1), or `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let target = q * self.total as f64;
        let mut below = 0.0;
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let c = c as f64;
            if below + c >= target {
                let (lo, hi) = bin_edges(i);
                let frac = ((target - below) / c).clamp(0.0, 1.0);
                return Some(lo + frac * (hi - lo));
            }
            below += c;
        }
        Some(bin_edges(self.counts.len() - 1).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zero_waits_give_zero_percentiles() {
        let mut h = WaitHistogram::default();
        for _ in 0..10 {
            h.add(0.0);
        }
        assert_eq!(h.quantile(0.5), Some(0.0));
        assert_eq!(h.quantile(0.99), Some(0.0));
    }

    #[test]
    fn uniform_waits_give_their_quantiles() {
        let mut h = WaitHistogram::default();
        for i in 0..1000 {
            h.add(i as f64 * 0.2 + 0.1); // uniform on (0, 200)
        }
        let p50 = h.quantile(0.5).unwrap();
        let p90 = h.quantile(0.9).unwrap();
        assert!((p50 - 100.0).abs() <= 1.0, "{p50}");
        assert!((p90 - 180.0).abs() <= 1.0, "{p90}");
    }

    #[test]
    fn counts_read_back_give_the_same_histogram() {
        let mut h = WaitHistogram::default();
        for w in [0.0, 0.0, 0.5, 17.2, 299.9, 300.0, 1000.0, 1e9] {
            h.add(w);
        }
        let mut back = WaitHistogram::default();
        for (i, _, _, c) in h.counts() {
            assert!(back.add_to_bin(i, c));
        }
        assert_eq!(back, h);
        assert!(!back.add_to_bin(h.counts.len(), 1));
        assert!(!back.add_to_bin(0, u32::MAX), "a count that overflows its bin is refused");
        assert_eq!(back, h);
    }

    #[test]
    fn long_waits_land_within_two_percent() {
        let mut h = WaitHistogram::default();
        h.add(1000.0);
        let q = h.quantile(1.0).unwrap();
        assert!((q - 1000.0).abs() / 1000.0 <= 0.02, "{q}");
        assert!(bin_of(1e9) < h.counts.len());
    }
}
