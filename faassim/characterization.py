"""Function characterizations: how much of a node a function uses while a call
runs, and how long a call takes, per node type and function image (faas-sim's
``FunctionResourceCharacterization``, ``ResourceOracle``, ``FetOracle`` and
``FunctionCharacterization``), plus the reference figures of faas-sim's
"raith21" edge-cloud scenario packaged with faassim.

The oracles key their data by ``(node_type, image)``. A host is given as a
node name, whose node type is :func:`faassim.node_type_of` the name
(``"nano_3"`` is a ``"nano"``), or as a :class:`faassim.Node` (its
``node_type``).

>>> import faassim
>>> ref = faassim.load_reference_characterizations()
>>> ref.resource_oracle.get_resources("nano_0", "faas-workloads/resnet-inference-gpu")["gpu"]
0.1754387755102041
>>> resnet = ref.characterization("faas-workloads/resnet-inference-gpu", rng=faassim.Random(1))
>>> 0.0 < resnet.sample_fet("nano_0") < 1.0
True
"""

from __future__ import annotations

import csv
import functools
import io
import math
import numbers
from importlib import resources as _resources
from typing import Any, Dict, Generic, Iterator, List, Mapping, Optional, Tuple, TypeVar, Union

import numpy as np

from faassim._core import Random
from faassim.distributions import Distribution, LogNormal
from faassim.model import _check_name
from faassim.topology import node_type_of

__all__ = [
    "FunctionResourceCharacterization",
    "ResourceOracle",
    "FetOracle",
    "FunctionCharacterization",
    "ReferenceCharacterizations",
    "load_reference_characterizations",
]

Host = Any  # a node name (str) or a faassim.Node (anything with a node_type)
Key = Tuple[str, str]


# ---------------------------------------------------------------------------
# Resource use of one call
# ---------------------------------------------------------------------------


def _resource_value(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"resource {name!r} must be a real number, got {value!r} ({type(value).__name__})")
    x = float(value)
    if not (math.isfinite(x) and x >= 0.0):
        raise ValueError(f"resource {name!r} must be finite and >= 0, got {value!r}")
    return x


_new_characterization = object.__new__
_set_field = object.__setattr__


