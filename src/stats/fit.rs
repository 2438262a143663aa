//! Least-squares fits, curve crossings and finite-size-scaling collapse.

use super::special::nelder_mead;

/// Straight-line fit y = a + b x, weighted by 1/σ² when errors are given.
#[derive(Clone, Debug)]
pub struct LineFit {
    pub intercept: f64,
    pub slope: f64,
    pub intercept_err: f64,
    pub slope_err: f64,
    pub chi2: f64,
    pub r2: f64,
}

/// Weighted linear least squares (Numerical Recipes §15.2). Without errors, the parameter
/// errors are scaled by the residual variance.
pub fn line_fit(x: &[f64], y: &[f64], err: Option<&[f64]>) -> Result<LineFit, String> {
    let n = x.len();
    if n < 2 || y.len() != n {
        return Err(format!(
            "need at least 2 points with equal x and y lengths (got {} and {})",
            n,
            y.len()
        ));
    }
    let w: Vec<f64> = match err {
        Some(e) => {
            if e.len() != n || e.iter().any(|v| v.is_nan() || *v <= 0.0) {
                return Err("errors must be positive, one per point".into());
            }
            e.iter().map(|s| 1.0 / (s * s)).collect()
        }
        None => vec![1.0; n],
    };
    let s: f64 = w.iter().sum();
    let sx: f64 = w.iter().zip(x).map(|(w, x)| w * x).sum();
    let sy: f64 = w.iter().zip(y).map(|(w, y)| w * y).sum();
    let sxx: f64 = w.iter().zip(x).map(|(w, x)| w * x * x).sum();
    let sxy: f64 = w.iter().zip(x).zip(y).map(|((w, x), y)| w * x * y).sum();
    let delta = s * sxx - sx * sx;
    if delta.abs() < 1e-300 {
        return Err("all x values are equal".into());
    }
    let a = (sxx * sy - sx * sxy) / delta;
    let b = (s * sxy - sx * sy) / delta;
    let chi2: f64 = (0..n).map(|i| w[i] * (y[i] - a - b * x[i]).powi(2)).sum();
    let scale = if err.is_some() {
        1.0
    } else if n > 2 {
        chi2 / (n - 2) as f64
    } else {
        0.0
    };
    let ybar = y.iter().sum::<f64>() / n as f64;
    let sst: f64 = y.iter().map(|v| (v - ybar).powi(2)).sum();
    let sse: f64 = (0..n).map(|i| (y[i] - a - b * x[i]).powi(2)).sum();
    Ok(LineFit {
        intercept: a,
        slope: b,
        intercept_err: (sxx / delta * scale).sqrt(),
        slope_err: (s / delta * scale).sqrt(),
        chi2,
        r2: if sst > 0.0 { 1.0 - sse / sst } else { 1.0 },
    })
}

