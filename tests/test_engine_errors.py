"""Errors raised by the engine: type, and a message naming the object and value."""

import math

import pytest

import faassim


def test_negative_nan_infinite_delay(env):
    with pytest.raises(ValueError, match=r"Negative delay -1"):
        env.timeout(-1)
    with pytest.raises(ValueError, match=r"NaN"):
        env.timeout(math.nan)
    with pytest.raises(ValueError, match=r"infinite delay inf"):
        env.timeout(math.inf)
    with pytest.raises(TypeError, match=r"delay must be a real number, not str \('1'\)"):
        env.timeout("1")
    with pytest.raises(ValueError, match=r"Negative delay"):
        faassim.Timeout(env, -0.5)
    ev = env.event()
    with pytest.raises(ValueError, match=r"Negative delay -2"):
        env.schedule(ev, delay=-2)
    with pytest.raises(ValueError, match=r"NaN"):
        env.schedule(ev, delay=math.nan)
    # nothing was scheduled by the failed calls
    assert env.peek() == math.inf


def test_timeout_accepts_ints_floats_and_numpy():
    np = pytest.importorskip("numpy")
    env = faassim.Environment()
    env.timeout(2)
    env.timeout(np.float64(1.5))
    env.timeout(np.int64(3))
    assert env.peek() == 1.5
    env.run()
    assert env.now == 3.0


def test_trigger_twice(env):
    ev = env.event()
    ev.succeed(1)
    with pytest.raises(RuntimeError, match=r"<Event\(\) object at 0x[0-9a-f]+> has already been triggered"):
        ev.succeed(2)
    with pytest.raises(RuntimeError, match="already been triggered"):
        ev.fail(ValueError())
    other = env.event()
    other.succeed(3)
    with pytest.raises(RuntimeError, match="already been triggered"):
        ev.trigger(other)
    env.run()
    assert ev.value == 1


def test_fail_needs_exception(env):
    with pytest.raises(TypeError, match="'oops' is not an exception"):
        env.event().fail("oops")


def test_trigger_from_untriggered(env):
    with pytest.raises(RuntimeError, match="has not been triggered yet"):
        env.event().trigger(env.event())


def test_value_and_ok_before_trigger(env):
    ev = env.event()
    with pytest.raises(AttributeError, match="Value of <Event"):
        ev.value
    with pytest.raises(AttributeError, match="not yet available"):
        ev.ok
    assert ev._value is faassim.PENDING


def test_invalid_yield_names_process_and_value(env):
    def bad(env):
        yield env.timeout(1)
        yield 42

    p = env.process(bad(env))
    with pytest.raises(RuntimeError) as info:
        env.run()
    msg = str(info.value)
    assert 'Invalid yield value "42"' in msg
    assert "Process(bad)" in msg
    assert "test_engine_errors.py" in msg and "in bad" in msg
    assert env.now == 1
    assert p.is_alive and env.active_process is None


def test_run_until_in_the_past(env):
    env.timeout(5)
    env.run(until=3)
    with pytest.raises(ValueError, match=r"until \(2\) must be greater than the current simulation time \(now=3\)"):
        env.run(until=2)
    with pytest.raises(ValueError, match="must be greater"):
        env.run(until=3)
    with pytest.raises(ValueError, match="NaN"):
        env.run(until=math.nan)
    with pytest.raises(TypeError, match="until must be None, a number or an event, not str"):
        env.run(until="soon")


def test_reentrant_run_and_step(env):
    seen = []

    def proc(env):
        yield env.timeout(1)
        for call in (env.run, env.step, lambda: env.run(until=10)):
            try:
                call()
            except RuntimeError as e:
                seen.append(str(e))

    env.process(proc(env))
    env.run()
    assert len(seen) == 3
    assert all("already running" in s for s in seen)
    # the environment is still usable
    env.timeout(1)
    env.run()
    assert env.now == 2


def test_interrupt_finished_or_self(env):
    log = []

    def short(env):
        yield env.timeout(1)

    def selfish(env):
        yield env.timeout(0)
        try:
            env.active_process.interrupt()
        except RuntimeError as e:
            log.append(str(e))

    p = env.process(short(env))
    env.process(selfish(env))
    env.run()
    with pytest.raises(RuntimeError, match=r"Process\(short\) object at .* has terminated and cannot be interrupted"):
        p.interrupt("late")
    assert log and "not allowed to interrupt itself" in log[0]


def test_process_needs_generator(env):
    with pytest.raises(ValueError, match="is not a generator"):
        env.process(lambda: None)
    with pytest.raises(ValueError, match="is not a generator"):
        faassim.Process(env, 3)


def test_bad_priorities(env):
    ev = env.event()
    with pytest.raises(ValueError, match=r"priority 1000 out of range"):
        env.schedule(ev, priority=1000)
    with pytest.raises(TypeError, match="priority must be an int"):
        env.schedule(ev, priority="high")
    with pytest.raises(TypeError, match="expected an Event, got int"):
        env.schedule(3)


def test_events_of_other_environments(env):
    other = faassim.Environment()
    with pytest.raises(ValueError, match="mix events from different environments"):
        env.all_of([env.event(), other.event()])
    with pytest.raises(ValueError, match="belongs to another environment"):
        env.schedule(other.event())
    with pytest.raises(TypeError, match="expected events, got int"):
        env.any_of([env.event(), 1])


