//! rhai API of seed 000 (Yu, Piao & Park 2020): the parallel data sets `localization_dataset`,
//! `localization_of` (mode areas of generated structures) and `attack_robustness`, built on the
//! generic lattice displacements, exponential-hopping Hamiltonian, `eigh` and mode areas.

use crate::args::{check_alloc, count, err, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::arr_like;
use crate::lattice::Lattice;
use crate::linalg::eigh_dense_par;
use crate::progress::par_realizations;
use crate::tightbinding::exp_hopping_dense;
use crate::tightbinding::measures::mode_areas;
use rhai::{Dynamic, Engine, Map};

fn count_arg(v: &Dynamic, f: &str) -> Res<usize> {
    count(v, f, "count", 1, 100_000_000)
}

fn localization_dataset(count: Dynamic, m: Map) -> Res<Map> {
    let f = "localization_dataset";
    let o = Opts::new(
        m,
        f,
        &[
            "L",
            "rho_max",
            "sigma_max",
            "t0",
            "alpha",
            "eps",
            "seed",
            "order",
        ],
    )?;
    let count = count_arg(&count, f)?;
    let l = o.count_or("L", 16, 2, 64)?;
    let (rho_max, sigma_max) = (o.f64_or("rho_max", 0.6)?, o.f64_or("sigma_max", 0.6)?);
    let (t0, alpha, eps) = (
        o.f64_or("t0", 3.14e-2)?,
        o.f64_or("alpha", 1.1454)?,
        o.f64_or("eps", 1.0)?,
    );
    let sorted = o.choice_or("order", "ascending", &["ascending", "energy"])? == "ascending";
    let seed = o.seed()?;
    let n = l * l;
    check_alloc(f, "the data set", (count as u128) * (3 * n as u128 + 3), 8)?;
    use rand::Rng;
    let rows = par_realizations(count, f, |i| {
        let mut rng = crate::rng::stream(seed, i as u64);
        // Per realization ρ = ρ_max·U(0,1), σ = σ_max·U(0,1) (seed 000, Methods).
        let rho = rho_max * rng.random::<f64>();
        let sigma = sigma_max * rng.random::<f64>();
        let d = Lattice::ring_displacements(n, rho, sigma, &mut rng);
        let w = mode_areas_of(&d, l, eps, t0, alpha, sorted)?;
        Ok((d, w, rho, sigma))
    })?;
    let mut dr = Vec::with_capacity(count * 2 * n);
    let mut ws = Vec::with_capacity(count * n);
    let (mut wavg, mut rhos, mut sigmas) = (vec![], vec![], vec![]);
    for (d, w, rho, sigma) in rows {
        dr.extend(d.iter().map(|v| v[0]));
        dr.extend(d.iter().map(|v| v[1]));
        wavg.push(w.iter().sum::<f64>() / n as f64);
        ws.extend(w);
        rhos.push(rho);
        sigmas.push(sigma);
    }
    let mut out = Map::new();
    out.insert(
        "displacements".into(),
        Dynamic::from(NdArray::from_shape(&[count, 2, l, l], dr)?),
    );
    out.insert(
        "mode_areas".into(),
        Dynamic::from(NdArray::from_shape(&[count, 1, l, l], ws)?),
    );
    out.insert("w_avg".into(), Dynamic::from(NdArray::from_vec(wavg)));
    out.insert("rho".into(), Dynamic::from(NdArray::from_vec(rhos)));
    out.insert("sigma".into(), Dynamic::from(NdArray::from_vec(sigmas)));
    Ok(out)
}

/// Displacements as (count, L, per-sample [Δx, Δy] per site) from an n×2×L×L (or 2×L×L) array.
fn displacement_arg(v: &Dynamic, f: &str) -> Res<(usize, usize, Vec<Vec<[f64; 2]>>)> {
    let a = arr_like(v, f, "displacements")?;
    let s = a.shape().to_vec();
    let (n, l) = match s.as_slice() {
        [n, 2, l, l2] if l == l2 => (*n, *l),
        [2, l, l2] if l == l2 => (1, *l),
        _ => {
            return err(format!(
                "{f}: displacements must be n×2×L×L or 2×L×L, got {s:?}"
            ))
        }
    };
    let d = a.as_slice_or_vec();
    if d.iter().any(|x| !x.is_finite()) {
        return err(format!("{f}: displacements hold NaN or infinite values"));
    }
    let per = 2 * l * l;
    Ok((
        n,
        l,
        (0..n)
            .map(|k| {
                (0..l * l)
                    .map(|j| [d[k * per + j], d[k * per + l * l + j]])
                    .collect()
            })
            .collect(),
    ))
}

/// Sorted (or energy-ordered) mode areas of the seed-000 Hamiltonian for displacements `d` on
/// an open L×L lattice (site s = (ix, iy) with ix = s / L, iy = s % L, at (ix, iy) + Δr_s).
/// Called once per realization inside a parallel loop, so the eigensolver itself runs sequentially.
pub fn mode_areas_of(
    d: &[[f64; 2]],
    l: usize,
    eps: f64,
    t0: f64,
    alpha: f64,
    sorted: bool,
) -> Result<Vec<f64>, String> {
    let pos: Vec<[f64; 2]> = (0..l * l)
        .map(|s| [(s / l) as f64 + d[s][0], (s % l) as f64 + d[s][1]])
        .collect();
    let spec = eigh_dense_par(&exp_hopping_dense(&pos, eps, t0, alpha), faer::Par::Seq)?;
    let mut w = mode_areas(&spec.vectors);
    if sorted {
        w.sort_by(|a, b| a.total_cmp(b));
    }
    Ok(w)
}

/// Register seed 000's functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "localization_dataset", &["count: int", "opts: map", "map"], "Seed 000 data in parallel: per realization, Eq. 5 displacements on an open L×L square lattice (ρ = ρ_max·U, σ = σ_max·U), dense H with t0·e^(−αd) hopping, eigh, mode areas. opts L (16), rho_max, sigma_max (0.6), t0 (3.14e-2), alpha (1.1454), eps (1), order, seed. Returns #{displacements: count×2×L×L, mode_areas: count×1×L×L (sorted), w_avg, rho, sigma}.", localization_dataset);
    reg(engine, "localization_of", &["displacements: ndarray", "opts: map", "map"], "Seed-000 mode areas of given structures (n×2×L×L displacement images, e.g. generated by a network), in parallel: opts t0, alpha, eps, order. Returns #{mode_areas: n×L², w_avg: n}.", |d: Dynamic, m: Map| -> Res<Map> {
        let f = "localization_of";
        let o = Opts::new(m, f, &["t0", "alpha", "eps", "order"])?;
        let (n, l, disp) = displacement_arg(&d, f)?;
        let (t0, alpha, eps) = (o.f64_or("t0", 3.14e-2)?, o.f64_or("alpha", 1.1454)?, o.f64_or("eps", 1.0)?);
        let sorted = o.choice_or("order", "ascending", &["ascending", "energy"])? == "ascending";
        let rows = par_realizations(n, f, |k| mode_areas_of(&disp[k], l, eps, t0, alpha, sorted))?;
        let wavg: Vec<f64> = rows.iter().map(|w| w.iter().sum::<f64>() / w.len() as f64).collect();
        let mut out = Map::new();
        out.insert("mode_areas".into(), Dynamic::from(NdArray::from_2d(n, l * l, rows.concat())?));
        out.insert("w_avg".into(), Dynamic::from(NdArray::from_vec(wavg)));
        Ok(out)
    });
    reg(engine, "attack_robustness", &["displacements: ndarray", "rho: float", "opts: map", "map"], "Seed-000 single-atom attack: displace each atom in turn by rho in a random direction and recompute the sorted mode areas (in parallel). opts t0, alpha, eps, seed. Returns #{per_atom: L×L mean |Δw_m| (the normalised-error map), per_mode: mean |Δw_m| over atoms, mean}. Cost: L² dense eigenproblems of n = L²: L = 16 (the paper's) takes about a second on 2 cores, L = 24 twelve.", |d: Dynamic, rho: Dynamic, m: Map| -> Res<Map> {
        let f = "attack_robustness";
        let o = Opts::new(m, f, &["t0", "alpha", "eps", "seed"])?;
        let (n, l, disp) = displacement_arg(&d, f)?;
        if n != 1 {
            return err(format!("{f}: give one structure (2×L×L), got {n}"));
        }
        let rho = crate::args::positive(&rho, f, "rho")?;
        let (t0, alpha, eps) = (o.f64_or("t0", 3.14e-2)?, o.f64_or("alpha", 1.1454)?, o.f64_or("eps", 1.0)?);
        let seed = o.seed()?;
        let base = mode_areas_of(&disp[0], l, eps, t0, alpha, true).map_err(|e| format!("{f}: {e}"))?;
        use rand::Rng;
        let rows = par_realizations(l * l, f, |a| {
            let mut rng = crate::rng::stream(seed, a as u64);
            let th: f64 = rng.random_range(0.0..std::f64::consts::TAU);
            let mut dd = disp[0].clone();
            dd[a][0] += rho * th.cos();
            dd[a][1] += rho * th.sin();
            let w = mode_areas_of(&dd, l, eps, t0, alpha, true)?;
            Ok(w.iter().zip(&base).map(|(x, y)| (x - y).abs()).collect::<Vec<f64>>())
        })?;
        let nm = l * l;
        let per_atom: Vec<f64> = rows.iter().map(|r| r.iter().sum::<f64>() / nm as f64).collect();
        let per_mode: Vec<f64> = (0..nm).map(|m| rows.iter().map(|r| r[m]).sum::<f64>() / rows.len() as f64).collect();
        let mean = per_atom.iter().sum::<f64>() / per_atom.len() as f64;
        let mut out = Map::new();
        // atom a sits at (a / L, a % L): row = a / L, so the L×L map reads like the lattice
        out.insert("per_atom".into(), Dynamic::from(NdArray::from_2d(l, l, per_atom)?));
        out.insert("per_mode".into(), Dynamic::from(NdArray::from_vec(per_mode)));
        out.insert("mean".into(), Dynamic::from_float(mean));
        Ok(out)
    });
}
