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
mod layers;
mod loss;
pub mod model_file;
mod optim;
pub mod script;
pub mod spec;
mod train;

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

pub use layers::{Layer, Model, Part};
pub use loss::{loss, Loss};
pub use optim::{Optimizer, Schedule};
pub use spec::{Act, Init, Padding, Spec};
pub use train::{metric, predict, train, Data, History, Metric, TrainConfig};

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};
    use optim::UpdateRule;
    use train::{batch_gradients, shard_count};

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
