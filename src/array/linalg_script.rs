//! rhai API of dense linear algebra on ndarrays (numpy.linalg's names): `solve`, `inv`, `det`,
//! `lstsq`, `qr`, `svd`, `cholesky`, `eigvals`, `kron`. The kernels are `linalg::dense` (faer).

use super::NdArray;
use crate::args::{check_alloc, reg, Res};
use crate::linalg::dense;
use faer::Mat;
use rhai::{Dynamic, Engine, Map};

/// A 2D argument as a faer matrix; a 1D one as a column when `column` (right-hand sides).
fn matrix(v: &Dynamic, f: &str, arg: &str, column: bool) -> Res<(Mat<f64>, bool)> {
    let a = crate::convert::arr_like(v, f, arg)?;
    let s = a.shape().to_vec();
    let d = a.as_slice_or_vec();
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

fn nd(m: &Mat<f64>) -> Res<NdArray> {
    let (r, c) = (m.nrows(), m.ncols());
    NdArray::from_shape(&[r, c], (0..r * c).map(|k| m[(k / c, k % c)]).collect())
        .map_err(|e| e.to_string().into())
}

fn vector(m: &Mat<f64>) -> NdArray {
    NdArray::from_vec((0..m.nrows()).map(|i| m[(i, 0)]).collect())
}

fn size_check(f: &str, m: &Mat<f64>) -> Res<()> {
    check_alloc(
        f,
        "the factorization",
        3 * (m.nrows() as u128) * (m.ncols() as u128),
        8,
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

/// Register the linear-algebra functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "solve", &["A: ndarray", "b: ndarray", "ndarray"], "x with A·x = b for a square A (LU with partial pivoting); b a vector, or a matrix whose columns are right-hand sides. A singular A is an error.", |a: Dynamic, b: Dynamic| -> Res<NdArray> {
        with_rhs("solve", &a, &b, dense::solve)
    });
    reg(
        engine,
        "inv",
        &["A: ndarray", "ndarray"],
        "The inverse of a square matrix (an error when it is singular; prefer solve for A⁻¹b).",
        |a: Dynamic| -> Res<NdArray> {
            let (a, _) = matrix(&a, "inv", "A", false)?;
            size_check("inv", &a)?;
            nd(&dense::inv(&a).map_err(|e| format!("inv: {e}"))?)
        },
    );
    reg(
        engine,
        "det",
        &["A: ndarray", "float"],
        "The determinant of a square matrix (by LU).",
        |a: Dynamic| -> Res<f64> {
            let (a, _) = matrix(&a, "det", "A", false)?;
            size_check("det", &a)?;
            dense::det(&a).map_err(|e| format!("det: {e}").into())
        },
    );
    reg(engine, "lstsq", &["A: ndarray", "b: ndarray", "ndarray"], "Least squares: x minimising ‖A·x − b‖ for an m×n A with m ≥ n and full column rank (by QR).", |a: Dynamic, b: Dynamic| -> Res<NdArray> {
        with_rhs("lstsq", &a, &b, dense::lstsq)
    });
    reg(engine, "qr", &["A: ndarray", "map"], "Thin QR decomposition A = Q·R: #{q (m×k, orthonormal columns), r (k×n, upper triangular with R_ii ≥ 0)}, k = min(m, n). With R_ii ≥ 0 the decomposition is unique: Σ ln R_ii of repeated QRs gives Lyapunov exponents (transfer matrices).", |a: Dynamic| -> Res<Map> {
        let (a, _) = matrix(&a, "qr", "A", false)?;
        size_check("qr", &a)?;
        let (q, r) = dense::qr(&a).map_err(|e| format!("qr: {e}"))?;
        let mut m = Map::new();
        m.insert("q".into(), Dynamic::from(nd(&q)?));
        m.insert("r".into(), Dynamic::from(nd(&r)?));
        Ok(m)
    });
    reg(engine, "svd", &["A: ndarray", "map"], "Thin singular value decomposition A = U·diag(s)·Vᵀ: #{u (m×k), s (k, descending), v (n×k)}, k = min(m, n).", |a: Dynamic| -> Res<Map> {
        let (a, _) = matrix(&a, "svd", "A", false)?;
        size_check("svd", &a)?;
        let (u, s, v) = dense::svd(&a).map_err(|e| format!("svd: {e}"))?;
        let mut m = Map::new();
        m.insert("u".into(), Dynamic::from(nd(&u)?));
        m.insert("s".into(), Dynamic::from(NdArray::from_vec(s)));
        m.insert("v".into(), Dynamic::from(nd(&v)?));
        Ok(m)
    });
    reg(engine, "cholesky", &["A: ndarray", "ndarray"], "The lower-triangular L with A = L·Lᵀ of a symmetric positive-definite matrix (an error otherwise).", |a: Dynamic| -> Res<NdArray> {
        let (a, _) = matrix(&a, "cholesky", "A", false)?;
        size_check("cholesky", &a)?;
        nd(&dense::cholesky(&a).map_err(|e| format!("cholesky: {e}"))?)
    });
    reg(engine, "eigvals", &["A: ndarray", "map"], "Eigenvalues of a general (non-symmetric) square matrix: #{re, im}, sorted by real part (eigvalsh for symmetric ones: faster, real).", |a: Dynamic| -> Res<Map> {
        let (a, _) = matrix(&a, "eigvals", "A", false)?;
        size_check("eigvals", &a)?;
        let (re, im) = dense::eigvals(&a).map_err(|e| format!("eigvals: {e}"))?;
        let mut m = Map::new();
        m.insert("re".into(), Dynamic::from(NdArray::from_vec(re)));
        m.insert("im".into(), Dynamic::from(NdArray::from_vec(im)));
        Ok(m)
    });
    reg(
        engine,
        "kron",
        &["A: ndarray", "B: ndarray", "ndarray"],
        "The Kronecker product A ⊗ B of two matrices (1D arrays count as rows).",
        |a: Dynamic, b: Dynamic| -> Res<NdArray> {
            let as_rows = |v: &Dynamic, arg: &str| -> Res<Mat<f64>> {
                let x = crate::convert::arr_like(v, "kron", arg)?;
                let d = x.as_slice_or_vec();
                match x.shape() {
                    [n] => Ok(Mat::from_fn(1, *n, |_, j| d[j])),
                    [r, c] => Ok(Mat::from_fn(*r, *c, |i, j| d[i * c + j])),
                    s => Err(
                        format!("kron: argument '{arg}' must be 1D or 2D, got shape {s:?}").into(),
                    ),
                }
            };
            let (a, b) = (as_rows(&a, "A")?, as_rows(&b, "B")?);
            check_alloc(
                "kron",
                "the product",
                (a.nrows() * b.nrows()) as u128 * (a.ncols() * b.ncols()) as u128,
                8,
            )?;
            nd(&dense::kron(&a, &b))
        },
    );
}
