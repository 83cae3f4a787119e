"""Power prediction and exact energy accounting: PowerPredictionSimulator,
env.energy (faassim.Energy), the `energy` and `power` measurements.

Expected values are computed here, independently of the code under test: by
hand with dyadic times and values (then exactly), from the `fets` rows and
the characterizations (the analytic energy of a run), or by sampling power
from a Python process (which converges to the exact integral)."""

import doctest
import gc
import math
import weakref

import numpy as np
import pytest

import faassim
from faassim import (
    Energy,
    FetOracle,
    FunctionCharacterization,
    FunctionResourceCharacterization,
    HTTPWatchdog,
    LinearPowerModel,
    NodePowerModel,
    Poisson,
    PowerPredictionSimulator,
    Replay,
    ResourceOracle,
)
from faassim.distributions import Constant, Exponential

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

IMG = "img"
# dyadic resources: products and sums with dyadic coefficients are exact
RES = dict(cpu=0.25, gpu=0.5, blkio=1.0, net=2.0, ram=0.125)
RES_ORDER = ("cpu", "gpu", "blkio", "net", "ram")
COEF = [4.0, 8.0, 0.5, 0.25, 2.0]  # a request of RES draws 1 + 4 + 0.5 + 0.5 + 0.25 = 6.25 W (+ intercept)


def characterization(fet=None, node_type="node", image=IMG, **res):
    r = FunctionResourceCharacterization(**{**RES, **res})
    return FunctionCharacterization(
        image,
        FetOracle({(node_type, image): Constant(1.0) if fet is None else fet}),
        ResourceOracle({(node_type, image): r}),
    )


class Factory(faassim.SimulatorFactory):
    def __init__(self, make):
        self.make = make

    def create(self, env, container):
        return self.make(container)


def deploy(env, name, image=IMG, replicas=1):
    fn = faassim.Function(name, [faassim.FunctionImage(image)])
    scaling = faassim.ScalingConfiguration(scale_min=replicas)
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])], scaling))


def make_env(make, nodes=("node_0",), seed=1, models=None):
    env = faassim.Environment(seed=seed)
    env.topology = faassim.Topology([faassim.Node(n, "16", "64Gi") for n in nodes])
    env.simulator_factory = Factory(make)
    for n in nodes:
        env.power_models[n] = (models or {}).get(n, LinearPowerModel(COEF, 0.0))
    return env


def rows(env, table):
    return {k: v.tolist() for k, v in env.metrics.to_numpy(table).items()}


def close(a, b, rel=1e-9):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


