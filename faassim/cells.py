"""Topology builders with the names and parameters of ether (faas-sim's
topology library): cells of nodes behind a switch or a shared link, uplinks,
cloudlets of server racks, ether's scenarios, and the heterogeneous urban
sensing topology of faas-sim's "raith21" experiment.

A cell is built into a topology with ``topology.add(cell)`` (or
``cell.materialize(topology)``); it creates the same vertices, links and
connections, with the same names, as ether's. What differs:

- bandwidths are bytes/s: ether's Mbit/s arguments go in as ``*_mbit=``
  keywords (``SharedLinkCell(..., shared_bandwidth_mbit=500)``); the presets
  (``MobileConnection``, ``FiberToExchange``, ...) carry ether's figures;
- latencies are seconds (:data:`faassim.network_topology.latency` holds
  ether's distributions, converted);
- names (``lan_0``, ``switch_lan_0``, ``shared_0``, ``rpi3_0``, ...) are
  numbered per topology from 0 (ether numbered per Python process);
- random sizes (``GeoCell`` densities) are drawn from a
  :class:`faassim.Random` given as ``rng=``, or, without one, from a new
  ``faassim.Random(DEFAULT_SEED)`` per cell: the same topology every time
  (ether drew from numpy's global generator, so every run built another);
- node factories (:data:`nodes`) build :class:`faassim.Node` objects of the
  reference device types (``faassim/data/devices.csv``).

>>> import faassim as fs
>>> t = fs.Topology()
>>> _ = t.add(LANCell([nodes.rpi3, nodes.rpi3], backhaul=MobileConnection("internet")))
>>> [n.name for n in t.get_nodes()], [(l.name, l.bandwidth_mbit) for l in t.get_links()]
(['rpi3_0', 'rpi3_1'], [('link_rpi3_0', 1000.0), ('link_rpi3_1', 1000.0), ('up_lan_0', 25.0), ('down_lan_0', 125.0)])
>>> [str(v) for v in t.route("rpi3_0", "internet").path]
['rpi3_0', 'link_rpi3_0', 'switch_lan_0', 'up_lan_0', 'internet']
"""

from __future__ import annotations

import bisect
import inspect
import itertools
import math
import numbers
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from faassim._core import Random
from faassim.distributions import Distribution, LogNormal
from faassim.network_topology import Connection, Hop, Link, latency, mbit
from faassim.topology import Node, Topology, load_device_types

__all__ = [
    "UpDownLink",
    "MobileConnection",
    "BusinessIsp",
    "FiberToExchange",
    "FasterMobileConnection",
    "Cell",
    "Host",
    "LANCell",
    "SharedLinkCell",
    "GeoCell",
    "IoTComputeBox",
    "Cloudlet",
    "XeonCloudlet",
    "Internet",
    "NodeFactory",
    "nodes",
    "UrbanSensingScenario",
    "IndustrialIoTScenario",
    "CloudRegionsScenario",
    "HeterogeneousUrbanSensingScenario",
    "urban_sensing_topology",
    "all_internet_topology",
]


def _bandwidth(value: Optional[float], value_mbit: Optional[float], default_mbit: Optional[float], what: str) -> float:
    if value is not None and value_mbit is not None:
        raise TypeError(f"{what}: give the bandwidth in bytes/s or in Mbit/s (*_mbit), not both")
    if value is None and value_mbit is None:
        if default_mbit is None:
            raise TypeError(f"{what}: a bandwidth is needed (bytes/s, or Mbit/s with the *_mbit keyword)")
        value_mbit = default_mbit
    if value_mbit is not None:
        return Link(bandwidth_mbit=value_mbit, name=what).bandwidth  # checked as a link's
    return Link(value, name=what).bandwidth


# ---------------------------------------------------------------------------
# Backhaul connections
# ---------------------------------------------------------------------------


