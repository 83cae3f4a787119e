"""raith21's constant-rate benchmark (faas-sim's
``ext.raith21.benchmark.constant``): deploy the profile's functions, wait
until each has a running replica, then send each function Poisson requests
(exponential gaps, as faas-sim's ``expovariate_arrival_profile(
constant_rps_profile(rps))``) at a constant rate.

What differs from faas-sim, on purpose (each with the line that restores
faas-sim's behaviour):

- ``duration`` is exact: the simulation stops ``duration`` seconds after it
  started, deployment included. faas-sim stopped its request generators at
  ``2 * t_ready + duration`` (``t_ready``: when every function had a running
  replica). ``benchmark.faas_sim_stop = True`` stops there.
- ``set_deployments`` sets ``scale_min = 5`` and the per-function
  thresholds, which faassim's ``FunctionDeployment`` passes on to its
  ``ScalingConfiguration``; faas-sim set them as attributes nothing read, so
  it ran one replica per function with the default configuration.
  ``benchmark.scaling_settings = False`` leaves the defaults.
- Requests are drawn from ``env.rng`` (in C). An environment made without a
  seed (``Environment()``, as raith21's ``main.py``) is seeded in ``setup``
  from Python's ``random``, which ``main.py`` seeds: the run is
  bit-identical for a seed. faas-sim drew from Python's ``random``.
- The ``ai`` profile runs (faas-sim's failed: it removed functions its
  deployments no longer had) and deploys the same five functions as
  ``mixed``; ``service`` deploys python-pi, tf-gpu and fio.
"""

from __future__ import annotations

import logging
import numbers
import random as _random
from typing import Any, Dict, List, Optional

from faassim.faas import Poisson
from faassim.model import parse_memory
from faassim.raith21 import images
from faassim.raith21.deployments import (
    DeploymentSettings,
    create_all_deployments,
    get_fio_deployment,
    get_pi_deployment,
    get_tf_gpu_deployment,
)
from faassim.raith21.fet import ai_execution_time_distributions
from faassim.raith21.oracles import Raith21FetOracle, Raith21ResourceOracle
from faassim.raith21.resources import ai_resources_per_node_image
from faassim.simulation import Benchmark, _check_duration
from faassim.topology import ImageProperties

__all__ = ["ConstantBenchmark", "create_deployments_for_profile"]

logger = logging.getLogger(__name__)

PROFILES = ("mixed", "ai", "service")


def create_deployments_for_profile(profile: str, fet_oracle: Any = None, resource_oracle: Any = None) -> Dict[str, Any]:
    """The deployments of *profile* by name: ``mixed`` and ``ai`` the five AI
    functions, ``service`` python-pi, tf-gpu and fio."""
    if profile in ("mixed", "ai"):
        return create_all_deployments(fet_oracle, resource_oracle)
    if profile == "service":
        r = DeploymentSettings()
        return {
            images.pi_function: get_pi_deployment(r.pi_ranking),
            images.tf_gpu_function: get_tf_gpu_deployment(r.tf_gpu_ranking),
            images.fio_function: get_fio_deployment(r.fio_ranking),
        }
    raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")


