"""raith21's "vanilla" scheduler configuration (faas-sim's
``ext.raith21.util.vanilla``): skippy's default predicates plus raith21's,
and balanced resources with image locality.

>>> [(w, type(p).__name__) for w, p in get_priorities()]
[(1, 'BalancedResourceAllocation'), (1, 'ImageLocality')]
"""

from typing import Any, List, Tuple

from faassim.placement import BalancedResourcePriority, ImageLocalityPriority, Predicate, Priority
from faassim.raith21.util import predicates

__all__ = ["get_predicates", "get_priorities"]


def get_predicates(fet_oracle: Any, resource_oracle: Any) -> List[Predicate]:
    return predicates.get_predicates(fet_oracle, resource_oracle)


def get_priorities() -> List[Tuple[int, Priority]]:
    return [
        (1, BalancedResourcePriority()),
        (1, ImageLocalityPriority()),
    ]
