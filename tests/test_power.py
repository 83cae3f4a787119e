"""Power models: LinearPowerModel (C, scikit-learn's contract), its C API,
NodePowerModel presets and env.power_models."""

import copy
import csv
import math
import pathlib
import pickle
import sys
import tomllib
import warnings

import numpy as np
import pytest

import faassim
from faassim import LinearPowerModel, NodePowerModel, load_power_profiles
from faassim.power import NODE_FEATURES

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGED_CSV = ROOT / "faassim" / "data" / "power_profiles.csv"
SHARED_CSV = ROOT.parent / "shared" / "data" / "power_profiles.csv"
DEVICE_TYPES = ["coral", "default", "nano", "nuc", "nx", "rockpi", "rpi3", "rpi4", "tx2", "xeoncpu", "xeongpu"]


def bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64).tolist()


def reference_predict(coef, intercept, row):
    """The documented order: products summed left to right, intercept last
    (Python floats: no FMA)."""
    s = 0.0
    for c, x in zip(coef, row):
        s = s + c * x
    return intercept + s


def random_problem(seed, n=200, p=5, noise=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 5.0, size=p) + rng.uniform(-3, 3, size=p)
    coef = rng.uniform(-4, 4, size=p)
    intercept = float(rng.uniform(5, 50))
    y = X @ coef + intercept + noise * rng.normal(size=n)
    return X, y, coef, intercept


# ---------------------------------------------------------------------------
# construction, attributes
# ---------------------------------------------------------------------------


def test_construction_and_attributes():
    m = LinearPowerModel([3.5, 2.5, 0.0, 0.4, 0.6], intercept=1.9)
    assert m.features == ("cpu", "gpu", "blkio", "net", "ram")
    assert m.n_features_in_ == 5
    assert m.intercept_ == 1.9 and type(m.intercept_) is float
    c = m.coef_
    assert isinstance(c, np.ndarray) and c.dtype == np.float64 and c.shape == (5,)
    assert c.tolist() == [3.5, 2.5, 0.0, 0.4, 0.6]
    c[0] = 100.0  # a copy
    assert m.coef_[0] == 3.5
    # numpy inputs, ints
    assert LinearPowerModel(np.array([1, 2], dtype=np.int32)).coef_.tolist() == [1.0, 2.0]
    assert LinearPowerModel((1.0,), 2).intercept_ == 2.0


def test_default_and_given_feature_names():
    assert LinearPowerModel([1.0, 2.0]).features == ("x0", "x1")
    assert LinearPowerModel([1.0] * 5).features == ("cpu", "gpu", "blkio", "net", "ram")
    assert LinearPowerModel([1.0, 2.0], features=["a", "b"]).features == ("a", "b")
    assert LinearPowerModel().features == ("cpu", "gpu", "blkio", "net", "ram")
    assert LinearPowerModel(features=("u", "v")).features == ("u", "v")


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"coef": [[1.0, 2.0]]}, ValueError, "1-D"),
        ({"coef": []}, ValueError, "1 to 16"),
        ({"coef": [1.0] * 17}, ValueError, "1 to 16"),
        ({"coef": [1.0, float("nan")]}, ValueError, "finite"),
        ({"coef": [1.0, float("inf")]}, ValueError, "finite"),
        ({"coef": [1.0], "intercept": float("nan")}, ValueError, "intercept must be finite"),
        ({"coef": [1.0], "intercept": "1"}, TypeError, "intercept must be a real number"),
        ({"intercept": 2.0}, TypeError, "without coef"),
        ({"coef": [1.0, 2.0], "features": ("a",)}, ValueError, "2 coefficients but 1 feature names"),
        ({"coef": [1.0, 2.0], "features": ("a", "a")}, ValueError, "duplicate feature name"),
        ({"coef": [1.0, 2.0], "features": "ab"}, TypeError, "not a single str"),
        ({"coef": [1.0, 2.0], "features": ("a", 1)}, TypeError, r"features\[1\] must be a str"),
        ({"coef": "abc"}, ValueError, "could not convert"),
    ],
)
def test_construction_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        LinearPowerModel(**kwargs)


def test_coef_and_intercept_setters():
    m = LinearPowerModel([1.0, 2.0], 3.0)
    m.coef_ = [4.0, 5.0]
    m.intercept_ = 6
    assert m.coef_.tolist() == [4.0, 5.0] and m.intercept_ == 6.0
    m.coef_ = [1.0, 2.0, 3.0]  # names not given: they follow
    assert m.features == ("x0", "x1", "x2") and m.intercept_ == 6.0
    named = LinearPowerModel([1.0, 2.0], features=("a", "b"))
    with pytest.raises(ValueError, match="3 coefficients but 2 feature names"):
        named.coef_ = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="finite"):
        m.intercept_ = float("inf")
    with pytest.raises(AttributeError):
        del m.coef_
    with pytest.raises(AttributeError):
        del m.intercept_
    unfitted = LinearPowerModel()
    with pytest.raises(AttributeError, match="set coef_ first"):
        unfitted.intercept_ = 1.0
    unfitted.coef_ = [2.0]
    assert unfitted.predict([[3.0]]).tolist() == [6.0]


