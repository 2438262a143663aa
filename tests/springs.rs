//! Spring networks (seed 004) against exact answers: the triangular lattice's ν = 1/3 and moduli,
//! the Hessian's symmetry, positivity and zero modes, linear vs nonlinear response, the pebble
//! game, and prune_anneal reaching the paper's range.

mod common;
use common::{eval_err, eval_map, num};

#[test]
fn periodic_triangular_lattice_is_exact() {
    let m = eval_map(
        r#"let t = spring_network("triangular", #{nx: 10, ny: 12, periodic: true});
        let p = poisson_ratio(t); let c = elastic_tensor(t);
        #{nu: p.nu, nu_x: p.nu_x, nu_y: p.nu_y, b: p.bulk, g: p.shear, c11: c[0][0], c22: c[1][1], c12: c[0][1], c66: c[2][2], z: coordination(t)}"#,
    );
    let s3 = 3f64.sqrt();
    for (k, want) in [
        ("nu", 1.0 / 3.0),
        ("nu_x", 1.0 / 3.0),
        ("nu_y", 1.0 / 3.0),
        ("b", s3 / 2.0),         // B = √3 k / 2 (unit lattice constant)
        ("g", s3 / 4.0),         // G = μ = √3 k / 4
        ("c11", 3.0 * s3 / 4.0), // λ + 2μ
        ("c22", 3.0 * s3 / 4.0),
        ("c12", s3 / 4.0), // λ = μ for central-force triangular springs
        ("c66", s3),       // W = ½ C ε_xy² with C = 4μ
        ("z", 6.0),
    ] {
        assert!(
            (num(&m, k) - want).abs() < 1e-10,
            "{k}: {} vs {want}",
            num(&m, k)
        );
    }
}

#[test]
fn open_triangular_lattice_approaches_one_third() {
    let m = eval_map(
        r#"let small = poisson_ratio(spring_network("triangular", #{nx: 12, ny: 12}));
        let big = poisson_ratio(spring_network("triangular", #{nx: 40, ny: 40}));
        #{small_x: small.nu_x, small: small.nu, big: big.nu, big_b: big.bulk, big_g: big.shear}"#,
    );
    // stretching along the rows the affine deformation is an exact equilibrium (free straight
    // edges carry no stress at ν = 1/3); the zig-zag edges add an O(1/L) correction to ν_y
    assert!((num(&m, "small_x") - 1.0 / 3.0).abs() < 1e-10);
    let (es, eb) = (
        (num(&m, "small") - 1.0 / 3.0).abs(),
        (num(&m, "big") - 1.0 / 3.0).abs(),
    );
    assert!(eb < 0.005 && eb < es / 2.5, "{es} {eb}");
    assert!((num(&m, "big_b") / (3f64.sqrt() / 2.0) - 1.0).abs() < 0.05);
    assert!((num(&m, "big_g") / (3f64.sqrt() / 4.0) - 1.0).abs() < 0.05);
}

#[test]
fn hessian_is_symmetric_psd_with_three_zero_modes() {
    for kind in [
        r#""triangular", #{nx: 8, ny: 8, r: 0.3, seed: 1}"#,
        r#""delaunay", #{nx: 8, ny: 8, seed: 2}"#,
        r#""packing", #{n: 80, phi: 0.9, seed: 3}"#,
    ] {
        let m = eval_map(&format!(
            r#"let net = spring_network({kind}); let h = dynamical_matrix(net);
            let e = eigvalsh(h); let mp = mode_projection(net);
            #{{asym: (h - h.T).abs().max(), emin: e.min(), emax: e.max(),
              zero: (e.abs() < 1e-9 * e.max()).sum(), rowsum: h.sum(1).abs().max(),
              wsum: mp.weights.sum(), wx: mp.weights_x.sum(), zero_modes: mp.zero_modes,
              floppy: floppy_modes(net), top: mp.top[0], n2: 2 * n_nodes(net)}}"#
        ));
        assert_eq!(num(&m, "asym"), 0.0, "{kind}");
        assert!(num(&m, "emin") > -1e-10 * num(&m, "emax"), "{kind}: PSD");
        assert_eq!(num(&m, "zero"), 3.0, "{kind}: 2 translations + 1 rotation");
        assert_eq!(num(&m, "zero_modes"), 3.0, "{kind}");
        assert_eq!(num(&m, "floppy"), 3.0, "{kind}: pebble game agrees");
        assert!(
            num(&m, "rowsum") < 1e-12,
            "{kind}: translations are zero modes"
        );
        assert!((num(&m, "wsum") - 1.0).abs() < 1e-12, "{kind}: Σ|C|² = 1");
        assert!((num(&m, "wx") - 1.0).abs() < 1e-12, "{kind}");
        // the response lives on the low-frequency modes
        assert!(num(&m, "top") < 0.25 * num(&m, "n2"), "{kind}");
    }
}

