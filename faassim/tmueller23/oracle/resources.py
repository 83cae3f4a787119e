"""The power-prediction study's resource figures per call (faas-sim's
``ext.tmueller23.oracle.resources``), from
``faassim/data/power_branch_resources.csv``: ``(node_type, image) ->
FunctionResourceCharacterization``. The branch states no units (cpu looks
like percent of one core, gpu percent, ram MB, blkio and net rates); they
are the features the node's power model predicts from.

>>> r = ai_resources_per_node_image[("nx", "resi5/resnet-inference-gpu")]
>>> round(r.cpu, 2), round(r.gpu, 3), round(r.ram, 1), len(ai_resources_per_node_image)
(96.21, 0.247, 2297.2, 15)
"""

from __future__ import annotations

from typing import Dict, Tuple

from faassim.characterization import FunctionResourceCharacterization
from faassim.tmueller23.oracle import _data

__all__ = ["ai_resources_per_node_image"]

ai_resources_per_node_image: Dict[Tuple[str, str], FunctionResourceCharacterization] = {
    _data.key(r): FunctionResourceCharacterization(**{k: float(r[k]) for k in _data.RESOURCES})
    for r in _data.rows()
}
