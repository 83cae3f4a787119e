"""faassim.Random and env.rng: reproducibility, agreement with the
clean-room reference (tests/rng_reference.py), statistics of every
distribution, and the errors for bad parameters.

Statistical checks draw from fixed seeds and accept within 6 standard
errors, so they are deterministic and a correct generator is nowhere near
the limits."""

import copy
import math
import pickle
import subprocess
import sys
from collections import Counter, UserList

import pytest

import faassim
from faassim import Random

sys.path.insert(0, __import__("os").path.dirname(__file__))
import rng_reference as ref  # noqa: E402

N = 400_000  # draws per statistical check
Z = 6.0
NAN, INF = float("nan"), float("inf")


def check_moments(xs, mean, var, mu4=None):
    """Sample mean and variance within Z standard errors; mu4 is the fourth
    central moment (3 var^2, the normal's, when not given)."""
    n = len(xs)
    m = math.fsum(xs) / n
    v = math.fsum((x - m) ** 2 for x in xs) / (n - 1)
    if mu4 is None:
        mu4 = 3 * var * var
    assert abs(m - mean) <= Z * math.sqrt(var / n), (m, mean)
    assert abs(v - var) <= Z * math.sqrt((mu4 - var * var) / n), (v, var)


def proportion_ok(count, n, p):
    return abs(count / n - p) <= Z * math.sqrt(p * (1 - p) / n)


def chi2_ok(counts, expected_p, n):
    """Chi-square statistic below mean + 6 sd of its distribution (df = k - 1)."""
    df = len(expected_p) - 1
    chi2 = sum((counts.get(k, 0) - n * p) ** 2 / (n * p) for k, p in expected_p.items())
    assert set(counts) <= set(expected_p), set(counts) - set(expected_p)
    return chi2 < df + Z * math.sqrt(2 * df), chi2


# ---------------------------------------------------------------------------
# Agreement with the reference implementation


@pytest.mark.parametrize("seed", [0, 1, 42, 2**63, 2**64 - 1, 123456789])
def test_random_matches_reference(seed):
    r, g = Random(seed), ref.Xoshiro(seed)
    assert [r.random() for _ in range(1000)] == [g.random() for _ in range(1000)]
    assert r.seed_used == seed


def test_known_first_values():
    """The values printed by ``python tests/rng_reference.py`` (also in the C tests)."""
    r = Random(42)
    assert [r.random() for _ in range(4)] == [
        0.08386297105988216,
        0.3789802506626686,
        0.6800434110281394,
        0.9246929453253876,
    ]
    r = Random(42)
    assert [r.randrange(10) for _ in range(12)] == [1, 6, 9, 4, 5, 9, 1, 2, 6, 9, 5, 7]


@pytest.mark.parametrize("n", [1, 2, 3, 6, 10, 1000, 2**31 + 5, 2**63 + 1, 2**64 - 1])
def test_randrange_matches_reference(n):
    r, g = Random(7), ref.Xoshiro(7)
    assert [r.randrange(n) for _ in range(200)] == [g.below(n) for _ in range(200)]


def test_randint_and_choice_use_the_same_integer_draws():
    r, g = Random(9), ref.Xoshiro(9)
    seq = list("abcdefg")
    for _ in range(100):
        assert r.randint(-3, 3) == -3 + g.below(7)
        assert r.choice(seq) == seq[g.below(7)]
        assert r.randrange(10, 0, -3) == 10 - 3 * g.below(4)


def test_real_distributions_match_reference():
    r, g = Random(5), ref.Xoshiro(5)
    for _ in range(200):
        assert r.expovariate(2.5) == pytest.approx(g.exponential(2.5), rel=1e-15)
        assert r.normalvariate(1.0, 2.0) == pytest.approx(1.0 + 2.0 * g.std_normal(), rel=1e-15, abs=1e-15)
        assert r.lognorm(0.5, 1.0, 3.0) == pytest.approx(1.0 + 3.0 * math.exp(0.5 * g.std_normal()), rel=1e-15)
        assert r.lognormvariate(0.2, 0.3) == pytest.approx(math.exp(0.2 + 0.3 * g.std_normal()), rel=1e-15)
        assert r.uniform(-2.0, 6.0) == -2.0 + 8.0 * g.random()


