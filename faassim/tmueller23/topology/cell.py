"""The study's cell (faas-sim's ``ext.tmueller23.topology.cell``): one
device and a nuc as its client behind a switch ``switch_singlenode_<k>``.

>>> import faassim as fs
>>> from faassim.cells import nodes
>>> t = fs.Topology().add(SingleNodeCell(nodes.nx, backhaul="internet"))
>>> [n.name for n in t.get_nodes()], str(t.route("nx_0", "internet").path[-2])
(['nx_0', 'nuc_0'], 'switch_singlenode_0')
"""

from __future__ import annotations

from typing import Any

from faassim.cells import LANCell, nodes

__all__ = ["SingleNodeCell"]


class SingleNodeCell(LANCell):
    """SingleNodeCell(node, backhaul=None)

    A LAN cell of *node* (a node or a node factory) and a nuc (its client),
    named ``singlenode_<k>``."""

    _prefix = "singlenode"

    def __init__(self, node: Any, backhaul: Any = None) -> None:
        self.node = node
        super().__init__([node, nodes.nuc], backhaul=backhaul)
