//! Householder reduction of a dense real symmetric matrix to tridiagonal form, T = QᵀAQ, blocked
//! as LAPACK's dsytrd/dlatrd (Golub & Van Loan §8.3.1, with the panel form of Dongarra, Sorensen
//! & Hammarling 1989).
//!
//! Why not faer's `tridiag_in_place`: it is unblocked, applying each reflector's rank-2 update to
//! the whole trailing matrix as it goes, so every column reads *and writes* the trailing lower
//! triangle. Here a panel of `PANEL` reflectors is formed against the matrix as it stood at the
//! panel's start, each needing one read-only pass (the symmetric product), and the panel's
//! updates are applied together afterwards as one rank-2·PANEL product (faer's matmul, compute
//! bound). Half the memory traffic; at n = 1000 the reduction is the larger half of `eigh`.
//!
//! The gain is on two threads, which split each symmetric product and each trailing update by
//! columns: n = 1000 takes 34–38 ms here against faer's 52–57 ms sequential (its own two-thread
//! version is slower than that), n = 2000 0.29–0.32 s against 0.37 s. On one thread faer's
//! fused kernel is faster, so `eigh` uses this only for a parallel eigh from n = 800 on.
//!
//! Output format is faer's: d and e, the reflectors' essential parts below the subdiagonal of
//! the matrix, and τ in faer's convention (H = I − v vᵀ/τ, v₀ = 1), so that faer's blocked
//! back-transformation applies Q unchanged.

