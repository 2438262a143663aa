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

/// S(k) = |Σ_j e^(−ik·r_j)|²/n for each k, in parallel.
pub fn structure_factor(pts: &[[f64; 2]], ks: &[[f64; 2]]) -> Vec<f64> {
    let n = pts.len() as f64;
    ks.par_iter()
        .map(|k| {
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

/// Link-weight matrix w_pq = ⟨cos k·(r_p − r_q)⟩_K over a k set (diagonal 0), n×n row-major.
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

/// Bessel J1 (Numerical Recipes rational approximations, |error| < 1e-8).
pub fn bessel_j1(x: f64) -> f64 {
    let ax = x.abs();
    if ax < 8.0 {
        let y = x * x;
        let a = x
            * (72362614232.0
                + y * (-7895059235.0
                    + y * (242396853.1
                        + y * (-2972611.439 + y * (15704.48260 + y * (-30.16036606))))));
        let b = 144725228442.0
            + y * (2300535178.0 + y * (18583304.74 + y * (99447.43394 + y * (376.9991397 + y))));
        a / b
    } else {
        let z = 8.0 / ax;
        let y = z * z;
        let xx = ax - 2.356194491;
        let a = 1.0
            + y * (0.183105e-2
                + y * (-0.3516396496e-4 + y * (0.2457520174e-5 + y * (-0.240337019e-6))));
        let b = 0.04687499995
            + y * (-0.2002690873e-3
                + y * (0.8449199096e-5 + y * (-0.88228987e-6 + y * 0.105787412e-6)));
        let ans = (std::f64::consts::FRAC_2_PI / ax).sqrt() * (xx.cos() * a - z * xx.sin() * b);
        if x < 0.0 {
            -ans
        } else {
            ans
        }
    }
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
        let mut wnew = 0.0;
        for q in 0..self.pts.len() {
            let w: f64 = (0..nk)
                .map(|i| c[i] * self.pcos[q][i] + s[i] * self.psin[q][i])
                .sum::<f64>()
                / nk as f64;
            self.degrees[q] += w;
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
/// product (f32 tables; memory 8·M·|K_L| bytes).
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
    // phase tables: cos and sin of k·r for candidates (f32 for speed; costs are compared only)
    let (ctab, stab): (Vec<f32>, Vec<f32>) = {
        let rows: Vec<(Vec<f32>, Vec<f32>)> = cands
            .par_iter()
            .map(|c| {
                kl.iter()
                    .map(|k| (k[0] * c[0] + k[1] * c[1]).sin_cos())
                    .map(|(s, co)| (co as f32, s as f32))
                    .unzip()
            })
            .collect();
        let mut cc = Vec::with_capacity(m * nk);
        let mut ss = Vec::with_capacity(m * nk);
        for (c, s) in rows {
            cc.extend(c);
            ss.extend(s);
        }
        (cc, ss)
    };
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
            let wts: Vec<f64> = net
                .degrees
                .iter()
                .map(|&w| st.preference.map_or(1.0, |pr| pr.eval(w)))
                .collect();
            let (mut are, mut aim) = (vec![0.0f64; nk], vec![0.0f64; nk]);
            for q in 0..net.pts.len() {
                let (w, cq, sq) = (wts[q], &net.pcos[q], &net.psin[q]);
                for i in 0..nk {
                    are[i] += w * cq[i];
                    aim[i] += w * sq[i];
                }
            }
            for i in 0..nk {
                a_re[i] = are[i] as f32;
                a_im[i] = aim[i] as f32;
            }
            let costs: Vec<(usize, f32)> = allowed
                .par_iter()
                .map(|&c| {
                    let (cr, sr) = (&ctab[c * nk..(c + 1) * nk], &stab[c * nk..(c + 1) * nk]);
                    (c, dot2(&a_re, cr, &a_im, sr))
                })
                .collect();
            costs
                .iter()
                .copied()
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|x| x.0)
                .unwrap_or(allowed[0])
        };
        free[choice] = false;
        net.add(cands[choice]);
    }
    let mut ev = net.ev;
    ev.points = net.pts;
    ev.degrees = net.degrees;
    Ok(ev)
}

/// Σ_i a_i b_i + c_i d_i: the AVX2/FMA build of the same loop when the CPU has it.
fn dot2(a: &[f32], b: &[f32], c: &[f32], d: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports the features the function is compiled for (checked above).
            return unsafe { dot2_avx2(a, b, c, d) };
        }
    }
    dot2_lanes(a, b, c, d)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot2_avx2(a: &[f32], b: &[f32], c: &[f32], d: &[f32]) -> f32 {
    dot2_lanes(a, b, c, d)
}

/// Σ_i a_i b_i + c_i d_i with 16 independent lanes, so the compiler vectorises the reduction
/// (a single f32 accumulator would force sequential order).
#[inline(always)]
fn dot2_lanes(a: &[f32], b: &[f32], c: &[f32], d: &[f32]) -> f32 {
    const W: usize = 16;
    let mut acc = [0f32; W];
    let n = a.len() / W * W;
    for (((ca, cb), cc), cd) in a[..n]
        .chunks_exact(W)
        .zip(b[..n].chunks_exact(W))
        .zip(c[..n].chunks_exact(W))
        .zip(d[..n].chunks_exact(W))
    {
        for l in 0..W {
            acc[l] += ca[l] * cb[l] + cc[l] * cd[l];
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for i in n..a.len() {
        sum += a[i] * b[i] + c[i] * d[i];
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crystal_in_the_unit_disk_has_149_points() {
        assert_eq!(crystal("square", 1.0 / 7.0, Region::Disk(1.0)).len(), 149);
    }

    #[test]
    fn bessel_and_annulus_average() {
        // J1(1) = 0.4400505857, J1(10) = 0.0434727462
        assert!((bessel_j1(1.0) - 0.4400505857449335).abs() < 1e-8);
        assert!((bessel_j1(10.0) - 0.04347274616886144).abs() < 1e-8);
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
