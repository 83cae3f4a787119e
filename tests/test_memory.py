"""Reference leaks: running the whole scenario library repeatedly must not
grow memory. A missing Py_DECREF anywhere in the engine keeps objects (and
their memory) alive, which tracemalloc sees even when the leaked objects are
not engine types (values, exceptions, generators, lists)."""

import gc
import tracemalloc

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
