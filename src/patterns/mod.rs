//! Point patterns in 2D regions, the structure factor, scattering networks and their evolution
//! (Yu, Nat. Comput. Sci. 2023 — seed 002).
//!
//! S_n(k) = |Σ_j e^(−ik·r_j)|²/n (Eq. 1); link weight w_pq = ⟨cos k·(r_p − r_q)⟩_K (Eq. 2);
//! node degree w_p = Σ_{q≠p} w_pq, so ⟨S_n⟩_K = 1 + mean_p w_p (Eq. 3). Growth (Eq. 4): the next
//! particle goes to the candidate minimising ρ(r) = (1/n) Σ_p Π(w_p) ⟨cos k·(r_p − r)⟩_K, with
//! the preference Π(w) = Π0 − Π1 tanh[α(w − w_c)] (Eq. 6).

pub mod script;

use rand::Rng;
use rayon::prelude::*;

/// A region of the plane.
#[derive(Clone, Copy, Debug)]
pub enum Region {
    /// Disk of this radius centred at the origin.
    Disk(f64),
    /// Annulus r0 ≤ |r| ≤ r1.
    Annulus(f64, f64),
    /// Rectangle [0, w] × [0, h].
    Rect(f64, f64),
}

impl Region {
    /// Whether the point lies inside.
    pub fn contains(&self, p: [f64; 2]) -> bool {
        let r = (p[0] * p[0] + p[1] * p[1]).sqrt();
        match *self {
            Region::Disk(rr) => r <= rr,
            Region::Annulus(a, b) => r >= a && r <= b,
            Region::Rect(w, h) => p[0] >= 0.0 && p[0] <= w && p[1] >= 0.0 && p[1] <= h,
        }
    }
    /// A uniform random point.
    pub fn sample<R: Rng>(&self, rng: &mut R) -> [f64; 2] {
        match *self {
            Region::Disk(r) => Region::Annulus(0.0, r).sample(rng),
            // area-uniform radius: r = √(a² + u(b² − a²))
            Region::Annulus(a, b) => {
                let r = (a * a + rng.random::<f64>() * (b * b - a * a)).sqrt();
                let t = rng.random_range(0.0..std::f64::consts::TAU);
                [r * t.cos(), r * t.sin()]
            }
            Region::Rect(w, h) => [rng.random::<f64>() * w, rng.random::<f64>() * h],
        }
    }
}

/// n uniform (Poisson) points.
pub fn poisson<R: Rng>(n: usize, region: Region, rng: &mut R) -> Vec<[f64; 2]> {
    (0..n).map(|_| region.sample(rng)).collect()
}

/// Square or triangular crystal of period `a`, clipped to the region (a lattice point at the
/// origin for disks, at (a/2, a/2) for rectangles).
pub fn crystal(kind: &str, a: f64, region: Region) -> Vec<[f64; 2]> {
    let (reach, origin) = match region {
        Region::Disk(r) | Region::Annulus(_, r) => (r, [0.0, 0.0]),
        Region::Rect(w, h) => (w.max(h) * 1.5, [a / 2.0, a / 2.0]),
    };
    let m = (reach / a).ceil() as i64 + 2;
    let (a1, a2) = if kind == "triangular" {
        ([a, 0.0], [a / 2.0, a * 3f64.sqrt() / 2.0])
    } else {
        ([a, 0.0], [0.0, a])
    };
    let mut out = Vec::new();
    for i in -m..=m {
        for j in -m..=m {
            let p = [
                origin[0] + i as f64 * a1[0] + j as f64 * a2[0],
                origin[1] + i as f64 * a1[1] + j as f64 * a2[1],
            ];
            // a tolerance keeps points exactly on the boundary (|r| = R) inside
            let q = match region {
                Region::Disk(r) if (p[0] * p[0] + p[1] * p[1]).sqrt() <= r * (1.0 + 1e-12) => {
                    Some(p)
                }
                Region::Disk(_) => None,
                _ => region.contains(p).then_some(p),
            };
            out.extend(q);
        }
    }
    out
}

