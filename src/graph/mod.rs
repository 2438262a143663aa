//! Graphs: undirected networks of n nodes held as an edge list and its compressed adjacency
//! (CSR: the neighbours of node i are `targets[offsets[i]..offsets[i+1]]`), their structure
//! (degrees, connected components by union–find, breadth-first distances, clustering), their
//! matrices as symmetric operators (adjacency, Laplacian: what the eigensolvers and KPM act on),
//! the standard random ensembles, and percolation on any graph by the Newman–Ziff algorithm.
//!
//! Plain Rust; `script.rs` beside it is the rhai API. Self-loops and repeated edges are kept as
//! given (a configuration model makes them); `simple()` removes them.

use crate::linalg::operator::Operator;
use crate::rng::SplitMix64;
use rand::Rng;
use std::collections::HashSet;

pub mod script;

/// An undirected graph on nodes 0..n.
#[derive(Clone, Debug)]
pub struct Graph {
    n: usize,
    /// Every edge once, (a, b) as given.
    edges: Vec<(u32, u32)>,
    /// CSR adjacency: both directions of every edge (a self-loop appears twice at its node, so
    /// that it adds 2 to the degree, the usual convention).
    offsets: Vec<usize>,
    targets: Vec<u32>,
}

/// Largest graph the u32 node indices hold.
pub const MAX_NODES: usize = u32::MAX as usize;