class PySim(PowerPredictionSimulator):
    """A Python subclass written as faas-sim's power-prediction extension
    (and the seed of this project) wrote it."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.resources = {}

    def claim_resources(self, env, replica, request):
        r = self.characterization.get_resources(replica.node.name, replica.image)
        features = np.array([r.cpu, r.gpu, r.blkio, r.net, r.ram])
        power = env.power_models[replica.node.name].predict(features.reshape(1, -1))[0]
        self.resources[request.request_id] = (r, power)
        for name, v in (("cpu", r.cpu), ("gpu", r.gpu), ("blkio", r.blkio), ("net", r.net), ("ram", r.ram),
                        ("power", power)):
            env.resource_state.put_resource(replica, name, v)
        yield env.timeout(0)

    def release_resources(self, env, replica, request):
        r, power = self.resources.pop(request.request_id)
        for name, v in (("cpu", r.cpu), ("gpu", r.gpu), ("blkio", r.blkio), ("net", r.net), ("ram", r.ram),
                        ("power", power)):
            env.resource_state.remove_resource(replica, name, v)
        yield env.timeout(0)


# ---------------------------------------------------------------------------
# 1. Exact values by hand
# ---------------------------------------------------------------------------


def test_constant_load_energy_is_power_times_duration():
    """One request at a time, back to back, for 10 s: 6.25 W + 1.5 W idle."""
    ch = characterization(Constant(1.0))
    env = make_env(lambda c: PowerPredictionSimulator(1, ch))
    deploy(env, "f")
    env.faas.add_source("f", Replay([float(t) for t in range(10)]))
    env.energy.set_idle_power("node_0", 1.5)
    seen = []

    def probe(env):
        yield env.timeout(4.5)
        seen.append((env.energy.power("node_0"), env.energy.idle_power("node_0")))

    env.process(probe(env))
    env.run(until=10.5)
    (rep,) = env.faas.get_replicas("f")
    assert seen == [(7.75, 1.5)]
    assert env.energy.node_energy("node_0") == 1.5 * 10.5 + 6.25 * 10
    assert env.energy.idle_energy("node_0") == 15.75
    assert env.energy.dynamic_energy("node_0") == 62.5
    assert env.energy.replica_energy(rep) == 62.5
    assert env.energy.function_energy("f") == 62.5
    assert env.energy.total() == 78.25
    assert env.resource_state.get_integral(rep, "power") == 62.5
    e = rows(env, "fets")
    assert e["watts"] == [6.25] * 10 and e["joules"] == [6.25] * 10
    assert e["t_fet_start"] == [float(t) for t in range(10)]
    assert e["t_fet_end"] == [float(t + 1) for t in range(10)]
    assert e["request_id"] == list(range(10))
    assert e["node"] == ["node_0"] * 10 and e["function_name"] == ["f"] * 10 and e["replica_id"] == [rep.replica_id] * 10
    assert list(e) == ["time", "t_fet_start", "t_fet_end", "t_wait_start", "t_wait_end", "watts", "joules",
                       "function_name", "function_image", "node", "replica_id", "request_id"]
    # the claim: the five resources and power, released exactly
    assert env.resource_state.get_resource_utilization(rep).list_resources() == {
        "cpu": 0.0, "gpu": 0.0, "blkio": 0.0, "net": 0.0, "ram": 0.0, "power": 0.0}


def test_claim_holds_power_while_the_request_runs():
    ch = characterization(Constant(2.0))
    env = make_env(lambda c: PowerPredictionSimulator(0, ch), models={"node_0": LinearPowerModel(COEF, 0.75)})
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0, 0.5]))
    held = []

    def probe(env):
        for t in (0.25, 1.0, 2.25, 3.0):
            yield env.timeout(t - env.now)
            (rep,) = env.faas.get_replicas("f")
            held.append(env.resource_state.get_resource_utilization(rep).list_resources().get("power"))

    env.process(probe(env))
    env.run()
    assert held == [7.0, 14.0, 7.0, 0.0]  # 0.75 + 6.25 per request (a LinearPowerModel's intercept is claimed)
    assert env.energy.node_energy("node_0") == 7.0 * 4  # no idle power: not a NodePowerModel, none set


def test_features_are_picked_by_name():
    ch = characterization(Constant(1.0))
    model = LinearPowerModel([2.0, 4.0], 0.0, features=("memory", "cpu"))  # memory reads ram
    env = make_env(lambda c: PowerPredictionSimulator(0, ch), models={"node_0": model})
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0]))
    env.run()
    assert rows(env, "fets")["watts"] == [2.0 * 0.125 + 4.0 * 0.25]


def test_node_power_model_claims_its_dynamic_part_and_counts_idle_per_node():
    """NodePowerModel(idle 2, cpu 4, gpu 8, net 0, memory 16): a request draws
    4 * 0.25 + 8 * 0.5 + 16 * 0.125 = 7 W above idle; idle is the node's."""
    ch = characterization(Constant(1.0))
    model = NodePowerModel(2.0, [4.0, 8.0, 0.0, 16.0])
    env = make_env(lambda c: PowerPredictionSimulator(0, ch), models={"node_0": model})
    deploy(env, "f")
    env.faas.add_source("f", Replay([1.0, 1.5, 6.0]))  # two overlap on [1.5, 2]
    env.run(until=8)
    assert rows(env, "fets")["watts"] == [7.0, 7.0, 7.0]
    assert env.energy.idle_energy("node_0") == 16.0
    assert env.energy.dynamic_energy("node_0") == 21.0
    assert env.energy.node_energy("node_0") == 37.0
    # the utilization model (default) and the claimed power agree exactly here
    env.energy.utilization_model = False
    assert env.energy.node_energy("node_0") == 37.0
    assert env.energy.utilization_model is False


def test_utilization_model_without_power_claims():
    """HTTPWatchdog claims no power: a NodePowerModel node's energy comes from
    its utilization (idle + sum coef_i * integral of u_i); with
    utilization_model False it is idle only."""
    ch = characterization(Constant(2.0))
    env = make_env(lambda c: HTTPWatchdog(1, ch), models={"node_0": NodePowerModel(2.0, [4.0, 8.0, 0.0, 16.0])})
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0, 1.0]))
    env.run(until=5)
    assert env.energy.node_energy("node_0") == 2.0 * 5 + 7.0 * 4
    (rep,) = env.faas.get_replicas("f")
    assert env.energy.replica_energy(rep) == 28.0
    assert env.energy.function_energy("f") == 28.0
    env.energy.utilization_model = False
    assert env.energy.node_energy("node_0") == 10.0
    assert env.energy.replica_energy(rep) == 0.0
    assert "watts" not in rows(env, "fets")  # no request claimed power


