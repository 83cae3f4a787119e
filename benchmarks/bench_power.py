"""Power prediction and exact energy on bench_watchdog's scenario: 100
reference nodes, 10 functions x 5 HTTP replicas x 4 workers, Poisson load.

faassim cases (same scenario, same random draws):
  * http: faassim.HTTPWatchdog with the reference characterization
    (bench_watchdog's built-in case): no power;
  * power: faassim.PowerPredictionSimulator with, per node, a
    LinearPowerModel on the features (cpu, gpu, blkio, net, ram) made from
    the node power preset of its device type (the cpu, gpu and memory terms;
    the preset's idle power set with env.energy.set_idle_power): each
    request's power is predicted in C and claimed as `power` on
    env.resource_state with the five resources, and its fets row gets the
    fields watts and joules; env.energy.table() is read at the end (exact
    energy per node: idle + the integral of the claimed power);
  * python: a Python subclass of PowerPredictionSimulator, written as
    faas-sim's power-prediction extension: claim_resources and
    release_resources are Python generators that call
    env.power_models[node].predict(features.reshape(1, -1))[0] per request
    and put / remove the six resources (execution stays built in).
SimPy: an equivalent model written the faas-sim way (bench_watchdog's SimPy
model, plus per request a NumPy linear model's predict on the five features
and energy summed per node as power x execution time).

Checks (each faassim case): every request completes; every claim is
released (exactly 0 left); the http and power runs draw the same execution
times (same fets rows); in the power and python runs, each node's energy
equals its idle energy plus the sum of its requests' energies (1e-9
relative), the latter computed here from the fets rows, the
characterization and the model.
Targets: the power case less than 15% slower than the http case, timed
over env.run() (the simulation; runs interleaved, medians of --repeat; the
whole run with setup and reading the results back is shown too); the python
subclass's cost per request is reported.
"""
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402
import bench_watchdog as W  # noqa: E402

NAME = "power"
DEFAULT_REQUESTS = 2_000_000


def power_models(fs):
    """Per device type: (idle W, a LinearPowerModel on cpu, gpu, blkio, net,
    ram) from the power presets' idle, cpu, gpu and memory terms (the
    reference characterizations give net in bytes/s, not as a fraction)."""
    out = {}
    for t, p in fs.load_power_profiles().items():
        c = p.coef_.tolist()
        out[t] = (p.idle, fs.LinearPowerModel([c[0], c[1], 0.0, 0.0, c[3]], 0.0))
    return out


def python_subclass(fs, np):
    class MySim(fs.PowerPredictionSimulator):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.resources = {}

        def claim_resources(self, env, replica, request):
            r = self.characterization.get_resources(replica.node.name, replica.image)
            features = np.array([r.cpu, r.gpu, r.blkio, r.net, r.ram])
            power = env.power_models[replica.node.name].predict(features.reshape(1, -1))[0]
            self.resources[request.request_id] = (r, power)
            rs = env.resource_state
            rs.put_resource(replica, "cpu", r.cpu)
            rs.put_resource(replica, "gpu", r.gpu)
            rs.put_resource(replica, "blkio", r.blkio)
            rs.put_resource(replica, "net", r.net)
            rs.put_resource(replica, "ram", r.ram)
            rs.put_resource(replica, "power", power)
            yield env.timeout(0)

        def release_resources(self, env, replica, request):
            r, power = self.resources.pop(request.request_id)
            rs = env.resource_state
            rs.remove_resource(replica, "cpu", r.cpu)
            rs.remove_resource(replica, "gpu", r.gpu)
            rs.remove_resource(replica, "blkio", r.blkio)
            rs.remove_resource(replica, "net", r.net)
            rs.remove_resource(replica, "ram", r.ram)
            rs.remove_resource(replica, "power", power)
            yield env.timeout(0)

    return MySim


