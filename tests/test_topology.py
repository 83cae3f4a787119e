"""Infrastructure: nodes, capacities, the topology, the container registry and
the packaged reference device types (faassim.topology)."""

import csv
import pathlib
import tomllib

import pytest

import faassim
from faassim import (
    Capacity,
    ContainerRegistry,
    DeviceType,
    ImageProperties,
    Node,
    Topology,
    load_device_types,
    node_type_of,
    parse_memory,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGED_CSV = ROOT / "faassim" / "data" / "devices.csv"
SHARED_CSV = ROOT.parent / "shared" / "data" / "devices.csv"
Mi, Gi = 1024**2, 1024**3

DEVICE_TYPES = ["coral", "nano", "nuc", "nx", "rockpi", "rpi3", "rpi4", "tx2", "xeoncpu", "xeongpu"]


# ---------------------------------------------------------------------------
# node types
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, node_type",
    [
        ("rpi3_0", "rpi3"),
        ("nx_3", "nx"),
        ("server_12", "server"),
        ("xeon_gpu_3", "xeon_gpu"),  # only the trailing index goes
        ("registry", "registry"),
        ("edge_a", "edge_a"),  # not an index: faas-sim would have cut "_a"
        ("node_", "node_"),
        ("_0", ""),
    ],
)
def test_node_type_of(name, node_type):
    assert node_type_of(name) == node_type


# ---------------------------------------------------------------------------
# Capacity
# ---------------------------------------------------------------------------


def test_capacity_defaults_are_ethers():
    c = Capacity()
    assert (c.cpu_millis, c.memory) == (1000, Gi)


def test_capacity_values():
    assert Capacity("4", "8Gi") == Capacity(4000, 8 * Gi)
    assert Capacity("250m", "1.5G").cpu_millis == 250
    assert Capacity("250m", "1.5G").memory == 1_500_000_000
    assert hash(Capacity(1, 2)) == hash(Capacity(1, 2))
    assert Capacity(1, 2) != Capacity(2, 2)
    assert repr(Capacity(4000, 1024)) == "Capacity(cpu_millis=4000, memory=1024)"
    with pytest.raises(AttributeError):
        Capacity().cpu_millis = 5
    with pytest.raises(ValueError, match="'8GB'"):
        Capacity(1000, "8GB")


# ---------------------------------------------------------------------------
# Node
# ---------------------------------------------------------------------------


def test_node_from_quantities():
    n = Node("server_0", "4", "8Gi")
    assert (n.name, n.cpu_millis, n.memory, n.arch) == ("server_0", 4000, 8 * Gi, "x86")
    assert n.capacity == Capacity(4000, 8 * Gi)
    assert (n.labels, n.accelerators, n.node_type) == ({}, {}, "server")
    assert Node("a_0", 1500, 2048).capacity == Capacity(1500, 2048)  # numbers: millicores, bytes
    assert Node("a_0", "1500m", "2Ki").capacity == Capacity(1500, 2048)


def test_node_ether_compatibility():
    assert Node("registry").capacity == Capacity(1000, Gi)  # ether's default capacity
    assert Node("n_0", "4").capacity == Capacity(4000, Gi)  # a missing part takes its default
    assert Node("a_0", capacity=Capacity(2000, Mi)).capacity == Capacity(2000, Mi)
    assert Node("a_0", Capacity(3000, Mi), arch="aarch64").cpu_millis == 3000
    with pytest.raises(TypeError, match="either capacity or cpu_millis"):
        Node("a_0", 1000, capacity=Capacity())
    with pytest.raises(TypeError, match="capacity must be a Capacity"):
        Node("a_0", capacity="4")
    assert str(Node("rpi3_7")) == "rpi3_7"


def test_node_attributes():
    labels = {"locality.skippy.io/type": "edge"}
    n = Node("nx_0", "6", "8Gi", arch="aarch64", labels=labels, accelerators={"gpu": 1}, node_type="jetson", zone="a")
    assert n.labels == labels and n.labels is not labels
    assert n.accelerators == {"gpu": 1}
    assert n.node_type == "jetson"
    assert n.zone == "a"
    assert repr(n) == (
        "Node('nx_0', cpu_millis=6000, memory=8589934592, arch='aarch64', node_type='jetson', "
        "accelerators={'gpu': 1})"
    )


