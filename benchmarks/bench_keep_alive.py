"""At equal wasted memory-time, does the hybrid histogram keep-alive policy
("Serverless in the Wild", Shahrad et al., USENIX ATC 2020) make fewer cold
starts than a fixed keep-alive?

Replays the packaged synthetic Azure Functions 2019 trace (12 functions, one
day of per-minute counts; ``--trace`` takes another file in that layout, e.g.
one written by ``faassim.workload.write_synthetic_azure_2019`` with more
minutes) on one deployment per trace function (256 MiB, scale to zero, one
replica, a ``--cold-start`` seconds startup, requests that take no time), once
per policy: fixed keep-alives of several minutes, the hybrid histogram with
several head/tail percentiles and ranges, and no unloading. For each it prints
the cold starts (all, as a share of the requests, and the 75th percentile of
the per-function shares, the paper's metric), and the wasted memory-time (idle
replicas' memory x time, from ``faassim.cold_start_stats``), also relative to
the 10-minute fixed keep-alive.

The check: each hybrid configuration is compared with the fixed keep-alive
curve interpolated (linearly, between the two TTLs whose wasted memory-time
brackets it) at the hybrid's wasted memory-time, for the cold starts and for
the 75th percentile of the functions' cold-start shares (the paper's metric);
"fewer" when the hybrid is below the curve. Whether it is depends on the mix
of functions: the hybrid policy's tail percentile (99th) means about 1% cold
starts for a frequently invoked function whose idle times are short, which a
long fixed keep-alive avoids at little memory cost; it wins on infrequent and
periodic functions. The run fails only on a wrong answer: requests lost
(every request completes), or a run that is not repeatable (the first policy is
run twice and must give identical figures). Not a timed test.

    python benchmarks/bench_keep_alive.py [--hours H] [--cold-start S] [--resolution S] [--trace FILE]
"""

import argparse
import bisect
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import faassim as fs  # noqa: E402
from faassim import workload  # noqa: E402

MEMORY = "256Mi"


class ColdStart(fs.FunctionSimulator):
    """A replica takes `delay` seconds to start; requests take no time."""

    def __init__(self, delay):
        self.delay = delay

    def startup(self, env, replica):
        yield env.timeout(self.delay)


class Factory(fs.SimulatorFactory):
    def __init__(self, delay):
        self.delay = delay

    def create(self, env, container):
        return ColdStart(self.delay)


def run(policy, trace, minutes, cold_start, resolution, seed=1):
    env = fs.Environment(seed=seed)
    env.topology = fs.Topology([fs.Node(f"node_{i}", "64", "512Gi") for i in range(4)])
    env.simulator_factory = Factory(cold_start)
    mapping = {}
    for i, key in enumerate(trace):
        name = f"fn{i:02d}"
        mapping[key] = name
        fn = fs.Function(name, [fs.FunctionImage(f"{name}-img")])
        container = fs.FunctionContainer(
            fn.fn_images[0], fs.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory=MEMORY))
        env.faas.deploy(fs.FunctionDeployment(fn, [container], fs.ScalingConfiguration(
            scale_min=1, scale_max=1, scale_zero=True)))
    fs.KeepAlive(env, keep_alive=600, policy=policy, resolution=resolution).start()
    workload.replay_azure_2019(env, trace, mapping, minutes=(0, minutes))
    t0 = time.perf_counter()
    env.run(until=60.0 * minutes + 60.0)
    wall = time.perf_counter() - t0
    stats = fs.cold_start_stats(env)
    arrived = sum(env.faas.function_stats(n)["invoked"] + env.faas.function_stats(n)["waiting"]
                  for n in stats["function_name"].tolist())
    assert arrived == int(stats["requests"].sum()), "a request did not complete"
    shares = stats["cold_start_share"][stats["requests"] > 0]
    return {
        "requests": int(stats["requests"].sum()),
        "cold": int(stats["cold_starts"].sum()),
        "p75": float(np.percentile(shares, 75)) if shares.size else math.nan,
        "wasted": float(stats["wasted_memory_time"].sum()) / 2**30 / 3600,  # GiB-hours
        "wall": wall,
    }


