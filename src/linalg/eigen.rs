//! Eigensolvers. `eigh`: every eigenpair of a dense real symmetric matrix, eigenvalues in
//! nondecreasing order (a Householder tridiagonalization — faer's, or from n = 800 our blocked
//! one on two threads, `tridiagonalize.rs` — and faer's back-transformation around our QL and
//! inverse iteration, `tridiagonal.rs`; faer's divide and conquer as the fallback).
//! `eigs_near` (`shift_invert.rs`): the k eigenpairs closest to an energy σ of a large sparse
//! operator, by shift-invert block Lanczos with locking and deflation.

use super::Operator;
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
/// Householder tridiagonalization (faer's, or from n = 800 on two threads our blocked one in
/// `tridiagonalize.rs`), then the tridiagonal eigenproblem by QL and inverse iteration
/// (`tridiagonal.rs`, O(n²)), then faer's blocked back-transformation. Where inverse
/// iteration declines (large clusters of close eigenvalues, as in clean lattices), faer's divide
/// and conquer solves the whole problem instead.
pub fn eigh_dense_par(m: &Mat<f64>, par: faer::Par) -> Result<Spectrum, String> {
    eigh_dense_with(m, par, &EighParams::default())
}

/// `eigh_dense_par` with explicit tuning.
pub fn eigh_dense_with(
    m: &Mat<f64>,
    par: faer::Par,
    params: &EighParams,
) -> Result<Spectrum, String> {
    let (scaled, scale) = balanced(m)?;
    if let Some(scaled) = scaled {
        let mut s = eigh_dense_with(&scaled, par, params)?;
        unscale(&mut s.values, scale)?;
        return Ok(s);
    }
    // on rayon's pool as a whole (`on_pool`): the reduction's panels each join the pool
    if route_parallelism(m.nrows(), par, params) != faer::Par::Seq
        && rayon::current_thread_index().is_none()
    {
        return super::parallel::on_pool(|| eigh_dense_with(m, par, params));
    }
    if m.nrows() >= 3 {
        let s = eigh_by_inverse_iteration(m, par, params);
        if crate::progress::interrupted() {
            return Err("interrupted".into());
        }
        if let Some(s) = s {
            return Ok(s);
        }
    }
    eigh_divide_and_conquer(m, par)
}

thread_local! {
    /// Eigensolver workspace kept per thread between calls (a batch of 256×256 problems
    /// otherwise spends a few % of its time having fresh pages zeroed): (bytes, buffer).
    static WORK: std::cell::RefCell<(usize, faer::dyn_stack::MemBuffer)> =
        std::cell::RefCell::new((0, faer::dyn_stack::MemBuffer::new(faer::dyn_stack::StackReq::empty())));
}

/// Run `solve` on a workspace of `req`: the thread's kept buffer when small enough, else a
/// fresh one freed afterwards (so that one big eigh in a REPL session does not hold it for good).
fn with_workspace<R>(
    req: faer::dyn_stack::StackReq,
    solve: impl FnOnce(&mut faer::dyn_stack::MemStack) -> R,
) -> R {
    use faer::dyn_stack::{MemBuffer, MemStack};
    let need = req.unaligned_bytes_required();
    if need > KEEP_WORKSPACE_BYTES {
        return solve(MemStack::new(&mut MemBuffer::new(req)));
    }
    WORK.with(|cell| {
        // a solve on this thread may wait in a rayon join and meanwhile run another task that
        // solves too (a stolen job): that one gets a buffer of its own
        let Ok(mut kept) = cell.try_borrow_mut() else {
            return solve(MemStack::new(&mut MemBuffer::new(req)));
        };
        let (size, buf) = &mut *kept;
        if *size < need {
            *buf = MemBuffer::new(req);
            *size = need;
        }
        solve(MemStack::new(buf))
    })
}