#[test]
fn linear_response_matches_finite_strain() {
    for kind in [
        r#""triangular", #{nx: 10, ny: 10, r: 0.3, seed: 4}"#,
        r#""delaunay", #{nx: 10, ny: 10, seed: 5}"#,
    ] {
        let m = eval_map(&format!(
            r#"let net = spring_network({kind}); let a = poisson_ratio(net); let b = finite_strain_poisson(net, 1e-4);
            #{{a: a.nu_x, b: b.nu_x, c: a.nu_y, d: b.nu_y}}"#
        ));
        assert!((num(&m, "a") - num(&m, "b")).abs() < 1e-4, "{kind}: {m:?}");
        assert!((num(&m, "c") - num(&m, "d")).abs() < 1e-4, "{kind}: {m:?}");
    }
}

#[test]
fn pebble_game_counts_mechanisms() {
    let m = eval_map(
        r#"let sq = spring_network(ndarray([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]), ndarray([[0, 1], [1, 2], [2, 3], [3, 0]]));
        let a = floppy_modes(sq);
        sq.add_bond(0, 2);
        let b = floppy_modes(sq);
        sq.add_bond(1, 3);
        let c = floppy_modes(sq);
        let t = spring_network("triangular", #{nx: 6, ny: 6});
        let d = floppy_modes(t);
        #{a: a, b: b, c: c, d: d}"#,
    );
    assert_eq!(num(&m, "a"), 4.0, "a square has one mechanism");
    assert_eq!(num(&m, "b"), 3.0, "a braced square is rigid");
    assert_eq!(num(&m, "c"), 3.0, "a redundant brace adds no constraint");
    assert_eq!(num(&m, "d"), 3.0);
}

#[test]
fn prune_anneal_reaches_the_paper_range() {
    let m = eval_map(
        r#"let net = spring_network("triangular", #{nx: 12, ny: 12, r: 0.2, seed: 1});
        let lo = prune_anneal(net, #{goal: "min", stop: -0.85, seed: 3});
        let hi = prune_anneal(net, #{goal: "max", stop: 0.85, seed: 3});
        let again = prune_anneal(net, #{goal: "min", stop: -0.85, seed: 3});
        #{nu0: poisson_ratio(net).nu, lo: lo.nu, hi: hi.nu, lo_check: poisson_ratio(lo.network).nu,
          again: again.nu, fl: lo.floppy_modes, fh: floppy_modes(hi.network), hist: lo.history.best_nu.len(),
          z0: coordination(net), zl: coordination(lo.network)}"#,
    );
    assert!((num(&m, "nu0") - 0.3).abs() < 0.05, "{m:?}");
    assert!(num(&m, "lo") <= -0.85, "{m:?}");
    assert!(num(&m, "hi") >= 0.85, "{m:?}");
    assert_eq!(
        num(&m, "lo"),
        num(&m, "lo_check"),
        "the returned network has the reported ν"
    );
    assert_eq!(num(&m, "lo"), num(&m, "again"), "same seed, same result");
    assert_eq!(num(&m, "fl"), 3.0, "no floppy mode was created");
    assert_eq!(num(&m, "fh"), 3.0);
    assert!(
        num(&m, "zl") < num(&m, "z0") && num(&m, "zl") >= 3.9,
        "{m:?}"
    );
}

#[test]
fn hull_bonds_are_never_pruned() {
    // removing a bond on the outer boundary would make the outer face concave
    let m = eval_map(
        r#"let net = spring_network("triangular", #{nx: 8, ny: 8, r: 0.2, seed: 2});
        let r = prune_anneal(net, #{goal: "min", chain: 50, seed: 1});
        let b = bonds(r.network);
        let bottom = edge_nodes(net, "bottom");
        let kept = 0;
        for k in 0..7 {
            for e in 0..b.shape()[0] { if b[e][0] == bottom[k] && b[e][1] == bottom[k + 1] { kept += 1; } }
        }
        #{kept: kept}"#,
    );
    assert_eq!(num(&m, "kept"), 7.0);
}

#[test]
fn generators_and_datasets() {
    let m = eval_map(
        r#"let d = spring_network("delaunay", #{nx: 30, ny: 30, seed: 1});
        let p = spring_network("packing", #{n: 300, phi: 0.9, seed: 2, periodic: true});
        // seed 004's CNN data as its script builds it: networks on `ensemble`, H pooled over
        // 2×2 node blocks
        let data = |seed| ensemble(6, |k, s| {
            let net = spring_network("triangular", #{nx: 4, ny: 4, r: 0.05, seed: s});
            let h = dynamical_matrix(net).reshape([16, 2, 16, 2]).sum(3).sum(1) / 4.0;
            #{x: h.reshape([1, 16, 16]), nu: poisson_ratio(net).nu}
        }, #{seed: seed});
        let ds = data.call(1);
        #{zd: coordination(d), zp: coordination(p), mind: degrees(p).min(), nup: poisson_ratio(p).nu,
          shape: ds.x.shape(), nu: ds.nu.mean(), again: data.call(1).nu == ds.nu,
          rowsum: ds.x.sum(3).abs().max()}"#,
    );
    // Delaunay: z = 6 − 6/N·(hull) → close to 6 for 900 points
    assert!((num(&m, "zd") - 6.0).abs() < 0.2, "{m:?}");
    // a jammed packing above φ_J is over-coordinated (z > 4) with no rattlers left
    assert!(num(&m, "zp") > 4.0 && num(&m, "mind") >= 3.0, "{m:?}");
    assert!(num(&m, "nup") > 0.0 && num(&m, "nup") < 1.0, "{m:?}");
    assert_eq!(format!("{:?}", m["shape"]), "[6, 1, 16, 16]");
    // the pooled rows of H still sum to zero (a rigid translation costs nothing)
    assert!(num(&m, "rowsum") < 1e-9, "{m:?}");
    assert!((num(&m, "nu") - 1.0 / 3.0).abs() < 0.05, "{m:?}");
    assert!(m["again"].as_bool().unwrap());
}

#[test]
fn bad_input_is_a_clear_error() {
    for (src, want) in [
        (r#"spring_network("kagome", #{})"#, "kind must be"),
        (r#"spring_network("triangular", #{r: 1.5})"#, "'r'"),
        (
            r#"spring_network("triangular", #{nx: 5, ny: 5, periodic: true})"#,
            "even number of rows",
        ),
        (
            r#"spring_network("packing", #{n: 50, phi: 0.5, seed: 1})"#,
            "unjammed",
        ),
        (
            r#"prune_anneal(spring_network("triangular", #{nx: 6, ny: 6, periodic: true}), #{})"#,
            "open networks",
        ),
        (
            r#"prune_anneal(spring_network("triangular", #{nx: 6, ny: 6}), #{factor: 1.5})"#,
            "factor",
        ),
        (
            r#"let n = spring_network("triangular", #{nx: 4, ny: 4}); n.add_bond(0, 99)"#,
            "node index",
        ),
        (
            r#"let n = spring_network("triangular", #{nx: 4, ny: 4}); n.remove_bond(0, 15)"#,
            "no bond",
        ),
        (
            r#"uniaxial_response(spring_network("triangular", #{nx: 4, ny: 4}), "z")"#,
            "axis",
        ),
        (
            r#"let n = spring_network(ndarray([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), ndarray([[0, 1]])); poisson_ratio(n)"#,
            "floppy",
        ),
    ] {
        let e = eval_err(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}

#[test]
fn uniaxial_response_fields() {
    let m = eval_map(
        r#"let net = spring_network("triangular", #{nx: 8, ny: 8, r: 0.25, seed: 9});
        let r = uniaxial_response(net, "x"); let e = bond_elongations(net);
        let mp = mode_projection(net); let v = normal_mode(net, mp.top[0]);
        #{u: r.u.shape(), nu: r.nu, p: poisson_ratio(net).nu_x, ne: e.dx.len(), nb: n_bonds(net), en: r.energy,
          en2: 0.5 * (e.dx * e.dx).sum(), vn: (v.u * v.u).sum(), vw: v.weight - mp.weights[mp.top[0]],
          vo: v.omega - mp.omega[mp.top[0]]}"#,
    );
    assert_eq!(format!("{:?}", m["u"]), "[64, 2]");
    assert_eq!(num(&m, "nu"), num(&m, "p"));
    assert_eq!(num(&m, "ne"), num(&m, "nb"));
    // U = ½ Σ k δl² with unit springs
    assert!(
        (num(&m, "en") / num(&m, "en2") - 1.0).abs() < 1e-10,
        "{m:?}"
    );
}
