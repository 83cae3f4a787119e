"""Infrastructure: compute nodes, the topology that holds them, the container
registry with image sizes per architecture, and reference device types.

A :class:`Node` is what faas-sim took from ether (``ether.core.Node``): a name,
a :class:`Capacity` (``node.capacity.cpu_millis``, ``node.capacity.memory``),
an architecture and labels. faassim adds accelerators and a node type, which
the oracles use to look up execution times and resource use per (node type,
image).

>>> topology = Topology([Node.from_device("rpi3_0"), Node("server_0", "8", "16Gi", labels={"zone": "cloud"})])
>>> topology.find_node("rpi3_0").capacity
Capacity(cpu_millis=4000, memory=1023012864)
>>> [(n.name, n.node_type, n.arch) for n in topology]
[('rpi3_0', 'rpi3', 'arm32'), ('server_0', 'server', 'x86')]
"""

from __future__ import annotations

import csv
import functools
import heapq
import io
import math
import numbers
import os
import re
from dataclasses import dataclass, field
from importlib import resources as _resources
from typing import Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Tuple, Union

from faassim.model import Quantity, _check_labels, _check_name, _millicores, parse_memory
from faassim.network_topology import Connection, Hop, Latency, Link, NoRouteError, Route

__all__ = [
    "Capacity",
    "Node",
    "Topology",
    "Link",
    "Hop",
    "Connection",
    "Route",
    "NoRouteError",
    "ImageProperties",
    "ContainerRegistry",
    "split_image_name",
    "DeviceType",
    "load_device_types",
    "node_type_of",
]


def _some(names: List[str], limit: int = 5) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names)} in total)"
    return shown or "none"


# ---------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------

_INDEX_SUFFIX = re.compile(r"_\d+$")


def node_type_of(name: str) -> str:
    """node_type_of(name) -> str

    The node type encoded in a node name: the name without a trailing
    ``_<index>``, or the whole name if it has none. faas-sim's oracles key
    their data by this prefix.

    >>> node_type_of("rpi3_0"), node_type_of("server_12"), node_type_of("xeon_gpu_3"), node_type_of("registry")
    ('rpi3', 'server', 'xeon_gpu', 'registry')
    """
    return _INDEX_SUFFIX.sub("", name)


class Capacity:
    """The capacity of a node: cpu in millicores and memory in bytes (ether's
    defaults: 1000 millicores, 1 GiB). Numbers are millicores and bytes;
    strings are Kubernetes quantities (``"4"`` cores, ``"8Gi"``). Capacities
    are immutable values.

    >>> Capacity(4000, "1Gi") == Capacity("4", 1024**3)
    True
    """

    __slots__ = ("_cpu_millis", "_memory")

    def __init__(self, cpu_millis: Quantity = 1 * 1000, memory: Quantity = 1024 * 1024 * 1024):
        self._cpu_millis = _millicores(cpu_millis, "cpu_millis")
        self._memory = parse_memory(memory)

    @property
    def cpu_millis(self) -> int:
        """CPU capacity in millicores."""
        return self._cpu_millis

    @property
    def memory(self) -> int:
        """Memory capacity in bytes."""
        return self._memory

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Capacity):
            return NotImplemented
        return self._cpu_millis == other._cpu_millis and self._memory == other._memory

    def __hash__(self) -> int:
        return hash((self._cpu_millis, self._memory))

    def __repr__(self) -> str:
        return f"Capacity(cpu_millis={self._cpu_millis}, memory={self._memory})"


def _check_accelerators(accelerators: Any, node: str) -> Dict[str, int]:
    if accelerators is None:
        return {}
    if not isinstance(accelerators, Mapping):
        raise TypeError(f"accelerators of node {node!r} must be a mapping name -> count, got {accelerators!r}")
    checked = {}
    for kind, count in accelerators.items():
        _check_name(kind, f"accelerator name of node {node!r}")
        if isinstance(count, bool) or not isinstance(count, numbers.Integral):
            raise TypeError(f"accelerator count {kind!r} of node {node!r} must be an integer, got {count!r}")
        if count < 0:
            raise ValueError(f"accelerator count {kind!r} of node {node!r} must not be negative, got {count!r}")
        checked[kind] = int(count)
    return checked


CPU_SHARING_MODES = (None, "proportional", "equal")


def _check_sharing(name: str, mode: Any, capacity: Any, res: str = "cpu") -> Tuple[Optional[str], float]:
    if not (mode is None or (isinstance(mode, str) and mode in CPU_SHARING_MODES)):
        raise ValueError(f"node {name!r}: {res}_sharing must be None, 'proportional' or 'equal', got {mode!r}")
    if isinstance(capacity, bool) or not isinstance(capacity, numbers.Real):
        raise TypeError(
            f"node {name!r}: {res}_sharing_capacity must be a real number, got {capacity!r} "
            f"({type(capacity).__name__})"
        )
    cap = float(capacity)
    if not (math.isfinite(cap) and cap > 0.0):
        raise ValueError(f"node {name!r}: {res}_sharing_capacity must be finite and > 0, got {capacity!r}")
    return mode, cap


