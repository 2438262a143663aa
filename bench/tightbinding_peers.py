"""numpy/scipy peers of bench/tightbinding.rhai (same sizes, same statistics)."""
import json, time
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

rng = np.random.default_rng(1)

def best(f, reps=3):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)

for n in [256, 1000, 2000]:
    a = rng.normal(size=(n, n)); h = (a + a.T) / 2
    print(json.dumps({"task": "eigh (values + vectors)", "size": f"n = {n}", "peer_s": best(lambda: np.linalg.eigh(h)), "peer": "numpy.linalg.eigh"}))

for n in [500, 1000, 2000]:
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)); h = (a + a.conj().T) / 2
    print(json.dumps({"task": "eigh, complex Hermitian (values + vectors)", "size": f"n = {n}", "peer_s": best(lambda: np.linalg.eigh(h)), "peer": "numpy.linalg.eigh (complex128)"}))
    print(json.dumps({"task": "eigvalsh, complex Hermitian", "size": f"n = {n}", "peer_s": best(lambda: np.linalg.eigvalsh(h)), "peer": "numpy.linalg.eigvalsh (complex128)"}))

def anderson(M, W):
    N = M ** 3
    idx = np.arange(N).reshape(M, M, M)
    rows, cols = [], []
    for ax in range(3):
        nb = np.roll(idx, -1, axis=ax)
        rows.append(idx.ravel()); cols.append(nb.ravel())
    r = np.concatenate(rows); c = np.concatenate(cols)
    H = sp.coo_matrix((np.ones(len(r)), (r, c)), shape=(N, N))
    H = H + H.T + sp.diags(rng.uniform(-W / 2, W / 2, N))
    return H.tocsc()

for M in [12, 20, 30]:
    H = anderson(M, 16.5)
    for k in [1, 10]:
        t = time.perf_counter(); sla.eigsh(H, k=k, sigma=0.0); el = time.perf_counter() - t
        print(json.dumps({"task": f"eigs_near E=0, k={k} (Anderson W=16.5)", "size": f"M = {M}", "peer_s": el, "peer": "scipy eigsh(sigma=0)"}))

# seed-000 batch: NumPy loop
L = 16; n = L * L
ix, iy = np.divmod(np.arange(n), L)
def one():
    rho = 0.6 * rng.random(); sig = 0.6 * rng.random()
    th = rng.uniform(0, 2 * np.pi, n)
    dx = rho * np.cos(th) + rng.uniform(-sig, sig, n); dy = rho * np.sin(th) + rng.uniform(-sig, sig, n)
    x = ix + dx; y = iy + dy
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    H = 3.14e-2 * np.exp(-1.1454 * d); np.fill_diagonal(H, 1.0)
    _, v = np.linalg.eigh(H)
    p = v ** 2
    return np.sort((p.sum(0) ** 2 / (p ** 2).sum(0)) / n)
count = 300
t = time.perf_counter()
for _ in range(count): one()
el = time.perf_counter() - t
print(json.dumps({"task": "seed-000 batch: H, eigh, sorted mode areas (realizations/s)", "size": "16×16", "peer_s": el * 2000 / count, "peer_rate": count / el, "peer": "numpy loop"}))
