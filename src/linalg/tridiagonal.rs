//! Every eigenpair of a real symmetric tridiagonal matrix: eigenvalues by the root-free QL
//! iteration (Pal, Walker & Kahan) with Wilkinson shifts, eigenvectors by inverse iteration with
//! modified Gram–Schmidt inside clusters of close eigenvalues (the scheme of LAPACK's dstein).
//! Both cost O(n²) when clusters stay small, against the O(n³) of divide and conquer's merges:
//! for the 256-site seed-000 Hamiltonians the tridiagonal stage was two thirds of a dense `eigh`.
//! Inverse iteration runs eight clusters at a time in vector lanes (`Iteration::lanes`): its
//! recurrences are bound by latency, and each lane does what one at a time would, bit for bit.
//!
//! Inverse iteration is reliable as long as clusters stay small; when a cluster grows past
//! `MAX_CLUSTER`, or the QL iteration does not converge, `eigen` returns None and the caller uses
//! a divide-and-conquer solver instead. (Exact degeneracies, as in clean lattices, split the
//! tridiagonal matrix into blocks and need no cluster at all.)

use rayon::prelude::*;

/// Largest run of close eigenvalues (gaps ≤ 10⁻³ of the shifted block's norm, about its spread)
/// handled by inverse iteration.
pub const MAX_CLUSTER: usize = 64;

/// The eigenpairs of the symmetric tridiagonal matrix with diagonal `d` (n) and off-diagonal `e`
/// (n − 1): returns the eigenvalues, ascending, and writes the orthonormal eigenvectors into
/// `vectors` (n columns of length n, zero on entry; column j belongs to eigenvalue j). None when
/// the QL iteration does not converge or a cluster of close eigenvalues is larger than
/// `MAX_CLUSTER`. `parallel`: inverse iteration runs its clusters on rayon's threads (the result
/// does not depend on the thread count).
pub fn eigen(d: &[f64], e: &[f64], parallel: bool, vectors: &mut [&mut [f64]]) -> Option<Vec<f64>> {
    let n = d.len();
    if n == 0
        || e.len() + 1 != n
        || vectors.len() != n
        || vectors.iter().any(|c| c.len() != n)
        || d.iter().chain(e).any(|v| !v.is_finite())
    {
        return None;
    }
    let mut values = Vec::with_capacity(n);
    for (b0, b1) in unreduced_blocks(d, e) {
        let eb = &e[b0..b1 - 1];
        let (centre, db, w) = centred_block_values(&d[b0..b1], eb)?;
        inverse_iteration(&db, eb, &w, b0, &mut vectors[b0..b1], parallel)?;
        values.extend(w.iter().map(|v| v + centre));
    }
    // ascending over all blocks: the columns follow their eigenvalues, cycle by cycle
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let sorted: Vec<f64> = order.iter().map(|&j| values[j]).collect();
    let mut placed = vec![false; n];
    let mut held = vec![0.0; n];
    for first in 0..n {
        if placed[first] || order[first] == first {
            continue;
        }
        // column k of the result is column order[k] of the blocks' output
        held.copy_from_slice(vectors[first]);
        let mut k = first;
        loop {
            placed[k] = true;
            let from = order[k];
            if from == first {
                vectors[k].copy_from_slice(&held);
                break;
            }
            let (lo, hi) = vectors.split_at_mut(k.max(from));
            if k < from {
                lo[k].copy_from_slice(hi[0]);
            } else {
                hi[0].copy_from_slice(lo[from]);
            }
            k = from;
        }
    }
    Some(sorted)
}

/// The eigenvalues alone of the symmetric tridiagonal matrix (d, e), ascending: the QL
/// iteration of `eigen`, block by block, so they have the same bits as `eigen`'s. None when the
/// QL iteration does not converge or the input is not finite.
pub fn eigenvalues(d: &[f64], e: &[f64]) -> Option<Vec<f64>> {
    let n = d.len();
    if n == 0 || e.len() + 1 != n || d.iter().chain(e).any(|v| !v.is_finite()) {
        return None;
    }
    let mut values = Vec::with_capacity(n);
    for (b0, b1) in unreduced_blocks(d, e) {
        let (centre, _, w) = centred_block_values(&d[b0..b1], &e[b0..b1 - 1])?;
        values.extend(w.iter().map(|v| v + centre));
    }
    values.sort_by(f64::total_cmp);
    Some(values)
}

/// The unreduced blocks [b0, b1) of (d, e): an off-diagonal below ε‖T‖ is set to zero (a
/// backward-stable change).
fn unreduced_blocks(d: &[f64], e: &[f64]) -> Vec<(usize, usize)> {
    let n = d.len();
    let tnorm = row_sum_norm(d, e);
    let mut blocks = Vec::new();
    let mut start = 0;
    for i in 0..n - 1 {
        if e[i].abs() <= f64::EPSILON * tnorm {
            blocks.push((start, i + 1));
            start = i + 1;
        }
    }
    blocks.push((start, n));
    blocks
}

