"""Contention: processor sharing of a node's cpu (Node(cpu_sharing=...),
env.faas.set_cpu_sharing, Watchdog.execute_work).

Expected values are computed by hand (processor sharing with Constant
execution times and simultaneous arrivals), from queueing theory (M/M/1
processor sharing: mean response time 1 / (mu - lambda)), or from work
conservation (the cpu-seconds the executions need, whatever their speed)."""

import gc
import math
import weakref

import pytest

import faassim
from faassim import (
    FetOracle,
    ForkingWatchdog,
    FunctionCharacterization,
    FunctionResourceCharacterization,
    HTTPWatchdog,
    Poisson,
    Replay,
    ResourceOracle,
)
from faassim.distributions import Constant, Exponential

NODE = "node_0"


def characterization(image, fet, cpu, ram=0.0, gpu=0.0):
    res = FunctionResourceCharacterization(cpu=cpu, blkio=0.0, gpu=gpu, net=0.0, ram=ram)
    fet = Constant(fet) if isinstance(fet, (int, float)) else fet
    return FunctionCharacterization(image, FetOracle({("node", image): fet}), ResourceOracle({("node", image): res}))


class Factory(faassim.SimulatorFactory):
    """Each container's image gets its characterization from `chars`."""

    def __init__(self, chars, make=ForkingWatchdog):
        self.chars = chars
        self.make = make

    def create(self, env, container):
        return self.make(self.chars[container.image])


def make_env(chars, sharing=None, capacity=1.0, seed=1, make=ForkingWatchdog, node_kwargs=None):
    """One 16-core node; one function per image of `chars` (name = image)."""
    env = faassim.Environment(seed=seed)
    kw = dict(node_kwargs or {})
    if sharing is not None:
        kw.update(cpu_sharing=sharing, cpu_sharing_capacity=capacity)
    env.topology = faassim.Topology([faassim.Node(NODE, "16", "64Gi", **kw)])
    env.simulator_factory = Factory(chars, make)
    for image in chars:
        fn = faassim.Function(image, [faassim.FunctionImage(image)])
        env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])]))
    return env


def fets(env):
    f = env.metrics.to_numpy("fets")
    return {
        (name, rid): (s, e)
        for name, rid, s, e in zip(
            f["function_name"].tolist(), f["request_id"].tolist(), f["t_fet_start"].tolist(), f["t_fet_end"].tolist()
        )
    }


def durations(env):
    return sorted(e - s for s, e in fets(env).values())


T0 = 10.0  # arrivals once the replicas run


# ---------------------------------------------------------------------------
# Hand-computed sharing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["proportional", "equal"])
@pytest.mark.parametrize("make", [ForkingWatchdog, lambda ch: HTTPWatchdog(4, ch)])
def test_two_equal_executions_sharing_one_core_take_twice_as_long(mode, make):
    env = make_env({"a": characterization("a", 1.0, 1.0)}, sharing=mode, make=make)
    env.faas.add_source("a", Replay([T0, T0]))
    env.run()
    assert [(s, e) for s, e in fets(env).values()] == [(T0, T0 + 2.0), (T0, T0 + 2.0)]
    # the same without sharing: full speed
    env = make_env({"a": characterization("a", 1.0, 1.0)}, make=make)
    env.faas.add_source("a", Replay([T0, T0]))
    env.run()
    assert durations(env) == [1.0, 1.0]


THREE = {"a": (1.0, 0.5), "b": (2.0, 0.5), "c": (3.0, 1.0)}  # image: (execution time, cpu claim)


def three_env(mode):
    env = make_env({k: characterization(k, fet, cpu) for k, (fet, cpu) in THREE.items()}, sharing=mode)
    for k in THREE:
        env.faas.add_source(k, Replay([T0]))
    env.run()
    return {name: (s - T0, e - T0) for (name, _), (s, e) in fets(env).items()}


