//! Optimisers (SGD with momentum, Adam) as one fused in-place update per parameter, and the
//! learning-rate schedules.

use super::*;
use candle_core::{Tensor, Var};

/// Optimiser state (Adam or SGD with momentum). The update is fused over flat f32 buffers, in
/// parallel, and on CPU in place in the weight's own storage: one pass per variable instead of a
/// chain of tensor ops that each allocate a weight-sized buffer (PROBES: the stock op-by-op Adam
/// step dominated the D2L training time).
pub struct Optimizer {
    adam: bool,
    momentum: f64,
    pub(super) m: Vec<Vec<f32>>,
    pub(super) v: Vec<Vec<f32>>,
    pub(super) t: i32,
}

impl Optimizer {
    /// New state for `vars`.
    pub fn new(vars: &[Var], adam: bool, momentum: f64) -> MlResult<Self> {
        Ok(Optimizer {
            adam,
            momentum,
            m: vars.iter().map(|v| vec![0f32; v.elem_count()]).collect(),
            v: vars
                .iter()
                .map(|v| {
                    if adam {
                        vec![0f32; v.elem_count()]
                    } else {
                        vec![]
                    }
                })
                .collect(),
            t: 0,
        })
    }
    /// One step with learning rate `lr` from the gradients in `grads`, plus the gradient l2·w of
    /// the L2 penalty ½ l2 Σ w² on weight matrices and kernels (not biases). Added here, in the
    /// fused update, rather than as a loss term: through autograd the penalty cost a square, a
    /// sum and their backward over every weight, each step (L2D at 15 M weights: 72 → 50
    /// samples/s).
    pub fn step(
        &mut self,
        vars: &[Var],
        grads: &candle_core::backprop::GradStore,
        lr: f64,
        l2: f64,
    ) -> MlResult<()> {
        self.t += 1;
        for (i, var) in vars.iter().enumerate() {
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            let rule = UpdateRule {
                adam: self.adam,
                lr: lr as f32,
                momentum: self.momentum as f32,
                decay: if var.rank() > 1 { l2 as f32 } else { 0.0 },
                c1: 1.0 / (1.0 - 0.9f64.powi(self.t)) as f32,
                c2: 1.0 / (1.0 - 0.999f64.powi(self.t)) as f32,
            };
            let (m, v) = (self.m[i].as_mut_slice(), self.v[i].as_mut_slice());
            if var.device().is_cpu() {
                // in place on the weights' own storage: no weight-sized copies per step
                let op = FusedUpdate {
                    rule,
                    state: std::sync::Mutex::new((m, v)),
                };
                var.as_tensor().inplace_op2(g, &op).map_err(ce)?;
            } else {
                let g: Vec<f32> = g.flatten_all().and_then(|t| t.to_vec1()).map_err(ce)?;
                let mut w: Vec<f32> = var
                    .as_tensor()
                    .flatten_all()
                    .and_then(|t| t.to_vec1())
                    .map_err(ce)?;
                rule.apply(&mut w, m, v, &g);
                let t = Tensor::from_vec(w, var.shape(), var.device()).map_err(ce)?;
                var.set(&t).map_err(ce)?;
            }
        }
        Ok(())
    }
}

/// The fused update of one variable: Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8, bias corrections
/// c1, c2) or SGD with momentum, on the gradient g + decay·w (decay: the L2 penalty's λ).
#[derive(Clone, Copy)]
pub(super) struct UpdateRule {
    pub(super) adam: bool,
    pub(super) lr: f32,
    pub(super) momentum: f32,
    pub(super) decay: f32,
    pub(super) c1: f32,
    pub(super) c2: f32,
}