class UpDownLink:
    """UpDownLink(bw_down=None, bw_up=None, backhaul='internet', latency_dist=None, *, bw_down_mbit=None, bw_up_mbit=None)

    An asymmetric uplink/downlink pair that connects a cell to ``backhaul``
    (a vertex or its name). Bandwidths in bytes/s, or Mbit/s with the
    ``*_mbit`` keywords; ``bw_up`` defaults to ``bw_down``. The cell builds
    two links, ``up_<cell>`` and ``down_<cell>``, and four directed
    connections: cell -> up (``latency_dist``), up -> backhaul (0),
    backhaul -> down (``latency_dist``), down -> cell (0).

    >>> UpDownLink(bw_down_mbit=100).bw_up_mbit
    100.0
    """

    def __init__(
        self,
        bw_down: Optional[float] = None,
        bw_up: Optional[float] = None,
        backhaul: Any = "internet",
        latency_dist: Any = None,
        *,
        bw_down_mbit: Optional[float] = None,
        bw_up_mbit: Optional[float] = None,
    ):
        self.bw_down = _bandwidth(bw_down, bw_down_mbit, None, "UpDownLink bw_down")
        if bw_up is None and bw_up_mbit is None:
            self.bw_up = self.bw_down
        else:
            self.bw_up = _bandwidth(bw_up, bw_up_mbit, None, "UpDownLink bw_up")
        self.backhaul = backhaul
        Connection("cell", "backhaul", latency_dist if latency_dist is not None else 0.0)  # checks the latency
        self.latency_dist = latency_dist

    @property
    def bw_down_mbit(self) -> float:
        """The downlink bandwidth in Mbit/s."""
        return self.bw_down / 125_000.0

    @property
    def bw_up_mbit(self) -> float:
        """The uplink bandwidth in Mbit/s."""
        return self.bw_up / 125_000.0

    def _latency(self) -> Any:
        return self.latency_dist if self.latency_dist is not None else 0.0

    def _build(self, topology: Topology, cell_vertex: Any, cell_name: str) -> None:
        _backhaul_hop(topology, self.backhaul)
        up = Link(self.bw_up, {"type": "uplink", "name": f"up_{cell_name}"})
        down = Link(self.bw_down, {"type": "downlink", "name": f"down_{cell_name}"})
        topology.add_connection(Connection(cell_vertex, up, self._latency()), directed=True)
        topology.add_connection(Connection(down, cell_vertex), directed=True)
        topology.add_connection(Connection(self.backhaul, down, self._latency()), directed=True)
        topology.add_connection(Connection(up, self.backhaul), directed=True)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(down={self.bw_down_mbit!r} Mbit/s, up={self.bw_up_mbit!r} Mbit/s, "
            f"backhaul={str(self.backhaul)!r})"
        )


class MobileConnection(UpDownLink):
    """ether's mobile connection: 125 Mbit/s down, 25 up, mobile ISP latency."""

    def __init__(self, backhaul: Any = "internet"):
        super().__init__(bw_down_mbit=125, bw_up_mbit=25, backhaul=backhaul, latency_dist=latency.mobile_isp)


class BusinessIsp(UpDownLink):
    """ether's business ISP: 500 Mbit/s down, 50 up, business ISP latency."""

    def __init__(self, backhaul: Any = "internet"):
        super().__init__(bw_down_mbit=500, bw_up_mbit=50, backhaul=backhaul, latency_dist=latency.business_isp)


class FiberToExchange(UpDownLink):
    """ether's fiber: 1000 Mbit/s both ways, LAN latency."""

    def __init__(self, backhaul: Any = "internet"):
        super().__init__(bw_down_mbit=1000, bw_up_mbit=1000, backhaul=backhaul, latency_dist=latency.lan)


class FasterMobileConnection(UpDownLink):
    """faas-sim raith21's neighborhood uplink: 250 Mbit/s both ways, no
    latency."""

    def __init__(self, backhaul: Any = "internet"):
        super().__init__(bw_down_mbit=250, bw_up_mbit=250, backhaul=backhaul)


# ---------------------------------------------------------------------------
# Node factories
# ---------------------------------------------------------------------------


class NodeFactory:
    """NodeFactory(prefix, make)

    A node factory as ether's (``nodes.rpi3``): in a cell it makes the node
    ``<prefix>_<k>`` with the topology's next free ``k``; called directly it
    takes the name: ``nodes.rpi3("rpi3_7")``. ``make(name)`` builds the node.
    """

    def __init__(self, prefix: str, make: Callable[[str], Node]):
        self.prefix = prefix
        self._make = make

    def create(self, topology: Topology) -> Node:
        """The next node of this factory for ``topology`` (not added yet)."""
        return self._make(topology.next_name(self.prefix))

    def __call__(self, name: Optional[str] = None) -> Node:
        if name is None:
            raise TypeError(
                f"nodes.{self.prefix}() needs a name outside a cell (names are numbered per topology); "
                f"e.g. nodes.{self.prefix}('{self.prefix}_0')"
            )
        return self._make(name)

    def __repr__(self) -> str:
        return f"NodeFactory({self.prefix!r})"


