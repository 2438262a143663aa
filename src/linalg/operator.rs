//! A real symmetric operator, dense or sparse: what the eigensolvers act on. It knows no
//! physics: Hamiltonians (`tightbinding::build`), dynamical matrices and graph Laplacians are
//! all built as one.
//!
//! The sparse form is faer's compressed sparse rows (`SparseRowMat<u32, T>`) holding both
//! triangles, each row sorted by column with repeated entries added: the format faer's
//! factorisations take (shift-invert hands it over as it is, a symmetric matrix being its own
//! transpose), and the one the products stream. The builders and the products are generic over
//! the entry type, so the complex Hermitian operator (`hermitian.rs`) is the same format with
//! `c64` entries.

use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use faer::Mat;
use rayon::prelude::*;

/// Compressed sparse rows with 32-bit indices (10⁷ rows of a lattice are routine here; 2³² is
/// the limit): both triangles of a symmetric or Hermitian matrix, or any square matrix.
pub type SparseRows<T> = SparseRowMat<u32, T>;

/// Rows per parallel chunk of a product: fixed, so that any result summed per chunk comes out
/// in the same order on any number of threads.
pub const CHUNK: usize = 1 << 14;

/// Entries the sparse builders and products handle: f64 and faer's c64.
pub trait Entry:
    Copy
    + Default
    + PartialEq
    + Send
    + Sync
    + std::ops::Add<Output = Self>
    + std::ops::AddAssign
    + std::ops::Mul<Output = Self>
    + std::fmt::Debug
    + 'static
{
}
impl Entry for f64 {}
impl Entry for faer::c64 {}

/// The rows of a square n×n matrix from its diagonal (zeros not stored) and off-diagonal entries
/// (i, j, H_ij), each placed at (i, j) and its mirror `mirror(H_ij)` at (j, i) — the identity
/// for a symmetric matrix, the conjugate for a Hermitian one. Entries at one position are added.
/// Built by counting (no per-row allocation), memory checked first.
pub fn mirrored_rows<T: Entry>(
    n: usize,
    diag: &[T],
    off: &[(usize, usize, T)],
    mirror: impl Fn(T) -> T,
) -> Result<SparseRows<T>, String> {
    if n >= u32::MAX as usize {
        return Err(format!("{n} rows: more than the 2³² this format indexes"));
    }
    if diag.len() != n {
        return Err(format!("{} diagonal entries for {n} rows", diag.len()));
    }
    let zero = T::default();
    let mut count = vec![0usize; n + 1];
    for (i, d) in diag.iter().enumerate() {
        count[i + 1] += usize::from(*d != zero);
    }
    for &(i, j, _) in off {
        if i >= n || j >= n {
            return Err(format!("entry ({i}, {j}) outside an {n}×{n} matrix"));
        }
        if i == j {
            return Err(format!("entry ({i}, {i}) is on the diagonal"));
        }
        count[i + 1] += 1;
        count[j + 1] += 1;
    }
    for i in 0..n {
        count[i + 1] += count[i];
    }
    let nnz = count[n];
    crate::args::fits_in_memory(
        "the operator's sparse rows",
        nnz as u128,
        4 + std::mem::size_of::<T>() as u128,
    )?;
    let mut fill = count.clone();
    let mut col = vec![0u32; nnz];
    let mut val = vec![zero; nnz];
    let mut put = |r: usize, c: usize, v: T| {
        col[fill[r]] = c as u32;
        val[fill[r]] = v;
        fill[r] += 1;
    };
    for (i, &d) in diag.iter().enumerate() {
        if d != zero {
            put(i, i, d);
        }
    }
    for &(i, j, v) in off {
        put(i, j, v);
        put(j, i, mirror(v));
    }
    drop(fill);
    compress_rows(n, count, col, val)
}

/// Sorts each row of a counted layout by column and adds repeated entries, in place.
fn compress_rows<T: Entry>(
    n: usize,
    row_start: Vec<usize>,
    mut col: Vec<u32>,
    mut val: Vec<T>,
) -> Result<SparseRows<T>, String> {
    let mut row_ptr: Vec<u32> = Vec::with_capacity(n + 1);
    row_ptr.push(0);
    let mut pairs: Vec<(u32, T)> = Vec::new();
    let mut w = 0;
    for i in 0..n {
        let (start, end) = (row_start[i], row_start[i + 1]);
        pairs.clear();
        pairs.extend((start..end).map(|p| (col[p], val[p])));
        pairs.sort_by_key(|e| e.0);
        let row_begin = w;
        for &(c, v) in &pairs {
            if w > row_begin && col[w - 1] == c {
                val[w - 1] += v;
            } else {
                col[w] = c;
                val[w] = v;
                w += 1;
            }
        }
        if w >= u32::MAX as usize {
            return Err(format!("more than 2³² stored entries ({w})"));
        }
        row_ptr.push(w as u32);
    }
    col.truncate(w);
    val.truncate(w);
    // row pointers ascend from 0 to col.len(), every row's columns strictly ascend below n
    let symbolic = SymbolicSparseRowMat::new_checked(n, n, row_ptr, None, col);
    Ok(SparseRowMat::new(symbolic, val))
}

