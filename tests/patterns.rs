//! Point patterns, structure factors and evolving scattering networks (seed 002) against known
//! answers: S_1 = 1, S(k) = S(−k), Bragg peaks, Poisson ⟨S⟩ ≈ 1, the scales, the 149-point
//! crystal, the identity ⟨S⟩_K = 1 + mean degree, Eq. (8), SHU growth and the preference order.

use disco::array::NdArray;

mod common;
use common::{eval_err as e, eval_map as eval, num as f};

#[test]
fn scales_crystal_and_structure_factor_identities() {
    let m = eval(
        r#"
        let s = yu_scales(500, 1.0);
        let c = crystal_points("square", 1.0 / 7.0, #{radius: 1.0});
        let p = poisson_points(500, #{seed: 1});
        // away from k → 0, where the finite disk's form factor gives S(0) = N
        let k = k_points(4000, 0.2 * s.k_c, s.k_c, #{seed: 2});
        let S = structure_factor(p, k);
        let Sneg = structure_factor(p, k * -1.0);
        let one = structure_factor(p.slice(0, 1), k);
        // Bragg peak of the period-1/7 crystal at |k| = 2π·7 along x: S = N
        let bragg = structure_factor(c, ndarray([[2.0 * 3.141592653589793 * 7.0, 0.0]]))[0];
        let offpeak = structure_factor(c, ndarray([[2.0 * 3.141592653589793 * 3.5, 0.0]]))[0];
        let deg = node_degrees(p, k);
        #{ d_c: s.d_c, k_c: s.k_c, n_B1: s.n_B1, crystal: c.len(), poisson_S: S.mean(),
           sym: (S - Sneg).abs().max(), s1: (one - 1.0).abs().max(), bragg: bragg, offpeak: offpeak,
           identity: (S.mean() - 1.0 - deg.mean()) }
        "#,
    );
    assert!((f(&m, "d_c") - 0.0894).abs() < 1e-4 && (f(&m, "k_c") - 70.248).abs() < 1e-3);
    assert_eq!(f(&m, "n_B1"), 125.0);
    assert_eq!(f(&m, "crystal"), 149.0);
    assert!(
        (f(&m, "poisson_S") - 1.0).abs() < 0.05,
        "Poisson ⟨S⟩ = {}",
        f(&m, "poisson_S")
    );
    assert!(f(&m, "sym") < 1e-9 && f(&m, "s1") < 1e-12);
    assert!(
        (f(&m, "bragg") - 149.0).abs() < 1e-6,
        "Bragg peak S = N: {}",
        f(&m, "bragg")
    );
    assert!(f(&m, "offpeak") < 2.0);
    assert!(
        f(&m, "identity").abs() < 1e-12,
        "⟨S⟩ − 1 − mean degree = {}",
        f(&m, "identity")
    );
}

#[test]
fn exact_annulus_weights_match_monte_carlo() {
    let m = eval(
        r#"
        let p = poisson_points(40, #{seed: 5});
        let s = yu_scales(500, 1.0);
        let k = k_points(200000, 0.05 * s.k_c, 0.5 * s.k_c, #{seed: 6});
        let a = link_weights(p, k);
        let b = link_weights(p, 0.05 * s.k_c, 0.5 * s.k_c);
        #{ diff: (a - b).abs().max() }
        "#,
    );
    assert!(f(&m, "diff") < 0.01, "MC vs Bessel: {}", f(&m, "diff"));
}

#[test]
fn shu_growth_preference_order_and_eq8() {
    let m = eval(
        r#"
        let r = evolve(#{seed: 1});
        let h = r.degrees.histogram(30);
        // preference ordering of ⟨S_500⟩ in K_S over a small ensemble (paper: 100 realizations)
        let base = #{candidates: 4000, k_points: 6000, seed: 11};
        let ens = |alpha| {
            let o = base;
            o.stages = [#{process: "preferential", count: 500, alpha: alpha}];
            evolve_ensemble(4, o).final_short.mean()
        };
        #{ s_long: r.s_long[-1], eq8: r.eq8_error, peak: h.centers[h.counts.argmax()],
           a_neg: ens.call(-0.6), a0: ens.call(0.0), a_pos: ens.call(0.2), n: r.points.len() }
        "#,
    );
    assert_eq!(f(&m, "n"), 500.0);
    assert!(f(&m, "s_long") < 0.2, "⟨S_500⟩_KL = {}", f(&m, "s_long"));
    assert!(f(&m, "eq8") < 1e-10, "Eq. (8) error {}", f(&m, "eq8"));
    assert!(
        (f(&m, "peak") + 0.926).abs() < 0.1,
        "degree peak {}",
        f(&m, "peak")
    );
    let (neg, zero, pos) = (f(&m, "a_neg"), f(&m, "a0"), f(&m, "a_pos"));
    assert!(
        neg > zero && zero > pos,
        "⟨S⟩_KS: α=−0.6 {neg}, α=0 {zero}, α=+0.2 {pos}"
    );
}

#[test]
fn screening_poisson_then_shu_beats_shu_then_poisson() {
    let m = eval(
        r#"
        let o = #{candidates: 4000, k_points: 6000, seed: 3};
        o.stages = [#{process: "shu", count: 300}, #{process: "poisson", count: 200}];
        let a = evolve_ensemble(3, o).final_long.mean();
        o.stages = [#{process: "poisson", count: 200}, #{process: "shu", count: 300}];
        let b = evolve_ensemble(3, o).final_long.mean();
        #{ shu_first: a, poisson_first: b }
        "#,
    );
    assert!(f(&m, "poisson_first") < 0.5 * f(&m, "shu_first"), "{m:?}");
}

#[test]
fn bad_input() {
    assert!(e("structure_factor(ndarray([1, 2, 3]), ndarray([[1, 0]]))").contains("N×2"));
    assert!(e("evolve(#{n: 50, candidates: 10})").contains("candidates"));
    assert!(e("evolve(#{stages: [#{process: \"magic\"}]})").contains("must be one of"));
    let _ = NdArray::from_vec(vec![]);
}
