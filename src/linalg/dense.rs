//! Dense linear algebra on general (not necessarily symmetric) real matrices, through faer:
//! solves, inverses, determinants, least squares, QR, SVD, Cholesky, general eigenvalues and
//! Kronecker products. Each checks its input (square, finite, non-singular, positive definite)
//! and says what is wrong instead of returning NaN.

use faer::linalg::solvers::{DenseSolveCore, Solve, SolveLstsq};
use faer::{Mat, Side};

fn finite(m: &Mat<f64>, what: &str) -> Result<(), String> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            if !m[(i, j)].is_finite() {
                return Err(format!("{what} holds a non-finite value at ({i}, {j})"));
            }
        }
    }
    Ok(())
}

fn square(m: &Mat<f64>, what: &str) -> Result<usize, String> {
    if m.nrows() != m.ncols() {
        return Err(format!("{what} is {}×{}, not square", m.nrows(), m.ncols()));
    }
    Ok(m.nrows())
}

/// The reciprocal condition estimate of an LU: the smallest |U_ii| over the largest. Zero
/// (or below ~1e-15) means singular to working precision.
fn lu_pivot_ratio(u: faer::MatRef<'_, f64>) -> f64 {
    let n = u.nrows().min(u.ncols());
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for i in 0..n {
        let d = u[(i, i)].abs();
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
pub fn solve(a: &Mat<f64>, b: &Mat<f64>) -> Result<Mat<f64>, String> {
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
pub fn inv(a: &Mat<f64>) -> Result<Mat<f64>, String> {
    square(a, "the matrix")?;
    finite(a, "the matrix")?;
    let lu = a.partial_piv_lu();
    if lu_pivot_ratio(lu.U()) < 1e-15 {
        return Err("the matrix is singular (to working precision)".into());
    }
    Ok(lu.inverse())
}

/// det A.
pub fn det(a: &Mat<f64>) -> Result<f64, String> {
    square(a, "the matrix")?;
    finite(a, "the matrix")?;
    Ok(a.determinant())
}

/// x minimising ‖A x − b‖₂ (A m×n with m ≥ n, full column rank), by QR.
pub fn lstsq(a: &Mat<f64>, b: &Mat<f64>) -> Result<Mat<f64>, String> {
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
        lo = lo.min(r[(i, i)].abs());
        hi = hi.max(r[(i, i)].abs());
    }
    if n > 0 && (hi == 0.0 || lo / hi < 1e-14) {
        return Err("the matrix does not have full column rank".into());
    }
    let mut x = b.clone();
    qr.solve_lstsq_in_place(x.as_mut());
    Ok(x.subrows(0, n).to_owned())
}

/// The thin QR: Q (m×k, orthonormal columns) and R (k×n, upper triangular), k = min(m, n).
/// R's diagonal is made non-negative (Q's columns flipped to match), so that the decomposition
/// is unique and log|R_ii| sums (transfer matrices) need no sign bookkeeping.
pub fn qr(a: &Mat<f64>) -> Result<(Mat<f64>, Mat<f64>), String> {
    finite(a, "the matrix")?;
    let f = a.qr();
    let mut q = f.compute_thin_Q();
    let mut r = f.thin_R().to_owned();
    for i in 0..r.nrows().min(r.ncols()) {
        if r[(i, i)] < 0.0 {
            for j in 0..r.ncols() {
                r[(i, j)] = -r[(i, j)];
            }
            for k in 0..q.nrows() {
                q[(k, i)] = -q[(k, i)];
            }
        }
    }
    Ok((q, r))
}

/// The thin SVD A = U diag(s) Vᵀ, singular values descending.
pub fn svd(a: &Mat<f64>) -> Result<(Mat<f64>, Vec<f64>, Mat<f64>), String> {
    finite(a, "the matrix")?;
    let s = a
        .thin_svd()
        .map_err(|e| format!("the SVD did not converge ({e:?})"))?;
    let k = a.nrows().min(a.ncols());
    let sv: Vec<f64> = (0..k).map(|i| s.S()[i]).collect();
    Ok((s.U().to_owned(), sv, s.V().to_owned()))
}

/// L lower triangular with A = L Lᵀ (A symmetric positive definite).
pub fn cholesky(a: &Mat<f64>) -> Result<Mat<f64>, String> {
    let n = square(a, "the matrix")?;
    finite(a, "the matrix")?;
    let scale = (0..n)
        .map(|i| a[(i, i)].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    for i in 0..n {
        for j in 0..i {
            if (a[(i, j)] - a[(j, i)]).abs() > 1e-12 * scale {
                return Err(format!("the matrix is not symmetric at ({i}, {j})"));
            }
        }
    }
    let l = a
        .llt(Side::Lower)
        .map_err(|_| "the matrix is not positive definite".to_string())?;
    let mut out = l.L().to_owned();
    for j in 0..n {
        for i in 0..j {
            out[(i, j)] = 0.0;
        }
    }
    Ok(out)
}

/// The eigenvalues of a general square matrix as (real parts, imaginary parts), sorted by real
/// part, then imaginary part.
pub fn eigvals(a: &Mat<f64>) -> Result<(Vec<f64>, Vec<f64>), String> {
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
pub fn kron(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
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
