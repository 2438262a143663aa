//! 2D convolution as im2col + one matrix product, with its own backward (col2im).
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
    /// Call f(row, col, input offset within the sample) for every in-bounds tap.
    #[inline]
    fn for_taps(&self, mut f: impl FnMut(usize, usize, usize)) {
        let g = self;
        for c in 0..g.c {
            for ki in 0..g.k {
                for kj in 0..g.k {
                    let row = (c * g.k + ki) * g.k + kj;
                    for oy in 0..g.ho {
                        let iy = (oy * g.stride + ki) as isize - g.pad as isize;
                        if iy < 0 || iy >= g.h as isize {
                            continue;
                        }
                        let base = (c * g.h + iy as usize) * g.w;
                        for ox in 0..g.wo {
                            let ix = (ox * g.stride + kj) as isize - g.pad as isize;
                            if ix >= 0 && ix < g.w as isize {
                                f(row, oy * g.wo + ox, base + ix as usize);
                            }
                        }
                    }
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
        // one sample's columns at a time: each task writes a disjoint block of every row
        let blocks: Vec<Vec<f32>> = x
            .par_chunks(per_in)
            .map(|xi| {
                let mut o = vec![0f32; g.rows() * g.cols()];
                g.for_taps(|r, c, i| o[r * g.cols() + c] = xi[i]);
                o
            })
            .collect();
        out.par_chunks_mut(width).enumerate().for_each(|(r, row)| {
            for (bi, blk) in blocks.iter().enumerate() {
                row[bi * g.cols()..(bi + 1) * g.cols()]
                    .copy_from_slice(&blk[r * g.cols()..(r + 1) * g.cols()]);
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
            g.for_taps(|r, c, i| o[i] += cols[r * width + off + c]);
        });
        Ok((CpuStorage::F32(out), Shape::from((b, g.c, g.h, g.w))))
    }
}

/// y = conv2d(x, w) with zero padding `pad` and `stride`: x [B, C, H, W], w [F, C, k, k] →
/// [B, F, Ho, Wo]. Gradients flow to x and w.
pub fn conv2d(x: &Tensor, w: &Tensor, pad: usize, stride: usize) -> candle_core::Result<Tensor> {
    if !x.device().is_cpu() {
        return x.conv2d(w, pad, stride, 1, 1);
    }
    let (b, c, h, wd) = x.dims4()?;
    let (f, c2, k, k2) = w.dims4()?;
    if c != c2 || k != k2 || h + 2 * pad < k || wd + 2 * pad < k || stride == 0 {
        candle_core::bail!(
            "conv2d: input {:?} and kernel {:?} do not fit",
            x.dims(),
            w.dims()
        );
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
    wm.matmul(&cols)?
        .reshape((f, b, g.ho, g.wo))?
        .transpose(0, 1)?
        .contiguous()
}
