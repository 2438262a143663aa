//! rhai API of dense linear algebra on ndarrays (numpy.linalg's names): `solve`, `inv`, `det`,
//! `expm`, `lstsq`, `qr`, `svd`, `cholesky`, `eigvals`, `kron`. The kernels are `linalg::dense`
//! (faer); every one takes complex matrices too.

use super::complex::CArray;
use super::complex_script::carray_arg;
use super::NdArray;
use crate::args::{check_alloc, reg, Res};
use crate::linalg::dense::{self, Scalar};
use faer::{c64, Mat};
use rhai::{Dynamic, Engine, Map};

/// Row-major data of `shape` as a faer matrix; a 1D one as a column when `column`.
fn as_mat<T: Scalar>(
    s: &[usize],
    d: &[T],
    f: &str,
    arg: &str,
    column: bool,
) -> Res<(Mat<T>, bool)> {
    match s.len() {
        2 => Ok((Mat::from_fn(s[0], s[1], |i, j| d[i * s[1] + j]), false)),
        1 if column => Ok((Mat::from_fn(s[0], 1, |i, _| d[i]), true)),
        _ => Err(format!(
            "{f}: argument '{arg}' must be a {} array, got shape {s:?}",
            if column { "1D or 2D" } else { "2D" }
        )
        .into()),
    }
}

/// A 2D argument as a faer matrix; a 1D one as a column when `column` (right-hand sides).
fn matrix(v: &Dynamic, f: &str, arg: &str, column: bool) -> Res<(Mat<f64>, bool)> {
    let a = crate::convert::arr_like(v, f, arg)?;
    as_mat(a.shape(), &a.as_slice_or_vec(), f, arg, column)
}

/// The same for a complex (or real, promoted) argument.
fn cmatrix(v: &Dynamic, f: &str, arg: &str, column: bool) -> Res<(Mat<c64>, bool)> {
    let a = carray_arg(v, f, arg)?;
    as_mat(a.shape(), &a.to_vec(), f, arg, column)
}

/// Complex arguments send a call down the complex path.
fn is_complex(v: &Dynamic) -> bool {
    v.is::<CArray>() || v.is::<c64>()
}

fn rows<T: Scalar>(m: &Mat<T>) -> Vec<T> {
    let c = m.ncols();
    (0..m.nrows() * c).map(|k| m[(k / c, k % c)]).collect()
}

fn nd(m: &Mat<f64>) -> Res<NdArray> {
    NdArray::from_shape(&[m.nrows(), m.ncols()], rows(m)).map_err(|e| e.to_string().into())
}

fn cnd(m: &Mat<c64>) -> Res<CArray> {
    CArray::from_shape_vec(&[m.nrows(), m.ncols()], rows(m)).map_err(|e| e.into())
}

fn vector(m: &Mat<f64>) -> NdArray {
    NdArray::from_vec((0..m.nrows()).map(|i| m[(i, 0)]).collect())
}

fn size_check<T>(f: &str, m: &Mat<T>) -> Res<()> {
    check_alloc(
        f,
        "the factorization",
        3 * (m.nrows() as u128) * (m.ncols() as u128),
        if std::mem::size_of::<T>() > 8 { 16 } else { 8 },
    )
}

/// x from A and right-hand sides b (a vector gives a vector back): `solve` and `lstsq`.
fn with_rhs(
    f: &str,
    a: &Dynamic,
    b: &Dynamic,
    op: fn(&Mat<f64>, &Mat<f64>) -> Result<Mat<f64>, String>,
) -> Res<NdArray> {
    let (a, _) = matrix(a, f, "A", false)?;
    let (b, was_vec) = matrix(b, f, "b", true)?;
    size_check(f, &a)?;
    let x = op(&a, &b).map_err(|e| format!("{f}: {e}"))?;
    if was_vec {
        Ok(vector(&x))
    } else {
        nd(&x)
    }
}

/// `solve` with a complex A or b.
fn solve_complex(a: &Dynamic, b: &Dynamic) -> Res<CArray> {
    const F: &str = "solve";
    let (a, _) = cmatrix(a, F, "A", false)?;
    let (b, was_vec) = cmatrix(b, F, "b", true)?;
    size_check(F, &a)?;
    let x = dense::solve(&a, &b).map_err(|e| format!("{F}: {e}"))?;
    if was_vec {
        Ok(CArray::from_vec(
            (0..x.nrows()).map(|i| x[(i, 0)]).collect(),
        ))
    } else {
        cnd(&x)
    }
}

