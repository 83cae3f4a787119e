"""env.net: transfers over the topology's routes, image pulls on deploy,
per-node image caches, node state. Times are computed by hand from faas-sim's
transfer model: set-up 1.5 x route rtt, then size / (share x 0.97)."""

import math

import pytest

import faassim as fs
from faassim.network_topology import Link, NoRouteError

MB = 1_000_000


def make_topology(nodes=("n0", "n1"), uplink=10 * MB, nic=100 * MB, latency=0.005, registry=True,
                  arch="x86"):
    """nodes -> own NIC link -> switch -> shared uplink -> internet hop ->
    registry (one-way latencies `latency` per connection)."""
    topo = fs.Topology()
    switch = topo.add_hop("switch")
    up = topo.add_link(Link(bandwidth=uplink, name="uplink"))
    inet = topo.add_hop("internet")
    topo.connect(switch, up, latency=latency)
    topo.connect(up, inet, latency=latency)
    for name in nodes:
        node = topo.add_node(fs.Node(name, cpu_millis=8000, memory=16 * 2**30, arch=arch))
        link = topo.add_link(Link(bandwidth=nic, name=f"nic_{name}"))
        topo.connect(node, link, latency=latency)
        topo.connect(link, switch, latency=latency)
    if registry:
        topo.init_docker_registry()
    return topo


def make_env(topo, images=(("img", 30 * MB),), seed=1):
    env = fs.Environment(seed=seed)
    env.topology = topo
    for image, size in images:
        env.container_registry.put(image, size, arch="x86")
    return env


def deployment(name="f", image="img", replicas=1, labels=None):
    fn = fs.Function(name, [fs.FunctionImage(image)])
    container = fs.FunctionContainer(fs.FunctionImage(image), labels=labels or {})
    return fs.FunctionDeployment(fn, [container], fs.ScalingConfiguration(scale_min=replicas))


def route_rtt(topo, a, b):
    return topo.route(a, b).rtt


def flows(env):
    df = env.metrics.to_numpy("flow")
    if "bytes" not in df:  # no flow row yet
        return []
    return list(zip(df["bytes"].tolist(), df["duration"].tolist(), df["source"].tolist(), df["sink"].tolist(),
                    df["action_type"].tolist()))


def running_at(env, name):
    return [r for r in env.faas.get_replicas(name) if r.state == fs.FunctionState.RUNNING]


# -- transfers ------------------------------------------------------------------------------------------


def test_lone_transfer_takes_setup_plus_size_over_goodput_share():
    topo = make_topology()
    env = make_env(topo)
    flow = env.net.transfer("n0", "n1", 4 * MB, kind="data")
    env.run()
    rtt = route_rtt(topo, "n0", "n1")
    assert rtt == pytest.approx(8 * 0.005)  # n0-nic-switch-nic-n1: 4 connections, both ways
    # the route crosses the two NICs only (100 MB/s): 4 MB at 97 MB/s
    assert flow.end == pytest.approx(1.5 * rtt + 4 * MB / (100 * MB * 0.97), rel=1e-12)
    assert flows(env) == [(4 * MB, pytest.approx(flow.end), "n0", "n1", "data")]
    assert flow.value is flow


def test_two_transfers_share_the_uplink_then_the_survivor_speeds_up():
    topo = make_topology()
    env = make_env(topo)
    a = env.net.transfer("registry", "n0", 10 * MB, setup=0.0, goodput=1.0)
    b = env.net.transfer("registry", "n1", 20 * MB, setup=0.0, goodput=1.0)
    env.run()
    # both at 5 MB/s until a has 10 MB (t = 2); b then has 10 MB left at 10 MB/s
    assert a.end == pytest.approx(2.0, rel=1e-12)
    assert b.end == pytest.approx(3.0, rel=1e-12)


def test_transfer_usable_with_yield_and_yield_from():
    topo = make_topology()
    env = make_env(topo)
    seen = []

    def proc():
        f1 = yield env.net.transfer("n0", "n1", MB, setup=0, goodput=1)
        seen.append((env.now, f1.size))
        f2 = yield from env.net.transfer("n1", "n0", MB, setup=0, goodput=1)
        seen.append((env.now, f2.size))

    env.process(proc())
    env.run()
    assert seen == [(pytest.approx(0.01), MB), (pytest.approx(0.02), MB)]


