//! Power-law fits after Clauset, Shalizi & Newman (SIAM Rev. 2009): x_min by minimising the
//! Kolmogorov–Smirnov distance, α by maximum likelihood (closed form for continuous data, the
//! exact Hurwitz-zeta likelihood for discrete data), a semi-parametric bootstrap goodness-of-fit
//! p-value, and likelihood-ratio (Vuong) comparisons with alternative distributions.
//!
//! The KS distance follows the `powerlaw` package (Alstott et al.) so x_min agrees with it
//! exactly: at each distinct tail value x, D compares the fitted P(X < x) with the fraction of
//! tail points below x. The x_min scan runs over every distinct value but the largest, on
//! sorted data with suffix sums; a candidate's KS scan stops as soon as it exceeds the best
//! distance found so far (which cannot change the minimum), in parallel.

use super::special::{erfc, golden_min, hurwitz_zeta, ln_erfc, nelder_mead};
use rand::Rng;
use rayon::prelude::*;
use std::ops::Neg;
use std::sync::atomic::{AtomicU64, Ordering};

/// The fit at one x_min.
#[derive(Clone, Debug)]
pub struct PowerLawFit {
    pub discrete: bool,
    pub xmin: f64,
    pub alpha: f64,
    pub sigma: f64,
    pub n_tail: usize,
    pub n: usize,
    pub d: f64,
    pub candidates: usize,
    /// False when no candidate gave α > 1 (the `powerlaw` package's noise flag).
    pub in_range: bool,
}

/// Options of the scan.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    pub discrete: bool,
    /// Fixed x_min (no scan).
    pub xmin: Option<f64>,
    /// Restrict candidate x_min to [lo, hi].
    pub xmin_range: Option<(f64, f64)>,
    /// Scan at most this many candidates, at evenly spaced ranks (None: every distinct value).
    pub xmin_grid: Option<usize>,
}

fn alpha_continuous(n_t: usize, sum_ln: f64, ln_xmin: f64) -> f64 {
    let den = sum_ln - n_t as f64 * ln_xmin;
    if den > 0.0 {
        1.0 + n_t as f64 / den
    } else {
        f64::INFINITY
    }
}

/// Exact discrete MLE: maximise −n ln ζ(α, x_min) − α Σ ln x over α ∈ (1, 30].
fn alpha_discrete(n_t: usize, sum_ln: f64, xmin: f64) -> f64 {
    let nll = |a: f64| n_t as f64 * hurwitz_zeta(a, xmin).ln() + a * sum_ln;
    golden_min(nll, 1.0 + 1e-9, 30.0, 1e-11)
}

/// KS distance of the tail data[i..] (sorted) against the fit; stops early above `bound`.
fn ks(data: &[f64], ln: &[f64], i: usize, alpha: f64, discrete: bool, bound: f64) -> f64 {
    let n_t = (data.len() - i) as f64;
    let zmin = if discrete {
        hurwitz_zeta(alpha, data[i])
    } else {
        0.0
    };
    let dist = |j: usize| -> f64 {
        let emp = (j - i) as f64 / n_t;
        let fit = if discrete {
            1.0 - hurwitz_zeta(alpha, data[j]) / zmin
        } else {
            1.0 - ((1.0 - alpha) * (ln[j] - ln[i])).exp()
        };
        (fit - emp).abs()
    };
    // Probes first: a candidate worse than the best so far usually shows it at one of ~64
    // spread-out points, else at one of ~4096, else next to the largest of those. Probes sit only
    // at the first occurrence of a value (where the empirical CDF is defined), so each is a term
    // of the exact D: pruning on them is exact, and the full scan is left to the candidates that
    // may beat the best (10⁶ values: 80 s → a few seconds).
    let first = |j: usize| j == i || data[j] != data[j - 1];
    if bound.is_finite() {
        let mut widest = (0.0, i);
        for parts in [64, 4096] {
            let stride = (data.len() - i) / parts;
            if stride < 2 {
                break;
            }
            let mut j = i + stride;
            while j < data.len() {
                if first(j) {
                    let dj = dist(j);
                    if dj > bound {
                        return dj;
                    }
                    if dj > widest.0 {
                        widest = (dj, j);
                    }
                }
                j += stride;
            }
            if parts == 4096 {
                // D's peak lies within a stride of the largest probe
                let lo = widest.1.saturating_sub(stride).max(i);
                let hi = (widest.1 + stride).min(data.len());
                for j in lo..hi {
                    if first(j) {
                        let dj = dist(j);
                        if dj > bound {
                            return dj;
                        }
                    }
                }
            }
        }
    }
    let mut d: f64 = 0.0;
    for j in i..data.len() {
        if j > i && data[j] == data[j - 1] {
            continue;
        }
        d = d.max(dist(j));
        if d > bound {
            return d;
        }
    }
    d
}

