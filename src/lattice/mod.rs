//! Lattices: Bravais lattice + basis, finite in every direction, open or periodic per axis.
//! Sites are numbered cell by cell (last axis fastest), basis index fastest of all. Neighbour
//! shells (nearest, next-nearest) come from the *ideal* geometry, so they stay defined after
//! the sites are displaced. Displacement generators implement seed 000 Eq. (5) and
//! Gaussian/uniform jitter; on-site disorder is a box (width W) or Gaussian distribution.

pub mod script;

use rand::Rng;
use rand_distr::{Distribution, Normal};

/// A finite lattice with (possibly displaced) site positions.
#[derive(Clone, Debug)]
pub struct Lattice {
    /// "chain", "square", "triangular", "honeycomb" or "cubic".
    pub kind: String,
    /// Spatial dimension (1, 2 or 3).
    pub dim: usize,
    /// Cells along each primitive vector.
    pub cells: Vec<usize>,
    /// Periodic boundary per axis.
    pub periodic: Vec<bool>,
    /// Lattice constant.
    pub a: f64,
    /// Primitive vectors (dim × dim), scaled by `a`.
    pub prim: Vec<[f64; 3]>,
    /// Basis offsets within a cell.
    pub basis: Vec<[f64; 3]>,
    /// Ideal site positions.
    pub ideal: Vec<[f64; 3]>,
    /// Current site positions (ideal + displacement).
    pub pos: Vec<[f64; 3]>,
    /// Nearest-neighbour shell, each pair once (i < j), with the lattice translation (in
    /// supercell units) that connects them across periodic boundaries.
    pub nn: Vec<(usize, usize)>,
    /// Next-nearest-neighbour shell.
    pub nnn: Vec<(usize, usize)>,
    /// Distances of the two shells in the ideal lattice.
    pub shells: [f64; 2],
}

/// Geometry of each kind: primitive vectors and basis in units of `a`.
fn geometry(kind: &str) -> Option<(usize, Vec<[f64; 3]>, Vec<[f64; 3]>)> {
    let s3 = 3f64.sqrt();
    Some(match kind {
        "chain" => (1, vec![[1.0, 0.0, 0.0]], vec![[0.0; 3]]),
        "square" => (2, vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], vec![[0.0; 3]]),
        "triangular" => (
            2,
            vec![[1.0, 0.0, 0.0], [0.5, s3 / 2.0, 0.0]],
            vec![[0.0; 3]],
        ),
        // |a1| = a between cells; carbon–carbon (nearest-neighbour) distance a/√3.
        "honeycomb" => (
            2,
            vec![[1.0, 0.0, 0.0], [0.5, s3 / 2.0, 0.0]],
            vec![[0.0; 3], [0.5, 0.5 / s3, 0.0]],
        ),
        "cubic" => (
            3,
            vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            vec![[0.0; 3]],
        ),
        _ => return None,
    })
}

/// The kinds `lattice()` knows.
pub const KINDS: &str = "chain, square, triangular, honeycomb, cubic";

impl Lattice {
    /// Build a lattice of `cells` along each primitive vector.
    pub fn new(kind: &str, cells: &[usize], periodic: &[bool], a: f64) -> Result<Self, String> {
        let (dim, prim, basis) = geometry(kind)
            .ok_or_else(|| format!("unknown lattice kind '{kind}'; known: {KINDS}"))?;
        if cells.len() != dim {
            return Err(format!(
                "a {kind} lattice needs {dim} dimensions, got {cells:?}"
            ));
        }
        if cells.contains(&0) {
            return Err(format!("every dimension must be >= 1, got {cells:?}"));
        }
        if periodic.len() != dim {
            return Err(format!(
                "periodic needs {dim} entries, got {}",
                periodic.len()
            ));
        }
        let scale = |v: &[f64; 3]| [v[0] * a, v[1] * a, v[2] * a];
        let prim: Vec<[f64; 3]> = prim.iter().map(scale).collect();
        let basis: Vec<[f64; 3]> = basis.iter().map(scale).collect();
        let ncell: usize = cells.iter().product();
        let mut ideal = Vec::with_capacity(ncell * basis.len());
        for c in 0..ncell {
            let idx = unravel(c, cells);
            for b in &basis {
                let mut p = *b;
                for (d, &i) in idx.iter().enumerate() {
                    for (k, pk) in p.iter_mut().enumerate() {
                        *pk += i as f64 * prim[d][k];
                    }
                }
                ideal.push(p);
            }
        }
        let mut lat = Lattice {
            kind: kind.to_string(),
            dim,
            cells: cells.to_vec(),
            periodic: periodic.to_vec(),
            a,
            prim,
            basis,
            pos: ideal.clone(),
            ideal,
            nn: vec![],
            nnn: vec![],
            shells: [0.0; 2],
        };
        lat.build_shells();
        Ok(lat)
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.pos.len()
    }