@pytest.mark.parametrize("args, exc, message", [
    (("n0", "nowhere", 1), KeyError, "nowhere"),
    (("n0", "n1", -1), ValueError, "size must be a finite number of bytes >= 0, got -1"),
    (("n0", "n1", math.nan), ValueError, "got nan"),
    (("n0", "n1", math.inf), ValueError, "got inf"),
    (("n0", "n1", "1MB"), TypeError, "size must be a number of bytes, not str"),
    ((3, "n1", 1), TypeError, "route source must be a Node, Link, Hop or a vertex name, got int 3"),
])
def test_transfer_errors_change_nothing(args, exc, message):
    env = make_env(make_topology())
    with pytest.raises(exc, match=message):
        env.net.transfer(*args)
    assert env.net.flows.flows == [] and env.peek() == math.inf


def test_no_route_is_a_clear_error():
    topo = make_topology()
    topo.add_node(fs.Node("island"))
    env = make_env(topo)
    with pytest.raises(NoRouteError, match="island"):
        env.net.transfer("n0", "island", MB)
    assert env.net.flows.flows == []


def test_low_bandwidth_guard_raises_when_asked():
    topo = make_topology(uplink=1000)
    env = make_env(topo)
    env.net = fs.Network(env, min_bandwidth=1e4, on_low_bandwidth="raise")
    with pytest.raises(fs.LowBandwidthError, match="bottleneck is 1000 bytes/s, below min_bandwidth 10000"):
        env.net.transfer("registry", "n0", MB)
    assert env.net.transfer("n0", "n1", MB) is not None  # NIC to NIC: fast enough
    with pytest.raises(ValueError, match="on_low_bandwidth must be 'slow' or 'raise'"):
        fs.Network(env, on_low_bandwidth="never")
    with pytest.raises(ValueError, match="goodput must be a number in \\(0, 1\\], got 0"):
        fs.Network(env, goodput=0)
    with pytest.raises(TypeError, match="env must be a faassim Environment"):
        fs.Network(object())


def test_links_added_later_and_bandwidth_changes_are_seen():
    topo = make_topology(nodes=("n0",))
    env = make_env(topo)
    f1 = env.net.transfer("registry", "n0", 10 * MB, setup=0, goodput=1)
    env.run()
    assert f1.end == pytest.approx(1.0)
    n1 = topo.add_node(fs.Node("n1"))
    nic = topo.add_link(Link(bandwidth=2 * MB, name="nic_n1"))
    topo.connect(n1, nic)
    topo.connect(nic, "switch")
    f2 = env.net.transfer("registry", "n1", 4 * MB, setup=0, goodput=1)
    env.run()
    assert f2.end - f2.start == pytest.approx(2.0)
    assert [link.index for link in env.net.links] == [0, 1, 2]  # uplink, nic_n0, nic_n1


# -- image pulls on deploy -------------------------------------------------------------------------------


def test_deploy_pulls_the_image_before_the_replica_starts():
    topo = make_topology(nodes=("n0",))
    env = make_env(topo)
    env.faas.deploy(deployment())
    env.run(until=100)
    (replica,) = running_at(env, "f")
    rtt = route_rtt(topo, "registry", "n0")
    expected = 1.5 * rtt + 30 * MB / (10 * MB * 0.97)  # the 10 MB/s uplink is the bottleneck
    assert flows(env) == [(30 * MB, pytest.approx(expected, rel=1e-12), "registry", "n0", "docker_pull")]
    assert replica.last_active == pytest.approx(expected, rel=1e-12)  # RUNNING right after the pull
    assert env.net.images("n0") == ["img"]


def test_concurrent_pulls_of_one_image_on_one_node_share_one_transfer_and_cache_hits_skip_it():
    topo = make_topology(nodes=("n0",))
    env = make_env(topo)
    env.faas.deploy(deployment(replicas=3))
    env.run(until=100)
    assert len(running_at(env, "f")) == 3
    assert len(flows(env)) == 1  # one pull for three replicas
    assert [r.last_active for r in running_at(env, "f")] == [pytest.approx(flows(env)[0][1])] * 3
    # the image is cached: a later replica starts at once, with no transfer
    env.faas.scale_up("f", 1)
    env.run(until=200)
    assert len(flows(env)) == 1
    newest = max(running_at(env, "f"), key=lambda r: r.replica_id)
    assert newest.last_active == 100.0


def test_pulls_on_two_nodes_share_the_uplink():
    topo = make_topology()
    env = make_env(topo)
    env.scheduler = fs.Scheduler(policy="least_allocated")
    env.faas.deploy(deployment(replicas=2))
    env.run(until=100)
    replicas = running_at(env, "f")
    assert sorted(r.node.name for r in replicas) == ["n0", "n1"]
    setup = 1.5 * route_rtt(topo, "registry", "n0")
    # two 30 MB pulls at 5 MB/s each (x 0.97)
    for _, duration, _, _, kind in flows(env):
        assert kind == "docker_pull" and duration == pytest.approx(setup + 30 * MB / (5 * MB * 0.97), rel=1e-12)