def test_set_idle_power_is_piecewise_exact():
    env = make_env(lambda c: PowerPredictionSimulator(0, characterization()),
                   models={"node_0": NodePowerModel(2.0, [0.0, 0.0, 0.0, 0.0])})

    def steps(env):
        yield env.timeout(3)
        env.energy.set_idle_power("node_0", 5)
        yield env.timeout(4)
        env.energy.set_idle_power(env.topology.find_node("node_0"), None)  # back to the model's
        yield env.timeout(1)
        env.energy.set_idle_power("node_0", 0.5)
        env.energy.set_idle_power("node_0", 0.25)  # twice at one time: the last holds

    env.process(steps(env))
    env.run(until=10)
    assert env.energy.idle_energy("node_0") == 2 * 3 + 5 * 4 + 2 * 1 + 0.25 * 2
    assert env.energy.idle_power("node_0") == 0.25


def test_node_added_during_the_run_counts_from_when_the_platform_takes_it():
    env = make_env(lambda c: PowerPredictionSimulator(0, characterization()),
                   models={"node_0": NodePowerModel(1.0, [0.0] * 4)})
    env.power_models["late"] = NodePowerModel(3.0, [0.0] * 4)
    deploy(env, "f")  # the platform looks at env.topology when it schedules, at time 0

    def add(env):
        yield env.timeout(4)
        env.topology.add_node(faassim.Node("late", "4", "8Gi"))
        assert env.energy.node_energy("late") == 0.0  # the query makes the platform take it

    env.process(add(env))
    env.run(until=10)
    assert env.energy.node_energy("node_0") == 10.0
    assert env.energy.node_energy("late") == 18.0
    assert env.energy.total() == 28.0


def test_model_replaced_during_the_run_takes_effect_at_the_next_claim():
    ch = characterization(Constant(1.0))
    env = make_env(lambda c: PowerPredictionSimulator(0, ch))
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0, 2.0, 4.0]))

    def swap(env):
        yield env.timeout(1.5)
        env.power_models["node_0"] = LinearPowerModel([0.0, 0.0, 0.0, 0.0, 8.0], 1.0)  # 2 W

    env.process(swap(env))
    env.run()
    assert rows(env, "fets")["watts"] == [6.25, 2.0, 2.0]
    assert env.energy.node_energy("node_0") == 10.25


def test_refit_model_is_read_at_every_claim():
    ch = characterization(Constant(1.0))
    model = LinearPowerModel(COEF, 0.0)
    env = make_env(lambda c: PowerPredictionSimulator(0, ch), models={"node_0": model})
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0, 2.0, 4.0, 6.0, 8.0]))
    X = np.array([[1.0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0], [0, 0, 1.0, 0, 0], [0, 0, 0, 1.0, 0], [0, 0, 0, 0, 1.0],
                  [0, 0, 0, 0, 0]])

    def refit(env):
        yield env.timeout(1)
        model.coef_ = [0.0, 0.0, 0.0, 0.0, 16.0]
        yield env.timeout(2)
        model.intercept_ = 0.5
        yield env.timeout(2)
        model.fit(X, X @ np.array([8.0, 0.0, 0.0, 0.0, 0.0]) + 0.25)  # 8 * cpu + 0.25
        yield env.timeout(2)
        model.predict = lambda X: np.array([3.0])  # now predicted from Python

    env.process(refit(env))
    env.run()
    assert np.allclose(rows(env, "fets")["watts"], [6.25, 2.0, 2.5, 2.25, 3.0], rtol=1e-12, atol=0)


