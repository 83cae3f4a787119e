"""The network part of a :class:`~faassim.Topology`: links, transparent hops,
connections with a latency, routes, and the units they take.

The model is ether's (faas-sim's topology library): a topology is a directed
graph whose vertices are

- compute nodes (:class:`faassim.Node`), which run replicas;
- transparent hops (:class:`Hop`: switches, routers, the internet backbone, the
  container registry), which run nothing and do not limit bandwidth;
- links (:class:`Link`), vertices with a bandwidth: every flow whose route
  passes through a link shares that link's bandwidth with the other flows on it.

Edges (:class:`Connection`) join two vertices and carry a latency; they do not
limit bandwidth. A compute node is typically joined to its own link (its
network card), which is joined to a switch; the switch to a shared link or an
uplink/downlink pair, and so on. An undirected connection is two directed
edges that share one :class:`Connection`.

Units: bandwidth in bytes/s and latency in seconds, as everywhere in faassim.
ether and faas-sim use Mbit/s and milliseconds; those are accepted only
through :func:`mbit` / ``bandwidth_mbit=`` and :func:`ms` / ``latency_ms=``.

>>> mbit(1000)  # 1 Gbit/s in bytes/s
125000000.0
>>> ms(0.35)
0.00035
>>> Link(bandwidth_mbit=500, name="shared_0")
Link('shared_0', bandwidth=62500000.0)
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple, Union

from faassim.distributions import Constant, Distribution, Empirical, Exponential, LogNormal, Normal, Uniform

__all__ = [
    "Link",
    "Hop",
    "Connection",
    "Route",
    "NoRouteError",
    "mbit",
    "ms",
    "latency",
]

Latency = Union[float, Distribution]


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {value!r} ({type(value).__name__})")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return x


def mbit(megabits_per_s: float) -> float:
    """mbit(megabits_per_s) -> float

    A bandwidth in Mbit/s (ether's and faas-sim's unit) as bytes/s
    (faassim's): ``mbit(x) == x * 125_000``.

    >>> mbit(25), mbit(0.8)
    (3125000.0, 100000.0)
    """
    x = _number(megabits_per_s, "bandwidth in Mbit/s")
    if x < 0:
        raise ValueError(f"bandwidth in Mbit/s must not be negative, got {megabits_per_s!r}")
    return x * 125_000.0


def _scaled(dist: Distribution, factor: float) -> Distribution:
    """``dist`` with its values multiplied by ``factor`` (> 0)."""
    lo = dist.xmin * factor if dist.xmin != -math.inf else None
    hi = dist.xmax * factor if dist.xmax != math.inf else None
    if isinstance(dist, Constant):
        return Constant(dist.value * factor, xmin=lo, xmax=hi)
    if isinstance(dist, Uniform):
        return Uniform(dist.a * factor, dist.b * factor, xmin=lo, xmax=hi)
    if isinstance(dist, Exponential):
        return Exponential(dist.rate / factor, xmin=lo, xmax=hi)
    if isinstance(dist, Normal):
        return Normal(dist.mu * factor, dist.sigma * factor, xmin=lo, xmax=hi)
    if isinstance(dist, LogNormal):
        return LogNormal(dist.s, loc=dist.loc * factor, scale=dist.scale * factor, xmin=lo, xmax=hi)
    if isinstance(dist, Empirical):
        return Empirical([x * factor for x in dist.spec[1]], xmin=lo, xmax=hi)
    raise TypeError(f"cannot convert {dist!r} to seconds: unknown distribution type {type(dist).__name__}")


def ms(milliseconds: Latency) -> Latency:
    """ms(milliseconds) -> seconds

    A latency in milliseconds (ether's unit) as seconds (faassim's). Takes a
    number or a :mod:`faassim.distributions` distribution over milliseconds,
    which comes back as the same distribution over seconds (a log-normal's
    ``loc`` and ``scale`` divided by 1000, its shape kept).

    >>> ms(12.5)
    0.0125
    >>> from faassim.distributions import LogNormal
    >>> ms(LogNormal(0.25, loc=0.35, scale=0.16))
    LogNormal(0.25, loc=0.00035, scale=0.00016)
    """
    if isinstance(milliseconds, Distribution):
        return _scaled(milliseconds, 1e-3)
    return _number(milliseconds, "latency in ms") / 1000.0


class _LatencyPresets:
    """ether's latency distributions (``ether.qos.latency``), in seconds:
    log-normal fits of one-way latencies (ether's parameters in ms, divided by
    1000 here). The nominal latency of a connection that carries one is the
    mode, as ether's routes use.

    >>> latency.lan
    LogNormal(0.25, loc=0.00035, scale=0.00016)
    >>> round(latency.mode(latency.lan) * 1000, 6)  # ms
    0.500306
    """

    lan = LogNormal(0.25, loc=0.35e-3, scale=0.16e-3)
    wlan = LogNormal(0.635, loc=1.18e-3, scale=3.27e-3)
    business_isp = LogNormal(0.87, loc=5.95e-3, scale=1.21e-3)
    mobile_isp = LogNormal(0.49, loc=16.2e-3, scale=8.02e-3)

    @staticmethod
    def mode(dist: Latency) -> float:
        """mode(dist) -> float: the nominal value of a latency (see
        :attr:`Connection.nominal_latency`)."""
        return _nominal(dist)

    def __repr__(self) -> str:
        return "faassim.network_topology.latency"


latency = _LatencyPresets()


def _support_min(dist: Distribution) -> float:
    """The least value ``dist`` can draw."""
    if isinstance(dist, Constant):
        low = dist.value
    elif isinstance(dist, Uniform):
        low = dist.a
    elif isinstance(dist, Exponential):
        low = 0.0
    elif isinstance(dist, LogNormal):
        low = dist.loc
    elif isinstance(dist, Empirical):
        low = min(dist.spec[1])
    else:  # Normal and unknown kinds: unbounded below
        low = -math.inf
    return max(low, dist.xmin)


def _clamp(x: float, dist: Distribution) -> float:
    return min(max(x, dist.xmin), dist.xmax)


def _nominal(value: Latency) -> float:
    """The latency a route uses for ``value``: the number itself, or the mode
    of a distribution (its most likely value, within its bounds)."""
    if not isinstance(value, Distribution):
        return value
    if isinstance(value, Constant):
        return value.value
    if isinstance(value, LogNormal):
        return _clamp(value.loc + value.scale * math.exp(-value.s * value.s), value)
    if isinstance(value, Normal):
        return _clamp(value.mu, value)
    if isinstance(value, Exponential):
        return _clamp(0.0, value)
    if isinstance(value, Uniform):
        lo, hi = max(value.a, value.xmin), min(value.b, value.xmax)
        return lo + (hi - lo) / 2.0
    if isinstance(value, Empirical):
        counts: Dict[float, int] = {}
        for x in value.spec[1]:
            if value.xmin <= x <= value.xmax:
                counts[x] = counts.get(x, 0) + 1
        top = max(counts.values())
        return min(x for x, c in counts.items() if c == top)
    raise TypeError(f"no mode for {value!r}")


@functools.lru_cache(maxsize=256)
def _distribution_info(dist: Distribution) -> Tuple[float, float]:
    """(least value, mode) of a latency distribution: distributions are
    immutable values, and builders use a few of them many times."""
    return _support_min(dist), _nominal(dist)


def _check_latency(value: Any, value_ms: Any, what: str) -> Latency:
    """A checked latency in seconds from ``value`` (seconds) or ``value_ms``."""
    if value_ms is not None:
        if value is not None and not (not isinstance(value, Distribution) and value == 0):
            raise TypeError(f"{what}: give latency (seconds) or latency_ms, not both")
        if not isinstance(value_ms, Distribution) and not (
            isinstance(value_ms, numbers.Real) and not isinstance(value_ms, bool) and math.isfinite(value_ms) and value_ms >= 0
        ):
            kind = ValueError if isinstance(value_ms, numbers.Real) and not isinstance(value_ms, bool) else TypeError
            raise kind(f"{what}: latency_ms must be a finite number of milliseconds >= 0 or a distribution, got {value_ms!r}")
        value = ms(value_ms)
    if value is None:
        return 0.0
    if type(value) is float and 0.0 <= value < math.inf:  # the common case, without the ABC checks below
        return value
    if isinstance(value, Distribution):
        low, mode = _distribution_info(value)
        if not low >= 0.0:
            raise ValueError(f"{what}: latency distribution {value!r} can draw negative values (give xmin=0)")
        if not math.isfinite(mode):
            raise ValueError(f"{what}: latency distribution {value!r} has no finite mode")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{what}: latency must be a number of seconds or a faassim.distributions distribution, got {value!r}"
        )
    x = float(value)
    if not (math.isfinite(x) and x >= 0.0):
        raise ValueError(f"{what}: latency must be a finite number of seconds >= 0, got {value!r}")
    return x


# ---------------------------------------------------------------------------
# Vertices
# ---------------------------------------------------------------------------


class Link:
    """Link(bandwidth=None, tags=None, *, bandwidth_mbit=None, name=None)

    A vertex of the topology with a bandwidth: the flows whose routes pass
    through it share ``bandwidth`` bytes/s. ``bandwidth`` is bytes/s; give
    ether's Mbit/s as ``bandwidth_mbit=`` (or ``bandwidth=mbit(x)``). ``tags``
    is ether's dict of tags; ``name`` defaults to ``tags['name']`` and, when
    that is missing too, the topology names the link ``link#<index>`` (or
    the next free ``link#<n>``).

    ``index`` is the link's position among the links of its topology (0, 1,
    ... in the order they were added; None until added): the integer id a
    network simulation keys the link by. A link belongs to one topology.

    >>> up = Link(bandwidth_mbit=25, tags={"type": "uplink", "name": "up_shared_0"})
    >>> up.name, up.bandwidth, up.bandwidth_mbit, up.index
    ('up_shared_0', 3125000.0, 25.0, None)
    >>> Link(-1)
    Traceback (most recent call last):
    ...
    ValueError: link bandwidth must be a finite number of bytes/s > 0, got -1
    """

    __slots__ = ("_bandwidth", "tags", "_name", "_index", "_topology")

    def __init__(
        self,
        bandwidth: Optional[float] = None,
        tags: Optional[Mapping[str, Any]] = None,
        *,
        bandwidth_mbit: Optional[float] = None,
        name: Optional[str] = None,
    ):
        what = f"link {name!r}" if name is not None else "link"
        if (bandwidth is None) == (bandwidth_mbit is None):
            raise TypeError(f"{what}: give exactly one of bandwidth (bytes/s) and bandwidth_mbit (Mbit/s)")
        if bandwidth_mbit is not None:
            try:
                bandwidth = mbit(bandwidth_mbit)
            except (TypeError, ValueError) as e:
                raise type(e)(f"{what}: {e}") from None
        if isinstance(bandwidth, bool) or not isinstance(bandwidth, numbers.Real):
            raise TypeError(f"{what} bandwidth must be a number of bytes/s, got {bandwidth!r}")
        if not (math.isfinite(bandwidth) and bandwidth > 0):
            raise ValueError(f"{what} bandwidth must be a finite number of bytes/s > 0, got {bandwidth!r}")
        if tags is not None and not isinstance(tags, Mapping):
            raise TypeError(f"{what}: tags must be a mapping, got {tags!r}")
        self.tags: Dict[str, Any] = dict(tags or {})
        if name is None:
            name = self.tags.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError(f"link name must be a non-empty string, got {name!r}")
        self._bandwidth = float(bandwidth)
        self._name: Optional[str] = name
        self._index: Optional[int] = None
        self._topology: Any = None

    @property
    def bandwidth(self) -> float:
        """The bandwidth in bytes/s."""
        return self._bandwidth

    @property
    def bandwidth_mbit(self) -> float:
        """The bandwidth in Mbit/s (ether's unit)."""
        return self._bandwidth / 125_000.0

    @property
    def name(self) -> Optional[str]:
        """The link's name, unique in its topology (None for an unnamed link
        not yet added)."""
        return self._name

    @property
    def index(self) -> Optional[int]:
        """The link's position among its topology's links (None until added)."""
        return self._index

    def __str__(self) -> str:
        return self._name if self._name is not None else "link"

    def __repr__(self) -> str:
        return f"Link({self._name!r}, bandwidth={self._bandwidth!r})"


class Hop:
    """Hop(name, kind=None)

    A transparent vertex: a switch, a router, the internet backbone, a
    container registry. It runs nothing and does not limit bandwidth; it only
    joins connections. ``kind`` says what it stands for (``"switch"``,
    ``"internet"``, ``"registry"``, ...). ether wrote hops as plain strings;
    faassim accepts a string wherever a hop is expected.

    >>> Hop("switch_lan_0", "switch")
    Hop('switch_lan_0', kind='switch')
    """

    __slots__ = ("name", "kind")

    def __init__(self, name: str, kind: Optional[str] = None):
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"hop name must be a non-empty string, got {name!r}")
        if kind is not None and not isinstance(kind, str):
            raise TypeError(f"hop {name!r}: kind must be a string or None, got {kind!r}")
        self.name = name
        self.kind = kind

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Hop({self.name!r}, kind={self.kind!r})"


