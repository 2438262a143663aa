//! Every eigenpair of a real symmetric tridiagonal matrix: eigenvalues by the root-free QL
//! iteration (Pal, Walker & Kahan) with Wilkinson shifts, eigenvectors by inverse iteration with
//! modified Gram–Schmidt inside clusters of close eigenvalues (the scheme of LAPACK's dstein).
//! Both cost O(n²) when clusters stay small, against the O(n³) of divide and conquer's merges:
//! for the 256-site seed-000 Hamiltonians the tridiagonal stage was two thirds of a dense `eigh`.
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
    let tnorm = row_sum_norm(d, e);
    // unreduced blocks: an off-diagonal below ε‖T‖ is set to zero (a backward-stable change)
    let mut blocks = Vec::new();
    let mut start = 0;
    for i in 0..n - 1 {
        if e[i].abs() <= f64::EPSILON * tnorm {
            blocks.push((start, i + 1));
            start = i + 1;
        }
    }
    blocks.push((start, n));
    // Each block is shifted to the centre of its Gershgorin interval first. Eigenvectors do not
    // change, but the scale that decides which eigenvalues are "close" becomes the spread of
    // the spectrum rather than its distance from zero: seed 000's Hamiltonians sit at ε = 1
    // with a spread of ≈ 0.1, and measured from zero every eigenvalue would be close to the next.
    let mut values = Vec::with_capacity(n);
    for &(b0, b1) in &blocks {
        let eb = &e[b0..b1 - 1];
        let rows = d[b0..b1].iter().enumerate();
        let lo = rows
            .clone()
            .map(|(i, x)| x - radius(eb, i))
            .fold(f64::INFINITY, f64::min);
        let hi = rows
            .map(|(i, x)| x + radius(eb, i))
            .fold(f64::NEG_INFINITY, f64::max);
        let centre = 0.5 * (lo + hi);
        let db: Vec<f64> = d[b0..b1].iter().map(|v| v - centre).collect();
        let mut w = db.clone();
        ql_eigenvalues(&mut w, eb)?;
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
    // each cluster owns its columns: split the output accordingly
    let mut parts: Vec<(usize, &mut [&mut [f64]])> = Vec::with_capacity(clusters.len() - 1);
    let mut rest = out;
    for c in clusters.windows(2) {
        let (head, tail) = rest.split_at_mut(c[1] - c[0]);
        parts.push((c[0], head));
        rest = tail;
    }
    let stopping = (0.1 / bs as f64).sqrt();
    let solve_cluster = |(first, cols): &mut (usize, &mut [&mut [f64]])| -> Option<()> {
        let mut lu = ShiftedLu::new(bs);
        let mut x = vec![0.0; bs];
        for c in 0..cols.len() {
            let j = *first + c;
            lu.factor(d, e, shifts[j], f64::EPSILON * onenrm);
            start_vector(&mut x, (offset + j) as u64);
            let mut extra = 0;
            let mut converged = false;
            for _ in 0..5 {
                // scale so that the solve cannot overflow: ‖x‖∞ = bs‖T‖ max(ε, |u_nn|)
                let big = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                if big == 0.0 {
                    start_vector(&mut x, (offset + j) as u64 ^ 0x5555);
                    continue;
                }
                let scl = bs as f64 * onenrm * f64::EPSILON.max(lu.last_pivot.abs()) / big;
                x.iter_mut().for_each(|v| *v *= scl);
                lu.solve(&mut x);
                // modified Gram–Schmidt against the cluster's vectors found so far
                for prev in cols[..c].iter() {
                    let z = &prev[offset..offset + bs];
                    let dot: f64 = x.iter().zip(z).map(|(a, b)| a * b).sum();
                    x.iter_mut().zip(z).for_each(|(a, b)| *a -= dot * b);
                }
                // converged once the solve amplifies past dstein's test, plus one more solve to
                // damp the neighbours' components (dstein does two more; one gave the same 10⁻¹⁴
                // orthogonality in the tests; each solve is ≈ 5 % of a 256² eigh)
                let norm = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                if norm >= stopping {
                    extra += 1;
                    if extra == 2 {
                        converged = true;
                        break;
                    }
                }
            }
            if !converged {
                return None;
            }
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
            cols[c][offset..offset + bs]
                .iter_mut()
                .zip(&x)
                .for_each(|(z, v)| *z = v * scl);
        }
        Some(())
    };
    let ok = if parallel {
        parts.par_iter_mut().map(solve_cluster).all(|r| r.is_some())
    } else {
        parts.iter_mut().map(solve_cluster).all(|r| r.is_some())
    };
    ok.then_some(())
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
