"""env.faas: replica lifecycle, simulator hooks, scaling and placement.

Every test runs the platform end to end and checks values: hook order and the
replica state seen inside each hook, simulated times, metrics rows, replica
ids, node allocations and error messages."""

import gc
import traceback
import weakref

import pytest

import faassim
from faassim import (
    DeploymentRanking,
    Function,
    FunctionContainer,
    FunctionDeployment,
    FunctionImage,
    FunctionRequest,
    FunctionSimulator,
    FunctionState,
    KubernetesResourceConfiguration,
    Node,
    ResourceConfiguration,
    ScalingConfiguration,
    Scheduler,
    Topology,
)
from faassim import _core

CONCEIVED, STARTING, RUNNING, SUSPENDED, FAILED = (
    FunctionState.CONCEIVED,
    FunctionState.STARTING,
    FunctionState.RUNNING,
    FunctionState.SUSPENDED,
    FunctionState.FAILED,
)
LIFECYCLE_HOOKS = ("deploy", "startup", "setup", "teardown")
GiB = 2**30


# --------------------------------------------------------------------------
# helpers


class Factory:
    """A simulator factory: a FunctionSimulator subclass (one instance per
    replica) or a callable container -> simulator."""

    def __init__(self, make):
        self.make = make
        self.containers = []

    def create(self, env, container):
        self.containers.append(container)
        return self.make() if isinstance(self.make, type) else self.make(container)


class Res(ResourceConfiguration):
    """Resource requirements given as a dict (accelerators, odd values)."""

    def __init__(self, requirements=None, **kwargs):
        self.requirements = dict(requirements or {}, **kwargs)

    def get_resource_requirements(self):
        return dict(self.requirements)


def make_env(nodes=None, sim=None, seed=0, scheduler=None):
    env = faassim.Environment(seed=seed)
    env.topology = Topology(nodes if nodes is not None else [Node("n0", "4", "8Gi")])
    if sim is not None:
        env.simulator_factory = sim if hasattr(sim, "create") else Factory(sim)
    if scheduler is not None:
        env.scheduler = scheduler
    return env


def container(image, cpu="1", memory="1Gi", resources=None, **kwargs):
    if resources is None:
        resources = KubernetesResourceConfiguration.create_from_str(cpu=cpu, memory=memory)
    return FunctionContainer(FunctionImage(image), resources, **kwargs)


def deployment(name="f", containers=None, scale_min=1, scale_max=20, factors=None, **kwargs):
    if containers is None:
        containers = [container(f"{name}-cpu", **kwargs)]
    fn = Function(name, [c.fn_image for c in containers])
    ranking = DeploymentRanking([c.image for c in containers], factors)
    scaling = ScalingConfiguration(scale_min=scale_min, scale_max=scale_max)
    return FunctionDeployment(fn, containers, scaling, ranking)


def rows(env, table, *columns):
    """The rows of a metrics table as tuples of the given columns."""
    data = env.metrics.to_numpy(table)
    cols = [data[c].tolist() if c in data else [None] * len(data["time"]) for c in columns]
    return list(zip(*cols))


def ids(replicas):
    return [r.replica_id for r in replicas]


def nodes_of(replicas):
    return [r.node.name for r in replicas]


def alloc(env, node):
    a = env.faas.node_allocation(node)
    return a["cpu"], a["memory"]


# --------------------------------------------------------------------------
# 1. lifecycle order, states, times, rows, ids


class Timed(FunctionSimulator):
    """Records (hook, time, replica id, state seen) and takes time."""

    log = None  # set per test

    def deploy(self, env, replica):
        self.log.append(("deploy", env.now, replica.replica_id, replica.state))
        yield env.timeout(1)

    def startup(self, env, replica):
        self.log.append(("startup", env.now, replica.replica_id, replica.state))
        yield env.timeout(2)

    def setup(self, env, replica):
        self.log.append(("setup", env.now, replica.replica_id, replica.state))
        yield env.timeout(0.5)

    def teardown(self, env, replica):
        self.log.append(("teardown", env.now, replica.replica_id, replica.state))
        yield env.timeout(0.25)


def test_lifecycle_order_states_and_times():
    log = []
    Sim = type("Sim", (Timed,), {"log": log})
    env = make_env(sim=Sim)
    fd = deployment(scale_min=1)
    env.faas.deploy(fd)
    (r,) = env.faas.get_replicas("f")
    assert r.replica_id == 0 and r.state is CONCEIVED and r.node.name == "n0" and r.fn_name == "f"
    assert r.image == "f-cpu" and r.function is fd and r.container is fd.fn_containers[0]
    env.run(until=3.25)
    assert r.state is STARTING  # inside setup (3.0 .. 3.5)
    env.run(until=10)
    assert r.state is RUNNING and r.removing is False
    done = env.faas.remove_replica(r)
    assert r.removing is True and r.state is RUNNING  # teardown under way
    assert env.faas.discover("f") == []
    env.run()
    assert done.value is r
    assert r.state is SUSPENDED and env.now == 10.25
    assert log == [
        ("deploy", 0.0, 0, CONCEIVED),
        ("startup", 1.0, 0, STARTING),
        ("setup", 3.0, 0, STARTING),
        ("teardown", 10.0, 0, RUNNING),
    ]
    assert rows(env, "replica_deployment", "time", "value", "function_name", "node_name", "replica_id") == [
        (0.0, "deploy", "f", "n0", 0),
        (1.0, "startup", "f", "n0", 0),
        (3.0, "setup", "f", "n0", 0),
        (3.5, "finish", "f", "n0", 0),
        (10.0, "teardown", "f", "n0", 0),
    ]
    assert rows(env, "function_deployment", "time", "value", "name", "image", "node") == [
        (0.0, "deploy", "f", "f-cpu", "n0"),
        (10.0, "suspend", "f", "f-cpu", "n0"),
    ]
    assert env.faas.get_replicas("f") == [] and alloc(env, "n0") == (0, 0)


def test_replica_lifecycle_rows_interleave_per_replica():
    log = []
    Sim = type("Sim", (Timed,), {"log": log})
    env = make_env(sim=Sim, nodes=[Node("a", "4", "8Gi"), Node("b", "4", "8Gi")])
    env.faas.deploy(deployment(scale_min=2))
    env.run()
    assert [(h, t, i) for h, t, i, _ in log] == [
        ("deploy", 0.0, 0),
        ("deploy", 0.0, 1),
        ("startup", 1.0, 0),
        ("startup", 1.0, 1),
        ("setup", 3.0, 0),
        ("setup", 3.0, 1),
    ]
    assert rows(env, "replica_deployment", "time", "value", "node_name", "replica_id") == [
        (0.0, "deploy", "a", 0),
        (0.0, "deploy", "b", 1),
        (1.0, "startup", "a", 0),
        (1.0, "startup", "b", 1),
        (3.0, "setup", "a", 0),
        (3.0, "setup", "b", 1),
        (3.5, "finish", "a", 0),
        (3.5, "finish", "b", 1),
    ]


def test_no_overridden_hook_runs_the_whole_lifecycle_at_once():
    env = make_env()
    env.faas.deploy(deployment(scale_min=3))
    # no hook to wait for and no scheduler latency: RUNNING before run()
    assert [r.state for r in env.faas.get_replicas("f")] == [RUNNING] * 3
    assert ids(env.faas.discover("f")) == [0, 1, 2]
    assert rows(env, "replica_deployment", "value", "replica_id") == [
        (v, i) for i in range(3) for v in ("deploy", "startup", "setup", "finish")
    ]
    assert alloc(env, "n0") == (3000, 3 * GiB)


