"""skippy's cluster view as faas-sim used it: env.cluster, replica.pod,
schedulers of your own returning a SchedulingResult, Simulation.create_scheduler."""

import pytest

import faassim as fs
from faassim import ClusterContext, Pod, SchedulingResult
from faassim.cluster import PodContainer, PodSpec, ResourceRequirements, create_function_pod
from faassim.placement import Predicate


def nodes():
    return [fs.Node("a", "4", "8Gi"), fs.Node("b", "2", "2Gi", labels={"zone": "x"}), fs.Node("c", "1", "1Gi")]


def container(image, cpu="500m", memory="256Mi", **kwargs):
    return fs.FunctionContainer(
        fs.FunctionImage(image), fs.KubernetesResourceConfiguration.create_from_str(cpu=cpu, memory=memory), **kwargs
    )


def deployment(name, containers, scale_min=1):
    fn = fs.Function(name, [c.fn_image for c in containers])
    return fs.FunctionDeployment(
        fn, containers, fs.ScalingConfiguration(scale_min=scale_min), fs.DeploymentRanking([c.image for c in containers])
    )


def make_env():
    env = fs.Environment(seed=1)
    env.topology = fs.Topology(nodes())
    return env


def test_env_cluster_lists_the_topology_nodes():
    env = make_env()
    cluster = env.cluster
    assert isinstance(cluster, ClusterContext) and env.cluster is cluster  # made once
    assert cluster.env is env and cluster.max_priority == 10
    assert cluster.list_nodes() == env.topology.get_nodes() and cluster.list_nodes() is not cluster.list_nodes()
    assert [n.name for n in cluster.list_nodes()] == ["a", "b", "c"]
    assert cluster.get_node("b").labels == {"zone": "x"} and cluster.get_node("zzz") is None
    assert cluster.topology is env.topology and cluster.container_registry is env.container_registry
    # the registry of init_docker_registry() is a hop, not a node
    env.topology.init_docker_registry()
    assert "registry" not in [n.name for n in cluster.list_nodes()] and cluster.get_node("registry") is None
    mine = object()
    env.cluster = mine
    assert env.cluster is mine
    del env.cluster
    assert isinstance(env.cluster, ClusterContext) and env.cluster is not cluster


def test_python_predicates_get_env_cluster_as_context():
    seen = []

    class Zone(Predicate):
        def passes_predicate(self, context, pod, node):
            seen.append((context, pod.name, pod.spec.labels))
            return node.labels.get("zone") == "x"

    env = make_env()
    env.scheduler = fs.Scheduler(predicates=[Zone()])
    env.faas.deploy(deployment("f", [container("f-img", labels={"app": "f"})]))
    assert env.faas.get_replicas("f")[0].node.name == "b"
    assert {id(c) for c, _, _ in seen} == {id(env.cluster)}
    assert {(name, tuple(labels.items())) for _, name, labels in seen} == {("pod-f-0", (("app", "f"),))}


def test_replica_pod_is_skippys_pod_of_its_container():
    env = make_env()
    env.faas.deploy(deployment("f", [container("f-img", cpu="250m", memory="64Mi", labels={"k": "v"})], scale_min=2))
    env.faas.deploy(deployment("g", [container("g-img")]))
    f0, f1 = env.faas.get_replicas("f")
    (g0,) = env.faas.get_replicas("g")
    assert [r.pod.name for r in (f0, f1, g0)] == ["pod-f-0", "pod-f-1", "pod-g-0"]  # numbered per function
    pod = f1.pod
    assert isinstance(pod, Pod) and f1.pod is pod and pod.namespace == "faassim"
    (c,) = pod.spec.containers
    assert isinstance(c, PodContainer) and c.image == "f-img"
    assert c.resources.requests == {"cpu": 250, "memory": 64 * 2**20}
    assert pod.spec.labels == {"k": "v"}
    # the replica answers to its pod's name, namespace and spec (what schedulers and predicates read)
    assert (f1.name, f1.namespace, f1.spec) == ("pod-f-1", "faassim", pod.spec)
    mine = Pod("mine")
    f1.pod = mine
    assert f1.pod is mine and f1.name == "mine"
    del f1.pod
    assert f1.pod.name == "pod-f-1" and f1.pod is not pod
    del f1.pod
    del f1.pod  # deleting again is fine: the next access makes a new one


def test_pod_of_a_replica_that_fell_back_to_its_next_container():
    env = make_env()
    big = container("f-big", cpu="8")  # fits no node
    env.faas.deploy(deployment("f", [big, container("f-small")]))
    (r,) = env.faas.get_replicas("f")
    assert r.image == "f-small" and r.pod.spec.containers[0].image == "f-small" and r.name == "pod-f-1"
    assert [p.name for p in (f.pod for f in env.faas.get_replicas("f", fs.FunctionState.FAILED))] == ["pod-f-0"]