class Node:
    """A compute node: name, capacity (cpu in millicores, memory in bytes),
    architecture, labels, accelerators and node type.

    ``cpu_millis`` and ``memory`` take numbers (millicores, bytes) or
    Kubernetes quantities (``"4"`` is 4 cores, ``"8Gi"``); without them the
    node gets ether's default capacity (1 core, 1 GiB), and an ether-style
    ``capacity=Capacity(...)`` keyword (or a Capacity as second argument) is
    accepted too. ``accelerators`` maps a kind to a count (``{'gpu': 1}``).
    ``node_type`` defaults to :func:`node_type_of` the name. Further keyword
    arguments become attributes of the node. Nodes compare by identity;
    ``str(node)`` is its name.

    ``cpu_sharing`` turns on processor sharing of the node's cpu (off by
    default: every execution runs at full speed whatever the node's load).
    With ``"proportional"``, when the executions running on the node claim
    more cpu than ``cpu_sharing_capacity``, each progresses at its share
    ``capacity * claim / total claims``, so all stretch by the same factor;
    with ``"equal"`` each gets an equal share, none more than its claim
    (what one leaves goes to the others). The capacity is in the units of
    the cpu claims (default 1.0, the whole node: the reference
    characterizations claim fractions of the node; give the node's
    millicores if your claims are millicores). ``gpu_sharing`` and
    ``gpu_sharing_capacity`` do the same for the gpu claims; an execution
    then runs at the lowest speed its shared resources allow. The platform
    reads them when it takes the node; ``env.faas.set_cpu_sharing(node,
    mode, capacity)`` (``set_gpu_sharing``) changes them during a run.

    >>> n = Node("nx_0", "6", "8Gi", arch="aarch64", accelerators={"gpu": 1})
    >>> n.cpu_millis, n.memory, n.node_type, n.accelerators
    (6000, 8589934592, 'nx', {'gpu': 1})
    >>> Node("bad_0", 0, "1Gi")
    Traceback (most recent call last):
    ...
    ValueError: node 'bad_0': cpu capacity must be positive, got 0 millicores
    >>> Node("rpi_0", cpu_sharing="proportional").cpu_sharing
    'proportional'
    >>> Node("rpi_1", cpu_sharing="fair")
    Traceback (most recent call last):
    ...
    ValueError: node 'rpi_1': cpu_sharing must be None, 'proportional' or 'equal', got 'fair'
    """

    name: str
    capacity: Capacity
    arch: str
    labels: Dict[str, Any]
    accelerators: Dict[str, int]
    node_type: str

    def __init__(
        self,
        name: str,
        cpu_millis: Union[Quantity, Capacity, None] = None,
        memory: Optional[Quantity] = None,
        arch: str = "x86",
        labels: Optional[Mapping[str, Any]] = None,
        accelerators: Optional[Mapping[str, int]] = None,
        node_type: Optional[str] = None,
        *,
        cpu_sharing: Optional[str] = None,
        cpu_sharing_capacity: float = 1.0,
        gpu_sharing: Optional[str] = None,
        gpu_sharing_capacity: float = 1.0,
        **kwargs: Any,
    ):
        _check_name(name, "node name")
        self._cpu_sharing, self._cpu_sharing_capacity = _check_sharing(name, cpu_sharing, cpu_sharing_capacity)
        self._gpu_sharing, self._gpu_sharing_capacity = _check_sharing(name, gpu_sharing, gpu_sharing_capacity, "gpu")
        capacity = kwargs.pop("capacity", None)
        if capacity is None and hasattr(cpu_millis, "cpu_millis") and memory is None:
            capacity, cpu_millis = cpu_millis, None  # ether's Node(name, Capacity(...))
        if capacity is not None:
            if cpu_millis is not None or memory is not None:
                raise TypeError(f"node {name!r}: give either capacity or cpu_millis/memory, not both")
            if not (hasattr(capacity, "cpu_millis") and hasattr(capacity, "memory")):
                raise TypeError(f"node {name!r}: capacity must be a Capacity, got {capacity!r}")
            cpu_millis, memory = capacity.cpu_millis, capacity.memory
        try:
            self.capacity = Capacity(1000 if cpu_millis is None else cpu_millis, 1024**3 if memory is None else memory)
        except (TypeError, ValueError) as e:
            raise type(e)(f"node {name!r}: {e}") from None
        if self.capacity.cpu_millis <= 0:
            raise ValueError(f"node {name!r}: cpu capacity must be positive, got {self.capacity.cpu_millis} millicores")
        if self.capacity.memory <= 0:
            raise ValueError(f"node {name!r}: memory capacity must be positive, got {self.capacity.memory} bytes")
        self.name = name
        self.arch = _check_name(arch, f"arch of node {name!r}")
        self.labels = _check_labels(labels, f"labels of node {name!r}")
        self.accelerators = _check_accelerators(accelerators, name)
        self.node_type = node_type_of(name) if node_type is None else _check_name(node_type, f"node_type of {name!r}")
        for key, value in kwargs.items():
            if hasattr(self, key):
                raise TypeError(f"node {name!r}: extra attribute {key!r} would hide a Node attribute")
            setattr(self, key, value)

    @property
    def cpu_sharing(self) -> Optional[str]:
        """Processor sharing of the node's cpu: None (off), ``"proportional"``
        or ``"equal"``; set at construction (during a run:
        ``env.faas.set_cpu_sharing``)."""
        return self._cpu_sharing

    @property
    def cpu_sharing_capacity(self) -> float:
        """The cpu the executions share, in the units of their claims (1.0:
        the whole node)."""
        return self._cpu_sharing_capacity

    @property
    def gpu_sharing(self) -> Optional[str]:
        """Processor sharing of the node's gpu (as :attr:`cpu_sharing`)."""
        return self._gpu_sharing

    @property
    def gpu_sharing_capacity(self) -> float:
        """The gpu the executions share, in the units of their claims (1.0:
        the node's gpu)."""
        return self._gpu_sharing_capacity

    @property
    def cpu_millis(self) -> int:
        """CPU capacity in millicores (``capacity.cpu_millis``)."""
        return self.capacity.cpu_millis

    @property
    def memory(self) -> int:
        """Memory capacity in bytes (``capacity.memory``)."""
        return self.capacity.memory

    @property
    def ether_node(self) -> "Node":
        """The node itself. faas-sim's ``replica.node`` was a ``NodeState``
        whose ``ether_node`` was the topology's node; faassim's
        ``replica.node`` is that node, so ``replica.node.ether_node`` (as in
        ``docker.pull(env, image, replica.node.ether_node)``) still works."""
        return self

    @property
    def current_requests(self) -> set:
        """A set of your own for the requests running on the node
        (faas-sim's ``NodeState.current_requests``; its watchdogs added and
        removed each request). faassim's platform neither fills nor reads it:
        it counts the requests of each replica in ``replica.inflight``. The
        set belongs to the node object, so a topology reused by several
        simulations shares it.

        >>> n = Node("nuc_0")
        >>> n.current_requests.add("request 0"); len(n.current_requests)
        1
        """
        requests = self.__dict__.get("_current_requests")
        if requests is None:
            requests = self.__dict__["_current_requests"] = set()
        return requests

    @classmethod
    def from_device(cls, name: str, device_type: Union[str, "DeviceType", None] = None, **kwargs: Any) -> "Node":
        """from_device(name, device_type=None, **kwargs) -> Node

        A node of a reference device type (see :func:`load_device_types`),
        with its capacity, architecture, accelerators and labels. The type
        defaults to the one in the name (``"nano_3"`` is a ``nano``).
        Keyword arguments override the device's (``labels`` are merged).

        >>> n = Node.from_device("gpu_box_1", "xeongpu")
        >>> n.node_type, n.arch, n.cpu_millis, n.accelerators, n.labels["locality.skippy.io/type"]
        ('xeongpu', 'x86', 4000, {'gpu': 1}, 'cloud')
        """
        if device_type is None:
            device_type = node_type_of(_check_name(name, "node name"))
        if isinstance(device_type, str):
            types = _packaged_device_types()  # read once; only read here (labels are copied below)
            if device_type not in types:
                raise KeyError(f"unknown device type {device_type!r}; known types: {sorted(types)}")
            device_type = types[device_type]
        labels = dict(device_type.labels)
        labels.update(kwargs.pop("labels", None) or {})
        args: Dict[str, Any] = dict(
            cpu_millis=device_type.cpu_millis,
            memory=device_type.memory,
            arch=device_type.arch,
            accelerators=dict(device_type.accelerators),
            node_type=device_type.name,
        )
        args.update(kwargs)
        return cls(name, labels=labels, **args)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        extra = f", accelerators={self.accelerators!r}" if self.accelerators else ""
        if self._cpu_sharing is not None:
            extra += f", cpu_sharing={self._cpu_sharing!r}, cpu_sharing_capacity={self._cpu_sharing_capacity!r}"
        if self._gpu_sharing is not None:
            extra += f", gpu_sharing={self._gpu_sharing!r}, gpu_sharing_capacity={self._gpu_sharing_capacity!r}"
        return (
            f"Node({self.name!r}, cpu_millis={self.cpu_millis}, memory={self.memory}, arch={self.arch!r}, "
            f"node_type={self.node_type!r}{extra})"
        )


