//! Discrete Fourier transforms of n-dimensional arrays along one axis, with numpy's conventions:
//! X_k = Σ_n x_n e^(−2πi kn/N) forward, 1/N on the inverse; `rfft` keeps the N/2 + 1
//! non-negative frequencies of a real signal, `irfft` inverts it to a given length. Plans come
//! from rustfft (mixed radix, Bluestein for large primes), so every length is O(N log N).

use ndarray::{ArrayD, Axis, IxDyn};
use num_complex::Complex64 as c64;
use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::FftPlanner;

/// Lanes per parallel task: enough that a task carries ~64k numbers. Each lane is transformed on
/// its own, so the result does not depend on how the lanes are split.
fn lanes_per_task(n: usize) -> usize {
    (65_536 / n.max(1)).max(1)
}

/// Lanes gathered into one buffer when the axis is not the last: 16 complex numbers are 256
/// bytes, so each row read and written is four whole cache lines.
const BLOCK: usize = 16;

/// The transform of every lane of `a` along `axis` (forward, or inverse with the 1/N). Lanes run
/// in parallel; along an inner axis they are gathered in blocks of `BLOCK` neighbouring lanes
/// (the array seen as outer × n × inner) so that no transpose of the whole array is needed.
pub fn fft_axis(a: &ArrayD<c64>, axis: usize, inverse: bool) -> ArrayD<c64> {
    let n = a.shape()[axis];
    if n == 0 || a.is_empty() {
        return a.clone();
    }
    let mut planner = FftPlanner::<f64>::new();
    let plan = if inverse {
        planner.plan_fft_inverse(n)
    } else {
        planner.plan_fft_forward(n)
    };
    let scale = if inverse { 1.0 / n as f64 } else { 1.0 };
    let inner: usize = a.shape()[axis + 1..].iter().product();
    let outer = a.len() / (n * inner);
    if inner == 1 {
        let mut data: Vec<c64> = a.iter().copied().collect();
        data.par_chunks_mut(n * lanes_per_task(n))
            .for_each(|lanes| {
                let mut scratch = vec![c64::new(0.0, 0.0); plan.get_inplace_scratch_len()];
                // a buffer of whole lanes is transformed lane by lane
                plan.process_with_scratch(lanes, &mut scratch);
                if inverse {
                    lanes.iter_mut().for_each(|z| *z *= scale);
                }
            });
        return ArrayD::from_shape_vec(a.shape(), data)
            .unwrap_or_else(|_| unreachable!("the buffer holds the product of the shape"));
    }
    let src = a
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((outer, n, inner))
        .unwrap_or_else(|_| unreachable!("outer · n · inner is the array's size"));
    let mut out = ndarray::Array3::<c64>::zeros((outer, n, inner));
    let blocks: Vec<_> = out
        .axis_chunks_iter_mut(Axis(2), BLOCK)
        .enumerate()
        .collect();
    blocks.into_par_iter().for_each(|(k, mut dst)| {
        let j0 = k * BLOCK;
        let w = dst.shape()[2];
        let mut buf = vec![c64::new(0.0, 0.0); w * n];
        let mut scratch = vec![c64::new(0.0, 0.0); plan.get_inplace_scratch_len()];
        for o in 0..outer {
            for i in 0..n {
                for b in 0..w {
                    buf[b * n + i] = src[[o, i, j0 + b]];
                }
            }
            plan.process_with_scratch(&mut buf, &mut scratch);
            for i in 0..n {
                for b in 0..w {
                    dst[[o, i, b]] = buf[b * n + i] * scale;
                }
            }
        }
    });
    out.into_shape_with_order(a.shape())
        .unwrap_or_else(|_| unreachable!("the same size"))
}

