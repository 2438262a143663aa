//! Layers and models: the parameters a spec makes (seeded initialisation), the forward pass,
//! freezing and composition.

use super::*;
use candle_core::{DType, Device, Tensor, Var};
use rand::Rng;

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
