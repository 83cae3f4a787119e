"""faassim.simpy as a drop-in for SimPy.

* The models of SimPy's documentation examples (re-written in
  ``tests/simpy_examples``) print byte-identical output on SimPy and on
  ``python -m faassim.simpy``.
* Times keep SimPy's types (int while the initial time and the delays are
  ints), checked against SimPy and against hand-computed values, with the
  2**53 rule.
* ``install()`` / ``uninstall()`` / ``python -m faassim.simpy``, SimPy's module
  layout, ``SimPyException``, assignable ``Store.items``, a ``step`` replaced
  on the instance or overridden in a subclass (``run()`` goes through it),
  ``env._queue`` for SimPy's tracing recipe, ``simpy.util`` and ``simpy.rt``.
"""

import importlib
import os
import pathlib
import subprocess
import sys
import time

import pytest

import faassim
import faassim.simpy as fsimpy

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLES = HERE / "simpy_examples"
# the checkout the tests import (a sanitizer build's copy in CI, not an editable install)
ROOT = pathlib.Path(faassim.__file__).resolve().parent.parent

simpy = pytest.importorskip("simpy")  # the real SimPy: a test dependency


def _run(args, cwd=EXAMPLES):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, timeout=300)


# ---------------------------------------------------------------- examples

EXAMPLE_SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def test_all_seven_examples_are_there():
    assert EXAMPLE_SCRIPTS == [
        "bank_renege.py",
        "carwash.py",
        "gas_station_refuel.py",
        "latency.py",
        "machine_shop.py",
        "movie_renege.py",
        "process_communication.py",
    ]


@pytest.mark.parametrize("script", EXAMPLE_SCRIPTS)
def test_example_output_is_byte_identical(script):
    on_simpy = _run([script])
    on_faassim = _run(["-m", "faassim.simpy", script])
    assert on_simpy.returncode == 0, on_simpy.stderr.decode()
    assert on_faassim.returncode == 0, on_faassim.stderr.decode()
    assert on_faassim.stderr == b""
    assert len(on_simpy.stdout.splitlines()) >= 7
    assert on_faassim.stdout == on_simpy.stdout


def test_latency_example_prints_int_times():
    """The event latency model's times are ints (SimPy prints 15, not 15.0)."""
    out = _run(["-m", "faassim.simpy", "latency.py"]).stdout.decode().splitlines()
    assert out[:3] == [
        "Event Latency",
        "Received this at 15 while Sender sent this at 5",
        "Received this at 20 while Sender sent this at 10",
    ]


# ---------------------------------------------------------------- time types


def _time_trace(sim):
    """A model mixing int and float delays and initial times; returns the
    repr of every time it sees (repr tells 3 from 3.0)."""
    out = []

    def proc(env, delays):
        for d in delays:
            yield env.timeout(d)
            out.append(repr(env.now))
            out.append(repr(env.peek()))

    for initial in (0, 7, 2.5):
        env = sim.Environment(initial)
        out.append(repr(env.now))
        env.process(proc(env, [1, 2, 0.5, 3, 0]))
        env.process(proc(env, [0, 4, True]))  # True + int is an int
        ev = env.timeout(3)
        env.run(until=ev)
        out.append(repr(env.now))
        env.run(until=20)
        out.append(repr(env.now))
        out.append(repr(sim.Timeout(env, 2).delay if hasattr(sim.Timeout(env, 2), "delay") else 2))
        env.run(until=20.5)
        out.append(repr(env.now))
        env.run(until=30)
        out.append(repr(env.now))
    env = sim.Environment()
    env.run(until=5)
    out.append(repr(env.now))
    env.timeout(1.0)
    env.run()
    out.append(repr(env.now))
    return out


def test_time_types_match_simpy():
    ref = _time_trace(simpy)
    assert "3" in ref and "3.5" in ref and "20.5" in ref  # both kinds occur
    assert _time_trace(fsimpy) == ref


def test_time_types_hand_computed():
    env = faassim.Environment()
    assert env.now == 0 and type(env.now) is int
    seen = []

    def proc(env):
        yield env.timeout(2)
        seen.append(env.now)
        yield env.timeout(1.5)
        seen.append(env.now)
        yield env.timeout(1)  # float now + int delay: float
        seen.append(env.now)

    env.process(proc(env))
    env.run()
    assert [(v, type(v)) for v in seen] == [(2, int), (3.5, float), (4.5, float)]
    # an event at now + 0 keeps now's type; the until time of run() is SimPy's
    env = faassim.Environment(initial_time=10)
    env.timeout(0)
    assert type(env.peek()) is int and env.peek() == 10
    env.run(until=12)
    assert type(env.now) is int and env.now == 12
    env.run(until=12.25)
    assert type(env.now) is float and env.now == 12.25
    assert type(faassim.Environment(initial_time=1.0).now) is float
    env = faassim.Environment(initial_time=12.25)
    env.schedule(env.event(), delay=2)
    env.schedule(env.event(), delay=2.0)
    env.schedule(env.event())
    assert [repr(row[0]) for row in env._queue] == ["12.25", "14.25", "14.25"]
    env = faassim.Environment(initial_time=1)
    env.schedule(env.event(), delay=2)
    env.schedule(env.event(), delay=2.0)
    env.schedule(env.event())
    assert [repr(row[0]) for row in env._queue] == ["1", "3", "3.0"]
    assert repr(env.timeout(3)) .startswith("<Timeout(3)")
    assert type(env.timeout(3).delay) is int and type(env.timeout(3.0).delay) is float


