//! numpy's everyday functions against numpy's own answers (values computed with numpy 2 and
//! written here), and their refusals.

mod common;

use common::{eval, eval_err, eval_map, num};

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

/// The real and imaginary parts of a complex array, interleaved.
fn parts(src: &str) -> Vec<f64> {
    let re = vec(eval(&format!("real({src})")));
    let im = vec(eval(&format!("imag({src})")));
    re.into_iter().zip(im).flat_map(|(r, i)| [r, i]).collect()
}

fn close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= tol || (g.is_nan() && w.is_nan()),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

#[test]
fn fourier_transforms_match_numpy() {
    let s3 = 27f64.sqrt(); // 5.196152…
    let x = "ndarray([1, 2, 3, 4, 0, -1])";
    // np.fft.fft([1, 2, 3, 4, 0, -1])
    let want = [9.0, 0.0, -4.0, -s3, 3.0, 0.0, -1.0, 0.0, 3.0, 0.0, -4.0, s3];
    close(&parts(&format!("fft({x})")), &want, 1e-12, "fft");
    close(&parts(&format!("rfft({x})")), &want[..8], 1e-12, "rfft");
    // round trips: ifft(fft(x)) = x, irfft(rfft(x), 6) = x, odd lengths too
    close(
        &parts(&format!("ifft(fft({x}))")),
        &[1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 4.0, 0.0, 0.0, 0.0, -1.0, 0.0],
        1e-12,
        "ifft",
    );
    close(
        &vec(eval(&format!("irfft(rfft({x}), 6)"))),
        &[1.0, 2.0, 3.0, 4.0, 0.0, -1.0],
        1e-12,
        "irfft",
    );
    close(
        &vec(eval("irfft(rfft(ndarray([1, 5, 2, 7, 3])), 5)")),
        &[1.0, 5.0, 2.0, 7.0, 3.0],
        1e-12,
        "irfft odd",
    );
    // np.fft.fft2([[1, 2, 0], [0, 1, 3]]) and the transform along axis 0
    let m = "ndarray([[1, 2, 0], [0, 1, 3]])";
    let h = 12f64.sqrt(); // 3.464101…
    close(
        &parts(&format!("fft2({m})")),
        &[7.0, 0.0, -2.0, 0.0, -2.0, 0.0, -1.0, 0.0, 2.0, -h, 2.0, h],
        1e-12,
        "fft2",
    );
    close(
        &parts(&format!("fft({m}, #{{axis: 0}})")),
        &[1.0, 0.0, 3.0, 0.0, 3.0, 0.0, 1.0, 0.0, 1.0, 0.0, -3.0, 0.0],
        1e-12,
        "fft axis 0",
    );
    close(
        &vec(eval("fftfreq(5, 0.1)")),
        &[0.0, 2.0, 4.0, -4.0, -2.0],
        1e-12,
        "fftfreq",
    );
    close(
        &vec(eval("rfftfreq(6, 0.5)")),
        &[0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0],
        1e-12,
        "rfftfreq",
    );
    close(
        &vec(eval("fftshift(arange(5))")),
        &[3.0, 4.0, 0.0, 1.0, 2.0],
        1e-15,
        "fftshift",
    );
    close(
        &vec(eval("ifftshift(arange(5))")),
        &[2.0, 3.0, 4.0, 0.0, 1.0],
        1e-15,
        "ifftshift",
    );
    // Parseval at a length with a large prime factor (1009): Σ|x|² = Σ|X|²/N
    let p = eval_map(
        "seed(3); let x = normal(1009, 0.0, 1.0); let f = abs(fft(x));
         #{time: sum(x * x), freq: sum(f * f) / 1009.0}",
    );
    assert!(
        (num(&p, "time") - num(&p, "freq")).abs() < 1e-9 * num(&p, "time"),
        "Parseval: {p:?}"
    );
    // refusals name the function and the argument
    assert!(eval_err("fft(ndarray([1, 2]), #{axis: 1})").contains("fft: axis 1"));
    assert!(eval_err("fft2(ndarray([1, 2]))").contains("fft2: argument 'a'"));
    assert!(eval_err("fftfreq(4, 0.0)").contains("fftfreq: argument 'd'"));
    assert!(eval_err("irfft(rfft(ndarray([1, 2])), 0)").contains("irfft"));
}

