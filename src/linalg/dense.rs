//! Dense linear algebra on general (not necessarily symmetric) matrices, through faer:
//! solves, inverses, determinants and matrix exponentials of real and complex matrices; least
//! squares, QR, SVD, Cholesky and general eigenvalues of real ones; Kronecker products. Each
//! checks its input (square, finite, non-singular, positive definite) and says what is wrong
//! instead of returning NaN.

use faer::linalg::solvers::{DenseSolveCore, Solve, SolveLstsq};
use faer::{c64, Mat, Side};
use std::ops::{Add, AddAssign, Mul, MulAssign, Sub};

/// The entries the generic routines take: real and complex doubles.
pub trait Scalar:
    faer::traits::ComplexField
    + Copy
    + Add<Output = Self>
    + AddAssign
    + Sub<Output = Self>
    + Mul<Output = Self>
    + MulAssign
{
    /// |z|.
    fn modulus(self) -> f64;
    /// Both parts finite.
    fn is_finite_entry(self) -> bool;
    /// A real number as an entry.
    fn real(x: f64) -> Self;
    /// The complex conjugate (itself for a real number).
    fn conjugate(self) -> Self;
}

impl Scalar for f64 {
    fn modulus(self) -> f64 {
        self.abs()
    }
    fn is_finite_entry(self) -> bool {
        self.is_finite()
    }
    fn real(x: f64) -> Self {
        x
    }
    fn conjugate(self) -> Self {
        self
    }
}

impl Scalar for c64 {
    fn modulus(self) -> f64 {
        self.norm()
    }
    fn is_finite_entry(self) -> bool {
        self.re.is_finite() && self.im.is_finite()
    }
    fn real(x: f64) -> Self {
        c64::new(x, 0.0)
    }
    fn conjugate(self) -> Self {
        self.conj()
    }
}

fn finite<T: Scalar>(m: &Mat<T>, what: &str) -> Result<(), String> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            if !m[(i, j)].is_finite_entry() {
                return Err(format!("{what} holds a non-finite value at ({i}, {j})"));
            }
        }
    }
    Ok(())
}

fn square<T>(m: &Mat<T>, what: &str) -> Result<usize, String> {
    if m.nrows() != m.ncols() {
        return Err(format!("{what} is {}×{}, not square", m.nrows(), m.ncols()));
    }
    Ok(m.nrows())
}

/// The reciprocal condition estimate of an LU: the smallest |U_ii| over the largest. Zero
/// (or below ~1e-15) means singular to working precision.
fn lu_pivot_ratio<T: Scalar>(u: faer::MatRef<'_, T>) -> f64 {
    let n = u.nrows().min(u.ncols());
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for i in 0..n {
        let d = u[(i, i)].modulus();
        lo = lo.min(d);
        hi = hi.max(d);
    }
    if n == 0 || hi == 0.0 {
        0.0
    } else {
        lo / hi
    }
}

/// x with A x = b (b a vector or a matrix of right-hand sides), by LU with partial pivoting.
pub fn solve<T: Scalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, String> {
    let n = square(a, "the matrix")?;
    if b.nrows() != n {
        return Err(format!(
            "the right-hand side has {} rows, the matrix {n}",
            b.nrows()
        ));
    }
    finite(a, "the matrix")?;
    finite(b, "the right-hand side")?;
    let lu = a.partial_piv_lu();
    if lu_pivot_ratio(lu.U()) < 1e-15 {
        return Err("the matrix is singular (to working precision)".into());
    }
    Ok(lu.solve(b))
}

/// A⁻¹.
pub fn inv<T: Scalar>(a: &Mat<T>) -> Result<Mat<T>, String> {
    square(a, "the matrix")?;
    finite(a, "the matrix")?;
    let lu = a.partial_piv_lu();
    if lu_pivot_ratio(lu.U()) < 1e-15 {
        return Err("the matrix is singular (to working precision)".into());
    }
    Ok(lu.inverse())
}

