//! Neural networks on candle (CPU; CUDA behind the `cuda` feature): models built from a layer
//! spec, seeded from disco's own generators (candle's CPU RNG cannot be seeded), trained by
//! `train` with disco's shuffling, batching, losses, optimisers, schedules, early stopping and
//! keep-best; composition `chain(A, freeze(B))` trains A through a frozen B (seed 000's L2D2L).
//!
//! Layers offered are those whose gradients the tests check: conv2d, max pooling, ReLU and dense
//! as CPU ops with hand-written backward passes (`conv.rs`, checked against candle's ops and a
//! naive reference), average pooling as reshape + mean, residual blocks, batch norm, the other
//! activations, dropout, flatten. A run can checkpoint after every epoch and continue from it
//! (`checkpoint.rs`).

mod checkpoint;
pub mod conv;
pub mod model_file;
pub mod script;
pub mod spec;

use candle_core::{DType, Device, Tensor, Var, D};
use rand::Rng;

/// Errors as plain messages.
pub type MlResult<T> = Result<T, String>;

fn ce<E: std::fmt::Display>(e: E) -> String {
    // candle appends a Rust backtrace when RUST_BACKTRACE is set: a script user wants the message
    let s = e.to_string();
    match s.find("\n   0: ") {
        Some(k) => s[..k].trim_end().to_string(),
        None => s,
    }
}

pub use spec::{Act, Init, Padding, Spec};

/// A layer with its parameters.
#[derive(Clone)]
pub enum Layer {
    Conv2d {
        w: Var,
        b: Var,
        pad: usize,
        stride: usize,
    },
    MaxPool(usize),
    AvgPool(usize),
    Dense {
        w: Var,
        b: Var,
    },
    Residual {
        c1: (Var, Var),
        c2: (Var, Var),
        proj: Option<(Var, Var)>,
    },
    Act(Act),
    Dropout(f64),
    Flatten,
    Reshape(Vec<usize>),
    Gaussian(f64),
    BatchNorm {
        gamma: Var,
        beta: Var,
        /// Running mean and (unbiased) variance: buffers, not trained (they get no gradient).
        mean: Var,
        var: Var,
        momentum: f64,
        eps: f64,
    },
}

/// A run of layers trained together or frozen together.
#[derive(Clone)]
pub struct Part {
    pub specs: Vec<Spec>,
    pub layers: Vec<Layer>,
    pub input: Vec<usize>,
    pub output: Vec<usize>,
    pub frozen: bool,
}

/// A model: parts applied in sequence, with its parameters on one device.
#[derive(Clone)]
pub struct Model {
    pub parts: Vec<Part>,
    pub device: Device,
}

fn uniform_tensor<R: Rng>(shape: &[usize], bound: f64, rng: &mut R, dev: &Device) -> MlResult<Var> {
    let n: usize = shape.iter().product();
    // drawn on the host from disco's seeded generator, then placed on the device
    let v: Vec<f32> = (0..n)
        .map(|_| rng.random_range(-bound..bound) as f32)
        .collect();
    Var::from_tensor(&Tensor::from_vec(v, shape, dev).map_err(ce)?).map_err(ce)
}

/// He-uniform weights (bound √(6/fan_in)) and biases U(±1/√fan_in), from a seeded generator.
/// A layer's weights must fit in memory four times over (weights, gradients and Adam's two
/// moments, f32 each) before they are allocated: a 10¹⁰-parameter layer is an error, not an
/// allocator abort.
fn check_weights(shape_w: &[usize]) -> MlResult<()> {
    let n = shape_w
        .iter()
        .try_fold(1u128, |a, &d| a.checked_mul(d as u128))
        .unwrap_or(u128::MAX);
    crate::args::fits_in_memory(
        &format!("{n} weights of shape {shape_w:?} with their gradients and optimiser state"),
        n,
        16,
    )
}

fn init<R: Rng>(
    shape_w: &[usize],
    fan_in: usize,
    nb: usize,
    rng: &mut R,
    dev: &Device,
) -> MlResult<(Var, Var)> {
    check_weights(shape_w)?;
    let w = uniform_tensor(shape_w, (6.0 / fan_in as f64).sqrt(), rng, dev)?;
    let b = uniform_tensor(&[nb], 1.0 / (fan_in as f64).sqrt(), rng, dev)?;
    Ok((w, b))
}