/// One unreduced block (diagonal `db`, off-diagonal `eb`) shifted to the centre of its
/// Gershgorin interval, and its eigenvalues by QL: (centre, shifted diagonal, shifted
/// eigenvalues ascending). Eigenvectors do not change, but the scale that decides which
/// eigenvalues are "close" becomes the spread of the spectrum rather than its distance from
/// zero: seed 000's Hamiltonians sit at ε = 1 with a spread of ≈ 0.1, and measured from zero
/// every eigenvalue would be close to the next.
fn centred_block_values(db: &[f64], eb: &[f64]) -> Option<(f64, Vec<f64>, Vec<f64>)> {
    let rows = db.iter().enumerate();
    let lo = rows
        .clone()
        .map(|(i, x)| x - radius(eb, i))
        .fold(f64::INFINITY, f64::min);
    let hi = rows
        .map(|(i, x)| x + radius(eb, i))
        .fold(f64::NEG_INFINITY, f64::max);
    let centre = 0.5 * (lo + hi);
    let shifted: Vec<f64> = db.iter().map(|v| v - centre).collect();
    let mut w = shifted.clone();
    ql_eigenvalues(&mut w, eb)?;
    Some((centre, shifted, w))
}

/// |e_{i−1}| + |e_i|: row i's Gershgorin radius (e has one entry fewer than the diagonal).
fn radius(e: &[f64], i: usize) -> f64 {
    (if i > 0 { e[i - 1].abs() } else { 0.0 }) + e.get(i).map_or(0.0, |v| v.abs())
}

/// ‖T‖∞ of the tridiagonal matrix (d, e): its largest absolute row sum.
fn row_sum_norm(d: &[f64], e: &[f64]) -> f64 {
    d.iter()
        .enumerate()
        .map(|(i, x)| x.abs() + radius(e, i))
        .fold(0.0, f64::max)
}

/// Eigenvalues of an unreduced symmetric tridiagonal block, ascending, in place in `d` (`e` is
/// only read): the root-free QL iteration of Pal, Walker and Kahan with Wilkinson's shift, which
/// works on the squared couplings e² and needs no square root per rotation (the scheme of
/// LAPACK's dsterf, QL direction only). The block is scaled to unit norm first.
fn ql_eigenvalues(d: &mut [f64], e: &[f64]) -> Option<()> {
    const EPS2: f64 = f64::EPSILON * f64::EPSILON;
    let n = d.len();
    if n == 1 {
        return Some(());
    }
    let scale = d.iter().chain(e.iter()).fold(0.0f64, |m, v| m.max(v.abs()));
    if scale == 0.0 {
        return Some(());
    }
    d.iter_mut().for_each(|v| *v /= scale);
    let mut e2: Vec<f64> = e.iter().map(|v| (v / scale) * (v / scale)).collect();
    let (mut l, mut iterations) = (0, 0);
    while l < n {
        // the first negligible coupling at or below l: relative to its diagonal neighbours, or
        // below 10⁻³ε of the (unit) norm
        let mut m = l;
        while m + 1 < n {
            let dd = d[m].abs() + d[m + 1].abs();
            if e2[m] <= EPS2 * dd * dd || e2[m] <= 1e-6 * EPS2 {
                e2[m] = 0.0;
                break;
            }
            m += 1;
        }
        if m == l {
            l += 1;
            continue;
        }
        if m == l + 1 {
            // a 2×2 block: its eigenvalues in closed form
            let (a, c) = (d[l], d[l + 1]);
            let (mean, half) = (0.5 * (a + c), 0.5 * (a - c));
            let rad = (half * half + e2[l]).sqrt();
            (d[l], d[l + 1]) = (mean - rad, mean + rad);
            e2[l] = 0.0;
            l += 2;
            continue;
        }
        iterations += 1;
        if iterations > 30 * n {
            return None;
        }
        // Wilkinson's shift from the leading 2×2 block
        let p = d[l];
        let rte = e2[l].sqrt();
        let g = (d[l + 1] - p) / (2.0 * rte);
        let r = g.hypot(1.0);
        let sigma = p - rte / (g + r.copysign(g));
        let (mut c, mut s) = (1.0, 0.0);
        let mut gamma = d[m] - sigma;
        let mut q = gamma * gamma;
        for i in (l..m).rev() {
            let bb = e2[i];
            let r = q + bb;
            if i + 1 != m {
                e2[i + 1] = s * r;
            }
            let old_c = c;
            c = q / r;
            s = bb / r;
            let old_gamma = gamma;
            let alpha = d[i];
            gamma = c * (alpha - sigma) - s * old_gamma;
            d[i + 1] = old_gamma + (alpha - gamma);
            q = if c != 0.0 {
                gamma * gamma / c
            } else {
                old_c * bb
            };
        }
        e2[l] = s * q;
        d[l] = sigma + gamma;
    }
    d.iter_mut().for_each(|v| *v *= scale);
    d.sort_by(f64::total_cmp);
    Some(())
}

/// A reproducible uniform(−1, 1) starting vector (xorshift*), one stream per eigenvector.
fn start_vector(x: &mut [f64], stream: u64) {
    let mut s = stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    for v in x.iter_mut() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        let u = s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        *v = u as f64 / (1u64 << 52) as f64 - 1.0;
    }
}

