//! `ndarray`: disco's native n-dimensional f64 array, shared by every domain. Numeric data lives
//! here (never as rhai arrays in hot loops). Cloning is cheap (`Arc`), writes copy on demand.
//! This module is plain Rust; `script.rs` beside it is the rhai API.

pub mod complex;
pub mod complex_script;
pub mod fft;
pub mod fft_script;
pub mod linalg_script;
pub mod numpy_script;
pub mod script;

use ndarray::{ArrayD, Axis, IxDyn, Zip};
use rayon::prelude::*;
use std::fmt;
use std::sync::Arc;

/// An n-dimensional array of f64 (row-major), shared copy-on-write.
#[derive(Clone, Debug, PartialEq)]
pub struct NdArray(pub Arc<ArrayD<f64>>);

/// Errors of array operations, as plain messages (the script layer prefixes the function).
pub type ArrResult<T> = Result<T, String>;

impl NdArray {
    /// Wrap an owned array.
    pub fn new(a: ArrayD<f64>) -> Self {
        NdArray(Arc::new(a))
    }
    /// A 1D array from a vector.
    pub fn from_vec(v: Vec<f64>) -> Self {
        let n = v.len();
        Self::from_shape(&[n], v).unwrap_or_else(|_| Self::new(ArrayD::zeros(IxDyn(&[0]))))
    }
    /// An array of the given shape from row-major data.
    pub fn from_shape(shape: &[usize], data: Vec<f64>) -> ArrResult<Self> {
        ArrayD::from_shape_vec(IxDyn(shape), data)
            .map(Self::new)
            .map_err(|e| format!("shape {shape:?} does not match the data: {e}"))
    }
    /// A 2D array from rows × cols row-major data.
    pub fn from_2d(rows: usize, cols: usize, data: Vec<f64>) -> ArrResult<Self> {
        Self::from_shape(&[rows, cols], data)
    }
    /// The underlying array.
    pub fn view(&self) -> &ArrayD<f64> {
        &self.0
    }
    /// Mutable access (copies if shared).
    pub fn make_mut(&mut self) -> &mut ArrayD<f64> {
        Arc::make_mut(&mut self.0)
    }
    /// Shape.
    pub fn shape(&self) -> &[usize] {
        self.0.shape()
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.ndim()
    }
    /// Total number of elements.
    pub fn size(&self) -> usize {
        self.0.len()
    }
    /// Length along the first axis (elements for 1D; 1 for a 0-d scalar).
    pub fn len(&self) -> usize {
        self.shape().first().copied().unwrap_or(1)
    }
    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.size() == 0
    }
    /// Elements in row-major order.
    pub fn to_vec(&self) -> Vec<f64> {
        self.0.iter().copied().collect()
    }
    /// The elements (row-major) where `mask` (as many elements) is non-zero, flattened.
    pub fn masked(&self, mask: &NdArray) -> NdArray {
        NdArray::from_vec(
            self.0
                .iter()
                .zip(mask.0.iter())
                .filter(|(_, &k)| k != 0.0)
                .map(|(&x, _)| x)
                .collect(),
        )
    }
    /// Elements in row-major order, borrowed when contiguous.
    pub fn as_slice_or_vec(&self) -> std::borrow::Cow<'_, [f64]> {
        match self.0.as_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(self.to_vec()),
        }
    }
    /// Apply `f` element-wise.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        Self::new(self.0.mapv(f))
    }
    /// Reshape (same number of elements; one dimension may be -1).
    pub fn reshape(&self, shape: &[i64]) -> ArrResult<Self> {
        let n = self.size();
        let unknown = shape.iter().filter(|&&d| d == -1).count();
        if unknown > 1 || shape.iter().any(|&d| d < -1) {
            return Err(format!("invalid shape {shape:?}"));
        }
        let known = shape
            .iter()
            .filter(|&&d| d >= 0)
            .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
            .ok_or_else(|| format!("shape {shape:?} is too large"))?;
        let dims: Vec<usize> = shape
            .iter()
            .map(|&d| {
                if d == -1 {
                    n.checked_div(known).unwrap_or(0)
                } else {
                    d as usize
                }
            })
            .collect();
        if dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) != Some(n) {
            return Err(format!(
                "cannot reshape an array of {n} elements (shape {:?}) into {shape:?}",
                self.shape()
            ));
        }
        Self::from_shape(&dims, self.to_vec())
    }
    /// Sub-array `i` along the first axis (a row of a matrix).
    pub fn subarray(&self, i: usize) -> ArrResult<Self> {
        if self.ndim() == 0 || i >= self.len() {
            return Err(format!(
                "index {i} out of bounds for shape {:?}",
                self.shape()
            ));
        }
        Ok(Self::new(self.0.index_axis(Axis(0), i).to_owned()))
    }
    /// Elements `start..end` (with step) along `axis`.
    pub fn slice_axis(
        &self,
        axis: usize,
        start: usize,
        end: usize,
        step: usize,
    ) -> ArrResult<Self> {
        if axis >= self.ndim() {
            return Err(format!(
                "axis {axis} out of range for shape {:?}",
                self.shape()
            ));
        }
        let n = self.shape()[axis];
        if start > end || end > n || step == 0 {
            return Err(format!(
                "slice {start}..{end} (step {step}) out of bounds for axis {axis} of length {n}"
            ));
        }
        let s = self.0.slice_axis(
            Axis(axis),
            ndarray::Slice::new(start as isize, Some(end as isize), step as isize),
        );
        Ok(Self::new(s.to_owned()))
    }
    /// Transpose (reverse all axes).
    pub fn transpose(&self) -> Self {
        Self::new(self.0.t().as_standard_layout().to_owned())
    }
    /// Sum of all elements.
    pub fn sum(&self) -> f64 {
        self.0.sum()
    }
    /// Mean of all elements (NaN when empty).
    pub fn mean(&self) -> f64 {
        if self.is_empty() {
            f64::NAN
        } else {
            self.sum() / self.size() as f64
        }
    }
    /// Standard deviation with `ddof` delta degrees of freedom (numpy's convention).
    pub fn std(&self, ddof: f64) -> f64 {
        let n = self.size() as f64;
        if n - ddof <= 0.0 {
            return f64::NAN;
        }
        let m = self.mean();
        let ss: f64 = self.0.iter().map(|x| (x - m) * (x - m)).sum();
        (ss / (n - ddof)).sqrt()
    }
    /// Reduce along an axis with `f(lane) -> value`.
    pub fn reduce_axis(&self, axis: usize, f: impl Fn(&[f64]) -> f64) -> ArrResult<Self> {
        if axis >= self.ndim() {
            return Err(format!(
                "axis {axis} out of range for shape {:?}",
                self.shape()
            ));
        }
        let out = self.0.map_axis(Axis(axis), |lane| {
            let v: Vec<f64> = lane.iter().copied().collect();
            f(&v)
        });
        Ok(Self::new(out))
    }
    /// Index and value of the minimum (NaN ignored), flat index.
    pub fn argmin(&self) -> Option<(usize, f64)> {
        self.0
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, x)| !x.is_nan())
            .fold(None, |best, (i, x)| match best {
                Some((_, b)) if b <= x => best,
                _ => Some((i, x)),
            })
    }
    /// Index and value of the maximum (NaN ignored), flat index.
    pub fn argmax(&self) -> Option<(usize, f64)> {
        self.0
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, x)| !x.is_nan())
            .fold(None, |best, (i, x)| match best {
                Some((_, b)) if b >= x => best,
                _ => Some((i, x)),
            })
    }
    /// Flattened, sorted ascending (NaN last, as numpy).
    pub fn sorted(&self) -> Self {
        use rayon::prelude::*;
        // sorted as integer keys (one compare instruction, both cores): 10⁷ values in a fraction
        // of the comparator sort's time; equal keys are equal values, so the order is exact
        let mut keys: Vec<u64> = self.0.iter().map(|&x| sort_key(x)).collect();
        keys.par_sort_unstable();
        Self::from_vec(keys.into_iter().map(from_sort_key).collect())
    }
    /// Indices that sort the flattened array ascending (stable; NaN last).
    pub fn argsort(&self) -> Vec<usize> {
        use rayon::prelude::*;
        // (key, index) pairs are all distinct, so an unstable sort of them is the stable argsort
        let mut pairs: Vec<(u64, usize)> = self
            .0
            .iter()
            .enumerate()
            .map(|(i, &x)| (sort_key(x), i))
            .collect();
        pairs.par_sort_unstable();
        pairs.into_iter().map(|(_, i)| i).collect()
    }
    /// Cumulative sum of the flattened array.
    pub fn cumsum(&self) -> Self {
        let mut acc = 0.0;
        Self::from_vec(
            self.0
                .iter()
                .map(|x| {
                    acc += x;
                    acc
                })
                .collect(),
        )
    }
}

