//! rhai API of tight-binding: `hamiltonian`, `eigh`, `eigvalsh`, `eigs_near`, spectra and the
//! measures `mode_area`, `ipr`, `participation_ratio`, `level_spacing_ratio`, `dos`; the batch
//! generator `anderson_level_ratio` (3D Anderson). Seed 000's data sets are in
//! `studies::yu2020`.

use super::field::{image_of, Field, Gauge};
use super::measures::{central_levels, iprs, mode_areas, spacing_ratios};
use super::{build, Hopping, Operator};
use crate::args::{check_alloc, count, err, finite, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::{arr_like, vec_arg};
use crate::lattice::Lattice;
use crate::linalg::{
    eigh_dense, eigs_near, eigvalsh_dense, residuals, HermitianOperator, Spectrum,
};
use faer::{c64, Mat};
use rand::SeedableRng;
use rhai::{Dynamic, Engine, FnPtr, Map, NativeCallContext, INT};

fn mat_to_nd(m: &Mat<f64>) -> NdArray {
    let (r, c) = (m.nrows(), m.ncols());
    let mut v = Vec::with_capacity(r * c);
    for i in 0..r {
        for j in 0..c {
            v.push(m[(i, j)]);
        }
    }
    NdArray::from_2d(r, c, v).unwrap_or_else(|_| NdArray::from_vec(vec![]))
}

/// An operator from a script value: an `operator`, or a square symmetric ndarray.
/// The operator argument (an operator, or a square symmetric matrix), taken over without a copy.
/// The operator of a KPM function and its number of physical sites: a complex Hermitian H runs as
/// its real embedding [[Re H, −Im H], [Im H, Re H]] (2n rows, every level twice, so densities per
/// row are H's per site, and the first n unit vectors are H's sites), about twice the cost of a
/// native complex product.
fn kpm_operator_arg(v: Dynamic, func: &str) -> Res<(Operator, usize)> {
    if let Some(h) = v.clone().try_cast::<crate::linalg::HermitianOperator>() {
        let m = crate::linalg::hermitian::real_embedding(&h).map_err(|e| format!("{func}: {e}"))?;
        return Ok((m, h.n()));
    }
    let h = operator_arg(v, func)?;
    let n = h.n();
    Ok((h, n))
}

fn operator_arg(v: Dynamic, func: &str) -> Res<Operator> {
    if v.is::<crate::linalg::HermitianOperator>() {
        return err(format!(
            "{func}: this function takes real symmetric operators; a complex Hermitian one \
             (from a field or complex hoppings) is not supported here yet (eigh, eigvalsh, \
             matvec, residuals, the localization measures and kpm_dos, kpm_ldos, kpm_greens and \
             kpm_typical_dos take it)"
        ));
    }
    if v.is::<Operator>() {
        return v
            .try_cast::<Operator>()
            .ok_or_else(|| format!("{func}: argument 'H' is not an operator").into());
    }
    let v = &v;
    let a = arr_like(v, func, "H")?;
    let s = a.shape();
    if a.ndim() != 2 || s[0] != s[1] {
        return err(format!("{func}: matrix not square ({:?})", s));
    }
    let n = s[0];
    let d = a.as_slice_or_vec();
    // the first asymmetric pair in row order, read in 64×64 tiles (a row-by-column scan of a
    // 1000² matrix misses the cache on every read of the column)
    const TILE: usize = 64;
    let mut first: Option<(usize, usize)> = None;
    for ib in (0..n).step_by(TILE) {
        for jb in (0..=ib).step_by(TILE) {
            for i in ib..(ib + TILE).min(n) {
                for j in jb..(jb + TILE).min(i) {
                    let (x, y) = (d[i * n + j], d[j * n + i]);
                    if (!x.is_finite() || (x - y).abs() > 1e-10 * (1.0 + x.abs().max(y.abs())))
                        && first.is_none_or(|f| (i, j) < f)
                    {
                        first = Some((i, j));
                    }
                }
            }
        }
    }
    if let Some((i, j)) = first {
        let (x, y) = (d[i * n + j], d[j * n + i]);
        if !(x.is_finite() && y.is_finite()) {
            return err(format!(
                "{func}: matrix element ({i}, {j}) is not finite: {x} (and ({j}, {i}) is {y})"
            ));
        }
        return err(format!(
            "{func}: matrix is not symmetric at ({i}, {j}): {x} vs {y}"
        ));
    }
    if let Some(i) = (0..n).find(|&i| !d[i * n + i].is_finite()) {
        return err(format!("{func}: diagonal element {i} is not finite"));
    }
    Ok(Operator::Dense(
        faer::MatRef::from_row_major_slice(&d, n, n).to_owned(),
    ))
}

fn hamiltonian(ctx: NativeCallContext, lat: &mut Lattice, m: Map) -> Res<Dynamic> {
    hamiltonian_with(&ctx, lat, m)
}

fn hamiltonian_with(ctx: &NativeCallContext, lat: &mut Lattice, m: Map) -> Res<Dynamic> {
    let f = "hamiltonian";
    let o = Opts::new(
        m,
        f,
        &[
            "onsite", "hopping", "t2", "cutoff", "format", "flux", "gauge", "params", "orbitals",
        ],
    )?;
    let orbitals = o.count_or("orbitals", 1, 1, 64)?;
    let field = match o.get("flux") {
        None => None,
        Some(v) => {
            let flux = crate::args::finite(v, f, "opts.flux")?;
            let gauge = match o
                .choice_or("gauge", "landau", &["landau", "symmetric"])?
                .as_str()
            {
                "landau" => Gauge::Landau,
                _ => Gauge::Symmetric,
            };
            Some(Field::new(lat, flux, gauge).map_err(|e| format!("{f}: {e}"))?)
        }
    };
    if field.is_none() && o.get("gauge").is_some() {
        return err("hamiltonian: option 'gauge' needs 'flux'");
    }
    let params = match o.get("params") {
        None => Dynamic::from_map(Map::new()),
        Some(v) if v.is_map() => v.clone(),
        Some(v) => {
            return err(format!(
                "hamiltonian: option 'params' must be a map, got {}",
                v.type_name()
            ))
        }
    };
    let n = lat.len();
    let format = o.choice_or("format", "auto", &["auto", "dense", "sparse"])?;
    // hoppings and on-site energies as functions of the sites: |r_i, r_j| and |r| closures
    let hop_fn = o
        .get("hopping")
        .filter(|v| v.is_fnptr())
        .map(|v| v.clone().cast::<FnPtr>());
    let site_pairs = match &hop_fn {
        Some(fp) => crate::args::closure_arity(ctx, fp).is_some_and(|k| k >= 2),
        None => false,
    };
    let onsite_fn = o
        .get("onsite")
        .filter(|v| v.is_fnptr())
        .map(|v| v.clone().cast::<FnPtr>());
    // a k×k matrix given for every site or every bond (spin, orbitals)
    let is_matrix = |v: Option<&Dynamic>| {
        v.is_some_and(|v| {
            v.is::<crate::array::complex::CArray>()
                || v.read_lock::<NdArray>().is_some_and(|a| a.ndim() == 2)
        })
    };
    let onsite_matrix = is_matrix(o.get("onsite"));
    let hopping_matrix = is_matrix(o.get("hopping"));
    if site_pairs
        || onsite_fn.is_some()
        || field.is_some()
        || orbitals > 1
        || onsite_matrix
        || hopping_matrix
    {
        let cutoff = match o.get("cutoff") {
            Some(v) => Some(crate::args::positive(v, f, "opts.cutoff")?),
            None => None,
        };
        // the real operator of the distance-based options, to which closures and field apply
        let base = if site_pairs || hopping_matrix {
            None
        } else {
            let mut plain = Map::new();
            let keys: &[&str] = if onsite_fn.is_some() || onsite_matrix {
                &["hopping", "t2", "cutoff"]
            } else {
                &["onsite", "hopping", "t2", "cutoff"]
            };
            for &k in keys {
                if let Some(v) = o.get(k) {
                    plain.insert(k.into(), v.clone());
                }
            }
            plain.insert("format".into(), Dynamic::from("sparse"));
            Some(hamiltonian_with(ctx, lat, plain)?.cast::<Operator>())
        };
        return site_hamiltonian(
            ctx,
            lat,
            &o,
            SiteTerms {
                base,
                hop_fn: if site_pairs { hop_fn } else { None },
                onsite_fn,
                params,
                field,
                cutoff,
                dense: format == "dense",
                orbitals,
            },
        );
    }
    let onsite: Vec<f64> = match o.get("onsite") {
        None => vec![0.0; n],
        Some(v) if v.is_float() || v.is_int() => vec![finite(v, f, "opts.onsite")?; n],
        Some(v) => {
            let e = vec_arg(v, f, "opts.onsite")?;
            if e.len() != n {
                return err(format!(
                    "hamiltonian: onsite has {} values for {n} sites",
                    e.len()
                ));
            }
            e
        }
    };
    let dense = match format.as_str() {
        "dense" => Some(true),
        "sparse" => Some(false),
        _ => None,
    };
    let cutoff = o.f64_or("cutoff", f64::INFINITY)?;
    if cutoff <= 0.0 {
        return err("hamiltonian: cutoff must be > 0");
    }
    let t2 = o.f64_or("t2", 0.0)?;
    let hop = match o.get("hopping") {
        None => Hopping::Shells { t1: -1.0, t2 },
        Some(v) if v.is_float() || v.is_int() => Hopping::Shells {
            t1: finite(v, f, "opts.hopping")?,
            t2,
        },
        Some(v) if v.is_fnptr() => {
            // A script closure t(d): evaluated for every pair within the cutoff (slower).
            let fp: FnPtr = v.clone().cast();
            let want_dense = dense.unwrap_or(cutoff.is_infinite());
            if want_dense {
                check_alloc(
                    f,
                    &format!("a dense {n}×{n} matrix (use format: \"sparse\" with a cutoff)"),
                    (n * n) as u128,
                    8,
                )?;
            }
            let diag = onsite.clone();
            let mut off = Vec::new();
            for i in 0..n {
                for j in i + 1..n {
                    let d = lat.distance(i, j);
                    if d <= cutoff {
                        let t = fp.call_within_context::<Dynamic>(ctx, (d,)).map_err(|e| {
                            format!("hamiltonian: the hopping closure failed at d = {d}: {e}")
                        })?;
                        let t = crate::args::num(&t, f, "hopping(d)")?;
                        if t != 0.0 {
                            off.push((i, j, t));
                        }
                    }
                }
                crate::progress::check_interrupt(f)?;
            }
            let op = Operator::from_pairs(n, &diag, &off).map_err(|e| format!("{f}: {e}"))?;
            return Ok(Dynamic::from(if want_dense {
                Operator::Dense(op.to_dense())
            } else {
                op
            }));
        }
        Some(v) => {
            let hm: Map = v.clone().try_cast().ok_or_else(|| format!("hamiltonian: option 'hopping' must be a number, a map #{{kind: \"exp\", t0, alpha}} or a closure |d| ..., got {}", v.type_name()))?;
            let ho = Opts::new(
                hm,
                "hamiltonian (hopping)",
                &["kind", "t0", "alpha", "p", "cutoff"],
            )?;
            let cut = ho.f64_or("cutoff", cutoff)?;
            match ho.choice_or("kind", "exp", &["exp", "power"])?.as_str() {
                "exp" => Hopping::Exp {
                    t0: ho.f64_or("t0", 3.14e-2)?,
                    alpha: ho.f64_or("alpha", 1.1454)?,
                    cutoff: cut,
                },
                _ => Hopping::Power {
                    t0: ho.f64_or("t0", 1.0)?,
                    p: ho.f64_or("p", 3.0)?,
                    cutoff: cut,
                },
            }
        }
    };
    let all_pairs = matches!(hop, Hopping::Exp { cutoff, .. } | Hopping::Power { cutoff, .. } if cutoff.is_infinite());
    if dense.unwrap_or(all_pairs) {
        check_alloc(f, &format!("a dense {n}×{n} matrix (use format: \"sparse\", with a cutoff for distance hopping)"), (n as u128) * (n as u128), 8)?;
    }
    build(lat, &onsite, &hop, dense)
        .map(Dynamic::from)
        .map_err(|e| format!("{f}: {e}").into())
}

/// What `site_hamiltonian` builds from.
struct SiteTerms {
    /// The operator of the number/map options (hopping −1, exp, power), when no closure of the
    /// sites or matrix replaces it: each of its elements becomes that number times the identity
    /// on the orbitals.
    base: Option<Operator>,
    hop_fn: Option<FnPtr>,
    onsite_fn: Option<FnPtr>,
    params: Dynamic,
    field: Option<Field>,
    cutoff: Option<f64>,
    dense: bool,
    /// Orbitals per site (2 for spin ½): H is (n·k)×(n·k), index = site·k + orbital.
    orbitals: usize,
}

/// A position as the closures see it: [x, y] (or [x] / [x, y, z] by the lattice's dimension).
fn position_nd(r: [f64; 3], dim: usize) -> NdArray {
    NdArray::from_vec(r[..dim].to_vec())
}

/// z times the k×k identity, row-major.
fn identity_block(z: c64, k: usize) -> Vec<c64> {
    (0..k * k)
        .map(|e| {
            if e / k == e % k {
                z
            } else {
                c64::new(0.0, 0.0)
            }
        })
        .collect()
}

/// A k×k block (row-major) from a value: a number (times the identity), or a k×k real or
/// complex matrix (`pauli(1)`, `complex(0, λ) * pauli(2)`).
fn block(v: &Dynamic, k: usize, f: &str, what: &str) -> Res<Vec<c64>> {
    let scalar = if let Some(z) = v.clone().try_cast::<c64>() {
        Some(z)
    } else if v.is_float() || v.is_int() {
        Some(c64::new(crate::args::num_any(v, f, what)?, 0.0))
    } else {
        None
    };
    let b: Vec<c64> = match scalar {
        Some(z) => identity_block(z, k),
        None => {
            let a = crate::array::complex_script::carray_arg(v, f, what).map_err(|_| {
                format!(
                    "{f}: {what} must be a number or a {k}×{k} matrix, got {}",
                    crate::convert::show(v)
                )
            })?;
            if a.shape() != [k, k] {
                return err(format!(
                    "{f}: {what} must be a number or a {k}×{k} matrix ({k} orbitals per site), \
                     got shape {:?}",
                    a.shape()
                ));
            }
            a.to_vec()
        }
    };
    if b.iter().any(|z| !(z.re.is_finite() && z.im.is_finite())) {
        return err(format!("{f}: {what} is not finite"));
    }
    Ok(b)
}

/// H from closures of the sites (`|r_i, r_j|`, `|r_i, r_j, p|`, `|r|`, `|r, p|`), k×k blocks
/// per site and bond (orbitals, spin) and/or a magnetic field: complex Hermitian when any
/// element is complex, real otherwise.
fn site_hamiltonian(
    ctx: &NativeCallContext,
    lat: &Lattice,
    o: &Opts,
    t: SiteTerms,
) -> Res<Dynamic> {
    let f = "hamiltonian";
    let n = lat.len();
    let k = t.orbitals;
    let dim = lat.dim;
    let zero = c64::new(0.0, 0.0);
    let eye = |z: c64| identity_block(z, k);
    check_alloc(f, "the on-site blocks", (n * k * k) as u128, 16)?;
    // per-site k×k blocks and per-bond (i < j) blocks H_ij
    let mut onsite: Vec<Vec<c64>> = vec![vec![zero; k * k]; n];
    let mut bonds: Vec<(usize, usize, Vec<c64>)> = Vec::new();
    if let Some(base) = &t.base {
        // the base is built sparse (format: "sparse" above)
        if matches!(base, Operator::Dense(_)) {
            return err("hamiltonian: the base operator must be sparse");
        }
        for (i, &e) in base.diagonal().iter().enumerate() {
            onsite[i] = eye(c64::new(e, 0.0));
        }
        for (i, j, v) in base.upper_entries() {
            bonds.push((i, j, eye(c64::new(v, 0.0))));
        }
    }
    // on-site terms given directly (when not already in the base operator)
    let onsite_is_matrix = |v: &Dynamic| {
        v.is::<crate::array::complex::CArray>()
            || v.read_lock::<NdArray>().is_some_and(|a| a.ndim() == 2)
    };
    match o.get("onsite") {
        Some(v) if v.is_fnptr() => {}
        Some(v) if onsite_is_matrix(v) => {
            let b = block(v, k, f, "opts.onsite")?;
            onsite.iter_mut().for_each(|x| x.clone_from(&b));
        }
        Some(v) if t.base.is_none() => {
            if v.is_float() || v.is_int() {
                let b = eye(c64::new(finite(v, f, "opts.onsite")?, 0.0));
                onsite.iter_mut().for_each(|x| x.clone_from(&b));
            } else {
                let e = vec_arg(v, f, "opts.onsite")?;
                if e.len() != n {
                    return err(format!(
                        "hamiltonian: onsite has {} values for {n} sites",
                        e.len()
                    ));
                }
                for (x, e) in onsite.iter_mut().zip(e) {
                    *x = eye(c64::new(e, 0.0));
                }
            }
        }
        _ => {}
    }
    if t.base.is_none() {
        let pairs = || -> Res<Vec<(usize, usize)>> {
            Ok(match t.cutoff {
                None => lat.nn.clone(),
                Some(c) => {
                    check_alloc(
                        f,
                        "the pairs within the cutoff",
                        (n as u128) * (n as u128) / 2,
                        16,
                    )?;
                    let mut v = Vec::new();
                    for i in 0..n {
                        for j in i + 1..n {
                            if lat.distance(i, j) <= c {
                                v.push((i, j));
                            }
                        }
                        crate::progress::check_interrupt(f)?;
                    }
                    v
                }
            })
        };
        match (&t.hop_fn, o.get("hopping")) {
            (Some(fp), _) => {
                let with_params = crate::args::closure_arity(ctx, fp) == Some(3);
                for (c, (i, j)) in pairs()?.into_iter().enumerate() {
                    let ri = Dynamic::from(position_nd(lat.pos[i], dim));
                    let rj = Dynamic::from(position_nd(image_of(lat, i, j), dim));
                    let v = if with_params {
                        fp.call_within_context::<Dynamic>(ctx, (ri, rj, t.params.clone()))
                    } else {
                        fp.call_within_context::<Dynamic>(ctx, (ri, rj))
                    }
                    .map_err(|e| {
                        format!(
                            "hamiltonian: the hopping closure failed for sites {i} and {j}: {e}"
                        )
                    })?;
                    let b = block(&v, k, f, &format!("hopping(r_{i}, r_{j})"))?;
                    if b.iter().any(|z| *z != zero) {
                        bonds.push((i, j, b));
                    }
                    if c % 4096 == 0 {
                        crate::progress::check_interrupt(f)?;
                    }
                }
            }
            (None, Some(v)) if !(v.is_float() || v.is_int()) => {
                // one k×k block on every nearest-neighbour bond
                let b = block(v, k, f, "opts.hopping")?;
                bonds.extend(pairs()?.into_iter().map(|(i, j)| (i, j, b.clone())));
            }
            (None, v) => {
                // the default hopping −1 (or the number given) on the nearest neighbours
                let t1 = match v {
                    Some(v) => finite(v, f, "opts.hopping")?,
                    None => -1.0,
                };
                let t2 = o.f64_or("t2", 0.0)?;
                for (shell, tv) in [(&lat.nn, t1), (&lat.nnn, t2)] {
                    if tv != 0.0 {
                        let b = eye(c64::new(tv, 0.0));
                        bonds.extend(shell.iter().map(|&(i, j)| (i, j, b.clone())));
                    }
                }
            }
        }
    }
    if let Some(fp) = &t.onsite_fn {
        let with_params = crate::args::closure_arity(ctx, fp) == Some(2);
        for (i, x) in onsite.iter_mut().enumerate() {
            let r = Dynamic::from(position_nd(lat.pos[i], dim));
            let v = if with_params {
                fp.call_within_context::<Dynamic>(ctx, (r, t.params.clone()))
            } else {
                fp.call_within_context::<Dynamic>(ctx, (r,))
            }
            .map_err(|e| format!("hamiltonian: the onsite closure failed at site {i}: {e}"))?;
            *x = block(&v, k, f, &format!("onsite(r_{i})"))?;
        }
    }
    if let Some(field) = &t.field {
        for (i, j, b) in bonds.iter_mut() {
            let ph = c64::cis(field.phase(lat.pos[*i], image_of(lat, *i, *j)));
            b.iter_mut().for_each(|z| *z *= ph);
        }
    }
    // the blocks as one (n·k)×(n·k) Hermitian matrix: site i's orbital a is row i·k + a
    let mut diag = vec![0.0; n * k];
    let mut off: Vec<(usize, usize, c64)> = Vec::new();
    for (i, b) in onsite.iter().enumerate() {
        let scale = b
            .iter()
            .map(|z| z.norm())
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        for a in 0..k {
            if b[a * k + a].im.abs() > 1e-12 * scale {
                return err(format!(
                    "hamiltonian: onsite(r_{i}) has a complex diagonal ({}); a Hermitian H has \
                     real on-site energies",
                    b[a * k + a]
                ));
            }
            diag[i * k + a] = b[a * k + a].re;
            for c in a + 1..k {
                if (b[a * k + c] - b[c * k + a].conj()).norm() > 1e-12 * scale {
                    return err(format!(
                        "hamiltonian: the on-site block of site {i} is not Hermitian"
                    ));
                }
                if b[a * k + c] != zero {
                    off.push((i * k + a, i * k + c, b[a * k + c]));
                }
            }
        }
    }
    for (i, j, b) in &bonds {
        for a in 0..k {
            for c in 0..k {
                if b[a * k + c] != zero {
                    off.push((i * k + a, j * k + c, b[a * k + c]));
                }
            }
        }
    }
    let nk = n * k;
    let complex = t.field.is_some() || off.iter().any(|(_, _, v)| v.im != 0.0);
    if complex {
        let h = HermitianOperator::from_pairs(nk, &diag, &off)
            .map_err(|e| format!("hamiltonian: {e}"))?;
        if t.dense {
            check_alloc(
                f,
                &format!("a dense {nk}×{nk} complex matrix"),
                (nk as u128) * (nk as u128),
                16,
            )?;
            return Ok(Dynamic::from(HermitianOperator::Dense(h.to_dense())));
        }
        return Ok(Dynamic::from(h));
    }
    let off: Vec<_> = off.into_iter().map(|(i, j, v)| (i, j, v.re)).collect();
    let h = Operator::from_pairs(nk, &diag, &off).map_err(|e| format!("hamiltonian: {e}"))?;
    if t.dense {
        check_alloc(
            f,
            &format!("a dense {nk}×{nk} matrix"),
            (nk as u128) * (nk as u128),
            8,
        )?;
        return Ok(Dynamic::from(Operator::Dense(h.to_dense())));
    }
    Ok(Dynamic::from(h))
}

/// The spectrum argument, taken over without a copy (rhai hands a native function its own
/// copy of a by-value argument; the eigenvectors are N² numbers).
fn spectrum_arg(v: Dynamic, func: &str) -> Res<Spectrum> {
    let name = v.type_name();
    v.try_cast::<Spectrum>().ok_or_else(|| {
        format!("{func}: expected a spectrum (from eigh or eigs_near), got {name}").into()
    })
}

fn levels_arg(v: &Dynamic, func: &str) -> Res<Vec<f64>> {
    if let Some(s) = v.read_lock::<crate::linalg::ComplexSpectrum>() {
        return Ok(s.values.clone());
    }
    match v.clone().try_cast::<Spectrum>() {
        Some(s) => Ok(s.values),
        None => vec_arg(v, func, "levels"),
    }
}

fn need_vectors(s: &Spectrum, func: &str) -> Res<()> {
    if !s.has_vectors() {
        return err(format!("{func}: the spectrum has no eigenvectors"));
    }
    Ok(())
}

fn eigh(v: Dynamic) -> Res<Spectrum> {
    let f = "eigh";
    let h = operator_arg(v, f)?;
    let n = h.n();
    check_alloc(
        f,
        &format!("eigenvectors of a {n}×{n} matrix"),
        3 * (n as u128) * (n as u128),
        8,
    )?;
    eigh_dense(&h.as_dense()).map_err(|e| format!("eigh: {e}").into())
}

/// The KPM rescaling (a, b) of `h`: opts bounds [lo, hi], else Lanczos (clamped to Gershgorin);
/// then the interval is widened by 0.5 % on each side (ε = 0.01 of Weiße et al. Eq. 17).
fn kpm_setup(h: &Operator, o: &Opts, f: &str) -> Res<(crate::linalg::kpm::Csr, f64, f64)> {
    use crate::linalg::kpm::{spectral_bounds, Csr};
    let csr = Csr::from_operator(h).map_err(|e| format!("{f}: {e}"))?;
    let (lo, hi) = match o.get("bounds") {
        Some(v) => {
            let b = vec_arg(v, f, "opts.bounds")?;
            if b.len() != 2 || b.iter().any(|x| !x.is_finite()) || b[1] <= b[0] {
                return err(format!(
                    "{f}: opts.bounds must be [lo, hi] with lo < hi, got {b:?}"
                ));
            }
            (b[0], b[1])
        }
        None => {
            let (glo, ghi) = h.gershgorin();
            if !(glo.is_finite() && ghi.is_finite()) {
                return err(format!("{f}: the operator holds non-finite values"));
            }
            spectral_bounds(&csr, (glo, ghi), 0x004b_504d)
        }
    };
    let a = (hi - lo) / (2.0 - 0.01);
    let b = (hi + lo) / 2.0;
    if a.is_nan() || a <= 0.0 {
        return err(format!(
            "{f}: the spectrum is a single point ({lo}); nothing to expand"
        ));
    }
    Ok((csr, a, b))
}

fn kpm_kernel(o: &Opts, f: &str) -> Res<crate::linalg::kpm::Kernel> {
    use crate::linalg::kpm::Kernel;
    Ok(
        match o
            .choice_or("kernel", "jackson", &["jackson", "lorentz"])?
            .as_str()
        {
            "lorentz" => {
                let l = o.f64_or("lambda", 4.0)?;
                if !(l > 0.0 && l < 100.0) {
                    return err(format!("{f}: opts.lambda must be in (0, 100), got {l}"));
                }
                Kernel::Lorentz(l)
            }
            _ => Kernel::Jackson,
        },
    )
}

/// The energies to evaluate at: opts energies (an array), else `points` Chebyshev nodes.
fn kpm_energies(o: &Opts, f: &str, m: usize, ab: (f64, f64)) -> Res<Vec<f64>> {
    match o.get("energies") {
        Some(v) => {
            let e = vec_arg(v, f, "opts.energies")?;
            if e.iter().any(|x| !x.is_finite()) {
                return err(format!("{f}: opts.energies must be finite"));
            }
            Ok(e)
        }
        None => {
            let k = o.count_or("points", 2 * m, 2, 1 << 22)?;
            Ok(crate::linalg::kpm::chebyshev_energies(k, ab))
        }
    }
}

/// The trace option of the KPM functions: random vectors (opts vectors, seed), or "exact" over
/// every unit vector up to `exact_limit` rows.
fn kpm_trace(
    o: &Opts,
    f: &str,
    n: usize,
    exact_limit: usize,
    vectors: usize,
) -> Res<crate::linalg::kpm::Trace> {
    use crate::linalg::kpm::Trace;
    Ok(
        match o
            .choice_or("trace", "stochastic", &["stochastic", "exact"])?
            .as_str()
        {
            "exact" => {
                if n > exact_limit {
                    return err(format!("{f}: trace: \"exact\" takes one expansion per site; {n} sites is too many (use random vectors)"));
                }
                Trace::Exact
            }
            _ => Trace::Stochastic {
                vectors: o.count_or("vectors", vectors, 1, 1 << 20)?,
                seed: o.seed()?,
            },
        },
    )
}

const KPM_KEYS: [&str; 8] = [
    "moments", "vectors", "kernel", "lambda", "bounds", "energies", "points", "seed",
];

fn kpm_dos(h: Dynamic, m: Map) -> Res<Map> {
    use crate::linalg::kpm::{density, dos_moments, kernel_coefficients, Trace};
    let f = "kpm_dos";
    let mut keys = KPM_KEYS.to_vec();
    keys.push("trace");
    let o = Opts::new(m, f, &keys)?;
    let (h, _) = kpm_operator_arg(h, f)?;
    let moments = o.count_or("moments", 512, 2, 1 << 20)?;
    let trace = kpm_trace(&o, f, h.n(), 20_000, 8)?;
    let kernel = kpm_kernel(&o, f)?;
    let (csr, a, b) = kpm_setup(&h, &o, f)?;
    check_alloc(f, "the Chebyshev vectors", 3 * csr.n as u128, 8)?;
    let e = kpm_energies(&o, f, moments, (a, b))?;
    let per_vector = match trace {
        Trace::Stochastic { vectors, .. } => vectors as u128,
        Trace::Exact => 0,
    };
    check_alloc(
        f,
        "the moments and densities of every vector",
        per_vector * (moments + e.len()) as u128,
        8,
    )?;
    let (mu, per) = dos_moments(&csr, moments, (a, b), trace).map_err(|e| format!("{f}: {e}"))?;
    let g = kernel_coefficients(moments, kernel);
    let rho = density(&mu, &g, (a, b), &e).map_err(|e| format!("{f}: {e}"))?;
    // the statistical error: the spread of the single-vector densities over √R
    let err_v: Vec<f64> = if per.len() > 1 {
        let r = per.len() as f64;
        let each: Vec<Vec<f64>> = per
            .iter()
            .map(|p| density(p, &g, (a, b), &e))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{f}: {e}"))?;
        (0..e.len())
            .map(|k| {
                let var = each.iter().map(|d| (d[k] - rho[k]).powi(2)).sum::<f64>() / (r - 1.0);
                (var / r).sqrt()
            })
            .collect()
    } else {
        vec![f64::NAN; e.len()]
    };
    let mut out = Map::new();
    out.insert("E".into(), Dynamic::from(NdArray::from_vec(e)));
    out.insert("rho".into(), Dynamic::from(NdArray::from_vec(rho)));
    out.insert("err".into(), Dynamic::from(NdArray::from_vec(err_v)));
    out.insert("moments".into(), Dynamic::from(NdArray::from_vec(mu)));
    out.insert(
        "bounds".into(),
        Dynamic::from(NdArray::from_vec(vec![b - a, b + a])),
    );
    out.insert(
        "matrix_free".into(),
        Dynamic::from_bool(csr.is_matrix_free()),
    );
    Ok(out)
}

fn kpm_ldos(h: Dynamic, sites: Dynamic, m: Map) -> Res<Map> {
    let f = "kpm_ldos";
    let o = Opts::new(m, f, &KPM_KEYS)?;
    let (h, n) = kpm_operator_arg(h, f)?;
    let list = site_list(&sites, n, f, "sites")?;
    let (e, rho) = ldos_of(&h, &list, &o, f)?;
    let k = e.len();
    let mut out = Map::new();
    out.insert("E".into(), Dynamic::from(NdArray::from_vec(e)));
    out.insert(
        "rho".into(),
        Dynamic::from(NdArray::from_shape(&[list.len(), k], rho.concat())?),
    );
    Ok(out)
}

/// Local densities ρ_i(E) at `sites`, in parallel over sites.
fn ldos_of(h: &Operator, sites: &[usize], o: &Opts, f: &str) -> Res<(Vec<f64>, Vec<Vec<f64>>)> {
    use crate::linalg::kpm::{density, kernel_coefficients, site_moments};
    let moments = o.count_or("moments", 512, 2, 1 << 20)?;
    let kernel = kpm_kernel(o, f)?;
    let (csr, a, b) = kpm_setup(h, o, f)?;
    check_alloc(
        f,
        "the Chebyshev vectors",
        3 * csr.n as u128 * rayon::current_num_threads().min(sites.len().max(1)) as u128,
        8,
    )?;
    let g = kernel_coefficients(moments, kernel);
    let e = kpm_energies(o, f, moments, (a, b))?;
    check_alloc(
        f,
        "the local densities",
        sites.len() as u128 * e.len() as u128,
        8,
    )?;
    let rows: Result<Vec<Vec<f64>>, String> = site_moments(&csr, sites, moments, (a, b))
        .and_then(|mus| mus.iter().map(|mu| density(mu, &g, (a, b), &e)).collect());
    Ok((e, rows.map_err(|e| format!("{f}: {e}"))?))
}

fn kpm_greens(h: Dynamic, sites: Dynamic, m: Map) -> Res<Map> {
    use crate::linalg::kpm::{greens, kernel_coefficients, site_moments, Kernel};
    let f = "kpm_greens";
    let o = Opts::new(m, f, &KPM_KEYS)?;
    let (h, n) = kpm_operator_arg(h, f)?;
    let list = site_list(&sites, n, f, "sites")?;
    let moments = o.count_or("moments", 512, 2, 1 << 20)?;
    let kernel = if o.has("kernel") {
        kpm_kernel(&o, f)?
    } else {
        Kernel::Lorentz(o.f64_or("lambda", 4.0)?)
    };
    let (csr, a, b) = kpm_setup(&h, &o, f)?;
    let g = kernel_coefficients(moments, kernel);
    let e = kpm_energies(&o, f, moments, (a, b))?;
    check_alloc(
        f,
        "the Green's functions",
        2 * list.len() as u128 * e.len() as u128,
        8,
    )?;
    let rows: Result<Vec<(Vec<f64>, Vec<f64>)>, String> =
        site_moments(&csr, &list, moments, (a, b))
            .and_then(|mus| mus.iter().map(|mu| greens(mu, &g, (a, b), &e)).collect());
    let rows = rows.map_err(|e| format!("{f}: {e}"))?;
    let k = e.len();
    let (re, im): (Vec<Vec<f64>>, Vec<Vec<f64>>) = rows.into_iter().unzip();
    let mut out = Map::new();
    out.insert("E".into(), Dynamic::from(NdArray::from_vec(e)));
    out.insert(
        "re".into(),
        Dynamic::from(NdArray::from_shape(&[list.len(), k], re.concat())?),
    );
    out.insert(
        "im".into(),
        Dynamic::from(NdArray::from_shape(&[list.len(), k], im.concat())?),
    );
    out.insert(
        "eta".into(),
        Dynamic::from_float(match kernel {
            Kernel::Lorentz(l) => l * a / moments as f64,
            Kernel::Jackson => f64::NAN,
        }),
    );
    Ok(out)
}

/// Site indices from a script array, each checked against the dimension.
fn site_list(v: &Dynamic, n: usize, f: &str, arg: &str) -> Res<Vec<usize>> {
    vec_arg(v, f, arg)?
        .iter()
        .map(|&x| {
            if x.fract() != 0.0 || x < 0.0 || x >= n as f64 {
                err(format!("{f}: site {x} is not a site index in 0..{n}"))
            } else {
                Ok(x as usize)
            }
        })
        .collect()
}

fn kpm_typical_dos(h: Dynamic, m: Map) -> Res<Map> {
    let f = "kpm_typical_dos";
    let mut keys = KPM_KEYS.to_vec();
    keys.push("sites");
    let o = Opts::new(m, f, &keys)?;
    let (h, n) = kpm_operator_arg(h, f)?;
    // a count of random sites (default 32), or the sites themselves
    let sites: Vec<usize> = match o.get("sites") {
        Some(v) if !v.is_int() => site_list(v, n, f, "opts.sites")?,
        given => {
            let k = match given {
                Some(v) => count(v, f, "opts.sites", 1, n as i64)?,
                None => n.min(32),
            };
            let mut rng = crate::rng::StdRng::seed_from_u64(o.seed()?);
            rand::seq::index::sample(&mut rng, n, k).into_vec()
        }
    };
    let (e, rows) = ldos_of(&h, &sites, &o, f)?;
    let k = e.len();
    let s = sites.len() as f64;
    // geometric mean over sites: the Jackson kernel keeps ρ_i ≥ 0 up to rounding
    let typ: Vec<f64> = (0..k)
        .map(|j| (rows.iter().map(|r| r[j].max(1e-300).ln()).sum::<f64>() / s).exp())
        .collect();
    let avg: Vec<f64> = (0..k)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / s)
        .collect();
    let mut out = Map::new();
    out.insert("E".into(), Dynamic::from(NdArray::from_vec(e)));
    out.insert("rho_typ".into(), Dynamic::from(NdArray::from_vec(typ)));
    out.insert("rho_avg".into(), Dynamic::from(NdArray::from_vec(avg)));
    out.insert("sites".into(), Dynamic::from_int(sites.len() as INT));
    Ok(out)
}