def test_python_predict_models():
    """Any object with predict (called with one row [cpu, gpu, blkio, net,
    ram]), and a LinearPowerModel subclass overriding predict (its features
    by name)."""
    calls = []

    class Model:
        def predict(self, X):
            calls.append(X.tolist())
            return X @ np.array(COEF) + 0.5

    class Doubled(LinearPowerModel):
        def predict(self, X):
            calls.append(X.tolist())
            return 2 * super().predict(X)

    ch = characterization(Constant(1.0))
    env = make_env(lambda c: PowerPredictionSimulator(0, ch), nodes=("node_0", "node_1"),
                   models={"node_0": Model(), "node_1": Doubled([1.0, 2.0], 0.0, features=("cpu", "ram"))})
    deploy(env, "f", replicas=2)
    env.faas.add_source("f", Replay([0.0, 0.0]))
    env.run()
    assert sorted(rows(env, "fets")["watts"]) == [1.0, 6.75]
    assert sorted(calls) == [[[0.25, 0.0625 * 2]], [[0.25, 0.5, 1.0, 2.0, 0.125]]]


def test_sub_hooks_around_the_builtin_claim():
    """A subclass that waits before calling the built-in claim, and one that
    overrides execute only: the claim (and the energy row) follow the C
    claim's time."""

    class LateClaim(PowerPredictionSimulator):
        def claim_resources(self, env, replica, request):
            yield env.timeout(0.5)
            yield from super().claim_resources(env, replica, request)

    class SlowExecute(PowerPredictionSimulator):
        def execute(self, env, replica, request):
            yield env.timeout(2.0)

    ch = characterization(Constant(1.0))
    for cls, held, t_end in ((LateClaim, 1.0, [1.5, 5.5]), (SlowExecute, 2.0, [2.0, 6.0])):
        env = make_env(lambda c: cls(1, ch))
        deploy(env, "f")
        env.faas.add_source("f", Replay([0.0, 4.0]))
        env.run()
        e = rows(env, "fets")
        assert (e["t_fet_start"], e["t_fet_end"]) == ([0.0, 4.0], t_end)
        assert (e["watts"], e["joules"]) == ([6.25, 6.25], [6.25 * held] * 2)  # the time the claim was held
        assert env.energy.node_energy("node_0") == 6.25 * held * 2


def test_energy_rows_through_python_hooks_are_the_c_rows():
    class Logged(faassim.Metrics):
        def log_fet(self, *args, **kwargs):
            super().log_fet(*args, **kwargs)

        def log_energy(self, node_name, joules):
            super().log_energy(node_name, joules)

        def log_power(self, node_name, watts):
            super().log_power(node_name, watts)

        def log_resource_utilization(self, node_name, capacity, utilization):
            super().log_resource_utilization(node_name, capacity, utilization)

    results = []
    for cls in (faassim.Metrics, Logged):
        env = make_env(lambda c: PowerPredictionSimulator(2, characterization(Exponential(1.0))),
                       nodes=("node_0", "node_1"),
                       models={"node_1": NodePowerModel(1.5, [4.0, 8.0, 0.0, 16.0])})
        env.metrics = cls(env)
        deploy(env, "f", replicas=2)
        env.faas.add_source("f", Poisson(2.0), max_requests=100)
        faassim.ResourceMonitor(env, 1.0).start()
        env.run(until=80)
        results.append((rows(env, "fets"), rows(env, "power"), rows(env, "energy"), rows(env, "node_utilization")))
    (f0, p0, e0, n0), (f1, p1, e1, n1) = results
    assert len(f0["joules"]) == 100 and len(p0["watts"]) == 2 * 79 and len(e0["joules"]) == 2 * 79
    assert f0 == f1 and p0 == p1 and e0 == e1
    # node_power is a field of the C rows only (the hook keeps faas-sim's signature)
    assert n0.pop("node_power") is not None and n0 == n1


# ---------------------------------------------------------------------------
# 2. Invariants on a larger scenario
# ---------------------------------------------------------------------------


def scenario(make, seed=5, arrivals="poisson", models=None):
    nodes = ("node_0", "node_1", "node_2")
    models = models or {
        "node_0": LinearPowerModel(COEF, 0.5),
        "node_1": NodePowerModel(2.5, [4.0, 8.0, 0.0, 16.0]),
        "node_2": LinearPowerModel([3.0, 1.0, 0.0, 0.0, 5.0], 1.25),
    }
    env = make_env(make, nodes=nodes, seed=seed, models=models)
    env.energy.set_idle_power("node_0", 3.0)
    for k, name in enumerate(("a", "b", "c")):
        deploy(env, name, image=name, replicas=2 + k % 2)
        if arrivals == "poisson":
            env.faas.add_source(name, Poisson(1.5 + k), max_requests=300)
        else:
            times = np.cumsum(np.random.default_rng(seed + k).exponential(1 / (1.5 + k), 300))
            env.faas.add_source(name, Replay(times.tolist()))
    return env


