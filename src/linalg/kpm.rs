//! The kernel polynomial method: spectral densities of large symmetric operators from Chebyshev
//! moments (Weiße, Wellein, Alvermann and Fehske, Rev. Mod. Phys. 78, 275 (2006), §II).
//!
//! H is rescaled into [−1, 1], H̃ = (H − b)/a, and the moments μ_n = ⟨r|T_n(H̃)|r⟩ follow from
//! the recursion |α_{n+1}⟩ = 2H̃|α_n⟩ − |α_{n−1}⟩. Two moments come from each product (Eq. 34):
//! μ_{2n} = 2⟨α_n|α_n⟩ − μ_0 and μ_{2n+1} = 2⟨α_{n+1}|α_n⟩ − μ_1. A trace is estimated with
//! random ±1 vectors (Eq. 38; statistical error ~ 1/√(R·N)) or, for small operators, exactly
//! over the unit vectors. The density is
//! ρ(E) = [g_0 μ_0 + 2 Σ_n g_n μ_n T_n(x)] / (π a √(1 − x²)), x = (E − b)/a (Eq. 71), with the
//! Jackson or Lorentz kernel g_n damping Gibbs oscillations (Eqs. 71, 80).

use super::operator::Operator;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

/// Rows per parallel chunk of a product: fixed, so that the dot products are summed in the same
/// order on any number of threads (bit-identical moments).
const CHUNK: usize = 1 << 14;

/// Compressed sparse rows of a symmetric operator (both triangles), for fast repeated products:
/// the diagonal apart, and the off-diagonal values stored once when they are all equal (a
/// lattice with one hopping), so that a product streams little more than the column indices
/// and the vectors (its cost is memory traffic).
#[derive(Clone, Debug)]
pub struct Csr {
    pub n: usize,
    diag: Vec<f64>,
    row_ptr: Vec<u32>,
    col: Vec<u32>,
    /// One value per off-diagonal entry, or empty when all are `uniform`.
    val: Vec<f64>,
    uniform: f64,
    /// The same rows as a periodic box stencil, when they are one: products then run
    /// matrix-free (`linalg::stencil`), streaming no column indices.
    stencil: Option<super::stencil::Stencil>,
}

impl Csr {
    /// The product form of `op`: its faer rows (a dense operator's non-zeros first put into
    /// that format) with the diagonal taken apart and the off-diagonal values dropped when they
    /// are all equal.
    pub fn from_operator(op: &Operator) -> Result<Csr, String> {
        let n = op.n();
        let converted;
        let rows = match op {
            Operator::Sparse(m) => m,
            Operator::Dense(_) => {
                converted = Operator::from_pairs(n, &op.diagonal(), &op.upper_entries())?;
                match &converted {
                    Operator::Sparse(m) => m,
                    Operator::Dense(_) => unreachable!("from_pairs builds sparse rows"),
                }
            }
        };
        let mut diag = vec![0.0; n];
        let nnz = rows.val().len();
        crate::args::fits_in_memory("the operator's product rows", nnz as u128, 12)?;
        let mut row_ptr: Vec<u32> = Vec::with_capacity(n + 1);
        let mut col: Vec<u32> = Vec::with_capacity(nnz);
        let mut val: Vec<f64> = Vec::with_capacity(nnz);
        row_ptr.push(0);
        for (i, d) in diag.iter_mut().enumerate() {
            let (c, v) = super::operator::row(rows, i);
            for (&j, &x) in c.iter().zip(v) {
                if j as usize == i {
                    *d = x;
                } else {
                    col.push(j);
                    val.push(x);
                }
            }
            row_ptr.push(col.len() as u32);
        }
        let uniform = val.first().copied().unwrap_or(0.0);
        if val.iter().all(|&v| v == uniform) {
            val = Vec::new();
        }
        let stencil = super::stencil::Stencil::detect(
            n,
            &super::stencil::Rows {
                row_ptr: &row_ptr,
                col: &col,
                val: &val,
                uniform,
            },
        );
        Ok(Csr {
            n,
            diag,
            row_ptr,
            col,
            val,
            uniform,
            stencil,
        })
    }

