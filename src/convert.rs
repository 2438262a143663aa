//! The conversion layer between script values and disco's native ones: array-likes (ndarrays,
//! nested rhai arrays of numbers, numbers) into `NdArray`s and vectors, shapes checked against
//! memory, ndarrays back into rhai arrays, and the text of any value as the REPL, `print` and
//! notebooks show it. Every domain's `script.rs` takes its array arguments through here; scalar
//! arguments and options are `args`.

use crate::args::{check_alloc, err, int, Res};
use crate::array::NdArray;
use ndarray::Axis;
use rhai::{Array, Dynamic, Map};

/// Convert a script value (ndarray, nested rhai array of numbers, or a number) to an ndarray.
pub fn arr_like(v: &Dynamic, func: &str, arg: &str) -> Res<NdArray> {
    if let Some(a) = v.clone().try_cast::<NdArray>() {
        return Ok(a);
    }
    if v.is_array() {
        let mut shape = Vec::new();
        let mut data = Vec::new();
        flatten_nested(v, 0, &mut shape, &mut data, &mut None, (func, arg))?;
        return NdArray::from_shape(&shape, data)
            .map_err(|e| format!("{func}: argument '{arg}': {e}").into());
    }
    if v.is_float() || v.is_int() {
        return Ok(NdArray::from_vec(vec![crate::args::num_any(v, func, arg)?]));
    }
    err(format!(
        "{func}: argument '{arg}' must be an ndarray or an array of numbers, got {}",
        v.type_name()
    ))
}

/// Numbers and rows of a nested array into `data` and `shape`. `leaf`: the depth at which the
/// first number stood; numbers elsewhere, or rows at or below it ([1, [2]]), are ragged.
fn flatten_nested(
    v: &Dynamic,
    depth: usize,
    shape: &mut Vec<usize>,
    data: &mut Vec<f64>,
    leaf: &mut Option<usize>,
    (func, arg): (&str, &str),
) -> Res<()> {
    let is_row = v.is_array() || v.is::<NdArray>();
    if is_row && leaf.is_some_and(|l| depth >= l) || !is_row && leaf.is_some_and(|l| depth != l) {
        return err(format!(
            "{func}: argument '{arg}' is ragged (numbers and rows mixed at depth {depth})"
        ));
    }
    if let Some(a) = v.read_lock::<Array>() {
        if shape.len() == depth {
            shape.push(a.len());
        } else if shape.get(depth) != Some(&a.len()) || shape.len() > depth + 1 && a.is_empty() {
            return err(format!(
                "{func}: argument '{arg}' is ragged (rows of different lengths at depth {depth})"
            ));
        }
        for x in a.iter() {
            flatten_nested(x, depth + 1, shape, data, leaf, (func, arg))?;
        }
        Ok(())
    } else if let Some(nd) = v.clone().try_cast::<NdArray>() {
        if nd.ndim() != 1 {
            return err(format!(
                "{func}: argument '{arg}': nest only 1D ndarrays in an array"
            ));
        }
        if shape.len() == depth {
            shape.push(nd.len());
        } else if shape.get(depth) != Some(&nd.len()) {
            return err(format!(
                "{func}: argument '{arg}' is ragged at depth {depth}"
            ));
        }
        data.extend(nd.view().iter());
        *leaf = Some(depth + 1);
        Ok(())
    } else {
        if shape.len() > depth {
            return err(format!(
                "{func}: argument '{arg}' is ragged at depth {depth}"
            ));
        }
        *leaf = Some(depth);
        data.push(
            crate::args::num_any(v, func, arg).map_err(|_| -> Box<rhai::EvalAltResult> {
                format!(
                    "{func}: argument '{arg}' must contain only numbers, found {}",
                    v.type_name()
                )
                .into()
            })?,
        );
        Ok(())
    }
}

/// A 1D vector of f64 from an array-like argument.
pub fn vec_arg(v: &Dynamic, func: &str, arg: &str) -> Res<Vec<f64>> {
    Ok(arr_like(v, func, arg)?.to_vec())
}

/// A shape from an INT or an array of INTs, with the total size checked against memory.
pub fn shape_arg(v: &Dynamic, func: &str) -> Res<Vec<usize>> {
    let dims: Vec<i64> = if v.is_array() {
        let a = v
            .read_lock::<Array>()
            .map(|a| a.clone())
            .unwrap_or_default();
        a.iter()
            .map(|d| int(d, func, "shape"))
            .collect::<Res<_>>()?
    } else {
        vec![int(v, func, "shape")?]
    };
    if dims.iter().any(|&d| d < 0) {
        return err(format!(
            "{func}: argument 'shape' must be non-negative, got {dims:?}"
        ));
    }
    let total = dims
        .iter()
        .fold(1u128, |acc, &d| acc.saturating_mul(d as u128));
    check_alloc(func, &format!("an array of shape {dims:?}"), total, 8)?;
    Ok(dims.iter().map(|&d| d as usize).collect())
}

/// An ndarray as nested rhai arrays of FLOATs (a 0-d array as a FLOAT).
pub fn to_rhai(a: &NdArray) -> Dynamic {
    match a.ndim() {
        0 => Dynamic::from_float(a.view().iter().next().copied().unwrap_or(f64::NAN)),
        1 => Dynamic::from_array(a.view().iter().map(|&x| Dynamic::from_float(x)).collect()),
        _ => Dynamic::from_array(
            a.view()
                .axis_iter(Axis(0))
                .map(|sub| to_rhai(&NdArray::new(sub.to_owned())))
                .collect(),
        ),
    }
}

/// Text of any script value, showing ndarrays (also inside arrays and maps) numpy-style.
pub fn show(v: &Dynamic) -> String {
    show_with(v, &|_| None)
}

/// `show`, with `custom` giving the text of other native values (the engine's `to_string`:
/// a spectrum's summary rather than its Rust type name), also inside arrays and maps.
pub fn show_with(v: &Dynamic, custom: &dyn Fn(&Dynamic) -> Option<String>) -> String {
    if let Some(a) = v.read_lock::<NdArray>() {
        return a.to_string();
    }
    if let Some(a) = v.read_lock::<Array>() {
        let items: Vec<String> = a.iter().map(|x| show_item(x, custom)).collect();
        return format!("[{}]", items.join(", "));
    }
    if let Some(m) = v.read_lock::<Map>() {
        let items: Vec<String> = m
            .iter()
            .map(|(k, x)| format!("{k}: {}", show_item(x, custom)))
            .collect();
        return format!("#{{{}}}", items.join(", "));
    }
    if let Ok(x) = v.as_float() {
        return format!("{x:?}");
    }
    if v.is_variant() {
        if let Some(s) = custom(v) {
            return s;
        }
    }
    v.to_string()
}

fn show_item(v: &Dynamic, custom: &dyn Fn(&Dynamic) -> Option<String>) -> String {
    if v.is_string() {
        format!("{:?}", v.to_string())
    } else {
        show_with(v, custom)
    }
}

/// Convert to a rhai value for returning: a 0-d array becomes a FLOAT.
pub fn scalar_or_array(a: NdArray) -> Dynamic {
    if a.ndim() == 0 {
        Dynamic::from_float(a.view().iter().next().copied().unwrap_or(f64::NAN))
    } else {
        Dynamic::from(a)
    }
}
