//! numpy's everyday functions under numpy's names and semantics: `interp`, `percentile`,
//! `quantile`, `median`, `diff`, `unique`, `searchsorted`, `cumprod`, `allclose`, `meshgrid`,
//! `hstack`, `vstack`, `randint`, `permutation`, `choice`, and the inverse and hyperbolic
//! ufuncs (`arccos`, `arcsin`, `arctan`, `sinh`, `cosh`, `arcsinh`, `arccosh`, `arctanh`,
//! `sign`, `log2`, `expm1`, `log1p`).

use super::NdArray;
use crate::args::{check_alloc, count, err, num, reg, seed_arg, Opts, Res};
use crate::convert::arr_like;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rhai::{Array, Dynamic, Engine, Map, INT};

fn flat(v: &Dynamic, f: &str, arg: &str) -> Res<Vec<f64>> {
    Ok(arr_like(v, f, arg)?.as_slice_or_vec().into_owned())
}

/// numpy's default ("linear") quantile of sorted data: position q·(n − 1), interpolated.
fn quantile_sorted(s: &[f64], q: f64) -> f64 {
    let pos = q * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(s.len() - 1);
    s[lo] + (pos - lo as f64) * (s[hi] - s[lo])
}

/// Quantiles at q (a number or an array, each in [0, 1]) of the flattened data, NaN refused.
fn quantiles(a: &Dynamic, q: &Dynamic, f: &str, scale: f64) -> Res<Dynamic> {
    let mut s = flat(a, f, "a")?;
    if s.is_empty() {
        return err(format!("{f}: the array is empty"));
    }
    if s.iter().any(|x| x.is_nan()) {
        return err(format!(
            "{f}: the array holds NaN (select the finite values first)"
        ));
    }
    s.sort_by(|x, y| x.total_cmp(y));
    let one = |x: f64| -> Res<f64> {
        let p = x / scale;
        if !(0.0..=1.0).contains(&p) {
            return err(format!("{f}: q = {x} is outside [0, {scale}]"));
        }
        Ok(quantile_sorted(&s, p))
    };
    if q.is_float() || q.is_int() {
        return Ok(Dynamic::from_float(one(num(q, f, "q")?)?));
    }
    let qs = flat(q, f, "q")?;
    let out: Vec<f64> = qs.iter().map(|&x| one(x)).collect::<Res<_>>()?;
    Ok(Dynamic::from(NdArray::from_vec(out)))
}

fn stream(seed: Option<&Dynamic>, f: &str) -> Res<crate::rng::StdRng> {
    let s = match seed {
        Some(v) => seed_arg(v, f)?,
        None => crate::session::next_seed(),
    };
    Ok(crate::rng::StdRng::seed_from_u64(s))
}

fn randint(lo: INT, hi: INT, shape: &Dynamic, seed: Option<&Dynamic>) -> Res<NdArray> {
    let f = "randint";
    if hi <= lo {
        return err(format!("{f}: need low < high, got [{lo}, {hi})"));
    }
    let shape = crate::convert::shape_arg(shape, f)?;
    let n: usize = shape.iter().product();
    check_alloc(f, "the array", n as u128, 8)?;
    let mut rng = stream(seed, f)?;
    let data: Vec<f64> = (0..n).map(|_| rng.random_range(lo..hi) as f64).collect();
    NdArray::from_shape(&shape, data).map_err(|e| format!("{f}: {e}").into())
}

fn permutation(n: &Dynamic, seed: Option<&Dynamic>) -> Res<NdArray> {
    let f = "permutation";
    let n = count(n, f, "n", 0, i64::MAX)?;
    check_alloc(f, "the permutation", n as u128, 16)?;
    let mut idx: Vec<f64> = (0..n).map(|i| i as f64).collect();
    idx.shuffle(&mut stream(seed, f)?);
    Ok(NdArray::from_vec(idx))
}

