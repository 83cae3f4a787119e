"""Power models: linear models of power draw (watts) from utilization.

:class:`LinearPowerModel` (in C) is a linear model with scikit-learn's
estimator contract (``predict``, ``fit``, ``score``, ``coef_``,
``intercept_``); :meth:`LinearPowerModel.from_sklearn` converts fitted
scikit-learn linear models and scaler pipelines to it.

    >>> m = LinearPowerModel([3.5, 2.5], intercept=1.9, features=("cpu", "gpu"))
    >>> m.predict([[0.5, 0.0]]).tolist()
    [3.65]
"""

from __future__ import annotations

import math
from typing import Any, List, Optional, Tuple

import numpy as np

from faassim._core import LinearPowerModel

__all__ = ["LinearPowerModel"]

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
