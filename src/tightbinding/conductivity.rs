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
use crate::linalg::Operator;
use faer::Mat;

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
    match h {
        Operator::Sparse { off, .. } => {
            for &(i, j, v) in off {
                push(i, j, v);
            }
        }
        Operator::Dense(m) => {
            for i in 0..n {
                for j in i + 1..n {
                    push(i, j, m[(i, j)]);
                }
            }
        }
    }
    RowMatrix::from_triplets(n, &t)
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
    let err = if per.len() > 1 {
        let r = per.len() as f64;
        let each: Vec<Vec<f64>> = per
            .iter()
            .map(|p| sigma_from_moments(p, &g, ab, n, volume, energies))
            .collect();
        (0..energies.len())
            .map(|k| {
                let var = each.iter().map(|s| (s[k] - sigma[k]).powi(2)).sum::<f64>() / (r - 1.0);
                (var / r).sqrt()
            })
            .collect()
    } else {
        vec![f64::NAN; energies.len()]
    };
    Ok(Conductivity {
        sigma,
        err,
        moments: mu,
    })
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
        let off = lat
            .nn
            .iter()
            .map(|&(i, j)| (i.min(j), i.max(j), -1.0))
            .collect();
        (lat, Operator::Sparse { n, diag, off })
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
            v.apply(&e, &mut y);
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
}
