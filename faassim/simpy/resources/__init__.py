"""SimPy's ``simpy.resources`` on faassim: shared resources (C types from
``faassim._core``) in SimPy's modules ``base``, ``resource``, ``store`` and
``container``."""

from faassim.simpy.resources import base, container, resource, store

__all__ = ["base", "resource", "store", "container"]
