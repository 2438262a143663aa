//! rhai API of the neural networks: `model`, `chain`, `freeze`, `cnn_train`, `predict`,
//! `split`, `standardize`, metrics, `weights`, `save` / `load_model` (safetensors, the layer
//! spec stored in the file's metadata).

use super::{
    metric, predict, train, Data, Layer, Loss, Metric, Model, Part, Schedule, Spec, TrainConfig,
};
use crate::args::{count, err, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::arr_like;
use candle_core::{Device, Tensor, Var};
use rhai::{Array, Dynamic, Engine, Map, INT};

/// Integral floats as integers (a shape given as an ndarray, `units: 64.0`), as every count
/// argument takes them.
fn whole_numbers(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 9e15 => Value::from(x as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(whole_numbers).collect()),
        Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, x)| (k, whole_numbers(x))).collect())
        }
        other => other,
    }
}

/// layers[i] of `model`: a name ("relu") or a map (#{layer: "dense", units: 64}).
fn spec_of(v: &Dynamic, i: usize) -> Res<Spec> {
    let f = "model";
    let json = if v.is_string() {
        serde_json::json!({"layer": v.to_string()})
    } else if v.is_map() {
        whole_numbers(crate::io::script::to_json(v))
    } else {
        return err(format!("{f}: layers[{i}] must be a map like #{{layer: \"dense\", units: 64}} or a name like \"relu\""));
    };
    let name = json["layer"].as_str().unwrap_or("?").to_string();
    Spec::from_json(json).map_err(|e| format!("{f} (layers[{i}], {name}): {e}").into())
}

fn shape_list(v: &Dynamic, f: &str, arg: &str) -> Res<Vec<usize>> {
    let a = arr_like(v, f, arg)?;
    a.to_vec()
        .iter()
        .map(|x| {
            if *x >= 1.0 && x.fract() == 0.0 {
                Ok(*x as usize)
            } else {
                err(format!("{f}: {arg} must hold positive integers"))
            }
        })
        .collect()
}

/// The compute device: "cpu", or "cuda" (GPU 0) in a build with the `cuda` feature.
fn device(name: &str) -> Res<Device> {
    if name == "cpu" {
        return Ok(Device::Cpu);
    }
    #[cfg(feature = "cuda")]
    {
        Device::new_cuda(0).map_err(|e| format!("model: no CUDA device available: {e}").into())
    }
    #[cfg(not(feature = "cuda"))]
    {
        err("model: device \"cuda\" needs disco built with `--features cuda` (this build is CPU only)")
    }
}

fn new_model(m: Map) -> Res<Model> {
    let f = "model";
    let o = Opts::new(m, f, &["input", "layers", "seed", "device"])?;
    let dev = device(&o.choice_or("device", "cpu", &["cpu", "cuda"])?)?;
    let input = shape_list(
        o.get("input")
            .ok_or("model: option 'input' (sample shape, e.g. [2, 16, 16]) is required")?,
        f,
        "input",
    )?;
    let layers: Array = o
        .get("layers")
        .and_then(|v| v.clone().try_cast())
        .ok_or("model: option 'layers' must be an array")?;
    let specs: Vec<Spec> = layers
        .iter()
        .enumerate()
        .map(|(i, v)| spec_of(v, i))
        .collect::<Res<_>>()?;
    // size check before allocating weights (4 bytes each)
    let mut rng = crate::rng::from_seed(o.seed()?);
    let part = Part::new(&input, &specs, &mut rng, &dev).map_err(|e| format!("model: {e}"))?;
    Ok(Model {
        parts: vec![part],
        device: dev,
    })
}

fn data_of(x: &Dynamic, y: &Dynamic, model: &Model, f: &str) -> Res<Data> {
    let xa = arr_like(x, f, "x")?;
    let ya = arr_like(y, f, "y")?;
    let n = xa.len();
    if n == 0 {
        return err(format!("{f}: x holds no samples"));
    }
    if ya.len() != n {
        return err(format!("{f}: x has {n} samples but y has {}", ya.len()));
    }
    let xshape = xa.shape()[1..].to_vec();
    if xshape != model.input() {
        return err(format!(
            "{f}: samples of shape {xshape:?} do not match the model input {:?}",
            model.input()
        ));
    }
    if xa
        .view()
        .iter()
        .chain(ya.view().iter())
        .any(|v| !v.is_finite())
    {
        return err(format!("{f}: the data hold NaN or infinite values"));
    }
    Ok(Data {
        x: xa.view().iter().map(|v| *v as f32).collect(),
        y: ya.view().iter().map(|v| *v as f32).collect(),
        n,
        xshape,
        yshape: ya.shape()[1..].to_vec(),
    })
}

