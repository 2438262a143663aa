//! The 3D Anderson model's level statistics over disorder realizations: the native ensemble
//! behind `anderson_level_ratio` (a script can write the same with `ensemble`, as
//! scripts/bayo_anderson.rhai does).

use super::measures::{central_levels, spacing_ratios};
use super::{build, Hopping, Operator};
use crate::lattice::Lattice;
use crate::linalg::eigen::eigvalsh_dense;

/// ⟨r⟩ of each realization of the 3D Anderson model: periodic M³ cubic lattice, hopping 1,
/// ε ~ U(−W/2, W/2); r over the central `fraction` of the levels. Realization i draws from
/// stream i of `seed`, so the values do not depend on the thread count.
pub fn level_ratios(
    m: usize,
    w: f64,
    realizations: usize,
    fraction: f64,
    seed: u64,
) -> Result<Vec<f64>, String> {
    let lat = Lattice::new("cubic", &[m, m, m], &[true, true, true], 1.0)?;
    crate::progress::par_realizations_plain(realizations, "anderson_level_ratio", |i| {
        let mut rng = crate::rng::stream(seed, i as u64);
        let eps = crate::lattice::onsite_energies(lat.len(), w, false, &mut rng);
        let h = build(
            &lat,
            &eps,
            &Hopping::Shells { t1: 1.0, t2: 0.0 },
            Some(true),
        )?;
        let Operator::Dense(hm) = h else {
            return Err("internal: expected a dense operator".into());
        };
        let levels = eigvalsh_dense(&hm)?;
        let r = spacing_ratios(&central_levels(&levels, fraction));
        Ok(r.iter().sum::<f64>() / r.len().max(1) as f64)
    })
}
