"""Metrics of a simulation: faas-sim's ``Metrics`` API over columnar storage in C.

Every measurement is a table whose columns are created on first use; rows are
stored in C buffers (no Python object per row) and read back as NumPy arrays
or a pandas DataFrame::

    >>> import faassim
    >>> env = faassim.Environment()
    >>> def scaler(env):
    ...     for replicas in (1, 3, 2):
    ...         env.metrics.log_scaling("resnet", replicas)
    ...         yield env.timeout(10)
    >>> _ = env.process(scaler(env))
    >>> env.run()
    >>> cols = env.metrics.to_numpy("scale")
    >>> cols["time"].tolist(), cols["value"].tolist(), cols["function_name"].tolist()
    ([0.0, 10.0, 20.0], [1, 3, 2], ['resnet', 'resnet', 'resnet'])
    >>> env.metrics.summary("scale")["value"]["max"]
    3.0

Differences from faas-sim, on purpose:

- Timestamps are simulated seconds (``env.now``), never wall-clock time:
  ``extract_dataframe`` indexes rows by a float index named ``'time'`` instead
  of faas-sim's ``DatetimeIndex`` of the host's clock, so results are
  deterministic.
- A column keeps one type. bool, int and float values mix (the column widens
  to the widest: bool -> int -> float), ``None`` is a missing value, and any
  other mix (an int field that later receives a str, say) raises
  ``TypeError`` naming the measurement, the column and the value; the call
  then stores nothing. Log values of different kinds under different names.
- ``'time'`` is the timestamp and cannot be a field; ``log(..., time=t)`` sets
  the timestamp explicitly (as faas-sim's ``RuntimeLogger.log`` does).
- ``records`` is built on demand from the columns (slow: one Python object per
  value); missing values are left out of a record's fields and tags.
- Measurements can keep aggregates only (``keep_records=False`` or
  ``set_keep_records``): memory stays flat and ``summary`` still works.
- Ids in the platform's measurements are deterministic: ``replica_id`` is the
  replica's number in its environment (faas-sim logged ``id(replica)``, a
  memory address) and ``function_id`` is the deployment's name (faas-sim
  logged ``id()`` of a deployment or container), so two runs of one
  experiment log equal rows.
- ``log_finish_schedule(replica, node, reason)`` takes the chosen node (or
  None) and a reason instead of a skippy ``SchedulingResult``;
  ``log_allocation`` and ``log_replica_failed`` are new hooks.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional

import numpy as np

from faassim import _core
from faassim._warn import warn
from faassim.cluster import SchedulingResult

__all__ = ["Metrics", "Record", "SimulatedClock", "RuntimeLogger"]

_I64_NULL = np.iinfo(np.int64).min

#: The measurements faassim's platform, monitor, autoscalers and network log
#: (some only in some runs), and those faas-sim's analysis code reads that
#: faassim does not log (``functions``, ``cpu_load``, ``utilization``,
#: ``simulation_duration``, ``prediction_time``: empty in faas-sim too, so
#: ported scripts behave the same): asking for one that has no rows gives
#: an empty table without a warning; any other name never logged warns
#: (:class:`~faassim.FaassimWarning`).
PLATFORM_MEASUREMENTS = frozenset(
    {
        "cpu_load",
        "functions",
        "prediction_time",
        "simulation_duration",
        "utilization",
        "allocation",
        "autoscaler",
        "energy",
        "fets",
        "flow",
        "function_deployment",
        "function_deployment_lifecycle",
        "function_deployments",
        "function_replicas",
        "function_utilization",
        "invocations",
        "network",
        "node_utilization",
        "power",
        "replica_deployment",
        "scale",
        "schedule",
    }
)


class Record(NamedTuple):
    """One logged row, as faas-sim's ``sim.logging.Record``: the measurement
    name, the time (simulated seconds), the fields and the tags."""

    measurement: str
    time: float
    fields: Dict[str, Any]
    tags: Dict[str, Any]


def _import_pandas(who: str):
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            f"{who} needs pandas, an optional dependency of faassim: "
            "pip install pandas (or pip install 'faassim[pandas]')"
        ) from exc
    return pandas


def _name_of(obj: Any) -> Any:
    """A node or link given by name or as an object with a ``name``."""
    return obj if isinstance(obj, str) else getattr(obj, "name", obj)


def _node_name(node: Any) -> str:
    """The name of a replica's node, or ``'None'`` (as faas-sim logged it)
    when the replica is not placed."""
    return "None" if node is None else _name_of(node)


def _utilization_fields(capacity: Any, utilization: Any) -> Dict[str, Any]:
    """faas-sim's ``Metrics.__calculate_util``: the utilization's resources,
    then ``cpu_util`` = cpu / ``capacity.cpu_millis`` and ``mem_util`` =
    memory / ``capacity.memory`` (the int 0 when the resource is absent)."""
    cpu = utilization.get_resource("cpu")
    memory = utilization.get_resource("memory")
    fields = utilization.list_resources()
    fields["cpu_util"] = cpu / capacity.cpu_millis if cpu is not None else 0
    fields["mem_util"] = memory / capacity.memory if memory is not None else 0
    return fields


def _error_text(error: Any) -> str:
    """A short text for a failure: ``'TypeName: message'`` for an exception
    (just ``'TypeName'`` when the message is empty), else ``str(error)``."""
    if isinstance(error, BaseException):
        message = str(error)
        return f"{type(error).__name__}: {message}" if message else type(error).__name__
    return str(error)


class SimulatedClock:
    """SimulatedClock(env)

    faas-sim's clock that reads the simulated time: ``now()`` is
    ``env.now``. faassim's metrics are always stamped with simulated time, so
    this is what every :class:`RuntimeLogger` uses.

    >>> import faassim
    >>> env = faassim.Environment(initial_time=5)
    >>> SimulatedClock(env).now()
    5
    """

    def __init__(self, env: Any):
        if not isinstance(env, _core.Environment):
            raise TypeError(f"SimulatedClock(env): env must be a faassim Environment, not {type(env).__name__} ({env!r})")
        self.env = env

    def now(self) -> Any:
        return self.env.now


class RuntimeLogger:
    """RuntimeLogger(clock=None)

    faas-sim's logger, taken by ``Metrics(env, log=RuntimeLogger(...))`` so
    that faas-sim code ports unchanged. faassim stores the rows itself, in C,
    stamped with the simulated time: the logger only carries *clock* (a
    :class:`SimulatedClock`, or None; faas-sim's default was the wall clock,
    which faassim never uses).
    """

    def __init__(self, clock: Optional[SimulatedClock] = None):
        if clock is not None and not callable(getattr(clock, "now", None)):
            raise TypeError(f"RuntimeLogger(clock): clock must be a SimulatedClock or None, not {clock!r}")
        self.clock = clock


class Metrics(_core.Metrics):
    """Metrics(env, log=None, *, keep_records=True)

    Instrumentation of a simulation (faas-sim's ``sim.metrics.Metrics``).
    ``log(metric, value, **tags)`` appends a row at ``env.now``; results come
    back with ``to_numpy(name)``, ``extract_dataframe(name)`` (pandas),
    ``summary(name)`` and ``records``. Subclass it and set ``env.metrics`` to
    record more or less; the ``log_*`` hooks are the names the platform calls.
    The hooks that take a replica read its ``replica_id``, ``fn_name``,
    ``image`` and ``node`` (a node with a ``name``, or None before placement).
    """

    def __init__(self, env: Any, log: Optional[RuntimeLogger] = None, *, keep_records: bool = True):
        # faas-sim's second argument: a RuntimeLogger (kept as ``logger``;
        # the rows are stored in C with simulated time whatever its clock)
        if log is not None and not isinstance(log, RuntimeLogger):
            raise TypeError(f"Metrics(env, log): log must be a RuntimeLogger or None, not {type(log).__name__} ({log!r})")
        super().__init__(env, keep_records=keep_records)
        self.logger = log

    # -- faas-sim's generic API -------------------------------------------------

    def get(self, name: str, **tags: Any) -> Callable[[Any], None]:
        """get(name, **tags) -> callable

        Return a function that logs its argument as the value of measurement
        *name* with *tags* (faas-sim's ``RuntimeLogger.get``).

        >>> import faassim
        >>> m = faassim.Metrics(faassim.Environment())
        >>> cpu = m.get("cpu", node="n0")
        >>> cpu(0.5); cpu(0.75)
        >>> m.to_numpy("cpu")["value"].tolist()
        [0.5, 0.75]
        """
        return functools.partial(self.log, name, **tags)

    @property
    def records(self) -> List[Record]:
        """Every stored row as a :class:`Record`, in the order logged (slow
        path: builds Python objects for every value; prefer ``to_numpy``)."""
        return [Record._make(r) for r in self._records()]

    def _check_known(self, name: Any, stacklevel: int) -> None:
        """Warn (:class:`~faassim.FaassimWarning`) when *name* was never
        logged and is not one of :data:`PLATFORM_MEASUREMENTS`: a query
        for it silently gives nothing, which is nearly always a misspelt
        name."""
        if not isinstance(name, str) or name in PLATFORM_MEASUREMENTS:
            return
        known = self.measurements()
        if name in known:
            return
        close = difflib.get_close_matches(name, sorted(set(known) | PLATFORM_MEASUREMENTS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        listed = ", ".join(repr(k) for k in known) if known else "none yet"
        warn(
            f"Metrics: measurement {name!r} was never logged{hint}; the result is empty. "
            f"Measurements logged: {listed}",
            stacklevel,
        )

    def to_numpy(self, name: str) -> Dict[str, np.ndarray]:
        """to_numpy(name) -> {column: ndarray}

        The stored rows of measurement *name* as NumPy arrays: ``'time'``
        first, then one array per field and tag (see the module doc). An
        unknown measurement gives ``{'time': <empty array>}`` and, unless
        it is one the platform logs (:data:`PLATFORM_MEASUREMENTS`), a
        :class:`~faassim.FaassimWarning` naming the measurements logged.
        """
        arrays = super().to_numpy(name)
        if len(arrays) == 1:  # only 'time': possibly a table never logged
            self._check_known(name, 2)
        return arrays

    def summary(self, name: str) -> Dict[str, Dict[str, float]]:
        """summary(name) -> {column: {statistic: value}}

        Aggregates of measurement *name*: column -> {'count', 'sum', 'min',
        'max', 'mean', 'std'} for ``'time'`` and every bool, int and float
        column (kept in aggregates-only mode too). An unknown
        measurement gives ``{}`` and, as for :meth:`to_numpy`, a
        :class:`~faassim.FaassimWarning` unless the platform logs it.
        """
        result = super().summary(name)
        if not result:
            self._check_known(name, 2)
        return result

    def extract_dataframe(self, measurement: str):
        """extract_dataframe(measurement) -> pandas.DataFrame

        The stored rows of *measurement*: one column per field and tag, in the
        order they first appeared (fields, then tags, as faas-sim), indexed by
        ``'time'`` in simulated seconds (faas-sim used a wall-clock
        ``DatetimeIndex``). Missing values are NaN (int columns with missing
        values become float64, as pandas does) or None. An unknown or empty
        measurement gives an empty DataFrame (an unknown one also a
        :class:`~faassim.FaassimWarning`, see :meth:`to_numpy`). Needs
        pandas (an optional dependency: ``pip install 'faassim[pandas]'``).
        """
        pd = _import_pandas("Metrics.extract_dataframe()")
        arrays = super().to_numpy(measurement)
        if len(arrays) == 1:
            self._check_known(measurement, 2)
        time = arrays.pop("time")
        data = {}
        for name, arr in arrays.items():
            if arr.dtype == np.int64:
                missing = arr == _I64_NULL
                if missing.any():
                    arr = np.where(missing, np.nan, arr.astype(np.float64))
            data[name] = arr
        return pd.DataFrame(data, index=pd.Index(time, name="time"), columns=list(data))

    # -- faas-sim's log_* hooks that need no platform object --------------------

    def log_scaling(self, function_name: str, replicas: int) -> None:
        """Log that *function_name* is scaled to *replicas* replicas
        (measurement ``'scale'``: value, function_name)."""
        self.log("scale", replicas, function_name=function_name)

    def log_flow(self, num_bytes: float, duration: float, source: Any, sink: Any, action_type: str) -> None:
        """Log a network flow of *num_bytes* over *duration* seconds from
        *source* to *sink* (node names, or objects with a ``name``)
        (measurement ``'flow'``: bytes, duration, source, sink, action_type)."""
        self.log(
            "flow",
            value={"bytes": num_bytes, "duration": duration},
            source=_name_of(source),
            sink=_name_of(sink),
            action_type=action_type,
        )

    def log_network(self, num_bytes: float, data_type: str, link_tags: Optional[Mapping[str, Any]] = None) -> None:
        """Log *num_bytes* of *data_type* sent over a link whose tags are
        *link_tags* (a mapping, or a link object with ``tags``)
        (measurement ``'network'``: value, the link's tags, data_type)."""
        if link_tags is not None and not isinstance(link_tags, Mapping):
            link_tags = getattr(link_tags, "tags", link_tags)
        tags = dict(link_tags or {})
        tags["data_type"] = data_type
        self.log("network", num_bytes, **tags)

    # -- platform hooks: nodes ---------------------------------------------------

    def log_allocation(self, node_name: str, cpu: float, mem: float) -> None:
        """Log the share of *node_name*'s capacity that is allocated to
        replicas, *cpu* and *mem* as fractions in [0, 1] (faas-sim logged it
        inline in its platform) (measurement ``'allocation'``: cpu, mem, node).
        """
        self.log("allocation", {"cpu": cpu, "mem": mem}, node=_name_of(node_name))

    # -- resource monitor ----------------------------------------------------------

    def log_function_resource_utilization(self, replica: Any, utilization: Any) -> None:
        """Log what *replica* holds (*utilization*, a ``ResourceUtilization``)
        on its node (measurement ``'function_utilization'``: every resource of
        the utilization by name, ``cpu_util``, ``mem_util``, node,
        replica_id). ``cpu_util`` is cpu / ``node.capacity.cpu_millis`` and
        ``mem_util`` memory / ``node.capacity.memory``, the int 0 when the
        resource is absent: faas-sim's formula, which divides cpu by
        millicores even though its characterizations put cpu as a fraction
        of the node. The resource monitor calls it; left alone, the monitor
        writes the same rows in C.

        >>> import faassim, types
        >>> m = faassim.Metrics(faassim.Environment())
        >>> u = faassim.ResourceUtilization()
        >>> u.put_resource("cpu", 500); u.put_resource("memory", 2**30)
        >>> node = faassim.Node("n0", "2", "4Gi")
        >>> m.log_function_resource_utilization(types.SimpleNamespace(node=node, replica_id=3), u)
        >>> {k: v.tolist() for k, v in m.to_numpy("function_utilization").items()}
        {'time': [0.0], 'cpu': [500.0], 'memory': [1073741824.0], 'cpu_util': [0.25], 'mem_util': [0.25], 'node': ['n0'], 'replica_id': [3]}
        """
        node = replica.node
        self.log(
            "function_utilization",
            _utilization_fields(node.capacity, utilization),
            node=node.name,
            replica_id=replica.replica_id,
        )

    def log_resource_utilization(self, node_name: str, capacity: Any, utilization: Any) -> None:
        """Log the total *utilization* of node *node_name* of *capacity*
        (measurement ``'node_utilization'``: every resource by name,
        ``cpu_util``, ``mem_util`` as in
        :meth:`log_function_resource_utilization`, node)."""
        self.log("node_utilization", _utilization_fields(capacity, utilization), node=node_name)

    # -- power and energy ------------------------------------------------------

    def log_power(self, node_name: str, watts: float) -> None:
        """Log the power a node draws now (measurement ``'power'``: watts, in
        W, idle included; node). The resource monitor calls it at each sample
        for every node with power accounting (see :class:`faassim.Energy`);
        left alone, the monitor writes the same rows in C.

        >>> import faassim
        >>> m = faassim.Metrics(faassim.Environment())
        >>> m.log_power("nano_0", 2.5)
        >>> {k: v.tolist() for k, v in m.to_numpy("power").items()}
        {'time': [0.0], 'watts': [2.5], 'node': ['nano_0']}
        """
        self.log("power", {"watts": watts}, node=_name_of(node_name))

    def log_energy(self, node_name: str, joules: float) -> None:
        """Log the energy a node has used so far (measurement ``'energy'``:
        joules, exact, idle included; node). The resource monitor calls it
        after :meth:`log_power`, for the same nodes; left alone, it writes the
        same rows in C. (Per request, the ``fets`` rows of a
        :class:`faassim.PowerPredictionSimulator` carry ``watts`` and
        ``joules``.)

        >>> import faassim
        >>> m = faassim.Metrics(faassim.Environment())
        >>> m.log_energy("nano_0", 12.5)
        >>> {k: v.tolist() for k, v in m.to_numpy("energy").items()}
        {'time': [0.0], 'joules': [12.5], 'node': ['nano_0']}
        """
        self.log("energy", {"joules": joules}, node=_name_of(node_name))

    # -- function deployments ------------------------------------------------

    def log_function_deployment(self, fd: Any) -> None:
        """Log that the deployment *fd* is deployed
        (measurement ``'function_deployments'``: name, type=``'deploy'``)."""
        self.log("function_deployments", {"name": fd.name}, type="deploy")

    def log_function_deployment_lifecycle(self, fd: Any, event: str) -> None:
        """Log the lifecycle *event* of the deployment *fd* (measurement
        ``'function_deployment_lifecycle'``: value=*event*, name,
        function_id). function_id is the deployment's name (faas-sim logged
        ``id(fd)``, which differs from run to run)."""
        self.log("function_deployment_lifecycle", event, name=fd.name, function_id=fd.name)

    # -- replicas --------------------------------------------------------------

    def log_function_replica(self, replica: Any) -> None:
        """Log a new replica (measurement ``'function_replicas'``: name,
        pod=``'pod-<name>-<replica_id>'``, image, replica_id)."""
        name = replica.fn_name
        replica_id = replica.replica_id
        self.log(
            "function_replicas",
            {"name": name, "pod": f"pod-{name}-{replica_id}", "image": replica.image},
            replica_id=replica_id,
        )

    def _log_replica_deployment(self, replica: Any, value: str) -> None:
        """One row of ``'replica_deployment'`` with value *value*."""
        self.log(
            "replica_deployment",
            value,
            function_name=replica.fn_name,
            node_name=_node_name(replica.node),
            replica_id=replica.replica_id,
        )

    def log_deploy(self, replica: Any) -> None:
        """Log that the platform starts deploying *replica* on its node
        (measurement ``'replica_deployment'``: value=``'deploy'``,
        function_name, node_name, replica_id)."""
        self._log_replica_deployment(replica, "deploy")

    def log_startup(self, replica: Any) -> None:
        """Log that *replica* starts up (measurement ``'replica_deployment'``:
        value=``'startup'``, function_name, node_name, replica_id)."""
        self._log_replica_deployment(replica, "startup")

    def log_setup(self, replica: Any) -> None:
        """Log that *replica* is set up (measurement ``'replica_deployment'``:
        value=``'setup'``, function_name, node_name, replica_id)."""
        self._log_replica_deployment(replica, "setup")

    def log_finish_deploy(self, replica: Any) -> None:
        """Log that *replica* is deployed and ready (measurement
        ``'replica_deployment'``: value=``'finish'``, function_name,
        node_name, replica_id)."""
        self._log_replica_deployment(replica, "finish")

    def log_teardown(self, replica: Any) -> None:
        """Log that *replica* is torn down (measurement
        ``'replica_deployment'``: value=``'teardown'``, function_name,
        node_name, replica_id)."""
        self._log_replica_deployment(replica, "teardown")

    def log_replica_failed(self, replica: Any, phase: str, error: Any) -> None:
        """Log that *replica* failed in *phase* (the hook that failed:
        ``'deploy'``, ``'startup'``, ``'setup'``, ``'teardown'`` or
        ``'schedule'``) because of *error*, an exception (logged as
        ``'TypeName: message'``) or any value (logged as ``str(error)``)
        (measurement ``'replica_deployment'``: value=``'failed'``,
        function_name, node_name (``'None'`` if not placed), replica_id,
        phase, error). New in faassim.

        >>> import faassim, types
        >>> m = faassim.Metrics(faassim.Environment())
        >>> r = types.SimpleNamespace(fn_name="pi", node=None, replica_id=3)
        >>> m.log_replica_failed(r, "schedule", "no node fits")
        >>> m.log_replica_failed(r, "deploy", MemoryError("image too large"))
        >>> m.to_numpy("replica_deployment")["error"].tolist()
        ['no node fits', 'MemoryError: image too large']
        """
        self.log(
            "replica_deployment",
            "failed",
            function_name=replica.fn_name,
            node_name=_node_name(replica.node),
            replica_id=replica.replica_id,
            phase=phase,
            error=_error_text(error),
        )

    # -- scheduling ------------------------------------------------------------

    def log_queue_schedule(self, replica: Any) -> None:
        """Log that *replica* is queued for scheduling (measurement
        ``'schedule'``: value=``'queue'``, function_name, image, replica_id)."""
        self.log("schedule", "queue", function_name=replica.fn_name, image=replica.image, replica_id=replica.replica_id)

    def log_start_schedule(self, replica: Any) -> None:
        """Log that the scheduler starts placing *replica* (measurement
        ``'schedule'``: value=``'start'``, function_name, image, replica_id)."""
        self.log("schedule", "start", function_name=replica.fn_name, image=replica.image, replica_id=replica.replica_id)

    def log_finish_schedule(self, replica: Any, node: Any, reason: Optional[str] = None) -> None:
        """Log the scheduler's decision for *replica*: *node* is the chosen
        node, or None when no node fits, and *reason* says why (failures)
        (measurement ``'schedule'``: value=``'finish'``, function_name,
        image, node_name (``'None'`` when no node), successful, replica_id,
        and reason when given). *node* may also be a
        :class:`~faassim.SchedulingResult` (faas-sim's argument): its
        ``suggested_host`` is the node.

        >>> import faassim, types
        >>> m = faassim.Metrics(faassim.Environment())
        >>> r = types.SimpleNamespace(fn_name="pi", image="pi-cpu", replica_id=0)
        >>> m.log_finish_schedule(r, types.SimpleNamespace(name="rpi3_0"))
        >>> m.log_finish_schedule(r, None, "insufficient memory")
        >>> cols = m.to_numpy("schedule")
        >>> cols["node_name"].tolist(), cols["successful"].tolist(), cols["reason"].tolist()
        (['rpi3_0', 'None'], [True, False], [None, 'insufficient memory'])
        >>> m.log_finish_schedule(r, faassim.SchedulingResult(types.SimpleNamespace(name="nx_0"), 3, []))
        >>> m.to_numpy("schedule")["node_name"].tolist()[-1]
        'nx_0'
        """
        if isinstance(node, SchedulingResult):
            node = node.suggested_host
        tags: Dict[str, Any] = {
            "function_name": replica.fn_name,
            "image": replica.image,
            "node_name": _node_name(node),
            "successful": node is not None,
            "replica_id": replica.replica_id,
        }
        if reason is not None:
            tags["reason"] = reason
        self.log("schedule", "finish", **tags)

    # -- function containers on nodes --------------------------------------------

    def _log_function_deployment(self, replica: Any, value: str) -> None:
        """One row of ``'function_deployment'`` with value *value*."""
        name = replica.fn_name
        self.log(
            "function_deployment",
            value,
            name=name,
            image=replica.image,
            function_id=name,
            node=_node_name(replica.node),
        )

    def log_function_deploy(self, replica: Any) -> None:
        """Log that *replica*'s function is deployed on its node (measurement
        ``'function_deployment'``: value=``'deploy'``, name, image,
        function_id, node). function_id is the function's name (faas-sim
        logged ``id()`` of the container)."""
        self._log_function_deployment(replica, "deploy")

    def log_function_suspend(self, replica: Any) -> None:
        """Log that *replica*'s function is suspended on its node (measurement
        ``'function_deployment'``: value=``'suspend'``, name, image,
        function_id (the function's name), node)."""
        self._log_function_deployment(replica, "suspend")

    def log_function_remove(self, replica: Any) -> None:
        """Log that *replica*'s function is removed from its node (measurement
        ``'function_deployment'``: value=``'remove'``, name, image,
        function_id (the function's name; faas-sim logged ``id(fd)``), node)."""
        self._log_function_deployment(replica, "remove")

    # -- requests --------------------------------------------------------------

    def _memory_of(self, function_image: str) -> Optional[int]:
        """The memory (bytes) the container of *function_image* requests, or
        None when the environment has no platform or does not know the
        image."""
        faas = getattr(self.env, "faas", None)
        if faas is None:
            return None
        try:
            container = faas.get_function_index()[function_image]
        except KeyError:
            return None
        return container.get_resource_requirements().get("memory")

    def log_invocation(
        self,
        function_name: str,
        function_image: str,
        node_name: str,
        t_wait: float,
        t_start: float,
        t_exec: float,
        replica_id: int,
        **kwargs: Any,
    ) -> None:
        """Log a finished invocation (measurement ``'invocations'``: t_wait,
        t_exec, t_start, memory, the *kwargs* fields, function_name,
        function_image, node, replica_id, in this column order). memory is
        the memory requirement (bytes) of the container of *function_image*
        in ``env.faas.get_function_index()``, missing (None) when the
        environment has no ``faas`` or it does not know the image.

        >>> import faassim
        >>> m = faassim.Metrics(faassim.Environment())
        >>> m.log_invocation("pi", "pi-cpu", "rpi3_0", 0.5, 1.0, 2.0, 7)
        >>> list(m.to_numpy("invocations"))
        ['time', 't_wait', 't_exec', 't_start', 'memory', 'function_name', 'function_image', 'node', 'replica_id']
        """
        fields = {"t_wait": t_wait, "t_exec": t_exec, "t_start": t_start, "memory": self._memory_of(function_image)}
        fields.update(kwargs)
        self.log(
            "invocations",
            fields,
            function_name=function_name,
            function_image=function_image,
            node=_name_of(node_name),
            replica_id=replica_id,
        )

    def log_start_exec(self, request: Any, replica: Any, **kwargs: Any) -> None:
        """Called by the platform when *request* starts on *replica*
        (faas-sim's hook; logs nothing). The counters faas-sim kept here are
        :attr:`invocations`, :attr:`total_invocations` and
        :attr:`last_invocation`, kept by the platform in C. Leaving this
        method (and :meth:`log_stop_exec`, :meth:`log_invocation`) alone
        lets the platform log invocations without calling Python."""

    def log_stop_exec(self, request: Any, replica: Any, **kwargs: Any) -> None:
        """Called by the platform when *request* ends on *replica*
        (faas-sim's hook; logs nothing)."""

    def _faas_stats(self) -> Dict[str, Dict[str, Any]]:
        """The platform's per-function counters ({} without a platform)."""
        faas = getattr(self.env, "faas", None)
        if faas is None or not hasattr(faas, "function_stats"):
            return {}
        return {fd.name: faas.function_stats(fd.name) for fd in faas.get_deployments()}

    @property
    def invocations(self) -> Dict[str, int]:
        """A dict function name -> requests started (faas-sim's counter)."""
        return {name: s["invoked"] for name, s in self._faas_stats().items()}

    @property
    def total_invocations(self) -> int:
        """Requests started, over all functions (faas-sim's counter)."""
        return sum(self.invocations.values())

    @property
    def last_invocation(self) -> Dict[str, float]:
        """A dict function name -> simulated time its last request started
        (0.0 if none; faas-sim's)."""
        return {name: s["last_invocation"] for name, s in self._faas_stats().items()}

    def log_fet(
        self,
        function_name: str,
        function_image: str,
        node_name: str,
        t_fet_start: float,
        t_fet_end: float,
        replica_id: int,
        request_id: int,
        **kwargs: Any,
    ) -> None:
        """Log the function execution time of a request (measurement
        ``'fets'``: t_fet_start, t_fet_end, the *kwargs* fields,
        function_name, function_image, node, replica_id, request_id). An
        HTTPWatchdog passes t_wait_start and t_wait_end, and a
        PowerPredictionSimulator watts (its power claim) and joules (watts x
        the time the claim was held)."""
        self.log(
            "fets",
            {"t_fet_start": t_fet_start, "t_fet_end": t_fet_end, **kwargs},
            function_name=function_name,
            function_image=function_image,
            node=_name_of(node_name),
            replica_id=replica_id,
            request_id=request_id,
        )
