"""Workloads: the C arrival processes (Sine, RandomWalk, Bursts, OnOff,
PerMinute, Replay with durations), request execution times, the Azure
Functions trace readers and replays, the synthetic traces and faas-sim's
generators.

Expected values come from outside the code under test: a small reference
implementation of each arrival process written here from its definition
(drawing the same values from a faassim.Random with the environment's seed,
so arrivals must agree exactly), integrals of the rate, the trace files
themselves, and faas-sim's formulas. Statistical checks use fixed seeds and
bounds of 5 or more standard deviations, so they are deterministic."""

import io
import logging
import math
import random

import numpy as np
import pytest

import faassim
from faassim import (
    Bursts,
    FunctionRequest,
    FunctionSimulator,
    OnOff,
    PerMinute,
    RandomWalk,
    Replay,
    Sine,
    workload,
)
from faassim import _core

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def make_env(seed=1, nodes=2):
    env = faassim.Environment(seed=seed)
    env.topology = faassim.Topology([faassim.Node(f"server_{i}", "64", "256Gi") for i in range(nodes)])
    return env


def make_fd(name="f", scale_min=1):
    fn = faassim.Function(name, [faassim.FunctionImage(f"{name}-cpu")])
    config = faassim.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="10Mi")
    container = faassim.FunctionContainer(fn.fn_images[0], config)
    return faassim.FunctionDeployment(fn, [container], faassim.ScalingConfiguration(scale_min=scale_min))


class Factory(faassim.SimulatorFactory):
    def __init__(self, make):
        self.make = make

    def create(self, env, container):
        return self.make()


def arrivals(env, name=None):
    """t_start of the invocations (of function *name*), sorted."""
    inv = env.metrics.to_numpy("invocations")
    if "t_start" not in inv:
        return np.array([])
    t = inv["t_start"]
    if name is not None:
        t = t[inv["function_name"] == name]
    return np.sort(t, kind="stable")


def run_source(src, seed=1, until=None, max_requests=None, t_attach=0.0):
    env = make_env(seed)
    env.faas.deploy(make_fd())
    if t_attach:
        env.run(until=t_attach)
    env.faas.add_source("f", src, until=until, max_requests=max_requests)
    env.run()
    return env, arrivals(env)


def per_bin(t, edges):
    """Arrivals per bin [edges[i], edges[i+1])."""
    idx = np.searchsorted(edges, t, side="right") - 1
    return np.bincount(idx, minlength=len(edges) - 1)[: len(edges) - 1]


# Reference implementations (from the definitions in fs_arrival.h), drawing
# from faassim.Random(seed) as the environment's rng does.


def ref_thinning(seed, lmax, rate_at, until, t0=0.0):
    rng = faassim.Random(seed)
    t, out = t0, []
    while True:
        t += rng.expovariate(lmax)
        if t > until:
            return np.array(out)
        r = rate_at(rng, t)
        if r >= lmax or rng.random() * lmax < r:
            out.append(t)


def reflect(x, lo, hi):
    w = hi - lo
    if w <= 0:
        return lo
    if lo <= x <= hi:
        return x
    y = math.fmod(x - lo, 2 * w)
    if y < 0:
        y += 2 * w
    if y > w:
        y = 2 * w - y
    return min(max(lo + y, lo), hi)


def ref_random_walk(seed, rate, sigma, step, lo, hi, until, t0=0.0):
    state = {"seg": 0, "cur": rate, "end": t0 + step}

    def rate_at(rng, t):
        while t >= state["end"]:
            state["seg"] += 1
            if sigma > 0:
                state["cur"] = reflect(state["cur"] + rng.normalvariate(0.0, sigma), lo, hi)
            state["end"] = t0 + (state["seg"] + 1) * step
        return state["cur"]

    return ref_thinning(seed, hi, rate_at, until, t0)


def ref_per_minute_poisson(seed, counts, start=0.0, interval=60.0, t0=0.0):
    rng = faassim.Random(seed)
    out = []
    for b, n in enumerate(counts):
        e0 = t0 + start + b * interval
        e1 = t0 + start + (b + 1) * interval
        x = 0.0
        for k in range(n):
            u = rng.random()
            x = max(x, min(x + (1.0 - x) * -math.expm1(math.log1p(-u) / (n - k)), math.nextafter(1.0, 0.0)))
            out.append(min(max(e0 + interval * x, e0), math.nextafter(e1, -math.inf)))
    return np.array(out)


# ---------------------------------------------------------------------------
# 1. PerMinute: exact per-minute counts
# ---------------------------------------------------------------------------


def test_per_minute_uniform_exact_times():
    counts = [3, 0, 1, 7, 0, 0, 120]
    env, t = run_source(PerMinute(counts, spread="uniform", start=5.0), t_attach=2.0)
    want = [2.0 + 5.0 + b * 60.0 + 60.0 * ((k + 0.5) / n) for b, n in enumerate(counts) for k in range(n)]
    assert t.tolist() == want
    # no draws: the rng is where it started
    assert env.rng.random() == faassim.Random(1).random()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_per_minute_poisson_exact_counts_and_reference(seed):
    counts = np.array([0, 5, 1, 0, 300, 2, 0, 0, 17, 1000])
    env, t = run_source(PerMinute(counts, spread="poisson"), seed=seed)
    edges = np.arange(len(counts) + 1) * 60.0
    assert per_bin(t, edges).tolist() == counts.tolist()
    assert np.array_equal(t, ref_per_minute_poisson(seed, counts))


def test_per_minute_poisson_is_uniform_within_minutes():
    """Times within a minute are uniform: a KS test of 20 000 offsets
    pooled over minutes (fixed seed; the threshold is p = 0.001)."""
    counts = [200] * 100
    _, t = run_source(PerMinute(counts, spread="poisson"), seed=7)
    u = np.sort(np.mod(t, 60.0) / 60.0)
    n = len(u)
    d = max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))
    assert d * math.sqrt(n) < 1.95
    # and the gaps inside a minute are not evenly spaced (unlike 'uniform')
    gaps = np.diff(t[:200])
    assert gaps.std() / gaps.mean() > 0.8