def test_spawn_matches_reference():
    r = Random(11)
    r.random()
    g = ref.Xoshiro(11)
    g.random()
    # a root's child continues the root's stream; the root jumps 2**192 ahead
    child, gchild = r.spawn(), g.spawn()
    assert [child.random() for _ in range(50)] == [gchild.random() for _ in range(50)]
    assert [r.random() for _ in range(50)] == [g.random() for _ in range(50)]
    # a child jumps 2**128 per grandchild
    grand, ggrand = child.spawn(), gchild.spawn()
    assert [grand.random() for _ in range(50)] == [ggrand.random() for _ in range(50)]
    assert [child.random() for _ in range(50)] == [gchild.random() for _ in range(50)]
    assert child.seed_used == grand.seed_used == r.seed_used == 11
    assert [s.getstate()[4] for s in (r, child, grand)] == [0, 1, 2]


# ---------------------------------------------------------------------------
# Determinism


def draw_mix(r):
    out = []
    for _ in range(50):
        out += [
            r.random(),
            r.uniform(1, 2),
            r.expovariate(3),
            r.normalvariate(),
            r.gauss(1, 2),
            r.lognormvariate(0, 1),
            r.lognorm(0.4, 1, 2),
            r.randint(1, 6),
            r.randrange(3, 30, 4),
            r.choice("xyz"),
            r.bounded("lognorm", 0.8, 0, 0.2, xmin=0.1, xmax=0.5),
        ]
        xs = list(range(8))
        r.shuffle(xs)
        out.append(tuple(xs))
    return out


def test_same_seed_same_sequence_different_seeds_differ():
    assert draw_mix(Random(2024)) == draw_mix(Random(2024))
    assert draw_mix(Random(2024)) != draw_mix(Random(2025))
    firsts = {Random(s).random() for s in range(1000)}
    assert len(firsts) == 1000


def test_same_seed_across_processes():
    code = "import faassim; r = faassim.Random(31337); print(repr([r.random() for _ in range(5)] + [r.gauss() for _ in range(5)]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    r = Random(31337)
    assert out.strip() == repr([r.random() for _ in range(5)] + [r.gauss() for _ in range(5)])


def test_getstate_setstate_round_trip():
    r = Random(3)
    r.random()
    r.gauss()  # leaves the polar method's spare in the state
    state = r.getstate()
    assert state[0] == 1 and len(state[1]) == 4 and isinstance(state[2], float) and state[3:] == (3, 0)
    after = draw_mix(r)
    r.setstate(state)
    assert r.getstate() == state
    assert draw_mix(r) == after
    other = Random(99)
    other.setstate(state)
    assert draw_mix(other) == after
    assert other.seed_used == 3
    r.gauss()
    assert r.getstate()[2] is None  # the spare was used


def test_seed_restarts_the_stream():
    r = Random(8)
    first = draw_mix(r)
    r.seed(8)
    assert draw_mix(r) == first
    r.seed(9)
    assert r.seed_used == 9 and draw_mix(r) == draw_mix(Random(9))
    r.seed()
    assert draw_mix(r) == draw_mix(Random(r.seed_used))


def test_pickle_and_copy_keep_the_stream():
    r = Random(12)
    r.gauss()
    for clone in (pickle.loads(pickle.dumps(r)), copy.copy(r), copy.deepcopy(r)):
        assert clone is not r and clone.getstate() == r.getstate()
    clone = copy.deepcopy(r)
    assert draw_mix(clone) == draw_mix(r)


def test_spawn_streams_differ_and_are_reproducible():
    def family(seed):
        root = Random(seed)
        kids = [root.spawn() for _ in range(4)]
        grandkids = [kids[0].spawn() for _ in range(3)] + [kids[1].spawn()]
        return [[s.random() for _ in range(20)] for s in [root, *kids, *grandkids]]

    a = family(77)
    assert a == family(77)
    values = [x for s in a for x in s]
    assert len(set(values)) == len(values)  # no stream repeats another one


def test_a_grandchild_cannot_spawn():
    grand = Random(3).spawn().spawn()
    state = grand.getstate()
    with pytest.raises(ValueError, match=r"spawn\(\): <faassim.Random seed_used=3> is a grandchild \(spawn level 2\)"):
        grand.spawn()
    assert grand.getstate() == state
    # seeding makes it a root again
    grand.seed(4)
    grand.spawn()


