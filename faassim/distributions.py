"""Probability distributions for execution times and other random durations,
sampled by the C random source (:class:`faassim.Random`, e.g. ``env.rng``).

Every distribution takes optional keyword-only bounds ``xmin`` and ``xmax``:
a bounded distribution redraws until a value falls in ``[xmin, xmax]``
(rejection sampling, as faas-sim's ``BoundRejectionSampler``), so it follows
the distribution conditioned on the bounds.

>>> import faassim
>>> from faassim.distributions import LogNormal
>>> fet = LogNormal(0.23, loc=0.5, scale=0.04, xmin=0.53, xmax=0.58)
>>> rng = faassim.Random(1)
>>> x = fet.sample(rng)
>>> 0.53 <= x <= 0.58
True
>>> round(fet.mean(), 6)  # the mean under the bounds, exactly
0.542671
>>> fet.spec
('lognormal', (0.23, 0.5, 0.04), 0.53, 0.58)

Distributions are immutable values: they compare equal, and hash alike, when
their :attr:`~Distribution.spec` is equal.

``spec`` is the stable description of a distribution, for code that compiles
it (such as a C sampler): a tuple ``(kind, params, xmin, xmax)`` with floats
only; ``xmin``/``xmax`` are ``-inf``/``+inf`` when unbounded. Kinds and
params:

============  =========================  ==========================================
kind          params                     draws
============  =========================  ==========================================
constant      (value,)                   value
uniform       (a, b)                     a + (b - a) * U, U in [0, 1)
exponential   (rate,)                    Exponential with mean 1/rate
normal        (mu, sigma)                mu + sigma * Z
lognormal     (s, loc, scale)            loc + scale * exp(s * Z) (scipy's lognorm)
empirical     (x1, x2, ..., xn)          one of the xi, each with probability 1/n
============  =========================  ==========================================

The first five kinds, their params in this order and the bounds are exactly
the arguments of ``Random.bounded(kind, *params, xmin=xmin, xmax=xmax)``,
which is how :meth:`~Distribution.sample` draws a bounded value (and an
unbounded one draws with the method of that name: ``rng.lognorm(s, loc,
scale)``, the same stream). An ``empirical`` distribution draws
``rng.choice`` of the samples within the bounds (which is what rejection
gives, in one draw). Bounds are inclusive.

Bounds must leave a range of probability at least :data:`MIN_ACCEPTANCE`
(``1e-4``): rejection sampling gives up after 10**6 attempts per value, so
with less a simulation could fail at random.
"""

from __future__ import annotations

import math
import numbers
from operator import methodcaller
from typing import Any, Callable, Iterable, Optional, Tuple

from faassim._core import Random

__all__ = [
    "Distribution",
    "Constant",
    "Uniform",
    "Exponential",
    "Normal",
    "LogNormal",
    "Empirical",
    "MIN_ACCEPTANCE",
    "ParameterizedDistribution",
    "PDist",
    "BoundRejectionSampler",
    "BufferedSampler",
    "ConstantSampler",
]

#: The least probability that bounds must leave to a distribution (see the
#: module documentation).
MIN_ACCEPTANCE = 1e-4

Spec = Tuple[str, Tuple[float, ...], float, float]

_INF = math.inf
_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_MIN_ACCEPTANCE = math.log(MIN_ACCEPTANCE)


# ---------------------------------------------------------------------------
# The standard normal distribution, accurate in the tails (log space)
# ---------------------------------------------------------------------------


def _log_phi(x: float) -> float:
    """log of the standard normal density."""
    return -0.5 * x * x - _LOG_SQRT_2PI


def _log_q(x: float) -> float:
    """log P(Z > x) for a standard normal Z, with full relative accuracy."""
    if x == _INF:
        return -_INF
    if x < 0.0:
        return math.log1p(-0.5 * math.erfc(-x / _SQRT2))
    if x < 30.0:
        return math.log(0.5 * math.erfc(x / _SQRT2))
    # Mills ratio Q(x)/phi(x) = 1/(x + 1/(x + 2/(x + 3/(x + ...)))), which
    # converges to double precision in a few terms for x >= 30
    t = x
    for k in range(40, 0, -1):
        t = x + k / t
    return _log_phi(x) - math.log(t)


def _log1mexp(d: float) -> float:
    """log(1 - exp(d)) for d <= 0."""
    return math.log(-math.expm1(d)) if d > -0.6931471805599453 else math.log1p(-math.exp(d))


