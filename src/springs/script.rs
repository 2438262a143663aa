//! rhai API of spring networks (seed 004): `spring_network`, node/bond access, `poisson_ratio`,
//! `uniaxial_response`, `bond_elongations`, `dynamical_matrix`, `mode_projection`,
//! `floppy_modes`, `prune_anneal`.

use super::anneal::{prune_anneal, schedule_len, AnnealOpts, Goal};
use super::mechanics::{
    dynamical_matrix, elastic_tensor, elasticity, elongations, modes, uniaxial, uniaxial_finite,
};
use super::packing::jammed_packing;
use super::{delaunay_random, distorted_triangular, SpringNetwork, SIDES};
use crate::args::{check_alloc, err, finite, int, reg, string, Opts, Res};
use crate::array::NdArray;
use crate::convert::arr_like;
use crate::progress::{bar, interrupted};
use rhai::{Dynamic, Engine, Map, INT};

fn fmap(pairs: Vec<(&str, Dynamic)>) -> Map {
    pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

fn vecf(v: Vec<f64>) -> Dynamic {
    Dynamic::from(NdArray::from_vec(v))
}

fn field(u: &[f64]) -> Res<NdArray> {
    NdArray::from_2d(u.len() / 2, 2, u.to_vec()).map_err(|e| e.into())
}

/// Build one of the generators from an options map (shared by `spring_network` and the dataset).
fn generate(kind: &str, o: &Opts, f: &str) -> Res<SpringNetwork> {
    let seed = o.seed()?;
    let net = match kind {
        "triangular" => {
            let nx = o.count_or("nx", 12, 2, 2000)?;
            let ny = o.count_or("ny", nx, 2, 2000)?;
            let r = o.f64_or("r", 0.0)?;
            if !(0.0..1.0).contains(&r) {
                return err(format!(
                    "{f}: option 'r' (displacement, lattice constants) must be in [0, 1), got {r}"
                ));
            }
            check_alloc(f, "the network", (nx * ny) as u128, 200)?;
            distorted_triangular(nx, ny, r, o.bool_or("periodic", false)?, seed)
        }
        "delaunay" => {
            let nx = o.count_or("nx", 12, 2, 2000)?;
            let ny = o.count_or("ny", nx, 2, 2000)?;
            check_alloc(f, "the network", (nx * ny) as u128, 200)?;
            delaunay_random(nx, ny, seed)
        }
        "packing" => {
            let n = o.count_or("n", 144, 8, 200_000)?;
            let phi = o.f64_or("phi", 0.88)?;
            jammed_packing(n, phi, o.bool_or("periodic", false)?, seed, &interrupted)
                .map(|(net, _)| net)
        }
        _ => {
            return err(format!(
                "{f}: kind must be \"triangular\", \"delaunay\" or \"packing\", got \"{kind}\""
            ))
        }
    };
    net.map_err(|e| format!("{f}: {e}").into())
}

fn node(net: &SpringNetwork, v: &Dynamic, f: &str, arg: &str) -> Res<usize> {
    let i = int(v, f, arg)?;
    if i < 0 || i as usize >= net.n() {
        return err(format!(
            "{f}: {arg} must be a node index in 0..{}, got {i}",
            net.n()
        ));
    }
    Ok(i as usize)
}

fn axis_arg(v: &Dynamic, f: &str) -> Res<usize> {
    let s = string(v, f, "axis")?;
    match s.as_str() {
        "x" => Ok(0),
        "y" => Ok(1),
        _ => err(format!("{f}: axis must be \"x\" or \"y\", got \"{s}\"")),
    }
}

fn bonds_array(net: &SpringNetwork) -> Res<NdArray> {
    let v: Vec<f64> = net
        .active_bonds()
        .flat_map(|(_, b)| [b.i as f64, b.j as f64])
        .collect();
    NdArray::from_2d(v.len() / 2, 2, v).map_err(|e| e.into())
}

fn anneal_opts(m: Map, f: &str) -> Res<AnnealOpts> {
    let o = Opts::new(
        m,
        f,
        &[
            "goal",
            "target",
            "t0",
            "factor",
            "t_final",
            "chain",
            "moves",
            "p_add",
            "stop",
            "bond_cost",
            "seed",
        ],
    )?;
    let goal = match (
        o.get("target"),
        o.choice_or("goal", "min", &["min", "max", "target"])?
            .as_str(),
    ) {
        (Some(t), _) => Goal::Target(finite(t, f, "opts.target")?),
        (None, "target") => return err(format!("{f}: goal \"target\" needs option 'target'")),
        (None, "max") => Goal::Max,
        _ => Goal::Min,
    };
    let t0 = o.f64_or("t0", 0.02)?;
    let factor = o.f64_or("factor", 0.9)?;
    let t_final = o.f64_or("t_final", 1e-4)?;
    if !(t0 > 0.0 && t_final > 0.0 && t_final <= t0) {
        return err(format!(
            "{f}: need 0 < t_final <= t0, got t0 = {t0}, t_final = {t_final}"
        ));
    }
    if !(factor > 0.0 && factor < 1.0) {
        return err(format!(
            "{f}: option 'factor' (cooling rate) must be in (0, 1), got {factor}"
        ));
    }
    let p_add = o.f64_or("p_add", 0.3)?;
    if !(0.0..=1.0).contains(&p_add) {
        return err(format!(
            "{f}: option 'p_add' must be in [0, 1], got {p_add}"
        ));
    }
    let opts = AnnealOpts {
        goal,
        t0,
        factor,
        t_final,
        chain: o.count_or("chain", 100, 1, 100_000_000)?,
        moves: o.count_or("moves", 1, 1, 1000)?,
        p_add,
        until: o.f64_opt("stop")?,
        bond_cost: o.f64_or("bond_cost", 0.0)?,
        seed: o.seed()?,
    };
    if schedule_len(&opts) > 1_000_000 {
        return err(format!("{f}: the schedule has more than 10⁶ temperatures: raise 'factor' toward 0.9 or 't_final'"));
    }
    Ok(opts)
}

/// Register the spring-network functions.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<SpringNetwork>("spring_network");
    let show = |n: &mut SpringNetwork| {
        format!(
            "spring_network({}, {} nodes, {} bonds, z = {:.3}, {})",
            n.kind,
            n.n(),
            n.n_active(),
            n.z(),
            if n.periodic.is_some() {
                "periodic"
            } else {
                "open"
            }
        )
    };
    reg(
        engine,
        "to_string",
        &["n: spring_network", "string"],
        "Short description.",
        show,
    );
    reg(
        engine,
        "to_debug",
        &["n: spring_network", "string"],
        "Short description.",
        show,
    );

    reg(engine, "spring_network", &["kind: string", "opts: map", "spring_network"], "A 2D network of relaxed springs (seed 004). kind \"triangular\": nx×ny triangular lattice, every interior node displaced by r in a random direction (opts nx, ny, r, periodic, seed); \"delaunay\": Delaunay network of nx·ny random points in an nx×ny rectangle (opts nx, ny, seed); \"packing\": contact network of a bidisperse (1:1.4) jammed disk packing of n disks at packing fraction phi (default 0.88), FIRE-minimised, rattlers removed (opts n, phi, periodic, seed).", |kind: &str, m: Map| -> Res<SpringNetwork> {
        let f = "spring_network";
        let o = Opts::new(m, f, &["nx", "ny", "r", "periodic", "seed", "n", "phi"])?;
        generate(kind, &o, f)
    });
    reg(engine, "spring_network", &["positions: ndarray", "bonds: ndarray", "spring_network"], "An open spring network from N×2 positions and E×2 bond node indices (springs relaxed; edge sets: nodes within 0.5 of the bounding box sides).", |p: Dynamic, b: Dynamic| -> Res<SpringNetwork> {
        let f = "spring_network";
        let p = arr_like(&p, f, "positions")?;
        let b = arr_like(&b, f, "bonds")?;
        if p.ndim() != 2 || p.shape()[1] != 2 {
            return err(format!("{f}: positions must be N×2, got shape {:?}", p.shape()));
        }
        if b.ndim() != 2 || b.shape()[1] != 2 {
            return err(format!("{f}: bonds must be E×2 node indices, got shape {:?}", b.shape()));
        }
        let pv = p.to_vec();
        let pos: Vec<[f64; 2]> = pv.chunks(2).map(|c| [c[0], c[1]]).collect();
        let mut pairs = Vec::new();
        for c in b.to_vec().chunks(2) {
            if c.iter().any(|&x| x < 0.0 || x.fract() != 0.0 || x >= pos.len() as f64) {
                return err(format!("{f}: bond ({}, {}) is not a pair of node indices in 0..{}", c[0], c[1], pos.len()));
            }
            pairs.push((c[0] as usize, c[1] as usize, [0, 0]));
        }
        SpringNetwork::new(pos, &pairs, None, 0.5, "custom").map_err(|e| format!("{f}: {e}").into())
    });
    reg(
        engine,
        "positions",
        &["net: spring_network", "ndarray"],
        "Node positions of a spring network, N×2.",
        |n: &mut SpringNetwork| -> Res<NdArray> {
            NdArray::from_2d(n.n(), 2, n.pos.iter().flat_map(|p| p.to_vec()).collect())
                .map_err(|e| e.into())
        },
    );
    reg(
        engine,
        "bonds",
        &["net: spring_network", "ndarray"],
        "Present bonds as E×2 node indices (the order of bond_elongations).",
        |n: &mut SpringNetwork| bonds_array(n),
    );
    reg(
        engine,
        "n_nodes",
        &["net: spring_network", "int"],
        "Number of nodes.",
        |n: &mut SpringNetwork| n.n() as INT,
    );
    reg(
        engine,
        "n_bonds",
        &["net: spring_network", "int"],
        "Number of bonds present.",
        |n: &mut SpringNetwork| n.n_active() as INT,
    );
    reg(
        engine,
        "coordination",
        &["net: spring_network", "float"],
        "Mean coordination number z = 2N_b/N.",
        |n: &mut SpringNetwork| n.z(),
    );
    reg(
        engine,
        "degrees",
        &["net: spring_network", "ndarray"],
        "Number of bonds at each node.",
        |n: &mut SpringNetwork| NdArray::from_vec(n.degrees().iter().map(|&d| d as f64).collect()),
    );
    reg(engine, "edge_nodes", &["net: spring_network", "side: string", "ndarray"], "Node indices of an open network's edge set: side \"left\", \"right\", \"bottom\" or \"top\" (the grips and gauges of the uniaxial tests).", |n: &mut SpringNetwork, side: &str| -> Res<NdArray> {
        match SIDES.iter().position(|&s| s == side) {
            Some(k) => Ok(NdArray::from_vec(n.sides[k].iter().map(|&i| i as f64).collect())),
            None => err(format!("edge_nodes: side must be one of {}, got \"{side}\"", SIDES.join(", "))),
        }
    });
    reg(
        engine,
        "add_bond",
        &["net: spring_network", "i: int", "j: int", "()"],
        "Add a relaxed spring between nodes i and j (re-adds a removed bond).",
        |n: &mut SpringNetwork, i: Dynamic, j: Dynamic| -> Res<()> {
            let f = "add_bond";
            let (i, j) = (node(n, &i, f, "i")?, node(n, &j, f, "j")?);
            n.add_bond(i, j)
                .map(|_| ())
                .map_err(|e| format!("{f}: {e}").into())
        },
    );
    reg(
        engine,
        "remove_bond",
        &["net: spring_network", "i: int", "j: int", "()"],
        "Remove the spring between nodes i and j.",
        |n: &mut SpringNetwork, i: Dynamic, j: Dynamic| -> Res<()> {
            let f = "remove_bond";
            let (i, j) = (node(n, &i, f, "i")?, node(n, &j, f, "j")?);
            n.remove_bond(i, j)
                .map(|_| ())
                .map_err(|e| format!("{f}: {e}").into())
        },
    );
    reg(engine, "dynamical_matrix", &["net: spring_network", "ndarray"], "The 2N×2N dynamical (Hessian) matrix, H_ij = −k n̂n̂ᵀ, H_ii = Σ k n̂n̂ᵀ (unit masses; DOF order x0, y0, x1, …).", |n: &mut SpringNetwork| -> Res<NdArray> {
        let n2 = 2 * n.n();
        check_alloc("dynamical_matrix", "the matrix", (n2 * n2) as u128, 8)?;
        let m = dynamical_matrix(n);
        NdArray::from_2d(n2, n2, (0..n2 * n2).map(|k| m[(k / n2, k % n2)]).collect()).map_err(|e| e.into())
    });
    reg(engine, "floppy_modes", &["net: spring_network", "int"], "Zero modes of the network counted by the 2D pebble game (rigid-body motions included: 3 for a rigid open network).", |n: &mut SpringNetwork| super::anneal::floppy_modes(n, &n.active) as INT);
    reg(engine, "poisson_ratio", &["net: spring_network", "map"], "Poisson's ratio by linear response: #{nu_x, nu_y, nu = (nu_x+nu_y)/2, young_x, young_y, bulk, shear}. Open networks: frictionless grips on the left/right (bottom/top) edge sets, free lateral edges, transverse strain read on the other two edge sets. Periodic networks: from the relaxed elastic tensor (bulk and shear exact).", |n: &mut SpringNetwork| -> Res<Map> {
        let e = elasticity(n).map_err(|e| format!("poisson_ratio: {e}"))?;
        Ok(fmap(vec![
            ("nu_x", e.nu_x.into()), ("nu_y", e.nu_y.into()), ("nu", e.nu.into()),
            ("young_x", e.young_x.into()), ("young_y", e.young_y.into()),
            ("bulk", e.bulk.into()), ("shear", e.shear.into()),
        ]))
    });
    reg(engine, "elastic_tensor", &["net: spring_network", "ndarray"], "Relaxed elastic constants of a periodic network: 3×3 C with energy density W = ½ eᵀCe, e = (ε_xx, ε_yy, ε_xy).", |n: &mut SpringNetwork| -> Res<NdArray> {
        let c = elastic_tensor(n).map_err(|e| format!("elastic_tensor: {e}"))?;
        NdArray::from_2d(3, 3, c.iter().flatten().copied().collect()).map_err(|e| e.into())
    });
    reg(engine, "uniaxial_response", &["net: spring_network", "axis: string", "map"], "Linear response to unit uniaxial strain along \"x\" or \"y\": #{u (N×2 displacements), nu, transverse, energy, force, young}.", |n: &mut SpringNetwork, axis: Dynamic| -> Res<Map> {
        let f = "uniaxial_response";
        let r = uniaxial(n, axis_arg(&axis, f)?).map_err(|e| format!("{f}: {e}"))?;
        Ok(fmap(vec![
            ("u", Dynamic::from(field(&r.u)?)), ("nu", r.nu.into()), ("transverse", r.transverse.into()),
            ("energy", r.energy.into()), ("force", r.force.into()), ("young", r.young.into()),
        ]))
    });
    reg(engine, "finite_strain_poisson", &["net: spring_network", "strain: float", "map"], "Poisson's ratio of an open network from the full nonlinear spring energy minimised (Newton) at strains ±strain (central difference): #{nu_x, nu_y, nu}; checks the linear response.", |n: &mut SpringNetwork, s: Dynamic| -> Res<Map> {
        let f = "finite_strain_poisson";
        let eps = finite(&s, f, "strain")?;
        if !(eps > 0.0 && eps <= 0.1) {
            return err(format!("{f}: strain must be in (0, 0.1], got {eps}"));
        }
        let nu = |axis| -> Res<f64> {
            let p = uniaxial_finite(n, axis, eps).map_err(|e| format!("{f}: {e}"))?;
            let m = uniaxial_finite(n, axis, -eps).map_err(|e| format!("{f}: {e}"))?;
            Ok(-(p - m) / (2.0 * eps))
        };
        let (x, y) = (nu(0)?, nu(1)?);
        Ok(fmap(vec![("nu_x", x.into()), ("nu_y", y.into()), ("nu", (0.5 * (x + y)).into())]))
    });
    reg(engine, "bond_elongations", &["net: spring_network", "map"], "Length change of every present bond (order of bonds(net)) per unit strain: #{dx (x stretching), dy (y stretching)} — the Δl_x vs Δl_y scatter of seed 004 Fig. 1i.", |n: &mut SpringNetwork| -> Res<Map> {
        let e = elasticity(n).map_err(|e| format!("bond_elongations: {e}"))?;
        Ok(fmap(vec![("dx", vecf(elongations(n, &e.x))), ("dy", vecf(elongations(n, &e.y)))]))
    });
    reg(engine, "mode_projection", &["net: spring_network", "map"], "Normal modes of the dynamical matrix and the projection of the stretching responses on them (seed 004 Eq. 1): #{omega (ascending), weights |C_i|² (mean of x and y loads, Σ = 1), weights_x, weights_y, nu_prime (each mode's effective ν′), zero_modes, top (two highest-weight modes), nu_bar = Σ_top |C|²ν′, nu}. Dense: 2N up to a few thousand.", |n: &mut SpringNetwork| -> Res<Map> {
        let f = "mode_projection";
        let n2 = 2 * n.n() as u128;
        check_alloc(f, "the eigenvectors", n2 * n2 * 3, 8)?;
        let m = modes(n).map_err(|e| format!("{f}: {e}"))?;
        let nu = m.nu;
        Ok(fmap(vec![
            ("omega", vecf(m.omega)), ("weights", vecf(m.weights)), ("weights_x", vecf(m.weights_x)),
            ("weights_y", vecf(m.weights_y)), ("nu_prime", vecf(m.nu_prime)),
            ("zero_modes", Dynamic::from_int(m.zero_modes as INT)),
            ("top", Dynamic::from_array(m.top.iter().map(|&t| Dynamic::from_int(t as INT)).collect())),
            ("nu_bar", m.nu_bar.into()), ("nu", nu.into()),
        ]))
    });
    reg(engine, "normal_mode", &["net: spring_network", "i: int", "map"], "Normal mode i (ascending ω) of an open network's dynamical matrix: #{omega, u (N×2 unit displacement field, for arrows), nu_prime (its effective Poisson's ratio), weight (|C_i|² in the stretching response)} — draw the ω₊/ω₋ modes of seed 004 Fig. 4a,b.", |n: &mut SpringNetwork, i: Dynamic| -> Res<Map> {
        let f = "normal_mode";
        let n2 = 2 * n.n();
        let i = int(&i, f, "i")?;
        if i < 0 || i as usize >= n2 {
            return err(format!("{f}: i must be a mode index in 0..{n2}, got {i}"));
        }
        let i = i as usize;
        check_alloc(f, "the eigenvectors", (n2 * n2 * 3) as u128, 8)?;
        let m = modes(n).map_err(|e| format!("{f}: {e}"))?;
        let u: Vec<f64> = (0..n2).map(|d| m.vectors[(d, i)]).collect();
        Ok(fmap(vec![
            ("omega", m.omega[i].into()), ("u", Dynamic::from(field(&u)?)),
            ("nu_prime", m.nu_prime[i].into()), ("weight", m.weights[i].into()),
        ]))
    });
    reg(engine, "prune_anneal", &["net: spring_network", "opts: map", "map"], "Simulated annealing of bonds toward a Poisson's ratio (seed 004): opts goal (\"min\", \"max\" or \"target\" with target), t0 (0.02), factor (0.9), t_final (1e-4), chain (100 steps per temperature), moves (bonds changed per step, 1), p_add (0.3, probability a move re-adds a removed bond), stop (min/max: stop once ν passes this value; target: once |ν − target| ≤ stop), bond_cost (0: cost added per removed bond as a fraction of the initial count, to prefer the fewest cuts), seed. Faces stay convex, no floppy mode is created. With free edges, strongly pruned networks turn anisotropic and \"min\"/\"max\" can push ν beyond ±1: a target with stop reaches the paper's range with the fewest cuts. Returns #{network (best found), nu, nu_initial, history #{temperature, nu, z, best_nu, acceptance}, evaluations, floppy_modes}.", |n: &mut SpringNetwork, m: Map| -> Res<Map> {
        let f = "prune_anneal";
        let o = anneal_opts(m, f)?;
        let pb = bar(schedule_len(&o) as u64, f);
        let tick = || pb.inc(1);
        let r = prune_anneal(n, &o, &tick, &interrupted).map_err(|e| format!("{f}: {e}"))?;
        pb.finish_and_clear();
        let col = |g: &dyn Fn(&super::anneal::AnnealRecord) -> f64| vecf(r.history.iter().map(g).collect());
        let hist = fmap(vec![
            ("temperature", col(&|h| h.temperature)), ("nu", col(&|h| h.nu)), ("z", col(&|h| h.z)),
            ("best_nu", col(&|h| h.best_nu)), ("acceptance", col(&|h| h.acceptance)),
        ]);
        Ok(fmap(vec![
            ("network", Dynamic::from(r.net)), ("nu", r.nu.into()), ("nu_initial", r.nu_initial.into()),
            ("history", Dynamic::from_map(hist)), ("evaluations", Dynamic::from_int(r.evaluations as INT)),
            ("floppy_modes", Dynamic::from_int(r.floppy_modes as INT)),
        ]))
    });
}
