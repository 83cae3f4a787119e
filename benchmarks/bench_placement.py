"""How long does placement with faas-sim's default scheduler configuration
take on a large cluster?

faassim places 1,000 replicas (one deployment, ``scale_min=1000``) on 10,000
nodes with ``Scheduler.faas_sim_default()``: predicates PodFitsResources and
no storage node; priorities balanced resources, latency-aware image locality,
locality type, data locality and capability, weight 1 each, every node
scored. Nodes are heterogeneous (four capacities, edge and cloud, a few
storage nodes, capabilities, registry bandwidths, an image already present on
some, data-item bandwidths). The time is the process CPU time of
``env.run()`` (the machine may be shared; CPU time is steadier than wall
time), which includes the platform's work per replica (creation, metrics
rows, lifecycle).

The same placements are computed by a pure-Python implementation of the same
scoring (skippy's formulas on dicts, as skippy's Scheduler does it) for the
first ``--python-replicas`` replicas (default 20; Python takes tens of
milliseconds per placement here); the benchmark asserts that both choose the
same nodes, and prints milliseconds per placement for each and their ratio.

    python benchmarks/bench_placement.py [--nodes N] [--replicas N] [--python-replicas N] [--repeat N]

The platform brings its node table up to date before every placement: it
asks ``env.topology`` for its nodes only when the topology is another object
or its ``version`` has grown since the last time. A second faassim run uses
a topology without ``version`` (as faas-sim users write them: ``get_nodes()``
only), which is asked before every placement; building a 10,000-element
list costs about a millisecond by itself, which that run shows.

Target: 1,000 replicas on 10,000 nodes well under one second.
"""
import argparse
import math
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import faassim  # noqa: E402
from faassim import placement as P  # noqa: E402
from faassim.model import KubernetesResourceConfiguration, Resources  # noqa: E402

MI = 1024 * 1024
GI = 1024 * MI
IMAGE_SIZES = {"x86": 420_000_000, "arm": 310_000_000}
DATA = {"bucket/in": 200_000_000}
CPU, MEM = 250, 256 * MI
POD_LABELS = {"capability.skippy.io/gpu": "yes", "data.skippy.io/receives-from-storage/path": "bucket/in"}


def cluster(n, seed=7):
    """Node descriptions (dicts) of a heterogeneous cluster."""
    rng = random.Random(seed)
    nodes = []
    for i in range(n):
        kind = rng.choice(["rpi", "nuc", "tx2", "server"])
        cpu, mem = {"rpi": (4000, 1 * GI), "nuc": (4000, 16 * GI), "tx2": (4000, 8 * GI), "server": (88000, 188 * GI)}[kind]
        labels = {"locality.skippy.io/type": "cloud" if kind == "server" else "edge"}
        if rng.random() < 0.01:
            labels["data.skippy.io/storage"] = "true"
        if kind == "tx2":
            labels["capability.skippy.io/gpu"] = "yes"
        nodes.append(
            {
                "name": f"{kind}_{i}",
                "cpu": cpu,
                "mem": mem,
                "arch": "arm" if kind in ("rpi", "tx2") else "x86",
                "labels": labels,
                "ac": 0,
                "am": 0,
                "images": {"img"} if rng.random() < 0.05 else set(),
                "bw": 1.25e9 if kind == "server" else rng.choice([12.5e6, 25e6, 125e6]),
                "data": {"bucket/in": (rng.choice([12.5e6, 125e6, 1.25e9]), rng.choice([12.5e6, 125e6]))},
            }
        )
    return nodes


class UnversionedTopology:
    """A topology with get_nodes() and no version: the platform asks it for
    its nodes before every placement (a fresh 10,000-element list each
    time)."""

    def __init__(self, nodes):
        self._topology = faassim.Topology(nodes)

    def get_nodes(self):
        return self._topology.get_nodes()


def run_faassim(desc, replicas, topology=faassim.Topology):
    env = faassim.Environment(seed=1)
    env.topology = topology(
        [faassim.Node(d["name"], d["cpu"], d["mem"], arch=d["arch"], labels=d["labels"]) for d in desc]
    )
    env.scheduler = faassim.Scheduler.faas_sim_default()
    for a, s in IMAGE_SIZES.items():
        env.container_registry.put("img", s, arch=a)
    for item, size in DATA.items():
        P.set_data_item(env, item, size)
    P.set_registry_bandwidth(env, {d["name"]: d["bw"] for d in desc})
    for d in desc:
        if d["images"]:
            P.set_node_images(env, d["name"], d["images"])
        for item, (r, s) in d["data"].items():
            P.set_node_data(env, d["name"], item, r, s)
    fn = faassim.Function("fn", [faassim.FunctionImage("img")])
    c = faassim.FunctionContainer(fn.fn_images[0], KubernetesResourceConfiguration(Resources(CPU, MEM)), labels=POD_LABELS)
    fd = faassim.FunctionDeployment(fn, [c], faassim.ScalingConfiguration(scale_min=replicas, scale_max=replicas))
    t0 = time.process_time()
    env.faas.deploy(fd)
    env.run(until=1)
    dt = time.process_time() - t0
    cols = env.metrics.to_numpy("schedule")
    names = [n for v, n in zip(cols["value"], cols["node_name"]) if v == "finish"]
    return dt, names