class ConstantBenchmark(Benchmark):
    """ConstantBenchmark(profile, duration, rps=200, model_folder=None)

    *profile*: ``"mixed"`` or ``"ai"`` (resnet50, mobilenet and speech
    inference at *rps* requests/s each, resnet50 training at 0.1 and
    preprocessing at 1) or ``"service"`` (python-pi, tf-gpu and fio at
    *rps*); *duration* in simulated seconds. ``arrival_profiles`` maps a
    function to its request source (a :class:`faassim.Poisson` here; any
    request source, or a faas-sim inter-arrival generator, works).
    *model_folder* (faas-sim's performance degradation models) is not
    supported."""

    profile: str
    rps: float
    _duration: float
    images: List[Any]
    deployments_per_name: Dict[str, Any]

    #: apply set_deployments' scaling settings (False: faas-sim's defaults)
    scaling_settings: bool = True
    #: stop the requests at 2 * t_ready + duration, as faas-sim did
    faas_sim_stop: bool = False

    def __init__(self, profile: str, duration: float, rps: float = 200, model_folder: Optional[str] = None):
        if model_folder is not None:
            raise NotImplementedError(
                f"ConstantBenchmark: model_folder={model_folder!r}: faas-sim's performance degradation models are "
                "not in faassim")
        if isinstance(rps, bool) or not isinstance(rps, numbers.Real) or not rps > 0:
            raise ValueError(f"ConstantBenchmark: rps must be a number of requests per second > 0, got {rps!r}")
        self.model_folder = model_folder
        self.profile = profile
        self.rps = float(rps)
        self._duration = _check_duration(duration)
        self.images = images.all_ai_images
        fet_oracle = Raith21FetOracle(ai_execution_time_distributions)
        resource_oracle = Raith21ResourceOracle(ai_resources_per_node_image)
        self.deployments: List[Any] = list(create_deployments_for_profile(profile, fet_oracle, resource_oracle).values())
        self.deployments_per_name = {d.name: d for d in self.deployments}
        self.arrival_profiles: Dict[str, Any] = {}
        self.t_ready: Optional[float] = None

    @property
    def duration(self) -> Optional[float]:  # type: ignore[override]
        """Simulated seconds the simulation runs (None with
        ``faas_sim_stop``: until the requests stop)."""
        return None if self.faas_sim_stop else self._duration

    @property
    def settings(self) -> Dict[str, Any]:
        return {"profile": self.profile, "rps": self.rps, "duration": self._duration}

    @property
    def type(self) -> str:
        return "constant"

    # -- setup ---------------------------------------------------------------

    def setup(self, env: Any) -> None:
        if env.seed is None:
            env.rng.seed(_random.getrandbits(64))
        self.set_deployments(env)
        self.setup_profile()
        self.register_images(env)

    def register_images(self, env: Any) -> None:
        for image, size, arch in self.images:
            env.container_registry.put(ImageProperties(image, parse_memory(size), arch=arch))

    def setup_profile(self) -> None:
        if self.profile == "service":
            self.set_service_profiles()
        elif self.profile == "ai":
            self.set_ai_profiles()
        elif self.profile == "mixed":
            self.set_mixed_profiles()
        else:
            raise ValueError(f"unknown profile: {self.profile}")

    def set_mixed_profiles(self) -> None:
        self.arrival_profiles[images.resnet50_inference_function] = Poisson(self.rps)
        self.arrival_profiles[images.mobilenet_inference_function] = Poisson(self.rps)
        self.arrival_profiles[images.speech_inference_function] = Poisson(self.rps)
        self.arrival_profiles[images.resnet50_training_function] = Poisson(0.1)
        self.arrival_profiles[images.resnet50_preprocessing_function] = Poisson(1)

    set_ai_profiles = set_mixed_profiles

    def set_service_profiles(self) -> None:
        self.arrival_profiles[images.pi_function] = Poisson(self.rps)
        self.arrival_profiles[images.tf_gpu_function] = Poisson(self.rps)
        self.arrival_profiles[images.fio_function] = Poisson(self.rps)

    def set_deployments(self, env: Any) -> None:
        if not self.scaling_settings or self.profile == "service":
            return
        deployments = self.deployments_per_name
        for deployment in deployments.values():
            deployment.scale_min = 5
            deployment.target_average_utilization = 0.5
        n = len(env.topology.get_nodes())
        # below 20 nodes faas-sim's int(0.05 * n) is 0, which faassim's
        # ScalingConfiguration refuses (a step of 0 never scales): 1 then

        d = deployments[images.resnet50_inference_function]
        d.rps_threshold, d.scale_max, d.scale_factor, d.rps_threshold_duration = 100, int(0.7 * n), max(1, int(0.05 * n)), 10
        d = deployments[images.mobilenet_inference_function]
        d.rps_threshold, d.scale_max, d.scale_factor, d.rps_threshold_duration = 70, int(0.25 * n), 5, 10
        d = deployments[images.speech_inference_function]
        d.rps_threshold, d.scale_max, d.scale_factor, d.rps_threshold_duration = 40, int(0.25 * n), 5, 15
        # faas-sim's n / 4 and n / 2 (floats there; replica counts are ints here)
        d = deployments[images.resnet50_preprocessing_function]
        d.rps_threshold, d.scale_max, d.scale_factor, d.rps_threshold_duration = 40, n // 4, 1, 15
        d = deployments[images.resnet50_training_function]
        d.rps_threshold, d.scale_max, d.scale_factor, d.rps_threshold_duration = 40, n // 2, 1, 15

    # -- run -------------------------------------------------------------------

    def run(self, env: Any) -> Any:
        for deployment in self.deployments:
            yield from env.faas.deploy(deployment)
        for deployment in self.deployments:
            yield env.process(env.faas.poll_available_replica(deployment.name))
        self.t_ready = env.now
        logger.info("executing requests")
        until = 2 * env.now + self._duration if self.faas_sim_stop else None
        for deployment in self.deployments:
            profile = self.arrival_profiles.get(deployment.name)
            if profile is None:
                logger.warning("no arrival profile for deployment %s", deployment.name)
                continue
            if hasattr(profile, "__next__"):  # a faas-sim inter-arrival generator
                from faassim.workload import function_trigger

                env.process(function_trigger(env, deployment, profile))
            else:
                env.faas.add_source(deployment.name, profile, until=until)
        if until is not None:
            yield env.timeout(until - env.now)
