//! rhai API of `ndarray`: construction, arithmetic with numpy broadcasting, indexing and
//! slicing, reductions, sorting, element-wise maths, histograms and seeded random arrays.

use super::{matmul, zip_with, NdArray};
use crate::args::{check_alloc, count, err, finite, int, num, positive, reg, Res};
use crate::convert::to_rhai;
use crate::convert::{arr_like, scalar_or_array, shape_arg, show, vec_arg};
use crate::rng;
use ndarray::{ArrayD, Axis, IxDyn};
use rand_distr::{Distribution, Normal, Uniform};
use rhai::{Array, Dynamic, Engine, Map, INT};

fn norm_index(i: INT, n: usize, func: &str) -> Res<usize> {
    let j = if i < 0 { i + n as INT } else { i };
    if j < 0 || j >= n as INT {
        return err(format!("{func}: index {i} out of bounds for length {n}"));
    }
    Ok(j as usize)
}

fn multi_index(a: &NdArray, idx: &Array, func: &str) -> Res<Vec<usize>> {
    if idx.len() != a.ndim() {
        return err(format!(
            "{func}: index has {} components but the array has {} dimensions (shape {:?})",
            idx.len(),
            a.ndim(),
            a.shape()
        ));
    }
    idx.iter()
        .zip(a.shape())
        .map(|(d, &n)| norm_index(int(d, func, "index")?, n, func))
        .collect()
}

impl IntoIterator for NdArray {
    type Item = Dynamic;
    type IntoIter = std::vec::IntoIter<Dynamic>;
    /// `for x in a`: floats for a 1D array, sub-arrays (rows) otherwise.
    fn into_iter(self) -> Self::IntoIter {
        let items: Vec<Dynamic> = if self.ndim() <= 1 {
            self.view()
                .iter()
                .map(|&x| Dynamic::from_float(x))
                .collect()
        } else {
            self.view()
                .axis_iter(Axis(0))
                .map(|s| Dynamic::from(NdArray::new(s.to_owned())))
                .collect()
        };
        items.into_iter()
    }
}

fn bin_op(engine: &mut Engine, op: &'static str, f: fn(f64, f64) -> f64) {
    let doc =
        format!("Element-wise `{op}` with numpy broadcasting (ndarray with ndarray or number).");
    bin_op_doc(engine, op, f, &doc);
}

fn bin_op_doc(engine: &mut Engine, op: &'static str, f: fn(f64, f64) -> f64, doc: &str) {
    let doc = doc.to_string();
    // a rhai array of numbers on either side broadcasts as numpy broadcasts a list
    reg(
        engine,
        op,
        &["a: ndarray", "b: array", "ndarray"],
        &doc,
        move |a: NdArray, b: Array| -> Res<NdArray> {
            let b = arr_like(&Dynamic::from_array(b), op, "b")?;
            zip_with(&a, &b, f).map_err(|e| format!("{op}: {e}").into())
        },
    );
    reg(
        engine,
        op,
        &["a: array", "b: ndarray", "ndarray"],
        &doc,
        move |a: Array, b: NdArray| -> Res<NdArray> {
            let a = arr_like(&Dynamic::from_array(a), op, "a")?;
            zip_with(&a, &b, f).map_err(|e| format!("{op}: {e}").into())
        },
    );
    reg(
        engine,
        op,
        &["a: ndarray", "b: ndarray", "ndarray"],
        &doc,
        move |a: NdArray, b: NdArray| -> Res<NdArray> {
            zip_with(&a, &b, f).map_err(|e| format!("{op}: {e}").into())
        },
    );
    reg(
        engine,
        op,
        &["a: ndarray", "b: float", "ndarray"],
        &doc,
        move |a: NdArray, b: f64| a.map(|x| f(x, b)),
    );
    reg(
        engine,
        op,
        &["a: ndarray", "b: int", "ndarray"],
        &doc,
        move |a: NdArray, b: INT| a.map(|x| f(x, b as f64)),
    );
    reg(
        engine,
        op,
        &["a: float", "b: ndarray", "ndarray"],
        &doc,
        move |a: f64, b: NdArray| b.map(|x| f(a, x)),
    );
    reg(
        engine,
        op,
        &["a: int", "b: ndarray", "ndarray"],
        &doc,
        move |a: INT, b: NdArray| b.map(|x| f(a as f64, x)),
    );
}

