"""SimPy's ``simpy.events`` on faassim: the event types (C types from
``faassim._core``), the priorities and the pending marker."""

from faassim._core import (
    NORMAL,
    URGENT,
    AllOf,
    AnyOf,
    Condition,
    Event,
    Initialize,
    Interruption,
    Process,
    Timeout,
)
from faassim._pytypes import PENDING, ConditionValue, Interrupt

__all__ = [
    "PENDING",
    "URGENT",
    "NORMAL",
    "Event",
    "Timeout",
    "Initialize",
    "Interruption",
    "Process",
    "Condition",
    "ConditionValue",
    "AllOf",
    "AnyOf",
    "Interrupt",
]