use faer::linalg::householder::make_householder_in_place;
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Col, ColMut, ColRef, Mat, MatMut, MatRef, Par};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Reflectors per panel (LAPACK's default for dsytrd is 32 as well).
const PANEL: usize = 32;
/// Tuning of the two-thread reduction; the defaults were measured on the 2-core machines here.
#[derive(Clone, Copy, Debug)]
pub struct ReductionParams {
    /// Below this trailing size a panel runs on one thread (the split costs more than it saves).
    pub split_from: usize,
    /// The helper thread's share of the trailing triangle (measured best against 35–60 %).
    pub helper_share: f64,
    /// How long a panel waits for its helper to start before doing the helper's share itself. A
    /// rayon worker starts in 10–40 µs when awake; woken from sleep it took up to 3 ms here.
    pub helper_wait: std::time::Duration,
}

impl Default for ReductionParams {
    fn default() -> Self {
        ReductionParams {
            split_from: 160,
            helper_share: 0.45,
            helper_wait: std::time::Duration::from_millis(1),
        }
    }
}

/// Reduce the n×n symmetric matrix held column-major in `a` (leading dimension n; only the lower
/// triangle is read) to tridiagonal form. Returns (diagonal, subdiagonal); on return the strictly
/// lower part of `a` below the subdiagonal holds the reflectors' tails, `a[k+1, k]` the
/// subdiagonal e_k, and `tau[k]` (k < n − 1) the reflector of column k, with `tau[k] = ∞` where
/// the column was already reduced (H = I).
///
/// With `two_threads`, each panel's symmetric products and trailing update are split between
/// this thread and a rayon job by columns, each keeping its columns across the panel. The
/// result has the same bits whether or not a second thread was free to take its share.
pub fn tridiagonalize(
    a: &mut [f64],
    n: usize,
    tau: &mut [f64],
    two_threads: bool,
) -> (Vec<f64>, Vec<f64>) {
    tridiagonalize_with(a, n, tau, two_threads, &ReductionParams::default())
}

/// `tridiagonalize` with explicit tuning.
pub fn tridiagonalize_with(
    a: &mut [f64],
    n: usize,
    tau: &mut [f64],
    two_threads: bool,
    params: &ReductionParams,
) -> (Vec<f64>, Vec<f64>) {
    reduce_panels(a, n, tau, two_threads, false, params)
}

/// `tridiagonalize`; `busy`: run both shares of every split panel on this thread from the start,
/// as after a helper lost its core.
fn reduce_panels(
    a: &mut [f64],
    n: usize,
    tau: &mut [f64],
    two_threads: bool,
    mut busy: bool,
    params: &ReductionParams,
) -> (Vec<f64>, Vec<f64>) {
    debug_assert_eq!(a.len(), n * n);
    debug_assert!(tau.len() + 1 >= n);
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n.saturating_sub(1)];
    if n == 0 {
        return (d, e);
    }
    // W: the panel's w vectors (dlatrd's W), column-major with leading dimension n
    let mut w = vec![0.0; n * PANEL];
    // [V W] and [W V] of the trailing update, rows indexed as the matrix's; allocated once (a
    // fresh buffer per panel meant fresh pages, and a first-touch fault of a 2 MB page took
    // ≈ 5 ms on these machines)
    let mut pq = (
        Mat::<f64>::zeros(n, 2 * PANEL),
        Mat::<f64>::zeros(n, 2 * PANEL),
    );
    let mut j0 = 0;
    // `busy`: set once a helper was seen to lose its core (see below)
    while j0 + 1 < n {
        // Ctrl-C: stop between panels (the caller sees the flag and discards the result)
        if crate::progress::interrupted() {
            return (d, e);
        }
        let pb = PANEL.min(n - 1 - j0);
        let mut panel = Panel {
            n,
            j0,
            pb,
            split: n,
            w: &mut w,
            d: &mut d,
            e: &mut e,
            tau: &mut *tau,
            helper_wait: params.helper_wait,
        };
        // columns [j0, split) here, [split, n) on a helper: 45 % of the trailing triangle there
        // (this thread also forms the reflectors; measured best against 35–60 %)
        let trailing = n - j0;
        let split = n - ((trailing as f64) * params.helper_share.sqrt()) as usize;
        if two_threads && trailing >= params.split_from && split > j0 + pb {
            panel.split = split;
            let (mine, theirs) = a.split_at_mut(split * n);
            if busy {
                // the same split, both shares on this thread: the same bits
                panel.reduce(mine, &mut pq, Share::Alone(theirs));
            } else {
                let helper = Helper::new(theirs, n - split);
                rayon::join(
                    || panel.reduce_with_helper(mine, &mut pq, &helper),
                    || helper.serve(n, split, pb),
                );
                // this thread had to yield the core while waiting for the helper: the machine
                // is busy, and each of the 33 hand-overs of a panel could then cost a time
                // slice (on a loaded machine a two-thread n = 1000 reduction took up to a
                // second). The remaining panels run both shares on this thread.
                busy = helper.slow.load(Ordering::Relaxed);
                if let Some(back) = helper.pq.into_inner() {
                    pq = back;
                }
            }
        } else {
            panel.reduce(a, &mut pq, Share::Alone(&mut []));
        }
        j0 += pb;
    }
    d[n - 1] = a[n * n - 1];
    (d, e)
}

/// One panel of `PANEL` reflectors (dlatrd), from column j0.
struct Panel<'a> {
    n: usize,
    j0: usize,
    pb: usize,
    /// First column of the helper thread's share (n without a helper).
    split: usize,
    w: &'a mut [f64],
    d: &'a mut [f64],
    e: &'a mut [f64],
    tau: &'a mut [f64],
    /// `ReductionParams::helper_wait`.
    helper_wait: std::time::Duration,
}