fn xy(m: &Map, f: &str, what: &str) -> Res<(Dynamic, Dynamic)> {
    if let Some(k) = m.keys().find(|k| k.as_str() != "x" && k.as_str() != "y") {
        let hint = if k.as_str() == "val" {
            ": validation data is an option, cnn_train(model, #{x, y}, #{val: #{x, y}})"
        } else {
            ""
        };
        return err(format!(
            "{f}: {what} takes only the keys x and y, not '{k}'{hint}"
        ));
    }
    let x = m
        .get("x")
        .cloned()
        .ok_or_else(|| format!("{f}: {what} needs keys x and y"))?;
    let y = m
        .get("y")
        .cloned()
        .ok_or_else(|| format!("{f}: {what} needs keys x and y"))?;
    Ok((x, y))
}

fn cnn_train(model: Model, data: Map, m: Map) -> Res<Map> {
    let f = "cnn_train";
    let o = Opts::new(
        m,
        f,
        &[
            "loss",
            "optimizer",
            "lr",
            "momentum",
            "l2",
            "epochs",
            "batch_size",
            "schedule",
            "gamma",
            "step",
            "early_stopping",
            "keep_best",
            "val",
            "metric",
            "seed",
            "checkpoint",
        ],
    )?;
    let (x, y) = xy(&data, f, "data")?;
    let tr = data_of(&x, &y, &model, f)?;
    let val = match o.get("val") {
        Some(v) => {
            let vm: Map = v
                .clone()
                .try_cast()
                .ok_or("cnn_train: option 'val' must be a map #{x, y}")?;
            let (vx, vy) = xy(&vm, f, "val")?;
            Some(data_of(&vx, &vy, &model, f)?)
        }
        None => None,
    };
    let loss = match o
        .choice_or(
            "loss",
            "mse",
            &["mse", "mae", "mape", "cross_entropy", "bce"],
        )?
        .as_str()
    {
        "mae" => Loss::Mae,
        "mape" => Loss::Mape,
        "cross_entropy" => Loss::CrossEntropy,
        "bce" => Loss::Bce,
        _ => Loss::Mse,
    };
    let metric_kind = match o
        .choice_or(
            "metric",
            match loss {
                Loss::CrossEntropy | Loss::Bce => "accuracy",
                Loss::Mape => "mape_accuracy",
                _ => "r2",
            },
            &["accuracy", "r2", "rmse", "mape_accuracy", "none"],
        )?
        .as_str()
    {
        "accuracy" => Metric::Accuracy,
        "rmse" => Metric::Rmse,
        "mape_accuracy" => Metric::MapeAccuracy,
        "none" => Metric::None,
        _ => Metric::R2,
    };
    let gamma = o.f64_or("gamma", 0.95)?;
    let schedule = match o
        .choice_or("schedule", "constant", &["constant", "exp", "step"])?
        .as_str()
    {
        "exp" => Schedule::Exp(gamma),
        "step" => Schedule::Step(o.count_or("step", 10, 1, 1 << 30)?, gamma),
        _ => Schedule::Constant,
    };
    let cfg = TrainConfig {
        loss,
        adam: o.choice_or("optimizer", "adam", &["adam", "sgd"])? == "adam",
        lr: o.f64_or("lr", 1e-3)?,
        momentum: o.f64_or("momentum", 0.9)?,
        l2: o.f64_or("l2", 0.0)?,
        epochs: o.count_or("epochs", 10, 1, 1 << 30)?,
        batch: o.count_or("batch_size", 32, 1, 1 << 30)?,
        schedule,
        patience: match o.get("early_stopping") {
            Some(v) => Some(count(v, f, "opts.early_stopping", 1, 1 << 30)?),
            None => None,
        },
        keep_best: o.bool_or("keep_best", val.is_some())?,
        seed: o.seed()?,
        metric: metric_kind,
        quiet: crate::progress::quiet(),
        checkpoint: match o.get("checkpoint") {
            Some(v) => Some(
                v.clone()
                    .into_string()
                    .map_err(|_| "cnn_train: option 'checkpoint' must be a file path (string)")?
                    .into(),
            ),
            None => None,
        },
    };
    if !(cfg.lr.is_finite() && cfg.lr > 0.0) {
        return err("cnn_train: lr must be a finite number > 0");
    }
    let h = train(&model, &tr, val.as_ref(), &cfg, &|line| eprintln!("{line}"))
        .map_err(|e| format!("cnn_train: {e}"))?;
    let mut hist = Map::new();
    hist.insert(
        "train_loss".into(),
        Dynamic::from(NdArray::from_vec(h.train_loss)),
    );
    hist.insert(
        "val_loss".into(),
        Dynamic::from(NdArray::from_vec(h.val_loss)),
    );
    hist.insert(
        "val_metric".into(),
        Dynamic::from(NdArray::from_vec(h.val_metric)),
    );
    hist.insert(
        "seconds".into(),
        Dynamic::from(NdArray::from_vec(h.seconds)),
    );
    hist.insert("best_epoch".into(), Dynamic::from_int(h.best_epoch as INT));
    let mut out = Map::new();
    out.insert("model".into(), Dynamic::from(model));
    out.insert("history".into(), Dynamic::from_map(hist));
    Ok(out)
}