impl Part {
    /// Build a part for inputs of shape `input` (C×H×W or F, without the batch axis).
    pub fn new<R: Rng>(
        input: &[usize],
        specs: &[Spec],
        rng: &mut R,
        dev: &Device,
    ) -> MlResult<Self> {
        let mut shape = input.to_vec();
        let mut layers = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let at = |msg: String| format!("layer {i} ({s:?}): {msg}");
            let layer = match s {
                Spec::Conv2d {
                    filters,
                    kernel,
                    padding,
                    stride,
                } => {
                    let same = *padding == Padding::Same;
                    if shape.len() != 3 {
                        return Err(at(format!("needs a C×H×W input, got {shape:?}")));
                    }
                    if same && kernel % 2 == 0 {
                        return Err(at("padding \"same\" needs an odd kernel".into()));
                    }
                    let (c, h, w) = (shape[0], shape[1], shape[2]);
                    let pad = if same { kernel / 2 } else { 0 };
                    if h + 2 * pad < *kernel || w + 2 * pad < *kernel {
                        return Err(at(format!("kernel {kernel} larger than the input {h}×{w}")));
                    }
                    let (wt, b) = init(
                        &[*filters, c, *kernel, *kernel],
                        c * kernel * kernel,
                        *filters,
                        rng,
                        dev,
                    )?;
                    shape = vec![
                        *filters,
                        (h + 2 * pad - kernel) / stride + 1,
                        (w + 2 * pad - kernel) / stride + 1,
                    ];
                    Layer::Conv2d {
                        w: wt,
                        b,
                        pad,
                        stride: *stride,
                    }
                }
                Spec::MaxPool { size: k } | Spec::AvgPool { size: k } => {
                    if shape.len() != 3
                        || !shape[1].is_multiple_of(*k)
                        || !shape[2].is_multiple_of(*k)
                    {
                        return Err(at(format!("pooling {k}×{k} (stride {k}) needs C×H×W with H, W divisible by {k}, got {shape:?}")));
                    }
                    shape = vec![shape[0], shape[1] / k, shape[2] / k];
                    if matches!(s, Spec::MaxPool { .. }) {
                        Layer::MaxPool(*k)
                    } else {
                        Layer::AvgPool(*k)
                    }
                }
                Spec::Dense {
                    units: n,
                    init: start,
                } => {
                    if shape.len() != 1 {
                        return Err(at(format!(
                            "needs a flat input (add a flatten layer), got {shape:?}"
                        )));
                    }
                    check_weights(&[shape[0], *n]).map_err(at)?;
                    let (w, b) = if *start == Init::Zeros {
                        let z = |s: &[usize]| Var::zeros(s, DType::F32, dev).map_err(ce);
                        (z(&[shape[0], *n])?, z(&[*n])?)
                    } else {
                        init(&[shape[0], *n], shape[0], *n, rng, dev)?
                    };
                    shape = vec![*n];
                    Layer::Dense { w, b }
                }
                Spec::Residual { filters: f } => {
                    if shape.len() != 3 {
                        return Err(at(format!("needs a C×H×W input, got {shape:?}")));
                    }
                    let c = shape[0];
                    let c1 = init(&[*f, c, 3, 3], c * 9, *f, rng, dev)?;
                    let c2 = init(&[*f, *f, 3, 3], f * 9, *f, rng, dev)?;
                    let proj = if c != *f {
                        Some(init(&[*f, c, 1, 1], c, *f, rng, dev)?)
                    } else {
                        None
                    };
                    shape = vec![*f, shape[1], shape[2]];
                    Layer::Residual { c1, c2, proj }
                }
                Spec::Relu | Spec::Tanh | Spec::Sigmoid | Spec::Linear | Spec::Softmax => {
                    Layer::Act(s.activation().unwrap_or(Act::Linear))
                }
                Spec::Dropout { rate } => Layer::Dropout(*rate),
                Spec::Flatten => {
                    shape = vec![shape.iter().product()];
                    Layer::Flatten
                }
                Spec::Reshape { shape: to } => {
                    if to.iter().product::<usize>() != shape.iter().product::<usize>() {
                        return Err(at(format!("cannot reshape {shape:?} into {to:?}")));
                    }
                    shape = to.clone();
                    Layer::Reshape(to.clone())
                }
                Spec::BatchNorm { momentum, eps } => {
                    if shape.len() != 3 && shape.len() != 1 {
                        return Err(at(format!("needs C×H×W or F inputs, got {shape:?}")));
                    }
                    let c = shape[0];
                    let fill = |v: f32| -> MlResult<Var> {
                        Var::from_tensor(&Tensor::from_vec(vec![v; c], c, dev).map_err(ce)?)
                            .map_err(ce)
                    };
                    Layer::BatchNorm {
                        gamma: fill(1.0)?,
                        beta: fill(0.0)?,
                        mean: fill(0.0)?,
                        var: fill(1.0)?,
                        momentum: *momentum,
                        eps: *eps,
                    }
                }
                Spec::Gaussian { beta } => {
                    if shape.len() != 1 || !shape[0].is_multiple_of(2) {
                        return Err(at(format!(
                            "needs a flat input of 2·d features (μ and ln σ², e.g. dense with 2·d units), got {shape:?}"
                        )));
                    }
                    shape = vec![shape[0] / 2];
                    Layer::Gaussian(*beta)
                }
            };
            layers.push(layer);
        }
        Ok(Part {
            specs: specs.to_vec(),
            layers,
            input: input.to_vec(),
            output: shape,
            frozen: false,
        })
    }

    /// Named parameters (`l3.weight`, `l3.bias`, …).
    pub fn named(&self, prefix: &str) -> Vec<(String, Var)> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            let mut push = |n: &str, v: &Var| out.push((format!("{prefix}l{i}.{n}"), v.clone()));
            match l {
                Layer::Conv2d { w, b, .. } | Layer::Dense { w, b } => {
                    push("weight", w);
                    push("bias", b);
                }
                Layer::BatchNorm {
                    gamma,
                    beta,
                    mean,
                    var,
                    ..
                } => {
                    push("weight", gamma);
                    push("bias", beta);
                    push("running_mean", mean);
                    push("running_var", var);
                }
                Layer::Residual { c1, c2, proj } => {
                    push("conv1.weight", &c1.0);
                    push("conv1.bias", &c1.1);
                    push("conv2.weight", &c2.0);
                    push("conv2.bias", &c2.1);
                    if let Some(p) = proj {
                        push("proj.weight", &p.0);
                        push("proj.bias", &p.1);
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn forward<R: Rng>(
        &self,
        x: &Tensor,
        train: bool,
        rng: &mut R,
        aux: &mut Vec<Tensor>,
    ) -> MlResult<Tensor> {
        // a frozen part's weights enter detached: its layers then form no weight gradients
        let param = |v: &Var| {
            if self.frozen {
                v.as_tensor().detach()
            } else {
                v.as_tensor().clone()
            }
        };
        // conv (→ ReLU) (→ k×k max-pool, pool > 1) as one graph node
        let conv =
            |x: &Tensor, (w, b): (&Var, &Var), pad: usize, stride: usize, relu: bool, pool| {
                let (w, b) = (param(w), param(b));
                conv::conv2d_pool(x, &w, Some(&b), (pad, stride), relu, pool).map_err(ce)
            };
        let mut x = x.clone();
        let mut skip = 0;
        for (i, l) in self.layers.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            x = match l {
                Layer::Conv2d { w, b, pad, stride } => {
                    // a ReLU and a max-pool right after the convolution run inside it
                    let relu = matches!(self.layers.get(i + 1), Some(Layer::Act(Act::Relu)));
                    let (_, _, h, wd) = x.dims4().map_err(ce)?;
                    let tiles = |n: usize, k: usize, pool: usize| {
                        conv::out_len(n, k, *pad, *stride).is_some_and(|o| o % pool == 0)
                    };
                    let pool = match self.layers.get(i + 1 + usize::from(relu)) {
                        Some(Layer::MaxPool(k))
                            if *k > 1
                                && tiles(h, w.dims()[2], *k)
                                && tiles(wd, w.dims()[3], *k) =>
                        {
                            *k
                        }
                        _ => 1,
                    };
                    skip = usize::from(relu) + usize::from(pool > 1);
                    conv(&x, (w, b), *pad, *stride, relu, pool)?
                }
                Layer::MaxPool(k) => conv::max_pool(&x, *k).map_err(ce)?,
                Layer::AvgPool(k) => {
                    let (n, c, h, w) = x.dims4().map_err(ce)?;
                    x.reshape((n, c, h / k, *k, w / k, *k))
                        .map_err(ce)?
                        .mean(5)
                        .map_err(ce)?
                        .mean(3)
                        .map_err(ce)?
                }
                Layer::Dense { w, b } => conv::linear(&x, &param(w), &param(b)).map_err(ce)?,
                Layer::Residual { c1, c2, proj } => {
                    let h1 = conv(&x, (&c1.0, &c1.1), 1, 1, true, 1)?;
                    let h2 = conv(&h1, (&c2.0, &c2.1), 1, 1, false, 1)?;
                    let skip = match proj {
                        Some(p) => conv(&x, (&p.0, &p.1), 0, 1, false, 1)?,
                        None => x.clone(),
                    };
                    conv::relu(&(h2 + skip).map_err(ce)?).map_err(ce)?
                }
                Layer::Act(a) => match a {
                    Act::Relu => conv::relu(&x).map_err(ce)?,
                    Act::Tanh => x.tanh().map_err(ce)?,
                    Act::Sigmoid => candle_nn::ops::sigmoid(&x).map_err(ce)?,
                    Act::Softmax => candle_nn::ops::softmax_last_dim(&x).map_err(ce)?,
                    Act::Linear => x,
                },
                Layer::Dropout(p) => {
                    if train && *p > 0.0 {
                        // inverted dropout with a mask from disco's seeded generator
                        let n = x.elem_count();
                        let keep = 1.0 - p;
                        let m: Vec<f32> = (0..n)
                            .map(|_| {
                                if rng.random::<f64>() < keep {
                                    (1.0 / keep) as f32
                                } else {
                                    0.0
                                }
                            })
                            .collect();
                        let mask = Tensor::from_vec(m, x.shape(), x.device()).map_err(ce)?;
                        (x * mask).map_err(ce)?
                    } else {
                        x
                    }
                }
                Layer::Flatten => x.flatten_from(1).map_err(ce)?,
                Layer::BatchNorm {
                    gamma,
                    beta,
                    mean,
                    var,
                    momentum,
                    eps,
                } => {
                    let c = gamma.elem_count();
                    let four = x.rank() == 4;
                    let bshape: Vec<usize> = if four { vec![1, c, 1, 1] } else { vec![1, c] };
                    let reduce = |t: &Tensor| -> MlResult<Tensor> {
                        let mut m = t.mean_keepdim(0).map_err(ce)?;
                        if four {
                            m = m.mean_keepdim(2).map_err(ce)?.mean_keepdim(3).map_err(ce)?;
                        }
                        Ok(m)
                    };
                    let (mu, v) = if train {
                        let mu = reduce(&x)?;
                        let v = reduce(&x.broadcast_sub(&mu).map_err(ce)?.sqr().map_err(ce)?)?;
                        // running averages (unbiased variance), outside the autograd graph
                        let count = (x.elem_count() / c) as f64;
                        let unbias = if count > 1.0 {
                            count / (count - 1.0)
                        } else {
                            1.0
                        };
                        let m = *momentum;
                        let flat = |t: &Tensor| t.detach().flatten_all();
                        let new_mean = ((mean.as_tensor() * (1.0 - m)).map_err(ce)?
                            + (flat(&mu).map_err(ce)? * m).map_err(ce)?)
                        .map_err(ce)?;
                        let new_var = ((var.as_tensor() * (1.0 - m)).map_err(ce)?
                            + (flat(&v).map_err(ce)? * (m * unbias)).map_err(ce)?)
                        .map_err(ce)?;
                        mean.set(&new_mean).map_err(ce)?;
                        var.set(&new_var).map_err(ce)?;
                        (mu, v)
                    } else {
                        (
                            mean.as_tensor().reshape(bshape.clone()).map_err(ce)?,
                            var.as_tensor().reshape(bshape.clone()).map_err(ce)?,
                        )
                    };
                    let xhat = x
                        .broadcast_sub(&mu)
                        .map_err(ce)?
                        .broadcast_div(&(v + *eps).map_err(ce)?.sqrt().map_err(ce)?)
                        .map_err(ce)?;
                    xhat.broadcast_mul(&gamma.as_tensor().reshape(bshape.clone()).map_err(ce)?)
                        .map_err(ce)?
                        .broadcast_add(&beta.as_tensor().reshape(bshape).map_err(ce)?)
                        .map_err(ce)?
                }
                Layer::Gaussian(beta) => {
                    let d = x.dim(1).map_err(ce)? / 2;
                    let mu = x.narrow(1, 0, d).map_err(ce)?;
                    let logvar = x.narrow(1, d, d).map_err(ce)?;
                    if train {
                        // KL(N(μ, σ²) ‖ N(0, 1)) = −½ Σ_j (1 + ln σ² − μ² − σ²), batch mean
                        let kl = ((logvar.affine(1.0, 1.0).map_err(ce)? - mu.sqr().map_err(ce)?)
                            .map_err(ce)?
                            - logvar.exp().map_err(ce)?)
                        .map_err(ce)?
                        .sum(1)
                        .map_err(ce)?
                        .mean_all()
                        .map_err(ce)?
                        .affine(-0.5 * beta, 0.0)
                        .map_err(ce)?;
                        aux.push(kl);
                        let n = mu.elem_count();
                        let e: Vec<f32> = (0..n)
                            .map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal) as f32)
                            .collect();
                        let eps = Tensor::from_vec(e, mu.shape(), mu.device()).map_err(ce)?;
                        let sigma = logvar.affine(0.5, 0.0).map_err(ce)?.exp().map_err(ce)?;
                        (mu + (sigma * eps).map_err(ce)?).map_err(ce)?
                    } else {
                        mu
                    }
                }
                Layer::Reshape(to) => {
                    let mut dims = vec![x.dim(0).map_err(ce)?];
                    dims.extend(to);
                    x.reshape(dims).map_err(ce)?
                }
            };
        }
        Ok(x)
    }
}

