"""The domain model of a FaaS platform: functions, their images and containers,
deployments with scaling settings, and the resource quantities they request.

These are cold-path Python objects, created while an experiment is set up. The
names, constructor signatures and defaults follow faas-sim (``sim.faas.core``),
so faas-sim experiments port with few edits. Where faas-sim was loose, this
module is strict and says so in its errors:

- Quantities follow Kubernetes. ``parse_cpu("2")`` is 2 cores (2000
  millicores), ``parse_cpu("250m")`` is 250 millicores, and
  ``parse_memory("1.5G")`` is 1500000000 bytes. faas-sim read ``"2"`` as
  2 millicores and ``"2.7G"`` as 2 bytes.
- :class:`ScalingConfiguration` takes its fields as keyword arguments and
  checks them. A :class:`FunctionDeployment` forwards the same fields to its
  scaling configuration, so ``deployment.scale_max = 8`` takes effect; faas-sim
  stored such assignments on the deployment and never read them.
- A :class:`FunctionDeployment` checks that its containers belong to its
  function and that every ranked image has a container.

Units: cpu in millicores, memory in bytes.

>>> fn = Function("resnet", [FunctionImage("resnet-cpu"), FunctionImage("resnet-gpu")])
>>> cpu = FunctionContainer(fn.get_image("resnet-cpu"),
...                         KubernetesResourceConfiguration.create_from_str(cpu="1", memory="150Mi"))
>>> fd = FunctionDeployment(fn, [cpu])
>>> fd.name, fd.ranking.images
('resnet', ['resnet-cpu'])
>>> fd.get_container("resnet-cpu").get_resource_requirements()
{'cpu': 1000, 'memory': 157286400}
"""

from __future__ import annotations

import abc
import enum
import math
import numbers
import re
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Union

__all__ = [
    "FunctionState",
    "parse_cpu",
    "parse_memory",
    "Resources",
    "ResourceConfiguration",
    "KubernetesResourceConfiguration",
    "FunctionImage",
    "Function",
    "FunctionContainer",
    "ScalingConfiguration",
    "DeploymentRanking",
    "FunctionDeployment",
    "FunctionResponse",
]

Quantity = Union[str, int, float]

# ---------------------------------------------------------------------------
# Quantities
# ---------------------------------------------------------------------------

#: Largest quantity accepted: the C core stores cpu and memory as int64.
_MAX_QUANTITY = 2**63 - 1

# A Kubernetes quantity: unsigned decimal number, then a suffix or an exponent.
_QUANTITY_RE = re.compile(r"([+-]?)(\d+(?:\.\d*)?|\.\d+)(.*)")
_EXPONENT_RE = re.compile(r"[eE][+-]?\d+")

_BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SUFFIXES = {
    "": 1,
    "k": 10**3,
    "K": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
}
_MEMORY_SUFFIXES = {**_BINARY_SUFFIXES, **_DECIMAL_SUFFIXES}
# cpu suffixes, as multipliers to millicores
_CPU_SUFFIXES = {"": Decimal(1000), "m": Decimal(1), "u": Decimal("0.001"), "n": Decimal("0.000001")}


