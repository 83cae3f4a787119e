"""SimPy's ``simpy.util`` on faassim: :func:`start_delayed` and
:func:`subscribe_at`."""

from __future__ import annotations

from typing import Any, Generator

from faassim._core import Environment, Event, Process

__all__ = ["start_delayed", "subscribe_at"]


def start_delayed(env: Environment, generator: Generator, delay: Any) -> Process:
    """Start a process for *generator* *delay* time units from now.

    Returns the helper process that waits and then starts it; its value is
    the started :class:`Process`. Raises ``ValueError`` unless ``delay > 0``.

    >>> import faassim.simpy as simpy
    >>> env = simpy.Environment()
    >>> def hello(env):
    ...     print("started at", env.now)
    ...     yield env.timeout(1)
    >>> _ = start_delayed(env, hello(env), 5)
    >>> env.run()
    started at 5
    """
    if delay <= 0:
        raise ValueError(f"delay(={delay}) must be > 0.")

    def wait_then_start() -> Generator[Event, Any, Process]:
        yield env.timeout(delay)
        return env.process(generator)

    return env.process(wait_then_start())


def subscribe_at(event: Event) -> None:
    """Interrupt the active process when *event* is processed, with the cause
    ``(event, value)`` (if the process is still alive then).

    Raises ``RuntimeError`` if *event* has already been processed.
    """
    env = event.env
    receiver = env.active_process
    if receiver is None:
        raise RuntimeError("subscribe_at() must be called from inside a process")
    if event.callbacks is None:
        raise RuntimeError(f"{event} has already terminated.")

    def notify() -> Generator[Event, Any, None]:
        value = yield event
        if receiver.is_alive:
            receiver.interrupt((event, value))

    env.process(notify())