/// LU factors of T − λI with partial pivoting (row i and i + 1 swapped where the subdiagonal is
/// the larger): U has two superdiagonals.
struct ShiftedLu {
    /// multipliers
    l: Vec<f64>,
    /// reciprocal pivots
    inv_u0: Vec<f64>,
    u1: Vec<f64>,
    u2: Vec<f64>,
    swap: Vec<bool>,
    /// U's last diagonal entry
    last_pivot: f64,
}

impl ShiftedLu {
    fn new(n: usize) -> Self {
        ShiftedLu {
            l: vec![0.0; n],
            inv_u0: vec![0.0; n],
            u1: vec![0.0; n],
            u2: vec![0.0; n],
            swap: vec![false; n],
            last_pivot: 0.0,
        }
    }
    /// Factor T − λI; pivots smaller than `tiny` are replaced by ±tiny (an exact eigenvalue
    /// would make U singular, and inverse iteration wants exactly that near-singularity).
    fn factor(&mut self, d: &[f64], e: &[f64], lambda: f64, tiny: f64) {
        let n = d.len();
        let mut diag = d[0] - lambda;
        let mut sup = if n > 1 { e[0] } else { 0.0 };
        for i in 0..n - 1 {
            let sub = e[i];
            let next_diag = d[i + 1] - lambda;
            let next_sup = if i + 2 < n { e[i + 1] } else { 0.0 };
            if diag.abs() >= sub.abs() {
                let piv = if diag.abs() < tiny {
                    tiny.copysign(diag)
                } else {
                    diag
                };
                let f = sub / piv;
                self.inv_u0[i] = 1.0 / piv;
                self.u1[i] = sup;
                self.u2[i] = 0.0;
                self.l[i] = f;
                self.swap[i] = false;
                diag = next_diag - f * sup;
                sup = next_sup;
            } else {
                // row i + 1 becomes the pivot row
                let f = diag / sub;
                self.inv_u0[i] = 1.0 / sub;
                self.u1[i] = next_diag;
                self.u2[i] = next_sup;
                self.l[i] = f;
                self.swap[i] = true;
                diag = sup - f * next_diag;
                sup = -f * next_sup;
            }
        }
        let last = if diag.abs() < tiny {
            tiny.copysign(diag)
        } else {
            diag
        };
        self.inv_u0[n - 1] = 1.0 / last;
        self.last_pivot = last;
    }
    /// x ← (T − λI)⁻¹ x. Every step depends on the one before, so the loops avoid what would
    /// lengthen that chain: the row swaps are selects rather than branches (they follow the
    /// random signs of the shifted diagonal), and the pivots are applied as stored reciprocals.
    fn solve(&self, x: &mut [f64]) {
        let n = x.len();
        let mut carry = x[0];
        for i in 0..n - 1 {
            let (a, b) = (carry, x[i + 1]);
            let (p, q) = if self.swap[i] { (b, a) } else { (a, b) };
            x[i] = p;
            carry = q - self.l[i] * p;
        }
        x[n - 1] = carry * self.inv_u0[n - 1];
        let (mut x2, mut x1) = (0.0, x[n - 1]);
        for i in (0..n - 1).rev() {
            let xi = (x[i] - self.u1[i] * x1 - self.u2[i] * x2) * self.inv_u0[i];
            x[i] = xi;
            (x2, x1) = (x1, xi);
        }
    }
}

/// Eigenvectors of one unreduced block (rows `offset..offset + d.len()` of the columns in `out`,
/// one column per eigenvalue in `w`, ascending) by inverse iteration.
fn inverse_iteration(
    d: &[f64],
    e: &[f64],
    w: &[f64],
    offset: usize,
    out: &mut [&mut [f64]],
    parallel: bool,
) -> Option<()> {
    let bs = d.len();
    if bs == 1 {
        out[0][offset] = 1.0;
        return Some(());
    }
    let onenrm = row_sum_norm(d, e);
    let ortol = 1e-3 * onenrm;
    let pertol = 10.0 * f64::EPSILON * onenrm;
    // shifts: eigenvalues closer than pertol are pulled apart, so that each iteration converges
    // to its own vector; clusters are runs of shifts closer than ortol
    let mut shifts = w.to_vec();
    let mut clusters = vec![0];
    for j in 1..bs {
        if shifts[j] - shifts[j - 1] < pertol {
            shifts[j] = shifts[j - 1] + pertol;
        }
        if shifts[j] - shifts[j - 1] > ortol {
            clusters.push(j);
        }
    }
    clusters.push(bs);
    if clusters.windows(2).any(|c| c[1] - c[0] > MAX_CLUSTER) {
        return None;
    }
    let job = Iteration {
        d,
        e,
        shifts: &shifts,
        offset,
        onenrm,
        stopping: (0.1 / bs as f64).sqrt(),
    };
    // each cluster owns its columns: split the output accordingly. Clusters are iterated LANES
    // at a time, each lane going through its cluster's eigenvalues in turn (Gram–Schmidt needs
    // the earlier ones); clusters of one eigenvalue, most of them, are grouped apart from larger
    // ones so that lanes seldom idle. Groups are formed in order, so they do not depend on the
    // thread count.
    let mut groups: Vec<Vec<Cluster<'_, '_>>> = Vec::new();
    let (mut singles, mut multiples) = (Vec::with_capacity(LANES), Vec::with_capacity(LANES));
    let mut rest = out;
    for c in clusters.windows(2) {
        let (head, tail) = rest.split_at_mut(c[1] - c[0]);
        rest = tail;
        let group = if head.len() == 1 {
            &mut singles
        } else {
            &mut multiples
        };
        group.push((c[0], head));
        if group.len() == LANES {
            groups.push(std::mem::replace(group, Vec::with_capacity(LANES)));
        }
    }
    groups.extend([singles, multiples].into_iter().filter(|g| !g.is_empty()));
    let ok = if parallel {
        groups
            .par_iter_mut()
            .map(|g| job.lanes(g))
            .all(|r| r.is_some())
    } else {
        groups.iter_mut().map(|g| job.lanes(g)).all(|r| r.is_some())
    };
    ok.then_some(())
}

