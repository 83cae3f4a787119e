"""ResourceMonitor and MetricsServer: faas-sim's resource monitor (rows,
windows, point averages) sampled in C, and exact time-weighted averages from
env.resource_state's integrals."""

import doctest
import gc
import math
import sys
import weakref

import numpy as np
import pytest

import faassim as fs
import faassim.monitor
from faassim import FunctionState, MetricsServer, ResourceMonitor, ResourceWindow
from faassim import _core

GIB = 2**30


def deploy(env, replicas=3):
    """Replicas 0 and 1 on n0 (4 cores, 8 GiB), replica 2 on n1 (2 cores,
    4 GiB), RUNNING from t = 0 once the environment runs."""
    env.topology = fs.Topology([fs.Node("n0", "4", "8Gi"), fs.Node("n1", "2", "4Gi")])
    fn = fs.Function("f", [fs.FunctionImage("f-img")])
    fd = fs.FunctionDeployment(
        fn, [fs.FunctionContainer(fn.fn_images[0])], fs.ScalingConfiguration(scale_min=replicas)
    )
    env.faas.deploy(fd)


def check_replicas(env, replicas=3):
    reps = env.faas.get_replicas("f")
    assert [r.node.name for r in reps] == ["n0", "n0", "n1"][:replicas]
    assert all(r.state == FunctionState.RUNNING for r in reps)
    return reps


def make_platform(env, replicas=3):
    deploy(env, replicas)
    env.run(until=0.125)
    return check_replicas(env, replicas)


def drive(env, events, reps=None):
    """A process applying (time, replica index, 'put'/'remove', resource,
    value) to env.resource_state at the given times (the replicas of 'f',
    looked up at the first event unless given)."""

    def run():
        nonlocal reps
        for t, i, op, res, v in events:
            yield env.timeout(t - env.now)
            if reps is None:
                reps = check_replicas(env, len(env.faas.get_replicas("f")))
            getattr(env.resource_state, op + "_resource")(reps[i], res, v)

    return env.process(run())


# Scenario A (samples at 1, 2, 3, 4; no change at a sample time):
#   r0 holds cpu 500 on [0.25, 1.5), memory 1 GiB from 0.25, cpu 1000 from 2.5
#   r1 holds gpu 1 on [1.25, 3.25)
#   r2 holds cpu 250 on [0.5, 2.25)
EVENTS_A = [
    (0.25, 0, "put", "cpu", 500),
    (0.25, 0, "put", "memory", GIB),
    (0.5, 2, "put", "cpu", 250),
    (1.25, 1, "put", "gpu", 1),
    (1.5, 0, "remove", "cpu", 500),
    (2.25, 2, "remove", "cpu", 250),
    (2.5, 0, "put", "cpu", 1000),
    (3.25, 1, "remove", "gpu", 1),
]

NAN = float("nan")
# (time, replica_id, cpu, memory, cpu_util, mem_util, node, gpu)
FUNCTION_ROWS_A = [
    (1.0, 0, 500.0, GIB, 0.125, 0.125, "n0", NAN),
    (1.0, 2, 250.0, NAN, 0.125, 0.0, "n1", NAN),
    (2.0, 0, 0.0, GIB, 0.0, 0.125, "n0", NAN),
    (2.0, 1, NAN, NAN, 0.0, 0.0, "n0", 1.0),
    (2.0, 2, 250.0, NAN, 0.125, 0.0, "n1", NAN),
    (3.0, 0, 1000.0, GIB, 0.25, 0.125, "n0", NAN),
    (3.0, 1, NAN, NAN, 0.0, 0.0, "n0", 1.0),
    # r2 holds 0 cpu now: empty, skipped
    (4.0, 0, 1000.0, GIB, 0.25, 0.125, "n0", NAN),
    # r1 holds 0 gpu now: skipped
]
# (time, node, cpu, memory, cpu_util, mem_util, gpu)
NODE_ROWS_A = [
    (1.0, "n0", 500.0, GIB, 0.125, 0.125, NAN),
    (1.0, "n1", 250.0, NAN, 0.125, 0.0, NAN),
    (2.0, "n0", 0.0, GIB, 0.0, 0.125, 1.0),
    (2.0, "n1", 250.0, NAN, 0.125, 0.0, NAN),
    (3.0, "n0", 1000.0, GIB, 0.25, 0.125, 1.0),
    (3.0, "n1", 0.0, NAN, 0.0, 0.0, NAN),
    (4.0, "n0", 1000.0, GIB, 0.25, 0.125, 0.0),
    (4.0, "n1", 0.0, NAN, 0.0, 0.0, NAN),
]