/// Random sequential addition: points at least `dmin` apart (gives up after `max_tries`).
pub fn rsa<R: Rng>(
    n: usize,
    dmin: f64,
    region: Region,
    max_tries: usize,
    rng: &mut R,
) -> Vec<[f64; 2]> {
    let mut pts: Vec<[f64; 2]> = Vec::with_capacity(n);
    let mut tries = 0;
    while pts.len() < n && tries < max_tries {
        tries += 1;
        let p = region.sample(rng);
        if pts
            .iter()
            .all(|q| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) >= dmin * dmin)
        {
            pts.push(p);
        }
    }
    pts
}

/// S(k) = |Σ_j e^(−ik·r_j)|²/n for each k, in parallel. After Ctrl-C (`progress::interrupted`)
/// the remaining k are skipped (NaN): callers check the flag and report the interrupt.
pub fn structure_factor(pts: &[[f64; 2]], ks: &[[f64; 2]]) -> Vec<f64> {
    let n = pts.len() as f64;
    ks.par_iter()
        .map(|k| {
            if crate::progress::interrupted() {
                return f64::NAN;
            }
            let (mut re, mut im) = (0.0, 0.0);
            for p in pts {
                let (s, c) = (k[0] * p[0] + k[1] * p[1]).sin_cos();
                re += c;
                im -= s;
            }
            (re * re + im * im) / n
        })
        .collect()
}

/// Monte-Carlo (area-uniform) k points in the annulus kmin ≤ |k| ≤ kmax.
pub fn k_annulus<R: Rng>(count: usize, kmin: f64, kmax: f64, rng: &mut R) -> Vec<[f64; 2]> {
    poisson(count, Region::Annulus(kmin, kmax), rng)
}

/// Link-weight matrix w_pq = ⟨cos k·(r_p − r_q)⟩_K over a k set (diagonal 0), n×n row-major
/// (rows skipped after Ctrl-C, as `structure_factor`).
pub fn link_weights_mc(pts: &[[f64; 2]], ks: &[[f64; 2]]) -> Vec<f64> {
    let n = pts.len();
    // cos k·(r_p − r_q) = cos_p cos_q + sin_p sin_q with phases per point
    let nk = ks.len() as f64;
    let phases: Vec<(Vec<f64>, Vec<f64>)> = pts
        .par_iter()
        .map(|p| {
            ks.iter()
                .map(|k| (k[0] * p[0] + k[1] * p[1]).sin_cos())
                .map(|(s, c)| (c, s))
                .unzip()
        })
        .collect();
    let rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|p| {
            // after Ctrl-C the remaining rows are skipped (callers report the interrupt)
            if crate::progress::interrupted() {
                return vec![f64::NAN; n];
            }
            (0..n)
                .map(|q| {
                    if p == q {
                        return 0.0;
                    }
                    let (cp, sp) = &phases[p];
                    let (cq, sq) = &phases[q];
                    (0..cp.len())
                        .map(|i| cp[i] * cq[i] + sp[i] * sq[i])
                        .sum::<f64>()
                        / nk
                })
                .collect()
        })
        .collect();
    rows.concat()
}

/// Bessel J1, from libm (full double precision; the rational approximation it replaced was
/// good to 1e-8).
pub fn bessel_j1(x: f64) -> f64 {
    libm::j1(x)
}

/// Exact average of cos k·r over the annulus a ≤ |k| ≤ b (area measure):
/// (2/(b² − a²)) [b J1(b r) − a J1(a r)] / r, → 1 as r → 0.
pub fn annulus_average_cos(r: f64, a: f64, b: f64) -> f64 {
    if r < 1e-12 {
        return 1.0;
    }
    2.0 / (b * b - a * a) * (b * bessel_j1(b * r) - a * bessel_j1(a * r)) / r
}

/// Preference Π(w) = Π0 − Π1 tanh[α(w − w_c)] (Eq. 6).
#[derive(Clone, Copy, Debug)]
pub struct Preference {
    pub pi0: f64,
    pub pi1: f64,
    pub alpha: f64,
    pub wc: f64,
}

impl Preference {
    /// Π(w).
    pub fn eval(&self, w: f64) -> f64 {
        self.pi0 - self.pi1 * (self.alpha * (w - self.wc)).tanh()
    }
}

