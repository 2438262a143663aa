//! Seeded random streams. Every random number in disco comes from here: a script-global stream
//! set by `seed(n)` (default seed 0, so an unseeded script is reproducible too), and independent
//! per-realization streams derived from a seed and an index, so parallel ensembles give the same
//! numbers whatever the thread count.

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::cell::RefCell;

thread_local! {
    static GLOBAL: RefCell<StdRng> = RefCell::new(StdRng::seed_from_u64(0));
}

/// Reset the script-global stream (`seed(n)` in scripts).
pub fn set_global_seed(seed: u64) {
    GLOBAL.with(|g| *g.borrow_mut() = StdRng::seed_from_u64(seed));
}

/// Draw the next seed from the script-global stream: functions called without an explicit seed
/// use it, so a sequence of calls after `seed(n)` is reproducible.
pub fn next_seed() -> u64 {
    GLOBAL.with(|g| g.borrow_mut().next_u64())
}

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

/// A generator from a seed.
pub fn from_seed(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}