/// det A.
pub fn det<T: Scalar>(a: &Mat<T>) -> Result<T, String> {
    square(a, "the matrix")?;
    finite(a, "the matrix")?;
    Ok(a.determinant())
}

/// Σ c_k M_k (+ c₀ 1 when `identity` is given): the polynomial pieces of the Padé approximant.
fn combination<T: Scalar>(n: usize, terms: &[(f64, &Mat<T>)], identity: f64) -> Mat<T> {
    Mat::from_fn(n, n, |i, j| {
        let mut s = if i == j {
            T::real(identity)
        } else {
            T::real(0.0)
        };
        for (c, m) in terms {
            s += T::real(*c) * m[(i, j)];
        }
        s
    })
}

/// e^A by scaling and squaring with a diagonal Padé approximant of degree 3, 5, 7, 9 or 13,
/// chosen from the 1-norm so that the truncation error is below double-precision rounding
/// (Higham's 2005 algorithm, the one scipy's `expm` and MATLAB use). Cost: about 6 + s matrix
/// products and one LU for ‖A‖₁ = θ₁₃·2ˢ.
pub fn expm<T: Scalar>(a: &Mat<T>) -> Result<Mat<T>, String> {
    let n = square(a, "the matrix")?;
    finite(a, "the matrix")?;
    let norm1 = (0..n)
        .map(|j| (0..n).map(|i| a[(i, j)].modulus()).sum::<f64>())
        .fold(0.0, f64::max);
    // the largest ‖A‖₁ for which Padé degree m is accurate to double precision
    const THETA: [(usize, f64); 4] = [
        (3, 1.495_585_217_958_292e-2),
        (5, 2.539_398_330_063_23e-1),
        (7, 9.504_178_996_162_932e-1),
        (9, 2.097_847_961_257_068),
    ];
    const THETA13: f64 = 5.371_920_351_148_152;
    const B: [f64; 14] = [
        64_764_752_532_480_000.0,
        32_382_376_266_240_000.0,
        7_771_770_303_897_600.0,
        1_187_353_796_428_800.0,
        129_060_195_264_000.0,
        10_559_470_521_600.0,
        670_442_572_800.0,
        33_522_128_640.0,
        1_323_241_920.0,
        40_840_800.0,
        960_960.0,
        16_380.0,
        182.0,
        1.0,
    ];
    let low: [&[f64]; 4] = [
        &[120.0, 60.0, 12.0, 1.0],
        &[30_240.0, 15_120.0, 3_360.0, 420.0, 30.0, 1.0],
        &[
            17_297_280.0,
            8_648_640.0,
            1_995_840.0,
            277_200.0,
            25_200.0,
            1_512.0,
            56.0,
            1.0,
        ],
        &[
            17_643_225_600.0,
            8_821_612_800.0,
            2_075_673_600.0,
            302_702_400.0,
            30_270_240.0,
            2_162_160.0,
            110_880.0,
            3_960.0,
            90.0,
            1.0,
        ],
    ];
    // U (odd part) and V (even part) of the numerator p(A) = V + U; q(A) = V − U
    let (u, v, squarings) = if let Some(k) = THETA.iter().position(|(_, t)| norm1 <= *t) {
        let b = low[k];
        let a2 = a * a;
        let mut powers = vec![Mat::<T>::identity(n, n)];
        for _ in 1..b.len() / 2 {
            let next = powers.last().map(|p| p * &a2).unwrap_or_else(|| a2.clone());
            powers.push(next);
        }
        let odd: Vec<(f64, &Mat<T>)> = powers
            .iter()
            .enumerate()
            .map(|(i, p)| (b[2 * i + 1], p))
            .collect();
        let even: Vec<(f64, &Mat<T>)> = powers
            .iter()
            .enumerate()
            .map(|(i, p)| (b[2 * i], p))
            .collect();
        (a * combination(n, &odd, 0.0), combination(n, &even, 0.0), 0)
    } else {
        let s = (norm1 / THETA13).log2().ceil().max(0.0) as i32;
        let scale = 0.5f64.powi(s);
        let a1 = Mat::from_fn(n, n, |i, j| T::real(scale) * a[(i, j)]);
        let a2 = &a1 * &a1;
        let a4 = &a2 * &a2;
        let a6 = &a4 * &a2;
        let inner_u = combination(n, &[(B[13], &a6), (B[11], &a4), (B[9], &a2)], 0.0);
        let u =
            &a1 * (&a6 * inner_u + combination(n, &[(B[7], &a6), (B[5], &a4), (B[3], &a2)], B[1]));
        let inner_v = combination(n, &[(B[12], &a6), (B[10], &a4), (B[8], &a2)], 0.0);
        let v = &a6 * inner_v + combination(n, &[(B[6], &a6), (B[4], &a4), (B[2], &a2)], B[0]);
        (u, v, s)
    };
    let p = Mat::from_fn(n, n, |i, j| v[(i, j)] + u[(i, j)]);
    let q = Mat::from_fn(n, n, |i, j| v[(i, j)] - u[(i, j)]);
    let mut x = q.partial_piv_lu().solve(&p);
    for _ in 0..squarings {
        x = &x * &x;
    }
    if !(0..n).all(|j| (0..n).all(|i| x[(i, j)].is_finite_entry())) {
        return Err(format!(
            "e^A overflows (‖A‖₁ = {norm1:.3e}: the entries exceed the largest double)"
        ));
    }
    Ok(x)
}

