//! Eigensolvers. `eigh`: every eigenpair of a dense real symmetric matrix (faer, eigenvalues in
//! nondecreasing order). `eigs_near`: the k eigenpairs closest to an energy σ of a large sparse
//! operator, by shift-invert Lanczos — a sparse LU of (H − σ) turns the wanted interior
//! eigenvalues into the largest ones of (H − σ)⁻¹, which Lanczos finds in few steps.

use super::Operator;
use faer::linalg::solvers::Solve;
use faer::sparse::{SparseColMat, Triplet};
use faer::{Mat, Side};

/// Eigenvalues and eigenvectors; vectors are the columns of an n×k matrix, normalised.
#[derive(Clone, Debug)]
pub struct Spectrum {
    /// Eigenvalues (ascending for `eigh`, by distance to σ for `eigs_near`).
    pub values: Vec<f64>,
    /// n×k eigenvectors (column m belongs to values[m]); empty when only values were asked.
    pub vectors: Mat<f64>,
}

impl Spectrum {
    /// Number of eigenpairs.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Whether eigenvectors are present.
    pub fn has_vectors(&self) -> bool {
        self.vectors.ncols() == self.values.len() && !self.values.is_empty()
    }
}

/// Largest eigensolver workspace kept per thread between calls (n ≈ 1000).
const KEEP_WORKSPACE_BYTES: usize = 32 << 20;

/// All eigenpairs of a dense symmetric matrix (reads the lower triangle), using every core.
pub fn eigh_dense(m: &Mat<f64>) -> Result<Spectrum, String> {
    eigh_dense_par(m, faer::get_global_parallelism())
}

/// All eigenpairs of a dense symmetric matrix (lower triangle) with the given parallelism:
/// `Par::Seq` inside a batch that already runs one realization per core.
///
/// Calls faer's divide and conquer directly so that its workspace is kept per thread (a batch
/// of 256×256 problems otherwise spends a few % of its time having fresh pages zeroed).
pub fn eigh_dense_par(m: &Mat<f64>, par: faer::Par) -> Result<Spectrum, String> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd::{self, ComputeEigenvectors, SelfAdjointEvdParams};
    use std::cell::RefCell;
    thread_local! {
        static WORK: RefCell<(usize, MemBuffer)> = RefCell::new((0, MemBuffer::new(faer::dyn_stack::StackReq::empty())));
    }
    let n = m.nrows();
    // faer's defaults: a leaf size of 64 or 32 measured the same as 128 within run-to-run noise.
    let params: SelfAdjointEvdParams = faer::Auto::<f64>::auto();
    let req = evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, params.into());
    let mut values = faer::diag::Diag::<f64>::zeros(n);
    let mut vectors = Mat::<f64>::zeros(n, n);
    let mut solve = |stack: &mut MemStack| {
        evd::self_adjoint_evd(
            m.as_ref(),
            values.as_mut(),
            Some(vectors.as_mut()),
            par,
            stack,
            params.into(),
        )
    };
    let need = req.unaligned_bytes_required();
    // Keep small workspaces (batches of small problems) per thread; a large one is freed after use
    // so that one big eigh in a REPL session does not hold its workspace for good.
    if need > KEEP_WORKSPACE_BYTES {
        solve(MemStack::new(&mut MemBuffer::new(req)))
    } else {
        WORK.with_borrow_mut(|(size, buf)| {
            if *size < need {
                *buf = MemBuffer::new(req);
                *size = need;
            }
            solve(MemStack::new(buf))
        })
    }
    .map_err(|e| format!("the eigensolver did not converge: {e:?}"))?;
    Ok(Spectrum {
        values: (0..n).map(|i| values[i]).collect(),
        vectors,
    })
}

/// Eigenvalues only of a dense symmetric matrix (faster).
pub fn eigvalsh_dense(m: &Mat<f64>) -> Result<Vec<f64>, String> {
    m.self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| format!("the eigensolver did not converge: {e:?}"))
}