impl Panel<'_> {
    /// `reduce` with the helper's columns on the helper, once it has started; if it has not
    /// started soon (no idle rayon worker), this thread takes its columns and works alone.
    fn reduce_with_helper(
        &mut self,
        a: &mut [f64],
        pq: &mut (Mat<f64>, Mat<f64>),
        helper: &Helper,
    ) {
        // should this thread unwind, the helper must not wait for requests forever
        struct Release<'h, 's>(&'h Helper<'s>);
        impl Drop for Release<'_, '_> {
            fn drop(&mut self) {
                self.0.go.store(usize::MAX, Ordering::Release);
            }
        }
        let _release = Release(helper);
        let t = std::time::Instant::now();
        while !helper.started.load(Ordering::Acquire) {
            if t.elapsed() > self.helper_wait {
                if let Ok(mut theirs) = helper.theirs.try_lock() {
                    helper.alone.store(true, Ordering::Release);
                    return self.reduce(a, pq, Share::Alone(&mut theirs));
                }
                // the helper holds them: it has started
                spin_until(|| helper.started.load(Ordering::Acquire));
                break;
            }
            std::hint::spin_loop();
        }
        self.reduce(a, pq, Share::Helper(helper))
    }

    /// Form the panel's reflectors and apply them to the trailing matrix. `a` holds columns
    /// [0, split) of the matrix, `share` the rest.
    /// `pq`: n × 2·PANEL buffers for the panel's [V W] and [W V].
    fn reduce(&mut self, a: &mut [f64], pq: &mut (Mat<f64>, Mat<f64>), share: Share<'_, '_>) {
        let Panel {
            n, j0, pb, split, ..
        } = *self;
        let mut scratch = match share {
            Share::Alone(_) => vec![0.0; n - split],
            Share::Helper(_) => Vec::new(),
        };
        for i in 0..pb {
            let k = j0 + i;
            let (left, rest) = a.split_at_mut(k * n);
            let (colk, right) = rest.split_at_mut(n);
            let (w_prev, w_rest) = self.w.split_at_mut(i * n);
            // the panel's earlier reflectors, rows from `row` on: V (in `a`) and W
            let v_from = |row: usize| {
                MatRef::from_column_major_slice_with_stride(&left[j0 * n + row..], n - row, i, n)
            };
            let w_from = |row: usize| {
                MatRef::from_column_major_slice_with_stride(&w_prev[row..], n - row, i, n)
            };
            // A[k:, k] −= V W[k, :]ᵀ + W V[k, :]ᵀ: the panel's updates so far, on column k
            if i > 0 {
                let (vk, wk) = (v_from(k), w_from(k));
                let mut col = ColMut::from_slice_mut(&mut colk[k..]);
                matmul(
                    col.as_mut(),
                    Accum::Add,
                    vk,
                    wk.row(0).transpose(),
                    -1.0,
                    Par::Seq,
                );
                matmul(
                    col.as_mut(),
                    Accum::Add,
                    wk,
                    vk.row(0).transpose(),
                    -1.0,
                    Par::Seq,
                );
            }
            self.d[k] = colk[k];
            // the reflector that zeroes column k below the subdiagonal
            let (head, tail) = colk[k + 1..].split_at_mut(1);
            let info = make_householder_in_place(&mut head[0], ColMut::from_slice_mut(tail));
            self.e[k] = head[0];
            self.tau[k] = info.tau;
            head[0] = 1.0;
            let t = info.tau.recip(); // LAPACK's τ: 0 for H = I
            let v = &colk[k + 1..];
            let y = &mut w_rest[k + 1..n];
            // y = A₂₂ v, A₂₂ the trailing matrix as it stood at the panel's start
            y.fill(0.0);
            match &share {
                Share::Helper(h) => {
                    h.request_product(i, &v[split - k - 1..]);
                    symv_lower(right, n, k + 1, split, v, y);
                    h.add_product(i, &mut y[split - k - 1..]);
                }
                Share::Alone(theirs) => {
                    symv_lower(right, n, k + 1, split, v, y);
                    // the other share summed apart and added, as the helper does: the same
                    // bits whichever thread forms it
                    let other = &mut scratch[..n - split];
                    other.fill(0.0);
                    symv_lower(theirs, n, split, n, &v[split - k - 1..], other);
                    for (a, b) in y[split - k - 1..].iter_mut().zip(other.iter()) {
                        *a += b;
                    }
                }
            }
            // y −= V (Wᵀ v) + W (Vᵀ v) over the panel's earlier reflectors (their updates are
            // not yet in A₂₂)
            if i > 0 {
                let (vk, wk) = (v_from(k + 1), w_from(k + 1));
                let vc = ColRef::from_slice(v);
                let mut wv = Col::<f64>::zeros(i);
                let mut vv = Col::<f64>::zeros(i);
                matmul(
                    wv.as_mut(),
                    Accum::Replace,
                    wk.transpose(),
                    vc,
                    1.0,
                    Par::Seq,
                );
                matmul(
                    vv.as_mut(),
                    Accum::Replace,
                    vk.transpose(),
                    vc,
                    1.0,
                    Par::Seq,
                );
                let mut yc = ColMut::from_slice_mut(&mut *y);
                matmul(yc.as_mut(), Accum::Add, vk, wv.as_ref(), -1.0, Par::Seq);
                matmul(yc.as_mut(), Accum::Add, wk, vv.as_ref(), -1.0, Par::Seq);
            }
            // w = τ y − ½ τ² (vᵀ y) v, so that H A₂₂ H = A₂₂ − v wᵀ − w vᵀ
            for yr in y.iter_mut() {
                *yr *= t;
            }
            let alpha = -0.5 * t * dot(y, v);
            for (yr, vr) in y.iter_mut().zip(v) {
                *yr += alpha * vr;
            }
        }
        // A[c0:, c0:] −= V Wᵀ + W Vᵀ (lower triangle), as [V W]·[W V]ᵀ
        let c0 = j0 + pb;
        {
            let (p, q) = &mut *pq;
            for c in 0..pb {
                let vc = &a[(j0 + c) * n + c0..(j0 + c + 1) * n];
                let wc = &self.w[c * n + c0..(c + 1) * n];
                for (r, (v, w)) in (c0..n).zip(vc.iter().zip(wc)) {
                    p[(r, c)] = *v;
                    p[(r, pb + c)] = *w;
                    q[(r, c)] = *w;
                    q[(r, pb + c)] = *v;
                }
            }
        }
        let (_, trailing_cols) = a.split_at_mut(c0 * n);
        match share {
            Share::Helper(h) => {
                let empty = (Mat::zeros(0, 0), Mat::zeros(0, 0));
                let pq = h.request_update(std::mem::replace(pq, empty));
                let (p, q) = pq_rows(pq, c0, pb);
                rank_update_lower(trailing_cols, n, c0, split, p, q);
                let _ = h.wait(pb + 1);
            }
            Share::Alone(theirs) => {
                let (p, q) = pq_rows(pq, c0, pb);
                rank_update_lower(trailing_cols, n, c0, split, p, q);
                let (p, q) = pq_rows(pq, split, pb);
                rank_update_lower(theirs, n, split, n, p, q);
            }
        }
        for k in j0..c0 {
            a[k * n + k + 1] = self.e[k];
        }
    }
}

