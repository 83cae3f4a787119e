"""Standing claims: the built-in watchdogs claim the same characterized
vector for every request, and env.resource_state holds those claims as a
multiplicity per replica (O(1) per claim and release) instead of adding
each value to exact accumulators. Everything observable must be what loose
puts and removes of the same values give: amounts (exact), masks, views and
snapshots, time integrals (to the rounding of two different sums), and the
mix with Python code that puts or removes on the same replicas (a remove
that needs more than the loose amount folds the standing claims into it)."""

import numpy as np
import pytest

import faassim
from faassim import (
    FetOracle,
    FunctionCharacterization,
    FunctionResourceCharacterization,
    HTTPWatchdog,
    LinearPowerModel,
    PowerPredictionSimulator,
    Replay,
    ResourceOracle,
)
from faassim.distributions import Exponential

IMG = "img"
RES = dict(cpu=0.25, blkio=1e6, gpu=0.5, net=2e5, ram=0.1)
NAMES = ("cpu", "gpu", "blkio", "net", "ram")
NODES = ("node_0", "node_1")


def characterization():
    r = FunctionResourceCharacterization(**RES)
    return FunctionCharacterization(IMG, FetOracle({("node", IMG): Exponential(1.0)}),
                                    ResourceOracle({("node", IMG): r}))


class LooseWatchdog(HTTPWatchdog):
    """Claims the same five values from Python: loose puts and removes."""

    def claim_resources(self, env, replica, request):
        for k in NAMES:
            env.resource_state.put_resource(replica, k, RES[k])

    def release_resources(self, env, replica, request):
        for k in NAMES:
            env.resource_state.remove_resource(replica, k, RES[k])


class Factory(faassim.SimulatorFactory):
    def __init__(self, make):
        self.make = make

    def create(self, env, container):
        return self.make()


def make_env(cls, n=2000, seed=3):
    env = faassim.Environment(seed=seed)
    env.topology = faassim.Topology([faassim.Node(n_, "16", "64Gi") for n_ in NODES])
    ch = characterization()
    env.simulator_factory = Factory(lambda: cls(3, ch))
    fn = faassim.Function("f", [faassim.FunctionImage(IMG)])
    env.faas.deploy(faassim.FunctionDeployment(
        fn, [faassim.FunctionContainer(fn.fn_images[0])], faassim.ScalingConfiguration(scale_min=3)))
    # arrivals drawn apart from env.rng: both variants see the same sample path
    env.faas.add_source("f", Replay(np.cumsum(np.random.default_rng(seed).exponential(1 / 4.0, n))))
    return env


def observe(env, times, fn):
    def proc(env):
        for t in times:
            yield env.timeout(t - env.now)
            fn(env)
    env.process(proc(env))


def state(env):
    rs = env.resource_state
    reps = env.faas.get_replicas("f")
    return (
        [rs.get_resource_utilization(r).list_resources() for r in reps],
        [rs.get_node_resource_utilization(n).total_utilization.list_resources() for n in NODES],
        [rs.get_resource_utilization(r).is_empty() for r in reps],
        [rs.get_resource_utilization(r).copy().list_resources() for r in reps],
    )


def integrals(env):
    rs = env.resource_state
    reps = env.faas.get_replicas("f")
    return ([[rs.get_integral(r, k) for k in NAMES] for r in reps]
            + [[rs.get_integral(n, k) for k in NAMES] for n in NODES])


TIMES = [3.1 + 7.3 * i for i in range(60)]  # never event times


def run_observed(cls, hook=None):
    env = make_env(cls)
    seen = []

    def look(env):
        if hook:
            hook(env)
        seen.append((env.now, state(env), integrals(env)))
    observe(env, TIMES, look)
    env.run()
    seen.append((env.now, state(env), integrals(env)))
    return env, seen


def assert_close_integrals(a, b):
    for ra, rb in zip(a, b):
        assert ra == pytest.approx(rb, rel=1e-12, abs=1e-9)


def test_standing_claims_read_exactly_as_loose_claims():
    builtin, sb = run_observed(HTTPWatchdog)
    loose, sl = run_observed(LooseWatchdog)
    assert len(sb) == len(sl) == len(TIMES) + 1
    busy = 0
    for (t1, st1, in1), (t2, st2, in2) in zip(sb, sl):
        assert t1 == t2
        assert st1 == st2  # amounts (exact sums rounded once), views, snapshots
        assert_close_integrals(in1, in2)
        busy += sum(1 for u in st1[0] if u and u["cpu"] > 0)
    assert busy > 20  # requests were running at many of the looks
    # everything back to exactly zero, listed
    for u in sb[-1][1][0] + sb[-1][1][1]:
        assert u == {k: 0.0 for k in NAMES}
    assert builtin.resource_state._valid()
    # the time-weighted mean over the run is that of the fets rows
    f = builtin.metrics.to_numpy("fets")
    busy_time = float(np.sum(f["t_fet_end"] - f["t_fet_start"]))
    total = sum(builtin.resource_state.get_integral(n, "cpu") for n in NODES)
    assert total == pytest.approx(0.25 * busy_time, rel=1e-12)