/// The tridiagonal route of `eigh_dense_par`; None where inverse iteration declines.
fn eigh_by_inverse_iteration(
    m: &Mat<f64>,
    par: faer::Par,
    params: &EighParams,
) -> Option<Spectrum> {
    use faer::linalg::householder;
    let n = m.nrows();
    let bs = faer::linalg::qr::no_pivoting::factor::recommended_block_size::<f64>(n, n);
    let par = route_parallelism(n, par, params);
    let req = tridiagonal_route_scratch(n, bs);
    let mut hh = Mat::<f64>::zeros(bs, n - 1);
    with_workspace(req, |stack| {
        let blocked = blocked_reduction(n, par, params);
        let two = route_parallelism(n, par, params) != faer::Par::Seq;
        let (d, e, reduced) = tridiagonal_form(m, blocked, two, &params.reduction, &mut hh, stack);
        let trid = reduced.matrix(n);
        // faer's blocked form of our reflector sequence (as its tridiag_in_place ends), formed
        // on the other thread while the QL iteration, sequential, finds the eigenvalues
        let upgrade = |hh: &mut Mat<f64>| {
            let essentials = trid.submatrix(1, 0, n - 1, n - 1);
            let mut j = 0;
            while j < n - 1 {
                let b = bs.min(n - 1 - j);
                let mut block = hh.as_mut().submatrix_mut(0, j, b, b);
                for k in 0..b {
                    block[(k, k)] = block[(0, k)];
                }
                householder::upgrade_householder_factor(
                    block,
                    essentials.submatrix(j, j, n - 1 - j, b),
                    b,
                    1,
                    faer::Par::Seq,
                );
                j += b;
            }
        };
        let parallel = par != faer::Par::Seq;
        let mut vectors = Mat::<f64>::zeros(n, n);
        let mut cols = Vec::with_capacity(n);
        for c in vectors.col_iter_mut() {
            cols.push(c.try_as_col_major_mut()?.as_slice_mut());
        }
        let values = if blocked {
            let (values, ()) = rayon::join(
                || super::tridiagonal::eigen(&d, &e, parallel, &mut cols),
                || upgrade(&mut hh),
            );
            values?
        } else {
            super::tridiagonal::eigen(&d, &e, parallel, &mut cols)?
        };
        householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
            trid.submatrix(1, 0, n - 1, n - 1),
            hh.as_ref(),
            faer::Conj::No,
            vectors.as_mut().subrows_mut(1, n - 1),
            par,
            stack,
        );
        Some(Spectrum { values, vectors })
    })
}

/// The Householder reduction T = Qᵀ A Q of a dense symmetric matrix (lower triangle): our
/// blocked one on two threads (`blocked`, `tridiagonalize.rs`) or faer's, sequential. Returns
/// T's diagonal and subdiagonal and the reduced matrix (the reflectors below the subdiagonal, in
/// faer's layout); the reflectors' τ go to row 0 of `hh` (ours) or `hh` holds faer's block
/// factors (faer's).
fn tridiagonal_form(
    m: &Mat<f64>,
    blocked: bool,
    two_threads: bool,
    reduction: &super::tridiagonalize::ReductionParams,
    hh: &mut Mat<f64>,
    stack: &mut faer::dyn_stack::MemStack,
) -> (Vec<f64>, Vec<f64>, Reduced) {
    use faer::linalg::evd::tridiag;
    let n = m.nrows();
    if blocked {
        // the lower triangle, copied on both threads (which also wakes rayon's workers
        // before the first panel hands half its columns to one)
        use rayon::prelude::*;
        let mut ours = vec![0.0; n * n];
        ours.par_chunks_mut(n).enumerate().for_each(|(j, dst)| {
            let col = m.col(j);
            match col.try_as_col_major() {
                Some(c) => dst[j..].copy_from_slice(&c.as_slice()[j..]),
                None => dst[j..]
                    .iter_mut()
                    .zip(col.iter().skip(j))
                    .for_each(|(x, v)| *x = *v),
            }
        });
        let mut tau = vec![0.0; n - 1];
        let (d, e) = super::tridiagonalize::tridiagonalize_with(
            &mut ours,
            n,
            &mut tau,
            two_threads,
            reduction,
        );
        for (k, t) in tau.iter().enumerate() {
            hh[(0, k)] = *t;
        }
        (d, e, Reduced::Ours(ours))
    } else {
        let mut faers = Mat::<f64>::zeros(n, n);
        faers.as_mut().copy_from_triangular_lower(m.as_ref());
        // faer's reduction runs sequentially: on two threads it was slower up to n ≈ 1200
        // (n = 1000: 57 ms against 70 ms), and from n = 800 a parallel eigh uses ours
        let params: tridiag::TridiagParams = faer::Auto::<f64>::auto();
        tridiag::tridiag_in_place(
            faers.as_mut(),
            hh.as_mut(),
            faer::Par::Seq,
            stack,
            params.into(),
        );
        let d: Vec<f64> = (0..n).map(|i| faers[(i, i)]).collect();
        let e: Vec<f64> = (0..n - 1).map(|i| faers[(i + 1, i)]).collect();
        (d, e, Reduced::Faer(faers))
    }
}

