//! The Kubo–Greenwood DC conductivity at zero temperature,
//! σ_αα(E) = (π ħ e² / Ω) Tr[v_α δ(E − H) v_α δ(E − H)] (spinless; Greenwood 1958), from the
//! kernel polynomial method: with H̃ = (H − b)/a, Ẽ = (E − b)/a and the damped expansion
//! δ(E − H) = Σ_m h_m g_m T_m(Ẽ) T_m(H̃) / (π a √(1 − Ẽ²)) (h_0 = 1, h_m = 2),
//!
//!   σ(E) = N / (π Ω a² (1 − Ẽ²)) · Σ_mn c_m(Ẽ) c_n(Ẽ) μ_mn,  c_m = h_m g_m T_m(Ẽ),
//!
//! where μ_mn = Tr[v T_m(H̃) v T_n(H̃)]/N are the two-operator moments of `linalg::kpm2`. Units:
//! ħ = e = 1 and the lattice's lengths, so σ is in e²/ħ (a conductance in 2D). The velocity is
//! v_α = i[H, x_α], (v_α)_ij = i H_ij (x_j − x_i)_α with the minimum-image separation across
//! periodic boundaries.

use crate::lattice::Lattice;
use crate::linalg::kpm::{kernel_coefficients, Csr, Kernel, Trace};
use crate::linalg::kpm2::{trace_moments, RowMatrix};
use crate::linalg::operator::SparseRows;
use crate::linalg::Operator;
use faer::{c64, Mat};

/// A = −i v_α: the real antisymmetric part of the velocity, A_ij = H_ij (x_j − x_i)_α.
pub fn velocity_operator(lat: &Lattice, h: &Operator, axis: usize) -> Result<RowMatrix, String> {
    let n = h.n();
    if n != lat.pos.len() {
        return Err(format!(
            "the operator has {n} rows and the lattice {} sites (one orbital per site is supported)",
            lat.pos.len()
        ));
    }
    if axis >= lat.dim {
        return Err(format!(
            "direction {axis} does not exist in {} dimensions",
            lat.dim
        ));
    }
    let mut t = Vec::new();
    let mut push = |i: usize, j: usize, v: f64| {
        let d = lat.separation(&lat.pos, i, j)[axis];
        if v != 0.0 && d != 0.0 {
            t.push((i, j, v * d));
            t.push((j, i, -v * d));
        }
    };
    for (i, j, v) in h.upper_entries() {
        push(i, j, v);
    }
    crate::linalg::operator::rows_from_entries(n, &t)
}

/// σ(E) at `energies` from normalised moments μ (n sites in volume Ω, rescaling (a, b)).
pub fn sigma_from_moments(
    mu: &Mat<f64>,
    g: &[f64],
    (a, b): (f64, f64),
    n: usize,
    volume: f64,
    energies: &[f64],
) -> Vec<f64> {
    let m = mu.nrows();
    energies
        .iter()
        .map(|&e| {
            let x = (e - b) / a;
            if x.abs() >= 1.0 {
                return 0.0;
            }
            // c_k = h_k g_k T_k(x), T_k by the recursion
            let mut c = vec![0.0; m];
            let (mut t0, mut t1) = (1.0, x);
            c[0] = g[0];
            for k in 1..m {
                c[k] = 2.0 * g[k] * t1;
                (t0, t1) = (t1, 2.0 * x * t1 - t0);
            }
            let mut s = 0.0;
            for i in 0..m {
                let mut row = 0.0;
                for j in 0..m {
                    row += mu[(i, j)] * c[j];
                }
                s += c[i] * row;
            }
            n as f64 * s / (std::f64::consts::PI * volume * a * a * (1.0 - x * x))
        })
        .collect()
}