def chars():
    out = {}
    for k, name in enumerate(("a", "b", "c")):
        r = FunctionResourceCharacterization(cpu=0.1 * (k + 1), blkio=3.0, gpu=0.3 / (k + 1), net=0.7, ram=0.2)
        out[name] = FunctionCharacterization(
            name, FetOracle({("node", name): Exponential(1.0 / (k + 1))}), ResourceOracle({("node", name): r}))
    return out


def test_node_energy_is_idle_plus_request_energies():
    ch = chars()
    env = scenario(lambda c: PowerPredictionSimulator(2, ch[c.image]))
    env.run(until=400)
    e = rows(env, "fets")
    assert len(e["joules"]) == 900
    # requests overlapped: some replica ran two at once
    spans = sorted(zip(e["replica_id"], e["t_fet_start"], e["t_fet_end"]))
    assert any(r1 == r2 and s2 < t1 for (r1, _, t1), (r2, s2, _) in zip(spans, spans[1:]))
    total = []
    for node in ("node_0", "node_1", "node_2"):
        req = math.fsum(j for j, n in zip(e["joules"], e["node"]) if n == node)
        assert req > 0
        idle = env.energy.idle_energy(node)
        assert close(env.energy.node_energy(node), idle + req)
        assert close(env.energy.dynamic_energy(node), req)
        assert close(env.energy.node_energy(node), env.energy.idle_energy(node) + env.energy.dynamic_energy(node))
        reps = [r for f in "abc" for r in env.faas.get_replicas(f) if r.node.name == node]
        assert close(math.fsum(env.energy.replica_energy(r) for r in reps), req)
        total.append(env.energy.node_energy(node))
    assert env.energy.idle_energy("node_0") == 3.0 * 400
    assert env.energy.idle_energy("node_1") == 2.5 * 400
    assert env.energy.idle_energy("node_2") == 0.0
    assert close(env.energy.total(), math.fsum(total))
    for name in "abc":
        req = math.fsum(j for j, f in zip(e["joules"], e["function_name"]) if f == name)
        assert close(env.energy.function_energy(name), req)
    for w, j, t0, t1 in zip(e["watts"], e["joules"], e["t_fet_start"], e["t_fet_end"]):
        assert j == w * (t1 - t0)
    # the per-request energy equals the watts predicted from the characterization
    models = env.power_models
    node_of = {r.replica_id: r.node.name for f in "abc" for r in env.faas.get_replicas(f)}
    for w, f, rid in zip(e["watts"], e["function_name"], e["replica_id"]):
        r = ch[f].get_resources("node", f)
        x = np.array([[r.cpu, r.gpu, r.blkio, r.net, r.ram]])
        m = models[node_of[rid]]
        if isinstance(m, NodePowerModel):
            expected = m.predict([[r.cpu, r.gpu, r.net, r.ram]])[0] - m.idle
            assert close(w, expected, 1e-12)
        else:
            assert w == m.predict(x)[0]
    # the table
    t = env.energy.table()
    assert set(t) == {"kind", "name", "replica_id", "node", "idle", "dynamic", "total"}
    kinds = t["kind"].tolist()
    assert kinds == ["node"] * 3 + ["replica"] * 7 + ["function"] * 3
    assert t["total"][:3].tolist() == total
    assert t["name"][-3:].tolist() == ["a", "b", "c"]
    assert np.array_equal(t["total"], t["idle"] + t["dynamic"])
    assert close(t["dynamic"][3:10].sum(), t["dynamic"][10:].sum())
    assert t["replica_id"][3:10].tolist() == list(range(7))