/// x minimising ‖A x − b‖₂ (A m×n with m ≥ n, full column rank), by QR.
pub fn lstsq<T: Scalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, String> {
    let (m, n) = (a.nrows(), a.ncols());
    if m < n {
        return Err(format!(
            "the matrix is {m}×{n}: least squares needs at least as many rows as columns"
        ));
    }
    if b.nrows() != m {
        return Err(format!(
            "the right-hand side has {} rows, the matrix {m}",
            b.nrows()
        ));
    }
    finite(a, "the matrix")?;
    finite(b, "the right-hand side")?;
    let qr = a.qr();
    let r = qr.thin_R();
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for i in 0..n {
        lo = lo.min(r[(i, i)].modulus());
        hi = hi.max(r[(i, i)].modulus());
    }
    if n > 0 && (hi == 0.0 || lo / hi < 1e-14) {
        return Err("the matrix does not have full column rank".into());
    }
    let mut x = b.clone();
    qr.solve_lstsq_in_place(x.as_mut());
    Ok(x.subrows(0, n).to_owned())
}

/// The thin QR: Q (m×k, orthonormal columns) and R (k×n, upper triangular), k = min(m, n).
/// R's diagonal is made real and non-negative (Q's columns rotated by the phase to match), so
/// that the decomposition is unique and log R_ii sums (transfer matrices) need no bookkeeping.
pub fn qr<T: Scalar>(a: &Mat<T>) -> Result<(Mat<T>, Mat<T>), String> {
    finite(a, "the matrix")?;
    let f = a.qr();
    let mut q = f.compute_thin_Q();
    let mut r = f.thin_R().to_owned();
    for i in 0..r.nrows().min(r.ncols()) {
        let d = r[(i, i)];
        let size = d.modulus();
        if size == 0.0 {
            continue;
        }
        // R = (D* R)(…) with Q → Q D: phase = R_ii/|R_ii|, unit modulus
        let phase = d * T::real(1.0 / size);
        let back = phase.conjugate();
        for j in 0..r.ncols() {
            r[(i, j)] = back * r[(i, j)];
        }
        for k in 0..q.nrows() {
            q[(k, i)] *= phase;
        }
        r[(i, i)] = T::real(size);
    }
    Ok((q, r))
}

/// The thin SVD A = U diag(s) Vᴴ, singular values descending.
pub fn svd<T: Scalar>(a: &Mat<T>) -> Result<(Mat<T>, Vec<f64>, Mat<T>), String> {
    finite(a, "the matrix")?;
    let s = a
        .thin_svd()
        .map_err(|e| format!("the SVD did not converge ({e:?})"))?;
    let k = a.nrows().min(a.ncols());
    let sv: Vec<f64> = (0..k).map(|i| s.S()[i].modulus()).collect();
    Ok((s.U().to_owned(), sv, s.V().to_owned()))
}

