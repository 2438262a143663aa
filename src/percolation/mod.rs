//! 2D site percolation on the L×L square lattice (seed 003): samples with exactly p·L² occupied
//! sites or Bernoulli occupation, nearest-neighbour clusters by union–find, spanning (top–bottom,
//! left–right, either, both) for open boundaries and wrapping for periodic ones, cluster sizes,
//! and Newman–Ziff sweeps that give every p at once from one pass per run.

pub mod script;

use rand::seq::SliceRandom;
use rand::Rng;

/// Union–find with path halving and union by size; for periodic lattices each node also keeps
/// its displacement (dx, dy) to the parent, so a bond closing a loop with a non-zero winding
/// reveals a wrapping cluster (Machta et al. / Newman–Ziff).
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
    off: Vec<(i32, i32)>,
}

impl UnionFind {
    /// n singletons.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
            off: vec![(0, 0); n],
        }
    }
    /// Root of i and the displacement from i to the root.
    pub fn find(&mut self, mut i: usize) -> (usize, (i32, i32)) {
        // two passes: accumulate the offset to the root, then compress
        let start = i;
        let mut acc = (0, 0);
        while self.parent[i] as usize != i {
            let o = self.off[i];
            acc = (acc.0 + o.0, acc.1 + o.1);
            i = self.parent[i] as usize;
        }
        let root = i;
        let mut j = start;
        let mut rem = acc;
        while self.parent[j] as usize != root && j != root {
            let next = self.parent[j] as usize;
            let o = self.off[j];
            self.parent[j] = root as u32;
            self.off[j] = rem;
            rem = (rem.0 - o.0, rem.1 - o.1);
            j = next;
        }
        (root, acc)
    }
    /// Join a and b, where b sits at displacement `d` from a (d = pos(b) − pos(a)). Offsets
    /// are pos(parent) − pos(node), so find(i) returns pos(root) − pos(i). Returns
    /// Some(winding) when a and b were already connected (non-zero winding = the new bond closes
    /// a loop around the torus), None after a merge.
    pub fn union(&mut self, a: usize, b: usize, d: (i32, i32)) -> Option<(i32, i32)> {
        let (ra, oa) = self.find(a);
        let (rb, ob) = self.find(b);
        if ra == rb {
            // along the tree b − a = oa − ob; the new bond says d
            return Some((d.0 - oa.0 + ob.0, d.1 - oa.1 + ob.1));
        }
        // pos(ra) = pos(a) + oa, pos(rb) = pos(a) + d + ob
        let (big, small, o) = if self.size[ra] >= self.size[rb] {
            (ra, rb, (oa.0 - d.0 - ob.0, oa.1 - d.1 - ob.1))
        } else {
            (rb, ra, (d.0 + ob.0 - oa.0, d.1 + ob.1 - oa.1))
        };
        self.parent[small] = big as u32;
        self.off[small] = o;
        self.size[big] += self.size[small];
        None
    }
    /// Size of the cluster containing i.
    pub fn cluster_size(&mut self, i: usize) -> usize {
        let r = self.find(i).0;
        self.size[r] as usize
    }
}

/// Exactly `n_occ` of the n sites, uniformly among all such subsets, as a bit set of n bits:
/// Bernoulli occupation at p ≈ n_occ/n (16-bit thresholds, four sites per random word), then
/// uniformly random sites removed or added until the count is exact. Given its count a Bernoulli
/// configuration is uniform over the subsets of that size, and random removal or addition keeps
/// it uniform, so the result is exactly the canonical (fixed-N) ensemble of seed 003.
fn exact_bits<R: Rng>(n: usize, n_occ: usize, rng: &mut R) -> Vec<u64> {
    let n_occ = n_occ.min(n);
    let mut w = vec![0u64; n.div_ceil(64)];
    let thr = ((n_occ as f64 / n.max(1) as f64) * 65536.0).round() as u64;
    // branch-free: each random word decides four sites by 16-bit comparisons
    for (wi, word) in w.iter_mut().enumerate() {
        let mut bits = 0u64;
        for g in 0..16 {
            let r = rng.next_u64();
            for q in 0..4 {
                bits |= u64::from((r >> (16 * q)) & 0xFFFF < thr) << (4 * g + q);
            }
        }
        let valid = n - wi * 64;
        if valid < 64 {
            bits &= (1u64 << valid) - 1;
        }
        *word = bits;
    }
    let mut k: usize = w.iter().map(|x| x.count_ones() as usize).sum();
    while k > n_occ {
        let j = rng.random_range(0..n);
        if w[j / 64] >> (j % 64) & 1 == 1 {
            w[j / 64] &= !(1u64 << (j % 64));
            k -= 1;
        }
    }
    while k < n_occ {
        let j = rng.random_range(0..n);
        if w[j / 64] >> (j % 64) & 1 == 0 {
            w[j / 64] |= 1u64 << (j % 64);
            k += 1;
        }
    }
    w
}