/// The reduced matrix of `tridiagonal_form`: column-major after our reduction, faer's matrix
/// after faer's.
enum Reduced {
    Ours(Vec<f64>),
    Faer(Mat<f64>),
}

impl Reduced {
    fn matrix(&self, n: usize) -> faer::MatRef<'_, f64> {
        match self {
            Reduced::Ours(a) => faer::MatRef::from_column_major_slice(a, n, n),
            Reduced::Faer(a) => a.as_ref(),
        }
    }
}

/// Workspace of the tridiagonal route for an n×n matrix (faer's reduction, then the
/// back-transformation with block size `bs`).
fn tridiagonal_route_scratch(n: usize, bs: usize) -> faer::dyn_stack::StackReq {
    use faer::linalg::{evd::tridiag, householder};
    let params: tridiag::TridiagParams = faer::Auto::<f64>::auto();
    faer::dyn_stack::StackReq::any_of(&[
        tridiag::tridiag_in_place_scratch::<f64>(n, faer::Par::Seq, params.into()),
        householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(
            n - 1,
            bs,
            n,
        ),
    ])
}

/// Eigenvalues only, by the tridiagonal route of `eigh` (the same bits as `eigh`'s values);
/// None where QL does not converge.
fn eigvalsh_by_ql(m: &Mat<f64>, par: faer::Par, params: &EighParams) -> Option<Vec<f64>> {
    let n = m.nrows();
    let bs = faer::linalg::qr::no_pivoting::factor::recommended_block_size::<f64>(n, n);
    let blocked = blocked_reduction(n, par, params);
    let mut hh = Mat::<f64>::zeros(bs, n - 1);
    with_workspace(tridiagonal_route_scratch(n, bs), |stack| {
        let two = route_parallelism(n, par, params) != faer::Par::Seq;
        let (d, e, _) = tridiagonal_form(m, blocked, two, &params.reduction, &mut hh, stack);
        super::tridiagonal::eigenvalues(&d, &e)
    })
}

/// The parallelism of the tridiagonal route for an n×n matrix: the caller's, but none below
/// `parallel_from` (threads cost more than they save: n = 256 took 3.9 ms sequential, 4.6 ms on
/// two threads) or with one thread in the pool.
fn route_parallelism(n: usize, par: faer::Par, params: &EighParams) -> faer::Par {
    if n < params.parallel_from || par.degree() < 2 {
        faer::Par::Seq
    } else {
        par
    }
}

/// Whether the route reduces with our two-thread blocked tridiagonalization (with one thread it
/// would wait for a helper that never comes, a millisecond per panel).
fn blocked_reduction(n: usize, par: faer::Par, params: &EighParams) -> bool {
    let parallel = route_parallelism(n, par, params) != faer::Par::Seq;
    (parallel && n >= params.blocked_from) || (!parallel && n >= params.sequential_ours_from)
}

/// Tuning of `eigh` and `eigvalsh`; the defaults were measured on the 2-core machines here.
#[derive(Clone, Copy, Debug)]
pub struct EighParams {
    /// From this size on, `eigh` uses the caller's parallelism (below it threads cost more than
    /// they save: n = 256 took 3.9 ms sequential, 4.6 ms on two threads).
    pub parallel_from: usize,
    /// From this size on, a parallel `eigh` reduces with the blocked two-thread
    /// tridiagonalization (n = 800: 22 ms against faer's 24 ms sequential; n = 1000: 38 against
    /// 52; n = 2000: 302 against faer's 369 ms on two threads); below it faer's sequential
    /// reduction is faster.
    pub blocked_from: usize,
    /// From this size on, a *sequential* `eigh`/`eigvalsh` (one realization per core) reduces
    /// with our blocked tridiagonalization on its one thread instead of faer's: it polls Ctrl-C
    /// between panels, where faer's runs to the end (tens of seconds at n = 4096).
    pub sequential_ours_from: usize,
    /// The two-thread reduction's own tuning.
    pub reduction: super::tridiagonalize::ReductionParams,
}

