//! A fuzzer over the engine: random calls of every registered function (from the generated
//! reference, so a new function is fuzzed the day it is registered) with arguments drawn from
//! pools of awkward values (NaN, ±inf, 1e308, huge and negative integers, empty and ragged
//! arrays, unknown option keys, wrong types). Every call must end as a value or a script error:
//! a panic is a finding, and so is a call that outlives its time bound after Ctrl-C.
//!
//! CI runs it for `DISCO_FUZZ_SECONDS` (default 20); a longer run: `DISCO_FUZZ_SECONDS=3600
//! cargo test --release --test fuzz -- --nocapture`. `DISCO_FUZZ_SEED` picks the stream.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const INTS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "5",
    "16",
    "1000000000000",
    "-9223372036854775807",
];
const FLOATS: &[&str] = &[
    "0.0",
    "1.5",
    "-2.0",
    "0.25",
    "100.0",
    "1e308",
    "-1e-308",
    "(0.0 / 0.0)",
    "(1.0 / 0.0)",
    "(-1.0 / 0.0)",
];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"square\"",
    "\"cubic\"",
    "\"chain\"",
    "\"x\"",
    "\"energy\"",
    "\"exp\"",
    "\"relu\"",
    "\"no_such_dir/zz.npy\"",
    "\"ß∂\"",
];
const NDARRAYS: &[&str] = &[
    "zeros(0)",
    "ones(3)",
    "linspace(0, 1, 5)",
    "normal([4, 4], 0, 1, 1)",
    "ndarray([[0.0, 1.0], [1.0, 0.0]])",
    "ones([2, 3])",
    "ndarray([0.0 / 0.0, 1.0])",
    "uniform([8, 8], 0, 1, 2)",
    "ones([3, 3, 3])",
    "ndarray([1.0, 2.0, 3.0, 4.0])",
    "zeros([0, 2])",
    "ones([16, 16]) * 1e300",
    "ndarray([[1.0, 0.0], [0.0, 1.0]])",
    "floor(uniform([6, 6], 0, 2, 3))",
];
const ARRAYS: &[&str] = &[
    "[]",
    "[1, 2, 3]",
    "[1.5, -2.0]",
    "[\"a\"]",
    "[[1, 2], [3, 4]]",
    "[4, 4]",
    "[0.1, 0.5, 0.9]",
    "[1, [2]]",
];
const KEYS: &[&str] = &[
    "seed",
    "periodic",
    "k",
    "tol",
    "order",
    "epochs",
    "lr",
    "batch_size",
    "kind",
    "hopping",
    "onsite",
    "W",
    "n",
    "L",
    "p",
    "rule",
    "mode",
    "dpi",
    "width",
    "xmin",
    "discrete",
    "compare",
    "gof",
    "x",
    "y",
    "val",
    "layers",
    "input",
    "units",
    "realizations",
    "fraction",
    "beta",
    "T",
    "J2",
    "steps",
    "cells",
    "title",
    "label",
    "bins",
    "no_such_option",
    "a",
    "t2",
    "cutoff",
];
const LATTICES: &[&str] = &[
    "lattice(\"square\", [4, 4])",
    "lattice(\"chain\", [5], #{periodic: true})",
    "lattice(\"honeycomb\", [3, 3])",
    "lattice(\"cubic\", [3, 3, 3])",
    "lattice(\"triangular\", [3, 3])",
];
const OPERATORS: &[&str] = &[
    "hamiltonian(lattice(\"square\", [4, 4]), #{hopping: -1})",
    "hamiltonian(lattice(\"chain\", [7]), #{hopping: 1, onsite: 0.5})",
    "hamiltonian(lattice(\"cubic\", [3, 3, 3], #{periodic: true}), #{hopping: -1})",
];
const SPECTRA: &[&str] = &[
    "eigh(hamiltonian(lattice(\"chain\", [6]), #{hopping: -1}))",
    "eigh(ndarray([[2.0, 1.0], [1.0, 2.0]]))",
];
const OTHERS: &[(&str, &[&str])] = &[
    ("figure", &["figure()", "figure(#{rows: 1, cols: 2})"]),
    (
        "spring_network",
        &["spring_network(\"triangular\", #{nx: 4, ny: 4})"],
    ),
    (
        "model",
        &["model(#{input: [4], layers: [#{layer: \"dense\", units: 2}]})"],
    ),
    ("ising", &["ising(4, #{seed: 1})"]),
];
const CLOSURES: &[&str] = &[
    "|x| x",
    "|x, p| p[0] * x",
    "|x| 1.0",
    "|x, p| x.sum()",
    "|a, b| a",
];

/// Functions that write files, print at length or wait: not fuzzed here (they have tests of
/// their own).
const SKIP: &[&str] = &[
    "save",
    "mkdir",
    "help",
    "print",
    "debug",
    "sleep",
    "eprint",
    "write_text",
    "plot",
];

fn pick<'a>(r: &mut StdRng, pool: &[&'a str]) -> &'a str {
    pool[r.random_range(0..pool.len())]
}

