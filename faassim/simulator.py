"""Function simulators: the lifecycle hooks of a replica.

:class:`FunctionSimulator` (in C) has the hooks ``deploy``, ``startup``,
``setup``, ``invoke`` and ``teardown``. Override any of them in a subclass,
as a generator function (``yield env.timeout(...)``, ``yield from
self.helper(...)``, ``yield resource.request()``) or as a plain function;
hooks you leave alone run in C and take no simulated time.

>>> import faassim
>>> class Sleepy(faassim.FunctionSimulator):
...     def invoke(self, env, replica, request):
...         yield env.timeout(0.25)
>>> Sleepy()._overridden_hooks()
('invoke',)
"""

from __future__ import annotations

from typing import Any

from faassim._core import FunctionSimulator

__all__ = ["FunctionSimulator", "SimulatorFactory", "SimpleFunctionSimulator", "SimpleSimulatorFactory"]


class SimulatorFactory:
    """Makes the simulator of each replica: ``create(env, container)`` is
    called once per replica. The default gives every replica a plain
    :class:`FunctionSimulator`; override ``create`` to pick a simulator per
    container (image, resources, labels).

    >>> SimulatorFactory().create(None, None)._overridden_hooks()
    ()
    """

    def create(self, env: Any, container: Any) -> FunctionSimulator:
        """Return a new simulator for a replica of *container*."""
        return FunctionSimulator()


class SimpleFunctionSimulator(FunctionSimulator):
    """faas-sim's default simulator (``sim.faassim.SimpleFunctionSimulator``):
    ``deploy`` pulls the replica's image (faassim's default deploy, when the
    topology has a registry), every invocation takes one simulated second,
    the other hooks take no time. faassim's default :class:`SimulatorFactory`
    makes plain :class:`FunctionSimulator` objects instead (invocations take
    no time); ``sim.create_simulator_factory = SimpleSimulatorFactory``
    restores faas-sim's default in a :class:`~faassim.Simulation`.

    >>> import faassim as fs
    >>> env = fs.Environment()
    >>> env.topology = fs.Topology([fs.Node("nuc_0", "4", "8Gi")])
    >>> env.simulator_factory = SimpleSimulatorFactory()
    >>> fn = fs.Function("pi", [fs.FunctionImage("pi-cpu")])
    >>> _ = env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))
    >>> def client(env):
    ...     response = yield env.faas.invoke(fs.FunctionRequest("pi"))
    ...     print(response.t_exec)
    >>> _ = env.process(client(env))
    >>> env.run()
    1.0
    """

    #: simulated seconds an invocation takes (faas-sim's: 1)
    duration = 1.0

    def invoke(self, env: Any, replica: Any, request: Any) -> Any:
        yield env.timeout(self.duration)


class SimpleSimulatorFactory(SimulatorFactory):
    """faas-sim's default factory (``sim.faassim.SimpleSimulatorFactory``):
    a :class:`SimpleFunctionSimulator` for every replica."""

    def create(self, env: Any, container: Any) -> FunctionSimulator:
        return SimpleFunctionSimulator()
