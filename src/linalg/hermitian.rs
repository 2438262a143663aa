//! Complex Hermitian operators and their spectra: what a magnetic field (Peierls phases), a
//! spin–orbit coupling or any broken time-reversal symmetry gives. No physics here: the
//! builders are in the domains.

use super::operator::{
    diagonal, mirrored_rows, rows_apply, rows_combine, rows_scaled, rows_to_dense, upper_entries,
    SparseRows,
};
use faer::{c64, Mat};

/// A complex Hermitian operator, dense or sparse (both triangles in faer's compressed rows, as
/// the real `Operator`, with c64 entries).
#[derive(Clone, Debug)]
pub enum HermitianOperator {
    /// Dense n×n (Hermitian).
    Dense(Mat<c64>),
    /// Sparse: both triangles, H_ji = conj(H_ij), rows sorted.
    Sparse(SparseRows<c64>),
}

/// The eigenpairs of a Hermitian operator: real eigenvalues ascending, orthonormal complex
/// eigenvectors (column m belongs to values[m]).
#[derive(Clone, Debug)]
pub struct ComplexSpectrum {
    pub values: Vec<f64>,
    pub vectors: Mat<c64>,
}

impl ComplexSpectrum {
    /// Number of eigenpairs.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// |ψ_m(i)|² as a real n×k matrix: every localization measure is a function of it.
    pub fn weights(&self) -> Mat<f64> {
        Mat::from_fn(self.vectors.nrows(), self.vectors.ncols(), |i, m| {
            self.vectors[(i, m)].norm_sqr()
        })
    }
}