#[test]
fn boolean_masks_pick_and_set_like_numpy() {
    // elements: a[a < 0] = 0, a[a > 1] flattened in order
    close(
        &vec(eval(
            "let a = ndarray([[1, -2], [3, -4]]); a[a < 0.0] = 0.0; a",
        )),
        &[1.0, 0.0, 3.0, 0.0],
        0.0,
        "set scalar",
    );
    close(
        &vec(eval("let a = ndarray([[1, -2], [3, -4]]); a[a > 0.0]")),
        &[1.0, 3.0],
        0.0,
        "get elements",
    );
    // rows: a 1-D mask over the first axis keeps whole rows
    let rows =
        eval("let e = ndarray([[0, 1], [1, 2], [2, 3]]); let keep = ndarray([1, 0, 1]); e[keep]")
            .cast::<disco::array::NdArray>();
    assert_eq!(rows.view().shape(), &[2, 2]);
    close(
        &rows.view().iter().copied().collect::<Vec<_>>(),
        &[0.0, 1.0, 2.0, 3.0],
        0.0,
        "get rows",
    );
    // one value per pick, in order
    close(
        &vec(eval(
            "let a = ndarray([5, 6, 7, 8]); a[ndarray([1, 0, 1, 0])] = ndarray([-1, -2]); a",
        )),
        &[-1.0, 6.0, -2.0, 8.0],
        0.0,
        "set values",
    );
    assert!(eval_err("let a = ndarray([1, 2, 3]); a[ndarray([1, 0])]").contains("a[mask]"));
    assert!(
        eval_err("let a = ndarray([1, 2, 3]); a[ndarray([1, 0, 1])] = ndarray([1, 2, 3]); a")
            .contains("a[mask] =")
    );
}

#[test]
fn weighted_histograms_and_binned_statistics_match_numpy_and_scipy() {
    let a = "ndarray([0.5, 1.5, 1.7, 2.2, 3.9, -1])";
    // np.histogram(a, bins=3, range=(0, 4), weights=[1..6])
    let h = eval_map(&format!(
        "histogram({a}, 3, #{{range: [0, 4], weights: ndarray([1, 2, 3, 4, 5, 6])}})"
    ));
    close(
        &vec(h["counts"].clone()),
        &[1.0, 9.0, 5.0],
        1e-12,
        "weights",
    );
    close(
        &vec(h["edges"].clone()),
        &[0.0, 4.0 / 3.0, 8.0 / 3.0, 4.0],
        1e-12,
        "edges",
    );
    // np.histogram(a, bins=[0, 1, 2, 4], density=True): unequal widths, ∫ = 1 over the range
    let d = eval_map(&format!(
        "histogram({a}, ndarray([0, 1, 2, 4]), #{{density: true}})"
    ));
    close(
        &vec(d["counts"].clone()),
        &[0.2, 0.4, 0.2],
        1e-12,
        "density",
    );
    // scipy.stats.binned_statistic(a, v, statistic=s, bins=3, range=(0, 4))
    let v = "ndarray([10, 20, 30, 40, 50, 60])";
    let cases: &[(&str, [f64; 3])] = &[
        ("mean", [10.0, 30.0, 50.0]),
        ("sum", [10.0, 90.0, 50.0]),
        ("count", [1.0, 3.0, 1.0]),
        ("std", [0.0, (200.0f64 / 3.0).sqrt(), 0.0]),
        ("median", [10.0, 30.0, 50.0]),
        ("min", [10.0, 20.0, 50.0]),
        ("max", [10.0, 40.0, 50.0]),
    ];
    for (s, want) in cases {
        let b = eval_map(&format!(
            "binned_statistic({a}, {v}, 3, #{{statistic: \"{s}\", range: [0, 4]}})"
        ));
        close(&vec(b["statistic"].clone()), want, 1e-12, s);
    }
    let e = eval_map(&format!(
        "binned_statistic({a}, {v}, ndarray([0, 1, 2, 4, 5]))"
    ));
    close(
        &vec(e["statistic"].clone()),
        &[10.0, 25.0, 45.0, f64::NAN],
        1e-12,
        "edges, an empty bin is NaN",
    );
    assert!(eval_err(&format!(
        "binned_statistic({a}, {v}, 3, #{{statistic: \"mode\"}})"
    ))
    .contains("binned_statistic"));
    assert!(
        eval_err(&format!("binned_statistic({a}, ndarray([1, 2]), 3)"))
            .contains("binned_statistic")
    );
}

