"""Device generation (faas-sim's ``ext.raith21.generator``): draw ``n``
abstract devices, either from a :class:`GeneratorSettings` (the share of
each architecture and, per architecture, a distribution of every property)
or uniformly at random.

Random source: ``rng=None`` draws as faas-sim did, so a seeded faas-sim
experiment gets the same devices: with settings from NumPy's global
generator (``np.random.seed(1234)`` first, as raith21's ``main.py`` does),
without from Python's ``random``. Pass ``rng=`` a :class:`faassim.Random`
(or a NumPy ``Generator``/``RandomState``) to draw from it instead.

>>> import numpy as np
>>> from faassim.raith21.generators.cloudcpu import cloudcpu_settings
>>> devices = generate_devices(10, cloudcpu_settings, rng=np.random.RandomState(1234))
>>> [d.arch.name for d in devices].count("X86"), devices[0].location.name
(8, 'CLOUD')
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import numbers
import random as _random
from dataclasses import dataclass
from importlib import resources as _resources
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from faassim.raith21.device import ArchProperties, Device, GpuDevice
from faassim.raith21.model import Accelerator, Arch, Bins, Connection, CpuModel, Disk, GpuModel, Location

__all__ = ["GeneratorSettings", "generate_devices", "load_generator_settings", "SCENARIOS"]

#: The generator settings packaged in ``faassim/data/generator_settings.csv``
#: (faas-sim's ``ext/raith21/generators/*.py``), by scenario name.
SCENARIOS = ("cloud_cpu", "cloud_gpu", "edge_cloudlet", "edge_gpu", "edge_sbc", "edge_tpu", "hybrid_balanced",
             "hybrid_balanced_jetson")


@dataclass
class GeneratorSettings:
    """The share of devices per architecture (``arch``) and the property
    distributions of each (``properties``)."""

    arch: Dict[Arch, float]
    properties: Dict[Arch, ArchProperties]


_KINDS = dict(zip(ArchProperties.PROPERTIES, (Accelerator, Bins, Disk, Location, Connection, Bins, Bins, CpuModel,
                                              Bins, Bins, Bins, GpuModel)))
# The order in which raith21's settings files list the values of these
# properties (the same in all eight); the others list them in enum order.
# The order decides which value a uniform draw falls on.
_LISTED = {
    "disk": ("SSD", "SD", "NVME", "FLASH", "HDD"),
    "location": ("CLOUD", "MEC", "EDGE", "MOBILE"),
    "connection": ("ETHERNET", "WIFI", "MOBILE"),
    "cpu": ("XEON", "I7", "ARM"),
    "gpu_model": ("PASCAL", "MAXWELL", "TURING", "VOLTA"),
}


@functools.lru_cache(maxsize=None)
def _settings_rows() -> tuple:
    text = _resources.files("faassim.data").joinpath("generator_settings.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))


def load_generator_settings(scenario: str) -> GeneratorSettings:
    """load_generator_settings(scenario) -> GeneratorSettings

    One of the eight settings of raith21 (:data:`SCENARIOS`), read from
    ``faassim/data/generator_settings.csv``. A new object each call."""
    rows = [r for r in _settings_rows() if r["scenario"] == scenario]
    if not rows:
        raise KeyError(f"unknown generator settings {scenario!r}; known: {', '.join(SCENARIOS)}")
    shares: Dict[Arch, float] = {}
    tables: Dict[Arch, Dict[str, Dict[Any, float]]] = {}
    for r in rows:
        arch = Arch[r["arch"]]
        shares[arch] = float(r["arch_share"])
        prop = r["property"]
        tables.setdefault(arch, {}).setdefault(prop, {})[_KINDS[prop][r["value"]]] = float(r["probability"])
    properties = {}
    for arch, props in tables.items():
        for prop, order in _LISTED.items():
            if prop in props:
                props[prop] = {k: props[prop][k] for k in sorted(props[prop], key=lambda k: order.index(k.name))}
        properties[arch] = ArchProperties(arch=arch, **props)
    return GeneratorSettings(shares, properties)


def _uniform(rng: Any) -> float:
    if rng is None:
        return float(np.random.random_sample())
    return float(rng.random())


def _cdf(probs: Any) -> Tuple[List[Any], List[float]]:
    """The values of ``probs = (enum, {value: probability})`` and their
    normalized cumulative sums, as ``numpy.random.choice`` computes them."""
    kind, table = probs
    values = list(table.keys())
    p = np.asarray(list(table.values()), dtype=np.float64)
    if not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-8:
        raise ValueError(f"the probabilities of {kind.__name__} values must be >= 0 and sum to 1, got {table!r}")
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    return values, cdf.tolist()


def get_property_with_probs(probs: Any, rng: Any = None) -> Any:
    """A value of the property ``probs = (enum, {value: probability})``,
    drawn as ``numpy.random.choice(len(values), p=probabilities)`` does (one
    uniform number against the normalized cumulative sums); None for an
    empty distribution (no draw)."""
    if not probs[1]:
        return None
    values, cdf = _cdf(probs)
    return values[bisect.bisect_right(cdf, _uniform(rng))]


def generate_devices_with_settings(n: int, settings: GeneratorSettings, rng: Any = None) -> List[Device]:
    """``int(n * share)`` devices of each architecture of *settings*, in
    its order, each property drawn independently."""
    devices: List[Device] = []
    for arch, share in settings.arch.items():
        if arch not in settings.properties:
            raise KeyError(f"generator settings have a share for {arch} but no ArchProperties for it")
        tables = [_cdf(p) if p[1] else None for p in settings.properties[arch].values]
        for _ in range(int(n * share)):
            drawn: List[Any] = [None if t is None else t[0][bisect.bisect_right(t[1], _uniform(rng))] for t in tables]
            if drawn[0] is Accelerator.GPU:
                devices.append(GpuDevice(str(len(devices)), arch, *drawn))
            else:
                devices.append(Device(str(len(devices)), arch, *drawn[:9]))
    return devices


def _choice(rng: Any, seq: Sequence[Any]) -> Any:
    return _random.choice(seq) if rng is None else rng.choice(list(seq))


def generate_devices(n: int, settings: Optional[GeneratorSettings] = None, rng: Any = None) -> List[Device]:
    """generate_devices(n, settings=None, rng=None) -> list of Device

    With *settings*: ``int(n * share)`` devices per architecture (so
    rounding may give fewer than *n*), properties drawn from the settings.
    Without: *n* devices, every property uniform over its values (cpu model
    and accelerator restricted by the architecture, as faas-sim). Devices
    get ids ``"0"``, ``"1"``, ... (faas-sim gave every device of a settings
    run the id ``"0"``; nothing reads it). See the module doc for *rng*."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"generate_devices: n must be an int >= 0, got {n!r}")
    if settings is not None:
        if not isinstance(settings, GeneratorSettings):
            raise TypeError(f"generate_devices: settings must be a GeneratorSettings or None, not {settings!r}")
        return generate_devices_with_settings(int(n), settings, rng)
    devices: List[Device] = []
    bins = list(Bins)
    for i in range(int(n)):
        arch = _choice(rng, list(Arch))
        cores = _choice(rng, bins)
        location = _choice(rng, list(Location))
        connection = _choice(rng, list(Connection))
        network = _choice(rng, bins)
        cpu_mhz = _choice(rng, bins)
        cpu = CpuModel.ARM if arch is not Arch.X86 else _choice(rng, [CpuModel.I7, CpuModel.XEON])
        disk = _choice(rng, list(Disk))
        ram = _choice(rng, bins)
        if arch is Arch.AARCH64:
            accelerator = _choice(rng, list(Accelerator))
        elif arch is Arch.ARM32:
            accelerator = Accelerator.NONE
        else:
            accelerator = _choice(rng, [Accelerator.GPU, Accelerator.NONE])
        common = dict(id=str(i), arch=arch, accelerator=accelerator, cores=cores, disk=disk, location=location,
                      connection=connection, network=network, cpu_mhz=cpu_mhz, cpu=cpu, ram=ram)
        if accelerator is Accelerator.GPU:
            vram = _choice(rng, bins)
            gpu_mhz = _choice(rng, bins)
            gpu_model = GpuModel.TURING if arch is Arch.X86 else _choice(
                rng, [GpuModel.PASCAL, GpuModel.MAXWELL, GpuModel.VOLTA])
            devices.append(GpuDevice(vram=vram, gpu_mhz=gpu_mhz, gpu_model=gpu_model, **common))
        else:
            devices.append(Device(**common))
    return devices
