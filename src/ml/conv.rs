//! 2D convolution as im2col + one matrix product, with its own backward (col2im); max pooling
//! and ReLU as one-pass CPU ops with their own backward passes; the dense layer as one node whose
//! backward skips the gradients nothing needs.
//!
//! candle 0.11's CPU conv2d computes the input gradient with a slow direct loop (PROBES: it is
//! most of a training step). Here the input is unfolded into columns and the convolution is one
//! matrix product W[F, C·k·k] × cols[C·k·k, B·Ho·Wo] for the whole batch, so the weight gradient
//! is a single GEMM rather than a per-sample broadcast. The unfold, the product, the bias, the
//! layout permutation and an optional ReLU form one node of candle's graph with a hand-written
//! backward: candle's backward allocates a zeroed gradient and runs an accumulation pass for
//! every node, which for the separate ops cost more than the products themselves. Other devices
//! fall back to candle's conv2d.

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::*;

#[derive(Clone, Copy, Debug)]
struct Geometry {
    c: usize,
    h: usize,
    w: usize,
    k: usize,
    pad: usize,
    stride: usize,
    ho: usize,
    wo: usize,
}

impl Geometry {
    fn rows(&self) -> usize {
        self.c * self.k * self.k
    }
    fn cols(&self) -> usize {
        self.ho * self.wo
    }
    /// The output columns ox whose tap kj lands inside the input row, [lo, hi): input column
    /// ix = ox·stride + kj − pad lies in [0, w).
    #[inline]
    fn span(&self, kj: usize) -> (usize, usize) {
        let g = self;
        let lo = (g.pad.saturating_sub(kj)).div_ceil(g.stride).min(g.wo);
        let hi = (g.w + g.pad)
            .saturating_sub(kj)
            .div_ceil(g.stride)
            .min(g.wo);
        (lo, hi.max(lo))
    }
    /// For one unfolded row (row = (c·k + ki)·k + kj) and each output row oy: f(oy, input
    /// offset of output column 0's tap within the sample, or None where the tap row iy lies in
    /// the padding). The tap of output column ox sits at offset + ox·stride, valid for ox in
    /// `span(kj)`.
    #[inline]
    fn row_segments(&self, row: usize, mut f: impl FnMut(usize, Option<isize>)) {
        let g = self;
        let (c, ki, kj) = (row / (g.k * g.k), row / g.k % g.k, row % g.k);
        for oy in 0..g.ho {
            let iy = (oy * g.stride + ki) as isize - g.pad as isize;
            if iy < 0 || iy >= g.h as isize {
                f(oy, None);
            } else {
                let base = ((c * g.h) as isize + iy) * g.w as isize;
                f(oy, Some(base + kj as isize - g.pad as isize));
            }
        }
    }
}

fn f32_slice<'a>(s: &'a CpuStorage, l: &Layout, op: &str) -> candle_core::Result<&'a [f32]> {
    let v = match s {
        CpuStorage::F32(v) => v,
        _ => candle_core::bail!("{op}: expected f32 data"),
    };
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&v[a..b]),
        None => candle_core::bail!("{op}: expected a contiguous tensor"),
    }
}

/// An f32 buffer of length n left uninitialised, for outputs every element of which is written
/// (`assume_init` afterwards): a zeroed `vec!` would cost a memset pass over buffers this size.
fn uninit_f32(n: usize) -> Vec<std::mem::MaybeUninit<f32>> {
    let mut v = Vec::with_capacity(n);
    // SAFETY: MaybeUninit needs no initialisation; the capacity is n
    unsafe { v.set_len(n) };
    v
}

/// The buffer from `uninit_f32` once every element has been written.
fn assume_init(v: Vec<std::mem::MaybeUninit<f32>>) -> Vec<f32> {
    let mut v = std::mem::ManuallyDrop::new(v);
    // SAFETY: the caller wrote every element; MaybeUninit<f32> has f32's layout, and the
    // allocation (pointer, length, capacity) is handed over unchanged
    unsafe { Vec::from_raw_parts(v.as_mut_ptr().cast::<f32>(), v.len(), v.capacity()) }
}

