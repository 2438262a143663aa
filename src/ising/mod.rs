//! The 2D J1–J2 Ising model on an L×L periodic square lattice (seed 003):
//! H = −J1 Σ_⟨ij⟩ s_i s_j + J2 Σ_⟨⟨ij⟩⟩ s_i s_j (nearest and next-nearest neighbours).
//! Metropolis updates run on four interleaved sublattices (x mod 2, y mod 2): no two sites of
//! one sublattice are nearest or next-nearest neighbours, so a sublattice updates in parallel
//! exactly. Wolff cluster updates for J2 = 0. Random numbers come from a SplitMix64 stream per
//! (seed, sweep, sublattice, row), so results do not depend on the thread count.

pub mod script;

use crate::rng::SplitMix64 as SplitMix;
use rand::RngCore;
use rayon::prelude::*;

/// Critical temperature of the square-lattice Ising model (J1 = 1, J2 = 0): 2/ln(1 + √2).
pub const TC: f64 = 2.269_185_314_213_022;

/// Spins and couplings.
#[derive(Clone, Debug)]
pub struct Ising {
    pub l: usize,
    pub j1: f64,
    pub j2: f64,
    pub spins: Vec<i8>,
    pub seed: u64,
    /// Counter of update steps performed (feeds the random streams).
    pub steps: u64,
    pub accepted: u64,
    pub attempted: u64,
}

/// Measurements of one configuration (per spin).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    pub e: f64,
    pub m: f64,
    pub stripe: f64,
}

impl Ising {
    /// Random (hot) or all-up (cold) start.
    pub fn new(l: usize, j1: f64, j2: f64, seed: u64, hot: bool) -> Self {
        let mut r = SplitMix(crate::rng::mix(seed ^ 0xA5A5));
        let spins = (0..l * l)
            .map(|_| {
                if !hot || r.next_u64() >> 63 == 0 {
                    1
                } else {
                    -1
                }
            })
            .collect();
        Ising {
            l,
            j1,
            j2,
            spins,
            seed,
            steps: 0,
            accepted: 0,
            attempted: 0,
        }
    }

    #[inline]
    fn at(&self, x: usize, y: usize) -> i32 {
        self.spins[y * self.l + x] as i32
    }

    /// One Metropolis sweep (L² attempts) at temperature t.
    pub fn metropolis_sweep(&mut self, t: f64) {
        self.metropolis_sweeps(t, 1);
    }

