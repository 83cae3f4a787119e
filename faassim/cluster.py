"""The cluster as a scheduler sees it: skippy's ``ClusterContext``,
``Pod`` and ``SchedulingResult``, as faas-sim used them.

faas-sim placed replicas with skippy's scheduler: ``env.cluster`` (a
``ClusterContext``) listed the nodes, each replica carried a ``Pod``
(``replica.pod``: its name, and a spec with the container's image, resource
requests and labels), and ``scheduler.schedule(pod)`` returned a
``SchedulingResult(suggested_host, feasible_nodes, needed_images)``. faassim
has the same names:

- ``env.cluster`` is a :class:`ClusterContext` unless you set one:
  ``list_nodes()`` gives the topology's compute nodes (faassim's
  :class:`~faassim.Node`: ``name``, ``capacity``, ``arch``, ``labels``),
  ``get_node(name)`` one of them. It is also the ``context`` that Python
  predicates and priorities of :mod:`faassim.placement` get.
- ``replica.pod`` is the replica's :class:`Pod`, named ``pod-<function>-<k>``
  (``k`` counts the replicas of the function from 0, per environment; faas-sim
  counted per Python process), in namespace ``"faassim"``. The replica also
  answers to the pod's ``name``, ``namespace`` and ``spec``: the platform
  passes the replica to a Python scheduler's ``schedule`` and to Python
  predicates, and code written for skippy's ``Pod`` works on it.
- A scheduler of your own is any object with ``schedule(pod)`` (set as
  ``env.scheduler``, or made by ``Simulation.create_scheduler(env)``); it
  returns a :class:`SchedulingResult` (or a Node, a node name, or None). The
  platform allocates the replica's requests on the suggested host; a host
  without room for them rejects the replica, as a kubelet rejects a pod that
  does not fit: the placement fails with the reason (in the ``schedule``
  row) and the next container of the deployment's ranking is tried, as for
  ``suggested_host=None`` (faas-sim's platform did not check what a
  scheduler of your own chose, and over-committed the node).
  ``feasible_nodes`` and ``needed_images`` are not used.

>>> import faassim as fs
>>> class FirstNode:
...     def __init__(self, cluster):
...         self.cluster = cluster
...     def schedule(self, pod):
...         nodes = self.cluster.list_nodes()
...         print(pod.name, pod.spec.containers[0].image, pod.spec.containers[0].resources.requests["cpu"])
...         return fs.SchedulingResult(nodes[0], len(nodes), [])
>>> env = fs.Environment()
>>> env.topology = fs.Topology([fs.Node("nuc_0", "4", "8Gi"), fs.Node("nuc_1", "4", "8Gi")])
>>> env.scheduler = FirstNode(env.cluster)
>>> fn = fs.Function("pi", [fs.FunctionImage("pi-cpu")])
>>> _ = env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))  # placed at once
pod-pi-0 pi-cpu 1000
>>> env.run()
>>> replica = env.faas.get_replicas("pi")[0]
>>> replica.node.name, replica.pod.name, replica.name
('nuc_0', 'pod-pi-0', 'pod-pi-0')
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, NamedTuple, Optional

__all__ = [
    "ClusterContext",
    "Pod",
    "PodSpec",
    "PodContainer",
    "ResourceRequirements",
    "SchedulingResult",
    "create_function_pod",
]

#: The namespace of the pods faassim makes (faas-sim's was ``"faas-sim"``).
NAMESPACE = "faassim"


class ResourceRequirements:
    """ResourceRequirements(requests=None)

    skippy's resource requests of a pod's container: ``requests`` maps a
    resource to an amount (``cpu`` in millicores, ``memory`` in bytes). Without
    them, skippy's (Kubernetes') defaults: 100 millicores and 200 MiB.
    """

    default_milli_cpu_request = 100
    default_mem_request = 200 * 1024 * 1024

    def __init__(self, requests: Optional[Mapping[str, Any]] = None):
        if requests is not None and not isinstance(requests, Mapping):
            raise TypeError(f"ResourceRequirements: requests must be a mapping, not {type(requests).__name__} {requests!r}")
        self.requests: Dict[str, Any] = (
            dict(requests)
            if requests is not None
            else {"cpu": self.default_milli_cpu_request, "memory": self.default_mem_request}
        )

    def __repr__(self) -> str:
        return f"ResourceRequirements({self.requests!r})"


class PodContainer:
    """PodContainer(image, resources=None)

    A container of a pod (skippy's ``Container``; named so beside SimPy's
    ``faassim.Container``): its ``image`` and its
    :class:`ResourceRequirements`."""

    def __init__(self, image: str, resources: Optional[ResourceRequirements] = None):
        if not isinstance(image, str) or not image:
            raise TypeError(f"PodContainer: image must be a non-empty str, not {image!r}")
        self.image = image
        self.resources = resources if resources is not None else ResourceRequirements()

    def __repr__(self) -> str:
        return f"PodContainer({self.image!r}, {self.resources!r})"


class PodSpec:
    """PodSpec(containers=None, labels=None)

    What a pod runs (skippy's): its ``containers`` and ``labels``."""

    def __init__(self, containers: Optional[List[PodContainer]] = None, labels: Optional[Mapping[str, Any]] = None):
        self.containers: List[PodContainer] = list(containers) if containers is not None else []
        self.labels: Dict[str, Any] = dict(labels) if labels is not None else {}

    def __repr__(self) -> str:
        return f"PodSpec({self.containers!r}, labels={self.labels!r})"


class Pod:
    """Pod(name, namespace='faassim', spec=None)

    skippy's pod: what the scheduler places, one per replica
    (``replica.pod``)."""

    def __init__(self, name: str, namespace: str = NAMESPACE, spec: Optional[PodSpec] = None):
        if not isinstance(name, str) or not name:
            raise TypeError(f"Pod: name must be a non-empty str, not {name!r}")
        self.name = name
        self.namespace = namespace
        self.spec = spec if spec is not None else PodSpec()

    def __repr__(self) -> str:
        return f"Pod({self.name!r}, {self.namespace!r})"


class SchedulingResult(NamedTuple):
    """What a scheduler's ``schedule(pod)`` returns (skippy's): the node to
    place the pod on (None: none fits), how many nodes were feasible, and the
    images the node must pull. The platform uses ``suggested_host`` only.

    >>> SchedulingResult(None, 0, [])
    SchedulingResult(suggested_host=None, feasible_nodes=0, needed_images=[])
    """

    suggested_host: Any
    feasible_nodes: int
    needed_images: List[str]


def create_function_pod(fd: Any, fn: Any, index: int = 0) -> Pod:
    """create_function_pod(fd, fn, index=0) -> Pod

    The pod of the *index*-th replica of deployment *fd* running container
    *fn* (faas-sim's ``sim.skippy.create_function_pod``, which numbered the
    pods itself): named ``pod-<fd.name>-<index>``, one container of *fn*'s
    image with *fn*'s resource requests, and *fn*'s labels.

    >>> import faassim as fs
    >>> image = fs.FunctionImage("pi-cpu")
    >>> fd = fs.FunctionDeployment(fs.Function("pi", [image]), [fs.FunctionContainer(image, labels={"a": "b"})])
    >>> pod = create_function_pod(fd, fd.fn_containers[0], 3)
    >>> pod.name, pod.spec.containers[0].resources.requests, pod.spec.labels
    ('pod-pi-3', {'cpu': 1000, 'memory': 1048576}, {'a': 'b'})
    """
    requests = fn.resource_config.get_resource_requirements()
    spec = PodSpec([PodContainer(fn.image, ResourceRequirements(requests))], labels=fn.labels)
    return Pod(f"pod-{fd.name}-{index}", NAMESPACE, spec)


def _replica_pod(replica: Any, index: int) -> Pod:
    """replica.pod's maker (registered with the C core)."""
    return create_function_pod(replica.function, replica.container, index)


class ClusterContext:
    """ClusterContext(env)

    ``env.cluster``: the cluster as schedulers, predicates and priorities see
    it (skippy's ``ClusterContext``): ``env``, ``topology`` and
    ``container_registry`` (the environment's), ``max_priority`` (10, the
    greatest score of a priority), :meth:`list_nodes` and :meth:`get_node`.
    Resource accounting stays with the platform
    (``env.faas.node_allocation(name)``, ``env.get_node_state(name)``).
    """

    max_priority = 10

    def __init__(self, env: Any):
        self.env = env

    @property
    def topology(self) -> Any:
        """The environment's topology."""
        return self.env.topology

    @property
    def container_registry(self) -> Any:
        """The environment's container registry."""
        return self.env.container_registry

    def list_nodes(self) -> List[Any]:
        """The compute nodes of ``env.topology`` (faassim ``Node`` objects, in
        the topology's order; the registry and network vertices are not
        nodes). A new list on every call."""
        return list(self.env.topology.get_nodes())

    def get_node(self, name: str) -> Optional[Any]:
        """The node called *name*, or None (skippy's)."""
        try:
            return self.env.topology.find_node(name)
        except KeyError:
            return None

    def __repr__(self) -> str:
        return f"<ClusterContext of {self.env!r}>"
