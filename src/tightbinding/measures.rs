//! Localization measures of eigenvectors and level statistics of spectra.

use faer::Mat;

/// Seed 000 Eq. (2): normalised mode area w_m = (1/N)(Σ_s ψ²)² / Σ_s ψ⁴ ∈ [1/N, 1], per column.
pub fn mode_areas(vectors: &Mat<f64>) -> Vec<f64> {
    let n = vectors.nrows() as f64;
    (0..vectors.ncols())
        .map(|m| {
            let (mut s2, mut s4) = (0.0, 0.0);
            for i in 0..vectors.nrows() {
                let p = vectors[(i, m)] * vectors[(i, m)];
                s2 += p;
                s4 += p * p;
            }
            s2 * s2 / s4 / n
        })
        .collect()
}

/// Inverse participation ratio Σψ⁴/(Σψ²)² per column (1/N for extended, 1 for one site).
pub fn iprs(vectors: &Mat<f64>) -> Vec<f64> {
    let n = vectors.nrows() as f64;
    mode_areas(vectors).iter().map(|w| 1.0 / (w * n)).collect()
}

/// Ratios r_n = min(s_n, s_{n+1}) / max(s_n, s_{n+1}) of consecutive level spacings of the
/// sorted levels (Oganesyan–Huse). ⟨r⟩ ≈ 0.5307 for GOE, 2 ln 2 − 1 ≈ 0.3863 for Poisson.
pub fn spacing_ratios(levels: &[f64]) -> Vec<f64> {
    let mut e = levels.to_vec();
    e.sort_by(|a, b| a.total_cmp(b));
    let s: Vec<f64> = e.windows(2).map(|w| w[1] - w[0]).collect();
    s.windows(2)
        .filter_map(|w| {
            let (a, b) = (w[0], w[1]);
            let mx = a.max(b);
            (mx > 0.0).then(|| a.min(b) / mx)
        })
        .collect()
}

/// The levels in the central `fraction` of the sorted spectrum (around its median).
pub fn central_levels(levels: &[f64], fraction: f64) -> Vec<f64> {
    let mut e = levels.to_vec();
    e.sort_by(|a, b| a.total_cmp(b));
    let n = e.len();
    let keep = ((n as f64 * fraction).round() as usize).clamp(3.min(n), n);
    let start = (n - keep) / 2;
    e[start..start + keep].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_area_limits() {
        // A vector on one site: w = 1/N. A uniform vector: w = 1.
        let n = 16;
        let local = Mat::<f64>::from_fn(n, 1, |i, _| if i == 3 { 1.0 } else { 0.0 });
        let flat = Mat::<f64>::from_fn(n, 1, |_, _| 0.25);
        assert!((mode_areas(&local)[0] - 1.0 / 16.0).abs() < 1e-15);
        assert!((mode_areas(&flat)[0] - 1.0).abs() < 1e-15);
        assert!((iprs(&local)[0] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn spacing_ratio_of_an_equally_spaced_spectrum_is_one() {
        let r = spacing_ratios(&[0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(r, vec![1.0, 1.0, 1.0]);
        assert_eq!(
            central_levels(&[5.0, 1.0, 3.0, 2.0, 4.0], 0.6),
            vec![2.0, 3.0, 4.0]
        );
    }
}
