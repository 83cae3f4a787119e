"""raith21's predicate list (faas-sim's ``ext.raith21.util.predicates``)."""

from typing import Any, List

from faassim.placement import Predicate, SkippyScheduler
from faassim.raith21.predicates import (
    CanRunPred,
    HasEnoughRamPredicate,
    NodeHasAcceleratorPred,
    NodeHasFreeGpu,
    NodeHasFreeTpu,
)

__all__ = ["get_predicates"]


def get_predicates(fet_oracle: Any, resource_oracle: Any) -> List[Predicate]:
    """skippy's default predicates, then raith21's (with the RAM check)."""
    return list(SkippyScheduler.default_predicates) + [
        CanRunPred(fet_oracle, resource_oracle),
        HasEnoughRamPredicate(resource_oracle),
        NodeHasAcceleratorPred(),
        NodeHasFreeGpu(),
        NodeHasFreeTpu(),
    ]
