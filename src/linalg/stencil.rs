//! Matrix-free products for operators that are a stencil on a periodic box: the same couplings
//! from every site to the sites at fixed displacements, indices row-major (the last axis
//! fastest, as lattices number their sites). A square or cubic lattice's tight-binding H with one
//! hopping per neighbour shell (nearest and next-nearest) is one; its on-site terms stay a vector.
//! A product then streams the diagonal and the vectors only — no column indices — and the loop
//! along each line of the box vectorises. The structure is found from the compressed rows (no
//! geometry is passed in) and checked on every row, so an operator that is not exactly a stencil
//! keeps the general sparse product.

use rayon::prelude::*;

/// A periodic box stencil: dims (L0, L1, L2) with L0·L1·L2 = N (leading 1s for fewer axes) and
/// the couplings (displacement, value).
#[derive(Clone, Debug)]
pub struct Stencil {
    pub dims: [usize; 3],
    /// (d0, d1, d2, value), d along each axis in (−L/2, L/2].
    pub couplings: Vec<([i64; 3], f64)>,
}

/// Compressed off-diagonal rows as `detect` reads them.
pub struct Rows<'a> {
    pub row_ptr: &'a [u32],
    pub col: &'a [u32],
    /// One value per entry, or empty when every entry is `uniform`.
    pub val: &'a [f64],
    pub uniform: f64,
}

impl Rows<'_> {
    fn cols(&self, i: usize) -> &[u32] {
        &self.col[self.row_ptr[i] as usize..self.row_ptr[i + 1] as usize]
    }
    fn value(&self, p: usize) -> f64 {
        if self.val.is_empty() {
            self.uniform
        } else {
            self.val[p]
        }
    }
}

/// Rows per parallel chunk, rounded to whole lines (fixed: the same sums on any thread count).
const CHUNK: usize = 1 << 14;

fn wrap(i: i64, l: usize) -> usize {
    i.rem_euclid(l as i64) as usize
}

/// The signed displacement in (−L/2, L/2] of a coordinate difference on a ring of L.
fn signed(d: usize, l: usize) -> i64 {
    let d = d as i64;
    if 2 * d > l as i64 {
        d - l as i64
    } else {
        d
    }
}

impl Stencil {
    /// The stencil that the off-diagonal rows of an n×n operator are, if they are one: compressed
    /// rows (`row_ptr`, `col` sorted per row, diagonal excluded) with values `val`, or `uniform`
    /// for every entry when `val` is empty. Dims are tried from the columns of row 0, and every
    /// row is checked against the candidate.
    pub fn detect(n: usize, rows: &Rows<'_>) -> Option<Stencil> {
        if n < 8 {
            return None;
        }
        let c0 = rows.cols(0);
        if c0.is_empty() || c0.len() > 26 {
            return None;
        }
        // candidate line lengths L2 and plane sizes L1·L2: among row 0's columns, or N
        let mut sizes: Vec<usize> = c0
            .iter()
            .map(|&c| c as usize)
            .filter(|&c| c > 2 && n.is_multiple_of(c))
            .collect();
        sizes.push(n);
        sizes.sort_unstable();
        sizes.dedup();
        for &l2 in &sizes {
            for &plane in sizes.iter().filter(|&&p| p >= l2 && p.is_multiple_of(l2)) {
                let dims = [n / plane, plane / l2, l2];
                if let Some(s) = Self::candidate(dims, rows) {
                    return Some(s);
                }
            }
        }
        None
    }

    fn coords(i: usize, dims: [usize; 3]) -> [usize; 3] {
        [
            i / (dims[1] * dims[2]),
            (i / dims[2]) % dims[1],
            i % dims[2],
        ]
    }

    fn index(c: [usize; 3], dims: [usize; 3]) -> usize {
        (c[0] * dims[1] + c[1]) * dims[2] + c[2]
    }

