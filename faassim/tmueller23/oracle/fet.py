"""The power-prediction study's execution times (faas-sim's
``ext.tmueller23.oracle.fet``), from
``faassim/data/power_branch_resources.csv``:
:data:`ai_execution_time_distributions` has faas-sim's shape,
``(node_type, image) -> (xmin, xmax, distribution)``, the log-normal fit (a
:class:`faassim.distributions.LogNormal`, unbounded; seconds) and the bounds
the oracle redraws outside of.

>>> xmin, xmax, dist = ai_execution_time_distributions[("nx", "resi5/resnet-inference-gpu")]
>>> type(dist).__name__, xmin < dist.mean() < xmax, len(ai_execution_time_distributions)
('LogNormal', True, 15)
"""

from __future__ import annotations

from typing import Dict, Tuple

from faassim.distributions import LogNormal
from faassim.tmueller23.oracle import _data

__all__ = ["ai_execution_time_distributions"]

ai_execution_time_distributions: Dict[Tuple[str, str], Tuple[float, float, LogNormal]] = {
    _data.key(r): (
        float(r["fet_xmin"]),
        float(r["fet_xmax"]),
        LogNormal(float(r["fet_shape"]), loc=float(r["fet_loc"]), scale=float(r["fet_scale"])),
    )
    for r in _data.rows()
}
