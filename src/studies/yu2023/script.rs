//! rhai API of seed 002: `yu_scales`.

use crate::args::{count, positive, reg, Res};
use rhai::{Dynamic, Engine, Map, INT};

/// Register seed 002's functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "yu_scales", &["n: int", "R: float", "map"], "Seed 002 scales for n particles in a disk of radius R: #{r_c = R/√n, d_c = 2r_c, k_c = 2π/d_c, n_B1 (k_c(n) = 0.5·k_c)}.", |n: Dynamic, r: Dynamic| -> Res<Map> {
        let n = count(&n, "yu_scales", "n", 1, i64::MAX)? as f64;
        let r = positive(&r, "yu_scales", "R")?;
        let rc = r / n.sqrt();
        let mut out = Map::new();
        out.insert("r_c".into(), Dynamic::from_float(rc));
        out.insert("d_c".into(), Dynamic::from_float(2.0 * rc));
        out.insert("k_c".into(), Dynamic::from_float(std::f64::consts::PI / rc));
        out.insert("n_B1".into(), Dynamic::from_int((n / 4.0).round() as INT));
        Ok(out)
    });
}