/// A cluster of close eigenvalues: its first eigenvalue's index and its output columns.
type Cluster<'a, 'b> = (usize, &'a mut [&'b mut [f64]]);

/// What inverse iteration on one unreduced block needs: the block, the (separated) shifts, the
/// block's row offset in the output columns and its norm, and dstein's convergence threshold.
struct Iteration<'a> {
    d: &'a [f64],
    e: &'a [f64],
    shifts: &'a [f64],
    offset: usize,
    onenrm: f64,
    stopping: f64,
}

impl Iteration<'_> {
    /// The eigenvectors of one cluster, `cols[c]` for eigenvalue `first + c`, each
    /// orthogonalised against the cluster's earlier ones, one at a time (the reference for
    /// `lanes` in the tests).
    #[cfg(test)]
    fn cluster(&self, first: usize, cols: &mut [&mut [f64]]) -> Option<()> {
        let bs = self.d.len();
        let mut lu = ShiftedLu::new(bs);
        let mut x = vec![0.0; bs];
        for c in 0..cols.len() {
            let (prev, this) = cols.split_at_mut(c);
            self.one(&mut lu, &mut x, first + c, prev, this.first_mut()?)?;
        }
        Some(())
    }

    /// Eigenvector j into `out` (rows offset..), orthogonalised against `prev`.
    fn one(
        &self,
        lu: &mut ShiftedLu,
        x: &mut [f64],
        j: usize,
        prev: &[&mut [f64]],
        out: &mut [f64],
    ) -> Option<()> {
        let (bs, offset) = (self.d.len(), self.offset);
        lu.factor(self.d, self.e, self.shifts[j], f64::EPSILON * self.onenrm);
        start_vector(x, (offset + j) as u64);
        let mut extra = 0;
        for _ in 0..5 {
            // scale so that the solve cannot overflow: ‖x‖∞ = bs‖T‖ max(ε, |u_nn|)
            let big = max_abs(x);
            if big == 0.0 {
                start_vector(x, (offset + j) as u64 ^ 0x5555);
                continue;
            }
            let scl = bs as f64 * self.onenrm * f64::EPSILON.max(lu.last_pivot.abs()) / big;
            x.iter_mut().for_each(|v| *v *= scl);
            lu.solve(x);
            // modified Gram–Schmidt against the cluster's vectors found so far
            for p in prev {
                let z = &p[offset..offset + bs];
                let dot: f64 = x.iter().zip(z).map(|(a, b)| a * b).sum();
                x.iter_mut().zip(z).for_each(|(a, b)| *a -= dot * b);
            }
            // converged once the solve amplifies past dstein's test, plus one more solve to
            // damp the neighbours' components (dstein does two more; one gave the same 10⁻¹⁴
            // orthogonality in the tests; each solve is ≈ 5 % of a 256² eigh)
            if max_abs(x) >= self.stopping {
                extra += 1;
                if extra == 2 {
                    store_normalised(x, &mut out[offset..offset + bs]);
                    return Some(());
                }
            }
        }
        None
    }

    /// The eigenvectors of up to LANES clusters at once: in round c, lane k finds the c-th
    /// eigenvector of cluster k by the iteration of `one` (the same operations on each lane,
    /// so the same bits), but the recurrences of the factorisation and the solves, bound by
    /// latency, advance LANES eigenvalues per step. A lane whose vector vanishes under the
    /// solve, or that does not converge, is redone by `one`.
    fn lanes(&self, group: &mut [Cluster<'_, '_>]) -> Option<()> {
        let (bs, offset) = (self.d.len(), self.offset);
        let rounds = group.iter().map(|(_, cols)| cols.len()).max().unwrap_or(0);
        let mut x = vec![[0.0; LANES]; bs];
        let mut column = vec![0.0; bs];
        let mut kept = vec![0.0; LANES * bs];
        let mut lu = LaneLu::new(bs);
        let mut scalar = None;
        for c in 0..rounds {
            // lanes without a c-th eigenvalue (and padding lanes) repeat an active one; their
            // results are dropped
            let active: Vec<usize> = (0..group.len()).filter(|&k| c < group[k].1.len()).collect();
            let lane_of = |k: usize| {
                if k < group.len() && c < group[k].1.len() {
                    k
                } else {
                    active[0]
                }
            };
            let js: [usize; LANES] = std::array::from_fn(|k| group[lane_of(k)].0 + c);
            for (k, j) in js.iter().enumerate() {
                start_vector(&mut column, (offset + j) as u64);
                x.iter_mut().zip(&column).for_each(|(r, v)| r[k] = *v);
            }
            let lambda: Lanes = js.map(|j| self.shifts[j]);
            // modified Gram–Schmidt of each lane against its cluster's earlier vectors, after
            // each solve, as `one` does
            let orthogonalise = |x: &mut [Lanes], running: &[bool; LANES]| {
                for &k in &active {
                    if !running[k] {
                        continue;
                    }
                    for p in group[k].1[..c].iter() {
                        let z = &p[offset..offset + bs];
                        let dot: f64 = x.iter().zip(z).map(|(a, b)| a[k] * b).sum();
                        x.iter_mut().zip(z).for_each(|(a, b)| a[k] -= dot * b);
                    }
                }
            };
            let converged = iterate_lanes(
                super::simd::level(),
                LaneProblem {
                    job: self,
                    lambda,
                    x: &mut x,
                    kept: &mut kept,
                    orthogonalise: &orthogonalise,
                    lu: &mut lu,
                },
            );
            for &k in &active {
                let (first, cols) = &mut group[k];
                let (prev, this) = cols.split_at_mut(c);
                let out = this.first_mut()?;
                if converged[k] {
                    store_normalised(&kept[k * bs..(k + 1) * bs], &mut out[offset..offset + bs]);
                } else {
                    let (lu, x1) =
                        scalar.get_or_insert_with(|| (ShiftedLu::new(bs), vec![0.0; bs]));
                    self.one(lu, x1, *first + c, prev, out)?;
                }
            }
        }
        Some(())
    }
}

