//! rhai API for data files: `save`, `load`, `save_json`, `to_json`, `from_json`, `mkdir`.

use super::{csv_text, npy_bytes, parse_csv, parse_npy, write_atomic};
use crate::args::{err, reg, Res};
use crate::array::NdArray;
use crate::convert::arr_like;
use rhai::{Array, Dynamic, Engine, Map};
use std::path::Path;

/// A script value as JSON: ndarrays become (nested) lists, NaN/inf become null.
pub fn to_json(v: &Dynamic) -> serde_json::Value {
    use serde_json::Value;
    if v.is_unit() {
        Value::Null
    } else if let Ok(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Ok(i) = v.as_int() {
        Value::from(i)
    } else if let Ok(x) = v.as_float() {
        serde_json::Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    } else if v.is_string() {
        Value::String(v.to_string())
    } else if let Some(a) = v.read_lock::<Array>() {
        Value::Array(a.iter().map(to_json).collect())
    } else if let Some(m) = v.read_lock::<Map>() {
        Value::Object(m.iter().map(|(k, x)| (k.to_string(), to_json(x))).collect())
    } else if let Some(a) = v.read_lock::<NdArray>() {
        nd_json(a.view().view())
    } else {
        Value::String(v.to_string())
    }
}

/// How many numbers in a value (nested arrays, maps and ndarrays included) are NaN or ±inf.
fn non_finite(v: &Dynamic) -> usize {
    if let Ok(x) = v.as_float() {
        usize::from(!x.is_finite())
    } else if let Some(a) = v.read_lock::<Array>() {
        a.iter().map(non_finite).sum()
    } else if let Some(m) = v.read_lock::<Map>() {
        m.values().map(non_finite).sum()
    } else if let Some(a) = v.read_lock::<NdArray>() {
        a.view().iter().filter(|x| !x.is_finite()).count()
    } else {
        0
    }
}

fn nd_json(a: ndarray::ArrayViewD<f64>) -> serde_json::Value {
    use serde_json::Value;
    let num = |x: f64| {
        serde_json::Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    };
    match a.ndim() {
        0 => num(a.iter().next().copied().unwrap_or(f64::NAN)),
        1 => Value::Array(a.iter().map(|&x| num(x)).collect()),
        _ => Value::Array(a.outer_iter().map(nd_json).collect()),
    }
}

/// JSON to a script value: numbers without a fraction become INT, lists stay rhai arrays.
pub fn from_json(v: &serde_json::Value) -> Dynamic {
    use serde_json::Value;
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i),
            None => Dynamic::from_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Dynamic::from(s.clone()),
        Value::Array(a) => Dynamic::from_array(a.iter().map(from_json).collect()),
        Value::Object(o) => {
            let m: Map = o
                .iter()
                .map(|(k, x)| (k.as_str().into(), from_json(x)))
                .collect();
            Dynamic::from_map(m)
        }
    }
}

fn ext(path: &str) -> String {
    Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

fn write(func: &str, path: &str, bytes: &[u8]) -> Res<()> {
    write_atomic(Path::new(path), bytes)
        .map_err(|e| format!("{func}: cannot write '{path}': {e}").into())
}

fn save_impl(path: &str, value: &Dynamic, header: Option<Vec<String>>) -> Res<()> {
    let f = "save";
    match ext(path).as_str() {
        "npy" => {
            if let Some(c) = value.read_lock::<crate::array::complex::CArray>() {
                let b = super::npy_bytes_complex(&c).map_err(|e| format!("save: {e}"))?;
                return write(f, path, &b);
            }
            let a = arr_like(value, f, "value")?;
            let b = npy_bytes(&a).map_err(|e| format!("save: {e}"))?;
            write(f, path, &b)
        }
        "csv" => {
            let a = arr_like(value, f, "value")?;
            let t = csv_text(&a, header.as_deref()).map_err(|e| format!("save: {e}"))?;
            write(f, path, t.as_bytes())
        }
        "json" => {
            let t =
                serde_json::to_string_pretty(&to_json(value)).map_err(|e| format!("save: {e}"))?;
            let lost = non_finite(value);
            // a shard's results hold NaN placeholders and are not written: nothing to warn about
            if lost > 0 && !super::discarding_script_writes() {
                eprintln!(
                    "warning: save: {lost} value(s) in '{path}' are NaN or ±inf, which JSON cannot \
                     hold: written as null, and load gives () for them (.npy keeps them)"
                );
            }
            write(f, path, t.as_bytes())
        }
        e => err(format!(
            "save: unknown file type '.{e}' for '{path}'; use .npy, .csv or .json"
        )),
    }
}

fn load_impl(path: &str) -> Res<Dynamic> {
    let f = "load";
    let bytes = std::fs::read(path).map_err(|e| format!("load: cannot read '{path}': {e}"))?;
    match ext(path).as_str() {
        "npy" => match super::parse_npy_complex(&bytes) {
            Some(c) => c
                .map(Dynamic::from)
                .map_err(|e| format!("{f}: '{path}': {e}").into()),
            None => parse_npy(&bytes)
                .map(Dynamic::from)
                .map_err(|e| format!("{f}: '{path}': {e}").into()),
        },
        "csv" => {
            let t = String::from_utf8_lossy(&bytes);
            parse_csv(&t)
                .map(|(_, a)| Dynamic::from(a))
                .map_err(|e| format!("{f}: '{path}': {e}").into())
        }
        "json" => {
            let v: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| format!("load: '{path}' is not valid JSON: {e}"))?;
            Ok(from_json(&v))
        }
        e => err(format!(
            "load: unknown file type '.{e}' for '{path}'; use .npy, .csv or .json"
        )),
    }
}