/// The broadcast shape of two shapes under numpy's rules.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> ArrResult<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() {
            1
        } else {
            a[i - (n - a.len())]
        };
        let db = if i < n - b.len() {
            1
        } else {
            b[i - (n - b.len())]
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(format!(
                "shapes {a:?} and {b:?} cannot be broadcast together"
            ));
        };
    }
    Ok(out)
}

/// A u64 that orders as `nan_last` orders the f64 (IEEE total order, every NaN last and equal).
fn sort_key(x: f64) -> u64 {
    if x.is_nan() {
        return u64::MAX;
    }
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

/// The f64 of a `sort_key`.
fn from_sort_key(k: u64) -> f64 {
    if k == u64::MAX {
        f64::NAN
    } else if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Ascending order with every NaN last, whatever its sign bit (`f64::total_cmp` puts a negative
/// NaN, which 0.0/0.0 gives on x86, first).
pub fn nan_last(a: &f64, b: &f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ => a.total_cmp(b),
    }
}

/// Element-wise `op(a, b)` with numpy broadcasting.
pub fn zip_with(a: &NdArray, b: &NdArray, op: impl Fn(f64, f64) -> f64) -> ArrResult<NdArray> {
    if a.shape() == b.shape() {
        return Ok(NdArray::new(
            Zip::from(a.view())
                .and(b.view())
                .map_collect(|x, y| op(*x, *y)),
        ));
    }
    let shape = broadcast_shape(a.shape(), b.shape())?;
    let av = a
        .view()
        .broadcast(IxDyn(&shape))
        .ok_or_else(|| format!("cannot broadcast {:?} to {shape:?}", a.shape()))?;
    let bv = b
        .view()
        .broadcast(IxDyn(&shape))
        .ok_or_else(|| format!("cannot broadcast {:?} to {shape:?}", b.shape()))?;
    Ok(NdArray::new(
        Zip::from(&av).and(&bv).map_collect(|x, y| op(*x, *y)),
    ))
}

/// Matrix/vector products: 1D·1D → scalar (as a 0-d array), 2D×2D, 2D×1D, 1D×2D.
pub fn matmul(a: &NdArray, b: &NdArray) -> ArrResult<NdArray> {
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    let mismatch = || format!("shape mismatch in matmul: lhs {sa:?}, rhs {sb:?}");
    match (sa.len(), sb.len()) {
        (1, 1) => {
            if sa[0] != sb[0] {
                return Err(mismatch());
            }
            let d: f64 = a
                .view()
                .iter()
                .zip(b.view().iter())
                .map(|(x, y)| x * y)
                .sum();
            Ok(NdArray::new(ArrayD::from_elem(IxDyn(&[]), d)))
        }
        (2, 2) | (2, 1) | (1, 2) => {
            let a2 = to_2d(a, sa.len() == 1, true);
            let b2 = to_2d(b, sb.len() == 1, false);
            if a2.ncols() != b2.nrows() {
                return Err(mismatch());
            }
            let c = a2.dot(&b2);
            let out = match (sa.len(), sb.len()) {
                (2, 1) => c.into_shape_with_order(IxDyn(&[sa[0]])),
                (1, 2) => c.into_shape_with_order(IxDyn(&[sb[1]])),
                _ => c.into_dyn().into_shape_with_order(IxDyn(&[sa[0], sb[1]])),
            }
            .map_err(|e| e.to_string())?;
            Ok(NdArray::new(out))
        }
        _ => Err(format!(
            "matmul supports 1D and 2D arrays, got shapes {sa:?} and {sb:?}"
        )),
    }
}

fn to_2d(a: &NdArray, is_vec: bool, is_left: bool) -> ndarray::Array2<f64> {
    let v = a.to_vec();
    let s = a.shape();
    let (r, c) = if is_vec {
        if is_left {
            (1, s[0])
        } else {
            (s[0], 1)
        }
    } else {
        (s[0], s[1])
    };
    ndarray::Array2::from_shape_vec((r, c), v).unwrap_or_else(|_| ndarray::Array2::zeros((r, c)))
}

/// Bin edges on [lo, hi]: `bins + 1` of them, equally spaced, or geometrically (`log`, lo > 0:
/// lo·(hi/lo)^(i/bins)). Both end points are edges exactly.
pub fn bin_edges(lo: f64, hi: f64, bins: usize, log: bool) -> Vec<f64> {
    let mut e: Vec<f64> = if log {
        (0..=bins)
            .map(|i| lo * (hi / lo).powf(i as f64 / bins as f64))
            .collect()
    } else {
        let width = (hi - lo) / bins as f64;
        (0..=bins).map(|i| lo + width * i as f64).collect()
    };
    e[bins] = hi;
    e
}

/// The bin of x between consecutive `edges` (ascending): bin k holds edges[k] ≤ x < edges[k+1],
/// the last bin is closed; None for values outside or not finite, as numpy's `histogram`.
/// Equally spaced edges (`uniform`) find the bin by arithmetic and correct it against the edges,
/// so the answer is the same as the search.
#[inline]
pub fn bin_index(x: f64, edges: &[f64], uniform: bool) -> Option<usize> {
    let bins = edges.len().saturating_sub(1);
    if bins == 0 {
        return None;
    }
    let (lo, hi) = (edges[0], edges[bins]);
    if !x.is_finite() || x < lo || x > hi {
        return None;
    }
    let scale = bins as f64 / (hi - lo);
    let mut k = if uniform && scale.is_finite() {
        (((x - lo) * scale) as usize).min(bins - 1)
    } else {
        edges
            .partition_point(|&e| e <= x)
            .saturating_sub(1)
            .min(bins - 1)
    };
    // the arithmetic can be one bin off next to an edge
    while k > 0 && x < edges[k] {
        k -= 1;
    }
    while k + 1 < bins && x >= edges[k + 1] {
        k += 1;
    }
    Some(k)
}

/// The smallest and largest finite values (±∞ reversed when there are none), in parallel.
pub fn finite_range(data: &[f64]) -> (f64, f64) {
    data.par_chunks(BIN_CHUNK)
        .map(|c| {
            c.iter()
                .filter(|x| x.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                })
        })
        .reduce(
            || (f64::INFINITY, f64::NEG_INFINITY),
            |a, b| (a.0.min(b.0), a.1.max(b.1)),
        )
}

/// Values per parallel task of the binning loops. The partial histograms of fixed chunks are
/// added in chunk order, so the sums do not depend on the number of threads.
const BIN_CHUNK: usize = 1 << 16;

/// Sums of `weight(i)` per bin of `data[i]`, in parallel over fixed chunks.
fn bin_sums(
    data: &[f64],
    edges: &[f64],
    uniform: bool,
    weight: impl Fn(usize) -> f64 + Sync,
) -> Vec<f64> {
    let bins = edges.len().saturating_sub(1);
    let partial: Vec<Vec<f64>> = data
        .par_chunks(BIN_CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut sums = vec![0.0; bins];
            for (i, &x) in chunk.iter().enumerate() {
                if let Some(k) = bin_index(x, edges, uniform) {
                    sums[k] += weight(c * BIN_CHUNK + i);
                }
            }
            sums
        })
        .collect();
    let mut total = vec![0.0; bins];
    for p in partial {
        total.iter_mut().zip(p).for_each(|(t, x)| *t += x);
    }
    total
}

