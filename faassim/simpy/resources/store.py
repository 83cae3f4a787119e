"""SimPy's ``simpy.resources.store`` on faassim: stores of Python objects,
with filters or priorities."""

from faassim._core import FilterStore, FilterStoreGet, PriorityStore, Store, StoreGet, StorePut
from faassim._pytypes import PriorityItem
from faassim.simpy.core import BoundClass, Environment
from faassim.simpy.resources import base

__all__ = [
    "StorePut",
    "StoreGet",
    "FilterStoreGet",
    "Store",
    "PriorityItem",
    "PriorityStore",
    "FilterStore",
    "base",
    "BoundClass",
    "Environment",
]
