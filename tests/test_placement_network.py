"""The locality priorities read the network: the registry's bandwidth to
each node and the storage bandwidths come from env.topology's routes and
env.net.storage, and the images a node holds from env.net's image cache
(pulls, evictions), as faas-sim's cluster context derives them from its
topology."""

import math

import faassim
from faassim import placement as P
from faassim.model import KubernetesResourceConfiguration, Resources
from faassim.network_topology import Link

MB = 1_000_000
GI = 2**30


def star():
    """registry -L0 (100 Mbit/s)- n0; registry -L1 (10 Mbit/s)- n1;
    registry -L2 (1000 Mbit/s)- sw -L3 (20 Mbit/s)- n2."""
    topo = faassim.Topology()
    n = [topo.add_node(faassim.Node(f"n{i}", 4000, 4 * GI)) for i in range(3)]
    reg = topo.add_hop(faassim.Hop("registry", "registry"))
    sw = topo.add_hop(faassim.Hop("sw"))
    links = [topo.add_link(Link(bandwidth=mbps * 125_000, name=f"L{i}")) for i, mbps in enumerate((100, 10, 1000, 20))]
    for a, link, b in ((reg, links[0], n[0]), (reg, links[1], n[1]), (reg, links[2], sw), (sw, links[3], n[2])):
        topo.connect(a, link, latency=0.001)
        topo.connect(link, b, latency=0.001)
    return topo


def make_env(priorities, **net):
    env = faassim.Environment(seed=3)
    env.topology = star()
    if net:
        env.net = faassim.Network(env, **net)
    env.scheduler = faassim.Scheduler(priorities=priorities, track_images=False)
    return env


def deploy(env, name, image, labels=None, replicas=1):
    fn = faassim.Function(name, [faassim.FunctionImage(image)])
    c = faassim.FunctionContainer(fn.fn_images[0], KubernetesResourceConfiguration(Resources(100, 64 * MB)),
                                  labels=labels)
    env.faas.deploy(faassim.FunctionDeployment(fn, [c], faassim.ScalingConfiguration(scale_min=replicas)))


def scores(env):
    return [n["scores"][0][1] for n in env.scheduler.explain(all_nodes=True)["nodes"]]


def latency_scores(times):
    """skippy's LatencyAwareImageLocality reduce of the map values."""
    lo, hi = min(times), max(times)
    return [0] * len(times) if hi == 0 else [int(10 * (hi - t + lo) / hi) for t in times]


def test_registry_bandwidths_come_from_the_routes():
    env = make_env([(1, P.LatencyAwareImageLocality())])
    env.container_registry.put("img", 58 * MB)
    deploy(env, "f", "img")
    env.run(until=0.001)
    # the least link on each route, in Mbit/s: 100, 10, min(1000, 20) = 20
    times = [int(58 * MB / mbps) for mbps in (100, 10, 20)]
    assert scores(env) == latency_scores(times) == [10, 1, 6]
    assert env.scheduler.explain()["node"].name == "n0"


def test_pulled_images_count_once_in_the_cache():
    env = make_env([(1, P.LatencyAwareImageLocality())])
    env.container_registry.put("img", 58 * MB)
    deploy(env, "f", "img")
    env.run(until=0.001)
    # track_images is off: only the pull in progress marks n0
    assert P.node_has_image(env, "n0", "img")
    assert not P.node_has_image(env, "n1", "img")
    env.run(until=10)
    assert env.net.images("n0") == ["img"] and P.node_has_image(env, "n0", "img")
    deploy(env, "g", "img")
    env.run(until=11)
    # n0 holds it (time 0): lo 0, hi 5.8e6 (n1)
    assert scores(env) == latency_scores([0, 58 * MB // 10, 58 * MB // 20]) == [10, 0, 5]


def test_an_evicted_image_no_longer_counts():
    env = make_env([(1, P.LatencyAwareImageLocality())], image_cache_limit=100 * MB)
    env.container_registry.put("a", 58 * MB)
    env.container_registry.put("b", 58 * MB)
    deploy(env, "f", "a")
    env.run(until=10)
    assert P.node_has_image(env, "n0", "a")
    # b would be placed on n0 too (the fastest route); its pull evicts a (58 + 58 > 100 MB)
    deploy(env, "g", "b")
    env.run(until=20)
    assert env.net.images("n0") == ["b"]
    assert P.node_has_image(env, "n0", "b") and not P.node_has_image(env, "n0", "a")


def test_data_locality_from_storage_routes():
    labels = {"data.skippy.io/receives-from-storage/path": "b/in"}
    env = make_env([(1, P.DataLocality())])
    env.container_registry.put("img", 1 * MB)
    env.net.storage.mb("b", "n2")
    env.net.storage.put(faassim.DataItem("b", "in", 10 * MB))
    deploy(env, "f", "img", labels=labels)
    env.run(until=0.001)
    # from n2: to n0 min(20, 1000, 100) = 20 Mbit/s, to n1 min(20, 1000, 10) = 10, n2 holds it
    t = [int(10 * MB / 20), int(10 * MB / 10), 0]
    lo, hi = min(t), max(t)
    assert scores(env) == [int((x - hi) / (lo - hi) * 10) for x in t] == [5, 0, 10]
    assert env.scheduler.explain()["node"].name == "n2"


def test_storage_changes_reach_the_next_placement():
    labels = {"data.skippy.io/receives-from-storage/path": "b/in"}
    env = make_env([(1, P.DataLocality())])
    env.container_registry.put("img", 1 * MB)
    env.net.storage.mb("b", "n2")
    env.net.storage.put(faassim.DataItem("b", "in", 10 * MB))
    deploy(env, "f", "img", labels=labels)
    env.run(until=0.001)
    # a second copy on n1: n1 holds it; n0 takes the least bandwidth of the two holders (skippy's choice)
    env.net.storage.mb("b", "n1")
    deploy(env, "g", "img", labels=labels)
    env.run(until=1)
    t = [int(10 * MB / min(20, 10)), 0, 0]
    lo, hi = min(t), max(t)
    assert scores(env) == [int((x - hi) / (lo - hi) * 10) for x in t] == [0, 10, 10]


def test_no_registry_leaves_the_scores_flat():
    env = faassim.Environment()
    env.topology = faassim.Topology([faassim.Node(f"n{i}", 4000, 4 * GI) for i in range(3)])
    env.scheduler = faassim.Scheduler(priorities=[(1, P.LatencyAwareImageLocality())])
    env.container_registry.put("img", 58 * MB)
    deploy(env, "f", "img")
    env.run(until=1)
    # no bandwidths: no transfer time anywhere, every node scores 0 (skippy's all-zero case)
    assert scores(env) == [0, 0, 0]
    assert not math.isnan(env.now)
