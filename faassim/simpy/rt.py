"""SimPy's ``simpy.rt`` on faassim: an environment paced by the wall clock."""

from __future__ import annotations

from time import monotonic, sleep
from typing import Any

from faassim._core import Environment
from faassim._pytypes import EmptySchedule
from faassim.simpy.core import Infinity

__all__ = ["RealtimeEnvironment"]


class RealtimeEnvironment(Environment):
    """An :class:`Environment` whose events are processed no earlier than
    their simulated time, scaled by *factor* (wall-clock seconds per time
    unit), counts after the environment's creation (or the last
    :meth:`sync`).

    With *strict* (the default), :meth:`step` raises ``RuntimeError`` when an
    event is due more than *factor* seconds in the past: the simulation
    cannot keep up with the wall clock. ``run()`` goes through :meth:`step`,
    so it is paced too.
    """

    def __init__(self, initial_time: Any = 0, factor: float = 1.0, strict: bool = True):
        Environment.__init__(self, initial_time)
        self.env_start = initial_time
        self.real_start = monotonic()
        self._factor = factor
        self._strict = strict

    @property
    def factor(self) -> float:
        """Wall-clock seconds per simulated time unit."""
        return self._factor

    @property
    def strict(self) -> bool:
        """Does :meth:`step` raise ``RuntimeError`` when it falls behind?"""
        return self._strict

    def sync(self) -> None:
        """Restart the wall clock's reference at now (so that time spent
        before the run, e.g. building the model, does not count as lag)."""
        self.real_start = monotonic()

    def step(self) -> None:
        """Wait until the next event is due on the wall clock, then process it."""
        due_sim = self.peek()
        if due_sim == Infinity:
            raise EmptySchedule()
        due = self.real_start + (due_sim - self.env_start) * self._factor
        late = monotonic() - due
        if self._strict and late > self._factor:
            raise RuntimeError(f"Simulation too slow for real time ({late:.3f}s).")
        # sleep() may return early (signals, coarse timers): wait in a loop.
        remaining = due - monotonic()
        while remaining > 0:
            sleep(remaining)
            remaining = due - monotonic()
        Environment.step(self)