/// Eigenvalues iterated together by `Iteration::lanes` (8: the factorisation's two divisions
/// per step then keep the divider busy on AVX2, and each step has two independent vectors).
const LANES: usize = 8;
type Lanes = [f64; LANES];

/// `ShiftedLu` for LANES shifts at once, row-interleaved; `swap` holds doubles whose bits are
/// all ones where rows i and i + 1 were swapped, all zeros elsewhere.
struct LaneLu {
    l: Vec<Lanes>,
    inv_u0: Vec<Lanes>,
    u1: Vec<Lanes>,
    u2: Vec<Lanes>,
    swap: Vec<Lanes>,
}

impl LaneLu {
    fn new(n: usize) -> Self {
        LaneLu {
            l: vec![[0.0; LANES]; n],
            inv_u0: vec![[0.0; LANES]; n],
            u1: vec![[0.0; LANES]; n],
            u2: vec![[0.0; LANES]; n],
            swap: vec![[0.0; LANES]; n],
        }
    }
}

/// The vector build the lanes run on: the level of this process (`simd::level`), or the
/// portable build whatever the CPU (the tests compare the two bit for bit).
type LaneLevel = super::simd::Level;

/// Inverse iteration on LANES shifts (`Iteration::one`, lane by lane): `x` holds the start
/// vectors; after each solve `orthogonalise` gets the vectors and the lanes still running; a
/// lane's vector is copied to `kept` (lane k at k·bs) when it converges.
struct LaneProblem<'a> {
    job: &'a Iteration<'a>,
    lambda: Lanes,
    x: &'a mut [Lanes],
    kept: &'a mut [f64],
    orthogonalise: &'a dyn Fn(&mut [Lanes], &[bool; LANES]),
    /// Space for the factors (every entry is written before it is read).
    lu: &'a mut LaneLu,
}

/// Runs a `LaneProblem` on `level` (the whole iteration inside one dispatch, so its scaling and
/// norm loops are compiled for the same instruction set); returns which lanes converged.
fn iterate_lanes(level: LaneLevel, problem: LaneProblem<'_>) -> [bool; LANES] {
    struct Run<'a>(LaneProblem<'a>);
    impl pulp::WithSimd for Run<'_> {
        type Output = [bool; LANES];
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) -> Self::Output {
            drive_lanes(simd, self.0)
        }
    }
    level.dispatch(Run(problem))
}

#[inline(always)]
fn drive_lanes<S: pulp::Simd>(simd: S, problem: LaneProblem<'_>) -> [bool; LANES] {
    let LaneProblem {
        job,
        lambda,
        x,
        kept,
        orthogonalise,
        lu,
    } = problem;
    let lambda = &lambda;
    let n = job.d.len();
    let tiny = f64::EPSILON * job.onenrm;
    let diag = factor_lanes(simd, job.d, job.e, lambda, tiny, lu);
    let mut last_pivot = [0.0; LANES];
    for k in 0..LANES {
        let dk = diag[k];
        let last = if dk.abs() < tiny {
            tiny.copysign(dk)
        } else {
            dk
        };
        lu.inv_u0[n - 1][k] = 1.0 / last;
        last_pivot[k] = last;
    }
    let mut running = [true; LANES];
    let mut converged = [false; LANES];
    let mut extra = [0u8; LANES];
    for _ in 0..5 {
        // scale as `one` does; a lane whose vector vanished is left to `one`, and finished
        // lanes are zeroed (their values no longer matter)
        let big = max_abs_lanes(x);
        let mut scl = [0.0; LANES];
        for k in 0..LANES {
            if running[k] && big[k] == 0.0 {
                running[k] = false;
            }
            if running[k] {
                scl[k] = n as f64 * job.onenrm * f64::EPSILON.max(last_pivot[k].abs()) / big[k];
            }
        }
        for r in x.iter_mut() {
            for k in 0..LANES {
                r[k] *= scl[k];
            }
        }
        solve_lanes(simd, lu, x);
        orthogonalise(x, &running);
        let norm = max_abs_lanes(x);
        for k in 0..LANES {
            if running[k] && norm[k] >= job.stopping {
                extra[k] += 1;
                if extra[k] == 2 {
                    running[k] = false;
                    converged[k] = true;
                    for (v, r) in kept[k * n..(k + 1) * n].iter_mut().zip(x.iter()) {
                        *v = r[k];
                    }
                }
            }
        }
        if !running.contains(&true) {
            break;
        }
    }
    converged
}