def scenario_a(env, start=True, monitor_cls=ResourceMonitor, **kw):
    """Scenario A with a monitor made (and started) at t = 0; returns the
    replicas (once env has run past 0) and the monitor."""
    deploy(env)
    mon = monitor_cls(env, 1, **kw)
    if start:
        mon.start()
    drive(env, EVENTS_A)
    env.run(until=0.125)
    return check_replicas(env), mon


def same(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def rows(metrics, name, cols):
    data = metrics.to_numpy(name)
    n = len(data["time"])
    lists = {c: data[c].tolist() if c in data else [NAN] * n for c in cols}
    return [tuple(lists[c][i] for c in cols) for i in range(n)]


def assert_rows(got, want):
    assert len(got) == len(want), (got, want)
    for g, w in zip(got, want):
        assert all(same(x, y) for x, y in zip(g, w)), (g, w)


def assert_tables_equal(m1, m2, name):
    a, b = m1.to_numpy(name), m2.to_numpy(name)
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        if a[k].dtype.kind == "f":
            np.testing.assert_array_equal(a[k], b[k])
        else:
            assert a[k].tolist() == b[k].tolist(), k


FU_COLS = ("time", "replica_id", "cpu", "memory", "cpu_util", "mem_util", "node", "gpu")
NU_COLS = ("time", "node", "cpu", "memory", "cpu_util", "mem_util", "gpu")


# ---------------------------------------------------------------------------
# Components and construction


def test_env_components(env):
    assert env.resource_monitor is None
    srv = env.metrics_server
    assert isinstance(srv, MetricsServer) and env.metrics_server is srv and srv.count == 0
    mon = ResourceMonitor(env, 1)
    assert mon.metric_server is srv and mon.env is env
    assert mon.reconcile_interval == 1.0 and mon.logging and not mon.running and mon.samples == 0
    env.resource_monitor = mon
    assert env.resource_monitor is mon
    del env.resource_monitor
    assert env.resource_monitor is None
    other = MetricsServer()
    env.metrics_server = other
    assert ResourceMonitor(env, 0.5, logging=False).metric_server is other
    assert "stopped" in repr(mon) and "windows" in repr(srv)


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((None, 1), TypeError, "env must be an Environment"),
        (("env", 0), ValueError, "positive and finite"),
        (("env", -1), ValueError, "positive and finite"),
        (("env", float("nan")), ValueError, "positive and finite"),
        (("env", float("inf")), ValueError, "positive and finite"),
        (("env", "1"), TypeError, "must be a number"),
        (("env", True), TypeError, "must be a number"),
    ],
)
def test_constructor_errors(env, args, exc, match):
    args = tuple(env if a == "env" else a for a in args)
    with pytest.raises(exc, match=match):
        ResourceMonitor(*args)


def test_uninitialised_monitor_raises():
    mon = ResourceMonitor.__new__(ResourceMonitor)
    with pytest.raises(RuntimeError, match="not initialised"):
        mon.start()
    with pytest.raises(RuntimeError, match="not initialised"):
        mon.sample()


# ---------------------------------------------------------------------------
# Rows


def test_function_and_node_rows_exact(env):
    reps, mon = scenario_a(env)
    env.run(until=4.125)
    assert mon.samples == 4 and mon.sample_times == [1.0, 2.0, 3.0, 4.0]
    m = env.metrics
    # faas-sim's column order: the resources, cpu_util, mem_util, then the tags
    assert list(m.to_numpy("function_utilization")) == [
        "time", "cpu", "memory", "cpu_util", "mem_util", "node", "replica_id", "gpu"
    ]
    assert list(m.to_numpy("node_utilization")) == ["time", "cpu", "memory", "cpu_util", "mem_util", "node", "gpu"]
    assert_rows(rows(m, "function_utilization", FU_COLS), FUNCTION_ROWS_A)
    assert_rows(rows(m, "node_utilization", NU_COLS), NODE_ROWS_A)


