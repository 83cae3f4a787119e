"""The power-prediction study's function simulator (faas-sim's
``ext.tmueller23.functionsim``): an HTTP watchdog per replica with the
container's ``workers`` label whose calls claim the characterized
resources and the power the node's model predicts for them
(:class:`faassim.PowerPredictionSimulator`, in C), then download the
request's input (the container's :data:`size_label` bytes) from the client
node (:data:`client_node_label`) and run for the characterized execution
time. Deploying and setting up a replica take no time (the branch pulls no
image).

>>> from faassim.tmueller23.oracle import TMueller23FetOracle, TMueller23ResourceOracle
>>> from faassim.tmueller23.oracle.fet import ai_execution_time_distributions
>>> from faassim.tmueller23.oracle.resources import ai_resources_per_node_image
>>> import faassim as fs
>>> image = "resi5/resnet-inference-gpu"
>>> ch = fs.FunctionCharacterization(image, TMueller23FetOracle(ai_execution_time_distributions),
...                                  TMueller23ResourceOracle(ai_resources_per_node_image))
>>> container = fs.FunctionContainer(fs.FunctionImage(image), labels={"workers": "1"})
>>> sim = PowerPredictionSimulatorFactory({image: ch}).create(None, container)
>>> type(sim).__name__, sim.workers
('PowerPredictionSimulator', 1)
"""

from __future__ import annotations

from typing import Any, Dict

from faassim.simulator import SimulatorFactory
from faassim.watchdog import PowerPredictionSimulator as _PowerPredictionSimulator

__all__ = ["PowerPredictionSimulator", "PowerPredictionSimulatorFactory", "client_node_label", "size_label"]

#: the container label naming the node the request's input comes from
client_node_label = "client"
#: the container label with the size of a request's input (bytes)
size_label = "size"


class PowerPredictionSimulator(_PowerPredictionSimulator):
    """PowerPredictionSimulator(workers, characterization)

    faassim's :class:`~faassim.PowerPredictionSimulator` (the claim of the
    characterized resources and the predicted ``power``, the ``fets`` row
    with ``watts`` and ``joules``) with the branch's ``deploy`` (no image
    pull) and ``execute`` (the input download, a ``data_download`` flow
    from the client node, then the execution time)."""

    def __init__(self, workers: int, characterization: Any):
        super().__init__(workers, characterization)
        self.characterization = characterization

    def deploy(self, env: Any, replica: Any) -> Any:
        yield env.timeout(0)

    def execute(self, env: Any, replica: Any, request: Any) -> Any:
        fet = self.characterization.sample_fet(replica.node, env.rng)
        if fet is None:
            raise ValueError(f"no execution time of {replica.image!r} on node {replica.node.name!r}")
        yield from self.data_download(env, replica)
        yield env.timeout(fet)

    def data_download(self, env: Any, replica: Any) -> Any:
        """The request's input, the container's ``size`` label in bytes,
        from the node its ``client`` label names to the replica's node."""
        labels = replica.container.labels or {}
        for label in (client_node_label, size_label):
            if labels.get(label) is None:
                raise KeyError(f"PowerPredictionSimulator: the container of {replica.fn_name!r} has no {label!r} label")
        yield env.net.transfer(labels[client_node_label], replica.node, labels[size_label], kind="data_download")


class PowerPredictionSimulatorFactory(SimulatorFactory):
    """PowerPredictionSimulatorFactory(fn_characterizations)

    *fn_characterizations*: image -> FunctionCharacterization; a
    :class:`PowerPredictionSimulator` per replica with the container's
    ``workers`` label."""

    def __init__(self, fn_characterizations: Dict[str, Any]):
        self.fn_characterizations = fn_characterizations

    def create(self, env: Any, fn: Any) -> PowerPredictionSimulator:
        labels = fn.labels or {}
        if "workers" not in labels:
            raise KeyError(f"PowerPredictionSimulatorFactory: container of {fn.image!r} has no 'workers' label")
        if fn.image not in self.fn_characterizations:
            raise KeyError(f"PowerPredictionSimulatorFactory: no characterization of image {fn.image!r}")
        return PowerPredictionSimulator(int(labels["workers"]), self.fn_characterizations[fn.image])
