//! Per-epoch training checkpoints, so that a training run longer than one sitting (seed 000's
//! paper-size D2L and L2D2L: hours on a CPU) survives Ctrl-C, a crash or the end of a session and
//! continues where it stopped when the script runs again.
//!
//! After every epoch `train` writes, atomically, one safetensors file holding the trainable
//! weights (`w.i`), the optimiser's moments (`m.i`, `v.i`), the keep-best snapshot (`best.i`) and,
//! as JSON metadata, the epoch reached, the step count, the history and a fingerprint of the run.
//! The shuffling and dropout streams are drawn per epoch from (seed, epoch), so nothing else is
//! needed for the continued run to give the same weights as an uninterrupted one.
//!
//! A checkpoint continues only the run it came from: the fingerprint covers the options that
//! shape the trajectory (everything but the epoch count, which may be raised to train longer),
//! the training and validation data, and every weight of the model as it was when training
//! started (so a changed model seed, or a changed frozen network downstream, is caught).

use super::{ce, Data, History, MlResult, Model, Optimizer, TrainConfig};
use candle_core::{Device, Tensor, Var};
use serde_json::{json, Value};
use std::path::Path;

/// Where a run stands after a finished epoch.
pub(super) struct Progress<'a> {
    pub next_epoch: usize,
    /// Early stopping has fired: no further epochs.
    pub stopped: bool,
    pub history: &'a History,
    /// Best score so far and its weights (empty without keep-best).
    pub best: Option<&'a (f64, Vec<Tensor>)>,
    pub since_best: usize,
}

/// A run restored from its checkpoint (its weights and optimiser state are set in place).
pub(super) struct Restored {
    pub next_epoch: usize,
    pub stopped: bool,
    pub history: History,
    pub best: Option<(f64, Vec<Tensor>)>,
    pub since_best: usize,
}

