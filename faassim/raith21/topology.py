"""raith21's topologies (faas-sim's ``ext.raith21.topology``), built with
:mod:`faassim.cells`: the heterogeneous urban sensing city (the cloud VMs in
a cloudlet on fiber, the edge devices in neighborhoods behind shared mobile
uplinks) with the data buckets on the first node of every neighborhood,
and the flat all-internet topology.

Random source: with ``rng=None`` the city is drawn as faas-sim drew it
(Python's ``random`` for the shuffles and choices, NumPy's global generator
for the neighborhood sizes), so after ``random.seed(s)`` and
``np.random.seed(s)`` it is faas-sim's city for that seed, node for node and
in the same order; ``rng=`` a :class:`faassim.Random` draws everything from
it instead.
"""

from __future__ import annotations

import random as _random
from typing import Any, List, Optional, Sequence

import numpy as np

from faassim.cells import HeterogeneousUrbanSensingScenario, default_cell_density
from faassim.cells import all_internet_topology as _all_internet_topology
from faassim.distributions import LogNormal
from faassim.network import Storage
from faassim.raith21 import storage
from faassim.topology import Node, Topology

__all__ = ["urban_sensing_topology", "all_internet_topology", "init_storage"]


class _GlobalRandom:
    """The draws of faas-sim's raith21 city: Python's global ``random``."""

    def random(self) -> float:
        return _random.random()

    def randint(self, a: int, b: int) -> int:
        return _random.randint(a, b)

    def shuffle(self, x: List[Any]) -> None:
        _random.shuffle(x)


class _NumpyLogNormal(LogNormal):
    """The neighborhood size as ether drew it: scipy's lognorm from NumPy's
    global generator (``loc + scale * exp(s * Z)``)."""

    __slots__ = ()

    def sample(self, rng: Any) -> float:
        s, loc, scale = self.spec[1]
        return float(np.exp(s * np.random.standard_normal()) * scale + loc)


def init_storage(storage_index: Storage, storage_nodes: Sequence[Node]) -> None:
    """Make raith21's buckets on each of *storage_nodes* and put its data
    items (``faassim.raith21.storage``) in them."""
    if not isinstance(storage_index, Storage):
        raise TypeError(f"storage_index must be a faassim.network.StorageIndex (Storage), not {storage_index!r}")
    for node in storage_nodes:
        for bucket in storage.bucket_names:
            storage_index.mb(bucket, node.name)
    for item in storage.data_items:
        storage_index.put(item)


def urban_sensing_topology(nodes: Sequence[Node], storage_index: Storage, rng: Optional[Any] = None) -> Topology:
    """urban_sensing_topology(nodes, storage_index, rng=None) -> Topology

    The heterogeneous urban sensing city of *nodes* (see
    :class:`faassim.cells.HeterogeneousUrbanSensingScenario`) with the
    container registry; *storage_index* (a
    :class:`faassim.network.StorageIndex`) gets the buckets on the first
    node of each neighborhood and the data items. See the module doc for
    *rng*."""
    if rng is None:
        density = _NumpyLogNormal(*default_cell_density.spec[1])
        scenario = HeterogeneousUrbanSensingScenario(nodes, cell_density=density, rng=_GlobalRandom())
    else:
        scenario = HeterogeneousUrbanSensingScenario(nodes, rng=rng)
    if not isinstance(storage_index, Storage):
        raise TypeError(f"urban_sensing_topology: storage_index must be a faassim.network.StorageIndex, "
                        f"not {storage_index!r}")
    t = Topology()
    t.add(scenario)
    t.init_docker_registry()
    init_storage(storage_index, scenario.storage_nodes)
    return t


def all_internet_topology(nodes: Sequence[Node]) -> Topology:
    """Every node alone on a LAN joined to the internet, and the registry."""
    return _all_internet_topology(nodes)
