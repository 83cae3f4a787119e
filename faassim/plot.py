"""Plots of a run's measurements, drawn with matplotlib (an optional
dependency: ``pip install 'faassim[plot]'``).

Every function takes what a researcher holds after a run: the
:class:`~faassim.Environment`, its :class:`~faassim.Metrics`, a
:class:`~faassim.scenario.ScenarioResult`, or the measurement's table itself
(``env.metrics.extract_dataframe(name)``, a pandas DataFrame, or
``env.metrics.to_numpy(name)``, a dict of arrays). It draws on ``ax`` (a new
figure's axes when None) and returns the matplotlib ``Axes``, so plots
combine and can be styled further. The lines carry the table's numbers
unchanged (times in simulated seconds), one line per function, node type or
node, in sorted order of their names.

- :func:`latency_cdf`: the empirical CDF of each function's response (or
  wait, or execution) time, from ``invocations``;
- :func:`utilization`: a resource of the nodes over time per node type, from
  the resource monitor's ``node_utilization`` rows;
- :func:`power` and :func:`energy`: the nodes' power (W) and energy so far
  (J) over time per node type, from the monitor's ``power`` and ``energy``
  rows;
- :func:`replicas`: each function's ready replicas over time, from
  ``replica_deployment``;
- :func:`flows`: every network transfer as a bar from its start to its end,
  by kind (image pull, data download, ...), from ``flow``;
- :func:`network`: each link's utilization (or bytes, or busy time), from the
  ``network`` rows of ``env.net.log_network()``.

A table without rows raises ``ValueError`` saying what logs it, rather than
drawing an empty plot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from faassim import _core
from faassim.topology import node_type_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["latency_cdf", "utilization", "power", "energy", "replicas", "flows", "network"]

Grouping = Union[str, Mapping[str, str], Callable[[str], str]]

_WHAT_LOGS = {
    "invocations": "completed requests log them",
    "node_utilization": "a ResourceMonitor logs them (ResourceMonitor(env, interval).start())",
    "power": "a ResourceMonitor logs them for nodes with a power model (env.power_models)",
    "energy": "a ResourceMonitor logs them for nodes with a power model (env.power_models)",
    "replica_deployment": "the platform logs them as replicas deploy",
    "flow": "finished transfers on env.net log them (a topology with links)",
    "network": "env.net.log_network() logs one row per link",
}


def _axes(ax: Optional[Axes], who: str) -> Axes:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"faassim.plot.{who}() needs matplotlib, an optional dependency of faassim: "
            "pip install matplotlib (or pip install 'faassim[plot]')"
        ) from exc
    _, new = plt.subplots()
    return new


def _env_of(data: Any) -> Any:
    if isinstance(data, _core.Environment):
        return data
    env = getattr(data, "env", None)  # a ScenarioResult, or Metrics bound to an environment
    return env if isinstance(env, _core.Environment) else None


def _table(data: Any, measurement: str, need: Sequence[str], who: str) -> Dict[str, np.ndarray]:
    """The columns of *measurement* as arrays, from any of the accepted
    kinds of *data*; the time column is ``'time'``."""
    env = _env_of(data)
    if env is not None and not isinstance(data, _core.Metrics):
        data = env.metrics
    if isinstance(data, _core.Metrics):
        cols = {k: np.asarray(v) for k, v in data.to_numpy(measurement).items()}
    elif isinstance(data, Mapping):
        cols = {str(k): np.asarray(v) for k, v in data.items()}
    elif hasattr(data, "columns") and hasattr(data, "index") and hasattr(data, "to_numpy"):  # a DataFrame
        cols = {str(c): data[c].to_numpy() for c in data.columns}
        if "time" not in cols:
            cols["time"] = np.asarray(data.index.to_numpy(), dtype=np.float64)
    else:
        raise TypeError(
            f"faassim.plot.{who}(): data must be an Environment, its Metrics, a ScenarioResult, or the "
            f"{measurement!r} table (a pandas DataFrame or a dict of arrays), not {type(data).__name__} ({data!r:.80})"
        )
    if len(cols.get("time", ())) == 0:
        raise ValueError(
            f"faassim.plot.{who}(): the {measurement!r} table has no rows; {_WHAT_LOGS.get(measurement, 'log some')}"
        )
    missing = [c for c in need if c not in cols]
    if missing:
        raise ValueError(
            f"faassim.plot.{who}(): the {measurement!r} table has no column {', '.join(map(repr, missing))}; "
            f"its columns: {', '.join(sorted(cols))}"
        )
    cols["time"] = np.asarray(cols["time"], dtype=np.float64)
    return cols


def _names(values: np.ndarray) -> np.ndarray:
    return np.array([str(v) for v in values], dtype=object)


def _selected(names: np.ndarray, wanted: Optional[Sequence[str]], what: str, who: str) -> List[str]:
    present = sorted(set(names.tolist()))
    if wanted is None:
        return present
    if isinstance(wanted, str):
        wanted = [wanted]
    unknown = [w for w in wanted if w not in present]
    if unknown:
        raise ValueError(
            f"faassim.plot.{who}(): no rows for {what} {', '.join(map(repr, unknown))}; "
            f"the table has {', '.join(map(repr, present))}"
        )
    return list(wanted)


def _grouper(by: Grouping, data: Any, who: str) -> Callable[[str], str]:
    if isinstance(by, str):
        if by == "node":
            return str
        if by == "node_type":
            types: Dict[str, str] = {}
            env = _env_of(data)
            topology = getattr(env, "topology", None) if env is not None else None
            if topology is not None and hasattr(topology, "get_nodes"):
                for node in topology.get_nodes():
                    node_type = getattr(node, "node_type", None)
                    if node_type:
                        types[str(node.name)] = str(node_type)
            return lambda name: types.get(name) or node_type_of(name)
        raise ValueError(
            f"faassim.plot.{who}(): by must be 'node_type', 'node', a mapping node name -> group or a function "
            f"of the node name, not {by!r}"
        )
    if isinstance(by, Mapping):
        groups = by

        def lookup(name: str) -> str:
            try:
                return str(groups[name])
            except KeyError:
                raise ValueError(f"faassim.plot.{who}(): node {name!r} is not in the mapping given as by") from None

        return lookup
    if callable(by):
        return lambda name: str(by(name))
    raise TypeError(
        f"faassim.plot.{who}(): by must be 'node_type', 'node', a mapping or a function, not {type(by).__name__}"
    )


def _per_group(
    times: np.ndarray, values: np.ndarray, groups: np.ndarray, how: str, who: str
) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """For each group (sorted), its distinct times (sorted) and the sum or
    mean of its values at each."""
    if how not in ("sum", "mean"):
        raise ValueError(f"faassim.plot.{who}(): how must be 'sum' or 'mean', not {how!r}")
    values = np.asarray(values, dtype=np.float64)
    out = {}
    for group in sorted(set(groups.tolist())):
        sel = groups == group
        t, at = np.unique(times[sel], return_inverse=True)
        y: np.ndarray = np.bincount(at, weights=values[sel], minlength=len(t))
        if how == "mean":
            y = y / np.bincount(at, minlength=len(t))
        out[group] = (t, y)
    return out


def _node_lines(
    data: Any, measurement: str, column: str, by: Grouping, how: str, ax: Optional[Axes], who: str, ylabel: str
) -> Axes:
    cols = _table(data, measurement, [column, "node"], who)
    group_of = _grouper(by, data, who)
    groups = np.array([group_of(n) for n in _names(cols["node"])], dtype=object)
    lines = _per_group(cols["time"], cols[column], groups, how, who)
    ax = _axes(ax, who)
    for group, (t, y) in lines.items():
        ax.plot(t, y, label=group)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel(ylabel)
    ax.legend(title=by if isinstance(by, str) else None)
    return ax


def latency_cdf(
    data: Any,
    *,
    latency: str = "response",
    functions: Optional[Sequence[str]] = None,
    ax: Optional[Axes] = None,
) -> Axes:
    """latency_cdf(data, *, latency="response", functions=None, ax=None) -> Axes

    The empirical CDF of each function's latency from the ``invocations``
    rows: ``"response"`` is ``t_wait + t_exec`` (arrival to end), ``"wait"``
    is ``t_wait`` (arrival to the start of execution: queueing and cold
    starts), ``"exec"`` is ``t_exec``. One step line per function (all, or
    those named in *functions*): x the sorted latencies (s), y the fraction
    of the function's requests at or below each, ``1/n ... 1``."""
    who = "latency_cdf"
    columns = {"response": ("t_wait", "t_exec"), "wait": ("t_wait",), "exec": ("t_exec",)}
    if latency not in columns:
        raise ValueError(f"faassim.plot.{who}(): latency must be 'response', 'wait' or 'exec', not {latency!r}")
    cols = _table(data, "invocations", [*columns[latency], "function_name"], who)
    names = _names(cols["function_name"])
    values = np.zeros(len(names))
    for column in columns[latency]:
        values = values + np.asarray(cols[column], dtype=np.float64)
    chosen = _selected(names, functions, "function", who)
    ax = _axes(ax, who)
    for name in chosen:
        x = np.sort(values[names == name])
        y = np.arange(1, len(x) + 1) / len(x)
        ax.plot(x, y, drawstyle="steps-post", label=name)
    ax.set_xlabel(f"{latency} time (s)")
    ax.set_ylabel("fraction of requests")
    ax.set_ylim(0, 1.02)
    ax.legend(title="function")
    return ax


