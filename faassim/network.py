"""The network of a simulation (``env.net``): transfers over the topology's
routes, image pulls from the container registry, per-node image caches.

The flows themselves are C (:class:`~faassim.FlowNetwork` over the engine's
``fs_net``: max-min fair rates by progressive filling, recomputed over the
affected flows only, completions scheduled in the environment's queue). This
module is the cold path around them: it resolves routes with
``env.topology.route``, registers the topology's links with the allocator
(``link.index`` is the allocator's link id), applies faas-sim's transfer
model (a connection set-up of 1.5 x the route's round-trip time, then the
bytes at 0.97 of the flow's fair share), and keeps what each node has
pulled.

A topology without a registry vertex (``topology.init_docker_registry()``
adds one named ``"registry"``) pulls nothing: deploys take the time of the
simulator's ``deploy`` hook alone, as before the network existed.

>>> import faassim as fs
>>> from faassim.network_topology import Link
>>> env = fs.Environment()
>>> topo = fs.Topology()
>>> a, b = topo.add_node(fs.Node("a")), topo.add_node(fs.Node("b"))
>>> up = topo.add_link(Link(bandwidth=1e6, name="up"))
>>> _ = topo.connect(a, up, latency=0.01), topo.connect(up, b, latency=0.01)
>>> env.topology = topo
>>> flow = env.net.transfer("a", "b", 970_000)
>>> env.run()
>>> round(flow.end, 6)   # set-up 1.5 x rtt 0.04 = 0.06 s, then 970 kB at 0.97 MB/s
1.06
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from faassim import _core

__all__ = [
    "StorageIndex",
    "Network",
    "NodeState",
    "Storage",
    "DataItem",
    "docker_pull",
    "simulate_data_download",
    "simulate_data_upload",
    "LowBandwidthError",
]

#: The container labels faas-sim's data download/upload read (skippy's names).
RECEIVES_FROM_STORAGE = "data.skippy.io/receives-from-storage"
SENDS_TO_STORAGE = "data.skippy.io/sends-to-storage"


class LowBandwidthError(RuntimeError):
    """A transfer's bottleneck bandwidth is below the network's
    ``min_bandwidth`` (faas-sim's ``LowBandwidthException`` for infeasible
    placements), raised by :meth:`Network.transfer` before the flow starts
    when ``on_low_bandwidth="raise"``."""


def _name(vertex: Any) -> str:
    name = getattr(vertex, "name", vertex)
    if not isinstance(name, str):
        raise TypeError(f"a vertex must be a Node, Hop, Link or a name (str), not {type(vertex).__name__} ({vertex!r})")
    return name


class NodeState:
    """What a node holds at run time (faas-sim's ``NodeState`` as
    ``env.get_node_state(name)`` returns it): ``docker_images`` (the images
    in its cache, least recently used first), ``image_bytes`` (their total
    size), ``pulling`` (images being pulled now), ``replicas`` (the
    platform's replicas placed on it that are not SUSPENDED or FAILED) and
    ``allocated`` (what ``env.faas.node_allocation(name)`` reports: cpu
    millicores, memory bytes and accelerators held, with the capacities;
    empty before the platform has seen the node)."""

    __slots__ = ("name", "docker_images", "image_bytes", "pulling", "replicas", "allocated")

    def __init__(self, name: str, docker_images: List[str], image_bytes: int, pulling: List[str],
                 replicas: List[Any], allocated: Dict[str, int]):
        self.name = name
        self.docker_images = docker_images
        self.image_bytes = image_bytes
        self.pulling = pulling
        self.replicas = replicas
        self.allocated = allocated

    def __repr__(self) -> str:
        return (f"NodeState({self.name!r}, images={self.docker_images!r}, replicas={len(self.replicas)}, "
                f"allocated={self.allocated!r})")


class DataItem(NamedTuple):
    """A stored object: ``bucket``, ``name``, ``size`` in bytes (skippy's
    ``DataItem``); its path is ``bucket/name``."""

    bucket: str
    name: str
    size: int

    @property
    def path(self) -> str:
        """``bucket/name``."""
        return f"{self.bucket}/{self.name}"


class Storage:
    """Storage()

    Where data lives (skippy's ``StorageIndex``, ``env.net.storage``):
    buckets placed on storage nodes (``mb(bucket, node)``; a bucket may be
    on several nodes) and the items in them (``put(item)``).

    >>> s = Storage()
    >>> s.mb("models", "edge-0"); s.mb("models", "cloud-0")
    >>> s.put(DataItem("models", "resnet50", 103_000_000))
    >>> s.get_storage_nodes("models/resnet50"), s.size("models/resnet50")
    (['edge-0', 'cloud-0'], 103000000)
    """

    def __init__(self) -> None:
        self._buckets: Dict[str, List[str]] = {}
        self._items: Dict[str, DataItem] = {}
        self._version = 0  # bumped by every change (the scheduler's data locality inputs follow it)

    def mb(self, bucket: str, node: Any) -> None:
        """Make *bucket* on *node* (a name or Node); repeated calls add nodes
        in order, the same node once."""
        if not isinstance(bucket, str) or not bucket or "/" in bucket:
            raise ValueError(f"Storage.mb(): bucket must be a non-empty name without '/', got {bucket!r}")
        nodes = self._buckets.setdefault(bucket, [])
        name = _name(node)
        if name not in nodes:
            nodes.append(name)
            self._version += 1

    def put(self, item: DataItem) -> None:
        """Store *item* (its bucket must exist)."""
        if not isinstance(item, tuple) or len(item) != 3:
            raise TypeError(f"Storage.put(): item must be a DataItem(bucket, name, size), not {item!r}")
        item = DataItem(*item)
        if item.bucket not in self._buckets:
            raise KeyError(f"Storage.put(): unknown bucket {item.bucket!r}; make it with mb(bucket, node) first")
        size = item.size
        if isinstance(size, bool) or not isinstance(size, (int, float)) or not math.isfinite(size) or size < 0:
            raise ValueError(f"Storage.put(): size of {item.path!r} must be a finite number of bytes >= 0, "
                             f"got {size!r}")
        self._items[item.path] = item
        self._version += 1

    def get_storage_nodes(self, path: str) -> List[str]:
        """The nodes holding the bucket of *path* (``bucket/name``), in the
        order they were made; ``KeyError`` if the bucket is unknown."""
        bucket = path.split("/", 1)[0] if isinstance(path, str) else path
        try:
            return list(self._buckets[bucket])
        except (KeyError, TypeError):
            raise KeyError(f"no storage node holds {path!r}: unknown bucket {bucket!r}") from None

    def size(self, path: str) -> int:
        """The size of the item at *path*; ``KeyError`` if none."""
        try:
            return self._items[path].size
        except (KeyError, TypeError):
            raise KeyError(f"no data item {path!r} in storage") from None

    @property
    def buckets(self) -> Dict[str, List[str]]:
        """bucket -> the nodes holding it."""
        return {b: list(n) for b, n in self._buckets.items()}

    @property
    def data_items(self) -> List[DataItem]:
        """Every stored item, in the order put."""
        return list(self._items.values())


#: skippy's ``StorageIndex`` (faas-sim's ``env.storage_index``): the same
#: class as :class:`Storage`. faas-sim code that fills a ``StorageIndex()``
#: before the environment exists ports unchanged; assigning it to
#: ``env.storage_index`` and making ``env.cluster =
#: SimulationClusterContext(env)`` makes it ``env.net.storage``, where
#: ``simulate_data_download``/``upload`` look.
StorageIndex = Storage


class _Cache:
    """One node's images: image -> size, least recently used first."""

    __slots__ = ("images", "bytes")

    def __init__(self) -> None:
        self.images: "OrderedDict[str, int]" = OrderedDict()
        self.bytes = 0


class Network:
    """Network(env, *, setup_rtt_factor=1.5, goodput=0.97, registry='registry', image_cache_limit=None, min_bandwidth=0.0, on_low_bandwidth='slow')

    ``env.net``: transfers between the vertices of ``env.topology`` as
    flows sharing its links at max-min fair rates.

    - ``setup_rtt_factor``: a transfer first waits ``setup_rtt_factor x
      route.rtt`` (connection set-up; faas-sim: 1.5);
    - ``goodput``: the payload arrives at ``goodput`` x the flow's fair
      share (faas-sim: 0.97);
    - ``registry``: the name of the registry vertex images are pulled from;
    - ``image_cache_limit``: bytes of images a node keeps (None: no limit,
      as faas-sim); when a pull would exceed it, the least recently used
      images that are not in use by a pull are evicted first;
    - ``min_bandwidth`` and ``on_low_bandwidth``: a transfer whose route's
      least link bandwidth is below ``min_bandwidth`` bytes/s raises
      :class:`LowBandwidthError` (``"raise"``, faas-sim's guard against
      infeasible placements) or just runs slowly (``"slow"``, the default).

    Every finished flow logs a ``flow`` row (faas-sim's columns: ``bytes``,
    ``duration``, ``source``, ``sink``, ``action_type``);
    :meth:`log_network` logs a ``network`` row per link.
    """

    def __init__(
        self,
        env: Any,
        *,
        setup_rtt_factor: float = 1.5,
        goodput: float = 0.97,
        registry: str = "registry",
        image_cache_limit: Optional[float] = None,
        min_bandwidth: float = 0.0,
        on_low_bandwidth: str = "slow",
    ) -> None:
        if not isinstance(env, _core.Environment):
            raise TypeError(f"Network(env): env must be a faassim Environment, not {type(env).__name__} ({env!r})")
        self.setup_rtt_factor = _number(setup_rtt_factor, "setup_rtt_factor", "a number >= 0", lambda x: x >= 0)
        self.goodput = _number(goodput, "goodput", "a number in (0, 1]", lambda x: 0 < x <= 1)
        if not isinstance(registry, str) or not registry:
            raise TypeError(f"Network(): registry must be the name of a vertex (a non-empty str), not {registry!r}")
        self.registry = registry
        if image_cache_limit is not None:
            image_cache_limit = _number(image_cache_limit, "image_cache_limit", "a number of bytes >= 0 or None",
                                        lambda x: x >= 0)
        self.image_cache_limit = image_cache_limit
        self.min_bandwidth = _number(min_bandwidth, "min_bandwidth", "a number of bytes/s >= 0", lambda x: x >= 0)
        if on_low_bandwidth not in ("slow", "raise"):
            raise ValueError(f"Network(): on_low_bandwidth must be 'slow' or 'raise', got {on_low_bandwidth!r}")
        self.on_low_bandwidth = on_low_bandwidth
        self.env = env
        self.flows = _core.FlowNetwork(env)
        self._topology: Any = None
        self._version: Any = None
        self._links: List[Any] = []  # registered topology links, by allocator id
        self._caches: Dict[str, _Cache] = {}
        self._pulls: Dict[Tuple[str, str], Any] = {}  # (node, image) -> Flow of the pull in progress
        self._registry_state: Tuple[Any, Any, bool] = (None, None, False)
        self._locality_stamp: Any = None  # what the scheduler's locality inputs were computed from
        #: Where data lives (buckets on nodes, items): see :class:`Storage`.
        self.storage = Storage()
        #: bytes/s of a transfer between a node and itself (faas-sim: a disk
        #: read at 1 Gbit/s)
        self.local_bandwidth = 1.25e8

    # -- the topology ---------------------------------------------------------

    def _sync(self) -> Any:
        """Register the topology's new links (and changed bandwidths) with the
        allocator; returns the topology."""
        topo = self.env.topology
        version = getattr(topo, "version", None)
        if topo is self._topology and version is not None and version == self._version:
            return topo
        if topo is not self._topology and self._links:
            if self.flows.flows:
                raise RuntimeError(
                    "env.topology was replaced while flows are running on the previous one; "
                    "replace it before any transfer starts or after all have finished")
            # a new topology: a new allocator for its links
            self.flows = _core.FlowNetwork(self.env)
            self._links = []
        get_links = getattr(topo, "get_links", None)
        links = list(get_links()) if get_links is not None else []
        for i, link in enumerate(self._links):
            if links[i] is not link:
                raise RuntimeError(f"the topology's links changed order: link {i} is now {links[i]!r}")
            if self.flows.link(i)["bandwidth"] != link.bandwidth:
                self.flows.set_bandwidth(i, link.bandwidth)
        for link in links[len(self._links):]:
            i = self.flows.add_link(link.bandwidth)
            if i != link.index:
                raise RuntimeError(f"link {link!r} has index {link.index} but was registered as {i}")
            self._links.append(link)
        self._topology, self._version = topo, version
        return topo

    def route(self, source: Any, destination: Any) -> Any:
        """The topology's route from *source* to *destination* (vertices or
        names): ``env.topology.route(source, destination)``."""
        return self._sync().route(source, destination)

    @property
    def links(self) -> List[Any]:
        """The topology's links known to the network, by id (= ``link.index``)."""
        self._sync()
        return list(self._links)

    # -- transfers -------------------------------------------------------------

    def transfer(
        self,
        source: Any,
        destination: Any,
        size: float,
        *,
        kind: str = "transfer",
        setup: Optional[float] = None,
        goodput: Optional[float] = None,
        cap: float = math.inf,
    ) -> Any:
        """transfer(source, destination, size, *, kind='transfer', setup=None, goodput=None, cap=inf) -> Flow

        Send *size* bytes from *source* to *destination* (vertices or names
        of ``env.topology``) along their route. The flow starts after
        *setup* seconds (default ``setup_rtt_factor x route.rtt``) and its
        payload arrives at *goodput* (default the network's) times its
        max-min fair share of the route's links, at most *cap* bytes/s.
        Returns the :class:`~faassim.Flow`, an event that succeeds with the
        flow when the last byte has arrived (``yield`` it, or ``yield from``
        it). A ``flow`` row of action type *kind* is logged then.

        Unknown vertices raise ``KeyError``, a missing route
        :class:`~faassim.network_topology.NoRouteError`, a bad size
        ``ValueError``/``TypeError``: before anything starts."""
        if isinstance(size, bool) or not isinstance(size, (int, float)):
            raise TypeError(f"transfer(): size must be a number of bytes, not {type(size).__name__} ({size!r})")
        if not (math.isfinite(size) and size >= 0):
            raise ValueError(f"transfer(): size must be a finite number of bytes >= 0, got {size!r}")
        route = self.route(source, destination)
        if not route.link_ids and math.isinf(cap):
            cap = self.local_bandwidth  # no link to share: a local copy at the node's own speed
        if setup is None:
            setup = self.setup_rtt_factor * route.rtt
        if goodput is None:
            goodput = self.goodput
        if self.on_low_bandwidth == "raise" and route.bandwidth < self.min_bandwidth:
            raise LowBandwidthError(
                f"transfer from {_name(route.source)!r} to {_name(route.destination)!r}: the route's bottleneck "
                f"is {route.bandwidth:g} bytes/s, below min_bandwidth {self.min_bandwidth:g}")
        return self.flows.transfer(route.link_ids, float(size), setup=setup, goodput=goodput, cap=cap, kind=kind,
                                   source=_name(route.source), destination=_name(route.destination))

    def download(self, path: str, node: Any, *, size: Optional[float] = None) -> Any:
        """download(path, node, *, size=None) -> Flow

        Fetch the data item *path* (``bucket/name`` of :attr:`storage`) from
        the first node holding its bucket to *node*; *size* bytes, or the
        item's stored size. A ``flow`` row of kind ``data_download``. From a
        node to itself, a local read at :attr:`local_bandwidth`."""
        nodes = self.storage.get_storage_nodes(path)
        if size is None:
            size = self.storage.size(path)
        return self.transfer(nodes[0], node, size, kind="data_download")

    def upload(self, path: str, node: Any, size: float) -> Any:
        """upload(path, node, size) -> Flow

        Send *size* bytes from *node* to the first node holding the bucket
        of *path*; a ``flow`` row of kind ``data_upload``."""
        nodes = self.storage.get_storage_nodes(path)
        return self.transfer(node, nodes[0], size, kind="data_upload")

    def log_network(self) -> None:
        """Log a ``network`` row per link (bytes carried, busy time,
        utilization, bandwidth) at ``env.now``."""
        self._sync()
        self.flows.log_network()

    # -- images ---------------------------------------------------------------

    def has_registry(self) -> bool:
        """Whether the topology has the registry vertex (then deploys pull
        their images)."""
        topo = self.env.topology
        version = getattr(topo, "version", None)
        t, v, has = self._registry_state
        if t is topo and v == version and version is not None:
            return has
        has_vertex = getattr(topo, "has_vertex", None)
        has = bool(has_vertex(self.registry)) if has_vertex is not None else False
        self._registry_state = (topo, version, has)
        return has

    def images(self, node: Any) -> List[str]:
        """The images in *node*'s cache, least recently used first."""
        cache = self._caches.get(_name(node))
        return list(cache.images) if cache else []

    def pull(self, image: str, node: Any) -> Any:
        """pull(image, node) -> event

        Pull *image* onto *node* from the registry (``docker_pull``): at once
        (an event already triggered) if the node's cache has it; the pull
        in progress if one is (concurrent pulls of one image on one node
        share one transfer); else a transfer of the image's size for the
        node's architecture (``env.container_registry``) from the registry
        vertex, of kind ``"docker_pull"``. The image enters the cache when
        the pull ends.

        ``KeyError`` if the image has no size for the node's architecture,
        the node is unknown or the topology has no registry vertex."""
        topo = self._sync()
        node_name = _name(node)
        node_obj = topo.find_node(node_name)
        registry = self.env.container_registry
        arch = getattr(node_obj, "arch", None)
        size = registry.get(image, arch=arch)  # KeyError naming the image and arch
        if not self.has_registry():
            raise KeyError(
                f"pull({image!r}, {node_name!r}): the topology has no registry vertex {self.registry!r} "
                "(topology.init_docker_registry() adds one)")
        cache = self._caches.setdefault(node_name, _Cache())
        if image in cache.images:
            cache.images.move_to_end(image)
            done = self.env.event()
            done.succeed(None)
            return done
        key = (node_name, image)
        pending = self._pulls.get(key)
        if pending is not None:
            return pending
        if self.image_cache_limit is not None and size > self.image_cache_limit:
            raise ValueError(
                f"pull({image!r}, {node_name!r}): the image's {size} bytes exceed image_cache_limit "
                f"{self.image_cache_limit:g}")
        flow = self.transfer(self.registry, node_name, size, kind="docker_pull")
        self._pulls[key] = flow
        self._placement_images(node_name)

        def pulled(_event: Any, key: Tuple[str, str] = key, size: int = size) -> None:
            self._pulls.pop(key, None)
            self._cache_put(key[0], key[1], size)

        flow.callbacks.append(pulled)
        return flow

    def _cache_put(self, node_name: str, image: str, size: int) -> None:
        """Put a pulled image in the node's cache, evicting the least
        recently used images while the limit would be exceeded."""
        cache = self._caches.setdefault(node_name, _Cache())
        if image in cache.images:
            cache.images.move_to_end(image)
            return
        limit = self.image_cache_limit
        if limit is not None:
            for old in list(cache.images):
                if cache.bytes + size <= limit:
                    break
                cache.bytes -= cache.images.pop(old)
        cache.images[image] = size
        cache.bytes += size
        self._placement_images(node_name)

    def _placement_images(self, node_name: str) -> None:
        """Tell the scheduler which images *node_name* has (its cache and
        the pulls in progress there): the input of the image locality
        priorities."""
        faas = self.env.faas
        if not isinstance(faas, _core.FaasSystem):
            return
        cache = self._caches.get(node_name)
        images = list(cache.images) if cache else []
        images += [img for (n, img) in self._pulls if n == node_name and img not in images]
        try:
            _core._placement_set_node_images(faas, node_name, images)
        except KeyError:  # not a node of the platform (yet): nothing to score
            pass

    def _sync_locality(self) -> None:
        """The scheduler's locality inputs from the topology and the storage,
        recomputed when either changed: per platform node, the registry's
        bandwidth to it (the least link bandwidth on the route, skippy's
        bandwidth graph; nodes without a route keep their last value, or none:
        unscored), and per data item its size and, per node, the least
        bandwidth from (receive) and to (send) the storage nodes holding it
        (skippy's choice; a node holding the item transfers nothing). A
        topology without ``version`` is read once (its changes cannot be
        seen)."""
        faas = self.env.faas
        topo = self.env.topology
        route = getattr(topo, "route", None)
        if not isinstance(faas, _core.FaasSystem) or route is None:
            return  # no platform of ours, or a topology without routes: nothing to derive
        stamp = (faas, topo, getattr(topo, "version", None), self.storage._version, self.registry)
        old = self._locality_stamp
        if old is not None and all(a is b or a == b for a, b in zip(old, stamp)):
            return
        self._locality_stamp = stamp
        nodes = [n.name for n in faas.nodes]
        if self.has_registry():
            for name in nodes:
                try:
                    bw = route(self.registry, name).bandwidth
                except LookupError:
                    continue
                _core._placement_set_registry_bandwidth(faas, name, bw)
        storage = self.storage
        items = storage.data_items
        by_holders: Dict[Tuple[str, ...], List[Tuple[str, float, float]]] = {}  # buckets often share nodes
        for item in items:
            holders = tuple(storage.get_storage_nodes(item.path))
            if holders not in by_holders:
                by_holders[holders] = self._storage_bandwidths(route, nodes, holders)
        for item in items:
            path = item.path
            _core._placement_set_data_item(faas, path, int(item.size))
            for name, recv, send in by_holders[tuple(storage.get_storage_nodes(path))]:
                _core._placement_set_node_data(faas, name, path, recv, send)

    @staticmethod
    def _storage_bandwidths(route: Any, nodes: List[str], holders: Tuple[str, ...]) -> List[Tuple[str, float, float]]:
        """Per node, the least bandwidth from (receive) and to (send) the
        *holders* over the routes (skippy's choice among storage nodes;
        unlimited on a holder); nodes that reach no holder are left out.
        Routes are resolved source by source, so that each source's search
        is reused."""
        held = set(holders)
        recv: Dict[str, float] = {}
        for h in holders:  # from each holder to every node
            for name in nodes:
                if name in held:
                    continue
                try:
                    bw = route(h, name).bandwidth
                except LookupError:
                    continue
                recv[name] = min(recv.get(name, math.inf), bw)
        out = []
        for name in nodes:
            if name in held:
                out.append((name, math.inf, math.inf))
                continue
            send = math.inf
            reached = False
            for h in holders:  # from the node to each holder
                try:
                    bw = route(name, h).bandwidth
                except LookupError:
                    continue
                reached = True
                send = min(send, bw)
            if name in recv or reached:
                out.append((name, recv.get(name, math.inf), send))
        return out

    def node_state(self, name: Any) -> NodeState:
        """The run-time state of the compute node *name* (a name or Node):
        see :class:`NodeState`. ``KeyError`` for an unknown node."""
        node_name = _name(name)
        node = self.env.topology.find_node(node_name)
        cache = self._caches.get(node_name)
        replicas = list(_replicas_on(self.env, node))
        allocated: Dict[str, int] = {}
        alloc = getattr(self.env.faas, "node_allocation", None)
        if alloc is not None:
            try:
                allocated = dict(alloc(node_name))
            except KeyError:  # a node the platform has not seen yet holds nothing
                allocated = {}
        return NodeState(node_name, list(cache.images) if cache else [], cache.bytes if cache else 0,
                         sorted(img for (n, img) in self._pulls if n == node_name), replicas, allocated)

    def __repr__(self) -> str:
        return f"<Network: {len(self._links)} links, {len(self.flows.flows)} flows running>"


def _replicas_on(env: Any, node: Any) -> Iterator[Any]:
    faas = env.faas
    for fd in faas.get_deployments():
        for replica in faas.get_replicas(fd.name):
            if replica.node is node:
                yield replica


def _number(value: Any, name: str, what: str, ok: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not ok(value):
        raise ValueError(f"Network(): {name} must be {what}, got {value!r}")
    return float(value)


def docker_pull(env: Any, image: str, node: Any) -> Any:
    """docker_pull(env, image, node) -> event

    faas-sim's ``sim.docker.pull``: pull *image* onto *node* over the
    network (``env.net.pull``); ``yield`` or ``yield from`` the result."""
    return env.net.pull(image, node)


def _labels(replica: Any) -> Dict[str, Any]:
    container = getattr(replica, "container", None)
    labels = getattr(container, "labels", None)
    return dict(labels) if labels else {}


def _done(env: Any) -> Any:
    ev = env.event()
    ev.succeed(None)
    return ev


def _labelled_transfer(env: Any, replica: Any, label: str) -> Any:
    """The transfer a replica's container labels ask for (``label``: a size,
    ``label + '/path'``: ``bucket/name``), or an event that has happened."""
    from faassim.model import parse_memory

    labels = _labels(replica)
    if label not in labels:
        return _done(env)
    size = parse_memory(labels[label])
    path = labels.get(label + "/path")
    if path is None:
        raise KeyError(f"replica {replica!r}: label {label!r} needs {label + '/path'!r}")
    if label == RECEIVES_FROM_STORAGE:
        return env.net.download(path, replica.node, size=size)
    return env.net.upload(path, replica.node, size)


def simulate_data_download(env: Any, replica: Any) -> Any:
    """simulate_data_download(env, replica) -> event

    faas-sim's model download before a function runs: when the replica's
    container has the label ``data.skippy.io/receives-from-storage`` (a size
    such as ``"103M"``) with ``.../path`` (``bucket/name``), transfer that
    many bytes from the first storage node of the bucket
    (``env.net.storage``) to the replica's node; otherwise an event that has
    already happened. ``yield`` or ``yield from`` the result."""
    return _labelled_transfer(env, replica, RECEIVES_FROM_STORAGE)


def simulate_data_upload(env: Any, replica: Any) -> Any:
    """simulate_data_upload(env, replica) -> event

    faas-sim's upload after a function ran: as :func:`simulate_data_download`
    with the label ``data.skippy.io/sends-to-storage`` (and ``.../path``),
    from the replica's node to the bucket's first storage node."""
    return _labelled_transfer(env, replica, SENDS_TO_STORAGE)


def _sync_locality(env: Any) -> None:
    """Bring the scheduler's registry and storage inputs up to date (called
    by the C scheduler before a placement that scores latency-aware image
    locality or data locality)."""
    net = env.net
    if isinstance(net, Network):
        net._sync_locality()


def _default_deploy(env: Any, replica: Any) -> Any:
    """The deploy step of a simulator that does not override ``deploy``
    (called by the C core once per replica deploy): the pull of the
    replica's image onto its node when the topology has a registry vertex,
    else None (no time)."""
    net = env.net
    if not isinstance(net, Network) or not net.has_registry():
        return None
    return net.pull(replica.image, replica.node)
