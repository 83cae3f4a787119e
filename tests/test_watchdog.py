"""Watchdogs (faassim.watchdog): the worker pool and its FIFO queue, the
claim / execute / release steps in C and as Python sub-hooks, the `fets`
rows, resource claims on env.resource_state, the reference
characterizations, determinism, garbage collection and errors.

Expected values are computed here: by hand (Constant execution times and
Replay arrivals), from queueing theory (Erlang C for M/M/c), from the
distributions' exact means, or from a run of the built-in watchdog."""

import gc
import heapq
import math
import random
import traceback
import weakref
from fractions import Fraction

import numpy as np
import pytest

import faassim
from faassim import (
    FetOracle,
    ForkingWatchdog,
    FunctionCharacterization,
    FunctionRequest,
    FunctionResourceCharacterization,
    FunctionState,
    HTTPWatchdog,
    Poisson,
    Replay,
    ResourceOracle,
    Watchdog,
    WorkerQueue,
)
from faassim import _core
from faassim.distributions import Constant, Exponential, Uniform

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

IMG = "img"
RES = dict(cpu=0.25, blkio=1e6, gpu=0.5, net=2e5, ram=0.1)  # all non-zero; 0.1 is not a binary fraction
RES_NAMES = ("cpu", "gpu", "blkio", "net", "ram")


def characterization(fet=None, node_type="node", image=IMG, **res):
    """One image on one node type: execution time *fet* (Constant(1.0) by
    default) and the resources RES (overridden by *res*)."""
    r = FunctionResourceCharacterization(**{**RES, **res})
    return FunctionCharacterization(
        image,
        FetOracle({(node_type, image): Constant(1.0) if fet is None else fet}),
        ResourceOracle({(node_type, image): r}),
    )


class Factory(faassim.SimulatorFactory):
    """Each replica gets make() (or make(container) if it takes one)."""

    def __init__(self, make, per_container=False):
        self.make = make
        self.per_container = per_container

    def create(self, env, container):
        return self.make(container) if self.per_container else self.make()


def make_env(make, nodes=("node_0",), replicas=1, seed=1, image=IMG, name="f"):
    env = faassim.Environment(seed=seed)
    env.topology = faassim.Topology([faassim.Node(n, "16", "64Gi") for n in nodes])
    env.simulator_factory = Factory(make)
    deploy(env, name, image, replicas)
    return env


def deploy(env, name, image=IMG, replicas=1):
    fn = faassim.Function(name, [faassim.FunctionImage(image)])
    scaling = faassim.ScalingConfiguration(scale_min=replicas)
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])], scaling))


def rows(env, table="fets"):
    return {k: v.tolist() for k, v in env.metrics.to_numpy(table).items()}


def by_request(env):
    """fets rows as {request_id: (t_wait_start, t_wait_end, t_fet_start, t_fet_end)}."""
    r = rows(env)
    return {
        rid: (ws, we, fs, fe)
        for rid, ws, we, fs, fe in zip(
            r["request_id"], r["t_wait_start"], r["t_wait_end"], r["t_fet_start"], r["t_fet_end"]
        )
    }


def resources_of(env, replica):
    return env.resource_state.get_resource_utilization(replica).list_resources()


def node_resources(env, node):
    return env.resource_state.get_node_resource_utilization(node).total_utilization.list_resources()


def claimed(n, **res):
    """What n running requests hold: each value times n, exactly."""
    values = {**RES, **res}
    return {k: float(Fraction(values[k]) * n) for k in RES_NAMES if values[k] != 0.0}


def assert_all_released(env):
    """Every replica and node holds exactly 0.0 of everything."""
    rs = env.resource_state
    for node in env.topology:
        for rep, util in rs.list_resource_utilization(node.name):
            assert all(v == 0.0 for v in util.list_resources().values()), (rep, util.list_resources())
        total = rs.get_node_resource_utilization(node.name).total_utilization.list_resources()
        assert all(v == 0.0 for v in total.values()), (node.name, total)


def run_all(env):
    """run() until the simulation ends, collecting the errors it raises."""
    errors = []
    while True:
        try:
            env.run()
            return errors
        except Exception as e:  # noqa: BLE001
            errors.append(e)
            assert len(errors) < 100