/// `rfft` along the last axis: the first N/2 + 1 coefficients of the real signal's transform,
/// computed as a half-length complex transform (realfft), lanes in parallel.
pub fn rfft_last(a: &ArrayD<f64>) -> ArrayD<c64> {
    let ax = a.ndim() - 1;
    let n = a.shape()[ax];
    let keep = n / 2 + 1;
    let mut shape = a.shape().to_vec();
    shape[ax] = if n == 0 { 0 } else { keep };
    if n == 0 || a.is_empty() {
        return ArrayD::zeros(IxDyn(&shape));
    }
    let plan = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let input: Vec<f64> = a.iter().copied().collect();
    let mut out = vec![c64::new(0.0, 0.0); input.len() / n * keep];
    let per = lanes_per_task(n);
    out.par_chunks_mut(keep * per)
        .zip(input.par_chunks(n * per))
        .for_each(|(dst, src)| {
            let mut buf = vec![0.0; n];
            let mut scratch = plan.make_scratch_vec();
            for (d, s) in dst.chunks_mut(keep).zip(src.chunks(n)) {
                buf.copy_from_slice(s);
                // lengths match the plan by construction
                let _ = plan.process_with_scratch(&mut buf, d, &mut scratch);
            }
        });
    ArrayD::from_shape_vec(IxDyn(&shape), out)
        .unwrap_or_else(|_| unreachable!("the buffer holds the product of the shape"))
}

/// `irfft` along the last axis to a real signal of length n (numpy's default n = 2(m − 1)): the
/// input is cut or zero-padded to the n/2 + 1 non-negative frequencies, the negative ones are
/// their conjugates, and the imaginary parts of the zero (and, for even n, the Nyquist)
/// coefficient are ignored, as numpy does.
pub fn irfft_last(a: &ArrayD<c64>, n: usize) -> ArrayD<f64> {
    let ax = a.ndim() - 1;
    let m = a.shape()[ax];
    let mut shape = a.shape().to_vec();
    shape[ax] = n;
    let lanes = a.len().checked_div(m).unwrap_or(0);
    if n == 0 || lanes == 0 {
        return ArrayD::zeros(IxDyn(&shape));
    }
    let half = n / 2 + 1;
    let plan = RealFftPlanner::<f64>::new().plan_fft_inverse(n);
    let input: Vec<c64> = a.iter().copied().collect();
    let mut out = vec![0.0; lanes * n];
    let per = lanes_per_task(n);
    let scale = 1.0 / n as f64;
    out.par_chunks_mut(n * per)
        .zip(input.par_chunks(m * per))
        .for_each(|(dst, src)| {
            let mut buf = vec![c64::new(0.0, 0.0); half];
            let mut scratch = plan.make_scratch_vec();
            for (d, s) in dst.chunks_mut(n).zip(src.chunks(m)) {
                buf.fill(c64::new(0.0, 0.0));
                let k = m.min(half);
                buf[..k].copy_from_slice(&s[..k]);
                buf[0].im = 0.0;
                if n.is_multiple_of(2) {
                    buf[half - 1].im = 0.0;
                }
                let _ = plan.process_with_scratch(&mut buf, d, &mut scratch);
                d.iter_mut().for_each(|x| *x *= scale);
            }
        });
    ArrayD::from_shape_vec(IxDyn(&shape), out)
        .unwrap_or_else(|_| unreachable!("the buffer holds the product of the shape"))
}

/// Sample frequencies of an n-point transform with spacing d: [0, 1, …, ⌈n/2⌉−1, −⌊n/2⌋, …, −1]/(d n).
pub fn fftfreq(n: usize, d: f64) -> Vec<f64> {
    let nf = n as f64 * d;
    (0..n)
        .map(|k| {
            let k = k as i64;
            let kk = if k < (n as i64 + 1) / 2 {
                k
            } else {
                k - n as i64
            };
            kk as f64 / nf
        })
        .collect()
}

/// Frequencies of `rfft`: [0, 1, …, n/2]/(d n).
pub fn rfftfreq(n: usize, d: f64) -> Vec<f64> {
    (0..=n / 2).map(|k| k as f64 / (n as f64 * d)).collect()
}

