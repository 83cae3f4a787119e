"""Hostile user code: the engine must stay consistent and report clearly."""

import gc
import weakref

import pytest

import faassim
from faassim import _core


def test_dropping_every_reference_to_a_running_environment():
    """A process deletes the last user reference to its environment while
    run() is executing; run() holds its own reference, so nothing breaks."""
    holder = {"env": faassim.Environment()}
    log = []

    def proc(env):
        yield env.timeout(1)
        holder.clear()
        gc.collect()
        yield env.timeout(1)
        log.append(env.now)

    env = holder["env"]
    env.process(proc(env))
    ref = weakref.ref(env)
    run = env.run
    del env
    run()
    assert log == [2.0]
    del run
    gc.collect()
    assert ref() is None


def test_callback_raising_leaves_environment_usable(env):
    ev = env.event()
    seen = []
    ev.callbacks.append(lambda e: (_ for _ in ()).throw(KeyError("cb")))
    ev.callbacks.append(lambda e: seen.append("second"))
    ev.succeed()
    env.timeout(2)
    with pytest.raises(KeyError, match="cb"):
        env.run()
    # as in SimPy, the callbacks after the failing one are dropped
    assert seen == [] and ev.processed
    env.run()
    assert env.now == 2


def test_process_yielding_foreign_objects(env):
    def gen(env, thing):
        yield thing

    for thing in (None, 3, "x", [env.timeout(1)], env):
        e = faassim.Environment()
        e.process(gen(e, thing))
        with pytest.raises(RuntimeError, match="Invalid yield value"):
            e.run()


def test_generator_closed_while_waiting_on_resource(env):
    res = faassim.Resource(env, 1)

    def holder(env):
        with res.request() as req:
            yield req
            yield env.timeout(10)

    def waiter(env):
        with res.request() as req:
            yield req

    env.process(holder(env))
    w = env.process(waiter(env))
    env.run(until=1)
    assert len(res.queue) == 1
    w._generator.close()  # GeneratorExit: the with-block cancels, does not release
    assert res.queue == [] and res.count == 1
    env.run()
    assert res.count == 0


def test_evaluate_function_that_raises(env):
    def bad(events, count):
        raise ZeroDivisionError("evaluate")

    a = env.timeout(1)
    faassim.Condition(env, bad, [a])
    with pytest.raises(ZeroDivisionError, match="evaluate"):
        env.run()


def test_resource_do_put_that_raises(env):
    class Broken(faassim.Resource):
        def _do_put(self, event):
            raise ValueError("no")

    res = Broken(env, 1)
    with pytest.raises(ValueError, match="no"):
        res.request()
    # the request stays queued, as in SimPy, and nothing was granted
    assert len(res.queue) == 1 and res.count == 0


def test_cycle_through_user_objects_is_collected():
    gc.collect()
    base = _core._live_objects()

    class Model:
        def __init__(self):
            self.env = faassim.Environment()
            self.env.model = self
            self.store = faassim.Store(self.env)
            self.env.process(self.run())

        def run(self):
            while True:
                item = yield self.store.get()
                yield self.env.timeout(item)

    m = Model()
    m.store.put(1)
    m.env.run(until=5)
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None
    assert _core._live_objects() == base