def interpolate(curve, x):
    """Cold starts of the fixed curve [(wasted, cold), ...] at wasted memory-time x (None outside it)."""
    curve = sorted(curve)
    xs = [w for w, _ in curve]
    if not curve or x < xs[0] or x > xs[-1]:
        return None
    i = bisect.bisect_left(xs, x)
    if xs[i] == x:
        return curve[i][1]
    (x0, y0), (x1, y1) = curve[i - 1], curve[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=None, help="replay only the first H hours")
    parser.add_argument("--cold-start", type=float, default=1.0, help="seconds a replica takes to start")
    parser.add_argument("--resolution", type=float, default=1.0, help="KeepAlive's check interval (s)")
    parser.add_argument("--trace", default=None, help="an Azure Functions 2019 per-minute file")
    parser.add_argument("--quick", action="store_true", help="6 hours, fewer policies")
    args = parser.parse_args()
    trace = workload.read_azure_2019(args.trace or workload.synthetic_azure_path(2019))
    total_minutes = len(next(iter(trace.values())).counts)
    hours = 6 if args.quick and args.hours is None else args.hours
    minutes = total_minutes if hours is None else min(total_minutes, int(hours * 60))
    ttls = [1, 5, 10, 20, 60] if args.quick else [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 240]
    hybrids = [(5, 99, 4)] if args.quick else [(5, 99, 4), (5, 95, 4), (1, 99, 4), (10, 90, 4), (5, 99, 2),
                                                (5, 90, 2), (5, 99, 1)]
    print(f"trace: {args.trace or 'packaged synthetic Azure 2019'}, {len(trace)} functions, {minutes} minutes; "
          f"cold start {args.cold_start:g} s, {MEMORY} per replica")
    rows = []
    for ttl in ttls:
        rows.append((f"fixed {ttl} min", "fixed", run(fs.FixedKeepAlive(60 * ttl), trace, minutes, args.cold_start,
                                                      args.resolution)))
    for head, tail, rng in hybrids:
        policy = fs.HybridHistogramPolicy(range=3600 * rng, head=head, tail=tail)
        rows.append((f"hybrid {head}/{tail}% {rng} h", "hybrid", run(policy, trace, minutes, args.cold_start,
                                                                     args.resolution)))
    rows.append(("no unloading", "none", run(fs.NoUnloading(), trace, minutes, args.cold_start, args.resolution)))
    again = run(fs.FixedKeepAlive(60 * ttls[0]), trace, minutes, args.cold_start, args.resolution)
    first = rows[0][2]
    assert {k: v for k, v in again.items() if k != "wall"} == {k: v for k, v in first.items() if k != "wall"}, \
        "the same run gave different figures"
    base = next((r for label, _, r in rows if label == "fixed 10 min"), rows[0][2])
    curves = {key: [(r["wasted"], r[key]) for _, kind, r in rows if kind == "fixed"] for key in ("cold", "p75")}
    print(f"\n{'policy':<22}{'requests':>9}{'cold':>8}{'cold %':>8}{'p75 fn %':>10}{'wasted GiB-h':>14}"
          f"{'vs 10 min':>10}{'fixed at same waste: cold':>27}{'p75 fn %':>16}{'wall s':>8}")
    verdicts = {"cold": [], "p75": []}
    for label, kind, r in rows:
        cells = ["", ""]
        if kind == "hybrid":
            for i, (key, scale, fmt) in enumerate((("cold", 1, ",.0f"), ("p75", 100, ".1f"))):
                ref = interpolate(curves[key], r["wasted"])
                cells[i] = "outside" if ref is None else f"{scale * ref:{fmt}} ({'fewer' if r[key] < ref else 'MORE'})"
                verdicts[key].append(None if ref is None else r[key] < ref)
        print(f"{label:<22}{r['requests']:>9,}{r['cold']:>8,}{100 * r['cold'] / r['requests']:>8.2f}"
              f"{100 * r['p75']:>10.1f}{r['wasted']:>14,.2f}{r['wasted'] / base['wasted']:>10.2f}{cells[0]:>27}"
              f"{cells[1]:>16}{r['wall']:>8.1f}")
    for key, what in (("cold", "cold starts"), ("p75", "75th percentile of the functions' cold-start shares")):
        compared = [v for v in verdicts[key] if v is not None]
        print(f"hybrid configurations below the fixed keep-alive curve at equal wasted memory-time ({what}): "
              f"{sum(compared)} of {len(compared)} ({len(verdicts[key]) - len(compared)} outside the curve)")


if __name__ == "__main__":
    main()
