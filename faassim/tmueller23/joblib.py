"""``joblib.load`` for the power-prediction branch's model files, so that
its ``import joblib`` ports as ``from faassim.tmueller23 import joblib``.

:func:`load` gives faassim's stand-in for the model file of that name
(``eb-jetson-nano-01.sav``, ``eb-jetson-nx-01.sav``, ``eb-xeongpu.sav``, in
any folder): the :class:`~faassim.tmueller23.power.TabulatedPowerModel` of
its device type. The file is not opened (faassim does not ship the
pickles, and unpickling them needs scikit-learn 1.2 and TPOT); any other
name raises ``ValueError``.

>>> load("data/tmueller23/eb-jetson-nano-01.sav")
<TabulatedPowerModel 'eb-jetson-nano-01.sav': 5 feature vectors>
"""

from __future__ import annotations

import os
from typing import Any

from faassim.tmueller23.power import MODEL_FILES, TabulatedPowerModel, power_models

__all__ = ["load"]


def load(filename: Any, mmap_mode: Any = None) -> TabulatedPowerModel:
    """load(filename, mmap_mode=None) -> TabulatedPowerModel

    The model of the branch's file *filename* (by its base name);
    *mmap_mode* is accepted and ignored, as joblib's for a model."""
    name = os.path.basename(os.fspath(filename))
    device = MODEL_FILES.get(name)
    if device is None:
        raise ValueError(f"faassim.tmueller23.joblib.load({filename!r}): not one of the power-prediction branch's "
                         f"model files {sorted(MODEL_FILES)}; faassim loads no other pickles")
    return power_models()[device]
