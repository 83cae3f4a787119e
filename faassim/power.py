"""Power models: linear models of power draw (watts) from utilization.

:class:`LinearPowerModel` (in C) is a linear model with scikit-learn's
estimator contract (``predict``, ``fit``, ``score``, ``coef_``,
``intercept_``); :meth:`LinearPowerModel.from_sklearn` converts fitted
scikit-learn linear models and scaler pipelines to it. :class:`NodePowerModel`
is a node's model with idle power: ``idle + cpu * cpu_max + gpu * gpu_max +
net * network_max + memory * memory_max`` for utilizations between 0 and 1,
and :func:`load_power_profiles` gives the packaged presets per device type
(``faassim/data/power_profiles.csv``; see ``faassim/data/README.md``).

    >>> nano = NodePowerModel.for_device("nano")
    >>> nano.idle, nano.power({"cpu": 0.5})
    (1.9, 3.65)
"""

from __future__ import annotations

import csv
import io
import math
from importlib import resources as _resources
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from faassim._core import LinearPowerModel

__all__ = ["LinearPowerModel", "NodePowerModel", "NODE_FEATURES", "load_power_profiles"]

#: The utilization features of a node power model, in coefficient order.
NODE_FEATURES: Tuple[str, ...] = ("cpu", "gpu", "net", "memory")

# Other names NodePowerModel.power() accepts for a feature (the resource
# names of faas-sim's characterizations, and the power profile's column stems).
_ALIASES = {"ram": "memory", "network": "net"}

# power_profiles.csv columns, in NODE_FEATURES order (tpu_max_watts is not
# part of the model: faas-sim's oracle does not use it either).
_PROFILE_COLUMNS = ("cpu_max_watts", "gpu_max_watts", "network_max_watts", "memory_max_watts")

# ---------------------------------------------------------------------------
# scikit-learn conversion
# ---------------------------------------------------------------------------

_SK_MODELS = ("LinearRegression", "Ridge", "Lasso", "ElasticNet")
_SK_SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler")


def _sk_kind(est: Any) -> Optional[str]:
    """The class name of a scikit-learn object (exactly a class defined in
    sklearn: user subclasses may override predict), else None."""
    mod = getattr(type(est), "__module__", "") or ""
    if mod == "sklearn" or mod.startswith("sklearn."):
        return type(est).__name__
    return None


def _flatten(model: Any, prefix: str = "") -> List[Tuple[Optional[str], Any]]:
    """(name, step) pairs of a (possibly nested) Pipeline, or [(None, model)]."""
    if _sk_kind(model) != "Pipeline":
        return [(None, model)]
    out: List[Tuple[Optional[str], Any]] = []
    for name, step in model.steps:
        full = f"{prefix}{name}"
        if _sk_kind(step) == "Pipeline":
            out.extend(_flatten(step, full + "__"))
        else:
            out.append((full, step))
    return out


def _describe(name: Optional[str], est: Any) -> str:
    what = repr(est) if isinstance(est, str) or est is None else type(est).__name__
    return f"pipeline step {name!r} ({what})" if name is not None else what