# ---------------------------------------------------------------------------
# Edges
# ---------------------------------------------------------------------------


class Connection:
    """Connection(source, target, latency=0.0, latency_dist=None, *, latency_ms=None)

    An edge of the topology (ether's ``Connection``): a cable or a wireless
    hop between two vertices (nodes, links, hops or their names), with a
    one-way latency in seconds: a number, or a distribution of
    :mod:`faassim.distributions` (``latency_dist``, or passed as ``latency``)
    that :meth:`Route.sample_rtt` draws from a :class:`faassim.Random`. ether's
    milliseconds go in as ``latency_ms=`` (a number or a distribution over ms).
    Routes are chosen and their ``rtt`` computed with the nominal latency: the
    number, or the distribution's mode (see :attr:`nominal_latency`).

    >>> c = Connection("switch_0", "internet", latency_ms=20)
    >>> c.latency, c.nominal_latency
    (0.02, 0.02)
    >>> Connection("a", "b", latency=-1)
    Traceback (most recent call last):
    ...
    ValueError: connection 'a' -> 'b': latency must be a finite number of seconds >= 0, got -1
    """

    __slots__ = ("source", "target", "latency", "latency_dist", "nominal_latency")

    def __init__(
        self,
        source: Any,
        target: Any,
        latency: Optional[Latency] = 0.0,
        latency_dist: Optional[Distribution] = None,
        *,
        latency_ms: Optional[Latency] = None,
    ):
        what = f"connection {str(source)!r} -> {str(target)!r}"
        if latency_dist is not None:
            if not isinstance(latency_dist, Distribution):
                raise TypeError(f"{what}: latency_dist must be a faassim.distributions distribution, got {latency_dist!r}")
            if latency_ms is not None or (latency is not None and latency != 0):
                raise TypeError(f"{what}: give one of latency, latency_dist and latency_ms")
            latency = latency_dist
        value = _check_latency(latency, latency_ms, what)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "target", target)
        if isinstance(value, Distribution):
            object.__setattr__(self, "latency_dist", value)
            object.__setattr__(self, "latency", _distribution_info(value)[1])
        else:
            object.__setattr__(self, "latency_dist", None)
            object.__setattr__(self, "latency", value)
        object.__setattr__(self, "nominal_latency", self.latency)

    # ``latency`` is the nominal one-way latency (seconds); for a distributed
    # connection, the distribution's mode (ether's ``get_mode_latency``).

    def get_latency(self, rng: Any) -> float:
        """get_latency(rng) -> float: one latency in seconds, drawn from
        ``latency_dist`` with ``rng`` (a :class:`faassim.Random`), or the
        constant latency."""
        if self.latency_dist is None:
            return self.latency
        return self.latency_dist.sample(rng)

    def get_mode_latency(self) -> float:
        """The nominal latency in seconds (ether's name)."""
        return self.nominal_latency

    def get_mean_latency(self) -> float:
        """The mean latency in seconds."""
        return self.latency if self.latency_dist is None else self.latency_dist.mean()

    def with_latency(self, latency: Optional[Latency] = 0.0, *, latency_ms: Optional[Latency] = None) -> "Connection":
        """The same connection with another latency."""
        return Connection(self.source, self.target, latency, latency_ms=latency_ms)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Connection is immutable (use Topology.set_latency)")

    def __reduce__(self) -> Tuple[Any, ...]:
        latency = self.latency_dist if self.latency_dist is not None else self.latency
        return (Connection, (self.source, self.target, latency))

    def __iter__(self) -> Iterator[Any]:
        # ether's Connection is a NamedTuple (source, target, latency, latency_dist)
        return iter((self.source, self.target, self.latency, self.latency_dist))

    def __repr__(self) -> str:
        lat = repr(self.latency_dist) if self.latency_dist is not None else repr(self.latency)
        return f"Connection({str(self.source)!r}, {str(self.target)!r}, latency={lat})"


