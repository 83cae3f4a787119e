"""The FaaS platform: ``env.faas``, load balancers, schedulers and request
sources.

The platform (:class:`FaasSystem`) runs in C: replica lifecycle, placement,
load balancing and invocation. This module adds the Python conveniences on
top and the named built-ins. A bare :class:`~faassim.Environment` creates
every component on first use, so a script needs only a topology:

>>> import faassim
>>> env = faassim.Environment(seed=1)
>>> env.topology = faassim.Topology([faassim.Node("server_0", "4", "8Gi")])
>>> fn = faassim.Function("hello", [faassim.FunctionImage("hello-cpu")])
>>> fd = faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])])
>>> _ = env.faas.deploy(fd)
>>> def client(env):
...     response = yield env.faas.invoke(faassim.FunctionRequest("hello"))
...     print(response.request_id, response.node, response.t_exec)
>>> _ = env.process(client(env))
>>> env.run()
0 server_0 0.0

Differences from faas-sim, on purpose (see the README):

- A request that finds no RUNNING replica waits at the platform (FIFO) and
  is dispatched when one is up; a function with no replica at all is scaled
  from zero. faas-sim polled every 0.5 s, and aborted when no replica came.
- ``scale_down(name, n)`` removes exactly ``n`` RUNNING replicas, latest
  started first, never going below ``scale_min``; removed replicas take no
  new requests at once (faas-sim could still route to them during teardown).
  Teardowns of one call run concurrently.
- Ids are deterministic: ``replica_id`` and ``request_id`` count from 0 per
  environment.
- Placement failures retry the next image of the ranking (not the same one
  again) and end as a FAILED replica (``get_replicas(name,
  FunctionState.FAILED)``: the latest 100 of a function), logged in
  ``schedule`` with ``successful=False`` and the reason.
- Replica churn keeps O(1) memory: the platform lets go of a replica once it
  is torn down (its metrics rows, energy and integrals stay).
- Scheduling latency is ``env.scheduler.latency`` (default 0), never the
  host's clock.
- Invoking an unknown function raises ``KeyError`` (faas-sim logged a
  warning and dropped the request).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Mapping, Optional, Union

from faassim import _core
from faassim._warn import warn
from faassim.model import FunctionState

__all__ = [
    "FaasSystem",
    "LoadBalancer",
    "RoundRobinLoadBalancer",
    "LeastOutstandingLoadBalancer",
    "RandomLoadBalancer",
    "WeightedRoundRobinLoadBalancer",
    "Scheduler",
    "RequestSource",
    "Poisson",
    "Constant",
    "Replay",
    "Sine",
    "RandomWalk",
    "Bursts",
    "OnOff",
    "PerMinute",
]

RequestSource = _core.RequestSource


class FaasSystem(_core.FaasSystem):
    """FaasSystem(env, scale_by_requests=False, scale_by_average_requests=False,
    scale_by_queue_requests_per_replica=False)

    The FaaS platform (faas-sim's ``DefaultFaasSystem``), run in C. Every
    method that stands for a faas-sim generator method returns an event, so
    ``yield env.faas.deploy(fd)``, ``yield from env.faas.deploy(fd)`` and
    ``env.process(env.faas.invoke(request))`` all work as in faas-sim.

    The flags are faas-sim's: each deployment made while one is set starts
    its scaler for that function (:class:`~faassim.FaasRequestScaler`,
    :class:`~faassim.AverageFaasRequestScaler`,
    :class:`~faassim.AverageQueueFaasRequestScaler`), kept in
    ``faas_scalers``, ``avg_faas_scalers`` and ``queue_faas_scalers`` by
    function name and stopped by :meth:`remove`. They are attributes, so
    ``env.faas.scale_by_requests = True`` works after construction too.
    """

    #: start a FaasRequestScaler for each function deployed (faas-sim's flag)
    scale_by_requests: bool = False
    #: start an AverageFaasRequestScaler for each function deployed
    scale_by_average_requests: bool = False
    #: start an AverageQueueFaasRequestScaler for each function deployed
    scale_by_queue_requests_per_replica: bool = False

    def __init__(
        self,
        env: Any,
        scale_by_requests: bool = False,
        scale_by_average_requests: bool = False,
        scale_by_queue_requests_per_replica: bool = False,
    ):
        super().__init__(env)
        for name, value in (
            ("scale_by_requests", scale_by_requests),
            ("scale_by_average_requests", scale_by_average_requests),
            ("scale_by_queue_requests_per_replica", scale_by_queue_requests_per_replica),
        ):
            if not isinstance(value, (bool, int)) or value not in (0, 1):
                raise TypeError(f"FaasSystem: {name} must be a bool, not {type(value).__name__} {value!r}")
            setattr(self, name, bool(value))

    @property
    def scale_by_average_requests_per_replica(self) -> bool:
        """faas-sim's attribute name of ``scale_by_average_requests``."""
        return self.scale_by_average_requests

    @scale_by_average_requests_per_replica.setter
    def scale_by_average_requests_per_replica(self, value: bool) -> None:
        self.scale_by_average_requests = value

    def _scalers(self, attr: str) -> dict:
        """The dict of scalers kept under *attr* (made on first use)."""
        scalers = getattr(self, attr, None)
        if scalers is None:
            scalers = {}
            setattr(self, attr, scalers)
        return scalers

    @property
    def faas_scalers(self) -> dict:
        """Function name -> its :class:`~faassim.FaasRequestScaler` (made by
        :meth:`deploy`; running when ``scale_by_requests`` was set)."""
        return self._scalers("_faas_scalers")

    @property
    def avg_faas_scalers(self) -> dict:
        """Function name -> its :class:`~faassim.AverageFaasRequestScaler`."""
        return self._scalers("_avg_faas_scalers")

    @property
    def queue_faas_scalers(self) -> dict:
        """Function name -> its :class:`~faassim.AverageQueueFaasRequestScaler`."""
        return self._scalers("_queue_faas_scalers")

    def deploy(self, fd: Any) -> Any:
        """deploy(fd) -> Event

        Deploy *fd* (``scale_min`` replicas; see the C platform) and, as
        faas-sim's ``DefaultFaasSystem.deploy`` did, make its three request
        scalers and start those whose ``scale_by_*`` flag is set (their
        first reconcile is one interval from now)."""
        event = super().deploy(fd)
        if self.scale_by_requests or self.scale_by_average_requests or self.scale_by_queue_requests_per_replica:
            from faassim.autoscaling import AverageFaasRequestScaler, AverageQueueFaasRequestScaler, FaasRequestScaler

            name = fd.name
            for attr, cls, flag in (
                ("faas_scalers", FaasRequestScaler, self.scale_by_requests),
                ("avg_faas_scalers", AverageFaasRequestScaler, self.scale_by_average_requests),
                ("queue_faas_scalers", AverageQueueFaasRequestScaler, self.scale_by_queue_requests_per_replica),
            ):
                scaler = getattr(self, attr)[name] = cls(fd, self.env)
                if flag:
                    scaler.start()
        return event

    def remove(self, fd: Any) -> Any:
        """remove(fd) -> Event

        Remove the deployment *fd* (or the function of that name): every
        replica goes and waiting requests fail; its scalers made by
        :meth:`deploy` are stopped and forgotten."""
        event = super().remove(fd)
        name = fd if isinstance(fd, str) else fd.name
        for attr in ("_faas_scalers", "_avg_faas_scalers", "_queue_faas_scalers"):
            scaler = getattr(self, attr, {}).pop(name, None)
            if scaler is not None:
                scaler.stop()
        return event

    def poll_available_replica(self, fn: str, interval: float = 0.5):
        """poll_available_replica(fn, interval=0.5) (generator)

        Wait, checking every *interval* seconds, until *fn* has a replica that
        takes requests (faas-sim's). Requests do not need this: they wait at
        the platform by themselves."""
        while not self.discover(fn):
            yield self.env.timeout(interval)

    def start(self) -> List[Any]:
        """start() -> [Process]

        Start every entry of ``env.background_processes`` (callables ``env
        -> generator``, e.g. an autoscaler loop) as a process (faas-sim's;
        :class:`~faassim.Simulation` calls it once). The platform itself
        needs no starting: its scheduler runs in C."""
        env = self.env
        return [env.process(process(env)) for process in list(env.background_processes)]

    def add_source(
        self,
        fn_name: str,
        source: "_core.RequestSource",
        *,
        max_requests: Optional[int] = None,
        until: Optional[float] = None,
    ) -> "_core.RequestSource":
        """add_source(fn_name, source, *, max_requests=None, until=None) -> source

        Send the requests of a C-native *source* (:class:`Poisson`,
        :class:`Constant`, :class:`Replay`, :class:`Sine`,
        :class:`RandomWalk`, :class:`Bursts`, :class:`OnOff`,
        :class:`PerMinute`) to function *fn_name*, at most *max_requests* of
        them and none after simulated time *until*. The requests are the
        same as ``invoke(FunctionRequest(fn_name))``'s but no Python object
        is made for them unless Python code needs one. Time patterns of the
        sources count from the time the source is attached.

        A source that will send nothing warns
        (:class:`~faassim.FaassimWarning`): *until* is already past, or its
        arrival times are fixed (:class:`Replay`, :class:`Constant`,
        :class:`PerMinute` with ``spread='uniform'``) and none falls before
        *until*. (``max_requests=0`` asks for nothing and does not warn.)
        """
        if not isinstance(source, _core.RequestSource):
            raise TypeError(
                "add_source(): source must be a RequestSource (Poisson, Constant, Replay, Sine, RandomWalk, "
                f"Bursts, OnOff, PerMinute), not {source!r}"
            )
        attached = source._attach(self, fn_name, max_requests=max_requests, until=until)
        if not source.active and max_requests != 0:
            _warn_idle_source(self.env.now, fn_name, source, until)
        return attached

    @property
    def replica_count(self) -> dict:
        """A dict function name -> replicas placed and not being removed
        (faas-sim's ``replica_count``)."""
        return {fd.name: self.function_stats(fd.name)["replicas"] for fd in self.get_deployments()}

    def __repr__(self) -> str:
        return f"<FaasSystem {len(self.get_deployments())} functions>"


DefaultFaasSystem = FaasSystem


def _warn_idle_source(now: float, fn_name: str, source: Any, until: Optional[float]) -> None:
    """Warn that *source*, just attached to *fn_name* at *now*, sends no
    request, when that follows from its configuration (not from a random
    draw: a Poisson source whose first arrival happens to fall after
    *until* is left alone)."""
    where = f"add_source({fn_name!r}, {source!r}, until={until!r}) at env.now = {now!r}"
    if until is not None and (until < now or (until == now and source.kind != "replay")):
        warn(f"{where}: the source's window is already past, it sends no requests", 2)
    elif source.kind in ("replay", "constant") or (
        source.kind == "per_minute" and source.params.get("spread") == "uniform"
    ):
        warn(f"{where}: none of the source's arrivals falls in its window, it sends no requests", 2)


class LoadBalancer(_core.LoadBalancer):
    """LoadBalancer(env=None, replicas=None, *, policy='round_robin')

    Chooses the replica that serves a request. Subclass it and override
    ``next_replica(request)`` to decide in Python (return one of
    ``self.get_running_replicas(request.name)``); otherwise the built-in
    *policy* runs in C. As in faas-sim, the platform asks only when more than
    one replica runs.
    """

    def get_running_replicas(self, function: str) -> List[Any]:
        """The replicas of *function* that take requests, in routing order."""
        if self.env is None:
            raise RuntimeError("get_running_replicas(): this load balancer has no environment yet")
        return self.env.faas.discover(function)


class RoundRobinLoadBalancer(LoadBalancer):
    """faas-sim's round robin: the replicas of a function in deployment order,
    in turn (the default)."""

    def __init__(self, env=None, replicas=None):
        super().__init__(env, replicas, policy="round_robin")


class LeastOutstandingLoadBalancer(LoadBalancer):
    """The replica with the fewest requests in flight (ties: the earliest)."""

    def __init__(self, env=None, replicas=None):
        super().__init__(env, replicas, policy="least_outstanding")


class RandomLoadBalancer(LoadBalancer):
    """A uniformly random replica, drawn from ``env.rng`` (one draw per
    request that has a choice)."""

    def __init__(self, env=None, replicas=None):
        super().__init__(env, replicas, policy="random")


class WeightedRoundRobinLoadBalancer(LoadBalancer):
    """Smooth weighted round robin (as nginx): replica *i* gets ``weight_i``
    of every ``sum(weights)`` requests, interleaved.

    *weights* gives each replica its weight (an int >= 1) when it starts: a
    callable ``replica -> int``, or a mapping from node name (or node type)
    to weight; replicas it does not cover get *default*.

    >>> lb = WeightedRoundRobinLoadBalancer({"cloud_0": 3})
    >>> lb.policy
    'weighted_round_robin'
    """

    def __init__(
        self,
        weights: Union[None, Callable[[Any], int], Mapping[str, int]] = None,
        default: int = 1,
        env=None,
    ):
        super().__init__(env, None, policy="weighted_round_robin")
        if weights is not None and not callable(weights) and not isinstance(weights, Mapping):
            raise TypeError(f"weights must be a callable or a mapping, not {type(weights).__name__} {weights!r}")
        if isinstance(default, bool) or not isinstance(default, int) or default < 1:
            raise ValueError(f"default weight must be an int >= 1, got {default!r}")
        self.weights = weights
        self.default = default

    def weight(self, replica: Any) -> int:
        """The weight of *replica* (called once, when it starts)."""
        if self.weights is None:
            return self.default
        if callable(self.weights):
            return self.weights(replica)
        node = replica.node
        for key in (node.name, getattr(node, "node_type", None)):
            if key in self.weights:
                return self.weights[key]
        return self.default


class Scheduler(_core.Scheduler):
    """Scheduler(policy='least_allocated', latency=0.0, *, predicates=None,
    priorities=None, percentage_of_nodes_to_score=100, latency_per_node=0.0,
    track_images=True)

    Without predicates and priorities: places replicas on nodes with enough
    free cpu, memory and accelerators, of an architecture the image exists
    for (``env.container_registry``) and carrying the container's
    ``node_selector`` labels; then scores them: ``'least_allocated'``
    (spread, the default), ``'most_allocated'`` (bin packing),
    ``'balanced'``, ``'random'`` (from ``env.rng``) or ``'first_fit'``; ties
    go to the earliest node (exact rational ranking).

    With ``predicates=[...]`` and/or ``priorities=[(weight, priority),
    ...]`` (objects of :mod:`faassim.placement`, or your Python subclasses
    of ``Predicate``/``Priority``): the placement pipeline of faas-sim's
    scheduler library (skippy): filter, score with each priority's map and
    reduce steps, sum the weighted scores, take the highest (ties: the first
    node examined). ``policy`` may then be ``'random'`` or ``'first_fit'``
    (no priorities) to choose among the feasible nodes instead.
    ``percentage_of_nodes_to_score`` (in (0, 100], or None for the adaptive
    default) samples as skippy does: the scan starts where the previous one
    stopped. Resource fit and schedulability are always checked (added when
    absent). With ``track_images`` the chosen node holds the image
    afterwards, as skippy's cluster context records it. Each decision is
    explained: the ``reason`` of its ``schedule`` row and :meth:`explain`.
    :meth:`faas_sim_default` is faas-sim's default configuration.

    Override ``schedule(replica)`` in a subclass to choose in Python: return
    a Node of ``env.topology`` (or its name), or None when the replica
    cannot be placed. *latency* is the simulated time each placement takes
    (seconds, or a callable ``latency(replica, node)``), plus
    *latency_per_node* times the nodes scored (those that passed the
    filters); never the host's time.
    """

    def __init__(
        self,
        policy: Optional[str] = None,
        latency: Any = 0.0,
        *,
        predicates: Optional[Iterable[Any]] = None,
        priorities: Optional[Iterable[Any]] = None,
        percentage_of_nodes_to_score: Any = 100,
        latency_per_node: float = 0.0,
        track_images: bool = True,
    ):
        pipeline = predicates is not None or priorities is not None
        if pipeline:
            super().__init__("least_allocated", latency)
            from faassim import placement

            placement.configure(self, predicates, priorities, percentage_of_nodes_to_score, policy, track_images)
        else:
            if percentage_of_nodes_to_score != 100:
                raise ValueError(
                    "Scheduler: percentage_of_nodes_to_score applies to a pipeline (give predicates or priorities)"
                )
            super().__init__("least_allocated" if policy is None else policy, latency)
        self.latency_per_node = latency_per_node

    @classmethod
    def faas_sim_default(cls, latency: Any = 0.0, **kwargs: Any) -> "Scheduler":
        """faas-sim's default scheduler (skippy's ``Scheduler(cluster)``):
        predicates ``PodFitsResources`` and ``CheckNodeLabelPresence(
        ['data.skippy.io/storage'], False)``; priorities balanced resources,
        latency-aware image locality, locality type, data locality and
        capability, weight 1 each; every node scored."""
        from faassim import placement

        return cls(
            latency=latency,
            predicates=placement.faas_sim_default_predicates(),
            priorities=placement.faas_sim_default_priorities(),
            **kwargs,
        )


def _seq(values: Any) -> Any:
    """A one-shot iterable (generator) as a list; sequences, arrays and
    anything else (which the C core then refuses with a clear message) as
    they are."""
    if values is None or hasattr(values, "__len__") or not hasattr(values, "__iter__"):
        return values
    return list(values)


class Poisson(_core.RequestSource):
    """Poisson(rate): requests with exponential inter-arrival times, *rate*
    requests per second on average, drawn from ``env.rng``. Attach with
    ``env.faas.add_source(fn_name, Poisson(rate=50))``."""

    def __init__(self, rate: float):
        super().__init__("poisson", rate=rate)


class Constant(_core.RequestSource):
    """Constant(rate): one request every ``1 / rate`` seconds: the k-th at
    ``t0 + k / rate`` exactly, t0 being the time the source was attached."""

    def __init__(self, rate: float):
        super().__init__("constant", rate=rate)


class Replay(_core.RequestSource):
    """Replay(times, durations=None): one request at each of the given
    absolute simulated times (a sorted sequence or NumPy array; copied).

    *durations* (seconds, one per time, >= 0) are the requests' recorded
    execution times (``FunctionRequest.exec_time``): the C invoke of
    :class:`~faassim.FunctionSimulator` then takes exactly that long, and a
    watchdog's C ``execute`` step waits that long instead of sampling its
    characterization. A Python ``invoke`` override sees it as
    ``request.exec_time``.

    >>> Replay([0.5, 1.0, 1.0], durations=[0.2, 0.1, 0.3])
    <Replay replay of 3 arrivals with durations, 0 sent>
    """

    def __init__(self, times: Iterable[float], durations: Optional[Iterable[float]] = None):
        super().__init__("replay", times=_seq(times), durations=_seq(durations))


class Sine(_core.RequestSource):
    """Sine(mean_rate, amplitude, period, phase=0.0): Poisson arrivals whose
    rate (requests/s) follows a sine,
    ``mean_rate + amplitude * sin(2 * pi * s / period + phase)`` at ``s``
    seconds after the source is attached; ``0 <= amplitude <= mean_rate``.

    A non-homogeneous Poisson process generated in C by thinning (Lewis and
    Shedler): candidates at ``mean_rate + amplitude``, each kept with
    probability ``rate / (mean_rate + amplitude)``, drawn from ``env.rng``.
    faas-sim's ``sine_rps_profile(env, max_rps, period)`` has the rate
    ``Sine(max_rps / 2, max_rps / 2, period)`` (for a source attached at 0).

    >>> Sine(10, 5, period=60).params
    {'mean_rate': 10.0, 'amplitude': 5.0, 'period': 60.0, 'phase': 0.0}
    """

    def __init__(self, mean_rate: float, amplitude: float, period: float, phase: float = 0.0):
        super().__init__("sine", mean_rate=mean_rate, amplitude=amplitude, period=period, phase=phase)


class RandomWalk(_core.RequestSource):
    """RandomWalk(rate, sigma, step, min_rate, max_rate): Poisson arrivals
    whose rate (requests/s) is a random walk: *rate* for the first *step*
    seconds, then every *step* seconds it moves by a normal increment of
    standard deviation *sigma* drawn from ``env.rng``, reflected at
    *min_rate* and *max_rate* (folded back into the range, so it never
    sticks to a bound; faas-sim's ``randomwalk_rps_profile`` instead keeps
    the old rate and returns the bound for that step).
    ``0 <= min_rate <= rate <= max_rate``, ``max_rate > 0``.

    Generated by thinning at *max_rate*, in C; the walk advances as time
    does (one normal draw per step).

    >>> RandomWalk(20, sigma=2, step=1, min_rate=5, max_rate=40).params["max_rate"]
    40.0
    """

    def __init__(self, rate: float, sigma: float, step: float, min_rate: float, max_rate: float):
        super().__init__("random_walk", rate=rate, sigma=sigma, step=step, min_rate=min_rate, max_rate=max_rate)


class Bursts(_core.RequestSource):
    """Bursts(base_rate, burst_rate, burst_every, burst_length, offset=0.0):
    Poisson arrivals at *burst_rate* (requests/s) during bursts of
    *burst_length* seconds that start every *burst_every* seconds (the first
    *offset* seconds after the source is attached), at *base_rate* between
    them. ``0 <= burst_length <= burst_every``.

    Generated by thinning at ``max(base_rate, burst_rate)``, in C.

    >>> Bursts(base_rate=2, burst_rate=50, burst_every=60, burst_length=5).kind
    'bursts'
    """

    def __init__(
        self, base_rate: float, burst_rate: float, burst_every: float, burst_length: float, offset: float = 0.0
    ):
        super().__init__(
            "bursts",
            base_rate=base_rate,
            burst_rate=burst_rate,
            burst_every=burst_every,
            burst_length=burst_length,
            offset=offset,
        )


class OnOff(_core.RequestSource):
    """OnOff(rate, on, off, exponential=False): Poisson arrivals at *rate*
    (requests/s) during on periods and none during off periods, starting
    with an on period when the source is attached. Periods last *on* and
    *off* seconds, or, with ``exponential=True``, are exponentially
    distributed with those means (drawn from ``env.rng``).

    Generated by thinning at *rate*, in C.

    >>> OnOff(100, on=2, off=8, exponential=True).params["exponential"]
    True
    """

    def __init__(self, rate: float, on: float, off: float, exponential: bool = False):
        super().__init__("on_off", rate=rate, on=on, off=off, exponential=exponential)


class PerMinute(_core.RequestSource):
    """PerMinute(counts, spread='uniform', start=0.0, interval=60.0): replay
    per-minute invocation counts exactly: ``counts[b]`` requests in minute
    ``b``, which covers ``[t0 + start + b * interval, t0 + start + (b + 1) *
    interval)`` (t0: when the source is attached; that float expression is
    the bin edge).

    *spread* places a minute's ``n`` requests: ``'uniform'`` evenly, the
    k-th (from 0) at ``edge + interval * ((k + 0.5) / n)`` (no random
    draws); ``'poisson'`` as ``n`` independent uniform times in the minute,
    in order (a Poisson process conditioned on its count; one ``env.rng``
    draw per request). Either way every minute gets exactly its count. The
    Azure Functions 2019 trace gives such counts
    (:func:`faassim.workload.replay_azure_2019`).

    >>> PerMinute([3, 0, 12], spread="poisson").params["total"]
    15
    """

    def __init__(self, counts: Iterable[int], spread: str = "uniform", start: float = 0.0, interval: float = 60.0):
        super().__init__(
            "per_minute",
            counts=_seq(counts),
            spread=spread,
            start=start,
            interval=interval,
        )