def _log_mass(a: float, b: float) -> float:
    """log P(a <= Z <= b) for a standard normal Z (-inf when a >= b)."""
    if not a < b:
        return -_INF
    if b <= 0.0:
        a, b = -b, -a
    if a >= 0.0:  # both in the upper tail: Q(a) - Q(b) without cancellation
        la = _log_q(a)
        return la + _log1mexp(_log_q(b) - la)
    return math.log(0.5 * (math.erf(b / _SQRT2) - math.erf(a / _SQRT2)))  # a < 0 < b: a sum of positives


def _truncated_std_normal_mean(a: float, b: float) -> float:
    """E[Z | a <= Z <= b] for a standard normal Z (a < b, positive mass)."""
    if b <= 0.0:
        return -_truncated_std_normal_mean(-b, -a)
    log_mass = _log_mass(a, b)
    if a >= 0.0:  # (phi(a) - phi(b)) / mass, phi(b) < phi(a)
        return math.exp(_log_phi(a) - log_mass) * -math.expm1(0.5 * (a - b) * (a + b))
    return (math.exp(_log_phi(a)) - math.exp(_log_phi(b))) / math.exp(log_mass)


def _exp_or_inf(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


# ---------------------------------------------------------------------------
# Parameter checks
# ---------------------------------------------------------------------------


def _real(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {value!r} ({type(value).__name__})")
    return float(value)


def _finite(value: Any, what: str) -> float:
    x = _real(value, what)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return x


def _bound(value: Any, what: str, default: float) -> float:
    if value is None:
        return default
    x = _real(value, what)
    if math.isnan(x):
        raise ValueError(f"{what} must be a number or None, got {value!r}")
    return x


def _format_bounds(xmin: float, xmax: float) -> str:
    parts = []
    if xmin != -_INF:
        parts.append(f"xmin={xmin!r}")
    if xmax != _INF:
        parts.append(f"xmax={xmax!r}")
    return "".join(", " + p for p in parts)


# ---------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------


class Distribution:
    """Base class of the distributions: immutable, with optional bounds
    ``[xmin, xmax]`` applied by rejection.

    Subclasses set ``_kind`` and ``_params`` and implement ``_log_acceptance``
    (log of the probability of the bounds) and ``_bounded_mean``.
    """

    __slots__ = ("_params", "_xmin", "_xmax", "_draw", "_hash")
    _kind = ""
    _min_log_acceptance = _LOG_MIN_ACCEPTANCE
    _params: Tuple[float, ...]
    _xmin: float
    _xmax: float
    _draw: Callable[[Random], float]

    def _set_bounds(self, xmin: Any, xmax: Any) -> None:
        """Check and set the bounds, then freeze the distribution."""
        name = type(self).__name__
        lo = _bound(xmin, f"{name} xmin", -_INF)
        hi = _bound(xmax, f"{name} xmax", _INF)
        if lo > hi or lo == hi == _INF or lo == hi == -_INF:
            raise ValueError(f"{name}: bounds [xmin, xmax] must not be empty, got xmin={xmin!r}, xmax={xmax!r}")
        self._xmin, self._xmax = lo, hi
        if self.bounded:
            log_p = self._log_acceptance()
            if not log_p > -_INF:
                raise ValueError(f"{self!r}: the bounds [{lo!r}, {hi!r}] have probability 0 under the distribution")
            if not log_p >= self._min_log_acceptance:
                raise ValueError(
                    f"{self!r}: the bounds [{lo!r}, {hi!r}] have probability {math.exp(log_p):.3g} under the "
                    f"distribution (at least MIN_ACCEPTANCE = {MIN_ACCEPTANCE:g} is needed: values are drawn "
                    f"by rejection)"
                )
            self._draw = self._bounded_draw()
        self._hash = None  # set last: the object is immutable from here on

    def _bounded_draw(self) -> Callable[[Random], float]:
        return methodcaller("bounded", self._kind, *self._params, xmin=self._xmin, xmax=self._xmax)

    # -- the public interface --

    @property
    def xmin(self) -> float:
        """The lower bound (-inf when there is none)."""
        return self._xmin

    @property
    def xmax(self) -> float:
        """The upper bound (+inf when there is none)."""
        return self._xmax

    @property
    def bounded(self) -> bool:
        """True if the distribution has a finite bound."""
        return self._xmin != -_INF or self._xmax != _INF

    @property
    def spec(self) -> Spec:
        """The stable description ``(kind, params, xmin, xmax)`` (see the
        module documentation): floats only, +-inf for missing bounds."""
        return (self._kind, self._params, self._xmin, self._xmax)

    def sample(self, rng: Optional[Random] = None, size: Optional[int] = None) -> Any:
        """sample(rng=None, size=None) -> float, or an array of *size* floats

        A value drawn with the C random source *rng* (a
        :class:`faassim.Random`, such as ``env.rng``), within the bounds.

        Without *rng*, from NumPy's global generator (``np.random``), as
        faas-sim's samplers (srds, on scipy) drew: ``np.random.seed(s)``
        makes those draws reproducible; the platform always passes
        ``env.rng``. *size* (an int >= 0, srds's argument) draws that many
        values into a NumPy array."""
        if size is not None:
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 0:
                raise ValueError(f"sample(): size must be an int >= 0 or None, got {size!r}")
            import numpy as np

            return np.array([self.sample(rng) for _ in range(int(size))], dtype=float)
        if rng is None:
            return self._global_draw()
        if not isinstance(rng, Random):
            raise TypeError(f"rng must be a faassim.Random (for example env.rng) or None, got {rng!r}")
        return self._draw(rng)

    def _global_draw(self) -> float:
        """One value from NumPy's global generator, within the bounds (by
        rejection, at most 10**6 attempts)."""
        import numpy as np

        lo, hi = self._xmin, self._xmax
        for _ in range(1_000_000):
            x = self._np_draw(np.random)
            if lo <= x <= hi:
                return x
        raise RuntimeError(f"{self!r}: no value within the bounds in 10**6 draws")

    def _np_draw(self, np_random: Any) -> float:
        raise NotImplementedError(f"{type(self).__name__} cannot draw from NumPy's generator")

    def mean(self) -> float:
        """mean() -> float

        The exact mean of the distribution, within its bounds (the mean of
        what :meth:`sample` draws). NotImplementedError for a bounded
        distribution without a closed form."""
        if not self.bounded:
            return self._mean()
        return self._bounded_mean()

    # -- for subclasses --

    def _mean(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    def _bounded_mean(self) -> float:
        raise NotImplementedError(f"{type(self).__name__}: no closed form for the mean under bounds")

    def _log_acceptance(self) -> float:
        raise NotImplementedError

    def _args(self) -> str:
        return ", ".join(repr(p) for p in self._params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._args()}{_format_bounds(self._xmin, self._xmax)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Distribution):
            return NotImplemented
        return type(self) is type(other) and self.spec == other.spec

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash((type(self).__name__, self.spec)))
        return self._hash  # type: ignore[return-value]

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_hash"):  # set up: immutable from now on
            raise AttributeError(f"{type(self).__name__} is immutable")
        object.__setattr__(self, name, value)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self), self._params, self._xmin, self._xmax))


