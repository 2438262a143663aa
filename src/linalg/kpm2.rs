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
use faer::Mat;
use rand::Rng;
use rayon::prelude::*;

/// Rows per parallel chunk (fixed: the same bits on any thread count).
const CHUNK: usize = 1 << 14;

/// A real sparse matrix stored by rows, with no symmetry assumed (an antisymmetric A here).
#[derive(Clone, Debug)]
pub struct RowMatrix {
    pub n: usize,
    row_ptr: Vec<usize>,
    col: Vec<u32>,
    val: Vec<f64>,
}

impl RowMatrix {
    /// From (row, column, value) triplets; repeated entries are added.
    pub fn from_triplets(n: usize, t: &[(usize, usize, f64)]) -> Result<RowMatrix, String> {
        if n >= u32::MAX as usize {
            return Err(format!("{n} rows: more than the 2³² this format indexes"));
        }
        let mut count = vec![0usize; n + 1];
        for &(i, j, _) in t {
            if i >= n || j >= n {
                return Err(format!("entry ({i}, {j}) outside a {n}×{n} matrix"));
            }
            count[i + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let row_ptr = count.clone();
        let mut fill = count;
        let mut col = vec![0u32; t.len()];
        let mut val = vec![0.0; t.len()];
        for &(i, j, v) in t {
            col[fill[i]] = j as u32;
            val[fill[i]] = v;
            fill[i] += 1;
        }
        Ok(RowMatrix {
            n,
            row_ptr,
            col,
            val,
        })
    }

    /// y = A x, rows in parallel.
    pub fn apply(&self, x: &[f64], y: &mut [f64]) {
        y.par_chunks_mut(CHUNK).enumerate().for_each(|(c, ys)| {
            for (k, yi) in ys.iter_mut().enumerate() {
                let i = c * CHUNK + k;
                let mut s = 0.0;
                for p in self.row_ptr[i]..self.row_ptr[i + 1] {
                    s += self.val[p] * x[self.col[p] as usize];
                }
                *yi = s;
            }
        });
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
    // one scratch vector for the mapped columns, reused at every step
    let mut mapped = vec![0.0; if after.is_some() { n } else { 0 }];
    let mut put = |k: usize, v: &[f64], out: &mut Mat<f64>| {
        let src = match after {
            Some(op) => {
                op.apply(v, &mut mapped);
                &mapped[..]
            }
            None => v,
        };
        for (o, &x) in out.col_mut(k).iter_mut().zip(src) {
            *o = x;
        }
    };
    let mut x = r.to_vec(); // α_k
    let mut z = vec![0.0; n]; // α_{k+1}, written over α_{k−1}
    put(0, &x, &mut out);
    if m > 1 {
        csr.scaled_apply(&x, &mut z, a, b);
        std::mem::swap(&mut x, &mut z); // x = α_1, z = α_0
        put(1, &x, &mut out);
    }
    for k in 2..m {
        if k % 16 == 0 && crate::progress::interrupted() {
            return Err("interrupted".into());
        }
        csr.chebyshev_step(&x, &mut z, a, b); // z = α_k
        std::mem::swap(&mut x, &mut z);
        put(k, &x, &mut out);
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
    op.apply(r, &mut ar);
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
    if op.n != n {
        return Err(format!(
            "the second operator is {}×{0}, the first {n}×{n}",
            op.n
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
