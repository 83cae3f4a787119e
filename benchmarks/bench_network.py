"""What does max-min fair bandwidth sharing cost in faassim.FlowNetwork (C,
recomputed per connected component) against a plain Python model that
recomputes every rate at every change, as faas-sim's network does?

Workloads (the same arrivals, drawn from a fixed seed, on both):
  (a) image pulls: 1,000 nodes in 20 cells of 50; a node's route is its
      NIC (1 Gbit/s), its cell's uplink (0.5 .. 2 Gbit/s) and the registry's
      link (20 Gbit/s); each node pulls one image of 50 .. 500 MB, starting
      uniformly in [0, 60) s. Goodput 0.97 (faas-sim's).
  (b) one shared uplink (1 Gbit/s) saturated by 1 MB payloads arriving as a
      Poisson process at 200 requests/s, 2,000 requests.
  (c) cost per reallocation against the size of the affected component:
      10,000 flows in components of 1 .. 10,000 flows (one link each, flows
      spread evenly); each change cancels one flow and starts another on
      the same link. The cost follows the component, not the 10,000.

Checks (only these can fail the run): in (a) and (b) every flow completes
at the Python model's time to 1e-9 relative and delivers exactly its size;
bytes per link equal the sum of the sizes crossing it (1e-9); in (c) the
engine visits exactly one component per change.

    python benchmarks/bench_network.py [--quick] [--repeat N]
"""
import argparse
import heapq
import math
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import faassim  # noqa: E402

GBIT = 1e9 / 8  # bytes/s


# -- the Python model: progressive filling over every flow at every change -----


def fill(active, bw):
    """Max-min fair rates of every active flow (dict id -> flow)."""
    count, on_link = {}, {}
    for fid, f in active.items():
        for l in f["route"]:
            count[l] = count.get(l, 0) + 1
            on_link.setdefault(l, []).append(fid)
    resid = {l: bw[l] for l in count}
    frozen = set()
    while count:
        link = min(count, key=lambda l: (max(resid[l], 0.0) / count[l], l))
        share = max(resid[link], 0.0) / count[link]
        for fid in on_link[link]:
            if fid in frozen:
                continue
            frozen.add(fid)
            active[fid]["rate"] = share
            for l in active[fid]["route"]:
                resid[l] -= share
                count[l] -= 1
                if count[l] == 0:
                    del count[l]


def python_model(bw, arrivals):
    """arrivals: (time, route, size, goodput) in time order. Returns the
    completion time of each flow (by arrival index)."""
    active, ends, now = {}, [None] * len(arrivals), 0.0
    i = 0
    while i < len(arrivals) or active:
        # next completion (scan) against next arrival
        best, who = math.inf, None
        for fid, f in active.items():
            t = now + f["rem"] / (f["rate"] * f["g"])
            if t < best:
                best, who = t, fid
        ta = arrivals[i][0] if i < len(arrivals) else math.inf
        t = min(best, ta)
        for f in active.values():
            f["rem"] -= (t - now) * f["rate"] * f["g"]
        now = t
        if best <= ta:
            done = [fid for fid, f in active.items() if f["rem"] <= 1e-12 * f["size"] or fid == who]
            for fid in done:
                ends[fid] = now
                del active[fid]
        else:
            _, route, size, g = arrivals[i]
            active[i] = dict(route=route, rem=size, size=size, g=g, rate=0.0)
            i += 1
        fill(active, bw)
    return ends


# -- faassim ---------------------------------------------------------------------


def faassim_run(bw, arrivals):
    env = faassim.Environment()
    net = faassim.FlowNetwork(env)
    net.log_flows = False
    links = [net.add_link(b) for b in bw]
    flows = []

    def driver(env):
        for t, route, size, g in arrivals:
            if t > env.now:
                yield env.timeout(t - env.now)
            flows.append(net.transfer([links[l] for l in route], size, goodput=g))

    env.process(driver(env))
    t0 = time.perf_counter()
    env.run()
    wall = time.perf_counter() - t0
    return wall, env, net, flows


