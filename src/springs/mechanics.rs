//! Mechanics of spring networks: the dynamical (Hessian) matrix, linear response to uniaxial
//! strain, Poisson's ratio, elastic moduli, bond elongations and normal-mode projections.
//!
//! Boundary conditions of an open network (free lateral boundaries, seed 004): to stretch along
//! x, the x displacement of every node in the left and right edge sets is prescribed affinely,
//! u_x = ε (x − x̄) (frictionless grips: their y is free), one grip node's y is pinned to remove
//! the rigid translation, and every other degree of freedom relaxes to mechanical equilibrium,
//! H_ff u_f = −H_fc u_c. The transverse strain is read off the bottom and top edge sets,
//! ε_yy = (⟨u_y⟩_top − ⟨u_y⟩_bottom)/(⟨y⟩_top − ⟨y⟩_bottom), and ν_x = −ε_yy/ε_xx. Stretching
//! along y swaps the roles. ν = (ν_x + ν_y)/2.
//!
//! Periodic networks use the elastic-constant tensor instead: the energy of a homogeneous strain
//! e = (ε_xx, ε_yy, ε_xy) after non-affine relaxation is U = ½ eᵀ M e with
//! M = AᵀKA − Ξᵀ H⁺ Ξ (A_b = ℓ_b (n_x², n_y², 2n_x n_y), Ξ = BᵀKA the affine forces), and
//! ν_x is the transverse strain of uniaxial stress (σ_yy = σ_xy = 0).

use super::SpringNetwork;
use faer::linalg::solvers::Solve;
use faer::sparse::{SparseColMat, Triplet};
use faer::{Mat, Side};

/// Unit vector and length of every active bond: (bond index, n̂, ℓ).
fn bond_geometry(net: &SpringNetwork, pos: Option<&[[f64; 2]]>) -> Vec<(usize, [f64; 2], f64)> {
    net.active_bonds()
        .map(|(b, bd)| {
            let d = match pos {
                None => net.bond_vector(b),
                Some(p) => {
                    let base = net.bond_vector(b);
                    let (pi, pj) = (net.pos[bd.i], net.pos[bd.j]);
                    [
                        base[0] + (p[bd.j][0] - pj[0]) - (p[bd.i][0] - pi[0]),
                        base[1] + (p[bd.j][1] - pj[1]) - (p[bd.i][1] - pi[1]),
                    ]
                }
            };
            let l = d[0].hypot(d[1]);
            (b, [d[0] / l, d[1] / l], l)
        })
        .collect()
}

/// Triplets of the 2N×2N dynamical matrix (both triangles; duplicates are summed on assembly),
/// H_ij = −k n̂n̂ᵀ, H_ii = Σ_j k n̂n̂ᵀ (unit masses). With `pos` (deformed positions) the tangent
/// stiffness including the tension term k(1 − ℓ₀/ℓ)(I − n̂n̂ᵀ) is returned.
pub fn hessian_triplets(net: &SpringNetwork, pos: Option<&[[f64; 2]]>) -> Vec<(usize, usize, f64)> {
    let geo = bond_geometry(net, pos);
    let mut t = Vec::with_capacity(geo.len() * 16);
    for (b, n, l) in geo {
        let bd = &net.bonds[b];
        let tension = if pos.is_some() {
            1.0 - bd.rest / l
        } else {
            0.0
        };
        let mut blk = [[0.0; 2]; 2];
        for a in 0..2 {
            for c in 0..2 {
                let id = if a == c { 1.0 } else { 0.0 };
                blk[a][c] = bd.k * (n[a] * n[c] + tension * (id - n[a] * n[c]));
            }
        }
        let (i, j) = (bd.i, bd.j);
        for a in 0..2 {
            for c in 0..2 {
                let v = blk[a][c];
                t.push((2 * i + a, 2 * i + c, v));
                t.push((2 * j + a, 2 * j + c, v));
                t.push((2 * i + a, 2 * j + c, -v));
                t.push((2 * j + a, 2 * i + c, -v));
            }
        }
    }
    t
}