    /// Whether the lattice has no sites.
    pub fn is_empty(&self) -> bool {
        self.pos.is_empty()
    }

    /// Separation vector from site i to site j, under the minimum-image convention along
    /// periodic axes (in fractional supercell coordinates).
    pub fn separation(&self, pos: &[[f64; 3]], i: usize, j: usize) -> [f64; 3] {
        let mut d = [
            pos[j][0] - pos[i][0],
            pos[j][1] - pos[i][1],
            pos[j][2] - pos[i][2],
        ];
        if self.periodic.iter().any(|&p| p) {
            let frac = self.to_fractional(d);
            let mut shift = [0.0; 3];
            for ax in 0..self.dim {
                if self.periodic[ax] {
                    let n = self.cells[ax] as f64;
                    let f = frac[ax] / n;
                    let r = f.round();
                    for (k, s) in shift.iter_mut().enumerate() {
                        *s += r * n * self.prim[ax][k];
                    }
                }
            }
            for k in 0..3 {
                d[k] -= shift[k];
            }
        }
        d
    }

    /// Coordinates of a vector in units of the primitive vectors.
    fn to_fractional(&self, v: [f64; 3]) -> [f64; 3] {
        match self.dim {
            1 => [v[0] / self.prim[0][0], 0.0, 0.0],
            2 => {
                let (a, b) = (self.prim[0], self.prim[1]);
                let det = a[0] * b[1] - a[1] * b[0];
                [
                    (v[0] * b[1] - v[1] * b[0]) / det,
                    (a[0] * v[1] - a[1] * v[0]) / det,
                    0.0,
                ]
            }
            _ => [
                v[0] / self.prim[0][0],
                v[1] / self.prim[1][1],
                v[2] / self.prim[2][2],
            ],
        }
    }

    /// The volume (area in 2D, length in 1D) of the whole sample: the primitive cell's times the
    /// number of cells.
    pub fn volume(&self) -> f64 {
        let p = &self.prim;
        let cell = match self.dim {
            1 => p[0][0].abs(),
            2 => (p[0][0] * p[1][1] - p[0][1] * p[1][0]).abs(),
            _ => (p[0][0] * (p[1][1] * p[2][2] - p[1][2] * p[2][1])
                - p[0][1] * (p[1][0] * p[2][2] - p[1][2] * p[2][0])
                + p[0][2] * (p[1][0] * p[2][1] - p[1][1] * p[2][0]))
                .abs(),
        };
        cell * self.cells.iter().product::<usize>() as f64
    }

    /// Distance between sites i and j at the current positions.
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        let d = self.separation(&self.pos, i, j);
        (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
    }