impl HermitianOperator {
    /// A sparse Hermitian operator from its real diagonal and each off-diagonal entry once
    /// ((i, j, H_ij), i ≠ j; H_ji = conj(H_ij) is implied; repeats are added).
    pub fn from_pairs(n: usize, diag: &[f64], off: &[(usize, usize, c64)]) -> Result<Self, String> {
        let d: Vec<c64> = diag.iter().map(|&x| c64::new(x, 0.0)).collect();
        mirrored_rows(n, &d, off, |v| v.conj()).map(HermitianOperator::Sparse)
    }
    /// Dimension.
    pub fn n(&self) -> usize {
        match self {
            HermitianOperator::Dense(m) => m.nrows(),
            HermitianOperator::Sparse(m) => m.nrows(),
        }
    }
    /// Stored entries (both triangles counted; all n² for a dense operator).
    pub fn nnz(&self) -> usize {
        match self {
            HermitianOperator::Dense(m) => m.nrows() * m.ncols(),
            HermitianOperator::Sparse(m) => m.val().len(),
        }
    }
    /// The real diagonal.
    pub fn diagonal(&self) -> Vec<f64> {
        match self {
            HermitianOperator::Dense(m) => (0..m.nrows()).map(|i| m[(i, i)].re).collect(),
            HermitianOperator::Sparse(m) => diagonal(m).into_iter().map(|z| z.re).collect(),
        }
    }
    /// The non-zero entries above the diagonal, (i, j, H_ij) with i < j, row by row.
    pub fn upper_entries(&self) -> Vec<(usize, usize, c64)> {
        match self {
            HermitianOperator::Dense(m) => {
                let n = m.nrows();
                let zero = c64::new(0.0, 0.0);
                (0..n)
                    .flat_map(|i| (i + 1..n).map(move |j| (i, j, m[(i, j)])))
                    .filter(|e| e.2 != zero)
                    .collect()
            }
            HermitianOperator::Sparse(m) => upper_entries(m),
        }
    }
    /// Dense copy.
    pub fn to_dense(&self) -> Mat<c64> {
        match self {
            HermitianOperator::Dense(m) => m.clone(),
            HermitianOperator::Sparse(m) => rows_to_dense(m),
        }
    }
    /// The dense matrix, borrowed when the operator is dense already.
    pub fn as_dense(&self) -> std::borrow::Cow<'_, Mat<c64>> {
        match self {
            HermitianOperator::Dense(m) => std::borrow::Cow::Borrowed(m),
            sparse => std::borrow::Cow::Owned(sparse.to_dense()),
        }
    }
    /// y = H x.
    pub fn apply(&self, x: &[c64], y: &mut [c64]) {
        match self {
            HermitianOperator::Dense(m) => {
                for (i, yi) in y.iter_mut().enumerate() {
                    *yi = (0..m.ncols()).map(|j| m[(i, j)] * x[j]).sum();
                }
            }
            HermitianOperator::Sparse(m) => rows_apply(m, x, y),
        }
    }
    /// c·A for a real c (A stays Hermitian), in A's format.
    pub fn scaled(&self, c: f64) -> HermitianOperator {
        match self {
            HermitianOperator::Dense(m) => {
                HermitianOperator::Dense(Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)] * c))
            }
            HermitianOperator::Sparse(m) => {
                HermitianOperator::Sparse(rows_scaled(m, c64::new(c, 0.0)))
            }
        }
    }
    /// a·A + b·B, in the sparse format when both are sparse.
    pub fn combine(
        a: f64,
        x: &HermitianOperator,
        b: f64,
        y: &HermitianOperator,
    ) -> Result<Self, String> {
        if x.n() != y.n() {
            return Err(format!("the operators are {}×{0} and {}×{1}", x.n(), y.n()));
        }
        match (x, y) {
            (HermitianOperator::Sparse(p), HermitianOperator::Sparse(q)) => {
                rows_combine(c64::new(a, 0.0), p, c64::new(b, 0.0), q)
                    .map(HermitianOperator::Sparse)
            }
            _ => {
                let (p, q) = (x.as_dense(), y.as_dense());
                Ok(HermitianOperator::Dense(Mat::from_fn(
                    x.n(),
                    x.n(),
                    |i, j| p[(i, j)] * a + q[(i, j)] * b,
                )))
            }
        }
    }
    /// A Hermitian operator from (row, col, value) triplets, duplicates summed. `upper`: only
    /// the entries with row ≤ col are given and the lower triangle is their conjugate;
    /// otherwise every entry is given and H = H† is checked (relative tolerance 1e-12).
    pub fn from_triplets(
        n: usize,
        rows: &[usize],
        cols: &[usize],
        values: &[c64],
        upper: bool,
    ) -> Result<Self, String> {
        use std::collections::BTreeMap;
        let mut diag = vec![0.0; n];
        let mut diag_im = vec![0.0; n];
        let mut upper_part: BTreeMap<(usize, usize), c64> = BTreeMap::new();
        let mut lower_part: BTreeMap<(usize, usize), c64> = BTreeMap::new();
        let mut scale: f64 = 0.0;
        for ((&i, &j), &v) in rows.iter().zip(cols).zip(values) {
            if i >= n || j >= n {
                return Err(format!("entry ({i}, {j}) outside a {n}×{n} operator"));
            }
            if !(v.re.is_finite() && v.im.is_finite()) {
                return Err(format!("entry ({i}, {j}) is not finite: {v}"));
            }
            scale = scale.max(v.norm());
            if i == j {
                diag[i] += v.re;
                diag_im[i] += v.im;
            } else if i < j {
                *upper_part.entry((i, j)).or_default() += v;
            } else if upper {
                return Err(format!(
                    "entry ({i}, {j}) below the diagonal, with triangle \"upper\""
                ));
            } else {
                // stored as the conjugate of its mirror, to compare with the upper entry
                *lower_part.entry((j, i)).or_default() += v.conj();
            }
        }
        let tol = 1e-12 * scale.max(f64::MIN_POSITIVE);
        if let Some(i) = diag_im.iter().position(|x| x.abs() > tol) {
            return Err(format!(
                "the diagonal of a Hermitian operator is real: entry ({i}, {i}) has imaginary part {}",
                diag_im[i]
            ));
        }
        if !upper {
            let keys: std::collections::BTreeSet<(usize, usize)> = upper_part
                .keys()
                .chain(lower_part.keys())
                .copied()
                .collect();
            for k in keys {
                let u = upper_part.get(&k).copied().unwrap_or_default();
                let l = lower_part.get(&k).copied().unwrap_or_default();
                if (u - l).norm() > tol {
                    return Err(format!(
                        "not Hermitian: H[{0}, {1}] = {u} but conj(H[{1}, {0}]) = {l} (give both \
                         triangles, or only the upper one with #{{triangle: \"upper\"}})",
                        k.0, k.1
                    ));
                }
            }
        }
        let off: Vec<_> = upper_part
            .into_iter()
            .filter(|(_, v)| *v != c64::new(0.0, 0.0))
            .map(|((i, j), v)| (i, j, v))
            .collect();
        HermitianOperator::from_pairs(n, &diag, &off)
    }
}

