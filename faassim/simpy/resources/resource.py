"""SimPy's ``simpy.resources.resource`` on faassim: resources with a
capacity of users, with priorities and preemption."""

from faassim._core import PreemptiveResource, PriorityRequest, PriorityResource, Release, Request, Resource
from faassim._pytypes import Preempted, SortedQueue
from faassim.simpy.core import BoundClass, Environment
from faassim.simpy.resources import base

__all__ = [
    "Preempted",
    "Request",
    "Release",
    "PriorityRequest",
    "SortedQueue",
    "Resource",
    "PriorityResource",
    "PreemptiveResource",
    "base",
    "BoundClass",
    "Environment",
]