def _device_factory(device_type: str) -> NodeFactory:
    device: List[Any] = []  # read on first use, then kept

    def make(name: str) -> Node:
        if not device:
            device.append(load_device_types()[device_type])
        return Node.from_device(name, device[0])

    return NodeFactory(device_type, make)


def _fixed_factory(prefix: str, cores: int, memory: int, kind: str) -> NodeFactory:
    labels = {"ether.edgerun.io/type": kind, "ether.edgerun.io/model": kind}

    def make(name: str) -> Node:
        return Node(name, cores * 1000, memory, arch="x86", labels=dict(labels))

    return NodeFactory(prefix, make)


class _Nodes:
    """ether's node factories (``ether.blocks.nodes``), building faassim
    nodes of the reference device types: ``rpi3``, ``rpi4``, ``rockpi``,
    ``coral``, ``nano``, ``tx2``, ``nx``, ``nuc``, ``xeoncpu``, ``xeongpu``
    (figures of ``faassim/data/devices.csv``, which are faas-sim raith21's),
    and ether's ``server`` (88 cores, 188 GB) and ``vm`` (``cloudvm_<k>``,
    4 cores, 8167784 KiB)."""

    def __init__(self) -> None:
        for device in ("rpi3", "rpi4", "rockpi", "coral", "nano", "tx2", "nx", "nuc", "xeoncpu", "xeongpu"):
            setattr(self, device, _device_factory(device))
        self.server = _fixed_factory("server", 88, 188 * 10**9, "server")
        self.vm = _fixed_factory("cloudvm", 4, 8167784 * 1024, "vm")

    def __repr__(self) -> str:
        return "faassim.cells.nodes"


nodes = _Nodes()


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------


class Cell:
    """The base of ether's cells: ``nodes`` (nodes, node factories, cells,
    callables making them, or nested lists of these) and a ``backhaul``
    (a vertex or its name, or an :class:`UpDownLink`) the cell connects to.
    Subclasses implement ``materialize(topology, parent=None)``."""

    def __init__(self, nodes: Any = None, size: Any = None, entropy: Any = None, backhaul: Any = None):
        self.nodes = nodes
        self.size = size
        self.entropy = entropy
        self.backhaul = backhaul

    def materialize(self, topology: Topology, parent: Optional["Cell"] = None) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement materialize(topology)")

    def generate(self) -> Topology:
        """A new topology holding this cell."""
        t = Topology()
        self.materialize(t)
        return t

    def _materialize(self, topology: Topology, c: Any, backhaul: Any = None) -> None:
        if isinstance(c, (list, tuple)):
            for element in c:
                self._materialize(topology, element, backhaul)
            return
        if isinstance(c, NodeFactory):
            c = c.create(topology)
        elif callable(c) and not isinstance(c, (Cell, Node)):
            c = c()
        if isinstance(c, Node):
            c = Host(c, backhaul=backhaul)
        elif isinstance(c, Cell):
            if backhaul:
                c.backhaul = backhaul
        else:
            raise TypeError(f"{type(self).__name__}: cannot build {c!r} (expected a Node, a node factory or a Cell)")
        c.materialize(topology, self)


class Host(Cell):
    """Host(node, link_bw=None, backhaul=None, *, link_bw_mbit=None)

    A compute node with its own link (its network card): ``node`` <->
    ``link_<node>`` (LAN latency) <-> ``backhaul`` (0). The link's bandwidth
    defaults to ether's 1000 Mbit/s."""

    def __init__(self, node: Node, link_bw: Optional[float] = None, backhaul: Any = None, *, link_bw_mbit: Optional[float] = None):
        super().__init__(nodes=[node], backhaul=backhaul)
        self.node = node
        self.link_bw = _bandwidth(link_bw, link_bw_mbit, 1000, f"link of {node.name!r}")
        self.link: Optional[Link] = None

    def materialize(self, topology: Topology, parent: Optional[Cell] = None, latency_dist: Any = latency.lan) -> None:
        node = self.nodes[0]
        self.link = Link(self.link_bw, {"name": f"link_{node.name}", "type": "node"})
        topology.add_connection(Connection(node, self.link, latency_dist))
        if self.backhaul:
            topology.add_connection(Connection(self.link, self.backhaul))

    def __repr__(self) -> str:
        return f"Host({self.node.name!r}, backhaul={str(self.backhaul)!r})"


