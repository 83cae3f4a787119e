"""The data buckets and items of raith21 (faas-sim's
``ext.raith21.storage``): models and raw data that replicas download from
and upload to storage nodes. Sizes are the images' ``receives_from_storage``
figures in ``faassim/data/images.csv``.

>>> resnet_model_bucket_item.path, resnet_model_bucket_item.size
('bucket_resnet50_model/model', 103000000)
"""

from faassim.network import DataItem
from faassim.raith21 import images

__all__ = [
    "resnet_train_bucket", "resnet_pre_bucket", "resnet_model_bucket", "speech_bucket", "mobilenet_bucket",
    "resnet_train_bucket_item", "resnet_pre_bucket_item", "resnet_model_bucket_item",
    "speech_model_tflite_bucket_item", "speech_model_gpu_bucket_item", "mobilenet_model_tflite_bucket_item",
    "mobilenet_model_tpu_bucket_item", "bucket_names", "data_items", "receives_from", "sends_to",
]

resnet_train_bucket = "bucket_resnet50_train"
resnet_pre_bucket = "bucket_resnet50_pre"
resnet_model_bucket = "bucket_resnet50_model"
speech_bucket = "bucket_speech"
mobilenet_bucket = "mobilenet_bucket"


def _item(bucket: str, name: str, image: str) -> DataItem:
    return DataItem(bucket, name, int(images.image_table()[image]["receives_from_storage_bytes"]))


resnet_train_bucket_item = _item(resnet_train_bucket, "raw_data", images.resnet50_training_gpu_manifest)
resnet_pre_bucket_item = _item(resnet_pre_bucket, "raw_data", images.resnet50_preprocessing_manifest)
resnet_model_bucket_item = _item(resnet_model_bucket, "model", images.resnet50_inference_gpu_manifest)
speech_model_tflite_bucket_item = _item(speech_bucket, "model_tflite", images.speech_inference_tflite_manifest)
speech_model_gpu_bucket_item = _item(speech_bucket, "model_gpu", images.speech_inference_gpu_manifest)
mobilenet_model_tflite_bucket_item = _item(mobilenet_bucket, "model_tflite", images.mobilenet_inference_tflite_manifest)
mobilenet_model_tpu_bucket_item = _item(mobilenet_bucket, "model_tpu", images.mobilenet_inference_tpu_manifest)

bucket_names = [resnet_model_bucket, resnet_train_bucket, resnet_pre_bucket, mobilenet_bucket, speech_bucket]

data_items = [
    resnet_train_bucket_item,
    resnet_pre_bucket_item,
    resnet_model_bucket_item,
    speech_model_gpu_bucket_item,
    speech_model_tflite_bucket_item,
    mobilenet_model_tpu_bucket_item,
    mobilenet_model_tflite_bucket_item,
]

#: image -> the path its replicas download (``data.skippy.io/receives-from-storage/path``)
receives_from = {
    images.resnet50_inference_cpu_manifest: resnet_model_bucket_item.path,
    images.resnet50_inference_gpu_manifest: resnet_model_bucket_item.path,
    images.speech_inference_tflite_manifest: speech_model_tflite_bucket_item.path,
    images.speech_inference_gpu_manifest: speech_model_gpu_bucket_item.path,
    images.mobilenet_inference_tflite_manifest: mobilenet_model_tflite_bucket_item.path,
    images.mobilenet_inference_tpu_manifest: mobilenet_model_tpu_bucket_item.path,
    images.resnet50_training_gpu_manifest: resnet_train_bucket_item.path,
    images.resnet50_training_cpu_manifest: resnet_train_bucket_item.path,
    images.resnet50_preprocessing_manifest: resnet_pre_bucket_item.path,
}

#: image -> the path its replicas upload to (``data.skippy.io/sends-to-storage/path``)
sends_to = {
    images.resnet50_training_gpu_manifest: f"{resnet_train_bucket}/updated_model",
    images.resnet50_training_cpu_manifest: f"{resnet_train_bucket}/updated_model",
    images.resnet50_preprocessing_manifest: f"{resnet_pre_bucket}/preprocessed",
}
