"""Parameter sweeps: many independent simulations, one table.

One simulation runs on one core. A study varies parameters and seeds;
:func:`sweep` runs one simulation per (parameter combination, seed) through
any :class:`concurrent.futures.Executor` (local processes by default; a Dask
``Client.get_executor()`` or another cluster executor spreads it over
machines) and gathers the rows in a fixed order: the result does not depend
on the executor, the number of workers or the order in which runs finish.

    >>> from faassim import sweep
    >>> def run(load, seed):
    ...     return {"doubled": 2 * load, "seed_seen": seed}
    >>> rows = sweep(run, {"load": [1, 2]}, seeds=[7, 8], executor="inline")
    >>> [(r["load"], r["seed"], r["doubled"]) for r in rows]
    [(1, 7, 2), (1, 8, 2), (2, 7, 4), (2, 8, 4)]
"""

from __future__ import annotations

import concurrent.futures
import itertools
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

__all__ = ["sweep", "SweepError", "grid"]


class SweepError(RuntimeError):
    """A run of a sweep raised; ``params`` names the run (its ``__cause__``
    is the run's own exception, with its traceback)."""

    def __init__(self, params: Mapping[str, Any], cause: BaseException):
        self.params = dict(params)
        super().__init__("sweep: the run with %r raised %s: %s" % (self.params, type(cause).__name__, cause))


def grid(params: Union[Mapping[str, Sequence[Any]], Iterable[Mapping[str, Any]]]) -> List[Dict[str, Any]]:
    """The runs of a sweep: a mapping name -> values is expanded to its
    cartesian product (the first name varies slowest); a sequence of
    mappings is taken as it is."""
    if isinstance(params, Mapping):
        names = list(params)
        for name in names:
            if not isinstance(name, str):
                raise TypeError("sweep: parameter names must be str, got %r" % (name,))
            values = params[name]
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise TypeError("sweep: the values of parameter %r must be a list (or other sequence), got %r"
                                % (name, values))
        lists = [list(params[n]) for n in names]
        for name, values in zip(names, lists):
            if not values:
                raise ValueError("sweep: parameter %r has no values" % name)
        return [dict(zip(names, combo)) for combo in itertools.product(*lists)]
    runs = []
    for i, p in enumerate(params):
        if not isinstance(p, Mapping):
            raise TypeError("sweep: run %d must be a mapping of parameters, got %r" % (i, p))
        runs.append(dict(p))
    return runs


def _call(fn: Callable[..., Any], kwargs: Dict[str, Any]) -> Any:
    return fn(**kwargs)


def sweep(
    fn: Callable[..., Mapping[str, Any]],
    params: Union[Mapping[str, Sequence[Any]], Iterable[Mapping[str, Any]]],
    *,
    seeds: Optional[Iterable[int]] = None,
    executor: Union[None, str, concurrent.futures.Executor] = None,
    max_workers: Optional[int] = None,
    as_frame: bool = False,
) -> Any:
    """Run ``fn(**run_params, seed=seed)`` for every run of ``grid(params)``
    and every seed (or ``fn(**run_params)`` when ``seeds`` is None) and
    return the rows: each row is the run's parameters, its ``seed``, and the
    items of the mapping ``fn`` returned (a returned key that repeats a
    parameter is an error: the table would be ambiguous).

    executor: None (a ``ProcessPoolExecutor(max_workers)`` made and shut
    down here; ``fn`` must then be picklable, i.e. defined at module level),
    ``"inline"`` (this process, one run after another: for debugging and
    doctests), or any ``concurrent.futures.Executor`` (kept open).
    Rows come in grid order, seeds innermost, whatever order runs finish
    in. A run that raises stops the sweep with :class:`SweepError` (its
    cause is the run's exception); runs not started are cancelled.
    as_frame: return a pandas DataFrame instead of a list of dicts.
    """
    if not callable(fn):
        raise TypeError("sweep: fn must be callable, got %r" % (fn,))
    runs = grid(params)
    seed_list = None if seeds is None else list(seeds)
    if seed_list is not None:
        for s in seed_list:
            if isinstance(s, bool) or not isinstance(s, int):
                raise TypeError("sweep: seeds must be ints, got %r" % (s,))
        for r in runs:
            if "seed" in r:
                raise ValueError("sweep: 'seed' is both a parameter and given in seeds=")
        calls = [dict(r, seed=s) for r in runs for s in seed_list]
    else:
        calls = [dict(r) for r in runs]
    if max_workers is not None and (isinstance(max_workers, bool) or not isinstance(max_workers, int)
                                    or max_workers < 1):
        raise ValueError("sweep: max_workers must be a positive int, got %r" % (max_workers,))

    if executor == "inline":
        results = []
        for kw in calls:
            try:
                results.append(_call(fn, kw))
            except Exception as e:  # noqa: BLE001 - reported with the run's parameters
                raise SweepError(kw, e) from e
    elif executor is None or isinstance(executor, concurrent.futures.Executor):
        own = executor is None
        ex = concurrent.futures.ProcessPoolExecutor(max_workers=max_workers) if own else executor
        try:
            futures = [ex.submit(_call, fn, kw) for kw in calls]
            results = []
            for kw, fut in zip(calls, futures):
                try:
                    results.append(fut.result())
                except Exception as e:  # noqa: BLE001
                    for f in futures:
                        f.cancel()
                    raise SweepError(kw, e) from e
        finally:
            if own:
                ex.shutdown(wait=True, cancel_futures=True)
    else:
        raise TypeError("sweep: executor must be None, 'inline' or a concurrent.futures.Executor, got %r"
                        % (executor,))

    rows = []
    for kw, res in zip(calls, results):
        if not isinstance(res, Mapping):
            raise TypeError("sweep: the run with %r returned %r; fn must return a mapping (a row)" % (kw, res))
        clash = sorted(set(res) & set(kw))
        if clash:
            raise ValueError("sweep: the run with %r returned keys %r that are also its parameters" % (kw, clash))
        rows.append({**kw, **res})
    if as_frame:
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - pandas is in the test extra
            raise ImportError("sweep(as_frame=True) needs pandas: pip install pandas") from e
        return pd.DataFrame(rows)
    return rows
