"""What does processor sharing (Node(cpu_sharing=...)) cost per request?

(a) bench_watchdog's scenario (100 reference nodes, 10 functions x 5
    HTTPWatchdog replicas x 4 workers, Poisson load, the reference
    characterizations' cpu claims, up to 1.42 of a node per request) with
    cpu sharing off, "proportional" and "equal" on every node (capacity 1.0,
    the whole node), runs interleaved, env.run() timed. Checks: every request
    completes and releases its claims; with sharing off, bench_watchdog's
    checks (mean execution time per (node type, image) within 5% of the
    distribution's, samples within bounds); with sharing on, per node, the
    cpu used plus the cpu claimed beyond the capacity equals the claims held
    (sum over the fets rows of claim x duration, 1e-9), the used cpu equals
    env.resource_state's cpu integral, and it never exceeds busy time x
    capacity.
(b) one node under heavy processor sharing: M/M/1-PS at rho = 0.9 (every
    request claims the whole node, ~9 executions share it on average):
    mean response time 1/(mu - lambda) = 10 within 5%.

Prints ns per request for each case and the cost of sharing per request
(the difference to sharing off). Times are the process's CPU time of
env.run() (single-threaded), steadier than wall time on a shared machine. No SimPy column: SimPy has no processor
sharing to compare with.
"""

import collections
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_watchdog as W  # noqa: E402

DEFAULT_REQUESTS = 1_000_000
MM1_REQUESTS = 200_000


def scenario_run(fs, ref, fns, n_per_fn, seed, sharing):
    env = fs.Environment(seed=seed)
    env.topology = fs.Topology(
        [fs.Node.from_device("%s_%d" % (t, i), cpu_sharing=sharing)
         for i in range(W.NODES_PER_TYPE) for t in W.NODE_TYPES])
    chars = {image: ref.characterization(image) for _, image, _ in fns}

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return fs.HTTPWatchdog(W.WORKERS, chars[container.image])

    env.simulator_factory = Factory()
    for name, image, rate in fns:
        fn = fs.Function(name, [fs.FunctionImage(image)])
        container = fs.FunctionContainer(
            fn.fn_images[0], fs.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="64Mi"))
        env.faas.deploy(fs.FunctionDeployment(fn, [container], fs.ScalingConfiguration(scale_min=W.REPLICAS)))
        env.faas.add_source(name, fs.Poisson(rate), max_requests=n_per_fn)
    t0 = time.process_time()
    env.run()
    return time.process_time() - t0, env


def check_shared(env, ref, total):
    f = env.metrics.to_numpy("fets")
    assert len(f["t_fet_end"]) == total, ("completed", len(f["t_fet_end"]), total)
    node_type = {n.name: n.node_type for n in env.topology.get_nodes()}
    held = collections.defaultdict(list)
    for node, image, t0, t1 in zip(f["node"].tolist(), f["function_image"].tolist(), f["t_fet_start"].tolist(),
                                   f["t_fet_end"].tolist()):
        held[node].append(ref.resource_oracle.get_resources(node_type[node], image).cpu * (t1 - t0))
    stretched = 0
    for node, claims in held.items():
        info = env.faas.cpu_sharing(node)
        claimed = math.fsum(claims)
        assert abs(info["used_integral"] + info["excess_integral"] - claimed) <= 1e-9 * claimed, (node, info)
        used = env.resource_state.get_integral(node, "cpu")
        assert abs(used - info["used_integral"]) <= 1e-9 * claimed, (node, used, info)
        assert info["used_integral"] <= info["busy_time"] * info["capacity"] * (1 + 1e-12), (node, info)
        stretched += info["excess_integral"] > 0
    for name in {n for n in f["function_name"].tolist()}:
        for replica in env.faas.get_replicas(name):
            util = env.resource_state.get_resource_utilization(replica).list_resources()
            assert all(v == 0.0 for v in util.values()), (replica, util)
    return stretched


def mm1_run(fs, n, seed, rho=0.9):
    lam, mu = rho, 1.0
    ch = fs.FunctionCharacterization(
        "img", fs.FetOracle({("node", "img"): fs.distributions.Exponential(mu)}),
        fs.ResourceOracle({("node", "img"): fs.FunctionResourceCharacterization(1.0, 0, 0, 0, 0)}))

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return fs.ForkingWatchdog(ch)

    env = fs.Environment(seed=seed)
    env.topology = fs.Topology([fs.Node("node_0", "4", "8Gi", cpu_sharing="proportional")])
    env.simulator_factory = Factory()
    fn = fs.Function("f", [fs.FunctionImage("img")])
    env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))
    env.faas.add_source("f", fs.Poisson(lam), max_requests=n)
    t0 = time.process_time()
    env.run()
    t = time.process_time() - t0
    f = env.metrics.to_numpy("fets")
    resp = (f["t_fet_end"] - f["t_fet_start"])
    assert len(resp) == n
    kept = resp[n // 10:]
    kept = kept[:len(kept) // 20 * 20]
    mean = float(kept.mean())
    # the run's own standard error from 20 batch means (a run at rho = 0.9
    # is strongly correlated: about 2% at 200,000 requests)
    se = float(kept.reshape(20, -1).mean(axis=1).std(ddof=1)) / math.sqrt(20)
    assert abs(mean - 1 / (mu - lam)) < 4 * se + 0.01 / (mu - lam), (mean, se)
    return t, mean


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=DEFAULT_REQUESTS)
    p.add_argument("--mm1-requests", type=int, default=MM1_REQUESTS)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="1/20 of the sizes")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    import faassim as fs
    import faassim.distributions  # noqa: F401

    div = 20 if args.quick else 1
    ref, images = W.reference()
    fns = W.scenario(images, ref)
    per_fn = args.requests // div // len(fns)
    total = per_fn * len(fns)
    print("contention (a): %d nodes, %d functions x %d replicas x %d workers, %d requests per run"
          % (W.NODES_PER_TYPE * len(W.NODE_TYPES), len(fns), W.REPLICAS, W.WORKERS, total))
    times = collections.defaultdict(list)
    for _ in range(args.repeat):  # interleaved: the machine's drift hits every case alike
        for sharing in (None, "proportional", "equal"):
            t, env = scenario_run(fs, ref, fns, per_fn, args.seed, sharing)
            if sharing is None:
                f = env.metrics.to_numpy("fets")
                W.check("off", ref, lambda e=env, f=f: W.faassim_result(e, fns, f), total, True)
                stretched = 0
            else:
                stretched = check_shared(env, ref, total)
            times[sharing].append((t, stretched))
            del env
    off = statistics.median(t for t, _ in times[None])
    for sharing in (None, "proportional", "equal"):
        t = statistics.median(x for x, _ in times[sharing])
        extra = "" if sharing is None else "  sharing costs %+.0f ns/request (%+.1f%%), %d nodes ever over capacity" % (
            (t - off) / total * 1e9, (t / off - 1) * 100, times[sharing][0][1])
        print("  %-13s env.run() %.3f s  %6.0f ns/request%s" % (sharing or "off", t, t / total * 1e9, extra))
    n = args.mm1_requests // div
    runs = [mm1_run(fs, n, args.seed + k) for k in range(args.repeat)]
    t = statistics.median(r[0] for r in runs)
    print("contention (b): M/M/1-PS rho=0.9, %d requests: env.run() %.3f s, %.0f ns/request; mean response %s"
          " (1/(mu-lambda) = 10)" % (n, t, t / n * 1e9, ", ".join("%.2f" % r[1] for r in runs)))


if __name__ == "__main__":
    main()