/// Dense 2N×2N dynamical matrix.
pub fn dynamical_matrix(net: &SpringNetwork) -> Mat<f64> {
    let n2 = 2 * net.n();
    let mut m = Mat::<f64>::zeros(n2, n2);
    for (a, b, v) in hessian_triplets(net, None) {
        m[(a, b)] += v;
    }
    m
}

/// H·u from the bonds (no matrix): forces needed to hold the displacement u.
pub fn apply_hessian(net: &SpringNetwork, u: &[f64]) -> Vec<f64> {
    let mut f = vec![0.0; u.len()];
    for (b, n, _) in bond_geometry(net, None) {
        let bd = &net.bonds[b];
        let (i, j) = (bd.i, bd.j);
        let dl = n[0] * (u[2 * j] - u[2 * i]) + n[1] * (u[2 * j + 1] - u[2 * i + 1]);
        for c in 0..2 {
            f[2 * j + c] += bd.k * dl * n[c];
            f[2 * i + c] -= bd.k * dl * n[c];
        }
    }
    f
}

/// Solve K_ff u_f = rhs_f − K_fc u_c for the free DOFs, where K is given by triplets, `fixed`
/// lists (dof, value) and `extra` is an optional load on every DOF. Returns the full vector.
fn solve_constrained(
    n2: usize,
    trips: &[(usize, usize, f64)],
    fixed: &[(usize, f64)],
    extra: Option<&[f64]>,
    cholesky: bool,
) -> Result<Vec<f64>, String> {
    let mut map = vec![usize::MAX; n2];
    let mut val = vec![0.0; n2];
    let mut is_fixed = vec![false; n2];
    for &(d, v) in fixed {
        is_fixed[d] = true;
        val[d] = v;
    }
    let mut nf = 0;
    for d in 0..n2 {
        if !is_fixed[d] {
            map[d] = nf;
            nf += 1;
        }
    }
    let mut rhs = vec![0.0; nf];
    if let Some(e) = extra {
        for d in 0..n2 {
            if map[d] != usize::MAX {
                rhs[map[d]] += e[d];
            }
        }
    }
    let mut kt: Vec<Triplet<usize, usize, f64>> = Vec::with_capacity(trips.len());
    for &(a, b, v) in trips {
        match (map[a] != usize::MAX, map[b] != usize::MAX) {
            (true, true) => kt.push(Triplet::new(map[a], map[b], v)),
            (true, false) => rhs[map[a]] -= v * val[b],
            _ => {}
        }
    }
    // a free DOF no bond touches would make K singular: give it a unit diagonal (it stays 0)
    let mut touched = vec![false; nf];
    for t in &kt {
        touched[t.row] = true;
    }
    for (d, &tch) in touched.iter().enumerate() {
        if !tch {
            kt.push(Triplet::new(d, d, 1.0));
        }
    }
    let k = SparseColMat::<usize, f64>::try_new_from_triplets(nf, nf, &kt)
        .map_err(|e| format!("cannot assemble the stiffness matrix: {e:?}"))?;
    let mut x = Mat::<f64>::from_fn(nf, 1, |i, _| rhs[i]);
    if cholesky {
        let llt = k.sp_cholesky(Side::Lower).map_err(|_| {
            "the stiffness matrix is singular: the network has a floppy mode under these boundary conditions".to_string()
        })?;
        llt.solve_in_place(x.as_mut());
    } else {
        let lu = k
            .sp_lu()
            .map_err(|e| format!("the tangent stiffness matrix is singular: {e:?}"))?;
        lu.solve_in_place(x.as_mut());
    }
    let mut u = val;
    for d in 0..n2 {
        if map[d] != usize::MAX {
            u[d] = x[(map[d], 0)];
        }
    }
    if u.iter().any(|v| !v.is_finite()) {
        return Err("the response is not finite: the network is floppy".into());
    }
    Ok(u)
}