/// Register the data-file functions.
pub fn register(engine: &mut Engine) {
    // One convention for every value, as for figures and models: the value first, so that
    // `x.save(path)` reads as a method. `save(path, value)`, the order of earlier releases, is
    // kept as an alias.
    reg(engine, "save", &["value: ndarray", "path: string", "()"], "Write a file atomically (`a.save(\"a.npy\")`), format by extension: .npy (numpy-readable), .csv (1D/2D), .json. Every value takes `value.save(path)`: ndarrays, maps, arrays, numbers, figures, models.", |v: NdArray, p: &str| save_impl(p, &Dynamic::from(v), None));
    reg(
        engine,
        "save",
        &["value: cndarray", "path: string", "()"],
        "Write a complex array as a complex128 .npy file atomically (numpy reads it as complex128).",
        |v: crate::array::complex::CArray, p: &str| save_impl(p, &Dynamic::from(v), None),
    );
    reg(
        engine,
        "save",
        &["value: map", "path: string", "()"],
        "Write a map as .json atomically (`results.save(\"out/results.json\")`).",
        |v: Map, p: &str| save_impl(p, &Dynamic::from_map(v), None),
    );
    reg(
        engine,
        "save",
        &["value: array", "path: string", "()"],
        "Write an array as .json, .csv or .npy atomically.",
        |v: Array, p: &str| save_impl(p, &Dynamic::from_array(v), None),
    );
    reg(
        engine,
        "save",
        &["value: float", "path: string", "()"],
        "Write a number as .json atomically.",
        |v: f64, p: &str| save_impl(p, &Dynamic::from_float(v), None),
    );
    reg(
        engine,
        "save",
        &["value: int", "path: string", "()"],
        "Write an integer as .json atomically.",
        |v: rhai::INT, p: &str| save_impl(p, &Dynamic::from_int(v), None),
    );
    reg(
        engine,
        "save",
        &["value: ndarray", "path: string", "header: array", "()"],
        "Write a 2D array as CSV with a header line of column names: `a.save(\"t.csv\", [\"x\", \"y\"])`.",
        |v: NdArray, p: &str, h: Array| -> Res<()> {
            save_impl(p, &Dynamic::from(v), Some(h.iter().map(|x| x.to_string()).collect()))
        },
    );
    reg(
        engine,
        "save",
        &["path: string", "value: any", "()"],
        "The earlier argument order, kept as an alias: save(path, value) = value.save(path).",
        |p: &str, v: Dynamic| save_impl(p, &v, None),
    );
    reg(
        engine,
        "save",
        &["path: string", "value: ndarray", "header: array", "()"],
        "The earlier argument order, kept as an alias: save(path, a, header) = a.save(path, header).",
        |p: &str, v: Dynamic, h: Array| -> Res<()> {
            save_impl(p, &v, Some(h.iter().map(|x| x.to_string()).collect()))
        },
    );
    reg(
        engine,
        "load",
        &["path: string", "any"],
        "Read .npy or .csv into an ndarray, or .json into maps/arrays.",
        load_impl,
    );
    reg(
        engine,
        "to_json",
        &["value: any", "string"],
        "JSON text of a value (ndarrays become lists).",
        |v: Dynamic| -> Res<String> {
            serde_json::to_string(&to_json(&v)).map_err(|e| format!("to_json: {e}").into())
        },
    );
    // rhai's own to_json for maps would win for a map argument (a closer type match) and writes
    // an ndarray inside it as its Rust type name
    reg(
        engine,
        "to_json",
        &["value: map", "string"],
        "JSON text of a map (ndarrays inside become lists).",
        |v: Map| -> Res<String> {
            serde_json::to_string(&to_json(&Dynamic::from_map(v)))
                .map_err(|e| format!("to_json: {e}").into())
        },
    );
    reg(
        engine,
        "from_json",
        &["text: string", "any"],
        "Parse JSON text into maps, arrays and numbers.",
        |t: &str| -> Res<Dynamic> {
            let v: serde_json::Value =
                serde_json::from_str(t).map_err(|e| format!("from_json: invalid JSON: {e}"))?;
            Ok(from_json(&v))
        },
    );
    reg(
        engine,
        "mkdir",
        &["path: string", "()"],
        "Create a directory and its parents (no error if it exists).",
        |p: &str| -> Res<()> {
            std::fs::create_dir_all(p)
                .map_err(|e| format!("mkdir: cannot create '{p}': {e}").into())
        },
    );
    reg(
        engine,
        "exists",
        &["path: string", "bool"],
        "Whether a file or directory exists.",
        |p: &str| Path::new(p).exists(),
    );
    reg(
        engine,
        "join_path",
        &["dir: string", "name: string", "string"],
        "Join a directory and a file name.",
        |d: &str, n: &str| -> String { Path::new(d).join(n).to_string_lossy().into_owned() },
    );
    reg(
        engine,
        "write_text",
        &["path: string", "text: string", "()"],
        "Write a text file atomically.",
        |p: &str, t: &str| write("write_text", p, t.as_bytes()),
    );
    reg(
        engine,
        "read_text",
        &["path: string", "string"],
        "Read a text file.",
        |p: &str| -> Res<String> {
            std::fs::read_to_string(p)
                .map_err(|e| format!("read_text: cannot read '{p}': {e}").into())
        },
    );
}