impl Graph {
    /// A graph from its edges; every index must be below n.
    pub fn from_edges(n: usize, edges: Vec<(u32, u32)>) -> Result<Graph, String> {
        if n > MAX_NODES {
            return Err(format!("at most {MAX_NODES} nodes, got {n}"));
        }
        if let Some(&(a, b)) = edges
            .iter()
            .find(|&&(a, b)| a as usize >= n || b as usize >= n)
        {
            return Err(format!(
                "edge ({a}, {b}) names a node outside 0..{n} (the graph has {n} nodes)"
            ));
        }
        // counting sort of both directions: O(n + m)
        let mut offsets = vec![0usize; n + 1];
        for &(a, b) in &edges {
            offsets[a as usize + 1] += 1;
            offsets[b as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; 2 * edges.len()];
        for &(a, b) in &edges {
            targets[fill[a as usize]] = b;
            fill[a as usize] += 1;
            targets[fill[b as usize]] = a;
            fill[b as usize] += 1;
        }
        Ok(Graph {
            n,
            edges,
            offsets,
            targets,
        })
    }

    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of edges.
    pub fn m(&self) -> usize {
        self.edges.len()
    }

    /// The edges, each once.
    pub fn edges(&self) -> &[(u32, u32)] {
        &self.edges
    }

    /// Neighbours of node i (with repetitions for repeated edges).
    pub fn neighbors(&self, i: usize) -> &[u32] {
        &self.targets[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Degree of every node (a self-loop counts 2).
    pub fn degrees(&self) -> Vec<usize> {
        (0..self.n)
            .map(|i| self.offsets[i + 1] - self.offsets[i])
            .collect()
    }

    /// The same graph without self-loops and repeated edges.
    pub fn simple(&self) -> Graph {
        let mut seen = HashSet::with_capacity(self.edges.len());
        let edges: Vec<(u32, u32)> = self
            .edges
            .iter()
            .filter(|&&(a, b)| a != b && seen.insert((a.min(b), a.max(b))))
            .copied()
            .collect();
        Graph::from_edges(self.n, edges).expect("a subset of valid edges")
    }

    /// Connected components: a label per node (components numbered by their smallest node) and
    /// the size of each.
    pub fn components(&self) -> Components {
        let mut uf = UnionFind::new(self.n);
        for &(a, b) in &self.edges {
            uf.union(a as usize, b as usize);
        }
        let mut label = vec![u32::MAX; self.n];
        let mut root_label = vec![u32::MAX; self.n];
        let mut sizes = Vec::new();
        for (i, l) in label.iter_mut().enumerate() {
            let r = uf.find(i);
            if root_label[r] == u32::MAX {
                root_label[r] = sizes.len() as u32;
                sizes.push(0usize);
            }
            *l = root_label[r];
            sizes[*l as usize] += 1;
        }
        Components {
            labels: label,
            sizes,
        }
    }

    /// Breadth-first (hop) distances from `source`; None for nodes it cannot reach.
    pub fn distances(&self, source: usize) -> Vec<Option<usize>> {
        let mut dist = vec![usize::MAX; self.n];
        let mut queue = Vec::with_capacity(self.n);
        dist[source] = 0;
        queue.push(source as u32);
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head] as usize;
            head += 1;
            for &w in self.neighbors(v) {
                let w = w as usize;
                if dist[w] == usize::MAX {
                    dist[w] = dist[v] + 1;
                    queue.push(w as u32);
                }
            }
        }
        dist.into_iter()
            .map(|d| (d != usize::MAX).then_some(d))
            .collect()
    }

    /// Clustering: local coefficient C_i = 2 T_i / (k_i (k_i − 1)) of every node (0 where
    /// k_i < 2), their average, and the transitivity 3 × triangles / connected triples. Counted
    /// on the simple graph (self-loops and repeated edges ignored), nodes in parallel.
    pub fn clustering(&self) -> Clustering {
        use rayon::prelude::*;
        // per node: (2 T_i, k_i) over distinct neighbours; stamps instead of clearing marks
        let per_node: Vec<(u64, u64)> = (0..self.n)
            .into_par_iter()
            .map_init(
                || (vec![u32::MAX; self.n], vec![0u64; self.n], Vec::new(), 0u64),
                |(nbr, seen, distinct, stamp), i| {
                    distinct.clear();
                    for &j in self.neighbors(i) {
                        if j as usize != i && nbr[j as usize] != i as u32 {
                            nbr[j as usize] = i as u32;
                            distinct.push(j);
                        }
                    }
                    let k = distinct.len() as u64;
                    if k < 2 {
                        return (0, k);
                    }
                    // each triangle at i is seen twice (from both of its other corners); j's
                    // repeated edges are counted once
                    let mut t2 = 0u64;
                    for &j in distinct.iter() {
                        *stamp += 1;
                        for &w in self.neighbors(j as usize) {
                            let w = w as usize;
                            if nbr[w] == i as u32 && w != i && w != j as usize && seen[w] != *stamp
                            {
                                seen[w] = *stamp;
                                t2 += 1;
                            }
                        }
                    }
                    (t2, k)
                },
            )
            .collect();
        let mut local = Vec::with_capacity(self.n);
        let (mut closed, mut triples) = (0u64, 0u64);
        for &(t2, k) in &per_node {
            if k < 2 {
                local.push(0.0);
                continue;
            }
            local.push(t2 as f64 / (k * (k - 1)) as f64);
            closed += t2;
            triples += k * (k - 1);
        }
        let average = if self.n > 0 {
            local.iter().sum::<f64>() / self.n as f64
        } else {
            0.0
        };
        Clustering {
            local,
            average,
            transitivity: if triples > 0 {
                closed as f64 / triples as f64
            } else {
                0.0
            },
        }
    }

    /// The adjacency matrix A (A_ij = number of edges between i and j; a self-loop adds 2 to
    /// A_ii, so that row sums are degrees) as a sparse symmetric operator.
    pub fn adjacency(&self) -> Result<Operator, String> {
        let mut diag = vec![0.0; self.n];
        let mut off = Vec::with_capacity(self.edges.len());
        for &(a, b) in &self.edges {
            let (a, b) = (a as usize, b as usize);
            if a == b {
                diag[a] += 2.0;
            } else {
                off.push((a.min(b), a.max(b), 1.0));
            }
        }
        Operator::from_pairs(self.n, &diag, &off)
    }

    /// The graph Laplacian L = D − A (positive semidefinite; one zero eigenvalue per connected
    /// component; self-loops do not enter it) as a sparse symmetric operator.
    pub fn laplacian(&self) -> Result<Operator, String> {
        let mut diag = vec![0.0; self.n];
        let mut off = Vec::with_capacity(self.edges.len());
        for &(a, b) in &self.edges {
            let (a, b) = (a as usize, b as usize);
            if a != b {
                diag[a] += 1.0;
                diag[b] += 1.0;
                off.push((a.min(b), a.max(b), -1.0));
            }
        }
        Operator::from_pairs(self.n, &diag, &off)
    }
}

/// Repeated (i, j) pairs summed into one entry, sorted.
/// Connected components of a graph.
#[derive(Clone, Debug)]
pub struct Components {
    /// Component of every node (0, 1, … in order of each component's smallest node).
    pub labels: Vec<u32>,
    /// Size of each component.
    pub sizes: Vec<usize>,
}

impl Components {
    /// Size of the largest component (0 for an empty graph).
    pub fn largest(&self) -> usize {
        self.sizes.iter().copied().max().unwrap_or(0)
    }
}

/// Clustering coefficients.
#[derive(Clone, Debug)]
pub struct Clustering {
    pub local: Vec<f64>,
    pub average: f64,
    pub transitivity: f64,
}

/// Union–find with union by size and path halving: near-constant time per operation.
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    pub fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] as usize != i {
            let p = self.parent[i] as usize;
            self.parent[i] = self.parent[p];
            i = self.parent[i] as usize;
        }
        i
    }

    /// Join the sets of a and b; the size of the joined set.
    pub fn union(&mut self, a: usize, b: usize) -> usize {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return self.size[ra] as usize;
        }
        if self.size[ra] < self.size[rb] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb] = ra as u32;
        self.size[ra] += self.size[rb];
        self.size[ra] as usize
    }

    pub fn size_of(&mut self, i: usize) -> usize {
        let r = self.find(i);
        self.size[r] as usize
    }
}