def test_unfitted_model():
    m = LinearPowerModel()
    for attr in ("coef_", "intercept_", "n_features_in_"):
        assert not hasattr(m, attr)
    with pytest.raises(ValueError, match="not fitted yet"):
        m.predict([[1.0]])
    with pytest.raises(ValueError, match="not fitted yet"):
        m.score([[1.0], [2.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="not fitted yet"):
        m.predict_one([1.0])
    assert repr(m) == "LinearPowerModel()"


# ---------------------------------------------------------------------------
# predict: scikit-learn's contract, order, batch == single
# ---------------------------------------------------------------------------


def test_predict_contract():
    m = LinearPowerModel([2.0, 4.0], intercept=1.0)
    out = m.predict([[0.5, 0.25], [0.0, 0.0], [1, 1]])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (3,)
    assert out.tolist() == [3.0, 1.0, 7.0]
    # array-likes: tuples, ints, float32, Fortran order, strided views, bools
    X = np.arange(12, dtype=np.float64).reshape(6, 2)
    expected = m.predict(X)
    assert bits(m.predict(tuple(map(tuple, X.tolist())))) == bits(expected)
    assert bits(m.predict(X.astype(np.int64))) == bits(expected)
    assert bits(m.predict(np.asfortranarray(X))) == bits(expected)
    big = np.arange(36, dtype=np.float64).reshape(6, 6)
    assert bits(m.predict(big[:, 1:5:2])) == bits(m.predict(np.ascontiguousarray(big[:, 1:5:2])))
    assert bits(m.predict(X.astype(np.float32))) == bits(m.predict(X.astype(np.float32).astype(np.float64)))
    assert m.predict(np.array([[True, False]])).tolist() == [3.0]
    # a fresh array each time
    a, b = m.predict(X), m.predict(X)
    assert a is not b and a.flags.writeable


def test_predict_dataframe():
    pd = pytest.importorskip("pandas")
    m = LinearPowerModel([2.0, 4.0], intercept=1.0)
    df = pd.DataFrame({"a": [0.5, 0.0], "b": [0.25, 1.0]})
    assert m.predict(df).tolist() == [3.0, 5.0]


@pytest.mark.parametrize(
    "X, match",
    [
        ([1.0, 2.0], r"Expected 2D array, got 1D array instead:\narray=\[1\. 2\.\]\.\nReshape your data"),
        (3.0, "Expected 2D array, got scalar array instead"),
        (np.zeros((2, 2, 2)), r"Found array with dim 3\. LinearPowerModel expected <= 2\."),
        (np.zeros((0, 2)), r"Found array with 0 sample\(s\) \(shape=\(0, 2\)\) while a minimum of 1 is required"),
        (np.zeros((3, 0)), r"Found array with 0 feature\(s\) \(shape=\(3, 0\)\) while a minimum of 1 is required"),
        ([[1.0, float("nan")]], r"^Input X contains NaN\."),
        ([[1.0, float("inf")]], r"^Input X contains infinity or a value too large for dtype\('float64'\)\."),
        ([[1.0, -float("inf")]], "infinity"),
        ([[1.0, 2.0, 3.0]], r"^X has 3 features, but LinearPowerModel is expecting 2 features as input\.$"),
        ([[1.0]], r"^X has 1 features, but LinearPowerModel is expecting 2 features as input\.$"),
        ([["a", "b"]], "could not convert string to float"),
    ],
)
def test_predict_errors(X, match):
    m = LinearPowerModel([2.0, 4.0], intercept=1.0)
    with pytest.raises(ValueError, match=match):
        m.predict(X)


def test_predict_error_messages_match_sklearn():
    lm = pytest.importorskip("sklearn.linear_model")
    X, y, _, _ = random_problem(0, n=20, p=3)
    sk = lm.LinearRegression().fit(X, y)
    ours = LinearPowerModel.from_sklearn(sk)
    for bad in ([1.0, 2.0, 3.0], np.zeros((2, 5)), 7.0):
        with pytest.raises(ValueError) as theirs:
            sk.predict(bad)
        with pytest.raises(ValueError) as mine:
            ours.predict(bad)
        assert str(mine.value) == str(theirs.value).replace("LinearRegression", "LinearPowerModel")
    with pytest.raises(ValueError) as theirs:
        sk.predict([[1.0, float("nan"), 2.0]])
    assert str(theirs.value).startswith("Input X contains NaN.")


def test_predict_follows_the_documented_order_bit_for_bit():
    rng = np.random.default_rng(7)
    for p in (1, 2, 5, 16):
        coef = rng.normal(size=p) * 10.0 ** rng.integers(-8, 8, size=p)
        intercept = float(rng.normal() * 1e3)
        X = rng.normal(size=(50, p)) * 10.0 ** rng.integers(-8, 8, size=(50, p))
        m = LinearPowerModel(coef, intercept)
        expected = [reference_predict(coef.tolist(), intercept, row) for row in X.tolist()]
        assert bits(m.predict(X)) == bits(expected)


@pytest.mark.parametrize("n", [1, 7, 1000, 70_000])  # the last runs without the GIL
def test_batch_equals_single_bit_for_bit(n):
    rng = np.random.default_rng(n)
    p = 5
    m = LinearPowerModel(rng.normal(size=p) * 100, float(rng.normal() * 10))
    X = rng.normal(size=(n, p)) * rng.uniform(0.001, 1000, size=p)
    batch = m.predict(X)
    idx = range(n) if n <= 1000 else rng.integers(0, n, size=300)
    for i in idx:
        row = X[i]
        single = m.predict(X[i : i + 1])
        assert bits(single) == bits(batch[i : i + 1])
        assert bits([m.predict_one(row)]) == bits(batch[i : i + 1])
        assert bits([LinearPowerModel._predict_c(m, row.tolist())]) == bits(batch[i : i + 1])


def test_predict_one():
    m = LinearPowerModel([2.0, 4.0], intercept=1.0)
    assert m.predict_one([0.5, 0.25]) == 3.0
    assert m.predict_one(np.array([0.5, 0.25])) == 3.0
    assert type(m.predict_one((1, 1))) is float
    with pytest.raises(ValueError, match="X has 3 features"):
        m.predict_one([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN"):
        m.predict_one([1.0, float("nan")])
    with pytest.raises(TypeError, match="real number"):
        m.predict_one([1.0, "x"])
    with pytest.raises(TypeError, match="sequence"):
        m.predict_one(3.0)


# ---------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------


def test_fit_recovers_known_coefficients():
    X, y, coef, intercept = random_problem(1)
    m = LinearPowerModel()
    assert m.fit(X, y) is m
    np.testing.assert_allclose(m.coef_, coef, rtol=1e-12, atol=1e-12)
    assert m.intercept_ == pytest.approx(intercept, rel=1e-12)
    assert m.features == ("cpu", "gpu", "blkio", "net", "ram")
    assert m.score(X, y) == pytest.approx(1.0, abs=1e-14)
    # through the origin
    m0 = LinearPowerModel().fit(X, X @ coef, fit_intercept=False)
    np.testing.assert_allclose(m0.coef_, coef, rtol=1e-12, atol=1e-12)
    assert m0.intercept_ == 0.0


def test_fit_feature_names():
    X, y, _, _ = random_problem(2, p=3)
    m = LinearPowerModel().fit(X, y)
    assert m.features == ("x0", "x1", "x2") and m.n_features_in_ == 3
    m.fit(np.c_[X, X[:, 0] ** 2, X[:, 1] ** 2], y)  # default names follow the width
    assert m.features == ("cpu", "gpu", "blkio", "net", "ram")
    named = LinearPowerModel(features=("a", "b", "c")).fit(X, y)
    assert named.features == ("a", "b", "c")
    with pytest.raises(ValueError, match=r"X has 2 features, but the model's features are \('a', 'b', 'c'\)"):
        named.fit(X[:, :2], y)
    assert named.n_features_in_ == 3  # unchanged


def test_fit_matches_sklearn():
    lm = pytest.importorskip("sklearn.linear_model")
    for seed in range(5):
        X, y, _, _ = random_problem(seed, noise=0.5)
        cases = [
            (dict(method="ols"), lm.LinearRegression()),
            (dict(method="ridge", alpha=2.5), lm.Ridge(alpha=2.5)),
            (dict(method="nnls"), lm.LinearRegression(positive=True)),
            (dict(method="ols", fit_intercept=False), lm.LinearRegression(fit_intercept=False)),
            (dict(method="ridge", alpha=10.0, fit_intercept=False), lm.Ridge(alpha=10.0, fit_intercept=False)),
        ]
        for kwargs, sk in cases:
            ours = LinearPowerModel().fit(X, y, **kwargs)
            sk.fit(X, y)
            np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-9, atol=1e-9, err_msg=str(kwargs))
            assert ours.intercept_ == pytest.approx(sk.intercept_, rel=1e-9, abs=1e-9)


def test_ridge_and_nnls_behaviour():
    X, y, coef, _ = random_problem(3, noise=0.1)
    ols = LinearPowerModel().fit(X, y)
    assert LinearPowerModel().fit(X, y, method="ridge", alpha=0.0) == ols
    # ridge shrinks the coefficients, more with a larger alpha
    norms = [np.linalg.norm(LinearPowerModel().fit(X, y, method="ridge", alpha=a).coef_) for a in (0, 1, 100, 1e4)]
    assert norms == sorted(norms, reverse=True) and norms[-1] < norms[0] / 2
    # NNLS: true coefficients of mixed sign; negative ones are clipped to 0
    Xn, yn, cn, _ = random_problem(4)
    cn = np.array([2.0, -1.0, 0.5, -3.0, 1.0])
    yn = Xn @ cn + 3.0
    nn = LinearPowerModel().fit(Xn, yn, method="nnls")
    assert (nn.coef_ >= 0).all() and (nn.coef_ == 0).any()
    assert nn.score(Xn, yn) < 1.0
    # with non-negative truth, NNLS recovers it exactly like OLS
    Xp, _, _, _ = random_problem(5)
    cp = np.array([3.5, 2.5, 0.0, 0.4, 0.6])
    yp = Xp @ cp + 1.9
    pos = LinearPowerModel().fit(Xp, yp, method="nnls")
    np.testing.assert_allclose(pos.coef_, cp, atol=1e-12)
    assert pos.intercept_ == pytest.approx(1.9, abs=1e-12)
    # non-negative ridge
    nr = LinearPowerModel().fit(Xn, yn, method="nnls", alpha=5.0)
    assert (nr.coef_ >= 0).all()


def test_fit_rank_deficient():
    X, y, _, _ = random_problem(6, p=3)
    dup = np.c_[X, 2.0 * X[:, 0]]
    m = LinearPowerModel([1.0, 2.0, 3.0, 4.0], 5.0)
    before = copy.copy(m)
    with pytest.raises(ValueError, match=r"rank-deficient.*method='ridge' with alpha > 0"):
        m.fit(dup, y)
    assert m == before  # unchanged
    ridge = LinearPowerModel().fit(dup, y, method="ridge", alpha=1e-3)
    assert ridge.n_features_in_ == 4
    # too few samples: n <= p with an intercept
    with pytest.raises(ValueError, match="too few samples"):
        LinearPowerModel().fit(X[:3], y[:3])
    # a constant column is not identified with an intercept, but is without
    const = np.c_[X, np.ones(len(X))]
    with pytest.raises(ValueError, match="rank-deficient"):
        LinearPowerModel().fit(const, y)
    LinearPowerModel().fit(const, y, fit_intercept=False)
    # one sample, one feature
    with pytest.raises(ValueError, match="rank-deficient"):
        LinearPowerModel().fit([[1.0]], [2.0])


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(method="lasso"), ValueError, "method must be 'ols', 'ridge' or 'nnls'"),
        (dict(method=None), ValueError, "method must be"),
        (dict(method="ridge", alpha=-1.0), ValueError, "alpha must be a finite number >= 0"),
        (dict(method="ridge", alpha=float("nan")), ValueError, "alpha must be a finite number >= 0"),
        (dict(method="ridge", alpha=float("inf")), ValueError, "alpha must be a finite number >= 0"),
        (dict(method="ridge", alpha="1"), TypeError, "alpha must be a real number"),
        (dict(alpha=1.0), ValueError, "method='ols'"),
    ],
)
def test_fit_bad_method_or_alpha(kwargs, exc, match):
    X, y, _, _ = random_problem(0, n=20, p=2)
    with pytest.raises(exc, match=match):
        LinearPowerModel().fit(X, y, **kwargs)