def test_node_rows_are_sums_of_replica_rows(env):
    reps, mon = scenario_a(env)
    env.run(until=4.125)
    fu = rows(env.metrics, "function_utilization", FU_COLS)
    for t, node, cpu, mem, cpu_u, mem_u, gpu in rows(env.metrics, "node_utilization", NU_COLS):
        mine = [r for r in fu if r[0] == t and r[6] == node]
        for k, total in ((2, cpu), (3, mem), (7, gpu)):
            vals = [r[k] for r in mine if not math.isnan(r[k])]
            if math.isnan(total):
                assert not vals
            else:
                assert sum(vals) == total  # skipped (empty) replicas hold 0
        cap = {"n0": (4000, 8 * GIB), "n1": (2000, 4 * GIB)}[node]
        assert cpu_u == (0 if math.isnan(cpu) else cpu / cap[0])
        assert mem_u == (0 if math.isnan(mem) else mem / cap[1])


def test_empty_replicas_are_skipped_and_not_running_ones_too(env):
    reps = make_platform(env)
    rs = env.resource_state
    rs.put_resource(reps[0], "cpu", 0)  # touched, but holds nothing: empty
    rs.put_resource(reps[1], "cpu", 1)
    mon = ResourceMonitor(env, 1)
    mon.sample()
    assert env.metrics.to_numpy("function_utilization")["replica_id"].tolist() == [1]
    env.faas.remove_replica(reps[1])  # tears down: not RUNNING any more
    env.run(until=1)
    mon.sample()
    assert env.metrics.to_numpy("function_utilization")["replica_id"].tolist() == [1]
    # its node still shows what it holds
    assert env.metrics.to_numpy("node_utilization")["cpu"].tolist() == [1.0, 1.0]


def test_logging_false_keeps_windows_and_no_rows(env):
    reps, mon = scenario_a(env, logging=False)
    env.run(until=4.125)
    assert env.metrics.count("function_utilization") == 0 and env.metrics.count("node_utilization") == 0
    assert "function_utilization" not in env.metrics.measurements()
    srv = env.metrics_server
    assert [(w.time, w.resources) for w in srv.windows(reps[0])] == [
        (1.0, {"cpu": 500.0, "memory": GIB}),
        (2.0, {"cpu": 0.0, "memory": GIB}),
        (3.0, {"cpu": 1000.0, "memory": GIB}),
        (4.0, {"cpu": 1000.0, "memory": GIB}),
    ]
    assert [w.time for w in srv.windows(reps[1])] == [2.0, 3.0]
    assert [w.time for w in srv.windows(reps[2])] == [1.0, 2.0]
    assert all(isinstance(w, ResourceWindow) and w.replica is reps[1] for w in srv.windows(reps[1]))
    assert srv.count == 8


class SuperMetrics(fs.Metrics):
    """Overrides both hooks (so the C path is off) and calls super()."""

    def __init__(self, env):
        super().__init__(env)
        self.calls = []

    def log_function_resource_utilization(self, replica, utilization):
        self.calls.append(("f", replica.replica_id, utilization.live))
        super().log_function_resource_utilization(replica, utilization)

    def log_resource_utilization(self, node_name, capacity, utilization):
        self.calls.append(("n", node_name, capacity))
        super().log_resource_utilization(node_name, capacity, utilization)


class SuperServer(MetricsServer):
    def put(self, window):
        assert isinstance(window, ResourceWindow)
        super().put(window)


def test_python_hooks_produce_identical_rows():
    results = []
    for metrics_cls, server_cls in ((None, None), (SuperMetrics, SuperServer)):
        env = fs.Environment()
        if metrics_cls:
            env.metrics = metrics_cls(env)
            env.metrics_server = server_cls()
        reps, mon = scenario_a(env)
        env.run(until=4.125)
        results.append((env, reps))
    (e1, r1), (e2, r2) = results
    for name in ("function_utilization", "node_utilization"):
        assert_tables_equal(e1.metrics, e2.metrics, name)
    calls = e2.metrics.calls
    assert sum(c[0] == "f" for c in calls) == len(FUNCTION_ROWS_A)
    assert sum(c[0] == "n" for c in calls) == len(NODE_ROWS_A)
    assert all(c[2] for c in calls if c[0] == "f")  # live views, as faas-sim passed
    assert calls[0][0] == "f" and calls[2] == ("n", "n0", fs.Capacity(4000, "8Gi"))
    for a, b in zip(r1, r2):
        w1, w2 = e1.metrics_server.windows(a), e2.metrics_server.windows(b)
        assert [(w.time, w.resources) for w in w1] == [(w.time, w.resources) for w in w2]