fn sigma_of(alpha: f64, n_t: usize, xmin: f64, discrete: bool) -> f64 {
    if !discrete {
        return (alpha - 1.0) / (n_t as f64).sqrt();
    }
    // Clauset et al. (2009) Eq. (3.6): σ = 1/√(n [ζ''/ζ − (ζ'/ζ)²]) with derivatives in α.
    let h = 1e-4;
    let z = |a: f64| hurwitz_zeta(a, xmin).ln();
    let second = (z(alpha + h) - 2.0 * z(alpha) + z(alpha - h)) / (h * h);
    1.0 / (n_t as f64 * second).sqrt()
}

/// Fit a power law to `data` (positive values; sorted internally).
pub fn fit(data: &[f64], opts: &ScanOptions) -> Result<PowerLawFit, String> {
    let mut x: Vec<f64> = data
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if x.len() < 2 {
        return Err(format!(
            "need at least 2 positive finite values, got {}",
            x.len()
        ));
    }
    x.sort_by(|a, b| a.total_cmp(b));
    let n = x.len();
    let ln: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    // suffix sums of ln x
    let mut suffix = vec![0.0; n + 1];
    for j in (0..n).rev() {
        suffix[j] = suffix[j + 1] + ln[j];
    }
    let xmax = x[n - 1];
    let mut cand: Vec<usize> = match opts.xmin {
        Some(xm) => {
            let i = x.partition_point(|&v| v < xm);
            if i >= n {
                return Err(format!("x_min = {xm} is above every data value"));
            }
            vec![i]
        }
        None => (0..n)
            .filter(|&i| (i == 0 || x[i] != x[i - 1]) && x[i] < xmax)
            .filter(|&i| {
                opts.xmin_range
                    .is_none_or(|(lo, hi)| x[i] >= lo && x[i] <= hi)
            })
            .collect(),
    };
    if let Some(g) = opts.xmin_grid {
        if cand.len() > g {
            let all = std::mem::take(&mut cand);
            cand = (0..g).map(|k| all[k * all.len() / g]).collect();
            cand.dedup();
        }
    }
    if cand.is_empty() {
        return Err(
            "no candidate x_min (all values equal, or the x_min range holds no data)".into(),
        );
    }
    // α once per candidate (the discrete one is a 1D maximisation), kept beside its index
    let all: Vec<(usize, f64)> = cand
        .par_iter()
        .map(|&i| {
            let n_t = n - i;
            let a = if opts.discrete {
                alpha_discrete(n_t, suffix[i], x[i])
            } else {
                alpha_continuous(n_t, suffix[i], ln[i])
            };
            (i, a)
        })
        .collect();
    // as the `powerlaw` package: only candidates with α > 1 compete, unless there are none
    let any_good = all.iter().any(|(_, a)| a.is_finite() && *a > 1.0);
    let scan: Vec<(usize, f64)> = if any_good {
        all.into_iter()
            .filter(|(_, a)| a.is_finite() && *a > 1.0)
            .collect()
    } else {
        all
    };
    // A first pass on a sparse subset gives a good bound for pruning the full scan.
    let best = AtomicU64::new(f64::INFINITY.to_bits());
    let stride = (scan.len() / 64).max(1);
    scan.par_iter().step_by(stride).for_each(|&(i, a)| {
        let d = ks(&x, &ln, i, a, opts.discrete, f64::INFINITY);
        best.fetch_min(d.to_bits(), Ordering::Relaxed);
    });
    let ds: Vec<(usize, f64, f64)> = scan
        .par_iter()
        .map(|&(i, a)| {
            let bound = f64::from_bits(best.load(Ordering::Relaxed));
            let d = ks(&x, &ln, i, a, opts.discrete, bound);
            if d <= bound {
                best.fetch_min(d.to_bits(), Ordering::Relaxed);
            }
            (i, a, d)
        })
        .collect();
    let final_best = f64::from_bits(best.load(Ordering::Relaxed));
    // The smallest exact D (ties: the smallest x_min); pruned candidates all exceed it.
    let (i, alpha, d) = ds
        .iter()
        .copied()
        .filter(|(_, _, d)| *d <= final_best)
        .min_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)))
        .ok_or("internal: no candidate survived")?;
    let n_tail = n - i;
    Ok(PowerLawFit {
        discrete: opts.discrete,
        xmin: x[i],
        alpha,
        sigma: sigma_of(alpha, n_tail, x[i], opts.discrete),
        n_tail,
        n,
        d,
        candidates: scan.len(),
        in_range: any_good,
    })
}

