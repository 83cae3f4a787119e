"""Distributions sampled by the C random source (faassim.distributions),
function characterizations and their oracles (faassim.characterization), and
the packaged reference figures.

Every statistical check uses a fixed seed, so its outcome never changes; the
bounds are wide enough for any good sampler (5 or more standard errors, KS
p-values above 1e-3) and tight enough to catch a wrong distribution, a wrong
parameterization or a wrong truncation."""

import csv
import doctest
import math
import pathlib
import pickle
import tomllib

import numpy as np
import pytest

scipy_stats = pytest.importorskip("scipy.stats")
scipy_integrate = pytest.importorskip("scipy.integrate")

import faassim  # noqa: E402
import faassim.characterization  # noqa: E402
import faassim.distributions  # noqa: E402
from faassim import (  # noqa: E402
    FetOracle,
    FunctionCharacterization,
    FunctionResourceCharacterization,
    Node,
    Random,
    ReferenceCharacterizations,
    ResourceOracle,
    load_reference_characterizations,
)
from faassim.distributions import (  # noqa: E402
    MIN_ACCEPTANCE,
    Constant,
    Distribution,
    Empirical,
    Exponential,
    LogNormal,
    Normal,
    Uniform,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "faassim" / "data"
SHARED = ROOT.parent / "shared" / "data"
INF = math.inf
N = 50_000

# Reference rows used below (faassim/data/fet_lognormal.csv)
CORAL_PI = (2.0685603472046896, 1.6156998209501152, 0.0066422665082161245, 1.6157212257385254, 1.6432366371154785)


def frozen(dist):
    """The scipy distribution of *dist* without its bounds."""
    kind, p, _, _ = dist.spec
    if kind == "exponential":
        return scipy_stats.expon(scale=1.0 / p[0])
    if kind == "normal":
        return scipy_stats.norm(p[0], p[1])
    if kind == "uniform":
        return scipy_stats.uniform(loc=p[0], scale=p[1] - p[0])
    if kind == "lognormal":
        return scipy_stats.lognorm(p[0], loc=p[1], scale=p[2])
    raise AssertionError(kind)


class Truncated:
    """CDF, inverse CDF and mean of a scipy distribution conditioned on
    [xmin, xmax] (what rejection sampling draws from)."""

    def __init__(self, dist):
        self.base = frozen(dist)
        self.lo, self.hi = dist.xmin, dist.xmax
        self.flo, self.fhi = self.base.cdf(self.lo), self.base.cdf(self.hi)
        self.mass = self.fhi - self.flo

    def cdf(self, x):
        return (self.base.cdf(np.clip(x, self.lo, self.hi)) - self.flo) / self.mass

    def ppf(self, q):
        return self.base.ppf(self.flo + np.asarray(q) * self.mass)

    def mean(self):
        a, b = self.base.support()
        a, b = max(a, self.lo), min(b, self.hi)
        if a == -INF and b == INF:
            return self.base.mean()
        integral, _ = scipy_integrate.quad(lambda x: x * self.base.pdf(x), a, b, epsabs=0, epsrel=1e-13, limit=500)
        return integral / self.mass


CONTINUOUS = [
    Exponential(2.0),
    Exponential(2.0, xmin=0.3, xmax=1.0),
    Exponential(0.5, xmin=4.0),
    Normal(1.0, 2.0),
    Normal(1.0, 2.0, xmin=0.0, xmax=4.0),
    Normal(1.0, 2.0, xmin=2.5),
    Normal(-3.0, 0.5, xmax=-3.8),
    Uniform(-1.0, 3.0),
    Uniform(-1.0, 3.0, xmin=0.0, xmax=1.5),
    LogNormal(0.5),
    LogNormal(0.5, loc=0.1, scale=2.0),
    LogNormal(0.5, loc=0.1, scale=2.0, xmin=1.5, xmax=3.0),
    LogNormal(1.2, loc=-1.0, scale=0.5, xmin=0.0),
    # reference fits: a heavy tail cut short, and a near-normal one with a negative loc
    LogNormal(*CORAL_PI[:3], xmin=CORAL_PI[3], xmax=CORAL_PI[4]),
    LogNormal(0.0011447901398451941, -2722.59408910652, 2733.773971903728, xmin=1.203, xmax=14.579),
]


def draws(dist, seed=12345, n=N):
    rng = Random(seed)
    return np.array([dist.sample(rng) for _ in range(n)])


# ---------------------------------------------------------------------------
# Distributions: statistics
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dist", CONTINUOUS, ids=repr)
def test_samples_follow_the_truncated_distribution(dist):
    x = draws(dist)
    assert np.all((x >= dist.xmin) & (x <= dist.xmax))
    ref = Truncated(dist)
    ks = scipy_stats.kstest(x, ref.cdf)
    assert ks.pvalue > 1e-3, ks
    # sample quantiles, compared where it is distribution-free: F(q-quantile) ~ q
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        assert abs(ref.cdf(np.quantile(x, q)) - q) < 5 * math.sqrt(q * (1 - q) / N), q
    # and the sample mean against the exact mean, within 5 standard errors
    assert abs(x.mean() - dist.mean()) < 5 * x.std() / math.sqrt(N)


@pytest.mark.parametrize("dist", CONTINUOUS, ids=repr)
def test_mean_is_exact(dist):
    expected = Truncated(dist).mean()
    assert dist.mean() == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "dist, truncated",
    [
        (Normal(0.0, 1.0, xmin=3.0), lambda: scipy_stats.truncnorm(3.0, INF)),
        (Normal(2.0, 3.0, xmin=-1.0, xmax=0.5), lambda: scipy_stats.truncnorm(-1.0, -0.5, loc=2.0, scale=3.0)),
        (Normal(0.0, 1.0, xmin=-3.2, xmax=-3.0), lambda: scipy_stats.truncnorm(-3.2, -3.0)),
        (Exponential(3.0, xmin=1.0, xmax=1.01), lambda: scipy_stats.truncexpon(0.03, loc=1.0, scale=1 / 3.0)),
        (Exponential(3.0, xmin=1.0, xmax=2.0), lambda: scipy_stats.truncexpon(3.0, loc=1.0, scale=1 / 3.0)),
    ],
    ids=repr,
)
def test_truncated_means_in_the_tails(dist, truncated):
    assert dist.mean() == pytest.approx(truncated().mean(), rel=1e-9)