def _backhaul_hop(topology: Topology, backhaul: Any) -> None:
    """Add a backhaul given by a name that is not a vertex yet as a hop, of
    kind ``"internet"`` if its name starts so (ether made it a string)."""
    if isinstance(backhaul, str) and not topology.has_vertex(backhaul):
        topology.add_hop(Hop(backhaul, "internet" if backhaul.startswith("internet") else None))


def _switch(topology: Topology, name: str) -> str:
    if not topology.has_vertex(name):
        topology.add_hop(Hop(name, "switch"))
    return name


class LANCell(Cell):
    """LANCell(nodes, backhaul=None)

    Nodes (and cells) behind a switch ``switch_lan_<k>``. With an
    :class:`UpDownLink` backhaul the switch gets the links ``up_lan_<k>``
    and ``down_lan_<k>``; with any other backhaul (a vertex or a name), one
    undirected connection with LAN latency."""

    _prefix = "lan"

    def __init__(self, nodes: Any, backhaul: Any = None):
        super().__init__(nodes=nodes, backhaul=backhaul)
        self.name: Optional[str] = None
        self.switch: Optional[str] = None

    def _create_identity(self, topology: Topology) -> None:
        self.name = topology.next_name(self._prefix)
        self.switch = f"switch_{self.name}"

    def materialize(self, topology: Topology, parent: Optional[Cell] = None) -> None:
        self._create_identity(topology)
        _switch(topology, self.switch)
        for cell in self.nodes:
            self._materialize(topology, cell, self.switch)
        if self.backhaul:
            if isinstance(self.backhaul, UpDownLink):
                self.backhaul._build(topology, self.switch, self.name)
            else:
                _backhaul_hop(topology, self.backhaul)
                topology.add_connection(Connection(self.switch, self.backhaul, latency.lan))


class IoTComputeBox(LANCell):
    """ether's box of IoT compute devices: a :class:`LANCell`."""


class SharedLinkCell(Cell):
    """SharedLinkCell(nodes, shared_bandwidth=None, backhaul=None, *, shared_bandwidth_mbit=None)

    Nodes (and cells) on one shared link ``shared_<k>`` (bandwidth in
    bytes/s, or Mbit/s with ``shared_bandwidth_mbit``; ether's default 300
    Mbit/s), e.g. a WiFi or a neighborhood network. With an
    :class:`UpDownLink` backhaul the shared link gets ``up_shared_<k>`` and
    ``down_shared_<k>``; with any other, one connection of latency 0."""

    def __init__(
        self,
        nodes: Any,
        shared_bandwidth: Optional[float] = None,
        backhaul: Any = None,
        *,
        shared_bandwidth_mbit: Optional[float] = None,
    ):
        super().__init__(nodes=nodes, backhaul=backhaul)
        self.shared_bandwidth = _bandwidth(shared_bandwidth, shared_bandwidth_mbit, 300, "SharedLinkCell shared_bandwidth")
        self.name: Optional[str] = None
        self.link: Optional[Link] = None

    def _create_identity(self, topology: Topology) -> None:
        self.name = topology.next_name("shared")
        self.link = topology.add_link(Link(self.shared_bandwidth, {"name": self.name, "type": "shared"}))

    def materialize(self, topology: Topology, parent: Optional[Cell] = None) -> None:
        self._create_identity(topology)
        for cell in self.nodes:
            self._materialize(topology, cell, self.link)
        if self.backhaul:
            if isinstance(self.backhaul, UpDownLink):
                self.backhaul._build(topology, self.link, self.name)
            else:
                _backhaul_hop(topology, self.backhaul)
                topology.add_connection(Connection(self.link, self.backhaul))


#: The seed of the random source of a cell or scenario built without
#: ``rng=``: ``faassim.Random(DEFAULT_SEED)``, new for each cell.
DEFAULT_SEED = 0


def _density_sampler(density: Any, rng: Any) -> Callable[[], int]:
    if isinstance(density, numbers.Integral) and not isinstance(density, bool):
        if density < 0:
            raise ValueError(f"GeoCell density must not be negative, got {density!r}")
        n = int(density)
        return lambda: n
    if isinstance(density, Distribution):
        if rng is None:
            rng = Random(DEFAULT_SEED)
        elif not callable(getattr(rng, "random", None)):
            raise TypeError(f"GeoCell rng must be a faassim.Random (or None), not {type(rng).__name__} {rng!r}")
        return lambda: max(0, int(density.sample(rng)))  # truncated, as ether's IntegerTruncationSampler
    raise TypeError(f"GeoCell density must be an int or a faassim.distributions distribution, got {density!r}")