def assert_same_fets(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k


class Boom(Exception):
    pass


# ---------------------------------------------------------------------------
# 1. M/M/c: HTTPWatchdog(c) with Poisson arrivals and exponential execution
# ---------------------------------------------------------------------------


def erlang_c(lam, mu, c):
    """(P(wait > 0), mean wait) of an M/M/c queue (Erlang C)."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait, p_wait / (c * mu - lam)


@pytest.mark.parametrize("workers", [1, 3])
def test_mmc_waiting_time_matches_erlang_c(workers):
    """Utilization 0.6; 6 seeds x 200k requests pooled: the standard error
    of the mean wait is ~0.4% (c=1) and ~0.7% (c=3), so 3% is > 4 sigma
    (and the seeds are fixed: the check is deterministic)."""
    mu = 2.0
    lam = 0.6 * workers * mu
    ch = characterization(Exponential(mu))
    waits, execs = [], []
    for seed in range(6):
        env = make_env(lambda: HTTPWatchdog(workers, ch), seed=seed)
        env.faas.add_source("f", Poisson(lam), max_requests=200_000)
        env.run()
        f = env.metrics.to_numpy("fets")
        assert len(f["t_fet_end"]) == 200_000
        waits.append(f["t_wait_end"] - f["t_wait_start"])
        execs.append(f["t_fet_end"] - f["t_fet_start"])
        assert np.all(f["t_wait_end"] == f["t_fet_start"])
        assert_all_released(env)
    w, e = np.concatenate(waits), np.concatenate(execs)
    p_wait, mean_wait = erlang_c(lam, mu, workers)
    assert abs(w.mean() / mean_wait - 1) < 0.03, (w.mean(), mean_wait)
    assert abs((w > 0).mean() - p_wait) < 0.01, ((w > 0).mean(), p_wait)
    assert np.all(w >= 0)
    # exponential execution times: mean 1/mu (se 0.1%), cv 1
    assert abs(e.mean() * mu - 1) < 0.01
    assert abs(e.std() / e.mean() - 1) < 0.01


# ---------------------------------------------------------------------------
# 2. FIFO order and exact times; the worker pool seen from Python
# ---------------------------------------------------------------------------

ARRIVALS = [0.0, 0.25, 0.5, 0.75, 1.5, 3.0]


def test_http_watchdog_fifo_exact_times_and_queue_views():
    """Two workers, 1 s per request. Hand-computed: r0 0-1 and r1 0.25-1.25
    take the workers; r2 (0.5) and r3 (0.75) wait for them, in order
    (1.0-2.0, 1.25-2.25); r4 (1.5) waits for r2's (2.0-3.0); r5 (3.0) finds
    r3's free."""
    ch = characterization(Constant(1.0))
    env = make_env(lambda: HTTPWatchdog(2, ch))
    env.faas.add_source("f", Replay(ARRIVALS))
    seen = {}

    def observer(env):
        (rep,) = env.faas.get_replicas("f")
        wd = rep.simulator
        for t in (0.1, 0.3, 0.9, 1.1, 1.6, 2.1, 2.5, 3.5, 4.5):
            yield env.timeout(t - env.now)
            q = wd.queue
            assert isinstance(q, WorkerQueue)
            seen[t] = (wd.busy, wd.queued, q.capacity, q.count, len(q.users), list(q.queue))
            assert resources_of(env, rep) == claimed(wd.busy)

    env.process(observer(env))
    env.run()
    assert seen == {
        0.1: (1, 0, 2, 1, 1, []),
        0.3: (2, 0, 2, 2, 2, []),
        0.9: (2, 2, 2, 2, 2, [2, 3]),
        1.1: (2, 1, 2, 2, 2, [3]),
        1.6: (2, 1, 2, 2, 2, [4]),
        2.1: (2, 0, 2, 2, 2, []),
        2.5: (1, 0, 2, 1, 1, []),
        3.5: (1, 0, 2, 1, 1, []),
        4.5: (0, 0, 2, 0, 0, []),
    }
    assert by_request(env) == {
        0: (0.0, 0.0, 0.0, 1.0),
        1: (0.25, 0.25, 0.25, 1.25),
        2: (0.5, 1.0, 1.0, 2.0),
        3: (0.75, 1.25, 1.25, 2.25),
        4: (1.5, 2.0, 2.0, 3.0),
        5: (3.0, 3.0, 3.0, 4.0),
    }
    r = rows(env)
    # rows in completion order, with the replica's names
    assert r["request_id"] == [0, 1, 2, 3, 4, 5]
    assert r["time"] == r["t_fet_end"]
    assert set(r["function_name"]) == {"f"} and set(r["function_image"]) == {IMG}
    assert set(r["node"]) == {"node_0"} and set(r["replica_id"]) == {0}
    # the invocation's t_exec includes the wait for a worker
    inv = rows(env, "invocations")
    assert inv["t_wait"] == [0.0] * 6
    assert inv["t_start"] == ARRIVALS
    assert inv["t_exec"] == [1.0, 1.0, 1.5, 1.5, 1.5, 1.0]
    assert_all_released(env)


def test_http_watchdog_one_worker_serves_in_arrival_order():
    """One worker; requests from Python and from a source interleaved, some
    at the same instant: served strictly in the order they reached the
    replica."""
    ch = characterization(Constant(0.5))
    env = make_env(lambda: HTTPWatchdog(1, ch))
    env.faas.add_source("f", Replay([0.0, 0.0, 0.1, 1.0]))
    events = {}

    def client(env):
        yield env.timeout(0.05)
        events["a"] = env.faas.invoke(FunctionRequest("f", size=3))  # id 2
        yield env.timeout(0.05)  # 0.1: after the source's request 3 (queued first)
        events["b"] = env.faas.invoke(FunctionRequest("f"))  # id 4

    env.process(client(env))
    env.run()
    got = by_request(env)
    # ids in arrival order: 0, 1 (source, t=0), 2 (client, 0.05), 3 (source, 0.1), 4 (client, 0.1), 5 (source, 1.0)
    starts = [got[i][2] for i in range(6)]
    assert starts == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert [got[i][0] for i in range(6)] == [0.0, 0.0, 0.05, 0.1, 0.1, 1.0]
    assert all(got[i][1] == got[i][2] and got[i][3] == got[i][2] + 0.5 for i in range(6))
    assert events["a"].value.t_exec == 1.5 - 0.05 and events["b"].value.t_exec == 2.5 - 0.1


def test_forking_watchdog_runs_everything_at_once():
    ch = characterization(Constant(1.0))
    env = make_env(lambda: ForkingWatchdog(ch))
    env.faas.add_source("f", Replay(ARRIVALS))
    seen = {}

    def observer(env):
        (rep,) = env.faas.get_replicas("f")
        wd = rep.simulator
        for t in (0.1, 0.9, 1.1, 1.6, 2.6, 3.5, 4.5):
            yield env.timeout(t - env.now)
            q = wd.queue
            seen[t] = (wd.busy, wd.queued, q.count, len(q.queue))
            assert q.capacity == math.inf and wd.workers == 0
            assert resources_of(env, rep) == claimed(wd.busy)
            assert node_resources(env, "node_0") == claimed(wd.busy)

    env.process(observer(env))
    env.run()
    assert seen == {
        0.1: (1, 0, 1, 0),
        0.9: (4, 0, 4, 0),
        1.1: (3, 0, 3, 0),
        1.6: (2, 0, 2, 0),
        2.6: (0, 0, 0, 0),
        3.5: (1, 0, 1, 0),
        4.5: (0, 0, 0, 0),
    }
    r = rows(env)
    # faas-sim's ForkingWatchdog logs no wait columns
    assert set(r) == {"time", "t_fet_start", "t_fet_end", "function_name", "function_image", "node", "replica_id",
                      "request_id"}
    assert r["t_fet_start"] == ARRIVALS
    assert r["t_fet_end"] == [t + 1.0 for t in ARRIVALS]
    assert rows(env, "invocations")["t_exec"] == [1.0] * 6
    assert_all_released(env)


def test_watchdog_without_characterization_takes_no_time_and_claims_nothing():
    env = make_env(lambda: HTTPWatchdog(1))
    env.faas.add_source("f", Replay([0.0, 1.0, 1.0]))
    env.run()
    assert by_request(env) == {i: (t, t, t, t) for i, t in enumerate([0.0, 1.0, 1.0])}
    (rep,) = env.faas.get_replicas("f")
    assert resources_of(env, rep) == {}
    assert rep.simulator.characterization is None


def test_zero_resources_are_not_put():
    ch = characterization(Constant(1.0), gpu=0.0, net=0.0)
    env = make_env(lambda: HTTPWatchdog(3, ch))
    env.faas.add_source("f", Replay([0.0, 0.5]))
    env.run(until=0.75)
    (rep,) = env.faas.get_replicas("f")
    assert resources_of(env, rep) == claimed(2, gpu=0.0, net=0.0)
    assert set(resources_of(env, rep)) == {"cpu", "blkio", "ram"}
    env.run()
    assert resources_of(env, rep) == claimed(0, gpu=0.0, net=0.0)


def test_mixed_http_and_forking_functions_share_the_fets_table():
    """Forking rows have no wait columns: they read NaN where an HTTP row of
    another function filled them."""
    ch = characterization(Constant(1.0))
    env = faassim.Environment(seed=1)
    env.topology = faassim.Topology([faassim.Node("node_0", "16", "64Gi")])
    env.simulator_factory = Factory(
        lambda c: ForkingWatchdog(ch) if c.image == "fork/" + IMG else HTTPWatchdog(1, ch), per_container=True
    )
    ch.fet_oracle = FetOracle({("node", IMG): Constant(1.0), ("node", "fork/" + IMG): Constant(2.0)})
    ch.resource_oracle = ResourceOracle(
        {("node", i): FunctionResourceCharacterization(**RES) for i in (IMG, "fork/" + IMG)}
    )
    deploy(env, "fork", "fork/" + IMG)
    deploy(env, "http", IMG)
    env.faas.add_source("fork", Replay([0.0, 0.5]))
    env.faas.add_source("http", Replay([0.25, 0.5]))
    env.run()
    f = env.metrics.to_numpy("fets")
    names = f["function_name"].tolist()
    # http (1 s): 0.25-1.25, then 1.25-2.25 after a wait; fork (2 s, the
    # image's own entry): 0.0-2.0 and 0.5-2.5 at once
    assert names == ["http", "fork", "http", "fork"]
    assert f["t_fet_start"].tolist() == [0.25, 0.0, 1.25, 0.5]
    assert f["t_fet_end"].tolist() == [1.25, 2.0, 2.25, 2.5]
    ws, we = f["t_wait_start"].tolist(), f["t_wait_end"].tolist()
    assert (ws[0], we[0], ws[2], we[2]) == (0.25, 0.25, 0.5, 1.25)
    assert all(math.isnan(x) for x in (ws[1], we[1], ws[3], we[3]))
    assert_all_released(env)


# ---------------------------------------------------------------------------
# 3. Claims on env.resource_state
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda ch: HTTPWatchdog(2, ch), lambda ch: ForkingWatchdog(ch)], ids=["http", "fork"])
def test_claims_are_exactly_the_running_requests(make):
    """Random arrivals at 3 replicas on 2 nodes; an observer reads the
    resource state at times where nothing happens; the running requests
    per replica are counted afterwards from the fets rows. Replica and node
    amounts are exactly the characterization times that count."""
    ch = characterization(Exponential(2.0))
    env = make_env(lambda: make(ch), nodes=("node_0", "node_1"), replicas=3, seed=5)
    env.faas.add_source("f", Poisson(8.0), max_requests=600)
    reps = env.faas.get_replicas("f")
    samples = []

    def observer(env):
        t = 0.0
        while t < 70:
            t += 0.0731  # never an event time (Poisson and exponential times)
            yield env.timeout(t - env.now)
            samples.append(
                (env.now, [resources_of(env, r) for r in reps], [node_resources(env, n) for n in ("node_0", "node_1")])
            )

    env.process(observer(env))
    env.run()
    f = env.metrics.to_numpy("fets")
    assert len(f["t_fet_end"]) == 600
    nodes = [r.node.name for r in reps]
    assert set(nodes) == {"node_0", "node_1"}
    busy_seen = 0
    for t, per_rep, per_node in samples:
        running = (f["t_fet_start"] < t) & (t < f["t_fet_end"])
        counts = [int(np.sum(running & (f["replica_id"] == r.replica_id))) for r in reps]
        for r, n, got in zip(reps, counts, per_rep):
            if got or n:  # nothing is listed before the replica's first claim
                assert got == claimed(n), (t, r, n, got)
        for i, node in enumerate(("node_0", "node_1")):
            n = sum(c for c, nn in zip(counts, nodes) if nn == node)
            if per_node[i] or n:
                assert per_node[i] == claimed(n), (t, node, n, per_node[i])
        busy_seen = max(busy_seen, sum(counts))
    assert busy_seen >= 5  # the checks saw real overlap
    assert_all_released(env)
    for r in reps:
        assert resources_of(env, r) == claimed(0)  # listed, exactly 0.0
    assert env.resource_state._valid()


# ---------------------------------------------------------------------------
# 4. Python subclasses: sub-hooks, super(), invoke
# ---------------------------------------------------------------------------


class MyWatchdog(HTTPWatchdog):
    """A subclass written the faas-sim way: Python generators claim cpu and
    memory from the characterization and release them."""

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