def test_closed_form_means():
    assert Normal(0.0, 1.0, xmin=0.0).mean() == pytest.approx(math.sqrt(2 / math.pi), rel=1e-15)
    assert Normal(5.0, 2.0, xmin=3.0, xmax=7.0).mean() == pytest.approx(5.0, abs=1e-15)
    assert Exponential(4.0, xmin=2.0).mean() == pytest.approx(2.25, rel=1e-15)  # memoryless
    assert Exponential(4.0, xmin=-3.0).mean() == 0.25  # below the support: no effect
    assert Uniform(0.0, 4.0, xmin=1.0, xmax=9.0).mean() == 2.5
    assert LogNormal(0.8, loc=1.0, scale=2.0).mean() == 1.0 + 2.0 * math.exp(0.32)
    s, loc, scale = 1.5, 0.0, 1.0
    # bounded at the median: E[e^{sZ} | Z >= 0] = e^{s^2/2} * 2 * Phi(s)
    expected = math.exp(s * s / 2) * 2 * scipy_stats.norm.cdf(s)
    assert LogNormal(s, loc, scale, xmin=1.0).mean() == pytest.approx(expected, rel=1e-14)
    assert LogNormal(40.0).mean() == INF  # not representable
    assert Exponential(1e-300).mean() == 1.0 / 1e-300


def test_degenerate_distributions():
    rng = Random(1)
    for dist, value in [(Normal(3.0, 0.0), 3.0), (LogNormal(0.0, 1.0, 2.0), 3.0), (Uniform(2.0, 2.0), 2.0)]:
        assert {dist.sample(rng) for _ in range(10)} == {value}
        assert dist.mean() == value
        bounded = type(dist)(*dist.spec[1], xmin=value, xmax=value)
        assert bounded.sample(rng) == value and bounded.mean() == value
        with pytest.raises(ValueError, match="probability 0"):
            type(dist)(*dist.spec[1], xmin=value + 1)


def test_constant():
    rng = Random(9)
    state = rng.getstate()
    c = Constant(2.5, xmin=1.0, xmax=2.5)
    assert [c.sample(rng) for _ in range(3)] == [2.5] * 3 and c.mean() == 2.5 and c.value == 2.5
    assert rng.getstate() == state  # draws nothing
    assert Constant(7).sample(rng) == 7.0 and isinstance(Constant(7).sample(rng), float)


def test_empirical_draws_only_the_samples_with_their_frequencies():
    dist = Empirical([1.0, 2.0, 2.0, 5.0])
    x = draws(dist)
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [1.0, 2.0, 5.0]
    for count, p in zip(counts, [0.25, 0.5, 0.25]):
        assert abs(count / N - p) < 5 * math.sqrt(p * (1 - p) / N)
    chi2 = scipy_stats.chisquare(counts, N * np.array([0.25, 0.5, 0.25]))
    assert chi2.pvalue > 1e-3
    assert dist.mean() == 2.5


def test_empirical_bounds_keep_relative_frequencies():
    dist = Empirical([1, 2, 2, 5, 9, 2.5], xmin=2, xmax=5)
    x = draws(dist)
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [2.0, 2.5, 5.0]
    for count, p in zip(counts, [0.5, 0.25, 0.25]):
        assert abs(count / N - p) < 5 * math.sqrt(p * (1 - p) / N)
    assert dist.mean() == pytest.approx((2 + 2 + 5 + 2.5) / 4, rel=1e-15)
    assert dist.samples == (1.0, 2.0, 2.0, 5.0, 9.0, 2.5)
    assert dist.spec == ("empirical", (1.0, 2.0, 2.0, 5.0, 9.0, 2.5), 2.0, 5.0)
    # a large sample set from NumPy
    big = Empirical(np.arange(1000.0))
    assert big.mean() == 499.5 and len(big.samples) == 1000
    assert repr(big) == "Empirical([0.0, 1.0, 2.0, ... (1000 samples)])"


