"""Workloads: Azure Functions traces and faas-sim's request generators.

Replaying a trace attaches C-native request sources (no Python object per
request) to the deployed functions:

- the **Azure Functions 2019** public dataset gives per-minute invocation
  counts (``invocations_per_function_md.anon.d*.csv``: ``HashOwner``,
  ``HashApp``, ``HashFunction``, ``Trigger``, then the counts of minutes
  ``1`` .. ``1440``): :func:`read_azure_2019` reads them and
  :func:`replay_azure_2019` attaches a :class:`~faassim.PerMinute` source
  per function, which reproduces every minute's count exactly;
- the **Azure Functions 2021** trace lists invocations (``app``, ``func``,
  ``end_timestamp``, ``duration`` in seconds): :func:`read_azure_2021` turns
  them into start times ``end_timestamp - duration`` and
  :func:`replay_azure_2021` attaches a :class:`~faassim.Replay` source per
  function whose requests carry the recorded duration as their execution
  time (``FunctionRequest.exec_time``).

Small synthetic traces in both layouts ship with faassim
(:func:`synthetic_azure_path`); :func:`write_synthetic_azure_2019` and
:func:`write_synthetic_azure_2021` made them and make others.

>>> import faassim as fs
>>> from faassim import workload
>>> trace = workload.read_azure_2019(workload.synthetic_azure_path(2019))
>>> len(trace), len(next(iter(trace.values())).counts)
(12, 1440)
>>> env = fs.Environment(seed=1)
>>> env.topology = fs.Topology([fs.Node("server_0", "8", "16Gi")])
>>> fn = fs.Function("api", [fs.FunctionImage("api-cpu")])
>>> _ = env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))
>>> http = [f for f in trace.values() if f.trigger == "http"][0]
>>> sources = workload.replay_azure_2019(env, trace, {http.function: "api"}, minutes=(0, 10))
>>> env.run()
>>> env.faas.function_stats("api")["completed"] == int(http.counts[:10].sum())
True

faas-sim's generators (:func:`constant_rps_profile`,
:func:`sine_rps_profile`, :func:`randomwalk_rps_profile`,
:func:`static_arrival_profile`, :func:`expovariate_arrival_profile`,
:func:`function_trigger`, and :func:`save_requests` and
:func:`pre_recorded_profile`, which record and replay inter-arrival times)
are here too, for code ported from faas-sim; they
run in Python, one process step per request. The C sources
(:class:`~faassim.Poisson`, :class:`~faassim.Sine`,
:class:`~faassim.RandomWalk`, ...) do the same without Python per request.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import os
import pathlib
import pickle
import random as _random
import warnings
from dataclasses import dataclass, field
from importlib import resources as _resources
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from faassim.faas import PerMinute, Replay

__all__ = [
    "Azure2019Function",
    "Azure2021Function",
    "read_azure_2019",
    "read_azure_2021",
    "replay_azure_2019",
    "replay_azure_2021",
    "write_synthetic_azure_2019",
    "write_synthetic_azure_2021",
    "synthetic_azure_path",
    "constant_rps_profile",
    "sine_rps_profile",
    "randomwalk_rps_profile",
    "static_arrival_profile",
    "expovariate_arrival_profile",
    "function_trigger",
    "pre_recorded_profile",
    "save_requests",
]

PathOrFile = Union[str, "os.PathLike[str]", io.TextIOBase, Any]

AZURE_2019_KEYS = ("HashOwner", "HashApp", "HashFunction", "Trigger")
AZURE_2021_COLUMNS = ("app", "func", "end_timestamp", "duration")


# ---------------------------------------------------------------------------
# Azure Functions 2019: per-minute counts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Azure2019Function:
    """One row of an Azure Functions 2019 invocation-count file: the hashed
    owner, app and function, the trigger (``'http'``, ``'timer'``,
    ``'queue'``, ...) and ``counts[m]``, the invocations in minute ``m + 1``
    of the day (an int64 array)."""

    owner: str
    app: str
    function: str
    trigger: str
    counts: np.ndarray = field(repr=False, compare=False)

    @property
    def total(self) -> int:
        """Invocations over all minutes."""
        return int(self.counts.sum())


def _open_text(path_or_file: PathOrFile):
    """(file, close?) for a path or an open text file."""
    if hasattr(path_or_file, "read"):
        return path_or_file, False
    return open(os.fspath(path_or_file), newline="", encoding="utf-8"), True


def _where(path_or_file: PathOrFile) -> str:
    return repr(os.fspath(path_or_file)) if not hasattr(path_or_file, "read") else "the file"


def _parse_counts(text: str, n: int) -> Optional[np.ndarray]:
    """The comma-separated integers of *text* if there are exactly *n* of
    them, else None (the caller then parses the row field by field, for the
    error message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            counts = np.fromstring(text, dtype=np.int64, sep=",")
        except (ValueError, DeprecationWarning):
            return None
    # fromstring saturates a count beyond int64 at its maximum: let the exact
    # parse decide (and name the field)
    if len(counts) != n or (n and counts.max() == np.iinfo(np.int64).max):
        return None
    return counts


def read_azure_2019(path_or_file: PathOrFile, *, key: str = "function") -> Dict[str, Azure2019Function]:
    """read_azure_2019(path_or_file, *, key='function') -> {key: Azure2019Function}

    Read a per-minute invocation-count file of the Azure Functions 2019
    dataset (``invocations_per_function_md.anon.d01.csv`` and the other
    days): a header ``HashOwner,HashApp,HashFunction,Trigger,1,2,...`` (the
    minutes must be numbered 1, 2, ... in order; a day has 1440), then one
    row per function. The result maps each function, in file order, to its
    row; keys are ``HashFunction`` (``key='function'``) or
    ``'HashApp/HashFunction'`` (``key='app'``, for files where one function
    hash occurs in several apps: with ``key='function'`` that raises
    ValueError).
    """
    if key not in ("function", "app"):
        raise ValueError(f"read_azure_2019(): key must be 'function' or 'app', got {key!r}")
    f, close = _open_text(path_or_file)
    where = _where(path_or_file)
    try:
        first = f.readline()
        header = next(csv.reader([first]), None) if first.strip() else None
        if header is None:
            raise ValueError(
                f"read_azure_2019(): {where} is empty (expected the header {','.join(AZURE_2019_KEYS)},1,...)"
            )
        header = [h.strip() for h in header]
        if tuple(header[:4]) != AZURE_2019_KEYS:
            raise ValueError(
                f"read_azure_2019(): {where} does not start with the columns {','.join(AZURE_2019_KEYS)} "
                f"(got {','.join(header[:4])})"
            )
        minutes = header[4:]
        if not minutes or minutes != [str(i) for i in range(1, len(minutes) + 1)]:
            raise ValueError(
                f"read_azure_2019(): {where}: after Trigger the columns must be the minutes 1, 2, ..., N "
                f"(got {','.join(minutes[:5])}{',...' if len(minutes) > 5 else ''})"
            )
        out: Dict[str, Azure2019Function] = {}
        for lineno, line in enumerate(f, start=2):
            if not line.strip():
                continue
            counts = None
            if '"' not in line:  # the datasets' plain lines: the counts parsed in C
                row = line.rstrip("\r\n").split(",", 4)
                if len(row) == 5:
                    counts = _parse_counts(row[4], len(minutes))
                    if counts is None:
                        row = row[:4] + row[4].split(",")
            else:
                row = next(csv.reader([line]))
            if counts is None:
                if len(row) != len(header):
                    raise ValueError(
                        f"read_azure_2019(): {where} line {lineno}: {len(row)} fields, expected {len(header)}"
                    )
                try:
                    counts = np.array(row[4:], dtype=np.int64)
                except ValueError:
                    bad = next(v for v in row[4:] if not v.strip().lstrip("+").isdigit())
                    raise ValueError(
                        f"read_azure_2019(): {where} line {lineno}: counts must be integers >= 0, got {bad!r}"
                    ) from None
                except OverflowError:
                    j = next(j for j, v in enumerate(row[4:]) if abs(int(v)) > np.iinfo(np.int64).max)
                    v = row[4 + j].strip()
                    what = "must be >= 0" if int(v) < 0 else "is more than 2**63 - 1"
                    raise ValueError(
                        f"read_azure_2019(): {where} line {lineno}: the count of minute {header[4 + j]!r}"
                        f" {what}, got {v}"
                    ) from None
            if (counts < 0).any():
                raise ValueError(
                    f"read_azure_2019(): {where} line {lineno}: counts must be >= 0, got {int(counts.min())}"
                )
            rec = Azure2019Function(row[0], row[1], row[2], row[3], counts)
            k = rec.function if key == "function" else f"{rec.app}/{rec.function}"
            if k in out:
                raise ValueError(
                    f"read_azure_2019(): {where} line {lineno}: function {k!r} occurs twice"
                    + (" (in several apps: use key='app')" if key == "function" else "")
                )
            out[k] = rec
        return out
    finally:
        if close:
            f.close()


def _minutes_slice(minutes: Any, n: int) -> slice:
    if minutes is None:
        return slice(0, n)
    if isinstance(minutes, slice):
        if minutes.step not in (None, 1):
            raise ValueError(f"minutes: a slice with step 1, got {minutes!r}")
        return slice(*minutes.indices(n)[:2])
    if isinstance(minutes, (tuple, list)) and len(minutes) == 2 and all(
        isinstance(m, (int, np.integer)) and not isinstance(m, bool) for m in minutes
    ):
        first, stop = int(minutes[0]), int(minutes[1])
        if not 0 <= first <= stop <= n:
            raise ValueError(f"minutes: (first, stop) with 0 <= first <= stop <= {n}, got {minutes!r}")
        return slice(first, stop)
    raise TypeError(f"minutes must be None, a slice or a (first, stop) pair of minute indexes, not {minutes!r}")


def _scaled(counts: np.ndarray, scale: float) -> np.ndarray:
    """counts * scale rounded so that every prefix sum is the rounded prefix
    sum of the exact values (the total is preserved, no minute is off by
    1 or more)."""
    if scale == 1.0:
        return counts.astype(np.int64, copy=True)
    cum = np.floor(np.cumsum(counts, dtype=np.float64) * scale + 0.5).astype(np.int64)
    return np.diff(cum, prepend=0)


def _deployment_for(mapping: Any, key: Any, rec: Any, who: str) -> Optional[str]:
    if callable(mapping):
        name = mapping(rec)
    elif isinstance(mapping, Mapping):
        name = mapping.get(key)
    else:
        raise TypeError(f"{who}: mapping must be a dict or a callable, not {type(mapping).__name__}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"{who}: mapping gave {name!r} for {key!r}; expected a deployment name (str) or None")
    return name


def replay_azure_2019(
    env: Any,
    trace: Union[PathOrFile, Mapping[str, Azure2019Function]],
    mapping: Union[Mapping[str, str], Callable[[Azure2019Function], Optional[str]]],
    *,
    spread: str = "poisson",
    scale: float = 1.0,
    minutes: Any = None,
    start: float = 0.0,
    max_requests: Optional[int] = None,
    until: Optional[float] = None,
) -> Dict[str, Any]:
    """replay_azure_2019(env, trace, mapping, *, spread='poisson', scale=1.0, minutes=None, ...) -> {key: source}

    Replay the per-minute counts of an Azure Functions 2019 file (a path,
    an open file or what :func:`read_azure_2019` returned) on ``env.faas``:
    each trace function that *mapping* sends to a deployment name (a dict
    ``{HashFunction: name}``, or a callable taking the
    :class:`Azure2019Function` and returning a name or None to skip it) gets
    a :class:`~faassim.PerMinute` source on that deployment (several trace
    functions may share one). Minute ``m`` of the selection starts at
    ``env.now + start + 60 * m``.

    *minutes* selects minutes: None (all), a slice, or ``(first, stop)``
    indexes (0-based: ``(0, 60)`` is the first hour, columns 1..60).
    *scale* multiplies every count; the scaled counts are rounded so that
    each cumulative total is the rounded exact one (totals are kept, every
    minute is within one of ``count * scale``); ``scale=1`` replays the
    counts exactly. *spread* is the sources' (``'poisson'`` or
    ``'uniform'``); *max_requests* and *until* are passed to ``add_source``
    for each source. Returns the attached sources by trace key.
    """
    who = "replay_azure_2019()"
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (math.isfinite(scale) and scale >= 0):
        raise ValueError(f"{who}: scale must be a finite number >= 0, got {scale!r}")
    functions = trace if isinstance(trace, Mapping) else read_azure_2019(trace)
    # everything is built and checked before the first source is attached:
    # a bad mapping or selection leaves the platform without a half replay
    planned = []
    for key, rec in functions.items():
        name = _deployment_for(mapping, key, rec, who)
        if name is None:
            continue
        sel = rec.counts[_minutes_slice(minutes, len(rec.counts))]
        planned.append((key, name, PerMinute(_scaled(sel, float(scale)), spread=spread, start=start)))
    deployed = {fd.name for fd in env.faas.get_deployments()}
    for key, name, _ in planned:
        if name not in deployed:
            raise KeyError(
                f"{who}: trace function {key!r} maps to {name!r}, which is not deployed; "
                f"deployed functions: {sorted(deployed)}; no source was attached"
            )
    sources: Dict[str, Any] = {}
    for key, name, src in planned:
        sources[key] = env.faas.add_source(name, src, max_requests=max_requests, until=until)
    return sources


# ---------------------------------------------------------------------------
# Azure Functions 2021: invocations with durations
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Azure2021Function:
    """The invocations of one function of an Azure Functions 2021 trace:
    ``start`` (``end_timestamp - duration``, sorted ascending) and
    ``duration`` (seconds), two float64 arrays in the same order."""

    app: str
    func: str
    start: np.ndarray = field(repr=False, compare=False)
    duration: np.ndarray = field(repr=False, compare=False)

    @property
    def end(self) -> np.ndarray:
        """The end timestamps, ``start + duration``."""
        return self.start + self.duration


def read_azure_2021(path_or_file: PathOrFile) -> Dict[Tuple[str, str], Azure2021Function]:
    """read_azure_2021(path_or_file) -> {(app, func): Azure2021Function}

    Read an Azure Functions 2021 invocation trace
    (``AzureFunctionsInvocationTraceForTwoWeeksJan2021``): a header naming
    the columns ``app``, ``func``, ``end_timestamp`` and ``duration`` (in
    any order, other columns ignored; separated by commas, or by whitespace
    when the header has no comma), then one row per invocation, times in
    seconds. Function ids are unique within their app, so functions are
    keyed by ``(app, func)``, in order of first appearance. Each invocation
    started at ``end_timestamp - duration``; the arrays are sorted by start
    (ties keep file order).
    """
    f, close = _open_text(path_or_file)
    where = _where(path_or_file)
    try:
        first = f.readline()
        if not first.strip():
            raise ValueError(
                f"read_azure_2021(): {where} is empty (expected the header {','.join(AZURE_2021_COLUMNS)})"
            )
        comma = "," in first
        split = (lambda line: next(csv.reader([line]))) if comma else str.split
        header = [h.strip() for h in split(first)]
        missing = [c for c in AZURE_2021_COLUMNS if c not in header]
        if missing:
            raise ValueError(f"read_azure_2021(): {where}: no column {', '.join(missing)} in the header {header}")
        ia, ifn, ie, idur = (header.index(c) for c in AZURE_2021_COLUMNS)
        width = len(header)
        groups: Dict[Tuple[str, str], Tuple[List[float], List[float]]] = {}
        for lineno, line in enumerate(f, start=2):
            if not line.strip():
                continue
            row = split(line.rstrip("\r\n")) if comma else line.split()
            if len(row) != width:
                raise ValueError(f"read_azure_2021(): {where} line {lineno}: {len(row)} fields, expected {width}")
            try:
                end, dur = float(row[ie]), float(row[idur])
            except ValueError:
                raise ValueError(
                    f"read_azure_2021(): {where} line {lineno}: end_timestamp and duration must be numbers, "
                    f"got {row[ie]!r}, {row[idur]!r}"
                ) from None
            if not (math.isfinite(end) and math.isfinite(dur) and dur >= 0):
                raise ValueError(
                    f"read_azure_2021(): {where} line {lineno}: end_timestamp must be finite and duration "
                    f"finite and >= 0, got {row[ie]!r}, {row[idur]!r}"
                )
            ends, durs = groups.setdefault((row[ia], row[ifn]), ([], []))
            ends.append(end)
            durs.append(dur)
        out: Dict[Tuple[str, str], Azure2021Function] = {}
        for (app, func), (ends, durs) in groups.items():
            e = np.array(ends, dtype=np.float64)
            d = np.array(durs, dtype=np.float64)
            s = e - d
            order = np.argsort(s, kind="stable")
            out[(app, func)] = Azure2021Function(app, func, s[order], d[order])
        return out
    finally:
        if close:
            f.close()


def replay_azure_2021(
    env: Any,
    trace: Union[PathOrFile, Mapping[Tuple[str, str], Azure2021Function]],
    mapping: Union[Mapping[Any, str], Callable[[Azure2021Function], Optional[str]]],
    *,
    use_durations: bool = True,
    origin: Optional[float] = None,
    max_requests: Optional[int] = None,
    until: Optional[float] = None,
) -> Dict[Tuple[str, str], Any]:
    """replay_azure_2021(env, trace, mapping, *, use_durations=True, origin=None, ...) -> {(app, func): source}

    Replay an Azure Functions 2021 trace (a path, an open file or what
    :func:`read_azure_2021` returned) on ``env.faas``: each function that
    *mapping* sends to a deployment name (a dict keyed by ``(app, func)``,
    or by ``func`` alone, or a callable taking the
    :class:`Azure2021Function` and returning a name or None to skip it) gets
    a :class:`~faassim.Replay` source with a request at each invocation's
    start, ``env.now + (start - origin)``. *origin* defaults to
    ``min(0, earliest start)`` of the replayed functions, so a trace whose
    starts are >= 0 replays at ``end_timestamp - duration`` exactly from
    ``env.now = 0``.

    With *use_durations* the requests carry the recorded durations as
    ``exec_time``: the C invoke of :class:`~faassim.FunctionSimulator` takes
    exactly that long and a watchdog's C ``execute`` step waits that long
    instead of sampling its characterization. Returns the attached sources.
    """
    who = "replay_azure_2021()"
    functions = trace if isinstance(trace, Mapping) else read_azure_2021(trace)
    chosen = []
    for key, rec in functions.items():
        if isinstance(mapping, Mapping) and not callable(mapping):
            name = mapping.get(key, mapping.get(rec.func) if isinstance(key, tuple) else None)
            if name is not None and not isinstance(name, str):
                raise TypeError(f"{who}: mapping gave {name!r} for {key!r}; expected a deployment name (str) or None")
        else:
            name = _deployment_for(mapping, key, rec, who)
        if name is not None:
            chosen.append((key, rec, name))
    if origin is None:
        origin = min([0.0] + [float(rec.start[0]) for _, rec, _ in chosen if len(rec.start)])
    elif isinstance(origin, bool) or not isinstance(origin, (int, float)) or not math.isfinite(origin):
        raise ValueError(f"{who}: origin must be a finite number or None, got {origin!r}")
    sources: Dict[Tuple[str, str], Any] = {}
    for key, rec, name in chosen:
        times = env.now + (rec.start - origin)
        if len(times) and times[0] < env.now:
            raise ValueError(
                f"{who}: {key!r} starts at {float(rec.start[0])!r}, before origin {origin!r} (give an earlier origin)"
            )
        src = Replay(times, durations=rec.duration if use_durations else None)
        sources[key] = env.faas.add_source(name, src, max_requests=max_requests, until=until)
    return sources


# ---------------------------------------------------------------------------
# Synthetic traces
# ---------------------------------------------------------------------------


def synthetic_azure_path(year: int) -> pathlib.Path:
    """The synthetic trace packaged with faassim in the layout of the Azure
    Functions *year* (2019 or 2021) dataset: ``azure2019_synthetic.csv``
    (12 functions x 1440 minutes, :func:`write_synthetic_azure_2019` with
    its defaults) or ``azure2021_synthetic.csv`` (6 functions, 300 s,
    :func:`write_synthetic_azure_2021` with its defaults)."""
    if year not in (2019, 2021):
        raise ValueError(f"synthetic_azure_path(): year must be 2019 or 2021, got {year!r}")
    return pathlib.Path(str(_resources.files("faassim").joinpath("data", f"azure{year}_synthetic.csv")))


def _hash(*parts: Any) -> str:
    """A 64-hex-digit id like the dataset's (SHA-256 of the parts)."""
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


def _poisson(rng: _random.Random, lam: float) -> int:
    """A Poisson(lam) count from rng.random() only (reproducible across
    Python versions): multiplication of uniforms below 30, a rounded normal
    (Box-Muller) above."""
    if lam <= 0:
        return 0
    if lam < 30:
        limit, k, prod = math.exp(-lam), 0, rng.random()
        while prod > limit:
            k += 1
            prod *= rng.random()
        return k
    u1, u2 = rng.random(), rng.random()
    z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
    return max(0, int(math.floor(lam + math.sqrt(lam) * z + 0.5)))


# (trigger, weight): a mix dominated by HTTP and timer triggers, as in the
# 2019 dataset's characterization (Shahrad et al., ATC 2020); the weights
# here are illustrative, not measured.
_TRIGGERS_2019 = (
    ("http", 40),
    ("timer", 25),
    ("queue", 12),
    ("event", 10),
    ("storage", 6),
    ("orchestration", 5),
    ("others", 2),
)


def _pick(rng: _random.Random, weighted: Sequence[Tuple[str, int]]) -> str:
    x = rng.random() * sum(w for _, w in weighted)
    for name, w in weighted:
        x -= w
        if x < 0:
            return name
    return weighted[-1][0]


def _counts_2019(rng: _random.Random, trigger: str, minutes: int) -> List[int]:
    if trigger == "timer":
        # a cron-like schedule: k invocations every `every` minutes
        every = rng.choice([1, 5, 10, 15, 30, 60])
        k = 1 if rng.random() < 0.8 else rng.randint(2, 4)
        phase = rng.randrange(every)
        return [k if (m - phase) % every == 0 else 0 for m in range(minutes)]
    if trigger in ("queue", "event", "storage"):
        # bursty: quiet minutes, and bursts of a few minutes
        base = 10 ** rng.uniform(-2.0, 0.0)
        burst_p = rng.uniform(0.002, 0.02)
        out, left, level = [], 0, 0.0
        for _ in range(minutes):
            if left == 0 and rng.random() < burst_p:
                left, level = rng.randint(1, 8), 10 ** rng.uniform(1.0, 2.5)
            lam = level if left else base
            left = max(0, left - 1)
            out.append(_poisson(rng, lam))
        return out
    # http, orchestration, others: a diurnal rate with a heavy-tailed mean
    mean = 10 ** rng.uniform(-1.3, 2.3) if trigger == "http" else 10 ** rng.uniform(-2.0, 0.5)
    amp = rng.uniform(0.2, 0.8)
    peak = rng.uniform(0, 1440)
    return [_poisson(rng, mean * (1 + amp * math.cos(2 * math.pi * (m - peak) / 1440))) for m in range(minutes)]


def write_synthetic_azure_2019(
    path_or_file: PathOrFile, n_functions: int = 12, minutes: int = 1440, seed: int = 0
) -> None:
    """write_synthetic_azure_2019(path_or_file, n_functions=12, minutes=1440, seed=0)

    Write a synthetic per-minute count file in the Azure Functions 2019
    layout (``HashOwner,HashApp,HashFunction,Trigger,1..minutes``): not
    trace data, but shaped like it. Functions belong to apps of one to
    three functions; triggers follow an HTTP- and timer-heavy mix. Timer
    functions fire on a cron-like schedule; queue, event and storage
    functions are mostly quiet with bursts of a few minutes; HTTP and the
    others follow a daily cycle around a heavy-tailed mean rate (0.05 to 200
    per minute for HTTP), with Poisson noise. Ids are SHA-256 digests of
    the seed and position. The same arguments give the same bytes (only
    ``random.Random(seed).random()`` is drawn; Python keeps that stream
    stable across versions).
    """
    for name, v, lo in (("n_functions", n_functions, 1), ("minutes", minutes, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ValueError(f"write_synthetic_azure_2019(): {name} must be an int >= {lo}, got {v!r}")
    rng = _random.Random(seed)
    lines = [",".join(AZURE_2019_KEYS + tuple(str(m) for m in range(1, minutes + 1)))]
    owner = app = None
    app_left = 0
    for i in range(n_functions):
        if app_left == 0:
            if owner is None or rng.random() < 0.7:
                owner = _hash("faassim-synthetic-azure-2019", seed, "owner", i)
            app = _hash("faassim-synthetic-azure-2019", seed, "app", i)
            app_left = rng.randint(1, 3)
        app_left -= 1
        trigger = _pick(rng, _TRIGGERS_2019)
        counts = _counts_2019(rng, trigger, minutes)
        function = _hash("faassim-synthetic-azure-2019", seed, "function", i)
        lines.append(",".join([owner, app, function, trigger] + [str(c) for c in counts]))
    _write_text(path_or_file, "\n".join(lines) + "\n")


def write_synthetic_azure_2021(
    path_or_file: PathOrFile, n_functions: int = 6, duration: float = 300.0, seed: int = 0
) -> None:
    """write_synthetic_azure_2021(path_or_file, n_functions=6, duration=300.0, seed=0)

    Write a synthetic invocation trace in the Azure Functions 2021 layout
    (``app,func,end_timestamp,duration``, seconds with microsecond
    resolution, rows in order of end_timestamp): not trace data, but shaped
    like it. Each function has a Poisson arrival rate with a heavy-tailed
    mean (0.03 to 1 per second), half of them bursty (rate x 10 during a few
    bursts of 1 to 5 s), and lognormal durations around a per-function median
    (10 ms to 5 s). Every start (``end_timestamp - duration``) lies in
    ``[0, duration)``. The same arguments give the same bytes (see
    :func:`write_synthetic_azure_2019`).
    """
    if isinstance(n_functions, bool) or not isinstance(n_functions, int) or n_functions < 1:
        raise ValueError(f"write_synthetic_azure_2021(): n_functions must be an int >= 1, got {n_functions!r}")
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not (0 < duration < math.inf):
        raise ValueError(f"write_synthetic_azure_2021(): duration must be a finite number > 0, got {duration!r}")
    rng = _random.Random(seed)
    rows: List[Tuple[int, int, str, str]] = []  # (end_us, dur_us, app, func)
    app = None
    horizon_us = int(round(duration * 1e6))
    for i in range(n_functions):
        if app is None or rng.random() < 0.6:
            app = _hash("faassim-synthetic-azure-2021", seed, "app", i)
        func = _hash("faassim-synthetic-azure-2021", seed, "func", i)
        rate = 10 ** rng.uniform(-1.5, 0.0)
        bursts = []
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 3)):
                b0 = rng.uniform(0, duration)
                bursts.append((b0, b0 + rng.uniform(1.0, 5.0)))
        median = 10 ** rng.uniform(-2.0, 0.7)
        t = 0.0
        lmax = rate * (10 if bursts else 1)
        while True:
            t += -math.log(1.0 - rng.random()) / lmax  # thinning at the burst rate
            if t >= duration:
                break
            r = rate * (10 if any(a <= t < b for a, b in bursts) else 1)
            if rng.random() * lmax >= r:
                continue
            u1, u2 = rng.random(), rng.random()
            z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
            start_us = min(int(t * 1e6), horizon_us - 1)
            dur_us = max(1, int(round(median * math.exp(0.8 * z) * 1e6)))
            rows.append((start_us + dur_us, dur_us, app, func))
    rows.sort(key=lambda r: (r[0], r[2], r[3]))
    lines = [",".join(AZURE_2021_COLUMNS)]
    lines += [f"{a},{f},{e // 1000000}.{e % 1000000:06d},{d // 1000000}.{d % 1000000:06d}" for e, d, a, f in rows]
    _write_text(path_or_file, "\n".join(lines) + "\n")


def _write_text(path_or_file: PathOrFile, text: str) -> None:
    if hasattr(path_or_file, "write"):
        path_or_file.write(text)
        return
    with open(os.fspath(path_or_file), "w", newline="", encoding="utf-8") as f:
        f.write(text)


# ---------------------------------------------------------------------------
# faas-sim's request generators
# ---------------------------------------------------------------------------


def _rng_of(rng: Any) -> Any:
    """env.rng for an Environment, rng itself for a random source, and
    Python's random module for None (faas-sim drew from it)."""
    if rng is None:
        return _random
    inner = getattr(rng, "rng", None)
    if inner is not None and not callable(inner) and hasattr(inner, "normalvariate"):
        return inner  # an Environment
    if not hasattr(rng, "normalvariate") or not hasattr(rng, "expovariate"):
        raise TypeError(f"rng must be an Environment, a random source (env.rng, random.Random) or None, not {rng!r}")
    return rng


def constant_rps_profile(rps: float) -> Iterator[float]:
    """constant_rps_profile(rps): yields *rps* for ever (faas-sim's)."""
    while True:
        yield rps


def sine_rps_profile(env: Any, max_rps: float, period: float) -> Iterator[float]:
    """sine_rps_profile(env, max_rps, period): yields the rate at ``env.now``,
    ``(sin(env.now / (period / (2 pi))) + 1) / 2 * max_rps``: between 0 and
    *max_rps*, peaks *period* seconds apart (faas-sim's formula). The C
    source ``Sine(max_rps / 2, max_rps / 2, period)`` has this rate."""
    div = period / (2 * math.pi)
    while True:
        yield (math.sin(env.now / div) + 1) / 2 * max_rps


def randomwalk_rps_profile(
    mu: float, sigma: float, max_rps: float, min_rps: float = 0, *, rng: Any = None
) -> Iterator[float]:
    """randomwalk_rps_profile(mu, sigma, max_rps, min_rps=0, *, rng=None)

    faas-sim's random walk of rates: each value is ``normalvariate(mu,
    sigma)``; a value >= *max_rps* yields *max_rps* and one <= *min_rps*
    yields *min_rps*, and then the walk stays where it was; a value in
    between is yielded and becomes the new *mu*.

    Difference from faas-sim: draws come from *rng*, an Environment (its
    ``env.rng``: reproducible per seed) or any random source; None draws
    from Python's ``random`` module as faas-sim did (seed it with
    ``random.seed``). The C source :class:`~faassim.RandomWalk` reflects at
    the bounds instead.
    """
    r = _rng_of(rng)
    while True:
        nmu = r.normalvariate(mu, sigma)
        if nmu >= max_rps:
            yield max_rps
        elif nmu <= min_rps:
            yield min_rps
        else:
            mu = nmu
            yield nmu


def static_arrival_profile(rps_generator: Iterator[float], max_ia: float = math.inf) -> Iterator[float]:
    """static_arrival_profile(rps_generator, max_ia=inf): inter-arrival times
    ``min(1 / rps, max_ia)`` for each rate the generator yields (faas-sim's).
    A rate of 0 yields *max_ia* (faas-sim yielded it and then divided by
    zero on the next call)."""
    while True:
        rps = next(rps_generator)
        yield max_ia if rps == 0 else min(1 / rps, max_ia)


def expovariate_arrival_profile(
    rps_generator: Iterator[float], scale: float = 1.0, max_ia: float = math.inf, *, rng: Any = None
) -> Iterator[float]:
    """expovariate_arrival_profile(rps_generator, scale=1.0, max_ia=inf, *, rng=None)

    faas-sim's exponential inter-arrival times: for each rate ``lam`` the
    generator yields, ``min(expovariate(lam) * scale, max_ia)`` (and
    ``min(scale, max_ia)`` when ``lam <= 0``). Draws come from *rng* as in
    :func:`randomwalk_rps_profile` (None: Python's ``random`` module, as
    faas-sim)."""
    r = _rng_of(rng)
    while True:
        lam = next(rps_generator)
        ia = r.expovariate(lam) if lam > 0 else 1
        yield min(ia * scale, max_ia)


def function_trigger(env: Any, deployment: Any, ia_generator: Iterator[float], max_requests: Optional[int] = None):
    """function_trigger(env, deployment, ia_generator, max_requests=None) (generator)

    faas-sim's request generator process: sleep the next inter-arrival time
    of *ia_generator*, then invoke *deployment* (a FunctionDeployment or its
    name) with a new ``FunctionRequest``, without waiting for the response;
    at most *max_requests* times (None: for ever). Run it with
    ``env.process(function_trigger(...))``. An ``Interrupt`` ends it; so
    does the end of *ia_generator* (logged as an error, as faas-sim), and,
    unlike faas-sim (where it slept for ever), an infinite inter-arrival
    time. One Python request per invocation: the C sources do the same
    without Python.
    """
    from faassim._core import FunctionRequest
    from faassim._pytypes import Interrupt

    name = deployment if isinstance(deployment, str) else deployment.name
    sent = 0
    try:
        while max_requests is None or sent < max_requests:
            try:
                ia = next(ia_generator)
            except StopIteration:
                logging.getLogger(__name__).error("%s gen has finished", name)
                return
            if ia == math.inf:
                return
            yield env.timeout(ia)
            env.faas.invoke(FunctionRequest(name))
            sent += 1
    except Interrupt:
        pass


# faas-sim's recorded profiles: a pickled list of inter-arrival times

# the only classes a recorded profile may name: NumPy's scalar constructor and
# dtype (faas-sim's save_requests pickled the numpy.float64 values of a pandas
# column); anything else is refused before it is built
_PROFILE_CLASSES = {
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "dtype"),
}


class _ProfileUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _PROFILE_CLASSES:
            raise pickle.UnpicklingError(
                f"a recorded profile is a pickled list of numbers; this file names {module}.{name}, "
                "which is not loaded"
            )
        return super().find_class(module, name)


def _read_profile(file: Any) -> List[float]:
    if hasattr(file, "read"):
        data = _ProfileUnpickler(file).load()
    else:
        with open(file, "rb") as fd:
            data = _ProfileUnpickler(fd).load()
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"pre_recorded_profile({file!r}): the file holds a {type(data).__name__}, "
                        "expected a list of inter-arrival times")
    out = []
    for i, value in enumerate(data):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"pre_recorded_profile({file!r}): item {i} is {value!r}, expected a number of seconds")
        ia = float(value)
        if not ia >= 0:
            raise ValueError(f"pre_recorded_profile({file!r}): item {i} is {value!r}, expected an inter-arrival "
                             "time >= 0")
        out.append(ia)
    return out