def test_fit_arguments_are_keyword_only():
    X, y, _, _ = random_problem(0, n=20, p=2)
    with pytest.raises(TypeError):
        LinearPowerModel().fit(X, y, "ridge")


@pytest.mark.parametrize(
    "X, y, match",
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "Expected 2D array, got 1D array"),
        ([[1.0], [2.0], [3.0]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], r"y should be a 1d array, got an array of shape \(3, 2\)"),
        ([[1.0], [2.0], [3.0]], 1.0, r"y should be a 1d array, got an array of shape \(\)"),
        ([[1.0], [2.0], [3.0]], [1.0, 2.0], r"inconsistent numbers of samples: \[3, 2\]"),
        ([[1.0], [2.0], [float("nan")]], [1.0, 2.0, 3.0], "Input X contains NaN"),
        ([[1.0], [2.0], [3.0]], [1.0, float("nan"), 3.0], "Input y contains NaN"),
        ([[1.0], [2.0], [3.0]], [1.0, float("inf"), 3.0], "Input y contains infinity"),
        (np.zeros((0, 2)), [], r"0 sample\(s\)"),
        (np.ones((30, 17)), np.ones(30), "at most 16"),
    ],
)
def test_fit_input_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        LinearPowerModel().fit(X, y)


def test_fit_accepts_a_column_vector_y():
    X, y, _, _ = random_problem(0, n=30, p=2)
    assert LinearPowerModel().fit(X, y[:, None]) == LinearPowerModel().fit(X, y)


