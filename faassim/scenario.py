"""The default scenario: a heterogeneous edge-cloud cluster serving AI
inference and a service function, built from the data packaged with faassim
(``faassim/data``: faas-sim's "raith21" device types, function images,
execution-time distributions and resource characterizations, and node power
profiles). ``python -m faassim run`` runs it.

The scenario (:class:`ScenarioConfig`, every knob loadable from TOML):

- **cluster**: nodes of the reference device types, named ``<type>_<i>``:
  cloud VMs (``xeongpu``, ``xeoncpu``) and edge devices (``nuc``, ``nx``,
  ``tx2``, ``nano``, ``coral``, ``rockpi``, ``rpi4``, ``rpi3``);
- **functions**: each with ranked images, every image placed on the node
  types listed for it, ``replicas_per_node`` replicas on each such node (the
  platform's scheduler places them: a node label per image and a node
  selector per container restrict it to those node types); each replica
  runs an :class:`~faassim.HTTPWatchdog` (or a
  :class:`~faassim.PowerPredictionSimulator`) with the image's ``workers``
  and reference characterization: requests claim the characterized cpu,
  gpu, blkio, net and ram while they run, for an execution time drawn from
  the bounded log-normal of (node type, image); requests are routed to the
  replica with the fewest in flight;
- **load**: a Poisson source per function (C-native), ``rate * load_scale``
  requests per second, for the whole duration; or (``load = "trace"``) the
  minute-by-minute shape of Azure Functions 2019 trace functions scaled to
  the same mean rate (the synthetic trace packaged with faassim unless
  ``load_options.trace`` names a file; see :func:`_trace_load`);
- **measurements**: the metrics (every invocation and execution, or
  aggregates only with ``keep_records = false``), the resource monitor
  every ``monitor_interval`` seconds, and exact energy per node (a
  :class:`~faassim.NodePowerModel` per node from its type's power profile:
  idle + cpu + gpu + memory terms; ``net`` is a rate in bytes/s in the
  characterizations, not a utilization, so it has no term).

>>> from faassim.scenario import ScenarioConfig, run_scenario
>>> config = ScenarioConfig(duration=5.0, seed=1).with_node_count(20)
>>> sum(config.nodes.values()), round(config.total_rate())
(20, 1000)
>>> result = run_scenario(config)
>>> result.env.now, result.totals["arrived"] == result.totals["completed"] + result.totals["in_flight"]
(5.0, True)

Loads other than ``"poisson"`` plug in through :data:`LOAD_MODELS` (see
:func:`register_load`); ``load_options`` is passed to them.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import functools
import hashlib
import io
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from importlib import resources as _resources
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import tomllib

import numpy as np

from faassim._core import Environment
from faassim._warn import warn
from faassim.characterization import load_reference_characterizations
from faassim.faas import LeastOutstandingLoadBalancer, PerMinute, Poisson, RandomLoadBalancer, RoundRobinLoadBalancer
from faassim.metrics import Metrics
from faassim.model import (
    DeploymentRanking,
    Function,
    FunctionContainer,
    FunctionDeployment,
    FunctionImage,
    KubernetesResourceConfiguration,
    Resources,
    ScalingConfiguration,
)
from faassim.monitor import ResourceMonitor
from faassim.power import NodePowerModel
from faassim.simulation import Benchmark, Simulation
from faassim.simulator import SimulatorFactory
from faassim.topology import Node, Topology, load_device_types
from faassim.watchdog import HTTPWatchdog, PowerPredictionSimulator

__all__ = [
    "ScenarioConfig",
    "FunctionConfig",
    "ImagePlacement",
    "ScenarioError",
    "ScenarioResult",
    "FunctionSummary",
    "NodeTypeSummary",
    "run_scenario",
    "scenario_row",
    "build_scenario",
    "ScenarioSimulatorFactory",
    "LOAD_MODELS",
    "AUTOSCALER_OPTIONS",
    "register_load",
]

#: Node label set on the nodes an image may run on (followed by the image name).
PLACEMENT_LABEL = "scenario.faassim.io/"

# The power profile's terms the scenario's node models use (see the module doc).
POWER_FEATURES = ("cpu", "gpu", "memory")

LOAD_BALANCERS = ("least_outstanding", "round_robin", "random")

#: ``autoscaler`` -> its ``autoscaler_options`` and their defaults
AUTOSCALER_OPTIONS: Dict[str, Dict[str, float]] = {
    "none": {},
    "hpa": {
        "scale_min": 1,
        "keep_alive": 0.0,
        "target_utilization": 0.5,
        "reconcile_interval": 15.0,
        "tolerance": 0.1,
        "downscale_stabilization": 300.0,
    },
    "requests": {"scale_min": 1, "keep_alive": 0.0, "target_average_rps": 50.0, "alert_window": 15.0},
}
SIMULATORS = ("http", "power")
#: The scenario's networks: ``"none"`` (nodes without links: deploys take no
#: time), ``"urban_sensing"`` (faas-sim raith21's heterogeneous urban sensing
#: city: the cloud VMs in a cloudlet on fiber, the edge devices in
#: neighborhoods behind shared mobile uplinks, a registry on the internet
#: hop) and ``"all_internet"`` (each node alone on a LAN joined to the
#: internet). With a network, every replica pulls its image from the
#: registry when it deploys.
NETWORKS = ("none", "urban_sensing", "all_internet")


class ScenarioError(ValueError):
    """A scenario configuration (or scenario file) that is not valid; the
    message names the file, the key and the value."""


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------

_P = "faas-workloads/"


def _default_nodes() -> Dict[str, int]:
    # cloud VMs first, then the edge devices (230 nodes; the topology's order)
    return {
        "xeongpu": 36,
        "xeoncpu": 12,
        "nuc": 30,
        "nx": 28,
        "tx2": 20,
        "nano": 20,
        "coral": 24,
        "rockpi": 20,
        "rpi4": 24,
        "rpi3": 16,
    }


def _default_functions() -> Dict[str, "FunctionConfig"]:
    # Rates sum to 1,000 requests/s. Each function runs on node types where
    # its images are fast for the cpu they use. The least-outstanding
    # balancer breaks ties by replica order, which is the order in which the
    # least-allocated scheduler placed them (e.g. nx before xeongpu, then tx2
    # and nano), not the ranking or the topology order. The inference
    # functions are provisioned generously (their workers are busy 30-60% of
    # the time, no request waits); speech-inference runs on a small cloud
    # pool at about 80%, where some requests wait for a worker.
    return {
        "resnet50-inference": FunctionConfig(
            rate=530.0, images=[ImagePlacement(_P + "resnet-inference-gpu", ["xeongpu", "nx", "tx2", "nano"])]
        ),
        "mobilenet-inference": FunctionConfig(
            rate=380.0,
            images=[
                ImagePlacement(_P + "mobilenet-inference-tflite", ["nuc", "rockpi"]),
                ImagePlacement(_P + "mobilenet-inference-tpu", ["coral"]),
            ],
        ),
        "speech-inference": FunctionConfig(
            rate=36.0, images=[ImagePlacement(_P + "speech-inference-tflite", ["xeoncpu"])]
        ),
        "python-pi": FunctionConfig(rate=54.0, images=[ImagePlacement(_P + "python-pi", ["rpi4", "rpi3"])]),
    }


@dataclass
class ImagePlacement:
    """An image of a function and the node types its replicas run on."""

    image: str
    node_types: List[str]


@dataclass
class FunctionConfig:
    """A function of the scenario: its request *rate* (requests/s at
    ``load_scale = 1``), its *images* in ranking order (each with the node
    types it runs on), *workers* per replica (None: the image's ``workers``
    label in ``images.csv``) and *replicas_per_node* (on every node of the
    image's node types)."""

    rate: float
    images: List[ImagePlacement]
    workers: Optional[int] = None
    replicas_per_node: int = 1


@dataclass
class ScenarioConfig:
    """ScenarioConfig(**knobs): every knob of the default scenario.

    - ``duration``: simulated seconds (the run ends exactly then);
    - ``seed``: the environment's seed (same seed, same results);
    - ``load``: the arrival process, ``"poisson"`` (see :data:`LOAD_MODELS`),
      with ``load_options`` passed to it;
    - ``load_scale``: factor on every function's rate;
    - ``nodes``: node count per device type, in topology order;
    - ``functions``: name -> :class:`FunctionConfig`;
    - ``monitor_interval``: seconds between resource monitor samples (0: no
      monitor; default 5: each sample logs a few rows per node and replica,
      and the utilization and energy figures are exact integrals anyway);
    - ``keep_records``: keep every metric row (False: aggregates only; the
      wait and execution-time percentiles need the rows);
    - ``power``: power models and energy accounting on;
    - ``simulator``: ``"http"`` (HTTPWatchdog) or ``"power"``
      (PowerPredictionSimulator: also each request's power and energy in
      its ``fets`` row);
    - ``load_balancer``: ``"least_outstanding"``, ``"round_robin"`` or
      ``"random"``;
    - ``autoscaler``: ``"none"`` (every function keeps one replica per node
      of its node types), ``"hpa"`` (a
      :class:`~faassim.HorizontalPodAutoscaler` over all functions, on cpu
      as a fraction of the node) or ``"requests"`` (an
      :class:`~faassim.AverageFaasRequestScaler` per function); with one,
      each function starts with ``scale_min`` replicas and may grow to the
      one-per-node count. ``autoscaler_options`` (see
      :data:`AUTOSCALER_OPTIONS` for the keys and defaults): ``scale_min``,
      ``keep_alive`` (seconds, 0: off; a :class:`~faassim.KeepAlive` down
      to ``scale_min``), and for ``"hpa"`` ``target_utilization``,
      ``reconcile_interval``, ``tolerance``, ``downscale_stabilization``,
      for ``"requests"`` ``target_average_rps`` (per replica) and
      ``alert_window``;
    - ``network``: ``"none"`` (the default: nodes without links), or a
      topology of :data:`NETWORKS` over the same nodes, whose replicas pull
      their images from the registry over shared links when they deploy
      (requests wait for them).

    Values are checked on construction (:class:`ScenarioError`);
    :meth:`from_toml` reads a scenario file that changes some of them.

    >>> ScenarioConfig(duration=-1)
    Traceback (most recent call last):
    ...
    faassim.scenario.ScenarioError: duration must be a number of seconds > 0, got -1
    """

    duration: float = 600.0
    seed: int = 42
    load: str = "poisson"
    load_scale: float = 1.0
    load_options: Dict[str, Any] = field(default_factory=dict)
    nodes: Dict[str, int] = field(default_factory=_default_nodes)
    functions: Dict[str, FunctionConfig] = field(default_factory=_default_functions)
    monitor_interval: float = 5.0
    keep_records: bool = True
    power: bool = True
    simulator: str = "http"
    load_balancer: str = "least_outstanding"
    autoscaler: str = "none"
    autoscaler_options: Dict[str, Any] = field(default_factory=dict)
    network: str = "none"

    def __post_init__(self) -> None:
        _validate(self)

    # -- derived values ---------------------------------------------------------

    def total_rate(self) -> float:
        """Requests per second over all functions (rates times load_scale)."""
        return math.fsum(f.rate for f in self.functions.values()) * self.load_scale

    def replace(self, **changes: Any) -> "ScenarioConfig":
        """A checked copy with *changes* (field names as keyword arguments)."""
        return dataclasses.replace(copy.deepcopy(self), **changes)

    def with_node_count(self, total: int) -> "ScenarioConfig":
        """with_node_count(total) -> ScenarioConfig

        A copy with *total* nodes, spread over the node types in proportion
        to the current counts (largest remainders; ties to the earlier type),
        at least one of every type that has nodes. The load does not change
        (see ``load_scale``).

        >>> config = ScenarioConfig().with_node_count(23)
        >>> list(config.nodes), list(config.nodes.values())
        (['xeongpu', 'xeoncpu', 'nuc', 'nx', 'tx2', 'nano', 'coral', 'rockpi', 'rpi4', 'rpi3'], [4, 1, 3, 3, 2, 2, 2, 2, 2, 2])
        """
        if isinstance(total, bool) or not isinstance(total, int):
            raise ScenarioError(f"node count must be an integer, got {total!r}")
        used = {t: n for t, n in self.nodes.items() if n > 0}
        if total < len(used):
            raise ScenarioError(
                f"node count {total} is less than the {len(used)} node types of the scenario "
                f"({', '.join(used)}): every type needs at least one node"
            )
        # in proportion to the current counts (largest remainders), at least one each
        weight = sum(used.values())
        quotas = {t: total * n / weight for t, n in used.items()}
        counts = {t: max(1, math.floor(q)) for t, q in quotas.items()}
        order = list(used)
        while sum(counts.values()) < total:
            t = min(order, key=lambda t: (counts[t] - quotas[t], order.index(t)))
            counts[t] += 1
        while sum(counts.values()) > total:  # the minimum of one took too many
            t = max((t for t in order if counts[t] > 1), key=lambda t: (counts[t] - quotas[t], -order.index(t)))
            counts[t] -= 1
        nodes = {t: counts.get(t, 0) for t in self.nodes}
        return self.replace(nodes=nodes)

    # -- files -------------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: "os.PathLike[str] | str", base: Optional["ScenarioConfig"] = None) -> "ScenarioConfig":
        """from_toml(path, base=None) -> ScenarioConfig

        The configuration of *base* (the default scenario if None) changed
        by the scenario file *path* (TOML): top-level keys replace knobs,
        ``[nodes]`` changes node counts (0 removes a type), a
        ``[functions.<name>]`` table changes or adds a function (``enabled =
        false`` removes it), ``[load_options]`` replaces the load options.
        A file with ``complete = true`` (what ``to_toml()`` writes) states
        the whole scenario: its ``[nodes]`` and ``[functions]`` are all the
        nodes and functions (none is taken from *base*), so a saved scenario
        reads back equal to the one saved. Unknown keys and bad values raise
        :class:`ScenarioError` naming the file and the key."""
        path = os.fspath(path)
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except OSError as e:
            raise ScenarioError(f"cannot read scenario file {path!r}: {e.strerror or e}") from None
        except tomllib.TOMLDecodeError as e:
            raise ScenarioError(f"{path}: not valid TOML: {e}") from None
        return cls.from_dict(data, base=base, source=path)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], base: Optional["ScenarioConfig"] = None, source: str = "scenario"
    ) -> "ScenarioConfig":
        """from_dict(data, base=None, source='scenario') -> ScenarioConfig

        As :meth:`from_toml`, from a mapping parsed already (*source* names
        it in error messages)."""
        try:
            return _merge(base if base is not None else cls(), data)
        except ScenarioError as e:
            raise ScenarioError(f"{source}: {e}") from None

    def to_dict(self) -> Dict[str, Any]:
        """The configuration as plain dicts, lists and values (what
        :meth:`from_dict` reads back)."""
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "functions":
                value = {name: _function_dict(fc) for name, fc in value.items()}
            else:
                value = copy.deepcopy(value)
            out[f.name] = value
        return out

    def to_toml(self) -> str:
        """The whole configuration as a scenario file (TOML) marked
        ``complete = true``, which :meth:`from_toml` reads back to an equal
        configuration, whatever its base: functions and node types left out
        of this configuration stay out."""
        data = self.to_dict()
        lines = ["# faassim scenario: python -m faassim run --scenario <this file>", "complete = true"]
        for key, value in data.items():
            if key not in ("load_options", "autoscaler_options", "nodes", "functions"):
                lines.append(f"{key} = {_toml_value(value)}")
        for table in ("load_options", "autoscaler_options", "nodes"):
            lines += ["", f"[{table}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data[table].items()]
        for name, fc in data["functions"].items():
            lines += ["", f"[functions.{_toml_key(name)}]"]
            for key, value in fc.items():
                if key == "images":
                    lines.append("images = [")
                    lines += [f"    {_toml_value(image)}," for image in value]
                    lines.append("]")
                else:
                    lines.append(f"{key} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"


def _function_dict(fc: FunctionConfig) -> Dict[str, Any]:
    out: Dict[str, Any] = {"rate": fc.rate}
    if fc.workers is not None:
        out["workers"] = fc.workers
    out["replicas_per_node"] = fc.replicas_per_node
    out["images"] = [{"image": p.image, "node_types": list(p.node_types)} for p in fc.images]
    return out


# -- TOML writing (tomllib only reads) --------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        # JSON's escapes are TOML's, but TOML also wants DEL escaped
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise ScenarioError(f"cannot write {value!r} ({type(value).__name__}) to TOML")


# -- reading and checking ------------------------------------------------------------

_TOP_KEYS = tuple(f.name for f in dataclasses.fields(ScenarioConfig)) + ("complete",)
_FUNCTION_KEYS = ("rate", "images", "workers", "replicas_per_node", "enabled")
_IMAGE_KEYS = ("image", "node_types")


def _unknown(keys: Any, known: Tuple[str, ...], where: str) -> None:
    bad = [k for k in keys if k not in known]
    if bad:
        raise ScenarioError(f"unknown key {bad[0]!r}{where}; known keys: {', '.join(known)}")


def _table(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{what} must be a table, got {value!r}")
    return value


def _merge(base: ScenarioConfig, data: Mapping[str, Any]) -> ScenarioConfig:
    _table(data, "a scenario")
    _unknown(data, _TOP_KEYS, "")
    values = {f.name: copy.deepcopy(getattr(base, f.name)) for f in dataclasses.fields(base)}
    complete = data.get("complete", False)
    if not isinstance(complete, bool):
        raise ScenarioError(f"complete must be true or false, got {complete!r}")
    if complete:
        # the file states every node type and function: nothing of base's stays
        values["nodes"] = {}
        values["functions"] = {}
        values["load_options"] = {}
        values["autoscaler_options"] = {}
    for key, value in data.items():
        if key == "complete":
            continue
        if key == "nodes":
            values["nodes"].update(_table(value, "[nodes]"))
        elif key in ("load_options", "autoscaler_options"):
            values[key] = dict(_table(value, f"[{key}]"))
        elif key == "functions":
            functions = values["functions"]
            for name, table in _table(value, "[functions]").items():
                where = f"[functions.{name}]"
                table = _table(table, where)
                _unknown(table, _FUNCTION_KEYS, f" in {where}")
                enabled = table.get("enabled", True)
                if not isinstance(enabled, bool):
                    raise ScenarioError(f"{where} enabled must be true or false, got {enabled!r}")
                if not enabled:
                    functions.pop(name, None)
                    continue
                functions[name] = _merge_function(functions.get(name), table, where)
        else:
            values[key] = value
    return ScenarioConfig(**values)


def _merge_function(fc: Optional[FunctionConfig], table: Mapping[str, Any], where: str) -> FunctionConfig:
    if fc is None:
        missing = [k for k in ("rate", "images") if k not in table]
        if missing:
            raise ScenarioError(f"{where} is a new function: it needs {' and '.join(missing)}")
        fc = FunctionConfig(rate=table["rate"], images=[])
    else:
        fc = copy.deepcopy(fc)
    for key, value in table.items():
        if key == "images":
            if not isinstance(value, list):
                raise ScenarioError(f"{where} images must be a list of {{ image, node_types }} tables, got {value!r}")
            images = []
            for item in value:
                item = _table(item, f"{where} images entry")
                _unknown(item, _IMAGE_KEYS, f" in an images entry of {where}")
                if "image" not in item or "node_types" not in item:
                    raise ScenarioError(f"{where} images entry {dict(item)!r} needs image and node_types")
                images.append(ImagePlacement(item["image"], item["node_types"]))
            fc.images = images
        elif key != "enabled":
            setattr(fc, key, value)
    return fc


def _number(value: Any, what: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError(f"{what}, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ScenarioError(f"{what}, got {value!r}")
    return float(value)


def _integer(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(f"{what}, got {value!r}")
    return value


def _choice(value: Any, what: str, choices: Tuple[str, ...]) -> str:
    if value not in choices or not isinstance(value, str):
        raise ScenarioError(f"{what} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return value


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"{what} must be true or false, got {value!r}")
    return value


def _validate(c: ScenarioConfig) -> None:
    c.duration = _number(c.duration, "duration must be a number of seconds > 0", positive=True)
    c.seed = _integer(c.seed, "seed must be an integer in [0, 2**64)", 0)
    if c.seed >= 2**64:
        raise ScenarioError(f"seed must be an integer in [0, 2**64), got {c.seed!r}")
    c.load = _choice(c.load, "load", tuple(LOAD_MODELS))
    c.load_scale = _number(c.load_scale, "load_scale must be a number >= 0")
    if not isinstance(c.load_options, Mapping):
        raise ScenarioError(f"load_options must be a table, got {c.load_options!r}")
    c.load_options = dict(c.load_options)
    c.monitor_interval = _number(c.monitor_interval, "monitor_interval must be a number of seconds >= 0 (0: off)")
    if c.monitor_interval > 0 and 1.0 + c.monitor_interval == 1.0:
        raise ScenarioError(
            f"monitor_interval {c.monitor_interval!r} is too small: it does not advance simulated time (seconds)"
        )
    c.keep_records = _flag(c.keep_records, "keep_records")
    c.power = _flag(c.power, "power")
    c.simulator = _choice(c.simulator, "simulator", SIMULATORS)
    c.load_balancer = _choice(c.load_balancer, "load_balancer", LOAD_BALANCERS)
    c.autoscaler = _choice(c.autoscaler, "autoscaler", tuple(AUTOSCALER_OPTIONS))
    c.network = _choice(c.network, "network", NETWORKS)
    if not isinstance(c.autoscaler_options, Mapping):
        raise ScenarioError(f"autoscaler_options must be a table, got {c.autoscaler_options!r}")
    c.autoscaler_options = dict(c.autoscaler_options)
    known = AUTOSCALER_OPTIONS[c.autoscaler]
    _unknown(c.autoscaler_options, tuple(known), f" in [autoscaler_options] of autoscaler {c.autoscaler!r}")
    for key, value in c.autoscaler_options.items():
        what = f"[autoscaler_options] {key}"
        if key == "scale_min":
            _integer(value, f"{what} must be an integer >= 0", 0)
        elif key in ("keep_alive", "tolerance", "downscale_stabilization"):
            _number(value, f"{what} must be a number >= 0")
        else:
            _number(value, f"{what} must be a number > 0", positive=True)
            if key in ("reconcile_interval", "alert_window") and 1.0 + value == 1.0:
                raise ScenarioError(f"{what} {value!r} is too small: it does not advance simulated time")

    devices = _device_types()
    if not isinstance(c.nodes, Mapping):
        raise ScenarioError(f"nodes must be a table node type -> count, got {c.nodes!r}")
    c.nodes = dict(c.nodes)
    for node_type, count in c.nodes.items():
        if node_type not in devices:
            raise ScenarioError(f"[nodes] unknown node type {node_type!r}; known: {', '.join(sorted(devices))}")
        _integer(count, f"[nodes] {node_type} must be a node count >= 0", 0)
    if not isinstance(c.functions, Mapping) or not c.functions:
        raise ScenarioError(f"functions must be a non-empty table name -> function, got {c.functions!r}")
    c.functions = dict(c.functions)
    images = _image_table()
    ref = _reference()
    for name, fc in c.functions.items():
        where = f"[functions.{name}]"
        if not isinstance(name, str) or not name.strip():
            raise ScenarioError(f"function names must be non-empty strings, got {name!r}")
        if not isinstance(fc, FunctionConfig):
            raise ScenarioError(f"{where} must be a FunctionConfig, got {fc!r}")
        fc.rate = _number(fc.rate, f"{where} rate must be a number of requests/s >= 0")
        scaled = fc.rate * c.load_scale
        if scaled > 0 and not (math.isfinite(scaled) and 1.0 + 1.0 / scaled > 1.0):
            raise ScenarioError(
                f"{where} rate {fc.rate!r} times load_scale {c.load_scale!r} is too large: the mean gap between"
                " arrivals does not advance simulated time (at most about 1e15 requests/s)"
            )
        if fc.workers is not None:
            _integer(fc.workers, f"{where} workers must be an integer >= 1", 1)
        _integer(fc.replicas_per_node, f"{where} replicas_per_node must be an integer >= 1", 1)
        if not isinstance(fc.images, list) or not fc.images:
            raise ScenarioError(f"{where} needs at least one image")
        seen = set()
        replicas = 0
        for p in fc.images:
            if not isinstance(p, ImagePlacement):
                raise ScenarioError(f"{where} images must be ImagePlacement entries, got {p!r}")
            if p.image not in images:
                raise ScenarioError(f"{where} unknown image {p.image!r}; known images: {', '.join(sorted(images))}")
            if p.image in seen:
                raise ScenarioError(f"{where} lists image {p.image!r} twice")
            seen.add(p.image)
            if not isinstance(p.node_types, list) or not p.node_types:
                raise ScenarioError(f"{where} image {p.image!r} needs a non-empty list of node_types")
            for node_type in p.node_types:
                if node_type not in devices:
                    known = ", ".join(sorted(devices))
                    raise ScenarioError(f"{where} image {p.image!r}: unknown node type {node_type!r}; known: {known}")
                if (node_type, p.image) not in ref.fet_oracle or (node_type, p.image) not in ref.resource_oracle:
                    known = [t for t in ref.node_types if (t, p.image) in ref.fet_oracle]
                    raise ScenarioError(
                        f"{where} image {p.image!r} has no characterization on node type {node_type!r}; "
                        f"it has one on {', '.join(known)}"
                    )
                arch = devices[node_type].arch
                if arch not in images[p.image]:
                    raise ScenarioError(
                        f"{where} image {p.image!r} has no build for {node_type!r} (arch {arch!r}); "
                        f"archs: {', '.join(images[p.image])}"
                    )
                replicas += c.nodes.get(node_type, 0) * fc.replicas_per_node
        if replicas == 0:
            raise ScenarioError(f"{where} has no node to run on: its node types have no nodes in [nodes]")


# ---------------------------------------------------------------------------
# Packaged data
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _images_csv() -> str:
    return _resources.files("faassim").joinpath("data", "images.csv").read_text(encoding="utf-8")


def _image_table() -> Dict[str, Dict[str, Dict[str, str]]]:
    """image -> arch -> images.csv row."""
    table: Dict[str, Dict[str, Dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(_images_csv())):
        table.setdefault(row["image"], {})[row["arch"]] = row
    return table


@functools.lru_cache(maxsize=1)
def _device_types() -> Dict[str, Any]:
    return load_device_types()


@functools.lru_cache(maxsize=1)
def _reference() -> Any:
    return load_reference_characterizations()


# ---------------------------------------------------------------------------
# Loads
# ---------------------------------------------------------------------------

#: A load model: ``attach(env, function_name, rate, end, options)`` makes the
#: function's requests from now until *end* (simulated seconds) at *rate*
#: requests/s on average (the function's rate times load_scale), with the
#: scenario's ``load_options``, and returns the request sources it attached
#: (a list; the benchmark keeps them in ``sources``). It should use
#: C-native sources (``env.faas.add_source``) so that no Python runs per
#: request.
LoadModel = Callable[[Any, str, float, float, Mapping[str, Any]], List[Any]]


def _poisson_load(env: Any, function: str, rate: float, end: float, options: Mapping[str, Any]) -> List[Any]:
    """Poisson arrivals at *rate* requests/s until *end* (no options)."""
    if options:
        raise ScenarioError(f"load 'poisson' takes no load_options, got {', '.join(options)}")
    if rate <= 0:
        return []
    return [env.faas.add_source(function, Poisson(rate), until=end)]


_TRACE_OPTIONS = ("trace", "spread", "first_minute", "functions")


@functools.lru_cache(maxsize=8)
def _read_trace_2019(path: str) -> Mapping[str, Any]:
    from faassim.workload import read_azure_2019

    return read_azure_2019(path)


def _trace_load(env: Any, function: str, rate: float, end: float, options: Mapping[str, Any]) -> List[Any]:
    """Azure Functions 2019 per-minute counts (``load = "trace"``): the
    function's arrivals follow the minute-by-minute shape of trace functions,
    scaled so that the function still gets *rate* requests/s on average over
    the run; each minute's (scaled) count is replayed exactly, spread within
    the minute (:class:`~faassim.PerMinute`).

    ``load_options``: ``trace`` (a 2019-format CSV; default the synthetic
    trace packaged with faassim), ``spread`` (``"poisson"``, the default, or
    ``"uniform"``), ``first_minute`` (the trace minute the run starts at, 0
    based; default 0) and ``functions`` (a table scenario function ->
    HashFunction or list of them, whose counts are summed; a function not
    listed gets one of the trace functions with invocations in the run's
    minutes, picked by a stable hash of its name)."""
    from faassim.workload import _scaled, synthetic_azure_path

    unknown = sorted(set(options) - set(_TRACE_OPTIONS))
    if unknown:
        raise ScenarioError(f"load 'trace' takes the load_options {', '.join(_TRACE_OPTIONS)}; "
                            f"unknown: {', '.join(unknown)}")
    path = options.get("trace", None)
    path = str(synthetic_azure_path(2019)) if path is None else path
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError(f"load_options.trace must be a path to an Azure Functions 2019 CSV, got {path!r}")
    spread = options.get("spread", "poisson")
    if spread not in ("poisson", "uniform"):
        raise ScenarioError(f"load_options.spread must be 'poisson' or 'uniform', got {spread!r}")
    first = options.get("first_minute", 0)
    if isinstance(first, bool) or not isinstance(first, int) or first < 0:
        raise ScenarioError(f"load_options.first_minute must be an int >= 0, got {first!r}")
    try:
        trace = _read_trace_2019(os.fspath(path))
    except (OSError, ValueError) as e:
        raise ScenarioError(f"load_options.trace {os.fspath(path)!r}: {e}") from e
    keys = sorted(trace)
    if not keys:
        raise ScenarioError(f"load_options.trace {os.fspath(path)!r} has no functions")
    duration = end - env.now
    minutes = max(1, math.ceil(duration / 60.0))
    n = len(trace[keys[0]].counts)
    if first + minutes > n:
        raise ScenarioError(f"load 'trace': the run needs minutes {first}..{first + minutes - 1} of the trace, "
                            f"which has {n}")
    functions = options.get("functions", {}) or {}
    if not isinstance(functions, Mapping):
        raise ScenarioError(f"load_options.functions must be a table (function -> trace functions), got {functions!r}")
    chosen = functions.get(function)
    if chosen is None:  # a stable pick among the trace functions active in the window
        active = [k for k in keys if int(np.sum(trace[k].counts[first:first + minutes])) > 0] or keys
        digest = hashlib.sha256(function.encode("utf-8")).digest()
        chosen = [active[int.from_bytes(digest[:8], "big") % len(active)]]
    elif isinstance(chosen, str):
        chosen = [chosen]
    missing = [k for k in chosen if not isinstance(k, str) or k not in trace]
    if missing or not chosen:
        raise ScenarioError(f"load_options.functions: {function!r} names trace functions that are not in the trace: "
                            f"{missing or chosen!r}")
    counts = np.zeros(minutes, dtype=np.float64)
    for k in chosen:
        counts += np.asarray(trace[k].counts[first:first + minutes], dtype=np.float64)
    # the requests that fall in the run: whole minutes, and the part of the last one
    tail = duration - 60.0 * (minutes - 1)
    covered = float(counts[:-1].sum()) + float(counts[-1]) * tail / 60.0
    if rate <= 0:
        return []
    if covered <= 0:
        raise ScenarioError(f"load 'trace': trace functions {chosen!r} have no invocations in minutes "
                            f"{first}..{first + minutes - 1}")
    src = PerMinute(_scaled(counts, rate * duration / covered), spread=spread)
    return [env.faas.add_source(function, src, until=end)]


#: The scenario's load models by name (``load = "<name>"``).
LOAD_MODELS: Dict[str, LoadModel] = {"poisson": _poisson_load, "trace": _trace_load}


def register_load(name: str, attach: LoadModel) -> None:
    """register_load(name, attach)

    Make ``load = name`` attach requests with *attach* (see
    :data:`LoadModel`): the extension point for trace replay and other
    arrival processes."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"load name must be a non-empty string, got {name!r}")
    if not callable(attach):
        raise TypeError(f"attach must be callable, got {attach!r}")
    LOAD_MODELS[name] = attach


# ---------------------------------------------------------------------------
# Building and running
# ---------------------------------------------------------------------------


def _nodes(config: ScenarioConfig) -> List[Any]:
    """The topology's nodes, labelled with the images they may run."""
    runs_on: Dict[str, List[str]] = {}
    for fc in config.functions.values():
        for p in fc.images:
            for node_type in p.node_types:
                runs_on.setdefault(node_type, []).append(p.image)
    devices = _device_types()
    nodes = []
    for node_type, count in config.nodes.items():
        labels = {PLACEMENT_LABEL + image: "true" for image in runs_on.get(node_type, [])}
        for i in range(count):
            nodes.append(Node.from_device(f"{node_type}_{i}", devices[node_type], labels=labels))
    return nodes


def _deployments(config: ScenarioConfig) -> List[Any]:
    """One deployment per function: a container per image (the image's
    requests, limited to its node types), as many replicas as its node types
    have nodes (times replicas_per_node), image by image."""
    images = _image_table()
    devices = _device_types()
    out = []
    for name, fc in config.functions.items():
        counts = [sum(config.nodes.get(t, 0) for t in p.node_types) * fc.replicas_per_node for p in fc.images]
        total = sum(counts)
        fn = Function(name, [FunctionImage(p.image) for p in fc.images])
        containers = []
        for p, fn_image in zip(fc.images, fn.fn_images):
            row = images[p.image][devices[p.node_types[0]].arch]
            workers = fc.workers if fc.workers is not None else int(row["workers"])
            containers.append(
                FunctionContainer(
                    fn_image,
                    KubernetesResourceConfiguration(
                        Resources(int(row["cpu_request_millis"]), int(row["memory_request_bytes"]))
                    ),
                    labels={"watchdog": row["watchdog"], "workers": str(workers)},
                    node_selector={PLACEMENT_LABEL + p.image: "true"},
                )
            )
        # each image's share of scale_max is floor(factor * total): n + 0.5
        # keeps exactly n whatever the rounding of the division
        ranking = DeploymentRanking(
            [p.image for p in fc.images], {p.image: (n + 0.5) / total for p, n in zip(fc.images, counts)}
        )
        scaling = ScalingConfiguration(scale_min=total, scale_max=total)
        if config.autoscaler != "none":
            options = {**AUTOSCALER_OPTIONS[config.autoscaler], **config.autoscaler_options}
            scaling.scale_min = min(int(options["scale_min"]), total)
            if config.autoscaler == "requests":
                scaling.target_average_rps = options["target_average_rps"]
                scaling.alert_window = options["alert_window"]
        out.append(FunctionDeployment(fn, containers, scaling, ranking))
    return out


class ScenarioSimulatorFactory(SimulatorFactory):
    """The scenario's simulators: per container, an HTTPWatchdog (or a
    PowerPredictionSimulator) with the container's ``workers`` label and the
    reference characterization of its image."""

    def __init__(self, simulator: str = "http"):
        self.cls = PowerPredictionSimulator if simulator == "power" else HTTPWatchdog
        self.characterizations: Dict[str, Any] = {}

    def create(self, env: Any, container: Any) -> Any:
        """A watchdog for a replica of *container*."""
        image = container.image
        ch = self.characterizations.get(image)
        if ch is None:
            ch = self.characterizations[image] = _reference().characterization(image)
        return self.cls(int(container.labels["workers"]), ch)


def _node_power_model(node_type: str) -> Any:
    preset = NodePowerModel.for_device(node_type)
    cpu, gpu, _net, memory = preset.coef_.tolist()
    return NodePowerModel(preset.idle, [cpu, gpu, memory], features=POWER_FEATURES)


def _make_benchmark(config: ScenarioConfig) -> Any:
    class ScenarioBenchmark(Benchmark):
        """The scenario as a Benchmark: images and power models in setup,
        deployments and loads in run."""

        duration = config.duration
        #: function name -> the request sources its load attached
        sources: Dict[str, List[Any]]

        def setup(self, env: Any) -> None:
            images = _image_table()
            used = {p.image for fc in config.functions.values() for p in fc.images}
            for image in sorted(used):
                for arch, row in images[image].items():
                    env.container_registry.put(image, int(row["image_size_bytes"]), arch=arch)
            if config.power:
                models: Dict[str, Any] = {}
                for node in env.topology.get_nodes():
                    model = models.get(node.node_type)
                    if model is None:
                        model = models[node.node_type] = _node_power_model(node.node_type)
                    env.power_models[node.name] = model

        def run(self, env: Any):
            for fd in _deployments(config):
                env.faas.deploy(fd)
            _start_autoscalers(env, config)
            end = env.now + config.duration
            attach = LOAD_MODELS[config.load]
            for name, fc in config.functions.items():
                attached = attach(env, name, fc.rate * config.load_scale, end, config.load_options)
                self.sources[name] = list(attached or ())
            yield env.timeout(0)

    benchmark = ScenarioBenchmark()
    benchmark.sources = {}
    return benchmark


def scenario_row(*, nodes: Optional[int] = None, scenario: Optional[str] = None, **changes: Any) -> Dict[str, Any]:
    """scenario_row(*, nodes=None, scenario=None, **changes) -> dict

    One run of the scenario as one flat row, for :func:`faassim.sweep`:
    the configuration is the default one (or the TOML file *scenario*) with
    *changes* (any :class:`ScenarioConfig` field, e.g. ``seed``,
    ``load_scale``, ``duration``, ``load``) and, with *nodes*, that many nodes
    (:meth:`ScenarioConfig.with_node_count`). The row holds the run's totals
    (``arrived``, ``completed``, ``throughput``, ``energy``,
    ``joules_per_request``, ..., with ``node_count`` and ``replica_count`` for
    the totals' ``nodes`` and ``replicas``) and per function ``<name>.completed``,
    ``<name>.wait_p99`` and ``<name>.exec_p50`` (seconds; NaN without
    records). A module-level function, so process pools can run it:

    >>> from faassim import sweep
    >>> grid = {"load_scale": [0.1, 0.2], "duration": [5.0], "nodes": [20]}
    >>> rows = sweep(scenario_row, grid, seeds=[1, 2], executor="inline")  # default: a process pool
    >>> [(r["load_scale"], r["seed"]) for r in rows]
    [(0.1, 1), (0.1, 2), (0.2, 1), (0.2, 2)]
    >>> rows[0]["arrived"] < rows[2]["arrived"], sorted(k for k in rows[0] if k.startswith("python-pi"))
    (True, ['python-pi.completed', 'python-pi.exec_p50', 'python-pi.wait_p99'])
    """
    config = ScenarioConfig.from_toml(scenario) if scenario is not None else ScenarioConfig()
    if changes:
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(ScenarioConfig)})
        if unknown:
            raise ScenarioError(f"scenario_row(): unknown scenario settings {', '.join(unknown)}")
        config = config.replace(**changes)
    if nodes is not None:
        config = config.with_node_count(nodes)
    result = run_scenario(config)
    row: Dict[str, Any] = {{"nodes": "node_count", "replicas": "replica_count"}.get(k, k): v
                           for k, v in result.totals.items()}
    for f in result.functions:
        row[f"{f.name}.completed"] = f.completed
        row[f"{f.name}.wait_p99"] = f.wait.get(99, float("nan"))
        row[f"{f.name}.exec_p50"] = f.exec.get(50, float("nan"))
    return row


def _start_autoscalers(env: Any, config: ScenarioConfig) -> None:
    """Start the scenario's autoscaler (and keep-alive), if any."""
    if config.autoscaler == "none":
        return
    from faassim.autoscaling import AverageFaasRequestScaler, HorizontalPodAutoscaler, KeepAlive

    options = {**AUTOSCALER_OPTIONS[config.autoscaler], **config.autoscaler_options}
    if config.autoscaler == "hpa":
        HorizontalPodAutoscaler(
            env,
            reconcile_interval=options["reconcile_interval"],
            tolerance=options["tolerance"],
            target_utilization=options["target_utilization"],
            downscale_stabilization=options["downscale_stabilization"],
        ).start()
    else:
        for fd in env.faas.get_deployments():
            AverageFaasRequestScaler(fd, env).start()
    if options["keep_alive"] > 0:
        KeepAlive(env, keep_alive=options["keep_alive"]).start()


def build_scenario(config: Optional[ScenarioConfig] = None) -> Any:
    """build_scenario(config=None) -> Simulation

    The scenario as a :class:`~faassim.Simulation` (not run yet): its
    environment is ``simulation.env``, its benchmark deploys the functions
    and attaches the loads. :func:`run_scenario` runs it and summarizes."""
    config = ScenarioConfig() if config is None else config
    balancers = {
        "least_outstanding": LeastOutstandingLoadBalancer,
        "round_robin": RoundRobinLoadBalancer,
        "random": RandomLoadBalancer,
    }

    class ScenarioSimulation(Simulation):
        def create_simulator_factory(self) -> Any:
            return ScenarioSimulatorFactory(config.simulator)

        def create_metrics(self, env: Any) -> Any:
            return Metrics(env, keep_records=config.keep_records)

        def create_load_balancer(self, env: Any) -> Any:
            return balancers[config.load_balancer](env)

        def create_resource_monitor(self, env: Any) -> Any:
            return ResourceMonitor(env, config.monitor_interval) if config.monitor_interval > 0 else None

    env = Environment(seed=config.seed)
    return ScenarioSimulation(_topology(config), _make_benchmark(config), env, name="default scenario")


def _topology(config: ScenarioConfig) -> Any:
    """The scenario's topology: its nodes, and the links of its network."""
    nodes = _nodes(config)
    if config.network == "none":
        return Topology(nodes)
    from faassim import cells
    from faassim._core import Random

    if config.network == "urban_sensing":
        # the city's random choices (neighborhood sizes) from their own stream of the seed
        return cells.urban_sensing_topology(nodes, rng=Random(config.seed ^ 0x6E6574))
    return cells.all_internet_topology(nodes)


def run_scenario(
    config: Optional[ScenarioConfig] = None, progress: Optional[Callable[[float, Optional[float]], None]] = None
) -> "ScenarioResult":
    """run_scenario(config=None, progress=None) -> ScenarioResult

    Build the scenario (:func:`build_scenario`), run it for
    ``config.duration`` simulated seconds (*progress* is called as
    ``progress(now, end)`` on the way, see :meth:`Simulation.run`) and
    summarize it.

    When requests failed (their function's last replica could not be placed
    or deployed), replicas could not be placed, or a function with a rate
    got no request at all, one :class:`~faassim.FaassimWarning` at the end
    says so, per function."""
    config = ScenarioConfig() if config is None else config
    sim = build_scenario(config)
    started = time.perf_counter()
    sim.run(progress=progress)
    wall = time.perf_counter() - started
    result = _summarize(config, sim.env, wall)
    message = _losses(result)
    if message:
        warn(message)
    return result


def _losses(result: "ScenarioResult") -> Optional[str]:
    """One line on what went nowhere in *result*: failed requests, replicas
    that could not be placed and functions with a rate that got no request
    (None when nothing did)."""
    from faassim.model import FunctionState

    config = result.config
    faas = result.env.faas
    parts = []
    failed = {f.name: f.failed for f in result.functions if f.failed}
    if failed:
        per = ", ".join(f"{name}: {n:,}" for name, n in failed.items())
        parts.append(f"{sum(failed.values()):,} requests failed ({per}; see function_stats(name)['failed'])")
    unplaced = {f.name: len(faas.get_replicas(f.name, FunctionState.FAILED)) for f in result.functions}
    unplaced = {name: n for name, n in unplaced.items() if n}
    if unplaced:
        per = ", ".join(f"{name}: {n:,}" for name, n in unplaced.items())
        parts.append(
            f"{sum(unplaced.values()):,} replicas could not be placed or deployed ({per}; see "
            "get_replicas(name, FunctionState.FAILED) and the 'failed' rows of 'replica_deployment')"
        )
    idle = [
        f.name
        for f in result.functions
        if f.arrived == 0 and f.failed == 0 and config.functions[f.name].rate * config.load_scale > 0
    ]
    if idle:
        parts.append(f"no request arrived for {', '.join(idle)}")
    if not parts:
        return None
    return f"scenario run (seed {config.seed}, {result.duration:g} s): " + "; ".join(parts)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

PERCENTILES = (50, 95, 99)


@dataclass
class FunctionSummary:
    """What one function saw. Counts: ``arrived`` (requests sent),
    ``completed``, ``failed``, ``in_flight`` (on a replica, running or in
    its worker queue), ``waiting`` (at the platform, for a replica);
    ``arrived = completed + failed + in_flight + waiting``. ``throughput``:
    completed per simulated second. ``wait`` and ``exec``: percentile ->
    seconds (50, 95, 99; empty without records), where wait is the time
    from arrival to the start of execution and exec the execution time;
    ``wait_mean`` and ``exec_mean`` (None without records); ``energy``:
    the dynamic energy of its replicas (J); ``cold_starts`` (completed
    requests that waited for a replica to be deployed) and
    ``wasted_memory_time`` (byte-seconds of memory held by idle RUNNING
    replicas), see :func:`~faassim.cold_start_stats` (None without
    records)."""

    name: str
    replicas: int
    arrived: int
    completed: int
    failed: int
    in_flight: int
    waiting: int
    throughput: float
    wait: Dict[int, float]
    exec: Dict[int, float]
    wait_mean: Optional[float]
    exec_mean: Optional[float]
    energy: float
    cold_starts: Optional[int] = None
    wasted_memory_time: Optional[float] = None


@dataclass
class NodeTypeSummary:
    """What the nodes of one type did: ``replicas`` placed on them, the mean
    utilization of ``cpu``, ``gpu`` and ``ram`` (fractions of a node,
    time-weighted and exact, averaged over the nodes), and ``energy``,
    ``idle_energy``, ``dynamic_energy`` (J, all nodes of the type) and
    ``power`` (mean W per node)."""

    node_type: str
    nodes: int
    replicas: int
    cpu: float
    gpu: float
    ram: float
    energy: float
    idle_energy: float
    dynamic_energy: float
    power: float


@dataclass(repr=False)
class ScenarioResult:
    """The outcome of :func:`run_scenario`: the ``config``, the environment
    (``env``: metrics, platform, energy; for further analysis),
    ``duration`` (simulated seconds), ``wall_seconds`` (of the simulation
    run), one :class:`FunctionSummary` per function, one
    :class:`NodeTypeSummary` per node type, and ``totals``: arrived,
    completed, failed, in_flight, waiting, throughput (req/s), energy,
    idle_energy, dynamic_energy (J), joules_per_request (all energy per
    completed request) and dynamic_joules_per_request."""

    config: ScenarioConfig
    env: Any
    duration: float
    wall_seconds: float
    functions: List[FunctionSummary]
    node_types: List[NodeTypeSummary]
    totals: Dict[str, Any]

    def __repr__(self) -> str:
        t = self.totals
        return (f"<ScenarioResult: {self.duration:,.0f} s simulated, seed {self.config.seed}, "
                f"{t['nodes']} nodes, {t['arrived']:,} requests ({t['completed']:,} completed), "
                f"{t['energy'] / 1e3:,.1f} kJ>")

    def __str__(self) -> str:
        return self.format()

    def _repr_html_(self) -> str:
        """The summary tables in a notebook (Jupyter shows this for a
        result at the end of a cell)."""
        import html

        return f"<pre>{html.escape(self.format())}</pre>"

    def to_dict(self) -> Dict[str, Any]:
        """The summary as JSON-ready dicts (no wall time: two runs with the
        same seed give equal dicts)."""
        return {
            "duration": self.duration,
            "seed": self.config.seed,
            "totals": dict(self.totals),
            "functions": [_json_ready(dataclasses.asdict(f)) for f in self.functions],
            "node_types": [dataclasses.asdict(n) for n in self.node_types],
            "aggregates": {name: self.env.metrics.summary(name) for name in self.env.metrics.measurements()},
        }

    def format(self) -> str:
        """The summary tables as text (what ``python -m faassim run`` prints)."""
        return _format(self)

    def write(self, folder: "os.PathLike[str] | str", format: Optional[str] = None) -> List[str]:
        """write(folder, format=None) -> [paths]

        Write every measurement into *folder* (created if needed): one file
        per metrics table with rows (``<measurement>.parquet`` with pyarrow,
        else ``.csv``; *format* forces ``'parquet'`` or ``'csv'``), the
        energy accounts (``energy_accounts``: per node, replica and
        function), the per-node summary (``nodes``), the cold starts and
        wasted memory-time per function (``cold_starts``, with records),
        the summary (``summary.json``) and the configuration
        (``scenario.toml``). The
        files of two runs with the same configuration are equal byte for
        byte."""
        return _write(self, os.fspath(folder), format)


def _json_ready(d: Dict[str, Any]) -> Dict[str, Any]:
    for key in ("wait", "exec"):
        d[key] = {f"p{q}": v for q, v in d[key].items()}
    return d


def _percentiles(values: np.ndarray) -> Dict[int, float]:
    if values.size == 0:
        return {}
    return {q: float(v) for q, v in zip(PERCENTILES, np.percentile(values, PERCENTILES))}


def _request_times(env: Any, names: List[str]) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Per function: (wait, exec) arrays of the completed requests, from the
    invocations and fets rows (one of each per request, logged in the same
    order: checked)."""
    inv = env.metrics.to_numpy("invocations")
    fets = env.metrics.to_numpy("fets")
    if len(inv.get("time", ())) == 0 or len(fets.get("time", ())) == 0:
        return {name: (np.empty(0), np.empty(0)) for name in names}
    if not (
        np.array_equal(inv["time"], fets["time"])
        and np.array_equal(inv["replica_id"], fets["replica_id"])
        and np.array_equal(inv["t_start"], fets["t_wait_start"])
    ):
        raise RuntimeError("the invocations and fets rows of the scenario do not match one to one")
    wait = inv["t_wait"] + (fets["t_fet_start"] - fets["t_wait_start"])
    execution = fets["t_fet_end"] - fets["t_fet_start"]
    # group by replica id (ints) rather than by name (a string compare per row)
    rid = inv["replica_id"]
    lookup = np.full(int(rid.max()) + 1, -1, dtype=np.int64)
    for i, name in enumerate(names):
        for replica in env.faas.get_replicas(name):
            if replica.replica_id < lookup.size:
                lookup[replica.replica_id] = i
    codes = lookup[rid]
    if (codes < 0).any():  # a replica that is gone: compare names
        fn = inv["function_name"]
        return {name: (wait[fn == name], execution[fn == name]) for name in names}
    return {name: (wait[codes == i], execution[codes == i]) for i, name in enumerate(names)}


def _summarize(config: ScenarioConfig, env: Any, wall: float) -> ScenarioResult:
    faas = env.faas
    names = list(config.functions)
    duration = env.now
    times = _request_times(env, names) if config.keep_records else {}
    cold: Dict[str, Tuple[int, float]] = {}
    if config.keep_records:
        from faassim.autoscaling import cold_start_stats

        stats_of = cold_start_stats(env, names)
        cold = {n: (int(c), float(w)) for n, c, w in zip(names, stats_of["cold_starts"], stats_of["wasted_memory_time"])}
    energy_on = config.power
    functions = []
    for name in names:
        stats = faas.function_stats(name)
        unserved = stats.get("unserved", 0)  # failed without reaching a replica
        in_flight = stats["invoked"] - stats["completed"] - (stats["failed"] - unserved)
        wait, execution = times.get(name, (np.empty(0), np.empty(0)))
        functions.append(
            FunctionSummary(
                name=name,
                replicas=stats["replicas"],
                arrived=stats["invoked"] + stats["waiting"] + unserved,
                completed=stats["completed"],
                failed=stats["failed"],
                in_flight=in_flight,
                waiting=stats["waiting"],
                throughput=stats["completed"] / duration,
                wait=_percentiles(wait),
                exec=_percentiles(execution),
                wait_mean=float(wait.mean()) if wait.size else None,
                exec_mean=float(execution.mean()) if execution.size else None,
                energy=env.energy.function_energy(name) if energy_on else 0.0,
                cold_starts=cold[name][0] if name in cold else None,
                wasted_memory_time=cold[name][1] if name in cold else None,
            )
        )
    replicas_on: Dict[str, int] = {}
    for name in names:
        for replica in faas.get_replicas(name):
            replicas_on[replica.node.node_type] = replicas_on.get(replica.node.node_type, 0) + 1
    by_type: Dict[str, List[Any]] = {}
    for node in env.topology.get_nodes():
        by_type.setdefault(node.node_type, []).append(node)
    state = env.resource_state
    node_types = []
    for node_type, nodes in by_type.items():
        util = {
            r: math.fsum(state.get_integral(n.name, r) for n in nodes) / (duration * len(nodes))
            for r in ("cpu", "gpu", "ram")
        }
        idle = math.fsum(env.energy.idle_energy(n) for n in nodes) if energy_on else 0.0
        dynamic = math.fsum(env.energy.dynamic_energy(n) for n in nodes) if energy_on else 0.0
        node_types.append(
            NodeTypeSummary(
                node_type=node_type,
                nodes=len(nodes),
                replicas=replicas_on.get(node_type, 0),
                cpu=util["cpu"],
                gpu=util["gpu"],
                ram=util["ram"],
                energy=idle + dynamic,
                idle_energy=idle,
                dynamic_energy=dynamic,
                power=(idle + dynamic) / (duration * len(nodes)),
            )
        )
    completed = sum(f.completed for f in functions)
    idle = math.fsum(n.idle_energy for n in node_types)
    dynamic = math.fsum(n.dynamic_energy for n in node_types)
    totals = {
        "nodes": sum(n.nodes for n in node_types),
        "replicas": sum(f.replicas for f in functions),
        "arrived": sum(f.arrived for f in functions),
        "completed": completed,
        "failed": sum(f.failed for f in functions),
        "in_flight": sum(f.in_flight for f in functions),
        "waiting": sum(f.waiting for f in functions),
        "throughput": completed / duration,
        "energy": idle + dynamic,
        "idle_energy": idle,
        "dynamic_energy": dynamic,
        "joules_per_request": (idle + dynamic) / completed if completed else None,
        "dynamic_joules_per_request": dynamic / completed if completed else None,
    }
    if config.network != "none":
        flows = env.metrics.to_numpy("flow")
        pulls = flows.get("action_type", np.empty(0, dtype=object)) == "docker_pull"
        ready = env.metrics.to_numpy("replica_deployment")
        finish = ready["time"][ready.get("value", np.empty(0, dtype=object)) == "finish"]
        totals["pulls"] = int(pulls.sum())
        totals["pulled_bytes"] = float(flows["bytes"][pulls].sum()) if pulls.any() else 0.0
        totals["ready_p50"] = float(np.median(finish)) if finish.size else None
        totals["ready_max"] = float(finish.max()) if finish.size else None
    return ScenarioResult(config, env, duration, wall, functions, node_types, totals)


# -- text ---------------------------------------------------------------------------


def _ms(seconds: Optional[float]) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:,.1f}"


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _table_text(header: List[str], rows: List[List[str]], left: int = 1) -> List[str]:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    out = []
    for r in [header] + rows:
        cells = [c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
    return out


def _format(r: ScenarioResult) -> str:
    c = r.config
    t = r.totals
    lines = [
        f"faassim: edge-cloud scenario, {t['nodes']} nodes of {len(r.node_types)} types, {len(r.functions)} functions "
        f"({t['replicas']} replicas), {c.load} load {c.total_rate():,.0f} req/s, {r.duration:,.0f} s simulated, "
        f"seed {c.seed}",
        "",
    ]
    header = ["function", "replicas", "requests", "completed", "req/s", "wait p50", "p95", "p99 ms", "exec p50", "p95",
              "p99 ms"]
    rows = []
    for f in r.functions:
        rows.append(
            [f.name, f"{f.replicas:,}", f"{f.arrived:,}", f"{f.completed:,}", f"{f.throughput:,.1f}"]
            + [_ms(f.wait.get(q)) for q in PERCENTILES]
            + [_ms(f.exec.get(q)) for q in PERCENTILES]
        )
    rows.append(["all", f"{t['replicas']:,}", f"{t['arrived']:,}", f"{t['completed']:,}", f"{t['throughput']:,.1f}"]
                + [""] * 6)
    lines += _table_text(header, rows)
    lines.append(
        f"(requests = completed {t['completed']:,} + in flight {t['in_flight']:,} + waiting {t['waiting']:,}"
        f" + failed {t['failed']:,}"
        + ("" if c.keep_records else "; percentiles need per-request records: run without --no-records")
        + ")"
    )
    cold = sum(f.cold_starts or 0 for f in r.functions)
    keep_alive = c.autoscaler != "none" and {**AUTOSCALER_OPTIONS[c.autoscaler], **c.autoscaler_options}["keep_alive"] > 0
    if c.keep_records and (cold or keep_alive):  # what scale to zero costs
        wasted = math.fsum(f.wasted_memory_time or 0.0 for f in r.functions)
        lines.append(f"cold starts {cold:,} ({cold / max(t['completed'], 1):.1%} of completed), memory held by idle"
                     f" replicas {wasted / 2**30:,.1f} GiB-s")
    if c.network != "none":
        ready = "" if t["ready_p50"] is None else (
            f", replicas running after {t['ready_p50']:,.1f} s (median), all after {t['ready_max']:,.1f} s")
        lines.append(f"network {c.network}: {t['pulls']:,} image pulls, {t['pulled_bytes'] / 1e9:,.2f} GB{ready}")
    lines.append("")
    header = ["node type", "nodes", "replicas", "cpu", "gpu", "ram"]
    if c.power:
        header += ["power W", "energy kJ", "idle kJ"]
    rows = []
    for n in r.node_types:
        row = [n.node_type, f"{n.nodes:,}", f"{n.replicas:,}", _pct(n.cpu), _pct(n.gpu), _pct(n.ram)]
        if c.power:
            row += [f"{n.power:,.1f}", f"{n.energy / 1e3:,.1f}", f"{n.idle_energy / 1e3:,.1f}"]
        rows.append(row)
    lines += _table_text(header, rows)
    lines.append(
        "(cpu, gpu, ram: mean utilization of a node, time-weighted"
        + ("; power: mean per node, idle included)" if c.power else ")")
    )
    if c.power and t["joules_per_request"] is not None:
        lines.append("")
        lines.append(
            f"energy  {t['energy'] / 1e3:,.1f} kJ ({t['idle_energy'] / t['energy']:.0%} idle), "
            f"{t['joules_per_request']:.2f} J per request ({t['dynamic_joules_per_request']:.2f} J dynamic)"
        )
    elif c.power:
        lines.append("")
        lines.append(f"energy  {t['energy'] / 1e3:,.1f} kJ (no request completed)")
    return "\n".join(lines)


# -- files ------------------------------------------------------------------------

_I64_NULL = np.iinfo(np.int64).min


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _csv_text(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


class _CsvCells(dict):
    """value -> its CSV cell, made once per distinct value (text columns
    repeat a few names)."""

    def __missing__(self, value: Any) -> str:
        text = self[value] = "" if value is None else _csv_text(value)
        return text


def _write_csv(path: str, columns: Dict[str, np.ndarray]) -> None:
    """One header line, then the rows; floats as the shortest text that
    reads back to the same value, missing values empty, text quoted as the
    csv module does (built column by column: several times faster than
    csv.writer)."""
    cells = []
    for arr in columns.values():
        if arr.dtype == np.int64:
            values = list(map(str, arr.tolist()))
            if (arr == _I64_NULL).any():
                values = ["" if v == _I64_NULL else t for v, t in zip(arr.tolist(), values)]
        elif arr.dtype == np.float64:
            values = list(map(repr, arr.tolist()))
        else:
            memo = _CsvCells()
            try:
                values = list(map(memo.__getitem__, arr.tolist()))
            except TypeError:  # unhashable values
                values = ["" if v is None else _csv_text(v) for v in arr.tolist()]
        cells.append(values)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(_csv_text(name) for name in columns) + "\n")
        f.writelines(line + "\n" for line in map(",".join, zip(*cells)))


def _write_parquet(path: str, columns: Dict[str, np.ndarray]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for arr in columns.values():
        if arr.dtype == np.int64:
            arrays.append(pa.array(arr, mask=arr == _I64_NULL))
        else:
            arrays.append(pa.array(arr.tolist() if arr.dtype == object else arr))
    pq.write_table(pa.Table.from_arrays(arrays, names=list(columns)), path)


def _node_table(r: ScenarioResult) -> Dict[str, np.ndarray]:
    env = r.env
    state = env.resource_state
    nodes = env.topology.get_nodes()
    cols: Dict[str, List[Any]] = {k: [] for k in ("node", "node_type", "cpu", "gpu", "ram", "idle", "dynamic", "total")}
    for n in nodes:
        cols["node"].append(n.name)
        cols["node_type"].append(n.node_type)
        for res in ("cpu", "gpu", "ram"):
            cols[res].append(state.get_integral(n.name, res) / r.duration)
        idle = env.energy.idle_energy(n) if r.config.power else 0.0
        dynamic = env.energy.dynamic_energy(n) if r.config.power else 0.0
        cols["idle"].append(idle)
        cols["dynamic"].append(dynamic)
        cols["total"].append(idle + dynamic)
    return {
        k: np.array(v, dtype=object if k in ("node", "node_type") else np.float64) for k, v in cols.items()
    }


def _write(r: ScenarioResult, folder: str, format: Optional[str]) -> List[str]:
    if format is None:
        format = "parquet" if _has_pyarrow() else "csv"
    if format not in ("parquet", "csv"):
        raise ValueError(f"format must be 'parquet' or 'csv', got {format!r}")
    if format == "parquet" and not _has_pyarrow():
        raise ImportError("writing Parquet needs pyarrow (pip install pyarrow), or use format='csv'")
    os.makedirs(folder, exist_ok=True)
    writer = _write_parquet if format == "parquet" else _write_csv
    tables: List[Tuple[str, Dict[str, np.ndarray]]] = []
    metrics = r.env.metrics
    for name in metrics.measurements():
        columns = metrics.to_numpy(name)
        if columns and len(next(iter(columns.values()))):
            tables.append((name, columns))
    if r.config.power:
        tables.append(("energy_accounts", r.env.energy.table()))
    tables.append(("nodes", _node_table(r)))
    if r.config.keep_records:
        from faassim.autoscaling import cold_start_stats

        tables.append(("cold_starts", cold_start_stats(r.env, list(r.config.functions))))
    paths = []
    for name, columns in tables:
        path = os.path.join(folder, f"{name}.{format}")
        writer(path, columns)
        paths.append(path)
    path = os.path.join(folder, "summary.json")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(r.to_dict(), f, indent=2, allow_nan=False, default=_json_default)
        f.write("\n")
    paths.append(path)
    path = os.path.join(folder, "scenario.toml")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(r.config.to_toml())
    paths.append(path)
    return paths


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    raise TypeError(f"cannot write {value!r} to JSON")
