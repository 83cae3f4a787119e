"""Watchdogs with the reference characterizations: 100 heterogeneous nodes,
10 functions, HTTPWatchdog replicas, Poisson load.

faassim cases (same scenario):
  * built-in: faassim.HTTPWatchdog with the reference characterization
    (claims cpu/gpu/blkio/net/ram on env.resource_state, draws the
    execution time from the bounded lognormal in C), requests from C-native
    Poisson sources: no Python runs per request;
  * python: an HTTPWatchdog subclass written the faas-sim way, whose claim_resources /
    release_resources are Python generators (get_resources, put/remove cpu
    and memory, `yield env.timeout(0)`); execution stays built in.
SimPy: an equivalent model written the faas-sim way: an arrival process per
function, a process per request, a simpy.Resource of workers per replica,
round robin, claim/release into per-replica dicts, a bounded lognormal
execution time by rejection with Python's random, one fets record per
request.

Timed: env.run() (the simulation: the figure the targets apply to, as in
bench_power), and the whole run: building the model, running it, and
(faassim) exporting the fets table. The checks' Python analysis of the
records runs outside both.
Checks (each case): every request completes; per (node type, image) the mean
execution time is within 5% of the bounded distribution's mean (where there
are >= 2,000 samples) and every sample lies within its bounds; every claim is
released (utilization back to exactly 0 in faassim; the dict sums to ~0 in
SimPy).
Targets: built-in >= 2,000,000 invocations/s; Python subclass >= 150,000/s;
the ratios to SimPy are printed.
"""
import collections
import math
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

NAME = "watchdog"
DEFAULT_REQUESTS = 2_000_000
NODE_TYPES = ("nano", "nx", "tx2", "xeongpu")
NODES_PER_TYPE = 25
REPLICAS = 5
WORKERS = 4
UTILIZATION = 0.5


def reference():
    import faassim as fs

    ref = fs.load_reference_characterizations()
    images = [i for i in ref.images if all((t, i) in ref.fet_oracle for t in NODE_TYPES)]
    assert len(images) == 10, images
    return ref, images


def scenario(images, ref):
    """Per function: name, image, rate (requests/s), so that the slowest node
    type runs at UTILIZATION."""
    out = []
    for k, image in enumerate(images):
        slowest = max(ref.fet_oracle.get(t, image).mean() for t in NODE_TYPES)
        out.append(("fn%d" % k, image, UTILIZATION * REPLICAS * WORKERS / slowest))
    return out


# -- faassim -------------------------------------------------------------------


def faassim_run(fs, ref, fns, n_per_fn, seed, python):
    env = fs.Environment(seed=seed)
    env.topology = fs.Topology(
        [fs.Node.from_device("%s_%d" % (t, i)) for i in range(NODES_PER_TYPE) for t in NODE_TYPES])

    class MyWatchdog(fs.HTTPWatchdog):
        def claim_resources(self, env, replica, request):
            r = self.characterization.get_resources(replica.node.name, replica.image)
            env.resource_state.put_resource(replica, "cpu", r.cpu)
            env.resource_state.put_resource(replica, "memory", r.ram)
            yield env.timeout(0)

        def release_resources(self, env, replica, request):
            r = self.characterization.get_resources(replica.node.name, replica.image)
            env.resource_state.remove_resource(replica, "cpu", r.cpu)
            env.resource_state.remove_resource(replica, "memory", r.ram)
            yield env.timeout(0)

    chars = {image: ref.characterization(image) for _, image, _ in fns}
    cls = MyWatchdog if python else fs.HTTPWatchdog

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return cls(WORKERS, chars[container.image])

    env.simulator_factory = Factory()
    for name, image, rate in fns:
        fn = fs.Function(name, [fs.FunctionImage(image)])
        container = fs.FunctionContainer(
            fn.fn_images[0], fs.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="64Mi"))
        env.faas.deploy(fs.FunctionDeployment(fn, [container], fs.ScalingConfiguration(scale_min=REPLICAS)))
        env.faas.add_source(name, fs.Poisson(rate), max_requests=n_per_fn)
    t0 = time.perf_counter()
    env.run()
    t_run = time.perf_counter() - t0
    fets = env.metrics.to_numpy("fets")
    return t_run, lambda: faassim_result(env, fns, fets)


def faassim_result(env, fns, fets):
    """The checks' view of a run (outside the timed region)."""
    node_type = {n.name: n.node_type for n in env.topology.get_nodes()}
    samples = collections.defaultdict(list)
    for node, image, t0, t1 in zip(fets["node"].tolist(), fets["function_image"].tolist(),
                                   fets["t_fet_start"].tolist(), fets["t_fet_end"].tolist()):
        samples[node_type[node], image].append(t1 - t0)
    residue = 0.0
    for name, _, _ in fns:
        for replica in env.faas.get_replicas(name):
            residue += sum(abs(v) for v in
                           env.resource_state.get_resource_utilization(replica).list_resources().values())
    return len(fets["t_fet_end"]), samples, residue


# -- SimPy ---------------------------------------------------------------------