/// 64-bit FNV-1a-style mix of 32-bit words: cheap enough for every weight of a 15 M-parameter
/// model, and any changed value changes it.
fn mix(h: u64, words: impl Iterator<Item = u32>) -> u64 {
    words.fold(h, |h, w| (h ^ u64::from(w)).wrapping_mul(0x0100_0000_01b3))
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn data_hash(h: u64, d: &Data) -> u64 {
    let dims = [d.n]
        .iter()
        .chain(&d.xshape)
        .chain(&d.yshape)
        .map(|&v| v as u32)
        .collect::<Vec<_>>();
    let h = mix(h, dims.into_iter());
    let h = mix(h, d.x.iter().map(|v| v.to_bits()));
    mix(h, d.y.iter().map(|v| v.to_bits()))
}

/// The fingerprint of a run: what must match for a checkpoint to continue it.
pub(super) fn fingerprint(
    model: &Model,
    tr: &Data,
    val: Option<&Data>,
    cfg: &TrainConfig,
) -> MlResult<Value> {
    let setup = format!(
        "loss {:?}, adam {}, lr {}, momentum {}, l2 {}, batch {}, schedule {:?}, patience {:?}, keep_best {}, seed {}, metric {:?}",
        cfg.loss,
        cfg.adam,
        cfg.lr,
        cfg.momentum,
        cfg.l2,
        cfg.batch,
        cfg.schedule,
        cfg.patience,
        cfg.keep_best,
        cfg.seed,
        cfg.metric
    );
    let mut data = data_hash(FNV_START, tr);
    if let Some(v) = val {
        data = data_hash(data ^ 1, v);
    }
    let mut weights = FNV_START;
    for (name, var) in model.named() {
        weights = mix(weights, name.bytes().map(u32::from));
        weights = mix(weights, var.dims().iter().map(|&d| d as u32));
        let host: Vec<f32> = var
            .as_tensor()
            .flatten_all()
            .and_then(|t| t.to_dtype(candle_core::DType::F32))
            .and_then(|t| t.to_vec1())
            .map_err(ce)?;
        weights = mix(weights, host.iter().map(|v| v.to_bits()));
    }
    Ok(json!({
        "setup": setup,
        "data": format!("{data:016x}"),
        "model": format!("{weights:016x}"),
    }))
}

fn history_json(h: &History) -> Value {
    // NaN (no validation set) is stored as null
    let arr = |v: &[f64]| Value::Array(v.iter().map(|&x| json!(x)).collect());
    json!({
        "train_loss": arr(&h.train_loss),
        "val_loss": arr(&h.val_loss),
        "val_metric": arr(&h.val_metric),
        "seconds": arr(&h.seconds),
        "best_epoch": h.best_epoch,
    })
}

fn history_of(v: &Value) -> History {
    let arr = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .into_iter()
            .flatten()
            .map(|x| x.as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    History {
        train_loss: arr("train_loss"),
        val_loss: arr("val_loss"),
        val_metric: arr("val_metric"),
        seconds: arr("seconds"),
        best_epoch: v["best_epoch"].as_u64().unwrap_or(0) as usize,
    }
}

/// Write the checkpoint of a run after an epoch (atomically: a crash while writing leaves the
/// previous epoch's file).
pub(super) fn save(
    path: &Path,
    fp: &Value,
    vars: &[Var],
    opt: &Optimizer,
    at: &Progress,
) -> MlResult<()> {
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    for (i, var) in vars.iter().enumerate() {
        tensors.push((format!("w.{i}"), var.as_tensor().clone()));
        for (key, moment) in [("m", &opt.m[i]), ("v", &opt.v[i])] {
            if !moment.is_empty() {
                let t = Tensor::from_slice(moment, var.dims(), &Device::Cpu).map_err(ce)?;
                tensors.push((format!("{key}.{i}"), t));
            }
        }
    }
    if let Some((_, snap)) = at.best {
        for (i, t) in snap.iter().enumerate() {
            tensors.push((format!("best.{i}"), t.clone()));
        }
    }
    let meta = json!({
        "fingerprint": fp,
        "next_epoch": at.next_epoch,
        "stopped": at.stopped,
        "steps": opt.t,
        "best_score": at.best.map(|b| b.0),
        "since_best": at.since_best,
        "history": history_json(at.history),
    });
    let mut md = std::collections::HashMap::new();
    md.insert("disco_checkpoint".to_string(), meta.to_string());
    let bytes = safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(md))
        .map_err(|e| format!("checkpoint: {e}"))?;
    crate::io::write_atomic(path, &bytes)
        .map_err(|e| format!("checkpoint: cannot write '{}': {e}", path.display()))
}

/// Restore a run from its checkpoint: None when the file does not exist yet; an error when it
/// belongs to another run (naming what differs) or is damaged. Sets the trainable weights and
/// the optimiser state in place.
pub(super) fn restore(
    path: &Path,
    fp: &Value,
    vars: &[Var],
    opt: &mut Optimizer,
) -> MlResult<Option<Restored>> {
    let shown = path.display();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("checkpoint: cannot read '{shown}': {e}")),
    };
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| format!("checkpoint: '{shown}' is not a safetensors file: {e}"))?;
    let meta: Value = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get("disco_checkpoint"))
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| format!("checkpoint: '{shown}' is not a disco training checkpoint"))?;
    for (key, what) in [
        ("setup", "the training options"),
        ("data", "the training or validation data"),
        ("model", "the model's architecture or starting weights"),
    ] {
        if meta["fingerprint"][key] != fp[key] {
            return Err(format!(
                "checkpoint: '{shown}' was written by a different run ({what} differ); delete it or give another checkpoint path"
            ));
        }
    }
    let mut tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
        .map_err(|e| format!("checkpoint: '{shown}': {e}"))?;
    // the keep-best snapshot holds every variable or none
    let has_snapshot = tensors.contains_key("best.0");
    let mut take = |name: String, dims: &[usize]| -> MlResult<Tensor> {
        let t = tensors
            .remove(&name)
            .ok_or_else(|| format!("checkpoint: '{shown}' lacks tensor {name}"))?;
        if t.dims() != dims {
            return Err(format!(
                "checkpoint: '{shown}': tensor {name} has shape {:?}, expected {dims:?}",
                t.dims()
            ));
        }
        Ok(t)
    };
    let flat =
        |t: Tensor| -> MlResult<Vec<f32>> { t.flatten_all().and_then(|t| t.to_vec1()).map_err(ce) };
    let best_score = meta["best_score"].as_f64();
    let mut snapshot = Vec::new();
    for (i, var) in vars.iter().enumerate() {
        let w = take(format!("w.{i}"), var.dims())?;
        var.set(&w.to_device(var.device()).map_err(ce)?)
            .map_err(ce)?;
        opt.m[i] = flat(take(format!("m.{i}"), var.dims())?)?;
        if !opt.v[i].is_empty() {
            opt.v[i] = flat(take(format!("v.{i}"), var.dims())?)?;
        }
        if best_score.is_some() && has_snapshot {
            let b = take(format!("best.{i}"), var.dims())?;
            snapshot.push(b.to_device(var.device()).map_err(ce)?);
        }
    }
    opt.t = meta["steps"].as_i64().unwrap_or(0) as i32;
    Ok(Some(Restored {
        next_epoch: meta["next_epoch"].as_u64().unwrap_or(0) as usize,
        stopped: meta["stopped"].as_bool().unwrap_or(false),
        history: history_of(&meta["history"]),
        best: best_score.map(|s| (s, snapshot)),
        since_best: meta["since_best"].as_u64().unwrap_or(0) as usize,
    }))
}