def test_per_minute_interval_until_and_max_requests():
    counts = [10, 10, 10, 10]
    _, t = run_source(PerMinute(counts, interval=1.0), until=2.5)
    assert len(t) == 25 and t.max() <= 2.5
    _, t = run_source(PerMinute(counts, interval=1.0), max_requests=13)
    assert len(t) == 13
    src = PerMinute([0, 0, 0])
    env = make_env()
    env.faas.deploy(make_fd())
    with pytest.warns(faassim.FaassimWarning, match="none of the source's arrivals falls in its window"):
        env.faas.add_source("f", src)
    env.run()
    assert src.count == 0 and not src.active and env.now == 0.0
    assert src.params == {"interval": 60.0, "start": 0.0, "spread": "uniform", "intervals": 3, "total": 0}


# ---------------------------------------------------------------------------
# 2. Thinned processes: reference, statistics, determinism
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 5])
def test_sine_matches_reference_draw_for_draw(seed):
    mean, amp, period, phase = 30.0, 20.0, 7.0, 0.3
    env, t = run_source(Sine(mean, amp, period, phase), seed=seed, until=100.0, t_attach=1.5)

    def rate_at(rng, x):
        return mean + amp * math.sin(2 * math.pi * (x - 1.5) / period + phase)

    assert np.array_equal(t, ref_thinning(seed, mean + amp, rate_at, 100.0, t0=1.5))


def test_sine_counts_per_phase_follow_the_rate_integral():
    mean, amp, period = 50.0, 45.0, 4.0
    horizon = 1000 * period
    _, t = run_source(Sine(mean, amp, period), seed=11, until=horizon)
    nb = 16
    phase_bin = np.minimum((np.mod(t, period) / period * nb).astype(int), nb - 1)
    got = np.bincount(phase_bin, minlength=nb)
    s0 = np.arange(nb) * period / nb
    s1 = s0 + period / nb
    w = 2 * math.pi / period
    expect = 1000 * (mean * (s1 - s0) - amp / w * (np.cos(w * s1) - np.cos(w * s0)))
    z = (got - expect) / np.sqrt(expect)
    assert np.abs(z).max() < 5, z
    chi2 = float((z**2).sum())
    assert chi2 < 45.0  # chi-square, 16 dof: p < 1e-4 above 45
    # the trough gets far fewer requests than the peak
    assert got.max() > 10 * got.min()