# ---------------------------------------------------------------------------
# Distributions: streams
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dist", CONTINUOUS + [Empirical([1, 2, 3]), Constant(1.0)], ids=repr)
def test_same_seed_same_samples(dist):
    a, b = draws(dist, seed=7, n=200), draws(dist, seed=7, n=200)
    assert a.tolist() == b.tolist()
    if not isinstance(dist, Constant):
        assert a.tolist() != draws(dist, seed=8, n=200).tolist()


@pytest.mark.parametrize(
    "dist, method, args",
    [
        (LogNormal(0.5, 0.1, 2.0), "lognorm", (0.5, 0.1, 2.0)),
        (Normal(1.0, 2.0), "normalvariate", (1.0, 2.0)),
        (Exponential(2.0), "expovariate", (2.0,)),
        (Uniform(1.0, 2.0), "uniform", (1.0, 2.0)),
        (Empirical([3.0, 1.0, 2.0]), "choice", ((3.0, 1.0, 2.0),)),
    ],
)
def test_sampling_uses_the_c_methods(dist, method, args):
    """An unbounded distribution is exactly the method of that name; a bounded
    one is rng.bounded(kind, *params, xmin=, xmax=) (the spec)."""
    a, b = Random(3), Random(3)
    assert [dist.sample(a) for _ in range(50)] == [getattr(b, method)(*args) for _ in range(50)]
    if dist.spec[0] != "empirical":
        kind, params, _, _ = dist.spec
        bounded = type(dist)(*params, xmin=dist.mean() - 1.0, xmax=dist.mean() + 0.5)
        a, b = Random(4), Random(4)
        xs = [bounded.sample(a) for _ in range(50)]
        assert xs == [b.bounded(kind, *params, xmin=bounded.xmin, xmax=bounded.xmax) for _ in range(50)]


def test_sample_needs_a_faassim_random():
    env = faassim.Environment(seed=3)
    assert 0.0 <= Uniform(0, 1).sample(env.rng) < 1.0
    for bad in (env, np.random.default_rng(1)):
        with pytest.raises(TypeError, match="faassim.Random"):
            Uniform(0, 1).sample(bad)
    # without a random source: NumPy's global generator, as faas-sim's samplers drew
    np.random.seed(2)
    x = Uniform(0, 1).sample()
    np.random.seed(2)
    assert x == np.random.random_sample()


# ---------------------------------------------------------------------------
# Distributions: values, errors
# ---------------------------------------------------------------------------


def test_spec_repr_equality():
    d = LogNormal(0.5, loc=0.1, scale=2.0, xmin=1.5)
    assert d.spec == ("lognormal", (0.5, 0.1, 2.0), 1.5, INF)
    assert Normal(0, 1).spec == ("normal", (0.0, 1.0), -INF, INF)
    assert Exponential(2).spec == ("exponential", (2.0,), -INF, INF)
    assert Uniform(0, 1, xmax=0.5).spec == ("uniform", (0.0, 1.0), -INF, 0.5)
    assert Constant(3).spec == ("constant", (3.0,), -INF, INF)
    assert all(type(v) is float for v in d.spec[1] + d.spec[2:])
    assert repr(d) == "LogNormal(0.5, loc=0.1, scale=2.0, xmin=1.5)"
    assert repr(Normal(0, 1, xmin=-1, xmax=1)) == "Normal(0.0, 1.0, xmin=-1.0, xmax=1.0)"
    namespace = vars(faassim.distributions)
    for dist in CONTINUOUS + [Empirical([1, 2]), Constant(1.0, xmax=2)]:
        assert eval(repr(dist), namespace) == dist
        assert pickle.loads(pickle.dumps(dist)) == dist
    assert d == LogNormal(0.5, 0.1, 2.0, xmin=1.5, xmax=INF) and hash(d) == hash(LogNormal(0.5, 0.1, 2.0, xmin=1.5))
    assert d != LogNormal(0.5, 0.1, 2.0) and Normal(1, 0) != Constant(1) and d != "LogNormal"
    assert len({Normal(0, 1), Normal(0.0, 1.0), Normal(0, 2)}) == 2
    assert (d.s, d.loc, d.scale, d.xmin, d.xmax, d.bounded) == (0.5, 0.1, 2.0, 1.5, INF, True)
    assert not Normal(0, 1).bounded
    with pytest.raises(AttributeError):
        d.xmin = 0.0
    with pytest.raises(AttributeError):
        d.extra = 1