class GeoCell(Cell):
    """GeoCell(size, density, nodes, *, rng=None)

    ``size`` geographic cells (neighborhoods): for each, a density ``n`` is
    drawn (an int, or ``int(density.sample(rng))`` for a distribution) and
    every element of ``nodes`` is built; a callable that takes a parameter is
    called with ``n`` (ether's ``lambda size: SharedLinkCell(...)``).
    Without ``rng`` a random density is drawn from ``faassim.Random(``
    :data:`DEFAULT_SEED` ``)``, new for this cell: every build without
    ``rng`` has the same sizes (ether drew from numpy's global generator).

    >>> import faassim as fs
    >>> def city():
    ...     return GeoCell(3, density=fs.distributions.LogNormal(0.82, loc=2.02), nodes=[lambda n: LANCell([nodes.rpi3] * n)])
    >>> len(fs.Topology().add(city())), len(fs.Topology().add(city()))
    (10, 10)
    """

    def __init__(self, size: int, density: Any, nodes: Any, *, rng: Any = None):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 0:
            raise ValueError(f"GeoCell size must be an int >= 0, got {size!r}")
        super().__init__(nodes, int(size))
        self.density = density
        self.rng = rng
        self._sample = _density_sampler(density, rng)

    def materialize(self, topology: Topology, parent: Optional[Cell] = None) -> None:
        for _ in range(self.size):
            n = self._sample()
            for c in self.nodes:
                if callable(c) and not isinstance(c, (Cell, Node, NodeFactory)):
                    c = c(n) if inspect.signature(c).parameters else c()
                self._materialize(topology, c)


class Cloudlet(LANCell):
    """Cloudlet(server_per_rack=5, racks=1, backhaul=None)

    ether's cloudlet: ``racks`` LAN cells of ``server_per_rack`` servers
    (:data:`nodes` ``.server``) behind the switch ``switch_cloudlet_<k>``."""

    _prefix = "cloudlet"

    def __init__(self, server_per_rack: int = 5, racks: int = 1, backhaul: Any = None):
        self.racks = racks
        self.server_per_rack = server_per_rack
        super().__init__([self._create_rack] * racks, backhaul=backhaul)

    def _create_rack(self) -> LANCell:
        return LANCell([nodes.server] * self.server_per_rack, backhaul=self.switch)


class XeonCloudlet(LANCell):
    """XeonCloudlet(xeons, xeon_vms_per_rack=5, backhaul=None)

    faas-sim raith21's cloudlet of the given nodes: racks of
    ``xeon_vms_per_rack`` (the last one may be smaller) behind
    ``switch_cloudlet_<k>``."""

    _prefix = "cloudlet"

    def __init__(self, xeons: Sequence[Node], xeon_vms_per_rack: int = 5, backhaul: Any = None):
        if xeon_vms_per_rack < 1:
            raise ValueError(f"xeon_vms_per_rack must be >= 1, got {xeon_vms_per_rack!r}")
        self.xeons = list(xeons)
        self.xeon_vms_per_rack = xeon_vms_per_rack
        racks = [self.xeons[i : i + xeon_vms_per_rack] for i in range(0, len(self.xeons), xeon_vms_per_rack)]
        super().__init__([self._rack_maker(rack) for rack in racks], backhaul=backhaul)

    def _rack_maker(self, rack: List[Node]) -> Callable[[], LANCell]:
        return lambda: LANCell(rack, backhaul=self.switch)


class Internet:
    """Internet(latencies=None, *, latencies_ms=None, prefix='internet_', directed=False)

    A WAN backbone of regions: a hop ``<prefix><region>`` per region and a
    connection per entry of ``latencies`` (``{(region_a, region_b):
    seconds}``) or ``latencies_ms`` (ether's milliseconds); undirected unless
    ``directed``. Cells reach a region by its hop name, e.g.
    ``Cloudlet(5, 2, backhaul="internet_eu-central")``.

    >>> import faassim as fs
    >>> t = fs.Topology().add(Internet(latencies_ms={("eu", "us"): 80, ("us", "asia"): 100}))
    >>> round(t.latency("internet_eu", "internet_asia"), 6)
    0.18
    """

    def __init__(
        self,
        latencies: Optional[Mapping[Tuple[str, str], Any]] = None,
        *,
        latencies_ms: Optional[Mapping[Tuple[str, str], Any]] = None,
        prefix: str = "internet_",
        directed: bool = False,
    ):
        if (latencies is None) == (latencies_ms is None):
            raise TypeError("Internet: give exactly one of latencies (seconds) and latencies_ms")
        unit = "latency" if latencies is not None else "latency_ms"
        self.connections = []
        for pair, value in (latencies if latencies is not None else latencies_ms).items():  # type: ignore[union-attr]
            a, b = pair
            self.connections.append(Connection(f"{prefix}{a}", f"{prefix}{b}", **{unit: value}))
        self.directed = directed

    def materialize(self, topology: Topology) -> None:
        for c in self.connections:
            for end in (c.source, c.target):
                if not topology.has_vertex(end):
                    topology.add_hop(Hop(end, "internet"))
            topology.add_connection(c, directed=self.directed)


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------