/// L lower triangular with A = L Lᴴ (A Hermitian — symmetric when real — positive definite).
pub fn cholesky<T: Scalar>(a: &Mat<T>) -> Result<Mat<T>, String> {
    let n = square(a, "the matrix")?;
    finite(a, "the matrix")?;
    let scale = (0..n)
        .map(|i| a[(i, i)].modulus())
        .fold(0.0, f64::max)
        .max(1e-300);
    for i in 0..n {
        for j in 0..=i {
            if (a[(i, j)] - a[(j, i)].conjugate()).modulus() > 1e-12 * scale {
                return Err(format!(
                    "the matrix is not {} at ({i}, {j})",
                    if std::mem::size_of::<T>() > 8 {
                        "Hermitian"
                    } else {
                        "symmetric"
                    }
                ));
            }
        }
    }
    let l = a
        .llt(Side::Lower)
        .map_err(|_| "the matrix is not positive definite".to_string())?;
    let mut out = l.L().to_owned();
    for j in 0..n {
        for i in 0..j {
            out[(i, j)] = T::real(0.0);
        }
    }
    Ok(out)
}

/// The eigenvalues of a general square matrix, real or complex (a non-Hermitian Hamiltonian), as
/// (real parts, imaginary parts), sorted by real part, then imaginary part.
pub fn eigvals<T: Scalar + faer::traits::ComplexField<Real = f64>>(
    a: &Mat<T>,
) -> Result<(Vec<f64>, Vec<f64>), String> {
    square(a, "the matrix")?;
    finite(a, "the matrix")?;
    let ev = a
        .eigenvalues()
        .map_err(|e| format!("the eigenvalue iteration did not converge ({e:?})"))?;
    let mut v: Vec<(f64, f64)> = ev.iter().map(|c| (c.re, c.im)).collect();
    v.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
    Ok(v.into_iter().unzip())
}