Vertex = Union[Node, Link, Hop]


class _Edge:
    """A directed edge: its connection and the values routes use."""

    __slots__ = ("connection", "nominal", "value")

    def __init__(self, connection: Connection):
        self.connection = connection
        self.nominal = connection.nominal_latency
        self.value = connection.latency if connection.latency_dist is None else connection.latency_dist


#: Shortest-path trees kept per topology (the most recently used sources).
_TREES_KEPT = 64


class Topology:
    """The simulated infrastructure: compute nodes, transparent hops (switches,
    routers, the internet) and links with a bandwidth, joined by connections
    with a latency (the model of :mod:`faassim.network_topology`, which is
    ether's). Every vertex has a name unique in the topology.

    A topology without hops or links is what it always was: the compute nodes
    by unique name, in insertion order. ``len``, ``in``, iteration,
    :meth:`get_nodes` and :meth:`find_node` see compute nodes only; hops and
    links are reached with :meth:`get_hops`, :meth:`get_links` and
    :meth:`vertex`.

    >>> t = Topology([Node("a_0"), Node("a_1")])
    >>> len(t), "a_1" in t, [n.name for n in t.get_nodes()]
    (2, True, ['a_0', 'a_1'])
    >>> t.find_node("b_0")
    Traceback (most recent call last):
    ...
    KeyError: "unknown node 'b_0'; known nodes: 'a_0', 'a_1'"

    Links and routes (bandwidth in bytes/s, latency in seconds):

    >>> for name in ("a_0", "a_1"):
    ...     nic = t.add_link(Link(bandwidth_mbit=1000, name=f"link_{name}"))
    ...     _ = t.connect(name, nic, latency_ms=0.5)
    ...     _ = t.connect(nic, "switch_0", create=True)
    >>> r = t.route("a_0", "a_1")
    >>> [str(v) for v in r.path], r.link_ids, round(r.rtt, 9)
    (['a_0', 'link_a_0', 'switch_0', 'link_a_1', 'a_1'], (0, 1), 0.002)
    """

    def __init__(self, nodes: Optional[Iterable[Node]] = None):
        self._vertices: List[Vertex] = []  # vertex index -> vertex
        self._index: Dict[str, int] = {}  # name -> vertex index
        self._nodes: Dict[str, Node] = {}  # compute nodes, in insertion order
        self._links: List[Link] = []  # link.index -> link
        self._hops: List[Hop] = []
        self._out: List[Dict[int, _Edge]] = []  # vertex index -> {target index: edge}
        self._edges = 0
        self._version = 0
        self._routes: Dict[Tuple[int, int], Route] = {}
        self._trees: Dict[int, Any] = {}  # source index -> resumable Dijkstra state
        self._adj: Optional[List[Tuple[Tuple[int, float], ...]]] = None
        self._struct: Optional[Tuple[List[int], List[int], List[int]]] = None
        self._counters: Dict[str, int] = {}
        for node in nodes or ():
            self.add_node(node)

    # -- bookkeeping --

    def _changed(self, structure: bool = True) -> None:
        """Drop what a change makes stale: the cached routes, the searches,
        the adjacency (latencies) and, unless only latencies changed, the
        tree structure."""
        self._version += 1
        self._routes.clear()
        self._trees.clear()
        self._adj = None
        if structure:
            self._struct = None

    @property
    def version(self) -> int:
        """A number that grows at every change of the graph (a vertex, an edge
        or a latency added or changed); cached routes are dropped then. The
        platform (``env.faas``) calls :meth:`get_nodes` again only when it
        has grown."""
        return self._version

    def _new_vertex(self, name: str, vertex: Vertex) -> int:
        """Append ``vertex`` under ``name``; returns its index."""
        i = len(self._vertices)
        self._vertices.append(vertex)
        self._index[name] = i
        self._out.append({})
        return i

    def _check_new_name(self, name: str, vertex: object) -> None:
        """ValueError naming the vertex that already has ``name``."""
        if name in self._index:
            other = self._vertices[self._index[name]]
            raise ValueError(f"topology already has a {_kind_of(other)} named {name!r}; cannot add {vertex!r}")

    # -- vertices --

    def add_node(self, node: Node) -> Node:
        """Add the compute node ``node``; ``ValueError`` if a vertex of that
        name exists. Returns the node."""
        if not isinstance(node, Node):
            raise TypeError(f"a Topology holds Node objects, not {type(node).__name__} {node!r}")
        if node.name in self._index:
            raise ValueError(f"topology already has a {_kind_of(self._vertices[self._index[node.name]])} named {node.name!r}")
        self._new_vertex(node.name, node)
        self._nodes[node.name] = node
        self._changed()
        return node

    def add_link(self, link: Link) -> Link:
        """Add ``link`` (see :class:`~faassim.network_topology.Link`), give it
        its ``index`` (the number of links added before it) and, if unnamed,
        the name ``link#<index>`` (or the next free ``link#<n>``). Returns
        the link."""
        if not isinstance(link, Link):
            raise TypeError(f"add_link takes a Link, not {type(link).__name__} {link!r}")
        if link._topology is self:
            raise ValueError(f"{link!r} is already in this topology")
        if link._topology is not None:
            raise ValueError(f"{link!r} already belongs to another topology (a link is one vertex of one topology)")
        index = len(self._links)
        name = link.name
        if name is None:
            k = index
            while f"link#{k}" in self._index:  # so that naming never fails
                k += 1
            name = f"link#{k}"
        self._check_new_name(name, link)
        link._name, link._index, link._topology = name, index, self
        self._new_vertex(name, link)
        self._links.append(link)
        self._changed()
        return link

    def add_hop(self, hop: Union[Hop, str], kind: Optional[str] = None) -> Hop:
        """Add a transparent hop (a :class:`~faassim.network_topology.Hop` or
        a name, with ``kind``). Returns the hop."""
        if isinstance(hop, str):
            hop = Hop(hop, kind)
        elif not isinstance(hop, Hop):
            raise TypeError(f"add_hop takes a Hop or a name, not {type(hop).__name__} {hop!r}")
        self._check_new_name(hop.name, hop)
        self._new_vertex(hop.name, hop)
        self._hops.append(hop)
        self._changed()
        return hop

    def get_nodes(self) -> List[Node]:
        """All compute nodes, in the order they were added."""
        return list(self._nodes.values())

    def get_links(self) -> List[Link]:
        """All links, by ``index``."""
        return list(self._links)

    def get_hops(self) -> List[Hop]:
        """All transparent hops, in the order they were added."""
        return list(self._hops)

    def vertices(self) -> List[Vertex]:
        """Every vertex (nodes, hops and links), in the order they were added."""
        return list(self._vertices)

    def find_node(self, name: str) -> Node:
        """The compute node named ``name``; ``KeyError`` naming it (and some
        known nodes) if there is none. (faas-sim returned None.)"""
        try:
            return self._nodes[name]
        except (KeyError, TypeError):
            raise KeyError(f"unknown node {name!r}; known nodes: {_some(list(self._nodes))}") from None

    def vertex(self, name: str) -> Vertex:
        """The vertex (node, hop or link) named ``name``; ``KeyError`` if none."""
        return self._vertices[self._lookup(name, "vertex")]

    def has_vertex(self, item: object) -> bool:
        """Whether ``item`` (a vertex or a name) is a vertex of this topology."""
        try:
            self._lookup(item, "vertex")
        except (KeyError, TypeError):
            return False
        return True

    def _lookup(self, item: Any, what: str) -> int:
        """The index of the vertex ``item`` (a vertex of this topology or a
        name); KeyError naming it otherwise."""
        if isinstance(item, str):
            i = self._index.get(item)
            if i is not None:
                return i
            raise KeyError(f"unknown {what} {item!r}: no vertex of that name in the topology") from None
        if isinstance(item, (Node, Link, Hop)):
            i = self._index.get(item.name) if item.name is not None else None  # type: ignore[union-attr]
            if i is not None and (
                self._vertices[i] is item or isinstance(item, Hop) and isinstance(self._vertices[i], Hop)
            ):
                return i  # a hop is its name (ether's hops were strings)
            raise KeyError(f"unknown {what} {item!r}: not a vertex of this topology")
        raise TypeError(f"{what} must be a Node, Link, Hop or a vertex name, got {type(item).__name__} {item!r}")

    def _plan_vertex(self, item: Any, create: bool, planned: Dict[str, Any], what: str) -> Any:
        """What ``item`` resolves to: an index, or a vertex to add (checked
        without changing anything)."""
        try:
            return self._lookup(item, what)
        except KeyError:
            if not create:
                raise
        if isinstance(item, str):
            item = planned.get(item) or Hop(item)
        if isinstance(item, Link):
            if item._topology is not None:
                raise ValueError(f"{what} {item!r} already belongs to another topology")
            if item.name is None:
                return item
        name = item.name
        if name in self._index:
            self._check_new_name(name, item)
        other = planned.get(name)
        if other is not None and other is not item:
            raise ValueError(f"two different vertices named {name!r}: {other!r} and {item!r}")
        planned[name] = item
        return item

    def _add_planned(self, item: Any) -> int:
        """Add a vertex :meth:`_plan_vertex` planned (an index: nothing to do); returns its index."""
        if isinstance(item, int):
            return item
        if isinstance(item, Node):
            if item.name in self._index:
                return self._index[item.name]
            self.add_node(item)
        elif isinstance(item, Link):
            if item._topology is self:  # the same new link at both ends
                return self._lookup(item, "link")
            self.add_link(item)
        else:
            if item.name in self._index:
                return self._index[item.name]
            self.add_hop(item)
        return len(self._vertices) - 1

    # -- edges --

    def add_connection(self, connection: Connection, directed: bool = False) -> Connection:
        """add_connection(connection, directed=False) -> connection

        ether's way to add an edge: vertices of ``connection`` that are not in
        the topology yet are added (a name that is not a vertex becomes a
        :class:`~faassim.network_topology.Hop`, as ether's string vertices).
        Undirected (the default): edges both ways, sharing the connection.
        An edge that exists already is replaced (networkx's rule). Nothing
        changes if anything is wrong."""
        if not isinstance(connection, Connection):
            raise TypeError(
                f"add_connection takes a Connection (faassim.network_topology.Connection), not {connection!r}; "
                f"use connect(a, b, latency) for plain vertices"
            )
        return self._connect(connection, directed, create=True)

    conn = add_connection

    def connect(
        self,
        source: Any,
        target: Any,
        latency: Optional[Latency] = 0.0,
        *,
        latency_ms: Optional[Latency] = None,
        directed: bool = False,
        create: bool = False,
    ) -> Connection:
        """connect(source, target, latency=0.0, *, latency_ms=None, directed=False, create=False) -> Connection

        Join two vertices (vertices of this topology or their names) with a
        connection of ``latency`` seconds (a number or a distribution), or
        ``latency_ms`` milliseconds. Both ends must exist unless
        ``create=True`` (then, as :meth:`add_connection`, missing vertices are
        added and unknown names become hops). Returns the connection."""
        return self._connect(Connection(source, target, latency, latency_ms=latency_ms), directed, create)

    def _connect(self, connection: Connection, directed: bool, create: bool) -> Connection:
        """Check ``connection`` whole, then add its missing vertices (with ``create``) and its edge(s)."""
        if not isinstance(directed, bool):
            raise TypeError(f"directed must be True or False, got {directed!r}")
        planned: Dict[str, Any] = {}
        src = self._plan_vertex(connection.source, create, planned, "source vertex")
        dst = self._plan_vertex(connection.target, create, planned, "target vertex")
        if src is dst or (isinstance(src, int) and src == dst):
            raise ValueError(f"{connection!r}: a connection needs two different vertices")
        a = self._vertices[src] if isinstance(src, int) else src
        b = self._vertices[dst] if isinstance(dst, int) else dst
        if isinstance(a, Node) and isinstance(b, Node):
            raise ValueError(
                f"{connection!r}: compute nodes {a.name!r} and {b.name!r} cannot be connected directly; "
                f"put a link between them (ether's rule)"
            )
        # checked: from here on nothing fails
        s = self._add_planned(src)
        d = self._add_planned(dst)
        edge = _Edge(connection)
        self._set_edge(s, d, edge)
        if not directed:
            self._set_edge(d, s, edge)
        self._changed()
        return connection

    def _set_edge(self, s: int, d: int, edge: _Edge) -> None:
        """Set (or replace) the edge ``s`` -> ``d``."""
        out = self._out[s]
        if d not in out:
            self._edges += 1
        out[d] = edge

    def set_latency(
        self, source: Any, target: Any, latency: Optional[Latency] = 0.0, *, latency_ms: Optional[Latency] = None
    ) -> Connection:
        """Change the latency of the edge ``source`` -> ``target`` (and of the
        edge back, if the two were added as one undirected connection).
        ``KeyError`` if there is no such edge. Returns the new connection."""
        s = self._lookup(source, "source vertex")
        d = self._lookup(target, "target vertex")
        edge = self._out[s].get(d)
        if edge is None:
            raise KeyError(f"no connection from {str(self._vertices[s])!r} to {str(self._vertices[d])!r}")
        new = _Edge(edge.connection.with_latency(latency, latency_ms=latency_ms))
        back = self._out[d].get(s)
        self._out[s][d] = new
        if back is edge:
            self._out[d][s] = new
        self._changed(structure=False)
        return new.connection

    def get_connection(self, source: Any, target: Any) -> Connection:
        """The connection of the edge ``source`` -> ``target``; ``KeyError``
        if there is none."""
        s = self._lookup(source, "source vertex")
        d = self._lookup(target, "target vertex")
        edge = self._out[s].get(d)
        if edge is None:
            raise KeyError(f"no connection from {str(self._vertices[s])!r} to {str(self._vertices[d])!r}")
        return edge.connection

    def edges(self) -> List[Tuple[Vertex, Vertex, Connection]]:
        """Every directed edge as (source, target, connection), by source in
        vertex order, then in the order the edges were added."""
        vs = self._vertices
        return [(vs[s], vs[d], e.connection) for s, out in enumerate(self._out) for d, e in out.items()]

    def successors(self, vertex: Any) -> List[Vertex]:
        """The vertices an edge leads to from ``vertex``."""
        return [self._vertices[d] for d in self._out[self._lookup(vertex, "vertex")]]

    # -- routes --

    def route(self, source: Any, destination: Any) -> Route:
        """route(source, destination) -> Route

        The lowest-latency route between two vertices (vertices or names; in
        practice compute nodes or the registry), by nominal latency (see
        :class:`~faassim.network_topology.Connection`), following edge
        directions. Ties: among paths of equal latency the one with the fewest
        vertices; if that ties too, each vertex is entered from the
        neighbour that was reached first (lowest latency, then fewest hops,
        then added to the topology earliest), so the choice depends only on
        the topology. Routes are cached until the topology changes.

        ``KeyError`` for an unknown vertex; :class:`NoRouteError` (a
        ``LookupError``) naming both ends when no path exists."""
        s = self._lookup(source, "route source")
        d = self._lookup(destination, "route destination")
        key = (s, d)
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = self._resolve(s, d)
        return route

    def route_by_node_name(self, source_name: str, destination_name: str) -> Route:
        """faas-sim's name for :meth:`route` between two names."""
        return self.route(source_name, destination_name)

    def path(self, source: Any, destination: Any) -> List[Vertex]:
        """The vertices of :meth:`route` from ``source`` to ``destination``."""
        return list(self.route(source, destination).path)

    def latency(self, source: Any, destination: Any) -> float:
        """The nominal one-way latency in seconds between two vertices
        (``route(...).rtt / 2``, as ether's)."""
        return self.route(source, destination).latency

    def _structure(self) -> Tuple[List[int], List[int], List[int]]:
        """(parent, root, depth) per vertex: the graph without edge
        directions, with vertices of degree 1 peeled off repeatedly. A peeled
        vertex hangs from its parent in a tree whose root is a vertex of the
        remaining core (root == itself, depth 0, parent -1 for core
        vertices). Any path between two vertices of one tree stays in it, and
        a path from a tree to elsewhere leaves through its root, so routes
        only search the core. Kept until a vertex or an edge is added."""
        st = self._struct
        if st is None:
            n = len(self._vertices)
            nbrs: List[set] = [set() for _ in range(n)]
            for u, out in enumerate(self._out):
                for v in out:
                    nbrs[u].add(v)
                    nbrs[v].add(u)
            degree = [len(x) for x in nbrs]
            parent = [-1] * n
            peeled = [False] * n
            order = []
            stack = [v for v in range(n) if degree[v] == 1]
            while stack:
                v = stack.pop()
                if peeled[v] or degree[v] != 1:
                    continue
                peeled[v] = True
                order.append(v)
                for p in nbrs[v]:
                    if not peeled[p]:
                        break
                parent[v] = p
                degree[p] -= 1
                if degree[p] == 1:
                    stack.append(p)
            root = list(range(n))
            depth = [0] * n
            for v in reversed(order):
                p = parent[v]
                root[v] = root[p]
                depth[v] = depth[p] + 1
            st = self._struct = (parent, root, depth)
        return st

    def _adjacency(self) -> List[Tuple[Tuple[int, float], ...]]:
        """Per vertex, the (target, nominal latency) of its edges within the
        core (empty for peeled vertices)."""
        adj = self._adj
        if adj is None:
            parent = self._structure()[0]
            adj = self._adj = [
                tuple((d, e.nominal) for d, e in out.items() if parent[d] < 0) if parent[u] < 0 else ()
                for u, out in enumerate(self._out)
            ]
        return adj

    def _no_route(self, s: int, d: int) -> NoRouteError:
        """The NoRouteError naming both ends."""
        vs = self._vertices
        return NoRouteError(f"no route from {str(vs[s])!r} to {str(vs[d])!r}")

    def _resolve(self, s: int, d: int) -> Route:
        """The route from vertex index ``s`` to ``d`` (uncached): tree parts walked, core searched."""
        vs = self._vertices
        out = self._out
        if s == d:
            return Route(vs[s], vs[d], (vs[s],), (), 0.0)
        parent, root, depth = self._structure()
        rs, rd = root[s], root[d]
        # the tree parts: up from s, down to d (to their common vertex, or to the roots)
        up, down = [s], [d]
        a, b = s, d
        if rs == rd:
            while depth[a] > depth[b]:
                a = parent[a]
                up.append(a)
            while depth[b] > depth[a]:
                b = parent[b]
                down.append(b)
            while a != b:
                a, b = parent[a], parent[b]
                up.append(a)
                down.append(b)
            core = [a]  # the common vertex ends both up and down
        else:
            while a != rs:
                a = parent[a]
                up.append(a)
            while b != rd:
                b = parent[b]
                down.append(b)
            core = self._core_path(rs, rd)
            if core is None:
                raise self._no_route(s, d)
        order = up[:-1] + core + down[-2::-1]  # up and down end at the core path's ends
        latencies = []
        total = 0.0
        for x, y in zip(order, order[1:]):
            edge = out[x].get(y)
            if edge is None:  # a tree edge that points the other way
                raise self._no_route(s, d)
            latencies.append(edge.value)
            total += edge.nominal
        return Route(vs[s], vs[d], tuple(vs[i] for i in order), tuple(latencies), 2.0 * total)

    def _core_path(self, s: int, d: int) -> Optional[List[int]]:
        """The vertex indices of the lowest-latency path between two core
        vertices, or None."""
        tree = self._trees.pop(s, None)
        if tree is None:
            tree = ({s: 0.0}, {s: 0}, {}, set(), [(0.0, 0, s)])  # dist, hops, pred, done, heap
        self._trees[s] = tree  # most recently used last
        if len(self._trees) > _TREES_KEPT:
            del self._trees[next(iter(self._trees))]
        dist, hops, pred, done, heap = tree
        if d not in done:
            _dijkstra(self._adjacency(), dist, hops, pred, done, heap, d)
            if d not in done:
                return None
        path = [d]
        while path[-1] != s:
            path.append(pred[path[-1]])
        path.reverse()
        return path

    # -- ether and faas-sim helpers --

    def add(self, cell: Any) -> "Topology":
        """add(cell) -> self

        Build ``cell`` (a cell or scenario of :mod:`faassim.cells`, or any
        object with ``materialize(topology)``) into this topology; returns the
        topology for chaining (ether's ``Topology.add``)."""
        materialize = getattr(cell, "materialize", None)
        if materialize is None:
            raise TypeError(f"Topology.add takes a cell or scenario with materialize(topology), got {cell!r}")
        materialize(self)
        return self

    def next_name(self, prefix: str) -> str:
        """next_name(prefix) -> str

        ``f"{prefix}_{k}"`` for the next k of this topology's counter for
        ``prefix`` (from 0) whose name is free. The builders name nodes,
        switches and links with it, as ether's per-process counters did."""
        k = self._counters.get(prefix, 0)
        while f"{prefix}_{k}" in self._index:
            k += 1
        self._counters[prefix] = k + 1
        return f"{prefix}_{k}"

    def init_docker_registry(self, name: str = "registry") -> Hop:
        """init_docker_registry(name='registry') -> Hop

        faas-sim's container registry: a hop named ``name`` (kind
        ``"registry"``) connected, with zero latency, to every hop whose name
        starts with ``internet``. It is not a compute node: :meth:`get_nodes`
        does not list it (faas-sim's ``Node('registry')`` was listed, and its
        scheduler had to skip it); routes from it work by name
        (``route('registry', node)``)."""
        if name in self._index:
            registry = self._vertices[self._index[name]]
            if not isinstance(registry, Hop):
                raise ValueError(f"init_docker_registry: {name!r} is a {_kind_of(registry)}, not a hop")
        else:
            registry = self.add_hop(Hop(name, "registry"))
        r = self._index[name]
        for hop in list(self._hops):
            if hop.name.startswith("internet") and hop is not registry:
                h = self._index[hop.name]
                if r not in self._out[h]:
                    self._connect(Connection(hop, registry), False, False)
        return registry

    def load_inet_graph(self, source: Any, *, latency_unit: str, node_prefix: str = "internet_") -> None:
        """load_inet_graph(source, *, latency_unit, node_prefix='internet_')

        Add an internet latency graph (ether's ``load_inet_graph``): ``source``
        is a networkx graph or the path of a GraphML file whose edges carry a
        ``latency`` attribute; each vertex ``v`` becomes the hop
        ``node_prefix + v``, each edge a directed connection. ``latency_unit``
        (``"ms"``, as in ether's files, or ``"s"``) must be given. faassim does
        not ship ether's measured graphs."""
        if latency_unit not in ("ms", "s"):
            raise ValueError(f"latency_unit must be 'ms' or 's', got {latency_unit!r}")
        graph = source
        if isinstance(source, (str, os.PathLike)):
            nx = _networkx("load_inet_graph")
            if not os.path.exists(source):
                raise FileNotFoundError(
                    f"load_inet_graph: no file {source!r} (faassim does not ship ether's internet graphs such as "
                    f"'cloudping'; pass the path of a GraphML file or a networkx graph)"
                )
            graph = nx.read_graphml(source)
        plan = []
        for u, v, data in graph.edges(data=True):
            if "latency" not in data:
                raise ValueError(f"load_inet_graph: edge {u!r} -> {v!r} has no 'latency' attribute")
            value = data["latency"]
            key = {"latency_ms": value} if latency_unit == "ms" else {"latency": value}
            plan.append(Connection(f"{node_prefix}{u}", f"{node_prefix}{v}", **key))
            if not graph.is_directed():
                plan.append(Connection(f"{node_prefix}{v}", f"{node_prefix}{u}", **key))
        for name in {n for c in plan for n in (c.source, c.target)}:
            if name in self._index and not isinstance(self._vertices[self._index[name]], Hop):
                raise ValueError(f"load_inet_graph: {name!r} is a {_kind_of(self._vertices[self._index[name]])}, not a hop")
        for c in plan:
            self._connect(c, True, True)

    # -- networkx --

    @classmethod
    def from_networkx(cls, graph: Any) -> "Topology":
        """Topology.from_networkx(graph) -> Topology

        A topology from a networkx graph (a ``Graph``: undirected edges; a
        ``DiGraph``: directed). Vertex attributes:

        - ``kind``: ``"node"``, ``"link"`` or ``"hop"`` (default: ``"node"`` if
          the vertex has a ``node`` attribute or is a :class:`Node`, ``"link"``
          if it has a ``bandwidth``/``bandwidth_mbit`` attribute or is a
          :class:`Link`, else ``"hop"``);
        - node: ``node`` (a :class:`Node`), or ``device_type`` (a reference
          device, see :meth:`Node.from_device`), or ``cpu_millis``,
          ``memory``, ``arch``, ``labels``, ``accelerators``, ``node_type``;
        - link: ``bandwidth`` (bytes/s) or ``bandwidth_mbit``, ``tags``;
        - hop: ``hop_kind``.

        Vertex keys are names (a :class:`Node`, :class:`Link` or
        :class:`~faassim.network_topology.Hop` key is taken as is). Edge
        attributes: ``latency`` (seconds, a number or a distribution),
        ``latency_ms``, or ``latency_dist`` (a distribution in seconds).
        Vertices come in the graph's order, then edges. networkx is imported
        only here."""
        _networkx("Topology.from_networkx")
        t = cls()
        directed = graph.is_directed()
        for key, data in graph.nodes(data=True):
            t._add_from_nx(key, data)
        for u, v, data in graph.edges(data=True):
            extra = set(data) - {"latency", "latency_ms", "latency_dist", "directed", "connection"}
            if extra:
                raise ValueError(f"from_networkx: edge {u!r} -> {v!r} has unknown attributes {sorted(extra)}")
            conn = Connection(
                t._nx_vertex(u),
                t._nx_vertex(v),
                data.get("latency", 0.0),
                data.get("latency_dist"),
                latency_ms=data.get("latency_ms"),
            )
            t._connect(conn, directed, False)
        return t

    def _nx_vertex(self, key: Any) -> Vertex:
        """The vertex of a networkx vertex key (already added)."""
        if isinstance(key, (Node, Link, Hop)):
            return key
        return self._vertices[self._lookup(str(key), "vertex")]

    def _add_from_nx(self, key: Any, data: Mapping[str, Any]) -> None:
        """Add the vertex of a networkx vertex key and its attributes."""
        if isinstance(key, Node):
            data = dict(data, node=key)
        if isinstance(key, Link):
            if data:
                raise ValueError(f"from_networkx: Link vertex {key!r} takes no attributes, got {sorted(data)}")
            self.add_link(key)
            return
        if isinstance(key, Hop):
            self.add_hop(key)
            return
        name = key.name if isinstance(key, Node) else key
        if not isinstance(name, str):
            raise TypeError(f"from_networkx: vertex keys must be names (strings), got {key!r}")
        kind = data.get("kind")
        if kind is None:
            kind = "node" if "node" in data or "device_type" in data or "cpu_millis" in data else (
                "link" if "bandwidth" in data or "bandwidth_mbit" in data else "hop")
        if kind == "node":
            node = data.get("node")
            if node is None:
                args = {k: v for k, v in data.items() if k != "kind"}
                device = args.pop("device_type", None)
                node = Node.from_device(name, device, **args) if device is not None else Node(name, **args)
            elif node.name != name:
                raise ValueError(f"from_networkx: vertex {name!r} holds node {node.name!r}")
            self.add_node(node)
        elif kind == "link":
            extra = set(data) - {"kind", "bandwidth", "bandwidth_mbit", "tags", "link"}
            if extra:
                raise ValueError(f"from_networkx: link {name!r} has unknown attributes {sorted(extra)}")
            self.add_link(
                Link(data.get("bandwidth"), data.get("tags"), bandwidth_mbit=data.get("bandwidth_mbit"), name=name)
            )
        elif kind == "hop":
            extra = set(data) - {"kind", "hop_kind"}
            if extra:
                raise ValueError(f"from_networkx: hop {name!r} has unknown attributes {sorted(extra)}")
            self.add_hop(Hop(name, data.get("hop_kind")))
        else:
            raise ValueError(f"from_networkx: vertex {name!r} has kind {kind!r}; expected 'node', 'link' or 'hop'")

    def to_networkx(self) -> Any:
        """to_networkx() -> networkx.DiGraph

        The topology as a networkx ``DiGraph`` keyed by vertex name, with the
        attributes :meth:`from_networkx` reads: ``kind``, ``node`` (the Node),
        ``bandwidth`` (bytes/s) and ``tags`` for links, ``hop_kind`` for hops;
        per edge ``latency`` (seconds: the number or the distribution)."""
        nx = _networkx("Topology.to_networkx")
        g = nx.DiGraph()
        for v in self._vertices:
            if isinstance(v, Node):
                g.add_node(v.name, kind="node", node=v)
            elif isinstance(v, Link):
                g.add_node(v.name, kind="link", bandwidth=v.bandwidth, tags=dict(v.tags))
            else:
                g.add_node(v.name, kind="hop", hop_kind=v.kind)
        for a, b, conn in self.edges():
            g.add_edge(str(a), str(b), latency=conn.latency_dist if conn.latency_dist is not None else conn.latency)
        return g

    # -- the node container --

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Node):
            return self._nodes.get(item.name) is item
        try:
            return item in self._nodes
        except TypeError:
            return False

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self._nodes.values()))

    def __repr__(self) -> str:
        if not self._hops and not self._links and not self._edges:
            return f"Topology({len(self._nodes)} nodes)"
        return (
            f"Topology({len(self._nodes)} nodes, {len(self._hops)} hops, {len(self._links)} links, "
            f"{self._edges} edges)"
        )


