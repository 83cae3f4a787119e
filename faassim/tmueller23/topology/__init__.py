"""The power-prediction study's topologies (faas-sim's
``ext.tmueller23.topology``: ``cell``, ``nano``, ``nx``, ``xeongpu``), and
:class:`Topology`, faas-sim's ``sim.topology.Topology`` as the study's
``main.py`` counts on it.

faas-sim's ``init_docker_registry`` added a compute node ``registry`` that
``get_nodes()`` lists, and ``main.py`` counts on it: it deploys
``(len(get_nodes()) - 1) / 2`` functions, one per device and client pair.
faassim's :meth:`faassim.Topology.init_docker_registry` adds a hop, which
``get_nodes()`` does not list; :class:`Topology` adds a node, as faas-sim's
did, with ether's default capacity (1 core, 1 GiB, ``x86``), connected to
every ``internet*`` hop. The platform sees it as a node: it takes no
replica whose placement is pinned elsewhere (:class:`HostnamePredicate
<faassim.tmueller23.predicates.HostnamePredicate>`), as in the study.

>>> from faassim.tmueller23.topology.nx import NxScenario
>>> t = Topology()
>>> NxScenario(2).materialize(t)
>>> registry = t.init_docker_registry()
>>> [n.name for n in t.get_nodes()], registry.cpu_millis
(['nx_0', 'nuc_0', 'nx_1', 'nuc_1', 'registry'], 1000)
>>> [str(v) for v in t.route("nuc_0", "nx_0").path]
['nuc_0', 'link_nuc_0', 'switch_singlenode_0', 'link_nx_0', 'nx_0']
"""

from __future__ import annotations

from faassim.network_topology import Connection
from faassim.topology import Node
from faassim.topology import Topology as _Topology

__all__ = ["Topology"]


class Topology(_Topology):
    """Topology(nodes=None)

    A :class:`faassim.Topology` whose :meth:`init_docker_registry` adds the
    registry as a compute node (faas-sim's ``sim.topology.Topology``)."""

    def init_docker_registry(self, name: str = "registry") -> Node:  # type: ignore[override]
        """init_docker_registry(name='registry') -> Node

        The compute node *name* (added once, ether's default capacity),
        connected to every hop whose name starts with ``internet``."""
        if name in self:
            registry = self.find_node(name)
        else:
            registry = self.add_node(Node(name))
        linked = {str(b) for a, b, _ in self.edges() if str(a) == name} | {
            str(a) for a, b, _ in self.edges() if str(b) == name}
        for hop in self.get_hops():
            if hop.name.startswith("internet") and hop.name not in linked:
                self.add_connection(Connection(hop, registry))
        return registry
