"""Autoscalers: faas-sim's request-rate, average-rps and queue-length
scalers, a Kubernetes-style Horizontal Pod Autoscaler on utilization (with
Kubernetes' scaling ``behavior``), scale to zero with pluggable keep-alive
and prewarm policies (a fixed keep-alive, no unloading, the hybrid histogram
of "Serverless in the Wild"), and :func:`cold_start_stats`, what keep-alive
costs (cold starts, wasted memory-time).

Autoscalers decide at reconcile intervals (seconds), not per request, so they
are Python processes over the platform's public API: the counters of
``env.faas.function_stats`` sampled at each reconcile (exact request counts
per window), ``env.faas.discover`` and ``get_replicas``, the watchdogs'
queues, the exact time integrals of ``env.resource_state.get_integral`` and
each replica's ``last_active`` time. They act with ``scale_up`` and
``scale_down`` (which log the ``scale`` rows) and log every decision as an
``autoscaler`` row: ``function_name``, ``scaler``, ``current`` (replicas the
function has or is starting), ``desired`` and ``metric`` (the value the
decision was based on; see each scaler).

Each scaler has ``run()`` (a generator for ``env.process``, faas-sim's way),
``start()`` (the same, returns the process), ``stop()`` (the loop ends at its
next wake, without acting) and ``reconcile()`` (one decision now, e.g. from
your own loop). The k-th reconcile is at ``start + k * interval`` exactly.

>>> import faassim as fs
>>> env = fs.Environment(seed=1)
>>> env.topology = fs.Topology([fs.Node(f"node_{i}", "4", "8Gi") for i in range(4)])
>>> fn = fs.Function("f", [fs.FunctionImage("f-img")])
>>> fd = fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])],
...                            fs.ScalingConfiguration(scale_min=1, scale_max=4, target_average_rps=10,
...                                                    alert_window=5))
>>> _ = env.faas.deploy(fd)
>>> scaler = fs.AverageFaasRequestScaler(fd, env)
>>> _ = scaler.start()
>>> _ = env.faas.add_source("f", fs.Constant(rate=25))      # 25 req/s: 3 replicas of 10 req/s
>>> env.run(until=12)
>>> rows = env.metrics.to_numpy("autoscaler")      # metric: req/s per running replica
>>> rows["time"].tolist(), rows["current"].tolist(), rows["desired"].tolist(), rows["metric"].tolist()
([5.0, 10.0], [1, 3], [3, 3], [24.8, 8.333333333333334])

(124 requests in the first window: the one at t = 5.0 comes after the
reconcile at 5.0, whose timer was set earlier; 125 in the second.)

Differences from faas-sim, on purpose (its defects):

- Steps never round to zero: faas-sim's ``FaasRequestScaler`` scaled by
  ``int(scale_factor / 100 * scale_max)`` replicas, 0 with the default
  configuration (so it never scaled); faassim's step is at least 1 (and
  computed exactly, ``scale_factor * scale_max // 100``).
- ``scale_down`` removes exactly the replicas asked for, never below
  ``scale_min`` (faas-sim's could remove fewer or none); ``scale_max``
  bounds every scale up. A scaler never scales up only to reach
  ``scale_min``, so a function that :class:`KeepAlive` took to zero stays
  there until requests come.
- ``AverageFaasRequestScaler`` compares requests per second per replica with
  ``target_average_rps``; faas-sim compared the requests per replica in the
  whole ``alert_window`` (``alert_window`` times too many) with it.
- Replicas still starting count toward the desired number when scaling up
  (faas-sim added ``desired - running`` on top of them at every reconcile
  while they started, overshooting); scaling down removes RUNNING replicas
  only, at most ``running - desired``.
- Scalers do not wait for teardowns (faas-sim's ``yield from scale_down``
  moved its later reconcile times by the teardown time) and read simulated
  time only (no wall clock, no global random state).
- Requests are counted when they reach the platform (``function_stats``
  ``invoked + waiting``), so requests waiting for a cold start count as load;
  faas-sim counted them when they started on a replica.
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
import statistics
from typing import Any, Callable, Dict, Generator, Iterable, List, Optional, Tuple

import numpy as np

__all__ = [
    "Autoscaler",
    "FaasRequestScaler",
    "AverageFaasRequestScaler",
    "AverageQueueFaasRequestScaler",
    "HorizontalPodAutoscaler",
    "HorizontalPodAutoscalerBehavior",
    "HPAScalingPolicy",
    "HPAScalingRules",
    "KeepAlive",
    "KeepAlivePolicy",
    "FixedKeepAlive",
    "NoUnloading",
    "HybridHistogramPolicy",
    "faas_idler",
    "cold_start_stats",
]

# The autoscaler rows' measurement name.
MEASUREMENT = "autoscaler"


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _seconds(owner: str, name: str, value: Any, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number of seconds, not {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be finite and {bound} (seconds), got {value!r}")
    if v > 0 and not _advances(0.0, v):
        raise ValueError(f"{owner}: {name} {value!r} is too small: it does not advance simulated time (seconds)")
    return v


def _advances(now: float, gap: float) -> bool:
    """Does a step of *gap* seconds move time forward from *now*, at the
    resolution of ``max(|now|, 1)`` (as the engine's fs_time_advances)?"""
    base = max(abs(now), 1.0)
    return gap > 0 and math.isfinite(now + gap) and base + gap > base


def _due(now: float, t: float) -> bool:
    """Is time *t* reached at *now*? Also when the gap is too small to
    advance time (a timeout of ``t - now`` can land one rounding short)."""
    return t <= now or (t != math.inf and not _advances(now, t - now))


def _fraction(owner: str, name: str, value: Any, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, not {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        raise ValueError(f"{owner}: {name} must be finite and {'> 0' if positive else '>= 0'}, got {value!r}")
    return v


def _check_env(owner: str, env: Any) -> Any:
    from faassim._core import Environment

    if not isinstance(env, Environment):
        raise TypeError(f"{owner}: env must be a faassim.Environment, not {type(env).__name__} {env!r}")
    return env


def _check_deployment(owner: str, fn: Any) -> Any:
    if not isinstance(getattr(fn, "name", None), str) or not hasattr(fn, "scaling_config"):
        raise TypeError(
            f"{owner}: fn must be a FunctionDeployment (with a name and a scaling_config), "
            f"not {type(fn).__name__} {fn!r}"
        )
    return fn


def _check_functions(owner: str, functions: Any) -> Optional[Tuple[str, ...]]:
    if functions is None:
        return None
    if isinstance(functions, str) or not isinstance(functions, Iterable):
        raise TypeError(f"{owner}: functions must be a list of function names or None, not {functions!r}")
    names = tuple(functions)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{owner}: functions must hold function names (str), got {type(name).__name__} {name!r}")
    return names


# ---------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------


class Autoscaler:
    """Autoscaler(env, reconcile_interval)

    The reconcile loop the autoscalers share: :meth:`reconcile` every
    *reconcile_interval* seconds, the k-th at ``t0 + k * reconcile_interval``
    (``t0``: when :meth:`run` starts). Subclass it and override
    :meth:`reconcile` for a scaler of your own; :meth:`scale_to` and
    :meth:`log_decision` do what the built-in scalers do.
    """

    #: the ``scaler`` tag of this scaler's ``autoscaler`` rows
    kind = "autoscaler"

    def __init__(self, env: Any, reconcile_interval: float):
        owner = type(self).__name__
        self.env = _check_env(owner, env)
        self.reconcile_interval = _seconds(owner, "reconcile_interval", reconcile_interval)
        self._token: Optional[object] = None
        self.process: Any = None

    @property
    def running(self) -> bool:
        """True while a :meth:`run` loop is active and not stopped."""
        return self._token is not None

    def start(self) -> Any:
        """start() -> Process

        Start :meth:`run` as a process of ``env`` (also kept as
        ``self.process``). RuntimeError if it is already running."""
        self.process = self.env.process(self.run())
        return self.process

    def stop(self) -> None:
        """Stop the loop: it ends at its next wake, without acting (faas-sim's
        ``stop``). :meth:`run` may start it again."""
        self._token = None

    def run(self) -> Generator[Any, Any, None]:
        """run() -> generator

        The reconcile loop, for ``env.process`` (faas-sim's way); ends after
        :meth:`stop` or when there is nothing left to scale (e.g. its
        function was removed). RuntimeError (at once) if a loop is already
        running."""
        if self._token is not None:
            raise RuntimeError(f"{type(self).__name__}.run(): the scaler is already running (stop() it first)")
        token = self._token = object()
        return self._loop(token)

    def _loop(self, token: object) -> Generator[Any, Any, None]:
        """The loop of :meth:`run` (ends when ``self._token`` is no longer
        *token*)."""
        env = self.env
        try:
            self._begin()
            t0 = env.now
            k = 0
            while True:
                delay = self._next_delay(t0, k)
                # nothing planned (inf): park until the run ends
                yield env.timeout(delay) if delay != math.inf else env.event()
                k += 1
                if self._token is not token:
                    return
                if not self._alive():
                    return
                self.reconcile()
        finally:
            if self._token is token:
                self._token = None

    def reconcile(self) -> None:
        """One decision now (override it)."""
        raise NotImplementedError(f"{type(self).__name__}.reconcile() is not implemented")

    # -- helpers for subclasses --------------------------------------------------

    def _begin(self) -> None:
        """Called when :meth:`run` starts (baselines)."""

    def _alive(self) -> bool:
        """False ends the loop (before the reconcile)."""
        return True

    def _next_delay(self, t0: float, k: int) -> float:
        """Seconds to the next wake: the (k+1)-th at ``t0 + (k+1) *
        interval`` (no accumulated sums)."""
        now = self.env.now
        if not _advances(now, self.reconcile_interval):
            raise ValueError(
                f"{self!r}: reconcile_interval {self.reconcile_interval!r} does not advance simulated time"
                f" at {now!r}"
            )
        return max(t0 + (k + 1) * self.reconcile_interval - now, 0.0)

    def replica_counts(self, name: str) -> Tuple[int, int]:
        """replica_counts(name) -> (current, running)

        *current*: replicas the function has or is starting (placed and not
        being removed, plus those waiting for placement); *running*: those
        that take requests (``len(env.faas.discover(name))``)."""
        faas = self.env.faas
        stats = faas.function_stats(name)
        return stats["replicas"] + stats["unplaced"], len(faas.discover(name))

    def scale_to(self, name: str, desired: int, current: int, running: int) -> None:
        """scale_to(name, desired, current, running)

        Scale *name* toward *desired* replicas: up by ``desired - current``
        (replicas still starting count), or down by ``running - desired``
        RUNNING replicas (replicas still starting are never removed). The
        platform keeps ``scale_max`` and ``scale_min``. *desired* must be a
        whole number >= 0 (TypeError or ValueError, nothing scaled)."""
        if isinstance(desired, bool) or not isinstance(desired, numbers.Integral):
            raise TypeError(
                f"{type(self).__name__}: the desired replicas of {name!r} must be a whole number, "
                f"not {type(desired).__name__} {desired!r}"
            )
        if desired < 0:
            raise ValueError(f"{type(self).__name__}: the desired replicas of {name!r} must be >= 0, got {desired!r}")
        faas = self.env.faas
        if desired > current:
            faas.scale_up(name, desired - current)
        elif desired < running:
            faas.scale_down(name, running - desired)

    def log_decision(self, name: str, current: int, desired: int, metric: Optional[float]) -> None:
        """log_decision(name, current, desired, metric)

        Log an ``autoscaler`` row (fields ``current``, ``desired``,
        ``metric``; tags ``function_name`` and ``scaler``)."""
        metrics = self.env.metrics
        if metrics is not None:
            metrics.log(
                MEASUREMENT,
                {"current": int(current), "desired": int(desired), "metric": None if metric is None else float(metric)},
                function_name=name,
                scaler=self.kind,
            )

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{type(self).__name__} every {self.reconcile_interval:g} s, {state}>"


class _FunctionScaler(Autoscaler):
    """A scaler of one function deployment (faas-sim's per-deployment
    scalers): the loop ends when the deployment is no longer deployed."""

    def __init__(self, fn: Any, env: Any, reconcile_interval: float):
        self.fn = _check_deployment(type(self).__name__, fn)
        self.fn_name: str = fn.name
        super().__init__(env, reconcile_interval)
        self._last_arrivals = 0

    def _deployed(self) -> bool:
        return any(d is self.fn for d in self.env.faas.get_deployments())

    def _alive(self) -> bool:
        return self._deployed()

    def _arrivals(self) -> int:
        stats = self.env.faas.function_stats(self.fn_name)
        return stats["invoked"] + stats["waiting"]

    def _begin(self) -> None:
        self._last_arrivals = self._arrivals() if self._deployed() else 0

    def _window_arrivals(self) -> int:
        """Requests that reached the platform since the last call."""
        now = self._arrivals()
        n = now - self._last_arrivals
        self._last_arrivals = now
        return n

    def _bounds(self) -> Tuple[int, int]:
        config = self.fn.scaling_config
        return config.scale_min, config.scale_max

    def _clamp(self, desired: int, current: int) -> int:
        """*desired* within ``scale_max`` and, when scaling down, not below
        ``scale_min``; a scaler never scales up only to reach ``scale_min``
        (a function :class:`KeepAlive` took to zero stays there until load
        comes)."""
        smin, smax = self._bounds()
        return min(max(desired, min(smin, current)), smax)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{type(self).__name__} of {self.fn_name!r} every {self.reconcile_interval:g} s, {state}>"


# ---------------------------------------------------------------------------
# faas-sim's scalers
# ---------------------------------------------------------------------------


class FaasRequestScaler(_FunctionScaler):
    """FaasRequestScaler(fn, env)

    faas-sim's request-rate scaler of deployment *fn*: every
    ``rps_threshold_duration`` seconds (``reconcile_interval``) it takes the
    function's request rate over that window (requests that reached the
    platform, per second: the ``metric``) and, if it is at least
    ``rps_threshold``, scales up by a step, else down by a step. The step is
    ``scale_factor`` percent of ``scale_max`` (faas-sim's), at least 1:
    ``max(1, scale_factor * scale_max // 100)``, within ``[scale_min,
    scale_max]`` (at a bound it calls neither ``scale_up`` nor
    ``scale_down``, so no empty ``scale`` rows). As in faas-sim the threshold
    applies to the function's total rate, not per replica (for a per-replica
    target use :class:`AverageFaasRequestScaler`); so it climbs to
    ``scale_max`` while the rate is above the threshold and back to
    ``scale_min`` below it.
    """

    kind = "requests"

    def __init__(self, fn: Any, env: Any):
        _check_deployment("FaasRequestScaler", fn)
        super().__init__(fn, env, fn.scaling_config.rps_threshold_duration)

    @property
    def threshold(self) -> float:
        """``rps_threshold`` of the deployment (req/s)."""
        return self.fn.scaling_config.rps_threshold

    def step(self) -> int:
        """Replicas added or removed per decision: ``max(1, scale_factor *
        scale_max // 100)``."""
        config = self.fn.scaling_config
        return max(1, config.scale_factor * config.scale_max // 100)

    def reconcile(self) -> None:
        """One decision: compare the rate since the last reconcile with the
        threshold and scale by a step."""
        name = self.fn_name
        rate = self._window_arrivals() / self.reconcile_interval
        current, _ = self.replica_counts(name)
        step = self.step()
        desired = self._clamp(current + step if rate >= self.threshold else current - step, current)
        self.log_decision(name, current, desired, rate)
        faas = self.env.faas
        if desired > current:
            faas.scale_up(name, desired - current)
        elif desired < current:
            faas.scale_down(name, current - desired)


class _AverageScaler(_FunctionScaler):
    """faas-sim's decision of the average-based scalers (and of its HPA):
    ``desired = ceil(running * average / target)``, damped while replicas
    start, skipped inside the tolerance band around the target."""

    def _decide(self, average: float, target: float, recompute) -> None:
        name = self.fn_name
        current, running = self.replica_counts(name)
        pending = current - running
        desired = math.ceil(running * (average / target))
        tolerance = self.fn.scaling_config.target_average_rps_threshold
        if pending > 0 and desired > running:
            # not-yet-ready replicas count with no load (faas-sim's damping)
            average = recompute(pending)
            updated = math.ceil(running * (average / target))
            if updated < running:  # the decision would reverse: no scaling
                self.log_decision(name, current, current, average)
                return
        ratio = average / target
        if (1 - tolerance <= ratio < 1) or (1 < ratio < 1 + tolerance):  # close enough to the target
            self.log_decision(name, current, current, average)
            return
        desired = self._clamp(desired, current)
        self.log_decision(name, current, desired, average)
        self.scale_to(name, desired, current, running)


class AverageFaasRequestScaler(_AverageScaler):
    """AverageFaasRequestScaler(fn, env)

    faas-sim's average-rps scaler of deployment *fn*: every ``alert_window``
    seconds, with ``running`` replicas taking requests (none: no decision),
    ``average`` = requests per second per running replica over the window
    (the ``metric``) and ``desired = ceil(running * average /
    target_average_rps)``. While replicas are starting, a scale up is
    re-checked with them counted at zero load (no scaling if that reverses
    it); a ratio ``average / target_average_rps`` within
    ``target_average_rps_threshold`` of 1 (``1 - t <= ratio < 1`` or ``1 <
    ratio < 1 + t``) changes nothing. The desired number is kept within
    ``scale_max`` and, scaling down, not below ``scale_min``.
    """

    kind = "average_requests"

    def __init__(self, fn: Any, env: Any):
        _check_deployment("AverageFaasRequestScaler", fn)
        super().__init__(fn, env, fn.scaling_config.alert_window)

    @property
    def threshold(self) -> float:
        """``target_average_rps`` of the deployment (req/s per replica)."""
        return self.fn.scaling_config.target_average_rps

    @property
    def alert_window(self) -> float:
        """The window (s): the reconcile interval."""
        return self.reconcile_interval

    def reconcile(self) -> None:
        """One decision on the request rate since the last reconcile."""
        rps = self._window_arrivals() / self.reconcile_interval
        running = len(self.env.faas.discover(self.fn_name))
        if running == 0:
            return
        self._decide(rps / running, self.threshold, lambda pending: rps / (running + pending))


class AverageQueueFaasRequestScaler(_AverageScaler):
    """AverageQueueFaasRequestScaler(fn, env)

    faas-sim's queue-length scaler of deployment *fn*: every
    ``alert_window`` seconds it reads the number of requests waiting for a
    worker at each running replica (``len(replica.simulator.queue.queue)``:
    an :class:`~faassim.HTTPWatchdog`'s queue), takes their median rounded
    up (faas-sim's "average": the ``metric``) and decides as
    :class:`AverageFaasRequestScaler` does with ``target_queue_length`` as
    the target (replicas still starting count as empty queues in the
    re-check; tolerance ``target_average_rps_threshold``). Empty queues give
    ``desired = 0``, so it falls back to ``scale_min`` whenever no request
    waits, as faas-sim's did.
    """

    kind = "queue"

    def __init__(self, fn: Any, env: Any):
        _check_deployment("AverageQueueFaasRequestScaler", fn)
        super().__init__(fn, env, fn.scaling_config.alert_window)

    @property
    def threshold(self) -> float:
        """``target_queue_length`` of the deployment (requests)."""
        return self.fn.scaling_config.target_queue_length

    @property
    def alert_window(self) -> float:
        """The reconcile interval (s)."""
        return self.reconcile_interval

    @staticmethod
    def queue_length(replica: Any) -> int:
        """queue_length(replica) -> int

        Requests waiting for a worker at *replica*; TypeError if its
        simulator has no worker queue."""
        from faassim._core import Watchdog

        sim = replica.simulator
        if isinstance(sim, Watchdog):
            return sim.queued
        queue = getattr(getattr(sim, "queue", None), "queue", None)
        if queue is None:
            raise TypeError(
                f"AverageQueueFaasRequestScaler: the simulator of replica {replica.replica_id} of "
                f"{replica.fn_name!r} ({type(sim).__name__}) has no worker queue (simulator.queue.queue); "
                "use an HTTPWatchdog"
            )
        return len(queue)

    def reconcile(self) -> None:
        """One decision on the queues now."""
        replicas = self.env.faas.discover(self.fn_name)
        if not replicas:
            return
        in_queue = [self.queue_length(r) for r in replicas]
        average = int(math.ceil(statistics.median(in_queue)))
        self._decide(
            average,
            self.threshold,
            lambda pending: int(math.ceil(statistics.median(in_queue + [0] * pending))),
        )


# ---------------------------------------------------------------------------
# HPA scaling behavior (Kubernetes' ``spec.behavior``)
# ---------------------------------------------------------------------------

_POLICY_TYPES = ("Pods", "Percent")
_SELECT_POLICIES = ("Max", "Min", "Disabled")


def _whole(owner: str, name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be a whole number, not {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{owner}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


class HPAScalingPolicy:
    """HPAScalingPolicy(type, value, period_seconds)

    One rate limit of :class:`HPAScalingRules` (Kubernetes'
    ``HPAScalingPolicy``): at most *value* pods (``type='Pods'``) or *value*
    percent of the replicas at the start of the period (``'Percent'``) added
    (or removed) within any *period_seconds*. *value* is a whole number > 0,
    *period_seconds* a number of seconds > 0.

    >>> HPAScalingPolicy("Pods", 4, 15)
    HPAScalingPolicy('Pods', 4, 15.0)
    """

    __slots__ = ("type", "value", "period_seconds")

    def __init__(self, type: str, value: int, period_seconds: float):
        owner = "HPAScalingPolicy"
        if type not in _POLICY_TYPES:
            raise ValueError(f"{owner}: type must be 'Pods' or 'Percent', got {type!r}")
        self.type = type
        self.value = _whole(owner, "value", value, minimum=1)
        self.period_seconds = _seconds(owner, "period_seconds", period_seconds)

    @classmethod
    def from_dict(cls, d: Any) -> "HPAScalingPolicy":
        """from_dict({'type': ..., 'value': ..., 'periodSeconds': ...})

        Kubernetes' field names (``period_seconds`` is accepted too)."""
        if not isinstance(d, dict):
            raise TypeError(f"HPAScalingPolicy.from_dict: expected a dict, not {type(d).__name__} {d!r}")
        known = {"type", "value", "periodSeconds", "period_seconds"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"HPAScalingPolicy.from_dict: unknown keys {unknown} (known: {sorted(known)})")
        period = d.get("periodSeconds", d.get("period_seconds"))
        if "type" not in d or "value" not in d or period is None:
            raise ValueError(f"HPAScalingPolicy.from_dict: needs type, value and periodSeconds, got {d!r}")
        return cls(d["type"], d["value"], period)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, HPAScalingPolicy):
            return NotImplemented
        return (self.type, self.value, self.period_seconds) == (other.type, other.value, other.period_seconds)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HPAScalingPolicy({self.type!r}, {self.value!r}, {self.period_seconds!r})"


class HPAScalingRules:
    """HPAScalingRules(policies=None, select_policy=None, stabilization_window_seconds=None)

    How the HPA scales in one direction (Kubernetes' ``HPAScalingRules``):

    - *stabilization_window_seconds*: the recommendations of that many
      seconds back (and the current one) are kept; scaling up goes only to
      the lowest of them, scaling down only to the highest.
    - *policies*: :class:`HPAScalingPolicy` rate limits (or their dicts);
      *select_policy* ``'Max'`` applies the one allowing the largest change,
      ``'Min'`` the one allowing the smallest, ``'Disabled'`` never scales in
      this direction. An empty list: no rate limit (faassim's extension;
      Kubernetes requires at least one).

    A field left None takes Kubernetes' default for the direction the rules
    are used for (see :class:`HorizontalPodAutoscalerBehavior`). A change
    counts against a policy's period while its reconcile time is after
    ``now - period_seconds``.
    """

    __slots__ = ("policies", "select_policy", "stabilization_window_seconds")

    def __init__(self, policies: Optional[Iterable[Any]] = None, select_policy: Optional[str] = None,
                 stabilization_window_seconds: Optional[float] = None):
        owner = "HPAScalingRules"
        checked: Optional[List[HPAScalingPolicy]] = None
        if policies is not None:
            if isinstance(policies, (str, dict)) or not isinstance(policies, Iterable):
                raise TypeError(f"{owner}: policies must be a list of HPAScalingPolicy, not {policies!r}")
            checked = []
            for p in policies:
                if isinstance(p, dict):
                    p = HPAScalingPolicy.from_dict(p)
                if not isinstance(p, HPAScalingPolicy):
                    raise TypeError(
                        f"{owner}: policies must hold HPAScalingPolicy (or dicts), got {type(p).__name__} {p!r}"
                    )
                checked.append(p)
        if select_policy is not None and select_policy not in _SELECT_POLICIES:
            raise ValueError(f"{owner}: select_policy must be 'Max', 'Min' or 'Disabled', got {select_policy!r}")
        self.policies: Optional[Tuple[HPAScalingPolicy, ...]] = None if checked is None else tuple(checked)
        self.select_policy = select_policy
        self.stabilization_window_seconds = (
            None
            if stabilization_window_seconds is None
            else _seconds(owner, "stabilization_window_seconds", stabilization_window_seconds, allow_zero=True)
        )

    def _with_defaults(self, default: "HPAScalingRules") -> "HPAScalingRules":
        """These rules with their None fields taken from *default*."""
        return HPAScalingRules(
            default.policies if self.policies is None else self.policies,
            default.select_policy if self.select_policy is None else self.select_policy,
            default.stabilization_window_seconds
            if self.stabilization_window_seconds is None
            else self.stabilization_window_seconds,
        )

    @classmethod
    def from_dict(cls, d: Any) -> "HPAScalingRules":
        """from_dict({'stabilizationWindowSeconds': ..., 'selectPolicy': ..., 'policies': [...]})

        Kubernetes' field names (snake_case accepted too); a missing field
        takes the constructor's default."""
        if not isinstance(d, dict):
            raise TypeError(f"HPAScalingRules.from_dict: expected a dict, not {type(d).__name__} {d!r}")
        names = {"policies": "policies", "selectPolicy": "select_policy", "select_policy": "select_policy",
                 "stabilizationWindowSeconds": "stabilization_window_seconds",
                 "stabilization_window_seconds": "stabilization_window_seconds"}
        unknown = sorted(set(d) - set(names))
        if unknown:
            raise ValueError(f"HPAScalingRules.from_dict: unknown keys {unknown} (known: {sorted(names)})")
        return cls(**{names[k]: v for k, v in d.items()})

    def limit(self, up: bool, current: int, added: Callable[[float], int], removed: Callable[[float], int]) -> float:
        """limit(up, current, added, removed) -> replicas

        The most (*up*) or fewest replicas the policies allow now, given
        *current* replicas and ``added(period)`` / ``removed(period)``: the
        replicas added / removed within the last *period* seconds. Pods:
        ``start ± value``; Percent: ``ceil(start * (100 + value) / 100)`` up,
        ``floor(start * (100 - value) / 100)`` down (exact integers), with
        ``start = current - added + removed``. Never beyond *current* in the
        other direction; ``inf`` / ``-inf`` without policies."""
        if self.select_policy == "Disabled":
            return current
        if not self.policies:  # none given: no limit (None only before the defaults are applied)
            return math.inf if up else -math.inf
        proposals = []
        for p in self.policies:
            start = current - added(p.period_seconds) + removed(p.period_seconds)
            if p.type == "Pods":
                proposals.append(start + p.value if up else start - p.value)
            elif up:
                proposals.append(-((-start * (100 + p.value)) // 100))
            else:
                proposals.append(start * (100 - p.value) // 100)
        # Max: the largest change (up: the highest count, down: the lowest)
        largest = (self.select_policy == "Max") == up
        result = max(proposals) if largest else min(proposals)
        return max(result, current) if up else min(result, current)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, HPAScalingRules):
            return NotImplemented
        return (self.policies, self.select_policy, self.stabilization_window_seconds) == (
            other.policies, other.select_policy, other.stabilization_window_seconds)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        policies = None if self.policies is None else list(self.policies)
        return (f"HPAScalingRules({policies!r}, select_policy={self.select_policy!r}, "
                f"stabilization_window_seconds={self.stabilization_window_seconds!r})")


class HorizontalPodAutoscalerBehavior:
    """HorizontalPodAutoscalerBehavior(scale_up=None, scale_down=None)

    Kubernetes' ``spec.behavior`` of an HPA: :class:`HPAScalingRules` for
    scaling up and down (or their dicts with Kubernetes' field names). A
    direction left None takes Kubernetes' default:

    - scale up: no stabilization; the higher of +4 pods and +100% per 15 s
      (``select_policy='Max'``);
    - scale down: a 300 s stabilization window; -100% per 15 s.

    :meth:`unbounded` gives no rate limits (faassim's HPA before
    ``behavior`` existed; faas-sim's HPA had no limits either).

    >>> b = HorizontalPodAutoscalerBehavior.from_dict(
    ...     {"scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}})
    >>> b.scale_down.stabilization_window_seconds, b.scale_down.policies, b.scale_up.policies[1]
    (300.0, (HPAScalingPolicy('Pods', 1, 60.0),), HPAScalingPolicy('Pods', 4, 15.0))
    """

    __slots__ = ("scale_up", "scale_down")

    def __init__(self, scale_up: Any = None, scale_down: Any = None):
        self.scale_up = self._rules("scale_up", scale_up, self.default_scale_up)
        self.scale_down = self._rules("scale_down", scale_down, self.default_scale_down)

    @staticmethod
    def _rules(name: str, rules: Any, default: Callable[[], HPAScalingRules]) -> HPAScalingRules:
        """*rules* (rules, a dict or None) checked, with *default*'s fields
        where it leaves them None."""
        if rules is None:
            return default()
        if isinstance(rules, dict):
            rules = HPAScalingRules.from_dict(rules)
        if not isinstance(rules, HPAScalingRules):
            raise TypeError(
                f"HorizontalPodAutoscalerBehavior: {name} must be HPAScalingRules, a dict or None, "
                f"not {type(rules).__name__} {rules!r}"
            )
        return rules._with_defaults(default())

    @staticmethod
    def default_scale_up() -> HPAScalingRules:
        """Kubernetes' default scale-up rules."""
        return HPAScalingRules([HPAScalingPolicy("Percent", 100, 15), HPAScalingPolicy("Pods", 4, 15)], "Max", 0)

    @staticmethod
    def default_scale_down() -> HPAScalingRules:
        """Kubernetes' default scale-down rules."""
        return HPAScalingRules([HPAScalingPolicy("Percent", 100, 15)], "Max", 300)

    @classmethod
    def unbounded(cls, downscale_stabilization: float = 300) -> "HorizontalPodAutoscalerBehavior":
        """unbounded(downscale_stabilization=300)

        No rate limits either way (a reconcile may go from 1 to ``scale_max``
        replicas), no scale-up stabilization and *downscale_stabilization*
        seconds of scale-down stabilization (0: none, as faas-sim's HPA)."""
        return cls(HPAScalingRules((), "Max", 0), HPAScalingRules((), "Max", downscale_stabilization))

    @classmethod
    def from_dict(cls, d: Any) -> "HorizontalPodAutoscalerBehavior":
        """from_dict({'scaleUp': {...}, 'scaleDown': {...}})

        Kubernetes' ``behavior`` as a dict (e.g. loaded from a manifest;
        ``scale_up`` / ``scale_down`` accepted too)."""
        if not isinstance(d, dict):
            raise TypeError(f"HorizontalPodAutoscalerBehavior.from_dict: expected a dict, not {type(d).__name__} {d!r}")
        names = {"scaleUp": "scale_up", "scale_up": "scale_up", "scaleDown": "scale_down", "scale_down": "scale_down"}
        unknown = sorted(set(d) - set(names))
        if unknown:
            raise ValueError(f"HorizontalPodAutoscalerBehavior.from_dict: unknown keys {unknown} (known: {sorted(names)})")
        return cls(**{names[k]: v for k, v in d.items()})

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, HorizontalPodAutoscalerBehavior):
            return NotImplemented
        return (self.scale_up, self.scale_down) == (other.scale_up, other.scale_down)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HorizontalPodAutoscalerBehavior(scale_up={self.scale_up!r}, scale_down={self.scale_down!r})"


# ---------------------------------------------------------------------------
# Horizontal Pod Autoscaler
# ---------------------------------------------------------------------------

_REQUEST_KEYS = {"cpu": ("cpu", "cpu_millis"), "memory": ("memory", "memory"), "ram": ("memory", "memory")}


class HorizontalPodAutoscaler(Autoscaler):
    """HorizontalPodAutoscaler(env, average_window=None, reconcile_interval=15, tolerance=0.1, *,
    target_utilization=None, resource='cpu', relative_to='node', downscale_stabilization=None,
    functions=None, target_tolerance=None, behavior=None)

    Kubernetes' Horizontal Pod Autoscaler on utilization (faas-sim's
    ``sim.hpa``, with Kubernetes' algorithm), for every deployed function (or
    those named in *functions*). Every *reconcile_interval* seconds, per
    function:

    1. The utilization of each RUNNING replica (taking requests) is the exact
       time-weighted average of its *resource* on ``env.resource_state`` over
       the last *average_window* seconds (default: the last interval): the
       difference of ``get_integral`` readings kept at the reconciles, over
       the span from the earliest reconcile within the window at which the
       replica was running. A replica first seen running now is not ready
       yet: it has no value.
    2. ``usage`` = the mean over the ready replicas (the ``metric``); none
       ready: no decision. *relative_to* ``'node'`` (default, faas-sim's)
       takes the amount as it is put, which faassim's characterizations and
       faas-sim give as a fraction of the node (1.0: all of its cpu);
       ``'request'`` (Kubernetes') divides it by the container's request as
       a fraction of the node (``cpu`` request in millicores over the node's
       ``cpu_millis``; ``memory``/``ram`` in bytes).
    3. ``ratio = usage / target``, the target being *target_utilization* or
       the deployment's ``target_average_utilization``. ``|ratio - 1| <=
       tolerance``: keep the current number. Else ``desired = ceil(ratio *
       ready)``; when replicas are still starting and it scales up, they
       count with usage 0 and the ratio is recomputed over all of them (no
       change if that reverses the direction or falls in the band).
    4. *behavior* (:class:`HorizontalPodAutoscalerBehavior`, Kubernetes'
       ``spec.behavior``; default: Kubernetes' defaults), as Kubernetes
       applies it: stabilization first (the recommendations of the last
       ``stabilization_window_seconds`` are kept; it scales up only to the
       lowest of the scale-up window, down only to the highest of the
       scale-down window, so a dip shorter than the window removes no
       replicas), then the rate limits of the policies over the replicas
       added and removed in their periods. By default it scales up by at
       most ``max(4, current)`` replicas per 15 s and down after 300 s of
       lower recommendations; *downscale_stabilization* sets only the
       scale-down window of the default behavior;
       ``HorizontalPodAutoscalerBehavior.unbounded()`` removes the rate
       limits (faas-sim's HPA had none: 1 to 20 replicas in one reconcile).
    5. The result is kept within ``[max(scale_min, 1), scale_max]`` (the HPA
       never scales to zero: :class:`KeepAlive` does that; nor up only to
       reach ``scale_min``) and applied with ``scale_up`` / ``scale_down``.

    *current* in the rows counts the replicas placed or starting.
    *average_window* and ``target_tolerance`` (the tolerance) are faas-sim's
    argument names; faas-sim averaged point samples of the metrics server
    relative to the node and had no stabilization.
    """

    kind = "hpa"

    def __init__(
        self,
        env: Any,
        average_window: Optional[float] = None,
        reconcile_interval: float = 15,
        tolerance: float = 0.1,
        *,
        target_utilization: Optional[float] = None,
        resource: str = "cpu",
        relative_to: str = "node",
        downscale_stabilization: Optional[float] = None,
        functions: Optional[Iterable[str]] = None,
        target_tolerance: Optional[float] = None,
        behavior: Any = None,
    ):
        owner = "HorizontalPodAutoscaler"
        super().__init__(env, reconcile_interval)
        if target_tolerance is not None:
            tolerance = target_tolerance
        self.tolerance = _fraction(owner, "tolerance", tolerance, positive=False)
        self.average_window = (
            self.reconcile_interval if average_window is None else _seconds(owner, "average_window", average_window)
        )
        self.target_utilization = (
            None
            if target_utilization is None
            else _fraction(owner, "target_utilization", target_utilization, positive=True)
        )
        if not isinstance(resource, str) or not resource:
            raise TypeError(f"{owner}: resource must be a resource name (str), not {type(resource).__name__} {resource!r}")
        if relative_to not in ("node", "request"):
            raise ValueError(f"{owner}: relative_to must be 'node' or 'request', got {relative_to!r}")
        if relative_to == "request" and resource not in _REQUEST_KEYS:
            raise ValueError(
                f"{owner}: relative_to='request' needs a requested resource ('cpu', 'memory' or 'ram'), got {resource!r}"
            )
        self.resource = resource
        self.relative_to = relative_to
        if behavior is None:
            behavior = HorizontalPodAutoscalerBehavior()
            if downscale_stabilization is not None:
                behavior.scale_down = HPAScalingRules(
                    behavior.scale_down.policies, behavior.scale_down.select_policy,
                    _seconds(owner, "downscale_stabilization", downscale_stabilization, allow_zero=True),
                )
        else:
            if isinstance(behavior, dict):
                behavior = HorizontalPodAutoscalerBehavior.from_dict(behavior)
            if not isinstance(behavior, HorizontalPodAutoscalerBehavior):
                raise TypeError(
                    f"{owner}: behavior must be a HorizontalPodAutoscalerBehavior, a dict or None, "
                    f"not {type(behavior).__name__} {behavior!r}"
                )
            if downscale_stabilization is not None:
                raise TypeError(
                    f"{owner}: give the scale-down stabilization either as downscale_stabilization or in "
                    "behavior.scale_down, not both"
                )
        self.behavior: HorizontalPodAutoscalerBehavior = behavior
        self.functions = _check_functions(owner, functions)
        # replica_id -> [(time, integral), ...] at the reconciles it was running at (within the window)
        self._samples: Dict[int, List[Tuple[float, float]]] = {}
        # function name -> [(time, recommendation), ...] within the stabilization windows
        self._recommendations: Dict[str, List[Tuple[float, int]]] = {}
        # function name -> [(time, replicas added (> 0) or removed (< 0)), ...] within the policies' periods
        self._events: Dict[str, List[Tuple[float, int]]] = {}

    @property
    def downscale_stabilization(self) -> float:
        """The scale-down stabilization window (s) of :attr:`behavior`."""
        return self.behavior.scale_down.stabilization_window_seconds  # type: ignore[return-value]

    def _begin(self) -> None:
        self._samples = {}
        self._recommendations = {}
        self._events = {}
        self._sample_all(self.env.now)

    def _deployments(self) -> List[Any]:
        """The deployments it scales (all, or those in ``functions``)."""
        deployments = self.env.faas.get_deployments()
        if self.functions is None:
            return deployments
        return [d for d in deployments if d.name in self.functions]

    def _sample_all(self, now: float) -> Dict[int, List[Tuple[float, float]]]:
        """Read the integral of every running replica now; drop replicas no
        longer running and samples older than the window."""
        state = self.env.resource_state
        faas = self.env.faas
        old = self._samples
        new: Dict[int, List[Tuple[float, float]]] = {}
        horizon = now - self.average_window
        for fd in self._deployments():
            for replica in faas.discover(fd.name):
                history = [s for s in old.get(replica.replica_id, ()) if s[0] >= horizon - 1e-9 * self.average_window]
                history.append((now, state.get_integral(replica, self.resource)))
                new[replica.replica_id] = history
        self._samples = new
        return new

    def _scale_of(self, replica: Any) -> float:
        """What an amount of 1.0 means as utilization (1.0 relative to the
        node; node capacity over the request relative to the request)."""
        if self.relative_to == "node":
            return 1.0
        key, capacity_key = _REQUEST_KEYS[self.resource]
        requested = replica.container.get_resource_requirements().get(key)
        capacity = getattr(replica.node.capacity, capacity_key)
        if not requested:
            raise ValueError(
                f"HorizontalPodAutoscaler: relative_to='request' needs a {key} request, but the container "
                f"{replica.image!r} of {replica.fn_name!r} requests {requested!r}"
            )
        return capacity / requested

    def utilization(self, replica: Any) -> Optional[float]:
        """utilization(replica) -> float or None

        The replica's utilization over the current window (after a
        reconcile's sample), or None when it is not ready."""
        history = self._samples.get(replica.replica_id)
        if not history or len(history) < 2:
            return None
        (t0, i0), (t1, i1) = history[0], history[-1]
        if t1 <= t0:
            return None
        return (i1 - i0) / (t1 - t0) * self._scale_of(replica)

    def reconcile(self) -> None:
        """One decision for every function (after sampling the integrals)."""
        now = self.env.now
        self._sample_all(now)
        live = set()
        for fd in self._deployments():
            live.add(fd.name)
            self._reconcile_function(fd, now)
        for table in (self._recommendations, self._events):
            for name in list(table):
                if name not in live:
                    del table[name]

    def _reconcile_function(self, fd: Any, now: float) -> None:
        """The decision for one function (after the sampling)."""
        name = fd.name
        faas = self.env.faas
        replicas = faas.discover(name)
        if not replicas:
            return
        values: List[float] = []
        for replica in replicas:
            u = self.utilization(replica)  # may be a subclass's
            if u is None:
                continue
            if isinstance(u, bool) or not isinstance(u, numbers.Real) or not math.isfinite(u) or u < 0:
                raise ValueError(
                    f"{type(self).__name__}.utilization(replica {replica.replica_id} of {name!r}) must be None or "
                    f"a finite number >= 0, got {type(u).__name__} {u!r}"
                )
            values.append(float(u))
        if not values:
            return
        current, running = self.replica_counts(name)
        ready = len(values)
        unready = current - ready
        total = math.fsum(values)
        usage = total / ready
        config = fd.scaling_config
        target = self.target_utilization if self.target_utilization is not None else config.target_average_utilization
        ratio = usage / target
        tol = self.tolerance
        if abs(1.0 - ratio) <= tol:
            recommendation = current
        elif unready > 0 and ratio > 1:
            # Kubernetes: pods not yet ready count with usage 0 on a scale up
            new_ratio = total / (ready + unready) / target
            if abs(1.0 - new_ratio) <= tol or new_ratio < 1:
                recommendation = current
            else:
                recommendation = max(math.ceil(new_ratio * (ready + unready)), current)
        else:
            recommendation = math.ceil(ratio * ready)
            if ratio < 1 and recommendation > current:
                recommendation = current
        desired = self._normalize(name, now, recommendation, current)
        desired = min(max(desired, min(max(config.scale_min, 1), current)), config.scale_max)
        self.log_decision(name, current, desired, usage)
        self.scale_to(name, desired, current, running)
        change = desired - current if desired > current else -(running - desired) if desired < running else 0
        if change:
            self._events.setdefault(name, []).append((now, change))

    def _normalize(self, name: str, now: float, recommendation: int, current: int) -> int:
        """Kubernetes' behavior on a recommendation: stabilization (up: the
        lowest recommendation of the scale-up window, down: the highest of
        the scale-down window, both including this one), then the rate
        limits of the policies (:meth:`HPAScalingRules.limit`)."""
        up, down = self.behavior.scale_up, self.behavior.scale_down
        up_cut = now - up.stabilization_window_seconds  # type: ignore[operator]
        down_cut = now - down.stabilization_window_seconds  # type: ignore[operator]
        window = self._recommendations.setdefault(name, [])
        low = high = recommendation
        for t, r in window:
            if t > up_cut:
                low = min(low, r)
            if t > down_cut:
                high = max(high, r)
        keep = min(up_cut, down_cut)
        window[:] = [(t, r) for (t, r) in window if t > keep]
        window.append((now, recommendation))
        stabilized = current
        if stabilized < low:
            stabilized = low
        if stabilized > high:
            stabilized = high
        events = self._events.setdefault(name, [])
        longest = max((p.period_seconds for rules in (up, down) for p in rules.policies or ()), default=0.0)
        events[:] = [(t, c) for (t, c) in events if t > now - longest]

        def added(period: float) -> int:
            return sum(c for t, c in events if c > 0 and t > now - period)

        def removed(period: float) -> int:
            return sum(-c for t, c in events if c < 0 and t > now - period)

        if stabilized > current:
            return int(min(stabilized, up.limit(True, current, added, removed)))
        if stabilized < current:
            return int(max(stabilized, down.limit(False, current, added, removed)))
        return stabilized


# ---------------------------------------------------------------------------
# Keep-alive and prewarm policies
# ---------------------------------------------------------------------------


class KeepAlivePolicy:
    """KeepAlivePolicy()

    Base class of the keep-alive (and prewarm) policies of
    :class:`KeepAlive`. An *idle period* of a function starts when it has no
    request in flight or waiting (at the end of its last request) and ends
    with its next request; its length is an *idle time*. At the start of
    each idle period :class:`KeepAlive` asks :meth:`windows` for two windows
    (seconds), measured from the start of the idle period:

    - *prewarm* 0: the replicas stay loaded; each is unloaded *keep_alive*
      seconds after its own last activity (``replica.last_active``);
    - *prewarm* > 0: the replicas are unloaded at once (down to the floor),
      one is deployed again (its cold start paid ahead) *prewarm* seconds
      after the idle period began, and unloaded *prewarm + keep_alive*
      seconds after it began if no request came.

    *keep_alive* may be ``math.inf`` (never unload). A policy whose windows
    depend on the past sets ``observes = True`` and gets every idle time
    through :meth:`observe` (kept per function in ``idle_times`` by the base
    class); :class:`KeepAlive` then checks its functions every
    ``resolution`` seconds. Override :meth:`windows` (and :meth:`observe` if
    you keep your own statistics). Windows that are not two numbers, are
    negative, or an infinite *prewarm*, raise into the run (nothing is
    scaled at that reconcile).

    >>> class Halves(KeepAlivePolicy):
    ...     observes = True
    ...     def windows(self, fn_name):       # keep alive for half the last idle time (at least 60 s)
    ...         times = self.idle_times.get(fn_name, [])
    ...         return 0.0, max(60.0, times[-1] / 2 if times else 600.0)
    >>> p = Halves()
    >>> p.observe("f", 1000.0)
    >>> p.windows("f")
    (0.0, 500.0)
    """

    #: whether :meth:`observe` is to be called with the idle times
    observes = False

    def observe(self, fn_name: str, idle_time: float) -> None:
        """observe(fn_name, idle_time)

        An idle period of *fn_name* ended after *idle_time* seconds (the base
        class appends it to ``self.idle_times[fn_name]``)."""
        self.__dict__.setdefault("idle_times", {}).setdefault(fn_name, []).append(idle_time)

    @property
    def idle_times(self) -> Dict[str, List[float]]:
        """The idle times observed, per function (base class bookkeeping)."""
        return self.__dict__.setdefault("idle_times", {})

    def windows(self, fn_name: str) -> Tuple[float, float]:
        """windows(fn_name) -> (prewarm, keep_alive)

        The windows (seconds) for the idle period of *fn_name* starting
        now (override it)."""
        raise NotImplementedError(f"{type(self).__name__}.windows() is not implemented")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class FixedKeepAlive(KeepAlivePolicy):
    """FixedKeepAlive(keep_alive=600)

    The providers' policy: no prewarm, each replica unloaded *keep_alive*
    seconds (> 0) after its last activity (AWS Lambda kept instances about
    10 minutes, Azure Functions 20 when "Serverless in the Wild" measured
    them). ``KeepAlive(env, keep_alive)`` uses it.

    >>> FixedKeepAlive(1200).windows("f")
    (0.0, 1200.0)
    """

    observes = False

    def __init__(self, keep_alive: float = 600):
        self.keep_alive = _seconds("FixedKeepAlive", "keep_alive", keep_alive)

    def windows(self, fn_name: str) -> Tuple[float, float]:
        """(0, keep_alive) for every function."""
        return 0.0, self.keep_alive

    def __repr__(self) -> str:
        return f"FixedKeepAlive({self.keep_alive!r})"


class NoUnloading(KeepAlivePolicy):
    """NoUnloading()

    Never unload (the bound on cold starts, and on wasted memory the other
    way: "Serverless in the Wild"'s "no unloading").

    >>> NoUnloading().windows("f")
    (0.0, inf)
    """

    observes = False

    def windows(self, fn_name: str) -> Tuple[float, float]:
        """(0, inf) for every function."""
        return 0.0, math.inf

    def __repr__(self) -> str:
        return "NoUnloading()"


def _percent(owner: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a percentile (number), not {type(value).__name__} {value!r}")
    v = float(value)
    if not 0 <= v <= 100:  # also refuses nan
        raise ValueError(f"{owner}: {name} must be a percentile between 0 and 100, got {value!r}")
    return v


class HybridHistogramPolicy(KeepAlivePolicy):
    """HybridHistogramPolicy(range=14400, bin_width=60, head=5, tail=99, margin=0.1, *,
    min_samples=10, max_out_of_range=0.5, cv_threshold=2.0, fallback_keep_alive=None)

    The hybrid histogram policy of "Serverless in the Wild" (Shahrad et al.,
    USENIX ATC 2020), per function:

    - Each idle time goes into a histogram of *bin_width*-second bins (1
      minute) up to *range* seconds (4 hours); longer ones are counted as out
      of range.
    - With at least *min_samples* idle times, at most a *max_out_of_range*
      share of them out of range, and a histogram that is representative
      (coefficient of variation of the bin counts, population standard
      deviation over mean, at least *cv_threshold*; 0 disables the check):
      the *head* and *tail* percentiles (nearest rank over the in-range
      idle times: the first bin whose cumulative count reaches
      ``max(1, ceil(p / 100 * n))``) give ``prewarm = head bin's lower edge
      * (1 - margin)`` and ``keep_alive = tail bin's upper edge * (1 +
      margin) - prewarm``. A head in the first bin gives prewarm 0: the
      replicas are kept loaded after each request.
    - Otherwise: no prewarm and a fixed keep-alive of
      *fallback_keep_alive* seconds (default *range*, the paper's
      conservative choice). The paper predicts the next idle time with an
      ARIMA model when too many fall out of range; faassim uses this fixed
      fallback instead.

    Idle times are seen at :class:`KeepAlive`'s ``resolution`` (an arrival
    is noticed at the first check after it, so an idle time is at most
    ``resolution`` too long; idle periods shorter than it may be missed).

    >>> p = HybridHistogramPolicy(min_samples=3, cv_threshold=0)
    >>> p.windows("f")                      # no samples yet: the fallback
    (0.0, 14400.0)
    >>> for t in (610.0, 650.0, 1230.0):    # bins 10, 10 and 20 (minutes)
    ...     p.observe("f", t)
    >>> p.windows("f")                      # head bin 10: 600 * 0.9; tail bin 20: 1260 * 1.1 - 540
    (540.0, 846.0)
    """

    observes = True

    def __init__(
        self,
        range: float = 14400,
        bin_width: float = 60,
        head: float = 5,
        tail: float = 99,
        margin: float = 0.1,
        *,
        min_samples: int = 10,
        max_out_of_range: float = 0.5,
        cv_threshold: float = 2.0,
        fallback_keep_alive: Optional[float] = None,
    ):
        owner = "HybridHistogramPolicy"
        self.range = _seconds(owner, "range", range)
        self.bin_width = _seconds(owner, "bin_width", bin_width)
        if self.range == math.inf or self.bin_width > self.range:
            raise ValueError(f"{owner}: range must be finite and at least bin_width, got range={range!r}, "
                             f"bin_width={bin_width!r}")
        self.bins = int(math.ceil(self.range / self.bin_width))
        self.head = _percent(owner, "head", head)
        self.tail = _percent(owner, "tail", tail)
        if self.head > self.tail:
            raise ValueError(f"{owner}: head ({head!r}) must not be above tail ({tail!r})")
        self.margin = _fraction(owner, "margin", margin, positive=False)
        if self.margin >= 1:
            raise ValueError(f"{owner}: margin must be below 1 (a fraction), got {margin!r}")
        self.min_samples = _whole(owner, "min_samples", min_samples, minimum=1)
        self.max_out_of_range = _fraction(owner, "max_out_of_range", max_out_of_range, positive=False)
        if self.max_out_of_range > 1:
            raise ValueError(f"{owner}: max_out_of_range must be a share between 0 and 1, got {max_out_of_range!r}")
        self.cv_threshold = _fraction(owner, "cv_threshold", cv_threshold, positive=False)
        self.fallback_keep_alive = (
            self.range if fallback_keep_alive is None
            else _seconds(owner, "fallback_keep_alive", fallback_keep_alive)
        )
        # fn_name -> [counts per bin (list of ints), out of range count, sum of the squared counts]
        self._histograms: Dict[str, List[Any]] = {}

    def observe(self, fn_name: str, idle_time: float) -> None:
        """Count *idle_time* in *fn_name*'s histogram."""
        entry = self._histograms.get(fn_name)
        if entry is None:
            entry = self._histograms[fn_name] = [[0] * self.bins, 0, 0]
        if idle_time < self.range:
            counts = entry[0]
            i = min(int(idle_time // self.bin_width), self.bins - 1)
            entry[2] += 2 * counts[i] + 1  # the sum of the squared counts
            counts[i] += 1
        else:
            entry[1] += 1

    def histogram(self, fn_name: str) -> Tuple[List[int], int]:
        """histogram(fn_name) -> (counts per bin, out of range)"""
        entry = self._histograms.get(fn_name)
        if entry is None:
            return [0] * self.bins, 0
        return list(entry[0]), entry[1]

    def _nearest_rank_bin(self, cumulative: List[int], n: int, p: float) -> int:
        """The bin holding the *p*-th percentile (nearest rank) of *n* idle times."""
        rank = max(1, math.ceil(p / 100 * n))
        return bisect.bisect_left(cumulative, rank)  # the first bin reaching the rank (cumulative[-1] == n)

    def windows(self, fn_name: str) -> Tuple[float, float]:
        """(prewarm, keep_alive) from the histogram, or the fallback."""
        fallback = (0.0, self.fallback_keep_alive)
        entry = self._histograms.get(fn_name)
        if entry is None:
            return fallback
        counts, out, squares = entry
        cumulative = list(itertools.accumulate(counts))
        n = cumulative[-1]
        total = n + out
        if total < self.min_samples or n == 0 or out > self.max_out_of_range * total:
            return fallback
        if self.cv_threshold > 0:
            # population variance of the counts: mean of the squares - square of the mean (exact integers)
            bins = self.bins
            cv = math.sqrt(max(squares * bins - n * n, 0)) / n
            if cv < self.cv_threshold:
                return fallback
        head = self._nearest_rank_bin(cumulative, n, self.head)
        tail = self._nearest_rank_bin(cumulative, n, self.tail)
        prewarm = head * self.bin_width * (1 - self.margin)
        keep_alive = min((tail + 1) * self.bin_width, self.range) * (1 + self.margin) - prewarm
        return prewarm, keep_alive

    def __repr__(self) -> str:
        return (f"HybridHistogramPolicy(range={self.range:g}, bin_width={self.bin_width:g}, head={self.head:g}, "
                f"tail={self.tail:g}, margin={self.margin:g})")


# ---------------------------------------------------------------------------
# Scale to zero
# ---------------------------------------------------------------------------


class _IdlePeriod:
    """KeepAlive's state of a function under an observing policy."""

    __slots__ = ("arrivals", "idle_since", "observed", "prewarm", "keep_alive", "prewarm_at", "prewarmed", "until")

    def __init__(self, arrivals: int):
        self.arrivals = arrivals
        self.idle_since: Optional[float] = None  # start of the current idle period (None: busy)
        self.observed = False  # does the idle period follow a request (its end is an idle time)?
        self.prewarm = 0.0
        self.keep_alive = 0.0
        self.prewarm_at: Optional[float] = None  # pending prewarm time
        self.prewarmed = False
        self.until = -math.inf  # while idle and no request came: nothing is due before this time


class KeepAlive(Autoscaler):
    """KeepAlive(env, keep_alive=600, functions=None, *, policy=None, resolution=1.0)

    Scale to zero with a keep-alive, per replica: a RUNNING replica that has
    had no request in flight for *keep_alive* seconds (``now -
    replica.last_active``: since it became RUNNING or its last request
    started or ended) is removed at exactly that time, down to the
    function's floor: 0 if its ``scale_zero`` is true, else ``scale_min``
    (replicas placed or starting count toward the floor; the longest idle go
    first). The next request to a function without replicas waits at the
    platform, which scales it from zero (``max(scale_min, 1)`` replicas)
    and dispatches it once one runs: its wait is the cold start.

    *policy* makes the windows pluggable (:class:`KeepAlivePolicy`): one
    policy for every function, or a dict from function name to policy (the
    functions not in it get ``FixedKeepAlive(keep_alive)``, the default for
    all). A policy with a prewarm window unloads a function's replicas when
    it goes idle and deploys one again ahead of the predicted next request
    (:class:`HybridHistogramPolicy`). Functions under a policy that
    ``observes`` idle times are checked every *resolution* seconds (when an
    idle period starts the replicas are unloaded at that check, at most
    *resolution* late; the checks are at ``start + k * resolution``, and at
    the function's own deadlines); the others only at their deadlines.

    It watches every deployed function (or those named in *functions*),
    waking at the earliest deadline (and at least every *keep_alive*
    seconds); a replica kept by the floor is removed at the first wake after
    the floor allows it. Each removal logs a ``scale`` row (negative) and an
    ``autoscaler`` row (``scaler='keep_alive'``, ``metric``: the longest idle
    time among the removed); a prewarm logs a ``scale`` row and an
    ``autoscaler`` row whose ``metric`` is the idle time so far. It works
    beside the other scalers, which do not scale a function without running
    replicas up by themselves. ``reconcile_interval`` is *keep_alive*.
    """

    kind = "keep_alive"

    def __init__(
        self,
        env: Any,
        keep_alive: float = 600,
        functions: Optional[Iterable[str]] = None,
        *,
        policy: Any = None,
        resolution: float = 1.0,
    ):
        super().__init__(env, _seconds("KeepAlive", "keep_alive", keep_alive))
        self.keep_alive = self.reconcile_interval
        self.functions = _check_functions("KeepAlive", functions)
        self.resolution = _seconds("KeepAlive", "resolution", resolution)
        self.default_policy: KeepAlivePolicy = FixedKeepAlive(self.keep_alive)
        self.policies: Dict[str, KeepAlivePolicy] = {}
        if isinstance(policy, KeepAlivePolicy):
            self.default_policy = policy
        elif isinstance(policy, dict):
            for name, p in policy.items():
                if not isinstance(name, str) or not isinstance(p, KeepAlivePolicy):
                    raise TypeError(
                        f"KeepAlive: policy must map function names (str) to KeepAlivePolicy objects, "
                        f"got {name!r}: {type(p).__name__} {p!r}"
                    )
            self.policies = dict(policy)
        elif policy is not None:
            raise TypeError(
                f"KeepAlive: policy must be a KeepAlivePolicy, a dict of them or None, "
                f"not {type(policy).__name__} {policy!r}"
            )
        self._states: Dict[str, _IdlePeriod] = {}
        self._wake = math.inf
        self._t0 = env.now

    def policy_for(self, fn_name: str) -> KeepAlivePolicy:
        """policy_for(fn_name) -> KeepAlivePolicy"""
        return self.policies.get(fn_name, self.default_policy)

    def _deployments(self) -> List[Any]:
        """The deployments it scales (all, or those in ``functions``)."""
        deployments = self.env.faas.get_deployments()
        if self.functions is None:
            return deployments
        return [d for d in deployments if d.name in self.functions]

    def _begin(self) -> None:
        self._states = {}
        self._t0 = self.env.now
        self.reconcile()

    def _on_grid(self, now: float) -> bool:
        """Is *now* a check of the grid ``t0 + k * resolution``?"""
        g = self._t0 + round((now - self._t0) / self.resolution) * self.resolution
        return g == now or not _advances(min(g, now), abs(g - now))

    def _next_check(self, now: float) -> float:
        """The next check of the observed functions: on the grid ``t0 + k *
        resolution`` (t0: when :meth:`run` started), after *now*."""
        k = math.floor((now - self._t0) / self.resolution) + 1
        t = self._t0 + k * self.resolution
        return t if t > now else self._t0 + (k + 1) * self.resolution

    def _next_delay(self, t0: float, k: int) -> float:
        """Seconds to the wake the last reconcile planned (inf: none)."""
        now = self.env.now
        return self._wake - now if self._wake > now else 0.0

    def _windows(self, policy: KeepAlivePolicy, name: str) -> Tuple[float, float]:
        """The policy's windows for *name*, checked."""
        got = policy.windows(name)  # user code
        where = f"KeepAlive: {type(policy).__name__}.windows({name!r})"
        if not isinstance(got, tuple) or len(got) != 2:
            raise TypeError(f"{where} must return (prewarm, keep_alive) in seconds, got {got!r}")
        out: List[float] = []
        for label, value in zip(("prewarm", "keep_alive"), got):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"{where}: {label} must be a number of seconds, not {type(value).__name__} {value!r}")
            v = float(value)
            if math.isnan(v) or v < 0 or (label == "prewarm" and v == math.inf):
                raise ValueError(f"{where}: {label} must be >= 0 seconds{' and finite' if label == 'prewarm' else ''}"
                                 f", got {value!r}")
            out.append(v)
        return out[0], out[1]

    def _floor(self, fd: Any) -> int:
        """Replicas the function keeps: 0 with ``scale_zero``, else ``scale_min``."""
        config = fd.scaling_config
        return 0 if config.scale_zero else config.scale_min

    def _removal(self, fd: Any, idle: List[Any]) -> Optional[Tuple[str, Any, List[Any]]]:
        """The longest idle of *idle*, as many as the floor allows."""
        name = fd.name
        current, _ = self.replica_counts(name)
        n = min(len(idle), current - self._floor(fd))
        if n <= 0:
            return None
        idle.sort(key=lambda r: (r.last_active, -r.replica_id))  # longest idle first
        return ("remove", name, idle[:n])

    def reconcile(self) -> None:
        """Apply each function's windows now: unload idle replicas past
        their keep-alive, unload when an idle period with a prewarm window
        starts, prewarm when its time has come. The policies are asked
        first, so a policy error scales nothing."""
        now = self.env.now
        plans: List[Tuple[str, Any, Any]] = []
        wake = math.inf
        live = set()
        for fd in self._deployments():
            live.add(fd.name)
            policy = self.policy_for(fd.name)
            if policy.observes:
                w = self._plan_observed(fd, policy, now, plans)
            else:
                w = self._plan_fixed(fd, policy, now, plans)
            wake = min(wake, w)
        for name in list(self._states):
            if name not in live:
                del self._states[name]
        self._wake = wake
        faas = self.env.faas
        metrics = self.env.metrics
        for action, name, arg in plans:
            current, _ = self.replica_counts(name)
            if action == "remove":
                removed = arg
                self.log_decision(name, current, current - len(removed), now - removed[0].last_active)
                if metrics is not None:
                    metrics.log_scaling(name, -len(removed))
                for replica in removed:
                    faas.remove_replica(replica)
            else:
                n, idle_for = arg
                self.log_decision(name, current, current + n, idle_for)
                faas.scale_up(name, n)

    def _plan_fixed(self, fd: Any, policy: KeepAlivePolicy, now: float, plans: List[Any]) -> float:
        """Per-replica deadlines ``last_active + keep_alive``; returns the
        next wake."""
        name = fd.name
        prewarm, ka = self._windows(policy, name)
        if prewarm != 0:
            raise ValueError(
                f"KeepAlive: {type(policy).__name__}.windows({name!r}) gave prewarm {prewarm!r}, but a policy "
                "that prewarms must observe idle times (observes = True)"
            )
        replicas = self.env.faas.discover(name)
        idle = [r for r in replicas if r.inflight == 0 and _due(now, r.last_active + ka)]
        if idle:
            plan = self._removal(fd, idle)
            if plan is not None:
                plans.append(plan)
        wake = now + ka  # a replica going idle from now on has a later deadline
        for replica in replicas:
            if replica.inflight == 0:
                deadline = replica.last_active + ka
                if not _due(now, deadline) and deadline < wake:
                    wake = deadline
        return wake

    def _plan_observed(self, fd: Any, policy: KeepAlivePolicy, now: float, plans: List[Any]) -> float:
        """The idle-period state machine of a function under an observing
        policy; returns the next wake (at most *resolution* away)."""
        name = fd.name
        faas = self.env.faas
        stats = faas.function_stats(name)
        arrivals = stats["invoked"] + stats["waiting"]
        busy = stats["waiting"] > 0 or stats["invoked"] - stats["completed"] - stats["failed"] > 0
        wake = self._next_check(now)
        st = self._states.get(name)
        if st is not None and not self._on_grid(now):
            # a wake for another function's deadline: only this function's own deadline counts (so
            # what one function observes does not depend on the others)
            if st.idle_since is None or not _due(now, st.until):
                return wake if st.idle_since is None else min(wake, st.until)
        if st is None:
            st = self._states[name] = _IdlePeriod(arrivals)
        elif arrivals > st.arrivals and st.idle_since is not None:
            if st.observed:
                policy.observe(name, now - st.idle_since)  # user code
            st.idle_since = None
        elif not busy and st.idle_since is not None and not _due(now, st.until):
            return min(wake, st.until)  # still idle, nothing due before st.until
        st.arrivals = arrivals
        if busy:
            st.idle_since = None
            return wake
        st.until = self._plan_idle(fd, policy, st, now, plans)
        return min(wake, st.until)

    def _plan_idle(self, fd: Any, policy: KeepAlivePolicy, st: "_IdlePeriod", now: float, plans: List[Any]) -> float:
        """Plan the actions due now for an idle function; returns when the
        next one is due (its deadlines; inf: none)."""
        name = fd.name
        replicas = self.env.faas.discover(name)
        if st.idle_since is None:  # an idle period starts
            st.idle_since = max((r.last_active for r in replicas), default=now)
            st.observed = st.arrivals > 0
            st.prewarm, st.keep_alive = self._windows(policy, name)
            st.prewarm_at = None
            st.prewarmed = False
            if st.prewarm > 0:
                if not _due(now, st.idle_since + st.prewarm):
                    st.prewarm_at = st.idle_since + st.prewarm
                    plan = self._removal(fd, [r for r in replicas if r.inflight == 0])
                    if plan is not None:
                        plans.append(plan)
                    return st.prewarm_at
                st.prewarmed = True  # the prewarm time has passed already: keep the replicas
        if st.prewarm == 0:
            ka = st.keep_alive
            idle = [r for r in replicas if r.inflight == 0 and _due(now, r.last_active + ka)]
            if idle:
                plan = self._removal(fd, idle)
                if plan is not None:
                    plans.append(plan)
            due = now + ka  # replicas kept by the floor are checked again then
            for r in replicas:
                if r.inflight == 0 and not _due(now, r.last_active + ka) and r.last_active + ka < due:
                    due = r.last_active + ka
            return due
        if not st.prewarmed:
            assert st.prewarm_at is not None
            if not _due(now, st.prewarm_at):
                return st.prewarm_at
            st.prewarmed = True
            current, _ = self.replica_counts(name)
            n = max(1, self._floor(fd)) - current
            if n > 0:
                plans.append(("prewarm", name, (n, now - st.idle_since)))
        deadline = st.idle_since + st.prewarm + st.keep_alive
        if _due(now, deadline):
            idle = [r for r in replicas if r.inflight == 0]
            if idle:
                plan = self._removal(fd, idle)
                if plan is not None:
                    plans.append(plan)
            current, _ = self.replica_counts(name)
            # replicas still starting (a late prewarm) are removed once they run
            return self._next_check(now) if current > len(replicas) else math.inf
        return deadline


def faas_idler(env: Any, inactivity_duration: float = 300, reconcile_interval: float = 30):
    """faas_idler(env, inactivity_duration=300, reconcile_interval=30) (generator)

    faas-sim's idler (OpenFaaS' faas-idler), per function: every
    *reconcile_interval* seconds, each deployment with ``scale_zero`` whose
    last request started *inactivity_duration* seconds ago or more (and that
    has none in flight or waiting) loses all its RUNNING replicas (faas-sim's
    ``suspend`` kept ``scale_min`` of them and never removed the last one).
    For ``env.background_processes`` or ``env.process``;
    :class:`KeepAlive` is the exact per-replica policy.
    """
    owner = "faas_idler"
    _check_env(owner, env)
    inactivity_duration = _seconds(owner, "inactivity_duration", inactivity_duration, allow_zero=True)
    reconcile_interval = _seconds(owner, "reconcile_interval", reconcile_interval)
    t0 = env.now
    k = 0
    while True:
        k += 1
        if not _advances(env.now, reconcile_interval):
            raise ValueError(
                f"faas_idler: reconcile_interval {reconcile_interval!r} does not advance simulated time at {env.now!r}"
            )
        yield env.timeout(max(t0 + k * reconcile_interval - env.now, 0.0))
        faas = env.faas
        for fd in faas.get_deployments():
            if not fd.scaling_config.scale_zero:
                continue
            name = fd.name
            replicas = faas.discover(name)
            if not replicas:
                continue
            stats = faas.function_stats(name)
            if stats["waiting"] or any(r.inflight for r in replicas):
                continue
            if env.now - stats["last_invocation"] >= inactivity_duration:
                if env.metrics is not None:
                    env.metrics.log_scaling(name, -len(replicas))
                for replica in replicas:
                    faas.remove_replica(replica)


# ---------------------------------------------------------------------------
# Cold starts and wasted memory-time
# ---------------------------------------------------------------------------


def cold_start_stats(env: Any, functions: Optional[Iterable[str]] = None) -> Dict[str, Any]:
    """cold_start_stats(env, functions=None) -> dict of columns

    What keep-alive policies trade, per function (one row each: the deployed
    functions, or those named in *functions*), from the run's rows (so it
    needs the per-request records, ``Metrics(keep_records=True)``, the
    default), as NumPy columns:

    - ``function_name``; ``requests``: completed requests (``invocations``
      rows); ``cold_starts``: those that waited at the platform for a
      replica to be deployed (``t_wait > 0``: no replica was RUNNING when
      they came); ``cold_start_share``: their share (nan without requests).
      A deployment that takes no simulated time makes no cold starts.
    - ``replica_time``: seconds its replicas were RUNNING (from the
      ``replica_deployment`` rows: ``finish`` to ``teardown``, or to now);
      ``idle_time``: of those, the seconds with no request on the replica
      (the union of its requests' ``[t_start, end]`` spans is busy; a
      request still in flight at the end counts from the replica's
      ``last_active``); ``wasted_memory_time``: the sum over its replicas of
      the container's memory request (bytes) times its idle time
      (byte-seconds; "Serverless in the Wild"'s wasted memory time). Time a
      replica spends starting is in neither.

    >>> import faassim as fs
    >>> env = fs.Environment(seed=1)
    >>> env.topology = fs.Topology([fs.Node("n", "4", "8Gi")])
    >>> fn = fs.Function("f", [fs.FunctionImage("f-img")])
    >>> _ = env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0],
    ...     fs.KubernetesResourceConfiguration.create_from_str(cpu="1", memory="100Mi"))]))
    >>> _ = env.faas.add_source("f", fs.Replay([10.0, 20.0], durations=[2.0, 2.0]))
    >>> env.run(until=30)
    >>> s = cold_start_stats(env)
    >>> s["requests"].tolist(), s["cold_starts"].tolist(), s["idle_time"].tolist()
    ([2], [0], [26.0])
    >>> s["wasted_memory_time"].tolist() == [26.0 * 100 * 2**20]
    True
    """
    _check_env("cold_start_stats", env)
    metrics = env.metrics
    faas = env.faas
    if metrics is None or not getattr(metrics, "keep_records", True):
        raise RuntimeError("cold_start_stats needs the per-request records (Metrics(keep_records=True))")
    names = [d.name for d in faas.get_deployments()] if functions is None else list(
        _check_functions("cold_start_stats", functions) or ())
    now = env.now
    inv = metrics.to_numpy("invocations")
    dep = metrics.to_numpy("replica_deployment")
    reps = metrics.to_numpy("function_replicas")
    index = faas.get_function_index()
    # replica id -> (function, memory, running from, running until)
    fn_of: Dict[int, str] = {}
    memory: Dict[int, float] = {}
    for rid, name, image in zip(reps.get("replica_id", ()), reps.get("name", ()), reps.get("image", ())):
        rid = int(rid)
        fn_of[rid] = name
        container = index.get(image)
        memory[rid] = float((container.get_resource_requirements().get("memory") or 0) if container else 0)
    start: Dict[int, float] = {}
    end: Dict[int, float] = {}
    for t, value, rid in zip(dep.get("time", ()), dep.get("value", ()), dep.get("replica_id", ())):
        if value == "finish":
            start[int(rid)] = float(t)
        elif value == "teardown":
            end[int(rid)] = float(t)
    # busy spans per replica: the requests, and those still in flight (from last_active)
    rid_col = np.asarray(inv.get("replica_id", np.empty(0, dtype=np.int64)))
    t_start = np.asarray(inv.get("t_start", np.empty(0)))
    t_end = np.asarray(inv.get("time", np.empty(0)))
    extra_rid, extra_start = [], []
    for name in names:
        for replica in faas.get_replicas(name):
            if replica.inflight > 0 and replica.last_active is not None:
                extra_rid.append(replica.replica_id)
                extra_start.append(replica.last_active)
    rid_all = np.concatenate([rid_col.astype(np.int64), np.asarray(extra_rid, dtype=np.int64)])
    s_all = np.concatenate([t_start.astype(float), np.asarray(extra_start, dtype=float)])
    e_all = np.concatenate([t_end.astype(float), np.full(len(extra_rid), now)])
    order = np.lexsort((s_all, rid_all))
    busy: Dict[int, float] = {}
    cur_rid, cur_s, cur_e = None, 0.0, 0.0
    for rid, s, e in zip(rid_all[order].tolist(), s_all[order].tolist(), e_all[order].tolist()):
        lo, hi = start.get(rid), end.get(rid, now)
        if lo is None:
            continue
        s, e = max(s, lo), min(e, hi)
        if e <= s:
            continue
        if rid != cur_rid or s > cur_e:
            if cur_rid is not None:
                busy[cur_rid] = busy.get(cur_rid, 0.0) + (cur_e - cur_s)
            cur_rid, cur_s, cur_e = rid, s, e
        else:
            cur_e = max(cur_e, e)
    if cur_rid is not None:
        busy[cur_rid] = busy.get(cur_rid, 0.0) + (cur_e - cur_s)
    replica_time = dict.fromkeys(names, 0.0)
    idle_time = dict.fromkeys(names, 0.0)
    wasted = dict.fromkeys(names, 0.0)
    for rid, lo in start.items():
        name = fn_of.get(rid)
        if name not in replica_time:
            continue
        span = max(end.get(rid, now) - lo, 0.0)
        idle = max(span - busy.get(rid, 0.0), 0.0)
        replica_time[name] += span
        idle_time[name] += idle
        wasted[name] += memory.get(rid, 0.0) * idle
    fn_col = np.asarray(inv.get("function_name", np.empty(0, dtype=object)), dtype=object)
    waited = np.asarray(inv.get("t_wait", np.empty(0))) > 0
    requests = np.array([int(np.count_nonzero(fn_col == n)) for n in names], dtype=np.int64)
    cold = np.array([int(np.count_nonzero(waited & (fn_col == n))) for n in names], dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(requests > 0, cold / np.maximum(requests, 1), np.nan)
    return {
        "function_name": np.array(names, dtype=object),
        "requests": requests,
        "cold_starts": cold,
        "cold_start_share": share.astype(float),
        "replica_time": np.array([replica_time[n] for n in names]),
        "idle_time": np.array([idle_time[n] for n in names]),
        "wasted_memory_time": np.array([wasted[n] for n in names]),
    }