#: ether's urban sensing defaults
default_num_cells = 3
default_cloudlet_size = (5, 2)
default_cell_density = LogNormal(0.82, loc=2.02)


class UrbanSensingScenario:
    """UrbanSensingScenario(num_cells=3, cell_density=LogNormal(0.82, loc=2.02), cloudlet_size=(5, 2), internet='internet', *, rng=None)

    ether's urban sensing city: ``num_cells`` neighborhoods, each a
    :class:`SharedLinkCell` (500 Mbit/s, :class:`MobileConnection` to
    ``internet``) holding ``n`` boxes of two rpi3 and a box of one nuc and
    ``2n`` tx2, ``n`` drawn from ``cell_density`` (an int, or a
    distribution drawn from ``rng``); and a :class:`Cloudlet` of
    ``cloudlet_size = (servers per rack, racks)`` on
    :class:`FiberToExchange`.

    Without ``rng`` the densities come from ``faassim.Random(``
    :data:`DEFAULT_SEED` ``)``, so ``UrbanSensingScenario()`` builds the same
    city every time: neighborhoods of 3, 5 and 2 boxes, 53 nodes (ether's
    drew them from numpy's global generator: another city on every run).
    Give ``rng=faassim.Random(seed)`` for other cities.

    >>> import faassim as fs
    >>> len(fs.Topology().add(UrbanSensingScenario())), len(fs.Topology().add(UrbanSensingScenario(rng=fs.Random(7))))
    (53, 45)
    """

    def __init__(
        self,
        num_cells: int = default_num_cells,
        cell_density: Any = default_cell_density,
        cloudlet_size: Tuple[int, int] = default_cloudlet_size,
        internet: Any = "internet",
        *,
        rng: Any = None,
    ):
        self.num_cells = num_cells
        self.cell_density = cell_density
        self.cloudlet_size = cloudlet_size
        self.internet = internet
        self.rng = rng
        _density_sampler(cell_density, rng)  # fail here, not half-way through building

    def materialize(self, topology: Topology) -> None:
        topology.add(self.create_city())
        topology.add(self.create_cloudlet())

    def create_city(self) -> GeoCell:
        aot_node = IoTComputeBox(nodes=[nodes.rpi3, nodes.rpi3])

        def neighborhood(size: int) -> SharedLinkCell:
            return SharedLinkCell(
                nodes=[[aot_node] * size, IoTComputeBox([nodes.nuc] + [nodes.tx2] * (size * 2))],
                shared_bandwidth_mbit=500,
                backhaul=MobileConnection(self.internet),
            )

        return GeoCell(self.num_cells, nodes=[neighborhood], density=self.cell_density, rng=self.rng)

    def create_cloudlet(self) -> Cloudlet:
        return Cloudlet(*self.cloudlet_size, backhaul=FiberToExchange(self.internet))


class IndustrialIoTScenario:
    """IndustrialIoTScenario(num_premises=1, premises_density=10, internet='internet')

    ether's industrial IoT: per premises a factory :class:`LANCell` (on a
    :class:`BusinessIsp`) with a box of a nuc and a tx2 and a shared link of
    three rpi3, and a 5 x 3 :class:`Cloudlet` on a 10 Gbit/s up/down link to
    the factory switch. ``premises_density`` is unused, as in ether."""

    def __init__(self, num_premises: int = 1, premises_density: Any = 10, internet: Any = "internet"):
        self.num_premises = num_premises
        self.premises_density = premises_density
        self.internet = internet

    def materialize(self, topology: Topology) -> None:
        for _ in range(self.num_premises):
            floor_compute = IoTComputeBox(nodes=[nodes.nuc, nodes.tx2])
            floor_iot = SharedLinkCell(nodes=[nodes.rpi3] * 3)
            factory = LANCell([floor_compute, floor_iot], backhaul=BusinessIsp(self.internet))
            factory.materialize(topology)
            cloudlet = Cloudlet(
                5, 3, backhaul=UpDownLink(bw_down_mbit=10000, bw_up_mbit=10000, backhaul=factory.switch)
            )
            cloudlet.materialize(topology)