class FunctionResourceCharacterization:
    """FunctionResourceCharacterization(cpu, blkio, gpu, net, ram)

    What one running call of a function uses on a node, in faas-sim's
    positional order (cpu, blkio, gpu, net, ram). In the reference data cpu,
    gpu and ram are fractions of the node's capacity (0..1), blkio and net
    rates in bytes/s. Values are floats, finite and >= 0.

    Fields are attributes and, as in faas-sim, items by name; iteration gives
    the names (like a mapping). :meth:`features` gives the vector in the
    order of the power models, [cpu, gpu, blkio, net, ram].

    >>> r = FunctionResourceCharacterization(0.5, 1e6, 0.0, 2e5, 0.25)
    >>> r.cpu, r["ram"], len(r)
    (0.5, 0.25, 5)
    >>> r.features().tolist()
    [0.5, 0.0, 1000000.0, 200000.0, 0.25]
    >>> r["cpu"] = -1
    Traceback (most recent call last):
    ...
    ValueError: resource 'cpu' must be finite and >= 0, got -1
    """

    #: The field names in faas-sim's positional order.
    FIELDS: Tuple[str, ...] = ("cpu", "blkio", "gpu", "net", "ram")
    #: The order of :meth:`features` (the power models' feature vector).
    FEATURES: Tuple[str, ...] = ("cpu", "gpu", "blkio", "net", "ram")

    __slots__ = FIELDS
    cpu: float
    blkio: float
    gpu: float
    net: float
    ram: float

    def __init__(self, cpu: float, blkio: float, gpu: float, net: float, ram: float):
        self.cpu = cpu
        self.blkio = blkio
        self.gpu = gpu
        self.net = net
        self.ram = ram

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.FIELDS:
            raise AttributeError(
                f"FunctionResourceCharacterization has no resource {name!r} (resources: {', '.join(self.FIELDS)})"
            )
        object.__setattr__(self, name, _resource_value(value, name))

    def _check_key(self, key: Any) -> str:
        """The key if it names a resource, else KeyError."""
        if key not in self.FIELDS:
            raise KeyError(f"no resource {key!r}; resources are {', '.join(self.FIELDS)}")
        return key

    def __getitem__(self, key: str) -> float:
        return getattr(self, self._check_key(key))

    def __setitem__(self, key: str, value: float) -> None:
        setattr(self, self._check_key(key), value)

    def __len__(self) -> int:
        return 5

    def __iter__(self) -> Iterator[str]:
        return iter(self.FIELDS)

    def __contains__(self, key: object) -> bool:
        return key in self.FIELDS

    def keys(self) -> Tuple[str, ...]:
        """The resource names, in faas-sim's positional order."""
        return self.FIELDS

    def values(self) -> List[float]:
        """The values, in faas-sim's positional order (cpu, blkio, gpu, net, ram)."""
        return [getattr(self, f) for f in self.FIELDS]

    def items(self) -> List[Tuple[str, float]]:
        """(name, value) pairs, in faas-sim's positional order."""
        return [(f, getattr(self, f)) for f in self.FIELDS]

    def as_dict(self) -> Dict[str, float]:
        """A dict name -> value, in faas-sim's positional order."""
        return {f: getattr(self, f) for f in self.FIELDS}

    def features(self) -> np.ndarray:
        """The values as a float64 array in the power models' order
        [cpu, gpu, blkio, net, ram] (:attr:`FEATURES`)."""
        return np.array([self.cpu, self.gpu, self.blkio, self.net, self.ram], dtype=np.float64)

    def copy(self) -> "FunctionResourceCharacterization":
        """An independent copy."""
        # The values are valid already: skip __init__'s checks (this runs
        # once per request in watchdogs that call get_resources).
        new = _new_characterization(FunctionResourceCharacterization)
        _set_field(new, "cpu", self.cpu)
        _set_field(new, "blkio", self.blkio)
        _set_field(new, "gpu", self.gpu)
        _set_field(new, "net", self.net)
        _set_field(new, "ram", self.ram)
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FunctionResourceCharacterization):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.FIELDS)
        return f"FunctionResourceCharacterization({fields})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (FunctionResourceCharacterization, tuple(self.values()))


# ---------------------------------------------------------------------------
# Oracles
# ---------------------------------------------------------------------------


def _some(names: List[str], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names)} in total)"
    return shown or "none"


def _host_type(host: Host) -> str:
    if isinstance(host, str):
        return node_type_of(host)
    node_type = getattr(host, "node_type", None)
    if isinstance(node_type, str):
        return node_type
    raise TypeError(f"host must be a node name or a Node, got {host!r}")


def _untagged(image: str) -> str:
    """The image name without its tag (``name:tag`` -> ``name``)."""
    colon = image.rfind(":")
    return image[:colon] if colon > image.rfind("/") else image


V = TypeVar("V")


