"""raith21's ``hybridbalanced_jetson_settings`` (scenario ``hybrid_balanced_jetson``)."""

from faassim.raith21.generator import load_generator_settings

__all__ = ["hybridbalanced_jetson_settings"]

hybridbalanced_jetson_settings = load_generator_settings("hybrid_balanced_jetson")