/// The grip and gauge sets for stretching along `axis` (0 = x, 1 = y).
fn grips(
    net: &SpringNetwork,
    axis: usize,
) -> Result<(&[usize], &[usize], &[usize], &[usize]), String> {
    let s = &net.sides;
    let (lo, hi, glo, ghi) = if axis == 0 {
        (&s[0], &s[1], &s[2], &s[3])
    } else {
        (&s[2], &s[3], &s[0], &s[1])
    };
    for (set, name) in [(lo, "grip"), (hi, "grip"), (glo, "gauge"), (ghi, "gauge")] {
        if set.is_empty() {
            return Err(format!("the network has an empty {name} edge set"));
        }
    }
    if lo.iter().any(|i| hi.contains(i)) || glo.iter().any(|i| ghi.contains(i)) {
        return Err("opposite edge sets share a node: the network is too small or too thin".into());
    }
    Ok((lo, hi, glo, ghi))
}

fn mean_of(set: &[usize], v: impl Fn(usize) -> f64) -> f64 {
    set.iter().map(|&i| v(i)).sum::<f64>() / set.len() as f64
}

/// Strain along `axis` read off two edge sets from a displacement field u.
fn gauge_strain(net: &SpringNetwork, u: &[f64], lo: &[usize], hi: &[usize], axis: usize) -> f64 {
    let du = mean_of(hi, |i| u[2 * i + axis]) - mean_of(lo, |i| u[2 * i + axis]);
    let dx = mean_of(hi, |i| net.pos[i][axis]) - mean_of(lo, |i| net.pos[i][axis]);
    du / dx
}

/// Linear response of an open network to a unit uniaxial strain.
#[derive(Clone, Debug)]
pub struct Uniaxial {
    /// 0 = stretched along x, 1 = along y.
    pub axis: usize,
    /// Displacement of every node (2N: x0, y0, x1, …) for ε = 1.
    pub u: Vec<f64>,
    /// Transverse strain (per unit applied strain).
    pub transverse: f64,
    /// −transverse: ν_x or ν_y.
    pub nu: f64,
    /// Elastic energy ½ uᵀHu at ε = 1.
    pub energy: f64,
    /// Total force on the upper grip along the axis.
    pub force: f64,
    /// Young's modulus 2U/(ε² A), A = grip separation × gauge separation.
    pub young: f64,
    /// Homogeneous strain (ε_xx, ε_yy, ε_xy) for periodic networks (the u are then non-affine).
    pub strain: Option<[f64; 3]>,
}

/// Linear response to uniaxial strain along `axis`.
pub fn uniaxial(net: &SpringNetwork, axis: usize) -> Result<Uniaxial, String> {
    if net.periodic.is_some() {
        return uniaxial_periodic(net, axis);
    }
    let (lo, hi, glo, ghi) = grips(net, axis)?;
    let n2 = 2 * net.n();
    let centre = mean_of(lo, |i| net.pos[i][axis]) * 0.5 + mean_of(hi, |i| net.pos[i][axis]) * 0.5;
    let mut fixed: Vec<(usize, f64)> = lo
        .iter()
        .chain(hi)
        .map(|&i| (2 * i + axis, net.pos[i][axis] - centre))
        .collect();
    fixed.push((2 * lo[0] + (1 - axis), 0.0));
    let trips = hessian_triplets(net, None);
    let u = solve_constrained(n2, &trips, &fixed, None, true)?;
    let transverse = gauge_strain(net, &u, glo, ghi, 1 - axis);
    let hu = apply_hessian(net, &u);
    let energy = 0.5 * u.iter().zip(&hu).map(|(a, b)| a * b).sum::<f64>();
    let force = hi.iter().map(|&i| hu[2 * i + axis]).sum();
    let w = mean_of(hi, |i| net.pos[i][axis]) - mean_of(lo, |i| net.pos[i][axis]);
    let h = mean_of(ghi, |i| net.pos[i][1 - axis]) - mean_of(glo, |i| net.pos[i][1 - axis]);
    Ok(Uniaxial {
        axis,
        u,
        transverse,
        nu: -transverse,
        energy,
        force,
        young: 2.0 * energy / (w * h).abs(),
        strain: None,
    })
}