def replay_times(n=3000, rate=3.0, seed=0):
    """Poisson arrival times drawn apart from env.rng, so that env.rng only
    draws execution times and every variant draws them in the same order. (A
    Poisson source draws its next gap from env.rng when it has dispatched a
    request: after the built-in execute's draw for it, but before that of a
    variant whose Python claim waits a zero timeout first.)"""
    return np.cumsum(np.random.default_rng(seed).exponential(1 / rate, n))


def run_variant(make, n=3000, seed=7, observe=None):
    ch = characterization(Exponential(1.0))
    env = make_env(lambda: make(ch), nodes=("node_0", "node_1"), replicas=2, seed=seed)
    env.faas.add_source("f", Replay(replay_times(n)))
    if observe:
        env.process(observe(env))
    env.run()
    return env


_builtin = {}


def builtin_run(n=3000):
    """(fets, invocations) of the built-in HTTPWatchdog(2) on run_variant."""
    if n not in _builtin:
        env = run_variant(lambda ch: HTTPWatchdog(2, ch), n=n)
        _builtin[n] = (env.metrics.to_numpy("fets"), env.metrics.to_numpy("invocations"))
    return _builtin[n]


def test_the_issues_subclass_gives_the_builtin_sample_path():
    running = []

    def observe(env):
        reps = env.faas.get_replicas("f")
        for _ in range(400):
            yield env.timeout(0.917)
            for r in reps:
                got = resources_of(env, r)
                if got:
                    n = r.simulator.busy
                    assert got == {"cpu": 0.25 * n, "memory": float(Fraction(0.1) * n)}
                    running.append(n)

    env = run_variant(lambda ch: MyWatchdog(2, ch), observe=observe)
    assert max(running) == 2
    got = env.metrics.to_numpy("fets")
    ref, ref_inv = builtin_run()
    assert_same_fets(got, ref)
    assert_same_fets(env.metrics.to_numpy("invocations"), ref_inv)
    assert (got["t_wait_end"] > got["t_wait_start"]).sum() > 100  # requests did queue
    for r in env.faas.get_replicas("f"):
        assert resources_of(env, r) == {"cpu": 0.0, "memory": 0.0}
        assert type(r.simulator) is MyWatchdog and r.simulator.workers == 2


def _claim_gen(self, env, replica, request):
    self.calls.append(("claim", request.request_id, env.now))
    yield from super(self._base, self).claim_resources(env, replica, request)


def _claim_plain(self, env, replica, request):
    self.calls.append(("claim", request.request_id, env.now))
    super(self._base, self).claim_resources(env, replica, request)  # claims now; the event is dropped


def _claim_event(self, env, replica, request):
    self.calls.append(("claim", request.request_id, env.now))
    return super(self._base, self).claim_resources(env, replica, request)


def _execute_gen(self, env, replica, request):
    self.calls.append(("execute", request.request_id, env.now))
    yield from super(self._base, self).execute(env, replica, request)


def _execute_event(self, env, replica, request):
    self.calls.append(("execute", request.request_id, env.now))
    return super(self._base, self).execute(env, replica, request)


def _execute_gen_own(self, env, replica, request):
    self.calls.append(("execute", request.request_id, env.now))
    t = yield super(self._base, self).execute(env, replica, request)  # the timeout's value: None
    assert t is None


def _release_gen(self, env, replica, request):
    self.calls.append(("release", request.request_id, env.now))
    yield from super(self._base, self).release_resources(env, replica, request)


def _release_plain(self, env, replica, request):
    self.calls.append(("release", request.request_id, env.now))
    super(self._base, self).release_resources(env, replica, request)


def _release_event(self, env, replica, request):
    self.calls.append(("release", request.request_id, env.now))
    return super(self._base, self).release_resources(env, replica, request)


OVERRIDES = {
    "claim-generator": ("claim_resources", _claim_gen),
    "claim-plain": ("claim_resources", _claim_plain),
    "claim-event": ("claim_resources", _claim_event),
    "execute-generator": ("execute", _execute_gen),
    "execute-event": ("execute", _execute_event),
    "execute-yield-event": ("execute", _execute_gen_own),
    "release-generator": ("release_resources", _release_gen),
    "release-plain": ("release_resources", _release_plain),
    "release-event": ("release_resources", _release_event),
}


def make_class(where, hook, fn):
    """A watchdog class overriding *hook* with *fn*: on a direct subclass of
    HTTPWatchdog, on a grandchild (the override on the parent) or through a
    mixin; super() calls resolve from the class that defines the hook."""
    if where == "subclass":
        cls = type("Sub", (HTTPWatchdog,), {hook: fn})
        cls._base = cls
    elif where == "grandchild":
        parent = type("Parent", (HTTPWatchdog,), {hook: fn})
        parent._base = parent
        cls = type("Grandchild", (parent,), {})
    else:
        mixin = type("Mixin", (), {hook: fn})
        mixin._base = mixin
        cls = type("Mixed", (mixin, HTTPWatchdog), {})
    return cls


@pytest.mark.parametrize("where", ["subclass", "grandchild", "mixin"])
@pytest.mark.parametrize("variant", list(OVERRIDES))
def test_each_sub_hook_overridden_alone_keeps_the_sample_path(variant, where):
    hook, fn = OVERRIDES[variant]
    cls = make_class(where, hook, fn)
    sims = []

    def make(ch):
        wd = cls(2, ch)
        wd.calls = []
        sims.append(wd)
        return wd

    env = run_variant(make, n=600)
    got = env.metrics.to_numpy("fets")
    assert_same_fets(got, builtin_run(600)[0])
    calls = [c for wd in sims for c in wd.calls]
    step = hook.split("_")[0]
    assert sorted(c[1] for c in calls) == list(range(600)) and all(c[0] == step for c in calls)
    # the hook ran when its step was due
    start = dict(zip(got["request_id"].tolist(), got["t_fet_start"].tolist()))
    end = dict(zip(got["request_id"].tolist(), got["t_fet_end"].tolist()))
    for _, rid, t in calls:
        assert t == (end[rid] if step == "release" else start[rid])
    for r in env.faas.get_replicas("f"):
        assert resources_of(env, r) == claimed(0)
        assert type(r.simulator) is cls


def test_instance_attribute_sub_hook_and_plain_execute():
    """An instance attribute overrides a step too; a plain-function execute
    takes no time (and draws nothing)."""
    ch = characterization(Constant(1.0))
    calls = []

    def make():
        wd = HTTPWatchdog(1, ch)
        wd.execute = lambda env, replica, request: calls.append((request.request_id, env.now))
        return wd

    env = make_env(make)
    env.faas.add_source("f", Replay([0.0, 0.0, 2.0]))
    before = env.rng.getstate()
    env.run()
    assert calls == [(0, 0.0), (1, 0.0), (2, 2.0)]
    assert by_request(env) == {0: (0.0,) * 4, 1: (0.0,) * 4, 2: (2.0,) * 4}
    assert env.rng.getstate() == before
    assert_all_released(env)


def test_sub_hook_with_its_own_timing_and_init():
    """faas-sim style: a subclass with its own __init__ and an execute that
    waits its own time (request.size seconds); claims stay in C."""

    class Sized(HTTPWatchdog):
        def __init__(self, workers, ch, extra):
            super().__init__(workers, ch)
            self.extra = extra

        def execute(self, env, replica, request):
            assert resources_of(env, replica) == claimed(self.busy)
            yield env.timeout(request.size + self.extra)

    ch = characterization(Constant(100.0))
    env = make_env(lambda: Sized(1, ch, 0.5))

    def client(env):
        for size in (1.0, 2.0):
            env.faas.invoke(FunctionRequest("f", size=size))
        yield env.timeout(0)

    env.process(client(env))
    env.run()
    assert by_request(env) == {0: (0.0, 0.0, 0.0, 1.5), 1: (0.0, 1.5, 1.5, 4.0)}
    assert_all_released(env)


class ExtendedInvoke(HTTPWatchdog):
    """invoke runs the built-in sequence, then works 0.5 s more."""

    def invoke(self, env, replica, request):
        assert request.in_flight
        value = yield from super().invoke(env, replica, request)
        assert value is None
        yield env.timeout(0.5)


def test_overridden_invoke_with_yield_from_super():
    env = run_variant(lambda ch: ExtendedInvoke(2, ch), n=600)
    ref, ref_inv = builtin_run(600)
    assert_same_fets(env.metrics.to_numpy("fets"), ref)
    inv = env.metrics.to_numpy("invocations")
    assert np.array_equal(inv["t_start"], ref_inv["t_start"])
    assert np.allclose(inv["t_exec"], ref_inv["t_exec"] + 0.5, rtol=0, atol=1e-9)
    assert_all_released(env)


