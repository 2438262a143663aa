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

/// Register numpy's everyday functions.
pub fn register(engine: &mut Engine) {
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