def utilization(
    data: Any, *, resource: str = "cpu", by: Grouping = "node_type", how: str = "mean", ax: Optional[Axes] = None
) -> Axes:
    """utilization(data, *, resource="cpu", by="node_type", how="mean", ax=None) -> Axes

    A resource of the nodes over time from the resource monitor's
    ``node_utilization`` rows (one per node with replicas at each sample; the
    column *resource*: ``cpu``, ``ram``, ``gpu``, ... as the function
    simulators claim them, fractions of a node with the reference
    characterizations). One line per group of nodes (*by*: ``"node_type"``,
    from the topology's nodes when the environment is known, else the name
    without its ``_<index>``; ``"node"``; a mapping or function node name ->
    group): at each sample time the mean (or with ``how="sum"`` the total)
    of the rows of the group's nodes."""
    return _node_lines(
        data, "node_utilization", resource, by, how, ax, "utilization", f"{resource} ({how} per {_by_name(by)})"
    )


def power(data: Any, *, by: Grouping = "node_type", how: str = "sum", ax: Optional[Axes] = None) -> Axes:
    """power(data, *, by="node_type", how="sum", ax=None) -> Axes

    The nodes' power over time from the resource monitor's ``power`` rows
    (``watts``, idle included, at each sample): one line per group of nodes
    (*by* as in :func:`utilization`), the group's total (``how="mean"``: per
    node) at each sample time."""
    return _node_lines(data, "power", "watts", by, how, ax, "power", f"power (W, {how} per {_by_name(by)})")