def test_spawned_stream_is_independent_of_the_parent():
    r = Random(4)
    c = r.spawn()
    xs = [r.random() for _ in range(N)]
    ys = [c.random() for _ in range(N)]
    mx, my = sum(xs) / N, sum(ys) / N
    cov = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys)) / N
    corr = cov / (1 / 12)
    assert abs(corr) < Z / math.sqrt(N)


def test_seed_none_gives_a_reproducible_seed_used():
    a, b = Random(), Random(None)
    assert 0 <= a.seed_used < 2**64 and a.seed_used != b.seed_used
    first = [a.random() for _ in range(10)]
    replay = Random(a.seed_used)
    assert [replay.random() for _ in range(10)] == first


def test_seed_accepts_index_objects():
    class Idx:
        def __index__(self):
            return 17

    assert Random(Idx()).seed_used == 17 and Random(True).seed_used == 1
    assert Random(seed=2**64 - 1).seed_used == 2**64 - 1


# ---------------------------------------------------------------------------
# Statistics


def test_random_uniform_statistics():
    r = Random(100)
    xs = [r.random() for _ in range(N)]
    assert min(xs) >= 0.0 and max(xs) < 1.0
    check_moments(xs, 0.5, 1 / 12, 1 / 80)
    ys = [r.uniform(-1.0, 5.0) for _ in range(N)]
    assert min(ys) >= -1.0 and max(ys) < 5.0
    check_moments(ys, 2.0, 3.0, 6**4 / 80)
    zs = [r.uniform(3.0, 1.0) for _ in range(1000)]  # a > b, as random.uniform allows
    assert all(1.0 < z <= 3.0 for z in zs)


def test_expovariate_statistics():
    r = Random(101)
    lam = 4.0
    xs = [r.expovariate(lam) for _ in range(N)]
    assert min(xs) >= 0.0
    check_moments(xs, 1 / lam, 1 / lam**2, 9 / lam**4)
    assert proportion_ok(sum(x > 1 / lam for x in xs), N, math.exp(-1))
    ys = [r.expovariate() for _ in range(N)]  # lambd defaults to 1.0
    check_moments(ys, 1.0, 1.0, 9.0)


@pytest.mark.parametrize("method", ["normalvariate", "gauss"])
def test_normal_statistics(method):
    r = Random(102)
    draw = getattr(r, method)
    mu, sigma = -3.0, 1.5
    xs = [draw(mu, sigma) for _ in range(N)]
    check_moments(xs, mu, sigma**2)
    assert proportion_ok(sum(x < mu for x in xs), N, 0.5)
    assert proportion_ok(sum(abs(x - mu) < sigma for x in xs), N, math.erf(1 / math.sqrt(2)))
    assert proportion_ok(sum(abs(x - mu) < 2 * sigma for x in xs), N, math.erf(2 / math.sqrt(2)))
    zs = [draw() for _ in range(N)]
    check_moments(zs, 0.0, 1.0)
    assert draw(4.25, 0.0) == 4.25


def lognorm_moments(s, loc, scale):
    """Mean, variance and fourth central moment of loc + scale * exp(s Z),
    from the raw moments E[exp(k s Z)] = exp(k^2 s^2 / 2)."""
    m = [math.exp(k * k * s * s / 2) for k in range(5)]
    var = m[2] - m[1] ** 2
    mu4 = m[4] - 4 * m[3] * m[1] + 6 * m[2] * m[1] ** 2 - 3 * m[1] ** 4
    return loc + scale * m[1], scale**2 * var, scale**4 * mu4


@pytest.mark.parametrize("s, loc, scale", [(0.5, 0.0, 1.0), (0.25, 10.0, 3.0), (0.8, -1.0, 0.2)])
def test_lognorm_has_scipy_parameters(s, loc, scale):
    """scipy.stats.lognorm(s, loc, scale): median loc + scale, mean
    loc + scale exp(s^2/2), variance scale^2 (e^{s^2} - 1) e^{s^2}."""
    r = Random(103)
    xs = [r.lognorm(s, loc, scale) for _ in range(N)]
    assert min(xs) > loc
    mean, var, mu4 = lognorm_moments(s, loc, scale)
    assert var == pytest.approx(scale**2 * (math.exp(s * s) - 1) * math.exp(s * s))
    check_moments(xs, mean, var, mu4)
    assert proportion_ok(sum(x < loc + scale for x in xs), N, 0.5)  # median loc + scale
    # P(X < loc + scale * e^s) = P(Z < 1)
    assert proportion_ok(sum(x < loc + scale * math.exp(s) for x in xs), N, 0.5 * (1 + math.erf(1 / math.sqrt(2))))


