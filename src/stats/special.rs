//! Special functions for the fits: the Hurwitz zeta function ζ(s, q) = Σ_{k≥0} (q + k)^(−s)
//! (exact discrete power-law normalisation), its s-derivatives, a 1D minimiser and a
//! Nelder–Mead simplex for the alternative distributions' likelihoods.

/// B_{2j}/(2j)! for j = 1..=8 (Euler–Maclaurin coefficients).
const B2J_OVER_FACT: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 720.0,
    1.0 / 30240.0,
    -1.0 / 1209600.0,
    1.0 / 47900160.0,
    -691.0 / 1307674368000.0,
    1.0 / 74724249600.0,
    -3617.0 / 10670622842880000.0,
];

/// Hurwitz zeta ζ(s, q) for s > 1, q > 0, by Euler–Maclaurin summation (relative error ~1e-15).
pub fn hurwitz_zeta(s: f64, q: f64) -> f64 {
    let n = 12usize;
    let mut sum = 0.0;
    for k in 0..n {
        sum += (q + k as f64).powf(-s);
    }
    let a = q + n as f64;
    sum += a.powf(1.0 - s) / (s - 1.0) + 0.5 * a.powf(-s);
    // Σ_j B_{2j}/(2j)! · s(s+1)…(s+2j−2) · a^(−s−2j+1)
    let mut rising = s; // s(s+1)…(s+2j−2) for j = 1
    let mut apow = a.powf(-s - 1.0);
    for (j, c) in B2J_OVER_FACT.iter().enumerate() {
        sum += c * rising * apow;
        let j1 = (j + 1) as f64;
        rising *= (s + 2.0 * j1 - 1.0) * (s + 2.0 * j1);
        apow /= a * a;
    }
    sum
}

/// Minimise a unimodal f on [a, b] by golden-section search to absolute tolerance `tol`.
pub fn golden_min(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, tol: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > tol {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    0.5 * (a + b)
}

/// Nelder–Mead simplex minimisation from `x0` with initial steps `step`.
pub fn nelder_mead(
    f: impl Fn(&[f64]) -> f64,
    x0: &[f64],
    step: &[f64],
    iters: usize,
    tol: f64,
) -> (Vec<f64>, f64) {
    let n = x0.len();
    let mut pts: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..n {
        let mut p = x0.to_vec();
        p[i] += step[i];
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| f(p)).collect();
    for _ in 0..iters {
        let mut idx: Vec<usize> = (0..=n).collect();
        idx.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = idx.iter().map(|&i| pts[i].clone()).collect();
        vals = idx.iter().map(|&i| vals[i]).collect();
        if (vals[n] - vals[0]).abs() <= tol * (vals[0].abs() + tol) {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|k| pts[..n].iter().map(|p| p[k]).sum::<f64>() / n as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..n)
                .map(|k| centroid[k] + t * (pts[n][k] - centroid[k]))
                .collect()
        };
        let xr = along(-1.0);
        let fr = f(&xr);
        if fr < vals[0] {
            let xe = along(-2.0);
            let fe = f(&xe);
            if fe < fr {
                pts[n] = xe;
                vals[n] = fe;
            } else {
                pts[n] = xr;
                vals[n] = fr;
            }
        } else if fr < vals[n - 1] {
            pts[n] = xr;
            vals[n] = fr;
        } else {
            let xc = if fr < vals[n] {
                along(-0.5)
            } else {
                along(0.5)
            };
            let fc = f(&xc);
            if fc < vals[n].min(fr) {
                pts[n] = xc;
                vals[n] = fc;
            } else {
                for i in 1..=n {
                    pts[i] = (0..n)
                        .map(|k| pts[0][k] + 0.5 * (pts[i][k] - pts[0][k]))
                        .collect();
                    vals[i] = f(&pts[i]);
                }
            }
        }
    }
    let best = (0..=n)
        .min_by(|&a, &b| vals[a].total_cmp(&vals[b]))
        .unwrap_or(0);
    (pts[best].clone(), vals[best])
}

/// ln erfc(x), accurate where erfc underflows: the asymptotic series
/// erfc(x) ≈ e^(−x²)/(x√π)·(1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + 105/(16x⁸)) for x ≥ 25
/// (truncation error < 1e-12 there; below, erfc itself is representable).
pub fn ln_erfc(x: f64) -> f64 {
    if x < 25.0 {
        return erfc(x).ln();
    }
    let y = 1.0 / (2.0 * x * x);
    let series = 1.0 - y + 3.0 * y * y - 15.0 * y.powi(3) + 105.0 * y.powi(4);
    -x * x - (x * std::f64::consts::PI.sqrt()).ln() + series.ln()
}

/// Complementary error function (statrs).
pub fn erfc(x: f64) -> f64 {
    statrs::function::erf::erfc(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hurwitz_zeta_known_values() {
        // ζ(2, 1) = π²/6, ζ(3, 1) = 1.2020569031595942, ζ(2, 2) = π²/6 − 1
        let p = std::f64::consts::PI.powi(2) / 6.0;
        assert!((hurwitz_zeta(2.0, 1.0) - p).abs() < 1e-14);
        assert!((hurwitz_zeta(3.0, 1.0) - 1.2020569031595942).abs() < 1e-14);
        assert!((hurwitz_zeta(2.0, 2.0) - (p - 1.0)).abs() < 1e-14);
        // ζ(2.5, 10) by direct summation with a tail integral
        let direct: f64 = (0..2_000_000)
            .map(|k| (10.0 + k as f64).powf(-2.5))
            .sum::<f64>()
            + (2_000_010f64 - 0.5).powf(-1.5) / 1.5;
        assert!((hurwitz_zeta(2.5, 10.0) - direct).abs() < 1e-12 * direct);
    }

    #[test]
    fn ln_erfc_is_continuous_and_right_far_out() {
        // the series branch agrees with statrs where both are representable
        for x in [25.0, 26.0] {
            assert!(
                (ln_erfc(x) - erfc(x).ln()).abs() < 1e-9 * erfc(x).ln().abs(),
                "{x}"
            );
        }
        // erfc(10) = 2.088487583762545e-45
        assert!((ln_erfc(10.0) - 2.088487583762545e-45f64.ln()).abs() < 1e-9);
        assert!(ln_erfc(40.0).is_finite() && ln_erfc(40.0) < -1600.0);
    }

    #[test]
    fn minimisers_find_the_minimum() {
        let x = golden_min(|x| (x - 1.3).powi(2), 0.0, 5.0, 1e-10);
        assert!((x - 1.3).abs() < 1e-8);
        let (p, _) = nelder_mead(
            |p| (p[0] - 1.0).powi(2) + 10.0 * (p[1] + 2.0).powi(2),
            &[0.0, 0.0],
            &[0.5, 0.5],
            2000,
            1e-14,
        );
        assert!((p[0] - 1.0).abs() < 1e-5 && (p[1] + 2.0).abs() < 1e-5);
    }
}