/// The Kronecker product A ⊗ B.
pub fn kron<T: Scalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    let (p, q) = (b.nrows(), b.ncols());
    Mat::from_fn(a.nrows() * p, a.ncols() * q, |i, j| {
        a[(i / p, j / q)] * b[(i % p, j % q)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[&[f64]]) -> Mat<f64> {
        Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
    }

    fn close(a: &Mat<f64>, b: &Mat<f64>, tol: f64) -> bool {
        a.nrows() == b.nrows()
            && a.ncols() == b.ncols()
            && (0..a.nrows()).all(|i| (0..a.ncols()).all(|j| (a[(i, j)] - b[(i, j)]).abs() < tol))
    }

    #[test]
    fn solve_inverse_and_determinant_of_a_known_matrix() {
        let a = m(&[&[4.0, 3.0], &[6.0, 3.0]]);
        assert!((det(&a).unwrap() + 6.0).abs() < 1e-12);
        let x = solve(&a, &m(&[&[10.0], &[12.0]])).unwrap();
        assert!(close(&x, &m(&[&[1.0], &[2.0]]), 1e-12));
        let ai = inv(&a).unwrap();
        assert!(close(&(&a * &ai), &Mat::identity(2, 2), 1e-12));
        assert!(
            solve(&m(&[&[1.0, 2.0], &[2.0, 4.0]]), &m(&[&[1.0], &[1.0]]))
                .unwrap_err()
                .contains("singular")
        );
    }

    #[test]
    fn qr_svd_cholesky_reconstruct() {
        let a = m(&[
            &[2.0, -1.0, 0.0],
            &[-1.0, 2.0, -1.0],
            &[0.0, -1.0, 2.0],
            &[1.0, 1.0, 1.0],
        ]);
        let (q, r) = qr(&a).unwrap();
        assert!(close(&(&q * &r), &a, 1e-12));
        assert!(close(&(q.transpose() * &q), &Mat::identity(3, 3), 1e-12));
        assert!((0..3).all(|i| r[(i, i)] >= 0.0));
        let (u, s, v) = svd(&a).unwrap();
        let us = Mat::from_fn(4, 3, |i, j| u[(i, j)] * s[j]);
        assert!(close(&(us * v.transpose()), &a, 1e-12));
        assert!(s.windows(2).all(|w| w[0] >= w[1]));
        let spd = m(&[&[4.0, 2.0], &[2.0, 3.0]]);
        let l = cholesky(&spd).unwrap();
        assert!(close(&(&l * l.transpose()), &spd, 1e-12) && l[(0, 1)] == 0.0);
        assert!(cholesky(&m(&[&[1.0, 2.0], &[2.0, 1.0]]))
            .unwrap_err()
            .contains("positive definite"));
    }

    #[test]
    fn matrix_exponentials_of_known_generators() {
        // a rotation generator at every Padé degree and with squaring: e^{tJ} = R(t)
        for t in [0.01f64, 0.2, 0.9, 2.0, 5.0, 50.0] {
            let e = expm(&m(&[&[0.0, -t], &[t, 0.0]])).unwrap();
            let r = m(&[&[t.cos(), -t.sin()], &[t.sin(), t.cos()]]);
            assert!(close(&e, &r, 1e-13 * t.max(1.0)), "t = {t}");
        }
        // nilpotent: e^N = 1 + N; diagonal: the exponentials
        let e = expm(&m(&[&[0.0, 1.0], &[0.0, 0.0]])).unwrap();
        assert!(close(&e, &m(&[&[1.0, 1.0], &[0.0, 1.0]]), 1e-15));
        let e = expm(&m(&[&[1.0, 0.0], &[0.0, -30.0]])).unwrap();
        assert!(
            (e[(0, 0)] - 1f64.exp()).abs() < 1e-14
                && (e[(1, 1)] / (-30f64).exp() - 1.0).abs() < 1e-12
        );
        // complex: e^{−iσ_x t} = cos t − iσ_x sin t (unitary)
        let t = 7.3;
        let z = |x: f64, y: f64| c64::new(x, y);
        let a = Mat::from_fn(2, 2, |i, j| if i == j { z(0.0, 0.0) } else { z(0.0, -t) });
        let e = expm(&a).unwrap();
        let want = [
            [z(t.cos(), 0.0), z(0.0, -t.sin())],
            [z(0.0, -t.sin()), z(t.cos(), 0.0)],
        ];
        for i in 0..2 {
            for j in 0..2 {
                assert!((e[(i, j)] - want[i][j]).norm() < 1e-13);
            }
        }
        assert!(expm(&m(&[&[1000.0]])).unwrap_err().contains("overflows"));
        let zc = Mat::from_fn(2, 2, |i, j| z((i + 2 * j) as f64, 1.0));
        let d = det(&zc).unwrap();
        // (0+i)(3+i) − (2+i)(1+i) = (−1 + 3i) − (1 + 3i) = −2
        assert!((d - z(-2.0, 0.0)).norm() < 1e-12);
    }

    #[test]
    fn general_eigenvalues_and_least_squares() {
        // a rotation by 90°: eigenvalues ±i
        let (re, im) = eigvals(&m(&[&[0.0, -1.0], &[1.0, 0.0]])).unwrap();
        assert!(re.iter().all(|x| x.abs() < 1e-12));
        assert!((im[0] + 1.0).abs() < 1e-12 && (im[1] - 1.0).abs() < 1e-12);
        // the line through (0, 1), (1, 3), (2, 5) exactly
        let x = lstsq(
            &m(&[&[1.0, 0.0], &[1.0, 1.0], &[1.0, 2.0]]),
            &m(&[&[1.0], &[3.0], &[5.0]]),
        )
        .unwrap();
        assert!(close(&x, &m(&[&[1.0], &[2.0]]), 1e-12));
        let k = kron(&m(&[&[1.0, 2.0]]), &m(&[&[1.0], &[10.0]]));
        assert!(close(&k, &m(&[&[1.0, 2.0], &[10.0, 20.0]]), 0.0 + 1e-15));
    }
}
