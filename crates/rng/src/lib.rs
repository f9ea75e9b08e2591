//! spendlens-rng: the one seeded random stream of spendlens (SplitMix64), and the few ways its
//! numbers are turned into floats and indices.
//!
//! Every reproducible number in spendlens comes from here: the finance bootstrap interval, the
//! optimiser's bootstrap fits, the attribution journey generator, the demo organisation and the
//! connectors' retry jitter. Their outputs are pinned by golden tests, so what matters is that the
//! stream never changes: it is a function of the seed alone, on every platform and every version.
//!
//! The generator is `rand_xoshiro`'s `SplitMix64` (Vigna's reference `splitmix64.c`; its
//! `next_u64` is checked against the reference outputs below). Only `next_u64` is used: that crate's
//! `next_u32` mixes differently, and `rand`'s ranges (`random_range`) use another algorithm whose
//! values `rand` does not promise to keep, so the derivations (`unit`, `below`, `index`,
//! `index_unbiased`) are ours, written here once.
//!
//! Why a crate of its own: `attribution` and `optimize` are pure engines that depend on nothing of
//! ours, and a generator is no part of the domain in `core`. This crate is pure too (no I/O, no
//! clock, no entropy: there is no unseeded constructor) and brings only `rand_xoshiro` and
//! `rand_core`, with no default features, so every crate may depend on it without weight.
#![forbid(unsafe_code)]

use rand_xoshiro::rand_core::{RngCore, SeedableRng};

/// The golden-ratio increment of SplitMix64, also used to spread a seed over numbered streams.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// A SplitMix64 generator: the same seed gives the same numbers, everywhere, forever.
#[derive(Debug, Clone)]
pub struct SplitMix64(rand_xoshiro::SplitMix64);

impl SplitMix64 {
    /// A generator whose state starts at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(rand_xoshiro::SplitMix64::seed_from_u64(seed))
    }

    /// The generator for stream number `index` of `seed` (`seed ^ index·γ`), so that numbered
    /// draws (a bootstrap replicate, a retry) each get their own sequence from one configured seed.
    pub fn stream(seed: u64, index: u64) -> Self {
        Self::new(seed ^ index.wrapping_mul(GOLDEN_GAMMA))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform number in `[0, 1)` from the top 53 bits (every value a multiple of 2⁻⁵³).
    pub fn unit(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)] // 53 bits fit an f64 exactly
        let bits = (self.next_u64() >> 11) as f64;
        bits * (1.0 / (1u64 << 53) as f64)
    }

    /// A number in `[0, n)` as ⌊x·n / 2⁶⁴⌋ (Lemire's multiply-shift without rejection: one draw
    /// per number, a bias below n / 2⁶⁴). `0` when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        let wide = (u128::from(self.next_u64()) * u128::from(n)) >> 64;
        u64::try_from(wide).unwrap_or(0)
    }

    /// An index into a slice of `len` items, by [`below`](Self::below). `0` when `len` is 0.
    pub fn index(&mut self, len: usize) -> usize {
        let n = u64::try_from(len).unwrap_or(u64::MAX);
        usize::try_from(self.below(n)).unwrap_or(0)
    }

    /// An index into a slice of `len` items (`len > 0`) with no bias at all: draws at or above the
    /// largest multiple of `len` are rejected, then the remainder is taken. Its sequence differs
    /// from [`index`](Self::index)'s; each caller keeps the one its golden outputs were made with.
    ///
    /// # Panics
    /// When `len` is 0 (there is no index to give).
    pub fn index_unbiased(&mut self, len: usize) -> usize {
        let n = u64::try_from(len).unwrap_or(u64::MAX);
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next_u64();
            if v < zone {
                return usize::try_from(v % n).unwrap_or(0);
            }
        }
    }
}

/// SplitMix64 as a hash of one word: the first output of the generator seeded with `x`. For
/// numbers keyed by their coordinates (a day and a channel) rather than drawn in sequence.
pub fn mix(x: u64) -> u64 {
    SplitMix64::new(x).next_u64()
}

#[cfg(test)]
mod tests {
    //! The expected values were taken from the generators this crate replaced (four hand-written
    //! copies in finance, optimize, attribution and the demo), so the goldens built on them hold.
    use super::*;

    #[test]
    fn the_stream_is_the_reference_splitmix64() {
        // Vigna's splitmix64.c seeded with 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
        let mut rng = SplitMix64::new(7);
        let first: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                0x63CB_E1E4_5932_0DD7,
                0x044C_3CD7_F43C_661C,
                0xE698_4080_BAB1_2A02,
                0x953A_EB70_673E_29CB
            ]
        );
    }

    #[test]
    fn units_are_the_top_53_bits() {
        let mut rng = SplitMix64::new(42);
        let bits: Vec<u64> = (0..4).map(|_| rng.unit().to_bits()).collect();
        assert_eq!(
            bits,
            [
                0x3FE7_BAE6_44C5_FD6D,
                0x3FC4_77F1_99D9_3378,
                0x3FD1_D499_D5C4_C3E6,
                0x3FD6_0738_7FC3_92B8
            ]
        );
    }

    #[test]
    fn the_two_index_draws_keep_their_sequences() {
        let mut rng = SplitMix64::new(7);
        let shifted: Vec<u64> = (0..8).map(|_| rng.below(1000)).collect();
        assert_eq!(shifted, [389, 16, 900, 582, 452, 249, 467, 328]);
        let mut rng = SplitMix64::new(7);
        let indexed: Vec<usize> = (0..8).map(|_| rng.index(1000)).collect();
        assert_eq!(indexed, [389, 16, 900, 582, 452, 249, 467, 328]);
        let mut rng = SplitMix64::new(7);
        let unbiased: Vec<usize> = (0..8).map(|_| rng.index_unbiased(1000)).collect();
        assert_eq!(unbiased, [487, 804, 346, 203, 674, 305, 798, 182]);
        assert_eq!(SplitMix64::new(3).below(0), 0);
        assert_eq!(SplitMix64::new(3).index(0), 0);
    }

    #[test]
    fn draws_stay_below_n_and_cover_it() {
        let mut rng = SplitMix64::new(7);
        let mut seen = [0u32; 5];
        for _ in 0..1_000 {
            let i = rng.index(5);
            assert!(i < 5);
            seen[i] += 1;
        }
        assert!(seen.iter().all(|&c| c > 150), "{seen:?}");
    }

    #[test]
    fn mix_is_the_first_output_and_streams_spread_the_seed() {
        assert_eq!(mix(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(mix(12345), 0x2211_8258_A9D1_11A0);
        let mut stream = SplitMix64::stream(5, 3);
        assert_eq!(stream.next_u64(), mix(5 ^ 3u64.wrapping_mul(GOLDEN_GAMMA)));
        assert_eq!(SplitMix64::stream(5, 0).next_u64(), mix(5));
    }
}