def test_python_subclass_gives_the_builtin_energies():
    ch = chars()
    out = []
    for cls in (PowerPredictionSimulator, PySim):
        env = scenario(lambda c: cls(2, ch[c.image]), arrivals="replay",
                       models={n: LinearPowerModel(COEF, 0.5 + i) for i, n in enumerate(("node_0", "node_1", "node_2"))})
        env.run(until=500)
        reps = [r for f in "abc" for r in env.faas.get_replicas(f)]
        out.append((
            [env.energy.node_energy(n) for n in ("node_0", "node_1", "node_2")],
            [env.energy.function_energy(f) for f in "abc"],
            [env.energy.replica_energy(r) for r in reps],
            env.energy.total(),
            rows(env, "fets"),
        ))
        if cls is PySim:
            assert all(not r.simulator.resources for r in reps)
            assert "joules" not in rows(env, "fets")  # its own claims: the C release keeps no energy
    for k in ("watts", "joules"):
        del out[0][-1][k]
    assert out[0][-1]["t_fet_end"] and out[0][-1] == out[1][-1]
    # The built-in simulator holds its claims as standing claims (the
    # integral of the power claimed is watts * integral of the number held),
    # the subclass puts and removes loose amounts (summed segment by
    # segment): the same energies, up to the rounding of the two sums.
    built, py = out[0][:4], out[1][:4]
    for a, b in zip(built[:3], py[:3]):
        assert a == pytest.approx(b, rel=1e-13, abs=0)
    assert built[3] == pytest.approx(py[3], rel=1e-13, abs=0)


def test_sampled_power_converges_to_the_exact_integral():
    """A Python process samples env.energy.power(node) every dt and sums
    power * dt; the error to env.energy.node_energy shrinks with dt."""
    ch = chars()
    errors = []
    for dt in (1.0, 1 / 8, 1 / 64):
        env = scenario(lambda c: PowerPredictionSimulator(2, ch[c.image]), seed=9)
        sums = {n: 0.0 for n in ("node_0", "node_1", "node_2")}

        def sampler(env):
            while True:
                for n in sums:
                    sums[n] += env.energy.power(n) * dt  # the power held over [t, t + dt)
                yield env.timeout(dt)

        env.process(sampler(env))
        env.run(until=200)
        errors.append(max(abs(sums[n] - env.energy.node_energy(n)) / env.energy.node_energy(n) for n in sums))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.01 and errors[0] > 2 * errors[2]


def test_monitor_power_rows_are_the_exact_energy_at_sample_times():
    ch = characterization(Constant(0.75))
    env = make_env(lambda c: PowerPredictionSimulator(0, ch), nodes=("node_0", "node_1"),
                   models={"node_0": NodePowerModel(2.0, [4.0, 8.0, 0.0, 16.0])})
    env.energy.set_idle_power("node_1", 0.5)  # no model, an idle power: accounted too
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.3, 0.7, 2.2, 2.6, 5.1]))
    seen = []

    def probe(env):
        while True:
            yield env.timeout(1)
            seen.append([(env.energy.power(n), env.energy.node_energy(n)) for n in ("node_0", "node_1")])

    faassim.ResourceMonitor(env, 1).start()
    env.process(probe(env))
    env.run(until=6.5)
    p, e = rows(env, "power"), rows(env, "energy")
    assert p["time"] == e["time"] == [float(t) for t in range(1, 7) for _ in (0, 1)]
    assert p["node"] == e["node"] == ["node_0", "node_1"] * 6
    assert list(zip(p["watts"], e["joules"])) == [x for s in seen for x in s]
    assert p["watts"][:2] == [2.0 + 7.0 * 2, 0.5]  # both requests run at t = 1
    n = rows(env, "node_utilization")
    assert n["node_power"] == p["watts"][::2]  # node_0 holds the replica
    assert n["node"] == ["node_0"] * 6


# ---------------------------------------------------------------------------
# 3. The reference scenario
# ---------------------------------------------------------------------------

REF_TYPES = ("nano", "nx", "tx2", "xeongpu")


def reference_models():
    """The packaged NodePowerModel presets, without the net term: the
    reference characterizations give net in bytes/s, not as a fraction."""
    out = {}
    for t, p in faassim.load_power_profiles().items():
        c = p.coef_.tolist()
        out[t] = NodePowerModel(p.idle, [c[0], c[1], c[3]], features=("cpu", "gpu", "memory"))
    return out


def reference_run(cls, seed=11):
    ref = faassim.load_reference_characterizations()
    images = [i for i in ref.images if all((t, i) in ref.fet_oracle for t in REF_TYPES)][:4]
    env = faassim.Environment(seed=seed)
    env.topology = faassim.Topology([faassim.Node.from_device("%s_%d" % (t, i)) for i in range(2) for t in REF_TYPES])
    presets = reference_models()
    for node in env.topology.get_nodes():
        env.power_models[node.name] = presets[node.node_type]
    chars = {i: ref.characterization(i) for i in images}
    env.simulator_factory = Factory(lambda c: cls(2, chars[c.image]))
    for k, image in enumerate(images):
        name = "fn%d" % k
        fn = faassim.Function(name, [faassim.FunctionImage(image)])
        container = faassim.FunctionContainer(
            fn.fn_images[0], faassim.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="64Mi"))
        env.faas.deploy(faassim.FunctionDeployment(fn, [container], faassim.ScalingConfiguration(scale_min=3)))
        env.faas.add_source(name, Poisson(1.0 / ref.fet_oracle.get("xeongpu", image).mean()), max_requests=150)
    env.run()  # until every request is done
    return env, ref, presets


