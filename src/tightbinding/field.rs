//! A uniform magnetic field B ẑ on a lattice, through Peierls phases: a hopping H_ij = t
//! becomes t·e^(iθ_ij), θ_ij = 2π (B/Φ₀) ∫_{r_j}^{r_i} A·dl along the straight bond. The flux
//! is given per primitive cell, φ = B·|a₁ × a₂|/Φ₀ (square lattice: per plaquette).
//! Landau gauge A = B x ŷ: θ_ij = 2πB (x_i + x_j)/2 · (y_i − y_j); symmetric gauge
//! A = B(−y, x)/2: θ_ij = πB (x_j y_i − x_i y_j). Both give the same spectrum on an open
//! lattice; on a torus only the Landau gauge is single-valued, when the flux is commensurate.

use crate::lattice::Lattice;
use std::f64::consts::PI;

/// The gauge of the vector potential.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gauge {
    /// A = B x ŷ: translation invariant along y.
    Landau,
    /// A = B(−y, x)/2: rotation invariant about the origin (open lattices).
    Symmetric,
}

/// A uniform field on one lattice: B in flux quanta per unit area.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub b: f64,
    pub gauge: Gauge,
}

impl Field {
    /// The field of flux `flux` (in flux quanta) per primitive cell of `lat`, checked against its
    /// periodic boundaries: in the Landau gauge, a period T with T_x ≠ 0 needs B·T_x·y ∈ ℤ at
    /// every site (the gauge transformation that matches A across the boundary is then 1 on
    /// every site: for the square lattice, flux·L_x ∈ ℤ).
    pub fn new(lat: &Lattice, flux: f64, gauge: Gauge) -> Result<Field, String> {
        if lat.dim < 2 {
            return Err("a magnetic field needs a 2D or 3D lattice".into());
        }
        if !flux.is_finite() {
            return Err(format!("flux must be finite, got {flux}"));
        }
        let (a1, a2) = (lat.prim[0], lat.prim[1]);
        let area = (a1[0] * a2[1] - a1[1] * a2[0]).abs();
        if area == 0.0 {
            return Err(
                "the lattice's first two primitive vectors span no area in the xy plane".into(),
            );
        }
        let b = flux / area;
        for ax in 0..lat.dim {
            if !lat.periodic[ax] {
                continue;
            }
            let t: Vec<f64> = (0..3)
                .map(|k| lat.cells[ax] as f64 * lat.prim[ax][k])
                .collect();
            match gauge {
                Gauge::Symmetric if t[0] != 0.0 || t[1] != 0.0 => {
                    return Err(
                        "the symmetric gauge needs open boundaries in the plane of the \
                                field; on a torus use gauge: \"landau\""
                            .into(),
                    )
                }
                Gauge::Landau if t[0] != 0.0 => {
                    let bad = lat.ideal.iter().find(|p| {
                        let q = b * t[0] * p[1];
                        (q - q.round()).abs() > 1e-9
                    });
                    if bad.is_some() {
                        return Err(format!(
                            "flux {flux} per cell is not commensurate with the periodic length \
                             {} along axis {ax}: flux × cells must be an integer there (e.g. flux \
                             p/q with q dividing {}), or make that axis open",
                            lat.cells[ax], lat.cells[ax]
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(Field { b, gauge })
    }

    /// θ_ij for a hop from r_j to r_i (r_j the image of site j next to site i).
    pub fn phase(&self, ri: [f64; 3], rj: [f64; 3]) -> f64 {
        match self.gauge {
            Gauge::Landau => 2.0 * PI * self.b * 0.5 * (ri[0] + rj[0]) * (ri[1] - rj[1]),
            Gauge::Symmetric => PI * self.b * (rj[0] * ri[1] - ri[0] * rj[1]),
        }
    }
}

/// Position of site j's image next to site i (minimum image across periodic boundaries).
pub fn image_of(lat: &Lattice, i: usize, j: usize) -> [f64; 3] {
    let d = lat.separation(&lat.pos, i, j);
    let r = lat.pos[i];
    [r[0] + d[0], r[1] + d[1], r[2] + d[2]]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The phases around every plaquette of a square lattice add up to 2π·flux, in either gauge,
    /// and across the periodic boundary of a commensurate torus.
    #[test]
    fn every_plaquette_holds_the_flux() {
        let flux = 0.2;
        for (periodic, gauge) in [
            (false, Gauge::Symmetric),
            (true, Gauge::Landau),
            (false, Gauge::Landau),
        ] {
            let lat = Lattice::new("square", &[5, 5], &[periodic, periodic], 1.0).expect("lattice");
            let f = Field::new(&lat, flux, gauge).expect("field");
            let idx = |x: usize, y: usize| x * 5 + y;
            let hop = |i: usize, j: usize| f.phase(lat.pos[i], image_of(&lat, i, j));
            let last = if periodic { 5 } else { 4 };
            for x in 0..last {
                for y in 0..last {
                    let (a, b, c, d) = (
                        idx(x, y),
                        idx((x + 1) % 5, y),
                        idx((x + 1) % 5, (y + 1) % 5),
                        idx(x, (y + 1) % 5),
                    );
                    // counter-clockwise a → b → c → d → a: the phases of the hops b←a, c←b, …
                    let circ = hop(b, a) + hop(c, b) + hop(d, c) + hop(a, d);
                    let w = (circ / (2.0 * PI) - flux).rem_euclid(1.0);
                    assert!(
                        !(1e-9..=1.0 - 1e-9).contains(&w),
                        "{gauge:?} periodic={periodic} at ({x},{y}): {circ}"
                    );
                }
            }
        }
        // incommensurate flux on a torus, and the symmetric gauge on a torus, are refused
        let torus = Lattice::new("square", &[5, 5], &[true, true], 1.0).expect("lattice");
        assert!(Field::new(&torus, 0.3, Gauge::Landau)
            .unwrap_err()
            .contains("commensurate"));
        assert!(Field::new(&torus, 0.2, Gauge::Symmetric).is_err());
    }
}
