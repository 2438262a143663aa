//! Statistics against known answers: agreement with the `powerlaw` package on committed data
//! (tests/data/powerlaw, made by make_reference.py there), recovery of α and x_min from
//! synthetic samples, model comparison, goodness of fit, and the least-squares helpers.

use rhai::{Dynamic, Map, Scope};

fn eval(src: &str) -> Dynamic {
    let engine = disco::build_engine();
    engine
        .eval_with_scope::<Dynamic>(&mut Scope::new(), src)
        .unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn num(m: &Map, path: &[&str]) -> f64 {
    let mut v = Dynamic::from_map(m.clone());
    for k in path {
        let mm: Map = v.cast();
        v = mm.get(*k).unwrap_or_else(|| panic!("{path:?}")).clone();
    }
    v.as_float()
        .or_else(|_| v.as_int().map(|i| i as f64))
        .unwrap_or(f64::NAN)
}

#[test]
fn agrees_with_the_powerlaw_package() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/powerlaw");
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/reference.json")).unwrap())
            .unwrap();
    for (name, r) in reference["sets"].as_object().unwrap() {
        let m: Map = eval(&format!("powerlaw_fit(load(\"{dir}/{name}.csv\"))")).cast();
        let discrete = r["discrete"].as_bool().unwrap();
        assert_eq!(m["discrete"].as_bool().unwrap(), discrete, "{name}");
        // x_min exactly; n_tail exactly
        assert_eq!(
            num(&m, &["xmin"]),
            r["xmin"].as_f64().unwrap(),
            "{name} xmin"
        );
        assert_eq!(
            num(&m, &["n_tail"]) as u64,
            r["n_tail"].as_u64().unwrap(),
            "{name} n_tail"
        );
        // α: closed form for continuous data (to 1e-6); for discrete data the package maximises the
        // exact likelihood with Nelder–Mead (xtol 1e-4) while disco converges to 1e-11.
        let tol = if discrete { 2e-5 } else { 1e-6 };
        let (a, ra) = (num(&m, &["alpha"]), r["alpha"].as_f64().unwrap());
        assert!((a - ra).abs() < tol, "{name}: alpha {a} vs {ra}");
        assert!(
            (num(&m, &["D"]) - r["D"].as_f64().unwrap()).abs() < 1e-5,
            "{name} D"
        );
        if !discrete {
            assert!(
                (num(&m, &["alpha_err"]) - r["sigma"].as_f64().unwrap()).abs() < 1e-6,
                "{name} sigma"
            );
        }
        let (re, rre) = (
            num(&m, &["compare", "exponential", "R"]),
            r["R_exponential"].as_f64().unwrap(),
        );
        assert!(
            (re - rre).abs() < 1e-6 * rre.abs().max(1.0),
            "{name}: R_exp {re} vs {rre}"
        );
        // The package's log-normal normalisation underflows on the μ → −∞ ridge; disco's fit must
        // be at least as likely as the package's parameters evaluated exactly (R no larger).
        if let Some(exact) = r["R_lognormal_exact_at_package_params"].as_f64() {
            let rl = num(&m, &["compare", "lognormal", "R"]);
            assert!(rl <= exact + 1e-6, "{name}: R_lognormal {rl} > {exact}");
        }
    }
}

#[test]
fn recovers_alpha_and_xmin_from_synthetic_samples() {
    for (alpha, xmin, body, discrete) in [
        (2.0, 1.0, false, false),
        (2.5, 1.0, true, false),
        (3.5, 2.0, true, false),
        (2.5, 5.0, true, true),
    ] {
        let src = format!(
            "seed(17); let n = 20000; let u = uniform(n, 0, 1); \
             let tail = if {discrete} {{ floor(({xmin} - 0.5) * pow(1.0 - u, -1.0 / ({alpha} - 1.0)) + 0.5) }} \
                        else {{ {xmin} * pow(1.0 - u, -1.0 / ({alpha} - 1.0)) }}; \
             let data = if {body} {{ concat([tail, if {discrete} {{ floor(uniform(8000, 1, {xmin})) }} else {{ uniform(8000, 0.05, {xmin}) }}]) }} else {{ tail }}; \
             powerlaw_fit(data, #{{compare: false}})"
        );
        let m: Map = eval(&src).cast();
        let (a, s, xm) = (
            num(&m, &["alpha"]),
            num(&m, &["alpha_err"]),
            num(&m, &["xmin"]),
        );
        assert_eq!(m["discrete"].as_bool().unwrap(), discrete);
        assert!(
            (a - alpha).abs() < 4.0 * s + 0.02,
            "α = {alpha}: got {a} ± {s} (x_min {xm})"
        );
        assert!(
            xm >= 0.7 * xmin && xm <= 2.0 * xmin,
            "x_min = {xmin}: got {xm}"
        );
        assert!((num(&m, &["ccdf_slope"]) - (a - 1.0)).abs() < 1e-12);
    }
}

