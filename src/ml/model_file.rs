//! Model files: safetensors with the weights, and the layer spec of every part as JSON in the
//! file's metadata (key `disco_model`). Plain Rust: a saved model loads without the interpreter.

use super::{Model, Part, Spec};
use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// One part of a model as the file stores it.
#[derive(Serialize, Deserialize)]
struct PartFile {
    input: Vec<usize>,
    #[serde(default)]
    frozen: bool,
    layers: Vec<serde_json::Value>,
}

/// The bytes of a model file: its weights, and its spec in the metadata.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>, String> {
    let parts: Vec<PartFile> = model
        .parts
        .iter()
        .map(|p| {
            Ok(PartFile {
                input: p.input.clone(),
                frozen: p.frozen,
                layers: p
                    .specs
                    .iter()
                    .map(serde_json::to_value)
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())?,
            })
        })
        .collect::<Result<_, String>>()?;
    let spec = serde_json::to_string(&parts).map_err(|e| e.to_string())?;
    let meta = std::collections::HashMap::from([("disco_model".to_string(), spec)]);
    let named = model.named();
    let tensors: Vec<(String, Tensor)> = named
        .iter()
        .map(|(n, v)| (n.clone(), v.as_tensor().clone()))
        .collect();
    safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(meta))
        .map_err(|e| e.to_string())
}

/// A model from the bytes of a model file (`what` names the file in messages), on the CPU.
pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Model, String> {
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| format!("'{what}' is not a safetensors file: {e}"))?;
    let spec = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get("disco_model"))
        .ok_or_else(|| format!("'{what}' holds no disco model spec"))?;
    let parts: Vec<PartFile> =
        serde_json::from_str(spec).map_err(|e| format!("'{what}': bad spec: {e}"))?;
    let tensors =
        candle_core::safetensors::load_buffer(bytes, &Device::Cpu).map_err(|e| e.to_string())?;
    let mut model = Model {
        parts: vec![],
        device: Device::Cpu,
    };
    // the weights are overwritten below: the generator only fills them meanwhile
    let mut rng = crate::rng::from_seed(0);
    for (pi, p) in parts.into_iter().enumerate() {
        let specs: Vec<Spec> = p
            .layers
            .into_iter()
            .enumerate()
            .map(|(i, l)| Spec::from_json(l).map_err(|e| format!("'{what}': layer {i}: {e}")))
            .collect::<Result<_, _>>()?;
        let mut part = Part::new(&p.input, &specs, &mut rng, &Device::Cpu)?;
        part.frozen = p.frozen;
        for (name, var) in part.named(&format!("p{pi}.")) {
            let t = tensors
                .get(&name)
                .ok_or_else(|| format!("'{what}' lacks tensor {name}"))?;
            if t.dims() != var.dims() {
                return Err(format!(
                    "tensor {name} has shape {:?}, expected {:?}",
                    t.dims(),
                    var.dims()
                ));
            }
            var.set(t).map_err(|e| e.to_string())?;
        }
        model.parts.push(part);
    }
    if model.parts.is_empty() {
        return Err(format!("'{what}' holds an empty model"));
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::spec::{Init, Padding};

    /// Written and read back in plain Rust: the same spec, the same weights, bit for bit.
    #[test]
    fn a_model_file_round_trips_without_the_interpreter() {
        let specs = [
            Spec::Conv2d {
                filters: 2,
                kernel: 3,
                padding: Padding::Valid,
                stride: 1,
            },
            Spec::Tanh,
            Spec::Flatten,
            Spec::Dense {
                units: 3,
                init: Init::He,
            },
        ];
        let mut rng = crate::rng::from_seed(7);
        let part = Part::new(&[1, 5, 5], &specs, &mut rng, &Device::Cpu).expect("part");
        let model = Model {
            parts: vec![part],
            device: Device::Cpu,
        };
        let bytes = to_bytes(&model).expect("bytes");
        let back = from_bytes(&bytes, "memory").expect("model");
        assert_eq!(back.parts[0].specs, specs);
        let flat = |m: &Model| -> Vec<f32> {
            m.named()
                .iter()
                .flat_map(|(_, v)| {
                    v.as_tensor()
                        .flatten_all()
                        .and_then(|t| t.to_vec1::<f32>())
                        .unwrap_or_default()
                })
                .collect()
        };
        assert_eq!(flat(&model), flat(&back));
        assert!(!flat(&model).is_empty());
        assert!(from_bytes(b"not a model", "x").is_err());
    }
}
