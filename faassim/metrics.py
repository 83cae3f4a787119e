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
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional

import numpy as np

from faassim import _core

__all__ = ["Metrics", "Record"]

_I64_NULL = np.iinfo(np.int64).min


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


class Metrics(_core.Metrics):
    """Metrics(env, *, keep_records=True)

    Instrumentation of a simulation (faas-sim's ``sim.metrics.Metrics``).
    ``log(metric, value, **tags)`` appends a row at ``env.now``; results come
    back with ``to_numpy(name)``, ``extract_dataframe(name)`` (pandas),
    ``summary(name)`` and ``records``. Subclass it and set ``env.metrics`` to
    record more or less; the ``log_*`` hooks are the names the platform calls.
    """

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

    def extract_dataframe(self, measurement: str):
        """extract_dataframe(measurement) -> pandas.DataFrame

        The stored rows of *measurement*: one column per field and tag, in the
        order they first appeared (fields, then tags, as faas-sim), indexed by
        ``'time'`` in simulated seconds (faas-sim used a wall-clock
        ``DatetimeIndex``). Missing values are NaN (int columns with missing
        values become float64, as pandas does) or None. An unknown or empty
        measurement gives an empty DataFrame. Needs pandas (an optional
        dependency: ``pip install 'faassim[pandas]'``).
        """
        pd = _import_pandas("Metrics.extract_dataframe()")
        arrays = self.to_numpy(measurement)
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