    /// Σ_j H_ij x_j over the off-diagonal entries of row i.
    #[inline(always)]
    fn row_off(&self, i: usize, x: &[f64]) -> f64 {
        let (p0, p1) = (self.row_ptr[i] as usize, self.row_ptr[i + 1] as usize);
        if self.val.is_empty() {
            let mut s = 0.0;
            for &c in &self.col[p0..p1] {
                s += x[c as usize];
            }
            self.uniform * s
        } else {
            let mut s = 0.0;
            for (&c, &v) in self.col[p0..p1].iter().zip(&self.val[p0..p1]) {
                s += v * x[c as usize];
            }
            s
        }
    }

    /// Whether products run matrix-free (the rows are a periodic box stencil).
    pub fn is_matrix_free(&self) -> bool {
        self.stencil.is_some()
    }

    /// y = H x.
    pub fn apply(&self, x: &[f64], y: &mut [f64]) {
        if let Some(s) = &self.stencil {
            return s.apply(&self.diag, x, y);
        }
        y.par_chunks_mut(CHUNK).enumerate().for_each(|(c, ys)| {
            for (k, yi) in ys.iter_mut().enumerate() {
                let i = c * CHUNK + k;
                *yi = self.diag[i] * x[i] + self.row_off(i, x);
            }
        });
    }

    /// One Chebyshev step in place: z ← 2(H − b)x/a − z, returning (⟨x|x⟩, ⟨z_new|x⟩) summed
    /// in a fixed chunk order.
    pub(crate) fn chebyshev_step(&self, x: &[f64], z: &mut [f64], a: f64, b: f64) -> (f64, f64) {
        if let Some(s) = &self.stencil {
            return s.chebyshev_step(&self.diag, x, z, a, b);
        }
        let two_a = 2.0 / a;
        let partial: Vec<(f64, f64)> = z
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(c, zs)| {
                let (mut xx, mut zx) = (0.0, 0.0);
                for (k, zi) in zs.iter_mut().enumerate() {
                    let i = c * CHUNK + k;
                    let s = (self.diag[i] - b) * x[i] + self.row_off(i, x);
                    let new = two_a * s - *zi;
                    *zi = new;
                    xx += x[i] * x[i];
                    zx += new * x[i];
                }
                (xx, zx)
            })
            .collect();
        partial
            .iter()
            .fold((0.0, 0.0), |acc, p| (acc.0 + p.0, acc.1 + p.1))
    }

    /// The first product: y = (H − b)x/a, returning ⟨y|x⟩.
    pub(crate) fn scaled_apply(&self, x: &[f64], y: &mut [f64], a: f64, b: f64) -> f64 {
        if let Some(s) = &self.stencil {
            return s.scaled_apply(&self.diag, x, y, a, b);
        }
        let partial: Vec<f64> = y
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(c, ys)| {
                let mut yx = 0.0;
                for (k, yi) in ys.iter_mut().enumerate() {
                    let i = c * CHUNK + k;
                    let s = (self.diag[i] - b) * x[i] + self.row_off(i, x);
                    *yi = s / a;
                    yx += *yi * x[i];
                }
                yx
            })
            .collect();
        partial.iter().sum()
    }

    /// Stored off-diagonal entries.
    pub fn nnz(&self) -> usize {
        self.col.len()
    }
}

/// The damping kernel of the expansion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kernel {
    /// Jackson (Eq. 71): positive, resolution ≈ π·a/M at the band centre; for densities.
    Jackson,
    /// Lorentz (Eq. 80) with λ: a Lorentzian of width λ·a/M; for Green's functions.
    Lorentz(f64),
}

/// The kernel coefficients g_0 … g_{M−1}.
pub fn kernel_coefficients(m: usize, kernel: Kernel) -> Vec<f64> {
    match kernel {
        Kernel::Jackson => {
            let q = std::f64::consts::PI / (m as f64 + 1.0);
            (0..m)
                .map(|n| {
                    let nf = n as f64;
                    ((m as f64 - nf + 1.0) * (q * nf).cos() + (q * nf).sin() / q.tan())
                        / (m as f64 + 1.0)
                })
                .collect()
        }
        Kernel::Lorentz(l) => (0..m)
            .map(|n| (l * (1.0 - n as f64 / m as f64)).sinh() / l.sinh())
            .collect(),
    }
}