/// Draw from the fitted power law above x_min (discrete: Clauset's rounding approximation).
pub fn sample_tail<R: Rng>(f: &PowerLawFit, rng: &mut R) -> f64 {
    let u: f64 = rng.random();
    if f.discrete {
        ((f.xmin - 0.5) * (1.0 - u).powf(-1.0 / (f.alpha - 1.0)) + 0.5).floor()
    } else {
        f.xmin * (1.0 - u).powf(-1.0 / (f.alpha - 1.0))
    }
}

/// Semi-parametric bootstrap p-value (Clauset et al. 2009, Sec. 4.1): each synthetic set keeps
/// the body below x_min (resampled) and draws the tail from the fit; p = fraction of sets whose
/// refitted KS distance is at least the data's. Sets run in parallel, set k from stream k.
pub fn gof_p(
    data: &[f64],
    f: &PowerLawFit,
    opts: &ScanOptions,
    sets: usize,
    seed: u64,
) -> Result<f64, String> {
    let body: Vec<f64> = data
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0 && *v < f.xmin)
        .collect();
    let n = f.n;
    let p_tail = f.n_tail as f64 / n as f64;
    let hits: Result<Vec<bool>, String> = (0..sets)
        .into_par_iter()
        .map(|k| {
            if crate::progress::interrupted() {
                return Err("interrupted".into());
            }
            let mut rng = crate::rng::stream(seed, k as u64);
            let synth: Vec<f64> = (0..n)
                .map(|_| {
                    if body.is_empty() || rng.random::<f64>() < p_tail {
                        sample_tail(f, &mut rng)
                    } else {
                        body[rng.random_range(0..body.len())]
                    }
                })
                .collect();
            let mut o = opts.clone();
            o.xmin = opts.xmin;
            Ok(fit(&synth, &o).map(|g| g.d >= f.d).unwrap_or(false))
        })
        .collect();
    let hits = hits?;
    Ok(hits.iter().filter(|&&h| h).count() as f64 / sets as f64)
}

/// Pointwise log-likelihoods of the power law at the values `tail` (all ≥ x_min).
pub fn pl_loglik(tail: &[f64], f: &PowerLawFit) -> Vec<f64> {
    if f.discrete {
        let lz = hurwitz_zeta(f.alpha, f.xmin).ln();
        tail.iter().map(|x| -f.alpha * x.ln() - lz).collect()
    } else {
        tail.iter()
            .map(|x| (f.alpha - 1.0).ln() - f.xmin.ln() - f.alpha * (x / f.xmin).ln())
            .collect()
    }
}

/// Result of one likelihood-ratio comparison.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub name: &'static str,
    /// Log-likelihood ratio R = Σ ln p_pl − ln p_alt (> 0 favours the power law).
    pub r: f64,
    /// Significance of the sign of R (Vuong; χ² for the nested truncated power law).
    pub p: f64,
    /// R / (σ √n).
    pub normalized: f64,
    /// Fitted parameters of the alternative.
    pub params: Vec<(&'static str, f64)>,
    /// The alternative's fit ran to its power-law limit (the log-normal's μ → −∞ ridge, the
    /// stretched exponential's β → 0): the exponent α of that limit (its parameters then
    /// describe no such distribution).
    pub degenerate: Option<f64>,
}

