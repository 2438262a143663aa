//! `eigs_near` on clean lattices with known degeneracies, against the exact dispersion: every
//! level near E comes with its multiplicity, a shift exactly on an eigenvalue works, a shift far
//! outside the spectrum gives the band edge, and every residual meets tol. The iterative route
//! (block Lanczos) is forced with `dense_below: 0` so that small lattices exercise it.

mod common;

use common::eval_map;
use disco::lattice::Lattice;
use disco::linalg::{eigh_dense, eigs_near_with, residuals, EigsNearParams};
use disco::tightbinding::{build, Hopping, Operator};
use std::f64::consts::PI;

const ITERATIVE: EigsNearParams = EigsNearParams {
    dense_below: 0,
    block: 4,
    max_passes: 40,
};

fn clean(kind: &str, cells: &[usize], periodic: bool) -> Operator {
    let lat = Lattice::new(kind, cells, &vec![periodic; cells.len()], 1.0).unwrap();
    build(
        &lat,
        &vec![0.0; lat.len()],
        &Hopping::Shells { t1: -1.0, t2: 0.0 },
        Some(false),
    )
    .unwrap()
}

/// The k values of `levels` nearest σ, in that order.
fn nearest(levels: &[f64], sigma: f64, k: usize) -> Vec<f64> {
    let mut v = levels.to_vec();
    v.sort_by(|a, b| (a - sigma).abs().total_cmp(&(b - sigma).abs()));
    v.truncate(k);
    v
}

/// eigs_near's pairs: the expected values (as multisets, sorted), orthonormal vectors and
/// residuals within tol.
fn check(h: &Operator, levels: &[f64], sigma: f64, k: usize, params: EigsNearParams, what: &str) {
    let want = &nearest(levels, sigma, k);
    let tol = 1e-10;
    let s = eigs_near_with(h, sigma, k, tol, 7, params).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(s.values.len(), k, "{what}");
    // the same distances to σ (levels tied in distance may be either), each a true level
    let dist = |v: &[f64]| {
        let mut d: Vec<f64> = v.iter().map(|x| (x - sigma).abs()).collect();
        d.sort_by(f64::total_cmp);
        d
    };
    for (g, w) in dist(&s.values).iter().zip(&dist(want)) {
        assert!(
            (g - w).abs() < 1e-9,
            "{what}: got {:?}\nwant {want:?}",
            s.values
        );
    }
    for g in &s.values {
        assert!(
            levels.iter().any(|l| (l - g).abs() < 1e-9),
            "{what}: {g} is no level"
        );
    }
    // sorted by distance to σ
    for w in s.values.windows(2) {
        assert!(
            (w[0] - sigma).abs() <= (w[1] - sigma).abs() + 1e-12,
            "{what}: order"
        );
    }
    let gram = s.vectors.transpose() * &s.vectors;
    for i in 0..k {
        for j in 0..k {
            let d = gram[(i, j)] - if i == j { 1.0 } else { 0.0 };
            assert!(d.abs() < 1e-10, "{what}: VᵀV − I = {d:e} at ({i}, {j})");
        }
    }
    for (r, e) in residuals(h, &s).iter().zip(&s.values) {
        assert!(
            *r <= tol * e.abs().max(1.0),
            "{what}: residual {r:e} at {e}"
        );
    }
}

/// Open L×L square lattice: E_ab = −2cos(πa/(L+1)) − 2cos(πb/(L+1)); E = 0 is L-fold (a + b = L+1).
fn open_square_levels(l: usize) -> Vec<f64> {
    let mut v = vec![];
    for a in 1..=l {
        for b in 1..=l {
            let ka = PI * a as f64 / (l + 1) as f64;
            let kb = PI * b as f64 / (l + 1) as f64;
            v.push(-2.0 * ka.cos() - 2.0 * kb.cos());
        }
    }
    v
}

#[test]
fn open_square_lattice_zero_modes_come_with_their_multiplicity() {
    let l = 20;
    let h = clean("square", &[l, l], false);
    let levels = open_square_levels(l);
    assert_eq!(levels.iter().filter(|e| e.abs() < 1e-12).count(), l);
    // every zero mode (σ near 0), then the zero modes plus the next shell
    check(&h, &levels, 0.001, l, ITERATIVE, "open square, k = L");
    check(
        &h,
        &levels,
        0.001,
        l + 6,
        ITERATIVE,
        "open square, k = L + 6",
    );
    // σ exactly on the 20-fold level: a singular shift
    check(&h, &levels, 0.0, l + 2, ITERATIVE, "open square at E = 0");
    // one and two blocks' worth, and a single vector, see the same multiplicities
    for block in [1, 2, 8] {
        let p = EigsNearParams { block, ..ITERATIVE };
        check(&h, &levels, 0.001, l + 1, p, &format!("block {block}"));
    }
}

