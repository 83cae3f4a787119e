"""raith21's ``edgetpu_settings`` (scenario ``edge_tpu``)."""

from faassim.raith21.generator import load_generator_settings

__all__ = ["edgetpu_settings"]

edgetpu_settings = load_generator_settings("edge_tpu")