def faassim_run(fs, ref, fns, n_per_fn, seed, case):
    import numpy as np

    env = fs.Environment(seed=seed)
    nodes = [fs.Node.from_device("%s_%d" % (t, i)) for i in range(W.NODES_PER_TYPE) for t in W.NODE_TYPES]
    env.topology = fs.Topology(nodes)
    presets = power_models(fs)
    node_type = {n.name: n.node_type for n in nodes}
    if case != "http":
        for n in nodes:
            idle, model = presets[n.node_type]
            env.power_models[n.name] = model
            env.energy.set_idle_power(n.name, idle)
    cls = {"http": fs.HTTPWatchdog, "power": fs.PowerPredictionSimulator, "python": python_subclass(fs, np)}[case]
    chars = {image: ref.characterization(image) for _, image, _ in fns}

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return cls(W.WORKERS, chars[container.image])

    env.simulator_factory = Factory()
    for name, image, rate in fns:
        fn = fs.Function(name, [fs.FunctionImage(image)])
        container = fs.FunctionContainer(
            fn.fn_images[0], fs.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="64Mi"))
        env.faas.deploy(fs.FunctionDeployment(fn, [container], fs.ScalingConfiguration(scale_min=W.REPLICAS)))
        env.faas.add_source(name, fs.Poisson(rate), max_requests=n_per_fn)
    t0 = time.perf_counter()
    env.run()
    t_run = time.perf_counter() - t0
    energy = idle = None
    if case != "http":
        table = env.energy.table()
        nodes_only = table["kind"] == "node"
        energy = dict(zip(table["name"][nodes_only].tolist(), table["total"][nodes_only].tolist()))
        idle = dict(zip(table["name"][nodes_only].tolist(), table["idle"][nodes_only].tolist()))
    fets = env.metrics.to_numpy("fets")
    residue = 0.0
    for name, _, _ in fns:
        for replica in env.faas.get_replicas(name):
            residue += sum(abs(v) for v in
                           env.resource_state.get_resource_utilization(replica).list_resources().values())
    cols = (fets["node"].tolist(), fets["function_image"].tolist(), fets["t_fet_start"].tolist(),
            fets["t_fet_end"].tolist())
    return {"n": len(cols[0]), "fets": cols, "residue": residue, "energy": energy, "idle": idle,
            "node_type": node_type, "presets": presets, "now": env.now, "t_run": t_run}


def check_faassim(label, ref, res, total):
    assert res["n"] == total, (label, "completed", res["n"], total)
    assert res["residue"] == 0.0, (label, "claims not released", res["residue"])
    if res["energy"] is None:
        return
    per_node = {n: [] for n in res["energy"]}
    presets, node_type = res["presets"], res["node_type"]
    for node, image, t0, t1 in zip(*res["fets"]):
        r = ref.resource_oracle.get_resources(node_type[node], image)
        c = presets[node_type[node]][1].coef_.tolist()
        per_node[node].append(math.fsum([c[0] * r.cpu, c[1] * r.gpu, c[4] * r.ram]) * (t1 - t0))
    for node, joules in per_node.items():
        idle = presets[node_type[node]][0] * res["now"]
        assert res["idle"][node] == idle or abs(res["idle"][node] - idle) <= 1e-12 * idle, (label, node)
        expected = math.fsum([idle, *joules])
        got = res["energy"][node]
        assert abs(got - expected) <= 1e-9 * abs(expected), (label, node, got, expected)


# -- SimPy ---------------------------------------------------------------------


class NumpyLinearModel:
    """A fitted linear model's predict (what faas-sim's .sav models do, without
    scikit-learn's input validation): X @ coef + intercept."""

    def __init__(self, np, coef, intercept):
        self.coef = np.array(coef)
        self.intercept = intercept

    def predict(self, X):
        return X @ self.coef + self.intercept


def simpy_run(simpy, ref, fns, n_per_fn, seed):
    import numpy as np

    import faassim as fs

    env = simpy.Environment()
    rng = random.Random(seed)
    types = [t for i in range(W.NODES_PER_TYPE) for t in W.NODE_TYPES]
    models = {}
    for t, (_, p) in power_models(fs).items():
        models[t] = NumpyLinearModel(np, p.coef_.tolist(), 0.0)
    placement = {}
    k = 0
    for name, image, _ in fns:
        placement[name] = []
        for r in range(W.REPLICAS):
            placement[name].append({"node_type": types[k % len(types)], "queue": simpy.Resource(env, W.WORKERS),
                                    "res": {}, "node": k % len(types)})
            k += 7
    params = {(t, image): ref.fet_oracle.get(t, image).spec[1:] for t in W.NODE_TYPES for _, image, _ in fns}
    resources = {(t, image): ref.resource_oracle.get_resources(t, image) for t in W.NODE_TYPES for _, image, _ in fns}
    energy = [0.0] * len(types)
    records = []

    def fet(node_type, image):
        (s, loc, scale), xmin, xmax = params[node_type, image]
        while True:
            x = loc + scale * math.exp(s * rng.gauss(0.0, 1.0))
            if xmin <= x <= xmax:
                return x

    def request(env, replica, image, request_id):
        token = replica["queue"].request()
        yield token
        t_fet_start = env.now
        r = resources[replica["node_type"], image]
        features = np.array([r.cpu, r.gpu, r.blkio, r.net, r.ram])
        power = models[replica["node_type"]].predict(features.reshape(1, -1))[0]
        replica["res"][request_id] = (r, power)
        yield env.timeout(0)
        yield env.timeout(fet(replica["node_type"], image))
        r, power = replica["res"].pop(request_id)
        energy[replica["node"]] += power * (env.now - t_fet_start)
        yield env.timeout(0)
        records.append((replica["node_type"], image, t_fet_start, env.now))
        replica["queue"].release(token)

    def arrivals(env, name, image, rate, base):
        reps = placement[name]
        counter = 0
        for i in range(n_per_fn):
            yield env.timeout(rng.expovariate(rate))
            j = counter % len(reps)
            counter = (j + 1) % len(reps)
            env.process(request(env, reps[j], image, base + i))

    for f, (name, image, rate) in enumerate(fns):
        env.process(arrivals(env, name, image, rate, f * n_per_fn))
    env.run()
    residue = sum(len(r["res"]) for reps in placement.values() for r in reps)
    return len(records), sum(energy), residue