fn predict_nd(model: &Model, x: &Dynamic) -> Res<NdArray> {
    let f = "predict";
    let xa = arr_like(x, f, "x")?;
    let xshape = xa.shape()[1..].to_vec();
    if xshape != model.input() {
        return err(format!(
            "{f}: samples of shape {xshape:?} do not match the model input {:?}",
            model.input()
        ));
    }
    let d = Data {
        x: xa.view().iter().map(|v| *v as f32).collect(),
        y: vec![0.0; xa.len()],
        n: xa.len(),
        xshape,
        yshape: vec![],
    };
    let (p, oshape) = predict(model, &d).map_err(|e| format!("{f}: {e}"))?;
    let mut shape = vec![xa.len()];
    shape.extend(oshape);
    Ok(NdArray::from_shape(
        &shape,
        p.iter().map(|v| *v as f64).collect(),
    )?)
}

fn tensor_nd(t: &Tensor) -> Res<NdArray> {
    let v: Vec<f32> = t
        .flatten_all()
        .and_then(|x| x.to_vec1())
        .map_err(|e| format!("weights: {e}"))?;
    Ok(NdArray::from_shape(
        t.dims(),
        v.iter().map(|x| *x as f64).collect(),
    )?)
}

fn save_model(model: &Model, path: &str) -> Res<String> {
    let bytes = super::model_file::to_bytes(model).map_err(|e| format!("save: {e}"))?;
    crate::io::write_atomic(std::path::Path::new(path), &bytes)
        .map_err(|e| format!("save: cannot write '{path}': {e}"))?;
    Ok(path.to_string())
}

fn load_model(path: &str) -> Res<Model> {
    let f = "load_model";
    let bytes = std::fs::read(path).map_err(|e| format!("{f}: cannot read '{path}': {e}"))?;
    super::model_file::from_bytes(&bytes, path).map_err(|e| format!("{f}: {e}").into())
}