/// A row of LANES values as the registers of `S` (LANES is a multiple of every width pulp has).
#[inline(always)]
fn regs<S: pulp::Simd>(r: &Lanes) -> &[S::f64s] {
    S::as_simd_f64s(r).0
}

#[inline(always)]
fn regs_mut<S: pulp::Simd>(r: &mut Lanes) -> &mut [S::f64s] {
    S::as_mut_simd_f64s(r).0
}

/// Where rows were not swapped, from the stored flags (all-ones doubles, a NaN, where they were;
/// zeros elsewhere): a flag equals itself exactly where it is not the NaN.
#[inline(always)]
fn kept_rows<S: pulp::Simd>(simd: S, flags: S::f64s) -> S::m64s {
    simd.equal_f64s(flags, flags)
}

/// The factorisation of `ShiftedLu::factor` on LANES shifts, its branch as selects (all but the
/// last pivot); returns the last diagonal entries. Written once on pulp's vector types: the
/// portable build is the same code with one lane per register, and every operation is a plain
/// IEEE one (no fused multiply-add), so every build gives the same bits.
#[inline(always)]
fn factor_lanes<S: pulp::Simd>(
    simd: S,
    d: &[f64],
    e: &[f64],
    lambda: &Lanes,
    tiny: f64,
    lu: &mut LaneLu,
) -> Lanes {
    let n = d.len();
    let sign = simd.splat_f64s(-0.0);
    let (vtiny, one, zero) = (
        simd.splat_f64s(tiny),
        simd.splat_f64s(1.0),
        simd.splat_f64s(0.0),
    );
    let swapped = simd.splat_f64s(f64::from_bits(u64::MAX));
    let lam = regs::<S>(lambda);
    let mut diag: Lanes = lambda.map(|l| d[0] - l);
    let mut sup: Lanes = [if n > 1 { e[0] } else { 0.0 }; LANES];
    for i in 0..n - 1 {
        let sub = simd.splat_f64s(e[i]);
        let abs_sub = simd.splat_f64s(e[i].abs());
        let next_sup = simd.splat_f64s(if i + 2 < n { e[i + 1] } else { 0.0 });
        let di = simd.splat_f64s(d[i + 1]);
        let (dv, sv) = (regs_mut::<S>(&mut diag), regs_mut::<S>(&mut sup));
        let (l, inv, u1) = (&mut lu.l[i], &mut lu.inv_u0[i], &mut lu.u1[i]);
        let (l, inv, u1) = (regs_mut::<S>(l), regs_mut::<S>(inv), regs_mut::<S>(u1));
        let (u2, sw) = (regs_mut::<S>(&mut lu.u2[i]), regs_mut::<S>(&mut lu.swap[i]));
        for h in 0..dv.len() {
            let next_diag = simd.sub_f64s(di, lam[h]);
            let dk = dv[h];
            let abs_dk = simd.abs_f64s(dk);
            // rows stay in place where |d| ≥ |sub| (a NaN swaps, as the scalar branch does)
            let keep = simd.greater_than_or_equal_f64s(abs_dk, abs_sub);
            let small = simd.less_than_f64s(abs_dk, vtiny);
            let piv = simd.select_f64s(small, simd.or_f64s(vtiny, simd.and_f64s(dk, sign)), dk);
            let den = simd.select_f64s(keep, piv, sub);
            let f = simd.div_f64s(simd.select_f64s(keep, sub, dk), den);
            inv[h] = simd.div_f64s(one, den);
            u1[h] = simd.select_f64s(keep, sv[h], next_diag);
            u2[h] = simd.select_f64s(keep, zero, next_sup);
            l[h] = f;
            sw[h] = simd.select_f64s(keep, zero, swapped);
            dv[h] = simd.select_f64s(
                keep,
                simd.sub_f64s(next_diag, simd.mul_f64s(f, sv[h])),
                simd.sub_f64s(sv[h], simd.mul_f64s(f, next_diag)),
            );
            sv[h] = simd.select_f64s(
                keep,
                next_sup,
                simd.mul_f64s(simd.xor_f64s(f, sign), next_sup),
            );
        }
    }
    diag
}