/// The rows of an n×n matrix from (i, j, value) entries, repeats added (no symmetry assumed).
pub fn rows_from_entries<T: Entry>(
    n: usize,
    entries: &[(usize, usize, T)],
) -> Result<SparseRows<T>, String> {
    if n >= u32::MAX as usize {
        return Err(format!("{n} rows: more than the 2³² this format indexes"));
    }
    let mut count = vec![0usize; n + 1];
    for &(i, j, _) in entries {
        if i >= n || j >= n {
            return Err(format!("entry ({i}, {j}) outside an {n}×{n} matrix"));
        }
        count[i + 1] += 1;
    }
    for i in 0..n {
        count[i + 1] += count[i];
    }
    let mut fill = count.clone();
    let mut col = vec![0u32; entries.len()];
    let mut val = vec![T::default(); entries.len()];
    for &(i, j, v) in entries {
        col[fill[i]] = j as u32;
        val[fill[i]] = v;
        fill[i] += 1;
    }
    compress_rows(n, count, col, val)
}

/// The columns and values of row i.
#[inline(always)]
pub fn row<T>(m: &SparseRows<T>, i: usize) -> (&[u32], &[T]) {
    let p = m.symbolic().row_ptr();
    let (p0, p1) = (p[i] as usize, p[i + 1] as usize);
    (&m.symbolic().col_idx()[p0..p1], &m.val()[p0..p1])
}

/// The diagonal (zero where nothing is stored).
pub fn diagonal<T: Entry>(m: &SparseRows<T>) -> Vec<T> {
    (0..m.nrows())
        .map(|i| {
            let (c, v) = row(m, i);
            match c.binary_search(&(i as u32)) {
                Ok(p) => v[p],
                Err(_) => T::default(),
            }
        })
        .collect()
}

/// The stored entries above the diagonal, (i, j, H_ij) with i < j, row by row.
pub fn upper_entries<T: Entry>(m: &SparseRows<T>) -> Vec<(usize, usize, T)> {
    let mut out = Vec::new();
    for i in 0..m.nrows() {
        let (c, v) = row(m, i);
        let first = c.partition_point(|&j| j as usize <= i);
        out.extend(
            c[first..]
                .iter()
                .zip(&v[first..])
                .map(|(&j, &x)| (i, j as usize, x)),
        );
    }
    out
}

/// y = M x, rows in parallel (each row summed in column order: the same bits on any number of
/// threads).
pub fn rows_apply<T: Entry>(m: &SparseRows<T>, x: &[T], y: &mut [T]) {
    y.par_chunks_mut(CHUNK).enumerate().for_each(|(c, ys)| {
        for (k, yi) in ys.iter_mut().enumerate() {
            let (cols, vals) = row(m, c * CHUNK + k);
            let mut s = T::default();
            for (&j, &v) in cols.iter().zip(vals) {
                s += v * x[j as usize];
            }
            *yi = s;
        }
    });
}

/// a·A + b·B for two matrices in the sparse format (the union of their patterns).
pub fn rows_combine<T: Entry>(
    a: T,
    x: &SparseRows<T>,
    b: T,
    y: &SparseRows<T>,
) -> Result<SparseRows<T>, String> {
    let n = x.nrows();
    let entries: Vec<(usize, usize, T)> = (0..n)
        .flat_map(|i| {
            let (cx, vx) = row(x, i);
            let (cy, vy) = row(y, i);
            let left = cx
                .iter()
                .zip(vx)
                .map(move |(&j, &v)| (i, j as usize, a * v));
            let right = cy
                .iter()
                .zip(vy)
                .map(move |(&j, &v)| (i, j as usize, b * v));
            left.chain(right)
        })
        .collect();
    rows_from_entries(n, &entries)
}

/// c·A: the same pattern, values scaled.
pub fn rows_scaled<T: Entry>(m: &SparseRows<T>, c: T) -> SparseRows<T> {
    let mut out = m.clone();
    out.val_mut().iter_mut().for_each(|v| *v = c * *v);
    out
}

