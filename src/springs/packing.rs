//! Contact networks of 2D bidisperse jammed disk packings (seed 004 Fig. 1d): N disks, half of
//! radius 0.5 and half of radius 0.7 (ratio 1:1.4), in a periodic square box at packing fraction
//! φ, with the harmonic repulsion U = Σ ½(1 − r_ij/σ_ij)² for r_ij < σ_ij, minimised by FIRE
//! (Bitzek et al., PRL 97, 170201 (2006)). Contacts become relaxed springs; rattlers (fewer than
//! 3 contacts) are removed until none is left.

use super::SpringNetwork;
use rand::Rng;

/// What the packing step reports.
#[derive(Clone, Debug)]
pub struct PackingInfo {
    pub phi: f64,
    pub box_len: f64,
    pub energy: f64,
    pub max_force: f64,
    pub fire_steps: usize,
    pub rattlers: usize,
    pub pressure: f64,
}

struct Cells {
    n: usize,
    size: f64,
    head: Vec<usize>,
    next: Vec<usize>,
}

const NONE: usize = usize::MAX;

impl Cells {
    fn new(l: f64, reach: f64) -> Self {
        let n = ((l / reach).floor() as usize).max(1);
        Cells {
            n,
            size: l / n as f64,
            head: vec![NONE; n * n],
            next: Vec::new(),
        }
    }
    fn cell(&self, p: [f64; 2]) -> (usize, usize) {
        let c = |x: f64| ((x / self.size).floor() as isize).rem_euclid(self.n as isize) as usize;
        (c(p[0]), c(p[1]))
    }
    fn fill(&mut self, pos: &[[f64; 2]]) {
        self.head.iter_mut().for_each(|h| *h = NONE);
        self.next.clear();
        self.next.resize(pos.len(), NONE);
        for (i, &p) in pos.iter().enumerate() {
            let (cx, cy) = self.cell(p);
            let c = cy * self.n + cx;
            self.next[i] = self.head[c];
            self.head[c] = i;
        }
    }
    /// Call f(i, j) once for every pair in the same or neighbouring cells (all pairs if the box
    /// holds fewer than 3 cells per side).
    fn pairs(&self, pos: &[[f64; 2]], mut f: impl FnMut(usize, usize)) {
        if self.n < 3 {
            for i in 0..pos.len() {
                for j in i + 1..pos.len() {
                    f(i, j);
                }
            }
            return;
        }
        let n = self.n as isize;
        for cy in 0..n {
            for cx in 0..n {
                let c = (cy * n + cx) as usize;
                // half the neighbour stencil so each pair is visited once
                for (dx, dy) in [(0, 0), (1, 0), (-1, 1), (0, 1), (1, 1)] {
                    let d = (((cy + dy).rem_euclid(n)) * n + (cx + dx).rem_euclid(n)) as usize;
                    let mut i = self.head[c];
                    while i != NONE {
                        let mut j = if c == d { self.next[i] } else { self.head[d] };
                        while j != NONE {
                            f(i, j);
                            j = self.next[j];
                        }
                        i = self.next[i];
                    }
                }
            }
        }
    }
}

fn min_image(d: f64, l: f64) -> f64 {
    d - l * (d / l).round()
}

/// Forces, energy and virial pressure of the harmonic soft-disk packing.
fn forces(
    pos: &[[f64; 2]],
    rad: &[f64],
    l: f64,
    cells: &mut Cells,
    f: &mut [[f64; 2]],
) -> (f64, f64) {
    cells.fill(pos);
    f.iter_mut().for_each(|x| *x = [0.0; 2]);
    let (mut e, mut virial) = (0.0, 0.0);
    cells.pairs(pos, |i, j| {
        let dx = min_image(pos[j][0] - pos[i][0], l);
        let dy = min_image(pos[j][1] - pos[i][1], l);
        let s = rad[i] + rad[j];
        let r2 = dx * dx + dy * dy;
        if r2 < s * s && r2 > 0.0 {
            let r = r2.sqrt();
            let ov = 1.0 - r / s;
            e += 0.5 * ov * ov;
            let mag = ov / s; // −dU/dr
            virial += mag * r;
            let (fx, fy) = (mag * dx / r, mag * dy / r);
            f[i][0] -= fx;
            f[i][1] -= fy;
            f[j][0] += fx;
            f[j][1] += fy;
        }
    });
    (e, virial / (2.0 * l * l))
}

