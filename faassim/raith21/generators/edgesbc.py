"""raith21's ``edgesbc_settings`` (scenario ``edge_sbc``)."""

from faassim.raith21.generator import load_generator_settings

__all__ = ["edgesbc_settings"]

edgesbc_settings = load_generator_settings("edge_sbc")