def test_schedule_and_replica_rows():
    env = make_env(nodes=[Node("a", "4", "8Gi"), Node("b", "4", "8Gi")])
    env.faas.deploy(deployment(scale_min=2))
    assert rows(env, "schedule", "value", "image", "replica_id", "node_name", "successful") == [
        ("queue", "f-cpu", 0, None, None),
        ("queue", "f-cpu", 1, None, None),
        ("start", "f-cpu", 0, None, None),
        ("finish", "f-cpu", 0, "a", True),
        ("start", "f-cpu", 1, None, None),
        ("finish", "f-cpu", 1, "b", True),
    ]
    assert rows(env, "function_replicas", "name", "pod", "image", "replica_id") == [
        ("f", "pod-f-0", "f-cpu", 0),
        ("f", "pod-f-1", "f-cpu", 1),
    ]
    assert rows(env, "function_deployments", "name", "type") == [("f", "deploy")]
    assert rows(env, "function_deployment_lifecycle", "value", "name") == [("deploy", "f")]
    assert rows(env, "scale", "value", "function_name") == [(2, "f")]
    assert rows(env, "allocation", "node", "cpu", "mem") == [("a", 0.25, 0.125), ("b", 0.25, 0.125)]


def _id_run(seed):
    env = make_env(seed=seed, nodes=[Node("a", "4", "8Gi"), Node("b", "4", "8Gi")], scheduler=Scheduler("random"))
    env.faas.deploy(deployment("f", scale_min=2))
    env.faas.deploy(deployment("g", scale_min=1))
    env.faas.scale_up("f", 1)
    env.run()
    return {name: [(r.replica_id, r.node.name) for r in env.faas.get_replicas(name)] for name in ("f", "g")}


def test_replica_ids_are_dense_in_creation_order_and_deterministic():
    first = _id_run(3)
    assert [i for i, _ in first["f"]] == [0, 1, 3] and [i for i, _ in first["g"]] == [2]
    assert _id_run(3) == first


# --------------------------------------------------------------------------
# 2. hook overrides: generator, plain, returning an event, none


def _hook(kind, name, log):
    if kind == "generator":

        def hook(self, env, replica):
            log.append((name, env.now, replica.state))
            yield env.timeout(2)
            log.append((name + " done", env.now, replica.state))

    elif kind == "plain":

        def hook(self, env, replica):
            log.append((name, env.now, replica.state))
            return 42  # ignored

    else:  # event

        def hook(self, env, replica):
            log.append((name, env.now, replica.state))
            return env.timeout(2)

    return hook


@pytest.mark.parametrize("name", LIFECYCLE_HOOKS)
@pytest.mark.parametrize("kind", ["generator", "plain", "event", "none"])
def test_each_hook_kind_is_honoured(name, kind):
    log = []
    attrs = {} if kind == "none" else {name: _hook(kind, name, log)}
    Sim = type("Sim", (FunctionSimulator,), attrs)
    assert Sim()._overridden_hooks() == (() if kind == "none" else (name,))
    env = make_env(sim=Sim)
    env.faas.deploy(deployment(scale_min=1))
    env.run(until=10)
    (r,) = env.faas.get_replicas("f")
    env.faas.remove_replica(r)
    env.run()
    timed = kind in ("generator", "event")
    lag = 2.0 if timed else 0.0
    expected_state = {"deploy": CONCEIVED, "startup": STARTING, "setup": STARTING, "teardown": RUNNING}[name]
    start = 10.0 if name == "teardown" else 0.0
    if kind == "none":
        assert log == []
    else:
        assert log[0] == (name, start, expected_state)
        if kind == "generator":  # the state changes only once the hook has ended
            assert log[1] == (name + " done", start + 2, expected_state)
    values = dict((v, t) for t, v in rows(env, "replica_deployment", "time", "value"))
    if name == "teardown":
        assert values["finish"] == 0.0 and env.now == 10.0 + lag
    else:
        assert values["finish"] == lag and env.now == 10.0
    assert r.state is SUSPENDED


def test_grandchild_mixin_and_instance_attribute_hooks_are_honoured():
    log = []

    class StartupMixin:
        def startup(self, env, replica):
            log.append(("mixin startup", env.now, replica.replica_id))
            yield env.timeout(2)

    class Child(StartupMixin, FunctionSimulator):
        def deploy(self, env, replica):
            log.append(("child deploy", env.now, replica.replica_id))

        def setup(self, env, replica):
            log.append(("child setup", env.now, replica.replica_id))
            return env.timeout(3)

    class Grandchild(Child):
        def deploy(self, env, replica):
            log.append(("grandchild deploy", env.now, replica.replica_id))
            yield env.timeout(1)
            super().deploy(env, replica)  # the plain parent hook

    def teardown(env, replica):
        log.append(("instance teardown", env.now, replica.replica_id))
        yield env.timeout(4)

    by_instance = FunctionSimulator()
    by_instance.teardown = teardown
    assert Child()._overridden_hooks() == ("deploy", "startup", "setup")
    assert Grandchild()._overridden_hooks() == ("deploy", "startup", "setup")
    assert by_instance._overridden_hooks() == ("teardown",)
    sims = [Grandchild(), Child(), by_instance]
    env = make_env(sim=Factory(lambda c: sims.pop(0)))
    env.faas.deploy(deployment(scale_min=3))
    env.run(until=10)
    assert [r.state for r in env.faas.get_replicas("f")] == [RUNNING] * 3
    env.faas.scale_down("f", 0)
    env.faas.remove(env.faas.get_deployments()[0])
    env.run()
    # a generator hook starts as a process (at the next step of the same
    # instant), a plain one runs at once: replica 1's deploy comes first
    assert log == [
        ("child deploy", 0.0, 1),
        ("grandchild deploy", 0.0, 0),
        ("mixin startup", 0.0, 1),
        ("child deploy", 1.0, 0),
        ("mixin startup", 1.0, 0),
        ("child setup", 2.0, 1),
        ("child setup", 3.0, 0),
        ("instance teardown", 10.0, 2),
    ]
    finish = {i: t for v, t, i in rows(env, "replica_deployment", "value", "time", "replica_id") if v == "finish"}
    assert finish == {0: 6.0, 1: 5.0, 2: 0.0}
    assert env.now == 14.0


def test_yield_from_super_hooks_take_no_time():
    log = []

    class Sim(FunctionSimulator):
        def deploy(self, env, replica):
            yield from super().deploy(env, replica)
            log.append(("deploy", env.now))

        def startup(self, env, replica):
            yield env.timeout(1)
            yield from super().startup(env, replica)
            log.append(("startup", env.now))

        def setup(self, env, replica):
            yield from super().setup(env, replica)
            log.append(("setup", env.now))

        def teardown(self, env, replica):
            yield from super().teardown(env, replica)
            log.append(("teardown", env.now))

    env = make_env(sim=Sim)
    fd = deployment(scale_min=1)
    env.faas.deploy(fd)
    env.run(until=5)
    env.faas.remove(fd)
    env.run()
    assert log == [("deploy", 0.0), ("startup", 1.0), ("setup", 1.0), ("teardown", 5.0)]


def test_hooks_are_detected_once_per_simulator():
    sim = FunctionSimulator()
    assert sim._overridden_hooks() == ()
    sim.startup = lambda env, replica: None
    assert sim._overridden_hooks() == ()  # detection is cached per instance


def test_one_simulator_per_replica_from_the_factory():
    made = []

    def make(c):
        made.append(FunctionSimulator())
        return made[-1]

    factory = Factory(make)
    env = make_env(sim=factory)
    fd = deployment(scale_min=2)
    env.faas.deploy(fd)
    assert [r.simulator for r in env.faas.get_replicas("f")] == made
    assert factory.containers == [fd.fn_containers[0]] * 2


# --------------------------------------------------------------------------
# 3. hooks that raise


class Boom(Exception):
    pass


def _raising_sim(phase, kind):
    """A simulator whose `phase` hook raises Boom (after 1 s when a generator)."""
    if kind == "generator":

        def hook(self, env, replica):
            yield env.timeout(1)
            raise Boom(f"{phase} failed")

    else:

        def hook(self, env, replica):
            raise Boom(f"{phase} failed")

    # name the code after the hook, as a method written in a class would be
    hook.__code__ = hook.__code__.replace(co_name=phase, co_qualname=f"Fragile.{phase}")
    return type("Fragile", (FunctionSimulator,), {phase: hook})


