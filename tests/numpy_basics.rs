//! numpy's everyday functions against numpy's own answers (values computed with numpy 2 and
//! written here), and their refusals.

mod common;

use common::{eval, eval_err};

fn vec(v: rhai::Dynamic) -> Vec<f64> {
    if let Ok(x) = v.as_float() {
        return vec![x];
    }
    v.cast::<disco::array::NdArray>()
        .view()
        .iter()
        .copied()
        .collect()
}

#[test]
fn answers_match_numpy() {
    let cases: &[(&str, &[f64])] = &[
        // np.percentile([3, 1, 4, 1, 5, 9, 2, 6], [10, 50, 90])
        (
            "percentile(ndarray([3, 1, 4, 1, 5, 9, 2, 6]), [10, 50, 90])",
            &[1.0, 3.5, 6.9],
        ),
        // np.quantile(np.arange(10.0), 0.33)
        ("quantile(arange(10), 0.33)", &[2.97]),
        ("median(ndarray([5, 3, 1, 4]))", &[3.5]),
        // np.interp([0.5, 2.5, 3.5], [0, 1, 3], [1, 3, 2])
        (
            "interp(ndarray([0.5, 2.5, 3.5]), ndarray([0, 1, 3]), ndarray([1, 3, 2]))",
            &[2.0, 2.25, 2.0],
        ),
        // np.diff([[1, 2, 4], [0, 5, 5]])
        (
            "diff(ndarray([[1, 2, 4], [0, 5, 5]]))",
            &[1.0, 2.0, 5.0, 0.0],
        ),
        // np.searchsorted([1, 2, 2, 3], [2, 2.5, 0, 9])
        (
            "searchsorted(ndarray([1, 2, 2, 3]), ndarray([2, 2.5, 0, 9]))",
            &[1.0, 3.0, 0.0, 4.0],
        ),
        (
            "unique(ndarray([2, 0.0 / 0.0, 2, 1, 0.0 / 0.0]))",
            &[1.0, 2.0, f64::NAN],
        ),
        ("cumprod(ndarray([[1, 2], [3, 4]]))", &[1.0, 2.0, 6.0, 24.0]),
        ("sign(ndarray([-0.5, 0, 2]))", &[-1.0, 0.0, 1.0]),
        (
            "arccos(ndarray([1, 0, -1]))",
            &[0.0, std::f64::consts::FRAC_PI_2, std::f64::consts::PI],
        ),
    ];
    for (src, want) in cases {
        let got = vec(eval(src));
        assert_eq!(got.len(), want.len(), "{src}: {got:?}");
        for (g, w) in got.iter().zip(*want) {
            assert!(
                (g - w).abs() < 1e-12 || (g.is_nan() && w.is_nan()),
                "{src}: {got:?} vs {want:?}"
            );
        }
    }
}

#[test]
fn random_draws_are_seeded_and_distributed() {
    // same seed, same draws; a fair die's mean and a permutation's content
    let a = vec(eval("randint(1, 7, 60000, 5)"));
    let b = vec(eval("randint(1, 7, 60000, 5)"));
    assert_eq!(a, b);
    let mean = a.iter().sum::<f64>() / a.len() as f64;
    assert!((mean - 3.5).abs() < 0.03, "{mean}");
    assert!(a
        .iter()
        .all(|x| (1.0..=6.0).contains(x) && x.fract() == 0.0));
    let mut p = vec(eval("permutation(1000, 2)"));
    p.sort_by(|x, y| x.total_cmp(y));
    assert!(p.iter().enumerate().all(|(i, x)| *x == i as f64));
    let c = vec(eval("choice(ndarray([10, 20, 30]), 30000, #{seed: 3})"));
    let tens = c.iter().filter(|x| **x == 10.0).count() as f64 / c.len() as f64;
    assert!((tens - 1.0 / 3.0).abs() < 0.015, "{tens}");
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    for (src, want) in [
        ("percentile(ones(3), 101)", "outside [0, 100]"),
        ("quantile(ndarray([1, 0.0 / 0.0]), 0.5)", "NaN"),
        ("median(zeros(0))", "empty"),
        (
            "interp(0.5, ndarray([1, 0]), ndarray([0, 1]))",
            "increasing",
        ),
        (
            "interp(0.5, ndarray([0, 1]), ndarray([0, 1, 2]))",
            "one length",
        ),
        ("searchsorted(ndarray([2, 1]), 1.5)", "sorted"),
        ("randint(3, 3, 4)", "low < high"),
        ("choice(3, 5, #{replace: false})", "without replacement"),
        ("choice(zeros(0), 2)", "nothing to choose"),
        ("allclose(ones(2), ones(3))", "allclose"),
        ("diff(ones([2, 2, 2]))", "1D or 2D"),
    ] {
        let e = eval_err(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}

#[test]
fn sort_and_argsort_put_nan_last_whatever_its_sign() {
    // 0.0 / 0.0 is a NaN with the sign bit set on x86: total order would put it first
    let s = vec(eval("sort(ndarray([2, 0.0 / 0.0, 1, -(0.0 / 0.0)]))"));
    assert!(
        s[0] == 1.0 && s[1] == 2.0 && s[2].is_nan() && s[3].is_nan(),
        "{s:?}"
    );
    let i = eval("argsort(ndarray([2, 0.0 / 0.0, 1]))").cast::<rhai::Array>();
    let i: Vec<i64> = i.iter().map(|v| v.as_int().unwrap()).collect();
    assert_eq!(i, vec![2, 0, 1]);
}

/// Every function whose last parameter is an options map can be called without it, with the
/// same result as an empty map, and a function that changes its first argument still changes
/// the caller's value.
#[test]
fn options_maps_can_be_left_out() {
    let same = eval(
        r#"
        let H = hamiltonian(lattice("square", [12, 12]));
        seed(3);
        let a = kpm_dos(H);
        seed(3);
        let b = kpm_dos(H, #{});
        let s = ising(8, #{seed: 1, start: "cold"});
        let m0 = measure(s).m;
        let o = ising_observables(s, 4.0);
        a.rho == b.rho && H.nnz == hamiltonian(lattice("square", [12, 12]), #{}).nnz
            && measure(s).m != m0
            && poisson_points(7).shape == [7, 2]
            && bootstrap(normal(50, 0.0, 1.0, 1), |x| x.mean()).err > 0.0
        "#,
    );
    assert!(same.as_bool().unwrap());
    // the reference lists the short form beside the full one
    let docs = disco::docs::lookup("kpm_dos");
    assert!(docs
        .iter()
        .any(|d| d.signature.starts_with("kpm_dos(H: operator|ndarray) ->")));
    // a wrong argument still gets the full function's message
    let e = eval_err(r#"kpm_dos("x")"#);
    assert!(e.contains("kpm_dos"), "{e}");
}