def _f64(values: Any) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def _fold_sklearn(model: Any, features: Any = None) -> Tuple[List[float], float, Optional[Tuple[str, ...]]]:
    """(coef, intercept, features) of the LinearPowerModel that predicts what
    the fitted scikit-learn model predicts (see LinearPowerModel.from_sklearn).

    Scalers are folded from the last to the first: a model w.z + c of the
    scaled z = (x - m) / s is (w / s).x + (c - (w / s).m), and of
    z = x * k + b (MinMaxScaler) it is (w * k).x + (c + w.b); intercepts are
    summed exactly (math.fsum) and rounded once.
    """
    who = "LinearPowerModel.from_sklearn()"
    steps = _flatten(model)
    name, final = steps[-1]
    if _sk_kind(final) not in _SK_MODELS:
        raise TypeError(
            f"{who}: {_describe(name, final)} is not a supported model; the model (or a pipeline's last step) "
            f"must be a fitted scikit-learn {', '.join(_SK_MODELS[:-1])} or {_SK_MODELS[-1]}"
        )
    if not hasattr(final, "coef_") or not hasattr(final, "intercept_"):
        raise ValueError(f"{who}: {_describe(name, final)} is not fitted yet (call its fit first)")
    coef = _f64(final.coef_)
    icpt = _f64(final.intercept_)
    if coef.ndim != 1 or icpt.ndim != 0:
        raise ValueError(
            f"{who}: {_describe(name, final)} has coef_ of shape {coef.shape}; only single-output models "
            "(fitted on a 1-D y, so coef_ is 1-D) can be converted"
        )
    intercept = float(icpt)
    for name, step in reversed(steps[:-1]):
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        kind = _sk_kind(step)
        if kind not in _SK_SCALERS:
            raise TypeError(
                f"{who}: {_describe(name, step)} is not a linear scaler; the steps before the model must be "
                f"{', '.join(_SK_SCALERS)} or 'passthrough'"
            )
        if not hasattr(step, "n_features_in_"):
            raise ValueError(f"{who}: {_describe(name, step)} is not fitted yet")
        if step.n_features_in_ != coef.size:
            raise ValueError(
                f"{who}: {_describe(name, step)} has {step.n_features_in_} features, the model after it {coef.size}"
            )
        if kind == "MinMaxScaler":
            if getattr(step, "clip", False):
                raise TypeError(f"{who}: {_describe(name, step)} clips (clip=True), which is not an affine map")
            intercept = math.fsum([intercept, *(coef * _f64(step.min_)).tolist()])
            coef = coef * _f64(step.scale_)
            continue
        if kind == "StandardScaler":
            center = step.mean_ if step.with_mean else None
            scale = step.scale_ if step.with_std else None
        elif kind == "RobustScaler":
            center = step.center_ if step.with_centering else None
            scale = step.scale_ if step.with_scaling else None
        else:  # MaxAbsScaler
            center, scale = None, step.scale_
        if scale is not None:
            coef = coef / _f64(scale)
        if center is not None:
            intercept = math.fsum([intercept, *(-(coef * _f64(center))).tolist()])
    if features is None:
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            names = getattr(final, "feature_names_in_", None)
        features = tuple(str(n) for n in names) if names is not None else None
    return coef.tolist(), intercept, features


# ---------------------------------------------------------------------------
# Node power models and presets
# ---------------------------------------------------------------------------