def test_mixed_fast_and_python_hooks():
    """Only one hook overridden: the other stays in C; rows identical."""

    class OnlyNodes(fs.Metrics):
        def log_resource_utilization(self, node_name, capacity, utilization):
            super().log_resource_utilization(node_name, capacity, utilization)

    envs = []
    for cls in (fs.Metrics, OnlyNodes):
        env = fs.Environment()
        env.metrics = cls(env)
        scenario_a(env)
        env.run(until=4.125)
        envs.append(env)
    for name in ("function_utilization", "node_utilization"):
        assert_tables_equal(envs[0].metrics, envs[1].metrics, name)


def test_instance_attribute_hook_is_called(env):
    reps, mon = scenario_a(env)
    seen = []
    env.metrics.log_resource_utilization = lambda name, cap, u: seen.append((env.now, name))
    env.run(until=2.5)
    assert seen == [(1.0, "n0"), (1.0, "n1"), (2.0, "n0"), (2.0, "n1")]
    assert env.metrics.count("node_utilization") == 0
    assert env.metrics.count("function_utilization") == 5


def test_cpu_util_is_int_zero_when_cpu_never_put(env):
    """faas-sim's __calculate_util gives the int 0 without a cpu amount: the
    column is an int column until a float arrives (as log() would do)."""
    reps = make_platform(env)
    env.resource_state.put_resource(reps[0], "ram", 0.5)
    mon = ResourceMonitor(env, 1)
    mon.sample()
    cols = env.metrics.to_numpy("function_utilization")
    assert cols["cpu_util"].dtype == np.int64 and cols["cpu_util"].tolist() == [0]
    assert cols["mem_util"].tolist() == [0] and cols["ram"].tolist() == [0.5]
    env2 = fs.Environment()
    env2.metrics = SuperMetrics(env2)
    reps2 = make_platform(env2)
    env2.resource_state.put_resource(reps2[0], "ram", 0.5)
    ResourceMonitor(env2, 1).sample()
    assert_tables_equal(env.metrics, env2.metrics, "function_utilization")


def test_issue_run_override_gives_the_builtin_rows():
    """A run() override written as faas-sim's monitor loop (a generator, all
    Python) and the built-in sampling log the same function_utilization rows."""

    class LoopMonitor(ResourceMonitor):
        def run(self):
            while True:
                yield self.env.timeout(self.reconcile_interval)
                for deployment in self.env.faas.get_deployments():
                    for replica in self.env.faas.get_replicas(deployment.name, FunctionState.RUNNING):
                        u = self.env.resource_state.get_resource_utilization(replica)
                        self.env.metrics.log_function_resource_utilization(replica, u)

    # every RUNNING replica holds something at every sample (the Python loop
    # does not skip empty ones)
    events = [
        (0.25, 0, "put", "memory", GIB),
        (0.25, 1, "put", "memory", GIB // 2),
        (0.25, 2, "put", "memory", GIB // 4),
        (0.5, 1, "put", "cpu", 300),
        (1.5, 2, "put", "cpu", 125),
        (2.75, 1, "remove", "cpu", 300),
        (3.25, 0, "put", "gpu", 2),
    ]
    envs = []
    for how in ("start", "process", "python loop"):
        env = fs.Environment()
        deploy(env)
        if how == "python loop":
            env.process(LoopMonitor(env, 0.5).run())
        elif how == "process":
            env.process(ResourceMonitor(env, 0.5).run())
        else:
            ResourceMonitor(env, 0.5).start()
        drive(env, events)
        env.run(until=5.25)
        envs.append(env)
    assert envs[0].metrics.count("function_utilization") == 30
    for other in envs[1:]:
        assert_tables_equal(envs[0].metrics, other.metrics, "function_utilization")
    assert_tables_equal(envs[0].metrics, envs[1].metrics, "node_utilization")


def test_watchdog_characterization_rows(env):
    """HTTPWatchdog claims the characterized cpu, gpu, blkio, net and ram in C
    while a request executes; samples inside an execution see them."""
    from faassim.distributions import Constant

    res = fs.FunctionResourceCharacterization(cpu=0.25, blkio=0.5, gpu=0, net=0.125, ram=0.0625)
    ch = fs.FunctionCharacterization(
        "img", fs.FetOracle({("node", "img"): Constant(0.75)}), fs.ResourceOracle({("node", "img"): res})
    )
    env.topology = fs.Topology([fs.Node("node_0", "2", "4Gi")])

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return fs.HTTPWatchdog(workers=2, characterization=ch)

    env.simulator_factory = Factory()
    fn = fs.Function("f", [fs.FunctionImage("img")])
    env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))
    # executions [0.5, 1.25), [0.75, 1.5), [2.5, 3.25): two at t = 1, none at 2, one at 3
    env.faas.add_source("f", fs.Replay([0.5, 0.75, 2.5]))
    mon = ResourceMonitor(env, 1)
    mon.start()
    env.run(until=4.5)
    cols = env.metrics.to_numpy("function_utilization")
    # the resources claimed (zero amounts are not put: no gpu), in the order
    # env.resource_state first saw their names
    assert list(cols) == ["time", "cpu", "blkio", "net", "ram", "cpu_util", "mem_util", "node", "replica_id"]
    assert cols["time"].tolist() == [1.0, 3.0]
    assert cols["cpu"].tolist() == [0.5, 0.25]
    assert cols["blkio"].tolist() == [1.0, 0.5] and cols["ram"].tolist() == [0.125, 0.0625]
    assert cols["cpu_util"].tolist() == [0.5 / 2000, 0.25 / 2000]  # faas-sim's formula: / millicores
    assert cols["mem_util"].tolist() == [0, 0] and cols["mem_util"].dtype == np.int64  # no 'memory'
    replica = env.faas.get_replicas("f")[0]
    # cpu-seconds: 0.25 for 0.75 s, three times
    assert mon.integral(replica, "cpu") == 3 * 0.25 * 0.75
    assert mon.average(replica, "cpu", 1.0, 3.0) == (0.25 * 0.25 + 0.25 * 0.5 + 0.25 * 0.5) / 2
    assert mon.average("node_0", "blkio", 0.0) == 3 * 0.5 * 0.75 / 4.5


