"""Resource monitoring: faas-sim's ``ResourceMonitor`` and ``MetricsServer``
(``sim.resource``), sampling in C, plus exact time-weighted averages.

A :class:`ResourceMonitor` samples ``env.resource_state`` every
``reconcile_interval`` seconds. Each sample logs a ``function_utilization``
row per RUNNING replica that holds something (its resources, ``cpu_util``,
``mem_util``; tags ``node``, ``replica_id``), a ``node_utilization`` row per
node with replicas (the node's totals), and puts a :class:`ResourceWindow`
per such replica into ``env.metrics_server``. With power models
(``env.power_models``, or idle powers set on ``env.energy``), each sample also
logs a ``power`` row (``watts``: the node's power now, idle included) and an
``energy`` row (``joules``: its exact energy so far, as
:class:`~faassim.Energy` accounts it) per node that has one (tag ``node``),
and, when ``log_resource_utilization`` is not overridden, the node's
``node_utilization`` row gets the field ``node_power`` (W, idle included).
Start it with ``start()`` (a C-native periodic action) or, as faas-sim code
does, with ``env.process(monitor.run())``.

``env.resource_state`` integrates every amount over time at each change, and
the monitor keeps those integrals at its sample times, so
:meth:`ResourceMonitor.average` is the exact time-weighted mean over a window
between samples (or up to ``env.now``), where faas-sim's
:meth:`MetricsServer.get_average_resource_utilization` is a mean of point
samples:

>>> import faassim as fs
>>> env = fs.Environment()
>>> env.topology = fs.Topology([fs.Node("n0", "4", "8Gi")])
>>> class Busy(fs.FunctionSimulator):          # holds 0.5 cpu for 0.25 s per request
...     def invoke(self, env, replica, request):
...         env.resource_state.put_resource(replica, "cpu", 0.5)
...         yield env.timeout(0.25)
...         env.resource_state.remove_resource(replica, "cpu", 0.5)
>>> class Factory(fs.SimulatorFactory):
...     def create(self, env, container):
...         return Busy()
>>> env.simulator_factory = Factory()
>>> fn = fs.Function("f", [fs.FunctionImage("f-img")])
>>> _ = env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))
>>> _ = env.faas.add_source("f", fs.Replay([0.5, 1.5, 1.625, 2.875]))
>>> monitor = fs.ResourceMonitor(env, 1)
>>> monitor.start()
>>> env.run(until=3.5)
>>> replica = env.faas.get_replicas("f")[0]
>>> monitor.sample_times
[1.0, 2.0, 3.0]
>>> monitor.integral(replica, "cpu", 1.0, 2.0)      # two requests: 2 * 0.5 * 0.25 cpu-seconds
0.25
>>> monitor.average(replica, "cpu", 0.0, 2.0)      # three requests: 3 * 0.125 / 2
0.1875
>>> rows = env.metrics.to_numpy("function_utilization")  # only at t = 3 a request ran
>>> rows["time"].tolist(), rows["cpu"].tolist(), rows["cpu_util"].tolist(), rows["node"].tolist()
([3.0], [0.5], [0.000125], ['n0'])
"""

from __future__ import annotations

from typing import Any, Dict, Generator, List, NamedTuple

from faassim import _core

__all__ = ["ResourceMonitor", "MetricsServer", "ResourceWindow"]


class ResourceWindow(NamedTuple):
    """One sample of a replica's resources (faas-sim's ``ResourceWindow``):
    the replica, a dict resource name -> amount, and the simulated time."""

    replica: Any
    resources: Dict[str, float]
    time: float