    fn candidate(dims: [usize; 3], rows: &Rows<'_>) -> Option<Stencil> {
        let mut couplings = Vec::new();
        for (p, &c) in (rows.row_ptr[0] as usize..).zip(rows.cols(0)) {
            let q = Self::coords(c as usize, dims);
            let d = [
                signed(q[0], dims[0]),
                signed(q[1], dims[1]),
                signed(q[2], dims[2]),
            ];
            // short reach, and every axis that is used long enough that no two displacements alias
            if (0..3).any(|ax| d[ax] != 0 && (d[ax].unsigned_abs() > 2 || dims[ax] < 5)) {
                return None;
            }
            couplings.push((d, rows.value(p)));
        }
        let s = Stencil { dims, couplings };
        let n = dims[0] * dims[1] * dims[2];
        let ok = (0..n).into_par_iter().with_min_len(4096).all(|i| {
            let cols = rows.cols(i);
            if cols.len() != s.couplings.len() {
                return false;
            }
            let p = Self::coords(i, dims);
            let mut want = [(0u32, 0.0f64); 26];
            for (w, &(d, v)) in want.iter_mut().zip(&s.couplings) {
                let q = [
                    wrap(p[0] as i64 + d[0], dims[0]),
                    wrap(p[1] as i64 + d[1], dims[1]),
                    wrap(p[2] as i64 + d[2], dims[2]),
                ];
                *w = (Self::index(q, dims) as u32, v);
            }
            let want = &mut want[..cols.len()];
            want.sort_unstable_by_key(|e| e.0);
            let first = rows.row_ptr[i] as usize;
            want.iter()
                .zip(cols)
                .enumerate()
                .all(|(k, (w, &c))| w.0 == c && w.1 == rows.value(first + k))
        });
        ok.then_some(s)
    }

    /// s_i = Σ_k v_k x_{i + d_k} for the rows of lines [first, first + count), into `out`
    /// (count·L2 values).
    #[inline(always)]
    fn off_diagonal(&self, x: &[f64], first: usize, count: usize, out: &mut [f64]) {
        let [_, l1, l2] = self.dims;
        out.fill(0.0);
        for line in first..first + count {
            let (i0, i1) = (line / l1, line % l1);
            let o = &mut out[(line - first) * l2..(line - first + 1) * l2];
            for &(d, v) in &self.couplings {
                let src =
                    (wrap(i0 as i64 + d[0], self.dims[0]) * l1 + wrap(i1 as i64 + d[1], l1)) * l2;
                let xs = &x[src..src + l2];
                let shift = d[2];
                // o[k] += v·xs[(k + shift) mod L2]: the bulk as one shifted slice, the wrap apart
                if shift >= 0 {
                    let s = shift as usize;
                    for (ok, &xk) in o[..l2 - s].iter_mut().zip(&xs[s..]) {
                        *ok += v * xk;
                    }
                    for (ok, &xk) in o[l2 - s..].iter_mut().zip(&xs[..s]) {
                        *ok += v * xk;
                    }
                } else {
                    let s = (-shift) as usize;
                    for (ok, &xk) in o[s..].iter_mut().zip(&xs[..l2 - s]) {
                        *ok += v * xk;
                    }
                    for (ok, &xk) in o[..s].iter_mut().zip(&xs[l2 - s..]) {
                        *ok += v * xk;
                    }
                }
            }
        }
    }

    /// Lines per parallel chunk.
    fn lines_per_chunk(&self) -> usize {
        (CHUNK / self.dims[2]).max(1)
    }

    /// For each chunk of rows, `body(first_row, off_diagonal_sums, rows)` with the chunk's rows of
    /// `y`; the results in chunk order.
    fn chunks<R: Send>(
        &self,
        x: &[f64],
        y: &mut [f64],
        body: impl Fn(usize, &[f64], &mut [f64]) -> R + Sync,
    ) -> Vec<R> {
        let l2 = self.dims[2];
        let per = self.lines_per_chunk();
        y.par_chunks_mut(per * l2)
            .enumerate()
            .map(|(c, ys)| {
                let count = ys.len() / l2;
                let mut s = vec![0.0; ys.len()];
                self.off_diagonal(x, c * per, count, &mut s);
                body(c * per * l2, &s, ys)
            })
            .collect()
    }

    /// y = (D + S) x, D the diagonal.
    pub fn apply(&self, diag: &[f64], x: &[f64], y: &mut [f64]) {
        self.chunks(x, y, |first, s, ys| {
            for (k, yi) in ys.iter_mut().enumerate() {
                *yi = diag[first + k] * x[first + k] + s[k];
            }
        });
    }

