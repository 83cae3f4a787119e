"""Default platform components of an Environment, made on first use.

``env.metrics``, ``env.faas``, ``env.topology``, ``env.scheduler``,
``env.load_balancer``, ``env.simulator_factory``, ``env.container_registry``,
``env.background_processes``, ``env.resource_state``, ``env.metrics_server``,
``env.resource_monitor``, ``env.power_models``, ``env.energy``, ``env.net`` and ``env.cluster`` are C slots of the
Environment; when one is read before it was set, the C core calls
:func:`create` (registered by ``faassim/__init__.py``) to make the default.
"""

from __future__ import annotations

import weakref
from typing import Any, Dict

# env -> {component name: weak reference to the default made for it}: which
# components an environment made itself (never set), for
# Simulation.init_environment. Weak: most components refer back to their
# environment. (Lists and dicts cannot be weakly referenced: their id.)
_made: "weakref.WeakKeyDictionary[Any, Dict[str, Any]]" = weakref.WeakKeyDictionary()


def is_default(env: Any, name: str) -> bool:
    """True if component *name* of *env* is the default the environment made
    on first use (never set), or None."""
    value = getattr(env, name)
    if value is None:
        return True
    mark = _made.get(env, {}).get(name)
    if isinstance(mark, weakref.ref):
        return mark() is value
    return mark is not None and mark == id(value)


def create(env: Any, name: str) -> Any:
    """The default component *name* of *env* (remembered as such: see
    :func:`is_default`)."""
    value = _create(env, name)
    if value is not None:
        try:
            mark: Any = weakref.ref(value)
        except TypeError:
            mark = id(value)
        try:
            _made.setdefault(env, {})[name] = mark
        except TypeError:  # an environment that cannot be weakly referenced
            pass
    return value


def _create(env: Any, name: str) -> Any:
    if name == "metrics":
        from faassim.metrics import Metrics

        return Metrics(env)
    if name == "faas":
        from faassim.faas import FaasSystem

        return FaasSystem(env)
    if name == "topology":
        from faassim.topology import Topology

        return Topology()
    if name == "scheduler":
        from faassim.faas import Scheduler

        return Scheduler()
    if name == "load_balancer":
        from faassim.faas import RoundRobinLoadBalancer

        return RoundRobinLoadBalancer(env)
    if name == "simulator_factory":
        from faassim.simulator import SimulatorFactory

        return SimulatorFactory()
    if name == "container_registry":
        from faassim.topology import ContainerRegistry

        return ContainerRegistry()
    if name == "background_processes":
        return []
    if name == "power_models":
        return {}
    if name == "resource_state":
        from faassim._core import ResourceState

        return ResourceState(env)
    if name == "metrics_server":
        from faassim.monitor import MetricsServer

        return MetricsServer()
    if name == "energy":
        from faassim.energy import Energy

        return Energy(env)
    if name == "net":
        from faassim.network import Network

        return Network(env)
    if name == "cluster":
        from faassim.cluster import ClusterContext

        return ClusterContext(env)
    if name == "resource_monitor":
        return None  # opt-in: ResourceMonitor(env, interval).start(); a Simulation sets ResourceMonitor(env, 1)
    raise AttributeError(f"Environment has no component {name!r}")