@pytest.mark.parametrize(
    "make, exc, fragment",
    [
        (lambda: Exponential(0), ValueError, "rate must be > 0, got 0.0"),
        (lambda: Exponential(-1.5), ValueError, "rate must be > 0, got -1.5"),
        (lambda: Exponential(math.nan), ValueError, "rate must be finite, got nan"),
        (lambda: Exponential("1"), TypeError, "rate must be a real number, got '1'"),
        (lambda: Exponential(True), TypeError, "rate must be a real number, got True"),
        (lambda: Normal(0, -1), ValueError, "sigma must be >= 0, got -1.0"),
        (lambda: Normal(INF, 1), ValueError, "mu must be finite, got inf"),
        (lambda: Uniform(2, 1), ValueError, "a <= b, got a=2.0, b=1.0"),
        (lambda: Uniform(0, INF), ValueError, "Uniform b must be finite"),
        (lambda: Uniform(-1e308, 1e308), ValueError, "b - a must be finite"),
        (lambda: LogNormal(-0.1), ValueError, "LogNormal s must be >= 0, got -0.1"),
        (lambda: LogNormal(1, scale=0), ValueError, "LogNormal scale must be > 0, got 0.0"),
        (lambda: LogNormal(1, loc=math.nan), ValueError, "LogNormal loc must be finite, got nan"),
        (lambda: LogNormal(None), TypeError, "LogNormal s must be a real number, got None"),
        (lambda: Constant(INF), ValueError, "Constant value must be finite"),
        (lambda: Empirical([]), ValueError, "at least one sample"),
        (lambda: Empirical([1.0, math.nan]), ValueError, "Empirical sample 1 must be finite, got nan"),
        (lambda: Empirical("123"), TypeError, "iterable of numbers"),
        (lambda: Empirical(5), TypeError, "iterable of numbers"),
        (lambda: Empirical([1, "2"]), TypeError, "Empirical sample 1 must be a real number"),
        (lambda: Normal(0, 1, 0, 1), TypeError, "positional"),
        (lambda: Normal(0, 1, xmin=2, xmax=1), ValueError, "must not be empty, got xmin=2, xmax=1"),
        (lambda: Normal(0, 1, xmin=INF), ValueError, "must not be empty"),
        (lambda: Normal(0, 1, xmin=math.nan), ValueError, "Normal xmin must be a number or None, got nan"),
        (lambda: Normal(0, 1, xmax="1"), TypeError, "Normal xmax must be a real number"),
        (lambda: Normal(0, 1, xmin=1, xmax=1), ValueError, "probability 0"),
        (lambda: Normal(0, 1, xmin=8), ValueError, r"probability 6.22e-16 .*MIN_ACCEPTANCE = 0.0001"),
        (lambda: Exponential(1, xmax=-1), ValueError, "probability 0"),
        (lambda: Exponential(1, xmax=0), ValueError, "probability 0"),
        (lambda: Uniform(0, 1, xmin=2), ValueError, "probability 0"),
        (lambda: LogNormal(1, loc=5, xmax=4.5), ValueError, "probability 0"),
        (lambda: LogNormal(0.5, xmin=1e6), ValueError, "MIN_ACCEPTANCE"),
        (lambda: Constant(1, xmin=2), ValueError, r"Constant\(1.0, xmin=2.0\): the bounds \[2.0, inf\] have probability 0"),
        (lambda: Empirical([1, 2], xmin=3), ValueError, "probability 0"),
    ],
)
def test_bad_parameters(make, exc, fragment):
    with pytest.raises(exc, match=fragment):
        make()


def test_min_acceptance_is_the_limit():
    # P(Z >= 3.719) = 1.0002e-4 is accepted, P(Z >= 3.7195) = 0.99882e-4 is not
    assert MIN_ACCEPTANCE == 1e-4
    assert 3.719 < Normal(0, 1, xmin=3.719).sample(Random(1))
    with pytest.raises(ValueError, match="MIN_ACCEPTANCE"):
        Normal(0, 1, xmin=3.7195)


def test_distributions_are_not_top_level_names():
    assert faassim.Constant is faassim.faas.Constant  # a request source
    assert faassim.distributions.Constant is Constant and faassim.Constant is not Constant
    for name in faassim.distributions.__all__:
        if name != "Constant":
            assert name not in faassim.__all__
    assert "distributions" in faassim.__all__
    assert issubclass(LogNormal, Distribution)


# ---------------------------------------------------------------------------
# FunctionResourceCharacterization
# ---------------------------------------------------------------------------