/// Occupation of an L×L lattice: exactly `n_occ` sites, uniformly at random …
pub fn sample_exact<R: Rng>(l: usize, n_occ: usize, rng: &mut R) -> Vec<bool> {
    let w = exact_bits(l * l, n_occ, rng);
    (0..l * l).map(|i| w[i / 64] >> (i % 64) & 1 == 1).collect()
}

/// The same configuration as `sample_exact` (same random draws), as row bit sets (L ≤ 128).
pub fn sample_exact_rows<R: Rng>(l: usize, n_occ: usize, rng: &mut R) -> Vec<u128> {
    let w = exact_bits(l * l, n_occ, rng);
    let mask = if l == 128 {
        u128::MAX
    } else {
        (1u128 << l) - 1
    };
    (0..l)
        .map(|y| {
            // bits y·l .. y·l + l of the bit set, from up to three words
            let start = y * l;
            let (q, r) = (start / 64, start % 64);
            let word = |k: usize| u128::from(w.get(k).copied().unwrap_or(0));
            let lo = (word(q) | (word(q + 1) << 64)) >> r;
            let hi = if r > 0 { word(q + 2) << (128 - r) } else { 0 };
            (lo | hi) & mask
        })
        .collect()
}

/// … or each site independently with probability p.
pub fn sample_bernoulli<R: Rng>(l: usize, p: f64, rng: &mut R) -> Vec<bool> {
    (0..l * l).map(|_| rng.random::<f64>() < p).collect()
}

/// Cluster analysis of one configuration.
#[derive(Clone, Debug, Default)]
pub struct Clusters {
    /// Label per site (−1 empty), labels 0..count in order of first appearance.
    pub labels: Vec<i64>,
    /// Size of each cluster.
    pub sizes: Vec<usize>,
    /// A cluster touches top and bottom (open) / wraps vertically (periodic).
    pub span_y: bool,
    /// A cluster touches left and right / wraps horizontally.
    pub span_x: bool,
    /// Same cluster spans both directions.
    pub span_both_same: bool,
}