def pre_recorded_profile(file: Any) -> Iterator[float]:
    """pre_recorded_profile(file) -> iterator of inter-arrival times

    faas-sim's replay of a recorded profile: the inter-arrival times
    (seconds) pickled in *file* (a path or a binary file object), a list as
    :func:`save_requests` (faas-sim's or this one) writes, one after the
    other; the iterator ends with the list (``function_trigger`` then
    stops). Unlike faas-sim, which unpickled whatever the file held, the
    file is read at the call and may hold only a list of numbers (NumPy
    scalars too): any other object raises ``pickle.UnpicklingError`` (a
    class) or ``TypeError``, and a negative or NaN time ``ValueError``.

    >>> import io, pickle
    >>> list(pre_recorded_profile(io.BytesIO(pickle.dumps([30, 60, 2.5]))))
    [30.0, 60.0, 2.5]
    """
    return iter(_read_profile(file))


def save_requests(profile: Callable[[Any], Iterator[float]], duration: float, file: Any, env: Any = None) -> None:
    """save_requests(profile, duration, file, env=None)

    faas-sim's recorder: runs ``profile(env)`` (a callable that takes the
    environment and gives inter-arrival times, e.g. ``lambda env:
    expovariate_arrival_profile(constant_rps_profile(5), rng=env)``) for
    *duration* simulated seconds and pickles the list of the inter-arrival
    times it drew into *file* (a path or a binary file object): every time
    drawn before *duration*, the first at 0, so the last one may reach past
    it, as faas-sim's. *env* defaults to a new :class:`faassim.Environment`
    (faas-sim's to a new ``simpy.Environment``). The values are written as
    Python floats; :func:`pre_recorded_profile` reads them back.

    >>> import io
    >>> f = io.BytesIO()
    >>> save_requests(lambda env: iter([1.0, 2.0, 3.0, 4.0]), 5, f)
    >>> _ = f.seek(0)
    >>> list(pre_recorded_profile(f))
    [1.0, 2.0, 3.0]
    """
    if env is None:
        from faassim._core import Environment

        env = Environment()
    if not callable(profile):
        raise TypeError(f"save_requests: profile must be a callable taking the environment, got {profile!r}")
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0:
        raise ValueError(f"save_requests: duration must be a number of seconds > 0, got {duration!r}")
    ia_generator = profile(env)
    drawn: List[float] = []

    def record():
        for ia in ia_generator:
            drawn.append(float(ia))
            yield env.timeout(ia)

    env.process(record())
    env.run(until=env.now + duration)
    if hasattr(file, "write"):
        pickle.dump(drawn, file)
    else:
        with open(file, "wb") as fd:
            pickle.dump(drawn, fd)