def test_sub_hooks_under_super_invoke_see_the_callers_request():
    """The request the platform passes to invoke is the one the sub-hooks
    get (same object: its size and attributes), and super() calls of the
    steps accept it."""
    seen = []

    class W(HTTPWatchdog):
        def invoke(self, env, replica, request):
            request.note = "mine"
            yield from super().invoke(env, replica, request)
            seen.append(("invoked", request))

        def claim_resources(self, env, replica, request):
            seen.append(("claim", request, request.size, request.note))
            yield from super().claim_resources(env, replica, request)

        def execute(self, env, replica, request):
            seen.append(("execute", request))
            return super().execute(env, replica, request)

        def release_resources(self, env, replica, request):
            seen.append(("release", request))
            super().release_resources(env, replica, request)

    ch = characterization(Constant(1.0))
    env = make_env(lambda: W(1, ch))
    reqs = [FunctionRequest("f", size=s) for s in (10, 20)]

    def client(env):
        for r in reqs:
            env.faas.invoke(r)
        yield env.timeout(0)

    env.process(client(env))
    env.run()
    a, b = reqs
    for r, size in ((a, 10), (b, 20)):
        assert [x for x in seen if x[1] is r] == [
            ("claim", r, size, "mine"), ("execute", r), ("release", r), ("invoked", r)
        ]
    assert len(seen) == 8
    assert by_request(env) == {0: (0.0, 0.0, 0.0, 1.0), 1: (0.0, 1.0, 1.0, 2.0)}
    assert not a.in_flight and not b.in_flight
    assert_all_released(env)


def test_sequence_fired_and_forgotten_keeps_its_request():
    """invoke starts the sequence and returns: the invocation ends, the
    request stays in flight until its sequence ends, and the Python steps of
    that sequence get it."""
    seen = []

    class Fire(HTTPWatchdog):
        def invoke(self, env, replica, request):
            super().invoke(env, replica, request)

        def execute(self, env, replica, request):
            seen.append((env.now, request, request.in_flight))
            yield from super().execute(env, replica, request)
            seen.append((env.now, request, request.in_flight))

    env = make_env(lambda: Fire(1, characterization(Constant(1.0))))
    reqs = [FunctionRequest("f", size=i) for i in range(2)]
    events = []

    def client(env):
        for r in reqs:
            events.append(env.faas.invoke(r))
        yield env.timeout(0.5)
        assert [e.processed for e in events] == [True, True]
        assert [r.in_flight for r in reqs] == [True, True]
        with pytest.raises(RuntimeError, match="in flight"):
            env.faas.invoke(reqs[0])

    env.process(client(env))
    env.run()
    a, b = reqs
    assert seen == [(0.0, a, True), (1.0, a, True), (1.0, b, True), (2.0, b, True)]
    assert not a.in_flight and not b.in_flight
    assert by_request(env) == {0: (0.0, 0.0, 0.0, 1.0), 1: (0.0, 1.0, 1.0, 2.0)}
    assert_all_released(env)
    # and the requests can be invoked again
    env.faas.invoke(a)
    env.run()
    assert env.now == 3.0


def test_super_invoke_refuses_a_second_sequence_for_a_request():
    errors = []

    class Again(HTTPWatchdog):
        def invoke(self, env, replica, request):
            ev = super().invoke(env, replica, request)
            try:
                super().invoke(env, replica, request)
            except RuntimeError as e:
                errors.append(str(e))
            yield ev

        def execute(self, env, replica, request):
            try:
                super().invoke(env, replica, request)
            except RuntimeError as e:
                errors.append(str(e))
            yield env.timeout(1)  # the sequence is under way when invoke calls again

    class BuiltinInvoke(HTTPWatchdog):
        def execute(self, env, replica, request):
            try:
                super().invoke(env, replica, request)
            except RuntimeError as e:
                errors.append(str(e))

    for cls in (Again, BuiltinInvoke):
        env = make_env(lambda: cls(1, characterization(Constant(1.0))))
        env.faas.add_source("f", Replay([0.0]))
        env.run()
        assert rows(env)["request_id"] == [0]
        assert_all_released(env)
    assert len(errors) == 3 and all("already runs the watchdog's sequence" in e for e in errors)


def test_super_invoke_fired_and_forgotten():
    """A plain invoke that starts the built-in sequence and returns: the
    invocation ends at once, the sequence runs on (same fets rows)."""

    class Fire(HTTPWatchdog):
        def invoke(self, env, replica, request):
            super().invoke(env, replica, request)

    env = run_variant(lambda ch: Fire(2, ch), n=600)
    ref, ref_inv = builtin_run(600)
    assert_same_fets(env.metrics.to_numpy("fets"), ref)
    assert np.all(env.metrics.to_numpy("invocations")["t_exec"] == 0.0)
    assert_all_released(env)


def test_super_invoke_twice_runs_the_sequence_twice():
    class Twice(HTTPWatchdog):
        def invoke(self, env, replica, request):
            yield from super().invoke(env, replica, request)
            yield super().invoke(env, replica, request)

    ch = characterization(Constant(1.0))
    env = make_env(lambda: Twice(1, ch))
    env.faas.add_source("f", Replay([0.0, 0.5]))
    env.run()
    r = rows(env)
    # request 1 queues behind request 0's first run, then request 0's second
    # run queues behind request 1's first
    assert r["request_id"] == [0, 1, 0, 1]
    assert r["t_fet_start"] == [0.0, 1.0, 2.0, 3.0]
    assert r["t_wait_start"] == [0.0, 0.5, 1.0, 2.0]
    assert rows(env, "invocations")["t_exec"] == [3.0, 3.5]
    assert_all_released(env)




# -- a sub-hook that raises


def failing_class(step, form, override_invoke):
    """HTTPWatchdog subclass whose *step* fails for request 1: after its
    base step (claims are held) and, for a generator, 0.25 s later."""
    hook = {"claim": "claim_resources", "execute": "execute", "release": "release_resources"}[step]

    def gen(self, env, replica, request):
        if step == "claim":
            yield from HTTPWatchdog.claim_resources(self, env, replica, request)
        if request.request_id == 1:
            yield env.timeout(0.25)
            raise Boom(f"{step} of request 1")
        yield from getattr(HTTPWatchdog, hook)(self, env, replica, request)

    def plain(self, env, replica, request):
        if step == "claim":
            HTTPWatchdog.claim_resources(self, env, replica, request)
        if request.request_id == 1:
            raise Boom(f"{step} of request 1")
        return getattr(HTTPWatchdog, hook)(self, env, replica, request)

    fn = gen if form == "generator" else plain
    fn.__code__ = fn.__code__.replace(co_name=hook, co_qualname=hook)  # named in tracebacks
    attrs = {hook: fn}
    if override_invoke:

        def invoke(self, env, replica, request):
            yield from HTTPWatchdog.invoke(self, env, replica, request)

        attrs["invoke"] = invoke
    return type("Failing", (HTTPWatchdog,), attrs)


ARRIVE = [0.0, 0.125, 0.25, 0.375]


@pytest.mark.parametrize("override_invoke", [False, True], ids=["builtin-invoke", "super-invoke"])
@pytest.mark.parametrize("raise_errors", [True, False], ids=["raise", "no-raise"])
@pytest.mark.parametrize("form", ["generator", "plain"])
@pytest.mark.parametrize("step", ["claim", "execute", "release"])
def test_failing_sub_hook(step, form, raise_errors, override_invoke):
    cls = failing_class(step, form, override_invoke)
    env = make_env(lambda: cls(1, characterization(Constant(1.0))))
    env.faas.raise_hook_errors = raise_errors
    outcome = {}

    def client(env, i):
        yield env.timeout(ARRIVE[i])
        try:
            resp = yield env.faas.invoke(FunctionRequest("f"))
            outcome[i] = ("ok", env.now, resp.t_exec)
        except Boom as e:
            outcome[i] = ("failed", env.now, str(e))

    for i in range(4):
        env.process(client(env, i))
    (rep,) = env.faas.get_replicas("f")
    errors = run_all(env)
    fail_at = 1.0 + (1.0 if step == "release" else 0.0) + (0.25 if form == "generator" else 0.0)
    # the error reaches run() once, with the hook's frame in its traceback
    # (through super().invoke, in that of the exception it was copied from
    # when it was thrown into invoke, SimPy's way: its __cause__)
    if raise_errors:
        assert len(errors) == 1 and isinstance(errors[0], Boom), errors
        names, e = [], errors[0]
        while e is not None:
            names += [fr.name for fr in traceback.extract_tb(e.__traceback__)]
            e = e.__cause__
        assert {"claim": "claim_resources", "execute": "execute", "release": "release_resources"}[step] in names
    else:
        assert errors == []
    assert outcome == {
        0: ("ok", 1.0, 1.0),
        1: ("failed", fail_at, f"{step} of request 1"),
        2: ("ok", fail_at + 1, fail_at + 1 - 0.25),
        3: ("ok", fail_at + 2, fail_at + 2 - 0.375),
    }
    # the worker was freed: the queued requests ran on the (FAILED) replica
    assert by_request(env) == {
        0: (0.0, 0.0, 0.0, 1.0),
        2: (0.25, fail_at, fail_at, fail_at + 1),
        3: (0.375, fail_at + 1, fail_at + 1, fail_at + 2),
    }
    assert rep.state == FunctionState.FAILED
    assert (rep.simulator.busy, rep.simulator.queued) == (0, 0)
    stats = env.faas.function_stats("f")
    assert (stats["completed"], stats["failed"]) == (3, 1)
    assert_all_released(env)