/// im2col: x [B, C, H, W] → cols [C·k·k, B·Ho·Wo], zeros where a tap falls in the padding.
fn unfold(g: Geometry, b: usize, x: &[f32]) -> Vec<f32> {
    let per_in = g.c * g.h * g.w;
    let width = b * g.cols();
    // every element is written (zeros in the padding): no zero fill first
    let mut out = uninit_f32(g.rows() * width);
    // each row holds one tap (c, ki, kj) for every sample: rows fill in parallel, in place
    out.par_chunks_mut(width).enumerate().for_each(|(r, row)| {
        let (lo, hi) = g.span(r % g.k);
        for (bi, xi) in x.chunks_exact(per_in).enumerate() {
            let dst = &mut row[bi * g.cols()..(bi + 1) * g.cols()];
            g.row_segments(r, |oy, start| {
                let d = &mut dst[oy * g.wo..(oy + 1) * g.wo];
                let Some(start) = start else {
                    d.iter_mut().for_each(|v| {
                        v.write(0.0);
                    });
                    return;
                };
                let (head, rest) = d.split_at_mut(lo);
                head.iter_mut().chain(&mut rest[hi - lo..]).for_each(|v| {
                    v.write(0.0);
                });
                let s0 = (start + (lo * g.stride) as isize) as usize;
                if g.stride == 1 {
                    for (v, &xv) in d[lo..hi].iter_mut().zip(&xi[s0..s0 + hi - lo]) {
                        v.write(xv);
                    }
                } else {
                    for (j, v) in d[lo..hi].iter_mut().enumerate() {
                        v.write(xi[s0 + j * g.stride]);
                    }
                }
            });
        }
    });
    assume_init(out)
}

/// col2im, the adjoint of `unfold`: cols [C·k·k, B·Ho·Wo] → x [B, C, H, W], summing the taps
/// that share an input pixel.
fn fold(g: Geometry, b: usize, cols: &[f32]) -> Vec<f32> {
    let per_out = g.c * g.h * g.w;
    let width = b * g.cols();
    let mut out = vec![0f32; b * per_out];
    out.par_chunks_mut(per_out).enumerate().for_each(|(bi, o)| {
        let off = bi * g.cols();
        for r in 0..g.rows() {
            let (lo, hi) = g.span(r % g.k);
            let src = &cols[r * width + off..r * width + off + g.cols()];
            g.row_segments(r, |oy, start| {
                let Some(start) = start else { return };
                let s0 = (start + (lo * g.stride) as isize) as usize;
                let sr = &src[oy * g.wo + lo..oy * g.wo + hi];
                if g.stride == 1 {
                    for (d, &v) in o[s0..s0 + hi - lo].iter_mut().zip(sr) {
                        *d += v;
                    }
                } else {
                    for (j, &v) in sr.iter().enumerate() {
                        o[s0 + j * g.stride] += v;
                    }
                }
            });
        }
    });
    out
}

/// Output length of a convolution along one axis: ⌊(n + 2·pad − k)/stride⌋ + 1, or None when
/// the kernel does not fit (or the stride is 0).
pub fn out_len(n: usize, k: usize, pad: usize, stride: usize) -> Option<usize> {
    (n + 2 * pad)
        .checked_sub(k)
        .and_then(|d| d.checked_div(stride))
        .map(|q| q + 1)
}

/// y = conv2d(x, w) + bias with zero padding `pad` and `stride`: x [B, C, H, W], w [F, C, k, k],
/// bias [F] → [B, F, Ho, Wo]. Gradients flow to x, w and the bias.
pub fn conv2d(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    pad: usize,
    stride: usize,
) -> candle_core::Result<Tensor> {
    conv2d_then(x, w, bias, pad, stride, false, 1)
}

/// maxpool(relu?(conv2d(x, w) + bias), pool): the conv → (ReLU →) (k×k max-pool) block as one
/// graph node on the CPU; pool = 1 is no pooling. The output is [B, F, Ho/pool, Wo/pool] (Ho, Wo
/// multiples of pool); the unpooled activations are never stored, only each window's argmax.
pub fn conv2d_pool(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    (pad, stride): (usize, usize),
    relu: bool,
    pool: usize,
) -> candle_core::Result<Tensor> {
    conv2d_then(x, w, bias, pad, stride, relu, pool)
}