/// ∫_1^∞ y^(−α) e^(−λy) dy by Simpson's rule in t = ln y.
fn truncated_norm(alpha: f64, lambda: f64) -> f64 {
    let g = |t: f64| ((1.0 - alpha) * t - lambda * t.exp()).exp();
    let tmax = if lambda > 0.0 {
        (60.0 / lambda).ln().max(1.0)
    } else {
        0.0
    }
    .max(if alpha > 1.0 {
        40.0 / (alpha - 1.0)
    } else {
        0.0
    })
    .clamp(1.0, 700.0);
    let m = 4000;
    let h = tmax / m as f64;
    let mut s = g(0.0) + g(tmax);
    for k in 1..m {
        s += if k % 2 == 1 { 4.0 } else { 2.0 } * g(k as f64 * h);
    }
    s * h / 3.0
}

/// An alternative distribution on [x_min, ∞): log density (continuous) and log survival
/// function normalised to 1 at x_min (discrete data use p(k) = S(k) − S(k+1)).
#[derive(Clone, Copy)]
enum Alt {
    Exponential,
    Lognormal,
    StretchedExp,
}

impl Alt {
    fn name(self) -> &'static str {
        match self {
            Alt::Exponential => "exponential",
            Alt::Lognormal => "lognormal",
            Alt::StretchedExp => "stretched_exponential",
        }
    }
    /// ln p(x) with parameters p (log-transformed where positive).
    fn ln_pdf(self, p: &[f64], x: f64, xmin: f64) -> f64 {
        let y = x / xmin;
        match self {
            Alt::Exponential => {
                let l = p[0].exp();
                l.ln() - l * (y - 1.0) - xmin.ln()
            }
            Alt::StretchedExp => {
                let (l, b) = (p[0].exp(), p[1].exp());
                // y^β − 1 = expm1(β ln y): exact as β → 0 (the power-law limit λβ fixed)
                b.ln() + l.ln() + (b - 1.0) * y.ln() - l * (b * y.ln()).exp_m1() - xmin.ln()
            }
            Alt::Lognormal => {
                let (mu, s) = (p[0], p[1].exp());
                let lx = x.ln();
                -lx - s.ln()
                    - 0.5 * (2.0 * std::f64::consts::PI).ln()
                    - (lx - mu).powi(2) / (2.0 * s * s)
                    - self.ln_tail(p, xmin)
            }
        }
    }
    /// ln of the Gaussian tail mass above ln x_min (finite where it underflows).
    fn ln_tail(self, p: &[f64], xmin: f64) -> f64 {
        let (mu, s) = (p[0], p[1].exp());
        std::f64::consts::LN_2.neg() + ln_erfc((xmin.ln() - mu) / (s * std::f64::consts::SQRT_2))
    }
    /// ln S(x), S(x_min) = 1.
    fn ln_sf(self, p: &[f64], x: f64, xmin: f64) -> f64 {
        let y = x / xmin;
        match self {
            Alt::Exponential => -p[0].exp() * (y - 1.0),
            Alt::StretchedExp => -p[0].exp() * (p[1].exp() * y.ln()).exp_m1(),
            Alt::Lognormal => {
                let (mu, s) = (p[0], p[1].exp());
                std::f64::consts::LN_2.neg()
                    + ln_erfc((x.ln() - mu) / (s * std::f64::consts::SQRT_2))
                    - self.ln_tail(p, xmin)
            }
        }
    }
    fn ln_p(self, p: &[f64], x: f64, xmin: f64, discrete: bool) -> f64 {
        if !discrete {
            return self.ln_pdf(p, x, xmin);
        }
        let (a, b) = (self.ln_sf(p, x, xmin), self.ln_sf(p, x + 1.0, xmin));
        // ln(S(k) − S(k+1)) = ln S(k) + ln(1 − e^(ln S(k+1) − ln S(k)))
        a + (-(b - a).exp()).ln_1p()
    }
}

/// The tail x ≥ x_min as distinct values with multiplicities, and the sums that make the
/// continuous likelihoods O(1) to evaluate: each alternative's fit then costs microseconds per
/// trial point instead of a pass over 10⁵ values (or, for integer data, a pass over the
/// distinct values only).
struct Tail {
    /// Distinct values, ascending.
    x: Vec<f64>,
    /// Their multiplicities.
    w: Vec<f64>,
    /// Number of values.
    n: f64,
    xmin: f64,
    /// Σ ln x, Σ (ln x)², Σ x/x_min.
    sum_ln: f64,
    sum_ln2: f64,
    sum_y: f64,
    discrete: bool,
}

