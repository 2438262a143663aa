//! Training: data sets, batching and shuffling, gradients summed over shards on every core,
//! metrics, early stopping and keep-best, checkpoints after every epoch.

use super::*;
use candle_core::{Device, Tensor, Var};
use rand::Rng;

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
pub(super) fn shard_count(model: &Model, batch: usize) -> usize {
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
pub(super) fn batch_gradients<R: Rng>(
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
