"""faas-sim's power-prediction experiment (``ext/tmueller23`` on faas-sim's
``feature/power-prediction`` branch) on faassim.

One edge device (a Jetson nano or nx, or a xeongpu server) per cell, with a
nuc as its client in the same LAN, serves a pinned inference function; a
pre-recorded profile of 100 requests invokes it, each call downloads its
input from the client and runs for a drawn execution time, and the device's
power model predicts the power of each call from the call's resource
figures. The modules mirror ``ext.tmueller23``'s with the same names:
:mod:`~faassim.tmueller23.functionsim`, :mod:`~faassim.tmueller23.oracle`
(``oracle.fet``, ``oracle.resources``), :mod:`~faassim.tmueller23.predicates`
and :mod:`~faassim.tmueller23.topology` (``topology.cell``, ``.nano``, ``.nx``,
``.xeongpu``); :mod:`~faassim.tmueller23.power` serves the power models'
predictions and :mod:`~faassim.tmueller23.joblib` stands in for
``joblib.load`` of the branch's model files. The figures come from
``faassim/data/power_branch_*.csv`` (see ``faassim/data/README.md``).

faas-sim's ``main.py`` reads ``data/tmueller23/interval.pkl`` and writes
``data/output/*.csv`` relative to the working directory; :func:`write_data`
makes that folder layout (``python -m faassim.tmueller23 [folder]``).

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = write_data(pathlib.Path(tmp) / "data")
...     sorted(p.name for p in folder.iterdir())
['output', 'tmueller23']
"""

from __future__ import annotations

import csv
import io
import os
import pathlib
import pickle
from importlib import resources as _resources
from typing import Any, List

__all__ = ["interarrival_times", "write_data"]


def interarrival_times() -> List[float]:
    """The branch's pre-recorded inter-arrival times (seconds, 100 of them:
    30, 60, then 98 times 2), from ``faassim/data/power_branch_intervals.csv``.

    >>> ia = interarrival_times()
    >>> len(ia), ia[:3], sum(ia)
    (100, [30.0, 60.0, 2.0], 286.0)
    """
    text = _resources.files("faassim").joinpath("data", "power_branch_intervals.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if [int(r["request_index"]) for r in rows] != list(range(len(rows))):
        raise ValueError("power_branch_intervals.csv: request_index must count from 0 in order")
    return [float(r["interarrival_s"]) for r in rows]


def write_data(folder: Any = "data") -> pathlib.Path:
    """write_data(folder='data') -> pathlib.Path

    Make the files faas-sim's ``main.py`` expects under *folder*:
    ``tmueller23/interval.pkl`` (the pre-recorded inter-arrival times, a
    pickled list of floats, as :func:`faassim.workload.save_requests`
    writes) and an empty ``output/`` for its CSV files. The power models'
    ``.sav`` files are not written: :mod:`faassim.tmueller23.joblib` serves
    them by name. Returns the folder."""
    folder = pathlib.Path(os.fspath(folder))
    (folder / "tmueller23").mkdir(parents=True, exist_ok=True)
    (folder / "output").mkdir(parents=True, exist_ok=True)
    with open(folder / "tmueller23" / "interval.pkl", "wb") as fd:
        pickle.dump(interarrival_times(), fd)
    return folder