def _rebuild(cls: type, params: Tuple[float, ...], xmin: float, xmax: float) -> Distribution:
    if cls is Empirical:
        return Empirical(params, xmin=xmin, xmax=xmax)
    return cls(*params, xmin=xmin, xmax=xmax)


class _Point(Distribution):
    """A distribution that may reduce to one point (the degenerate cases)."""

    __slots__ = ()

    def _point(self) -> Optional[float]:
        return None

    def _point_log_acceptance(self) -> Optional[float]:
        c = self._point()
        if c is None:
            return None
        return 0.0 if self._xmin <= c <= self._xmax else -_INF


class Constant(_Point):
    """Constant(value, *, xmin=None, xmax=None): always *value* (finite);
    bounds must contain it.

    >>> import faassim
    >>> Constant(2.5).sample(faassim.Random(1)), Constant(2.5).mean()
    (2.5, 2.5)
    """

    __slots__ = ()
    _kind = "constant"

    def __init__(self, value: float, *, xmin: Optional[float] = None, xmax: Optional[float] = None):
        self._params = (_finite(value, "Constant value"),)
        self._draw = _constant_draw(self._params[0])
        self._set_bounds(xmin, xmax)

    def _np_draw(self, np_random: Any) -> float:
        return self._params[0]

    @property
    def value(self) -> float:
        """The constant."""
        return self._params[0]

    def _point(self) -> Optional[float]:
        return self._params[0]

    def _log_acceptance(self) -> float:
        return self._point_log_acceptance()  # type: ignore[return-value]

    def _mean(self) -> float:
        return self._params[0]

    _bounded_mean = _mean


