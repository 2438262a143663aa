//! Central-force spring networks in 2D (seed 004, Zhu et al.; NOTES.md section D).
//!
//! A network is N nodes joined by ideal springs. Every spring is relaxed when it is made (rest
//! length = the length it is created with), so there is no prestress and the dynamical matrix is
//! H_ij = −k n̂n̂ᵀ, H_ii = Σ_j k n̂n̂ᵀ. Generators: the distorted triangular lattice, the Delaunay
//! network of random points and the contact network of a bidisperse jammed disk packing.
//! Mechanics (Hessian, linear response, Poisson's ratio, moduli) live in `mechanics`, the
//! bond-pruning simulated annealing and its rigidity/convexity checks in `anneal`.

pub mod anneal;
pub mod mechanics;
pub mod packing;
pub mod script;

use rand::Rng;

/// One spring: nodes i and j, periodic image `shift` of j (in box lengths), rest length, stiffness.
#[derive(Clone, Debug, PartialEq)]
pub struct Bond {
    pub i: usize,
    pub j: usize,
    pub shift: [i32; 2],
    pub rest: f64,
    pub k: f64,
}

/// Boundary node sets of an open network, used as grips and gauges by the uniaxial tests.
pub const SIDES: [&str; 4] = ["left", "right", "bottom", "top"];

/// A 2D central-force spring network.
#[derive(Clone, Debug)]
pub struct SpringNetwork {
    /// Node positions.
    pub pos: Vec<[f64; 2]>,
    /// Every bond the network has had; `active[b]` says whether bond b is present now.
    pub bonds: Vec<Bond>,
    pub active: Vec<bool>,
    /// Periodic box (Lx, Ly), or None for an open network with free boundaries.
    pub periodic: Option<[f64; 2]>,
    /// Open networks: node indices on the left, right, bottom and top edges.
    pub sides: [Vec<usize>; 4],
    /// Generator name, for display.
    pub kind: String,
}