// --- random ensembles ----------------------------------------------------------------------

/// Erdős–Rényi G(n, p): every pair joined independently with probability p. Geometric skips
/// between successive edges (Batagelj & Brandes), so the cost is O(n + m), not O(n²).
pub fn gnp(n: usize, p: f64, rng: &mut SplitMix64) -> Vec<(u32, u32)> {
    let mut edges = Vec::new();
    if p <= 0.0 || n < 2 {
        return edges;
    }
    if p >= 1.0 {
        for a in 1..n {
            for b in 0..a {
                edges.push((b as u32, a as u32));
            }
        }
        return edges;
    }
    edges.reserve((p * n as f64 * (n as f64 - 1.0) / 2.0 * 1.05) as usize + 16);
    let lq = (1.0 - p).ln();
    // walk the lower triangle (v > w) row by row
    let (mut v, mut w) = (1usize, -1i64);
    while v < n {
        let r = 1.0 - rng.uniform(); // in (0, 1]
        w += 1 + (r.ln() / lq).floor() as i64;
        while w >= v as i64 && v < n {
            w -= v as i64;
            v += 1;
        }
        if v < n {
            edges.push((w as u32, v as u32));
        }
    }
    edges
}

/// Erdős–Rényi G(n, m): m distinct pairs drawn uniformly. Rejection of repeats while m is at
/// most half of all pairs; above that, the complement is drawn instead.
pub fn gnm(n: usize, m: usize, rng: &mut SplitMix64) -> Result<Vec<(u32, u32)>, String> {
    let pairs = n as u128 * (n as u128).saturating_sub(1) / 2;
    if m as u128 > pairs {
        return Err(format!(
            "{n} nodes have only {pairs} pairs, fewer than m = {m}"
        ));
    }
    let key = |a: u32, b: u32| ((a.max(b) as u64) << 32) | a.min(b) as u64;
    let draw = |count: usize, rng: &mut SplitMix64| {
        let mut set = HashSet::with_capacity(count);
        while set.len() < count {
            let a = rng.random_range(0..n as u32);
            let b = rng.random_range(0..n as u32);
            if a != b {
                set.insert(key(a, b));
            }
        }
        set
    };
    let mut edges;
    if (m as u128) * 2 <= pairs {
        let mut set: Vec<u64> = draw(m, rng).into_iter().collect();
        // a hash set's order depends on its hasher's keys: sort for reproducible edge order
        set.sort_unstable();
        edges = set;
    } else {
        let skip = draw((pairs - m as u128) as usize, rng);
        edges = Vec::with_capacity(m);
        for a in 1..n as u64 {
            for b in 0..a {
                let k = (a << 32) | b;
                if !skip.contains(&k) {
                    edges.push(k);
                }
            }
        }
    }
    Ok(edges
        .into_iter()
        .map(|k| ((k & 0xffff_ffff) as u32, (k >> 32) as u32))
        .collect())
}