/// Label nearest-neighbour clusters. Site (x, y) is index y·L + x; y = 0 is the top row.
pub fn clusters(occ: &[bool], l: usize, periodic: bool) -> Clusters {
    let n = l * l;
    let mut uf = UnionFind::new(n);
    let (mut wrap_x, mut wrap_y) = (vec![false; 0], vec![false; 0]);
    let mut wraps: Vec<(usize, bool, bool)> = Vec::new();
    for y in 0..l {
        for x in 0..l {
            let i = y * l + x;
            if !occ[i] {
                continue;
            }
            // right and down neighbours (with wrap-around when periodic)
            if x + 1 < l || periodic {
                let j = y * l + (x + 1) % l;
                if occ[j] {
                    if let Some(w) = uf.union(i, j, (1, 0)) {
                        if w != (0, 0) {
                            wraps.push((i, w.0 != 0, w.1 != 0));
                        }
                    }
                }
            }
            if y + 1 < l || periodic {
                let j = ((y + 1) % l) * l + x;
                if occ[j] {
                    if let Some(w) = uf.union(i, j, (0, 1)) {
                        if w != (0, 0) {
                            wraps.push((i, w.0 != 0, w.1 != 0));
                        }
                    }
                }
            }
        }
    }
    let mut label_of_root = vec![-1i64; n];
    let mut labels = vec![-1i64; n];
    let mut sizes = Vec::new();
    for i in 0..n {
        if occ[i] {
            let r = uf.find(i).0;
            if label_of_root[r] < 0 {
                label_of_root[r] = sizes.len() as i64;
                sizes.push(uf.size[r] as usize);
            }
            labels[i] = label_of_root[r];
        }
    }
    let mut c = Clusters {
        labels,
        sizes,
        ..Default::default()
    };
    if periodic {
        let k = c.sizes.len();
        wrap_x.resize(k, false);
        wrap_y.resize(k, false);
        for (i, wx, wy) in wraps {
            let lab = c.labels[i] as usize;
            wrap_x[lab] |= wx;
            wrap_y[lab] |= wy;
        }
        c.span_x = wrap_x.iter().any(|&w| w);
        c.span_y = wrap_y.iter().any(|&w| w);
        c.span_both_same = (0..k).any(|q| wrap_x[q] && wrap_y[q]);
    } else {
        let k = c.sizes.len();
        let mut flags = vec![0u8; k]; // bits: top, bottom, left, right
        for x in 0..l {
            if occ[x] {
                flags[c.labels[x] as usize] |= 1;
            }
            let b = (l - 1) * l + x;
            if occ[b] {
                flags[c.labels[b] as usize] |= 2;
            }
        }
        for y in 0..l {
            let a = y * l;
            if occ[a] {
                flags[c.labels[a] as usize] |= 4;
            }
            let b = y * l + l - 1;
            if occ[b] {
                flags[c.labels[b] as usize] |= 8;
            }
        }
        c.span_y = flags.iter().any(|f| f & 3 == 3);
        c.span_x = flags.iter().any(|f| f & 12 == 12);
        c.span_both_same = flags.iter().any(|f| f & 15 == 15);
    }
    c
}

/// Spanning only, without labels (the hot path of `spanning_probability` and the data sets):
/// open boundaries use a lean union–find (parent array, path halving) whose roots carry the set
/// of edges their cluster touches; periodic boundaries need windings and use `clusters`.
/// Returns (span_x, span_y).
pub fn spanning(occ: &[bool], l: usize, periodic: bool) -> (bool, bool) {
    if periodic {
        let c = clusters(occ, l, true);
        return (c.span_x, c.span_y);
    }
    if (1..=128).contains(&l) {
        return spanning_bits(occ, l);
    }
    spanning_union_find(occ, l)
}

/// Every site of the runs of `o` that contain a bit of `s` (a row flood fill): Kogge–Stone
/// propagation up and down in log₂128 = 7 steps.
#[inline]
fn fill_runs(s: u128, o: u128) -> u128 {
    let (mut up, mut pu) = (s & o, o);
    let (mut down, mut pd) = (s & o, o);
    for k in [1, 2, 4, 8, 16, 32, 64] {
        up |= pu & (up << k);
        pu &= pu << k;
        down |= pd & (down >> k);
        pd &= pd >> k;
    }
    up | down
}

/// Flood the occupied sites reachable from `seeds` (row bit sets), sweeping down and up until
/// nothing changes (paths may turn back); stops early once `done(reach)` holds.
fn flood(rows: &[u128], seeds: &[u128], done: impl Fn(&[u128]) -> bool) -> bool {
    let l = rows.len();
    let mut reach: Vec<u128> = (0..l).map(|y| fill_runs(seeds[y], rows[y])).collect();
    loop {
        if done(&reach) {
            return true;
        }
        let mut changed = false;
        for y in 1..l {
            let below = if y + 1 < l { reach[y + 1] } else { 0 };
            let r = fill_runs((reach[y - 1] | reach[y] | below) & rows[y], rows[y]);
            if r != reach[y] {
                reach[y] = r;
                changed = true;
            }
        }
        if done(&reach) {
            return true;
        }
        for y in (0..l.saturating_sub(1)).rev() {
            let above = if y > 0 { reach[y - 1] } else { 0 };
            let r = fill_runs((above | reach[y] | reach[y + 1]) & rows[y], rows[y]);
            if r != reach[y] {
                reach[y] = r;
                changed = true;
            }
        }
        if !changed {
            return done(&reach);
        }
    }
}

