"""raith21's function characterizations (faas-sim's
``ext.raith21.characterization``): one per image, joining the two oracles."""

from typing import Any, Dict

from faassim.characterization import FunctionCharacterization
from faassim.raith21 import images

__all__ = ["get_raith21_function_characterizations"]

_IMAGES = (
    images.resnet50_inference_cpu_manifest, images.resnet50_inference_gpu_manifest,
    images.speech_inference_gpu_manifest, images.speech_inference_tflite_manifest,
    images.mobilenet_inference_tflite_manifest, images.mobilenet_inference_tpu_manifest,
    images.resnet50_training_gpu_manifest, images.resnet50_training_cpu_manifest,
    images.tf_gpu_manifest, images.pi_manifest, images.fio_manifest, images.resnet50_preprocessing_manifest,
)


def get_raith21_function_characterizations(resource_oracle: Any, fet_oracle: Any) -> Dict[str, FunctionCharacterization]:
    """image -> :class:`faassim.FunctionCharacterization` for the 12 images
    (note faas-sim's argument order: resource oracle first).

    >>> from faassim.raith21.oracles import Raith21FetOracle, Raith21ResourceOracle
    >>> from faassim.raith21.fet import ai_execution_time_distributions
    >>> from faassim.raith21.resources import ai_resources_per_node_image
    >>> c = get_raith21_function_characterizations(Raith21ResourceOracle(ai_resources_per_node_image),
    ...                                            Raith21FetOracle(ai_execution_time_distributions))
    >>> len(c), c["faas-workloads/python-pi"].get_resources_for_node("rpi3_0").cpu
    (12, 0.2632196988891948)
    """
    return {image: FunctionCharacterization(image, fet_oracle, resource_oracle) for image in _IMAGES}
