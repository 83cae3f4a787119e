"""pytest plugin for regression studies with faassim.

Installed with faassim (entry point ``pytest11``), so every test run in an
environment with faassim has it; load it by hand with ``-p
faassim.pytest_plugin`` or ``pytest_plugins = ["faassim.pytest_plugin"]``
(any combination is safe: it registers once, under its module name).

Fixtures:

- ``faassim_seed``: the seed of the run, ``--faassim-seed`` (default
  :data:`DEFAULT_SEED`);
- ``faassim_env``: a fresh ``faassim.Environment(seed=faassim_seed)``;
- ``faassim_scenario``: a :class:`~faassim.scenario.ScenarioConfig` of the
  default scenario, small (:data:`SCENARIO_DEFAULTS`: 20 nodes, a tenth of
  the load, 5 simulated seconds), seeded with ``faassim_seed``. Change it
  with the marker ``@pytest.mark.faassim_scenario(**changes)`` or by
  indirect parametrization (``@pytest.mark.parametrize("faassim_scenario",
  [{"load_scale": 0.2}], indirect=True)``); the changes are
  ``ScenarioConfig`` fields, and ``nodes`` may be a total node count (or
  node counts by type, merged into the default counts);
- ``faassim_snapshot``: ``faassim_snapshot.check(name, summary, rel=...,
  abs=...)`` compares *summary* (a dict, a ScenarioResult, an
  Environment, a dataclass; see :func:`summarize`) with the JSON snapshot
  ``__snapshots__/<test module>/<name>.json`` next to the test file, number
  by number within the tolerances, and fails listing every key that
  differs. ``--faassim-update-snapshots`` writes the snapshots instead.

>>> summarize({"totals": {"completed": 12, "p95": 0.25}, "functions": [{"name": "pi", "failed": 0}]})
{'totals.completed': 12, 'totals.p95': 0.25, 'functions.pi.failed': 0}
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import math
import os
import pathlib
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import pytest

__all__ = ["DEFAULT_SEED", "SCENARIO_DEFAULTS", "Snapshot", "summarize"]

#: The seed of the fixtures when ``--faassim-seed`` is not given.
DEFAULT_SEED = 42

#: How ``faassim_scenario`` shrinks the default scenario (ScenarioConfig
#: fields; ``nodes`` a total node count, spread as ``with_node_count``).
SCENARIO_DEFAULTS: Dict[str, Any] = {"duration": 5.0, "nodes": 20, "load_scale": 0.1}

#: Default tolerances of ``faassim_snapshot.check``: the runs are
#: deterministic, so only floating-point noise across platforms is allowed.
DEFAULT_REL = 1e-9
DEFAULT_ABS = 1e-12

SNAPSHOT_FOLDER = "__snapshots__"

# differing keys listed in a failure message (the rest are counted)
MAX_LINES = 100

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")

Tolerance = Union[float, Mapping[str, float]]


# ---------------------------------------------------------------------------
# Options, markers, fixtures
# ---------------------------------------------------------------------------


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("faassim", "faassim regression studies")
    group.addoption(
        "--faassim-seed",
        type=int,
        default=None,
        metavar="SEED",
        help=f"seed of the faassim_env and faassim_scenario fixtures (default {DEFAULT_SEED})",
    )
    group.addoption(
        "--faassim-update-snapshots",
        action="store_true",
        default=False,
        help="write the faassim_snapshot snapshots (__snapshots__ next to the tests) instead of comparing",
    )


_STATE = pytest.StashKey[Dict[str, Any]]()


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        "faassim_scenario(**changes): ScenarioConfig fields of the faassim_scenario fixture "
        "(nodes: a total node count, or node counts by type merged into the defaults)",
    )
    # snapshot paths used in this run (-> the test that used it) and those written
    config.stash[_STATE] = {"paths": {}, "written": []}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    state = config.stash.get(_STATE, None)
    if state and state["written"]:
        terminalreporter.write_sep("-", "faassim snapshots")
        terminalreporter.write_line(f"{len(state['written'])} snapshot(s) written:")
        for path in state["written"]:
            terminalreporter.write_line(f"  {path}")


@pytest.fixture
def faassim_seed(request: Any) -> int:
    """The seed of the run: ``--faassim-seed`` (default 42)."""
    seed = request.config.getoption("--faassim-seed")
    return DEFAULT_SEED if seed is None else seed


@pytest.fixture
def faassim_env(faassim_seed: int) -> Any:
    """A fresh ``faassim.Environment(seed=faassim_seed)``."""
    import faassim

    return faassim.Environment(seed=faassim_seed)


@pytest.fixture
def faassim_scenario(request: Any, faassim_seed: int) -> Any:
    """The default scenario's ScenarioConfig, small (SCENARIO_DEFAULTS) and
    seeded; changed by the ``faassim_scenario`` marker (closest first), then
    by an indirect parameter (a dict)."""
    changes: Dict[str, Any] = dict(SCENARIO_DEFAULTS, seed=faassim_seed)
    for marker in reversed(list(request.node.iter_markers("faassim_scenario"))):
        if marker.args:
            raise TypeError(
                f"@pytest.mark.faassim_scenario takes ScenarioConfig fields as keywords, got positional {marker.args!r}"
            )
        changes.update(marker.kwargs)
    param = getattr(request, "param", None)
    if param is not None:
        if not isinstance(param, Mapping):
            raise TypeError(
                f"faassim_scenario parameters must be dicts of ScenarioConfig fields, got {type(param).__name__} "
                f"{param!r}"
            )
        changes.update(param)
    return scenario_config(**changes)


def scenario_config(**changes: Any) -> Any:
    """The default ScenarioConfig with *changes*; ``nodes`` may be an int
    (a total node count, spread over the types as ``with_node_count``) or a
    dict of node counts by type (merged into the default counts)."""
    from faassim.scenario import ScenarioConfig

    nodes = changes.pop("nodes", None)
    config = ScenarioConfig().replace(**changes)
    if isinstance(nodes, int) and not isinstance(nodes, bool):
        return config.with_node_count(nodes)
    if isinstance(nodes, Mapping):
        return config.replace(nodes=dict(config.nodes, **nodes))
    if nodes is not None:
        from faassim.scenario import ScenarioError

        raise ScenarioError(
            f"faassim_scenario: nodes must be a total node count (int) or a dict per node type, got {nodes!r}"
        )
    return config


@pytest.fixture
def faassim_snapshot(request: Any, faassim_seed: int) -> "Snapshot":
    """Snapshot assertions: ``faassim_snapshot.check(name, summary, rel=...,
    abs=...)`` (see :class:`Snapshot`)."""
    path = getattr(request.node, "path", None) or pathlib.Path(str(request.node.fspath))
    return Snapshot(
        folder=pathlib.Path(path).parent / SNAPSHOT_FOLDER / pathlib.Path(path).stem,
        update=request.config.getoption("--faassim-update-snapshots"),
        seed=faassim_seed,
        nodeid=request.node.nodeid,
        state=request.config.stash.get(_STATE, None),
        rootdir=pathlib.Path(str(request.config.rootpath)),
    )


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------


def _scalar(value: Any, key: str) -> Any:
    """A JSON value (None, bool, int, float, str) for *value* at *key*."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    item = getattr(value, "item", None)  # NumPy scalars
    if callable(item) and getattr(value, "shape", None) == ():
        return _scalar(item(), key)
    raise TypeError(
        f"faassim snapshot: {key or 'the summary'} is a {type(value).__name__} ({value!r}); "
        "expected a number, str, bool, None, or a dict or list of them"
    )