def _run_to_failure(phase, kind, raise_hook_errors=True):
    """Deploy one replica (placement takes 1 s, so everything happens inside
    run()) and remove it at 5 from a process; return env, replica and the
    exception run() raised (or None)."""
    env = make_env(sim=_raising_sim(phase, kind), scheduler=Scheduler(latency=1))
    env.faas.raise_hook_errors = raise_hook_errors
    env.faas.deploy(deployment(scale_min=1))
    replica = env.faas.get_replicas("f")[0]

    def remover(env):
        yield env.timeout(5)
        yield env.faas.remove_replica(replica)

    env.process(remover(env))
    error = None
    try:
        env.run()
    except Boom as e:
        error = e
    return env, replica, error


@pytest.mark.parametrize("phase", LIFECYCLE_HOOKS)
@pytest.mark.parametrize("kind", ["generator", "plain"])
def test_a_raising_hook_fails_the_replica(phase, kind):
    env, replica, error = _run_to_failure(phase, kind)
    assert str(error) == f"{phase} failed"
    tb = "".join(traceback.format_exception(error))
    assert f"in {phase}\n" in tb and "test_platform_lifecycle.py" in tb
    assert replica.state is FAILED
    assert env.faas.get_replicas("f") == []
    assert env.faas.get_replicas("f", FAILED) == [replica]
    assert env.faas.discover("f") == []
    assert alloc(env, "n0") == (0, 0)
    assert env.faas.function_stats("f")["replicas"] == 0
    t_fail = (5.0 if phase == "teardown" else 1.0) + (1.0 if kind == "generator" else 0.0)
    assert rows(env, "replica_deployment", "time", "value", "node_name", "replica_id", "phase", "error")[-1] == (
        t_fail,
        "failed",
        "n0",
        0,
        phase,
        f"Boom: {phase} failed",
    )
    assert rows(env, "allocation", "time", "cpu")[-1] == (t_fail, 0.0)


@pytest.mark.parametrize("phase", LIFECYCLE_HOOKS)
@pytest.mark.parametrize("kind", ["generator", "plain"])
def test_hook_errors_can_be_kept_out_of_run(phase, kind):
    env, replica, error = _run_to_failure(phase, kind, raise_hook_errors=False)
    assert error is None
    assert replica.state is FAILED and env.faas.get_replicas("f", FAILED) == [replica]
    assert alloc(env, "n0") == (0, 0)
    assert rows(env, "replica_deployment", "value", "phase")[-1] == ("failed", phase)


def test_a_plain_hook_error_raises_from_the_platform_call_that_ran_it():
    env = make_env(sim=_raising_sim("startup", "plain"))
    with pytest.raises(Boom, match="startup failed"):
        env.faas.deploy(deployment(scale_min=1))
    assert env.faas.get_replicas("f", FAILED)[0].state is FAILED
    assert alloc(env, "n0") == (0, 0)


def test_a_failed_replica_does_not_hold_up_the_others():
    class Sim(FunctionSimulator):
        def startup(self, env, replica):
            yield env.timeout(1)
            if replica.replica_id == 1:
                raise Boom("only replica 1")

    env = make_env(sim=Sim)
    env.faas.raise_hook_errors = False
    env.faas.deploy(deployment(scale_min=3))
    env.run()
    assert ids(env.faas.get_replicas("f", RUNNING)) == [0, 2]
    assert ids(env.faas.get_replicas("f", FAILED)) == [1]
    assert alloc(env, "n0") == (2000, 2 * GiB)


# --------------------------------------------------------------------------
# 4. a hook that yields something that is not an event


def test_a_hook_yielding_a_non_event_names_the_hook_and_the_class():
    class MySloppySim(FunctionSimulator):
        def setup(self, env, replica):
            yield env.timeout(1)
            yield 42

    env = make_env(sim=MySloppySim)
    env.faas.deploy(deployment(scale_min=1))
    with pytest.raises(RuntimeError) as excinfo:
        env.run()
    message = str(excinfo.value)
    assert 'Invalid yield value "42"' in message
    assert "MySloppySim.setup" in message
    assert "in setup" in message and "test_platform_lifecycle.py" in message
    assert env.now == 1.0
    # The error ended the hook: the replica failed and gave its resources
    # back (it does not hang in STARTING).
    assert ids(env.faas.get_replicas("f", FAILED)) == [0]
    assert env.faas.get_replicas("f") == []
    assert alloc(env, "n0") == (0, 0)
    fails = env.metrics.to_numpy("replica_deployment")
    assert fails["value"].tolist()[-1] == "failed" and fails["phase"].tolist()[-1] == "setup"


def test_a_hook_yielding_a_non_event_can_catch_the_error_and_go_on():
    class Careful(FunctionSimulator):
        def setup(self, env, replica):
            try:
                yield "not an event"
            except RuntimeError as e:
                replica.caught = str(e)
            yield env.timeout(2)

    env = make_env(sim=Careful)
    env.faas.deploy(deployment(scale_min=1))
    env.run()
    (replica,) = env.faas.get_replicas("f", RUNNING)
    assert 'Invalid yield value "not an event"' in replica.caught and env.now == 2.0


def test_a_hook_yielding_a_non_event_with_errors_swallowed():
    class MySloppySim(FunctionSimulator):
        def startup(self, env, replica):
            yield None

    env = make_env(sim=MySloppySim)
    env.faas.raise_hook_errors = False
    env.faas.deploy(deployment(scale_min=2))
    env.run()
    assert ids(env.faas.get_replicas("f", FAILED)) == [0, 1]


def test_a_hook_waiting_for_another_environments_event_fails_clearly():
    other = faassim.Environment()

    class Yields(FunctionSimulator):
        def setup(self, env, replica):
            yield env.timeout(1)
            yield other.timeout(1)

    env = make_env(sim=Yields)
    env.faas.deploy(deployment(scale_min=1))
    with pytest.raises(RuntimeError, match="belongs to another environment") as excinfo:
        env.run()
    assert "Yields.setup" in str(excinfo.value) and env.now == 1
    # the replica failed and gave its resources back instead of staying STARTING for ever
    assert ids(env.faas.get_replicas("f", FAILED)) == [0] and alloc(env, "n0") == (0, 0)

    class Returns(FunctionSimulator):
        def deploy(self, env, replica):
            return other.timeout(1)

    env = make_env(sim=Returns)
    with pytest.raises(RuntimeError, match=r"Returns.deploy\(\) returned .*an event of another environment"):
        env.faas.deploy(deployment(scale_min=1))
        env.run()


def test_a_process_waiting_for_another_environments_event_fails_clearly():
    env, other = faassim.Environment(), faassim.Environment()

    def proc():
        yield other.timeout(1)

    env.process(proc())
    with pytest.raises(RuntimeError, match=r"Invalid yield value .* the event belongs to another environment"):
        env.run()


# --------------------------------------------------------------------------
# 5. scaling


class StartsAt(FunctionSimulator):
    """Replica i is RUNNING at START[i]."""

    START = [5, 1, 3, 2, 4]

    def startup(self, env, replica):
        yield env.timeout(self.START[replica.replica_id])

    def teardown(self, env, replica):
        yield env.timeout(0.5)


def test_scale_up_counts_and_scale_max():
    env = make_env()
    env.faas.deploy(deployment(scale_min=1, scale_max=3))
    assert env.faas.scale_up("f", 1).value == 1
    assert env.faas.scale_up("f", 5).value == 1  # capped by scale_max
    assert env.faas.scale_up("f", 2).value == 0
    assert ids(env.faas.get_replicas("f")) == [0, 1, 2]
    assert env.faas.function_stats("f")["replicas"] == 3
    assert env.faas.replica_count == {"f": 3}