def energy(data: Any, *, by: Grouping = "node_type", how: str = "sum", ax: Optional[Axes] = None) -> Axes:
    """energy(data, *, by="node_type", how="sum", ax=None) -> Axes

    The nodes' energy so far over time from the resource monitor's
    ``energy`` rows (``joules`` since the start, exact integrals): one line
    per group of nodes (*by* as in :func:`utilization`), the group's total
    (``how="mean"``: per node) at each sample time."""
    return _node_lines(data, "energy", "joules", by, how, ax, "energy", f"energy so far (J, {how} per {_by_name(by)})")


def _by_name(by: Grouping) -> str:
    return by.replace("_", " ") if isinstance(by, str) else "group"


def replicas(
    data: Any, *, functions: Optional[Sequence[str]] = None, until: Optional[float] = None, ax: Optional[Axes] = None
) -> Axes:
    """replicas(data, *, functions=None, until=None, ax=None) -> Axes

    Each function's ready replicas over time from the ``replica_deployment``
    rows: a replica counts from its ``finish`` row (deployed, taking
    requests) until its ``teardown`` or ``failed`` row. One step line per
    function (all, or those in *functions*) from the function's first row,
    with a point at each time the count changes, held to *until* (default:
    ``env.now`` when the environment is known, else the table's last row).
    A function whose replicas never got ready (an image pull that has not
    ended, say) stays at 0."""
    who = "replicas"
    cols = _table(data, "replica_deployment", ["value", "function_name", "replica_id"], who)
    names = _names(cols["function_name"])
    chosen = _selected(names, functions, "function", who)
    if until is None:
        env = _env_of(data)
        until = float(env.now) if env is not None else float(cols["time"][-1])
    order = np.argsort(cols["time"], kind="stable")  # rows are logged in time order; a table may be sorted otherwise
    ax = _axes(ax, who)
    for name in chosen:
        ready: set = set()
        xs: List[float] = []
        ys: List[int] = []
        for i in order:
            if names[i] != name:
                continue
            value, rid = str(cols["value"][i]), cols["replica_id"][i]
            if value == "finish":
                ready.add(rid)
            elif value in ("teardown", "failed"):
                ready.discard(rid)
            elif xs:
                continue  # the line starts at the function's first row, then moves at changes
            t = float(cols["time"][i])
            if xs and xs[-1] == t:
                ys[-1] = len(ready)
            else:
                xs.append(t)
                ys.append(len(ready))
        if xs and until > xs[-1]:
            xs.append(until)
            ys.append(ys[-1])
        ax.plot(xs, ys, drawstyle="steps-post", label=name)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("ready replicas")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(title="function")
    return ax