class _Oracle(Generic[V]):
    """Data keyed by (node_type, image), looked up by host and image."""

    _what = "data"
    _data: Dict[Key, V]

    def _check_value(self, value: Any, key: Key) -> V:
        """The value to store for *key*, checked (TypeError otherwise)."""
        raise NotImplementedError

    def _load(self, data: Any, arg: str) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"{type(self).__name__}: {arg} must be a mapping (node_type, image) -> value, got {data!r}")
        checked: Dict[Key, V] = {}
        for key, value in data.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise TypeError(f"{type(self).__name__}: keys must be (node_type, image) tuples, got {key!r}")
            key = (_check_name(key[0], f"node type of key {key!r}"), _check_name(key[1], f"image of key {key!r}"))
            checked[key] = self._check_value(value, key)
        self._data = checked
        by_type: Dict[str, List[str]] = {}
        for node_type, image in checked:
            by_type.setdefault(node_type, []).append(image)
        self._images_by_type = {t: sorted(images) for t, images in by_type.items()}

    def _key(self, host: Host, image: str) -> Key:
        node_type = _host_type(host)
        if not isinstance(image, str):
            raise TypeError(f"image must be a string, got {image!r}")
        key = (node_type, image)
        if key in self._data:
            return key
        untagged = (node_type, _untagged(image))
        if untagged in self._data:
            return untagged
        where = f"node type {node_type!r}" if host == node_type else f"node type {node_type!r} (host {str(host)!r})"
        if node_type in self._images_by_type:
            known = f"images known for {node_type!r}: {_some(self._images_by_type[node_type])}"
        else:
            known = f"node type {node_type!r} is unknown; known node types: {_some(self.node_types())}"
        raise KeyError(f"no {self._what} for image {image!r} on {where}; {known}")

    def node_types(self) -> List[str]:
        """The node types, sorted."""
        return sorted(self._images_by_type)

    def images(self, node_type: Optional[str] = None) -> List[str]:
        """The images, sorted: all of them, or those of one node type."""
        if node_type is None:
            return sorted({image for _, image in self._data})
        return list(self._images_by_type.get(node_type, []))

    def __contains__(self, key: object) -> bool:
        """``(host, image) in oracle``: host is a node type, a node name or a Node."""
        if not (isinstance(key, tuple) and len(key) == 2):
            return False
        try:
            self._key(*key)
        except (KeyError, TypeError):
            return False
        return True

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self._data)} entries, node types {self.node_types()}>"


class ResourceOracle(_Oracle[FunctionResourceCharacterization]):
    """ResourceOracle(resources)

    The resource use of one call per (node type, image): *resources* maps
    ``(node_type, image)`` to :class:`FunctionResourceCharacterization`.
    :meth:`get_resources` looks up by node name or :class:`Node` and image;
    an image ``name:tag`` without data of its own uses that of ``name``.

    >>> oracle = ResourceOracle({("nano", "img"): FunctionResourceCharacterization(0.5, 0, 0.2, 0, 0.1)})
    >>> oracle.get_resources("nano_3", "img").gpu
    0.2
    >>> oracle.get_resources("nano_3", "other")
    Traceback (most recent call last):
    ...
    KeyError: "no resource characterization for image 'other' on node type 'nano' (host 'nano_3'); ..."
    """

    _what = "resource characterization"

    def __init__(self, resources: Optional[Mapping[Key, FunctionResourceCharacterization]] = None):
        self._load({} if resources is None else resources, "resources")
        # (host, image) -> key, filled by get_resources: a watchdog asks per
        # request, so a name is resolved once.
        self._resolved: Dict[Tuple[Any, str], Key] = {}

    def _check_value(self, value: Any, key: Key) -> FunctionResourceCharacterization:
        """A copy of a FunctionResourceCharacterization, else TypeError."""
        if not isinstance(value, FunctionResourceCharacterization):
            raise TypeError(
                f"ResourceOracle: the value of {key!r} must be a FunctionResourceCharacterization, got {value!r}"
            )
        return value.copy()

    def get_resources(self, host: Host, image: str) -> FunctionResourceCharacterization:
        """get_resources(host, image) -> FunctionResourceCharacterization

        What one call of *image* uses on *host* (a node name or a Node): a
        copy, so changing it does not change the oracle. KeyError, naming the
        known images of the node type, when there is no entry."""
        try:
            return self._data[self._resolved[host, image]].copy()
        except (KeyError, TypeError):  # not resolved yet, or an unhashable host
            pass
        key = self._key(host, image)
        try:
            self._resolved[host, image] = key
        except TypeError:  # unhashable host: not cached
            pass
        return self._data[key].copy()

    def items(self) -> List[Tuple[Key, FunctionResourceCharacterization]]:
        """((node_type, image), resources) pairs (copies), in the order given."""
        return [(key, value.copy()) for key, value in self._data.items()]