def test_scale_up_fills_each_image_share_in_ranking_order():
    fd = deployment(
        containers=[container("f-gpu", cpu="100m"), container("f-cpu", cpu="100m")],
        scale_min=0,
        scale_max=4,
        factors={"f-gpu": 0.5, "f-cpu": 1},
    )
    env = make_env()
    env.faas.deploy(fd)
    assert env.faas.scale_up("f", 3).value == 3
    assert [r.image for r in env.faas.get_replicas("f")] == ["f-gpu", "f-gpu", "f-cpu"]
    assert env.faas.scale_up("f", 3).value == 1
    assert [r.image for r in env.faas.get_replicas("f")] == ["f-gpu", "f-gpu", "f-cpu", "f-cpu"]


def test_scale_down_latest_started_first_and_scale_min():
    env = make_env(sim=StartsAt, nodes=[Node("n0", "8", "16Gi")])
    env.faas.deploy(deployment(scale_min=2, scale_max=5))
    env.faas.scale_up("f", 3)
    env.run(until=10)
    # running since: 0 -> 5, 1 -> 1, 2 -> 3, 3 -> 2, 4 -> 4
    done = env.faas.scale_down("f", 2)
    assert sorted(r.replica_id for r in env.faas.get_replicas("f") if r.removing) == [0, 4]
    assert ids(env.faas.discover("f")) == [1, 2, 3]
    env.run(until=11)
    assert sorted(ids(done.value.values())) == [0, 4]
    assert ids(env.faas.get_replicas("f")) == [1, 2, 3]
    # at most down to scale_min: of 3 only 1 can go, the latest started (2, at 3)
    env.faas.scale_down("f", 3)
    env.run(until=12)
    assert ids(env.faas.get_replicas("f")) == [1, 3]
    assert env.faas.scale_down("f", 1).value is None  # nothing to remove: done at once
    env.run()
    assert ids(env.faas.get_replicas("f")) == [1, 3]
    assert rows(env, "scale", "time", "value") == [(0.0, 2), (0.0, 3), (10.0, -2), (11.0, -1)]
    assert alloc(env, "n0") == (2000, 2 * GiB)


def test_scale_down_exactly_n_running_skips_starting_ones():
    env = make_env(sim=StartsAt, nodes=[Node("n0", "8", "16Gi")])
    env.faas.deploy(deployment(scale_min=0, scale_max=5))
    env.faas.scale_up("f", 4)
    env.run(until=2.5)  # RUNNING: 1 (since 1), 3 (since 2); STARTING: 0, 2
    env.faas.scale_down("f", 3)
    env.run(until=3.5)
    assert ids(env.faas.get_replicas("f")) == [0, 2]
    assert [r.state for r in env.faas.get_replicas("f")] == [STARTING, RUNNING]


def test_suspend_scales_down_to_scale_min():
    env = make_env(sim=StartsAt, nodes=[Node("n0", "8", "16Gi")])
    fd = deployment(scale_min=1, scale_max=5)
    env.faas.deploy(fd)
    env.faas.scale_up("f", 4)
    env.run(until=6)
    done = env.faas.suspend("f")
    env.run(until=7)
    assert done.triggered
    assert ids(env.faas.get_replicas("f")) == [1]  # the first started stays
    assert rows(env, "function_deployment_lifecycle", "time", "value") == [(0.0, "deploy"), (6.0, "suspend")]
    # like scale_down, suspend logs the replicas it removes
    assert rows(env, "scale", "time", "value") == [(0.0, 1), (0.0, 4), (6.0, -4)]


def test_remove_replica_while_starting_tears_it_down_once_up():
    log = []

    class Sim(FunctionSimulator):
        def startup(self, env, replica):
            yield env.timeout(3)

        def invoke(self, env, replica, request):
            log.append(("invoke", env.now, replica.replica_id))
            yield env.timeout(1)

        def teardown(self, env, replica):
            log.append(("teardown", env.now, replica.replica_id, replica.state))
            yield env.timeout(0.5)

    env = make_env(sim=Sim)
    env.faas.deploy(deployment(scale_min=2, scale_max=3))
    env.run(until=1)
    r0, r1 = env.faas.get_replicas("f")
    done = env.faas.remove_replica(r0)
    assert r0.state is STARTING and r0.removing
    assert env.faas.function_stats("f")["replicas"] == 1
    responses = [env.faas.invoke(FunctionRequest("f")) for _ in range(3)]
    env.run()
    assert done.value is r0 and r0.state is SUSPENDED
    assert ("teardown", 3.0, 0, RUNNING) in log
    assert [e for e in log if e[0] == "invoke"] == [("invoke", 3.0, 1)] * 3  # never on r0
    assert [r.value.t_wait for r in responses] == [2.0, 2.0, 2.0]  # invoked at 1, served at 3
    assert env.faas.get_replicas("f") == [r1]
    assert env.now == 4.0
    assert env.faas.remove_replica(r0).triggered  # removing again: already gone


def test_removed_replicas_get_no_new_requests():
    served = []

    class Sim(FunctionSimulator):
        def invoke(self, env, replica, request):
            served.append(replica.replica_id)
            yield env.timeout(1)

        def teardown(self, env, replica):
            yield env.timeout(10)

    env = make_env(sim=Sim)
    env.faas.deploy(deployment(scale_min=2))
    r0, r1 = env.faas.get_replicas("f")
    env.faas.remove_replica(r1)
    for _ in range(4):
        env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert served == [0, 0, 0, 0]


@pytest.mark.parametrize("raise_hook_errors", [True, False])
def test_remove_settles_fire_and_forget_requests(raise_hook_errors):
    class Slow(FunctionSimulator):
        def startup(self, env, replica):
            yield env.timeout(5)

    env = make_env(sim=Slow)
    env.faas.raise_hook_errors = raise_hook_errors
    fd = deployment(scale_min=1)
    env.faas.deploy(fd)
    sent = [env.process(env.faas.invoke(FunctionRequest("f"))) for _ in range(3)]
    env.run(until=1)
    env.faas.remove(fd)
    if raise_hook_errors:  # the failures reach run(), one at a time, as failed processes do
        for _ in sent:
            with pytest.raises(LookupError, match="the function was removed"):
                env.run(until=2)
    else:  # recorded, not raised: every request settled at once, and the runs go on
        env.run(until=2)
        env.run(until=3)
        assert env.now == 3
    assert all(p.triggered and not p.ok and isinstance(p.value, LookupError) for p in sent)
    if not raise_hook_errors:
        assert all(p.defused for p in sent)

    # a process of your own that does not catch the failure still fails loudly
    env = make_env(sim=Slow)
    env.faas.raise_hook_errors = False
    env.faas.deploy(fd)

    def careless(env):
        yield env.faas.invoke(FunctionRequest("f"))

    env.process(careless(env))
    env.run(until=1)
    env.faas.remove(fd)
    with pytest.raises(LookupError):
        env.run(until=2)


def test_waiting_requests_fail_when_the_last_replica_fails():
    class FailsFirst(FunctionSimulator):
        """The first replica's startup fails at 2; later ones start."""

        def startup(self, env, replica):
            yield env.timeout(2)
            if replica.replica_id == 0:
                raise ValueError("boom")

    env = make_env(sim=FailsFirst)
    env.faas.raise_hook_errors = False
    env.faas.deploy(deployment(scale_min=1))
    sent = [env.process(env.faas.invoke(FunctionRequest("f"))) for _ in range(3)]
    env.run(until=5)
    # nothing was left to serve them: failed at 2, counted, not waiting for ever
    reason = "no replica of 'f' is left to serve the request: its last replica failed (startup)"
    assert [(p.ok, str(p.value)) for p in sent] == [(False, reason)] * 3
    stats = env.faas.function_stats("f")
    assert (stats["invoked"], stats["failed"], stats["unserved"], stats["waiting"], stats["replicas"]) == (0, 3, 3, 0, 0)
    # a later request deploys the function again (replica 1 starts)
    later = env.process(env.faas.invoke(FunctionRequest("f")))
    env.run(until=10)
    assert later.ok and env.faas.function_stats("f")["completed"] == 1


