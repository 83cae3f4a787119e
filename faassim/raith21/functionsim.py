"""raith21's function simulators (faas-sim's ``ext.raith21.functionsim``):
an HTTP watchdog per replica with the image's ``workers`` label, whose
calls take the characterized execution time of (node type, image).

faassim runs them on :class:`faassim.HTTPWatchdog` (queue, claims and
execution in C, the execution time drawn from ``env.rng``), overriding only
what raith21 adds: the image pull on deploy is the platform's default, an
inference image downloads its model in ``setup``, and a preprocessing or
training image downloads its data before and uploads after every call
(inside the ``fets`` row's execution, as in faas-sim). Unlike faas-sim's,
the replicas also claim the characterized cpu, gpu, blkio, net and ram on
``env.resource_state`` while a call runs (faas-sim's claimed nothing, so
its utilization was empty); the timing is the same.
"""

from __future__ import annotations

from typing import Any, Dict

from faassim.network import simulate_data_download, simulate_data_upload
from faassim.simulator import SimulatorFactory
from faassim.watchdog import HTTPWatchdog

__all__ = ["AIPythonHTTPSimulator", "AIPythonHTTPDataSimulator", "AIPythonHTTPSimulatorFactory",
           "linear_queue_fet_increase"]


def linear_queue_fet_increase(current_requests: int, max_requests: int) -> float:
    """faas-sim's slow-down factor ``current / max`` (at most 1 while a
    worker pool is not over-full, so it never changed an execution time)."""
    return current_requests / max_requests


class AIPythonHTTPSimulator(HTTPWatchdog):
    """AIPythonHTTPSimulator(workers, characterization)

    ``workers`` calls at a time; an ``inference`` image downloads its model
    (the container's ``data.skippy.io/receives-from-storage`` labels) in
    ``setup``."""

    def __init__(self, workers: int, characterization: Any):
        super().__init__(workers, characterization)
        self.characterization = characterization

    def setup(self, env: Any, replica: Any) -> Any:
        if "inference" in replica.image:
            yield simulate_data_download(env, replica)


class AIPythonHTTPDataSimulator(AIPythonHTTPSimulator):
    """An :class:`AIPythonHTTPSimulator` whose calls download the
    container's input data before and upload its output after the execution
    time (raith21's preprocessing and training images)."""

    def execute(self, env: Any, replica: Any, request: Any) -> Any:
        fet = self.characterization.sample_fet(replica.node, env.rng)
        if fet is None:
            raise ValueError(f"no execution time of {replica.image!r} on node {replica.node.name!r}")
        yield simulate_data_download(env, replica)
        yield env.timeout(fet)
        yield simulate_data_upload(env, replica)


class AIPythonHTTPSimulatorFactory(SimulatorFactory):
    """AIPythonHTTPSimulatorFactory(fn_characterizations)

    *fn_characterizations*: image -> FunctionCharacterization (as
    :func:`faassim.raith21.characterization.get_raith21_function_characterizations`)."""

    def __init__(self, fn_characterizations: Dict[str, Any]):
        self.fn_characterizations = fn_characterizations

    def create(self, env: Any, fn: Any) -> AIPythonHTTPSimulator:
        labels = fn.labels or {}
        if "workers" not in labels:
            raise KeyError(f"AIPythonHTTPSimulatorFactory: container of {fn.image!r} has no 'workers' label")
        if fn.image not in self.fn_characterizations:
            raise KeyError(f"AIPythonHTTPSimulatorFactory: no characterization of image {fn.image!r}")
        characterization = self.fn_characterizations[fn.image]
        workers = int(labels["workers"])
        if "preprocessing" in fn.image or "training" in fn.image:
            return AIPythonHTTPDataSimulator(workers, characterization)
        return AIPythonHTTPSimulator(workers, characterization)