def _kind_of(vertex: object) -> str:
    if isinstance(vertex, Node):
        return "node"
    if isinstance(vertex, Link):
        return "link"
    return "hop"


def _networkx(what: str) -> Any:
    try:
        import networkx
    except ImportError:
        raise ImportError(f"{what} needs networkx: pip install networkx") from None
    return networkx


def _dijkstra(
    adj: List[Tuple[Tuple[int, float], ...]],
    dist: Dict[int, float],
    hops: Dict[int, int],
    pred: Dict[int, int],
    done: set,
    heap: List[Tuple[float, int, int]],
    target: int,
) -> None:
    """Settle vertices in (latency, hops, index) order until ``target`` is
    settled or nothing is left; the state is kept, so a later call for
    another target of the same source goes on from here. A vertex's
    predecessor changes only on a strictly better (latency, hops), so among
    equally good ones it stays the first settled."""
    pop, push = heapq.heappop, heapq.heappush
    inf = math.inf
    while heap:
        d, h, u = pop(heap)
        if u in done:
            continue
        done.add(u)
        h += 1
        for v, w in adj[u]:
            if v in done:
                continue
            nd = d + w
            od = dist.get(v, inf)
            if nd < od or (nd == od and h < hops[v]):
                dist[v] = nd
                hops[v] = h
                pred[v] = u
                push(heap, (nd, h, v))
        if u == target:
            return