def test_resource_characterization_is_faas_sim_compatible():
    r = FunctionResourceCharacterization(0.5, 1e6, 0.25, 2e5, 0.125)  # cpu, blkio, gpu, net, ram
    assert (r.cpu, r.blkio, r.gpu, r.net, r.ram) == (0.5, 1e6, 0.25, 2e5, 0.125)
    assert [r[k] for k in ("cpu", "blkio", "gpu", "net", "ram")] == [0.5, 1e6, 0.25, 2e5, 0.125]
    assert len(r) == 5
    r["cpu"] = 0.75
    r.net = 3  # ints become floats
    assert r.cpu == 0.75 and r.net == 3.0 and type(r.net) is float
    assert list(r) == ["cpu", "blkio", "gpu", "net", "ram"] and "gpu" in r and "disk" not in r
    assert dict(r) == r.as_dict() == {"cpu": 0.75, "blkio": 1e6, "gpu": 0.25, "net": 3.0, "ram": 0.125}
    assert list(r.as_dict()) == list(r.keys()) == list(FunctionResourceCharacterization.FIELDS)
    assert r.items() == list(r.as_dict().items()) and r.values() == [0.75, 1e6, 0.25, 3.0, 0.125]
    f = r.features()
    assert f.dtype == np.float64 and f.tolist() == [0.75, 0.25, 1e6, 3.0, 0.125]  # cpu, gpu, blkio, net, ram
    assert FunctionResourceCharacterization.FEATURES == ("cpu", "gpu", "blkio", "net", "ram")
    assert repr(r) == "FunctionResourceCharacterization(cpu=0.75, blkio=1000000.0, gpu=0.25, net=3.0, ram=0.125)"
    assert FunctionResourceCharacterization(cpu=0.75, blkio=1e6, gpu=0.25, net=3, ram=0.125) == r
    c = r.copy()
    assert c == r and c is not r
    c["ram"] = 0.5
    assert c != r and r.ram == 0.125
    assert pickle.loads(pickle.dumps(r)) == r
    assert r != (0.75, 1e6, 0.25, 3.0, 0.125)
    with pytest.raises(TypeError):
        hash(r)


@pytest.mark.parametrize(
    "action, exc, fragment",
    [
        (lambda r: FunctionResourceCharacterization(-0.1, 0, 0, 0, 0), ValueError, "'cpu' must be finite and >= 0, got -0.1"),
        (lambda r: FunctionResourceCharacterization(0, 0, 0, INF, 0), ValueError, "'net' must be finite and >= 0, got inf"),
        (lambda r: FunctionResourceCharacterization(0, math.nan, 0, 0, 0), ValueError, "'blkio' must be finite"),
        (lambda r: FunctionResourceCharacterization(0, 0, "1", 0, 0), TypeError, "'gpu' must be a real number, got '1'"),
        (lambda r: FunctionResourceCharacterization(0, 0, 0, 0), TypeError, "ram"),
        (lambda r: r.__setitem__("ram", -1), ValueError, "'ram' must be finite and >= 0, got -1"),
        (lambda r: r.__setitem__("disk", 1), KeyError, "no resource 'disk'; resources are cpu, blkio, gpu, net, ram"),
        (lambda r: r[0], KeyError, "no resource 0"),
        (lambda r: r["memory"], KeyError, "no resource 'memory'"),
        (lambda r: setattr(r, "disk", 1.0), AttributeError, "no resource 'disk'"),
        (lambda r: setattr(r, "cpu", True), TypeError, "'cpu' must be a real number, got True"),
    ],
)
def test_resource_characterization_errors(action, exc, fragment):
    r = FunctionResourceCharacterization(0.1, 0, 0, 0, 0.1)
    with pytest.raises(exc, match=fragment):
        action(r)
    assert r == FunctionResourceCharacterization(0.1, 0, 0, 0, 0.1)  # unchanged


# ---------------------------------------------------------------------------
# Oracles
# ---------------------------------------------------------------------------

R_NANO = FunctionResourceCharacterization(0.5, 100.0, 0.25, 10.0, 0.2)
R_PI = FunctionResourceCharacterization(0.9, 5.0, 0.0, 1.0, 0.4)


def resource_oracle():
    return ResourceOracle({("nano", "img/a"): R_NANO, ("rpi3", "img/a"): R_PI, ("nano", "img/b"): R_PI})


def fet_oracle():
    return FetOracle({("nano", "img/a"): LogNormal(0.4, 0.1, 0.2, xmin=0.15, xmax=1.0), ("rpi3", "img/a"): Uniform(1, 2)})


def test_resource_oracle_lookups():
    oracle = resource_oracle()
    assert oracle.get_resources("nano_0", "img/a") == R_NANO
    assert oracle.get_resources("nano_17", "img/b") == R_PI
    assert oracle.get_resources("nano", "img/a") == R_NANO  # a node type is its own name
    assert oracle.get_resources(Node.from_device("rpi3_2"), "img/a") == R_PI
    assert oracle.get_resources(Node("edge_box", node_type="nano"), "img/a") == R_NANO
    assert oracle.get_resources("nano_0", "img/a:1.2") == R_NANO  # tag without data of its own
    r = oracle.get_resources("nano_0", "img/a")
    r["cpu"] = 0.0  # a copy
    assert oracle.get_resources("nano_0", "img/a") == R_NANO
    assert oracle.node_types() == ["nano", "rpi3"]
    assert oracle.images() == ["img/a", "img/b"] and oracle.images("rpi3") == ["img/a"] and oracle.images("x") == []
    assert len(oracle) == 3
    assert [k for k, _ in oracle.items()] == [("nano", "img/a"), ("rpi3", "img/a"), ("nano", "img/b")]
    assert ("nano", "img/b") in oracle and ("nano_3", "img/b") in oracle and (Node("nano_1"), "img/a") in oracle
    assert ("rpi3", "img/b") not in oracle and "nano" not in oracle and (1, 2) not in oracle
    assert repr(oracle) == "<ResourceOracle: 3 entries, node types ['nano', 'rpi3']>"


