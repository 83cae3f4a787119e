"""Default platform components of an Environment, made on first use.

``env.metrics``, ``env.faas``, ``env.topology``, ``env.scheduler``,
``env.load_balancer``, ``env.simulator_factory``, ``env.container_registry``,
``env.background_processes``, ``env.resource_state``, ``env.metrics_server``,
``env.resource_monitor``, ``env.power_models`` and ``env.energy`` are C slots of the
Environment; when one is read before it was set, the C core calls
:func:`create` (registered by ``faassim/__init__.py``) to make the default.
"""

from __future__ import annotations

from typing import Any


def create(env: Any, name: str) -> Any:
    """The default component *name* of *env*."""
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
    if name == "resource_monitor":
        return None  # opt-in: ResourceMonitor(env, interval).start(); a Simulation sets ResourceMonitor(env, 1)
    raise AttributeError(f"Environment has no component {name!r}")