def _constant_draw(value: float) -> Callable[[Random], float]:
    def draw(rng: Random) -> float:
        return value

    return draw


class Uniform(_Point):
    """Uniform(a, b, *, xmin=None, xmax=None): uniform between the finite
    ``a <= b`` (``rng.uniform(a, b)``).

    >>> Uniform(1.0, 3.0).mean(), Uniform(1.0, 3.0, xmax=1.5).mean()
    (2.0, 1.25)
    """

    __slots__ = ()
    _kind = "uniform"

    def __init__(self, a: float, b: float, *, xmin: Optional[float] = None, xmax: Optional[float] = None):
        a = _finite(a, "Uniform a")
        b = _finite(b, "Uniform b")
        if not a <= b:
            raise ValueError(f"Uniform needs a <= b, got a={a!r}, b={b!r}")
        if not math.isfinite(b - a):
            raise ValueError(f"Uniform: b - a must be finite, got a={a!r}, b={b!r}")
        self._params = (a, b)
        self._draw = methodcaller("uniform", a, b)
        self._set_bounds(xmin, xmax)

    def _np_draw(self, np_random: Any) -> float:
        a, b = self._params
        return a + (b - a) * float(np_random.random_sample())  # scipy's uniform(loc=a, scale=b - a)

    @property
    def a(self) -> float:
        """The lower end."""
        return self._params[0]

    @property
    def b(self) -> float:
        """The upper end."""
        return self._params[1]

    def _point(self) -> Optional[float]:
        a, b = self._params
        return a if a == b else None

    def _range(self) -> Tuple[float, float]:
        a, b = self._params
        return max(a, self._xmin), min(b, self._xmax)

    def _log_acceptance(self) -> float:
        point = self._point_log_acceptance()
        if point is not None:
            return point
        a, b = self._params
        lo, hi = self._range()
        return math.log((hi - lo) / (b - a)) if hi > lo else -_INF

    def _mean(self) -> float:
        a, b = self._params
        return a + (b - a) / 2.0

    def _bounded_mean(self) -> float:
        if self._point() is not None:
            return self._params[0]
        lo, hi = self._range()
        return lo + (hi - lo) / 2.0


class Exponential(Distribution):
    """Exponential(rate, *, xmin=None, xmax=None): exponential with the
    finite ``rate > 0`` (mean ``1/rate``, ``rng.expovariate(rate)``).

    >>> Exponential(4.0).mean()
    0.25
    """

    __slots__ = ()
    _kind = "exponential"

    def __init__(self, rate: float, *, xmin: Optional[float] = None, xmax: Optional[float] = None):
        rate = _finite(rate, "Exponential rate")
        if not rate > 0.0:
            raise ValueError(f"Exponential rate must be > 0, got {rate!r}")
        self._params = (rate,)
        self._draw = methodcaller("expovariate", rate)
        self._set_bounds(xmin, xmax)

    def _np_draw(self, np_random: Any) -> float:
        return float(np_random.standard_exponential()) / self._params[0]  # scipy's expon(scale=1/rate)

    @property
    def rate(self) -> float:
        """The rate (1/mean)."""
        return self._params[0]

    def _log_acceptance(self) -> float:
        rate = self._params[0]
        lo, hi = max(self._xmin, 0.0), self._xmax
        if not hi > lo:
            return -_INF
        return -rate * lo + _log1mexp(-rate * (hi - lo))

    def _mean(self) -> float:
        return 1.0 / self._params[0]

    def _bounded_mean(self) -> float:
        rate = self._params[0]
        lo, hi = max(self._xmin, 0.0), self._xmax
        if hi == _INF:
            return lo + 1.0 / rate
        # lo + (1 - y / (e^y - 1)) / rate with y = rate * (hi - lo)
        y = rate * (hi - lo)
        if y < 0.1:
            y2 = y * y
            excess = y * (0.5 - y * (1.0 / 12.0 - y2 * (1.0 / 720.0 - y2 * (1.0 / 30240.0 - y2 / 1209600.0))))
        else:
            excess = 1.0 - y / math.expm1(y) if y < 710.0 else 1.0
        return lo + excess / rate