def grab_and_return(env):
    """Python code that removes from a replica what the built-in claims
    hold (more than its loose amount: the standing claims are folded) and
    puts it back at once: nothing observable changes."""
    rs = env.resource_state
    for r in env.faas.get_replicas("f"):
        held = rs.get_resource_utilization(r).list_resources()
        if held and held["cpu"] > 0:
            rs.remove_resource(r, "cpu", held["cpu"])
            rs.remove_resource(r, "net", held["net"])
            assert rs.get_resource_utilization(r).get_resource("cpu") == 0.0
            rs.put_resource(r, "cpu", held["cpu"])
            rs.put_resource(r, "net", held["net"])


def test_python_removes_that_need_the_standing_claims_fold_them():
    plain, sp = run_observed(HTTPWatchdog)
    mixed, sm = run_observed(HTTPWatchdog, grab_and_return)
    for (t1, st1, in1), (t2, st2, in2) in zip(sp, sm):
        assert st1 == st2
        assert_close_integrals(in1, in2)
    assert mixed.resource_state._valid()
    assert np.array_equal(plain.metrics.to_numpy("fets")["t_fet_end"], mixed.metrics.to_numpy("fets")["t_fet_end"])


def test_removing_more_than_loose_and_standing_together_is_refused():
    env = make_env(HTTPWatchdog, n=50)
    errors = []

    def greedy(env):
        rs = env.resource_state
        for r in env.faas.get_replicas("f"):
            held = rs.get_resource_utilization(r).list_resources()
            if held and held["cpu"] > 0:
                before = (held, rs.get_node_resource_utilization(r.node.name).total_utilization.list_resources())
                with pytest.raises(ValueError, match="cpu"):
                    rs.remove_resource(r, "cpu", held["cpu"] * 2)
                after = (rs.get_resource_utilization(r).list_resources(),
                         rs.get_node_resource_utilization(r.node.name).total_utilization.list_resources())
                assert before == after
                errors.append(r)
    observe(env, [2.05, 5.05, 9.05], greedy)
    env.run()
    assert errors
    assert env.resource_state._valid()
    for n in NODES:
        assert all(v == 0.0 for v in
                   env.resource_state.get_node_resource_utilization(n).total_utilization.list_resources().values())


def test_a_new_vector_while_claims_are_held_is_claimed_loose():
    """A power model replaced mid-run: the predicted power changes while
    requests hold the old one; both are released exactly."""
    env = faassim.Environment(seed=2)
    env.topology = faassim.Topology([faassim.Node("node_0", "16", "64Gi")])
    ch = characterization()
    env.simulator_factory = Factory(lambda: PowerPredictionSimulator(2, ch))
    env.power_models["node_0"] = LinearPowerModel([10.0, 20.0, 0.0, 0.0, 1.0])
    fn = faassim.Function("f", [faassim.FunctionImage(IMG)])
    env.faas.deploy(faassim.FunctionDeployment(
        fn, [faassim.FunctionContainer(fn.fn_images[0])], faassim.ScalingConfiguration(scale_min=1)))
    env.faas.add_source("f", Replay(np.cumsum(np.random.default_rng(1).exponential(0.4, 400))))
    powers = []

    def swap(env):
        u = env.resource_state.get_resource_utilization(env.faas.get_replicas("f")[0]).list_resources()
        powers.append(u.get("power", 0.0))
        m = env.power_models["node_0"]
        env.power_models["node_0"] = LinearPowerModel(list(m.coef_ * 1.5), m.intercept_)
    observe(env, [10.01 + 13 * i for i in range(10)], swap)
    env.run()
    assert any(p > 0 for p in powers)
    f = env.metrics.to_numpy("fets")
    assert len(set(np.round(f["watts"], 9))) > 3  # several vectors were claimed
    rs = env.resource_state
    total = rs.get_node_resource_utilization("node_0").total_utilization.list_resources()
    assert total and all(v == 0.0 for v in total.values())
    assert rs._valid()
    # the energy of the node's power claims is the sum of the requests' joules
    assert rs.get_integral("node_0", "power") == pytest.approx(float(np.sum(f["joules"])), rel=1e-12)