/// Spectral bounds [lo, hi] of `op` for the rescaling: the extreme Ritz values of a Lanczos run
/// widened by their residuals and a margin, never beyond Gershgorin's interval (which always
/// holds the spectrum).
pub fn spectral_bounds(csr: &Csr, gershgorin: (f64, f64), seed: u64) -> (f64, f64) {
    let n = csr.n;
    let (glo, ghi) = gershgorin;
    if n <= 2 || ghi.partial_cmp(&glo) != Some(std::cmp::Ordering::Greater) {
        let pad = 1e-6 * (glo.abs() + ghi.abs()).max(1.0);
        return (glo - pad, ghi + pad);
    }
    let steps = n.min(60);
    let mut rng = crate::rng::StdRng::seed_from_u64(seed ^ 0x6b70_6d5f_6c61_6e63);
    let mut v: Vec<f64> = (0..n).map(|_| rng.random::<f64>() - 0.5).collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    let mut v_prev = vec![0.0; n];
    let mut w = vec![0.0; n];
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut b_prev = 0.0;
    for _ in 0..steps {
        csr.apply(&v, &mut w);
        let a: f64 = w.iter().zip(&v).map(|(x, y)| x * y).sum();
        for i in 0..n {
            w[i] -= a * v[i] + b_prev * v_prev[i];
        }
        let b = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        alpha.push(a);
        if b < 1e-12 {
            break;
        }
        beta.push(b);
        std::mem::swap(&mut v_prev, &mut v);
        for i in 0..n {
            v[i] = w[i] / b;
        }
        b_prev = b;
    }
    let k = alpha.len();
    let off: Vec<f64> = beta.iter().take(k.saturating_sub(1)).copied().collect();
    let Some(ritz) = super::tridiagonal::eigenvalues(&alpha, &off) else {
        return (glo, ghi);
    };
    let lo_r = ritz.iter().copied().fold(f64::INFINITY, f64::min);
    let hi_r = ritz.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // the last β bounds every Ritz value's residual; a 1 % margin of the width on top
    let res = beta.get(k.saturating_sub(1)).copied().unwrap_or(0.0);
    let margin = 0.01 * (hi_r - lo_r).max(1e-12);
    (
        (lo_r - res - margin).max(glo),
        (hi_r + res + margin).min(ghi),
    )
}

/// How the trace is taken.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trace {
    /// R random vectors of ±1 entries (seeded).
    Stochastic { vectors: usize, seed: u64 },
    /// Over every unit vector: exact, N products per moment pair (small operators).
    Exact,
}

/// Chebyshev moments of one start vector r (not normalised): μ_n = ⟨r|T_n(H̃)|r⟩, n < m.
pub fn moments_of(csr: &Csr, r: &[f64], m: usize, a: f64, b: f64) -> Result<Vec<f64>, String> {
    let n = csr.n;
    let mut mu = vec![0.0; m.max(2)];
    let mut x: Vec<f64> = r.to_vec(); // α_n
    let mut z = vec![0.0; n]; // α_{n+1}, written over α_{n−1}
    mu[0] = x.iter().map(|v| v * v).sum();
    mu[1] = csr.scaled_apply(&x, &mut z, a, b);
    // (x, z) = (α_0, α_1); the loop keeps (x, z) = (α_n, α_{n+1}) after its swap
    std::mem::swap(&mut x, &mut z); // x = α_1, z = α_0
    let mut nstep = 1;
    while 2 * nstep < m {
        if nstep % 16 == 0 && crate::progress::interrupted() {
            return Err("interrupted".into());
        }
        // z ← 2H̃α_n − α_{n−1} = α_{n+1}; xx = ⟨α_n|α_n⟩, zx = ⟨α_{n+1}|α_n⟩
        let (xx, zx) = csr.chebyshev_step(&x, &mut z, a, b);
        mu[2 * nstep] = 2.0 * xx - mu[0];
        if 2 * nstep + 1 < m {
            mu[2 * nstep + 1] = 2.0 * zx - mu[1];
        }
        std::mem::swap(&mut x, &mut z);
        nstep += 1;
    }
    mu.truncate(m);
    let bound = 1.0 + 1e-6;
    if mu
        .iter()
        .any(|v| !v.is_finite() || v.abs() > bound * mu[0].abs().max(1e-300))
    {
        return Err(
            "the Chebyshev moments grow: the spectrum reaches outside the bounds (give wider bounds)"
                .into(),
        );
    }
    Ok(mu)
}

