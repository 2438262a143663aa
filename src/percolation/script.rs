//! rhai API of percolation: `percolation_sample`, `clusters`, `spanning_probability`,
//! `newman_ziff`.

use super::{
    canonical, clusters, newman_ziff_run, sample_bernoulli, sample_exact, sample_exact_rows,
    spanning, spanning_rows,
};
use crate::args::{check_alloc, count, err, prob, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::{arr_like, vec_arg};
use crate::progress::par_realizations;
use rhai::{Dynamic, Engine, Map, INT};

const RULES: &[&str] = &["either", "both", "x", "y"];

fn spans((sx, sy): (bool, bool), rule: &str) -> bool {
    match rule {
        "both" => sx && sy,
        "x" => sx,
        "y" => sy,
        _ => sx || sy,
    }
}

/// N_occ = round(p·L²): the fixed number of occupied sites of seed 003's samples.
fn n_occupied(l: usize, p: f64) -> usize {
    (p * (l * l) as f64).round() as usize
}

fn sample(l: usize, p: f64, exact: bool, seed: u64, index: u64) -> Vec<bool> {
    let mut rng = crate::rng::SplitMix64::stream(seed, index);
    if exact {
        sample_exact(l, n_occupied(l, p), &mut rng)
    } else {
        sample_bernoulli(l, p, &mut rng)
    }
}

fn l_arg(v: &Dynamic, f: &str) -> Res<usize> {
    count(v, f, "L", 1, 20_000)
}

fn grid_arg(v: &Dynamic, f: &str) -> Res<(Vec<bool>, usize)> {
    let a = arr_like(v, f, "config")?;
    let s = a.shape().to_vec();
    if a.ndim() != 2 || s[0] != s[1] {
        return err(format!(
            "{f}: expected an L×L array of 0/1, got shape {s:?}"
        ));
    }
    if let Some((i, x)) = a
        .view()
        .iter()
        .enumerate()
        .find(|(_, &x)| x != 0.0 && x != 1.0)
    {
        return err(format!(
            "{f}: the configuration must hold only 0 (empty) and 1 (occupied); element {i} is {x}"
        ));
    }
    Ok((a.view().iter().map(|&x| x != 0.0).collect(), s[0]))
}

fn clusters_impl(cfg: Dynamic, m: Map) -> Res<Map> {
    let f = "clusters";
    let o = Opts::new(m, f, &["periodic"])?;
    let (occ, l) = grid_arg(&cfg, f)?;
    let c = clusters(&occ, l, o.bool_or("periodic", false)?);
    let mut out = Map::new();
    let largest = c.sizes.iter().copied().max().unwrap_or(0);
    out.insert(
        "labels".into(),
        Dynamic::from(NdArray::from_2d(
            l,
            l,
            c.labels.iter().map(|&x| x as f64).collect(),
        )?),
    );
    out.insert(
        "sizes".into(),
        Dynamic::from(NdArray::from_vec(
            c.sizes.iter().map(|&s| s as f64).collect(),
        )),
    );
    out.insert("n_clusters".into(), Dynamic::from_int(c.sizes.len() as INT));
    out.insert("largest".into(), Dynamic::from_int(largest as INT));
    out.insert(
        "largest_fraction".into(),
        Dynamic::from_float(largest as f64 / (l * l) as f64),
    );
    out.insert("span_x".into(), Dynamic::from_bool(c.span_x));
    out.insert("span_y".into(), Dynamic::from_bool(c.span_y));
    out.insert(
        "span_either".into(),
        Dynamic::from_bool(c.span_x || c.span_y),
    );
    out.insert("span_both".into(), Dynamic::from_bool(c.span_x && c.span_y));
    out.insert(
        "span_same_cluster".into(),
        Dynamic::from_bool(c.span_both_same),
    );
    Ok(out)
}

/// Register the percolation functions.
pub fn register(engine: &mut Engine) {
    reg(engine, "percolation_sample", &["L: int", "p: float", "opts: map", "ndarray"], "An L×L site-percolation configuration (1 occupied, 0 empty): opts mode (\"exact\": exactly round(p·L²) sites, as seed 003; \"bernoulli\"), seed.", |l: Dynamic, p: Dynamic, m: Map| -> Res<NdArray> {
        let f = "percolation_sample";
        let o = Opts::new(m, f, &["mode", "seed"])?;
        let l = l_arg(&l, f)?;
        let p = prob(&p, f, "p")?;
        let exact = o.choice_or("mode", "exact", &["exact", "bernoulli"])? == "exact";
        let occ = sample(l, p, exact, o.seed()?, 0);
        NdArray::from_2d(l, l, occ.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect()).map_err(|e| e.into())
    });
    reg(engine, "clusters", &["config: ndarray", "map"], "Nearest-neighbour clusters of an L×L 0/1 configuration with open boundaries (see clusters(config, opts)).", |cfg: Dynamic| clusters_impl(cfg, Map::new()));
    reg(engine, "clusters", &["config: ndarray", "opts: map", "map"], "Nearest-neighbour clusters of an L×L 0/1 configuration (union–find): opts periodic. Returns #{labels (−1 empty), sizes, n_clusters, largest, largest_fraction, span_x, span_y, span_either, span_both, span_same_cluster}; open: a cluster touching both edges spans, periodic: a cluster wrapping around spans.", clusters_impl);
    reg(engine, "spanning_probability", &["L: int", "p: ndarray", "count: int", "opts: map", "map"], "Fraction of `count` independent samples that span, for each p, in parallel: opts rule (either, both, x, y), periodic, mode (exact, bernoulli), seed. Returns #{p, P, err (binomial)}.", |l: Dynamic, ps: Dynamic, n: Dynamic, m: Map| -> Res<Map> {
        let f = "spanning_probability";
        let o = Opts::new(m, f, &["rule", "periodic", "mode", "seed"])?;
        let l = l_arg(&l, f)?;
        let ps = vec_arg(&ps, f, "p")?;
        if ps.iter().any(|p| !(0.0..=1.0).contains(p)) {
            return err(format!("{f}: every p must be in [0, 1]"));
        }
        let n = count(&n, f, "count", 1, 100_000_000)?;
        let rule = o.choice_or("rule", "either", RULES)?;
        let periodic = o.bool_or("periodic", false)?;
        let exact = o.choice_or("mode", "exact", &["exact", "bernoulli"])? == "exact";
        let seed = o.seed()?;
        let total = ps.len() * n;
        let hits = par_realizations(total, f, |k| {
            if exact && !periodic && l <= 128 {
                // the same configuration as `sample`, straight into row bit sets
                let mut rng = crate::rng::SplitMix64::stream(seed, k as u64);
                let rows = sample_exact_rows(l, n_occupied(l, ps[k / n]), &mut rng);
                return Ok(spans(spanning_rows(&rows), &rule));
            }
            let occ = sample(l, ps[k / n], exact, seed, k as u64);
            Ok(spans(spanning(&occ, l, periodic), &rule))
        })?;
        let pr: Vec<f64> = (0..ps.len()).map(|i| hits[i * n..(i + 1) * n].iter().filter(|&&h| h).count() as f64 / n as f64).collect();
        let er: Vec<f64> = pr.iter().map(|p| (p * (1.0 - p) / n as f64).sqrt()).collect();
        let mut out = Map::new();
        out.insert("p".into(), Dynamic::from(NdArray::from_vec(ps)));
        out.insert("P".into(), Dynamic::from(NdArray::from_vec(pr)));
        out.insert("err".into(), Dynamic::from(NdArray::from_vec(er)));
        Ok(out)
    });
    reg(engine, "newman_ziff", &["L: int", "runs: int", "opts: map", "map"], "Newman–Ziff sweeps: each run adds sites in random order and records spanning and the largest cluster for every occupation n; averages are convolved with the binomial distribution to the canonical ensemble on a p grid. opts p (grid, default 101 points), periodic, seed. Returns #{p, either, both, largest_fraction (canonical), threshold_either, threshold_both (mean spanning threshold n_c/N), threshold_either_err, threshold_both_err}.", |l: Dynamic, runs: Dynamic, m: Map| -> Res<Map> {
        let f = "newman_ziff";
        let o = Opts::new(m, f, &["p", "periodic", "seed"])?;
        let l = l_arg(&l, f)?;
        let runs = count(&runs, f, "runs", 1, 100_000_000)?;
        let periodic = o.bool_or("periodic", false)?;
        let grid = match o.get("p") {
            Some(v) => vec_arg(v, f, "opts.p")?,
            None => (0..=100).map(|i| i as f64 / 100.0).collect(),
        };
        let seed = o.seed()?;
        let nn = l * l;
        // runs in batches, summed in run order (the same bits as one pass over all runs): the
        // per-run records of 5,000 runs at L = 512 would hold 5 GB at once
        let batch = (4 * rayon::current_num_threads()).max(4);
        check_alloc(f, "the per-run records", (nn as u128) * 4 * batch as u128 + (nn as u128) * 24, 1)?;
        let mut qe = vec![0.0; nn + 1];
        let mut qb = vec![0.0; nn + 1];
        let mut ql = vec![0.0; nn + 1];
        let (mut te, mut tb) = (Vec::new(), Vec::new());
        let mut done = 0;
        while done < runs {
            let k0 = done;
            let per_run = par_realizations(batch.min(runs - done), f, |i| {
                let mut rng = crate::rng::stream(seed, (k0 + i) as u64);
                let r = newman_ziff_run(l, periodic, &mut rng);
                let te = r.either.iter().position(|&b| b).map(|i| i + 1).unwrap_or(nn);
                let tb = r.both.iter().position(|&b| b).map(|i| i + 1).unwrap_or(nn);
                Ok((te, tb, r.largest))
            })?;
            done += per_run.len();
            for (a, b, largest) in per_run {
                te.push(a as f64 / nn as f64);
                tb.push(b as f64 / nn as f64);
                for n in 1..=nn {
                    if n >= a {
                        qe[n] += 1.0;
                    }
                    if n >= b {
                        qb[n] += 1.0;
                    }
                    ql[n] += largest[n - 1] as f64 / nn as f64;
                }
            }
        }
        for q in [&mut qe, &mut qb, &mut ql] {
            q.iter_mut().for_each(|v| *v /= runs as f64);
        }
        let conv = |q: &[f64]| -> Vec<f64> { grid.iter().map(|&p| canonical(q, p)).collect() };
        let mean_err = |v: &[f64]| -> (f64, f64) {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let sd = if v.len() > 1 { (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt() } else { f64::NAN };
            (m, sd / (v.len() as f64).sqrt())
        };
        let (me, ee) = mean_err(&te);
        let (mb, eb) = mean_err(&tb);
        let mut out = Map::new();
        out.insert("either".into(), Dynamic::from(NdArray::from_vec(conv(&qe))));
        out.insert("both".into(), Dynamic::from(NdArray::from_vec(conv(&qb))));
        out.insert("largest_fraction".into(), Dynamic::from(NdArray::from_vec(conv(&ql))));
        out.insert("p".into(), Dynamic::from(NdArray::from_vec(grid)));
        out.insert("threshold_either".into(), Dynamic::from_float(me));
        out.insert("threshold_either_err".into(), Dynamic::from_float(ee));
        out.insert("threshold_both".into(), Dynamic::from_float(mb));
        out.insert("threshold_both_err".into(), Dynamic::from_float(eb));
        Ok(out)
    });
}