/// One stage of a growth schedule.
#[derive(Clone, Debug)]
pub struct Stage {
    /// Uniform random choice among free candidates (Poisson) instead of the cost minimum.
    pub poisson: bool,
    /// Preferential attachment (None: Π = 1, stealthy-hyperuniform growth).
    pub preference: Option<Preference>,
    pub count: usize,
    /// Candidates allowed for this stage.
    pub region: Region,
}

/// The growing network: points, their phases in K_L, node degrees, and the running amplitudes
/// B(k) = Σ_p e^{ik·r_p} over K_L and K_S from which ⟨S_n⟩ follows after each addition.
struct Growth<'a> {
    kl: &'a [[f64; 2]],
    ks: &'a [[f64; 2]],
    pts: Vec<[f64; 2]>,
    pcos: Vec<Vec<f64>>,
    psin: Vec<Vec<f64>>,
    degrees: Vec<f64>,
    bl: (Vec<f64>, Vec<f64>),
    bs: (Vec<f64>, Vec<f64>),
    ev: Evolution,
}

impl<'a> Growth<'a> {
    fn new(kl: &'a [[f64; 2]], ks: &'a [[f64; 2]]) -> Self {
        Growth {
            kl,
            ks,
            pts: vec![],
            pcos: vec![],
            psin: vec![],
            degrees: vec![],
            bl: (vec![0.0; kl.len()], vec![0.0; kl.len()]),
            bs: (vec![0.0; ks.len()], vec![0.0; ks.len()]),
            ev: Evolution {
                points: vec![],
                degrees: vec![],
                s_long: vec![],
                s_short: vec![],
                eq8_error: 0.0,
            },
        }
    }

    /// Add a particle at p: update every degree by its link weights, check Eq. (8), update the
    /// amplitudes and record ⟨S_n⟩ in K_L and K_S.
    fn add(&mut self, p: [f64; 2]) {
        let nk = self.kl.len();
        let (c, s): (Vec<f64>, Vec<f64>) = self
            .kl
            .iter()
            .map(|k| (k[0] * p[0] + k[1] * p[1]).sin_cos())
            .map(|(s, c)| (c, s))
            .unzip();
        // link weights to the existing points update every degree
        let ws: Vec<f64> = self
            .pcos
            .par_iter()
            .zip(&self.psin)
            .map(|(pc, ps)| dot2_f64(&c, pc, &s, ps) / nk as f64)
            .collect();
        let mut wnew = 0.0;
        for (d, w) in self.degrees.iter_mut().zip(ws) {
            *d += w;
            wnew += w;
        }
        // Eq. (8)/(9) check on K_L before adding: ξ_n = (2/n) Σ_j cos k·(r_j − r_new)
        let (bl_re, bl_im) = (&mut self.bl.0, &mut self.bl.1);
        let n = self.pts.len() as f64;
        if n > 0.0 {
            let mut err: f64 = 0.0;
            for i in 0..nk {
                let sn = (bl_re[i] * bl_re[i] + bl_im[i] * bl_im[i]) / n;
                let xi = 2.0 / n * (bl_re[i] * c[i] + bl_im[i] * s[i]);
                let pred = (n * sn + 1.0) / (n + 1.0) + n / (n + 1.0) * xi;
                let (re, im) = (bl_re[i] + c[i], bl_im[i] + s[i]);
                let direct = (re * re + im * im) / (n + 1.0);
                err = err.max((pred - direct).abs());
            }
            self.ev.eq8_error = self.ev.eq8_error.max(err);
        }
        for i in 0..nk {
            bl_re[i] += c[i];
            bl_im[i] += s[i];
        }
        for (i, k) in self.ks.iter().enumerate() {
            let (sn, cs) = (k[0] * p[0] + k[1] * p[1]).sin_cos();
            self.bs.0[i] += cs;
            self.bs.1[i] += sn;
        }
        self.pts.push(p);
        self.pcos.push(c);
        self.psin.push(s);
        self.degrees.push(wnew);
        let n1 = self.pts.len() as f64;
        let mean = |re: &[f64], im: &[f64]| -> f64 {
            re.iter().zip(im).map(|(a, b)| a * a + b * b).sum::<f64>()
                / (re.len().max(1) as f64 * n1)
        };
        self.ev.s_long.push(mean(&self.bl.0, &self.bl.1));
        self.ev.s_short.push(mean(&self.bs.0, &self.bs.1));
    }
}

