"""Placement as faas-sim configures it: predicates (filters) and weighted
priorities (a map step and a reduce step), as Kubernetes' scheduler and
faas-sim's scheduler library (skippy) define them.

The built-ins run in C (``csrc/engine/fs_placement``) with skippy's integer
scores (``max_priority`` 10) and truncations, so the same nodes win:

=============================  ============================================
predicates                     priorities
=============================  ============================================
``PodFitsResources``           ``BalancedResourceAllocation`` (skippy's)
``CheckNodeLabelPresence``     ``LeastRequested``, ``MostRequested`` (k8s)
``NodeSelector``               ``ImageLocality``, ``LatencyAwareImageLocality``
``Architecture``               ``DataLocality``, ``LocalityType``
``NodeSchedulable``            ``Capability``, ``EqualPriority``
=============================  ============================================

skippy's names are aliases (``PodFitsResourcesPred``,
``CheckNodeLabelPresencePred``, ``BalancedResourcePriority``,
``LatencyAwareImageLocalityPriority``, ...), so faas-sim code ports by
changing its imports. Subclass :class:`Predicate` (override
``passes_predicate(context, pod, node)``) or :class:`Priority` (override
``map_node_score(context, pod, node)`` and optionally
``reduce_mapped_score(context, pod, nodes, scores)``) to add Python ones;
``pod`` is the :class:`~faassim.FunctionReplica`, ``node`` the topology's
``Node`` and ``context`` is ``env.cluster`` (a :class:`~faassim.ClusterContext`).

>>> import faassim
>>> from faassim.placement import PodFitsResources, BalancedResourceAllocation
>>> s = faassim.Scheduler(predicates=[PodFitsResources()], priorities=[(1.0, BalancedResourceAllocation())])
>>> s.percentage_of_nodes_to_score
100.0
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from faassim import _core
from faassim.cluster import ClusterContext
from faassim.faas import Scheduler as _Scheduler

__all__ = [
    "MAX_PRIORITY",
    "PlacementContext",
    "Predicate",
    "Priority",
    "PodFitsResources",
    "CheckNodeLabelPresence",
    "NodeSelector",
    "Architecture",
    "NodeSchedulable",
    "BalancedResourceAllocation",
    "LeastRequested",
    "MostRequested",
    "ImageLocality",
    "LatencyAwareImageLocality",
    "DataLocality",
    "LocalityType",
    "Capability",
    "EqualPriority",
    "PodFitsResourcesPred",
    "CheckNodeLabelPresencePred",
    "BalancedResourcePriority",
    "LeastRequestedPriority",
    "MostRequestedPriority",
    "ImageLocalityPriority",
    "LatencyAwareImageLocalityPriority",
    "DataLocalityPriority",
    "LocalityTypePriority",
    "CapabilityPriority",
    "set_node_images",
    "node_has_image",
    "set_registry_bandwidth",
    "set_image_size",
    "set_data_item",
    "set_node_data",
    "faas_sim_default_predicates",
    "faas_sim_default_priorities",
    "SkippyScheduler",
    "SimulationClusterContext",
]

MAX_PRIORITY = 10
"""The greatest score of one priority (skippy's ``context.max_priority``)."""

# engine kinds (fs_placement.h)
_P_RESOURCES, _P_LABELS, _P_SELECTOR, _P_ARCH, _P_SCHEDULABLE, _P_CALLBACK = range(6)
(
    _Q_BALANCED,
    _Q_LEAST,
    _Q_MOST,
    _Q_IMAGE,
    _Q_LATENCY_IMAGE,
    _Q_DATA,
    _Q_LOCALITY_TYPE,
    _Q_CAPABILITY,
    _Q_EQUAL,
    _Q_CALLBACK,
) = range(10)
SELECT_MAX, SELECT_FIRST, SELECT_RANDOM = range(3)


#: What Python predicates and priorities get as ``context``: ``env.cluster``,
#: a :class:`~faassim.ClusterContext` unless you set one (``env``,
#: ``max_priority`` 10, ``list_nodes()``, ``get_node(name)``).
PlacementContext = ClusterContext


def _context_of(env: Any) -> Any:
    """The ``context`` of Python predicates and priorities in *env*."""
    cluster = env.cluster
    return ClusterContext(env) if cluster is None else cluster


class Predicate:
    """A filter: override ``passes_predicate(context, pod, node) -> bool``."""

    _kind = _P_CALLBACK

    def passes_predicate(self, context: Any, pod: Any, node: Any) -> bool:
        raise NotImplementedError(f"{type(self).__name__}.passes_predicate")

    def _compile(self) -> tuple:
        return (self._kind, type(self).__name__, (), True, self)


class Priority:
    """A score: override ``map_node_score(context, pod, node) -> number``
    and optionally ``reduce_mapped_score(context, pod, nodes, scores) ->
    list`` (the default returns the scores unchanged)."""

    _kind = _Q_CALLBACK

    def map_node_score(self, context: Any, pod: Any, node: Any) -> float:
        raise NotImplementedError(f"{type(self).__name__}.map_node_score")

    def reduce_mapped_score(self, context: Any, pod: Any, nodes: Sequence[Any], node_scores: Sequence[float]) -> Sequence[float]:
        return node_scores

    def _params(self) -> Tuple[Any, Any]:
        return (None, None)


class _Builtin:
    """Marks a C built-in; a subclass that overrides the Python method runs
    in Python instead."""


# -- predicates ----------------------------------------------------------------


class PodFitsResources(Predicate, _Builtin):
    """Free cpu, memory and accelerators (capacity - allocated) cover the
    replica's demand (skippy's ``PodFitsResourcesPred``)."""

    _kind = _P_RESOURCES


class CheckNodeLabelPresence(Predicate, _Builtin):
    """Every label key of *labels* is present on the node
    (``should_be_present=True``) or every one is absent (False); skippy's
    ``CheckNodeLabelPresencePred``."""

    _kind = _P_LABELS

    def __init__(self, labels: Iterable[str], should_be_present: bool = True):
        if isinstance(labels, str):
            raise TypeError(f"CheckNodeLabelPresence: labels must be a list of keys, not the str {labels!r}")
        self.labels = list(labels)
        self.should_be_present = bool(should_be_present)

    def _compile(self) -> tuple:
        return (self._kind, type(self).__name__, tuple(self.labels), self.should_be_present, self)


class NodeSelector(Predicate, _Builtin):
    """The node carries every pair of the container's ``node_selector``."""

    _kind = _P_SELECTOR


class Architecture(Predicate, _Builtin):
    """The container registry has the image for the node's architecture (an
    image without architecture fits all)."""

    _kind = _P_ARCH


class NodeSchedulable(Predicate, _Builtin):
    """The node takes new replicas (not cordoned)."""

    _kind = _P_SCHEDULABLE


# -- priorities ------------------------------------------------------------------


class BalancedResourceAllocation(Priority, _Builtin):
    """skippy's ``BalancedResourcePriority``: with the replica's request and
    the node's free amounts, ``int((1 - |cpu fraction - memory fraction|) *
    10)``, 0 if a fraction reaches 1."""

    _kind = _Q_BALANCED


class LeastRequested(Priority, _Builtin):
    """Kubernetes 1.13's ``LeastRequestedPriority``: per resource
    ``(capacity - requested) * 10 // capacity``, their mean (integer)."""

    _kind = _Q_LEAST


class MostRequested(Priority, _Builtin):
    """Kubernetes 1.13's ``MostRequestedPriority``: per resource
    ``requested * 10 // capacity``, their mean (integer)."""

    _kind = _Q_MOST


class ImageLocality(Priority, _Builtin):
    """Kubernetes 1.13's ``ImageLocalityPriority`` as skippy has it: the
    image's size scaled by the share of nodes holding it, clamped to 23 ..
    1000 MiB and mapped to 0 .. 10; 0 where the image is absent."""

    _kind = _Q_IMAGE


class LatencyAwareImageLocality(Priority, _Builtin):
    """skippy's ``LatencyAwareImageLocalityPriority``: the time to pull the
    image from the registry (size / the node's registry bandwidth, 0 where
    present), scaled so that the quickest scores highest."""

    _kind = _Q_LATENCY_IMAGE


class DataLocality(Priority, _Builtin):
    """skippy's ``DataLocalityPriority``: the time to receive the item in the
    container label ``data.skippy.io/receives-from-storage/path`` and send
    the one in ``data.skippy.io/sends-to-storage/path`` (sizes and per-node
    bandwidths from :func:`set_data_item` and :func:`set_node_data`),
    inversely scaled to 0 .. 10."""

    _kind = _Q_DATA


class LocalityType(Priority, _Builtin):
    """skippy's ``LocalityTypePriority``: 10 for nodes labelled
    ``locality.skippy.io/type: edge``, else 0."""

    _kind = _Q_LOCALITY_TYPE

    def __init__(self, label: str = "locality.skippy.io/type", value: str = "edge"):
        self.label = label
        self.value = value

    def _params(self) -> Tuple[Any, Any]:
        return (self.label, self.value)


class Capability(Priority, _Builtin):
    """skippy's ``CapabilityPriority``: the number of the container's labels
    with ``capability.skippy.io`` in their key that the node carries with the
    same value, scaled to 0 .. 10 over the scored nodes."""

    _kind = _Q_CAPABILITY


class EqualPriority(Priority, _Builtin):
    """Every node scores 1."""

    _kind = _Q_EQUAL


# skippy's names
PodFitsResourcesPred = PodFitsResources
CheckNodeLabelPresencePred = CheckNodeLabelPresence
BalancedResourcePriority = BalancedResourceAllocation
LeastRequestedPriority = LeastRequested
MostRequestedPriority = MostRequested
ImageLocalityPriority = ImageLocality
LatencyAwareImageLocalityPriority = LatencyAwareImageLocality
DataLocalityPriority = DataLocality
LocalityTypePriority = LocalityType
CapabilityPriority = Capability


def faas_sim_default_predicates() -> List[Predicate]:
    """skippy's ``Scheduler.default_predicates``: resources fit, and no
    storage node (``data.skippy.io/storage`` absent)."""
    return [PodFitsResources(), CheckNodeLabelPresence(["data.skippy.io/storage"], False)]


def faas_sim_default_priorities() -> List[Tuple[float, Priority]]:
    """skippy's ``Scheduler.default_priorities`` (what faas-sim's
    ``Scheduler(env.cluster)`` uses): five priorities of weight 1."""
    return [
        (1.0, BalancedResourceAllocation()),
        (1.0, LatencyAwareImageLocality()),
        (1.0, LocalityType()),
        (1.0, DataLocality()),
        (1.0, Capability()),
    ]


# -- compilation -------------------------------------------------------------------


def _is_builtin(obj: Any, base: type, methods: Tuple[str, ...]) -> bool:
    """A built-in runs in C unless its class overrides one of *methods*
    below the built-in class."""
    cls = type(obj)
    if not isinstance(obj, _Builtin):
        return False
    builtin = next(c for c in cls.__mro__ if _Builtin in c.__bases__)
    return all(getattr(cls, m) is getattr(builtin, m) for m in methods)


def _compile_predicates(predicates: Iterable[Any]) -> tuple:
    out = []
    kinds = set()
    for p in predicates:
        if not callable(getattr(p, "passes_predicate", None)):
            raise TypeError(f"Scheduler: predicate {p!r} has no passes_predicate(context, pod, node) method")
        if isinstance(p, Predicate) and _is_builtin(p, Predicate, ("passes_predicate",)):
            t = p._compile()
            kinds.add(t[0])
        else:
            t = (_P_CALLBACK, type(p).__name__, (), True, p)
        out.append(t)
    # the node table never over-commits and never places on a cordoned node
    if _P_RESOURCES not in kinds:
        out.append((_P_RESOURCES, "PodFitsResources", (), True, None))
    if _P_SCHEDULABLE not in kinds:
        out.append((_P_SCHEDULABLE, "NodeSchedulable", (), True, None))
    return tuple(out)


def _weight(w: Any, prio: Any) -> float:
    if isinstance(w, bool) or not isinstance(w, numbers.Real):
        raise TypeError(f"Scheduler: the weight of {prio!r} must be a number, not {type(w).__name__} ({w!r})")
    f = float(w)
    if not math.isfinite(f) or f < 0:
        raise ValueError(f"Scheduler: the weight of {prio!r} must be finite and >= 0, got {w!r}")
    return f


def _compile_priorities(priorities: Iterable[Any]) -> tuple:
    out = []
    for entry in priorities:
        if isinstance(entry, str):
            raise ValueError(
                f"Scheduler: unknown priority {entry!r}; give (weight, priority) pairs with priorities from "
                "faassim.placement (e.g. (1.0, BalancedResourceAllocation()))"
            )
        try:
            w, p = entry
        except (TypeError, ValueError):
            raise TypeError(f"Scheduler: priorities are (weight, priority) pairs, got {entry!r}") from None
        if isinstance(p, str):
            raise ValueError(f"Scheduler: unknown priority {p!r}; use the classes of faassim.placement")
        w = _weight(w, p)
        if not callable(getattr(p, "map_node_score", None)):
            raise TypeError(f"Scheduler: priority {p!r} has no map_node_score(context, pod, node) method")
        if isinstance(p, Priority) and _is_builtin(p, Priority, ("map_node_score", "reduce_mapped_score")):
            key, value = p._params()
            out.append((p._kind, type(p).__name__, w, key, value, p, False))
        else:
            has_reduce = callable(getattr(p, "reduce_mapped_score", None)) and not (
                getattr(type(p), "reduce_mapped_score", None) is Priority.reduce_mapped_score
            )
            out.append((_Q_CALLBACK, type(p).__name__, w, None, None, p, has_reduce))
    return tuple(out)


def _percentage(p: Any) -> float:
    if p is None:
        return 0.0  # adaptive
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not (0 < float(p) <= 100):
        raise ValueError(f"Scheduler: percentage_of_nodes_to_score must be in (0, 100] or None (adaptive), got {p!r}")
    return float(p)


def configure(
    scheduler: Any,
    predicates: Optional[Iterable[Any]],
    priorities: Optional[Iterable[Any]],
    percentage_of_nodes_to_score: Any,
    policy: Optional[str],
    track_images: bool,
) -> None:
    """Compile the pipeline into *scheduler* (used by ``Scheduler``)."""
    preds = _compile_predicates(predicates or ())
    prios = _compile_priorities(priorities or ())
    select = SELECT_MAX
    if policy is not None:
        if policy == "random":
            select = SELECT_RANDOM
        elif policy == "first_fit":
            select = SELECT_FIRST
        else:
            raise ValueError(
                f"Scheduler: policy {policy!r} cannot be combined with predicates/priorities; with them, policy "
                "is 'random' or 'first_fit' (or None: the highest weighted score)"
            )
        if prios:
            raise ValueError(f"Scheduler: policy {policy!r} chooses without scores; give no priorities with it")
    scheduler._configure(preds, prios, _percentage(percentage_of_nodes_to_score), select, bool(track_images), _context_of)


# -- locality inputs of the node table ----------------------------------------------
#
# The platform fills these from the network: the images env.net pulls onto a
# node (and evicts), the registry's bandwidth to each node (the least link
# bandwidth of its route, skippy's bandwidth graph) and the data items of
# env.net.storage with the bandwidths from and to their storage nodes, the
# latter two recomputed before a placement that scores them whenever the
# topology or the storage changed. The setters below override by hand
# (until the next change). Bandwidths are bytes/s; the scores' transfer
# times are skippy's (bytes over Mbit/s, truncated).


def set_node_images(env: Any, node: Any, images: Iterable[str]) -> None:
    """The images present on *node* (a Node or its name): input of
    ``ImageLocality`` and ``LatencyAwareImageLocality``. Image names as the
    containers spell them."""
    _core._placement_set_node_images(env.faas, node, list(images))


def node_has_image(env: Any, node: Any, image: str) -> bool:
    """Whether the node table has *image* on *node*."""
    return _core._placement_node_has_image(env.faas, node, image)


def set_registry_bandwidth(env: Any, bandwidths: Mapping[Any, float]) -> None:
    """Bytes/s from the container registry to each node (a dict node or
    name -> bandwidth; ``math.inf`` for no transfer time)."""
    for node, bw in bandwidths.items():
        _core._placement_set_registry_bandwidth(env.faas, node, bw)


def set_image_size(env: Any, image: str, size: int, arch: Optional[str] = None) -> None:
    """The size in bytes of *image* for *arch* (None: any arch). Sizes of
    ``env.container_registry`` are taken automatically the first time an
    image is placed."""
    _core._placement_set_image_size(env.faas, image, arch, int(size))


def set_data_item(env: Any, path: str, size: int) -> None:
    """The size in bytes of the data item *path* (skippy's storage index)."""
    _core._placement_set_data_item(env.faas, path, int(size))


def set_node_data(env: Any, node: Any, path: str, recv_bandwidth: float, send_bandwidth: float) -> None:
    """Bytes/s at which *node* receives item *path* from, and sends it to,
    its storage (skippy takes the storage node of least bandwidth;
    ``math.inf`` where the node holds the item)."""
    _core._placement_set_node_data(env.faas, node, path, recv_bandwidth, send_bandwidth)


# -- skippy's and faas-sim's names for the scheduler and its context -------------


class SimulationClusterContext(PlacementContext):
    """SimulationClusterContext(env)

    faas-sim's ``sim.skippy.SimulationClusterContext`` (``env.cluster``) in
    its minimal form: the :class:`PlacementContext` that Python predicates
    and priorities get, which also joins faas-sim's storage index to the
    network. As faas-sim's context read ``env.storage_index``, this one
    makes ``env.storage_index`` (a :class:`faassim.network.StorageIndex`
    filled before the environment existed) the network's storage
    (``env.net.storage``), where ``simulate_data_download`` and
    ``simulate_data_upload`` look; without one, ``env.storage_index``
    becomes ``env.net.storage``.

    >>> import faassim
    >>> from faassim.network import StorageIndex, DataItem
    >>> index = StorageIndex()
    >>> index.mb("models", "nuc_0"); index.put(DataItem("models", "resnet", 10))
    >>> env = faassim.Environment()
    >>> env.storage_index = index
    >>> env.cluster = SimulationClusterContext(env)
    >>> env.net.storage is index, env.net.storage.get_storage_nodes("models/resnet")
    (True, ['nuc_0'])
    """

    def __init__(self, env: Any):
        from faassim.network import Storage

        if not isinstance(env, _core.Environment):
            raise TypeError(f"SimulationClusterContext(env): env must be a faassim Environment, not {env!r}")
        super().__init__(env)
        index = getattr(env, "storage_index", None)
        if index is None:
            index = env.net.storage
            setattr(env, "storage_index", index)  # an attribute faas-sim code reads
        elif isinstance(index, Storage):
            env.net.storage = index
        else:
            raise TypeError(
                f"SimulationClusterContext: env.storage_index must be a faassim.network.StorageIndex (Storage) "
                f"or None, not {type(index).__name__} ({index!r})"
            )
        self.storage_index = index

    def sync_storage(self) -> None:
        """sync_storage()

        Give the placement's data locality (``DataLocality``) the storage's
        items now: each item's size and, per platform node, the least
        bandwidth of the routes from and to the nodes holding its bucket
        (unlimited on those nodes), as skippy's context resolved them. The
        platform does this by itself before a placement that scores data
        locality, whenever the storage or the topology changed; this call
        only does it earlier."""
        net = self.env.net
        if hasattr(net, "_sync_locality"):
            net._sync_locality()


class SkippyScheduler(_Scheduler):
    """SkippyScheduler(cluster_context=None, percentage_of_nodes_to_score=100, predicates=None, priorities=None, *, latency=0.0)

    skippy's ``Scheduler`` with skippy's constructor, so that
    ``from skippy.core.scheduler import Scheduler`` ports as
    ``from faassim.placement import SkippyScheduler as Scheduler``: a
    :class:`faassim.Scheduler` pipeline of *predicates* (default
    :attr:`default_predicates`) and weighted *priorities* (default
    :attr:`default_priorities`). *cluster_context* (faas-sim's
    ``env.cluster``) is kept as ``cluster_context``; the scheduler reads
    the cluster from the environment it is assigned to.
    *percentage_of_nodes_to_score* as skippy: 0 (or less) for the
    adaptive percentage, 100 or more for every node. The placement takes
    *latency* simulated seconds (skippy's took the host's time). Data
    locality reads ``env.net.storage`` (a :class:`SimulationClusterContext`
    makes ``env.storage_index`` that storage).

    >>> s = SkippyScheduler(None, percentage_of_nodes_to_score=0)
    >>> [type(p).__name__ for p in SkippyScheduler.default_predicates], s.percentage_of_nodes_to_score
    (['PodFitsResources', 'CheckNodeLabelPresence'], None)
    """

    #: skippy's ``Scheduler.default_predicates``: resources fit, not a storage node
    default_predicates: List[Predicate] = faas_sim_default_predicates()
    #: skippy's ``Scheduler.default_priorities``: five priorities of weight 1
    default_priorities: List[Tuple[float, Priority]] = faas_sim_default_priorities()

    def __init__(
        self,
        cluster_context: Any = None,
        percentage_of_nodes_to_score: Any = 100,
        predicates: Optional[Iterable[Any]] = None,
        priorities: Optional[Iterable[Any]] = None,
        *,
        latency: Any = 0.0,
    ):
        p = percentage_of_nodes_to_score
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p):
            raise ValueError(
                f"SkippyScheduler: percentage_of_nodes_to_score must be a number (<= 0: adaptive, >= 100: "
                f"every node), got {p!r}"
            )
        p = None if p <= 0 else min(float(p), 100.0)
        prios = list(self.default_priorities if priorities is None else priorities)
        super().__init__(
            latency=latency,
            predicates=list(self.default_predicates if predicates is None else predicates),
            priorities=prios,
            percentage_of_nodes_to_score=p,
        )
        self.cluster_context = cluster_context