impl Model {
    /// Parameter count.
    pub fn params(&self) -> usize {
        self.named()
            .iter()
            .filter(|(n, _)| !n.contains("running_"))
            .map(|(_, v)| v.elem_count())
            .sum()
    }
    /// All named parameters (`p0.l0.weight`, …).
    pub fn named(&self) -> Vec<(String, Var)> {
        self.parts
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.named(&format!("p{i}.")))
            .collect()
    }
    /// Parameters that train (not frozen).
    pub fn trainable(&self) -> Vec<Var> {
        self.parts
            .iter()
            .filter(|p| !p.frozen)
            .flat_map(|p| p.named("").into_iter().map(|(_, v)| v))
            .collect()
    }
    /// Input shape (without batch).
    pub fn input(&self) -> &[usize] {
        &self.parts[0].input
    }
    /// Forward pass on a batch.
    pub fn forward<R: Rng>(&self, x: &Tensor, train: bool, rng: &mut R) -> MlResult<Tensor> {
        self.forward_aux(x, train, rng, &mut Vec::new())
    }
    /// Forward pass that also collects the layers' extra loss terms (the VAE's KL divergence).
    pub fn forward_aux<R: Rng>(
        &self,
        x: &Tensor,
        train: bool,
        rng: &mut R,
        aux: &mut Vec<Tensor>,
    ) -> MlResult<Tensor> {
        let mut y = x.clone();
        for p in &self.parts {
            y = p.forward(&y, train && !p.frozen, rng, aux)?;
        }
        Ok(y)
    }
}

