"""Engine behaviour beyond the SimPy differential tests: tracebacks, Ctrl-C,
garbage collection, `yield from`, C callbacks seen from Python, subclassing."""

import gc
import os
import signal
import subprocess
import sys
import traceback
import weakref

import pytest

import faassim
from faassim import _core


def test_uncaught_exception_keeps_user_traceback(env):
    def inner(env):
        yield env.timeout(1)
        raise ValueError("boom in inner")

    def outer(env):
        yield env.process(inner(env))

    env.process(outer(env))
    with pytest.raises(ValueError, match="boom in inner") as info:
        env.run()
    # outer did not catch the copy thrown into it: the error that reaches
    # run() shows outer's frames, chained (__cause__) to inner's original.
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "outer" in frames
    cause = info.value.__cause__
    assert isinstance(cause, ValueError) and cause.args == ("boom in inner",)
    assert "inner" in [f.name for f in traceback.extract_tb(cause.__traceback__)]


def test_exception_thrown_into_waiting_process_is_chained(env):
    caught = []

    def failing(env):
        yield env.timeout(1)
        raise KeyError("inner")

    def waiter(env):
        try:
            yield env.process(failing(env))
        except KeyError as e:
            caught.append(e)

    env.process(waiter(env))
    env.run()
    (e,) = caught
    assert e.args == ("inner",)
    assert isinstance(e.__cause__, KeyError) and e.__cause__ is not e
    assert "failing" in [f.name for f in traceback.extract_tb(e.__cause__.__traceback__)]


