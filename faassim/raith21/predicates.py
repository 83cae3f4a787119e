"""raith21's placement predicates (faas-sim's ``ext.raith21.predicates``) as
:class:`faassim.placement.Predicate` subclasses, run by the scheduler beside
the C built-ins. ``pod`` is the replica being placed (its container's
``image`` and ``labels`` are skippy's ``pod.spec``), ``node`` a topology
node; the replicas already on a node are those of ``env.faas`` placed there
and not removed (skippy's ``node.pods``).
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, Tuple

from faassim.placement import Predicate
from faassim.topology import node_type_of

__all__ = ["CanRunPred", "HasEnoughRamPredicate", "NodeHasAcceleratorPred", "NodeHasFreeGpu", "NodeHasFreeTpu"]

ACCELERATOR = "device.edgerun.io/accelerator"
VRAM = "device.edgerun.io/vram"


def _labels(replica: Any) -> Any:
    return replica.container.labels or {}


def pods_on(context: Any, node: Any) -> Iterator[Any]:
    """The replicas placed on *node* that still hold it (not removed or
    failed), in the order the platform lists them."""
    faas = context.env.faas
    for fd in faas.get_deployments():
        for replica in faas.get_replicas(fd.name):
            if replica.node is node:
                yield replica


class CanRunPred(Predicate):
    """CanRunPred(fet_oracle, resource_oracle)

    The node's type has an execution time and a resource use for the
    image (``(node, image) in oracle``); never the registry. Answers are
    kept per (node type, image)."""

    def __init__(self, fet_oracle: Any, resource_oracle: Any):
        for name, oracle in (("fet_oracle", fet_oracle), ("resource_oracle", resource_oracle)):
            if not callable(getattr(oracle, "__contains__", None)):
                raise TypeError(f"CanRunPred: {name} must be a faassim oracle (supporting (host, image) in oracle), "
                                f"got {oracle!r}")
        self.fet_oracle = fet_oracle
        self.resource_oracle = resource_oracle
        self._known: Dict[Tuple[str, str], bool] = {}

    def passes_predicate(self, context: Any, pod: Any, node: Any) -> bool:
        key = (node_type_of(node.name), pod.container.image)
        ok = self._known.get(key)
        if ok is None:
            host, image = key
            ok = host != "registry" and (host, image) in self.fet_oracle and (host, image) in self.resource_oracle
            self._known[key] = ok
        return ok


class HasEnoughRamPredicate(Predicate):
    """HasEnoughRamPredicate(resource_oracle)

    The characterized ram of the image and of every replica on the node
    (fractions of the node's memory) sum to at most 1."""

    def __init__(self, resource_oracle: Any):
        self.resource_oracle = resource_oracle

    def passes_predicate(self, context: Any, pod: Any, node: Any) -> bool:
        used = self.resource_oracle.get_resources(node.name, pod.container.image)["ram"]
        for other in pods_on(context, node):
            used += self.resource_oracle.get_resources(node.name, other.container.image)["ram"]
        return used <= 1


class NodeHasAcceleratorPred(Predicate):
    """A container labelled ``device.edgerun.io/accelerator`` only goes to
    nodes with that label of the same value."""

    def passes_predicate(self, context: Any, pod: Any, node: Any) -> bool:
        labels = _labels(pod)
        if ACCELERATOR not in labels:
            return True
        return labels[ACCELERATOR] == node.labels.get(ACCELERATOR, "")


class NodeHasFreeTpu(Predicate):
    """A TPU container goes to a node where no TPU container is placed."""

    def passes_predicate(self, context: Any, pod: Any, node: Any) -> bool:
        if _labels(pod).get(ACCELERATOR, "") != "TPU":
            return True
        return not any(_labels(other).get(ACCELERATOR, "") == "TPU" for other in pods_on(context, node))


class NodeHasFreeGpu(Predicate):
    """NodeHasFreeGpu(use_vram=False)

    A GPU container goes to a node where no GPU container is placed; with
    ``use_vram``, where the ``device.edgerun.io/vram`` labels of the GPU
    containers placed there and of this one fit the node's label."""

    def __init__(self, use_vram: bool = False):
        self.use_vram = bool(use_vram)

    def passes_predicate(self, context: Any, pod: Any, node: Any) -> bool:
        labels = _labels(pod)
        if labels.get(ACCELERATOR, "") != "GPU":
            return True
        gpu_pods = [other for other in pods_on(context, node) if _labels(other).get(ACCELERATOR, "") == "GPU"]
        if not self.use_vram:
            return not gpu_pods
        if VRAM not in labels:
            raise KeyError(f"NodeHasFreeGpu(use_vram=True): the container of {pod!r} has no {VRAM!r} label")
        if VRAM not in node.labels:
            raise KeyError(f"NodeHasFreeGpu(use_vram=True): node {node.name!r} has no {VRAM!r} label")
        needed = int(labels[VRAM])
        size = int(node.labels[VRAM])
        reserved = sum(int(_labels(other).get(VRAM, "0")) for other in gpu_pods)
        return needed + reserved <= size