    /// Find the nearest and next-nearest shells of the ideal lattice by scanning neighbouring
    /// cells (±2 along each axis): O(N), valid for every kind here. A pair's distance depends
    /// only on its cell offset and the two basis sites, so the shells are found from those
    /// (125·nb² in 3D) and only the offsets on a shell are walked over the cells.
    fn build_shells(&mut self) {
        let nb = self.basis.len();
        let dim = self.dim;
        // (offset, b1, b2, distance) of every image some pair of distinct sites realises
        let mut images: Vec<(Vec<i64>, usize, usize, f64)> = Vec::new();
        for off in offsets(dim, 2) {
            let fits = (0..dim)
                .all(|ax| self.periodic[ax] || off[ax].unsigned_abs() < self.cells[ax] as u64);
            if !fits {
                continue;
            }
            // the image lands in the same cell when every offset wraps to 0
            let same_cell = (0..dim).all(|ax| off[ax].rem_euclid(self.cells[ax] as i64) == 0);
            for b1 in 0..nb {
                for b2 in 0..nb {
                    if same_cell && b1 == b2 {
                        continue;
                    }
                    // distance of this particular image: cell offset + basis difference
                    let mut d = [0.0; 3];
                    for (ax, &o) in off.iter().enumerate() {
                        for (k, dk) in d.iter_mut().enumerate() {
                            *dk += o as f64 * self.prim[ax][k];
                        }
                    }
                    for (k, dk) in d.iter_mut().enumerate() {
                        *dk += self.basis[b2][k] - self.basis[b1][k];
                    }
                    let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                    if r > 1e-9 {
                        images.push((off.clone(), b1, b2, r));
                    }
                }
            }
        }
        let mut dists: Vec<f64> = images.iter().map(|c| c.3).collect();
        dists.sort_by(|a, b| a.total_cmp(b));
        dists.dedup_by(|a, b| (*a - *b).abs() < 1e-6 * self.a);
        let d1 = dists.first().copied().unwrap_or(0.0);
        let d2 = dists.get(1).copied().unwrap_or(f64::INFINITY);
        self.shells = [d1, d2];
        let tol = 1e-6 * self.a;
        let ncell: usize = self.cells.iter().product();
        let mut shells: [Vec<(usize, usize)>; 2] = [Vec::new(), Vec::new()];
        let mut idx = vec![0usize; dim];
        let mut other = vec![0usize; dim];
        for c in 0..ncell {
            unravel_into(c, &self.cells, &mut idx);
            for (off, b1, b2, r) in &images {
                let shell = if (r - d1).abs() < tol {
                    0
                } else if (r - d2).abs() < tol {
                    1
                } else {
                    continue;
                };
                let mut ok = true;
                for ax in 0..dim {
                    let n = self.cells[ax] as i64;
                    let mut v = idx[ax] as i64 + off[ax];
                    if self.periodic[ax] {
                        v = v.rem_euclid(n);
                    } else if v < 0 || v >= n {
                        ok = false;
                        break;
                    }
                    other[ax] = v as usize;
                }
                if !ok {
                    continue;
                }
                let (i, j) = (c * nb + b1, ravel(&other, &self.cells) * nb + b2);
                if i < j {
                    shells[shell].push((i, j));
                }
            }
        }
        // Small periodic lattices (2 cells) reach the same neighbour through two images:
        // keep each pair once; the hopping then counts it once, as a tight-binding code would.
        let [mut nn, mut nnn] = shells;
        nn.sort_unstable();
        nn.dedup();
        nnn.sort_unstable();
        nnn.dedup();
        self.nn = nn;
        self.nnn = nnn;
    }

    /// Ring-plus-box displacements (seed 000's Eq. (5)): Δr_i = ρ(cos θ_i, sin θ_i) + (u_x, u_y),
    /// θ_i ~ U(0, 2π), u ~ U(−σ, σ)²; returns (Δx, Δy) per site.
    pub fn ring_displacements<R: Rng>(
        n: usize,
        rho: f64,
        sigma: f64,
        rng: &mut R,
    ) -> Vec<[f64; 2]> {
        (0..n)
            .map(|_| {
                let th: f64 = rng.random_range(0.0..std::f64::consts::TAU);
                let ux: f64 = if sigma > 0.0 {
                    rng.random_range(-sigma..sigma)
                } else {
                    0.0
                };
                let uy: f64 = if sigma > 0.0 {
                    rng.random_range(-sigma..sigma)
                } else {
                    0.0
                };
                [rho * th.cos() + ux, rho * th.sin() + uy]
            })
            .collect()
    }

    /// Set positions to ideal + displacement (dim components per site).
    pub fn displace(&mut self, disp: &[f64]) -> Result<(), String> {
        let n = self.len();
        if disp.len() != n * self.dim {
            return Err(format!(
                "expected {} displacement components ({n} sites × {}), got {}",
                n * self.dim,
                self.dim,
                disp.len()
            ));
        }
        for i in 0..n {
            for k in 0..self.dim {
                self.pos[i][k] = self.ideal[i][k] + disp[i * self.dim + k];
            }
        }
        Ok(())
    }
}