class FetOracle(_Oracle[Distribution]):
    """FetOracle(distributions)

    Function execution times (FET, seconds) per (node type, image):
    *distributions* maps ``(node_type, image)`` to a
    :class:`faassim.distributions.Distribution`. :meth:`sample` draws with a
    :class:`faassim.Random` (such as ``env.rng``).

    >>> import faassim
    >>> from faassim.distributions import Uniform
    >>> oracle = FetOracle({("nano", "img"): Uniform(0.1, 0.2)})
    >>> 0.1 <= oracle.sample("nano_0", "img", faassim.Random(1)) < 0.2
    True
    >>> oracle.get("nano_0", "img").mean()
    0.15000000000000002
    """

    _what = "execution-time distribution"

    def __init__(self, distributions: Optional[Mapping[Key, Distribution]] = None):
        self._load({} if distributions is None else distributions, "distributions")

    def _check_value(self, value: Any, key: Key) -> Distribution:
        """The value if it is a Distribution, else TypeError."""
        if not isinstance(value, Distribution):
            raise TypeError(
                f"FetOracle: the value of {key!r} must be a faassim.distributions.Distribution, got {value!r}"
            )
        return value

    def get(self, host: Host, image: str) -> Distribution:
        """get(host, image) -> Distribution

        The execution-time distribution of *image* on *host* (a node name or
        a Node). KeyError, naming the known images of the node type, when
        there is none. A subclass that overrides :meth:`sample` (faas-sim's
        way to write an oracle) has no distribution to give: ``get`` raises
        ``AttributeError`` and the watchdogs call ``sample`` per request."""
        if type(self).sample is not FetOracle.sample:
            raise AttributeError(f"{type(self).__name__} samples by itself (it overrides sample): no distribution")
        return self._data[self._key(host, image)]

    def sample(self, host: Host, image: str, rng: Random) -> float:
        """sample(host, image, rng) -> float

        An execution time (seconds) of *image* on *host*, drawn with *rng*
        (a faassim.Random such as ``env.rng``)."""
        return self._data[self._key(host, image)].sample(rng)

    def items(self) -> List[Tuple[Key, Distribution]]:
        """((node_type, image), distribution) pairs, in the order given."""
        return list(self._data.items())


# ---------------------------------------------------------------------------
# Characterization of one function image
# ---------------------------------------------------------------------------


def _takes_rng(sample: Any) -> bool:
    """Whether an oracle's ``sample`` takes ``(host, image, rng)`` (faassim's)
    rather than faas-sim's ``(host, image)``."""
    import inspect

    try:
        sig = inspect.signature(sample)
    except (TypeError, ValueError):  # a builtin without a signature: faassim's form
        return True
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3


class FunctionCharacterization:
    """FunctionCharacterization(image, fet_oracle, resource_oracle, rng=None)

    The execution times and resource use of one function image, from the
    two oracles (faas-sim's first three arguments). :meth:`sample_fet` draws
    with :attr:`rng`; when it is None, the watchdogs pass ``env.rng``. A
    faas-sim oracle whose ``sample(host, image)`` takes no random source
    works too: it draws from its own (e.g. a sampler of
    :class:`~faassim.distributions.ParameterizedDistribution` from NumPy's
    global generator), so seed that for reproducible runs.

    >>> import faassim
    >>> ref = load_reference_characterizations()
    >>> c = ref.characterization("faas-workloads/python-pi")
    >>> c.get_resources_for_node("rpi3_0") == ref.resource_oracle.get_resources("rpi3", "faas-workloads/python-pi")
    True
    >>> c.rng = faassim.Random(5)
    >>> 1.9 < c.sample_fet("rpi3_0") < 2.3
    True
    """

    image: str
    fet_oracle: FetOracle
    resource_oracle: ResourceOracle
    rng: Optional[Random]

    def __init__(
        self, image: str, fet_oracle: FetOracle, resource_oracle: ResourceOracle, rng: Optional[Random] = None
    ):
        self.image = _check_name(image, "image")
        if not callable(getattr(fet_oracle, "sample", None)):
            raise TypeError(f"fet_oracle must be a FetOracle, got {fet_oracle!r}")
        if not callable(getattr(resource_oracle, "get_resources", None)):
            raise TypeError(f"resource_oracle must be a ResourceOracle, got {resource_oracle!r}")
        if rng is not None and not isinstance(rng, Random):
            raise TypeError(f"rng must be a faassim.Random (for example env.rng) or None, got {rng!r}")
        self.fet_oracle = fet_oracle
        self.resource_oracle = resource_oracle
        self.rng = rng
        self._sample_takes_rng = _takes_rng(fet_oracle.sample)

    def sample_fet(self, host: Host, rng: Optional[Random] = None) -> float:
        """sample_fet(host, rng=None) -> float

        An execution time (seconds) of this image on *host* (a node name or
        a Node), drawn with *rng* or else with :attr:`rng`."""
        if not self._sample_takes_rng:  # faas-sim's FetOracle.sample(host, image): its own draws
            return self.fet_oracle.sample(host, self.image)
        rng = self.rng if rng is None else rng
        if rng is None:
            raise RuntimeError(
                f"FunctionCharacterization({self.image!r}).sample_fet() has no random source: set its rng "
                f"or pass rng= (the watchdogs pass env.rng)"
            )
        return self.fet_oracle.sample(host, self.image, rng)

    def get_resources(self, node_name: Host, image: Optional[str] = None) -> FunctionResourceCharacterization:
        """get_resources(node_name, image=None) -> FunctionResourceCharacterization

        What one call uses on the node (a name or a Node): of this image, or
        of *image* if given."""
        return self.resource_oracle.get_resources(node_name, self.image if image is None else image)

    def get_resources_for_node(self, host: Host) -> FunctionResourceCharacterization:
        """get_resources_for_node(host) -> FunctionResourceCharacterization

        What one call of this image uses on *host* (faas-sim's name)."""
        return self.resource_oracle.get_resources(host, self.image)

    def __repr__(self) -> str:
        return f"FunctionCharacterization({self.image!r})"


