//! The one SIMD dispatch: which instruction set the hand-vectorised kernels (the lane-parallel
//! inverse iteration, the symmetric rank-2 reduction's mat-vec, the pattern dot products) may
//! use on this CPU, detected once per process. Each kernel has a portable build of the same
//! loop; the vector builds are the same code compiled with the features enabled.
//!
//! `DISCO_SIMD=portable` in the environment forces the portable builds (to compare results or
//! to profile them); any other value, or none, uses what the CPU has.

use std::sync::OnceLock;

/// What the vector kernels may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Plain Rust loops (any CPU; what the compiler auto-vectorises for the baseline target).
    Portable,
    /// AVX2 without FMA (kernels whose rounding must not change with fused multiply-adds).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

fn detect() -> Level {
    if std::env::var("DISCO_SIMD").is_ok_and(|v| v.eq_ignore_ascii_case("portable")) {
        return Level::Portable;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            return if std::arch::is_x86_feature_detected!("fma") {
                Level::Avx2Fma
            } else {
                Level::Avx2
            };
        }
    }
    Level::Portable
}

/// The level of this process (detected on first use).
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(detect)
}

/// Whether kernels compiled with `target_feature(enable = "avx2")` may run.
#[inline]
pub fn avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        matches!(level(), Level::Avx2 | Level::Avx2Fma)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether kernels compiled with `target_feature(enable = "avx2,fma")` may run.
#[inline]
pub fn avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        level() == Level::Avx2Fma
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_level_is_consistent_with_the_cpu() {
        // a level that claims a feature the CPU lacks would run an illegal instruction
        #[cfg(target_arch = "x86_64")]
        {
            if super::avx2() {
                assert!(std::arch::is_x86_feature_detected!("avx2"));
            }
            if super::avx2_fma() {
                assert!(std::arch::is_x86_feature_detected!("fma"));
            }
        }
        assert_eq!(super::level(), super::level());
    }
}