/// Gaussian (σ) or uniform (±w) displacement components, dim per site.
pub fn jitter<R: Rng>(n: usize, dim: usize, gaussian: bool, scale: f64, rng: &mut R) -> Vec<f64> {
    if scale == 0.0 {
        return vec![0.0; n * dim];
    }
    if gaussian {
        let d =
            Normal::new(0.0, scale).unwrap_or_else(|_| Normal::new(0.0, 1.0).expect("unit normal"));
        (0..n * dim).map(|_| d.sample(rng)).collect()
    } else {
        (0..n * dim)
            .map(|_| rng.random_range(-scale..scale))
            .collect()
    }
}

/// On-site energies: box distribution U(−W/2, W/2) (Anderson) or Gaussian of std W.
pub fn onsite_energies<R: Rng>(n: usize, w: f64, gaussian: bool, rng: &mut R) -> Vec<f64> {
    if w == 0.0 {
        return vec![0.0; n];
    }
    if gaussian {
        let d = Normal::new(0.0, w).unwrap_or_else(|_| Normal::new(0.0, 1.0).expect("unit normal"));
        (0..n).map(|_| d.sample(rng)).collect()
    } else {
        (0..n)
            .map(|_| rng.random_range(-w / 2.0..w / 2.0))
            .collect()
    }
}

fn unravel(c: usize, cells: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; cells.len()];
    unravel_into(c, cells, &mut idx);
    idx
}

fn unravel_into(mut c: usize, cells: &[usize], idx: &mut [usize]) {
    for ax in (0..cells.len()).rev() {
        idx[ax] = c % cells[ax];
        c /= cells[ax];
    }
}

fn ravel(idx: &[usize], cells: &[usize]) -> usize {
    idx.iter().zip(cells).fold(0, |acc, (&i, &n)| acc * n + i)
}

fn offsets(dim: usize, reach: i64) -> Vec<Vec<i64>> {
    let mut out = vec![vec![]];
    for _ in 0..dim {
        out = out
            .into_iter()
            .flat_map(|v| {
                (-reach..=reach).map(move |o| {
                    let mut w = v.clone();
                    w.push(o);
                    w
                })
            })
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordination_numbers_of_periodic_lattices() {
        let cases = [
            ("square", vec![6, 6], 4, 4),
            ("triangular", vec![6, 6], 6, 6),
            ("honeycomb", vec![6, 6], 3, 6),
            ("cubic", vec![4, 4, 4], 6, 12),
            ("chain", vec![10], 2, 2),
        ];
        for (kind, cells, z1, z2) in cases {
            let d = cells.len();
            let l = Lattice::new(kind, &cells, &vec![true; d], 1.0).unwrap();
            assert_eq!(2 * l.nn.len(), z1 * l.len(), "{kind} nn");
            assert_eq!(2 * l.nnn.len(), z2 * l.len(), "{kind} nnn");
        }
        let h = Lattice::new("honeycomb", &[4, 4], &[true, true], 1.0).unwrap();
        assert!((h.shells[0] - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        let open = Lattice::new("square", &[4, 4], &[false, false], 1.0).unwrap();
        assert_eq!(open.nn.len(), 2 * 4 * 3);
    }

    #[test]
    fn minimum_image_distance_across_the_boundary() {
        let l = Lattice::new("square", &[5, 5], &[true, true], 1.0).unwrap();
        // site (0,0) and (4,0) are neighbours through the boundary
        assert!((l.distance(0, 20) - 1.0).abs() < 1e-12);
        let o = Lattice::new("square", &[5, 5], &[false, false], 1.0).unwrap();
        assert!((o.distance(0, 20) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn ring_displacements_are_bounded() {
        let mut r = crate::rng::from_seed(1);
        let d = Lattice::ring_displacements(10000, 0.6, 0.6, &mut r);
        let max = d
            .iter()
            .map(|v| (v[0] * v[0] + v[1] * v[1]).sqrt())
            .fold(0.0, f64::max);
        assert!(max <= 0.6 + 0.6 * 2f64.sqrt() + 1e-12);
        assert!(max > 1.2);
    }
}
