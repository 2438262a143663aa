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
print(json.dumps({"task": "percolation sample + spanning test (samples/s)", "size": "L = 100", "peer_s": el, "peer_rate": count / el, "peer": "scipy.ndimage.label + edge sets"}))

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

# seed 004: ν of a 32×32 distorted triangular spring network, same boundary conditions
import scipy.sparse as sp
import scipy.sparse.linalg as spl
def distorted_triangular(nx, ny, r):
    h = np.sqrt(3) / 2
    b, a = np.divmod(np.arange(nx * ny), nx)
    pos = np.stack([a + 0.5 * (b % 2), b * h], 1).astype(float)
    bonds = []
    for bb in range(ny):
        for aa in range(nx):
            i = bb * nx + aa
            if aa + 1 < nx: bonds.append((i, i + 1))
            if bb + 1 < ny:
                for du in ((-1, 0) if bb % 2 == 0 else (0, 1)):
                    if 0 <= aa + du < nx: bonds.append((i, (bb + 1) * nx + aa + du))
    inner = (a > 0) & (a < nx - 1) & (b > 0) & (b < ny - 1)
    th = rng.uniform(0, 2 * np.pi, nx * ny)
    pos[inner] += r * np.stack([np.cos(th), np.sin(th)], 1)[inner]
    sides = [np.where(a == 0)[0], np.where(a == nx - 1)[0], np.where(b == 0)[0], np.where(b == ny - 1)[0]]
    return pos, np.array(bonds), sides
def poisson(pos, bonds, sides):
    n2 = 2 * len(pos)
    d = pos[bonds[:, 1]] - pos[bonds[:, 0]]
    nh = d / np.linalg.norm(d, axis=1)[:, None]
    blk = nh[:, :, None] * nh[:, None, :]
    rows, cols, vals = [], [], []
    for p in range(2):
        for q in range(2):
            for (u, v, s) in ((0, 0, 1), (1, 1, 1), (0, 1, -1), (1, 0, -1)):
                rows.append(2 * bonds[:, u] + p); cols.append(2 * bonds[:, v] + q); vals.append(s * blk[:, p, q])
    H = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n2, n2))
    nus = []
    for ax in (0, 1):
        lo, hi, glo, ghi = (sides[0], sides[1], sides[2], sides[3]) if ax == 0 else (sides[2], sides[3], sides[0], sides[1])
        grip = np.concatenate([lo, hi])
        centre = 0.5 * (pos[lo, ax].mean() + pos[hi, ax].mean())
        fixed = np.concatenate([2 * grip + ax, [2 * lo[0] + 1 - ax]])
        uc = np.concatenate([pos[grip, ax] - centre, [0.0]])
        free = np.setdiff1d(np.arange(n2), fixed)
        u = np.zeros(n2); u[fixed] = uc
        u[free] = spl.spsolve(H[free][:, free].tocsc(), -H[free][:, fixed] @ uc)
        o = 1 - ax
        eps = (u[2 * ghi + o].mean() - u[2 * glo + o].mean()) / (pos[ghi, o].mean() - pos[glo, o].mean())
        nus.append(-eps)
    return 0.5 * sum(nus)
pos, bonds, sides = distorted_triangular(32, 32, 0.2)
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    for _ in range(20): poisson(pos, bonds, sides)
    best = min(best, (time.perf_counter() - t) / 20)
print(json.dumps({"task": "poisson_ratio: grips, x and y sparse solves (spring network)", "size": "32×32", "peer_s": best, "peer": "scipy.sparse spsolve"}))

# cluster labelling with sizes, networkx on the occupied-site grid graph
import networkx as nx
L = 100
grid = nx.grid_2d_graph(L, L)
cfgs = [rng.random((L, L)) < 0.5927 for _ in range(20)]
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    for occ in cfgs:
        g = grid.subgraph([(int(i), int(j)) for i, j in zip(*occ.nonzero())])
        sizes = [len(c) for c in nx.connected_components(g)]
    best = min(best, (time.perf_counter() - t) / len(cfgs))
print(json.dumps({"task": "clusters: labels and sizes of one configuration", "size": "L = 100", "peer_s": best, "peer": "networkx connected_components"}))