def _label(item: Any, index: int) -> str:
    """The key of a list entry: its ``name`` or ``node_type`` when it has one
    (per-function and per-node-type rows), else its index."""
    if isinstance(item, Mapping):
        for field in ("name", "node_type"):
            if isinstance(item.get(field), str):
                return item[field]
    return str(index)


def _flatten(value: Any, key: str, out: Dict[str, Any]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(v, f"{key}.{k}" if key else str(k), out)
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            if dataclasses.is_dataclass(v) and not isinstance(v, type):
                v = dataclasses.asdict(v)
            label = _label(v, i)
            if isinstance(v, Mapping) and label != str(i):
                v = {k: x for k, x in v.items() if not (k in ("name", "node_type") and x == label)}
            _flatten(v, f"{key}.{label}" if key else label, out)
        return
    if hasattr(value, "tolist") and getattr(value, "shape", ()) != ():  # a NumPy array
        _flatten(value.tolist(), key, out)
        return
    out[key] = _scalar(value, key)


def summarize(obj: Any) -> Dict[str, Any]:
    """summarize(obj) -> {dotted key: value}

    What a snapshot compares, flattened to dotted keys (one line each in the
    snapshot file, so a diff shows what moved):

    - a :class:`~faassim.scenario.ScenarioResult`: what its ``to_dict()``
      holds but the aggregates: ``duration``, ``seed``, ``totals.*``,
      ``functions.<name>.*`` (every :class:`~faassim.scenario.FunctionSummary`
      field: counts, throughput, ``wait.p50`` ... ``exec.p99``, means,
      energy, cold starts) and ``node_types.<type>.*`` (utilization,
      energy, power);
    - an ``Environment``: ``now``, ``functions.<name>.<counter>`` from
      ``env.faas.function_stats`` for each deployed function, and
      ``metrics.<measurement>.<column>.<count|sum|min|max|mean|std>`` from
      ``env.metrics.summary`` for each measurement logged;
    - a dict (nested dicts and lists; list entries with a ``name`` or
      ``node_type`` are keyed by it), or a dataclass (its fields).

    Values are numbers, strings, bools or None (NumPy scalars and arrays
    are converted); anything else is a TypeError naming the key.
    """
    from faassim._core import Environment
    from faassim.scenario import ScenarioResult

    if isinstance(obj, ScenarioResult):
        data: Any = obj.to_dict()
        del data["aggregates"]  # every column of every measurement: summarize(result.env) has them
    elif isinstance(obj, Environment):
        data = {"now": obj.now}
        faas = obj.faas
        data["functions"] = {fd.name: faas.function_stats(fd.name) for fd in faas.get_deployments()}
        metrics = obj.metrics
        data["metrics"] = {name: metrics.summary(name) for name in metrics.measurements()}
    elif isinstance(obj, Mapping) or (dataclasses.is_dataclass(obj) and not isinstance(obj, type)):
        data = obj
    else:
        raise TypeError(
            f"faassim snapshot: cannot summarize a {type(obj).__name__} ({obj!r}); give a dict, a "
            "ScenarioResult, an Environment or a dataclass"
        )
    out: Dict[str, Any] = {}
    _flatten(data, "", out)
    return out


# ---------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------


def _tolerance(spec: Tolerance, key: str, default: float) -> float:
    """The tolerance of *key*: *spec* itself, or the value of the first
    pattern of the mapping *spec* that matches *key* (fnmatch), else
    *default*."""
    if isinstance(spec, Mapping):
        for pattern, value in spec.items():
            if fnmatch.fnmatchcase(key, pattern):
                return value
        return default
    return spec


def _check_tolerance(spec: Any, what: str) -> None:
    values = spec.values() if isinstance(spec, Mapping) else [spec]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (v >= 0 and math.isfinite(v)):
            raise ValueError(
                f"faassim_snapshot.check(): {what} must be a finite number >= 0 or a mapping from key patterns "
                f"to such numbers, got {spec!r}"
            )


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same(expected: Any, actual: Any, rel: float, abs_: float) -> Tuple[bool, Optional[float]]:
    """(equal within tolerance, the tolerance used for numbers)."""
    if _number(expected) and _number(actual):
        if math.isnan(expected) or math.isnan(actual):
            return math.isnan(expected) and math.isnan(actual), None
        if math.isinf(expected) or math.isinf(actual):
            return expected == actual, None
        tol = max(rel * abs(expected), abs_)
        return abs(actual - expected) <= tol, tol
    return type(expected) is type(actual) and expected == actual, None


def _fmt(v: Any) -> str:
    return repr(v)


class Snapshot:
    """The ``faassim_snapshot`` fixture: snapshot assertions of summaries.

    Snapshots live in ``__snapshots__/<test module>/<name>.json`` next to
    the test file: the seed of the run and the flattened summary
    (:func:`summarize`), one key per line, sorted.
    """

    def __init__(
        self,
        folder: pathlib.Path,
        update: bool,
        seed: int,
        nodeid: str = "",
        state: Optional[Dict[str, Any]] = None,
        rootdir: Optional[pathlib.Path] = None,
    ):
        self.folder = pathlib.Path(folder)
        self.update = bool(update)
        self.seed = seed
        self.nodeid = nodeid
        self._state = state if state is not None else {"paths": {}, "written": []}
        self._rootdir = rootdir

    def path(self, name: str) -> pathlib.Path:
        """The file of snapshot *name*."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(
                f"faassim_snapshot: snapshot name must be a non-empty str of letters, digits, '_', '-' and '.' "
                f"(not starting with '.' or '-'), got {name!r}"
            )
        return self.folder / f"{name}.json"

    def _shown(self, path: pathlib.Path) -> str:
        if self._rootdir is not None:
            try:
                return os.path.relpath(path, self._rootdir)
            except ValueError:  # another drive
                pass
        return str(path)

    def check(self, name: str, summary: Any, *, rel: Tolerance = DEFAULT_REL, abs: Tolerance = DEFAULT_ABS) -> None:
        """check(name, summary, *, rel=1e-9, abs=1e-12)

        Compare *summary* (see :func:`summarize`) with snapshot *name*:
        numbers match when ``|actual - expected| <= max(rel * |expected|,
        abs)`` (NaN matches NaN), other values when equal; a key only in
        one of them is a difference. *rel* and *abs* are numbers, or
        mappings from key patterns (``fnmatch``: ``"functions.*.wait.*"``)
        to numbers, the first matching pattern applying (keys no pattern
        matches get the defaults). Fails the test listing every key that
        differs with the expected and actual values and the tolerance; with
        ``--faassim-update-snapshots`` writes the snapshot instead.
        """
        _check_tolerance(rel, "rel")
        _check_tolerance(abs, "abs")
        path = self.path(name)
        actual = summarize(summary)
        key = str(path.resolve())
        other = self._state["paths"].setdefault(key, self.nodeid)
        if other != self.nodeid:
            raise ValueError(
                f"faassim_snapshot: snapshot {name!r} ({self._shown(path)}) is also used by {other}; "
                "give each test its own snapshot names"
            )
        if self.update:
            self._write(path, actual)
            return
        if not path.exists():
            pytest.fail(
                f"faassim snapshot {name!r}: no snapshot file {self._shown(path)}; "
                "run pytest with --faassim-update-snapshots to write it",
                pytrace=False,
            )
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            expected = stored["values"]
            if not isinstance(expected, dict):
                raise TypeError("'values' is not an object")
        except (ValueError, KeyError, TypeError) as e:
            pytest.fail(
                f"faassim snapshot {name!r}: {self._shown(path)} is not a faassim snapshot ({e}); "
                "rewrite it with --faassim-update-snapshots",
                pytrace=False,
            )
        lines = self._differences(expected, actual, rel, abs)
        if lines:
            count = len(lines)
            if count > MAX_LINES:
                lines = lines[:MAX_LINES] + [f"  ... and {count - MAX_LINES} more"]
            note = ""
            if stored.get("seed") != self.seed:
                note = (
                    f"\n(the snapshot was written with seed {stored.get('seed')!r}, this run uses seed {self.seed!r})"
                )
            pytest.fail(
                f"faassim snapshot {name!r} differs from {self._shown(path)} in {count} of "
                f"{len(set(expected) | set(actual))} keys:\n"
                + "\n".join(lines)
                + note
                + "\nIf the change is intended, run pytest with --faassim-update-snapshots to rewrite the snapshot.",
                pytrace=False,
            )

    def _differences(
        self, expected: Dict[str, Any], actual: Dict[str, Any], rel: Tolerance, abs_: Tolerance
    ) -> List[str]:
        lines = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                lines.append(f"  {key}: expected {_fmt(expected[key])}, missing from the summary")
                continue
            if key not in expected:
                lines.append(f"  {key}: not in the snapshot, actual {_fmt(actual[key])}")
                continue
            e, a = expected[key], actual[key]
            r = _tolerance(rel, key, DEFAULT_REL)
            b = _tolerance(abs_, key, DEFAULT_ABS)
            ok, tol = _same(e, a, r, b)
            if ok:
                continue
            if tol is None:
                lines.append(f"  {key}: expected {_fmt(e)}, actual {_fmt(a)}")
            else:
                lines.append(
                    f"  {key}: expected {_fmt(e)}, actual {_fmt(a)}, difference {a - e:+.6g} "
                    f"exceeds tolerance {tol:.6g} (rel={r:g}, abs={b:g})"
                )
        return lines

    def _write(self, path: pathlib.Path, values: Dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"seed": self.seed, "values": values}, indent=2, sort_keys=True, allow_nan=True) + "\n"
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            path.write_text(text, encoding="utf-8")
            self._state["written"].append(self._shown(path))