/// Open-boundary spanning (x, y) for L ≤ 128 by bit-parallel flooding of row bit sets: no labels
/// are made, which is all a spanning test or a data set needs.
pub fn spanning_bits(occ: &[bool], l: usize) -> (bool, bool) {
    let rows: Vec<u128> = occ
        .chunks_exact(l)
        .map(|r| {
            r.iter()
                .enumerate()
                .fold(0u128, |acc, (x, &b)| acc | (u128::from(b) << x))
        })
        .collect();
    spanning_rows(&rows)
}

/// Open-boundary spanning (x, y) of a configuration given as row bit sets (L = rows.len() ≤ 128).
pub fn spanning_rows(rows: &[u128]) -> (bool, bool) {
    let l = rows.len();
    if l == 0 {
        return (false, false);
    }
    let last = 1u128 << (l - 1);
    let mut top = vec![0u128; l];
    top[0] = rows[0];
    let left = vec![1u128; l];
    let sy = flood(rows, &top, |r| r[l - 1] != 0);
    let sx = flood(rows, &left, |r| r.iter().any(|&v| v & last != 0));
    (sx, sy)
}

/// Open-boundary spanning (x, y) by union–find with edge flags (any L).
pub fn spanning_union_find(occ: &[bool], l: usize) -> (bool, bool) {
    let n = l * l;
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut size = vec![1u32; n];
    let mut edges = vec![0u8; n];
    fn find(p: &mut [u32], mut i: usize) -> usize {
        while p[i] as usize != i {
            let g = p[p[i] as usize];
            p[i] = g;
            i = g as usize;
        }
        i
    }
    // union by size keeps the trees shallow near p_c, where clusters are huge
    let union = |p: &mut [u32], sz: &mut [u32], e: &mut [u8], a: usize, b: usize| {
        let (ra, rb) = (find(p, a), find(p, b));
        if ra != rb {
            let (big, small) = if sz[ra] >= sz[rb] { (ra, rb) } else { (rb, ra) };
            p[small] = big as u32;
            sz[big] += sz[small];
            e[big] |= e[small];
        }
    };
    for y in 0..l {
        for x in 0..l {
            let i = y * l + x;
            if !occ[i] {
                continue;
            }
            edges[i] = u8::from(y == 0)
                | (u8::from(y == l - 1) << 1)
                | (u8::from(x == 0) << 2)
                | (u8::from(x == l - 1) << 3);
            if x > 0 && occ[i - 1] {
                union(&mut parent, &mut size, &mut edges, i - 1, i);
            }
            if y > 0 && occ[i - l] {
                union(&mut parent, &mut size, &mut edges, i - l, i);
            }
        }
    }
    let (mut sx, mut sy) = (false, false);
    for i in 0..n {
        if occ[i] && parent[i] as usize == i {
            sy |= edges[i] & 3 == 3;
            sx |= edges[i] & 12 == 12;
        }
    }
    (sx, sy)
}

/// One Newman–Ziff run: occupy sites in random order; after each addition n = 1..N record
/// spanning (either direction, both directions) and the largest cluster size.
pub struct NzRun {
    pub either: Vec<bool>,
    pub both: Vec<bool>,
    pub largest: Vec<u32>,
}