/// Losses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Loss {
    Mse,
    Mae,
    /// Mean absolute percentage error, mean |ŷ − y|/|y| (seed 000 Eq. 3); accuracy = 1 − MAPE.
    Mape,
    /// Softmax cross-entropy against integer class labels.
    CrossEntropy,
    /// Binary cross-entropy on logits (numerically stable form).
    Bce,
}

/// The loss of predictions `yh` against targets `y` (labels as an N vector for cross-entropy).
pub fn loss(kind: Loss, yh: &Tensor, y: &Tensor) -> MlResult<Tensor> {
    // a one-output regression (N×1 predictions) against an N vector of targets
    let reshaped;
    let y =
        if kind != Loss::CrossEntropy && yh.dims() != y.dims() && yh.elem_count() == y.elem_count()
        {
            reshaped = y.reshape(yh.shape()).map_err(ce)?;
            &reshaped
        } else {
            y
        };
    let r = match kind {
        Loss::Mse => (yh - y).and_then(|d| d.sqr()).and_then(|d| d.mean_all()),
        Loss::Mae => (yh - y).and_then(|d| d.abs()).and_then(|d| d.mean_all()),
        Loss::Mape => (yh - y)
            .and_then(|d| d.abs())
            .and_then(|d| d.div(&y.abs()?.affine(1.0, 1e-12)?))
            .and_then(|d| d.mean_all()),
        Loss::CrossEntropy => {
            let ls = candle_nn::ops::log_softmax(yh, D::Minus1).map_err(ce)?;
            let idx = y
                .to_dtype(DType::U32)
                .and_then(|t| t.unsqueeze(1))
                .map_err(ce)?;
            ls.gather(&idx, 1)
                .and_then(|g| g.mean_all())
                .and_then(|m| m.neg())
        }
        Loss::Bce => {
            // mean(max(z, 0) − z·y + ln(1 + e^(−|z|)))
            let a = yh.relu().map_err(ce)?;
            let b = (yh * y).map_err(ce)?;
            let c = yh
                .abs()
                .and_then(|t| t.neg())
                .and_then(|t| t.exp())
                .and_then(|t| t.affine(1.0, 1.0))
                .and_then(|t| t.log())
                .map_err(ce)?;
            (a - b).and_then(|t| t + c).and_then(|t| t.mean_all())
        }
    };
    r.map_err(ce)
}