def test_waiting_requests_wait_for_a_replica_still_starting():
    class FailsFirst(FunctionSimulator):
        def startup(self, env, replica):
            yield env.timeout(2 if replica.replica_id == 0 else 4)
            if replica.replica_id == 0:
                raise ValueError("boom")

    env = make_env(sim=FailsFirst)
    env.faas.raise_hook_errors = False
    env.faas.deploy(deployment(scale_min=2))
    sent = [env.process(env.faas.invoke(FunctionRequest("f"))) for _ in range(3)]
    env.run(until=10)
    # replica 1 was still starting when replica 0 failed: it serves all three at 4
    assert all(p.ok for p in sent) and env.faas.function_stats("f")["failed"] == 0


def test_remove_fails_waiting_requests_and_forgets_the_deployment():
    class Slow(FunctionSimulator):
        def startup(self, env, replica):
            yield env.timeout(5)

    env = make_env(sim=Slow)
    fd = deployment(scale_min=1)
    env.faas.deploy(fd)
    outcomes = []

    def client(env):
        try:
            yield env.faas.invoke(FunctionRequest("f"))
        except LookupError as e:
            outcomes.append((env.now, str(e)))

    env.process(client(env))
    env.run(until=1)
    assert env.faas.function_stats("f")["waiting"] == 1
    done = env.faas.remove(fd)
    env.run()
    assert outcomes == [(1.0, "the function was removed")]
    assert done.triggered and env.now == 5.0
    assert env.faas.get_deployments() == [] and env.faas.get_function_index() == {}
    for call in (
        lambda: env.faas.get_replicas("f"),
        lambda: env.faas.scale_up("f", 1),
        lambda: env.faas.invoke(FunctionRequest("f")),
        lambda: env.faas.remove(fd),
    ):
        with pytest.raises(KeyError, match="unknown function 'f'"):
            call()
    assert alloc(env, "n0") == (0, 0)
    assert rows(env, "function_deployment_lifecycle", "value") == [("deploy",), ("remove",)]
    env.faas.deploy(fd)  # the name is free again
    assert ids(env.faas.get_replicas("f")) == [1]


# --------------------------------------------------------------------------
# 6. placement

THREE = lambda: [Node("a", "4", "8Gi"), Node("b", "4", "8Gi"), Node("c", "8", "16Gi")]  # noqa: E731


def _placed(policy, n, seed=0, nodes=THREE):
    env = make_env(nodes=nodes(), seed=seed, scheduler=Scheduler(policy))
    env.faas.deploy(deployment(scale_min=n, scale_max=n))
    return nodes_of(env.faas.get_replicas("f"))


def test_least_allocated_spreads():
    assert _placed("least_allocated", 6) == ["c", "a", "b", "c", "c", "a"]


def test_most_allocated_and_first_fit_pack():
    assert _placed("most_allocated", 6) == ["a", "a", "a", "a", "b", "b"]
    assert _placed("first_fit", 6) == ["a", "a", "a", "a", "b", "b"]


def test_balanced_places_by_balance():
    # cpu-heavy replicas on a memory-rich node and the reverse
    env = make_env(
        nodes=[Node("cpu_rich", "16", "4Gi"), Node("mem_rich", "2", "64Gi")],
        scheduler=Scheduler("balanced"),
    )
    env.faas.deploy(deployment("m", scale_min=1, cpu="500m", memory="2Gi"))
    env.faas.deploy(deployment("c", scale_min=1, cpu="2", memory="256Mi"))
    assert nodes_of(env.faas.get_replicas("m")) == ["mem_rich"]
    assert nodes_of(env.faas.get_replicas("c")) == ["cpu_rich"]


def test_random_is_deterministic_per_seed():
    runs = {seed: _placed("random", 6, seed) for seed in (1, 2, 3)}
    assert runs == {seed: _placed("random", 6, seed) for seed in (1, 2, 3)}
    assert len({tuple(v) for v in runs.values()}) > 1


@pytest.mark.parametrize(
    "cpu, memory, lacking", [("5", "1Gi", "cpu"), ("1", "20Gi", "memory")]
)
def test_a_full_cluster_fails_the_replica_clearly(cpu, memory, lacking):
    env = make_env(nodes=[Node("a", "4", "8Gi"), Node("b", "4", "8Gi")])
    env.faas.deploy(deployment(scale_min=1, cpu=cpu, memory=memory))
    (r,) = env.faas.get_replicas("f", FAILED)
    assert r.state is FAILED and r.node is None
    assert env.faas.get_replicas("f") == []
    assert rows(env, "schedule", "value", "node_name", "successful", "reason")[-1] == (
        "finish",
        "None",
        False,
        f"0/2 nodes fit: 2 lack {lacking}",
    )
    assert rows(env, "replica_deployment", "value", "node_name", "replica_id", "phase", "error") == [
        ("failed", "None", 0, "schedule", f"0/2 nodes fit: 2 lack {lacking}")
    ]
    assert env.faas.function_stats("f")["unplaced"] == 0


def test_the_cluster_fills_up_then_refuses():
    env = make_env(nodes=[Node("a", "2", "8Gi"), Node("b", "1", "8Gi")])
    env.faas.deploy(deployment(scale_min=4, scale_max=4))
    assert nodes_of(env.faas.get_replicas("f")) == ["a", "b", "a"]
    assert ids(env.faas.get_replicas("f", FAILED)) == [3]
    assert alloc(env, "a") == (2000, 2 * GiB) and alloc(env, "b") == (1000, GiB)


def test_accelerators_are_required_and_accounted():
    env = make_env(nodes=[Node("cpu", "8", "16Gi"), Node("gpu", "8", "16Gi", accelerators={"gpu": 2})])
    fd = deployment(containers=[container("f-gpu", resources=Res(cpu=1000, memory=GiB, gpu=1))], scale_min=3)
    env.faas.deploy(fd)
    assert nodes_of(env.faas.get_replicas("f")) == ["gpu", "gpu"]
    assert ids(env.faas.get_replicas("f", FAILED)) == [2]
    assert env.faas.node_allocation("gpu") == {
        "cpu": 2000,
        "memory": 2 * GiB,
        "cpu_capacity": 8000,
        "memory_capacity": 16 * GiB,
        "gpu": 2,
    }
    assert env.faas.node_allocation("cpu")["gpu"] == 0
    assert rows(env, "schedule", "reason")[-1] == ("0/2 nodes fit: 2 lack accelerator 'gpu'",)
    env.faas.remove_replica(env.faas.get_replicas("f")[0])
    assert env.faas.node_allocation("gpu")["gpu"] == 1


def test_architectures_from_the_container_registry():
    env = make_env(nodes=[Node("x0", "4", "8Gi"), Node("arm", "2", "8Gi", arch="aarch64"), Node("x1", "4", "8Gi")])
    env.container_registry.put("f-arm", "10Mi", arch="aarch64")
    env.container_registry.put("g-any", "10Mi", arch=None)
    env.faas.deploy(deployment("f", containers=[container("f-arm")], scale_min=3))
    env.faas.deploy(deployment("g", containers=[container("g-any")], scale_min=2))
    assert nodes_of(env.faas.get_replicas("f")) == ["arm", "arm"]
    assert ids(env.faas.get_replicas("f", FAILED)) == [2]
    reason = "0/3 nodes fit: 2 have a disallowed architecture, 1 lacks cpu"
    assert rows(env, "schedule", "replica_id", "reason")[8] == (2, reason)
    assert nodes_of(env.faas.get_replicas("g")) == ["x0", "x1"]


