//! rhai API of dense linear algebra on ndarrays (numpy.linalg's names): `solve`, `inv`, `det`,
//! `expm`, `lstsq`, `qr`, `svd`, `cholesky`, `eigvals`, `kron`. The kernels are `linalg::dense`
//! (faer); every one takes complex matrices too: one generic path over `Entry` (f64 or c64),
//! chosen by whether an argument is complex.

use super::complex::CArray;
use super::complex_script::carray_arg;
use super::NdArray;
use crate::args::{check_alloc, reg, Res};
use crate::linalg::dense::{self, Scalar};
use faer::{c64, Mat};
use rhai::{Dynamic, Engine, Map};

/// A matrix entry the script can pass and get back: real (ndarray) or complex (cndarray).
trait Entry: Scalar + faer::traits::ComplexField<Real = f64> + rhai::Variant + Clone {
    /// The argument's shape and row-major entries (a real argument promoted when complex).
    fn data(v: &Dynamic, f: &str, arg: &str) -> Res<(Vec<usize>, Vec<Self>)>;
    /// A shape and row-major entries as the script's array.
    fn array(shape: &[usize], data: Vec<Self>) -> Res<Dynamic>;
}

impl Entry for f64 {
    fn data(v: &Dynamic, f: &str, arg: &str) -> Res<(Vec<usize>, Vec<f64>)> {
        let a = crate::convert::arr_like(v, f, arg)?;
        Ok((a.shape().to_vec(), a.as_slice_or_vec().into_owned()))
    }
    fn array(shape: &[usize], data: Vec<f64>) -> Res<Dynamic> {
        NdArray::from_shape(shape, data)
            .map(Dynamic::from)
            .map_err(|e| e.to_string().into())
    }
}

impl Entry for c64 {
    fn data(v: &Dynamic, f: &str, arg: &str) -> Res<(Vec<usize>, Vec<c64>)> {
        let a = carray_arg(v, f, arg)?;
        Ok((a.shape().to_vec(), a.to_vec()))
    }
    fn array(shape: &[usize], data: Vec<c64>) -> Res<Dynamic> {
        CArray::from_shape_vec(shape, data)
            .map(Dynamic::from)
            .map_err(|e| e.into())
    }
}

/// `$f::<c64>(…)` when `$complex`, else `$f::<f64>(…)`.
macro_rules! real_or_complex {
    ($complex:expr, $f:ident($($arg:expr),*)) => {
        if $complex {
            $f::<c64>($($arg),*)
        } else {
            $f::<f64>($($arg),*)
        }
    };
}

/// Complex arguments send a call down the complex path.
fn is_complex(v: &Dynamic) -> bool {
    v.is::<CArray>() || v.is::<c64>()
}

/// A 2D argument as a faer matrix; a 1D one as a column when `column` (right-hand sides).
fn matrix<T: Entry>(v: &Dynamic, f: &str, arg: &str, column: bool) -> Res<(Mat<T>, bool)> {
    let (s, d) = T::data(v, f, arg)?;
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

/// A 2D argument ("A"), checked against the memory budget of its factorization (squareness is
/// the kernel's check: lstsq, qr and svd take any shape).
fn matrix_a<T: Entry>(v: &Dynamic, f: &str) -> Res<Mat<T>> {
    let (m, _) = matrix::<T>(v, f, "A", false)?;
    check_alloc(
        f,
        "the factorization",
        3 * (m.nrows() as u128) * (m.ncols() as u128),
        std::mem::size_of::<T>() as u128,
    )?;
    Ok(m)
}

/// A matrix back to the script (a single column as a vector when `vector`).
fn script_array<T: Entry>(m: &Mat<T>, vector: bool) -> Res<Dynamic> {
    let c = m.ncols();
    let data = (0..m.nrows() * c).map(|k| m[(k / c, k % c)]).collect();
    if vector {
        T::array(&[m.nrows()], data)
    } else {
        T::array(&[m.nrows(), c], data)
    }
}

fn failed(f: &str) -> impl Fn(String) -> Box<rhai::EvalAltResult> + '_ {
    move |e| format!("{f}: {e}").into()
}

/// x from A and right-hand sides b (a vector gives a vector back): `solve` and `lstsq`.
fn with_rhs<T: Entry>(
    f: &str,
    a: &Dynamic,
    b: &Dynamic,
    op: fn(&Mat<T>, &Mat<T>) -> Result<Mat<T>, String>,
) -> Res<Dynamic> {
    let a = matrix_a::<T>(a, f)?;
    let (b, was_vec) = matrix::<T>(b, f, "b", true)?;
    script_array(&op(&a, &b).map_err(failed(f))?, was_vec)
}

/// A matrix function (`inv`, `expm`, `cholesky`).
fn matrix_fn<T: Entry>(
    f: &str,
    a: &Dynamic,
    op: fn(&Mat<T>) -> Result<Mat<T>, String>,
) -> Res<Dynamic> {
    script_array(&op(&matrix_a::<T>(a, f)?).map_err(failed(f))?, false)
}

fn det<T: Entry>(a: &Dynamic) -> Res<Dynamic> {
    Ok(Dynamic::from(
        dense::det(&matrix_a::<T>(a, "det")?).map_err(failed("det"))?,
    ))
}

fn qr<T: Entry>(a: &Dynamic) -> Res<Map> {
    let (q, r) = dense::qr(&matrix_a::<T>(a, "qr")?).map_err(failed("qr"))?;
    let mut m = Map::new();
    m.insert("q".into(), script_array(&q, false)?);
    m.insert("r".into(), script_array(&r, false)?);
    Ok(m)
}