def _real_to_decimal(value: Any, what: str) -> Decimal:
    """A finite, non-negative number as an exact Decimal; TypeError/ValueError
    naming ``value`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise TypeError(f"{what} must be a number or a string, not {type(value).__name__} {value!r}")
    if isinstance(value, numbers.Integral):
        d = Decimal(int(value))
    elif isinstance(value, Decimal):
        d = value
    else:
        f = float(value)
        if not math.isfinite(f):
            raise ValueError(f"{what} must be finite, got {value!r}")
        d = Decimal(repr(f))  # the shortest decimal that round-trips: 0.1 stays 0.1
    if not d.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    if d < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return d


def _split_quantity(value: str, what: str, suffixes: Mapping[str, Any], hint: str) -> tuple:
    """Split a quantity string into (Decimal number, multiplier)."""
    text = value.strip()
    m = _QUANTITY_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"invalid {what} {value!r}: expected a number with an optional unit, {hint}")
    sign, number, suffix = m.groups()
    if _EXPONENT_RE.fullmatch(suffix):
        number, suffix = number + suffix, ""
    if suffix not in suffixes:
        raise ValueError(f"invalid {what} {value!r}: unknown unit {suffix!r}, {hint}")
    d = Decimal(number)
    if sign == "-" and d != 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return d, suffixes[suffix]


def _to_int(d: Decimal, rounding: str, what: str, value: Any) -> int:
    if d.adjusted() > 19:  # more than 20 integer digits: surely above int64
        raise ValueError(f"{what} {value!r} is too large (at most {_MAX_QUANTITY})")
    try:
        n = int(d.to_integral_value(rounding=rounding))
    except InvalidOperation:  # pragma: no cover - guarded by the magnitude check
        raise ValueError(f"{what} {value!r} is too large (at most {_MAX_QUANTITY})") from None
    if n > _MAX_QUANTITY:
        raise ValueError(f"{what} {value!r} is too large (at most {_MAX_QUANTITY})")
    return n


def parse_cpu(value: Quantity) -> int:
    """parse_cpu(value) -> int millicores

    Parse a Kubernetes cpu quantity. A number, or a string without a unit,
    counts cores; the units ``m`` (millicores), ``u`` and ``n`` (micro- and
    nanocores) and exponents (``"1e1"``) are understood. The result is rounded
    to the nearest millicore; a positive amount below half a millicore is an
    error, like a negative, NaN or infinite one.

    >>> [parse_cpu(v) for v in ("250m", "1.5", "2", 2, 0.5, "0.1", "500000000n")]
    [250, 1500, 2000, 2000, 500, 100, 500]
    >>> parse_cpu("2 cores")
    Traceback (most recent call last):
    ...
    ValueError: invalid cpu quantity '2 cores': unknown unit ' cores', use cores ('1.5') or millicores ('250m')
    """
    hint = "use cores ('1.5') or millicores ('250m')"
    if isinstance(value, str):
        d, multiplier = _split_quantity(value, "cpu quantity", _CPU_SUFFIXES, hint)
    else:
        d, multiplier = _real_to_decimal(value, "cpu quantity"), _CPU_SUFFIXES[""]
    if d.adjusted() > 19:
        raise ValueError(f"cpu quantity {value!r} is too large (at most {_MAX_QUANTITY} millicores)")
    millis = d * multiplier
    n = _to_int(millis, ROUND_HALF_UP, "cpu quantity", value)
    if n == 0 and (millis > 0 or d > 0):  # d > 0: a product that underflowed to zero
        raise ValueError(f"cpu quantity {value!r} is below the precision of 1 millicore")
    return n


def parse_memory(value: Quantity) -> int:
    """parse_memory(value) -> int bytes

    Parse a Kubernetes memory (or size) quantity. A number, or a string
    without a unit, counts bytes. Binary units ``Ki Mi Gi Ti Pi Ei`` are powers
    of 1024, decimal units ``k``/``K M G T P E`` are powers of 1000, and
    exponents (``"1e3"``) are understood. A fractional byte count is rounded up,
    as Kubernetes does. Negative, NaN, infinite and unit-less garbage values
    raise ``ValueError``; other types raise ``TypeError``.

    >>> [parse_memory(v) for v in ("64Mi", "2Gi", "500M", "1.5G", "1024", 1024, "64Ki", "1e3")]
    [67108864, 2147483648, 500000000, 1500000000, 1024, 1024, 65536, 1000]
    >>> parse_memory("500m")
    Traceback (most recent call last):
    ...
    ValueError: invalid memory quantity '500m': unknown unit 'm', use bytes or a unit of Ki Mi Gi Ti Pi Ei k K M G T P E (did you mean 'M'?)
    """
    if type(value) is int and 0 <= value <= _MAX_QUANTITY:
        return value  # bytes already (the common case: no Decimal)
    hint = "use bytes or a unit of " + " ".join(s for s in _MEMORY_SUFFIXES if s)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[-1:] in ("m", "u", "n") and _QUANTITY_RE.fullmatch(stripped[:-1]):
            # Kubernetes reads "500m" as half a byte: almost always a typo for "500M".
            guess = " (did you mean 'M'?)" if stripped[-1] == "m" else ""
            raise ValueError(f"invalid memory quantity {value!r}: unknown unit {stripped[-1]!r}, {hint}{guess}")
        d, multiplier = _split_quantity(value, "memory quantity", _MEMORY_SUFFIXES, hint)
    else:
        d, multiplier = _real_to_decimal(value, "memory quantity"), 1
    if d.adjusted() > 19:
        raise ValueError(f"memory quantity {value!r} is too large (at most {_MAX_QUANTITY})")
    n = _to_int(d * multiplier, ROUND_CEILING, "memory quantity", value)
    return 1 if n == 0 and d > 0 else n  # a product that underflowed to zero still rounds up


def _millicores(value: Any, what: str) -> int:
    """A cpu amount given as millicores (number) or as a quantity (string)."""
    if type(value) is int and 0 <= value <= _MAX_QUANTITY:
        return value  # millicores already (the common case: no Decimal)
    if isinstance(value, str):
        return parse_cpu(value)
    d = _real_to_decimal(value, what)
    return _to_int(d, ROUND_HALF_UP, what, value)


# ---------------------------------------------------------------------------
# Function lifecycle
# ---------------------------------------------------------------------------


class FunctionState(enum.Enum):
    """Lifecycle state of a function replica.

    The values are faas-sim's; ``FAILED`` is new and marks a replica whose
    deployment or start failed.

    >>> FunctionState.RUNNING.value, FunctionState(5)
    (3, <FunctionState.FAILED: 5>)
    """

    CONCEIVED = 1
    STARTING = 2
    RUNNING = 3
    SUSPENDED = 4
    FAILED = 5


# ---------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------


class Resources:
    """An amount of cpu (millicores) and memory (bytes), e.g. a container's
    resource requests.

    Numbers are millicores and bytes; strings are Kubernetes quantities
    (``"250m"``, ``"64Mi"``). The defaults, 1000 millicores and 1 MiB, are
    faas-sim's. The attributes are ``cpu`` and ``memory`` as in faas-sim;
    ``cpu_millis`` is an alias of ``cpu``.

    >>> Resources(250, "64Mi")
    Resources(cpu_millis=250, memory=67108864)
    >>> Resources.from_str("64Mi", "250m") == Resources(250, 64 * 1024 * 1024)
    True
    """

    __slots__ = ("cpu", "memory")
    cpu: int
    memory: int

    def __init__(self, cpu_millis: Quantity = 1 * 1000, memory: Quantity = 1 * 1024 * 1024):
        self.cpu = _millicores(cpu_millis, "cpu_millis")
        self.memory = parse_memory(memory)

    @property
    def cpu_millis(self) -> int:
        """The cpu amount in millicores (the same as ``cpu``)."""
        return self.cpu

    @cpu_millis.setter
    def cpu_millis(self, value: int) -> None:
        self.cpu = value

    @staticmethod
    def from_str(memory: Quantity, cpu: Quantity) -> "Resources":
        """from_str(memory, cpu) -> Resources

        Build from Kubernetes quantities; note faas-sim's argument order,
        memory first. Unlike faas-sim, ``cpu="2"`` means 2 cores.

        >>> Resources.from_str("1Gi", "2")
        Resources(cpu_millis=2000, memory=1073741824)
        """
        return Resources(parse_cpu(cpu), parse_memory(memory))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resources):
            return NotImplemented
        return self.cpu == other.cpu and self.memory == other.memory

    __hash__ = None  # type: ignore[assignment]  # mutable value object

    def __repr__(self) -> str:
        return f"Resources(cpu_millis={self.cpu}, memory={self.memory})"


class ResourceConfiguration(abc.ABC):
    """How a container states the resources it needs.

    Subclasses implement :meth:`get_resource_requirements`.
    """

    @abc.abstractmethod
    def get_resource_requirements(self) -> Dict[str, int]:
        """Return a dict resource name -> amount, e.g. ``{'cpu': 250, 'memory': 67108864}``."""


class KubernetesResourceConfiguration(ResourceConfiguration):
    """Resource requests in the Kubernetes style: cpu in millicores, memory in
    bytes. ``requests`` defaults to ``Resources()`` (1000m, 1 MiB).

    >>> KubernetesResourceConfiguration.create_from_str(cpu="250m", memory="64Mi").get_resource_requirements()
    {'cpu': 250, 'memory': 67108864}
    """

    requests: Resources

    def __init__(self, requests: Optional[Resources] = None):
        if requests is None:
            requests = Resources()
        elif not (hasattr(requests, "cpu") and hasattr(requests, "memory")):
            raise TypeError(f"requests must be a Resources, not {type(requests).__name__} {requests!r}")
        self.requests = requests

    def get_resource_requirements(self) -> Dict[str, int]:
        """Return ``{'cpu': millicores, 'memory': bytes}`` of the requests."""
        return {"cpu": self.requests.cpu, "memory": self.requests.memory}

    @staticmethod
    def create_from_str(cpu: Quantity, memory: Quantity) -> "KubernetesResourceConfiguration":
        """create_from_str(cpu, memory) -> KubernetesResourceConfiguration

        Build from Kubernetes quantities such as ``cpu="250m", memory="64Mi"``.
        """
        return KubernetesResourceConfiguration(Resources.from_str(memory, cpu))

    def __repr__(self) -> str:
        return f"KubernetesResourceConfiguration(requests={self.requests!r})"


# ---------------------------------------------------------------------------
# Functions, images, containers
# ---------------------------------------------------------------------------


def _check_name(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__} {value!r}")
    if not value.strip():
        raise ValueError(f"{what} must not be empty, got {value!r}")
    return value


def _check_labels(labels: Any, what: str = "labels") -> Dict[str, Any]:
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise TypeError(f"{what} must be a mapping, not {type(labels).__name__} {labels!r}")
    return dict(labels)


class FunctionImage:
    """A deployable image of a function (the manifest list name of a container
    image, e.g. ``"resnet50-inference-gpu"``).

    >>> FunctionImage("python-pi-cpu")
    FunctionImage('python-pi-cpu')
    """

    image: str

    def __init__(self, image: str):
        self.image = _check_name(image, "image")

    def __repr__(self) -> str:
        return f"FunctionImage({self.image!r})"


class Function:
    """A function: a name and the images that implement it (for example a cpu
    and a gpu variant), plus labels.

    >>> fn = Function("python-pi", [FunctionImage("python-pi-cpu")])
    >>> fn.get_image("python-pi-cpu")
    FunctionImage('python-pi-cpu')
    >>> fn.get_image("unknown") is None
    True
    """

    name: str
    fn_images: List[FunctionImage]
    labels: Dict[str, Any]

    def __init__(self, name: str, fn_images: Iterable[FunctionImage], labels: Optional[Mapping[str, Any]] = None):
        self.name = _check_name(name, "function name")
        if isinstance(fn_images, (str, FunctionImage)) or not isinstance(fn_images, Iterable):
            raise TypeError(f"fn_images of function {name!r} must be a list of FunctionImage, got {fn_images!r}")
        images = list(fn_images)
        seen = set()
        for fn_image in images:
            if not isinstance(getattr(fn_image, "image", None), str):
                raise TypeError(f"fn_images of function {name!r} must hold FunctionImage objects, got {fn_image!r}")
            if fn_image.image in seen:
                raise ValueError(f"function {name!r} lists image {fn_image.image!r} twice")
            seen.add(fn_image.image)
        if not images:
            raise ValueError(f"function {name!r} needs at least one image")
        self.fn_images = images
        self.labels = _check_labels(labels)

    def get_image(self, image: str) -> Optional[FunctionImage]:
        """Return the :class:`FunctionImage` named ``image``, or None if the
        function has no such image."""
        for fn_image in self.fn_images:
            if fn_image.image == image:
                return fn_image
        return None

    def __repr__(self) -> str:
        return f"Function({self.name!r}, images={[i.image for i in self.fn_images]!r})"


class FunctionContainer:
    """An image of a function together with its resource configuration and
    labels: what a replica runs. ``resource_config`` defaults to
    ``KubernetesResourceConfiguration()``.

    ``node_selector`` (new in faassim, as Kubernetes' ``nodeSelector``) maps
    node label keys to values: the scheduler places replicas of the container
    only on nodes whose ``labels`` carry every one of these pairs. It is stored
    as a dict (empty: any node).

    Containers compare and hash by identity (they are used as dict keys).

    >>> c = FunctionContainer(FunctionImage("python-pi-cpu"), labels={"watchdog": "http"})
    >>> c.image, c.get_resource_requirements()
    ('python-pi-cpu', {'cpu': 1000, 'memory': 1048576})
    >>> FunctionContainer(FunctionImage("pi-gpu"), node_selector={"zone": "edge"}).node_selector
    {'zone': 'edge'}
    """

    fn_image: FunctionImage
    resource_config: ResourceConfiguration
    labels: Dict[str, Any]
    node_selector: Dict[str, Any]

    def __init__(
        self,
        fn_image: FunctionImage,
        resource_config: Optional[ResourceConfiguration] = None,
        labels: Optional[Mapping[str, Any]] = None,
        node_selector: Optional[Mapping[str, Any]] = None,
    ):
        if not isinstance(getattr(fn_image, "image", None), str):
            raise TypeError(f"fn_image must be a FunctionImage, not {type(fn_image).__name__} {fn_image!r}")
        if resource_config is None:
            resource_config = KubernetesResourceConfiguration()
        elif not callable(getattr(resource_config, "get_resource_requirements", None)):
            raise TypeError(
                f"resource_config of container {fn_image.image!r} must be a ResourceConfiguration, "
                f"not {type(resource_config).__name__} {resource_config!r}"
            )
        self.fn_image = fn_image
        self.resource_config = resource_config
        self.labels = _check_labels(labels)
        self.node_selector = _check_labels(node_selector, f"node_selector of container {fn_image.image!r}")

    @property
    def image(self) -> str:
        """The image name (``fn_image.image``)."""
        return self.fn_image.image

    def get_resource_requirements(self) -> Dict[str, int]:
        """The resource requirements of the container's resource configuration."""
        return self.resource_config.get_resource_requirements()

    def __repr__(self) -> str:
        return f"FunctionContainer({self.image!r}, {self.resource_config!r})"


# ---------------------------------------------------------------------------
# Scaling
# ---------------------------------------------------------------------------


def _check_int_field(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"ScalingConfiguration.{name} must be an integer, not {type(value).__name__} {value!r}")
    if not isinstance(value, numbers.Integral):
        if not (math.isfinite(value) and float(value).is_integer()):
            raise ValueError(f"ScalingConfiguration.{name} must be a whole number, got {value!r}")
        value = int(value)
    value = int(value)
    if value < minimum:
        raise ValueError(f"ScalingConfiguration.{name} must be >= {minimum}, got {value!r}")
    return value


def _check_real_field(name: str, value: Any, allow_zero: bool, owner: str = "ScalingConfiguration.") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}{name} must be a number, not {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{owner}{name} must be finite, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}{name} must be {bound}, got {value!r}")
    return value


