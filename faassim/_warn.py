"""faassim's warning class: conditions under which a run or a query gives
no error but silently produces nothing (see :class:`FaassimWarning`)."""

from __future__ import annotations

import warnings

__all__ = ["FaassimWarning"]


class FaassimWarning(UserWarning):
    """FaassimWarning: a run or a query that silently goes nowhere.

    Raised as a warning (``warnings.warn``), never as an error, when a
    result is legal but almost certainly not what was meant:

    - ``env.metrics.to_numpy(name)``, ``extract_dataframe(name)`` or
      ``summary(name)`` of a measurement that was never logged and is not
      one the platform logs (a misspelt name): the result is empty; the
      message names the measurements that were logged;
    - ``env.faas.add_source(...)`` of a source that will send no request:
      its ``until`` is already past, or (for the sources whose arrival times
      are fixed: :class:`~faassim.Replay`, :class:`~faassim.Constant`,
      :class:`~faassim.PerMinute` with ``spread='uniform'``) none of its
      arrivals falls before ``until``;
    - the end of :func:`faassim.scenario.run_scenario` when requests failed
      (their function's last replica could not be placed or deployed),
      replicas could not be placed, or a function with a rate got no request.

    Turn them into errors in a test run with
    ``-W error::faassim.FaassimWarning`` (or ``filterwarnings``), or silence
    them with ``warnings.simplefilter('ignore', faassim.FaassimWarning)``.

    >>> import warnings, faassim
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = faassim.Environment().metrics.to_numpy("invocatoins")
    >>> caught[0].category.__name__, str(caught[0].message).split(";")[0]
    ('FaassimWarning', "Metrics: measurement 'invocatoins' was never logged (did you mean 'invocations'?)")
    """


def warn(message: str, stacklevel: int = 1) -> None:
    """Emit *message* as a :class:`FaassimWarning`, attributed to the frame
    *stacklevel* levels above the function that calls this one (1: that
    function's caller)."""
    warnings.warn(message, FaassimWarning, stacklevel=stacklevel + 2)