# ---------------------------------------------------------------------------
# Time-weighted averages


def test_integrals_and_averages_exact(env):
    reps, mon = scenario_a(env)
    env.run(until=4.125)
    r0, r1, r2 = reps
    # r0 cpu: 500 on [0.25, 1.5), 0 on [1.5, 2.5), 1000 from 2.5
    I = {0: 0.0, 1: 375.0, 2: 625.0, 3: 1125.0, 4: 2125.0, 4.125: 2250.0}
    for t0 in I:
        for t1 in I:
            if t0 < t1:
                assert mon.integral(r0, "cpu", t0, t1) == I[t1] - I[t0]
                assert mon.average(r0, "cpu", t0, t1) == (I[t1] - I[t0]) / (t1 - t0)
    assert mon.integral(r0, "cpu") == 2250.0  # from the beginning to now
    assert mon.average(r0, "cpu", 2.0) == (2250.0 - 625.0) / 2.125  # end: now
    assert mon.average(r0, "cpu", 2, 4) == 750.0
    # after the last change the amount is constant: any time is exact
    assert mon.integral(r0, "cpu", 2.75, 3.5) == 750.0
    # before the first change: 0
    assert mon.integral(r0, "cpu", 0.125, 1) == 375.0
    assert mon.integral(r1, "gpu", 0, 1.25) == 0.0
    assert mon.integral(r1, "gpu", 1, 4) == 2.0
    assert mon.average(r1, "gpu", 3.5, 4.125) == 0.0  # after its last change
    assert mon.integral(r0, "memory", 1, 3) == 2 * GIB
    # nodes: the sum of their replicas
    assert mon.integral("n0", "cpu", 1, 4) == 1750.0
    assert mon.integral("n0", "gpu", 2, 4) == 1.25
    assert mon.integral("n1", "cpu") == 250 * 1.75
    assert mon.average("n1", "cpu", 1, 2) == 250.0
    # resources never put: 0
    assert mon.integral(r2, "gpu", 1, 2) == 0.0 and mon.integral(r0, "disk", 1, 2) == 0.0
    # env.resource_state's own reading (up to now)
    rs = env.resource_state
    assert rs.get_integral(r0, "cpu") == 2250.0 and rs.get_integral("n0", "gpu") == 2.0
    assert rs.get_integral(r2, "nothing") == 0.0


