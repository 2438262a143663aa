//! 2D convolution as im2col + one matrix product, with its own backward (col2im); max pooling
//! and ReLU as one-pass CPU ops with their own backward passes.
//!
//! candle 0.11's CPU conv2d computes the input gradient with a slow direct loop (PROBES: it is
//! most of a training step). Here the input is unfolded into columns, the convolution is one
//! matrix product W[F, C·k·k] × cols[C·k·k, B·Ho·Wo] (whose backward candle knows; one product
//! for the whole batch, so the weight gradient is a single GEMM rather than a per-sample
//! broadcast), and the unfold's backward folds the column gradients back (col2im). Other devices
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
    /// Call f(col, input offset within the sample) for every in-bounds tap of one unfolded row
    /// (row = (c·k + ki)·k + kj).
    #[inline]
    fn row_taps(&self, row: usize, mut f: impl FnMut(usize, usize)) {
        let g = self;
        let (c, ki, kj) = (row / (g.k * g.k), row / g.k % g.k, row % g.k);
        for oy in 0..g.ho {
            let iy = (oy * g.stride + ki) as isize - g.pad as isize;
            if iy < 0 || iy >= g.h as isize {
                continue;
            }
            let base = (c * g.h + iy as usize) * g.w;
            for ox in 0..g.wo {
                let ix = (ox * g.stride + kj) as isize - g.pad as isize;
                if ix >= 0 && ix < g.w as isize {
                    f(oy * g.wo + ox, base + ix as usize);
                }
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

/// x [B, C, H, W] → cols [C·k·k, B·Ho·Wo].
struct Unfold(Geometry, usize);
/// cols [C·k·k, B·Ho·Wo] → x [B, C, H, W], summing overlapping taps (the unfold's adjoint).
struct Fold(Geometry, usize);

impl CustomOp1 for Unfold {
    fn name(&self) -> &'static str {
        "im2col"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (g, b) = (self.0, self.1);
        let x = f32_slice(s, l, "im2col")?;
        let per_in = g.c * g.h * g.w;
        let width = b * g.cols();
        let mut out = vec![0f32; g.rows() * width];
        // each row holds one tap (c, ki, kj) for every sample: rows fill in parallel, in place
        out.par_chunks_mut(width).enumerate().for_each(|(r, row)| {
            for (bi, xi) in x.chunks_exact(per_in).enumerate() {
                let dst = &mut row[bi * g.cols()..(bi + 1) * g.cols()];
                g.row_taps(r, |c, i| dst[c] = xi[i]);
            }
        });
        Ok((CpuStorage::F32(out), Shape::from((g.rows(), width))))
    }
    fn bwd(
        &self,
        _arg: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(
            grad.contiguous()?.apply_op1_no_bwd(&Fold(self.0, self.1))?,
        ))
    }
}

impl CustomOp1 for Fold {
    fn name(&self) -> &'static str {
        "col2im"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (g, b) = (self.0, self.1);
        let cols = f32_slice(s, l, "col2im")?;
        let per_out = g.c * g.h * g.w;
        let width = b * g.cols();
        let mut out = vec![0f32; b * per_out];
        out.par_chunks_mut(per_out).enumerate().for_each(|(bi, o)| {
            let off = bi * g.cols();
            for r in 0..g.rows() {
                g.row_taps(r, |c, i| o[i] += cols[r * width + off + c]);
            }
        });
        Ok((CpuStorage::F32(out), Shape::from((b, g.c, g.h, g.w))))
    }
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
        return x
            .conv2d(w, pad, stride, 1, 1)?
            .broadcast_add(&bias.reshape((1, (), 1, 1))?);
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
        ho: (h + 2 * pad - k) / stride + 1,
        wo: (wd + 2 * pad - k) / stride + 1,
    };
    let cols = x.contiguous()?.apply_op1(Unfold(g, b))?;
    let wm = w.reshape((f, g.rows()))?;
    wm.matmul(&cols)?.apply_op2(
        &bias.contiguous()?,
        ConvOut {
            b,
            ho: g.ho,
            wo: g.wo,
        },
    )
}