def test_sine_faas_sim_profile_equivalent():
    """Sine(max/2, max/2, period) has faas-sim's sine_rps_profile rate."""
    max_rps, period = 40.0, 10.0
    src = Sine(max_rps / 2, max_rps / 2, period)
    env = make_env()
    gen = workload.sine_rps_profile(env, max_rps, period)
    for x in (0.0, 1.0, 2.5, 7.5, 13.0):
        if x > env.now:
            env.run(until=x)
        want = src.params["mean_rate"] + src.params["amplitude"] * math.sin(2 * math.pi * x / period)
        assert next(gen) == pytest.approx(want, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", [2, 9])
def test_random_walk_matches_reference_draw_for_draw(seed):
    p = dict(rate=20.0, sigma=6.0, step=0.5, min_rate=2.0, max_rate=40.0)
    _, t = run_source(RandomWalk(**p), seed=seed, until=300.0)
    want = ref_random_walk(seed, p["rate"], p["sigma"], p["step"], p["min_rate"], p["max_rate"], 300.0)
    assert len(t) > 1000 and np.array_equal(t, want)


def test_random_walk_rate_stays_in_bounds_and_moves():
    """Per-step counts: a step at rate r gets Poisson(r * step) requests;
    over long steps the counts track a walk that covers the range."""
    step = 20.0
    _, t = run_source(RandomWalk(50.0, 15.0, step, 10.0, 100.0), seed=4, until=step * 400)
    per_step = per_bin(t, np.arange(401) * step) / step
    assert per_step.min() > 10.0 - 5 * math.sqrt(10.0 / step)
    assert per_step.max() < 100.0 + 5 * math.sqrt(100.0 / step)
    assert per_step.min() < 25 and per_step.max() > 85
    # sigma 0: a homogeneous Poisson process at `rate`
    _, t = run_source(RandomWalk(30.0, 0.0, 1.0, 0.0, 60.0), seed=4, until=1000.0)
    assert abs(len(t) - 30000) < 5 * math.sqrt(30000)


def test_bursts_counts_inside_and_outside():
    p = dict(base_rate=5.0, burst_rate=400.0, burst_every=30.0, burst_length=2.0, offset=3.0)
    _, t = run_source(Bursts(**p), seed=3, until=3.0 + 30.0 * 100)
    pos = t - 3.0
    inside = (pos >= 0) & (np.mod(pos, 30.0) < 2.0)
    e_in, e_out = 400.0 * 2.0 * 100, 5.0 * (3.0 + 28.0 * 100)
    assert abs(inside.sum() - e_in) < 5 * math.sqrt(e_in)
    assert abs((~inside).sum() - e_out) < 5 * math.sqrt(e_out)

    def rate_at(rng, x):
        q = x - 3.0
        return 400.0 if q >= 0 and math.fmod(q, 30.0) < 2.0 else 5.0

    assert np.array_equal(t, ref_thinning(3, 400.0, rate_at, 3.0 + 3000.0))


def test_on_off_fixed_and_exponential():
    _, t = run_source(OnOff(200.0, on=1.0, off=4.0), seed=8, until=5.0 * 200)
    assert np.all(np.mod(t, 5.0) < 1.0)
    assert abs(len(t) - 200 * 200) < 5 * math.sqrt(200 * 200)
    # exponential periods: long-run on share on / (on + off); about 2000
    # cycles, share sd ~ sqrt(2000 * 1.125) / 8000 = 0.006
    _, t = run_source(OnOff(100.0, on=1.0, off=3.0, exponential=True), seed=8, until=8000.0)
    assert abs(len(t) / 100 / 8000 - 0.25) < 0.03
    # gaps: exponential at 100/s within on periods (a gap > 0.2 s has
    # probability e^-20 there), and one long gap per off period: about 2000
    # cycles (sd ~ 35), of which a fraction e^(-0.2 / 3) = 0.94 exceed 0.2 s
    gaps = np.diff(t)
    assert 1600 < (gaps > 0.2).sum() < 2150 and np.median(gaps) < 0.01


@pytest.mark.parametrize(
    "make",
    [
        lambda: Sine(20, 10, 5),
        lambda: RandomWalk(20, 5, 1, 0, 40),
        lambda: Bursts(2, 50, 10, 1),
        lambda: OnOff(20, 1, 1, exponential=True),
        lambda: PerMinute([30, 20, 10], spread="poisson"),
    ],
)
def test_determinism_and_seeds(make):
    a = run_source(make(), seed=21, until=180)[1]
    b = run_source(make(), seed=21, until=180)[1]
    c = run_source(make(), seed=22, until=180)[1]
    assert len(a) > 20 and np.array_equal(a, b)
    n = min(len(a), len(c))
    assert not np.array_equal(a[:n], c[:n])


@pytest.mark.parametrize(
    "make",
    [
        lambda: Sine(20, 10, 5),
        lambda: RandomWalk(20, 5, 1, 0, 40),
        lambda: Bursts(20, 50, 10, 1),
        lambda: OnOff(20, 1, 1),
        lambda: PerMinute([600] * 10, spread="poisson"),
    ],
)
def test_max_requests_until_stop_like_the_other_sources(make):
    src = make()
    _, t = run_source(src, max_requests=57)
    assert len(t) == 57 and src.count == 57 and not src.active
    src = make()
    _, t = run_source(src, until=30.0)
    assert src.count == len(t) > 0 and t.max() <= 30.0 and not src.active
    # stop(), and removal of the function
    env = make_env()
    env.faas.deploy(make_fd())
    src = env.faas.add_source("f", make())
    env.run(until=5.0)
    n = src.count
    src.stop()
    env.run(until=50.0)
    assert src.count == n > 0 and not src.active
    src = env.faas.add_source("f", make())
    env.run(until=55.0)
    env.faas.remove("f")
    m = src.count
    env.run(until=100.0)
    assert src.count == m and not src.active
    # attached once
    with pytest.raises(RuntimeError, match="already attached"):
        env.faas.add_source("f", src)


def test_new_sources_make_no_python_requests():
    env = make_env()
    env.faas.deploy(make_fd(scale_min=2))
    base = _core._live_objects()["requests"]
    peak = []

    def watch(env):
        for _ in range(40):
            yield env.timeout(1.0)
            peak.append(_core._live_objects()["requests"] - base)

    for src in (Sine(100, 50, 3), RandomWalk(50, 5, 1, 0, 100), Bursts(10, 200, 5, 1), OnOff(100, 1, 1)):
        env.faas.add_source("f", src, until=40)
    env.faas.add_source("f", PerMinute([3000], spread="poisson"))
    env.faas.add_source("f", Replay(np.linspace(0.5, 39.5, 500), durations=np.full(500, 0.25)))
    env.process(watch(env))
    env.run()
    assert max(peak) == 0
    assert env.faas.function_stats("f")["completed"] > 8000


def test_parameter_validation():
    bad = [
        (lambda: Sine(10, 11, 5), ValueError, r"Sine: amplitude must be in \[0, mean_rate\].*got amplitude=11.0"),
        (lambda: Sine(0, 0, 5), ValueError, "Sine: mean_rate must be > 0"),
        (lambda: Sine(10, 1, 0), ValueError, "Sine: period must be > 0"),
        (lambda: Sine(10, 1, 5, float("nan")), ValueError, "phase must be finite"),
        (lambda: Sine("10", 1, 5), TypeError, "Sine: mean_rate must be a number, not str"),
        (lambda: Sine(True, 1, 5), TypeError, "mean_rate must be a number, not bool"),
        (lambda: RandomWalk(5, 1, 1, 6, 10), ValueError, r"RandomWalk: rate must be in \[min_rate, max_rate\]"),
        (lambda: RandomWalk(5, 1, 1, 6, 4), ValueError, "RandomWalk: max_rate must be > 0 and >= min_rate"),
        (lambda: RandomWalk(5, -1, 1, 0, 10), ValueError, "sigma must be >= 0"),
        (lambda: RandomWalk(5, 1, 0, 0, 10), ValueError, "step must be > 0"),
        (lambda: RandomWalk(0, 0, 1, 0, 10), ValueError, "rate would stay 0"),
        (lambda: RandomWalk(5, 1, 1, 0, float("inf")), ValueError, "max_rate must be finite"),
        (lambda: Bursts(1, 10, 5, 6), ValueError, r"burst_length must be in \[0, burst_every\]"),
        (lambda: Bursts(0, 10, 5, 0), ValueError, "rate would stay 0"),
        (lambda: Bursts(-1, 10, 5, 1), ValueError, "base_rate must be >= 0"),
        (lambda: Bursts(1, 10, 5, 1, offset=-1), ValueError, "offset must be >= 0"),
        (lambda: OnOff(0, 1, 1), ValueError, "OnOff: rate must be > 0"),
        (lambda: OnOff(1, 0, 1), ValueError, "on must be > 0"),
        (lambda: OnOff(1, 1, -1), ValueError, "off must be >= 0"),
        (lambda: OnOff(1, 1, 1, exponential=1), TypeError, "exponential must be a bool"),
        (
            lambda: PerMinute([1, -1]),
            ValueError,
            r"PerMinute: counts\[1\] must be an integer in \[0, 2\*\*53\], got -1$",
        ),
        (lambda: PerMinute([1, 2.5]), ValueError, r"counts\[1\] must be an integer"),
        (lambda: PerMinute([1, "2"]), TypeError, r"counts\[1\] must be an integer >= 0, not str"),
        (lambda: PerMinute([True]), TypeError, r"counts\[0\] must be an integer"),
        (lambda: PerMinute(5), TypeError, "counts must be a sequence"),
        (lambda: PerMinute([1], spread="normal"), ValueError, "spread must be 'uniform' or 'poisson', got 'normal'"),
        (lambda: PerMinute([1], interval=0), ValueError, "interval must be > 0"),
        (lambda: PerMinute([1], start=-5), ValueError, "start must be >= 0"),
        (lambda: Replay([1, 2], durations=[1]), ValueError, "durations has 1 values for 2 times"),
        (lambda: Replay([1, 2], durations=[1, -0.5]), ValueError, r"durations\[1\] must be >= 0"),
        (lambda: Replay([1, 2], durations=[1, float("nan")]), ValueError, r"durations\[1\] must be finite"),
        (lambda: faassim.RequestSource("sine", mean_rate=1, amplitude=0), TypeError, "missing parameter period"),
        (lambda: faassim.RequestSource("sine", rate=1), TypeError, "takes no parameter rate"),
        (lambda: faassim.RequestSource("poisson", rate=1, counts=[1]), TypeError, "takes no parameter counts"),
        (lambda: faassim.RequestSource("per_minute"), TypeError, "missing counts"),
        (lambda: faassim.RequestSource("sine", mean_rate=1, amplitude=0, period=1, times=[1]), TypeError,
         "times is only for kind 'replay'"),
        (lambda: faassim.RequestSource("burst", rate=1), ValueError, "unknown kind"),
    ]
    for make, exc, match in bad:
        with pytest.raises(exc, match=match):
            make()
    # numbers of other types are accepted (NumPy scalars)
    assert Sine(np.float32(10), np.int64(2), 5).params["amplitude"] == 2.0
    assert PerMinute(np.array([1.0, 2.0])).params["total"] == 3
    assert OnOff(1, 1, 0).params == {"rate": 1.0, "on": 1.0, "off": 0.0, "exponential": False}
    assert Bursts(1, 2, 3, 1).params["offset"] == 0.0
    assert RandomWalk(1, 0, 1, 1, 1).params["max_rate"] == 1.0  # a constant walk is allowed
    for src in (Sine(1, 1, 1), PerMinute([1])):
        assert src.rate is None and src.count == 0 and not src.active
    assert "sine" in repr(Sine(1, 1, 1)) and "mean_rate" in repr(Sine(1, 1, 1))


# ---------------------------------------------------------------------------
# 3. Execution times carried by requests
# ---------------------------------------------------------------------------


def test_replay_durations_are_execution_times_of_the_default_simulator():
    env = make_env()
    env.faas.deploy(make_fd())
    times = np.array([0.5, 1.0, 1.0, 2.0, 7.25])
    durs = np.array([0.25, 3.0, 0.0, 1.5, 0.125])
    env.faas.add_source("f", Replay(times, durations=durs))
    env.run()
    inv = env.metrics.to_numpy("invocations")
    order = np.lexsort((inv["t_exec"], inv["t_start"]))
    got = sorted(zip(inv["t_start"][order].tolist(), inv["t_exec"][order].tolist()))
    want = sorted(zip(times.tolist(), ((times + durs) - times).tolist()))
    assert got == want
    assert env.now == 7.375


@pytest.mark.parametrize("workers", [0, 1])
def test_replay_durations_drive_watchdog_execute_without_sampling(workers):
    """HTTPWatchdog(1) queues; ForkingWatchdog runs at once. Either way each
    request executes for its own recorded duration, and the
    characterization's distribution is not sampled."""
    from faassim.distributions import Constant as Fixed

    ch = faassim.FunctionCharacterization(
        "f-cpu",
        faassim.FetOracle({("server", "f-cpu"): Fixed(100.0)}),
        faassim.ResourceOracle({("server", "f-cpu"): faassim.FunctionResourceCharacterization(0.1, 0, 0, 0, 0.01)}),
    )
    env = make_env(nodes=1)
    make = (lambda: faassim.HTTPWatchdog(1, ch)) if workers else (lambda: faassim.ForkingWatchdog(ch))
    env.simulator_factory = Factory(make)
    env.faas.deploy(make_fd())
    times = [1.0, 1.5, 1.5, 4.0]
    durs = [2.0, 0.5, 0.0, 1.25]
    env.faas.add_source("f", Replay(times, durations=durs))
    env.faas.add_source("f", Replay([20.0]))  # no duration: the characterization's 100 s
    env.run()
    fets = env.metrics.to_numpy("fets")
    by_id = {int(r): (s, e) for r, s, e in zip(fets["request_id"], fets["t_fet_start"], fets["t_fet_end"])}
    for rid, d in enumerate(durs):
        s, e = by_id[rid]
        assert e == s + d
        if not workers:
            assert s == times[rid]
    assert by_id[4] == (20.0, 120.0)
    if workers:  # FIFO on one worker
        assert [by_id[i][0] for i in range(4)] == [1.0, 3.0, 3.5, 4.0]


def test_request_exec_time_attribute():
    r = FunctionRequest("f")
    assert r.exec_time is None
    r = FunctionRequest("f", exec_time=2)
    assert r.exec_time == 2.0
    r.exec_time = None
    assert r.exec_time is None
    r.exec_time = np.float64(0.5)
    assert r.exec_time == 0.5
    bad_values = ((-1, ValueError), (float("inf"), ValueError), (float("nan"), ValueError), ("1", TypeError))
    for bad, exc in bad_values + ((True, TypeError),):
        with pytest.raises(exc, match="exec_time"):
            FunctionRequest("f", exec_time=bad)
        with pytest.raises(exc, match="exec_time"):
            r.exec_time = bad
    # the subclass path (tp_new + tp_init) takes it too
    class Sub(FunctionRequest):
        pass

    assert Sub("f", exec_time=1.5).exec_time == 1.5

    env = make_env()
    env.faas.deploy(make_fd())
    got = []

    def client(env):
        resp = yield env.faas.invoke(FunctionRequest("f", exec_time=2.5))
        got.append(resp.t_exec)
        resp = yield env.faas.invoke(FunctionRequest("f"))
        got.append(resp.t_exec)

    env.process(client(env))
    env.run()
    assert got == [2.5, 0.0]


def test_exec_time_seen_and_set_by_python_hooks():
    seen = []

    class Rec(FunctionSimulator):
        def invoke(self, env, replica, request):
            seen.append((request.request_id, request.exec_time))
            yield from super().invoke(env, replica, request)  # the base takes exec_time

    env = make_env()
    env.simulator_factory = Factory(Rec)
    env.faas.deploy(make_fd())
    env.faas.add_source("f", Replay([1.0, 2.0], durations=[0.5, 4.0]))
    env.faas.add_source("f", Replay([3.0]))
    env.run()
    assert sorted(seen) == [(0, 0.5), (1, 4.0), (2, None)]
    inv = env.metrics.to_numpy("invocations")
    assert sorted(inv["t_exec"].tolist()) == [0.0, 0.5, 4.0]

    class Decide(faassim.HTTPWatchdog):
        def claim_resources(self, env, replica, request):
            request.exec_time = 0.75 if request.exec_time is None else request.exec_time * 2
            yield env.timeout(0)

    env = make_env()
    env.simulator_factory = Factory(lambda: Decide(2))
    env.faas.deploy(make_fd())
    env.faas.add_source("f", Replay([1.0, 2.0], durations=[0.5, 1.0]))
    env.faas.add_source("f", Replay([3.0]))
    env.run()
    fets = env.metrics.to_numpy("fets")
    assert sorted((fets["t_fet_end"] - fets["t_fet_start"]).tolist()) == [0.75, 1.0, 2.0]

    class Manual(faassim.ForkingWatchdog):
        def invoke(self, env, replica, request):
            yield from super().invoke(env, replica, request)

    env = make_env()
    env.simulator_factory = Factory(Manual)
    env.faas.deploy(make_fd())
    env.faas.add_source("f", Replay([1.0], durations=[3.5]))
    env.run()
    fets = env.metrics.to_numpy("fets")
    assert fets["t_fet_end"].tolist() == [4.5]


# ---------------------------------------------------------------------------
# 4. Azure Functions 2019: per-minute counts
# ---------------------------------------------------------------------------


def test_read_azure_2019_synthetic():
    trace = workload.read_azure_2019(workload.synthetic_azure_path(2019))
    assert len(trace) == 12
    text = workload.synthetic_azure_path(2019).read_text().splitlines()
    assert text[0].split(",")[:6] == ["HashOwner", "HashApp", "HashFunction", "Trigger", "1", "2"]
    assert text[0].split(",")[-1] == "1440"
    for line, (key, rec) in zip(text[1:], trace.items()):
        fields = line.split(",")
        assert (rec.owner, rec.app, rec.function, rec.trigger) == tuple(fields[:4])
        assert key == rec.function and len(key) == 64
        assert rec.counts.dtype == np.int64 and rec.counts.tolist() == [int(x) for x in fields[4:]]
        assert rec.total == sum(int(x) for x in fields[4:])
    triggers = {rec.trigger for rec in trace.values()}
    assert {"http", "timer"} <= triggers
    by_app = workload.read_azure_2019(workload.synthetic_azure_path(2019), key="app")
    assert list(by_app) == [f"{r.app}/{r.function}" for r in trace.values()]


def test_replay_azure_2019_reproduces_every_minute():
    trace = workload.read_azure_2019(workload.synthetic_azure_path(2019))
    env = make_env()
    names = {}
    for i, key in enumerate(trace):
        names[key] = f"fn{i}"
        env.faas.deploy(make_fd(f"fn{i}"))
    sources = workload.replay_azure_2019(env, workload.synthetic_azure_path(2019), names)
    assert set(sources) == set(trace)
    env.run()
    edges = np.arange(1441) * 60.0
    for key, rec in trace.items():
        t = arrivals(env, names[key])
        assert per_bin(t, edges).tolist() == rec.counts.tolist(), key
        assert sources[key].count == rec.total
    assert env.faas.function_stats("fn0")["completed"] == trace[next(iter(trace))].total


def test_replay_azure_2019_minutes_scale_start_and_callable_mapping():
    trace = workload.read_azure_2019(workload.synthetic_azure_path(2019))
    http = [r for r in trace.values() if r.trigger == "http"]
    env = make_env()
    env.faas.deploy(make_fd("web"))
    env.run(until=10.0)
    sources = workload.replay_azure_2019(
        env,
        trace,
        lambda rec: "web" if rec.trigger == "http" else None,
        spread="uniform",
        scale=0.37,
        minutes=(60, 120),
        start=30.0,
    )
    assert set(sources) == {r.function for r in http}
    env.run()
    t = arrivals(env, "web")
    edges = 10.0 + 30.0 + np.arange(61) * 60.0
    got = per_bin(t, edges)
    exact = sum(r.counts[60:120] for r in http) * 0.37
    # each function's minute is within 1 of count * scale; totals kept
    assert np.all(np.abs(got - exact) < len(http))
    for r in http:
        assert sources[r.function].count == math.floor(r.counts[60:120].sum() * 0.37 + 0.5)
    assert t.min() >= 40.0 and t.max() < 40.0 + 3600.0
    # slices select the same minutes
    env2 = make_env()
    env2.faas.deploy(make_fd("web"))
    key = http[0].function
    src = workload.replay_azure_2019(env2, trace, {key: "web"}, minutes=slice(60, 120), spread="uniform")[key]
    assert src.params["total"] == http[0].counts[60:120].sum()


def test_read_azure_2019_errors(tmp_path):
    def read(text, **kw):
        return workload.read_azure_2019(io.StringIO(text), **kw)

    assert read("HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,3,4\n")["f"].counts.tolist() == [3, 4]
    with pytest.raises(ValueError, match="empty"):
        read("")
    with pytest.raises(ValueError, match="does not start with the columns"):
        read("Owner,HashApp,HashFunction,Trigger,1\n")
    with pytest.raises(ValueError, match="minutes 1, 2"):
        read("HashOwner,HashApp,HashFunction,Trigger,1,3\n")
    with pytest.raises(ValueError, match="line 2: 5 fields, expected 6"):
        read("HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,3\n")
    with pytest.raises(ValueError, match="line 2: counts must be integers >= 0, got 'x'"):
        read("HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,x\n")
    with pytest.raises(ValueError, match="counts must be >= 0"):
        read("HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,-2\n")
    # the fast (C-parsed) and the field-by-field paths agree: quoted fields, CRLF, spaces, '+'
    plain = read("HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,3,0,12\r\n")["f"]
    quoted = read('HashOwner,HashApp,HashFunction,Trigger,1,2,3\n"o","a","f","http","3", 0,+12\n')["f"]
    assert plain.counts.tolist() == quoted.counts.tolist() == [3, 0, 12] and quoted.trigger == "http"
    with pytest.raises(ValueError, match="line 2: counts must be integers >= 0, got '1.5'"):
        read("HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,3,1.5\n")
    with pytest.raises(ValueError, match="line 3: 7 fields, expected 6"):
        read("HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,3,1\no,a,g,http,3,1,4\n")
    dup = "HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,1\no,b,f,http,2\n"
    with pytest.raises(ValueError, match="occurs twice.*key='app'"):
        read(dup)
    assert list(read(dup, key="app")) == ["a/f", "b/f"]
    with pytest.raises(ValueError, match="key must be"):
        read(dup, key="owner")
    path = tmp_path / "t.csv"
    path.write_text("HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,1\n")
    env = make_env()
    env.faas.deploy(make_fd())
    with pytest.raises(ValueError, match="scale"):
        workload.replay_azure_2019(env, path, {"f": "f"}, scale=-1)
    with pytest.raises(TypeError, match="minutes"):
        workload.replay_azure_2019(env, path, {"f": "f"}, minutes=5)
    with pytest.raises(ValueError, match="minutes"):
        workload.replay_azure_2019(env, path, {"f": "f"}, minutes=(0, 2))
    with pytest.raises(TypeError, match="deployment name"):
        workload.replay_azure_2019(env, path, {"f": 3})
    with pytest.raises(KeyError, match="nope"):
        workload.replay_azure_2019(env, path, {"f": "nope"})
    assert workload.replay_azure_2019(env, path, {"g": "f"}) == {}
    # a mapping whose later entry is unknown attaches nothing (no half replay)
    path.write_text("HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,4\no,a,g,http,3\n")
    with pytest.raises(KeyError, match="'g' maps to 'nope', which is not deployed.*no source was attached"):
        workload.replay_azure_2019(env, path, {"f": "f", "g": "nope"})
    env.run(until=120)
    assert env.faas.function_stats("f")["invoked"] == 0


# ---------------------------------------------------------------------------
# 5. Azure Functions 2021: invocations with durations
# ---------------------------------------------------------------------------


def _rows_2021(path):
    lines = path.read_text().splitlines()
    assert lines[0] == "app,func,end_timestamp,duration"
    return [(a, f, float(e), float(d)) for a, f, e, d in (line.split(",") for line in lines[1:])]


def test_read_azure_2021_synthetic():
    path = workload.synthetic_azure_path(2021)
    rows = _rows_2021(path)
    trace = workload.read_azure_2021(path)
    assert len(trace) == 6 and sum(len(r.start) for r in trace.values()) == len(rows)
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)  # rows in order of end
    for (app, func), rec in trace.items():
        mine = sorted((e - d, d) for a, f, e, d in rows if (a, f) == (app, func))
        assert rec.start.tolist() == [s for s, _ in mine]
        assert rec.duration.tolist() == [d for _, d in mine]
        assert np.all(np.diff(rec.start) >= 0) and rec.start.min() >= 0 and rec.start.max() < 300
        assert np.allclose(rec.end, [s + d for s, d in mine])


