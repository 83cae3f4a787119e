"""Generated devices and the per-architecture property distributions they are
drawn from (faas-sim's ``ext.raith21.device``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Dict, List, Tuple

from faassim.raith21.model import Accelerator, Arch, Bins, Connection, CpuModel, Disk, GpuModel, Location

__all__ = ["ArchProperties", "Device", "GpuDevice"]


@dataclass
class ArchProperties:
    """The distribution of each device property for one architecture: a
    dict value -> probability per property. The generator draws them in the
    order of :attr:`values`, each from its dict in the dict's order."""

    arch: Arch
    accelerator: Dict[Accelerator, float]
    cores: Dict[Bins, float]
    disk: Dict[Disk, float]
    location: Dict[Location, float]
    connection: Dict[Connection, float]
    network: Dict[Bins, float]
    cpu_mhz: Dict[Bins, float]
    cpu: Dict[CpuModel, float]
    ram: Dict[Bins, float]
    gpu_vram: Dict[Bins, float] = field(default_factory=dict)
    gpu_mhz: Dict[Bins, float] = field(default_factory=dict)
    gpu_model: Dict[GpuModel, float] = field(default_factory=dict)

    #: the properties in the order the generator draws them (faas-sim's ``values``)
    PROPERTIES = ("accelerator", "cores", "disk", "location", "connection", "network", "cpu_mhz", "cpu", "ram",
                  "gpu_vram", "gpu_mhz", "gpu_model")

    @property
    def values(self) -> List[Tuple[Any, Dict[Any, float]]]:
        """(enum, distribution) per property, in drawing order."""
        kinds = (Accelerator, Bins, Disk, Location, Connection, Bins, Bins, CpuModel, Bins, Bins, Bins, GpuModel)
        return [(kind, getattr(self, name)) for kind, name in zip(kinds, self.PROPERTIES)]


@dataclass
class Device:
    """A generated device: its architecture and binned properties. ``labels``
    are the ``device.edgerun.io/*`` node labels they become."""

    id: str
    arch: Arch
    accelerator: Accelerator
    cores: Bins
    disk: Disk
    location: Location
    connection: Connection
    network: Bins
    cpu_mhz: Bins
    cpu: CpuModel
    ram: Bins

    _LABELS = ("arch", "accelerator", "cores", "location", "connection", "network", "cpu_mhz", "cpu", "ram", "disk")

    @property
    def labels(self) -> Dict[str, str]:
        return {f"device.edgerun.io/{name}": getattr(self, name).name for name in self._LABELS}

    def copy(self) -> "Device":
        return type(self)(**{f.name: getattr(self, f.name) for f in fields(self)})


@dataclass
class GpuDevice(Device):
    """A device with a GPU: also ``vram``, ``gpu_mhz`` and ``gpu_model``."""

    vram: Bins
    gpu_mhz: Bins
    gpu_model: GpuModel

    @property
    def labels(self) -> Dict[str, str]:
        labels = super().labels
        labels["device.edgerun.io/vram_bin"] = self.vram.name
        labels["device.edgerun.io/gpu_mhz"] = self.gpu_mhz.name
        labels["device.edgerun.io/gpu_model"] = self.gpu_model.name
        return labels