# -- pure Python: skippy's formulas -------------------------------------------------------


def py_schedule(nodes, replicas):
    n = len(nodes)
    start, out = 0, []
    pod_caps = {k: v for k, v in POD_LABELS.items() if "capability.skippy.io" in k}
    for _ in range(replicas):
        feas = []
        for e in range(n):
            nd = nodes[(start + e) % n]
            if CPU <= nd["cpu"] - nd["ac"] and MEM <= nd["mem"] - nd["am"] and "data.skippy.io/storage" not in nd["labels"]:
                feas.append(nd)
        start = (nodes.index(feas[-1]) + 1) % n
        # balanced
        bal = []
        for nd in feas:
            fc, fm = CPU / ((nd["cpu"] - nd["ac"]) or 1), MEM / ((nd["mem"] - nd["am"]) or 1)
            bal.append(0 if fc >= 1 or fm >= 1 else int((1 - abs(fc - fm)) * 10))
        # latency-aware image locality
        t = [0 if "img" in nd["images"] else int(IMAGE_SIZES[nd["arch"]] / nd["bw"]) for nd in feas]
        lo, hi = min(t), max(t)
        img = [0] * len(t) if hi == 0 else [int(10 * (hi - x + lo) / hi) for x in t]
        # locality type
        loc = [10 if nd["labels"].get("locality.skippy.io/type") == "edge" else 0 for nd in feas]
        # data locality (receive only)
        t = [int(DATA["bucket/in"] / nd["data"]["bucket/in"][0]) for nd in feas]
        lo, hi = min(t), max(t)
        data = [0] * len(t) if lo == hi else [int(((x - hi) / (lo - hi)) * 10) for x in t]
        # capability
        c = [sum(1 for k, v in nd["labels"].items() if "capability.skippy.io" in k and pod_caps.get(k) == v) for nd in feas]
        lo, hi = min(c), max(c)
        cap = [0] * len(c) if lo == hi else [int(((x - lo) / (hi - lo)) * 10) for x in c]
        totals = [0.0] * len(feas)
        for scores in (bal, img, loc, data, cap):
            totals = [s * 1.0 + tt for s, tt in zip(scores, totals)]
        best = max(zip(feas, totals), key=lambda x: x[1])[0]
        best["ac"] += CPU
        best["am"] += MEM
        best["images"].add("img")
        out.append(best["name"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--replicas", type=int, default=1_000)
    ap.add_argument("--python-replicas", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1,000 nodes, 100 replicas")
    a = ap.parse_args()
    if a.quick:
        a.nodes, a.replicas, a.python_replicas, a.repeat = 1_000, 100, 10, 1
    desc = cluster(a.nodes)
    times, names = [], None
    for _ in range(a.repeat):
        dt, got = run_faassim(cluster(a.nodes), a.replicas)
        assert names is None or got == names, "faassim placements differ between repeats"
        names = got
        times.append(dt)
    assert len(names) == a.replicas and "None" not in names
    plain_times = []
    for _ in range(a.repeat):
        dt, got = run_faassim(cluster(a.nodes), a.replicas, UnversionedTopology)
        assert got == names, "placements differ with the unversioned topology"
        plain_times.append(dt)
    k = min(a.python_replicas, a.replicas)
    t0 = time.process_time()
    ref = py_schedule(desc, k)
    py_dt = time.process_time() - t0
    assert ref == names[:k], f"pure Python and faassim disagree: {ref[:5]} vs {names[:5]}"
    fs = statistics.median(times)
    fc = statistics.median(plain_times)
    fs_ms, fc_ms, py_ms = fs / a.replicas * 1e3, fc / a.replicas * 1e3, py_dt / k * 1e3
    print(f"placement: {a.replicas} replicas on {a.nodes} nodes, faas-sim's default priorities (5), every node scored")
    print(f"  faassim       {fs:8.3f} s total   {fs_ms:8.3f} ms per placement   (median of {a.repeat}, CPU time of env.run())")
    print(f"  faassim*      {fc:8.3f} s total   {fc_ms:8.3f} ms per placement   (*: a topology without version, see UnversionedTopology)")
    print(f"  pure Python   {py_dt:8.3f} s for {k}   {py_ms:8.3f} ms per placement   (same scoring, same choices)")
    print(f"  ratio Python/faassim per placement: {py_ms / fs_ms:.1f}x (faassim*: {py_ms / fc_ms:.1f}x)")
    print(f"  distinct nodes used: {len(set(names))}; first choices {names[:3]}")


if __name__ == "__main__":
    main()
