//! rhai API of the J1–J2 Ising model: `ising`, `metropolis`, `wolff`, `measure`,
//! `ising_observables`, `ising_dataset`, `onsager_energy`.

use super::{onsager_energy, tau_int, Ising, Sample};
use crate::args::{check_alloc, count, err, positive, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::vec_arg;
use crate::progress::par_realizations;
use rhai::{Dynamic, Engine, Map};

fn sample_map(s: Sample) -> Map {
    let mut m = Map::new();
    m.insert("energy".into(), Dynamic::from_float(s.e));
    m.insert("m".into(), Dynamic::from_float(s.m));
    m.insert("m_abs".into(), Dynamic::from_float(s.m.abs()));
    m.insert("stripe".into(), Dynamic::from_float(s.stripe));
    m
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Mean and its error with the autocorrelation time: σ/√(n / 2τ).
fn mean_err(v: &[f64]) -> (f64, f64, f64) {
    let m = mean(v);
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len().max(2) - 1) as f64;
    let tau = tau_int(v);
    (m, (var * 2.0 * tau / v.len() as f64).sqrt(), tau)
}

fn run_steps(st: &mut Ising, t: f64, n: usize, wolff: bool, func: &str) -> Res<()> {
    // Metropolis in batches of up to 64 sweeps (one sublattice split per batch), checking
    // Ctrl-C between batches.
    let mut done = 0;
    while done < n {
        let k = (n - done).min(64);
        if wolff {
            for _ in 0..k {
                st.wolff_step(t);
            }
        } else {
            st.metropolis_sweeps(t, k);
        }
        done += k;
        crate::progress::check_interrupt(func)?;
    }
    Ok(())
}

fn observables(st: &mut Ising, t: f64, o: &Opts, func: &str) -> Res<Map> {
    let algo = o.choice_or("algorithm", "metropolis", &["metropolis", "wolff"])?;
    let wolff = algo == "wolff";
    if wolff && (st.j2 != 0.0 || st.j1 <= 0.0) {
        return err(format!(
            "{func}: Wolff updates need J2 = 0 and J1 > 0 (got J1 = {}, J2 = {})",
            st.j1, st.j2
        ));
    }
    let therm = o.count_or("thermalize", 1000, 0, 1 << 40)?;
    let samples = o.count_or("samples", 2000, 2, 1 << 40)?;
    let every = o.count_or("every", 1, 1, 1 << 30)?;
    run_steps(st, t, therm, wolff, func)?;
    let (a0, t0) = (st.accepted, st.attempted);
    let pb = crate::progress::bar(samples as u64, func);
    let (mut e, mut m, mut s) = (
        Vec::with_capacity(samples),
        Vec::with_capacity(samples),
        Vec::with_capacity(samples),
    );
    for _ in 0..samples {
        run_steps(st, t, every, wolff, func)?;
        let x = st.measure();
        e.push(x.e);
        m.push(x.m.abs());
        s.push(x.stripe);
        pb.inc(1);
    }
    pb.finish_and_clear();
    let n = (st.l * st.l) as f64;
    let (em, ee, _) = mean_err(&e);
    let (mm, me, tau_m) = mean_err(&m);
    let (sm, se, _) = mean_err(&s);
    let m2 = mean(&m.iter().map(|x| x * x).collect::<Vec<_>>());
    let m4 = mean(&m.iter().map(|x| x.powi(4)).collect::<Vec<_>>());
    let e2 = mean(&e.iter().map(|x| x * x).collect::<Vec<_>>());
    let mut out = Map::new();
    for (k, v) in [
        ("T", t),
        ("energy", em),
        ("energy_err", ee),
        ("m_abs", mm),
        ("m_abs_err", me),
        ("stripe", sm),
        ("stripe_err", se),
        // χ = N(⟨m²⟩ − ⟨|m|⟩²)/T, C = N(⟨e²⟩ − ⟨e⟩²)/T², U = 1 − ⟨m⁴⟩/(3⟨m²⟩²)
        ("chi", n * (m2 - mm * mm) / t),
        ("specific_heat", n * (e2 - em * em) / (t * t)),
        ("binder", 1.0 - m4 / (3.0 * m2 * m2)),
        ("tau_m", tau_m),
    ] {
        out.insert(k.into(), Dynamic::from_float(v));
    }
    if !wolff {
        let acc = (st.accepted - a0) as f64 / ((st.attempted - t0).max(1)) as f64;
        out.insert("acceptance".into(), Dynamic::from_float(acc));
    }
    Ok(out)
}

/// Register the Ising functions.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Ising>("ising");
    reg(
        engine,
        "to_string",
        &["s: ising", "string"],
        "Short description.",
        |s: &mut Ising| format!("ising(L = {}, J1 = {}, J2 = {})", s.l, s.j1, s.j2),
    );
    reg(engine, "ising", &["L: int", "opts: map", "ising"], "A J1–J2 Ising model on an L×L periodic square lattice, H = −J1 Σ_nn s s + J2 Σ_nnn s s: opts J1 (1), J2 (0), start (\"hot\" random, \"cold\" all up), seed.", |l: Dynamic, m: Map| -> Res<Ising> {
        let f = "ising";
        let o = Opts::new(m, f, &["J1", "J2", "start", "seed"])?;
        let l = count(&l, f, "L", 2, 100_000)?;
        if l % 2 == 1 {
            return err(format!("{f}: L must be even (the sublattice updates and the stripe order need it), got {l}"));
        }
        check_alloc(f, "the spins", (l * l) as u128, 1)?;
        let hot = o.choice_or("start", "hot", &["hot", "cold"])? == "hot";
        Ok(Ising::new(l, o.f64_or("J1", 1.0)?, o.f64_or("J2", 0.0)?, o.seed()?, hot))
    });
    reg(
        engine,
        "get$spins",
        &["s: ising", "ndarray"],
        "`s.spins`: the L×L spins (±1).",
        |s: &mut Ising| {
            NdArray::from_2d(s.l, s.l, s.spins.iter().map(|&v| v as f64).collect())
                .unwrap_or_else(|_| NdArray::from_vec(vec![]))
        },
    );
    reg(
        engine,
        "metropolis",
        &["s: ising", "T: float", "sweeps: int", "()"],
        "Metropolis sweeps at temperature T (four-sublattice updates, both cores).",
        |s: &mut Ising, t: Dynamic, n: Dynamic| -> Res<()> {
            let t = positive(&t, "metropolis", "T")?;
            let n = count(&n, "metropolis", "sweeps", 0, 1 << 40)?;
            run_steps(s, t, n, false, "metropolis")
        },
    );
    reg(
        engine,
        "wolff",
        &["s: ising", "T: float", "steps: int", "()"],
        "Wolff cluster updates at temperature T (J2 = 0 only).",
        |s: &mut Ising, t: Dynamic, n: Dynamic| -> Res<()> {
            if s.j2 != 0.0 || s.j1 <= 0.0 {
                return err(format!(
                    "wolff: needs J2 = 0 and J1 > 0 (got J1 = {}, J2 = {})",
                    s.j1, s.j2
                ));
            }
            let t = positive(&t, "wolff", "T")?;
            let n = count(&n, "wolff", "steps", 0, 1 << 40)?;
            run_steps(s, t, n, true, "wolff")
        },
    );
    reg(engine, "measure", &["s: ising", "map"], "Energy, magnetisation and stripe order √(m(π,0)² + m(0,π)²) per spin of the current configuration.", |s: &mut Ising| sample_map(s.measure()));
    reg(engine, "ising_observables", &["s: ising", "T: float", "opts: map", "map"], "Thermal averages at T: opts algorithm (metropolis, wolff), thermalize (1000), samples (2000), every (steps between samples). Returns #{energy, m_abs, stripe (with _err from the autocorrelation time), chi, specific_heat, binder, tau_m, acceptance}.", |s: &mut Ising, t: Dynamic, m: Map| -> Res<Map> {
        let f = "ising_observables";
        let o = Opts::new(m, f, &["algorithm", "thermalize", "samples", "every"])?;
        let t = positive(&t, f, "T")?;
        observables(s, t, &o, f)
    });
    reg(engine, "ising_dataset", &["opts: map", "map"], "Seed-003 configurations by successive cooling, one independent chain per J2 value, in parallel: opts L (30), T (temperatures, cooled from the highest), J2 (values), J1 (1), configs (per (T, J2), 40), thermalize (sweeps at each T before sampling, 500), every (sweeps between configs, 10), seed. Returns #{configs: n×1×L×L, T, J2, energy, m_abs, stripe}.", |m: Map| -> Res<Map> {
        let f = "ising_dataset";
        let o = Opts::new(m, f, &["L", "T", "J2", "J1", "configs", "thermalize", "every", "seed"])?;
        let l = o.count_or("L", 30, 2, 4096)?;
        if l % 2 == 1 {
            return err(format!("{f}: L must be even, got {l}"));
        }
        let mut temps = match o.get("T") {
            Some(v) => vec_arg(v, f, "opts.T")?,
            None => (0..157).map(|i| 0.1 + 0.025 * i as f64).collect(),
        };
        if temps.iter().any(|t| !(*t > 0.0 && t.is_finite())) {
            return err(format!("{f}: temperatures must be positive"));
        }
        temps.sort_by(|a, b| b.total_cmp(a));
        let j2s = match o.get("J2") {
            Some(v) => vec_arg(v, f, "opts.J2")?,
            None => vec![0.0],
        };
        let j1 = o.f64_or("J1", 1.0)?;
        let configs = o.count_or("configs", 40, 1, 1 << 30)?;
        let therm = o.count_or("thermalize", 500, 0, 1 << 30)?;
        let every = o.count_or("every", 10, 1, 1 << 30)?;
        let seed = o.seed()?;
        let total = temps.len() * j2s.len() * configs;
        check_alloc(f, "the configurations", (total as u128) * (l * l) as u128, 8)?;
        let chains = par_realizations(j2s.len(), f, |c| {
            let mut st = Ising::new(l, j1, j2s[c], crate::rng::mix(seed ^ c as u64), true);
            let mut out = Vec::with_capacity(temps.len() * configs);
            for &t in &temps {
                st.metropolis_sweeps(t, therm);
                for _ in 0..configs {
                    st.metropolis_sweeps(t, every);
                    if crate::progress::interrupted() {
                        return Err("ising_dataset: interrupted".to_string());
                    }
                    out.push((t, st.spins.clone(), st.measure()));
                }
            }
            Ok(out)
        })?;
        let mut cfg = Vec::with_capacity(total * l * l);
        let (mut tv, mut jv, mut ev, mut mv, mut sv) = (vec![], vec![], vec![], vec![], vec![]);
        for (c, chain) in chains.into_iter().enumerate() {
            for (t, spins, s) in chain {
                cfg.extend(spins.iter().map(|&v| v as f64));
                tv.push(t);
                jv.push(j2s[c]);
                ev.push(s.e);
                mv.push(s.m.abs());
                sv.push(s.stripe);
            }
        }
        let mut out = Map::new();
        out.insert("configs".into(), Dynamic::from(NdArray::from_shape(&[total, 1, l, l], cfg)?));
        for (k, v) in [("T", tv), ("J2", jv), ("energy", ev), ("m_abs", mv), ("stripe", sv)] {
            out.insert(k.into(), Dynamic::from(NdArray::from_vec(v)));
        }
        Ok(out)
    });
    reg(
        engine,
        "onsager_energy",
        &["T: float", "float"],
        "Onsager's exact energy per spin of the infinite 2D Ising model (J = 1) at temperature T.",
        |t: Dynamic| -> Res<f64> { Ok(onsager_energy(positive(&t, "onsager_energy", "T")?)) },
    );
    reg(
        engine,
        "ising_tc",
        &["float"],
        "T_c = 2/ln(1 + √2) of the square-lattice Ising model (J1 = 1, J2 = 0).",
        || super::TC,
    );
}