# ---------------------------------------------------------------------------
# score
# ---------------------------------------------------------------------------


def test_score_equals_r2_score():
    metrics = pytest.importorskip("sklearn.metrics")
    for seed in range(5):
        X, y, _, _ = random_problem(seed, noise=2.0)
        m = LinearPowerModel().fit(X[:100], y[:100])
        for Xs, ys in ((X, y), (X[100:], y[100:])):
            assert m.score(Xs, ys) == pytest.approx(metrics.r2_score(ys, m.predict(Xs)), rel=1e-12, abs=1e-15)


def test_score_edge_cases():
    m = LinearPowerModel([2.0])
    assert m.score([[0.0], [1.0], [2.0]], [0.0, 2.0, 4.0]) == 1.0
    assert m.score([[1.0], [1.0]], [2.0, 2.0]) == 1.0  # constant y, perfect
    assert m.score([[1.0], [2.0]], [2.0, 2.0]) == 0.0  # constant y, not perfect
    with pytest.warns(UserWarning, match="less than two samples"):
        assert math.isnan(m.score([[1.0]], [2.0]))
    with pytest.raises(ValueError, match="X has 2 features"):
        m.score([[1.0, 2.0]], [1.0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        m.score([[1.0], [2.0]], [1.0])


# ---------------------------------------------------------------------------
# from_sklearn
# ---------------------------------------------------------------------------


def _sk():
    return pytest.importorskip("sklearn")


def _assert_same_predictions(ours, sk_model, X):
    np.testing.assert_allclose(ours.predict(X), sk_model.predict(X), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["LinearRegression", "Ridge", "Lasso", "ElasticNet"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_from_sklearn_models(name, fit_intercept):
    _sk()
    from sklearn import linear_model

    for seed in range(3):
        X, y, _, _ = random_problem(seed, noise=1.0)
        kwargs = {} if name == "LinearRegression" else {"alpha": 0.05}
        sk = getattr(linear_model, name)(fit_intercept=fit_intercept, **kwargs).fit(X, y)
        ours = LinearPowerModel.from_sklearn(sk)
        assert ours.coef_.tolist() == sk.coef_.tolist()
        assert ours.intercept_ == float(sk.intercept_)
        assert ours.features == ("cpu", "gpu", "blkio", "net", "ram")
        Xt, _, _, _ = random_problem(seed + 100)
        _assert_same_predictions(ours, sk, Xt)


def _scalers():
    from sklearn import preprocessing as pp

    return [
        pp.StandardScaler(),
        pp.StandardScaler(with_mean=False),
        pp.StandardScaler(with_std=False),
        pp.MinMaxScaler(),
        pp.MinMaxScaler(feature_range=(-3, 7)),
        pp.MaxAbsScaler(),
        pp.RobustScaler(),
        pp.RobustScaler(with_centering=False),
        pp.RobustScaler(with_scaling=False, quantile_range=(10, 90)),
    ]


@pytest.mark.parametrize("scaler_index", range(9))
@pytest.mark.parametrize("model_name", ["LinearRegression", "Ridge", "Lasso", "ElasticNet"])
def test_from_sklearn_pipelines(scaler_index, model_name):
    _sk()
    from sklearn import linear_model
    from sklearn.pipeline import make_pipeline

    for seed in range(3):
        X, y, _, _ = random_problem(seed, noise=1.0)
        scaler = _scalers()[scaler_index]
        kwargs = {} if model_name == "LinearRegression" else {"alpha": 0.01}
        pipe = make_pipeline(scaler, getattr(linear_model, model_name)(**kwargs)).fit(X, y)
        ours = LinearPowerModel.from_sklearn(pipe)
        Xt, _, _, _ = random_problem(seed + 100, n=500)
        _assert_same_predictions(ours, pipe, Xt)
        _assert_same_predictions(ours, pipe, X)


def test_from_sklearn_chained_nested_and_passthrough():
    _sk()
    from sklearn import preprocessing as pp
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline, make_pipeline

    X, y, _, _ = random_problem(11, noise=1.0)
    inner = make_pipeline(pp.MinMaxScaler(), pp.MaxAbsScaler())
    pipe = Pipeline(
        [("std", pp.StandardScaler()), ("skip", "passthrough"), ("inner", inner), ("none", None), ("ridge", Ridge(0.3))]
    ).fit(X, y)
    ours = LinearPowerModel.from_sklearn(pipe)
    Xt, _, _, _ = random_problem(12, n=500)
    _assert_same_predictions(ours, pipe, Xt)
    for scalers in (_scalers()[:4], _scalers()[4:]):
        p = make_pipeline(*scalers, Ridge(0.1)).fit(X, y)
        _assert_same_predictions(LinearPowerModel.from_sklearn(p), p, Xt)


def test_from_sklearn_feature_names():
    _sk()
    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _, _ = random_problem(13, p=3)
    df = pd.DataFrame(X, columns=["cpu", "gpu", "net"])
    sk = LinearRegression().fit(df, y)
    assert LinearPowerModel.from_sklearn(sk).features == ("cpu", "gpu", "net")
    pipe = make_pipeline(StandardScaler(), LinearRegression()).fit(df, y)
    assert LinearPowerModel.from_sklearn(pipe).features == ("cpu", "gpu", "net")
    assert LinearPowerModel.from_sklearn(pipe, features=["a", "b", "c"]).features == ("a", "b", "c")
    assert LinearPowerModel.from_sklearn(pipe, ("a", "b", "c")).features == ("a", "b", "c")
    plain = LinearRegression().fit(X, y)
    assert LinearPowerModel.from_sklearn(plain).features == ("x0", "x1", "x2")
    with pytest.raises(ValueError, match="3 coefficients but 2 feature names"):
        LinearPowerModel.from_sklearn(plain, features=["a", "b"])


def test_from_sklearn_errors():
    _sk()
    from sklearn import linear_model
    from sklearn import preprocessing as pp
    from sklearn.pipeline import make_pipeline, Pipeline
    from sklearn.tree import DecisionTreeRegressor

    X, y, _, _ = random_problem(14, p=3)
    with pytest.raises(TypeError, match=r"pipeline step 'poly' \(PolynomialFeatures\) is not a linear scaler"):
        LinearPowerModel.from_sklearn(
            Pipeline([("poly", pp.PolynomialFeatures()), ("lr", linear_model.LinearRegression())]).fit(X, y)
        )
    with pytest.raises(TypeError, match=r"DecisionTreeRegressor is not a supported model"):
        LinearPowerModel.from_sklearn(DecisionTreeRegressor().fit(X, y))
    with pytest.raises(TypeError, match=r"pipeline step 'tree' \(DecisionTreeRegressor\)"):
        LinearPowerModel.from_sklearn(Pipeline([("s", pp.StandardScaler()), ("tree", DecisionTreeRegressor())]))
    with pytest.raises(TypeError, match=r"pipeline step 'lasso' \(LassoCV\)"):
        LinearPowerModel.from_sklearn(Pipeline([("lasso", linear_model.LassoCV())]))
    with pytest.raises(TypeError, match="clip=True"):
        LinearPowerModel.from_sklearn(make_pipeline(pp.MinMaxScaler(clip=True), linear_model.Ridge()).fit(X, y))
    with pytest.raises(ValueError, match="not fitted"):
        LinearPowerModel.from_sklearn(linear_model.Ridge())
    with pytest.raises(ValueError, match="not fitted"):
        pipe = make_pipeline(pp.StandardScaler(), linear_model.Ridge())
        pipe.steps[-1][1].fit(X, y)
        LinearPowerModel.from_sklearn(pipe)
    with pytest.raises(ValueError, match="single-output"):
        LinearPowerModel.from_sklearn(linear_model.LinearRegression().fit(X, np.c_[y, y]))
    with pytest.raises(ValueError, match="single-output"):
        LinearPowerModel.from_sklearn(linear_model.LinearRegression().fit(X, y[:, None]))
    with pytest.raises(TypeError, match="is not a supported model"):
        LinearPowerModel.from_sklearn(object())

    class MyRidge(linear_model.Ridge):  # may override predict: refused
        pass

    with pytest.raises(TypeError, match="MyRidge"):
        LinearPowerModel.from_sklearn(MyRidge().fit(X, y))


def test_from_sklearn_without_sklearn_objects_needs_no_sklearn():
    with pytest.raises(TypeError, match="int is not a supported model"):
        LinearPowerModel.from_sklearn(3)


def test_from_sklearn_node_model():
    _sk()
    from sklearn.linear_model import LinearRegression

    X, y, _, _ = random_problem(15, p=4)
    sk = LinearRegression().fit(X, y)
    node = NodePowerModel.from_sklearn(sk)
    assert type(node) is NodePowerModel
    assert node.features == NODE_FEATURES and node.idle == float(sk.intercept_)
    _assert_same_predictions(node, sk, X)


# ---------------------------------------------------------------------------
# the C API (through its test hook)
# ---------------------------------------------------------------------------


class Plain(LinearPowerModel):
    pass


class Doubling(LinearPowerModel):
    def predict(self, X):
        return 2.0 * super().predict(X)


def test_c_api():
    m = LinearPowerModel([3.5, 2.5], 1.9)
    assert LinearPowerModel._predict_c(m, [0.5, 0.0]) == 1.9 + 1.75
    sub = Plain([3.5, 2.5], 1.9)
    assert LinearPowerModel._predict_c(sub, [0.5, 0.0]) == 1.9 + 1.75  # predict not overridden
    # overridden predict (class or instance): the caller must call predict
    d = Doubling([3.5, 2.5], 1.9)
    assert LinearPowerModel._predict_c(d, [0.5, 0.0]) is None
    assert d.predict_one([0.5, 0.0]) == 2.0 * (1.9 + 1.75)
    inst = Plain([1.0], 0.0)
    inst.predict = lambda X: np.full(len(X), 42.0)
    assert LinearPowerModel._predict_c(inst, [1.0]) is None
    assert inst.predict_one([1.0]) == 42.0
    del inst.predict
    assert LinearPowerModel._predict_c(inst, [1.0]) == 1.0
    # monkey-patching the class later is seen
    Plain.predict = lambda self, X: np.zeros(len(X))
    try:
        assert LinearPowerModel._predict_c(sub, [0.5, 0.0]) is None
    finally:
        del Plain.predict
    assert LinearPowerModel._predict_c(sub, [0.5, 0.0]) == 1.9 + 1.75
    # not a LinearPowerModel
    assert LinearPowerModel._predict_c(object(), [1.0]) is None
    assert LinearPowerModel._predict_c({"predict": 1}, [1.0]) is None
    # errors
    with pytest.raises(ValueError, match="X has 3 features, but LinearPowerModel is expecting 2"):
        LinearPowerModel._predict_c(m, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN"):
        LinearPowerModel._predict_c(m, [1.0, float("nan")])
    with pytest.raises(ValueError, match="infinity"):
        LinearPowerModel._predict_c(m, [1.0, float("inf")])
    with pytest.raises(ValueError, match="not fitted"):
        LinearPowerModel._predict_c(LinearPowerModel(), [1.0])


def test_node_power_model_uses_the_c_path():
    nano = NodePowerModel.for_device("nano")
    row = [0.3, 0.2, 0.1, 0.7]
    assert LinearPowerModel._predict_c(nano, row) == nano.predict([row])[0]


# ---------------------------------------------------------------------------
# equality, repr, pickling, subclassing
# ---------------------------------------------------------------------------


def test_equality():
    a = LinearPowerModel([1.0, 2.0], 3.0)
    assert a == LinearPowerModel([1.0, 2.0], 3.0)
    assert a != LinearPowerModel([1.0, 2.0], 3.5)
    assert a != LinearPowerModel([1.0, 2.5], 3.0)
    assert a != LinearPowerModel([1.0, 2.0, 0.0], 3.0)
    assert a != LinearPowerModel([1.0, 2.0], 3.0, features=("a", "b"))
    assert a == LinearPowerModel([1.0, 2.0], 3.0, features=("x0", "x1"))
    assert a != Plain([1.0, 2.0], 3.0)  # another type
    assert a != "model" and not (a == 1)
    assert LinearPowerModel() == LinearPowerModel()
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)


def test_repr_round_trips():
    ns = {"LinearPowerModel": LinearPowerModel, "NodePowerModel": NodePowerModel}
    for m in (
        LinearPowerModel([0.1, 2.0], 1e-300),
        LinearPowerModel([1.0, 2.0], 3.0, features=("a", "b")),
        LinearPowerModel(features=("a", "b")),
        LinearPowerModel(),
        NodePowerModel(1.9, [3.5, 2.5, 0.4, 0.6]),
        NodePowerModel(1.0, [1.0, 2.0], features=("cpu", "gpu")),
    ):
        assert eval(repr(m), ns) == m
    assert repr(LinearPowerModel([0.5], 1.25)) == "LinearPowerModel(coef=[0.5], intercept=1.25)"
    assert repr(Plain([0.5])) == "Plain(coef=[0.5], intercept=0.0)"


@pytest.mark.parametrize(
    "model",
    [
        LinearPowerModel([0.1, 0.2, 0.3], 1.0 / 3.0),
        LinearPowerModel([0.1, 0.2], -7.0, features=("a", "b")),
        LinearPowerModel(),
        LinearPowerModel(features=("a",)),
        NodePowerModel(1.9, [3.5, 2.5, 0.4, 0.6]),
        Plain([1.0], 2.0),
    ],
    ids=repr,
)
def test_pickle_round_trip(model):
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        clone = pickle.loads(pickle.dumps(model, proto))
        assert type(clone) is type(model) and clone == model and clone.features == model.features
    assert copy.deepcopy(model) == model and copy.copy(model) == model


def test_pickle_keeps_instance_state_and_default_names():
    m = Plain([1.0], 2.0)
    m.note = "measured"
    clone = pickle.loads(pickle.dumps(m))
    assert clone.note == "measured" and clone == m
    # default names stay default: a refit with another width still adapts them
    c = pickle.loads(pickle.dumps(LinearPowerModel([1.0, 2.0])))
    X, y, _, _ = random_problem(0, n=20, p=3)
    assert c.fit(X, y).features == ("x0", "x1", "x2")
    n = NodePowerModel.for_device("rpi3")
    n.device_type = "rpi3"
    assert pickle.loads(pickle.dumps(n)).device_type == "rpi3"


def test_subclass_with_own_init_and_weakref():
    import weakref

    class Scaled(LinearPowerModel):
        def __init__(self, factor, coef):
            super().__init__([factor * c for c in coef])
            self.factor = factor

    s = Scaled(2.0, [1.0, 3.0])
    assert s.coef_.tolist() == [2.0, 6.0] and s.factor == 2.0
    r = weakref.ref(s)
    assert r() is s
    assert isinstance(s, LinearPowerModel)


def test_no_reference_leaks():
    m = LinearPowerModel([1.0, 2.0], 3.0)
    X = np.ones((10, 2))
    y = np.arange(10.0)
    X2 = np.c_[np.arange(10.0), np.arange(10.0) ** 2]
    before = sys.getrefcount(X), sys.getrefcount(y), sys.getrefcount(X2)
    for _ in range(1000):
        m.predict(X)
        m.score(X2, y)
        LinearPowerModel().fit(X2, y)
        try:
            m.predict(X[:, :1])
        except ValueError:
            pass
    assert (sys.getrefcount(X), sys.getrefcount(y), sys.getrefcount(X2)) == before


# ---------------------------------------------------------------------------
# node power models and presets
# ---------------------------------------------------------------------------


def _csv_rows():
    return {row["device_type"]: row for row in csv.DictReader(PACKAGED_CSV.open(encoding="utf-8", newline=""))}


def test_presets_equal_the_csv():
    profiles = load_power_profiles()
    rows = _csv_rows()
    assert sorted(profiles) == sorted(rows) == DEVICE_TYPES
    for name, model in profiles.items():
        row = rows[name]
        assert type(model) is NodePowerModel
        assert model.features == ("cpu", "gpu", "net", "memory")
        assert model.idle == model.intercept_ == float(row["idle_watts"])
        assert model.coef_.tolist() == [
            float(row[c]) for c in ("cpu_max_watts", "gpu_max_watts", "network_max_watts", "memory_max_watts")
        ]
        assert NodePowerModel.for_device(name) == model
        # full use of everything: idle plus every maximum
        full = model.power(cpu=1, gpu=1, net=1, memory=1)
        assert full == pytest.approx(float(row["idle_watts"]) + sum(model.coef_), rel=1e-15)
        assert model.power() == model.idle


def test_preset_values():
    nano = NodePowerModel.for_device("nano")
    assert nano.idle == 1.9
    assert nano.power({"cpu": 0.5}) == 1.9 + 1.75
    assert nano.power(cpu=0.5) == 1.9 + 1.75
    assert nano.predict([[0.5, 0.0, 0.0, 0.0]]).tolist() == [1.9 + 1.75]
    nx = NodePowerModel.for_device("nx")
    assert nx.coef_.tolist()[:2] == [12.0, 20.0]  # the primary version of the profiles
    default = NodePowerModel.for_device("default")
    assert default.idle == 0.0 and default.coef_.tolist() == [0.0] * 4
    assert NodePowerModel.for_device("xeongpu").power({"cpu": 1.0, "gpu": 1.0}) == 65.0 + (185.0 + 250.0)


def test_power_names_and_aliases():
    m = NodePowerModel(2.0, [4.0, 10.0, 0.5, 1.0])
    assert m.power({"ram": 0.5, "network": 1.0}) == m.power(memory=0.5, net=1.0) == 2.0 + (0.5 + 0.5)
    assert m.power({"cpu": 0.25}, gpu=0.5) == 2.0 + (1.0 + 5.0)
    with pytest.raises(ValueError, match="unknown utilization 'blkio'"):
        m.power({"blkio": 0.1})
    with pytest.raises(ValueError, match="'memory' and 'ram' both give 'memory'"):
        m.power({"ram": 0.1, "memory": 0.2})
    with pytest.raises(ValueError, match="'cpu' and 'cpu'"):
        m.power({"cpu": 0.1}, cpu=0.2)
    with pytest.raises(ValueError, match="NaN"):
        m.power(cpu=float("nan"))
    # an explicitly named feature is not shadowed by an alias
    custom = NodePowerModel(0.0, [1.0, 2.0], features=("ram", "memory"))
    assert custom.power(ram=1.0) == 1.0 and custom.power(memory=1.0) == 2.0


def test_for_device_unknown():
    with pytest.raises(KeyError, match="no power profile for device type 'pi5'.*'default'"):
        NodePowerModel.for_device("pi5")
    with pytest.raises(KeyError):
        NodePowerModel.for_device(["nano"])


def test_load_power_profiles_from_a_file(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "device_type,idle_watts,cpu_max_watts,gpu_max_watts,network_max_watts,memory_max_watts\n"
        "box,10,20,0,1,2\n"
    )
    profiles = load_power_profiles(str(path))
    assert profiles == {"box": NodePowerModel(10.0, [20.0, 0.0, 1.0, 2.0])}
    # callers own what they get
    profiles = load_power_profiles()
    profiles["nano"].intercept_ = 100.0
    assert load_power_profiles()["nano"].idle == 1.9


def test_node_power_model_is_a_linear_power_model():
    m = NodePowerModel(1.0, [2.0, 3.0, 4.0, 5.0])
    assert isinstance(m, LinearPowerModel)
    X = np.random.default_rng(0).random((100, 4))
    y = X @ [2.0, 3.0, 4.0, 5.0] + 1.0
    fitted = NodePowerModel(0.0, [0.0] * 4).fit(X, y)
    np.testing.assert_allclose(fitted.coef_, [2.0, 3.0, 4.0, 5.0], rtol=1e-12)
    assert fitted.idle == pytest.approx(1.0, rel=1e-12)
    with pytest.raises(ValueError, match="5 coefficients but 4 feature names"):
        NodePowerModel(1.0, [1.0] * 5)


def test_packaged_power_profiles_equal_shared_copy():
    if not SHARED_CSV.exists():
        pytest.skip("no shared data set next to the repository")
    assert PACKAGED_CSV.read_bytes() == SHARED_CSV.read_bytes()


def test_power_profiles_are_package_data_with_credits():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "*.csv" in config["tool"]["setuptools"]["package-data"]["faassim.data"]
    readme = (ROOT / "faassim" / "data" / "README.md").read_text()
    assert "power_profiles.csv" in readme and "Xh4lis/faas-sim" in readme and "0563668" in readme
    header = PACKAGED_CSV.read_text().splitlines()[0].split(",")
    assert [c for c in header if c.endswith("_source")]  # the sources stay in the file


# ---------------------------------------------------------------------------
# env.power_models
# ---------------------------------------------------------------------------


def test_env_power_models_component():
    env = faassim.Environment()
    assert env.power_models == {}
    assert env.power_models is env.power_models
    assert faassim.Environment().power_models is not env.power_models
    env.power_models["nano_0"] = NodePowerModel.for_device("nano")
    assert list(env.power_models) == ["nano_0"]
    mine = {"a": LinearPowerModel([1.0])}
    env.power_models = mine
    assert env.power_models is mine
    del env.power_models
    assert env.power_models == {}


def test_predict_refuses_complex_and_unordered_inputs():
    m = LinearPowerModel([2.0, 4.0], intercept=1.0)
    # numpy would drop the imaginary parts (a ComplexWarning) and predict 3.0
    with pytest.raises(TypeError, match="real numbers, got dtype dtype\\('complex128'\\)"):
        m.predict(np.array([[0.5 + 1j, 0.25]]))
    with pytest.raises(TypeError, match="complex64"):
        m.fit(np.array([[1.0, 2.0]], dtype=np.complex64), [3.0])
    # a set has no order: which value is x[0]?
    with pytest.raises(TypeError, match="x must be a sequence of numbers .*, not set"):
        m.predict_one({0.5, 0.25})
    with pytest.raises(TypeError, match="not dict"):
        m.predict_one({0: 0.5, 1: 0.25})
    # real inputs of every kind still predict 1 + 2 * 0.5 + 4 * 0.25
    assert m.predict(np.array([[0.5, 0.25]], dtype=np.float32))[0] == 3.0
    assert m.predict(np.array([[1, 0]], dtype=np.int64))[0] == 3.0
    assert m.predict_one(np.array([0.5, 0.25])) == 3.0
    assert m.predict_one((0.5, 0.25)) == 3.0
