"""Reference leaks: running the whole scenario library repeatedly must not
grow memory. A missing Py_DECREF anywhere in the engine keeps objects (and
their memory) alive, which tracemalloc sees even when the leaked objects are
not engine types (values, exceptions, generators, lists)."""

import gc
import tracemalloc

import pytest
import simpy_scenarios as scenarios
import test_differential as diff

import faassim
from faassim import _core


def _run_all(ns):
    for name in sorted(n for n in dir(scenarios) if n.startswith("scn_")):
        trace = []
        diff.record(ns, getattr(scenarios, name), trace)


def _workload():
    env = faassim.Environment()
    res = faassim.Resource(env, 2)
    store = faassim.FilterStore(env)

    def customer(env, i):
        with res.request() as req:
            got = yield req | env.timeout(3)
            if req in got:
                yield env.timeout(1 + i % 3)
        yield store.put(i)

    def collector(env):
        while True:
            yield store.get(lambda x: x % 2 == 0)

    def failing(env):
        yield env.timeout(1)
        raise ValueError("expected")

    def watcher(env, p):
        try:
            yield p
        except ValueError:
            pass

    env.process(collector(env))
    for i in range(300):
        env.process(customer(env, i))
        env.process(watcher(env, env.process(failing(env))))
    env.run(until=500)


def test_no_memory_growth_over_repeated_runs():
    ns = diff.faassim_namespace()
    _run_all(ns)  # warm caches (interned strings, freelists, type caches)
    _workload()
    gc.collect()
    tracemalloc.start()
    try:
        gc.collect()
        _core._clear_freelists()  # bounded reuse cache, not growth
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            _run_all(ns)
            _workload()
        gc.collect()
        _core._clear_freelists()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # One leaked reference per event would leak megabytes here; what is left
    # is CPython's own caches (e.g. classes created by the scenarios).
    assert after - before < 32 * 1024, f"memory grew by {after - before} bytes"


# --------------------------------------------------------------------------
# Replica churn: the platform keeps a replica while it is live; a removed
# (SUSPENDED) one leaves 16 bytes (its function and node, for the energy
# by replica) besides its metrics rows, and FAILED ones are kept only up to
# the latest FAILED_KEPT per function.

FAILED_KEPT = 100  # FS_KEEP_FAILED in csrc/py/faas_private.h


class _Idle(faassim.FunctionSimulator):
    pass


class _Boom(Exception):
    alive = 0

    def __init__(self, *args):
        super().__init__(*args)
        _Boom.alive += 1

    def __del__(self):
        _Boom.alive -= 1


class _Failing(faassim.FunctionSimulator):
    def invoke(self, env, replica, request):
        payload = bytearray(4096)  # a local of the failing frame
        yield env.timeout(0.5)
        raise _Boom(len(payload))


class _Factory:
    def __init__(self, cls):
        self.cls = cls

    def create(self, env, container):
        return self.cls()


def _deployment(name):
    image = faassim.FunctionImage(name + "-img")
    return faassim.FunctionDeployment(
        faassim.Function(name, [image]), [faassim.FunctionContainer(image)]
    )


def _churn_env(sim):
    env = faassim.Environment(seed=1)
    env.topology = faassim.Topology([faassim.Node("n0", "8", "16Gi")])
    env.simulator_factory = _Factory(sim)
    return env


def _deploy_remove(env, n):
    for _ in range(n):
        yield env.faas.deploy(_deployment("f"))
        yield env.timeout(1)
        yield env.faas.remove("f")
        yield env.timeout(1)


def _scale_up_down(env, n):
    yield env.faas.deploy(_deployment("f"))
    for _ in range(n):
        yield env.faas.scale_up("f", 2)
        yield env.timeout(1)
        yield env.faas.scale_down("f", 2)
        yield env.timeout(1)


def _failing_requests(env, n, errors=None):
    env.faas.raise_hook_errors = False
    yield env.faas.deploy(_deployment("f"))
    for _ in range(n):
        try:
            yield env.faas.invoke(faassim.FunctionRequest("f"))
        except _Boom as e:  # the request fails with the hook's error
            if errors is not None:
                errors.append(str(e))
        yield env.timeout(1)


CHURN = {
    "deploy_remove": (_deploy_remove, _Idle),
    "scale_up_down": (_scale_up_down, _Idle),
    "failing_invoke": (_failing_requests, _Failing),
}