def test_node_selector():
    env = make_env(
        nodes=[
            Node("a", "4", "8Gi", labels={"zone": "cloud"}),
            Node("b", "4", "8Gi", labels={"zone": "edge", "gpu": "no"}),
            Node("c", "4", "8Gi", labels={"zone": "edge", "gpu": "yes"}),
        ]
    )
    edge = container("f-cpu", node_selector={"zone": "edge"})
    assert edge.node_selector == {"zone": "edge"}
    assert container("x").node_selector == {}
    env.faas.deploy(deployment("f", containers=[edge], scale_min=4))
    assert sorted(nodes_of(env.faas.get_replicas("f"))) == ["b", "b", "c", "c"]
    both = container("g-cpu", cpu="100m", node_selector={"zone": "edge", "gpu": "yes"})
    env.faas.deploy(deployment("g", containers=[both], scale_min=1))
    assert nodes_of(env.faas.get_replicas("g")) == ["c"]
    nowhere = container("h-cpu", cpu="100m", node_selector={"zone": "moon"})
    env.faas.deploy(deployment("h", containers=[nowhere], scale_min=1))
    assert env.faas.get_replicas("h") == []
    assert rows(env, "schedule", "reason")[-1] == ("0/3 nodes fit: 3 lack a selected label",)


def test_node_selector_is_validated():
    with pytest.raises(TypeError, match="node_selector of container 'x' must be a mapping"):
        container("x", node_selector=["zone"])


def test_ranking_retries_the_next_image():
    fd = deployment(
        containers=[container("f-gpu", resources=Res(cpu=500, memory=GiB, gpu=1)), container("f-cpu")],
        scale_min=1,
    )
    env = make_env(nodes=[Node("a", "4", "8Gi")])
    env.faas.deploy(fd)
    assert [(r.replica_id, r.image, r.node.name) for r in env.faas.get_replicas("f")] == [(1, "f-cpu", "a")]
    assert [(r.replica_id, r.image) for r in env.faas.get_replicas("f", FAILED)] == [(0, "f-gpu")]
    assert rows(env, "schedule", "value", "image", "replica_id", "successful") == [
        ("queue", "f-gpu", 0, None),
        ("start", "f-gpu", 0, None),
        ("finish", "f-gpu", 0, False),
        ("queue", "f-cpu", 1, None),
        ("start", "f-cpu", 1, None),
        ("finish", "f-cpu", 1, True),
    ]


def test_ranking_all_unplaceable_fails_every_image():
    fd = deployment(
        containers=[container("f-gpu", resources=Res(cpu=500, memory=GiB, gpu=1)), container("f-big", cpu="64")],
        scale_min=2,
    )
    env = make_env()
    env.faas.deploy(fd)
    assert env.faas.get_replicas("f") == []
    # the retries (2, 3) queue behind replica 1: failures in queue order
    assert [(r.replica_id, r.image) for r in env.faas.get_replicas("f", FAILED)] == [
        (0, "f-gpu"),
        (1, "f-gpu"),
        (2, "f-big"),
        (3, "f-big"),
    ]
    assert [(i, r) for i, r in rows(env, "schedule", "replica_id", "reason") if r] == [
        (0, "0/1 node fit: 1 lacks accelerator 'gpu'"),
        (1, "0/1 node fit: 1 lacks accelerator 'gpu'"),
        (2, "0/1 node fit: 1 lacks cpu"),
        (3, "0/1 node fit: 1 lacks cpu"),
    ]
    stats = env.faas.function_stats("f")
    assert stats["replicas"] == 0 and stats["unplaced"] == 0


def test_scheduler_latency_makes_placements_sequential():
    env = make_env(nodes=THREE(), scheduler=Scheduler(latency=0.5))
    env.faas.deploy(deployment(scale_min=3))
    assert [r.state for r in env.faas.get_replicas("f")] == [CONCEIVED] * 3
    env.run()
    assert rows(env, "replica_deployment", "time", "value", "replica_id")[::4] == [
        (0.5, "deploy", 0),
        (1.0, "deploy", 1),
        (1.5, "deploy", 2),
    ]
    # each decision is logged when it is taken, applied after the latency
    assert [t for t, v in rows(env, "schedule", "time", "value") if v == "start"] == [0.0, 0.5, 1.0]
    assert nodes_of(env.faas.get_replicas("f")) == ["c", "a", "b"]


class PickLast(Scheduler):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.asked = []

    def schedule(self, replica):
        self.asked.append(replica.replica_id)
        return "c"


def test_a_python_scheduler_is_honoured():
    sched = PickLast()
    env = make_env(nodes=THREE(), scheduler=sched)
    env.faas.deploy(deployment(scale_min=3))
    assert sched.asked == [0, 1, 2]
    assert nodes_of(env.faas.get_replicas("f")) == ["c", "c", "c"]
    assert alloc(env, "c") == (3000, 3 * GiB)


def test_a_python_scheduler_can_call_the_builtin_policy():
    class Spy(Scheduler):
        def schedule(self, replica):
            node = super().schedule(replica)
            return node

    env = make_env(nodes=THREE(), scheduler=Spy("most_allocated"))
    env.faas.deploy(deployment(scale_min=2))
    assert nodes_of(env.faas.get_replicas("f")) == ["a", "a"]


@pytest.mark.parametrize(
    "choice, error, match",
    [
        ("zzz", ValueError, r"Bad\.schedule\(.*\) returned 'zzz', which is not a node of env\.topology"),
        (Node("a", "4", "8Gi"), ValueError, r"Bad\.schedule\(.*\) returned Node\('a'.*which is not a node of env"),
        (42, TypeError, r"Bad\.schedule\(.*\) returned 42; expected a Node of env\.topology, its name, a "
                        r"SchedulingResult or None"),
    ],
)
def test_a_python_scheduler_choosing_badly(choice, error, match):
    class Bad(Scheduler):
        def schedule(self, replica):
            return choice

    env = make_env(nodes=[Node("a", "4", "8Gi"), Node("small", "500m", "8Gi")], scheduler=Bad())
    with pytest.raises(error, match=match):
        env.faas.deploy(deployment(scale_min=1))
    (r,) = env.faas.get_replicas("f", FAILED)
    assert rows(env, "replica_deployment", "value", "phase", "error")[-1][:2] == ("failed", "schedule")
    assert alloc(env, "a") == (0, 0) and alloc(env, "small") == (0, 0)


def test_a_node_without_room_rejects_the_replica():
    # as a kubelet rejects a pod that does not fit: the placement fails with
    # the reason and the next ranked container is tried (never over-committed)
    asked = []

    class Small(Scheduler):
        def schedule(self, replica):
            asked.append(replica.image)
            return "small"

    env = make_env(nodes=[Node("a", "4", "8Gi"), Node("small", "500m", "8Gi")], scheduler=Small())
    env.faas.deploy(deployment(containers=[container("f-big", cpu="1"), container("f-tiny", cpu="250m")]))
    (r,) = env.faas.get_replicas("f")
    assert (r.image, r.node.name) == ("f-tiny", "small") and asked == ["f-big", "f-tiny"]
    schedule = rows(env, "schedule", "value", "successful", "reason")
    assert ("finish", False, "Small.schedule() chose node small, which lacks free ['cpu'] for the replica") in schedule
    assert alloc(env, "a") == (0, 0) and alloc(env, "small") == (250, GiB)
    env.faas.deploy(deployment("g", containers=[container("g-big", cpu="1")]))
    (g,) = env.faas.get_replicas("g", FAILED)   # nothing else to try
    assert env.faas.get_replicas("g") == [] and alloc(env, "small") == (250, GiB)


def test_a_python_scheduler_returning_none_fails_placement():
    class Never(Scheduler):
        def schedule(self, replica):
            return None

    env = make_env(scheduler=Never())
    env.faas.deploy(deployment(scale_min=1))
    assert ids(env.faas.get_replicas("f", FAILED)) == [0]
    assert rows(env, "schedule", "successful", "reason")[-1] == (False, "Never.schedule() found no node")


def test_a_python_scheduler_gets_its_latency():
    sched = PickLast(latency=1)
    env = make_env(nodes=THREE(), scheduler=sched)
    env.faas.deploy(deployment(scale_min=2))
    env.run()
    assert [(t, i) for t, v, i in rows(env, "replica_deployment", "time", "value", "replica_id") if v == "finish"] == [
        (1.0, 0),
        (2.0, 1),
    ]