def test_numpy_integer_delays_print_like_simpy():
    np = pytest.importorskip("numpy")

    def trace(sim):
        env = sim.Environment()
        out = []

        def proc(env):
            for d in (np.int64(2), np.int32(3), np.float64(0.5), np.int64(1)):
                yield env.timeout(d)
                out.append(f"{env.now}")

        env.process(proc(env))
        env.run()
        return out

    assert trace(simpy) == ["2", "5", "5.5", "6.5"]
    assert trace(fsimpy) == trace(simpy)


def test_integer_times_from_2_53_become_floats():
    """Doubles hold every int below 2**53: an int time below that stays an
    exact int; from 2**53 on it becomes a float (SimPy would keep a big int)."""
    big = 2**53
    env = faassim.Environment(initial_time=big - 3)
    env.timeout(2)
    env.run()
    assert env.now == big - 1 and type(env.now) is int
    env.timeout(2)  # 2**53 + 1 is not a double: rounds to 2**53, a float
    env.run()
    assert type(env.now) is float and env.now == float(big)
    env = faassim.Environment(initial_time=-big + 1)
    assert type(env.now) is int and env.now == -big + 1
    assert type(faassim.Environment(initial_time=big).now) is float
    env = faassim.Environment()
    env.timeout(big - 1)
    env.timeout(big)
    assert [type(row[0]) for row in env._queue] == [int, float]
    assert type(env.timeout(big).delay) is float and type(env.timeout(big - 1).delay) is int


# ---------------------------------------------------------------- install


def test_install_resolves_simpy_and_submodules_and_uninstall_restores():
    import simpy as real

    names = [
        "simpy",
        "simpy.core",
        "simpy.events",
        "simpy.exceptions",
        "simpy.util",
        "simpy.rt",
        "simpy.resources",
        "simpy.resources.base",
        "simpy.resources.resource",
        "simpy.resources.store",
        "simpy.resources.container",
    ]
    for name in names:  # the real ones are loaded, as a model run earlier would have
        importlib.import_module(name)
    before = {name: sys.modules[name] for name in names}
    assert not fsimpy.installed()
    fsimpy.install()
    try:
        fsimpy.install()  # twice is harmless
        assert fsimpy.installed()
        for name in names:
            mod = importlib.import_module(name)
            assert mod is sys.modules["faassim.simpy" + name[len("simpy"):]], name
        import simpy.core
        import simpy.resources.store

        assert simpy.core.Environment is faassim.Environment
        assert simpy.resources.store.Store is faassim.Store
        assert simpy.core.Infinity == float("inf")
        from simpy.events import PENDING, URGENT, NORMAL, ConditionValue, Initialize

        assert (URGENT, NORMAL) == (0, 1) and PENDING is faassim.PENDING
        assert ConditionValue is faassim.ConditionValue and Initialize is faassim.Initialize
    finally:
        fsimpy.uninstall()
    assert not fsimpy.installed()
    for name in names:
        assert sys.modules[name] is before[name], name
    import simpy

    assert simpy is real


def test_module_layout_has_simpy_names():
    """Every public name of each SimPy module exists in the same faassim.simpy
    module (type aliases of SimPy's annotations aside)."""
    typing_only = {"SimTime", "EventPriority", "EventType", "EventCallback", "EventCallbacks", "ProcessGenerator",
                   "ResourceType", "PutType", "GetType", "ContainerAmount", "T", "monotonic", "sleep"}
    for name in ("", ".core", ".events", ".exceptions", ".util", ".rt", ".resources", ".resources.base",
                 ".resources.resource", ".resources.store", ".resources.container"):
        theirs = importlib.import_module("simpy" + name)
        ours = importlib.import_module("faassim.simpy" + name)
        for attr in vars(theirs):
            value = getattr(theirs, attr)
            if attr.startswith("_") or attr in typing_only or attr in ("TYPE_CHECKING", "annotations") or getattr(value, "__module__", "").startswith("typing"):
                continue
            if isinstance(value, type(sys)) and not value.__name__.startswith("simpy"):
                continue  # modules SimPy imports (importlib)
            if getattr(value, "__module__", "simpy").split(".")[0] not in ("simpy", "builtins", None):
                continue  # heappush, count, MethodType, ... imported from the standard library
            assert hasattr(ours, attr), f"faassim.simpy{name} has no {attr}"
    assert issubclass(fsimpy.Interrupt, fsimpy.SimPyException)
    assert fsimpy.SimPyException is faassim.SimPyException
    assert fsimpy.exceptions.SimPyException is faassim.SimPyException


