"""raith21's function deployments (faas-sim's ``ext.raith21.deployments``):
each function with its images in faas-sim's order, one container per image
with the requests, labels and data labels of ``faassim/data/images.csv``,
and a deployment ranking (the preferred image first).

>>> fds = create_all_deployments(None, None)
>>> list(fds)
['resnet50-inference', 'resnet50-training', 'mobilenet-inference', 'speech-inference', 'resnet50-preprocessing']
>>> gpu = fds["resnet50-inference"].get_containers()[0]
>>> gpu.image, gpu.labels["device.edgerun.io/accelerator"], gpu.labels["data.skippy.io/receives-from-storage/path"]
('faas-workloads/resnet-inference-gpu', 'GPU', 'bucket_resnet50_model/model')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from faassim.model import (
    DeploymentRanking,
    Function,
    FunctionContainer,
    FunctionDeployment,
    FunctionImage,
    KubernetesResourceConfiguration,
    ScalingConfiguration,
)
from faassim.raith21 import images, storage

__all__ = [
    "DeploymentSettings",
    "create_all_deployments",
    "get_resnet50_inference_deployment",
    "get_speech_inference_deployment",
    "get_mobilenet_inference_deployment",
    "get_resnet_training_deployment",
    "get_tf_gpu_deployment",
    "get_pi_deployment",
    "get_fio_deployment",
    "get_resnet_preprocessing_deployment",
]

RECEIVES = "data.skippy.io/receives-from-storage"
SENDS = "data.skippy.io/sends-to-storage"


def _ranking(*ranked: str) -> DeploymentRanking:
    return DeploymentRanking(list(ranked))


default_resnet_inference_ranking = _ranking(images.resnet50_inference_gpu_manifest,
                                            images.resnet50_inference_cpu_manifest)
default_speech_inference_ranking = _ranking(images.speech_inference_tflite_manifest,
                                            images.speech_inference_gpu_manifest)
default_mobilenet_inference_ranking = _ranking(images.mobilenet_inference_tpu_manifest,
                                               images.mobilenet_inference_tflite_manifest)
default_resnet_training_ranking = _ranking(images.resnet50_training_gpu_manifest, images.resnet50_training_cpu_manifest)
default_pi_ranking = _ranking(images.pi_manifest)
default_fio_ranking = _ranking(images.fio_manifest)
default_tf_gpu_ranking = _ranking(images.tf_gpu_manifest)
default_resnet_preprocessing_ranking = _ranking(images.resnet50_preprocessing_manifest)


@dataclass
class DeploymentSettings:
    """The ranking of each function's images."""

    resnet_inference_ranking: DeploymentRanking = default_resnet_inference_ranking
    resnet_preprocessing_ranking: DeploymentRanking = default_resnet_preprocessing_ranking
    speech_inference_ranking: DeploymentRanking = default_speech_inference_ranking
    mobilenet_inference_ranking: DeploymentRanking = default_mobilenet_inference_ranking
    resnet_training_ranking: DeploymentRanking = default_resnet_training_ranking
    tf_gpu_ranking: DeploymentRanking = default_tf_gpu_ranking
    pi_ranking: DeploymentRanking = default_pi_ranking
    fio_ranking: DeploymentRanking = default_fio_ranking


def _data_labels(image: str, row: Dict[str, str]) -> Dict[str, str]:
    labels = {}
    if row["receives_from_storage_str"]:
        labels[RECEIVES] = row["receives_from_storage_str"]
        labels[RECEIVES + "/path"] = storage.receives_from[image]
    if row["sends_to_storage_str"]:
        labels[SENDS] = row["sends_to_storage_str"]
        labels[SENDS + "/path"] = storage.sends_to[image]
    return labels


def _container(fn_image: FunctionImage) -> Tuple[FunctionContainer, Dict[str, str]]:
    """The container of *fn_image* and the data labels its function carries
    (raith21 put the preprocessing image's data labels on the Function,
    where no replica reads them: its calls move no data, as in faas-sim)."""
    row = images.image_table()[fn_image.image]
    labels = {"watchdog": row["watchdog"], "workers": row["workers"]}
    if row["accelerator_label"]:
        labels["device.edgerun.io/accelerator"] = row["accelerator_label"]
    if row["vram_label"]:
        labels["device.edgerun.io/vram"] = row["vram_label"]
    labels["cluster"] = row["cluster_label"]
    data = _data_labels(fn_image.image, row)
    on_function = row["storage_labels_on"] == "function"
    if not on_function:
        labels.update(data)
    requests = KubernetesResourceConfiguration.create_from_str(
        cpu=f"{row['cpu_request_millis']}m", memory=row["memory_request_str"])
    return FunctionContainer(fn_image, resource_config=requests, labels=labels), (data if on_function else {})