class CloudRegionsScenario:
    """CloudRegionsScenario(regions, region_size)

    ether's cloud regions: a :class:`Cloudlet` of ``region_size[i] =
    (servers per rack, racks)`` connected to the vertex ``regions[i]`` (e.g.
    a hop of :class:`Internet` or of :meth:`Topology.load_inet_graph`)."""

    def __init__(self, regions: Sequence[Any], region_size: Sequence[Tuple[int, int]]):
        if len(regions) != len(region_size):
            raise ValueError(f"CloudRegionsScenario: {len(regions)} regions but {len(region_size)} region sizes")
        self.regions = list(regions)
        self.region_size = list(region_size)

    def materialize(self, topology: Topology) -> None:
        for region, size in zip(self.regions, self.region_size):
            Cloudlet(*size, backhaul=region).materialize(topology)


# ---------------------------------------------------------------------------
# faas-sim raith21: the heterogeneous urban sensing topology
# ---------------------------------------------------------------------------


def _parts(a: int, b: int) -> List[int]:
    """``a`` split into ``b`` near-equal parts, the larger ones first."""
    q, r = divmod(a, b)
    return [q + 1] * r + [q] * (b - r)


def _choices(rng: Any, population: Sequence[Any], weights: Sequence[float], k: int) -> List[Any]:
    """``k`` draws with replacement, weighted (Python's random.choices rule,
    drawn from ``rng``)."""
    cum = list(itertools.accumulate(weights))
    total = cum[-1]
    if not total > 0:
        raise ValueError(f"weights must have a positive sum, got {list(weights)}")
    hi = len(cum) - 1
    return [population[bisect.bisect(cum, rng.random() * total, 0, hi)] for _ in range(k)]


