"""faassim.Metrics' log_* hooks that the platform calls for deployments,
replicas, scheduling and requests: measurement names, values and column order."""

from types import SimpleNamespace

import numpy as np
import pytest

import faassim
from faassim.model import (
    Function,
    FunctionContainer,
    FunctionDeployment,
    FunctionImage,
    KubernetesResourceConfiguration,
)


def make_fd(name="resnet", images=("resnet-cpu",), memory="150Mi"):
    fn = Function(name, [FunctionImage(i) for i in images])
    containers = [
        FunctionContainer(fn.get_image(i), KubernetesResourceConfiguration.create_from_str(cpu="1", memory=memory))
        for i in images
    ]
    return FunctionDeployment(fn, containers)


def make_replica(fd, replica_id, node="node0", image=None):
    container = fd.get_container(image or fd.ranking.get_first())
    return SimpleNamespace(
        replica_id=replica_id,
        fn_name=fd.name,
        image=container.image,
        node=None if node is None else SimpleNamespace(name=node),
        function=fd,
        container=container,
    )


def at(env, t):
    """Advance the environment to time *t*."""
    env.run(until=t)
    assert env.now == t


def frame(m, name):
    """extract_dataframe(name); the test stops here (skipped) without pandas."""
    pytest.importorskip("pandas")
    return m.extract_dataframe(name)


def missing(x):
    """A missing value in a DataFrame: None, or NaN (pandas 3 str columns)."""
    return x is None or (isinstance(x, float) and np.isnan(x))


def cols(m, name):
    c = m.to_numpy(name)
    return {k: v.tolist() for k, v in c.items()}


def test_log_function_deployment(env):
    fd = make_fd()
    at(env, 1.5)
    env.metrics.log_function_deployment(fd)
    at(env, 2)
    env.metrics.log_function_deployment(make_fd("pi", ("pi-cpu",)))
    assert cols(env.metrics, "function_deployments") == {
        "time": [1.5, 2.0],
        "name": ["resnet", "pi"],
        "type": ["deploy", "deploy"],
    }
    df = frame(env.metrics, "function_deployments")
    assert list(df.columns) == ["name", "type"]
    assert df.index.tolist() == [1.5, 2.0]
    assert df["name"].tolist() == ["resnet", "pi"]


def test_log_function_deployment_lifecycle(env):
    fd = make_fd()
    env.metrics.log_function_deployment_lifecycle(fd, "deploy")
    at(env, 4)
    env.metrics.log_function_deployment_lifecycle(fd, "teardown")
    assert cols(env.metrics, "function_deployment_lifecycle") == {
        "time": [0.0, 4.0],
        "value": ["deploy", "teardown"],
        "name": ["resnet", "resnet"],
        "function_id": ["resnet", "resnet"],  # the deployment's name, not id(fd)
    }
    df = frame(env.metrics, "function_deployment_lifecycle")
    assert list(df.columns) == ["value", "name", "function_id"]
    assert df["value"].tolist() == ["deploy", "teardown"]


def test_log_function_replica(env):
    fd = make_fd("pi", ("pi-cpu", "pi-gpu"))
    at(env, 3)
    env.metrics.log_function_replica(make_replica(fd, 0))
    env.metrics.log_function_replica(make_replica(fd, 12, image="pi-gpu"))
    assert cols(env.metrics, "function_replicas") == {
        "time": [3.0, 3.0],
        "name": ["pi", "pi"],
        "pod": ["pod-pi-0", "pod-pi-12"],
        "image": ["pi-cpu", "pi-gpu"],
        "replica_id": [0, 12],
    }
    c = env.metrics.to_numpy("function_replicas")
    assert c["replica_id"].dtype == np.int64 and c["pod"].dtype == object
    df = frame(env.metrics, "function_replicas")
    assert list(df.columns) == ["name", "pod", "image", "replica_id"]
    assert df["pod"].tolist() == ["pod-pi-0", "pod-pi-12"]


class FakeFaas:
    def __init__(self, *fds):
        self.index = {c.image: c for fd in fds for c in fd.get_containers()}

    def get_function_index(self):
        return self.index