/// The dense copy.
pub fn rows_to_dense<T: Entry>(m: &SparseRows<T>) -> Mat<T> {
    let n = m.nrows();
    let mut d = Mat::<T>::from_fn(n, m.ncols(), |_, _| T::default());
    for i in 0..n {
        let (c, v) = row(m, i);
        for (&j, &x) in c.iter().zip(v) {
            d[(i, j as usize)] = x;
        }
    }
    d
}

/// A real symmetric operator, dense or sparse.
#[derive(Clone, Debug)]
pub enum Operator {
    /// Dense n×n.
    Dense(Mat<f64>),
    /// Sparse: both triangles in faer's compressed rows (sorted, no repeats).
    Sparse(SparseRows<f64>),
}

impl Operator {
    /// A sparse symmetric operator from its diagonal and each off-diagonal pair once
    /// ((i, j, H_ij), i ≠ j, either order; repeated pairs are added, as several bonds between
    /// two sites are).
    pub fn from_pairs(
        n: usize,
        diag: &[f64],
        off: &[(usize, usize, f64)],
    ) -> Result<Operator, String> {
        mirrored_rows(n, diag, off, |v| v).map(Operator::Sparse)
    }
    /// Dimension.
    pub fn n(&self) -> usize {
        match self {
            Operator::Dense(m) => m.nrows(),
            Operator::Sparse(m) => m.nrows(),
        }
    }
    /// Stored entries (both triangles counted; all n² for a dense operator).
    pub fn nnz(&self) -> usize {
        match self {
            Operator::Dense(m) => m.nrows() * m.ncols(),
            Operator::Sparse(m) => m.val().len(),
        }
    }
    /// The diagonal.
    pub fn diagonal(&self) -> Vec<f64> {
        match self {
            Operator::Dense(m) => (0..m.nrows()).map(|i| m[(i, i)]).collect(),
            Operator::Sparse(m) => diagonal(m),
        }
    }
    /// The non-zero entries above the diagonal, (i, j, H_ij) with i < j, row by row.
    pub fn upper_entries(&self) -> Vec<(usize, usize, f64)> {
        match self {
            Operator::Dense(m) => {
                let n = m.nrows();
                (0..n)
                    .flat_map(|i| (i + 1..n).map(move |j| (i, j, m[(i, j)])))
                    .filter(|e| e.2 != 0.0)
                    .collect()
            }
            Operator::Sparse(m) => upper_entries(m),
        }
    }
    /// Σ_j |H_ij| and H_ii of every row.
    fn row_sums(&self) -> Vec<(f64, f64)> {
        match self {
            Operator::Dense(m) => (0..m.nrows())
                .map(|i| {
                    let r: f64 = m.row(i).iter().map(|v| v.abs()).sum();
                    (r, m[(i, i)])
                })
                .collect(),
            Operator::Sparse(m) => (0..m.nrows())
                .map(|i| {
                    let (c, v) = row(m, i);
                    let mut d = 0.0;
                    let mut r = 0.0;
                    for (&j, &x) in c.iter().zip(v) {
                        r += x.abs();
                        if j as usize == i {
                            d = x;
                        }
                    }
                    (r, d)
                })
                .collect(),
        }
    }
    /// ‖H‖∞, the largest absolute row sum (a bound on the spectral radius).
    pub fn norm_inf(&self) -> f64 {
        self.row_sums().into_iter().map(|r| r.0).fold(0.0, f64::max)
    }
    /// Gershgorin's interval [lo, hi] holding every eigenvalue.
    pub fn gershgorin(&self) -> (f64, f64) {
        self.row_sums()
            .into_iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (r, d)| {
                let radius = r - d.abs();
                (lo.min(d - radius), hi.max(d + radius))
            })
    }
    /// The dense matrix, borrowed when the operator is dense already.
    pub fn as_dense(&self) -> std::borrow::Cow<'_, Mat<f64>> {
        match self {
            Operator::Dense(m) => std::borrow::Cow::Borrowed(m),
            sparse => std::borrow::Cow::Owned(sparse.to_dense()),
        }
    }
    /// Dense copy.
    pub fn to_dense(&self) -> Mat<f64> {
        match self {
            Operator::Dense(m) => m.clone(),
            Operator::Sparse(m) => rows_to_dense(m),
        }
    }
    /// y = H x (faer's matrix–vector product when dense, the rows in parallel when sparse).
    pub fn apply(&self, x: &[f64], y: &mut [f64]) {
        match self {
            Operator::Dense(m) => {
                faer::linalg::matmul::matmul(
                    faer::ColMut::from_slice_mut(y).as_mat_mut(),
                    faer::Accum::Replace,
                    m.as_ref(),
                    faer::ColRef::from_slice(x).as_mat(),
                    1.0,
                    faer::Par::Seq,
                );
            }
            Operator::Sparse(m) => rows_apply(m, x, y),
        }
    }

    /// a·A + b·B, in the sparse format when both are sparse.
    pub fn combine(a: f64, x: &Operator, b: f64, y: &Operator) -> Result<Operator, String> {
        if x.n() != y.n() {
            return Err(format!("the operators are {}×{0} and {}×{1}", x.n(), y.n()));
        }
        match (x, y) {
            (Operator::Sparse(p), Operator::Sparse(q)) => {
                rows_combine(a, p, b, q).map(Operator::Sparse)
            }
            _ => {
                let (p, q) = (x.as_dense(), y.as_dense());
                Ok(Operator::Dense(Mat::from_fn(x.n(), x.n(), |i, j| {
                    a * p[(i, j)] + b * q[(i, j)]
                })))
            }
        }
    }

    /// c·A, in A's format.
    pub fn scaled(&self, c: f64) -> Operator {
        match self {
            Operator::Dense(m) => {
                Operator::Dense(Mat::from_fn(m.nrows(), m.ncols(), |i, j| c * m[(i, j)]))
            }
            Operator::Sparse(m) => Operator::Sparse(rows_scaled(m, c)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrored_rows_sort_merge_and_mirror() {
        // a 4-site ring with one doubled bond and a diagonal with a zero
        let off = [
            (0, 1, 1.0),
            (2, 1, 2.0),
            (3, 2, 3.0),
            (0, 3, 4.0),
            (1, 0, 0.5),
        ];
        let op = Operator::from_pairs(4, &[1.0, 0.0, -1.0, 2.0], &off).unwrap();
        let d = op.to_dense();
        let want = [
            [1.0, 1.5, 0.0, 4.0],
            [1.5, 0.0, 2.0, 0.0],
            [0.0, 2.0, -1.0, 3.0],
            [4.0, 0.0, 3.0, 2.0],
        ];
        for i in 0..4 {
            for j in 0..4 {
                assert_eq!(d[(i, j)], want[i][j], "({i}, {j})");
            }
        }
        // 3 stored diagonal entries + 4 pairs twice
        assert_eq!(op.nnz(), 3 + 8);
        assert_eq!(op.diagonal(), vec![1.0, 0.0, -1.0, 2.0]);
        assert_eq!(
            op.upper_entries(),
            vec![(0, 1, 1.5), (0, 3, 4.0), (1, 2, 2.0), (2, 3, 3.0)]
        );
        let x = [1.0, -2.0, 0.5, 3.0];
        let mut y = [0.0; 4];
        op.apply(&x, &mut y);
        let mut yd = [0.0; 4];
        Operator::Dense(d).apply(&x, &mut yd);
        assert_eq!(y, yd);
        assert_eq!(y, [10.0, 2.5, 4.5, 11.5]);
        assert_eq!(op.gershgorin(), (-6.0, 9.0));
        assert_eq!(op.norm_inf(), 9.0);
    }

    #[test]
    fn hermitian_mirror_conjugates() {
        use faer::c64;
        let m = mirrored_rows(
            2,
            &[c64::new(1.0, 0.0), c64::new(0.0, 0.0)],
            &[(0, 1, c64::new(0.0, 1.0))],
            |v| v.conj(),
        )
        .unwrap();
        let d = rows_to_dense(&m);
        assert_eq!(d[(0, 1)], c64::new(0.0, 1.0));
        assert_eq!(d[(1, 0)], c64::new(0.0, -1.0));
        assert_eq!(upper_entries(&m), vec![(0, 1, c64::new(0.0, 1.0))]);
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!(Operator::from_pairs(2, &[0.0, 0.0], &[(0, 2, 1.0)]).is_err());
        assert!(Operator::from_pairs(2, &[0.0, 0.0], &[(1, 1, 1.0)]).is_err());
        assert!(Operator::from_pairs(2, &[0.0], &[]).is_err());
    }

    #[test]
    fn combine_and_scale_keep_the_sparse_format() {
        let a = Operator::from_pairs(3, &[1.0, 2.0, 3.0], &[(0, 1, 1.0)]).unwrap();
        let b = Operator::from_pairs(3, &[0.0, 0.0, 1.0], &[(1, 2, 1.0), (0, 1, -1.0)]).unwrap();
        let c = Operator::combine(2.0, &a, 2.0, &b).unwrap();
        assert!(matches!(c, Operator::Sparse(_)));
        let d = c.to_dense();
        assert_eq!(d[(0, 1)], 0.0);
        assert_eq!(d[(1, 2)], 2.0);
        assert_eq!(d[(2, 2)], 8.0);
        assert_eq!(a.scaled(-1.0).to_dense()[(1, 0)], -1.0);
    }
}
