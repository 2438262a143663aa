//! Tight-binding physics against known answers: analytic dispersions of clean lattices, the
//! open chain, seed 000 invariants, the 3D Anderson level statistics and its transition.

mod common;

use common::{eval, eval_err as e, num as f};
use disco::lattice::Lattice;
use disco::linalg::{eigh_dense, eigs_near, residuals};
use disco::tightbinding::{build, Hopping, Operator};
use rhai::Map;
use std::f64::consts::PI;

fn clean_spectrum(kind: &str, cells: &[usize], t: f64) -> Vec<f64> {
    let lat = Lattice::new(kind, cells, &vec![true; cells.len()], 1.0).unwrap();
    let h = build(
        &lat,
        &vec![0.0; lat.len()],
        &Hopping::Shells { t1: t, t2: 0.0 },
        Some(true),
    )
    .unwrap();
    let Operator::Dense(m) = h else { panic!() };
    eigh_dense(&m).unwrap().values
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

fn assert_same(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < tol, "{what}: {x} vs {y}");
    }
}

#[test]
fn square_and_cubic_spectra_equal_the_dispersion() {
    let l = 8;
    let t = -1.0;
    let mut exact = vec![];
    for a in 0..l {
        for b in 0..l {
            let (kx, ky) = (
                2.0 * PI * a as f64 / l as f64,
                2.0 * PI * b as f64 / l as f64,
            );
            exact.push(2.0 * t * (kx.cos() + ky.cos()));
        }
    }
    assert_same(
        &clean_spectrum("square", &[l, l], t),
        &sorted(exact),
        1e-10,
        "square",
    );
    let m = 5;
    let mut exact = vec![];
    for a in 0..m {
        for b in 0..m {
            for c in 0..m {
                let k = |n: usize| 2.0 * PI * n as f64 / m as f64;
                exact.push(2.0 * (k(a).cos() + k(b).cos() + k(c).cos()));
            }
        }
    }
    assert_same(
        &clean_spectrum("cubic", &[m, m, m], 1.0),
        &sorted(exact),
        1e-10,
        "cubic",
    );
}

#[test]
fn triangular_and_honeycomb_spectra_with_dirac_points() {
    let l = 6;
    let (mut tri, mut honey) = (vec![], vec![]);
    for a in 0..l {
        for b in 0..l {
            // k·a1 = 2πa/L, k·a2 = 2πb/L on the L×L periodic supercell
            let (p, q) = (
                2.0 * PI * a as f64 / l as f64,
                2.0 * PI * b as f64 / l as f64,
            );
            tri.push(2.0 * (p.cos() + q.cos() + (p - q).cos()));
            // honeycomb: E = ±|1 + e^{-ik·a1} + e^{-ik·a2}|
            let re = 1.0 + p.cos() + q.cos();
            let im = p.sin() + q.sin();
            let f = (re * re + im * im).sqrt();
            honey.push(f);
            honey.push(-f);
        }
    }
    assert_same(
        &clean_spectrum("triangular", &[l, l], 1.0),
        &sorted(tri),
        1e-10,
        "triangular",
    );
    let h = clean_spectrum("honeycomb", &[l, l], 1.0);
    assert_same(&h, &sorted(honey), 1e-10, "honeycomb");
    // L divisible by 3 puts the K and K' Dirac points on the k grid: four zero modes.
    assert_eq!(h.iter().filter(|e| e.abs() < 1e-10).count(), 4);
}

#[test]
fn open_chain_matches_standing_waves() {
    let n = 12;
    let lat = Lattice::new("chain", &[n], &[false], 1.0).unwrap();
    let h = build(
        &lat,
        &vec![0.0; n],
        &Hopping::Shells { t1: 1.0, t2: 0.0 },
        Some(true),
    )
    .unwrap();
    let Operator::Dense(m) = h else { panic!() };
    let s = eigh_dense(&m).unwrap();
    let exact: Vec<f64> = sorted(
        (1..=n)
            .map(|k| 2.0 * (k as f64 * PI / (n + 1) as f64).cos())
            .collect(),
    );
    assert_same(&s.values, &exact, 1e-12, "chain");
    // lowest state: ψ(j) = √(2/(N+1)) sin(N j π/(N+1)), j = 1..N (E = 2cos(Nπ/(N+1)) < 0)
    let norm = (2.0 / (n + 1) as f64).sqrt();
    let overlap: f64 = (0..n)
        .map(|j| norm * ((n * (j + 1)) as f64 * PI / (n + 1) as f64).sin() * s.vectors[(j, 0)])
        .sum();
    assert!((overlap.abs() - 1.0).abs() < 1e-10, "overlap {overlap}");
}

