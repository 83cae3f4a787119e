"""FaaS platform: 100 nodes, 10 functions, Poisson arrivals from Python, a
Python FunctionSimulator whose invoke does `yield env.timeout(sampled)`.

faassim runs its platform (env.faas: deploy, placement, round-robin load
balancing, invocation, one `invocations` metrics row per request) with a
Python FunctionSimulator subclass and one Python arrival process per
function calling env.faas.invoke(FunctionRequest(name)). SimPy runs a minimal
model of the same platform logic: an arrival loop per function, one process
per request, faas-sim's round robin over the function's replicas, the
execution timeout, one record per invocation.

Both draw arrivals and execution times from identical `random.Random`
streams in the same order, so the sample paths are identical. Checks:
  * both engines complete every request;
  * per-replica request counts are equal, and the sums of execution times
    and of start times agree to 1e-9 relative;
  * every request starts when it arrives (t_wait == 0: replicas are up).
Targets: faassim >= 200,000 completed invocations per second of wall time,
and >= 3x the SimPy model.
"""
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

NAME = "platform"
DEFAULT_REQUESTS = 1_000_000
NODES = 100
FUNCTIONS = 10
REPLICAS = 5  # per function
RATE = 100.0  # requests/s per function
MEAN_EXEC = 0.05  # s


def streams(seed):
    arrivals = [random.Random(seed * 1000 + i) for i in range(FUNCTIONS)]
    return arrivals, random.Random(seed * 1000 + 999)


# -- SimPy: the minimal model ------------------------------------------------


def simpy_run(sim, n_per_fn, seed):
    env = sim.Environment()
    arr, exe = streams(seed)
    replicas = {"fn%d" % f: ["fn%d-r%d" % (f, r) for r in range(REPLICAS)] for f in range(FUNCTIONS)}
    counters = {name: 0 for name in replicas}
    records = []

    def request(env, name, replica, t_received):
        t_start = env.now
        yield env.timeout(exe.expovariate(1.0 / MEAN_EXEC))
        records.append((name, replica, t_start - t_received, t_start, env.now - t_start))

    def arrivals(env, name, rng):
        reps = replicas[name]
        for _ in range(n_per_fn):
            yield env.timeout(rng.expovariate(RATE))
            # faas-sim's RoundRobinLoadBalancer
            i = counters[name] % len(reps)
            counters[name] = (i + 1) % len(reps)
            env.process(request(env, name, reps[i], env.now))

    for f in range(FUNCTIONS):
        env.process(arrivals(env, "fn%d" % f, arr[f]))
    env.run()
    counts = {}
    for name, replica, _, _, _ in records:
        counts[replica] = counts.get(replica, 0) + 1
    return (len(records), counts, math.fsum(r[4] for r in records), math.fsum(r[3] for r in records),
            max(r[2] for r in records))


# -- faassim: the platform ----------------------------------------------------


def faassim_run(fs, n_per_fn, seed):
    env = fs.Environment(seed=seed)
    arr, exe = streams(seed)
    env.topology = fs.Topology([fs.Node("node_%d" % i, "8", "16Gi") for i in range(NODES)])

    class ExecSimulator(fs.FunctionSimulator):
        def invoke(self, env, replica, request):
            yield env.timeout(exe.expovariate(1.0 / MEAN_EXEC))

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return ExecSimulator()

    env.simulator_factory = Factory()
    for f in range(FUNCTIONS):
        fn = fs.Function("fn%d" % f, [fs.FunctionImage("fn%d-img" % f)])
        container = fs.FunctionContainer(
            fn.fn_images[0], fs.KubernetesResourceConfiguration.create_from_str(cpu="500m", memory="256Mi"))
        env.faas.deploy(fs.FunctionDeployment(fn, [container], fs.ScalingConfiguration(scale_min=REPLICAS)))

    def arrivals(env, name, rng):
        invoke, request, timeout = env.faas.invoke, fs.FunctionRequest, env.timeout
        for _ in range(n_per_fn):
            yield timeout(rng.expovariate(RATE))
            invoke(request(name))

    for f in range(FUNCTIONS):
        env.process(arrivals(env, "fn%d" % f, arr[f]))
    env.run()
    cols = env.metrics.to_numpy("invocations")
    counts = {}
    for name, rid in zip(cols["function_name"].tolist(), cols["replica_id"].tolist()):
        key = "%s-r%d" % (name, rid % REPLICAS)
        counts[key] = counts.get(key, 0) + 1
    return (len(cols["t_exec"]), counts, math.fsum(cols["t_exec"].tolist()), math.fsum(cols["t_start"].tolist()),
            float(cols["t_wait"].max()))


def rel(x, y):
    return abs(x - y) / abs(y)


def main(argv=None):
    p = H.make_parser(__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=DEFAULT_REQUESTS,
                   help="invocations per run, over all functions (default %d)" % DEFAULT_REQUESTS)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    base, cand, fake = H.setup(args)
    total = args.requests // H.QUICK_DIVISOR if args.quick else args.requests
    n_per_fn = total // FUNCTIONS
    total = n_per_fn * FUNCTIONS
    print("%s: %d nodes, %d functions x %d replicas, %d requests (%.0f/s per function, mean exec %.3f s)"
          % (NAME, NODES, FUNCTIONS, REPLICAS, total, RATE, MEAN_EXEC))
    sys.stdout.flush()
    runs = {}
    for eng, sim, fn in (("simpy", base, simpy_run), ("faassim", cand, faassim_run if not fake else simpy_run)):
        t, results = H.median_time(lambda: fn(sim, n_per_fn, args.seed), args.repeat)
        r = results[0]
        assert all(x == r for x in results), (eng, "repetitions differ")
        assert r[0] == total, (eng, "completed", r[0], total)
        assert r[4] == 0.0, (eng, "a request waited", r[4])
        runs[eng] = (t, r)
        print("  %-8s %.3f s  %.0f invocations/s" % (eng, t, total / t))
        sys.stdout.flush()
    (ts, rs), (tf, rf) = runs["simpy"], runs["faassim"]
    assert rs[1] == rf[1], ("per-replica counts differ", rs[1], rf[1])
    assert rel(rf[2], rs[2]) <= 1e-9 and rel(rf[3], rs[3]) <= 1e-9, ("sample paths differ", rs[2:4], rf[2:4])
    rate = total / tf
    print("  identical sample paths; faassim %.0f invocations/s (target 200,000), %.2fx SimPy (target 3x)"
          % (rate, ts / tf))
    rows = [H.row(NAME, "%d nodes, %d fns, %d requests" % (NODES, FUNCTIONS, total), ts, tf,
                  "%.0f inv/s; targets >= 200k inv/s, >= 3x" % rate)]
    return H.finish(args, NAME, rows, base, cand, fake, extra={"invocations_per_s": rate})


if __name__ == "__main__":
    main()