/// A real symmetric operator as a complex Hermitian one, in the same format.
impl From<&super::Operator> for HermitianOperator {
    fn from(h: &super::Operator) -> Self {
        match h {
            super::Operator::Dense(m) => {
                HermitianOperator::Dense(Mat::from_fn(m.nrows(), m.ncols(), |i, j| {
                    c64::new(m[(i, j)], 0.0)
                }))
            }
            super::Operator::Sparse(m) => {
                let pattern = faer::sparse::SymbolicSparseRowMat::new_checked(
                    m.nrows(),
                    m.ncols(),
                    m.symbolic().row_ptr().to_vec(),
                    None,
                    m.symbolic().col_idx().to_vec(),
                );
                let values = m.val().iter().map(|&v| c64::new(v, 0.0)).collect();
                HermitianOperator::Sparse(SparseRows::<c64>::new(pattern, values))
            }
        }
    }
}

/// Largest |H_ij| − |H_ji| mismatch relative to the largest entry: 0 for a Hermitian matrix.
pub fn hermiticity_error(m: &Mat<c64>) -> f64 {
    let n = m.nrows();
    let mut worst: f64 = 0.0;
    let mut scale: f64 = 0.0;
    for j in 0..n {
        for i in 0..n {
            scale = scale.max(m[(i, j)].norm());
            worst = worst.max((m[(i, j)] - m[(j, i)].conj()).norm());
        }
    }
    if scale == 0.0 {
        0.0
    } else {
        worst / scale
    }
}