#[test]
fn lognormal_is_not_taken_for_a_power_law_and_gof_separates_models() {
    let m: Map = eval("seed(2); powerlaw_fit(exp(normal(100000, 0, 1)), #{xmin: 1.0})").cast();
    let r = num(&m, &["compare", "lognormal", "R"]);
    let p = num(&m, &["compare", "lognormal", "lr_p"]);
    assert!(r < 0.0 && p < 0.01, "lognormal sample: R = {r}, p = {p}");
    assert_eq!(
        m["compare"].clone().cast::<Map>()["lognormal"]
            .clone()
            .cast::<Map>()["favours"]
            .to_string(),
        "lognormal"
    );
    // Bootstrap goodness of fit: a true power law passes, an exponential sample does not.
    let pl: Map = eval("seed(3); powerlaw_fit(pow(uniform(2000, 0, 1), -1.0 / 1.5), #{gof: 60, compare: false, seed: 1})").cast();
    assert!(
        num(&pl, &["gof_p"]) > 0.1,
        "power law gof_p = {}",
        num(&pl, &["gof_p"])
    );
    let ex: Map = eval("seed(4); powerlaw_fit(1.0 - log(uniform(3000, 0, 1)), #{gof: 60, compare: false, seed: 1, xmin: 1.0})").cast();
    assert!(
        num(&ex, &["gof_p"]) < 0.1,
        "exponential gof_p = {}",
        num(&ex, &["gof_p"])
    );
    let a: Map = eval("seed(3); powerlaw_fit(pow(uniform(2000, 0, 1), -1.0 / 1.5), #{gof: 20, compare: false, seed: 9})").cast();
    let b: Map = eval("seed(3); powerlaw_fit(pow(uniform(2000, 0, 1), -1.0 / 1.5), #{gof: 20, compare: false, seed: 9})").cast();
    assert_eq!(
        num(&a, &["gof_p"]),
        num(&b, &["gof_p"]),
        "same seed, same p"
    );
}

#[test]
fn options_are_checked() {
    let engine = disco::build_engine();
    let e = engine
        .eval::<Dynamic>("powerlaw_fit([1.0, 2.0, 3.0], #{xmn: 1})")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown option 'xmn'") && e.contains("xmin"),
        "{e}"
    );
    let e = engine
        .eval::<Dynamic>("powerlaw_fit([1.0])")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least 2"), "{e}");
}

