//! rhai API of the Fourier transforms (`fft.rs`): numpy's names and conventions.

use super::complex::CArray;
use super::complex_script::carray_arg;
use super::fft::{fft_axis, fftfreq, fftshift, irfft_last, rfft_last, rfftfreq};
use super::NdArray;
use crate::args::{count, err, finite, reg, Opts, Res};
use crate::convert::arr_like;
use rhai::{Dynamic, Engine, Map};

/// The axis option (negative counts from the end, default the last).
fn axis_opt(o: &Opts, f: &str, shape: &[usize]) -> Res<usize> {
    let ax = match o.get("axis") {
        Some(v) => crate::args::int(v, f, "opts.axis")?,
        None => -1,
    };
    super::script::axis_index(shape, ax, f)
}

/// The two frequency-table arguments: a count and a non-zero finite spacing.
fn freq_args(n: &Dynamic, d: &Dynamic, f: &str) -> Res<(usize, f64)> {
    let n = count(n, f, "n", 1, 1 << 40)?;
    let d = finite(d, f, "d")?;
    if d == 0.0 {
        return err(format!("{f}: argument 'd' must be non-zero"));
    }
    Ok((n, d))
}

fn transform(v: Dynamic, m: Map, f: &str, inverse: bool) -> Res<CArray> {
    let o = Opts::new(m, f, &["axis"])?;
    let a = carray_arg(&v, f, "a")?;
    let ax = axis_opt(&o, f, a.shape())?;
    Ok(CArray::new(fft_axis(a.view(), ax, inverse)))
}

fn transform2(v: Dynamic, f: &str, inverse: bool) -> Res<CArray> {
    let a = carray_arg(&v, f, "a")?;
    let nd = a.shape().len();
    if nd < 2 {
        return err(format!(
            "{f}: argument 'a' must have at least 2 dimensions, got shape {:?}",
            a.shape()
        ));
    }
    let once = fft_axis(a.view(), nd - 1, inverse);
    Ok(CArray::new(fft_axis(&once, nd - 2, inverse)))
}

fn shifted(v: Dynamic, f: &str, inverse: bool) -> Res<Dynamic> {
    if let Some(c) = v.clone().try_cast::<CArray>() {
        return Ok(Dynamic::from(CArray::new(fftshift(c.view(), inverse))));
    }
    let a = arr_like(&v, f, "a")?;
    Ok(Dynamic::from(NdArray::new(fftshift(a.view(), inverse))))
}

/// Register the Fourier transforms.
pub fn register(engine: &mut Engine) {
    reg(engine, "fft", &["a: ndarray|cndarray", "opts: map", "cndarray"], "Discrete Fourier transform along one axis (numpy's fft: X_k = Σ_n x_n e^(−2πi kn/N), no normalisation), any length in O(N log N). opts axis (−1: the last).", |a: Dynamic, m: Map| transform(a, m, "fft", false));
    reg(
        engine,
        "ifft",
        &["a: ndarray|cndarray", "opts: map", "cndarray"],
        "Inverse of fft (with the 1/N). opts axis (−1).",
        |a: Dynamic, m: Map| transform(a, m, "ifft", true),
    );
    reg(engine, "rfft", &["a: ndarray", "cndarray"], "Transform of a real signal along the last axis: the N/2 + 1 non-negative frequencies (numpy's rfft).", |a: Dynamic| -> Res<CArray> {
        let a = arr_like(&a, "rfft", "a")?;
        if a.ndim() == 0 {
            return err("rfft: argument 'a' must have at least one dimension");
        }
        Ok(CArray::new(rfft_last(a.view())))
    });
    reg(engine, "irfft", &["a: cndarray", "n: int", "ndarray"], "Inverse of rfft along the last axis, to a real signal of length n (numpy's irfft; its default n is 2(m − 1)).", |a: Dynamic, n: Dynamic| -> Res<NdArray> {
        let a = carray_arg(&a, "irfft", "a")?;
        let n = count(&n, "irfft", "n", 1, i64::MAX)?;
        if a.shape().is_empty() {
            return err("irfft: argument 'a' must have at least one dimension");
        }
        crate::args::check_alloc("irfft", "the signal", (a.len() / a.shape()[a.shape().len() - 1].max(1) * n) as u128, 24)?;
        Ok(NdArray::new(irfft_last(a.view(), n)))
    });
    reg(engine, "fft2", &["a: ndarray|cndarray", "cndarray"], "Two-dimensional transform over the last two axes (numpy's fft2): a structure factor S(q) = |fft2(ρ)|²/N on a grid.", |a: Dynamic| transform2(a, "fft2", false));
    reg(
        engine,
        "ifft2",
        &["a: ndarray|cndarray", "cndarray"],
        "Inverse of fft2.",
        |a: Dynamic| transform2(a, "ifft2", true),
    );
    reg(engine, "fftfreq", &["n: int", "d: float", "ndarray"], "Frequencies of an n-point transform with sample spacing d: [0, 1, …, −1]/(d n) in fft's order (numpy's fftfreq).", |n: Dynamic, d: Dynamic| -> Res<NdArray> {
        let (n, d) = freq_args(&n, &d, "fftfreq")?;
        Ok(NdArray::from_vec(fftfreq(n, d)))
    });
    reg(
        engine,
        "rfftfreq",
        &["n: int", "d: float", "ndarray"],
        "Frequencies of rfft: [0, 1, …, n/2]/(d n).",
        |n: Dynamic, d: Dynamic| -> Res<NdArray> {
            let (n, d) = freq_args(&n, &d, "rfftfreq")?;
            Ok(NdArray::from_vec(rfftfreq(n, d)))
        },
    );
    reg(
        engine,
        "fftshift",
        &["a: ndarray|cndarray", "ndarray|cndarray"],
        "Zero frequency to the centre: every axis rolled by ⌊n/2⌋ (numpy's fftshift).",
        |a: Dynamic| shifted(a, "fftshift", false),
    );
    reg(
        engine,
        "ifftshift",
        &["a: ndarray|cndarray", "ndarray|cndarray"],
        "Inverse of fftshift.",
        |a: Dynamic| shifted(a, "ifftshift", true),
    );
}