class Normal(_Point):
    """Normal(mu, sigma, *, xmin=None, xmax=None): normal with the finite
    mean *mu* and standard deviation ``sigma >= 0``
    (``rng.normalvariate(mu, sigma)``).

    >>> round(Normal(0.0, 1.0, xmin=0.0).mean(), 12)  # half-normal: sqrt(2/pi)
    0.797884560803
    """

    __slots__ = ()
    _kind = "normal"

    def __init__(self, mu: float, sigma: float, *, xmin: Optional[float] = None, xmax: Optional[float] = None):
        mu = _finite(mu, "Normal mu")
        sigma = _finite(sigma, "Normal sigma")
        if not sigma >= 0.0:
            raise ValueError(f"Normal sigma must be >= 0, got {sigma!r}")
        self._params = (mu, sigma)
        self._draw = methodcaller("normalvariate", mu, sigma)
        self._set_bounds(xmin, xmax)

    def _np_draw(self, np_random: Any) -> float:
        mu, sigma = self._params
        return mu + sigma * float(np_random.standard_normal())  # scipy's norm(mu, sigma)

    @property
    def mu(self) -> float:
        """The mean (unbounded)."""
        return self._params[0]

    @property
    def sigma(self) -> float:
        """The standard deviation (unbounded)."""
        return self._params[1]

    def _point(self) -> Optional[float]:
        mu, sigma = self._params
        return mu if sigma == 0.0 else None

    def _standard_bounds(self) -> Tuple[float, float]:
        mu, sigma = self._params
        return (self._xmin - mu) / sigma, (self._xmax - mu) / sigma

    def _log_acceptance(self) -> float:
        point = self._point_log_acceptance()
        if point is not None:
            return point
        return _log_mass(*self._standard_bounds())

    def _mean(self) -> float:
        return self._params[0]

    def _bounded_mean(self) -> float:
        mu, sigma = self._params
        if sigma == 0.0:
            return mu
        return mu + sigma * _truncated_std_normal_mean(*self._standard_bounds())


class LogNormal(_Point):
    """LogNormal(s, loc=0.0, scale=1.0, *, xmin=None, xmax=None): the
    log-normal distribution with scipy.stats.lognorm's parameters, so that
    fitted scipy parameters carry over unchanged: ``loc + scale * exp(s * Z)``
    for a standard normal Z (``rng.lognorm(s, loc, scale)``); finite
    ``s >= 0``, finite *loc*, finite ``scale > 0``. Median ``loc + scale``,
    mean ``loc + scale * exp(s**2 / 2)``.

    >>> LogNormal(0.0, loc=1.0, scale=2.0).mean()
    3.0
    """

    __slots__ = ()
    _kind = "lognormal"

    def __init__(
        self,
        s: float,
        loc: float = 0.0,
        scale: float = 1.0,
        *,
        xmin: Optional[float] = None,
        xmax: Optional[float] = None,
    ):
        s = _finite(s, "LogNormal s")
        loc = _finite(loc, "LogNormal loc")
        scale = _finite(scale, "LogNormal scale")
        if not s >= 0.0:
            raise ValueError(f"LogNormal s must be >= 0, got {s!r}")
        if not scale > 0.0:
            raise ValueError(f"LogNormal scale must be > 0, got {scale!r}")
        self._params = (s, loc, scale)
        self._draw = methodcaller("lognorm", s, loc, scale)
        self._set_bounds(xmin, xmax)

    def _np_draw(self, np_random: Any) -> float:
        sigma, loc, scale = self._params
        return loc + scale * math.exp(sigma * float(np_random.standard_normal()))  # scipy's lognorm

    @property
    def s(self) -> float:
        """The shape (standard deviation of the underlying normal)."""
        return self._params[0]

    @property
    def loc(self) -> float:
        """The location (the lower end of the support)."""
        return self._params[1]

    @property
    def scale(self) -> float:
        """The scale (exp of the mean of the underlying normal)."""
        return self._params[2]

    def _args(self) -> str:
        s, loc, scale = self._params
        return f"{s!r}, loc={loc!r}, scale={scale!r}"

    def _point(self) -> Optional[float]:
        s, loc, scale = self._params
        return loc + scale if s == 0.0 else None

    def _standard_bounds(self) -> Tuple[float, float]:
        s, loc, scale = self._params

        def z(x: float) -> float:
            if not x > loc:
                return -_INF
            if x == _INF:
                return _INF
            return math.log((x - loc) / scale) / s

        return z(self._xmin), z(self._xmax)

    def _log_acceptance(self) -> float:
        point = self._point_log_acceptance()
        if point is not None:
            return point
        return _log_mass(*self._standard_bounds())

    def _mean(self) -> float:
        s, loc, scale = self._params
        return loc + scale * _exp_or_inf(0.5 * s * s)

    def _bounded_mean(self) -> float:
        s, loc, scale = self._params
        if s == 0.0:
            return loc + scale
        # E[exp(sZ) | a <= Z <= b] = exp(s^2/2) * P(a - s <= Z <= b - s) / P(a <= Z <= b)
        a, b = self._standard_bounds()
        return loc + scale * _exp_or_inf(0.5 * s * s + _log_mass(a - s, b - s) - _log_mass(a, b))


