"""Helpers of raith21 (faas-sim's ``ext.raith21.utils``)."""

from typing import Any

from faassim.topology import node_type_of

__all__ = ["extract_model_type"]


def extract_model_type(device: Any) -> str:
    """The node type of a node name (``"nano_3"`` -> ``"nano"``); ``""`` for
    anything that is not a str (as faas-sim).

    >>> extract_model_type("xeongpu_12"), extract_model_type("registry"), extract_model_type(None)
    ('xeongpu', 'registry', '')
    """
    if not isinstance(device, str):
        return ""
    return node_type_of(device)
