"""raith21's ``cloudgpu_settings`` (scenario ``cloud_gpu``)."""

from faassim.raith21.generator import load_generator_settings

__all__ = ["cloudgpu_settings"]

cloudgpu_settings = load_generator_settings("cloud_gpu")