/// Affine strain rows A_b = ℓ(n_x², n_y², 2 n_x n_y) and affine forces Ξ (2N×3).
fn affine_parts(net: &SpringNetwork) -> (Vec<(usize, [f64; 3])>, Vec<[f64; 3]>) {
    let n2 = 2 * net.n();
    let mut xi = vec![[0.0; 3]; n2];
    let mut rows = Vec::new();
    for (b, n, l) in bond_geometry(net, None) {
        let bd = &net.bonds[b];
        let a = [l * n[0] * n[0], l * n[1] * n[1], 2.0 * l * n[0] * n[1]];
        for c in 0..2 {
            for m in 0..3 {
                xi[2 * bd.j + c][m] += bd.k * n[c] * a[m];
                xi[2 * bd.i + c][m] -= bd.k * n[c] * a[m];
            }
        }
        rows.push((b, a));
    }
    (rows, xi)
}

/// Non-affine displacements of a periodic network under homogeneous strains: column m solves
/// H u = −Ξ_m (node 0 pinned against the two translations).
fn nonaffine(net: &SpringNetwork, xi: &[[f64; 3]]) -> Result<[Vec<f64>; 3], String> {
    let n2 = 2 * net.n();
    let trips = hessian_triplets(net, None);
    let fixed = [(0usize, 0.0), (1usize, 0.0)];
    let mut out: [Vec<f64>; 3] = Default::default();
    for m in 0..3 {
        let load: Vec<f64> = xi.iter().map(|x| -x[m]).collect();
        out[m] = solve_constrained(n2, &trips, &fixed, Some(&load), true)?;
    }
    Ok(out)
}

/// Relaxed response of a periodic network to homogeneous strain: the elastic constants C
/// (energy density W = ½ eᵀ C e, e = (ε_xx, ε_yy, ε_xy)) and the non-affine displacements of
/// each unit strain component (three sparse solves, shared by C and the uniaxial responses).
struct PeriodicResponse {
    c: [[f64; 3]; 3],
    nonaffine: [Vec<f64>; 3],
}

fn periodic_response(net: &SpringNetwork) -> Result<PeriodicResponse, String> {
    let [lx, ly] = net.periodic.ok_or(
        "elastic constants need a periodic network (open networks: use the uniaxial tests)",
    )?;
    let (rows, xi) = affine_parts(net);
    let mut m = [[0.0; 3]; 3];
    for (b, a) in &rows {
        let k = net.bonds[*b].k;
        for p in 0..3 {
            for q in 0..3 {
                m[p][q] += k * a[p] * a[q];
            }
        }
    }
    let u = nonaffine(net, &xi)?;
    // M −= Ξᵀ H⁺ Ξ = −Ξᵀ u (u = −H⁺Ξ)
    for p in 0..3 {
        for q in 0..3 {
            let s: f64 = (0..xi.len()).map(|d| xi[d][p] * u[q][d]).sum();
            m[p][q] += s;
        }
    }
    let v = lx * ly;
    Ok(PeriodicResponse {
        c: m.map(|r| r.map(|x| x / v)),
        nonaffine: u,
    })
}

/// Elastic constants of a periodic network: the 3×3 matrix C with energy density
/// W = ½ eᵀ C e, e = (ε_xx, ε_yy, ε_xy), after non-affine relaxation.
pub fn elastic_tensor(net: &SpringNetwork) -> Result<[[f64; 3]; 3], String> {
    Ok(periodic_response(net)?.c)
}