def test_resource_oracle_does_not_share_the_given_objects():
    given = FunctionResourceCharacterization(0.5, 0, 0, 0, 0.5)
    oracle = ResourceOracle({("nano", "img"): given})
    given["cpu"] = 0.9
    assert oracle.get_resources("nano_0", "img").cpu == 0.5


def test_oracle_lookup_errors():
    oracle = resource_oracle()
    known = r"image 'img/c' on node type 'nano' \(host 'nano_4'\); images known for 'nano': 'img/a', 'img/b'"
    with pytest.raises(KeyError, match=known):
        oracle.get_resources("nano_4", "img/c")
    with pytest.raises(KeyError, match=r"node type 'tx2' is unknown; known node types: 'nano', 'rpi3'"):
        oracle.get_resources("tx2_0", "img/a")
    with pytest.raises(KeyError, match=r"no execution-time distribution for image 'img/b' on node type 'rpi3'; "):
        fet_oracle().sample("rpi3", "img/b", Random(1))
    with pytest.raises(TypeError, match="host must be a node name or a Node, got 3"):
        oracle.get_resources(3, "img/a")
    with pytest.raises(TypeError, match="image must be a string"):
        oracle.get_resources("nano_0", None)


@pytest.mark.parametrize(
    "make, exc, fragment",
    [
        (lambda: ResourceOracle([("nano", "img")]), TypeError, "resources must be a mapping"),
        (lambda: ResourceOracle({"nano": R_NANO}), TypeError, r"keys must be \(node_type, image\) tuples, got 'nano'"),
        (lambda: ResourceOracle({("nano", ""): R_NANO}), ValueError, "image of key"),
        (lambda: ResourceOracle({(1, "img"): R_NANO}), TypeError, "node type of key"),
        (lambda: ResourceOracle({("nano", "img"): {"cpu": 1}}), TypeError, "must be a FunctionResourceCharacterization"),
        (lambda: FetOracle({("nano", "img"): 0.5}), TypeError, "must be a faassim.distributions.Distribution, got 0.5"),
        (lambda: FetOracle(42), TypeError, "distributions must be a mapping"),
    ],
)
def test_oracle_construction_errors(make, exc, fragment):
    with pytest.raises(exc, match=fragment):
        make()


def test_fet_oracle():
    oracle = fet_oracle()
    dist = oracle.get("nano_0", "img/a")
    assert dist == LogNormal(0.4, 0.1, 0.2, xmin=0.15, xmax=1.0)
    assert oracle.get(Node("nano_9"), "img/a") is dist
    a, b = Random(11), Random(11)
    assert [oracle.sample("nano_1", "img/a", a) for _ in range(20)] == [dist.sample(b) for _ in range(20)]
    assert all(1 <= oracle.sample(Node.from_device("rpi3_0"), "img/a", a) < 2 for _ in range(20))
    assert oracle.node_types() == ["nano", "rpi3"] and oracle.images() == ["img/a"]
    assert oracle.items() == [(("nano", "img/a"), dist), (("rpi3", "img/a"), Uniform(1, 2))]
    with pytest.raises(TypeError, match="faassim.Random"):
        oracle.sample("nano_0", "img/a", 42)


def test_function_characterization():
    fc = FunctionCharacterization("img/a", fet_oracle(), resource_oracle())
    assert (fc.image, fc.rng) == ("img/a", None)
    assert isinstance(fc.fet_oracle, FetOracle) and isinstance(fc.resource_oracle, ResourceOracle)
    assert fc.get_resources_for_node("nano_0") == R_NANO
    assert fc.get_resources("nano_0") == R_NANO and fc.get_resources(Node("rpi3_1")) == R_PI
    assert fc.get_resources("nano_0", "img/b") == R_PI
    with pytest.raises(RuntimeError, match=r"FunctionCharacterization\('img/a'\).sample_fet\(\) has no random source"):
        fc.sample_fet("nano_0")
    env = faassim.Environment(seed=5)
    fc.rng = env.rng
    x = [fc.sample_fet("nano_0") for _ in range(5)]
    assert x == [fc.fet_oracle.get("nano", "img/a").sample(rng) for rng in [Random(5)] for _ in range(5)]
    assert 1 <= fc.sample_fet("rpi3_0", rng=Random(1)) < 2
    assert repr(fc) == "FunctionCharacterization('img/a')"
    with pytest.raises(TypeError, match="fet_oracle must be a FetOracle"):
        FunctionCharacterization("img/a", resource_oracle(), resource_oracle())
    with pytest.raises(TypeError, match="resource_oracle must be a ResourceOracle"):
        FunctionCharacterization("img/a", fet_oracle(), fet_oracle())
    with pytest.raises(TypeError, match="rng must be a faassim.Random"):
        FunctionCharacterization("img/a", fet_oracle(), resource_oracle(), rng=1)
    with pytest.raises(ValueError, match="image must not be empty"):
        FunctionCharacterization(" ", fet_oracle(), resource_oracle())


