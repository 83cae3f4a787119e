"""raith21's ``cloudcpu_settings`` (scenario ``cloud_cpu``)."""

from faassim.raith21.generator import load_generator_settings

__all__ = ["cloudcpu_settings"]

cloudcpu_settings = load_generator_settings("cloud_cpu")