/// Optimiser state (Adam or SGD with momentum). The update is fused over flat f32 buffers, in
/// parallel, and on CPU in place in the weight's own storage: one pass per variable instead of a
/// chain of tensor ops that each allocate a weight-sized buffer (PROBES: the stock op-by-op Adam
/// step dominated the D2L training time).
pub struct Optimizer {
    adam: bool,
    momentum: f64,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    t: i32,
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
struct UpdateRule {
    adam: bool,
    lr: f32,
    momentum: f32,
    decay: f32,
    c1: f32,
    c2: f32,
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
    fn apply(&self, w: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
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

/// Validation metrics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    Accuracy,
    R2,
    Rmse,
    MapeAccuracy,
    None,
}

/// Training configuration.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    pub loss: Loss,
    pub adam: bool,
    pub lr: f64,
    pub momentum: f64,
    /// L2 penalty λ·Σw²/2 over the trainable weights (TensorFlow's l2_regularizer(scale)).
    pub l2: f64,
    pub epochs: usize,
    pub batch: usize,
    pub schedule: Schedule,
    pub patience: Option<usize>,
    pub keep_best: bool,
    pub seed: u64,
    pub metric: Metric,
    pub quiet: bool,
    /// File to write after every epoch and to continue from (`checkpoint.rs`).
    pub checkpoint: Option<std::path::PathBuf>,
}

/// Per-epoch history.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub train_loss: Vec<f64>,
    pub val_loss: Vec<f64>,
    pub val_metric: Vec<f64>,
    pub seconds: Vec<f64>,
    pub best_epoch: usize,
}

/// Row-major f32 data with a per-sample shape.
pub struct Data {
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub n: usize,
    pub xshape: Vec<usize>,
    pub yshape: Vec<usize>,
}

impl Data {
    fn batch(&self, idx: &[usize], dev: &Device) -> MlResult<(Tensor, Tensor)> {
        let fx: usize = self.xshape.iter().product();
        let fy: usize = self.yshape.iter().product::<usize>().max(1);
        let mut xb = Vec::with_capacity(idx.len() * fx);
        let mut yb = Vec::with_capacity(idx.len() * fy);
        for &i in idx {
            xb.extend_from_slice(&self.x[i * fx..(i + 1) * fx]);
            yb.extend_from_slice(&self.y[i * fy..(i + 1) * fy]);
        }
        let mut xs = vec![idx.len()];
        xs.extend(&self.xshape);
        let mut ys = vec![idx.len()];
        ys.extend(&self.yshape);
        Ok((
            Tensor::from_vec(xb, xs, dev).map_err(ce)?,
            Tensor::from_vec(yb, ys, dev).map_err(ce)?,
        ))
    }
}

/// Predictions for every sample, in batches of 256.
pub fn predict(model: &Model, d: &Data) -> MlResult<(Vec<f32>, Vec<usize>)> {
    let mut rng = crate::rng::from_seed(0);
    let mut out = Vec::new();
    let mut oshape = vec![];
    let idx: Vec<usize> = (0..d.n).collect();
    for chunk in idx.chunks(256) {
        let (xb, _) = d.batch(chunk, &model.device)?;
        let y = model.forward(&xb, false, &mut rng)?;
        oshape = y.dims()[1..].to_vec();
        out.extend(
            y.flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .map_err(ce)?,
        );
    }
    Ok((out, oshape))
}

/// A metric of predictions (per-sample outputs of width k) against targets.
pub fn metric(m: Metric, pred: &[f32], k: usize, y: &[f32]) -> f64 {
    let n = pred.len().checked_div(k).unwrap_or(0);
    match m {
        Metric::Accuracy => {
            let labels: Vec<usize> = if y.len() == n {
                y.iter().map(|v| *v as usize).collect()
            } else {
                (0..n).map(|i| argmax(&y[i * k..(i + 1) * k])).collect()
            };
            let hits = (0..n)
                .filter(|&i| {
                    let p = if k == 1 {
                        usize::from(pred[i] > 0.0)
                    } else {
                        argmax(&pred[i * k..(i + 1) * k])
                    };
                    p == labels[i]
                })
                .count();
            hits as f64 / n.max(1) as f64
        }
        Metric::R2 => {
            let mean = y.iter().map(|v| *v as f64).sum::<f64>() / y.len() as f64;
            let sst: f64 = y.iter().map(|v| (*v as f64 - mean).powi(2)).sum();
            let sse: f64 = y
                .iter()
                .zip(pred)
                .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
                .sum();
            1.0 - sse / sst
        }
        Metric::Rmse => (y
            .iter()
            .zip(pred)
            .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
            .sum::<f64>()
            / y.len() as f64)
            .sqrt(),
        Metric::MapeAccuracy => {
            1.0 - y
                .iter()
                .zip(pred)
                .map(|(a, b)| ((*a as f64 - *b as f64) / (*a as f64)).abs())
                .sum::<f64>()
                / y.len() as f64
        }
        Metric::None => f64::NAN,
    }
}

fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|x| x.0)
        .unwrap_or(0)
}

fn snapshot(vars: &[Var]) -> MlResult<Vec<Tensor>> {
    vars.iter()
        .map(|v| v.as_tensor().copy().map_err(ce))
        .collect()
}

/// Shards per batch for data-parallel training: two for batches of 32 or more on the CPU, so
/// both cores run a forward and backward pass (candle's graph bookkeeping, gradient sums and
/// element-wise ops are single-threaded); one otherwise. Fixed by the batch size alone, not the
/// core count, so a seed gives the same weights on any machine. Batch norm needs the whole
/// batch's statistics (and updates its running averages), so models with it are not sharded.
fn shard_count(model: &Model, batch: usize) -> usize {
    let batch_norm = model.parts.iter().any(|p| {
        p.layers
            .iter()
            .any(|l| matches!(l, Layer::BatchNorm { .. }))
    });
    if model.device.is_cpu() && batch >= 32 && !batch_norm {
        2
    } else {
        1
    }
}

/// Loss (unweighted, for the history) and gradients of `share` × the mean loss of samples `idx`
/// (the L2 penalty's gradient is added by the optimizer, `Optimizer::step`).
fn batch_gradients<R: Rng>(
    model: &Model,
    tr: &Data,
    idx: &[usize],
    share: f64,
    cfg: &TrainConfig,
    rng: &mut R,
) -> MlResult<(f64, candle_core::backprop::GradStore)> {
    let (xb, yb) = tr.batch(idx, &model.device)?;
    let mut aux = Vec::new();
    let yh = model.forward_aux(&xb, true, rng, &mut aux)?;
    let mut l = loss(cfg.loss, &yh, &yb)?;
    // per-element losses: divide the per-sample KL terms by the outputs per sample
    let per_sample = (yh.elem_count() / idx.len().max(1)).max(1) as f64;
    for a in aux {
        l = (l + a.affine(1.0 / per_sample, 0.0).map_err(ce)?).map_err(ce)?;
    }
    let value = l.to_scalar::<f32>().map_err(ce)? as f64;
    if share != 1.0 {
        l = l.affine(share, 0.0).map_err(ce)?;
    }
    Ok((value, l.backward().map_err(ce)?))
}

/// The sum of the shards' gradients, variable by variable.
fn sum_gradients(
    vars: &[Var],
    stores: Vec<candle_core::backprop::GradStore>,
) -> MlResult<candle_core::backprop::GradStore> {
    let mut stores = stores.into_iter();
    let mut acc = stores.next().ok_or("empty batch")?;
    for g in stores {
        for v in vars {
            if let Some(gi) = g.get(v.as_tensor()) {
                let s = match acc.get(v.as_tensor()) {
                    Some(a) => (a + gi).map_err(ce)?,
                    None => gi.clone(),
                };
                acc.insert(v.as_tensor(), s);
            }
        }
    }
    Ok(acc)
}