def test_environment_arguments():
    with pytest.raises(TypeError, match="initial_time must be a real number"):
        faassim.Environment("x")
    with pytest.raises(ValueError, match="initial_time must be finite"):
        faassim.Environment(math.inf)
    with pytest.raises(TypeError, match="seed must be an int or None"):
        faassim.Environment(seed=1.5)
    env = faassim.Environment(10, seed=7)
    assert env.now == 10.0 and env.seed == 7


def test_resource_arguments(env):
    with pytest.raises(ValueError, match='"capacity" must be > 0'):
        faassim.Resource(env, 0)
    with pytest.raises(ValueError, match='"capacity" must be > 0'):
        faassim.Store(env, -1)
    with pytest.raises(ValueError, match="capacity is NaN"):
        faassim.Resource(env, math.nan)
    with pytest.raises(TypeError, match="capacity must be a number, not str"):
        faassim.Resource(env, "2")
    with pytest.raises(ValueError, match='"init" must be <= "capacity"'):
        faassim.Container(env, 10, init=11)
    with pytest.raises(ValueError, match='"init" must be >= 0'):
        faassim.Container(env, 10, init=-1)
    c = faassim.Container(env, 10)
    with pytest.raises(ValueError, match=r"amount\(=0\) must be > 0"):
        c.put(0)
    with pytest.raises(ValueError, match="amount is NaN"):
        c.get(math.nan)
    with pytest.raises(TypeError, match="env must be a faassim Environment"):
        faassim.Resource(object(), 1)
    # failed constructions left nothing queued
    assert c.put_queue == [] and c.get_queue == []


def test_cancel_twice_raises_value_error(env):
    res = faassim.Resource(env, 1)
    held = res.request()
    waiting = res.request()
    waiting.cancel()
    assert res.queue == []
    with pytest.raises(ValueError):
        waiting.cancel()
    assert res.users == [held]


def test_failing_until_event_raises_its_exception(env):
    ev = env.event()
    ev.fail(KeyError("k"))
    with pytest.raises(KeyError, match="k"):
        env.run(until=ev)


def test_until_never_triggered(env):
    ev = env.event()
    with pytest.raises(RuntimeError, match='No scheduled events left but "until" event was not triggered'):
        env.run(until=ev)


def test_step_on_empty_schedule(env):
    with pytest.raises(faassim.EmptySchedule):
        env.step()


def test_scheduling_an_untriggered_event_is_reported(env):
    ev = env.event()
    got = []

    def waiter(env):
        got.append((yield ev))

    env.process(waiter(env))
    env.schedule(ev, delay=1)
    with pytest.raises(RuntimeError, match="processed without having been triggered"):
        env.run()
    assert env.now == 1 and got == []
    # once triggered properly it works; the waiting process is resumed
    ev.succeed("late")
    env.run()
    assert got == ["late"]


def test_argument_errors_of_fast_methods(env):
    with pytest.raises(TypeError, match=r"timeout\(\) takes at most 2 arguments \(3 given\)"):
        env.timeout(1, 2, 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'dely'"):
        env.timeout(dely=1)
    with pytest.raises(TypeError, match="multiple values for argument 'delay'"):
        env.timeout(1, delay=2)
    with pytest.raises(TypeError, match="missing required argument 'event'"):
        env.schedule()
    with pytest.raises(TypeError, match="multiple values for argument 'value'"):
        env.event().succeed(1, value=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'reason'"):
        env.process(x for x in []).interrupt(reason=1)
    t = env.timeout(value="v", delay=2)
    assert (t.delay, t.value) == (2.0, "v")
    other = faassim.Environment()
    ev = other.event()
    ev._ok, ev._value = True, "manual"
    other.schedule(event=ev, priority=faassim.URGENT, delay=1)
    assert other.peek() == 1
    assert other.run(until=ev) == "manual"


def _crash_at_2_and_tick(env, ticks):
    def crasher():
        yield env.timeout(2)
        raise KeyError("crash")

    def ticker():
        while True:
            yield env.timeout(1)
            ticks.append(env.now)

    env.process(crasher())
    env.process(ticker())


def test_resumed_run_until_reaches_its_own_target(env):
    ticks = []
    _crash_at_2_and_tick(env, ticks)
    with pytest.raises(KeyError):
        env.run(until=5)
    assert env.now == 2
    # the aborted run's stop request at 5 is gone: this run goes to 7 (SimPy would stop at 5)
    env.run(until=7)
    assert env.now == 7 and ticks == [1, 2, 3, 4, 5, 6]
    env.run(until=8)
    assert env.now == 8


def test_resumed_plain_run_ignores_the_aborted_target(env):
    ticks = []
    _crash_at_2_and_tick(env, ticks)
    with pytest.raises(KeyError):
        env.run(until=5)
    stop = env.timeout(8, value="ten")  # at 2 + 8
    assert env.run(until=stop) == "ten" and env.now == 10


def test_aborted_run_until_event_does_not_stop_a_later_run(env):
    ticks = []
    _crash_at_2_and_tick(env, ticks)
    mark = env.timeout(4)
    with pytest.raises(KeyError):
        env.run(until=mark)
    env.run(until=6)  # mark fires at 4 on the way, without stopping this run
    assert env.now == 6 and mark.processed
