"""raith21's function images and names (faas-sim's ``ext.raith21.images``);
:data:`all_ai_images` holds the image sizes per architecture, read from
``faassim/data/images.csv``.

>>> ("faas-workloads/fio", "24M", "x86") in all_ai_images, len(all_ai_images)
(True, 62)
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources as _resources
from typing import Dict, List, Tuple

__all__ = [
    "resnet50_inference_cpu_manifest", "resnet50_inference_gpu_manifest", "resnet50_inference_function",
    "resnet50_training_gpu_manifest", "resnet50_training_cpu_manifest", "resnet50_training_function",
    "speech_inference_tflite_manifest", "speech_inference_gpu_manifest", "speech_inference_function",
    "mobilenet_inference_tflite_manifest", "mobilenet_inference_tpu_manifest", "mobilenet_inference_function",
    "resnet50_preprocessing_function", "resnet50_preprocessing_manifest",
    "pi_manifest", "pi_function", "fio_manifest", "fio_function", "tf_gpu_manifest", "tf_gpu_function",
    "all_ai_images", "image_table",
]

resnet50_inference_cpu_manifest = "faas-workloads/resnet-inference-cpu"
resnet50_inference_gpu_manifest = "faas-workloads/resnet-inference-gpu"
resnet50_inference_function = "resnet50-inference"

resnet50_training_gpu_manifest = "faas-workloads/resnet-training-gpu"
resnet50_training_cpu_manifest = "faas-workloads/resnet-training-cpu"
resnet50_training_function = "resnet50-training"

speech_inference_tflite_manifest = "faas-workloads/speech-inference-tflite"
speech_inference_gpu_manifest = "faas-workloads/speech-inference-gpu"
speech_inference_function = "speech-inference"

mobilenet_inference_tflite_manifest = "faas-workloads/mobilenet-inference-tflite"
mobilenet_inference_tpu_manifest = "faas-workloads/mobilenet-inference-tpu"
mobilenet_inference_function = "mobilenet-inference"

resnet50_preprocessing_function = "resnet50-preprocessing"
resnet50_preprocessing_manifest = "faas-workloads/resnet-preprocessing"

pi_manifest = "faas-workloads/python-pi"
pi_function = "python-pi"

fio_manifest = "faas-workloads/fio"
fio_function = "fio"

tf_gpu_manifest = "faas-workloads/tf-gpu"
tf_gpu_function = "tf-gpu"


@functools.lru_cache(maxsize=None)
def _rows() -> Tuple[Dict[str, str], ...]:
    text = _resources.files("faassim.data").joinpath("images.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))


def image_table() -> Dict[str, Dict[str, str]]:
    """image -> its row of ``images.csv`` (the columns that do not depend
    on the architecture: function, ranking, requests, labels, data)."""
    return {row["image"]: row for row in _rows()}


#: (image, size as written, architecture) for every image and architecture
#: alias, as ``BenchmarkBase`` registers them in the container registry.
all_ai_images: List[Tuple[str, str, str]] = [(r["image"], r["image_size_str"], r["arch"]) for r in _rows()]