def test_nodes_compare_by_identity():
    a, b = Node("n_0"), Node("n_0")
    assert a != b and a == a
    assert len({a, b}) == 2


@pytest.mark.parametrize(
    "args, kwargs, exc, fragment",
    [
        (("",), {}, ValueError, "node name"),
        (("  ",), {}, ValueError, "node name"),
        ((None,), {}, TypeError, "node name"),
        (("n_0", 0, "1Gi"), {}, ValueError, "cpu capacity must be positive, got 0"),
        (("n_0", "1", 0), {}, ValueError, "memory capacity must be positive, got 0"),
        (("n_0", -1000, "1Gi"), {}, ValueError, "'n_0'.*-1000"),
        (("n_0", "4", "-1Gi"), {}, ValueError, "'n_0'.*'-1Gi'"),
        (("n_0", float("nan"), "1Gi"), {}, ValueError, "'n_0'.*nan"),
        (("n_0", "four", "1Gi"), {}, ValueError, "'n_0'.*'four'"),
        (("n_0", "4", "8 gigs"), {}, ValueError, "'n_0'.*'8 gigs'"),
        (("n_0",), {"arch": ""}, ValueError, "arch"),
        (("n_0",), {"labels": ["a"]}, TypeError, "labels of node 'n_0'"),
        (("n_0",), {"accelerators": ["gpu"]}, TypeError, "mapping"),
        (("n_0",), {"accelerators": {"gpu": -1}}, ValueError, "'gpu'.*-1"),
        (("n_0",), {"accelerators": {"gpu": 1.5}}, TypeError, "'gpu'.*1.5"),
        (("n_0",), {"node_type": ""}, ValueError, "node_type"),
        (("n_0",), {"capacity_x": 1, "name2": 2, "from_device": 3}, TypeError, "'from_device'"),
    ],
)
def test_node_rejects(args, kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        Node(*args, **kwargs)


# ---------------------------------------------------------------------------
# Topology
# ---------------------------------------------------------------------------


def test_topology_holds_nodes_in_insertion_order():
    nodes = [Node(f"n_{i}") for i in (3, 1, 2)]
    t = Topology(nodes[:2])
    assert t.add_node(nodes[2]) is nodes[2]
    assert t.get_nodes() == nodes
    assert list(t) == nodes
    assert len(t) == 3
    assert t.find_node("n_1") is nodes[1]
    assert "n_2" in t and nodes[2] in t
    assert "n_9" not in t and Node("n_1") not in t and 42 not in t and [] not in t
    assert repr(t) == "Topology(3 nodes)"
    assert len(Topology()) == 0 and Topology().get_nodes() == []


def test_topology_get_nodes_is_a_copy():
    t = Topology([Node("a_0")])
    t.get_nodes().clear()
    assert len(t) == 1


def test_topology_rejects_duplicates_and_non_nodes():
    t = Topology([Node("a_0")])
    with pytest.raises(ValueError, match="'a_0'"):
        t.add_node(Node("a_0"))
    with pytest.raises(TypeError, match="'a_1'"):
        t.add_node("a_1")
    assert len(t) == 1


def test_find_unknown_node_names_it_and_some_known_ones():
    t = Topology([Node(f"rpi3_{i}") for i in range(8)])
    with pytest.raises(KeyError) as info:
        t.find_node("nx_0")
    message = info.value.args[0]
    assert message.startswith("unknown node 'nx_0'; known nodes: 'rpi3_0', 'rpi3_1'")
    assert "(8 in total)" in message and "rpi3_7" not in message
    with pytest.raises(KeyError, match="known nodes: none"):
        Topology().find_node("x")
    with pytest.raises(KeyError, match=r"\['x'\]"):
        t.find_node(["x"])


def test_topology_with_a_network_still_holds_compute_nodes():
    # hops and links are vertices, but the node container (what the platform reads) is unchanged
    from faassim import Connection, Hop, Link

    a, b = Node("a_0"), Node("b_0")
    t = Topology([a])
    t.add_connection(Connection(a, Link(bandwidth_mbit=100, name="nic_a"), latency_ms=1))
    t.add_connection(Connection("nic_a", "switch"))
    t.add_connection(Connection(b, "switch"))
    assert t.get_nodes() == [a, b] and list(t) == [a, b] and len(t) == 2
    assert "switch" not in t and "nic_a" not in t and b in t
    assert isinstance(t.vertex("switch"), Hop) and t.get_links()[0].index == 0
    with pytest.raises(KeyError, match="unknown node 'nic_a'"):
        t.find_node("nic_a")
    with pytest.raises(ValueError, match="already has a link named 'nic_a'"):
        t.add_node(Node("nic_a"))
    assert repr(t) == "Topology(2 nodes, 1 hops, 1 links, 6 edges)"
    assert t.route(a, b).rtt == pytest.approx(0.002)


def test_topology_of_nodes_has_no_routes_between_them():
    t = Topology([Node("a_0"), Node("a_1")])
    with pytest.raises(faassim.NoRouteError, match="no route from 'a_0' to 'a_1'"):
        t.route("a_0", "a_1")
    assert t.route("a_0", "a_0").rtt == 0.0


# ---------------------------------------------------------------------------
# ContainerRegistry
# ---------------------------------------------------------------------------


def test_registry_sizes_per_arch():
    r = ContainerRegistry()
    r.put("python-pi-cpu", "58M", arch="arm32")
    r.put("python-pi-cpu", 58_000_000)  # default arch x86
    r.put("resnet-cpu", "80Mi", "aarch64")
    assert r.get("python-pi-cpu", "arm32") == 58_000_000
    assert r.get("python-pi-cpu") == 58_000_000
    assert r.get("resnet-cpu", "aarch64") == 80 * Mi
    assert r.names() == ["python-pi-cpu", "resnet-cpu"]
    assert r.sizes("python-pi-cpu") == {"arm32": 58_000_000, "x86": 58_000_000}
    assert len(r) == 2 and "resnet-cpu" in r and "resnet-gpu" not in r and 3 not in r
    r.put("resnet-cpu", "90Mi", "aarch64")  # replaces
    assert r.get("resnet-cpu", "aarch64") == 90 * Mi
    sizes = r.sizes("resnet-cpu")
    sizes["x86"] = 1
    assert "x86" not in r.sizes("resnet-cpu")
    assert repr(r) == "ContainerRegistry(2 images)"


def test_registry_lookup_errors():
    r = ContainerRegistry()
    r.put("resnet-cpu", "80Mi", arch="x86")
    with pytest.raises(KeyError) as info:
        r.get("resnet-gpu", "x86")
    assert info.value.args[0] == "unknown image 'resnet-gpu'; known images: 'resnet-cpu'"
    with pytest.raises(KeyError) as info:
        r.get("resnet-cpu", "arm32")
    assert info.value.args[0] == "image 'resnet-cpu' has no size for arch 'arm32' (archs: 'x86')"
    with pytest.raises(KeyError, match="resnet-gpu"):
        r.sizes("resnet-gpu")


def test_registry_rejects_bad_sizes():
    r = ContainerRegistry()
    with pytest.raises(ValueError, match="size of image 'a'.*'-1M'"):
        r.put("a", "-1M")
    with pytest.raises(ValueError, match="size of image 'a'.*'2.7GB'"):
        r.put("a", "2.7GB")
    with pytest.raises(TypeError, match="needs a size"):
        r.put("a")
    with pytest.raises(ValueError, match="image"):
        r.put("", 1)
    assert len(r) == 0
    r.put("empty", 0)  # zero-sized images are allowed (nothing to pull)
    assert r.get("empty") == 0


def test_registry_fractional_sizes_parse_exactly():
    """faas-sim's parse_size_string read "2.7G" as 2 bytes."""
    r = ContainerRegistry()
    r.put("resi5/resnet-inference-gpu", "2.7G", arch="x86")
    assert r.get("resi5/resnet-inference-gpu", "x86") == 2_700_000_000


def test_registry_any_arch_and_tags():
    r = ContainerRegistry()
    r.put("edgerun/go-telemd", "10M", arch=None)  # fits every arch
    r.put("edgerun/go-telemd", "12M", arch="arm32")
    assert r.get("edgerun/go-telemd", "x86") == 10_000_000
    assert r.get("edgerun/go-telemd", "arm32") == 12_000_000
    assert r.get("edgerun/go-telemd:latest", "aarch64") == 10_000_000
    assert r.sizes("edgerun/go-telemd") == {None: 10_000_000, "arm32": 12_000_000}
    r.put("edgerun/go-telemd:v2", "20M")
    assert r.get("edgerun/go-telemd:v2") == 20_000_000
    assert r.names() == ["edgerun/go-telemd", "edgerun/go-telemd:v2"]
    r.put("localhost:5000/img", "1M")  # a registry port is not a tag
    assert r.get("localhost:5000/img:latest") == 1_000_000
    # faas-sim's shape: name -> tag -> [ImageProperties], one per arch
    images = r.images
    assert list(images) == ["edgerun/go-telemd", "localhost:5000/img"]
    assert images["edgerun/go-telemd"]["latest"] == [
        ImageProperties("edgerun/go-telemd", 10_000_000, "latest", None),
        ImageProperties("edgerun/go-telemd", 12_000_000, "latest", "arm32"),
    ]
    assert images["edgerun/go-telemd"]["v2"] == [ImageProperties("edgerun/go-telemd", 20_000_000, "v2", "x86")]
    assert list(images["localhost:5000/img"]) == ["latest"]
    images.clear()  # a snapshot: the registry is unchanged
    assert len(r.images) == 2 and r.find("edgerun/go-telemd:v2", arch="x86")[0].size == 20_000_000


def test_registry_faas_sim_style():
    r = ContainerRegistry()
    r.put(ImageProperties("python-pi-cpu", 58_000_000, arch="arm32"))
    r.put_all([ImageProperties("python-pi-cpu", 60_000_000, arch="x86"), ImageProperties("gen", 5, tag="v1")])
    assert r.sizes("python-pi-cpu") == {"arm32": 58_000_000, "x86": 60_000_000}
    assert r.get("gen:v1", "anything") == 5
    assert r.find("python-pi-cpu", arch="x86") == [ImageProperties("python-pi-cpu", 60_000_000, "latest", "x86")]
    assert len(r.find("python-pi-cpu")) == 2
    assert r.find("gen:v1", arch="x86") == [ImageProperties("gen", 5, "v1", None)]
    assert r.find("unknown") == []


# ---------------------------------------------------------------------------
# Reference device types
# ---------------------------------------------------------------------------


def test_packaged_devices_csv_equals_shared_copy():
    if not SHARED_CSV.exists():
        pytest.skip("no shared data set next to the repository")
    assert PACKAGED_CSV.read_bytes() == SHARED_CSV.read_bytes()


def test_devices_csv_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "faassim.data" in config["tool"]["setuptools"]["packages"]
    patterns = config["tool"]["setuptools"]["package-data"]["faassim.data"]
    assert "*.csv" in patterns and "README.md" in patterns
    assert (ROOT / "faassim" / "data" / "README.md").exists()


def test_load_device_types():
    types = load_device_types()
    assert sorted(types) == DEVICE_TYPES
    assert all(isinstance(t, DeviceType) for t in types.values())
    rows = {row["device_type"]: row for row in csv.DictReader(PACKAGED_CSV.open())}
    for name, t in types.items():
        row = rows[name]
        assert t.name == name
        assert t.cpu_millis == int(row["cpu_cores"]) * 1000
        # the parser agrees with ether/skippy on every memory figure of the scenario
        assert t.memory == parse_memory(row["memory_str"]) == int(row["memory_bytes"])
        assert t.arch == row["ether_arch"]
        assert t.properties == row


@pytest.mark.parametrize(
    "name, arch, cpu, memory, accelerators",
    [
        ("rpi3", "arm32", 4000, 1_023_012_864, {}),
        ("rpi4", "arm32v7", 4000, 1_000_000_000, {}),
        ("rockpi", "aarch64", 6000, 4_000_000_000, {}),
        ("coral", "aarch64", 4000, 1_000_000_000, {"tpu": 1}),
        ("nano", "aarch64", 4000, 4_144_386_048, {"gpu": 1}),
        ("tx2", "aarch64", 4000, 8_240_386_048, {"gpu": 1}),
        ("nx", "aarch64", 6000, 8_240_386_048, {"gpu": 1}),
        ("nuc", "x86", 4000, 16 * Gi, {}),
        ("xeoncpu", "x86", 4000, 8_363_810_816, {}),
        ("xeongpu", "x86", 4000, 8_363_810_816, {"gpu": 1}),
    ],
)
def test_node_from_device(name, arch, cpu, memory, accelerators):
    node = Node.from_device(f"{name}_4")
    assert (node.name, node.node_type, node.arch) == (f"{name}_4", name, arch)
    assert (node.cpu_millis, node.memory, node.accelerators) == (cpu, memory, accelerators)
    assert node.labels["device.edgerun.io/accelerator"] == (next(iter(accelerators)).upper() if accelerators else "NONE")
    assert node.labels["locality.skippy.io/type"] == ("cloud" if name.startswith("xeon") else "edge")
    assert ("capability.skippy.io/nvidia-gpu" in node.labels) == ("gpu" in accelerators)


def test_node_from_device_labels():
    nano = Node.from_device("nano_0")
    assert nano.labels["ether.edgerun.io/type"] == "embai"
    assert nano.labels["ether.edgerun.io/model"] == "nvidia_jetson_nano"
    assert nano.labels["ether.edgerun.io/capabilities/cuda"] == "5.3"
    assert nano.labels["device.edgerun.io/vram"] == "4000"
    assert nano.labels["device.edgerun.io/gpu_model"] == "MAXWELL"
    assert nano.labels["capability.skippy.io/nvidia-cuda"] == "10"
    rpi4 = Node.from_device("rpi4_0")
    assert "ether.edgerun.io/model" not in rpi4.labels  # empty in the data: no label
    assert "device.edgerun.io/vram" not in rpi4.labels


def test_node_from_device_options():
    node = Node.from_device("edge_box", "nx", labels={"zone": "a"}, arch="arm64")
    assert node.node_type == "nx" and node.arch == "arm64"
    assert node.labels["zone"] == "a" and node.labels["ether.edgerun.io/model"] == "nvidia_jetson_nx"
    other = Node.from_device("nx_1")
    assert "zone" not in other.labels
    node.labels["x"] = 1
    assert "x" not in Node.from_device("nx_2").labels
    t = load_device_types()["tx2"]
    assert t.create_node("tx2_9").capacity == Capacity(4000, 8_240_386_048)
    assert Node.from_device("n_0", t).node_type == "tx2"
    with pytest.raises(KeyError, match="unknown device type 'fpga'.*'coral'"):
        Node.from_device("fpga_0")


def test_load_device_types_returns_independent_copies():
    first = load_device_types()
    first["nano"].labels["x"] = "y"
    del first["rpi3"]
    second = load_device_types()
    assert "rpi3" in second and "x" not in second["nano"].labels


def test_load_device_types_from_a_file(tmp_path):
    rows = list(csv.DictReader(PACKAGED_CSV.open()))
    custom = dict(rows[0], device_type="mybox", ether_arch="riscv64", cpu_cores="2", cpu_millis="2000",
                  memory_str="2Gi", memory_bytes=str(2 * Gi), accelerator="none")
    path = tmp_path / "devices.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow(custom)
    types = load_device_types(str(path))
    assert list(types) == ["mybox"]
    node = Node.from_device("mybox_0", types["mybox"])
    assert (node.arch, node.cpu_millis, node.memory, node.accelerators) == ("riscv64", 2000, 2 * Gi, {})


def test_topology_of_reference_devices():
    t = Topology(Node.from_device(f"{kind}_{i}") for kind in DEVICE_TYPES for i in range(2))
    assert len(t) == 20
    assert sum(n.cpu_millis for n in t) == 2 * sum(load_device_types()[k].cpu_millis for k in DEVICE_TYPES)
    assert [n.node_type for n in t][:4] == ["coral", "coral", "nano", "nano"]


def test_everything_is_exported():
    import faassim.topology

    for name in faassim.topology.__all__:
        assert name in faassim.__all__
        assert getattr(faassim, name) is getattr(faassim.topology, name)


def test_from_device_reads_the_packaged_types_once_and_copies_what_it_takes():
    types = faassim.topology.load_device_types()
    types["nano"].labels["changed"] = "by the caller"  # load_device_types gives copies
    a = Node.from_device("nano_0")
    a.labels["mine"] = "x"
    b = Node.from_device("nano_1")
    assert "changed" not in b.labels and "mine" not in b.labels
    assert (b.cpu_millis, b.memory, b.arch) == (a.cpu_millis, a.memory, a.arch)
    assert faassim.topology.load_device_types()["nano"].labels == b.labels