def test_metrics_none_logs_nothing(env):
    reps, mon = scenario_a(env)
    env.metrics = None
    env.run(until=2.5)
    assert mon.samples == 2 and env.metrics_server.count == 5  # windows are still kept


def test_replica_of_another_environment(env):
    reps, mon = scenario_a(env)
    other = fs.Environment()
    (foreign,) = make_platform(other, replicas=1)
    with pytest.raises(ValueError, match="another environment"):
        mon.integral(foreign, "cpu")


def test_integral_errors(env):
    reps, mon = scenario_a(env)
    env.run(until=4.125)
    r0 = reps[0]
    with pytest.raises(ValueError, match="not known exactly"):
        mon.integral(r0, "cpu", 1.75, 4)  # between samples, before the last change
    with pytest.raises(ValueError, match="after env.now"):
        mon.integral(r0, "cpu", 1, 5)
    with pytest.raises(ValueError, match="empty or reversed"):
        mon.average(r0, "cpu", 2, 2)
    with pytest.raises(ValueError, match="empty or reversed"):
        mon.integral(r0, "cpu", 3, 2)
    with pytest.raises(TypeError):
        mon.average(r0, "cpu")
    with pytest.raises(KeyError, match="unknown node"):
        mon.integral("nope", "cpu")
    with pytest.raises(TypeError, match="target"):
        mon.integral(3, "cpu")
    with pytest.raises(TypeError, match="resource must be a str"):
        mon.integral(r0, 1)
    with pytest.raises(TypeError, match="resource must be a str"):
        env.resource_state.get_integral(r0, 1)
    with pytest.raises(KeyError):
        env.resource_state.get_integral("nope", "cpu")


def test_integral_is_compensated(env):
    """200,000 segments of 0.1 cpu: the integral is the correctly rounded
    sum of the segments (fsum) to within an ulp, where a plain float sum
    drifts."""
    reps = make_platform(env, replicas=1)
    rs = env.resource_state
    r = reps[0]
    times = []

    def churn():
        for _ in range(100_000):
            rs.put_resource(r, "cpu", 0.1)
            times.append(env.now)
            yield env.timeout(0.1)
            rs.remove_resource(r, "cpu", 0.1)
            times.append(env.now)
            yield env.timeout(0.1)

    env.process(churn())
    env.run()
    segments = [0.1 * (times[i + 1] - times[i]) for i in range(0, len(times), 2)]
    want = math.fsum(segments)
    got = rs.get_integral(r, "cpu")
    assert abs(got - want) <= math.ulp(want)
    naive = 0.0
    for x in segments:
        naive += x
    assert abs(naive - want) > 100 * math.ulp(want)  # what compensation buys
    assert rs.get_integral("n0", "cpu") == got


def test_point_average_converges_to_time_average():
    """faas-sim's MetricsServer mean of point samples approaches the exact
    time-weighted mean as the interval shrinks; the time-weighted one does
    not depend on the interval."""
    errors = []
    for interval in (0.5, 0.125, 1 / 32, 1 / 256):
        env = fs.Environment()
        deploy(env, replicas=1)

        def load():
            yield env.timeout(1)
            (r,) = check_replicas(env, 1)
            env.resource_state.put_resource(r, "memory", GIB)  # never empty
            yield env.timeout(0.0625)
            while True:  # cpu 0.75 for 0.25 s of every second: mean 0.1875
                env.resource_state.put_resource(r, "cpu", 0.75)
                yield env.timeout(0.25)
                env.resource_state.remove_resource(r, "cpu", 0.75)
                yield env.timeout(0.75)

        env.process(load())
        mon = ResourceMonitor(env, interval)
        mon.start()
        env.run(until=20.0625)
        (r,) = check_replicas(env, 1)
        exact = mon.average(r, "cpu", 4, 20)  # 16 whole periods, sample times
        assert exact == 0.1875
        assert mon.average("n0", "cpu", 4, 20) == 0.1875
        # the windows in (4, 20]
        srv = env.metrics_server
        point = srv.get_average_resource_utilization(r, "cpu", 4 + interval / 2, 20)
        errors.append(abs(point - exact))
        assert srv.get_average_cpu_utilization(r, 4 + interval / 2, 20) == point / 4000
    assert errors[-1] < 0.01 and errors[-1] < errors[0] and errors[0] > 0.05


# ---------------------------------------------------------------------------
# Scheduling