class Empirical(Distribution):
    """Empirical(samples, *, xmin=None, xmax=None): one of the given finite
    *samples*, each with the same probability (``rng.choice(samples)``); with
    bounds, one of the samples within them.

    >>> Empirical([1.0, 2.0, 2.0, 7.0]).mean(), Empirical([1.0, 2.0, 2.0, 7.0], xmax=5).mean()
    (3.0, 1.6666666666666667)
    """

    __slots__ = ("_support",)
    _kind = "empirical"
    _min_log_acceptance = -_INF  # no rejection: a choice among the samples within the bounds
    _support: Tuple[float, ...]

    def __init__(self, samples: Iterable[float], *, xmin: Optional[float] = None, xmax: Optional[float] = None):
        if isinstance(samples, (str, bytes)) or not isinstance(samples, Iterable):
            raise TypeError(f"Empirical samples must be an iterable of numbers, got {samples!r}")
        values = tuple(_finite(x, f"Empirical sample {i}") for i, x in enumerate(samples))
        if not values:
            raise ValueError("Empirical needs at least one sample, got none")
        self._params = values
        lo = _bound(xmin, "Empirical xmin", -_INF)
        hi = _bound(xmax, "Empirical xmax", _INF)
        self._support = tuple(x for x in values if lo <= x <= hi)
        self._draw = methodcaller("choice", values)
        self._set_bounds(xmin, xmax)

    def _np_draw(self, np_random: Any) -> float:
        return self._params[int(np_random.randint(len(self._params)))]

    def _bounded_draw(self) -> Callable[[Random], float]:
        return methodcaller("choice", self._support)

    @property
    def samples(self) -> Tuple[float, ...]:
        """All the samples given (also those outside the bounds)."""
        return self._params

    def _log_acceptance(self) -> float:
        n = len(self._support)
        return math.log(n / len(self._params)) if n else -_INF

    def _mean(self) -> float:
        return math.fsum(self._support) / len(self._support)

    _bounded_mean = _mean

    def _args(self) -> str:
        if len(self._params) <= 8:
            return "[" + ", ".join(repr(x) for x in self._params) + "]"
        head = ", ".join(repr(x) for x in self._params[:3])
        return f"[{head}, ... ({len(self._params)} samples)]"


# ---------------------------------------------------------------------------
# faas-sim's samplers (srds): the same constructors, faassim's distributions
# ---------------------------------------------------------------------------


def _srds_params(params: Any, who: str) -> Tuple[Tuple[float, ...], float, float]:
    """srds's parameter tuple ``(args, loc, scale)`` (loc and scale may be
    left out; a bare number is ``args[0]``) as (args, loc, scale) with
    scipy's defaults loc 0 and scale 1."""
    if isinstance(params, (tuple, list)):
        if not params or len(params) > 3:
            raise ValueError(f"{who}: params must be (args, loc, scale), got {params!r}")
        args = params[0]
        loc = params[1] if len(params) > 1 and params[1] is not None else 0.0
        scale = params[2] if len(params) > 2 and params[2] is not None else 1.0
    else:
        args, loc, scale = (params,), 0.0, 1.0
    if not isinstance(args, (tuple, list)):
        args = (args,)
    return tuple(args), _finite(loc, f"{who} loc"), _finite(scale, f"{who} scale")


