//! Neural networks against known answers: exact least squares, a CNN that must learn stripes,
//! MAPE and conv2d gradients against finite differences / a naive reference, save/load,
//! training through a frozen network, parameter counts of the seed-000 networks.

// the normal equations are solved by index, as written
#![allow(clippy::needless_range_loop)]

use candle_core::{Device, Tensor, Var};
use disco::ml::{loss, Loss};
use rhai::{Dynamic, Map};

mod common;
use common::{eval, eval_err as e};

fn nd(d: &Dynamic) -> Vec<f64> {
    d.clone().cast::<disco::array::NdArray>().to_vec()
}

#[test]
fn linear_regression_reaches_the_least_squares_weights() {
    let m: Map = eval(
        r#"
        let x = normal([300, 3], 0, 1, 1);
        let y = matmul(x, ndarray([[1.5], [-2.0], [0.5]])) + 0.3 + normal([300, 1], 0, 0.1, 2);
        let m = model(#{input: [3], layers: [#{layer: "dense", units: 1}], seed: 1});
        cnn_train(m, #{x: x, y: y}, #{loss: "mse", lr: 0.05, epochs: 400, batch_size: 300, seed: 2});
        let s = model(#{input: [3], layers: [#{layer: "dense", units: 1}], seed: 1});
        cnn_train(s, #{x: x, y: y}, #{loss: "mse", optimizer: "sgd", momentum: 0.9, lr: 0.05, epochs: 400, batch_size: 300, seed: 2});
        // least squares by the normal equations on [x, 1]
        let a = concat([x.T, ones([1, 300])]).T;
        let ata = matmul(a.T, a);
        let aty = matmul(a.T, y);
        #{ w: m.weights("p0.l0.weight").flatten(), b: m.weights("p0.l0.bias")[0], ata: ata, aty: aty,
           w_sgd: s.weights("p0.l0.weight").flatten(), b_sgd: s.weights("p0.l0.bias")[0] }
        "#,
    )
    .cast();
    // solve the 4×4 normal equations here
    let ata = nd(&m["ata"]);
    let aty = nd(&m["aty"]);
    let mut a: Vec<Vec<f64>> = (0..4).map(|i| ata[i * 4..(i + 1) * 4].to_vec()).collect();
    let mut b = aty.clone();
    for c in 0..4 {
        for r in c + 1..4 {
            let f = a[r][c] / a[c][c];
            for k in 0..4 {
                a[r][k] -= f * a[c][k];
            }
            b[r] -= f * b[c];
        }
    }
    let mut sol = [0.0; 4];
    for r in (0..4).rev() {
        sol[r] = (b[r] - (r + 1..4).map(|k| a[r][k] * sol[k]).sum::<f64>()) / a[r][r];
    }
    // Adam and SGD with momentum both reach them
    for (wk, bk) in [("w", "b"), ("w_sgd", "b_sgd")] {
        let w = nd(&m[wk]);
        for i in 0..3 {
            assert!(
                (w[i] - sol[i]).abs() < 1e-3,
                "{wk}[{i}] = {} vs least squares {}",
                w[i],
                sol[i]
            );
        }
        assert!((m[bk].as_float().unwrap() - sol[3]).abs() < 1e-3, "{bk}");
    }
}

const STRIPES: &str = r#"
    seed(3);
    let xs = [];
    let ys = [];
    for i in 0..400 {
        let vertical = i % 2;
        let img = normal([16, 16], 0, 0.5);
        for a in 0..16 { for b in 0..16 {
            let c = if vertical == 1 { b } else { a };
            if (c + i % 4) % 4 < 2 { img[[a, b]] = img[[a, b]] + 1.0; }
        } }
        xs.push(img.reshape([1, 16, 16]));
        ys.push(vertical);
    }
    let parts = split(stack(xs), ndarray(ys), [0.75, 0.25], 1);
    let m = model(#{input: [1, 16, 16], layers: [#{layer: "conv2d", filters: 8, kernel: 3}, "relu",
        #{layer: "maxpool", size: 2}, #{layer: "dropout", rate: 0.1}, "flatten", #{layer: "dense", units: 16}, "relu",
        #{layer: "dense", units: 2}], seed: 4});
"#;

#[test]
fn cnn_learns_stripes_and_round_trips_through_safetensors() {
    let dir = std::env::temp_dir().join(format!("disco-ml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.safetensors");
    let m: Map = eval(&format!(
        "{STRIPES}
        let r = cnn_train(m, parts[0], #{{loss: \"cross_entropy\", lr: 0.003, epochs: 8, batch_size: 32, val: parts[1], seed: 5}});
        let r2 = cnn_train(model(#{{input: [1, 16, 16], layers: [\"flatten\", #{{layer: \"dense\", units: 2}}], seed: 4}}), parts[0], #{{loss: \"cross_entropy\", epochs: 2, seed: 5}});
        let r3 = cnn_train(model(#{{input: [1, 16, 16], layers: [\"flatten\", #{{layer: \"dense\", units: 2}}], seed: 4}}), parts[0], #{{loss: \"cross_entropy\", epochs: 2, seed: 5}});
        save(m, \"{p}\");
        let back = load_model(\"{p}\");
        #{{ acc: accuracy(predict(m, parts[1].x), parts[1].y), diff: (predict(back, parts[1].x) - predict(m, parts[1].x)).abs().max(),
            h2: r2.history.train_loss, h3: r3.history.train_loss, cm: confusion_matrix(predict(m, parts[1].x), parts[1].y).sum() }}",
        p = path.display()
    ))
    .cast();
    assert!(
        m["acc"].as_float().unwrap() > 0.95,
        "stripes accuracy {}",
        m["acc"]
    );
    assert_eq!(
        m["diff"].as_float().unwrap(),
        0.0,
        "save → load → predict must be identical"
    );
    assert_eq!(nd(&m["h2"]), nd(&m["h3"]), "same seed, same training");
    assert_eq!(m["cm"].as_float().unwrap(), 100.0);
}

#[test]
fn training_through_a_frozen_network_leaves_it_unchanged() {
    let m: Map = eval(
        r#"
        let x = normal([64, 4], 0, 1, 1);
        let y = normal([64, 2], 0, 1, 2);
        let b = model(#{input: [3], layers: [#{layer: "dense", units: 5}, "tanh", #{layer: "dense", units: 2}], seed: 3});
        let a = model(#{input: [4], layers: [#{layer: "dense", units: 3}], seed: 4});
        let b_before = b.weights("p0.l0.weight");
        let a_before = a.weights("p0.l0.weight");
        let r = cnn_train(chain(a, freeze(b)), #{x: x, y: y}, #{loss: "mae", epochs: 20, lr: 0.01, seed: 5});
        #{ b_change: (b.weights("p0.l0.weight") - b_before).abs().max(), a_change: (a.weights("p0.l0.weight") - a_before).abs().max(),
           first: r.history.train_loss[0], last: r.history.train_loss[-1] }
        "#,
    )
    .cast();
    assert_eq!(
        m["b_change"].as_float().unwrap(),
        0.0,
        "the frozen network changed"
    );
    assert!(
        m["a_change"].as_float().unwrap() > 1e-3,
        "the trainable network did not train"
    );
    assert!(m["last"].as_float().unwrap() < m["first"].as_float().unwrap());
}

#[test]
fn zero_initialised_dense_layer_starts_at_zero_trains_and_round_trips() {
    let dir = std::env::temp_dir().join(format!("disco-ml-zero-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("g.safetensors");
    let m: Map = eval(&format!(
        r#"
        let x = normal([64, 4], 0, 1, 1);
        let y = normal([64, 2], 0, 1, 2);
        let b = model(#{{input: [3], layers: [#{{layer: "dense", units: 5}}, "tanh", #{{layer: "dense", units: 2}}], seed: 3}});
        let g = model(#{{input: [4], layers: [#{{layer: "dense", units: 8}}, "relu", #{{layer: "dense", units: 3, init: "zeros"}}], seed: 4}});
        let at_start = predict(g, x).abs().max();
        let r = cnn_train(chain(g, freeze(b)), #{{x: x, y: y}}, #{{loss: "mae", epochs: 20, lr: 0.01, seed: 5}});
        save(g, "{p}");
        let back = load_model("{p}");
        #{{ at_start: at_start, after: predict(g, x).abs().max(), first: r.history.train_loss[0], last: r.history.train_loss[-1],
            diff: (predict(back, x) - predict(g, x)).abs().max() }}
        "#,
        p = path.display()
    ))
    .cast();
    let f = |k: &str| m[k].as_float().unwrap();
    assert_eq!(f("at_start"), 0.0, "a zero-initialised layer outputs 0");
    assert!(
        f("after") > 1e-3,
        "the zero-initialised layer did not train"
    );
    assert!(f("last") < f("first"));
    assert_eq!(f("diff"), 0.0, "save → load keeps the spec and weights");
    let e = e(r#"model(#{input: [4], layers: [#{layer: "dense", units: 3, init: "ones"}]})"#);
    assert!(e.contains("init"), "{e}");
}

#[test]
fn seed000_networks_have_the_papers_parameter_counts() {
    let m: Map = eval(
        r#"
        let stages = [#{layer: "conv2d", filters: 256, kernel: 3}, "relu", #{layer: "maxpool", size: 2},
                      #{layer: "conv2d", filters: 512, kernel: 3}, "relu", #{layer: "maxpool", size: 2},
                      #{layer: "conv2d", filters: 1024, kernel: 3}, "relu", #{layer: "maxpool", size: 2}, "flatten",
                      #{layer: "dense", units: 2048}, "relu", #{layer: "dropout", rate: 0.5}];
        let d2l = model(#{input: [2, 16, 16], layers: stages + [#{layer: "dense", units: 256}]});
        let l2d = model(#{input: [1, 16, 16], layers: stages + [#{layer: "dense", units: 512}]});
        #{ d2l: d2l.params, l2d: l2d.params }
        "#,
    )
    .cast();
    assert_eq!(m["d2l"].as_int().unwrap(), 14_819_840);
    assert_eq!(m["l2d"].as_int().unwrap(), 15_342_080);
}

#[test]
fn mape_gradient_matches_finite_differences() {
    let yv = vec![0.3f32, -0.7, 1.2, 0.05, 2.0, -0.4];
    let hv = vec![0.35f32, -0.5, 1.0, 0.07, 2.5, -0.45];
    let y = Tensor::from_vec(yv.clone(), (2, 3), &Device::Cpu).unwrap();
    let h = Var::from_tensor(&Tensor::from_vec(hv.clone(), (2, 3), &Device::Cpu).unwrap()).unwrap();
    let l = loss(Loss::Mape, h.as_tensor(), &y).unwrap();
    let g = l
        .backward()
        .unwrap()
        .get(h.as_tensor())
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    // analytic: d/dŷ_i mean(|ŷ − y|/|y|) = sign(ŷ_i − y_i)/(|y_i| N)
    for i in 0..6 {
        let exact = ((hv[i] - yv[i]).signum() / yv[i].abs()) as f64 / 6.0;
        let eps = 1e-3f64;
        let f = |d: f64| -> f64 {
            (0..6)
                .map(|j| {
                    ((hv[j] as f64 + if j == i { d } else { 0.0 }) - yv[j] as f64).abs()
                        / (yv[j] as f64).abs()
                })
                .sum::<f64>()
                / 6.0
        };
        let fd = (f(eps) - f(-eps)) / (2.0 * eps);
        assert!(
            (g[i] as f64 - fd).abs() < 1e-4 * fd.abs().max(1.0),
            "i={i}: autograd {} vs finite difference {fd}",
            g[i]
        );
        assert!((fd - exact).abs() < 1e-6);
    }
}

#[test]
fn conv2d_and_its_gradients_match_a_naive_reference() {
    // candle's own conv2d (kept as the fallback off the CPU) and disco's im2col convolution
    conv_check(&|x, w| x.conv2d(w, 1, 1, 1, 1).unwrap());
    conv_check(&|x, w| disco::ml::conv::conv2d(x, w, None, 1, 1).unwrap());
}

fn conv_check(conv: &dyn Fn(&Tensor, &Tensor) -> Tensor) {
    // x: 1×2×5×5, w: 3×2×3×3, padding 1
    let xs: Vec<f32> = (0..50).map(|i| ((i * 7 % 11) as f32 - 5.0) / 5.0).collect();
    let ws: Vec<f32> = (0..54).map(|i| ((i * 5 % 13) as f32 - 6.0) / 6.0).collect();
    let x = Var::from_tensor(&Tensor::from_vec(xs.clone(), (1, 2, 5, 5), &Device::Cpu).unwrap())
        .unwrap();
    let w = Var::from_tensor(&Tensor::from_vec(ws.clone(), (3, 2, 3, 3), &Device::Cpu).unwrap())
        .unwrap();
    let y = conv(x.as_tensor(), w.as_tensor());
    let naive = |xs: &[f32], ws: &[f32]| -> Vec<f64> {
        let mut out = vec![0.0f64; 3 * 25];
        for o in 0..3 {
            for r in 0..5i32 {
                for c in 0..5i32 {
                    let mut s = 0.0;
                    for ci in 0..2 {
                        for a in 0..3i32 {
                            for b in 0..3i32 {
                                let (rr, cc) = (r + a - 1, c + b - 1);
                                if (0..5).contains(&rr) && (0..5).contains(&cc) {
                                    s += xs[(ci * 25 + rr * 5 + cc) as usize] as f64
                                        * ws[o * 18 + ci as usize * 9 + (a * 3 + b) as usize]
                                            as f64;
                                }
                            }
                        }
                    }
                    out[o * 25 + (r * 5 + c) as usize] = s;
                }
            }
        }
        out
    };
    let yv = y.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let reference = naive(&xs, &ws);
    for (a, b) in yv.iter().zip(&reference) {
        assert!((*a as f64 - b).abs() < 1e-5);
    }
    // gradients of sum(y²) w.r.t. x and w against central differences of the naive conv
    let l = y.sqr().unwrap().sum_all().unwrap();
    let grads = l.backward().unwrap();
    let gx = grads
        .get(x.as_tensor())
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let gw = grads
        .get(w.as_tensor())
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let obj = |xs: &[f32], ws: &[f32]| naive(xs, ws).iter().map(|v| v * v).sum::<f64>();
    for &i in &[0usize, 7, 24, 31, 49] {
        let (mut p, mut m) = (xs.clone(), xs.clone());
        p[i] += 1e-2;
        m[i] -= 1e-2;
        let fd = (obj(&p, &ws) - obj(&m, &ws)) / 2e-2;
        assert!(
            (gx[i] as f64 - fd).abs() < 2e-3 * fd.abs().max(1.0),
            "dx[{i}]: {} vs {fd}",
            gx[i]
        );
    }
    for &i in &[0usize, 13, 27, 53] {
        let (mut p, mut m) = (ws.clone(), ws.clone());
        p[i] += 1e-2;
        m[i] -= 1e-2;
        let fd = (obj(&xs, &p) - obj(&xs, &m)) / 2e-2;
        assert!(
            (gw[i] as f64 - fd).abs() < 2e-3 * fd.abs().max(1.0),
            "dw[{i}]: {} vs {fd}",
            gw[i]
        );
    }
}

#[test]
fn bad_specs_and_cuda_without_the_feature_are_errors() {
    assert!(e("model(#{input: [3], layers: [\"conv\"]})").contains("unknown layer 'conv'"));
    assert!(e("model(#{input: [3], layers: [#{layer: \"conv2d\"}]})").contains("C×H×W"));
    assert!(
        e("model(#{input: [1, 5, 5], layers: [#{layer: \"maxpool\", size: 2}]})")
            .contains("divisible")
    );
    assert!(
        e("model(#{input: [3], layers: [#{layer: \"dense\", unit: 3}]})")
            .contains("unknown option 'unit'")
    );
    if !cfg!(feature = "cuda") {
        assert!(e("model(#{input: [3], layers: [], device: \"cuda\"})").contains("--features cuda"));
    }
    let e2 = e("let m = model(#{input: [2], layers: [#{layer: \"dense\", units: 1}]}); cnn_train(m, #{x: ones([4, 3]), y: ones([4, 1])}, #{})");
    assert!(e2.contains("do not match the model input"), "{e2}");
}

#[test]
fn vae_gaussian_layer_trades_reconstruction_for_kl() {
    // two 16-pixel images (all 0, all 1); a 1-dimensional latent. β = 0: the VAE reconstructs
    // both. β large: KL pins the posterior to N(0, 1), the latent carries no information and the
    // decoder can only output the mean image (error ≈ 0.5).
    let run = |beta: f64, seed: i64| -> Map {
        eval(&format!(
            "let x = concat([zeros([40, 16]), ones([40, 16])]);
            let m = model(#{{input: [16], layers: [#{{layer: \"dense\", units: 16}}, \"relu\", #{{layer: \"dense\", units: 2}},
                #{{layer: \"gaussian\", beta: {beta}}}, #{{layer: \"dense\", units: 16}}, \"sigmoid\"], seed: {seed}}});
            cnn_train(m, #{{x: x, y: x}}, #{{loss: \"mse\", lr: 0.01, epochs: 150, batch_size: 16, seed: 2}});
            let p = predict(m, x);
            #{{err: (p - x).abs().mean(), again: (predict(m, x) - p).abs().max(), shape: p.shape(), p: p}}"
        ))
        .cast()
    };
    let free = run(0.0, 1);
    let tight = run(200.0, 1);
    let f = |m: &Map, k: &str| m[k].as_float().unwrap();
    assert!(
        f(&free, "err") < 0.05,
        "β = 0 reconstructs: {}",
        f(&free, "err")
    );
    assert!(f(&tight, "err") > 0.4, "β large: {}", f(&tight, "err"));
    assert_eq!(
        f(&free, "again"),
        0.0,
        "prediction uses z = μ: deterministic"
    );
    assert_eq!(format!("{:?}", free["shape"]), "[80, 16]");
    assert_eq!(nd(&run(0.0, 1)["p"]), nd(&free["p"]), "same seed, same VAE");
    let e = e(
        "model(#{input: [16], layers: [#{layer: \"dense\", units: 3}, #{layer: \"gaussian\"}]})",
    );
    assert!(e.contains("2·d"), "{e}");
}

#[test]
fn im2col_convolution_matches_candle_for_batches_strides_and_padding() {
    // forward against candle; gradients of the linear functional Σ y·r against exact central
    // differences (candle 0.11's own conv2d backward fails for stride 2 on these sizes)
    let xs: Vec<f32> = (0..3 * 2 * 7 * 6)
        .map(|i| ((i * 13 % 17) as f32 - 8.0) / 8.0)
        .collect();
    let ws: Vec<f32> = (0..4 * 2 * 9)
        .map(|i| ((i * 5 % 11) as f32 - 5.0) / 5.0)
        .collect();
    let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let bias = Var::from_tensor(
        &Tensor::from_vec(vec![0.5f32, -1.0, 0.25, 2.0], 4, &Device::Cpu).unwrap(),
    )
    .unwrap();
    for (pad, stride) in [(0, 1), (1, 1), (1, 2), (0, 2)] {
        let run = |xs: &[f32], ws: &[f32]| {
            let x = Var::from_tensor(
                &Tensor::from_vec(xs.to_vec(), (3, 2, 7, 6), &Device::Cpu).unwrap(),
            )
            .unwrap();
            let w = Var::from_tensor(
                &Tensor::from_vec(ws.to_vec(), (4, 2, 3, 3), &Device::Cpu).unwrap(),
            )
            .unwrap();
            let y = disco::ml::conv::conv2d(
                x.as_tensor(),
                w.as_tensor(),
                Some(bias.as_tensor()),
                pad,
                stride,
            )
            .unwrap();
            (x, w, y)
        };
        let (x, w, y) = run(&xs, &ws);
        let theirs = x
            .as_tensor()
            .conv2d(w.as_tensor(), pad, stride, 1, 1)
            .unwrap()
            .broadcast_add(&bias.as_tensor().reshape((1, 4, 1, 1)).unwrap())
            .unwrap();
        assert_eq!(y.dims(), theirs.dims());
        let d = flat(&y)
            .iter()
            .zip(flat(&theirs))
            .map(|(p, q)| (p - q).abs())
            .fold(0.0f32, f32::max);
        assert!(d < 1e-5, "forward, pad {pad} stride {stride}: {d}");
        let n = y.elem_count();
        let r: Vec<f32> = (0..n).map(|i| ((i * 7 % 5) as f32 - 2.0) / 2.0).collect();
        let rt = Tensor::from_vec(r.clone(), y.shape(), &Device::Cpu).unwrap();
        let g = (&y * &rt).unwrap().sum_all().unwrap().backward().unwrap();
        let (gx, gw) = (
            flat(g.get(x.as_tensor()).unwrap()),
            flat(g.get(w.as_tensor()).unwrap()),
        );
        // the objective is linear in the bias: ∂/∂b_f = Σ_{b,p} r[b, f, p]
        let gb = flat(g.get(bias.as_tensor()).unwrap());
        let (ho_wo, f) = (n / (3 * 4), 4);
        for fi in 0..f {
            let exact: f32 = (0..3)
                .map(|bi| {
                    r[(bi * f + fi) * ho_wo..(bi * f + fi + 1) * ho_wo]
                        .iter()
                        .sum::<f32>()
                })
                .sum();
            assert!(
                (gb[fi] - exact).abs() < 1e-4,
                "db[{fi}]: {} vs {exact}",
                gb[fi]
            );
        }
        let obj = |xs: &[f32], ws: &[f32]| -> f64 {
            flat(&run(xs, ws).2)
                .iter()
                .zip(&r)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum()
        };
        for i in (0..xs.len()).step_by(17) {
            let (mut p, mut m) = (xs.clone(), xs.clone());
            p[i] += 0.5;
            m[i] -= 0.5;
            let fd = obj(&p, &ws) - obj(&m, &ws);
            assert!(
                (gx[i] as f64 - fd).abs() < 1e-3,
                "dx[{i}] pad {pad} stride {stride}: {} vs {fd}",
                gx[i]
            );
        }
        for i in (0..ws.len()).step_by(5) {
            let (mut p, mut m) = (ws.clone(), ws.clone());
            p[i] += 0.5;
            m[i] -= 0.5;
            let fd = obj(&xs, &p) - obj(&xs, &m);
            assert!(
                (gw[i] as f64 - fd).abs() < 1e-3,
                "dw[{i}] pad {pad} stride {stride}: {} vs {fd}",
                gw[i]
            );
        }
    }
}

#[test]
fn batchnorm_normalises_trains_and_saves_its_running_statistics() {
    use disco::ml::{Model, Part, Spec};
    // train mode: per-channel batch statistics → zero mean, unit variance (γ = 1, β = 0)
    let mut rng = disco::rng::SplitMix64::stream(1, 0);
    let part = Part::new(
        &[3, 4, 4],
        &[Spec::BatchNorm {
            momentum: 0.1,
            eps: 1e-5,
        }],
        &mut rng,
        &Device::Cpu,
    )
    .unwrap();
    let model = Model {
        parts: vec![part],
        device: Device::Cpu,
    };
    let xs: Vec<f32> = (0..5 * 48)
        .map(|i| ((i * 37 % 23) as f32) * 0.3 + (i / 16 % 3) as f32 * 2.0)
        .collect();
    let x = Var::from_tensor(&Tensor::from_vec(xs.clone(), (5, 3, 4, 4), &Device::Cpu).unwrap())
        .unwrap();
    let y = model.forward(x.as_tensor(), true, &mut rng).unwrap();
    for c in 0..3 {
        let ch = y
            .narrow(1, c, 1)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let m = ch.iter().sum::<f32>() / ch.len() as f32;
        let v = ch.iter().map(|a| (a - m) * (a - m)).sum::<f32>() / ch.len() as f32;
        assert!(
            m.abs() < 1e-5 && (v - 1.0).abs() < 1e-3,
            "channel {c}: mean {m}, var {v}"
        );
    }
    // gradient of Σ y·r through the batch statistics against central differences
    let r: Vec<f32> = (0..5 * 48)
        .map(|i| ((i * 11 % 7) as f32 - 3.0) / 3.0)
        .collect();
    let rt = Tensor::from_vec(r.clone(), (5, 3, 4, 4), &Device::Cpu).unwrap();
    let g = (&y * &rt).unwrap().sum_all().unwrap().backward().unwrap();
    let gx = g
        .get(x.as_tensor())
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let obj = |xs: &[f32]| -> f64 {
        let t = Tensor::from_vec(xs.to_vec(), (5, 3, 4, 4), &Device::Cpu).unwrap();
        let y = model
            .forward(&t, true, &mut disco::rng::SplitMix64::stream(1, 0))
            .unwrap();
        y.flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
            .iter()
            .zip(&r)
            .map(|(a, b)| *a as f64 * *b as f64)
            .sum()
    };
    for i in (0..xs.len()).step_by(19) {
        let (mut p, mut m) = (xs.clone(), xs.clone());
        p[i] += 1e-2;
        m[i] -= 1e-2;
        let fd = (obj(&p) - obj(&m)) / 2e-2;
        assert!(
            (gx[i] as f64 - fd).abs() < 2e-2 * fd.abs().max(1.0),
            "dx[{i}]: {} vs {fd}",
            gx[i]
        );
    }
    // a CNN with batch norm learns the stripes; predictions use the running statistics and
    // survive save → load
    let dir = std::env::temp_dir().join(format!("disco-bn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bn.safetensors");
    let m: Map = eval(&format!(
        "{STRIPES}
        let bn = model(#{{input: [1, 16, 16], layers: [#{{layer: \"conv2d\", filters: 8, kernel: 3}}, #{{layer: \"batchnorm\"}}, \"relu\",
            #{{layer: \"maxpool\", size: 2}}, \"flatten\", #{{layer: \"dense\", units: 2}}], seed: 4}});
        cnn_train(bn, parts[0], #{{loss: \"cross_entropy\", lr: 0.003, epochs: 6, batch_size: 32, seed: 5}});
        save(bn, \"{p}\");
        let back = load_model(\"{p}\");
        let p1 = predict(bn, parts[1].x);
        #{{acc: accuracy(p1, parts[1].y), same: (predict(bn, parts[1].x) - p1).abs().max(),
           diff: (predict(back, parts[1].x) - p1).abs().max(), params: bn.params()}}",
        p = path.display()
    ))
    .cast();
    assert!(m["acc"].as_float().unwrap() > 0.95, "{m:?}");
    assert_eq!(m["same"].as_float().unwrap(), 0.0);
    assert_eq!(
        m["diff"].as_float().unwrap(),
        0.0,
        "running statistics are saved"
    );
    // conv 8·9 + 8, batch norm γ and β (running statistics are buffers), dense 8·8·8·2 + 2
    assert_eq!(m["params"].as_int().unwrap(), 80 + 16 + 1026);
}

#[test]
fn max_pooling_matches_reshape_max_and_exact_gradients() {
    // distinct values (no ties): forward against reshape + max, gradient of Σ y·r against exact
    // central differences (a max is piecewise linear)
    let xs: Vec<f32> = (0..2 * 3 * 6 * 4)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0)
        .collect();
    let x = Var::from_tensor(&Tensor::from_vec(xs.clone(), (2, 3, 6, 4), &Device::Cpu).unwrap())
        .unwrap();
    let y = disco::ml::conv::max_pool(x.as_tensor(), 2).unwrap();
    let reference = x
        .as_tensor()
        .reshape((2, 3, 3, 2, 2, 2))
        .unwrap()
        .max(5)
        .unwrap()
        .max(3)
        .unwrap();
    let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(y.dims(), &[2, 3, 3, 2]);
    assert_eq!(flat(&y), flat(&reference));
    let r: Vec<f32> = (0..y.elem_count())
        .map(|i| ((i * 5 % 7) as f32 - 3.0) / 3.0)
        .collect();
    let rt = Tensor::from_vec(r.clone(), y.shape(), &Device::Cpu).unwrap();
    let g = (&y * &rt).unwrap().sum_all().unwrap().backward().unwrap();
    let gx = flat(g.get(x.as_tensor()).unwrap());
    let obj = |xs: &[f32]| -> f64 {
        let t = Tensor::from_vec(xs.to_vec(), (2, 3, 6, 4), &Device::Cpu).unwrap();
        flat(&disco::ml::conv::max_pool(&t, 2).unwrap())
            .iter()
            .zip(&r)
            .map(|(a, b)| *a as f64 * *b as f64)
            .sum()
    };
    for i in 0..xs.len() {
        let (mut p, mut m) = (xs.clone(), xs.clone());
        p[i] += 1e-3;
        m[i] -= 1e-3;
        let fd = (obj(&p) - obj(&m)) / 2e-3;
        assert!(
            (gx[i] as f64 - fd).abs() < 1e-2,
            "dx[{i}]: {} vs {fd}",
            gx[i]
        );
    }
}

#[test]
fn relu_op_and_its_gradient() {
    let xs = vec![-2.0f32, -0.5, 0.25, 3.0, -1e-3, 7.5];
    let x = Var::from_tensor(&Tensor::from_vec(xs.clone(), (2, 3), &Device::Cpu).unwrap()).unwrap();
    let y = disco::ml::conv::relu(x.as_tensor()).unwrap();
    let r = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3), &Device::Cpu).unwrap();
    let g = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
    let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(flat(&y), vec![0.0, 0.0, 0.25, 3.0, 0.0, 7.5]);
    assert_eq!(
        flat(g.get(x.as_tensor()).unwrap()),
        vec![0.0, 0.0, 3.0, 4.0, 0.0, 6.0]
    );
}

#[test]
fn fused_conv_pool_block_matches_the_separate_layers_with_gradients() {
    // the one-node conv → ReLU (→ max-pool) block the models use against conv2d, relu and
    // max_pool in turn (pool 1: conv → ReLU alone), gradients included
    let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let var = |v: Vec<f32>, s: &[usize]| {
        Var::from_tensor(&Tensor::from_vec(v, s, &Device::Cpu).unwrap()).unwrap()
    };
    use disco::ml::conv::{conv2d, conv2d_pool, max_pool, relu};
    for (pad, stride, pool, with_relu) in [
        (1, 1, 1, true),
        (1, 2, 1, true),
        (1, 1, 2, true),
        (0, 1, 2, false),
        (0, 1, 3, true),
    ] {
        let x = var(
            (0..2 * 3 * 8 * 8)
                .map(|i| ((i * 29 % 23) as f32 - 11.0) / 7.0)
                .collect(),
            &[2, 3, 8, 8],
        );
        let w = var(
            (0..4 * 3 * 9)
                .map(|i| ((i * 7 % 19) as f32 - 9.0) / 9.0)
                .collect(),
            &[4, 3, 3, 3],
        );
        let b = var(vec![-4.0, -0.2, 0.0, 0.1], &[4]);
        let (xt, wt, bt) = (x.as_tensor(), w.as_tensor(), Some(b.as_tensor()));
        let fused = conv2d_pool(xt, wt, bt, (pad, stride), with_relu, pool).unwrap();
        let mut split = conv2d(xt, wt, bt, pad, stride).unwrap();
        if with_relu {
            split = relu(&split).unwrap();
        }
        let split = if pool > 1 {
            max_pool(&split, pool).unwrap()
        } else {
            split
        };
        assert_eq!(fused.dims(), split.dims());
        let (yf, ys) = (flat(&fused), flat(&split));
        for (a, c) in yf.iter().zip(&ys) {
            assert!((a - c).abs() < 1e-5, "{pad}/{stride}/{pool}: {a} vs {c}");
        }
        if with_relu {
            assert!(yf.contains(&0.0));
        }
        let r = Tensor::from_vec(
            (0..yf.len())
                .map(|i| ((i * 11 % 13) as f32 - 6.0) / 6.0)
                .collect::<Vec<_>>(),
            fused.shape(),
            &Device::Cpu,
        )
        .unwrap();
        let gf = (&fused * &r)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let gs = (&split * &r)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        for v in [&x, &w, &b] {
            let (a, c) = (
                flat(gf.get(v.as_tensor()).unwrap()),
                flat(gs.get(v.as_tensor()).unwrap()),
            );
            assert!(c.iter().any(|&g| g != 0.0));
            for (p, q) in a.iter().zip(&c) {
                assert!((p - q).abs() < 1e-4, "{pad}/{stride}/{pool}: {p} vs {q}");
            }
        }
    }
    // an output that does not tile by the pool size is an error, not a panic
    let x = Tensor::zeros((1, 1, 5, 5), candle_core::DType::F32, &Device::Cpu).unwrap();
    let w = Tensor::zeros((1, 1, 3, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert!(conv2d_pool(&x, &w, None, (1, 1), true, 2).is_err());
}

#[test]
fn set_weights_overwrites_a_tensor_and_checks_its_shape() {
    let m: Map = eval(
        r#"
        let g = model(#{input: [4], layers: [#{layer: "dense", units: 8}, "relu", #{layer: "dense", units: 3, init: "zeros"}], seed: 4});
        let names = weight_names(g);
        set_weights(g, names[-1], ndarray([0.5, -1.0, 2.0]));
        #{ out: predict(g, normal([5, 4], 0, 1, 1)), bias: g.weights(names[-1]), name: names[-1] }
        "#,
    )
    .cast();
    // zero weights: every output is the bias just set
    let out = nd(&m["out"]);
    assert_eq!(out.len(), 15);
    for (i, v) in out.iter().enumerate() {
        assert_eq!(*v, [0.5, -1.0, 2.0][i % 3]);
    }
    assert_eq!(nd(&m["bias"]), vec![0.5, -1.0, 2.0]);
    assert!(m["name"].clone().into_string().unwrap().ends_with(".bias"));
    let wrong = e(
        r#"let g = model(#{input: [4], layers: [#{layer: "dense", units: 3}]}); set_weights(g, weight_names(g)[-1], ndarray([1.0, 2.0]))"#,
    );
    assert!(
        wrong.contains("set_weights") && wrong.contains("shape"),
        "{wrong}"
    );
    let missing = e(
        r#"let g = model(#{input: [4], layers: [#{layer: "dense", units: 3}]}); set_weights(g, "nope", ndarray([1.0]))"#,
    );
    assert!(missing.contains("no tensor 'nope'"), "{missing}");
}

#[test]
fn sharded_training_is_bit_reproducible_and_independent_of_thread_timing() {
    // batch 64 trains as two data-parallel shards on rayon's threads: the same seed must still
    // give bit-identical weights, run after run
    let run = || -> Vec<f64> {
        let m: Map = eval(
            r#"
            let x = normal([256, 1, 8, 8], 0, 1, 1);
            let y = floor(uniform(256, 0, 2, 2));
            let m = model(#{input: [1, 8, 8], layers: [#{layer: "conv2d", filters: 4, kernel: 3}, "relu",
                #{layer: "maxpool", size: 2}, "flatten", #{layer: "dropout", rate: 0.3}, #{layer: "dense", units: 2}], seed: 3});
            cnn_train(m, #{x: x, y: y}, #{loss: "cross_entropy", epochs: 3, batch_size: 64, seed: 4});
            #{ w: m.weights("p0.l0.weight").flatten(), d: m.weights("p0.l5.weight").flatten() }
            "#,
        )
        .cast();
        let mut v = nd(&m["w"]);
        v.extend(nd(&m["d"]));
        v
    };
    let (a, b) = (run(), run());
    assert_eq!(a.len(), 4 * 9 + 64 * 2);
    assert!(a.iter().any(|&v| v != 0.0));
    assert_eq!(a, b);
}

#[test]
fn dense_node_matches_matmul_and_skips_gradients_of_detached_weights() {
    let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let var = |v: Vec<f32>, s: &[usize]| {
        Var::from_tensor(&Tensor::from_vec(v, s, &Device::Cpu).unwrap()).unwrap()
    };
    let x = var(
        (0..5 * 7)
            .map(|i| ((i * 13 % 17) as f32 - 8.0) / 5.0)
            .collect(),
        &[5, 7],
    );
    let w = var(
        (0..7 * 3)
            .map(|i| ((i * 5 % 11) as f32 - 5.0) / 4.0)
            .collect(),
        &[7, 3],
    );
    let b = var(vec![0.5, -1.0, 0.25], &[3]);
    let r = Tensor::from_vec(
        (0..15).map(|i| (i % 4) as f32 - 1.5).collect::<Vec<_>>(),
        (5, 3),
        &Device::Cpu,
    )
    .unwrap();
    let y = disco::ml::conv::linear(x.as_tensor(), w.as_tensor(), b.as_tensor()).unwrap();
    let yc = x
        .as_tensor()
        .matmul(w.as_tensor())
        .unwrap()
        .broadcast_add(b.as_tensor())
        .unwrap();
    assert_eq!(y.dims(), &[5, 3]);
    for (p, q) in flat(&y).iter().zip(flat(&yc)) {
        assert!((p - q).abs() < 1e-5, "{p} vs {q}");
    }
    let loss = |t: &Tensor| (t * &r).unwrap().sum_all().unwrap().backward().unwrap();
    let (g, gc) = (loss(&y), loss(&yc));
    for v in [&x, &w, &b] {
        let (a, c) = (
            flat(g.get(v.as_tensor()).unwrap()),
            flat(gc.get(v.as_tensor()).unwrap()),
        );
        assert!(c.iter().any(|&q| q != 0.0));
        for (p, q) in a.iter().zip(&c) {
            assert!((p - q).abs() < 1e-4, "{p} vs {q}");
        }
    }
    // frozen weights enter detached: the input still gets its gradient, the weights none
    let (wd, bd) = (w.as_tensor().detach(), b.as_tensor().detach());
    let g = loss(&disco::ml::conv::linear(x.as_tensor(), &wd, &bd).unwrap());
    let gx = flat(g.get(x.as_tensor()).unwrap());
    for (p, q) in gx.iter().zip(flat(gc.get(x.as_tensor()).unwrap())) {
        assert!((p - q).abs() < 1e-4);
    }
    assert!(g.get(w.as_tensor()).is_none() && g.get(&wd).is_none() && g.get(&bd).is_none());
    // shapes that do not fit are an error, not a panic
    assert!(disco::ml::conv::linear(x.as_tensor(), b.as_tensor(), b.as_tensor()).is_err());
}

#[test]
fn training_continued_from_a_checkpoint_equals_the_uninterrupted_run() {
    // 3 epochs, then the same training asked for 6 continues from the checkpoint: weights and
    // history bit-identical to 6 epochs in one go (dropout, Adam, exp schedule, keep-best)
    let dir = std::env::temp_dir().join(format!("disco-ckpt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ck = dir.join("run.safetensors");
    let src_with = |epochs: usize, ckpt: &str, lr: f64, shift: f64, yseed: i64| {
        format!(
            r#"
            let x = normal([96, 1, 8, 8], 0, 1, 1) + {shift};
            let y = floor(uniform(96, 0, 2, {yseed}));
            let m = model(#{{input: [1, 8, 8], layers: [#{{layer: "conv2d", filters: 4, kernel: 3}}, "relu",
                #{{layer: "maxpool", size: 2}}, "flatten", #{{layer: "dropout", rate: 0.3}}, #{{layer: "dense", units: 2}}], seed: 3}});
            let o = #{{loss: "cross_entropy", epochs: {epochs}, batch_size: 16, seed: 4, lr: {lr}, schedule: "exp",
                       val: #{{x: x.slice(0, 32), y: y.slice(0, 32)}}}};
            if "{ckpt}" != "" {{ o.checkpoint = "{ckpt}"; }}
            let r = cnn_train(m, #{{x: x, y: y}}, o);
            #{{ w: m.weights("p0.l0.weight").flatten() + 0, d: m.weights("p0.l5.weight").flatten(),
               loss: r.history.train_loss, best: r.history.best_epoch }}
            "#
        )
    };
    let src = |epochs, ckpt: &str, lr| src_with(epochs, ckpt, lr, 0.0, 2);
    let run = |epochs, ckpt: &str, lr| -> (Vec<f64>, Vec<f64>, i64) {
        let m: Map = eval(&src(epochs, ckpt, lr)).cast();
        let mut w = nd(&m["w"]);
        w.extend(nd(&m["d"]));
        (w, nd(&m["loss"]), m["best"].as_int().unwrap())
    };
    let path = ck.to_str().unwrap();
    let whole = run(6, "", 1e-2);
    let first = run(3, path, 1e-2);
    assert!(ck.exists());
    assert_eq!(first.1[..], whole.1[..3]);
    let continued = run(6, path, 1e-2);
    assert_eq!(continued.1, whole.1);
    assert_eq!(continued.0, whole.0);
    assert_eq!(continued.2, whole.2);
    // a finished run asked again restores its end state without training
    let again = run(6, path, 1e-2);
    assert_eq!(again, whole);
    // data that differ in the last bits (regenerated by another build) still continue the run;
    // other data, or other options, are refused, naming what differs
    let m: Map = eval(&src_with(6, path, 1e-2, 1e-7, 2)).cast();
    assert_eq!(nd(&m["loss"]), whole.1);
    let err = e(&src_with(6, path, 1e-2, 0.0, 9));
    assert!(
        err.contains("different run") && err.contains("data"),
        "{err}"
    );
    let err = e(&src(6, path, 5e-3));
    assert!(
        err.contains("different run") && err.contains("training options"),
        "{err}"
    );
    std::fs::write(&ck, b"not a checkpoint").unwrap();
    let err = e(&src(6, path, 1e-2));
    assert!(err.contains("not a safetensors file"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