impl SpringNetwork {
    /// A network from positions and bonds (i, j, shift), springs relaxed at the given positions.
    /// Open networks get their edge sets from the nodes within `skin` of the bounding box.
    pub fn new(
        pos: Vec<[f64; 2]>,
        pairs: &[(usize, usize, [i32; 2])],
        periodic: Option<[f64; 2]>,
        skin: f64,
        kind: &str,
    ) -> Result<Self, String> {
        let n = pos.len();
        if n < 3 {
            return Err(format!("a spring network needs at least 3 nodes, got {n}"));
        }
        if pos.iter().any(|p| !p[0].is_finite() || !p[1].is_finite()) {
            return Err("node positions must be finite".into());
        }
        let mut net = SpringNetwork {
            pos,
            bonds: Vec::with_capacity(pairs.len()),
            active: Vec::with_capacity(pairs.len()),
            periodic,
            sides: Default::default(),
            kind: kind.to_string(),
        };
        let mut seen = std::collections::HashSet::new();
        for &(i, j, shift) in pairs {
            if i >= n || j >= n {
                return Err(format!("bond ({i}, {j}) names a node outside 0..{n}"));
            }
            if i == j && shift == [0, 0] {
                return Err(format!("bond ({i}, {j}) joins a node to itself"));
            }
            let key = canonical(i, j, shift);
            if !seen.insert(key) {
                continue;
            }
            let (i, j, shift) = key;
            let d = net.vector(i, j, shift);
            let rest = d[0].hypot(d[1]);
            if rest <= 1e-12 {
                return Err(format!("bond ({i}, {j}) has zero length"));
            }
            net.bonds.push(Bond {
                i,
                j,
                shift,
                rest,
                k: 1.0,
            });
            net.active.push(true);
        }
        if periodic.is_none() {
            net.sides = edge_sets(&net.pos, skin);
        }
        Ok(net)
    }

    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.pos.len()
    }

    /// Number of bonds present.
    pub fn n_active(&self) -> usize {
        self.active.iter().filter(|&&a| a).count()
    }

    /// Mean coordination number z = 2 N_b / N.
    pub fn z(&self) -> f64 {
        2.0 * self.n_active() as f64 / self.n() as f64
    }

    /// Vector from node i to the `shift` image of node j.
    pub fn vector(&self, i: usize, j: usize, shift: [i32; 2]) -> [f64; 2] {
        let (a, b) = (self.pos[i], self.pos[j]);
        let (lx, ly) = match self.periodic {
            Some([lx, ly]) => (lx, ly),
            None => (0.0, 0.0),
        };
        [
            b[0] + shift[0] as f64 * lx - a[0],
            b[1] + shift[1] as f64 * ly - a[1],
        ]
    }

    /// Bond vector of bond b (from i to j).
    pub fn bond_vector(&self, b: usize) -> [f64; 2] {
        let bd = &self.bonds[b];
        self.vector(bd.i, bd.j, bd.shift)
    }

    /// Active bonds as (index, bond).
    pub fn active_bonds(&self) -> impl Iterator<Item = (usize, &Bond)> {
        self.bonds
            .iter()
            .enumerate()
            .filter(move |(b, _)| self.active[*b])
    }

    /// Index of the bond between i and j (any periodic image), if the network has one.
    pub fn find_bond(&self, i: usize, j: usize) -> Option<usize> {
        self.bonds
            .iter()
            .position(|b| (b.i == i && b.j == j) || (b.i == j && b.j == i))
    }

    /// Add a relaxed spring between i and j (re-activates a removed one). Returns its index.
    pub fn add_bond(&mut self, i: usize, j: usize) -> Result<usize, String> {
        let n = self.n();
        if i >= n || j >= n || i == j {
            return Err(format!(
                "nodes must be two different indices in 0..{n}, got {i}, {j}"
            ));
        }
        if let Some(b) = self.find_bond(i, j) {
            self.active[b] = true;
            return Ok(b);
        }
        // nearest periodic image
        let shift = match self.periodic {
            Some([lx, ly]) => {
                let d = self.vector(i, j, [0, 0]);
                [(-d[0] / lx).round() as i32, (-d[1] / ly).round() as i32]
            }
            None => [0, 0],
        };
        let (i, j, shift) = canonical(i, j, shift);
        let d = self.vector(i, j, shift);
        self.bonds.push(Bond {
            i,
            j,
            shift,
            rest: d[0].hypot(d[1]),
            k: 1.0,
        });
        self.active.push(true);
        Ok(self.bonds.len() - 1)
    }

    /// Remove the spring between i and j. Returns its index.
    pub fn remove_bond(&mut self, i: usize, j: usize) -> Result<usize, String> {
        match self.find_bond(i, j) {
            Some(b) if self.active[b] => {
                self.active[b] = false;
                Ok(b)
            }
            _ => Err(format!("there is no bond between {i} and {j}")),
        }
    }

    /// Number of active bonds at each node.
    pub fn degrees(&self) -> Vec<usize> {
        let mut d = vec![0; self.n()];
        for (_, b) in self.active_bonds() {
            d[b.i] += 1;
            d[b.j] += 1;
        }
        d
    }
}

/// (i, j, shift) with i ≤ j (the image shift flips with the direction).
fn canonical(i: usize, j: usize, shift: [i32; 2]) -> (usize, usize, [i32; 2]) {
    if i < j || (i == j && (shift[0], shift[1]) > (0, 0)) {
        (i, j, shift)
    } else {
        (j, i, [-shift[0], -shift[1]])
    }
}

/// Nodes within `skin` of each side of the bounding box: [left, right, bottom, top].
fn edge_sets(pos: &[[f64; 2]], skin: f64) -> [Vec<usize>; 4] {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in pos {
        for c in 0..2 {
            lo[c] = lo[c].min(p[c]);
            hi[c] = hi[c].max(p[c]);
        }
    }
    let pick = |c: usize, upper: bool| -> Vec<usize> {
        (0..pos.len())
            .filter(|&i| {
                if upper {
                    pos[i][c] >= hi[c] - skin
                } else {
                    pos[i][c] <= lo[c] + skin
                }
            })
            .collect()
    };
    [pick(0, false), pick(0, true), pick(1, false), pick(1, true)]
}