@pytest.mark.parametrize("raise_errors", [True, False])
def test_failing_sequence_that_no_one_waits_for(raise_errors):
    """invoke starts the built-in sequence and returns: a later failure of
    the sequence reaches run() once (from the event nobody waits on), not
    at all without raise_hook_errors; the invocation itself succeeded."""

    class Fire(HTTPWatchdog):
        def invoke(self, env, replica, request):
            super().invoke(env, replica, request)

        def execute(self, env, replica, request):
            yield env.timeout(0.5)
            raise Boom(f"late {request.request_id}")

    env = make_env(lambda: Fire(1, characterization(Constant(1.0))))
    env.faas.raise_hook_errors = raise_errors
    env.faas.add_source("f", Replay([0.0, 0.25]))
    errors = run_all(env)
    assert [str(e) for e in errors] == (["late 0", "late 1"] if raise_errors else [])
    assert env.now == 1.0 and "t_fet_end" not in rows(env)
    (rep,) = env.faas.get_replicas("f")
    assert rep.state == FunctionState.RUNNING and (rep.simulator.busy, rep.simulator.queued) == (0, 0)
    assert rows(env, "invocations")["t_exec"] == [0.0, 0.0]
    assert_all_released(env)


def test_errors_of_queued_requests_each_reach_run():
    """Requests queued behind one whose step failed start at once, even
    while that error is on its way to run(): none runs with it set (each
    later error reaches run() on its own, and requests that do not fail
    complete)."""

    class Picky(HTTPWatchdog):
        def claim_resources(self, env, replica, request):
            if request.request_id % 2:
                raise Boom(f"request {request.request_id}")
            return super().claim_resources(env, replica, request)

    env = make_env(lambda: Picky(1, characterization(Constant(1.0))))
    env.faas.add_source("f", Replay([0.0] * 7))
    errors = run_all(env)
    assert [str(e) for e in errors] == ["request 1", "request 3", "request 5"]
    assert by_request(env) == {i: (0.0, i / 2, i / 2, i / 2 + 1) for i in (0, 2, 4, 6)}
    assert env.faas.function_stats("f")["completed"] == 4
    assert_all_released(env)


# ---------------------------------------------------------------------------
# 5. The reference characterizations
# ---------------------------------------------------------------------------


def test_reference_characterizations_execution_times_and_claims():
    """Every (node type, image) of the packaged data: one node of the type
    (faassim.Node.from_device, named like 'nano_0'), one function per
    image; the mean of the fets is the bounded log-normal's exact mean
    (within 6 standard errors) and every fet lies within [xmin, xmax]."""
    ref = faassim.load_reference_characterizations()
    n = 400
    checked = 0
    for node_type in ref.node_types:
        images = [i for i in ref.fet_oracle.images(node_type) if (node_type, i) in ref.resource_oracle]
        env = faassim.Environment(seed=len(node_type))
        node = faassim.Node.from_device(f"{node_type}_0")
        env.topology = faassim.Topology([node])
        env.simulator_factory = Factory(
            lambda c: ForkingWatchdog(ref.characterization(c.image)), per_container=True
        )
        for k, image in enumerate(images):
            fn = faassim.Function(f"fn{k}", [faassim.FunctionImage(image)])
            config = faassim.KubernetesResourceConfiguration.create_from_str(cpu="1m", memory="1Mi")
            env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0], config)]))
            env.faas.add_source(f"fn{k}", Poisson(5.0), max_requests=n)
        peak = {}

        def observer(env):
            while env.now < 200:
                yield env.timeout(0.37)
                total = node_resources(env, node.name)
                for name, v in total.items():
                    peak[name] = max(peak.get(name, 0.0), v)

        env.process(observer(env))
        env.run()
        f = env.metrics.to_numpy("fets")
        assert set(f["node"].tolist()) == {node.name}
        for k, image in enumerate(images):
            sel = f["function_name"] == f"fn{k}"
            fet = (f["t_fet_end"] - f["t_fet_start"])[sel]
            assert len(fet) == n
            assert set(f["function_image"][sel].tolist()) == {image}
            dist = ref.fet_oracle.get(node_type, image)
            assert np.all(fet >= dist.xmin) and np.all(fet <= dist.xmax), (node_type, image)
            se = fet.std() / math.sqrt(n)
            assert abs(fet.mean() - dist.mean()) <= 6 * se + 1e-12, (node_type, image, fet.mean(), dist.mean())
            checked += 1
        assert peak.get("cpu", 0.0) > 0.0  # claims were made on the node
        assert_all_released(env)
    assert checked == 77


def test_reference_node_named_apart_from_its_type():
    """A node whose name does not tell its type ('edge_box_1', a nano) is
    looked up by its node_type."""
    ref = faassim.load_reference_characterizations()
    image = "faas-workloads/resnet-inference-gpu"
    env = faassim.Environment(seed=3)
    env.topology = faassim.Topology([faassim.Node.from_device("edge_box_1", "nano")])
    env.simulator_factory = Factory(lambda: HTTPWatchdog(1, ref.characterization(image)))
    deploy(env, "f", image)
    env.faas.add_source("f", Replay([0.0, 0.0]))
    seen = []

    def observer(env):
        yield env.timeout(1e-6)
        seen.append(node_resources(env, "edge_box_1"))

    env.process(observer(env))
    env.run()
    dist = ref.fet_oracle.get("nano", image)
    fet = np.array(rows(env)["t_fet_end"]) - np.array(rows(env)["t_fet_start"])
    assert np.all((fet >= dist.xmin) & (fet <= dist.xmax))
    r = ref.resource_oracle.get_resources("nano", image)
    assert seen == [{k: r[k] for k in RES_NAMES if r[k] != 0.0}]


# ---------------------------------------------------------------------------
# 6. Determinism; no Python request objects on the C path
# ---------------------------------------------------------------------------


def simulate(seed, observe=None):
    ch = characterization(Exponential(1.5))
    env = make_env(lambda: HTTPWatchdog(2, ch), nodes=("node_0", "node_1"), replicas=3, seed=seed)
    env.faas.add_source("f", Poisson(4.0), max_requests=5000)
    if observe:
        env.process(observe(env))
    env.run()
    return env.metrics.to_numpy("fets"), env.metrics.to_numpy("invocations")


def test_same_seed_same_arrays_and_no_request_objects():
    live = []

    def observe(env):
        while env.now < 1300:
            yield env.timeout(1.0)
            live.append(_core._live_objects()["requests"])

    a = simulate(3, observe)
    b = simulate(3)
    c = simulate(4)
    for x, y in zip(a, b):
        assert_same_fets(x, y)
    assert not np.array_equal(a[0]["t_fet_end"], c[0]["t_fet_end"])
    assert len(live) > 1000 and set(live) == {0}
    assert len(a[0]["t_fet_end"]) == 5000


# ---------------------------------------------------------------------------
# 7. Garbage collection
# ---------------------------------------------------------------------------


class SlowExecute(HTTPWatchdog):
    def execute(self, env, replica, request):
        yield env.timeout(5.0)


class SuperInvoke(SlowExecute):
    def invoke(self, env, replica, request):
        yield from super().invoke(env, replica, request)
        yield env.timeout(1)


class SuperInvokeTimer(HTTPWatchdog):
    def invoke(self, env, replica, request):
        yield from super().invoke(env, replica, request)


class FireAndForget(SlowExecute):
    def invoke(self, env, replica, request):
        super().invoke(env, replica, request)


@pytest.mark.parametrize("drop_at", [0.5, 3.0, 7.5])
def test_dropped_environment_with_requests_everywhere_is_collected(drop_at):
    """Requests queued at watchdogs, on C timers (built-in execute), inside
    a Python sub-hook, in super().invoke sequences (queued, on a C timer, in
    a sub-hook, also after their invocation ended): all collected with the
    environment."""
    names = ("builtin", "slow", "super", "super-timer", "fire", "fork")
    ch = FunctionCharacterization(
        IMG,
        FetOracle({("node", i): Constant(4.0) for i in names}),
        ResourceOracle({("node", i): FunctionResourceCharacterization(**RES) for i in names}),
    )
    env = faassim.Environment(seed=1)
    env.topology = faassim.Topology([faassim.Node("node_0", "16", "64Gi")])
    classes = {
        "builtin": lambda: HTTPWatchdog(1, ch),
        "slow": lambda: SlowExecute(1, ch),
        "super": lambda: SuperInvoke(1, ch),
        "super-timer": lambda: SuperInvokeTimer(1, ch),
        "fire": lambda: FireAndForget(1, ch),
        "fork": lambda: ForkingWatchdog(ch),
    }
    env.simulator_factory = Factory(lambda c: classes[c.image](), per_container=True)
    for name in classes:
        deploy(env, name, image=name)
        env.faas.add_source(name, Replay([0.0, 0.1, 0.2, 0.3]))
    kept = []

    def client(env):
        for name in classes:
            req = FunctionRequest(name, size=1)
            kept.append((req, env.faas.invoke(req)))
        yield env.timeout(100)

    env.process(client(env))
    env.run(until=drop_at)
    wds = [r.simulator for name in classes for r in env.faas.get_replicas(name)]
    assert sum(wd.queued for wd in wds) > 0 or drop_at > 7
    assert sum(wd.busy for wd in wds) > 0
    assert _core._live_objects()["requests"] > 0  # some are Python objects (sub-hooks)
    refs = [weakref.ref(env)] + [weakref.ref(wd) for wd in wds]
    del env, wds, kept
    gc.collect()
    assert all(r() is None for r in refs)