def test_three_unequal_claims_proportional():
    # claims 0.5 + 0.5 + 1.0 = 2 on 1 core: all at half speed. a (1 s) ends
    # at 2; b (1 s left) and c (2 s left) then share at 1 / 1.5 = 2/3: b
    # ends at 2 + 1.5 = 3.5, c has 2 - 1 = 1 s left, alone: ends at 4.5.
    got = three_env("proportional")
    assert got["a"] == (0.0, 2.0)
    assert got["b"][1] == pytest.approx(3.5, rel=1e-12)
    assert got["c"][1] == pytest.approx(4.5, rel=1e-12)


def test_three_unequal_claims_equal_shares():
    # equal shares: level 1/3 each (every claim exceeds it): a and b at
    # (1/3) / 0.5 = 2/3 speed, c at 1/3. a ends at 1.5 (b: 1 s left, c:
    # 2.5 s left); then b's 0.5 fits under the level 0.5: full speed, ends
    # at 2.5; c runs at 0.5 meanwhile (2 s left), then alone: ends at 4.5.
    got = three_env("equal")
    assert got["a"][1] == pytest.approx(1.5, rel=1e-12)
    assert got["b"][1] == pytest.approx(2.5, rel=1e-12)
    assert got["c"][1] == pytest.approx(4.5, rel=1e-12)


def test_under_capacity_times_are_those_without_sharing():
    # 1.42 per execution (faas-sim's watchdog claim) on a node whose shared
    # capacity is 100: never exceeded, so every time is bit-identical to a run
    # without sharing
    chars = {"a": characterization("a", Exponential(2.0), 1.42)}
    runs = []
    for sharing in (None, "proportional"):
        env = make_env(chars, sharing=sharing, capacity=100.0, seed=5)
        env.faas.add_source("a", Poisson(rate=3.0), until=200.0)
        env.run(until=300)
        runs.append(fets(env))
    assert len(runs[0]) > 400
    assert runs[0] == runs[1]


def test_capacity_changes_at_run_time():
    env = make_env({"a": characterization("a", 2.0, 1.0)}, sharing="proportional")
    env.faas.add_source("a", Replay([T0, T0]))
    env.run(until=T0 + 1.0)  # both half done... a quarter: 0.5 s each
    info = env.faas.cpu_sharing(NODE)
    assert info["executions"] == 2 and info["demand"] == 2.0 and info["used"] == 1.0 and info["excess"] == 1.0
    env.faas.set_cpu_sharing(NODE, "proportional", capacity=2.0)  # full speed from now: 1.5 s left
    env.run()
    assert durations(env) == [2.5, 2.5]
    with pytest.raises(KeyError, match="unknown node 'nope'"):
        env.faas.set_cpu_sharing("nope", "equal")


def test_turned_on_at_run_time_and_off_when_idle():
    env = make_env({"a": characterization("a", 1.0, 1.0)})
    assert env.faas.cpu_sharing(NODE) is None
    env.faas.set_cpu_sharing(env.topology.get_nodes()[0], "equal")  # a Node works too
    env.faas.add_source("a", Replay([T0, T0, T0 + 10]))
    env.run(until=T0 + 1)
    with pytest.raises(RuntimeError, match="cannot turn cpu sharing off while executions share"):
        env.faas.set_cpu_sharing(NODE, None)
    env.run(until=T0 + 5)
    env.faas.set_cpu_sharing(NODE, None)
    env.run()
    assert durations(env) == [1.0, 2.0, 2.0]
    assert env.faas.cpu_sharing(NODE) is None


# ---------------------------------------------------------------------------
# Work conservation, utilization and energy
# ---------------------------------------------------------------------------