/// The moments of the unit vector of each site (local densities, diagonal Green's functions),
/// sites in parallel.
pub fn site_moments(
    csr: &Csr,
    sites: &[usize],
    m: usize,
    (a, b): (f64, f64),
) -> Result<Vec<Vec<f64>>, String> {
    sites
        .par_iter()
        .map(|&i| {
            let mut v = vec![0.0; csr.n];
            v[i] = 1.0;
            moments_of(csr, &v, m, a, b)
        })
        .collect()
}

/// Normalised DOS moments μ_n = Tr T_n(H̃)/N: their mean and, per random vector, each vector's
/// estimate (for the statistical error; empty for the exact trace).
pub fn dos_moments(
    csr: &Csr,
    m: usize,
    (a, b): (f64, f64),
    trace: Trace,
) -> Result<(Vec<f64>, Vec<Vec<f64>>), String> {
    let n = csr.n;
    match trace {
        Trace::Exact => {
            let mut total = vec![0.0; m];
            let mut e = vec![0.0; n];
            for i in 0..n {
                e[i] = 1.0;
                let mu = moments_of(csr, &e, m, a, b)?;
                e[i] = 0.0;
                total.iter_mut().zip(&mu).for_each(|(t, v)| *t += v);
            }
            total.iter_mut().for_each(|t| *t /= n as f64);
            Ok((total, Vec::new()))
        }
        Trace::Stochastic { vectors, seed } => {
            let mut per = Vec::with_capacity(vectors);
            for r in 0..vectors {
                let mut rng = crate::rng::stream(seed, r as u64);
                let v: Vec<f64> = (0..n)
                    .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                    .collect();
                let mut mu = moments_of(csr, &v, m, a, b)?;
                mu.iter_mut().for_each(|x| *x /= n as f64);
                per.push(mu);
            }
            let mut mean = vec![0.0; m];
            for mu in &per {
                mean.iter_mut()
                    .zip(mu)
                    .for_each(|(t, v)| *t += v / vectors as f64);
            }
            Ok((mean, per))
        }
    }
}

/// The density at energies `e` from moments μ (rescaling (a, b)), damped by `g`:
/// ρ(E) = [g_0 μ_0 + 2 Σ g_n μ_n T_n(x)] / (π a √(1 − x²)); zero outside the bounds.
pub fn density(mu: &[f64], g: &[f64], (a, b): (f64, f64), e: &[f64]) -> Result<Vec<f64>, String> {
    // energies in parallel (each its own sum: the same bits on any thread count); Ctrl-C is
    // polled per energy, as points × moments can reach 10¹²
    e.par_iter()
        .map(|&en| {
            if crate::progress::interrupted() {
                return Err("interrupted".to_string());
            }
            let x = (en - b) / a;
            if x.abs() >= 1.0 {
                return Ok(0.0);
            }
            // T_n(x) by the recursion (stable on [−1, 1])
            let (mut t0, mut t1) = (1.0, x);
            let mut s = g[0] * mu[0];
            for n in 1..mu.len() {
                s += 2.0 * g[n] * mu[n] * t1;
                let t2 = 2.0 * x * t1 - t0;
                t0 = t1;
                t1 = t2;
            }
            Ok(s / (std::f64::consts::PI * a * (1.0 - x * x).sqrt()))
        })
        .collect()
}

