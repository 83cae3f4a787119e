"""SimPy's ``simpy.exceptions`` on faassim: the base exception and
:class:`Interrupt`."""

from faassim._pytypes import Interrupt, SimPyException

__all__ = ["SimPyException", "Interrupt"]
