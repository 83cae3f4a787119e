"""The default scenario for one simulated hour: how long does it take, and
how much memory, with per-invocation records and with aggregates only, and
how does a SimPy model of the same scenario compare?

The scenario of `python -m faassim run` (faassim.scenario: 230 edge and
cloud nodes, 4 functions on 230 HTTPWatchdog replicas, Poisson load of
1,000 requests/s, least-outstanding routing, resource monitor every 5 s,
power models and exact energy) for 3,600 simulated seconds: about 3.6
million invocations.

Modes, each run in a fresh subprocess (peak memory is the child's
ru_maxrss, which counts C allocations too; the import-only baseline of a
child is shown for reference):
  * records: every invocations and fets row kept (the default);
  * aggregates: keep_records=False, aggregates only (--no-records);
  * simpy: the same scenario written the faas-sim way on SimPy 4, for a
    shorter simulated time (--simpy-duration, default 300 s: about 300,000
    invocations; --quick: 60 s; 0 skips it). Its parameters (nodes,
    functions, images, workers, rates, the reference characterizations,
    power profiles) are read from faassim's configuration and packaged data
    in another child and passed to it as JSON: the SimPy child imports
    SimPy, not faassim (nor NumPy). Per function a Poisson arrival
    process (Python's random.Random); per request a process that routes to
    the replica with the fewest requests in flight (min() over the
    function's replicas, ties to the earliest), waits for one of the
    replica's workers (a simpy.Resource), claims the characterized cpu,
    gpu, blkio, net and ram into the replica's and the node's dicts, holds
    for the bounded lognormal execution time of (node type, image) (drawn
    by rejection, as faas-sim's BoundRejectionSampler), releases, and
    appends a fets row and an invocations row (tuples) to lists. Replicas
    are placed as faassim's least-allocated scheduler does (which fixes the
    routing order). A monitor process samples every replica's utilization
    (a row and a resource window per replica that holds something) and
    every node's every 5 s, as faas-sim's ResourceMonitor; energy is the
    simple faas-sim way: each sample's node power (idle + the profile's
    cpu, gpu and memory terms times the node's utilization at that instant)
    times the time since the previous sample (a final sample at the end),
    not faassim's exact integral.
Timed: `sim` = the simulation (Simulation.run; SimPy: building the model,
placement included, and env.run), `total` = building the scenario + the
simulation + the summary (percentiles over every request with records;
faassim only). Memory: peak RSS after the simulation and with the summary
(which reads the rows back as NumPy arrays), and the metrics' own storage;
SimPy's peak RSS is that of its shorter run. Medians of --repeat runs per
mode, runs interleaved. The SimPy time is reported per simulated hour
(scaled from its duration), and the ratio faassim records / SimPy in
invocations per second of `sim` (the table's SimPy column holds the SimPy
time scaled to the records run's invocation count, so simpy s / faassim s
is that ratio).

Checks: every faassim run conserves requests (arrived = completed + in
flight + waiting), its throughput is within 2% of the offered load, and both
modes and all repeats complete exactly the same requests (records do not
change the simulation; same seed, same results). The SimPy model, against
faassim's records mode run for the same short duration (same seed, other
random streams): request conservation (arrived = completed + in flight, one
fets and one invocations row per completed request), throughput within 2%
of the offered load, the same replica order (placement) per function,
every execution time within its distribution's bounds and the mean per
(node type, image) within 3% of the distribution's mean (groups with >=
2,000 samples), the mean cpu utilization per node type (time-weighted, from
the fets rows) within 5% relative of faassim's exact one (node types with
>= 2,000 executions in the SimPy run; the monitor's sampled means are
printed), total energy within 5% of faassim's exact energy, and identical
results in all repeats.
Target: the records run under 5 s (one core); the rest is reported.
"""
import argparse
import collections
import itertools
import json
import math
import operator
import os
import random
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