/// Triangular lattice of nx × ny nodes (rows along x, odd rows offset by ½, lattice constant 1),
/// with every interior node displaced by a fixed distance `r` in a uniformly random direction
/// (seed 004 Methods: δr_α = (r cos θ_α, r sin θ_α)). Periodic lattices (ny even) displace every
/// node. Springs are relaxed at the displaced positions.
pub fn distorted_triangular(
    nx: usize,
    ny: usize,
    r: f64,
    periodic: bool,
    seed: u64,
) -> Result<SpringNetwork, String> {
    if nx < 2 || ny < 2 {
        return Err(format!(
            "the lattice needs at least 2×2 nodes, got {nx}×{ny}"
        ));
    }
    if periodic && (ny % 2 == 1 || nx < 3 || ny < 4) {
        return Err(format!(
            "a periodic triangular lattice needs an even number of rows ≥ 4 and ≥ 3 columns, got {nx}×{ny}"
        ));
    }
    let h = 3f64.sqrt() / 2.0;
    let id = |a: usize, b: usize| b * nx + a;
    let mut pos = Vec::with_capacity(nx * ny);
    for b in 0..ny {
        for a in 0..nx {
            pos.push([a as f64 + 0.5 * (b % 2) as f64, b as f64 * h]);
        }
    }
    let mut pairs = Vec::with_capacity(3 * nx * ny);
    for b in 0..ny {
        for a in 0..nx {
            // right neighbour, and the two neighbours in the row above
            let up: [isize; 2] = if b % 2 == 0 { [-1, 0] } else { [0, 1] };
            let mut targets: Vec<(isize, isize)> = vec![(a as isize + 1, b as isize)];
            for du in up {
                targets.push((a as isize + du, b as isize + 1));
            }
            for (ta, tb) in targets {
                let (mut sa, mut sb) = (0i32, 0i32);
                let (mut ta, mut tb) = (ta, tb);
                if periodic {
                    if ta < 0 {
                        ta += nx as isize;
                        sa = -1;
                    } else if ta >= nx as isize {
                        ta -= nx as isize;
                        sa = 1;
                    }
                    if tb >= ny as isize {
                        tb -= ny as isize;
                        sb = 1;
                    }
                } else if ta < 0 || ta >= nx as isize || tb >= ny as isize {
                    continue;
                }
                pairs.push((id(a, b), id(ta as usize, tb as usize), [sa, sb]));
            }
        }
    }
    let mut rng = crate::rng::SplitMix64::stream(seed, 0);
    for b in 0..ny {
        for a in 0..nx {
            let interior = a > 0 && a + 1 < nx && b > 0 && b + 1 < ny;
            // one angle per node in lattice order, drawn for every node so that a given seed
            // displaces a node the same way whatever r is
            let theta = rng.random::<f64>() * std::f64::consts::TAU;
            if periodic || interior {
                let p = &mut pos[id(a, b)];
                p[0] += r * theta.cos();
                p[1] += r * theta.sin();
            }
        }
    }
    let box_len = periodic.then_some([nx as f64, ny as f64 * h]);
    let mut net = SpringNetwork::new(pos, &pairs, box_len, 0.0, "triangular")?;
    if !periodic {
        let row = |b: usize| (0..nx).map(|a| id(a, b)).collect::<Vec<_>>();
        net.sides = [
            (0..ny).map(|b| id(0, b)).collect(),
            (0..ny).map(|b| id(nx - 1, b)).collect(),
            row(0),
            row(ny - 1),
        ];
    }
    Ok(net)
}

/// Delaunay network of nx·ny uniformly random points in an nx × ny rectangle (unit density),
/// edge sets within one mean spacing of each side.
pub fn delaunay_random(nx: usize, ny: usize, seed: u64) -> Result<SpringNetwork, String> {
    if nx < 2 || ny < 2 {
        return Err(format!("need at least 2×2 points, got {nx}×{ny}"));
    }
    let mut rng = crate::rng::SplitMix64::stream(seed, 0);
    let pos: Vec<[f64; 2]> = (0..nx * ny)
        .map(|_| {
            [
                rng.random::<f64>() * nx as f64,
                rng.random::<f64>() * ny as f64,
            ]
        })
        .collect();
    let pairs = delaunay_pairs(&pos)?;
    SpringNetwork::new(pos, &pairs, None, 1.0, "delaunay")
}

/// Edges of the Delaunay triangulation of the points (delaunator).
pub fn delaunay_pairs(pos: &[[f64; 2]]) -> Result<Vec<(usize, usize, [i32; 2])>, String> {
    let pts: Vec<delaunator::Point> = pos
        .iter()
        .map(|p| delaunator::Point { x: p[0], y: p[1] })
        .collect();
    let t = delaunator::triangulate(&pts);
    if t.triangles.is_empty() {
        return Err("the points are collinear or too few: no Delaunay triangles".into());
    }
    let mut pairs = Vec::with_capacity(t.triangles.len());
    for tri in t.triangles.chunks(3) {
        for k in 0..3 {
            let (a, b) = (tri[k], tri[(k + 1) % 3]);
            pairs.push((a.min(b), a.max(b), [0, 0]));
        }
    }
    pairs.sort_unstable_by_key(|&(a, b, _)| (a, b));
    pairs.dedup();
    Ok(pairs)
}