/// The conductivity curve and, for a stochastic trace, its statistical error (spread of the
/// single-vector curves over √R).
pub struct Conductivity {
    pub sigma: Vec<f64>,
    pub err: Vec<f64>,
    pub moments: Mat<f64>,
    /// The imaginary part of complex moments (complex H or α ≠ β).
    pub moments_im: Option<Mat<f64>>,
}

/// σ_αα(E) of a real symmetric H on `lat` (see the module doc).
#[allow(clippy::too_many_arguments)]
pub fn kubo_greenwood(
    lat: &Lattice,
    h: &Operator,
    csr: &Csr,
    axis: usize,
    moments: usize,
    kernel: Kernel,
    trace: Trace,
    ab: (f64, f64),
    energies: &[f64],
) -> Result<Conductivity, String> {
    let v = velocity_operator(lat, h, axis)?;
    let (mu, per) = trace_moments(csr, &v, moments, ab, trace)?;
    let g = kernel_coefficients(moments, kernel);
    let volume = lat.volume();
    let n = h.n();
    let sigma = sigma_from_moments(&mu, &g, ab, n, volume, energies);
    let each: Vec<Vec<f64>> = per
        .iter()
        .map(|p| sigma_from_moments(p, &g, ab, n, volume, energies))
        .collect();
    let err = spread(&each, &sigma);
    Ok(Conductivity {
        sigma,
        err,
        moments: mu,
        moments_im: None,
    })
}

/// V_α = i[H, x_α] of a complex Hermitian H (its compressed rows) with k = rows / sites orbitals
/// per site (row s·k + o is orbital o of site s, as `hamiltonian` numbers them):
/// (V_α)_ij = i H_ij (x_j − x_i)_α, minimum image across periodic boundaries. Hermitian, on H's
/// pattern.
pub fn complex_velocity(
    lat: &Lattice,
    h: &SparseRows<c64>,
    axis: usize,
) -> Result<SparseRows<c64>, String> {
    let (n, sites) = (h.nrows(), lat.pos.len());
    if sites == 0 || n % sites != 0 {
        return Err(format!(
            "the operator has {n} rows, not a whole number of orbitals on the lattice's {sites} sites"
        ));
    }
    if axis >= lat.dim {
        return Err(format!(
            "direction {axis} does not exist in {} dimensions",
            lat.dim
        ));
    }
    let k = n / sites;
    let mut v = h.clone();
    let row_ptr = h.symbolic().row_ptr();
    let col = h.symbolic().col_idx();
    let out = v.val_mut();
    for i in 0..n {
        for p in row_ptr[i] as usize..row_ptr[i + 1] as usize {
            let j = col[p] as usize;
            let d = if i / k == j / k {
                0.0
            } else {
                lat.separation(&lat.pos, i / k, j / k)[axis]
            };
            out[p] = c64::new(0.0, d) * h.val()[p];
        }
    }
    Ok(v)
}

