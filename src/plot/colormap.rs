//! Colour maps: viridis (default, perceptually uniform), a diverging blue–white–red map for
//! signed data, and greys. Values are mapped linearly on [vmin, vmax]; NaN is drawn light grey.

use super::Rgb;

/// A colour map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Colormap {
    /// matplotlib's viridis.
    Viridis,
    /// Blue (low) – white – red (high), for signed data.
    Diverging,
    /// White (low) to black (high).
    Greys,
}

const VIRIDIS: [Rgb; 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];
const DIVERGING: [Rgb; 5] = [
    (33, 102, 172),
    (146, 197, 222),
    (247, 247, 247),
    (244, 165, 130),
    (178, 24, 43),
];
const GREYS: [Rgb; 2] = [(255, 255, 255), (0, 0, 0)];

impl Colormap {
    /// By name: "viridis", "diverging" (also "bwr", "rdbu", "coolwarm"), "greys" ("gray").
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_lowercase().as_str() {
            "viridis" => Some(Colormap::Viridis),
            "diverging" | "bwr" | "rdbu" | "coolwarm" => Some(Colormap::Diverging),
            "greys" | "grays" | "gray" | "grey" => Some(Colormap::Greys),
            _ => None,
        }
    }
    /// The valid names, for error messages.
    pub const NAMES: &'static str = "viridis, diverging (bwr), greys";

    /// Colour of value `v` on [vmin, vmax].
    pub fn color(&self, v: f64, vmin: f64, vmax: f64) -> Rgb {
        if !v.is_finite() {
            return (220, 220, 220);
        }
        let t = if vmax > vmin {
            ((v - vmin) / (vmax - vmin)).clamp(0.0, 1.0)
        } else {
            0.5
        };
        let stops: &[Rgb] = match self {
            Colormap::Viridis => &VIRIDIS,
            Colormap::Diverging => &DIVERGING,
            Colormap::Greys => &GREYS,
        };
        let x = t * (stops.len() - 1) as f64;
        let i = (x.floor() as usize).min(stops.len() - 2);
        let f = x - i as f64;
        let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
        let (a, b) = (stops[i], stops[i + 1]);
        (lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ends_and_centre_of_the_maps() {
        assert_eq!(Colormap::Viridis.color(0.0, 0.0, 1.0), (68, 1, 84));
        assert_eq!(Colormap::Viridis.color(1.0, 0.0, 1.0), (253, 231, 37));
        assert_eq!(Colormap::Diverging.color(0.0, -1.0, 1.0), (247, 247, 247));
        assert_eq!(Colormap::Greys.color(2.0, 0.0, 1.0), (0, 0, 0));
        assert_eq!(Colormap::Viridis.color(f64::NAN, 0.0, 1.0), (220, 220, 220));
    }
}
