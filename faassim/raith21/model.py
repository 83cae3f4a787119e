"""The device vocabulary of faas-sim's raith21 experiment: the bins and
kinds a generated device is described by (faas-sim's ``ext.raith21.model``).

Bins, as raith21 defines them (cores and RAM in GB share the first row)::

    cores, RAM:  LOW 1-2     MEDIUM 4-8      HIGH 16-32      VERY_HIGH > 32
    cpu GHz:     LOW <= 1.5  MEDIUM 1.6-2.2  HIGH < 3.5      VERY_HIGH > 3.5
    gpu MHz:     LOW <= 1000 MEDIUM <= 1200  HIGH <= 1500    VERY_HIGH > 1700
    VRAM GB:     LOW <= 2    MEDIUM 4-8      HIGH < 32       VERY_HIGH > 32
    network:     LOW <= 150 Mbit/s, MEDIUM <= 500, HIGH <= 1000, VERY_HIGH >= 10000

>>> Bins.HIGH.value, Arch["AARCH64"], Accelerator.GPU.name
(3, <Arch.AARCH64: 3>, 'GPU')
"""

from enum import Enum

__all__ = ["Bins", "Location", "Disk", "Accelerator", "Connection", "Arch", "GpuModel", "CpuModel"]


class Bins(Enum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    VERY_HIGH = 4


class Location(Enum):
    CLOUD = 1
    EDGE = 2
    MEC = 3
    MOBILE = 4


class Disk(Enum):
    HDD = 1
    SSD = 2
    NVME = 3
    FLASH = 4
    SD = 5


class Accelerator(Enum):
    NONE = 1
    GPU = 2
    TPU = 3


class Connection(Enum):
    MOBILE = 1
    WIFI = 2
    ETHERNET = 3


class Arch(Enum):
    ARM32 = 1
    X86 = 2
    AARCH64 = 3


class GpuModel(Enum):
    TURING = 1
    PASCAL = 2
    MAXWELL = 3
    VOLTA = 4


class CpuModel(Enum):
    I7 = 1
    XEON = 2
    ARM = 3
