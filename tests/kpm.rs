//! The kernel polynomial method against known answers: moments equal exact traces, the clean
//! square lattice's DOS (elliptic integral), normalisation, the 1/√(R·N) statistical error, and
//! the typical DOS of the 3D Anderson model falling to zero with disorder.

mod common;

use common::{eval, eval_err};
use disco::array::NdArray;
use rhai::Map;

fn arr(m: &Map, k: &str) -> Vec<f64> {
    m.get(k)
        .unwrap_or_else(|| panic!("no {k}"))
        .clone()
        .cast::<NdArray>()
        .view()
        .iter()
        .copied()
        .collect()
}

#[test]
fn moments_with_the_exact_trace_are_the_traces_of_t_n_over_the_eigenvalues() {
    // a disordered 7×7 square lattice: μ_n = (1/N) Σ_k T_n((E_k − b)/a), E_k from eigvalsh
    let m: Map = eval(
        r#"
        let lat = lattice("square", [7, 7]);
        let H = hamiltonian(lat, #{onsite: onsite_disorder(lat, 3.0, #{seed: 4}), hopping: -1});
        let d = kpm_dos(H, #{moments: 60, trace: "exact", bounds: [-6.0, 6.0]});
        #{mu: d.moments, levels: eigvalsh(H), bounds: d.bounds}
        "#,
    )
    .cast();
    let (mu, levels, bounds) = (arr(&m, "mu"), arr(&m, "levels"), arr(&m, "bounds"));
    let a = (bounds[1] - bounds[0]) / 2.0;
    let b = (bounds[1] + bounds[0]) / 2.0;
    assert!(
        (a - 12.0 / 1.99).abs() < 1e-12 && b.abs() < 1e-12,
        "{bounds:?}"
    );
    for (n, got) in mu.iter().enumerate() {
        let exact = levels
            .iter()
            .map(|e| (n as f64 * ((e - b) / a).acos()).cos())
            .sum::<f64>()
            / levels.len() as f64;
        assert!((got - exact).abs() < 1e-10, "μ_{n}: {got} vs {exact}");
    }
}

#[test]
fn the_clean_square_lattice_dos_matches_the_elliptic_integral() {
    // ρ(E) = K(√(1 − (E/4)²)) / (2π²) for hopping 1; at E = ±2, K(√3/2) = 2.15651564749964
    let m: Map = eval(
        r#"
        let lat = lattice("square", [300, 300], #{periodic: true});
        let H = hamiltonian(lat, #{hopping: -1});
        let d = kpm_dos(H, #{moments: 400, vectors: 4, seed: 1, energies: [-2.0, 2.0, 0.5]});
        let u = kpm_dos(H, #{moments: 400, vectors: 4, seed: 1, energies: linspace(-4.1, 4.1, 8201)});
        #{rho: d.rho, err: d.err, integral: u.rho.sum() * 0.001}
        "#,
    )
    .cast();
    let rho = arr(&m, "rho");
    let err = arr(&m, "err");
    let exact = 2.156_515_647_499_643_4 / (2.0 * std::f64::consts::PI.powi(2));
    for k in 0..2 {
        assert!(
            (rho[k] - exact).abs() < 0.003 + 4.0 * err[k],
            "ρ({}) = {} ± {} vs {exact}",
            if k == 0 { -2 } else { 2 },
            rho[k],
            err[k]
        );
    }
    // E = 0.5: k = √(1 − 1/64); K = 3.4413, ρ = 0.17434 (the log peak at 0 is smoothed, 0.5 is not)
    let k: f64 = (1.0f64 - 1.0 / 64.0).sqrt();
    let kk = elliptic_k(k);
    let exact = kk / (2.0 * std::f64::consts::PI.powi(2));
    assert!(
        (rho[2] - exact).abs() < 0.004 + 4.0 * err[2],
        "ρ(0.5) = {} vs {exact}",
        rho[2]
    );
    let integral = m["integral"].as_float().unwrap();
    assert!((integral - 1.0).abs() < 2e-3, "∫ρ = {integral}");
}

/// Complete elliptic integral of the first kind by the arithmetic–geometric mean.
fn elliptic_k(k: f64) -> f64 {
    let (mut a, mut g) = (1.0f64, (1.0 - k * k).sqrt());
    for _ in 0..40 {
        let (a2, g2) = ((a + g) / 2.0, (a * g).sqrt());
        a = a2;
        g = g2;
    }
    std::f64::consts::PI / (2.0 * a)
}

#[test]
fn the_statistical_error_falls_as_one_over_root_r_n() {
    let m: Map = eval(
        r#"
        let lat = lattice("square", [60, 60]);
        let H = hamiltonian(lat, #{onsite: onsite_disorder(lat, 2.0, #{seed: 1}), hopping: -1});
        let lat4 = lattice("square", [120, 120]);
        let H4 = hamiltonian(lat4, #{onsite: onsite_disorder(lat4, 2.0, #{seed: 1}), hopping: -1});
        let e = linspace(-3.0, 3.0, 61);
        let a = kpm_dos(H, #{moments: 128, vectors: 8, seed: 1, energies: e});
        let b = kpm_dos(H, #{moments: 128, vectors: 32, seed: 2, energies: e});
        let c = kpm_dos(H4, #{moments: 128, vectors: 8, seed: 3, energies: e});
        #{r8: a.err.mean(), r32: b.err.mean(), n4: c.err.mean()}
        "#,
    )
    .cast();
    let f = |k: &str| m[k].as_float().unwrap();
    // 4× the vectors or 4× the sites: half the error
    let by_r = f("r8") / f("r32");
    let by_n = f("r8") / f("n4");
    assert!((1.6..2.5).contains(&by_r), "R: {by_r}");
    assert!((1.6..2.5).contains(&by_n), "N: {by_n}");
}

#[test]
fn the_typical_dos_of_the_3d_anderson_model_falls_to_zero_with_disorder() {
    let m: Map = eval(
        r#"
        let lat = lattice("cubic", [16, 16, 16], #{periodic: true});
        let ratio = [];
        for W in [6.0, 16.5, 30.0] {
            let H = hamiltonian(lat, #{hopping: 1, onsite: onsite_disorder(lat, W, #{seed: 2})});
            let t = kpm_typical_dos(H, #{sites: 48, moments: 1024, energies: [0.0], seed: 1});
            ratio.push(t.rho_typ[0] / t.rho_avg[0]);
        }
        #{ratio: ndarray(ratio)}
        "#,
    )
    .cast();
    let r = arr(&m, "ratio");
    // extended: ρ_typ ≈ ρ_avg; localized: the geometric mean collapses
    assert!(r[0] > 0.5, "{r:?}");
    assert!(r[0] > r[1] && r[1] > r[2], "{r:?}");
    assert!(r[2] < 0.15, "{r:?}");
}

#[test]
fn ldos_sums_to_the_dos_and_bad_input_is_refused() {
    let m: Map = eval(
        r#"
        let lat = lattice("square", [6, 6]);
        let H = hamiltonian(lat, #{onsite: onsite_disorder(lat, 2.0, #{seed: 1}), hopping: -1});
        let e = linspace(-4, 4, 9);
        let l = kpm_ldos(H, arange(36), #{moments: 64, energies: e, bounds: [-5.0, 5.0]});
        let d = kpm_dos(H, #{moments: 64, trace: "exact", energies: e, bounds: [-5.0, 5.0]});
        #{diff: (l.rho.mean(0) - d.rho).abs().max(), shape: l.rho.shape}
        "#,
    )
    .cast();
    assert!(m["diff"].as_float().unwrap() < 1e-12);
    for (src, want) in [
        ("kpm_dos(eye(3), #{moments: 1})", "moments"),
        ("kpm_dos(ndarray([[0, 1], [1, 0]]), #{bounds: [1.0, 0.0]})", "lo < hi"),
        ("kpm_ldos(eye(3), [5], #{})", "site 5"),
        ("kpm_dos(eye(3), #{moment: 10})", "unknown option"),
        ("let H = hamiltonian(lattice(\"chain\", 50), #{hopping: -1}); kpm_dos(H, #{bounds: [-1.0, 1.0]})", "grow"),
    ] {
        let e = eval_err(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}

#[test]
fn greens_functions_match_the_broadened_exact_sum() {
    // G_ii(E + iη) = Σ_k |ψ_k(i)|² / (E − E_k + iη) from eigh, η the Lorentz kernel's width
    let m: Map = eval(
        r#"
        let lat = lattice("square", [6, 6]);
        let H = hamiltonian(lat, #{onsite: onsite_disorder(lat, 2.0, #{seed: 3}), hopping: -1});
        let e = linspace(-4.0, 4.0, 41);
        let g = kpm_greens(H, [7], #{moments: 400, energies: e, bounds: [-6.0, 6.0]});
        let s = eigh(H);
        let w = s.vectors.row(7) ** 2;
        #{E: e, re: g.re.row(0), im: g.im.row(0), eta: g.eta, levels: s.values, w: w}
        "#,
    )
    .cast();
    let (e, re, im) = (arr(&m, "E"), arr(&m, "re"), arr(&m, "im"));
    let (levels, w) = (arr(&m, "levels"), arr(&m, "w"));
    let eta = m["eta"].as_float().unwrap();
    let (a, b, phi): (f64, f64, f64) = (12.0 / 1.99, 0.0, 4.0 / 400.0);
    assert!((eta - 4.0 * a / 400.0).abs() < 1e-12, "η = {eta}");
    // the Lorentz kernel evaluates G at z = b + a·cos(θ − iλ/M), x = cos θ: a broadening
    // a·sin θ·sinh(λ/M) ≈ η√(1 − x²)
    let mut worst = 0.0f64;
    let mut scale = 0.0f64;
    for (k, &en) in e.iter().enumerate() {
        let th = ((en - b) / a).acos();
        let (zr, zi) = (b + a * th.cos() * phi.cosh(), a * th.sin() * phi.sinh());
        let (mut gr, mut gi) = (0.0, 0.0);
        for (l, wk) in levels.iter().zip(&w) {
            let d = zr - l;
            gr += wk * d / (d * d + zi * zi);
            gi -= wk * zi / (d * d + zi * zi);
        }
        worst = worst.max((gr - re[k]).abs()).max((gi - im[k]).abs());
        scale = scale.max(gr.abs()).max(gi.abs());
    }
    assert!(
        worst < 0.03 * scale,
        "largest difference {worst} against |G| up to {scale}"
    );
}

/// Jackson's kernel coefficients g_0 … g_{m−1} (Weiße et al. Eq. 71).
fn jackson(m: usize) -> Vec<f64> {
    let q = std::f64::consts::PI / (m as f64 + 1.0);
    (0..m)
        .map(|n| {
            let nf = n as f64;
            ((m as f64 - nf + 1.0) * (q * nf).cos() + (q * nf).sin() / q.tan()) / (m as f64 + 1.0)
        })
        .collect()
}

#[test]
fn clean_lattice_conductivity_is_the_broadened_drude_sum() {
    // A clean periodic L×L square lattice: v_x is diagonal in the Bloch basis (v_k = 2 sin k_x),
    // so Kubo–Greenwood with the damped δ_K is σ(E) = (π/Ω) Σ_k v_k² δ_K(E − ε_k)², Ω = L².
    let (l, m) = (16usize, 48usize);
    let (a, b) = (8.4 / 1.99, 0.0); // bounds [−4.2, 4.2] widened by 0.5 % on each side
    let energies = [-3.1, -1.7, -0.45, 0.3, 1.2, 2.6];
    let c = eval(&format!(
        "let lat = lattice(\"square\", [{l}, {l}], #{{periodic: true}});
         kpm_conductivity(lat, hamiltonian(lat), #{{moments: {m}, trace: \"exact\", bounds: [-4.2, 4.2],
                                                  energies: {energies:?}}})"
    ))
    .cast::<Map>();
    let got = arr(&c, "sigma");
    let g = jackson(m);
    let delta = |e: f64, eps: f64| {
        let (x, y) = ((e - b) / a, (eps - b) / a);
        let (mut tx, mut ty) = ((1.0, x), (1.0, y));
        let mut s = g[0];
        for gk in &g[1..] {
            s += 2.0 * gk * tx.1 * ty.1;
            tx = (tx.1, 2.0 * x * tx.1 - tx.0);
            ty = (ty.1, 2.0 * y * ty.1 - ty.0);
        }
        s / (std::f64::consts::PI * a * (1.0 - x * x).sqrt())
    };
    for (k, &e) in energies.iter().enumerate() {
        let mut s = 0.0;
        for nx in 0..l {
            for ny in 0..l {
                let (kx, ky) = (
                    2.0 * std::f64::consts::PI * nx as f64 / l as f64,
                    2.0 * std::f64::consts::PI * ny as f64 / l as f64,
                );
                let eps = -2.0 * (kx.cos() + ky.cos());
                let v = 2.0 * kx.sin();
                s += v * v * delta(e, eps).powi(2);
            }
        }
        let want = std::f64::consts::PI * s / (l * l) as f64;
        assert!(
            (got[k] - want).abs() < 1e-9 * want.max(1e-3),
            "σ({e}) = {} vs the Drude sum {want}",
            got[k]
        );
    }
}

#[test]
fn disorder_lowers_the_conductivity_and_random_vectors_agree_with_the_exact_trace() {
    let run = |w: f64, extra: &str| {
        let c = eval(&format!(
            "let lat = lattice(\"square\", [14, 14], #{{periodic: true}});
             let H = hamiltonian(lat, #{{onsite: onsite_disorder(lat, {w}, #{{seed: 3}})}});
             kpm_conductivity(lat, H, #{{moments: 64, energies: [-1.0, 0.0, 1.0], bounds: [-8.0, 8.0]{extra}}})"
        ))
        .cast::<Map>();
        (arr(&c, "sigma"), arr(&c, "err"))
    };
    let (exact, _) = run(3.0, ", trace: \"exact\"");
    let (est, err) = run(3.0, ", vectors: 40, seed: 9");
    for k in 0..3 {
        assert!(exact[k] > 0.0, "σ > 0 with the (positive) Jackson kernel");
        assert!(
            (est[k] - exact[k]).abs() < 5.0 * err[k] && err[k] < 0.2 * exact[k],
            "E index {k}: {} ± {} vs exact {}",
            est[k],
            err[k],
            exact[k]
        );
    }
    // σ(0) falls with disorder (diffusive: σ ∝ ρ D, D ∝ 1/W²)
    let s: Vec<f64> = [1.5, 4.0, 10.0]
        .iter()
        .map(|&w| run(w, ", trace: \"exact\"").0[1])
        .collect();
    assert!(s[0] > 2.0 * s[1] && s[1] > 2.0 * s[2], "σ(0) vs W: {s:?}");
    assert!(eval_err(
        "let lat = lattice(\"square\", [4, 4]); kpm_conductivity(lat, hamiltonian(lattice(\"square\", [5, 5])), #{})"
    )
    .contains("kpm_conductivity: the operator has 25 rows and the lattice 16 sites"));
    assert!(eval_err(
        "let lat = lattice(\"chain\", [8]); kpm_conductivity(lat, hamiltonian(lat), #{direction: \"y\"})"
    )
    .contains("direction 1 does not exist in 1 dimensions"));
}

#[test]
fn complex_hamiltonians_run_through_their_real_embedding() {
    // a disordered 6×6 lattice in a field (flux 1/6 per plaquette): exact-trace moments equal
    // (1/N) Σ T_n over the complex H's own levels, and site i's LDOS sums to the DOS
    let m: Map = eval(
        r#"
        let lat = lattice("square", [6, 6]);
        let H = hamiltonian(lat, #{flux: 1.0 / 6, onsite: onsite_disorder(lat, 2.0, #{seed: 4})});
        let d = kpm_dos(H, #{moments: 40, trace: "exact", bounds: [-7.0, 7.0]});
        let l = kpm_ldos(H, arange(36), #{moments: 40, bounds: [-7.0, 7.0], energies: [-1.0, 0.3]});
        let e = kpm_dos(H, #{moments: 40, trace: "exact", bounds: [-7.0, 7.0], energies: [-1.0, 0.3]});
        #{complex: H.is_complex, mu: d.moments, levels: eigvalsh(H), bounds: d.bounds,
          ldos_mean: l.rho.mean(0), dos: e.rho}
        "#,
    )
    .cast();
    assert!(m["complex"].as_bool().unwrap());
    let (mu, levels, bounds) = (arr(&m, "mu"), arr(&m, "levels"), arr(&m, "bounds"));
    assert_eq!(levels.len(), 36);
    let (a, b) = ((bounds[1] - bounds[0]) / 2.0, (bounds[1] + bounds[0]) / 2.0);
    for (n, got) in mu.iter().enumerate() {
        let exact = levels
            .iter()
            .map(|e| (n as f64 * ((e - b) / a).acos()).cos())
            .sum::<f64>()
            / 36.0;
        assert!((got - exact).abs() < 1e-10, "μ_{n}: {got} vs {exact}");
    }
    let (ldos, dos) = (arr(&m, "ldos_mean"), arr(&m, "dos"));
    for k in 0..2 {
        assert!((ldos[k] - dos[k]).abs() < 1e-10, "{ldos:?} vs {dos:?}");
    }
}