# ---------------------------------------------------------------------------
# Container registry
# ---------------------------------------------------------------------------


class ImageProperties(NamedTuple):
    """A container image in the registry, as faas-sim's ``sim.docker`` wrote it:
    name, size in bytes, tag and architecture (None: any architecture).

    >>> ImageProperties("python-pi-cpu", 58_000_000, arch="arm32")
    ImageProperties(name='python-pi-cpu', size=58000000, tag='latest', arch='arm32')
    """

    name: str
    size: int
    tag: str = "latest"
    arch: Optional[str] = None


def _normalize_image(image: str) -> str:
    """``name:latest`` and ``name`` are the same image."""
    _check_name(image, "image")
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash and image[colon + 1 :] == "latest":
        return image[:colon]
    return image


def split_image_name(image: str) -> Tuple[str, str]:
    """split_image_name(image) -> (name, tag)

    faas-sim's: ``"repo/name:tag"`` -> ``("repo/name", "tag")``; the tag is
    ``"latest"`` when there is none (a ``:`` before the last ``/`` is a
    registry's port, not a tag).

    >>> split_image_name("edgerun/go-telemd"), split_image_name("localhost:5000/pi:v2")
    (('edgerun/go-telemd', 'latest'), ('localhost:5000/pi', 'v2'))
    """
    _check_name(image, "image")
    if ":" in image.rsplit("/", 1)[-1]:
        name, tag = image.rsplit(":", 1)
        return name, tag
    return image, "latest"