class HeterogeneousUrbanSensingScenario(UrbanSensingScenario):
    """HeterogeneousUrbanSensingScenario(nodes, num_cells=3, cell_density=LogNormal(0.82, loc=2.02), cloudlet_size=(5, 2), internet='internet', *, rng)

    faas-sim raith21's urban sensing topology of given ``nodes`` (named by
    device type, as ``Node.from_device`` makes them): xeoncpu and xeongpu
    nodes in a :class:`XeonCloudlet` (racks of ``cloudlet_size[0]``) on
    :class:`FiberToExchange`; the edge devices in neighborhoods, each a
    :class:`SharedLinkCell` of 10 Gbit/s on a :class:`FasterMobileConnection`
    holding a nuc, boxes of 3 rpi3 / 2 rpi4 / 1 rockpi (as many boxes as the
    drawn size) and a box of accelerators (tx2, nano, coral, nx), with
    faas-sim's rules for splitting and for spreading the rest. The random
    choices are drawn from ``rng`` (a :class:`faassim.Random`).

    ``storage_nodes`` lists, after building, the first node of each
    neighborhood (where faas-sim put the data buckets).

    faas-sim passed the neighborhoods to a ``GeoCell(num_cells, ...)``, which
    built each of them ``num_cells`` times over the same nodes (every edge
    node joined to ``num_cells`` identical copies of its neighborhood);
    faassim builds each neighborhood once (``num_cells`` is kept as a
    parameter and unused): the routes have the same links and latencies.
    """

    def __init__(
        self,
        nodes: Sequence[Node],
        num_cells: int = default_num_cells,
        cell_density: Any = default_cell_density,
        cloudlet_size: Tuple[int, int] = default_cloudlet_size,
        internet: Any = "internet",
        *,
        rng: Any,
    ):
        if rng is None:
            raise TypeError("HeterogeneousUrbanSensingScenario needs rng= a faassim.Random (its choices are random)")
        self.nodes = list(nodes)
        super().__init__(num_cells, cell_density, cloudlet_size, internet, rng=rng)
        self.storage_nodes: List[Node] = []

    def _of(self, device_type: str) -> List[Node]:
        return [n for n in self.nodes if device_type in n.name]

    def _aot_boxes(self, device_type: str, size: int) -> List[IoTComputeBox]:
        found = self._of(device_type)
        return [IoTComputeBox(nodes=found[i : i + size]) for i in range(0, len(found), size)]

    def materialize(self, topology: Topology) -> None:
        neighborhoods = self.create_neighborhoods()
        for cell in neighborhoods:
            topology.add(cell)
        topology.add(self.create_cloudlet())

    def create_neighborhoods(self) -> List[SharedLinkCell]:
        rng = self.rng
        sample = _density_sampler(self.cell_density, rng)
        aot = self._aot_boxes("rpi3", 3) + self._aot_boxes("rpi4", 2) + self._aot_boxes("rockpi", 1)
        rng.shuffle(aot)
        pools = {kind: self._of(kind) for kind in ("tx2", "nano", "coral", "nx")}
        nucs = self._of("nuc")
        neighborhoods: List[SharedLinkCell] = []
        self.storage_nodes = []
        while aot:
            size = sample()
            if size < 1:
                raise ValueError(f"HeterogeneousUrbanSensingScenario: a neighborhood size must be >= 1, drew {size}")
            if size < 4:
                take = max(1, rng.randint(0, size - 1))
            else:
                take = size % 5 or 1
            split = _parts(size, take)
            split += [0] * (4 - len(split))
            rng.shuffle(split)
            kinds = _choices(rng, ["tx2", "nano", "coral", "nx"], split, take)
            accelerators: List[Node] = []
            for i in range(take):
                pool = pools[kinds[i]]
                accelerators.extend(pool[: split[i]])
                pools[kinds[i]] = pool[split[i] :]
            members: List[Any] = [nucs[:1]]
            nucs = nucs[1:]
            members.append(aot[:size])
            aot = aot[size:]
            if accelerators:
                members.append(IoTComputeBox(accelerators))
            neighborhoods.append(
                SharedLinkCell(
                    nodes=members, shared_bandwidth_mbit=10000, backhaul=FasterMobileConnection(self.internet)
                )
            )
        if not neighborhoods:
            raise ValueError("HeterogeneousUrbanSensingScenario: no rpi3, rpi4 or rockpi nodes to build neighborhoods of")
        for kind in ("nx", "tx2", "nano", "coral"):
            for accelerator in pools[kind]:
                target = neighborhoods[rng.randint(0, len(neighborhoods) - 1)]
                target.nodes.append([accelerator])
                if nucs:
                    target.nodes.append([nucs[0]])
                    nucs = nucs[1:]
        for nuc in nucs:
            neighborhoods[rng.randint(0, len(neighborhoods) - 1)].nodes.append([nuc])
        for cell in neighborhoods:
            first = _first_node(cell.nodes)
            if first is not None:
                self.storage_nodes.append(first)
        return neighborhoods

    def create_cloudlet(self) -> XeonCloudlet:
        xeons = self._of("xeoncpu") + self._of("xeongpu")
        return XeonCloudlet(xeons, self.cloudlet_size[0], backhaul=FiberToExchange(self.internet))


def _first_node(members: Iterable[Any]) -> Optional[Node]:
    for m in members:
        if isinstance(m, Node):
            return m
        if isinstance(m, (list, tuple)):
            found = _first_node(m)
        elif isinstance(m, Cell) and isinstance(m.nodes, (list, tuple)):
            found = _first_node(m.nodes)
        else:
            found = None
        if found is not None:
            return found
    return None


def urban_sensing_topology(nodes: Sequence[Node], *, rng: Any, **kwargs: Any) -> Topology:
    """urban_sensing_topology(nodes, *, rng, **kwargs) -> Topology

    faas-sim raith21's ``urban_sensing_topology``: a
    :class:`HeterogeneousUrbanSensingScenario` of ``nodes`` (keyword
    arguments go to it) and the container registry
    (:meth:`Topology.init_docker_registry`)."""
    t = Topology()
    t.add(HeterogeneousUrbanSensingScenario(nodes, rng=rng, **kwargs))
    t.init_docker_registry()
    return t


def all_internet_topology(nodes: Sequence[Node]) -> Topology:
    """all_internet_topology(nodes) -> Topology

    faas-sim raith21's flat topology: each node alone in a :class:`LANCell`
    connected to ``internet`` (LAN latency), and the registry."""
    t = Topology()
    for node in nodes:
        t.add(LANCell(nodes=[node], backhaul="internet"))
    t.init_docker_registry()
    return t