def test_dropped_environment_while_a_request_waits_on_a_worker_from_python():
    ch = characterization(Constant(4.0))
    env = make_env(lambda: HTTPWatchdog(1, ch))
    events = [env.faas.invoke(FunctionRequest("f")) for _ in range(3)]
    env.run(until=1)
    (rep,) = env.faas.get_replicas("f")
    assert (rep.simulator.busy, rep.simulator.queued) == (1, 2)
    ref = weakref.ref(env)
    del env, rep, events
    gc.collect()
    assert ref() is None


# ---------------------------------------------------------------------------
# 8. Errors
# ---------------------------------------------------------------------------


def test_watchdog_base_workers():
    assert Watchdog().workers == 0 and Watchdog(3).workers == 3
    assert HTTPWatchdog(2).workers == 2 and ForkingWatchdog().workers == 0
    with pytest.raises(ValueError, match=">= 0"):
        Watchdog(-1)
    for bad in ("x", 2.0, True):
        with pytest.raises(TypeError, match="workers must be an int"):
            Watchdog(bad)
    with pytest.raises(TypeError):
        ForkingWatchdog(None, None)


@pytest.mark.parametrize("raise_errors", [True, False])
def test_characterization_without_data_for_the_node_type(raise_errors):
    ch = characterization(Constant(1.0), node_type="other")
    env = make_env(lambda: HTTPWatchdog(1, ch), nodes=("edge_0",))
    env.faas.raise_hook_errors = raise_errors
    events = []

    def client(env):
        ev = env.faas.invoke(FunctionRequest("f"))
        events.append(ev)
        with pytest.raises(KeyError, match="'img'.*node type 'edge'"):
            yield ev

    env.process(client(env))
    errors = run_all(env)
    if raise_errors:
        assert len(errors) == 1 and isinstance(errors[0], KeyError)
        msg = str(errors[0])
        assert "'img'" in msg and "node type 'edge'" in msg and "'other'" in msg
    else:
        assert errors == []
    (rep,) = env.faas.get_replicas("f", FunctionState.FAILED)
    assert (rep.simulator.busy, rep.simulator.queued) == (0, 0)
    assert "fets" not in env.metrics.to_numpy("fets") or rows(env) == {}
    assert_all_released(env)


def test_sub_hook_calls_from_python_are_checked():
    ch = characterization(Constant(1.0))
    env = make_env(lambda: HTTPWatchdog(1, ch), replicas=2, nodes=("node_0", "node_1"))
    env.run()
    r0, r1 = env.faas.get_replicas("f")
    wd = r0.simulator
    idle = FunctionRequest("f")
    for name in ("claim_resources", "execute", "release_resources", "invoke"):
        method = getattr(wd, name)
        with pytest.raises(RuntimeError, match="not being served"):
            method(env, r0, idle)
        with pytest.raises(TypeError, match=r"\(env, replica, request\)"):
            method(env, r0)
        with pytest.raises(TypeError, match="expected an Environment"):
            method(None, r0, idle)
        with pytest.raises(TypeError, match="expected an Environment"):
            method(env, "r0", idle)
    # a request in flight at another replica
    busy = FunctionRequest("f")
    env.faas.invoke(busy)
    env.run(until=0.5)
    served_by = r0 if r0.simulator.busy else r1
    other = r1 if served_by is r0 else r0
    with pytest.raises(RuntimeError, match="not being served"):
        other.simulator.claim_resources(env, other, busy)
    with pytest.raises(RuntimeError, match="not the simulator"):
        other.simulator.claim_resources(env, served_by, busy)
    env.run()
    assert_all_released(env)


@pytest.mark.parametrize(
    "workers, exc",
    [(0, ValueError), (-1, ValueError), ("x", TypeError), (1.5, TypeError), (True, TypeError), (None, TypeError)],
)
def test_http_watchdog_workers_must_be_a_positive_int(workers, exc):
    with pytest.raises(exc, match="workers must be an int >= 1"):
        HTTPWatchdog(workers)
    with pytest.raises(exc, match="workers must be an int >= 1"):
        HTTPWatchdog(workers=workers)


@pytest.mark.parametrize("make", [lambda ch: HTTPWatchdog(1, ch), lambda ch: ForkingWatchdog(ch)], ids=["http", "fork"])
def test_fets_go_to_a_replaced_metrics_object(make):
    """env.metrics replaced mid-run (its tables numbered differently): the
    next rows go to the new object's fets table, with their values."""
    env = make_env(lambda: make(characterization(Constant(1.0))))
    env.faas.add_source("f", Replay([0.0, 5.0, 7.0]))
    env.run(until=2)
    first = env.metrics
    second = faassim.Metrics(env)
    for k in range(12):
        second.log(f"other{k}", {"x": float(k)}, tag=str(k))
    env.metrics = second
    env.run(until=6.5)
    third = faassim.Metrics(env)
    env.metrics = third
    env.run()
    http = isinstance(env.faas.get_replicas("f")[0].simulator, HTTPWatchdog)
    for m, rid, t in ((first, 0, 0.0), (second, 1, 5.0), (third, 2, 7.0)):
        r = {k: v.tolist() for k, v in m.to_numpy("fets").items()}
        expected = {"time": [t + 1], "t_fet_start": [t], "t_fet_end": [t + 1]}
        if http:
            expected.update(t_wait_start=[t], t_wait_end=[t])
        expected.update(function_name=["f"], function_image=[IMG], node=["node_0"], replica_id=[0], request_id=[rid])
        assert r == expected
    assert second.to_numpy("other11")["x"].tolist() == [11.0]


def test_steps_resolve_only_what_they_use():
    """A C step resolves only its part of the characterization: claims in
    Python need no resource data, an execute in Python no execution-time
    data."""

    class OwnClaims(HTTPWatchdog):
        def claim_resources(self, env, replica, request):
            env.resource_state.put_resource(replica, "cpu", 1.0)

        def release_resources(self, env, replica, request):
            env.resource_state.remove_resource(replica, "cpu", 1.0)

    class OwnExecute(HTTPWatchdog):
        def execute(self, env, replica, request):
            yield env.timeout(2.0)

    no_resources = FunctionCharacterization(IMG, FetOracle({("node", IMG): Constant(1.0)}), ResourceOracle({}))
    no_fets = FunctionCharacterization(
        IMG, FetOracle({}), ResourceOracle({("node", IMG): FunctionResourceCharacterization(**RES)})
    )
    for make, duration, held in ((lambda: OwnClaims(1, no_resources), 1.0, {"cpu": 1.0}),
                                 (lambda: OwnExecute(1, no_fets), 2.0, claimed(1))):
        env = make_env(make)
        env.faas.add_source("f", Replay([0.0, 0.0]))
        env.run(until=0.5)
        (rep,) = env.faas.get_replicas("f")
        assert resources_of(env, rep) == held
        env.run()
        assert by_request(env) == {0: (0.0, 0.0, 0.0, duration), 1: (0.0, duration, duration, 2 * duration)}
        assert_all_released(env)


def test_characterization_replaced_while_requests_run():
    """A new characterization applies from the next step that needs it:
    the running request finishes and releases what it claimed; the next
    one uses the new data (or fails on its missing data)."""
    for new, outcome in ((characterization(Constant(2.0), cpu=0.5), "ok"),
                         (characterization(Constant(2.0), node_type="other"), "fails")):
        env = make_env(lambda: HTTPWatchdog(1, characterization(Constant(1.0))))
        env.faas.raise_hook_errors = False
        env.faas.add_source("f", Replay([0.0, 0.25]))
        env.run(until=0.5)
        (rep,) = env.faas.get_replicas("f")
        assert resources_of(env, rep) == claimed(1)
        rep.simulator.characterization = new
        assert rep.simulator.characterization is new
        env.run(until=1.5)
        if outcome == "ok":
            assert resources_of(env, rep) == claimed(1, cpu=0.5)
            env.run()
            assert by_request(env) == {0: (0.0, 0.0, 0.0, 1.0), 1: (0.25, 1.0, 1.0, 3.0)}
        else:
            assert by_request(env) == {0: (0.0, 0.0, 0.0, 1.0)}
            assert env.faas.function_stats("f")["failed"] == 1
        assert_all_released(env)


