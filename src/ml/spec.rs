//! The layer specification: what `model(...)` reads from a script and what a model file stores
//! beside its weights. One serde-derived type, so the script's maps, the file's JSON and the
//! defaults are written once: `{"layer": "dense", "units": 64, "init": "he"}`.

use serde::{Deserialize, Serialize};

/// Activation functions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    Relu,
    Tanh,
    Sigmoid,
    Linear,
    Softmax,
}

/// Zero padding of a convolution: "same" keeps H×W (odd kernels), "valid" pads nothing.
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Padding {
    #[default]
    Same,
    Valid,
}

/// Initial weights of a dense layer: He (normal, variance 2/fan-in) or all zero.
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    #[default]
    He,
    /// The zero map (weights and bias 0), so a generator's output starts at the origin (L2D:
    /// the undisplaced lattice) instead of at a random point outside the data a frozen network
    /// downstream was trained on.
    Zeros,
}

fn one() -> usize {
    1
}
fn two() -> usize {
    2
}
fn three() -> usize {
    3
}
fn sixteen() -> usize {
    16
}
fn half() -> f64 {
    0.5
}
fn unit() -> f64 {
    1.0
}
fn tenth() -> f64 {
    0.1
}
fn bn_eps() -> f64 {
    1e-5
}

/// One layer specification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "layer", rename_all = "lowercase", deny_unknown_fields)]
pub enum Spec {
    Conv2d {
        #[serde(default = "sixteen")]
        filters: usize,
        #[serde(default = "three")]
        kernel: usize,
        #[serde(default)]
        padding: Padding,
        #[serde(default = "one")]
        stride: usize,
    },
    #[serde(rename = "maxpool")]
    MaxPool {
        #[serde(default = "two")]
        size: usize,
    },
    #[serde(rename = "avgpool")]
    AvgPool {
        #[serde(default = "two")]
        size: usize,
    },
    /// A fully connected layer.
    Dense {
        #[serde(default = "one")]
        units: usize,
        #[serde(default)]
        init: Init,
    },
    /// Two 3×3 convolutions with a skip connection (a 1×1 projection where channels change).
    Residual {
        #[serde(default = "sixteen")]
        filters: usize,
    },
    Dropout {
        #[serde(default = "half")]
        rate: f64,
    },
    Flatten,
    /// Reshape each sample (same number of elements), e.g. 512 → 2×16×16.
    Reshape {
        shape: Vec<usize>,
    },
    /// The VAE bottleneck: a flat input of 2d features read as (μ, ln σ²) gives d outputs,
    /// z = μ + σ·ε (ε ~ N(0, 1) from the seeded generator) in training and z = μ otherwise; adds
    /// β·KL(N(μ, σ²) ‖ N(0, 1)) per sample, divided by the outputs per sample, to the loss.
    Gaussian {
        #[serde(default = "unit")]
        beta: f64,
    },
    /// Batch normalisation per channel (C×H×W) or per feature (F): batch statistics in training
    /// (running averages updated with `momentum`), the running averages when predicting.
    #[serde(rename = "batchnorm")]
    BatchNorm {
        #[serde(default = "tenth")]
        momentum: f64,
        #[serde(default = "bn_eps")]
        eps: f64,
    },
    Relu,
    Tanh,
    Sigmoid,
    Linear,
    Softmax,
}

/// The layer names `model` knows.
pub const LAYERS: &str = "conv2d, maxpool, avgpool, dense, residual, batchnorm, dropout, \
                          flatten, reshape, gaussian, relu, tanh, sigmoid, linear, softmax";

impl Spec {
    /// The activation of an activation layer.
    pub fn activation(&self) -> Option<Act> {
        Some(match self {
            Spec::Relu => Act::Relu,
            Spec::Tanh => Act::Tanh,
            Spec::Sigmoid => Act::Sigmoid,
            Spec::Linear => Act::Linear,
            Spec::Softmax => Act::Softmax,
            _ => return None,
        })
    }