def test_python_m_faassim_simpy_runs_script_as_main_with_argv(tmp_path):
    script = tmp_path / "model.py"
    helper = tmp_path / "helper_mod.py"
    helper.write_text("VALUE = 41\n")
    script.write_text(
        "import sys, simpy, simpy.rt, simpy.core, faassim, helper_mod\n"
        "env = simpy.Environment()\n"
        "env.run(until=3)\n"
        "print(__name__, sys.argv[1:], helper_mod.VALUE + 1, env.now,\n"
        "      simpy.core.Environment is faassim.Environment, simpy.rt.__name__)\n"
    )
    r = _run(["-m", "faassim.simpy", str(script), "a", "--b"], cwd=tmp_path.parent)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == "__main__ ['a', '--b'] 42 3 True faassim.simpy.rt\n"
    # -m module form
    r = _run(["-m", "faassim.simpy", "-m", "model", "x"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == "__main__ ['x'] 42 3 True faassim.simpy.rt\n"
    r = _run(["-m", "faassim.simpy"])
    assert r.returncode == 2 and b"usage" in r.stderr


# ---------------------------------------------------------------- Store.items


def test_store_items_can_be_assigned():
    env = faassim.Environment()
    store = fsimpy.Store(env, capacity=3)
    stock = ["a", "b"]
    store.items = stock
    assert store.items is stock
    got = []

    def taker(env):
        got.append((yield store.get()))
        got.append((yield store.get()))

    env.process(taker(env))
    env.run()
    assert got == ["a", "b"] and stock == []
    prio = fsimpy.PriorityStore(env)
    prio.items = [1, 5, 3]  # a heap
    flt = fsimpy.FilterStore(env)
    flt.items = ["x", "yy", "zzz"]

    def takers(env):
        got.append((yield prio.get()))
        got.append((yield flt.get(lambda s: len(s) == 2)))

    env.process(takers(env))
    env.run()
    assert got[2:] == [1, "yy"] and flt.items == ["x", "zzz"]
    with pytest.raises(TypeError, match="items must be a list, not tuple"):
        store.items = ("t",)
    with pytest.raises(TypeError, match="cannot be deleted"):
        del store.items
    assert store.items is stock


# ---------------------------------------------------------------- step overrides


def _tracing_model(sim):
    """SimPy's monitoring recipe: env.step patched on the instance records
    env._queue[0] before each step."""
    seen = []
    env = sim.Environment()
    inner = env.step

    def traced():
        if len(env._queue):
            t, prio, eid, event = env._queue[0]
            seen.append((repr(t), prio, eid, type(event).__name__))
        return inner()

    env.step = traced

    def proc(env):
        yield env.timeout(1)
        yield env.timeout(0.5, value=3)
        ev = env.event()
        ev.succeed()
        yield ev
        return 7

    p = env.process(proc(env))
    assert env.run(until=p) == 7
    return seen


def test_step_patched_on_instance_is_used_by_run():
    ref = _tracing_model(simpy)
    assert len(ref) == 5
    assert _tracing_model(fsimpy) == ref


@pytest.mark.parametrize("sim", [simpy, fsimpy], ids=["simpy", "faassim"])
def test_step_overridden_in_subclass_is_used_by_run(sim):
    class Counting(sim.Environment):
        steps = 0

        def step(self):
            Counting.steps += 1
            super().step()

    env = Counting()

    def proc(env):
        for _ in range(5):
            yield env.timeout(1)

    env.process(proc(env))
    env.run(until=3)
    # Initialize, the timeouts at 1 and 2, the until event (URGENT at 3)
    assert env.now == 3 and Counting.steps == 4
    env.run()
    # the until event's entry left in the queue, the timeouts at 3, 4, 5, the
    # process's end, and the call that finds the queue empty
    assert env.now == 5 and Counting.steps == 4 + 6


def test_overridden_step_errors_and_reentry():
    env = faassim.Environment()
    calls = []

    def step():
        calls.append(env.now)
        if len(calls) == 3:
            raise KeyError("from step")
        faassim.Environment.step(env)

    env.step = step
    for d in range(1, 6):
        env.timeout(d)
    with pytest.raises(KeyError, match="from step"):
        env.run()
    assert calls == [0, 1, 2] and env.now == 2

    def nested():
        env.run()
        faassim.Environment.step(env)

    env.step = nested
    with pytest.raises(RuntimeError, match="already running"):
        env.run()
    del env.step
    env.run()  # the C loop again
    assert env.now == 5


def test_queue_snapshot_shape():
    env = faassim.Environment()
    a = env.timeout(2)
    b = env.timeout(1.5)
    c = env.event()
    env.schedule(c, priority=fsimpy.events.URGENT, delay=2)
    assert env._queue == [(1.5, 1, 1, b), (2, 0, 2, c), (2, 1, 0, a)]
    assert [type(row[0]) for row in env._queue] == [float, int, int]


# ---------------------------------------------------------------- util, rt, core


def test_util_start_delayed_and_subscribe_at():
    env = fsimpy.Environment()
    log = []

    def worker(env, tag):
        log.append((tag, env.now))
        yield env.timeout(2)
        return tag

    starter = fsimpy.util.start_delayed(env, worker(env, "w"), 5)
    env.run()
    assert log == [("w", 5)] and isinstance(starter.value, fsimpy.Process) and starter.value.value == "w"
    with pytest.raises(ValueError, match=r"delay\(=0\) must be > 0"):
        fsimpy.util.start_delayed(env, worker(env, "x"), 0)

    def child(env):
        yield env.timeout(3)
        return "done"

    def parent(env):
        kid = env.process(child(env))
        fsimpy.util.subscribe_at(kid)
        try:
            yield env.timeout(10)
        except fsimpy.Interrupt as intr:
            log.append((env.now, intr.cause[0] is kid, intr.cause[1]))

    env.process(parent(env))
    env.run()
    assert log[-1] == (10, True, "done")
    ev = env.event()
    ev.succeed()
    env.run()

    def late(env):
        with pytest.raises(RuntimeError, match="already terminated"):
            fsimpy.util.subscribe_at(ev)
        log.append("checked")
        yield env.timeout(1)

    env.process(late(env))
    env.run()
    assert log[-1] == "checked"
    with pytest.raises(RuntimeError, match="from inside a process"):
        fsimpy.util.subscribe_at(env.event())


def test_bound_class():
    class Desk:
        ticket = fsimpy.core.BoundClass(list)

    d = Desk()
    assert Desk.ticket is list
    fsimpy.core.BoundClass.bind_early(d)
    assert "ticket" in vars(d) and d.ticket.__self__ is d


def test_realtime_environment_paces_by_the_wall_clock():
    env = fsimpy.RealtimeEnvironment(factor=0.02, strict=False)
    assert env.factor == 0.02 and env.strict is False and env.now == 0

    def proc(env):
        for _ in range(5):
            yield env.timeout(1)

    env.process(proc(env))
    t0 = time.monotonic()
    env.run()
    elapsed = time.monotonic() - t0
    assert env.now == 5 and elapsed >= 5 * 0.02 - 0.005  # never early (monotonic clock)


def test_realtime_strict_raises_when_too_slow_and_sync_resets():
    env = fsimpy.RealtimeEnvironment(factor=0.01, strict=True)

    def slow(env):
        yield env.timeout(1)
        time.sleep(0.05)  # 5 time units of work in 1
        yield env.timeout(1)

    env.process(slow(env))
    with pytest.raises(RuntimeError, match=r"Simulation too slow for real time \(0\.\d{3}s\)"):
        env.run()
    env = fsimpy.RealtimeEnvironment(factor=0.01, strict=True)
    env.timeout(1)
    time.sleep(0.05)  # set-up time that must not count
    env.sync()
    env.run()
    assert env.now == 1


def _preemption_trace(sim):
    """Times the resources record (Preempted.usage_since, PriorityRequest.time,
    its key) keep SimPy's types."""
    out = []

    def user(env, res, name, wait, prio):
        yield env.timeout(wait)
        with res.request(priority=prio) as req:
            out.append((name, repr(req.time), repr(req.key)))
            try:
                yield req
                yield env.timeout(3)
            except sim.Interrupt as intr:
                out.append((name, repr(intr.cause.usage_since), repr(env.now - intr.cause.usage_since)))

    for start in (0, 0.5):
        env = sim.Environment(start)
        res = sim.PreemptiveResource(env, capacity=1)
        env.process(user(env, res, "a", 0, 0))
        env.process(user(env, res, "b", 1, 0))
        env.process(user(env, res, "c", 2, -1))
        env.run()
    return out


def test_resource_times_keep_simpy_types():
    ref = _preemption_trace(simpy)
    assert ("a", "0", "2") in ref and ("a", "0.5", "2.0") in ref
    assert _preemption_trace(fsimpy) == ref
