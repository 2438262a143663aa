//! rhai API of point patterns and scattering networks: `poisson_points`, `crystal_points`,
//! `rsa_points`, `perturbed_lattice`, `k_points`, `structure_factor(_grid, _radial)`,
//! `mean_structure_factor`, `link_weights`, `node_degrees`, `evolve`,
//! `evolve_ensemble`.

use super::{
    annulus_average_cos, crystal, evolve, k_annulus, link_weights_mc, poisson, rsa,
    structure_factor, Preference, Region, Stage,
};
use crate::args::{check_alloc, count, err, finite, positive, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::arr_like;
use crate::progress::par_realizations;
use rhai::{Array, Dynamic, Engine, Map, INT};

const REGION_KEYS: [&str; 4] = ["radius", "rmin", "width", "height"];

fn region(o: &Opts, f: &str) -> Res<Region> {
    if o.has("width") || o.has("height") {
        let (w, h) = (o.f64_or("width", 1.0)?, o.f64_or("height", 1.0)?);
        if w <= 0.0 || h <= 0.0 {
            return err(format!("{f}: width and height must be > 0"));
        }
        return Ok(Region::Rect(w, h));
    }
    let r = o.f64_or("radius", 1.0)?;
    let r0 = o.f64_or("rmin", 0.0)?;
    if r <= 0.0 || r0 < 0.0 || r0 >= r {
        return err(format!(
            "{f}: need 0 <= rmin < radius, got rmin = {r0}, radius = {r}"
        ));
    }
    Ok(if r0 > 0.0 {
        Region::Annulus(r0, r)
    } else {
        Region::Disk(r)
    })
}

fn keys(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v: Vec<&str> = REGION_KEYS.to_vec();
    v.extend_from_slice(extra);
    v
}

fn to_nd(p: &[[f64; 2]]) -> NdArray {
    NdArray::from_2d(p.len(), 2, p.iter().flat_map(|q| [q[0], q[1]]).collect())
        .unwrap_or_else(|_| NdArray::from_vec(vec![]))
}

/// N×2 points from a script value.
pub fn points_arg(v: &Dynamic, f: &str, arg: &str) -> Res<Vec<[f64; 2]>> {
    let a = arr_like(v, f, arg)?;
    if a.size() == 0 {
        return Ok(vec![]);
    }
    if a.ndim() != 2 || a.shape()[1] != 2 {
        return err(format!(
            "{f}: argument '{arg}' must be an N×2 array of points, got shape {:?}",
            a.shape()
        ));
    }
    let d = a.to_vec();
    if d.iter().any(|x| !x.is_finite()) {
        return err(format!(
            "{f}: argument '{arg}' has NaN or infinite coordinates"
        ));
    }
    Ok(d.chunks(2).map(|c| [c[0], c[1]]).collect())
}

/// N×2 points that must not be empty.
fn nonempty_points(v: &Dynamic, f: &str) -> Res<Vec<[f64; 2]>> {
    let p = points_arg(v, f, "points")?;
    if p.is_empty() {
        return err(format!("{f}: no points"));
    }
    Ok(p)
}

fn count_n(v: &Dynamic, f: &str, what: &str) -> Res<usize> {
    count(v, f, what, 0, 50_000_000)
}

/// Parsed options of `evolve` (plain Rust, so realizations can run on worker threads).
#[derive(Clone)]
struct EvolveConfig {
    n: usize,
    rmax: f64,
    ncand: usize,
    nkp: usize,
    klong: [f64; 2],
    stages: Vec<Stage>,
    mixing: bool,
    initial: Vec<[f64; 2]>,
    seed: u64,
}

impl EvolveConfig {
    /// k_c from the final n (Methods): r_c = R/√n, d_c = 2 r_c, k_c = 2π/d_c.
    fn kc(&self) -> f64 {
        2.0 * std::f64::consts::PI / (2.0 * self.rmax / (self.n as f64).sqrt())
    }
    /// Monte-Carlo candidates and k points (K_L, K_S) of one realization.
    fn discretise(&self, seed: u64) -> (Vec<[f64; 2]>, Vec<[f64; 2]>, Vec<[f64; 2]>) {
        let kc = self.kc();
        let mut rng = crate::rng::stream(seed, 0);
        let cands = poisson(self.ncand, Region::Disk(self.rmax), &mut rng);
        let kall = k_annulus(self.nkp, 0.0, kc, &mut rng);
        let norm = |k: &[f64; 2]| (k[0] * k[0] + k[1] * k[1]).sqrt();
        let kl = kall
            .iter()
            .copied()
            .filter(|k| norm(k) >= self.klong[0] * kc && norm(k) <= self.klong[1] * kc)
            .collect();
        let ks = kall
            .iter()
            .copied()
            .filter(|k| norm(k) > self.klong[1] * kc)
            .collect();
        (cands, kl, ks)
    }
    fn run(&self, seed: u64, index: u64) -> Result<super::Evolution, String> {
        let (cands, kl, ks) = self.discretise(seed);
        if kl.is_empty() {
            return Err("no k point falls in K_L; raise k_points".into());
        }
        let mut rng = crate::rng::stream(seed, index + 1);
        let schedule = super::Schedule {
            stages: &self.stages,
            mixing: self.mixing,
            initial: &self.initial,
        };
        evolve(
            &cands,
            &kl,
            &ks,
            &schedule,
            &mut rng,
            &crate::progress::interrupted,
        )
    }
}

fn evolve_config(o: &Opts, f: &str) -> Res<EvolveConfig> {
    let n = o.count_or("n", 500, 1, 1_000_000)?;
    let rmax = o.f64_or("R", 1.0)?;
    if rmax <= 0.0 {
        return err(format!("{f}: R must be > 0"));
    }
    let ncand = o.count_or("candidates", 10_000, 1, 10_000_000)?;
    let nkp = o.count_or("k_points", 10_000, 1, 10_000_000)?;
    let kl = match o.get("k_long") {
        Some(v) => crate::convert::vec_arg(v, f, "opts.k_long")?,
        None => vec![0.05, 0.5],
    };
    if kl.len() != 2 || kl[0] < 0.0 || kl[0] >= kl[1] || kl[1] > 1.0 {
        return err(format!(
            "{f}: k_long must be [lo, hi] fractions of k_c with 0 <= lo < hi <= 1, got {kl:?}"
        ));
    }
    check_alloc(
        f,
        "the candidate × k phase table",
        (ncand as u128) * (nkp as u128),
        8,
    )?;
    let initial = match o.get("initial") {
        Some(v) => points_arg(v, f, "opts.initial")?,
        None => vec![],
    };
    let mut stages = Vec::new();
    match o.get("stages") {
        None => stages.push(Stage {
            poisson: false,
            preference: None,
            count: n.saturating_sub(initial.len()),
            region: Region::Disk(rmax),
        }),
        Some(v) => {
            let arr: Array = v
                .clone()
                .try_cast()
                .ok_or_else(|| format!("{f}: option 'stages' must be an array of maps"))?;
            for (i, st) in arr.into_iter().enumerate() {
                let m: Map = st
                    .try_cast()
                    .ok_or_else(|| format!("{f}: stages[{i}] must be a map"))?;
                let so = Opts::new(
                    m,
                    "evolve (stage)",
                    &[
                        "process", "count", "alpha", "pi0", "pi1", "wc", "rmin", "rmax",
                    ],
                )?;
                let process =
                    so.choice_or("process", "shu", &["shu", "poisson", "preferential"])?;
                let cnt = so.count_or("count", 0, 0, 10_000_000)?;
                let (r0, r1) = (so.f64_or("rmin", 0.0)?, so.f64_or("rmax", rmax)?);
                if r0 < 0.0 || r1 <= r0 {
                    return err(format!("{f}: stages[{i}]: need 0 <= rmin < rmax"));
                }
                let pref = (process == "preferential")
                    .then(|| -> Res<Preference> {
                        Ok(Preference {
                            pi0: so.f64_or("pi0", 2.5)?,
                            pi1: so.f64_or("pi1", 1.5)?,
                            alpha: so.f64_or("alpha", 0.0)?,
                            wc: so.f64_or("wc", -0.926)?,
                        })
                    })
                    .transpose()?;
                stages.push(Stage {
                    poisson: process == "poisson",
                    preference: pref,
                    count: cnt,
                    region: if r0 > 0.0 {
                        Region::Annulus(r0, r1)
                    } else {
                        Region::Disk(r1)
                    },
                });
            }
        }
    }
    let total: usize = stages.iter().map(|s| s.count).sum::<usize>();
    if total > ncand {
        return err(format!(
            "{f}: {total} particles need at least as many candidates ({ncand})"
        ));
    }
    Ok(EvolveConfig {
        n,
        rmax,
        ncand,
        nkp,
        klong: [kl[0], kl[1]],
        stages,
        mixing: o.bool_or("mixing", false)?,
        initial,
        seed: o.seed()?,
    })
}

const EVOLVE_KEYS: &[&str] = &[
    "n",
    "R",
    "candidates",
    "k_points",
    "k_long",
    "stages",
    "mixing",
    "initial",
    "seed",
];

/// Register the point-pattern functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "poisson_points", &["n: int", "opts: map", "ndarray"], "n uniform random points (N×2) in a region: opts radius (disk, default 1), rmin (annulus), width/height (rectangle [0,w]×[0,h]), seed.", |n: Dynamic, m: Map| -> Res<NdArray> {
        let f = "poisson_points";
        let o = Opts::new(m, f, &keys(&["seed"]))?;
        let n = count_n(&n, f, "n")?;
        let mut rng = crate::rng::from_seed(o.seed()?);
        Ok(to_nd(&poisson(n, region(&o, f)?, &mut rng)))
    });
    reg(engine, "crystal_points", &["kind: string", "spacing: float", "opts: map", "ndarray"], "Square or triangular crystal of the given period clipped to the region (N×2); period 1/7 in the unit disk gives 149 points.", |kind: &str, a: Dynamic, m: Map| -> Res<NdArray> {
        let f = "crystal_points";
        let o = Opts::new(m, f, &keys(&[]))?;
        if kind != "square" && kind != "triangular" {
            return err(format!("{f}: kind must be \"square\" or \"triangular\", got \"{kind}\""));
        }
        let a = positive(&a, f, "spacing")?;
        let reg_ = region(&o, f)?;
        let extent = match reg_ { Region::Disk(r) | Region::Annulus(_, r) => 2.0 * r, Region::Rect(w, h) => w.max(h) };
        check_alloc(f, "the crystal", ((extent / a + 3.0).powi(2)) as u128, 16)?;
        Ok(to_nd(&crystal(kind, a, reg_)))
    });
    reg(engine, "rsa_points", &["n: int", "dmin: float", "opts: map", "ndarray"], "Random sequential addition: up to n points at least dmin apart (stops after 1000·n tries).", |n: Dynamic, d: Dynamic, m: Map| -> Res<NdArray> {
        let f = "rsa_points";
        let o = Opts::new(m, f, &keys(&["seed"]))?;
        let n = count(&n, f, "n", 0, 200_000)?;
        let d = positive(&d, f, "dmin")?;
        let mut rng = crate::rng::from_seed(o.seed()?);
        Ok(to_nd(&rsa(n, d, region(&o, f)?, 1000 * n.max(1), &mut rng)))
    });
    reg(
        engine,
        "perturbed_lattice",
        &[
            "kind: string",
            "spacing: float",
            "sigma: float",
            "opts: map",
            "ndarray",
        ],
        "A crystal with Gaussian displacements of std sigma per coordinate.",
        |kind: &str, a: Dynamic, s: Dynamic, m: Map| -> Res<NdArray> {
            let f = "perturbed_lattice";
            let o = Opts::new(m, f, &keys(&["seed"]))?;
            let a = positive(&a, f, "spacing")?;
            let s = finite(&s, f, "sigma")?.abs();
            let mut rng = crate::rng::from_seed(o.seed()?);
            let base = crystal(
                if kind == "triangular" {
                    "triangular"
                } else {
                    "square"
                },
                a,
                region(&o, f)?,
            );
            let d = crate::lattice::jitter(base.len(), 2, true, s, &mut rng);
            Ok(to_nd(
                &base
                    .iter()
                    .enumerate()
                    .map(|(i, p)| [p[0] + d[2 * i], p[1] + d[2 * i + 1]])
                    .collect::<Vec<_>>(),
            ))
        },
    );
    reg(engine, "k_points", &["count: int", "kmin: float", "kmax: float", "opts: map", "ndarray"], "Reciprocal-space samples in the annulus kmin ≤ |k| ≤ kmax (K×2): opts method (\"mc\": uniform random; \"stratified\": one jittered point per equal-area cell), seed.", |c: Dynamic, a: Dynamic, b: Dynamic, m: Map| -> Res<NdArray> {
        let f = "k_points";
        let o = Opts::new(m, f, &["method", "seed"])?;
        let c = count_n(&c, f, "count")?;
        let (a, b) = (finite(&a, f, "kmin")?, finite(&b, f, "kmax")?);
        if a < 0.0 || b <= a {
            return err(format!("{f}: need 0 <= kmin < kmax, got {a}, {b}"));
        }
        let mut rng = crate::rng::from_seed(o.seed()?);
        if o.choice_or("method", "mc", &["mc", "stratified"])? == "mc" {
            return Ok(to_nd(&k_annulus(c, a, b, &mut rng)));
        }
        // stratified: rings of equal area, each split into equal angular cells
        use rand::Rng;
        let rings = ((c as f64).sqrt() / 2.0).ceil().max(1.0) as usize;
        let per = c.div_ceil(rings);
        let mut out = Vec::with_capacity(c);
        'outer: for r in 0..rings {
            for s in 0..per {
                if out.len() == c {
                    break 'outer;
                }
                let u = (r as f64 + rng.random::<f64>()) / rings as f64;
                let rad = (a * a + u * (b * b - a * a)).sqrt();
                let t = (s as f64 + rng.random::<f64>()) / per as f64 * std::f64::consts::TAU;
                out.push([rad * t.cos(), rad * t.sin()]);
            }
        }
        Ok(to_nd(&out))
    });
    reg(engine, "structure_factor", &["points: ndarray", "k: ndarray", "ndarray"], "S(k) = |Σ_j e^(−ik·r_j)|²/N for each row of the K×2 array k (seed 002 Eq. 1), in parallel.", |p: Dynamic, k: Dynamic| -> Res<NdArray> {
        let f = "structure_factor";
        let (p, k) = (nonempty_points(&p, f)?, points_arg(&k, f, "k")?);
        let s = structure_factor(&p, &k);
        crate::progress::check_interrupt(f)?;
        Ok(NdArray::from_vec(s))
    });
    reg(
        engine,
        "mean_structure_factor",
        &["points: ndarray", "k: ndarray", "float"],
        "⟨S⟩ over a k set.",
        |p: Dynamic, k: Dynamic| -> Res<f64> {
            let f = "mean_structure_factor";
            let (p, k) = (points_arg(&p, f, "points")?, points_arg(&k, f, "k")?);
            if p.is_empty() || k.is_empty() {
                return err(format!("{f}: need points and k points"));
            }
            let s = structure_factor(&p, &k);
            crate::progress::check_interrupt(f)?;
            Ok(s.iter().sum::<f64>() / s.len() as f64)
        },
    );
    reg(
        engine,
        "structure_factor_grid",
        &["points: ndarray", "kmax: float", "n: int", "ndarray"],
        "S(k) on an n×n grid over [−kmax, kmax]² (row 0 at k_y = +kmax, as a heatmap draws it).",
        |p: Dynamic, kmax: Dynamic, n: Dynamic| -> Res<NdArray> {
            let f = "structure_factor_grid";
            let p = nonempty_points(&p, f)?;
            let kmax = positive(&kmax, f, "kmax")?;
            let n = count(&n, f, "n", 2, 4096)?;
            let step = 2.0 * kmax / (n - 1) as f64;
            let ks: Vec<[f64; 2]> = (0..n * n)
                .map(|q| [-kmax + (q % n) as f64 * step, kmax - (q / n) as f64 * step])
                .collect();
            let s = structure_factor(&p, &ks);
            crate::progress::check_interrupt(f)?;
            Ok(NdArray::from_2d(n, n, s)?)
        },
    );
    reg(
        engine,
        "structure_factor_radial",
        &["points: ndarray", "kmax: float", "bins: int", "map"],
        "Radially averaged S(|k|) on bins up to kmax (64 directions per |k|): #{k, S}.",
        |p: Dynamic, kmax: Dynamic, bins: Dynamic| -> Res<Map> {
            let f = "structure_factor_radial";
            let p = nonempty_points(&p, f)?;
            let kmax = positive(&kmax, f, "kmax")?;
            let bins = count(&bins, f, "bins", 1, 100_000)?;
            let na = 64;
            let kr: Vec<f64> = (0..bins)
                .map(|i| (i as f64 + 0.5) * kmax / bins as f64)
                .collect();
            let ks: Vec<[f64; 2]> = kr
                .iter()
                .flat_map(|&k| {
                    (0..na).map(move |a| {
                        let t = a as f64 / na as f64 * std::f64::consts::PI;
                        [k * t.cos(), k * t.sin()]
                    })
                })
                .collect();
            let s = structure_factor(&p, &ks);
            crate::progress::check_interrupt(f)?;
            let sr: Vec<f64> = s
                .chunks(na)
                .map(|c| c.iter().sum::<f64>() / na as f64)
                .collect();
            let mut out = Map::new();
            out.insert("k".into(), Dynamic::from(NdArray::from_vec(kr)));
            out.insert("S".into(), Dynamic::from(NdArray::from_vec(sr)));
            Ok(out)
        },
    );
    let weights = |p: Dynamic, k: Dynamic| -> Res<Vec<f64>> {
        let f = "link_weights";
        let (p, k) = (points_arg(&p, f, "points")?, points_arg(&k, f, "k")?);
        if k.is_empty() {
            return err(format!("{f}: empty k set"));
        }
        check_alloc(f, "the n×n weights", (p.len() as u128).pow(2), 8)?;
        let w = link_weights_mc(&p, &k);
        crate::progress::check_interrupt(f)?;
        Ok(w)
    };
    let exact = |p: Dynamic, a: Dynamic, b: Dynamic| -> Res<Vec<f64>> {
        let f = "link_weights";
        let p = points_arg(&p, f, "points")?;
        let (a, b) = (finite(&a, f, "kmin")?, finite(&b, f, "kmax")?);
        if a < 0.0 || b <= a {
            return err(format!("{f}: need 0 <= kmin < kmax"));
        }
        check_alloc(f, "the n×n weights", (p.len() as u128).pow(2), 8)?;
        let n = p.len();
        Ok((0..n * n)
            .map(|q| {
                let (i, j) = (q / n, q % n);
                if i == j {
                    0.0
                } else {
                    annulus_average_cos(
                        ((p[i][0] - p[j][0]).powi(2) + (p[i][1] - p[j][1]).powi(2)).sqrt(),
                        a,
                        b,
                    )
                }
            })
            .collect())
    };
    let nn = |w: Vec<f64>, n: usize| -> NdArray {
        NdArray::from_2d(n, n, w).unwrap_or_else(|_| NdArray::from_vec(vec![]))
    };
    let deg = |w: &[f64], n: usize| -> NdArray {
        NdArray::from_vec((0..n).map(|p| w[p * n..(p + 1) * n].iter().sum()).collect())
    };
    reg(engine, "link_weights", &["points: ndarray", "k: ndarray", "ndarray"], "Scattering-network link weights w_pq = ⟨cos k·(r_p − r_q)⟩_K over a Monte-Carlo k set (Eq. 2), n×n, zero diagonal.", move |p: Dynamic, k: Dynamic| -> Res<NdArray> {
        let n = arr_like(&p, "link_weights", "points")?.len();
        Ok(nn(weights(p, k)?, n))
    });
    reg(engine, "link_weights", &["points: ndarray", "kmin: float", "kmax: float", "ndarray"], "Link weights averaged exactly over the annulus kmin ≤ |k| ≤ kmax: (2/(b²−a²))[b J1(bd) − a J1(ad)]/d.", move |p: Dynamic, a: Dynamic, b: Dynamic| -> Res<NdArray> {
        let n = arr_like(&p, "link_weights", "points")?.len();
        Ok(nn(exact(p, a, b)?, n))
    });
    reg(
        engine,
        "node_degrees",
        &["points: ndarray", "k: ndarray", "ndarray"],
        "Node degrees w_p = Σ_{q≠p} w_pq over a k set; ⟨S⟩_K = 1 + mean(w_p) (Eq. 3).",
        move |p: Dynamic, k: Dynamic| -> Res<NdArray> {
            let n = arr_like(&p, "node_degrees", "points")?.len();
            Ok(deg(&weights(p, k)?, n))
        },
    );
    reg(
        engine,
        "node_degrees",
        &["points: ndarray", "kmin: float", "kmax: float", "ndarray"],
        "Node degrees with the exact annulus average.",
        move |p: Dynamic, a: Dynamic, b: Dynamic| -> Res<NdArray> {
            let n = arr_like(&p, "node_degrees", "points")?.len();
            Ok(deg(&exact(p, a, b)?, n))
        },
    );
    let one = |m: Map| -> Res<Map> {
        let f = "evolve";
        let o = Opts::new(m, f, EVOLVE_KEYS)?;
        let cfg = evolve_config(&o, f)?;
        let ev = cfg.run(cfg.seed, 0).map_err(|e| format!("{f}: {e}"))?;
        let (_, kl, ks) = cfg.discretise(cfg.seed);
        let mut out = Map::new();
        out.insert("points".into(), Dynamic::from(to_nd(&ev.points)));
        out.insert(
            "degrees".into(),
            Dynamic::from(NdArray::from_vec(ev.degrees)),
        );
        out.insert("s_long".into(), Dynamic::from(NdArray::from_vec(ev.s_long)));
        out.insert(
            "s_short".into(),
            Dynamic::from(NdArray::from_vec(ev.s_short)),
        );
        out.insert("eq8_error".into(), Dynamic::from_float(ev.eq8_error));
        out.insert("k_c".into(), Dynamic::from_float(cfg.kc()));
        out.insert("k_long".into(), Dynamic::from(to_nd(&kl)));
        out.insert("k_short".into(), Dynamic::from(to_nd(&ks)));
        out.insert(
            "n_B1".into(),
            Dynamic::from_int((cfg.n as f64 / 4.0).round() as INT),
        );
        Ok(out)
    };
    reg(engine, "evolve", &["opts: map", "map"], "Grow a scattering network particle by particle (seed 002 Eq. 4): opts n (500), R (1), candidates (10⁴ Monte-Carlo positions), k_points (10⁴ in the k_c disk), k_long ([0.05, 0.5] of k_c: K_L, the cost set; above: K_S), stages (array of #{process: \"shu\" | \"poisson\" | \"preferential\" (alpha, pi0 2.5, pi1 1.5, wc −0.926), count, rmin, rmax}; default one SHU stage), mixing (interleave stages at random), initial (N×2 starting points), seed. Returns #{points, degrees (K_L), s_long, s_short (⟨S_n⟩ after each particle), eq8_error, k_c, k_long, k_short, n_B1}.", one);
    reg(engine, "evolve_ensemble", &["count: int", "opts: map", "map"], "`count` independent evolve runs in parallel (realization i from stream i of the seed): #{s_long, s_short (count×n), final_long, final_short (per realization), degrees (count×n)}.", |c: Dynamic, m: Map| -> Res<Map> {
        let f = "evolve_ensemble";
        let c = count(&c, f, "count", 1, 1_000_000)?;
        let o = Opts::new(m, f, EVOLVE_KEYS)?;
        let cfg = evolve_config(&o, f)?;
        // each realization has its own candidates and k points (different Monte-Carlo
        // discretisations, as in the paper)
        let runs = par_realizations(c, f, |i| cfg.run(crate::rng::mix(cfg.seed ^ crate::rng::mix(i as u64)), i as u64))?;
        let n = runs.first().map(|r| r.s_long.len()).unwrap_or(0);
        let mut out = Map::new();
        let cat = |g: &dyn Fn(&super::Evolution) -> Vec<f64>| -> Res<NdArray> { Ok(NdArray::from_2d(c, n, runs.iter().flat_map(g).collect())?) };
        out.insert("s_long".into(), Dynamic::from(cat(&|r| r.s_long.clone())?));
        out.insert("s_short".into(), Dynamic::from(cat(&|r| r.s_short.clone())?));
        out.insert("degrees".into(), Dynamic::from(cat(&|r| r.degrees.clone())?));
        out.insert("final_long".into(), Dynamic::from(NdArray::from_vec(runs.iter().map(|r| r.s_long.last().copied().unwrap_or(f64::NAN)).collect())));
        out.insert("final_short".into(), Dynamic::from(NdArray::from_vec(runs.iter().map(|r| r.s_short.last().copied().unwrap_or(f64::NAN)).collect())));
        Ok(out)
    });
}