class NoSpec:
    """A distribution without a spec (drawn in Python)."""

    def sample(self, rng):
        return rng.uniform(1.0, 2.0)


class NoSpecOracle(FetOracle):
    def get(self, host, image):
        return NoSpec()

    def sample(self, host, image, rng):
        assert host.node_type == "nano"  # the Node, named apart from its type
        return self.get(host, image).sample(rng)


@pytest.mark.parametrize("own_rng", [False, True])
def test_execution_time_without_spec_draws_with_env_rng(own_rng):
    """The characterization's sample_fet draws the time: with env.rng when
    its rng is None, else with its own."""
    res = ResourceOracle({("nano", IMG): FunctionResourceCharacterization(**RES)})
    ch = FunctionCharacterization(IMG, NoSpecOracle({}), res, rng=faassim.Random(99) if own_rng else None)
    env = faassim.Environment(seed=5)
    env.topology = faassim.Topology([faassim.Node.from_device("edge_box_1", "nano")])
    env.simulator_factory = Factory(lambda: HTTPWatchdog(1, ch))
    deploy(env, "f")
    env.faas.add_source("f", Replay([0.0, 0.0, 0.0]))
    before = env.rng.getstate()
    env.run()
    r = rows(env)
    fet = np.array(r["t_fet_end"]) - np.array(r["t_fet_start"])
    draw = faassim.Random(99 if own_rng else 5)
    assert np.allclose(fet, [draw.uniform(1.0, 2.0) for _ in range(3)], rtol=0, atol=1e-12)
    assert (env.rng.getstate() == before) == own_rng
    assert_all_released(env)


@pytest.mark.parametrize("raise_errors", [True, False])
def test_an_error_logging_a_fets_row_fails_no_replica(raise_errors):
    """A log_fet override that raises is a metrics error, not the
    function's: the request completes, the replica stays RUNNING, the error
    reaches run() (with or without raise_hook_errors, as other metrics
    errors) and the queue goes on."""

    class Strict(faassim.Metrics):
        def log_fet(self, *args, **kwargs):
            if kwargs["request_id"] == 1:
                raise ValueError("no row for request 1")
            return super().log_fet(*args, **kwargs)

    env = make_env(lambda: HTTPWatchdog(1, characterization(Constant(1.0))))
    env.metrics = Strict(env)
    env.faas.raise_hook_errors = raise_errors
    got = {}

    def client(env, i):
        yield env.timeout(0.125 * i)
        resp = yield env.faas.invoke(FunctionRequest("f"))
        got[i] = (env.now, resp.t_exec)

    for i in range(3):
        env.process(client(env, i))
    errors = run_all(env)
    assert [str(e) for e in errors] == ["no row for request 1"]
    assert got == {0: (1.0, 1.0), 1: (2.0, 1.875), 2: (3.0, 2.75)}
    assert sorted(by_request(env)) == [0, 2]
    (rep,) = env.faas.get_replicas("f")
    assert rep.state == FunctionState.RUNNING
    stats = env.faas.function_stats("f")
    assert (stats["completed"], stats["failed"]) == (3, 0)
    assert_all_released(env)


# ---------------------------------------------------------------------------
# More: the queue discipline against a reference, shared pools, Python
# resource states, faas-sim style invoke, re-initialisation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_fifo_c_servers_against_a_reference(seed):
    """Random worker counts, arrivals on a coarse grid (many simultaneous
    ones, and ones exactly when a worker frees) and execution times: every
    request starts at max(arrival, the earliest time a worker is free) in
    arrival order (a FIFO c-server queue), checked from the fets rows."""
    rng = np.random.default_rng(seed)
    workers = int(rng.integers(1, 5))
    fet = [Constant(0.5), Uniform(0.25, 1.0), Exponential(2.0)][seed % 3]
    arrivals = np.sort(rng.integers(0, 400, 300)) * 0.125
    env = make_env(lambda: HTTPWatchdog(workers, characterization(fet)), seed=seed)
    env.faas.add_source("f", Replay(arrivals))
    env.run()
    got = by_request(env)
    assert sorted(got) == list(range(300))
    free = [0.0] * workers
    waited = 0
    for rid, a in enumerate(arrivals.tolist()):
        ws, we, fs, fe = got[rid]
        t = max(a, heapq.heappop(free))
        assert (ws, we, fs) == (a, t, t), (rid, a, got[rid], t)
        waited += t > a
        heapq.heappush(free, fe)
    assert waited > 20
    assert_all_released(env)


def test_one_watchdog_shared_by_replicas_is_one_pool():
    """A factory that returns the same watchdog for every replica: its
    workers serve all of them (one queue); each replica's claims are its
    node type's."""
    ch = FunctionCharacterization(
        IMG,
        FetOracle({("a", IMG): Constant(1.0), ("b", IMG): Constant(2.0)}),
        ResourceOracle({("a", IMG): FunctionResourceCharacterization(**RES),
                        ("b", IMG): FunctionResourceCharacterization(**{**RES, "cpu": 0.5})}),
    )
    shared = HTTPWatchdog(2, ch)
    env = make_env(lambda: shared, replicas=2, nodes=("a_0", "b_0"))
    env.faas.add_source("f", Replay([0.0] * 5))
    seen = []

    def observer(env):
        yield env.timeout(0.5)
        seen.append((shared.busy, shared.queued, [resources_of(env, r) for r in env.faas.get_replicas("f")]))

    env.process(observer(env))
    env.run()
    assert seen == [(2, 3, [claimed(1), claimed(1, cpu=0.5)])]
    # round robin: 0 -> a, 1 -> b, 2 -> a, 3 -> b, 4 -> a; two workers in all
    assert by_request(env) == {
        0: (0.0, 0.0, 0.0, 1.0),
        1: (0.0, 0.0, 0.0, 2.0),
        2: (0.0, 1.0, 1.0, 2.0),
        3: (0.0, 2.0, 2.0, 4.0),
        4: (0.0, 2.0, 2.0, 3.0),
    }
    assert_all_released(env)


def test_claims_on_a_python_resource_state():
    """env.resource_state replaced by a Python object: the steps call its
    put_resource/remove_resource (faas-sim's API) with the same amounts."""

    class Recorder:
        def __init__(self):
            self.calls = []

        def put_resource(self, replica, name, value):
            self.calls.append(("put", replica.replica_id, name, value))

        def remove_resource(self, replica, name, value):
            self.calls.append(("remove", replica.replica_id, name, value))

    env = make_env(lambda: HTTPWatchdog(1, characterization(Constant(1.0), gpu=0.0)))
    env.resource_state = rec = Recorder()
    env.faas.add_source("f", Replay([0.0, 0.0]))
    env.run()
    one = [(n, v) for n, v in zip(RES_NAMES, (0.25, 0.0, 1e6, 2e5, 0.1)) if v]
    assert rec.calls == 2 * ([("put", 0, n, v) for n, v in one] + [("remove", 0, n, v) for n, v in one])


def test_faas_sim_style_invoke_calls_the_steps_itself():
    """faas-sim's pattern: invoke yields from claim_resources, execute and
    release_resources itself (no worker pool then) and logs its own row."""

    class Own(HTTPWatchdog):
        def invoke(self, env, replica, request):
            t0 = env.now
            yield from self.claim_resources(env, replica, request)
            yield from self.execute(env, replica, request)
            yield from self.release_resources(env, replica, request)
            env.metrics.log_fet(replica.fn_name, replica.image, replica.node.name, t_fet_start=t0,
                                t_fet_end=env.now, replica_id=replica.replica_id, request_id=request.request_id)

    env = make_env(lambda: Own(1, characterization(Constant(1.0))))
    env.faas.add_source("f", Replay([0.0, 0.0, 0.5]))
    seen = []

    def observer(env):
        (rep,) = env.faas.get_replicas("f")
        for t in (0.25, 0.75, 1.25, 2.0):
            yield env.timeout(t - env.now)
            seen.append(resources_of(env, rep))

    env.process(observer(env))
    env.run()
    assert seen == [claimed(2), claimed(3), claimed(1), claimed(0)]
    r = rows(env)
    assert r["t_fet_start"] == [0.0, 0.0, 0.5] and r["t_fet_end"] == [1.0, 1.0, 1.5]
    assert_all_released(env)


def test_reinitialising_a_watchdog():
    ch = characterization(Constant(1.0))
    wd = HTTPWatchdog(2, ch)
    Watchdog.__init__(wd, 3)
    assert (wd.workers, wd.characterization) == (3, None)
    wd.characterization = ch
    env = make_env(lambda: wd)
    env.faas.add_source("f", Replay([0.0]))
    env.run(until=0.5)
    assert wd.busy == 1
    with pytest.raises(RuntimeError, match="serving requests"):
        Watchdog.__init__(wd, 1)
    env.run()
    Watchdog.__init__(wd, 1, ch)
    assert wd.workers == 1 and wd.characterization is ch