class RoundRobinScheduler:
    """faas-sim style: constructed with the cluster, schedule(pod) -> SchedulingResult."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.asked = []
        self.next = 0

    def schedule(self, pod):
        self.asked.append(pod.name)
        nodes = self.cluster.list_nodes()
        node = nodes[self.next % len(nodes)]
        self.next += 1
        return SchedulingResult(node, len(nodes), [])

    @staticmethod
    def create(env):
        return RoundRobinScheduler(env.cluster)


def test_a_scheduler_of_your_own_returns_a_scheduling_result():
    env = make_env()
    env.scheduler = RoundRobinScheduler.create(env)
    env.faas.deploy(deployment("f", [container("f-img")], scale_min=3))
    assert [r.node.name for r in env.faas.get_replicas("f")] == ["a", "b", "c"]
    assert env.scheduler.asked == ["pod-f-0", "pod-f-1", "pod-f-2"]
    assert env.faas.node_allocation("c")["cpu"] == 500  # the platform allocated the requests
    schedule = env.metrics.to_numpy("schedule")
    finished = schedule["value"] == "finish"
    assert schedule["node_name"][finished].tolist() == ["a", "b", "c"]


def test_scheduling_result_without_host_tries_the_next_container():
    class Picky:
        def schedule(self, pod):
            image = pod.spec.containers[0].image
            return SchedulingResult(None if image == "f-gpu" else "b", 0, [])

    env = make_env()
    env.scheduler = Picky()
    env.faas.deploy(deployment("f", [container("f-gpu"), container("f-cpu")]))
    (r,) = env.faas.get_replicas("f")
    assert (r.image, r.node.name) == ("f-cpu", "b")
    reasons = env.metrics.to_numpy("schedule")["reason"].tolist()
    assert "Picky.schedule() found no node" in reasons


def test_scheduling_result_naming_no_node_of_the_topology_raises():
    class Wrong:
        def schedule(self, pod):
            return SchedulingResult(fs.Node("a", "4", "8Gi"), 1, [])  # not the topology's node object

    env = make_env()
    env.scheduler = Wrong()
    with pytest.raises(ValueError, match=r"Wrong\.schedule\(.*\) returned Node\('a'.*which is not a node of env\.topology"):
        env.faas.deploy(deployment("f", [container("f-img")]))


def test_simulation_create_scheduler_is_a_factory_of_env():
    made = []

    class Bench(fs.Benchmark):
        def run(self, env):
            yield from env.faas.deploy(deployment("f", [container("f-img")], scale_min=2))
            yield env.process(env.faas.poll_available_replica("f"))

    def create(env):
        made.append(env)
        return RoundRobinScheduler.create(env)

    sim = fs.Simulation(fs.Topology(nodes()), Bench())
    sim.create_scheduler = create
    sim.run()
    assert made == [sim.env] and isinstance(sim.env.scheduler, RoundRobinScheduler)
    assert sim.env.scheduler.cluster is sim.env.cluster
    assert [r.node.name for r in sim.env.faas.get_replicas("f")] == ["a", "b"]


def test_pod_model_defaults_and_errors():
    assert ResourceRequirements().requests == {"cpu": 100, "memory": 200 * 1024 * 1024}  # skippy's defaults
    assert PodSpec().containers == [] and PodSpec().labels == {}
    assert PodContainer("img").resources.requests["cpu"] == 100
    assert Pod("p").spec.containers == []
    fd = deployment("f", [container("f-img", labels={"a": "b"})])
    pod = create_function_pod(fd, fd.fn_containers[0], 7)
    assert (pod.name, pod.spec.containers[0].image, pod.spec.labels) == ("pod-f-7", "f-img", {"a": "b"})
    with pytest.raises(TypeError, match="requests must be a mapping"):
        ResourceRequirements(["cpu"])
    with pytest.raises(TypeError, match="image must be a non-empty str"):
        PodContainer("")
    with pytest.raises(TypeError, match="name must be a non-empty str"):
        Pod(None)
    assert SchedulingResult("a", 1, []).suggested_host == "a"


def test_simple_simulator_factory_is_faas_sims_default():
    env = make_env()
    env.simulator_factory = fs.SimpleSimulatorFactory()
    env.faas.deploy(deployment("f", [container("f-img")]))
    env.faas.add_source("f", fs.Replay([0.0, 0.5]))
    env.run()
    calls = env.metrics.to_numpy("invocations")
    assert calls["t_exec"].tolist() == [1.0, 1.0] and env.now == 1.5


def test_node_ether_node_and_current_requests():
    a, b = nodes()[:2]
    assert a.ether_node is a
    a.current_requests.add("r")
    assert a.current_requests == {"r"} and b.current_requests == set()
    with pytest.raises(TypeError, match="would hide a Node attribute"):
        fs.Node("x", current_requests=set())


def test_simulation_fills_a_cluster_left_none_before_the_scheduler():
    seen = []

    def create(env):
        seen.append(env.cluster)
        return RoundRobinScheduler(env.cluster)

    env = fs.Environment()
    env.cluster = None
    sim = fs.Simulation(fs.Topology(nodes()), fs.Benchmark(), env)
    sim.create_scheduler = create
    sim.run()
    assert isinstance(env.cluster, ClusterContext) and seen == [env.cluster]
    env2 = fs.Environment()
    mine = ClusterContext(env2)
    env2.cluster = mine
    fs.Simulation(fs.Topology(nodes()), fs.Benchmark(), env2).run()
    assert env2.cluster is mine  # a cluster you set is kept