/// Counts of `data` in the bins between consecutive `edges` (see `bin_index`).
pub fn bin_counts(data: &[f64], edges: &[f64], uniform: bool) -> Vec<f64> {
    bin_sums(data, edges, uniform, |_| 1.0)
}

/// Sums of `weights` per bin of `data` (numpy's `histogram(…, weights=…)`; a NaN weight makes its
/// bin NaN, as in numpy).
pub fn bin_weighted(data: &[f64], weights: &[f64], edges: &[f64], uniform: bool) -> Vec<f64> {
    bin_sums(data, edges, uniform, |i| weights[i])
}

/// A statistic of `values` per bin of `x` (scipy's `binned_statistic`): "mean", "sum", "count",
/// "std" (population, ddof 0 as scipy), "median", "min", "max". Empty bins give NaN (0 for
/// count and sum). Also returns the counts.
pub fn binned_statistic(
    x: &[f64],
    values: &[f64],
    edges: &[f64],
    uniform: bool,
    statistic: &str,
) -> Result<(Vec<f64>, Vec<f64>), String> {
    if !["mean", "sum", "count", "std", "median", "min", "max"].contains(&statistic) {
        return Err(format!(
            "statistic must be one of mean, sum, count, std, median, min, max, got \"{statistic}\""
        ));
    }
    let bins = edges.len().saturating_sub(1);
    let mut members: Vec<Vec<f64>> = vec![Vec::new(); bins];
    for (&xi, &v) in x.iter().zip(values) {
        if let Some(k) = bin_index(xi, edges, uniform) {
            members[k].push(v);
        }
    }
    let counts: Vec<f64> = members.iter().map(|m| m.len() as f64).collect();
    let stat = |m: &mut Vec<f64>| -> f64 {
        let n = m.len() as f64;
        match statistic {
            "count" => n,
            "sum" => m.iter().sum(),
            _ if m.is_empty() => f64::NAN,
            "mean" => m.iter().sum::<f64>() / n,
            "std" => {
                let mu = m.iter().sum::<f64>() / n;
                (m.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / n).sqrt()
            }
            "min" => m.iter().copied().fold(f64::INFINITY, f64::min),
            "max" => m.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            _ => {
                // median
                m.sort_by(f64::total_cmp);
                let h = m.len() / 2;
                if m.len() % 2 == 1 {
                    m[h]
                } else {
                    0.5 * (m[h - 1] + m[h])
                }
            }
        }
    };
    Ok((members.iter_mut().map(stat).collect(), counts))
}