def test_reference_scenario_matches_the_analytic_energy():
    env, ref, presets = reference_run(PowerPredictionSimulator)
    fets = rows(env, "fets")
    assert len(fets["t_fet_end"]) == 600
    T = env.now
    node_type = {n.name: n.node_type for n in env.topology.get_nodes()}
    per_node = {n: [] for n in node_type}
    for node, image, t0, t1 in zip(fets["node"], fets["function_image"], fets["t_fet_start"], fets["t_fet_end"]):
        t = node_type[node]
        r = ref.resource_oracle.get_resources(t, image)
        c = presets[t].coef_.tolist()
        watts = math.fsum([c[0] * r.cpu, c[1] * r.gpu, c[2] * r.ram])
        per_node[node].append(watts * (t1 - t0))
    used = 0
    for node, joules in per_node.items():
        expected = math.fsum([presets[node_type[node]].idle * T, *joules])
        assert close(env.energy.node_energy(node), expected), node
        used += bool(joules)
    assert used >= 4
    assert close(env.energy.total(), math.fsum(env.energy.node_energy(n) for n in node_type))
    # the requests' joules
    assert close(math.fsum(fets["joules"]), math.fsum(j for js in per_node.values() for j in js))
    # the utilization model and the claimed power agree
    env.energy.utilization_model = False
    for node, joules in per_node.items():
        assert close(env.energy.node_energy(node), presets[node_type[node]].idle * T + math.fsum(joules))


def test_reference_scenario_http_watchdog_with_the_utilization_model():
    """The same run with HTTPWatchdog (no power claimed, the same draws):
    the NodePowerModel utilization model gives the same node energies."""
    env_p, _, _ = reference_run(PowerPredictionSimulator)
    env_h, _, _ = reference_run(HTTPWatchdog)
    fets = rows(env_p, "fets")
    del fets["watts"], fets["joules"]
    assert rows(env_h, "fets") == fets
    assert env_h.now == env_p.now
    for node in env_p.topology.get_nodes():
        assert close(env_h.energy.node_energy(node), env_p.energy.node_energy(node))


# ---------------------------------------------------------------------------
# 4. Errors
# ---------------------------------------------------------------------------


def run_one(model, nodes=("node_0",), models=None):
    ch = characterization(Constant(1.0))
    env = make_env(lambda c: PowerPredictionSimulator(0, ch), nodes=nodes, models=models or {"node_0": model})
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0]))
    env.run()
    return env


def test_missing_power_model_names_the_node_and_the_known_ones():
    env = make_env(lambda c: PowerPredictionSimulator(0, characterization()), nodes=("node_0",))
    del env.power_models["node_0"]
    env.power_models["other_1"] = LinearPowerModel(COEF)
    env.power_models["other_0"] = LinearPowerModel(COEF)
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0]))
    with pytest.raises(KeyError) as info:
        env.run()
    msg = str(info.value)
    assert "'node_0'" in msg and "['other_0', 'other_1']" in msg and "PowerPredictionSimulator" in msg
    # nothing was claimed
    assert env.resource_state.get_node_resource_utilization("node_0").total_utilization.list_resources() == {}


@pytest.mark.parametrize(
    "model, match",
    [
        (LinearPowerModel([-40.0, 0.0, 0.0, 0.0, 0.0], 0.0), r"predicts -10\.0 W for a request"),
        (NodePowerModel(5.0, [-4.0, 0.0, 0.0, 0.0]), r"predicts -1\.0 W above its idle power"),
        (LinearPowerModel(), "not fitted"),
        (LinearPowerModel([1.0], 0.0, features=("tpu",)), "has the feature 'tpu'"),
    ],
)
def test_bad_predictions_and_models(model, match):
    with pytest.raises(ValueError, match=match):
        run_one(model)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_python_model_predicting_nan_inf_or_negative(value):
    class Bad:
        def predict(self, X):
            return np.array([value])

    with pytest.raises(ValueError, match="a request's power must be finite and >= 0"):
        run_one(Bad())