impl Default for EighParams {
    fn default() -> Self {
        EighParams {
            parallel_from: 400,
            blocked_from: 800,
            sequential_ours_from: 1024,
            reduction: Default::default(),
        }
    }
}

/// faer's own dense symmetric eigensolver (divide and conquer on the tridiagonal matrix): the
/// fallback of `eigh_dense_par`, and its reference in the tests.
pub fn eigh_divide_and_conquer(m: &Mat<f64>, par: faer::Par) -> Result<Spectrum, String> {
    use faer::linalg::evd::{self, ComputeEigenvectors, SelfAdjointEvdParams};
    let n = m.nrows();
    // faer's defaults: a leaf size of 64 or 32 measured the same as 128 within run-to-run noise.
    let params: SelfAdjointEvdParams = faer::Auto::<f64>::auto();
    let req = evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, params.into());
    let mut values = faer::diag::Diag::<f64>::zeros(n);
    let mut vectors = Mat::<f64>::zeros(n, n);
    with_workspace(req, |stack| {
        evd::self_adjoint_evd(
            m.as_ref(),
            values.as_mut(),
            Some(vectors.as_mut()),
            par,
            stack,
            params.into(),
        )
    })
    .map_err(|e| format!("the eigensolver did not converge: {e:?}"))?;
    Ok(Spectrum {
        values: (0..n).map(|i| values[i]).collect(),
        vectors,
    })
}

/// Eigenvalues only of a dense symmetric matrix (faster).
pub fn eigvalsh_dense(m: &Mat<f64>) -> Result<Vec<f64>, String> {
    let (scaled, scale) = balanced(m)?;
    if let Some(scaled) = scaled {
        let mut values = eigvalsh_dense(&scaled)?;
        unscale(&mut values, scale)?;
        return Ok(values);
    }
    let par = faer::get_global_parallelism();
    let params = EighParams::default();
    // on rayon's pool as a whole when parallel (`on_pool`), as `eigh`
    if route_parallelism(m.nrows(), par, &params) != faer::Par::Seq
        && rayon::current_thread_index().is_none()
    {
        return super::parallel::on_pool(|| eigvalsh_dense(m));
    }
    if m.nrows() >= 3 {
        let values = eigvalsh_by_ql(m, par, &params);
        if crate::progress::interrupted() {
            return Err("interrupted".into());
        }
        if let Some(values) = values {
            return Ok(values);
        }
    }
    m.self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| format!("the eigensolver did not converge: {e:?}"))
}

/// Entries beyond 2^±400 in size: Householder's squares and the QL iteration overflow or
/// underflow there (a 400×400 matrix of 10³⁰⁸ gave NaN eigenvalues, one of 450 never returned).
/// The matrix scaled by a power of two (exact) when its largest entry is out of that range, and
/// the factor to divide the eigenvalues by; an error for entries that are not finite.
fn balanced(m: &Mat<f64>) -> Result<(Option<Mat<f64>>, f64), String> {
    let mut big = 0.0f64;
    for j in 0..m.ncols() {
        for v in m.col(j).iter() {
            if !v.is_finite() {
                return Err(format!("the matrix has an entry that is not finite ({v})"));
            }
            big = big.max(v.abs());
        }
    }
    if big == 0.0 || (big < 2f64.powi(400) && big > 2f64.powi(-400)) {
        return Ok((None, 1.0));
    }
    let scale = 2f64.powi(-(big.log2().round() as i32));
    Ok((
        Some(Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)] * scale)),
        scale,
    ))
}