/// A random k-regular simple graph by stub pairing with rejection of loops and repeats
/// (Steger–Wormald: pick two free stubs at random, keep the pair if it makes a new edge;
/// restart when no suitable pair is left). n·k must be even and k < n.
pub fn random_regular(n: usize, k: usize, rng: &mut SplitMix64) -> Result<Vec<(u32, u32)>, String> {
    if k >= n.max(1) {
        return Err(format!("k = {k} must be below n = {n}"));
    }
    if (n * k) % 2 == 1 {
        return Err(format!("n·k = {} must be even", n * k));
    }
    for _attempt in 0..100 {
        if let Some(e) = try_pairing(&vec![k; n], true, rng) {
            return Ok(e);
        }
    }
    Err(format!(
        "no simple {k}-regular graph on {n} nodes found in 100 attempts"
    ))
}

/// The configuration model: the given degree sequence, stubs paired uniformly at random.
/// With `simple` the pairing rejects self-loops and repeated edges (restarting when stuck); without
/// it they are kept (the multigraph of the standard model).
pub fn configuration(
    degrees: &[usize],
    simple: bool,
    rng: &mut SplitMix64,
) -> Result<Vec<(u32, u32)>, String> {
    let total: usize = degrees.iter().sum();
    if total % 2 == 1 {
        return Err(format!("the degrees sum to {total}, an odd number"));
    }
    let n = degrees.len();
    if let Some(&k) = degrees.iter().find(|&&k| simple && k >= n) {
        return Err(format!(
            "a degree of {k} cannot be met by a simple graph on {n} nodes"
        ));
    }
    for _attempt in 0..if simple { 100 } else { 1 } {
        if let Some(e) = try_pairing(degrees, simple, rng) {
            return Ok(e);
        }
    }
    Err(
        "no simple graph with these degrees found in 100 attempts (is the sequence graphical?)"
            .into(),
    )
}

