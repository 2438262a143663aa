//! `eigs_near`: the k eigenpairs of a large sparse symmetric H closest to an energy σ, by
//! shift-invert block Lanczos with locking and deflation.
//!
//! A sparse LU of (H − s) (s = σ, moved into the spectral interval and off an exact eigenvalue,
//! see `Shift`) turns the eigenvalues nearest σ into the largest |θ| = 1/|λ − s| of
//! A = (H − s)⁻¹. Block Lanczos on A with full reorthogonalisation finds them. Why a *block*:
//! a Krylov space grown from p start vectors holds at most p independent vectors of any one
//! eigenspace, so a single-vector Lanczos returns each degenerate level once (the open 10×10
//! square lattice has E = 0 ten times). Converged Ritz pairs are *locked* and every later vector
//! is kept orthogonal to them (deflation); a pass that finds some level p times, where a
//! farther level is among the k chosen, may have missed copies, so another pass from fresh random
//! vectors looks for them in the deflated space. The chosen pairs are finally rotated by a
//! Rayleigh–Ritz step with H itself, and each residual ‖Hψ − λψ‖ is checked against `tol`: k
//! correct pairs or an error, never a silent wrong one.

use super::eigen::{eigh_dense_par, Spectrum};
use super::Operator;
use faer::linalg::matmul::matmul;
use faer::linalg::solvers::Solve;
use faer::sparse::{SparseColMat, Triplet};
use faer::{Accum, Mat, MatRef};
use rand::Rng;

/// Tuning of `eigs_near_with`. The defaults are what `eigs_near` uses.
#[derive(Clone, Copy, Debug)]
pub struct EigsNearParams {
    /// Below this dimension (or when k is a third of n or more) every eigenpair is computed
    /// densely and the k nearest are kept: faster there, and exact about multiplicities.
    pub dense_below: usize,
    /// Block size for k ≥ 2 (k = 1 uses one vector: a degenerate nearest level needs one copy).
    pub block: usize,
    /// Passes (fresh Krylov spaces) before giving up with an error.
    pub max_passes: usize,
}

impl Default for EigsNearParams {
    fn default() -> Self {
        EigsNearParams {
            dense_below: 300,
            block: 2,
            max_passes: 40,
        }
    }
}

/// The k eigenpairs of H closest to σ, sorted by |λ − σ|. Every residual ‖Hψ − λψ‖ is at most
/// `tol`·max(1, |λ|); otherwise an error.
pub fn eigs_near(
    h: &Operator,
    sigma: f64,
    k: usize,
    tol: f64,
    seed: u64,
) -> Result<Spectrum, String> {
    eigs_near_with(h, sigma, k, tol, seed, EigsNearParams::default())
}