#[test]
fn matrix_exponentials_and_complex_solves_match_scipy() {
    let a = "ndarray([[0.3, -1.2, 0.5, 2.0], [1.1, 0.0, -0.7, 0.4], [-0.6, 0.9, 0.2, -1.5], [0.8, -0.3, 1.4, -0.1]])";
    // scipy.linalg.expm(A) and expm(3A) (the second needs scaling and squaring)
    let e1 = [
        0.7735362699288039,
        -0.6975228243480474,
        1.8658891933260293,
        0.5978875641748899,
        1.386152732134879,
        0.06213567728893721,
        0.7594384016142964,
        1.4550862861353941,
        -0.3634177678146106,
        1.0253019054278265,
        -0.3734362341593451,
        -1.0744769449919975,
        0.21829679551530146,
        0.1714295940818102,
        1.311765990768553,
        0.2567083051589303,
    ];
    close(&vec(eval(&format!("expm({a})"))), &e1, 1e-13, "expm(A)");
    let e3 = [
        0.3887313094578734,
        1.342364535350489,
        -4.148413431064268,
        -0.15577723692811576,
        -0.4251571964061587,
        3.6152080670052014,
        1.3234953132556642,
        -3.641347290788251,
        1.1897068383282872,
        -1.7008660620674734,
        4.026360286059918,
        1.874911239111901,
        1.3679926015650354,
        0.3163284313029879,
        -0.48676103786625147,
        1.1461335529608703,
    ];
    close(
        &vec(eval(&format!("expm(3.0 * {a})"))),
        &e3,
        1e-12,
        "expm(3A)",
    );
    // B = A + 0.5i Aᵀ: scipy's expm, numpy's det and solve
    let b = format!("complex({a}, 0.5 * {a}.T)");
    let eb = [
        -0.6978141244925777,
        1.7938375601394978,
        -0.6578054599236459,
        -0.9910933407473712,
        2.383979024684306,
        0.9866924147642314,
        -0.595711007362959,
        2.316142940947494,
        1.6793574858343068,
        0.8516583815902722,
        -0.21831573298741191,
        0.38260991985328185,
        0.9219086972546806,
        -0.7038469907748514,
        1.8505377618621617,
        0.6411118968190551,
        -0.1251035550139825,
        -1.6803408791700303,
        1.4660321442688993,
        0.476411547214886,
        -0.9228633206510064,
        0.6448723062615813,
        -1.0963284396152924,
        -1.3792339451396094,
        -1.1751874654067933,
        0.9683605268913242,
        0.3626823640571281,
        -1.1325110537583527,
        1.6354841617550917,
        1.1851880463325442,
        -0.987501975608803,
        1.4497362057426189,
    ];
    close(&parts(&format!("expm({b})")), &eb, 1e-12, "expm(B)");
    let d = eval_map(&format!("let d = det({b}); #{{re: d.re, im: d.im}}"));
    assert!((num(&d, "re") + 3.104).abs() < 1e-12 && (num(&d, "im") + 1.4577).abs() < 1e-12);
    close(
        &parts(&format!("solve({b}, ndarray([1, 2, 3, 4]))")),
        &[
            2.950845526673908,
            0.10182102956425254,
            4.398956400207542,
            -4.520573049156744,
            2.965329813975295,
            -2.3877452544561173,
            0.437186355713511,
            -3.2043448939186807,
        ],
        1e-12,
        "complex solve",
    );
    // the propagator of a Hermitian H is unitary; inv of a complex matrix inverts it
    let u = eval(&format!(
        "let h = {a} + {a}.T; let u = expm(complex(0.0, -1.7) * h);
         abs(u.matmul(u.H) - eye(4)).max() + abs(inv({b}).matmul({b}) - eye(4)).max()"
    ))
    .as_float()
    .unwrap();
    assert!(u < 1e-12, "unitarity and inverse: {u}");
    assert!(eval_err("expm(ndarray([[1, 2, 3]]))").contains("expm: the matrix is 1×3"));
    assert!(eval_err("inv(complex(0.0, 1.0) * ndarray([[1, 2], [2, 4]]))").contains("singular"));
    assert!(eval_err("expm(ndarray([[800.0]]))").contains("overflows"));
}