impl Tail {
    fn new(data: &[f64], f: &PowerLawFit) -> Tail {
        let mut v: Vec<f64> = data
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v >= f.xmin)
            .collect();
        v.sort_by(f64::total_cmp);
        let (mut x, mut w) = (Vec::new(), Vec::<f64>::new());
        for val in v {
            match x.last() {
                Some(&l) if l == val => *w.last_mut().expect("w follows x") += 1.0,
                _ => {
                    x.push(val);
                    w.push(1.0);
                }
            }
        }
        let weighted = |g: &dyn Fn(f64) -> f64| x.iter().zip(&w).map(|(x, w)| w * g(*x)).sum();
        let xmin = f.xmin;
        Tail {
            n: w.iter().sum(),
            sum_ln: weighted(&|x| x.ln()),
            sum_ln2: weighted(&|x| x.ln().powi(2)),
            sum_y: weighted(&|x| x / xmin),
            x,
            w,
            xmin,
            discrete: f.discrete,
        }
    }

    /// Σ w ln p over the distinct values (on both cores for many: heavy-tailed integer data
    /// have 10⁴ and more); the chunks are fixed, so the sum has the same bits on any pool.
    fn sum(&self, lp: impl Fn(f64) -> f64 + Sync) -> f64 {
        const CHUNK: usize = 2048;
        if self.x.len() <= CHUNK {
            return self.x.iter().zip(&self.w).map(|(x, w)| w * lp(*x)).sum();
        }
        let parts: Vec<f64> = self
            .x
            .par_chunks(CHUNK)
            .zip(self.w.par_chunks(CHUNK))
            .map(|(x, w)| x.iter().zip(w).map(|(x, w)| w * lp(*x)).sum())
            .collect();
        parts.iter().sum()
    }
}

/// Bounds of the internal parameters (log λ, log β, μ, log σ) inside which f64 arithmetic is
/// exact enough.
fn out_of_range(alt: Alt, p: &[f64]) -> bool {
    let lam_bound = if matches!(alt, Alt::Lognormal) {
        1e7
    } else {
        300.0
    };
    p.iter().any(|v| !v.is_finite())
        || p[0].abs() > lam_bound
        || p.get(1).is_some_and(|v| v.abs() > 40.0)
}

/// Minus the log-likelihood of `alt` on the tail, by the exact per-value form (integer data use
/// p(k) = S(k) − S(k+1)).
fn nll_exact(alt: Alt, p: &[f64], t: &Tail) -> f64 {
    if out_of_range(alt, p) {
        return f64::INFINITY;
    }
    let s = t.sum(|x| alt.ln_p(p, x, t.xmin, t.discrete));
    if s.is_nan() {
        f64::INFINITY
    } else {
        -s
    }
}

/// Minus the continuous log-normal log-likelihood from the tail's sums, O(1):
/// Σ ln p = −Σ ln x − n ln σ − (n/2) ln 2π − Σ(ln x − μ)²/(2σ²) − n ln P(X ≥ x_min).
fn nll_lognormal_continuous(p: &[f64], t: &Tail) -> f64 {
    if out_of_range(Alt::Lognormal, p) {
        return f64::INFINITY;
    }
    let (mu, s) = (p[0], p[1].exp());
    let sq = t.sum_ln2 - 2.0 * mu * t.sum_ln + t.n * mu * mu;
    let ll = -t.sum_ln
        - t.n * s.ln()
        - 0.5 * t.n * (2.0 * std::f64::consts::PI).ln()
        - sq / (2.0 * s * s)
        - t.n * Alt::Lognormal.ln_tail(p, t.xmin);
    if ll.is_nan() {
        f64::INFINITY
    } else {
        -ll
    }
}

