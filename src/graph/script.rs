//! rhai API of graphs: `graph` (from edges, a lattice's nearest neighbours or a spring
//! network's bonds), the random ensembles (`gnp_graph`, `gnm_graph`, `random_regular_graph`,
//! `configuration_model`, `watts_strogatz_graph`, `random_geometric_graph`), structure
//! (`degrees`, `neighbors`, `components`, `distances`, `clustering`), matrices as operators
//! (`adjacency`, `laplacian`) and `graph_percolation`.

use super::{
    bond_percolation_run, configuration, gnm, gnp, random_geometric, random_regular,
    site_percolation_run, watts_strogatz, Graph, PercolationRun, MAX_NODES,
};
use crate::args::{check_alloc, count, err, finite, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::arr_like;
use crate::lattice::Lattice;
use crate::linalg::operator::Operator;
use crate::progress::par_realizations;
use crate::rng::SplitMix64;
use crate::springs::SpringNetwork;
use rhai::{Dynamic, Engine, Map, INT};
use std::sync::Arc;

/// A graph as scripts hold it: shared (cloning a value is cheap), with the node positions of a
/// geometric graph or of the lattice or network it came from.
#[derive(Clone)]
pub struct ScriptGraph {
    pub graph: Arc<Graph>,
    pub positions: Option<NdArray>,
}

fn wrap(g: Graph, positions: Option<NdArray>) -> ScriptGraph {
    ScriptGraph {
        graph: Arc::new(g),
        positions,
    }
}

fn nodes_arg(v: &Dynamic, f: &str) -> Res<usize> {
    count(v, f, "n", 0, MAX_NODES as i64)
}

fn edges_arg(v: &Dynamic, n: usize, f: &str) -> Res<Vec<(u32, u32)>> {
    let a = arr_like(v, f, "edges")?;
    let s = a.shape().to_vec();
    if a.is_empty() {
        return Ok(Vec::new());
    }
    if a.ndim() != 2 || s[1] != 2 {
        return err(format!(
            "{f}: argument 'edges' must be an E×2 array of node indices, got shape {s:?}"
        ));
    }
    let flat = a.to_vec();
    let mut out = Vec::with_capacity(s[0]);
    for (k, pair) in flat.chunks_exact(2).enumerate() {
        for &x in pair {
            if !(x >= 0.0 && x < n as f64 && x.fract() == 0.0) {
                return err(format!(
                    "{f}: edge {k} = ({}, {}) must join node indices in 0..{n}",
                    pair[0], pair[1]
                ));
            }
        }
        out.push((pair[0] as u32, pair[1] as u32));
    }
    Ok(out)
}

fn seeded(o: &Opts) -> Res<SplitMix64> {
    Ok(SplitMix64::stream(o.seed()?, 0))
}

fn build(f: &str, n: usize, e: Result<Vec<(u32, u32)>, String>) -> Res<ScriptGraph> {
    let e = e.map_err(|m| format!("{f}: {m}"))?;
    Ok(wrap(
        Graph::from_edges(n, e).map_err(|m| format!("{f}: {m}"))?,
        None,
    ))
}

fn check_size(f: &str, n: usize, mean_degree: f64) -> Res<()> {
    // CSR (two u32 per edge), the edge list (two u32) and per-node arrays
    let bytes_per_node = 8.0 + 12.0 * mean_degree.max(0.0);
    check_alloc(f, "the graph", (n as f64 * bytes_per_node) as u128, 1)
}

fn nd(v: Vec<f64>) -> Dynamic {
    Dynamic::from(NdArray::from_vec(v))
}

fn percolation(g: &mut ScriptGraph, m: Map) -> Res<Map> {
    const F: &str = "graph_percolation";
    let o = Opts::new(m, F, &["kind", "runs", "p", "seed"])?;
    let kind = o.choice_or("kind", "bond", &["bond", "site"])?;
    let runs = o.count_or("runs", 100, 1, 100_000_000)?;
    let grid = match o.get("p") {
        Some(v) => {
            let p = crate::convert::vec_arg(v, F, "opts.p")?;
            if p.iter().any(|x| !(0.0..=1.0).contains(x)) {
                return err(format!("{F}: every p in opts.p must be in [0, 1]"));
            }
            p
        }
        None => (0..=100).map(|i| i as f64 / 100.0).collect(),
    };
    let seed = o.seed()?;
    let g = g.graph.clone();
    let n = g.n();
    let len = if kind == "bond" { g.m() } else { n } + 1;
    // runs in batches: memory for a few runs at a time, sums in run order
    let batch = (4 * rayon::current_num_threads()).max(4);
    check_alloc(F, "the runs in flight", (batch * len) as u128, 16)?;
    let mut largest = vec![0.0; len];
    let mut s2 = vec![0.0; len];
    let mut done = 0;
    while done < runs {
        let k = batch.min(runs - done);
        let part: Vec<PercolationRun> = par_realizations(k, F, |i| {
            let mut rng = SplitMix64::stream(seed, (done + i) as u64);
            Ok(if kind == "bond" {
                bond_percolation_run(&g, &mut rng)
            } else {
                site_percolation_run(&g, &mut rng)
            })
        })?;
        for r in part {
            for j in 0..len {
                largest[j] += r.largest[j];
                // Σ s² without the largest cluster, per node: the mean size of the cluster a
                // node outside the giant one belongs to (the susceptibility χ)
                s2[j] += r.sum_s2[j] - r.largest[j] * r.largest[j];
            }
        }
        done += k;
    }
    let norm = 1.0 / (runs as f64 * n.max(1) as f64);
    let largest: Vec<f64> = largest.iter().map(|x| x * norm).collect();
    let chi: Vec<f64> = s2.iter().map(|x| x * norm).collect();
    let s_p: Vec<f64> = grid
        .iter()
        .map(|&p| crate::percolation::canonical(&largest, p))
        .collect();
    let chi_p: Vec<f64> = grid
        .iter()
        .map(|&p| crate::percolation::canonical(&chi, p))
        .collect();
    let mut out = Map::new();
    out.insert("p".into(), nd(grid));
    out.insert("largest_fraction".into(), nd(s_p));
    out.insert("susceptibility".into(), nd(chi_p));
    out.insert("largest_fraction_by_count".into(), nd(largest));
    out.insert("runs".into(), Dynamic::from_int(runs as INT));
    Ok(out)
}

/// Register the graph functions.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<ScriptGraph>("graph");
    reg(
        engine,
        "to_string",
        &["g: graph", "string"],
        "Short description.",
        |g: &mut ScriptGraph| format!("graph({} nodes, {} edges)", g.graph.n(), g.graph.m()),
    );
    reg(engine, "graph", &["n: int", "edges: ndarray|array", "graph"], "An undirected graph on nodes 0..n from an E×2 array of node pairs (self-loops and repeated edges are kept; `simple(g)` drops them).", |n: Dynamic, e: Dynamic| -> Res<ScriptGraph> {
        let f = "graph";
        let n = nodes_arg(&n, f)?;
        let edges = edges_arg(&e, n, f)?;
        build(f, n, Ok(edges))
    });
    reg(engine, "graph", &["lat: lattice", "graph"], "The nearest-neighbour graph of a lattice (its first shell, across periodic boundaries where it has them); `g.positions` are the sites'.", |l: &mut Lattice| -> Res<ScriptGraph> {
        let e: Vec<(u32, u32)> = l.nn.iter().map(|&(a, b)| (a as u32, b as u32)).collect();
        let pos: Vec<f64> = l.pos.iter().flat_map(|p| p[..l.dim].to_vec()).collect();
        let g = Graph::from_edges(l.len(), e).map_err(|m| format!("graph: {m}"))?;
        Ok(wrap(g, Some(NdArray::from_2d(l.len(), l.dim, pos)?)))
    });
    reg(
        engine,
        "graph",
        &["net: spring_network", "graph"],
        "The graph of a spring network's present bonds; `g.positions` are the nodes'.",
        |s: &mut SpringNetwork| -> Res<ScriptGraph> {
            let e: Vec<(u32, u32)> = s
                .bonds
                .iter()
                .zip(&s.active)
                .filter(|(_, &a)| a)
                .map(|(b, _)| (b.i as u32, b.j as u32))
                .collect();
            let pos: Vec<f64> = s.pos.iter().flat_map(|p| [p[0], p[1]]).collect();
            let g = Graph::from_edges(s.pos.len(), e).map_err(|m| format!("graph: {m}"))?;
            Ok(wrap(g, Some(NdArray::from_2d(s.pos.len(), 2, pos)?)))
        },
    );
    reg(
        engine,
        "get$n_nodes",
        &["g: graph", "int"],
        "`g.n_nodes`: number of nodes.",
        |g: &mut ScriptGraph| g.graph.n() as INT,
    );
    reg(
        engine,
        "get$n_edges",
        &["g: graph", "int"],
        "`g.n_edges`: number of edges.",
        |g: &mut ScriptGraph| g.graph.m() as INT,
    );
    reg(engine, "get$positions", &["g: graph", "ndarray|()"], "`g.positions`: node positions (n × d) of a geometric graph or of the lattice or network it was made from; () otherwise.", |g: &mut ScriptGraph| -> Dynamic {
        g.positions.clone().map_or(Dynamic::UNIT, Dynamic::from)
    });
    reg(
        engine,
        "edges",
        &["g: graph", "ndarray"],
        "The edges as an E×2 array of node indices.",
        |g: &mut ScriptGraph| -> Res<NdArray> {
            let e = g.graph.edges();
            Ok(NdArray::from_2d(
                e.len(),
                2,
                e.iter().flat_map(|&(a, b)| [a as f64, b as f64]).collect(),
            )?)
        },
    );
    reg(
        engine,
        "degrees",
        &["g: graph", "ndarray"],
        "The degree of every node (a self-loop counts 2).",
        |g: &mut ScriptGraph| -> NdArray {
            NdArray::from_vec(g.graph.degrees().into_iter().map(|k| k as f64).collect())
        },
    );
    reg(
        engine,
        "neighbors",
        &["g: graph", "i: int", "ndarray"],
        "The neighbours of node i.",
        |g: &mut ScriptGraph, i: Dynamic| -> Res<NdArray> {
            let n = g.graph.n();
            let i = count(&i, "neighbors", "i", 0, n as i64 - 1)?;
            Ok(NdArray::from_vec(
                g.graph.neighbors(i).iter().map(|&j| j as f64).collect(),
            ))
        },
    );
    reg(
        engine,
        "simple",
        &["g: graph", "graph"],
        "The same graph without self-loops and repeated edges.",
        |g: &mut ScriptGraph| -> ScriptGraph { wrap(g.graph.simple(), g.positions.clone()) },
    );
    reg(engine, "components", &["g: graph", "map"], "Connected components (union–find): #{labels (component of each node, numbered by smallest node), sizes, n_components, largest, largest_fraction}.", |g: &mut ScriptGraph| -> Map {
        let c = g.graph.components();
        let n = g.graph.n().max(1) as f64;
        let mut m = Map::new();
        let largest = c.largest();
        m.insert("labels".into(), nd(c.labels.iter().map(|&l| l as f64).collect()));
        m.insert("n_components".into(), Dynamic::from_int(c.sizes.len() as INT));
        m.insert("sizes".into(), nd(c.sizes.iter().map(|&s| s as f64).collect()));
        m.insert("largest".into(), Dynamic::from_int(largest as INT));
        m.insert("largest_fraction".into(), Dynamic::from_float(largest as f64 / n));
        m
    });
    reg(engine, "distances", &["g: graph", "source: int", "ndarray"], "Hop distances from `source` to every node by breadth-first search; −1 where it cannot reach.", |g: &mut ScriptGraph, s: Dynamic| -> Res<NdArray> {
        let n = g.graph.n();
        let s = count(&s, "distances", "source", 0, n as i64 - 1)?;
        Ok(NdArray::from_vec(g.graph.distances(s).into_iter().map(|d| d.map_or(-1.0, |d| d as f64)).collect()))
    });
    reg(engine, "clustering", &["g: graph", "map"], "Clustering of the simple graph: #{local (C_i = 2T_i/(k_i(k_i−1)), 0 where k_i < 2), average, transitivity (3 × triangles / connected triples)}.", |g: &mut ScriptGraph| -> Map {
        let c = g.graph.clustering();
        let mut m = Map::new();
        m.insert("local".into(), nd(c.local));
        m.insert("average".into(), Dynamic::from_float(c.average));
        m.insert("transitivity".into(), Dynamic::from_float(c.transitivity));
        m
    });
    reg(engine, "adjacency", &["g: graph", "operator"], "The adjacency matrix as a sparse symmetric operator (A_ij = number of edges i–j; a self-loop adds 2 to A_ii): for eigh, eigs_near, kpm_dos, matvec.", |g: &mut ScriptGraph| -> Res<Operator> { g.graph.adjacency().map_err(|e| format!("adjacency: {e}").into()) });
    reg(engine, "laplacian", &["g: graph", "operator"], "The graph Laplacian L = D − A as a sparse symmetric operator (one zero eigenvalue per connected component).", |g: &mut ScriptGraph| -> Res<Operator> { g.graph.laplacian().map_err(|e| format!("laplacian: {e}").into()) });

    reg(engine, "gnp_graph", &["n: int", "p: float", "opts: map", "graph"], "Erdős–Rényi G(n, p): every pair joined with probability p, in O(n + m) (geometric skips). opts seed. `gnp_graph(10^6, 2.0 / 10^6)` has mean degree 2 and a giant component S = 1 − e^(−2S) ≈ 0.797.", |n: Dynamic, p: Dynamic, m: Map| -> Res<ScriptGraph> {
        let f = "gnp_graph";
        let o = Opts::new(m, f, &["seed"])?;
        let n = nodes_arg(&n, f)?;
        let p = finite(&p, f, "p")?;
        if !(0.0..=1.0).contains(&p) {
            return err(format!("{f}: argument 'p' must be in [0, 1], got {p}"));
        }
        check_size(f, n, p * n as f64)?;
        let mut rng = seeded(&o)?;
        build(f, n, Ok(gnp(n, p, &mut rng)))
    });
    reg(
        engine,
        "gnm_graph",
        &["n: int", "m: int", "opts: map", "graph"],
        "Erdős–Rényi G(n, m): m distinct pairs drawn uniformly. opts seed.",
        |n: Dynamic, e: Dynamic, m: Map| -> Res<ScriptGraph> {
            let f = "gnm_graph";
            let o = Opts::new(m, f, &["seed"])?;
            let n = nodes_arg(&n, f)?;
            let e = count(&e, f, "m", 0, i64::MAX)?;
            check_size(f, n, 2.0 * e as f64 / n.max(1) as f64)?;
            let mut rng = seeded(&o)?;
            build(f, n, gnm(n, e, &mut rng))
        },
    );
    reg(engine, "random_regular_graph", &["n: int", "k: int", "opts: map", "graph"], "A random simple k-regular graph (stub pairing with rejection of loops and repeats; n·k even). opts seed. Bond and site percolation thresholds 1/(k − 1).", |n: Dynamic, k: Dynamic, m: Map| -> Res<ScriptGraph> {
        let f = "random_regular_graph";
        let o = Opts::new(m, f, &["seed"])?;
        let n = nodes_arg(&n, f)?;
        let k = count(&k, f, "k", 0, MAX_NODES as i64)?;
        check_size(f, n, k as f64)?;
        let mut rng = seeded(&o)?;
        build(f, n, random_regular(n, k, &mut rng))
    });
    reg(engine, "configuration_model", &["degrees: ndarray|array", "opts: map", "graph"], "A random graph with this degree sequence: stubs paired uniformly. opts simple (false: self-loops and repeated edges kept, the standard multigraph; true: rejected, restarting when stuck), seed.", |d: Dynamic, m: Map| -> Res<ScriptGraph> {
        let f = "configuration_model";
        let o = Opts::new(m, f, &["simple", "seed"])?;
        let d = crate::convert::vec_arg(&d, f, "degrees")?;
        if d.iter().any(|&k| !(k >= 0.0 && k.fract() == 0.0 && k < 4e9)) {
            return err(format!("{f}: argument 'degrees' must hold non-negative integers"));
        }
        let deg: Vec<usize> = d.iter().map(|&k| k as usize).collect();
        let n = deg.len();
        check_size(f, n, deg.iter().sum::<usize>() as f64 / n.max(1) as f64)?;
        let simple = o.bool_or("simple", false)?;
        let mut rng = seeded(&o)?;
        build(f, n, configuration(&deg, simple, &mut rng))
    });
    reg(engine, "watts_strogatz_graph", &["n: int", "k: int", "beta: float", "opts: map", "graph"], "Watts–Strogatz small world: a ring with each node joined to its k nearest neighbours (k even), each edge rewired with probability beta. opts seed.", |n: Dynamic, k: Dynamic, b: Dynamic, m: Map| -> Res<ScriptGraph> {
        let f = "watts_strogatz_graph";
        let o = Opts::new(m, f, &["seed"])?;
        let n = nodes_arg(&n, f)?;
        let k = count(&k, f, "k", 0, MAX_NODES as i64)?;
        let beta = finite(&b, f, "beta")?;
        if !(0.0..=1.0).contains(&beta) {
            return err(format!("{f}: argument 'beta' must be in [0, 1], got {beta}"));
        }
        check_size(f, n, k as f64)?;
        let mut rng = seeded(&o)?;
        build(f, n, watts_strogatz(n, k, beta, &mut rng))
    });
    reg(engine, "random_geometric_graph", &["n: int", "r: float", "opts: map", "graph"], "n points uniform in the unit square (dim 1, 2 or 3: the unit cube), joined when closer than r; cell lists, O(n + m). opts dim (2), periodic (false: the torus when true), seed. `g.positions` holds the points.", |n: Dynamic, r: Dynamic, m: Map| -> Res<ScriptGraph> {
        let f = "random_geometric_graph";
        let o = Opts::new(m, f, &["dim", "periodic", "seed"])?;
        let n = nodes_arg(&n, f)?;
        let r = finite(&r, f, "r")?;
        let d = o.count_or("dim", 2, 1, 3)?;
        let periodic = o.bool_or("periodic", false)?;
        // mean degree n·V_d(r), V_2 = πr²
        let ball = match d {
            1 => 2.0 * r,
            2 => std::f64::consts::PI * r * r,
            _ => 4.0 / 3.0 * std::f64::consts::PI * r * r * r,
        };
        check_size(f, n, n as f64 * ball.min(1.0))?;
        let mut rng = seeded(&o)?;
        let (pos, e) = random_geometric(n, r, d, periodic, &mut rng).map_err(|m| format!("{f}: {m}"))?;
        let g = Graph::from_edges(n, e).map_err(|m| format!("{f}: {m}"))?;
        Ok(wrap(g, Some(NdArray::from_2d(n, d, pos)?)))
    });
    reg(engine, "graph_percolation", &["g: graph", "opts: map", "map"], "Bond or site percolation on any graph by Newman–Ziff: each run occupies edges (or nodes) one at a time in random order, one pass for the whole curve; averages are convolved with the binomial distribution onto the p grid. opts kind (\"bond\" or \"site\"), runs (100), p (grid, default 101 points in [0, 1]), seed. Returns #{p, largest_fraction (S(p), the giant component's share of all nodes), susceptibility (Σ s² over the other clusters / n), largest_fraction_by_count (per number occupied), runs}.", percolation);
}