    /// `n` Metropolis sweeps at temperature t. The spins are split once into the four
    /// sublattices (x mod 2, y mod 2), each stored as an (L/2)×(L/2) array: updating one reads
    /// the other three only, so its rows update in parallel, in place, with contiguous access.
    pub fn metropolis_sweeps(&mut self, t: f64, n: usize) {
        let l = self.l;
        let h = l / 2;
        // Acceptance thresholds for ΔE = 2 s (J1·nn − J2·nnn), indexed by (s, nn, nnn).
        let mut table = [0u64; 50];
        for (si, s) in [-1i32, 1].iter().enumerate() {
            for a in 0..5 {
                for b in 0..5 {
                    let (nn, nnn) = (2 * a as i32 - 4, 2 * b as i32 - 4);
                    let de = 2.0 * *s as f64 * (self.j1 * nn as f64 - self.j2 * nnn as f64);
                    let p = if de <= 0.0 { 1.0 } else { (-de / t).exp() };
                    table[si * 25 + a * 5 + b] = if p >= 1.0 {
                        u64::MAX
                    } else {
                        (p * 2f64.powi(64)) as u64
                    };
                }
            }
        }
        // sub[k], k = 2·(y mod 2) + (x mod 2), element (i, j) = site (2i + px, 2j + py)
        let mut sub: Vec<Vec<i8>> = (0..4)
            .map(|k| {
                let (px, py) = (k % 2, k / 2);
                (0..h * h)
                    .map(|q| self.spins[(2 * (q / h) + py) * l + 2 * (q % h) + px])
                    .collect()
            })
            .collect();
        // Neighbour index along one axis for parity p: x+1 and x−1 land in the other parity at
        // (i, i−1) when p = 0 and at (i+1, i) when p = 1 (mod h).
        let xp: [Vec<usize>; 2] = [(0..h).collect(), (0..h).map(|i| (i + 1) % h).collect()];
        let xm: [Vec<usize>; 2] = [(0..h).map(|i| (i + h - 1) % h).collect(), (0..h).collect()];
        let mut acc_total = 0u64;
        for _ in 0..n {
            let step = self.steps;
            self.steps += 1;
            for k in 0..4 {
                let (px, py) = (k % 2, k / 2);
                let kx = 2 * py + (1 - px); // x-neighbours
                let ky = 2 * (1 - py) + px; // y-neighbours
                let kd = 2 * (1 - py) + (1 - px); // diagonal neighbours
                let mut cur = std::mem::take(&mut sub[k]);
                let (sx, sy, sd) = (&sub[kx], &sub[ky], &sub[kd]);
                let seed = self.seed;
                let (ia_t, ib_t) = (&xp[px], &xm[px]);
                let update_row = |(j, row): (usize, &mut [i8])| -> u64 {
                    let mut rng = SplitMix(crate::rng::mix(
                        seed ^ crate::rng::mix(step.wrapping_mul(4) + k as u64)
                            ^ crate::rng::mix(j as u64 + 0xC0FFEE),
                    ));
                    let (ja, jb) = (xp[py][j], xm[py][j]);
                    let (rx, rya, ryb) = (
                        &sx[j * h..(j + 1) * h],
                        &sy[ja * h..(ja + 1) * h],
                        &sy[jb * h..(jb + 1) * h],
                    );
                    let (rda, rdb) = (&sd[ja * h..(ja + 1) * h], &sd[jb * h..(jb + 1) * h]);
                    let mut acc = 0u64;
                    for i in 0..h {
                        let (ia, ib) = (ia_t[i], ib_t[i]);
                        let nn = rx[ia] as i32 + rx[ib] as i32 + rya[i] as i32 + ryb[i] as i32;
                        let nnn = rda[ia] as i32 + rda[ib] as i32 + rdb[ia] as i32 + rdb[ib] as i32;
                        let s = row[i] as i32;
                        let th = table[((s + 1) / 2) as usize * 25
                            + ((nn + 4) / 2) as usize * 5
                            + ((nnn + 4) / 2) as usize];
                        if th == u64::MAX || rng.next_u64() < th {
                            row[i] = -row[i];
                            acc += 1;
                        }
                    }
                    acc
                };
                // Small lattices: thread dispatch would cost more than the work.
                let acc: u64 = if h * h >= 8192 {
                    cur.par_chunks_mut(h).enumerate().map(update_row).sum()
                } else {
                    cur.chunks_mut(h).enumerate().map(update_row).sum()
                };
                sub[k] = cur;
                acc_total += acc;
            }
        }
        for (k, s) in sub.iter().enumerate() {
            let (px, py) = (k % 2, k / 2);
            for q in 0..h * h {
                self.spins[(2 * (q / h) + py) * l + 2 * (q % h) + px] = s[q];
            }
        }
        self.accepted += acc_total;
        self.attempted += (n * l * l) as u64;
    }

    /// One Wolff cluster update (J2 = 0, J1 > 0); returns the cluster size.
    pub fn wolff_step(&mut self, t: f64) -> usize {
        let l = self.l;
        let n = l * l;
        let mut rng = SplitMix(crate::rng::mix(
            self.seed ^ crate::rng::mix(self.steps ^ 0x3017_F00D),
        ));
        self.steps += 1;
        let p_add = 1.0 - (-2.0 * self.j1 / t).exp();
        let seed_site = (rng.next_u64() % n as u64) as usize;
        let s0 = self.spins[seed_site];
        let mut stack = vec![seed_site];
        self.spins[seed_site] = -s0;
        let mut size = 1;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % l, i / l);
            for j in [
                y * l + (x + 1) % l,
                y * l + (x + l - 1) % l,
                ((y + 1) % l) * l + x,
                ((y + l - 1) % l) * l + x,
            ] {
                if self.spins[j] == s0 && rng.uniform() < p_add {
                    self.spins[j] = -s0;
                    stack.push(j);
                    size += 1;
                }
            }
        }
        size
    }

    /// Energy, magnetisation and stripe order per spin.
    pub fn measure(&self) -> Sample {
        let l = self.l;
        let (mut m, mut mx, mut my) = (0i64, 0i64, 0i64);
        let (mut bond1, mut bond2) = (0i64, 0i64);
        for y in 0..l {
            for x in 0..l {
                let s = self.at(x, y) as i64;
                m += s;
                mx += if x % 2 == 0 { s } else { -s };
                my += if y % 2 == 0 { s } else { -s };
                bond1 += s * (self.at((x + 1) % l, y) + self.at(x, (y + 1) % l)) as i64;
                bond2 += s
                    * (self.at((x + 1) % l, (y + 1) % l) + self.at((x + l - 1) % l, (y + 1) % l))
                        as i64;
            }
        }
        let n = (l * l) as f64;
        // each nearest bond (right, down) and next-nearest bond (two diagonals down) counted once
        let energy = (-self.j1 * bond1 as f64 + self.j2 * bond2 as f64) / n;
        let (mpx, mpy) = (mx as f64 / n, my as f64 / n);
        Sample {
            e: energy,
            m: m as f64 / n,
            stripe: (mpx * mpx + mpy * mpy).sqrt(),
        }
    }
}