/// Eigenvalues of the scaled matrix back to the original's, or an error where they leave f64.
fn unscale(values: &mut [f64], scale: f64) -> Result<(), String> {
    for v in values.iter_mut() {
        *v /= scale;
        if !v.is_finite() {
            return Err("an eigenvalue is beyond the range of f64 (scale the matrix down)".into());
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A reproducible uniform(−0.5, 0.5) stream.
    fn stream(mut s: u64) -> impl FnMut() -> f64 {
        move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        }
    }

    /// eigh against faer's divide and conquer: the same eigenvalues, orthonormal vectors, small
    /// residuals ‖Hv − λv‖, each relative to ‖H‖.
    fn agrees_with_divide_and_conquer(h: &Mat<f64>, what: &str, route: Option<()>) {
        agrees_with_divide_and_conquer_par(h, what, route, faer::Par::Seq)
    }

    fn agrees_with_divide_and_conquer_par(
        h: &Mat<f64>,
        what: &str,
        route: Option<()>,
        par: faer::Par,
    ) {
        // the route taken: inverse iteration (Some) or the divide-and-conquer fallback (None)
        assert_eq!(
            eigh_by_inverse_iteration(h, par, &EighParams::default()).map(|_| ()),
            route,
            "{what}"
        );
        let n = h.nrows();
        let a = eigh_dense_par(h, par).expect("eigh");
        let b = eigh_divide_and_conquer(h, faer::Par::Seq).expect("reference");
        let norm = (0..n)
            .map(|i| (0..n).map(|j| h[(i, j)].abs()).sum::<f64>())
            .fold(0.0, f64::max);
        for (x, y) in a.values.iter().zip(&b.values) {
            assert!(
                (x - y).abs() < 1e-12 * norm,
                "{what}: eigenvalue {x} vs {y}"
            );
        }
        let v = &a.vectors;
        let gram = v.transpose() * v;
        let res =
            h * v - v * faer::Mat::from_fn(n, n, |i, j| if i == j { a.values[i] } else { 0.0 });
        let (mut orth, mut resid) = (0.0f64, 0.0f64);
        for i in 0..n {
            for j in 0..n {
                let want = if i == j { 1.0 } else { 0.0 };
                orth = orth.max((gram[(i, j)] - want).abs());
                resid = resid.max(res[(i, j)].abs());
            }
        }
        assert!(orth < 1e-12, "{what}: |VᵀV − I| = {orth:e}");
        assert!(
            resid < 1e-13 * norm,
            "{what}: |HV − VΛ| = {resid:e} (‖H‖ {norm})"
        );
    }

    /// A symmetric n×n matrix of uniform entries from `r` (a GOE-like sample).
    fn goe(r: &mut impl FnMut() -> f64, n: usize) -> Mat<f64> {
        let mut g = Mat::<f64>::zeros(n, n);
        for i in 0..n {
            for j in 0..=i {
                let v = r();
                g[(i, j)] = v;
                g[(j, i)] = v;
            }
        }
        g
    }

    #[test]
    fn eigh_params_choose_the_route_not_the_answer() {
        // n = 300: by default faer's sequential reduction; with the thresholds at 0 the blocked
        // two-thread one, and a helper share of a quarter
        let g = goe(&mut stream(9), 300);
        let par = faer::Par::rayon(2);
        let a = eigh_dense_with(&g, par, &EighParams::default()).expect("default");
        let forced = EighParams {
            parallel_from: 0,
            blocked_from: 0,
            sequential_ours_from: 0,
            reduction: super::super::tridiagonalize::ReductionParams {
                helper_share: 0.25,
                ..Default::default()
            },
        };
        assert!(
            blocked_reduction(300, par, &forced)
                && !blocked_reduction(300, par, &EighParams::default())
        );
        let b = eigh_dense_with(&g, par, &forced).expect("forced");
        for (x, y) in a.values.iter().zip(&b.values) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        // sequential: our reduction on one thread (it polls Ctrl-C) instead of faer's
        let seq = faer::Par::Seq;
        assert!(
            blocked_reduction(300, seq, &forced)
                && !blocked_reduction(300, seq, &EighParams::default())
        );
        let c = eigh_dense_with(&g, seq, &forced).expect("sequential");
        for (x, y) in a.values.iter().zip(&c.values) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        assert!(residuals(&crate::linalg::Operator::Dense(g.clone()), &c)
            .iter()
            .all(|r| *r < 1e-10));
    }

    #[test]
    fn eigvalsh_has_the_bits_of_eighs_values_and_agrees_with_faer() {
        // n = 300: faer's reduction on one thread; n = 900 on two threads: ours
        for (n, par) in [(300, faer::Par::Seq), (900, faer::Par::rayon(2))] {
            let g = goe(&mut stream(5), n);
            let values = eigvalsh_by_ql(&g, par, &EighParams::default()).expect("QL converges");
            let spectrum = eigh_dense_par(&g, par).expect("eigh");
            assert!(
                values
                    .iter()
                    .zip(&spectrum.values)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "n = {n}: eigvalsh and eigh's values differ"
            );
            let faers = g.self_adjoint_eigenvalues(Side::Lower).expect("faer");
            let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (a, b) in values.iter().zip(&faers) {
                assert!(
                    (a - b).abs() < 1e-12 * scale,
                    "n = {n}: {a} against faer's {b}"
                );
            }
        }
    }

    #[test]
    fn eigh_by_inverse_iteration_agrees_with_divide_and_conquer() {
        // GOE
        let mut r = stream(1);
        agrees_with_divide_and_conquer(&goe(&mut r, 300), "GOE", Some(()));
        // GOE at n = 900 on two threads: the blocked two-thread reduction (`tridiagonalize.rs`)
        let g = goe(&mut r, 900);
        agrees_with_divide_and_conquer_par(
            &g,
            "GOE n = 900, two threads",
            Some(()),
            faer::Par::rayon(2),
        );
        // seed 000: a displaced 16×16 lattice, all-pairs hopping, spectrum at ε = 1 of width ≈ 0.1
        let pos: Vec<[f64; 2]> = (0..256)
            .map(|i| [(i % 16) as f64 + 0.6 * r(), (i / 16) as f64 + 0.6 * r()])
            .collect();
        let seed000 = Mat::from_fn(256, 256, |i, j| {
            let d = ((pos[i][0] - pos[j][0]).powi(2) + (pos[i][1] - pos[j][1]).powi(2)).sqrt();
            if i == j {
                1.0
            } else {
                3.14e-2 * (-1.1454 * d).exp()
            }
        });
        agrees_with_divide_and_conquer(&seed000, "seed 000", Some(()));
        // 3D Anderson, M = 6 periodic, W = 16.5 (localized: Poisson level statistics)
        let m = 6;
        let site = |x: usize, y: usize, z: usize| (x % m) + m * ((y % m) + m * (z % m));
        let mut a = Mat::<f64>::zeros(m * m * m, m * m * m);
        for x in 0..m {
            for y in 0..m {
                for z in 0..m {
                    let i = site(x, y, z);
                    a[(i, i)] = 16.5 * r();
                    for j in [site(x + 1, y, z), site(x, y + 1, z), site(x, y, z + 1)] {
                        a[(i, j)] = -1.0;
                        a[(j, i)] = -1.0;
                    }
                }
            }
        }
        agrees_with_divide_and_conquer(&a, "Anderson", Some(()));
        // clean periodic square lattice: degenerate shells (the fallback where clusters are large)
        let l = 16;
        let mut c = Mat::<f64>::zeros(l * l, l * l);
        for i in 0..l * l {
            let (x, y) = (i % l, i / l);
            for j in [(x + 1) % l + l * y, x + l * ((y + 1) % l)] {
                c[(i, j)] = 1.0;
                c[(j, i)] = 1.0;
            }
        }
        agrees_with_divide_and_conquer(&c, "clean square", Some(()));
        // rank one (all ones) and a diagonal with repeated entries
        agrees_with_divide_and_conquer(&Mat::from_fn(40, 40, |_, _| 1.0), "rank one", Some(()));
        agrees_with_divide_and_conquer(
            &Mat::from_fn(40, 40, |i, j| if i == j { (i % 3) as f64 } else { 0.0 }),
            "diagonal",
            Some(()),
        );
        // a block of 99 levels within 10⁻⁵ of each other below one at 1: too large a cluster for
        // inverse iteration, solved by the fallback
        let n = 100;
        let t = Mat::from_fn(n, n, |i, j| match (i, j) {
            (0, 0) => 1.0,
            _ if i.abs_diff(j) == 1 => 1e-6,
            _ => 0.0,
        });
        agrees_with_divide_and_conquer(&t, "cluster", None);
    }
}