def test_replay_azure_2021_arrivals_and_execution_times():
    path = workload.synthetic_azure_path(2021)
    trace = workload.read_azure_2021(path)
    env = make_env()
    names = {}
    for i, key in enumerate(trace):
        names[key] = f"fn{i}"
        env.faas.deploy(make_fd(f"fn{i}"))
    sources = workload.replay_azure_2021(env, path, names)
    env.run()
    inv = env.metrics.to_numpy("invocations")
    for key, rec in trace.items():
        sel = inv["function_name"] == names[key]
        order = np.argsort(inv["t_start"][sel], kind="stable")
        assert inv["t_start"][sel][order].tolist() == rec.start.tolist()  # end - duration, exactly
        assert inv["t_exec"][sel][order].tolist() == ((rec.start + rec.duration) - rec.start).tolist()
        assert sources[key].count == len(rec.start)

    # with a watchdog: fets rows, t_fet_end = t_fet_start + duration
    env = make_env()
    env.simulator_factory = Factory(lambda: faassim.HTTPWatchdog(1000))
    key = max(trace, key=lambda k: len(trace[k].start))
    rec = trace[key]
    env.faas.deploy(make_fd("one"))
    workload.replay_azure_2021(env, trace, {key[1]: "one"})  # keyed by func alone
    env.run()
    fets = env.metrics.to_numpy("fets")
    order = np.argsort(fets["request_id"])
    assert fets["t_fet_start"][order].tolist() == rec.start.tolist()
    assert fets["t_fet_end"][order].tolist() == (rec.start + rec.duration).tolist()

    # without durations the watchdog (no characterization) takes no time
    env = make_env()
    env.simulator_factory = Factory(lambda: faassim.HTTPWatchdog(1000))
    env.faas.deploy(make_fd("one"))
    workload.replay_azure_2021(env, trace, lambda r: "one" if (r.app, r.func) == key else None, use_durations=False)
    env.run()
    fets = env.metrics.to_numpy("fets")
    assert np.array_equal(fets["t_fet_end"], fets["t_fet_start"])