/// A square-matrix function (`inv`, `expm`) on a real or complex matrix.
fn square_fn(
    f: &str,
    a: &Dynamic,
    real: fn(&Mat<f64>) -> Result<Mat<f64>, String>,
    complex: fn(&Mat<c64>) -> Result<Mat<c64>, String>,
) -> Res<Dynamic> {
    if is_complex(a) {
        let (m, _) = cmatrix(a, f, "A", false)?;
        size_check(f, &m)?;
        return Ok(Dynamic::from(cnd(
            &complex(&m).map_err(|e| format!("{f}: {e}"))?
        )?));
    }
    let (m, _) = matrix(a, f, "A", false)?;
    size_check(f, &m)?;
    Ok(Dynamic::from(nd(
        &real(&m).map_err(|e| format!("{f}: {e}"))?
    )?))
}

/// Register the linear-algebra functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "solve", &["A: ndarray|cndarray", "b: ndarray|cndarray", "ndarray|cndarray"], "x with A·x = b for a square A (LU with partial pivoting); b a vector, or a matrix whose columns are right-hand sides; complex when A or b is. A singular A is an error.", |a: Dynamic, b: Dynamic| -> Res<Dynamic> {
        if is_complex(&a) || is_complex(&b) {
            return solve_complex(&a, &b).map(Dynamic::from);
        }
        with_rhs("solve", &a, &b, dense::solve).map(Dynamic::from)
    });
    reg(
        engine,
        "inv",
        &["A: ndarray|cndarray", "ndarray|cndarray"],
        "The inverse of a square real or complex matrix (an error when it is singular; prefer solve for A⁻¹b).",
        |a: Dynamic| square_fn("inv", &a, dense::inv, dense::inv),
    );
    reg(
        engine,
        "det",
        &["A: ndarray|cndarray", "float|complex"],
        "The determinant of a square matrix (by LU); complex for a complex matrix.",
        |a: Dynamic| -> Res<Dynamic> {
            if is_complex(&a) {
                let (m, _) = cmatrix(&a, "det", "A", false)?;
                size_check("det", &m)?;
                return Ok(Dynamic::from(
                    dense::det(&m).map_err(|e| format!("det: {e}"))?,
                ));
            }
            let (m, _) = matrix(&a, "det", "A", false)?;
            size_check("det", &m)?;
            Ok(Dynamic::from(
                dense::det(&m).map_err(|e| format!("det: {e}"))?,
            ))
        },
    );
    reg(engine, "expm", &["A: ndarray|cndarray", "ndarray|cndarray"], "The matrix exponential e^A of a square real or complex matrix (scaling and squaring with a Padé approximant, as scipy's expm): the propagator expm(-i·H·t) of a Hamiltonian, a Markov generator's e^(Qt). Dense, O(n³): for a state evolved under a large sparse H, use kpm or eigh.", |a: Dynamic| square_fn("expm", &a, dense::expm, dense::expm));
    reg(engine, "lstsq", &["A: ndarray|cndarray", "b: ndarray|cndarray", "ndarray|cndarray"], "Least squares: x minimising ‖A·x − b‖ for an m×n A with m ≥ n and full column rank (by QR); complex when A or b is.", |a: Dynamic, b: Dynamic| -> Res<Dynamic> {
        const F: &str = "lstsq";
        if is_complex(&a) || is_complex(&b) {
            let (a, _) = cmatrix(&a, F, "A", false)?;
            let (b, was_vec) = cmatrix(&b, F, "b", true)?;
            size_check(F, &a)?;
            let x = dense::lstsq(&a, &b).map_err(|e| format!("{F}: {e}"))?;
            return if was_vec {
                Ok(Dynamic::from(CArray::from_vec((0..x.nrows()).map(|i| x[(i, 0)]).collect())))
            } else {
                cnd(&x).map(Dynamic::from)
            };
        }
        with_rhs(F, &a, &b, dense::lstsq).map(Dynamic::from)
    });
    reg(engine, "qr", &["A: ndarray|cndarray", "map"], "Thin QR decomposition A = Q·R: #{q (m×k, orthonormal columns), r (k×n, upper triangular with R_ii real and ≥ 0)}, k = min(m, n); complex for a complex A. With R_ii ≥ 0 the decomposition is unique: Σ ln R_ii of repeated QRs gives Lyapunov exponents (transfer matrices).", |a: Dynamic| -> Res<Map> {
        let mut m = Map::new();
        if is_complex(&a) {
            let (a, _) = cmatrix(&a, "qr", "A", false)?;
            size_check("qr", &a)?;
            let (q, r) = dense::qr(&a).map_err(|e| format!("qr: {e}"))?;
            m.insert("q".into(), Dynamic::from(cnd(&q)?));
            m.insert("r".into(), Dynamic::from(cnd(&r)?));
            return Ok(m);
        }
        let (a, _) = matrix(&a, "qr", "A", false)?;
        size_check("qr", &a)?;
        let (q, r) = dense::qr(&a).map_err(|e| format!("qr: {e}"))?;
        m.insert("q".into(), Dynamic::from(nd(&q)?));
        m.insert("r".into(), Dynamic::from(nd(&r)?));
        Ok(m)
    });
    reg(engine, "svd", &["A: ndarray|cndarray", "map"], "Thin singular value decomposition A = U·diag(s)·Vᴴ: #{u (m×k), s (k, descending), v (n×k)}, k = min(m, n); u and v complex for a complex A.", |a: Dynamic| -> Res<Map> {
        let mut m = Map::new();
        if is_complex(&a) {
            let (a, _) = cmatrix(&a, "svd", "A", false)?;
            size_check("svd", &a)?;
            let (u, s, v) = dense::svd(&a).map_err(|e| format!("svd: {e}"))?;
            m.insert("u".into(), Dynamic::from(cnd(&u)?));
            m.insert("s".into(), Dynamic::from(NdArray::from_vec(s)));
            m.insert("v".into(), Dynamic::from(cnd(&v)?));
            return Ok(m);
        }
        let (a, _) = matrix(&a, "svd", "A", false)?;
        size_check("svd", &a)?;
        let (u, s, v) = dense::svd(&a).map_err(|e| format!("svd: {e}"))?;
        m.insert("u".into(), Dynamic::from(nd(&u)?));
        m.insert("s".into(), Dynamic::from(NdArray::from_vec(s)));
        m.insert("v".into(), Dynamic::from(nd(&v)?));
        Ok(m)
    });
    reg(engine, "cholesky", &["A: ndarray|cndarray", "ndarray|cndarray"], "The lower-triangular L with A = L·Lᴴ of a symmetric (Hermitian, for a complex A) positive-definite matrix (an error otherwise).", |a: Dynamic| square_fn("cholesky", &a, dense::cholesky, dense::cholesky));
    reg(engine, "eigvals", &["A: ndarray|cndarray", "map"], "Eigenvalues of a general (non-symmetric, or non-Hermitian complex) square matrix: #{re, im}, sorted by real part (eigvalsh for symmetric or Hermitian ones: faster, real).", |a: Dynamic| -> Res<Map> {
        let (re, im) = if is_complex(&a) {
            let (a, _) = cmatrix(&a, "eigvals", "A", false)?;
            size_check("eigvals", &a)?;
            dense::eigvals(&a)
        } else {
            let (a, _) = matrix(&a, "eigvals", "A", false)?;
            size_check("eigvals", &a)?;
            dense::eigvals(&a)
        }
        .map_err(|e| format!("eigvals: {e}"))?;
        let mut m = Map::new();
        m.insert("re".into(), Dynamic::from(NdArray::from_vec(re)));
        m.insert("im".into(), Dynamic::from(NdArray::from_vec(im)));
        Ok(m)
    });
    reg(
        engine,
        "kron",
        &["A: ndarray|cndarray", "B: ndarray|cndarray", "ndarray|cndarray"],
        "The Kronecker product A ⊗ B of two matrices (1D arrays count as rows); complex when either is.",
        |a: Dynamic, b: Dynamic| -> Res<Dynamic> {
            fn as_rows<T: Scalar>(s: &[usize], d: &[T], arg: &str) -> Res<Mat<T>> {
                match s {
                    [n] => Ok(Mat::from_fn(1, *n, |_, j| d[j])),
                    [r, c] => Ok(Mat::from_fn(*r, *c, |i, j| d[i * c + j])),
                    s => Err(
                        format!("kron: argument '{arg}' must be 1D or 2D, got shape {s:?}").into(),
                    ),
                }
            }
            fn product<T: Scalar>(a: Mat<T>, b: Mat<T>) -> Res<Mat<T>> {
                check_alloc(
                    "kron",
                    "the product",
                    (a.nrows() * b.nrows()) as u128 * (a.ncols() * b.ncols()) as u128,
                    std::mem::size_of::<T>() as u128,
                )?;
                Ok(dense::kron(&a, &b))
            }
            if is_complex(&a) || is_complex(&b) {
                let (x, y) = (carray_arg(&a, "kron", "A")?, carray_arg(&b, "kron", "B")?);
                let k = product(
                    as_rows(x.shape(), &x.to_vec(), "A")?,
                    as_rows(y.shape(), &y.to_vec(), "B")?,
                )?;
                return cnd(&k).map(Dynamic::from);
            }
            let x = crate::convert::arr_like(&a, "kron", "A")?;
            let y = crate::convert::arr_like(&b, "kron", "B")?;
            let k = product(
                as_rows(x.shape(), &x.as_slice_or_vec(), "A")?,
                as_rows(y.shape(), &y.as_slice_or_vec(), "B")?,
            )?;
            nd(&k).map(Dynamic::from)
        },
    );
}