/// x ← (T − λI)⁻¹ x on each lane, as `ShiftedLu::solve` (pulp's types, as `factor_lanes`).
#[inline(always)]
fn solve_lanes<S: pulp::Simd>(simd: S, lu: &LaneLu, x: &mut [Lanes]) {
    let n = x.len();
    // forward: the row swaps and multipliers
    let mut carry = x[0];
    for i in 0..n - 1 {
        let b = x[i + 1];
        let (bv, m, li) = (regs::<S>(&b), regs::<S>(&lu.swap[i]), regs::<S>(&lu.l[i]));
        let (cv, xv) = (regs_mut::<S>(&mut carry), regs_mut::<S>(&mut x[i]));
        for h in 0..cv.len() {
            let keep = kept_rows(simd, m[h]);
            let p = simd.select_f64s(keep, cv[h], bv[h]);
            let q = simd.select_f64s(keep, bv[h], cv[h]);
            xv[h] = p;
            cv[h] = simd.sub_f64s(q, simd.mul_f64s(li[h], p));
        }
    }
    {
        let last = regs::<S>(&lu.inv_u0[n - 1]);
        let cv = regs::<S>(&carry);
        let xv = regs_mut::<S>(&mut x[n - 1]);
        for h in 0..xv.len() {
            xv[h] = simd.mul_f64s(cv[h], last[h]);
        }
    }
    // backward: U has two superdiagonals
    let (mut x2, mut x1) = ([0.0; LANES], x[n - 1]);
    for i in (0..n - 1).rev() {
        let (a, b, inv) = (
            regs::<S>(&lu.u1[i]),
            regs::<S>(&lu.u2[i]),
            regs::<S>(&lu.inv_u0[i]),
        );
        let (v1, v2) = (regs::<S>(&x1), regs::<S>(&x2));
        let xv = regs_mut::<S>(&mut x[i]);
        for h in 0..xv.len() {
            let t = simd.sub_f64s(xv[h], simd.mul_f64s(a[h], v1[h]));
            xv[h] = simd.mul_f64s(simd.sub_f64s(t, simd.mul_f64s(b[h], v2[h])), inv[h]);
        }
        x2 = x1;
        x1 = x[i];
    }
}

/// ‖x‖∞ of each lane, folded in row order as `max_abs` does.
#[inline(always)]
fn max_abs_lanes(x: &[Lanes]) -> Lanes {
    let mut m = [0.0f64; LANES];
    for r in x {
        for k in 0..LANES {
            m[k] = m[k].max(r[k].abs());
        }
    }
    m
}