def test_no_registry_no_pull():
    topo = make_topology(nodes=("n0",), registry=False)
    env = make_env(topo)
    env.faas.deploy(deployment())
    env.run(until=10)
    (replica,) = running_at(env, "f")
    assert replica.last_active == 0.0 and flows(env) == []


def test_image_missing_for_the_node_arch():
    # placement already keeps a replica off a node whose arch has no build of its image
    topo = make_topology(nodes=("n0",), arch="arm32")
    env = make_env(topo)
    env.faas.deploy(deployment())
    env.run(until=10)
    (failed,) = env.faas.get_replicas("f", fs.FunctionState.FAILED)
    assert failed.node is None and flows(env) == []
    # an explicit pull says which image and arch, and starts nothing
    with pytest.raises(KeyError, match="image 'img' has no size for arch 'arm32'"):
        env.net.pull("img", "n0")
    with pytest.raises(KeyError, match="unknown image 'nope'"):
        env.net.pull("nope", "n0")
    assert env.net.flows.flows == [] and env.net.node_state("n0").pulling == []


def test_super_deploy_and_docker_pull_pull_too():
    topo = make_topology(nodes=("n0", "n1"))
    env = make_env(topo, images=(("img", 30 * MB), ("model", 10 * MB)))
    times = []

    class Sim(fs.FunctionSimulator):
        def deploy(self, env, replica):
            yield from super().deploy(env, replica)  # the image pull
            times.append(("image", env.now))
            yield fs.docker_pull(env, "model", replica.node)  # faas-sim's helper, any image
            times.append(("model", env.now))

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return Sim()

    env.simulator_factory = Factory()
    env.faas.deploy(deployment())
    env.run(until=100)
    setup = 1.5 * route_rtt(topo, "registry", "n0")
    t_image = setup + 30 * MB / (10 * MB * 0.97)
    t_model = t_image + setup + 10 * MB / (10 * MB * 0.97)
    assert times == [("image", pytest.approx(t_image, rel=1e-12)), ("model", pytest.approx(t_model, rel=1e-12))]
    node = running_at(env, "f")[0].node.name
    assert env.net.images(node) == ["img", "model"]


def test_image_cache_limit_evicts_least_recently_used():
    topo = make_topology(nodes=("n0",))
    env = make_env(topo, images=(("a", 30 * MB), ("b", 30 * MB), ("c", 50 * MB)))
    env.net = fs.Network(env, image_cache_limit=80 * MB)
    for image in ("a", "b", "a", "c"):
        env.run(until=env.now + 1)
        done = env.net.pull(image, "n0")
        env.run(until=env.now + 100)
        assert done.processed
    # a was used after b: c (50 MB) evicts b first, then a does not need to go (30 + 50 <= 80)
    assert env.net.images("n0") == ["a", "c"]
    assert [kind for *_, kind in flows(env)] == ["docker_pull"] * 3  # the second "a" was a hit
    with pytest.raises(ValueError, match="exceed image_cache_limit"):
        env.net = fs.Network(env, image_cache_limit=10 * MB)
        env.net.pull("c", "n0")


def test_node_state():
    topo = make_topology(nodes=("n0",))
    env = make_env(topo)
    env.faas.deploy(deployment(replicas=2))
    env.run(until=0.5)
    state = env.net.node_state("n0")
    assert state.pulling == ["img"] and state.docker_images == [] and len(state.replicas) == 2
    env.run(until=100)
    state = env.net.node_state("n0")
    assert state.pulling == [] and state.docker_images == ["img"] and state.image_bytes == 30 * MB
    assert state.allocated["cpu"] == 2000 and {r.replica_id for r in state.replicas} == {0, 1}
    with pytest.raises(KeyError, match="unknown node 'zz'"):
        env.net.node_state("zz")


def test_pulls_are_deterministic_per_seed():
    def run(seed):
        topo = make_topology(nodes=("n0", "n1", "n2"))
        env = make_env(topo, seed=seed)
        env.scheduler = fs.Scheduler(policy="random")
        env.faas.deploy(deployment(replicas=5))
        env.run(until=100)
        return flows(env), [(r.replica_id, r.node.name, r.last_active) for r in running_at(env, "f")]

    assert run(3) == run(3)