class ctrl_c_after:
    """Send SIGINT to this process from another process, as a terminal's
    Ctrl-C does (a thread could not: the C loop holds the GIL)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        # Python's own SIGINT handler, whatever the test runner was started
        # with (a shell starts background jobs with SIGINT ignored)
        self.saved = signal.signal(signal.SIGINT, signal.default_int_handler)
        code = f"import os, signal, time; time.sleep({self.seconds}); os.kill({os.getpid()}, signal.SIGINT)"
        self.proc = subprocess.Popen([sys.executable, "-c", code])
        return self

    def __exit__(self, *exc):
        self.proc.wait(timeout=30)
        signal.signal(signal.SIGINT, self.saved)
        return False


def test_keyboard_interrupt_stops_run_and_env_stays_usable(env):
    def forever(env):
        while True:
            yield env.timeout(1)

    env.process(forever(env))
    with ctrl_c_after(0.3):
        with pytest.raises(KeyboardInterrupt):
            env.run()
    t = env.now
    assert t > 0
    env.run(until=t + 10)
    assert env.now == t + 10


def test_keyboard_interrupt_during_native_events(env):
    env._native_ticker(1.0, 10**12)
    with ctrl_c_after(0.3):
        with pytest.raises(KeyboardInterrupt):
            env.run()
    ticks = env._native_ticks
    assert ticks > 1000
    env.run(until=env.now + 5)
    # ticks at now+1 .. now+4; the until-event (URGENT) wins the tie at now+5
    assert env._native_ticks == ticks + 4


def test_cycles_are_collected():
    gc.collect()
    base = _core._live_objects()

    def make():
        env = faassim.Environment()
        res = faassim.Resource(env, 1)
        env.keep = [env]  # env <-> its own dict

        def user(env):
            with res.request() as req:
                yield req
                yield env.timeout(10)

        def waiter(env, other):
            yield other & env.timeout(1)

        p = env.process(user(env))
        env.process(waiter(env, p))
        env.process(user(env))  # stays queued on the resource
        env.run(until=2)
        return weakref.ref(env)

    ref = make()
    gc.collect()
    assert ref() is None
    assert _core._live_objects() == base


def test_yield_from_event_and_generator_methods(env):
    out = []

    def helper(env):
        v = yield from env.timeout(2, value="two")
        return v + "!"

    def proc(env):
        a = yield from env.timeout(1, value="one")
        b = yield from helper(env)
        ev = env.event()
        env.process(trigger_later(env, ev))
        c = yield from ev
        out.append((env.now, a, b, c))

    def trigger_later(env, ev):
        yield env.timeout(1)
        ev.succeed("three")

    env.process(proc(env))
    env.run()
    assert out == [(4.0, "one", "two!", "three")]


def test_yield_from_failed_event_raises_in_generator(env):
    out = []

    def proc(env):
        ev = env.event()
        ev.fail(ZeroDivisionError("zero"))
        try:
            yield from ev
        except ZeroDivisionError as e:
            out.append(e.args)

    env.process(proc(env))
    env.run()
    assert out == [("zero",)]


def test_callbacks_list_shows_c_callbacks_in_order(env):
    order = []

    def proc(env, ev):
        yield ev
        order.append("process")

    ev = env.event()
    p = env.process(proc(env, ev))
    env.step()  # start the process: it now waits on ev
    cbs = ev.callbacks
    assert cbs == [p._resume]
    cbs.append(lambda e: order.append("python"))
    ev.succeed()
    env.run()
    assert order == ["process", "python"]
    assert ev.callbacks is None and ev.processed


def test_interrupt_removes_resume_from_target_list(env):
    out = []

    def sleeper(env, ev):
        try:
            yield ev
        except faassim.Interrupt as i:
            out.append(i.cause)

    ev = env.event()
    p = env.process(sleeper(env, ev))
    env.step()
    ev.callbacks.append(lambda e: None)  # materialise the list
    p.interrupt("wake")
    env.run()
    assert out == ["wake"]
    assert len(ev.callbacks) == 1  # only the lambda is left


def test_subclass_event_and_environment():
    class MyEnv(faassim.Environment):
        def __init__(self, tag):
            super().__init__(5)
            self.tag = tag

    class Signal(faassim.Event):
        def __init__(self, env, label):
            super().__init__(env)
            self.label = label

        def _desc(self):
            return f"Signal({self.label})"

    env = MyEnv("x")
    s = Signal(env, "go")
    assert repr(s).startswith("<Signal(go) object at")
    got = []

    def proc(env):
        got.append((yield s))

    env.process(proc(env))
    s.succeed(99)
    env.run()
    assert got == [99] and env.tag == "x" and env.now == 5


def test_subclass_forgetting_super_init_is_safe():
    class Careless(faassim.Event):
        def __init__(self, env):
            pass  # no super().__init__

    class Lost(faassim.Event):
        def __init__(self):
            pass

    env = faassim.Environment()
    ev = Careless(env)  # env bound by __new__ anyway
    ev.succeed(1)
    env.run()
    assert ev.value == 1
    lost = Lost()
    with pytest.raises(RuntimeError, match="must call super"):
        lost.succeed()


def test_custom_base_resource_subclass(env):
    """A resource written in Python on top of BaseResource (SimPy idiom)."""

    class Tokens(faassim.BaseResource):
        def __init__(self, env):
            super().__init__(env, capacity=float("inf"))
            self.tokens = 0

        def _do_put(self, event):
            self.tokens += 1
            event.succeed()
            return True

        def _do_get(self, event):
            if self.tokens:
                self.tokens -= 1
                event.succeed(self.tokens)
            return None

    t = Tokens(env)
    log = []

    def consumer(env):
        v = yield t.get()
        log.append((env.now, v))

    def producer(env):
        yield env.timeout(3)
        yield t.put()

    env.process(consumer(env))
    env.process(producer(env))
    env.run()
    assert log == [(3.0, 0)]


def test_resource_subclass_override_is_honoured(env):
    class Metered(faassim.Resource):
        granted = 0

        def _do_put(self, event):
            before = len(self.users)
            r = super()._do_put(event)
            if len(self.users) > before:
                type(self).granted += 1
            return r

    res = Metered(env, 2)

    def user(env):
        with res.request() as req:
            yield req
            yield env.timeout(1)

    for _ in range(5):
        env.process(user(env))
    env.run()
    assert Metered.granted == 5 and env.now == 3


def test_process_attributes(env):
    def worker(env):
        yield env.timeout(1)
        return 7

    p = env.process(worker(env))
    assert p.name == "worker" and p.is_alive
    assert isinstance(p.target, faassim.Initialize)
    env.run()
    assert not p.is_alive and p.value == 7 and p.target is None and p.ok


def test_run_until_leaves_rescheduled_event_like_simpy(env):
    env.timeout(10)
    env.run(until=5)
    # SimPy puts the until-event back (priority -1): peek shows it.
    assert env.now == 5 and env.peek() == 5
    env.step()
    assert env.peek() == 10


def test_condition_value_mapping(env):
    a = env.timeout(1, "a")
    b = env.timeout(2, "b")
    c = env.timeout(3, "c")
    cond = (a & b) | c
    env.run(until=cond)
    v = cond.value
    assert list(v.keys()) == [a, b]
    assert v[a] == "a" and b in v and c not in v
    assert v == {a: "a", b: "b"} and len(v) == 2


def test_many_environments_are_independent():
    envs = [faassim.Environment(seed=i) for i in range(3)]
    for i, e in enumerate(envs):
        e.timeout(i + 1)
        e._native_ticker(1.0, 5)
    for e in envs:
        e.run()
    assert [e.now for e in envs] == [5.0, 5.0, 5.0]
    assert [e._native_ticks for e in envs] == [5, 5, 5]


def test_run_until_infinity_runs_to_the_end(env):
    env.timeout(3)
    assert env.run(until=float("inf")) is None
    assert env.now == 3 and env.peek() == float("inf")


def test_process_of_an_event_drives_yield_from(env):
    """faas-sim code writes env.process(env.faas.invoke(request)); C methods
    that stand for its generator methods return events, so a Process accepts
    an event and finishes with the event's value."""
    p = env.process(env.timeout(2, value="done"))
    assert p.name == "Timeout" and p.is_alive
    assert env.run(until=p) == "done" and env.now == 2
    q = faassim.Process(env, env.timeout(1, value=5))
    assert env.run(until=q) == 5 and env.now == 3


