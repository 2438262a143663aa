//! rhai API of complex Hermitian operators (magnetic fields, complex hoppings) and their
//! spectra: the same names as the real ones (`eigh`, `eigvalsh`, `eigs_near`, `matvec`,
//! `residuals`, `ipr`, `participation_ratio`, `mode_area`), plus `operator` from triplets and
//! sums and multiples of operators.

use super::measures::{iprs, mode_areas};
use super::Operator;
use crate::args::{check_alloc, err, reg, Opts, Res};
use crate::array::complex::CArray;
use crate::array::complex_script::carray_arg;
use crate::array::NdArray;
use crate::convert::vec_arg;
use crate::linalg::{eigh_hermitian, residuals_hermitian, ComplexSpectrum, HermitianOperator};
use faer::{c64, Mat};
use rhai::{Dynamic, Engine, Map, INT};

fn cmat_to_nd(m: &Mat<c64>) -> CArray {
    let (r, c) = (m.nrows(), m.ncols());
    let v: Vec<c64> = (0..r)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .map(|(i, j)| m[(i, j)])
        .collect();
    CArray::from_shape_vec(&[r, c], v).unwrap_or_else(|_| CArray::from_vec(vec![]))
}

/// A Hermitian operator from a script value: a complex operator, a real one, or a square
/// (complex or real) matrix, checked to be Hermitian.
fn hermitian_arg(v: &Dynamic, func: &str) -> Res<HermitianOperator> {
    if let Some(h) = v.read_lock::<HermitianOperator>() {
        return Ok(h.clone());
    }
    if let Some(h) = v.read_lock::<Operator>() {
        return Ok(HermitianOperator::from(&*h));
    }
    let a = carray_arg(v, func, "H")?;
    let s = a.shape().to_vec();
    if s.len() != 2 || s[0] != s[1] {
        return err(format!("{func}: matrix not square ({s:?})"));
    }
    let n = s[0];
    let d = a.to_vec();
    let m = Mat::from_fn(n, n, |i, j| d[i * n + j]);
    if crate::linalg::hermitian::hermiticity_error(&m) > 1e-10 {
        return err(format!("{func}: the matrix is not Hermitian (H ≠ H†)"));
    }
    Ok(HermitianOperator::Dense(m))
}

fn dense_solve(h: &HermitianOperator, vectors: bool, f: &str) -> Res<ComplexSpectrum> {
    let n = h.n();
    let copies = if vectors { 3 } else { 2 };
    check_alloc(
        f,
        &format!("the eigenproblem of a {n}×{n} complex matrix"),
        copies * (n as u128) * (n as u128),
        16,
    )?;
    eigh_hermitian(&h.as_dense(), vectors).map_err(|e| format!("{f}: {e}").into())
}

/// H·x for a complex (or complexified real) operator and a real or complex vector.
fn complex_matvec(h: &HermitianOperator, x: &Dynamic) -> Res<CArray> {
    let x = carray_arg(x, "matvec", "x")?.to_vec();
    if x.len() != h.n() {
        return err(format!(
            "matvec: x has {} values, H is {}×{}",
            x.len(),
            h.n(),
            h.n()
        ));
    }
    let mut y = vec![c64::new(0.0, 0.0); x.len()];
    h.apply(&x, &mut y);
    Ok(CArray::from_vec(y))
}

fn combine(a: f64, x: &Dynamic, b: f64, y: &Dynamic, op: &str) -> Res<HermitianOperator> {
    let (p, q) = (hermitian_arg(x, op)?, hermitian_arg(y, op)?);
    HermitianOperator::combine(a, &p, b, &q).map_err(|e| format!("{op}: {e}").into())
}

fn show_spectrum(s: &ComplexSpectrum) -> String {
    format!(
        "spectrum({} levels{}, complex vectors)",
        s.len(),
        match (s.values.first(), s.values.last()) {
            (Some(a), Some(b)) => format!(" in [{a:.6}, {b:.6}]"),
            _ => String::new(),
        }
    )
}