NAME = "scenario"
DEFAULT_DURATION = 3600.0
DEFAULT_SIMPY_DURATION = 300.0
MIN_SIMPY_DURATION = 60.0
MODES = ("records", "aggregates")
RESOURCES = ("cpu", "gpu", "blkio", "net", "ram")
MIN_SAMPLES = 2000  # per (node type, image) for the mean check; per node type for the utilization check
FET_TOLERANCE = 0.03
UTIL_TOLERANCE = 0.05
ENERGY_TOLERANCE = 0.05


# -- faassim -------------------------------------------------------------------


def child(mode, duration, seed):
    """Run one mode in this process; print one JSON line."""
    sys.path.insert(0, H.REPO_ROOT)
    t0 = time.perf_counter()
    from faassim import scenario

    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if mode == "baseline":
        print(json.dumps({"mode": mode, "rss_kib": rss_import}))
        return
    config = scenario.ScenarioConfig(duration=duration, seed=seed, keep_records=(mode == "records"))
    t1 = time.perf_counter()
    sim = scenario.build_scenario(config)  # what run_scenario does, with the memory after the run
    t2 = time.perf_counter()
    sim.run()
    t3 = time.perf_counter()
    rss_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = scenario._summarize(config, sim.env, t3 - t2)
    total = time.perf_counter() - t1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = result.totals
    print(json.dumps({
        "mode": mode,
        "sim_s": t3 - t2,
        "total_s": total,
        "import_s": t1 - t0,
        "arrived": t["arrived"],
        "completed": t["completed"],
        "in_flight": t["in_flight"],
        "waiting": t["waiting"],
        "failed": t["failed"],
        "offered": config.total_rate(),
        "duration": result.duration,
        "metrics_mib": sim.env.metrics._nbytes / 2**20,
        "rss_sim_kib": rss_sim,
        "rss_kib": rss,
        "rss_import_kib": rss_import,
        # for the SimPy model's checks (read after the measurements)
        "energy": t["energy"],
        "node_types": {n.node_type: {"nodes": n.nodes, "cpu": n.cpu, "energy": n.energy} for n in result.node_types},
        "order": {name: [r.node.name for r in sim.env.faas.discover(name)] for name in config.functions},
    }))


def run_child(mode, duration, seed, stdin=None):
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", mode, "--duration", repr(duration), "--seed", str(seed)],
        capture_output=True, text=True, check=False, input=stdin)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit("the %s child failed (exit status %d)" % (mode, out.returncode))
    return json.loads(out.stdout.strip().splitlines()[-1])


def check(r):
    assert r["arrived"] == r["completed"] + r["in_flight"] + r["waiting"] + r["failed"], r
    assert r["failed"] == 0, r
    throughput = r["completed"] / r["duration"]
    assert abs(throughput - r["offered"]) <= 0.02 * r["offered"], (throughput, r["offered"])


# -- SimPy -----------------------------------------------------------------------


def scenario_params(duration):
    """The default scenario's parameters as plain JSON values, from faassim's
    configuration and packaged data (the SimPy child does not import faassim)."""
    from faassim import NodePowerModel, scenario

    config = scenario.ScenarioConfig(duration=duration)
    assert (config.load, config.load_balancer, config.simulator, config.power) == (
        "poisson", "least_outstanding", "http", True), "the SimPy model covers the default scenario only"
    devices = scenario._device_types()
    images = scenario._image_table()
    ref = scenario._reference()
    nodes = [["%s_%d" % (t, i), t, devices[t].cpu_millis, devices[t].memory]
             for t, count in config.nodes.items() for i in range(count)]
    functions, characterizations = [], []
    for name, fc in config.functions.items():
        placements = []
        for p in fc.images:
            row = images[p.image][devices[p.node_types[0]].arch]  # as scenario._deployments
            placements.append({
                "image": p.image, "node_types": list(p.node_types),
                "workers": fc.workers if fc.workers is not None else int(row["workers"]),
                "cpu_millis": int(row["cpu_request_millis"]), "memory": int(row["memory_request_bytes"])})
            for t in p.node_types:
                dist = ref.fet_oracle.get(t, p.image)
                kind, (s, loc, scale), xmin, xmax = dist.spec
                assert kind == "lognormal", dist.spec
                r = ref.resource_oracle.get_resources(t, p.image)
                characterizations.append({"node_type": t, "image": p.image, "fet": [s, loc, scale, xmin, xmax],
                                          "mean": dist.mean(), "resources": [getattr(r, k) for k in RESOURCES]})
        functions.append({"name": name, "rate": fc.rate * config.load_scale,
                          "replicas_per_node": fc.replicas_per_node, "images": placements})
    power = {}
    for t in config.nodes:
        cpu, gpu, _net, memory = NodePowerModel.for_device(t).coef_.tolist()  # as scenario._node_power_model
        power[t] = [NodePowerModel.for_device(t).idle, cpu, gpu, memory]
    return {"nodes": nodes, "functions": functions, "characterizations": characterizations, "power": power,
            "monitor_interval": config.monitor_interval, "offered": config.total_rate()}