#[test]
fn seed000_invariants() {
    let m: Map = eval(
        r#"
        let lat = displace(lattice("square", [16, 16]), #{kind: "yu2020", rho_max: 0.6, sigma_max: 0.6, seed: 11});
        let H = hamiltonian(lat, #{hopping: #{kind: "exp"}, onsite: 1.0});
        let w = mode_area(eigh(H));
        // t0 and ε do not change eigenvectors: scale t0 by 7 and change ε.
        let H2 = hamiltonian(lat, #{hopping: #{kind: "exp", t0: 7 * 3.14e-2}, onsite: -3.0});
        let w2 = mode_area(eigh(H2));
        // t(d = 1) on the clean lattice
        let H0 = to_dense(hamiltonian(lattice("square", [16, 16]), #{hopping: #{kind: "exp"}}));
        let data = localization_dataset(64, #{seed: 5});
        let d = data.displacements;
        let dx = d.slice(1, 0, 1, 1).flatten();
        let dy = d.slice(1, 1, 2, 1).flatten();
        let dr = sqrt(dx * dx + dy * dy);
        #{ wmin: w.min(), wmax: w.max(), diff: (w - w2).abs().max(), t1: H0[[0, 1]],
           drmax: dr.max(), n: lat.n, wavg_min: data.w_avg.min(), wavg_max: data.w_avg.max(),
           shape: data.mode_areas.shape.len() }
        "#,
    )
    .cast();
    let n = m["n"].as_int().unwrap() as f64;
    assert_eq!(n, 256.0);
    assert!(f(&m, "wmin") >= 1.0 / n - 1e-12 && f(&m, "wmax") <= 1.0 + 1e-12);
    assert!(
        f(&m, "diff") < 1e-8,
        "mode areas changed with t0/ε: {}",
        f(&m, "diff")
    );
    assert!(
        (f(&m, "t1") - 9.988e-3).abs() < 5e-7,
        "t(1) = {}",
        f(&m, "t1")
    );
    assert!(f(&m, "drmax") <= 0.6 + 0.6 * 2f64.sqrt() + 1e-12);
    assert!(f(&m, "wavg_min") > 1.0 / n && f(&m, "wavg_max") < 1.0);
}

#[test]
fn eigs_near_agrees_with_eigh_and_has_tiny_residuals() {
    let lat = Lattice::new("cubic", &[6, 6, 6], &[true, true, true], 1.0).unwrap();
    let mut r = disco::rng::from_seed(3);
    let eps = disco::lattice::onsite_energies(lat.len(), 12.0, false, &mut r);
    let h = build(
        &lat,
        &eps,
        &Hopping::Shells { t1: 1.0, t2: 0.0 },
        Some(false),
    )
    .unwrap();
    for (sigma, k) in [(0.0, 1), (0.0, 10), (2.5, 4)] {
        let near = eigs_near(&h, sigma, k, 1e-10, 1).unwrap();
        let all = eigh_dense(&h.to_dense()).unwrap().values;
        let mut by_dist = all.clone();
        by_dist.sort_by(|a, b| (a - sigma).abs().total_cmp(&(b - sigma).abs()));
        assert_same(&near.values, &by_dist[..k], 1e-9, "eigs_near vs eigh");
        assert!(residuals(&h, &near).iter().all(|&x| x < 1e-9));
    }
}

#[test]
fn anderson_level_statistics_and_transition() {
    let m: Map = eval(
        r#"
        let lo = anderson_level_ratio(10, 5, #{realizations: 8, seed: 1});
        let hi = anderson_level_ratio(10, 30, #{realizations: 8, seed: 2});
        let vhi = anderson_level_ratio(10, 100, #{realizations: 40, seed: 2, fraction: 0.5});
        let c = lattice("cubic", [12, 12, 12], #{periodic: true});
        let H = hamiltonian(c, #{hopping: 1, onsite: onsite_disorder(c, 16.5, #{seed: 3})});
        let s = eigs_near(H, 0, 1);
        // ⟨r⟩(W) for two sizes; the difference changes sign at W_c.
        let ws = [13.0, 15.0, 17.0, 19.0, 21.0];
        let diff = [];
        for W in ws {
            let a = anderson_level_ratio(6, W, #{realizations: 300, seed: 4, fraction: 0.3});
            let b = anderson_level_ratio(10, W, #{realizations: 40, seed: 5, fraction: 0.3});
            diff.push(b.r - a.r);
        }
        let wc = -1.0;
        for i in 0..4 {
            if diff[i] >= 0 && diff[i + 1] < 0 {
                wc = ws[i] + (ws[i + 1] - ws[i]) * diff[i] / (diff[i] - diff[i + 1]);
            }
        }
        #{ r_lo: lo.r, r_hi: hi.r, r_vhi: vhi.r, res: residuals(H, s).max(), wc: wc }
        "#,
    )
    .cast();
    assert!(
        (f(&m, "r_lo") - 0.53).abs() < 0.015,
        "GOE ⟨r⟩ = {}",
        f(&m, "r_lo")
    );
    // At W = 30, M = 10 the measured ⟨r⟩ is 0.42 (residual repulsion in a small sample); the
    // Poisson value 2 ln 2 − 1 = 0.3863 is reached at stronger disorder.
    assert!(
        (0.39..0.44).contains(&f(&m, "r_hi")),
        "⟨r⟩(W=30) = {}",
        f(&m, "r_hi")
    );
    assert!(
        (f(&m, "r_vhi") - 0.3863).abs() < 0.012,
        "Poisson ⟨r⟩ = {}",
        f(&m, "r_vhi")
    );
    assert!(f(&m, "res") < 1e-9);
    let wc = f(&m, "wc");
    assert!((15.0..=18.5).contains(&wc), "crossing W_c = {wc}");
}

#[test]
fn dataset_is_identical_whatever_the_thread_count() {
    let run = |threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_disco"))
            .env("RAYON_NUM_THREADS", threads)
            .args(["eval", "let d = localization_dataset(24, #{seed: 9, L: 8}); to_json([d.mode_areas, d.displacements])"])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn bad_input_errors() {
    assert!(e("lattice(\"hexagon\", [3, 3])").contains("unknown lattice kind 'hexagon'"));
    assert!(e("lattice(\"square\", [3])").contains("needs 2 dimensions"));
    assert!(e("eigh(ndarray([[1, 2], [3, 4]]))").contains("not symmetric"));
    // the first asymmetric pair in row order, across the tiles of the check
    let two = e(
        "let rows = []; for i in 0..130 { let r = []; for j in 0..130 { \
                 r.push(if (i == 100 && j == 3) || (i == 70 && j == 65) { 1.0 } else { 0.0 }); } \
                 rows.push(r); } eigh(ndarray(rows))",
    );
    assert!(two.contains("at (70, 65): 1 vs 0"), "{two}");
    assert!(e("eigh(ndarray([1, 2, 3]))").contains("not square"));
    let big = e("hamiltonian(lattice(\"square\", [600, 600]), #{hopping: #{kind: \"exp\"}})");
    assert!(big.contains("dense") && big.contains("would need"), "{big}");
    assert!(
        e("hamiltonian(lattice(\"square\", [3, 3]), #{hoping: 1})").contains("valid options are")
    );
}

#[test]
fn eigensolvers_scale_extreme_matrices_and_refuse_what_overflows() {
    // 10³⁰⁰·J (J all ones, 40×40): eigenvalues 40·10³⁰⁰ once and 0 39 times, no NaN
    let m: Map = eval(
        r#"let v = eigvalsh(ones([40, 40]) * 1e300);
           let s = eigh(ones([30, 30]) * 1e-300);
           #{top: v.max(), rest: v.abs().sum() - v.max(), nan: v.sum(),
             stop: s.values.max(), vn: s.vectors.sum()}"#,
    )
    .cast();
    assert!(
        (f(&m, "top") / 4e301 - 1.0).abs() < 1e-12,
        "{}",
        f(&m, "top")
    );
    assert!(f(&m, "rest") < 1e-11 * 4e301);
    assert!(f(&m, "nan").is_finite());
    assert!(
        (f(&m, "stop") / 3e-299 - 1.0).abs() < 1e-12,
        "{}",
        f(&m, "stop")
    );
    assert!(f(&m, "vn").is_finite());
    // 400·10³⁰⁸ is beyond f64: an error, not [1e308, nan, …]
    let msg = e("eigvalsh(ones([400, 400]) * 1e308)");
    assert!(
        msg.contains("eigvalsh") && msg.contains("beyond the range"),
        "{msg}"
    );
    let msg = e("eigh(ones([3, 3]) / 0.0)");
    assert!(msg.contains("eigh") && msg.contains("not finite"), "{msg}");
}

#[test]
fn per_mode_measures_are_all_in_energy_order() {
    // mode_area used to come sorted by value while ipr came in energy order
    let m: Map = eval(
        r#"let lat = displace(lattice("square", [8, 8]), #{kind: "yu2020", rho_max: 0.6, sigma_max: 0.6, seed: 3});
           let s = eigh(hamiltonian(lat, #{hopping: #{kind: "exp"}, onsite: 1.0}));
           let w = mode_area(s);
           let n = lat.n;
           #{d: (w - 1.0 / (n * ipr(s))).abs().max(),
             sorted: (mode_area(s, #{order: "ascending"}) - w.sort()).abs().max(),
             unsorted: (w - w.sort()).abs().max()}"#,
    )
    .cast();
    // w_m = 1/(N·IPR_m) mode by mode
    assert!(f(&m, "d") < 1e-12, "{}", f(&m, "d"));
    assert!(
        f(&m, "unsorted") > 0.0,
        "the energy order is not the sorted order here"
    );
    assert_eq!(f(&m, "sorted"), 0.0);
}
