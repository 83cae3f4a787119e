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

__all__ = ["FunctionSimulator", "SimulatorFactory"]


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
