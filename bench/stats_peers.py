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