# name -> checker of a single value (cross-field rules are in ScalingConfiguration.validate)
_SCALING_FIELDS = {
    "scale_min": lambda v: _check_int_field("scale_min", v, 0),
    "scale_max": lambda v: _check_int_field("scale_max", v, 1),
    "scale_factor": lambda v: _check_int_field("scale_factor", v, 1),
    "scale_zero": None,  # checked below: must be a bool
    "rps_threshold": lambda v: _check_real_field("rps_threshold", v, False),
    "alert_window": lambda v: _check_real_field("alert_window", v, False),
    "rps_threshold_duration": lambda v: _check_real_field("rps_threshold_duration", v, False),
    "target_average_utilization": lambda v: _check_real_field("target_average_utilization", v, False),
    "target_average_rps": lambda v: _check_real_field("target_average_rps", v, False),
    "target_queue_length": lambda v: _check_real_field("target_queue_length", v, False),
    "target_average_rps_threshold": lambda v: _check_real_field("target_average_rps_threshold", v, True),
}


def _check_scaling_field(name: str, value: Any) -> Any:
    if name == "scale_zero":
        if not isinstance(value, (bool, numbers.Integral)) or value not in (0, 1):
            raise TypeError(f"ScalingConfiguration.scale_zero must be a bool, not {type(value).__name__} {value!r}")
        return bool(value)
    return _SCALING_FIELDS[name](value)


