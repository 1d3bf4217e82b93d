//! Random streams derived from a key, never from global state.
//!
//! A stream's seed is a SplitMix64-style hash of its key, a sequence of
//! integers such as (seed, replication, purpose, reason, arrival index).
//! Distinct keys give statistically independent xoshiro256++ streams, and
//! the same key gives the same stream whatever the thread or the order in
//! which streams are created: the basis of reproducibility and of common
//! random numbers.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A random stream: xoshiro256++ (fast, 256-bit state, passes BigCrush).
pub type Stream = Xoshiro256PlusPlus;

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream for `key`. Each component is folded in with a full avalanche,
/// so keys differing in any component give unrelated seeds.
pub fn stream(key: &[u64]) -> Stream {
    KeyPrefix::of(key).stream()
}

/// A key folded so far: streams whose keys share a prefix derive from it
/// with only their last components to fold (the same streams as [`stream`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPrefix(u64);

impl KeyPrefix {
    /// The prefix `key`.
    pub fn of(key: &[u64]) -> KeyPrefix {
        key.iter().fold(KeyPrefix(0x243F_6A88_85A3_08D3), |p, &k| p.then(k)) // pi, a nothing-up-my-sleeve start
    }
    /// This prefix followed by `k`.
    pub fn then(self, k: u64) -> KeyPrefix {
        KeyPrefix(splitmix(self.0 ^ splitmix(k)))
    }
    /// The stream of this key.
    pub fn stream(self) -> Stream {
        Stream::seed_from_u64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn a_prefix_continued_gives_the_stream_of_the_whole_key() {
        let a: u64 = KeyPrefix::of(&[1, 2]).then(3).then(4).stream().random();
        let b: u64 = stream(&[1, 2, 3, 4]).random();
        assert_eq!(a, b);
    }

    #[test]
    fn same_key_same_stream_and_different_keys_differ() {
        let a: u64 = stream(&[1, 2, 3]).random();
        let b: u64 = stream(&[1, 2, 3]).random();
        let c: u64 = stream(&[1, 2, 4]).random();
        let d: u64 = stream(&[1, 3, 2]).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