/// Strain (ε_xx, ε_yy, ε_xy) of unit uniaxial stress along `axis`: ε_axis = 1, the other two
/// components stress-free.
fn uniaxial_stress_strain(c: &[[f64; 3]; 3], axis: usize) -> Result<[f64; 3], String> {
    let o = 1 - axis;
    // unknowns e_o and e_xy: rows o and 2 of C e = 0
    let (a11, a12, a21, a22) = (c[o][o], c[o][2], c[2][o], c[2][2]);
    let (b1, b2) = (-c[o][axis], -c[2][axis]);
    let det = a11 * a22 - a12 * a21;
    if det.abs() < 1e-14 * (a11.abs() + a22.abs()).max(1e-300).powi(2) {
        return Err("the elastic tensor is singular: the network is floppy".into());
    }
    let eo = (b1 * a22 - a12 * b2) / det;
    let exy = (a11 * b2 - a21 * b1) / det;
    let mut e = [0.0; 3];
    e[axis] = 1.0;
    e[o] = eo;
    e[2] = exy;
    Ok(e)
}

fn uniaxial_periodic(net: &SpringNetwork, axis: usize) -> Result<Uniaxial, String> {
    uniaxial_from(net, &periodic_response(net)?, axis)
}

fn uniaxial_from(
    net: &SpringNetwork,
    pr: &PeriodicResponse,
    axis: usize,
) -> Result<Uniaxial, String> {
    let c = &pr.c;
    let e = uniaxial_stress_strain(c, axis)?;
    let un = &pr.nonaffine;
    let u: Vec<f64> = (0..un[0].len())
        .map(|d| (0..3).map(|m| e[m] * un[m][d]).sum())
        .collect();
    let w: f64 = (0..3)
        .map(|p| (0..3).map(|q| e[p] * c[p][q] * e[q]).sum::<f64>())
        .sum::<f64>()
        * 0.5;
    let [lx, ly] = net.periodic.unwrap_or([1.0, 1.0]);
    let stress: f64 = (0..3).map(|q| c[axis][q] * e[q]).sum();
    Ok(Uniaxial {
        axis,
        u,
        transverse: e[1 - axis],
        nu: -e[1 - axis],
        energy: w * lx * ly,
        force: stress * if axis == 0 { ly } else { lx },
        young: 2.0 * w,
        strain: Some(e),
    })
}

/// Poisson's ratios and moduli of a network.
#[derive(Clone, Debug)]
pub struct Elasticity {
    pub nu_x: f64,
    pub nu_y: f64,
    pub nu: f64,
    pub young_x: f64,
    pub young_y: f64,
    /// Bulk and shear moduli: exact for periodic networks (from the elastic tensor; shear is the
    /// mean of the pure- and simple-shear moduli); for open networks the isotropic estimates
    /// B = E/(2(1 − ν)), G = E/(2(1 + ν)) from the uniaxial tests.
    pub bulk: f64,
    pub shear: f64,
    pub x: Uniaxial,
    pub y: Uniaxial,
}

/// ν_x, ν_y, ν = (ν_x + ν_y)/2 and the moduli (the x and y solves run in parallel).
pub fn elasticity(net: &SpringNetwork) -> Result<Elasticity, String> {
    // periodic: one relaxed response gives both directions and the moduli
    let periodic = match net.periodic {
        Some(_) => Some(periodic_response(net)?),
        None => None,
    };
    let (x, y) = match &periodic {
        Some(pr) => (uniaxial_from(net, pr, 0)?, uniaxial_from(net, pr, 1)?),
        None => {
            let (x, y) = rayon::join(|| uniaxial(net, 0), || uniaxial(net, 1));
            (x?, y?)
        }
    };
    let nu = 0.5 * (x.nu + y.nu);
    let (bulk, shear) = match &periodic {
        Some(pr) => {
            let c = &pr.c;
            let b = (c[0][0] + c[1][1] + 2.0 * c[0][1]) / 4.0;
            let g_pure = (c[0][0] + c[1][1] - 2.0 * c[0][1]) / 4.0;
            let g_simple = c[2][2] / 4.0;
            (b, 0.5 * (g_pure + g_simple))
        }
        None => {
            let e = 0.5 * (x.young + y.young);
            (e / (2.0 * (1.0 - nu)), e / (2.0 * (1.0 + nu)))
        }
    };
    Ok(Elasticity {
        nu_x: x.nu,
        nu_y: y.nu,
        nu,
        young_x: x.young,
        young_y: y.young,
        bulk,
        shear,
        x,
        y,
    })
}

