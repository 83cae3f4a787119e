"""The study's Jetson nx scenario (faas-sim's ``ext.tmueller23.topology.nx``):
*n* cells of one Jetson nx and its nuc client, each behind fibre to the
internet (:class:`faassim.cells.FiberToExchange`, 1000/1000 Mbit/s).

As in the study, the nx is ether's ``create_nx`` (6 cores, memory
``8G`` = 8,000,000,000 bytes), not raith21's (the memory of faassim's
``nodes.nx``), with faassim's labels for the type.

>>> import faassim as fs
>>> t = fs.Topology()
>>> NxScenario(2).materialize(t)
>>> [n.name for n in t.get_nodes()]
['nx_0', 'nuc_0', 'nx_1', 'nuc_1']
>>> t.find_node('nx_0').memory, t.find_node('nx_0').cpu_millis
(8000000000, 6000)
"""

from __future__ import annotations

from typing import Any

from faassim.cells import FiberToExchange, NodeFactory, nodes
from faassim.tmueller23.topology.cell import SingleNodeCell
from faassim.topology import Node, Topology

__all__ = ["NxScenario", "create_nx"]


def _make_nx(name: str) -> Node:
    like = nodes.nx(name)
    return Node(name, 6000, "8G", arch=like.arch, labels=dict(like.labels), accelerators=dict(like.accelerators))


#: ether's ``create_nx`` (6 cores, memory ``8G``), with the labels of faassim's nx
create_nx = NodeFactory("nx", _make_nx)


class NxScenario:
    """NxScenario(n=1, internet='internet')"""

    def __init__(self, n: int = 1, internet: Any = "internet") -> None:
        super().__init__()
        self.n = n
        self.internet = internet

    def materialize(self, topology: Topology) -> None:
        for i in range(self.n):
            topology.add(self.create_singlenode())

    def create_singlenode(self) -> SingleNodeCell:
        return SingleNodeCell(create_nx, backhaul=FiberToExchange(self.internet))