fn svd<T: Entry>(a: &Dynamic) -> Res<Map> {
    let (u, s, v) = dense::svd(&matrix_a::<T>(a, "svd")?).map_err(failed("svd"))?;
    let mut m = Map::new();
    m.insert("u".into(), script_array(&u, false)?);
    m.insert("s".into(), Dynamic::from(NdArray::from_vec(s)));
    m.insert("v".into(), script_array(&v, false)?);
    Ok(m)
}

fn eigvals<T: Entry>(a: &Dynamic) -> Res<Map> {
    let (re, im) = dense::eigvals(&matrix_a::<T>(a, "eigvals")?).map_err(failed("eigvals"))?;
    let mut m = Map::new();
    m.insert("re".into(), Dynamic::from(NdArray::from_vec(re)));
    m.insert("im".into(), Dynamic::from(NdArray::from_vec(im)));
    Ok(m)
}

fn kron<T: Entry>(a: &Dynamic, b: &Dynamic) -> Res<Dynamic> {
    // 1D arrays count as rows
    let as_rows = |v: &Dynamic, arg: &str| -> Res<Mat<T>> {
        let (s, d) = T::data(v, "kron", arg)?;
        match s[..] {
            [n] => Ok(Mat::from_fn(1, n, |_, j| d[j])),
            [r, c] => Ok(Mat::from_fn(r, c, |i, j| d[i * c + j])),
            _ => Err(format!("kron: argument '{arg}' must be 1D or 2D, got shape {s:?}").into()),
        }
    };
    let (a, b) = (as_rows(a, "A")?, as_rows(b, "B")?);
    check_alloc(
        "kron",
        "the product",
        (a.nrows() * b.nrows()) as u128 * (a.ncols() * b.ncols()) as u128,
        std::mem::size_of::<T>() as u128,
    )?;
    script_array(&dense::kron(&a, &b), false)
}

/// Register the linear-algebra functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "solve", &["A: ndarray|cndarray", "b: ndarray|cndarray", "ndarray|cndarray"], "x with A·x = b for a square A (LU with partial pivoting); b a vector, or a matrix whose columns are right-hand sides; complex when A or b is. A singular A is an error.", |a: Dynamic, b: Dynamic| {
        real_or_complex!(is_complex(&a) || is_complex(&b), with_rhs("solve", &a, &b, dense::solve))
    });
    reg(
        engine,
        "inv",
        &["A: ndarray|cndarray", "ndarray|cndarray"],
        "The inverse of a square real or complex matrix (an error when it is singular; prefer solve for A⁻¹b).",
        |a: Dynamic| real_or_complex!(is_complex(&a), matrix_fn("inv", &a, dense::inv)),
    );
    reg(
        engine,
        "det",
        &["A: ndarray|cndarray", "float|complex"],
        "The determinant of a square matrix (by LU); complex for a complex matrix.",
        |a: Dynamic| real_or_complex!(is_complex(&a), det(&a)),
    );
    reg(engine, "expm", &["A: ndarray|cndarray", "ndarray|cndarray"], "The matrix exponential e^A of a square real or complex matrix (scaling and squaring with a Padé approximant, as scipy's expm): the propagator expm(-i·H·t) of a Hamiltonian, a Markov generator's e^(Qt). Dense, O(n³): for a state evolved under a large sparse H, use kpm or eigh.", |a: Dynamic| real_or_complex!(is_complex(&a), matrix_fn("expm", &a, dense::expm)));
    reg(engine, "lstsq", &["A: ndarray|cndarray", "b: ndarray|cndarray", "ndarray|cndarray"], "Least squares: x minimising ‖A·x − b‖ for an m×n A with m ≥ n and full column rank (by QR); complex when A or b is.", |a: Dynamic, b: Dynamic| {
        real_or_complex!(is_complex(&a) || is_complex(&b), with_rhs("lstsq", &a, &b, dense::lstsq))
    });
    reg(engine, "qr", &["A: ndarray|cndarray", "map"], "Thin QR decomposition A = Q·R: #{q (m×k, orthonormal columns), r (k×n, upper triangular with R_ii real and ≥ 0)}, k = min(m, n); complex for a complex A. With R_ii ≥ 0 the decomposition is unique: Σ ln R_ii of repeated QRs gives Lyapunov exponents (transfer matrices).", |a: Dynamic| real_or_complex!(is_complex(&a), qr(&a)));
    reg(engine, "svd", &["A: ndarray|cndarray", "map"], "Thin singular value decomposition A = U·diag(s)·Vᴴ: #{u (m×k), s (k, descending), v (n×k)}, k = min(m, n); u and v complex for a complex A.", |a: Dynamic| real_or_complex!(is_complex(&a), svd(&a)));
    reg(engine, "cholesky", &["A: ndarray|cndarray", "ndarray|cndarray"], "The lower-triangular L with A = L·Lᴴ of a symmetric (Hermitian, for a complex A) positive-definite matrix (an error otherwise).", |a: Dynamic| real_or_complex!(is_complex(&a), matrix_fn("cholesky", &a, dense::cholesky)));
    reg(engine, "eigvals", &["A: ndarray|cndarray", "map"], "Eigenvalues of a general (non-symmetric, or non-Hermitian complex) square matrix: #{re, im}, sorted by real part (eigvalsh for symmetric or Hermitian ones: faster, real).", |a: Dynamic| real_or_complex!(is_complex(&a), eigvals(&a)));
    reg(
        engine,
        "kron",
        &["A: ndarray|cndarray", "B: ndarray|cndarray", "ndarray|cndarray"],
        "The Kronecker product A ⊗ B of two matrices (1D arrays count as rows); complex when either is.",
        |a: Dynamic, b: Dynamic| real_or_complex!(is_complex(&a) || is_complex(&b), kron(&a, &b)),
    );
}
