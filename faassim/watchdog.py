"""Watchdog simulators: a worker pool per replica, and the claim / execute /
release steps of every request (faas-sim's ``sim.faas.watchdogs``).

:class:`HTTPWatchdog` makes a request wait for one of ``workers`` workers
(FIFO), then claims its resources, executes, releases them and logs a
``fets`` row (``t_fet_start``, ``t_fet_end``, ``t_wait_start``,
``t_wait_end``). :class:`ForkingWatchdog` has no limit and no queue. Both run
in C; with a :class:`~faassim.FunctionCharacterization` they claim the
characterized ``cpu``, ``gpu``, ``blkio``, ``net`` and ``ram`` on
``env.resource_state`` and draw the execution time from its ``fet_oracle``
(in C, from ``env.rng``). Override ``claim_resources``, ``execute`` or
``release_resources`` (generator or plain function) to change one step; the
others stay in C. :class:`PowerPredictionSimulator` also claims the
request's predicted ``power`` (see :mod:`faassim.energy`).

On a node with cpu sharing (``Node(..., cpu_sharing="proportional")`` or
``"equal"``, or ``env.faas.set_cpu_sharing``; ``gpu_sharing`` for the gpu),
the C ``execute`` step does the sampled execution time as *work*: seconds at
full speed, done at the request's share of the node's cpu (and gpu: the
lower of the two). While the running executions claim no
more than the node's capacity every one runs at full speed (the same times
as without sharing); beyond it they stretch, and each change of the set of
executions on the node reschedules their completions (in C). An ``execute``
override asks for the same with ``yield self.execute_work(env, replica,
request, seconds)`` (``super().execute(...)`` does it for the sampled time).

An overridden ``invoke`` can run the whole sequence with ``yield from
super().invoke(env, replica, request)``: its steps get the same request,
which stays in flight until the sequence ends (one sequence per request at a
time). A step that raises releases the request's claims, frees its worker
(the queue goes on) and fails the request and its replica, as an ``invoke``
error does; under ``super().invoke`` it goes to the caller through the event
it got instead (and fails them if ``invoke`` lets it through).

>>> import faassim as fs
>>> from faassim.distributions import Constant
>>> ch = fs.FunctionCharacterization(
...     "img", fs.FetOracle({("node", "img"): Constant(0.5)}),
...     fs.ResourceOracle({("node", "img"): fs.FunctionResourceCharacterization(0.25, 0, 0, 0, 0.1)}))
>>> env = fs.Environment(seed=1)
>>> env.topology = fs.Topology([fs.Node("node_0", "2", "4Gi")])
>>> class Factory(fs.SimulatorFactory):
...     def create(self, env, container):
...         return fs.HTTPWatchdog(workers=1, characterization=ch)
>>> env.simulator_factory = Factory()
>>> fn = fs.Function("f", [fs.FunctionImage("img")])
>>> _ = env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))
>>> _ = env.faas.add_source("f", fs.Replay([0.0, 0.1]))
>>> env.run()
>>> fets = env.metrics.to_numpy("fets")
>>> fets["t_wait_start"].tolist(), fets["t_fet_start"].tolist(), fets["t_fet_end"].tolist()
([0.0, 0.1], [0.0, 0.5], [0.5, 1.0])
"""

from __future__ import annotations

from typing import Any, List, Optional

from faassim._core import PowerPredictionSimulator as _PowerPredictionSimulator
from faassim._core import Watchdog

__all__ = ["Watchdog", "ForkingWatchdog", "HTTPWatchdog", "WorkerQueue", "PowerPredictionSimulator"]


class WorkerQueue:
    """The worker pool of a watchdog seen as a SimPy ``Resource`` (what
    faas-sim's ``HTTPWatchdog.queue`` was): ``capacity`` (workers),
    ``count`` (busy workers), ``users`` and ``queue`` (lists whose length
    counts the requests served and waiting; ``queue`` holds the waiting
    requests' ids). A snapshot, made on access."""

    def __init__(self, watchdog: Watchdog):
        workers, busy, waiting = watchdog._queue_state()
        self.capacity: float = workers if workers else float("inf")
        self.count: int = busy
        self.users: List[None] = [None] * busy
        self.queue: List[int] = waiting

    def __repr__(self) -> str:
        return f"<WorkerQueue {self.count}/{self.capacity} busy, {len(self.queue)} waiting>"


class ForkingWatchdog(Watchdog):
    """ForkingWatchdog(characterization=None): every request runs at once
    (no worker limit, no queue)."""

    def __init__(self, characterization: Optional[Any] = None):
        super().__init__(0, characterization)

    @property
    def queue(self) -> WorkerQueue:
        """The (unlimited) worker pool as a SimPy-like Resource snapshot."""
        return WorkerQueue(self)


class HTTPWatchdog(Watchdog):
    """HTTPWatchdog(workers, characterization=None): ``workers`` requests
    run at a time per replica; the others wait in FIFO order.
    ``self.queue`` shows the pool as faas-sim's ``simpy.Resource``
    (``len(replica.simulator.queue.queue)`` is the number waiting)."""

    def __init__(self, workers: int, characterization: Optional[Any] = None):
        if isinstance(workers, bool) or not isinstance(workers, int):
            raise TypeError(f"HTTPWatchdog: workers must be an int >= 1, not {type(workers).__name__} ({workers!r})")
        if workers < 1:
            raise ValueError(f"HTTPWatchdog: workers must be an int >= 1, got {workers!r}")
        super().__init__(workers, characterization)

    @property
    def queue(self) -> WorkerQueue:
        """The worker pool as a SimPy-like Resource snapshot."""
        return WorkerQueue(self)


class PowerPredictionSimulator(_PowerPredictionSimulator):
    __doc__ = _PowerPredictionSimulator.__doc__

    @property
    def queue(self) -> WorkerQueue:
        """The worker pool (``workers``, 0 for no limit) as a SimPy-like
        Resource snapshot, as :attr:`HTTPWatchdog.queue`."""
        return WorkerQueue(self)