# ---------------------------------------------------------------------------
# The packaged reference figures
# ---------------------------------------------------------------------------

FET_COLUMNS = ("node_type", "image", "shape", "loc", "scale", "xmin", "xmax", "mean")
RESOURCE_COLUMNS = ("node_type", "image", "cpu", "gpu", "blkio", "net", "ram")


class ReferenceCharacterizations:
    """The characterizations of faas-sim's "raith21" scenario (or of CSV
    files in the same format), as :func:`load_reference_characterizations`
    returns them.

    Attributes: :attr:`fet_oracle` (log-normal execution times, bounded),
    :attr:`resource_oracle`, :attr:`images` and :attr:`node_types` (sorted),
    and :attr:`mean_execution_times`, the mean execution time per
    (node_type, image) that the source reports (seconds; measured apart from
    the fits, see faassim/data/README.md).
    """

    fet_oracle: FetOracle
    resource_oracle: ResourceOracle
    images: List[str]
    node_types: List[str]
    mean_execution_times: Dict[Key, float]

    def __init__(
        self,
        fet_oracle: FetOracle,
        resource_oracle: ResourceOracle,
        mean_execution_times: Optional[Mapping[Key, float]] = None,
    ):
        self.fet_oracle = fet_oracle
        self.resource_oracle = resource_oracle
        self.images = sorted(set(fet_oracle.images()) | set(resource_oracle.images()))
        self.node_types = sorted(set(fet_oracle.node_types()) | set(resource_oracle.node_types()))
        self.mean_execution_times = dict(mean_execution_times or {})

    def characterization(self, image: str, rng: Optional[Random] = None) -> FunctionCharacterization:
        """characterization(image, rng=None) -> FunctionCharacterization

        The characterization of *image* (KeyError, naming the known images,
        for an image without data)."""
        if _untagged(image) not in self.images and image not in self.images:
            raise KeyError(f"no characterization of image {image!r}; known images: {_some(self.images, 20)}")
        return FunctionCharacterization(image, self.fet_oracle, self.resource_oracle, rng)

    def characterizations(self, rng: Optional[Random] = None) -> Dict[str, FunctionCharacterization]:
        """characterizations(rng=None) -> dict image -> FunctionCharacterization

        One characterization per image."""
        return {image: self.characterization(image, rng) for image in self.images}

    def __repr__(self) -> str:
        return (
            f"<ReferenceCharacterizations: {len(self.images)} images on {len(self.node_types)} node types, "
            f"{len(self.fet_oracle)} execution-time and {len(self.resource_oracle)} resource entries>"
        )