def test_lognorm_keywords_and_degenerate_s():
    assert Random(1).lognorm(0.3, loc=2.0, scale=5.0) == Random(1).lognorm(0.3, 2.0, 5.0)
    assert Random(1).lognorm(s=0.3) == Random(1).lognorm(0.3, 0.0, 1.0)
    assert Random(1).lognorm(0.0, 1.5, 2.0) == 3.5


def test_lognormvariate_statistics():
    r = Random(104)
    mu, sigma = 0.5, 0.4
    xs = [r.lognormvariate(mu, sigma) for _ in range(N)]
    mean, var, mu4 = lognorm_moments(sigma, 0.0, math.exp(mu))
    check_moments(xs, mean, var, mu4)
    assert proportion_ok(sum(x < math.exp(mu) for x in xs), N, 0.5)


def test_randint_randrange_uniformity():
    r = Random(105)
    ok, chi2 = chi2_ok(Counter(r.randint(1, 6) for _ in range(N)), {k: 1 / 6 for k in range(1, 7)}, N)
    assert ok, chi2
    ok, chi2 = chi2_ok(Counter(r.randrange(100) for _ in range(N)), {k: 1 / 100 for k in range(100)}, N)
    assert ok, chi2
    vals = range(-7, 40, 5)
    ok, chi2 = chi2_ok(Counter(r.randrange(-7, 40, 5) for _ in range(N)), {k: 1 / len(vals) for k in vals}, N)
    assert ok, chi2
    vals = range(10, -11, -4)
    ok, chi2 = chi2_ok(Counter(r.randrange(10, -11, -4) for _ in range(N)), {k: 1 / len(vals) for k in vals}, N)
    assert ok, chi2
    # n just above 2**63: half of the raw draws are rejected; still uniform halves
    n = 2**63 + 1
    xs = [r.randrange(n) for _ in range(N // 4)]
    assert all(0 <= x < n for x in xs)
    assert proportion_ok(sum(x < n // 2 for x in xs), len(xs), 0.5)


def test_choice_uniformity():
    r = Random(106)
    seq = ("a", "b", "c", "d", "e")
    ok, chi2 = chi2_ok(Counter(r.choice(seq) for _ in range(N)), {k: 0.2 for k in seq}, N)
    assert ok, chi2
    assert r.choice(range(1000, 2000)) in range(1000, 2000)
    assert r.choice("q") == "q"


def test_integer_extremes():
    r = Random(107)
    for _ in range(1000):
        assert -(2**63) <= r.randint(-(2**63), 2**63 - 1) <= 2**63 - 1
        assert 0 <= r.randint(0, 2**64 - 1) < 2**64
        assert 0 <= r.randrange(2**64) < 2**64
        assert 2**100 <= r.randrange(2**100, 2**100 + 5) < 2**100 + 5
        assert -(2**90) <= r.randint(-(2**90), -(2**90) + 2) <= -(2**90) + 2
    assert r.randint(5, 5) == 5 and r.randrange(1) == 0
    assert set(r.randrange(-(10**30), 10**30, 10**29) for _ in range(2000)) == set(range(-(10**30), 10**30, 10**29))


def test_shuffle_is_a_uniform_permutation():
    r = Random(108)
    xs = list(range(1000))
    r.shuffle(xs)
    assert sorted(xs) == list(range(1000)) and xs != list(range(1000))
    perms = Counter()
    for _ in range(60_000):
        ys = [0, 1, 2]
        r.shuffle(ys)
        perms[tuple(ys)] += 1
    ok, chi2 = chi2_ok(perms, {p: 1 / 6 for p in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]}, 60_000)
    assert ok, chi2
    empty, one = [], [1]
    r.shuffle(empty)
    r.shuffle(one)
    assert empty == [] and one == [1]


def test_shuffle_any_mutable_sequence_like_a_list():
    a, b, c = list(range(50)), UserList(range(50)), bytearray(range(50))
    Random(5).shuffle(a)
    Random(5).shuffle(b)
    Random(5).shuffle(c)
    assert list(b) == a and list(c) == a


def test_shuffle_draws_nothing_for_short_lists():
    r = Random(5)
    r.shuffle([1])
    assert r.random() == Random(5).random()


def test_bounded_stays_in_bounds():
    r = Random(109)
    xs = [r.bounded("lognorm", 0.8, 0.0, 0.2, xmin=0.1, xmax=0.5) for _ in range(20_000)]
    assert min(xs) >= 0.1 and max(xs) <= 0.5
    xs = [r.bounded("normalvariate", 0, 1, xmin=-1.0, xmax=2.0) for _ in range(20_000)]
    assert min(xs) >= -1.0 and max(xs) <= 2.0
    xs = [r.bounded("normal", xmax=-1.0) for _ in range(5_000)]  # one-sided
    assert max(xs) <= -1.0
    assert r.bounded("constant", 2.0, xmin=2.0, xmax=2.0) == 2.0
    assert 0.25 <= r.bounded("uniform", 0, 1, xmin=0.25) < 1.0
    assert r.bounded("gauss", 3.0, 0.0) == 3.0


def test_bounded_truncated_exponential_mean():
    """Rejection gives the truncated distribution: for rate l on [0, 1] the
    mean is 1/l - e^-l / (1 - e^-l)."""
    r = Random(110)
    lam = 1.5
    xs = [r.bounded("expovariate", lam, xmin=0.0, xmax=1.0) for _ in range(N)]
    want = 1 / lam - math.exp(-lam) / (1 - math.exp(-lam))
    assert abs(sum(xs) / N - want) < Z * math.sqrt(1 / 12 / N)


def test_bounded_unbounded_equals_the_method():
    for name, params, method in [
        ("uniform", (1, 3), "uniform"),
        ("expovariate", (2.0,), "expovariate"),
        ("exponential", (2.0,), "expovariate"),
        ("normalvariate", (1, 2), "normalvariate"),
        ("gauss", (1, 2), "gauss"),
        ("lognorm", (0.5, 1, 2), "lognorm"),
        ("lognormal", (0.5,), "lognorm"),
    ]:
        a, b = Random(3), Random(3)
        assert [a.bounded(name, *params) for _ in range(20)] == [getattr(b, method)(*params) for _ in range(20)]


# ---------------------------------------------------------------------------
# Errors name the value


ERRORS = [
    (lambda r: r.expovariate(-1), ValueError, r"expovariate\(\).*lambd > 0.*lambd=-1\.0"),
    (lambda r: r.expovariate(0), ValueError, r"lambd=0\.0"),
    (lambda r: r.expovariate(NAN), ValueError, r"lambd=nan"),
    (lambda r: r.expovariate(INF), ValueError, r"lambd=inf"),
    (lambda r: r.expovariate("2"), TypeError, r"lambd must be a real number, not str \('2'\)"),
    (lambda r: r.normalvariate(0, -1), ValueError, r"normalvariate\(\).*sigma >= 0.*sigma=-1\.0"),
    (lambda r: r.normalvariate(NAN, 1), ValueError, r"mu=nan"),
    (lambda r: r.gauss(0, INF), ValueError, r"gauss\(\).*sigma=inf"),
    (lambda r: r.lognormvariate(0, -0.5), ValueError, r"lognormvariate\(\).*sigma=-0\.5"),
    (lambda r: r.lognorm(-0.5), ValueError, r"lognorm\(\).*s=-0\.5"),
    (lambda r: r.lognorm(0.5, scale=0), ValueError, r"scale > 0.*scale=0\.0"),
    (lambda r: r.lognorm(0.5, loc=NAN), ValueError, r"loc=nan"),
    (lambda r: r.lognorm(), TypeError, r"missing required argument 's'"),
    (lambda r: r.uniform(0, INF), ValueError, r"uniform\(\).*b=inf"),
    (lambda r: r.uniform(NAN, 1), ValueError, r"a=nan"),
    (lambda r: r.uniform(-1e308, 1e308), ValueError, r"b - a"),
    (lambda r: r.uniform(1), TypeError, r"missing required argument 'b'"),
    (lambda r: r.uniform(0, 10**400), ValueError, r"b=1000+ is too large"),
    (lambda r: r.randint(5, 2), ValueError, r"randint\(\): empty range, a=5 > b=2"),
    (lambda r: r.randint(1.5, 3), TypeError, r"a must be an int, not float \(1\.5\)"),
    (lambda r: r.randrange(0), ValueError, r"empty range for randrange\(0\)"),
    (lambda r: r.randrange(5, 5), ValueError, r"empty range for randrange\(5, 5\)"),
    (lambda r: r.randrange(0, 10, -1), ValueError, r"empty range for randrange\(0, 10, -1\)"),
    (lambda r: r.randrange(0, 10, 0), ValueError, r"zero step for randrange\(0, 10, 0\)"),
    (lambda r: r.randrange(2**64 + 1), OverflowError, r"18446744073709551617 integers is too large"),
    (lambda r: r.randrange("9"), TypeError, r"stop must be an int, not str \('9'\)"),
    (lambda r: r.choice([]), IndexError, r"cannot choose from an empty sequence \(\[\]\)"),
    (lambda r: r.choice({1, 2}), TypeError, r"expected a sequence, got set"),
    (lambda r: r.shuffle(5), TypeError, r"expected a mutable sequence, got int \(5\)"),
    (lambda r: r.shuffle((1, 2)), TypeError, r"expected a mutable sequence, got tuple \(\(1, 2\)\)"),
    (lambda r: r.shuffle("ab"), TypeError, r"expected a mutable sequence, got str \('ab'\)"),
    (lambda r: r.bounded("pareto", 1), ValueError, r"unknown distribution 'pareto'"),
    (lambda r: r.bounded(3), TypeError, r"dist must be a str, not int \(3\)"),
    (lambda r: r.bounded(), TypeError, r"missing required argument 'dist'"),
    (lambda r: r.bounded("lognorm"), TypeError, r"bounded\('lognorm'\) takes 1 to 3 parameters, got 0"),
    (lambda r: r.bounded("uniform", 1, 2, 3), TypeError, r"takes 2 to 2 parameters, got 3"),
    (lambda r: r.bounded("lognorm", 0.5, scale=2), TypeError, r"unexpected keyword argument 'scale'"),
    (lambda r: r.bounded("expovariate", -2.0), ValueError, r"bounded\('expovariate'\).*lambd=-2\.0"),
    (lambda r: r.bounded("normal", xmin=3, xmax=1), ValueError, r"xmin <= xmax.*xmin=3\.0, xmax=1\.0"),
    (lambda r: r.bounded("normal", xmin=NAN), ValueError, r"xmin=nan"),
    (lambda r: r.bounded("normal", xmin=INF), ValueError, r"xmin=inf, xmax=inf"),
    (lambda r: r.bounded("normal", xmin="a"), TypeError, r"xmin must be a real number, not str"),
    (
        lambda r: r.bounded("normal", 0, 1, xmin=50, xmax=60),
        ValueError,
        r"no draw of normalvariate\(mu=0\.0, sigma=1\.0\) fell in \[xmin=50\.0, xmax=60\.0\] in 1000000 attempts",
    ),
    (lambda r: r.bounded("constant", 1.0, xmin=2.0), ValueError, r"no draw of constant\(value=1\.0\)"),
    (lambda r: r.setstate(5), TypeError, r"state must be a tuple .* got int \(5\)"),
    (lambda r: r.setstate((1, (1, 2, 3, 4), None, 0)), TypeError, r"state must be a tuple .* got tuple"),
    (lambda r: r.setstate((2, (1, 2, 3, 4), None, 0, 0)), ValueError, r"state version 2 is not supported"),
    (lambda r: r.setstate((1, (0, 0, 0, 0), None, 0, 0)), ValueError, r"all-zero state"),
    (lambda r: r.setstate((1, (1, 2, 3, -4), None, 0, 0)), ValueError, r"-4 is not an int in \[0, 2\*\*64\)"),
    (lambda r: r.setstate((1, (1, 2, 3, 4), NAN, 0, 0)), ValueError, r"spare must be None or a finite float, got nan"),
    (lambda r: r.setstate((1, (1, 2, 3, 4), None, 0, 3)), ValueError, r"level must be an int in \[0, 2\], got 3"),
    (lambda r: r.seed(-1), ValueError, r"seed must be an int in \[0, 2\*\*64\), got -1"),
    (lambda r: r.seed("abc"), TypeError, r"seed must be an int or None, not str \('abc'\)"),
    (lambda r: Random(2**64), ValueError, r"got 18446744073709551616"),
    (lambda r: Random(1.5), TypeError, r"Random\(\): seed must be an int or None, not float \(1\.5\)"),
]


@pytest.mark.parametrize("call, exc, match", ERRORS, ids=[m for _, _, m in ERRORS])
def test_errors_name_the_value(call, exc, match):
    r = Random(1)
    with pytest.raises(exc, match=match):
        call(r)


def test_failed_calls_draw_nothing():
    r = Random(1)
    for call, exc, _ in ERRORS:
        if "1000000 attempts" in _:
            continue  # the attempts themselves are draws
        with pytest.raises(exc):
            call(r)
    assert r.random() == Random(1).random()


def test_random_is_final():
    with pytest.raises(TypeError):

        class Sub(Random):
            pass


def test_repr():
    assert repr(Random(5)) == "<faassim.Random seed_used=5>"


# ---------------------------------------------------------------------------
# The environment's random source


def test_env_rng_is_seeded_from_env_seed():
    env = faassim.Environment(seed=42)
    assert isinstance(env.rng, Random) and env.rng is env.rng
    assert env.seed == 42 and env.rng.seed_used == 42
    r = Random(42)
    assert [env.rng.random() for _ in range(5)] == [r.random() for _ in range(5)]
    a, b = faassim.Environment(seed=42), faassim.Environment(seed=42)
    assert draw_mix(a.rng) == draw_mix(b.rng) == draw_mix(Random(42))


def test_env_rng_same_seed_same_sequence_environments_independent():
    a, b = faassim.Environment(seed=5), faassim.Environment(seed=5)
    xs = [a.rng.random() for _ in range(100)]
    # drawing from a did not move b
    assert [b.rng.random() for _ in range(100)] == xs
    c = faassim.Environment(seed=6)
    assert [c.rng.random() for _ in range(100)] != xs


def test_env_seed_none_reports_the_effective_seed():
    env = faassim.Environment()
    assert env.seed is None
    used = env.rng.seed_used
    assert 0 <= used < 2**64
    xs = [env.rng.random() for _ in range(10)]
    replay = faassim.Environment(seed=used)
    assert [replay.rng.random() for _ in range(10)] == xs
    assert faassim.Environment().rng.seed_used != used


def test_env_seed_keeps_what_the_user_passed():
    class Idx:
        def __index__(self):
            return 3

    i = Idx()
    env = faassim.Environment(seed=i)
    assert env.seed is i and env.rng.seed_used == 3
    env = faassim.Environment(5.0, seed=2**64 - 1)
    assert env.rng.seed_used == 2**64 - 1 and env.now == 5.0


def test_env_seed_errors():
    with pytest.raises(ValueError, match=r"Environment\(\): seed must be an int in \[0, 2\*\*64\), got -1"):
        faassim.Environment(seed=-1)
    with pytest.raises(TypeError, match=r"Environment\(\): seed must be an int or None, not str"):
        faassim.Environment(seed="1")


def test_env_rng_is_read_only():
    env = faassim.Environment(seed=1)
    with pytest.raises(AttributeError):
        env.rng = Random(2)


def test_env_subclass_without_super_init_still_has_an_rng():
    class Lazy(faassim.Environment):
        def __init__(self, seed):
            pass  # forgets super().__init__()

    env = Lazy(seed=9)
    assert env.rng.seed_used == 9  # taken from the keyword in __new__
    assert 0 <= Lazy(None).rng.seed_used < 2**64


def test_env_reinit_reseeds():
    env = faassim.Environment(seed=1)
    env.rng.random()
    env.__init__(seed=2)
    assert env.seed == 2 and env.rng.seed_used == 2
    assert env.rng.random() == Random(2).random()


def test_env_rng_outlives_the_environment():
    env = faassim.Environment(seed=13)
    rng = env.rng
    del env
    assert rng.random() == Random(13).random()


def test_processes_draw_reproducibly_from_env_rng():
    def run(seed):
        env = faassim.Environment(seed=seed)
        log = []

        def client(env, name):
            for _ in range(20):
                yield env.timeout(env.rng.expovariate(2.0))
                log.append((name, env.now))

        for name in "abc":
            env.process(client(env, name))
        env.run()
        return log

    assert run(1) == run(1)
    assert run(1) != run(2)
