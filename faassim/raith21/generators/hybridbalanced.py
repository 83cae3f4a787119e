"""raith21's ``hybridbalanced_settings`` (scenario ``hybrid_balanced``)."""

from faassim.raith21.generator import load_generator_settings

__all__ = ["hybridbalanced_settings"]

hybridbalanced_settings = load_generator_settings("hybrid_balanced")
