"""numpy/scipy peers of bench/physics.rhai."""
import json, time
import numpy as np
from scipy import ndimage

rng = np.random.default_rng(1)
L, p, count = 100, 0.5927, 3000
t = time.perf_counter()
for _ in range(count):
    occ = np.zeros(L * L, bool); occ[rng.choice(L * L, int(round(p * L * L)), replace=False)] = True
    occ = occ.reshape(L, L)
    lab, n = ndimage.label(occ)
    top, bot = set(lab[0][lab[0] > 0]), set(lab[-1][lab[-1] > 0])
    left, right = set(lab[:, 0][lab[:, 0] > 0]), set(lab[:, -1][lab[:, -1] > 0])
    span = bool(top & bot) or bool(left & right)
el = time.perf_counter() - t
print(json.dumps({"task": "percolation sample + labelling + spanning (samples/s)", "size": "L = 100", "peer_s": el, "peer_rate": count / el, "peer": "scipy.ndimage.label"}))

# vectorised checkerboard Metropolis (J2 = 0)
L, T, sweeps = 64, 2.5, 500
s = rng.choice([-1, 1], size=(L, L)).astype(np.int8)
mask = (np.add.outer(np.arange(L), np.arange(L)) % 2).astype(bool)
t = time.perf_counter()
for _ in range(sweeps):
    for m in (mask, ~mask):
        nn = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
        dE = 2 * s * nn
        flip = m & ((dE <= 0) | (rng.random((L, L)) < np.exp(-dE / T)))
        s[flip] *= -1
el = time.perf_counter() - t
print(json.dumps({"task": "Metropolis spin-flip attempts (1/s)", "size": "L = 64", "peer_s": el, "peer_rate": sweeps * L * L / el, "peer": "numpy checkerboard"}))

def disk(n, R):
    r = R * np.sqrt(rng.random(n)); th = rng.uniform(0, 2 * np.pi, n)
    return np.stack([r * np.cos(th), r * np.sin(th)], 1)
pts = disk(500, 1.0); ks = disk(10000, 70.248)
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    ph = ks @ pts.T
    S = (np.cos(ph).sum(1) ** 2 + np.sin(ph).sum(1) ** 2) / len(pts)
    best = min(best, time.perf_counter() - t)
print(json.dumps({"task": "structure_factor, 500 points × 10⁴ k", "size": "n = 500", "peer_s": best, "peer": "numpy"}))

# evolve (SHU, Π = 1) with the same incremental algorithm: phase tables + one mat-vec per step
n, kc = 500, 2 * np.pi / (2 / np.sqrt(500))
cands = disk(10000, 1.0); kall = disk(10000, kc)
kn = np.hypot(kall[:, 0], kall[:, 1]); kl = kall[(kn >= 0.05 * kc) & (kn <= 0.5 * kc)]
t = time.perf_counter()
ph = cands @ kl.T; C, Sn = np.cos(ph), np.sin(ph)
free = np.ones(len(cands), bool); Are = np.zeros(len(kl)); Aim = np.zeros(len(kl))
for step in range(n):
    cost = C @ Are + Sn @ Aim
    cost[~free] = np.inf
    c = int(np.argmin(cost)) if step else int(rng.integers(len(cands)))
    free[c] = False; Are += C[c]; Aim += Sn[c]
el = time.perf_counter() - t
print(json.dumps({"task": "evolve: SHU growth, 10⁴ candidates, 2,475 k in K_L", "size": "500 particles", "peer_s": el, "peer": "numpy, same algorithm"}))