fn choice(a: &Dynamic, k: &Dynamic, o: Opts) -> Res<NdArray> {
    let f = "choice";
    let pool = if a.is_int() {
        let n = count(a, f, "a", 1, i64::MAX)?;
        check_alloc(f, "the range", n as u128, 8)?;
        (0..n).map(|i| i as f64).collect()
    } else {
        flat(a, f, "a")?
    };
    if pool.is_empty() {
        return err(format!("{f}: nothing to choose from"));
    }
    let k = count(k, f, "size", 0, i64::MAX)?;
    let replace = o.bool_or("replace", true)?;
    let mut rng = stream(o.get("seed"), f)?;
    if replace {
        check_alloc(f, "the sample", k as u128, 8)?;
        return Ok(NdArray::from_vec(
            (0..k)
                .map(|_| pool[rng.random_range(0..pool.len())])
                .collect(),
        ));
    }
    if k > pool.len() {
        return err(format!(
            "{f}: cannot take {k} of {} without replacement",
            pool.len()
        ));
    }
    let picked = rand::seq::index::sample(&mut rng, pool.len(), k);
    Ok(NdArray::from_vec(picked.iter().map(|i| pool[i]).collect()))
}

/// How a mask picks picks from `a`: elements (same shape) or rows (1-D, one entry per row).
enum MaskKind {
    Elements,
    Rows,
}

fn mask_kind(a: &NdArray, m: &NdArray, f: &str) -> Res<MaskKind> {
    if m.shape() == a.shape() {
        Ok(MaskKind::Elements)
    } else if m.ndim() == 1 && a.ndim() >= 2 && m.len() == a.shape()[0] {
        Ok(MaskKind::Rows)
    } else {
        err(format!(
            "{f}: the mask's shape {:?} must equal the array's {:?} (elements) or be one entry per row ({})",
            m.shape(),
            a.shape(),
            a.shape().first().copied().unwrap_or(0)
        ))
    }
}

/// `a[mask]`: the elements where mask ≠ 0 (flattened, as numpy's boolean indexing), or the rows
/// where a 1-D mask over the first axis ≠ 0.
fn mask_get(a: &NdArray, m: &NdArray) -> Res<NdArray> {
    const F: &str = "a[mask]";
    match mask_kind(a, m, F)? {
        MaskKind::Elements => Ok(a.masked(m)),
        MaskKind::Rows => {
            let rows: Vec<usize> = (0..m.len()).filter(|&i| m.view()[[i]] != 0.0).collect();
            let row_len: usize = a.shape()[1..].iter().product();
            let flat = a.as_slice_or_vec();
            let mut data = Vec::with_capacity(rows.len() * row_len);
            for &r in &rows {
                data.extend_from_slice(&flat[r * row_len..(r + 1) * row_len]);
            }
            let mut shape = a.shape().to_vec();
            shape[0] = rows.len();
            NdArray::from_shape(&shape, data).map_err(|e| format!("{F}: {e}").into())
        }
    }
}

/// `a[mask] = x`: x a number (every picked element or row), or an array with one value (or
/// row) per pick, in order, as numpy.
fn mask_set(a: &mut NdArray, m: &NdArray, x: &Dynamic) -> Res<()> {
    const F: &str = "a[mask] =";
    let kind = mask_kind(a, m, F)?;
    let row_len: usize = match kind {
        MaskKind::Elements => 1,
        MaskKind::Rows => a.shape()[1..].iter().product(),
    };
    let picks: Vec<usize> = m
        .view()
        .iter()
        .enumerate()
        .filter(|(_, &k)| k != 0.0)
        .map(|(i, _)| i)
        .collect();
    let values: Vec<f64> = if x.is_float() || x.is_int() {
        vec![num(x, F, "value")?; picks.len() * row_len]
    } else {
        let v = arr_like(x, F, "value")?.to_vec();
        if v.len() == row_len && row_len > 1 {
            // one row for every picked row
            v.iter()
                .copied()
                .cycle()
                .take(picks.len() * row_len)
                .collect()
        } else if v.len() == picks.len() * row_len {
            v
        } else {
            return err(format!(
                "{F}: {} values given for {} picked {} ({} values needed)",
                v.len(),
                picks.len(),
                if row_len == 1 { "elements" } else { "rows" },
                picks.len() * row_len
            ));
        }
    };
    let data = a.make_mut();
    let flat = data
        .as_slice_mut()
        .ok_or_else(|| -> Box<rhai::EvalAltResult> {
            format!("{F}: the array is not contiguous").into()
        })?;
    for (k, &p) in picks.iter().enumerate() {
        flat[p * row_len..(p + 1) * row_len]
            .copy_from_slice(&values[k * row_len..(k + 1) * row_len]);
    }
    Ok(())
}

