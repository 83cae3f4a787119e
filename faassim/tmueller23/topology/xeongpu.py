"""The study's xeongpu scenario (faas-sim's ``ext.tmueller23.topology.xeongpu``):
*n* cells of one xeongpu and its nuc client, each behind fibre to the
internet (:class:`faassim.cells.FiberToExchange`, 1000/1000 Mbit/s).

The xeongpu is raith21's (``nodes.xeongpu`` of :mod:`faassim.cells`).

>>> import faassim as fs
>>> t = fs.Topology()
>>> XeonScenario(2).materialize(t)
>>> [n.name for n in t.get_nodes()]
['xeongpu_0', 'nuc_0', 'xeongpu_1', 'nuc_1']
"""

from __future__ import annotations

from typing import Any

from faassim.cells import FiberToExchange, nodes
from faassim.tmueller23.topology.cell import SingleNodeCell
from faassim.topology import Topology

__all__ = ["XeonScenario"]


class XeonScenario:
    """XeonScenario(n=1, internet='internet')"""

    def __init__(self, n: int = 1, internet: Any = "internet") -> None:
        super().__init__()
        self.n = n
        self.internet = internet

    def materialize(self, topology: Topology) -> None:
        for i in range(self.n):
            topology.add(self.create_singlenode())

    def create_singlenode(self) -> SingleNodeCell:
        return SingleNodeCell(nodes.xeongpu, backhaul=FiberToExchange(self.internet))
