"""SimPy's ``simpy.resources.base`` on faassim: the base resource and its
put/get events."""

from faassim._core import BaseResource, Environment, Event, Get, Process, Put
from faassim.simpy.core import BoundClass

__all__ = ["BaseResource", "Put", "Get", "BoundClass", "Environment", "Event", "Process"]