/// The continuous stretched exponential profiled over λ: for β fixed the likelihood's maximum is
/// at λ = n / Σ(y^β − 1) (y = x/x_min), so only β is searched (a grid in ln β, then golden
/// section). Returns (ln λ, ln β).
fn stretched_profile(t: &Tail) -> [f64; 2] {
    let lny: Vec<(f64, f64)> =
        t.x.iter()
            .zip(&t.w)
            .map(|(x, w)| ((x / t.xmin).ln(), *w))
            .collect();
    let s1: f64 = lny.iter().map(|(l, w)| w * l).sum();
    let profile = |lb: f64| -> (f64, f64) {
        let b = lb.exp();
        let a: f64 = lny.iter().map(|(l, w)| w * (b * l).exp_m1()).sum();
        if !(a > 0.0 && a.is_finite()) {
            return (f64::INFINITY, 0.0);
        }
        let lam = t.n / a;
        // −[n ln β + n ln λ + (β − 1) Σ ln y − λ A] (the − n ln x_min is common to all β)
        let nll = -(t.n * lb + t.n * lam.ln() + (b - 1.0) * s1 - t.n);
        (if nll.is_nan() { f64::INFINITY } else { nll }, lam.ln())
    };
    let grid: Vec<f64> = (0..=72).map(|i| -30.0 + 0.5 * i as f64).collect();
    let best = grid
        .iter()
        .copied()
        .min_by(|a, b| profile(*a).0.total_cmp(&profile(*b).0))
        .unwrap_or(0.0);
    let lb = golden_min(|lb| profile(lb).0, best - 0.5, best + 0.5, 1e-10);
    [profile(lb).1, lb]
}

/// Maximum-likelihood fit of `alt` on the tail: (internal parameters, ln p at each distinct
/// value). Closed forms where they exist (the exponential, continuous and discrete); the
/// log-normal from O(1) likelihoods along several starts, one of them on its μ → −∞ ridge; the
/// stretched exponential profiled over λ. Integer data then polish the continuous optimum on the
/// exact discrete likelihood.
fn fit_alt(alt: Alt, t: &Tail, f: &PowerLawFit) -> (Vec<f64>, Vec<f64>) {
    let xmin = t.xmin;
    let n = t.n;
    let p: Vec<f64> = match alt {
        Alt::Exponential => {
            let lam = if t.discrete {
                // geometric: p(k) = (1 − q) q^(k − x_min), q = e^(−λ/x_min); MLE q = m/(1 + m)
                let m = t.sum_y * xmin / n - xmin;
                (1.0 + 1.0 / m.max(1e-300)).ln() * xmin
            } else {
                1.0 / (t.sum_y / n - 1.0).max(1e-300)
            };
            vec![lam.ln().clamp(-300.0, 300.0)]
        }
        Alt::Lognormal => {
            let mu0 = t.sum_ln / n;
            let s0 = (t.sum_ln2 / n - mu0 * mu0).max(0.0).sqrt().max(0.05);
            // The likelihood has a ridge towards the power-law limit μ → −∞ with
            // σ² = (ln x_min − μ)/(α − 1) (matching the tail slope): start along it too.
            let mut starts = vec![vec![mu0, s0.ln()]];
            for d in [1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0] {
                starts.push(vec![
                    xmin.ln() - d,
                    (d / (f.alpha - 1.0).max(0.05)).sqrt().ln(),
                ]);
            }
            let nll = |p: &[f64]| nll_lognormal_continuous(p, t);
            let mut best: Option<(Vec<f64>, f64)> = None;
            for st in starts {
                let step: Vec<f64> = st.iter().map(|v| 0.3 * v.abs().max(1.0)).collect();
                let (p1, v1) = nelder_mead(nll, &st, &step, 3000, 1e-14);
                let small: Vec<f64> = step.iter().map(|s| s * 0.1).collect();
                let (p2, v2) = nelder_mead(nll, &p1, &small, 3000, 1e-15);
                let (pp, vv) = if v2 <= v1 { (p2, v2) } else { (p1, v1) };
                if vv.is_finite() && best.as_ref().is_none_or(|b| vv < b.1) {
                    best = Some((pp, vv));
                }
            }
            best.map(|b| b.0).unwrap_or_else(|| vec![mu0, s0.ln()])
        }
        Alt::StretchedExp => stretched_profile(t).to_vec(),
    };
    let p = if t.discrete && !matches!(alt, Alt::Exponential) {
        let nll = |q: &[f64]| nll_exact(alt, q, t);
        let step: Vec<f64> = p.iter().map(|v| 0.05 * v.abs().max(1.0)).collect();
        // from a start this close the simplex needs a few hundred steps; on the log-normal's
        // μ → −∞ ridge it would crawl on for thousands while R changes by less than 10⁻⁶
        let (p1, v1) = nelder_mead(nll, &p, &step, 600, 1e-13);
        let small: Vec<f64> = step.iter().map(|s| s * 0.1).collect();
        let (p2, v2) = nelder_mead(nll, &p1, &small, 600, 1e-14);
        if !(v1.is_finite() || v2.is_finite()) {
            p
        } else if v2 <= v1 {
            p2
        } else {
            p1
        }
    } else {
        p
    };
    let ll =
        t.x.iter()
            .map(|&x| alt.ln_p(&p, x, xmin, t.discrete))
            .collect();
    (p, ll)
}