def test_stop_and_start_again(env):
    reps, mon = scenario_a(env)
    assert mon.running
    with pytest.raises(RuntimeError, match="already running"):
        mon.start()
    with pytest.raises(RuntimeError, match="already running"):
        next(mon.run())
    env.run(until=2.5)
    assert mon.sample_times == [1.0, 2.0]
    mon.stop()
    mon.stop()  # idempotent
    assert not mon.running
    env.run(until=5)
    assert mon.samples == 2
    mon.start()  # from t = 5: 5.5, 6, ...
    mon.reconcile_interval = 0.5  # applies after the queued sample (at 6)
    env.run(until=7.25)
    assert mon.sample_times == [1.0, 2.0, 6.0, 6.5, 7.0]
    mon.stop()
    # run() after stop (from t = 7.25), then stop() ends the loop at its next wake
    p = env.process(mon.run())
    env.run(until=8.5)
    assert mon.running and mon.sample_times[-3:] == [7.0, 7.75, 8.25]
    mon.stop()
    assert p.is_alive
    env.run(until=9)
    assert not p.is_alive and mon.sample_times[-1] == 8.25
    env.run(until=10)
    assert mon.samples == 7 and not mon.running


def test_run_loop_interrupted_releases_the_monitor(env):
    mon = ResourceMonitor(env, 1)
    p = env.process(mon.run())
    env.run(until=2.5)
    assert mon.running and mon.samples == 2
    p.interrupt()
    with pytest.raises(fs.Interrupt):
        env.run()
    assert not mon.running and env.now == 2.5
    mon.start()  # at 2.5: 3.5, 4.5
    env.run(until=5)
    assert mon.samples == 4 and mon.sample_times == [1.0, 2.0, 3.5, 4.5]


def test_subclass_sample_override_is_called_by_start(env):
    class Counting(ResourceMonitor):
        def sample(self):
            self.seen = getattr(self, "seen", []) + [self.env.now]
            super().sample()

    mon = Counting(env, 0.25)
    mon.start()
    env.run(until=1.1)
    assert mon.seen == [0.25, 0.5, 0.75, 1.0] and mon.samples == 4


def test_hook_error_reaches_run_and_stops_the_monitor(env):
    reps, mon = scenario_a(env)

    def bad(replica, utilization):
        raise ZeroDivisionError("boom")

    env.metrics.log_function_resource_utilization = bad
    with pytest.raises(ZeroDivisionError, match="boom"):
        env.run(until=3)
    assert not mon.running and env.now == 1.0
    env.run(until=3)  # goes on without the monitor
    assert mon.samples == 1


def test_replaced_resource_state_resets_checkpoints(env):
    reps = make_platform(env)
    mon = ResourceMonitor(env, 1)
    mon.start()  # at 0.125
    env.resource_state.put_resource(reps[0], "cpu", 2)
    env.run(until=2.5)
    assert mon.sample_times == [1.125, 2.125]
    env.resource_state.put_resource(reps[0], "cpu", 2)
    assert mon.integral(reps[0], "cpu", 1.125, 2.125) == 2.0
    env.resource_state = fs.ResourceState(env)
    env.resource_state.put_resource(reps[0], "cpu", 8)
    env.run(until=3.5)
    assert mon.sample_times == [3.125]  # the old ones were of the old state
    assert mon.integral(reps[0], "cpu", 3.125, 3.5) == 3.0
    assert mon.integral(reps[0], "cpu") == 8.0


def test_generic_python_resource_state(env):
    """A resource state that is not faassim's (faas-sim's, say) is sampled
    through its Python methods."""

    class Util:
        def __init__(self):
            self.r = {}

        def put_resource(self, k, v):
            self.r[k] = self.r.get(k, 0) + v

        def get_resource(self, k):
            return self.r.get(k)

        def list_resources(self):
            return dict(self.r)

        def is_empty(self):
            return not self.r

    class NodeUtil:
        def __init__(self):
            self.utils = {}

        @property
        def total_utilization(self):
            t = Util()
            for u in self.utils.values():
                for k, v in u.r.items():
                    t.put_resource(k, v)
            return t

    class PyState:
        def __init__(self):
            self.node_resource_utilizations = {}

        def get_resource_utilization(self, replica):
            nu = self.node_resource_utilizations.setdefault(replica.node.name, NodeUtil())
            return nu.utils.setdefault(replica.replica_id, Util())

    reps = make_platform(env)
    st = PyState()
    env.resource_state = st
    st.get_resource_utilization(reps[2]).put_resource("cpu", 500)
    mon = ResourceMonitor(env, 1)
    mon.sample()
    cols = env.metrics.to_numpy("function_utilization")
    assert cols["replica_id"].tolist() == [2] and cols["cpu_util"].tolist() == [0.25]
    # faas-sim's get_resource_utilization registers the replicas it is asked about
    nodes = env.metrics.to_numpy("node_utilization")
    assert nodes["node"].tolist() == ["n1", "n0"] and nodes["cpu_util"].tolist() == [0.25, 0.0]
    assert [w.resources for w in env.metrics_server.windows(reps[2])] == [{"cpu": 500}]
    with pytest.raises(TypeError, match="not a faassim ResourceState"):
        mon.integral(reps[2], "cpu")