/// What to grow: the stages, whether they interleave, and the starting points.
pub struct Schedule<'a> {
    pub stages: &'a [Stage],
    /// Stages interleave at random in proportion to their counts.
    pub mixing: bool,
    pub initial: &'a [[f64; 2]],
}

/// Growth state and history.
pub struct Evolution {
    pub points: Vec<[f64; 2]>,
    /// Node degrees in the cost k set (K_L).
    pub degrees: Vec<f64>,
    /// ⟨S_n⟩ over K_L and K_S after each added particle (n = 1, 2, …).
    pub s_long: Vec<f64>,
    pub s_short: Vec<f64>,
    /// Eq. (8) check: largest |S_{n+1} − [(nS_n + 1)/(n+1) + n/(n+1) ξ_n]| over K_L and steps.
    pub eq8_error: f64,
}

/// Grow a pattern stage by stage (`mixing`: stages interleave at random in proportion to their
/// counts). `kl` is the cost k set (K_L), `ks` the short-range set. Candidates are fixed Monte-
/// Carlo points in the disk; a used candidate is removed. Costs come from a running amplitude
/// A(k) = Σ_p Π_p e^{ik·r_p} and a candidate × k phase table, so one step is a matrix–vector
/// product: integer screening on an i8 table, then an exact f32 rescoring of the few candidates
/// the quantisation bounds cannot rule out (memory 4·M·|K_L| bytes).
pub fn evolve<R: Rng>(
    cands: &[[f64; 2]],
    kl: &[[f64; 2]],
    ks: &[[f64; 2]],
    schedule: &Schedule,
    rng: &mut R,
    interrupted: &dyn Fn() -> bool,
) -> Result<Evolution, String> {
    let (stages, mixing, initial) = (schedule.stages, schedule.mixing, schedule.initial);
    let m = cands.len();
    let nk = kl.len();
    let table = PhaseTable::new(cands, kl);
    let mut free = vec![true; m];
    let mut net = Growth::new(kl, ks);
    // the schedule as a sequence of stage indices
    let mut seq: Vec<usize> = stages
        .iter()
        .enumerate()
        .flat_map(|(i, s)| std::iter::repeat_n(i, s.count))
        .collect();
    if mixing {
        use rand::seq::SliceRandom;
        seq.shuffle(rng);
    }
    for &p in initial {
        net.add(p);
    }
    let mut a_re = vec![0f32; nk];
    let mut a_im = vec![0f32; nk];
    for &si in &seq {
        if interrupted() {
            return Err("interrupted".into());
        }
        let st = &stages[si];
        let allowed: Vec<usize> = (0..m)
            .filter(|&c| free[c] && st.region.contains(cands[c]))
            .collect();
        if allowed.is_empty() {
            return Err(format!(
                "no free candidate left in the region of stage {si} after {} particles",
                net.pts.len()
            ));
        }
        let choice = if st.poisson || net.pts.is_empty() {
            allowed[rng.random_range(0..allowed.len())]
        } else {
            // A(k) = Σ_p Π(w_p) e^{ik·r_p}; ρ(c) ∝ Σ_k Re[A(k) e^{−ik·r_c}] = Σ_k A_re cos + A_im sin
            match st.preference {
                // Π = 1: A is the running amplitude
                None => {
                    for i in 0..nk {
                        a_re[i] = net.bl.0[i] as f32;
                        a_im[i] = net.bl.1[i] as f32;
                    }
                }
                Some(pr) => {
                    let wts: Vec<f64> = net.degrees.iter().map(|&w| pr.eval(w)).collect();
                    // in k blocks on all cores, each a sum over the points in order
                    const BLOCK: usize = 256;
                    a_re.par_chunks_mut(BLOCK)
                        .zip(a_im.par_chunks_mut(BLOCK))
                        .enumerate()
                        .for_each(|(b, (re, im))| {
                            let (mut are, mut aim) = ([0.0f64; BLOCK], [0.0f64; BLOCK]);
                            let ks = b * BLOCK..b * BLOCK + re.len();
                            for (q, &w) in wts.iter().enumerate() {
                                let (cq, sq) = (&net.pcos[q][ks.clone()], &net.psin[q][ks.clone()]);
                                for i in 0..re.len() {
                                    are[i] += w * cq[i];
                                    aim[i] += w * sq[i];
                                }
                            }
                            for i in 0..re.len() {
                                re[i] = are[i] as f32;
                                im[i] = aim[i] as f32;
                            }
                        });
                }
            }
            table.argmin(&allowed, &a_re, &a_im)
        };
        free[choice] = false;
        net.add(cands[choice]);
    }
    let mut ev = net.ev;
    ev.points = net.pts;
    ev.degrees = net.degrees;
    Ok(ev)
}