def test_replay_azure_2021_origin_and_errors():
    text = "func,app,duration,end_timestamp,extra\nf,a,2.0,1.0,x\nf,a,0.5,3.0,y\ng,a,1.0,2.5,z\n"
    trace = workload.read_azure_2021(io.StringIO(text))  # any column order, extra columns
    assert trace[("a", "f")].start.tolist() == [-1.0, 2.5]
    env = make_env()
    env.faas.deploy(make_fd())
    env.run(until=4.0)
    srcs = workload.replay_azure_2021(env, trace, {("a", "f"): "f", ("a", "g"): "f"})
    env.run()
    # origin = min(0, earliest start) = -1: everything shifted by +1 from env.now = 4
    assert arrivals(env).tolist() == [4.0, 4.0 + 1.5 + 1.0, 4.0 + 3.5]
    assert {k: s.count for k, s in srcs.items()} == {("a", "f"): 2, ("a", "g"): 1}
    env = make_env()
    env.faas.deploy(make_fd())
    with pytest.raises(ValueError, match="before origin"):
        workload.replay_azure_2021(env, trace, {("a", "f"): "f"}, origin=0.0)
    ws = workload.read_azure_2021(io.StringIO("app func end_timestamp duration\na f 2.0 0.5\n"))
    assert ws[("a", "f")].start.tolist() == [1.5]
    for bad, match in (
        ("", "empty"),
        ("app,func,end\n", "no column end_timestamp, duration"),
        ("app,func,end_timestamp,duration\na,f,1\n", "line 2: 3 fields"),
        ("app,func,end_timestamp,duration\na,f,x,1\n", "must be numbers"),
        ("app,func,end_timestamp,duration\na,f,1,-1\n", "duration finite and >= 0"),
    ):
        with pytest.raises(ValueError, match=match):
            workload.read_azure_2021(io.StringIO(bad))