# ---------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------


class NoRouteError(LookupError):
    """No path leads from the source to the destination (the message names
    both)."""


class Route:
    """The lowest-latency route between two vertices, as
    :meth:`faassim.Topology.route` returns it (immutable, cached).

    - ``source``, ``destination``: the end vertices;
    - ``path``: every vertex from source to destination, both included;
    - ``links``: the :class:`Link` vertices on the path, in order (ether
      named them ``hops``, which is an alias); ``link_ids``: their ``index``;
    - ``rtt``: the round-trip time in seconds, twice the sum of the nominal
      latencies of the path's connections (ether's definition, also where the
      way back differs); ``latency``: ``rtt / 2``;
    - ``bandwidth``: the least bandwidth of its links (bytes/s; inf when the
      route has no link).

    A route from a vertex to itself has the path ``(source,)``, no links and
    rtt 0.
    """

    __slots__ = ("source", "destination", "path", "links", "link_ids", "rtt", "_latencies")

    source: Any
    destination: Any
    path: Tuple[Any, ...]
    links: Tuple[Link, ...]
    link_ids: Tuple[int, ...]
    rtt: float

    def __init__(self, source: Any, destination: Any, path: Tuple[Any, ...], latencies: Tuple[Latency, ...], rtt: float):
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "destination", destination)
        object.__setattr__(self, "path", path)
        links = tuple(v for v in path if isinstance(v, Link))
        object.__setattr__(self, "links", links)
        object.__setattr__(self, "link_ids", tuple(link.index for link in links))
        object.__setattr__(self, "rtt", rtt)
        object.__setattr__(self, "_latencies", latencies)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Route is immutable")

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Route, (self.source, self.destination, self.path, self._latencies, self.rtt))

    @property
    def hops(self) -> Tuple[Link, ...]:
        """The links on the route (ether's and faas-sim's name for ``links``)."""
        return self.links

    @property
    def latency(self) -> float:
        """The nominal one-way latency in seconds (``rtt / 2``)."""
        return self.rtt / 2.0

    @property
    def bandwidth(self) -> float:
        """The least bandwidth of the route's links in bytes/s (inf without
        links)."""
        return min((link.bandwidth for link in self.links), default=math.inf)

    def sample_rtt(self, rng: Any) -> float:
        """sample_rtt(rng) -> float

        A round-trip time in seconds with the latency of each connection on
        the path drawn from ``rng`` (a :class:`faassim.Random`, e.g.
        ``env.rng``): one draw per connection that has a distribution, in path
        order, so the same seed gives the same values. Constant latencies are
        added as they are. (ether's ``route()`` without ``use_mode``.)"""
        total = 0.0
        for value in self._latencies:
            total += value.sample(rng) if isinstance(value, Distribution) else value
        return 2.0 * total

    def __len__(self) -> int:
        return len(self.path)

    def __repr__(self) -> str:
        links = ", ".join(str(link) for link in self.links)
        return f"Route({str(self.source)!r} -> {str(self.destination)!r}, links=[{links}], rtt={self.rtt!r})"