    /// One Chebyshev step z ← 2(H − b)x/a − z, returning (⟨x|x⟩, ⟨z_new|x⟩) in chunk order.
    pub fn chebyshev_step(
        &self,
        diag: &[f64],
        x: &[f64],
        z: &mut [f64],
        a: f64,
        b: f64,
    ) -> (f64, f64) {
        let two_a = 2.0 / a;
        self.chunks(x, z, |first, s, zs| {
            let (mut xx, mut zx) = (0.0, 0.0);
            for (k, zi) in zs.iter_mut().enumerate() {
                let i = first + k;
                let new = two_a * ((diag[i] - b) * x[i] + s[k]) - *zi;
                *zi = new;
                xx += x[i] * x[i];
                zx += new * x[i];
            }
            (xx, zx)
        })
        .iter()
        .fold((0.0, 0.0), |acc, p| (acc.0 + p.0, acc.1 + p.1))
    }

    /// The first product y = (H − b)x/a, returning ⟨y|x⟩.
    pub fn scaled_apply(&self, diag: &[f64], x: &[f64], y: &mut [f64], a: f64, b: f64) -> f64 {
        self.chunks(x, y, |first, s, ys| {
            let mut yx = 0.0;
            for (k, yi) in ys.iter_mut().enumerate() {
                let i = first + k;
                *yi = ((diag[i] - b) * x[i] + s[k]) / a;
                yx += *yi * x[i];
            }
            yx
        })
        .iter()
        .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::kpm::Csr;
    use crate::linalg::Operator;

    /// A periodic box with nearest (t1) and in-plane next-nearest (t2) couplings, as pairs.
    fn box_operator(dims: [usize; 3], t1: f64, t2: f64, open_last: bool) -> Operator {
        let n = dims.iter().product();
        let idx = |c: [i64; 3]| {
            Stencil::index(
                [
                    wrap(c[0], dims[0]),
                    wrap(c[1], dims[1]),
                    wrap(c[2], dims[2]),
                ],
                dims,
            )
        };
        let mut off = Vec::new();
        for i in 0..n {
            let p = Stencil::coords(i, dims).map(|v| v as i64);
            for ax in 0..3 {
                if dims[ax] == 1 || (open_last && ax == 2 && p[2] as usize == dims[2] - 1) {
                    continue;
                }
                let mut q = p;
                q[ax] += 1;
                off.push((i, idx(q), t1));
            }
            if t2 != 0.0 {
                off.push((i, idx([p[0], p[1] + 1, p[2] + 1]), t2));
                off.push((i, idx([p[0], p[1] + 1, p[2] - 1]), t2));
            }
        }
        let diag: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 13) as f64 * 0.1 - 0.6)
            .collect();
        Operator::from_pairs(n, &diag, &off).unwrap()
    }

    fn products_agree(op: &Operator) {
        let csr = Csr::from_operator(op).unwrap();
        assert!(csr.is_matrix_free(), "the stencil is found");
        let n = op.n();
        let x: Vec<f64> = (0..n).map(|i| ((i * 31) % 17) as f64 - 8.0).collect();
        let mut want = vec![0.0; n];
        op.apply(&x, &mut want);
        let mut got = vec![0.0; n];
        csr.apply(&x, &mut got);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-12 * w.abs().max(1.0), "{g} vs {w}");
        }
    }

    #[test]
    fn square_cubic_and_next_nearest_stencils_are_found_and_agree() {
        products_agree(&box_operator([1, 12, 9], -1.0, 0.0, false));
        products_agree(&box_operator([1, 10, 16], -1.0, 0.3, false));
        products_agree(&box_operator([6, 5, 7], 1.0, 0.0, false));
        products_agree(&box_operator([1, 1, 40], -1.0, 0.0, false));
    }

    #[test]
    fn what_is_not_a_stencil_keeps_the_sparse_rows() {
        // an open boundary, a bond with another value, a box too short to tell ±1 apart
        let open = box_operator([1, 8, 8], -1.0, 0.0, true);
        assert!(!Csr::from_operator(&open).unwrap().is_matrix_free());
        let mut pairs = open.upper_entries();
        pairs[3].2 = -1.5;
        let odd = Operator::from_pairs(64, &open.diagonal(), &pairs).unwrap();
        assert!(!Csr::from_operator(&odd).unwrap().is_matrix_free());
        let tiny = box_operator([1, 3, 3], -1.0, 0.0, false);
        assert!(!Csr::from_operator(&tiny).unwrap().is_matrix_free());
    }
}