fn conv2d_then(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    pad: usize,
    stride: usize,
    relu: bool,
    pool: usize,
) -> candle_core::Result<Tensor> {
    let (f, c2, k, k2) = w.dims4()?;
    let zero;
    let bias = match bias {
        Some(b) => b,
        None => {
            zero = Tensor::zeros(f, w.dtype(), w.device())?;
            &zero
        }
    };
    if !x.device().is_cpu() {
        let y = x
            .conv2d(w, pad, stride, 1, 1)?
            .broadcast_add(&bias.reshape((1, (), 1, 1))?)?;
        let y = if relu { y.relu()? } else { y };
        return if pool > 1 { max_pool(&y, pool) } else { Ok(y) };
    }
    let (b, c, h, wd) = x.dims4()?;
    if c != c2 || k != k2 || h + 2 * pad < k || wd + 2 * pad < k || stride == 0 {
        candle_core::bail!(
            "conv2d: input {:?} and kernel {:?} do not fit",
            x.dims(),
            w.dims()
        );
    }
    if bias.dims() != [f] {
        candle_core::bail!("conv2d: bias {:?} for {f} filters", bias.dims());
    }
    let g = Geometry {
        c,
        h,
        w: wd,
        k,
        pad,
        stride,
        ho: out_len(h, k, pad, stride).unwrap_or(0),
        wo: out_len(wd, k, pad, stride).unwrap_or(0),
    };
    if pool == 0
        || !g.ho.is_multiple_of(pool)
        || !g.wo.is_multiple_of(pool)
        || pool * pool > NO_GRAD as usize
    {
        candle_core::bail!("conv2d: a {}×{} output does not pool by {pool}", g.ho, g.wo);
    }
    let op = Conv {
        g,
        b,
        relu,
        pool,
        argmax: std::sync::Mutex::new(None),
    };
    x.contiguous()?
        .apply_op3(&w.contiguous()?, &bias.contiguous()?, op)
}

