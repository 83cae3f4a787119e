"""The network part of the topology: links, hops, connections, routes, the
ether builders (faassim.cells) and the networkx conversions."""

import math
import random

import pytest

import faassim as fs
from faassim import cells
from faassim import Connection, Hop, Link, Node, NoRouteError, Topology, mbit, ms
from faassim.cells import (
    BusinessIsp,
    Cloudlet,
    FiberToExchange,
    GeoCell,
    HeterogeneousUrbanSensingScenario,
    IndustrialIoTScenario,
    Internet,
    IoTComputeBox,
    LANCell,
    MobileConnection,
    SharedLinkCell,
    UpDownLink,
    UrbanSensingScenario,
    CloudRegionsScenario,
    all_internet_topology,
    nodes,
    urban_sensing_topology,
)
from faassim.distributions import Constant, Empirical, Exponential, LogNormal, Normal, Uniform
from faassim.network_topology import latency

# ether's latency distributions, modes in ms (loc + scale * exp(-s^2))
LAN_MODE_MS = 0.35 + 0.16 * math.exp(-0.25**2)
MOBILE_MODE_MS = 16.2 + 8.02 * math.exp(-0.49**2)
BUSINESS_MODE_MS = 5.95 + 1.21 * math.exp(-0.87**2)


def names(vertices):
    return [str(v) for v in vertices]


# ---------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------


def test_unit_helpers():
    assert mbit(1) == 125_000.0
    assert mbit(500) == 62_500_000.0
    assert ms(20) == 0.02
    assert ms(0) == 0.0
    d = ms(LogNormal(0.25, loc=0.35, scale=0.16, xmax=10))
    assert (d.s, d.loc, d.scale, d.xmax) == (0.25, 0.35e-3, 0.16e-3, 10e-3)
    assert ms(Uniform(1, 3)) == Uniform(1e-3, 3e-3)
    assert ms(Exponential(0.5)).mean() == pytest.approx(2e-3)
    assert ms(Empirical([1, 2])) == Empirical([1e-3, 2e-3])
    assert ms(Normal(5, 1, xmin=0)).mu == 5e-3


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, -math.inf])
def test_mbit_refuses_bad_values(bad):
    with pytest.raises(ValueError, match="Mbit/s"):
        mbit(bad)


@pytest.mark.parametrize("bad", ["100", None, True])
def test_unit_helpers_refuse_non_numbers(bad):
    with pytest.raises(TypeError):
        mbit(bad)
    with pytest.raises(TypeError):
        ms(bad)


def test_latency_presets_are_ethers_in_seconds():
    assert latency.lan == LogNormal(0.25, loc=0.35e-3, scale=0.16e-3)
    assert latency.mobile_isp == LogNormal(0.49, loc=16.2e-3, scale=8.02e-3)
    assert latency.business_isp == LogNormal(0.87, loc=5.95e-3, scale=1.21e-3)
    assert latency.wlan == LogNormal(0.635, loc=1.18e-3, scale=3.27e-3)
    assert latency.mode(latency.lan) == pytest.approx(LAN_MODE_MS / 1000, rel=1e-12)


# ---------------------------------------------------------------------------
# links, hops, connections
# ---------------------------------------------------------------------------


def test_link_bandwidth_units():
    assert Link(1e6).bandwidth == 1e6
    assert Link(bandwidth_mbit=8).bandwidth == 1e6
    assert Link(mbit(8)).bandwidth_mbit == 8.0
    link = Link(5, tags={"name": "shared_0", "type": "shared"})
    assert (link.name, link.tags["type"], link.index) == ("shared_0", "shared", None)
    assert Link(5, name="x").name == "x"