class Node:
    def __init__(self, name, node_type, cpu_millis, memory, power):
        self.name = name
        self.node_type = node_type
        self.capacity = (cpu_millis, memory)
        self.allocated = [0, 0]  # cpu millis and memory bytes requested by its replicas
        self.utilization = dict.fromkeys(RESOURCES, 0.0)  # the sum of its replicas' claims
        self.idle, self.cpu_watts, self.gpu_watts, self.memory_watts = power
        self.energy = 0.0
        self.last_sample = 0.0


class Replica:
    def __init__(self, env, simpy, replica_id, function, image, node, workers, memory, characterization):
        self.replica_id = replica_id
        self.function = function
        self.image = image
        self.node = node
        self.queue = simpy.Resource(env, workers)  # the HTTP watchdog's workers
        self.memory = memory
        self.utilization = dict.fromkeys(RESOURCES, 0.0)
        self.in_flight = 0
        self.resources = characterization["resources"]  # cpu, gpu, blkio, net, ram while a request runs
        self.fet = characterization["fet"]  # s, loc, scale, xmin, xmax of the bounded lognormal


def place(p, nodes, make_replica):
    """Each function's replicas image by image, each on the feasible node
    (one of the image's node types, enough cpu and memory left) with the
    lowest requested cpu + memory fractions after placing it, ties to the
    earliest node (faassim's default least-allocated scheduler; exact
    integer comparisons)."""
    functions = {}
    replica_id = 0
    for f in p["functions"]:
        replicas = functions[f["name"]] = []
        for pl in f["images"]:
            types = set(pl["node_types"])
            count = sum(n.node_type in types for n in nodes) * f["replicas_per_node"]
            req_cpu, req_mem = pl["cpu_millis"], pl["memory"]
            for _ in range(count):
                best = None
                for node in nodes:
                    (cc, cm), (ac, am) = node.capacity, node.allocated
                    if node.node_type not in types or ac + req_cpu > cc or am + req_mem > cm:
                        continue
                    num, den = (ac + req_cpu) * cm + (am + req_mem) * cc, cc * cm
                    if best is None or num * best[2] < best[1] * den:
                        best = (node, num, den)
                assert best is not None, ("no node for", f["name"], pl["image"])
                node = best[0]
                node.allocated[0] += req_cpu
                node.allocated[1] += req_mem
                replicas.append(make_replica(replica_id, f["name"], pl, node))
                replica_id += 1
    return functions