class ParameterizedDistribution:
    """faas-sim's ``srds.ParameterizedDistribution`` constructors (``PDist``),
    giving faassim distributions: ``PDist.lognorm(((s,), loc, scale))`` is
    ``LogNormal(s, loc=loc, scale=scale)``, ``normal((( ), loc,
    scale))`` :class:`Normal`, ``uniform(((), loc, scale))``
    ``Uniform(loc, loc + scale)``, ``expon(((), 0, scale))``
    ``Exponential(1 / scale)``; ``create(dist, params)`` takes
    scipy's name (or a scipy distribution, by its ``name``). Distributions
    faassim does not have (pareto, weibull, beta, ...) raise ``ValueError``.
    So faas-sim's characterization tables port by changing the import:
    ``from faassim.distributions import ParameterizedDistribution as PDist``.

    >>> d = ParameterizedDistribution.lognorm(((1.556,), 1.909, 0.0383))
    >>> d
    LogNormal(1.556, loc=1.909, scale=0.0383)
    >>> BoundRejectionSampler(BufferedSampler(d), 1.91, 2.2).spec
    ('lognormal', (1.556, 1.909, 0.0383), 1.91, 2.2)
    """

    _kinds = {"lognorm": "lognorm", "norm": "normal", "normal": "normal", "uniform": "uniform", "expon": "expon"}

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "ParameterizedDistribution is a set of constructors: use ParameterizedDistribution.lognorm(params), "
            ".normal, .uniform, .expon or .create(dist, params)"
        )

    @classmethod
    def create(cls, dist: Any, params: Any) -> Distribution:
        """create(dist, params) -> Distribution (scipy's name of *dist*, or
        an object with that ``name``)."""
        name = dist if isinstance(dist, str) else getattr(dist, "name", None)
        kind = cls._kinds.get(name) if isinstance(name, str) else None
        who = f"ParameterizedDistribution.create({name!r})"
        if kind is None:
            raise ValueError(
                f"{who}: faassim has no {name!r} distribution (it has lognorm, norm, uniform and expon; "
                "write a faassim.distributions.Empirical of your samples for others)"
            )
        args, loc, scale = _srds_params(params, who)
        if kind == "lognorm":
            if len(args) != 1:
                raise ValueError(f"{who}: lognorm takes one shape argument (s,), got {args!r}")
            return LogNormal(args[0], loc=loc, scale=scale)
        if args:
            raise ValueError(f"{who}: {name} takes no shape arguments, got {args!r}")
        if kind == "normal":
            return Normal(loc, scale)
        if kind == "uniform":
            return Uniform(loc, loc + scale)
        if loc != 0.0:
            raise ValueError(f"{who}: faassim's Exponential starts at 0; got loc {loc!r}")
        return Exponential(1.0 / scale)

    @classmethod
    def lognorm(cls, params: Any) -> Distribution:
        return cls.create("lognorm", params)

    @classmethod
    def normal(cls, params: Any) -> Distribution:
        return cls.create("norm", params)

    @classmethod
    def uniform(cls, params: Any) -> Distribution:
        return cls.create("uniform", params)

    @classmethod
    def expon(cls, params: Any) -> Distribution:
        return cls.create("expon", params)


PDist = ParameterizedDistribution


def BoundRejectionSampler(sampler: Distribution, minval: Optional[float] = None,
                          maxval: Optional[float] = None) -> Distribution:
    """srds's ``BoundRejectionSampler(sampler, minval, maxval)``: *sampler*
    (a faassim distribution) within ``[minval, maxval]`` (and within its own
    bounds), drawn by rejection."""
    if not isinstance(sampler, Distribution):
        raise TypeError(f"BoundRejectionSampler: sampler must be a faassim.distributions Distribution, got {sampler!r}")
    lo = sampler.xmin if minval is None else max(sampler.xmin, _finite(minval, "BoundRejectionSampler minval"))
    hi = sampler.xmax if maxval is None else min(sampler.xmax, _finite(maxval, "BoundRejectionSampler maxval"))
    return _rebuild(type(sampler), sampler._params, lo, hi)


def BufferedSampler(sampler: Distribution, chunk_size: int = 1000) -> Distribution:
    """srds's ``BufferedSampler``: *sampler* itself (faassim's draws are C
    calls, there is nothing to buffer)."""
    if not isinstance(sampler, Distribution):
        raise TypeError(f"BufferedSampler: sampler must be a faassim.distributions Distribution, got {sampler!r}")
    return sampler


def ConstantSampler(c: float) -> Distribution:
    """srds's ``ConstantSampler(c)``: ``Constant(c)``."""
    return Constant(c)