class NodePowerModel(LinearPowerModel):
    """NodePowerModel(idle, coef, features=("cpu", "gpu", "net", "memory"))

    A node's power draw (W) from its utilization: ``idle + coef[0] * cpu +
    coef[1] * gpu + coef[2] * net + coef[3] * memory``, the linear model of
    faas-sim's energy-aware fork (Raith21PowerOracle), where each coefficient
    is the extra power of the resource at full use and the utilizations are
    fractions between 0 and 1 (values outside are extrapolated linearly). It
    is a :class:`LinearPowerModel` with ``intercept_ = idle`` and these feature
    names, so ``predict(X)`` takes rows in ``features`` order and the platform
    evaluates it in C. :meth:`power` takes a dict by feature name.

    >>> m = NodePowerModel(2.0, [4.0, 10.0, 0.5, 1.0])
    >>> m.power({"cpu": 0.25, "memory": 0.5})
    3.5
    >>> m.predict([[0.25, 0.0, 0.0, 0.5], [1.0, 1.0, 1.0, 1.0]]).tolist()
    [3.5, 17.5]
    """

    def __init__(self, idle: float, coef: Sequence[float], features: Sequence[str] = NODE_FEATURES) -> None:
        super().__init__(coef, idle, features)

    @property
    def idle(self) -> float:
        """Power (W) at zero utilization: the intercept."""
        return self.intercept_

    def power(self, utilization: Optional[Mapping[str, float]] = None, /, **kwargs: float) -> float:
        """power(utilization=None, /, **kwargs) -> float

        Power (W) at the given utilizations, by feature name (a mapping and/or
        keyword arguments; missing features are 0). ``ram`` is accepted for
        ``memory`` and ``network`` for ``net``; any other name raises
        ValueError. The same value as ``predict`` on the row.

        >>> NodePowerModel.for_device("nano").power(cpu=0.5, gpu=1.0)
        6.15
        """
        row = [0.0] * len(self.features)
        index = {name: i for i, name in enumerate(self.features)}
        seen: Dict[int, str] = {}
        items = list(utilization.items()) if utilization is not None else []
        items.extend(kwargs.items())
        for key, value in items:
            i = index.get(key)
            if i is None and key in _ALIASES:
                i = index.get(_ALIASES[key])
            if i is None:
                raise ValueError(f"power(): unknown utilization {key!r}; the features are {self.features}")
            if i in seen:
                raise ValueError(f"power(): {key!r} and {seen[i]!r} both give {self.features[i]!r}")
            seen[i] = key
            row[i] = value
        return self.predict_one(row)

    @classmethod
    def for_device(cls, device_type: str) -> "NodePowerModel":
        """for_device(device_type) -> NodePowerModel

        The packaged preset of a device type (rpi3, rpi4, rockpi, coral, nano,
        tx2, nx, nuc, xeoncpu, xeongpu, or 'default', the profile file's
        fallback row); KeyError for any other name.

        >>> NodePowerModel.for_device("xeongpu")
        NodePowerModel(idle=65.0, coef=[185.0, 250.0, 10.0, 20.0])
        """
        profiles = _read_profiles(_packaged_profiles_csv())
        try:
            idle, coef = profiles[device_type]
        except (KeyError, TypeError):
            raise KeyError(
                f"no power profile for device type {device_type!r}; known: {sorted(profiles)}"
                " ('default' is the profile file's fallback row)"
            ) from None
        return cls(idle, coef)

    @classmethod
    def from_sklearn(cls, model: Any, features: Optional[Sequence[str]] = None) -> "NodePowerModel":
        """from_sklearn(model, features=None) -> NodePowerModel

        As :meth:`LinearPowerModel.from_sklearn`, with the model's intercept as
        the idle power; features default to the model's ``feature_names_in_``,
        else to ``NODE_FEATURES``.
        """
        coef, intercept, names = _fold_sklearn(model, features)
        return cls(intercept, coef, names if names is not None else NODE_FEATURES)

    def __reduce__(self) -> Any:
        """Pickle support: NodePowerModel(idle, coef, features) and the
        instance __dict__."""
        return (type(self), (self.intercept_, self.coef_.tolist(), self.features), self.__dict__ or None)

    def __repr__(self) -> str:
        extra = "" if self.features == NODE_FEATURES else f", features={self.features!r}"
        return f"{type(self).__name__}(idle={self.intercept_!r}, coef={self.coef_.tolist()!r}{extra})"


def _packaged_profiles_csv() -> str:
    return _resources.files("faassim").joinpath("data", "power_profiles.csv").read_text(encoding="utf-8")


def _read_profiles(text: str) -> Dict[str, Tuple[float, List[float]]]:
    out: Dict[str, Tuple[float, List[float]]] = {}
    for row in csv.DictReader(io.StringIO(text, newline="")):
        out[row["device_type"]] = (float(row["idle_watts"]), [float(row[c]) for c in _PROFILE_COLUMNS])
    return out


def load_power_profiles(path: Optional[str] = None) -> Dict[str, NodePowerModel]:
    """load_power_profiles(path=None) -> dict device type -> NodePowerModel

    The node power presets packaged with faassim (the 10 device types of
    faas-sim's raith21 scenario plus the 'default' row, from the energy-aware
    faas-sim fork's DEVICE_POWER_PROFILES; see faassim/data/README.md), or
    those of a CSV file with the same columns (device_type, idle_watts,
    cpu_max_watts, gpu_max_watts, network_max_watts, memory_max_watts; other
    columns, such as tpu_max_watts and the *_source credits, are not used).
    Parsed on every call, so callers may modify what they get.

    >>> profiles = load_power_profiles()
    >>> sorted(profiles)[:3], profiles["rpi4"]
    (['coral', 'default', 'nano'], NodePowerModel(idle=2.9, coef=[6.0, 1.5, 0.9, 0.7]))
    """
    if path is None:
        text = _packaged_profiles_csv()
    else:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    return {name: NodePowerModel(idle, coef) for name, (idle, coef) in _read_profiles(text).items()}