/// The Kubo–Bastin σ_αβ(E_F) at T = 0 from the complex moments μ_mn = Tr[V_α T_m V_β T_n]/N:
///
///   σ_αβ(E_F) = N/(π Ω a²) ∫_{−1}^{x_F} dx F(x)/(1 − x²)²,
///   F(x) = Σ_mn w_m w_n μ_mn [T_m(x) e^{−inθ}(x + i n s) + T_n(x) e^{imθ}(x − i m s)],
///
/// x = cos θ = (E − b)/a, s = sin θ, w_m = h_m g_m (the damped expansions of δ(x − H̃) and of the
/// derivatives of G^±(x) = ∓ i Σ_n w_n e^{∓inθ} T_n(H̃)/s — the signs that converge for
/// x ± i0 — inserted into Bastin's
/// σ_αβ = (i/Ω) ∫ dE f(E) Tr[V_α δ(E − H) V_β dG⁺/dE − V_α dG⁻/dE V_β δ(E − H)]). The integral
/// runs in θ (dx = −s dθ) by the midpoint rule on `8·moments` cells, cumulatively from the band
/// bottom, and is read at each E_F by linear interpolation. σ in e²/ħ (σ·2π in e²/h).
pub fn bastin_sigma(
    mu: &Mat<c64>,
    g: &[f64],
    (a, b): (f64, f64),
    n: usize,
    volume: f64,
    energies: &[f64],
) -> Vec<f64> {
    use std::f64::consts::PI;
    let m = mu.nrows();
    let cells = 8 * m;
    let w: Vec<f64> = (0..m)
        .map(|k| if k == 0 { g[0] } else { 2.0 * g[k] })
        .collect();
    let muw = Mat::<c64>::from_fn(m, m, |i, j| mu[(i, j)] * (w[i] * w[j]));
    // θ at the cell midpoints, from θ ≈ π (the band bottom, x = −1) to θ ≈ 0
    let theta: Vec<f64> = (0..cells)
        .map(|c| PI - (c as f64 + 0.5) * PI / cells as f64)
        .collect();
    let t = Mat::<c64>::from_fn(m, cells, |k, c| c64::new((k as f64 * theta[c]).cos(), 0.0));
    let aa = Mat::<c64>::from_fn(m, cells, |k, c| {
        let (x, s) = (theta[c].cos(), theta[c].sin());
        c64::from_polar(1.0, -(k as f64) * theta[c]) * c64::new(x, k as f64 * s)
    });
    let bb = Mat::<c64>::from_fn(m, cells, |k, c| {
        let (x, s) = (theta[c].cos(), theta[c].sin());
        c64::from_polar(1.0, k as f64 * theta[c]) * c64::new(x, -(k as f64) * s)
    });
    let p = &muw * &aa; // Σ_n μ̂_mn A_n
    let q = &muw * &t; // Σ_n μ̂_mn T_n
    let scale = n as f64 / (PI * volume * a * a);
    // cumulative integral over cells: ∫ F/s⁴ dx = ∫ F/s³ dθ
    let mut cumulative = Vec::with_capacity(cells + 1);
    cumulative.push(0.0);
    let dtheta = PI / cells as f64;
    for c in 0..cells {
        let mut f = c64::new(0.0, 0.0);
        for k in 0..m {
            f += t[(k, c)] * p[(k, c)] + bb[(k, c)] * q[(k, c)];
        }
        let s = theta[c].sin();
        let last = cumulative[c];
        cumulative.push(last + scale * f.re / (s * s * s) * dtheta);
    }
    // cell c spans x from cos(π − c·dθ) to cos(π − (c + 1)·dθ)
    energies
        .iter()
        .map(|&e| {
            let x = (e - b) / a;
            if x <= -1.0 {
                return 0.0;
            }
            if x >= 1.0 {
                return cumulative[cells];
            }
            let pos = (PI - x.acos()) / dtheta;
            let c = (pos.floor() as usize).min(cells - 1);
            let frac = pos - c as f64;
            cumulative[c] + frac * (cumulative[c + 1] - cumulative[c])
        })
        .collect()
}

/// σ_αβ(E) of a complex Hermitian H (a real one converted) on `lat`: Kubo–Greenwood for α = β
/// (from the real part of the Hermitian moment matrix), Kubo–Bastin for α ≠ β.
#[allow(clippy::too_many_arguments)]
pub fn kubo_complex(
    lat: &Lattice,
    h: &SparseRows<c64>,
    (alpha, beta): (usize, usize),
    moments: usize,
    kernel: Kernel,
    trace: Trace,
    ab: (f64, f64),
    energies: &[f64],
) -> Result<Conductivity, String> {
    let va = complex_velocity(lat, h, alpha)?;
    let vb = if beta == alpha {
        va.clone()
    } else {
        complex_velocity(lat, h, beta)?
    };
    let (mu, per) = crate::linalg::kpm2::complex_trace_moments(h, (&va, &vb), moments, ab, trace)?;
    let g = kernel_coefficients(moments, kernel);
    let volume = lat.volume();
    let n = h.nrows();
    let curve = |mu: &Mat<c64>| -> Vec<f64> {
        if alpha == beta {
            let re = Mat::<f64>::from_fn(moments, moments, |i, j| mu[(i, j)].re);
            sigma_from_moments(&re, &g, ab, n, volume, energies)
        } else {
            bastin_sigma(mu, &g, ab, n, volume, energies)
        }
    };
    let sigma = curve(&mu);
    let err = spread(&per.iter().map(curve).collect::<Vec<_>>(), &sigma);
    Ok(Conductivity {
        sigma,
        err,
        moments: Mat::from_fn(moments, moments, |i, j| mu[(i, j)].re),
        moments_im: Some(Mat::from_fn(moments, moments, |i, j| mu[(i, j)].im)),
    })
}