/// C [m, n] (row-major, freshly allocated) = A B, with A and B given by their row and column
/// strides; parallel over output blocks on rayon's pool (each k-sum stays in one thread, so the
/// result does not depend on the thread count).
#[allow(clippy::too_many_arguments)]
fn matmul(
    m: usize,
    n: usize,
    k: usize,
    a: &[f32],
    a_rs: usize,
    a_cs: usize,
    b: &[f32],
    b_rs: usize,
    b_cs: usize,
) -> Vec<f32> {
    let mut c = uninit_f32(m * n);
    if k == 0 {
        c.iter_mut().for_each(|v| {
            v.write(0.0);
        });
        return assume_init(c);
    }
    let par = if m * n * k >= 1 << 15 && rayon::current_num_threads() > 1 {
        gemm::Parallelism::Rayon(rayon::current_num_threads())
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: a and b hold every element the strides address (callers pass dense matrices of
    // these shapes); c has m·n elements, and with read_dst = false gemm writes every one of them
    // without reading
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr().cast::<f32>(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            par,
        );
    }
    assume_init(c)
}

/// y = conv2d(x, w) + bias, then ReLU if `relu`, as one node of the autograd graph: x [B, C, H, W],
/// w [F, C, k, k], bias [F] → y [B, F, Ho, Wo]. Forward: im2col, one matrix product
/// W[F, C·k·k] × cols[C·k·k, B·Ho·Wo] for the whole batch, then the bias (and ReLU) in the pass
/// that permutes [F, B·P] into [B, F, P]. The backward pass recomputes the columns rather than
/// keeping them: as separate graph nodes, the columns, the product and the permutation each cost
/// a zeroed gradient buffer and an accumulation pass in candle's backward (most of a small CNN's
/// step when they were separate). With `pool` > 1 the pass also max-pools, recording each
/// window's argmax (`NO_GRAD` where a ReLU zeroed the window) for the backward pass.
struct Conv {
    g: Geometry,
    b: usize,
    relu: bool,
    pool: usize,
    argmax: std::sync::Mutex<Option<std::sync::Arc<Vec<u8>>>>,
}
/// The argmax mark of a pooled window whose maximum a ReLU cut to zero: no gradient flows.
const NO_GRAD: u8 = u8::MAX;
/// dy [B, F, Ho/k, Wo/k] → dY [F, B·P]: each window's gradient to its argmax, zeros elsewhere.
struct PoolGradOut {
    g: Geometry,
    k: usize,
    argmax: std::sync::Arc<Vec<u8>>,
}
/// (y, dy) → dY [F, B·P]: the permutation's adjoint, masked by y > 0 after a ReLU.
struct ConvGradOut {
    relu: bool,
}
/// dY [F, N] → [F], the row sums: the bias gradient.
struct RowSum;
/// (x, dY) → dW = dY colsᵀ [F, C, k, k].
struct ConvGradW(Geometry, usize);
/// (w, dY) → dx = col2im(Wᵀ dY) [B, C, H, W].
struct ConvGradX(Geometry, usize);

impl candle_core::CustomOp3 for Conv {
    fn name(&self) -> &'static str {
        "conv2d"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (g, b) = (self.g, self.b);
        let x = f32_slice(s1, l1, "conv2d")?;
        let w = f32_slice(s2, l2, "conv2d")?;
        let bias = f32_slice(s3, l3, "conv2d")?;
        let (f, p, r) = (bias.len(), g.cols(), g.rows());
        let width = b * p;
        let cols = unfold(g, b, x);
        let out = matmul(f, width, r, w, r, 1, &cols, width, 1);
        drop(cols);
        let relu = self.relu;
        if self.pool > 1 {
            let (k, wo) = (self.pool, g.wo);
            let pp = p / (k * k);
            let mut y = uninit_f32(b * f * pp);
            let mut arg = vec![0u8; b * f * pp];
            y.par_chunks_mut(f * pp)
                .zip(arg.par_chunks_mut(f * pp))
                .enumerate()
                .for_each(|(bi, (yb, ab))| {
                    for (fi, (yf, af)) in yb
                        .chunks_exact_mut(pp)
                        .zip(ab.chunks_exact_mut(pp))
                        .enumerate()
                    {
                        let src = &out[fi * width + bi * p..fi * width + (bi + 1) * p];
                        let bf = bias[fi];
                        let pw = wo / k;
                        let rows = yf.chunks_exact_mut(pw).zip(af.chunks_exact_mut(pw));
                        for (band, (yrow, arow)) in src.chunks_exact(k * wo).zip(rows) {
                            if k == 2 {
                                // the common 2×2 window, unrolled; first maximum in reading order
                                let (r0, r1) = band.split_at(wo);
                                let pairs = r0.chunks_exact(2).zip(r1.chunks_exact(2));
                                for ((q0, q1), (yv, av)) in
                                    pairs.zip(yrow.iter_mut().zip(arow.iter_mut()))
                                {
                                    let (mut best, mut at) = (q0[0], 0u8);
                                    for (v, i) in [(q0[1], 1u8), (q1[0], 2), (q1[1], 3)] {
                                        let better = v > best;
                                        best = if better { v } else { best };
                                        at = if better { i } else { at };
                                    }
                                    best += bf;
                                    let cut = relu && best <= 0.0;
                                    yv.write(if cut { 0.0 } else { best });
                                    *av = if cut { NO_GRAD } else { at };
                                }
                                continue;
                            }
                            for (px, (yv, av)) in yrow.iter_mut().zip(arow.iter_mut()).enumerate() {
                                // the first maximum of the window, without branches
                                let (mut best, mut at) = (f32::NEG_INFINITY, 0u8);
                                for a in 0..k {
                                    let row = &band[a * wo + px * k..a * wo + px * k + k];
                                    for (c, &v) in row.iter().enumerate() {
                                        let better = v > best;
                                        best = if better { v } else { best };
                                        at = if better { (a * k + c) as u8 } else { at };
                                    }
                                }
                                best += bf;
                                let cut = relu && best <= 0.0;
                                yv.write(if cut { 0.0 } else { best });
                                *av = if cut { NO_GRAD } else { at };
                            }
                        }
                    }
                });
            if let Ok(mut slot) = self.argmax.lock() {
                *slot = Some(std::sync::Arc::new(arg));
            }
            return Ok((
                CpuStorage::F32(assume_init(y)),
                Shape::from((b, f, g.ho / k, g.wo / k)),
            ));
        }
        let mut y = uninit_f32(out.len());
        y.par_chunks_mut(f * p).enumerate().for_each(|(bi, yb)| {
            for (fi, yf) in yb.chunks_exact_mut(p).enumerate() {
                let src = &out[fi * width + bi * p..fi * width + (bi + 1) * p];
                let bf = bias[fi];
                if relu {
                    for (d, s) in yf.iter_mut().zip(src) {
                        d.write((s + bf).max(0.0));
                    }
                } else {
                    for (d, s) in yf.iter_mut().zip(src) {
                        d.write(s + bf);
                    }
                }
            }
        });
        Ok((
            CpuStorage::F32(assume_init(y)),
            Shape::from((b, f, g.ho, g.wo)),
        ))
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        bias: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (g, b) = (self.g, self.b);
        let dymat = if self.pool > 1 {
            let argmax = match self.argmax.lock().ok().and_then(|a| a.clone()) {
                Some(a) => a,
                None => candle_core::bail!("conv2d: backward before forward"),
            };
            dy.contiguous()?.apply_op1_no_bwd(&PoolGradOut {
                g,
                k: self.pool,
                argmax,
            })?
        } else {
            y.apply_op2_no_bwd(&dy.contiguous()?, &ConvGradOut { relu: self.relu })?
        };
        // each gradient only when something needs it: not the data's, not a frozen network's
        // weights (detached, so they track nothing)
        let db = bias
            .track_op()
            .then(|| dymat.apply_op1_no_bwd(&RowSum))
            .transpose()?;
        let dw = w
            .track_op()
            .then(|| x.contiguous()?.apply_op2_no_bwd(&dymat, &ConvGradW(g, b)))
            .transpose()?;
        let dx = x
            .track_op()
            .then(|| w.contiguous()?.apply_op2_no_bwd(&dymat, &ConvGradX(g, b)))
            .transpose()?;
        Ok((dx, dw, db))
    }
}

