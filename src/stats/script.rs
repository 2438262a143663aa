//! rhai API of the statistics: `powerlaw_fit`, `ccdf`, `logbin_pdf`, `powerlaw_plot`,
//! `linear_fit`, `curve_fit`, `crossing`, `collapse`, `bootstrap`, `jackknife`, `binomial_err`.

use super::fit::{collapse, crossings, levenberg_marquardt, line_fit};
use super::powerlaw::{compare, fit, gof_p, ScanOptions};
use crate::args::{count, err, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::vec_arg;
use crate::plot::{Figure, Series};
use rand::Rng;
use rhai::{Array, Dynamic, Engine, FnPtr, Map, NativeCallContext, INT};

fn nd(v: Vec<f64>) -> Dynamic {
    Dynamic::from(NdArray::from_vec(v))
}

fn powerlaw_fit(data: Dynamic, m: Map) -> Res<Map> {
    let f = "powerlaw_fit";
    let o = Opts::new(
        m,
        f,
        &[
            "discrete",
            "xmin",
            "xmin_range",
            "xmin_grid",
            "gof",
            "compare",
            "seed",
        ],
    )?;
    let x = vec_arg(&data, f, "data")?;
    let bad = x.iter().filter(|v| !(v.is_finite() && **v > 0.0)).count();
    let auto_discrete = x.iter().all(|v| v.fract() == 0.0);
    let discrete = o.bool_or("discrete", auto_discrete)?;
    let xmin_range = match o.get("xmin_range") {
        Some(v) => {
            let r = vec_arg(v, f, "opts.xmin_range")?;
            if r.len() != 2 || r[0] > r[1] {
                return err(format!(
                    "{f}: option 'xmin_range' must be [lo, hi], got {r:?}"
                ));
            }
            Some((r[0], r[1]))
        }
        None => None,
    };
    let xmin_grid = match o.get("xmin_grid") {
        Some(v) => Some(count(v, f, "opts.xmin_grid", 2, i64::MAX)?),
        None => None,
    };
    let opts = ScanOptions {
        discrete,
        xmin: o.f64_opt("xmin")?,
        xmin_range,
        xmin_grid,
    };
    let sets = o.count_or("gof", 0, 0, 100_000)?;
    let seed = o.seed()?;
    let fitr = fit(&x, &opts).map_err(|e| format!("{f}: {e}"))?;
    let mut out = Map::new();
    let status = if !fitr.in_range {
        "noise: no x_min gives alpha > 1"
    } else if fitr.n_tail < 50 {
        "ok (fewer than 50 points in the tail: estimates are rough)"
    } else {
        "ok"
    };
    out.insert("status".into(), Dynamic::from(status.to_string()));
    out.insert("alpha".into(), Dynamic::from_float(fitr.alpha));
    out.insert("ccdf_slope".into(), Dynamic::from_float(fitr.alpha - 1.0));
    out.insert("alpha_err".into(), Dynamic::from_float(fitr.sigma));
    out.insert("xmin".into(), Dynamic::from_float(fitr.xmin));
    out.insert("n_tail".into(), Dynamic::from_int(fitr.n_tail as INT));
    out.insert("n".into(), Dynamic::from_int(fitr.n as INT));
    out.insert("D".into(), Dynamic::from_float(fitr.d));
    out.insert("discrete".into(), Dynamic::from_bool(discrete));
    out.insert(
        "xmin_candidates".into(),
        Dynamic::from_int(fitr.candidates as INT),
    );
    out.insert("dropped".into(), Dynamic::from_int(bad as INT));
    if sets > 0 {
        let p = gof_p(&x, &fitr, &opts, sets, seed).map_err(|e| format!("{f}: {e}"))?;
        out.insert("gof_p".into(), Dynamic::from_float(p));
        out.insert("gof_sets".into(), Dynamic::from_int(sets as INT));
    }
    if o.bool_or("compare", true)? && fitr.n_tail >= 2 {
        let mut cm = Map::new();
        for c in compare(&x, &fitr) {
            let mut e = Map::new();
            e.insert("R".into(), Dynamic::from_float(c.r));
            e.insert("lr_p".into(), Dynamic::from_float(c.p));
            e.insert("normalized_R".into(), Dynamic::from_float(c.normalized));
            let verdict = if c.p >= 0.1 {
                "inconclusive"
            } else if c.r > 0.0 {
                "power_law"
            } else {
                c.name
            };
            e.insert("favours".into(), Dynamic::from(verdict.to_string()));
            let params: Map = c
                .params
                .iter()
                .map(|(k, v)| ((*k).into(), Dynamic::from_float(*v)))
                .collect();
            match c.degenerate {
                // μ and σ on the ridge describe no log-normal: say what the fit approached
                Some(alpha) => {
                    e.insert("degenerate".into(), Dynamic::TRUE);
                    e.insert(
                        "limit".into(),
                        Dynamic::from(format!(
                            "the {} fit ran to its power-law limit ({}) with α ≈ {alpha:.4}: on this tail it cannot be told from a power law",
                            c.name,
                            if c.name == "lognormal" { "μ → −∞" } else { "β → 0" }
                        )),
                    );
                    let mut m = Map::new();
                    m.insert("alpha_limit".into(), Dynamic::from_float(alpha));
                    e.insert("params".into(), Dynamic::from_map(m));
                }
                None => {
                    e.insert("degenerate".into(), Dynamic::FALSE);
                    e.insert("params".into(), Dynamic::from_map(params));
                }
            }
            cm.insert(c.name.into(), Dynamic::from_map(e));
        }
        out.insert("compare".into(), Dynamic::from_map(cm));
        out.insert("compare_note".into(), Dynamic::from("R = ln L(power law) − ln L(alternative): R > 0 favours the power law; lr_p is the significance of that sign (Vuong; chi² for the nested truncated power law); continuous forms on the tail".to_string()));
    }
    Ok(out)
}

fn logbin_pdf(data: Dynamic, bins: Dynamic) -> Res<Map> {
    let f = "logbin_pdf";
    let x: Vec<f64> = vec_arg(&data, f, "data")?
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let bins = count(&bins, f, "bins", 1, 100_000)?;
    if x.is_empty() {
        return err("logbin_pdf: no positive finite data");
    }
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let hi = if hi > lo { hi } else { lo * 1.0001 + 1e-300 };
    // Edges include both end points (the last bin is closed), so no value is dropped.
    let edges = crate::array::bin_edges(lo, hi, bins, true);
    let counts = crate::array::bin_counts(&x, &edges, false);
    let density = crate::array::bin_density(&counts, &edges);
    let centers: Vec<f64> = (0..bins)
        .map(|k| (edges[k] * edges[k + 1]).sqrt())
        .collect();
    let mut m = Map::new();
    m.insert("centers".into(), nd(centers));
    m.insert("density".into(), nd(density));
    m.insert("counts".into(), nd(counts));
    m.insert("edges".into(), nd(edges));
    Ok(m)
}

fn get_f(m: &Map, k: &str, func: &str) -> Res<f64> {
    m.get(k).and_then(|v| v.as_float().ok()).ok_or_else(|| {
        format!("{func}: the fit map lacks '{k}' (pass the result of powerlaw_fit)").into()
    })
}

fn call_num(
    ctx: &NativeCallContext,
    fp: &FnPtr,
    args: impl rhai::FuncArgs,
    func: &str,
) -> Res<f64> {
    let v: Dynamic = fp
        .call_within_context(ctx, args)
        .map_err(|e| format!("{func}: the closure failed: {e}"))?;
    crate::args::num_any(&v, func, "closure result")
}

/// Register the statistics functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "powerlaw_fit", &["data: ndarray", "map"], "Clauset–Shalizi–Newman power-law fit: x_min by minimum KS distance, α by maximum likelihood (exact Hurwitz-zeta likelihood for integer data). Returns #{status, alpha, ccdf_slope (= α − 1), alpha_err, xmin, n_tail, n, D, discrete, compare, ...}.", |d: Dynamic| powerlaw_fit(d, Map::new()));
    reg(engine, "powerlaw_fit", &["data: ndarray", "opts: map", "map"], "powerlaw_fit with opts discrete (auto: all integers), xmin (fixed), xmin_range [lo, hi], xmin_grid (scan N candidates at evenly spaced ranks instead of every distinct value: for 10⁶+ samples), gof (bootstrap sets for gof_p, Clauset 2009; 0 = off), compare (likelihood ratios vs exponential, lognormal, stretched_exponential, truncated_power_law; default true: about 0.2 s for 10⁵ continuous values, 0.5 s for 10⁵ integers, 3 s for 10⁶; each entry has R, lr_p, normalized_R, favours, params and degenerate — true where the alternative's fit ran to its power-law limit, with params #{alpha_limit} and a `limit` sentence instead of parameters), seed.", powerlaw_fit);
    reg(
        engine,
        "ccdf",
        &["data: ndarray", "map"],
        "Empirical complementary CDF P(X ≥ x): #{x (sorted), p}.",
        |d: Dynamic| -> Res<Map> {
            let (x, p) = super::powerlaw::ccdf(&vec_arg(&d, "ccdf", "data")?);
            if x.is_empty() {
                return err("ccdf: no finite data");
            }
            let mut m = Map::new();
            m.insert("x".into(), nd(x));
            m.insert("p".into(), nd(p));
            Ok(m)
        },
    );
    reg(engine, "logbin_pdf", &["data: ndarray", "bins: int", "map"], "Probability density in logarithmic bins spanning [min, max] with both end points included: #{centers, density, counts, edges}.", logbin_pdf);
    reg(engine, "powerlaw_line", &["fit: map", "xmax: float", "map"], "The fitted CCDF (n_tail/n)(x/x_min)^(1−α) from x_min to xmax, on the data's CCDF scale: #{x, p}.", |m: Map, xmax: Dynamic| -> Res<Map> {
        let f = "powerlaw_line";
        let (a, xm) = (get_f(&m, "alpha", f)?, get_f(&m, "xmin", f)?);
        let frac = m.get("n_tail").and_then(|v| v.as_int().ok()).unwrap_or(1) as f64 / m.get("n").and_then(|v| v.as_int().ok()).unwrap_or(1) as f64;
        let (x, p) = super::powerlaw::fitted_ccdf(a, xm, frac, crate::args::positive(&xmax, f, "xmax")?);
        let mut out = Map::new();
        out.insert("x".into(), nd(x));
        out.insert("p".into(), nd(p));
        Ok(out)
    });
    reg(engine, "powerlaw_plot", &["f: figure", "data: ndarray", "fit: map", "()"], "Draw the data's CCDF on log–log axes with the fitted power law from x_min (dashed-style black line) and mark x_min.", |fig: &mut Figure, d: Dynamic, m: Map| -> Res<()> {
        let func = "powerlaw_plot";
        let x: Vec<f64> = vec_arg(&d, func, "data")?.into_iter().filter(|v| v.is_finite() && *v > 0.0).collect();
        if x.is_empty() {
            return err("powerlaw_plot: no positive data");
        }
        let (a, xm) = (get_f(&m, "alpha", func)?, get_f(&m, "xmin", func)?);
        let (cx, cp) = super::powerlaw::ccdf(&x);
        let xmax = cx.last().copied().unwrap_or(xm);
        let frac = cx.iter().filter(|v| **v >= xm).count() as f64 / cx.len() as f64;
        let (lx, lp) = super::powerlaw::fitted_ccdf(a, xm, frac, xmax);
        let p = fig.panel();
        p.logx = true;
        p.logy = true;
        if p.ylabel.is_empty() {
            p.ylabel = "P(X ≥ x)".into();
        }
        let color = p.next_color();
        p.series.push(Series::Line { x: cx, y: cp, color, width: 1, label: Some("data".into()), markers: true, dash: crate::plot::Dash::Solid, alpha: 1.0 });
        p.series.push(Series::Line { x: lx, y: lp, color: (0, 0, 0), width: 2, label: Some(format!("fit α = {a:.3}")), markers: false, dash: crate::plot::Dash::Solid, alpha: 1.0 });
        p.series.push(Series::Scatter { x: vec![xm], y: vec![frac], paint: crate::plot::Paint::Solid((214, 39, 40)), sizes: vec![6.0], label: Some(format!("x_min = {}", crate::array::fmt_g(xm))), marker: crate::plot::Marker::Circle });
        Ok(())
    });
    let lf = |x: Dynamic, y: Dynamic, e: Option<Dynamic>| -> Res<Map> {
        let f = "linear_fit";
        let (x, y) = (vec_arg(&x, f, "x")?, vec_arg(&y, f, "y")?);
        let e = e.map(|e| vec_arg(&e, f, "err")).transpose()?;
        let r = line_fit(&x, &y, e.as_deref()).map_err(|e| format!("linear_fit: {e}"))?;
        let mut m = Map::new();
        for (k, v) in [
            ("slope", r.slope),
            ("intercept", r.intercept),
            ("slope_err", r.slope_err),
            ("intercept_err", r.intercept_err),
            ("chi2", r.chi2),
            ("r2", r.r2),
        ] {
            m.insert(k.into(), Dynamic::from_float(v));
        }
        Ok(m)
    };
    reg(engine, "linear_fit", &["x: ndarray", "y: ndarray", "map"], "Least-squares line y = intercept + slope·x: #{slope, intercept, slope_err, intercept_err, chi2, r2}.", move |x: Dynamic, y: Dynamic| lf(x, y, None));
    reg(
        engine,
        "linear_fit",
        &["x: ndarray", "y: ndarray", "err: ndarray", "map"],
        "Weighted (1/err²) least-squares line with parameter errors.",
        move |x: Dynamic, y: Dynamic, e: Dynamic| lf(x, y, Some(e)),
    );
    let cf = |ctx: NativeCallContext,
              model: FnPtr,
              x: Dynamic,
              y: Dynamic,
              p0: Dynamic,
              m: Map|
     -> Res<Map> {
        let f = "curve_fit";
        let o = Opts::new(m, f, &["err", "max_iter"])?;
        let (x, y, p0) = (
            vec_arg(&x, f, "x")?,
            vec_arg(&y, f, "y")?,
            vec_arg(&p0, f, "p0")?,
        );
        if x.len() != y.len() || x.len() < p0.len() {
            return err(format!("curve_fit: need equal x, y lengths and at least as many points as parameters ({} x, {} y, {} params)", x.len(), y.len(), p0.len()));
        }
        let sigma = match o.get("err") {
            Some(e) => vec_arg(e, f, "opts.err")?,
            None => vec![1.0; x.len()],
        };
        if sigma.len() != x.len() || sigma.iter().any(|s| s.is_nan() || *s <= 0.0) {
            return err("curve_fit: opts.err must hold one positive error per point");
        }
        let iters = o.count_or("max_iter", 200, 1, 100_000)?;
        let mut model_fn = |xv: f64, p: &[f64]| -> Result<f64, String> {
            let pa: Array = p.iter().map(|v| Dynamic::from_float(*v)).collect();
            call_num(&ctx, &model, (xv, pa), f).map_err(|e| e.to_string())
        };
        let (p, e, chi2) = levenberg_marquardt(&mut model_fn, &x, &y, &sigma, &p0, iters)
            .map_err(|e| format!("curve_fit: {e}"))?;
        if !chi2.is_finite() {
            return err(format!(
                "curve_fit: the model gives values that are not finite at the parameters {p:?} \
                 (chi² = {chi2}): start p0 nearer, or guard the model"
            ));
        }
        if e.iter().any(|v| v.is_nan()) {
            return err(format!(
                "curve_fit: the parameters {p:?} fit with chi² = {chi2}, but their errors are not \
                 defined (the model does not depend on some parameter there, or the curvature \
                 matrix is singular)"
            ));
        }
        let mut out = Map::new();
        out.insert("params".into(), nd(p));
        out.insert("errors".into(), nd(e));
        out.insert("chi2".into(), Dynamic::from_float(chi2));
        out.insert("dof".into(), Dynamic::from_int((x.len() - p0.len()) as INT));
        Ok(out)
    };
    reg(engine, "curve_fit", &["model: fn(x, p)", "x: ndarray", "y: ndarray", "p0: array", "map"], "Levenberg–Marquardt fit of a closure model |x, p| ... to (x, y) from p0: #{params, errors, chi2, dof}.", move |ctx: NativeCallContext, mdl: FnPtr, x: Dynamic, y: Dynamic, p0: Dynamic| cf(ctx, mdl, x, y, p0, Map::new()));
    reg(
        engine,
        "curve_fit",
        &[
            "model: fn(x, p)",
            "x: ndarray",
            "y: ndarray",
            "p0: array",
            "opts: map",
            "map",
        ],
        "curve_fit with opts err (per-point σ: weighted fit, χ² meaningful), max_iter.",
        cf,
    );
    let cr = |x: Dynamic,
              ya: Dynamic,
              yb: Dynamic,
              ea: Option<Dynamic>,
              eb: Option<Dynamic>,
              m: Map|
     -> Res<Map> {
        let f = "crossing";
        let o = Opts::new(m, f, &["samples", "seed", "which"])?;
        // "last": the crossing after which the curves stay apart — for curves that agree within
        // noise on one side of a transition (⟨r⟩ deep in the extended phase), the first sign
        // change is a noise crossing
        let last = o.choice_or("which", "first", &["first", "last"])? == "last";
        let pick = |x: &[f64], a: &[f64], b: &[f64]| -> Option<f64> {
            let all = crossings(x, a, b);
            if last {
                all.last().copied()
            } else {
                all.first().copied()
            }
        };
        let (x, ya, yb) = (
            vec_arg(&x, f, "x")?,
            vec_arg(&ya, f, "ya")?,
            vec_arg(&yb, f, "yb")?,
        );
        if x.len() != ya.len() || x.len() != yb.len() || x.len() < 2 {
            return err("crossing: x, ya, yb need equal lengths >= 2");
        }
        let xc = pick(&x, &ya, &yb);
        let mut out = Map::new();
        out.insert(
            "x_c".into(),
            xc.map(Dynamic::from_float).unwrap_or(Dynamic::UNIT),
        );
        if let (Some(ea), Some(eb)) = (ea, eb) {
            // Error by resampling both curves within their errors (Gaussian), crossing each time.
            let (ea, eb) = (vec_arg(&ea, f, "ea")?, vec_arg(&eb, f, "eb")?);
            if ea.len() != x.len() || eb.len() != x.len() {
                return err("crossing: ea, eb need one error per point");
            }
            let samples = o.count_or("samples", 2000, 10, 10_000_000)?;
            let mut rng = crate::rng::from_seed(o.seed()?);
            let nrm = rand_distr::StandardNormal;
            let mut xs = Vec::new();
            for _ in 0..samples {
                let a: Vec<f64> = ya
                    .iter()
                    .zip(&ea)
                    .map(|(y, e)| y + e * rng.sample::<f64, _>(nrm))
                    .collect();
                let b: Vec<f64> = yb
                    .iter()
                    .zip(&eb)
                    .map(|(y, e)| y + e * rng.sample::<f64, _>(nrm))
                    .collect();
                if let Some(c) = pick(&x, &a, &b) {
                    xs.push(c);
                }
            }
            let n = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / n.max(1.0);
            let sd =
                (xs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
            out.insert("err".into(), Dynamic::from_float(sd));
            out.insert(
                "found_fraction".into(),
                Dynamic::from_float(n / samples as f64),
            );
        }
        Ok(out)
    };
    reg(engine, "crossing", &["x: ndarray", "ya: ndarray", "yb: ndarray", "map"], "Where two curves sampled on the same x cross (linear interpolation; exact agreement without a change of sign is no crossing): #{x_c} (() when they do not).", move |x: Dynamic, a: Dynamic, b: Dynamic| cr(x, a, b, None, None, Map::new()));
    reg(
        engine,
        "crossing",
        &[
            "x: ndarray",
            "ya: ndarray",
            "yb: ndarray",
            "opts: map",
            "map",
        ],
        "crossing with opts which (\"first\" or \"last\").",
        move |x: Dynamic, a: Dynamic, b: Dynamic, m: Map| cr(x, a, b, None, None, m),
    );
    reg(engine, "crossing", &["x: ndarray", "ya: ndarray", "yb: ndarray", "ea: ndarray", "eb: ndarray", "map"], "Crossing with an error from resampling both curves within their errors: #{x_c, err, found_fraction}.", move |x: Dynamic, a: Dynamic, b: Dynamic, ea: Dynamic, eb: Dynamic| cr(x, a, b, Some(ea), Some(eb), Map::new()));
    reg(
        engine,
        "crossing",
        &[
            "x: ndarray",
            "ya: ndarray",
            "yb: ndarray",
            "ea: ndarray",
            "eb: ndarray",
            "opts: map",
            "map",
        ],
        "crossing with opts samples (2000), seed, which (\"first\" or \"last\": the crossing after which the curves stay apart; use it when they agree within noise on one side).",
        move |x: Dynamic, a: Dynamic, b: Dynamic, ea: Dynamic, eb: Dynamic, m: Map| {
            cr(x, a, b, Some(ea), Some(eb), m)
        },
    );
    reg(engine, "collapse", &["sizes: array", "xs: array", "ys: array", "opts: map", "map"], "Finite-size-scaling collapse y = F((x − x_c)·L^(1/ν)): fits x_c and ν (one smooth curve through all sizes). opts xc, nu (starting guesses). Returns #{x_c, nu, cost}.", |ls: Array, xs: Array, ys: Array, m: Map| -> Res<Map> {
        let f = "collapse";
        let o = Opts::new(m, f, &["xc", "nu"])?;
        if ls.len() < 2 || ls.len() != xs.len() || ls.len() != ys.len() {
            return err("collapse: need at least two sizes, with one x and one y array per size");
        }
        let mut data = Vec::new();
        for i in 0..ls.len() {
            let l = crate::args::positive(&ls[i], f, "sizes")?;
            let x = vec_arg(&xs[i], f, "xs")?;
            let y = vec_arg(&ys[i], f, "ys")?;
            if x.len() != y.len() {
                return err(format!("collapse: size {i}: x and y lengths differ"));
            }
            data.push((l, x, y));
        }
        let all_x: Vec<f64> = data.iter().flat_map(|d| d.1.clone()).collect();
        let mid = all_x.iter().sum::<f64>() / all_x.len() as f64;
        let (xc, nu, cost) = collapse(&data, o.f64_or("xc", mid)?, o.f64_or("nu", 1.0)?);
        let mut out = Map::new();
        out.insert("x_c".into(), Dynamic::from_float(xc));
        out.insert("nu".into(), Dynamic::from_float(nu));
        out.insert("cost".into(), Dynamic::from_float(cost));
        Ok(out)
    });
    reg(engine, "bootstrap", &["data: ndarray", "stat: fn(ndarray)", "opts: map", "map"], "Bootstrap error of a statistic: the closure gets a resampled ndarray and returns a number. opts n (1000), seed. Returns #{value, err}.", |ctx: NativeCallContext, d: Dynamic, st: FnPtr, m: Map| -> Res<Map> {
        let f = "bootstrap";
        let o = Opts::new(m, f, &["n", "seed"])?;
        let x = vec_arg(&d, f, "data")?;
        if x.is_empty() {
            return err("bootstrap: empty data");
        }
        let n = o.count_or("n", 1000, 2, 10_000_000)?;
        let mut rng = crate::rng::from_seed(o.seed()?);
        let value = call_num(&ctx, &st, (NdArray::from_vec(x.clone()),), f)?;
        let mut vals = Vec::with_capacity(n);
        for _ in 0..n {
            let s: Vec<f64> = (0..x.len()).map(|_| x[rng.random_range(0..x.len())]).collect();
            vals.push(call_num(&ctx, &st, (NdArray::from_vec(s),), f)?);
        }
        let m = vals.iter().sum::<f64>() / n as f64;
        let sd = (vals.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let mut out = Map::new();
        out.insert("value".into(), Dynamic::from_float(value));
        out.insert("err".into(), Dynamic::from_float(sd));
        Ok(out)
    });
    reg(
        engine,
        "jackknife",
        &["data: ndarray", "stat: fn(ndarray)", "map"],
        "Jackknife (leave-one-out) estimate and error of a statistic: #{value, err}.",
        |ctx: NativeCallContext, d: Dynamic, st: FnPtr| -> Res<Map> {
            let f = "jackknife";
            let x = vec_arg(&d, f, "data")?;
            let n = x.len();
            if n < 2 {
                return err("jackknife: need at least 2 values");
            }
            let full = call_num(&ctx, &st, (NdArray::from_vec(x.clone()),), f)?;
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                let s: Vec<f64> = x
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, v)| *v)
                    .collect();
                vals.push(call_num(&ctx, &st, (NdArray::from_vec(s),), f)?);
            }
            let m = vals.iter().sum::<f64>() / n as f64;
            let var = (n - 1) as f64 / n as f64 * vals.iter().map(|v| (v - m).powi(2)).sum::<f64>();
            let mut out = Map::new();
            // bias-corrected estimate: n θ − (n − 1) θ̄
            out.insert(
                "value".into(),
                Dynamic::from_float(n as f64 * full - (n - 1) as f64 * m),
            );
            out.insert("err".into(), Dynamic::from_float(var.sqrt()));
            Ok(out)
        },
    );
    reg(
        engine,
        "binomial_err",
        &["k: int", "n: int", "map"],
        "Proportion p = k/n with its binomial standard error √(p(1−p)/n): #{p, err}.",
        |k: Dynamic, n: Dynamic| -> Res<Map> {
            let n = count(&n, "binomial_err", "n", 1, i64::MAX)?;
            let k = count(&k, "binomial_err", "k", 0, n as i64)?;
            let p = k as f64 / n as f64;
            let mut out = Map::new();
            out.insert("p".into(), Dynamic::from_float(p));
            out.insert(
                "err".into(),
                Dynamic::from_float((p * (1.0 - p) / n as f64).sqrt()),
            );
            Ok(out)
        },
    );
}
