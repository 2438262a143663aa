//! Seeded random streams. Every random number in disco comes from a generator made here: from
//! a seed, or for realization `index` of an ensemble seeded with `seed` (independent streams, so
//! parallel ensembles give the same numbers whatever the thread count). The script's own stream
//! (`seed(n)`) belongs to its engine's session (`crate::session`).

use rand::{RngCore, SeedableRng};

/// The generator behind every seeded stream, named explicitly: rand documents its `StdRng` as
/// free to change between versions, which would silently change every seeded result. ChaCha12
/// is what `StdRng` was when the results so far were made, so the streams are the same bits
/// (pinned by a test on the first outputs).
pub type StdRng = rand_chacha::ChaCha12Rng;

/// SplitMix64 finaliser: decorrelates (seed, index) pairs.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for one realization `index` of an ensemble seeded with `seed`.
pub fn stream(seed: u64, index: u64) -> StdRng {
    StdRng::seed_from_u64(mix(seed ^ mix(index.wrapping_add(0x5EED))))
}

/// SplitMix64: a small, fast generator (passes BigCrush) for hot Monte-Carlo loops — one per
/// row, sample or sweep, seeded through `mix` so streams do not depend on the thread count.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The stream for (seed, index).
    pub fn stream(seed: u64, index: u64) -> Self {
        SplitMix64(mix(seed ^ mix(index.wrapping_add(0xF00D))))
    }
    /// Uniform in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl RngCore for SplitMix64 {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    #[inline]
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// A generator from a seed.
pub fn from_seed(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED_SEED_0: [u64; 3] = [
        13486662071293341567,
        14267822071968393595,
        476749353381333526,
    ];
    const PINNED_STREAM_7_3: u64 = 333157126934097322;

    #[test]
    fn the_generator_is_pinned_to_its_first_outputs() {
        // seed 0 and a realization stream: a dependency update that changed the generator
        // would change every seeded result, and this test with them
        let mut g = from_seed(0);
        let first: Vec<u64> = (0..3).map(|_| g.next_u64()).collect();
        assert_eq!(first, PINNED_SEED_0);
        let mut r = stream(7, 3);
        assert_eq!(r.next_u64(), PINNED_STREAM_7_3);
        // and it is what rand's StdRng gives today
        let mut std = rand::rngs::StdRng::seed_from_u64(0);
        assert_eq!(std.next_u64(), PINNED_SEED_0[0]);
    }
}