def simpy_model(simpy, p, duration, seed):
    """The default scenario on SimPy, the faas-sim way; returns what the
    checks need (the records and the model's state)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    chars = {(c["node_type"], c["image"]): c for c in p["characterizations"]}
    nodes = [Node(name, t, cpu, mem, p["power"][t]) for name, t, cpu, mem in p["nodes"]]
    functions = place(p, nodes, lambda rid, fn, pl, node: Replica(
        env, simpy, rid, fn, pl["image"], node, pl["workers"], pl["memory"], chars[node.node_type, pl["image"]]))
    replicas = [r for rs in functions.values() for r in rs]
    fets, invocations = [], []  # one row (a tuple) per completed request each
    function_utilization, node_utilization, power = [], [], []  # the monitor's rows
    windows = collections.defaultdict(list)  # the metrics server: replica id -> [(time, resources)]
    arrived = collections.Counter()
    request_ids = itertools.count()
    least_outstanding = operator.attrgetter("in_flight")

    def fet(replica):
        s, loc, scale, xmin, xmax = replica.fet
        while True:  # faas-sim's BoundRejectionSampler
            x = loc + scale * math.exp(s * rng.gauss(0.0, 1.0))
            if xmin <= x <= xmax:
                return x

    def invoke(env, function, request_id):
        # the platform: least outstanding requests, ties to the earliest replica
        replica = min(functions[function], key=least_outstanding)
        replica.in_flight += 1
        t_start = env.now
        # the HTTP watchdog: wait for a worker, claim, execute, release
        token = replica.queue.request()
        t_wait_start = env.now
        yield token
        t_fet_start = env.now
        node = replica.node
        for k, v in zip(RESOURCES, replica.resources):
            replica.utilization[k] += v
            node.utilization[k] += v
        yield env.timeout(0)
        yield env.timeout(fet(replica))
        for k, v in zip(RESOURCES, replica.resources):
            replica.utilization[k] -= v
            node.utilization[k] -= v
        yield env.timeout(0)
        t_fet_end = env.now
        fets.append((t_fet_end, t_fet_start, t_fet_end, t_wait_start, t_fet_start, function, replica.image,
                     node.name, replica.replica_id, request_id))
        replica.queue.release(token)
        replica.in_flight -= 1
        # t_wait (for a replica) is 0: every function has running replicas from the start
        invocations.append((env.now, 0.0, env.now - t_start, t_start, replica.memory, function, replica.image,
                            node.name, replica.replica_id))

    def arrivals(env, function, rate):
        while True:
            yield env.timeout(rng.expovariate(rate))
            arrived[function] += 1
            env.process(invoke(env, function, next(request_ids)))

    def sample(now, log=True):
        if log:
            for replica in replicas:
                u = replica.utilization
                if any(u.values()):  # faas-sim skips empty utilizations
                    function_utilization.append((now, replica.function, replica.replica_id, replica.node.name,
                                                 u["cpu"], u["gpu"], u["blkio"], u["net"], u["ram"]))
                    windows[replica.replica_id].append((now, dict(u)))
        for node in nodes:
            u = node.utilization
            watts = node.idle + node.cpu_watts * u["cpu"] + node.gpu_watts * u["gpu"] + node.memory_watts * u["ram"]
            node.energy += watts * (now - node.last_sample)
            node.last_sample = now
            if log:
                node_utilization.append((now, node.name, u["cpu"], u["gpu"], u["blkio"], u["net"], u["ram"]))
                power.append((now, node.name, watts))

    def monitor(env, interval):
        while True:
            yield env.timeout(interval)
            sample(env.now)

    for f in p["functions"]:
        env.process(arrivals(env, f["name"], f["rate"]))
    env.process(monitor(env, p["monitor_interval"]))
    env.run(until=duration)
    sample(env.now, log=False)  # the energy of the last interval
    return {"nodes": nodes, "functions": functions, "fets": fets, "invocations": invocations, "arrived": arrived,
            "function_utilization": function_utilization, "node_utilization": node_utilization, "power": power,
            "windows": windows, "now": env.now}


def simpy_child(duration, seed):
    """Run the SimPy model in this process (parameters as JSON on stdin);
    print one JSON line."""
    p = json.loads(sys.stdin.read())
    import simpy

    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    m = simpy_model(simpy, p, duration, seed)
    sim = time.perf_counter() - t0
    rss_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # the checks' view (outside the timed region)
    node_type = {n.name: n.node_type for n in m["nodes"]}
    chars = {(c["node_type"], c["image"]): c for c in p["characterizations"]}
    groups = collections.defaultdict(lambda: [0, [], math.inf, -math.inf])  # count, times, min, max
    cpu_seconds = collections.Counter()
    executions = collections.Counter()
    for row in m["fets"]:
        t, image = node_type[row[7]], row[6]
        x = row[2] - row[1]
        g = groups[t, image]
        g[0] += 1
        g[1].append(x)
        g[2], g[3] = min(g[2], x), max(g[3], x)
        cpu_seconds[t] += chars[t, image]["resources"][0] * x
        executions[t] += 1
    count = collections.Counter(n.node_type for n in m["nodes"])
    sampled = collections.defaultdict(list)
    for row in m["node_utilization"]:
        sampled[node_type[row[1]]].append(row[2])
    energy = collections.Counter()
    for n in m["nodes"]:
        energy[n.node_type] += n.energy
    replicas = [r for rs in m["functions"].values() for r in rs]
    print(json.dumps({
        "mode": "simpy",
        "sim_s": sim,
        "duration": m["now"],
        "offered": p["offered"],
        "arrived": sum(m["arrived"].values()),
        "completed": len(m["fets"]),
        "invocations_rows": len(m["invocations"]),
        "in_flight": sum(r.in_flight for r in replicas),
        "queued": sum(len(r.queue.queue) for r in replicas),
        "waiting": 0,  # requests never wait for a replica here
        "failed": 0,
        "monitor_rows": [len(m["function_utilization"]), len(m["node_utilization"]), len(m["power"])],
        "exec": [[t, image, g[0], math.fsum(g[1]) / g[0], g[2], g[3]] for (t, image), g in groups.items()],
        "node_types": {t: {"nodes": count[t], "executions": executions[t],
                           "cpu": cpu_seconds[t] / (m["now"] * count[t]),
                           "cpu_sampled": statistics.fmean(sampled[t]) if sampled[t] else None,
                           "energy": energy[t]} for t in count},
        "energy": math.fsum(energy.values()),
        "order": {fn: [r.node.name for r in rs] for fn, rs in m["functions"].items()},
        "rss_sim_kib": rss_sim,
        "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_import_kib": rss_import,
    }))


def check_simpy(s, f, p):
    """The SimPy run s against faassim's records run f of the same duration."""
    assert s["arrived"] == s["completed"] + s["in_flight"], ("simpy", "conservation", s["arrived"], s["completed"],
                                                            s["in_flight"])
    assert s["invocations_rows"] == s["completed"], ("simpy", "invocations rows", s["invocations_rows"])
    throughput = s["completed"] / s["duration"]
    assert abs(throughput - s["offered"]) <= 0.02 * s["offered"], ("simpy", "throughput", throughput)
    assert s["order"] == f["order"], ("simpy", "replica order differs from faassim's placement")
    chars = {(c["node_type"], c["image"]): c for c in p["characterizations"]}
    checked = []
    for t, image, n, mean, lo, hi in s["exec"]:
        c = chars[t, image]
        xmin, xmax = c["fet"][3:]
        assert xmin <= lo and hi <= xmax, ("simpy", t, image, "execution time outside the bounds", lo, hi)
        if n >= MIN_SAMPLES:
            assert abs(mean / c["mean"] - 1) <= FET_TOLERANCE, ("simpy", t, image, "mean execution time", mean,
                                                                 c["mean"])
            checked.append((t, image))
    util = []
    for t, u in s["node_types"].items():
        ref = f["node_types"][t]["cpu"]
        if u["executions"] >= MIN_SAMPLES:
            assert abs(u["cpu"] / ref - 1) <= UTIL_TOLERANCE, ("simpy", t, "mean cpu utilization", u["cpu"], ref)
        util.append((t, u["cpu"], u["cpu_sampled"], ref, u["executions"] >= MIN_SAMPLES))
    assert abs(s["energy"] / f["energy"] - 1) <= ENERGY_TOLERANCE, ("simpy", "energy", s["energy"], f["energy"])
    return checked, util