fn kpm_conductivity(lat: &mut Lattice, h: Dynamic, m: Map) -> Res<Map> {
    use crate::linalg::kpm::Trace;
    let f = "kpm_conductivity";
    let mut keys = KPM_KEYS.to_vec();
    keys.extend(["trace", "direction"]);
    let o = Opts::new(m, f, &keys)?;
    const DIRECTIONS: [&str; 12] = [
        "x", "y", "z", "xx", "yy", "zz", "xy", "yx", "xz", "zx", "yz", "zy",
    ];
    let direction = o.choice_or("direction", "x", &DIRECTIONS)?;
    let axis_of = |c: u8| match c {
        b'y' => 1,
        b'z' => 2,
        _ => 0,
    };
    let d = direction.as_bytes();
    let (alpha, beta) = (axis_of(d[0]), axis_of(d[d.len() - 1]));
    let hermitian = h.clone().try_cast::<crate::linalg::HermitianOperator>();
    let n = match &hermitian {
        Some(hc) => hc.n(),
        None => operator_arg(h.clone(), f)?.n(),
    };
    let moments = o.count_or("moments", 256, 2, 1 << 14)?;
    let trace = kpm_trace(&o, f, n, 5_000, 10)?;
    let kernel = kpm_kernel(&o, f)?;
    let complex = hermitian.is_some() || alpha != beta;
    // the two sets of Chebyshev vectors of one random vector, and each vector's moment matrix
    check_alloc(
        f,
        "the Chebyshev vectors (2 × moments × sites)",
        2 * moments as u128 * n as u128,
        if complex { 16 } else { 8 },
    )?;
    let per_vector = match trace {
        Trace::Stochastic { vectors, .. } => vectors as u128 + 1,
        Trace::Exact => 1,
    };
    check_alloc(
        f,
        "the moment matrices (moments² per vector)",
        per_vector * (moments * moments) as u128,
        if complex { 16 } else { 8 },
    )?;
    let (c, e, (a, b)) = if complex {
        // the bounds from the real embedding (the same spectrum, every level twice)
        let hc = match hermitian {
            Some(hc) => hc,
            None => crate::linalg::HermitianOperator::from(&operator_arg(h, f)?),
        };
        let embedded =
            crate::linalg::hermitian::real_embedding(&hc).map_err(|e| format!("{f}: {e}"))?;
        let (_, a, b) = kpm_setup(&embedded, &o, f)?;
        drop(embedded);
        let sparse = match hc {
            crate::linalg::HermitianOperator::Dense(_) => {
                crate::linalg::HermitianOperator::from_pairs(n, &hc.diagonal(), &hc.upper_entries())
                    .map_err(|e| format!("{f}: {e}"))?
            }
            sparse => sparse,
        };
        let crate::linalg::HermitianOperator::Sparse(rows) = sparse else {
            return err(format!("{f}: internal: expected sparse rows"));
        };
        let e = kpm_energies(&o, f, moments, (a, b))?;
        let c = super::conductivity::kubo_complex(
            lat,
            &rows,
            (alpha, beta),
            moments,
            kernel,
            trace,
            (a, b),
            &e,
        )
        .map_err(|e| format!("{f}: {e}"))?;
        (c, e, (a, b))
    } else {
        let h = operator_arg(h, f)?;
        let (csr, a, b) = kpm_setup(&h, &o, f)?;
        let e = kpm_energies(&o, f, moments, (a, b))?;
        let c = super::conductivity::kubo_greenwood(
            lat,
            &h,
            &csr,
            alpha,
            moments,
            kernel,
            trace,
            (a, b),
            &e,
        )
        .map_err(|e| format!("{f}: {e}"))?;
        (c, e, (a, b))
    };
    let mut out = Map::new();
    out.insert("E".into(), Dynamic::from(NdArray::from_vec(e)));
    out.insert("sigma".into(), Dynamic::from(NdArray::from_vec(c.sigma)));
    out.insert("err".into(), Dynamic::from(NdArray::from_vec(c.err)));
    let square = |mm: &faer::Mat<f64>| -> Res<Dynamic> {
        let v = (0..moments * moments)
            .map(|k| mm[(k / moments, k % moments)])
            .collect();
        Ok(Dynamic::from(
            NdArray::from_shape(&[moments, moments], v).map_err(|e| format!("{f}: {e}"))?,
        ))
    };
    out.insert("moments".into(), square(&c.moments)?);
    if let Some(im) = &c.moments_im {
        out.insert("moments_im".into(), square(im)?);
    }
    out.insert("direction".into(), Dynamic::from(direction));
    out.insert(
        "bounds".into(),
        Dynamic::from(NdArray::from_vec(vec![b - a, b + a])),
    );
    Ok(out)
}

