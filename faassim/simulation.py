"""Experiments: :class:`Benchmark` and :class:`Simulation`, as faas-sim's
``sim.benchmark.Benchmark`` and ``sim.faassim.Simulation``.

A benchmark prepares the platform in :meth:`Benchmark.setup` (images in the
container registry, power models, ...) and drives the workload in
:meth:`Benchmark.run`, a generator run as a process (deploy functions, send
requests). ``Simulation(topology, benchmark).run()`` puts the topology on the
environment, fills every platform component left unset with a default, starts
the resource monitor and ``env.background_processes``, calls ``setup``, and
runs the simulation until ``run`` returns, or, when the benchmark has a
``duration``, for exactly that many simulated seconds:

>>> import faassim as fs
>>> class Hello(fs.Benchmark):
...     duration = 60.0
...     def run(self, env):
...         fn = fs.Function("hello", [fs.FunctionImage("hello-img")])
...         yield env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))
...         env.faas.add_source("hello", fs.Constant(rate=2))  # at 0.5, 1.0, ... also after run() returns
>>> sim = fs.Simulation(fs.Topology([fs.Node("server_0", "4", "8Gi")]), Hello(), fs.Environment(seed=1))
>>> sim.run()
>>> sim.env.now, sim.env.faas.function_stats("hello")["completed"], type(sim.env.resource_monitor).__name__
(60.0, 119, 'ResourceMonitor')

Differences from faas-sim, on purpose:

- A benchmark's ``duration`` is exact: the simulation stops at ``t0 +
  duration`` (``t0`` is ``env.now`` when :meth:`Simulation.run` starts), with
  ``env.now`` equal to it, whether ``run`` returned earlier (sources keep
  sending until then) or is still going (it is left where it is, like the
  requests in flight). faas-sim's ``BenchmarkBase`` stopped its request
  generators at ``2 * now + duration`` (it waited ``env.now + duration`` from
  ``now``). Without a duration the simulation ends when ``run`` returns, as in
  faas-sim.
- Components are filled from faassim's defaults (``faassim._components``):
  the platform's C scheduler instead of skippy's, ``SimulatorFactory`` (every
  hook zero time) instead of faas-sim's ``SimpleSimulatorFactory`` (image
  pull, 1 s invocations); faas-sim's ``create_*`` hooks are still called for
  the components left unset when you override them.
- ``timeout`` (wall-clock seconds) raises :class:`SimulationTimeoutError`, an
  ``Exception`` (faas-sim's derives from ``BaseException``).
- An exception raised in ``setup`` or ``run`` (or in anything they start)
  reaches the caller of :meth:`Simulation.run` as the original exception with
  its traceback.
"""

from __future__ import annotations

import logging
import numbers
import time
from typing import Any, Callable, Generator, Optional

from faassim import _components
from faassim._core import Environment

__all__ = ["Benchmark", "Simulation", "SimulationTimeoutError"]

logger = logging.getLogger(__name__)

#: The components :meth:`Simulation.init_environment` fills, in faas-sim's order.
COMPONENTS = (
    "simulator_factory",
    "container_registry",
    "faas",
    "metrics",
    "cluster",
    "scheduler",
    "load_balancer",
    "metrics_server",
    "resource_state",
    "resource_monitor",
)

# Progress callbacks are called at most this many times per run with a duration.
_PROGRESS_STEPS = 100


class SimulationTimeoutError(TimeoutError):
    """The simulation ran longer than the wall-clock ``timeout`` given to
    :class:`Simulation` (faas-sim's, but an ``Exception``)."""


class Benchmark:
    """Benchmark(duration=None)

    An experiment's workload (faas-sim's ``Benchmark``): override
    :meth:`setup` to prepare the environment before the simulation starts
    and :meth:`run`, a generator, to deploy functions and send requests.
    With a ``duration`` (simulated seconds; a class attribute or the
    constructor's argument) :class:`Simulation` runs for exactly that long;
    without one, until :meth:`run` returns.

    >>> Benchmark(duration=30).duration, Benchmark().duration
    (30.0, None)
    """

    #: Simulated seconds the simulation runs for (None: until run() returns).
    duration: Optional[float] = None

    def __init__(self, duration: Optional[float] = None):
        if duration is not None:
            self.duration = _check_duration(duration)

    def setup(self, env: Environment) -> None:
        """setup(env)

        Prepare *env* before the simulation starts (register images in
        ``env.container_registry``, set power models, ...). Called once, after
        the components are filled and the resource monitor started."""

    def run(self, env: Environment) -> Generator[Any, Any, Any]:
        """run(env) (generator)

        The workload, run as a process: deploy functions (``yield
        env.faas.deploy(fd)``), send requests (``env.faas.invoke``,
        ``env.faas.add_source``), wait for them. The default does nothing."""
        yield env.timeout(0)


