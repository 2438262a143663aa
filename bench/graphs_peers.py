"""networkx and igraph peers of bench/graphs.rhai: the same tasks and sizes."""
import json, time, random
import numpy as np
import networkx as nx
import igraph as ig


def best_of(f, k=3):
    b = 1e9
    for _ in range(k):
        t = time.perf_counter(); f(); b = min(b, time.perf_counter() - t)
    return b


def row(task, size, peer, s):
    print(json.dumps({"task": f"{task} (vs {peer})", "size": size, "peer_s": s, "peer": peer}))


n = 10**6
T = "G(n, p) generation, ⟨k⟩ = 2"
row(T, "n = 10⁶", "networkx", best_of(lambda: nx.fast_gnp_random_graph(n, 2 / n, seed=1), 1))
row(T, "n = 10⁶", "igraph", best_of(lambda: ig.Graph.Erdos_Renyi(n, 2 / n)))
gn = nx.fast_gnp_random_graph(n, 2 / n, seed=1)
gi = ig.Graph(n=n, edges=list(gn.edges()))
T = "connected components of G(n, p), ⟨k⟩ = 2"
row(T, "n = 10⁶", "networkx", best_of(lambda: max(len(c) for c in nx.connected_components(gn)), 1))
row(T, "n = 10⁶", "igraph", best_of(lambda: max(gi.connected_components().sizes())))
g4n = nx.fast_gnp_random_graph(n, 4 / n, seed=2)
g4i = ig.Graph(n=n, edges=list(g4n.edges()))
T = "BFS distances from one node, G(n, p), ⟨k⟩ = 4"
row(T, "n = 10⁶", "networkx", best_of(lambda: nx.single_source_shortest_path_length(g4n, 0), 1))
row(T, "n = 10⁶", "igraph", best_of(lambda: g4i.distances(source=0)))
wsn = nx.watts_strogatz_graph(10**5, 10, 0.1, seed=3)
wsi = ig.Graph(n=10**5, edges=list(wsn.edges()))
T = "average clustering, Watts–Strogatz k = 10, β = 0.1"
row(T, "n = 10⁵", "networkx", best_of(lambda: nx.average_clustering(wsn), 1))
row(T, "n = 10⁵", "igraph", best_of(lambda: wsi.transitivity_avglocal_undirected(mode="zero")))
k = 100000
rng = np.random.default_rng(1)
t = time.perf_counter()
for _ in range(k):
    rng.uniform(0, 1, 8)
print(json.dumps({"task": "tiny call: uniform(8, 0, 1), per call", "size": "8 numbers", "peer_s": (time.perf_counter() - t) / k, "peer": "numpy Generator.uniform"}))
t = time.perf_counter()
for _ in range(k):
    rng.uniform(0, 1, 1000)
print(json.dumps({"task": "uniform(1000, 0, 1), per call", "size": "1000 numbers", "peer_s": (time.perf_counter() - t) / k, "peer": "numpy Generator.uniform"}))
a = rng.uniform(0, 1, 8)
t = time.perf_counter()
for _ in range(k):
    a.sum()
print(json.dumps({"task": "tiny call: a.sum() of 8 numbers, per call", "size": "8 numbers", "peer_s": (time.perf_counter() - t) / k, "peer": "numpy ndarray.sum"}))
