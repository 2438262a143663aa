"""PyTorch (CPU, 2 threads) peers of bench/ml.rhai: the same networks, batch sizes, losses and
optimiser, one epoch on the same number of random samples."""
import json, time
import torch
import torch.nn as nn

torch.set_num_threads(2)
torch.manual_seed(0)

def same(cin, cout):
    return nn.Conv2d(cin, cout, 3, padding=1)

def epoch(model, x, y, batch, loss_fn, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    t = time.perf_counter()
    perm = torch.randperm(len(x))
    for i in range(0, len(x), batch):
        idx = perm[i:i + batch]
        opt.zero_grad()
        l = loss_fn(model(x[idx]), y[idx])
        l.backward()
        opt.step()
    return time.perf_counter() - t

# seed 000 D2L: 3 × (conv, relu, maxpool), dense 2048, dropout, dense 256; MAPE; Adam 1e-4
d2l = nn.Sequential(same(2, 256), nn.ReLU(), nn.MaxPool2d(2), same(256, 512), nn.ReLU(), nn.MaxPool2d(2),
                    same(512, 1024), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4096, 2048), nn.ReLU(),
                    nn.Dropout(0.5), nn.Linear(2048, 256))
n = 200
x = torch.randn(n, 2, 16, 16) * 0.3
y = torch.rand(n, 256) * 0.9 + 0.1
mape = lambda yh, y: ((yh - y).abs() / y.abs()).mean()
el = epoch(d2l, x, y, 10, mape, 1e-4)
print(json.dumps({"task": "train D2L (14.8 M params), batch 10, MAPE, Adam (samples/s)", "size": "16×16×2",
                  "peer_s": el, "peer_rate": n / el, "peer": f"PyTorch {torch.__version__} CPU"}))

# seed 000 L2D2L: L2D (zero-initialised output layer) trained through the frozen D2L
l2d = nn.Sequential(same(1, 256), nn.ReLU(), nn.MaxPool2d(2), same(256, 512), nn.ReLU(), nn.MaxPool2d(2),
                    same(512, 1024), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4096, 2048), nn.ReLU(),
                    nn.Dropout(0.5), nn.Linear(2048, 512), nn.Unflatten(1, (2, 16, 16)))
nn.init.zeros_(l2d[-2].weight)
for p in d2l.parameters():
    p.requires_grad_(False)
d2l.eval()
w = torch.rand(n, 1, 16, 16) * 0.9 + 0.1
opt = torch.optim.Adam(l2d.parameters(), lr=1e-4)
l2d.train()
t = time.perf_counter()
perm = torch.randperm(n)
for i in range(0, n, 10):
    idx = perm[i:i + 10]
    opt.zero_grad()
    l = mape(d2l(l2d(w[idx])), y[idx])
    l.backward()
    opt.step()
el = time.perf_counter() - t
print(json.dumps({"task": "train L2D through the frozen D2L (seed-000 L2D2L), batch 10 (samples/s)", "size": "16×16",
                  "peer_s": el, "peer_rate": n / el, "peer": f"PyTorch {torch.__version__} CPU"}))

small = nn.Sequential(same(1, 16), nn.ReLU(), nn.MaxPool2d(2), same(16, 32), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(2048, 64), nn.ReLU(), nn.Linear(64, 2))
m = 4096
xs = torch.randn(m, 1, 32, 32)
ys = torch.randint(0, 2, (m,))
el = epoch(small, xs, ys, 64, nn.CrossEntropyLoss(), 1e-3)
print(json.dumps({"task": "train small CNN, batch 64, cross-entropy (samples/s)", "size": "32×32",
                  "peer_s": el, "peer_rate": m / el, "peer": f"PyTorch {torch.__version__} CPU"}))