/// A jammed packing of `n` disks at packing fraction `phi` and its contact network (periodic, or
/// open: bonds across the box edge dropped and then nodes with fewer than 3 bonds pruned).
pub fn jammed_packing(
    n: usize,
    phi: f64,
    periodic: bool,
    seed: u64,
    interrupted: &dyn Fn() -> bool,
) -> Result<(SpringNetwork, PackingInfo), String> {
    if n < 8 {
        return Err(format!("a packing needs at least 8 disks, got {n}"));
    }
    if !(0.5..=0.95).contains(&phi) {
        return Err(format!(
            "packing fraction phi must be in [0.5, 0.95] (jamming is at φ_J ≈ 0.842), got {phi}"
        ));
    }
    let rad: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { 0.5 } else { 0.7 }).collect();
    let area: f64 = rad.iter().map(|r| std::f64::consts::PI * r * r).sum();
    let l = (area / phi).sqrt();
    let mut rng = crate::rng::SplitMix64::stream(seed, 0);
    let mut pos: Vec<[f64; 2]> = (0..n)
        .map(|_| [rng.random::<f64>() * l, rng.random::<f64>() * l])
        .collect();
    let mut cells = Cells::new(l, 1.4);
    let mut f = vec![[0.0; 2]; n];
    let mut v = vec![[0.0; 2]; n];
    // FIRE parameters (Bitzek et al. 2006)
    let (dt0, dt_max, n_min, f_inc, f_dec, a0, f_a) = (0.05, 0.5, 5, 1.1, 0.5, 0.1, 0.99);
    let (mut dt, mut alpha, mut since_neg) = (dt0, a0, 0usize);
    let (mut e, mut p) = forces(&pos, &rad, l, &mut cells, &mut f);
    let tol = 1e-13;
    let max_steps = 2_000_000;
    let mut steps = 0;
    let fmax = |f: &[[f64; 2]]| {
        f.iter()
            .map(|x| x[0].abs().max(x[1].abs()))
            .fold(0.0, f64::max)
    };
    while fmax(&f) > tol && steps < max_steps {
        if steps % 4096 == 0 && interrupted() {
            return Err("interrupted".into());
        }
        steps += 1;
        // semi-implicit Euler MD step, then the FIRE velocity mixing
        for i in 0..n {
            for c in 0..2 {
                v[i][c] += dt * f[i][c];
                pos[i][c] = (pos[i][c] + dt * v[i][c]).rem_euclid(l);
            }
        }
        (e, p) = forces(&pos, &rad, l, &mut cells, &mut f);
        let (mut pw, mut vn, mut fn_) = (0.0, 0.0, 0.0);
        for i in 0..n {
            for c in 0..2 {
                pw += f[i][c] * v[i][c];
                vn += v[i][c] * v[i][c];
                fn_ += f[i][c] * f[i][c];
            }
        }
        let (vn, fn_) = (vn.sqrt(), fn_.sqrt());
        if pw > 0.0 {
            let s = if fn_ > 0.0 { alpha * vn / fn_ } else { 0.0 };
            for i in 0..n {
                for c in 0..2 {
                    v[i][c] = (1.0 - alpha) * v[i][c] + s * f[i][c];
                }
            }
            since_neg += 1;
            if since_neg > n_min {
                dt = (dt * f_inc).min(dt_max);
                alpha *= f_a;
            }
        } else {
            since_neg = 0;
            dt *= f_dec;
            alpha = a0;
            v.iter_mut().for_each(|x| *x = [0.0; 2]);
        }
    }
    let max_force = fmax(&f);
    if e <= 1e-16 * n as f64 {
        return Err(format!(
            "the packing at φ = {phi} relaxed to zero energy (unjammed): use φ above ≈ 0.85"
        ));
    }
    // contacts, minimum image
    let mut contacts: Vec<(usize, usize, [i32; 2])> = Vec::new();
    cells.fill(&pos);
    cells.pairs(&pos, |i, j| {
        let dx = pos[j][0] - pos[i][0];
        let dy = pos[j][1] - pos[i][1];
        let sx = -(dx / l).round();
        let sy = -(dy / l).round();
        let (mx, my) = (dx + sx * l, dy + sy * l);
        let s = rad[i] + rad[j];
        if mx * mx + my * my < s * s {
            let (a, b, sh) = if i < j {
                (i, j, [sx as i32, sy as i32])
            } else {
                (j, i, [-sx as i32, -sy as i32])
            };
            contacts.push((a, b, sh));
        }
    });
    if !periodic {
        contacts.retain(|c| c.2 == [0, 0]);
    }
    // remove rattlers (and, for open networks, nodes left with fewer than 3 bonds) iteratively
    let mut alive = vec![true; n];
    loop {
        let mut deg = vec![0usize; n];
        for &(a, b, _) in &contacts {
            deg[a] += 1;
            deg[b] += 1;
        }
        let mut changed = false;
        for i in 0..n {
            if alive[i] && deg[i] < 3 {
                alive[i] = false;
                changed = true;
            }
        }
        contacts.retain(|&(a, b, _)| alive[a] && alive[b]);
        if !changed {
            break;
        }
    }
    let mut map = vec![usize::MAX; n];
    let mut kept = Vec::new();
    for i in 0..n {
        if alive[i] {
            map[i] = kept.len();
            kept.push(pos[i]);
        }
    }
    if kept.len() < 3 {
        return Err(format!(
            "the packing at φ = {phi} left fewer than 3 jammed disks"
        ));
    }
    let pairs: Vec<_> = contacts
        .iter()
        .map(|&(a, b, s)| (map[a], map[b], s))
        .collect();
    let net = SpringNetwork::new(kept, &pairs, periodic.then_some([l, l]), 1.0, "packing")?;
    let info = PackingInfo {
        phi,
        box_len: l,
        energy: e,
        max_force,
        fire_steps: steps,
        rattlers: n - net.n(),
        pressure: p,
    };
    Ok((net, info))
}