/// Train the model's trainable parts on `train` (validated on `val` if given).
pub fn train(
    model: &Model,
    tr: &Data,
    val: Option<&Data>,
    cfg: &TrainConfig,
    progress: &dyn Fn(&str),
) -> MlResult<History> {
    use rand::seq::SliceRandom;
    use rayon::prelude::*;
    let vars = model.trainable();
    if vars.is_empty() {
        return Err("the model has no trainable parameters (every part is frozen)".into());
    }
    let mut opt = Optimizer::new(&vars, cfg.adam, cfg.momentum)?;
    let mut h = History::default();
    let mut best: Option<(f64, Vec<Tensor>)> = None;
    let mut since_best = 0;
    let (mut start, mut stopped) = (0, false);
    let resume = match &cfg.checkpoint {
        Some(path) => {
            let fp = checkpoint::fingerprint(model, tr, val, cfg)?;
            if let Some(r) = checkpoint::restore(path, &fp, &vars, &mut opt)? {
                if !cfg.quiet {
                    progress(&format!(
                        "continuing from {}: {} of {} epochs done{}",
                        path.display(),
                        r.next_epoch,
                        cfg.epochs,
                        if r.stopped { " (stopped early)" } else { "" }
                    ));
                }
                (h, best, since_best) = (r.history, r.best, r.since_best);
                (start, stopped) = (r.next_epoch, r.stopped);
            }
            Some((path, fp))
        }
        None => None,
    };
    for epoch in start..cfg.epochs {
        if stopped {
            break;
        }
        let t0 = std::time::Instant::now();
        if crate::progress::interrupted() {
            return Err("interrupted".into());
        }
        let lr = match cfg.schedule {
            Schedule::Constant => cfg.lr,
            Schedule::Exp(g) => cfg.lr * g.powi(epoch as i32),
            Schedule::Step(s, g) => cfg.lr * g.powi((epoch / s.max(1)) as i32),
        };
        let mut rng = crate::rng::stream(cfg.seed, epoch as u64);
        let mut idx: Vec<usize> = (0..tr.n).collect();
        idx.shuffle(&mut rng);
        let (mut total, mut count) = (0.0, 0);
        for chunk in idx.chunks(cfg.batch) {
            // a full-size epoch can take minutes: let Ctrl-C stop between batches
            if crate::progress::interrupted() {
                return Err("interrupted".into());
            }
            let shards = shard_count(model, chunk.len());
            let grads = if shards == 1 {
                let (l, grads) = batch_gradients(model, tr, chunk, 1.0, cfg, &mut rng)?;
                total += l * chunk.len() as f64;
                grads
            } else {
                // data parallel: each shard's forward and backward on its own thread, with its
                // own dropout stream drawn here, its loss weighted by its share of the batch;
                // the shard gradients then sum to the full batch's gradient
                let cut = chunk.len().div_ceil(shards);
                let parts: Vec<(&[usize], u64)> = chunk
                    .chunks(cut)
                    .map(|c| (c, rand::Rng::random::<u64>(&mut rng)))
                    .collect();
                let results: Vec<MlResult<(f64, candle_core::backprop::GradStore)>> = parts
                    .par_iter()
                    .map(|(c, s)| {
                        let mut r = crate::rng::stream(*s, 0);
                        let share = c.len() as f64 / chunk.len() as f64;
                        batch_gradients(model, tr, c, share, cfg, &mut r)
                    })
                    .collect();
                let mut stores = Vec::with_capacity(parts.len());
                for (res, (c, _)) in results.into_iter().zip(&parts) {
                    let (l, g) = res?;
                    total += l * c.len() as f64;
                    stores.push(g);
                }
                sum_gradients(&vars, stores)?
            };
            count += chunk.len();
            opt.step(&vars, &grads, lr, cfg.l2)?;
        }
        h.train_loss.push(total / count.max(1) as f64);
        if !total.is_finite() {
            // diverged (a learning rate far too large, say): every later epoch would be NaN
            return Err(format!(
                "the training loss became {} in epoch {} (lr {lr:e}): the weights diverged; \
                 lower lr",
                total / count.max(1) as f64,
                epoch + 1
            ));
        }
        let (vl, vm) = match val {
            Some(v) => {
                let (p, oshape) = predict(model, v)?;
                let k: usize = oshape.iter().product();
                let mut ys = vec![v.n];
                ys.extend(&v.yshape);
                let mut ps = vec![v.n];
                ps.extend(&oshape);
                let pt = Tensor::from_vec(p.clone(), ps, &Device::Cpu).map_err(ce)?;
                let yt = Tensor::from_vec(v.y.clone(), ys, &Device::Cpu).map_err(ce)?; // validation loss on the host
                let lv = loss(cfg.loss, &pt, &yt)?.to_scalar::<f32>().map_err(ce)? as f64;
                (lv, metric(cfg.metric, &p, k, &v.y))
            }
            None => (f64::NAN, f64::NAN),
        };
        h.val_loss.push(vl);
        h.val_metric.push(vm);
        h.seconds.push(t0.elapsed().as_secs_f64());
        let score = if vl.is_nan() { h.train_loss[epoch] } else { vl };
        if best.as_ref().is_none_or(|b| score < b.0) {
            best = Some((
                score,
                if cfg.keep_best {
                    snapshot(&vars)?
                } else {
                    vec![]
                },
            ));
            h.best_epoch = epoch;
            since_best = 0;
        } else {
            since_best += 1;
        }
        if !cfg.quiet {
            // without validation data there is no val_loss or metric to show (they would be NaN)
            let val = if vl.is_nan() {
                String::new()
            } else {
                format!("  val_loss {vl:.5}  metric {vm:.4}")
            };
            progress(&format!(
                "epoch {:>4}/{}  loss {:.5}{val}  lr {:.2e}  {:.1}s",
                epoch + 1,
                cfg.epochs,
                h.train_loss[epoch],
                lr,
                h.seconds[epoch]
            ));
        }
        stopped = cfg.patience.is_some_and(|p| since_best >= p);
        if let Some((path, fp)) = &resume {
            let at = checkpoint::Progress {
                next_epoch: epoch + 1,
                stopped,
                history: &h,
                best: best.as_ref(),
                since_best,
            };
            checkpoint::save(path, fp, &vars, &opt, &at)?;
        }
    }
    if cfg.keep_best {
        if let Some((_, weights)) = best {
            for (v, w) in vars.iter().zip(weights) {
                v.set(&w).map_err(ce)?;
            }
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A weight whose gradient stays zero: its moments decay, and must reach exactly zero rather
    /// than f32's subnormal range (where each step takes a slow microcode path); gradients too
    /// small to square are flushed too.
    #[test]
    fn the_l2_penalty_enters_the_update_of_weight_matrices_only() {
        // loss Σ W + Σ b: every gradient is 1; plain SGD (no momentum) with lr 0.1, l2 0.5
        let w = Var::from_vec(vec![1f32, -2.0, 3.0, 4.0], (2, 2), &Device::Cpu).expect("W");
        let b = Var::from_vec(vec![1f32, -2.0], 2, &Device::Cpu).expect("b");
        let loss = (w.as_tensor().sum_all().expect("ΣW") + b.as_tensor().sum_all().expect("Σb"))
            .expect("loss");
        let grads = loss.backward().expect("backward");
        let vars = [w.clone(), b.clone()];
        let mut opt = Optimizer::new(&vars, false, 0.0).expect("SGD");
        opt.step(&vars, &grads, 0.1, 0.5).expect("step");
        let host = |v: &Var| -> Vec<f32> {
            v.as_tensor()
                .flatten_all()
                .and_then(|t| t.to_vec1())
                .expect("host")
        };
        // W − lr (1 + l2 W); b − lr · 1 (no penalty on biases)
        for (got, w0) in host(&w).iter().zip([1f32, -2.0, 3.0, 4.0]) {
            assert!(
                (got - (w0 - 0.1 * (1.0 + 0.5 * w0))).abs() < 1e-6,
                "{got} from {w0}"
            );
        }
        for (got, b0) in host(&b).iter().zip([1f32, -2.0]) {
            assert!((got - (b0 - 0.1)).abs() < 1e-6, "{got} from {b0}");
        }
    }

    #[test]
    fn adam_moments_never_become_subnormal() {
        for adam in [true, false] {
            let rule = UpdateRule {
                adam,
                lr: 1e-3,
                momentum: 0.9,
                decay: 0.0,
                c1: 1.0,
                c2: 1.0,
            };
            let (mut w, mut m, mut v) = (vec![0.5f32; 3], vec![1e-20f32; 3], vec![1e-20f32; 3]);
            let g = [0.0f32, 1e-21, 1e-40];
            for _ in 0..600 {
                rule.apply(&mut w, &mut m, &mut v, &g);
                for x in m.iter().chain(&v).chain(&w) {
                    assert!(*x == 0.0 || x.is_normal(), "adam {adam}: {x:e}");
                }
            }
            // the 1e-21 gradient still moves its moment (above the flush threshold)
            assert!(m[1] != 0.0 && m[0] == 0.0);
        }
    }

    /// Data-parallel shards: the two shards' weighted gradients (L2 penalty with the first only)
    /// sum to the whole batch's gradient, for a mean-per-sample loss and a mean-per-element one.
    #[test]
    fn shard_gradients_sum_to_the_batch_gradient() {
        let dev = Device::Cpu;
        let mut rng = crate::rng::from_seed(3);
        let specs = [
            Spec::Conv2d {
                filters: 4,
                kernel: 3,
                padding: Padding::Same,
                stride: 1,
            },
            Spec::Relu,
            Spec::MaxPool { size: 2 },
            Spec::Flatten,
            Spec::Dense {
                units: 3,
                init: Init::He,
            },
        ];
        let part = Part::new(&[1, 8, 8], &specs, &mut rng, &dev).expect("part");
        let model = Model {
            parts: vec![part],
            device: dev,
        };
        assert_eq!(shard_count(&model, 64), 2);
        assert_eq!(shard_count(&model, 16), 1);
        let n = 40;
        let x: Vec<f32> = (0..n * 64)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        for (kind, y) in [
            (
                Loss::CrossEntropy,
                (0..n).map(|i| (i % 3) as f32).collect::<Vec<_>>(),
            ),
            (
                Loss::Mse,
                (0..n * 3).map(|i| (i % 7) as f32 / 7.0).collect(),
            ),
        ] {
            let yshape = if kind == Loss::CrossEntropy {
                vec![]
            } else {
                vec![3]
            };
            let data = Data {
                x: x.clone(),
                y,
                n,
                xshape: vec![1, 8, 8],
                yshape,
            };
            let cfg = TrainConfig {
                loss: kind,
                adam: true,
                lr: 1e-3,
                momentum: 0.0,
                l2: 0.3,
                epochs: 1,
                batch: n,
                schedule: Schedule::Constant,
                patience: None,
                keep_best: false,
                seed: 1,
                metric: Metric::None,
                quiet: true,
                checkpoint: None,
            };
            let vars = model.trainable();
            let idx: Vec<usize> = (0..n).collect();
            let mut r = crate::rng::from_seed(0);
            let (l, full) =
                batch_gradients(&model, &data, &idx, 1.0, &cfg, &mut r).expect("full batch");
            let (a, b) = idx.split_at(24);
            let (la, ga) =
                batch_gradients(&model, &data, a, 0.6, &cfg, &mut r).expect("first shard");
            let (lb, gb) =
                batch_gradients(&model, &data, b, 0.4, &cfg, &mut r).expect("second shard");
            assert!((l - (0.6 * la + 0.4 * lb)).abs() < 1e-5 * l.abs().max(1.0));
            for v in &vars {
                let flat = |g: &candle_core::backprop::GradStore| -> Vec<f32> {
                    g.get(v.as_tensor())
                        .expect("gradient")
                        .flatten_all()
                        .and_then(|t| t.to_vec1())
                        .expect("host copy")
                };
                let (f, ga, gb) = (flat(&full), flat(&ga), flat(&gb));
                let scale = f.iter().fold(0f32, |m, x| m.max(x.abs()));
                assert!(scale > 0.0);
                for i in 0..f.len() {
                    assert!(
                        (f[i] - ga[i] - gb[i]).abs() < 1e-5 * scale,
                        "{kind:?}: {} vs {}",
                        f[i],
                        ga[i] + gb[i]
                    );
                }
            }
        }
    }
}