#[test]
fn complex_decompositions_reconstruct_and_match_numpy() {
    let a = "complex(ndarray([[1.0, 2.0], [0.5, -1.0], [3.0, 1.0]]), ndarray([[0.3, -1.0], [2.0, 0.0], [0.0, 1.5]]))";
    // Q·R = A, QᴴQ = 1, R's diagonal real and positive; U·diag(s)·Vᴴ = A; L·Lᴴ = AᴴA
    let r = eval_map(&format!(
        "let A = {a}; let f = qr(A); let s = svd(A); let P = A.H.matmul(A); let L = cholesky(P);
         #{{qr: abs(f.q.matmul(f.r) - A).max(), qq: abs(f.q.H.matmul(f.q) - eye(2)).max(),
           r_im: abs(imag(f.r)).max() - abs(imag(f.r)[0][1]), r00: real(f.r)[0][0], r11: real(f.r)[1][1],
           svd: abs(s.u.matmul(complex(diag(s.s), zeros([2, 2]))).matmul(s.v.H) - A).max(),
           s0: s.s[0], s1: s.s[1], chol: abs(L.matmul(L.H) - P).max()}}"
    ));
    for k in ["qr", "qq", "svd", "chol", "r_im"] {
        assert!(num(&r, k).abs() < 1e-13, "{k}: {r:?}");
    }
    assert!(num(&r, "r00") > 0.0 && num(&r, "r11") > 0.0);
    // numpy.linalg.svd(A, compute_uv=False), lstsq(A, b)
    assert!(
        (num(&r, "s0") - 4.328090157689585).abs() < 1e-12
            && (num(&r, "s1") - 2.2040044434870243).abs() < 1e-12
    );
    close(
        &parts(&format!(
            "lstsq({a}, complex(ndarray([1.0, 2.0, 3.0]), ndarray([0.0, 1.0, 0.0])))"
        )),
        &[
            0.9407110280784661,
            -0.340128578493324,
            0.07736688829056579,
            0.1662728721358317,
        ],
        1e-12,
        "complex lstsq",
    );
    // a non-Hermitian 2×2: [[i, 1], [0, −i]] has eigenvalues ±i
    let e = eval_map(
        "eigvals(complex(ndarray([[0.0, 1.0], [0.0, 0.0]]), ndarray([[1.0, 0.0], [0.0, -1.0]])))",
    );
    close(&vec(e["re"].clone()), &[0.0, 0.0], 1e-14, "eigvals re");
    close(&vec(e["im"].clone()), &[-1.0, 1.0], 1e-14, "eigvals im");
    assert!(eval_err(
        "cholesky(complex(ndarray([[1.0, 0.0], [0.0, 1.0]]), ndarray([[1.0, 0.0], [0.0, 0.0]])))"
    )
    .contains("not Hermitian"));
    // numpy.concatenate
    close(
        &vec(eval(
            "concatenate([ndarray([[1, 2]]), ndarray([[3], [4]]).T], #{axis: 0})",
        )),
        &[1.0, 2.0, 3.0, 4.0],
        0.0,
        "concatenate",
    );
    assert!(eval_err("concatenate([ndarray([1, 2]), ndarray([[3]])])")
        .contains("concatenate: every array needs 1 dimensions"));
}