/// ‖x‖∞, folded in row order (the lanes fold each lane the same way).
fn max_abs(x: &[f64]) -> f64 {
    x.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// `out` = x/‖x‖₂, with the sign that makes the largest component positive.
fn store_normalised(x: &[f64], out: &mut [f64]) {
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let imax = x
        .iter()
        .enumerate()
        .fold(
            (0, 0.0f64),
            |b, (i, v)| if v.abs() > b.1 { (i, v.abs()) } else { b },
        )
        .0;
    let scl = if x[imax] < 0.0 {
        -1.0 / norm
    } else {
        1.0 / norm
    };
    out.iter_mut().zip(x).for_each(|(z, v)| *z = v * scl);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(d: &[f64], e: &[f64], exact: Option<&[f64]>) {
        let n = d.len();
        let mut store = vec![0.0; n * n];
        let mut cols: Vec<&mut [f64]> = store.chunks_mut(n).collect();
        let values = eigen(d, e, false, &mut cols).expect("converges");
        let vectors = store;
        let tn = d.iter().chain(e).fold(1e-300f64, |m, v| m.max(v.abs()));
        if let Some(x) = exact {
            for (a, b) in values.iter().zip(x) {
                assert!((a - b).abs() < 1e-12 * tn, "{a} vs {b}");
            }
        }
        for j in 0..n {
            let z = &vectors[j * n..(j + 1) * n];
            // residual (T − λ)z and orthonormality
            for i in 0..n {
                let mut t = d[i] * z[i] - values[j] * z[i];
                if i > 0 {
                    t += e[i - 1] * z[i - 1];
                }
                if i + 1 < n {
                    t += e[i] * z[i + 1];
                }
                assert!(t.abs() < 1e-12 * tn * n as f64, "residual {t}");
            }
            for k in 0..=j {
                let y = &vectors[k * n..(k + 1) * n];
                let dot: f64 = z.iter().zip(y).map(|(a, b)| a * b).sum();
                let want = if k == j { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-12 * n as f64, "{j}·{k} = {dot}");
            }
        }
    }

    #[test]
    fn chain_matches_the_sine_solution() {
        // open chain: E_k = 2 cos(kπ/(n+1))
        let n = 50;
        let mut exact: Vec<f64> = (1..=n)
            .map(|k| 2.0 * (k as f64 * std::f64::consts::PI / (n + 1) as f64).cos())
            .collect();
        exact.sort_by(f64::total_cmp);
        check(&vec![0.0; n], &vec![1.0; n - 1], Some(&exact));
    }

    #[test]
    fn split_and_graded_and_tiny_cases() {
        check(&[3.0], &[], Some(&[3.0]));
        check(&[0.0, 0.0], &[0.0], Some(&[0.0, 0.0]));
        check(&[1.0, 1.0], &[1e-30], Some(&[1.0, 1.0]));
        // two identical blocks (exactly degenerate pairs) and a Wilkinson matrix W21+ (pairs
        // agreeing to 10⁻¹⁴)
        check(
            &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0],
            &[0.5, 0.5, 0.0, 0.5, 0.5],
            None,
        );
        let w: Vec<f64> = (0..21).map(|i| (10i32 - i).abs() as f64).collect();
        check(&w, &[1.0; 20], None);
        // random
        let mut s = 7u64;
        let mut r = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let d: Vec<f64> = (0..300).map(|_| r()).collect();
        let e: Vec<f64> = (0..299).map(|_| r()).collect();
        check(&d, &e, None);
    }

    #[test]
    fn eigenvalues_in_lanes_get_the_same_bits_as_one_at_a_time() {
        // a random block: its eigenvalues, shifts and norm as `inverse_iteration` forms them
        let n = 200;
        let mut s = 11u64;
        let mut r = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let d: Vec<f64> = (0..n).map(|_| r()).collect();
        let e: Vec<f64> = (0..n - 1).map(|_| r()).collect();
        let mut w = d.clone();
        ql_eigenvalues(&mut w, &e).expect("converges");
        let job = Iteration {
            d: &d,
            e: &e,
            shifts: &w,
            offset: 0,
            onenrm: row_sum_norm(&d, &e),
            stopping: (0.1 / n as f64).sqrt(),
        };
        // clusters (first eigenvalue, size) from across the spectrum: eight singles, then
        // clusters of several (close or not, Gram–Schmidt runs all the same) with padded lanes
        let groups = [
            vec![
                (0, 1),
                (3, 1),
                (50, 1),
                (99, 1),
                (100, 1),
                (150, 1),
                (198, 1),
                (199, 1),
            ],
            vec![(5, 3), (40, 1), (120, 4), (180, 2)],
        ];
        for clusters in groups {
            let mut store: Vec<Vec<Vec<f64>>> = clusters
                .iter()
                .map(|&(_, m)| vec![vec![0.0; n]; m])
                .collect();
            let mut views: Vec<Vec<&mut [f64]>> = store
                .iter_mut()
                .map(|c| c.iter_mut().map(|v| v.as_mut_slice()).collect())
                .collect();
            let mut group: Vec<Cluster<'_, '_>> = clusters
                .iter()
                .zip(views.iter_mut())
                .map(|(&(j, _), v)| (j, v.as_mut_slice()))
                .collect();
            job.lanes(&mut group).expect("converges");
            for (&(j, m), got) in clusters.iter().zip(&store) {
                let mut want = vec![vec![0.0; n]; m];
                let mut want_views: Vec<&mut [f64]> =
                    want.iter_mut().map(|v| v.as_mut_slice()).collect();
                job.cluster(j, &mut want_views).expect("converges");
                for (c, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        g.iter().zip(w).all(|(a, b)| a.to_bits() == b.to_bits()),
                        "λ{}",
                        j + c
                    );
                }
            }
        }
        // the lanes themselves converge, and the portable version has the same bits
        let js = [0, 3, 50, 99, 100, 150, 198, 199];
        let lambda: Lanes = js.map(|j| w[j]);
        let start = |x: &mut Vec<Lanes>| {
            let mut column = vec![0.0; n];
            for (k, j) in js.iter().enumerate() {
                start_vector(&mut column, *j as u64);
                x.iter_mut().zip(&column).for_each(|(r, v)| r[k] = *v);
            }
        };
        let (mut x1, mut x2) = (vec![[0.0; LANES]; n], vec![[0.0; LANES]; n]);
        start(&mut x1);
        start(&mut x2);
        let (mut k1, mut k2) = (vec![0.0; LANES * n], vec![0.0; LANES * n]);
        let (mut lu1, mut lu2) = (LaneLu::new(n), LaneLu::new(n));
        let problem = |x, kept, lu| LaneProblem {
            job: &job,
            lambda,
            x,
            kept,
            orthogonalise: &|_, _| (),
            lu,
        };
        let c1 = iterate_lanes(
            crate::linalg::simd::level(),
            problem(&mut x1, &mut k1, &mut lu1),
        );
        let c2 = iterate_lanes(
            crate::linalg::simd::Level::Portable,
            problem(&mut x2, &mut k2, &mut lu2),
        );
        assert_eq!(c1, [true; LANES], "every lane converges");
        assert_eq!(c1, c2);
        assert!(k1.iter().zip(&k2).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn a_cluster_too_large_for_inverse_iteration_is_declined() {
        // one level at 1, 99 within 2·10⁻⁶ of 0: all 99 closer than 10⁻³‖T‖ to the next
        let n = 100;
        let mut d = vec![0.0; n];
        d[0] = 1.0;
        let mut cols = vec![vec![0.0; n]; n];
        let mut views: Vec<&mut [f64]> = cols.iter_mut().map(|c| c.as_mut_slice()).collect();
        assert!(eigen(&d, &vec![1e-6; n - 1], false, &mut views).is_none());
        // bad input is declined too, never a panic
        assert!(eigen(&[1.0, f64::NAN], &[0.5], false, &mut views[..2]).is_none());
    }
}