/// `eigs_near` with explicit tuning (the tests use it to force the iterative route on small
/// lattices).
pub fn eigs_near_with(
    h: &Operator,
    sigma: f64,
    k: usize,
    tol: f64,
    seed: u64,
    params: EigsNearParams,
) -> Result<Spectrum, String> {
    let n = h.n();
    if k == 0 || k > n {
        return Err(format!("k must be in 1..={n}, got {k}"));
    }
    if !sigma.is_finite() {
        return Err(format!("E must be finite, got {sigma}"));
    }
    if !(tol > 0.0 && tol.is_finite()) {
        return Err(format!("tol must be a positive number, got {tol}"));
    }
    let (lo, hi) = h.gershgorin();
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(
            "H has entries that are not finite, or row sums beyond the range of f64 (scale H down)"
                .into(),
        );
    }
    if n < params.dense_below || 3 * k >= n {
        return nearest_by_eigh(h, sigma, k, tol);
    }
    // faer's sparse LU, solves and products are parallel inside: on the pool (`on_pool`)
    if rayon::current_thread_index().is_none() {
        return super::parallel::on_pool(|| eigs_near_with(h, sigma, k, tol, seed, params));
    }
    let scale = lo.abs().max(hi.abs());
    if scale == 0.0 {
        // H = 0: every vector is an eigenvector of 0
        return Ok(Spectrum {
            values: vec![0.0; k],
            vectors: Mat::from_fn(n, k, |i, j| if i == j { 1.0 } else { 0.0 }),
        });
    }
    let mut rng = crate::rng::from_seed(seed);
    let shift = Shift::factor(h, sigma, lo, hi, scale, &mut rng)?;
    let mut solver = BlockLanczos {
        h,
        lu: &shift.lu,
        n,
        p: if k == 1 { 1 } else { params.block.clamp(1, k) },
        locked: Mat::zeros(n, 0),
        locked_theta: Vec::new(),
        h_norm: 2.0 * scale,
        shift: shift.s,
        tol,
    };
    // wanted per pass: k, plus a block's worth more when the shift had to move off σ (the
    // order by distance to s and to σ may then differ at the boundary)
    let wanted = if shift.moved {
        (k + solver.p).min(n)
    } else {
        k
    };
    // the largest Krylov basis of a pass: generous (a pass that stops short starts afresh and
    // loses its work), within a memory budget of about 1 GiB for the basis
    let mut basis_cap = (8 * wanted + 100)
        .max(300)
        .min((1usize << 27) / n.max(1))
        .max(4 * solver.p);
    let mut last_error = String::new();
    for _pass in 0..params.max_passes {
        if crate::progress::interrupted() {
            return Err("interrupted".into());
        }
        let free = n - solver.locked.ncols();
        if free == 0 {
            break;
        }
        let outcome = solver.pass(wanted.min(free), basis_cap.min(free), &mut rng)?;
        let chosen = solver.choose(sigma, k);
        if chosen.len() == k && !outcome.may_hide_copies(&solver, sigma, &chosen) {
            match solver.finish(sigma, &chosen) {
                Ok(s) => return Ok(s),
                Err(e) => {
                    // locked pairs that fail with H itself are not improved by more passes
                    last_error = e;
                    break;
                }
            }
        }
        if !outcome.converged_all {
            // not all wanted pairs converged in this Krylov space: a larger one next time
            basis_cap = (basis_cap * 2).min(n);
        }
    }
    if n <= 4000 {
        // the iteration stalled (a huge cluster, say): the dense solver is exact and affordable
        return nearest_by_eigh(h, sigma, k, tol);
    }
    Err(format!(
        "did not converge to {k} eigenpairs near {sigma} within tol {tol:e} after {} passes{}",
        params.max_passes,
        if last_error.is_empty() {
            String::new()
        } else {
            format!(" ({last_error})")
        }
    ))
}

/// The k nearest eigenpairs from the dense solver (small H, or k a large share of n), checked
/// like the iterative ones.
fn nearest_by_eigh(h: &Operator, sigma: f64, k: usize, tol: f64) -> Result<Spectrum, String> {
    let all = super::eigen::eigh_dense(&h.as_dense())?;
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| {
        (all.values[a] - sigma)
            .abs()
            .total_cmp(&(all.values[b] - sigma).abs())
    });
    order.truncate(k);
    let s = Spectrum {
        values: order.iter().map(|&i| all.values[i]).collect(),
        vectors: Mat::from_fn(all.vectors.nrows(), k, |i, c| all.vectors[(i, order[c])]),
    };
    check_residuals(h, &s, tol, h.norm_inf())?;
    Ok(s)
}

/// Residuals against tol·max(1, |λ|) — or against the rounding floor of a dense solve of a large
/// H, 10⁻¹³‖H‖, where that is larger (tol cannot be met in f64 below it).
fn check_residuals(h: &Operator, s: &Spectrum, tol: f64, h_norm: f64) -> Result<(), String> {
    let res = super::eigen::residuals(h, s);
    for (m, (r, e)) in res.iter().zip(&s.values).enumerate() {
        let bound = (tol * e.abs().max(1.0)).max(1e-13 * h_norm);
        if r.is_nan() || *r > bound {
            return Err(format!(
                "eigenpair {m} (λ = {e}) has residual ‖Hψ − λψ‖ = {r:e} above {bound:e}"
            ));
        }
    }
    Ok(())
}

/// The factorised (H − s) and where s sits.
struct Shift {
    lu: faer::sparse::linalg::solvers::Lu<usize, f64>,
    s: f64,
    /// Whether s was moved off an exact (or numerically exact) eigenvalue at σ.
    moved: bool,
}