/// A rhai expression for a parameter of type `ty` (as the reference writes it: `int|array`,
/// `fn(x, p)`, ...); sometimes, on purpose, a value of another type.
fn value(r: &mut StdRng, ty: &str, depth: usize) -> String {
    if r.random_bool(0.08) {
        let any = [
            "int", "float", "string", "ndarray", "array", "map", "lattice",
        ];
        let t = any[r.random_range(0..any.len())];
        return value(r, t, depth + 1);
    }
    let alts: Vec<&str> = ty.split('|').collect();
    let t = alts[r.random_range(0..alts.len())].trim();
    if t.starts_with("fn") {
        return pick(r, CLOSURES).to_string();
    }
    match t {
        "int" => pick(r, INTS).into(),
        "float" => pick(r, FLOATS).into(),
        "bool" => ["true", "false"][r.random_range(0..2)].into(),
        "string" => pick(r, STRINGS).into(),
        "ndarray" => pick(r, NDARRAYS).into(),
        "array" => pick(r, ARRAYS).into(),
        "lattice" => pick(r, LATTICES).into(),
        "operator" => pick(r, OPERATORS).into(),
        "spectrum" => pick(r, SPECTRA).into(),
        "map" if depth < 2 => {
            let n = r.random_range(0..4);
            let kv: Vec<String> = (0..n)
                .map(|_| {
                    let k = pick(r, KEYS);
                    let vt = ["int", "float", "string", "bool", "array", "ndarray", "map"];
                    let t = vt[r.random_range(0..vt.len())];
                    format!("{k}: {}", value(r, t, depth + 1))
                })
                .collect();
            format!("#{{{}}}", kv.join(", "))
        }
        "map" => "#{}".into(),
        other => match OTHERS.iter().find(|(n, _)| *n == other) {
            Some((_, pool)) => pick(r, pool).into(),
            None => "()".into(),
        },
    }
}

/// (name, parameter types) of every fuzzable signature in the reference.
fn signatures() -> Vec<(String, Vec<String>)> {
    disco::progress::set_quiet(true);
    let _ = disco::build_engine();
    disco::docs::table()
        .iter()
        .filter(|d| d.name.chars().next().is_some_and(|c| c.is_alphabetic()))
        .filter(|d| !SKIP.contains(&d.name.as_str()))
        .filter(|d| !d.signature.contains("progress"))
        .map(|d| {
            let inside = d.signature[d.name.len()..]
                .trim_start_matches('(')
                .rsplit_once(')')
                .map(|(p, _)| p.to_string())
                .unwrap_or_default();
            // split on top-level commas (types like fn(x, p) hold commas)
            let (mut params, mut cur, mut depth) = (Vec::new(), String::new(), 0);
            for c in inside.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ',' if depth == 0 => {
                        params.push(std::mem::take(&mut cur));
                        continue;
                    }
                    _ => {}
                }
                cur.push(c);
            }
            if !cur.trim().is_empty() {
                params.push(cur);
            }
            let types = params
                .iter()
                .map(|p| {
                    p.split_once(':')
                        .map_or("any", |(_, t)| t)
                        .trim()
                        .to_string()
                })
                .collect();
            (d.name.clone(), types)
        })
        .collect()
}

#[test]
fn random_calls_of_every_function_end_in_a_value_or_a_script_error() {
    let seconds: u64 = std::env::var("DISCO_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("DISCO_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let sigs = signatures();
    assert!(sigs.len() > 200, "only {} signatures found", sigs.len());
    let mut r = StdRng::seed_from_u64(seed);
    let engine = disco::build_engine();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    // a watchdog presses Ctrl-C on a case that runs too long, as a user would
    let started = std::sync::Arc::new(std::sync::Mutex::new(None::<Instant>));
    let watch = started.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(100));
        let s = *watch.lock().unwrap_or_else(|e| e.into_inner());
        if s.is_some_and(|s| s.elapsed() > Duration::from_secs(3)) {
            disco::progress::request_interrupt();
        }
    });
    let (mut cases, mut errors) = (0usize, 0usize);
    let mut slow: Vec<String> = Vec::new();
    while Instant::now() < deadline {
        let (name, types) = &sigs[r.random_range(0..sigs.len())];
        let args: Vec<String> = types.iter().map(|t| value(&mut r, t, 0)).collect();
        let script = if !args.is_empty() && r.random_bool(0.3) {
            // method style: first argument as the receiver
            format!("let v = {}; v.{name}({})", args[0], args[1..].join(", "))
        } else {
            format!("{name}({})", args.join(", "))
        };
        disco::progress::clear_interrupt();
        *started.lock().unwrap() = Some(Instant::now());
        let t = Instant::now();
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            engine.eval::<rhai::Dynamic>(&script).map(|_| ())
        }));
        *started.lock().unwrap() = None;
        match out {
            Err(_) => panic!("panic (seed {seed}, case {cases}):\n{script}"),
            Ok(Err(_)) => errors += 1,
            Ok(Ok(())) => {}
        }
        if t.elapsed() > Duration::from_secs(10) {
            slow.push(format!("{:.1} s: {script}", t.elapsed().as_secs_f64()));
        }
        cases += 1;
    }
    disco::progress::clear_interrupt();
    eprintln!("fuzz: {cases} cases ({errors} script errors) in {seconds} s, seed {seed}");
    assert!(
        slow.is_empty(),
        "calls that went on for over 10 s, 7 s after Ctrl-C:\n{}",
        slow.join("\n")
    );
    assert!(cases > 0);
}