def main(argv=None):
    p = H.make_parser(__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=DEFAULT_REQUESTS,
                   help="invocations per faassim built-in run (default %d)" % DEFAULT_REQUESTS)
    p.add_argument("--python-requests", type=int, default=200_000,
                   help="invocations per SimPy and Python-subclass run (default 200,000)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    base, cand, fake = H.setup(args)
    if fake:
        raise SystemExit("this benchmark needs faassim (PowerPredictionSimulator has no SimPy stand-in)")
    div = H.QUICK_DIVISOR if args.quick else 1
    ref, images = W.reference()
    fns = W.scenario(images, ref)
    big = args.requests // div // len(fns)
    small = args.python_requests // div // len(fns)
    print("%s: %d nodes (%s), %d functions x %d replicas x %d workers, utilization <= %.1f"
          % (NAME, W.NODES_PER_TYPE * len(W.NODE_TYPES), "/".join(W.NODE_TYPES), len(fns), W.REPLICAS, W.WORKERS,
             W.UTILIZATION))
    sys.stdout.flush()
    # the two built-in cases alternate, so that drifts of the machine hit both alike
    times = {"http": [], "power": []}
    runs = {"http": [], "power": []}
    results = {}
    for _ in range(args.repeat):
        for case in ("http", "power"):
            t, (res,) = H.median_time(lambda: faassim_run(cand, ref, fns, big, args.seed, case), 1)
            check_faassim(case, ref, res, big * len(fns))
            times[case].append(t)
            runs[case].append(res["t_run"])
            results[case] = res
    assert results["http"]["fets"] == results["power"]["fets"], "the power run drew other execution times"
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    t_http, t_power = median(runs["http"]), median(runs["power"])
    w_http, w_power = median(times["http"]), median(times["power"])
    pys = []
    t_py_whole, _ = H.median_time(lambda: pys.append(faassim_run(cand, ref, fns, small, args.seed, "python")),
                                  args.repeat)
    for res_py in pys:
        check_faassim("python", ref, res_py, small * len(fns))
    t_py = median([r["t_run"] for r in pys])
    t_simpy, (sres, *_) = H.median_time(lambda: simpy_run(base, ref, fns, small, args.seed), args.repeat)
    assert sres[0] == small * len(fns) and sres[2] == 0 and sres[1] > 0, sres
    n_big, n_small = big * len(fns), small * len(fns)
    slowdown = t_power / t_http - 1
    whole = w_power / w_http - 1
    us = {"http": t_http / n_big * 1e6, "power": t_power / n_big * 1e6, "python": t_py / n_small * 1e6,
          "simpy": t_simpy / n_small * 1e6}
    print("  env.run() only (whole runs with setup and readout: http %.3f s, power %.3f s, python %.3f s):"
          % (w_http, w_power, t_py_whole))
    for label, key, n, t in (("http built-in", "http", n_big, t_http), ("power built-in", "power", n_big, t_power),
                             ("power python", "python", n_small, t_py), ("power simpy", "simpy", n_small, t_simpy)):
        print("  %-15s %9d requests  %.3f s  %10.0f invocations/s  %.3f us/request"
              % (label, n, t, n / t, us[key]))
    print("  power built-in vs http built-in: %+.1f%% over env.run() (target < +15%%), %+.1f%% over whole runs; "
          "the python subclass costs %.2f us/request, %.1fx the built-in's"
          % (100 * slowdown, 100 * whole, us["python"], us["python"] / us["power"]))
    rows = [
        H.row(NAME, "http built-in, %d req" % n_big, None, t_http, "%.0f inv/s; no power" % (n_big / t_http)),
        H.row(NAME, "power built-in, %d req" % n_big, t_simpy * n_big / n_small, t_power,
              "%+.1f%% vs http built-in (env.run()); target < +15%%" % (100 * slowdown)),
        H.row(NAME, "power python, %d req" % n_small, t_simpy, t_py,
              "%.2f us/req, %.1fx built-in" % (us["python"], us["python"] / us["power"])),
    ]
    return H.finish(args, NAME, rows, base, cand, fake,
                    extra={"slowdown_run": slowdown, "slowdown_whole": whole, "us_per_request": us})


if __name__ == "__main__":
    main()