# ---------------------------------------------------------------------------
# Packaged reference figures
# ---------------------------------------------------------------------------


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def typed(row):
    return tuple(row[:2]) + tuple(float(x) for x in row[2:])


@pytest.mark.parametrize("name", ["fet_lognormal.csv", "resources.csv"])
def test_packaged_figures_equal_the_shared_ones(name):
    if not (SHARED / name).exists():
        pytest.skip("no shared data set next to the repository")
    ours, theirs = read_csv(DATA / name), read_csv(SHARED / name)
    assert ours[0] == ["node_type"] + theirs[0][1:] and theirs[0][0] == "device_type"
    assert len(ours) == len(theirs) == 78
    for a, b in zip(ours[1:], theirs[1:]):
        assert typed(a) == typed(b)


def test_packaged_figures_format():
    fet, res = read_csv(DATA / "fet_lognormal.csv"), read_csv(DATA / "resources.csv")
    assert fet[0] == ["node_type", "image", "shape", "loc", "scale", "xmin", "xmax", "mean"]
    assert res[0] == ["node_type", "image", "cpu", "gpu", "blkio", "net", "ram"]
    for rows in (fet, res):
        keys = [tuple(r[:2]) for r in rows[1:]]
        assert keys == sorted(set(keys)) and len(keys) == 77
        assert all(repr(float(x)) == x for r in rows[1:] for x in r[2:])  # shortest round-trip text
    assert [r[:2] for r in fet[1:]] == [r[:2] for r in res[1:]]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["faassim.data"]
    assert "*.csv" in patterns and "README.md" in patterns
    readme = (DATA / "README.md").read_text()
    assert "fet_lognormal.csv" in readme and "resources.csv" in readme
    assert "30f687e100abf582a7abe1f301a93a0dc60d2124" in readme


def test_reference_characterizations():
    ref = load_reference_characterizations()
    assert isinstance(ref, ReferenceCharacterizations)
    assert ref.node_types == ["coral", "nano", "nuc", "nx", "rockpi", "rpi3", "rpi4", "tx2", "xeoncpu", "xeongpu"]
    assert len(ref.images) == 12 and ref.images == sorted(ref.images)
    assert len(ref.fet_oracle) == len(ref.resource_oracle) == len(ref.mean_execution_times) == 77
    assert [k for k, _ in ref.fet_oracle.items()] == [k for k, _ in ref.resource_oracle.items()]
    assert ref.fet_oracle.images("nuc") == ref.resource_oracle.images("nuc") and len(ref.fet_oracle.images("nuc")) == 7
    fet = {tuple(r[:2]): r for r in read_csv(DATA / "fet_lognormal.csv")[1:]}
    for (node_type, image), dist in ref.fet_oracle.items():
        shape, loc, scale, xmin, xmax, mean = map(float, fet[node_type, image][2:])
        assert dist == LogNormal(shape, loc, scale, xmin=xmin, xmax=xmax)
        assert dist.spec == ("lognormal", (shape, loc, scale), xmin, xmax)
        assert ref.mean_execution_times[node_type, image] == mean
    res = {tuple(r[:2]): r for r in read_csv(DATA / "resources.csv")[1:]}
    for (node_type, image), r in ref.resource_oracle.items():
        cpu, gpu, blkio, net, ram = map(float, res[node_type, image][2:])
        assert r == FunctionResourceCharacterization(cpu, blkio, gpu, net, ram)
    assert "77 execution-time and 77 resource entries" in repr(ref)


def test_reference_lookup_equals_the_csv_row():
    ref = load_reference_characterizations()
    # nano,faas-workloads/resnet-inference-cpu in resources.csv (cpu,gpu,blkio,net,ram)
    row = next(r for r in read_csv(DATA / "resources.csv") if r[:2] == ["nano", "faas-workloads/resnet-inference-cpu"])
    cpu, gpu, blkio, net, ram = map(float, row[2:])
    got = ref.resource_oracle.get_resources("nano_0", "faas-workloads/resnet-inference-cpu")
    assert got == FunctionResourceCharacterization(cpu, blkio, gpu, net, ram)
    assert got.features().tolist() == [cpu, gpu, blkio, net, ram]
    c = ref.characterization("faas-workloads/resnet-inference-cpu", rng=Random(3))
    assert c.get_resources_for_node(Node.from_device("nano_5")) == got
    assert c.get_resources("nano_0") == got
    coral_pi = LogNormal(*CORAL_PI[:3], xmin=CORAL_PI[3], xmax=CORAL_PI[4])
    assert ref.fet_oracle.get("coral_1", "faas-workloads/python-pi") == coral_pi
    unknown = r"no characterization of image 'faas-workloads/resnet50-inference-cpu'; known images: 'faas-workloads/fio'"
    with pytest.raises(KeyError, match=unknown):
        ref.characterization("faas-workloads/resnet50-inference-cpu")
    gpu = ref.characterization("faas-workloads/resnet-inference-gpu", rng=Random(3))
    with pytest.raises(KeyError, match=r"'faas-workloads/resnet-inference-gpu' on node type 'coral' .*known for 'coral'"):
        gpu.sample_fet("coral_0")  # no data for this image on coral
    all_c = ref.characterizations(rng=Random(1))
    assert list(all_c) == ref.images and all(isinstance(v, FunctionCharacterization) for v in all_c.values())