impl Shift {
    /// Factor H − s with s = σ clamped into Gershgorin's interval [lo, hi] (beyond it the
    /// eigenvalues nearest σ are those nearest the interval's end, in the same order, and the
    /// shift-inverted spectrum is not squeezed to a point). Where H − s is singular to working
    /// precision (σ an eigenvalue: E = 0 on a clean bipartite lattice), s moves by a small
    /// amount relative to ‖H‖, as ARPACK's users do.
    fn factor(
        h: &Operator,
        sigma: f64,
        lo: f64,
        hi: f64,
        scale: f64,
        rng: &mut impl Rng,
    ) -> Result<Shift, String> {
        let n = h.n();
        let clamped = sigma.clamp(lo, hi);
        let mut s = clamped;
        let mut moved = false;
        let probe: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let probe_norm = norm(&probe);
        let mut last = String::new();
        for attempt in 0..4 {
            if attempt > 0 {
                // 10⁻⁶‖H‖, 10⁻⁵‖H‖, …: far enough that the level at σ, amplified to
                // 1/|λ − s|, leaves the others ten digits in the Gram–Schmidt products; near
                // enough to keep the order by distance to σ (a block more is sought then)
                let delta = scale * 10f64.powi(attempt - 7);
                s = if clamped + delta <= hi {
                    clamped + delta
                } else {
                    clamped - delta
                };
                moved = true;
            }
            match shifted_lu(h, s) {
                Ok(lu) => {
                    let mut x = Mat::<f64>::from_fn(n, 1, |i, _| probe[i]);
                    lu.solve_in_place(x.as_mut());
                    let xn = (0..n).map(|i| x[(i, 0)].powi(2)).sum::<f64>().sqrt();
                    // ‖(H − s)⁻¹‖ ≥ ‖x‖/‖b‖; beyond 10¹⁰/‖H‖ the level at s swamps the others
                    if xn.is_finite() && xn * scale <= 1e10 * probe_norm {
                        return Ok(Shift { lu, s, moved });
                    }
                    last = "H − E is singular to working precision".into();
                }
                Err(e) => last = e,
            }
        }
        Err(format!("cannot factor H − E near E = {sigma}: {last}"))
    }
}