def test_python_model_errors_propagate():
    class Broken:
        def predict(self, X):
            raise RuntimeError("model file missing")

    with pytest.raises(RuntimeError, match="model file missing"):
        run_one(Broken())


def test_a_failing_claim_puts_nothing():
    """The claim is all or nothing: the second request's ram (1e308 + 1e308)
    overflows the node's total after its cpu, gpu, blkio and net were put."""
    ch = characterization(Constant(10.0), ram=1e308)
    env = make_env(lambda c: PowerPredictionSimulator(0, ch), models={"node_0": LinearPowerModel(COEF[:4] + [0.0])})
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0, 1.0]))
    with pytest.raises(OverflowError, match="overflow"):
        env.run()
    assert env.now == 1.0
    held = env.resource_state.get_node_resource_utilization("node_0").total_utilization.list_resources()
    assert held == {"cpu": 0.25, "gpu": 0.5, "blkio": 1.0, "net": 2.0, "ram": 1e308, "power": 6.0}


def test_energy_api_errors():
    env = run_one(LinearPowerModel(COEF))
    e = env.energy
    with pytest.raises(KeyError, match="unknown node 'nope'"):
        e.node_energy("nope")
    with pytest.raises(KeyError, match="unknown function 'nope'"):
        e.function_energy("nope")
    with pytest.raises(TypeError):
        e.node_energy(42)
    with pytest.raises(TypeError, match="FunctionReplica"):
        e.replica_energy("node_0")
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite and >= 0"):
            e.set_idle_power("node_0", bad)
    with pytest.raises(TypeError):
        e.set_idle_power("node_0", "3")
    with pytest.raises(TypeError):
        e.set_idle_power("node_0")
    with pytest.raises(TypeError):
        Energy(object())
    with pytest.raises(RuntimeError, match="not initialised"):
        Energy.__new__(Energy).total()
    env.power_models["node_0"] = NodePowerModel(-1.0, [0.0] * 4)
    with pytest.raises(ValueError, match="idle power of -1.0 W"):
        e.total()
    env.power_models["node_0"] = LinearPowerModel(COEF)
    env.resource_state = object()
    with pytest.raises(TypeError, match="ResourceState"):
        e.total()


def test_energy_of_another_environment():
    env = run_one(LinearPowerModel(COEF))
    other = faassim.Environment()
    other.topology = faassim.Topology([faassim.Node("node_0", "1", "1Gi")])
    (rep,) = env.faas.get_replicas("f")
    with pytest.raises(ValueError, match="not a replica of this environment"):
        other.energy.replica_energy(rep)
    assert other.energy.total() == 0.0
    assert isinstance(env.energy, Energy) and env.energy.env is env


# ---------------------------------------------------------------------------
# 5. Memory
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("drop_at", [0.5, 3.0])
def test_dropped_environment_is_collected(drop_at):
    ch = characterization(Constant(1.0))
    env = make_env(lambda c: PowerPredictionSimulator(1, ch), models={"node_0": NodePowerModel(1.0, [1.0] * 4)})
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0, 0.1, 0.2, 2.0]))
    faassim.ResourceMonitor(env, 0.25).start()
    env.run(until=drop_at)
    assert env.energy.total() > 0
    (rep,) = env.faas.get_replicas("f")
    refs = [weakref.ref(env), weakref.ref(rep.simulator), weakref.ref(env.energy)]
    del env, rep
    gc.collect()
    assert all(r() is None for r in refs)


def test_module_doctests():
    failures, tried = doctest.testmod(faassim.energy, optionflags=doctest.ELLIPSIS)
    assert failures == 0 and tried > 0


@pytest.mark.parametrize("bad", [5, 2.5, "node"])
def test_power_model_that_is_not_a_model_is_refused(bad):
    # energy queries: a number used to count as a model without predict (0 J)
    env = make_env(lambda c: PowerPredictionSimulator(0, characterization(Constant(2.0))), models={"node_0": bad})
    env.run(until=1)
    with pytest.raises(TypeError, match=r"env.energy: env.power_models\['node_0'\] is .* a power model must be"):
        env.energy.node_energy("node_0")
    # a request's power prediction
    deploy(env, "f")
    env.faas.add_source("f", Replay([2.0]))
    with pytest.raises(TypeError, match=r"PowerPredictionSimulator: env.power_models\['node_0'\] is "):
        env.run()
