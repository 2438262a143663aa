"""matplotlib peers of bench/figures.rhai: the same five reference figures from the same data
(docs/img/compare_<name>.png: disco left, matplotlib right), and the 10⁵-point scatter to PNG
with the Agg backend, timed the same way."""
import json, os, sys, time
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection

RAW = sys.argv[1] if len(sys.argv) > 1 else "bench/.raw/fig"
IMG = sys.argv[2] if len(sys.argv) > 2 else "docs/img"
plt.rcParams.update({"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 9, "legend.fontsize": 8})
COL = (3.4, 2.6)

def save(fig, name):
    fig.savefig(os.path.join(RAW, f"mpl_{name}.png"), dpi=200)
    plt.close(fig)

# 1. lines with error bars and a legend
x, y1, y2, e = np.load(os.path.join(RAW, "lines.npy"))
fig, ax = plt.subplots(figsize=COL, constrained_layout=True)
ax.errorbar(x, y1, e, fmt="o", label="$W = 2$")
ax.plot(x, y2, "--o", label="$W = 4$")
ax.set_xlabel("$t$"); ax.set_ylabel(r"$\langle r \rangle$"); ax.legend()
save(fig, "lines")

# 2. a log–log CCDF with a power-law fit
d = np.sort(np.load(os.path.join(RAW, "ccdf.npy")))
p = 1.0 - np.arange(d.size) / d.size
fig, ax = plt.subplots(figsize=COL, constrained_layout=True)
ax.loglog(d, p, label="sample")
xs = np.logspace(0, 3, 50)
ax.loglog(xs, xs ** -1.5, "k--", label=r"$\alpha = 2.5$")
ax.set_xlabel("$x$"); ax.set_ylabel(r"$P(X \geq x)$"); ax.legend()
save(fig, "ccdf")

# 3. a heatmap with a colour bar
m = np.load(os.path.join(RAW, "heatmap.npy"))
fig, ax = plt.subplots(figsize=COL, constrained_layout=True)
im = ax.imshow(m, cmap="viridis", aspect="auto")
fig.colorbar(im, ax=ax, label="value")
ax.set_xlabel("column"); ax.set_ylabel("row")
save(fig, "heatmap")

# 4. a 2×2 grid with shared axes
t = np.linspace(0, 10, 200)
fig, axs = plt.subplots(2, 2, figsize=(7, 5.2), sharex=True, sharey=True, constrained_layout=True)
for i, ax in enumerate(axs.flat):
    g = 0.1 * (i + 1)
    ax.plot(t, np.exp(-g * t) * np.cos(2 * t)); ax.set_title(rf"$\gamma = {g:.1f}$")
for ax in axs[1]: ax.set_xlabel("$t$")
for ax in axs[:, 0]: ax.set_ylabel("$A$")
save(fig, "grid")

# 5. a network drawing, edges coloured by length
pos = np.load(os.path.join(RAW, "net_pos.npy"))
edges = np.load(os.path.join(RAW, "net_edges.npy")).astype(int)
segs = pos[edges]
lengths = np.linalg.norm(segs[:, 0] - segs[:, 1], axis=1)
fig, ax = plt.subplots(figsize=COL, constrained_layout=True)
lc = LineCollection(segs, array=lengths, cmap="viridis")
ax.add_collection(lc); ax.scatter(pos[:, 0], pos[:, 1], s=4, c="k", zorder=3)
fig.colorbar(lc, ax=ax, label="length"); ax.set_aspect("equal"); ax.autoscale()
save(fig, "network")

# side by side: disco left, matplotlib right
os.makedirs(IMG, exist_ok=True)
for name in ["lines", "ccdf", "heatmap", "grid", "network"]:
    a = plt.imread(os.path.join(RAW, f"disco_{name}.png"))
    b = plt.imread(os.path.join(RAW, f"mpl_{name}.png"))
    h = max(a.shape[0], b.shape[0])
    fig = plt.figure(figsize=((a.shape[1] + b.shape[1]) / 100, h / 100 + 0.3), dpi=100)
    for k, (img, title) in enumerate([(a, "disco"), (b, "matplotlib")]):
        ax = fig.add_axes([k * a.shape[1] / (a.shape[1] + b.shape[1]), 0, img.shape[1] / (a.shape[1] + b.shape[1]), h / (h + 30)])
        ax.imshow(img); ax.set_axis_off(); ax.set_title(title, fontsize=14)
    fig.savefig(os.path.join(IMG, f"compare_{name}.png"), dpi=100)
    plt.close(fig)

# speed: 10⁵ points to a PNG of 640×480
px, py = np.load(os.path.join(RAW, "scatter.npy"))
ts = []
for _ in range(3):
    t0 = time.perf_counter()
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    ax.scatter(px, py, s=1)
    fig.savefig(os.path.join(RAW, "mpl_scatter.png"))
    plt.close(fig)
    ts.append(time.perf_counter() - t0)
print(json.dumps({"task": "scatter of 10⁵ points to PNG (640×480)", "size": "10⁵ points", "peer_s": min(ts), "peer": "matplotlib Agg"}))