/// Where a panel's columns [split, n) are: with a helper thread, or with the panel's own.
enum Share<'h, 's> {
    Helper(&'h Helper<'s>),
    Alone(&'h mut [f64]),
}

/// The second thread of a panel (a rayon job): it owns columns [split, n) of the matrix for the
/// panel, forms their share of each symmetric product when asked, then their share of the
/// trailing update. The two threads hand over by spinning on counters: a panel needs 33
/// hand-overs, each far shorter than a thread wake-up.
struct Helper<'s> {
    /// Columns [split, n): taken by whichever thread starts on them first.
    theirs: Mutex<&'s mut [f64]>,
    started: AtomicBool,
    /// The panel thread took the columns before the helper started: the helper has nothing to do.
    alone: AtomicBool,
    /// Requests posted by the panel thread: i + 1 for column i's product, pb + 1 for the update.
    go: AtomicUsize,
    /// Requests served by the helper.
    done: AtomicUsize,
    /// v's rows [split, n), then the helper's share of A₂₂ v.
    x: Mutex<Vec<f64>>,
    y: Mutex<Vec<f64>>,
    /// [V W] and [W V] for the trailing update.
    pq: OnceLock<(Mat<f64>, Mat<f64>)>,
    /// The panel thread had to yield while waiting for a product's other share: the machine
    /// is busy.
    slow: AtomicBool,
}