/// Every eigenpair (or only the eigenvalues) of a dense Hermitian matrix, by faer's complex
/// Householder tridiagonalization and divide and conquer, on every core from n = 400.
pub fn eigh_hermitian(m: &Mat<c64>, vectors: bool) -> Result<ComplexSpectrum, String> {
    use faer::linalg::evd::{self, ComputeEigenvectors, SelfAdjointEvdParams};
    let n = m.nrows();
    if m.ncols() != n {
        return Err(format!("matrix not square ({n}×{})", m.ncols()));
    }
    let mut scale: f64 = 0.0;
    for j in 0..n {
        for i in 0..n {
            let v = m[(i, j)];
            if !(v.re.is_finite() && v.im.is_finite()) {
                return Err(format!("entry ({i}, {j}) is not finite: {v}"));
            }
            scale = scale.max(v.norm());
        }
    }
    if hermiticity_error(m) > 1e-10 {
        return Err("the matrix is not Hermitian (H ≠ H†)".into());
    }
    // entries near the overflow threshold: solve H/s, then scale the eigenvalues back
    let big = scale > 1e150;
    let scaled;
    let a = if big {
        scaled = Mat::from_fn(n, n, |i, j| m[(i, j)] / scale);
        &scaled
    } else {
        m
    };
    let par = if n >= 400 && rayon::current_thread_index().is_none() {
        faer::Par::rayon(0)
    } else {
        faer::Par::Seq
    };
    let want = if vectors {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let params: SelfAdjointEvdParams = faer::Auto::<c64>::auto();
    let req = evd::self_adjoint_evd_scratch::<c64>(n, want, par, params.into());
    let mut values = faer::diag::Diag::<c64>::zeros(n);
    let mut vecs = if vectors {
        Mat::<c64>::zeros(n, n)
    } else {
        Mat::<c64>::zeros(0, 0)
    };
    let mut buf = faer::dyn_stack::MemBuffer::new(req);
    let stack = faer::dyn_stack::MemStack::new(&mut buf);
    evd::self_adjoint_evd(
        a.as_ref(),
        values.as_mut(),
        if vectors { Some(vecs.as_mut()) } else { None },
        par,
        stack,
        params.into(),
    )
    .map_err(|e| format!("the eigensolver did not converge: {e:?}"))?;
    let s = if big { scale } else { 1.0 };
    Ok(ComplexSpectrum {
        values: (0..n).map(|i| values[i].re * s).collect(),
        vectors: vecs,
    })
}

/// The real symmetric 2n×2n operator [[A, −B], [B, A]] of H = A + iB: every eigenvalue of H
/// twice, with eigenvectors (x; y) and (−y; x) for each eigenvector ψ = x + iy of H.
pub fn real_embedding(h: &HermitianOperator) -> Result<super::Operator, String> {
    let n = h.n();
    match h {
        HermitianOperator::Dense(m) => Ok(super::Operator::Dense(Mat::from_fn(
            2 * n,
            2 * n,
            |i, j| {
                let z = m[(i % n, j % n)];
                match (i < n, j < n) {
                    (true, true) | (false, false) => z.re,
                    (true, false) => -z.im,
                    (false, true) => z.im,
                }
            },
        ))),
        HermitianOperator::Sparse(_) => {
            let (diag, off) = (h.diagonal(), h.upper_entries());
            let mut pairs = Vec::with_capacity(4 * off.len());
            for &(i, j, v) in &off {
                pairs.push((i, j, v.re));
                pairs.push((n + i, n + j, v.re));
                if v.im != 0.0 {
                    // M[i][n+j] = −B_ij, M[j][n+i] = −B_ji = B_ij
                    pairs.push((i, n + j, -v.im));
                    pairs.push((j, n + i, v.im));
                }
            }
            let diag2: Vec<f64> = diag.iter().chain(diag.iter()).copied().collect();
            super::Operator::from_pairs(2 * n, &diag2, &pairs)
        }
    }
}

/// The k eigenpairs of a Hermitian H closest to σ, by the real solver's shift-invert block
/// Lanczos on the real embedding (twice the size: about twice the cost of a native complex
/// solver). Each level comes with its full multiplicity, as in the real `eigs_near`.
pub fn eigs_near_hermitian(
    h: &HermitianOperator,
    sigma: f64,
    k: usize,
    tol: f64,
    seed: u64,
) -> Result<ComplexSpectrum, String> {
    let n = h.n();
    let m = real_embedding(h)?;
    let s = super::eigs_near(&m, sigma, (2 * k).min(2 * n), tol, seed)?;
    // group the doubled eigenvalues, then one complex vector per independent pair
    let mut order: Vec<usize> = (0..s.len()).collect();
    order.sort_by(|&a, &b| s.values[a].total_cmp(&s.values[b]));
    let mut found: Vec<(f64, Vec<c64>)> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let v0 = s.values[order[start]];
        let close = |v: f64| (v - v0).abs() <= 1e-8 * v0.abs().max(1.0);
        let mut end = start + 1;
        while end < order.len() && close(s.values[order[end]]) {
            end += 1;
        }
        let mut basis: Vec<Vec<c64>> = Vec::new();
        for &c in &order[start..end] {
            let mut psi: Vec<c64> = (0..n)
                .map(|i| c64::new(s.vectors[(i, c)], s.vectors[(n + i, c)]))
                .collect();
            for b in &basis {
                let overlap: c64 = b.iter().zip(&psi).map(|(x, y)| x.conj() * y).sum();
                for (p, x) in psi.iter_mut().zip(b) {
                    *p -= overlap * x;
                }
            }
            let norm = psi.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
            if norm > 1e-6 {
                psi.iter_mut().for_each(|z| *z /= norm);
                basis.push(psi);
            }
        }
        let level =
            order[start..end].iter().map(|&c| s.values[c]).sum::<f64>() / (end - start) as f64;
        found.extend(basis.into_iter().map(|b| (level, b)));
        start = end;
    }
    found.sort_by(|a, b| (a.0 - sigma).abs().total_cmp(&(b.0 - sigma).abs()));
    if found.len() < k {
        return Err(format!(
            "found {} eigenpairs of the {k} asked near {sigma}",
            found.len()
        ));
    }
    // a degenerate level is kept whole, as the real solver keeps it
    let last = found[k - 1].0;
    let keep = found
        .iter()
        .take_while(|(v, _)| (v - sigma).abs() <= (last - sigma).abs() + 1e-8 * last.abs().max(1.0))
        .count();
    found.truncate(keep);
    let spectrum = ComplexSpectrum {
        values: found.iter().map(|(v, _)| *v).collect(),
        vectors: Mat::from_fn(n, found.len(), |i, c| found[c].1[i]),
    };
    let worst = residuals_hermitian(h, &spectrum)
        .iter()
        .zip(&spectrum.values)
        .map(|(r, v)| r / v.abs().max(1.0))
        .fold(0.0, f64::max);
    if worst > tol.max(1e-12) * 10.0 {
        return Err(format!(
            "the eigenpairs did not converge (relative residual {worst:.1e} against tol {tol:.0e})"
        ));
    }
    Ok(spectrum)
}

