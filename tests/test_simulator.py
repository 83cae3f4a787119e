"""FunctionSimulator hooks: override detection and the hook driver the
platform uses (``_call_hook``)."""

import traceback

import pytest

import faassim
from faassim import FunctionSimulator, SimulatorFactory

HOOKS = ("deploy", "startup", "setup", "invoke", "teardown")


def hook_args(name):
    return ("replica", "request") if name == "invoke" else ("replica",)


def test_base_simulator_runs_every_hook_in_c(env):
    sim = FunctionSimulator()
    assert sim._overridden_hooks() == ()
    for name in HOOKS:
        assert sim._call_hook(name, env, *hook_args(name)) is None
    assert env.peek() == float("inf")  # nothing was scheduled: no Python, no time


@pytest.mark.parametrize("name", HOOKS)
def test_generator_override_is_driven_as_a_process(env, name):
    calls = []

    def hook(self, env, *args):
        calls.append(args)
        yield env.timeout(1.5)
        return "done"

    Sim = type("Sim", (FunctionSimulator,), {name: hook})
    sim = Sim()
    assert sim._overridden_hooks() == (name,)
    ev = sim._call_hook(name, env, *hook_args(name))
    assert isinstance(ev, faassim.Process)
    assert env.run(until=ev) == "done"
    assert env.now == 1.5 and calls == [hook_args(name)]
    # the other hooks stay in C
    for other in HOOKS:
        if other != name:
            assert sim._call_hook(other, env, *hook_args(other)) is None


def test_plain_function_override_completes_at_once(env):
    seen = []

    class Sim(FunctionSimulator):
        def setup(self, env, replica):
            seen.append((env.now, replica))
            return 42  # ignored

    assert Sim()._call_hook("setup", env, "r1") is None
    assert seen == [(0.0, "r1")]


def test_override_returning_an_event(env):
    class Sim(FunctionSimulator):
        def startup(self, env, replica):
            return env.timeout(2, value="up")

    ev = Sim()._call_hook("startup", env, "r")
    assert isinstance(ev, faassim.Timeout)
    assert env.run(until=ev) == "up" and env.now == 2


def test_grandchild_mixin_and_instance_overrides(env):
    class Child(FunctionSimulator):
        def invoke(self, env, replica, request):
            yield env.timeout(1)

    class GrandChild(Child):
        pass

    class SetupMixin:
        def setup(self, env, replica):
            yield env.timeout(3)

    class MixedFirst(SetupMixin, GrandChild):
        pass

    class MixedLast(GrandChild, SetupMixin):
        pass  # FunctionSimulator.setup comes before the mixin's in the MRO

    assert GrandChild()._overridden_hooks() == ("invoke",)
    assert MixedFirst()._overridden_hooks() == ("setup", "invoke")
    assert MixedLast()._overridden_hooks() == ("invoke",)

    inst = FunctionSimulator.__new__(type("Plain", (FunctionSimulator,), {}))
    inst.teardown = lambda env, replica: None  # an instance attribute counts
    assert inst._overridden_hooks() == ("teardown",)


def test_detection_happens_once_per_instance(env):
    class Sim(FunctionSimulator):
        pass

    sim = Sim()
    assert sim._overridden_hooks() == ()
    Sim.deploy = lambda self, env, replica: None  # too late for this instance
    assert sim._overridden_hooks() == ()
    assert Sim()._overridden_hooks() == ("deploy",)


def test_yield_from_super_hook(env):
    class Sim(FunctionSimulator):
        def invoke(self, env, replica, request):
            yield from super().invoke(env, replica, request)
            yield env.timeout(1)
            return env.now

    ev = Sim()._call_hook("invoke", env, "r", "q")
    assert env.run(until=ev) == 1.0


def test_hook_exceptions_reach_run_with_user_traceback(env):
    class Sim(FunctionSimulator):
        def deploy(self, env, replica):
            yield env.timeout(1)
            raise OSError("image pull failed")

        def setup(self, env, replica):
            raise ValueError("bad setup")

    with pytest.raises(ValueError, match="bad setup"):
        Sim()._call_hook("setup", env, "r")
    Sim()._call_hook("deploy", env, "r")
    with pytest.raises(OSError, match="image pull failed") as info:
        env.run()
    assert "deploy" in [f.name for f in traceback.extract_tb(info.value.__traceback__)]


def test_hook_yielding_a_non_event_names_hook_and_class(env):
    class Sloppy(FunctionSimulator):
        def invoke(self, env, replica, request):
            yield 0.5

    Sloppy()._call_hook("invoke", env, "r", "q")
    with pytest.raises(RuntimeError, match=r'Invalid yield value "0.5" .*Sloppy\.invoke'):
        env.run()


def test_hook_returning_a_coroutine_is_refused(env):
    class Async(FunctionSimulator):
        async def invoke(self, env, replica, request):
            return None

    with pytest.raises(TypeError, match=r"Async\.invoke\(\) returned <coroutine.*a hook must be a generator function"):
        Async()._call_hook("invoke", env, "r", "q")


def test_bad_calls(env):
    sim = FunctionSimulator()
    with pytest.raises(ValueError, match="unknown hook 'run'"):
        sim._call_hook("run", env, "r")
    with pytest.raises(TypeError, match="takes 2 arguments after env, got 1"):
        sim._call_hook("invoke", env, "r")
    with pytest.raises(TypeError, match="env must be a faassim Environment"):
        sim._call_hook("deploy", object(), "r")
    with pytest.raises(TypeError, match=r"invoke\(\) takes \(env, replica, request\)"):
        sim.invoke(env, "r")
    with pytest.raises(TypeError, match="takes no arguments"):
        FunctionSimulator(1)


def test_base_hooks_from_python_take_zero_time(env):
    sim = FunctionSimulator()
    t = sim.deploy(env, "r")
    assert isinstance(t, faassim.Timeout) and t.delay == 0
    env.run()
    assert env.now == 0


def test_subclass_with_its_own_init(env):
    class Configured(FunctionSimulator):
        def __init__(self, delay):
            super().__init__()
            self.delay = delay

        def invoke(self, env, replica, request):
            yield env.timeout(self.delay)

    ev = Configured(0.75)._call_hook("invoke", env, "r", "q")
    env.run(until=ev)
    assert env.now == 0.75


def test_simulator_factory_default_and_override(env):
    assert type(SimulatorFactory().create(env, None)) is FunctionSimulator

    class PerImage(SimulatorFactory):
        def create(self, env, container):
            return Slow() if container == "slow" else FunctionSimulator()

    class Slow(FunctionSimulator):
        def invoke(self, env, replica, request):
            yield env.timeout(10)

    assert PerImage().create(env, "slow")._overridden_hooks() == ("invoke",)
    assert PerImage().create(env, "fast")._overridden_hooks() == ()
