"""SimPy's ``simpy.resources.container`` on faassim: a container of a
continuous or discrete amount."""

from faassim._core import Container, ContainerGet, ContainerPut
from faassim.simpy.core import BoundClass, Environment
from faassim.simpy.resources import base

__all__ = ["Container", "ContainerPut", "ContainerGet", "base", "BoundClass", "Environment"]