def _read_rows(text: str, columns: Tuple[str, ...], source: str) -> Iterator[Tuple[int, Dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{source}: missing column(s) {', '.join(missing)} (expected {', '.join(columns)})")
    for row in reader:
        yield reader.line_num, row


def _cell(row: Dict[str, str], column: str, source: str, line: int, optional: bool = False) -> Optional[float]:
    text = (row.get(column) or "").strip()
    if not text and optional:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{source}, line {line}: column {column!r} must be a number, got {text!r}") from None


def _add(table: Dict[Key, Any], key: Key, value: Any, source: str, line: int) -> None:
    if key in table:
        raise ValueError(f"{source}, line {line}: duplicate entry for {key!r}")
    table[key] = value


def _read_fet(text: str, source: str) -> Tuple[Dict[Key, Distribution], Dict[Key, float]]:
    distributions: Dict[Key, Distribution] = {}
    means: Dict[Key, float] = {}
    for line, row in _read_rows(text, FET_COLUMNS[:7], source):
        key = (row["node_type"], row["image"])
        try:
            dist = LogNormal(
                _cell(row, "shape", source, line),  # type: ignore[arg-type]
                _cell(row, "loc", source, line),  # type: ignore[arg-type]
                _cell(row, "scale", source, line),  # type: ignore[arg-type]
                xmin=_cell(row, "xmin", source, line, optional=True),
                xmax=_cell(row, "xmax", source, line, optional=True),
            )
        except (TypeError, ValueError) as e:
            raise ValueError(f"{source}, line {line}: {e}") from None
        _add(distributions, key, dist, source, line)
        mean = _cell(row, "mean", source, line, optional=True)
        if mean is not None:
            means[key] = mean
    return distributions, means


def _read_resources(text: str, source: str) -> Dict[Key, FunctionResourceCharacterization]:
    resources: Dict[Key, FunctionResourceCharacterization] = {}
    for line, row in _read_rows(text, RESOURCE_COLUMNS, source):
        values = {f: _cell(row, f, source, line) for f in FunctionResourceCharacterization.FIELDS}
        try:
            r = FunctionResourceCharacterization(**values)  # type: ignore[arg-type]
        except (TypeError, ValueError) as e:
            raise ValueError(f"{source}, line {line}: {e}") from None
        _add(resources, (row["node_type"], row["image"]), r, source, line)
    return resources


@functools.lru_cache(maxsize=None)
def _packaged(name: str) -> str:
    return _resources.files("faassim").joinpath("data", name).read_text(encoding="utf-8")


def _text(path: Optional[str], name: str) -> Tuple[str, str]:
    if path is None:
        return _packaged(name), f"faassim/data/{name}"
    with open(path, encoding="utf-8", newline="") as f:
        return f.read(), str(path)


def load_reference_characterizations(
    fet_path: Optional[str] = None, resources_path: Optional[str] = None
) -> ReferenceCharacterizations:
    """load_reference_characterizations(fet_path=None, resources_path=None) -> ReferenceCharacterizations

    The function characterizations packaged with faassim: those of faas-sim's
    raith21 scenario, 12 images on 10 node types (77 combinations), with
    bounded log-normal execution times (``faassim/data/fet_lognormal.csv``)
    and resource use (``faassim/data/resources.csv``); or those of CSV files
    with the same columns.

    >>> ref = load_reference_characterizations()
    >>> len(ref.images), len(ref.node_types), len(ref.fet_oracle)
    (12, 10, 77)
    >>> ref.fet_oracle.get("coral_0", "faas-workloads/mobilenet-inference-tpu")
    LogNormal(0.23466525119207204, loc=0.5059029828658818, scale=0.0405198874588389, xmin=0.5317..., xmax=0.5755...)
    """
    fet_text, fet_source = _text(fet_path, "fet_lognormal.csv")
    res_text, res_source = _text(resources_path, "resources.csv")
    distributions, means = _read_fet(fet_text, fet_source)
    resources = _read_resources(res_text, res_source)
    return ReferenceCharacterizations(FetOracle(distributions), ResourceOracle(resources), means)
