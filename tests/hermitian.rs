//! Complex Hermitian operators against known answers: the Hofstadter spectrum at flux 1/3, Landau
//! levels of the square lattice at small flux, gauge invariance, the GUE level-spacing ratio, the
//! orthogonal → unitary crossover of the Anderson model in a field, and operators from triplets.

mod common;

use common::{eval, eval_err};

fn f(v: rhai::Dynamic) -> f64 {
    v.as_float().unwrap()
}

/// Flux 1/3 per plaquette on a 6×6 torus: Harper's three bands, whose outer edges are
/// ±(1 + √3) and inner ±√6 at the magnetic Brillouin zone's corners the torus samples.
#[test]
fn hofstadter_bands_at_flux_one_third() {
    let m = eval(
        r#"
        let lat = lattice("square", [6, 6], #{periodic: true});
        let H = hamiltonian(lat, #{flux: 1.0 / 3.0});
        let s = eigh(H);
        let e = s.values;
        #{top: e.max(), bottom: e.min(), inner: e[e.len() - 4], res: residuals(H, s).max(),
          complex: H.is_complex, real0: hamiltonian(lat).is_complex,
          zero: (eigvalsh(hamiltonian(lat, #{flux: 0.0})) - eigvalsh(hamiltonian(lat))).abs().max(),
          one: (eigvalsh(hamiltonian(lat, #{flux: 1.0})) - eigvalsh(hamiltonian(lat))).abs().max()}
        "#,
    )
    .cast::<rhai::Map>();
    let g = |k: &str| m[k].clone();
    assert!((f(g("top")) - (1.0 + 3f64.sqrt())).abs() < 1e-12);
    assert!((f(g("bottom")) + (1.0 + 3f64.sqrt())).abs() < 1e-12);
    assert!((f(g("inner")) - 6f64.sqrt()).abs() < 1e-12);
    assert!(f(g("res")) < 1e-12);
    assert!(g("complex").as_bool().unwrap() && !g("real0").as_bool().unwrap());
    // flux 0 and one whole flux quantum per plaquette are the field-free lattice
    assert!(f(g("zero")) < 1e-12 && f(g("one")) < 1e-12);
}

/// At flux φ = 1/50 the bottom of the band forms Landau levels E_n ≈ −4 + 4πφ(n + ½) (the band
/// bottom's effective mass, ħ²/2m = t a²), shifted down by lattice corrections of order
/// (2πφ)²/8 ≈ 0.002; in the bulk of an open 40×40 sample each level is degenerate to 1e-4 (the
/// edge states disperse between the levels). The Landau and the symmetric gauge give the same
/// spectrum on an open lattice.
#[test]
fn landau_levels_and_gauge_invariance() {
    let m = eval(
        r#"
        let lat = lattice("square", [40, 40]);
        let e = eigvalsh(hamiltonian(lat, #{flux: 0.02, gauge: "symmetric"}));
        let el = eigvalsh(hamiltonian(lat, #{flux: 0.02}));
        let e0 = -4.0 + 4.0 * PI() * 0.02 * 0.5;
        let e1 = -4.0 + 4.0 * PI() * 0.02 * 1.5;
        #{gauge: (e - el).abs().max(), lowest: e[0], e0: e0, e1: e1,
          n0: between(e, e[0] - 1e-4, e[0] + 1e-4).sum(),
          n1: between(e, e1 - 0.015, e1).sum()}
        "#,
    )
    .cast::<rhai::Map>();
    let g = |k: &str| f(m[k].clone());
    assert!(g("gauge") < 1e-10, "gauge dependence {}", g("gauge"));
    assert!(
        g("lowest") < g("e0") && g("e0") - g("lowest") < 0.005,
        "{} vs {}",
        g("lowest"),
        g("e0")
    );
    assert!(g("n0") >= 8.0, "n0 = {}", g("n0"));
    assert!(g("n1") >= 8.0, "n1 = {}", g("n1"));
}

/// ⟨r̃⟩ of random Hermitian matrices: 0.5996 for the GUE (complex), 0.5307 for the GOE (real).
#[test]
fn gue_level_spacing_ratio() {
    let m = eval(
        r#"
        let gue = []; let goe = [];
        for k in 0..12 {
            let a = complex(normal([300, 300], 0.0, 1.0, 2 * k), normal([300, 300], 0.0, 1.0, 2 * k + 1));
            gue.push(level_spacing_ratio(eigvalsh((a + a.H) / 2.0), #{fraction: 0.5}));
            let b = normal([300, 300], 0.0, 1.0, 100 + k);
            goe.push(level_spacing_ratio(eigvalsh((b + b.T) / 2.0), #{fraction: 0.5}));
        }
        #{gue: ndarray(gue).mean(), goe: ndarray(goe).mean()}
        "#,
    )
    .cast::<rhai::Map>();
    let (gue, goe) = (f(m["gue"].clone()), f(m["goe"].clone()));
    assert!((gue - 0.5996).abs() < 0.012, "GUE ⟨r⟩ = {gue}");
    assert!((goe - 0.5307).abs() < 0.012, "GOE ⟨r⟩ = {goe}");
}

/// The 3D Anderson model at weak disorder is a metal: GOE statistics without a field, GUE with
/// one (time reversal broken).
#[test]
fn anderson_model_in_a_field_turns_unitary() {
    let m = eval(
        r#"
        let lat = lattice("cubic", [8, 8, 8], #{periodic: true});
        let r0 = []; let r1 = [];
        for k in 0..4 {
            let eps = onsite_disorder(lat, 5.0, #{seed: k});
            r0.push(level_spacing_ratio(eigvalsh(hamiltonian(lat, #{hopping: 1, onsite: eps})), #{fraction: 0.3}));
            r1.push(level_spacing_ratio(eigvalsh(hamiltonian(lat, #{hopping: 1, onsite: eps, flux: 0.25})), #{fraction: 0.3}));
        }
        #{goe: ndarray(r0).mean(), gue: ndarray(r1).mean()}
        "#,
    )
    .cast::<rhai::Map>();
    let (goe, gue) = (f(m["goe"].clone()), f(m["gue"].clone()));
    assert!((goe - 0.5307).abs() < 0.02, "no field: {goe}");
    assert!((gue - 0.5996).abs() < 0.02, "in a field: {gue}");
}

/// Hoppings as closures of the two sites: the Peierls phase written by hand gives the `flux`
/// option's spectrum; params reach the closure; on-site closures see positions.
#[test]
fn site_closures_params_and_triplets() {
    let m = eval(
        r#"
        let lat = lattice("square", [6, 6], #{periodic: true});
        let by_hand = hamiltonian(lat, #{
            hopping: |ri, rj, p| -1.0 * cis(2.0 * PI() * p.phi * 0.5 * (ri[0] + rj[0]) * (ri[1] - rj[1])),
            params: #{phi: 1.0 / 3.0}});
        let d1 = (eigvalsh(by_hand) - eigvalsh(hamiltonian(lat, #{flux: 1.0 / 3.0}))).abs().max();
        // a linear potential from an on-site closure: the diagonal is x
        let ramp = hamiltonian(lattice("chain", 5), #{onsite: |r| r[0], hopping: |ri, rj| 0.0});
        let diag = eigvalsh(ramp);
        // σ_y from triplets: eigenvalues ±1; a real operator from real triplets
        let sy = operator(2, [0, 1], [1, 0], complex(ndarray([0.0, 0.0]), ndarray([-1.0, 1.0])));
        let x = matvec(sy, complex(ndarray([1.0, 0.0]), ndarray([0.0, 0.0])));
        let real = operator(3, [0, 1], [1, 2], [1.0, 1.0], #{triangle: "upper"});
        #{d1: d1, diag: diag, sy: eigvalsh(sy), x1: x[1], real_complex: real.is_complex,
          real_eigs: eigvalsh(real), sum: eigvalsh(sy + sy).max(), scaled: eigvalsh(2.0 * real).max()}
        "#,
    )
    .cast::<rhai::Map>();
    assert!(f(m["d1"].clone()) < 1e-12);
    let diag = m["diag"].clone().cast::<disco::array::NdArray>().to_vec();
    assert_eq!(diag, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
    let sy = m["sy"].clone().cast::<disco::array::NdArray>().to_vec();
    assert!((sy[0] + 1.0).abs() < 1e-14 && (sy[1] - 1.0).abs() < 1e-14);
    let x1 = m["x1"].clone().cast::<faer::c64>();
    assert_eq!(x1, faer::c64::new(0.0, 1.0), "σ_y|↑⟩ = i|↓⟩");
    assert!(!m["real_complex"].as_bool().unwrap());
    let re = m["real_eigs"]
        .clone()
        .cast::<disco::array::NdArray>()
        .to_vec();
    assert!((re[2] - 2f64.sqrt()).abs() < 1e-12);
    assert!((f(m["sum"].clone()) - 2.0).abs() < 1e-12);
    assert!((f(m["scaled"].clone()) - 2.0 * 2f64.sqrt()).abs() < 1e-12);
}

#[test]
fn refusals_name_the_problem() {
    let torus = r#"let lat = lattice("square", [6, 6], #{periodic: true});"#;
    let e = eval_err(&format!("{torus} hamiltonian(lat, #{{flux: 0.1}})"));
    assert!(e.contains("commensurate"), "{e}");
    let e = eval_err(&format!(
        "{torus} hamiltonian(lat, #{{flux: 0.5, gauge: \"symmetric\"}})"
    ));
    assert!(e.contains("symmetric gauge"), "{e}");
    // the conductivity takes complex H; its orbitals must sit on the lattice it is given
    let e = eval_err(&format!(
        "{torus} kpm_conductivity(lattice(\"chain\", 7), hamiltonian(lat, #{{flux: 0.5}}))"
    ));
    assert!(e.contains("whole number of orbitals"), "{e}");
    let e = eval_err(&format!(
        "{torus} kpm_conductivity(lat, hamiltonian(lat, #{{flux: 0.5}}), #{{direction: \"xw\"}})"
    ));
    assert!(e.contains("direction") && e.contains("xy"), "{e}");
    let e = eval_err("operator(2, [0], [1], complex(ndarray([1.0]), ndarray([1.0])))");
    assert!(e.contains("not Hermitian"), "{e}");
    let e = eval_err(
        "eigh(complex(ndarray([[0.0, 1.0], [0.0, 0.0]]), ndarray([[0.0, 1.0], [1.0, 0.0]])))",
    );
    assert!(e.contains("not Hermitian"), "{e}");
    let e = eval_err(r#"hamiltonian(lattice("chain", 4), #{onsite: |r| complex(0, 1)})"#);
    assert!(e.contains("real on-site"), "{e}");
}

/// Spin ½ on the square lattice (orbitals: 2): without spin terms every level is doubled; a
/// Zeeman block splits them by ±h; the Rashba coupling iλ(σ × d)_z on each bond gives
/// E±(k) = −2(cos k_x + cos k_y) ± 2λ√(sin²k_x + sin²k_y) on the torus's momenta.
#[test]
fn spin_orbitals_zeeman_and_rashba() {
    let m = eval(
        r#"
        let L = 8;
        let lam = 0.3;
        let lat = lattice("square", [L, L], #{periodic: true});
        let scalar = eigvalsh(hamiltonian(lat));
        let doubled = eigvalsh(hamiltonian(lat, #{orbitals: 2}));
        let zeeman = eigvalsh(hamiltonian(lat, #{orbitals: 2, onsite: 0.5 * pauli(3)}));
        let H = hamiltonian(lat, #{orbitals: 2, hopping: |ri, rj| {
            let d = rj - ri;
            -1.0 * pauli(0) + complex(0, lam) * (pauli(1) * d[1] - pauli(2) * d[0])
        }});
        let e = eigvalsh(H);
        let exact = [];
        for a in 0..L {
            for b in 0..L {
                let kx = 2.0 * PI() * a / L;
                let ky = 2.0 * PI() * b / L;
                let band = -2.0 * (cos(kx) + cos(ky));
                let split = 2.0 * lam * sqrt(sin(kx) ** 2 + sin(ky) ** 2);
                exact.push(band - split);
                exact.push(band + split);
            }
        }
        let twice = concat([scalar, scalar]).sort();
        #{n: H.n, complex: H.is_complex, rashba: (e - ndarray(exact).sort()).abs().max(),
          doubled: (doubled - twice).abs().max(),
          zeeman: (zeeman - concat([scalar - 0.5, scalar + 0.5]).sort()).abs().max()}
        "#,
    )
    .cast::<rhai::Map>();
    assert_eq!(m["n"].as_int().unwrap(), 128);
    assert!(m["complex"].as_bool().unwrap());
    for k in ["rashba", "doubled", "zeeman"] {
        assert!(f(m[k].clone()) < 1e-12, "{k}: {}", f(m[k].clone()));
    }
    let e = eval_err(r#"hamiltonian(lattice("chain", 4), #{orbitals: 2, hopping: ones([3, 3])})"#);
    assert!(e.contains("2×2"), "{e}");
    let e = eval_err(
        r#"hamiltonian(lattice("chain", 4), #{orbitals: 2, onsite: pauli(2) + complex(0, 1) * pauli(0)})"#,
    );
    assert!(e.contains("complex diagonal"), "{e}");
}

/// eigs_near on a complex operator past the dense cut-off: the levels nearest E that the dense
/// solver finds, with the full multiplicity of a degenerate level (the Hofstadter torus's levels
/// are degenerate), and small residuals.
#[test]
fn eigs_near_on_a_complex_operator_matches_the_dense_levels() {
    let m = eval(
        r#"
        let lat = lattice("square", [24, 24], #{periodic: true});
        let H = hamiltonian(lat, #{flux: 0.25, onsite: onsite_disorder(lat, 0.5, #{seed: 3})});
        let all = eigvalsh(H);
        let s = eigs_near(H, 0.3, 6);
        let d = (all - 0.3).abs().sort();
        let got = (s.values - 0.3).abs().sort();
        #{n: H.n, k: s.len(), worst: residuals(H, s).max(), diff: (got - d.slice(0, s.len())).abs().max()}
        "#,
    )
    .cast::<rhai::Map>();
    assert_eq!(m["n"].as_int().unwrap(), 576);
    assert!(m["k"].as_int().unwrap() >= 6);
    assert!(f(m["worst"].clone()) < 1e-8, "{}", f(m["worst"].clone()));
    assert!(f(m["diff"].clone()) < 1e-9, "{}", f(m["diff"].clone()));
}