fn shifted_lu(
    h: &Operator,
    sigma: f64,
) -> Result<faer::sparse::linalg::solvers::Lu<usize, f64>, String> {
    let n = h.n();
    let mut trips: Vec<Triplet<usize, usize, f64>> = Vec::with_capacity(h.nnz());
    match h {
        Operator::Sparse(m) => {
            // both triangles are stored: the rows are the columns of the same matrix
            for j in 0..n {
                let (rows, vals) = super::operator::row(m, j);
                for (&i, &v) in rows.iter().zip(vals) {
                    trips.push(Triplet::new(i as usize, j, v));
                }
                trips.push(Triplet::new(j, j, -sigma));
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
        .map_err(|e| format!("sparse LU of (H − E) failed: {e:?}"))
}

/// The state kept across passes: the locked (converged) pairs of A = (H − s)⁻¹.
struct BlockLanczos<'a> {
    h: &'a Operator,
    lu: &'a faer::sparse::linalg::solvers::Lu<usize, f64>,
    n: usize,
    /// Block size.
    p: usize,
    /// Locked Ritz vectors, orthonormal columns.
    locked: Mat<f64>,
    /// Their θ (eigenvalues of A).
    locked_theta: Vec<f64>,
    /// A bound on ‖H − s‖.
    h_norm: f64,
    shift: f64,
    tol: f64,
}

/// What one pass found.
struct PassOutcome {
    /// θ of the pairs locked in this pass.
    theta: Vec<f64>,
    /// Whether every wanted Ritz pair of the pass converged.
    converged_all: bool,
    /// Block size of the pass.
    p: usize,
}

impl PassOutcome {
    /// Whether a level found p times in this pass (so possibly more often: a block Krylov space
    /// holds at most p vectors of an eigenspace) is nearer σ than the farthest chosen level, so
    /// that a missed copy would change the answer.
    fn may_hide_copies(&self, s: &BlockLanczos, sigma: f64, chosen: &[usize]) -> bool {
        if self.p == 0 || self.theta.len() < self.p {
            return false;
        }
        let level = |theta: f64| s.shift + 1.0 / theta;
        let farthest = chosen
            .iter()
            .map(|&i| (level(s.locked_theta[i]) - sigma).abs())
            .fold(0.0, f64::max);
        let cluster_tol = 1e-8 * s.h_norm;
        let levels: Vec<f64> = self.theta.iter().map(|&t| level(t)).collect();
        levels.iter().any(|&l| {
            let copies = levels
                .iter()
                .filter(|&&m| (m - l).abs() <= cluster_tol)
                .count();
            copies >= self.p && (l - sigma).abs() + cluster_tol < farthest
        })
    }
}

impl BlockLanczos<'_> {
    /// A ← (H − s)⁻¹ applied to the columns of `x`, in place.
    fn apply(&self, x: faer::MatMut<'_, f64>) {
        self.lu.solve_in_place(x);
    }

    /// Orthogonalise the columns of `w` against the locked vectors and against `q` (twice,
    /// classical Gram–Schmidt as two matrix products each); returns the coefficients on `q`.
    fn project_out(&self, q: MatRef<'_, f64>, w: &mut Mat<f64>) -> Mat<f64> {
        let par = faer::get_global_parallelism();
        let mut coef = Mat::<f64>::zeros(q.ncols(), w.ncols());
        for _ in 0..2 {
            if self.locked.ncols() > 0 {
                let c = self.locked.transpose() * &*w;
                matmul(
                    w.as_mut(),
                    Accum::Add,
                    self.locked.as_ref(),
                    c.as_ref(),
                    -1.0,
                    par,
                );
            }
            if q.ncols() > 0 {
                let c = q.transpose() * &*w;
                matmul(w.as_mut(), Accum::Add, q, c.as_ref(), -1.0, par);
                coef += c;
            }
        }
        coef
    }

    /// Orthonormalise the columns of `w` among themselves (already orthogonal to the basis and
    /// the locked vectors); returns the triangular factor R (w_before = w_after · R). A column
    /// that vanishes (the Krylov space is invariant in that direction) is replaced by a random
    /// vector orthogonal to everything, with R's entry 0.
    fn orthonormalize_block(
        &self,
        q: MatRef<'_, f64>,
        w: &mut Mat<f64>,
        norms_before: &[f64],
        rng: &mut impl Rng,
    ) -> Mat<f64> {
        let p = w.ncols();
        let mut r = Mat::<f64>::zeros(p, p);
        for j in 0..p {
            for _ in 0..2 {
                for i in 0..j {
                    let c = dot_cols(w, i, j);
                    axpy_col(w, -c, i, j);
                    r[(i, j)] += c;
                }
            }
            let b = col_norm(w, j);
            if b > 1e-10 * norms_before[j].max(f64::MIN_POSITIVE) {
                r[(j, j)] = b;
                scale_col(w, 1.0 / b, j);
                continue;
            }
            // breakdown: a fresh direction, orthogonal to the locked vectors, the basis and
            // the columns before it (none left: a zero column, inert in the products)
            r[(j, j)] = 0.0;
            w.col_mut(j).fill(0.0);
            for _ in 0..4 {
                let mut v = Mat::<f64>::from_fn(self.n, 1, |_, _| rng.random_range(-1.0..1.0));
                let before = col_norm(&v, 0);
                self.project_out(q, &mut v);
                for _ in 0..2 {
                    for i in 0..j {
                        let c = (0..self.n).map(|t| v[(t, 0)] * w[(t, i)]).sum::<f64>();
                        for t in 0..self.n {
                            v[(t, 0)] -= c * w[(t, i)];
                        }
                    }
                }
                let b = col_norm(&v, 0);
                if b > 1e-6 * before {
                    for t in 0..self.n {
                        w[(t, j)] = v[(t, 0)] / b;
                    }
                    for i in 0..j {
                        r[(i, j)] = 0.0;
                    }
                    break;
                }
            }
        }
        r
    }

    /// One Krylov space from a fresh random block, deflated by the locked vectors: grow it
    /// until the `wanted` largest |θ| converge or the basis holds `cap` vectors, then lock what
    /// converged.
    fn pass(
        &mut self,
        wanted: usize,
        cap: usize,
        rng: &mut impl Rng,
    ) -> Result<PassOutcome, String> {
        let n = self.n;
        let p = self.p.min(cap);
        // the basis grows by doubling up to `cap` (with room for the last block's successor,
        // whose coupling gives the residual estimates)
        let mut room = (2 * wanted + 20).max(4 * p).min(cap) + 2 * p;
        let mut q = Mat::<f64>::zeros(n, room);
        // coefficients: A Q[:, ..applied] = Q[:, ..filled] · t[..filled, ..applied]
        let mut t = Mat::<f64>::zeros(room, room);
        let mut start = Mat::<f64>::from_fn(n, p, |_, _| rng.random_range(-1.0..1.0));
        let norms: Vec<f64> = (0..p).map(|j| col_norm(&start, j)).collect();
        self.project_out(q.as_ref().subcols(0, 0), &mut start);
        self.orthonormalize_block(q.as_ref().subcols(0, 0), &mut start, &norms, rng);
        q.as_mut().subcols_mut(0, p).copy_from(&start);
        let mut filled = p;
        let mut applied = 0;
        let free = n - self.locked.ncols();
        let ritz = loop {
            if crate::progress::interrupted() {
                return Err("interrupted".into());
            }
            let b = filled - applied;
            if filled + b > room {
                room = (2 * room).min(cap + 2 * p).max(filled + b);
                let mut q2 = Mat::<f64>::zeros(n, room);
                q2.as_mut()
                    .subcols_mut(0, filled)
                    .copy_from(q.as_ref().subcols(0, filled));
                q = q2;
                let mut t2 = Mat::<f64>::zeros(room, room);
                t2.as_mut()
                    .submatrix_mut(0, 0, filled, applied)
                    .copy_from(t.as_ref().submatrix(0, 0, filled, applied));
                t = t2;
            }
            let mut w = q.as_ref().subcols(applied, b).to_owned();
            self.apply(w.as_mut());
            if (0..b).any(|j| !w.col(j).iter().all(|x| x.is_finite())) {
                return Err("the shifted solve gave values that are not finite".into());
            }
            let norms: Vec<f64> = (0..b).map(|j| col_norm(&w, j)).collect();
            let coef = self.project_out(q.as_ref().subcols(0, filled), &mut w);
            t.as_mut()
                .submatrix_mut(0, applied, filled, b)
                .copy_from(&coef);
            applied += b;
            // the next block (zero columns once the deflated space is exhausted)
            let r = self.orthonormalize_block(q.as_ref().subcols(0, filled), &mut w, &norms, rng);
            t.as_mut()
                .submatrix_mut(filled, applied - b, b, b)
                .copy_from(&r);
            q.as_mut().subcols_mut(filled, b).copy_from(&w);
            filled += b;
            // Rayleigh–Ritz once the space can hold the wanted pairs with room to spare
            let last = applied >= cap || applied >= free;
            if applied >= wanted + p.max(4) || last {
                let rr = self.ritz(t.as_ref(), applied, filled, wanted);
                if last || rr.2.iter().all(|&c| c) {
                    break rr;
                }
            }
        };
        let (small, order, converged) = ritz;
        // lock the converged pairs among the wanted: their vectors Q·y
        let keep: Vec<usize> = order
            .iter()
            .zip(&converged)
            .filter(|(_, &c)| c)
            .map(|(&i, _)| i)
            .collect();
        let y = Mat::from_fn(applied, keep.len(), |r, c| small.vectors[(r, keep[c])]);
        let mut v = q.as_ref().subcols(0, applied) * &y;
        // the new vectors against the locked ones once more (rounding), then normalised
        let _ = self.project_out(q.as_ref().subcols(0, 0), &mut v);
        let mut theta = Vec::with_capacity(keep.len());
        let mut cols = Vec::new();
        for (c, &i) in keep.iter().enumerate() {
            // against the new vectors before it as well (a cluster's Ritz vectors)
            for &j in &cols {
                let d = dot_cols(&v, j, c);
                axpy_col(&mut v, -d, j, c);
            }
            let nv = col_norm(&v, c);
            if nv > 0.5 {
                scale_col(&mut v, 1.0 / nv, c);
                cols.push(c);
                theta.push(small.values[i]);
            }
        }
        let nl = self.locked.ncols();
        let mut locked = Mat::<f64>::zeros(n, nl + cols.len());
        locked.as_mut().subcols_mut(0, nl).copy_from(&self.locked);
        for (j, &c) in cols.iter().enumerate() {
            locked.as_mut().col_mut(nl + j).copy_from(v.col(c));
        }
        self.locked = locked;
        self.locked_theta.extend_from_slice(&theta);
        Ok(PassOutcome {
            converged_all: converged.iter().all(|&c| c) && converged.len() >= wanted,
            theta,
            p,
        })
    }

    /// Ritz pairs of the projected A (the symmetric part of t's leading block): the `wanted`
    /// largest |θ|, and whether each passes the residual test, estimated: a Ritz pair (θ, y)
    /// of A with residual ‖r‖ = ‖t[applied.., ..] y‖ has ‖(H − s − 1/θ) Qy‖ ≤ ‖H − s‖‖r‖/|θ|
    /// (a tenth of the tolerance: the estimate bounds the iteration's error, not rounding).
    fn ritz(
        &self,
        t: MatRef<'_, f64>,
        applied: usize,
        filled: usize,
        wanted: usize,
    ) -> (Spectrum, Vec<usize>, Vec<bool>) {
        let m = applied;
        let sym = Mat::from_fn(m, m, |i, j| 0.5 * (t[(i, j)] + t[(j, i)]));
        let small = match eigh_dense_par(&sym, faer::Par::Seq) {
            Ok(s) => s,
            Err(_) => {
                return (
                    Spectrum {
                        values: vec![],
                        vectors: Mat::zeros(0, 0),
                    },
                    vec![],
                    vec![],
                )
            }
        };
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| small.values[b].abs().total_cmp(&small.values[a].abs()));
        order.truncate(wanted.min(m));
        let tail = t.submatrix(m, 0, filled - m, m);
        let converged = order
            .iter()
            .map(|&i| {
                let theta = small.values[i];
                let r = (0..filled - m)
                    .map(|row| {
                        (0..m)
                            .map(|c| tail[(row, c)] * small.vectors[(c, i)])
                            .sum::<f64>()
                            .powi(2)
                    })
                    .sum::<f64>()
                    .sqrt();
                let level = self.shift + 1.0 / theta;
                theta != 0.0
                    && theta.is_finite()
                    && self.h_norm * r / theta.abs() <= 0.1 * self.tol * level.abs().max(1.0)
            })
            .collect();
        (small, order, converged)
    }

    /// Indices (into the locked pairs) of the k levels nearest σ.
    fn choose(&self, sigma: f64, k: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.locked_theta.len()).collect();
        let dist = |i: usize| (self.shift + 1.0 / self.locked_theta[i] - sigma).abs();
        order.sort_by(|&a, &b| dist(a).total_cmp(&dist(b)));
        order.truncate(k);
        order
    }

    /// The chosen locked vectors, rotated by Rayleigh–Ritz with H (exact values, and a clean
    /// basis inside each degenerate level), sorted by distance to σ and checked.
    fn finish(&self, sigma: f64, chosen: &[usize]) -> Result<Spectrum, String> {
        let n = self.n;
        let k = chosen.len();
        let v = Mat::from_fn(n, k, |i, c| self.locked[(i, chosen[c])]);
        let mut hv = Mat::<f64>::zeros(n, k);
        let mut y = vec![0.0; n];
        for c in 0..k {
            let x: Vec<f64> = (0..n).map(|i| v[(i, c)]).collect();
            self.h.apply(&x, &mut y);
            for i in 0..n {
                hv[(i, c)] = y[i];
            }
        }
        let g = v.transpose() * &hv;
        let g = Mat::from_fn(k, k, |i, j| 0.5 * (g[(i, j)] + g[(j, i)]));
        let rot = eigh_dense_par(&g, faer::Par::Seq)?;
        let vectors = &v * &rot.vectors;
        let mut idx: Vec<usize> = (0..k).collect();
        idx.sort_by(|&a, &b| {
            (rot.values[a] - sigma)
                .abs()
                .total_cmp(&(rot.values[b] - sigma).abs())
        });
        let mut s = Spectrum {
            values: idx.iter().map(|&i| rot.values[i]).collect(),
            vectors: Mat::from_fn(n, k, |i, c| vectors[(i, idx[c])]),
        };
        for c in 0..k {
            let nv = col_norm(&s.vectors, c);
            scale_col(&mut s.vectors, 1.0 / nv, c);
        }
        check_residuals(self.h, &s, self.tol, 0.0)?;
        Ok(s)
    }
}

fn dot_cols(w: &Mat<f64>, a: usize, b: usize) -> f64 {
    let (x, y) = (w.col(a), w.col(b));
    x.iter().zip(y.iter()).map(|(p, q)| p * q).sum()
}

fn axpy_col(w: &mut Mat<f64>, c: f64, from: usize, to: usize) {
    for i in 0..w.nrows() {
        let v = w[(i, from)];
        w[(i, to)] += c * v;
    }
}

fn col_norm(w: &Mat<f64>, j: usize) -> f64 {
    w.col(j).iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn scale_col(w: &mut Mat<f64>, c: f64, j: usize) {
    w.col_mut(j).iter_mut().for_each(|x| *x *= c);
}

fn norm(a: &[f64]) -> f64 {
    a.iter().map(|x| x * x).sum::<f64>().sqrt()
}