/// Complete elliptic integral of the first kind K(k) by the arithmetic–geometric mean.
pub fn elliptic_k(k: f64) -> f64 {
    let (mut a, mut b) = (1.0, (1.0 - k * k).sqrt());
    for _ in 0..60 {
        let (an, bn) = (0.5 * (a + b), (a * b).sqrt());
        a = an;
        b = bn;
        if (a - b).abs() < 1e-16 {
            break;
        }
    }
    std::f64::consts::PI / (2.0 * a)
}

/// Onsager's exact internal energy per spin of the infinite square lattice (J = 1):
/// u = −coth(2K)[1 + (2/π)(2 tanh²(2K) − 1) K(κ)], K = 1/T, κ = 2 sinh(2K)/cosh²(2K).
pub fn onsager_energy(t: f64) -> f64 {
    let k = 1.0 / t;
    let kappa = 2.0 * (2.0 * k).sinh() / (2.0 * k).cosh().powi(2);
    let th = (2.0 * k).tanh();
    // At T_c, κ = 1 and K(κ) diverges logarithmically while 2 tanh²(2K) − 1 vanishes linearly:
    // the product → 0 (in f64, κ rounds to 1 within ~1e-8 of T_c).
    let term = if kappa >= 1.0 {
        0.0
    } else {
        (2.0 * th * th - 1.0) * elliptic_k(kappa)
    };
    -(1.0 / th) * (1.0 + 2.0 / std::f64::consts::PI * term)
}

/// Integrated autocorrelation time τ_int = 1/2 + Σ_t ρ(t), with Sokal's automatic window
/// (stop at t ≥ 6 τ).
pub fn tau_int(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 4 {
        return 0.5;
    }
    let m = x.iter().sum::<f64>() / n as f64;
    let var = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64;
    if var == 0.0 {
        return 0.5;
    }
    let mut tau = 0.5;
    for t in 1..n / 2 {
        let c: f64 =
            (0..n - t).map(|i| (x[i] - m) * (x[i + t] - m)).sum::<f64>() / ((n - t) as f64 * var);
        tau += c;
        if t as f64 >= 6.0 * tau {
            break;
        }
    }
    tau.max(0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onsager_energy_values() {
        // u(T_c) = −√2 (approached from either side: K(κ) diverges only logarithmically while
        // its prefactor vanishes); u → −2 at low T
        for eps in [1e-7, -1e-7, 1e-9, -1e-9, 0.0] {
            assert!(
                (onsager_energy(TC * (1.0 + eps)) + 2f64.sqrt()).abs() < 1e-5,
                "{eps}"
            );
        }
        assert!((onsager_energy(0.5) + 2.0).abs() < 1e-6);
        assert!((TC - 2.0 / (1.0 + 2f64.sqrt()).ln()).abs() < 1e-14);
    }

    #[test]
    fn ground_state_energies() {
        // ferromagnet: −2 per spin; stripe state with J2 = 0.8: E = −J2·2 ... per spin −2·J2
        let f = Ising::new(8, 1.0, 0.0, 1, false);
        assert_eq!(f.measure().e, -2.0);
        assert_eq!(f.measure().m, 1.0);
        let mut s = Ising::new(8, 1.0, 0.8, 1, false);
        for y in 0..8 {
            for x in 0..8 {
                s.spins[y * 8 + x] = if x % 2 == 0 { 1 } else { -1 };
            }
        }
        let m = s.measure();
        // stripes: nn bonds: along y +1, along x −1 → cancel; nnn bonds all −1 → E = −2 J2
        assert!((m.e + 1.6).abs() < 1e-12, "{}", m.e);
        assert!((m.stripe - 1.0).abs() < 1e-12);
    }
}
