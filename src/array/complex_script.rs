//! rhai API of complex numbers and complex arrays: `complex`, `cis`, `.re`, `.im`, `abs`,
//! `arg`, `conj`, arithmetic with numbers, ndarrays and each other (numpy broadcasting),
//! `matmul`, `.T`, `.H`, indexing and complex `.npy` files.

use super::complex::CArray;
use super::NdArray;
use crate::args::{err, reg, Res};
use crate::convert::arr_like;
use faer::c64;
use rhai::{Dynamic, Engine, INT};

/// A complex scalar or array operand, from any script value that is one.
enum Operand {
    Scalar(c64),
    Array(CArray),
}

fn operand(v: Dynamic, func: &str, arg: &str) -> Res<Operand> {
    if let Some(z) = v.clone().try_cast::<c64>() {
        return Ok(Operand::Scalar(z));
    }
    if let Some(a) = v.clone().try_cast::<CArray>() {
        return Ok(Operand::Array(a));
    }
    if let Ok(x) = v.as_float() {
        return Ok(Operand::Scalar(c64::new(x, 0.0)));
    }
    if let Ok(i) = v.as_int() {
        return Ok(Operand::Scalar(c64::new(i as f64, 0.0)));
    }
    let a = arr_like(&v, func, arg)?;
    Ok(Operand::Array(CArray::from_real(&a)))
}

/// A complex array from a script value (cndarray, ndarray, list or number).
pub fn carray_arg(v: &Dynamic, func: &str, arg: &str) -> Res<CArray> {
    match operand(v.clone(), func, arg)? {
        Operand::Array(a) => Ok(a),
        Operand::Scalar(z) => Ok(CArray::from_vec(vec![z])),
    }
}

fn binary(op: &str, a: Dynamic, b: Dynamic, f: fn(c64, c64) -> c64) -> Res<Dynamic> {
    let (a, b) = (operand(a, op, "a")?, operand(b, op, "b")?);
    Ok(match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => Dynamic::from(f(x, y)),
        (Operand::Array(x), Operand::Scalar(y)) => Dynamic::from(x.map(|z| f(z, y))),
        (Operand::Scalar(x), Operand::Array(y)) => Dynamic::from(y.map(|z| f(x, z))),
        (Operand::Array(x), Operand::Array(y)) => {
            Dynamic::from(CArray::zip_with(&x, &y, f).map_err(|e| format!("{op}: {e}"))?)
        }
    })
}

/// Register `op` for every pair of operand types where at least one side is complex.
fn complex_op(engine: &mut Engine, op: &'static str, f: fn(c64, c64) -> c64) {
    let doc = format!(
        "`{op}` of complex numbers and complex arrays, element-wise with numpy broadcasting; \
         the other side may be a complex, cndarray, ndarray, float or int."
    );
    macro_rules! pair {
        ($ta:ty, $na:expr, $tb:ty, $nb:expr) => {
            reg(
                engine,
                op,
                &[concat!("a: ", $na), concat!("b: ", $nb), "complex|cndarray"],
                &doc,
                move |a: $ta, b: $tb| binary(op, Dynamic::from(a), Dynamic::from(b), f),
            );
        };
    }
    pair!(c64, "complex", c64, "complex");
    pair!(c64, "complex", f64, "float");
    pair!(f64, "float", c64, "complex");
    pair!(c64, "complex", INT, "int");
    pair!(INT, "int", c64, "complex");
    pair!(CArray, "cndarray", CArray, "cndarray");
    pair!(CArray, "cndarray", NdArray, "ndarray");
    pair!(NdArray, "ndarray", CArray, "cndarray");
    pair!(CArray, "cndarray", c64, "complex");
    pair!(c64, "complex", CArray, "cndarray");
    pair!(CArray, "cndarray", f64, "float");
    pair!(f64, "float", CArray, "cndarray");
    pair!(CArray, "cndarray", INT, "int");
    pair!(INT, "int", CArray, "cndarray");
    pair!(NdArray, "ndarray", c64, "complex");
    pair!(c64, "complex", NdArray, "ndarray");
}