class ScalingConfiguration:
    """Autoscaling settings of a function deployment (faas-sim's fields and
    defaults).

    Every field can be passed as a keyword argument; a field not passed reads
    the class attribute, so changing a class default affects configurations
    that did not set the field. Assignments are type- and range-checked;
    :meth:`validate` checks the rules between fields (``scale_max >=
    scale_min``), and runs at construction.

    Fields (the scalers that read them are in :mod:`faassim.autoscaling`):
    ``scale_min`` (replicas, >= 0), ``scale_max`` (replicas, >= 1),
    ``scale_factor`` (percent of ``scale_max`` that ``FaasRequestScaler``
    adds or removes per step, at least one replica; >= 1), ``scale_zero``
    (``KeepAlive`` and ``faas_idler`` may scale the function to zero),
    ``rps_threshold`` (requests/s of the function at which
    ``FaasRequestScaler`` scales up), ``alert_window`` (s: the window and
    interval of ``AverageFaasRequestScaler`` and
    ``AverageQueueFaasRequestScaler``), ``rps_threshold_duration`` (s:
    ``FaasRequestScaler``'s window and interval),
    ``target_average_utilization`` (fraction, ``HorizontalPodAutoscaler``),
    ``target_average_rps`` (requests/s per replica), ``target_queue_length``
    (requests waiting per replica) and ``target_average_rps_threshold``
    (relative tolerance of the average and queue scalers).

    >>> ScalingConfiguration(scale_max=5)
    ScalingConfiguration(scale_min=1, scale_max=5, scale_factor=1, scale_zero=False, rps_threshold=20, ...)
    >>> ScalingConfiguration(scale_min=3, scale_max=2)
    Traceback (most recent call last):
    ...
    ValueError: ScalingConfiguration: scale_max (2) must be >= scale_min (3)
    """

    scale_min: int = 1
    scale_max: int = 20
    scale_factor: int = 1
    scale_zero: bool = False
    rps_threshold: float = 20
    alert_window: float = 50
    rps_threshold_duration: float = 10
    target_average_utilization: float = 0.5
    target_average_rps: float = 200
    target_queue_length: float = 75
    target_average_rps_threshold: float = 0.1

    #: the field names, in faas-sim's order
    FIELDS = tuple(_SCALING_FIELDS)

    def __init__(
        self,
        *,
        scale_min: Optional[int] = None,
        scale_max: Optional[int] = None,
        scale_factor: Optional[int] = None,
        scale_zero: Optional[bool] = None,
        rps_threshold: Optional[float] = None,
        alert_window: Optional[float] = None,
        rps_threshold_duration: Optional[float] = None,
        target_average_utilization: Optional[float] = None,
        target_average_rps: Optional[float] = None,
        target_queue_length: Optional[float] = None,
        target_average_rps_threshold: Optional[float] = None,
    ):
        given = dict(
            scale_min=scale_min,
            scale_max=scale_max,
            scale_factor=scale_factor,
            scale_zero=scale_zero,
            rps_threshold=rps_threshold,
            alert_window=alert_window,
            rps_threshold_duration=rps_threshold_duration,
            target_average_utilization=target_average_utilization,
            target_average_rps=target_average_rps,
            target_queue_length=target_queue_length,
            target_average_rps_threshold=target_average_rps_threshold,
        )
        for name, value in given.items():
            if value is not None:  # None: keep reading the class default
                setattr(self, name, value)
        self.validate()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SCALING_FIELDS:
            value = _check_scaling_field(name, value)
        object.__setattr__(self, name, value)

    def validate(self) -> "ScalingConfiguration":
        """Check every field and the rules between them; raise ``ValueError``
        or ``TypeError`` naming the field and value. Returns ``self``."""
        for name in _SCALING_FIELDS:
            _check_scaling_field(name, getattr(self, name))
        if self.scale_max < self.scale_min:
            raise ValueError(
                f"ScalingConfiguration: scale_max ({self.scale_max}) must be >= scale_min ({self.scale_min})"
            )
        return self

    def as_dict(self) -> Dict[str, Any]:
        """The fields and their current values as a dict (faas-sim's order)."""
        return {name: getattr(self, name) for name in _SCALING_FIELDS}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"ScalingConfiguration({fields})"