fn try_pairing(degrees: &[usize], simple: bool, rng: &mut SplitMix64) -> Option<Vec<(u32, u32)>> {
    let mut stubs: Vec<u32> = Vec::with_capacity(degrees.iter().sum());
    for (i, &k) in degrees.iter().enumerate() {
        stubs.extend(std::iter::repeat_n(i as u32, k));
    }
    let mut edges = Vec::with_capacity(stubs.len() / 2);
    if !simple {
        // a uniform perfect matching of the stubs: shuffle, pair neighbours
        for i in (1..stubs.len()).rev() {
            let j = rng.random_range(0..=i);
            stubs.swap(i, j);
        }
        for c in stubs.chunks_exact(2) {
            edges.push((c[0], c[1]));
        }
        return Some(edges);
    }
    let mut seen: HashSet<u64> = HashSet::with_capacity(stubs.len() / 2);
    let key = |a: u32, b: u32| ((a.max(b) as u64) << 32) | a.min(b) as u64;
    while !stubs.is_empty() {
        let mut placed = false;
        // random tries first; when they keep failing, look for any suitable pair
        for _ in 0..50 {
            let i = rng.random_range(0..stubs.len());
            let j = rng.random_range(0..stubs.len());
            let (a, b) = (stubs[i], stubs[j]);
            if i != j && a != b && !seen.contains(&key(a, b)) {
                seen.insert(key(a, b));
                edges.push((a.min(b), a.max(b)));
                let (hi, lo) = (i.max(j), i.min(j));
                stubs.swap_remove(hi);
                stubs.swap_remove(lo);
                placed = true;
                break;
            }
        }
        if !placed {
            let s = &stubs;
            let found = (0..s.len()).find_map(|i| {
                (i + 1..s.len())
                    .find(|&j| s[i] != s[j] && !seen.contains(&key(s[i], s[j])))
                    .map(|j| (i, j))
            })?;
            let (i, j) = found;
            let (a, b) = (stubs[i], stubs[j]);
            seen.insert(key(a, b));
            edges.push((a.min(b), a.max(b)));
            stubs.swap_remove(j);
            stubs.swap_remove(i);
        }
    }
    Some(edges)
}

/// Watts–Strogatz: a ring of n nodes each joined to its k nearest neighbours (k even), every
/// edge's far end rewired with probability beta to a uniformly chosen node (no self-loops, no
/// repeated edges).
pub fn watts_strogatz(
    n: usize,
    k: usize,
    beta: f64,
    rng: &mut SplitMix64,
) -> Result<Vec<(u32, u32)>, String> {
    if k % 2 == 1 || k >= n {
        return Err(format!("k = {k} must be even and below n = {n}"));
    }
    let key = |a: u32, b: u32| ((a.max(b) as u64) << 32) | a.min(b) as u64;
    let mut edges = Vec::with_capacity(n * k / 2);
    for d in 1..=k / 2 {
        for i in 0..n {
            edges.push((i as u32, ((i + d) % n) as u32));
        }
    }
    let mut present: HashSet<u64> = edges.iter().map(|&(a, b)| key(a, b)).collect();
    for e in edges.iter_mut() {
        if rng.uniform() >= beta {
            continue;
        }
        let a = e.0;
        // a node with every other node as a neighbour keeps its edge
        for _ in 0..64 {
            let c = rng.random_range(0..n as u32);
            if c != a && !present.contains(&key(a, c)) {
                present.remove(&key(a, e.1));
                present.insert(key(a, c));
                e.1 = c;
                break;
            }
        }
    }
    Ok(edges)
}

