//! `prune_anneal`: simulated annealing of bonds toward a Poisson's ratio (seed 004 Methods).
//!
//! Each Metropolis step removes or re-adds `moves` bonds and is accepted with probability
//! min(1, exp(−Δc/T)) on the cost c (ν to lower it, −ν to raise it, |ν − ν*| for a target; NOTES
//! D: the paper's ν-increase formula has a sign typo, unfavourable moves use exp(−|Δν|/T)). T is
//! cooled geometrically, T ← αT, from T0 to T_final with `chain` steps per temperature. A removal
//! is only proposed if both faces next to the bond merge into a convex face (checked by the
//! angular gaps at its two nodes), and only accepted if the network gains no floppy mode (2D
//! pebble game, Jacobs & Hendrickson, J. Comput. Phys. 137, 346 (1997)).

use super::mechanics::poisson_ratio;
use super::SpringNetwork;
use rand::Rng;

/// Number of independent bonds of a generic 2D framework on n nodes (the (2,3) pebble game).
/// The number of floppy modes, rigid-body motions included, is 2n − independent_bonds.
pub fn independent_bonds(n: usize, edges: &[(usize, usize)]) -> usize {
    let mut peb = vec![2u8; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut stamp = vec![0u32; n];
    let mut parent = vec![usize::MAX; n];
    let mut epoch = 0u32;
    let mut stack = Vec::new();
    let mut find = |start: usize,
                    block: usize,
                    peb: &mut Vec<u8>,
                    out: &mut Vec<Vec<usize>>,
                    stamp: &mut Vec<u32>,
                    epoch: &mut u32|
     -> bool {
        *epoch += 1;
        stamp[start] = *epoch;
        stamp[block] = *epoch;
        stack.clear();
        stack.push(start);
        while let Some(v) = stack.pop() {
            for k in 0..out[v].len() {
                let w = out[v][k];
                if stamp[w] == *epoch {
                    continue;
                }
                stamp[w] = *epoch;
                parent[w] = v;
                if peb[w] > 0 {
                    // move the pebble back along the path, reversing its edges
                    peb[w] -= 1;
                    peb[start] += 1;
                    let mut x = w;
                    while x != start {
                        let p = parent[x];
                        if let Some(pos) = out[p].iter().position(|&y| y == x) {
                            out[p].swap_remove(pos);
                        }
                        out[x].push(p);
                        x = p;
                    }
                    return true;
                }
                stack.push(w);
            }
        }
        false
    };
    let mut count = 0;
    for &(a, b) in edges {
        if a == b {
            continue;
        }
        let mut ok = true;
        while ok && peb[a] < 2 {
            ok = find(a, b, &mut peb, &mut out, &mut stamp, &mut epoch);
        }
        while ok && peb[b] < 2 {
            ok = find(b, a, &mut peb, &mut out, &mut stamp, &mut epoch);
        }
        if ok {
            peb[a] -= 1;
            out[a].push(b);
            count += 1;
        }
    }
    count
}

/// Floppy modes (rigid-body motions included) of the network with the given active bonds.
pub fn floppy_modes(net: &SpringNetwork, active: &[bool]) -> usize {
    let edges: Vec<(usize, usize)> = net
        .bonds
        .iter()
        .zip(active)
        .filter(|(_, &a)| a)
        .map(|(b, _)| (b.i, b.j))
        .collect();
    2 * net.n() - independent_bonds(net.n(), &edges)
}

/// Bond indices at each node.
pub fn incidence(net: &SpringNetwork) -> Vec<Vec<usize>> {
    let mut inc = vec![Vec::new(); net.n()];
    for (b, bd) in net.bonds.iter().enumerate() {
        inc[bd.i].push(b);
        inc[bd.j].push(b);
    }
    inc
}

fn direction(net: &SpringNetwork, b: usize, at: usize) -> f64 {
    let d = net.bond_vector(b);
    if net.bonds[b].i == at {
        d[1].atan2(d[0])
    } else {
        (-d[1]).atan2(-d[0])
    }
}

/// Whether removing bond b keeps the faces convex: at both of its nodes, the angular gap between
/// the remaining neighbours on either side of b must stay below π (and two bonds must remain).
pub fn removal_keeps_convex(
    net: &SpringNetwork,
    inc: &[Vec<usize>],
    active: &[bool],
    b: usize,
) -> bool {
    let tau = std::f64::consts::TAU;
    for at in [net.bonds[b].i, net.bonds[b].j] {
        let t0 = direction(net, b, at);
        let (mut next, mut prev) = (f64::INFINITY, f64::INFINITY);
        let mut others = 0;
        for &c in &inc[at] {
            if c == b || !active[c] {
                continue;
            }
            others += 1;
            let t = direction(net, c, at);
            let ccw = (t - t0).rem_euclid(tau);
            let cw = (t0 - t).rem_euclid(tau);
            next = next.min(ccw);
            prev = prev.min(cw);
        }
        if others < 2 || next + prev >= std::f64::consts::PI - 1e-9 {
            return false;
        }
    }
    true
}

/// What to anneal toward.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    Min,
    Max,
    Target(f64),
}