    /// A layer from its JSON form (a script's map or a model file's entry), with every value
    /// checked against its range.
    pub fn from_json(v: serde_json::Value) -> Result<Spec, String> {
        let name = v.get("layer").and_then(|l| l.as_str()).map(str::to_string);
        // which option holds a value serde refuses (its message names the value, not the key)
        let key_of = |bad: &str| {
            v.as_object().and_then(|m| {
                m.iter()
                    .find(|(k, x)| *k != "layer" && x.as_str() == Some(bad))
                    .map(|(k, _)| k.clone())
            })
        };
        let spec: Spec = serde_json::from_value(v.clone()).map_err(|e| {
            let e = e.to_string();
            match &name {
                Some(n) if e.contains(&format!("unknown variant `{n}`")) => {
                    format!("unknown layer '{n}'; known: {LAYERS}")
                }
                None => "lacks the key 'layer'".to_string(),
                _ if e.starts_with("unknown variant `") => {
                    let bad = e["unknown variant `".len()..]
                        .split('`')
                        .next()
                        .unwrap_or("");
                    match key_of(bad) {
                        Some(k) => format!("option '{k}': {e}"),
                        None => e,
                    }
                }
                // the wording of every other options map: "unknown option 'unit'"
                _ => match e
                    .strip_prefix("unknown field `")
                    .and_then(|r| r.split_once('`'))
                {
                    Some((key, rest)) => format!("unknown option '{key}'{rest}"),
                    None => e,
                },
            }
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// The ranges the numbers of a layer must lie in.
    pub fn validate(&self) -> Result<(), String> {
        let within = |what: &str, v: usize, hi: usize| {
            if (1..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{what} must be in 1..={hi}, got {v}"))
            }
        };
        match self {
            Spec::Conv2d {
                filters,
                kernel,
                stride,
                ..
            } => {
                within("filters", *filters, 1 << 16)?;
                within("kernel", *kernel, 64)?;
                within("stride", *stride, 64)
            }
            Spec::MaxPool { size } | Spec::AvgPool { size } => within("size", *size, 64),
            Spec::Dense { units, .. } => within("units", *units, 1 << 24),
            Spec::Residual { filters } => within("filters", *filters, 1 << 16),
            Spec::Dropout { rate } if !(0.0..1.0).contains(rate) => {
                Err(format!("rate must be in [0, 1), got {rate}"))
            }
            Spec::BatchNorm { momentum, eps }
                if !(*momentum > 0.0 && *momentum <= 1.0 && *eps > 0.0 && eps.is_finite()) =>
            {
                Err(format!(
                    "need 0 < momentum <= 1 and eps > 0, got {momentum}, {eps}"
                ))
            }
            Spec::Gaussian { beta } if !(*beta >= 0.0 && beta.is_finite()) => {
                Err(format!("beta must be a finite number >= 0, got {beta}"))
            }
            Spec::Reshape { shape } if shape.is_empty() || shape.contains(&0) => {
                Err(format!("shape must hold positive integers, got {shape:?}"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_filled_and_the_json_round_trips() {
        let s = Spec::from_json(serde_json::json!({"layer": "conv2d", "filters": 8})).unwrap();
        assert_eq!(
            s,
            Spec::Conv2d {
                filters: 8,
                kernel: 3,
                padding: Padding::Same,
                stride: 1
            }
        );
        let j = serde_json::to_value(&s).unwrap();
        assert_eq!(j["padding"], "same");
        assert_eq!(Spec::from_json(j).unwrap(), s);
        assert_eq!(
            Spec::from_json(serde_json::json!({"layer": "relu"}))
                .unwrap()
                .activation(),
            Some(Act::Relu)
        );
        // the form model files written before this type still load
        let old = serde_json::json!({"layer": "dense", "units": 4, "init": "zeros"});
        assert_eq!(
            Spec::from_json(old).unwrap(),
            Spec::Dense {
                units: 4,
                init: Init::Zeros
            }
        );
    }

    #[test]
    fn bad_layers_are_named() {
        let e = |v| Spec::from_json(v).unwrap_err();
        assert!(e(serde_json::json!({"layer": "conv"})).contains("unknown layer 'conv'"));
        assert!(
            e(serde_json::json!({"layer": "dense", "unit": 3})).contains("unknown option 'unit'")
        );
        assert!(e(serde_json::json!({"layer": "dense", "init": "ones"}))
            .contains("option 'init': unknown variant `ones`"));
        assert!(e(serde_json::json!({"layer": "dropout", "rate": 1.5})).contains("[0, 1)"));
        assert!(e(serde_json::json!({"units": 3})).contains("'layer'"));
    }
}
