"""The study's Jetson nano scenario (faas-sim's ``ext.tmueller23.topology.nano``):
*n* cells of one Jetson nano and its nuc client, each behind fibre to the
internet (:class:`faassim.cells.FiberToExchange`, 1000/1000 Mbit/s).

As in the study, the nano is ether's ``create_nano`` (4 cores, memory
``4G`` = 4,000,000,000 bytes), not raith21's (the memory of faassim's
``nodes.nano``), with faassim's labels for the type.

>>> import faassim as fs
>>> t = fs.Topology()
>>> NanoScenario(2).materialize(t)
>>> [n.name for n in t.get_nodes()]
['nano_0', 'nuc_0', 'nano_1', 'nuc_1']
>>> t.find_node('nano_0').memory, t.find_node('nano_0').cpu_millis
(4000000000, 4000)
"""

from __future__ import annotations

from typing import Any

from faassim.cells import FiberToExchange, NodeFactory, nodes
from faassim.tmueller23.topology.cell import SingleNodeCell
from faassim.topology import Node, Topology

__all__ = ["NanoScenario", "create_nano"]


def _make_nano(name: str) -> Node:
    like = nodes.nano(name)
    return Node(name, 4000, "4G", arch=like.arch, labels=dict(like.labels), accelerators=dict(like.accelerators))


#: ether's ``create_nano`` (4 cores, memory ``4G``), with the labels of faassim's nano
create_nano = NodeFactory("nano", _make_nano)


class NanoScenario:
    """NanoScenario(n=1, internet='internet')"""

    def __init__(self, n: int = 1, internet: Any = "internet") -> None:
        super().__init__()
        self.n = n
        self.internet = internet

    def materialize(self, topology: Topology) -> None:
        for i in range(self.n):
            topology.add(self.create_singlenode())

    def create_singlenode(self) -> SingleNodeCell:
        return SingleNodeCell(create_nano, backhaul=FiberToExchange(self.internet))