/// Counts per bin divided by (total · bin width): a probability density (∫ = 1 over the bins).
pub fn bin_density(counts: &[f64], edges: &[f64]) -> Vec<f64> {
    let total: f64 = counts.iter().sum();
    counts
        .iter()
        .enumerate()
        .map(|(k, c)| c / (total * (edges[k + 1] - edges[k])))
        .collect()
}

/// Histogram of the finite values into `bins` equal bins on [lo, hi] (both edges included in
/// the last bin, as numpy). Returns (counts, edges).
pub fn histogram(data: &[f64], bins: usize, lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let edges = bin_edges(lo, hi, bins, false);
    (bin_counts(data, &edges, true), edges)
}

/// `%g`-like formatting with 6 significant digits.
pub fn fmt_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let ax = x.abs();
    if (1e-4..1e6).contains(&ax) {
        let digits = (5 - ax.log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        let s = format!("{x:.5e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        format!("{m}e{e}")
    }
}

fn fmt_1d(v: &[f64], out: &mut String) {
    out.push('[');
    let n = v.len();
    let items: Vec<String> = if n > 12 {
        let mut s: Vec<String> = v[..4].iter().map(|&x| fmt_g(x)).collect();
        s.push("…".into());
        s.extend(v[n - 4..].iter().map(|&x| fmt_g(x)));
        s
    } else {
        v.iter().map(|&x| fmt_g(x)).collect()
    };
    out.push_str(&items.join(", "));
    out.push(']');
}

impl fmt::Display for NdArray {
    /// numpy-like: `[1, 2.5, 3]`, rows on their own lines, long axes elided with `…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        match self.ndim() {
            0 => out.push_str(&fmt_g(self.0.iter().next().copied().unwrap_or(f64::NAN))),
            1 => fmt_1d(&self.to_vec(), &mut out),
            2 => {
                let rows = self.shape()[0];
                out.push('[');
                let show: Vec<usize> = if rows > 12 {
                    (0..4).chain(rows - 4..rows).collect()
                } else {
                    (0..rows).collect()
                };
                for (k, &r) in show.iter().enumerate() {
                    if k > 0 {
                        out.push_str(",\n ");
                        if rows > 12 && k == 4 {
                            out.push_str("…,\n ");
                        }
                    }
                    let row: Vec<f64> = self.0.index_axis(Axis(0), r).iter().copied().collect();
                    fmt_1d(&row, &mut out);
                }
                out.push(']');
            }
            _ => {
                let v = self.to_vec();
                out.push_str(&format!("ndarray(shape={:?}, ", self.shape()));
                fmt_1d(&v, &mut out);
                out.push(')');
            }
        }
        write!(f, "{out}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bin_counts_by_arithmetic_agree_with_the_edge_search() {
        // values on and next to every edge of awkward bins (0.1 steps are not exact in binary)
        let edges = super::bin_edges(-0.3, 0.7, 10, false);
        let mut data: Vec<f64> = edges.clone();
        for &e in &edges {
            data.push(f64::from_bits(e.to_bits() + 1));
            data.push(f64::from_bits(e.to_bits().wrapping_sub(1)));
        }
        data.extend((0..1000).map(|i| -0.4 + 1.2 * i as f64 / 999.0));
        let fast = super::bin_counts(&data, &edges, true);
        let search = super::bin_counts(&data, &edges, false);
        assert_eq!(fast, search);
        // inside [lo, hi] every value is counted once, hi in the last bin
        let inside = data.iter().filter(|&&x| (-0.3..=0.7).contains(&x)).count();
        assert_eq!(fast.iter().sum::<f64>() as usize, inside);
        let log = super::bin_edges(1.0, 1000.0, 3, true);
        assert_eq!(
            super::bin_counts(&[1.0, 9.99, 10.0, 999.0, 1000.0], &log, false),
            vec![2.0, 1.0, 2.0]
        );
        let d = super::bin_density(&[1.0, 3.0], &[0.0, 1.0, 3.0]);
        assert!((d[0] * 1.0 + d[1] * 2.0 - 1.0).abs() < 1e-15);
    }

    #[test]
    fn sort_keys_order_as_nan_last_and_round_trip() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            5e-324,
            1.0,
            f64::INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        for a in xs {
            let back = super::from_sort_key(super::sort_key(a));
            assert!(back.to_bits() == a.to_bits() || (a.is_nan() && back.is_nan()));
            for b in xs {
                assert_eq!(
                    super::sort_key(a).cmp(&super::sort_key(b)),
                    super::nan_last(&a, &b),
                    "{a} vs {b}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn broadcasting_follows_numpy_rules() {
        assert_eq!(broadcast_shape(&[3, 1], &[4]).unwrap(), vec![3, 4]);
        assert!(broadcast_shape(&[3], &[4]).is_err());
        let a = NdArray::from_2d(2, 1, vec![1.0, 2.0]).unwrap();
        let b = NdArray::from_vec(vec![10.0, 20.0, 30.0]);
        let c = zip_with(&a, &b, |x, y| x + y).unwrap();
        assert_eq!(c.shape(), &[2, 3]);
        assert_eq!(c.to_vec(), vec![11.0, 21.0, 31.0, 12.0, 22.0, 32.0]);
    }

    #[test]
    fn matmul_matches_hand_computation() {
        let a = NdArray::from_2d(2, 2, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let x = NdArray::from_vec(vec![1.0, 1.0]);
        assert_eq!(matmul(&a, &x).unwrap().to_vec(), vec![3.0, 7.0]);
        assert_eq!(
            matmul(&a, &a).unwrap().to_vec(),
            vec![7.0, 10.0, 15.0, 22.0]
        );
        assert_eq!(matmul(&x, &x).unwrap().to_vec(), vec![2.0]);
        assert!(matmul(&a, &NdArray::from_vec(vec![1.0; 3])).is_err());
    }

    #[test]
    fn statistics_and_sorting() {
        let a = NdArray::from_vec(vec![3.0, 1.0, 2.0, 4.0]);
        assert_eq!(a.mean(), 2.5);
        assert!((a.std(0.0) - 1.118033988749895).abs() < 1e-15);
        assert!((a.std(1.0) - 1.2909944487358056).abs() < 1e-15);
        assert_eq!(a.argsort(), vec![1, 2, 0, 3]);
        assert_eq!(a.cumsum().to_vec(), vec![3.0, 4.0, 6.0, 10.0]);
        assert_eq!(a.argmax(), Some((3, 4.0)));
        let (c, e) = histogram(&[0.0, 0.5, 1.0, 1.0, 2.0], 2, 0.0, 2.0);
        assert_eq!(c, vec![2.0, 3.0]);
        assert_eq!(e, vec![0.0, 1.0, 2.0]);
    }

    #[test]
    fn reshape_and_format() {
        let a = NdArray::from_vec((0..6).map(|x| x as f64).collect());
        let b = a.reshape(&[2, -1]).unwrap();
        assert_eq!(b.shape(), &[2, 3]);
        assert!(a.reshape(&[4, 2]).is_err());
        assert_eq!(format!("{b}"), "[[0, 1, 2],\n [3, 4, 5]]");
        assert_eq!(fmt_g(0.1 + 0.2), "0.3");
        assert_eq!(fmt_g(1.5e-7), "1.5e-7");
    }
}
