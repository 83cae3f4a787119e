"""Generated devices to nodes (faas-sim's ``ext.raith21.etherdevices``):
each :class:`~faassim.raith21.device.Device` becomes a node of one of the
ten reference device types (``faassim/data/devices.csv``), whose fixed
figures and labels replace most of the drawn ones.

>>> from faassim.raith21.device import Device
>>> from faassim.raith21.model import *
>>> d = Device("0", Arch.X86, Accelerator.NONE, Bins.HIGH, Disk.SSD, Location.MEC, Connection.ETHERNET,
...            Bins.HIGH, Bins.MEDIUM, CpuModel.XEON, Bins.HIGH)
>>> device_type_of(d), [n.name for n in convert_to_ether_nodes([d, d])]
('nuc', ['nuc_0', 'nuc_1'])
"""

from __future__ import annotations

from typing import Dict, List, Sequence

from faassim.raith21.device import Device
from faassim.raith21.model import Accelerator, Arch, Bins, GpuModel, Location
from faassim.topology import Node, load_device_types

__all__ = ["device_type_of", "create_node_from_device", "convert_to_ether_nodes"]


def device_type_of(device: Device) -> str:
    """The node type raith21 maps *device* to:

    - ARM32: ``rpi4`` with cores MEDIUM or more, or cpu_mhz HIGH or more; else ``rpi3``;
    - AARCH64 with a GPU: ``nano`` if ram or cpu_mhz is LOW or the GPU a
      MAXWELL; else ``tx2`` if the GPU is a PASCAL or cores are LOW; else ``nx``;
      without accelerator ``rockpi``; with a TPU ``coral``;
    - X86: ``nuc`` outside the cloud; in the cloud ``xeongpu`` with a GPU, else ``xeoncpu``.
    """
    if not isinstance(device, Device):
        raise TypeError(f"device_type_of: expected a faassim.raith21 Device, not {type(device).__name__} ({device!r})")
    if device.arch is Arch.ARM32:
        big = device.cores in (Bins.MEDIUM, Bins.HIGH, Bins.VERY_HIGH) or device.cpu_mhz in (Bins.HIGH, Bins.VERY_HIGH)
        return "rpi4" if big else "rpi3"
    if device.arch is Arch.AARCH64:
        if device.accelerator is Accelerator.GPU:
            gpu_model = getattr(device, "gpu_model", None)
            if device.ram is Bins.LOW or device.cpu_mhz is Bins.LOW or gpu_model is GpuModel.MAXWELL:
                return "nano"
            if gpu_model is GpuModel.PASCAL or device.cores is Bins.LOW:
                return "tx2"
            return "nx"
        return "rockpi" if device.accelerator is Accelerator.NONE else "coral"
    if device.arch is Arch.X86:
        if device.location is not Location.CLOUD:
            return "nuc"
        return "xeongpu" if device.accelerator is Accelerator.GPU else "xeoncpu"
    raise ValueError(f"device_type_of: device {device.id!r} has an unknown architecture {device.arch!r}")


def create_node_from_device(device: Device, name: str) -> Node:
    """The node *name* of *device*'s type (:meth:`faassim.Node.from_device`:
    the type's capacity, architecture and labels)."""
    return Node.from_device(name, device_type_of(device))


def convert_to_ether_nodes(devices: Sequence[Device]) -> List[Node]:
    """One node per device, named ``<type>_<k>`` with ``k`` counting per
    type from 0 in this call (faas-sim counted per Python process, so a
    second call went on numbering)."""
    counters: Dict[str, int] = {}
    types = load_device_types()
    nodes = []
    for device in devices:
        kind = device_type_of(device)
        k = counters.get(kind, 0)
        counters[kind] = k + 1
        nodes.append(Node.from_device(f"{kind}_{k}", types[kind]))
    return nodes