impl<'s> Helper<'s> {
    fn new(theirs: &'s mut [f64], len: usize) -> Self {
        Helper {
            theirs: Mutex::new(theirs),
            started: AtomicBool::new(false),
            alone: AtomicBool::new(false),
            go: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            x: Mutex::new(vec![0.0; len]),
            y: Mutex::new(vec![0.0; len]),
            pq: OnceLock::new(),
            slow: AtomicBool::new(false),
        }
    }

    fn request_product(&self, i: usize, x_theirs: &[f64]) {
        lock(&self.x).copy_from_slice(x_theirs);
        self.go.store(i + 1, Ordering::Release);
    }

    fn add_product(&self, i: usize, y_theirs: &mut [f64]) {
        // the two shares of a product are balanced to microseconds: a wait long enough to
        // yield means the helper's core was taken from it
        if self.wait(i + 1) {
            self.slow.store(true, Ordering::Relaxed);
        }
        for (a, b) in y_theirs.iter_mut().zip(lock(&self.y).iter()) {
            *a += b;
        }
    }

    /// Hand the filled [V W] and [W V] buffers over for the trailing update (they come back
    /// with `pq.into_inner()` after the panel).
    fn request_update(&self, pq: (Mat<f64>, Mat<f64>)) -> &(Mat<f64>, Mat<f64>) {
        let pq = self.pq.get_or_init(|| pq);
        self.go.store(usize::MAX, Ordering::Release);
        pq
    }

    /// Wait for the helper's `count`-th result; whether it had to yield the core.
    fn wait(&self, count: usize) -> bool {
        spin_until(|| self.done.load(Ordering::Acquire) >= count)
    }

    /// The helper thread's side, on columns [split, n).
    fn serve(&self, n: usize, split: usize, pb: usize) {
        let Ok(mut cols) = self.theirs.try_lock() else {
            return; // the panel thread took them
        };
        if self.alone.load(Ordering::Acquire) {
            return; // … and has finished with them
        }
        self.started.store(true, Ordering::Release);
        // should this thread unwind, the panel thread must not wait for it forever
        struct Release<'h, 's>(&'h Helper<'s>);
        impl Drop for Release<'_, '_> {
            fn drop(&mut self) {
                self.0.done.store(usize::MAX, Ordering::Release);
            }
        }
        let _release = Release(self);
        let cols: &mut [f64] = &mut cols;
        let mut x = vec![0.0; n - split];
        let mut y = vec![0.0; n - split];
        for i in 0..pb {
            spin_until(|| self.go.load(Ordering::Acquire) > i);
            x.copy_from_slice(&lock(&self.x));
            y.fill(0.0);
            symv_lower(cols, n, split, n, &x, &mut y);
            lock(&self.y).copy_from_slice(&y);
            self.done.store(i + 1, Ordering::Release);
        }
        spin_until(|| self.go.load(Ordering::Acquire) == usize::MAX);
        if let Some(pq) = self.pq.get() {
            let (p, q) = pq_rows(pq, split, pb);
            rank_update_lower(cols, n, split, n, p, q);
        }
    }
}

/// Rows [r0, n) of a panel's [V W] and [W V] (pb reflectors) in the n × 2·PANEL buffers.
fn pq_rows(pq: &(Mat<f64>, Mat<f64>), r0: usize, pb: usize) -> (MatRef<'_, f64>, MatRef<'_, f64>) {
    let (p, q) = pq;
    let m = p.nrows() - r0;
    (
        p.as_ref().submatrix(r0, 0, m, 2 * pb),
        q.as_ref().submatrix(r0, 0, m, 2 * pb),
    )
}

