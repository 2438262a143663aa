//! Helpers shared by the integration tests: run a script on the real engine.

#![allow(dead_code)] // each test binary uses a different subset

use rhai::{Dynamic, Map, Scope};

/// Evaluate a script on `build_engine()`, panicking with the script on error.
pub fn eval(src: &str) -> Dynamic {
    disco::progress::set_quiet(true);
    disco::build_engine()
        .eval_with_scope::<Dynamic>(&mut Scope::new(), src)
        .unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// Evaluate a script that returns a map.
pub fn eval_map(src: &str) -> Map {
    eval(src).cast()
}

/// The error message of a script that must fail.
pub fn eval_err(src: &str) -> String {
    disco::build_engine()
        .eval::<Dynamic>(src)
        .map(|_| ())
        .expect_err("the script should fail")
        .to_string()
}

/// A number (FLOAT or INT) from a result map.
pub fn num(m: &Map, k: &str) -> f64 {
    let v = m.get(k).unwrap_or_else(|| panic!("no key {k}"));
    v.as_float()
        .or_else(|_| v.as_int().map(|i| i as f64))
        .unwrap_or_else(|_| panic!("{k}: {v:?}"))
}
