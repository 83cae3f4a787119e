"""The rows of faassim/data/power_branch_resources.csv (internal)."""

from __future__ import annotations

import csv
import io
from importlib import resources as _resources
from typing import Dict, List, Tuple

RESOURCES = ("cpu", "gpu", "blkio", "net", "ram")


def rows(name: str = "power_branch_resources.csv") -> List[Dict[str, str]]:
    text = _resources.files("faassim").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def key(row: Dict[str, str]) -> Tuple[str, str]:
    return row["device_type"], row["image"]
