//! A real symmetric operator, dense or sparse: what the eigensolvers act on. It knows no
//! physics: Hamiltonians (`tightbinding::build`), dynamical matrices and graph Laplacians are
//! all built as one.

use faer::Mat;

/// A real symmetric operator, dense or sparse (upper + lower triplets stored once as (i<j)).
#[derive(Clone, Debug)]
pub enum Operator {
    /// Dense n×n.
    Dense(Mat<f64>),
    /// Sparse: diagonal and off-diagonal pairs (i < j, value), symmetric.
    Sparse {
        n: usize,
        diag: Vec<f64>,
        off: Vec<(usize, usize, f64)>,
    },
}

impl Operator {
    /// Dimension.
    pub fn n(&self) -> usize {
        match self {
            Operator::Dense(m) => m.nrows(),
            Operator::Sparse { n, .. } => *n,
        }
    }
    /// Stored non-zeros (both triangles counted).
    pub fn nnz(&self) -> usize {
        match self {
            Operator::Dense(m) => m.nrows() * m.ncols(),
            Operator::Sparse { diag, off, .. } => diag.len() + 2 * off.len(),
        }
    }
    /// ‖H‖∞, the largest absolute row sum (a bound on the spectral radius).
    pub fn norm_inf(&self) -> f64 {
        match self {
            Operator::Dense(m) => (0..m.nrows())
                .map(|i| m.row(i).iter().map(|v| v.abs()).sum::<f64>())
                .fold(0.0, f64::max),
            Operator::Sparse { diag, off, .. } => {
                let mut rows: Vec<f64> = diag.iter().map(|d| d.abs()).collect();
                for &(i, j, v) in off {
                    rows[i] += v.abs();
                    rows[j] += v.abs();
                }
                rows.into_iter().fold(0.0, f64::max)
            }
        }
    }
    /// Gershgorin's interval [lo, hi] holding every eigenvalue.
    pub fn gershgorin(&self) -> (f64, f64) {
        match self {
            Operator::Dense(m) => {
                let n = m.nrows();
                let mut lo = f64::INFINITY;
                let mut hi = f64::NEG_INFINITY;
                for i in 0..n {
                    let r: f64 = (0..n).filter(|&j| j != i).map(|j| m[(i, j)].abs()).sum();
                    lo = lo.min(m[(i, i)] - r);
                    hi = hi.max(m[(i, i)] + r);
                }
                (lo, hi)
            }
            Operator::Sparse { diag, off, .. } => {
                let mut r = vec![0.0; diag.len()];
                for &(i, j, v) in off {
                    r[i] += v.abs();
                    r[j] += v.abs();
                }
                let lo = diag
                    .iter()
                    .zip(&r)
                    .map(|(d, r)| d - r)
                    .fold(f64::INFINITY, f64::min);
                let hi = diag
                    .iter()
                    .zip(&r)
                    .map(|(d, r)| d + r)
                    .fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            }
        }
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
            Operator::Sparse { n, diag, off } => {
                let mut m = Mat::<f64>::zeros(*n, *n);
                for (i, &d) in diag.iter().enumerate() {
                    m[(i, i)] = d;
                }
                for &(i, j, v) in off {
                    m[(i, j)] += v;
                    m[(j, i)] += v;
                }
                m
            }
        }
    }
    /// y = H x.
    pub fn apply(&self, x: &[f64], y: &mut [f64]) {
        match self {
            Operator::Dense(m) => {
                let n = m.nrows();
                for (i, yi) in y.iter_mut().enumerate().take(n) {
                    let mut s = 0.0;
                    for (j, xj) in x.iter().enumerate().take(n) {
                        s += m[(i, j)] * xj;
                    }
                    *yi = s;
                }
            }
            Operator::Sparse { diag, off, .. } => {
                for (i, yi) in y.iter_mut().enumerate() {
                    *yi = diag[i] * x[i];
                }
                for &(i, j, v) in off {
                    y[i] += v * x[j];
                    y[j] += v * x[i];
                }
            }
        }
    }

    /// a·A + b·B, in the sparse format when both are sparse.
    pub fn combine(a: f64, x: &Operator, b: f64, y: &Operator) -> Result<Operator, String> {
        if x.n() != y.n() {
            return Err(format!("the operators are {}×{0} and {}×{1}", x.n(), y.n()));
        }
        match (x, y) {
            (
                Operator::Sparse {
                    n,
                    diag: d1,
                    off: o1,
                },
                Operator::Sparse {
                    diag: d2, off: o2, ..
                },
            ) => Ok(Operator::Sparse {
                n: *n,
                diag: d1.iter().zip(d2).map(|(p, q)| a * p + b * q).collect(),
                off: o1
                    .iter()
                    .map(|&(i, j, v)| (i, j, a * v))
                    .chain(o2.iter().map(|&(i, j, v)| (i, j, b * v)))
                    .collect(),
            }),
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
            Operator::Sparse { n, diag, off } => Operator::Sparse {
                n: *n,
                diag: diag.iter().map(|d| c * d).collect(),
                off: off.iter().map(|&(i, j, v)| (i, j, c * v)).collect(),
            },
        }
    }
}
