//! Two-operator Chebyshev moments: μ_mn = Tr[B T_m(H̃) B T_n(H̃)] / N for a real symmetric H
//! (rescaled, H̃ = (H − b)/a) and a second operator B = iA with A real antisymmetric, so that B
//! is Hermitian and the moments are real. With B a current this is the kernel of the
//! Kubo–Greenwood conductivity in the kernel polynomial method (Weiße et al., Rev. Mod. Phys. 78,
//! 275 (2006), §IV.B); here nothing knows that.
//!
//! For a real random vector r, ⟨r|B T_m B T_n|r⟩ = −⟨r|A T_m A T_n|r⟩ = (A r)ᵀ T_m(H̃) (A T_n(H̃) r)
//! because Aᵀ = −A. Both sides are built as m vectors each — L_m = T_m(H̃)(A r) and
//! R_n = A T_n(H̃) r — and μ = Lᵀ R is one matrix product (faer), so the m² dot products cost
//! one GEMM instead of m² passes over memory. Memory: 2·m·N numbers per vector at a time.

use super::kpm::{Csr, Trace};
use super::operator::{rows_apply, Entry, SparseRows, CHUNK};
use faer::{c64, Mat};
use rand::Rng;
use rayon::prelude::*;

/// A real sparse matrix by rows with no symmetry assumed (an antisymmetric A here): faer's
/// compressed rows, as the operator's.
pub type RowMatrix = SparseRows<f64>;

/// Writes Chebyshev vectors into the columns of a matrix, each mapped through `after` when given
/// (one scratch vector for the mapped columns, reused at every step).
struct Columns<'a, T: Entry> {
    after: Option<&'a SparseRows<T>>,
    mapped: Vec<T>,
}

impl<'a, T: Entry> Columns<'a, T> {
    fn new(n: usize, after: Option<&'a SparseRows<T>>) -> Self {
        let mapped = vec![T::default(); if after.is_some() { n } else { 0 }];
        Columns { after, mapped }
    }
    fn put(&mut self, k: usize, v: &[T], out: &mut Mat<T>) {
        let src = match self.after {
            Some(op) => {
                rows_apply(op, v, &mut self.mapped);
                &self.mapped[..]
            }
            None => v,
        };
        for (o, &x) in out.col_mut(k).iter_mut().zip(src) {
            *o = x;
        }
    }
}

/// The columns T_0(H̃)r … T_{m−1}(H̃)r, each mapped through `after` when given (column n is then
/// A T_n(H̃) r), as an N×m matrix.
fn chebyshev_columns(
    csr: &Csr,
    r: &[f64],
    m: usize,
    (a, b): (f64, f64),
    after: Option<&RowMatrix>,
) -> Result<Mat<f64>, String> {
    let n = csr.n;
    let mut out = Mat::<f64>::zeros(n, m);
    let mut columns = Columns::new(n, after);
    let mut x = r.to_vec(); // α_k
    let mut z = vec![0.0; n]; // α_{k+1}, written over α_{k−1}
    columns.put(0, &x, &mut out);
    if m > 1 {
        csr.scaled_apply(&x, &mut z, a, b);
        std::mem::swap(&mut x, &mut z); // x = α_1, z = α_0
        columns.put(1, &x, &mut out);
    }
    for k in 2..m {
        if k % 16 == 0 && crate::progress::interrupted() {
            return Err("interrupted".into());
        }
        csr.chebyshev_step(&x, &mut z, a, b); // z = α_k
        std::mem::swap(&mut x, &mut z);
        columns.put(k, &x, &mut out);
    }
    Ok(out)
}

/// μ_mn = ⟨r|B T_m(H̃) B T_n(H̃)|r⟩ for one real vector r (B = iA, A antisymmetric), m×m.
pub fn moments_of(
    csr: &Csr,
    op: &RowMatrix,
    r: &[f64],
    m: usize,
    ab: (f64, f64),
) -> Result<Mat<f64>, String> {
    let n = csr.n;
    let mut ar = vec![0.0; n];
    rows_apply(op, r, &mut ar);
    let left = chebyshev_columns(csr, &ar, m, ab, None)?;
    let right = chebyshev_columns(csr, r, m, ab, Some(op))?;
    let mu = left.transpose() * &right;
    if (0..m).any(|i| (0..m).any(|j| !mu[(i, j)].is_finite())) {
        return Err(
            "the Chebyshev moments grow: the spectrum reaches outside the bounds (give wider bounds)"
                .into(),
        );
    }
    Ok(mu)
}

/// Normalised moments μ_mn = Tr[B T_m B T_n]/N: their mean over the trace's vectors and each
/// vector's estimate (empty for the exact trace, which runs over every unit vector).
pub fn trace_moments(
    csr: &Csr,
    op: &RowMatrix,
    m: usize,
    ab: (f64, f64),
    trace: Trace,
) -> Result<(Mat<f64>, Vec<Mat<f64>>), String> {
    let n = csr.n;
    if op.nrows() != n {
        return Err(format!(
            "the second operator is {}×{0}, the first {n}×{n}",
            op.nrows()
        ));
    }
    match trace {
        Trace::Exact => {
            let mut total = Mat::<f64>::zeros(m, m);
            let mut e = vec![0.0; n];
            for i in 0..n {
                e[i] = 1.0;
                total += moments_of(csr, op, &e, m, ab)?;
                e[i] = 0.0;
            }
            Ok((total * faer::Scale(1.0 / n as f64), Vec::new()))
        }
        Trace::Stochastic { vectors, seed } => {
            let mut per = Vec::with_capacity(vectors);
            for v in 0..vectors {
                let mut rng = crate::rng::stream(seed, v as u64);
                let r: Vec<f64> = (0..n)
                    .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                    .collect();
                per.push(moments_of(csr, op, &r, m, ab)? * faer::Scale(1.0 / n as f64));
            }
            let mut mean = Mat::<f64>::zeros(m, m);
            for mu in &per {
                mean += mu;
            }
            Ok((mean * faer::Scale(1.0 / vectors.max(1) as f64), per))
        }
    }
}