def test_work_conservation_and_capped_utilization():
    # bursts of executions claiming a whole node each (capacity 1): the node
    # is saturated whenever it is busy, so busy time x capacity is the work,
    # sum of cpu x execution time, and so is the integral of the node's
    # cpu utilization (the claims, up to 3 at once, are capped at 1)
    fet = Exponential(1.0)
    env = make_env({"a": characterization("a", fet, 1.0)}, sharing="proportional", seed=3)
    env.power_models[NODE] = faassim.NodePowerModel(2.0, [10.0], features=("cpu",))
    env.faas.add_source("a", Replay(sorted([T0 + 5.0 * (i // 3) for i in range(300)])))
    env.run()
    f = env.metrics.to_numpy("fets")
    stretched = (f["t_fet_end"] - f["t_fet_start"]).sum()
    info = env.faas.cpu_sharing(NODE)
    work = info["used_integral"]
    assert info["busy_time"] * info["capacity"] == pytest.approx(work, rel=1e-9)
    assert env.resource_state.get_integral(NODE, "cpu") == pytest.approx(work, rel=1e-9)
    assert env.energy.dynamic_energy(NODE) == pytest.approx(10.0 * work, rel=1e-9)
    # the claims were held for the stretched times: the excess is the rest
    assert info["excess_integral"] == pytest.approx(stretched - work, rel=1e-9)
    # per replica: what its executions used, not what they claimed
    (rep,) = env.faas.get_replicas("a")
    assert env.resource_state.get_integral(rep, "cpu") == pytest.approx(work, rel=1e-9)
    # the work is what the requests needed at full speed: the same draws
    # (same seed) without sharing
    off = make_env({"a": characterization("a", fet, 1.0)}, seed=3)
    off.faas.add_source("a", Replay(sorted([T0 + 5.0 * (i // 3) for i in range(300)])))
    off.run()
    g = off.metrics.to_numpy("fets")
    assert (g["t_fet_end"] - g["t_fet_start"]).sum() == pytest.approx(work, rel=1e-9)
    assert stretched > 1.5 * work


def test_monitor_reports_at_most_capacity():
    env = make_env({"a": characterization("a", 4.0, 1.42)}, sharing="equal")
    monitor = faassim.ResourceMonitor(env, 0.5)
    monitor.start()
    env.faas.add_source("a", Replay([T0] * 3))
    env.run(until=T0 + 3)
    rows = env.metrics.to_numpy("node_utilization")
    busy = rows["time"] > T0
    assert busy.any()
    assert rows["cpu"][busy].max() == pytest.approx(1.0, rel=1e-12)  # claims 4.26, capacity 1
    fu = env.metrics.to_numpy("function_utilization")
    assert fu["cpu"][fu["time"] > T0].max() == pytest.approx(1.0, rel=1e-12)
    # the claims themselves stay what was put
    (rep,) = env.faas.get_replicas("a")
    assert env.resource_state.get_resource_utilization(rep).get_resource("cpu") == pytest.approx(3 * 1.42)


# ---------------------------------------------------------------------------
# M/M/1 processor sharing
# ---------------------------------------------------------------------------


def test_mm1_processor_sharing_mean_response_time():
    # Poisson arrivals (lambda = 0.5), exponential work (mu = 1), each
    # claiming the whole node: M/M/1-PS, whose mean response time is
    # 1 / (mu - lambda) = 2 whatever the discipline. Over 200,000 requests
    # (after a warm-up of 1,000 s) the batch means of 20 batches of 10,000
    # give the run's own standard error: about 0.01 (0.5 %) with this seed,
    # 0.0075 to 0.02 over seeds 11 to 16, whose means were all within 0.012
    # of 2. The tolerance, 3 % (0.06), is 6 of this run's standard errors,
    # and at least 3 of any run that passes the check on the batch spread
    # (which keeps the tolerance honest if the run's variance ever changes).
    lam, mu = 0.5, 1.0
    env = make_env({"a": characterization("a", Exponential(mu), 1.0)}, sharing="proportional", seed=11)
    env.faas.add_source("a", Poisson(rate=lam), until=T0 + 1000.0 + 440_000.0)
    env.run()
    f = env.metrics.to_numpy("fets")
    keep = f["t_fet_start"] > T0 + 1000.0
    t = (f["t_fet_end"] - f["t_fet_start"])[keep][:200_000]
    assert len(t) == 200_000
    batches = t.reshape(20, -1).mean(axis=1)
    se = batches.std(ddof=1) / math.sqrt(len(batches))
    assert se < 0.02
    assert t.mean() == pytest.approx(1.0 / (mu - lam), rel=0.03)


# ---------------------------------------------------------------------------
# Python overrides
# ---------------------------------------------------------------------------


class HalfWork(ForkingWatchdog):
    """execute does half the sampled work with execute_work, then the rest."""

    def execute(self, env, replica, request):
        yield self.execute_work(env, replica, request, 0.5)
        yield self.execute_work(env, replica, request, 0.5, cpu=0.0)  # needs no cpu: full speed


class SuperExecute(ForkingWatchdog):
    def execute(self, env, replica, request):
        yield from super().execute(env, replica, request)


def test_execute_work_from_python():
    # two requests: the first halves share (1 s each), the second halves run
    # at full speed (0.5 s each)
    env = make_env({"a": characterization("a", 1.0, 1.0)}, sharing="proportional", make=HalfWork)
    env.faas.add_source("a", Replay([T0, T0]))
    env.run()
    assert durations(env) == [1.5, 1.5]
    env = make_env({"a": characterization("a", 1.0, 1.0)}, sharing="proportional", make=SuperExecute)
    env.faas.add_source("a", Replay([T0, T0]))
    env.run()
    assert durations(env) == [2.0, 2.0]
    # without sharing execute_work is a plain wait
    env = make_env({"a": characterization("a", 1.0, 1.0)}, make=HalfWork)
    env.faas.add_source("a", Replay([T0, T0]))
    env.run()
    assert durations(env) == [1.0, 1.0]


class BadWork(ForkingWatchdog):
    def __init__(self, ch, seconds, cpu=None):
        super().__init__(ch)
        self.seconds, self.cpu = seconds, cpu

    def execute(self, env, replica, request):
        yield self.execute_work(env, replica, request, self.seconds, cpu=self.cpu)


@pytest.mark.parametrize(
    "seconds, cpu, exc, match",
    [
        (-1.0, None, ValueError, "seconds must be finite and >= 0, got -1.0"),
        (math.nan, None, ValueError, "seconds must be finite and >= 0"),
        ("1", None, TypeError, "seconds must be a real number, not str"),
        (1.0, -0.5, ValueError, "cpu must be finite and >= 0, got -0.5"),
        (1.0, True, TypeError, "cpu must be a real number, not bool"),
    ],
)
def test_execute_work_refuses_bad_values(seconds, cpu, exc, match):
    env = make_env(
        {"a": characterization("a", 1.0, 1.0)},
        sharing="proportional",
        make=lambda ch: BadWork(ch, seconds, cpu),
    )
    env.faas.add_source("a", Replay([T0]))
    with pytest.raises(exc, match=match):
        env.run()


# ---------------------------------------------------------------------------
# Off by default, determinism, errors, memory
# ---------------------------------------------------------------------------


def scenario(sharing_kwargs, seed=7):
    chars = {"a": characterization("a", Exponential(1.0), 1.42, ram=0.1), "b": characterization("b", 0.3, 0.6)}
    env = make_env(chars, seed=seed, node_kwargs=sharing_kwargs)
    monitor = faassim.ResourceMonitor(env, 1.0)
    monitor.start()
    env.faas.add_source("a", Poisson(rate=2.0), until=100.0)
    env.faas.add_source("b", Poisson(rate=3.0), until=100.0)
    env.run(until=400)
    names = ("fets", "invocations", "node_utilization", "function_utilization")
    # NaN (a resource a function never claims) as None, so that == compares
    return {
        n: {k: [None if x != x else x for x in v.tolist()] for k, v in env.metrics.to_numpy(n).items()} for n in names
    }


def test_off_by_default_identical_to_explicitly_off():
    assert faassim.Node("x_0").cpu_sharing is None
    default = scenario({})
    assert default == scenario({"cpu_sharing": None})
    # claims average 3.4 cpu, at times over the shared capacity 4: with
    # sharing on, the times stretch then
    on = scenario({"cpu_sharing": "proportional", "cpu_sharing_capacity": 4.0})
    def start_end(run):
        f = run["fets"]
        return {(n, r): (s, e) for n, r, s, e in zip(f["function_name"], f["request_id"], f["t_fet_start"], f["t_fet_end"])}

    on_t, off_t = start_end(on), start_end(default)
    assert on_t.keys() == off_t.keys()
    assert all(on_t[k][0] == off_t[k][0] and on_t[k][1] >= off_t[k][1] for k in on_t)  # same starts, later ends
    assert sum(on_t[k][1] - off_t[k][1] for k in on_t) > 10.0
    assert max(on["node_utilization"]["cpu"]) <= 4.0 + 1e-12 < max(default["node_utilization"]["cpu"])


def test_determinism_per_seed():
    on = {"cpu_sharing": "equal", "cpu_sharing_capacity": 4.0}
    assert scenario(on, seed=4) == scenario(on, seed=4)
    assert scenario(on, seed=4)["fets"] != scenario(on, seed=5)["fets"]


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"cpu_sharing": "fair"}, ValueError, "cpu_sharing must be None, 'proportional' or 'equal', got 'fair'"),
        ({"cpu_sharing": 1}, ValueError, "cpu_sharing must be None, 'proportional' or 'equal', got 1"),
        ({"cpu_sharing": "equal", "cpu_sharing_capacity": 0}, ValueError, "must be finite and > 0, got 0"),
        ({"cpu_sharing_capacity": -1.0}, ValueError, "cpu_sharing_capacity must be finite and > 0, got -1.0"),
        ({"cpu_sharing_capacity": math.inf}, ValueError, "must be finite and > 0, got inf"),
        ({"cpu_sharing_capacity": math.nan}, ValueError, "must be finite and > 0, got nan"),
        ({"cpu_sharing_capacity": "1"}, TypeError, "cpu_sharing_capacity must be a real number, got '1'"),
        ({"cpu_sharing_capacity": True}, TypeError, "cpu_sharing_capacity must be a real number, got True"),
    ],
)
def test_node_refuses_bad_sharing(kwargs, exc, match):
    with pytest.raises(exc, match=match) as e:
        faassim.Node("edge_0", **kwargs)
    assert "node 'edge_0'" in str(e.value)


def test_set_cpu_sharing_refuses_bad_values():
    env = make_env({"a": characterization("a", 1.0, 1.0)})
    with pytest.raises(ValueError, match="cpu_sharing must be None, 'proportional' or 'equal', got 'max-min'"):
        env.faas.set_cpu_sharing(NODE, "max-min")
    with pytest.raises(ValueError, match="cpu_sharing_capacity must be finite and > 0, got -2"):
        env.faas.set_cpu_sharing(NODE, "equal", -2)
    with pytest.raises(TypeError, match="cpu_sharing_capacity must be a real number, not str"):
        env.faas.set_cpu_sharing(NODE, "equal", "2")
    assert env.faas.cpu_sharing(NODE) is None
    with pytest.raises(AttributeError):
        env.topology.get_nodes()[0].cpu_sharing = "equal"  # read-only: set_cpu_sharing during a run


def test_environment_dropped_while_executions_share():
    env = make_env({"a": characterization("a", 5.0, 1.0)}, sharing="proportional")
    env.faas.add_source("a", Replay([T0] * 4))
    env.run(until=T0 + 1)
    assert env.faas.cpu_sharing(NODE)["executions"] == 4
    ref = weakref.ref(env)
    del env
    gc.collect()
    assert ref() is None


def test_recorded_execution_times_are_work():
    # requests with recorded execution times (replayed traces): 1 s and 3 s
    # of work, each claiming the whole node, sent at once: half speed until
    # the first ends at 2; the second has 2 s left, alone: ends at 4
    env = make_env({"a": characterization("a", 99.0, 1.0)}, sharing="proportional")

    def send(env):
        yield env.timeout(T0)
        done = [env.faas.invoke(faassim.FunctionRequest("a", exec_time=t)) for t in (3.0, 1.0)]
        yield env.all_of(done)

    env.process(send(env))
    env.run()
    assert durations(env) == [2.0, 4.0]


# ---------------------------------------------------------------------------
# GPU
# ---------------------------------------------------------------------------


def test_gpu_sharing():
    # two inference calls, each claiming the whole gpu and a tenth of the
    # cpu: with gpu sharing they take twice as long; cpu sharing alone does
    # not slow them (their cpu fits)
    chars = {"a": characterization("a", 1.0, 0.1, gpu=1.0)}
    for kwargs, expected in (
        ({"gpu_sharing": "proportional"}, [2.0, 2.0]),
        ({"gpu_sharing": "equal"}, [2.0, 2.0]),
        ({"cpu_sharing": "proportional"}, [1.0, 1.0]),
        ({}, [1.0, 1.0]),
    ):
        env = make_env(chars, node_kwargs=kwargs)
        env.faas.add_source("a", Replay([T0, T0]))
        env.run()
        assert durations(env) == expected, kwargs
    assert env.faas.gpu_sharing(NODE) is None


def test_cpu_and_gpu_bottlenecks():
    # A (cpu 1, 1 s), B (cpu 0.5, gpu 1, 1 s), C (gpu 1, 2 s), both shared
    # with capacity 1: the cpu allows 1 / 1.5 = 2/3, the gpu 1/2; A runs at
    # 2/3, B and C at 1/2 (gpu-bound). A ends at 1.5 (B: 0.25 s left, C:
    # 1.25 s). Then the cpu fits and the gpu still allows 1/2: B ends at 2
    # (C: 1 s left), C alone at full speed ends at 3.
    chars = {
        "a": characterization("a", 1.0, 1.0),
        "b": characterization("b", 1.0, 0.5, gpu=1.0),
        "c": characterization("c", 2.0, 0.0, gpu=1.0),
    }
    env = make_env(chars, node_kwargs={"cpu_sharing": "proportional", "gpu_sharing": "proportional"})
    env.power_models[NODE] = faassim.NodePowerModel(1.0, [3.0, 7.0], features=("cpu", "gpu"))
    for k in chars:
        env.faas.add_source(k, Replay([T0]))
    env.run()
    got = {name: e - T0 for (name, _), (s, e) in fets(env).items()}
    assert got["a"] == pytest.approx(1.5, rel=1e-12)
    assert got["b"] == pytest.approx(2.0, rel=1e-12)
    assert got["c"] == pytest.approx(3.0, rel=1e-12)
    # work conservation per resource: cpu 1 x 1 + 0.5 x 1, gpu 1 x 1 + 1 x 2
    assert env.resource_state.get_integral(NODE, "cpu") == pytest.approx(1.5, rel=1e-12)
    assert env.resource_state.get_integral(NODE, "gpu") == pytest.approx(3.0, rel=1e-12)
    assert env.energy.dynamic_energy(NODE) == pytest.approx(3.0 * 1.5 + 7.0 * 3.0, rel=1e-12)
    gpu = env.faas.gpu_sharing(NODE)
    assert gpu["busy_time"] == pytest.approx(3.0) and gpu["used_integral"] == pytest.approx(3.0)
    # the gpu's claims were held 2 s (B) + 3 s (C): 2 claimed beyond use
    assert gpu["excess_integral"] == pytest.approx(2.0, rel=1e-12)


def test_gpu_sharing_settings_and_errors():
    env = make_env({"a": characterization("a", 1.0, 0.1, gpu=1.0)})
    env.faas.set_gpu_sharing(NODE, "equal", capacity=2.0)
    assert env.faas.gpu_sharing(NODE)["capacity"] == 2.0 and env.faas.cpu_sharing(NODE) is None
    with pytest.raises(ValueError, match="gpu_sharing must be None, 'proportional' or 'equal', got 'all'"):
        env.faas.set_gpu_sharing(NODE, "all")
    with pytest.raises(ValueError, match="node 'gpu_0': gpu_sharing_capacity must be finite and > 0, got 0"):
        faassim.Node("gpu_0", gpu_sharing="equal", gpu_sharing_capacity=0)
    with pytest.raises(TypeError, match="gpu_sharing_capacity must be a real number"):
        faassim.Node("gpu_0", gpu_sharing_capacity="2")
    n = faassim.Node("gpu_0", gpu_sharing="proportional", gpu_sharing_capacity=4)
    assert (n.gpu_sharing, n.gpu_sharing_capacity, n.cpu_sharing) == ("proportional", 4.0, None)