# ---------------------------------------------------------------------------
# Deployments
# ---------------------------------------------------------------------------


class DeploymentRanking:
    """The order in which the images of a function are tried when scaling (the
    first is preferred), and the share of ``scale_max`` each image may use
    (``function_factor``, default 1 for every image).

    >>> r = DeploymentRanking(["resnet-gpu", "resnet-cpu"])
    >>> r.set_first("resnet-cpu")
    >>> r.get_first(), r.images
    ('resnet-cpu', ['resnet-cpu', 'resnet-gpu'])
    """

    images: List[str]
    function_factor: Dict[str, float]

    def __init__(self, images: Iterable[str], function_factor: Optional[Mapping[str, float]] = None):
        if isinstance(images, str) or not isinstance(images, Iterable):
            raise TypeError(f"images must be a list of image names, got {images!r}")
        images = list(images)
        if not images:
            raise ValueError("a DeploymentRanking needs at least one image")
        for image in images:
            _check_name(image, "ranked image")
        duplicates = sorted({i for i in images if images.count(i) > 1})
        if duplicates:
            raise ValueError(f"DeploymentRanking lists images more than once: {duplicates}")
        factors: Dict[str, float] = {image: 1 for image in images}
        if function_factor is not None:
            if not isinstance(function_factor, Mapping):
                raise TypeError(f"function_factor must be a mapping image -> factor, got {function_factor!r}")
            for image, factor in function_factor.items():
                if image not in factors:
                    raise ValueError(f"function_factor names image {image!r}, which is not ranked: {images}")
                factors[image] = _check_real_field(f"function_factor[{image!r}]", factor, True, "DeploymentRanking ")
        self.images = images
        self.function_factor = factors

    def set_first(self, image: str) -> None:
        """Move ``image`` to the front of the ranking; ``ValueError`` if it is
        not ranked."""
        if image not in self.images:
            raise ValueError(f"cannot rank image {image!r} first: it is not ranked (ranked: {self.images})")
        self.images = [image] + [i for i in self.images if i != image]

    def get_first(self) -> str:
        """The preferred image."""
        return self.images[0]

    def __repr__(self) -> str:
        return f"DeploymentRanking({self.images!r})"


