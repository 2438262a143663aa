"""The `powerlaw` package on the same kind of samples as bench/stats.rhai (its default scan)."""
import json, time, warnings
import numpy as np
import powerlaw
warnings.filterwarnings("ignore")

def sample(n, seed):
    r = np.random.default_rng(seed)
    return (1 - r.random(n)) ** (-1 / 1.5) + r.uniform(0, 0.5, n)

for n in [10000, 100000]:
    x = sample(n, n)
    t = time.perf_counter()
    f = powerlaw.Fit(x, verbose=False, parameter_ranges={"alpha": [1, 10]})
    _ = f.power_law.alpha
    el = time.perf_counter() - t
    print(json.dumps({"task": "powerlaw_fit (x_min scan + α)", "size": f"n = {n}", "peer_s": el, "peer": "powerlaw.Fit"}))
    if n == 10000:
        # the package has no bootstrap: 100 refits of synthetic sets cost 100 more fits
        print(json.dumps({"task": "powerlaw_fit + 100 bootstrap sets (gof_p)", "size": "n = 10000", "peer_s": 101 * el, "peer": "101 × powerlaw.Fit (estimated)"}))

# the default call: Fit plus the package's likelihood-ratio comparisons
def fit_and_compare(x, discrete, alts):
    t = time.perf_counter()
    f = powerlaw.Fit(x, verbose=False, discrete=discrete)
    for alt in alts:
        f.distribution_compare("power_law", alt)
    return time.perf_counter() - t

ALTS = ["exponential", "lognormal", "stretched_exponential", "truncated_power_law"]
for n in [3000, 100000]:
    el = fit_and_compare(sample(n, n), False, ALTS)
    print(json.dumps({"task": "powerlaw_fit default (fit + 4 comparisons), continuous", "size": f"n = {n}", "peer_s": el, "peer": "powerlaw.Fit + 4 distribution_compare"}))

def discrete_sample(n, seed):
    r = np.random.default_rng(seed)
    return np.floor(4.5 * (1 - r.random(n)) ** (-1 / 1.2) + 0.5)

for n in [3000]:
    el = fit_and_compare(discrete_sample(n, n + 1), True, ALTS[:3])
    print(json.dumps({"task": "powerlaw_fit default (fit + 3 comparisons), discrete", "size": f"n = {n}", "peer_s": el, "peer": "powerlaw.Fit(discrete) + 3 distribution_compare"}))

# Fourier transforms and binned statistics (numpy.fft is pocketfft), best of 3
import scipy.stats
def best_of_3(f):
    best = 1e300
    for _ in range(3):
        t = time.perf_counter(); f(); best = min(best, time.perf_counter() - t)
    return best

rng = np.random.default_rng(7)
for n in [1048576, 1000003]:
    x = rng.normal(size=n)
    print(json.dumps({"task": "fft of a real signal (complex result)", "size": f"N = {n}", "peer_s": best_of_3(lambda: np.fft.fft(x)), "peer": "numpy.fft.fft"}))
    print(json.dumps({"task": "rfft", "size": f"N = {n}", "peer_s": best_of_3(lambda: np.fft.rfft(x)), "peer": "numpy.fft.rfft"}))
g = rng.normal(size=(1024, 1024))
print(json.dumps({"task": "fft2", "size": "1024 × 1024", "peer_s": best_of_3(lambda: np.fft.fft2(g)), "peer": "numpy.fft.fft2"}))
x = rng.normal(size=1000000); w = rng.random(1000000)
print(json.dumps({"task": "histogram with weights, 100 bins", "size": "n = 10^6", "peer_s": best_of_3(lambda: np.histogram(x, 100, weights=w)), "peer": "numpy.histogram"}))
print(json.dumps({"task": "binned_statistic mean, 100 bins", "size": "n = 10^6", "peer_s": best_of_3(lambda: scipy.stats.binned_statistic(x, w, "mean", 100)), "peer": "scipy.stats.binned_statistic"}))
import scipy.linalg
A = rng.normal(size=(300, 300)) * (10.0 / 300.0)
print(json.dumps({"task": "expm, real", "size": "300 × 300", "peer_s": best_of_3(lambda: scipy.linalg.expm(A)), "peer": "scipy.linalg.expm"}))
Z = A + 1j * A.T
print(json.dumps({"task": "expm, complex", "size": "300 × 300", "peer_s": best_of_3(lambda: scipy.linalg.expm(Z)), "peer": "scipy.linalg.expm"}))
b = rng.normal(size=300)
print(json.dumps({"task": "solve, complex", "size": "300 × 300", "peer_s": best_of_3(lambda: np.linalg.solve(Z, b)), "peer": "numpy.linalg.solve"}))