/// Register the complex Hermitian operators and spectra.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<HermitianOperator>("operator");
    engine.register_type_with_name::<ComplexSpectrum>("spectrum");
    reg(engine, "operator", &["n: int", "rows: ndarray", "cols: ndarray", "values: ndarray|cndarray", "opts: map", "operator"], "A Hermitian (or real symmetric) n×n operator from triplets, duplicates summed (scipy's coo_matrix): real values give a real operator, complex ones a complex Hermitian one. opts triangle: \"full\" (default: every entry given, H = H† checked) or \"upper\" (only row ≤ col, the rest is the conjugate).", |n: INT, rows: Dynamic, cols: Dynamic, values: Dynamic, m: Map| -> Res<Dynamic> {
        let f = "operator";
        let o = Opts::new(m, f, &["triangle"])?;
        let upper = o.choice_or("triangle", "full", &["full", "upper"])? == "upper";
        let n = crate::args::count(&Dynamic::from(n), f, "n", 1, 1 << 40)?;
        let idx = |v: &Dynamic, what: &str| -> Res<Vec<usize>> {
            vec_arg(v, f, what)?
                .into_iter()
                .map(|x| if x >= 0.0 && x.fract() == 0.0 { Ok(x as usize) } else { err(format!("{f}: {what} must hold indices >= 0, got {x}")) })
                .collect()
        };
        let (r, c) = (idx(&rows, "rows")?, idx(&cols, "cols")?);
        let is_complex = values.is::<CArray>();
        let vals = carray_arg(&values, f, "values")?.to_vec();
        if r.len() != c.len() || r.len() != vals.len() {
            return err(format!("{f}: rows, cols and values have {}, {} and {} entries", r.len(), c.len(), vals.len()));
        }
        let h = HermitianOperator::from_triplets(n, &r, &c, &vals, upper).map_err(|e| format!("{f}: {e}"))?;
        if is_complex {
            return Ok(Dynamic::from(h));
        }
        match &h {
            HermitianOperator::Sparse(_) => {
                let off: Vec<_> = h.upper_entries().into_iter().map(|(i, j, v)| (i, j, v.re)).collect();
                Operator::from_pairs(n, &h.diagonal(), &off).map(Dynamic::from).map_err(|e| format!("{f}: {e}").into())
            }
            HermitianOperator::Dense(_) => Ok(Dynamic::from(h)),
        }
    });
    reg(engine, "eigh", &["H: operator", "spectrum"], "All eigenpairs of a complex Hermitian operator (a field, complex hoppings): real eigenvalues ascending, orthonormal complex eigenvectors (faer's complex Householder reduction and divide and conquer, every core from n = 400). Cost on 2 cores: see bench/results.md.", |h: HermitianOperator| dense_solve(&h, true, "eigh"));
    reg(
        engine,
        "eigh",
        &["H: cndarray", "spectrum"],
        "All eigenpairs of a complex Hermitian matrix (checked H = H†).",
        |h: CArray| -> Res<ComplexSpectrum> {
            dense_solve(&hermitian_arg(&Dynamic::from(h), "eigh")?, true, "eigh")
        },
    );
    reg(
        engine,
        "eigvalsh",
        &["H: operator", "ndarray"],
        "All eigenvalues (ascending) of a complex Hermitian operator.",
        |h: HermitianOperator| -> Res<NdArray> {
            Ok(NdArray::from_vec(
                dense_solve(&h, false, "eigvalsh")?.values,
            ))
        },
    );
    reg(
        engine,
        "eigvalsh",
        &["H: cndarray", "ndarray"],
        "All eigenvalues (ascending) of a complex Hermitian matrix.",
        |h: CArray| -> Res<NdArray> {
            Ok(NdArray::from_vec(
                dense_solve(
                    &hermitian_arg(&Dynamic::from(h), "eigvalsh")?,
                    false,
                    "eigvalsh",
                )?
                .values,
            ))
        },
    );
    let near = |h: HermitianOperator, e: Dynamic, k: INT, m: Map| -> Res<ComplexSpectrum> {
        let f = "eigs_near";
        let o = Opts::new(m, f, &["tol", "seed"])?;
        let e = crate::args::finite(&e, f, "E")?;
        let k = crate::args::count(&Dynamic::from(k), f, "k", 1, h.n() as INT)?;
        let tol = o.f64_or("tol", 1e-10)?;
        crate::linalg::hermitian::eigs_near_hermitian(&h, e, k, tol, o.seed()?)
            .map_err(|e| format!("{f}: {e}").into())
    };
    reg(engine, "eigs_near", &["H: operator", "E: float", "k: int", "spectrum"], "The k eigenpairs closest to E of a complex Hermitian operator, sorted by |λ − E|: the real shift-invert block Lanczos on the real 2n×2n embedding [[A, −B], [B, A]] of H = A + iB (about twice the cost of the real solver at the same n), each level with its full multiplicity; residuals checked against tol.", move |h: HermitianOperator, e: Dynamic, k: INT| near(h, e, k, Map::new()));
    reg(
        engine,
        "eigs_near",
        &["H: operator", "E: float", "k: int", "opts: map", "spectrum"],
        "eigs_near of a complex operator with opts tol (default 1e-10), seed.",
        near,
    );
    reg(
        engine,
        "get$n",
        &["H: operator", "int"],
        "`H.n`: dimension.",
        |h: &mut HermitianOperator| h.n() as INT,
    );
    reg(
        engine,
        "get$nnz",
        &["H: operator", "int"],
        "`H.nnz`: stored non-zeros.",
        |h: &mut HermitianOperator| h.nnz() as INT,
    );
    reg(
        engine,
        "get$is_dense",
        &["H: operator", "bool"],
        "`H.is_dense`.",
        |h: &mut HermitianOperator| matches!(h, HermitianOperator::Dense(_)),
    );
    reg(
        engine,
        "get$is_complex",
        &["H: operator", "bool"],
        "`H.is_complex`: true for a complex Hermitian operator.",
        |_h: &mut HermitianOperator| true,
    );
    reg(
        engine,
        "get$is_complex",
        &["H: operator", "bool"],
        "`H.is_complex`: false for a real symmetric operator.",
        |_h: &mut Operator| false,
    );
    reg(
        engine,
        "to_dense",
        &["H: operator", "cndarray"],
        "The complex matrix as a dense cndarray.",
        |h: &mut HermitianOperator| -> Res<CArray> {
            check_alloc("to_dense", "the dense matrix", (h.n() as u128).pow(2), 16)?;
            Ok(cmat_to_nd(&h.as_dense()))
        },
    );
    reg(
        engine,
        "matvec",
        &["H: operator", "x: ndarray|cndarray", "cndarray"],
        "H·x for a complex operator.",
        |h: &mut HermitianOperator, x: Dynamic| complex_matvec(h, &x),
    );
    reg(
        engine,
        "matvec",
        &["H: operator", "x: cndarray", "cndarray"],
        "H·x for a real operator and a complex vector.",
        |h: &mut Operator, x: CArray| {
            complex_matvec(&HermitianOperator::from(&*h), &Dynamic::from(x))
        },
    );
    reg(
        engine,
        "to_string",
        &["H: operator", "string"],
        "Short description.",
        |h: &mut HermitianOperator| {
            format!(
                "operator({}×{}, complex Hermitian, {}, {} stored values)",
                h.n(),
                h.n(),
                if matches!(h, HermitianOperator::Dense(_)) {
                    "dense"
                } else {
                    "sparse"
                },
                h.nnz()
            )
        },
    );
    // sums and multiples: A + B, A − B, c·A (real operators stay real)
    macro_rules! sums {
        ($ta:ty, $tb:ty) => {
            reg(
                engine,
                "+",
                &["A: operator", "B: operator", "operator"],
                "The sum of two operators of the same size (complex if either is).",
                |a: $ta, b: $tb| -> Res<HermitianOperator> {
                    combine(1.0, &Dynamic::from(a), 1.0, &Dynamic::from(b), "+")
                },
            );
            reg(
                engine,
                "-",
                &["A: operator", "B: operator", "operator"],
                "The difference of two operators of the same size.",
                |a: $ta, b: $tb| -> Res<HermitianOperator> {
                    combine(1.0, &Dynamic::from(a), -1.0, &Dynamic::from(b), "-")
                },
            );
        };
    }
    sums!(HermitianOperator, HermitianOperator);
    sums!(HermitianOperator, Operator);
    sums!(Operator, HermitianOperator);
    reg(
        engine,
        "+",
        &["A: operator", "B: operator", "operator"],
        "The sum of two real operators of the same size.",
        |a: Operator, b: Operator| -> Res<Operator> {
            Operator::combine(1.0, &a, 1.0, &b).map_err(|e| format!("+: {e}").into())
        },
    );
    reg(
        engine,
        "-",
        &["A: operator", "B: operator", "operator"],
        "The difference of two real operators.",
        |a: Operator, b: Operator| -> Res<Operator> {
            Operator::combine(1.0, &a, -1.0, &b).map_err(|e| format!("-: {e}").into())
        },
    );
    reg(
        engine,
        "*",
        &["c: float", "A: operator", "operator"],
        "c·A.",
        |c: f64, a: Operator| a.scaled(c),
    );
    reg(
        engine,
        "*",
        &["A: operator", "c: float", "operator"],
        "A·c.",
        |a: Operator, c: f64| a.scaled(c),
    );
    reg(
        engine,
        "*",
        &["c: int", "A: operator", "operator"],
        "c·A.",
        |c: INT, a: Operator| a.scaled(c as f64),
    );
    reg(
        engine,
        "*",
        &["c: float", "A: operator", "operator"],
        "c·A (real c keeps A Hermitian).",
        |c: f64, a: HermitianOperator| a.scaled(c),
    );
    reg(
        engine,
        "*",
        &["A: operator", "c: float", "operator"],
        "A·c.",
        |a: HermitianOperator, c: f64| a.scaled(c),
    );
    // the spectrum of a complex operator
    reg(
        engine,
        "get$values",
        &["s: spectrum", "ndarray"],
        "`s.values`: eigenvalues.",
        |s: &mut ComplexSpectrum| NdArray::from_vec(s.values.clone()),
    );
    reg(
        engine,
        "get$vectors",
        &["s: spectrum", "cndarray"],
        "`s.vectors`: n×k complex matrix, column m is the eigenvector of values[m].",
        |s: &mut ComplexSpectrum| cmat_to_nd(&s.vectors),
    );
    reg(
        engine,
        "len",
        &["s: spectrum", "int"],
        "Number of eigenpairs.",
        |s: &mut ComplexSpectrum| s.len() as INT,
    );
    reg(
        engine,
        "vector",
        &["s: spectrum", "m: int", "cndarray"],
        "Eigenvector m as a complex 1D array.",
        |s: &mut ComplexSpectrum, m: INT| -> Res<CArray> {
            if m < 0 || m as usize >= s.len() {
                return err(format!("vector: index {m} out of range (0..{})", s.len()));
            }
            Ok(CArray::from_vec(
                (0..s.vectors.nrows())
                    .map(|i| s.vectors[(i, m as usize)])
                    .collect(),
            ))
        },
    );
    reg(
        engine,
        "residuals",
        &["H: operator", "s: spectrum", "ndarray"],
        "‖Hψ − Eψ‖ for every eigenpair of a complex operator.",
        |h: &mut HermitianOperator, s: ComplexSpectrum| -> Res<NdArray> {
            if s.vectors.nrows() != h.n() {
                return err(
                    "residuals: the spectrum does not belong to this operator (sizes differ)",
                );
            }
            Ok(NdArray::from_vec(residuals_hermitian(h, &s)))
        },
    );
    reg(
        engine,
        "to_string",
        &["s: spectrum", "string"],
        "Short description.",
        |s: &mut ComplexSpectrum| show_spectrum(s),
    );
    // localization measures depend on |ψ|² only: the real formulas on |ψ|
    let moduli = |s: &ComplexSpectrum| {
        Mat::from_fn(s.vectors.nrows(), s.vectors.ncols(), |i, m| {
            s.vectors[(i, m)].norm()
        })
    };
    reg(engine, "ipr", &["s: spectrum", "ndarray"], "Inverse participation ratio Σ|ψ|⁴/(Σ|ψ|²)² per mode of a complex spectrum, in energy order.", move |s: ComplexSpectrum| NdArray::from_vec(iprs(&moduli(&s))));
    reg(
        engine,
        "participation_ratio",
        &["s: spectrum", "ndarray"],
        "1/IPR per mode of a complex spectrum, in energy order.",
        move |s: ComplexSpectrum| {
            NdArray::from_vec(iprs(&moduli(&s)).iter().map(|p| 1.0 / p).collect())
        },
    );
    reg(
        engine,
        "mode_area",
        &["s: spectrum", "ndarray"],
        "Mode areas (1/N)(Σ|ψ|²)²/Σ|ψ|⁴ of a complex spectrum, in energy order.",
        move |s: ComplexSpectrum| NdArray::from_vec(mode_areas(&moduli(&s))),
    );
}
