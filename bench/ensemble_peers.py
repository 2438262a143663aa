"""numpy/scipy peers of bench/ensemble.rhai: the same KPM recursion with scipy.sparse (CSR
mat-vec, two moments per product), and a Python loop over seed-000 realizations."""
import json, time
import numpy as np
import scipy.sparse as sp

def best(f, reps=3):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)

def kpm_moments(H, m, a, b, rng):
    n = H.shape[0]
    r = rng.choice([-1.0, 1.0], size=n)
    mu = np.zeros(m)
    x0 = r
    x1 = (H @ x0 - b * x0) / a
    mu[0] = x0 @ x0
    mu[1] = x1 @ x0
    for k in range(1, m // 2):
        x2 = 2 * (H @ x1 - b * x1) / a - x0
        mu[2 * k] = 2 * (x1 @ x1) - mu[0]
        if 2 * k + 1 < m:
            mu[2 * k + 1] = 2 * (x2 @ x1) - mu[1]
        x0, x1 = x1, x2
    return mu / n

def square(L, W, rng):
    N = L * L
    idx = np.arange(N).reshape(L, L)
    rows, cols = [], []
    for ax in range(2):
        rows.append(idx.ravel()); cols.append(np.roll(idx, -1, axis=ax).ravel())
    r = np.concatenate(rows); c = np.concatenate(cols)
    H = sp.coo_matrix((-np.ones(len(r)), (r, c)), shape=(N, N))
    return (H + H.T + sp.diags(rng.uniform(-W / 2, W / 2, N))).tocsr()

def cubic(M, W, rng):
    N = M ** 3
    idx = np.arange(N).reshape(M, M, M)
    rows, cols = [], []
    for ax in range(3):
        rows.append(idx.ravel()); cols.append(np.roll(idx, -1, axis=ax).ravel())
    r = np.concatenate(rows); c = np.concatenate(cols)
    H = sp.coo_matrix((np.ones(len(r)), (r, c)), shape=(N, N))
    return (H + H.T + sp.diags(rng.uniform(-W / 2, W / 2, N))).tocsr()

def reconstruct(mu, a, b, k):
    m = len(mu)
    n = np.arange(m)
    g = ((m - n + 1) * np.cos(np.pi * n / (m + 1)) + np.sin(np.pi * n / (m + 1)) / np.tan(np.pi / (m + 1))) / (m + 1)
    x = np.cos(np.pi * (np.arange(k) + 0.5) / k)
    t = np.cos(np.outer(np.arccos(x), n))
    return (g[0] * mu[0] + 2 * t[:, 1:] @ (g[1:] * mu[1:])) / (np.pi * a * np.sqrt(1 - x * x))

rng = np.random.default_rng(1)
L = 3163
H = square(L, 1.0, rng)
a, b = 9.2 / 1.99, 0.0
t = best(lambda: reconstruct(kpm_moments(H, 1024, a, b, rng), a, b, 2048))
print(json.dumps({"task": "kpm_dos: 1,024 moments, 1 random vector, 2D disordered lattice", "size": f"{L * L} sites", "peer_s": t, "peer": "scipy.sparse CSR, same recursion"}))
del H
H3 = cubic(100, 16.5, rng)
a = 28.6 / 1.99
t = best(lambda: reconstruct(kpm_moments(H3, 2048, a, b, rng), a, b, 4096))
print(json.dumps({"task": "kpm_dos: 2,048 moments, 1 random vector, 3D Anderson W = 16.5", "size": "100³ sites", "peer_s": t, "peer": "scipy.sparse CSR, same recursion"}))

# Kubo–Greenwood: the M vectors T_m(H̃)(A r) and A T_n(H̃) r, and their M×M products, with
# scipy.sparse (A = H_ij (x_j − x_i) with the minimum image, as disco builds it)
def velocity(L, H):
    N = L * L
    x = np.arange(N) % L
    Hc = H.tocoo()
    d = (x[Hc.col] - x[Hc.row] + L // 2) % L - L // 2
    return sp.coo_matrix((Hc.data * d, (Hc.row, Hc.col)), shape=(N, N)).tocsr()

def cheb_columns(H, v, m, a, b, after=None):
    out = np.empty((m, v.size))
    x0 = v
    x1 = (H @ x0 - b * x0) / a
    out[0] = x0 if after is None else after @ x0
    out[1] = x1 if after is None else after @ x1
    for k in range(2, m):
        x2 = 2 * (H @ x1 - b * x1) / a - x0
        out[k] = x2 if after is None else after @ x2
        x0, x1 = x1, x2
    return out

def conductivity(H, A, m, a, b, rng, k):
    r = rng.choice([-1.0, 1.0], size=H.shape[0])
    left = cheb_columns(H, A @ r, m, a, b)
    right = cheb_columns(H, r, m, a, b, after=A)
    mu = left @ right.T / H.shape[0]
    n = np.arange(m)
    g = ((m - n + 1) * np.cos(np.pi * n / (m + 1)) + np.sin(np.pi * n / (m + 1)) / np.tan(np.pi / (m + 1))) / (m + 1)
    x = np.cos(np.pi * (np.arange(k) + 0.5) / k)
    c = np.cos(np.outer(np.arccos(x), n)) * g * np.where(n == 0, 1.0, 2.0)
    return np.einsum("ki,ij,kj->k", c, mu, c) / (np.pi * a * a * (1 - x * x))

Lc = 316
Hc = square(Lc, 2.0, rng)
Ac = velocity(Lc, Hc)
ac = 10.4 / 1.99
t = best(lambda: conductivity(Hc, Ac, 256, ac, 0.0, rng, 512))
print(json.dumps({"task": "kpm_conductivity σ_xx: 256 moments, 1 random vector, 2D disordered lattice", "size": "316² sites", "peer_s": t, "peer": "scipy.sparse CSR + numpy GEMM, same moments"}))

# Kubo–Bastin σ_xy of the Qi–Wu–Zhang model (u = 1), 224² sites × 2 orbitals: complex H and
# velocities in scipy.sparse, the M vectors on each side, their M×M product, and the energy
# integral of the Bastin kernel on 8M cells (as disco evaluates it)
def qwz(L, u):
    N = L * L
    sx = np.array([[0, 1], [1, 0]], complex)
    sy = np.array([[0, -1j], [1j, 0]])
    sz = np.array([[1, 0], [0, -1]], complex)
    site = np.arange(N)
    x, y = site // L, site % L
    rows, cols, vals = [], [], []
    for (dx, dy, s) in [(1, 0, sx), (0, 1, sy)]:
        j = ((x + dx) % L) * L + (y + dy) % L
        t = (sz - 1j * s) / 2  # c†_j T c_i
        for a in range(2):
            for b in range(2):
                if t[a, b] != 0:
                    rows += [2 * j + a, 2 * site + b]
                    cols += [2 * site + b, 2 * j + a]
                    vals += [np.full(N, t[a, b]), np.full(N, np.conj(t[a, b]))]
    rows.append(np.arange(2 * N)); cols.append(np.arange(2 * N)); vals.append(np.tile([u, -u], N).astype(complex))
    H = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(2 * N, 2 * N)).tocsr()
    pos = np.repeat(np.stack([x, y], 1), 2, axis=0)
    Hc = H.tocoo()
    def vel(ax):
        d = (pos[Hc.col, ax] - pos[Hc.row, ax] + L // 2) % L - L // 2
        return sp.coo_matrix((1j * Hc.data * d, (Hc.row, Hc.col)), shape=H.shape).tocsr()
    return H, vel(0), vel(1)

def cheb_columns_c(H, v, m, a, b, after=None):
    out = np.empty((m, v.size), complex)
    x0 = v
    x1 = (H @ x0 - b * x0) / a
    out[0] = x0 if after is None else after @ x0
    out[1] = x1 if after is None else after @ x1
    for k in range(2, m):
        x2 = 2 * (H @ x1 - b * x1) / a - x0
        out[k] = x2 if after is None else after @ x2
        x0, x1 = x1, x2
    return out

def bastin(H, Vx, Vy, m, a, b, rng, k):
    r = rng.choice([-1.0, 1.0], size=H.shape[0]).astype(complex)
    left = cheb_columns_c(H, Vx @ r, m, a, b)
    right = cheb_columns_c(H, r, m, a, b, after=Vy)
    mu = left.conj() @ right.T / H.shape[0]
    n = np.arange(m)
    g = ((m - n + 1) * np.cos(np.pi * n / (m + 1)) + np.sin(np.pi * n / (m + 1)) / np.tan(np.pi / (m + 1))) / (m + 1)
    w = g * np.where(n == 0, 1.0, 2.0)
    muw = mu * np.outer(w, w)
    cells = 8 * m
    th = np.pi - (np.arange(cells) + 0.5) * np.pi / cells
    xs, s = np.cos(th), np.sin(th)
    T = np.cos(np.outer(n, th))
    A = np.exp(-1j * np.outer(n, th)) * (xs + 1j * np.outer(n, s))
    B = A.conj()
    F = (T * (muw @ A)).sum(0) + (B * (muw @ T)).sum(0)
    cum = np.concatenate([[0.0], np.cumsum(F.real / s**3) * np.pi / cells])
    e = np.cos(np.pi * (np.arange(k) + 0.5) / k)
    return np.interp(np.pi - np.arccos(e), np.arange(cells + 1) * np.pi / cells, cum) * H.shape[0] / (np.pi * a * a * (L * L))

Lh = 224
Hq, Vx, Vy = qwz(Lh, 1.0)
L = Lh
t = best(lambda: bastin(Hq, Vx, Vy, 256, 3.05, 0.0, rng, 512))
print(json.dumps({"task": "kpm_conductivity σ_xy (Kubo–Bastin): 256 moments, 1 random vector, Chern insulator", "size": "2·224² orbitals", "peer_s": t, "peer": "scipy.sparse complex CSR + numpy GEMM, same moments and integral"}))