/// Candidate × k phase table for the growth step. The step reads the whole table, so its cost
/// is memory traffic. The table holds cos and sin quantised to i8 (a quarter of the f32 bytes,
/// integer dot products) plus an i8 plane of their residuals, read only for the few candidates
/// that the first plane cannot rule out. Candidates are discarded only by rigorous quantisation
/// bounds, and the last few are rescored in f32 from phases computed afresh: the choice is
/// exactly the argmin of the f32 cost, at 4·M·|K_L| bytes.
struct PhaseTable<'a> {
    cands: &'a [[f64; 2]],
    kl: &'a [[f64; 2]],
    /// Per candidate: q1 = round(127 cos k·r) for every k, then the same for sin.
    coarse: Vec<i8>,
    /// Per candidate: q2 = round(256 (127 T − q1)), clamped to the i8 range.
    fine: Vec<i8>,
}

/// Table levels: T ≈ (q1 + q2/256)/127 with |cos|, |sin| ≤ 1 filling the i8 range.
const TABLE_LEVELS: f64 = 127.0;
const FINE_LEVELS: f64 = 256.0;
/// Largest |127 T − q1| and |127 T − q1 − q2/256| (q2 is clamped to ±127, so a residual of
/// 128/256 leaves 1/256), with slack for the rounding of 127 T.
const ERR_COARSE: f64 = 0.5 + 1e-9;
const ERR_FINE: f64 = 1.0 / FINE_LEVELS + 1e-9;

impl<'a> PhaseTable<'a> {
    fn new(cands: &'a [[f64; 2]], kl: &'a [[f64; 2]]) -> Self {
        let nk = kl.len();
        let mut coarse = vec![0i8; 2 * nk * cands.len()];
        let mut fine = vec![0i8; 2 * nk * cands.len()];
        coarse
            .par_chunks_mut(2 * nk)
            .zip(fine.par_chunks_mut(2 * nk))
            .zip(cands.par_iter())
            .for_each_init(
                || vec![0f32; 2 * nk],
                |t, ((q1, q2), c)| {
                    for (i, k) in kl.iter().enumerate() {
                        (t[nk + i], t[i]) = phase(k, c);
                    }
                    for ((t, q1), q2) in t.iter().zip(q1).zip(q2) {
                        let x = *t as f64 * TABLE_LEVELS;
                        let a = nearest(x);
                        *q1 = a as i8;
                        *q2 = nearest((x - a) * FINE_LEVELS).clamp(-127.0, 127.0) as i8;
                    }
                },
            );
        PhaseTable {
            cands,
            kl,
            coarse,
            fine,
        }
    }

    /// ρ(c) = Σ_k A_re cos k·r_c + A_im sin k·r_c in f32.
    fn cost(&self, c: usize, a_re: &[f32], a_im: &[f32]) -> f32 {
        let (sin, cos): (Vec<f32>, Vec<f32>) =
            self.kl.iter().map(|k| phase(k, &self.cands[c])).unzip();
        dot2(a_re, &cos, a_im, &sin)
    }

