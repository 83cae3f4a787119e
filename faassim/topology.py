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
import io
import numbers
import re
from dataclasses import dataclass, field
from importlib import resources as _resources
from typing import Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Union

from faassim.model import Quantity, _check_labels, _check_name, _millicores, parse_memory

__all__ = [
    "Capacity",
    "Node",
    "Topology",
    "ImageProperties",
    "ContainerRegistry",
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

    >>> n = Node("nx_0", "6", "8Gi", arch="aarch64", accelerators={"gpu": 1})
    >>> n.cpu_millis, n.memory, n.node_type, n.accelerators
    (6000, 8589934592, 'nx', {'gpu': 1})
    >>> Node("bad_0", 0, "1Gi")
    Traceback (most recent call last):
    ...
    ValueError: node 'bad_0': cpu capacity must be positive, got 0 millicores
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
        **kwargs: Any,
    ):
        _check_name(name, "node name")
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
    def cpu_millis(self) -> int:
        """CPU capacity in millicores (``capacity.cpu_millis``)."""
        return self.capacity.cpu_millis

    @property
    def memory(self) -> int:
        """Memory capacity in bytes (``capacity.memory``)."""
        return self.capacity.memory

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
            types = load_device_types()
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
        return (
            f"Node({self.name!r}, cpu_millis={self.cpu_millis}, memory={self.memory}, arch={self.arch!r}, "
            f"node_type={self.node_type!r}{extra})"
        )


class Topology:
    """The nodes of the simulated infrastructure, by unique name, in insertion
    order.

    >>> t = Topology([Node("a_0"), Node("a_1")])
    >>> len(t), "a_1" in t, [n.name for n in t.get_nodes()]
    (2, True, ['a_0', 'a_1'])
    >>> t.find_node("b_0")
    Traceback (most recent call last):
    ...
    KeyError: "unknown node 'b_0'; known nodes: 'a_0', 'a_1'"
    """

    def __init__(self, nodes: Optional[Iterable[Node]] = None):
        self._nodes: Dict[str, Node] = {}
        for node in nodes or ():
            self.add_node(node)

    def add_node(self, node: Node) -> Node:
        """Add ``node``; ``ValueError`` if a node of that name exists. Returns
        the node."""
        if not isinstance(node, Node):
            raise TypeError(f"a Topology holds Node objects, not {type(node).__name__} {node!r}")
        if node.name in self._nodes:
            raise ValueError(f"topology already has a node named {node.name!r}")
        self._nodes[node.name] = node
        return node

    def get_nodes(self) -> List[Node]:
        """All nodes, in the order they were added."""
        return list(self._nodes.values())

    def find_node(self, name: str) -> Node:
        """The node named ``name``; ``KeyError`` naming it (and some known
        nodes) if there is none. (faas-sim returned None.)"""
        try:
            return self._nodes[name]
        except (KeyError, TypeError):
            raise KeyError(f"unknown node {name!r}; known nodes: {_some(list(self._nodes))}") from None

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
        return f"Topology({len(self._nodes)} nodes)"


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
        if ":" in key.rsplit("/", 1)[-1]:
            name, tag = key.rsplit(":", 1)
        else:
            name, tag = key, "latest"
        return [
            ImageProperties(name, size, tag, a)
            for a, size in self._sizes.get(key, {}).items()
            if arch is None or a is None or a == arch
        ]

    def images(self) -> List[str]:
        """The registered image names, in the order they were first put."""
        return list(self._sizes)

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
