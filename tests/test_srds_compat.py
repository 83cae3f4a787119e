"""faas-sim's samplers (srds) and oracles on faassim: the constructors give
faassim distributions with scipy's parameter conventions, draws without a
random source come from NumPy's global generator as scipy's did, and an
oracle written the faas-sim way (``sample(host, image)`` on its own
samplers) drives the built-in watchdogs."""

import math

import numpy as np
import pytest
import scipy.stats as st

import faassim
from faassim import FetOracle, FunctionCharacterization, FunctionResourceCharacterization, HTTPWatchdog, ResourceOracle
from faassim.distributions import (
    BoundRejectionSampler,
    BufferedSampler,
    ConstantSampler,
    Constant,
    Exponential,
    LogNormal,
    Normal,
    PDist,
    ParameterizedDistribution,
    Uniform,
)


def test_constructors_follow_scipys_parameters():
    assert PDist.lognorm(((1.5, ), 1.9, 0.04)) == LogNormal(1.5, loc=1.9, scale=0.04)
    assert PDist.normal(((), 1.0, 2.0)) == Normal(1.0, 2.0)
    assert PDist.uniform(((), 1.0, 2.0)) == Uniform(1.0, 3.0)  # scipy: [loc, loc + scale]
    assert PDist.expon(((), 0, 0.5)) == Exponential(2.0)  # scale 1 / rate
    assert PDist.create(st.lognorm, ((0.5,), 0, 1)) == LogNormal(0.5)  # a scipy distribution, by its name
    assert PDist.create("norm", ((), 3.0)) == Normal(3.0, 1.0)  # scipy's default scale
    assert ConstantSampler(2.5) == Constant(2.5)
    assert ParameterizedDistribution is PDist


def test_global_draws_are_scipys():
    cases = [
        (PDist.lognorm(((1.5,), 1.9, 0.04)), lambda: st.lognorm.rvs(1.5, loc=1.9, scale=0.04)),
        (PDist.normal(((), 1.0, 2.0)), lambda: st.norm.rvs(loc=1.0, scale=2.0)),
        (PDist.uniform(((), 1.0, 2.0)), lambda: st.uniform.rvs(loc=1.0, scale=2.0)),
        (PDist.expon(((), 0, 0.5)), lambda: st.expon.rvs(scale=0.5)),
    ]
    for dist, ref in cases:
        np.random.seed(11)
        expected = [ref() for _ in range(5)]
        np.random.seed(11)
        got = [dist.sample() for _ in range(5)]
        assert got == pytest.approx(expected, rel=1e-12, abs=0), dist


def test_bounded_sampler_and_sizes():
    d = PDist.lognorm(((1.5,), 1.9, 0.04))
    b = BoundRejectionSampler(BufferedSampler(d), 1.91, 2.2)
    assert b.spec == ("lognormal", (1.5, 1.9, 0.04), 1.91, 2.2)
    # bounds of a bounded sampler narrow, never widen
    assert BoundRejectionSampler(b, 1.0, 2.1).spec[2:] == (1.91, 2.1)
    np.random.seed(3)
    xs = b.sample(size=200)
    assert isinstance(xs, np.ndarray) and xs.shape == (200,) and ((xs >= 1.91) & (xs <= 2.2)).all()
    # the same seed, the same draws; a faassim.Random gives the C stream
    np.random.seed(3)
    assert b.sample(size=200).tolist() == xs.tolist()
    assert b.sample(faassim.Random(1), size=3).tolist() == [b.sample(r) for r in [faassim.Random(1)] for _ in range(3)]


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: PDist.create("pareto", ((2.0,), 0, 1)), ValueError, "faassim has no 'pareto' distribution"),
        (lambda: PDist.lognorm(((1.0, 2.0), 0, 1)), ValueError, r"one shape argument"),
        (lambda: PDist.normal(((1.0,), 0, 1)), ValueError, "takes no shape arguments"),
        (lambda: PDist.expon(((), 1.0, 1)), ValueError, "starts at 0"),
        (lambda: PDist.lognorm(()), ValueError, r"params must be \(args, loc, scale\)"),
        (lambda: PDist(), TypeError, "set of constructors"),
        (lambda: BoundRejectionSampler(3.0, 0, 1), TypeError, "must be a faassim.distributions Distribution"),
        (lambda: Constant(1.0).sample(size=-1), ValueError, "size must be an int >= 0"),
        (lambda: Constant(1.0).sample(rng=1), TypeError, "rng must be a faassim.Random"),
        (lambda: BoundRejectionSampler(Normal(0, 1), 5, 4), ValueError, "must not be empty"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


class SamplerFetOracle(FetOracle):
    """An oracle as faas-sim's raith21 writes one: srds samplers per
    (node type, image), sample(host, image) with no random source."""

    def __init__(self, table):
        super().__init__()
        self.samplers = {k: BoundRejectionSampler(BufferedSampler(d), lo, hi) for k, (lo, hi, d) in table.items()}
        self.calls = 0

    def sample(self, host, image):
        self.calls += 1
        return self.samplers[(str(host).rsplit("_", 1)[0], image)].sample()


def test_a_faas_sim_oracle_drives_the_watchdog():
    table = {("nano", "img"): (0.5, 1.5, PDist.uniform(((), 0.5, 1.0)))}
    fet = SamplerFetOracle(table)
    with pytest.raises(AttributeError, match="samples by itself"):
        fet.get("nano_0", "img")  # no distribution to compile: the watchdog calls sample
    res = ResourceOracle({("nano", "img"): FunctionResourceCharacterization(0.25, 0, 0, 0, 0.1)})
    ch = FunctionCharacterization("img", fet, res)

    def run(seed):
        np.random.seed(seed)
        env = faassim.Environment(seed=1)
        env.topology = faassim.Topology([faassim.Node("nano_0", "4", "4Gi")])

        class Factory(faassim.SimulatorFactory):
            def create(self, env, container):
                return HTTPWatchdog(4, ch)

        env.simulator_factory = Factory()
        fn = faassim.Function("f", [faassim.FunctionImage("img")])
        env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])]))
        for _ in range(6):
            env.process(env.faas.invoke(faassim.FunctionRequest("f")))
        env.run()
        rows = env.metrics.to_numpy("fets")
        return [e - s for s, e in zip(rows["t_fet_start"].tolist(), rows["t_fet_end"].tolist())]

    first = run(5)
    assert fet.calls == 6 and len(first) == 6
    # the draws are NumPy's global uniform(0.5, 1.5), in the order the requests executed
    np.random.seed(5)
    expected = [0.5 + 1.0 * np.random.random_sample() for _ in range(6)]
    assert sorted(first) == pytest.approx(sorted(expected), rel=1e-12)
    assert run(5) == first  # seeded NumPy: reproducible
    assert not math.isclose(sum(run(6)), sum(first))
