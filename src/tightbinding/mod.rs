//! Tight-binding operators on a lattice and their spectra. Seed 000 Eq. (1):
//! H = Σ ε_i |i⟩⟨i| + Σ_{i≠j} t(d_ij) |i⟩⟨j|, with t(d) = t0·e^(−αd) between *all* pairs (dense);
//! the 3D Anderson model: ε_i ~ U(−W/2, W/2), nearest-neighbour hopping (sparse).
//! Matrix elements are used as given (Kwant's convention): pass hopping −1 for the −t sign.

pub mod anderson;
pub mod conductivity;
pub mod field;
pub mod hermitian_script;
pub mod measures;
pub mod script;

/// The operator type lives with the linear algebra (`src/linalg/`); re-exported here, where
/// Hamiltonians are built.
pub use crate::linalg::Operator;

use crate::lattice::Lattice;
use faer::Mat;

/// How the hopping depends on the distance d.
#[derive(Clone, Debug)]
pub enum Hopping {
    /// Constant on the nearest-neighbour shell (and optionally t2 on the next shell).
    Shells { t1: f64, t2: f64 },
    /// t0·e^(−αd) for every pair within the cutoff (seed 000).
    Exp { t0: f64, alpha: f64, cutoff: f64 },
    /// t0·d^(−p) for every pair within the cutoff.
    Power { t0: f64, p: f64, cutoff: f64 },
}

/// Hopping amplitude at distance d, or None outside the range.
fn hop_value(h: &Hopping, d: f64) -> Option<f64> {
    match *h {
        Hopping::Exp { t0, alpha, cutoff } => (d <= cutoff).then(|| t0 * (-alpha * d).exp()),
        Hopping::Power { t0, p, cutoff } => (d <= cutoff && d > 0.0).then(|| t0 * d.powf(-p)),
        Hopping::Shells { .. } => None,
    }
}

/// Build H on the lattice. `dense`: Some(true/false) forces the format; None chooses dense
/// for all-pairs hopping without a cutoff and sparse otherwise.
pub fn build(
    lat: &Lattice,
    onsite: &[f64],
    hop: &Hopping,
    dense: Option<bool>,
) -> Result<Operator, String> {
    let n = lat.len();
    let all_pairs = matches!(hop, Hopping::Exp { cutoff, .. } | Hopping::Power { cutoff, .. } if cutoff.is_infinite());
    let want_dense = dense.unwrap_or(all_pairs);
    let mut off: Vec<(usize, usize, f64)> = Vec::new();
    let mut dense_m = if want_dense {
        Some(Mat::<f64>::zeros(n, n))
    } else {
        None
    };
    let mut push = |i: usize, j: usize, v: f64, off: &mut Vec<(usize, usize, f64)>| {
        if let Some(m) = dense_m.as_mut() {
            m[(i, j)] += v;
            m[(j, i)] += v;
        } else {
            off.push((i, j, v));
        }
    };
    match hop {
        Hopping::Shells { t1, t2 } => {
            if *t1 != 0.0 {
                for &(i, j) in &lat.nn {
                    push(i, j, *t1, &mut off);
                }
            }
            if *t2 != 0.0 {
                for &(i, j) in &lat.nnn {
                    push(i, j, *t2, &mut off);
                }
            }
        }
        _ => {
            for i in 0..n {
                for j in i + 1..n {
                    if let Some(v) = hop_value(hop, lat.distance(i, j)) {
                        push(i, j, v, &mut off);
                    }
                }
            }
        }
    }
    match dense_m {
        Some(mut m) => {
            for (i, &e) in onsite.iter().enumerate() {
                m[(i, i)] += e;
            }
            Ok(Operator::Dense(m))
        }
        None => Operator::from_pairs(n, onsite, &off),
    }
}

/// Dense H for 2D positions with all-pairs exponential hopping (seed 000's Eq. (1)):
/// H_ii = ε, H_ij = t0·e^(−α d_ij). `build` with `Hopping::Exp` gives the same on a lattice; this
/// one takes positions directly, for batch generators that make thousands of them.
pub fn exp_hopping_dense(pos: &[[f64; 2]], eps: f64, t0: f64, alpha: f64) -> Mat<f64> {
    let n = pos.len();
    // Each exponential once: fill column j below the diagonal, then mirror it into row j.
    let mut h = Mat::zeros(n, n);
    for j in 0..n {
        h[(j, j)] = eps;
        for i in j + 1..n {
            let (dx, dy) = (pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]);
            let t = t0 * (-alpha * (dx * dx + dy * dy).sqrt()).exp();
            h[(i, j)] = t;
            h[(j, i)] = t;
        }
    }
    h
}