impl candle_core::CustomOp2 for ConvGradOut {
    fn name(&self) -> &'static str {
        "conv2d-grad-out"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let y = f32_slice(s1, l1, "conv2d-grad-out")?;
        let dy = f32_slice(s2, l2, "conv2d-grad-out")?;
        let (b, f, h, w) = l1.shape().dims4()?;
        let p = h * w;
        let relu = self.relu;
        let mut d = uninit_f32(dy.len());
        d.par_chunks_mut(b * p).enumerate().for_each(|(fi, row)| {
            for (bi, dst) in row.chunks_exact_mut(p).enumerate() {
                let at = (bi * f + fi) * p;
                let (ys, gs) = (&y[at..at + p], &dy[at..at + p]);
                for ((d, &yv), &gv) in dst.iter_mut().zip(ys).zip(gs) {
                    d.write(if !relu || yv > 0.0 { gv } else { 0.0 });
                }
            }
        });
        Ok((CpuStorage::F32(assume_init(d)), Shape::from((f, b * p))))
    }
}

impl CustomOp1 for PoolGradOut {
    fn name(&self) -> &'static str {
        "conv2d-pool-grad-out"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let dy = f32_slice(s, l, "conv2d-pool-grad-out")?;
        let (b, f, _, _) = l.shape().dims4()?;
        let (g, k) = (self.g, self.k);
        let (p, wo) = (g.cols(), g.wo);
        let pp = p / (k * k);
        if dy.len() != b * f * pp || self.argmax.len() != dy.len() {
            candle_core::bail!(
                "conv2d-pool-grad-out: gradient {:?} does not match",
                l.shape()
            );
        }
        // every element is written once (the windows tile the plane): no zero fill
        let mut d = uninit_f32(f * b * p);
        d.par_chunks_mut(b * p).enumerate().for_each(|(fi, row)| {
            for (bi, dst) in row.chunks_exact_mut(p).enumerate() {
                let at = (bi * f + fi) * pp;
                let (gs, args) = (&dy[at..at + pp], &self.argmax[at..at + pp]);
                let pw = wo / k;
                let rows = gs.chunks_exact(pw).zip(args.chunks_exact(pw));
                for (band, (grow, arow)) in dst.chunks_exact_mut(k * wo).zip(rows) {
                    if k == 2 {
                        // the common 2×2 window, unrolled
                        let (l0, l1) = band.split_at_mut(wo);
                        let pairs = l0.chunks_exact_mut(2).zip(l1.chunks_exact_mut(2));
                        for (((c0, c1), &gv), &av) in pairs.zip(grow).zip(arow) {
                            c0[0].write(if av == 0 { gv } else { 0.0 });
                            c0[1].write(if av == 1 { gv } else { 0.0 });
                            c1[0].write(if av == 2 { gv } else { 0.0 });
                            c1[1].write(if av == 3 { gv } else { 0.0 });
                        }
                        continue;
                    }
                    for (a, line) in band.chunks_exact_mut(wo).enumerate() {
                        for ((cells, &gv), &av) in line.chunks_exact_mut(k).zip(grow).zip(arow) {
                            for (c, cell) in cells.iter_mut().enumerate() {
                                cell.write(if (a * k + c) as u8 == av { gv } else { 0.0 });
                            }
                        }
                    }
                }
            }
        });
        Ok((CpuStorage::F32(assume_init(d)), Shape::from((f, b * p))))
    }
}

