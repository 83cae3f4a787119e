"""raith21's ``edgegpu_settings`` (scenario ``edge_gpu``)."""

from faassim.raith21.generator import load_generator_settings

__all__ = ["edgegpu_settings"]

edgegpu_settings = load_generator_settings("edge_gpu")