    /// The allowed candidate of least f32 cost (ties: lowest index).
    fn argmin(&self, allowed: &[usize], a_re: &[f32], a_im: &[f32]) -> usize {
        let nk = self.kl.len();
        let exact_min = |set: &[usize]| {
            set.par_iter()
                .map(|&c| (c, self.cost(c, a_re, a_im)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map_or(allowed[0], |x| x.0)
        };
        let amps = || a_re.iter().chain(a_im).map(|x| x.abs() as f64);
        let amax = amps().fold(0.0, f64::max);
        if amax == 0.0 || !amax.is_finite() {
            return exact_min(allowed);
        }
        // A quantised to ±q_max levels; q_max keeps every i32 lane of the integer dot product
        // (one pair of products of at most q_max·127 per 32 table entries) from overflowing
        let q_max = (i32::MAX as usize / ((2 * nk / 16 + 1) * 2 * 127)).clamp(1, 16383);
        let s_a = amax / q_max as f64;
        let aq: Vec<i16> = a_re
            .iter()
            .chain(a_im)
            .map(|&x| (x as f64 / s_a).round() as i16)
            .collect();
        let scale = s_a / TABLE_LEVELS;
        let row = |c: usize| 2 * nk * c..2 * nk * (c + 1);
        let sum_abs: f64 = amps().sum();
        // the f32 evaluation of ρ is off by at most ε = γ Σ|A| (γ for the longest f32
        // summation chain in dot2)
        let eps = (2 * nk / 16 + 32) as f64 * f32::EPSILON as f64 * sum_abs;
        // with T = (q + e)/127, |e| ≤ e_max: |ρ − ρ̃| ≤ B = e_max/127 Σ|A| + n_k s_A (1 + e_max/127),
        // so the f32 argmin has ρ̃ ≤ min ρ̃ + 2B + 2ε
        // positions of the candidates whose screened cost is within the bound of the best
        let keep = |approx: &[f64], e_max: f64| -> Vec<usize> {
            let bound =
                e_max / TABLE_LEVELS * sum_abs + nk as f64 * s_a * (1.0 + e_max / TABLE_LEVELS);
            let best = approx.iter().copied().fold(f64::INFINITY, f64::min);
            let cut = best + 2.0 * bound + 2.0 * eps;
            (0..approx.len()).filter(|&i| approx[i] <= cut).collect()
        };
        let coarse: Vec<i64> = allowed
            .par_iter()
            .map(|&c| dot_i16_i8(&aq, &self.coarse[row(c)]))
            .collect();
        let approx: Vec<f64> = coarse.iter().map(|&q| q as f64 * scale).collect();
        let first: Vec<usize> = keep(&approx, ERR_COARSE);
        let refined: Vec<f64> = first
            .par_iter()
            .map(|&i| {
                let q2 = dot_i16_i8(&aq, &self.fine[row(allowed[i])]);
                (coarse[i] as f64 + q2 as f64 / FINE_LEVELS) * scale
            })
            .collect();
        let last: Vec<usize> = keep(&refined, ERR_FINE)
            .into_iter()
            .map(|j| allowed[first[j]])
            .collect();
        exact_min(&last)
    }
}

/// Σ_i a_i b_i + c_i d_i in f64 (degree updates).
fn dot2_f64(a: &[f64], b: &[f64], c: &[f64], d: &[f64]) -> f64 {
    dot2_lanes::<f64, 8>(a, b, c, d)
}

/// (sin k·r, cos k·r) in f32 (the phases of the growth cost).
#[inline(always)]
fn phase(k: &[f64; 2], r: &[f64; 2]) -> (f32, f32) {
    let (s, c) = (k[0] * r[0] + k[1] * r[1]).sin_cos();
    (s as f32, c as f32)
}

/// x rounded to an integer, half away from zero, by a truncating conversion (`f64::round` is
/// a library call on baseline x86-64). |x − nearest(x)| ≤ 1/2 up to the rounding of x + 1/2.
#[inline(always)]
fn nearest(x: f64) -> f64 {
    (x + 0.5f64.copysign(x)) as i64 as f64
}

/// Σ_i a_i t_i exactly (integers): AVX2's 16-bit multiply-add of adjacent pairs when the CPU
/// has it (through pulp's x86-64-v3 token: no unsafe code), else a plain loop.
fn dot_i16_i8(a: &[i16], t: &[i8]) -> i64 {
    let n = a.len().min(t.len());
    let (a, t) = (&a[..n], &t[..n]);
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(simd) = crate::linalg::simd::level().v3() {
            struct Dot<'a>(pulp::x86::V3, &'a [i16], &'a [i8]);
            impl pulp::NullaryFnOnce for Dot<'_> {
                type Output = i64;
                #[inline(always)]
                fn call(self) -> i64 {
                    let Dot(simd, a, t) = self;
                    let full = a.len() / 32 * 32;
                    let mut acc = [simd.splat_i32x8(0); 2];
                    for (ca, ct) in a[..full].chunks_exact(32).zip(t[..full].chunks_exact(32)) {
                        for h in 0..2 {
                            // slices of exactly 16: the conversions cannot fail
                            let a16: [i16; 16] =
                                ca[16 * h..16 * h + 16].try_into().unwrap_or([0; 16]);
                            let t8: [i8; 16] =
                                ct[16 * h..16 * h + 16].try_into().unwrap_or([0; 16]);
                            let t16 = simd.convert_i8x16_to_i16x16(pulp::cast(t8));
                            let prod =
                                simd.multiply_wrapping_add_adjacent_i16x16(pulp::cast(a16), t16);
                            acc[h] = pulp::Simd::add_i32s(simd, acc[h], prod);
                        }
                    }
                    let lanes: [i32; 16] = pulp::cast(acc);
                    let tail: i64 = a[full..]
                        .iter()
                        .zip(&t[full..])
                        .map(|(&x, &y)| x as i64 * y as i64)
                        .sum();
                    lanes.iter().map(|&x| x as i64).sum::<i64>() + tail
                }
            }
            return pulp::Simd::vectorize(simd, Dot(simd, a, t));
        }
    }
    a.iter().zip(t).map(|(&x, &y)| x as i64 * y as i64).sum()
}