def test_process_of_a_failing_event_fails(env):
    ev = env.event()
    p = env.process(ev)
    caught = []

    def waiter(env):
        try:
            yield p
        except KeyError as e:
            caught.append(e.args)

    env.process(waiter(env))
    ev.fail(KeyError("gone"))
    env.run()
    assert caught == [("gone",)] and not p.ok


def test_process_of_an_event_can_be_interrupted(env):
    p = env.process(env.timeout(10))
    log = []

    def interrupter(env):
        yield env.timeout(1)
        p.interrupt("stop")

    def watcher(env):
        try:
            yield p
        except faassim.Interrupt as i:
            log.append((env.now, i.cause))

    env.process(interrupter(env))
    env.process(watcher(env))
    env.run()
    assert log == [(1.0, "stop")]


def _interrupted_platform(interrupt_at):
    """A platform whose invoke hook takes 1 s of simulated time in Python;
    the hook of request *interrupt_at* sends SIGINT to this process in the
    middle of its Python code (the signal arrives there, as a Ctrl-C typed
    while the hook runs would)."""
    env = faassim.Environment(seed=4)
    env.topology = faassim.Topology([faassim.Node("n0", "4", "8Gi")])
    calls = []

    class Sim(faassim.FunctionSimulator):
        def invoke(self, env, replica, request):
            calls.append(request.request_id)
            if request.request_id == interrupt_at:
                os.kill(os.getpid(), signal.SIGINT)
                sum(range(10000))  # Python code after the signal: where the handler runs
            yield env.timeout(env.rng.uniform(0.5, 1.5))

    class Factory(faassim.SimulatorFactory):
        def create(self, env, container):
            return Sim()

    env.simulator_factory = Factory()
    fn = faassim.Function("f", [faassim.FunctionImage("img")])
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])]))
    env.faas.add_source("f", faassim.Poisson(4))
    return env, calls


def test_ctrl_c_inside_a_hook_stops_the_run_between_events():
    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        reference, _ = _interrupted_platform(interrupt_at=-1)
        reference.run(until=20)
        env, calls = _interrupted_platform(interrupt_at=7)
        with pytest.raises(KeyboardInterrupt):
            env.run(until=20)
        # stopped after the event whose hook was interrupted, which ran to its end
        assert calls[-1] == 7 and env.now < 20
        assert env.faas.get_replicas("f", faassim.FunctionState.FAILED) == []
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        env.run(until=20)  # resumed: the same model as without the interrupt
        for table in ("invocations", "fets", "replica_deployment"):
            a, b = env.metrics.to_numpy(table), reference.metrics.to_numpy(table)
            assert {k: v.tolist() for k, v in a.items()} == {k: v.tolist() for k, v in b.items()}, table
        stats = env.faas.function_stats("f")
        assert stats == reference.faas.function_stats("f") and stats["failed"] == 0
    finally:
        signal.signal(signal.SIGINT, saved)


def test_a_second_ctrl_c_interrupts_at_once():
    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        env = faassim.Environment()
        seen = []

        def stuck(env):
            yield env.timeout(1)
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(10000))
            seen.append("after the first")
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(10000))
            seen.append("after the second")  # not reached: the second lands here

        p = env.process(stuck(env))
        with pytest.raises(KeyboardInterrupt):
            env.run()
        assert seen == ["after the first"] and env.now == 1
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert not p.is_alive or p.triggered
    finally:
        signal.signal(signal.SIGINT, saved)