# ---------------------------------------------------------------------------
# 6. Synthetic traces
# ---------------------------------------------------------------------------


def test_packaged_synthetic_traces_regenerate_bit_for_bit(tmp_path):
    workload.write_synthetic_azure_2019(tmp_path / "a.csv")
    workload.write_synthetic_azure_2021(tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == workload.synthetic_azure_path(2019).read_bytes()
    assert (tmp_path / "b.csv").read_bytes() == workload.synthetic_azure_path(2021).read_bytes()
    out = io.StringIO()
    workload.write_synthetic_azure_2019(out, n_functions=3, minutes=30, seed=5)
    other = io.StringIO()
    workload.write_synthetic_azure_2019(other, n_functions=3, minutes=30, seed=6)
    assert out.getvalue() != other.getvalue()
    trace = workload.read_azure_2019(io.StringIO(out.getvalue()))
    assert len(trace) == 3 and all(len(r.counts) == 30 for r in trace.values())
    out = io.StringIO()
    workload.write_synthetic_azure_2021(out, n_functions=2, duration=50.0, seed=5)
    trace = workload.read_azure_2021(io.StringIO(out.getvalue()))
    assert 1 <= len(trace) <= 2 and all(r.start.min() >= 0 and r.start.max() < 50 for r in trace.values())
    with pytest.raises(ValueError, match="n_functions"):
        workload.write_synthetic_azure_2019(io.StringIO(), n_functions=0)
    with pytest.raises(ValueError, match="duration"):
        workload.write_synthetic_azure_2021(io.StringIO(), duration=float("inf"))
    with pytest.raises(ValueError, match="year"):
        workload.synthetic_azure_path(2020)


# ---------------------------------------------------------------------------
# 7. faas-sim's generators
# ---------------------------------------------------------------------------


def test_constant_and_sine_rps_profiles():
    gen = workload.constant_rps_profile(7.5)
    assert [next(gen) for _ in range(3)] == [7.5, 7.5, 7.5]
    env = make_env()
    gen = workload.sine_rps_profile(env, 30.0, 12.0)
    got = []
    for x in (0.0, 0.0, 1.0, 3.0, 6.0, 9.0, 100.0):
        if x > env.now:
            env.run(until=x)
        got.append(next(gen))
    div = 12.0 / (2 * np.pi)  # faas-sim's formula
    assert got == [(math.sin(x / div) + 1) / 2 * 30.0 for x in (0.0, 0.0, 1.0, 3.0, 6.0, 9.0, 100.0)]
    assert got[3] == 30.0 and got[5] == 0.0


def test_randomwalk_rps_profile_semantics():
    def reference(seed, mu, sigma, hi, lo, n):
        r, out = random.Random(seed), []
        while len(out) < n:
            x = r.normalvariate(mu, sigma)
            if x >= hi:
                out.append(hi)
            elif x <= lo:
                out.append(lo)
            else:
                out.append(x)
                mu = x
        return out

    got = workload.randomwalk_rps_profile(10, 4, 15, 5, rng=random.Random(3))
    want = reference(3, 10, 4, 15, 5, 500)
    values = [next(got) for _ in range(500)]
    assert values == want
    assert 15 in values and 5 in values  # the bounds are hit and returned
    # env.rng (an Environment or its rng) is the default for reproducible runs
    a = workload.randomwalk_rps_profile(10, 4, 15, 5, rng=faassim.Environment(seed=2))
    b = workload.randomwalk_rps_profile(10, 4, 15, 5, rng=faassim.Random(2))
    assert [next(a) for _ in range(50)] == [next(b) for _ in range(50)]
    # None: Python's random module, as faas-sim
    random.seed(11)
    first = random.normalvariate(10, 4)
    random.seed(11)
    assert next(workload.randomwalk_rps_profile(10, 4, 100, -100)) == first
    with pytest.raises(TypeError, match="rng must be"):
        next(workload.randomwalk_rps_profile(10, 4, 15, rng="x"))


def test_arrival_profiles():
    gen = workload.static_arrival_profile(iter([4.0, 0.5, 0, 10.0, 0]), max_ia=1.5)
    assert [next(gen) for _ in range(5)] == [0.25, 1.5, 1.5, 0.1, 1.5]  # rate 0: max_ia (faas-sim divided by 0)
    gen = workload.static_arrival_profile(workload.constant_rps_profile(0))
    assert next(gen) == math.inf and next(gen) == math.inf
    r1, r2 = faassim.Random(4), faassim.Random(4)
    gen = workload.expovariate_arrival_profile(iter([2.0, 0.0, 50.0, 0.001]), scale=3.0, max_ia=20.0, rng=r1)
    want = [min(r2.expovariate(2.0) * 3.0, 20.0), 3.0, min(r2.expovariate(50.0) * 3.0, 20.0)]
    want.append(min(r2.expovariate(0.001) * 3.0, 20.0))
    assert [next(gen) for _ in range(4)] == want


def test_function_trigger():
    env = make_env()
    fd = make_fd()
    env.faas.deploy(fd)
    env.process(workload.function_trigger(env, fd, iter([1.0, 0.5, 2.0, 1.0, 1.0]), max_requests=4))
    env.run()
    assert arrivals(env).tolist() == [1.0, 1.5, 3.5, 4.5]
    # by name, until the generator ends (logged), with C-free Python requests
    env = make_env()
    env.faas.deploy(make_fd())
    env.process(workload.function_trigger(env, "f", iter([0.25, 0.25])))
    env.run()
    assert arrivals(env).tolist() == [0.25, 0.5]
    # an interrupt ends it; so does an infinite inter-arrival time
    env = make_env()
    env.faas.deploy(make_fd())
    proc = env.process(
        workload.function_trigger(env, "f", workload.static_arrival_profile(workload.constant_rps_profile(2)))
    )

    def stopper(env):
        yield env.timeout(3.1)
        proc.interrupt("enough")

    env.process(stopper(env))
    env.run()
    assert len(arrivals(env)) == 6 and not proc.is_alive
    env = make_env()
    env.faas.deploy(make_fd())
    env.process(workload.function_trigger(env, "f", iter([1.0, math.inf, 1.0])))
    env.run()
    assert arrivals(env).tolist() == [1.0]


def test_function_trigger_logs_the_end_of_its_generator(caplog):
    env = make_env()
    env.faas.deploy(make_fd())
    with caplog.at_level(logging.ERROR, logger="faassim.workload"):
        env.process(workload.function_trigger(env, "f", iter([1.0])))
        env.run()
    assert "f gen has finished" in caplog.text


def test_dropping_a_run_midway_frees_everything():
    """Requests on C execution timers (default invoke and watchdog), sources
    with pending arrivals and Python requests in flight: dropping the
    environment mid-run frees them all (the no_leaks fixture checks the
    live-object counters)."""
    seen = []

    class Rec(FunctionSimulator):
        def invoke(self, env, replica, request):
            seen.append(request)
            yield from super().invoke(env, replica, request)

    for make in (FunctionSimulator, lambda: faassim.HTTPWatchdog(2), Rec):
        env = make_env()
        env.simulator_factory = Factory(make)
        env.faas.deploy(make_fd())
        env.faas.add_source("f", Replay(np.arange(1.0, 50.0), durations=np.full(49, 30.0)))
        env.faas.add_source("f", Sine(5, 5, 10))
        env.faas.add_source("f", PerMinute([100, 100], spread="poisson"))
        env.faas.invoke(FunctionRequest("f", exec_time=1000.0))
        env.run(until=20.0)
        assert env.faas.function_stats("f")["invoked"] > 20
        del env
        seen.clear()


def test_read_azure_2019_counts_beyond_int64_are_refused(tmp_path):
    header = "HashOwner,HashApp,HashFunction,Trigger,1,2\n"
    big = "99999999999999999999"
    # plain lines (NumPy's fast parse saturated this at 2**63 - 1) and quoted lines (a bare OverflowError)
    for line in (f"o,a,f,http,3,{big}\n", f'"o","a","f","http",3,{big}\n'):
        path = tmp_path / "trace.csv"
        path.write_text(header + line)
        message = f"trace.csv' line 2: the count of minute '2' is more than 2\\*\\*63 - 1, got {big}"
        with pytest.raises(ValueError, match=message):
            workload.read_azure_2019(path)
    with pytest.raises(ValueError, match=f"minute '1' must be >= 0, got -{big}"):
        workload.read_azure_2019(io.StringIO(header + f'"o","a","f","http",-{big},1\n'))
    # the largest int64 is still read exactly, on both paths
    top = 2**63 - 1
    for line in (f"o,a,f,http,{top},1\n", f'"o","a","f","http",{top},1\n'):
        assert workload.read_azure_2019(io.StringIO(header + line))["f"].counts.tolist() == [top, 1]