/// A random geometric graph: n points uniform in the unit square (or d-cube, d = 1, 2, 3), joined
/// when closer than r (periodic: on the torus). Cell lists make it O(n + m). Returns the
/// positions (n × d, row-major) and the edges.
pub fn random_geometric(
    n: usize,
    r: f64,
    d: usize,
    periodic: bool,
    rng: &mut SplitMix64,
) -> Result<(Vec<f64>, Vec<(u32, u32)>), String> {
    if !(1..=3).contains(&d) {
        return Err(format!("dimension must be 1, 2 or 3, got {d}"));
    }
    if !(r > 0.0 && r.is_finite()) {
        return Err(format!("radius must be positive, got {r}"));
    }
    let pos: Vec<f64> = (0..n * d).map(|_| rng.uniform()).collect();
    // cells of side ≥ r: neighbours are in the 3^d cells around
    let cells = ((1.0 / r).floor() as usize)
        .clamp(1, ((n as f64).powf(1.0 / d as f64) as usize).max(1) * 2);
    let cell_of = |x: f64| ((x * cells as f64) as usize).min(cells - 1);
    let ncell = cells.pow(d as u32);
    let index = |c: &[usize]| c.iter().fold(0, |acc, &ci| acc * cells + ci);
    let mut head = vec![u32::MAX; ncell];
    let mut next = vec![u32::MAX; n];
    for i in 0..n {
        let c: Vec<usize> = (0..d).map(|a| cell_of(pos[i * d + a])).collect();
        let k = index(&c);
        next[i] = head[k];
        head[k] = i as u32;
    }
    let r2 = r * r;
    let mut edges = Vec::new();
    let offsets: Vec<Vec<i64>> = {
        let mut o = vec![vec![]];
        for _ in 0..d {
            o = o
                .into_iter()
                .flat_map(|v| {
                    (-1..=1).map(move |s| {
                        let mut w = v.clone();
                        w.push(s);
                        w
                    })
                })
                .collect();
        }
        o
    };
    let mut visited_cells = Vec::with_capacity(offsets.len());
    for i in 0..n {
        let c: Vec<usize> = (0..d).map(|a| cell_of(pos[i * d + a])).collect();
        visited_cells.clear();
        for off in &offsets {
            let mut cc = Vec::with_capacity(d);
            let mut ok = true;
            for a in 0..d {
                let v = c[a] as i64 + off[a];
                if v < 0 || v >= cells as i64 {
                    if periodic {
                        cc.push(v.rem_euclid(cells as i64) as usize);
                    } else {
                        ok = false;
                        break;
                    }
                } else {
                    cc.push(v as usize);
                }
            }
            if !ok {
                continue;
            }
            let k = index(&cc);
            // with fewer than 3 cells per axis, two offsets reach the same cell
            if visited_cells.contains(&k) {
                continue;
            }
            visited_cells.push(k);
            let mut j = head[k];
            while j != u32::MAX {
                let jj = j as usize;
                if jj > i {
                    let mut s = 0.0;
                    for a in 0..d {
                        let mut dx = (pos[i * d + a] - pos[jj * d + a]).abs();
                        if periodic {
                            dx = dx.min(1.0 - dx);
                        }
                        s += dx * dx;
                    }
                    if s < r2 {
                        edges.push((i as u32, j));
                    }
                }
                j = next[jj];
            }
        }
    }
    Ok((pos, edges))
}

// --- percolation on a graph ----------------------------------------------------------------

/// One Newman–Ziff run on a graph: occupy edges (bond) or nodes (site) one by one in a random
/// order and record, after each, the size of the largest cluster and Σ s² over the clusters
/// (for the mean cluster size). Entry k is the state with k occupied; k = 0 included.
pub struct PercolationRun {
    pub largest: Vec<f64>,
    pub sum_s2: Vec<f64>,
}

/// Bond percolation: every node present, edges added in a random order.
pub fn bond_percolation_run(g: &Graph, rng: &mut SplitMix64) -> PercolationRun {
    let m = g.m();
    let mut order: Vec<u32> = (0..m as u32).collect();
    for i in (1..m).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    let mut uf = UnionFind::new(g.n);
    let mut largest = Vec::with_capacity(m + 1);
    let mut s2 = Vec::with_capacity(m + 1);
    let mut big = if g.n > 0 { 1usize } else { 0 };
    let mut sum_s2 = g.n as f64;
    largest.push(big as f64);
    s2.push(sum_s2);
    for &e in &order {
        let (a, b) = g.edges[e as usize];
        let (ra, rb) = (uf.find(a as usize), uf.find(b as usize));
        if ra != rb {
            let (sa, sb) = (uf.size[ra] as f64, uf.size[rb] as f64);
            sum_s2 += 2.0 * sa * sb;
            big = big.max(uf.union(ra, rb));
        }
        largest.push(big as f64);
        s2.push(sum_s2);
    }
    PercolationRun {
        largest,
        sum_s2: s2,
    }
}

