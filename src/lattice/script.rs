//! rhai API of lattices: `lattice(kind, dims, opts)`, positions and neighbour lists, positional
//! disorder (`displace`) and on-site disorder (`onsite_disorder`).

use super::{jitter, onsite_energies, Lattice, KINDS};
use crate::args::{check_alloc, err, finite, int, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::arr_like;
use rhai::{Array, Dynamic, Engine, Map, INT};

fn positions(lat: &Lattice, ideal: bool) -> NdArray {
    let src = if ideal { &lat.ideal } else { &lat.pos };
    let d = lat.dim;
    let v: Vec<f64> = src.iter().flat_map(|p| p[..d].to_vec()).collect();
    NdArray::from_2d(lat.len(), d, v).unwrap_or_else(|_| NdArray::from_vec(vec![]))
}

fn pairs(p: &[(usize, usize)]) -> NdArray {
    let v: Vec<f64> = p.iter().flat_map(|&(i, j)| [i as f64, j as f64]).collect();
    NdArray::from_2d(p.len(), 2, v).unwrap_or_else(|_| NdArray::from_vec(vec![]))
}

fn new_lattice(kind: &str, dims: Dynamic, m: Map) -> Res<Lattice> {
    let f = "lattice";
    let o = Opts::new(m, f, &["periodic", "a"])?;
    let dims: Vec<i64> = if dims.is_array() {
        let a: Array = dims.cast();
        a.iter().map(|d| int(d, f, "dims")).collect::<Res<_>>()?
    } else {
        vec![int(&dims, f, "dims")?]
    };
    if dims.iter().any(|&d| d < 1) {
        return err(format!(
            "lattice: every dimension must be >= 1, got {dims:?}"
        ));
    }
    let total = dims.iter().fold(1u128, |a, &d| a.saturating_mul(d as u128));
    if total > 50_000_000 {
        return err(format!(
            "lattice: {total} cells is more than the 5·10⁷ supported"
        ));
    }
    check_alloc(f, "the site positions", total, 200)?;
    let cells: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
    let periodic = match o.get("periodic") {
        None => vec![false; cells.len()],
        Some(v) if v.is_array() => {
            let a: Array = v.clone().cast();
            a.iter()
                .map(|b| crate::args::boolean(b, f, "opts.periodic"))
                .collect::<Res<_>>()?
        }
        Some(v) => vec![crate::args::boolean(v, f, "opts.periodic")?; cells.len()],
    };
    let a = o.f64_or("a", 1.0)?;
    if !(a > 0.0 && a.is_finite()) {
        return err(format!("lattice: option 'a' must be > 0, got {a}"));
    }
    Lattice::new(kind, &cells, &periodic, a).map_err(|e| format!("lattice: {e}").into())
}

fn displace(lat: &mut Lattice, arg: Dynamic) -> Res<Lattice> {
    let f = "displace";
    let mut out = lat.clone();
    if let Some(m) = arg.clone().try_cast::<Map>() {
        let o = Opts::new(
            m,
            f,
            &[
                "kind",
                "rho_max",
                "sigma_max",
                "rho",
                "sigma",
                "width",
                "seed",
            ],
        )?;
        // "ring" (a fixed length in a random direction plus box noise) was first named after the
        // paper that uses it, "yu2020"; both names are accepted
        let kind = o.choice_or(
            "kind",
            "gaussian",
            &["ring", "yu2020", "gaussian", "uniform"],
        )?;
        let mut rng = crate::rng::from_seed(o.seed()?);
        let n = lat.len();
        let disp: Vec<f64> = match kind.as_str() {
            "ring" | "yu2020" => {
                if lat.dim != 2 {
                    return err("displace: kind 'ring' needs a 2D lattice");
                }
                use rand::Rng;
                // Per realization ρ = ρ_max·U(0,1), σ = σ_max·U(0,1) unless given directly.
                let rho = match o.f64_opt("rho")? {
                    Some(r) => r,
                    None => o.f64_or("rho_max", 0.6)? * rng.random::<f64>(),
                };
                let sigma = match o.f64_opt("sigma")? {
                    Some(s) => s,
                    None => o.f64_or("sigma_max", 0.6)? * rng.random::<f64>(),
                };
                if rho < 0.0 || sigma < 0.0 {
                    return err("displace: rho and sigma must be >= 0");
                }
                Lattice::ring_displacements(n, rho, sigma, &mut rng)
                    .into_iter()
                    .flatten()
                    .collect()
            }
            "gaussian" => {
                let s = o.f64_or("sigma", 0.1)?;
                if s < 0.0 {
                    return err("displace: sigma must be >= 0");
                }
                jitter(n, lat.dim, true, s, &mut rng)
            }
            _ => {
                let w = o.f64_or("width", 0.1)?;
                if w < 0.0 {
                    return err("displace: width must be >= 0");
                }
                jitter(n, lat.dim, false, w, &mut rng)
            }
        };
        out.displace(&disp).map_err(|e| format!("displace: {e}"))?;
    } else {
        let d = arr_like(&arg, f, "displacements")?;
        out.displace(&d.to_vec())
            .map_err(|e| format!("displace: {e}"))?;
    }
    Ok(out)
}

/// Register the lattice functions.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Lattice>("lattice");
    reg(
        engine,
        "to_string",
        &["lat: lattice", "string"],
        "Short description.",
        |l: &mut Lattice| {
            format!(
                "lattice({}, cells {:?}, periodic {:?}, {} sites)",
                l.kind,
                l.cells,
                l.periodic,
                l.len()
            )
        },
    );
    reg(engine, "lattice", &["kind: string", "dims: int|array", "lattice"], &format!("A lattice with open boundaries: kinds {KINDS}; dims are cells per axis: `lattice(\"square\", [16, 16])`."), |k: &str, d: Dynamic| new_lattice(k, d, Map::new()));
    reg(
        engine,
        "lattice",
        &["kind: string", "dims: int|array", "opts: map", "lattice"],
        "A lattice: opts periodic (bool or one per axis), a (lattice constant, default 1).",
        new_lattice,
    );
    reg(
        engine,
        "len",
        &["lat: lattice", "int"],
        "Number of sites.",
        |l: &mut Lattice| l.len() as INT,
    );
    reg(
        engine,
        "get$n",
        &["lat: lattice", "int"],
        "`lat.n`: number of sites.",
        |l: &mut Lattice| l.len() as INT,
    );
    reg(
        engine,
        "get$dim",
        &["lat: lattice", "int"],
        "`lat.dim`: spatial dimension.",
        |l: &mut Lattice| l.dim as INT,
    );
    reg(
        engine,
        "get$positions",
        &["lat: lattice", "ndarray"],
        "`lat.positions`: N×dim site positions (after displacement).",
        |l: &mut Lattice| positions(l, false),
    );
    reg(
        engine,
        "get$ideal_positions",
        &["lat: lattice", "ndarray"],
        "`lat.ideal_positions`: N×dim positions of the undisplaced lattice.",
        |l: &mut Lattice| positions(l, true),
    );
    reg(
        engine,
        "get$displacements",
        &["lat: lattice", "ndarray"],
        "`lat.displacements`: N×dim displacement of each site from its ideal position.",
        |l: &mut Lattice| {
            let d = l.dim;
            let v: Vec<f64> = l
                .pos
                .iter()
                .zip(&l.ideal)
                .flat_map(|(p, q)| (0..d).map(|k| p[k] - q[k]).collect::<Vec<_>>())
                .collect();
            NdArray::from_2d(l.len(), d, v).unwrap_or_else(|_| NdArray::from_vec(vec![]))
        },
    );
    reg(engine, "get$neighbors", &["lat: lattice", "ndarray"], "`lat.neighbors`: E×2 site pairs of the nearest-neighbour shell (each pair once, periodic images included).", |l: &mut Lattice| pairs(&l.nn));
    reg(
        engine,
        "get$next_neighbors",
        &["lat: lattice", "ndarray"],
        "`lat.next_neighbors`: pairs of the next-nearest-neighbour shell.",
        |l: &mut Lattice| pairs(&l.nnn),
    );
    reg(
        engine,
        "neighbors_of",
        &["lat: lattice", "i: int", "array"],
        "Nearest neighbours of site i.",
        |l: &mut Lattice, i: INT| -> Res<Array> {
            if i < 0 || i as usize >= l.len() {
                return err(format!(
                    "neighbors_of: site {i} out of range (0..{})",
                    l.len()
                ));
            }
            let i = i as usize;
            Ok(l.nn
                .iter()
                .filter_map(|&(a, b)| {
                    if a == i {
                        Some(b)
                    } else if b == i {
                        Some(a)
                    } else {
                        None
                    }
                })
                .map(|j| Dynamic::from_int(j as INT))
                .collect())
        },
    );
    reg(
        engine,
        "distance",
        &["lat: lattice", "i: int", "j: int", "float"],
        "Distance between two sites (minimum image along periodic axes).",
        |l: &mut Lattice, i: INT, j: INT| -> Res<f64> {
            let n = l.len() as INT;
            if i < 0 || j < 0 || i >= n || j >= n {
                return err(format!("distance: sites ({i}, {j}) out of range (0..{n})"));
            }
            Ok(l.distance(i as usize, j as usize))
        },
    );
    reg(engine, "displace", &["lat: lattice", "disorder: map|ndarray", "lattice"], "A displaced copy: an N×dim array of displacements, or #{kind: \"ring\" (alias \"yu2020\": Δr = ρ(cos θ, sin θ) + U(−σ, σ)², seed 000 Eq. 5; rho_max, sigma_max or rho, sigma), \"gaussian\" (sigma), \"uniform\" (width), seed}.", displace);
    reg(
        engine,
        "onsite_disorder",
        &["lat: lattice", "W: float", "ndarray"],
        "On-site energies from a box distribution U(−W/2, W/2) (Anderson), from the script's seed.",
        |l: &mut Lattice, w: Dynamic| -> Res<NdArray> {
            let w = finite(&w, "onsite_disorder", "W")?;
            let mut rng = crate::rng::from_seed(crate::session::next_seed());
            Ok(NdArray::from_vec(onsite_energies(
                l.len(),
                w.abs(),
                false,
                &mut rng,
            )))
        },
    );
    reg(
        engine,
        "onsite_disorder",
        &["lat: lattice", "W: float", "opts: map", "ndarray"],
        "On-site energies: opts dist (\"box\": U(−W/2, W/2); \"gaussian\": std W), seed.",
        |l: &mut Lattice, w: Dynamic, m: Map| -> Res<NdArray> {
            let o = Opts::new(m, "onsite_disorder", &["dist", "seed"])?;
            let w = finite(&w, "onsite_disorder", "W")?;
            if w < 0.0 {
                return err(format!("onsite_disorder: W must be >= 0, got {w}"));
            }
            let g = o.choice_or("dist", "box", &["box", "gaussian"])? == "gaussian";
            let mut rng = crate::rng::from_seed(o.seed()?);
            Ok(NdArray::from_vec(onsite_energies(l.len(), w, g, &mut rng)))
        },
    );
}