def flows(data: Any, *, ax: Optional[Axes] = None) -> Axes:
    """flows(data, *, ax=None) -> Axes

    Every finished network transfer from the ``flow`` rows (logged at its
    end, with its ``duration``) as a horizontal bar from its start
    (``time - duration``) to its end, one row of the plot per flow in order
    of start, coloured by ``action_type`` (``docker_pull``,
    ``data_download``, ...): one ``LineCollection`` per kind, whose segments
    are ``[(start, row), (end, row)]``."""
    who = "flows"
    cols = _table(data, "flow", ["duration", "action_type"], who)
    end = cols["time"]
    start = end - np.asarray(cols["duration"], dtype=np.float64)
    order = np.lexsort((end, start))  # by start, then end
    row = np.empty(len(order), dtype=np.float64)
    row[order] = np.arange(len(order))
    kinds = _names(cols["action_type"])
    ax = _axes(ax, who)
    for i, kind in enumerate(sorted(set(kinds.tolist()))):
        sel = kinds == kind
        ax.hlines(row[sel], start[sel], end[sel], colors=f"C{i}", linewidth=3, label=kind)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("flow (in order of start)")
    ax.invert_yaxis()
    ax.legend(title="action_type")
    return ax


_NETWORK_LABELS = {
    "utilization": "link utilization (mean since t = 0)",
    "bytes": "bytes carried",
    "busy_time": "busy time (s)",
    "bandwidth": "bandwidth (bytes/s)",
}


def network(data: Any, *, value: str = "utilization", top: Optional[int] = None, ax: Optional[Axes] = None) -> Axes:
    """network(data, *, value="utilization", top=None, ax=None) -> Axes

    The links from the latest ``network`` rows (``env.net.log_network()``
    logs one per link): a bar per link, in order of link id, of *value*
    (``utilization``: the fraction of the time since 0 the link was busy,
    time-weighted; ``bytes``; ``busy_time``; ``bandwidth``); with *top*, only
    the *top* links of the largest value, largest first (ties in order of
    id). Bars are labelled with the links' names when the environment is
    known, else with their ids."""
    who = "network"
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ValueError(f"faassim.plot.{who}(): top must be a link count >= 1 or None, not {top!r}")
    cols = _table(data, "network", [value, "link"], who)
    last = cols["time"] == cols["time"].max()
    ids = np.asarray(cols["link"][last], dtype=np.int64)
    heights = np.asarray(cols[value][last], dtype=np.float64)
    order = np.argsort(ids, kind="stable")
    if top is not None:
        order = order[np.argsort(-heights[order], kind="stable")][:top]
    ids, heights = ids[order], heights[order]
    labels = [str(i) for i in ids]
    env = _env_of(data)
    if env is not None:
        known = env.net.links
        labels = [str(getattr(known[i], "name", i)) if 0 <= i < len(known) else str(i) for i in ids]
    ax = _axes(ax, who)
    ax.bar(np.arange(len(ids)), heights, tick_label=labels)
    ax.set_xlabel("link")
    ax.set_ylabel(_NETWORK_LABELS.get(value, value))
    ax.tick_params(axis="x", labelrotation=90)
    return ax
