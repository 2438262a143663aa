//! Percolation and J1–J2 Ising physics against known answers: p_c, the seed-003 spanning
//! statistics, Onsager's energy, T_c from Binder cumulants, stripe order.

mod common;
use common::{eval_map as eval, num as f};

#[test]
fn percolation_threshold_from_newman_ziff() {
    // The mean of the "either" and "both" spanning thresholds converges fast to p_c on open
    // square lattices; L = 256 with 300 runs takes about a second.
    let m = eval("let r = newman_ziff(256, 300, #{seed: 7}); #{pc: (r.threshold_either + r.threshold_both) / 2.0, e: r.either, p: r.p}");
    let pc = f(&m, "pc");
    assert!((pc - 0.592746).abs() < 0.003, "p_c = {pc}");
}

#[test]
fn seed003_spanning_statistics() {
    // P_100(0.585) with exactly p·L² sites and the either-direction rule: paper 482/1000.
    let m = eval("spanning_probability(100, [0.585], 3000, #{seed: 1})");
    let p: f64 = m["P"].clone().cast::<disco::array::NdArray>().to_vec()[0];
    assert!((p - 0.47).abs() < 0.03, "P_100(0.585) = {p}");
    // The data-set statistics: 31 p values; below p_c(L) = 0.585, 92.7 % do not span; above,
    // 94.9 % span (300 samples per p here; the paper has 10^4).
    let m = eval(
        r#"
        let ps = [0.1, 0.2, 0.3, 0.4, 0.5, 0.55];
        for i in 0..21 { ps.push(0.555 + 0.005 * i); }
        for p in [0.66, 0.7, 0.8, 0.9] { ps.push(p); }
        let r = spanning_probability(100, ps, 300, #{seed: 2});
        let below = [];
        let above = [];
        for i in 0..ps.len() {
            if ps[i] < 0.5849 { below.push(1.0 - r.P[i]); }
            if ps[i] > 0.5851 { above.push(r.P[i]); }
        }
        #{ n: ps.len(), below: ndarray(below).mean(), above: ndarray(above).mean() }
        "#,
    );
    assert_eq!(m["n"].as_int().unwrap(), 31);
    assert!(
        (f(&m, "below") - 0.927).abs() < 0.01,
        "non-spanning below: {}",
        f(&m, "below")
    );
    assert!(
        (f(&m, "above") - 0.949).abs() < 0.01,
        "spanning above: {}",
        f(&m, "above")
    );
}

#[test]
fn cluster_labels_are_consistent() {
    let m = eval(
        r#"
        let c = percolation_sample(50, 0.6, #{seed: 3});
        let r = clusters(c, #{});
        let occupied = c.sum();
        #{ total: r.sizes.sum(), occupied: occupied, largest: r.largest * 1.0, frac: r.largest_fraction,
           maxlabel: r.labels.max(), n: r.n_clusters * 1.0 }
        "#,
    );
    assert_eq!(f(&m, "total"), f(&m, "occupied"));
    assert_eq!(f(&m, "occupied"), 1500.0, "exactly p·L² sites");
    assert_eq!(f(&m, "maxlabel") + 1.0, f(&m, "n"));
    assert!((f(&m, "frac") - f(&m, "largest") / 2500.0).abs() < 1e-15);
}

#[test]
fn ising_energy_matches_onsager() {
    for t in [2.0, 3.0] {
        let m = eval(&format!(
            // below T_c a hot start coarsens slowly on L = 64 (straight domain walls survive
            // for thousands of sweeps): start ordered, as is standard for equilibrium runs
            "let s = ising(64, #{{seed: 5, start: if {t} < 2.269 {{ \"cold\" }} else {{ \"hot\" }}}}); let r = ising_observables(s, {t}, #{{thermalize: 400, samples: 800}}); #{{e: r.energy, exact: onsager_energy({t})}}"
        ));
        let (e, x) = (f(&m, "e"), f(&m, "exact"));
        assert!(
            (e - x).abs() < 0.01 * x.abs(),
            "T = {t}: {e} vs Onsager {x}"
        );
    }
}

#[test]
fn binder_crossing_gives_tc() {
    let m = eval(
        r#"
        let ts = linspace(2.21, 2.33, 7);
        let u = [];
        for L in [16, 32] {
            let s = ising(L, #{seed: L});
            let b = [];
            for T in ts { b.push(ising_observables(s, T, #{algorithm: "wolff", thermalize: 2000, samples: 20000}).binder); }
            u.push(ndarray(b));
        }
        crossing(ts, u[0], u[1])
        "#,
    );
    let tc = f(&m, "x_c");
    assert!((tc - 2.269185).abs() < 0.03, "Binder crossing T_c = {tc}");
}

#[test]
fn stripe_order_and_disorder() {
    let m = eval(
        r#"
        let s = ising(16, #{J2: 0.8, seed: 1});
        for T in linspace(4.0, 0.1, 40) { metropolis(s, T, 200); }
        let low = ising_observables(s, 0.1, #{thermalize: 100, samples: 200});
        let h = ising(32, #{J2: 0.8, seed: 3});
        let high = ising_observables(h, 4.0, #{thermalize: 200, samples: 500});
        let d = ising_dataset(#{L: 8, T: [3.0, 1.0], J2: [0.0, 0.8], configs: 3, thermalize: 50, every: 2, seed: 4});
        #{ low: low.stripe, high_stripe: high.stripe, high_m: high.m_abs, n: d.configs.shape[0] * 1.0,
           first_T: d.T[0], spins: d.configs.abs().mean() }
        "#,
    );
    assert!(
        f(&m, "low") > 0.99,
        "stripe order at T = 0.1: {}",
        f(&m, "low")
    );
    assert!(
        f(&m, "high_stripe") < 0.15 && f(&m, "high_m") < 0.15,
        "order at T = 4: {m:?}"
    );
    assert_eq!(f(&m, "n"), 12.0);
    assert_eq!(f(&m, "first_T"), 3.0, "cooling starts at the highest T");
    assert_eq!(f(&m, "spins"), 1.0);
}

#[test]
fn metropolis_is_reproducible_whatever_the_thread_count() {
    let run = |threads: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_disco"))
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "eval",
                "let s = ising(16, #{J2: 0.3, seed: 9}); metropolis(s, 2.0, 50); to_json(s.spins)",
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run("1"), run("2"));
}