# -- storage: data downloads and uploads -------------------------------------------------------------------


def test_data_download_and_upload_by_labels_as_faas_sim():
    topo = make_topology(nodes=("n0", "store"))
    env = make_env(topo)
    env.net.storage.mb("models", "store")
    env.net.storage.put(fs.DataItem("models", "resnet", 103 * MB))
    labels = {
        "data.skippy.io/receives-from-storage": "20M",
        "data.skippy.io/receives-from-storage/path": "models/resnet",
        "data.skippy.io/sends-to-storage": "5Mi",
        "data.skippy.io/sends-to-storage/path": "models/out",
    }
    times = []

    class Sim(fs.FunctionSimulator):
        def setup(self, env, replica):
            yield from fs.simulate_data_download(env, replica)
            times.append(("down", env.now))
            yield fs.simulate_data_upload(env, replica)
            times.append(("up", env.now))

    class Factory(fs.SimulatorFactory):
        def create(self, env, container):
            return Sim()

    env.simulator_factory = Factory()
    env.scheduler = fs.Scheduler(policy="first_fit")
    env.faas.deploy(deployment(labels=labels))
    env.run(until=100)
    (replica,) = running_at(env, "f")
    assert replica.node.name == "n0"
    pull = flows(env)[0]
    setup = 1.5 * route_rtt(topo, "store", "n0")
    t_down = pull[1] + setup + 20 * MB / (100 * MB * 0.97)  # the label's size, NIC to NIC
    t_up = t_down + setup + 5 * 2**20 / (100 * MB * 0.97)
    assert times == [("down", pytest.approx(t_down, rel=1e-12)), ("up", pytest.approx(t_up, rel=1e-12))]
    assert [(f[2], f[3], f[4]) for f in flows(env)] == [
        ("registry", "n0", "docker_pull"), ("store", "n0", "data_download"), ("n0", "store", "data_upload")]
    assert flows(env)[1][0] == 20 * MB and flows(env)[2][0] == 5 * 2**20


def test_download_from_the_same_node_is_a_local_read_and_no_labels_take_no_time():
    topo = make_topology(nodes=("n0",))
    env = make_env(topo)
    env.net.storage.mb("b", "n0")
    env.net.storage.put(fs.DataItem("b", "x", 250 * MB))
    flow = env.net.download("b/x", "n0")
    env.run()
    assert flow.end == pytest.approx(250 * MB / (1.25e8 * 0.97), rel=1e-12)  # 1 Gbit/s disk read
    env.faas.deploy(deployment())
    env.run(until=env.now + 50)
    (replica,) = running_at(env, "f")
    ev = fs.simulate_data_download(env, replica)
    assert ev.triggered and ev.value is None


def test_storage_errors():
    s = fs.Storage()
    with pytest.raises(KeyError, match="unknown bucket 'b'; make it with mb"):
        s.put(fs.DataItem("b", "x", 1))
    with pytest.raises(ValueError, match="bucket must be a non-empty name without '/'"):
        s.mb("a/b", "n0")
    s.mb("b", "n0")
    with pytest.raises(ValueError, match="size of 'b/x' must be a finite number of bytes >= 0, got -1"):
        s.put(fs.DataItem("b", "x", -1))
    with pytest.raises(KeyError, match="no storage node holds 'zz/x'"):
        s.get_storage_nodes("zz/x")
    with pytest.raises(KeyError, match="no data item 'b/y'"):
        s.size("b/y")
    assert s.buckets == {"b": ["n0"]} and s.data_items == []


def test_env_get_node_state_is_faas_sims_name_for_net_node_state():
    env = make_env(make_topology(nodes=("n0",)))
    env.faas.deploy(deployment())
    env.run(until=50)
    state = env.get_node_state("n0")
    assert isinstance(state, fs.NodeState) and state.docker_images == ["img"] and len(state.replicas) == 1
    with pytest.raises(KeyError, match="unknown node 'x'"):
        env.get_node_state("x")


def test_a_size_label_without_its_path_label_is_a_clear_error():
    env = make_env(make_topology(nodes=("n0",)))
    env.faas.deploy(deployment(labels={"data.skippy.io/receives-from-storage": "1M"}))
    env.run(until=50)
    (replica,) = running_at(env, "f")
    with pytest.raises(KeyError, match="needs 'data.skippy.io/receives-from-storage/path'"):
        fs.simulate_data_download(env, replica)
    assert fs.simulate_data_upload(env, replica).triggered  # no upload label: nothing to do