impl UpdateRule {
    /// Update weights `w` and moments `m`, `v` from gradient `g`, in parallel chunks.
    ///
    /// Moments and gradients below `TINY` are flushed to zero. Left alone, the moments of a weight
    /// whose gradient stays zero (behind a ReLU that never fires) decay geometrically into f32's
    /// subnormal range, where every multiply takes a microcode assist: measured here, an Adam
    /// step over 4 M subnormal moments took 481 ms instead of 15 ms, and seed 000's paper-size
    /// D2L slowed to a third of its speed after a few hundred steps. Values this small change no
    /// update (ε = 10⁻⁸ bounds Adam's denominator from below).
    pub(super) fn apply(&self, w: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
        use rayon::prelude::*;
        const CH: usize = 1 << 14;
        const TINY: f32 = 1e-30;
        // select before any arithmetic, so that no operation sees or makes a subnormal
        let flush = |x: f32, below: f32| if x.abs() < below { 0.0 } else { x };
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let UpdateRule {
            lr,
            momentum,
            decay,
            c1,
            c2,
            ..
        } = *self;
        // the gradient with the L2 penalty's l2·w (exactly g without a penalty)
        let grad = |g: f32, w: f32| if decay != 0.0 { g + decay * w } else { g };
        if self.adam {
            w.par_chunks_mut(CH)
                .zip(m.par_chunks_mut(CH))
                .zip(v.par_chunks_mut(CH))
                .zip(g.par_chunks(CH))
                .for_each(|(((w, m), v), g)| {
                    for k in 0..w.len() {
                        let gk = flush(grad(g[k], w[k]), TINY);
                        // g² of a gradient below 10⁻¹⁵ would be below TINY
                        let g2 = flush(gk, 1e-15) * gk;
                        m[k] = flush(b1 * m[k] + (1.0 - b1) * gk, TINY);
                        v[k] = flush(b2 * v[k] + (1.0 - b2) * g2, TINY);
                        w[k] -= lr * (m[k] * c1) / ((v[k] * c2).sqrt() + eps);
                    }
                });
        } else {
            w.par_chunks_mut(CH)
                .zip(m.par_chunks_mut(CH))
                .zip(g.par_chunks(CH))
                .for_each(|((w, m), g)| {
                    for k in 0..w.len() {
                        m[k] = flush(momentum * m[k] + flush(grad(g[k], w[k]), TINY), TINY);
                        w[k] -= lr * m[k];
                    }
                });
        }
    }
}

/// `UpdateRule` as an in-place op on a CPU variable (first operand) with its gradient.
struct FusedUpdate<'a> {
    rule: UpdateRule,
    /// The moments m and v (v is empty for SGD); a lock because candle's op takes `&self`.
    state: std::sync::Mutex<(&'a mut [f32], &'a mut [f32])>,
}

impl candle_core::InplaceOp2 for FusedUpdate<'_> {
    fn name(&self) -> &'static str {
        "fused-optimizer-update"
    }
    fn cpu_fwd(
        &self,
        s1: &mut candle_core::CpuStorage,
        l1: &candle_core::Layout,
        s2: &candle_core::CpuStorage,
        l2: &candle_core::Layout,
    ) -> candle_core::Result<()> {
        use candle_core::CpuStorage as S;
        let (S::F32(w), S::F32(g)) = (s1, s2) else {
            candle_core::bail!("fused-optimizer-update: f32 weights and gradients expected");
        };
        let (Some((w0, w1)), Some((g0, g1))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            candle_core::bail!("fused-optimizer-update: contiguous weights and gradients expected");
        };
        let mut st = self
            .state
            .lock()
            .map_err(|_| candle_core::Error::Msg("optimizer state lock poisoned".into()))?;
        let (m, v) = &mut *st;
        if w1 - w0 != g1 - g0 || w1 - w0 != m.len() {
            candle_core::bail!("fused-optimizer-update: weight, gradient and state sizes differ");
        }
        self.rule.apply(&mut w[w0..w1], m, v, &g[g0..g1]);
        Ok(())
    }
}

/// Learning-rate schedules (per epoch).
#[derive(Clone, Copy, Debug)]
pub enum Schedule {
    Constant,
    /// lr·γ^epoch
    Exp(f64),
    /// lr·γ^⌊epoch/step⌋
    Step(usize, f64),
}