/// Σ_i a_i b_i + c_i d_i in f32: the 16-lane loop compiled for the level of this process (no
/// fused multiply-adds: the compiler keeps the products rounded, so every build gives the same
/// bits).
fn dot2(a: &[f32], b: &[f32], c: &[f32], d: &[f32]) -> f32 {
    struct Dot2<'a>([&'a [f32]; 4]);
    impl pulp::WithSimd for Dot2<'_> {
        type Output = f32;
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) -> f32 {
            let [a, b, c, d] = self.0;
            dot2_lanes::<f32, 16>(a, b, c, d)
        }
    }
    crate::linalg::simd::dispatch(Dot2([a, b, c, d]))
}

/// Σ_i a_i b_i + c_i d_i with W independent lanes, so the compiler vectorises the reduction
/// (a single accumulator would force sequential order).
#[inline(always)]
fn dot2_lanes<T, const W: usize>(a: &[T], b: &[T], c: &[T], d: &[T]) -> T
where
    T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T> + std::iter::Sum,
{
    let mut acc = [T::default(); W];
    let n = a.len().min(b.len()) / W * W;
    for (((ca, cb), cc), cd) in a[..n]
        .chunks_exact(W)
        .zip(b[..n].chunks_exact(W))
        .zip(c[..n].chunks_exact(W))
        .zip(d[..n].chunks_exact(W))
    {
        for l in 0..W {
            acc[l] = acc[l] + (ca[l] * cb[l] + cc[l] * cd[l]);
        }
    }
    let mut sum: T = acc.into_iter().sum();
    for i in n..a.len() {
        sum = sum + (a[i] * b[i] + c[i] * d[i]);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screened_choice_is_the_exact_f32_argmin() {
        use rand::Rng;
        let mut r = crate::rng::from_seed(4);
        let mut cands = poisson(3000, Region::Disk(1.0), &mut r);
        // exact ties: a few duplicated positions must resolve to the lower index
        // and near-ties: costs that differ far below the coarse quantisation step
        for i in 0..20 {
            cands[2000 + i] = cands[i];
        }
        for i in 0..900 {
            let p = cands[i];
            cands[2100 + i] = [p[0] + 1e-4 * (i % 7) as f64, p[1] - 1e-4];
        }
        let kl = k_annulus(700, 3.0, 35.0, &mut r);
        let table = PhaseTable::new(&cands, &kl);
        let nk = kl.len();
        let allowed: Vec<usize> = (0..cands.len()).filter(|c| c % 7 != 3).collect();
        for trial in 0..60 {
            // amplitudes of a real pattern (as in growth), or random, or all zero but one
            let (a_re, a_im): (Vec<f32>, Vec<f32>) = match trial % 3 {
                0 => {
                    let pts = poisson(1 + trial * 5, Region::Disk(1.0), &mut r);
                    kl.iter()
                        .map(|k| {
                            pts.iter().fold((0f32, 0f32), |(re, im), p| {
                                let (s, c) = phase(k, p);
                                (re + c, im + s)
                            })
                        })
                        .unzip()
                }
                1 => (0..nk)
                    .map(|_| (r.random_range(-30.0..30.0), r.random_range(-30.0..30.0)))
                    .unzip(),
                _ => {
                    let mut a = (vec![0f32; nk], vec![0f32; nk]);
                    a.0[trial % nk] = 1.0;
                    a
                }
            };
            let brute = allowed
                .iter()
                .map(|&c| (c, table.cost(c, &a_re, &a_im)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|x| x.0);
            assert_eq!(
                Some(table.argmin(&allowed, &a_re, &a_im)),
                brute,
                "trial {trial}"
            );
        }
    }

    #[test]
    fn integer_dot_product_is_exact_at_the_extremes() {
        // the largest table and amplitude levels over a long row: no i32 lane overflows
        let n = 2 * 10_000 + 7;
        let q_max = (i32::MAX as usize / ((n / 16 + 1) * 2 * 127)).clamp(1, 16383) as i16;
        for (a, t) in [(q_max, 127i8), (-q_max, 127), (q_max, -127), (3, -5)] {
            let av = vec![a; n];
            let tv = vec![t; n];
            assert_eq!(dot_i16_i8(&av, &tv), n as i64 * a as i64 * t as i64);
        }
        let m = 2 * q_max as i64 + 1;
        let av: Vec<i16> = (0..n)
            .map(|i| (i as i64 * 7919 % m - q_max as i64) as i16)
            .collect();
        let tv: Vec<i8> = (0..n)
            .map(|i| (i as i64 * 104729 % 255 - 127) as i8)
            .collect();
        let exact: i64 = av.iter().zip(&tv).map(|(&a, &t)| a as i64 * t as i64).sum();
        assert_eq!(dot_i16_i8(&av, &tv), exact);
    }

    #[test]
    fn crystal_in_the_unit_disk_has_149_points() {
        assert_eq!(crystal("square", 1.0 / 7.0, Region::Disk(1.0)).len(), 149);
    }

    #[test]
    fn bessel_and_annulus_average() {
        // J1(1) = 0.4400505857, J1(10) = 0.0434727462
        assert!((bessel_j1(1.0) - 0.4400505857449335).abs() < 1e-15);
        assert!((bessel_j1(10.0) - 0.04347274616886144).abs() < 1e-15);
        // the exact annulus average matches a fine Monte-Carlo average
        let mut r = crate::rng::from_seed(1);
        let ks = k_annulus(400_000, 3.0, 35.0, &mut r);
        let d = [0.05, 0.02];
        let mc: f64 = ks
            .iter()
            .map(|k| (k[0] * d[0] + k[1] * d[1]).cos())
            .sum::<f64>()
            / ks.len() as f64;
        let exact = annulus_average_cos((d[0] * d[0] + d[1] * d[1]).sqrt(), 3.0, 35.0);
        assert!((mc - exact).abs() < 5e-3, "{mc} vs {exact}");
    }

    #[test]
    fn structure_factor_basics() {
        let mut r = crate::rng::from_seed(2);
        let pts = poisson(200, Region::Disk(1.0), &mut r);
        let ks = k_annulus(300, 5.0, 60.0, &mut r);
        let s = structure_factor(&pts, &ks);
        let neg: Vec<[f64; 2]> = ks.iter().map(|k| [-k[0], -k[1]]).collect();
        let s2 = structure_factor(&pts, &neg);
        for (a, b) in s.iter().zip(&s2) {
            assert!((a - b).abs() < 1e-9);
        }
        assert!((structure_factor(&pts[..1], &ks)[0] - 1.0).abs() < 1e-12);
        // ⟨S⟩_K = 1 + mean degree, exactly, for the same k set
        let w = link_weights_mc(&pts, &ks);
        let n = pts.len();
        let mean_deg: f64 = (0..n)
            .map(|p| (0..n).map(|q| w[p * n + q]).sum::<f64>())
            .sum::<f64>()
            / n as f64;
        let mean_s = s.iter().sum::<f64>() / s.len() as f64;
        assert!((mean_s - 1.0 - mean_deg).abs() < 1e-12);
    }
}