def test_nodes_added_to_the_topology_later_are_used():
    env = make_env(nodes=[Node("a", "1", "8Gi")])
    env.faas.deploy(deployment(scale_min=2, scale_max=3))
    assert nodes_of(env.faas.get_replicas("f")) == ["a"] and ids(env.faas.get_replicas("f", FAILED)) == [1]
    env.topology.add_node(Node("b", "1", "8Gi"))
    assert env.faas.scale_up("f", 1).value == 1
    assert nodes_of(env.faas.get_replicas("f")) == ["a", "b"]
    assert [n.name for n in env.faas.nodes] == ["a", "b"]


class CountingTopology(Topology):
    """A faassim Topology that counts the platform's get_nodes() calls."""

    calls = 0

    def get_nodes(self):
        self.calls += 1
        return super().get_nodes()


class PlainTopology:
    """A topology as faas-sim users write them: get_nodes() and no version."""

    def __init__(self, nodes):
        self.nodes = list(nodes)
        self.calls = 0

    def get_nodes(self):
        self.calls += 1
        return self.nodes


def test_a_topology_with_a_version_is_asked_for_its_nodes_only_after_a_change():
    env = make_env()
    env.topology = topo = CountingTopology([Node(f"n{i}", "1", "8Gi") for i in range(3)])
    env.faas.deploy(deployment(scale_min=3, scale_max=4))
    # three placements, one get_nodes(): the version stayed 3 (three nodes added)
    assert topo.version == 3 and topo.calls == 1
    assert nodes_of(env.faas.get_replicas("f")) == ["n0", "n1", "n2"]
    topo.add_node(Node("x", "1", "8Gi"))
    assert env.faas.scale_up("f", 1).value == 1
    assert topo.calls == 2 and nodes_of(env.faas.get_replicas("f")) == ["n0", "n1", "n2", "x"]
    assert [n.name for n in env.faas.nodes] == ["n0", "n1", "n2", "x"] and topo.calls == 2


def test_another_topology_object_of_the_same_version_is_read_again():
    a, b = Node("a", "1", "8Gi"), Node("b", "1", "8Gi")
    old = Topology([a])
    old.add_link(faassim.Link(1e9))
    new = CountingTopology([a, b])
    assert old.version == new.version == 2
    env = make_env()
    env.topology = old
    env.faas.deploy(deployment(scale_min=1, scale_max=2))
    env.topology = new
    assert env.faas.scale_up("f", 1).value == 1
    assert new.calls == 1 and nodes_of(env.faas.get_replicas("f")) == ["a", "b"]


@pytest.mark.parametrize("version", ["missing", None, "3", True, 2**70])
def test_a_topology_without_an_int_version_is_asked_at_every_sync(version):
    topo = PlainTopology([Node("a", "1", "8Gi")])
    if version != "missing":
        topo.version = version
    env = make_env()
    env.topology = topo
    env.faas.deploy(deployment(scale_min=1, scale_max=2))
    calls = topo.calls
    assert calls >= 2  # the deployment's sync and the placement's
    topo.nodes.append(Node("b", "1", "8Gi"))  # nothing tells the platform
    assert env.faas.scale_up("f", 1).value == 1
    assert topo.calls > calls and nodes_of(env.faas.get_replicas("f")) == ["a", "b"]


def test_an_error_of_the_topology_version_reaches_the_caller():
    class Broken(PlainTopology):
        @property
        def version(self):
            raise ValueError("version is broken")

    env = make_env()
    env.topology = Broken([Node("a", "1", "8Gi")])
    with pytest.raises(ValueError, match="version is broken"):
        env.faas.deploy(deployment(scale_min=1))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"policy": "nope"}, ValueError, "unknown policy 'nope'"),
        ({"latency": -1}, ValueError, "Scheduler latency: Negative delay -1"),
        ({"latency": float("nan")}, ValueError, "Scheduler latency: delay is NaN"),
        ({"latency": "1"}, TypeError, "Scheduler latency: delay must be a real number, not str"),
    ],
)
def test_scheduler_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Scheduler(**kwargs)


def test_platform_calls_return_events_usable_from_processes():
    log = []

    class Sim(FunctionSimulator):
        def startup(self, env, replica):
            yield env.timeout(2)

        def teardown(self, env, replica):
            yield env.timeout(1)

    env = make_env(sim=Sim)
    fd = deployment(scale_min=1, scale_max=3)

    def operator(env):
        log.append(("deploy", (yield env.faas.deploy(fd)), env.now))
        log.append(("scale_up", (yield env.faas.scale_up("f", 2)), env.now))
        yield env.timeout(5)
        removed = yield env.faas.scale_down("f", 2)
        log.append(("scale_down", sorted(ids(removed.values())), env.now))
        yield from env.faas.remove(fd)
        log.append(("removed", env.now))

    env.process(operator(env))
    env.run()
    assert log == [("deploy", None, 0.0), ("scale_up", 2, 0.0), ("scale_down", [1, 2], 6.0), ("removed", 7.0)]


def test_get_replicas_by_state_and_stats():
    class Sim(FunctionSimulator):
        def startup(self, env, replica):
            yield env.timeout(1 + replica.replica_id)

    env = make_env(sim=Sim, nodes=[Node("n0", "3", "8Gi")])
    env.faas.deploy(deployment(scale_min=4, scale_max=4))
    env.run(until=2.5)
    assert ids(env.faas.get_replicas("f", RUNNING)) == [0, 1]
    assert ids(env.faas.get_replicas("f", STARTING)) == [2]
    assert ids(env.faas.get_replicas("f", FAILED)) == [3]
    assert env.faas.get_replicas("f", CONCEIVED) == [] and env.faas.get_replicas("f", SUSPENDED) == []
    assert env.faas.function_stats("f") == {
        "invoked": 0,
        "completed": 0,
        "failed": 0,
        "unserved": 0,
        "waiting": 0,
        "replicas": 3,
        "unplaced": 0,
        "last_invocation": 0.0,
    }
    failed = env.faas.get_replicas("f", FAILED)[0]
    assert env.faas.remove_replica(failed).value is failed  # already gone: done at once


# --------------------------------------------------------------------------
# 7. errors


def test_deploying_a_duplicate_name():
    env = make_env()
    env.faas.deploy(deployment("f"))
    with pytest.raises(ValueError, match="a function named 'f' is already deployed"):
        env.faas.deploy(deployment("f"))
    assert len(env.faas.get_deployments()) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda faas: faas.scale_up("nope", 1),
        lambda faas: faas.scale_down("nope", 1),
        lambda faas: faas.get_replicas("nope"),
        lambda faas: faas.invoke(FunctionRequest("nope")),
        lambda faas: faas.suspend("nope"),
        lambda faas: faas.discover("nope"),
        lambda faas: faas.function_stats("nope"),
        lambda faas: faas.remove("nope"),
    ],
)
def test_unknown_functions(call):
    env = make_env()
    env.faas.deploy(deployment("f"))
    with pytest.raises(KeyError, match=r"unknown function 'nope'; deployed functions: \['f'\]"):
        call(env.faas)


@pytest.mark.parametrize("method", ["scale_up", "scale_down"])
@pytest.mark.parametrize(
    "count, error, match",
    [
        (-1, ValueError, "must be >= 0, got -1"),
        (1.5, TypeError, r"must be an int, not float \(1.5\)"),
        (True, TypeError, r"must be an int, not bool"),
        ("2", TypeError, r"must be an int, not str"),
    ],
)
def test_bad_replica_counts(method, count, error, match):
    env = make_env()
    env.faas.deploy(deployment("f"))
    with pytest.raises(error, match=f"{method}\\(\\): the number of replicas {match}"):
        getattr(env.faas, method)("f", count)
    assert ids(env.faas.get_replicas("f")) == [0]