/// Newman & Ziff, PRE 64, 016706 (2001): union–find on the growing lattice. Open boundaries:
/// each cluster root carries the set of edges it touches (top, bottom, left, right), merged on
/// union — virtual edge nodes would wrongly connect edges through corner sites. Periodic: a
/// bond closing a loop with non-zero winding means wrapping.
pub fn newman_ziff_run<R: Rng>(l: usize, periodic: bool, rng: &mut R) -> NzRun {
    let n = l * l;
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(rng);
    let mut uf = UnionFind::new(n);
    let mut edges = vec![0u8; n];
    let mut occ = vec![false; n];
    let (mut span_x, mut span_y) = (false, false);
    let mut largest = 0u32;
    let mut run = NzRun {
        either: Vec::with_capacity(n),
        both: Vec::with_capacity(n),
        largest: Vec::with_capacity(n),
    };
    for &s in &order {
        let i = s as usize;
        occ[i] = true;
        let (x, y) = (i % l, i / l);
        if !periodic {
            edges[i] = u8::from(y == 0)
                | (u8::from(y == l - 1) << 1)
                | (u8::from(x == 0) << 2)
                | (u8::from(x == l - 1) << 3);
        }
        let neigh = [
            (x + 1 < l || periodic).then(|| (y * l + (x + 1) % l, (1, 0))),
            (x > 0 || periodic).then(|| (y * l + (x + l - 1) % l, (-1, 0))),
            (y + 1 < l || periodic).then(|| (((y + 1) % l) * l + x, (0, 1))),
            (y > 0 || periodic).then(|| (((y + l - 1) % l) * l + x, (0, -1))),
        ];
        for (j, d) in neigh.into_iter().flatten() {
            if !occ[j] {
                continue;
            }
            let (ri, rj) = (uf.find(i).0, uf.find(j).0);
            let merged = edges[ri] | edges[rj];
            if let Some(w) = uf.union(i, j, d) {
                if periodic {
                    span_x |= w.0 != 0;
                    span_y |= w.1 != 0;
                }
            }
            let r = uf.find(i).0;
            edges[r] = merged;
        }
        let r = uf.find(i).0;
        if !periodic {
            span_y |= edges[r] & 3 == 3;
            span_x |= edges[r] & 12 == 12;
        }
        largest = largest.max(uf.size[r]);
        run.either.push(span_x || span_y);
        run.both.push(span_x && span_y);
        run.largest.push(largest);
    }
    run
}

/// Convolve microcanonical Q_n (n = 0..=N) with the binomial distribution: Q(p) = Σ_n B(N, n, p) Q_n.
pub fn canonical(q: &[f64], p: f64) -> f64 {
    let nn = q.len() - 1;
    if p <= 0.0 {
        return q[0];
    }
    if p >= 1.0 {
        return q[nn];
    }
    // start at the mode and walk outwards with the ratio B(n+1)/B(n) = (N−n)/(n+1)·p/(1−p)
    let mode = ((nn as f64 + 1.0) * p).floor().min(nn as f64) as usize;
    let r = p / (1.0 - p);
    let mut sum = q[mode];
    let mut norm = 1.0;
    let mut b = 1.0;
    for n in mode..nn {
        b *= (nn - n) as f64 / (n + 1) as f64 * r;
        if b < 1e-17 * norm {
            break;
        }
        sum += b * q[n + 1];
        norm += b;
    }
    b = 1.0;
    for n in (1..=mode).rev() {
        b *= n as f64 / (nn - n + 1) as f64 / r;
        if b < 1e-17 * norm {
            break;
        }
        sum += b * q[n - 1];
        norm += b;
    }
    sum / norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_empty_lattices() {
        let l = 5;
        let full = clusters(&vec![true; l * l], l, false);
        assert_eq!(full.sizes, vec![25]);
        assert!(full.span_x && full.span_y && full.span_both_same);
        let empty = clusters(&vec![false; l * l], l, false);
        assert!(empty.sizes.is_empty() && !empty.span_x);
    }

    #[test]
    fn a_row_wraps_only_when_periodic() {
        let l = 6;
        let mut occ = vec![false; l * l];
        for x in 0..l {
            occ[2 * l + x] = true;
        }
        let open = clusters(&occ, l, false);
        assert!(open.span_x && !open.span_y);
        let per = clusters(&occ, l, true);
        assert!(per.span_x && !per.span_y);
        // a row missing one site spans nothing when periodic (no winding) but not open either
        occ[2 * l + 3] = false;
        let per = clusters(&occ, l, true);
        assert!(!per.span_x);
        assert_eq!(per.sizes, vec![5]);
    }

    #[test]
    fn lean_spanning_agrees_with_full_labelling() {
        let mut r = crate::rng::from_seed(4);
        for k in 0..300 {
            let l = 5 + k % 20;
            let occ = sample_bernoulli(l, 0.5 + 0.2 * ((k % 7) as f64 / 7.0), &mut r);
            let c = clusters(&occ, l, false);
            assert_eq!(spanning(&occ, l, false), (c.span_x, c.span_y), "sample {k}");
        }
    }

    #[test]
    fn winding_detection_on_a_ring() {
        // four nodes on a ring of length 4 along x: the closing bond winds once
        let mut uf = UnionFind::new(4);
        assert!(uf.union(0, 1, (1, 0)).is_none());
        assert!(uf.union(1, 2, (1, 0)).is_none());
        assert!(uf.union(3, 2, (-1, 0)).is_none());
        assert_eq!(uf.union(3, 0, (1, 0)), Some((4, 0)));
        // a bond inside a tree without winding
        let mut uf = UnionFind::new(3);
        uf.union(0, 1, (0, 1));
        uf.union(1, 2, (1, 0));
        assert_eq!(uf.union(0, 2, (1, 1)), Some((0, 0)));
    }

    #[test]
    fn canonical_average_is_a_proper_binomial_mean() {
        // Q_n = n/N gives Q(p) = p
        let nn = 400;
        let q: Vec<f64> = (0..=nn).map(|n| n as f64 / nn as f64).collect();
        for p in [0.1, 0.5, 0.93] {
            assert!((canonical(&q, p) - p).abs() < 1e-12);
        }
    }
}