#[test]
fn chains_periodic_and_open_at_and_off_their_levels() {
    // periodic chain of 400: −2cos(2πj/400), doubly degenerate but for j = 0 and 200
    let n = 400;
    let h = clean("chain", &[n], true);
    let levels: Vec<f64> = (0..n)
        .map(|j| -2.0 * (2.0 * PI * j as f64 / n as f64).cos())
        .collect();
    check(&h, &levels, 0.3, 7, ITERATIVE, "periodic chain");
    check(&h, &levels, 0.0, 6, ITERATIVE, "periodic chain at E = 0");
    // open chain of 401: E = 0 is a single level exactly (a singular shift)
    let n = 401;
    let h = clean("chain", &[n], false);
    let levels: Vec<f64> = (1..=n)
        .map(|j| -2.0 * (PI * j as f64 / (n + 1) as f64).cos())
        .collect();
    check(&h, &levels, 0.0, 1, ITERATIVE, "open chain, k = 1 at E = 0");
    check(&h, &levels, 0.0, 5, ITERATIVE, "open chain, k = 5 at E = 0");
}

#[test]
fn periodic_cubic_and_honeycomb_degenerate_levels() {
    // periodic 8³ cubic: E = 0 is 68-fold (and the shells beside it are degenerate too)
    let m = 8;
    let h = clean("cubic", &[m, m, m], true);
    let mut levels = vec![];
    for a in 0..m {
        for b in 0..m {
            for c in 0..m {
                let k = |x: usize| (2.0 * PI * x as f64 / m as f64).cos();
                levels.push(-2.0 * (k(a) + k(b) + k(c)));
            }
        }
    }
    assert_eq!(levels.iter().filter(|e| e.abs() < 1e-12).count(), 68);
    check(&h, &levels, 0.0, 68, ITERATIVE, "8³ cubic at E = 0");
    check(&h, &levels, 0.1, 80, ITERATIVE, "8³ cubic near E = 0");
    // honeycomb at its Dirac point, against the dense solver
    let h = clean("honeycomb", &[12, 12], true);
    let all = eigh_dense(&h.to_dense()).unwrap().values;
    assert!(all.iter().filter(|e| e.abs() < 1e-10).count() >= 2);
    check(&h, &all, 0.0, 10, ITERATIVE, "honeycomb at the Dirac point");
}

#[test]
fn a_shift_far_outside_the_spectrum_gives_the_band_edge() {
    let lat = Lattice::new("cubic", &[10, 10, 10], &[true; 3], 1.0).unwrap();
    let mut r = disco::rng::from_seed(2);
    let eps = disco::lattice::onsite_energies(lat.len(), 16.5, false, &mut r);
    let h = build(
        &lat,
        &eps,
        &Hopping::Shells { t1: -1.0, t2: 0.0 },
        Some(false),
    )
    .unwrap();
    let all = eigh_dense(&h.to_dense()).unwrap().values;
    for sigma in [1e10, -1e10, 50.0] {
        let p = EigsNearParams::default();
        check(&h, &all, sigma, 2, p, &format!("σ = {sigma}"));
    }
}

#[test]
fn the_users_commands_from_the_report() {
    let m = eval_map(
        r#"
        let sq = lattice("square", [10, 10]);
        let H = hamiltonian(sq, #{hopping: -1});
        let s = eigs_near(H, 0.001, 10);
        let small = hamiltonian(lattice("square", [4, 4]), #{hopping: -1});
        let z = eigs_near(small, 0.0, 3);
        let c = hamiltonian(lattice("cubic", [8, 8, 8], #{periodic: true}), #{hopping: -1});
        let f = eigs_near(c, 1e10, 2);
        #{zero: s.values.abs().max(), z: z.values.abs().max(), far: f.values.min(),
          rz: residuals(small, z).max(), rf: residuals(c, f).max()}
        "#,
    );
    let f = |k: &str| common::num(&m, k);
    assert!(
        f("zero") < 1e-10,
        "the ten zero modes: max |E| = {}",
        f("zero")
    );
    // open 4×4: E = 0 is 4-fold (a + b = 5), no NaN
    assert!(
        f("z") < 1e-10 && f("rz") < 1e-10,
        "4×4 at E = 0: {} {}",
        f("z"),
        f("rz")
    );
    // the top of the clean 8³ band is 6 (hopping −1), non-degenerate; the next level 4 + 2cos(π/4)
    assert!(
        (f("far") - (4.0 + 2.0 * (PI / 4.0).cos())).abs() < 1e-9,
        "far: {}",
        f("far")
    );
    assert!(f("rf") < 1e-9, "far residual {}", f("rf"));
}