def _check_duration(duration: Any) -> float:
    if isinstance(duration, bool) or not isinstance(duration, numbers.Real):
        raise TypeError(f"Benchmark duration must be a number of seconds, not {type(duration).__name__} {duration!r}")
    value = float(duration)
    if not (value > 0 and value != float("inf")):
        raise ValueError(f"Benchmark duration must be finite and > 0, got {duration!r}")
    return value


class Simulation:
    """Simulation(topology, benchmark, env=None, timeout=None, name=None)

    Runs *benchmark* on *topology* in *env* (a new ``Environment()`` if
    None), as faas-sim's ``Simulation``. :meth:`run`:

    1. sets ``env.topology`` and ``env.benchmark``;
    2. fills every component left unset (see :meth:`init_environment`);
    3. starts ``env.resource_monitor`` (if not None);
    4. calls ``benchmark.setup(env)``;
    5. starts the platform: ``env.faas.start()``, which starts every
       ``env.background_processes`` entry (a callable ``env -> generator``);
    6. runs ``benchmark.run(env)`` as a process, and the simulation until it
       returns, or for exactly ``benchmark.duration`` seconds.

    *timeout* is a limit in wall-clock seconds (:class:`SimulationTimeoutError`).
    """

    def __init__(
        self,
        topology: Any,
        benchmark: Benchmark,
        env: Optional[Environment] = None,
        timeout: Optional[float] = None,
        name: Optional[str] = None,
    ):
        if env is None:
            env = Environment()
        elif not isinstance(env, Environment):
            raise TypeError(f"Simulation: env must be a faassim.Environment or None, not {type(env).__name__} {env!r}")
        if not callable(getattr(benchmark, "run", None)) or not callable(getattr(benchmark, "setup", None)):
            raise TypeError(f"Simulation: benchmark must have setup(env) and run(env) (a Benchmark), got {benchmark!r}")
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"Simulation: timeout must be a number of wall-clock seconds > 0 or None, got {timeout!r}")
        self.env = env
        self.topology = topology
        self.benchmark = benchmark
        self.timeout = timeout
        self.name = name

    # -- running -------------------------------------------------------------

    def run(self, progress: Optional[Callable[[float, Optional[float]], None]] = None) -> None:
        """run(progress=None)

        Run the experiment (see the class documentation). *progress*, if
        given, is called as ``progress(now, end)`` as simulated time passes
        (about 100 times over a benchmark's duration, then once at the end;
        *end* is None without a duration); it does not change the results.
        Exceptions from the benchmark, the hooks it runs and *progress* reach
        the caller."""
        env = self.env
        benchmark = self.benchmark
        nodes = getattr(self.topology, "get_nodes", None)
        logger.info(
            "initializing simulation, benchmark: %s, topology nodes: %s",
            type(benchmark).__name__,
            len(nodes()) if callable(nodes) else "?",
        )
        env.benchmark = benchmark
        env.topology = self.topology
        self.init_environment(env)
        duration = getattr(benchmark, "duration", None)
        end = None if duration is None else env.now + _check_duration(duration)
        started = time.perf_counter()

        monitor = env.resource_monitor
        if monitor is not None:
            logger.info("starting resource monitor")
            _start_monitor(env, monitor)
        logger.info("setting up benchmark")
        benchmark.setup(env)
        logger.info("starting faas system")
        start = getattr(env.faas, "start", None)
        if callable(start):
            start()
        else:  # a platform of the user's without start(): faas-sim's start did this
            for background in list(env.background_processes):
                env.process(background(env))
        logger.info("starting benchmark process")
        process = env.process(benchmark.run(env))
        logger.info("executing simulation")
        if end is None:
            if self.timeout is not None:
                env.process(_wall_clock_limit(env, process, started, self.timeout))
            env.run(until=process)
        else:
            step = (end - env.now) / _PROGRESS_STEPS
            for k in range(1, _PROGRESS_STEPS + 1):
                until = end if k == _PROGRESS_STEPS else env.now + step
                if until > env.now:
                    env.run(until=until)
                if self.timeout is not None and time.perf_counter() - started > self.timeout:
                    raise SimulationTimeoutError(
                        f"simulation {self.name or type(benchmark).__name__!r} exceeded its timeout of "
                        f"{self.timeout} s (wall clock) at simulated time {env.now}"
                    )
                if progress is not None and k < _PROGRESS_STEPS:
                    progress(env.now, end)
        if progress is not None:
            progress(env.now, end)
        logger.info("simulation ran %.2fs sim, %.2fs wall", env.now, time.perf_counter() - started)

    # -- components ------------------------------------------------------------

    def init_environment(self, env: Environment) -> None:
        """init_environment(env)

        Fill the components of *env* that are unset (None, or never set):
        ``simulator_factory``, ``container_registry``, ``faas``, ``metrics``,
        ``cluster``, ``scheduler`` (made after the cluster, which a
        scheduler of your own may take: ``create_scheduler(env)`` can read
        ``env.cluster``), ``load_balancer``, ``metrics_server``,
        ``resource_state`` and ``resource_monitor`` (``ResourceMonitor(env,
        1)``, as faas-sim; the others get faassim's defaults). Components you
        set are kept. A ``create_<component>`` method you override (on a
        subclass, or on the instance as faas-sim's examples do:
        ``sim.create_simulator_factory = MyFactory``) makes the component
        when it is unset; to run without a monitor, make
        ``create_resource_monitor`` return None."""
        for name in COMPONENTS:
            hook_name = _HOOKS.get(name, f"create_{name}")
            hook = getattr(self, hook_name)
            overridden = hook_name in vars(self) or getattr(type(self), hook_name) is not getattr(Simulation, hook_name)
            current = getattr(env, name)  # never set: the environment makes its default now
            if current is None or (overridden and _components.is_default(env, name)):
                value = hook() if name in _NO_ENV_HOOKS else hook(env)
                setattr(env, name, value)

    def create_simulator_factory(self) -> Any:
        """The simulator factory of an environment that has none (faassim's
        ``SimulatorFactory``: every hook runs in C in zero time)."""
        from faassim.simulator import SimulatorFactory

        return SimulatorFactory()

    def create_container_registry(self) -> Any:
        """The container registry of an environment that has none (empty)."""
        from faassim.topology import ContainerRegistry

        return ContainerRegistry()

    def create_faas_system(self, env: Environment) -> Any:
        """The platform of an environment that has none (``FaasSystem(env)``)."""
        from faassim.faas import FaasSystem

        return FaasSystem(env)

    def create_metrics(self, env: Environment) -> Any:
        """The metrics of an environment that has none (``Metrics(env)``)."""
        from faassim.metrics import Metrics

        return Metrics(env)

    def create_cluster(self, env: Environment) -> Any:
        """The cluster view of an environment that has none
        (``ClusterContext(env)``, skippy's, as faas-sim's
        ``SimulationClusterContext``)."""
        from faassim.cluster import ClusterContext

        return ClusterContext(env)

    def create_scheduler(self, env: Environment) -> Any:
        """The scheduler of an environment that has none (``Scheduler()``,
        least allocated)."""
        from faassim.faas import Scheduler

        return Scheduler()

    def create_load_balancer(self, env: Environment) -> Any:
        """The load balancer of an environment that has none (faas-sim's
        round robin)."""
        from faassim.faas import RoundRobinLoadBalancer

        return RoundRobinLoadBalancer(env)

    def create_metrics_server(self, env: Environment) -> Any:
        """The metrics server of an environment that has none."""
        from faassim.monitor import MetricsServer

        return MetricsServer()

    def create_resource_state(self, env: Environment) -> Any:
        """The resource state of an environment that has none."""
        from faassim._core import ResourceState

        return ResourceState(env)

    def create_resource_monitor(self, env: Environment) -> Any:
        """The resource monitor of an environment that has none
        (``ResourceMonitor(env, 1)``, as faas-sim; None: no monitor)."""
        from faassim.monitor import ResourceMonitor

        return ResourceMonitor(env, 1)

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return f"<Simulation{name} of {type(self.benchmark).__name__}>"


# The hook of a component is create_<component>, but for faas (faas-sim's
# name); faas-sim's hooks for these two take no environment.
_HOOKS = {"faas": "create_faas_system"}
_NO_ENV_HOOKS = ("simulator_factory", "container_registry")


def _start_monitor(env: Environment, monitor: Any) -> None:
    """Start a resource monitor: the C-native loop when its run() is
    faassim's, else its run() as a process (faas-sim's way)."""
    from faassim.monitor import ResourceMonitor

    if isinstance(monitor, ResourceMonitor) and type(monitor).run is ResourceMonitor.run:
        if not monitor.running:
            monitor.start()
    else:
        env.process(monitor.run())


def _wall_clock_limit(env: Environment, process: Any, started: float, limit: float, interval: float = 1.0):
    """faas-sim's timeout_listener: checks the wall clock every simulated
    second while the benchmark's process runs."""
    while process.is_alive:
        yield env.timeout(interval)
        if time.perf_counter() - started > limit:
            raise SimulationTimeoutError(
                f"simulation exceeded its timeout of {limit} s (wall clock) at simulated time {env.now}"
            )