class ContainerRegistry:
    """Container image sizes (bytes) per architecture, used to simulate image
    pulls. Sizes are numbers of bytes or quantities such as ``"80Mi"``. An
    image put with ``arch=None`` fits every architecture that has no size of
    its own. ``name`` and ``name:latest`` are the same image.

    >>> r = ContainerRegistry()
    >>> r.put("resnet-cpu", "80Mi", arch="x86")
    >>> r.put(ImageProperties("resnet-cpu", 60_000_000, arch="aarch64"))
    >>> r.get("resnet-cpu:latest", "x86"), r.sizes("resnet-cpu")
    (83886080, {'x86': 83886080, 'aarch64': 60000000})
    >>> r.get("resnet-cpu", "arm32")
    Traceback (most recent call last):
    ...
    KeyError: "image 'resnet-cpu' has no size for arch 'arm32' (archs: 'x86', 'aarch64')"
    """

    def __init__(self) -> None:
        self._sizes: Dict[str, Dict[Optional[str], int]] = {}

    def put(self, image: Union[str, ImageProperties], size: Optional[Quantity] = None, arch: Optional[str] = "x86") -> None:
        """put(image, size, arch='x86') or put(ImageProperties(...))

        Register (or replace) the size of ``image`` for ``arch``."""
        if size is None and hasattr(image, "name") and hasattr(image, "size"):
            props = image
            tag = getattr(props, "tag", "latest") or "latest"
            image = props.name if tag == "latest" else f"{props.name}:{tag}"
            size, arch = props.size, getattr(props, "arch", None)
        if size is None:
            raise TypeError(f"put({image!r}) needs a size")
        key = _normalize_image(image)
        if arch is not None:
            _check_name(arch, f"arch of image {image!r}")
        try:
            nbytes = parse_memory(size)
        except (TypeError, ValueError) as e:
            raise type(e)(f"size of image {image!r}: {e}") from None
        self._sizes.setdefault(key, {})[arch] = nbytes

    def put_all(self, images: Iterable[ImageProperties]) -> None:
        """Put every :class:`ImageProperties` of ``images``."""
        for image in images:
            self.put(image)

    def get(self, image: str, arch: Optional[str] = "x86") -> int:
        """The size in bytes of ``image`` for ``arch``; ``KeyError`` naming
        the image and the known ones if it is unknown or has no size for
        ``arch``."""
        sizes = self._lookup(image)
        if arch in sizes:
            return sizes[arch]
        if None in sizes:
            return sizes[None]
        raise KeyError(
            f"image {image!r} has no size for arch {arch!r} (archs: {_some([str(a) for a in sizes])})"
        )

    def find(self, image: str, arch: Optional[str] = None) -> List[ImageProperties]:
        """faas-sim's lookup: the :class:`ImageProperties` of ``image``
        (optionally only those for ``arch`` or for any arch); empty if
        unknown."""
        key = _normalize_image(image)
        name, tag = split_image_name(key)
        return [
            ImageProperties(name, size, tag, a)
            for a, size in self._sizes.get(key, {}).items()
            if arch is None or a is None or a == arch
        ]

    def names(self) -> List[str]:
        """The registered image names (``name`` or ``name:tag``), in the
        order they were first put."""
        return list(self._sizes)

    @property
    def images(self) -> Dict[str, Dict[str, List[ImageProperties]]]:
        """faas-sim's view of the registry: image name -> tag -> the
        :class:`ImageProperties` of that image, one per architecture
        (``arch`` None: any architecture), in the order they were put.

        A new snapshot on every access: change the registry with
        :meth:`put`, not through this dict.

        >>> r = ContainerRegistry()
        >>> r.put(ImageProperties("python-pi-cpu", 58_000_000, arch="arm32"))
        >>> r.put(ImageProperties("python-pi-cpu", 58_000_000, arch="x86"))
        >>> r.put("telemd:v2", "10M", arch=None)
        >>> for name, tags in r.images.items():
        ...     for tag, images in tags.items():
        ...         print(name, tag, [image.arch for image in images])
        python-pi-cpu latest ['arm32', 'x86']
        telemd v2 [None]
        """
        view: Dict[str, Dict[str, List[ImageProperties]]] = {}
        for key, sizes in self._sizes.items():
            name, tag = split_image_name(key)
            view.setdefault(name, {})[tag] = [ImageProperties(name, size, tag, arch) for arch, size in sizes.items()]
        return view

    def sizes(self, image: str) -> Dict[Optional[str], int]:
        """A dict arch -> size in bytes of ``image`` (key None: any arch)."""
        return dict(self._lookup(image))

    def _lookup(self, image: str) -> Dict[Optional[str], int]:
        """The stored arch -> size dict of ``image``; KeyError if unknown."""
        key = _normalize_image(image)
        try:
            return self._sizes[key]
        except KeyError:
            raise KeyError(f"unknown image {image!r}; known images: {_some(list(self._sizes))}") from None

    def __contains__(self, image: object) -> bool:
        return isinstance(image, str) and bool(image.strip()) and _normalize_image(image) in self._sizes

    def __len__(self) -> int:
        return len(self._sizes)

    def __repr__(self) -> str:
        return f"ContainerRegistry({len(self._sizes)} images)"