/// Register an element-wise function for ndarrays, numbers and rhai arrays.
pub(crate) fn unary_math(engine: &mut Engine, name: &'static str, doc: &str, f: fn(f64) -> f64) {
    reg(
        engine,
        name,
        &["a: ndarray", "ndarray"],
        doc,
        move |a: NdArray| a.map(f),
    );
    reg(engine, name, &["x: int", "float"], doc, move |x: INT| {
        f(x as f64)
    });
    reg(engine, name, &["x: float", "float"], doc, f);
    reg(
        engine,
        name,
        &["a: array", "ndarray"],
        doc,
        move |a: Array| -> Res<NdArray> {
            Ok(arr_like(&Dynamic::from_array(a), name, "a")?.map(f))
        },
    );
}

/// Register a reduction over all elements for ndarray and rhai arrays.
fn reduction(engine: &mut Engine, name: &'static str, doc: &str, f: fn(&NdArray) -> Res<Dynamic>) {
    reg(
        engine,
        name,
        &["a: ndarray", "float"],
        doc,
        move |a: &mut NdArray| f(a),
    );
    reg(
        engine,
        name,
        &["a: array", "float"],
        doc,
        move |a: Array| f(&arr_like(&Dynamic::from_array(a), name, "a")?),
    );
}

fn nonempty(a: &NdArray, func: &str) -> Res<()> {
    if a.is_empty() {
        return err(format!("{func}: the array is empty"));
    }
    Ok(())
}

fn axis_arg(a: &NdArray, axis: INT, func: &str) -> Res<usize> {
    axis_index(a.shape(), axis, func)
}

/// An axis of an array of `shape`, negative counting from the end (numpy's convention).
pub(crate) fn axis_index(shape: &[usize], axis: INT, func: &str) -> Res<usize> {
    let nd = shape.len() as INT;
    let ax = if axis < 0 { axis + nd } else { axis };
    if ax < 0 || ax >= nd {
        return err(format!(
            "{func}: axis {axis} out of range for shape {shape:?}"
        ));
    }
    Ok(ax as usize)
}

fn random_array(
    func: &str,
    shape: &Dynamic,
    seed: u64,
    dist: impl Fn(&mut crate::rng::StdRng) -> f64,
) -> Res<NdArray> {
    let dims = shape_arg(shape, func)?;
    let n: usize = dims.iter().product();
    let mut r = rng::from_seed(seed);
    let data: Vec<f64> = (0..n).map(|_| dist(&mut r)).collect();
    NdArray::from_shape(&dims, data).map_err(|e| e.into())
}

fn uniform_impl(shape: &Dynamic, lo: &Dynamic, hi: &Dynamic, seed: u64) -> Res<NdArray> {
    let f = "uniform";
    let (lo, hi) = (finite(lo, f, "lo")?, finite(hi, f, "hi")?);
    if hi <= lo {
        return err(format!(
            "uniform: expected lo < hi, got lo = {lo}, hi = {hi}"
        ));
    }
    let d = Uniform::new(lo, hi).map_err(|e| format!("uniform: {e}"))?;
    random_array(f, shape, seed, |r| d.sample(r))
}

fn normal_impl(shape: &Dynamic, mu: &Dynamic, sigma: &Dynamic, seed: u64) -> Res<NdArray> {
    let f = "normal";
    let mu = finite(mu, f, "mu")?;
    let sigma = positive(sigma, f, "sigma")?;
    let d = Normal::new(mu, sigma).map_err(|e| format!("normal: {e}"))?;
    random_array(f, shape, seed, |r| d.sample(r))
}

/// A non-empty rhai array of array-likes, converted (for `concat` and `stack`).
fn array_list(list: &Array, func: &str) -> Res<Vec<NdArray>> {
    let parts: Vec<NdArray> = list
        .iter()
        .enumerate()
        .map(|(i, d)| arr_like(d, func, &format!("arrays[{i}]")))
        .collect::<Res<_>>()?;
    if parts.is_empty() {
        return err(format!("{func}: empty list"));
    }
    Ok(parts)
}