/// A deep copy (new weight storage) of a model.
fn deep_copy(m: &Model) -> Res<Model> {
    let mut out = m.clone();
    for p in &mut out.parts {
        for l in &mut p.layers {
            let cp = |v: &Var| -> Res<Var> {
                Var::from_tensor(&v.as_tensor().copy().map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string().into())
            };
            match l {
                Layer::Conv2d { w, b, .. } | Layer::Dense { w, b } => {
                    *w = cp(w)?;
                    *b = cp(b)?;
                }
                Layer::Residual { c1, c2, proj } => {
                    *c1 = (cp(&c1.0)?, cp(&c1.1)?);
                    *c2 = (cp(&c2.0)?, cp(&c2.1)?);
                    if let Some(pp) = proj {
                        *pp = (cp(&pp.0)?, cp(&pp.1)?);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

/// Register the machine-learning functions.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Model>("model");
    reg(
        engine,
        "to_string",
        &["m: model", "string"],
        "Short description.",
        |m: &mut Model| {
            format!(
                "model(input {:?}, {} parts, {} parameters{})",
                m.input(),
                m.parts.len(),
                m.params(),
                if m.parts.iter().any(|p| p.frozen) {
                    ", some frozen"
                } else {
                    ""
                }
            )
        },
    );
    reg(engine, "model", &["spec: map", "model"], "A network from #{input: sample shape ([C, H, W] or [F]), layers: [#{layer: \"conv2d\", filters, kernel, padding: \"same\"|\"valid\", stride}, #{layer: \"maxpool\"|\"avgpool\", size}, \"flatten\", #{layer: \"dense\", units, init: \"he\"|\"zeros\" (zeros: start at the zero map, e.g. a generator whose output feeds a frozen network)}, #{layer: \"residual\", filters}, #{layer: \"batchnorm\", momentum (0.1), eps (1e-5)} (per channel or feature; batch statistics in training, running averages when predicting), #{layer: \"dropout\", rate}, #{layer: \"reshape\", shape}, #{layer: \"gaussian\", beta} (VAE bottleneck: 2d inputs (μ, ln σ²) → d samples z = μ + σε, β·KL added to the loss; z = μ when predicting), \"relu\"|\"tanh\"|\"sigmoid\"|\"linear\"|\"softmax\"], seed, device: \"cpu\"|\"cuda\"}; weights initialised from disco's seeded generator.", new_model);
    reg(
        engine,
        "get$params",
        &["m: model", "int"],
        "`m.params`: number of trainable and frozen parameters.",
        |m: &mut Model| m.params() as INT,
    );
    reg(
        engine,
        "params",
        &["m: model", "int"],
        "Number of parameters.",
        |m: &mut Model| m.params() as INT,
    );
    reg(
        engine,
        "weight_names",
        &["m: model", "array"],
        "Names of the weight tensors (p<part>.l<layer>.weight / .bias).",
        |m: &mut Model| -> Array {
            m.named()
                .into_iter()
                .map(|(n, _)| Dynamic::from(n))
                .collect()
        },
    );
    reg(
        engine,
        "weights",
        &["m: model", "name: string", "ndarray"],
        "A weight tensor as an ndarray (dense weights are in×out).",
        |m: &mut Model, name: &str| -> Res<NdArray> {
            let named = m.named();
            let v = named
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| format!("weights: no tensor '{name}'; see weight_names(model)"))?;
            tensor_nd(v.1.as_tensor())
        },
    );
    reg(
        engine,
        "set_weights",
        &["m: model", "name: string", "values: ndarray", "()"],
        "Overwrite a weight tensor with an ndarray of the same shape (as `weights` returns it), e.g. to start an output layer's bias at a chosen structure.",
        |m: &mut Model, name: &str, values: NdArray| -> Res<()> {
            let named = m.named();
            let v = named
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| format!("set_weights: no tensor '{name}'; see weight_names(model)"))?;
            let shape = v.1.dims().to_vec();
            if values.shape() != shape.as_slice() {
                return err(format!(
                    "set_weights: '{name}' has shape {shape:?}, got values of shape {:?}",
                    values.shape()
                ));
            }
            let data: Vec<f32> = values.to_vec().iter().map(|&x| x as f32).collect();
            if data.iter().any(|x| !x.is_finite()) {
                return err(format!("set_weights: values for '{name}' must be finite"));
            }
            let t = Tensor::from_vec(data, shape, v.1.device())
                .map_err(|e| format!("set_weights: {e}"))?;
            v.1.set(&t).map_err(|e| format!("set_weights: {e}"))?;
            Ok(())
        },
    );
    reg(
        engine,
        "freeze",
        &["m: model", "model"],
        "The same network with every part frozen (its weights do not train when chained).",
        |m: &mut Model| -> Model {
            let mut out = m.clone();
            out.parts.iter_mut().for_each(|p| p.frozen = true);
            out
        },
    );
    reg(engine, "chain", &["a: model", "b: model", "model"], "A followed by B (B's input must be A's output); weights are shared, so training chain(A, freeze(B)) trains A through a fixed B.", |a: Model, b: Model| -> Res<Model> {
        let out_a = a.parts.last().map(|p| p.output.clone()).unwrap_or_default();
        if out_a != b.input() {
            return err(format!("chain: A outputs {out_a:?} but B expects {:?} (reshape in A, e.g. a dense layer of the right size)", b.input()));
        }
        if !a.device.same_device(&b.device) {
            return err("chain: A and B live on different devices");
        }
        Ok(Model { parts: a.parts.into_iter().chain(b.parts).collect(), device: a.device })
    });
    reg(
        engine,
        "copy_model",
        &["m: model", "model"],
        "An independent copy (new weight storage).",
        |m: &mut Model| deep_copy(m),
    );
    reg(engine, "cnn_train", &["model: model", "data: map", "opts: map", "map"], "Train on data #{x: N×(input), y: N×K (or N class labels)}: opts loss (mse, mae, mape, cross_entropy, bce), optimizer (adam, sgd), lr, momentum, l2 (λΣw²/2), epochs, batch_size, schedule (constant, exp, step) with gamma, step, early_stopping (patience), keep_best, val #{x, y}, metric (accuracy, r2, rmse, mape_accuracy), seed, checkpoint (file written after every epoch: weights, optimiser state, history; running the same training again continues from it, with more epochs if asked). Batches of ≥ 32 (without batch norm) train as two data-parallel shards on the CPU; the same seed gives the same weights on any core count. Prints one line per epoch. Returns #{model, history}.", cnn_train);
    reg(
        engine,
        "predict",
        &["model: model", "x: ndarray", "ndarray"],
        "Network outputs for a batch of samples (N×outputs).",
        |m: &mut Model, x: Dynamic| predict_nd(m, &x),
    );
    reg(
        engine,
        "save",
        &["model: model", "path: string", "string"],
        "Write a model (spec + weights) as .safetensors, atomically.",
        |m: &mut Model, p: &str| save_model(m, p),
    );
    reg(
        engine,
        "load_model",
        &["path: string", "model"],
        "Read a model written by save(model, path) (onto the CPU).",
        load_model,
    );
    reg(
        engine,
        "split",
        &[
            "x: ndarray",
            "y: ndarray",
            "fractions: array",
            "seed: int",
            "array",
        ],
        "Shuffle and split samples by fractions (e.g. [0.6, 0.2, 0.2]): an array of #{x, y}.",
        |x: Dynamic, y: Dynamic, fr: Array, seed: Dynamic| -> Res<Array> {
            let f = "split";
            let (xa, ya) = (arr_like(&x, f, "x")?, arr_like(&y, f, "y")?);
            if xa.len() != ya.len() {
                return err(format!(
                    "{f}: x has {} samples, y has {}",
                    xa.len(),
                    ya.len()
                ));
            }
            let fr: Vec<f64> = fr
                .iter()
                .map(|v| crate::args::num(v, f, "fractions"))
                .collect::<Res<_>>()?;
            let total: f64 = fr.iter().sum();
            if fr.iter().any(|v| *v < 0.0) || total <= 0.0 {
                return err(format!(
                    "{f}: fractions must be non-negative with a positive sum"
                ));
            }
            use rand::seq::SliceRandom;
            let mut idx: Vec<usize> = (0..xa.len()).collect();
            idx.shuffle(&mut crate::rng::from_seed(crate::args::seed_arg(&seed, f)?));
            let mut out = Array::new();
            let mut start = 0usize;
            let mut acc = 0.0;
            for (k, v) in fr.iter().enumerate() {
                acc += v;
                let end = if k + 1 == fr.len() {
                    idx.len()
                } else {
                    ((acc / total) * idx.len() as f64).round() as usize
                };
                let take = &idx[start..end.max(start)];
                let mut m = Map::new();
                m.insert(
                    "x".into(),
                    Dynamic::from(NdArray::new(xa.view().select(ndarray::Axis(0), take))),
                );
                m.insert(
                    "y".into(),
                    Dynamic::from(NdArray::new(ya.view().select(ndarray::Axis(0), take))),
                );
                out.push(Dynamic::from_map(m));
                start = end.max(start);
            }
            Ok(out)
        },
    );
    reg(engine, "standardize", &["x: ndarray", "map"], "Per-feature standardisation over samples (axis 0): #{x: (x − mean)/std, mean, std}; apply the same mean/std to new data.", |x: Dynamic| -> Res<Map> {
        let a = arr_like(&x, "standardize", "x")?;
        if a.len() < 2 {
            return err("standardize: need at least 2 samples");
        }
        let mean = a.view().mean_axis(ndarray::Axis(0)).ok_or("standardize: empty")?;
        let std = a.view().std_axis(ndarray::Axis(0), 0.0).mapv(|s| if s > 0.0 { s } else { 1.0 });
        let z = (a.view() - &mean) / &std;
        let mut m = Map::new();
        m.insert("x".into(), Dynamic::from(NdArray::new(z)));
        m.insert("mean".into(), Dynamic::from(NdArray::new(mean)));
        m.insert("std".into(), Dynamic::from(NdArray::new(std)));
        Ok(m)
    });
    let met = |name: &'static str, kind: Metric| {
        move |p: Dynamic, y: Dynamic| -> Res<f64> {
            let (pa, ya) = (arr_like(&p, name, "pred")?, arr_like(&y, name, "y")?);
            if pa.len() != ya.len() || pa.is_empty() {
                return err(format!(
                    "{name}: pred and y need the same, non-zero number of samples"
                ));
            }
            let k = pa.size() / pa.len();
            // y: per-sample values of pred's shape, or (accuracy) one class label per sample
            let labels = matches!(kind, Metric::Accuracy) && ya.size() == pa.len();
            if !labels && ya.size() != pa.size() {
                return err(format!(
                    "{name}: y has shape {:?} but pred has shape {:?}{}",
                    ya.shape(),
                    pa.shape(),
                    if matches!(kind, Metric::Accuracy) {
                        " (give one label per sample, or one-hot rows of pred's width)"
                    } else {
                        ""
                    }
                ));
            }
            if labels {
                let classes = k.max(2) as f64;
                if let Some(l) = ya
                    .view()
                    .iter()
                    .find(|l| !(l.fract() == 0.0 && **l >= 0.0 && **l < classes))
                {
                    return err(format!(
                        "{name}: label {l} is not a class index in 0..{classes}"
                    ));
                }
            }
            let pv: Vec<f32> = pa.view().iter().map(|v| *v as f32).collect();
            let yv: Vec<f32> = ya.view().iter().map(|v| *v as f32).collect();
            Ok(metric(kind, &pv, k, &yv))
        }
    };
    reg(engine, "accuracy", &["pred: ndarray", "labels: ndarray", "float"], "Fraction of samples whose argmax prediction (or logit > 0 for one output) equals the label.", met("accuracy", Metric::Accuracy));
    reg(
        engine,
        "r2_score",
        &["pred: ndarray", "y: ndarray", "float"],
        "Coefficient of determination R².",
        met("r2_score", Metric::R2),
    );
    reg(
        engine,
        "rmse",
        &["pred: ndarray", "y: ndarray", "float"],
        "Root-mean-square error.",
        met("rmse", Metric::Rmse),
    );
    reg(
        engine,
        "mape_accuracy",
        &["pred: ndarray", "y: ndarray", "float"],
        "1 − mean |ŷ − y|/|y| (seed 000's accuracy).",
        met("mape_accuracy", Metric::MapeAccuracy),
    );
    reg(
        engine,
        "confusion_matrix",
        &["pred: ndarray", "labels: ndarray", "ndarray"],
        "K×K counts: row = true class, column = predicted (argmax).",
        |p: Dynamic, y: Dynamic| -> Res<NdArray> {
            let f = "confusion_matrix";
            let (pa, ya) = (arr_like(&p, f, "pred")?, arr_like(&y, f, "labels")?);
            if pa.ndim() != 2 || pa.len() != ya.size() {
                return err(format!("{f}: pred must be N×K and labels N"));
            }
            let k = pa.shape()[1];
            let mut c = vec![0.0; k * k];
            for (i, row) in pa.view().outer_iter().enumerate() {
                let pr = row
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|x| x.0)
                    .unwrap_or(0);
                let t = ya.view().iter().nth(i).copied().unwrap_or(0.0);
                if t < 0.0 || t as usize >= k || t.fract() != 0.0 {
                    return err(format!("{f}: label {t} is not a class index below {k}"));
                }
                c[t as usize * k + pr] += 1.0;
            }
            Ok(NdArray::from_2d(k, k, c)?)
        },
    );
}