/// ‖Hψ_m − λ_m ψ_m‖ for every eigenpair.
pub fn residuals_hermitian(h: &HermitianOperator, s: &ComplexSpectrum) -> Vec<f64> {
    let n = h.n();
    let mut y = vec![c64::new(0.0, 0.0); n];
    (0..s.len())
        .map(|m| {
            let x: Vec<c64> = (0..n).map(|i| s.vectors[(i, m)]).collect();
            h.apply(&x, &mut y);
            y.iter()
                .zip(&x)
                .map(|(yi, xi)| (yi - xi * s.values[m]).norm_sqr())
                .sum::<f64>()
                .sqrt()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring of n sites threaded by flux φ: E_k = −2 cos(2π(k + φ)/n), exactly.
    #[test]
    fn a_ring_threaded_by_flux_has_the_shifted_cosine_band() {
        let (n, phi) = (12, 0.3);
        let t = c64::cis(2.0 * std::f64::consts::PI * phi / n as f64) * -1.0;
        let rows: Vec<usize> = (0..n).collect();
        let cols: Vec<usize> = (0..n).map(|i| (i + 1) % n).collect();
        let vals = vec![t; n];
        // hops i → i+1 and the wrap-around hop (n−1 → 0) as an entry below the diagonal
        let mut r = Vec::new();
        let mut c = Vec::new();
        let mut v = Vec::new();
        for ((&i, &j), &x) in rows.iter().zip(&cols).zip(&vals) {
            r.extend([i, j]);
            c.extend([j, i]);
            v.extend([x, x.conj()]);
        }
        let h = HermitianOperator::from_triplets(n, &r, &c, &v, false).expect("hermitian");
        let s = eigh_hermitian(&h.to_dense(), true).expect("eigh");
        let mut exact: Vec<f64> = (0..n)
            .map(|k| -2.0 * (2.0 * std::f64::consts::PI * (k as f64 + phi) / n as f64).cos())
            .collect();
        exact.sort_by(f64::total_cmp);
        for (a, b) in s.values.iter().zip(&exact) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert!(residuals_hermitian(&h, &s).iter().all(|&r| r < 1e-12));
        // the vectors are orthonormal
        let w = s.weights();
        for m in 0..n {
            let norm: f64 = (0..n).map(|i| w[(i, m)]).sum();
            assert!((norm - 1.0).abs() < 1e-12);
        }
        // the same levels near E = 0.5 through the real embedding's shift-invert solver
        let near = eigs_near_hermitian(&h, 0.5, 3, 1e-10, 1).expect("eigs_near");
        let mut by_distance = exact.clone();
        by_distance.sort_by(|a, b| (a - 0.5).abs().total_cmp(&(b - 0.5).abs()));
        for (a, b) in near.values.iter().zip(&by_distance) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
        assert!(residuals_hermitian(&h, &near).iter().all(|&r| r < 1e-9));
        // a non-Hermitian set of triplets is refused
        assert!(
            HermitianOperator::from_triplets(2, &[0], &[1], &[c64::new(1.0, 1.0)], false)
                .unwrap_err()
                .contains("not Hermitian")
        );
    }
}