/// Register the ndarray type and its functions.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<NdArray>("ndarray");
    engine.register_iterator::<NdArray>();
    reg(
        engine,
        "to_string",
        &["a: ndarray", "string"],
        "numpy-like text of an array, long axes elided.",
        |a: &mut NdArray| a.to_string(),
    );
    reg(
        engine,
        "to_debug",
        &["a: ndarray", "string"],
        "Text of an array with its shape.",
        |a: &mut NdArray| format!("ndarray{:?} {a}", a.shape()),
    );
    reg(
        engine,
        "to_string",
        &["m: map", "string"],
        "Text of a map, ndarrays shown numpy-style.",
        |m: Map| show(&Dynamic::from_map(m)),
    );
    reg(
        engine,
        "to_string",
        &["a: array", "string"],
        "Text of an array, ndarrays shown numpy-style.",
        |a: Array| show(&Dynamic::from_array(a)),
    );

    // --- construction ---
    reg(
        engine,
        "zeros",
        &["shape: int|array", "ndarray"],
        "Array of zeros: `zeros(5)`, `zeros([16, 16])`.",
        |s: Dynamic| -> Res<NdArray> {
            Ok(NdArray::new(ArrayD::zeros(IxDyn(&shape_arg(&s, "zeros")?))))
        },
    );
    reg(
        engine,
        "ones",
        &["shape: int|array", "ndarray"],
        "Array of ones: `ones(5)`, `ones([2, 3])`.",
        |s: Dynamic| -> Res<NdArray> {
            Ok(NdArray::new(ArrayD::ones(IxDyn(&shape_arg(&s, "ones")?))))
        },
    );
    reg(
        engine,
        "full",
        &["shape: int|array", "value: float", "ndarray"],
        "Array filled with a value: `full([2, 2], 0.5)`.",
        |s: Dynamic, v: Dynamic| -> Res<NdArray> {
            let v = crate::args::num_any(&v, "full", "value")?;
            Ok(NdArray::new(ArrayD::from_elem(
                IxDyn(&shape_arg(&s, "full")?),
                v,
            )))
        },
    );
    reg(
        engine,
        "eye",
        &["n: int", "ndarray"],
        "n×n identity matrix.",
        |n: Dynamic| -> Res<NdArray> {
            let n = count(&n, "eye", "n", 0, 1 << 20)?;
            check_alloc("eye", "the identity matrix", (n * n) as u128, 8)?;
            Ok(NdArray::new(ndarray::Array2::eye(n).into_dyn()))
        },
    );
    reg(
        engine,
        "linspace",
        &["start: float", "stop: float", "n: int", "ndarray"],
        "n evenly spaced values from start to stop inclusive: `linspace(0, 1, 11)`.",
        |a: Dynamic, b: Dynamic, n: Dynamic| -> Res<NdArray> {
            let f = "linspace";
            let (a, b) = (finite(&a, f, "start")?, finite(&b, f, "stop")?);
            let n = count(&n, f, "n", 0, 1 << 34)?;
            check_alloc(f, "the array", n as u128, 8)?;
            let v = (0..n)
                .map(|i| {
                    if n == 1 {
                        a
                    } else {
                        a + (b - a) * i as f64 / (n - 1) as f64
                    }
                })
                .collect();
            Ok(NdArray::from_vec(v))
        },
    );
    fn arange(f: &str, a: f64, b: f64, step: f64) -> Res<NdArray> {
        if step == 0.0 || !step.is_finite() {
            return err(format!("{f}: argument 'step' must be non-zero and finite"));
        }
        let n = ((b - a) / step).ceil().max(0.0);
        check_alloc(f, "the array", n as u128, 8)?;
        Ok(NdArray::from_vec(
            (0..n as usize).map(|i| a + step * i as f64).collect(),
        ))
    }
    reg(
        engine,
        "arange",
        &["stop: float", "ndarray"],
        "0, 1, …, below stop: `arange(5)`.",
        |b: Dynamic| -> Res<NdArray> { arange("arange", 0.0, finite(&b, "arange", "stop")?, 1.0) },
    );
    reg(
        engine,
        "arange",
        &["start: float", "stop: float", "ndarray"],
        "start, start+1, …, below stop.",
        |a: Dynamic, b: Dynamic| -> Res<NdArray> {
            arange(
                "arange",
                finite(&a, "arange", "start")?,
                finite(&b, "arange", "stop")?,
                1.0,
            )
        },
    );
    reg(
        engine,
        "arange",
        &["start: float", "stop: float", "step: float", "ndarray"],
        "start, start+step, …, below stop (numpy's arange).",
        |a: Dynamic, b: Dynamic, s: Dynamic| -> Res<NdArray> {
            arange(
                "arange",
                finite(&a, "arange", "start")?,
                finite(&b, "arange", "stop")?,
                finite(&s, "arange", "step")?,
            )
        },
    );
    reg(
        engine,
        "ndarray",
        &["data: array", "ndarray"],
        "Native array from a (nested) rhai array of numbers: `ndarray([[1, 2], [3, 4]])`.",
        |d: Dynamic| arr_like(&d, "ndarray", "data"),
    );
    reg(
        engine,
        "to_array",
        &["a: ndarray", "array"],
        "Back to a (nested) rhai array of floats.",
        |a: &mut NdArray| to_rhai(a),
    );
    reg(
        engine,
        "copy",
        &["a: ndarray", "ndarray"],
        "An independent copy.",
        |a: &mut NdArray| NdArray::new(a.view().clone()),
    );

    // --- random (seeded) ---
    reg(
        engine,
        "uniform",
        &["shape: int|array", "lo: float", "hi: float", "ndarray"],
        "Uniform random numbers in [lo, hi) from the script's seeded stream (`seed(n)`).",
        |s: Dynamic, lo: Dynamic, hi: Dynamic| {
            uniform_impl(&s, &lo, &hi, crate::session::next_seed())
        },
    );
    reg(
        engine,
        "uniform",
        &[
            "shape: int|array",
            "lo: float",
            "hi: float",
            "seed: int",
            "ndarray",
        ],
        "Uniform random numbers in [lo, hi) with an explicit seed.",
        |s: Dynamic, lo: Dynamic, hi: Dynamic, seed: Dynamic| -> Res<NdArray> {
            uniform_impl(&s, &lo, &hi, crate::args::seed_arg(&seed, "uniform")?)
        },
    );
    reg(
        engine,
        "normal",
        &["shape: int|array", "mu: float", "sigma: float", "ndarray"],
        "Gaussian random numbers N(mu, sigma²) from the script's seeded stream.",
        |s: Dynamic, m: Dynamic, sg: Dynamic| normal_impl(&s, &m, &sg, crate::session::next_seed()),
    );
    reg(
        engine,
        "normal",
        &[
            "shape: int|array",
            "mu: float",
            "sigma: float",
            "seed: int",
            "ndarray",
        ],
        "Gaussian random numbers N(mu, sigma²) with an explicit seed.",
        |s: Dynamic, m: Dynamic, sg: Dynamic, seed: Dynamic| -> Res<NdArray> {
            normal_impl(&s, &m, &sg, crate::args::seed_arg(&seed, "normal")?)
        },
    );

    // --- arithmetic ---
    bin_op(engine, "+", |x, y| x + y);
    bin_op(engine, "-", |x, y| x - y);
    bin_op(engine, "*", |x, y| x * y);
    bin_op(engine, "/", |x, y| x / y);
    bin_op(engine, "**", f64::powf);
    // comparisons give numpy-style masks as 0/1 arrays: (a > 0).mean() is a fraction
    fn mask(b: bool) -> f64 {
        if b {
            1.0
        } else {
            0.0
        }
    }
    for (op, f) in [
        (">", (|x, y| mask(x > y)) as fn(f64, f64) -> f64),
        ("<", |x, y| mask(x < y)),
        (">=", |x, y| mask(x >= y)),
        ("<=", |x, y| mask(x <= y)),
    ] {
        let doc = format!("Element-wise `{op}` with numpy broadcasting: 1 where true, 0 elsewhere (a mask; its mean is a fraction).");
        bin_op_doc(engine, op, f, &doc);
    }
    reg(
        engine,
        "-",
        &["a: ndarray", "ndarray"],
        "Negation.",
        |a: NdArray| a.map(|x| -x),
    );
    reg(
        engine,
        "==",
        &["a: ndarray", "b: ndarray", "bool"],
        "Same shape and elements.",
        |a: NdArray, b: NdArray| a == b,
    );
    reg(
        engine,
        "!=",
        &["a: ndarray", "b: ndarray", "bool"],
        "Different shape or elements.",
        |a: NdArray, b: NdArray| a != b,
    );
    reg(
        engine,
        "pow",
        &["a: ndarray", "p: float", "ndarray"],
        "Element-wise power a^p.",
        |a: NdArray, p: Dynamic| -> Res<NdArray> {
            let p = num(&p, "pow", "p")?;
            Ok(a.map(|x| x.powf(p)))
        },
    );
    reg(
        engine,
        "pow",
        &["x: float", "p: float", "float"],
        "x^p for numbers (int or float).",
        |x: Dynamic, p: Dynamic| -> Res<f64> {
            Ok(crate::args::num_any(&x, "pow", "x")?.powf(num(&p, "pow", "p")?))
        },
    );
    unary_math(
        engine,
        "abs",
        "Absolute value, element-wise for arrays.",
        f64::abs,
    );
    unary_math(
        engine,
        "sqrt",
        "Square root (int, float or ndarray).",
        f64::sqrt,
    );
    unary_math(
        engine,
        "exp",
        "Exponential e^x (int, float or ndarray).",
        f64::exp,
    );
    unary_math(
        engine,
        "log",
        "Natural logarithm, as in numpy (int, float or ndarray); `log10` for base 10.",
        f64::ln,
    );
    unary_math(
        engine,
        "ln",
        "Natural logarithm (int, float or ndarray).",
        f64::ln,
    );
    unary_math(
        engine,
        "log10",
        "Base-10 logarithm (int, float or ndarray).",
        f64::log10,
    );
    unary_math(engine, "sin", "Sine (radians).", f64::sin);
    unary_math(engine, "cos", "Cosine (radians).", f64::cos);
    unary_math(engine, "tan", "Tangent (radians).", f64::tan);
    unary_math(engine, "tanh", "Hyperbolic tangent.", f64::tanh);
    unary_math(engine, "atan", "Arc tangent.", f64::atan);
    unary_math(engine, "floor", "Round down.", f64::floor);
    unary_math(engine, "ceil", "Round up.", f64::ceil);
    reg(
        engine,
        "clip",
        &["a: ndarray", "lo: float", "hi: float", "ndarray"],
        "Clamp every element to [lo, hi].",
        |a: NdArray, lo: Dynamic, hi: Dynamic| -> Res<NdArray> {
            let (lo, hi) = (num(&lo, "clip", "lo")?, num(&hi, "clip", "hi")?);
            if lo > hi {
                return err(format!("clip: expected lo <= hi, got {lo} > {hi}"));
            }
            Ok(a.map(|x| x.clamp(lo, hi)))
        },
    );
    reg(
        engine,
        "dot",
        &["a: ndarray", "b: ndarray", "float|ndarray"],
        "Inner product of vectors, or matrix product (same as `matmul`).",
        |a: NdArray, b: NdArray| -> Res<Dynamic> {
            matmul(&a, &b)
                .map(scalar_or_array)
                .map_err(|e| format!("dot: {e}").into())
        },
    );
    reg(
        engine,
        "matmul",
        &["a: ndarray", "b: ndarray", "ndarray"],
        "Matrix product (2D×2D, 2D×1D, 1D×2D).",
        |a: NdArray, b: NdArray| -> Res<Dynamic> {
            matmul(&a, &b)
                .map(scalar_or_array)
                .map_err(|e| format!("matmul: {e}").into())
        },
    );

    // --- shape, indexing, slicing ---
    reg(
        engine,
        "len",
        &["a: ndarray", "int"],
        "Length along the first axis.",
        |a: &mut NdArray| a.len() as INT,
    );
    reg(
        engine,
        "size",
        &["a: ndarray", "int"],
        "Total number of elements.",
        |a: &mut NdArray| a.size() as INT,
    );
    reg(
        engine,
        "ndim",
        &["a: ndarray", "int"],
        "Number of dimensions.",
        |a: &mut NdArray| a.ndim() as INT,
    );
    reg(
        engine,
        "shape",
        &["a: ndarray", "array"],
        "Shape as an array of ints, e.g. `[16, 16]`.",
        |a: &mut NdArray| -> Array {
            a.shape()
                .iter()
                .map(|&d| Dynamic::from_int(d as INT))
                .collect()
        },
    );
    reg(
        engine,
        "get$shape",
        &["a: ndarray", "array"],
        "`a.shape`: shape as an array of ints.",
        |a: &mut NdArray| -> Array {
            a.shape()
                .iter()
                .map(|&d| Dynamic::from_int(d as INT))
                .collect()
        },
    );
    reg(
        engine,
        "reshape",
        &["a: ndarray", "shape: array", "ndarray"],
        "Same data, new shape (one dimension may be -1).",
        |a: &mut NdArray, s: Array| -> Res<NdArray> {
            let dims: Vec<i64> = s
                .iter()
                .map(|d| int(d, "reshape", "shape"))
                .collect::<Res<_>>()?;
            a.reshape(&dims).map_err(|e| format!("reshape: {e}").into())
        },
    );
    reg(
        engine,
        "flatten",
        &["a: ndarray", "ndarray"],
        "1D copy in row-major order.",
        |a: &mut NdArray| NdArray::from_vec(a.to_vec()),
    );
    reg(
        engine,
        "transpose",
        &["a: ndarray", "ndarray"],
        "Reverse the axes (matrix transpose).",
        |a: &mut NdArray| a.transpose(),
    );
    reg(
        engine,
        "get$T",
        &["a: ndarray", "ndarray"],
        "`a.T`: transpose.",
        |a: &mut NdArray| a.transpose(),
    );
    reg(
        engine,
        "index$get$",
        &["a: ndarray", "i: int", "float|ndarray"],
        "`a[i]`: element of a 1D array, or row i of an n-D array; negative i counts from the end.",
        |a: &mut NdArray, i: INT| -> Res<Dynamic> {
            let j = norm_index(i, a.len(), "a[i]")?;
            if a.ndim() == 1 {
                Ok(Dynamic::from_float(a.view()[[j]]))
            } else {
                a.subarray(j).map(Dynamic::from).map_err(|e| e.into())
            }
        },
    );
    reg(
        engine,
        "index$get$",
        &["a: ndarray", "idx: array", "float"],
        "`a[[i, j]]`: one element by multi-index.",
        |a: &mut NdArray, idx: Array| -> Res<f64> {
            let ix = multi_index(a, &idx, "a[[..]]")?;
            Ok(a.view()[IxDyn(&ix)])
        },
    );
    reg(
        engine,
        "index$set$",
        &["a: ndarray", "i: int", "x: float", "()"],
        "`a[i] = x` on a 1D array (or `a[i] = row` on 2D).",
        |a: &mut NdArray, i: INT, x: Dynamic| -> Res<()> {
            let j = norm_index(i, a.len(), "a[i] =")?;
            if a.ndim() == 1 {
                let v = crate::args::num_any(&x, "a[i] =", "value")?;
                a.make_mut()[[j]] = v;
            } else {
                let row = arr_like(&x, "a[i] =", "value")?;
                let mut m = a.make_mut().index_axis_mut(Axis(0), j);
                if row.shape() != m.shape() {
                    return err(format!(
                        "a[i] = row: row shape {:?} does not match {:?}",
                        row.shape(),
                        m.shape()
                    ));
                }
                m.assign(row.view());
            }
            Ok(())
        },
    );
    reg(
        engine,
        "index$set$",
        &["a: ndarray", "idx: array", "x: float", "()"],
        "`a[[i, j]] = x`: set one element.",
        |a: &mut NdArray, idx: Array, x: Dynamic| -> Res<()> {
            let ix = multi_index(a, &idx, "a[[..]] =")?;
            let v = crate::args::num_any(&x, "a[[..]] =", "value")?;
            a.make_mut()[IxDyn(&ix)] = v;
            Ok(())
        },
    );
    reg(
        engine,
        "slice",
        &["a: ndarray", "start: int", "end: int", "ndarray"],
        "Elements/rows start..end (end excluded) along the first axis.",
        |a: &mut NdArray, s: INT, e: INT| -> Res<NdArray> {
            if s < 0 || e < 0 {
                return err("slice: start and end must be >= 0");
            }
            a.slice_axis(0, s as usize, e as usize, 1)
                .map_err(|e| format!("slice: {e}").into())
        },
    );
    reg(
        engine,
        "slice",
        &[
            "a: ndarray",
            "axis: int",
            "start: int",
            "end: int",
            "step: int",
            "ndarray",
        ],
        "start..end by step along an axis.",
        |a: &mut NdArray, ax: INT, s: INT, e: INT, st: INT| -> Res<NdArray> {
            let ax = axis_arg(a, ax, "slice")?;
            if s < 0 || e < 0 || st <= 0 {
                return err("slice: start, end must be >= 0 and step > 0");
            }
            a.slice_axis(ax, s as usize, e as usize, st as usize)
                .map_err(|e| format!("slice: {e}").into())
        },
    );
    reg(
        engine,
        "row",
        &["a: ndarray", "i: int", "ndarray"],
        "Row i of a 2D array.",
        |a: &mut NdArray, i: INT| -> Res<NdArray> {
            if a.ndim() != 2 {
                return err(format!(
                    "row: expected a 2D array, got shape {:?}",
                    a.shape()
                ));
            }
            let j = norm_index(i, a.len(), "row")?;
            a.subarray(j).map_err(|e| e.into())
        },
    );
    reg(
        engine,
        "col",
        &["a: ndarray", "j: int", "ndarray"],
        "Column j of a 2D array.",
        |a: &mut NdArray, j: INT| -> Res<NdArray> {
            if a.ndim() != 2 {
                return err(format!(
                    "col: expected a 2D array, got shape {:?}",
                    a.shape()
                ));
            }
            let j = norm_index(j, a.shape()[1], "col")?;
            Ok(NdArray::new(a.view().index_axis(Axis(1), j).to_owned()))
        },
    );
    reg(
        engine,
        "take",
        &["a: ndarray", "idx: array|ndarray", "ndarray"],
        "Elements (1D) or rows (n-D) at the given indices.",
        |a: &mut NdArray, idx: Dynamic| -> Res<NdArray> {
            let idx = vec_arg(&idx, "take", "idx")?;
            let n = a.len();
            let mut ix = Vec::with_capacity(idx.len());
            for &i in &idx {
                if i.fract() != 0.0 {
                    return err(format!("take: index {i} is not an integer"));
                }
                ix.push(norm_index(i as INT, n, "take")?);
            }
            Ok(NdArray::new(a.view().select(Axis(0), &ix)))
        },
    );
    reg(
        engine,
        "select",
        &["a: ndarray", "mask: ndarray", "ndarray"],
        "Elements of a (flattened) where mask is non-zero: `a.select(between(a, 0.2, 0.3))`.",
        |a: &mut NdArray, m: Dynamic| -> Res<NdArray> {
            let m = arr_like(&m, "select", "mask")?;
            if m.size() != a.size() {
                return err(format!(
                    "select: mask has {} elements, array has {}",
                    m.size(),
                    a.size()
                ));
            }
            Ok(a.masked(&m))
        },
    );
    reg(
        engine,
        "between",
        &["a: ndarray", "lo: float", "hi: float", "ndarray"],
        "Mask (1.0/0.0) of elements with lo <= x <= hi.",
        |a: &mut NdArray, lo: Dynamic, hi: Dynamic| -> Res<NdArray> {
            let (lo, hi) = (num(&lo, "between", "lo")?, num(&hi, "between", "hi")?);
            Ok(a.map(|x| if x >= lo && x <= hi { 1.0 } else { 0.0 }))
        },
    );
    reg(
        engine,
        "concat",
        &["arrays: array", "ndarray"],
        "Join arrays along the first axis.",
        |list: Array| -> Res<NdArray> {
            let parts = array_list(&list, "concat")?;
            let views: Vec<_> = parts.iter().map(|p| p.view().view()).collect();
            ndarray::concatenate(Axis(0), &views)
                .map(NdArray::new)
                .map_err(|e| format!("concat: shapes do not fit: {e}").into())
        },
    );
    reg(
        engine,
        "stack",
        &["arrays: array", "ndarray"],
        "Stack equal-shaped arrays along a new first axis.",
        |list: Array| -> Res<NdArray> {
            let parts = array_list(&list, "stack")?;
            let views: Vec<_> = parts.iter().map(|p| p.view().view()).collect();
            ndarray::stack(Axis(0), &views)
                .map(NdArray::new)
                .map_err(|e| format!("stack: shapes differ: {e}").into())
        },
    );

    // --- reductions ---
    reduction(engine, "sum", "Sum of all elements.", |a| {
        Ok(Dynamic::from_float(a.sum()))
    });
    reduction(engine, "mean", "Mean of all elements.", |a| {
        nonempty(a, "mean")?;
        Ok(Dynamic::from_float(a.mean()))
    });
    reduction(
        engine,
        "std",
        "Standard deviation (ddof = 0, as numpy).",
        |a| {
            nonempty(a, "std")?;
            Ok(Dynamic::from_float(a.std(0.0)))
        },
    );
    // `var` is a reserved word of rhai (no script could call a function of that name)
    reduction(engine, "variance", "Variance (ddof = 0).", |a| {
        nonempty(a, "variance")?;
        Ok(Dynamic::from_float(a.std(0.0).powi(2)))
    });
    reduction(engine, "min", "Smallest element (NaN ignored).", |a| {
        a.argmin()
            .map(|(_, x)| Dynamic::from_float(x))
            .ok_or_else(|| "min: no non-NaN elements".into())
    });
    reduction(engine, "max", "Largest element (NaN ignored).", |a| {
        a.argmax()
            .map(|(_, x)| Dynamic::from_float(x))
            .ok_or_else(|| "max: no non-NaN elements".into())
    });
    reduction(
        engine,
        "argmin",
        "Flat index of the smallest element.",
        |a| {
            a.argmin()
                .map(|(i, _)| Dynamic::from_int(i as INT))
                .ok_or_else(|| "argmin: no non-NaN elements".into())
        },
    );
    reduction(
        engine,
        "argmax",
        "Flat index of the largest element.",
        |a| {
            a.argmax()
                .map(|(i, _)| Dynamic::from_int(i as INT))
                .ok_or_else(|| "argmax: no non-NaN elements".into())
        },
    );
    reg(
        engine,
        "std",
        &["a: ndarray", "ddof: int", "float"],
        "Standard deviation with ddof delta degrees of freedom (ddof = 1: sample std).",
        |a: &mut NdArray, ddof: INT| -> Res<f64> {
            nonempty(a, "std")?;
            Ok(a.std(ddof as f64))
        },
    );
    for (name, doc, f) in [
        (
            "sum",
            "Sum along an axis.",
            (|v: &[f64]| v.iter().sum()) as fn(&[f64]) -> f64,
        ),
        ("mean", "Mean along an axis.", |v: &[f64]| {
            v.iter().sum::<f64>() / v.len() as f64
        }),
        ("max", "Maximum along an axis.", |v: &[f64]| {
            v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        }),
        ("min", "Minimum along an axis.", |v: &[f64]| {
            v.iter().copied().fold(f64::INFINITY, f64::min)
        }),
    ] {
        reg(
            engine,
            name,
            &["a: ndarray", "axis: int", "ndarray"],
            doc,
            move |a: &mut NdArray, axis: INT| -> Res<NdArray> {
                let ax = axis_arg(a, axis, name)?;
                if a.shape()[ax] == 0 {
                    return err(format!("{name}: axis {axis} has length 0"));
                }
                a.reduce_axis(ax, f)
                    .map_err(|e| format!("{name}: {e}").into())
            },
        );
    }
    reg(
        engine,
        "std_axis",
        &["a: ndarray", "axis: int", "ndarray"],
        "Standard deviation along an axis (ddof = 0).",
        |a: &mut NdArray, axis: INT| -> Res<NdArray> {
            let ax = axis_arg(a, axis, "std_axis")?;
            a.reduce_axis(ax, |v| NdArray::from_vec(v.to_vec()).std(0.0))
                .map_err(|e| format!("std_axis: {e}").into())
        },
    );
    reg(
        engine,
        "sort",
        &["a: ndarray", "ndarray"],
        "Flattened copy sorted ascending (NaN last).",
        |a: &mut NdArray| a.sorted(),
    );
    reg(
        engine,
        "argsort",
        &["a: ndarray", "array"],
        "Indices (ints) that sort the flattened array ascending.",
        |a: &mut NdArray| -> Array {
            a.argsort()
                .into_iter()
                .map(|i| Dynamic::from_int(i as INT))
                .collect()
        },
    );
    reg(
        engine,
        "cumsum",
        &["a: ndarray", "ndarray"],
        "Cumulative sum of the flattened array.",
        |a: &mut NdArray| a.cumsum(),
    );
    reg(
        engine,
        "histogram",
        &["a: ndarray", "bins: int", "map"],
        "Histogram over [min, max]: map of counts, edges, centers, density (all ndarrays).",
        |a: &mut NdArray, bins: Dynamic| {
            super::numpy_script::histogram_map(a, &bins, None, None, false)
        },
    );
    reg(
        engine,
        "histogram",
        &["a: ndarray", "bins: int", "lo: float", "hi: float", "map"],
        "Histogram of the values in [lo, hi]: counts, edges, centers, density.",
        |a: &mut NdArray, bins: Dynamic, lo: Dynamic, hi: Dynamic| -> Res<Map> {
            let r = (
                finite(&lo, "histogram", "lo")?,
                finite(&hi, "histogram", "hi")?,
            );
            super::numpy_script::histogram_map(a, &bins, Some(r), None, false)
        },
    );
}