def test_log_invocation_memory_from_env_faas(env):
    fd = make_fd("pi", ("pi-cpu", "pi-gpu"), memory="100Mi")
    env.faas = FakeFaas(fd)
    at(env, 10)
    env.metrics.log_invocation("pi", "pi-cpu", "node0", 0.5, 9.0, 1.25, 3)
    at(env, 12)
    env.metrics.log_invocation("pi", "pi-gpu", "node1", 0.0, 11.0, 1.0, 4)
    assert cols(env.metrics, "invocations") == {
        "time": [10.0, 12.0],
        "t_wait": [0.5, 0.0],
        "t_exec": [1.25, 1.0],
        "t_start": [9.0, 11.0],
        "memory": [100 * 2**20, 100 * 2**20],
        "function_name": ["pi", "pi"],
        "function_image": ["pi-cpu", "pi-gpu"],
        "node": ["node0", "node1"],
        "replica_id": [3, 4],
    }
    assert env.metrics.to_numpy("invocations")["memory"].dtype == np.int64
    df = frame(env.metrics, "invocations")
    assert list(df.columns) == [
        "t_wait",
        "t_exec",
        "t_start",
        "memory",
        "function_name",
        "function_image",
        "node",
        "replica_id",
    ]
    assert df.index.tolist() == [10.0, 12.0]
    assert df["memory"].tolist() == [104857600, 104857600]
    del env.faas


def test_log_invocation_kwargs_come_after_memory(env):
    env.faas = FakeFaas(make_fd())
    at(env, 2)
    env.metrics.log_invocation("resnet", "resnet-cpu", "n", 0.0, 1.0, 1.0, 0, request_id=7, degradation=1.5)
    c = cols(env.metrics, "invocations")
    assert list(c) == [
        "time",
        "t_wait",
        "t_exec",
        "t_start",
        "memory",
        "request_id",
        "degradation",
        "function_name",
        "function_image",
        "node",
        "replica_id",
    ]
    assert c["memory"] == [150 * 2**20] and c["request_id"] == [7] and c["degradation"] == [1.5]
    del env.faas


