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
  FunctionState.FAILED)``), logged in ``schedule`` with ``successful=False``
  and the reason.
- Scheduling latency is ``env.scheduler.latency`` (default 0), never the
  host's clock.
- Invoking an unknown function raises ``KeyError`` (faas-sim logged a
  warning and dropped the request).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Mapping, Optional, Union

from faassim import _core
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
]

RequestSource = _core.RequestSource


class FaasSystem(_core.FaasSystem):
    """FaasSystem(env)

    The FaaS platform (faas-sim's ``DefaultFaasSystem``), run in C. Every
    method that stands for a faas-sim generator method returns an event, so
    ``yield env.faas.deploy(fd)``, ``yield from env.faas.deploy(fd)`` and
    ``env.process(env.faas.invoke(request))`` all work as in faas-sim.
    """

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
        :class:`Constant`, :class:`Replay`) to function *fn_name*, at most
        *max_requests* of them and none after simulated time *until*. The
        requests are the same as ``invoke(FunctionRequest(fn_name))``'s but
        no Python object is made for them unless Python code needs one.
        """
        if not isinstance(source, _core.RequestSource):
            raise TypeError(f"add_source(): source must be a RequestSource (Poisson, Constant, Replay), not {source!r}")
        return source._attach(self, fn_name, max_requests=max_requests, until=until)

    @property
    def replica_count(self) -> dict:
        """A dict function name -> replicas placed and not being removed
        (faas-sim's ``replica_count``)."""
        return {fd.name: self.function_stats(fd.name)["replicas"] for fd in self.get_deployments()}

    def __repr__(self) -> str:
        return f"<FaasSystem {len(self.get_deployments())} functions>"


DefaultFaasSystem = FaasSystem


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
    """Scheduler(policy='least_allocated', latency=0.0)

    Places replicas on nodes with enough free cpu, memory and accelerators,
    of an architecture the image exists for (``env.container_registry``) and
    carrying the container's ``node_selector`` labels; then scores them:
    ``'least_allocated'`` (spread, the default), ``'most_allocated'`` (bin
    packing), ``'balanced'``, ``'random'`` (from ``env.rng``) or
    ``'first_fit'``; ties go to the earliest node. Override
    ``schedule(replica)`` in a subclass to choose in Python: return a Node of
    ``env.topology`` (or its name), or None when the replica cannot be placed.
    *latency* is the simulated time each placement takes.
    """


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
    """Replay(times): one request at each of the given absolute simulated
    times (a sorted sequence or NumPy array; copied)."""

    def __init__(self, times: Iterable[float]):
        super().__init__("replay", times=list(times) if not hasattr(times, "__len__") else times)
