"""raith21's execution-time distributions (faas-sim's ``ext.raith21.fet``),
from ``faassim/data/fet_lognormal.csv``.

:data:`ai_execution_time_distributions` keeps faas-sim's shape,
``(node_type, image) -> (xmin, xmax, distribution)``: the log-normal fit
(a :class:`faassim.distributions.LogNormal`, unbounded) and the bounds the
oracle redraws outside of. :data:`ai_mean_execution_times` are the measured
means the source reports (seconds).

>>> xmin, xmax, dist = ai_execution_time_distributions[("nano", "faas-workloads/resnet-inference-gpu")]
>>> type(dist).__name__, xmin < xmax, len(ai_execution_time_distributions)
('LogNormal', True, 77)
"""

from typing import Dict, Tuple

from faassim.characterization import load_reference_characterizations
from faassim.distributions import Distribution, _rebuild

__all__ = ["ai_execution_time_distributions", "ai_mean_execution_times"]

_reference = load_reference_characterizations()


def _unbounded(dist: Distribution) -> Tuple[float, float, Distribution]:
    kind, params, xmin, xmax = dist.spec
    return xmin, xmax, _rebuild(type(dist), params, float("-inf"), float("inf"))


ai_execution_time_distributions: Dict[Tuple[str, str], Tuple[float, float, Distribution]] = {
    key: _unbounded(dist) for key, dist in _reference.fet_oracle.items()
}

ai_mean_execution_times: Dict[Tuple[str, str], float] = dict(_reference.mean_execution_times)