/// The columns T_0(H̃)r … T_{m−1}(H̃)r of a complex Hermitian H (its compressed rows), each
/// mapped through `after` when given, as an N×m complex matrix.
fn complex_columns(
    h: &SparseRows<c64>,
    r: &[c64],
    m: usize,
    (a, b): (f64, f64),
    after: Option<&SparseRows<c64>>,
) -> Result<Mat<c64>, String> {
    let n = h.nrows();
    let mut out = Mat::<c64>::zeros(n, m);
    let mut columns = Columns::new(n, after);
    let mut x = r.to_vec(); // α_k
    let mut z = vec![c64::new(0.0, 0.0); n]; // α_{k+1}, written over α_{k−1}
    let mut hx = vec![c64::new(0.0, 0.0); n];
    columns.put(0, &x, &mut out);
    if m > 1 {
        rows_apply(h, &x, &mut hx);
        for ((zi, &hi), &xi) in z.iter_mut().zip(&hx).zip(&x) {
            *zi = (hi - xi * b) * (1.0 / a);
        }
        std::mem::swap(&mut x, &mut z);
        columns.put(1, &x, &mut out);
    }
    let two_a = 2.0 / a;
    for k in 2..m {
        if k % 16 == 0 && crate::progress::interrupted() {
            return Err("interrupted".into());
        }
        rows_apply(h, &x, &mut hx);
        // α_{k+1} = 2(H − b)α_k/a − α_{k−1}, written over α_{k−1}
        z.par_chunks_mut(CHUNK)
            .zip(hx.par_chunks(CHUNK))
            .zip(x.par_chunks(CHUNK))
            .for_each(|((zs, hs), xs)| {
                for ((zi, &hi), &xi) in zs.iter_mut().zip(hs).zip(xs) {
                    *zi = (hi - xi * b) * two_a - *zi;
                }
            });
        std::mem::swap(&mut x, &mut z);
        columns.put(k, &x, &mut out);
    }
    Ok(out)
}

/// μ_mn = ⟨r|V_α T_m(H̃) V_β T_n(H̃)|r⟩ for one vector r, with H, V_α and V_β Hermitian: the left
/// side as the columns L_m = T_m(H̃)(V_α r) (so ⟨r|V_α T_m = L_m†), the right as
/// R_n = V_β T_n(H̃) r, and μ = L†R as one complex matrix product.
pub fn complex_moments_of(
    h: &SparseRows<c64>,
    (va, vb): (&SparseRows<c64>, &SparseRows<c64>),
    r: &[c64],
    m: usize,
    ab: (f64, f64),
) -> Result<Mat<c64>, String> {
    let mut ar = vec![c64::new(0.0, 0.0); h.nrows()];
    rows_apply(va, r, &mut ar);
    let left = complex_columns(h, &ar, m, ab, None)?;
    let right = complex_columns(h, r, m, ab, Some(vb))?;
    let mu = left.adjoint() * &right;
    if (0..m).any(|i| (0..m).any(|j| !(mu[(i, j)].re.is_finite() && mu[(i, j)].im.is_finite()))) {
        return Err(
            "the Chebyshev moments grow: the spectrum reaches outside the bounds (give wider bounds)"
                .into(),
        );
    }
    Ok(mu)
}

/// Normalised complex moments μ_mn = Tr[V_α T_m V_β T_n]/N (mean over the trace's vectors, and
/// each vector's estimate for a stochastic trace).
pub fn complex_trace_moments(
    h: &SparseRows<c64>,
    v: (&SparseRows<c64>, &SparseRows<c64>),
    m: usize,
    ab: (f64, f64),
    trace: Trace,
) -> Result<(Mat<c64>, Vec<Mat<c64>>), String> {
    let n = h.nrows();
    if v.0.nrows() != n || v.1.nrows() != n {
        return Err(format!(
            "the velocity operators are {}×{0} and {}×{1}, the Hamiltonian {n}×{n}",
            v.0.nrows(),
            v.1.nrows()
        ));
    }
    let zero = c64::new(0.0, 0.0);
    match trace {
        Trace::Exact => {
            let mut total = Mat::<c64>::zeros(m, m);
            let mut e = vec![zero; n];
            for i in 0..n {
                e[i] = c64::new(1.0, 0.0);
                total += complex_moments_of(h, v, &e, m, ab)?;
                e[i] = zero;
            }
            Ok((
                total * faer::Scale(c64::new(1.0 / n as f64, 0.0)),
                Vec::new(),
            ))
        }
        Trace::Stochastic { vectors, seed } => {
            let mut per = Vec::with_capacity(vectors);
            for k in 0..vectors {
                let mut rng = crate::rng::stream(seed, k as u64);
                let r: Vec<c64> = (0..n)
                    .map(|_| c64::new(if rng.random::<bool>() { 1.0 } else { -1.0 }, 0.0))
                    .collect();
                per.push(
                    complex_moments_of(h, v, &r, m, ab)?
                        * faer::Scale(c64::new(1.0 / n as f64, 0.0)),
                );
            }
            let mut mean = Mat::<c64>::zeros(m, m);
            for mu in &per {
                mean += mu;
            }
            Ok((
                mean * faer::Scale(c64::new(1.0 / vectors.max(1) as f64, 0.0)),
                per,
            ))
        }
    }
}