/// Site percolation: nodes added in a random order, each joined to its occupied neighbours.
pub fn site_percolation_run(g: &Graph, rng: &mut SplitMix64) -> PercolationRun {
    let n = g.n;
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    let mut uf = UnionFind::new(n);
    let mut occupied = vec![false; n];
    let mut largest = Vec::with_capacity(n + 1);
    let mut s2 = Vec::with_capacity(n + 1);
    let (mut big, mut sum_s2) = (0usize, 0.0f64);
    largest.push(0.0);
    s2.push(0.0);
    for &v in &order {
        let v = v as usize;
        occupied[v] = true;
        big = big.max(1);
        sum_s2 += 1.0;
        for &w in g.neighbors(v) {
            let w = w as usize;
            if !occupied[w] {
                continue;
            }
            let (ra, rb) = (uf.find(v), uf.find(w));
            if ra != rb {
                let (sa, sb) = (uf.size[ra] as f64, uf.size[rb] as f64);
                sum_s2 += 2.0 * sa * sb;
                big = big.max(uf.union(ra, rb));
            }
        }
        largest.push(big as f64);
        s2.push(sum_s2);
    }
    PercolationRun {
        largest,
        sum_s2: s2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(s: u64) -> SplitMix64 {
        SplitMix64::stream(s, 0)
    }

    #[test]
    fn a_path_and_a_triangle() {
        let g = Graph::from_edges(6, vec![(0, 1), (1, 2), (3, 4), (4, 5), (5, 3)]).unwrap();
        assert_eq!(g.degrees(), vec![1, 2, 1, 2, 2, 2]);
        let c = g.components();
        assert_eq!(c.labels, vec![0, 0, 0, 1, 1, 1]);
        assert_eq!(c.sizes, vec![3, 3]);
        assert_eq!(
            g.distances(0),
            vec![Some(0), Some(1), Some(2), None, None, None]
        );
        let cl = g.clustering();
        assert_eq!(cl.local, vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
        // 3 triangles' worth of closed triples (the triangle) out of 3 + 1 triples
        assert!((cl.transitivity - 3.0 / 4.0).abs() < 1e-15);
        assert!(Graph::from_edges(3, vec![(0, 3)]).is_err());
    }

    #[test]
    fn clustering_ignores_loops_and_repeated_edges() {
        let mut e = watts_strogatz(300, 6, 0.2, &mut rng(11)).unwrap();
        let simple = Graph::from_edges(300, e.clone()).unwrap().clustering();
        e.extend([(0, 0), (5, 5)]);
        e.extend(e[10..60].to_vec());
        let multi = Graph::from_edges(300, e).unwrap();
        assert!(multi.simple().m() < multi.m());
        let c = multi.clustering();
        let sg = multi.simple();
        let set: std::collections::HashSet<(u32, u32)> = sg
            .edges()
            .iter()
            .flat_map(|&(a, b)| [(a, b), (b, a)])
            .collect();
        for i in 0..300 {
            let nb: Vec<u32> = sg.neighbors(i).to_vec();
            let mut t = 0;
            for x in 0..nb.len() {
                for y in x + 1..nb.len() {
                    if set.contains(&(nb[x], nb[y])) {
                        t += 1;
                    }
                }
            }
            let k = nb.len() as f64;
            let want = if nb.len() < 2 {
                0.0
            } else {
                2.0 * t as f64 / (k * (k - 1.0))
            };
            assert_eq!(c.local[i], want, "multi, node {i}");
            assert_eq!(simple.local[i], want, "simple, node {i}");
        }
        for i in 0..300 {
            assert_eq!(
                c.local[i],
                simple.local[i],
                "node {i}: {:?}",
                multi.neighbors(i)
            );
        }
        assert_eq!(c.transitivity, simple.transitivity);
    }

    #[test]
    fn gnp_has_the_binomial_number_of_edges() {
        let (n, p) = (2000usize, 0.003);
        let e = gnp(n, p, &mut rng(1));
        let mean = p * (n * (n - 1) / 2) as f64;
        let sd = (mean * (1.0 - p)).sqrt();
        assert!(
            (e.len() as f64 - mean).abs() < 4.0 * sd,
            "{} vs {mean}",
            e.len()
        );
        let g = Graph::from_edges(n, e).unwrap();
        assert_eq!(g.simple().m(), g.m(), "no loops or repeats");
    }

    #[test]
    fn gnm_and_regular_and_configuration() {
        let e = gnm(100, 4000, &mut rng(2)).unwrap();
        assert_eq!(Graph::from_edges(100, e).unwrap().simple().m(), 4000);
        let e = gnm(50, 20, &mut rng(2)).unwrap();
        assert_eq!(Graph::from_edges(50, e).unwrap().simple().m(), 20);
        assert!(gnm(4, 7, &mut rng(2)).is_err());
        let g = Graph::from_edges(1000, random_regular(1000, 5, &mut rng(3)).unwrap()).unwrap();
        assert!(g.degrees().iter().all(|&k| k == 5));
        assert_eq!(g.simple().m(), g.m());
        assert!(random_regular(5, 3, &mut rng(3)).is_err());
        let deg = vec![3, 3, 2, 2, 2, 1, 1];
        let g = Graph::from_edges(7, configuration(&deg, true, &mut rng(4)).unwrap()).unwrap();
        assert_eq!(g.degrees(), deg);
        assert_eq!(g.simple().m(), g.m());
    }

    #[test]
    fn the_laplacian_has_one_zero_mode_per_component() {
        let g = Graph::from_edges(5, vec![(0, 1), (1, 2), (3, 4)]).unwrap();
        let l = g.laplacian().unwrap().to_dense();
        // row sums vanish
        for i in 0..5 {
            let s: f64 = (0..5).map(|j| l[(i, j)]).sum();
            assert_eq!(s, 0.0);
        }
        let a = g.adjacency().unwrap().to_dense();
        assert_eq!(a[(0, 1)], 1.0);
        assert_eq!(a[(1, 0)], 1.0);
        assert_eq!(a[(0, 2)], 0.0);
    }

    #[test]
    fn watts_strogatz_keeps_the_edge_count_and_geometric_graphs_their_radius() {
        let e = watts_strogatz(200, 6, 0.3, &mut rng(5)).unwrap();
        let g = Graph::from_edges(200, e).unwrap();
        assert_eq!(g.m(), 600);
        assert_eq!(g.simple().m(), 600);
        // β = 0: the ring lattice, clustering 3(k−2)/(4(k−1)) = 0.6 for k = 6
        let g0 = Graph::from_edges(200, watts_strogatz(200, 6, 0.0, &mut rng(5)).unwrap()).unwrap();
        assert!((g0.clustering().average - 0.6).abs() < 1e-12);
        for periodic in [false, true] {
            let (pos, e) = random_geometric(500, 0.08, 2, periodic, &mut rng(6)).unwrap();
            // brute force
            let mut want = 0;
            for i in 0..500 {
                for j in i + 1..500 {
                    let mut s = 0.0;
                    for a in 0..2 {
                        let mut dx = (pos[i * 2 + a] - pos[j * 2 + a]).abs();
                        if periodic {
                            dx = dx.min(1.0 - dx);
                        }
                        s += dx * dx;
                    }
                    if s < 0.0064 {
                        want += 1;
                    }
                }
            }
            assert_eq!(e.len(), want);
        }
    }

    #[test]
    fn newman_ziff_ends_in_one_cluster() {
        let g = Graph::from_edges(300, random_regular(300, 3, &mut rng(7)).unwrap()).unwrap();
        let b = bond_percolation_run(&g, &mut rng(8));
        assert_eq!(b.largest.len(), g.m() + 1);
        assert_eq!(b.largest[0], 1.0);
        assert_eq!(*b.largest.last().unwrap(), g.components().largest() as f64);
        assert_eq!(*b.sum_s2.last().unwrap(), (300.0f64).powi(2));
        let s = site_percolation_run(&g, &mut rng(9));
        assert_eq!(s.largest.len(), 301);
        assert_eq!(*s.largest.last().unwrap(), 300.0);
    }
}