#[cfg(test)]
mod bit_tests {
    use super::*;

    #[test]
    fn bit_parallel_spanning_agrees_with_union_find() {
        let mut rng = crate::rng::SplitMix64::stream(7, 0);
        for &l in &[1usize, 2, 3, 17, 63, 64, 65, 100, 127, 128] {
            for k in 0..300 {
                let p = 0.45 + 0.3 * (k as f64 / 300.0);
                let occ = sample_bernoulli(l, p, &mut rng);
                assert_eq!(
                    spanning_bits(&occ, l),
                    spanning_union_find(&occ, l),
                    "L = {l}, sample {k}"
                );
            }
        }
        // a snake that must turn back up twice
        let l = 7;
        let pic = [
            "#......", "#.###..", "#.#.#..", "#.#.#.#", "#.#.#.#", "###.###", ".......",
        ];
        let occ: Vec<bool> = pic
            .iter()
            .flat_map(|r| r.chars().map(|c| c == '#'))
            .collect();
        assert_eq!(spanning_bits(&occ, l), spanning_union_find(&occ, l));
        assert_eq!(spanning_bits(&occ, l), (true, false));
    }

    #[test]
    fn exact_sampler_is_uniform_with_the_exact_count() {
        // rows and flat samples are the same configuration for the same draws
        for &(l, k) in &[
            (1usize, 1usize),
            (7, 20),
            (100, 5927),
            (128, 9000),
            (5, 0),
            (5, 25),
        ] {
            let a = sample_exact(l, k, &mut crate::rng::SplitMix64::stream(3, l as u64));
            let r = sample_exact_rows(l, k, &mut crate::rng::SplitMix64::stream(3, l as u64));
            assert_eq!(a.iter().filter(|&&b| b).count(), k, "L = {l}");
            for y in 0..l {
                for x in 0..l {
                    assert_eq!(a[y * l + x], r[y] >> x & 1 == 1, "L = {l} ({x}, {y})");
                }
            }
        }
        // every site is occupied with probability k/n (4×4, k = 5, 40000 samples: σ ≈ 0.0023)
        let mut rng = crate::rng::SplitMix64::stream(9, 0);
        let mut freq = [0usize; 16];
        let m = 40_000;
        for _ in 0..m {
            for (i, &b) in sample_exact(4, 5, &mut rng).iter().enumerate() {
                freq[i] += usize::from(b);
            }
        }
        for f in freq {
            assert!((f as f64 / m as f64 - 5.0 / 16.0).abs() < 0.012, "{f}");
        }
    }
}