impl CustomOp1 for RowSum {
    fn name(&self) -> &'static str {
        "row-sum"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let d = f32_slice(s, l, "row-sum")?;
        let (f, n) = l.shape().dims2()?;
        let sums: Vec<f32> = (0..f)
            .into_par_iter()
            .map(|i| d[i * n..(i + 1) * n].iter().sum())
            .collect();
        Ok((CpuStorage::F32(sums), Shape::from(f)))
    }
}

impl candle_core::CustomOp2 for ConvGradW {
    fn name(&self) -> &'static str {
        "conv2d-grad-w"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (g, b) = (self.0, self.1);
        let x = f32_slice(s1, l1, "conv2d-grad-w")?;
        let dymat = f32_slice(s2, l2, "conv2d-grad-w")?;
        let (f, width) = l2.shape().dims2()?;
        let cols = unfold(g, b, x);
        // dW[F, R] = dY[F, N] colsᵀ[N, R]
        let dw = matmul(f, g.rows(), width, dymat, width, 1, &cols, 1, width);
        Ok((CpuStorage::F32(dw), Shape::from((f, g.c, g.k, g.k))))
    }
}

impl candle_core::CustomOp2 for ConvGradX {
    fn name(&self) -> &'static str {
        "conv2d-grad-x"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (g, b) = (self.0, self.1);
        let w = f32_slice(s1, l1, "conv2d-grad-x")?;
        let dymat = f32_slice(s2, l2, "conv2d-grad-x")?;
        let (f, width) = l2.shape().dims2()?;
        let r = g.rows();
        // dcols[R, N] = Wᵀ[R, F] dY[F, N], folded back onto the input
        let dcols = matmul(r, width, f, w, 1, r, dymat, width, 1);
        let dx = fold(g, b, &dcols);
        Ok((CpuStorage::F32(dx), Shape::from((b, g.c, g.h, g.w))))
    }
}

/// k×k max pooling with stride k, x [B, C, H, W] (H, W multiples of k) → [B, C, H/k, W/k], in one
/// pass; its backward routes each output gradient to the first maximum of its window (candle's
/// reshape + max needs two reductions forward and mask arithmetic backward).
struct MaxPool(usize);
/// (x, dy) → dx for `MaxPool`.
struct MaxPoolBack(usize);

fn pool_dims(l: &Layout, k: usize, op: &str) -> candle_core::Result<(usize, usize, usize)> {
    let (b, c, h, w) = l.shape().dims4()?;
    if k == 0 || h % k != 0 || w % k != 0 {
        candle_core::bail!("{op}: {h}×{w} is not a multiple of {k}");
    }
    Ok((b * c, h, w))
}

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "maxpool"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let k = self.0;
        let x = f32_slice(s, l, "maxpool")?;
        let (planes, h, w) = pool_dims(l, k, "maxpool")?;
        let (ho, wo) = (h / k, w / k);
        let mut out = vec![0f32; planes * ho * wo];
        out.par_chunks_mut(ho * wo)
            .zip(x.par_chunks(h * w))
            .for_each(|(o, xp)| {
                for oy in 0..ho {
                    for ox in 0..wo {
                        let mut m = f32::NEG_INFINITY;
                        for a in 0..k {
                            let row = &xp[(oy * k + a) * w + ox * k..(oy * k + a) * w + ox * k + k];
                            for &v in row {
                                m = m.max(v);
                            }
                        }
                        o[oy * wo + ox] = m;
                    }
                }
            });
        let (b, c, _, _) = l.shape().dims4()?;
        Ok((CpuStorage::F32(out), Shape::from((b, c, ho, wo))))
    }
    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(arg.contiguous()?.apply_op2_no_bwd(
            &grad.contiguous()?,
            &MaxPoolBack(self.0),
        )?))
    }
}