fn show_complex(z: c64) -> String {
    let im = if z.im < 0.0 || (z.im == 0.0 && z.im.is_sign_negative()) {
        format!("- {}i", fmt_part(-z.im))
    } else {
        format!("+ {}i", fmt_part(z.im))
    };
    format!("{} {im}", fmt_part(z.re))
}

fn fmt_part(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn show_carray(a: &CArray) -> String {
    let n = a.len();
    let shown: Vec<String> = a
        .view()
        .iter()
        .take(6)
        .map(|&z| format!("({})", show_complex(z)))
        .collect();
    format!(
        "cndarray(shape={:?}, [{}{}])",
        a.shape(),
        shown.join(", "),
        if n > 6 { ", …" } else { "" }
    )
}

fn index(a: &CArray, idx: &[INT], func: &str) -> Res<usize> {
    let shape = a.shape();
    if idx.len() != shape.len() {
        return err(format!(
            "{func}: {} indices for an array of shape {shape:?}",
            idx.len()
        ));
    }
    let mut flat = 0usize;
    for (k, (&i, &n)) in idx.iter().zip(shape).enumerate() {
        let j = if i < 0 { i + n as INT } else { i };
        if j < 0 || j >= n as INT {
            return err(format!(
                "{func}: index {i} out of range for axis {k} of length {n}"
            ));
        }
        flat = flat * n + j as usize;
    }
    Ok(flat)
}

/// Register complex numbers and complex arrays.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<c64>("complex");
    engine.register_type_with_name::<CArray>("cndarray");
    reg(
        engine,
        "complex",
        &["re: float", "im: float", "complex"],
        "The complex number re + i·im (`complex(0, 1)` is i).",
        |re: Dynamic, im: Dynamic| -> Res<c64> {
            Ok(c64::new(
                crate::args::num_any(&re, "complex", "re")?,
                crate::args::num_any(&im, "complex", "im")?,
            ))
        },
    );
    reg(
        engine,
        "complex",
        &["re: ndarray", "im: ndarray", "cndarray"],
        "A complex array from its real and imaginary parts (numpy broadcasting).",
        |re: NdArray, im: NdArray| -> Res<CArray> {
            CArray::from_parts(&re, &im).map_err(|e| format!("complex: {e}").into())
        },
    );
    reg(
        engine,
        "complex",
        &["re: ndarray", "cndarray"],
        "A real array as a complex one.",
        |re: NdArray| CArray::from_real(&re),
    );
    reg(
        engine,
        "cis",
        &["phi: float", "complex"],
        "e^(iφ) = cos φ + i sin φ (a Peierls phase, a Bloch factor).",
        |phi: Dynamic| -> Res<c64> { Ok(c64::cis(crate::args::num_any(&phi, "cis", "phi")?)) },
    );
    reg(
        engine,
        "cis",
        &["phi: ndarray", "cndarray"],
        "e^(iφ) element-wise.",
        |phi: NdArray| CArray::new(phi.view().mapv(c64::cis)),
    );
    for op in ["+", "-", "*", "/"] {
        let f: fn(c64, c64) -> c64 = match op {
            "+" => |a, b| a + b,
            "-" => |a, b| a - b,
            "*" => |a, b| a * b,
            _ => |a, b| a / b,
        };
        complex_op(engine, op, f);
    }
    reg(
        engine,
        "-",
        &["z: complex", "complex"],
        "Negation.",
        |z: c64| -z,
    );
    reg(
        engine,
        "-",
        &["a: cndarray", "cndarray"],
        "Negation.",
        |a: CArray| a.map(|z| -z),
    );
    reg(
        engine,
        "==",
        &["a: complex", "b: complex", "bool"],
        "Exact equality.",
        |a: c64, b: c64| a == b,
    );
    reg(
        engine,
        "!=",
        &["a: complex", "b: complex", "bool"],
        "Inequality.",
        |a: c64, b: c64| a != b,
    );
    reg(
        engine,
        "==",
        &["a: cndarray", "b: cndarray", "bool"],
        "Same shape and the same values.",
        |a: CArray, b: CArray| a.shape() == b.shape() && a.view() == b.view(),
    );
    // parts, moduli, phases
    reg(
        engine,
        "get$re",
        &["z: complex", "float"],
        "`z.re`: the real part.",
        |z: &mut c64| z.re,
    );
    reg(
        engine,
        "get$im",
        &["z: complex", "float"],
        "`z.im`: the imaginary part.",
        |z: &mut c64| z.im,
    );
    reg(
        engine,
        "get$re",
        &["a: cndarray", "ndarray"],
        "`a.re`: the real parts.",
        |a: &mut CArray| a.map_real(|z| z.re),
    );
    reg(
        engine,
        "get$im",
        &["a: cndarray", "ndarray"],
        "`a.im`: the imaginary parts.",
        |a: &mut CArray| a.map_real(|z| z.im),
    );
    reg(
        engine,
        "real",
        &["z: complex", "float"],
        "The real part (numpy's name).",
        |z: c64| z.re,
    );
    reg(
        engine,
        "imag",
        &["z: complex", "float"],
        "The imaginary part (numpy's name).",
        |z: c64| z.im,
    );
    reg(
        engine,
        "real",
        &["a: cndarray", "ndarray"],
        "The real parts (numpy's name).",
        |a: CArray| a.map_real(|z| z.re),
    );
    reg(
        engine,
        "imag",
        &["a: cndarray", "ndarray"],
        "The imaginary parts (numpy's name).",
        |a: CArray| a.map_real(|z| z.im),
    );
    reg(engine, "abs", &["z: complex", "float"], "|z|.", |z: c64| {
        z.norm()
    });
    reg(
        engine,
        "abs",
        &["a: cndarray", "ndarray"],
        "|z| element-wise.",
        |a: CArray| a.map_real(|z| z.norm()),
    );
    reg(
        engine,
        "abs2",
        &["z: complex", "float"],
        "|z|² (a probability from an amplitude).",
        |z: c64| z.norm_sqr(),
    );
    reg(
        engine,
        "abs2",
        &["a: cndarray", "ndarray"],
        "|z|² element-wise (|ψ|² of a wave function).",
        |a: CArray| a.map_real(|z| z.norm_sqr()),
    );
    reg(
        engine,
        "arg",
        &["z: complex", "float"],
        "The phase of z in (−π, π].",
        |z: c64| z.arg(),
    );
    reg(
        engine,
        "arg",
        &["a: cndarray", "ndarray"],
        "The phases element-wise.",
        |a: CArray| a.map_real(|z| z.arg()),
    );
    reg(
        engine,
        "conj",
        &["z: complex", "complex"],
        "The complex conjugate.",
        |z: c64| z.conj(),
    );
    reg(
        engine,
        "conj",
        &["a: cndarray", "cndarray"],
        "The complex conjugate element-wise.",
        |a: CArray| a.map(|z| z.conj()),
    );
    reg(
        engine,
        "exp",
        &["z: complex", "complex"],
        "e^z.",
        |z: c64| z.exp(),
    );
    reg(
        engine,
        "exp",
        &["a: cndarray", "cndarray"],
        "e^z element-wise.",
        |a: CArray| a.map(|z| z.exp()),
    );
    reg(
        engine,
        "sqrt",
        &["z: complex", "complex"],
        "The principal square root.",
        |z: c64| z.sqrt(),
    );
    reg(
        engine,
        "to_string",
        &["z: complex", "string"],
        "`1.5 - 2i`.",
        |z: &mut c64| show_complex(*z),
    );
    reg(
        engine,
        "to_debug",
        &["z: complex", "string"],
        "`1.5 - 2i`.",
        |z: &mut c64| show_complex(*z),
    );
    reg(
        engine,
        "to_string",
        &["a: cndarray", "string"],
        "Shape and the first values.",
        |a: &mut CArray| show_carray(a),
    );
    reg(
        engine,
        "to_debug",
        &["a: cndarray", "string"],
        "Shape and the first values.",
        |a: &mut CArray| show_carray(a),
    );
    // shape, indexing, reductions, products
    reg(
        engine,
        "get$shape",
        &["a: cndarray", "array"],
        "`a.shape`.",
        |a: &mut CArray| {
            a.shape()
                .iter()
                .map(|&n| Dynamic::from(n as INT))
                .collect::<rhai::Array>()
        },
    );
    reg(
        engine,
        "len",
        &["a: cndarray", "int"],
        "Number of elements.",
        |a: &mut CArray| a.len() as INT,
    );
    reg(
        engine,
        "index$get$",
        &["a: cndarray", "i: int", "complex"],
        "`a[i]` of a 1D array (negative i counts from the end).",
        |a: &mut CArray, i: INT| -> Res<c64> {
            let k = index(a, &[i], "[]")?;
            Ok(a.view()
                .as_slice_memory_order()
                .map(|s| s[k])
                .unwrap_or_else(|| a.to_vec()[k]))
        },
    );
    reg(
        engine,
        "index$get$",
        &["a: cndarray", "idx: array", "complex"],
        "`a[[i, j]]`: one element.",
        |a: &mut CArray, idx: rhai::Array| -> Res<c64> {
            let ix: Vec<INT> = idx
                .iter()
                .map(|v| v.as_int().map_err(|_| "[]: indices must be ints".into()))
                .collect::<Res<_>>()?;
            let k = index(a, &ix, "[]")?;
            Ok(a.to_vec()[k])
        },
    );
    reg(
        engine,
        "sum",
        &["a: cndarray", "complex"],
        "The sum of every element.",
        |a: CArray| a.view().iter().copied().sum::<c64>(),
    );
    reg(
        engine,
        "matmul",
        &["a: cndarray", "b: cndarray", "cndarray"],
        "Matrix product (a vector on the left is a row, on the right a column).",
        |a: CArray, b: CArray| -> Res<CArray> {
            CArray::matmul(&a, &b).map_err(|e| format!("matmul: {e}").into())
        },
    );
    reg(
        engine,
        "matmul",
        &["a: cndarray", "b: ndarray", "cndarray"],
        "Matrix product with a real array.",
        |a: CArray, b: NdArray| -> Res<CArray> {
            CArray::matmul(&a, &CArray::from_real(&b)).map_err(|e| format!("matmul: {e}").into())
        },
    );
    reg(
        engine,
        "matmul",
        &["a: ndarray", "b: cndarray", "cndarray"],
        "Matrix product with a real array.",
        |a: NdArray, b: CArray| -> Res<CArray> {
            CArray::matmul(&CArray::from_real(&a), &b).map_err(|e| format!("matmul: {e}").into())
        },
    );
    reg(
        engine,
        "get$T",
        &["a: cndarray", "cndarray"],
        "`a.T`: the transpose.",
        |a: &mut CArray| a.transpose(false),
    );
    reg(
        engine,
        "get$H",
        &["a: cndarray", "cndarray"],
        "`a.H`: the conjugate transpose a†.",
        |a: &mut CArray| a.transpose(true),
    );
    reg(engine, "pauli", &["i: int", "cndarray"], "The Pauli matrix σ_i as a 2×2 cndarray: 0 the identity, 1 σ_x, 2 σ_y, 3 σ_z (spin blocks of `hamiltonian` with orbitals: 2).", |i: INT| -> Res<CArray> {
        let (o, l, z) = (c64::new(1.0, 0.0), c64::new(0.0, 1.0), c64::new(0.0, 0.0));
        let m = match i {
            0 => [o, z, z, o],
            1 => [z, o, o, z],
            2 => [z, -l, l, z],
            3 => [o, z, z, -o],
            _ => return err(format!("pauli: i must be 0 (identity), 1, 2 or 3, got {i}")),
        };
        CArray::from_shape_vec(&[2, 2], m.to_vec()).map_err(|e| e.into())
    });
    reg(
        engine,
        "vdot",
        &["a: cndarray", "b: cndarray", "complex"],
        "⟨a|b⟩ = Σ conj(a_i)·b_i (numpy's vdot): overlaps of wave functions.",
        |a: CArray, b: CArray| -> Res<c64> {
            if a.len() != b.len() {
                return err(format!("vdot: {} and {} elements", a.len(), b.len()));
            }
            Ok(a.view()
                .iter()
                .zip(b.view().iter())
                .map(|(x, y)| x.conj() * y)
                .sum())
        },
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn complex_numbers_print_as_a_physicist_writes_them() {
        use faer::c64;
        assert_eq!(super::show_complex(c64::new(1.5, -2.0)), "1.5 - 2i");
        assert_eq!(super::show_complex(c64::new(0.0, 1.0)), "0 + 1i");
    }
}