def check(name, bw, arrivals, ends, net, flows):
    assert len(flows) == len(arrivals)
    carried = [0.0] * len(bw)
    for (t, route, size, g), f, ref in zip(arrivals, flows, ends):
        assert f.sent == size and f.triggered, (name, f)
        assert abs(f.end - ref) <= 1e-9 * max(1.0, abs(ref)), (name, f.end, ref)
        for l in route:
            carried[l] += size
    for l, c in enumerate(carried):
        got = net.link(l)["bytes"]
        assert abs(got - c) <= 1e-9 * max(1.0, c), (name, l, got, c)


def workload_pulls(rng, nodes, cells):
    per_cell = nodes // cells
    bw = [1 * GBIT] * nodes + [rng.uniform(0.5, 2.0) * GBIT for _ in range(cells)] + [20 * GBIT]
    registry = nodes + cells
    arrivals = []
    for n in range(nodes):
        route = [n, nodes + n // per_cell, registry]
        arrivals.append((rng.uniform(0.0, 60.0), route, rng.uniform(50e6, 500e6), 0.97))
    arrivals.sort(key=lambda a: a[0])
    return bw, arrivals


def workload_uplink(rng, requests, rate):
    t, arrivals = 0.0, []
    for _ in range(requests):
        t += rng.expovariate(rate)
        arrivals.append((t, [0], 1e6, 1.0))
    return [1 * GBIT], arrivals


def compare(name, bw, arrivals, repeat):
    t0 = time.perf_counter()
    ends = python_model(bw, arrivals)
    py = time.perf_counter() - t0
    walls = []
    for _ in range(repeat):
        wall, env, net, flows = faassim_run(bw, arrivals)
        check(name, bw, arrivals, ends, net, flows)
        walls.append(wall)
    c = statistics.median(walls)
    s = net.stats
    print(
        f"{name}: {len(arrivals)} flows, {len(bw)} links, {s['reallocations']} reallocations "
        f"(mean component {s['flows_visited'] / max(1, s['reallocations']):.0f} flows), simulated {env.now:.1f} s"
    )
    print(f"    python model {py:8.3f} s   faassim {c:8.4f} s   ratio {py / c:6.1f}x")
    return py, c


def component_cost(total, sizes, changes):
    print(f"(c) cost per change, {total} active flows in components of S flows ({changes} changes each):")
    print("    S        components  us/change  flows visited/change")
    out = []
    for size in sizes:
        ncomp = total // size
        env = faassim.Environment()
        net = faassim.FlowNetwork(env)
        net.log_flows = False
        links = [net.add_link(1e9) for _ in range(ncomp)]
        live = [[net.transfer([links[c]], 1e18) for _ in range(size)] for c in range(ncomp)]
        rng = random.Random(5)
        before = net.stats
        t0 = time.perf_counter()
        for k in range(changes):
            c = rng.randrange(ncomp)
            net.cancel(live[c].pop(0))
            live[c].append(net.transfer([links[c]], 1e18))
        dt = time.perf_counter() - t0
        after = net.stats
        visited = (after["flows_visited"] - before["flows_visited"]) / changes
        # a cancel reallocates S - 1 flows, a start S
        assert visited == (size - 1) + size, (size, visited)
        assert len(net.flows) == total
        print(f"    {size:<8} {ncomp:<11} {dt / changes * 1e6:9.2f}  {visited:8.0f}")
        out.append((size, dt / changes))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller workloads (smoke test)")
    p.add_argument("--repeat", type=int, default=3, help="faassim repetitions (median shown)")
    args = p.parse_args()
    nodes, requests = (200, 400) if args.quick else (1000, 2000)
    rng = random.Random(20261207)
    print(f"faassim {faassim.__version__} from {os.path.dirname(faassim.__file__)}")
    compare(f"(a) image pulls, {nodes} nodes", *workload_pulls(rng, nodes, 20), args.repeat)
    compare(f"(b) shared uplink, {requests} x 1 MB at 200/s", *workload_uplink(rng, requests, 200.0), args.repeat)
    total = 1000 if args.quick else 10000
    sizes = [s for s in (1, 10, 100, 1000, 10000) if s <= total]
    component_cost(total, sizes, 200 if args.quick else 2000)


if __name__ == "__main__":
    main()