class MetricsServer(_core.MetricsServer):
    """MetricsServer()

    The resource windows of the replicas (faas-sim's ``MetricsServer``):
    ``put(window)`` stores a :class:`ResourceWindow`, and
    ``get_average_cpu_utilization(replica, window_start, window_end)`` /
    ``get_average_resource_utilization(replica, resource, window_start,
    window_end)`` average the windows in a time range (a mean of point
    samples, as in faas-sim; see :meth:`ResourceMonitor.average` for the
    exact time-weighted mean). Windows are stored in C arrays per replica
    (by ``replica_id``; one environment per server) and kept until
    ``clear()``. ``env.metrics_server`` is one, made on first access.
    """

    def windows(self, replica: Any) -> List[ResourceWindow]:
        """windows(replica) -> [ResourceWindow]

        The windows stored for *replica*, oldest first (new objects)."""
        return [ResourceWindow(replica, resources, time) for time, resources in self._windows(replica)]

    def __repr__(self) -> str:
        return f"<MetricsServer: {self.count} windows>"


class ResourceMonitor(_core.ResourceMonitor):
    """ResourceMonitor(env, reconcile_interval, logging=True)

    Samples the resources replicas hold (``env.resource_state``) every
    *reconcile_interval* seconds (faas-sim's ``ResourceMonitor``). A sample
    (:meth:`sample`):

    - for each RUNNING replica of each deployed function whose utilization
      is not empty (some amount non-zero), calls
      ``env.metrics.log_function_resource_utilization(replica, utilization)``
      (when *logging*) and ``metric_server.put(ResourceWindow(replica,
      resources, env.now))``;
    - for each node with replicas registered in ``env.resource_state``, calls
      ``env.metrics.log_resource_utilization(node_name, node.capacity,
      total)`` (when *logging*);
    - keeps the time integral of every amount of every live replica and
      node, for :meth:`integral` and :meth:`average`.

    With faassim's platform, state, metrics and server (not overriding those
    methods) this runs in C and creates no Python object; otherwise the
    methods are called as faas-sim did and produce the same rows.

    Start it with :meth:`start` (C-native: the k-th sample at
    ``start time + k * reconcile_interval``) or, as faas-sim's
    ``Simulation`` did, with ``env.process(monitor.run())``; :meth:`stop`
    ends either. ``env.resource_monitor`` is ``None`` unless set (faas-sim's
    ``Simulation`` set ``ResourceMonitor(env, 1)``, and so does faassim's).

    Subclasses may override :meth:`run` with their own loop (faas-sim code
    does) or :meth:`sample` (which :meth:`start` and :meth:`run` then call).
    """

    def run(self) -> Generator[Any, Any, None]:
        """run()

        A generator for ``env.process``: sample every ``reconcile_interval``
        seconds (the same times as :meth:`start`) until :meth:`stop`.
        RuntimeError if the monitor is already running."""
        token = self._begin_run()
        try:
            while True:
                delay = self._next_delay(token)
                if delay is None:
                    return
                yield self.env.timeout(delay)
                if not self._current(token):
                    return
                self.sample()
        finally:
            self._end_run(token)

    def _sample_generic(self) -> None:
        """The sample through Python calls, for a platform or resource state
        that is not faassim's (any objects with faas-sim's methods)."""
        from faassim.model import FunctionState

        env = self.env
        faas = env.faas
        state = env.resource_state
        metrics = env.metrics if self.logging else None  # (env.metrics may be None too)
        server = self.metric_server
        now = env.now
        for deployment in faas.get_deployments():
            for replica in faas.get_replicas(deployment.name, FunctionState.RUNNING):
                utilization = state.get_resource_utilization(replica)
                if utilization.is_empty():
                    continue
                if metrics is not None:
                    metrics.log_function_resource_utilization(replica, utilization)
                if server is not None:
                    server.put(ResourceWindow(replica, utilization.list_resources(), now))
        if metrics is None:
            return
        nodes = {node.name: node for node in getattr(faas, "nodes", ())}
        for name, node_utilization in list(getattr(state, "node_resource_utilizations", {}).items()):
            node = nodes.get(name)
            if node is not None:
                metrics.log_resource_utilization(name, node.capacity, node_utilization.total_utilization)
