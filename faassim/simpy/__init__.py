"""SimPy's module layout on faassim's engine.

``faassim.simpy`` offers the names of SimPy 4 (``simpy``, ``simpy.core``,
``simpy.events``, ``simpy.exceptions``, ``simpy.resources`` and its
``base``/``resource``/``store``/``container`` modules, ``simpy.util``,
``simpy.rt``) backed by faassim's C engine. Use it in one of three ways:

- ``import faassim.simpy as simpy`` in your own code;
- :func:`install` before the model is imported: from then on ``import simpy``
  and every ``import simpy.<submodule>`` give these modules, also where SimPy
  itself is installed (:func:`uninstall` undoes it);
- ``python -m faassim.simpy script.py [args]`` runs an unchanged SimPy
  script as ``__main__`` with :func:`install` in effect.

Times keep SimPy's types: ``env.now`` is an int as long as the initial time
and the delays are ints (below 2**53; from there on a time becomes a float).

>>> import faassim.simpy as simpy
>>> env = simpy.Environment()
>>> def clock(env, out):
...     while env.now < 3:
...         out.append(env.now)
...         yield env.timeout(1)
>>> ticks = []
>>> _ = env.process(clock(env, ticks))
>>> env.run()
>>> ticks
[0, 1, 2]
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Dict, Optional

from faassim.simpy import core, events, exceptions, resources, rt, util
from faassim.simpy.core import Environment
from faassim.simpy.events import AllOf, AnyOf, Event, Process, Timeout
from faassim.simpy.exceptions import Interrupt, SimPyException
from faassim.simpy.resources.container import Container
from faassim.simpy.resources.resource import PreemptiveResource, PriorityResource, Resource
from faassim.simpy.resources.store import FilterStore, PriorityItem, PriorityStore, Store
from faassim.simpy.rt import RealtimeEnvironment

__all__ = [
    "AllOf",
    "AnyOf",
    "Container",
    "Environment",
    "Event",
    "FilterStore",
    "Interrupt",
    "PreemptiveResource",
    "PriorityItem",
    "PriorityResource",
    "PriorityStore",
    "Process",
    "RealtimeEnvironment",
    "Resource",
    "SimPyException",
    "Store",
    "Timeout",
    "install",
    "uninstall",
    "installed",
]

#: The SimPy version whose API this package follows.
__version__ = "4.1.2"

_SUBMODULES = (
    "core",
    "events",
    "exceptions",
    "util",
    "rt",
    "resources",
    "resources.base",
    "resources.resource",
    "resources.store",
    "resources.container",
)

# What sys.modules held under the simpy names before install() (None: absent).
_saved: Optional[Dict[str, Optional[ModuleType]]] = None


def _modules() -> Dict[str, ModuleType]:
    """``{"simpy": this package, "simpy.core": faassim.simpy.core, ...}``."""
    out = {"simpy": sys.modules[__name__]}
    for sub in _SUBMODULES:
        out["simpy." + sub] = sys.modules[__name__ + "." + sub]
    return out


def install() -> None:
    """Make ``import simpy`` (and ``import simpy.core``, ``simpy.rt``, ...)
    give faassim's modules, until :func:`uninstall`.

    It puts this package and its submodules into ``sys.modules`` under the
    ``simpy`` names, so it applies to imports that run after the call; a
    module that imported SimPy before keeps the objects it has. Calling it
    again is harmless.

    >>> import faassim.simpy
    >>> faassim.simpy.install()
    >>> import simpy.core
    >>> simpy.core.Environment is faassim.Environment
    True
    >>> faassim.simpy.uninstall()
    """
    global _saved
    mods = _modules()
    if _saved is None:
        _saved = {name: sys.modules.get(name) for name in mods}
    # The real SimPy's other submodules (if any were imported) must not be
    # found under the parent that is now ours.
    for name in [n for n in sys.modules if n.startswith("simpy.") and n not in mods]:
        _saved[name] = sys.modules.pop(name)
    sys.modules.update(mods)


def uninstall() -> None:
    """Undo :func:`install`: the ``simpy`` names in ``sys.modules`` get back
    what they held before (the real SimPy, if it had been imported, or
    nothing, so that the next ``import simpy`` finds SimPy if it is
    installed)."""
    global _saved
    if _saved is None:
        return
    for name, module in _saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module
    _saved = None


def installed() -> bool:
    """Is :func:`install` in effect (``sys.modules["simpy"]`` is this package)?"""
    return sys.modules.get("simpy") is sys.modules[__name__]