/// The buffer behind a mutex; a poisoned one (the other thread panicked) still holds valid f64s.
fn lock(m: &Mutex<Vec<f64>>) -> std::sync::MutexGuard<'_, Vec<f64>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Spin until `ready`, yielding the core after a while (the other thread may be descheduled).
/// Returns whether it had to yield.
fn spin_until(ready: impl Fn() -> bool) -> bool {
    let mut spins = 0u32;
    while !ready() {
        if spins < 20_000 {
            std::hint::spin_loop();
            spins += 1;
        } else {
            std::thread::yield_now();
            spins += 1;
        }
    }
    spins > 20_000
}

/// The lower-triangle columns [c0, c1) of the matrix (held in `cols`, leading dimension n, from
/// column c0 on): A[r, c] −= Σ_p P[r, p] Q[c, p] for r ≥ c, where P and Q hold rows c0.. of the
/// panel's [V W] and [W V].
fn rank_update_lower(
    cols: &mut [f64],
    n: usize,
    c0: usize,
    c1: usize,
    p: MatRef<'_, f64>,
    q: MatRef<'_, f64>,
) {
    let w = c1 - c0;
    if w == 0 {
        return;
    }
    let block = MatMut::from_column_major_slice_mut(&mut cols[..w * n], n, w);
    let (diag, below) = block.subrows_mut(c0, n - c0).split_at_row_mut(w);
    // the w×w diagonal block is triangular, the rows below it rectangular
    triangular::matmul(
        diag,
        BlockStructure::TriangularLower,
        Accum::Add,
        p.subrows(0, w),
        BlockStructure::Rectangular,
        q.subrows(0, w).transpose(),
        BlockStructure::Rectangular,
        -1.0,
        Par::Seq,
    );
    if n > c1 {
        matmul(
            below,
            Accum::Add,
            p.subrows(w, n - c1),
            q.subrows(0, w).transpose(),
            -1.0,
            Par::Seq,
        );
    }
}

/// y += A x over the lower-triangle columns [c0, c1) of a symmetric A (held in `cols`, leading
/// dimension n, from column c0 on): each column adds its lower part to y below the diagonal and
/// its dot product with x (the mirrored upper part) to y at the diagonal. `x` and `y` hold rows
/// [c0, n).
fn symv_lower(cols: &[f64], n: usize, c0: usize, c1: usize, x: &[f64], y: &mut [f64]) {
    struct Symv<'a> {
        cols: &'a [f64],
        n: usize,
        c0: usize,
        c1: usize,
        x: &'a [f64],
        y: &'a mut [f64],
    }
    impl pulp::WithSimd for Symv<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) {
            let Symv {
                cols,
                n,
                c0,
                c1,
                x,
                y,
            } = self;
            symv_lower_columns(cols, n, c0, c1, x, y, |a, xs, x, y| {
                axpy_dot4(simd, a, xs, x, y)
            })
        }
    }
    super::simd::dispatch(Symv {
        cols,
        n,
        c0,
        c1,
        x,
        y,
    })
}

/// The column loop of `symv_lower`, four columns at a time (one pass over y for four columns of
/// A, four streams from memory at once); `body` is the kernel for the rows below a 4×4
/// diagonal block.
#[inline(always)]
fn symv_lower_columns(
    cols: &[f64],
    n: usize,
    c0: usize,
    c1: usize,
    x: &[f64],
    y: &mut [f64],
    body: impl Fn([&[f64]; 4], [f64; 4], &[f64], &mut [f64]) -> [f64; 4],
) {
    let column = |c: usize| &cols[(c - c0) * n + c..(c - c0 + 1) * n]; // rows c..n of column c
    let mut c = c0;
    while c < c1 {
        let j = c - c0;
        let width = 4.min(c1 - c);
        let mut a = [&[][..]; 4];
        let mut xs = [0.0; 4];
        for q in 0..width {
            a[q] = column(c + q);
            xs[q] = x[j + q];
        }
        // the diagonal block, rows c..c+width
        for q in 0..width {
            y[j + q] += a[q][0] * xs[q];
            for r in q + 1..width {
                y[j + r] += a[q][r - q] * xs[q];
                y[j + q] += a[q][r - q] * xs[r];
            }
        }
        // the rows below it, as four columns of equal length (zero columns past c1 add nothing)
        let below = n - c - width;
        let zero = vec![0.0; if width < 4 { below } else { 0 }];
        let mut rows = [&zero[..]; 4];
        for q in 0..width {
            rows[q] = &a[q][width - q..];
        }
        let dots = body(rows, xs, &x[j + width..], &mut y[j + width..]);
        for q in 0..width {
            y[j + q] += dots[q];
        }
        c += width;
    }
}

