"""Small Python types used by the C engine (imported by ``faassim._core``).

They are cold-path objects: an exception type, a sentinel and the value of a
processed condition. Keeping them in Python keeps their behaviour identical to
SimPy's (pickling, ``repr``, subclassing) at no cost to the event loop.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, NamedTuple, Tuple

__all__ = [
    "PENDING",
    "SimPyException",
    "Interrupt",
    "EmptySchedule",
    "StopSimulation",
    "ConditionValue",
    "SortedQueue",
    "Preempted",
    "PriorityItem",
]


class _Pending:
    """Marker for the value of an event that has not been triggered."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "PENDING"

    def __reduce__(self) -> str:
        return "PENDING"


PENDING = _Pending()


class SimPyException(Exception):
    """Base class of the engine's own exceptions (SimPy's name)."""


class Interrupt(SimPyException):
    """Thrown into a process by :meth:`Process.interrupt`.

    ``cause`` is what the interrupter passed (``None`` by default).

    >>> str(Interrupt("maintenance"))
    "Interrupt('maintenance')"
    """

    def __init__(self, cause: Any = None):
        super().__init__(cause)

    def __str__(self) -> str:
        return f"{self.__class__.__name__}({self.cause!r})"

    @property
    def cause(self) -> Any:
        """The cause given to :meth:`Process.interrupt`."""
        return self.args[0]


class EmptySchedule(Exception):
    """Raised by :meth:`Environment.step` when no event is left."""


class StopSimulation(Exception):
    """Kept for code that catches it; faassim stops ``run(until=...)`` in C."""


class ConditionValue:
    """The value of a processed :class:`Condition`: a read-only mapping from the
    events that had been processed to their values, in the condition's order
    (nested conditions are flattened)."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: List[Any] = []

    def __getitem__(self, key: Any) -> Any:
        if key not in self.events:
            raise KeyError(str(key))
        return key._value

    def __contains__(self, key: Any) -> bool:
        return key in self.events

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConditionValue):
            return self.events == other.events
        if isinstance(other, dict):
            return self.todict() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ConditionValue {self.todict()}>"

    def __iter__(self) -> Iterator[Any]:
        return self.keys()

    def __len__(self) -> int:
        return len(self.events)

    def keys(self) -> Iterator[Any]:
        """The processed events, in the condition's order."""
        return iter(list(self.events))

    def values(self) -> Iterator[Any]:
        """The values of the processed events, in the condition's order."""
        return (event._value for event in self.events)

    def items(self) -> Iterator[Tuple[Any, Any]]:
        """``(event, value)`` pairs, in the condition's order."""
        return ((event, event._value) for event in self.events)

    def todict(self) -> Dict[Any, Any]:
        """A plain ``dict`` from event to value."""
        return {event: event._value for event in self.events}


class SortedQueue(list):
    """Queue kept sorted by each element's ``key`` (stable: equal keys keep
    arrival order); the put queue of :class:`PriorityResource`."""

    def __init__(self, maxlen: "int | None" = None):
        super().__init__()
        self.maxlen = maxlen

    def append(self, item: Any) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        super().append(item)
        super().sort(key=lambda e: e.key)


class Preempted:
    """Cause of the :class:`Interrupt` thrown into a process that lost a
    :class:`PreemptiveResource`: ``by`` (the preempting process),
    ``usage_since`` (when the victim got the resource) and ``resource``."""

    def __init__(self, by: Any, usage_since: Any, resource: Any):
        self.by = by
        self.usage_since = usage_since
        self.resource = resource

    def __repr__(self) -> str:
        return f"Preempted(by={self.by!r}, usage_since={self.usage_since!r})"


class PriorityItem(NamedTuple):
    """An item of a :class:`PriorityStore`, ordered by ``priority`` only."""

    priority: Any
    item: Any

    def __lt__(self, other: "PriorityItem") -> bool:  # type: ignore[override]
        return self.priority < other.priority


def _accept_any(item: Any) -> bool:
    """Default filter of :meth:`FilterStore.get`: accepts every item."""
    return True