def simpy_run(simpy, ref, fns, n_per_fn, seed):
    env = simpy.Environment()
    rng = random.Random(seed)
    types = [t for i in range(NODES_PER_TYPE) for t in NODE_TYPES]
    # round-robin placement over the nodes (the platform spreads similarly)
    placement = {}
    k = 0
    for name, image, _ in fns:
        placement[name] = []
        for r in range(REPLICAS):
            placement[name].append({"node_type": types[k % len(types)], "queue": simpy.Resource(env, WORKERS),
                                    "res": collections.defaultdict(float)})
            k += 7  # spread over the node types
    params = {(t, image): ref.fet_oracle.get(t, image).spec[1:] for t in NODE_TYPES for _, image, _ in fns}
    resources = {(t, image): ref.resource_oracle.get_resources(t, image) for t in NODE_TYPES for _, image, _ in fns}
    records = []

    def fet(node_type, image):
        (s, loc, scale), xmin, xmax = params[node_type, image]
        while True:  # faas-sim's BoundRejectionSampler
            x = loc + scale * math.exp(s * rng.gauss(0.0, 1.0))
            if xmin <= x <= xmax:
                return x

    def request(env, replica, image):
        token = replica["queue"].request()
        t_wait_start = env.now
        yield token
        t_fet_start = env.now
        r = resources[replica["node_type"], image]
        replica["res"]["cpu"] += r.cpu
        replica["res"]["memory"] += r.ram
        yield env.timeout(0)
        yield env.timeout(fet(replica["node_type"], image))
        replica["res"]["cpu"] -= r.cpu
        replica["res"]["memory"] -= r.ram
        yield env.timeout(0)
        records.append((replica["node_type"], image, t_wait_start, t_fet_start, env.now))
        replica["queue"].release(token)

    def arrivals(env, name, image, rate):
        reps = placement[name]
        counter = 0
        for _ in range(n_per_fn):
            yield env.timeout(rng.expovariate(rate))
            i = counter % len(reps)
            counter = (i + 1) % len(reps)
            env.process(request(env, reps[i], image))

    for name, image, rate in fns:
        env.process(arrivals(env, name, image, rate))
    t0 = time.perf_counter()
    env.run()
    t_run = time.perf_counter() - t0
    return t_run, lambda: simpy_result(records, placement)


def simpy_result(records, placement):
    samples = collections.defaultdict(list)
    for node_type, image, _, t0, t1 in records:
        samples[node_type, image].append(t1 - t0)
    residue = sum(abs(v) for reps in placement.values() for r in reps for v in r["res"].values())
    return len(records), samples, residue


def check(label, ref, result, total, exact_zero):
    n, samples, residue = result()
    assert n == total, (label, "completed", n, total)
    for (t, image), xs in samples.items():
        dist = ref.fet_oracle.get(t, image)
        _, _, xmin, xmax = dist.spec
        assert min(xs) >= xmin and max(xs) <= xmax, (label, t, image, "sample outside bounds")
        if len(xs) >= 2000:
            m = math.fsum(xs) / len(xs)
            assert abs(m / dist.mean() - 1) < 0.05, (label, t, image, m, dist.mean())
    assert residue == 0.0 if exact_zero else residue < 1e-6, (label, "claims not released", residue)


def main(argv=None):
    p = H.make_parser(__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=DEFAULT_REQUESTS,
                   help="invocations per faassim built-in run (default %d)" % DEFAULT_REQUESTS)
    p.add_argument("--simpy-requests", type=int, default=200_000,
                   help="invocations per SimPy and Python-subclass run (default 200,000)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    base, cand, fake = H.setup(args)
    if fake:
        raise SystemExit("this benchmark needs faassim (the built-in watchdog has no SimPy stand-in)")
    div = H.QUICK_DIVISOR if args.quick else 1
    ref, images = reference()
    fns = scenario(images, ref)
    big = args.requests // div // len(fns)
    small = args.simpy_requests // div // len(fns)
    print("%s: %d nodes (%s), %d functions x %d replicas x %d workers, utilization <= %.1f"
          % (NAME, NODES_PER_TYPE * len(NODE_TYPES), "/".join(NODE_TYPES), len(fns), REPLICAS, WORKERS,
             UTILIZATION))
    rows = []
    timings, whole = {}, {}
    for label, runner, n, exact in (
            ("simpy", lambda: simpy_run(base, ref, fns, small, args.seed), small, False),
            ("faassim python", lambda: faassim_run(cand, ref, fns, small, args.seed, True), small, True),
            ("faassim built-in", lambda: faassim_run(cand, ref, fns, big, args.seed, False), big, True)):
        times, runs = [], []
        for _ in range(args.repeat):  # each run checked, then dropped (memory stays that of one run)
            t, results = H.median_time(runner, 1)
            t_run, result = results[0]
            check(label, ref, result, n * len(fns), exact)
            times.append(t)
            runs.append(t_run)
            del results, result
        t = statistics.median(runs)
        whole[label] = statistics.median(times)
        timings[label] = (t, n * len(fns))
        print("  %-17s %9d requests  env.run() %.3f s  %10.0f invocations/s  (whole run %.3f s, %.0f/s)"
              % (label, n * len(fns), t, n * len(fns) / t, whole[label], n * len(fns) / whole[label]))
        sys.stdout.flush()
    rate = {k: n / t for k, (t, n) in timings.items()}
    simpy_t = timings["simpy"][0]
    for label, target in (("faassim built-in", 2_000_000), ("faassim python", 150_000)):
        ratio = rate[label] / rate["simpy"]
        print("  %s: %.0f invocations/s over env.run() (target %d), %.1fx SimPy's rate; whole run %.0f/s"
              % (label, rate[label], target, ratio, timings[label][1] / whole[label]))
        # the SimPy column holds the SimPy time scaled to this case's request count
        scaled = simpy_t * timings[label][1] / timings["simpy"][1]
        rows.append(H.row(NAME, "%s, %d req" % (label.split()[1], timings[label][1]), scaled, timings[label][0],
                          "%.0f inv/s; target >= %d" % (rate[label], target)))
    return H.finish(args, NAME, rows, base, cand, fake, extra={"invocations_per_s": rate})


if __name__ == "__main__":
    main()
