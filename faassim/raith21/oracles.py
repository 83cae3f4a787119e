"""raith21's oracles (faas-sim's ``ext.raith21.oracles``): the execution
time and resource use of an image on a host, looked up by the host's node
type (``"nano_3"`` -> ``"nano"``) and the image without its tag. Unlike
faassim's :class:`~faassim.FetOracle` and :class:`~faassim.ResourceOracle`
(which raise ``KeyError``), they answer None for a combination without data,
as faas-sim's did: raith21's ``CanRunPred`` asks them whether a node can
run an image.

>>> import faassim
>>> from faassim.raith21.fet import ai_execution_time_distributions
>>> fet = Raith21FetOracle(ai_execution_time_distributions)
>>> x = fet.sample("nano_0", "faas-workloads/resnet-inference-gpu:1.0", faassim.Random(1))
>>> xmin, xmax, _ = ai_execution_time_distributions[("nano", "faas-workloads/resnet-inference-gpu")]
>>> xmin <= x <= xmax, fet.sample("registry", "faas-workloads/fio", faassim.Random(1))
(True, None)
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Tuple

from faassim._core import Random
from faassim.characterization import FetOracle, FunctionResourceCharacterization, ResourceOracle
from faassim.distributions import Distribution, _rebuild

__all__ = ["Raith21FetOracle", "Raith21ResourceOracle"]


def _bounded(value: Any, key: Any) -> Distribution:
    """faas-sim's ``(xmin, xmax, distribution)`` as one bounded distribution
    (a Distribution is taken as it is)."""
    if isinstance(value, Distribution):
        return value
    try:
        xmin, xmax, dist = value
    except (TypeError, ValueError):
        raise TypeError(f"Raith21FetOracle: the value of {key!r} must be (xmin, xmax, distribution) or a "
                        f"Distribution, got {value!r}") from None
    if not isinstance(dist, Distribution):
        raise TypeError(f"Raith21FetOracle: the distribution of {key!r} must be a faassim.distributions "
                        f"Distribution, got {dist!r}")
    kind, params, _, _ = dist.spec
    return _rebuild(type(dist), params, xmin, xmax)


class Raith21FetOracle(FetOracle):
    """Raith21FetOracle(execution_times)

    *execution_times*: ``(node_type, image) -> (xmin, xmax, distribution)``
    (as :data:`faassim.raith21.fet.ai_execution_time_distributions`) or ->
    a bounded distribution. :meth:`sample` redraws outside ``[xmin, xmax]``
    (faas-sim's ``BoundRejectionSampler``) and gives None where there is no
    data. The watchdogs draw from ``env.rng`` in C."""

    def __init__(self, execution_times: Mapping[Tuple[str, str], Any]):
        if not isinstance(execution_times, Mapping):
            raise TypeError(f"Raith21FetOracle: execution_times must be a mapping, got {execution_times!r}")
        self.execution_times = execution_times
        super().__init__({key: _bounded(value, key) for key, value in execution_times.items()})

    def sample(self, host: Any, image: str, rng: Optional[Random] = None) -> Optional[float]:  # type: ignore[override]
        """sample(host, image, rng) -> float or None

        An execution time of *image* on *host* drawn with *rng* (a
        faassim.Random, e.g. ``env.rng``); None without data (no draw)."""
        if (host, image) not in self:
            return None
        if rng is None:
            raise TypeError(f"Raith21FetOracle.sample({host!r}, {image!r}): give rng= a faassim.Random (e.g. env.rng)")
        return super().sample(host, image, rng)


class Raith21ResourceOracle(ResourceOracle):
    """Raith21ResourceOracle(resources)

    *resources*: ``(node_type, image) -> FunctionResourceCharacterization``
    (as :data:`faassim.raith21.resources.ai_resources_per_node_image`).
    :meth:`get_resources` gives None where there is no data."""

    def __init__(self, resources: Mapping[Tuple[str, str], FunctionResourceCharacterization]):
        self.resources = resources
        super().__init__(resources)

    def get_resources(self, host: Any, image: str) -> Optional[FunctionResourceCharacterization]:  # type: ignore[override]
        if (host, image) not in self:
            return None
        return super().get_resources(host, image)
