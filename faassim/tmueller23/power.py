"""The power-prediction study's power models as faassim serves them.

faas-sim's branch loads one scikit-learn pipeline per device type
(``data/tmueller23/eb-jetson-nano-01.sav``, ``eb-jetson-nx-01.sav``,
``eb-xeongpu.sav``) and predicts each call's power from the call's
resource figures ``[cpu, gpu, blkio, net, ram]``. Those figures are the
characterization of (node type, image), so the models are only ever asked
about 15 feature vectors; ``faassim/data/power_branch_predictions.csv``
holds what they answer there (computed once with the pipelines; see
``faassim/data/README.md``). The pipelines are not linear (stacked
regressors, trees, k-nearest neighbours), so they are not converted to
:class:`faassim.LinearPowerModel`: :class:`TabulatedPowerModel` answers
``predict`` from the table, for exactly those vectors, and raises
``ValueError`` for any other (it does not guess between them).

>>> nx = power_models()["nx"]
>>> features = [[96.21343248188438, 0.2470408163265306, 8.961044897959184, 2608.1465081632655, 2297.23610609681]]
>>> nx.predict(features).tolist()
[16535.49528609831]
>>> MODEL_FILES["eb-jetson-nx-01.sav"]
'nx'
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple

import numpy as np

from faassim.tmueller23.oracle import _data

__all__ = ["TabulatedPowerModel", "power_models", "MODEL_FILES", "FEATURES"]

#: the features of the branch's models, in column order
FEATURES: Tuple[str, ...] = _data.RESOURCES

#: the branch's model file names and the device type each one models
MODEL_FILES: Dict[str, str] = {
    "eb-jetson-nano-01.sav": "nano",
    "eb-jetson-nx-01.sav": "nx",
    "eb-xeongpu.sav": "xeongpu",
}


class TabulatedPowerModel:
    """TabulatedPowerModel(table, name=None)

    A power model with scikit-learn's ``predict`` that answers from a table
    ``{(cpu, gpu, blkio, net, ram): power}``: ``predict(X)`` gives, for each
    row of the 2-D *X*, the power of the identical feature vector, and
    raises ``ValueError`` naming the row if the table has none. ``name``
    (the model file it stands for) appears in errors and the repr.

    >>> m = TabulatedPowerModel({(1.0, 0.0, 0.0, 2.0, 3.0): 10.5})
    >>> m.predict(np.array([[1, 0, 0, 2, 3]])).tolist()
    [10.5]
    >>> m.predict([[1, 0, 0, 2, 4]])
    Traceback (most recent call last):
    ...
    ValueError: TabulatedPowerModel: no prediction for the features [1.0, 0.0, 0.0, 2.0, 4.0] (cpu, gpu, blkio, net, ram); the table has 1 rows
    """

    def __init__(self, table: Mapping[Any, float], name: Any = None) -> None:
        if not isinstance(table, Mapping) or not table:
            raise TypeError(f"TabulatedPowerModel: table must be a non-empty mapping features -> power, got {table!r}")
        self.table: Dict[Tuple[float, ...], float] = {}
        for features, power in table.items():
            row = tuple(float(v) for v in features)
            if len(row) != len(FEATURES):
                raise ValueError(f"TabulatedPowerModel: {features!r} has {len(row)} features, expected "
                                 f"{len(FEATURES)} ({', '.join(FEATURES)})")
            self.table[row] = float(power)
        self.name = name
        self.n_features_in_ = len(FEATURES)

    def predict(self, X: Any) -> np.ndarray:
        rows = np.asarray(X, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != len(FEATURES):
            raise ValueError(f"{self._who()}: predict takes a 2-D array of {len(FEATURES)} columns "
                             f"({', '.join(FEATURES)}), got shape {rows.shape}")
        out = np.empty(rows.shape[0], dtype=np.float64)
        for i, row in enumerate(rows.tolist()):
            try:
                out[i] = self.table[tuple(row)]
            except KeyError:
                raise ValueError(f"{self._who()}: no prediction for the features {row} ({', '.join(FEATURES)}); "
                                 f"the table has {len(self.table)} rows") from None
        return out

    def _who(self) -> str:
        return f"TabulatedPowerModel({self.name!r})" if self.name is not None else "TabulatedPowerModel"

    def __repr__(self) -> str:
        return f"<TabulatedPowerModel {self.name!r}: {len(self.table)} feature vectors>"


def power_models() -> Dict[str, TabulatedPowerModel]:
    """power_models() -> dict device type -> TabulatedPowerModel

    The branch's models for ``nano``, ``nx`` and ``xeongpu``, each with the
    five predictions of ``power_branch_predictions.csv`` for its device
    type, keyed by the feature vectors of ``power_branch_resources.csv``.
    New objects on every call."""
    features = {_data.key(r): tuple(float(r[k]) for k in FEATURES) for r in _data.rows()}
    tables: Dict[str, Dict[Tuple[float, ...], float]] = {}
    files: Dict[str, str] = {}
    for r in _data.rows("power_branch_predictions.csv"):
        key = _data.key(r)
        if key not in features:
            raise ValueError(f"power_branch_predictions.csv: {key} has no row in power_branch_resources.csv")
        tables.setdefault(r["device_type"], {})[features[key]] = float(r["predicted_power"])
        files[r["device_type"]] = r["model_file"]
    return {device: TabulatedPowerModel(table, files[device]) for device, table in tables.items()}