@pytest.mark.parametrize(
    "requirements, error, match",
    [
        ({"cpu": -1, "memory": 1}, ValueError, "cpu must not be negative, got -1"),
        ({"cpu": 1, "memory": -5}, ValueError, "memory must not be negative, got -5"),
        ({"cpu": 1, "gpu": -1}, ValueError, "gpu must not be negative, got -1"),
        ({"cpu": 1.5, "memory": 1}, TypeError, r"cpu must be an int, not float \(1.5\)"),
        ({"cpu": 1, "memory": "1Gi"}, TypeError, r"memory must be an int, not str \('1Gi'\)"),
        ({"cpu": True}, TypeError, "cpu must be an int, not bool"),
        ({1: 2}, TypeError, "resource names must be str, got 1"),
    ],
)
def test_bad_resource_requirements(requirements, error, match):
    env = make_env()
    fd = deployment(containers=[container("f-cpu", resources=Res(requirements))])
    with pytest.raises(error, match=f"FunctionContainer\\('f-cpu'.*{match}"):
        env.faas.deploy(fd)


def test_requirements_must_be_a_dict():
    class Listy(ResourceConfiguration):
        def get_resource_requirements(self):
            return [1000]

    env = make_env()
    with pytest.raises(TypeError, match="get_resource_requirements\\(\\) must return a dict, not list"):
        env.faas.deploy(deployment(containers=[container("f-cpu", resources=Listy())]))


def test_a_factory_returning_a_non_simulator():
    env = make_env(sim=Factory(lambda c: object()))
    with pytest.raises(TypeError, match=r"create\(\) returned object .*must be a faassim\.FunctionSimulator"):
        env.faas.deploy(deployment("f"))


def test_bad_platform_arguments():
    env = make_env()
    env.faas.deploy(deployment("f"))
    with pytest.raises(TypeError, match="state must be a FunctionState or None, not 3"):
        env.faas.get_replicas("f", 3)
    with pytest.raises(TypeError, match="expected a FunctionReplica of this platform, got 'x'"):
        env.faas.remove_replica("x")
    other = make_env()
    other.faas.deploy(deployment("f"))
    with pytest.raises(TypeError, match="expected a FunctionReplica of this platform"):
        env.faas.remove_replica(other.faas.get_replicas("f")[0])
    with pytest.raises(KeyError, match="unknown node 'zz'"):
        env.faas.node_allocation("zz")


# --------------------------------------------------------------------------
# 8. garbage collection


@pytest.mark.parametrize("moment", [0.25, 1, 5.5, 8])
def test_an_environment_dropped_mid_lifecycle_is_collected(moment):
    """Dropped while placing (0.25), mid-startup with requests waiting (1),
    mid-teardown (5.5) or with a FAILED replica (8): everything is collected
    (the autouse fixture checks the engine counters, including replicas and
    requests)."""

    class Slow(FunctionSimulator):
        def startup(self, env, replica):
            yield env.timeout(2)
            if replica.replica_id == 2 and env.now > 6:
                raise Boom("late")

        def invoke(self, env, replica, request):
            yield env.timeout(1)

        def teardown(self, env, replica):
            yield env.timeout(1)

    def scenario():
        env = make_env(sim=Slow, scheduler=Scheduler(latency=0.5))
        env.faas.raise_hook_errors = False
        fd = deployment(scale_min=2, scale_max=3)
        env.faas.deploy(fd)
        for _ in range(3):
            env.faas.invoke(FunctionRequest("f"))

        def operator(env):
            yield env.timeout(5)
            env.faas.remove_replica(env.faas.get_replicas("f")[0])
            env.faas.scale_up("f", 1)

        env.process(operator(env))
        env.run(until=moment)
        live = _core._live_objects()
        assert live["environments"] >= 1 and live["replicas"] >= 2
        return weakref.ref(env), env.faas.get_replicas("f") + env.faas.get_replicas("f", FAILED)

    ref, replicas = scenario()
    assert ref() is not None  # the replicas keep it alive
    states = sorted(r.state.value for r in replicas)
    assert states == {0.25: [1, 1], 1: [1, 2], 5.5: [1, 3, 3], 8: [3, 5]}[moment]
    del replicas
    gc.collect()
    assert ref() is None


# --------------------------------------------------------------------------
# regressions


@pytest.mark.parametrize("latency", [0, 0.5])
def test_an_error_while_placing_does_not_stall_the_queue(latency):
    """A plain hook or the scheduler raising for one replica: the error
    reaches the caller, the replicas queued behind it are still placed (the
    first error of one platform call or step is raised, every failure is
    logged)."""

    class Sim(FunctionSimulator):
        def startup(self, env, replica):
            if replica.replica_id == 0:
                raise Boom("startup of 0")

    class Picky(Scheduler):
        def schedule(self, replica):
            if replica.replica_id == 3:
                raise Boom("cannot place 3")
            return super().schedule(replica)

    env = make_env(sim=Sim, scheduler=Picky(latency=latency))
    fd = deployment(scale_min=5, scale_max=5)
    errors = []
    for _ in range(3):
        try:
            if not errors:
                env.faas.deploy(fd)
            env.run()
            break
        except Boom as e:
            errors.append(str(e))
    assert errors == (["startup of 0"] if latency == 0 else ["startup of 0", "cannot place 3"])
    assert ids(env.faas.get_replicas("f")) == [1, 2, 4]
    assert [r.state for r in env.faas.get_replicas("f")] == [RUNNING] * 3
    assert ids(env.faas.get_replicas("f", FAILED)) == [0, 3]
    assert [r for r in rows(env, "replica_deployment", "replica_id", "phase", "error") if r[1]] == [
        (0, "startup", "Boom: startup of 0"),
        (3, "schedule", "Boom: cannot place 3"),
    ]
    assert alloc(env, "n0") == (3000, 3 * GiB)


@pytest.mark.parametrize("broken", ["requirements", "factory"])
def test_a_deploy_that_raises_deploys_nothing(broken):
    """deploy() raising because a replica cannot even be made (bad resource
    requirements, a factory error) leaves no half-deployed function: the
    same name deploys once the cause is fixed."""
    calls = []

    def make(c):
        calls.append(c)
        if broken == "factory" and len(calls) == 2:
            raise Boom("no simulator for you")
        return FunctionSimulator()

    env = make_env(sim=Factory(make))
    res = Res(cpu=1000, memory=GiB if broken == "factory" else -1)
    fd = deployment(containers=[container("f-cpu", resources=res)], scale_min=2)
    with pytest.raises(Boom if broken == "factory" else ValueError):
        env.faas.deploy(fd)
    assert env.faas.get_deployments() == [] and env.faas.get_function_index() == {}
    with pytest.raises(KeyError, match="unknown function 'f'"):
        env.faas.get_replicas("f")
    assert alloc(env, "n0") == (0, 0)
    res.requirements["memory"] = GiB
    env.faas.deploy(fd)
    env.run()
    assert [r.state for r in env.faas.get_replicas("f")] == [RUNNING, RUNNING]
    assert alloc(env, "n0") == (2000, 2 * GiB)


def test_a_replica_removed_while_its_placement_fails_is_not_retried():
    fd = deployment(
        containers=[container("f-gpu", resources=Res(cpu=500, memory=GiB, gpu=1)), container("f-cpu")],
        scale_min=1,
    )
    env = make_env(scheduler=Scheduler(latency=1))
    env.faas.deploy(fd)
    env.run(until=0.5)
    (r,) = env.faas.get_replicas("f")
    done = env.faas.remove_replica(r)
    env.run()
    assert done.value is r and r.state is FAILED
    assert env.faas.get_replicas("f") == []  # no retry with f-cpu: it was removed
    assert ids(env.faas.get_replicas("f", FAILED)) == [0]
    stats = env.faas.function_stats("f")
    assert stats["replicas"] == 0 and stats["unplaced"] == 0
    # without the removal the next image is tried
    env2 = make_env(scheduler=Scheduler(latency=1))
    env2.faas.deploy(fd)
    env2.run()
    assert [(r.replica_id, r.image, r.state) for r in env2.faas.get_replicas("f")] == [(1, "f-cpu", RUNNING)]