/// GEMM output [F, B·P] and bias [F] → y [B, F, Ho, Wo], y[b, f, p] = out[f, b·P + p] + bias[f],
/// in one pass. (A transpose copy plus a broadcast add costs two passes forward, and the add's
/// backward is a strided sum over three axes, which candle's CPU reduction does slowly.)
struct ConvOut {
    b: usize,
    ho: usize,
    wo: usize,
}
/// dy [B, F, P] → [F, B·P]: the adjoint of the permutation in `ConvOut`.
struct ConvOutBack;
/// dy [B, F, P] → [F], Σ over b and p: the bias gradient.
struct ChannelSum;

impl candle_core::CustomOp2 for ConvOut {
    fn name(&self) -> &'static str {
        "conv-out"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let out = f32_slice(s1, l1, "conv-out")?;
        let bias = f32_slice(s2, l2, "conv-out")?;
        let (f, p) = (bias.len(), self.ho * self.wo);
        let width = self.b * p;
        let mut y = vec![0f32; out.len()];
        y.par_chunks_mut(f * p).enumerate().for_each(|(bi, yb)| {
            for (fi, yf) in yb.chunks_exact_mut(p).enumerate() {
                let src = &out[fi * width + bi * p..fi * width + (bi + 1) * p];
                for (d, s) in yf.iter_mut().zip(src) {
                    *d = s + bias[fi];
                }
            }
        });
        Ok((
            CpuStorage::F32(y),
            Shape::from((self.b, f, self.ho, self.wo)),
        ))
    }
    fn bwd(
        &self,
        _arg1: &Tensor,
        _arg2: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        Ok((
            Some(grad.apply_op1_no_bwd(&ConvOutBack)?),
            Some(grad.apply_op1_no_bwd(&ChannelSum)?),
        ))
    }
}

impl CustomOp1 for ConvOutBack {
    fn name(&self) -> &'static str {
        "conv-out-backward"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let dy = f32_slice(s, l, "conv-out-backward")?;
        let (b, f, h, w) = l.shape().dims4()?;
        let p = h * w;
        let mut d = vec![0f32; dy.len()];
        d.par_chunks_mut(b * p).enumerate().for_each(|(fi, row)| {
            for (bi, dst) in row.chunks_exact_mut(p).enumerate() {
                dst.copy_from_slice(&dy[(bi * f + fi) * p..(bi * f + fi + 1) * p]);
            }
        });
        Ok((CpuStorage::F32(d), Shape::from((f, b * p))))
    }
}

impl CustomOp1 for ChannelSum {
    fn name(&self) -> &'static str {
        "channel-sum"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let dy = f32_slice(s, l, "channel-sum")?;
        let (b, f, h, w) = l.shape().dims4()?;
        let p = h * w;
        let sums: Vec<f32> = (0..f)
            .into_par_iter()
            .map(|fi| {
                (0..b)
                    .map(|bi| {
                        dy[(bi * f + fi) * p..(bi * f + fi + 1) * p]
                            .iter()
                            .sum::<f32>()
                    })
                    .sum()
            })
            .collect();
        Ok((CpuStorage::F32(sums), Shape::from(f)))
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
        let mut dx = vec![0f32; planes * h * w];
        dx.par_chunks_mut(h * w)
            .zip(x.par_chunks(h * w))
            .zip(dy.par_chunks(ho * wo))
            .for_each(|((dxp, xp), dyp)| {
                for oy in 0..ho {
                    for ox in 0..wo {
                        let (mut best, mut at) = (f32::NEG_INFINITY, usize::MAX);
                        for a in 0..k {
                            for bb in 0..k {
                                let i = (oy * k + a) * w + ox * k + bb;
                                if xp[i] > best || at == usize::MAX {
                                    best = xp[i];
                                    at = i;
                                }
                            }
                        }
                        dxp[at] += dyp[oy * wo + ox];
                    }
                }
            });
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