/// Register the tight-binding functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "kpm_conductivity", &["lat: lattice", "H: operator|ndarray", "opts: map", "map"], "DC conductivity tensor σ_αβ(E) at T = 0 by the kernel polynomial method (spinless; ħ = e = 1, lengths of the lattice: σ in e²/ħ, a conductance in 2D; multiply by 2π for e²/h): two-dimensional Chebyshev moments Tr[v_α T_m v_β T_n] of the velocities v = i[H, x] (minimum image across periodic boundaries) from random vectors, one matrix product per vector. Diagonal directions (\"x\", \"y\", \"z\" or \"xx\" …) give Kubo–Greenwood σ_αα(E) = (π/Ω) Tr[v δ(E − H) v δ(E − H)]; off-diagonal ones (\"xy\", \"yx\", \"xz\" …) give Kubo–Bastin σ_αβ(E_F) = (i/Ω) ∫^{E_F} dE Tr[v_α δ(E − H) v_β dG⁺/dE − v_α dG⁻/dE v_β δ(E − H)], the Hall conductivity of a complex H (a field, complex hoppings: a Chern insulator's plateau is C/2π). H real symmetric or complex Hermitian, with one or several orbitals per lattice site (row s·k + o is orbital o of site s, as hamiltonian numbers them); complex H and σ_αβ run in complex arithmetic (about 4× the real cost). opts direction (\"x\"), moments (256; the energy resolution as kpm_dos), vectors (10), trace (\"exact\" for small systems), kernel (jackson), bounds, energies or points, seed. Memory 2·moments·N numbers (complex: twice): 10⁵ sites at 256 moments is 0.4 GB; the cost is moments products plus a moments²·N matrix product per vector. Returns #{E, sigma, err (statistical, over the vectors), moments (moments × moments; moments_im too when complex), direction, bounds}.", kpm_conductivity);
    reg(engine, "kpm_dos", &["H: operator|ndarray", "opts: map", "map"], "Density of states per site of a large symmetric H by the kernel polynomial method (a complex Hermitian H — a field, complex hoppings — runs as its real 2n×2n embedding, about twice the work; kpm_ldos, kpm_greens and kpm_typical_dos likewise) (Chebyshev moments, two per product; a stochastic trace over random ±1 vectors). opts moments (512: energy resolution ≈ π·(bandwidth/2)/moments with the Jackson kernel), vectors (8; the error falls as 1/√(vectors·N)), trace (\"stochastic\" or \"exact\": every site, small H), kernel (\"jackson\" or \"lorentz\" with lambda, 4), bounds ([lo, hi]; default: Lanczos within Gershgorin), energies (where to evaluate; default points = 2·moments Chebyshev nodes), seed. Returns #{E, rho (∫ρ dE = 1), err (statistical, per energy), moments (normalised μ_n, reusable), bounds, matrix_free}. A periodic square or cubic lattice (or chain) with one hopping per neighbour shell, nearest and next-nearest, is recognised from H's rows and multiplied matrix-free (the on-site terms as a vector, no column indices streamed: matrix_free is true), in every KPM function; any other H uses its sparse rows. Cost: moments/2 sparse products per vector.", kpm_dos);
    reg(engine, "kpm_ldos", &["H: operator|ndarray", "sites: array|ndarray", "opts: map", "map"], "Local densities of states ρ_i(E) = Σ_k |ψ_k(i)|² δ(E − E_k) at the given sites by the kernel polynomial method (one expansion per site, sites in parallel): opts as kpm_dos (moments, kernel, lambda, bounds, energies, points). Returns #{E, rho: sites × energies}.", kpm_ldos);
    reg(engine, "kpm_greens", &["H: operator|ndarray", "sites: array|ndarray", "opts: map", "map"], "Diagonal Green's functions G_ii(E + iη) = Σ_k |ψ_k(i)|²/(E − E_k + iη) at the given sites by the kernel polynomial method, with the Lorentz kernel by default (lambda 4): G is evaluated at E + iη(E), η(E) ≈ η·√(1 − x²) with η = λ·a/moments (returned as eta), a = half the padded bandwidth, x = (E − centre)/a; Im G = −π·LDOS. opts as kpm_ldos; energies must lie inside the bounds. Returns #{E, re, im (sites × energies), eta}.", kpm_greens);
    reg(engine, "kpm_typical_dos", &["H: operator|ndarray", "opts: map", "map"], "Typical density of states ρ_typ(E) = exp⟨ln ρ_i(E)⟩ over sites, beside the average ⟨ρ_i(E)⟩: ρ_typ/ρ_avg is the order parameter of Anderson localization (→ 0 in the localized phase). opts sites (a count of random sites, default 32, or an array of indices), moments, kernel, bounds, energies, points, seed. Returns #{E, rho_typ, rho_avg, sites}. Cost: one expansion (moments/2 sparse products) per site, sites in parallel: 10⁶ sites with the defaults take 30 s on 2 cores.", kpm_typical_dos);
    engine.register_type_with_name::<Operator>("operator");
    engine.register_type_with_name::<Spectrum>("spectrum");
    reg(
        engine,
        "to_string",
        &["H: operator", "string"],
        "Short description.",
        |h: &mut Operator| {
            format!(
                "operator({}×{}, {}, {} stored values)",
                h.n(),
                h.n(),
                if matches!(h, Operator::Dense(_)) {
                    "dense"
                } else {
                    "sparse"
                },
                h.nnz()
            )
        },
    );
    reg(
        engine,
        "to_string",
        &["s: spectrum", "string"],
        "Short description.",
        |s: &mut Spectrum| {
            format!(
                "spectrum({} levels{})",
                s.len(),
                if s.has_vectors() { " with vectors" } else { "" }
            )
        },
    );
    reg(engine, "hamiltonian", &["lat: lattice", "opts: map", "operator"], "Tight-binding H on a lattice: opts onsite (number, per site, a k×k block, or a closure |r| / |r, p| of the position), hopping (number on nearest neighbours, default −1; #{kind: \"exp\", t0, alpha, cutoff} = t0·e^(−αd) (seed 000); #{kind: \"power\", t0, p, cutoff}; a closure |d| of the distance over pairs within cutoff; a k×k block on every nearest-neighbour bond; or a closure |r_i, r_j| / |r_i, r_j, p| of both sites giving H_ij, real or complex, a number or a k×k block, on nearest neighbours or every pair within cutoff, with r_j the image next to r_i on a torus), t2 (next-nearest), cutoff, orbitals (k per site, index site·k + orbital: 2 for spin, blocks from pauli()), flux (flux quanta per primitive cell: Peierls phases of a uniform field along z), gauge (\"landau\" A = Bxŷ, works on a torus with flux·L_x integer; \"symmetric\", open lattices), params (a map handed to the closures), format (auto, dense, sparse). Complex elements or a field give a complex Hermitian operator.", hamiltonian);
    reg(
        engine,
        "get$n",
        &["H: operator", "int"],
        "`H.n`: dimension.",
        |h: &mut Operator| h.n() as INT,
    );
    reg(
        engine,
        "get$nnz",
        &["H: operator", "int"],
        "`H.nnz`: stored non-zeros.",
        |h: &mut Operator| h.nnz() as INT,
    );
    reg(
        engine,
        "get$is_dense",
        &["H: operator", "bool"],
        "`H.is_dense`: dense or sparse storage.",
        |h: &mut Operator| matches!(h, Operator::Dense(_)),
    );
    reg(
        engine,
        "to_dense",
        &["H: operator", "ndarray"],
        "The matrix as a dense ndarray.",
        |h: &mut Operator| -> Res<NdArray> {
            check_alloc("to_dense", "the dense matrix", (h.n() as u128).pow(2), 8)?;
            Ok(mat_to_nd(&h.as_dense()))
        },
    );
    reg(
        engine,
        "matvec",
        &["H: operator", "x: ndarray", "ndarray"],
        "H·x.",
        |h: &mut Operator, x: Dynamic| -> Res<NdArray> {
            let x = vec_arg(&x, "matvec", "x")?;
            if x.len() != h.n() {
                return err(format!(
                    "matvec: x has {} values, H is {}×{}",
                    x.len(),
                    h.n(),
                    h.n()
                ));
            }
            let mut y = vec![0.0; x.len()];
            h.apply(&x, &mut y);
            Ok(NdArray::from_vec(y))
        },
    );
    reg(engine, "eigh", &["H: operator|ndarray", "spectrum"], "All eigenpairs of a real symmetric matrix, eigenvalues ascending, eigenvectors orthonormal (Householder tridiagonalization, then QL and inverse iteration; divide and conquer where eigenvalues cluster). Uses every core from n = 400. Cost on 2 cores: n = 2000 0.4 s, n = 4000 8–11 s (numpy: 4.5 s), n = 8000 about a minute and 1.5 GB; past n ≈ 3000 the matrix leaves the cache and the reduction is memory-bound.", eigh);
    reg(
        engine,
        "eigvalsh",
        &["H: operator|ndarray", "ndarray"],
        "All eigenvalues (ascending) of a real symmetric matrix; faster than eigh. Cost on 2 cores: n = 2000 0.3 s, n = 4000 5 s (numpy: 2.2 s), n = 8000 (a 20³ Anderson lattice) 33 s.",
        |v: Dynamic| -> Res<NdArray> {
            let h = operator_arg(v, "eigvalsh")?;
            check_alloc(
                "eigvalsh",
                "the dense matrix",
                2 * (h.n() as u128).pow(2),
                8,
            )?;
            eigvalsh_dense(&h.as_dense())
                .map(NdArray::from_vec)
                .map_err(|e| format!("eigvalsh: {e}").into())
        },
    );
    let near = |v: Dynamic, e: Dynamic, k: Dynamic, m: Map| -> Res<Spectrum> {
        let f = "eigs_near";
        let o = Opts::new(m, f, &["tol", "seed"])?;
        let h = operator_arg(v, f)?;
        let e = finite(&e, f, "E")?;
        let k = count(&k, f, "k", 1, h.n() as i64)?;
        let tol = o.f64_or("tol", 1e-10)?;
        eigs_near(&h, e, k, tol, o.seed()?).map_err(|e| format!("eigs_near: {e}").into())
    };
    reg(engine, "eigs_near", &["H: operator", "E: float", "k: int", "spectrum"], "The k eigenpairs closest to energy E of a large sparse H, sorted by |λ − E| (shift-invert block Lanczos on a sparse LU, with locking: a degenerate level comes with its full multiplicity; E exactly on an eigenvalue, or far outside the spectrum, works). Every residual ‖Hψ − λψ‖ ≤ tol·max(1, |λ|), else an error. Below n = 300 the dense solver is used.", move |v: Dynamic, e: Dynamic, k: Dynamic| near(v, e, k, Map::new()));
    reg(
        engine,
        "eigs_near",
        &["H: operator", "E: float", "k: int", "opts: map", "spectrum"],
        "eigs_near with opts tol (residual ‖Hψ−Eψ‖ target, default 1e-10), seed.",
        near,
    );
    reg(
        engine,
        "get$values",
        &["s: spectrum", "ndarray"],
        "`s.values`: eigenvalues.",
        |s: &mut Spectrum| NdArray::from_vec(s.values.clone()),
    );
    reg(
        engine,
        "get$vectors",
        &["s: spectrum", "ndarray"],
        "`s.vectors`: n×k matrix, column m is the eigenvector of values[m].",
        |s: &mut Spectrum| mat_to_nd(&s.vectors),
    );
    reg(
        engine,
        "len",
        &["s: spectrum", "int"],
        "Number of eigenpairs.",
        |s: &mut Spectrum| s.len() as INT,
    );
    reg(
        engine,
        "vector",
        &["s: spectrum", "m: int", "ndarray"],
        "Eigenvector m as a 1D array.",
        |s: &mut Spectrum, m: INT| -> Res<NdArray> {
            need_vectors(s, "vector")?;
            if m < 0 || m as usize >= s.len() {
                return err(format!("vector: index {m} out of range (0..{})", s.len()));
            }
            Ok(NdArray::from_vec(
                (0..s.vectors.nrows())
                    .map(|i| s.vectors[(i, m as usize)])
                    .collect(),
            ))
        },
    );
    reg(
        engine,
        "residuals",
        &["H: operator", "s: spectrum", "ndarray"],
        "‖Hψ − Eψ‖ for every eigenpair.",
        |h: &mut Operator, s: Spectrum| -> Res<NdArray> {
            need_vectors(&s, "residuals")?;
            if s.vectors.nrows() != h.n() {
                return err(
                    "residuals: the spectrum does not belong to this operator (sizes differ)",
                );
            }
            Ok(NdArray::from_vec(residuals(h, &s)))
        },
    );
    let area = |s: Dynamic, m: Map| -> Res<NdArray> {
        let f = "mode_area";
        let o = Opts::new(m, f, &["order"])?;
        let s = spectrum_arg(s, f)?;
        need_vectors(&s, f)?;
        let mut w = mode_areas(&s.vectors);
        // energy order by default, as every per-mode measure (ipr, participation_ratio):
        // sorting is the caller's choice
        if o.choice_or("order", "energy", &["energy", "ascending"])? == "ascending" {
            w.sort_by(|a, b| a.total_cmp(b));
        }
        Ok(NdArray::from_vec(w))
    };
    reg(
        engine,
        "mode_area",
        &["s: spectrum", "ndarray"],
        "Mode area w_m = (1/N)(Σψ²)²/Σψ⁴ ∈ [1/N, 1] of each mode (seed 000 Eq. (2)), in energy order like ipr (the order of s.values).",
        move |s: Dynamic| area(s, Map::new()),
    );
    reg(
        engine,
        "mode_area",
        &["s: spectrum", "opts: map", "ndarray"],
        "Mode areas; opts order: \"energy\" (default, the order of s.values) or \"ascending\" (sorted, as seed 000's network inputs).",
        area,
    );
    reg(
        engine,
        "ipr",
        &["s: spectrum", "ndarray"],
        "Inverse participation ratio Σψ⁴/(Σψ²)² per mode, in energy order.",
        |s: Dynamic| -> Res<NdArray> {
            let s = spectrum_arg(s, "ipr")?;
            need_vectors(&s, "ipr")?;
            Ok(NdArray::from_vec(iprs(&s.vectors)))
        },
    );
    reg(
        engine,
        "participation_ratio",
        &["s: spectrum", "ndarray"],
        "Participation ratio 1/IPR (number of sites a mode covers), in energy order.",
        |s: Dynamic| -> Res<NdArray> {
            let s = spectrum_arg(s, "participation_ratio")?;
            need_vectors(&s, "participation_ratio")?;
            Ok(NdArray::from_vec(
                iprs(&s.vectors).iter().map(|p| 1.0 / p).collect(),
            ))
        },
    );
    let lsr = |v: Dynamic, m: Map| -> Res<f64> {
        let f = "level_spacing_ratio";
        let o = Opts::new(m, f, &["fraction"])?;
        let fr = o.f64_or("fraction", 1.0)?;
        if !(fr > 0.0 && fr <= 1.0) {
            return err(format!(
                "level_spacing_ratio: fraction must be in (0, 1], got {fr}"
            ));
        }
        let lv = levels_arg(&v, f)?;
        if lv.len() < 3 {
            return err("level_spacing_ratio: need at least 3 levels");
        }
        let r = spacing_ratios(&central_levels(&lv, fr));
        if r.is_empty() {
            return err("level_spacing_ratio: all levels are degenerate");
        }
        Ok(r.iter().sum::<f64>() / r.len() as f64)
    };
    reg(engine, "level_spacing_ratio", &["levels: spectrum|ndarray", "float"], "Mean ratio ⟨r⟩ of consecutive level spacings: ≈ 0.5307 (GOE, extended), ≈ 0.3863 (Poisson, localized).", move |v: Dynamic| lsr(v, Map::new()));
    reg(
        engine,
        "level_spacing_ratio",
        &["levels: spectrum|ndarray", "opts: map", "float"],
        "⟨r⟩ over the central fraction of the spectrum: opts fraction (default 1).",
        lsr,
    );
    reg(engine, "dos", &["levels: spectrum|ndarray", "bins: int", "map"], "Density of states: histogram of the levels normalised to unit area: #{centers, density, counts, edges}.", |v: Dynamic, bins: Dynamic| -> Res<Map> {
        let lv = NdArray::from_vec(levels_arg(&v, "dos")?);
        crate::array::numpy_script::histogram_map(&lv, &bins, None, None, false)
    });
    reg(engine, "anderson_level_ratio", &["M: int", "W: float", "opts: map", "map"], "⟨r⟩ of the 3D Anderson model (periodic M³, hopping 1, ε ~ U(−W/2, W/2)) over realizations in parallel: opts realizations (20), fraction of central levels (0.2), seed. Returns #{r, err, values}. Cost: one dense eigenvalue problem of n = M³ per realization, growing as M⁹ (M = 10, 40 realizations: 1.4 s on 2 cores; M = 16, 20 realizations: minutes); Ctrl-C stops between realizations.", |m: Dynamic, w: Dynamic, mp: Map| -> Res<Map> {
        let f = "anderson_level_ratio";
        let o = Opts::new(mp, f, &["realizations", "fraction", "seed"])?;
        let m = count(&m, f, "M", 2, 24)?;
        let w = finite(&w, f, "W")?;
        let reals = o.count_or("realizations", 20, 1, 1_000_000)?;
        let fr = o.f64_or("fraction", 0.2)?;
        if !(fr > 0.0 && fr <= 1.0) {
            return err(format!("{f}: fraction must be in (0, 1], got {fr}"));
        }
        let r = super::anderson::level_ratios(m, w.abs(), reals, fr, o.seed()?)
            .map_err(|e| format!("anderson_level_ratio: {e}"))?;
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        let sd = if r.len() > 1 { (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r.len() - 1) as f64).sqrt() } else { f64::NAN };
        let mut out = Map::new();
        out.insert("r".into(), Dynamic::from_float(mean));
        out.insert("err".into(), Dynamic::from_float(sd / (r.len() as f64).sqrt()));
        out.insert("values".into(), Dynamic::from(NdArray::from_vec(r)));
        Ok(out)
    });
}
