"""raith21's resource use per call (faas-sim's ``ext.raith21.resources``),
from ``faassim/data/resources.csv``: ``(node_type, image) ->
FunctionResourceCharacterization`` (cpu, gpu and ram as fractions of the
node, blkio and net in bytes/s).

>>> ai_resources_per_node_image[("nano", "faas-workloads/resnet-inference-gpu")].gpu
0.1754387755102041
"""

from typing import Dict, Tuple

from faassim.characterization import FunctionResourceCharacterization, load_reference_characterizations

__all__ = ["ai_resources_per_node_image"]

ai_resources_per_node_image: Dict[Tuple[str, str], FunctionResourceCharacterization] = dict(
    load_reference_characterizations().resource_oracle.items()
)