/// Bin edges from `bins` (a count, with `range` or the data's extent) or explicit edges.
fn edges_of(
    data: &[f64],
    bins: &Dynamic,
    range: Option<(f64, f64)>,
    f: &str,
) -> Res<(Vec<f64>, bool)> {
    if bins.is_int() {
        let b = count(bins, f, "bins", 1, 10_000_000)?;
        let (lo, hi) = match range {
            Some(r) => r,
            None => {
                let (lo, hi) = super::finite_range(data);
                if !lo.is_finite() {
                    return err(format!("{f}: no finite values in the data"));
                }
                if hi > lo {
                    (lo, hi)
                } else {
                    (lo - 0.5, lo + 0.5)
                }
            }
        };
        if !(lo < hi && lo.is_finite() && hi.is_finite()) {
            return err(format!("{f}: expected range lo < hi, got {lo}, {hi}"));
        }
        return Ok((super::bin_edges(lo, hi, b, false), true));
    }
    let e = arr_like(bins, f, "bins")?.to_vec();
    if e.len() < 2 || e.windows(2).any(|w| w[0] >= w[1]) || e.iter().any(|x| !x.is_finite()) {
        return err(format!(
            "{f}: argument 'bins' must be a bin count or at least 2 increasing finite edges"
        ));
    }
    Ok((e, false))
}

fn range_opt(o: &Opts, f: &str) -> Res<Option<(f64, f64)>> {
    match o.get("range") {
        None => Ok(None),
        Some(v) => {
            let r = arr_like(v, f, "opts.range")?.to_vec();
            if r.len() != 2 {
                return err(format!("{f}: option 'range' must be [lo, hi]"));
            }
            Ok(Some((r[0], r[1])))
        }
    }
}

fn nd(v: Vec<f64>) -> Dynamic {
    Dynamic::from(NdArray::from_vec(v))
}

fn centers(e: &[f64]) -> Vec<f64> {
    e.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect()
}

/// The histogram map every `histogram` overload returns: counts (or the density, with
/// `density`), edges, centers and density.
pub fn histogram_map(
    a: &NdArray,
    bins: &Dynamic,
    range: Option<(f64, f64)>,
    weights: Option<&NdArray>,
    density: bool,
) -> Res<Map> {
    const F: &str = "histogram";
    let data = a.as_slice_or_vec();
    let (edges, uniform) = edges_of(&data, bins, range, F)?;
    let counts = match weights {
        Some(w) => {
            let w = w.as_slice_or_vec();
            if w.len() != data.len() {
                return err(format!(
                    "{F}: {} weights for {} values",
                    w.len(),
                    data.len()
                ));
            }
            super::bin_weighted(&data, &w, &edges, uniform)
        }
        None => super::bin_counts(&data, &edges, uniform),
    };
    let dens = super::bin_density(&counts, &edges);
    let mut out = Map::new();
    out.insert("centers".into(), nd(centers(&edges)));
    out.insert(
        "counts".into(),
        nd(if density { dens.clone() } else { counts }),
    );
    out.insert("density".into(), nd(dens));
    out.insert("edges".into(), nd(edges));
    Ok(out)
}

fn weighted_histogram(a: Dynamic, bins: Dynamic, m: Map) -> Res<Map> {
    const F: &str = "histogram";
    let o = Opts::new(m, F, &["weights", "range", "density"])?;
    let data = arr_like(&a, F, "a")?;
    let weights = match o.get("weights") {
        Some(w) => Some(arr_like(w, F, "opts.weights")?),
        None => None,
    };
    histogram_map(
        &data,
        &bins,
        range_opt(&o, F)?,
        weights.as_ref(),
        o.bool_or("density", false)?,
    )
}

fn binned_statistic(x: Dynamic, values: Dynamic, bins: Dynamic, m: Map) -> Res<Map> {
    const F: &str = "binned_statistic";
    let o = Opts::new(m, F, &["statistic", "range"])?;
    let x = arr_like(&x, F, "x")?;
    let x = x.as_slice_or_vec();
    let v = arr_like(&values, F, "values")?;
    let v = v.as_slice_or_vec();
    if v.len() != x.len() {
        return err(format!(
            "{F}: {} values for {} positions x",
            v.len(),
            x.len()
        ));
    }
    let statistic = o.str_or("statistic", "mean")?;
    let (edges, uniform) = edges_of(&x, &bins, range_opt(&o, F)?, F)?;
    let (stat, counts) = super::binned_statistic(&x, &v, &edges, uniform, &statistic)
        .map_err(|e| -> Box<rhai::EvalAltResult> { format!("{F}: {e}").into() })?;
    let mut out = Map::new();
    out.insert("statistic".into(), nd(stat));
    out.insert("counts".into(), nd(counts));
    out.insert("centers".into(), nd(centers(&edges)));
    out.insert("edges".into(), nd(edges));
    Ok(out)
}