/// Roll every axis by ⌊len/2⌋ (numpy's `fftshift`; `inverse` rolls back: `ifftshift`).
pub fn fftshift<T: Clone>(a: &ArrayD<T>, inverse: bool) -> ArrayD<T> {
    let mut out = a.clone();
    for ax in 0..a.ndim() {
        let n = a.shape()[ax];
        if n < 2 {
            continue;
        }
        let shift = if inverse { n - n / 2 } else { n / 2 };
        let src = out.clone();
        for i in 0..n {
            let j = (i + shift) % n;
            out.index_axis_mut(Axis(ax), j)
                .assign(&src.index_axis(Axis(ax), i));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dft(x: &[c64], inverse: bool) -> Vec<c64> {
        let n = x.len();
        let s = if inverse { 1.0 } else { -1.0 };
        (0..n)
            .map(|k| {
                let sum: c64 = (0..n)
                    .map(|j| {
                        x[j] * c64::from_polar(
                            1.0,
                            s * 2.0 * std::f64::consts::PI * (k * j) as f64 / n as f64,
                        )
                    })
                    .sum();
                if inverse {
                    sum / n as f64
                } else {
                    sum
                }
            })
            .collect()
    }

    #[test]
    fn every_length_matches_the_direct_sum() {
        for n in [1usize, 2, 7, 12, 97, 128, 243] {
            let x: Vec<c64> = (0..n)
                .map(|j| c64::new((j as f64 * 0.37).sin(), (j as f64 * 1.3).cos()))
                .collect();
            let a = ArrayD::from_shape_vec(IxDyn(&[n]), x.clone()).unwrap();
            for inv in [false, true] {
                let got = fft_axis(&a, 0, inv);
                let want = dft(&x, inv);
                for k in 0..n {
                    assert!(
                        (got[[k]] - want[k]).norm() < 1e-10 * n as f64,
                        "n {n} k {k}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_axis_matches_the_direct_sum_of_its_lanes() {
        // inner sizes below, at and above the gather block
        let shape = [3usize, 5, 37];
        let data: Vec<c64> = (0..shape.iter().product::<usize>())
            .map(|j| c64::new((j as f64 * 0.71).sin(), (j as f64 * 0.13).cos()))
            .collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap();
        for axis in 0..3 {
            for inv in [false, true] {
                let got = fft_axis(&a, axis, inv);
                for (lane, glane) in a.lanes(Axis(axis)).into_iter().zip(got.lanes(Axis(axis))) {
                    let want = dft(&lane.to_vec(), inv);
                    for (g, w) in glane.iter().zip(&want) {
                        assert!((g - w).norm() < 1e-10, "axis {axis}");
                    }
                }
            }
        }
    }

    #[test]
    fn rfft_round_trips_for_odd_and_even_lengths() {
        for n in [8usize, 9] {
            let x: Vec<f64> = (0..n).map(|j| (j as f64).powi(2) - 3.0).collect();
            let a =
                ArrayD::from_shape_vec(IxDyn(&[2, n]), [x.clone(), x.clone()].concat()).unwrap();
            let r = rfft_last(&a);
            assert_eq!(r.shape(), &[2, n / 2 + 1]);
            let back = irfft_last(&r, n);
            for j in 0..n {
                assert!((back[[1, j]] - x[j]).abs() < 1e-12);
            }
        }
        assert_eq!(fftfreq(5, 0.1), vec![0.0, 2.0, 4.0, -4.0, -2.0]);
        assert_eq!(rfftfreq(4, 1.0), vec![0.0, 0.25, 0.5]);
        let a = ArrayD::from_shape_vec(IxDyn(&[5]), vec![0, 1, 2, 3, 4]).unwrap();
        assert_eq!(
            fftshift(&a, false).into_raw_vec_and_offset().0,
            vec![3, 4, 0, 1, 2]
        );
        assert_eq!(
            fftshift(&fftshift(&a, false), true)
                .into_raw_vec_and_offset()
                .0,
            vec![0, 1, 2, 3, 4]
        );
    }
}