/// Vuong's test on per-value log-likelihoods with multiplicities `w` (see `vuong`).
fn vuong_weighted(
    name: &'static str,
    l1: &[f64],
    l2: &[f64],
    w: &[f64],
    nested: bool,
    params: Vec<(&'static str, f64)>,
) -> Comparison {
    let n: f64 = w.iter().sum();
    let r: f64 = l1
        .iter()
        .zip(l2)
        .zip(w)
        .map(|((a, b), w)| w * (a - b))
        .sum();
    let m = r / n;
    let sd = (l1
        .iter()
        .zip(l2)
        .zip(w)
        .map(|((a, b), w)| w * (a - b - m).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let p = if nested {
        erfc(r.abs().sqrt())
    } else {
        erfc(r.abs() / (2.0 * n).sqrt() / sd)
    };
    Comparison {
        name,
        r,
        p,
        normalized: r / (sd * n.sqrt()),
        params,
        degenerate: None,
    }
}

/// How far above its median (in σ) the log-normal's tail must start before, over the data, it
/// cannot be told from a power law: the fit has walked down the μ → −∞ ridge.
const LOGNORMAL_RIDGE_SIGMAS: f64 = 10.0;
/// Below this β the stretched exponential is its power-law limit over any realistic data range
/// (y^β − 1 = β ln y to 10⁻⁴ relative for y up to e^10).
const STRETCHED_RIDGE_BETA: f64 = 1e-4;

/// Compare the power law with exponential, log-normal and stretched-exponential fits on the
/// same tail, and (continuous data) with a power law with exponential cut-off (nested). For
/// integer data the alternatives are discretised: p(k) = S(k) − S(k+1).
pub fn compare(data: &[f64], f: &PowerLawFit) -> Vec<Comparison> {
    let t = Tail::new(data, f);
    let xmin = f.xmin;
    let lpl = pl_loglik(&t.x, f);
    let mut out = Vec::new();
    for alt in [Alt::Exponential, Alt::Lognormal, Alt::StretchedExp] {
        let (p, ll) = fit_alt(alt, &t, f);
        let params = match alt {
            Alt::Exponential => vec![("lambda", p[0].exp() / xmin)],
            Alt::Lognormal => vec![("mu", p[0]), ("sigma", p[1].exp())],
            Alt::StretchedExp => vec![
                ("lambda", p[0].exp() / xmin.powf(p[1].exp())),
                ("beta", p[1].exp()),
            ],
        };
        let mut c = vuong_weighted(alt.name(), &lpl, &ll, &t.w, false, params);
        match alt {
            Alt::Lognormal => {
                let (mu, s) = (p[0], p[1].exp());
                let z = (xmin.ln() - mu) / s;
                if z > LOGNORMAL_RIDGE_SIGMAS {
                    // the local slope of ln p against ln x at x_min: −(1 + (ln x_min − μ)/σ²)
                    c.degenerate = Some(1.0 + z / s);
                }
            }
            Alt::StretchedExp => {
                // β → 0 with λβ fixed: y^(β−1) e^(−λy^β) → y^(−1−λβ), a power law
                let (l, b) = (p[0].exp(), p[1].exp());
                if b < STRETCHED_RIDGE_BETA {
                    c.degenerate = Some(1.0 + l * b);
                }
            }
            Alt::Exponential => {}
        }
        out.push(c);
    }
    if f.discrete {
        return out;
    }
    // power law with exponential cut-off: p(y) ∝ y^(−α) e^(−λy), nested (λ → 0 is the power
    // law); its likelihood needs only Σ ln y and Σ y
    let ybar = t.sum_y / t.n;
    let lnxm = xmin.ln();
    let sum_lny = t.sum_ln - t.n * lnxm;
    let nll = |p: &[f64]| -> f64 {
        let c = truncated_norm(p[0], p[1].exp());
        if !(c.is_finite() && c > 0.0) {
            return f64::INFINITY;
        }
        p[0] * sum_lny + p[1].exp() * t.sum_y + t.n * (c.ln() + lnxm)
    };
    let (p, _) = nelder_mead(nll, &[f.alpha, (0.01 / ybar).ln()], &[0.2, 1.0], 800, 1e-12);
    let c = truncated_norm(p[0], p[1].exp());
    let ltp: Vec<f64> =
        t.x.iter()
            .map(|&x| {
                let v = x / xmin;
                -p[0] * v.ln() - p[1].exp() * v - c.ln() - lnxm
            })
            .collect();
    let mut cmp = vuong_weighted(
        "truncated_power_law",
        &lpl,
        &ltp,
        &t.w,
        true,
        vec![("alpha", p[0]), ("lambda", p[1].exp() / xmin)],
    );
    // The nested model can only fit at least as well; R > 0 is numerical noise.
    if cmp.r > 0.0 {
        cmp.r = 0.0;
        cmp.p = 1.0;
    }
    out.push(cmp);
    out
}

/// Empirical CCDF P(X ≥ x) at the sorted finite data: (sorted x, probabilities).
pub fn ccdf(data: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut x: Vec<f64> = data.iter().copied().filter(|v| v.is_finite()).collect();
    x.sort_by(|a, b| a.total_cmp(b));
    let n = x.len() as f64;
    let p = (0..x.len()).map(|i| (n - i as f64) / n).collect();
    (x, p)
}

/// The fitted CCDF on the data's scale, (n_tail/n)(x/x_min)^(1−α), at 100 log-spaced points from
/// x_min to xmax.
pub fn fitted_ccdf(alpha: f64, xmin: f64, tail_fraction: f64, xmax: f64) -> (Vec<f64>, Vec<f64>) {
    let xmax = xmax.max(xmin * 1.0001);
    let x: Vec<f64> = (0..100)
        .map(|i| xmin * (xmax / xmin).powf(i as f64 / 99.0))
        .collect();
    let p = x
        .iter()
        .map(|v| tail_fraction * (v / xmin).powf(1.0 - alpha))
        .collect();
    (x, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pl_sample(n: usize, alpha: f64, xmin: f64, seed: u64) -> Vec<f64> {
        let mut r = crate::rng::from_seed(seed);
        (0..n)
            .map(|_| xmin * (1.0 - r.random::<f64>()).powf(-1.0 / (alpha - 1.0)))
            .collect()
    }

    #[test]
    fn recovers_alpha_and_xmin_of_a_pure_power_law() {
        let x = pl_sample(20000, 2.5, 1.0, 1);
        let f = fit(&x, &ScanOptions::default()).unwrap();
        assert!((f.alpha - 2.5).abs() < 3.0 * f.sigma + 0.02, "{f:?}");
        assert!(f.xmin < 1.5, "{f:?}");
    }

    #[test]
    fn pruned_scan_equals_the_exhaustive_scan() {
        // 16,000 values: tails of 8,192 and more take the 4,096-point probes too
        let mut x = pl_sample(12000, 3.0, 2.0, 2);
        let mut r = crate::rng::from_seed(3);
        x.extend((0..4000).map(|_| 2.0 * r.random::<f64>() + 0.1));
        let f = fit(&x, &ScanOptions::default()).unwrap();
        // exhaustive: every candidate, full KS
        let mut s = x.clone();
        s.sort_by(|a, b| a.total_cmp(b));
        let ln: Vec<f64> = s.iter().map(|v| v.ln()).collect();
        let n = s.len();
        let mut best = (f64::INFINITY, 0.0);
        for i in 0..n - 1 {
            if i > 0 && s[i] == s[i - 1] {
                continue;
            }
            let sum: f64 = ln[i..].iter().sum();
            let a = alpha_continuous(n - i, sum, ln[i]);
            let d = ks(&s, &ln, i, a, false, f64::INFINITY);
            if d < best.0 {
                best = (d, s[i]);
            }
        }
        assert_eq!(f.xmin, best.1);
        assert!((f.d - best.0).abs() < 1e-12);
    }
}