def test_python_calls_of_the_steps_return_timeouts():
    """super().execute(...) is a Timeout of one drawn execution time (each
    call draws anew); claim_resources/release_resources are zero timeouts
    that act at once (a second claim of the same request claims nothing)."""
    seen = []

    class Probe(HTTPWatchdog):
        def execute(self, env, replica, request):
            a = super().execute(env, replica, request)
            b = super().execute(env, replica, request)
            c = super().claim_resources(env, replica, request)  # claimed already
            seen.append((type(a), a.delay, b.delay, c.delay, resources_of(env, replica)))
            yield a

    env = make_env(lambda: Probe(1, characterization(Uniform(1.0, 2.0))), seed=11)
    env.faas.add_source("f", Replay([0.0]))
    env.run()
    draw = faassim.Random(11)
    d1, d2 = draw.uniform(1.0, 2.0), draw.uniform(1.0, 2.0)
    assert seen == [(faassim.Timeout, d1, d2, 0.0, claimed(1))]
    assert by_request(env) == {0: (0.0, 0.0, 0.0, d1)}
    assert_all_released(env)


def test_steps_called_with_another_environment():
    """A step called with an environment that is not the replica's raises
    (its timeout would fire in that other environment: the request hung)."""
    other = faassim.Environment()
    errors = []

    class Confused(HTTPWatchdog):
        def execute(self, env, replica, request):
            for name in ("claim_resources", "execute", "release_resources", "invoke"):
                try:
                    getattr(super(), name)(other, replica, request)
                except ValueError as e:
                    errors.append(str(e))
            yield from super().execute(env, replica, request)

    env = make_env(lambda: Confused(1, characterization(Constant(1.0))))
    env.faas.add_source("f", Replay([0.0]))
    env.run()
    assert len(errors) == 4 and all("is not the environment of" in e for e in errors)
    assert by_request(env) == {0: (0.0, 0.0, 0.0, 1.0)}
    assert other.peek() == math.inf
    assert_all_released(env)


@pytest.mark.parametrize("make", [lambda ch: HTTPWatchdog(1, ch), lambda ch: ForkingWatchdog(ch)], ids=["http", "fork"])
def test_log_fet_override_gets_faas_sim_arguments(make):
    """A log_fet override is called as faas-sim calls it: the function
    name, image and node name positional, the rest by keyword."""
    calls = []

    class FaasSimMetrics(faassim.Metrics):
        def log_fet(self, function_name, function_image, node_name, **kwargs):
            calls.append((function_name, function_image, node_name, kwargs))
            super().log_fet(function_name, function_image, node_name, **kwargs)

    env = make_env(lambda: make(characterization(Constant(1.0))))
    env.metrics = FaasSimMetrics(env)
    env.faas.add_source("f", Replay([0.0, 0.5]))
    env.run()
    http = isinstance(env.faas.get_replicas("f")[0].simulator, HTTPWatchdog)
    expected = []
    for rid, (ws, fs) in enumerate([(0.0, 0.0), (0.5, 1.0 if http else 0.5)]):
        kw = {"t_fet_start": fs, "t_fet_end": fs + 1.0, "replica_id": 0, "request_id": rid}
        if http:
            kw.update(t_wait_start=ws, t_wait_end=fs)
        expected.append(("f", IMG, "node_0", kw))
    assert calls == expected
    assert list(calls[0][3]) == list(expected[0][3])  # faas-sim's order


# ---------------------------------------------------------------------------
# Random workloads: sub-hooks that sometimes fail, super().invoke (waited
# for or not), forking and HTTP pools, sources and Python clients
# ---------------------------------------------------------------------------


def random_platform(seed):
    """An environment with six functions, each served by a random watchdog
    class; returns (env, function names)."""
    rng = random.Random(seed)

    def execute(self, env, replica, request):
        yield env.timeout(rng.random())
        if rng.random() < self.p_fail:
            raise Boom("execute")
        yield from HTTPWatchdog.execute(self, env, replica, request)

    def claim_resources(self, env, replica, request):
        if rng.random() < self.p_fail:
            raise Boom("claim")
        HTTPWatchdog.claim_resources(self, env, replica, request)

    def release_resources(self, env, replica, request):
        yield env.timeout(0)
        if rng.random() < self.p_fail:
            raise Boom("release")
        yield from HTTPWatchdog.release_resources(self, env, replica, request)

    def invoke_and_wait(self, env, replica, request):
        yield from HTTPWatchdog.invoke(self, env, replica, request)
        yield env.timeout(rng.random() * 0.1)

    def invoke_and_go(self, env, replica, request):
        HTTPWatchdog.invoke(self, env, replica, request)

    steps = {"execute": execute, "claim_resources": claim_resources, "release_resources": release_resources}
    names = [f"i{k}" for k in range(6)]
    classes = {}
    for name in names:
        attrs = {k: v for k, v in steps.items() if rng.random() < 0.4}
        pick = rng.random()
        if pick < 0.3:
            attrs["invoke"] = invoke_and_wait
        elif pick < 0.45:
            attrs["invoke"] = invoke_and_go
        base = ForkingWatchdog if rng.random() < 0.2 else HTTPWatchdog
        classes[name] = type(f"W{name}", (base,), attrs)
    ch = FunctionCharacterization(
        IMG,
        FetOracle({("node", i): Exponential(2.0) for i in names}),
        ResourceOracle({("node", i): FunctionResourceCharacterization(**RES) for i in names}),
    )

    def make(container):
        cls = classes[container.image]
        wd = cls(ch) if issubclass(cls, ForkingWatchdog) else cls(rng.randint(1, 3), ch)
        wd.p_fail = rng.random() * 0.1
        return wd

    env = faassim.Environment(seed=seed)
    env.faas.raise_hook_errors = rng.random() < 0.5
    env.topology = faassim.Topology([faassim.Node(n, "64", "64Gi") for n in ("node_0", "node_1")])
    env.simulator_factory = Factory(make, per_container=True)
    for name in names:
        deploy(env, name, image=name, replicas=rng.randint(1, 2))
        env.faas.add_source(name, Poisson(rng.uniform(1, 6)), max_requests=rng.randint(0, 60))

    def client(env):
        for _ in range(30):
            yield env.timeout(rng.random())
            try:
                yield env.faas.invoke(FunctionRequest(rng.choice(names), size=1))
            except Boom:
                pass

    for _ in range(3):
        env.process(client(env))
    return env, names


@pytest.mark.parametrize("seed", range(40))
def test_random_workload_accounts_for_every_request(seed):
    env, names = random_platform(seed)
    run_all(env)
    assert_all_released(env)
    for name in names:
        stats = env.faas.function_stats(name)
        assert stats["invoked"] == stats["completed"] + stats["failed"] and stats["waiting"] == 0
        for rep in env.faas.get_replicas(name) + env.faas.get_replicas(name, FunctionState.FAILED):
            assert (rep.simulator.busy, rep.simulator.queued) == (0, 0)


@pytest.mark.parametrize("seed", range(40))
def test_random_workload_dropped_midway_is_collected(seed):
    env, _ = random_platform(seed)
    until = random.Random(-seed).uniform(0.5, 15)
    try:
        env.run(until=until)
    except Boom:
        pass
    ref = weakref.ref(env)
    del env
    gc.collect()
    assert ref() is None


def test_power_prediction_simulator_shows_its_queue():
    ch = characterization(Constant(1.0))
    env = make_env(lambda: faassim.PowerPredictionSimulator(1, ch))
    env.power_models["node_0"] = faassim.LinearPowerModel([1.0, 0.0, 0.0, 0.0, 0.0])
    env.faas.add_source("f", Replay([0.0, 0.1, 0.2]))
    seen = []

    def look(env):
        yield env.timeout(0.5)
        q = env.faas.get_replicas("f")[0].simulator.queue
        seen.append((q.capacity, q.count, len(q.queue), len(q.users)))
        yield env.timeout(2.0)
        q = env.faas.get_replicas("f")[0].simulator.queue
        seen.append((q.capacity, q.count, len(q.queue), len(q.users)))

    env.process(look(env))
    env.run()
    assert seen == [(1, 1, 2, 1), (1, 1, 0, 1)]
    assert isinstance(faassim.PowerPredictionSimulator(0).queue, WorkerQueue)


@pytest.mark.parametrize("workers", [2**31, 2**40, 2**63, 10**30])
def test_worker_pool_above_the_limit_is_refused(workers):
    with pytest.raises(ValueError, match=f"workers must be at most 2147483647 .*, got {workers}"):
        HTTPWatchdog(workers)
    with pytest.raises(ValueError, match=f"got {workers}"):
        Watchdog(workers)


def test_worker_pool_at_the_limit_is_accepted():
    assert HTTPWatchdog(2**31 - 1).workers == 2**31 - 1