/// Poisson's ratio ν = (ν_x + ν_y)/2 only.
pub fn poisson_ratio(net: &SpringNetwork) -> Result<f64, String> {
    if net.periodic.is_some() {
        return Ok(elasticity(net)?.nu);
    }
    let (x, y) = rayon::join(|| uniaxial(net, 0), || uniaxial(net, 1));
    Ok(0.5 * (x?.nu + y?.nu))
}

/// Length change of every active bond under a response (per unit strain), in active-bond order.
pub fn elongations(net: &SpringNetwork, r: &Uniaxial) -> Vec<f64> {
    let (rows, _) = if r.strain.is_some() {
        affine_parts(net)
    } else {
        (Vec::new(), Vec::new())
    };
    bond_geometry(net, None)
        .iter()
        .enumerate()
        .map(|(k, &(b, n, _))| {
            let bd = &net.bonds[b];
            let u = &r.u;
            let mut dl =
                n[0] * (u[2 * bd.j] - u[2 * bd.i]) + n[1] * (u[2 * bd.j + 1] - u[2 * bd.i + 1]);
            if let Some(e) = r.strain {
                dl += (0..3).map(|m| rows[k].1[m] * e[m]).sum::<f64>();
            }
            dl
        })
        .collect()
}

/// Transverse strain of an open network under a finite uniaxial strain `eps`, by minimising the
/// full nonlinear spring energy U = ½ Σ k (ℓ − ℓ₀)² with Newton's method (tangent stiffness with
/// the tension term), starting from the linear response. Used to check the linear theory.
pub fn uniaxial_finite(net: &SpringNetwork, axis: usize, eps: f64) -> Result<f64, String> {
    if net.periodic.is_some() {
        return Err("finite-strain tests are implemented for open networks".into());
    }
    let lin = uniaxial(net, axis)?;
    let (lo, hi, glo, ghi) = grips(net, axis)?;
    let n = net.n();
    let mut u: Vec<f64> = lin.u.iter().map(|v| v * eps).collect();
    let mut fixed: Vec<(usize, f64)> = lo
        .iter()
        .chain(hi)
        .map(|&i| (2 * i + axis, u[2 * i + axis]))
        .collect();
    fixed.push((2 * lo[0] + (1 - axis), u[2 * lo[0] + (1 - axis)]));
    let mut fixed_mask = vec![false; 2 * n];
    for &(d, _) in &fixed {
        fixed_mask[d] = true;
    }
    for _ in 0..30 {
        let pos: Vec<[f64; 2]> = (0..n)
            .map(|i| [net.pos[i][0] + u[2 * i], net.pos[i][1] + u[2 * i + 1]])
            .collect();
        // gradient of U
        let mut g = vec![0.0; 2 * n];
        for (b, nh, l) in bond_geometry(net, Some(&pos)) {
            let bd = &net.bonds[b];
            let t = bd.k * (l - bd.rest);
            for c in 0..2 {
                g[2 * bd.j + c] += t * nh[c];
                g[2 * bd.i + c] -= t * nh[c];
            }
        }
        let gmax = (0..2 * n)
            .filter(|&d| !fixed_mask[d])
            .map(|d| g[d].abs())
            .fold(0.0, f64::max);
        if gmax < 1e-15 {
            break;
        }
        let trips = hessian_triplets(net, Some(&pos));
        let zero: Vec<(usize, f64)> = fixed.iter().map(|&(d, _)| (d, 0.0)).collect();
        let load: Vec<f64> = g.iter().map(|v| -v).collect();
        let du = solve_constrained(2 * n, &trips, &zero, Some(&load), false)?;
        for d in 0..2 * n {
            u[d] += du[d];
        }
    }
    Ok(gauge_strain(net, &u, glo, ghi, 1 - axis))
}

