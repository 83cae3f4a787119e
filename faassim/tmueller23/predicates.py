"""The power-prediction study's placement predicate (faas-sim's
``ext.tmueller23.predicates``): a container label pins the replica to the
node of that name.

>>> import faassim as fs
>>> from types import SimpleNamespace
>>> pod = SimpleNamespace(container=fs.FunctionContainer(fs.FunctionImage("img"), labels={hostname_label: "nx_0"}))
>>> pred = HostnamePredicate()
>>> [pred.passes_predicate(None, pod, fs.Node(name)) for name in ("nx_0", "nx_1")]
[True, False]
"""

from __future__ import annotations

from typing import Any

from faassim.placement import Predicate

__all__ = ["HostnamePredicate", "hostname_label"]

#: the container label that names the node a replica must run on
hostname_label = "skippy.core.hostname"


class HostnamePredicate(Predicate):
    """HostnamePredicate()

    A node passes if the replica's container has no (or an empty)
    :data:`hostname_label`, or if the label is the node's name."""

    def passes_predicate(self, context: Any, pod: Any, node: Any) -> bool:
        wanted = (pod.container.labels or {}).get(hostname_label)
        if not wanted:
            return True
        return node.name == wanted
