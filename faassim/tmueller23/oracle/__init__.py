"""The power-prediction study's oracles (faas-sim's
``ext.tmueller23.oracle``): execution times and resource figures of an
image on a host, looked up by the host's node type (``"nx_0"`` -> ``"nx"``)
and the image without its tag, None where there are no figures. They are
raith21's oracles (:mod:`faassim.raith21.oracles`) under the branch's names,
as in faas-sim, where the two classes had the same code.

>>> import faassim
>>> from faassim.tmueller23.oracle.fet import ai_execution_time_distributions
>>> fet = TMueller23FetOracle(ai_execution_time_distributions)
>>> x = fet.sample("nx_0", "resi5/resnet-inference-gpu:1.0", faassim.Random(1))
>>> xmin, xmax, _ = ai_execution_time_distributions[("nx", "resi5/resnet-inference-gpu")]
>>> xmin <= x <= xmax, fet.sample("nuc_0", "resi5/resnet-inference-gpu", faassim.Random(1))
(True, None)
"""

from __future__ import annotations

from faassim.raith21.oracles import Raith21FetOracle, Raith21ResourceOracle

__all__ = ["TMueller23FetOracle", "TMueller23ResourceOracle"]


class TMueller23FetOracle(Raith21FetOracle):
    """TMueller23FetOracle(execution_times)

    *execution_times*: ``(node_type, image) -> (xmin, xmax, distribution)``
    (as :data:`faassim.tmueller23.oracle.fet.ai_execution_time_distributions`);
    draws are redrawn outside ``[xmin, xmax]``, None where there is no data."""


class TMueller23ResourceOracle(Raith21ResourceOracle):
    """TMueller23ResourceOracle(resources)

    *resources*: ``(node_type, image) -> FunctionResourceCharacterization``
    (as :data:`faassim.tmueller23.oracle.resources.ai_resources_per_node_image`);
    None where there is no data."""