impl Goal {
    fn cost(&self, nu: f64) -> f64 {
        match *self {
            Goal::Min => nu,
            Goal::Max => -nu,
            Goal::Target(t) => (nu - t).abs(),
        }
    }
    fn done(&self, nu: f64, until: Option<f64>) -> bool {
        match (self, until) {
            (_, None) => false,
            (Goal::Min, Some(u)) => nu <= u,
            (Goal::Max, Some(u)) => nu >= u,
            (Goal::Target(t), Some(u)) => (nu - t).abs() <= u,
        }
    }
}

/// Annealing schedule and moves.
#[derive(Clone, Debug)]
pub struct AnnealOpts {
    pub goal: Goal,
    pub t0: f64,
    pub factor: f64,
    pub t_final: f64,
    pub chain: usize,
    pub moves: usize,
    pub p_add: f64,
    pub until: Option<f64>,
    /// Added cost per removed bond, as a fraction of the initial bond count (fewest cuts).
    pub bond_cost: f64,
    pub seed: u64,
}

/// One temperature of the schedule.
#[derive(Clone, Debug)]
pub struct AnnealRecord {
    pub temperature: f64,
    pub nu: f64,
    pub z: f64,
    pub best_nu: f64,
    pub acceptance: f64,
}

/// Result: the best network found and the history.
#[derive(Clone, Debug)]
pub struct AnnealResult {
    pub net: SpringNetwork,
    pub nu_initial: f64,
    pub nu: f64,
    pub history: Vec<AnnealRecord>,
    pub evaluations: usize,
    pub floppy_modes: usize,
}

/// Number of temperatures of a geometric schedule.
pub fn schedule_len(o: &AnnealOpts) -> usize {
    ((o.t_final / o.t0).ln() / o.factor.ln()).ceil().max(0.0) as usize + 1
}

/// Simulated annealing of the bonds of an open network. `tick` is called once per temperature
/// (progress); `interrupted` is polled at every step and stops the run with an error.
pub fn prune_anneal(
    net: &SpringNetwork,
    o: &AnnealOpts,
    tick: &dyn Fn(),
    interrupted: &dyn Fn() -> bool,
) -> Result<AnnealResult, String> {
    if net.periodic.is_some() {
        return Err("prune_anneal works on open networks (the seed-004 setting)".into());
    }
    let mut work = net.clone();
    let inc = incidence(&work);
    let f0 = floppy_modes(&work, &work.active);
    let nu0 = poisson_ratio(&work)?;
    let n0 = work.n_active() as f64;
    let total = |nu: f64, net: &SpringNetwork| {
        o.goal.cost(nu) + o.bond_cost * (n0 - net.n_active() as f64) / n0
    };
    let mut rng = crate::rng::SplitMix64::stream(o.seed, 0);
    let (mut nu, mut cost) = (nu0, total(nu0, &work));
    let mut best = (cost, nu, work.active.clone());
    let mut history = Vec::new();
    let mut evaluations = 1;
    let mut t = o.t0;
    let nb = work.bonds.len();
    'outer: for _ in 0..schedule_len(o) {
        let mut accepted = 0;
        for _ in 0..o.chain {
            if interrupted() {
                return Err("interrupted".into());
            }
            let current = work.active.clone();
            let mut trial = current.clone();
            let mut removed_any = false;
            for _ in 0..o.moves {
                let absent: Vec<usize> = (0..nb).filter(|&b| !trial[b]).collect();
                if !absent.is_empty() && rng.random::<f64>() < o.p_add {
                    trial[absent[rng.random_range(0..absent.len())]] = true;
                } else {
                    for _ in 0..200 {
                        let b = rng.random_range(0..nb);
                        if trial[b] && removal_keeps_convex(&work, &inc, &trial, b) {
                            trial[b] = false;
                            removed_any = true;
                            break;
                        }
                    }
                }
            }
            if trial == current || (removed_any && floppy_modes(&work, &trial) > f0) {
                continue;
            }
            work.active = trial;
            evaluations += 1;
            let nu_new = match poisson_ratio(&work) {
                Ok(v) if v.is_finite() => v,
                _ => {
                    work.active = current;
                    continue;
                }
            };
            let c_new = total(nu_new, &work);
            let dc = c_new - cost;
            if dc <= 0.0 || rng.random::<f64>() < (-dc / t).exp() {
                nu = nu_new;
                cost = c_new;
                accepted += 1;
                if cost < best.0 {
                    best = (cost, nu, work.active.clone());
                }
                if o.goal.done(nu, o.until) {
                    history.push(record(t, nu, &work, best.1, accepted, o.chain));
                    break 'outer;
                }
            } else {
                work.active = current;
            }
        }
        history.push(record(t, nu, &work, best.1, accepted, o.chain));
        tick();
        t *= o.factor;
    }
    work.active = best.2;
    let floppy = floppy_modes(&work, &work.active);
    Ok(AnnealResult {
        net: work,
        nu_initial: nu0,
        nu: best.1,
        history,
        evaluations,
        floppy_modes: floppy,
    })
}

fn record(
    t: f64,
    nu: f64,
    net: &SpringNetwork,
    best: f64,
    acc: usize,
    chain: usize,
) -> AnnealRecord {
    AnnealRecord {
        temperature: t,
        nu,
        z: net.z(),
        best_nu: best,
        acceptance: acc as f64 / chain.max(1) as f64,
    }
}