# ---------------------------------------------------------------------------
# Reference device types
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceType:
    """A reference device type of the faas-sim "raith21" edge-cloud scenario
    (``faassim/data/devices.csv``): the figures a node of this type gets.

    ``properties`` holds the whole CSV row as strings (location, disk,
    cpu model, power-relevant bins, ...); ``labels`` are the node labels that
    faas-sim's scenario sets.

    >>> load_device_types()["nano"].accelerators
    {'gpu': 1}
    """

    name: str
    arch: str
    cpu_millis: int
    memory: int
    accelerators: Dict[str, int] = field(default_factory=dict)
    labels: Dict[str, str] = field(default_factory=dict)
    properties: Dict[str, str] = field(default_factory=dict)

    def create_node(self, name: str, **kwargs: Any) -> Node:
        """A :class:`Node` of this type (see :meth:`Node.from_device`)."""
        return Node.from_device(name, self, **kwargs)


_DEVICE_LABELS = {
    # node label -> CSV column, set when the cell is not empty
    "ether.edgerun.io/type": "ether_type_label",
    "ether.edgerun.io/model": "ether_model_label",
    "ether.edgerun.io/capabilities/gpu": "gpu_capability_label",
    "ether.edgerun.io/capabilities/cuda": "cuda_capability_label",
    "device.edgerun.io/vram": "vram_label",
    "device.edgerun.io/arch": "device_arch",
    "device.edgerun.io/location": "location",
    "device.edgerun.io/connection": "connection",
    "device.edgerun.io/network": "network_bin",
    "device.edgerun.io/cores": "cores_bin",
    "device.edgerun.io/cpu_mhz": "cpu_mhz_bin",
    "device.edgerun.io/cpu": "cpu_model",
    "device.edgerun.io/ram": "ram_bin",
    "device.edgerun.io/disk": "disk",
    "device.edgerun.io/vram_bin": "vram_bin",
    "device.edgerun.io/gpu_mhz": "gpu_mhz_bin",
    "device.edgerun.io/gpu_model": "gpu_model",
    "locality.skippy.io/type": "locality",
}