/// Levenberg–Marquardt for y ≈ model(x, p), weighted by 1/σ². `model` returns Err to abort.
/// Returns (params, standard errors from the covariance, χ²).
pub fn levenberg_marquardt(
    model: &mut dyn FnMut(f64, &[f64]) -> Result<f64, String>,
    x: &[f64],
    y: &[f64],
    sigma: &[f64],
    p0: &[f64],
    max_iter: usize,
) -> Result<(Vec<f64>, Vec<f64>, f64), String> {
    let (n, m) = (x.len(), p0.len());
    let mut p = p0.to_vec();
    let resid = |model: &mut dyn FnMut(f64, &[f64]) -> Result<f64, String>,
                 p: &[f64]|
     -> Result<Vec<f64>, String> {
        (0..n)
            .map(|i| model(x[i], p).map(|f| (y[i] - f) / sigma[i]))
            .collect()
    };
    let mut r = resid(model, &p)?;
    let mut chi2: f64 = r.iter().map(|v| v * v).sum();
    let mut lambda = 1e-3;
    let mut jac = vec![vec![0.0; m]; n];
    for _ in 0..max_iter {
        for k in 0..m {
            let h = 1e-7 * p[k].abs().max(1e-7);
            let mut pp = p.clone();
            pp[k] += h;
            let rp = resid(model, &pp)?;
            for i in 0..n {
                jac[i][k] = -(rp[i] - r[i]) / h; // ∂f/∂p / σ
            }
        }
        let mut a = vec![vec![0.0; m]; m];
        let mut g = vec![0.0; m];
        for i in 0..n {
            for k in 0..m {
                g[k] += jac[i][k] * r[i];
                for l in 0..m {
                    a[k][l] += jac[i][k] * jac[i][l];
                }
            }
        }
        let mut improved = false;
        for _ in 0..20 {
            let mut aa = a.clone();
            for k in 0..m {
                aa[k][k] *= 1.0 + lambda;
            }
            let Some(dp) = solve(aa, g.clone()) else {
                lambda *= 10.0;
                continue;
            };
            let pn: Vec<f64> = p.iter().zip(&dp).map(|(a, b)| a + b).collect();
            let rn = resid(model, &pn)?;
            let cn: f64 = rn.iter().map(|v| v * v).sum();
            if cn.is_finite() && cn <= chi2 {
                let rel = (chi2 - cn) / chi2.max(1e-300);
                p = pn;
                r = rn;
                chi2 = cn;
                lambda = (lambda / 10.0).max(1e-12);
                improved = true;
                if rel < 1e-12 {
                    return finish(&a, p, chi2, n, m, sigma);
                }
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    // final curvature matrix at p
    let mut a = vec![vec![0.0; m]; m];
    for k in 0..m {
        for l in 0..m {
            a[k][l] = (0..n).map(|i| jac[i][k] * jac[i][l]).sum();
        }
    }
    finish(&a, p, chi2, n, m, sigma)
}

fn finish(
    a: &[Vec<f64>],
    p: Vec<f64>,
    chi2: f64,
    n: usize,
    m: usize,
    sigma: &[f64],
) -> Result<(Vec<f64>, Vec<f64>, f64), String> {
    let unweighted = sigma.iter().all(|&s| s == 1.0);
    let scale = if unweighted && n > m {
        chi2 / (n - m) as f64
    } else {
        1.0
    };
    let mut errs = vec![f64::NAN; m];
    for k in 0..m {
        let mut e = vec![0.0; m];
        e[k] = 1.0;
        if let Some(col) = solve(a.to_vec(), e) {
            errs[k] = (col[k] * scale).sqrt();
        }
    }
    Ok((p, errs, chi2))
}

/// Solve a small dense system (rows of `a`) by faer's LU with partial pivoting; None when it is
/// singular (the solution is not finite).
pub fn solve(a: Vec<Vec<f64>>, b: Vec<f64>) -> Option<Vec<f64>> {
    use faer::linalg::solvers::Solve;
    let n = b.len();
    if a.len() != n || a.iter().any(|r| r.len() != n) {
        return None;
    }
    let m = faer::Mat::from_fn(n, n, |i, j| a[i][j]);
    let rhs = faer::Mat::from_fn(n, 1, |i, _| b[i]);
    let x = m.partial_piv_lu().solve(&rhs);
    let x: Vec<f64> = (0..n).map(|i| x[(i, 0)]).collect();
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// x where y_a − y_b changes sign (linear interpolation); the first crossing, if any. Points
/// where the curves agree exactly count only between a strict change of sign (then the crossing
/// is the middle of that run): saturated tails, where both curves sit at 0 or 1, do not cross.
pub fn crossing(x: &[f64], ya: &[f64], yb: &[f64]) -> Option<f64> {
    crossings(x, ya, yb).first().copied()
}

/// Every crossing of y_a and y_b, in order of x (see `crossing`).
pub fn crossings(x: &[f64], ya: &[f64], yb: &[f64]) -> Vec<f64> {
    let d: Vec<f64> = ya.iter().zip(yb).map(|(a, b)| a - b).collect();
    let mut out = Vec::new();
    let mut last: Option<usize> = None;
    for j in 0..d.len().min(x.len()) {
        if d[j] == 0.0 || d[j].is_nan() {
            continue;
        }
        if let Some(i) = last {
            if d[i] * d[j] < 0.0 {
                out.push(if j == i + 1 {
                    x[i] + (x[j] - x[i]) * d[i] / (d[i] - d[j])
                } else {
                    (x[i + 1] + x[j - 1]) / 2.0
                });
            }
        }
        last = Some(j);
    }
    out
}

/// Finite-size-scaling collapse: find x_c and ν such that y plotted against (x − x_c) L^(1/ν)
/// falls on one curve, measured by the residual of a single cubic fitted to all points.
pub fn collapse(data: &[(f64, Vec<f64>, Vec<f64>)], xc0: f64, nu0: f64) -> (f64, f64, f64) {
    let cost = |p: &[f64]| -> f64 {
        let (xc, nu) = (p[0], p[1]);
        if nu <= 0.05 {
            return f64::INFINITY;
        }
        let mut u = Vec::new();
        let mut y = Vec::new();
        for (l, xs, ys) in data {
            for (xv, yv) in xs.iter().zip(ys) {
                u.push((xv - xc) * l.powf(1.0 / nu));
                y.push(*yv);
            }
        }
        // normalise u so the polynomial fit is well conditioned
        let umax = u.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
        let deg = 4;
        let mut a = vec![vec![0.0; deg]; deg];
        let mut b = vec![0.0; deg];
        for (uv, yv) in u.iter().zip(&y) {
            let t = uv / umax;
            let pw: Vec<f64> = (0..deg).map(|k| t.powi(k as i32)).collect();
            for i in 0..deg {
                b[i] += pw[i] * yv;
                for j in 0..deg {
                    a[i][j] += pw[i] * pw[j];
                }
            }
        }
        let Some(c) = solve(a, b) else {
            return f64::INFINITY;
        };
        u.iter()
            .zip(&y)
            .map(|(uv, yv)| {
                let t = uv / umax;
                let f: f64 = c
                    .iter()
                    .enumerate()
                    .map(|(k, ck)| ck * t.powi(k as i32))
                    .sum();
                (yv - f).powi(2)
            })
            .sum::<f64>()
            / y.len() as f64
    };
    let (p, c) = nelder_mead(
        cost,
        &[xc0, nu0],
        &[0.05 * xc0.abs().max(0.1), 0.2 * nu0],
        2000,
        1e-14,
    );
    (p[0], p[1], c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_fit_exact_and_lm_matches_it() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [1.0, 3.1, 4.9, 7.0];
        let f = line_fit(&x, &y, None).unwrap();
        // numpy.polyfit([0,1,2,3],[1,3.1,4.9,7],1) = [1.98, 1.03]
        assert!((f.slope - 1.98).abs() < 1e-12 && (f.intercept - 1.03).abs() < 1e-12);
        let mut model = |x: f64, p: &[f64]| Ok(p[0] + p[1] * x);
        let (p, e, _) =
            levenberg_marquardt(&mut model, &x, &y, &[1.0; 4], &[0.0, 0.0], 100).unwrap();
        assert!((p[1] - 1.98).abs() < 1e-8 && (p[0] - 1.03).abs() < 1e-8);
        assert!(
            (e[1] - f.slope_err).abs() < 1e-6,
            "{e:?} vs {}",
            f.slope_err
        );
    }

    #[test]
    fn crossing_and_collapse_of_synthetic_scaling_data() {
        assert!((crossing(&[0.0, 1.0], &[0.0, 1.0], &[1.0, 0.0]).unwrap() - 0.5).abs() < 1e-15);
        // saturated tails (both curves 0, then both 1) are not crossings; the steeper curve
        // crosses the shallower one at 0.6
        let x = [0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8];
        let shallow = [0.0, 0.0, 0.2, 0.5, 0.8, 1.0, 1.0];
        let steep = [0.0, 0.0, 0.05, 0.5, 0.95, 1.0, 1.0];
        assert_eq!(crossing(&x, &steep, &shallow), Some(0.6));
        let steep2 = [0.0, 0.0, 0.05, 0.45, 0.95, 1.0, 1.0];
        let c = crossing(&x, &steep2, &shallow).unwrap();
        assert!(c > 0.6 && c < 0.65, "{c}");
        // touching without a change of sign is not a crossing
        assert_eq!(crossing(&x, &shallow, &shallow), None);
        assert_eq!(
            crossing(&[0.0, 1.0, 2.0], &[1.0, 0.0, 1.0], &[0.0, 0.0, 0.0]),
            None
        );
        // y = tanh((x − 0.6) L^(1/ν)) with ν = 1.5 for L = 8, 16, 32
        let data: Vec<(f64, Vec<f64>, Vec<f64>)> = [8.0, 16.0, 32.0f64]
            .iter()
            .map(|&l| {
                let xs: Vec<f64> = (0..21).map(|i| 0.5 + 0.01 * i as f64).collect();
                let ys = xs
                    .iter()
                    .map(|x| ((x - 0.6) * l.powf(1.0 / 1.5)).tanh())
                    .collect();
                (l, xs, ys)
            })
            .collect();
        let (xc, nu, _) = collapse(&data, 0.58, 1.0);
        assert!((xc - 0.6).abs() < 2e-3, "{xc}");
        assert!((nu - 1.5).abs() < 0.1, "{nu}");
    }
}