@pytest.mark.parametrize(
    "args, kwargs, exc, fragment",
    [
        ((), {}, TypeError, "exactly one"),
        ((5,), {"bandwidth_mbit": 5}, TypeError, "exactly one"),
        ((0,), {}, ValueError, "got 0"),
        ((-3,), {}, ValueError, "got -3"),
        ((math.nan,), {}, ValueError, "got nan"),
        ((math.inf,), {}, ValueError, "got inf"),
        (("100",), {}, TypeError, "'100'"),
        ((), {"bandwidth_mbit": -1}, ValueError, "-1"),
        ((), {"bandwidth_mbit": math.nan}, ValueError, "nan"),
        ((5,), {"name": ""}, ValueError, "name"),
    ],
)
def test_link_refuses(args, kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        Link(*args, **kwargs)


def test_connection_latencies():
    c = Connection("a", "b", 0.002)
    assert (c.latency, c.latency_dist, c.nominal_latency) == (0.002, None, 0.002)
    assert Connection("a", "b", latency_ms=2).latency == 0.002
    d = Connection("a", "b", latency_dist=latency.lan)
    assert d.latency_dist is latency.lan
    assert d.latency == pytest.approx(LAN_MODE_MS / 1000, rel=1e-12)
    assert d.get_mode_latency() == d.latency
    assert d.get_mean_latency() == latency.lan.mean()
    assert Connection("a", "b", latency.lan).latency_dist is latency.lan  # a distribution as latency
    e = Connection("a", "b", latency_ms=LogNormal(0.25, loc=0.35, scale=0.16))
    assert e.latency_dist == latency.lan
    src, dst, lat, dist = Connection("a", "b", 1.5)  # ether's NamedTuple shape
    assert (src, dst, lat, dist) == ("a", "b", 1.5, None)
    with pytest.raises(AttributeError):
        c.latency = 1


def test_connection_modes_of_distributions():
    assert Connection("a", "b", Constant(0.3)).latency == 0.3
    assert Connection("a", "b", Uniform(0.1, 0.3)).latency == pytest.approx(0.2)
    assert Connection("a", "b", Exponential(10.0, xmin=0.05)).latency == 0.05
    assert Connection("a", "b", Normal(0.2, 0.1, xmin=0)).latency == 0.2
    assert Connection("a", "b", Empirical([0.3, 0.1, 0.3, 0.1, 0.2])).latency == 0.1  # most frequent, smallest
    lognormal = LogNormal(0.5, loc=0.01, scale=0.02)
    assert Connection("a", "b", lognormal).latency == pytest.approx(0.01 + 0.02 * math.exp(-0.25))


@pytest.mark.parametrize(
    "kwargs, exc, fragment",
    [
        ({"latency": -0.1}, ValueError, "-0.1"),
        ({"latency": math.nan}, ValueError, "nan"),
        ({"latency": math.inf}, ValueError, "inf"),
        ({"latency": "5ms"}, TypeError, "'5ms'"),
        ({"latency_ms": -2}, ValueError, "-2"),
        ({"latency": 0.1, "latency_ms": 2}, TypeError, "not both"),
        ({"latency": Normal(0.1, 0.01)}, ValueError, "negative"),
        ({"latency": LogNormal(0.5, loc=-1.0)}, ValueError, "negative"),
        ({"latency_dist": 0.1}, TypeError, "latency_dist"),
        ({"latency": 0.1, "latency_dist": latency.lan}, TypeError, "one of"),
    ],
)
def test_connection_refuses(kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        Connection("sw", "uplink", **kwargs)


# ---------------------------------------------------------------------------
# the topology as before: compute nodes only
# ---------------------------------------------------------------------------


def small_lan():
    """a_0 and a_1 with their links behind switch_0, a hop ``internet``."""
    t = Topology([Node("a_0"), Node("a_1")])
    for n in ("a_0", "a_1"):
        link = t.add_link(Link(bandwidth_mbit=1000, name=f"link_{n}"))
        t.connect(n, link, latency_ms=0.5)
        t.connect(link, "switch_0", create=True)
    t.connect("switch_0", "internet", latency_ms=10, create=True)
    return t


def test_node_container_sees_compute_nodes_only():
    t = small_lan()
    assert len(t) == 2
    assert [n.name for n in t] == ["a_0", "a_1"] == [n.name for n in t.get_nodes()]
    assert "a_0" in t and "switch_0" not in t and "link_a_0" not in t
    assert t.has_vertex("switch_0") and t.has_vertex("link_a_0") and not t.has_vertex("b")
    with pytest.raises(KeyError, match="unknown node 'switch_0'"):
        t.find_node("switch_0")
    assert isinstance(t.vertex("switch_0"), Hop)
    assert names(t.get_hops()) == ["switch_0", "internet"]
    assert [(link.name, link.index) for link in t.get_links()] == [("link_a_0", 0), ("link_a_1", 1)]
    assert names(t.vertices()) == ["a_0", "a_1", "link_a_0", "switch_0", "link_a_1", "internet"]
    assert repr(t) == "Topology(2 nodes, 2 hops, 2 links, 10 edges)"
    assert repr(Topology([Node("x")])) == "Topology(1 nodes)"


def test_platform_sees_compute_nodes_only():
    t = small_lan()
    t.init_docker_registry()
    env = fs.Environment(seed=1)
    env.topology = t
    env.faas  # the platform reads the topology's nodes
    assert [n.name for n in env.faas.nodes] == ["a_0", "a_1"]


def test_link_index_is_insertion_order_and_names_are_given():
    t = Topology()
    a, b, c = Link(1), Link(2, name="named"), Link(3)
    t.add_connection(Connection("h", a))
    t.add_link(b)
    t.add_connection(Connection(c, "h"))
    assert [(x.index, x.name) for x in (a, b, c)] == [(0, "link#0"), (1, "named"), (2, "link#2")]
    assert t.get_links() == [a, b, c]


# ---------------------------------------------------------------------------
# errors leave the topology unchanged
# ---------------------------------------------------------------------------


def snapshot(t):
    return (t.version, names(t.vertices()), [(str(a), str(b), c.latency) for a, b, c in t.edges()])


def test_errors_change_nothing():
    t = small_lan()
    before = snapshot(t)
    with pytest.raises(ValueError, match="already has a hop named 'switch_0'"):
        t.add_node(Node("switch_0"))
    with pytest.raises(ValueError, match="already has a node named 'a_0'"):
        t.add_link(Link(1, name="a_0"))
    with pytest.raises(ValueError, match="already has a link named 'link_a_0'"):
        t.add_hop("link_a_0")
    with pytest.raises(ValueError, match="cannot be connected directly"):
        t.add_connection(Connection(Node("n_9"), t.find_node("a_0")))  # n_9 is not added either
    with pytest.raises(KeyError, match="'nowhere'"):
        t.connect("a_0", "nowhere")  # strict: unknown ends are errors
    with pytest.raises(ValueError, match="latency"):
        t.connect("switch_0", "new_hop", latency=-1, create=True)
    with pytest.raises(ValueError, match="two different vertices"):
        t.connect("switch_0", "switch_0")
    other = Topology()
    owned = other.add_link(Link(1, name="owned"))
    with pytest.raises(ValueError, match="another topology"):
        t.add_connection(Connection("switch_0", owned))
    with pytest.raises(ValueError, match="already has a node named 'a_1'"):
        t.add_connection(Connection(Node("a_1"), "switch_0"))  # a different node of a taken name
    with pytest.raises(KeyError, match="no connection"):
        t.set_latency("a_0", "switch_0", 0.1)
    with pytest.raises(TypeError, match="Connection"):
        t.add_connection(("a_0", "switch_0"))
    assert snapshot(t) == before
    assert not t.has_vertex("new_hop") and not t.has_vertex("n_9")


def test_add_connection_creates_vertices_like_ether():
    t = Topology()
    n = Node("rpi3_0")
    nic = Link(bandwidth_mbit=1000, name="link_rpi3_0")
    t.add_connection(Connection(n, nic, latency.lan))
    t.add_connection(Connection(nic, "switch_lan_0"))
    assert t.get_nodes() == [n] and t.get_links() == [nic] and names(t.get_hops()) == ["switch_lan_0"]
    assert t.get_connection(n, nic) is t.get_connection(nic, n)  # undirected: one connection both ways
    t.add_connection(Connection("switch_lan_0", "internet", 0.01), directed=True)
    assert names(t.successors("internet")) == []
    # an existing edge is replaced (networkx's rule); the edge count does not grow
    t.add_connection(Connection("switch_lan_0", "internet", 0.02), directed=True)
    assert t.get_connection("switch_lan_0", "internet").latency == 0.02
    assert len(t.edges()) == 5


# ---------------------------------------------------------------------------
# routes
# ---------------------------------------------------------------------------


def two_nodes(t):
    """Nodes s and d with their links ls and ld; returns the two links."""
    ls, ld = Link(bandwidth_mbit=100, name="ls"), Link(bandwidth_mbit=40, name="ld")
    t.add_connection(Connection(Node("s"), ls))
    t.add_connection(Connection(Node("d"), ld))
    return ls, ld


def test_lowest_latency_wins_over_fewer_hops():
    t = Topology()
    ls, ld = two_nodes(t)
    t.connect(ls, "x", 0.010, create=True)  # 2 edges of 10 ms
    t.connect("x", ld, 0.010)
    t.connect(ls, "y1", 0.001, create=True)  # 4 edges of 1 ms
    t.connect("y1", "y2", 0.001, create=True)
    t.connect("y2", "y3", 0.001, create=True)
    t.connect("y3", ld, 0.001)
    r = t.route("s", "d")
    assert names(r.path) == ["s", "ls", "y1", "y2", "y3", "ld", "d"]
    assert r.rtt == pytest.approx(0.008)
    assert r.latency == pytest.approx(0.004)
    assert r.links == r.hops == (ls, ld)
    assert r.link_ids == (0, 1)
    assert r.bandwidth == mbit(40)
    assert t.latency("s", "d") == r.latency
    assert names(t.path("s", "d")) == names(r.path)


def test_equal_latency_prefers_fewer_hops():
    t = Topology()
    ls, ld = two_nodes(t)
    t.connect(ls, "p", 0.001, create=True)
    t.connect("p", "q", 0.001, create=True)
    t.connect("q", ld, 0.0)
    t.connect(ls, "r", 0.002, create=True)
    t.connect("r", ld, 0.0)
    assert names(t.route("s", "d").path) == ["s", "ls", "r", "ld", "d"]


@pytest.mark.parametrize("first", ["p", "q"])
def test_ties_are_broken_by_insertion_order(first):
    t = Topology()
    ls, ld = two_nodes(t)
    second = "q" if first == "p" else "p"
    for hop in (first, second):
        t.add_hop(hop)
    for hop in ("p", "q"):  # the same edges in the same order either way
        t.connect(ls, hop, 0.003)
        t.connect(hop, ld, 0.004)
    assert names(t.route("s", "d").path) == ["s", "ls", first, "ld", "d"]
    assert names(t.route("d", "s").path) == ["d", "ld", first, "ls", "s"]


def test_directed_edges_are_respected():
    t = Topology()
    ls, ld = two_nodes(t)
    t.connect(ls, "fast", 0.001, create=True, directed=True)
    t.connect("fast", ld, 0.001, directed=True)
    t.connect(ls, "slow", 0.005, create=True)
    t.connect("slow", ld, 0.005)
    assert names(t.route("s", "d").path) == ["s", "ls", "fast", "ld", "d"]
    assert names(t.route("d", "s").path) == ["d", "ld", "slow", "ls", "s"]
    assert t.route("d", "s").rtt == pytest.approx(0.02)


def test_directed_edge_in_a_tree_part():
    t = Topology()
    ls, ld = two_nodes(t)
    t.connect(ls, "sw", 0.001, create=True, directed=True)  # ls -> sw only
    t.connect(ld, "sw", 0.001)
    assert names(t.route("s", "d").path) == ["s", "ls", "sw", "ld", "d"]
    with pytest.raises(NoRouteError, match="no route from 'd' to 's'"):
        t.route("d", "s")
    with pytest.raises(NoRouteError):
        t.route("sw", "ls")


def test_no_route_and_unknown_vertices():
    t = small_lan()
    t.add_node(Node("island_0"))
    with pytest.raises(NoRouteError, match="no route from 'a_0' to 'island_0'") as info:
        t.route("a_0", "island_0")
    assert isinstance(info.value, LookupError)
    with pytest.raises(KeyError, match="'ghost'"):
        t.route("a_0", "ghost")
    with pytest.raises(KeyError, match="'ghost'"):
        t.route("ghost", "a_0")
    with pytest.raises(KeyError, match="not a vertex of this topology"):
        t.route(Node("a_0"), "a_1")  # same name, another object
    with pytest.raises(TypeError, match="vertex name"):
        t.route(3, "a_1")


def test_route_to_itself_is_empty():
    t = small_lan()
    r = t.route("a_0", "a_0")
    assert names(r.path) == ["a_0"] and r.links == () and r.rtt == 0.0 and r.bandwidth == math.inf
    assert r.sample_rtt(fs.Random(1)) == 0.0


def test_route_endpoints_are_vertices_and_names():
    t = small_lan()
    a0 = t.find_node("a_0")
    r = t.route(a0, "internet")
    assert r.source is a0 and r.destination is t.vertex("internet")
    assert names(r.path) == ["a_0", "link_a_0", "switch_0", "internet"]
    assert r.rtt == pytest.approx(2 * (0.0005 + 0.010))
    assert t.route(a0, t.vertex("internet")) is r  # cached


def test_cache_is_dropped_on_every_change():
    t = small_lan()
    r1 = t.route("a_0", "a_1")
    assert t.route("a_0", "a_1") is r1
    v = t.version
    t.set_latency("a_1", "link_a_1", 0.004)  # undirected: both ways change
    assert t.version > v
    r2 = t.route("a_0", "a_1")
    assert r2 is not r1 and r2.rtt == pytest.approx(2 * (0.0005 + 0.004))
    assert t.route("a_1", "a_0").rtt == pytest.approx(r2.rtt)
    # a shortcut added later is taken
    t.add_hop("shortcut")
    assert t.route("a_0", "a_1") is not r2
    t.connect("link_a_0", "shortcut", 0.0)
    t.connect("shortcut", "link_a_1", 0.0)
    t.set_latency("link_a_0", "switch_0", 0.001)
    assert names(t.route("a_0", "a_1").path)[2] == "shortcut"
    # a new node is routable at once
    t.add_connection(Connection(Node("a_2"), "switch_0"))
    assert names(t.route("a_2", "a_0").path) == ["a_2", "switch_0", "link_a_1", "shortcut", "link_a_0", "a_0"]


def test_sampled_rtt_is_deterministic_per_seed():
    t = Topology()
    ls, ld = two_nodes(t)
    t.connect("s", ls, latency.lan)
    t.connect(ls, "sw", 0.003, create=True)
    t.connect("sw", ld, latency.mobile_isp)
    route = t.route("s", "d")
    assert route.rtt == pytest.approx(2 * (LAN_MODE_MS + 3 + MOBILE_MODE_MS) / 1000)
    draws = [route.sample_rtt(fs.Random(7)) for _ in range(2)]
    assert draws[0] == draws[1]
    rng = fs.Random(7)
    expected = 2 * (latency.lan.sample(rng) + 0.003 + latency.mobile_isp.sample(rng))
    assert draws[0] == expected
    assert route.sample_rtt(fs.Random(8)) != draws[0]
    rng = fs.Random(3)
    many = [route.sample_rtt(rng) for _ in range(20000)]
    mean = 2 * (latency.lan.mean() + 0.003 + latency.mobile_isp.mean())
    assert sum(many) / len(many) == pytest.approx(mean, rel=0.01)


def test_route_is_immutable():
    r = small_lan().route("a_0", "a_1")
    with pytest.raises(AttributeError):
        r.rtt = 0


def random_graph(seed, n_core=30, n_leaves=60):
    """A random topology: a core of hops with random (partly directed)
    edges, trees of links and nodes hanging off it."""
    rnd = random.Random(seed)
    t = Topology()
    core = [t.add_hop(f"h{i}") for i in range(n_core)]
    for _ in range(n_core * 3):
        a, b = rnd.sample(core, 2)
        t.connect(a, b, rnd.choice([0.0, 0.001, 0.002, rnd.random() / 100]), directed=rnd.random() < 0.3)
    attach = list(core)
    for i in range(n_leaves):
        parent = rnd.choice(attach)
        if rnd.random() < 0.5:
            link = t.add_link(Link(1e6, name=f"l{i}"))
            t.connect(parent, link, rnd.random() / 100, directed=rnd.random() < 0.1)
            attach.append(link)
        else:
            node = t.add_node(Node(f"n_{i}"))
            parent_link = parent if isinstance(parent, Link) else t.add_link(Link(1e6, name=f"nic{i}"))
            if parent_link is not parent:
                t.connect(parent, parent_link, 0.0)
            t.connect(node, parent_link, rnd.random() / 100)
    return t


def reference_lengths(t, source):
    """Lowest latencies from ``source`` by Bellman-Ford over t.edges() (a
    reference that shares no code with Topology.route)."""
    edges = [(str(a), str(b), c.latency) for a, b, c in t.edges()]
    dist = {source: 0.0}
    for _ in range(len(t.vertices())):
        changed = False
        for a, b, w in edges:
            if a in dist and dist[a] + w < dist.get(b, math.inf):
                dist[b] = dist[a] + w
                changed = True
        if not changed:
            break
    return dist


@pytest.mark.parametrize("seed", range(8))
def test_routes_agree_with_a_reference(seed):
    t = random_graph(seed)
    everyone = names(t.vertices())
    rnd = random.Random(seed)
    for src in rnd.sample(everyone, 12):
        lengths = reference_lengths(t, src)
        for dst in everyone:
            if dst in lengths:
                r = t.route(src, dst)
                assert r.latency == pytest.approx(lengths[dst], abs=1e-15)
                assert names(r.path)[0] == src and names(r.path)[-1] == dst
                assert len(set(names(r.path))) == len(r.path)  # a simple path
                hops = [t.get_connection(a, b).latency for a, b in zip(r.path, r.path[1:])]  # every edge exists
                assert sum(hops) == pytest.approx(r.latency, abs=1e-15)
            else:
                with pytest.raises(NoRouteError):
                    t.route(src, dst)


@pytest.mark.parametrize("seed", range(3))
def test_routes_agree_with_networkx_dijkstra(seed):
    nx = pytest.importorskip("networkx")
    t = random_graph(100 + seed)
    g = nx.DiGraph()
    for a, b, c in t.edges():
        g.add_edge(str(a), str(b), weight=c.latency)
    for src in names(t.vertices())[::9]:
        lengths = nx.single_source_dijkstra_path_length(g, src) if src in g else {src: 0.0}
        for dst, length in lengths.items():
            assert t.route(src, dst).latency == pytest.approx(length, abs=1e-15)


def test_routes_are_the_same_however_they_are_asked_for():
    t1, t2 = random_graph(11), random_graph(11)
    everyone = names(t1.vertices())
    pairs = [(a, b) for a in everyone[::7] for b in everyone[::5]]

    def paths(t, order):
        out = {}
        for a, b in order:
            try:
                out[a, b] = names(t.route(a, b).path)
            except NoRouteError:
                out[a, b] = None
        return out

    assert paths(t1, pairs) == paths(t2, list(reversed(pairs)))


# ---------------------------------------------------------------------------
# registry, internet
# ---------------------------------------------------------------------------


def test_docker_registry_is_a_hop_on_every_internet_hop():
    t = small_lan()
    t.add(Internet(latencies_ms={("eu", "us"): 80}))
    registry = t.init_docker_registry()
    assert isinstance(registry, Hop) and registry.kind == "registry"
    assert [n.name for n in t.get_nodes()] == ["a_0", "a_1"]
    assert sorted(names(t.successors("registry"))) == ["internet", "internet_eu", "internet_us"]
    r = t.route("registry", "a_1")
    assert names(r.path) == ["registry", "internet", "switch_0", "link_a_1", "a_1"]
    assert r.rtt == pytest.approx(2 * 0.0105)
    assert t.init_docker_registry() is registry  # idempotent
    assert len(t.edges()) == 10 + 2 + 6


def test_internet_regions():
    t = Topology().add(Internet(latencies={("a", "b"): 0.05, ("b", "c"): 0.02, ("a", "c"): 0.1}))
    assert names(t.route("internet_a", "internet_c").path) == ["internet_a", "internet_b", "internet_c"]
    assert t.latency("internet_a", "internet_c") == pytest.approx(0.07)
    assert {h.kind for h in t.get_hops()} == {"internet"}
    t.add(CloudRegionsScenario(["internet_a", "internet_c"], [(2, 1), (1, 2)]))
    assert len(t.get_nodes()) == 4
    assert names(t.route("server_0", "server_3").path) == [
        "server_0", "link_server_0", "switch_lan_0", "switch_cloudlet_0", "internet_a", "internet_b",
        "internet_c", "switch_cloudlet_1", "switch_lan_2", "link_server_3", "server_3",
    ]
    with pytest.raises(TypeError, match="exactly one"):
        Internet()


def test_load_inet_graph():
    nx = pytest.importorskip("networkx")
    g = nx.DiGraph()
    g.add_edge("eu", "us", latency=80.0)
    g.add_edge("us", "eu", latency=90.0)
    t = Topology()
    t.load_inet_graph(g, latency_unit="ms")
    assert t.latency("internet_eu", "internet_us") == pytest.approx(0.08)
    assert t.latency("internet_us", "internet_eu") == pytest.approx(0.09)
    with pytest.raises(TypeError):
        t.load_inet_graph(g)  # the unit must be given
    with pytest.raises(FileNotFoundError, match="cloudping"):
        t.load_inet_graph("cloudping", latency_unit="ms")


# ---------------------------------------------------------------------------
# networkx
# ---------------------------------------------------------------------------


def test_networkx_round_trip():
    pytest.importorskip("networkx")
    t = small_lan()
    t.init_docker_registry()
    t.connect("internet", "link_a_1", latency.mobile_isp, directed=True)
    g = t.to_networkx()
    assert g.nodes["a_0"]["node"] is t.find_node("a_0")
    assert g.nodes["link_a_0"] == {"kind": "link", "bandwidth": mbit(1000), "tags": {}}
    assert g.edges["internet", "link_a_1"]["latency"] == latency.mobile_isp
    u = Topology.from_networkx(g)
    assert names(u.vertices()) == names(t.vertices())
    assert [type(v) for v in u.vertices()] == [type(v) for v in t.vertices()]
    assert [(link.name, link.index, link.bandwidth) for link in u.get_links()] == [
        (link.name, link.index, link.bandwidth) for link in t.get_links()
    ]
    assert [(str(a), str(b), c.latency, c.latency_dist) for a, b, c in u.edges()] == [
        (str(a), str(b), c.latency, c.latency_dist) for a, b, c in t.edges()
    ]
    for a, b in [("a_0", "a_1"), ("registry", "a_1"), ("a_1", "internet"), ("internet", "a_1")]:
        assert names(u.route(a, b).path) == names(t.route(a, b).path)
        assert u.route(a, b).rtt == t.route(a, b).rtt


def test_from_networkx_attributes():
    nx = pytest.importorskip("networkx")
    g = nx.Graph()
    g.add_node("rpi3_0", device_type="rpi3")
    g.add_node("srv_0", kind="node", cpu_millis=8000, memory="16Gi")
    g.add_node("wifi", bandwidth_mbit=300)
    g.add_node("sw", hop_kind="switch")
    g.add_edge("rpi3_0", "wifi", latency_ms=2)
    g.add_edge("wifi", "sw")
    g.add_edge("sw", "srv_0", latency=0.001)
    t = Topology.from_networkx(g)
    assert t.find_node("rpi3_0").arch == "arm32" and t.find_node("srv_0").cpu_millis == 8000
    assert t.vertex("wifi").bandwidth == mbit(300) and t.vertex("sw").kind == "switch"
    assert t.route("srv_0", "rpi3_0").rtt == pytest.approx(2 * 0.003)  # undirected graph: both ways
    bad = nx.Graph()
    bad.add_node("x", kind="router")
    with pytest.raises(ValueError, match="kind 'router'"):
        Topology.from_networkx(bad)
    bad = nx.Graph()
    bad.add_edge("x", "y", weight=3)
    with pytest.raises(ValueError, match="unknown attributes"):
        Topology.from_networkx(bad)


def test_networkx_missing_is_explained(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(ImportError, match="needs networkx"):
        small_lan().to_networkx()
    with pytest.raises(ImportError, match="needs networkx"):
        Topology.from_networkx(object())


# ---------------------------------------------------------------------------
# ether's cells and scenarios
# ---------------------------------------------------------------------------


def counts(t):
    return len(t.get_nodes()), len(t.get_links()), len(t.get_hops()), len(t.edges())


def test_lan_cell_with_updown_link():
    t = Topology().add(LANCell([nodes.rpi3, nodes.nuc], backhaul=BusinessIsp("internet")))
    assert [n.name for n in t.get_nodes()] == ["rpi3_0", "nuc_0"]
    assert t.find_node("nuc_0").node_type == "nuc" and t.find_node("rpi3_0").arch == "arm32"
    links = {link.name: link for link in t.get_links()}
    assert {k: v.bandwidth_mbit for k, v in links.items()} == {
        "link_rpi3_0": 1000, "link_nuc_0": 1000, "up_lan_0": 50, "down_lan_0": 500
    }
    assert links["up_lan_0"].tags == {"type": "uplink", "name": "up_lan_0"}
    up = t.route("rpi3_0", "internet")
    assert names(up.path) == ["rpi3_0", "link_rpi3_0", "switch_lan_0", "up_lan_0", "internet"]
    assert up.rtt == pytest.approx(2 * (LAN_MODE_MS + BUSINESS_MODE_MS) / 1000)
    down = t.route("internet", "nuc_0")
    assert names(down.path) == ["internet", "down_lan_0", "switch_lan_0", "link_nuc_0", "nuc_0"]
    assert down.rtt == up.rtt
    assert counts(t) == (2, 4, 2, 12)


def test_shared_link_cell_and_plain_backhaul():
    t = Topology()
    t.add(SharedLinkCell([nodes.rpi3, IoTComputeBox([nodes.tx2])], shared_bandwidth_mbit=500, backhaul="internet"))
    shared = t.vertex("shared_0")
    assert shared.bandwidth == mbit(500) and shared.tags["type"] == "shared"
    r = t.route("rpi3_0", "tx2_0")
    assert names(r.path) == ["rpi3_0", "link_rpi3_0", "shared_0", "switch_lan_0", "link_tx2_0", "tx2_0"]
    assert r.links == (t.vertex("link_rpi3_0"), shared, t.vertex("link_tx2_0"))
    assert r.rtt == pytest.approx(2 * 3 * LAN_MODE_MS / 1000)
    assert t.get_connection("shared_0", "internet").latency == 0.0  # ether: no latency to a plain backhaul
    assert SharedLinkCell([]).shared_bandwidth == mbit(300)  # ether's default


def test_updown_link_units_and_checks():
    u = UpDownLink(bw_down_mbit=100, bw_up=1e6)
    assert (u.bw_down, u.bw_up) == (mbit(100), 1e6)
    assert MobileConnection().bw_down_mbit == 125 and MobileConnection().bw_up_mbit == 25
    assert FiberToExchange().bw_up_mbit == 1000
    with pytest.raises(TypeError, match="bandwidth"):
        UpDownLink()
    with pytest.raises(ValueError):
        UpDownLink(bw_down_mbit=-5)
    with pytest.raises(ValueError, match="negative"):
        UpDownLink(bw_down=1, latency_dist=Normal(0, 1))


def test_node_factories_name_per_topology():
    t1 = Topology().add(LANCell([nodes.rpi3, nodes.rpi3]))
    t2 = Topology().add(LANCell([nodes.rpi3]))
    assert [n.name for n in t1] == ["rpi3_0", "rpi3_1"] and [n.name for n in t2] == ["rpi3_0"]
    assert nodes.xeongpu("xeongpu_4").accelerators == {"gpu": 1}
    s = nodes.server("server_9")
    assert (s.cpu_millis, s.memory, s.arch) == (88000, 188 * 10**9, "x86")
    with pytest.raises(TypeError, match="needs a name"):
        nodes.rpi3()


def test_cloudlet():
    t = Topology().add(Cloudlet(3, 2, backhaul=FiberToExchange("internet")))
    assert [n.name for n in t] == [f"server_{i}" for i in range(6)]
    assert names(t.get_hops()) == ["switch_cloudlet_0", "switch_lan_0", "switch_lan_1", "internet"]
    assert counts(t) == (6, 6 + 2, 4, 6 * 4 + 2 * 2 + 4)
    r = t.route("server_0", "server_5")
    assert names(r.path) == [
        "server_0", "link_server_0", "switch_lan_0", "switch_cloudlet_0", "switch_lan_1", "link_server_5", "server_5"
    ]
    assert r.rtt == pytest.approx(2 * 4 * LAN_MODE_MS / 1000)


def test_urban_sensing_as_ether_builds_it():
    # ether 0.3.3: UrbanSensingScenario(num_cells=2, cell_density=3, cloudlet_size=(4, 2)) builds,
    # per neighborhood (d = 3): d boxes of 2 rpi3 and a box of 1 nuc + 2d tx2 on a 500 Mbit/s shared
    # link with a mobile up/downlink; then a cloudlet of 2 racks of 4 servers on fiber.
    t = Topology().add(UrbanSensingScenario(num_cells=2, cell_density=3, cloudlet_size=(4, 2)))
    d = 3
    per_cell = (4 * d + 1, 4 * d + 4, d + 1, 4 * (4 * d + 1) + 2 * (d + 1) + 4)
    cloudlet = (8, 8 + 2, 2 + 1, 8 * 4 + 2 * 2 + 4)
    assert counts(t) == (
        2 * per_cell[0] + cloudlet[0],
        2 * per_cell[1] + cloudlet[1],
        2 * per_cell[2] + cloudlet[2] + 1,  # + internet
        2 * per_cell[3] + cloudlet[3],
    ) == (34, 42, 12, 168)  # what ether 0.3.3 builds
    kinds = {}
    for n in t:
        kinds[n.node_type] = kinds.get(n.node_type, 0) + 1
    assert kinds == {"rpi3": 12, "nuc": 2, "tx2": 12, "server": 8}
    bandwidths = sorted({(link.tags["type"], link.bandwidth_mbit) for link in t.get_links()})
    assert bandwidths == [("downlink", 125), ("downlink", 1000), ("node", 1000), ("shared", 500), ("uplink", 25), ("uplink", 1000)]
    # the routes ether 0.3.3 returns (its rtt in ms: 4.002448720401249, 50.01931010400537)
    r = t.route("rpi3_0", "tx2_0")
    assert names(r.path) == ["rpi3_0", "link_rpi3_0", "switch_lan_0", "shared_0", "switch_lan_3", "link_tx2_0", "tx2_0"]
    assert r.rtt == pytest.approx(2 * 4 * LAN_MODE_MS / 1000, rel=1e-12)
    assert r.rtt * 1000 == pytest.approx(4.002448720401249, rel=1e-12)
    r = t.route("server_7", "rpi3_11")
    assert names(r.path) == [
        "server_7", "link_server_7", "switch_lan_9", "switch_cloudlet_0", "up_cloudlet_0", "internet",
        "down_shared_1", "shared_1", "switch_lan_6", "link_rpi3_11", "rpi3_11",
    ]
    assert r.rtt == pytest.approx(2 * (5 * LAN_MODE_MS + MOBILE_MODE_MS) / 1000, rel=1e-12)
    assert r.rtt * 1000 == pytest.approx(50.01931010400537, rel=1e-12)
    assert r.bandwidth == mbit(125)


def test_urban_sensing_density_is_drawn_from_the_rng():
    def build(seed):
        return Topology().add(UrbanSensingScenario(num_cells=4, rng=fs.Random(seed)))

    a, b = build(5), build(5)
    assert [(str(x), str(y), c.latency) for x, y, c in a.edges()] == [(str(x), str(y), c.latency) for x, y, c in b.edges()]
    # each neighborhood has 4n + 1 nodes, n = int(lognorm(0.82, loc=2.02)) drawn in order
    rng = fs.Random(5)
    sizes = [int(LogNormal(0.82, loc=2.02).sample(rng)) for _ in range(4)]
    assert len(a) == sum(4 * n + 1 for n in sizes) + 10
    assert len({len(build(s)) for s in range(8)}) > 1
    # without rng: faassim.Random(DEFAULT_SEED), new per cell, so every build is the same
    rng = fs.Random(cells.DEFAULT_SEED)
    default = [int(LogNormal(0.82, loc=2.02).sample(rng)) for _ in range(3)]
    assert default == [3, 5, 2]
    assert [len(Topology().add(UrbanSensingScenario())) for _ in range(2)] == [sum(4 * n + 1 for n in default) + 10] * 2
    assert len(Topology().add(GeoCell(2, LogNormal(0.5), [nodes.rpi3]))) == len(
        Topology().add(GeoCell(2, LogNormal(0.5), [nodes.rpi3], rng=fs.Random(cells.DEFAULT_SEED))))
    with pytest.raises(TypeError, match="rng must be a faassim.Random"):
        GeoCell(2, LogNormal(0.5), [nodes.rpi3], rng=42)
    with pytest.raises(ValueError, match="size"):
        GeoCell(-1, 2, [nodes.rpi3])


def test_industrial_iot_as_ether_builds_it():
    t = Topology().add(IndustrialIoTScenario(num_premises=2))
    assert counts(t) == (40, 50, 13, 196)  # what ether 0.3.3 builds
    r = t.route("rpi3_0", "server_0")
    assert names(r.path) == [
        "rpi3_0", "link_rpi3_0", "shared_0", "switch_lan_0", "down_cloudlet_0", "switch_cloudlet_0",
        "switch_lan_2", "link_server_0", "server_0",
    ]
    assert r.rtt * 1000 == pytest.approx(3.001836540300937, rel=1e-12)
    assert t.vertex("down_cloudlet_0").bandwidth_mbit == 10000
    r = t.route("nuc_0", "rpi3_5")
    assert r.rtt * 1000 == pytest.approx(29.072369801491114, rel=1e-12)


# ---------------------------------------------------------------------------
# faas-sim raith21
# ---------------------------------------------------------------------------


RAITH21_COUNTS = {"xeongpu": 6, "xeoncpu": 7, "nuc": 5, "nx": 3, "tx2": 4, "nano": 3, "coral": 2, "rockpi": 3, "rpi4": 5, "rpi3": 10}


def raith21_nodes():
    return [Node.from_device(f"{kind}_{i}") for kind, n in RAITH21_COUNTS.items() for i in range(n)]


def test_heterogeneous_urban_sensing():
    given = raith21_nodes()
    t = urban_sensing_topology(given, rng=fs.Random(3))
    assert t.get_nodes() is not given and sorted(n.name for n in t) == sorted(n.name for n in given)
    assert all(t.find_node(n.name) is n for n in given)
    # cloud: xeoncpu then xeongpu in racks of 5 behind one cloudlet switch, on fiber
    xeons = [f"xeoncpu_{i}" for i in range(7)] + [f"xeongpu_{i}" for i in range(6)]
    racks = [xeons[i : i + 5] for i in range(0, 13, 5)]
    for k, rack in enumerate(racks):
        for name in rack:
            path = names(t.route(name, "internet").path)
            assert path[2] == f"switch_lan_{path[2].split('_')[-1]}" and path[3:] == ["switch_cloudlet_0", "up_cloudlet_0", "internet"]
        assert len({names(t.route(name, "internet").path)[2] for name in rack}) == 1
    assert t.vertex("up_cloudlet_0").bandwidth_mbit == 1000
    # edge: every device reaches the internet through its neighborhood's 10 Gbit/s shared link and 250 Mbit/s uplink
    shared = [link for link in t.get_links() if link.tags.get("type") == "shared"]
    assert shared and all(link.bandwidth_mbit == 10000 for link in shared)
    for n in t:
        if n.node_type.startswith("xeon"):
            continue
        r = t.route(n, "registry")
        assert r.links[-2].tags["type"] == "shared" and r.links[-1].bandwidth_mbit == 250
        assert names(r.path)[-2:] == ["internet", "registry"]
    # boxes: rpi3 by 3, rpi4 by 2, rockpi alone
    for kind, size in (("rpi3", 3), ("rpi4", 2), ("rockpi", 1)):
        switches = {}
        for n in t:
            if n.node_type == kind:
                switches.setdefault(names(t.route(n, "internet").path)[2], []).append(n.name)
        assert sorted(len(v) for v in switches.values()) == sorted(
            [size] * (RAITH21_COUNTS[kind] // size) + ([RAITH21_COUNTS[kind] % size] if RAITH21_COUNTS[kind] % size else [])
        )
    assert "registry" not in t and t.vertex("registry").kind == "registry"


def test_heterogeneous_urban_sensing_is_deterministic_per_seed():
    def edges(seed):
        t = urban_sensing_topology(raith21_nodes(), rng=fs.Random(seed))
        return [(str(a), str(b), c.latency) for a, b, c in t.edges()]

    assert edges(1) == edges(1)
    assert any(edges(1) != edges(s) for s in range(2, 6))
    with pytest.raises(TypeError, match="rng"):
        HeterogeneousUrbanSensingScenario(raith21_nodes(), rng=None)


def test_all_internet_topology():
    given = raith21_nodes()[:4]
    t = all_internet_topology(given)
    assert counts(t) == (4, 4, 4 + 2, 4 * 4 + 4 * 2 + 2)
    r = t.route("xeongpu_0", "xeongpu_3")
    assert names(r.path) == ["xeongpu_0", "link_xeongpu_0", "switch_lan_0", "internet", "switch_lan_3", "link_xeongpu_3", "xeongpu_3"]
    assert r.rtt == pytest.approx(2 * 4 * LAN_MODE_MS / 1000)


def test_builders_name_their_hops():
    t = Topology().add(LANCell([nodes.rpi3], backhaul=MobileConnection("internet_eu")))
    t.add(LANCell([nodes.rpi3], backhaul="internet"))
    assert [(h.name, h.kind) for h in t.get_hops()] == [
        ("switch_lan_0", "switch"), ("internet_eu", "internet"), ("switch_lan_1", "switch"), ("internet", "internet")
    ]


def test_unnamed_links_get_free_names():
    t = Topology()
    t.add_hop("link#1")
    first, second = t.add_link(Link(1)), t.add_link(Link(1))
    assert (first.name, first.index, second.name, second.index) == ("link#0", 0, "link#2", 1)


def test_topology_pickles_with_its_routes():
    import copy
    import pickle

    t = Topology().add(UrbanSensingScenario(num_cells=1, cell_density=1, cloudlet_size=(1, 1)))
    t.connect("internet", "shared_0", latency.lan, directed=True)
    route = t.route("rpi3_0", "server_0")
    u = pickle.loads(pickle.dumps(t))
    assert names(u.vertices()) == names(t.vertices()) and [x.index for x in u.get_links()] == list(range(11))
    assert [(str(a), str(b), c.latency, c.latency_dist) for a, b, c in u.edges()] == [
        (str(a), str(b), c.latency, c.latency_dist) for a, b, c in t.edges()
    ]
    assert u.get_links()[0]._topology is u
    r = u.route("rpi3_0", "server_0")
    assert names(r.path) == names(route.path) and r.rtt == route.rtt and r.link_ids == route.link_ids
    assert u.route("internet", "rpi3_0").path[1] is u.vertex("shared_0")
    c = copy.copy(route)
    assert c.path == route.path and c.sample_rtt(fs.Random(2)) == route.sample_rtt(fs.Random(2))
