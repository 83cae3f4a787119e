"""SimPy's ``simpy.core`` on faassim: :class:`Environment` (faassim's C
environment itself), :class:`BoundClass`, the exceptions that end a run and
``Infinity``."""

from __future__ import annotations

from types import MethodType
from typing import Any, Generic, Optional, Type, TypeVar, Union

from faassim._core import NORMAL, URGENT, AllOf, AnyOf, Environment, Event, Process, Timeout
from faassim._pytypes import EmptySchedule, StopSimulation

__all__ = [
    "Infinity",
    "BoundClass",
    "EmptySchedule",
    "StopSimulation",
    "Environment",
    "Event",
    "Timeout",
    "Process",
    "AllOf",
    "AnyOf",
    "URGENT",
    "NORMAL",
]

#: The time ``peek()`` returns when nothing is scheduled.
Infinity: float = float("inf")

T = TypeVar("T")


class BoundClass(Generic[T]):
    """A class that reads like a method: looked up on an instance it gives
    the class with that instance bound as its first argument (as functions
    become bound methods), looked up on the owner it gives the class.

    >>> class Ticket:
    ...     def __init__(self, owner, n):
    ...         self.owner, self.n = owner, n
    >>> class Desk:
    ...     ticket = BoundClass(Ticket)
    >>> desk = Desk()
    >>> t = desk.ticket(7)
    >>> (t.owner is desk, t.n, Desk.ticket is Ticket)
    (True, 7, True)
    """

    def __init__(self, cls: Type[T]):
        self.cls = cls

    def __get__(self, instance: Optional[object], owner: Optional[type] = None) -> Union[Type[T], MethodType]:
        if instance is None:
            return self.cls
        return MethodType(self.cls, instance)

    @staticmethod
    def bind_early(instance: Any) -> None:
        """Store the bound form of each :class:`BoundClass` attribute of the
        instance's class on the instance (saves the descriptor call later)."""
        for name, attr in vars(type(instance)).items():
            if isinstance(attr, BoundClass):
                setattr(instance, name, MethodType(attr.cls, instance))