# ---------------------------------------------------------------------------
# MetricsServer


def test_metrics_server_faas_sim_semantics(env):
    reps = make_platform(env)
    r = reps[0]
    srv = MetricsServer()
    assert srv.get_average_resource_utilization(r, "cpu", 0, 10) == 0.0  # no window at all
    for t, cpu in ((1.0, 100.0), (2.0, 200.0), (3.0, 600.0)):
        srv.put(ResourceWindow(r, {"cpu": cpu, "memory": 5}, t))
    srv.put(ResourceWindow(r, {"memory": 7}, 4.0))
    assert srv.get_average_resource_utilization(r, "cpu", 1, 3) == 300.0
    assert srv.get_average_resource_utilization(r, "cpu", 1.5, 3) == 400.0
    assert srv.get_average_resource_utilization(r, "memory", 0, 99) == 5.5
    assert math.isnan(srv.get_average_resource_utilization(r, "cpu", 5, 6))  # np.mean([])
    with pytest.raises(KeyError):
        srv.get_average_resource_utilization(r, "cpu", 1, 4)  # window at 4 lacks cpu
    with pytest.raises(KeyError):
        srv.get_average_resource_utilization(r, "gpu", 1, 2)
    assert srv.get_average_cpu_utilization(r, 1, 3) == 300.0 / 4000
    with pytest.raises(ValueError, match="time order"):
        srv.put(ResourceWindow(r, {"cpu": 1}, 3.5))
    with pytest.raises(TypeError, match="must be a number"):
        srv.put(ResourceWindow(r, {"cpu": "x"}, 5.0))
    with pytest.raises(TypeError, match="resource names must be str"):
        srv.put(ResourceWindow(r, {1: 1.0}, 5.0))
    assert srv.count == 4 and len(srv.windows(r)) == 4 and srv.windows(reps[1]) == []
    assert srv.windows(r)[-1] == ResourceWindow(r, {"memory": 7.0}, 4.0)
    srv.clear()
    assert srv.count == 0 and srv.windows(r) == []


# ---------------------------------------------------------------------------
# Lifetime and cost


def test_environment_with_running_monitor_is_collected():
    env = fs.Environment()
    reps, mon = scenario_a(env)
    env.resource_monitor = mon
    env.run(until=2.5)
    assert mon.running
    wm, we = weakref.ref(mon), weakref.ref(env)
    del env, mon, reps
    gc.collect()
    assert wm() is None and we() is None


def test_stopped_monitor_leaves_no_owner(env):
    mon = ResourceMonitor(env, 1)
    mon.start()
    mon.stop()
    wm = weakref.ref(mon)
    del mon
    assert wm() is None  # not kept by env.native_owners nor the queue
    assert env._queue_len == 0


def test_default_path_creates_no_python_objects():
    env = fs.Environment()
    reps, mon = scenario_a(env, start=False)
    env.run(until=3.75)  # every event of scenario A but the last
    mon.start()
    env.run(until=10)  # warm: arrays and columns grown past the small-block sizes
    blocks = sys.getallocatedblocks()
    env.run(until=20_010)  # 20,000 samples, 3 rows and 1 window each
    grown = sys.getallocatedblocks() - blocks
    assert mon.samples == 20_006  # from 4.75 to 20009.75
    assert env.metrics.count("function_utilization") > 20_000
    assert grown < 100, f"{grown} Python blocks allocated over 20,000 samples"


def test_monitor_doctests():
    failures, tried = doctest.testmod(faassim.monitor, optionflags=doctest.ELLIPSIS)
    assert failures == 0 and tried > 0