impl candle_core::CustomOp2 for MaxPoolBack {
    fn name(&self) -> &'static str {
        "maxpool-backward"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let k = self.0;
        let x = f32_slice(s1, l1, "maxpool-backward")?;
        let dy = f32_slice(s2, l2, "maxpool-backward")?;
        let (planes, h, w) = pool_dims(l1, k, "maxpool-backward")?;
        let (ho, wo) = (h / k, w / k);
        // every element of dx is written exactly once (each lies in one window): no zero fill
        let mut dx = uninit_f32(planes * h * w);
        dx.par_chunks_mut(h * w)
            .zip(x.par_chunks(h * w))
            .zip(dy.par_chunks(ho * wo))
            .for_each(|((dxp, xp), dyp)| {
                for oy in 0..ho {
                    for ox in 0..wo {
                        // the first maximum of the window, found without branches
                        let first = (oy * k) * w + ox * k;
                        let (mut best, mut at) = (xp[first], first);
                        for a in 0..k {
                            let row = (oy * k + a) * w + ox * k;
                            for (bb, &v) in xp[row..row + k].iter().enumerate() {
                                let better = v > best;
                                best = if better { v } else { best };
                                at = if better { row + bb } else { at };
                            }
                        }
                        let g = dyp[oy * wo + ox];
                        for a in 0..k {
                            let row = (oy * k + a) * w + ox * k;
                            for (bb, d) in dxp[row..row + k].iter_mut().enumerate() {
                                d.write(if row + bb == at { g } else { 0.0 });
                            }
                        }
                    }
                }
            });
        let dx = assume_init(dx);
        Ok((CpuStorage::F32(dx), l1.shape().clone()))
    }
}

/// k×k max pooling, stride k (CPU: one-pass op with its own backward; other devices: candle).
pub fn max_pool(x: &Tensor, k: usize) -> candle_core::Result<Tensor> {
    if !x.device().is_cpu() {
        let (n, c, h, w) = x.dims4()?;
        return x.reshape((n, c, h / k, k, w / k, k))?.max(5)?.max(3);
    }
    x.contiguous()?.apply_op1(MaxPool(k))
}

/// max(x, 0) in one pass; backward passes dy where the output is positive (candle's ReLU
/// backward builds the mask with a comparison, a dtype cast and a product: three passes).
struct Relu;
/// (y, dy) → dy·[y > 0] for `Relu`.
struct ReluBack;

impl CustomOp1 for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = f32_slice(s, l, "relu")?;
        let y: Vec<f32> = x.iter().map(|&v| v.max(0.0)).collect();
        Ok((CpuStorage::F32(y), l.shape().clone()))
    }
    fn bwd(
        &self,
        _arg: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(res.apply_op2_no_bwd(&grad.contiguous()?, &ReluBack)?))
    }
}

impl candle_core::CustomOp2 for ReluBack {
    fn name(&self) -> &'static str {
        "relu-backward"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let y = f32_slice(s1, l1, "relu-backward")?;
        let dy = f32_slice(s2, l2, "relu-backward")?;
        let dx: Vec<f32> = y
            .iter()
            .zip(dy)
            .map(|(&v, &g)| if v > 0.0 { g } else { 0.0 })
            .collect();
        Ok((CpuStorage::F32(dx), l1.shape().clone()))
    }
}