/// Register numpy's everyday functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "index$get$", &["a: ndarray", "mask: ndarray", "ndarray"], "`a[mask]`: the elements where mask ≠ 0, flattened (mask of a's shape, as numpy's boolean indexing), or the rows where a 1-D mask over the first axis ≠ 0: `edges[keep]`.", |a: &mut NdArray, m: NdArray| mask_get(a, &m));
    reg(engine, "index$set$", &["a: ndarray", "mask: ndarray", "x: float|ndarray", "()"], "`a[mask] = x`: set the picked elements (or rows) to a number, or to one value (row) per pick in order: `a[a < 0.0] = 0.0`.", |a: &mut NdArray, m: NdArray, x: Dynamic| mask_set(a, &m, &x));
    reg(engine, "histogram", &["a: ndarray", "bins: int|ndarray", "opts: map", "map"], "Histogram with numpy's options: bins a count or the edges; opts weights (sum of weights per bin), range [lo, hi], density (counts normalised to ∫ = 1). Returns #{counts, edges, centers, density}.", weighted_histogram);
    reg(engine, "binned_statistic", &["x: ndarray", "values: ndarray", "bins: int|ndarray", "opts: map", "map"], "A statistic of values in bins of x (scipy's binned_statistic): opts statistic (\"mean\", \"sum\", \"count\", \"std\", \"median\", \"min\", \"max\"; empty bins NaN), range [lo, hi]. Returns #{statistic, counts, edges, centers}.", binned_statistic);

    for (name, doc, f) in [
        (
            "arccos",
            "Inverse cosine (radians), as numpy.arccos; NaN outside [−1, 1].",
            f64::acos as fn(f64) -> f64,
        ),
        (
            "arcsin",
            "Inverse sine (radians), as numpy.arcsin; NaN outside [−1, 1].",
            f64::asin,
        ),
        (
            "arctan",
            "Inverse tangent (radians), as numpy.arctan.",
            f64::atan,
        ),
        ("sinh", "Hyperbolic sine.", f64::sinh),
        ("cosh", "Hyperbolic cosine.", f64::cosh),
        ("arcsinh", "Inverse hyperbolic sine.", f64::asinh),
        (
            "arccosh",
            "Inverse hyperbolic cosine; NaN below 1.",
            f64::acosh,
        ),
        (
            "arctanh",
            "Inverse hyperbolic tangent; NaN outside (−1, 1).",
            f64::atanh,
        ),
        (
            "sign",
            "−1, 0 or +1 by the sign of each element (numpy.sign: sign(0) = 0).",
            |x: f64| {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    x
                }
            },
        ),
        ("log2", "Base-2 logarithm.", f64::log2),
        ("expm1", "e^x − 1, accurate for small x.", f64::exp_m1),
        ("log1p", "ln(1 + x), accurate for small x.", f64::ln_1p),
    ] {
        super::script::unary_math(engine, name, doc, f);
    }
    reg(engine, "interp", &["x: float|ndarray", "xp: ndarray", "fp: ndarray", "float|ndarray"], "Linear interpolation of the points (xp, fp) at x, as numpy.interp: xp increasing; beyond its ends the end values.", |x: Dynamic, xp: Dynamic, fp: Dynamic| -> Res<Dynamic> {
        let f = "interp";
        let (xp, fp) = (flat(&xp, f, "xp")?, flat(&fp, f, "fp")?);
        if xp.is_empty() || xp.len() != fp.len() {
            return err(format!("{f}: xp and fp must be non-empty and of one length, got {} and {}", xp.len(), fp.len()));
        }
        if xp.iter().any(|v| v.is_nan()) || xp.windows(2).any(|w| w[1] < w[0]) {
            return err(format!("{f}: xp must be increasing"));
        }
        let at = |v: f64| -> f64 {
            if v.is_nan() {
                return f64::NAN;
            }
            if v <= xp[0] {
                return fp[0];
            }
            if v >= xp[xp.len() - 1] {
                return fp[fp.len() - 1];
            }
            let k = xp.partition_point(|&p| p <= v);
            let (x0, x1) = (xp[k - 1], xp[k]);
            if x1 == x0 {
                return fp[k];
            }
            fp[k - 1] + (v - x0) / (x1 - x0) * (fp[k] - fp[k - 1])
        };
        if x.is_float() || x.is_int() {
            return Ok(Dynamic::from_float(at(crate::args::num_any(&x, f, "x")?)));
        }
        let a = arr_like(&x, f, "x")?;
        Ok(Dynamic::from(a.map(at)))
    });
    reg(engine, "percentile", &["a: ndarray", "q: float|array", "float|ndarray"], "The q-th percentiles (q in [0, 100]) of the flattened data, numpy's default linear interpolation.", |a: Dynamic, q: Dynamic| quantiles(&a, &q, "percentile", 100.0));
    reg(
        engine,
        "quantile",
        &["a: ndarray", "q: float|array", "float|ndarray"],
        "Quantiles (q in [0, 1]) of the flattened data, numpy's default linear interpolation.",
        |a: Dynamic, q: Dynamic| quantiles(&a, &q, "quantile", 1.0),
    );
    reg(
        engine,
        "median",
        &["a: ndarray", "float"],
        "The median of the flattened data (mean of the middle two for an even count).",
        |a: Dynamic| -> Res<f64> {
            quantiles(&a, &Dynamic::from_float(0.5), "median", 1.0)?
                .as_float()
                .map_err(|t| format!("median: {t}").into())
        },
    );
    reg(engine, "diff", &["a: ndarray", "ndarray"], "Differences of consecutive elements of a 1D array: a[1] − a[0], …; along the last axis of a 2D one.", |a: Dynamic| -> Res<NdArray> {
        let a = arr_like(&a, "diff", "a")?;
        let s = a.shape().to_vec();
        let d = a.as_slice_or_vec();
        match s.as_slice() {
            [n] => Ok(NdArray::from_vec((1..*n).map(|i| d[i] - d[i - 1]).collect())),
            [r, c] => {
                let c1 = c.saturating_sub(1);
                let v: Vec<f64> = (0..*r).flat_map(|i| (1..*c).map(move |j| (i, j))).map(|(i, j)| d[i * c + j] - d[i * c + j - 1]).collect();
                NdArray::from_shape(&[*r, c1], v).map_err(|e| format!("diff: {e}").into())
            }
            _ => err(format!("diff: expected a 1D or 2D array, got shape {s:?}")),
        }
    });
    reg(
        engine,
        "unique",
        &["a: ndarray", "ndarray"],
        "The distinct values of the flattened data, sorted (NaN last, once).",
        |a: Dynamic| -> Res<NdArray> {
            let all = flat(&a, "unique", "a")?;
            // NaN of either sign goes last, once (total_cmp puts a negative NaN first)
            let has_nan = all.iter().any(|x| x.is_nan());
            let mut v: Vec<f64> = all.into_iter().filter(|x| !x.is_nan()).collect();
            v.sort_by(|x, y| x.total_cmp(y));
            v.dedup();
            if has_nan {
                v.push(f64::NAN);
            }
            Ok(NdArray::from_vec(v))
        },
    );
    reg(engine, "searchsorted", &["a: ndarray", "v: float|ndarray", "int|ndarray"], "Where v would be inserted into the sorted 1D array a to keep it sorted (numpy's side \"left\": the first index i with a[i] ≥ v).", |a: Dynamic, v: Dynamic| -> Res<Dynamic> {
        let f = "searchsorted";
        let a = flat(&a, f, "a")?;
        if a.windows(2).any(|w| w[1] < w[0]) {
            return err(format!("{f}: a must be sorted ascending"));
        }
        let at = |x: f64| a.partition_point(|&p| p < x);
        if v.is_float() || v.is_int() {
            return Ok(Dynamic::from_int(at(crate::args::num_any(&v, f, "v")?) as INT));
        }
        Ok(Dynamic::from(arr_like(&v, f, "v")?.map(|x| at(x) as f64)))
    });
    reg(
        engine,
        "cumprod",
        &["a: ndarray", "ndarray"],
        "Cumulative product of the flattened array.",
        |a: Dynamic| -> Res<NdArray> {
            let mut p = 1.0;
            Ok(NdArray::from_vec(
                flat(&a, "cumprod", "a")?
                    .into_iter()
                    .map(|x| {
                        p *= x;
                        p
                    })
                    .collect(),
            ))
        },
    );
    let close = |a: Dynamic, b: Dynamic, o: Opts| -> Res<bool> {
        let f = "allclose";
        let (rtol, atol) = (o.f64_or("rtol", 1e-5)?, o.f64_or("atol", 1e-8)?);
        let (a, b) = (arr_like(&a, f, "a")?, arr_like(&b, f, "b")?);
        let diff = super::zip_with(&a, &b, |x, y| {
            if x == y || (x - y).abs() <= atol + rtol * y.abs() {
                1.0
            } else {
                0.0
            }
        })
        .map_err(|e| format!("{f}: {e}"))?;
        Ok(diff.view().iter().all(|&t| t == 1.0))
    };
    reg(engine, "allclose", &["a: ndarray", "b: ndarray", "bool"], "Whether every |a − b| ≤ atol + rtol·|b| (numpy's defaults rtol 1e-5, atol 1e-8; shapes broadcast; NaN is never close).", move |a: Dynamic, b: Dynamic| close(a, b, Opts::empty("allclose")));
    reg(
        engine,
        "allclose",
        &["a: ndarray", "b: ndarray", "opts: map", "bool"],
        "allclose with opts rtol, atol.",
        move |a: Dynamic, b: Dynamic, m: Map| {
            close(a, b, Opts::new(m, "allclose", &["rtol", "atol"])?)
        },
    );
    reg(engine, "meshgrid", &["x: ndarray", "y: ndarray", "array"], "Coordinate matrices [X, Y] of shape [len(y), len(x)] (numpy's \"xy\" indexing): X[i][j] = x[j], Y[i][j] = y[i].", |x: Dynamic, y: Dynamic| -> Res<Array> {
        let f = "meshgrid";
        let (x, y) = (flat(&x, f, "x")?, flat(&y, f, "y")?);
        check_alloc(f, "the grids", 2 * x.len() as u128 * y.len() as u128, 8)?;
        let gx: Vec<f64> = (0..y.len()).flat_map(|_| x.iter().copied()).collect();
        let gy: Vec<f64> = y.iter().flat_map(|&v| std::iter::repeat_n(v, x.len())).collect();
        let s = [y.len(), x.len()];
        Ok(vec![
            Dynamic::from(NdArray::from_shape(&s, gx).map_err(|e| format!("{f}: {e}"))?),
            Dynamic::from(NdArray::from_shape(&s, gy).map_err(|e| format!("{f}: {e}"))?),
        ])
    });
    reg(engine, "concatenate", &["arrays: array", "opts: map", "ndarray"], "Join arrays along an existing axis (numpy.concatenate): opts axis (0; negative counts from the end). The other axes must agree.", |list: Array, m: Map| -> Res<NdArray> {
        let f = "concatenate";
        let o = Opts::new(m, f, &["axis"])?;
        let parts: Vec<NdArray> = list.iter().map(|v| arr_like(v, f, "arrays")).collect::<Res<_>>()?;
        if parts.is_empty() {
            return err(format!("{f}: nothing to join"));
        }
        let nd = parts[0].ndim();
        let ax = match o.get("axis") {
            Some(v) => crate::args::int(v, f, "opts.axis")?,
            None => 0,
        };
        let a = super::script::axis_index(parts[0].shape(), ax, f)?;
        if let Some(p) = parts.iter().find(|p| p.ndim() != nd) {
            return err(format!("{f}: every array needs {nd} dimensions, one has shape {:?}", p.shape()));
        }
        let views: Vec<_> = parts.iter().map(|p| p.view().view()).collect();
        ndarray::concatenate(ndarray::Axis(a), &views)
            .map(NdArray::new)
            .map_err(|e| format!("{f}: the shapes do not fit along axis {a}: {e}").into())
    });
    reg(engine, "hstack", &["arrays: array", "ndarray"], "Join arrays side by side: 1D arrays end to end, 2D ones along their columns (numpy.hstack).", |list: Array| -> Res<NdArray> {
        let f = "hstack";
        let parts: Vec<NdArray> = list.iter().map(|v| arr_like(v, f, "arrays")).collect::<Res<_>>()?;
        if parts.is_empty() {
            return err(format!("{f}: nothing to join"));
        }
        let axis = if parts[0].ndim() == 1 { 0 } else { 1 };
        let views: Vec<_> = parts.iter().map(|p| p.view().view()).collect();
        ndarray::concatenate(ndarray::Axis(axis), &views)
            .map(NdArray::new)
            .map_err(|e| format!("{f}: shapes do not fit: {e}").into())
    });
    reg(engine, "vstack", &["arrays: array", "ndarray"], "Stack arrays as rows: 1D arrays of one length become the rows of a matrix, 2D ones are joined along their rows (numpy.vstack).", |list: Array| -> Res<NdArray> {
        let f = "vstack";
        let parts: Vec<NdArray> = list
            .iter()
            .map(|v| {
                let a = arr_like(v, f, "arrays")?;
                if a.ndim() == 1 {
                    let n = a.len();
                    NdArray::from_shape(&[1, n], a.as_slice_or_vec().into_owned()).map_err(|e| format!("{f}: {e}").into())
                } else {
                    Ok(a)
                }
            })
            .collect::<Res<_>>()?;
        if parts.is_empty() {
            return err(format!("{f}: nothing to join"));
        }
        let views: Vec<_> = parts.iter().map(|p| p.view().view()).collect();
        ndarray::concatenate(ndarray::Axis(0), &views)
            .map(NdArray::new)
            .map_err(|e| format!("{f}: shapes do not fit: {e}").into())
    });
    reg(engine, "diag", &["a: ndarray", "ndarray"], "numpy.diag: a 1D array becomes the diagonal of a square matrix; a 2D array gives its diagonal.", |a: Dynamic| -> Res<NdArray> {
        let f = "diag";
        let a = arr_like(&a, f, "a")?;
        let d = a.as_slice_or_vec();
        match a.shape() {
            [n] => {
                check_alloc(f, "the matrix", (*n as u128) * (*n as u128), 8)?;
                let mut m = vec![0.0; n * n];
                for i in 0..*n {
                    m[i * n + i] = d[i];
                }
                NdArray::from_shape(&[*n, *n], m).map_err(|e| format!("{f}: {e}").into())
            }
            [r, c] => Ok(NdArray::from_vec((0..*r.min(c)).map(|i| d[i * c + i]).collect())),
            s => err(format!("{f}: expected a 1D or 2D array, got shape {s:?}")),
        }
    });
    reg(
        engine,
        "trace",
        &["a: ndarray", "float"],
        "The sum of the diagonal of a 2D array (numpy.trace).",
        |a: Dynamic| -> Res<f64> {
            let a = arr_like(&a, "trace", "a")?;
            let d = a.as_slice_or_vec();
            match a.shape() {
                [r, c] => Ok((0..*r.min(c)).map(|i| d[i * c + i]).sum()),
                s => err(format!("trace: expected a 2D array, got shape {s:?}")),
            }
        },
    );
    reg(engine, "randint", &["low: int", "high: int", "shape: int|array", "ndarray"], "Random integers in [low, high) from the script's seeded stream (as floats, like every ndarray).", |lo: INT, hi: INT, s: Dynamic| randint(lo, hi, &s, None));
    reg(
        engine,
        "randint",
        &[
            "low: int",
            "high: int",
            "shape: int|array",
            "seed: int",
            "ndarray",
        ],
        "Random integers in [low, high) with an explicit seed.",
        |lo: INT, hi: INT, s: Dynamic, seed: Dynamic| randint(lo, hi, &s, Some(&seed)),
    );
    reg(
        engine,
        "permutation",
        &["n: int", "ndarray"],
        "A random permutation of 0..n from the script's seeded stream.",
        |n: Dynamic| permutation(&n, None),
    );
    reg(
        engine,
        "permutation",
        &["n: int", "seed: int", "ndarray"],
        "A random permutation of 0..n with an explicit seed.",
        |n: Dynamic, seed: Dynamic| permutation(&n, Some(&seed)),
    );
    reg(engine, "choice", &["a: int|ndarray", "size: int", "ndarray"], "size random draws from the values of a (or from 0..a for an integer), with replacement, from the script's seeded stream.", |a: Dynamic, k: Dynamic| choice(&a, &k, Opts::empty("choice")));
    reg(
        engine,
        "choice",
        &["a: int|ndarray", "size: int", "opts: map", "ndarray"],
        "choice with opts replace (true; false draws distinct positions), seed.",
        |a: Dynamic, k: Dynamic, m: Map| {
            choice(&a, &k, Opts::new(m, "choice", &["replace", "seed"])?)
        },
    );
}