/// Residual ‖Hψ − Eψ‖ of each eigenpair.
pub fn residuals(h: &Operator, s: &Spectrum) -> Vec<f64> {
    let n = h.n();
    let mut y = vec![0.0; n];
    (0..s.len())
        .map(|m| {
            let x: Vec<f64> = (0..n).map(|i| s.vectors[(i, m)]).collect();
            h.apply(&x, &mut y);
            y.iter()
                .zip(&x)
                .map(|(a, b)| (a - s.values[m] * b).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .collect()
}

fn shifted_lu(
    h: &Operator,
    sigma: f64,
) -> Result<faer::sparse::linalg::solvers::Lu<usize, f64>, String> {
    let n = h.n();
    let mut trips: Vec<Triplet<usize, usize, f64>> = Vec::with_capacity(h.nnz());
    match h {
        Operator::Sparse { diag, off, .. } => {
            for (i, &d) in diag.iter().enumerate() {
                trips.push(Triplet::new(i, i, d - sigma));
            }
            for &(i, j, v) in off {
                trips.push(Triplet::new(i, j, v));
                trips.push(Triplet::new(j, i, v));
            }
        }
        Operator::Dense(m) => {
            for j in 0..n {
                for i in 0..n {
                    let v = m[(i, j)] - if i == j { sigma } else { 0.0 };
                    if v != 0.0 || i == j {
                        trips.push(Triplet::new(i, j, v));
                    }
                }
            }
        }
    }
    let a = SparseColMat::<usize, f64>::try_new_from_triplets(n, n, &trips)
        .map_err(|e| format!("cannot assemble the sparse matrix: {e:?}"))?;
    a.sp_lu()
        .map_err(|e| format!("sparse LU of (H − σ) failed: {e:?}"))
}

/// The k eigenpairs of H closest to σ, by shift-invert Lanczos with full reorthogonalisation.
/// Converged when every residual ‖Hψ − Eψ‖ is below `tol` (relative to max(1, |E|)).
pub fn eigs_near(
    h: &Operator,
    sigma: f64,
    k: usize,
    tol: f64,
    seed: u64,
) -> Result<Spectrum, String> {
    let n = h.n();
    if k == 0 || k > n {
        return Err(format!("k must be in 1..={n}, got {k}"));
    }
    // If σ hits an eigenvalue exactly the factorisation is singular: nudge it.
    let mut shift = sigma;
    let mut lu = shifted_lu(h, shift);
    let mut tries = 0;
    while lu.is_err() && tries < 3 {
        shift += 1e-8 * (1.0 + sigma.abs()) * (tries as f64 + 1.0);
        lu = shifted_lu(h, shift);
        tries += 1;
    }
    let lu = lu?;
    let apply_inv = |v: &[f64]| -> Vec<f64> {
        let mut rhs = Mat::<f64>::from_fn(n, 1, |i, _| v[i]);
        lu.solve_in_place(rhs.as_mut());
        (0..n).map(|i| rhs[(i, 0)]).collect()
    };
    let mut rng = crate::rng::from_seed(seed);
    use rand::Rng;
    let mut m_steps = (2 * k + 20).min(n);
    loop {
        // Lanczos on (H − σ)⁻¹ with full reorthogonalisation (m ≤ a few hundred here).
        let mut q: Vec<Vec<f64>> = Vec::with_capacity(m_steps);
        let mut alpha = Vec::with_capacity(m_steps);
        let mut beta: Vec<f64> = Vec::with_capacity(m_steps);
        let mut v: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let nv = norm(&v);
        v.iter_mut().for_each(|x| *x /= nv);
        q.push(v);
        for j in 0..m_steps {
            let mut w = apply_inv(&q[j]);
            let a = dot(&w, &q[j]);
            alpha.push(a);
            // twice-iterated classical Gram–Schmidt against all previous vectors
            for _ in 0..2 {
                for qi in &q {
                    let c = dot(&w, qi);
                    w.iter_mut().zip(qi).for_each(|(x, y)| *x -= c * y);
                }
            }
            let b = norm(&w);
            if j + 1 == m_steps || b < 1e-13 {
                break;
            }
            beta.push(b);
            w.iter_mut().for_each(|x| *x /= b);
            q.push(w);
        }
        let m = alpha.len();
        let t = Mat::<f64>::from_fn(m, m, |i, j| {
            if i == j {
                alpha[i]
            } else if i + 1 == j {
                beta[i]
            } else if j + 1 == i {
                beta[j]
            } else {
                0.0
            }
        });
        let small = eigh_dense(&t)?;
        // Largest |θ| of (H − σ)⁻¹ ↔ eigenvalues σ + 1/θ closest to σ.
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| small.values[b].abs().total_cmp(&small.values[a].abs()));
        let take = k.min(m);
        let mut values = Vec::with_capacity(take);
        let mut vectors = Mat::<f64>::zeros(n, take);
        for (c, &idx) in order.iter().take(take).enumerate() {
            let theta = small.values[idx];
            values.push(shift + 1.0 / theta);
            for (j, qj) in q.iter().enumerate().take(m) {
                let s = small.vectors[(j, idx)];
                for i in 0..n {
                    vectors[(i, c)] += s * qj[i];
                }
            }
            let nrm = (0..n).map(|i| vectors[(i, c)].powi(2)).sum::<f64>().sqrt();
            for i in 0..n {
                vectors[(i, c)] /= nrm;
            }
        }
        // Sort by distance to σ, then check residuals with H itself.
        let mut idx: Vec<usize> = (0..take).collect();
        idx.sort_by(|&a, &b| {
            (values[a] - sigma)
                .abs()
                .total_cmp(&(values[b] - sigma).abs())
        });
        let spec = Spectrum {
            values: idx.iter().map(|&i| values[i]).collect(),
            vectors: Mat::from_fn(n, take, |i, c| vectors[(i, idx[c])]),
        };
        let res = residuals(h, &spec);
        let ok = res
            .iter()
            .zip(&spec.values)
            .all(|(r, e)| *r <= tol * e.abs().max(1.0));
        if (ok && take == k) || m_steps >= n {
            return Ok(spec);
        }
        m_steps = (m_steps * 2).min(n);
        crate::progress::check_interrupt("eigs_near").map_err(|e| e.to_string())?;
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}