def _deployment(name: str, image_names: List[str], ranking: DeploymentRanking,
                scaling_config: Optional[ScalingConfiguration]) -> FunctionDeployment:
    fn_images = [FunctionImage(image=i) for i in image_names]
    containers = []
    function_labels: Dict[str, str] = {}
    for fn_image in fn_images:
        container, labels = _container(fn_image)
        containers.append(container)
        function_labels.update(labels)
    fn = Function(name, fn_images=fn_images, labels=function_labels)
    return FunctionDeployment(fn, containers, ScalingConfiguration() if scaling_config is None else scaling_config,
                              ranking)


def get_resnet50_inference_deployment(ranking: DeploymentRanking,
                                      scaling_config: Optional[ScalingConfiguration] = None) -> FunctionDeployment:
    return _deployment(images.resnet50_inference_function,
                       [images.resnet50_inference_gpu_manifest, images.resnet50_inference_cpu_manifest],
                       ranking, scaling_config)


def get_speech_inference_deployment(ranking: DeploymentRanking,
                                    scaling_config: Optional[ScalingConfiguration] = None) -> FunctionDeployment:
    return _deployment(images.speech_inference_function,
                       [images.speech_inference_gpu_manifest, images.speech_inference_tflite_manifest],
                       ranking, scaling_config)


def get_mobilenet_inference_deployment(ranking: DeploymentRanking,
                                       scaling_config: Optional[ScalingConfiguration] = None) -> FunctionDeployment:
    # faas-sim also set a function_factor attribute on this deployment, which nothing read
    return _deployment(images.mobilenet_inference_function,
                       [images.mobilenet_inference_tpu_manifest, images.mobilenet_inference_tflite_manifest],
                       ranking, scaling_config)


def get_resnet_training_deployment(ranking: DeploymentRanking,
                                   scaling_config: Optional[ScalingConfiguration] = None) -> FunctionDeployment:
    return _deployment(images.resnet50_training_function,
                       [images.resnet50_training_gpu_manifest, images.resnet50_training_cpu_manifest],
                       ranking, scaling_config)


def get_tf_gpu_deployment(ranking: DeploymentRanking,
                          scaling_config: Optional[ScalingConfiguration] = None) -> FunctionDeployment:
    return _deployment(images.tf_gpu_function, [images.tf_gpu_manifest], ranking, scaling_config)


def get_pi_deployment(ranking: DeploymentRanking,
                      scaling_config: Optional[ScalingConfiguration] = None) -> FunctionDeployment:
    return _deployment(images.pi_function, [images.pi_manifest], ranking, scaling_config)


def get_fio_deployment(ranking: DeploymentRanking,
                       scaling_config: Optional[ScalingConfiguration] = None) -> FunctionDeployment:
    return _deployment(images.fio_function, [images.fio_manifest], ranking, scaling_config)


def get_resnet_preprocessing_deployment(ranking: DeploymentRanking,
                                        scaling_config: Optional[ScalingConfiguration] = None) -> FunctionDeployment:
    return _deployment(images.resnet50_preprocessing_function, [images.resnet50_preprocessing_manifest],
                       ranking, scaling_config)


def create_all_deployments(fet_oracle: Any, resource_oracle: Any,
                           deployment_rankings: Optional[DeploymentSettings] = None) -> Dict[str, FunctionDeployment]:
    """The five AI functions raith21 deploys (python-pi, fio and tf-gpu are
    left out, as in faas-sim), by name. The oracles are not used (faas-sim
    took them too)."""
    r = DeploymentSettings() if deployment_rankings is None else deployment_rankings
    return {
        images.resnet50_inference_function: get_resnet50_inference_deployment(r.resnet_inference_ranking),
        images.resnet50_training_function: get_resnet_training_deployment(r.resnet_training_ranking),
        images.mobilenet_inference_function: get_mobilenet_inference_deployment(r.mobilenet_inference_ranking),
        images.speech_inference_function: get_speech_inference_deployment(r.speech_inference_ranking),
        images.resnet50_preprocessing_function: get_resnet_preprocessing_deployment(r.resnet_preprocessing_ranking),
    }
