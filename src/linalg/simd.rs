//! The one SIMD dispatch. The hand-vectorised kernels (the lane-parallel inverse iteration, the
//! symmetric rank-2 reduction's mat-vec, the pattern dot products) are written once on `pulp`'s
//! vector types (`pulp::Simd`: registers `S::f64s`, operations `simd.mul_f64s(…)`) and run
//! through `Level::dispatch`, which compiles them for the instruction set the CPU has, detected
//! once per process. The portable build is the same code on pulp's scalar type.
//!
//! The vector level is x86-64-v3 (AVX2 and FMA, four doubles per register). AVX-512 (pulp's V4)
//! is not used: eight-wide accumulators would sum in another order and change the bits of every
//! seeded result on the machines that have it, for kernels that are memory-bound anyway.
//!
//! `DISCO_SIMD=portable` in the environment forces the portable builds (to compare results or
//! to profile them); any other value, or none, uses what the CPU has.

use std::sync::OnceLock;

/// What the vector kernels may use.
#[derive(Clone, Copy, Debug)]
pub enum Level {
    /// pulp's scalar build (any CPU; what the compiler auto-vectorises for the baseline target).
    Portable,
    /// AVX2 and FMA (x86-64-v3), with pulp's token proving the CPU has them.
    #[cfg(target_arch = "x86_64")]
    V3(pulp::x86::V3),
}

impl PartialEq for Level {
    fn eq(&self, other: &Self) -> bool {
        self.is_portable() == other.is_portable()
    }
}
impl Eq for Level {}

impl Level {
    /// Runs `op` compiled for this level (its `with_simd` and everything inlined into it).
    #[inline(always)]
    pub fn dispatch<Op: pulp::WithSimd>(self, op: Op) -> Op::Output {
        match self {
            Level::Portable => pulp::Simd::vectorize(pulp::Scalar::new(), op),
            #[cfg(target_arch = "x86_64")]
            Level::V3(simd) => pulp::Simd::vectorize(simd, op),
        }
    }
    /// Whether this is the portable build.
    pub fn is_portable(self) -> bool {
        matches!(self, Level::Portable)
    }
    /// The x86-64-v3 token, for the few kernels written with AVX2's own operations (an integer
    /// multiply-add pulp's generic types do not have).
    #[cfg(target_arch = "x86_64")]
    pub fn v3(self) -> Option<pulp::x86::V3> {
        match self {
            Level::V3(simd) => Some(simd),
            Level::Portable => None,
        }
    }
}

fn detect() -> Level {
    if std::env::var("DISCO_SIMD").is_ok_and(|v| v.eq_ignore_ascii_case("portable")) {
        return Level::Portable;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(simd) = pulp::x86::V3::try_new() {
            return Level::V3(simd);
        }
    }
    Level::Portable
}

/// The level of this process (detected on first use).
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(detect)
}

/// Runs `op` at the level of this process.
#[inline(always)]
pub fn dispatch<Op: pulp::WithSimd>(op: Op) -> Op::Output {
    level().dispatch(op)
}

/// a·b + c in one rounding where the level fuses (the vector build's `mul_add_e_f64s`), in two
/// where it does not (the portable build): the scalar tail of a loop whose body is vectorised,
/// rounded as the body is.
#[inline(always)]
pub fn mul_add_as<S: pulp::Simd>(simd: S, a: f64, b: f64, c: f64) -> f64 {
    let r = simd.mul_add_e_f64s(simd.splat_f64s(a), simd.splat_f64s(b), simd.splat_f64s(c));
    let mut out = [0.0];
    simd.partial_store_f64s(&mut out, r);
    out[0]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_level_is_consistent_with_the_cpu() {
        // a level that claims a feature the CPU lacks would run an illegal instruction
        #[cfg(target_arch = "x86_64")]
        {
            if !super::level().is_portable() {
                assert!(std::arch::is_x86_feature_detected!("avx2"));
                assert!(std::arch::is_x86_feature_detected!("fma"));
            }
        }
        assert_eq!(super::level(), super::level());
    }

    #[test]
    fn mul_add_fuses_only_in_the_vector_build() {
        // (1 + 2⁻³⁰)² − 1 − 2⁻²⁹ is 2⁻⁶⁰ exactly, lost when the product is rounded first
        let a = 1.0 + 2f64.powi(-30);
        let c = -(1.0 + 2f64.powi(-29));
        let portable = super::mul_add_as(pulp::Scalar::new(), a, a, c);
        assert_eq!(portable, 0.0);
        #[cfg(target_arch = "x86_64")]
        if let Some(v3) = super::level().v3() {
            struct Fused(f64, f64);
            impl pulp::WithSimd for Fused {
                type Output = f64;
                #[inline(always)]
                fn with_simd<S: pulp::Simd>(self, simd: S) -> f64 {
                    super::mul_add_as(simd, self.0, self.0, self.1)
                }
            }
            assert_eq!(super::Level::V3(v3).dispatch(Fused(a, c)), 2f64.powi(-60));
        }
    }
}
