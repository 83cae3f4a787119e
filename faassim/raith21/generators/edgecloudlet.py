"""raith21's ``edgecloudlet_settings`` (scenario ``edge_cloudlet``)."""

from faassim.raith21.generator import load_generator_settings

__all__ = ["edgecloudlet_settings"]

edgecloudlet_settings = load_generator_settings("edge_cloudlet")