#[test]
fn fits_crossings_and_collapse() {
    let m: Map = eval(
        r#"
        let x = linspace(0, 10, 21);
        let lf = linear_fit(x, x * 2.5 + 1.0 + sin(x * 7.0) * 0.01);
        // logistic spanning-probability-like curve, fitted by Levenberg–Marquardt
        let xs = linspace(0.5, 0.7, 41);
        let ys = 1.0 / (1.0 + exp((xs - 0.5927) * -60.0));
        let cf = curve_fit(|x, p| 1.0 / (1.0 + exp(-(x - p[0]) * p[1])), xs, ys, [0.6, 40.0]);
        let c = crossing(xs, xs * 2.0, 1.8 - xs);
        let ce = crossing(xs, xs * 2.0, 1.8 - xs, ones(41) * 0.001, ones(41) * 0.001, #{seed: 1});
        // finite-size collapse of y = tanh((x − 0.59) L^(1/ν)), ν = 4/3
        let sizes = [16, 32, 64];
        let xx = [];
        let yy = [];
        for L in sizes {
            let xv = linspace(0.55, 0.63, 17);
            xx.push(xv);
            yy.push(tanh((xv - 0.59) * pow(L, 0.75)));
        }
        let co = collapse(sizes, xx, yy, #{xc: 0.58, nu: 1.0});
        let bs = bootstrap(linspace(0, 1, 101), |a| a.mean(), #{n: 400, seed: 3});
        let jk = jackknife(linspace(0, 1, 101), |a| a.mean());
        #{ slope: lf.slope, icpt: lf.intercept, p0: cf.params[0], p1: cf.params[1], xc: c.x_c,
           xce: ce.x_c, xce_err: ce.err, cxc: co.x_c, cnu: co.nu, bs_err: bs.err, jk_err: jk.err, jk: jk.value }
        "#,
    )
    .cast();
    assert!((num(&m, &["slope"]) - 2.5).abs() < 1e-3 && (num(&m, &["icpt"]) - 1.0).abs() < 1e-2);
    assert!((num(&m, &["p0"]) - 0.5927).abs() < 1e-8 && (num(&m, &["p1"]) - 60.0).abs() < 1e-5);
    assert!((num(&m, &["xc"]) - 0.6).abs() < 1e-12);
    assert!((num(&m, &["xce_err"])) > 0.0 && num(&m, &["xce_err"]) < 0.005);
    assert!(
        (num(&m, &["cxc"]) - 0.59).abs() < 2e-3,
        "collapse x_c {}",
        num(&m, &["cxc"])
    );
    assert!(
        (num(&m, &["cnu"]) - 4.0 / 3.0).abs() < 0.1,
        "collapse ν {}",
        num(&m, &["cnu"])
    );
    // standard error of the mean of linspace(0,1,101): σ/√n with σ = 0.2915 (ddof 0) → 0.0290
    let sem = 0.2915 / 101f64.sqrt();
    assert!(
        (num(&m, &["jk_err"]) - 0.29297 / 101f64.sqrt()).abs() < 1e-4,
        "{}",
        num(&m, &["jk_err"])
    );
    assert!(
        (num(&m, &["bs_err"]) - sem).abs() < 0.004,
        "{}",
        num(&m, &["bs_err"])
    );
    assert!((num(&m, &["jk"]) - 0.5).abs() < 1e-12);
}

#[test]
fn the_log_normal_on_its_power_law_ridge_is_reported_as_degenerate() {
    // a pure power law (α = 2.5): the log-normal fit runs down μ → −∞ and says so
    let m: Map = eval("seed(5); powerlaw_fit(pow(uniform(20000, 0, 1), -1.0 / 1.5))").cast();
    let ln: Map = m["compare"].clone().cast::<Map>()["lognormal"]
        .clone()
        .cast();
    assert!(ln["degenerate"].as_bool().unwrap(), "{ln:?}");
    let params: Map = ln["params"].clone().cast();
    assert!(
        !params.contains_key("mu"),
        "no μ that looks like a parameter: {params:?}"
    );
    let limit = params["alpha_limit"].as_float().unwrap();
    assert!((limit - 2.5).abs() < 0.15, "α of the limit {limit}");
    assert!(ln["limit"].to_string().contains("power-law limit"));
    // a true log-normal keeps μ and σ, near the generating 0 and 1
    let m: Map = eval("seed(2); powerlaw_fit(exp(normal(100000, 0, 1)), #{xmin: 1.0})").cast();
    let ln: Map = m["compare"].clone().cast::<Map>()["lognormal"]
        .clone()
        .cast();
    assert!(!ln["degenerate"].as_bool().unwrap(), "{ln:?}");
    let (mu, sigma) = (
        num(&m, &["compare", "lognormal", "params", "mu"]),
        num(&m, &["compare", "lognormal", "params", "sigma"]),
    );
    assert!(
        mu.abs() < 0.1 && (sigma - 1.0).abs() < 0.05,
        "μ {mu}, σ {sigma}"
    );
}

#[test]
fn discrete_comparisons_use_the_closed_form_exponential() {
    // geometric data p(k) = (1 − q) q^(k − 1), q = 0.6, with x_min fixed at 1: the discrete
    // exponential's MLE is q = m/(1 + m) (m the mean excess), i.e. λ = ln(1 + 1/m) per unit
    let m: Map = eval(
        "seed(6); let u = uniform(50000, 0, 1); \
         powerlaw_fit(1.0 + floor(log(1.0 - u) / log(0.6)), #{xmin: 1.0, discrete: true})",
    )
    .cast();
    let lam = num(&m, &["compare", "exponential", "params", "lambda"]);
    assert!((lam - (1.0f64 / 0.6).ln()).abs() < 0.01, "λ {lam}");
    assert!(num(&m, &["compare", "exponential", "R"]) < 0.0);
}