/// The standard error of the mean curve from each vector's curve (NaN for fewer than two).
fn spread(each: &[Vec<f64>], mean: &[f64]) -> Vec<f64> {
    let r = each.len() as f64;
    if each.len() < 2 {
        return vec![f64::NAN; mean.len()];
    }
    (0..mean.len())
        .map(|k| {
            let var = each.iter().map(|s| (s[k] - mean[k]).powi(2)).sum::<f64>() / (r - 1.0);
            (var / r).sqrt()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::kpm::spectral_bounds;

    /// A small disordered square lattice and its Hamiltonian (t = 1, on-site W·(u − ½)).
    fn system(l: usize, w: f64, periodic: bool) -> (Lattice, Operator) {
        let lat = Lattice::new("square", &[l, l], &[periodic, periodic], 1.0).unwrap();
        let n = lat.pos.len();
        let mut state = 12345u64;
        let diag: Vec<f64> = (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                w * ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
            })
            .collect();
        let off: Vec<_> = lat.nn.iter().map(|&(i, j)| (i, j, -1.0)).collect();
        (lat, Operator::from_pairs(n, &diag, &off).unwrap())
    }

    #[test]
    fn exact_trace_moments_equal_the_eigenbasis_sum() {
        // μ_mn = (1/N) Σ_ab |v_ab|² T_m(ε̃_a) T_n(ε̃_b), with v = iA
        let (lat, h) = system(5, 3.0, true);
        let csr = Csr::from_operator(&h).unwrap();
        let (lo, hi) = spectral_bounds(&csr, h.gershgorin(), 1);
        let (a, b) = ((hi - lo) / 1.99, (hi + lo) / 2.0);
        let m = 12;
        let v = velocity_operator(&lat, &h, 0).unwrap();
        let (mu, _) = trace_moments(&csr, &v, m, (a, b), Trace::Exact).unwrap();
        let n = h.n();
        let dense = h.to_dense();
        let eig = dense.self_adjoint_eigen(faer::Side::Lower).unwrap();
        let (vals, vecs) = (eig.S(), eig.U());
        let mut amat = Mat::<f64>::zeros(n, n);
        for i in 0..n {
            let mut e = vec![0.0; n];
            e[i] = 1.0;
            let mut y = vec![0.0; n];
            crate::linalg::operator::rows_apply(&v, &e, &mut y);
            for (k, yk) in y.into_iter().enumerate() {
                amat[(k, i)] = yk;
            }
        }
        let vab = vecs.transpose() * &amat * vecs;
        let cheb = |x: f64| -> Vec<f64> {
            let mut t = vec![1.0, x];
            for k in 2..m {
                t.push(2.0 * x * t[k - 1] - t[k - 2]);
            }
            t
        };
        let ts: Vec<Vec<f64>> = (0..n).map(|i| cheb((vals[i] - b) / a)).collect();
        for p in 0..m {
            for q in 0..m {
                let mut s = 0.0;
                for i in 0..n {
                    for j in 0..n {
                        s += vab[(i, j)].powi(2) * ts[i][p] * ts[j][q];
                    }
                }
                s /= n as f64;
                assert!(
                    (mu[(p, q)] - s).abs() < 1e-10,
                    "μ[{p}][{q}] {} vs {s}",
                    mu[(p, q)]
                );
            }
        }
        // symmetric: Tr[v T_m v T_n] = Tr[v T_n v T_m]
        assert!((mu[(2, 5)] - mu[(5, 2)]).abs() < 1e-12);
        // the velocity is antisymmetric with the minimum image: a periodic ring has no jump
        assert!(amat.transpose().as_ref() == (-&amat).as_ref());
    }

    /// The Qi–Wu–Zhang Chern insulator on an L×L torus: H(k) = sin kx σx + sin ky σy
    /// + (u + cos kx + cos ky) σz, two orbitals per site (|u| < 2: Chern number ±1).
    fn qwz(l: usize, u: f64) -> (Lattice, SparseRows<c64>) {
        let lat = Lattice::new("square", &[l, l], &[true, true], 1.0).unwrap();
        let ns = lat.pos.len();
        let z = c64::new(0.0, 0.0);
        let half = |re: f64, im: f64| c64::new(re / 2.0, im / 2.0);
        let mut off = Vec::new();
        for &(i, j) in &lat.nn {
            let d = lat.separation(&lat.pos, i, j);
            // T = (σz − iσα)/2 for the hop along +α (from i to j), T† against it
            let (ax, sign) = if d[0].abs() > 0.5 {
                (0, d[0].signum())
            } else {
                (1, d[1].signum())
            };
            let t: [[c64; 2]; 2] = if ax == 0 {
                [
                    [half(1.0, 0.0), half(0.0, -sign)],
                    [half(0.0, -sign), half(-1.0, 0.0)],
                ]
            } else {
                [
                    [half(1.0, 0.0), half(-sign, 0.0)],
                    [half(sign, 0.0), half(-1.0, 0.0)],
                ]
            };
            for (a, row) in t.iter().enumerate() {
                for (b, &v) in row.iter().enumerate() {
                    if v != z {
                        off.push((2 * j + a, 2 * i + b, v));
                    }
                }
            }
        }
        let diag: Vec<c64> = (0..2 * ns)
            .map(|r| c64::new(if r % 2 == 0 { u } else { -u }, 0.0))
            .collect();
        let h = crate::linalg::operator::mirrored_rows(2 * ns, &diag, &off, |v| v.conj()).unwrap();
        (lat, h)
    }

    /// σ_xy at T = 0 with E_F in a gap from the eigenstates (Kubo's formula):
    /// (i/Ω) Σ_{a occupied, b empty} [(v_x)_ab (v_y)_ba − (v_y)_ab (v_x)_ba] / (E_a − E_b)².
    fn kubo_exact(lat: &Lattice, h: &SparseRows<c64>, fermi: f64) -> f64 {
        let dense = crate::linalg::operator::rows_to_dense(h);
        let eig = crate::linalg::eigh_hermitian(&dense, true).unwrap();
        let (vx, vy) = (
            crate::linalg::operator::rows_to_dense(&complex_velocity(lat, h, 0).unwrap()),
            crate::linalg::operator::rows_to_dense(&complex_velocity(lat, h, 1).unwrap()),
        );
        let u = &eig.vectors;
        let (x, y) = (u.adjoint() * &vx * u, u.adjoint() * &vy * u);
        let n = eig.values.len();
        let mut s = c64::new(0.0, 0.0);
        for a in (0..n).filter(|&a| eig.values[a] < fermi) {
            for b in (0..n).filter(|&b| eig.values[b] > fermi) {
                let de = eig.values[a] - eig.values[b];
                s += (x[(a, b)] * y[(b, a)] - y[(a, b)] * x[(b, a)]) / (de * de);
            }
        }
        (c64::new(0.0, 1.0) * s).re / lat.volume()
    }

    #[test]
    fn the_chern_insulator_has_a_quantised_hall_plateau() {
        let (lat, h) = qwz(8, 1.0);
        // the eigenstates: σ_xy·2π = ±1 in the gap (E = 0), 0 outside the bands
        let exact = kubo_exact(&lat, &h, 0.0) * std::f64::consts::TAU;
        assert!((exact.abs() - 1.0).abs() < 0.02, "Kubo 2πσ_xy = {exact}");
        // the KPM Kubo–Bastin curve agrees in the gap, with the same sign, and σ_yx = −σ_xy
        let ab = (3.05, 0.0);
        let e = [-0.2, 0.0, 0.2, 3.2];
        let xy =
            kubo_complex(&lat, &h, (0, 1), 256, Kernel::Jackson, Trace::Exact, ab, &e).unwrap();
        let yx =
            kubo_complex(&lat, &h, (1, 0), 256, Kernel::Jackson, Trace::Exact, ab, &e).unwrap();
        for k in 0..3 {
            let s = xy.sigma[k] * std::f64::consts::TAU;
            assert!(
                (s - exact).abs() < 0.03,
                "E = {}: KPM {s} vs Kubo {exact}",
                e[k]
            );
            assert!((xy.sigma[k] + yx.sigma[k]).abs() < 1e-9, "σ_yx = −σ_xy");
        }
        // above the top of the band the filled bands carry no Hall current
        assert!(
            xy.sigma[3].abs() * std::f64::consts::TAU < 0.03,
            "{}",
            xy.sigma[3]
        );
    }

    #[test]
    fn the_complex_path_agrees_with_the_real_one_for_a_real_h() {
        // σ_xx of a real H through complex arithmetic = the real Kubo–Greenwood, and σ_xy = 0
        let (lat, h) = system(6, 2.0, true);
        let csr = Csr::from_operator(&h).unwrap();
        let (lo, hi) = spectral_bounds(&csr, h.gershgorin(), 1);
        let ab = ((hi - lo) / 1.99, (hi + lo) / 2.0);
        let e = [-1.5, 0.0, 0.7];
        let real =
            kubo_greenwood(&lat, &h, &csr, 0, 64, Kernel::Jackson, Trace::Exact, ab, &e).unwrap();
        let hc = match crate::linalg::HermitianOperator::from(&h) {
            crate::linalg::HermitianOperator::Sparse(m) => m,
            _ => unreachable!(),
        };
        let cx =
            kubo_complex(&lat, &hc, (0, 0), 64, Kernel::Jackson, Trace::Exact, ab, &e).unwrap();
        for k in 0..3 {
            assert!((real.sigma[k] - cx.sigma[k]).abs() < 1e-10 * real.sigma[k].abs().max(1.0));
        }
        // the off-diagonal σ of a real H is symmetric (Onsager at zero field): σ_xy = σ_yx
        let xy =
            kubo_complex(&lat, &hc, (0, 1), 64, Kernel::Jackson, Trace::Exact, ab, &e).unwrap();
        let yx =
            kubo_complex(&lat, &hc, (1, 0), 64, Kernel::Jackson, Trace::Exact, ab, &e).unwrap();
        for k in 0..3 {
            assert!(
                (xy.sigma[k] - yx.sigma[k]).abs() < 1e-9,
                "{:?} {:?}",
                xy.sigma,
                yx.sigma
            );
        }
        // Bastin's formula on the diagonal gives Greenwood's σ_xx (the Fermi-sea part vanishes)
        let g = kernel_coefficients(64, Kernel::Jackson);
        let mu = Mat::<c64>::from_fn(64, 64, |i, j| c64::new(real.moments[(i, j)], 0.0));
        let bastin = bastin_sigma(&mu, &g, ab, h.n(), lat.volume(), &e);
        for k in 0..3 {
            assert!((bastin[k] - real.sigma[k]).abs() < 0.01 * real.sigma[k].abs());
        }
    }
}