def _scaling_property(name: str) -> property:
    def fget(self: "FunctionDeployment") -> Any:
        return getattr(self.scaling_config, name)

    def fset(self: "FunctionDeployment", value: Any) -> None:
        setattr(self.scaling_config, name, value)

    return property(fget, fset, doc=f"``scaling_config.{name}`` (reads and writes go to the scaling configuration).")


class FunctionDeployment:
    """A function deployed with its containers, scaling settings and image
    ranking: the unit that ``env.faas.deploy`` takes.

    ``scaling_config`` defaults to ``ScalingConfiguration()``. The default
    ranking lists the function's images that have a container, in the
    function's order. Every ranked image needs a container, and every
    container's image must belong to the function. Deployments compare and
    hash by identity.

    The scaling fields can be read and set on the deployment itself
    (``fd.scale_max = 8`` sets ``fd.scaling_config.scale_max``).

    >>> fn = Function("pi", [FunctionImage("pi-cpu"), FunctionImage("pi-gpu")])
    >>> fd = FunctionDeployment(fn, [FunctionContainer(i) for i in fn.fn_images],
    ...                         deployment_ranking=DeploymentRanking(["pi-gpu", "pi-cpu"]))
    >>> fd.get_selected_service(), [c.image for c in fd.get_containers()]
    (FunctionImage('pi-gpu'), ['pi-gpu', 'pi-cpu'])
    >>> fd.scale_max = 4; fd.scaling_config.scale_max
    4
    """

    fn: Function
    fn_containers: List[FunctionContainer]
    scaling_config: ScalingConfiguration
    ranking: DeploymentRanking

    def __init__(
        self,
        fn: Function,
        fn_containers: Iterable[FunctionContainer],
        scaling_config: Optional[ScalingConfiguration] = None,
        deployment_ranking: Optional[DeploymentRanking] = None,
    ):
        if not (isinstance(getattr(fn, "name", None), str) and callable(getattr(fn, "get_image", None))):
            raise TypeError(f"fn must be a Function, not {type(fn).__name__} {fn!r}")
        if isinstance(fn_containers, FunctionContainer) or not isinstance(fn_containers, Iterable):
            raise TypeError(f"fn_containers of {fn.name!r} must be a list of FunctionContainer, got {fn_containers!r}")
        containers = list(fn_containers)
        if not containers:
            raise ValueError(f"deployment of {fn.name!r} needs at least one container")
        seen: Dict[str, Any] = {}
        for container in containers:
            image = getattr(container, "image", None)
            if not isinstance(image, str):
                raise TypeError(f"fn_containers of {fn.name!r} must hold FunctionContainer objects, got {container!r}")
            if fn.get_image(image) is None:
                known = [i.image for i in fn.fn_images]
                raise ValueError(f"container image {image!r} is not an image of function {fn.name!r} (images: {known})")
            if image in seen:
                raise ValueError(f"deployment of {fn.name!r} has two containers for image {image!r}")
            seen[image] = container
        if scaling_config is None:
            scaling_config = ScalingConfiguration()
        elif not callable(getattr(scaling_config, "validate", None)):
            raise TypeError(f"scaling_config must be a ScalingConfiguration, got {scaling_config!r}")
        if deployment_ranking is None:
            deployment_ranking = DeploymentRanking([i.image for i in fn.fn_images if i.image in seen])
        else:
            missing = [image for image in deployment_ranking.images if image not in seen]
            if missing:
                raise ValueError(
                    f"deployment of {fn.name!r} ranks images without a container: {missing} "
                    f"(containers: {list(seen)})"
                )
        self.fn = fn
        self.fn_containers = containers
        self.scaling_config = scaling_config
        self.ranking = deployment_ranking

    @property
    def name(self) -> str:
        """The function name."""
        return self.fn.name

    def get_selected_service(self) -> Optional[FunctionImage]:
        """The :class:`FunctionImage` ranked first."""
        return self.fn.get_image(self.ranking.get_first())

    def get_services(self) -> List[Optional[FunctionImage]]:
        """The function images in ranking order."""
        return [self.fn.get_image(image) for image in self.ranking.images]

    def get_containers(self) -> List[Optional[FunctionContainer]]:
        """The containers in ranking order."""
        return [self.get_container(image) for image in self.ranking.images]

    def get_container(self, image: str) -> Optional[FunctionContainer]:
        """The container running ``image``, or None if there is none."""
        for container in self.fn_containers:
            if container.image == image:
                return container
        return None

    def __repr__(self) -> str:
        return f"FunctionDeployment({self.name!r}, ranking={self.ranking.images!r})"


for _name in _SCALING_FIELDS:
    setattr(FunctionDeployment, _name, _scaling_property(_name))
del _name


class FunctionResponse(NamedTuple):
    """The outcome of one invocation: status ``code`` (HTTP style), the time
    the request waited and executed (seconds), and the node that served it.

    >>> FunctionResponse(7, 200, t_wait=0.5, t_exec=1.25, node="rpi3_0")
    FunctionResponse(request_id=7, code=200, t_wait=0.5, t_exec=1.25, node='rpi3_0')
    """

    request_id: int
    code: int
    t_wait: float = 0
    t_exec: float = 0
    node: Optional[str] = None
