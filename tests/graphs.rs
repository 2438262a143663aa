//! Graphs against known answers: the Erdős–Rényi giant component S = 1 − e^(−⟨k⟩S) and its
//! critical n^(2/3) scaling, percolation thresholds and giant components of random regular
//! graphs (generating functions), the Laplacian spectrum of a periodic lattice, hop distances,
//! clustering of a ring lattice; reproducibility and clear errors.

mod common;
use common::{eval_err, eval_map, num};

/// The root of S = 1 − exp(−c S) above c = 1 (fixed-point iteration).
fn er_giant(c: f64) -> f64 {
    let mut s = 0.9;
    for _ in 0..10_000 {
        s = 1.0 - (-c * s).exp();
    }
    s
}

#[test]
fn erdos_renyi_giant_component() {
    let m = eval_map(
        r#"
        let n = 200000;
        #{s2: components(gnp_graph(n, 2.0 / n, #{seed: 1})).largest_fraction,
          s3: components(gnp_graph(n, 3.0 / n, #{seed: 2})).largest_fraction,
          s05: components(gnp_graph(n, 0.5 / n, #{seed: 3})).largest_fraction,
          m2: gnm_graph(n, n, #{seed: 4}).n_edges,
          sm: components(gnm_graph(n, n, #{seed: 4})).largest_fraction}
        "#,
    );
    // finite-size fluctuations of S are O(n^(-1/2)) ≈ 0.002
    for (k, c) in [("s2", 2.0), ("s3", 3.0)] {
        let (got, want) = (num(&m, k), er_giant(c));
        assert!((got - want).abs() < 0.01, "{k}: {got} vs {want}");
    }
    assert!(num(&m, "s05") < 0.001, "no giant component below ⟨k⟩ = 1");
    assert_eq!(num(&m, "m2"), 200000.0);
    assert!((num(&m, "sm") - er_giant(2.0)).abs() < 0.01);
}

#[test]
fn erdos_renyi_critical_point_scales_as_n_to_two_thirds() {
    // at ⟨k⟩ = 1 the largest component grows as n^(2/3): the slope of log⟨S_max⟩ between
    // n = 10^4 and 10^6
    let m = eval_map(
        r#"
        let mean_largest = |n, runs| {
            let s = 0.0;
            for r in 0..runs { s += components(gnp_graph(n, 1.0 / n, #{seed: 100 + r})).largest; }
            s / runs
        };
        #{small: mean_largest.call(10000, 60), large: mean_largest.call(1000000, 12)}
        "#,
    );
    let slope = (num(&m, "large") / num(&m, "small")).ln() / 100f64.ln();
    assert!((slope - 2.0 / 3.0).abs() < 0.1, "slope {slope}");
}

#[test]
fn random_regular_percolation_matches_generating_functions() {
    // k = 3: u = 1 − p + p u², S_bond = 1 − u³, S_site = p(1 − u³), threshold 1/(k − 1) = 1/2
    let m = eval_map(
        r#"
        let g = random_regular_graph(100000, 3, #{seed: 2});
        let d = degrees(g);
        let b = graph_percolation(g, #{kind: "bond", runs: 8, p: [0.4, 0.6, 0.8], seed: 3});
        let s = graph_percolation(g, #{kind: "site", runs: 8, p: [0.4, 0.6, 0.8], seed: 4});
        let fine = graph_percolation(g, #{kind: "bond", runs: 20, p: linspace(0.3, 0.7, 41), seed: 5});
        #{dmin: d.min(), dmax: d.max(), b: b.largest_fraction, s: s.largest_fraction,
          peak: fine.p[fine.susceptibility.argmax()], edges: g.n_edges,
          simple: simple(g).n_edges}
        "#,
    );
    assert_eq!((num(&m, "dmin"), num(&m, "dmax")), (3.0, 3.0));
    assert_eq!(num(&m, "edges"), 150000.0);
    assert_eq!(num(&m, "simple"), 150000.0, "no loops or repeated edges");
    let b = m["b"].clone().cast::<disco::array::NdArray>().to_vec();
    let s = m["s"].clone().cast::<disco::array::NdArray>().to_vec();
    for (i, p) in [0.4f64, 0.6, 0.8].iter().enumerate() {
        let u = if *p > 0.5 { (1.0 - p) / p } else { 1.0 };
        let bond = 1.0 - u * u * u;
        assert!(
            (b[i] - bond).abs() < 0.01,
            "bond S({p}) = {} vs {bond}",
            b[i]
        );
        assert!(
            (s[i] - p * bond).abs() < 0.01,
            "site S({p}) = {} vs {}",
            s[i],
            p * bond
        );
    }
    // the susceptibility peaks at the threshold (finite-size shift below 0.02 at n = 10^5)
    assert!(
        (num(&m, "peak") - 0.5).abs() < 0.03,
        "χ peaks at {}",
        num(&m, "peak")
    );
}

#[test]
fn lattice_graphs_have_the_exact_laplacian_and_distances() {
    // periodic 6×6 square lattice: Laplacian eigenvalues 4 − 2cos(2πa/6) − 2cos(2πb/6)
    let m = eval_map(
        r#"
        let g = graph(lattice("square", [6, 6], #{periodic: true}));
        let open = graph(lattice("square", [5, 7]));
        #{ev: eigvalsh(laplacian(g)), av: eigvalsh(adjacency(g)), d: distances(open, 0),
          pos: open.positions, nc: components(g).n_components, n: g.n_nodes, m: g.n_edges}
        "#,
    );
    let mut want: Vec<f64> = (0..36)
        .map(|i| {
            let (a, b) = ((i / 6) as f64, (i % 6) as f64);
            let t = 2.0 * std::f64::consts::PI / 6.0;
            4.0 - 2.0 * (t * a).cos() - 2.0 * (t * b).cos()
        })
        .collect();
    want.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let ev = m["ev"].clone().cast::<disco::array::NdArray>().to_vec();
    let av = m["av"].clone().cast::<disco::array::NdArray>().to_vec();
    for i in 0..36 {
        assert!(
            (ev[i] - want[i]).abs() < 1e-10,
            "{i}: {} vs {}",
            ev[i],
            want[i]
        );
        // a regular graph: A = 4 − L
        assert!((av[35 - i] - (4.0 - want[i])).abs() < 1e-10);
    }
    assert_eq!((num(&m, "n"), num(&m, "m")), (36.0, 72.0));
    assert_eq!(num(&m, "nc"), 1.0);
    // hop distance on the open lattice is the Manhattan distance from the corner
    let d = m["d"].clone().cast::<disco::array::NdArray>().to_vec();
    let pos = m["pos"].clone().cast::<disco::array::NdArray>().to_vec();
    for (i, di) in d.iter().enumerate() {
        let manhattan = pos[2 * i].round() + pos[2 * i + 1].round();
        assert_eq!(*di, manhattan, "site {i}");
    }
}

#[test]
fn small_worlds_and_geometric_graphs() {
    let m = eval_map(
        r#"
        let ring = watts_strogatz_graph(2000, 10, 0.0, #{seed: 1});
        let sw = watts_strogatz_graph(2000, 10, 0.1, #{seed: 1});
        let far = distances(ring, 0).max();
        let near = distances(sw, 0).max();
        let rg = random_geometric_graph(20000, 0.01, #{seed: 2, periodic: true});
        let cm = configuration_model([3, 3, 2, 2, 2, 1, 1], #{simple: true, seed: 3});
        let star = graph(4, [[0, 1], [0, 2], [0, 3]]);
        #{c0: clustering(ring).average, c1: clustering(sw).average, far: far, near: near,
          kg: degrees(rg).mean(), cmd: degrees(cm), star: clustering(star).transitivity,
          nb: neighbors(star, 0)}
        "#,
    );
    // ring lattice: C = 3(k − 2)/(4(k − 1)) = 2/3 for k = 10; rewiring 10 % keeps most of it
    // (≈ C₀(1 − β)³ = 0.486) while the diameter collapses
    assert!((num(&m, "c0") - 2.0 / 3.0).abs() < 1e-12);
    assert!((num(&m, "c1") - 0.486).abs() < 0.03, "{}", num(&m, "c1"));
    assert_eq!(num(&m, "far"), 200.0);
    assert!(num(&m, "near") < 12.0, "{}", num(&m, "near"));
    // on the torus the mean degree is n π r² exactly in expectation (= 6.28)
    assert!((num(&m, "kg") - 20000.0 * std::f64::consts::PI * 1e-4).abs() < 0.1);
    let cmd = m["cmd"].clone().cast::<disco::array::NdArray>().to_vec();
    assert_eq!(cmd, vec![3.0, 3.0, 2.0, 2.0, 2.0, 1.0, 1.0]);
    assert_eq!(num(&m, "star"), 0.0);
    let nb = m["nb"].clone().cast::<disco::array::NdArray>().to_vec();
    assert_eq!(nb, vec![1.0, 2.0, 3.0]);
}

#[test]
fn the_same_seed_gives_the_same_graph() {
    let m = eval_map(
        r#"
        let a = edges(gnp_graph(5000, 0.001, #{seed: 9}));
        let b = edges(gnp_graph(5000, 0.001, #{seed: 9}));
        let c = edges(gnp_graph(5000, 0.001, #{seed: 10}));
        let r1 = edges(random_regular_graph(1000, 4, #{seed: 1}));
        let r2 = edges(random_regular_graph(1000, 4, #{seed: 1}));
        #{same: a == b, differ: a.shape != c.shape || a != c, reg: r1 == r2}
        "#,
    );
    assert!(m["same"].as_bool().unwrap());
    assert!(m["differ"].as_bool().unwrap());
    assert!(m["reg"].as_bool().unwrap());
}

#[test]
fn bad_input_is_a_clear_error() {
    for (src, want) in [
        ("graph(3, [[0, 3]])", "0..3"),
        ("graph(3, [[0, 1, 2]])", "E×2"),
        ("graph(3, [[0, 1.5]])", "node indices"),
        ("gnp_graph(10, 1.5)", "'p' must be in [0, 1]"),
        ("gnm_graph(4, 7)", "fewer than m = 7"),
        ("random_regular_graph(5, 3)", "must be even"),
        ("random_regular_graph(5, 5)", "below n"),
        ("configuration_model([1, 1, 1])", "odd"),
        ("configuration_model([1, -1])", "non-negative integers"),
        ("watts_strogatz_graph(10, 3, 0.1)", "even"),
        ("random_geometric_graph(10, -1.0)", "positive"),
        ("random_geometric_graph(10, 0.1, #{dim: 4})", "dim"),
        ("neighbors(graph(3, []), 3)", "'i'"),
        ("graph_percolation(graph(3, []), #{kind: \"edge\"})", "kind"),
        ("graph_percolation(graph(3, []), #{p: [1.5]})", "opts.p"),
        ("gnp_graph(10, 0.5, #{sead: 1})", "sead"),
    ] {
        let e = eval_err(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}