/// max(x, 0) (CPU f32: one-pass op with its own backward; otherwise candle's).
pub fn relu(x: &Tensor) -> candle_core::Result<Tensor> {
    if !x.device().is_cpu() || x.dtype() != candle_core::DType::F32 {
        return x.relu();
    }
    x.contiguous()?.apply_op1(Relu)
}

/// y = x w + b, a dense layer, as one graph node: x [B, I], w [I, O], b [O] → [B, O]. Its
/// backward forms only the gradients that something upstream needs: dx when x tracks one, dw and
/// db when the weights do. candle's matmul backward always forms both products, so a frozen
/// network's dense weights (seed 000's D2L inside L2D2L: a 4096 × 2048 matrix) cost a
/// weight-sized product, a zeroed buffer and an accumulation pass per step for a gradient nobody
/// reads. Other devices (and other ranks) use candle's matmul and broadcast add.
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    if !x.device().is_cpu() || x.rank() != 2 || x.dtype() != candle_core::DType::F32 {
        return x.matmul(w)?.broadcast_add(b);
    }
    let ((_, i), (i2, o)) = (x.dims2()?, w.dims2()?);
    if i != i2 || b.dims() != [o] {
        candle_core::bail!(
            "dense: input {:?}, weights {:?} and bias {:?} do not fit",
            x.dims(),
            w.dims(),
            b.dims()
        );
    }
    x.contiguous()?
        .apply_op3(&w.contiguous()?, &b.contiguous()?, Linear)
}

/// The dense layer's node (see `linear`).
struct Linear;
/// (a, b) → op(a) op(b) for 2D contiguous operands, op a transpose where `ta` / `tb` is set.
struct Product {
    ta: bool,
    tb: bool,
}

impl Product {
    /// op(a) op(b) and its shape.
    fn of(
        &self,
        a: &[f32],
        la: &Layout,
        b: &[f32],
        lb: &Layout,
    ) -> candle_core::Result<(Vec<f32>, Shape)> {
        let ((a0, a1), (b0, b1)) = (la.shape().dims2()?, lb.shape().dims2()?);
        // (rows, inner, row stride, column stride) of op(a) and op(b) over the stored arrays
        let (m, k, a_rs, a_cs) = if self.ta {
            (a1, a0, 1, a1)
        } else {
            (a0, a1, a1, 1)
        };
        let (k2, n, b_rs, b_cs) = if self.tb {
            (b1, b0, 1, b1)
        } else {
            (b0, b1, b1, 1)
        };
        if k != k2 {
            candle_core::bail!("product: {:?} by {:?} do not fit", la.dims(), lb.dims());
        }
        let c = matmul(m, n, k, a, a_rs, a_cs, b, b_rs, b_cs);
        Ok((c, Shape::from((m, n))))
    }
}

impl candle_core::CustomOp3 for Linear {
    fn name(&self) -> &'static str {
        "dense"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = f32_slice(s1, l1, "dense")?;
        let w = f32_slice(s2, l2, "dense")?;
        let bias = f32_slice(s3, l3, "dense")?;
        let (mut y, shape) = Product {
            ta: false,
            tb: false,
        }
        .of(x, l1, w, l2)?;
        y.par_chunks_mut(bias.len()).for_each(|row| {
            for (v, b) in row.iter_mut().zip(bias) {
                *v += b;
            }
        });
        Ok((CpuStorage::F32(y), shape))
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        bias: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dy = dy.contiguous()?;
        let grad = |a: &Tensor, b: &Tensor, ta, tb| a.apply_op2_no_bwd(b, &Product { ta, tb });
        // dx = dy wᵀ, dw = xᵀ dy, db = Σ_batch dy
        let dx = x
            .track_op()
            .then(|| grad(&dy, w, false, true))
            .transpose()?;
        let dw = w
            .track_op()
            .then(|| grad(x, &dy, true, false))
            .transpose()?;
        let db = bias.track_op().then(|| dy.detach().sum(0)).transpose()?;
        Ok((dx, dw, db))
    }
}

impl candle_core::CustomOp2 for Product {
    fn name(&self) -> &'static str {
        "product"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let a = f32_slice(s1, l1, "product")?;
        let b = f32_slice(s2, l2, "product")?;
        let (c, shape) = self.of(a, l1, b, l2)?;
        Ok((CpuStorage::F32(c), shape))
    }
}