def test_reference_samples_stay_in_bounds_around_the_exact_mean():
    ref = load_reference_characterizations()
    rng = Random(2024)
    for (node_type, image), dist in ref.fet_oracle.items():
        x = np.array([ref.fet_oracle.sample(f"{node_type}_0", image, rng) for _ in range(2000)])
        assert x.min() >= dist.xmin and x.max() <= dist.xmax
        assert abs(x.mean() - dist.mean()) < 6 * x.std() / math.sqrt(len(x)) + 1e-12, (node_type, image)
        assert dist.xmin <= dist.mean() <= dist.xmax


def test_load_reference_characterizations_from_files(tmp_path):
    fet = tmp_path / "fet.csv"
    res = tmp_path / "res.csv"
    fet.write_text("node_type,image,shape,loc,scale,xmin,xmax,mean\nbox,img,0.5,0.0,1.0,,,\nbox,img2,0.5,0.0,1.0,0.5,,1.1\n")
    res.write_text("node_type,image,cpu,gpu,blkio,net,ram\nbox,img,0.5,0,0,0,0.25\n")
    ref = load_reference_characterizations(str(fet), str(res))
    assert ref.fet_oracle.get("box_0", "img") == LogNormal(0.5)
    assert ref.fet_oracle.get("box_0", "img2") == LogNormal(0.5, xmin=0.5)
    assert ref.mean_execution_times == {("box", "img2"): 1.1}
    assert ref.resource_oracle.get_resources("box_1", "img") == FunctionResourceCharacterization(0.5, 0, 0, 0, 0.25)
    assert ref.images == ["img", "img2"] and ref.node_types == ["box"]


FET_HEADER = "node_type,image,shape,loc,scale,xmin,xmax,mean\n"
RES_HEADER = "node_type,image,cpu,gpu,blkio,net,ram\n"


@pytest.mark.parametrize(
    "fet_text, res_text, fragment",
    [
        ("node_type,image,shape,loc,scale\n", None, r"missing column\(s\) xmin, xmax"),
        (FET_HEADER + "box,img,x,0,1,,,\n", None, "line 2: column 'shape' must be a number, got 'x'"),
        (FET_HEADER + "box,img,0.5,0,-1,,,\n", None, "line 2: LogNormal scale must be > 0"),
        (FET_HEADER + "b,i,0.5,0,1,,,\nb,i,0.5,0,1,,,\n", None, r"line 3: duplicate entry for \('b', 'i'\)"),
        (None, RES_HEADER + "box,img,0.5,0,0,-1,0\n", "line 2: resource 'net' must be finite and >= 0, got -1.0"),
        (None, "node_type,image,cpu,gpu,blkio,net\n", r"missing column\(s\) ram"),
    ],
)
def test_load_reference_characterizations_errors(tmp_path, fet_text, res_text, fragment):
    paths = []
    for text, name in ((fet_text, "fet_lognormal.csv"), (res_text, "resources.csv")):
        path = tmp_path / name
        path.write_text((DATA / name).read_text() if text is None else text)
        paths.append(str(path))
    with pytest.raises(ValueError, match=fragment):
        load_reference_characterizations(*paths)


# ---------------------------------------------------------------------------
# Exports and documentation
# ---------------------------------------------------------------------------


def test_everything_is_exported():
    for name in faassim.characterization.__all__:
        assert name in faassim.__all__
        assert getattr(faassim, name) is getattr(faassim.characterization, name)
    assert faassim.distributions is faassim.distributions  # the module, as an attribute
    assert "load_reference_characterizations" in faassim.__all__


@pytest.mark.parametrize("module", [faassim.distributions, faassim.characterization])
def test_doctests(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0 and tried > 0


def test_distribution_methods_have_docstrings():
    import inspect

    missing = []
    for name in faassim.distributions.__all__:
        obj = getattr(faassim.distributions, name)
        if not inspect.isclass(obj):
            continue
        assert inspect.getdoc(obj), name
        for attr, member in vars(obj).items():
            if attr.startswith("_") or not callable(member) and not isinstance(member, property):
                continue
            if not inspect.getdoc(member):
                missing.append(f"{name}.{attr}")
    assert not missing, missing