def _churn_growth(kind, n):
    """Bytes (tracemalloc) and live engine objects an environment holds
    after n churn cycles, beyond what it held before them."""
    loop, sim = CHURN[kind]
    warm = _churn_env(sim)
    warm.process(loop(warm, 20))  # warm caches: interned names, type caches, free lists
    warm.run()
    del warm
    env = _churn_env(sim)
    gc.collect()
    _core._clear_freelists()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        objects = _core._live_objects()
        env.process(loop(env, n))
        env.run()
        gc.collect()
        _core._clear_freelists()
        grown = tracemalloc.get_traced_memory()[0] - before
        after = _core._live_objects()
    finally:
        tracemalloc.stop()
    return env, grown, {k: after[k] - objects[k] for k in after}


# Bytes a cycle may keep: its metrics rows (replica_deployment, allocation,
# function_replicas, ... with their strings: measured ~100 B for a failed
# request, ~300 B for two replicas scaled up and down) and the per-id
# records (16 B per replica in the platform, the resource integrals by
# replica id); a removed deployment also keeps its function slot (name,
# counters, ~0.4 KiB). Keeping the replica records cost 0.5 KiB (a failed
# request), 1.2 KiB (two replicas) and 2.4 KiB (a deployment) per cycle.
PER_CYCLE = {"deploy_remove": 1024, "scale_up_down": 512, "failing_invoke": 256}


@pytest.mark.parametrize("kind", sorted(CHURN))
def test_replica_churn_does_not_grow_memory(kind):
    n = 150
    _, small, small_objects = _churn_growth(kind, n)
    env, large, large_objects = _churn_growth(kind, 4 * n)
    # live engine objects do not grow with the number of cycles: the same
    # count after n and 4n cycles (FAILED replicas: the latest FAILED_KEPT)
    assert large_objects == small_objects
    live = env.faas.get_replicas("f") if kind != "deploy_remove" else []
    failed_kept = FAILED_KEPT if kind == "failing_invoke" else 0
    assert large_objects["replicas"] == len(live) + failed_kept
    assert large_objects["events"] == 0
    per_cycle = (large - small) / (3 * n)
    assert per_cycle < PER_CYCLE[kind], f"{kind}: {per_cycle:.0f} bytes kept per cycle"


def test_failed_replicas_keep_the_latest_and_no_traceback():
    env = _churn_env(_Failing)
    n = FAILED_KEPT + 30
    seen = []
    env.process(_failing_requests(env, n, seen))
    env.run()
    assert seen == ["4096"] * n
    del seen
    gc.collect()
    # every request failed on a replica of its own (made from zero for it),
    # ids 0 .. n-1; the platform keeps the latest FAILED_KEPT
    failed = env.faas.get_replicas("f", faassim.FunctionState.FAILED)
    assert [r.replica_id for r in failed] == list(range(n - FAILED_KEPT, n))
    # the metrics keep a row (with the error's text) for every failure
    rows = env.metrics.to_numpy("replica_deployment")
    errors = rows["error"][rows["value"] == "failed"].tolist()
    assert errors == ["_Boom: 4096"] * n
    # no exception (nor its traceback, frames and their locals) is kept
    assert _Boom.alive == 0


class _Powered(faassim.FunctionSimulator):
    """Each request draws 2 W for 3 s on its replica."""

    def invoke(self, env, replica, request):
        env.resource_state.put_resource(replica, "power", 2.0)
        yield env.timeout(3)
        env.resource_state.remove_resource(replica, "power", 2.0)


def test_removed_replicas_keep_their_energy_rows():
    gc.collect()
    live = _core._live_objects()["replicas"]
    env = _churn_env(_Powered)

    def churn(env):
        yield env.faas.deploy(_deployment("f"))  # replica 0 (scale_min)
        for k in range(3):
            yield env.faas.scale_up("f", 1)  # replicas 1, 2, 3
            yield env.timeout(1)
            # round robin over the running replicas: k + 1 requests
            for _ in range(k + 1):
                env.faas.invoke(faassim.FunctionRequest("f"))
            yield env.timeout(5)
            yield env.faas.scale_down("f", 1)

    env.process(churn(env))
    env.run()
    assert env.faas.get_replicas("f", faassim.FunctionState.RUNNING)[0].replica_id == 0
    gc.collect()
    assert _core._live_objects()["replicas"] == live + 1  # the removed ones are gone
    assert [
        r.replica_id for r, _ in env.resource_state.list_resource_utilization("n0")
    ] == [0]
    table = env.energy.table()
    replica = table["kind"] == "replica"
    assert table["replica_id"][replica].tolist() == [0, 1, 2, 3]
    assert table["node"][replica].tolist() == ["n0"] * 4
    # 6 requests of 6 J each, whichever replica served them
    assert sum(table["dynamic"][replica]) == 36.0
    assert env.energy.function_energy("f") == 36.0
    assert env.energy.total() == 36.0