/// The Green's function G(E + i0) = Σ_k w_k / (E − E_k + i0) from moments μ_n of the weights
/// w_k (a diagonal element ⟨i|G|i⟩ from a unit vector's moments), damped by g:
/// G(E) = −i [g_0 μ_0 + 2 Σ g_n μ_n e^(−inθ)] / (a √(1 − x²)), x = cos θ = (E − b)/a (Weiße et al.
/// Eq. 85). Returns (Re G, Im G); Im G = −π ρ. Use the Lorentz kernel: it makes the damping a
/// Lorentzian broadening η ≈ λ·a/M, as G(E + iη) of the exact spectrum.
pub fn greens(
    mu: &[f64],
    g: &[f64],
    (a, b): (f64, f64),
    e: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), String> {
    let pairs: Vec<(f64, f64)> = e
        .par_iter()
        .map(|&en| {
            if crate::progress::interrupted() {
                return Err("interrupted".to_string());
            }
            let x = (en - b) / a;
            if x.abs() >= 1.0 {
                return Err(format!("energy {en} lies outside the expansion's interval"));
            }
            let th = x.acos();
            let (mut re, mut im) = (0.0, g[0] * mu[0]);
            for n in 1..mu.len() {
                let (s, c) = (n as f64 * th).sin_cos();
                im += 2.0 * g[n] * mu[n] * c;
                re += 2.0 * g[n] * mu[n] * s;
            }
            let d = a * (1.0 - x * x).sqrt();
            Ok((-re / d, -im / d))
        })
        .collect::<Result<_, _>>()?;
    Ok(pairs.into_iter().unzip())
}

/// Energies at the Chebyshev nodes x_k = cos(π(k + ½)/K), ascending, mapped back to E.
pub fn chebyshev_energies(k: usize, (a, b): (f64, f64)) -> Vec<f64> {
    let mut e: Vec<f64> = (0..k)
        .map(|i| b + a * (std::f64::consts::PI * (i as f64 + 0.5) / k as f64).cos())
        .collect();
    e.reverse();
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Operator {
        let off: Vec<_> = (0..n).map(|i| (i, (i + 1) % n, -1.0)).collect();
        Operator::from_pairs(n, &vec![0.0; n], &off).unwrap()
    }

    #[test]
    fn moments_are_the_traces_of_chebyshev_polynomials() {
        // periodic chain of 12: eigenvalues −2cos(2πk/12); μ_n = (1/N) Σ_k T_n(E_k/a)
        let n = 12;
        let csr = Csr::from_operator(&chain(n)).unwrap();
        let (a, b) = (2.5, 0.0);
        let (mu, _) = dos_moments(&csr, 40, (a, b), Trace::Exact).unwrap();
        for (m, got) in mu.iter().enumerate() {
            let exact: f64 = (0..n)
                .map(|k| {
                    let e = -2.0 * (2.0 * std::f64::consts::PI * k as f64 / n as f64).cos();
                    ((m as f64) * (e / a).acos()).cos()
                })
                .sum::<f64>()
                / n as f64;
            assert!((got - exact).abs() < 1e-12, "μ_{m}: {got} vs {exact}");
        }
    }

    #[test]
    fn the_density_integrates_to_one() {
        let csr = Csr::from_operator(&chain(500)).unwrap();
        let ab = (2.2, 0.0);
        let (mu, _) = dos_moments(
            &csr,
            256,
            ab,
            Trace::Stochastic {
                vectors: 4,
                seed: 1,
            },
        )
        .unwrap();
        let g = kernel_coefficients(256, Kernel::Jackson);
        let e: Vec<f64> = (0..20001)
            .map(|i| -2.2 + 4.4 * i as f64 / 20000.0)
            .collect();
        let rho = density(&mu, &g, ab, &e).unwrap();
        let integral: f64 = rho.iter().sum::<f64>() * (4.4 / 20000.0);
        assert!((integral - 1.0).abs() < 2e-3, "∫ρ = {integral}");
    }

    #[test]
    fn lanczos_bounds_hold_the_spectrum_and_stay_inside_gershgorin() {
        let op = chain(300);
        let csr = Csr::from_operator(&op).unwrap();
        let (lo, hi) = spectral_bounds(&csr, op.gershgorin(), 1);
        assert!(
            lo <= -2.0 && hi >= 2.0 && lo >= -2.0 - 1e-12 - 0.2 && hi <= 2.2,
            "{lo} {hi}"
        );
    }
}