# -- main ------------------------------------------------------------------------


def main(argv=None):
    p = H.make_parser(__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=DEFAULT_DURATION,
                   help="simulated seconds of the faassim runs (default %d)" % DEFAULT_DURATION)
    p.add_argument("--simpy-duration", type=float, default=DEFAULT_SIMPY_DURATION,
                   help="simulated seconds of the SimPy runs (default %d; --quick divides it, down to %d at "
                   "least; 0: no SimPy run)" % (DEFAULT_SIMPY_DURATION, MIN_SIMPY_DURATION))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--child", choices=MODES + ("baseline", "simpy", "params"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child == "simpy":
        simpy_child(args.duration, args.seed)
        return None
    if args.child == "params":
        sys.path.insert(0, H.REPO_ROOT)
        print(json.dumps(scenario_params(args.duration)))
        return None
    if args.child:
        child(args.child, args.duration, args.seed)
        return None
    if args.repeat < 1:
        raise SystemExit("--repeat must be >= 1")
    div = H.QUICK_DIVISOR if args.quick else 1
    duration = args.duration / div
    # at least 60 s: in shorter runs the requests still in flight at the end are too large a share for the
    # throughput check
    simpy_duration = max(args.simpy_duration / div, MIN_SIMPY_DURATION) if args.simpy_duration > 0 else 0.0
    print("faassim default scenario, %.0f simulated s, seed %d, repeat=%d%s"
          % (duration, args.seed, args.repeat, ", quick" if args.quick else ""))
    sys.stdout.flush()
    baseline = run_child("baseline", duration, args.seed)["rss_kib"]
    params = short = None
    if simpy_duration > 0:
        # parameters from faassim in a child: the parent stays small (a child's ru_maxrss starts at its parent's)
        params = run_child("params", simpy_duration, args.seed)
        stdin = json.dumps(params)
        short = run_child("records", simpy_duration, args.seed)  # the SimPy model's reference
        check(short)
        print("  %-10s sim %.3f s for %.0f simulated s (the SimPy checks' reference, %d invocations)"
              % ("records", short["sim_s"], simpy_duration, short["completed"]))
        sys.stdout.flush()
    runs = {mode: [] for mode in MODES}
    simpy_runs = []
    for _ in range(args.repeat):
        for mode in MODES:  # interleaved
            r = run_child(mode, duration, args.seed)
            check(r)
            runs[mode].append(r)
            print("  %-10s sim %.3f s  total %.3f s  peak RSS %.0f MiB after the run, %.0f MiB with the summary"
                  "  (metrics %.0f MiB, %d invocations)"
                  % (mode, r["sim_s"], r["total_s"], r["rss_sim_kib"] / 1024, r["rss_kib"] / 1024,
                     r["metrics_mib"], r["completed"]))
            sys.stdout.flush()
        if params is not None:
            r = run_child("simpy", simpy_duration, args.seed, stdin=stdin)
            simpy_runs.append(r)
            print("  %-10s sim %.3f s for %.0f simulated s (%.1f s per simulated hour)  peak RSS %.0f MiB"
                  "  (%d invocations)"
                  % ("simpy", r["sim_s"], r["duration"], r["sim_s"] * 3600 / r["duration"], r["rss_kib"] / 1024,
                     r["completed"]))
            sys.stdout.flush()
    completed = {r["completed"] for rs in runs.values() for r in rs}
    assert len(completed) == 1, ("runs differ", completed)
    n = completed.pop()
    checked = util = None
    if simpy_runs:
        keys = ("arrived", "completed", "in_flight", "exec", "node_types", "energy")
        assert all([r[k] for k in keys] == [simpy_runs[0][k] for k in keys] for r in simpy_runs), "SimPy runs differ"
        checked, util = check_simpy(simpy_runs[0], short, params)
    rows = []
    med = lambda rs, key: statistics.median(r[key] for r in rs)  # noqa: E731
    print()
    print("%-10s %8s %8s %10s %17s %18s %12s" % ("mode", "sim s", "total s", "sim inv/s", "RSS after run MiB",
                                                "RSS w/ summary MiB", "metrics MiB"))
    for mode in MODES:
        sim, total = med(runs[mode], "sim_s"), med(runs[mode], "total_s")
        rss_sim, rss = med(runs[mode], "rss_sim_kib") / 1024, med(runs[mode], "rss_kib") / 1024
        print("%-10s %8.3f %8.3f %10s %17.0f %18.0f %12.0f" % (mode, sim, total, format(round(n / sim), ","),
                                                                 rss_sim, rss, med(runs[mode], "metrics_mib")))
        row = H.row(NAME, mode, None, sim,
                    "total %.3f s, peak RSS %.0f MiB (%.0f after the run)" % (total, rss, rss_sim))
        row.update({"total_s": total, "rss_mib": rss, "rss_sim_mib": rss_sim, "invocations": n})
        rows.append(row)
    simpy_summary = None
    if simpy_runs:
        s0 = simpy_runs[0]
        s_sim, s_n = med(simpy_runs, "sim_s"), s0["completed"]
        s_rate = s_n / s_sim
        per_hour = s_sim * 3600 / s0["duration"]
        per_duration = s_sim * duration / s0["duration"]
        print("%-10s %8.3f %8s %10s %17.0f %18s %12s" % ("simpy*", per_duration, "-", format(round(s_rate), ","),
                                                         med(simpy_runs, "rss_sim_kib") / 1024, "-", "-"))
        records = rows[0]
        ratio = (n / records["faassim_s"]) / s_rate
        print("* simpy: %.3f s for %.0f simulated s (%s invocations; peak RSS %.0f MiB, %.0f MiB after importing "
              "SimPy), the time scaled to %.0f s above: %.1f s per simulated hour"
              % (s_sim, s0["duration"], format(s_n, ","), med(simpy_runs, "rss_kib") / 1024,
                 s0["rss_import_kib"] / 1024, duration, per_hour))
        print("faassim records / SimPy: %.1fx the invocations per second (%s vs %s inv/s over `sim`)"
              % (ratio, format(round(n / records["faassim_s"]), ","), format(round(s_rate), ",")))
        print("SimPy checks vs faassim records for %.0f s (%s invocations): mean execution time of %d (node type, "
              "image) groups within %d%%; mean cpu utilization per node type (SimPy from its fets rows / sampled by "
              "its monitor / faassim exact; * checked within %d%%):"
              % (s0["duration"], format(short["completed"], ","), len(checked), FET_TOLERANCE * 100,
                 UTIL_TOLERANCE * 100))
        print("  " + "  ".join("%s %.1f/%s/%.1f%%%s" % (t, 100 * a, "-" if b is None else "%.1f" % (100 * b),
                                                       100 * c, "*" if ok else "") for t, a, b, c, ok in util))
        print("  energy: SimPy %.1f kJ (sampled every %g s) vs faassim %.1f kJ (exact): %+.2f%%"
              % (s0["energy"] / 1e3, params["monitor_interval"], short["energy"] / 1e3,
                 100 * (s0["energy"] / short["energy"] - 1)))
        # the SimPy column: SimPy's time for the records run's invocations, so that the ratio is the inv/s ratio
        records["simpy_s"] = s_sim * n / s_n
        records["ratio"] = records["simpy_s"] / records["faassim_s"]
        records["note"] += "; SimPy %.1f s per simulated hour (%.0f inv/s, %.0f s run)" % (per_hour, s_rate,
                                                                                           s0["duration"])
        simpy_summary = {"duration": s0["duration"], "sim_s": s_sim, "invocations": s_n,
                         "invocations_per_s": s_rate, "s_per_simulated_hour": per_hour, "ratio_inv_per_s": ratio,
                         "rss_mib": med(simpy_runs, "rss_kib") / 1024, "runs": simpy_runs, "reference": short}
    print("import-only child: %.0f MiB; %s invocations per run; target: records run < 5 s"
          % (baseline / 1024, format(n, ",")))
    sys.path.insert(0, H.REPO_ROOT)  # (imported only now: the children's ru_maxrss would start at the parent's)
    import faassim
    import simpy

    return H.finish(args, NAME, rows, simpy, faassim, False,
                    extra={"duration": duration, "baseline_rss_mib": baseline / 1024, "runs": runs,
                           "simpy": simpy_summary})


if __name__ == "__main__":
    main()