def _device_type_from_row(row: Dict[str, str]) -> DeviceType:
    accelerator = row["accelerator"].strip()
    labels = {label: row[column] for label, column in _DEVICE_LABELS.items() if row.get(column, "")}
    labels["device.edgerun.io/accelerator"] = accelerator.upper()
    if accelerator == "gpu":
        labels["capability.skippy.io/nvidia-cuda"] = "10"
        labels["capability.skippy.io/nvidia-gpu"] = ""
    return DeviceType(
        name=row["device_type"],
        arch=row["ether_arch"],
        cpu_millis=int(row["cpu_millis"]),
        memory=int(row["memory_bytes"]),
        accelerators={} if accelerator in ("", "none") else {accelerator: 1},
        labels=labels,
        properties=dict(row),
    )


def _read_device_types(text: str) -> Dict[str, DeviceType]:
    types = {}
    for row in csv.DictReader(io.StringIO(text)):
        device = _device_type_from_row(row)
        types[device.name] = device
    return types


@functools.lru_cache(maxsize=1)
def _packaged_devices_csv() -> str:
    return _resources.files("faassim").joinpath("data", "devices.csv").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _packaged_device_types() -> Dict[str, DeviceType]:
    """The packaged device types, parsed once, for readers that never modify
    them (:meth:`Node.from_device`); :func:`load_device_types` gives copies."""
    return _read_device_types(_packaged_devices_csv())


def load_device_types(path: Optional[str] = None) -> Dict[str, DeviceType]:
    """load_device_types(path=None) -> dict name -> DeviceType

    The reference device types: those packaged with faassim (the 10 node types
    of faas-sim's raith21 scenario: rpi3, rpi4, rockpi, coral, nano, tx2, nx,
    nuc, xeoncpu, xeongpu), or those of a CSV file with the same columns.

    >>> types = load_device_types()
    >>> sorted(types)[:3], types["rpi3"].arch, types["rpi3"].cpu_millis
    (['coral', 'nano', 'nuc'], 'arm32', 4000)
    """
    if path is None:
        # parsed on every call (10 rows), so callers may modify what they get
        return _read_device_types(_packaged_devices_csv())
    with open(path, encoding="utf-8", newline="") as f:
        return _read_device_types(f.read())