/// Normal modes of the dynamical matrix and the projection of the response on them (seed 004
/// Eq. 1): |δr⟩ = Σ C_i |ω_i⟩ with the rigid-body part removed and |δr⟩ normalised.
#[derive(Clone, Debug)]
pub struct ModeAnalysis {
    /// Frequencies ω_i = √λ_i (unit masses), ascending; 2N of them.
    pub omega: Vec<f64>,
    /// |C_i|² averaged over the x and y stretching responses; Σ = 1.
    pub weights: Vec<f64>,
    pub weights_x: Vec<f64>,
    pub weights_y: Vec<f64>,
    /// Each mode's effective Poisson's ratio ν′ (mode vector read as a displacement).
    pub nu_prime: Vec<f64>,
    /// Number of zero modes (λ < 1e-9 λ_max).
    pub zero_modes: usize,
    /// Indices of the two highest-weight modes.
    pub top: [usize; 2],
    /// ν̄′ = |C₁|² ν′₁ + |C₂|² ν′₂ over the two highest-weight modes.
    pub nu_bar: f64,
    /// The network's Poisson's ratio ν = (ν_x + ν_y)/2 from the same responses.
    pub nu: f64,
    /// The full eigenvectors (2N×2N, column i ↔ omega[i]).
    pub vectors: Mat<f64>,
}

/// Effective Poisson's ratio of a displacement field read on the edge sets: the strain along the
/// dominant axis is the longitudinal one, so |ν′| ≤ 1 for any mode.
fn effective_nu(net: &SpringNetwork, v: &[f64]) -> f64 {
    let s = &net.sides;
    let exx = gauge_strain(net, v, &s[0], &s[1], 0);
    let eyy = gauge_strain(net, v, &s[2], &s[3], 1);
    if exx.abs() >= eyy.abs() {
        if exx == 0.0 {
            0.0
        } else {
            -eyy / exx
        }
    } else {
        -exx / eyy
    }
}

/// Mode analysis of an open network (dense eigensolver: 2N up to a few thousand).
pub fn modes(net: &SpringNetwork) -> Result<ModeAnalysis, String> {
    if net.periodic.is_some() {
        return Err(
            "mode projections are implemented for open networks (the seed-004 setting)".into(),
        );
    }
    let el = elasticity(net)?;
    let h = dynamical_matrix(net);
    let spec = crate::linalg::eigh_dense(&h)?;
    let n2 = h.nrows();
    let lmax = spec.values.iter().cloned().fold(0.0, f64::max);
    let zero: Vec<bool> = spec.values.iter().map(|&l| l < 1e-9 * lmax).collect();
    let project = |u: &[f64]| -> Vec<f64> {
        let mut c: Vec<f64> = (0..n2)
            .map(|m| {
                if zero[m] {
                    0.0
                } else {
                    (0..n2).map(|d| spec.vectors[(d, m)] * u[d]).sum()
                }
            })
            .collect();
        let norm: f64 = c.iter().map(|x| x * x).sum();
        if norm > 0.0 {
            c.iter_mut().for_each(|x| *x = *x * *x / norm);
        }
        c
    };
    let wx = project(&el.x.u);
    let wy = project(&el.y.u);
    let weights: Vec<f64> = wx.iter().zip(&wy).map(|(a, b)| 0.5 * (a + b)).collect();
    let nu_prime: Vec<f64> = (0..n2)
        .map(|m| {
            let v: Vec<f64> = (0..n2).map(|d| spec.vectors[(d, m)]).collect();
            effective_nu(net, &v)
        })
        .collect();
    let mut order: Vec<usize> = (0..n2).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]));
    let top = [order[0], order[1.min(n2 - 1)]];
    let nu_bar = top.iter().map(|&m| weights[m] * nu_prime[m]).sum();
    Ok(ModeAnalysis {
        omega: spec.values.iter().map(|&l| l.max(0.0).sqrt()).collect(),
        weights,
        weights_x: wx,
        weights_y: wy,
        nu_prime,
        zero_modes: zero.iter().filter(|&&z| z).count(),
        top,
        nu_bar,
        nu: el.nu,
        vectors: spec.vectors,
    })
}