def test_log_invocation_memory_missing(env):
    m = env.metrics
    m.log_invocation("f", "f-img", "n0", 0.0, 0.0, 1.0, 0)  # env has no faas
    env.faas = None  # faas-sim's initial value
    m.log_invocation("f", "f-img", "n0", 0.0, 0.0, 2.0, 1)
    env.faas = FakeFaas(make_fd())
    m.log_invocation("f", "f-img", "n0", 0.0, 0.0, 3.0, 2)  # unknown image
    m.log_invocation("resnet", "resnet-cpu", "n0", 0.0, 0.0, 4.0, 3)  # known
    c = m.to_numpy("invocations")
    # a column first seen with None takes the type of its first value; missing
    # ints read back as the int64 minimum from to_numpy, as NaN from pandas
    assert c["memory"].dtype == np.int64
    assert c["memory"].tolist() == [np.iinfo(np.int64).min] * 3 + [150 * 2**20]
    df = frame(m, "invocations")
    assert np.isnan(df["memory"].tolist()[:3]).all()
    assert df["memory"].tolist()[3] == 150 * 2**20
    assert df["t_exec"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert m.records[0].fields == {"t_wait": 0.0, "t_exec": 1.0, "t_start": 0.0}  # memory missing
    del env.faas


def test_log_invocation_memory_missing_only(env):
    env.metrics.log_invocation("f", "f-img", "n0", 0.0, 0.0, 1.0, 0)
    c = cols(env.metrics, "invocations")
    assert c["memory"] == [None]
    assert list(c) == [
        "time",
        "t_wait",
        "t_exec",
        "t_start",
        "memory",
        "function_name",
        "function_image",
        "node",
        "replica_id",
    ]


def test_log_fet(env):
    at(env, 5)
    env.metrics.log_fet("pi", "pi-cpu", "node0", 4.0, 5.0, 2, 17)
    at(env, 6)
    env.metrics.log_fet("pi", "pi-cpu", "node1", 5.5, 6.0, 3, 18, t_wait=0.25)
    c = cols(env.metrics, "fets")
    assert list(c) == [
        "time",
        "t_fet_start",
        "t_fet_end",
        "function_name",
        "function_image",
        "node",
        "replica_id",
        "request_id",
        "t_wait",
    ]
    assert {k: v for k, v in c.items() if k != "t_wait"} == {
        "time": [5.0, 6.0],
        "t_fet_start": [4.0, 5.5],
        "t_fet_end": [5.0, 6.0],
        "function_name": ["pi", "pi"],
        "function_image": ["pi-cpu", "pi-cpu"],
        "node": ["node0", "node1"],
        "replica_id": [2, 3],
        "request_id": [17, 18],
    }
    # a kwargs field first seen in the second row: missing (NaN) in the first
    assert np.isnan(c["t_wait"][0]) and c["t_wait"][1] == 0.25
    df = frame(env.metrics, "fets")
    assert df["request_id"].tolist() == [17, 18]
    assert np.isnan(df["t_wait"].tolist()[0]) and df["t_wait"].tolist()[1] == 0.25


def test_replica_deployment_hooks(env):
    fd = make_fd("pi", ("pi-cpu",))
    r = make_replica(fd, 5, node="rpi3_0")
    m = env.metrics
    m.log_deploy(r)
    at(env, 1)
    m.log_startup(r)
    at(env, 2)
    m.log_setup(r)
    at(env, 3)
    m.log_finish_deploy(r)
    at(env, 10)
    m.log_teardown(r)
    assert cols(m, "replica_deployment") == {
        "time": [0.0, 1.0, 2.0, 3.0, 10.0],
        "value": ["deploy", "startup", "setup", "finish", "teardown"],
        "function_name": ["pi"] * 5,
        "node_name": ["rpi3_0"] * 5,
        "replica_id": [5] * 5,
    }
    df = frame(m, "replica_deployment")
    assert list(df.columns) == ["value", "function_name", "node_name", "replica_id"]
    assert df["value"].tolist() == ["deploy", "startup", "setup", "finish", "teardown"]


def test_log_replica_failed(env):
    fd = make_fd("pi", ("pi-cpu",))
    m = env.metrics
    at(env, 1)
    m.log_deploy(make_replica(fd, 0, node="n0"))
    at(env, 2)
    m.log_replica_failed(make_replica(fd, 0, node="n0"), "startup", ValueError("bad image"))
    m.log_replica_failed(make_replica(fd, 1, node=None), "schedule", "no node fits")
    m.log_replica_failed(make_replica(fd, 2, node="n1"), "teardown", RuntimeError())
    assert cols(m, "replica_deployment") == {
        "time": [1.0, 2.0, 2.0, 2.0],
        "value": ["deploy", "failed", "failed", "failed"],
        "function_name": ["pi"] * 4,
        "node_name": ["n0", "n0", "None", "n1"],
        "replica_id": [0, 0, 1, 2],
        "phase": [None, "startup", "schedule", "teardown"],
        "error": [None, "ValueError: bad image", "no node fits", "RuntimeError"],
    }
    df = frame(m, "replica_deployment")
    assert missing(df["error"].iloc[0])  # None or NaN, as the pandas version has it
    assert df["error"].tolist()[1:] == ["ValueError: bad image", "no node fits", "RuntimeError"]
    assert df["node_name"].tolist() == ["n0", "n0", "None", "n1"]


def test_schedule_hooks(env):
    fd = make_fd("pi", ("pi-cpu",))
    placed, unplaced = make_replica(fd, 0, node=None), make_replica(fd, 1, node=None)
    m = env.metrics
    m.log_queue_schedule(placed)
    m.log_queue_schedule(unplaced)
    at(env, 1)
    m.log_start_schedule(placed)
    at(env, 2)
    m.log_finish_schedule(placed, SimpleNamespace(name="rpi3_0"))
    m.log_start_schedule(unplaced)
    at(env, 3)
    m.log_finish_schedule(unplaced, None, "insufficient memory on all nodes")
    assert cols(m, "schedule") == {
        "time": [0.0, 0.0, 1.0, 2.0, 2.0, 3.0],
        "value": ["queue", "queue", "start", "finish", "start", "finish"],
        "function_name": ["pi"] * 6,
        "image": ["pi-cpu"] * 6,
        "replica_id": [0, 1, 0, 0, 1, 1],
        "node_name": [None, None, None, "rpi3_0", None, "None"],
        "successful": [None, None, None, True, None, False],
        "reason": [None] * 5 + ["insufficient memory on all nodes"],
    }
    df = frame(m, "schedule")
    assert list(df.columns) == ["value", "function_name", "image", "replica_id", "node_name", "successful", "reason"]
    finish = df[df["value"] == "finish"]
    assert finish.index.tolist() == [2.0, 3.0]
    assert finish["node_name"].tolist() == ["rpi3_0", "None"]
    assert finish["successful"].tolist() == [True, False]
    assert missing(finish["reason"].iloc[0]) and finish["reason"].iloc[1] == "insufficient memory on all nodes"


def test_finish_schedule_columns_in_hook_order(env):
    # On a fresh measurement, log_finish_schedule's own tag order.
    fd = make_fd()
    env.metrics.log_finish_schedule(make_replica(fd, 4), None, "no nodes")
    env.metrics.log_finish_schedule(make_replica(fd, 5), SimpleNamespace(name="n"))
    assert cols(env.metrics, "schedule") == {
        "time": [0.0, 0.0],
        "value": ["finish", "finish"],
        "function_name": ["resnet", "resnet"],
        "image": ["resnet-cpu", "resnet-cpu"],
        "node_name": ["None", "n"],
        "successful": [False, True],
        "replica_id": [4, 5],
        "reason": ["no nodes", None],
    }


def test_function_deployment_hooks(env):
    fd = make_fd("pi", ("pi-cpu",))
    r = make_replica(fd, 9, node="node3")
    m = env.metrics
    m.log_function_deploy(r)
    at(env, 7)
    m.log_function_suspend(r)
    at(env, 8.5)
    m.log_function_remove(r)
    assert cols(m, "function_deployment") == {
        "time": [0.0, 7.0, 8.5],
        "value": ["deploy", "suspend", "remove"],
        "name": ["pi"] * 3,
        "image": ["pi-cpu"] * 3,
        "function_id": ["pi"] * 3,  # the deployment's name, not id(container)
        "node": ["node3"] * 3,
    }
    df = frame(m, "function_deployment")
    assert list(df.columns) == ["value", "name", "image", "function_id", "node"]
    assert df["value"].tolist() == ["deploy", "suspend", "remove"]


def test_log_allocation(env):
    m = env.metrics
    m.log_allocation("node0", 0.25, 0.5)
    at(env, 3)
    m.log_allocation("node1", 1.0, 0.125)
    m.log_allocation("node0", 0.0, 0.0)
    assert cols(m, "allocation") == {
        "time": [0.0, 3.0, 3.0],
        "cpu": [0.25, 1.0, 0.0],
        "mem": [0.5, 0.125, 0.0],
        "node": ["node0", "node1", "node0"],
    }
    df = frame(m, "allocation")
    assert list(df.columns) == ["cpu", "mem", "node"]
    assert df["mem"].tolist() == [0.5, 0.125, 0.0]


def test_hooks_called_from_a_process(env):
    fd = make_fd("pi", ("pi-cpu",))
    r = make_replica(fd, 1, node="n0")

    def lifecycle(env):
        env.metrics.log_queue_schedule(r)
        yield env.timeout(0.5)
        env.metrics.log_finish_schedule(r, r.node)
        env.metrics.log_deploy(r)
        yield env.timeout(2)
        env.metrics.log_finish_deploy(r)

    env.process(lifecycle(env))
    env.run()
    assert cols(env.metrics, "schedule")["time"] == [0.0, 0.5]
    assert cols(env.metrics, "replica_deployment") == {
        "time": [0.5, 2.5],
        "value": ["deploy", "finish"],
        "function_name": ["pi", "pi"],
        "node_name": ["n0", "n0"],
        "replica_id": [1, 1],
    }


def test_subclass_override_is_honoured(env):
    class MyMetrics(faassim.Metrics):
        def log_deploy(self, replica):
            self.log("my_deploys", replica.replica_id, node=replica.node.name)

    m = MyMetrics(env)
    env.metrics = m
    fd = make_fd()
    r = make_replica(fd, 3, node="n2")
    at(env, 1)
    env.metrics.log_deploy(r)  # overridden
    env.metrics.log_startup(r)  # inherited
    assert cols(m, "my_deploys") == {"time": [1.0], "value": [3], "node": ["n2"]}
    assert cols(m, "replica_deployment") == {
        "time": [1.0],
        "value": ["startup"],
        "function_name": ["resnet"],
        "node_name": ["n2"],
        "replica_id": [3],
    }
    # the overridden hook is the one found by name (as the platform looks it up)
    getattr(env.metrics, "log_deploy")(r)
    assert m.count("my_deploys") == 2 and m.count("replica_deployment") == 1
    del env.metrics


def test_subclass_override_of_memory_lookup_via_super(env):
    class Tagged(faassim.Metrics):
        def log_invocation(self, *args, **kwargs):
            super().log_invocation(*args, run="a", **kwargs)

    env.metrics = Tagged(env)
    env.metrics.log_invocation("f", "f-img", "n", 0.0, 1.0, 2.0, 0)
    c = cols(env.metrics, "invocations")
    assert list(c)[1:6] == ["t_wait", "t_exec", "t_start", "memory", "run"]
    assert c["run"] == ["a"] and c["memory"] == [None]
    del env.metrics


def test_hook_errors_store_nothing(env):
    # a replica without the needed attributes fails before a row is stored
    with pytest.raises(AttributeError):
        env.metrics.log_deploy(SimpleNamespace(fn_name="f", node=None))
    assert env.metrics.count("replica_deployment") == 0