/// y += Σ_q x_q a_q and returns (a_q · x)_q, in one pass over four columns a_q: two registers
/// of rows per step, two accumulators per column (fused multiply-adds in the vector build), the
/// accumulators' lanes summed pairwise, the rows past the last full step one by one.
#[inline(always)]
fn axpy_dot4<S: pulp::Simd>(
    simd: S,
    a: [&[f64]; 4],
    xs: [f64; 4],
    x: &[f64],
    y: &mut [f64],
) -> [f64; 4] {
    let len = y.len();
    let (x, a) = (
        &x[..len],
        [&a[0][..len], &a[1][..len], &a[2][..len], &a[3][..len]],
    );
    let w = S::F64_LANES;
    let step = 2 * w;
    let full = len / step * step;
    let (xr, _) = S::as_simd_f64s(&x[..full]);
    let ar = a.map(|c| S::as_simd_f64s(&c[..full]).0);
    let (yr, _) = S::as_mut_simd_f64s(&mut y[..full]);
    let xv = xs.map(|v| simd.splat_f64s(v));
    let zero = simd.splat_f64s(0.0);
    let mut acc = [[zero; 2]; 4];
    for r in 0..full / step {
        for h in 0..2 {
            let o = 2 * r + h;
            let mut yo = yr[o];
            for q in 0..4 {
                let av = ar[q][o];
                yo = simd.mul_add_e_f64s(av, xv[q], yo);
                acc[q][h] = simd.mul_add_e_f64s(av, xr[o], acc[q][h]);
            }
            yr[o] = yo;
        }
    }
    let mut dots = [0.0; 4];
    for q in 0..4 {
        let mut lanes = [0.0f64; 16];
        simd.partial_store_f64s(&mut lanes[..w], simd.add_f64s(acc[q][0], acc[q][1]));
        let mut k = w;
        while k > 1 {
            k /= 2;
            for i in 0..k {
                lanes[i] += lanes[i + k];
            }
        }
        dots[q] = lanes[0];
    }
    for i in full..len {
        let mut yi = y[i];
        for q in 0..4 {
            yi = super::simd::mul_add_as(simd, a[q][i], xs[q], yi);
            dots[q] = super::simd::mul_add_as(simd, a[q][i], x[i], dots[q]);
        }
        y[i] = yi;
    }
    dots
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn goe(n: usize, seed: u64) -> Mat<f64> {
        use rand::{Rng, SeedableRng};
        let mut r = crate::rng::StdRng::seed_from_u64(seed);
        let mut g = Mat::<f64>::zeros(n, n);
        for i in 0..n {
            for j in 0..=i {
                let v: f64 = r.random_range(-1.0..1.0);
                g[(i, j)] = v;
                g[(j, i)] = v;
            }
        }
        g
    }

    /// d and e agree with faer's unblocked reduction (same reflectors, so the same signs).
    #[test]
    fn blocked_reduction_agrees_with_faers() {
        use faer::linalg::evd::tridiag;
        for (n, two) in [
            (1, false),
            (2, false),
            (3, false),
            (33, false),
            (70, true),
            (300, false),
            (300, true),
            (421, true),
        ] {
            let g = goe(n, n as u64);
            let mut a: Vec<f64> = g
                .col_iter()
                .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
                .collect();
            let mut tau = vec![0.0; n.saturating_sub(1)];
            let (d, e) = tridiagonalize(&mut a, n, &mut tau, two);
            if n < 2 {
                assert_eq!(d[0], g[(0, 0)]);
                continue;
            }
            let mut f = g.clone();
            let mut hh = Mat::<f64>::zeros(1, n - 1);
            let params: tridiag::TridiagParams = faer::Auto::<f64>::auto();
            let mut buf = faer::dyn_stack::MemBuffer::new(
                tridiag::tridiag_in_place_scratch::<f64>(n, Par::Seq, params.into()),
            );
            tridiag::tridiag_in_place(
                f.as_mut(),
                hh.as_mut(),
                Par::Seq,
                faer::dyn_stack::MemStack::new(&mut buf),
                params.into(),
            );
            // the reduction is backward stable, but d and e themselves can move by more than
            // ε‖A‖ under a different order of rounding: compare them loosely (a wrong factor
            // would move them by O(1)), and the spectrum of T with that of A tightly
            let norm = (0..n)
                .map(|i| (0..n).map(|j| g[(i, j)].abs()).sum::<f64>())
                .fold(0.0, f64::max);
            for k in 0..n {
                assert!(
                    (d[k] - f[(k, k)]).abs() < 1e-9 * norm,
                    "n {n}: d[{k}] {} vs {}",
                    d[k],
                    f[(k, k)]
                );
            }
            for k in 0..n - 1 {
                assert!(
                    (e[k] - f[(k + 1, k)]).abs() < 1e-9 * norm,
                    "n {n}: e[{k}] {} vs {}",
                    e[k],
                    f[(k + 1, k)]
                );
                assert!(
                    tau[k] == hh[(0, k)] || (tau[k] - hh[(0, k)]).abs() < 1e-8 * hh[(0, k)].abs(),
                    "n {n}: tau[{k}] {} vs {}",
                    tau[k],
                    hh[(0, k)]
                );
            }
            let t = Mat::from_fn(n, n, |i, j| match i.abs_diff(j) {
                0 => d[i],
                1 => e[i.min(j)],
                _ => 0.0,
            });
            let ours = t
                .self_adjoint_eigenvalues(faer::Side::Lower)
                .expect("eigenvalues of T");
            let exact = g
                .self_adjoint_eigenvalues(faer::Side::Lower)
                .expect("eigenvalues of A");
            for (x, y) in ours.iter().zip(&exact) {
                assert!((x - y).abs() < 1e-13 * norm, "n {n}: eigenvalue {x} vs {y}");
            }
        }
    }

    /// The two-thread reduction gives the same bits whether the helper thread takes its share
    /// or, with no idle worker to run it, the panel thread does the helper's work itself.
    #[test]
    fn the_same_bits_with_or_without_the_helper_or_on_a_busy_machine() {
        let n = 400;
        let g = goe(n, 7);
        let a0: Vec<f64> = g
            .col_iter()
            .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
            .collect();
        let run = |threads: usize, busy: bool| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| {
                let mut a = a0.clone();
                let mut tau = vec![0.0; n - 1];
                let (d, e) =
                    reduce_panels(&mut a, n, &mut tau, true, busy, &ReductionParams::default());
                (a, tau, d, e)
            })
        };
        let two = run(2, false);
        let one = run(1, false); // the helper job never finds a free thread: the alone path
        let busy = run(2, true); // as on a busy machine: both shares on the panel's thread
        let same = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits());
        assert!(same(&two.0, &one.0), "reflectors differ");
        assert!(same(&two.1, &one.1), "τ differ");
        assert!(same(&two.2, &one.2), "d differs");
        assert!(same(&two.3, &one.3), "e differs");
        assert!(
            same(&two.0, &busy.0) && same(&two.1, &busy.1),
            "busy: reflectors differ"
        );
        assert!(
            same(&two.2, &busy.2) && same(&two.3, &busy.3),
            "busy: d, e differ"
        );
    }
}
